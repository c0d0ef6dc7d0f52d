package dev.ember;

import java.util.Arrays;

/**
 * {@code torch.segment_reduce}: reductions over consecutive segments of one dimension, the segments given by their
 * lengths or their offsets (ATen's {@code SegmentReduce.cpp}, its CPU kernels element for element: the reduction in the
 * data's type, rounded at every step as PyTorch's {@code scalar_t} arithmetic; NaN propagating through max and min; an
 * empty segment giving {@code initial} or the reduction's identity, and NaN for a mean without {@code initial}). Its
 * node SegmentReduceBackward0 runs {@code _segment_reduce_backward}: sum and mean spread the gradient, max and min give
 * it to every element equal to the result (or NaN) and divide the positive ones by their count (PyTorch's rule, kept as
 * it is), prod divides {@code grad * result} by the element or, for a zero or NaN element, multiplies the others.
 * PyTorch cannot differentiate that backward: a second derivative raises its error.
 */
final class SegmentOps {
    private SegmentOps() {
    }

    private enum Reduction { MAX, MEAN, MIN, SUM, PROD }

    static Tensor segmentReduce(Tensor data, String reduce, Tensor lengths, Tensor offsets, int axis, boolean unsafe,
                                Double initial) {
        Args.require(data, "segment_reduce", "data", 1, "Tensor");
        Args.require(reduce, "segment_reduce", "reduce", 2, "str");
        int ax = Shapes.wrapDim(axis, data.dim());
        if (data.numel() <= 0) {
            throw new IllegalArgumentException("Expected data.numel() > 0 to be true, but got false.  (Could this error message "
                    + "be improved?  If so, please report an enhancement request to PyTorch.)");
        }
        if (lengths == null && offsets == null) {
            throw new IllegalArgumentException("segment_reduce(): Either lengths or offsets must be defined.");
        }
        Tensor bounds = offsets != null ? offsets : lengths; // offsets win where both are given, as PyTorch's
        ArithmeticOps.checkSameDevice(data, bounds);
        if (data.dim() < bounds.dim()) {
            throw new IllegalArgumentException("Expected data.dim() >= " + (offsets != null ? "offsets" : "lengths")
                    + "_value.dim() to be true, but got false.  (Could this error message be improved?  If so, please report "
                    + "an enhancement request to PyTorch.)");
        }
        if (ax != bounds.dim() - 1) {
            throw new IllegalArgumentException("segment_reduce(): Expected axis to be the last dimension of "
                    + (offsets != null ? "offsets" : "lengths") + " but got " + ax + ".");
        }
        int[] lead = Arrays.copyOf(data.shape, ax);
        if (!Arrays.equals(lead, Arrays.copyOf(bounds.shape, ax))) {
            // PyTorch reads past the tensor here; Ember names the mismatch
            throw new IllegalArgumentException("segment_reduce(): the dimensions of " + (offsets != null ? "offsets" : "lengths")
                    + " before axis " + Format.size(Arrays.copyOf(bounds.shape, ax)) + " must match data's "
                    + Format.size(lead));
        }
        if (offsets == null && !unsafe) {
            checkLengths(lengths, data.shape[ax]);
        }
        Reduction reduction = reduction(reduce);
        if (bounds.dtype != DType.INT64 && bounds.dtype != DType.INT32) {
            throw Refusals.notImplemented(
                    "_segment_reduce_" + (offsets != null ? "offsets" : "lengths") + "_cpu_kernel1", bounds.dtype);
        }
        if (!data.dtype.isFloatingPoint() || data.dtype.isFloat8()) {
            throw Refusals.notImplemented("_segment_reduce_cpu", data.dtype);
        }
        Segments seg = segments(bounds.detach().contiguous().toLongArray(), bounds.shape, offsets != null, data.shape, ax);
        double[] x;
        try (GradMode off = Ember.noGrad()) {
            x = data.detach().contiguous().to(DType.FLOAT64).toDoubleArray();
        }
        DType type = data.dtype;
        double[] out = forward(x, seg, reduction, initial, type);
        int[] outShape = data.shape.clone();
        outShape[ax] = seg.count;
        Tensor result = ArithmeticOps.cast(Creation.fromFlat(out, outShape, DType.FLOAT64, data.device), type);
        // derivatives.yaml: data: _segment_reduce_backward(grad, result, data, reduce, lengths, offsets, axis, initial)
        return ArithmeticOps.record(result, "SegmentReduceBackward0", new Tensor[] {data}, n -> {
            SavedTensor savedData = n.save(data);
            SavedTensor savedOut = n.save(result);
            return g -> {
                double[] gd;
                double[] xd;
                double[] od;
                try (GradMode off = Ember.noGrad()) {
                    gd = g.detach().contiguous().to(DType.FLOAT64).toDoubleArray();
                    xd = savedData.get().detach().contiguous().to(DType.FLOAT64).toDoubleArray();
                    od = savedOut.get().detach().contiguous().to(DType.FLOAT64).toDoubleArray();
                }
                double[] gi = backward(gd, od, xd, seg, reduction, initial, type);
                Tensor grad = ArithmeticOps.cast(Creation.fromFlat(gi, data.shape.clone(), DType.FLOAT64, g.device), g.dtype);
                Tensor gOut = g;
                Tensor in = savedData.get(); // the backward's inputs: a second derivative reaches its node and fails
                return new Tensor[] {ArithmeticOps.record(grad, "NotImplemented", new Tensor[] {gOut, in}, nd -> gg -> {
                    throw new IllegalStateException("derivative for aten::_segment_reduce_backward is not implemented");
                })};
            };
        });
    }

