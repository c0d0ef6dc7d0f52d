package dev.ember;

/**
 * The resampling ops {@code F.interpolate} reaches for 3-D and 5-D input besides nearest: {@code upsample_linear1d}
 * ({@code mode="linear"}), {@code upsample_trilinear3d} ({@code mode="trilinear"}) and {@code adaptive_avg_pool3d}
 * ({@code mode="area"} on 5-D input; 3-D input goes through PyTorch's composition {@code adaptive_avg_pool1d}).
 *
 * <p>No kernels of their own: each spatial axis is a set of taps (input indices and weights per output index, as
 * PyTorch's {@code compute_indices_weights_linear} and the adaptive pooling windows), applied axis by axis with
 * {@code index_select} (the last axis first, as PyTorch's kernel nests its sums), so they run on every backend. Each op
 * records one node with PyTorch's name ({@code UpsampleLinear1DBackward0}, {@code UpsampleTrilinear3DBackward0},
 * {@code AdaptiveAvgPool3DBackward0}) whose backward is the taps' transpose ({@code index_add}), recorded in turn as
 * PyTorch's {@code ...BackwardBackward0} whose gradient is the forward op again, so it differentiates to any order.
 * float16 and bfloat16 inputs are computed in float32 and rounded once.
 */
final class UpsampleLinearOps {
    private UpsampleLinearOps() {
    }

    /**
     * The taps of one spatial axis: for each of {@code index.length} taps the input index of every output position,
     * its weight (linear), or whether the tap lies inside the window (area: {@code inside}, with the window sizes
     * {@code count} to divide by).
     */
    private static final class Taps {
        final int in;
        final int out;
        final Tensor[] index;
        final Tensor[] weight;
        final Tensor[] inside;
        final Tensor count;

        Taps(int in, int out, Tensor[] index, Tensor[] weight, Tensor[] inside, Tensor count) {
            this.in = in;
            this.out = out;
            this.index = index;
            this.weight = weight;
            this.inside = inside;
            this.count = count;
        }

        /** A per-output-position tensor shaped to broadcast along dimension {@code dim} of a rank-{@code rank} tensor. */
        static Tensor along(Tensor v, int dim, int rank) {
            int[] shape = new int[rank - dim];
            java.util.Arrays.fill(shape, 1);
            shape[0] = v.size(0);
            return v.reshape(shape);
        }
    }

    /**
     * {@code compute_indices_weights_linear}: where the sizes are equal, each output element its input element (weights
     * 1 and 0); otherwise the source position {@code area_pixel_compute_source_index} (clamped at 0,
     * in float for every type but float64), its floor (at most {@code in - 1}) and the next index (the same at the last
     * one), with weights {@code 1 - lambda} and {@code lambda}, rounded to the input's type and held in the type the
     * sums run in.
     */
    private static Taps linearTaps(int in, int out, boolean alignCorners, double scale, DType dtype, Device device) {
        boolean single = dtype != DType.FLOAT64;
        long[] i0 = new long[out];
        long[] i1 = new long[out];
        double[] w0 = new double[out];
        double[] w1 = new double[out];
        double ratio = NNOps.areaPixelScale(in, out, alignCorners, scale, single);
        for (int o = 0; o < out; o++) {
            if (in == out) {
                // compute_source_index_and_lambda's copy where the sizes are equal, whatever the scale factor given
                // (1.3 on a size of 2 keeps the size: each output element is its input element, also in the backward)
                i0[o] = o;
                i1[o] = o;
                w0[o] = 1;
                w1[o] = 0;
                continue;
            }
            double lambda;
            long idx;
            if (single) {
                float r = (float) ratio;
                float src = alignCorners ? r * o : r * (o + 0.5f) - 0.5f;
                src = src < 0 ? 0 : src;
                idx = Math.min((long) Math.floor(src), in - 1);
                float l = Math.min(Math.max(src - idx, 0f), 1f);
                lambda = l;
                w0[o] = 1f - l;
            } else {
                double real = alignCorners ? ratio * o : ratio * (o + 0.5) - 0.5;
                real = real < 0 ? 0 : real;
                idx = Math.min((long) Math.floor(real), in - 1);
                lambda = Math.min(Math.max(real - idx, 0), 1);
                w0[o] = 1 - lambda;
            }
            i0[o] = idx;
            i1[o] = idx + (idx < in - 1 ? 1 : 0);
            w1[o] = lambda;
        }
        DType compute = dtype.isReducedFloatingPoint() ? DType.FLOAT32 : dtype;
        Tensor[] weight = {ArithmeticOps.cast(Tensor.tensor(w0, dtype, device), compute),
            ArithmeticOps.cast(Tensor.tensor(w1, dtype, device), compute)};
        Tensor[] index = {Tensor.tensor(i0, DType.INT64, device), Tensor.tensor(i1, DType.INT64, device)};
        return new Taps(in, out, index, weight, null, null);
    }

