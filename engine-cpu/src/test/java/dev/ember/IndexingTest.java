package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The indexing ops against PyTorch ({@code indexing/make_expected.py}): values, shapes, types, {@code grad_fn} names,
 * gradients and error messages (with every input unchanged after an error), case by case with the script's keys.
 */
class IndexingTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/indexing/expected.txt");

    // ------------------------------------------------------------------ inputs, as the script builds them

    /** float32 0, 1, 2, ... in the shape. */
    static Tensor a(int... shape) {
        return Tensor.arange(0, Layout0.numel(shape), 1, DType.FLOAT32).reshape(shape);
    }

    /** float64 (1, 2, 3, ...) / 4 in the shape. */
    static Tensor d(int... shape) {
        return Tensor.arange(0, Layout0.numel(shape), 1, DType.FLOAT64).add(1.0).div(4.0).reshape(shape);
    }

    static Tensor l(long... v) {
        return Tensor.tensor(v, DType.INT64);
    }

    static Tensor l2(long[]... rows) {
        return rows.length == 0 ? Tensor.zeros(DType.INT64, 0) : Tensor.tensor(rows, DType.INT64);
    }

    static Tensor l0(long v) {
        return Tensor.tensor(v, DType.INT64);
    }

    static Tensor b(boolean... v) {
        return Tensor.tensor(v, DType.BOOL);
    }

    static Tensor b2(boolean[]... rows) {
        return Tensor.tensor(rows, DType.BOOL);
    }

    static Tensor b0(boolean v) {
        return Tensor.tensor(v, DType.BOOL);
    }

    static Tensor t(double... v) {
        return Tensor.tensor(v, DType.FLOAT32);
    }

    static Tensor t2(double[]... rows) {
        return Tensor.tensor(rows, DType.FLOAT32);
    }

    static Tensor t0(double v) {
        return Tensor.tensor(v, DType.FLOAT32);
    }

    static Tensor t64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64);
    }

    static Tensor t64x2(double[]... rows) {
        return Tensor.tensor(rows, DType.FLOAT64);
    }

    static Tensor t640(double v) {
        return Tensor.tensor(v, DType.FLOAT64);
    }

    static long[] r(long... v) {
        return v;
    }

    static boolean[] br(boolean... v) {
        return v;
    }

    static double[] dr(double... v) {
        return v;
    }

    static Index ix(long... v) {
        return Index.of(l(v));
    }

    static Index ix(Tensor t) {
        return Index.of(t);
    }

    static Index i(int v) {
        return Index.of(v);
    }

    static final Index ALL = Index.all();
    static final Index NONE = Index.newAxis();
    static final Index DOTS = Index.ellipsis();

    static Index s(Integer start, Integer end, Integer step) {
        return Index.slice(start, end, step);
    }

    /** Numel of a shape (a tiny helper, so the inputs read as the script's). */
    private static final class Layout0 {
        static long numel(int[] shape) {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** An in-place op on a non-leaf copy of the first input (float: x * 1; else a clone), returning the copy. */
    static Function<Tensor[], Tensor> inplace(java.util.function.BiConsumer<Tensor, Tensor[]> op) {
        return x -> {
            Tensor y = x[0].dtype().isFloatingPoint() ? x[0].mul(1.0) : x[0].clone();
            op.accept(y, x);
            return y;
        };
    }

    // ------------------------------------------------------------------ the comparison

    private static boolean has(String key, String field) {
        try {
            TORCH.field(key, field);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static void assertValues(String what, String expected, Tensor actual) {
        double[] e = PyTorchCases.numbers(expected);
        double[] x = actual.toDoubleArray();
        assertEquals(e.length, x.length, what + " element count");
        for (int k = 0; k < e.length; k++) {
            if (Double.isNaN(e[k])) {
                assertTrue(Double.isNaN(x[k]), what + " element " + k);
            } else {
                assertEquals(e[k], x[k], 1e-9 * Math.max(1, Math.abs(e[k])), what + " element " + k + ": " + expected);
            }
        }
    }

    private static void assertTensor(String key, String prefix, Tensor out) {
        assertEquals(TORCH.field(key, prefix + "shape"), Arrays.toString(out.shape()), key + " shape");
        assertEquals(TORCH.field(key, prefix + "dtype"), out.dtype().torchName().substring("torch.".length()), key + " dtype");
        assertValues(key + " value", TORCH.field(key, prefix + "value"), out);
    }

    /**
     * Runs {@code f} on the inputs (the floating ones requiring grad) and compares with PyTorch: the result, or the error
     * (then every input is unchanged); then the gradients of {@code sum(out * g)}, g = 1, 2, 3, ...
     */
    static void check(String key, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] in = new Tensor[inputs.length];
        for (int k = 0; k < inputs.length; k++) {
            in[k] = inputs[k].dtype().isFloatingPoint() ? inputs[k].detach().clone().requiresGrad_(true) : inputs[k];
        }
        if (has(key, "error")) {
            fails(key, () -> f.apply(in), in);
            return;
        }
        Tensor out = f.apply(in);
        assertTensor(key, "", out);
        Node fn = out.gradFn();
        assertEquals(TORCH.field(key, "grad_fn"), fn == null ? "None" : fn.name(), key + " grad_fn");
        if (!out.requiresGrad()) {
            return;
        }
        Tensor g = Tensor.arange(1, out.numel() + 1, 1, out.dtype()).reshape(out.shape());
        if (has(key, "backward_error")) {
            String line = TORCH.field(key, "backward_error");
            Throwable e = assertThrows(IllegalStateException.class, () -> out.backward(g), key);
            assertEquals(line.substring(line.indexOf(' ') + 1), e.getMessage(), key);
            return;
        }
        out.backward(g);
        for (int k = 0; k < in.length; k++) {
            if (!in[k].requiresGrad()) {
                continue;
            }
            String expected = TORCH.field(key, "grad" + k);
            if (expected.equals("None")) {
                assertNull(in[k].grad(), key + " grad" + k);
            } else {
                assertValues(key + " grad" + k, expected, in[k].grad());
            }
        }
    }

    /** PyTorch's error for a case, of its type, with every tensor given unchanged (values and version). */
    static void fails(String key, org.junit.jupiter.api.function.Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int k = 0; k < untouched.length; k++) {
            before[k] = untouched[k].toDoubleArray();
            versions[k] = untouched[k].version();
        }
        Throwable e = assertThrows(TORCH.errorType(key), call, key);
        assertEquals(TORCH.error(key), e.getMessage(), key);
        for (int k = 0; k < untouched.length; k++) {
            assertArrayEquals(before[k], untouched[k].toDoubleArray(), key + " input " + k + " changed");
            assertEquals(versions[k], untouched[k].version(), key + " input " + k + " version");
        }
    }

    private static DynamicTest c(String key, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(key, () -> check(key, f, inputs));
    }

    // ------------------------------------------------------------------ index_select

    @TestFactory
    List<DynamicTest> indexSelect() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("is_dim0", x -> x[0].indexSelect(0, l(2, 0, 2)), a(3, 4)));
        t.add(c("is_dim1", x -> x[0].indexSelect(1, l(3, 1)), a(3, 4)));
        t.add(c("is_dim_neg", x -> x[0].indexSelect(-1, l(0, 0, 2)), a(2, 3)));
        t.add(c("is_3d_mid", x -> x[0].indexSelect(1, l(2, 1)), d(2, 3, 2)));
        t.add(c("is_noncontig", x -> x[0].t().indexSelect(0, l(1, 3)), a(3, 4)));
        t.add(c("is_index_strided", x -> x[0].indexSelect(0, l(2, 9, 0, 9, 1).slice(0, 0, 5, 2)), a(3, 2)));
        t.add(c("is_1d", x -> x[0].indexSelect(0, l(4, 0, 4)), d(5)));
        t.add(c("is_0d", x -> x[0].indexSelect(0, l(0)), t0(3.5)));
        t.add(c("is_0d_index0d", x -> x[0].indexSelect(0, l0(0)), t0(3.5)));
        t.add(c("is_empty_index", x -> x[0].indexSelect(0, l()), a(3, 4)));
        t.add(c("is_empty_self", x -> x[0].indexSelect(1, l(1, 0)), a(0, 3)));
        t.add(c("is_long", x -> x[0].indexSelect(0, l(1, 1)), l2(r(1, 2), r(3, 4))));
        t.add(c("is_bool", x -> x[0].indexSelect(1, l(1, 0)), b2(br(true, false), br(false, false))));
        t.add(c("is_expanded", x -> x[0].expand(3, 4).indexSelect(0, l(2, 0)), a(4)));
        t.add(c("is_oob", x -> x[0].indexSelect(0, l(0, 3)), a(3, 4)));
        t.add(c("is_neg_index", x -> x[0].indexSelect(0, l(-1)), a(3, 4)));
        t.add(c("is_oob_dim1", x -> x[0].indexSelect(1, l(9)), a(3, 4)));
        t.add(c("is_oob_1d", x -> x[0].indexSelect(0, l(5)), a(4)));
        t.add(c("is_index_2d", x -> x[0].indexSelect(0, l2(r(0))), a(3, 4)));
        t.add(c("is_index_float", x -> x[0].indexSelect(0, t(0)), a(3, 4)));
        t.add(c("is_dim_oob", x -> x[0].indexSelect(2, l(0)), a(3, 4)));
        t.add(c("is_empty_axis", x -> x[0].indexSelect(0, l(0)), a(0, 3)));
        t.add(c("is_0d_two", x -> x[0].indexSelect(0, l(0, 0)), t0(3.5)));
        return t;
    }

    // ------------------------------------------------------------------ gather

    @TestFactory
    List<DynamicTest> gather() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("g_dim0", x -> x[0].gather(0, l2(r(2, 0, 1), r(0, 0, 2))), a(3, 3)));
        t.add(c("g_dim1", x -> x[0].gather(1, l2(r(2, 2), r(0, 1), r(1, 0))), d(3, 3)));
        t.add(c("g_smaller", x -> x[0].gather(1, l2(r(3), r(0))), a(3, 4)));
        t.add(c("g_3d", x -> x[0].gather(2, Tensor.tensor(new long[][][] {{{1, 0}}, {{0, 0}}}, DType.INT64)), a(2, 3, 2)));
        t.add(c("g_noncontig", x -> x[0].t().gather(0, l2(r(1, 0, 2), r(2, 2, 0))), d(3, 3)));
        t.add(c("g_index_expanded", x -> x[0].gather(1, l2(r(1), r(0), r(1)).expand(3, 4)), d(3, 2)));
        t.add(c("g_empty", x -> x[0].gather(1, Tensor.zeros(DType.INT64, 0, 2)), a(3, 4)));
        t.add(c("g_empty_float_index", x -> x[0].gather(1, Tensor.zeros(0)), a(3, 4)));
        t.add(c("g_0d", x -> x[0].gather(0, l0(0)), t0(2.5)));
        t.add(c("g_0d_1d", x -> x[0].gather(0, l(0, 0)), t0(2.5)));
        t.add(c("g_long", x -> x[0].gather(0, l2(r(1, 0))), l2(r(1, 2), r(3, 4))));
        t.add(c("g_bool", x -> x[0].gather(1, l2(r(1, 1, 0))), b2(br(true, false))));
        t.add(c("g_float_index", x -> x[0].gather(0, t2(dr(0))), a(3, 3)));
        t.add(c("g_dims", x -> x[0].gather(0, l(0)), a(3, 3)));
        t.add(c("g_size", x -> x[0].gather(0, l2(r(0, 1, 1, 1))), a(3, 3)));
        t.add(c("g_oob", x -> x[0].gather(1, l2(r(0), r(3), r(0))), a(3, 3)));
        t.add(c("g_neg", x -> x[0].gather(0, l2(r(-1))), a(3, 3)));
        return t;
    }

    // ------------------------------------------------------------------ scatter, scatter_add

    @TestFactory
    List<DynamicTest> scatter() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("s_src_dim0", x -> x[0].scatter(0, l2(r(2, 0, 1), r(1, 2, 0)), x[1]), a(3, 3), d(2, 3).toFloat()));
        t.add(c("s_src_dim1", x -> x[0].scatter(1, l2(r(2), r(0)), x[1]), d(2, 3), d(3, 3)));
        t.add(c("s_src_bigger", x -> x[0].scatter(0, l2(r(1, 0)), x[1]), a(2, 3), a(3, 4).add(100.0)));
        t.add(c("s_dup_last", x -> x[0].scatter(0, l(1, 1, 1), x[1]), a(3), t(7, 8, 9)));
        t.add(c("s_value", x -> x[0].scatter(1, l2(r(0, 2), r(1, 1)), 9.5), d(2, 3)));
        t.add(c("s_value_long", x -> x[0].scatter(0, l2(r(1, 0)), 7.9), l2(r(1, 2), r(3, 4))));
        t.add(c("s_value_bool", x -> x[0].scatter(0, l(0, 2), 1.0), b(false, false, true)));
        t.add(c("s_noncontig", x -> x[0].t().scatter(0, l2(r(0, 1, 0)), x[1].t()), d(3, 2), d(4, 1)));
        t.add(c("s_empty", x -> x[0].scatter(0, Tensor.zeros(DType.INT64, 0, 3), x[1]), d(2, 3), d(2, 3)));
        t.add(c("s_0d", x -> x[0].scatter(0, l0(0), x[1]), t0(1.5), t0(4.5)));
        t.add(c("s_inplace", inplace((y, x) -> y.scatter_(0, l2(r(1, 0)), x[1])), d(2, 2), d(1, 2)));
        t.add(c("s_inplace_value", inplace((y, x) -> y.scatter_(1, l2(r(1), r(0)), -1.0)), d(2, 2)));
        t.add(c("s_dtype", x -> x[0].scatter(0, l2(r(0)), x[1]), a(2, 3), d(1, 1)));
        t.add(c("s_index_dtype", x -> x[0].scatter(0, t2(dr(0)), 1.0), a(2, 3)));
        t.add(c("s_dims", x -> x[0].scatter(0, l(0), 1.0), a(2, 3)));
        t.add(c("s_size_src", x -> x[0].scatter(0, l2(r(0, 1, 1)), x[1]), a(2, 3), a(2, 2)));
        t.add(c("s_size_self", x -> x[0].scatter(0, l2(r(0, 1, 1, 1)), 1.0), a(2, 3)));
        t.add(c("s_src_dims", x -> x[0].scatter(0, l2(r(0)), x[1]), a(2, 3), a(1)));
        t.add(c("s_oob", x -> x[0].scatter(1, l2(r(0, 3)), 1.0), a(2, 3)));
        t.add(c("s_oob_neg", x -> x[0].scatter(0, l2(r(-1)), x[1]), a(2, 3), a(1, 1)));
        t.add(c("sa_dup", x -> x[0].scatterAdd(0, l2(r(1, 0), r(1, 1), r(0, 1)), x[1]), d(2, 2), d(3, 2)));
        t.add(c("sa_dim1", x -> x[0].scatterAdd(1, l2(r(0, 0, 2, 0)), x[1]), a(2, 3), a(1, 4)));
        t.add(c("sa_long", x -> x[0].scatterAdd(0, l(0, 0, 1), x[1]), l(10, 20), l(1, 2, 4)));
        t.add(c("sa_bool", x -> x[0].scatterAdd(0, l(1, 1), x[1]), b(true, false, false), b(true, false)));
        t.add(c("sa_inplace", inplace((y, x) -> y.scatterAdd_(1, l2(r(1, 1)), x[1])), d(2, 2), d(1, 2)));
        t.add(c("sa_dtype", x -> x[0].scatterAdd(0, l2(r(0)), x[1]), a(2, 3), d(1, 1)));
        return t;
    }

    // ------------------------------------------------------------------ scatter_reduce

    @TestFactory
    List<DynamicTest> scatterReduce() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor idx = l2(r(0, 1), r(0, 1), r(2, 0), r(0, 0));
        for (String red : List.of("sum", "prod", "mean", "amax", "amin")) {
            for (boolean inc : List.of(true, false)) {
                String tag = red + (inc ? "_self" : "_noself");
                t.add(c("sr_" + tag, x -> x[0].scatterReduce(0, idx, x[1], red, inc),
                        t64x2(dr(1.5, -2.0), dr(3.0, 0.5), dr(-1.0, 4.0)),
                        t64x2(dr(2.0, 1.0), dr(0.5, -3.0), dr(4.0, 2.0), dr(-1.0, 1.0))));
                t.add(c("sr_long_" + tag, x -> x[0].scatterReduce(0, l(1, 1, 0, 1), x[1], red, inc), l(5, -7, 9),
                        l(-2, 4, 3, 9)));
            }
        }
        t.add(c("sr_amax_ties", x -> x[0].scatterReduce(0, l(0, 0, 1, 0), x[1], "amax"), t64(3, 1), t64(3, 2, 1, 3)));
        t.add(c("sr_amin_ties_noself", x -> x[0].scatterReduce(0, l(0, 0, 0, 1), x[1], "amin", false), t64(3, 1),
                t64(-1, 2, -1, 5)));
        t.add(c("sr_amax_nan", x -> x[0].scatterReduce(0, l(0, 0, 1), x[1], "amax"), t64(1, 2), t64(Double.NaN, 3, 1)));
        t.add(c("sr_prod_zeros", x -> x[0].scatterReduce(0, l(0, 0, 1, 1, 2, 2), x[1], "prod"), t64(2, 3, 0),
                t64(0, 5, 0, 0, 4, 0.5)));
        t.add(c("sr_prod_zeros_noself", x -> x[0].scatterReduce(0, l(0, 0, 1, 1), x[1], "prod", false), t64(2, 3),
                t64(0, 5, 1.5, 2)));
        t.add(c("sr_2d_dim1", x -> x[0].scatterReduce(1, l2(r(0, 0, 2), r(1, 1, 1)), x[1], "mean"), d(2, 3), d(2, 3)));
        t.add(c("sr_bool_sum", x -> x[0].scatterReduce(0, l(1, 1, 2), x[1], "sum"), b(true, false, false),
                b(false, true, false)));
        t.add(c("sr_bool_prod", x -> x[0].scatterReduce(0, l(0, 0, 2), x[1], "prod"), b(true, false, true),
                b(true, false, true)));
        t.add(c("sr_bool_amin_noself", x -> x[0].scatterReduce(0, l(0, 1), x[1], "amin", false), b(false, false),
                b(true, false)));
        t.add(c("sr_bool_mean", x -> x[0].scatterReduce(0, l(0), x[1], "mean"), b(true), b(true)));
        t.add(c("sr_bad_reduce", x -> x[0].scatterReduce(0, l(0), x[1], "max"), a(2), a(1)));
        t.add(c("sr_inplace", inplace((y, x) -> y.scatterReduce_(0, l(1, 1, 0), x[1], "amax", false)), d(2), d(3)));
        t.add(c("sr_empty", x -> x[0].scatterReduce(0, l(), x[1], "mean", false), d(3), d(0)));
        return t;
    }

    // ------------------------------------------------------------------ index_add, index_copy, index_fill

    @TestFactory
    List<DynamicTest> indexAddCopyFill() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("ia_dim0", x -> x[0].indexAdd(0, l(2, 0, 2), x[1]), d(3, 2), d(3, 2)));
        t.add(c("ia_dim1_alpha", x -> x[0].indexAdd(1, l(1, 0), x[1], -2.0), d(2, 3), d(2, 2)));
        t.add(c("ia_long_alpha", x -> x[0].indexAdd(0, l(0, 0), x[1], 3), l(1, 2), l(5, 7)));
        t.add(c("ia_0d", x -> x[0].indexAdd(0, l(0), x[1]), t0(1.5), t0(2.0)));
        t.add(c("ia_1d", x -> x[0].indexAdd(0, l(3, 3, 1), x[1]), d(4), d(3)));
        t.add(c("ia_noncontig", x -> x[0].t().indexAdd(0, l(1), x[1].t()), d(3, 2), d(3, 1)));
        t.add(c("ia_empty", x -> x[0].indexAdd(0, l(), x[1]), d(2, 2), d(0, 2)));
        t.add(c("ia_inplace", inplace((y, x) -> y.indexAdd_(0, l(1, 1), x[1], 0.5)), d(2, 2), d(2, 2)));
        t.add(c("ia_oob", x -> x[0].indexAdd(0, l(3), x[1]), a(3, 2), a(1, 2)));
        t.add(c("ia_neg", x -> x[0].indexAdd(0, l(-1), x[1]), a(3, 2), a(1, 2)));
        t.add(c("ia_index_2d", x -> x[0].indexAdd(0, l2(r(0)), x[1]), a(3, 2), a(1, 2)));
        t.add(c("ia_index_float", x -> x[0].indexAdd(0, t(0), x[1]), a(3, 2), a(1, 2)));
        t.add(c("ia_dtype", x -> x[0].indexAdd(0, l(0), x[1]), a(3, 2), d(1, 2)));
        t.add(c("ia_numel", x -> x[0].indexAdd(0, l(0), x[1]), a(3, 2), a(2, 2)));
        t.add(c("ia_dim", x -> x[0].indexAdd(1, l(0), x[1]), a(3, 2), a(3)));
        t.add(c("ia_alpha_float_long", x -> x[0].indexAdd(0, l(0), x[1], 0.5), l(1, 2), l(1)));
        t.add(c("ia_slices", x -> x[0].indexAdd(0, l(0), x[1]), a(3, 4), a(1, 1)));
        t.add(c("ic_dim0", x -> x[0].indexCopy(0, l(2, 0), x[1]), d(3, 2), d(2, 2).add(10.0)));
        t.add(c("ic_dim1", x -> x[0].indexCopy(1, l(1), x[1]), a(2, 3), a(2, 1).sub(5.0)));
        t.add(c("ic_0d_source", x -> x[0].indexCopy(0, l(1), x[1]), d(3), t640(9.0)));
        t.add(c("ic_inplace", inplace((y, x) -> y.indexCopy_(0, l(0), x[1])), d(2, 2), d(1, 2)));
        t.add(c("ic_slices", x -> x[0].indexCopy(0, l(0), x[1]), a(2, 3), a(1, 4)));
        t.add(c("ic_slices_3d", x -> x[0].indexCopy(1, l(0), x[1]), a(2, 3, 4), a(3, 1, 6)));
        t.add(c("ic_dims", x -> x[0].indexCopy(0, l(0), x[1]), a(2, 3), a(3)));
        t.add(c("ic_scalar_source", x -> x[0].indexCopy(0, l(0, 1), x[1]), a(2, 3), t0(1.0)));
        t.add(c("ic_numel", x -> x[0].indexCopy(0, l(0, 1), x[1]), a(2, 3), a(1, 3)));
        t.add(c("ic_index_2d", x -> x[0].indexCopy(0, l2(r(0)), x[1]), a(2, 3), a(1, 3)));
        t.add(c("ic_index_float", x -> x[0].indexCopy(0, t(0), x[1]), a(2, 3), a(1, 3)));
        t.add(c("ic_dtype", x -> x[0].indexCopy(0, l(0), x[1]), a(2, 3), d(1, 3)));
        t.add(c("ic_oob", x -> x[0].indexCopy(0, l(-1), x[1]), a(2, 3), a(1, 3)));
        t.add(c("if_dim0", x -> x[0].indexFill(0, l(2, 0), -1.5), d(3, 2)));
        t.add(c("if_neg", x -> x[0].indexFill(1, l(-1), 7.0), d(2, 3)));
        t.add(c("if_tensor", x -> x[0].indexFill(1, l(0, 2, 0), x[1]), d(2, 3), t640(4.0)));
        t.add(c("if_long", x -> x[0].indexFill(0, l(1), 2.9), l2(r(1, 2), r(3, 4))));
        t.add(c("if_0d", x -> x[0].indexFill(0, l0(-1), 8.0), t0(3.0)));
        t.add(c("if_inplace", inplace((y, x) -> y.indexFill_(0, l(1), 0.0)), d(2, 2)));
        t.add(c("if_inplace_tensor", inplace((y, x) -> y.indexFill_(0, l(0), x[1])), d(2, 2), t640(-2.0)));
        t.add(c("if_oob", x -> x[0].indexFill(0, l(-4), 1.0), a(3, 2)));
        t.add(c("if_index_float", x -> x[0].indexFill(0, t(0), 1.0), a(3, 2)));
        t.add(c("if_index_2d", x -> x[0].indexFill(0, l2(r(0)), 1.0), a(3, 2)));
        t.add(c("if_value_1d", x -> x[0].indexFill(0, l(0), x[1]), a(3, 2), t(1.0)));
        return t;
    }

    // ------------------------------------------------------------------ take, take_along_dim

    @TestFactory
    List<DynamicTest> take() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("tk_basic", x -> x[0].take(l2(r(5, 0), r(-1, 2))), d(2, 3)));
        t.add(c("tk_noncontig", x -> x[0].t().take(l(1, 1, 4)), d(2, 3)));
        t.add(c("tk_0d_index", x -> x[0].take(l0(3)), a(4)));
        t.add(c("tk_empty", x -> x[0].take(l()), a(0)));
        t.add(c("tk_oob", x -> x[0].take(l(6)), a(2, 3)));
        t.add(c("tk_oob_neg", x -> x[0].take(l(-7)), a(2, 3)));
        t.add(c("tk_float_index", x -> x[0].take(t(0)), a(2, 3)));
        t.add(c("tk_empty_self", x -> x[0].take(l(0)), a(0)));
        t.add(c("tad_dim", x -> x[0].takeAlongDim(l2(r(0), r(2)), 1), d(2, 3)));
        t.add(c("tad_broadcast", x -> x[0].takeAlongDim(l2(r(0, 1)), 0), d(3, 2)));
        t.add(c("tad_broadcast_self", x -> x[0].takeAlongDim(l2(r(1), r(0)).expand(2, 2), 1), d(1, 3)));
        t.add(c("tad_flat", x -> x[0].takeAlongDim(l(5, 0)), d(2, 3)));
        t.add(c("tad_flat_noncontig", x -> x[0].t().takeAlongDim(l(1)), a(2, 3)));
        t.add(c("tad_dims", x -> x[0].takeAlongDim(l(0), 0), a(2, 3)));
        t.add(c("tad_dtype", x -> x[0].takeAlongDim(t2(dr(0.0)), 0), a(2, 3)));
        t.add(c("tad_shape", x -> x[0].takeAlongDim(l2(r(0, 1)), 0), a(2, 3)));
        return t;
    }

    // ------------------------------------------------------------------ x[...]

    private static final boolean[][] M23 = {{true, false, true}, {true, true, false}};

    @TestFactory
    List<DynamicTest> index() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor m23 = b2(M23);
        t.add(c("ix_int_list", x -> x[0].index(ix(1, 0, 1)), d(2, 3, 4)));
        t.add(c("ix_2d_index", x -> x[0].index(ix(l2(r(1), r(0)))), d(2, 3, 4)));
        t.add(c("ix_neg", x -> x[0].index(ALL, ix(-1, 0)), d(2, 3, 4)));
        t.add(c("ix_two_adjacent", x -> x[0].index(ALL, ix(l2(r(0), r(2))), ix(1, 3)), d(2, 3, 4)));
        t.add(c("ix_two_separated", x -> x[0].index(ix(l2(r(0, 1))), ALL, ix(l2(r(1), r(2)))), d(2, 3, 4)));
        t.add(c("ix_int_between", x -> x[0].index(ix(1, 0), i(1), ix(2, 3)), d(2, 3, 4)));
        t.add(c("ix_int_before", x -> x[0].index(i(1), ALL, ix(0, 3, 3)), d(2, 3, 4)));
        t.add(c("ix_int_after", x -> x[0].index(ALL, ix(0, 2), i(1)), d(2, 3, 4)));
        t.add(c("ix_none", x -> x[0].index(NONE, ix(1), NONE, ix(0, 2)), d(2, 3, 4)));
        t.add(c("ix_none_after", x -> x[0].index(ALL, ix(1), ALL, NONE), d(2, 3, 4)));
        t.add(c("ix_ellipsis", x -> x[0].index(DOTS, ix(3, 0)), d(2, 3, 4)));
        t.add(c("ix_ellipsis_mid", x -> x[0].index(ix(1), DOTS, ix(0, 1)), d(2, 3, 4)));
        t.add(c("ix_slice_step", x -> x[0].index(s(1, null, null), s(null, null, 2), ix(0)), d(2, 3, 4)));
        t.add(c("ix_mask1", x -> x[0].index(ix(b(false, true))), d(2, 3, 4)));
        t.add(c("ix_mask2", x -> x[0].index(ix(m23)), d(2, 3, 4)));
        t.add(c("ix_mask_slice_before", x -> x[0].index(ALL, ix(b(true, false, true))), d(2, 3, 4)));
        t.add(c("ixe_mask_dim", x -> x[0].index(ALL, ix(b(true, false, true, true))), d(2, 3, 4)));
        t.add(c("ix_mask_all", x -> x[0].index(ix(b2(br(true, false, true, false), br(true, true, true, true),
                br(false, false, false, false)).unsqueeze(0).expand(2, 3, 4))), d(2, 3, 4)));
        t.add(c("ix_mask_none", x -> x[0].index(ix(Tensor.zeros(DType.BOOL, 2, 3))), d(2, 3, 4)));
        t.add(c("ix_mask_and_index", x -> x[0].index(ix(b(true, true)), ix(2, 0)), d(2, 3, 4)));
        t.add(c("ix_bool0d_true", x -> x[0].index(ix(b0(true))), d(2, 3, 4)));
        t.add(c("ix_bool0d_false", x -> x[0].index(ix(b0(false))), d(2, 3, 4)));
        t.add(c("ix_int0d", x -> x[0].index(ix(l0(1))), d(2, 3, 4)));
        t.add(c("ix_int0d_tuple", x -> x[0].index(ALL, ix(l0(-1))), d(2, 3, 4)));
        t.add(c("ix_empty_index", x -> x[0].index(ix(l())), d(2, 3, 4)));
        t.add(c("ix_empty_index_mid", x -> x[0].index(ALL, ix(l())), d(2, 3, 4)));
        t.add(c("ix_noncontig", x -> x[0].transpose(0, 2).index(ix(3, 0), ix(2, 2)), d(2, 3, 4)));
        t.add(c("ix_expanded", x -> x[0].expand(3, 4).index(ix(0, 2), ix(1, 1)), d(4)));
        t.add(c("ix_long", x -> x[0].index(ix(0, 0), ix(1, 0)), l2(r(1, 2), r(3, 4))));
        t.add(c("ix_bool_self", x -> x[0].index(ix(b(true, false))), b2(br(true, false), br(false, true))));
        t.add(c("ix_1d_dup_grad", x -> x[0].index(ix(2, 2, 0, 2)), d(3)));
        t.add(c("ix_empty_result_oob", x -> x[0].index(ALL, ix(5)), a(0, 3)));
        t.add(c("ix_scalar_self_mask", x -> x[0].index(ix(b0(true))), t0(2.5)));
        // PyTorch 2.x: a mask spans its dimensions, so x[m, 0] selects in dim 2 (the script computes x[:, :, 0][m])
        t.add(c("ix_mask2_int_after", x -> x[0].index(ix(m23), i(0)), d(2, 3, 4)));
        t.add(c("ix_mask2_slice_after", x -> x[0].index(ix(m23), s(1, 3, null)), d(2, 3, 4)));
        t.add(c("bx_int", x -> x[0].index(i(1)), d(2, 3, 4)));
        t.add(c("bx_neg_int", x -> x[0].index(i(-1), i(-2)), d(2, 3, 4)));
        t.add(c("bx_slice", x -> x[0].index(s(1, null, null)), d(2, 3, 4)));
        t.add(c("bx_full_slice", x -> x[0].index(ALL), d(2, 3, 4)));
        t.add(c("bx_tuple_full", x -> x[0].index(ALL, i(1)), d(2, 3, 4)));
        t.add(c("bx_all_full", x -> x[0].index(ALL, ALL), d(2, 3, 4)));
        t.add(c("bx_explicit_full", x -> x[0].index(s(0, 2, null), s(0, 3, null)), d(2, 3, 4)));
        t.add(c("ix_explicit_full_slice", x -> x[0].index(s(0, 2, null), ix(1)), d(2, 3, 4)));
        t.add(c("bx_ellipsis", x -> x[0].index(DOTS), d(2, 3, 4)));
        t.add(c("bx_ellipsis_int", x -> x[0].index(DOTS, i(2)), d(2, 3, 4)));
        t.add(c("bx_two_ellipsis", x -> x[0].index(i(1), DOTS, DOTS), d(2, 3, 4)));
        t.add(c("bx_none", x -> x[0].index(NONE), d(2, 3, 4)));
        t.add(c("bx_none_mid", x -> x[0].index(i(0), NONE, ALL, NONE), d(2, 3, 4)));
        t.add(c("bx_steps", x -> x[0].index(s(null, null, 2), s(1, 3, null), s(-3, null, 2)), d(2, 3, 4)));
        t.add(c("bx_clamped", x -> x[0].index(s(5, 7, null)), d(2, 3, 4)));
        t.add(c("bx_neg_slice", x -> x[0].index(ALL, s(-2, null, null)), d(2, 3, 4)));
        t.add(c("bx_empty_tuple", x -> x[0].index(), d(2, 3, 4)));
        t.add(c("bx_0d_none", x -> x[0].index(NONE), t0(3.0)));
        t.add(c("bx_0d_ellipsis", x -> x[0].index(DOTS), t0(3.0)));
        t.add(c("ixe_too_many", x -> x[0].index(i(1), i(1), i(1), i(1)), d(2, 3, 4)));
        t.add(c("ixe_too_many_mask", x -> x[0].index(ix(m23), ix(m23)), d(2, 3, 4)));
        t.add(c("ixe_int_oob", x -> x[0].index(i(2)), d(2, 3, 4)));
        t.add(c("ixe_int_oob_tuple", x -> x[0].index(i(0), i(-4)), d(2, 3, 4)));
        t.add(c("ixe_int_oob_after_none", x -> x[0].index(NONE, i(0), i(5)), d(2, 3, 4)));
        t.add(c("ixe_0d_int", x -> x[0].index(i(0)), t0(3.0)));
        t.add(c("ixe_0d_int1", x -> x[0].index(i(1)), t0(3.0)));
        t.add(c("ixe_step0", x -> x[0].index(s(null, null, 0)), d(2, 3, 4)));
        t.add(c("ixe_step_neg", x -> x[0].index(s(null, null, -1)), d(2, 3, 4)));
        t.add(c("ixe_step_neg_tuple", x -> x[0].index(ALL, s(null, null, -2)), d(2, 3, 4)));
        t.add(c("ixe_tensor_oob", x -> x[0].index(ix(0, 2)), d(2, 3, 4)));
        t.add(c("ixe_tensor_oob_neg", x -> x[0].index(ix(-3)), d(2, 3, 4)));
        t.add(c("ixe_tensor_oob_dim", x -> x[0].index(ALL, ix(5)), d(2, 3, 4)));
        t.add(c("ixe_tensor_oob_second", x -> x[0].index(ix(0, 1), ix(7, 0)), d(2, 3, 4)));
        t.add(c("ixe_broadcast", x -> x[0].index(ix(0, 1), ix(0, 1, 2)), d(2, 3, 4)));
        t.add(c("ixe_mask_shape", x -> x[0].index(ix(b(true, false, true))), d(2, 3, 4)));
        t.add(c("ixe_mask_shape_2d", x -> x[0].index(ALL, ix(b2(br(true, false, true, false)))), d(2, 3, 4)));
        t.add(c("ixe_size0", x -> x[0].index(ALL, ix(0)), a(3, 0)));
        t.add(c("ixe_float_2x", x -> x[0].index(ix(t(0.0))), d(2, 3, 4)));
        return t;
    }

    // ------------------------------------------------------------------ x[...] = v

    /** {@code y = x * 1 (or a clone); y[index] = v} (index_put_ with accumulate), returning y. */
    private static Function<Tensor[], Tensor> put(boolean accumulate, Index... index) {
        return x -> {
            Tensor y = x[0].dtype().isFloatingPoint() ? x[0].mul(1.0) : x[0].clone();
            y.indexPut_(index, x[1], accumulate);
            return y;
        };
    }

    private static Function<Tensor[], Tensor> putValue(double value, Index... index) {
        return x -> {
            Tensor y = x[0].mul(1.0);
            y.indexPut_(index, value, false);
            return y;
        };
    }

    @TestFactory
    List<DynamicTest> indexPut() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("ip_index", put(false, ix(2, 0)), d(3, 2), d(2, 2).add(10.0)));
        t.add(c("ip_broadcast", put(false, ix(2, 0)), d(3, 2), t64(7, 8)));
        t.add(c("ip_scalar", putValue(-1.0, ix(1)), d(3, 2)));
        t.add(c("ip_mask_scalar", putValue(5.0, ix(b2(br(true, false), br(false, true), br(true, true)))), d(3, 2)));
        t.add(c("ip_mask_values", put(false, ix(b(true, false, true))), d(3), t64(9, 8)));
        t.add(c("ip_mask_rows", put(false, ix(b(true, false, true))), d(3, 2), t64x2(dr(1, 2), dr(3, 4))));
        t.add(c("ip_slice_index", put(false, ALL, ix(1)), d(2, 3), t64x2(dr(7), dr(8))));
        t.add(c("ip_separated", put(false, ix(0, 1), ALL, ix(2, 0)), d(2, 3, 4), t64x2(dr(1, 2, 3))));
        t.add(c("ip_int_index", put(false, i(1), ix(0, 2)), d(2, 3), t640(4.0)));
        t.add(c("ip_accumulate_dup", put(true, ix(0, 2, 0, 0)), d(3), t64(1, 2, 3, 4)));
        t.add(c("ip_accumulate_rows", put(true, ix(1, 1)), d(3, 2), t64x2(dr(1, 1), dr(2, 3))));
        t.add(c("ip_accumulate_2d", put(true, ix(l2(r(0, 1), r(1, 1))), ix(l2(r(1, 0), r(0, 0)))), d(2, 2), t640(1.5)));
        t.add(c("ip_dup_last", put(false, ix(1, 1, 1)), d(3), t64(4, 5, 6)));
        t.add(c("ip_long", put(false, ix(0, 0), ix(1, 0)), l2(r(1, 2), r(3, 4)), l(7, 8)));
        t.add(c("ip_bool", put(false, ix(1)), b(false, false), b(true)));
        t.add(c("ip_empty", put(false, ix(l())), d(3), t64()));
        t.add(c("ip_empty_mask", putValue(1.0, ix(b(false, false, false))), d(3)));
        t.add(c("ip_view_mask", x -> {
            Tensor y = x[0].mul(1.0);
            y.index(s(1, null, null)).indexPut_(new Index[] {ix(b2(br(true, false), br(false, true)))}, x[1], false);
            return y;
        }, d(3, 2), t64(5, 6)));
        t.add(c("ip_value_shape", put(false, ix(0, 1)), d(3, 2), t64(1, 2, 3)));
        t.add(c("ip_value_dtype", put(false, ix(0)), a(3), d(1)));
        t.add(c("ip_oob", put(false, ix(3)), d(3), t64(1)));
        t.add(c("ip_out_of_place", x -> x[0].indexPut(new Index[] {ix(1, 0)}, x[1], false), d(2, 2), t64(3, 4)));
        t.add(c("ip_out_of_place_none", x -> x[0].indexPut(new Index[] {ALL, ix(2, 0)}, x[1], false), d(2, 3),
                t64x2(dr(1), dr(2))));
        t.add(c("ip_out_of_place_acc", x -> x[0].indexPut(new Index[] {ix(1, 1), ix(0, 0)}, x[1], true), d(2, 2),
                t640(2.0)));
        return t;
    }

    // ------------------------------------------------------------------ masked ops

    @TestFactory
    List<DynamicTest> masked() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("mf_scalar", x -> x[0].maskedFill(b(true, false, true), -2.5), d(2, 3)));
        t.add(c("mf_tensor", x -> x[0].maskedFill(b2(br(true), br(false)), x[1]), d(2, 3), t640(4.0)));
        t.add(c("mf_broadcast_self", x -> x[0].maskedFill(b2(br(true, false), br(false, false), br(true, true)), 1.0), d(2)));
        t.add(c("mf_long", x -> x[0].maskedFill(b(true, false), 2.7), l(5, 6)));
        t.add(c("mf_bool", x -> x[0].maskedFill(b(true, false), 0.0), b(true, true)));
        t.add(c("mf_noncontig", x -> x[0].t().maskedFill(b(true, false), 0.0), d(2, 2)));
        t.add(c("mf_inplace", inplace((y, x) -> y.maskedFill_(b(false, true), 3.0)), d(2, 2)));
        t.add(c("mf_inplace_tensor", inplace((y, x) -> y.maskedFill_(b2(br(true, false)), x[1])), d(2, 2), t640(-1.0)));
        t.add(c("mf_value_dim", x -> x[0].maskedFill(b(true, false, true), t(2.0)), a(2, 3)));
        t.add(c("mf_broadcast", x -> x[0].maskedFill(b(true, false), 2.0), a(2, 3)));
        t.add(c("mf_inplace_shape", x -> x[0].clone().maskedFill_(b2(br(true, false, true), br(true, true, true)), 2.0), a(3)));
        t.add(c("mf_overflow", x -> x[0].maskedFill(b(true, false, true), 1e40), a(3)));
        t.add(c("mf_nan_long", x -> x[0].maskedFill(b(true, false, true), Double.NaN), l(1, 2, 3)));
        t.add(c("mf_float_mask", x -> x[0].maskedFill(t(1, 0, 1), 2.0), a(2, 3)));
        t.add(c("ms_basic", x -> x[0].maskedSelect(b2(br(true, false, true), br(false, false, true))), d(2, 3)));
        t.add(c("ms_broadcast_mask", x -> x[0].maskedSelect(b(false, true, true)), d(2, 3)));
        t.add(c("ms_broadcast_self", x -> x[0].maskedSelect(b2(br(true, false), br(true, true))), d(2)));
        t.add(c("ms_none", x -> x[0].maskedSelect(Tensor.zeros(DType.BOOL, 2, 3)), d(2, 3)));
        t.add(c("ms_noncontig", x -> x[0].t().maskedSelect(b2(br(true, false), br(false, true), br(true, true))), d(2, 3)));
        t.add(c("ms_long", x -> x[0].maskedSelect(b(true, false)), l2(r(1, 2), r(3, 4))));
        t.add(c("ms_float_mask", x -> x[0].maskedSelect(t(1, 0, 1)), a(2, 3)));
        t.add(c("ms_broadcast_error", x -> x[0].maskedSelect(b(true, false)), a(2, 3)));
        t.add(c("msc_basic", x -> x[0].maskedScatter(b2(br(true, false, true), br(false, true, false)), x[1]), d(2, 3),
                d(5).add(10.0)));
        t.add(c("msc_broadcast_mask", x -> x[0].maskedScatter(b(false, true, true), x[1]), d(2, 3), d(2, 2).add(10.0)));
        t.add(c("msc_broadcast_self", x -> x[0].maskedScatter(b2(br(true, false), br(true, true)), x[1]), d(2),
                d(3).add(10.0)));
        t.add(c("msc_none", x -> x[0].maskedScatter(Tensor.zeros(DType.BOOL, 3), x[1]), d(3), d(2)));
        t.add(c("msc_inplace", inplace((y, x) -> y.maskedScatter_(b(true, false, true), x[1])), d(3), d(4).add(5.0)));
        t.add(c("msc_too_few", x -> x[0].maskedScatter(b(true, true, true), x[1]), a(3), a(2)));
        t.add(c("msc_dtype", x -> x[0].maskedScatter(b(true, true, true), x[1]), a(3), d(3)));
        t.add(c("msc_broadcast_error", x -> x[0].maskedScatter(b(true, false), x[1]), a(2, 3), a(6)));
        t.add(c("msc_inplace_shape", x -> x[0].clone().maskedScatter_(Tensor.ones(DType.BOOL, 2, 3), x[1]), a(3), a(6)));
        t.add(c("msc_float_mask", x -> x[0].maskedScatter(t(1, 0, 1), x[1]), a(2, 3), a(6)));
        return t;
    }

    // ------------------------------------------------------------------ nonzero, where, argwhere

    @TestFactory
    List<DynamicTest> nonzero() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor nz = t2(dr(1, 0, 3), dr(0, 5, 6));
        t.add(c("nz_2d", x -> x[0].nonzero(), t2(dr(0, 1.5, -0.0), dr(Double.NaN, 0, 2))));
        t.add(c("nz_1d", x -> x[0].nonzero(), l(0, 3, 0, -1)));
        t.add(c("nz_bool_3d", x -> x[0].nonzero(), Tensor.tensor(new boolean[][][] {{{true, false}, {false, true}},
            {{false, false}, {true, true}}}, DType.BOOL)));
        t.add(c("nz_0d_true", x -> x[0].nonzero(), t0(2.0)));
        t.add(c("nz_0d_false", x -> x[0].nonzero(), t0(0.0)));
        t.add(c("nz_empty", x -> x[0].nonzero(), a(0, 3)));
        t.add(c("nz_none", x -> x[0].nonzero(), Tensor.zeros(2, 2)));
        t.add(c("nz_noncontig", x -> x[0].t().nonzero(), nz));
        t.add(c("aw_basic", x -> x[0].argwhere(), l2(r(0, 7), r(7, 0))));
        t.add(tuple("nz_tuple", () -> nz.nonzeroAsTuple()));
        t.add(tuple("nz_tuple_0d", () -> t0(2.0).nonzeroAsTuple()));
        t.add(tuple("nz_tuple_0d_false", () -> t0(0.0).nonzeroAsTuple()));
        t.add(tuple("wh_cond", () -> Tensor.where(b2(br(false, true), br(true, true)))));
        return t;
    }

    private static DynamicTest tuple(String key, java.util.function.Supplier<List<Tensor>> f) {
        return DynamicTest.dynamicTest(key, () -> {
            List<Tensor> out = f.get();
            assertEquals(Integer.parseInt(TORCH.field(key, "count")), out.size(), key);
            for (int k = 0; k < out.size(); k++) {
                assertTensor(key, k + ".", out.get(k));
            }
        });
    }

    // ------------------------------------------------------------------ repeat_interleave

    @TestFactory
    List<DynamicTest> repeatInterleave() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("ri_flat", x -> x[0].repeatInterleave(l(1, 0, 2, 1, 0, 3)), d(2, 3)));
        t.add(c("ri_dim0", x -> x[0].repeatInterleave(l(2, 1), 0), d(2, 3)));
        t.add(c("ri_dim_neg", x -> x[0].repeatInterleave(l(0, 2, 1), -1), d(2, 3)));
        t.add(c("ri_scalar_repeats", x -> x[0].repeatInterleave(l0(2), 1), d(2, 3)));
        t.add(c("ri_one_repeat", x -> x[0].repeatInterleave(l(3)), d(2)));
        t.add(c("ri_output_size", x -> x[0].repeatInterleave(l(2, 1), 0, 3L), d(2, 2)));
        t.add(c("ri_empty", x -> x[0].repeatInterleave(l(), 0), a(0, 3)));
        t.add(c("ri_empty_scalar", x -> x[0].repeatInterleave(l0(2), 0), a(0, 3)));
        t.add(c("ri_0d", x -> x[0].repeatInterleave(l(2)), t0(3.0)));
        t.add(c("ri_repeats_2d", x -> x[0].repeatInterleave(l2(r(1))), a(2)));
        t.add(c("ri_repeats_float", x -> x[0].repeatInterleave(t(1, 2), 0), a(2, 3)));
        t.add(c("ri_negative", x -> x[0].repeatInterleave(l(1, -2), 0), a(2, 3)));
        t.add(c("ri_output_size_wrong", x -> x[0].repeatInterleave(l(3, 1), 0, 3L), a(2, 3)));
        t.add(c("ri_negative_output_size", x -> x[0].repeatInterleave(l(3, -2), 0, 1L), a(2, 3)));
        t.add(c("ri_dim_oob", x -> x[0].repeatInterleave(l(2, 1), 2), a(2, 3)));
        t.add(c("ri_size", x -> x[0].repeatInterleave(l(1, 1, 1), 0), a(2, 3)));
        return t;
    }

    // ------------------------------------------------------------------ in place: checks first, autograd's rules, no history

    @Test
    void inPlaceErrorsLeaveSelfUnchanged() {
        Tensor x = a(2, 3);
        fails("s_oob", () -> x.scatter_(1, l2(r(0, 3)), 1.0), x);
        fails("sr_bad_reduce", () -> x.scatterReduce_(0, l2(r(0)), x.clone(), "max", true), x);
        fails("ia_oob", () -> x.indexAdd_(0, l(3), a(1, 3)), x);
        fails("ic_oob", () -> x.indexCopy_(0, l(-1), a(1, 3)), x);
        fails("ixe_tensor_oob", () -> x.indexPut_(new Index[] {ix(0, 2)}, 1.0, false), x);
        fails("msc_too_few", () -> x.maskedScatter_(Tensor.ones(DType.BOOL, 2, 3), a(2)), x);
        Tensor y = a(3, 2);
        fails("if_oob", () -> y.indexFill_(0, l(-4), 1.0), y);
        fails("ip_value_shape", () -> d(3, 2).indexPut_(new Index[] {ix(0, 1)}, t64(1, 2, 3), false));
    }

    @Test
    void inPlaceOnALeafThatRequiresGrad() {
        Tensor x = d(2, 3).clone().requiresGrad_(true); // a tensor of its own (d's reshape is a view)
        String leaf = "a leaf Variable that requires grad is being used in an in-place operation.";
        assertEquals(leaf, assertThrows(IllegalStateException.class, () -> x.scatter_(0, l2(r(1)), 2.0)).getMessage());
        assertEquals(leaf, assertThrows(IllegalStateException.class, () -> x.maskedFill_(b(true, false, true), 2.0))
                .getMessage());
        assertEquals(leaf, assertThrows(IllegalStateException.class,
                () -> x.indexPut_(new Index[] {ix(1)}, 2.0, false)).getMessage());
        assertEquals("a view of a leaf Variable that requires grad is being used in an in-place operation.",
                assertThrows(IllegalStateException.class, () -> x.indexPut_(new Index[] {i(1), ix(0)}, 2.0, false))
                        .getMessage());
        assertArrayEquals(d(2, 3).toDoubleArray(), x.toDoubleArray());
        assertEquals(0, x.version());
        // without grad mode nothing is recorded: the leaf is written directly
        try (GradMode off = Ember.noGrad()) {
            x.indexPut_(new Index[] {ix(b(true, false)), ix(2)}, -1.0, false);
        }
        assertEquals(-1.0, x.index(i(0), i(2)).item());
        assertEquals(1, x.version());
        assertTrue(x.isLeaf());
    }

    @Test
    void inPlaceWithoutHistoryWritesThroughViews() {
        Tensor base = Tensor.zeros(3, 4);
        Tensor view = base.t();
        view.scatter_(0, l2(r(3, 0, 1)), t2(dr(1, 2, 3)));
        view.indexAdd_(1, l(2, 2), Tensor.ones(4, 2));
        view.index(s(1, null, 2)).maskedFill_(b(true, false, true), 7.0);
        base.index(i(0)).indexPut_(new Index[] {ix(1, 1)}, t(5, 6), true);
        assertArrayEquals(new float[] {0, 18, 0, 7, 2, 0, 0, 0, 2, 7, 2, 7}, base.toFloatArray());
        assertEquals(4, base.version());
        assertEquals(4, view.version());
        assertNull(base.gradFn());
    }

    @Test
    void indexPutWithoutTensorsCopiesIntoTheView() {
        Tensor x = d(2, 3).requiresGrad_(true);
        Tensor y = x.mul(1.0);
        y.indexPut_(new Index[] {i(1), s(0, 2, null)}, t64(10, 20), false);
        y.indexPut_(new Index[] {DOTS, i(2)}, t640(1.0), true);
        assertEquals("CopySlices", y.gradFn().name());
        assertArrayEquals(new double[] {0.25, 0.5, 1.75, 10, 20, 2.5}, y.toDoubleArray());
        y.sum().backward();
        assertArrayEquals(new double[] {1, 1, 1, 0, 0, 1}, x.grad().toDoubleArray());
    }

    @Test
    void largeGatherAndScatterSplitAcrossThreads() {
        int n = 700;
        int m = 650;
        Tensor x = Tensor.rand(new Generator(3), DType.FLOAT32, n, m);
        Tensor index = Tensor.randint(0, n, n, m);
        float[] xs = x.toFloatArray();
        long[] is = index.toLongArray();
        float[] g = x.gather(0, index).toFloatArray();
        float[] s = Tensor.zeros(n, m).scatterAdd(0, index, x).toFloatArray();
        float[] expected = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                assertEquals(xs[(int) is[i * m + j] * m + j], g[i * m + j]);
                expected[(int) is[i * m + j] * m + j] += xs[i * m + j]; // in row-major order, as the kernel adds
            }
        }
        assertArrayEquals(expected, s);
        assertArrayEquals(xs, x.t().contiguous().t().index(ix(Tensor.arange(n))).toFloatArray());
    }

    @Test
    void nullArguments() {
        Tensor x = a(2, 3);
        assertEquals("index(): argument 'indices' (position 1) must be tuple of Index, not null",
                assertThrows(IllegalArgumentException.class, () -> x.index((Index[]) null)).getMessage());
        assertEquals("index(): argument 'indices' must be a list of Index, but element 1 is null",
                assertThrows(IllegalArgumentException.class, () -> x.index(ALL, null)).getMessage());
        assertEquals("index_put_(): argument 'indices' (position 1) must be tuple of Index, not null",
                assertThrows(IllegalArgumentException.class, () -> x.indexPut_(null, 1.0, false)).getMessage());
        assertEquals("index_put_(): argument 'values' (position 2) must be Tensor, not null",
                assertThrows(IllegalArgumentException.class, () -> x.indexPut_(new Index[] {ix(0)}, null, false))
                        .getMessage());
        assertEquals("index_put(): argument 'indices' must be a list of Index, but element 0 is null",
                assertThrows(IllegalArgumentException.class, () -> x.indexPut(new Index[] {null}, 1.0, false)).getMessage());
        assertEquals("Index.of(): argument 'indices' (position 1) must be Tensor, not null",
                assertThrows(IllegalArgumentException.class, () -> Index.of((Tensor) null)).getMessage());
        assertEquals("repeat_interleave(): argument 'repeats' (position 1) must be Tensor, not null",
                assertThrows(IllegalArgumentException.class, () -> x.repeatInterleave(null, null, null)).getMessage());
        assertEquals(12, x.repeatInterleave(l0(2), null, null).numel());
    }

    @Test
    void indexEntriesPrintAsPython() {
        assertEquals("[1, 1:, :3:2, :, None, ..., tensor([2], torch.int64)]", Arrays.toString(new Index[] {i(1),
            s(1, null, null), s(null, 3, 2), ALL, NONE, DOTS, ix(5, 6)}));
    }

    /** The entries tell what they are, as C++'s TensorIndex (is_integer(), integer(), slice(), ...), and refuse the rest. */
    @Test
    void indexEntriesTellWhatTheyAre() {
        Index one = i(-2);
        assertTrue(one.isInteger());
        assertEquals(-2, one.integer());
        Index slice = s(1, null, 3);
        assertTrue(slice.isSlice());
        assertEquals(Integer.valueOf(1), slice.sliceStart());
        assertNull(slice.sliceEnd());
        assertEquals(Integer.valueOf(3), slice.sliceStep());
        assertTrue(ALL.isSlice());
        assertNull(ALL.sliceStart());
        assertNull(ALL.sliceStep());
        assertTrue(NONE.isNewAxis());
        assertTrue(DOTS.isEllipsis());
        Tensor t = Tensor.fromArray(new long[] {2});
        Index tensor = Index.of(t);
        assertTrue(tensor.isTensor());
        assertTrue(tensor.tensor() == t);
        for (Index e : new Index[] {one, slice, NONE, DOTS, tensor}) {
            int kinds = (e.isInteger() ? 1 : 0) + (e.isSlice() ? 1 : 0) + (e.isNewAxis() ? 1 : 0)
                + (e.isEllipsis() ? 1 : 0) + (e.isTensor() ? 1 : 0);
            assertEquals(1, kinds, e.toString());
        }
        assertEquals("the index 1::3 is not an int index",
            assertThrows(IllegalStateException.class, slice::integer).getMessage());
        assertEquals("the index -2 is not a slice index",
            assertThrows(IllegalStateException.class, one::sliceStart).getMessage());
        assertEquals("the index None is not a tensor index",
            assertThrows(IllegalStateException.class, NONE::tensor).getMessage());
        assertThrows(IllegalStateException.class, DOTS::sliceEnd);
        assertThrows(IllegalStateException.class, tensor::sliceStep);
    }
}
