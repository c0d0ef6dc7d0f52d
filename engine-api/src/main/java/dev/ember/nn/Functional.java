package dev.ember.nn;

import dev.ember.Autocast;
import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.NNFunctions;
import dev.ember.Refusals;
import dev.ember.ResampleFunctions;
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
        if (Autocast.on()) return Autocast.apply("linear", t -> linear(t[0], t[1], t[2]), input, weight, bias);
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
        return conv2d(input, weight, bias, new int[] {1}, padding, dilation, groups);
    }

    /**
     * {@code F.conv2d(input, weight, bias, stride, padding, dilation, groups)} with {@code "valid"} or {@code "same"}
     * padding; "same" refuses a stride other than 1, with PyTorch's message.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return convolutionWithPaddingString("conv2d", 2, input, weight, bias, stride, padding, dilation, groups, Tensor::conv2d);
    }

    /** A convolution of one rank with numeric padding: {@code Tensor.conv1d}, {@code conv2d} or {@code conv3d}. */
    @FunctionalInterface
    private interface NumericPaddingConvolution {
        Tensor apply(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups);
    }

    /**
     * {@code F.conv<rank>d} with a string padding, {@code "valid"} or {@code "same"}, for every rank: the entry's
     * checks, then PyTorch's {@code convolution_same} (its checks, the padding it computes, and for an odd total a
     * {@code constant_pad_nd} of the remainder at the end of each dimension, after making an unbatched input a batch
     * of one: UnsqueezeBackward0 below the pad, SqueezeBackward1 on top), then the convolution's own checks.
     */
    private static Tensor convolutionWithPaddingString(String fn, int rank, Tensor input, Tensor weight, Tensor bias,
                                                       int[] stride, String padding, int[] dilation, int groups,
                                                       NumericPaddingConvolution conv) {
        Checks.tensor(input, fn, "input", 1);
        Checks.tensor(weight, fn, "weight", 2);
        Checks.ints(stride, fn, "stride", 4);
        if (padding == null) {
            throw new IllegalArgumentException(fn + "(): argument 'padding' (position 5) must be str, not null");
        }
        Checks.ints(dilation, fn, "dilation", 6);
        if (input.dim() != rank + 1 && input.dim() != rank + 2) {
            throw new IllegalArgumentException("Expected " + (rank + 1) + "D (unbatched) or " + (rank + 2) + "D (batched) input to "
                    + fn + ", but got input of size: " + Arrays.toString(input.shape()));
        }
        if (padding.equals("valid")) {
            return conv.apply(input, weight, bias, stride, new int[] {0}, dilation, groups);
        }
        if (!padding.equals("same")) {
            throw new IllegalArgumentException("Invalid padding string: '" + padding + "'");
        }
        if (weight.dim() <= 2) {
            throw new IllegalArgumentException("weight should have at least three dimensions");
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("non-positive groups is not supported");
        }
        if (weight.dim() != rank + 2) {
            int[] batched = input.dim() == rank + 2 ? input.shape() : prepend1(input.shape());
            throw new IllegalArgumentException("Expected " + weight.dim() + "-dimensional input for " + weight.dim()
                    + "-dimensional weight" + Arrays.toString(weight.shape()) + ", but got " + (rank + 2)
                    + "-dimensional input of size " + Arrays.toString(batched) + " instead");
        }
        if (stride.length != 1 && stride.length != rank) {
            throw new IllegalArgumentException("stride cannot broadcast to " + rank + " dimensions");
        }
        if (dilation.length != 1 && dilation.length != rank) {
            throw new IllegalArgumentException("dilation cannot broadcast to " + rank + " dimensions");
        }
        for (int v : stride) {
            if (v != 1) {
                throw new IllegalArgumentException("padding='same' is not supported for strided convolutions");
            }
        }
        int[] d = dilation.length == 1 ? Checks.repeat(dilation[0], rank) : dilation;
        int[] half = new int[rank];
        int[] remainder = new int[2 * rank]; // constant_pad_nd's argument: last dimension first, the odd element at the end
        boolean odd = false;
        for (int i = 0; i < rank; i++) {
            long total = (long) d[i] * (weight.size(2 + i) - 1);
            if (total < 0 || total > Integer.MAX_VALUE) {
                // no padding makes this convolution valid: the convolution says why
                return conv.apply(input, weight, bias, new int[] {1}, new int[] {0}, d, groups);
            }
            half[i] = (int) (total / 2);
            remainder[2 * (rank - 1 - i) + 1] = (int) (total % 2);
            odd |= total % 2 != 0;
        }
        if (!odd) {
            return conv.apply(input, weight, bias, new int[] {1}, half, d, groups);
        }
        boolean unbatched = input.dim() == rank + 1;
        Tensor x = (unbatched ? input.unsqueeze(0) : input).padNd(remainder);
        Tensor out = conv.apply(x, weight, bias, new int[] {1}, half, d, groups);
        return unbatched ? out.squeeze(0) : out;
    }

    private static int[] prepend1(int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = 1;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** Max pooling with a square window, stride = window. */
    public static Tensor maxPool2d(Tensor input, int kernel) {
        return maxPool2d(input, new int[] {kernel}, new int[] {kernel}, new int[] {0}, new int[] {1}, false);
    }

    /** Max pooling; an empty (or null) stride means the kernel size. */
    public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return Tensor.maxPool2d(input, kernel, stride == null ? new int[0] : stride, padding, dilation, ceilMode);
    }

    /**
     * {@code F.max_pool2d(..., return_indices=True)} ({@code F.max_pool2d_with_indices}): the maxima and their int64
     * flat indices {@code h * W + w} within each plane, which {@link #maxUnpool2d} takes back (SegNet's decoder); an
     * empty (or null) stride means the kernel size, as {@link #maxPool2d(Tensor, int[], int[], int[], int[], boolean)}.
     */
    public static Tensor.ValuesIndices maxPool2dWithIndices(Tensor input, int[] kernel, int[] stride, int[] padding,
                                                            int[] dilation, boolean ceilMode) {
        return Tensor.maxPool2dWithIndices(input, kernel, stride == null ? new int[0] : stride, padding, dilation, ceilMode);
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

    /**
     * GELU, as {@code F.gelu(x, approximate=...)}: {@code "none"} (exact, with erf) or {@code "tanh"}; one node,
     * GeluBackward0, with PyTorch's gelu_backward.
     */
    public static Tensor gelu(Tensor x, String approximate) {
        Checks.tensor(x, "gelu", "input", 1);
        Checks.notNull(approximate, "gelu(): argument 'approximate'");
        return NNFunctions.gelu(x, approximate);
    }

    /**
     * Dropout: in training, zeroes each element with probability {@code p} (from the default generator) and scales
     * the rest by {@code 1/(1-p)}, one node NativeDropoutBackward0 (PyTorch 2.x's {@code native_dropout}, which it
     * runs on CUDA; its CPU path composes a MulBackward0); otherwise the identity. {@code p} must be in [0, 1] (nan is
     * refused too); p 1 gives {@code x * 0} (MulBackward0).
     */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        Checks.tensor(x, "dropout", "input", 1);
        Checks.probability(p);
        return Tensor.dropout(x, p, training);
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
            verifyBatchSize(x.shape(), Format.size(x.shape()));
        }
        return Tensor.batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps);
    }

    /** F's _verify_batch_size: training needs more than one value per channel ({@code size} as Python prints it). */
    private static void verifyBatchSize(int[] shape, String size) {
        long perChannel = shape.length < 1 ? 1 : shape[0];
        for (int i = 2; i < shape.length; i++) {
            perChannel *= shape[i];
        }
        if (perChannel == 1) {
            throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size "
                    + size);
        }
    }

    // ------------------------------------------------------------------ losses

    private static int checkReduction(String reduction) {
        return dev.ember.NNFunctions.reduction(reduction);
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
        if (!t.isFloatingPoint() && !(input.isMeta() && t.isIntegral())) { // meta kernels check no type
            throw Refusals.notImplemented("mse_cpu", t);
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

    /** Binary cross entropy with PyTorch's defaults, as {@code F.binary_cross_entropy(input, target)}: unweighted, mean. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return Tensor.binaryCrossEntropy(input, target, null, "mean");
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
     * Binary cross entropy on logits with PyTorch's defaults, as {@code F.binary_cross_entropy_with_logits(logits,
     * target)}: unweighted, mean.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target) {
        return Tensor.binaryCrossEntropyWithLogits(logits, target, null, null, "mean");
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

    /** Negative log-likelihood with PyTorch's defaults, as {@code F.nll_loss(log_probs, target)}: unweighted, mean, -100 ignored. */
    public static Tensor nllLoss(Tensor logProbs, Tensor target) {
        return Tensor.nllLoss(logProbs, target, null, "mean", -100);
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
        if (Autocast.on()) return Autocast.apply("cross_entropy_loss",
                t -> crossEntropy(t[0], t[1], t[2], reduction, ignoreIndex, labelSmoothing), input, target, weight);
        Checks.tensor(input, "cross_entropy_loss", "input", 1);
        Checks.tensor(target, "cross_entropy_loss", "target", 2);
        int red = checkReduction(reduction);
        if (Arrays.equals(input.shape(), target.shape())) {
            return crossEntropyProbabilities(input, target, weight, red, ignoreIndex, labelSmoothing);
        }
        Checks.labelSmoothing(labelSmoothing);
        int cd = input.dim() == 1 ? 0 : 1;
        refuseComplexLogSoftmax(input, cd);
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

    /**
     * PyTorch 2.x's refusal of a complex input to cross_entropy (its log_softmax kernels', over the last dimension or
     * another: that one's dispatch is named softmax_kernel_impl), naming the loss.
     */
    private static void refuseComplexLogSoftmax(Tensor input, int dim) {
        if (input.isComplex()) {
            throw new IllegalArgumentException("cross_entropy: " + Refusals.notImplementedMessage(
                    (dim == input.dim() - 1 ? "log_softmax_lastdim" : "softmax") + "_kernel_impl", input.dtype()));
        }
    }

    /** PyTorch 2.x's refusal of a complex operand of clamp_min in a composed loss, naming the loss. */
    private static void refuseComplexClamp(String loss, Tensor... operands) {
        for (Tensor t : operands) {
            if (t.isComplex()) {
                throw new IllegalArgumentException(loss + ": clamp is not supported for complex types");
            }
        }
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
        refuseComplexLogSoftmax(input, cd);
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
            // over the samples, divided by a C++ number as PyTorch's (DivBackward1); an empty batch is PyTorch's
            // -(sum.fill_(nan)): nan, NegBackward0
            default: return input.numel() == 0 ? prod.sum().fill_(Double.NaN).neg()
                    : NNFunctions.divScalar(prod.sum().neg(), (double) input.numel() / c);
        }
    }

    /** Cross entropy over class indices, unweighted, ignoring -100, with optional label smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor target, String reduction, double labelSmoothing) {
        return crossEntropy(logits, target, null, reduction, -100, labelSmoothing);
    }

    /**
     * Cross entropy over class indices, averaged over the targets not equal to {@code ignoreIndex}, as
     * {@code F.cross_entropy(logits, target, ignore_index=pad)} in a language model whose padded targets are {@code pad}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex) {
        return crossEntropy(logits, target, null, "mean", ignoreIndex, 0);
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

    /**
     * The regression losses' broadcast warnings logged so far, by their text: Python's default filter shows a
     * UserWarning once for each text at each place that warns (the text names both sizes, so another pair of sizes
     * warns again, the same pair not; Ember has no caller's line to tell places apart). {@code add} lets one caller log
     * however threads race.
     */
    private static final java.util.Set<String> WARNED_REGRESSION_BROADCAST =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * PyTorch's warning (once for each pair of sizes) when a regression loss (mse, l1, smooth l1, huber) broadcasts a
     * target of another size, after the shape check.
     */
    private static void regressionShapes(Tensor input, Tensor target) {
        if (!Arrays.equals(input.shape(), target.shape())) {
            dev.ember.NNFunctions.inferSize(input.shape(), target.shape());
            String message = "Using a target size (" + Format.size(target.shape()) + ") that is different to the input "
                    + "size (" + Format.size(input.shape()) + "). This will likely lead to incorrect results due to "
                    + "broadcasting. Please ensure they have the same size.";
            if (WARNED_REGRESSION_BROADCAST.add(message)) {
                LOG.log(System.Logger.Level.WARNING, message);
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
        if (Autocast.on()) return Autocast.apply("l1_loss", t -> l1Loss(t[0], t[1], reduction), input, target);
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

    // ------------------------------------------------------------------ margin and likelihood losses, distances

    /**
     * {@code F.soft_margin_loss}: {@code log(1 + exp(-target * input))} (the target broadcast into the input's shape),
     * reduced; one node SoftMarginLossBackward0 (the target takes no gradient, as in PyTorch).
     */
    public static Tensor softMarginLoss(Tensor input, Tensor target, String reduction) {
        return NNFunctions.softMarginLoss(input, target, reduction);
    }

    /** {@code F.soft_margin_loss}, averaged. */
    public static Tensor softMarginLoss(Tensor input, Tensor target) {
        return softMarginLoss(input, target, "mean");
    }

    /**
     * {@code F.multilabel_soft_margin_loss}, PyTorch's Python composition: {@code -(t logsigmoid(x) + (1 - t)
     * logsigmoid(-x))} times {@code weight} (may be null), summed over the last (class) dimension and divided by its
     * size, then reduced ("none" keeps one loss per sample). A reduction other than "none", "mean" or "sum" is refused
     * with PyTorch's "... is not valid".
     */
    public static Tensor multilabelSoftMarginLoss(Tensor input, Tensor target, Tensor weight, String reduction) {
        Checks.tensor(input, "multilabel_soft_margin_loss", "input", 1);
        Checks.tensor(target, "multilabel_soft_margin_loss", "target", 2);
        if (input.dim() == 0) {
            throw new IndexOutOfBoundsException("Dimension specified as -1 but tensor has no dimensions");
        }
        if (!"none".equals(reduction) && !"mean".equals(reduction) && !"sum".equals(reduction)) {
            throw new IllegalArgumentException(reduction + " is not valid");
        }
        if (input.isComplex()) {
            // PyTorch 2.x's log_sigmoid kernel refuses it
            throw new IllegalArgumentException("multilabel_soft_margin_loss: " + Refusals.notImplementedMessage(
                    "log_sigmoid_" + (input.device().isCpu() ? "cpu" : "forward_cuda"), input.dtype()));
        }
        Tensor loss = target.mul(input.logSigmoid()).add(target.rsub(1.0).mul(input.neg().logSigmoid())).neg();
        if (weight != null) {
            loss = loss.mul(weight);
        }
        int classDim = input.dim() - 1;
        int c = input.shape()[classDim];
        loss = loss.sum(new int[] {classDim}, false).div((double) c);
        switch (reduction) {
            case "none": return loss;
            case "mean": return loss.mean();
            default: return loss.sum();
        }
    }

    /** {@code F.multilabel_soft_margin_loss}, unweighted and averaged. */
    public static Tensor multilabelSoftMarginLoss(Tensor input, Tensor target) {
        return multilabelSoftMarginLoss(input, target, null, "mean");
    }

    /**
     * {@code F.multi_margin_loss}: for an {@code [N, C]} (or {@code [C]}) input and class indices,
     * {@code sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C} per sample (p 1 or 2; {@code weight} null or one per
     * class), reduced; one node MultiMarginLossBackward0. Targets outside {@code [0, C)} are refused ("target out of
     * range").
     */
    public static Tensor multiMarginLoss(Tensor input, Tensor target, int p, double margin, Tensor weight, String reduction) {
        return NNFunctions.multiMarginLoss(input, target, p, margin, weight, reduction);
    }

    /** {@code F.multi_margin_loss} with p 1, margin 1, unweighted, averaged. */
    public static Tensor multiMarginLoss(Tensor input, Tensor target) {
        return multiMarginLoss(input, target, 1, 1.0, null, "mean");
    }

    /**
     * {@code F.multilabel_margin_loss}: each sample's target classes are its target row's entries before the first -1;
     * {@code sum_{j target, i not} max(0, 1 - (x[j] - x[i])) / C}, reduced; one node MultilabelMarginLossBackward0.
     */
    public static Tensor multilabelMarginLoss(Tensor input, Tensor target, String reduction) {
        return NNFunctions.multilabelMarginLoss(input, target, reduction);
    }

    /** {@code F.multilabel_margin_loss}, averaged. */
    public static Tensor multilabelMarginLoss(Tensor input, Tensor target) {
        return multilabelMarginLoss(input, target, "mean");
    }

    /**
     * {@code F.hinge_embedding_loss}: {@code x} where the target is 1, {@code max(0, margin - x)} where it is -1 (both
     * for other values), reduced; PyTorch's composition and nodes.
     */
    public static Tensor hingeEmbeddingLoss(Tensor input, Tensor target, double margin, String reduction) {
        return Tensor.hingeEmbeddingLoss(input, target, margin, reduction);
    }

    /** {@code F.hinge_embedding_loss} with margin 1, averaged. */
    public static Tensor hingeEmbeddingLoss(Tensor input, Tensor target) {
        return hingeEmbeddingLoss(input, target, 1.0, "mean");
    }

    /**
     * {@code F.triplet_margin_loss}: {@code max(0, margin + d(a, p) - d(a, n))} with {@link #pairwiseDistance} of
     * order {@code p} and {@code eps} (with {@code swap}, {@code d(a, n)} is the smaller of it and {@code d(p, n)}),
     * reduced; PyTorch's composition and nodes. As 2.x's {@code F.triplet_margin_loss}, the reduction is checked first,
     * then a margin of 0 or less is refused ("margin must be greater than 0, got 0.0"; a NaN margin passes, as Python's
     * {@code margin <= 0}); {@link Tensor#tripletMarginLoss} ({@code torch.triplet_margin_loss}) takes any margin.
     */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps, boolean swap, String reduction) {
        checkReduction(reduction);
        if (margin <= 0) {
            throw new IllegalArgumentException("margin must be greater than 0, got " + Format.repr(margin));
        }
        return Tensor.tripletMarginLoss(anchor, positive, negative, margin, p, eps, swap, reduction);
    }

    /** {@code F.triplet_margin_loss} with margin 1, p 2, eps 1e-6, no swap, averaged. */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative) {
        return tripletMarginLoss(anchor, positive, negative, 1.0, 2.0, 1e-6, false, "mean");
    }

    /**
     * {@code F.poisson_nll_loss}: {@code exp(x) - t x} ({@code logInput}) or {@code x - t log(x + eps)}, plus the
     * Stirling term {@code t log t - t + log(2 pi t) / 2} for targets above 1 when {@code full}; reduced. A reduction
     * other than "none", "mean" or "sum" is refused with PyTorch's "... is not valid".
     */
    public static Tensor poissonNllLoss(Tensor input, Tensor target, boolean logInput, boolean full, double eps,
                                        String reduction) {
        Checks.tensor(input, "poisson_nll_loss", "input", 1);
        Checks.tensor(target, "poisson_nll_loss", "target", 2);
        if (!"none".equals(reduction) && !"mean".equals(reduction) && !"sum".equals(reduction)) {
            throw new IllegalArgumentException(reduction + " is not valid");
        }
        return Tensor.poissonNllLoss(input, target, logInput, full, eps, reduction);
    }

    /** {@code F.poisson_nll_loss} of a log input, without the Stirling term, eps 1e-8, averaged. */
    public static Tensor poissonNllLoss(Tensor input, Tensor target) {
        return poissonNllLoss(input, target, true, false, 1e-8, "mean");
    }

    /**
     * {@code F.ctc_loss}: the connectionist temporal classification loss. {@code logProbs} is {@code [T, N, C]} (or
     * {@code [T, C]} unbatched) log-probabilities; {@code targets} are padded {@code [N, S]} or concatenated 1-D
     * class indices (never {@code blank}); {@code inputLengths} and {@code targetLengths} are integral tensors of N
     * lengths. "mean" divides each loss by its target length (at least 1) and averages over the batch, "sum" sums,
     * "none" gives one loss per entry. {@code zeroInfinity} replaces the infinite losses of impossible alignments, and
     * their gradients, by 0. One node CtcLossBackward0 (not differentiable twice), then PyTorch 2.x's composition;
     * PyTorch's messages for bad shapes and lengths.
     */
    public static Tensor ctcLoss(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths, int blank,
                                 String reduction, boolean zeroInfinity) {
        return Tensor.ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity);
    }

    /** {@code F.ctc_loss} with blank 0, averaged, infinite losses kept. */
    public static Tensor ctcLoss(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths) {
        return ctcLoss(logProbs, targets, inputLengths, targetLengths, 0, "mean", false);
    }

    /** {@code F.ctc_loss} with the lengths as Java arrays (PyTorch's int-list lengths). */
    public static Tensor ctcLoss(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, int blank,
                                 String reduction, boolean zeroInfinity) {
        return Tensor.ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity);
    }

    /**
     * {@code F.gaussian_nll_loss} as PyTorch 2.x's Python: {@code (log(max(var, eps)) + (input - target)^2 /
     * max(var, eps)) / 2} (plus {@code log(2 pi) / 2} when {@code full}), reduced. {@code var} has the input's shape, or
     * lacks its last dimension (then unsqueezed), or differs from it in one dimension where it has size 1. Its checks,
     * in PyTorch 2.x's order: "var has negative entry/entries", "var is of incorrect size", then the reduction ("... is
     * not valid"). The variance is clamped without recording, so its gradient passes where it was clamped.
     */
    public static Tensor gaussianNllLoss(Tensor input, Tensor target, Tensor var, boolean full, double eps, String reduction) {
        Checks.tensor(input, "gaussian_nll_loss", "input", 1);
        Checks.tensor(target, "gaussian_nll_loss", "target", 2);
        Checks.tensor(var, "gaussian_nll_loss", "var", 3);
        if (var.numel() > 0) {
            boolean negative;
            try (GradMode off = Ember.noGrad()) {
                negative = var.lt(0.0).sum().item() != 0;
            }
            if (negative) {
                throw new IllegalArgumentException("var has negative entry/entries");
            }
        }
        return gaussianNll(input, target, var, full, eps, reduction);
    }

    /** {@code F.gaussian_nll_loss} with one variance for every element ({@code var * ones_like(input)}). */
    public static Tensor gaussianNllLoss(Tensor input, Tensor target, double var, boolean full, double eps, String reduction) {
        Checks.tensor(input, "gaussian_nll_loss", "input", 1);
        Checks.tensor(target, "gaussian_nll_loss", "target", 2);
        if (var < 0) {
            throw new IllegalArgumentException("var has negative entry/entries");
        }
        return gaussianNll(input, target, input.onesLike().mul(var), full, eps, reduction);
    }

    /** {@code F.gaussian_nll_loss} without the constant, eps 1e-6, averaged. */
    public static Tensor gaussianNllLoss(Tensor input, Tensor target, Tensor var) {
        return gaussianNllLoss(input, target, var, false, 1e-6, "mean");
    }

    private static Tensor gaussianNll(Tensor input, Tensor target, Tensor var, boolean full, double eps, String reduction) {
        int[] is = input.shape();
        int[] vs = var.shape();
        if (!Arrays.equals(vs, is)) {
            if (is.length >= 1 && Arrays.equals(Arrays.copyOf(is, is.length - 1), vs)) {
                var = var.unsqueeze(-1);
            } else {
                long mismatched = 0;
                if (is.length == vs.length) {
                    for (int i = 0; i < is.length; i++) {
                        if (is[i] != vs[i]) {
                            mismatched += vs[i];
                        }
                    }
                }
                if (is.length != vs.length || mismatched != 1) {
                    throw new IllegalArgumentException("var is of incorrect size");
                }
            }
        }
        if (!"none".equals(reduction) && !"mean".equals(reduction) && !"sum".equals(reduction)) {
            throw new IllegalArgumentException(reduction + " is not valid");
        }
        var = var.clone();
        try (GradMode off = Ember.noGrad()) {
            var.clamp_(eps, Double.POSITIVE_INFINITY);
        }
        Tensor d = input.sub(target);
        Tensor loss = var.log().add(d.pow(2.0).div(var)).mul(0.5);
        if (full) {
            loss = loss.add(0.5 * Math.log(2 * Math.PI));
        }
        switch (reduction) {
            case "mean": return loss.mean();
            case "sum": return loss.sum();
            default: return loss;
        }
    }

    /**
     * {@code F.pairwise_distance(x1, x2, p, eps, keepdim)}: the p-norm of {@code x1 - x2 + eps} over the last dimension
     * (broadcast); nodes SubBackward0, AddBackward1, NormBackward1 as PyTorch 2.x's.
     */
    public static Tensor pairwiseDistance(Tensor x1, Tensor x2, double p, double eps, boolean keepdim) {
        return Tensor.pairwiseDistance(x1, x2, p, eps, keepdim);
    }

    /** {@code F.pairwise_distance(x1, x2)}: p 2, eps 1e-6, no kept dimension. */
    public static Tensor pairwiseDistance(Tensor x1, Tensor x2) {
        return pairwiseDistance(x1, x2, 2.0, 1e-6, false);
    }

    /**
     * {@code F.cosine_similarity(x1, x2, dim, eps)} with PyTorch 2.x's formula: {@code sum(x1 / max(|x1|, eps) * x2 /
     * max(|x2|, eps))} over {@code dim} (inputs broadcast; the norms clamped without recording).
     */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim, double eps) {
        return Tensor.cosineSimilarity(x1, x2, dim, eps);
    }

    /** {@code F.cosine_similarity(x1, x2)}: dim 1, eps 1e-8. */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2) {
        return cosineSimilarity(x1, x2, 1, 1e-8);
    }

    /**
     * {@code F.normalize(input, p, dim, eps)}: {@code input / max(|input|_p, eps)} over {@code dim}, as PyTorch 2.x's
     * {@code input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)} (DivBackward0, ExpandBackward0,
     * ClampMinBackward0, LinalgVectorNormBackward0).
     */
    public static Tensor normalize(Tensor input, double p, int dim, double eps) {
        Checks.tensor(input, "normalize", "input", 1);
        Tensor denom = input.norm(p, new int[] {dim}, true).clampMin(eps).expandAs(input);
        return input.div(denom);
    }

    /** {@code F.normalize(input)}: p 2 over dimension 1, eps 1e-12. */
    public static Tensor normalize(Tensor input) {
        return normalize(input, 2.0, 1, 1e-12);
    }

    /**
     * {@code torch.cdist(x1, x2, p)}: the p-distances between the rows of {@code x1 [*, r1, c]} and {@code x2 [*, r2,
     * c]}; see {@link Tensor#cdist} for the path it takes.
     */
    public static Tensor cdist(Tensor x1, Tensor x2, double p) {
        Checks.tensor(x1, "cdist", "x1", 1);
        return x1.cdist(x2, p);
    }

    /** {@code torch.cdist(x1, x2)} with p 2. */
    public static Tensor cdist(Tensor x1, Tensor x2) {
        return cdist(x1, x2, 2.0);
    }

    // ------------------------------------------------------------------ issue 15: activations

    /** {@code F.leaky_relu(x, negative_slope)}: one node, LeakyReluBackward0. */
    public static Tensor leakyRelu(Tensor x, double negativeSlope) {
        Checks.tensor(x, "leaky_relu", "input", 1);
        return NNFunctions.leakyRelu(x, negativeSlope);
    }

    /** {@code F.leaky_relu(x)} with slope 0.01. */
    public static Tensor leakyRelu(Tensor x) {
        return leakyRelu(x, 0.01);
    }

    /** {@code F.elu(x, alpha)}: one node, EluBackward0. */
    public static Tensor elu(Tensor x, double alpha) {
        Checks.tensor(x, "elu", "input", 1);
        return NNFunctions.elu(x, alpha, 1.0, 1.0);
    }

    /** {@code F.elu(x)} with alpha 1. */
    public static Tensor elu(Tensor x) {
        return elu(x, 1.0);
    }

    /** {@code F.selu(x)}: PyTorch computes it as elu with SELU's constants, one node EluBackward0. */
    public static Tensor selu(Tensor x) {
        Checks.tensor(x, "selu", "input", 1);
        return Tensor.selu(x);
    }

    /** {@code F.celu(x, alpha)}: one node, CeluBackward0. */
    public static Tensor celu(Tensor x, double alpha) {
        Checks.tensor(x, "celu", "input", 1);
        return Tensor.celu(x, alpha);
    }

    /** {@code F.silu(x)}: {@code x sigmoid(x)}, one node SiluBackward0. */
    public static Tensor silu(Tensor x) {
        Checks.tensor(x, "silu", "input", 1);
        return NNFunctions.silu(x);
    }

    /** {@code F.mish(x)}: {@code x tanh(softplus(x))}, one node MishBackward0. */
    public static Tensor mish(Tensor x) {
        Checks.tensor(x, "mish", "input", 1);
        return NNFunctions.mish(x);
    }

    /** {@code F.softplus(x, beta, threshold)}: one node, SoftplusBackward0. */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        Checks.tensor(x, "softplus", "input", 1);
        return NNFunctions.softplus(x, beta, threshold);
    }

    /** {@code F.softplus(x)} with beta 1, threshold 20. */
    public static Tensor softplus(Tensor x) {
        return softplus(x, 1.0, 20.0);
    }

    /** {@code F.hardtanh(x, min_val, max_val)}: one node, HardtanhBackward0. */
    public static Tensor hardtanh(Tensor x, double minVal, double maxVal) {
        checkHardtanhRange(minVal, maxVal);
        Checks.tensor(x, "hardtanh", "input", 1);
        return NNFunctions.hardtanh(x, minVal, maxVal);
    }

    /**
     * PyTorch 2.4's {@code F.hardtanh} check (#121627, "torch.nn.hardtahn allowed min_val to be greater than max_val"):
     * {@code if min_val > max_val: raise ValueError("min_val cannot be greater than max_val")}, before anything else;
     * equal bounds (and NaN ones) pass. {@code F.hardtanh_}, PyTorch's bare {@code torch._C._nn.hardtanh_}, has no such
     * check.
     */
    private static void checkHardtanhRange(double minVal, double maxVal) {
        if (minVal > maxVal) {
            throw new IllegalArgumentException("min_val cannot be greater than max_val");
        }
    }

    /** {@code F.hardtanh(x)} over [-1, 1]. */
    public static Tensor hardtanh(Tensor x) {
        return hardtanh(x, -1.0, 1.0);
    }

    /** {@code F.relu6(x)}: {@code hardtanh(x, 0, 6)}, as PyTorch computes it (HardtanhBackward0). */
    public static Tensor relu6(Tensor x) {
        Checks.tensor(x, "relu6", "input", 1);
        return NNFunctions.hardtanh(x, 0.0, 6.0);
    }

    /** {@code F.hardswish(x)}: one node, HardswishBackward0. */
    public static Tensor hardswish(Tensor x) {
        Checks.tensor(x, "hardswish", "input", 1);
        return NNFunctions.hardswish(x);
    }

    /** {@code F.softmax(x, dim)}: one node, SoftmaxBackward0. */
    public static Tensor softmax(Tensor x, int dim) {
        Checks.tensor(x, "softmax", "input", 1);
        return x.softmax(dim);
    }

    /** {@code F.log_softmax(x, dim)}: one node, LogSoftmaxBackward0. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        Checks.tensor(x, "log_softmax", "input", 1);
        return x.logSoftmax(dim);
    }

    /**
     * {@code F.softmax(x, dim, dtype=dtype)}: {@code x} converted to {@code dtype} first (ToCopyBackward0 where the type
     * changes), then SoftmaxBackward0.
     */
    public static Tensor softmax(Tensor x, int dim, DType dtype) {
        Checks.tensor(x, "softmax", "input", 1);
        return x.softmax(dim, dtype);
    }

    /** {@code F.log_softmax(x, dim, dtype=dtype)}: {@code x} converted to {@code dtype} first, then LogSoftmaxBackward0. */
    public static Tensor logSoftmax(Tensor x, int dim, DType dtype) {
        Checks.tensor(x, "log_softmax", "input", 1);
        return x.logSoftmax(dim, dtype);
    }

    // ------------------------------------------------------------------ session 18: more activations, in-place forms

    /**
     * {@code F.prelu(input, weight)}: {@code x > 0 ? x : weight * x}, the weight (one value, or one per channel of
     * dimension 1) viewed over the input, one node PreluKernelBackward0 (PyTorch 2.x's {@code _prelu_kernel}).
     *
     * @throws IllegalArgumentException for a weight of another type, of more than one dimension or whose size is not the
     *     channel count, with PyTorch 2.x's messages
     */
    public static Tensor prelu(Tensor input, Tensor weight) {
        Checks.tensor(input, "prelu", "input", 1);
        Checks.tensor(weight, "prelu", "weight", 2);
        return NNFunctions.prelu(input, weight);
    }

    /** {@code F.glu(input, dim)}: {@code a * sigmoid(b)} of the two halves along {@code dim}; one node GluBackward0. */
    public static Tensor glu(Tensor input, int dim) {
        Checks.tensor(input, "glu", "input", 1);
        return NNFunctions.glu(input, dim);
    }

    /** {@code F.glu(input)} along the last dimension. */
    public static Tensor glu(Tensor input) {
        return glu(input, -1);
    }

    /** {@code F.hardsigmoid(x)}: {@code relu6(x + 3) / 6}; one node HardsigmoidBackward0. */
    public static Tensor hardsigmoid(Tensor x) {
        Checks.tensor(x, "hardsigmoid", "input", 1);
        return NNFunctions.hardsigmoid(x);
    }

    /** {@code F.hardsigmoid(x, inplace)}: in place, the node stays HardsigmoidBackward0. */
    public static Tensor hardsigmoid(Tensor x, boolean inplace) {
        Checks.tensor(x, "hardsigmoid", "input", 1);
        return inplace ? NNFunctions.hardsigmoid_(x) : NNFunctions.hardsigmoid(x);
    }

    /** {@code F.hardshrink(x, lambd)}: {@code -lambd <= x <= lambd ? 0 : x}; one node HardshrinkBackward0. */
    public static Tensor hardshrink(Tensor x, double lambd) {
        Checks.tensor(x, "hardshrink", "input", 1);
        return NNFunctions.hardshrink(x, lambd);
    }

    /** {@code F.hardshrink(x)} with lambd 0.5. */
    public static Tensor hardshrink(Tensor x) {
        return hardshrink(x, 0.5);
    }

    /**
     * {@code F.softshrink(x, lambd)}: {@code x - lambd} above lambd, {@code x + lambd} below -lambd, else 0; one node
     * SoftshrinkBackward0.
     *
     * @throws IllegalArgumentException for a negative lambd, with PyTorch's message
     */
    public static Tensor softshrink(Tensor x, double lambd) {
        Checks.tensor(x, "softshrink", "input", 1);
        return NNFunctions.softshrink(x, lambd);
    }

    /** {@code F.softshrink(x)} with lambd 0.5. */
    public static Tensor softshrink(Tensor x) {
        return softshrink(x, 0.5);
    }

    /** {@code F.threshold(x, threshold, value)}: {@code x <= threshold ? value : x}; one node ThresholdBackward0. */
    public static Tensor threshold(Tensor x, double threshold, double value) {
        Checks.tensor(x, "threshold", "input", 1);
        return NNFunctions.threshold(x, threshold, value);
    }

    /** {@code F.threshold(x, threshold, value, inplace)}. */
    public static Tensor threshold(Tensor x, double threshold, double value, boolean inplace) {
        return inplace ? threshold_(x, threshold, value) : threshold(x, threshold, value);
    }

    /**
     * {@code F.threshold_(x, threshold, value)}: in place, one node ThresholdBackward1, whose backward (PyTorch's) reads
     * the result: {@code result <= threshold ? 0 : grad}.
     */
    public static Tensor threshold_(Tensor x, double threshold, double value) {
        Checks.tensor(x, "threshold_", "input", 1);
        return NNFunctions.threshold_(x, threshold, value);
    }

    /** {@code F.softsign(x)}: PyTorch's composition {@code x / (|x| + 1)} (DivBackward0, AddBackward0, AbsBackward0). */
    public static Tensor softsign(Tensor x) {
        Checks.tensor(x, "softsign", "input", 1);
        return x.div(x.abs().add(1L));
    }

    /** {@code F.tanhshrink(x)}: PyTorch's composition {@code x - tanh(x)} (SubBackward0, TanhBackward0). */
    public static Tensor tanhshrink(Tensor x) {
        Checks.tensor(x, "tanhshrink", "input", 1);
        return x.sub(x.tanh());
    }

    /** {@code F.softmin(x, dim)}: PyTorch's composition {@code softmax(-x, dim)} (SoftmaxBackward0, NegBackward0). */
    public static Tensor softmin(Tensor x, int dim) {
        Checks.tensor(x, "softmin", "input", 1);
        return x.neg().softmax(dim);
    }

    /**
     * {@code F.rrelu(x, lower, upper, training)}: in training each element {@code x <= 0} is multiplied by a slope drawn
     * uniformly from [lower, upper] (the default generator), otherwise leaky_relu with slope {@code (lower + upper) /
     * 2}; one node RreluWithNoiseBackward0.
     *
     * @throws IllegalArgumentException when {@code lower > upper}, with PyTorch's message
     */
    public static Tensor rrelu(Tensor x, double lower, double upper, boolean training) {
        return rrelu(x, lower, upper, training, null);
    }

    /** {@link #rrelu(Tensor, double, double, boolean)} drawing the slopes from {@code generator} (null: the default). */
    public static Tensor rrelu(Tensor x, double lower, double upper, boolean training, dev.ember.Generator generator) {
        Checks.tensor(x, "rrelu", "input", 1);
        return NNFunctions.rrelu(x, lower, upper, training, generator);
    }

    /** {@code F.rrelu(x)}: lower 1/8, upper 1/3, not training. */
    public static Tensor rrelu(Tensor x) {
        return rrelu(x, 1.0 / 8, 1.0 / 3, false);
    }

    /** {@code F.rrelu_(x, lower, upper, training)}: in place, one node RreluWithNoiseBackward1. */
    public static Tensor rrelu_(Tensor x, double lower, double upper, boolean training) {
        return rrelu_(x, lower, upper, training, null);
    }

    /** {@link #rrelu_(Tensor, double, double, boolean)} drawing the slopes from {@code generator}. */
    public static Tensor rrelu_(Tensor x, double lower, double upper, boolean training, dev.ember.Generator generator) {
        Checks.tensor(x, "rrelu_", "input", 1);
        return NNFunctions.rrelu_(x, lower, upper, training, generator);
    }

    /** {@code F.relu_(x)}: in place, ReluBackward0. */
    public static Tensor relu_(Tensor x) {
        Checks.tensor(x, "relu_", "input", 1);
        return x.relu_();
    }

    /** {@code F.relu(x, inplace)}. */
    public static Tensor relu(Tensor x, boolean inplace) {
        return inplace ? relu_(x) : relu(x);
    }

    /** {@code F.leaky_relu_(x, negative_slope)}: in place, LeakyReluBackward1 (a negative slope fails its backward). */
    public static Tensor leakyRelu_(Tensor x, double negativeSlope) {
        Checks.tensor(x, "leaky_relu_", "input", 1);
        return NNFunctions.leakyRelu_(x, negativeSlope);
    }

    /** {@code F.leaky_relu(x, negative_slope, inplace)}. */
    public static Tensor leakyRelu(Tensor x, double negativeSlope, boolean inplace) {
        return inplace ? leakyRelu_(x, negativeSlope) : leakyRelu(x, negativeSlope);
    }

    /** {@code F.elu_(x, alpha)}: in place, EluBackward1 (a negative alpha fails its backward). */
    public static Tensor elu_(Tensor x, double alpha) {
        Checks.tensor(x, "elu_", "input", 1);
        return NNFunctions.elu_(x, alpha);
    }

    /** {@code F.elu(x, alpha, inplace)}. */
    public static Tensor elu(Tensor x, double alpha, boolean inplace) {
        return inplace ? elu_(x, alpha) : elu(x, alpha);
    }

    /** {@code F.selu_(x)}: in place, EluBackward1. */
    public static Tensor selu_(Tensor x) {
        Checks.tensor(x, "selu_", "input", 1);
        return NNFunctions.selu_(x);
    }

    /** {@code F.celu_(x, alpha)}: in place, CeluBackward1. */
    public static Tensor celu_(Tensor x, double alpha) {
        Checks.tensor(x, "celu_", "input", 1);
        return NNFunctions.celu_(x, alpha);
    }

    /** {@code F.selu(x, inplace)}: in place (EluBackward1) when asked. */
    public static Tensor selu(Tensor x, boolean inplace) {
        return inplace ? selu_(x) : selu(x);
    }

    /** {@code F.celu(x, alpha, inplace)}: in place (CeluBackward1) when asked. */
    public static Tensor celu(Tensor x, double alpha, boolean inplace) {
        return inplace ? celu_(x, alpha) : celu(x, alpha);
    }

    /** {@code F.hardtanh_(x, min_val, max_val)}: in place, HardtanhBackward0. */
    public static Tensor hardtanh_(Tensor x, double minVal, double maxVal) {
        Checks.tensor(x, "hardtanh_", "input", 1);
        return NNFunctions.hardtanh_(x, minVal, maxVal);
    }

    /** {@code F.hardtanh(x, min_val, max_val, inplace)}. */
    public static Tensor hardtanh(Tensor x, double minVal, double maxVal, boolean inplace) {
        checkHardtanhRange(minVal, maxVal);
        return inplace ? hardtanh_(x, minVal, maxVal) : hardtanh(x, minVal, maxVal);
    }

    /** {@code F.relu6(x, inplace)}: {@code hardtanh(x, 0, 6)}, in place when asked. */
    public static Tensor relu6(Tensor x, boolean inplace) {
        return inplace ? hardtanh_(x, 0.0, 6.0) : relu6(x);
    }

    /** {@code F.hardswish(x, inplace)}: in place, the node stays HardswishBackward0. */
    public static Tensor hardswish(Tensor x, boolean inplace) {
        Checks.tensor(x, "hardswish", "input", 1);
        return inplace ? NNFunctions.hardswish_(x) : NNFunctions.hardswish(x);
    }

    /** {@code F.silu(x, inplace)}: in place, the node stays SiluBackward0. */
    public static Tensor silu(Tensor x, boolean inplace) {
        Checks.tensor(x, "silu", "input", 1);
        return inplace ? NNFunctions.silu_(x) : NNFunctions.silu(x);
    }

    /** {@code F.mish(x, inplace)}: in place, the node stays MishBackward0. */
    public static Tensor mish(Tensor x, boolean inplace) {
        Checks.tensor(x, "mish", "input", 1);
        return inplace ? NNFunctions.mish_(x) : NNFunctions.mish(x);
    }

    // ------------------------------------------------------------------ issue 15: normalization

    /**
     * {@code F.layer_norm}: normalizes over the last dimensions {@code normalizedShape} (biased variance), then
     * {@code * weight + bias} (each of the normalized shape, or null); one fused node NativeLayerNormBackward0.
     */
    public static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Checks.tensor(input, "layer_norm", "input", 1);
        Checks.ints(normalizedShape, "layer_norm", "normalized_shape", 2);
        return Tensor.layerNorm(input, normalizedShape, weight, bias, eps);
    }

    /** {@code F.layer_norm} without affine parameters, eps 1e-5. */
    public static Tensor layerNorm(Tensor input, int[] normalizedShape) {
        return layerNorm(input, normalizedShape, null, null, 1e-5);
    }

    /**
     * {@code F.rms_norm} (PyTorch 2.4+): {@code x / sqrt(mean(x^2) + eps) * weight} over the last dimensions; weight may
     * be null, {@code eps} null means the input type's machine epsilon. One fused node FusedRmsNormBackward0.
     */
    public static Tensor rmsNorm(Tensor input, int[] normalizedShape, Tensor weight, Double eps) {
        Checks.tensor(input, "rms_norm", "input", 1);
        Checks.ints(normalizedShape, "rms_norm", "normalized_shape", 2);
        return Tensor.rmsNorm(input, normalizedShape, weight, eps);
    }

    /**
     * {@code F.group_norm}: an {@code [N, C, *]} input normalized over groups of {@code C / numGroups} channels, then the
     * per-channel {@code weight} and {@code bias} (each may be null); one fused node NativeGroupNormBackward0.
     */
    public static Tensor groupNorm(Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
        Checks.tensor(input, "group_norm", "input", 1);
        if (input.dim() < 2) {
            throw new IllegalArgumentException("Expected at least 2 dimensions for input tensor but received " + input.dim());
        }
        if (numGroups == 0) {
            throw new IllegalArgumentException("integer division or modulo by zero"); // Python's ZeroDivisionError
        }
        int[] s = input.shape();
        int[] sizes = new int[s.length];
        sizes[0] = Math.floorDiv(s[0] * s[1], numGroups);
        sizes[1] = numGroups;
        System.arraycopy(s, 2, sizes, 2, s.length - 2);
        verifyBatchSize(sizes, Arrays.toString(sizes)); // F passes a Python list here
        return Tensor.groupNorm(input, numGroups, weight, bias, eps);
    }

    /** {@code F.group_norm} without affine parameters, eps 1e-5. */
    public static Tensor groupNorm(Tensor input, int numGroups) {
        return groupNorm(input, numGroups, null, null, 1e-5);
    }

    /**
     * {@code F.instance_norm}: each sample's channels normalized over their other dimensions, PyTorch's composition over
     * batch norm (ViewBackward0 over NativeBatchNormBackward0); every tensor but the input may be null. The running
     * statistics (when given) are updated in training and used otherwise.
     */
    public static Tensor instanceNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                      boolean useInputStats, double momentum, double eps) {
        Checks.tensor(input, "instance_norm", "input", 1);
        if (useInputStats) {
            long spatial = 1;
            int[] s = input.shape();
            for (int i = 2; i < s.length; i++) {
                spatial *= s[i];
            }
            if (spatial == 1) {
                throw new IllegalArgumentException("Expected more than 1 spatial element when training, got input size "
                        + Format.size(s));
            }
        }
        return Tensor.instanceNorm(input, weight, bias, runningMean, runningVar, useInputStats, momentum, eps);
    }

    // ------------------------------------------------------------------ issue 15: embeddings

    /**
     * F's check of a padding index against a table of {@code rows} rows: null stays null, a negative one counts from the
     * end; outside the table, PyTorch's assertion.
     */
    static Long paddingIndex(Long paddingIdx, int rows) {
        if (paddingIdx == null) {
            return null;
        }
        long p = paddingIdx;
        if (p >= rows || p < -rows) {
            throw new IllegalArgumentException("Padding_idx must be within num_embeddings");
        }
        return p < 0 ? rows + p : p;
    }

    /**
     * {@code F.embedding}: the rows of {@code weight} at the int64 {@code input}; {@code paddingIdx} (may be null) names
     * a row that gets no gradient; with {@code maxNorm} (may be null) the rows looked up whose {@code normType}-norm
     * exceeds it are first rescaled in place (PyTorch's embedding_renorm_, without history). One node
     * EmbeddingBackward0, a dense gradient.
     */
    public static Tensor embedding(Tensor input, Tensor weight, Long paddingIdx, Double maxNorm, double normType,
                                   boolean scaleGradByFreq) {
        return embedding(input, weight, paddingIdx, maxNorm, normType, scaleGradByFreq, false);
    }

    /**
     * {@code F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)}: as
     * {@link #embedding(Tensor, Tensor, Long, Double, double, boolean)}; with {@code sparse} the weight's gradient is
     * sparse ({@link Tensor#sparseGrad()}: one entry per lookup, uncoalesced, the padding row's lookups dropped), as
     * PyTorch's; {@code scaleGradByFreq} with {@code sparse} fails in the backward pass with PyTorch's message.
     */
    public static Tensor embedding(Tensor input, Tensor weight, Long paddingIdx, Double maxNorm, double normType,
                                   boolean scaleGradByFreq, boolean sparse) {
        Checks.tensor(input, "embedding", "input", 1);
        Checks.tensor(weight, "embedding", "weight", 2);
        Long p = weight.dim() < 1 ? paddingIdx : paddingIndex(paddingIdx, weight.size(0));
        if (maxNorm != null) {
            Tensor in = input.contiguous();
            renormBeforeLookup(in, weight, maxNorm, normType, () -> {
                if (in.numel() > 0 && (long) in.min().item() < 0) {
                    throw new IndexOutOfBoundsException("index out of range in self");
                }
            });
        }
        return Tensor.embedding(weight, input, p == null ? -1 : p, scaleGradByFreq, sparse);
    }

    /**
     * {@code embedding_renorm_} before a lookup, with the lookup's checks first, so that a failing call writes
     * nothing: PyTorch renorms in sorted order and stops at the first index select() rejects (that message comes from
     * {@code embeddingRenorm_}, which checks before it writes); a call the renorm accepts but the lookup refuses
     * (negative indices, embedding_bag's offsets) fails in PyTorch only after the rows were renormed, here before
     * ({@code lookupChecks}, which throws the lookup's refusal).
     */
    private static void renormBeforeLookup(Tensor indices, Tensor weight, double maxNorm, double normType,
                                           Runnable lookupChecks) {
        if (indices.isMeta() || weight.isMeta()) {
            return; // embedding_renorm_'s meta kernel changes nothing: no rows to read or renorm
        }
        boolean renormAccepts = true;
        if (indices.numel() > 0 && weight.dim() == 2) {
            long lo = (long) indices.min().item();
            long hi = (long) indices.max().item();
            long rows = weight.size(0);
            renormAccepts = lo >= -rows && hi < rows;
        }
        if (renormAccepts) {
            lookupChecks.run();
        }
        Tensor.embeddingRenorm_(weight, indices, maxNorm, normType);
    }

    /** {@code F.embedding(input, weight)}: no padding row, no max norm. */
    public static Tensor embedding(Tensor input, Tensor weight) {
        return embedding(input, weight, null, null, 2.0, false);
    }

    /**
     * {@code F.embedding_bag}: bags of rows of {@code weight} reduced by {@code mode} ("sum", "mean" or "max"). A 2-D
     * input holds one bag per row ({@code offsets} must be null); a 1-D input is split at {@code offsets} (1-D, the
     * first 0; with {@code includeLastOffset} the last offset ends the last bag). {@code perSampleWeights} (mode "sum"
     * only, the input's shape) scales each row; rows equal to {@code paddingIdx} are left out (an empty bag gives
     * zeros). Nullable: offsets, maxNorm, perSampleWeights, paddingIdx. One node EmbeddingBagBackward0.
     */
    public static Tensor embeddingBag(Tensor input, Tensor weight, Tensor offsets, Double maxNorm, double normType,
                                      boolean scaleGradByFreq, String mode, Tensor perSampleWeights,
                                      boolean includeLastOffset, Long paddingIdx) {
        return embeddingBag(input, weight, offsets, maxNorm, normType, scaleGradByFreq, mode, perSampleWeights,
                includeLastOffset, paddingIdx, false);
    }

    /**
     * {@code F.embedding_bag} with every option, PyTorch's {@code sparse} last: as
     * {@link #embeddingBag(Tensor, Tensor, Tensor, Double, double, boolean, String, Tensor, boolean, Long)}, and with
     * {@code sparse} the weight's gradient is sparse ({@link Tensor#sparseGrad()}); mode "max" refuses it, as PyTorch.
     */
    public static Tensor embeddingBag(Tensor input, Tensor weight, Tensor offsets, Double maxNorm, double normType,
                                      boolean scaleGradByFreq, String mode, Tensor perSampleWeights,
                                      boolean includeLastOffset, Long paddingIdx, boolean sparse) {
        Checks.tensor(input, "embedding_bag", "input", 1);
        Checks.tensor(weight, "embedding_bag", "weight", 2);
        Checks.notNull(mode, "embedding_bag(): argument 'mode'");
        if (perSampleWeights != null && !Arrays.equals(input.shape(), perSampleWeights.shape())) {
            throw new IllegalArgumentException("embedding_bag: If per_sample_weights (" + Format.size(perSampleWeights.shape())
                    + ") is not None, then it must have the same shape as the input (" + Format.size(input.shape()) + ")");
        }
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("weight has to be a 2D Tensor, but got Tensor of dimension " + weight.dim());
        }
        Tensor in = input;
        Tensor off = offsets;
        Tensor psw = perSampleWeights;
        if (input.dim() == 2) {
            if (offsets != null) {
                throw new IllegalArgumentException("if input is 2D, then offsets has to be None, as input is treated is a "
                        + "mini-batch of fixed length sequences. However, found offsets of type <class 'torch.Tensor'>");
            }
            // torch.arange(0, numel, size(1)), as PyTorch's: a 2-D input without columns is refused ("step must be
            // nonzero")
            off = Tensor.arange(0, input.numel(), input.size(1), DType.INT64).to(input.device());
            in = input.reshape(-1);
            psw = psw == null ? null : psw.reshape(-1);
        } else if (input.dim() == 1) {
            if (offsets == null) {
                throw new IllegalArgumentException("offsets has to be a 1D Tensor but got None");
            }
            if (offsets.dim() != 1) {
                throw new IllegalArgumentException("offsets has to be a 1D Tensor");
            }
        } else {
            throw new IllegalArgumentException("input has to be 1D or 2D Tensor, but got Tensor of dimension " + input.dim());
        }
        int modeEnum;
        switch (mode) {
            case "sum": modeEnum = 0; break;
            case "mean": modeEnum = 1; break;
            case "max":
                modeEnum = 2;
                if (scaleGradByFreq) {
                    throw new IllegalArgumentException("max mode does not support scaling the gradient by the frequency");
                }
                if (sparse) {
                    throw new IllegalArgumentException("max mode does not support sparse weights");
                }
                break;
            default: throw new IllegalArgumentException("mode has to be one of sum, mean or max");
        }
        Long p = paddingIndex(paddingIdx, weight.size(0));
        // (PyTorch renormalizes the weight for max_norm before this refusal; Ember refuses first, leaving it unchanged)
        boolean weightsWithoutSum = psw != null && modeEnum != 0;
        Runnable weightsCheck = () -> {
            if (weightsWithoutSum) {
                throw new UnsupportedOperationException("embedding_bag: per_sample_weights was not None. per_sample_weights "
                        + "is only supported for mode='sum' (got mode='" + mode + "'). Please open a feature request on "
                        + "GitHub.");
            }
        };
        long padding = p == null ? -1 : p;
        if (maxNorm != null) {
            // PyTorch renorms before it refuses the per-sample weights of another mode (and before the bag's checks):
            // the renorm's own refusal first, then theirs, all before anything is written
            Tensor bagIn = in;
            Tensor bagOff = off;
            Tensor bagPsw = psw;
            int bagMode = modeEnum;
            renormBeforeLookup(in, weight, maxNorm, normType, () -> {
                weightsCheck.run();
                NNFunctions.checkEmbeddingBag(weight, bagIn, bagOff, bagMode, bagPsw, includeLastOffset, padding);
            });
        }
        weightsCheck.run();
        return Tensor.embeddingBag(weight, in, off, scaleGradByFreq, modeEnum, psw, includeLastOffset, padding,
                sparse);
    }

    /** {@code F.embedding_bag(input, weight, offsets, mode=mode)}: no max norm, no weights, no padding row. */
    public static Tensor embeddingBag(Tensor input, Tensor weight, Tensor offsets, String mode) {
        return embeddingBag(input, weight, offsets, null, 2.0, false, mode, null, false, null);
    }

    // ------------------------------------------------------------------ issue 15: losses PyTorch composes

    private static Tensor applyReduction(Tensor loss, String reduction) {
        switch (reduction) {
            case "none": return loss;
            case "sum": return loss.sum();
            default: return loss.mean();
        }
    }

    /** Once a process, however threads race: {@code compareAndSet} lets one caller log. */
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_KL_DIV_MEAN =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * {@code F.kl_div(input, target, reduction, log_target)}: the pointwise {@code target (log target - input)} (with
     * {@code log_target}: {@code exp(target) (target - input)}), reduced by "mean", "sum", "none" or "batchmean" (the sum
     * over the batch size). PyTorch 2.x composes it (xlogy, mul, sub; the reduction's node), and so does Ember; "mean"
     * logs PyTorch's warning once.
     */
    public static Tensor kLDivLoss(Tensor input, Tensor target, String reduction, boolean logTarget) {
        if (Autocast.on()) return Autocast.apply("kl_div", t -> kLDivLoss(t[0], t[1], reduction, logTarget),
                input, target);
        Checks.tensor(input, "kl_div", "input", 1);
        Checks.tensor(target, "kl_div", "target", 2);
        String red = "batchmean".equals(reduction) ? "sum" : reduction;
        checkReduction(red);
        if (input.isComplex() || target.isComplex()) {
            throw new IllegalArgumentException("kl_div: Complex inputs not supported.");
        }
        if (!input.dtype().isFloatingPoint() || !target.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("kl_div: Integral inputs not supported.");
        }
        if ("mean".equals(reduction) && WARNED_KL_DIV_MEAN.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "reduction: 'mean' divides the total loss by both the batch size and the "
                    + "support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                    + "'mean' will be changed to behave the same as 'batchmean' in the next major release.");
        }
        Tensor pointwise = logTarget ? target.exp().mul(target.sub(input)) : target.xlogy(target).sub(target.mul(input));
        Tensor reduced = applyReduction(pointwise, red);
        if ("batchmean".equals(reduction) && input.dim() != 0) {
            reduced = reduced.div((double) input.size(0));
        }
        return reduced;
    }

    /** {@code F.kl_div(input, target)}: "mean", probabilities as target. */
    public static Tensor kLDivLoss(Tensor input, Tensor target) {
        return kLDivLoss(input, target, "mean", false);
    }

    /**
     * {@code F.kl_div(input, target, reduction=..., log_target=...)} under its functional name: {@link
     * #kLDivLoss(Tensor, Tensor, String, boolean)}.
     */
    public static Tensor klDiv(Tensor input, Tensor target, String reduction, boolean logTarget) {
        return kLDivLoss(input, target, reduction, logTarget);
    }

    /** {@code F.kl_div(input, target)}: {@link #kLDivLoss(Tensor, Tensor)}. */
    public static Tensor klDiv(Tensor input, Tensor target) {
        return kLDivLoss(input, target);
    }

    /**
     * {@code F.cosine_embedding_loss}: {@code 1 - cos(x1, x2)} where the target is 1, {@code max(0, cos - margin)} where
     * it is -1 (0 elsewhere), cosines over dimension 1 of 2-D inputs with a 1-D target (or of 1-D inputs with a 0-D
     * target), with PyTorch's 1e-12 added to each squared magnitude; PyTorch composes it, and so does Ember.
     */
    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin, String reduction) {
        if (Autocast.on()) return Autocast.apply("cosine_embedding_loss",
                t -> cosineEmbeddingLoss(t[0], t[1], t[2], margin, reduction), input1, input2, target);
        Checks.tensor(input1, "cosine_embedding_loss", "input1", 1);
        Checks.tensor(input2, "cosine_embedding_loss", "input2", 2);
        Checks.tensor(target, "cosine_embedding_loss", "target", 3);
        checkReduction(reduction);
        int td = target.dim();
        if (td != 0 && td != 1) {
            throw new IllegalArgumentException("0D or 1D target tensor expected, multi-target not supported");
        }
        if (td == 1 && (input1.dim() != 2 || input2.dim() != 2)) {
            throw new IllegalArgumentException("1D target tensor expects 2D input tensors, but found inputs with sizes "
                    + Arrays.toString(input1.shape()) + " and " + Arrays.toString(input2.shape()) + ".");
        }
        if (td == 0 && (input1.dim() != 1 || input2.dim() != 1)) {
            throw new IllegalArgumentException("0D target tensor expects 1D input tensors, but found inputs with sizes "
                    + Arrays.toString(input1.shape()) + " and " + Arrays.toString(input2.shape()) + ".");
        }
        refuseComplexClamp("cosine_embedding_loss", input1, input2);
        final double epsilon = 1e-12f; // PyTorch's constexpr float EPSILON, also for double inputs
        Tensor prodSum = input1.mul(input2).sum(td);
        Tensor mag1 = input1.mul(input1).sum(td).add(epsilon);
        Tensor mag2 = input2.mul(input2).sum(td).add(epsilon);
        Tensor cos = prodSum.div(mag1.mul(mag2).sqrt());
        Tensor zeros = cos.zerosLike();
        Tensor pos = cos.rsub(1.0);
        Tensor neg = cos.sub(margin).clampMin(0.0);
        Tensor outPos = Tensor.where(target.eq(1L), pos, zeros);
        Tensor outNeg = Tensor.where(target.eq(-1L), neg, zeros);
        return applyReduction(outPos.add(outNeg), reduction);
    }

    /** {@code F.cosine_embedding_loss} with margin 0, averaged. */
    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target) {
        return cosineEmbeddingLoss(input1, input2, target, 0.0, "mean");
    }

    /**
     * {@code F.margin_ranking_loss}: {@code max(0, -target (x1 - x2) + margin)}, reduced; the three tensors must have one
     * rank (then broadcast). PyTorch composes it, and so does Ember.
     */
    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin, String reduction) {
        if (Autocast.on()) return Autocast.apply("margin_ranking_loss",
                t -> marginRankingLoss(t[0], t[1], t[2], margin, reduction), input1, input2, target);
        Checks.tensor(input1, "margin_ranking_loss", "input1", 1);
        Checks.tensor(input2, "margin_ranking_loss", "input2", 2);
        Checks.tensor(target, "margin_ranking_loss", "target", 3);
        checkReduction(reduction);
        if (input1.dim() != input2.dim() || input1.dim() != target.dim()) {
            throw new IllegalArgumentException("margin_ranking_loss : All input tensors should have same dimension but got "
                    + "sizes: input1: " + Format.size(input1.shape()) + ", input2: " + Format.size(input2.shape())
                    + ", target: " + Format.size(target.shape()) + " ");
        }
        refuseComplexClamp("margin_ranking_loss", target, input1, input2);
        Tensor out = target.neg().mul(input1.sub(input2)).add(margin).clampMin(0.0);
        return applyReduction(out, reduction);
    }

    /** {@code F.margin_ranking_loss} with margin 0, averaged. */
    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target) {
        return marginRankingLoss(input1, input2, target, 0.0, "mean");
    }

    // ------------------------------------------------------------------ convolution, resampling and recurrent layers (issue 15)

    /** {@code F.conv1d} with stride 1, no padding, no dilation, one group; {@code bias} may be null. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias) {
        return Tensor.conv1d(input, weight, bias, new int[] {1}, new int[] {0}, new int[] {1}, 1);
    }

    /**
     * {@code F.conv1d}: 1-D convolution of {@code [N, C, L]} (or {@code [C, L]}) by {@code [O, C / groups, K]}, plus
     * {@code bias} ({@code [O]}, may be null); one node, ConvolutionBackward0.
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return Tensor.conv1d(input, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * {@code F.conv1d(input, weight, bias, stride, padding, dilation, groups)} with {@code "valid"} (no padding) or
     * {@code "same"} padding (stride 1 only; an odd total padding puts the extra zero on the right, as PyTorch's
     * convolution_same).
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return convolutionWithPaddingString("conv1d", 1, input, weight, bias, stride, padding, dilation, groups, Tensor::conv1d);
    }

    /** {@code F.conv_transpose2d} with stride 1, no padding, one group; {@code bias} may be null. */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias) {
        return Tensor.convTranspose2d(input, weight, bias, new int[] {1}, new int[] {0}, new int[] {0}, 1, new int[] {1});
    }

    /**
     * {@code F.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the transposed
     * convolution of NCHW (or CHW) by {@code [C_in, C_out / groups, kh, kw]}, plus {@code bias} ({@code [C_out]}, may be
     * null); one node, ConvolutionBackward0.
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return Tensor.convTranspose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** PyTorch's {@code _list_with_default}: a size list must leave the input at least one leading dimension. */
    private static int[] listWithDefault(int[] outputSize, Tensor input) {
        if (input.dim() <= outputSize.length) {
            throw new IllegalArgumentException("Input dimension should be at least " + (outputSize.length + 1));
        }
        return outputSize.clone();
    }

    /** {@code F.adaptive_avg_pool2d(input, s)}: a square output of {@code s x s}. */
    public static Tensor adaptiveAvgPool2d(Tensor input, int outputSize) {
        Checks.tensor(input, "adaptive_avg_pool2d", "input", 1);
        return dev.ember.ResampleFunctions.adaptiveAvgPool2d(input, new int[] {outputSize, outputSize});
    }

    /**
     * {@code F.adaptive_avg_pool2d(input, (oh, ow))}: the mean over PyTorch's adaptive windows of a 3-D or 4-D input
     * (AdaptiveAvgPool2DBackward0; an output of 1 x 1 is a mean, MeanBackward1, as in PyTorch).
     */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        Checks.tensor(input, "adaptive_avg_pool2d", "input", 1);
        Checks.ints(outputSize, "adaptive_avg_pool2d", "output_size", 2);
        return dev.ember.ResampleFunctions.adaptiveAvgPool2d(input, listWithDefault(outputSize, input));
    }

    /** {@code F.adaptive_max_pool2d(input, s)}: the maxima over a square output of {@code s x s}. */
    public static Tensor adaptiveMaxPool2d(Tensor input, int outputSize) {
        Checks.tensor(input, "adaptive_max_pool2d", "input", 1);
        return dev.ember.ResampleFunctions.adaptiveMaxPool2d(input, new int[] {outputSize, outputSize}).values();
    }

    /** {@code F.adaptive_max_pool2d(input, (oh, ow))}: the maxima over PyTorch's adaptive windows (AdaptiveMaxPool2DBackward0). */
    public static Tensor adaptiveMaxPool2d(Tensor input, int[] outputSize) {
        return adaptiveMaxPool2dWithIndices(input, outputSize).values();
    }

    /**
     * {@code F.adaptive_max_pool2d(input, output_size, return_indices=True)}: the maxima and their int64 flat indices
     * ({@code h * W + w}) within each plane.
     */
    public static Tensor.ValuesIndices adaptiveMaxPool2dWithIndices(Tensor input, int[] outputSize) {
        Checks.tensor(input, "adaptive_max_pool2d", "input", 1);
        Checks.ints(outputSize, "adaptive_max_pool2d", "output_size", 2);
        return dev.ember.ResampleFunctions.adaptiveMaxPool2d(input, listWithDefault(outputSize, input));
    }

    // ------------------------------------------------------------------ 1-D pooling, LP pooling, transposed 1-D
    // convolution, local response norm (session 19)

    /** {@code F.max_pool1d(input, kernel_size)}: stride = kernel, no padding, no dilation. */
    public static Tensor maxPool1d(Tensor input, int kernel) {
        return maxPool1d(input, kernel, kernel, 0, 1, false);
    }

    /** {@code F.max_pool1d(input, kernel_size, stride)}. */
    public static Tensor maxPool1d(Tensor input, int kernel, int stride) {
        return maxPool1d(input, kernel, stride, 0, 1, false);
    }

    /**
     * {@code F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)} of a {@code [N, C, L]} (or
     * {@code [C, L]}) input: the maxima over windows of the last dimension (padding is at most half the kernel and pads
     * with -inf). With a gradient, PyTorch 2.x's nodes SqueezeBackward1, MaxPool2DWithIndicesBackward0,
     * UnsqueezeBackward0.
     */
    public static Tensor maxPool1d(Tensor input, int kernel, int stride, int padding, int dilation, boolean ceilMode) {
        Checks.tensor(input, "max_pool1d", "input", 1);
        return dev.ember.Pool1dFunctions.maxPool1d(input, kernel, stride, padding, dilation, ceilMode);
    }

    /**
     * {@code F.max_pool1d(..., return_indices=True)}: the maxima and the int64 index of each along the last dimension
     * (what {@link #maxUnpool1d} takes).
     */
    public static Tensor.ValuesIndices maxPool1dWithIndices(Tensor input, int kernel, int stride, int padding, int dilation,
                                                            boolean ceilMode) {
        Checks.tensor(input, "max_pool1d_with_indices", "input", 1);
        return dev.ember.Pool1dFunctions.maxPool1dWithIndices(input, kernel, stride, padding, dilation, ceilMode);
    }

    /** {@code F.avg_pool1d(input, kernel_size)}: stride = kernel, no padding. */
    public static Tensor avgPool1d(Tensor input, int kernel) {
        return avgPool1d(input, kernel, kernel, 0, false, true);
    }

    /** {@code F.avg_pool1d(input, kernel_size, stride)}. */
    public static Tensor avgPool1d(Tensor input, int kernel, int stride) {
        return avgPool1d(input, kernel, stride, 0, false, true);
    }

    /**
     * {@code F.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)} of a {@code [N, C, L]} (or
     * {@code [C, L]}) input; nodes SqueezeBackward1, AvgPool2DBackward0, UnsqueezeBackward0, as PyTorch.
     */
    public static Tensor avgPool1d(Tensor input, int kernel, int stride, int padding, boolean ceilMode,
                                   boolean countIncludePad) {
        Checks.tensor(input, "avg_pool1d", "input", 1);
        return dev.ember.Pool1dFunctions.avgPool1d(input, kernel, stride, padding, ceilMode, countIncludePad);
    }

    /** {@code F.adaptive_avg_pool1d(input, output_size)}: the means over PyTorch's adaptive windows of the last dimension. */
    public static Tensor adaptiveAvgPool1d(Tensor input, int outputSize) {
        Checks.tensor(input, "adaptive_avg_pool1d", "input", 1);
        return dev.ember.Pool1dFunctions.adaptiveAvgPool1d(input, outputSize);
    }

    /** {@code F.adaptive_max_pool1d(input, output_size)}: the maxima over PyTorch's adaptive windows of the last dimension. */
    public static Tensor adaptiveMaxPool1d(Tensor input, int outputSize) {
        return adaptiveMaxPool1dWithIndices(input, outputSize).values();
    }

    /** {@code F.adaptive_max_pool1d(input, output_size, return_indices=True)}: the maxima and their int64 indices. */
    public static Tensor.ValuesIndices adaptiveMaxPool1dWithIndices(Tensor input, int outputSize) {
        Checks.tensor(input, "adaptive_max_pool1d", "input", 1);
        return dev.ember.Pool1dFunctions.adaptiveMaxPool1d(input, outputSize);
    }

    /** {@code F.max_unpool1d(input, indices, kernel_size)}: stride = kernel, no padding, the default output size. */
    public static Tensor maxUnpool1d(Tensor input, Tensor indices, int kernel) {
        return maxUnpool1d(input, indices, kernel, kernel, 0, null);
    }

    /**
     * {@code F.max_unpool1d(input, indices, kernel_size, stride, padding, output_size)}: each value of a {@code [N, C, L]}
     * (or {@code [C, L]}) input written at its index in a zero output; {@code outputSize} null means
     * {@code (L - 1) * stride + kernel - 2 * padding}, otherwise 1 size (or 3, whose last is used) within one stride of
     * that. As functional.py: {@code max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), size + [1]).squeeze(-1)}
     * (nodes SqueezeBackward1, MaxUnpool2DBackward0, UnsqueezeBackward0).
     */
    public static Tensor maxUnpool1d(Tensor input, Tensor indices, int kernel, int stride, int padding, int[] outputSize) {
        Checks.tensor(input, "max_unpool1d", "input", 1);
        Checks.tensor(indices, "max_unpool1d", "indices", 2);
        int[] size = unpoolOutputSize(input, new int[] {kernel}, new int[] {stride}, new int[] {padding}, outputSize);
        return dev.ember.NNOps2.maxUnpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), new int[] {size[0], 1}).squeeze(-1);
    }

    /** {@code F.lp_pool1d(input, norm_type, kernel_size)}: stride = kernel. */
    public static Tensor lpPool1d(Tensor input, double normType, int kernel) {
        return lpPool1d(input, normType, kernel, kernel, false);
    }

    /**
     * {@code F.lp_pool1d(input, norm_type, kernel_size, stride, ceil_mode)}: the {@code p}-norm over each window, as
     * functional.py composes it from {@code avg_pool1d} of {@code input ^ p} (PowBackward0, the avg_pool1d chain,
     * SignBackward0, AbsBackward0, ReluBackward0, MulBackward0, MulBackward0, PowBackward0).
     */
    public static Tensor lpPool1d(Tensor input, double normType, int kernel, int stride, boolean ceilMode) {
        Checks.tensor(input, "lp_pool1d", "input", 1);
        return dev.ember.Pool1dFunctions.lpPool1d(input, normType, kernel, stride, ceilMode);
    }

    /** {@code F.lp_pool2d(input, norm_type, kernel_size)}: a square window, stride = window. */
    public static Tensor lpPool2d(Tensor input, double normType, int kernel) {
        return lpPool2d(input, normType, new int[] {kernel}, null, false);
    }

    /**
     * {@code F.lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode)}: kernel and stride one int or a pair
     * ({@code stride} null or empty for the kernel), composed as functional.py does over {@code avg_pool2d}.
     */
    public static Tensor lpPool2d(Tensor input, double normType, int[] kernel, int[] stride, boolean ceilMode) {
        Checks.tensor(input, "lp_pool2d", "input", 1);
        return dev.ember.Pool1dFunctions.lpPool2d(input, normType, kernel, stride, ceilMode);
    }

    /** {@code F.conv_transpose1d(input, weight, bias)}: stride 1, no padding, one group; {@code bias} may be null. */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias) {
        return Tensor.convTranspose1d(input, weight, bias, new int[] {1}, new int[] {0}, new int[] {0}, 1, new int[] {1});
    }

    /**
     * {@code F.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the transposed
     * convolution of {@code [N, C_in, L]} (or {@code [C_in, L]}) by {@code [C_in, C_out / groups, K]}, plus {@code bias}
     * ({@code [C_out]}, may be null); one node, ConvolutionBackward0.
     */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int outputPadding,
                                         int groups, int dilation) {
        return Tensor.convTranspose1d(input, weight, bias, new int[] {stride}, new int[] {padding}, new int[] {outputPadding},
                groups, new int[] {dilation});
    }

    /** {@code F.local_response_norm(input, size)}: alpha 1e-4, beta 0.75, k 1. */
    public static Tensor localResponseNorm(Tensor input, int size) {
        return localResponseNorm(input, size, 1e-4, 0.75, 1.0);
    }

    /**
     * {@code F.local_response_norm(input, size, alpha, beta, k)} of a 3-D or larger input, channels in dimension 1:
     * {@code input / (k + alpha / size * sum of the squares over the size channels around each) ^ beta}, composed as
     * functional.py does (an empty input is returned as it is).
     */
    public static Tensor localResponseNorm(Tensor input, int size, double alpha, double beta, double k) {
        Checks.tensor(input, "local_response_norm", "input", 1);
        return dev.ember.Pool1dFunctions.localResponseNorm(input, size, alpha, beta, k);
    }

    // ------------------------------------------------------------------ volumetric (3-D) convolution and pooling (session 19)

    /** {@code F.conv3d} with stride 1, no padding, no dilation, one group; {@code bias} may be null. */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias) {
        return dev.ember.VolumetricFunctions.conv3d(input, weight, bias, new int[] {1}, new int[] {0}, new int[] {1}, 1);
    }

    /**
     * {@code F.conv3d}: 3-D convolution of {@code [N, C, D, H, W]} (or unbatched {@code [C, D, H, W]}) by
     * {@code [O, C / groups, kd, kh, kw]}, plus {@code bias} ({@code [O]}, may be null); stride, padding and dilation
     * one value or three. One node, ConvolutionBackward0.
     */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return dev.ember.VolumetricFunctions.conv3d(input, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * {@code F.conv3d(input, weight, bias, stride, padding, dilation, groups)} with {@code "valid"} (no padding) or
     * {@code "same"} padding (stride 1 only; an odd total padding puts the extra element at the end, as PyTorch's
     * convolution_same, a constant pad of the input first).
     */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return convolutionWithPaddingString("conv3d", 3, input, weight, bias, stride, padding, dilation, groups, dev.ember.VolumetricFunctions::conv3d);
    }

    /** {@code F.conv_transpose3d} with stride 1, no padding, one group; {@code bias} may be null. */
    public static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias) {
        return dev.ember.VolumetricFunctions.convTranspose3d(input, weight, bias, new int[] {1}, new int[] {0}, new int[] {0}, 1,
                new int[] {1});
    }

    /**
     * {@code F.conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the transposed
     * convolution of {@code [N, C_in, D, H, W]} (or unbatched {@code [C_in, D, H, W]}) by
     * {@code [C_in, C_out / groups, kd, kh, kw]}, plus {@code bias} ({@code [C_out]}, may be null); one node,
     * ConvolutionBackward0.
     */
    public static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return dev.ember.VolumetricFunctions.convTranspose3d(input, weight, bias, stride, padding, outputPadding, groups,
                dilation);
    }

    /** {@code F.max_pool3d(input, k)}: a cubic window, stride = window. */
    public static Tensor maxPool3d(Tensor input, int kernel) {
        return maxPool3d(input, new int[] {kernel}, null, new int[] {0}, new int[] {1}, false);
    }

    /**
     * {@code F.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)} of a 4-D or 5-D input (each
     * argument one value or three; a null or empty stride means the kernel size); one node
     * MaxPool3DWithIndicesBackward0.
     */
    public static Tensor maxPool3d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        // max_pool3d is on PyTorch's CPU autocast list (float32); max_pool3d_with_indices (return_indices) is not
        if (Autocast.on()) {
            return Autocast.apply("max_pool3d", t -> maxPool3d(t[0], kernel, stride, padding, dilation, ceilMode),
                    input);
        }
        return maxPool3dWithIndices(input, kernel, stride, padding, dilation, ceilMode).values();
    }

    /**
     * {@code F.max_pool3d(..., return_indices=True)}: the maxima and their int64 flat indices {@code (d * H + h) * W + w}
     * within each plane.
     */
    public static Tensor.ValuesIndices maxPool3dWithIndices(Tensor input, int[] kernel, int[] stride, int[] padding,
                                                            int[] dilation, boolean ceilMode) {
        return dev.ember.VolumetricFunctions.maxPool3dWithIndices(input, kernel, stride == null ? new int[0] : stride, padding,
                dilation, ceilMode);
    }

    /** {@code F.avg_pool3d(input, k)}: a cubic window, stride = window, padding counted, no divisor override. */
    public static Tensor avgPool3d(Tensor input, int kernel) {
        return avgPool3d(input, new int[] {kernel}, null, new int[] {0}, false, true, null);
    }

    /**
     * {@code F.avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)} of a 4-D
     * or 5-D input (a null or empty stride means the kernel size; {@code divisorOverride} may be null); one node
     * AvgPool3DBackward0.
     */
    public static Tensor avgPool3d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        return dev.ember.VolumetricFunctions.avgPool3d(input, kernel, stride == null ? new int[0] : stride, padding, ceilMode,
                countIncludePad, divisorOverride);
    }

    /** {@code F.adaptive_avg_pool3d(input, s)}: a cubic output of {@code s x s x s}. */
    public static Tensor adaptiveAvgPool3d(Tensor input, int outputSize) {
        Checks.tensor(input, "adaptive_avg_pool3d", "input", 1);
        return dev.ember.VolumetricFunctions.adaptiveAvgPool3d(input, new int[] {outputSize, outputSize, outputSize});
    }

    /**
     * {@code F.adaptive_avg_pool3d(input, (od, oh, ow))}: the means over PyTorch's adaptive windows of a 4-D or 5-D
     * input (AdaptiveAvgPool3DBackward0; an output of 1 x 1 x 1 is a mean, MeanBackward1, as in PyTorch).
     */
    public static Tensor adaptiveAvgPool3d(Tensor input, int[] outputSize) {
        Checks.tensor(input, "adaptive_avg_pool3d", "input", 1);
        Checks.ints(outputSize, "adaptive_avg_pool3d", "output_size", 2);
        return dev.ember.VolumetricFunctions.adaptiveAvgPool3d(input, listWithDefault(outputSize, input));
    }

    /** {@code F.adaptive_max_pool3d(input, s)}: the maxima over a cubic output of {@code s x s x s}. */
    public static Tensor adaptiveMaxPool3d(Tensor input, int outputSize) {
        Checks.tensor(input, "adaptive_max_pool3d", "input", 1);
        return dev.ember.VolumetricFunctions.adaptiveMaxPool3d(input, new int[] {outputSize, outputSize, outputSize}).values();
    }

    /** {@code F.adaptive_max_pool3d(input, (od, oh, ow))}: the maxima over PyTorch's adaptive windows (AdaptiveMaxPool3DBackward0). */
    public static Tensor adaptiveMaxPool3d(Tensor input, int[] outputSize) {
        return adaptiveMaxPool3dWithIndices(input, outputSize).values();
    }

    /**
     * {@code F.adaptive_max_pool3d(input, output_size, return_indices=True)}: the maxima and their int64 flat indices
     * {@code (d * H + h) * W + w} within each plane.
     */
    public static Tensor.ValuesIndices adaptiveMaxPool3dWithIndices(Tensor input, int[] outputSize) {
        Checks.tensor(input, "adaptive_max_pool3d", "input", 1);
        Checks.ints(outputSize, "adaptive_max_pool3d", "output_size", 2);
        return dev.ember.VolumetricFunctions.adaptiveMaxPool3d(input, listWithDefault(outputSize, input));
    }

    /** A Python list of floats as PyTorch's messages print it. */
    private static String floats(double[] v) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            s.append(i > 0 ? ", " : "").append(Format.repr(v[i]));
        }
        return s.append(']').toString();
    }

    /**
     * Samples {@code input} {@code [N, C, H, W]} at the normalized positions of {@code grid} {@code [N, Ho, Wo, 2]} (x, y
     * in [-1, 1]), or {@code input} {@code [N, C, D, H, W]} at {@code grid} {@code [N, Do, Ho, Wo, 3]} (x, y, z), as
     * {@code F.grid_sample}: {@code mode} "bilinear" (trilinear for 5-D), "nearest" or (4-D only) "bicubic", padding
     * "zeros", "border" or "reflection"; {@code alignCorners} puts -1 and 1 at the corner pixels' centres (otherwise at
     * their outer edges). Gradients reach the input and (bilinear, bicubic) the grid; one node
     * {@code GridSampler2DBackward0} or {@code GridSampler3DBackward0}, whose backward, as PyTorch's, is not
     * differentiable again.
     */
    public static Tensor gridSample(Tensor input, Tensor grid, String mode, String paddingMode, boolean alignCorners) {
        return ResampleFunctions.gridSample(input, grid, mode, paddingMode, alignCorners);
    }

    /**
     * The sampling grid of the affine maps {@code theta} over an output of {@code size}, as {@code F.affine_grid}:
     * {@code [N, H, W, 2]} for theta {@code [N, 2, 3]} and size {@code [N, C, H, W]}, or {@code [N, D, H, W, 3]} for
     * theta {@code [N, 3, 4]} and size {@code [N, C, D, H, W]}; one node {@code AffineGridGeneratorBackward0}.
     */
    public static Tensor affineGrid(Tensor theta, int[] size, boolean alignCorners) {
        return ResampleFunctions.affineGrid(theta, size, alignCorners);
    }

    /**
     * {@code F.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)}, with PyTorch's
     * argument handling: exactly one of {@code size} and {@code scaleFactor} (the other null), each one value for every
     * spatial dimension or one per dimension; {@code mode} {@code "nearest"} and {@code "nearest-exact"} (3-D to 5-D
     * input), {@code "linear"} (3-D), {@code "bilinear"} and {@code "bicubic"} (4-D), {@code "trilinear"} (5-D) (for
     * these four {@code alignCorners} may be set, null means false) or {@code "area"} (3-D to 5-D: adaptive average
     * pooling); {@code alignCorners} and {@code recomputeScaleFactor} may be null (PyTorch's None). With
     * {@code recomputeScaleFactor} true the output size is {@code floor(in * scale)} and the kernel uses
     * {@code in / out} as its scale; otherwise a scale factor given is the kernel's scale.
     *
     * @throws UnsupportedOperationException where PyTorch raises NotImplementedError (a mode and rank that do not fit)
     */
    public static Tensor interpolate(Tensor input, int[] size, double[] scaleFactor, String mode, Boolean alignCorners,
                                     Boolean recomputeScaleFactor) {
        return interpolate(input, size, scaleFactor, mode, alignCorners, recomputeScaleFactor, false);
    }

    /**
     * {@code F.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)}: as
     * {@link #interpolate(Tensor, int[], double[], String, Boolean, Boolean)}, and with {@code antialias} true (only for
     * "bilinear" and "bicubic" on 4-D input, PyTorch's restriction and message) the antialiased resampling PIL and
     * torchvision use for shrinking images: each output sample a normalized weighted sum under a filter widened by
     * the downscaling factor (triangle for bilinear, Keys' cubic with a = -0.5 for bicubic); float32 and float64 input.
     * One node UpsampleBilinear2DAaBackward0 or UpsampleBicubic2DAaBackward0.
     *
     * @throws UnsupportedOperationException where PyTorch raises NotImplementedError (a mode and rank that do not fit)
     */
    public static Tensor interpolate(Tensor input, int[] size, double[] scaleFactor, String mode, Boolean alignCorners,
                                     Boolean recomputeScaleFactor, boolean antialias) {
        Checks.tensor(input, "interpolate", "input", 1);
        if (mode == null) {
            throw new IllegalArgumentException("interpolate(): argument 'mode' (position 4) must be str, not null");
        }
        boolean align;
        if (mode.equals("nearest") || mode.equals("area") || mode.equals("nearest-exact")) {
            if (alignCorners != null) {
                throw new IllegalArgumentException("align_corners option can only be set with the interpolating modes: "
                        + "linear | bilinear | bicubic | trilinear");
            }
            align = false;
        } else {
            align = alignCorners != null && alignCorners;
        }
        int dim = input.dim() - 2;
        int[] outputSize = null;
        double[] scales = null;
        if (size != null && scaleFactor != null) {
            throw new IllegalArgumentException("only one of size or scale_factor should be defined");
        } else if (size != null) {
            if (size.length == 1) {
                outputSize = new int[Math.max(dim, 0)];
                Arrays.fill(outputSize, size[0]);
            } else if (size.length != dim) {
                throw new IllegalArgumentException("Input and output must have the same number of spatial dimensions, but got "
                        + "input with spatial dimensions of " + Arrays.toString(spatialShape(input)) + " and output size of "
                        + Arrays.toString(size) + ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                        + "size in (o1, o2, ...,oK) format.");
            } else {
                outputSize = size.clone();
            }
        } else if (scaleFactor != null) {
            if (scaleFactor.length == 1) {
                scales = new double[Math.max(dim, 0)];
                Arrays.fill(scales, scaleFactor[0]);
            } else if (scaleFactor.length != dim) {
                throw new IllegalArgumentException("Input and scale_factor must have the same number of spatial dimensions, but "
                        + "got input with spatial dimensions of " + Arrays.toString(spatialShape(input)) + " and scale_factor of "
                        + "shape " + floats(scaleFactor) + ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                        + "scale_factor in (s1, s2, ...,sK) format.");
            } else {
                scales = scaleFactor.clone();
            }
        } else {
            throw new IllegalArgumentException("either size or scale_factor should be defined");
        }
        boolean recompute = recomputeScaleFactor != null && recomputeScaleFactor;
        if (recompute && size != null) {
            throw new IllegalArgumentException("recompute_scale_factor is not meaningful with an explicit size.");
        }
        if (mode.equals("area") && outputSize == null) {
            recompute = true;
        }
        if (recompute) {
            outputSize = new int[scales.length];
            for (int i = 0; i < scales.length; i++) {
                double v = Math.floor((double) input.size(i + 2) * scales[i]);
                if (!(v > Integer.MIN_VALUE && v < Integer.MAX_VALUE)) {
                    throw new IllegalArgumentException("interpolate: the output size " + Format.repr(v) + " is out of range");
                }
                outputSize[i] = (int) v;
            }
            scales = null;
        }
        int rank = input.dim();
        if (antialias) {
            if (!((mode.equals("bilinear") || mode.equals("bicubic")) && rank == 4)) {
                throw new IllegalArgumentException("Anti-alias option is restricted to bilinear and bicubic modes and "
                        + "requires a 4-D tensor as input");
            }
            return mode.equals("bilinear")
                    ? dev.ember.ResampleFunctions.upsampleBilinear2dAa(input, outputSize, align, scales)
                    : dev.ember.ResampleFunctions.upsampleBicubic2dAa(input, outputSize, align, scales);
        }
        boolean nearest = mode.equals("nearest") || mode.equals("nearest-exact");
        if (nearest && rank >= 3 && rank <= 5) {
            return mode.equals("nearest") ? dev.ember.ResampleFunctions.upsampleNearest(input, outputSize, scales)
                    : dev.ember.ResampleFunctions.upsampleNearestExact(input, outputSize, scales);
        }
        if (mode.equals("area") && rank == 3) {
            return dev.ember.Pool1dFunctions.adaptiveAvgPool1d(input, outputSize[0]);
        }
        if (mode.equals("area") && rank == 4) {
            return dev.ember.ResampleFunctions.adaptiveAvgPool2d(input, outputSize);
        }
        if (mode.equals("area") && rank == 5) {
            return dev.ember.VolumetricFunctions.adaptiveAvgPool3d(input, outputSize);
        }
        if (mode.equals("linear") && rank == 3) {
            return dev.ember.ResampleFunctions.upsampleLinear1d(input, outputSize, align, scales);
        }
        if (mode.equals("bilinear") && rank == 4) {
            return dev.ember.ResampleFunctions.upsampleBilinear2d(input, outputSize, align, scales);
        }
        if (mode.equals("trilinear") && rank == 5) {
            return dev.ember.ResampleFunctions.upsampleTrilinear3d(input, outputSize, align, scales);
        }
        if (mode.equals("bicubic") && rank == 4) {
            return dev.ember.ResampleFunctions.upsampleBicubic2d(input, outputSize, align, scales);
        }
        // torch/nn/functional.py's refusals of a linear mode on a rank that does not fit, in its order
        String[] needs = {"bilinear", "4", "trilinear", "5", "linear", "3"};
        if (rank >= 3 && rank <= 5) {
            for (int i = 0; i < needs.length; i += 2) {
                if (mode.equals(needs[i]) && rank != Integer.parseInt(needs[i + 1])) {
                    throw new UnsupportedOperationException("Got " + rank + "D input, but " + mode + " mode needs "
                            + needs[i + 1] + "D input");
                }
            }
        }
        throw new UnsupportedOperationException("Input Error: Only 3D, 4D and 5D input Tensors supported (got " + rank + "D) for "
                + "the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got " + mode + ")");
    }

    private static int[] spatialShape(Tensor input) {
        int[] s = input.shape();
        return Arrays.copyOfRange(s, Math.min(2, s.length), s.length);
    }

    /**
     * {@code F.upsample(input, size, scale_factor, mode, align_corners)}: PyTorch's deprecated name of
     * {@link #interpolate(Tensor, int[], double[], String, Boolean, Boolean)} (without recompute_scale_factor).
     */
    public static Tensor upsample(Tensor input, int[] size, double[] scaleFactor, String mode, Boolean alignCorners) {
        return interpolate(input, size, scaleFactor, mode, alignCorners, null);
    }

    /**
     * {@code F.upsample_bilinear(input, size, scale_factor)} (deprecated in PyTorch): bilinear interpolation of 4-D input
     * with align_corners true.
     */
    public static Tensor upsampleBilinear(Tensor input, int[] size, double[] scaleFactor) {
        return interpolate(input, size, scaleFactor, "bilinear", true, null);
    }

    /** {@code F.upsample_nearest(input, size, scale_factor)} (deprecated in PyTorch): nearest interpolation. */
    public static Tensor upsampleNearest(Tensor input, int[] size, double[] scaleFactor) {
        return interpolate(input, size, scaleFactor, "nearest", null, null);
    }

    /** {@code F.interpolate(input, size=size, mode=mode)}: one size for every spatial dimension, or one per dimension. */
    public static Tensor interpolate(Tensor input, int[] size, String mode) {
        Checks.ints(size, "interpolate", "size", 2);
        return interpolate(input, size, null, mode, null, null);
    }

    /** {@code F.interpolate(input, scale_factor=scaleFactor, mode=mode)}: one scale for every spatial dimension. */
    public static Tensor interpolate(Tensor input, double scaleFactor, String mode) {
        return interpolate(input, null, new double[] {scaleFactor}, mode, null, null);
    }

    /** {@code F.pixel_shuffle}: {@code [*, C r^2, H, W]} to {@code [*, C, H r, W r]}. */
    public static Tensor pixelShuffle(Tensor input, int upscaleFactor) {
        return Tensor.pixelShuffle(input, upscaleFactor);
    }

    /** {@code F.pixel_unshuffle}: {@code [*, C, H r, W r]} to {@code [*, C r^2, H, W]}. */
    public static Tensor pixelUnshuffle(Tensor input, int downscaleFactor) {
        return Tensor.pixelUnshuffle(input, downscaleFactor);
    }

    // ------------------------------------------------------------------ issue 15: attention

    /**
     * {@code F.scaled_dot_product_attention(query, key, value)}: {@code softmax(q k^T / sqrt(E)) v} over the last two
     * dimensions ([..., L, E], [..., S, E], [..., S, Ev]), fused into one node
     * (ScaledDotProductFlashAttentionForCpuBackward0) where PyTorch's CPU dispatch would fuse it, composed otherwise.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value) {
        return scaledDotProductAttention(query, key, value, null, 0.0, false, null, false, null);
    }

    /**
     * {@code F.scaled_dot_product_attention(query, key, value, is_causal=is_causal)}, the decoder's common call: no mask,
     * no dropout, scale {@code 1 / sqrt(E)}. With {@code isCausal}, key j is masked for query i when {@code j > i},
     * aligned top-left as PyTorch's: with a KV cache (one new query against S cached keys) pass false, since a causal
     * mask there would let the new token see only the first key.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, boolean isCausal) {
        return scaledDotProductAttention(query, key, value, null, 0.0, isCausal, null, false, null);
    }

    /**
     * {@code F.scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale)}: a boolean
     * {@code attnMask} (true: takes part) or a float one (added to the scores), broadcast to [..., L, S], or null;
     * dropout with probability {@code dropoutP} on the attention weights (always, as PyTorch's: pass 0 outside training;
     * on CUDA inside the fused kernel, dropping the elements the composition would drop from the same generator state);
     * {@code isCausal} masks key j for query i when {@code j > i} (aligned top-left when L and S differ; not with a mask);
     * {@code scale} null is {@code 1 / sqrt(E)}. A query row whose every key is masked gives zeros (PyTorch 2.5+).
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                                                   boolean isCausal, Double scale) {
        return scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, scale, false, null);
    }

    /**
     * {@code F.scaled_dot_product_attention(..., enable_gqa)} with dropout drawn from {@code generator} (null: the
     * default generator): {@code enableGqa} lets key and value have fewer heads ({@code size(-3)}) than the query, each
     * shared by a group of query heads (grouped-query attention).
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                                                   boolean isCausal, Double scale, boolean enableGqa,
                                                   dev.ember.Generator generator) {
        Checks.tensor(query, "scaled_dot_product_attention", "query", 1);
        Checks.tensor(key, "scaled_dot_product_attention", "key", 2);
        Checks.tensor(value, "scaled_dot_product_attention", "value", 3);
        return Tensor.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, scale, enableGqa, generator);
    }

    /**
     * {@code F.multi_head_attention_forward} (PyTorch 2.x), without {@code bias_k}, {@code bias_v},
     * {@code add_zero_attn} and static keys: sequence-first ([L, N, E]) or unbatched inputs, the packed projection
     * {@code inProjWeight} [3E, E] or, when it is null, the separate {@code qProjWeight}, {@code kProjWeight},
     * {@code vProjWeight}; biases and masks may be null. Returns the output and, with {@code needWeights}, the attention
     * weights (averaged over heads with {@code averageAttnWeights}). See {@link MultiheadAttention}.
     */
    public static MultiheadAttention.Output multiHeadAttentionForward(Tensor query, Tensor key, Tensor value,
                                                                      int embedDimToCheck, int numHeads, Tensor inProjWeight,
                                                                      Tensor inProjBias, double dropoutP,
                                                                      Tensor outProjWeight, Tensor outProjBias,
                                                                      boolean training, Tensor keyPaddingMask,
                                                                      boolean needWeights, Tensor attnMask,
                                                                      Tensor qProjWeight, Tensor kProjWeight,
                                                                      Tensor vProjWeight, boolean averageAttnWeights,
                                                                      boolean isCausal) {
        Checks.tensor(query, "multi_head_attention_forward", "query", 1);
        Checks.tensor(key, "multi_head_attention_forward", "key", 2);
        Checks.tensor(value, "multi_head_attention_forward", "value", 3);
        Checks.tensor(outProjWeight, "multi_head_attention_forward", "out_proj_weight", 9);
        return MultiheadAttention.attention(query, key, value, embedDimToCheck, numHeads, inProjWeight, inProjBias,
                dropoutP, outProjWeight, outProjBias, training, keyPaddingMask, needWeights, attnMask, qProjWeight,
                kProjWeight, vProjWeight, averageAttnWeights, isCausal);
    }

    // ------------------------------------------------------------------ one_hot, unfold / fold, bilinear, max_unpool2d, channel-wise dropout

    /** {@code F.one_hot(tensor)}: the number of classes is the largest value plus one. */
    public static Tensor oneHot(Tensor tensor) {
        return oneHot(tensor, -1);
    }

    /**
     * {@code F.one_hot(tensor, num_classes)}: an int64 tensor of the input's shape plus a last dimension of
     * {@code numClasses} (-1: the largest value plus one), 1 at each value and 0 elsewhere; no gradient. The input must
     * be int64, its values in {@code [0, numClasses)}; PyTorch's messages otherwise.
     */
    public static Tensor oneHot(Tensor tensor, long numClasses) {
        Checks.tensor(tensor, "one_hot", "input", 1);
        return dev.ember.NNOps2.oneHot(tensor, numClasses);
    }

    /** {@code F.unfold(input, kernel_size)}: dilation 1, no padding, stride 1. */
    public static Tensor unfold(Tensor input, int[] kernelSize) {
        return unfold(input, kernelSize, new int[] {1}, new int[] {0}, new int[] {1});
    }

    /**
     * {@code F.unfold(input, kernel_size, dilation, padding, stride)} (im2col): the sliding blocks of an
     * {@code [N, C, H, W]} (or {@code [C, H, W]}) input as columns, {@code [N, C * kh * kw, L]}; each argument one int or
     * a pair. One node, Im2ColBackward0, whose backward is {@link #fold}.
     */
    public static Tensor unfold(Tensor input, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        Checks.tensor(input, "im2col", "input", 1);
        return dev.ember.NNOps2.im2col(input, kernelSize, dilation, padding, stride);
    }

    /** {@code F.fold(input, output_size, kernel_size)}: dilation 1, no padding, stride 1. */
    public static Tensor fold(Tensor input, int[] outputSize, int[] kernelSize) {
        return fold(input, outputSize, kernelSize, new int[] {1}, new int[] {0}, new int[] {1});
    }

    /**
     * {@code F.fold(input, output_size, kernel_size, dilation, padding, stride)} (col2im): sums the columns of an
     * {@code [N, C * kh * kw, L]} (or {@code [C * kh * kw, L]}) input into an {@code [N, C, H, W]} output; each argument
     * one int or a pair. One node, Col2ImBackward0, whose backward is {@link #unfold}.
     */
    public static Tensor fold(Tensor input, int[] outputSize, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        Checks.tensor(input, "col2im", "input", 1);
        return dev.ember.NNOps2.col2im(input, outputSize, kernelSize, dilation, padding, stride);
    }

    /**
     * {@code F.bilinear(input1, input2, weight, bias)}: {@code y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] +
     * b[o]}; {@code bias} may be null. PyTorch 2.x's nodes: TrilinearBackward0 over the inputs flattened to rows, a
     * ViewBackward0 to the output's shape, then AddBackward0 for the bias.
     */
    public static Tensor bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor bias) {
        Checks.tensor(input1, "bilinear", "input1", 1);
        Checks.tensor(input2, "bilinear", "input2", 2);
        Checks.tensor(weight, "bilinear", "weight", 3);
        return dev.ember.NNOps2.bilinear(input1, input2, weight, bias);
    }

    /**
     * {@code F.max_unpool2d(input, indices, kernel_size, stride, padding, output_size)}: the inverse of max pooling with
     * indices, each value written at its index in a zero output plane. {@code stride} null or empty means the kernel
     * size; {@code outputSize} null means {@code (in - 1) * stride + kernel - 2 * padding}, otherwise 2 sizes (or 4,
     * whose last 2 are used) each within one stride of that. One node, MaxUnpool2DBackward0.
     */
    public static Tensor maxUnpool2d(Tensor input, Tensor indices, int[] kernelSize, int[] stride, int[] padding,
                                     int[] outputSize) {
        Checks.tensor(input, "max_unpool2d", "input", 1);
        Checks.tensor(indices, "max_unpool2d", "indices", 2);
        int[] k = pairOf(Checks.notNull(kernelSize, "kernel_size"));
        int[] s = stride == null || stride.length == 0 ? k : pairOf(stride);
        int[] p = pairOf(Checks.notNull(padding, "padding"));
        return dev.ember.NNOps2.maxUnpool2d(input, indices, unpoolOutputSize(input, k, s, p, outputSize));
    }

    /** Python's {@code _pair}: one int twice, otherwise the values as given. */
    private static int[] pairOf(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /** PyTorch's {@code _unpool_output_size}. */
    private static int[] unpoolOutputSize(Tensor input, int[] k, int[] s, int[] p, int[] outputSize) {
        int n = k.length;
        long[] def = new long[n];
        for (int d = 0; d < n; d++) {
            if (input.dim() - n + d < 0 || d >= s.length || d >= p.length) {
                throw new IndexOutOfBoundsException("tuple index out of range");
            }
            def[d] = ((long) input.size(input.dim() - n + d) - 1) * s[d] + k[d] - 2L * p[d];
        }
        int[] ret = new int[n];
        if (outputSize == null) {
            for (int d = 0; d < n; d++) {
                ret[d] = (int) def[d];
            }
            return ret;
        }
        int[] o = outputSize.length == n + 2 ? Arrays.copyOfRange(outputSize, 2, outputSize.length) : outputSize.clone();
        if (o.length != n) {
            throw new IllegalArgumentException("output_size should be a sequence containing " + n + " or " + (n + 2)
                    + " elements, but it has a length of '" + o.length + "'");
        }
        for (int d = 0; d < n; d++) {
            long min = def[d] - s[d];
            long max = def[d] + s[d];
            if (!(min < o[d] && o[d] < max)) {
                StringBuilder t = new StringBuilder("(");
                for (int i = 0; i < o.length; i++) {
                    t.append(i == 0 ? "" : ", ").append(o[i]);
                }
                t.append(o.length == 1 ? ",)" : ")");
                throw new IllegalArgumentException("invalid output_size \"" + t + "\" (dim " + d + " must be between " + min
                        + " and " + max + ")");
            }
        }
        return o;
    }

    private static final String DROPOUT2D_3D_INPUT = "dropout2d: Received a 3D input to dropout2d and assuming that "
            + "channel-wise 1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            + "dim. This behavior will change in a future release to interpret the input as one without a batch dimension, "
            + "i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d "
            + "instead.";

    /**
     * {@code F.dropout1d(input, p, training)}: zeroes whole channels ({@code [N, C, L]} or unbatched {@code [C, L]}) with
     * probability {@code p} and scales the rest by {@code 1/(1-p)} in training (MulBackward0); the input itself
     * otherwise.
     */
    public static Tensor dropout1d(Tensor input, double p, boolean training) {
        Checks.tensor(input, "dropout1d", "input", 1);
        Checks.probability(p);
        int d = input.dim();
        if (d != 2 && d != 3) {
            throw new IllegalArgumentException("dropout1d: Expected 2D or 3D input, but received a " + d + "D input. Note that "
                    + "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                    + "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).");
        }
        return featureDropoutUnbatched(input, p, training, d == 3);
    }

    /**
     * {@code F.dropout2d(input, p, training)}: channel-wise dropout of {@code [N, C, H, W]}; as PyTorch, a 3-D input is
     * taken as {@code [N, C, L]} (with its warning) and other ranks warn that they are deprecated.
     */
    public static Tensor dropout2d(Tensor input, double p, boolean training) {
        Checks.tensor(input, "dropout2d", "input", 1);
        Checks.probability(p);
        int d = input.dim();
        if (d != 3 && d != 4) {
            dev.ember.NNOps2.warn(deprecatedRank("dropout2d", d, 2, "3D or 4D"));
        }
        if (d == 3) {
            dev.ember.NNOps2.warn(DROPOUT2D_3D_INPUT);
        }
        return dev.ember.NNOps2.dropoutImpl(input, p, training, true, false);
    }

    /**
     * {@code F.dropout3d(input, p, training)}: channel-wise dropout of {@code [N, C, D, H, W]} or unbatched
     * {@code [C, D, H, W]}; other ranks warn that they are deprecated, as PyTorch.
     */
    public static Tensor dropout3d(Tensor input, double p, boolean training) {
        Checks.tensor(input, "dropout3d", "input", 1);
        Checks.probability(p);
        int d = input.dim();
        if (d != 4 && d != 5) {
            dev.ember.NNOps2.warn(deprecatedRank("dropout3d", d, 3, "4D or 5D"));
        }
        return featureDropoutUnbatched(input, p, training, d == 5);
    }

    private static String deprecatedRank(String name, int d, int spatial, String ranks) {
        return name + ": Received a " + d + "-D input to " + name + ", which is deprecated and will result in an error in a "
                + "future release. To retain the behavior and silence this warning, please use dropout instead. Note that "
                + name + " exists to provide channel-wise dropout on inputs with " + spatial + " spatial dimensions, a "
                + "channel dimension, and an optional batch dimension (i.e. " + ranks + " inputs).";
    }

    private static Tensor featureDropoutUnbatched(Tensor input, double p, boolean training, boolean batched) {
        if (batched) {
            return dev.ember.NNOps2.dropoutImpl(input, p, training, true, false);
        }
        Tensor out = dev.ember.NNOps2.dropoutImpl(input.unsqueeze(0), p, training, true, false);
        return out.squeeze(0);
    }

    /**
     * {@code F.alpha_dropout(input, p, training)}: in training, keeps SELU's mean and variance: dropped elements take
     * {@code -alpha'} and the result is scaled and shifted (MulBackward0 then AddBackward0); the input itself otherwise.
     */
    public static Tensor alphaDropout(Tensor input, double p, boolean training) {
        Checks.tensor(input, "alpha_dropout", "input", 1);
        Checks.probability(p);
        return dev.ember.NNOps2.dropoutImpl(input, p, training, false, true);
    }

    /** {@code F.feature_alpha_dropout(input, p, training)}: alpha dropout of whole channels (dimension 1). */
    public static Tensor featureAlphaDropout(Tensor input, double p, boolean training) {
        Checks.tensor(input, "feature_alpha_dropout", "input", 1);
        Checks.probability(p);
        return dev.ember.NNOps2.dropoutImpl(input, p, training, true, true);
    }

    // ---- nn.functional gaps (session 20, helper 4) ----

    /**
     * {@code F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)}: each
     * argument one int or a pair, a null or empty stride meaning the kernel size; {@code divisorOverride} (may be null)
     * divides every window's sum instead of its size. One node, AvgPool2DBackward0.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        return dev.ember.PoolingExtras.avgPool2d(input, kernel, stride == null ? new int[0] : stride, padding, ceilMode,
                countIncludePad, divisorOverride);
    }

    /** {@code F.lp_pool1d(input, norm_type, kernel_size)} with an int norm type: stride = kernel. */
    public static Tensor lpPool1d(Tensor input, int normType, int kernel) {
        return lpPool1d(input, normType, kernel, kernel, false);
    }

    /**
     * {@code F.lp_pool1d(input, norm_type, kernel_size, stride, ceil_mode)} with an int norm type, as Python's int:
     * {@code input.pow(p)} keeps an int64 input's type (the average pooling then divides with truncation) and the
     * result is floating only after the final {@code pow(1 / p)}; floating inputs give what a float norm gives.
     */
    public static Tensor lpPool1d(Tensor input, int normType, int kernel, int stride, boolean ceilMode) {
        Checks.tensor(input, "lp_pool1d", "input", 1);
        return dev.ember.PoolingExtras.lpPool1d(input, normType, kernel, stride, ceilMode);
    }

    /** {@code F.lp_pool2d(input, norm_type, kernel_size)} with an int norm type: a square window, stride = window. */
    public static Tensor lpPool2d(Tensor input, int normType, int kernel) {
        return lpPool2d(input, normType, new int[] {kernel}, null, false);
    }

    /**
     * {@code F.lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode)} with an int norm type (see
     * {@link #lpPool1d(Tensor, int, int, int, boolean)}); kernel and stride one int or a pair, stride null or empty
     * for the kernel.
     */
    public static Tensor lpPool2d(Tensor input, int normType, int[] kernel, int[] stride, boolean ceilMode) {
        Checks.tensor(input, "lp_pool2d", "input", 1);
        return dev.ember.PoolingExtras.lpPool2d(input, normType, kernel, stride, ceilMode);
    }

    /** {@code F.lp_pool3d(input, norm_type, kernel_size)} (PyTorch 2.2+): a cubic window, stride = window. */
    public static Tensor lpPool3d(Tensor input, double normType, int kernel) {
        return lpPool3d(input, normType, new int[] {kernel}, null, false);
    }

    /**
     * {@code F.lp_pool3d(input, norm_type, kernel_size, stride, ceil_mode)} (PyTorch 2.2+): the {@code p}-norm over
     * each window of the last three dimensions, composed as functional.py does over {@code avg_pool3d}; kernel and
     * stride one int or three ({@code stride} null or empty for the kernel).
     */
    public static Tensor lpPool3d(Tensor input, double normType, int[] kernel, int[] stride, boolean ceilMode) {
        Checks.tensor(input, "lp_pool3d", "input", 1);
        return dev.ember.PoolingExtras.lpPool3d(input, normType, false, kernel, stride, ceilMode);
    }

    /** {@code F.lp_pool3d(input, norm_type, kernel_size)} with an int norm type: a cubic window, stride = window. */
    public static Tensor lpPool3d(Tensor input, int normType, int kernel) {
        return lpPool3d(input, normType, new int[] {kernel}, null, false);
    }

    /**
     * {@code F.lp_pool3d(input, norm_type, kernel_size, stride, ceil_mode)} with an int norm type (see
     * {@link #lpPool1d(Tensor, int, int, int, boolean)}).
     */
    public static Tensor lpPool3d(Tensor input, int normType, int[] kernel, int[] stride, boolean ceilMode) {
        Checks.tensor(input, "lp_pool3d", "input", 1);
        return dev.ember.PoolingExtras.lpPool3d(input, normType, true, kernel, stride, ceilMode);
    }

    /** {@code F.max_unpool3d(input, indices, kernel_size)}: stride = kernel, no padding, the default output size. */
    public static Tensor maxUnpool3d(Tensor input, Tensor indices, int kernel) {
        return maxUnpool3d(input, indices, new int[] {kernel}, null, new int[] {0}, null);
    }

    /**
     * {@code F.max_unpool3d(input, indices, kernel_size, stride, padding, output_size)}: the inverse of 3-D max pooling
     * with indices, each value of a 4-D or 5-D input written at its index in a zero output volume. Kernel, stride and
     * padding one int or three ({@code stride} null or empty for the kernel); {@code outputSize} null means
     * {@code (in - 1) * stride + kernel - 2 * padding}, otherwise 3 sizes (or 5, whose last 3 are used) each within one
     * stride of that. One node, MaxUnpool3DBackward0.
     */
    public static Tensor maxUnpool3d(Tensor input, Tensor indices, int[] kernelSize, int[] stride, int[] padding,
                                     int[] outputSize) {
        Checks.tensor(input, "max_unpool3d", "input", 1);
        Checks.tensor(indices, "max_unpool3d", "indices", 2);
        int[] k = tripleOf(Checks.notNull(kernelSize, "kernel_size"));
        int[] s = stride == null || stride.length == 0 ? k : tripleOf(stride);
        int[] p = tripleOf(Checks.notNull(padding, "padding"));
        return dev.ember.PoolingExtras.maxUnpool3d(input, indices, unpoolOutputSize(input, k, s, p, outputSize), s, p);
    }

    /** Python's {@code _triple}: one int three times, otherwise the values as given. */
    private static int[] tripleOf(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0], v[0]} : v.clone();
    }

    /**
     * {@code F.channel_shuffle(input, groups)}: the channels (dimension 1) of an input of 3 or more dimensions, split
     * into {@code groups} groups, interleaved; one node, ChannelShuffleBackward0 (PyTorch 2.x's).
     */
    public static Tensor channelShuffle(Tensor input, int groups) {
        Checks.tensor(input, "channel_shuffle", "input", 1);
        return dev.ember.PoolingExtras.channelShuffle(input, groups);
    }

    /** {@code F.pdist(input)}: the Euclidean distances between the rows of an {@code [N, M]} input. */
    public static Tensor pdist(Tensor input) {
        return pdist(input, 2.0);
    }

    /**
     * {@code F.pdist(input, p)}: the p-norm distances between each pair of rows {@code i < j} of an {@code [N, M]}
     * floating input, {@code N (N - 1) / 2} values in row-major pair order; one node, PdistBackward0.
     */
    public static Tensor pdist(Tensor input, double p) {
        Checks.tensor(input, "pdist", "input", 1);
        return dev.ember.PoolingExtras.pdist(input, p);
    }

    /** {@code F.gumbel_softmax(logits)}: tau 1, soft samples over the last dimension. */
    public static Tensor gumbelSoftmax(Tensor logits) {
        return gumbelSoftmax(logits, 1.0, false, -1);
    }

    /**
     * {@code F.gumbel_softmax(logits, tau, hard, dim=dim)}: {@code softmax((logits + g) / tau, dim)} with gumbel noise
     * {@code g = -log(Exponential(1))} from the default generator; with {@code hard}, one-hot samples (the argmax of
     * each slice) whose gradient is the soft sample's (straight-through), as functional.py composes it.
     */
    public static Tensor gumbelSoftmax(Tensor logits, double tau, boolean hard, int dim) {
        Checks.tensor(logits, "gumbel_softmax", "logits", 1);
        return dev.ember.PoolingExtras.gumbelSoftmax(logits, tau, hard, dim);
    }

    /** {@code F.triplet_margin_with_distance_loss(anchor, positive, negative)}: pairwise distance, margin 1, mean. */
    public static Tensor tripletMarginWithDistanceLoss(Tensor anchor, Tensor positive, Tensor negative) {
        return tripletMarginWithDistanceLoss(anchor, positive, negative, null, 1.0, false, "mean");
    }

    /**
     * {@code F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=, margin=, swap=,
     * reduction=)}: {@code max(margin + d(a, p) - d(a, n), 0)} (with {@code swap}, {@code d(a, n)} is the smaller of it
     * and {@code d(p, n)}), reduced ("mean", "sum" or "none"); {@code distanceFunction} null means
     * {@link #pairwiseDistance(Tensor, Tensor)}. PyTorch 2.x's composition and checks.
     */
    public static Tensor tripletMarginWithDistanceLoss(Tensor anchor, Tensor positive, Tensor negative,
                                                       java.util.function.BinaryOperator<Tensor> distanceFunction,
                                                       double margin, boolean swap, String reduction) {
        Checks.tensor(anchor, "triplet_margin_with_distance_loss", "anchor", 1);
        Checks.tensor(positive, "triplet_margin_with_distance_loss", "positive", 2);
        Checks.tensor(negative, "triplet_margin_with_distance_loss", "negative", 3);
        return dev.ember.PoolingExtras.tripletMarginWithDistanceLoss(anchor, positive, negative, distanceFunction, margin,
                swap, reduction);
    }

    /**
     * {@code F.fractional_max_pool2d(input, kernel_size, output_size, output_ratio, _random_samples=)}: the values of
     * {@link #fractionalMaxPool2dWithIndices}.
     */
    public static Tensor fractionalMaxPool2d(Tensor input, int[] kernel, int[] outputSize, double[] outputRatio,
                                             Tensor randomSamples) {
        return fractionalMaxPool2dWithIndices(input, kernel, outputSize, outputRatio, randomSamples).values();
    }

    /**
     * {@code F.fractional_max_pool2d(..., return_indices=True)}: a 3-D or 4-D input's maxima over pseudo-random
     * windows of {@code kernel} (one int or a pair) and their flat indices {@code h * W + w}. The output size is
     * {@code outputSize} (one int or a pair) or, when that is null, {@code int(size * ratio)} from
     * {@code outputRatio} (one value or a pair); {@code randomSamples} ({@code [N, C, 2]}, the input's type: PyTorch's
     * {@code _random_samples}) fixes the windows, null draws them with {@code torch.rand} from the default generator.
     * One node, FractionalMaxPool2DBackward0.
     */
    public static Tensor.ValuesIndices fractionalMaxPool2dWithIndices(Tensor input, int[] kernel, int[] outputSize,
                                                                      double[] outputRatio, Tensor randomSamples) {
        Checks.tensor(input, "fractional_max_pool2d", "input", 1);
        Checks.notNull(kernel, "kernel_size");
        int[] size = fractionalOutputSize("fractional_max_pool2d", input, outputSize, outputRatio, 2);
        Tensor samples = randomSamples != null ? randomSamples : fractionalSamples(input, 2);
        return dev.ember.PoolingExtras.fractionalMaxPool2d(input, kernel.length == 1 ? pairOf(kernel) : kernel.clone(),
                size, samples);
    }

    /**
     * {@code F.fractional_max_pool3d(input, kernel_size, output_size, output_ratio, _random_samples=)}: the values of
     * {@link #fractionalMaxPool3dWithIndices}.
     */
    public static Tensor fractionalMaxPool3d(Tensor input, int[] kernel, int[] outputSize, double[] outputRatio,
                                             Tensor randomSamples) {
        return fractionalMaxPool3dWithIndices(input, kernel, outputSize, outputRatio, randomSamples).values();
    }

    /**
     * {@code F.fractional_max_pool3d(..., return_indices=True)}: as {@link #fractionalMaxPool2dWithIndices} for a 4-D
     * or 5-D input (kernel, output size and ratio one value or three; {@code randomSamples [N, C, 3]}); flat indices
     * {@code (t * H + h) * W + w}. One node, FractionalMaxPool3DBackward0.
     */
    public static Tensor.ValuesIndices fractionalMaxPool3dWithIndices(Tensor input, int[] kernel, int[] outputSize,
                                                                      double[] outputRatio, Tensor randomSamples) {
        Checks.tensor(input, "fractional_max_pool3d", "input", 1);
        Checks.notNull(kernel, "kernel_size");
        int[] size = fractionalOutputSize("fractional_max_pool3d", input, outputSize, outputRatio, 3);
        Tensor samples = randomSamples != null ? randomSamples : fractionalSamples(input, 3);
        return dev.ember.PoolingExtras.fractionalMaxPool3d(input, kernel.length == 1 ? tripleOf(kernel) : kernel.clone(),
                size, samples);
    }

    /** functional.py's output size of a fractional max pooling: as given (one value expanded) or from the ratio. */
    private static int[] fractionalOutputSize(String op, Tensor input, int[] outputSize, double[] outputRatio, int nd) {
        if (outputSize == null && outputRatio == null) {
            throw new IllegalArgumentException(op + " requires specifying either an output_size or an output_ratio");
        }
        if (outputSize != null) {
            if (outputSize.length != 1) {
                return outputSize.clone();
            }
            int[] s = new int[nd];
            Arrays.fill(s, outputSize[0]);
            return s;
        }
        // (one value stands for every dimension, as Python's number does)
        if (nd == 2 && outputRatio.length > 2) {
            throw new IllegalArgumentException("fractional_max_pool2d requires output_ratio to either be a single Int or "
                    + "tuple of Ints.");
        }
        if (outputRatio.length != 1 && outputRatio.length < nd) {
            // Python indexing the tuple _triple left as it was
            throw new IndexOutOfBoundsException("tuple index out of range");
        }
        int[] s = new int[nd];
        for (int d = 0; d < nd; d++) {
            double r = outputRatio[outputRatio.length == 1 ? 0 : d];
            s[d] = (int) (input.size(d - nd) * r);
        }
        return s;
    }

    /** functional.py's {@code torch.rand(n_batch, C, nd, dtype=input.dtype, device=input.device)}. */
    private static Tensor fractionalSamples(Tensor input, int nd) {
        int batch = input.dim() == nd + 1 ? 1 : input.size(0);
        return Tensor.rand(input.dtype(), batch, input.size(-nd - 1), nd).to(input.device());
    }
}
