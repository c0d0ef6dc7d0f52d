package dev.ember.backend;

/**
 * Geometry of 2-D max or average pooling over NCHW tensors, with PyTorch's output size rule
 * (including {@code ceil_mode}, where the last window must start inside the input or left padding).
 */
public record Pool2dParams(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                           int dilationH, int dilationW, boolean ceilMode, boolean countIncludePad) {

    /** Output height for an input height. */
    public int outH(int h) {
        return outSize(h, kernelH, strideH, padH, dilationH);
    }

    /** Output width for an input width. */
    public int outW(int w) {
        return outSize(w, kernelW, strideW, padW, dilationW);
    }

    private int outSize(int in, int k, int s, int p, int d) {
        int span = in + 2 * p - d * (k - 1) - 1;
        int out = (ceilMode ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s)) + 1;
        if (ceilMode && (out - 1) * s >= in + p) {
            out--;
        }
        return out;
    }
}
