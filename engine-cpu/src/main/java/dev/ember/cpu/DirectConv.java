package dev.ember.cpu;

import dev.ember.backend.Conv2dParams;

/**
 * Direct float32 convolution for small images, with no column matrix: the forward pass and the weight gradient hold
 * one vector of output channels per accumulator (oneDNN's layout: a [16 x 150] x [150 x 100] product of LeNet's second
 * convolution is too small for the blocked GEMM to reach its rate, and im2col / col2im took a third of its time), the
 * input gradient one vector of input columns per accumulator (a full correlation of the zero-padded output gradient
 * with the weights). Written on the incubating Vector API ({@code VectorDirectConv}); {@link #get()} is null without
 * it, and {@link ConvKernels} then lowers every convolution to the GEMM.
 *
 * <p>It takes stride 1 and dilation 1 (padding through a zero-padded copy of each image), output channels per group a
 * multiple of the vector length, and at most {@link #MAX_PIXELS} output pixels per image; the forward pass and the
 * weight gradient also larger images with a spatial kernel and two or more vectors of output channels: the shapes
 * where the GEMM path was measured slower. The input gradient, where the input channels per group are whole vectors,
 * is the forward pass of the flipped weights over the output gradient padded by kernel - 1 - padding
 * ({@link ConvKernels#transposed}), on small images too ({@link #inputGradAsForward}). Kernels 3 and 5 wide take the forward pass's row kernels (eight pixels of
 * one output row a step, each input value loaded once per kernel row; {@code -Dember.cpu.directConvRows=false} turns
 * them off); with AVX-512's 32 registers the weight gradient takes two vectors of output channels a step
 * ({@code -Dember.cpu.directConvWeightPairs=false}). The tiles move to and from the channel planes by gathers ({@code
 * -Dember.cpu.directConvGather=false} for element loops). {@code -Dember.cpu.directConv=false} turns it all off.
 */
abstract class DirectConv {
    /** Output pixels per image up to which every direct kernel runs (LeNet's second convolution has 100). */
    static final int MAX_PIXELS = Integer.getInteger("ember.cpu.directConvPixels", 400);

    private static final DirectConv INSTANCE = Boolean.parseBoolean(System.getProperty("ember.cpu.directConv", "true"))
            ? MicroKernels.loadVectorClass(DirectConv.class, "dev.ember.cpu.VectorDirectConv") : null;

    /** The kernels, or null where the Vector API is absent or they are turned off. */
    static DirectConv get() {
        return INSTANCE;
    }

    /** Floats per vector: output channels per group must be a multiple of it. */
    abstract int lanes();

    /**
     * Whether the input gradient takes the direct kernel: stride 1, dilation 1, whole vectors of output channels, at
     * most {@link #MAX_PIXELS} output pixels (on the 56x56 convolution the direct input gradient was slower than
     * im2col's: 117 against 106 ms on one thread).
     */
    boolean applies(ConvKernels.Geom s) {
        return direct(s) && s.ohw <= MAX_PIXELS;
    }

    /**
     * Whether the forward pass and the weight gradient take the direct kernels: as {@link #applies}, and also for larger
     * images where a spatial kernel meets at least two vectors of output channels (the paired forward kernel): the
     * 56x56, 64-channel 3x3 convolution's forward took 96 ms against im2col + GEMM's 112-135 on one thread, its weight
     * gradient 100 against 118-142.
     */
    boolean appliesForward(ConvKernels.Geom s) {
        return applies(s) || direct(s) && s.kh * s.kw > 1 && s.og >= 2 * lanes();
    }

