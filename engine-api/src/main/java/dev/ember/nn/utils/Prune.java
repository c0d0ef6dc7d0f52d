package dev.ember.nn.utils;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Index;
import dev.ember.Tensor;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * {@code torch.nn.utils.prune}: sparsifies a module's parameter by a mask, as PyTorch 2.x. Pruning {@code "weight"}
 * reparametrizes it: the parameter {@code weight} leaves the module's parameters, the same tensor becomes the parameter
 * {@code weight_orig} (trained; its gradient is masked), the mask is the buffer {@code weight_mask}, and {@code weight}
 * becomes a plain tensor, {@code weight_mask * weight_orig}, recomputed by a forward pre-hook before each call of the
 * module ({@link Module#apply(Tensor)}); the module's forward reads it, and {@link Module#parametrizedValue(String)} (or
 * {@link ModuleInternals#getAttr}) returns it, as PyTorch's {@code module.weight}. The layer's public field ({@code
 * Linear.weight}) keeps the tensor it held, which is now {@code weight_orig}. Pruning the same tensor again composes the
 * masks ({@link PruningContainer}): the new method acts on what the previous ones left. {@link #remove} makes the pruning
 * permanent.
 *
 * <p>An amount is a {@code long} (the number of units to prune) or a {@code double} (the fraction, rounded half to even
 * as Python's {@code round}), as PyTorch's int or float. Unlike PyTorch, a pruning that fails (an amount larger than what
 * is left, a bad dim) changes nothing: PyTorch moves the parameter to {@code weight_orig} and back (it then comes last in
 * the parameters) and, for a second pruning, loses the earlier pruning hook. The random methods draw as PyTorch's
 * ({@code rand_like} of the tensor, {@code rand} of the channels) from the default generator: with PyTorch's
 * ({@link dev.ember.Generator.Algorithm#MT19937}, the default) the same seed gives PyTorch's masks.
 */
public final class Prune {
    private Prune() {
    }

    // ------------------------------------------------------------------ amounts and checks

    /** An amount: a count (PyTorch's int) or a fraction (its float). */
    private record Amount(boolean integral, long count, double fraction) {
        static Amount of(long count) {
            Amount a = new Amount(true, count, 0);
            a.validateInit();
            return a;
        }

        static Amount of(double fraction) {
            Amount a = new Amount(false, 0, fraction);
            a.validateInit();
            return a;
        }

        String repr() {
            return integral ? Long.toString(count) : Format.repr(fraction);
        }

        /** PyTorch's {@code _validate_pruning_amount_init}; NaN passes, as there. */
        void validateInit() {
            if (integral ? count < 0 : (fraction > 1.0 || fraction < 0.0)) {
                throw new IllegalArgumentException("amount=" + repr()
                        + " should either be a float in the range [0, 1] or a non-negative integer");
            }
        }

        /** PyTorch's {@code _compute_nparams_toprune} (Python's round: half to even) and {@code _validate_pruning_amount}. */
        long toPrune(long tensorSize) {
            long n;
            if (integral) {
                n = count;
            } else {
                double v = fraction * tensorSize;
                if (Double.isNaN(v)) {
                    throw new IllegalArgumentException("cannot convert float NaN to integer");
                }
                n = (long) Math.rint(v);
            }
            if (n > tensorSize) {
                throw new IllegalArgumentException("amount=" + n + " should be smaller than the number of parameters to prune="
                        + tensorSize);
            }
            return n;
        }
    }

    /** Python's repr of a {@code torch.Size}. */
    private static String size(int[] shape) {
        StringBuilder sb = new StringBuilder("torch.Size([");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append("])").toString();
    }

    /** PyTorch's {@code _validate_structured_pruning}. */
    private static void validateStructured(Tensor t) {
        if (t.dim() <= 1) {
            throw new IllegalArgumentException("Structured pruning can only be applied to multidimensional tensors. Found "
                    + "tensor of shape " + size(t.shape()) + " with " + t.dim() + " dims");
        }
    }

    /** PyTorch's {@code _validate_pruning_dim} and its {@code t.shape[dim]}: the dim made non-negative. */
    private static int validateDim(Tensor t, int dim) {
        if (dim >= t.dim()) {
            throw new IndexOutOfBoundsException("Invalid index " + dim + " for tensor of size " + size(t.shape()));
        }
        if (dim < -t.dim()) {
            throw new IndexOutOfBoundsException("tuple index out of range");
        }
        return dim < 0 ? dim + t.dim() : dim;
    }

    /** A contiguous copy, as {@code clone(memory_format=torch.contiguous_format)}. */
    private static Tensor contiguousClone(Tensor t) {
        return t.isContiguous() ? t.clone() : t.contiguous();
    }

    /** The index list selecting {@code indices} along {@code dim} of a tensor of {@code ndim} dimensions. */
    private static Index[] along(int ndim, int dim, Tensor indices) {
        Index[] slc = new Index[ndim];
        Arrays.fill(slc, Index.all());
        slc[dim] = Index.of(indices);
        return slc;
    }

    /** PyTorch's {@code _compute_norm}: the L{@code n} norm over every dim but {@code dim}. */
    private static Tensor computeNorm(Tensor t, Object n, int dim) {
        int[] dims = new int[t.dim() - 1];
        for (int d = 0, j = 0; d < t.dim(); d++) {
            if (d != dim) {
                dims[j++] = d;
            }
        }
        if (n instanceof Double p) {
            return t.norm(p, dims, false);
        }
        String p = (String) n;
        if (p.equals("fro") && dims.length > 2) {
            return t.matrixNorm(p, dims, false); // torch.norm (2.x) sends 'fro' over more than 2 dims to matrix_norm
        }
        return t.norm(p, dims, false);
    }

    /** The repr of a pruning method's class in PyTorch's messages. */
    private static String classRepr(Class<?> c) {
        String name = c.getEnclosingClass() == Prune.class ? "torch.nn.utils.prune." + c.getSimpleName() : c.getName();
        return "<class '" + name + "'>";
    }

    // ------------------------------------------------------------------ the pruning types and methods

    /** PyTorch's {@code PRUNING_TYPE}: what part of a tensor an iterative pruning acts on. */
    public enum PruningType {
        /** The entries not pruned yet. */
        UNSTRUCTURED,
        /** The channels along {@link BasePruningMethod#dim()} not pruned yet. */
        STRUCTURED,
        /** The whole tensor. */
        GLOBAL;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The forward pre-hook of a pruned tensor: recomputes {@code module.name} from its original and mask. */
    private record PruningHook(BasePruningMethod method) implements Module.ForwardPreHook {
        @Override
        public List<Tensor> apply(Module module, List<Tensor> inputs) {
            method.call(module);
            return null;
        }
    }

    /**
     * A pruning method, as PyTorch's {@code BasePruningMethod}: subclasses compute a mask ({@link #computeMask}) and
     * state their {@link #pruningType()} ({@link #dim()} too when structured). {@link #apply(Module, String,
     * BasePruningMethod, Tensor)} prunes a module's tensor with a new method.
     */
    public abstract static class BasePruningMethod {
        String tensorName;

        /** A method not applied to any tensor yet. */
        protected BasePruningMethod() {
        }

        /** The tensor this method prunes once applied ({@code _tensor_name}), or null. */
        public final String tensorName() {
            return tensorName;
        }

        /** PyTorch's {@code PRUNING_TYPE}. */
        public abstract PruningType pruningType();

        /** The dim of the channels of a structured method; empty for others (PyTorch's {@code hasattr(method, 'dim')}). */
        public OptionalInt dim() {
            return OptionalInt.empty();
        }

        /**
         * The mask for {@code t} (the importance scores of the tensor to prune), starting from {@code defaultMask} (the
         * mask of the earlier prunings, ones at first, same shape), as {@code compute_mask}.
         */
        public abstract Tensor computeMask(Tensor t, Tensor defaultMask);

        /** PyTorch's {@code __call__}: sets {@code module.name} to {@link #applyMask(Module)}. */
        public void call(Module module) {
            Checks.notNull(module, "module");
            ModuleInternals.setPlainAttribute(module, tensorName, applyMask(module));
        }

        /** {@code module.name_mask * module.name_orig} (the mask in the original's dtype), as {@code apply_mask}. */
        public Tensor applyMask(Module module) {
            Checks.notNull(module, "module");
            if (tensorName == null) {
                throw new IllegalArgumentException("Module " + module + " has to be pruned");
            }
            Tensor mask = ModuleInternals.getAttr(module, tensorName + "_mask");
            Tensor orig = ModuleInternals.getAttr(module, tensorName + "_orig");
            return mask.to(orig.dtype()).mul(orig);
        }

        /**
         * {@code t} pruned by this method's mask, as {@code prune(t, default_mask, importance_scores)}: {@code t *
         * computeMask(importanceScores, defaultMask)}. Null {@code defaultMask}: ones; null {@code importanceScores}:
         * {@code t}.
         *
         * @throws IllegalArgumentException when the importance scores' shape is not {@code t}'s
         */
        public Tensor prune(Tensor t, Tensor defaultMask, Tensor importanceScores) {
            Checks.notNull(t, "t");
            if (importanceScores != null) {
                if (!Arrays.equals(importanceScores.shape(), t.shape())) {
                    throw new IllegalArgumentException("importance_scores should have the same shape as tensor t");
                }
            } else {
                importanceScores = t;
            }
            Tensor mask;
            try (GradMode off = Ember.noGrad()) {
                mask = computeMask(importanceScores, defaultMask != null ? defaultMask : t.onesLike());
            }
            return t.mul(mask);
        }

        /** {@link #prune(Tensor, Tensor, Tensor)} with ones as the default mask and {@code t} as the scores. */
        public Tensor prune(Tensor t) {
            return prune(t, null, null);
        }

        /**
         * Makes this method's pruning of {@code module} permanent, as {@code remove(module)}: the parameter {@code
         * name_orig} (the same tensor object) takes the pruned values and becomes the parameter {@code name} again
         * (registered last, as PyTorch's {@code setattr}); {@code name_orig}, {@code name_mask} and the plain {@code
         * name} go. {@link Prune#remove(Module, String)} also removes the hook: call that.
         */
        public void remove(Module module) {
            Checks.notNull(module, "module");
            if (tensorName == null) {
                throw new IllegalArgumentException("Module " + module + " has to be pruned            before pruning can "
                        + "be removed");
            }
            Tensor weight = applyMask(module);
            Tensor orig = ModuleInternals.getAttr(module, tensorName + "_orig");
            ModuleInternals.removePlainAttribute(module, tensorName);
            orig.setData(weight.detach());
            ModuleInternals.unregister(module, tensorName + "_orig");
            ModuleInternals.unregister(module, tensorName + "_mask");
            ModuleInternals.registerParameter(module, tensorName, orig);
        }

        /**
         * Prunes the tensor {@code name} of {@code module} with {@code method} (new, not applied yet), as PyTorch's
         * {@code cls.apply(module, name, *args, importance_scores=...)}, and returns the method now on the tensor: {@code
         * method} the first time, else the {@link PruningContainer} of all the methods applied to it. The mask is
         * computed from {@code importanceScores} (null: the tensor), restricted to what earlier prunings left. Every
         * check and the mask come before anything changes.
         *
         * @throws IllegalArgumentException with PyTorch's messages: no tensor of that name ({@code 'Linear' object has no
         *     attribute 'foo'}), a tensor that is not a parameter, scores of another shape, an amount larger than what
         *     is left to prune, structured pruning of a 1-d tensor, and the method's own errors
         * @throws IndexOutOfBoundsException for a dim out of range
         */
        public static BasePruningMethod apply(Module module, String name, BasePruningMethod method, Tensor importanceScores) {
            Checks.notNull(module, "module");
            Checks.notNull(name, "name");
            Checks.notNull(method, "method");
            if (method.tensorName != null) {
                throw new IllegalArgumentException("this pruning method is already applied to '" + method.tensorName
                        + "'; apply a new one");
            }
            // _get_composite_method: the hook already pruning this tensor, if any
            Integer oldId = null;
            BasePruningMethod old = null;
            int found = 0;
            for (Map.Entry<Integer, Module.ForwardPreHook> e : ModuleInternals.forwardPreHooks(module).entrySet()) {
                if (e.getValue() instanceof PruningHook h && name.equals(h.method().tensorName)) {
                    oldId = e.getKey();
                    old = h.method();
                    found++;
                }
            }
            if (found > 1) {
                throw new IllegalArgumentException("Avoid adding multiple pruning hooks to the                same tensor "
                        + name + " of module " + module + ". Use a PruningContainer.");
            }
            Tensor orig = ModuleInternals.getAttr(module, name);
            if (orig == null) { // a parameter registered as absent (bias=False): PyTorch's errors on None
                throw new IllegalArgumentException(importanceScores != null ? "'NoneType' object has no attribute 'shape'"
                        : "ones_like(): argument 'input' (position 1) must be Tensor, not NoneType");
            }
            if (importanceScores != null) {
                if (!Arrays.equals(importanceScores.shape(), orig.shape())) {
                    throw new IllegalArgumentException("importance_scores should have the same shape as parameter"
                            + "                 " + name + " of " + module);
                }
            } else {
                importanceScores = orig;
            }
            Tensor mask;
            try (GradMode off = Ember.noGrad()) {
                if (old == null) {
                    // register_parameter(name + '_orig', orig) takes only a parameter
                    if (!ModuleInternals.hasParameter(module, name) || !orig.isParameter()) {
                        throw new IllegalArgumentException("cannot assign '" + legacyType(orig) + "' object to parameter '"
                                + name + "_orig' (torch.nn.Parameter or None required)");
                    }
                    if (ModuleInternals.hasParameter(module, name + "_orig") || ModuleInternals.hasBuffer(module, name + "_orig")) {
                        throw new IllegalArgumentException("attribute '" + name + "_orig' already exists");
                    }
                    mask = method.computeMask(importanceScores, orig.onesLike());
                } else {
                    Tensor defaultMask = contiguousClone(ModuleInternals.getAttr(module, name + "_mask").detach());
                    mask = PruningContainer.combineMasks(method, importanceScores, defaultMask);
                }
            }
            // everything is checked and computed: make the changes, none of which can fail
            method.tensorName = name;
            BasePruningMethod result;
            if (old == null) {
                ModuleInternals.registerParameter(module, name + "_orig", orig);
                ModuleInternals.unregister(module, name);
                result = method;
            } else {
                ModuleInternals.removeForwardPreHook(module, oldId);
                if (old instanceof PruningContainer c) {
                    c.addPruningMethod(method);
                    result = c;
                } else {
                    PruningContainer c = new PruningContainer(old);
                    c.addPruningMethod(method);
                    result = c;
                }
            }
            ModuleInternals.registerBuffer(module, name + "_mask", mask);
            ModuleInternals.setPlainAttribute(module, name, result.applyMask(module));
            ModuleInternals.registerForwardPreHook(module, new PruningHook(result));
            return result;
        }

        private static String legacyType(Tensor t) {
            String s = switch (t.dtype()) {
                case BOOL -> "Bool";
                case UINT8 -> "Byte";
                case INT8 -> "Char";
                case INT16 -> "Short";
                case INT32 -> "Int";
                case INT64 -> "Long";
                case FLOAT16 -> "Half";
                case BFLOAT16 -> "BFloat16";
                case FLOAT32 -> "Float";
                default -> "Double";
            } + "Tensor";
            return (t.device().isCpu() ? "torch." : t.isMeta() ? "torch.meta." : "torch.cuda.") + s; // as Tensor.type()
        }
    }

    /**
     * The methods applied in turn to one tensor, as PyTorch's {@code PruningContainer}: its mask is the last method's,
     * computed on what the earlier masks left ({@code _combine_masks}): the remaining entries (unstructured), the
     * remaining channels along the method's dim (structured: channels whose mask is not all zero), or the whole tensor
     * (global).
     */
    public static final class PruningContainer extends BasePruningMethod implements Iterable<BasePruningMethod> {
        private final List<BasePruningMethod> methods = new ArrayList<>();

        /**
         * A container of {@code methods}: of one, it takes that method's tensor name; of none, it has none until set by
         * {@link Prune#globalUnstructured}-style use.
         *
         * @throws IllegalArgumentException for two or more methods (PyTorch's constructor then never sets the tensor
         *     name, and fails adding them)
         */
        public PruningContainer(BasePruningMethod... methods) {
            Checks.notNull(methods, "methods");
            if (methods.length == 1) {
                Checks.notNull(methods[0], "method");
                this.tensorName = methods[0].tensorName;
                addPruningMethod(methods[0]);
            } else if (methods.length > 1) {
                throw new IllegalArgumentException("'PruningContainer' object has no attribute '_tensor_name'");
            }
        }

        /** PyTorch's container has no {@code PRUNING_TYPE}: null. */
        @Override
        public PruningType pruningType() {
            return null;
        }

        /**
         * Appends a method, as {@code add_pruning_method}.
         *
         * @throws IllegalArgumentException for a method acting on another tensor
         */
        public void addPruningMethod(BasePruningMethod method) {
            Checks.notNull(method, "method");
            if (!java.util.Objects.equals(tensorName, method.tensorName)) {
                throw new IllegalArgumentException("Can only add pruning methods acting on the parameter named '" + tensorName
                        + "' to PruningContainer " + this + ". Found '" + method.tensorName + "'");
            }
            methods.add(method);
        }

        /** The number of methods, as {@code len(container)}. */
        public int size() {
            return methods.size();
        }

        /** The method at {@code index}, as {@code container[index]}. */
        public BasePruningMethod get(int index) {
            return methods.get(index);
        }

        @Override
        public Iterator<BasePruningMethod> iterator() {
            return Collections.unmodifiableList(methods).iterator();
        }

        /** The last method's mask combined with {@code defaultMask}, as {@code compute_mask}. */
        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Checks.notNull(t, "t");
            Checks.notNull(defaultMask, "default_mask");
            if (methods.isEmpty()) {
                throw new IndexOutOfBoundsException("tuple index out of range");
            }
            return combineMasks(methods.get(methods.size() - 1), t, defaultMask);
        }

        /** PyTorch's {@code _combine_masks}: {@code method}'s mask computed on the part of {@code t} left by {@code mask}. */
        static Tensor combineMasks(BasePruningMethod method, Tensor t, Tensor mask) {
            Tensor newMask = mask.to(t.dtype());
            PruningType type = method.pruningType();
            if (type == PruningType.UNSTRUCTURED) {
                Tensor slc = mask.eq(1);
                Tensor partial = method.computeMask(t.maskedSelect(slc), mask.maskedSelect(slc));
                return newMask.maskedScatter(slc, partial.to(newMask.dtype()));
            } else if (type == PruningType.STRUCTURED) {
                if (method.dim().isEmpty()) {
                    throw new IllegalArgumentException("Pruning methods of PRUNING_TYPE \"structured\" need to have the "
                            + "attribute `dim` defined.");
                }
                int nDims = t.dim();
                int dim = method.dim().getAsInt();
                if (dim < 0) {
                    dim = nDims + dim;
                }
                if (dim < 0) {
                    throw new IndexOutOfBoundsException("Index is out of bounds for tensor with dimensions " + nDims);
                }
                if (dim >= nDims) {
                    throw new IndexOutOfBoundsException("list assignment index out of range");
                }
                if (nDims == 1) {
                    // PyTorch sums over no dims (all of them) and indexes by a 0-d bool, making the slice 2-d; the
                    // method then sees a tensor of shape [1, n] (or [0, n])
                    boolean keep = mask.sum().ne(0).item() != 0;
                    Tensor sub = keep ? t.unsqueeze(0) : t.unsqueeze(0).narrow(0, 0, 0);
                    Tensor partial = method.computeMask(sub, keep ? mask.unsqueeze(0) : mask.unsqueeze(0).narrow(0, 0, 0));
                    return keep ? partial.to(newMask.dtype()).reshape(newMask.shape()).clone() : newMask.clone();
                }
                int[] others = new int[nDims - 1];
                for (int d = 0, j = 0; d < nDims; d++) {
                    if (d != dim) {
                        others[j++] = d;
                    }
                }
                Tensor keep = mask.sum(others, false).ne(0);
                Tensor idx = keep.nonzero().reshape(-1);
                Tensor partial = method.computeMask(t.indexSelect(dim, idx), mask.indexSelect(dim, idx));
                return newMask.indexCopy(dim, idx, partial.to(newMask.dtype()));
            } else if (type == PruningType.GLOBAL) {
                Tensor partial = method.computeMask(t, mask);
                Tensor out = contiguousClone(newMask);
                out.copy_(partial.to(out.dtype()));
                return out;
            }
            throw new IllegalArgumentException("Unrecognized PRUNING_TYPE " + (type == null ? "None" : type));
        }
    }

    /** Prunes nothing: the pruning reparametrization with a mask of ones, as PyTorch's {@code Identity}. */
    public static final class Identity extends BasePruningMethod {
        /** The method. */
        public Identity() {
        }

        @Override
        public PruningType pruningType() {
            return PruningType.UNSTRUCTURED;
        }

        /** {@code defaultMask} itself. */
        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Checks.notNull(t, "t");
            return Checks.notNull(defaultMask, "default_mask");
        }

        /** {@code Identity.apply(module, name)}. */
        public static BasePruningMethod apply(Module module, String name) {
            return BasePruningMethod.apply(module, name, new Identity(), null);
        }
    }

    /** Prunes {@code amount} of the (remaining) entries at random, as PyTorch's {@code RandomUnstructured}. */
    public static final class RandomUnstructured extends BasePruningMethod {
        private final Amount amount;

        /** Prunes {@code amount} entries. @throws IllegalArgumentException for a negative amount */
        public RandomUnstructured(long amount) {
            this.amount = Amount.of(amount);
        }

        /** Prunes the fraction {@code amount} of the entries. @throws IllegalArgumentException outside [0, 1] */
        public RandomUnstructured(double amount) {
            this.amount = Amount.of(amount);
        }

        @Override
        public PruningType pruningType() {
            return PruningType.UNSTRUCTURED;
        }

        /** Zeroes the entries with the largest of uniform draws ({@code topk} of {@code rand_like(t)}). */
        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Checks.notNull(t, "t");
            Checks.notNull(defaultMask, "default_mask");
            long k = amount.toPrune(t.numel());
            Tensor mask = contiguousClone(defaultMask);
            if (k != 0) {
                Tensor prob = t.randLike();
                Tensor indices = prob.reshape(-1).topk(Math.toIntExact(k), -1, true, true).indices();
                mask.view(-1).indexPut_(new Index[] {Index.of(indices)}, 0.0, false);
            }
            return mask;
        }

        /** {@code RandomUnstructured.apply(module, name, amount)} with a count. */
        public static BasePruningMethod apply(Module module, String name, long amount) {
            return BasePruningMethod.apply(module, name, new RandomUnstructured(amount), null);
        }

        /** {@code RandomUnstructured.apply(module, name, amount)} with a fraction. */
        public static BasePruningMethod apply(Module module, String name, double amount) {
            return BasePruningMethod.apply(module, name, new RandomUnstructured(amount), null);
        }
    }

    /**
     * Prunes {@code amount} of the (remaining) entries of smallest absolute value, as PyTorch's {@code L1Unstructured}
     * ({@code topk(abs(t).view(-1), k, largest=False)}; among equal values the choice is the top-k kernel's).
     */
    public static final class L1Unstructured extends BasePruningMethod {
        private final Amount amount;

        /** Prunes {@code amount} entries. @throws IllegalArgumentException for a negative amount */
        public L1Unstructured(long amount) {
            this.amount = Amount.of(amount);
        }

        /** Prunes the fraction {@code amount} of the entries. @throws IllegalArgumentException outside [0, 1] */
        public L1Unstructured(double amount) {
            this.amount = Amount.of(amount);
        }

        @Override
        public PruningType pruningType() {
            return PruningType.UNSTRUCTURED;
        }

        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Checks.notNull(t, "t");
            Checks.notNull(defaultMask, "default_mask");
            long k = amount.toPrune(t.numel());
            Tensor mask = contiguousClone(defaultMask);
            if (k != 0) {
                Tensor indices = t.abs().reshape(-1).topk(Math.toIntExact(k), -1, false, true).indices();
                mask.view(-1).indexPut_(new Index[] {Index.of(indices)}, 0.0, false);
            }
            return mask;
        }

        /** {@code L1Unstructured.apply(module, name, amount, importance_scores)} with a count; null scores: the tensor. */
        public static BasePruningMethod apply(Module module, String name, long amount, Tensor importanceScores) {
            return BasePruningMethod.apply(module, name, new L1Unstructured(amount), importanceScores);
        }

        /** {@code L1Unstructured.apply(module, name, amount, importance_scores)} with a fraction; null scores: the tensor. */
        public static BasePruningMethod apply(Module module, String name, double amount, Tensor importanceScores) {
            return BasePruningMethod.apply(module, name, new L1Unstructured(amount), importanceScores);
        }
    }

    /** Prunes {@code amount} of the (remaining) channels along {@code dim} at random, as PyTorch's {@code RandomStructured}. */
    public static final class RandomStructured extends BasePruningMethod {
        private final Amount amount;
        private final int dim;

        /** Prunes {@code amount} channels along {@code dim}. @throws IllegalArgumentException for a negative amount */
        public RandomStructured(long amount, int dim) {
            this.amount = Amount.of(amount);
            this.dim = dim;
        }

        /** Prunes the fraction {@code amount} of the channels along {@code dim}. @throws IllegalArgumentException outside [0, 1] */
        public RandomStructured(double amount, int dim) {
            this.amount = Amount.of(amount);
            this.dim = dim;
        }

        /** Along the last dim, PyTorch's default. */
        public RandomStructured(long amount) {
            this(amount, -1);
        }

        /** Along the last dim, PyTorch's default. */
        public RandomStructured(double amount) {
            this(amount, -1);
        }

        @Override
        public PruningType pruningType() {
            return PruningType.STRUCTURED;
        }

        @Override
        public OptionalInt dim() {
            return OptionalInt.of(dim);
        }

        /**
         * Keeps the channels whose uniform draw ({@code torch.rand(nchannels)}) exceeds the k-th smallest, times {@code
         * defaultMask}.
         */
        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Checks.notNull(t, "t");
            Checks.notNull(defaultMask, "default_mask");
            validateStructured(t);
            int d = validateDim(t, dim);
            long size = t.shape()[d];
            long k = amount.toPrune(size);
            if (k == 0) {
                return defaultMask;
            }
            Tensor prob = Tensor.rand((int) size);
            Tensor threshold = prob.kthvalue(Math.toIntExact(k)).values();
            Tensor keep = prob.gt(threshold).nonzero().reshape(-1).to(t.device());
            Tensor mask = t.zerosLike();
            mask.indexPut_(along(t.dim(), d, keep), 1.0, false);
            return mask.mul_(defaultMask.to(mask.dtype()));
        }

        /** {@code RandomStructured.apply(module, name, amount, dim)} with a count. */
        public static BasePruningMethod apply(Module module, String name, long amount, int dim) {
            return BasePruningMethod.apply(module, name, new RandomStructured(amount, dim), null);
        }

        /** {@code RandomStructured.apply(module, name, amount, dim)} with a fraction. */
        public static BasePruningMethod apply(Module module, String name, double amount, int dim) {
            return BasePruningMethod.apply(module, name, new RandomStructured(amount, dim), null);
        }
    }

    /**
     * Prunes {@code amount} of the (remaining) channels along {@code dim} of smallest L{@code n} norm (over the other
     * dims), as PyTorch's {@code LnStructured}: {@code n} any p, {@code inf}, {@code -inf} (the {@code double}
     * constructors), or {@code "fro"} ({@code "nuc"} goes to the matrix norm, as PyTorch's).
     */
    public static final class LnStructured extends BasePruningMethod {
        private final Amount amount;
        private final Object n;
        private final int dim;

        private LnStructured(Amount amount, Object n, int dim) {
            this.amount = amount;
            this.n = n;
            this.dim = dim;
        }

        /** A count of channels, the norm's order {@code n}. @throws IllegalArgumentException for a negative amount */
        public LnStructured(long amount, double n, int dim) {
            this(Amount.of(amount), n, dim);
        }

        /** A fraction of channels, the norm's order {@code n}. @throws IllegalArgumentException outside [0, 1] */
        public LnStructured(double amount, double n, int dim) {
            this(Amount.of(amount), n, dim);
        }

        /** A count of channels, a named norm ({@code "fro"}). @throws IllegalArgumentException for a negative amount */
        public LnStructured(long amount, String n, int dim) {
            this(Amount.of(amount), Checks.notNull(n, "n"), dim);
        }

        /** A fraction of channels, a named norm ({@code "fro"}). @throws IllegalArgumentException outside [0, 1] */
        public LnStructured(double amount, String n, int dim) {
            this(Amount.of(amount), Checks.notNull(n, "n"), dim);
        }

        @Override
        public PruningType pruningType() {
            return PruningType.STRUCTURED;
        }

        @Override
        public OptionalInt dim() {
            return OptionalInt.of(dim);
        }

        /** Keeps the channels with the largest norms ({@code topk(norm, nchannels - k)}), times {@code defaultMask}. */
        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Checks.notNull(t, "t");
            Checks.notNull(defaultMask, "default_mask");
            validateStructured(t);
            int d = validateDim(t, dim);
            long size = t.shape()[d];
            long k = amount.toPrune(size);
            long keep = size - k;
            Tensor norm = computeNorm(t, n, d);
            Tensor indices = norm.topk(Math.toIntExact(keep), -1, true, true).indices();
            if (k == 0) {
                return defaultMask;
            }
            Tensor mask = t.zerosLike();
            mask.indexPut_(along(t.dim(), d, indices), 1.0, false);
            return mask.mul_(defaultMask.to(mask.dtype()));
        }

        /** {@code LnStructured.apply(module, name, amount, n, dim, importance_scores)}; null scores: the tensor. */
        public static BasePruningMethod apply(Module module, String name, long amount, double n, int dim, Tensor importanceScores) {
            return BasePruningMethod.apply(module, name, new LnStructured(amount, n, dim), importanceScores);
        }

        /** {@code LnStructured.apply(module, name, amount, n, dim, importance_scores)}; null scores: the tensor. */
        public static BasePruningMethod apply(Module module, String name, double amount, double n, int dim, Tensor importanceScores) {
            return BasePruningMethod.apply(module, name, new LnStructured(amount, n, dim), importanceScores);
        }

        /** {@code LnStructured.apply(module, name, amount, n, dim, importance_scores)}; null scores: the tensor. */
        public static BasePruningMethod apply(Module module, String name, long amount, String n, int dim, Tensor importanceScores) {
            return BasePruningMethod.apply(module, name, new LnStructured(amount, n, dim), importanceScores);
        }

        /** {@code LnStructured.apply(module, name, amount, n, dim, importance_scores)}; null scores: the tensor. */
        public static BasePruningMethod apply(Module module, String name, double amount, String n, int dim, Tensor importanceScores) {
            return BasePruningMethod.apply(module, name, new LnStructured(amount, n, dim), importanceScores);
        }
    }

    /** Applies a given mask, as PyTorch's {@code CustomFromMask} ({@code PRUNING_TYPE} global). */
    public static final class CustomFromMask extends BasePruningMethod {
        private final Tensor mask;

        /** The method applying {@code mask} (any dtype; used as the mask's dtype). */
        public CustomFromMask(Tensor mask) {
            this.mask = Checks.notNull(mask, "mask");
        }

        @Override
        public PruningType pruningType() {
            return PruningType.GLOBAL;
        }

        /**
         * {@code defaultMask * mask}.
         *
         * @throws IllegalArgumentException when the shapes differ (PyTorch's bare assertion)
         */
        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Checks.notNull(t, "t");
            Checks.notNull(defaultMask, "default_mask");
            if (!Arrays.equals(defaultMask.shape(), mask.shape())) {
                // PyTorch: a bare `assert default_mask.shape == self.mask.shape` (an empty AssertionError)
                throw new IllegalArgumentException("custom_from_mask: the mask's shape " + size(mask.shape())
                        + " is not the tensor's shape " + size(defaultMask.shape()));
            }
            return defaultMask.mul(mask.to(defaultMask.dtype()));
        }

        /** {@code CustomFromMask.apply(module, name, mask)}. */
        public static BasePruningMethod apply(Module module, String name, Tensor mask) {
            return BasePruningMethod.apply(module, name, new CustomFromMask(mask), null);
        }
    }

    // ------------------------------------------------------------------ the functions

    /** A parameter of a module by name, PyTorch's {@code (module, name)} tuple of {@link #globalUnstructured}. */
    public record Target(Module module, String name) {
        /** @throws IllegalArgumentException for a null module or name */
        public Target {
            Checks.notNull(module, "module");
            Checks.notNull(name, "name");
        }
    }

    /** The pruning reparametrization of {@code name} with a mask of ones, as {@code prune.identity}; returns the module. */
    public static <M extends Module> M identity(M module, String name) {
        Identity.apply(module, name);
        return module;
    }

    /** Prunes {@code amount} random entries, as {@code prune.random_unstructured}; returns the module. */
    public static <M extends Module> M randomUnstructured(M module, String name, long amount) {
        RandomUnstructured.apply(module, name, amount);
        return module;
    }

    /** Prunes the fraction {@code amount} of the entries at random, as {@code prune.random_unstructured}. */
    public static <M extends Module> M randomUnstructured(M module, String name, double amount) {
        RandomUnstructured.apply(module, name, amount);
        return module;
    }

    /** Prunes the {@code amount} entries of smallest magnitude, as {@code prune.l1_unstructured}; returns the module. */
    public static <M extends Module> M l1Unstructured(M module, String name, long amount) {
        return l1Unstructured(module, name, amount, null);
    }

    /** Prunes the fraction {@code amount} of the entries of smallest magnitude, as {@code prune.l1_unstructured}. */
    public static <M extends Module> M l1Unstructured(M module, String name, double amount) {
        return l1Unstructured(module, name, amount, null);
    }

    /**
     * {@code prune.l1_unstructured(module, name, amount, importance_scores)}: the smallest magnitudes of {@code
     * importanceScores} (null: the tensor) choose the entries.
     */
    public static <M extends Module> M l1Unstructured(M module, String name, long amount, Tensor importanceScores) {
        L1Unstructured.apply(module, name, amount, importanceScores);
        return module;
    }

    /** {@code prune.l1_unstructured} with a fraction and importance scores (null: the tensor). */
    public static <M extends Module> M l1Unstructured(M module, String name, double amount, Tensor importanceScores) {
        L1Unstructured.apply(module, name, amount, importanceScores);
        return module;
    }

    /** Prunes {@code amount} random channels along {@code dim}, as {@code prune.random_structured}; returns the module. */
    public static <M extends Module> M randomStructured(M module, String name, long amount, int dim) {
        RandomStructured.apply(module, name, amount, dim);
        return module;
    }

    /** Prunes the fraction {@code amount} of the channels along {@code dim} at random, as {@code prune.random_structured}. */
    public static <M extends Module> M randomStructured(M module, String name, double amount, int dim) {
        RandomStructured.apply(module, name, amount, dim);
        return module;
    }

    /** Prunes the {@code amount} channels along {@code dim} of smallest L{@code n} norm, as {@code prune.ln_structured}. */
    public static <M extends Module> M lnStructured(M module, String name, long amount, double n, int dim) {
        return lnStructured(module, name, amount, n, dim, null);
    }

    /** {@code prune.ln_structured} with a fraction. */
    public static <M extends Module> M lnStructured(M module, String name, double amount, double n, int dim) {
        return lnStructured(module, name, amount, n, dim, null);
    }

    /** {@code prune.ln_structured} with a named norm ({@code "fro"}). */
    public static <M extends Module> M lnStructured(M module, String name, long amount, String n, int dim) {
        return lnStructured(module, name, amount, n, dim, null);
    }

    /** {@code prune.ln_structured} with a fraction and a named norm ({@code "fro"}). */
    public static <M extends Module> M lnStructured(M module, String name, double amount, String n, int dim) {
        return lnStructured(module, name, amount, n, dim, null);
    }

    /** {@code prune.ln_structured(module, name, amount, n, dim, importance_scores)}; null scores: the tensor. */
    public static <M extends Module> M lnStructured(M module, String name, long amount, double n, int dim, Tensor importanceScores) {
        LnStructured.apply(module, name, amount, n, dim, importanceScores);
        return module;
    }

    /** {@code prune.ln_structured} with a fraction and importance scores (null: the tensor). */
    public static <M extends Module> M lnStructured(M module, String name, double amount, double n, int dim, Tensor importanceScores) {
        LnStructured.apply(module, name, amount, n, dim, importanceScores);
        return module;
    }

    /** {@code prune.ln_structured} with a named norm and importance scores (null: the tensor). */
    public static <M extends Module> M lnStructured(M module, String name, long amount, String n, int dim, Tensor importanceScores) {
        LnStructured.apply(module, name, amount, n, dim, importanceScores);
        return module;
    }

    /** {@code prune.ln_structured} with a fraction, a named norm and importance scores (null: the tensor). */
    public static <M extends Module> M lnStructured(M module, String name, double amount, String n, int dim, Tensor importanceScores) {
        LnStructured.apply(module, name, amount, n, dim, importanceScores);
        return module;
    }

    /** Applies {@code mask} to {@code name}, as {@code prune.custom_from_mask}; returns the module. */
    public static <M extends Module> M customFromMask(M module, String name, Tensor mask) {
        CustomFromMask.apply(module, name, mask);
        return module;
    }

    /**
     * Prunes the parameters together, as {@code prune.global_unstructured(parameters, pruning_method,
     * importance_scores, amount=amount)}: their scores (from {@code importanceScores}, else the tensors; null: none)
     * and their masks (ones for those not pruned yet) are flattened and concatenated, the method (a new {@code
     * pruningMethod} of {@code amount}, made by its public {@code (double)} constructor, for example {@code
     * L1Unstructured.class}) masks the entries left, and each parameter gets its part by {@link #customFromMask}.
     * Everything is checked before any module changes.
     *
     * @throws IllegalArgumentException with PyTorch's messages: a method that is not unstructured, a missing tensor,
     *     a bad amount, too many to prune
     */
    public static void globalUnstructured(List<Target> parameters, Class<? extends BasePruningMethod> pruningMethod,
                                          Map<Target, Tensor> importanceScores, double amount) {
        Checks.notNull(pruningMethod, "pruning_method");
        global(parameters, () -> construct(pruningMethod, double.class, amount), importanceScores);
    }

    /**
     * {@link #globalUnstructured(List, Class, Map, double)} with a count ({@code amount} entries in all; the method's
     * public {@code (long)} constructor).
     */
    public static void globalUnstructured(List<Target> parameters, Class<? extends BasePruningMethod> pruningMethod,
                                          Map<Target, Tensor> importanceScores, long amount) {
        Checks.notNull(pruningMethod, "pruning_method");
        global(parameters, () -> construct(pruningMethod, long.class, amount), importanceScores);
    }

    /**
     * {@link #globalUnstructured(List, Class, Map, double)} with a method made by {@code pruningMethod} (PyTorch's
     * {@code pruning_method(**kwargs)}), for methods of other arguments.
     */
    public static void globalUnstructured(List<Target> parameters, Supplier<? extends BasePruningMethod> pruningMethod,
                                          Map<Target, Tensor> importanceScores) {
        Checks.notNull(pruningMethod, "pruning_method");
        global(parameters, pruningMethod, importanceScores);
    }

    private static BasePruningMethod construct(Class<? extends BasePruningMethod> type, Class<?> amountType, Object amount) {
        java.lang.reflect.Constructor<? extends BasePruningMethod> c;
        try {
            c = type.getConstructor(amountType);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type.getSimpleName() + ".__init__() got an unexpected keyword argument "
                    + "'amount' (no public (" + amountType + ") constructor)");
        }
        try {
            return c.newInstance(amount);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot make a " + type.getName() + ": " + e, e);
        }
    }

    private static void global(List<Target> parameters, Supplier<? extends BasePruningMethod> make,
                               Map<Target, Tensor> importanceScores) {
        Checks.notNull(parameters, "global_unstructured(): parameters");
        Map<Target, Tensor> scores = importanceScores != null ? importanceScores : Map.of();
        List<Tensor> flatScores = new ArrayList<>();
        List<Tensor> params = new ArrayList<>();
        for (Target p : parameters) {
            Checks.notNull(p, "global_unstructured(): parameter");
            Tensor param = ModuleInternals.getAttr(p.module(), p.name());
            params.add(param);
            Tensor s = scores.get(p);
            flatScores.add(s != null ? s : param);
        }
        Tensor relevant;
        Tensor defaultMask;
        try (GradMode off = Ember.noGrad()) {
            relevant = parametersToVector(flatScores);
            List<Tensor> flatMasks = new ArrayList<>();
            for (int i = 0; i < parameters.size(); i++) {
                Target p = parameters.get(i);
                if (params.get(i) == null) {
                    throw new IllegalArgumentException("ones_like(): argument 'input' (position 1) must be Tensor, not NoneType");
                }
                flatMasks.add(hasTensor(p.module(), p.name() + "_mask") ? ModuleInternals.getAttr(p.module(), p.name() + "_mask")
                        : params.get(i).onesLike());
            }
            defaultMask = parametersToVector(flatMasks);
        }
        BasePruningMethod method = make.get();
        Checks.notNull(method, "global_unstructured(): pruning_method's result");
        if (method.pruningType() != PruningType.UNSTRUCTURED) {
            throw new IllegalArgumentException("Only \"unstructured\" PRUNING_TYPE supported for the `pruning_method`. Found "
                    + "method " + classRepr(method.getClass()) + " of type " + method.pruningType());
        }
        Tensor finalMask;
        try (GradMode off = Ember.noGrad()) {
            finalMask = PruningContainer.combineMasks(method, relevant, defaultMask);
        }
        // check each tensor can take a first pruning before changing any module
        for (int i = 0; i < parameters.size(); i++) {
            Target p = parameters.get(i);
            boolean pruned = false;
            for (Module.ForwardPreHook h : ModuleInternals.forwardPreHooks(p.module()).values()) {
                pruned |= h instanceof PruningHook ph && p.name().equals(ph.method().tensorName);
            }
            if (!pruned && (!ModuleInternals.hasParameter(p.module(), p.name()) || !params.get(i).isParameter())) {
                throw new IllegalArgumentException("cannot assign '" + BasePruningMethod.legacyType(params.get(i))
                        + "' object to parameter '" + p.name() + "_orig' (torch.nn.Parameter or None required)");
            }
        }
        long pointer = 0;
        for (int i = 0; i < parameters.size(); i++) {
            Target p = parameters.get(i);
            Tensor param = params.get(i);
            long numel = param.numel();
            Tensor paramMask = finalMask.narrow(0, Math.toIntExact(pointer), Math.toIntExact(numel)).view(param.shape());
            customFromMask(p.module(), p.name(), paramMask);
            pointer += numel;
        }
    }

    private static boolean hasTensor(Module module, String name) {
        return ModuleInternals.hasParameter(module, name) || ModuleInternals.hasBuffer(module, name)
                || ModuleInternals.hasPlainAttribute(module, name);
    }

    /** {@code torch.nn.utils.parameters_to_vector} of flattened tensors: one device, concatenated. */
    private static Tensor parametersToVector(List<Tensor> tensors) {
        List<Tensor> flat = new ArrayList<>();
        for (Tensor t : tensors) {
            if (t == null) {
                throw new IllegalArgumentException("'NoneType' object has no attribute 'is_cuda'");
            }
            flat.add(t.reshape(-1));
        }
        if (flat.isEmpty()) {
            throw new IllegalArgumentException("torch.cat(): expected a non-empty list of Tensors");
        }
        for (Tensor t : flat) {
            if (!t.device().equals(flat.get(0).device())) {
                throw new IllegalArgumentException("Found two parameters on different devices, this is currently not supported.");
            }
        }
        return Tensor.cat(flat, 0);
    }

    /**
     * Makes the pruning of {@code name} permanent and removes its hook, as {@code prune.remove}: {@code name} is a
     * parameter again (the original tensor object, holding the pruned values), {@code name_orig} and {@code name_mask}
     * go. Returns the module.
     *
     * @throws IllegalArgumentException when {@code name} is not pruned ({@code Parameter 'weight' of module ... has to
     *     be pruned before pruning can be removed})
     */
    public static <M extends Module> M remove(M module, String name) {
        Checks.notNull(module, "module");
        Checks.notNull(name, "name");
        for (Map.Entry<Integer, Module.ForwardPreHook> e : ModuleInternals.forwardPreHooks(module).entrySet()) {
            if (e.getValue() instanceof PruningHook h && name.equals(h.method().tensorName)) {
                h.method().remove(module);
                ModuleInternals.removeForwardPreHook(module, e.getKey());
                return module;
            }
        }
        throw new IllegalArgumentException("Parameter '" + name + "' of module " + module
                + " has to be pruned before pruning can be removed");
    }

    /** Whether the module or a submodule has a pruning hook, as {@code prune.is_pruned}. */
    public static boolean isPruned(Module module) {
        Checks.notNull(module, "module");
        for (Module m : module.namedModules().values()) {
            for (Module.ForwardPreHook h : ModuleInternals.forwardPreHooks(m).values()) {
                if (h instanceof PruningHook) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The pruning method on {@code name} of the module (a {@link PruningContainer} after several), or null. */
    public static BasePruningMethod pruningMethod(Module module, String name) {
        Checks.notNull(module, "module");
        Checks.notNull(name, "name");
        for (Module.ForwardPreHook h : ModuleInternals.forwardPreHooks(module).values()) {
            if (h instanceof PruningHook ph && name.equals(ph.method().tensorName)) {
                return ph.method();
            }
        }
        return null;
    }

    /** Null checks with the nn package's message. */
    private static final class Checks {
        private Checks() {
        }

        static <T> T notNull(T value, String what) {
            if (value == null) {
                throw new IllegalArgumentException(what + " must not be null");
            }
            return value;
        }
    }
}
