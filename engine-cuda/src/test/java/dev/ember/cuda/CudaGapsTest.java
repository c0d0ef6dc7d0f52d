package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * gaps_kernels.cu (CudaGapsKernels) against the CPU backend: scans of a few long lines (a block-level parallel scan:
 * integer scans and cummax/cummin exactly, floating cumsum, cumprod and logcumsumexp within a tolerance, since the
 * kernel reassociates the CPU's left-to-right double sums), non-contiguous and along either dimension, and bincount with
 * float32 and float64 weights (float atomics: within a tolerance; "_bincount_cuda" alerts under deterministic
 * algorithms, as PyTorch's), unique / unique_consecutive with a dim of rows of several elements (exactly), and int32
 * indices of gather and scatter (index_select, index_add), which CudaBackend widens to int64 on the device.
 * Requires a GPU (skips otherwise).
 */
@ExtendWith(CudaGate.class)
class CudaGapsTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(1415);
    private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.INT8,
        DType.UINT8, DType.BOOL};

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static DynamicTest exact(String name, java.util.function.Function<Tensor, Tensor[]> f, Tensor in) {
        return DynamicTest.dynamicTest(name, () -> CudaSortKernelsTest.same(name, f, in));
    }

    private static DynamicTest close(String name, java.util.function.Function<Tensor, Tensor> f, Tensor in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.assertClose(name, f.apply(in), f.apply(in.to(GPU)).cpu()));
    }

    @TestFactory
    List<DynamicTest> longScans() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : TYPES) {
            // 3 lines of 100003 (a non-contiguous view along dim 1), and 2 lines along dim 0 of a transposed view
            Tensor rows = CudaSortKernelsTest.values(d, 3, 100004).narrow(1, 1, 100003);
            Tensor cols = CudaSortKernelsTest.values(d, 2, 70001).t();
            for (Tensor in : new Tensor[] {rows, cols}) {
                int dim = in == rows ? 1 : 0;
                String at = d + " dim " + dim;
                t.add(exact("cummax " + at, x -> new Tensor[] {x.cummax(dim).values(), x.cummax(dim).indices()}, in));
                t.add(exact("cummin " + at, x -> new Tensor[] {x.cummin(dim).values(), x.cummin(dim).indices()}, in));
                if (d.isFloatingPoint()) {
                    Tensor finite = Tensor.randn(GEN, d, in.shape());
                    t.add(close("cumsum " + at, x -> x.cumsum(dim), finite));
                    t.add(close("logcumsumexp " + at, x -> x.logcumsumexp(dim), finite));
                    // products of values near 1 stay finite over the line
                    t.add(close("cumprod " + at, x -> x.cumprod(dim), finite.mul(1e-3).add(1)));
                    // integer-valued floats: every partial sum is exact, whatever the association
                    t.add(exact("cumsum of integers " + at, x -> new Tensor[] {x.cumsum(dim)},
                            Tensor.randint(-3, 4, in.shape()).to(d)));
                } else {
                    t.add(exact("cumsum " + at, x -> new Tensor[] {x.cumsum(dim)}, in));
                    t.add(exact("cumprod " + at, x -> new Tensor[] {x.cumprod(dim)}, in));
                }
            }
        }
        t.add(close("cumsum of one line of 2^24 float32", x -> x.cumsum(0), Tensor.randn(GEN, DType.FLOAT32, 1 << 24)));
        t.add(exact("cummax of one line with NaN", x -> new Tensor[] {x.cummax(0).values(), x.cummax(0).indices()},
                CudaSortKernelsTest.values(DType.FLOAT64, 50000)));
        return t;
    }

    @TestFactory
    List<DynamicTest> weightedBincount() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x = Tensor.randint(0, 13, 100001);
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor w = Tensor.rand(GEN, d, 100002).narrow(0, 1, 100001);
            t.add(DynamicTest.dynamicTest("bincount with " + d + " weights", () -> CudaParityTest.assertClose(
                    "bincount " + d, x.bincount(w, 20), x.to(GPU).bincount(w.to(GPU), 20).cpu())));
            Tensor ints = Tensor.randint(-4, 5, 100001).to(d);
            t.add(exact("bincount with integer-valued " + d + " weights", v -> new Tensor[] {v.bincount(
                    ints.to(v.device()), 0)}, x));
        }
        t.add(exact("bincount with int64 weights (as float64)", v -> new Tensor[] {v.bincount(
                Tensor.randint(0, 3, 301).to(v.device()), 0)}, Tensor.randint(0, 5, 301)));
        return t;
    }

    /** Values in {-1, 0, 1} (bool: false, true; uint8: 255 for -1), floats with a NaN and a -0.0 now and then. */
    private static Tensor fewValues(DType d, int rows, int cols) {
        double[] v = Tensor.randint(-1, 2, rows * cols).toDoubleArray();
        if (d.isFloatingPoint()) {
            for (int i = 0; i < v.length; i++) {
                v[i] = i % 37 == 5 ? Double.NaN : i % 41 == 3 ? -0.0 : v[i];
            }
        }
        Tensor t = Tensor.tensor(v).reshape(rows, cols);
        return d == DType.BOOL ? t.ne(0L) : t.to(d);
    }

    @TestFactory
    List<DynamicTest> uniqueOfRows() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : TYPES) {
            // few distinct values: many equal rows (and, for floats, NaN, -0.0 and 0.0); non-contiguous and strided
            Tensor few = fewValues(d, 301, 3).narrow(0, 1, 300).t().contiguous().t();
            Tensor small = fewValues(d, 4, 5000);
            for (int dim = 0; dim < 2; dim++) {
                int k = dim;
                t.add(exact("unique dim " + k + " " + d, x -> {
                    dev.ember.UniqueResult u = x.unique(true, true, true, k);
                    return new Tensor[] {u.values(), u.inverse(), u.counts()};
                }, few));
                t.add(exact("unique_consecutive dim " + k + " " + d, x -> {
                    dev.ember.UniqueResult u = x.uniqueConsecutive(true, true, k);
                    return new Tensor[] {u.values(), u.inverse(), u.counts()};
                }, few));
            }
            // 5000 columns of 4 rows, along dim 1: the per-column sorts take the radix path (lines past SORT_CAP)
            t.add(exact("unique dim 1 of 5000 columns " + d, x -> {
                dev.ember.UniqueResult u = x.unique(true, true, true, 1);
                return new Tensor[] {u.values(), u.inverse(), u.counts()};
            }, small));
        }
        return t;
    }

    /** int32 indices (index_select and its backward, index_add): widened to int64 on the device. */
    @TestFactory
    List<DynamicTest> int32Indices() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor idx = Tensor.randint(0, 50, 33).to(DType.INT32);
        Tensor w = Tensor.randn(GEN, DType.FLOAT32, 50, 7);
        t.add(DynamicTest.dynamicTest("index_select with an int32 index", () -> CudaParityTest.parity(
                "index_select int32", x -> x[0].indexSelect(0, idx.to(x[0].device())), w)));
        t.add(DynamicTest.dynamicTest("index_select dim 1 with an int32 index", () -> CudaParityTest.parity(
                "index_select dim 1 int32", x -> x[0].indexSelect(1, Tensor.randint(0, 7, 5).to(DType.INT32)
                        .to(x[0].device())), w.t())));
        Tensor src = Tensor.randn(GEN, DType.FLOAT64, 33, 7);
        t.add(exact("index_add with an int32 index (deterministic)", x -> {
            dev.ember.Ember.useDeterministicAlgorithms(true);
            try {
                return new Tensor[] {x.indexAdd(0, idx.to(x.device()), src.to(x.device()))};
            } finally {
                dev.ember.Ember.useDeterministicAlgorithms(false);
            }
        }, Tensor.randn(GEN, DType.FLOAT64, 50, 7)));
        return t;
    }

    @Test
    void weightedBincountAlertsUnderDeterministicAlgorithms() {
        Tensor x = Tensor.randint(0, 5, 10).to(GPU);
        Tensor w = Tensor.rand(GEN, DType.FLOAT32, 10).to(GPU);
        Ember.useDeterministicAlgorithms(true);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.bincount(w, 0));
            assertEquals(dev.ember.Determinism.message("_bincount_cuda"), e.getMessage());
            x.bincount(); // without weights: exact integer atomics, no alert
        } finally {
            Ember.useDeterministicAlgorithms(false);
        }
    }
}
