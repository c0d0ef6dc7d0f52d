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
        MetaOps.refuseDataDependent("aten::histogram.bin_ct", input, weight); // no meta kernel in PyTorch 2.x
        boolean noKernel = !input.dtype.isFloatingPoint() || input.dtype.isReducedFloatingPoint() || input.dtype.isFloat8();
        if (bins <= 0) {
            throw new IllegalArgumentException("torch.histogram(): bins must be > 0, but got " + bins + " for dimension 0");
        }
        checkSizes(new int[] {bins}, true);
        // PyTorch's order: the outer edges are read from a non-empty input without a range (its "histogramdd"
        // dispatch), then the weight is checked, then the kernel dispatches ("histogram_cpu")
        if (noKernel && range == null && input.numel() > 0) {
            throw Refusals.notImplemented("histogramdd", input.dtype);
        }
        checkWeight(input, weight);
        if (noKernel) {
            throw Refusals.notImplemented("histogram_cpu", input.dtype);
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
            for (double v : x) {
                lo = Math.min(lo, v); // NaN wins, as the range check wants
                hi = Math.max(hi, v);
            }
        } else {
            lo = 0;
            hi = 1;
        }
        double[] lh = checkedRange(lo, hi, 0);
        lo = lh[0];
        hi = lh[1];
        double[] edges = linspace(lo, hi, bins + 1, f32);
        double[] hist = count(x, new double[][] {edges}, true, weight == null ? null : weight.toDoubleArray(), f32);
        Tensor[] out = tensors(input, hist, new double[][] {edges}, new int[] {bins}, density);
        return recorded(out[0], out[1], input, null, weight);
    }

    /**
     * {@code torch.histogram(input, bins)} with {@code bins} a tensor of edges: PyTorch's histogramdd with given edges
     * (its BINARY_SEARCH: {@code std::upper_bound} over the edges, as written, even unsorted), elements outside
     * {@code [bins[0], bins[-1]]} skipped, the last bin closed on the right.
     */
    static HistogramResult histogram(Tensor input, Tensor bins, Tensor weight, boolean density) {
        MetaOps.refuseDataDependent("aten::histogram.bins_tensor", input, bins, weight); // no meta kernel in PyTorch 2.x
        if (!input.dtype.isFloatingPoint() || input.dtype.isReducedFloatingPoint() || input.dtype.isFloat8()) {
            throw Refusals.notImplemented("histogram_cpu", input.dtype);
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
        double[] hist = count(x, new double[][] {edges}, false, weight == null ? null : weight.toDoubleArray(), f32);
        Tensor[] out = tensors(input, hist, new double[][] {edges}, new int[] {nBins}, density);
        return recorded(out[0], out[1], input, bins, weight);
    }

    /**
     * PyTorch's histogramdd kernel over points of {@code edges.length} coordinates ({@code x} row-major, one point a
     * row): each coordinate inside its dimension's outer edges lands in the bin {@code std::upper_bound} over that
     * dimension's edges gives (the last bin closed on the right); with {@code linear}, found first by the linear
     * position and corrected among the neighbouring edges (LINEAR_INTERPOLATION_WITH_LOCAL_SEARCH, in the input's
     * arithmetic), else by binary search (BINARY_SEARCH, the edges as given, even unsorted). A point with any coordinate
     * outside is skipped. Returns the bins' sums, row-major over the dimensions, accumulated in the input's type.
     */
    private static double[] count(double[] x, double[][] edges, boolean linear, double[] w, boolean f32) {
        int n = edges.length;
        int[] binCounts = new int[n];
        for (int d = 0; d < n; d++) {
            binCounts[d] = edges[d].length - 1;
        }
        int total = checkSizes(binCounts, false);
        double[] hist = new double[total];
        int points = n == 0 ? 0 : x.length / n;
        for (int i = 0; i < points; i++) {
            int index = 0;
            boolean skip = false;
            for (int d = 0; d < n && !skip; d++) {
                double[] e = edges[d];
                int bins = e.length - 1;
                double v = x[i * n + d];
                double left = e[0];
                double right = e[bins];
                if (!(v >= left && v <= right)) {
                    skip = true;
                    continue;
                }
                int pos;
                if (linear) {
                    long guess = f32 ? (long) ((float) ((float) ((float) v - (float) left) * (float) bins)
                            / (float) ((float) right - (float) left)) : (long) ((v - left) * bins / (right - left));
                    pos = upperBound(e, (int) Math.max(0, guess - 1), (int) Math.min(guess + 2, bins + 1), v) - 1;
                } else {
                    pos = upperBound(e, 0, e.length, v) - 1;
                }
                if (pos == bins) {
                    pos -= 1;
                }
                index = index * bins + pos;
            }
            if (skip) {
                continue;
            }
            double add = w == null ? 1 : w[i];
            hist[index] = f32 ? (float) ((float) hist[index] + (float) add) : hist[index] + add;
        }
        return hist;
    }

    /** {@code std::upper_bound} over {@code e[from, to)}: the first index whose edge is greater than {@code v}. */
    private static int upperBound(double[] e, int from, int to, double v) {
        int first = from;
        int count = to - from;
        while (count > 0) {
            int step = count / 2;
            int it = first + step;
            if (!(v < e[it])) {
                first = it + 1;
                count -= step + 1;
            } else {
                count = step;
            }
        }
        return first;
    }

    /**
     * {@code torch.histogramdd(input, bins=counts, range, weight, density)}: input [..., N] as points of N coordinates,
     * {@code bins[d]} equal bins in dimension d between the given range ({@code [min0, max0, min1, max1, ...]}) or the
     * data's (widened by 0.5 each way when empty); the edges {@code linspace} in the input's type.
     */
    static HistogramddResult histogramdd(Tensor input, int[] bins, double[] range, Tensor weight, boolean density) {
        MetaOps.refuseDataDependent("aten::_histogramdd_bin_edges", input, weight); // no meta kernel in PyTorch 2.x
        checkDd(input);
        int n = input.size(-1);
        if (bins.length != n) {
            throw new IllegalArgumentException("torch.histogramdd: expected " + n + " sequences of bin edges for a " + n
                    + "-dimensional histogram but got " + bins.length);
        }
        for (int d = 0; d < n; d++) {
            if (bins[d] <= 0) {
                throw new IllegalArgumentException("torch.histogram(): bins must be > 0, but got " + bins[d]
                        + " for dimension " + d);
            }
        }
        checkSizes(bins, true);
        if (range != null && range.length != 2 * n) {
            throw new IllegalArgumentException("torch.histogramdd: for a " + n + "-dimensional histogram range should have "
                    + 2 * n + " elements, but got " + range.length);
        }
        boolean noKernel = !input.dtype.isFloatingPoint() || input.dtype.isReducedFloatingPoint() || input.dtype.isFloat8();
        if (noKernel && range == null && input.numel() > 0) {
            throw Refusals.notImplemented("histogramdd", input.dtype);
        }
        checkWeightDd(input, weight);
        if (noKernel) {
            throw Refusals.notImplemented("histogramdd_cpu", input.dtype);
        }
        boolean f32 = input.dtype == DType.FLOAT32;
        double[] x = input.contiguous().toDoubleArray();
        double[][] edges = new double[n][];
        for (int d = 0; d < n; d++) {
            double lo = 0;
            double hi = 1;
            if (range != null) {
                lo = range[2 * d];
                hi = range[2 * d + 1];
            } else if (x.length > 0) {
                lo = Double.POSITIVE_INFINITY;
                hi = Double.NEGATIVE_INFINITY;
                for (int i = d; i < x.length; i += n) {
                    lo = Math.min(lo, x[i]); // NaN wins, as the range check wants
                    hi = Math.max(hi, x[i]);
                }
            }
            double[] lh = checkedRange(lo, hi, d);
            edges[d] = linspace(lh[0], lh[1], bins[d] + 1, f32);
        }
        double[] hist = count(x, edges, true, weight == null ? null : weight.contiguous().toDoubleArray(), f32);
        return ddResult(input, hist, edges, bins, null, weight, density);
    }

    /**
     * {@code torch.histogramdd(input, bins=edges, weight, density)}: input [..., N] as points of N coordinates, the
     * edges of dimension d given by the 1-D tensor {@code bins.get(d)} (searched as given).
     */
    static HistogramddResult histogramdd(Tensor input, java.util.List<Tensor> bins, Tensor weight, boolean density) {
        MetaOps.refuseDataDependent("aten::_histogramdd_from_bin_tensors", input, weight); // no meta kernel in 2.x
        if (bins != null) {
            MetaOps.refuseDataDependent("aten::_histogramdd_from_bin_tensors", bins.toArray(new Tensor[0]));
        }
        checkDd(input);
        int n = input.size(-1);
        if (bins.size() != n) {
            throw new IllegalArgumentException("torch.histogramdd: expected " + n + " sequences of bin edges for a " + n
                    + "-dimensional histogram but got " + bins.size());
        }
        double[][] edges = new double[n][];
        int[] counts = new int[n];
        for (int d = 0; d < n; d++) {
            Tensor b = bins.get(d);
            ArithmeticOps.checkSameDevice(input, b);
            if (b.dtype != input.dtype) {
                throw new IllegalArgumentException("torch.histogramdd: input tensor and bins tensors should have the same "
                        + "dtype, but got input with dtype " + ArithmeticOps.cTypeName(input.dtype) + " and bins for dimension "
                        + d + " with dtype " + ArithmeticOps.cTypeName(b.dtype));
            }
            if (b.dim() != 1) {
                throw new IllegalArgumentException("torch.histogramdd: bins tensor should have one dimension, but got "
                        + b.dim() + " dimensions in the bins tensor for dimension " + d);
            }
            if (b.numel() == 0) {
                throw new IllegalArgumentException("torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
                        + "elements in the bins tensor for dimension " + d);
            }
        }
        checkWeightDd(input, weight);
        for (int d = 0; d < n; d++) {
            edges[d] = bins.get(d).toDoubleArray();
            counts[d] = edges[d].length - 1;
            if (counts[d] == 0) {
                throw new IllegalArgumentException("torch.histogram(): bins must be > 0, but got 0 for dimension " + d);
            }
        }
        if (!input.dtype.isFloatingPoint() || input.dtype.isReducedFloatingPoint() || input.dtype.isFloat8()) {
            throw Refusals.notImplemented("histogramdd_cpu", input.dtype);
        }
        double[] x = input.contiguous().toDoubleArray();
        double[] hist = count(x, edges, false, weight == null ? null : weight.contiguous().toDoubleArray(),
                input.dtype == DType.FLOAT32);
        return ddResult(input, hist, edges, counts, bins, weight, density);
    }

    private static void checkDd(Tensor input) {
        if (input.dim() < 2) {
            throw new IllegalArgumentException("torch.histogramdd: input tensor should have at least 2 dimensions, but got "
                    + input.dim());
        }
    }

    /** The weight's checks of {@code histogramdd_check_inputs}: the input's type, the input's shape without its last. */
    private static void checkWeightDd(Tensor input, Tensor weight) {
        if (weight == null) {
            return;
        }
        ArithmeticOps.checkSameDevice(input, weight);
        if (weight.dtype != input.dtype) {
            throw new IllegalArgumentException("torch.histogramdd: if weight tensor is provided, input tensor and weight "
                    + "tensor should have the same dtype, but got input(" + ArithmeticOps.cTypeName(input.dtype)
                    + "), and weight(" + ArithmeticOps.cTypeName(weight.dtype) + ")");
        }
        int[] expected = java.util.Arrays.copyOf(input.shape, input.dim() - 1);
        int[] got = weight.dim() == 0 ? new int[] {1} : weight.shape;
        if (!java.util.Arrays.equals(expected, got)) {
            throw new IllegalArgumentException("torch.histogramdd: if weight tensor is provided it should have the same "
                    + "shape as the input tensor excluding its innermost dimension, but got input with shape "
                    + Shapes.str(input.shape) + " and weight with shape " + Shapes.str(weight.shape));
        }
    }

    /** The outer edges of one dimension after select_outer_bin_edges' checks, widened by 0.5 each way when empty. */
    private static double[] checkedRange(double lo, double hi, int d) {
        if (!(Double.isFinite(lo) && Double.isFinite(hi))) {
            throw new IllegalArgumentException("torch.histogramdd: dimension " + d + "'s range [" + Format.cpp(lo) + ", "
                    + Format.cpp(hi) + "] is not finite");
        }
        if (lo > hi) {
            throw new IllegalArgumentException("torch.histogramdd: min should not exceed max, but got min " + Format.cpp(lo)
                    + " max " + Format.cpp(hi) + " for dimension " + d);
        }
        return lo == hi ? new double[] {lo - 0.5, hi + 0.5} : new double[] {lo, hi};
    }

    /**
     * The hist (shaped {@code bins}) and each dimension's edges, in the input's type and on its device; with
     * {@code density} the hist divided by its total and by each dimension's bin lengths, as PyTorch's.
     */
    private static Tensor[] tensors(Tensor input, double[] counts, double[][] edges, int[] bins, boolean density) {
        Tensor hist = Tensor.tensor(counts, DType.FLOAT64).to(input.dtype).reshape(bins);
        Tensor[] out = new Tensor[edges.length + 1];
        for (int d = 0; d < edges.length; d++) {
            out[d + 1] = Tensor.tensor(edges[d], DType.FLOAT64).to(input.dtype);
        }
        if (density) {
            try (GradMode off = Ember.noGrad()) {
                hist = hist.div(hist.sum());
                for (int d = 0; d < edges.length; d++) {
                    int[] shape = new int[edges.length];
                    java.util.Arrays.fill(shape, 1);
                    shape[d] = bins[d];
                    hist = hist.div(out[d + 1].diff().reshape(shape));
                }
            }
        }
        out[0] = hist;
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].to(input.device);
        }
        return out;
    }

    /** The result of histogramdd: {@link #tensors}, with PyTorch's NotImplemented node over all of them. */
    private static HistogramddResult ddResult(Tensor input, double[] counts, double[][] edges, int[] bins,
                                              java.util.List<Tensor> binTensors, Tensor weight, boolean density) {
        Tensor[] outs = tensors(input, counts, edges, bins, density);
        java.util.List<Tensor> inputs = new java.util.ArrayList<>();
        inputs.add(input);
        if (binTensors != null) {
            inputs.addAll(binTensors);
        }
        if (weight != null) {
            inputs.add(weight);
        }
        MultiOutput.record("NotImplemented", inputs.toArray(new Tensor[0]), outs, node -> g -> {
            throw new IllegalStateException("derivative for aten::_histogramdd_from_bin_" + (binTensors == null ? "cts"
                    : "tensors") + " is not implemented");
        });
        return new HistogramddResult(outs[0], java.util.List.of(outs).subList(1, outs.length));
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

    /**
     * The histogram's element count (the product of the bin counts), and with {@code edges} each dimension's edges
     * ({@code bins + 1}), checked against one Ember tensor's storage before anything is made, in the order PyTorch
     * allocates them (the histogram, then the edges): past it, the message {@code Tensor.zeros} gives for such a size.
     */
    private static int checkSizes(int[] binCounts, boolean edges) {
        long total = 1;
        for (int b : binCounts) {
            total *= b; // each factor at most 2^31 and the total checked after each: no overflow
            if (total > dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS) {
                long shown = 1;
                boolean exact = true;
                for (int c : binCounts) {
                    exact &= shown <= Long.MAX_VALUE / Math.max(1, c);
                    shown = exact ? shown * c : shown;
                }
                throw new IllegalArgumentException("a tensor of sizes=" + Shapes.str(binCounts) + " has "
                        + (exact ? String.valueOf(shown) : "more than " + Long.MAX_VALUE) + " elements; one Ember tensor "
                        + "stores at most " + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS);
            }
        }
        if (edges) {
            for (int b : binCounts) {
                if ((long) b + 1 > dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS) {
                    throw new IllegalArgumentException("a tensor of sizes=[" + ((long) b + 1) + "] has " + ((long) b + 1)
                            + " elements; one Ember tensor stores at most " + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS);
                }
            }
        }
        return (int) total;
    }

    /**
     * The edges as PyTorch's {@code linspace_out} makes them: {@link Creation#kernelLinspace} in the input's type (the
     * scalar formula, fused where the build has FMA); {@code steps} is at least 2.
     */
    private static double[] linspace(double start, double end, int steps, boolean f32) {
        return Creation.kernelLinspace(start, end, steps, f32 ? DType.FLOAT32 : DType.FLOAT64,
                dev.ember.backend.CpuCapability.value());
    }
}