    private static Reduction reduction(String reduce) {
        switch (reduce) {
            case "max": return Reduction.MAX;
            case "mean": return Reduction.MEAN;
            case "min": return Reduction.MIN;
            case "sum": return Reduction.SUM;
            case "prod": return Reduction.PROD;
            default:
                throw new IllegalArgumentException("unsupported reduction given! " + reduce);
        }
    }

    /** The checks PyTorch makes of lengths unless {@code unsafe}: none negative, each row summing to the axis' size. */
    private static void checkLengths(Tensor lengths, int size) {
        try (GradMode off = Ember.noGrad()) {
            Tensor l = lengths.detach();
            if (l.numel() > 0 && l.to(DType.FLOAT64).min().item() < 0) {
                throw new IllegalArgumentException("lengths contains negative value!");
            }
            if (!l.to(DType.INT64).sum(new int[] {-1}, false).eq(size).all()) {
                throw new IllegalArgumentException("segment_reduce(): Expected all rows of lengths along axis to sum to "
                        + "data.size(lengths.dim()-1) when !unsafe.");
            }
        }
    }

    /** Each output row's segments: start and length per segment, and the sizes around the axis. */
    private record Segments(int outer, int inner, int axisSize, int count, long[] start, long[] length) {
    }

    private static Segments segments(long[] b, int[] boundsShape, boolean offsets, int[] dataShape, int ax) {
        int last = boundsShape[boundsShape.length - 1];
        int count = offsets ? Math.max(last - 1, 0) : last;
        int outer = 1;
        for (int d = 0; d < ax; d++) {
            outer *= dataShape[d];
        }
        int inner = 1;
        for (int d = ax + 1; d < dataShape.length; d++) {
            inner *= dataShape[d];
        }
        long[] start = new long[outer * count];
        long[] length = new long[outer * count];
        for (int o = 0; o < outer; o++) {
            long cum = 0;
            for (int i = 0; i < count; i++) {
                int k = o * count + i;
                if (offsets) {
                    start[k] = b[o * last + i];
                    length[k] = b[o * last + i + 1] - b[o * last + i];
                } else {
                    start[k] = cum;
                    length[k] = b[o * last + i];
                    cum += Math.max(length[k], 0);
                }
                if (length[k] < 0) {
                    throw new IllegalArgumentException("Expected segment_length >= 0 to be true, but got false.  (Could this "
                            + "error message be improved?  If so, please report an enhancement request to PyTorch.)");
                }
                if (start[k] < 0 || start[k] + length[k] > dataShape[ax]) {
                    // PyTorch reads past the data here (unsafe, or offsets it does not check)
                    throw new IndexOutOfBoundsException("segment_reduce(): segment [" + start[k] + ", " + (start[k] + length[k])
                            + ") is out of bounds for dimension " + ax + " with size " + dataShape[ax]);
                }
            }
        }
        return new Segments(outer, inner, dataShape[ax], count, start, length);
    }

    /** {@code scalar_t / int64_t}: the count in the type first for half types (c10's operator), else as is. */
    private static double divide(double v, long count, DType type) {
        return TypeRound.of(v / TypeRound.of(count, type), type);
    }