    /**
     * The taps applied along the last {@code taps.length} axes, the last first: linear sums, or window sums divided by
     * the window sizes.
     */
    private static Tensor apply(Tensor x, Taps[] taps) {
        int rank = x.dim();
        for (int a = taps.length - 1; a >= 0; a--) {
            int dim = rank - taps.length + a;
            Taps t = taps[a];
            Tensor sum = null;
            for (int j = 0; j < t.index.length; j++) {
                Tensor v = x.indexSelect(dim, t.index[j]);
                Tensor term = t.weight != null ? v.mul(Taps.along(t.weight[j], dim, rank))
                        : Tensor.where(Taps.along(t.inside[j], dim, rank), v, 0.0);
                sum = sum == null ? term : sum.add(term);
            }
            if (sum == null) {
                int[] shape = x.shape();
                shape[dim] = 0;
                sum = Creation.zeros(shape, x.dtype(), x.device());
            }
            x = sum;
        }
        if (taps[0].count != null) {
            // PyTorch's "sum / kT / kH / kW"
            for (int a = 0; a < taps.length; a++) {
                x = x.div(Taps.along(taps[a].count, rank - taps.length + a, rank));
            }
        }
        return x;
    }

    /** The transpose of {@link #apply}: each output gradient spread back over its taps, summed per input element. */
    private static Tensor transpose(Tensor g, Taps[] taps) {
        int rank = g.dim();
        if (taps[0].count != null) {
            for (int a = 0; a < taps.length; a++) {
                g = g.div(Taps.along(taps[a].count, rank - taps.length + a, rank));
            }
        }
        for (int a = 0; a < taps.length; a++) {
            int dim = rank - taps.length + a;
            Taps t = taps[a];
            int[] shape = g.shape();
            shape[dim] = t.in;
            Tensor sum = Creation.zeros(shape, g.dtype(), g.device());
            for (int j = 0; j < t.index.length; j++) {
                Tensor term = t.weight != null ? g.mul(Taps.along(t.weight[j], dim, rank))
                        : Tensor.where(Taps.along(t.inside[j], dim, rank), g, 0.0);
                sum = sum.indexAdd(dim, t.index[j], term);
            }
            g = sum;
        }
        return g;
    }

    /**
     * The adaptive-average windows of one axis, PyTorch's {@code start_index} and {@code end_index} ({@code floor(o *
     * in / out)} to {@code ceil((o + 1) * in / out)}, in float): tap {@code j} is {@code start + j} while inside the
     * window.
     */
    private static Taps areaTaps(int in, int out, Device device) {
        long[] start = new long[out];
        long[] count = new long[out];
        int most = 0;
        for (int o = 0; o < out; o++) {
            long s = (long) Math.floor((float) ((long) o * in) / out);
            long e = (long) Math.ceil((float) ((long) (o + 1) * in) / out);
            start[o] = s;
            count[o] = e - s;
            most = (int) Math.max(most, e - s);
        }
        Tensor[] index = new Tensor[most];
        Tensor[] inside = new Tensor[most];
        for (int j = 0; j < most; j++) {
            long[] idx = new long[out];
            boolean[] in2 = new boolean[out];
            for (int o = 0; o < out; o++) {
                idx[o] = Math.min(start[o] + j, in - 1);
                in2[o] = j < count[o];
            }
            index[j] = Tensor.tensor(idx, DType.INT64, device);
            inside[j] = Tensor.tensor(in2, DType.BOOL, device);
        }
        return new Taps(in, out, index, null, inside, Tensor.tensor(count, DType.INT64, device));
    }

