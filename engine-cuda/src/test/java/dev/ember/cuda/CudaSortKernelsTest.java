package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sort_kernels.cu (CudaSortKernels) against the CPU backend, exactly: the sorted values and indices (stability, NaN
 * order, -0.0 and 0.0 kept as they were), rank selections, scans (bit for bit, logcumsumexp within a few ulps),
 * searchsorted, histc and bincount, for every dtype, along every dimension of non-contiguous inputs, on lines below and
 * above the shared-memory limit (the radix sort), empty tensors, and 2^24 elements (scans of a few long lines and
 * bincount with weights, which are not bit for bit: CudaGapsTest). Requires a GPU (skips otherwise).
 */
@ExtendWith(CudaGate.class)
class CudaSortKernelsTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(1414);
    private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.INT8,
        DType.UINT8, DType.BOOL};

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** Floats in [-2, 2) with many duplicates, NaN, infinities, -0.0 and 0.0 sprinkled in; integers over their range. */
    static Tensor values(DType t, int... shape) {
        int n = (int) Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        if (t.isFloatingPoint()) {
            double[] v = Tensor.randint(-8, 8, n).toDoubleArray();
            double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0};
            double[] noise = Tensor.rand(GEN, DType.FLOAT64, n).toDoubleArray();
            for (int i = 0; i < n; i++) {
                v[i] = noise[i] < 0.1 ? specials[i % specials.length] : noise[i] < 0.5 ? v[i] / 4 : v[i] / 4 + noise[i];
            }
            return Tensor.tensor(v).reshape(shape).to(t);
        }
        if (t == DType.BOOL) {
            return Tensor.randint(0, 2, shape).to(DType.BOOL);
        }
        if (t == DType.UINT8) {
            return Tensor.randint(0, 256, shape).to(DType.UINT8);
        }
        long lo = t == DType.INT8 ? -128 : t == DType.INT16 ? -32768 : t == DType.INT32 ? Integer.MIN_VALUE : -1000000;
        return Tensor.randint(lo, -lo, shape).to(t);
    }

    /** The same function on the CPU and on CUDA: every output equal, element for element (NaN to NaN, -0.0 to -0.0). */
    static void same(String name, Function<Tensor, Tensor[]> f, Tensor cpuInput) {
        Tensor[] a = f.apply(cpuInput);
        Tensor[] b = f.apply(cpuInput.to(GPU));
        assertEquals(a.length, b.length, name);
        for (int i = 0; i < a.length; i++) {
            assertEquals(GPU, b[i].device(), name);
            assertEquals(a[i].dtype(), b[i].dtype(), name);
            assertArrayEquals(a[i].shape(), b[i].shape(), name + " output " + i);
            Tensor x = b[i].cpu();
            if (a[i].dtype().isFloatingPoint()) {
                double[] e = a[i].toDoubleArray();
                double[] g = x.toDoubleArray();
                for (int j = 0; j < e.length; j++) {
                    if (Double.compare(e[j], g[j]) != 0) {
                        throw new AssertionError(name + " output " + i + " element " + j + ": expected " + e[j] + ", got "
                                + g[j]);
                    }
                }
            } else {
                assertArrayEquals(a[i].to(DType.INT64).toLongArray(), x.to(DType.INT64).toLongArray(),
                        name + " output " + i);
            }
        }
    }

    private static DynamicTest t(String name, Function<Tensor, Tensor[]> f, Tensor in) {
        return DynamicTest.dynamicTest(name, () -> same(name, f, in));
    }

    /** A [4, 5, 6]-shaped non-contiguous view (a permutation of a padded tensor) of a type's values. */
    private static Tensor view(DType t, int a, int b, int c) {
        return values(t, c + 1, a, b).narrow(0, 1, c).permute(1, 2, 0);
    }

    @TestFactory
    List<DynamicTest> sort() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : TYPES) {
            for (int dim = 0; dim < 3; dim++) {
                int k = dim;
                for (boolean desc : new boolean[] {false, true}) {
                    t.add(t("sort " + d + " dim " + dim + (desc ? " descending" : ""), x -> {
                        Tensor.ValuesIndices r = x.sort(k, desc);
                        return new Tensor[] {r.values(), r.indices()};
                    }, view(d, 7, 9, 33)));
                }
            }
            // lines past the shared-memory limit: the radix sort, one pass per byte of the type
            t.add(t("sort " + d + " long lines", x -> {
                Tensor.ValuesIndices r = x.sort(1, false);
                return new Tensor[] {r.values(), r.indices()};
            }, values(d, 5000, 3).t()));
            t.add(t("sort " + d + " one line just past the limit, descending", x -> {
                Tensor.ValuesIndices r = x.sort(0, true);
                return new Tensor[] {r.values(), r.indices()};
            }, values(d, CudaSortKernels.SORT_CAP + 1)));
            t.add(t("argsort " + d + " at the limit", x -> new Tensor[] {x.argsort(1, true)},
                    values(d, 3, CudaSortKernels.SORT_CAP)));
        }
        t.add(t("sort of one element per line", x -> new Tensor[] {x.sort(1, false).indices()}, values(DType.FLOAT32, 9, 1)));
        t.add(t("sort of a scalar", x -> new Tensor[] {x.sort(0, false).values()}, Tensor.tensor(2.5)));
        t.add(t("sort empty", x -> new Tensor[] {x.sort(1, false).values(), x.sort(0, true).indices()},
                values(DType.FLOAT32, 0, 5)));
        t.add(t("sort broadcast", x -> new Tensor[] {x.expand(7, 300).sort(1, true).indices()}, values(DType.FLOAT32, 300)));
        t.add(t("topk", x -> {
            Tensor.ValuesIndices r = x.topk(7, 1, true, true);
            return new Tensor[] {r.values(), r.indices()};
        }, values(DType.FLOAT32, 13, 3001)));
        t.add(t("topk smallest int64", x -> {
            Tensor.ValuesIndices r = x.topk(4, 0, false, true);
            return new Tensor[] {r.values(), r.indices()};
        }, values(DType.INT64, 301, 5)));
        t.add(t("sort of 2^24 float32", x -> {
            Tensor.ValuesIndices r = x.sort(0, false);
            return new Tensor[] {r.values(), r.indices()};
        }, Tensor.randn(GEN, DType.FLOAT32, 1 << 24)));
        t.add(t("sort of 2^24 float64 in 4096 lines", x -> {
            Tensor.ValuesIndices r = x.sort(1, true);
            return new Tensor[] {r.values(), r.indices()};
        }, Tensor.randn(GEN, DType.FLOAT64, 4096, 4096)));
        return t;
    }

    @TestFactory
    List<DynamicTest> rankSelection() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : TYPES) {
            for (int dim = 0; dim < 3; dim++) {
                int k = dim;
                t.add(t("mode " + d + " dim " + dim, x -> {
                    Tensor.ValuesIndices r = x.mode(k, false);
                    return new Tensor[] {r.values(), r.indices()};
                }, view(d, 7, 9, 33)));
                if (d == DType.BOOL) {
                    continue; // kthvalue and median refuse bool
                }
                t.add(t("kthvalue " + d + " dim " + dim, x -> {
                    Tensor.ValuesIndices r = x.kthvalue(3, k, true);
                    return new Tensor[] {r.values(), r.indices()};
                }, view(d, 7, 9, 33)));
                t.add(t("median " + d + " dim " + dim, x -> {
                    Tensor.ValuesIndices r = x.median(k, false);
                    return new Tensor[] {r.values(), r.indices()};
                }, view(d, 7, 9, 33)));
                t.add(t("nanmedian " + d + " dim " + dim, x -> {
                    Tensor.ValuesIndices r = x.nanmedian(k, false);
                    return new Tensor[] {r.values(), r.indices()};
                }, view(d, 7, 9, 33)));
            }
            if (d != DType.BOOL) {
                t.add(t("median " + d + " of long lines", x -> {
                    Tensor.ValuesIndices r = x.median(0, false);
                    return new Tensor[] {r.values(), r.indices()};
                }, values(d, 3001, 4)));
                t.add(t("median " + d + " of everything", x -> new Tensor[] {x.median(), x.nanmedian()},
                        values(d, 77, 31)));
            }
            t.add(t("mode " + d + " of long lines", x -> {
                Tensor.ValuesIndices r = x.mode(1, true);
                return new Tensor[] {r.values(), r.indices()};
            }, values(d, 2, 5000)));
        }
        t.add(t("nanmedian of all-NaN lines", x -> {
            Tensor.ValuesIndices r = x.nanmedian(1, false);
            return new Tensor[] {r.values(), r.indices()};
        }, Tensor.full(new int[] {3, 5}, Double.NaN)));
        return t;
    }

    @TestFactory
    List<DynamicTest> scans() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : TYPES) {
            for (int dim = 0; dim < 3; dim++) {
                int k = dim;
                t.add(t("cummax " + d + " dim " + dim, x -> {
                    Tensor.ValuesIndices r = x.cummax(k);
                    return new Tensor[] {r.values(), r.indices()};
                }, view(d, 7, 9, 33)));
                t.add(t("cummin " + d + " dim " + dim, x -> {
                    Tensor.ValuesIndices r = x.cummin(k);
                    return new Tensor[] {r.values(), r.indices()};
                }, view(d, 7, 9, 33)));
                t.add(t("cumsum " + d + " dim " + dim, x -> new Tensor[] {x.cumsum(k)}, view(d, 7, 9, 33)));
                t.add(t("cumprod " + d + " dim " + dim, x -> new Tensor[] {x.cumprod(k)}, view(d, 7, 9, 33)));
            }
        }
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int dim = 0; dim < 3; dim++) {
                int k = dim;
                String name = "logcumsumexp " + d + " dim " + dim;
                Tensor in = view(d, 7, 9, 33);
                t.add(DynamicTest.dynamicTest(name, () -> CudaParityTest.assertClose(name, in.logcumsumexp(k),
                        in.to(GPU).logcumsumexp(k).cpu())));
            }
        }
        t.add(t("cumsum of 2^24 float32 in 4096 lines", x -> new Tensor[] {x.cumsum(1)},
                Tensor.randn(GEN, DType.FLOAT32, 4096, 4096)));
        t.add(t("cummax of a scalar", x -> new Tensor[] {x.cummax(0).values(), x.cummax(0).indices()}, Tensor.tensor(3.0)));
        t.add(t("cumsum empty", x -> new Tensor[] {x.cumsum(1), x.cummin(0).indices()}, values(DType.FLOAT32, 0, 4)));
        return t;
    }

    @TestFactory
    List<DynamicTest> searchAndCount() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : TYPES) {
            if (d == DType.BOOL) {
                continue;
            }
            Tensor rows = values(d, 4, 37).sort(1, false).values();
            Tensor line = values(d, 101).sort(0, false).values();
            Tensor v = values(d, 9, 4).t();
            for (boolean right : new boolean[] {false, true}) {
                t.add(t("searchsorted " + d + " rows" + (right ? " right" : ""),
                        x -> new Tensor[] {Tensor.searchsorted(x, v.to(x.device()), right)}, rows));
                t.add(t("searchsorted " + d + " 1-D" + (right ? " right" : ""),
                        x -> new Tensor[] {Tensor.searchsorted(x, v.to(x.device()), right)}, line));
            }
            Tensor unsorted = values(d, 4, 37);
            Tensor sorter = unsorted.argsort(1, false);
            t.add(t("searchsorted " + d + " with a sorter", x -> new Tensor[] {Tensor.searchsorted(x,
                    v.to(x.device()), false, sorter.to(x.device()))}, unsorted));
        }
        t.add(t("searchsorted empty values", x -> new Tensor[] {Tensor.searchsorted(x, x.narrow(0, 0, 0))},
                values(DType.FLOAT32, 11).sort(0, false).values()));
        t.add(t("bucketize", x -> new Tensor[] {x.bucketize(Tensor.tensor(new double[] {-1, 0, 0.5, 1}).to(x.device()))},
                values(DType.FLOAT64, 13, 7)));
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            t.add(t("histc " + d, x -> new Tensor[] {x.histc(13, -1, 1)}, values(d, 301, 7).t()));
            t.add(t("histc " + d + " odd range", x -> new Tensor[] {x.histc(7, -0.3, 1.7)}, values(d, 1001)));
        }
        t.add(t("histc of 2^24 float32", x -> new Tensor[] {x.histc(100, -3, 3)}, Tensor.randn(GEN, DType.FLOAT32, 1 << 24)));
        t.add(t("bincount", x -> new Tensor[] {x.bincount(), x.bincount(20)}, Tensor.randint(0, 13, 1001)));
        t.add(t("bincount empty", x -> new Tensor[] {x.bincount(5)}, Tensor.randint(0, 13, 0)));
        for (DType d : TYPES) {
            t.add(t("unique " + d, x -> {
                dev.ember.UniqueResult u = x.unique(true, true, true);
                return new Tensor[] {u.values(), u.inverse(), u.counts()};
            }, values(d, 31, 17).t()));
            t.add(t("unique " + d + " of many", x -> {
                dev.ember.UniqueResult u = x.unique(true, true, true);
                return new Tensor[] {u.values(), u.inverse(), u.counts()};
            }, values(d, 9001)));
            t.add(t("uniqueConsecutive " + d, x -> {
                dev.ember.UniqueResult u = x.uniqueConsecutive(true, true);
                return new Tensor[] {u.values(), u.inverse(), u.counts()};
            }, values(d, 301).sort(0, false).values()));
        }
        t.add(t("unique of one column (dim 0)", x -> {
            dev.ember.UniqueResult u = x.unique(true, true, true, 0);
            return new Tensor[] {u.values(), u.inverse(), u.counts()};
        }, values(DType.FLOAT32, 101, 1)));
        t.add(t("unique of rows (the host)", x -> new Tensor[] {x.unique(true, false, true, 0).values()},
                Tensor.randint(0, 2, 40, 3)));
        t.add(t("unique empty", x -> new Tensor[] {x.unique(true, true, true).values()}, values(DType.FLOAT32, 0)));
        return t;
    }

    @TestFactory
    List<DynamicTest> tiesAndNaN() {
        // PyTorch's stable descending order: NaN first, equal values in their order, -0.0 and 0.0 equal
        List<DynamicTest> t = new ArrayList<>();
        t.add(DynamicTest.dynamicTest("stable order of ties, descending", () -> {
            Tensor x = Tensor.tensor(new double[] {1, 3, 1, 3, Double.NaN, -0.0, 0.0, 3}).to(GPU);
            Tensor.ValuesIndices r = x.sort(0, true);
            assertArrayEquals(new long[] {4, 1, 3, 7, 0, 2, 5, 6}, r.indices().cpu().toLongArray());
            assertTrue(Double.isNaN(r.values().cpu().toDoubleArray()[0]));
        }));
        return t;
    }
}
