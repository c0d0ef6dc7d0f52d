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
}