    /** The forward under no_grad in the compute type (float32 for the half types), rounded once, recorded as {@code name}. */
    private static Tensor forward(Tensor input, Taps[] taps, String name) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = input.dtype().isReducedFloatingPoint() ? ArithmeticOps.cast(input, DType.FLOAT32) : input;
            out = ArithmeticOps.cast(apply(x, taps), input.dtype());
            out = inFormat(out, input, name);
        }
        if (name.equals("AdaptiveAvgPool3DBackward0")) {
            // PyTorch's adaptive pooling node saves its input (the interpolation nodes only sizes)
            return ArithmeticOps.recordSavingInput(out, name, input, n -> g -> new Tensor[] {backward(g, taps, name)});
        }
        return ArithmeticOps.record(out, name, new Tensor[] {input}, n -> g -> new Tensor[] {backward(g, taps, name)});
    }

    /**
     * A result of op {@code name} in the layout its meta function gives: the linear upsamplings' outputs (and their
     * backwards' input gradients) in {@code like.suggest_memory_format()} (channels-last-3d for a 5-D tensor strided so;
     * 3-D ones row-major), adaptive average pooling's as they come (row-major).
     */
    private static Tensor inFormat(Tensor y, Tensor like, String name) {
        return name.startsWith("Upsample") ? NNOps.inSuggestedFormat(y, like, like) : y;
    }

    /** The op's backward, linear in {@code g}; its own gradient is the forward op ({@code name}'s BackwardBackward0). */
    private static Tensor backward(Tensor g, Taps[] taps, String name) {
        Tensor gx;
        try (GradMode off = Ember.noGrad()) {
            Tensor gy = g.dtype().isReducedFloatingPoint() ? ArithmeticOps.cast(g, DType.FLOAT32) : g;
            gx = ArithmeticOps.cast(transpose(gy, taps), g.dtype());
            gx = inFormat(gx, g, name);
        }
        String again = name.substring(0, name.length() - "Backward0".length()) + "BackwardBackward0";
        return ArithmeticOps.record(gx, again, new Tensor[] {g}, n -> gg -> new Tensor[] {forward(gg, taps, name)});
    }

    /**
     * PyTorch's {@code upsample_linear1d} ({@code spatial} 1, a 3-D input) and {@code upsample_trilinear3d} ({@code
     * spatial} 3, a 5-D input) of a floating input, by output size or by scale factors (exactly one given).
     */
    static Tensor upsampleLinear(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors, int spatial) {
        String op = spatial == 1 ? "upsample_linear1d" : "upsample_trilinear3d";
        if (Autocast.on()) return Autocast.apply(op,
                t -> upsampleLinear(t[0], outputSize, alignCorners, scaleFactors, spatial), input);
        if (input.dim() != spatial + 2) {
            throw new IllegalArgumentException("It is expected input_size equals to " + (spatial + 2) + ", but got size "
                    + input.dim());
        }
        int[] out = NNOps.upsampleSize(input, outputSize, scaleFactors);
        NNOps.checkUpsample(input, out, spatial);
        if (!input.dtype().isFloatingPoint()) {
            throw Refusals.notImplemented("compute_indices_weights_linear", input.dtype());
        }
        Taps[] taps = new Taps[spatial];
        for (int i = 0; i < spatial; i++) {
            taps[i] = linearTaps(input.size(i + 2), out[i], alignCorners, scaleFactors == null ? 0 : scaleFactors[i],
                    input.dtype(), input.device());
        }
        return forward(input, taps, spatial == 1 ? "UpsampleLinear1DBackward0" : "UpsampleTrilinear3DBackward0");
    }

    /**
     * Adaptive average pooling of the last three dimensions to {@code out} (checked by the caller) as one node,
     * AdaptiveAvgPool3DBackward0, whose backward is AdaptiveAvgPool3DBackwardBackward0, as PyTorch records them.
     */
    static Tensor adaptiveAvgPool3d(Tensor input, int[] out) {
        int nd = input.dim();
        Taps[] taps = new Taps[3];
        for (int i = 0; i < 3; i++) {
            taps[i] = areaTaps(input.size(nd - 3 + i), out[i], input.device());
        }
        return forward(input, taps, "AdaptiveAvgPool3DBackward0");
    }
}
