package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code torch.segment_reduce} against PyTorch ({@code segmentreduce/make_expected.py}): every reduction over lengths
 * (with empty segments and {@code initial}), offsets (also not starting at 0), unsafe lengths, an inner axis with 2-D
 * lengths and the last axis, its values and its gradients bit for bit in float64 (ties, NaN and zeros included); the
 * reductions in float32, float16 and bfloat16 arithmetic; PyTorch's messages; the not-implemented second derivative;
 * a float64 gradcheck.
 */
class SegmentReduceTest {
    private static final Map<String, String[]> BLOCKS = NamedBlocks.load("/segmentreduce/expected.txt");

    private static final double[][] D1 = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
    private static final double[][] D2 = {{3, 0.5, -1}, {3, Double.NaN, 2}, {1, 0.5, 0}, {3, 7, 4}, {-1, 7, 0}, {0, 2, 5}};
    private static final double[][][] D3 = {
        {{0.5, -1, 2}, {3, 3, -2}, {1, 0, 4}, {2, -1, 0}, {1.5, 2.5, -3}},
        {{1, 1, 1}, {-2, 4, 0.5}, {3, -4, 2}, {0, 1, 1}, {2, 2, -1}}};
    private static final double[][] D4 = {{1, 4, 2, 2}, {0, -3, 5, 1}, {2, 2, 2, 0.5}};

    private static Tensor f64(Object data) {
        return Tensor.tensor(data, DType.FLOAT64, Device.CPU);
    }

    private static Tensor longs(Object data) {
        return Tensor.tensor(data, DType.INT64, Device.CPU);
    }

