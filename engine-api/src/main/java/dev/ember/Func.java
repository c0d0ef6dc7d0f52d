package dev.ember;

import dev.ember.nn.Module;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PyTorch's function transforms ({@code torch.func}, functorch in 1.13): {@link #vmap}, {@link #grad},
 * {@link #gradAndValue}, {@link #vjp}, {@link #jvp}, {@link #linearize}, {@link #jacrev}, {@link #jacfwd},
 * {@link #hessian} and {@link #stackModuleState}; with
 * {@link dev.ember.nn.Stateless#functionalCall} they give per-sample gradients ({@code vmap(grad(loss), in_dims=(null,
 * 0, 0))}) and model ensembles.
 *
 * <p>How they run. {@code vmap} calls {@code f} once per sample (each mapped input {@code select}ed at its index) and
 * stacks the results along {@code out_dims}: the values, gradients and errors of PyTorch's batched call for every
 * function PyTorch can vmap, at the cost of one call per sample (functorch's own fallback for ops without a batching
 * rule works the same way). Where that differs from a batched call it is refused: a random draw in
 * {@link Randomness#ERROR} mode (PyTorch's default) with PyTorch's message; an in-place change of a tensor made outside
 * the call (it would be made once per sample). More permissive than PyTorch: data-dependent control flow and
 * {@code item()} inside {@code f} work, each sample being concrete; and the stacked result's {@code grad_fn} is
 * {@code StackBackward0}, not the batched op's node. A mapped dimension of size 0 is refused (no sample to learn the
 * output's shape from). {@code grad} and the Jacobians run Ember's autograd with {@code create_graph}, so they nest
 * ({@code hessian}, {@code grad(grad(f))}, {@code vmap(grad(f))}); a result keeps a graph only where it depends on a
 * tensor that requires grad outside the transform, as functorch's levels give (and only then is the graph of the
 * derivative built).
 */
public final class Func {
    private Func() {
    }

    /** A function of tensors returning one tensor: what the transforms take and give. */
    @FunctionalInterface
    public interface TensorFn {
        /**
         * Calls the function.
         *
         * @param args the positional arguments
         * @return the result
         */
        Tensor apply(Tensor... args);
    }

    /** A function of tensors returning several tensors (vmap over several outputs; gradients for several argnums). */
    @FunctionalInterface
    public interface TensorsFn {
        /**
         * Calls the function.
         *
         * @param args the positional arguments
         * @return the results
         */
        Tensor[] apply(Tensor... args);
    }

    /**
     * The function the transforms' cores call: it returns the value they differentiate and may add tensors to
     * {@code aux}, which come back unwrapped as the transform's results do ({@link FuncTree}'s has_aux and its outputs
     * beyond one).
     */
    interface AuxFn {
        Tensor apply(Tensor[] args, List<Tensor> aux);
    }

    private static AuxFn noAux(TensorFn f) {
        return (args, aux) -> f.apply(args);
    }

    /** vmap's {@code randomness}: what a random draw inside the mapped function does. */
    public enum Randomness {
        /** Refused with PyTorch's message (PyTorch's default). */
        ERROR,
        /** Each sample draws its own numbers. */
        DIFFERENT,
        /** Every sample draws the same numbers (the generators advance once, as for one sample). */
        SAME
    }

    // ------------------------------------------------------------------ vmap

    /** {@code vmap(f)}: every input mapped over its dimension 0, the result stacked along 0. */
    public static TensorFn vmap(TensorFn f) {
        return vmap(f, null, 0, Randomness.ERROR);
    }

    /**
     * {@code vmap(f, in_dims, out_dims)}.
     *
     * @param f the per-sample function
     * @param inDims the dimension each positional input is mapped over, null for an input passed whole; null for all 0
     * @param outDim where the result's batch dimension goes (negative counts from the end)
     * @return the batched function
     */
    public static TensorFn vmap(TensorFn f, Integer[] inDims, int outDim) {
        return vmap(f, inDims, outDim, Randomness.ERROR);
    }

    /**
     * {@code vmap(f, in_dims, out_dims, randomness)}.
     *
     * @param f the per-sample function
     * @param inDims the dimension each positional input is mapped over, null for an input passed whole; null for all 0
     * @param outDim where the result's batch dimension goes (negative counts from the end)
     * @param randomness what a random draw inside {@code f} does
     * @return the batched function
     */
    public static TensorFn vmap(TensorFn f, Integer[] inDims, int outDim, Randomness randomness) {
        return vmap(f, inDims, outDim, randomness, null);
    }

    /**
     * {@code vmap(f, in_dims, out_dims, randomness, chunk_size=chunkSize)} (2.x); see
     * {@link #vmapMulti(TensorsFn, Integer[], int[], Randomness, Integer)} for what the chunk size does in Ember.
     *
     * @param f the per-sample function
     * @param inDims the dimension each positional input is mapped over, null for an input passed whole; null for all 0
     * @param outDim where the result's batch dimension goes (negative counts from the end)
     * @param randomness what a random draw inside {@code f} does
     * @param chunkSize null for the whole batch, else a positive number of samples
     * @return the batched function
     * @throws IllegalArgumentException for a chunk size that is not positive, in PyTorch's words
     */
    public static TensorFn vmap(TensorFn f, Integer[] inDims, int outDim, Randomness randomness, Integer chunkSize) {
        TensorsFn many = vmapMulti(args -> new Tensor[] {checkedResult(f.apply(args))}, inDims, new int[] {outDim},
                randomness, chunkSize);
        Args.require(f, "vmap", "func", 0, "Callable");
        return args -> many.apply(args)[0];
    }

