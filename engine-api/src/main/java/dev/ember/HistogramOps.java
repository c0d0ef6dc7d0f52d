package dev.ember;

/**
 * {@code torch.histogram} with a number of equal bins (PyTorch's histogramdd over one dimension): the edges are
 * {@code linspace(min, max, bins + 1)} in the input's type (the range given, else the data's, widened by 0.5 each way
 * when empty), and each element in the range lands in the bin its linear position gives, corrected by a search among
 * the neighbouring edges as PyTorch's LINEAR_INTERPOLATION_WITH_LOCAL_SEARCH does; the last bin includes its right
 * edge. Counted on the host in the input's arithmetic; where an input requires grad both outputs share PyTorch's
 * NotImplemented node, whose backward raises (histogram has no derivative).
 */
final class HistogramOps {
    private HistogramOps() {
    }

    static HistogramResult histogram(Tensor input, int bins, double[] range, Tensor weight, boolean density) {
        boolean noKernel = !input.dtype.isFloatingPoint() || input.dtype.isReducedFloatingPoint();
        if (bins <= 0) {
            throw new IllegalArgumentException("torch.histogram(): bins must be > 0, but got " + bins + " for dimension 0");
        }
        // PyTorch's order: the outer edges are read from a non-empty input without a range (its "histogramdd"
        // dispatch), then the weight is checked, then the kernel dispatches ("histogram_cpu")
        if (noKernel && range == null && input.numel() > 0) {
            throw new IllegalArgumentException("\"histogramdd\" not implemented for '" + Format.scalarType(input.dtype) + "'");
        }
        if (weight != null) {
            ArithmeticOps.checkSameDevice(input, weight);
            if (!java.util.Arrays.equals(weight.shape, new int[] {Shapes.toSize(input.numel(), "histogram's input")})
                    && !java.util.Arrays.equals(weight.shape, input.shape)) {
                throw new IllegalArgumentException("torch.histogramdd: if weight tensor is provided it should have the same "
                        + "shape as the input tensor excluding its innermost dimension, but got input with shape "
                        + Shapes.str(new int[] {Shapes.toSize(input.numel(), "histogram's input"), 1}) + " and weight with shape "
                        + Shapes.str(weight.shape));
            }
            if (weight.dtype != input.dtype) {
                throw new IllegalArgumentException("torch.histogramdd: if weight tensor is provided, input tensor and weight "
                        + "tensor should have the same dtype, but got input(" + ArithmeticOps.cTypeName(input.dtype)
                        + "), and weight(" + ArithmeticOps.cTypeName(weight.dtype) + ")");
            }
        }
        if (noKernel) {
            throw new IllegalArgumentException("\"histogram_cpu\" not implemented for '" + Format.scalarType(input.dtype)
                    + "'");
        }
        boolean f32 = input.dtype == DType.FLOAT32;
        double[] x = input.toDoubleArray();
        double lo;
        double hi;
        if (range != null) {
            lo = range[0];
            hi = range[1];
        } else if (x.length > 0) {
            lo = Double.POSITIVE_INFINITY;
            hi = Double.NEGATIVE_INFINITY;
            boolean nan = false;
            for (double v : x) {
                nan |= Double.isNaN(v);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            if (nan) {
                lo = Double.NaN;
                hi = Double.NaN;
            }
        } else {
            lo = 0;
            hi = 1;
        }
        if (!(Double.isFinite(lo) && Double.isFinite(hi))) {
            throw new IllegalArgumentException("torch.histogramdd: dimension 0's range [" + Format.cpp(lo) + ", "
                    + Format.cpp(hi) + "] is not finite");
        }
        if (lo > hi) {
            throw new IllegalArgumentException("torch.histogramdd: min should not exceed max, but got min " + Format.cpp(lo)
                    + " max " + Format.cpp(hi) + " for dimension 0");
        }
        if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        double[] edges = linspace(lo, hi, bins + 1, f32);
        double[] w = weight == null ? null : weight.toDoubleArray();
        double[] hist = new double[bins];
        double left = edges[0];
        double right = edges[bins];
        for (int i = 0; i < x.length; i++) {
            double e = x[i];
            if (!(e >= left && e <= right)) {
                continue;
            }
            long pos = f32 ? (long) ((float) ((float) ((float) e - (float) left) * (float) bins) / (float) ((float) right
                    - (float) left)) : (long) ((e - left) * bins / (right - left));
            // upper_bound among edges[max(0, pos - 1) .. min(pos + 2, bins + 1)), minus one
            int from = (int) Math.max(0, pos - 1);
            int to = (int) Math.min(pos + 2, bins + 1);
            int k = from;
            while (k < to && !(e < edges[k])) {
                k++;
            }
            pos = k - 1;
            if (pos == bins) {
                pos -= 1;
            }
            double add = w == null ? 1 : w[i];
            hist[(int) pos] = f32 ? (float) ((float) hist[(int) pos] + (float) add) : hist[(int) pos] + add;
        }
        Tensor h = Tensor.tensor(hist, DType.FLOAT64).to(input.dtype);
        Tensor edgeTensor = Tensor.tensor(edges, DType.FLOAT64).to(input.dtype);
        if (density) {
            try (GradMode off = Ember.noGrad()) {
                h = h.div(h.sum()).div(edgeTensor.diff());
            }
        }
        return recorded(h.to(input.device), edgeTensor.to(input.device), input, null, weight);
    }

    /**
     * {@code torch.histogram(input, bins)} with {@code bins} a tensor of edges: PyTorch's histogramdd with given edges
     * (its BINARY_SEARCH: {@code std::upper_bound} over the edges, as written, even unsorted), elements outside
     * {@code [bins[0], bins[-1]]} skipped, the last bin closed on the right.
     */
    static HistogramResult histogram(Tensor input, Tensor bins, Tensor weight, boolean density) {
        if (!input.dtype.isFloatingPoint() || input.dtype.isReducedFloatingPoint()) {
            throw new IllegalArgumentException("\"histogram_cpu\" not implemented for '" + Format.scalarType(input.dtype)
                    + "'");
        }
        ArithmeticOps.checkSameDevice(input, bins);
        if (bins.dtype != input.dtype) {
            throw new IllegalArgumentException("torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                    + "but got input with dtype " + ArithmeticOps.cTypeName(input.dtype) + " and bins for dimension 0 with "
                    + "dtype " + ArithmeticOps.cTypeName(bins.dtype));
        }
        if (bins.dim() != 1) {
            throw new IllegalArgumentException("torch.histogramdd: bins tensor should have one dimension, but got "
                    + bins.dim() + " dimensions in the bins tensor for dimension 0");
        }
        int numEdges = bins.shape[0];
        if (numEdges == 0) {
            throw new IllegalArgumentException("torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
                    + "elements in the bins tensor for dimension 0");
        }
        checkWeight(input, weight);
        int nBins = numEdges - 1;
        if (nBins == 0) {
            throw new IllegalArgumentException("torch.histogram(): bins must be > 0, but got 0 for dimension 0");
        }
        boolean f32 = input.dtype == DType.FLOAT32;
        double[] edges = bins.toDoubleArray();
        double[] x = input.toDoubleArray();
        double[] w = weight == null ? null : weight.toDoubleArray();
        double[] hist = new double[nBins];
        double left = edges[0];
        double right = edges[nBins];
        for (int i = 0; i < x.length && nBins > 0; i++) {
            double e = x[i];
            if (!(e >= left && e <= right)) {
                continue;
            }
            // std::upper_bound: the first edge greater than e
            int first = 0;
            int count = numEdges;
            while (count > 0) {
                int step = count / 2;
                int it = first + step;
                if (!(e < edges[it])) {
                    first = it + 1;
                    count -= step + 1;
                } else {
                    count = step;
                }
            }
            int pos = first - 1;
            if (pos == nBins) {
                pos -= 1;
            }
            double add = w == null ? 1 : w[i];
            hist[pos] = f32 ? (float) ((float) hist[pos] + (float) add) : hist[pos] + add;
        }
        Tensor h = Tensor.tensor(hist, DType.FLOAT64).to(input.dtype);
        Tensor edgeTensor = Tensor.tensor(edges, DType.FLOAT64).to(input.dtype);
        if (density) {
            try (GradMode off = Ember.noGrad()) {
                h = h.div(h.sum()).div(edgeTensor.diff());
            }
        }
        return recorded(h.to(input.device), edgeTensor.to(input.device), input, bins, weight);
    }

    /**
     * The result, with PyTorch's one NotImplemented node over both outputs where an input (the data, the edges tensor,
     * the weights) requires grad: histogram has no derivative, so backward through either output raises "derivative for
     * aten::histogram is not implemented".
     */
    private static HistogramResult recorded(Tensor hist, Tensor edges, Tensor input, Tensor bins, Tensor weight) {
        Tensor[] inputs = java.util.Arrays.stream(new Tensor[] {input, bins, weight}).filter(java.util.Objects::nonNull)
                .toArray(Tensor[]::new);
        MultiOutput.record("NotImplemented", inputs, new Tensor[] {hist, edges}, node -> g -> {
            throw new IllegalStateException("derivative for aten::histogram is not implemented");
        });
        return new HistogramResult(hist, edges);
    }

    private static void checkWeight(Tensor input, Tensor weight) {
        if (weight != null) {
            ArithmeticOps.checkSameDevice(input, weight);
            if (!java.util.Arrays.equals(weight.shape, new int[] {Shapes.toSize(input.numel(), "histogram's input")})
                    && !java.util.Arrays.equals(weight.shape, input.shape)) {
                throw new IllegalArgumentException("torch.histogramdd: if weight tensor is provided it should have the same "
                        + "shape as the input tensor excluding its innermost dimension, but got input with shape "
                        + Shapes.str(new int[] {Shapes.toSize(input.numel(), "histogram's input"), 1}) + " and weight with shape "
                        + Shapes.str(weight.shape));
            }
            if (weight.dtype != input.dtype) {
                throw new IllegalArgumentException("torch.histogramdd: if weight tensor is provided, input tensor and weight "
                        + "tensor should have the same dtype, but got input(" + ArithmeticOps.cTypeName(input.dtype)
                        + "), and weight(" + ArithmeticOps.cTypeName(weight.dtype) + ")");
            }
        }
    }

    /** PyTorch's linspace kernel: {@code start + step i} for the first half, {@code end - step (steps - 1 - i)} after. */
    private static double[] linspace(double start, double end, int steps, boolean f32) {
        double[] out = new double[steps];
        if (f32) {
            float s = (float) start;
            float e = (float) end;
            float step = (e - s) / (float) (steps - 1);
            int half = steps / 2;
            for (int i = 0; i < steps; i++) {
                out[i] = i < half ? s + step * i : e - step * (steps - i - 1);
            }
        } else {
            double step = (end - start) / (steps - 1);
            int half = steps / 2;
            for (int i = 0; i < steps; i++) {
                out[i] = i < half ? start + step * i : end - step * (steps - i - 1);
            }
        }
        return out;
    }
}
