package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * {@code torch.func} over pytrees: the transforms of {@link Func} for functions whose arguments and results are
 * tensors nested in dicts ({@link java.util.Map}, keys in iteration order), lists ({@link List}) and tuples
 * ({@code Object[]}), with other values (numbers, strings, null) passed through as constants, and with
 * {@code has_aux}. A model's parameters as a dict, {@code grad(loss)(params, buffers, x, y)} giving a dict of
 * gradients, {@code vmap} over it with {@code in_dims=(None, None, 0, 0)}, an ensemble's stacked state with
 * {@code in_dims=(0, 0, None)}: torch.func's recipes, written as in Python. Results come back in the same structures
 * (a dict as a {@link java.util.LinkedHashMap}, a list as an {@link ArrayList}, a tuple as an array of the argument's
 * component type); a tuple of results (several argnums, has_aux's {@code (grads, aux)}) is a {@link List}.
 *
 * <p>Each transform flattens its arguments, runs {@link Func}'s on the tensors, and rebuilds the structures: the
 * values, the graphs kept for an enclosing transform, and the refusals are {@link Func}'s. A function with several
 * outputs is differentiated through their concatenation ({@code vjp}, {@code jvp}, {@code jacrev}), which gives each
 * output's products exactly; outputs of different floating types are concatenated in their promoted type and each
 * product cast back to its output's.
 */
public final class FuncTree {
    private FuncTree() {
    }

    /** A function of pytrees: {@code f(*args)} returning a pytree (or {@code (output, aux)} under has_aux). */
    @FunctionalInterface
    public interface TreeFn {
        /**
         * Calls the function.
         *
         * @param args the positional arguments, each a pytree
         * @return the result, a pytree
         */
        Object apply(Object... args);
    }

    // ------------------------------------------------------------------ flattening the arguments

    /** The arguments, flattened: every leaf, the tensors' positions among them, each argument's structure. */
    private static final class Flat {
        final Object[] leaves;
        final Trees.Spec[] specs;
        final int[] first;
        final List<Integer> tensors = new ArrayList<>();

        Flat(Object[] args) {
            List<Object> all = new ArrayList<>();
            specs = new Trees.Spec[args.length];
            first = new int[args.length + 1];
            for (int i = 0; i < args.length; i++) {
                first[i] = all.size();
                specs[i] = Trees.flatten(args[i], all);
            }
            first[args.length] = all.size();
            leaves = all.toArray();
            for (int k = 0; k < leaves.length; k++) {
                if (leaves[k] instanceof Tensor) {
                    tensors.add(k);
                }
            }
        }

        Tensor[] tensorLeaves() {
            Tensor[] t = new Tensor[tensors.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = (Tensor) leaves[tensors.get(i)];
            }
            return t;
        }

        /** The positions, among the tensor leaves, of argument {@code i}'s leaves (all of which must be tensors). */
        int[] tensorsOf(int i) {
            List<Integer> out = new ArrayList<>();
            for (int k = first[i]; k < first[i + 1]; k++) {
                if (!(leaves[k] instanceof Tensor)) {
                    throw new IllegalArgumentException("Thing passed to transform API must be Tensor, got "
                            + Trees.pyType(leaves[k]));
                }
                out.add(tensors.indexOf(k));
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The arguments rebuilt with {@code t} in place of the tensor leaves (other leaves as they were). */
        Object[] rebuild(Tensor[] t) {
            Object[] leaf = leaves.clone();
            for (int i = 0; i < t.length; i++) {
                leaf[tensors.get(i)] = t[i];
            }
            Iterator<Object> it = Arrays.asList(leaf).iterator();
            Object[] args = new Object[specs.length];
            for (int i = 0; i < specs.length; i++) {
                args[i] = Trees.unflatten(specs[i], it);
            }
            return args;
        }
    }

    /**
     * A dict argument as the parameter map {@link dev.ember.nn.Stateless#functionalCall} takes, checked: inside a
     * transformed function a dict arrives as a {@code Map} of objects (the transforms rebuild it around their own
     * tensors), so {@code Stateless.functionalCall(model, FuncTree.params(a[0]), x)} reads as Python's
     * {@code functional_call(model, params, x)}.
     *
     * @param dict a {@link java.util.Map} from names to tensors
     * @return the same map, typed
     * @throws IllegalArgumentException for anything else: not a map, a key that is not a string, a value that is not a
     *     tensor (naming it)
     */
    @SuppressWarnings("unchecked")
    public static java.util.Map<String, Tensor> params(Object dict) {
        if (!(dict instanceof java.util.Map<?, ?> m)) {
            throw new IllegalArgumentException("expected a dict of tensors, got " + (dict == null ? "null"
                    : Trees.pyType(dict)));
        }
        for (java.util.Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new IllegalArgumentException("expected a dict of tensors with str keys, got the key "
                        + e.getKey() + " of " + Trees.pyType(e.getKey()));
            }
            if (!(e.getValue() instanceof Tensor)) {
                throw new IllegalArgumentException("expected a dict of tensors, got " + Trees.pyType(e.getValue())
                        + " for '" + e.getKey() + "'");
            }
        }
        return (java.util.Map<String, Tensor>) m;
    }

    private static Object[] argsOf(Object[] args) {
        return args == null ? new Object[0] : args;
    }

    /** has_aux's {@code (output, aux)}: a two-element list or array, else PyTorch's message. */
    private static Object[] outputAndAux(Object r, String api) {
        if (r instanceof List<?> l && l.size() == 2) {
            return new Object[] {l.get(0), l.get(1)};
        }
        if (r instanceof Object[] a && a.length == 2) {
            return new Object[] {a[0], a[1]};
        }
        throw new IllegalArgumentException(api + ": output of function f should be a tuple: (output, aux) if has_aux "
                + "is True");
    }

    /** A result tree's structure and tensors, checked to hold only tensors. */
    private record Out(Trees.Spec spec, Tensor[] leaves) {
        static Out of(Object tree, String message) {
            return of(tree, message, "");
        }

        static Out of(Object tree, String message, String suffix) {
            List<Object> leaves = new ArrayList<>();
            Trees.Spec spec = Trees.flatten(tree, leaves);
            Tensor[] t = new Tensor[leaves.size()];
            for (int i = 0; i < t.length; i++) {
                if (!(leaves.get(i) instanceof Tensor)) {
                    throw new IllegalArgumentException(message + Trees.pyType(leaves.get(i)) + suffix);
                }
                t[i] = (Tensor) leaves.get(i);
            }
            return new Out(spec, t);
        }

        Object rebuild(List<Tensor> tensors) {
            return Trees.unflatten(spec, tensors.iterator());
        }
    }

    /** The aux tree: its structure and leaves; its tensors travel through the core and come back unwrapped. */
    private static final class Aux {
        Trees.Spec spec;
        Object[] leaves;

        void capture(Object tree, List<Tensor> sink) {
            List<Object> l = new ArrayList<>();
            spec = Trees.flatten(tree, l);
            leaves = l.toArray();
            for (Object o : leaves) {
                if (o instanceof Tensor t) {
                    sink.add(t);
                } else if (o != null) {
                    // torch.func's _undo_create_differentiable unwraps only tensors
                    throw new IllegalArgumentException("Expected tensors, got unsupported type " + Trees.pyType(o));
                }
            }
        }

        Object rebuild(List<Tensor> unwrapped) {
            Object[] leaf = leaves.clone();
            int j = 0;
            for (int i = 0; i < leaf.length; i++) {
                if (leaf[i] instanceof Tensor) {
                    leaf[i] = unwrapped.get(j++);
                }
            }
            return Trees.unflatten(spec, Arrays.asList(leaf).iterator());
        }
    }

    // ------------------------------------------------------------------ grad

    /** {@code grad(f)}: the gradient tree of {@code f}'s scalar result with respect to its first argument's tensors. */
    public static TreeFn grad(TreeFn f) {
        return grad(f, 0, false);
    }

    /**
     * {@code grad(f, argnums=argnum, has_aux=hasAux)}: the gradients of {@code f}'s scalar result with respect to the
     * tensors of argument {@code argnum}, in that argument's structure; under has_aux {@code f} returns
     * {@code (output, aux)} and the result is {@code List.of(grads, aux)}.
     *
     * @param f the function
     * @param argnum which positional argument (negative counts from the end)
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @return the transformed function
     */
    public static TreeFn grad(TreeFn f, int argnum, boolean hasAux) {
        Args.require(f, "grad", "func", 0, "Callable");
        return args -> gradImpl(f, new int[] {argnum}, false, hasAux, false, argsOf(args));
    }

    /**
     * {@code grad(f, argnums=(...), has_aux=hasAux)}: a {@link List} with one gradient tree per argnum (under has_aux,
     * {@code List.of(thatList, aux)}).
     *
     * @param f the function
     * @param argnums which positional arguments; unique, not empty
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @return the transformed function
     */
    public static TreeFn grad(TreeFn f, int[] argnums, boolean hasAux) {
        Args.require(f, "grad", "func", 0, "Callable");
        int[] nums = Args.require(argnums, "grad", "argnums", 1, "Tuple[int, ...]").clone();
        return args -> gradImpl(f, nums, true, hasAux, false, argsOf(args));
    }

    /**
     * {@code grad_and_value(f, argnums=argnum, has_aux=hasAux)}: {@code List.of(grads, value)}, under has_aux
     * {@code List.of(grads, List.of(value, aux))}.
     *
     * @param f the function
     * @param argnum which positional argument (negative counts from the end)
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @return the transformed function
     */
    public static TreeFn gradAndValue(TreeFn f, int argnum, boolean hasAux) {
        Args.require(f, "grad_and_value", "func", 0, "Callable");
        return args -> gradImpl(f, new int[] {argnum}, false, hasAux, true, argsOf(args));
    }

    /**
     * {@code grad_and_value(f, argnums=(...), has_aux=hasAux)}: as {@link #gradAndValue(TreeFn, int, boolean)} with a
     * {@link List} of gradient trees, one per argnum.
     *
     * @param f the function
     * @param argnums which positional arguments; unique, not empty
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @return the transformed function
     */
    public static TreeFn gradAndValue(TreeFn f, int[] argnums, boolean hasAux) {
        Args.require(f, "grad_and_value", "func", 0, "Callable");
        int[] nums = Args.require(argnums, "grad_and_value", "argnums", 1, "Tuple[int, ...]").clone();
        return args -> gradImpl(f, nums, true, hasAux, true, argsOf(args));
    }

    private static Object gradImpl(TreeFn f, int[] argnums, boolean tuple, boolean hasAux, boolean withValue,
                                   Object[] args) {
        int[] nums = Func.argnums(argnums, args.length);
        Flat flat = new Flat(args);
        int[][] per = new int[nums.length][];
        List<Integer> wrt = new ArrayList<>();
        for (int k = 0; k < nums.length; k++) {
            per[k] = flat.tensorsOf(nums[k]);
            for (int i : per[k]) {
                wrt.add(i);
            }
        }
        Aux aux = new Aux();
        String api = "grad_and_value(f)(*args)";
        Func.AuxFn core = (t, sink) -> {
            Object r = f.apply(flat.rebuild(t));
            if (hasAux) {
                Object[] oa = outputAndAux(r, api);
                r = oa[0];
                aux.capture(oa[1], sink);
            }
            if (!(r instanceof Tensor)) {
                throw new IllegalArgumentException(api + ": Expected f(*args) to return a Tensor, got " + Trees.pyType(r));
            }
            return (Tensor) r;
        };
        Tensor[] leaves = flat.tensorLeaves();
        Tensor[] out;
        if (wrt.isEmpty()) {
            // nothing to differentiate (empty containers): the value, and empty gradient trees
            List<Tensor> sink = new ArrayList<>();
            Tensor value = core.apply(leaves, sink);
            out = new Tensor[1 + sink.size()];
            out[0] = value;
            for (int i = 0; i < sink.size(); i++) {
                out[1 + i] = sink.get(i);
            }
        } else {
            out = Func.gradAndValueCore(core, wrt.stream().mapToInt(Integer::intValue).toArray(), leaves);
        }
        List<Object> grads = new ArrayList<>();
        int g = 0;
        for (int k = 0; k < nums.length; k++) {
            List<Tensor> mine = new ArrayList<>(Arrays.asList(out).subList(g, g + per[k].length));
            g += per[k].length;
            grads.add(Trees.unflatten(flat.specs[nums[k]], mine.iterator()));
        }
        Object gradTree = tuple ? List.copyOf(grads) : grads.get(0);
        Tensor value = out[g];
        Object auxTree = hasAux ? aux.rebuild(Arrays.asList(out).subList(g + 1, out.length)) : null;
        if (withValue) {
            return List.of(gradTree, hasAux ? pair(value, auxTree) : value);
        }
        return hasAux ? pair(gradTree, auxTree) : gradTree;
    }

    /** A two-element tuple that may hold null (an aux of None). */
    private static List<Object> pair(Object a, Object b) {
        return java.util.Collections.unmodifiableList(Arrays.asList(a, b));
    }

    // ------------------------------------------------------------------ vmap

    /** {@code vmap(f)}: every argument's tensors mapped over dimension 0, every result stacked along 0. */
    public static TreeFn vmap(TreeFn f) {
        return vmap(f, 0, 0, Func.Randomness.ERROR);
    }

    /**
     * {@code vmap(f, in_dims, out_dims)}.
     *
     * @param f the per-sample function
     * @param inDims an Integer for every tensor of every argument, or a tuple ({@code Object[]} or {@link List}) with
     *     one entry per argument: an Integer or null (not mapped) for all of that argument, or a tree of the argument's
     *     structure with an Integer or null per leaf
     * @param outDims an Integer for every result, or a tree of the result's structure
     * @return the batched function
     */
    public static TreeFn vmap(TreeFn f, Object inDims, Object outDims) {
        return vmap(f, inDims, outDims, Func.Randomness.ERROR);
    }

    /**
     * {@code vmap(f, in_dims, out_dims, randomness)}: as {@link #vmap(TreeFn, Object, Object)}.
     *
     * @param f the per-sample function
     * @param inDims as {@link #vmap(TreeFn, Object, Object)}
     * @param outDims as {@link #vmap(TreeFn, Object, Object)}
     * @param randomness what a random draw inside {@code f} does
     * @return the batched function
     */
    public static TreeFn vmap(TreeFn f, Object inDims, Object outDims, Func.Randomness randomness) {
        Args.require(f, "vmap", "func", 0, "Callable");
        Args.require(randomness, "vmap", "randomness", 3, "str");
        return args -> vmapImpl(f, inDims, outDims, randomness, argsOf(args));
    }

    private static Object vmapImpl(TreeFn f, Object inDims, Object outDims, Func.Randomness randomness, Object[] args) {
        String call = "vmap(f, in_dims=" + Trees.dimsRepr(inDims) + ", ...)(<inputs>)";
        if (inDims != null && !(inDims instanceof Integer) && !(inDims instanceof Object[]) && !(inDims instanceof List)) {
            throw new IllegalArgumentException(call + ": expected `in_dims` to be int or a (potentially nested) tuple "
                    + "matching the structure of inputs, got: " + Trees.pyType(inDims) + ".");
        }
        if (inDims == null) {
            throw new IllegalArgumentException(call + ": expected `in_dims` to be int or a (potentially nested) tuple "
                    + "matching the structure of inputs, got: <class 'NoneType'>.");
        }
        Flat flat = new Flat(args);
        Integer[] leafDims = leafDims(inDims, args, flat, call);
        Integer[] tensorDims = new Integer[flat.tensors.size()];
        for (int i = 0; i < tensorDims.length; i++) {
            tensorDims[i] = leafDims[flat.tensors.get(i)];
        }
        for (int k = 0; k < leafDims.length; k++) {
            if (leafDims[k] != null && !(flat.leaves[k] instanceof Tensor)) {
                throw new IllegalArgumentException(call + ": Got in_dim=" + leafDims[k] + " for an input but the input is "
                        + "of type " + Trees.pyType(flat.leaves[k]) + ". We cannot vmap over non-Tensor arguments, please "
                        + "use None as the respective in_dim");
            }
        }
        Trees.Spec[] outSpec = new Trees.Spec[1];
        Func.TensorsFn sample = t -> {
            Out o = Out.of(f.apply(flat.rebuild(t)), "vmap(f, ...): `f` must only return Tensors, got type ",
                    " as a return.");
            if (outSpec[0] == null) {
                outSpec[0] = o.spec();
            } else if (!outSpec[0].equals(o.spec())) {
                // Ember's vmap runs f per sample (PyTorch's once): every sample must give the same structure
                throw new IllegalArgumentException("vmap(f, ...): f returned the structure " + o.spec().pprint()
                        + " for a later sample but " + outSpec[0].pprint() + " for sample 0; Ember's vmap runs f once "
                        + "per sample and needs the same structure from each");
            }
            return o.leaves();
        };
        Tensor[] stacked = Func.vmapMulti(sample, tensorDims, null, randomness).apply(flat.tensorLeaves());
        Trees.Spec spec = outSpec[0];
        Integer[] outs = outLeafDims(outDims, spec);
        List<Tensor> results = new ArrayList<>();
        for (int k = 0; k < stacked.length; k++) {
            int d = outs[k];
            int rank = stacked[k].dim();
            if (d < -rank || d >= rank) {
                throw new IllegalArgumentException("Dimension out of range (expected to be in range of [" + -rank + ", "
                        + (rank - 1) + "], but got " + d + ")");
            }
            results.add(d == 0 ? stacked[k] : stacked[k].movedim(0, d));
        }
        return Trees.unflatten(spec, results.iterator());
    }

    /** in_dims broadcast to one entry per leaf of the arguments. */
    private static Integer[] leafDims(Object inDims, Object[] args, Flat flat, String call) {
        Integer[] out = new Integer[flat.leaves.length];
        if (inDims instanceof Integer d) {
            Arrays.fill(out, d);
            return out;
        }
        Object[] perArg = inDims instanceof List<?> l ? l.toArray() : (Object[]) inDims;
        if (perArg.length != args.length) {
            throw structure(call, inDims, args);
        }
        for (int i = 0; i < args.length; i++) {
            Object d = perArg[i];
            if (d == null || d instanceof Integer) {
                Arrays.fill(out, flat.first[i], flat.first[i + 1], (Integer) d);
                continue;
            }
            List<Object> dims = new ArrayList<>();
            Trees.Spec ds = Trees.flatten(d, dims);
            if (!ds.equals(flat.specs[i])) {
                throw structure(call, inDims, args);
            }
            for (int k = 0; k < dims.size(); k++) {
                Object v = dims.get(k);
                if (v != null && !(v instanceof Integer)) {
                    throw new IllegalArgumentException(call + ": in_dims must be int or a tuple of ints and Nones, got "
                            + Trees.pyType(v));
                }
                out[flat.first[i] + k] = (Integer) v;
            }
        }
        return out;
    }

    private static IllegalArgumentException structure(String call, Object inDims, Object[] args) {
        Object tupleDims = inDims instanceof List<?> l ? l.toArray() : inDims;
        return new IllegalArgumentException(call + ": in_dims is not compatible with the structure of `inputs`. in_dims "
                + "has structure " + Trees.flatten(tupleDims, new ArrayList<>()) + " but inputs has structure "
                + Trees.flatten(args, new ArrayList<>()) + ".");
    }

    /** out_dims broadcast to one entry per result. */
    private static Integer[] outLeafDims(Object outDims, Trees.Spec spec) {
        Integer[] out = new Integer[spec.leaves];
        if (outDims instanceof Integer d) {
            Arrays.fill(out, d);
            return out;
        }
        List<Object> dims = new ArrayList<>();
        Trees.Spec ds = Trees.flatten(outDims, dims);
        if (!ds.equals(spec)) {
            throw new IllegalArgumentException("vmap(f, ..., out_dims=" + Trees.dimsRepr(outDims) + ")(<inputs>): out_dims "
                    + "is not compatible with the structure of `outputs`. out_dims has structure " + ds + " but outputs has "
                    + "structure " + spec + ".");
        }
        for (int k = 0; k < out.length; k++) {
            if (!(dims.get(k) instanceof Integer)) {
                throw new IllegalArgumentException("vmap(f, ..., out_dims=" + Trees.dimsRepr(outDims) + "): out_dims must "
                        + "be an int or a tuple of int representing where in the outputs the vmapped dimension should "
                        + "appear");
            }
            out[k] = (Integer) dims.get(k);
        }
        return out;
    }

    // ------------------------------------------------------------------ several outputs as one

    /** The outputs of one call: their structure, and how their concatenation splits back. */
    private static final class Outputs {
        Trees.Spec spec;
        int[][] shapes;
        DType[] dtypes;

        /** The one tensor the cores differentiate: the only output, or the outputs flattened and concatenated. */
        Tensor combine(Out o, List<Tensor> sink) {
            spec = o.spec();
            Tensor[] t = o.leaves();
            shapes = new int[t.length][];
            dtypes = new DType[t.length];
            for (int i = 0; i < t.length; i++) {
                shapes[i] = t[i].shape();
                dtypes[i] = t[i].dtype();
            }
            if (t.length == 1) {
                return t[0];
            }
            sink.addAll(Arrays.asList(t)); // the outputs themselves come back through the aux channel, unwrapped
            List<Tensor> flat = new ArrayList<>();
            for (Tensor x : t) {
                flat.add(x.reshape(-1));
            }
            return Tensor.cat(flat, 0);
        }

        int count() {
            return shapes.length;
        }

        /**
         * The tensor a core differentiates for {@code f}'s result {@code r} ({@code (output, aux)} under has_aux,
         * refused in {@code api}'s words otherwise): {@link #combine} of the output (checked to hold only tensors,
         * in {@code call}'s words), its outputs (when several) added to {@code outputSink}, then aux's tensors to
         * {@code auxSink}.
         */
        Tensor value(Object r, boolean hasAux, String api, String call, Aux aux, List<Tensor> outputSink,
                     List<Tensor> auxSink) {
            Object out = r;
            Object auxTree = null;
            if (hasAux) {
                Object[] oa = outputAndAux(r, api);
                out = oa[0];
                auxTree = oa[1];
            }
            Tensor y = combine(Out.of(out, call + ": Expected f(*primals) to return only tensors, got unsupported type "),
                    outputSink);
            if (hasAux) {
                aux.capture(auxTree, auxSink);
            }
            return y;
        }

        /** The output tree: the core's one output, or the several {@link #combine} put first into {@code sink}. */
        Object output(Tensor single, List<Tensor> sink) {
            return Trees.unflatten(spec, (count() == 1 ? List.of(single) : sink.subList(0, count())).iterator());
        }

        /** Splits a tensor whose dimension 0 runs over the concatenated outputs into one piece per output. */
        List<Tensor> split(Tensor whole, int[] trailing) {
            List<Tensor> out = new ArrayList<>();
            int offset = 0;
            for (int i = 0; i < shapes.length; i++) {
                int n = Math.toIntExact(dev.ember.backend.Layout.numel(shapes[i]));
                Tensor piece = shapes.length == 1 ? whole : whole.narrow(0, offset, n).reshape(concat(shapes[i], trailing));
                out.add(piece.dtype() == dtypes[i] ? piece : piece.to(dtypes[i]));
                offset += n;
            }
            return out;
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ------------------------------------------------------------------ vjp

    /**
     * What {@link #vjp(TreeFn, boolean, Object...)} returns: torch.func's {@code (output, vjp_fn)}, or
     * {@code (output, vjp_fn, aux)} under has_aux.
     *
     * @param output f's output tree
     * @param vjpFn a cotangent tree of the output's structure to a {@link List} with one gradient tree per primal
     * @param aux f's aux tree (null without has_aux)
     */
    public record VjpResult(Object output, Function<Object, List<Object>> vjpFn, Object aux) {
    }

    /**
     * {@code torch.func.vjp(f, *primals, has_aux=hasAux)} over pytrees.
     *
     * @param f the function; under has_aux it returns {@code (output, aux)}
     * @param hasAux whether it does
     * @param primals the arguments, pytrees of floating tensors
     * @return the output, the vector-Jacobian product function, the aux
     */
    public static VjpResult vjp(TreeFn f, boolean hasAux, Object... primals) {
        Args.require(f, "vjp", "func", 0, "Callable");
        Object[] args = Args.require(primals, "vjp", "primals", 2, "tuple").clone();
        Flat flat = new Flat(args);
        int[][] per = new int[args.length][];
        for (int i = 0; i < args.length; i++) {
            per[i] = flat.tensorsOf(i);
        }
        Outputs outs = new Outputs();
        Aux aux = new Aux();
        List<Tensor> sink = new ArrayList<>();
        Func.VjpOut core = Func.vjpCore((t, s) -> outs.value(f.apply(flat.rebuild(t)), hasAux, "vjp(f, *primals)",
                "vjp(f, *primals)", aux, s, s), flat.tensorLeaves(), sink);
        int n = outs.count();
        Object output = outs.output(core.output(), sink);
        Object auxTree = hasAux ? aux.rebuild(sink.subList(n == 1 ? 0 : n, sink.size())) : null;
        Function<Object, List<Object>> vjpFn = cotangents -> {
            List<Object> cl = new ArrayList<>();
            Trees.Spec cs = Trees.flatten(cotangents, cl);
            if (!cs.equals(outs.spec)) {
                throw new IllegalArgumentException("Expected pytree structure of cotangents to be the same as pytree "
                        + "structure of outputs to the function. cotangents: " + cs.pprint() + ", primal output: "
                        + outs.spec.pprint());
            }
            List<Tensor> flatCt = new ArrayList<>();
            for (int i = 0; i < cl.size(); i++) {
                Tensor c = Args.require(cl.get(i) instanceof Tensor t ? t : null, "vjp_fn", "cotangents", 0, "Tensor");
                if (!Arrays.equals(c.shape(), outs.shapes[i])) {
                    throw new IllegalArgumentException("Mismatch in shape: grad_output[" + i + "] has a shape of "
                            + Format.size(c.shape()) + " and output[" + i + "] has a shape of " + Format.size(outs.shapes[i])
                            + ".");
                }
                flatCt.add(n == 1 ? c : c.reshape(-1));
            }
            Tensor ct = n == 1 ? flatCt.get(0) : Tensor.cat(flatCt, 0);
            List<Tensor> grads = core.vjpFn().apply(ct);
            List<Object> result = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                List<Tensor> mine = new ArrayList<>();
                for (int k : per[i]) {
                    mine.add(grads.get(k));
                }
                result.add(Trees.unflatten(flat.specs[i], mine.iterator()));
            }
            return List.copyOf(result);
        };
        return new VjpResult(output, vjpFn, auxTree);
    }

    // ------------------------------------------------------------------ jvp

    /**
     * {@code torch.func.jvp(f, primals, tangents, has_aux=hasAux)} over pytrees: {@code List.of(output, jvp_out)}, or
     * {@code List.of(output, jvp_out, aux)} under has_aux; {@code jvp_out} has the output's structure.
     *
     * @param f the function; under has_aux it returns {@code (output, aux)}
     * @param primals the arguments (a tuple of pytrees of floating tensors)
     * @param tangents one tangent tree per primal, of the primal's structure and shapes
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @return the output, the Jacobian-vector product, and under has_aux the aux
     */
    public static List<Object> jvp(TreeFn f, Object[] primals, Object[] tangents, boolean hasAux) {
        Args.require(f, "jvp", "func", 0, "Callable");
        Args.require(primals, "jvp", "primals", 1, "tuple");
        Args.require(tangents, "jvp", "tangents", 2, "tuple");
        Flat flat = new Flat(primals);
        List<Object> tl = new ArrayList<>();
        Trees.Spec ps = Trees.flatten(primals, new ArrayList<>());
        Trees.Spec ts = Trees.flatten(tangents, tl);
        if (!ps.equals(ts)) {
            throw new IllegalArgumentException("jvp(f, primals, tangents): Expected primals and tangents to have the same "
                    + "python structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got "
                    + "primals with structure " + ps + " and tangents with structure " + ts);
        }
        Tensor[] p = new Tensor[flat.leaves.length];
        Tensor[] t = new Tensor[tl.size()];
        for (int i = 0; i < p.length; i++) {
            if (!(flat.leaves[i] instanceof Tensor x)) {
                throw new IllegalArgumentException("jvp(f, primals, tangents): Expected primals to only contain Tensors, "
                        + "got " + Trees.pyType(flat.leaves[i]));
            }
            if (!(tl.get(i) instanceof Tensor y)) {
                throw new IllegalArgumentException("jvp(f, primals, tangents): Expected tangents to only contain Tensors, "
                        + "got " + Trees.pyType(tl.get(i)));
            }
            p[i] = x;
            t[i] = y;
        }
        Func.checkNonEmpty(p);
        for (Tensor x : p) {
            Func.checkPrimal(x, "jvp");
        }
        Outputs outs = new Outputs();
        Aux aux = new Aux();
        List<Tensor> sink = new ArrayList<>();
        Func.LinearizeOut lin = Func.linearized((a, s) -> outs.value(f.apply(flat.rebuild(a)), hasAux,
                "jvp(f, primals, tangents)", "jvp(f, primals, tangents)", aux, s, s), p, sink);
        int n = outs.count();
        Object output = outs.output(lin.output(), sink);
        Tensor product = lin.jvpFn().apply(t);
        Object jvpOut = Trees.unflatten(outs.spec, outs.split(product, new int[0]).iterator());
        if (hasAux) {
            Object auxTree = aux.rebuild(sink.subList(n == 1 ? 0 : n, sink.size()));
            return java.util.Collections.unmodifiableList(Arrays.asList(output, jvpOut, auxTree));
        }
        return List.of(output, jvpOut);
    }

    // ------------------------------------------------------------------ Jacobians

    /**
     * {@code jacrev(f, argnums=argnum, has_aux=hasAux)} over pytrees: for each output leaf, a tree of the argument's
     * structure holding the Jacobian of that output with respect to each of the argument's tensors (shape
     * {@code output.shape + input.shape}), the whole in the output's structure; under has_aux {@code List.of(jac, aux)}.
     *
     * @param f the function
     * @param argnum which positional argument (negative counts from the end)
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @return the transformed function
     */
    public static TreeFn jacrev(TreeFn f, int argnum, boolean hasAux) {
        Args.require(f, "jacrev", "func", 0, "Callable");
        return args -> jacobianImpl(f, argnum, hasAux, argsOf(args), null);
    }

    /**
     * {@code jacrev(f, argnums=argnum, has_aux=hasAux, chunk_size=chunkSize)} (2.x): {@link #jacrev(TreeFn, int,
     * boolean)} with the rows of the Jacobian computed {@code chunkSize} at a time (null: all at once), the same values.
     *
     * @param f the function
     * @param argnum which positional argument (negative counts from the end)
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @param chunkSize null for all rows at once, else a positive number of rows
     * @return the transformed function
     * @throws IllegalArgumentException for a chunk size below 1 (PyTorch's ValueError, when the transform is made)
     */
    public static TreeFn jacrev(TreeFn f, int argnum, boolean hasAux, Integer chunkSize) {
        Func.checkJacrevChunkSize(chunkSize);
        Args.require(f, "jacrev", "func", 0, "Callable");
        return args -> jacobianImpl(f, argnum, hasAux, argsOf(args), chunkSize);
    }

    /**
     * {@code jacfwd(f, argnums=argnum, has_aux=hasAux)}: the same values as {@link #jacrev(TreeFn, int, boolean)},
     * computed the same way (Ember has no forward-mode autograd).
     *
     * @param f the function
     * @param argnum which positional argument (negative counts from the end)
     * @param hasAux whether {@code f} returns {@code (output, aux)}
     * @return the transformed function
     */
    public static TreeFn jacfwd(TreeFn f, int argnum, boolean hasAux) {
        Args.require(f, "jacfwd", "func", 0, "Callable");
        return args -> jacobianImpl(f, argnum, hasAux, argsOf(args), null);
    }

    /**
     * {@code hessian(f, argnums=argnum)}: {@code jacfwd(jacrev(f, argnum), argnum)} over pytrees.
     *
     * @param f the function
     * @param argnum which positional argument (negative counts from the end)
     * @return the transformed function
     */
    public static TreeFn hessian(TreeFn f, int argnum) {
        Args.require(f, "hessian", "func", 0, "Callable");
        return jacfwd(jacrev(f, argnum, false), argnum, false);
    }

    private static Object jacobianImpl(TreeFn f, int argnum, boolean hasAux, Object[] args, Integer chunkSize) {
        int num = Func.argnums(new int[] {argnum}, args.length)[0];
        Flat flat = new Flat(args);
        int[] wrt = flat.tensorsOf(num);
        Outputs outs = new Outputs();
        Aux aux = new Aux();
        // jacrev does not return the outputs: they go to a list nobody reads, only the aux to the core's
        Func.AuxFn core = (t, s) -> outs.value(f.apply(flat.rebuild(t)), hasAux, "jacrev(f, ...)(*args)",
                "vjp(f, *primals)", aux, new ArrayList<>(), s);
        Tensor[] leaves = flat.tensorLeaves();
        Tensor[] out = Func.jacobianCore(core, wrt, leaves, chunkSize);
        // out[j]: the Jacobian of the (concatenated) output with respect to tensor wrt[j]
        List<List<Tensor>> byOutput = new ArrayList<>();
        for (int i = 0; i < outs.count(); i++) {
            byOutput.add(new ArrayList<>());
        }
        for (int j = 0; j < wrt.length; j++) {
            int[] inShape = leaves[wrt[j]].shape();
            Tensor jac = out[j];
            Tensor rows = outs.count() == 1 ? jac : jac.reshape(concat(new int[] {-1}, inShape));
            List<Tensor> pieces = outs.split(rows, inShape);
            for (int i = 0; i < pieces.size(); i++) {
                byOutput.get(i).add(pieces.get(i));
            }
        }
        List<Object> perOutput = new ArrayList<>();
        for (List<Tensor> l : byOutput) {
            perOutput.add(Trees.unflatten(flat.specs[num], l.iterator()));
        }
        Object jacTree = Trees.unflatten(outs.spec, perOutput.iterator());
        if (hasAux) {
            return pair(jacTree, aux.rebuild(Arrays.asList(out).subList(wrt.length, out.length)));
        }
        return jacTree;
    }
}