    /**
     * {@code vmap(f, in_dims, out_dims, randomness)} of a function with several results, each stacked along its own
     * {@code outDims} entry.
     *
     * @param f the per-sample function
     * @param inDims the dimension each positional input is mapped over, null for an input passed whole; null for all 0
     * @param outDims one batch dimension per result; null for all 0
     * @param randomness what a random draw inside {@code f} does
     * @return the batched function
     */
    public static TensorsFn vmapMulti(TensorsFn f, Integer[] inDims, int[] outDims, Randomness randomness) {
        return vmapMulti(f, inDims, outDims, randomness, null);
    }

    /**
     * {@code vmap(f, in_dims, out_dims, randomness, chunk_size=chunkSize)} (2.x): PyTorch runs the batch in chunks of
     * {@code chunkSize} samples to bound its memory and concatenates their results, which are those of one call; Ember
     * runs {@code f} once per sample in any case, so the chunk size is checked and changes nothing else (under "same"
     * every chunk draws the same numbers in PyTorch, as every sample does in Ember).
     *
     * @param f the per-sample function
     * @param inDims the dimension each positional input is mapped over, null for an input passed whole; null for all 0
     * @param outDims one batch dimension per result; null for all 0
     * @param randomness what a random draw inside {@code f} does
     * @param chunkSize null for the whole batch, else a positive number of samples
     * @return the batched function
     * @throws IllegalArgumentException for a chunk size that is not positive, in PyTorch's words
     */
    public static TensorsFn vmapMulti(TensorsFn f, Integer[] inDims, int[] outDims, Randomness randomness,
                                      Integer chunkSize) {
        Args.require(randomness, "vmap", "randomness", 3, "str"); // 2.x: _check_randomness_arg, then the chunk size
        if (chunkSize != null && chunkSize <= 0) {
            throw new IllegalArgumentException("vmap: chunk_size should be None or greater than 0. (got " + chunkSize + ")");
        }
        Args.require(f, "vmap", "func", 0, "Callable");
        Integer[] dims = inDims == null ? null : inDims.clone();
        int[] outs = outDims == null ? null : outDims.clone();
        return args -> runVmap(f, dims, outs, randomness, args);
    }

    private static Tensor checkedResult(Tensor r) {
        if (r == null) {
            throw new IllegalArgumentException("vmap(f, ...): `f` must only return Tensors, got type <class 'NoneType'> as "
                    + "a return.");
        }
        return r;
    }

