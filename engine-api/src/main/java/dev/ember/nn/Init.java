package dev.ember.nn;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Refusals;
import dev.ember.Tensor;

/** Parameter initialization drawn from the same distributions as PyTorch's defaults. */
public final class Init {
    private Init() {
    }

    /**
     * Fills with U(-bound, bound) from the default generator, in place; returns the tensor: the layers' default
     * initializations. A tensor without elements is returned as it is. (Not public: PyTorch's {@code
     * nn.init.uniform_(t, a)} means U(a, 1), see {@link #uniform_(Tensor, double, double)}.)
     *
     * @throws IllegalArgumentException for a tensor that is not floating point, or a bound that is negative, nan or
     *     too large for the tensor's type, with PyTorch's messages for {@code uniform_}
     */
    static Tensor uniformSymmetric_(Tensor t, double bound) {
        Checks.notNull(t, "tensor");
        if (!t.dtype().isFloatingPoint()) {
            throw Refusals.notImplemented("check_uniform_bounds", t.dtype());
        }
        double from = -bound;
        double to = bound;
        double max = t.dtype() == dev.ember.DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        String type = t.dtype() == dev.ember.DType.FLOAT32 ? "float" : "double";
        if (Double.isNaN(bound) || from > to) {
            throw new IllegalArgumentException("uniform_ expects to return a [from, to) range, but found from=" + Format.cpp(from)
                    + " > to=" + Format.cpp(to));
        }
        if (from < -max) {
            throw new IllegalArgumentException("from is out of bounds for " + type);
        }
        if (to - from > max) {
            throw new IllegalArgumentException("uniform_ expects to-from <= std::numeric_limits<" + type + ">::max(), but found to="
                    + Format.cpp(to) + " and from=" + Format.cpp(from) + " which result in to-from to exceed the limit");
        }
        if (t.numel() == 0 || t.isMeta()) {
            return t; // a meta tensor has nothing to fill, and PyTorch's meta uniform_ draws nothing
        }
        try (GradMode off = Ember.noGrad()) {
            t.uniform_(from, to, Ember.defaultGenerator()); // PyTorch's tensor.uniform_(-bound, bound)
        }
        return t;
    }

    /**
     * PyTorch's default for Linear and Conv2d weights, {@code kaiming_uniform_(a=sqrt(5))}: U(-b, b) with
     * {@code b = 1/sqrt(fan_in)}, computed in PyTorch's steps ({@code sqrt(3) * sqrt(2 / (1 + sqrt(5)**2)) / sqrt(fan)},
     * whose last bit the draws of PyTorch's CPU generator see). A weight without elements is left as it is (PyTorch warns
     * that this is a no-op).
     */
    public static Tensor defaultWeight_(Tensor weight) {
        Checks.notNull(weight, "weight");
        long fan = fanInLong(weight);
        if (weight.numel() == 0) {
            return weight;
        }
        double slope = Math.sqrt(5);
        double gain = Math.sqrt(2.0 / (1 + slope * slope));
        return uniformSymmetric_(weight, Math.sqrt(3.0) * (gain / Math.sqrt(fan)));
    }

    /** PyTorch's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the weight's fan-in (zero bound for no fan-in). */
    public static Tensor defaultBias_(Tensor bias, Tensor weight) {
        Checks.notNull(bias, "bias");
        Checks.notNull(weight, "weight");
        long fanIn = fanInLong(weight);
        return uniformSymmetric_(bias, fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0);
    }

    /**
     * Inputs per output: dimension 1 times the receptive field.
     *
     * @throws IllegalArgumentException for a tensor of fewer than two dimensions, as PyTorch, or a fan-in beyond int
     */
    public static int fanIn(Tensor weight) {
        Checks.notNull(weight, "weight");
        long fan = fanInLong(weight);
        if (fan > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("fan_in " + fan + " of a weight of shape " + java.util.Arrays.toString(weight.shape())
                    + " is beyond the int range");
        }
        return (int) fan;
    }

