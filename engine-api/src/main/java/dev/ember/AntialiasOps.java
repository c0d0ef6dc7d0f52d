package dev.ember;

/**
 * Antialiased resampling of 4-D input, PyTorch's {@code _upsample_bilinear2d_aa} and {@code _upsample_bicubic2d_aa}
 * ({@code F.interpolate(..., antialias=True)}): separable, the width first and then the height, each output sample a
 * normalized weighted sum of the inputs under a filter (triangle for bilinear, Keys' cubic with a = -0.5 for bicubic)
 * whose support grows with the downscaling factor, as PIL's resampling. The taps are computed on the host in the
 * input's precision (float for float32, as PyTorch's {@code scalar_t}); the sums run as index-select and multiply-add
 * passes on the input's device, tap by tap in PyTorch's order. An axis whose size does not change is not resampled
 * (PyTorch 2.x's separable kernel skips it; its backward resamples it anyway with the scale's weights, which is not
 * the derivative of its forward when a scale factor keeps the size: Ember's backward is the forward's transpose).
 * One node {@code UpsampleBilinear2DAaBackward0} / {@code UpsampleBicubic2DAaBackward0}, whose backward (the taps'
 * transpose, by index_add) is differentiable in turn.
 */
final class AntialiasOps {
    private AntialiasOps() {
    }

    /**
     * The antialiased upsampling of {@code input} {@code [N, C, H, W]} to {@code outputSize}, or by
     * {@code scaleFactors} (exactly one given), PyTorch's checks and messages first.
     */
    static Tensor upsample2dAa(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors, boolean cubic) {
        NNOps.requireTensor(input, cubic ? "_upsample_bicubic2d_aa" : "_upsample_bilinear2d_aa", "input", 1);
        if (input.dim() != 4) {
            throw new IllegalArgumentException("It is expected input_size equals to 4, but got size " + input.dim());
        }
        int[] out = NNOps.upsampleSize(input, outputSize, scaleFactors);
        NNOps.checkUpsample(input, out, 2);
        if (input.dtype != DType.FLOAT32 && input.dtype != DType.FLOAT64) {
            throw Refusals.notImplemented("compute_index_ranges_weights", input.dtype);
        }
        Taps h = new Taps(input.shape[2], out[0], alignCorners, scaleFactors == null ? 0 : scaleFactors[0], cubic,
                input.dtype, input.device);
        Taps w = new Taps(input.shape[3], out[1], alignCorners, scaleFactors == null ? 0 : scaleFactors[1], cubic,
                input.dtype, input.device);
        return forward(input, h, w, cubic);
    }

    /**
     * One axis: for each tap {@code j} the input index of every output position, its weight, and where the tap lies
     * past that position's window ({@code outside[j]}, null where none does: those products are dropped, not added as
     * zeros, so an infinite input outside the window does not make a NaN).
     */
    private static final class Taps {
        final int in;
        final int out;
        final Tensor[] index;
        final Tensor[] weight;
        final Tensor[] outside;

        Taps(int in, int out, boolean alignCorners, double scaleFactor, boolean cubic, DType dtype, Device device) {
            this.in = in;
            this.out = out;
            if (in == out) {
                index = weight = outside = new Tensor[0];
                return;
            }
            boolean single = dtype == DType.FLOAT32;
            int interpSize = cubic ? 4 : 2;
            double scale = NNOps.areaPixelScale(in, out, alignCorners, scaleFactor, single); // in scalar_t: float for float32
            double support = scale >= 1.0 ? interpSize * 0.5 * scale : interpSize * 0.5;
            double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
            if (single) {
                support = (float) support;
                invscale = (float) invscale;
            }
            int maxInterp = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[out];
            int[] size = new int[out];
            double[][] w = new double[out][];
            int taps = 0;
            for (int i = 0; i < out; i++) {
                double center = scale * (i + 0.5);
                if (single) {
                    center = (float) center;
                }
                // PyTorch's static_cast<int64_t>(center -+ support + 0.5): the sum in scalar_t, then + 0.5 in double
                double lo = single ? (float) center - (float) support : center - support;
                double hi = single ? (float) center + (float) support : center + support;
                long xmin = Math.max((long) (lo + 0.5), 0L);
                long xsize = Math.min((long) (hi + 0.5), in) - xmin;
                xsize = Math.max(0, Math.min(xsize, maxInterp));
                double[] wi = new double[(int) xsize];
                double total = 0;
                for (int j = 0; j < wi.length; j++) {
                    double d = single ? (float) (j + xmin) - (float) center : (double) (j + xmin) - center;
                    double x = (d + 0.5) * invscale;
                    wi[j] = single ? filterFloat((float) x, cubic) : filter(x, cubic);
                    total = single ? (float) (total + wi[j]) : total + wi[j];
                }
                if (total != 0) {
                    for (int j = 0; j < wi.length; j++) {
                        wi[j] = single ? (float) wi[j] / (float) total : wi[j] / total;
                    }
                }
                first[i] = (int) Math.min(xmin, in - 1);
                size[i] = wi.length;
                w[i] = wi;
                taps = Math.max(taps, wi.length);
            }
            index = new Tensor[taps];
            weight = new Tensor[taps];
            outside = new Tensor[taps];
            for (int j = 0; j < taps; j++) {
                long[] idx = new long[out];
                double[] wt = new double[out];
                boolean[] past = new boolean[out];
                boolean any = false;
                for (int i = 0; i < out; i++) {
                    past[i] = j >= size[i];
                    any |= past[i];
                    idx[i] = past[i] ? first[i] : first[i] + j;
                    wt[i] = past[i] ? 0 : w[i][j];
                }
                index[j] = Tensor.tensor(idx).to(device);
                weight[j] = Tensor.tensor(wt, dtype, device);
                outside[j] = any ? Tensor.tensor(past).to(device) : null;
            }
        }

