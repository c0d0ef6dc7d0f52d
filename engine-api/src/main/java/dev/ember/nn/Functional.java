package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;

/**
 * Stateless neural-network functions, as {@code torch.nn.functional}. Losses take a reduction:
 * {@code "mean"} (default), {@code "sum"} or {@code "none"}. Every function checks its arguments, with PyTorch's
 * messages, before it computes or changes anything.
 */
public final class Functional {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    private Functional() {
    }

    /**
     * {@code input @ weight^T + bias} ({@code bias} may be null; a 1-D weight gives one output per row), as PyTorch 2.x's
     * {@code F.linear} computes it, nodes included: a 2-D input with a bias is one {@code addmm}
     * ({@code AddmmBackward0}); a contiguous input of other rank with a bias (3-D, or any with a 1-D bias) is flattened
     * into one {@code addmm} and viewed back ({@code ViewBackward0}); otherwise {@code matmul} with the weight's
     * transpose, then the bias added in place ({@code AddBackward0}).
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        Checks.tensor(input, "linear", "input", 1);
        Checks.tensor(weight, "linear", "weight", 2);
        Checks.sameDevice(input, weight, bias);
        if (input.dim() == 0 || weight.dim() == 0) {
            throw new IllegalArgumentException("both arguments to linear need to be at least 1D, but they are " + input.dim()
                    + "D and " + weight.dim() + "D");
        }
        if (bias != null && input.dim() == 2) {
            return bias.addmm(input, weight.t());
        }
        if (bias != null && input.isContiguous() && (input.dim() == 3 || bias.dim() == 1)) {
            // _flatten_nd_linear
            int[] s = input.shape();
            long rows = rows(input);
            if (rows > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("linear: the input's leading dimensions hold " + rows
                        + " rows; Ember's dimensions are at most " + Integer.MAX_VALUE);
            }
            Tensor y = bias.addmm(input.reshape((int) rows, s[s.length - 1]), weight.t());
            int[] out = java.util.Arrays.copyOf(s, s.length);
            out[s.length - 1] = y.size(1);
            return y.view(out);
        }
        Tensor y = input.matmul(weight.t());
        return bias == null ? y : y.add_(bias);
    }

    private static long rows(Tensor t) {
        long n = 1;
        try {
            for (int i = 0; i < t.dim() - 1; i++) {
                n = Math.multiplyExact(n, t.size(i));
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // an expanded view can hold more elements than a long counts
        }
        return n;
    }

    /** 2-D convolution with stride 1, no padding, no dilation, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return Tensor.conv2d(input, weight, bias, new int[] {1}, new int[] {0}, new int[] {1}, 1);
    }

    /** 2-D convolution. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return Tensor.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * 2-D convolution with {@code "valid"} (no padding) or {@code "same"} padding (stride 1 only; an odd total
     * padding puts the extra row and column at the bottom and right, as PyTorch).
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, String padding, int[] dilation, int groups) {
        Checks.tensor(input, "conv2d", "input", 1);
        Checks.tensor(weight, "conv2d", "weight", 2);
        if (padding == null) {
            throw new IllegalArgumentException("conv2d(): argument 'padding' (position 5) must be str, not null");
        }
        Checks.ints(dilation, "conv2d", "dilation", 6);
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                    + Arrays.toString(input.shape()));
        }
        if (padding.equals("valid")) {
            return Tensor.conv2d(input, weight, bias, new int[] {1}, new int[] {0}, dilation, groups);
        }
        if (!padding.equals("same")) {
            throw new IllegalArgumentException("Invalid padding string: '" + padding + "'");
        }
        // PyTorch's convolution_same: its checks, then the padding it computes, then the convolution's own checks
        if (weight.dim() <= 2) {
            throw new IllegalArgumentException("weight should have at least three dimensions");
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("non-positive groups is not supported");
        }
        if (weight.dim() != 4) {
            int[] batched = input.dim() == 4 ? input.shape() : prepend1(input.shape());
            throw new IllegalArgumentException("Expected " + weight.dim() + "-dimensional input for " + weight.dim()
                    + "-dimensional weight" + Arrays.toString(weight.shape()) + ", but got 4-dimensional input of size "
                    + Arrays.toString(batched) + " instead");
        }
        if (dilation.length != 1 && dilation.length != 2) {
            throw new IllegalArgumentException("dilation cannot broadcast to 2 dimensions");
        }
        int[] d = dilation.length == 1 ? new int[] {dilation[0], dilation[0]} : dilation;
        long totalH = (long) d[0] * (weight.size(2) - 1);
        long totalW = (long) d[1] * (weight.size(3) - 1);
        if (totalH < 0 || totalW < 0 || totalH > Integer.MAX_VALUE || totalW > Integer.MAX_VALUE) {
            // no padding makes this convolution valid: the convolution says why
            return Tensor.conv2d(input, weight, bias, new int[] {1}, new int[] {0}, d, groups);
        }
        Tensor x = input;
        if (totalH % 2 == 1 || totalW % 2 == 1) {
            x = padBottomRight(x, (int) (totalH % 2), (int) (totalW % 2));
        }
        return Tensor.conv2d(x, weight, bias, new int[] {1}, new int[] {(int) (totalH / 2), (int) (totalW / 2)}, d, groups);
    }

    private static int[] prepend1(int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = 1;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    private static Tensor padBottomRight(Tensor x, int h, int w) {
        Tensor out = x;
        int rank = x.dim();
        if (h > 0) {
            int[] s = out.shape();
            s[rank - 2] = h;
            out = Tensor.cat(java.util.List.of(out, Tensor.zeros(out.dtype(), s).to(out.device())), rank - 2);
        }
        if (w > 0) {
            int[] s = out.shape();
            s[rank - 1] = w;
            out = Tensor.cat(java.util.List.of(out, Tensor.zeros(out.dtype(), s).to(out.device())), rank - 1);
        }
        return out;
    }

    /** Max pooling with a square window, stride = window. */
    public static Tensor maxPool2d(Tensor input, int kernel) {
        return maxPool2d(input, new int[] {kernel}, new int[] {kernel}, new int[] {0}, new int[] {1}, false);
    }