    private static String dimsRepr(Integer[] dims) {
        if (dims == null) {
            return "0";
        }
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims[i] == null ? "None" : dims[i].toString());
        }
        return b.append(dims.length == 1 ? ",)" : ")").toString();
    }

    private static String treeSpec(int n) {
        StringBuilder b = new StringBuilder("TreeSpec(tuple, None, [");
        for (int i = 0; i < n; i++) {
            b.append(i > 0 ? ", " : "").append('*');
        }
        return b.append("])").toString();
    }

    private static Tensor[] runVmap(TensorsFn f, Integer[] inDims, int[] outDims, Randomness randomness, Tensor[] args) {
        Tensor[] in = args == null ? new Tensor[0] : args;
        String call = "vmap(f, in_dims=" + dimsRepr(inDims) + ", ...)(<inputs>)";
        if (inDims != null && inDims.length != in.length) {
            throw new IllegalArgumentException(call + ": in_dims is not compatible with the structure of `inputs`. in_dims "
                    + "has structure " + treeSpec(inDims.length) + " but inputs has structure " + treeSpec(in.length) + ".");
        }
        int[] dim = new int[in.length];
        int batch = -1;
        List<Integer> sizes = new ArrayList<>();
        boolean mismatch = false;
        for (int i = 0; i < in.length; i++) {
            Integer d = inDims == null ? Integer.valueOf(0) : inDims[i];
            if (d == null) {
                dim[i] = -1;
                continue;
            }
            if (in[i] == null) {
                throw new IllegalArgumentException(call + ": Got in_dim=" + d + " for an input but the input is of type "
                        + "<class 'NoneType'>. We cannot vmap over non-Tensor arguments, please use None as the respective "
                        + "in_dim");
            }
            int rank = in[i].dim();
            if (d < -rank || d >= rank) {
                throw new IllegalArgumentException(call + ": Got in_dim=" + d + " for some input, but that input is a Tensor "
                        + "of dimensionality " + rank + " so expected in_dim to satisfy -" + rank + " <= in_dim < " + rank
                        + ".");
            }
            dim[i] = d < 0 ? d + rank : d;
            int size = in[i].size(dim[i]);
            sizes.add(size);
            if (batch < 0) {
                batch = size;
            } else if (size != batch) {
                mismatch = true;
            }
        }
        if (batch < 0) {
            throw new IllegalArgumentException("vmap: Expected at least one Tensor to vmap over");
        }
        if (mismatch) {
            throw new IllegalArgumentException("vmap: Expected all tensors to have the same size in the mapped dimension, "
                    + "got sizes " + sizes + " for the mapped dimension");
        }
        if (batch == 0) {
            throw new IllegalArgumentException("vmap: the mapped dimension has size 0; Ember's vmap runs f once per sample "
                    + "and cannot learn the shape of f's results from no sample");
        }
        List<List<Tensor>> results = new ArrayList<>();
        try (VmapState.Frame frame = new VmapState.Frame(randomness)) {
            for (int i = 0; i < in.length; i++) {
                if (dim[i] >= 0) {
                    frame.mapped.add(in[i].lease().storage);
                }
            }
            for (int b = 0; b < batch; b++) {
                frame.startSample(b);
                Tensor[] sample = in.clone();
                for (int i = 0; i < in.length; i++) {
                    if (dim[i] >= 0) {
                        sample[i] = in[i].select(dim[i], b);
                    }
                }
                Tensor[] out = f.apply(sample);
                if (out == null) {
                    throw new IllegalArgumentException("vmap(f, ...): `f` must only return Tensors, got type "
                            + "<class 'NoneType'> as a return.");
                }
                if (b == 0 && outDims != null && outDims.length != out.length) {
                    throw new IllegalArgumentException("vmap(f, ..., out_dims=" + dimsRepr(box(outDims)) + ")(<inputs>): "
                            + "out_dims is not compatible with the structure of `outputs`. out_dims has structure "
                            + treeSpec(outDims.length) + " but outputs has structure "
                            + (out.length == 1 ? "*" : treeSpec(out.length)) + ".");
                }
                if (b > 0 && out.length != results.size()) {
                    // PyTorch's vmap runs f once; Ember's runs it per sample, so f may answer differently per sample
                    throw new IllegalArgumentException("vmap(f, ...): f returned " + out.length + " results for sample "
                            + b + " but " + results.size() + " for sample 0; Ember's vmap runs f once per sample and "
                            + "needs the same results from each");
                }
                for (int k = 0; k < out.length; k++) {
                    checkedResult(out[k]);
                    if (b == 0) {
                        results.add(new ArrayList<>(batch));
                    }
                    results.get(k).add(out[k]);
                }
            }
        }
        Tensor[] stacked = new Tensor[results.size()];
        for (int k = 0; k < stacked.length; k++) {
            stacked[k] = Tensor.stack(results.get(k), outDims == null ? 0 : outDims[k]);
        }
        return stacked;
    }

    private static Integer[] box(int[] v) {
        Integer[] out = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    // ------------------------------------------------------------------ grad

    /** {@code grad(f)}: the gradient of {@code f}'s scalar result with respect to its first argument. */
    public static TensorFn grad(TensorFn f) {
        TensorsFn g = grad(f, new int[] {0});
        return args -> g.apply(args)[0];
    }

    /**
     * {@code grad(f, argnums)}: the gradients of {@code f}'s scalar result with respect to the arguments {@code argnums}
     * (negative counts from the end), zeros for one the result does not depend on.
     *
     * @param f a function returning a 0-dim floating tensor
     * @param argnums which positional arguments to differentiate with respect to; unique, not empty
     * @return the function giving one gradient per argnum
     */
    public static TensorsFn grad(TensorFn f, int[] argnums) {
        Args.require(f, "grad", "func", 0, "Callable");
        int[] nums = argnums == null ? null : argnums.clone();
        return args -> {
            Tensor[] gv = gradAndValueCore(noAux(f), nums, args);
            return Arrays.copyOf(gv, gv.length - 1);
        };
    }

    /**
     * {@code grad_and_value(f, argnums)}: {@link #grad(TensorFn, int[])}'s gradients followed by {@code f}'s value (the
     * last element).
     *
     * @param f a function returning a 0-dim floating tensor
     * @param argnums which positional arguments to differentiate with respect to; unique, not empty
     * @return the function giving the gradients, then the value
     */
    public static TensorsFn gradAndValue(TensorFn f, int[] argnums) {
        Args.require(f, "grad_and_value", "func", 0, "Callable");
        int[] nums = argnums == null ? null : argnums.clone();
        return args -> gradAndValueCore(noAux(f), nums, args);
    }

    /** PyTorch's argnums checks and normalization (negative from the end). */
    static int[] argnums(int[] argnums, int n) {
        if (argnums == null || argnums.length == 0) {
            throw new IllegalArgumentException("argnums must be non-empty");
        }
        int[] out = new int[argnums.length];
        for (int i = 0; i < argnums.length; i++) {
            int a = argnums[i];
            if (a < -n || a >= n) {
                throw new IllegalArgumentException("Got argnum=" + a + ", but only " + n + " positional inputs");
            }
            out[i] = a < 0 ? a + n : a;
        }
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < i; j++) {
                if (out[i] == out[j]) {
                    StringBuilder b = new StringBuilder("(");
                    for (int k = 0; k < out.length; k++) { // the wrapped argnums, as _slice_argnums checks them
                        b.append(k > 0 ? ", " : "").append(out[k]);
                    }
                    throw new IllegalArgumentException("argnums elements must be unique, got "
                            + b.append(argnums.length == 1 ? ",)" : ")"));
                }
            }
        }
        return out;
    }

    /**
     * The inputs to differentiate with respect to, as fresh tensors standing for the arguments: a leaf for an argument
     * that does not require grad, a view (whose graph leads to it) for one that does, so that an argument passed twice
     * gets its partial derivatives and the results keep the outer graph.
     */
    private static Tensor[] wrap(Tensor[] args, int[] nums, Tensor[] a, Set<Tensor> fresh) {
        Tensor[] wrt = new Tensor[nums.length];
        for (int k = 0; k < nums.length; k++) {
            Tensor x = args[nums[k]];
            if (x == null) {
                throw new IllegalArgumentException("Thing passed to transform API must be Tensor, got <class 'NoneType'>");
            }
            if (!x.dtype().isFloatingPoint() && !x.dtype().isComplex()) {
                throw new IllegalArgumentException("only Tensors of floating point dtype can require gradients");
            }
            Tensor w;
            if (x.requiresGrad()) {
                w = x.viewAs(x);
            } else {
                w = x.detach().setRequiresGrad(true);
                fresh.add(w);
            }
            a[nums[k]] = w;
            wrt[k] = w;
        }
        return wrt;
    }

    /**
     * grad_and_value's core: the gradients of {@code f}'s value with respect to the arguments {@code argnums}, then the
     * value, then the tensors {@code f} put into its aux list, each unwrapped.
     */
    static Tensor[] gradAndValueCore(AuxFn f, int[] argnums, Tensor[] args) {
        Tensor[] in = args == null ? new Tensor[0] : args;
        int[] nums = argnums(argnums, in.length);
        Set<Tensor> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> aux = new ArrayList<>();
        Tensor[] out;
        try (GradMode on = Ember.enableGrad(); FreshLevel freshLevel = new FreshLevel(fresh)) {
            Tensor[] a = in.clone();
            Tensor[] wrt = wrap(in, nums, a, fresh);
            Tensor value;
            try (FuncCaptures.Level level = FuncCaptures.enter(a)) { // every argument may be written, as functorch's
                value = f.apply(a, aux);
            }
            if (value == null) {
                throw new IllegalArgumentException("grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                        + "<class 'NoneType'>");
            }
            if (value.dim() != 0) {
                throw new IllegalArgumentException("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                        + "got tensor with " + value.dim() + " dims. Maybe you wanted to use the vjp or jacrev APIs instead?");
            }
            List<Tensor> grads = gradients(value, wrt, reachesOuter(value, fresh));
            out = new Tensor[nums.length + 1 + aux.size()];
            for (int k = 0; k < nums.length; k++) {
                out[k] = grads.get(k);
            }
            out[nums.length] = value;
            for (int k = 0; k < aux.size(); k++) {
                out[nums.length + 1 + k] = aux.get(k);
            }
        }
        return unwrapped(out, fresh);
    }

    /**
     * d value / d each of {@code wrt}, zeros where the value does not depend on one; with a graph where the value
     * depends on a tensor from outside the transform (an enclosing transform's input, a captured tensor that requires
     * grad), so that an outer derivative goes through it; without one otherwise (nothing could use it).
     */
    private static List<Tensor> gradients(Tensor value, Tensor[] wrt, boolean createGraph) {
        if (!value.requiresGrad()) {
            List<Tensor> zeros = new ArrayList<>();
            for (Tensor w : wrt) {
                zeros.add(w.detach().zerosLike());
            }
            return zeros;
        }
        return zerosForUnused(Autograd.grad(List.of(value), List.of(wrt), null, GradOptions.defaults()
                .withCreateGraph(createGraph).withRetainGraph(createGraph).withAllowUnused(true)), wrt, null);
    }

    /**
     * The gradients, with zeros where one is null (an input the outputs do not reach) as functorch's
     * {@code _autograd_grad} fills them: {@code torch.zeros_like} of the level's input, a plain tensor once the level is
     * left (not autograd's {@code materialize_grads}, whose zeros are leaves that require grad). With {@code batch}, the
     * gradients carry that leading batch dimension and the zeros do too.
     */
    private static List<Tensor> zerosForUnused(List<Tensor> grads, Tensor[] wrt, Integer batch) {
        List<Tensor> out = new ArrayList<>(grads);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) == null) {
                Tensor w = wrt[i].detach();
                out.set(i, batch == null ? w.zerosLike()
                        : Tensor.zeros(w.dtype(), w.device(), concat(new int[] {batch}, w.shape())));
            }
        }
        return out;
    }

    /**
     * The results detached where their graph reaches no tensor from outside the transform (only the fresh leaves it
     * made): functorch gives plain tensors there; the graph is kept where an outer computation may differentiate them.
     */
    private static Tensor[] unwrapped(Tensor[] results, Set<Tensor> fresh) {
        Tensor[] out = results.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] != null && out[i].requiresGrad() && !reachesOuter(out[i], fresh)) {
                out[i] = out[i].detach();
            }
        }
        return out;
    }

    /**
     * A transform's call on this thread, while its function runs: when it ends, the leaves it made for its inputs
     * ({@code fresh}) join those of the call it runs inside, so that the enclosing transform counts them as its own (an
     * inner transform's leaves stand for tensors that did not require grad there, constants to every enclosing level,
     * as functorch's inner levels are invisible to the outer ones) and does not keep a graph for them.
     */
    private static final class FreshLevel implements AutoCloseable {
        private static final ThreadStack<Set<Tensor>> LEVELS = new ThreadStack<>();
        private final Set<Tensor> fresh;

        FreshLevel(Set<Tensor> fresh) {
            this.fresh = fresh;
            LEVELS.push(fresh);
        }

        @Override
        public void close() {
            LEVELS.remove(fresh);
            Set<Tensor> enclosing = LEVELS.peek();
            if (enclosing != null) {
                enclosing.addAll(fresh);
            }
        }
    }

    /**
     * Whether a transform runs on this thread (a grad, vjp, jvp or Jacobian call, or a vmap): PyTorch's backward
     * formulas see functorch's wrapped tensors there, which are "tensor subclass like", and some take their
     * composite-compliant path (prod's backward: the exclusive products, whatever the zeros).
     */
    static boolean transforming() {
        return FreshLevel.LEVELS.peek() != null || VmapState.running();
    }

    private static boolean reachesOuter(Tensor t, Set<Tensor> fresh) {
        Node root = t.gradFn();
        if (root == null) {
            return !fresh.contains(t); // a leaf that requires grad: outer unless it is one of the fresh ones
        }
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) {
                continue;
            }
            if (n instanceof Node.AccumulateGrad) {
                if (!fresh.contains(((Node.AccumulateGrad) n).variable)) {
                    return true;
                }
                continue;
            }
            for (Node next : n.nextFunctions()) {
                if (next != null) {
                    todo.add(next);
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ vjp and jvp

    /**
     * What {@link #vjp(TensorFn, Tensor...)} returns, as torch.func's {@code (output, vjp_fn)}.
     *
     * @param output f's value at the primals
     * @param vjpFn the vector-Jacobian product: a cotangent shaped as the output to one gradient per primal
     */
    public record VjpOut(Tensor output, java.util.function.Function<Tensor, List<Tensor>> vjpFn) {
        /**
         * PyTorch's repr of the tuple: {@code (tensor(...), <function _vjp_with_argnums.<locals>.wrapper at 0x...>)}
         * (2.x's vjp returns its inner {@code wrapper}; the address is this function's identity hash).
         */
        @Override
        public String toString() {
            return "(" + output + ", " + pyFunction("_vjp_with_argnums.<locals>.wrapper", vjpFn) + ")";
        }
    }

    /** Python's repr of a function object, {@code <function qualname at 0x...>}, the address from the identity hash. */
    static String pyFunction(String qualname, Object fn) {
        return "<function " + qualname + " at 0x" + Integer.toHexString(System.identityHashCode(fn)) + ">";
    }

    /**
     * What {@link #jvp(TensorFn, Tensor[], Tensor[])} returns, as torch.func's {@code (output, jvp_out)}.
     *
     * @param output f's value at the primals
     * @param jvp the Jacobian of f at the primals times the tangents, shaped as the output
     */
    public record JvpOut(Tensor output, Tensor jvp) {
        /** PyTorch's repr of the tuple {@code torch.func.jvp} returns: {@code (tensor(...), tensor(...))}. */
        @Override
        public String toString() {
            return Tensor.pyTuple(output, jvp);
        }
    }

    /**
     * {@code torch.func.vjp(f, *primals)}: f's value and a function that maps a cotangent (shaped as the value; another
     * floating type is converted) to the gradient of {@code sum(value * cotangent)} with respect to each primal (zeros
     * where the value does not depend on one). It can be called several times. As {@link #grad}, it keeps a graph only
     * where the value depends on a tensor from outside the transform, so it composes with an enclosing transform.
     *
     * @throws IllegalArgumentException for a primal that is not a floating or complex tensor, a cotangent of another shape
     *     (PyTorch's "Mismatch in shape" message)
     */
    public static VjpOut vjp(TensorFn f, Tensor... primals) {
        Args.require(f, "vjp", "func", 0, "Callable");
        return vjpCore(noAux(f), primals, new ArrayList<>());
    }

    /** vjp's core; the tensors {@code f} put into its aux list are added, unwrapped, to {@code auxOut}. */
    static VjpOut vjpCore(AuxFn f, Tensor[] primals, List<Tensor> auxOut) {
        Tensor[] in = primals == null ? new Tensor[0] : primals.clone();
        int[] all = new int[in.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Set<Tensor> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> aux = new ArrayList<>();
        Tensor value;
        Tensor[] wrt;
        try (GradMode on = Ember.enableGrad(); FreshLevel freshLevel = new FreshLevel(fresh)) {
            Tensor[] a = in.clone();
            wrt = wrap(in, all, a, fresh);
            try (FuncCaptures.Level level = FuncCaptures.enter(wrt)) {
                value = f.apply(a, aux);
            }
        }
        if (value == null) {
            throw new IllegalArgumentException("vjp(f, *primals): Expected f to be a function that has non-empty output "
                    + "(got <class 'NoneType'>)");
        }
        Tensor out = value;
        java.util.function.Function<Tensor, List<Tensor>> vjpFn = cotangent -> {
            Args.require(cotangent, "vjp_fn", "cotangents", 0, "Tensor");
            if (!java.util.Arrays.equals(cotangent.shape(), out.shape())) {
                throw new IllegalArgumentException("Mismatch in shape: grad_output[0] has a shape of " + Format.size(
                        cotangent.shape()) + " and output[0] has a shape of " + Format.size(out.shape()) + ".");
            }
            if (!out.requiresGrad()) {
                List<Tensor> zeros = new ArrayList<>();
                for (Tensor w : wrt) {
                    zeros.add(w.detach().zerosLike());
                }
                return zeros;
            }
            Tensor ct = cotangent.dtype() == out.dtype() ? cotangent : cotangent.to(out.dtype());
            boolean graph = reachesOuter(out, fresh) || ct.requiresGrad();
            List<Tensor> grads;
            try (GradMode on = Ember.enableGrad()) {
                grads = zerosForUnused(Autograd.grad(List.of(out), List.of(wrt), List.of(ct), GradOptions.defaults()
                        .withCreateGraph(graph).withRetainGraph(true).withAllowUnused(true)), wrt, null);
            }
            return List.of(unwrapped(grads.toArray(new Tensor[0]), fresh));
        };
        auxOut.addAll(Arrays.asList(unwrapped(aux.toArray(new Tensor[0]), fresh)));
        return new VjpOut(unwrapped(new Tensor[] {value}, fresh)[0], vjpFn);
    }

    /**
     * {@code torch.func.jvp(f, primals, tangents)}: f's value and its Jacobian at the primals times the tangents (one
     * per primal, the primal's shape; another floating type is converted), shaped as the value. PyTorch runs forward-mode
     * autograd; Ember, which has none, takes the product as the derivative of a vector-Jacobian product with respect to
     * its vector (the double-backward trick, as {@code torch.autograd.functional.jvp}), so the same values need the
     * function's ops to have a double backward. Composes with an enclosing transform as {@link #vjp} does.
     *
     * @throws IllegalArgumentException for no primals, as many tangents as primals not given, a tangent of another shape,
     *     a primal or tangent that is not floating point or complex, with PyTorch's messages
     */
    public static JvpOut jvp(TensorFn f, Tensor[] primals, Tensor[] tangents) {
        Args.require(f, "jvp", "func", 0, "Callable");
        if (primals == null) {
            throw new IllegalArgumentException(JVP + ": Expected primals to be a tuple. E.g. it should be valid to call "
                    + "f(*primals).");
        }
        int nt = tangents == null ? 0 : tangents.length;
        if (nt != primals.length) {
            throw structureError(primals.length, nt);
        }
        Tensor[] in = primals.clone();
        checkNonEmpty(in);
        for (int i = 0; i < nt; i++) {
            // make_dual's order, pair by pair, before f runs
            checkPrimal(in[i], "jvp");
            checkedTangent(in[i], Args.require(tangents[i], "jvp", "tangents", 2, "Tensor"));
        }
        LinearizeOut lin = linearized(noAux(f), in, new ArrayList<>());
        return new JvpOut(lin.output(), lin.jvpFn().apply(tangents));
    }

    private static final String JVP = "jvp(f, primals, tangents)";

    static IllegalArgumentException structureError(int primals, int tangents) {
        return new IllegalArgumentException(JVP + ": Expected primals and tangents to have the same python structure. For "
                + "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                + treeSpec(primals) + " and tangents with structure " + treeSpec(tangents));
    }

    static void checkNonEmpty(Tensor[] primals) {
        if (primals.length == 0) {
            throw new IllegalArgumentException(JVP + ": Expected primals to contain at least one Tensor.");
        }
    }

    /** make_dual's check of a primal: a floating or complex tensor. */
    static void checkPrimal(Tensor p, String op) {
        Args.require(p, op, "primals", 1, "Tensor");
        if (!p.dtype().isFloatingPoint() && !p.dtype().isComplex()) {
            throw new IllegalArgumentException("Expected primal to be floating point or complex, but got: "
                    + p.dtype().torchName());
        }
    }

    /** make_dual's checks of a tangent (floating, the primal's shape); the tangent in the primal's type. */
    private static Tensor checkedTangent(Tensor primal, Tensor t) {
        if (!t.dtype().isFloatingPoint() && !t.dtype().isComplex()) {
            throw new IllegalArgumentException("Expected tangent to be floating point or complex, but got: "
                    + t.dtype().torchName());
        }
        if (!java.util.Arrays.equals(primal.shape(), t.shape())) {
            throw new IllegalArgumentException("Trying to set a forward gradient that has a different size than that of the "
                    + "original Tensor, this is not supported. Tensor is of size " + Shapes.str(primal.shape())
                    + " while the given forward gradient is of size " + Shapes.str(t.shape()) + ".");
        }
        return t.dtype() == primal.dtype() ? t : t.to(primal.dtype());
    }

    /**
     * What {@link #linearize(TensorFn, Tensor...)} returns, as torch.func's {@code (output, jvp_fn)}.
     *
     * @param output f's value at the primals
     * @param jvpFn the Jacobian at the primals applied to tangents (one per primal)
     */
    public record LinearizeOut(Tensor output, java.util.function.Function<Tensor[], Tensor> jvpFn) {
        /** PyTorch's repr of the tuple: {@code (tensor(...), <function linearize.<locals>.jvp_fn at 0x...>)}. */
        @Override
        public String toString() {
            return "(" + output + ", " + pyFunction("linearize.<locals>.jvp_fn", jvpFn) + ")";
        }
    }

    /**
     * {@code torch.func.linearize(f, *primals)} (PyTorch 2.x): f's value and a function giving {@link #jvp}'s product for
     * any tangents at these primals, so that many directions share one call of f: the vector-Jacobian product is built
     * once and differentiated along each set of tangents. Tangents are checked as {@link #jvp} checks them.
     */
    public static LinearizeOut linearize(TensorFn f, Tensor... primals) {
        Args.require(f, "linearize", "func", 0, "Callable");
        Tensor[] in = primals == null ? new Tensor[0] : primals.clone();
        checkNonEmpty(in);
        for (Tensor p : in) {
            checkPrimal(p, "linearize");
        }
        return linearized(noAux(f), in, new ArrayList<>());
    }

    /**
     * {@link #linearize} of checked primals: f run once, its vector-Jacobian product as a function of its vector u kept,
     * and each set of tangents the derivative of that product along them (the double-backward trick).
     */
    static LinearizeOut linearized(AuxFn f, Tensor[] in, List<Tensor> auxOut) {
        int[] all = new int[in.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Set<Tensor> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> aux = new ArrayList<>();
        Tensor value;
        Tensor u;
        List<Tensor> vjp;
        try (GradMode on = Ember.enableGrad(); FreshLevel freshLevel = new FreshLevel(fresh)) {
            Tensor[] a = in.clone();
            Tensor[] wrt = wrap(in, all, a, fresh);
            try (FuncCaptures.Level level = FuncCaptures.enter(wrt)) {
                value = f.apply(a, aux);
            }
            if (value == null) {
                throw new IllegalArgumentException(JVP + ": Expected f(*primals) to return only tensors, got unsupported "
                        + "type <class 'NoneType'>");
            }
            u = value.detach().zerosLike().setRequiresGrad(true);
            vjp = value.requiresGrad() ? Autograd.grad(List.of(value), List.of(wrt), List.of(u), GradOptions.defaults()
                    .withCreateGraph(true).withRetainGraph(true).withAllowUnused(true)) : null;
        }
        Tensor out = value;
        java.util.function.Function<Tensor[], Tensor> jvpFn = tangents -> {
            int nt = tangents == null ? 0 : tangents.length;
            if (nt != in.length) {
                throw structureError(in.length, nt);
            }
            List<Tensor> outs = new ArrayList<>();
            List<Tensor> dirs = new ArrayList<>();
            boolean graph = vjp != null && reachesOuter(out, fresh);
            for (int i = 0; i < nt; i++) {
                Tensor t = checkedTangent(in[i], Args.require(tangents[i], "jvp_fn", "tangents", 0, "Tensor"));
                graph |= t.requiresGrad();
                Tensor g = vjp == null ? null : vjp.get(i);
                if (g != null && g.requiresGrad()) {
                    outs.add(g);
                    dirs.add(t);
                }
            }
            if (outs.isEmpty()) {
                return out.detach().zerosLike();
            }
            try (GradMode on = Ember.enableGrad()) {
                Tensor product = zerosForUnused(Autograd.grad(outs, List.of(u), dirs, GradOptions.defaults()
                        .withCreateGraph(graph).withRetainGraph(true).withAllowUnused(true)), new Tensor[] {u}, null)
                        .get(0);
                return unwrapped(new Tensor[] {product}, fresh)[0];
            }
        };
        auxOut.addAll(Arrays.asList(unwrapped(aux.toArray(new Tensor[0]), fresh)));
        return new LinearizeOut(unwrapped(new Tensor[] {value}, fresh)[0], jvpFn);
    }

    // ------------------------------------------------------------------ Jacobians

    /** {@code jacrev(f)}: the Jacobian of {@code f} with respect to its first argument, shape {@code out + in}. */
    public static TensorFn jacrev(TensorFn f) {
        return jacrev(f, 0);
    }

    /**
     * {@code jacrev(f, argnums=argnum)}: the Jacobian of {@code f} with respect to argument {@code argnum}, of shape
     * {@code f(x).shape + x.shape}, by reverse mode (one vector-Jacobian product per output element).
     *
     * @param f a function returning a floating tensor
     * @param argnum which positional argument (negative counts from the end)
     * @return the function giving the Jacobian
     */
    public static TensorFn jacrev(TensorFn f, int argnum) {
        Args.require(f, "jacrev", "func", 0, "Callable");
        return args -> jacobianCore(noAux(f), new int[] {argnum}, args)[0];
    }

    /**
     * {@code jacrev(f, argnums=argnum, chunk_size=chunkSize)} (2.x): the Jacobian of {@link #jacrev(TensorFn, int)},
     * its rows computed {@code chunkSize} at a time (one batched vector-Jacobian product per chunk, the last one
     * shorter; 1: one product per row) to bound the memory of the batched products, then concatenated: the same values
     * as one pass. A {@code chunkSize} of null computes all rows at once.
     *
     * @param f a function returning a floating tensor
     * @param argnum which positional argument (negative counts from the end)
     * @param chunkSize null for all rows at once, else a positive number of rows
     * @return the function giving the Jacobian
     * @throws IllegalArgumentException for a chunk size below 1 (PyTorch's ValueError, raised when the transform is
     *     made, before any call)
     */
    public static TensorFn jacrev(TensorFn f, int argnum, Integer chunkSize) {
        checkJacrevChunkSize(chunkSize);
        Args.require(f, "jacrev", "func", 0, "Callable");
        return args -> jacobianCore(noAux(f), new int[] {argnum}, args, chunkSize)[0];
    }

    /** jacrev's check of its chunk size, in 2.x's words. */
    static void checkJacrevChunkSize(Integer chunkSize) {
        if (chunkSize != null && chunkSize <= 0) {
            throw new IllegalArgumentException("jacrev: `chunk_size` should be greater than 0.");
        }
    }

    /**
     * {@code jacfwd(f, argnums=argnum)}: the Jacobian of {@code f} with respect to argument {@code argnum}; the same
     * values as {@link #jacrev(TensorFn, int)}, computed the same way (Ember has no forward-mode autograd).
     *
     * @param f a function returning a floating tensor
     * @param argnum which positional argument (negative counts from the end)
     * @return the function giving the Jacobian
     */
    public static TensorFn jacfwd(TensorFn f, int argnum) {
        Args.require(f, "jacfwd", "func", 0, "Callable");
        return args -> jacobianCore(noAux(f), new int[] {argnum}, args)[0];
    }

    /** {@code jacfwd(f)}: {@link #jacfwd(TensorFn, int)} with respect to the first argument. */
    public static TensorFn jacfwd(TensorFn f) {
        return jacfwd(f, 0);
    }

    /**
     * {@code hessian(f, argnums=argnum)}: {@code jacfwd(jacrev(f, argnum), argnum)}, of shape {@code f(x).shape +
     * x.shape + x.shape}.
     *
     * @param f a function returning a floating tensor
     * @param argnum which positional argument (negative counts from the end)
     * @return the function giving the Hessian
     */
    public static TensorFn hessian(TensorFn f, int argnum) {
        Args.require(f, "hessian", "func", 0, "Callable");
        return jacfwd(jacrev(f, argnum), argnum);
    }

    /** {@code hessian(f)}: {@link #hessian(TensorFn, int)} with respect to the first argument. */
    public static TensorFn hessian(TensorFn f) {
        return hessian(f, 0);
    }

    /**
     * jacrev's core: the Jacobian of {@code f}'s value with respect to each of the arguments {@code argnums} (shape
     * {@code value.shape + argument.shape}), then the tensors {@code f} put into its aux list, each unwrapped.
     */
    static Tensor[] jacobianCore(AuxFn f, int[] argnums, Tensor[] args) {
        return jacobianCore(f, argnums, args, null);
    }

    /** {@link #jacobianCore(AuxFn, int[], Tensor[])}, the rows {@code chunkSize} at a time (null: all at once). */
    static Tensor[] jacobianCore(AuxFn f, int[] argnums, Tensor[] args, Integer chunkSize) {
        Tensor[] in = args == null ? new Tensor[0] : args;
        int[] nums = argnums(argnums, in.length);
        Set<Tensor> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> aux = new ArrayList<>();
        Tensor[] out = new Tensor[nums.length];
        try (GradMode on = Ember.enableGrad(); FreshLevel freshLevel = new FreshLevel(fresh)) {
            Tensor[] a = in.clone();
            Tensor[] xs = wrap(in, nums, a, fresh);
            Tensor y;
            try (FuncCaptures.Level level = FuncCaptures.enter(a)) {
                y = f.apply(a, aux);
            }
            if (y == null) {
                throw new IllegalArgumentException("vjp(f, ...): Expected f to be a function that has non-empty output "
                        + "(got output = None)");
            }
            if (!y.dtype().isFloatingPoint() && !y.dtype().isComplex()) {
                throw new IllegalArgumentException("vjp(f, ...): All outputs of f must be floating-point or complex "
                        + "Tensors, got Tensor with dtype " + y.dtype().torchName());
            }
            long m = y.numel();
            if (m == 0 || !y.requiresGrad()) {
                for (int k = 0; k < xs.length; k++) {
                    out[k] = Tensor.zeros(xs[k].dtype(), concat(y.shape(), xs[k].shape())).to(xs[k].device());
                }
            } else {
                // the rows of the identity as the batched vectors of one vector-Jacobian product each
                Tensor eye = Tensor.eye((int) m, (int) m, y.dtype()).to(y.device()).reshape(concat(new int[] {(int) m},
                        y.shape()));
                boolean outer = reachesOuter(y, fresh);
                // chunk_size: the rows in chunks, one batched product each (the graph kept until the last), joined
                int rowsPerChunk = chunkSize == null ? (int) m : (int) Math.min(chunkSize, m);
                List<List<Tensor>> chunks = new ArrayList<>();
                for (int start = 0; start < m; start += rowsPerChunk) {
                    int len = (int) Math.min(rowsPerChunk, m - start);
                    boolean last = start + len >= m;
                    Tensor vectors = len == m ? eye : eye.narrow(0, start, len);
                    chunks.add(zerosForUnused(Autograd.grad(List.of(y), List.of(xs), List.of(vectors),
                            GradOptions.defaults().withCreateGraph(outer).withRetainGraph(outer || !last)
                            .withAllowUnused(true).withGradsBatched(true)), xs, len));
                }
                for (int k = 0; k < xs.length; k++) {
                    Tensor rows;
                    if (chunks.size() == 1) {
                        rows = chunks.get(0).get(k);
                    } else {
                        List<Tensor> parts = new ArrayList<>();
                        for (List<Tensor> c : chunks) {
                            parts.add(c.get(k));
                        }
                        rows = Tensor.cat(parts, 0);
                    }
                    out[k] = rows.reshape(concat(y.shape(), xs[k].shape()));
                }
            }
        }
        Tensor[] all = Arrays.copyOf(out, out.length + aux.size());
        for (int k = 0; k < aux.size(); k++) {
            all[out.length + k] = aux.get(k);
        }
        return unwrapped(all, fresh);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ------------------------------------------------------------------ ensembles

    /**
     * {@code torch.func.replace_all_batch_norm_modules_(root)}: every batch norm in {@code root} (itself included) that
     * tracks running statistics loses them, as {@link dev.ember.nn.ModuleInternals#batchNormWithoutRunningStats} says
     * ({@code running_mean}, {@code running_var} and {@code num_batches_tracked} None, {@code track_running_stats}
     * False), so that a {@link #vmap} or {@link #grad} of the model's forward changes no buffer it captures (functorch's
     * MAML on Omniglot does this before vmapping over tasks). Other modules are left as they are.
     *
     * @param root the module, changed in place
     * @return {@code root}
     * @throws IllegalArgumentException for a null module
     */
    public static Module replaceAllBatchNormModules_(Module root) {
        Args.require(root, "replace_all_batch_norm_modules_", "root", 0, "Module");
        for (Module m : root.modules()) {
            dev.ember.nn.ModuleInternals.batchNormWithoutRunningStats(m);
        }
        return root;
    }

    /**
     * {@code torch.func.stack_module_state(models)}: each parameter and buffer name mapped to the models' tensors stacked
     * along a new dimension 0 (parameters as new leaves that require grad where the originals do, buffers detached), for
     * {@code vmap} over {@link dev.ember.nn.Stateless#functionalCall} of one of the models.
     *
     * @param models models of one structure (the same names and shapes), at least one
     * @return element 0 the stacked parameters, element 1 the stacked buffers, by name in the first model's order
     */
    public static List<Map<String, Tensor>> stackModuleState(List<? extends Module> models) {
        if (models == null || models.isEmpty()) {
            throw new IllegalArgumentException("stack_module_state: Expected at least one model, got 0.");
        }
        Module first = models.get(0);
        for (Module m : models) {
            Args.require(m, "stack_module_state", "models", 0, "Module");
            if (m.isTraining() != first.isTraining()) {
                throw new IllegalArgumentException("stack_module_state: Expected all models to have the same training/eval "
                        + "mode.");
            }
            if (m.getClass() != first.getClass()) {
                throw new IllegalArgumentException("stack_module_state: Expected all models to be of the same class.");
            }
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (String name : first.namedParameters().keySet()) {
            List<Tensor> each = new ArrayList<>();
            boolean grad = false;
            for (Module m : models) {
                Tensor p = m.namedParameters().get(name);
                each.add(p.detach());
                grad |= p.requiresGrad();
            }
            params.put(name, Tensor.stack(each, 0).requiresGrad_(grad));
        }
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        for (String name : first.namedBuffers().keySet()) {
            List<Tensor> each = new ArrayList<>();
            for (Module m : models) {
                each.add(m.namedBuffers().get(name).detach());
            }
            buffers.put(name, Tensor.stack(each, 0));
        }
        return List.of(params, buffers);
    }
}
