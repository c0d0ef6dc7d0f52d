package dev.ember;

/**
 * The fused activations that PyTorch exposes only through {@code torch.nn.functional}, its {@code torch._C._nn} namespace
 * ({@code gelu}, {@code leaky_relu}, {@code elu}, {@code silu}, {@code mish}, {@code softplus}, {@code hardtanh},
 * {@code hardswish}), each one autograd node with PyTorch's backward and name. They have no {@code torch.*} function and
 * no Tensor method, so they are not on {@link Tensor}; this small class is their public entry point because
 * {@link dev.ember.nn.Functional} (another package) can only call public API, while the ops themselves stay in the
 * package. Users call them through {@code Functional} and the activation modules; arguments are checked there too.
 */
public final class NNFunctions {
    private NNFunctions() {
    }

    /**
     * {@code x / divisor} as ATen's C++ compositions divide by a number (PyTorch's {@code div.Scalar}, node
     * DivBackward1), for the losses PyTorch composes that way (cross entropy with class probabilities, reduction mean).
     */
    public static Tensor divScalar(Tensor x, double divisor) {
        Args.require(x, "div", "self", 1, "Tensor");
        return ArithmeticOps.divScalar(x, divisor);
    }

    /**
     * PyTorch's {@code _Reduction.get_enum}: "none" 0, "mean" 1 (also the deprecated "elementwise_mean", with PyTorch's
     * warning once), "sum" 2; anything else its error. The losses of {@link dev.ember.nn.Functional} and of this package
     * read the same names through it.
     */
    public static int reduction(String reduction) {
        return LossOps.reduction(reduction);
    }

    /**
     * {@code torch.embedding_bag}'s refusals of its arguments ({@link Tensor#embeddingBag(Tensor, Tensor, Tensor, boolean,
     * int, Tensor, boolean, long, boolean)}'s: the offsets, the per-sample weights, an index out of range) without
     * computing anything, for {@code F.embedding_bag} with {@code max_norm}, which refuses before it renormalises the
     * weight in place.
     *
     * @param weight the 2-D table
     * @param indices the 1-D indices
     * @param offsets the 1-D offsets
     * @param mode 0 sum, 1 mean, 2 max
     * @param perSampleWeights the per-sample weights, or null
     * @param includeLastOffset whether the last offset ends the last bag
     * @param paddingIdx the padding row (non-negative), or -1 for none
     * @throws IllegalArgumentException for bad offsets or per-sample weights, IndexOutOfBoundsException for an index out
     *     of range, in PyTorch's words
     */
    public static void checkEmbeddingBag(Tensor weight, Tensor indices, Tensor offsets, int mode, Tensor perSampleWeights,
                                         boolean includeLastOffset, long paddingIdx) {
        Args.require(weight, "embedding_bag", "weight", 1, "Tensor");
        Args.require(indices, "embedding_bag", "indices", 2, "Tensor");
        Args.require(offsets, "embedding_bag", "offsets", 3, "Tensor");
        NNOps.checkEmbeddingBag(weight, indices, offsets, mode, perSampleWeights, includeLastOffset, paddingIdx);
    }

    /** PyTorch's {@code infer_size} of two shapes, or its error naming the last mismatched dimension. */
    public static int[] inferSize(int[] a, int[] b) {
        return Shapes.broadcast(a, b);
    }

    /**
     * {@code torch._C._nn.soft_margin_loss}: {@code log(1 + exp(-target * input))}, reduced; one node
     * SoftMarginLossBackward0.
     */
    public static Tensor softMarginLoss(Tensor input, Tensor target, String reduction) {
        return LossOps2.softMarginLoss(input, target, reduction);
    }

    /**
     * {@code torch._C._nn.multi_margin_loss} (p 1 or 2, weight null or one per class); one node
     * MultiMarginLossBackward0.
     */
    public static Tensor multiMarginLoss(Tensor input, Tensor target, int p, double margin, Tensor weight, String reduction) {
        return LossOps2.multiMarginLoss(input, target, p, margin, weight, reduction);
    }

    /** {@code torch._C._nn.multilabel_margin_loss} (targets padded with -1); one node MultilabelMarginLossBackward0. */
    public static Tensor multilabelMarginLoss(Tensor input, Tensor target, String reduction) {
        return LossOps2.multilabelMarginLoss(input, target, reduction);
    }

    /** {@code torch._C._nn.gelu(x, approximate)}: "none" (erf) or "tanh"; one node, GeluBackward0. */
    public static Tensor gelu(Tensor x, String approximate) {
        Args.require(x, "gelu", "input", 1, "Tensor");
        Args.require(approximate, "gelu", "approximate", 2, "str");
        return ActivationOps.gelu(x, approximate);
    }