    private static long fanInLong(Tensor weight) {
        int[] s = weight.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
        }
        long fan = s[1];
        for (int i = 2; i < s.length; i++) {
            fan *= s[i]; // at most 2^31 sizes of at most 2^31 each: beyond a long only for shapes no storage holds
        }
        return fan;
    }

    // ------------------------------------------------------------------ torch.nn.init (issue 15)

    private static final System.Logger LOG = System.getLogger("dev.ember");

    /** Fills with U(a, b) in place from {@code generator} ({@code nn.init.uniform_(t, a, b)}), without history; returns t. */
    public static Tensor uniform_(Tensor t, double a, double b, Generator generator) {
        Checks.notNull(t, "tensor");
        Checks.notNull(generator, "generator");
        try (GradMode off = Ember.noGrad()) {
            return t.uniform_(a, b, generator);
        }
    }

    /** Fills with N(mean, std²) in place from {@code generator} ({@code nn.init.normal_}), without history; returns t. */
    public static Tensor normal_(Tensor t, double mean, double std, Generator generator) {
        Checks.notNull(t, "tensor");
        Checks.notNull(generator, "generator");
        try (GradMode off = Ember.noGrad()) {
            return t.normal_(mean, std, generator);
        }
    }

    /**
     * {@code nn.init.uniform_(t, a, b)}: U(a, b) from the default generator, in place, without history; returns t.
     *
     * @throws IllegalArgumentException with PyTorch's messages for {@code a > b}, bounds out of the tensor type's range,
     *     or a tensor that is not floating point
     */
    public static Tensor uniform_(Tensor t, double a, double b) {
        return uniform_(t, a, b, Ember.defaultGenerator());
    }

    /** {@code nn.init.uniform_(t)}: U(0, 1) from the default generator, in place; returns t. */
    public static Tensor uniform_(Tensor t) {
        return uniform_(t, 0.0, 1.0, Ember.defaultGenerator());
    }

    /** {@link #normal_(Tensor, double, double, Generator)} from the default generator. */
    public static Tensor normal_(Tensor t, double mean, double std) {
        return normal_(t, mean, std, Ember.defaultGenerator());
    }

    /** {@code nn.init.normal_(t)}: N(0, 1) from the default generator, in place; returns t. */
    public static Tensor normal_(Tensor t) {
        return normal_(t, 0.0, 1.0, Ember.defaultGenerator());
    }

    /** Fills with {@code value} in place, without history ({@code nn.init.constant_}); returns t. */
    public static Tensor constant_(Tensor t, double value) {
        Checks.notNull(t, "tensor");
        try (GradMode off = Ember.noGrad()) {
            return t.fill_(value);
        }
    }

    /** Fills with zeros ({@code nn.init.zeros_}); returns t. */
    public static Tensor zeros_(Tensor t) {
        return constant_(t, 0.0);
    }

    /** Fills with ones ({@code nn.init.ones_}); returns t. */
    public static Tensor ones_(Tensor t) {
        return constant_(t, 1.0);
    }

    /**
     * PyTorch's recommended gain for a nonlinearity ({@code nn.init.calculate_gain}): 1 for linear, the convolutions and
     * sigmoid, 5/3 for tanh, sqrt(2) for relu, {@code sqrt(2 / (1 + slope^2))} for leaky_relu ({@code param} the negative
     * slope, null for 0.01), 3/4 for selu.
     *
     * @throws IllegalArgumentException for another nonlinearity (PyTorch's ValueError)
     */
    public static double calculateGain(String nonlinearity, Double param) {
        Checks.notNull(nonlinearity, "nonlinearity");
        switch (nonlinearity) {
            case "linear": case "conv1d": case "conv2d": case "conv3d": case "conv_transpose1d": case "conv_transpose2d":
            case "conv_transpose3d": case "sigmoid":
                return 1;
            case "tanh":
                return 5.0 / 3;
            case "relu":
                return Math.sqrt(2.0);
            case "leaky_relu": {
                double slope = param == null ? 0.01 : param;
                return Math.sqrt(2.0 / (1 + slope * slope));
            }
            case "selu":
                return 3.0 / 4;
            default:
                throw new IllegalArgumentException("Unsupported nonlinearity " + nonlinearity);
        }
    }

    /** {@link #calculateGain(String, Double)} without a parameter. */
    public static double calculateGain(String nonlinearity) {
        return calculateGain(nonlinearity, null);
    }

    /** PyTorch's _calculate_fan_in_and_fan_out: dimension 1 (0) times the receptive field. */
    private static double[] fans(Tensor t) {
        int[] s = t.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
        }
        double receptive = 1;
        for (int i = 2; i < s.length; i++) {
            receptive *= s[i];
        }
        return new double[] {s[1] * receptive, s[0] * receptive};
    }

    /** PyTorch's _calculate_correct_fan. */
    private static double fan(Tensor t, String mode) {
        Checks.notNull(mode, "mode");
        String m = mode.toLowerCase(java.util.Locale.ROOT);
        if (!m.equals("fan_in") && !m.equals("fan_out")) {
            throw new IllegalArgumentException("Mode " + m + " not supported, please use one of ['fan_in', 'fan_out']");
        }
        double[] f = fans(t);
        return m.equals("fan_in") ? f[0] : f[1];
    }

    /**
     * Xavier/Glorot uniform ({@code nn.init.xavier_uniform_}): U(-a, a) with {@code a = gain sqrt(6 / (fan_in +
     * fan_out))}, in place; returns t.
     */
    public static Tensor xavierUniform_(Tensor t, double gain, Generator generator) {
        Checks.notNull(t, "tensor");
        double[] f = fans(t);
        double a = Math.sqrt(3.0) * (gain * Math.sqrt(2.0 / (f[0] + f[1]))); // PyTorch's std first, then sqrt(3) * std
        return uniform_(t, -a, a, generator);
    }

    /** {@link #xavierUniform_(Tensor, double, Generator)} with gain 1 from the default generator. */
    public static Tensor xavierUniform_(Tensor t) {
        return xavierUniform_(t, 1.0, Ember.defaultGenerator());
    }

    /** {@code nn.init.xavier_uniform_(t, gain)} from the default generator. */
    public static Tensor xavierUniform_(Tensor t, double gain) {
        return xavierUniform_(t, gain, Ember.defaultGenerator());
    }

    /** Xavier/Glorot normal ({@code nn.init.xavier_normal_}): N(0, std²), {@code std = gain sqrt(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal_(Tensor t, double gain, Generator generator) {
        Checks.notNull(t, "tensor");
        double[] f = fans(t);
        return normal_(t, 0.0, gain * Math.sqrt(2.0 / (f[0] + f[1])), generator);
    }

    /** {@link #xavierNormal_(Tensor, double, Generator)} with gain 1 from the default generator. */
    public static Tensor xavierNormal_(Tensor t) {
        return xavierNormal_(t, 1.0, Ember.defaultGenerator());
    }

    /** {@code nn.init.xavier_normal_(t, gain)} from the default generator. */
    public static Tensor xavierNormal_(Tensor t, double gain) {
        return xavierNormal_(t, gain, Ember.defaultGenerator());
    }

    /** Kaiming's standard deviation, {@code gain / sqrt(fan)}; null (with PyTorch's warning) for a tensor without elements. */
    private static Double kaimingStd(Tensor t, double a, String mode, String nonlinearity) {
        Checks.notNull(t, "tensor");
        if (java.util.Arrays.stream(t.shape()).anyMatch(s -> s == 0)) {
            LOG.log(System.Logger.Level.WARNING, "Initializing zero-element tensors is a no-op");
            return null;
        }
        return calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode));
    }

    /**
     * Kaiming/He uniform ({@code nn.init.kaiming_uniform_}): U(-b, b) with {@code b = sqrt(3) gain / sqrt(fan)}, the fan
     * of {@code mode} ("fan_in" or "fan_out") and the gain of {@code nonlinearity} with parameter {@code a}; returns t.
     */
    public static Tensor kaimingUniform_(Tensor t, double a, String mode, String nonlinearity, Generator generator) {
        Double std = kaimingStd(t, a, mode, nonlinearity);
        if (std == null) {
            return t;
        }
        double bound = Math.sqrt(3.0) * std;
        return uniform_(t, -bound, bound, generator);
    }

    /** PyTorch's defaults: {@code a = 0}, fan_in, leaky_relu, the default generator. */
    public static Tensor kaimingUniform_(Tensor t) {
        return kaimingUniform_(t, 0, "fan_in", "leaky_relu", Ember.defaultGenerator());
    }

    /** {@code nn.init.kaiming_uniform_(t, a, mode, nonlinearity)} from the default generator. */
    public static Tensor kaimingUniform_(Tensor t, double a, String mode, String nonlinearity) {
        return kaimingUniform_(t, a, mode, nonlinearity, Ember.defaultGenerator());
    }

    /** Kaiming/He normal ({@code nn.init.kaiming_normal_}): N(0, std²), {@code std = gain / sqrt(fan)}; returns t. */
    public static Tensor kaimingNormal_(Tensor t, double a, String mode, String nonlinearity, Generator generator) {
        Double std = kaimingStd(t, a, mode, nonlinearity);
        if (std == null) {
            return t;
        }
        return normal_(t, 0.0, std, generator);
    }

    /** PyTorch's defaults: {@code a = 0}, fan_in, leaky_relu, the default generator. */
    public static Tensor kaimingNormal_(Tensor t) {
        return kaimingNormal_(t, 0, "fan_in", "leaky_relu", Ember.defaultGenerator());
    }

    /**
     * {@code nn.init.kaiming_normal_(t, a, mode, nonlinearity)} from the default generator (a ResNet's {@code
     * kaiming_normal_(w, mode="fan_out", nonlinearity="relu")} is {@code kaimingNormal_(w, 0, "fan_out", "relu")}).
     */
    public static Tensor kaimingNormal_(Tensor t, double a, String mode, String nonlinearity) {
        return kaimingNormal_(t, a, mode, nonlinearity, Ember.defaultGenerator());
    }

    /** The standard normal CDF, {@code (1 + erf(x / sqrt 2)) / 2}, with Ember's erf in double. */
    private static double normCdf(double x) {
        return (1.0 + Tensor.tensor(new double[] {x / Math.sqrt(2.0)}, dev.ember.DType.FLOAT64, dev.ember.Device.CPU).erf().item()) / 2.0;
    }

    /**
     * A normal N(mean, std²) truncated to [a, b] ({@code nn.init.trunc_normal_}), by PyTorch's method: uniform on the
     * CDF's range mapped back through erfinv, then clamped; logs PyTorch's warning when the mean lies more than 2 std
     * outside [a, b]. Returns t.
     */
    public static Tensor truncNormal_(Tensor t, double mean, double std, double a, double b, Generator generator) {
        Checks.notNull(t, "tensor");
        Checks.notNull(generator, "generator");
        if (mean < a - 2 * std || mean > b + 2 * std) {
            LOG.log(System.Logger.Level.WARNING, "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                    + "distribution of values may be incorrect.");
        }
        double l = normCdf((a - mean) / std);
        double u = normCdf((b - mean) / std);
        try (GradMode off = Ember.noGrad()) {
            t.uniform_(2 * l - 1, 2 * u - 1, generator);
            t.copy_(t.erfinv().mul(std * Math.sqrt(2.0)).add(mean).clamp(a, b));
        }
        return t;
    }

    /** PyTorch's defaults: N(0, 1) truncated to [-2, 2], the default generator. */
    public static Tensor truncNormal_(Tensor t) {
        return truncNormal_(t, 0.0, 1.0, -2.0, 2.0, Ember.defaultGenerator());
    }

    /** {@code nn.init.trunc_normal_(t, mean, std, a, b)} from the default generator. */
    public static Tensor truncNormal_(Tensor t, double mean, double std, double a, double b) {
        return truncNormal_(t, mean, std, a, b, Ember.defaultGenerator());
    }

    /**
     * {@code nn.init.trunc_normal_(t, std=std)}, as ViTs initialize their embeddings ({@code trunc_normal_(pos,
     * std=.02)}): N(0, std²) truncated to PyTorch's default [-2, 2] (absolute bounds, not in units of std), from the
     * default generator. The one number is the keyword {@code std} users pass, not PyTorch's positional {@code mean}
     * ({@code trunc_normal_(t, 0.5)} is {@code truncNormal_(t, 0.5, 1.0)}).
     */
    public static Tensor truncNormal_(Tensor t, double std) {
        return truncNormal_(t, 0.0, std, -2.0, 2.0, Ember.defaultGenerator());
    }

    /**
     * {@code nn.init.trunc_normal_(t, mean, std)}: truncated to PyTorch's default [-2, 2] (absolute bounds, not in units
     * of std, as PyTorch's), from the default generator.
     */
    public static Tensor truncNormal_(Tensor t, double mean, double std) {
        return truncNormal_(t, mean, std, -2.0, 2.0, Ember.defaultGenerator());
    }

    /**
     * A (semi-)orthogonal matrix ({@code nn.init.orthogonal_}): the Q of the QR decomposition of a normal matrix of
     * {@code [rows, numel / rows]}, with the signs of R's diagonal, times {@code gain}; in place, returns t.
     *
     * @throws IllegalArgumentException for a tensor of fewer than 2 dimensions (PyTorch's ValueError)
     */
    public static Tensor orthogonal_(Tensor t, double gain, Generator generator) {
        Checks.notNull(t, "tensor");
        Checks.notNull(generator, "generator");
        if (t.dim() < 2) {
            throw new IllegalArgumentException("Only tensors with 2 or more dimensions are supported");
        }
        if (t.numel() == 0) {
            return t;
        }
        int rows = t.size(0);
        int cols = (int) (t.numel() / rows);
        try (GradMode off = Ember.noGrad()) {
            Tensor flat = Tensor.empty(t.dtype(), rows, cols).to(t.device()).normal_(0, 1, generator);
            if (rows < cols) {
                flat = flat.t();
            }
            dev.ember.QrResult qr = flat.linalgQr();
            Tensor q = qr.Q().mul(qr.R().diag(0).sign());
            if (rows < cols) {
                q = q.t();
            }
            t.copy_(q.reshape(t.shape()).mul(gain));
        }
        return t;
    }

    /**
     * {@link #orthogonal_(Tensor, double, Generator)} from the default generator, as {@code nn.init.orthogonal_(w, gain)}
     * (cleanrl's {@code layer_init(layer, std=np.sqrt(2))}).
     */
    public static Tensor orthogonal_(Tensor t, double gain) {
        return orthogonal_(t, gain, Ember.defaultGenerator());
    }

    /** {@link #orthogonal_(Tensor, double, Generator)} with gain 1 from the default generator. */
    public static Tensor orthogonal_(Tensor t) {
        return orthogonal_(t, 1.0, Ember.defaultGenerator());
    }

    /**
     * Fills a 2-D tensor with the identity matrix ({@code nn.init.eye_}): ones on the main diagonal of a possibly
     * rectangular matrix, zeros elsewhere; returns t.
     *
     * @throws IllegalArgumentException for a tensor that is not 2-D (PyTorch's ValueError)
     */
    public static Tensor eye_(Tensor t) {
        Checks.notNull(t, "tensor");
        if (t.dim() != 2) {
            throw new IllegalArgumentException("Only tensors with 2 dimensions are supported");
        }
        try (GradMode off = Ember.noGrad()) {
            t.copy_(Tensor.eye(t.size(0), t.size(1), t.dtype()));
        }
        return t;
    }

    /** {@link #dirac_(Tensor, int)} with one group. */
    public static Tensor dirac_(Tensor t) {
        return dirac_(t, 1);
    }

    /**
     * Fills a 3-, 4- or 5-D convolution weight with the Dirac delta ({@code nn.init.dirac_}): zeros but a one at the
     * kernel's centre ({@code size // 2} in each spatial dimension) of input channel d for output channel d of each of
     * the {@code groups} groups, so the convolution passes as many input channels through unchanged as it can; returns
     * t.
     *
     * @throws IllegalArgumentException for another number of dimensions, or an output channel count not divisible by
     *     {@code groups} (PyTorch's ValueErrors)
     */
    public static Tensor dirac_(Tensor t, int groups) {
        Checks.notNull(t, "tensor");
        int dims = t.dim();
        if (dims < 3 || dims > 5) {
            throw new IllegalArgumentException("Only tensors with 3, 4, or 5 dimensions are supported");
        }
        if (groups == 0 || t.size(0) % groups != 0) {
            throw new IllegalArgumentException("dim 0 must be divisible by groups");
        }
        int perGroup = t.size(0) / groups;
        int minDim = Math.min(perGroup, t.size(1));
        try (GradMode off = Ember.noGrad()) {
            t.zero_();
            for (int g = 0; g < groups; g++) {
                for (int d = 0; d < minDim; d++) {
                    Tensor at = t.select(0, g * perGroup + d).select(0, d);
                    for (int k = 2; k < dims; k++) {
                        at = at.select(0, t.size(k) / 2);
                    }
                    at.fill_(1.0);
                }
            }
        }
        return t;
    }

    /**
     * Fills a 2-D tensor as a sparse matrix ({@code nn.init.sparse_}, Martens 2010): normal values of mean 0 and
     * standard deviation {@code std}, then in each column {@code ceil(sparsity * rows)} rows chosen at random set to
     * zero; the values come from {@code generator}, the rows of each column from the default generator (PyTorch 2.x's
     * {@code torch.randperm(rows)}, which takes no generator); returns t.
     *
     * @throws IllegalArgumentException for a tensor that is not 2-D (PyTorch's ValueError)
     */
    public static Tensor sparse_(Tensor t, double sparsity, double std, Generator generator) {
        Checks.notNull(t, "tensor");
        Checks.notNull(generator, "generator");
        if (t.dim() != 2) {
            throw new IllegalArgumentException("Only tensors with 2 dimensions are supported");
        }
        int rows = t.size(0);
        int cols = t.size(1);
        int zeros = (int) Math.ceil(sparsity * rows);
        try (GradMode off = Ember.noGrad()) {
            t.normal_(0, std, generator);
            for (int c = 0; c < cols; c++) {
                // 2.x: torch.randperm(rows) from the default generator, whichever generator drew the values
                Tensor rowsToZero = Tensor.randperm(rows).narrow(0, 0, Math.min(zeros, rows)).to(t.device());
                t.select(1, c).indexFill_(0, rowsToZero, 0.0);
            }
        }
        return t;
    }

    /** {@link #sparse_(Tensor, double, double, Generator)} with std 0.01 from the default generator. */
    public static Tensor sparse_(Tensor t, double sparsity) {
        return sparse_(t, sparsity, 0.01, Ember.defaultGenerator());
    }
}
