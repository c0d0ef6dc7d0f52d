package dev.ember.backend;

/**
 * Geometry of a 2-D convolution over NCHW tensors: strides, zero padding, dilation and groups,
 * with the output size rule of {@code torch.nn.functional.conv2d}.
 */
public record Conv2dParams(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {

    /** Output height for an input height and kernel height. */
    public int outH(int h, int kh) {
        return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
    }

    /** Output width for an input width and kernel width. */
    public int outW(int w, int kw) {
        return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
    }
}