    /** {@code torch._C._nn.leaky_relu(x, negative_slope)}: one node, LeakyReluBackward0. */
    public static Tensor leakyRelu(Tensor x, double negativeSlope) {
        Args.require(x, "leaky_relu", "input", 1, "Tensor");
        return ActivationOps.leakyRelu(x, negativeSlope);
    }

    /**
     * {@code torch._C._nn.elu(x, alpha, scale, input_scale)}: {@code x > 0 ? scale x : scale alpha (exp(input_scale x)
     * - 1)}; one node, EluBackward0 (SELU is this with PyTorch's constants).
     */
    public static Tensor elu(Tensor x, double alpha, double scale, double inputScale) {
        Args.require(x, "elu", "input", 1, "Tensor");
        return ActivationOps.elu(x, alpha, scale, inputScale, "EluBackward0");
    }

    /** {@code torch._C._nn.silu(x)}: {@code x sigmoid(x)}; one node, SiluBackward0. */
    public static Tensor silu(Tensor x) {
        Args.require(x, "silu", "input", 1, "Tensor");
        return ActivationOps.silu(x);
    }

    /** {@code torch._C._nn.mish(x)}: {@code x tanh(softplus(x))}; one node, MishBackward0. */
    public static Tensor mish(Tensor x) {
        Args.require(x, "mish", "input", 1, "Tensor");
        return ActivationOps.mish(x);
    }