    /** Max pooling; an empty (or null) stride means the kernel size. */
    public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return Tensor.maxPool2d(input, kernel, stride == null ? new int[0] : stride, padding, dilation, ceilMode);
    }

    /** Average pooling with a square window, stride = window. */
    public static Tensor avgPool2d(Tensor input, int kernel) {
        return Tensor.avgPool2d(input, new int[] {kernel}, new int[] {kernel}, new int[] {0}, false, true);
    }

    /** Average pooling; an empty (or null) stride means the kernel size. */
    public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad) {
        return Tensor.avgPool2d(input, kernel, stride == null ? new int[0] : stride, padding, ceilMode, countIncludePad);
    }

    /** ReLU. */
    public static Tensor relu(Tensor x) {
        Checks.tensor(x, "relu", "input", 1);
        return x.relu();
    }

    /** Sigmoid. */
    public static Tensor sigmoid(Tensor x) {
        Checks.tensor(x, "sigmoid", "input", 1);
        return x.sigmoid();
    }

    /** Tanh. */
    public static Tensor tanh(Tensor x) {
        Checks.tensor(x, "tanh", "input", 1);
        return x.tanh();
    }

    /** GELU, exact: {@code x * (1 + erf(x / sqrt 2)) / 2}, as {@code F.gelu(x)}. */
    public static Tensor gelu(Tensor x) {
        return gelu(x, "none");
    }

    /** GELU, as {@code F.gelu(x, approximate=...)}: {@code "none"} (exact, with erf) or {@code "tanh"}. */
    public static Tensor gelu(Tensor x, String approximate) {
        Checks.tensor(x, "gelu", "input", 1);
        Checks.notNull(approximate, "gelu(): argument 'approximate'");
        if ("none".equals(approximate)) {
            return x.mul(x.mul(1 / Math.sqrt(2)).erf().add(1.0)).mul(0.5);
        }
        if (!"tanh".equals(approximate)) {
            throw new IllegalArgumentException("approximate argument must be either none or tanh.");
        }
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        Tensor inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return x.mul(0.5).mul(inner.tanh().add(1.0));
    }

    /**
     * Dropout: in training, zeroes each element with probability {@code p} (from the default generator) and scales
     * the rest by {@code 1/(1-p)}; otherwise the identity. {@code p} must be in [0, 1] (nan is refused too).
     */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        Checks.tensor(x, "dropout", "input", 1);
        Checks.probability(p);
        if (!training || p == 0 || x.numel() == 0) {
            return x;
        }
        if (p == 1) {
            return x.mul(0L); // PyTorch's input * zeros: keeps the type, and nan or inf elements give nan
        }
        if (!x.dtype().isFloatingPoint()) {
            // the scaled result is floating and cannot be written back into an integer tensor
            throw new IllegalArgumentException("result type Float can't be cast to the desired output type "
                    + Format.scalarType(x.dtype()));
        }
        Tensor keep = x.randLike().ge(p);
        return Tensor.where(keep, x.mul(1 / (1 - p)), 0.0);
    }

    /**
     * Batch normalization over dimension 1 of an input of rank 2 or more, as {@code F.batch_norm}. In training it
     * normalizes with the batch's mean and biased variance and, when running statistics are given, updates them in
     * place with the unbiased variance ({@code running = (1 - momentum) running + momentum batch}); otherwise it uses
     * the running statistics. {@code weight} and {@code bias} may be null. The running statistics change only after
     * everything else has been computed, so an error leaves them as they were.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        Checks.tensor(x, "batch_norm", "input", 1);
        if (training) {
            long perChannel = x.dim() < 1 ? 1 : x.size(0);
            for (int i = 2; i < x.dim(); i++) {
                perChannel *= x.size(i);
            }
            if (perChannel == 1) {
                throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size "
                        + Format.size(x.shape()));
            }
        }
        if (x.dim() < 2) {
            // PyTorch reads the channels as size(1): a vector has none that match
            throw new IllegalArgumentException(runningMean != null
                    ? "running_mean should contain 0 elements not " + runningMean.numel()
                    : "batch_norm: expected 2D or more input (got " + x.dim() + "D input)");
        }
        int c = x.size(1);
        if (x.numel() == 0) {
            // PyTorch returns a copy, through weight and bias so the graph stays connected, and skips the statistics
            Tensor y = x.clone();
            if (weight != null && weight.numel() > 0) {
                y = y.mul(weight.reshape(-1).get(0));
            }
            if (bias != null && bias.numel() > 0) {
                y = y.add(bias.reshape(-1).get(0));
            }
            return y;
        }
        if (runningMean != null) {
            Checks.features("running_mean", c, runningMean);
        } else if (!training) {
            throw new IllegalArgumentException("running_mean must be defined in evaluation mode");
        }
        if (runningVar != null) {
            Checks.features("running_var", c, runningVar);
        } else if (!training) {
            throw new IllegalArgumentException("running_var must be defined in evaluation mode");
        }
        if (weight != null) {
            Checks.features("weight", c, weight);
        }
        if (bias != null) {
            Checks.features("bias", c, bias);
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("\"batch_norm\" not implemented for '" + Format.scalarType(x.dtype()) + "'");
        }
        int[] reduced = new int[x.dim() - 1];
        for (int i = 2; i < x.dim(); i++) {
            reduced[i - 1] = i;
        }
        int[] bshape = new int[x.dim()];
        Arrays.fill(bshape, 1);
        bshape[1] = c;
        Tensor mean;
        Tensor var;
        if (training) {
            mean = x.mean(reduced, true);
            var = x.var(reduced, 0, true);
        } else {
            mean = runningMean.reshape(bshape);
            var = runningVar.reshape(bshape);
        }
        Tensor y = x.sub(mean).div(var.add(eps).sqrt());
        if (weight != null) {
            y = y.mul(weight.reshape(bshape));
        }
        if (bias != null) {
            y = y.add(bias.reshape(bshape));
        }
        if (training && runningMean != null && runningVar != null) {
            long count = x.numel() / c;
            try (GradMode off = Ember.noGrad()) {
                // both new values first, then the writes: a failure leaves both statistics as they were
                Tensor newMean = runningMean.mul(1 - momentum).add(mean.detach().reshape(runningMean.shape()), momentum);
                Tensor newVar = runningVar.mul(1 - momentum).add(var.detach().reshape(runningVar.shape())
                        .mul((double) count / (count - 1)), momentum);
                runningMean.copy_(newMean);
                runningVar.copy_(newVar);
            }
        } else if (training && (runningMean != null || runningVar != null)) {
            Tensor stat = runningMean != null ? runningMean : runningVar;
            long count = x.numel() / c;
            try (GradMode off = Ember.noGrad()) {
                Tensor batch = runningMean != null ? mean.detach() : var.detach().mul((double) count / (count - 1));
                stat.copy_(stat.mul(1 - momentum).add(batch.reshape(stat.shape()), momentum));
            }
        }
        return y;
    }

    // ------------------------------------------------------------------ losses

    private static int checkReduction(String reduction) {
        switch (reduction == null ? "" : reduction) {
            case "none": return 0;
            case "mean": return 1;
            case "sum": return 2;
            default: throw new IllegalArgumentException(reduction + " is not a valid value for reduction");
        }
    }

    private static Tensor reduce(Tensor loss, int reduction) {
        switch (reduction) {
            case 0: return loss;
            case 2: return loss.sum();
            default: return loss.mean();
        }
    }

    /**
     * Mean squared error. Shapes that differ are broadcast against each other, as PyTorch does (with its warning that
     * this is rarely what is meant).
     */
    public static Tensor mseLoss(Tensor input, Tensor target, String reduction) {
        Checks.tensor(input, "mse_loss", "input", 1);
        Checks.tensor(target, "mse_loss", "target", 2);
        regressionShapes(input, target);
        checkReduction(reduction);
        DType t = DType.promote(input.dtype(), target.dtype());
        if (!t.isFloatingPoint()) {
            throw new IllegalArgumentException("\"mse_cpu\" not implemented for '" + Format.scalarType(t) + "'");
        }
        return Tensor.mseLoss(input, target, reduction); // one node, MseLossBackward0, as PyTorch's
    }

    /** Mean squared error, averaged. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, "mean");
    }

    /**
     * Binary cross entropy of probabilities, as {@code F.binary_cross_entropy}: every input must lie in [0, 1];
     * log terms are clamped at -100 and the gradient is finite at 0 and 1, as PyTorch's. {@code weight} (broadcast
     * to the input's shape) may be null.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, String reduction) {
        return Tensor.binaryCrossEntropy(input, target, weight, reduction);
    }

    /** Binary cross entropy of probabilities in [0, 1], unweighted. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, String reduction) {
        return Tensor.binaryCrossEntropy(input, target, null, reduction);
    }

    /**
     * Binary cross entropy on logits, computed stably, as {@code F.binary_cross_entropy_with_logits}: {@code weight}
     * scales each element's loss, {@code posWeight} (broadcast along the last dimension) the positive terms; either may
     * be null.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor weight, Tensor posWeight,
                                                      String reduction) {
        return Tensor.binaryCrossEntropyWithLogits(logits, target, weight, posWeight, reduction);
    }

    /** Binary cross entropy on logits, unweighted. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target, String reduction) {
        return Tensor.binaryCrossEntropyWithLogits(logits, target, null, null, reduction);
    }

    /**
     * Negative log-likelihood of log-probabilities, as {@code F.nll_loss}: input {@code [C]} with a 0-d target,
     * {@code [N, C]} with {@code [N]}, or {@code [N, C, d1, ...]} with {@code [N, d1, ...]}; int64 class indices;
     * {@code weight} ({@code [C]}) may be null; targets equal to {@code ignoreIndex} are skipped, and "mean" divides
     * by the summed weights of the others.
     *
     * @throws IndexOutOfBoundsException for a class index outside [0, C) that is not {@code ignoreIndex}
     */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, String reduction, long ignoreIndex) {
        return Tensor.nllLoss(input, target, weight, reduction, ignoreIndex);
    }

    /** Negative log-likelihood, unweighted, ignoring targets of -100 as PyTorch's default. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, String reduction) {
        return Tensor.nllLoss(logProbs, target, null, reduction, -100);
    }

    /**
     * Cross entropy of logits, as {@code F.cross_entropy}: {@code log_softmax} over the class dimension (0 for a
     * {@code [C]} input, else 1) and {@link #nllLoss}. The target holds either class indices (int64, shaped as the
     * input without its class dimension; those equal to {@code ignoreIndex} are skipped) or class probabilities
     * (floating, the input's shape; then {@code ignoreIndex} must be negative). {@code labelSmoothing} in [0, 1] mixes
     * the target with the uniform distribution; {@code weight} ({@code [C]}) may be null.
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, String reduction, long ignoreIndex,
                                      double labelSmoothing) {
        Checks.tensor(input, "cross_entropy_loss", "input", 1);
        Checks.tensor(target, "cross_entropy_loss", "target", 2);
        int red = checkReduction(reduction);
        if (Arrays.equals(input.shape(), target.shape())) {
            return crossEntropyProbabilities(input, target, weight, red, ignoreIndex, labelSmoothing);
        }
        Checks.labelSmoothing(labelSmoothing);
        int cd = input.dim() == 1 ? 0 : 1;
        Tensor logp = input.logSoftmax(cd);
        Tensor nll = Tensor.nllLoss(logp, target, weight, reduction, ignoreIndex);
        if (labelSmoothing == 0) {
            return nll;
        }
        // PyTorch's cross_entropy_loss_label_smoothing: (1 - s) nll + s / C * (-sum_c w_c logp_c), ignored targets 0
        int c = logp.size(cd);
        int[] bshape = new int[logp.dim()];
        Arrays.fill(bshape, 1);
        bshape[cd] = c;
        Tensor wb = weight == null ? null : weight.reshape(bshape);
        Tensor smooth = (wb == null ? logp : logp.mul(wb)).sum(new int[] {cd}, false).neg();
        Tensor kept = target.ne(Tensor.tensor(ignoreIndex).to(target.device())); // compared as int64, exactly
        smooth = Tensor.where(kept, smooth, 0.0);
        Tensor ret;
        if (red == 0) {
            ret = smooth;
        } else if (red == 2) {
            ret = smooth.sum();
        } else if (wb == null) {
            ret = smooth.sum().div(kept.sum().to(smooth.dtype()));
        } else {
            // over the summed weights of the kept targets, as nll_loss's mean
            Tensor classes = Tensor.arange(c).to(target.device()).reshape(bshape);
            Tensor hit = classes.eq(target.unsqueeze(cd)).logicalAnd(kept.unsqueeze(cd));
            ret = smooth.sum().div(Tensor.where(hit, wb, 0.0).sum());
        }
        return nll.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / c));
    }

    private static Tensor crossEntropyProbabilities(Tensor input, Tensor target, Tensor weight, int red, long ignoreIndex,
                                                    double labelSmoothing) {
        if (!target.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Expected floating point type for target with class probabilities, got "
                    + Format.scalarType(target.dtype()));
        }
        if (ignoreIndex >= 0) {
            throw new IllegalArgumentException("ignore_index is not supported for floating point target");
        }
        int cd = input.dim() == 1 ? 0 : 1;
        int c = input.size(cd);
        if (weight != null && (weight.dim() != 1 || weight.numel() != c)) {
            throw new IllegalArgumentException("cross_entropy: weight tensor should be defined either for all " + c
                    + " classes or no classes but got weight tensor of shape: " + Arrays.toString(weight.shape()));
        }
        Tensor logp = input.logSoftmax(cd);
        Checks.labelSmoothing(labelSmoothing);
        Tensor t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / c) : target;
        Tensor prod = logp.mul(t);
        if (weight != null) {
            int[] bshape = new int[input.dim()];
            Arrays.fill(bshape, 1);
            bshape[cd] = c;
            prod = prod.mul(weight.reshape(bshape));
        }
        switch (red) {
            case 0: return prod.sum(new int[] {cd}, false).neg();
            case 2: return prod.sum().neg();
            default: return prod.sum().neg().div((double) input.numel() / c); // over the samples; 0/0 = nan when empty
        }
    }

    /** Cross entropy over class indices, unweighted, ignoring -100, with optional label smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor target, String reduction, double labelSmoothing) {
        return crossEntropy(logits, target, null, reduction, -100, labelSmoothing);
    }

    /** Cross entropy, averaged, no smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, null, "mean", -100, 0);
    }

    /** Zero padding of the last dimensions, as {@code F.pad(input, pad)}: left and right of the last, then the one before. */
    public static Tensor pad(Tensor input, int[] pad) {
        return pad(input, pad, "constant", 0);
    }

    /** Padding with mode {@code "constant"} (zeros), {@code "reflect"}, {@code "replicate"} or {@code "circular"}. */
    public static Tensor pad(Tensor input, int[] pad, String mode) {
        return pad(input, pad, mode, 0);
    }

    /**
     * {@code F.pad(input, pad, mode, value)}: negative pads crop; {@code value} fills constant padding (the other modes
     * take none). Reflect and replicate pad the last 1 to 3 dimensions of an input with one or two more; circular too.
     */
    public static Tensor pad(Tensor input, int[] pad, String mode, double value) {
        Checks.tensor(input, "pad", "input", 1);
        Checks.ints(pad, "pad", "pad", 2);
        Checks.notNull(mode, "pad(): argument 'mode' (position 3)");
        return input.padNd(pad, mode, value);
    }

    // ------------------------------------------------------------------ issue 14: log-sigmoid and regression losses

    private static volatile boolean warnedRegressionBroadcast;

    /**
     * PyTorch's warning (once) when a regression loss (mse, l1, smooth l1, huber) broadcasts a target of another size,
     * after the shape check.
     */
    private static void regressionShapes(Tensor input, Tensor target) {
        if (!Arrays.equals(input.shape(), target.shape())) {
            Checks.broadcast(input.shape(), target.shape());
            if (!warnedRegressionBroadcast) {
                warnedRegressionBroadcast = true;
                LOG.log(System.Logger.Level.WARNING, "Using a target size (" + Format.size(target.shape()) + ") that is "
                        + "different to the input size (" + Format.size(input.shape()) + "). This will likely lead to "
                        + "incorrect results due to broadcasting. Please ensure they have the same size.");
            }
        }
    }

    /** {@code log(sigmoid(x))} without overflow, as {@code F.logsigmoid}: one node, LogSigmoidBackward0. */
    public static Tensor logsigmoid(Tensor x) {
        Checks.tensor(x, "log_sigmoid", "input", 1);
        return x.logSigmoid();
    }

    /**
     * Mean absolute error, as {@code F.l1_loss}: PyTorch composes it, {@code |input - target|} then the reduction, so the
     * nodes are AbsBackward0 and MeanBackward0 (or SumBackward0).
     */
    public static Tensor l1Loss(Tensor input, Tensor target, String reduction) {
        Checks.tensor(input, "l1_loss", "input", 1);
        Checks.tensor(target, "l1_loss", "target", 2);
        regressionShapes(input, target);
        int red = checkReduction(reduction);
        return reduce(input.sub(target).abs(), red);
    }

    /** Mean absolute error, averaged. */
    public static Tensor l1Loss(Tensor input, Tensor target) {
        return l1Loss(input, target, "mean");
    }

    /**
     * Smooth L1 loss, as {@code F.smooth_l1_loss}: {@code 0.5 z^2 / beta} for {@code z = |input - target| < beta}, else
     * {@code z - 0.5 beta}; one node SmoothL1LossBackward0, except that beta 0 is {@link #l1Loss} (PyTorch 2.x).
     */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction, double beta) {
        Checks.tensor(input, "smooth_l1_loss", "input", 1);
        Checks.tensor(target, "smooth_l1_loss", "target", 2);
        regressionShapes(input, target);
        checkReduction(reduction);
        if (beta == 0) {
            return l1Loss(input, target, reduction);
        }
        return Tensor.smoothL1Loss(input, target, reduction, beta);
    }

    /** Smooth L1 loss with beta 1, averaged. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target) {
        return smoothL1Loss(input, target, "mean", 1.0);
    }

    /**
     * Huber loss, as {@code F.huber_loss}: {@code 0.5 z^2} for {@code z = |input - target| < delta}, else
     * {@code delta (z - 0.5 delta)}; one node HuberLossBackward0.
     */
    public static Tensor huberLoss(Tensor input, Tensor target, String reduction, double delta) {
        Checks.tensor(input, "huber_loss", "input", 1);
        Checks.tensor(target, "huber_loss", "target", 2);
        regressionShapes(input, target);
        checkReduction(reduction);
        return Tensor.huberLoss(input, target, reduction, delta);
    }

    /** Huber loss with delta 1, averaged. */
    public static Tensor huberLoss(Tensor input, Tensor target) {
        return huberLoss(input, target, "mean", 1.0);
    }
}