    private static void exact(String name, Tensor t) {
        String[] c = BLOCKS.get(name);
        assertTrue(c != null, "no case " + name);
        assertEquals(c[0], "shape " + String.join(",", Arrays.stream(t.shape()).mapToObj(String::valueOf)
                .toArray(String[]::new)), name);
        double[] got = t.detach().to(DType.FLOAT64).contiguous().toDoubleArray();
        assertEquals(c.length - 1, got.length, name);
        for (int i = 0; i < got.length; i++) {
            double want = Double.parseDouble(c[i + 1].replace("inf", "Infinity").replace("nan", "NaN"));
            assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got[i]), name + "[" + i + "]: " + got[i]
                    + ", PyTorch " + want);
        }
    }

    /** A case: data, lengths, offsets, axis, unsafe, initial. */
    private record Case(String name, Supplier<Tensor> data, Tensor lengths, Tensor offsets, int axis, boolean unsafe,
                        Double initial) {
    }

    private static List<Case> cases() {
        return List.of(
            new Case("d1", () -> f64(D1), longs(new long[] {1, 0, 3}), null, 0, false, null),
            new Case("d1_initial", () -> f64(D1), longs(new long[] {1, 0, 3}), null, 0, false, 2.0),
            new Case("d2", () -> f64(D2), longs(new long[] {2, 4}), null, 0, false, null),
            new Case("d2_offsets", () -> f64(D2), null, longs(new long[] {0, 2, 2, 6}), 0, false, null),
            new Case("d2_offsets_inner", () -> f64(D2), null, longs(new long[] {1, 3, 5}), 0, false, null),
            new Case("d2_unsafe", () -> f64(D2), longs(new long[] {1, 2}), null, 0, true, null),
            new Case("d3_axis1", () -> f64(D3), longs(new long[][] {{2, 3}, {5, 0}}), null, 1, false, null),
            new Case("d3_axis1_initial", () -> f64(D3), longs(new long[][] {{2, 3}, {5, 0}}), null, 1, false, 0.5),
            new Case("d4_axis_last", () -> f64(D4), longs(new long[][] {{1, 3}, {2, 2}, {4, 0}}), null, -1, false, null));
    }

    @Test
    void valuesAndGradientsArePyTorchsBitForBit() {
        for (Case c : cases()) {
            for (String reduce : new String[] {"sum", "mean", "max", "min", "prod"}) {
                Tensor x = c.data().get().requiresGrad_(true);
                Tensor out = Tensor.segmentReduce(x, reduce, c.lengths(), c.offsets(), c.axis(), c.unsafe(), c.initial());
                assertEquals("SegmentReduceBackward0", out.gradFn().name());
                Tensor g = Tensor.arange(out.numel()).to(DType.FLOAT64).reshape(out.shape()).sin().mul(3.0);
                out.backward(g);
                exact(c.name() + "." + reduce, out);
                exact(c.name() + "." + reduce + ".grad", x.grad());
            }
        }
    }

    @Test
    void reducesInTheDataType() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT16, DType.BFLOAT16}) {
            Tensor x = Tensor.tensor(new double[] {0.1, 0.2, 0.3, 1000.0, 1.0, 0.7, 3.3, 0.01, 9.0}, t, Device.CPU);
            for (String reduce : new String[] {"sum", "mean", "prod", "max"}) {
                Tensor out = Tensor.segmentReduce(x, reduce, longs(new long[] {5, 4}), null, 0, false, 0.3);
                assertEquals(t, out.dtype());
                exact("typed." + t.toString().replace("torch.", "") + "." + reduce, out);
            }
        }
        Tensor x = Tensor.tensor(new double[][] {{0.1, 2.0}, {0.7, -1.3}, {0.3, 0.9}}, DType.FLOAT32, Device.CPU)
                .requiresGrad_(true);
        Tensor out = Tensor.segmentReduce(x, "mean", Tensor.tensor(new int[] {3}, DType.INT32, Device.CPU));
        out.backward(Tensor.tensor(new double[][] {{1.0, -0.7}}, DType.FLOAT32, Device.CPU));
        exact("typed.float32.mean.int32lengths", out);
        exact("typed.float32.mean.int32lengths.grad", x.grad());
    }

    private static String torchError(String name) {
        String line = BLOCKS.get(name)[0];
        assertTrue(line.startsWith("error "), name + ": " + line);
        return line.substring("error ".length());
    }

    private static void refused(String name, Runnable call) {
        RuntimeException e = assertThrows(RuntimeException.class, call::run, name);
        assertEquals(torchError(name), e.getMessage(), name);
    }

    @Test
    void badArgumentsGetPyTorchsMessages() {
        Tensor d = f64(D1);
        Tensor l = longs(new long[] {1, 0, 3});
        refused("err_reduce", () -> Tensor.segmentReduce(d, "avg", l));
        refused("err_none", () -> Tensor.segmentReduce(d, "sum", null, null, 0, false, null));
        refused("err_sum", () -> Tensor.segmentReduce(d, "sum", longs(new long[] {1, 1})));
        refused("err_negative", () -> Tensor.segmentReduce(d, "sum", longs(new long[] {-1, 5})));
        refused("err_axis", () -> Tensor.segmentReduce(d, "sum", l, null, 1, false, null));
        refused("err_float_lengths", () -> Tensor.segmentReduce(d, "sum", l.to(DType.FLOAT32)));
        refused("err_long_data", () -> Tensor.segmentReduce(longs(new long[] {1, 2}), "sum", longs(new long[] {2})));
        refused("err_empty", () -> Tensor.segmentReduce(Tensor.empty(DType.FLOAT64, 0, 2), "sum", longs(new long[] {0})));
        refused("err_offsets_backwards", () -> Tensor.segmentReduce(d, "sum", null, longs(new long[] {0, 3, 2, 4}), 0,
                false, null));
        refused("err_unsafe_negative", () -> Tensor.segmentReduce(d, "sum", longs(new long[] {-1, 5}), null, 0, true,
                null));
        // where PyTorch reads past the data, Ember names the segment
        IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class,
                () -> Tensor.segmentReduce(d, "sum", null, longs(new long[] {0, 2, 7}), 0, false, null));
        assertEquals("segment_reduce(): segment [2, 7) is out of bounds for dimension 0 with size 4", past.getMessage());
        // a refusal leaves the data as it was
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, d.toDoubleArray());
    }

    @Test
    void theBackwardIsNotDifferentiableAsInPyTorch() {
        Tensor x = f64(D1).requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(Tensor.segmentReduce(x, "sum", longs(new long[] {1, 0, 3})).sum()), List.of(x),
                null, true).get(0);
        RuntimeException e = assertThrows(RuntimeException.class, () -> g.sum().backward());
        assertEquals(torchError("err_double_backward"), e.getMessage());
    }

    @Test
    void gradcheckInFloat64() {
        Tensor x = Tensor.randn(new Generator(5), DType.FLOAT64, 2, 5, 3).requiresGrad_(true);
        Tensor lengths = longs(new long[][] {{2, 3}, {4, 1}});
        for (String reduce : new String[] {"sum", "mean", "prod", "max", "min"}) {
            assertTrue(Autograd.gradcheck(in -> Tensor.segmentReduce(in[0], reduce, lengths, null, 1, false, null), x),
                    reduce);
        }
    }
}