    private static double identity(Reduction r, Double initial, DType type) {
        if (initial != null) {
            return TypeRound.of(initial, type);
        }
        switch (r) {
            case MAX: return Double.NEGATIVE_INFINITY;
            case MIN: return Double.POSITIVE_INFINITY;
            case PROD: return 1;
            default: return 0;
        }
    }

    private static double[] forward(double[] x, Segments s, Reduction r, Double initial, DType type) {
        double[] out = new double[s.outer * s.count * s.inner];
        for (int o = 0; o < s.outer; o++) {
            for (int i = 0; i < s.count; i++) {
                long start = s.start[o * s.count + i];
                long len = s.length[o * s.count + i];
                for (int in = 0; in < s.inner; in++) {
                    double acc = identity(r, initial, type);
                    for (long j = 0; j < len; j++) {
                        double v = x[(int) (((long) o * s.axisSize + start + j) * s.inner + in)];
                        switch (r) {
                            case MAX:
                                acc = Double.isNaN(v) ? v : (acc < v ? v : acc); // std::max
                                break;
                            case MIN:
                                acc = Double.isNaN(v) ? v : (v < acc ? v : acc); // std::min
                                break;
                            case PROD:
                                acc = TypeRound.of(acc * v, type);
                                break;
                            default:
                                acc = TypeRound.of(acc + v, type);
                        }
                    }
                    if (r == Reduction.MEAN) {
                        if (len == 0 && initial == null) {
                            acc = Double.NaN;
                        } else if (len > 0 && !Double.isNaN(acc)) {
                            acc = divide(acc, len, type);
                        }
                    }
                    out[(o * s.count + i) * s.inner + in] = acc;
                }
            }
        }
        return out;
    }

    private static double[] backward(double[] g, double[] out, double[] x, Segments s, Reduction r, Double initial,
                                     DType type) {
        double[] gi = new double[x.length];
        double initialProd = initial != null ? TypeRound.of(initial, type) : 1;
        for (int o = 0; o < s.outer; o++) {
            for (int i = 0; i < s.count; i++) {
                long start = s.start[o * s.count + i];
                long len = s.length[o * s.count + i];
                if (len == 0) {
                    continue;
                }
                for (int in = 0; in < s.inner; in++) {
                    int oi = (o * s.count + i) * s.inner + in;
                    long base = (long) o * s.axisSize + start;
                    switch (r) {
                        case MAX:
                        case MIN: {
                            int counter = 0;
                            for (long j = 0; j < len; j++) {
                                int xi = (int) ((base + j) * s.inner + in);
                                if (Double.isNaN(x[xi]) || x[xi] == out[oi]) {
                                    gi[xi] = g[oi];
                                    counter++;
                                }
                            }
                            if (counter >= 2) {
                                // PyTorch averages over the ties, dividing only the positive gradients
                                for (long j = 0; j < len; j++) {
                                    int xi = (int) ((base + j) * s.inner + in);
                                    if (gi[xi] > 0) {
                                        gi[xi] = divide(gi[xi], counter, type);
                                    }
                                }
                            }
                            break;
                        }
                        case MEAN: {
                            double v = divide(g[oi], len, type);
                            for (long j = 0; j < len; j++) {
                                gi[(int) ((base + j) * s.inner + in)] = v;
                            }
                            break;
                        }
                        case SUM:
                            for (long j = 0; j < len; j++) {
                                gi[(int) ((base + j) * s.inner + in)] = g[oi];
                            }
                            break;
                        default: { // PROD
                            double gradVal = TypeRound.of(g[oi] * out[oi], type);
                            for (long j = 0; j < len; j++) {
                                int xi = (int) ((base + j) * s.inner + in);
                                if (Double.isNaN(x[xi]) || x[xi] == 0) {
                                    double exclusive = initialProd;
                                    for (long k = 0; k < len; k++) {
                                        if (k != j) {
                                            exclusive = TypeRound.of(exclusive * x[(int) ((base + k) * s.inner + in)], type);
                                        }
                                    }
                                    gi[xi] = TypeRound.of(g[oi] * exclusive, type);
                                } else {
                                    gi[xi] = TypeRound.of(gradVal / x[xi], type);
                                }
                            }
                        }
                    }
                }
            }
        }
        return gi;
    }
}
