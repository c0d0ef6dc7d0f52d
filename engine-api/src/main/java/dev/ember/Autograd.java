package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Functional autograd entry points, as {@code torch.autograd}: {@link #backward}, {@link #grad}, the
 * finite-difference checks {@link #gradcheck} and {@link #gradgradcheck}, and anomaly detection
 * ({@link #detectAnomaly()}).
 */
public final class Autograd {
    private Autograd() {
    }

    /**
     * Turns anomaly detection on for this thread until the returned scope closes, as
     * {@code torch.autograd.detect_anomaly()}: nodes recorded inside keep the Java stack of the forward call that made
     * them, and a backward pass run inside fails at the first node that returns a NaN gradient, naming the node and
     * giving that stack (see {@link AnomalyMode}). {@code try (AnomalyMode on = Autograd.detectAnomaly()) { ... }}
     *
     * @return the scope; closing it restores the mode it found
     */
    public static AnomalyMode detectAnomaly() {
        return new AnomalyMode(true, true);
    }

    /**
     * {@link #detectAnomaly()} with the NaN check on or off ({@code detect_anomaly(check_nan=...)}); with it off, nodes
     * still record their forward stacks, which are attached to any exception their backward throws.
     *
     * @param checkNan whether the gradients nodes return are checked for NaN
     * @return the scope; closing it restores the mode it found
     */
    public static AnomalyMode detectAnomaly(boolean checkNan) {
        return new AnomalyMode(true, checkNan);
    }

    /**
     * Sets anomaly detection on or off for this thread until the returned scope closes, as
     * {@code torch.autograd.set_detect_anomaly(mode, check_nan)} used as a context manager.
     *
     * @param mode whether anomaly detection is on inside the scope
     * @param checkNan whether the gradients nodes return are checked for NaN
     * @return the scope; closing it restores the mode it found
     */
    public static AnomalyMode setDetectAnomaly(boolean mode, boolean checkNan) {
        return new AnomalyMode(mode, checkNan);
    }

    /**
     * Whether anomaly detection is on for this thread, as {@code torch.is_anomaly_enabled()}.
     *
     * @return true inside an open {@link #detectAnomaly()} scope
     */
    public static boolean isAnomalyEnabled() {
        return AnomalyMode.isEnabled();
    }

    /**
     * Whether anomaly detection checks gradients for NaN on this thread, as {@code torch.is_anomaly_check_nan_enabled()}.
     *
     * @return true inside an open {@link #detectAnomaly()} scope with the NaN check
     */
    public static boolean isAnomalyCheckNanEnabled() {
        return AnomalyMode.isCheckNanEnabled();
    }

    /**
     * The Java stack of the forward call that created an autograd node, recorded while {@link #detectAnomaly()} is on
     * (PyTorch's "Traceback of forward call that caused the error"). It is the cause of the error a NaN gradient raises
     * and a suppressed exception of any other error the node's backward throws; its stack trace is the forward call's,
     * starting at the op that recorded the node.
     */
    public static final class ForwardTrace extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String nodeName;

        ForwardTrace(String nodeName) {
            super("Error detected in " + nodeName + ". Traceback of forward call that caused the error:");
            this.nodeName = nodeName;
            StackTraceElement[] stack = getStackTrace();
            int from = 0;
            while (from < stack.length && (stack[from].getClassName().startsWith(Node.class.getName())
                    || stack[from].getClassName().equals(ForwardTrace.class.getName()))) {
                from++; // the node's own constructors
            }
            setStackTrace(Arrays.copyOfRange(stack, from, stack.length));
        }

        /**
         * The name of the node whose forward call this is.
         *
         * @return for example {@code DivBackward0}
         */
        public String nodeName() {
            return nodeName;
        }
    }

    /**
     * Accumulates into the leaves the gradients of {@code tensors} weighted by {@code gradTensors} (null, or
     * null entries, for scalars: 1). {@code retainGraph} keeps saved tensors for another pass;
     * {@code createGraph} records the backward pass itself, for higher-order derivatives.
     */
    public static void backward(List<Tensor> tensors, List<Tensor> gradTensors, boolean retainGraph, boolean createGraph) {
        Args.tensors(tensors, "backward", "tensors", 1);
        List<Tensor> grads = makeGrads(tensors, gradTensors, createGraph);
        Engine.run(tensors, grads, retainGraph || createGraph, createGraph, null);
    }

    /**
     * The gradients of {@code outputs} with respect to {@code inputs}, without touching any {@code grad}
     * field. {@code gradOutputs} may be null for scalar outputs. With {@code allowUnused} false, an input the
     * outputs do not depend on is an error; with true its gradient is null.
     */
    public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs,
                                    boolean retainGraph, boolean createGraph, boolean allowUnused) {
        Args.tensors(outputs, "grad", "outputs", 1);
        Args.tensors(inputs, "grad", "inputs", 2);
        for (int i = 0; i < inputs.size(); i++) {
            if (!inputs.get(i).requiresGrad()) {
                throw new IllegalArgumentException("One of the differentiated Tensors does not require grad");
            }
        }
        List<Tensor> grads = makeGrads(outputs, gradOutputs, createGraph);
        // a captured tensor is one output of a node (a leaf's AccumulateGrad has one)
        Map<Node, Tensor[]> captures = new IdentityHashMap<>();
        Node[] targets = new Node[inputs.size()];
        int[] targetNrs = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            Node fn = t.gradNode();
            targets[i] = fn != null ? fn : t.gradAccumulator();
            targetNrs[i] = fn != null ? t.outputNr : 0;
            captures.putIfAbsent(targets[i], new Tensor[targets[i].numOutputs]);
        }
        Engine.run(outputs, grads, retainGraph || createGraph, createGraph, captures);
        List<Tensor> result = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor g = captures.get(targets[i])[targetNrs[i]];
            if (g == null && !allowUnused) {
                throw new IllegalArgumentException("One of the differentiated Tensors appears to not have been used in the "
                        + "graph. Set allow_unused=True if this is the desired behavior.");
            }
            if (g != null && !createGraph) {
                g = g.detach();
            }
            result.add(g);
        }
        return result;
    }

    /** {@link #grad} with {@code retainGraph = createGraph} and {@code allowUnused = false}. */
    public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs, boolean createGraph) {
        return grad(outputs, inputs, gradOutputs, createGraph, createGraph, false);
    }

    private static List<Tensor> makeGrads(List<Tensor> outputs, List<Tensor> given, boolean createGraph) {
        List<Tensor> grads = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            Tensor out = outputs.get(i);
            Tensor g = given == null ? null : given.get(i);
            if (g == null) {
                if (out.requiresGrad() && out.numel() != 1) {
                    throw new IllegalStateException("grad can be implicitly created only for scalar outputs");
                }
                g = out.onesLike();
            } else {
                if (!Arrays.equals(g.shapeRef(), out.shapeRef())) {
                    throw new IllegalArgumentException("Mismatch in shape: grad_output[" + i + "] has a shape of "
                            + Format.size(g.shapeRef()) + " and output[" + i + "] has a shape of " + Format.size(out.shapeRef()) + ".");
                }
                if (!g.device().equals(out.device())) {
                    throw new IllegalArgumentException("invalid gradient at index " + i + " - expected device " + out.device()
                            + " but got " + g.device());
                }
                if (g.dtype() != out.dtype()) {
                    g = g.to(out.dtype());
                }
                if (!createGraph) {
                    g = g.detach();
                }
            }
            grads.add(g);
        }
        return grads;
    }

    /**
     * Compares analytical gradients with central finite differences, as {@code torch.autograd.gradcheck}:
     * inputs that require grad must be float64; for every output element and input element,
     * {@code |analytical - numerical| <= atol + rtol * |numerical|}. The analytical side runs the backward once per
     * output element, with a one-hot output gradient given as a view that starts past its storage's first element,
     * contiguous and strided in turn, so a backward that ignores its gradient's layout fails too. Inputs may have any
     * strides: as PyTorch's, each element is perturbed in place through the input's own layout, which the function
     * sees unchanged; an input that requires grad and has a dimension of stride 0 (elements sharing memory) is
     * refused with PyTorch's message.
     *
     * @throws GradcheckError describing the first mismatch
     * @return true when every gradient matches
     */
    public static boolean gradcheck(Function<Tensor[], Tensor> fn, Tensor[] inputs, double eps, double atol, double rtol) {
        Args.require(fn, "gradcheck", "func", 1, "Callable");
        Args.tensors(Arrays.asList(Args.require(inputs, "gradcheck", "inputs", 2, "tuple of Tensors")), "gradcheck", "inputs", 2);
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t.requiresGrad() && t.dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("gradcheck expects float64 inputs that require grad, got " + t.dtype());
            }
            if (t.requiresGrad()) {
                // an input is perturbed element by element through its strides, so no two elements may share memory
                for (int d = 0; d < t.dim(); d++) {
                    if (t.stride(d) == 0 && t.shapeRef()[d] > 1) {
                        throw new IllegalArgumentException("The " + i + "th input has a dimension with stride 0. gradcheck "
                                + "only supports inputs that are non-overlapping to be able to compute the numerical "
                                + "gradients correctly. You should call .contiguous on the input before passing it to "
                                + "gradcheck.");
                    }
                }
            }
        }
        Tensor out = fn.apply(inputs);
        int outN = (int) out.numel();
        for (int ii = 0; ii < inputs.length; ii++) {
            Tensor x = inputs[ii];
            if (!x.requiresGrad()) {
                continue;
            }
            int inN = (int) x.numel();
            double[][] numerical = new double[inN][outN];
            // the input as laid out: each element is perturbed in place through the input's own strides, so the
            // function sees the input's layout (PyTorch's _iter_tensor indexes x.data element by element)
            Tensor data = x.data();
            int[] shape = x.shapeRef();
            int[] index = new int[shape.length];
            for (int j = 0; j < inN; j++) {
                if (j > 0) {
                    for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                        index[d] = 0;
                    }
                }
                Tensor element = data;
                for (int d = 0; d < shape.length; d++) {
                    element = element.select(0, index[d]);
                }
                double orig = element.item();
                double[] plus;
                double[] minus;
                // the function runs with gradients enabled (it may use autograd itself, as gradgradcheck's does);
                // the perturbation goes through data(), invisible to autograd
                element.fill_(orig + eps);
                plus = fn.apply(inputs).toDoubleArray();
                element.fill_(orig - eps);
                minus = fn.apply(inputs).toDoubleArray();
                element.fill_(orig);
                for (int k = 0; k < outN; k++) {
                    numerical[j][k] = (plus[k] - minus[k]) / (2 * eps);
                }
            }
            for (int k = 0; k < outN; k++) {
                Tensor o = fn.apply(inputs);
                Tensor go = oneHotView(outN, k, o);
                if (!o.requiresGrad()) {
                    throw new GradcheckError("output does not require grad, but input " + ii + " does");
                }
                List<Tensor> g = grad(List.of(o), List.of(x), List.of(go), false, false, true);
                double[] analytical = g.get(0) == null ? new double[inN] : g.get(0).toDoubleArray();
                for (int j = 0; j < inN; j++) {
                    double a = analytical[j];
                    double n = numerical[j][k];
                    if (!(Math.abs(a - n) <= atol + rtol * Math.abs(n))) {
                        throw new GradcheckError("Jacobian mismatch for output 0 with respect to input " + ii + ",\n"
                                + "numerical:" + n + "\nanalytical:" + a + "\nat input element " + j + ", output element " + k);
                    }
                }
            }
        }
        return true;
    }

    /**
     * The output gradient that is 1 at flat element {@code k} and 0 elsewhere, shaped as {@code o}, as a view that
     * starts one element into its storage: contiguous for even {@code k}, every second element of the storage for
     * odd {@code k}. A backward that reads its gradient's storage without the gradient's layout (its offset, or its
     * strides) gets a wrong Jacobian column and fails the check.
     */
    private static Tensor oneHotView(int n, int k, Tensor o) {
        double[] storage = new double[2 * n + 1];
        Tensor view;
        if (k % 2 == 0) {
            storage[1 + k] = 1;
            view = Tensor.tensor(storage, o.dtype(), o.device()).narrow(0, 1, n);
        } else {
            storage[1 + 2 * k] = 1;
            view = Tensor.tensor(storage, o.dtype(), o.device()).narrow(0, 1, 2 * n).view(n, 2).select(1, 0);
        }
        return view.view(o.shape());
    }

    /** {@link #gradcheck} with PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3. */
    public static boolean gradcheck(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return gradcheck(fn, inputs, 1e-6, 1e-5, 1e-3);
    }

    /**
     * Checks second derivatives, as {@code torch.autograd.gradgradcheck}: gradchecks the function that maps
     * the inputs to the sum of their first gradients weighted by a fixed random vector.
     */
    public static boolean gradgradcheck(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        Args.require(fn, "gradgradcheck", "func", 1, "Callable");
        Args.tensors(Arrays.asList(Args.require(inputs, "gradgradcheck", "inputs", 2, "tuple of Tensors")), "gradgradcheck",
                "inputs", 2);
        Tensor probe = fn.apply(inputs);
        Tensor weights = Tensor.rand(new Generator(1234), DType.FLOAT64, probe.shape()).to(probe.device());
        Function<Tensor[], Tensor> firstGrad = xs -> {
            Tensor o = fn.apply(xs);
            List<Tensor> diffs = new ArrayList<>();
            for (Tensor x : xs) {
                if (x.requiresGrad()) {
                    diffs.add(x);
                }
            }
            List<Tensor> gs = grad(List.of(o), diffs, List.of(weights), true, true, true);
            Tensor total = null;
            for (Tensor g : gs) {
                if (g == null) {
                    continue;
                }
                Tensor s = g.pow(2).sum();
                total = total == null ? s : total.add(s);
            }
            return total;
        };
        return gradcheck(firstGrad, inputs);
    }

    /** Thrown by {@link #gradcheck} when analytical and numerical gradients differ. */
    public static final class GradcheckError extends AssertionError {
        private static final long serialVersionUID = 1L;

        GradcheckError(String message) {
            super(message);
        }
    }
}
