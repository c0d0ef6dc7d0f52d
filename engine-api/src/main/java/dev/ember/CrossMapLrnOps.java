package dev.ember;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code torch.nn.CrossMapLRN2d}'s function (torch/nn/_functions.py, the legacy Lua Torch port): local response
 * normalization across the channels of a 4-D input, with PyTorch's own forward and hand-written backward rather than
 * {@code local_response_norm}'s composition. Its window is PyTorch's running sum: the first channel's square is
 * never taken out of it, so past channel {@code (size - 1) / 2 + 1} the scale is not the centred window of
 * {@code local_response_norm}, and the backward is PyTorch's formula (not the exact derivative of that forward), both
 * reproduced. The public entry point {@link dev.ember.nn.CrossMapLRN2d} calls; one node, CrossMapLRN2dBackward, whose
 * backward refuses {@code create_graph} with the error PyTorch's raises there (it is not twice differentiable).
 */
public final class CrossMapLrnOps {
    private CrossMapLrnOps() {
    }

    /**
     * The normalized {@code input} ({@code [N, C, H, W]}): {@code input * scale ^ -beta}, {@code scale = k + alpha /
     * size * (PyTorch's running sum of squares over the channels)}.
     *
     * @param input a 4-D floating-point tensor
     * @param size the number of channels summed over
     * @param alpha the multiplier of the sum
     * @param beta the exponent
     * @param k the additive constant
     * @return the normalized tensor, with a CrossMapLRN2dBackward node when {@code input} requires grad
     */
    public static Tensor crossMapLrn2d(Tensor input, int size, double alpha, double beta, double k) {
        if (input == null) {
            throw new IllegalArgumentException("CrossMapLRN2d.forward(): argument 'input' must be Tensor, not NoneType");
        }
        if (input.dim() != 4) {
            throw new IllegalArgumentException("CrossMapLRN2d: Expected input to be 4D, got " + input.dim() + "D instead.");
        }
        if (size == 0) {
            throw new ArithmeticException("float division by zero");
        }
        Tensor scale;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            scale = scale(input, size, alpha, k);
            out = scale.pow(-beta).mul(input);
        }
        return ArithmeticOps.record(out, "CrossMapLRN2dBackward", new Tensor[] {input}, node -> {
            SavedTensor sIn = node.save(input);
            SavedTensor sOut = node.saveOutput(out);
            return g -> {
                if (Ember.isGradEnabled()) {
                    // create_graph: PyTorch's backward writes through out= into tensors that then require grad
                    throw new IllegalStateException("mul(): functions with out=... arguments don't support automatic "
                            + "differentiation, but one of the arguments requires grad.");
                }
                try (GradMode off = Ember.noGrad()) {
                    return new Tensor[] {backward(g, sIn.get(), sOut.get(), scale, size, alpha, beta)};
                }
            };
        });
    }

    /** PyTorch's forward: the running sum over channels, then {@code * alpha / size + k}. */
    private static Tensor scale(Tensor input, int size, double alpha, double k) {
        int channels = input.size(1);
        Tensor sq = input.pow(2);
        int prePad = (int) ((size - 1) / 2.0 + 1);
        int prePadCrop = Math.min(prePad, channels);
        List<Tensor> planes = new ArrayList<>();
        Tensor current = Tensor.zeros(input.dtype(), input.size(0), input.size(2), input.size(3)).to(input.device());
        for (int c = 0; c < prePadCrop; c++) {
            current = current.add(sq.select(1, c));
        }
        planes.add(current);
        for (int c = 1; c < channels; c++) {
            if (c < channels - prePad + 1) {
                current = current.add(sq.select(1, c + prePad - 1));
            }
            if (c > prePad) {
                current = current.sub(sq.select(1, c - prePad));
            }
            planes.add(current);
        }
        return Tensor.stack(planes, 1).mul(alpha / size).add(k);
    }

    /** PyTorch's backward, its loops over the batch done at once (elementwise, so the same values). */
    private static Tensor backward(Tensor g, Tensor input, Tensor output, Tensor scale, int size, double alpha,
                                   double beta) {
        int n = input.size(0);
        int channels = input.size(1);
        int h = input.size(2);
        int w = input.size(3);
        double cacheRatio = 2 * alpha * beta / size;
        int inversePrePad = (int) (size - (size - 1) / 2.0);
        Tensor gradInput = scale.pow(-beta).mul(g);
        Tensor padded = Tensor.zeros(input.dtype(), n, channels + size - 1, h, w).to(input.device());
        // PyTorch's narrow of the padded ratios: for size 1 it does not fit, and PyTorch's backward fails there too
        Tensor center = padded.narrow(1, inversePrePad, channels);
        center.copy_(g.mul(output).div(scale));
        Tensor accum = padded.narrow(1, 0, size - 1).sum(new int[] {1}, false);
        List<Tensor> planes = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            accum = accum.add(padded.select(1, c + size - 1));
            planes.add(gradInput.select(1, c).add(input.select(1, c).mul(accum).mul(-cacheRatio)));
            accum = accum.sub(padded.select(1, c));
        }
        return Tensor.stack(planes, 1);
    }
}