    /**
     * Whether an input gradient that {@link #applies} (at most {@link #MAX_PIXELS} pixels) runs instead as the forward
     * pass of the flipped weights over the padded output gradient, where that pass applies to it (whole vectors of
     * input channels): the direct input-gradient kernel holds a vector of input columns, so on a small image most of
     * its lanes idle (ResNet-18's 4x4, 512-channel input gradient took 437 ms against the forward kernels' 31 on one
     * thread in session 53), while the forward kernels hold a vector of channels whatever the image size. Forward and
     * input gradient together, one thread, session 53: 200 against 51 ms at 4x4 with 512 channels, 65 against 28 at 8x8
     * with 256, 56 against 26 at 16x16 with 128, and 1.2-1.5x faster on LeNet-sized shapes of 16 to 48 channels (3x3
     * and 5x5, 10x10 to 20x20). {@code -Dember.cpu.directInputGrad=true} (read at each call) keeps these input
     * gradients on the direct kernel, the path before session 53.
     *
     * @param s the convolution (not transposed)
     * @return true to take the forward kernels on the transposed convolution
     */
    boolean inputGradAsForward(ConvKernels.Geom s) {
        return !Boolean.getBoolean("ember.cpu.directInputGrad");
    }

    private boolean direct(ConvKernels.Geom s) {
        Conv2dParams p = s.p;
        return p.strideH() == 1 && p.strideW() == 1 && p.dilationH() == 1 && p.dilationW() == 1
                && s.og % lanes() == 0 && s.ohw > 0 && s.ckk > 0;
    }

    /** Samples [from, to) of the forward pass into the contiguous output {@code y} (bias may be null). */
    abstract void forward(float[] x, int xOff, float[] packedW, float[] bias, float[] y, int yOff, ConvKernels.Geom s,
                          int from, int to);

    /** Samples [from, to) of the input gradient into the contiguous {@code dx} (overwritten). */
    abstract void backwardInput(float[] dy, int dyOff, float[] packedW, float[] dx, int dxOff, ConvKernels.Geom s,
                                int from, int to);

    /**
     * Samples [from, to)'s weight gradient, added into {@code acc}, laid out as {@link #packForward} lays out the
     * weights ([groups][og / lanes][ckk][lanes]).
     */
    abstract void backwardWeight(float[] dy, int dyOff, float[] x, int xOff, float[] acc, ConvKernels.Geom s,
                                 int from, int to);

    /**
     * The weights [o][cg][kh][kw] as the forward pass reads them: per group and block of {@link #lanes()} output
     * channels, one vector of channels per (ci, ki, kj).
     */
    float[] packForward(float[] w, int wOff, ConvKernels.Geom s) {
        int l = lanes();
        float[] out = ConvKernels.weightBuffer(Scratch.CONV_PACKED, s.o * s.ckk);
        for (int oc = 0; oc < s.o; oc++) {
            int gi = oc / s.og;
            int ob = (oc % s.og) / l;
            int lane = oc % l;
            int base = (gi * (s.og / l) + ob) * s.ckk * l + lane;
            for (int j = 0; j < s.ckk; j++) {
                out[base + j * l] = w[wOff + oc * s.ckk + j];
            }
        }
        return out;
    }

    /** The inverse of {@link #packForward}: adds the packed gradient {@code acc} into gw [o][cg][kh][kw]. */
    void unpackForward(float[] acc, float[] gw, int gwOff, ConvKernels.Geom s) {
        int l = lanes();
        for (int oc = 0; oc < s.o; oc++) {
            int gi = oc / s.og;
            int ob = (oc % s.og) / l;
            int base = (gi * (s.og / l) + ob) * s.ckk * l + oc % l;
            for (int j = 0; j < s.ckk; j++) {
                gw[gwOff + oc * s.ckk + j] += acc[base + j * l];
            }
        }
    }

    /**
     * The weights as the input gradient reads them: [groups][og][kh][kw][cg], so one (oc, ki, kj) holds every input
     * channel of the group side by side.
     */
    static float[] packBackward(float[] w, int wOff, ConvKernels.Geom s) {
        float[] out = ConvKernels.weightBuffer(Scratch.CONV_PACKED, s.o * s.ckk);
        int khw = s.kh * s.kw;
        for (int oc = 0; oc < s.o; oc++) {
            for (int ci = 0; ci < s.cg; ci++) {
                for (int k = 0; k < khw; k++) {
                    out[(oc * khw + k) * s.cg + ci] = w[wOff + (oc * s.cg + ci) * khw + k];
                }
            }
        }
        return out;
    }
}
