package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Tensor;

/**
 * Stateless neural-network functions, as {@code torch.nn.functional}. Losses take a reduction:
 * {@code "mean"} (default), {@code "sum"} or {@code "none"}.
 */
public final class Functional {
    private Functional() {
    }

    /** {@code input @ weight^T + bias} ({@code bias} may be null). */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        if (input.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + rows(input) + "x" + input.size(-1)
                    + " and " + weight.size(1) + "x" + weight.size(0) + ")");
        }
        Tensor out = input.matmul(weight.t());
        return bias == null ? out : out.add(bias);
    }

    private static long rows(Tensor t) {
        return t.numel() / Math.max(1, t.size(-1));
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
        int[] d = dilation.length == 1 ? new int[] {dilation[0], dilation[0]} : dilation;
        if (padding.equals("valid")) {
            return Tensor.conv2d(input, weight, bias, new int[] {1}, new int[] {0}, d, groups);
        }
        if (!padding.equals("same")) {
            throw new IllegalArgumentException("Invalid padding string '" + padding + "', should be one of {'valid', 'same'}");
        }
        int totalH = d[0] * (weight.size(2) - 1);
        int totalW = d[1] * (weight.size(3) - 1);
        Tensor x = input;
        if (totalH % 2 == 1 || totalW % 2 == 1) {
            x = padBottomRight(x, totalH % 2, totalW % 2);
        }
        return Tensor.conv2d(x, weight, bias, new int[] {1}, new int[] {totalH / 2, totalW / 2}, d, groups);
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

    /** Max pooling; an empty stride means the kernel size. */
    public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return Tensor.maxPool2d(input, kernel, stride.length == 0 ? kernel : stride, padding, dilation, ceilMode);
    }

    /** Average pooling with a square window, stride = window. */
    public static Tensor avgPool2d(Tensor input, int kernel) {
        return Tensor.avgPool2d(input, new int[] {kernel}, new int[] {kernel}, new int[] {0}, false, true);
    }

    /** ReLU. */
    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    /** Sigmoid. */
    public static Tensor sigmoid(Tensor x) {
        return x.sigmoid();
    }

    /** Tanh. */
    public static Tensor tanh(Tensor x) {
        return x.tanh();
    }

    /** GELU, exact: {@code x * (1 + erf(x / sqrt 2)) / 2}, as {@code F.gelu(x)}. */
    public static Tensor gelu(Tensor x) {
        return gelu(x, "none");
    }

    /** GELU, as {@code F.gelu(x, approximate=...)}: {@code "none"} (exact, with erf) or {@code "tanh"}. */
    public static Tensor gelu(Tensor x, String approximate) {
        if (approximate.equals("none")) {
            return x.mul(x.mul(1 / Math.sqrt(2)).erf().add(1.0)).mul(0.5);
        }
        if (!approximate.equals("tanh")) {
            throw new IllegalArgumentException("approximate argument must be either none or tanh.");
        }
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        Tensor inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return x.mul(0.5).mul(inner.tanh().add(1.0));
    }

    /**
     * Dropout: in training, zeroes each element with probability {@code p} (from the default generator) and scales
     * the rest by {@code 1/(1-p)}; otherwise the identity.
     */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
        if (!training || p == 0) {
            return x;
        }
        if (p == 1) {
            return x.mul(0.0);
        }
        Tensor keep = x.randLike().ge(p);
        return Tensor.where(keep, x.mul(1 / (1 - p)), 0.0);
    }

    /** Binary cross entropy of probabilities in [0, 1]; log terms are clamped at -100, as PyTorch. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, String reduction) {
        if (!java.util.Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException("Using a target size (" + java.util.Arrays.toString(target.shape())
                    + ") that is different to the input size (" + java.util.Arrays.toString(input.shape())
                    + ") is deprecated. Please ensure they have the same size.");
        }
        Tensor logP = input.log().clampMin(-100);
        Tensor log1mP = input.rsub(1.0).log().clampMin(-100);
        return reduce(target.mul(logP).add(target.rsub(1.0).mul(log1mP)).neg(), reduction);
    }

    /** Binary cross entropy on logits, computed stably: {@code max(x,0) - x t + log(1 + exp(-|x|))}. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target, String reduction) {
        if (!java.util.Arrays.equals(logits.shape(), target.shape())) {
            throw new IllegalArgumentException("Target size (" + java.util.Arrays.toString(target.shape())
                    + ") must be the same as input size (" + java.util.Arrays.toString(logits.shape()) + ")");
        }
        Tensor loss = logits.clampMin(0).sub(logits.mul(target)).add(logits.abs().neg().exp().add(1.0).log());
        return reduce(loss, reduction);
    }

    /**
     * Batch normalization over dimension 1 of an input of rank 2 to 4, as {@code F.batch_norm}. In training it
     * normalizes with the batch's mean and biased variance and, when running statistics are given, updates them in
     * place with the unbiased variance ({@code running = (1 - momentum) running + momentum batch}); otherwise it uses
     * the running statistics. {@code weight} and {@code bias} may be null.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batch_norm: expected 2D or more input (got " + x.dim() + "D input)");
        }
        int c = x.size(1);
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t != null && t.numel() != c) {
                throw new IllegalArgumentException("batch_norm: running_mean, running_var, weight and bias should contain "
                        + c + " elements (the input's channels), got " + t.numel());
            }
        }
        int[] reduced = new int[x.dim() - 1];
        reduced[0] = 0;
        for (int i = 2; i < x.dim(); i++) {
            reduced[i - 1] = i;
        }
        int[] bshape = new int[x.dim()];
        java.util.Arrays.fill(bshape, 1);
        bshape[1] = c;
        Tensor mean;
        Tensor var;
        if (training) {
            long count = x.numel() / c;
            if (count <= 1) {
                throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size "
                        + java.util.Arrays.toString(x.shape()));
            }
            mean = x.mean(reduced, true);
            var = x.var(reduced, 0, true);
            if (runningMean != null && runningVar != null) {
                try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
                    runningMean.mul_(1 - momentum).add_(mean.detach().reshape(c), momentum);
                    runningVar.mul_(1 - momentum).add_(var.detach().reshape(c).mul((double) count / (count - 1)), momentum);
                }
            }
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batch_norm in eval mode needs running_mean and running_var");
            }
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
        return y;
    }

    private static Tensor reduce(Tensor loss, String reduction) {
        switch (reduction) {
            case "mean": return loss.mean();
            case "sum": return loss.sum();
            case "none": return loss;
            default: throw new IllegalArgumentException(reduction + " is not a valid value for reduction");
        }
    }

    /** Mean squared error; input and target must have the same shape. */
    public static Tensor mseLoss(Tensor input, Tensor target, String reduction) {
        if (!java.util.Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException("mse_loss: input of size " + java.util.Arrays.toString(input.shape())
                    + " and target of size " + java.util.Arrays.toString(target.shape()) + " must have the same shape");
        }
        Tensor d = input.sub(target);
        return reduce(d.mul(d), reduction);
    }

    /** Mean squared error, averaged. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, "mean");
    }

    /**
     * Negative log-likelihood of log-probabilities {@code [N, C]} at int64 class indices {@code [N]}.
     *
     * @throws IndexOutOfBoundsException for a class index outside [0, C), naming it
     */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, String reduction) {
        if (logProbs.dim() != 2 || target.dim() != 1 || target.size(0) != logProbs.size(0)) {
            throw new IllegalArgumentException("nll_loss: expected input [N, C] and target [N], got "
                    + java.util.Arrays.toString(logProbs.shape()) + " and " + java.util.Arrays.toString(target.shape()));
        }
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException("expected scalar type Long but found " + target.dtype());
        }
        int classes = logProbs.size(1);
        // on a GPU the check runs there and reports at the next synchronization, so the step does not wait
        target.checkIndices(classes, "Target %d is out of bounds.");
        Tensor hit = Tensor.arange(classes).to(logProbs.device()).unsqueeze(0).eq(target.unsqueeze(1));
        Tensor picked = Tensor.where(hit, logProbs, 0.0).sum(1);
        return reduce(picked.neg(), reduction);
    }

    /** Cross entropy of logits {@code [N, C]} and class indices {@code [N]}, with optional label smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor target, String reduction, double labelSmoothing) {
        Tensor logp = logits.logSoftmax(1);
        Tensor nll = nllLoss(logp, target, "none");
        if (labelSmoothing > 0) {
            Tensor smooth = logp.mean(new int[] {1}, false).neg();
            nll = nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
        }
        return reduce(nll, reduction);
    }

    /** Cross entropy, averaged, no smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, "mean", 0);
    }
}