    /** {@code torch._C._nn.softplus(x, beta, threshold)}; one node, SoftplusBackward0. */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        Args.require(x, "softplus", "input", 1, "Tensor");
        return ActivationOps.softplus(x, beta, threshold);
    }

    /** {@code torch._C._nn.hardtanh(x, min_val, max_val)}; one node, HardtanhBackward0 (relu6 is {@code (0, 6)}). */
    public static Tensor hardtanh(Tensor x, double minVal, double maxVal) {
        Args.require(x, "hardtanh", "input", 1, "Tensor");
        return ActivationOps.hardtanh(x, minVal, maxVal);
    }

    /** {@code torch._C._nn.hardswish(x)}: {@code x relu6(x + 3) / 6}; one node, HardswishBackward0. */
    public static Tensor hardswish(Tensor x) {
        Args.require(x, "hardswish", "input", 1, "Tensor");
        return ActivationOps.hardswish(x);
    }

    // ------------------------------------------------------------------ session 18: more activations

    /** {@code torch.prelu(x, weight)}: PyTorch 2.x's checks, the weight viewed over dimension 1, PreluKernelBackward0. */
    public static Tensor prelu(Tensor x, Tensor weight) {
        Args.require(x, "prelu", "input", 1, "Tensor");
        Args.require(weight, "prelu", "weight", 2, "Tensor");
        return ActivationOps2.prelu(x, weight);
    }

    /** {@code torch._C._nn.glu(x, dim)}: {@code a * sigmoid(b)} of the halves along dim; one node, GluBackward0. */
    public static Tensor glu(Tensor x, int dim) {
        Args.require(x, "glu", "input", 1, "Tensor");
        return ActivationOps2.glu(x, dim);
    }

    /** {@code torch._C._nn.hardsigmoid(x)}: {@code relu6(x + 3) / 6}; one node, HardsigmoidBackward0. */
    public static Tensor hardsigmoid(Tensor x) {
        Args.require(x, "hardsigmoid", "input", 1, "Tensor");
        return ActivationOps2.hardsigmoid(x);
    }

    /** {@code torch.hardshrink(x, lambd)}: one node, HardshrinkBackward0. */
    public static Tensor hardshrink(Tensor x, double lambd) {
        Args.require(x, "hardshrink", "input", 1, "Tensor");
        return ActivationOps2.hardshrink(x, lambd);
    }

    /** {@code torch._C._nn.softshrink(x, lambd)}: one node, SoftshrinkBackward0; lambd must not be negative. */
    public static Tensor softshrink(Tensor x, double lambd) {
        Args.require(x, "softshrink", "input", 1, "Tensor");
        return ActivationOps2.softshrink(x, lambd);
    }

    /** {@code torch.threshold(x, threshold, value)}: {@code x <= threshold ? value : x}; one node, ThresholdBackward0. */
    public static Tensor threshold(Tensor x, double threshold, double value) {
        Args.require(x, "threshold", "input", 1, "Tensor");
        return ActivationOps2.threshold(x, threshold, value);
    }

    /** {@code torch.threshold_(x, threshold, value)}: in place, ThresholdBackward1 (its backward reads the result). */
    public static Tensor threshold_(Tensor x, double threshold, double value) {
        Args.require(x, "threshold_", "input", 1, "Tensor");
        return ActivationOps2.threshold_(x, threshold, value);
    }

    /**
     * {@code torch.rrelu(x, lower, upper, training, generator)}: one node, RreluWithNoiseBackward0; in training the
     * negative elements' slopes come from {@code generator} (null: the default one).
     */
    public static Tensor rrelu(Tensor x, double lower, double upper, boolean training, Generator generator) {
        Args.require(x, "rrelu", "input", 1, "Tensor");
        return ActivationOps2.rrelu(x, lower, upper, training, generator);
    }

    /** {@code torch.rrelu_(...)}: in place, RreluWithNoiseBackward1. */
    public static Tensor rrelu_(Tensor x, double lower, double upper, boolean training, Generator generator) {
        Args.require(x, "rrelu_", "input", 1, "Tensor");
        return ActivationOps2.rrelu_(x, lower, upper, training, generator);
    }

    /** {@code torch._C._nn.leaky_relu_(x, slope)}: in place, LeakyReluBackward1 (its backward reads the result). */
    public static Tensor leakyRelu_(Tensor x, double negativeSlope) {
        Args.require(x, "leaky_relu_", "input", 1, "Tensor");
        return ActivationOps2.leakyRelu_(x, negativeSlope);
    }

    /** {@code torch._C._nn.elu_(x, alpha)}: in place, EluBackward1 (its backward reads the result). */
    public static Tensor elu_(Tensor x, double alpha) {
        Args.require(x, "elu_", "input", 1, "Tensor");
        return ActivationOps2.elu_(x, alpha, 1.0, 1.0, 1.0, "EluBackward1");
    }

    /** {@code torch.selu_(x)}: elu_ with SELU's constants, EluBackward1. */
    public static Tensor selu_(Tensor x) {
        Args.require(x, "selu_", "input", 1, "Tensor");
        return ActivationOps2.elu_(x, ActivationOps.SELU_ALPHA, ActivationOps.SELU_SCALE, 1.0, 1.0, "EluBackward1");
    }

    /** {@code torch.celu_(x, alpha)}: elu_ with input scale {@code 1 / alpha}, CeluBackward1. */
    public static Tensor celu_(Tensor x, double alpha) {
        Args.require(x, "celu_", "input", 1, "Tensor");
        if (alpha == 0) {
            throw new IllegalArgumentException("ZeroDivisionError: alpha cannot be 0 for CELU");
        }
        return ActivationOps2.elu_(x, alpha, 1.0, 1.0 / alpha, 1.0 / (float) alpha, "CeluBackward1");
    }

    /** {@code torch._C._nn.hardtanh_(x, min, max)}: in place, HardtanhBackward0 (PyTorch's node for hardtanh_). */
    public static Tensor hardtanh_(Tensor x, double minVal, double maxVal) {
        Args.require(x, "hardtanh_", "input", 1, "Tensor");
        InplaceOps.checkInplace(x, java.util.List.of(), false);
        ActivationOps.checkHardtanh(x, minVal, maxVal);
        // session 56: float32 and float64 written into self from a copy of the old values (HardtanhBackward0 saves
        // the original self), no result tensor (InplaceOps.inplaceFromOld)
        boolean direct = x.dtype == DType.FLOAT32 || x.dtype == DType.FLOAT64;
        return InplaceOps.inplaceFromOld(x, java.util.List.of(), t -> ActivationOps.hardtanh(t, minVal, maxVal),
                direct ? (old, out) -> ActivationOps.hardtanhInto(old, minVal, maxVal, out) : null, false);
    }

    /** {@code torch._C._nn.hardsigmoid_(x)}: in place, the node stays HardsigmoidBackward0 (on the original input). */
    public static Tensor hardsigmoid_(Tensor x) {
        Args.require(x, "hardsigmoid_", "input", 1, "Tensor");
        return InplaceOps.inplace(x, java.util.List.of(), ActivationOps2::hardsigmoid);
    }

    /** {@code torch._C._nn.hardswish_(x)}: in place, the node stays HardswishBackward0 (on the original input). */
    public static Tensor hardswish_(Tensor x) {
        Args.require(x, "hardswish_", "input", 1, "Tensor");
        return InplaceOps.inplace(x, java.util.List.of(), ActivationOps::hardswish);
    }

    /** {@code torch._C._nn.silu_(x)}: in place, the node stays SiluBackward0 (on the original input). */
    public static Tensor silu_(Tensor x) {
        Args.require(x, "silu_", "input", 1, "Tensor");
        return InplaceOps.inplace(x, java.util.List.of(), ActivationOps::silu);
    }

    /** {@code torch._C._nn.mish_(x)}: in place, the node stays MishBackward0 (on the original input). */
    public static Tensor mish_(Tensor x) {
        Args.require(x, "mish_", "input", 1, "Tensor");
        return InplaceOps.inplace(x, java.util.List.of(), ActivationOps::mish);
    }
}