        boolean identity() {
            return in == out;
        }

        /** PIL's triangle filter (bilinear), or Keys' cubic convolution with a = -0.5 (bicubic). */
        private static double filter(double x, boolean cubic) {
            x = Math.abs(x);
            if (!cubic) {
                return x < 1.0 ? 1.0 - x : 0.0;
            }
            double a = -0.5;
            if (x < 1.0) {
                return ((a + 2) * x - (a + 3)) * x * x + 1;
            }
            if (x < 2.0) {
                return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
            }
            return 0.0;
        }

        /** {@link #filter} in float, as PyTorch's {@code aa_filter<float>}. */
        private static float filterFloat(float x, boolean cubic) {
            x = Math.abs(x);
            if (!cubic) {
                return x < 1.0f ? 1.0f - x : 0.0f;
            }
            float a = -0.5f;
            if (x < 1.0f) {
                return ((a + 2) * x - (a + 3)) * x * x + 1;
            }
            if (x < 2.0f) {
                return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
            }
            return 0.0f;
        }
    }

    /** Tap {@code j} of {@code src} along {@code dim} times its weights ({@code weightShape}), zero past the windows. */
    private static Tensor tap(Tensor src, int dim, Taps t, int j, int[] weightShape) {
        Tensor p = src.indexSelect(dim, t.index[j]).mul(t.weight[j].reshape(weightShape));
        return t.outside[j] == null ? p : p.maskedFill(t.outside[j].reshape(weightShape), 0.0);
    }

    private static Tensor forward(Tensor input, Taps h, Taps w, boolean cubic) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = input;
            if (!w.identity()) {
                Tensor rows = null;
                for (int j = 0; j < w.index.length; j++) {
                    Tensor p = tap(x, 3, w, j, new int[] {w.out});
                    rows = rows == null ? p : rows.add(p);
                }
                x = rows;
            }
            if (!h.identity()) {
                Tensor cols = null;
                for (int k = 0; k < h.index.length; k++) {
                    Tensor p = tap(x, 2, h, k, new int[] {h.out, 1});
                    cols = cols == null ? p : cols.add(p);
                }
                x = cols;
            }
            // the meta functions: bilinear's output in input.suggest_memory_format(), bicubic's row-major
            out = NNOps.inSuggestedFormat(x, cubic ? null : input, input);
        }
        return ArithmeticOps.record(out, cubic ? "UpsampleBicubic2DAaBackward0" : "UpsampleBilinear2DAaBackward0",
                new Tensor[] {input}, n -> g -> new Tensor[] {backward(g, h, w, cubic)});
    }

    /** The forward's transpose: each output gradient spread over its taps, summed per input element. */
    private static Tensor backward(Tensor g, Taps h, Taps w, boolean cubic) {
        Tensor gx;
        try (GradMode off = Ember.noGrad()) {
            int[] s = g.shape;
            Tensor x = g;
            if (!h.identity()) {
                Tensor rows = Creation.zeros(new int[] {s[0], s[1], h.in, s[3]}, g.dtype, g.device);
                for (int k = 0; k < h.index.length; k++) {
                    rows = rows.indexAdd(2, h.index[k], tapWeights(x, h, k, new int[] {h.out, 1}));
                }
                x = rows;
            }
            if (!w.identity()) {
                Tensor cols = Creation.zeros(new int[] {s[0], s[1], h.in, w.in}, g.dtype, g.device);
                for (int j = 0; j < w.index.length; j++) {
                    cols = cols.indexAdd(3, w.index[j], tapWeights(x, w, j, new int[] {w.out}));
                }
                x = cols;
            }
            gx = NNOps.inSuggestedFormat(x, cubic ? null : g, g);
        }
        return ArithmeticOps.record(gx, cubic ? "UpsampleBicubic2DAaBackwardBackward0" : "UpsampleBilinear2DAaBackwardBackward0",
                new Tensor[] {g}, n -> gg -> new Tensor[] {forward(gg, h, w, cubic)});
    }

    /** {@code g} times tap {@code j}'s weights, zero past the windows (the products index_add spreads). */
    private static Tensor tapWeights(Tensor g, Taps t, int j, int[] weightShape) {
        Tensor p = g.mul(t.weight[j].reshape(weightShape));
        return t.outside[j] == null ? p : p.maskedFill(t.outside[j].reshape(weightShape), 0.0);
    }
}
