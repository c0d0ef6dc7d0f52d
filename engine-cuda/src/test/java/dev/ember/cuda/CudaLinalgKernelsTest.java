package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA linear algebra kernels (linalg_kernels.cu through CudaLinalgKernels) against the CPU: the SPI's luFactor,
 * luSolve, triangularSolve and cholesky called directly on both backends, whose results (factors, pivots, info codes)
 * must agree bit for bit (the kernels mirror the CPU's operations), and qr, eigh and svd within a few ulps (their hypot
 * differs from the CPU's: 1e-6 relative for float32, which the emulation found bit for bit, 1e-14 for QR's float64 and
 * 1e-12 for eigh's and svd's, whose vectors depend on the values' gaps); and the ops built on them (inv, solve, det,
 * slogdet, cholesky, qr, eigh, svd, svdvals, lstsq, and the backward formulas, which solve with the same factors or triangles) on batched,
 * odd-sized, non-contiguous, broadcast and singular inputs, forward and backward, with the CPU's LinAlgError messages.
 * Skipped without a usable GPU: none of it has run on a GPU yet.
 */
@ExtendWith(CudaGate.class)
class CudaLinalgKernelsTest {
    private static final Generator GEN = new Generator(1414);
    private static CudaBackend backend;

    @BeforeEach
    void gpu() {
        backend = CudaTestSupport.requireCuda();
    }

    private static Tensor r(DType t, int... shape) {
        return uniform(GEN, t, 1.0, shape);
    }

    private static Tensor r(int... shape) {
        return r(DType.FLOAT32, shape);
    }

    /** {@code x} plus n on the diagonal: well-conditioned. */
    private static Tensor wellConditioned(Tensor x) {
        int n = x.size(-1);
        return x.add(Tensor.eye(n, n, x.dtype()).to(x.device()).mul((double) n));
    }

    /** {@code x x^T + I}: symmetric positive-definite. */
    private static Tensor spd(Tensor x) {
        int n = x.size(-1);
        return x.matmul(x.mT()).add(Tensor.eye(n, n, x.dtype()).to(x.device()));
    }

    @TestFactory
    List<DynamicTest> opsOnTheKernels() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            t.add(p("inv batched odd " + d, x -> wellConditioned(x[0]).linalgInv(), r(d, 3, 7, 7)));
            t.add(p("inv 1x1 " + d, x -> wellConditioned(x[0]).linalgInv(), r(d, 2, 1, 1)));
            t.add(p("inv large " + d, x -> wellConditioned(x[0]).linalgInv(), r(d, 45, 45)));
            t.add(p("inv non-contiguous " + d, x -> wellConditioned(x[0].mT()).linalgInv(), r(d, 2, 9, 9)));
            t.add(p("solve broadcast " + d, x -> wellConditioned(x[0]).linalgSolve(x[1]), r(d, 2, 1, 5, 5), r(d, 3, 5, 4)));
            t.add(p("solve vector " + d, x -> wellConditioned(x[0]).linalgSolve(x[1]), r(d, 6, 6), r(d, 6)));
            t.add(p("solve non-contiguous B " + d, x -> wellConditioned(x[0]).linalgSolve(x[1].mT()), r(d, 3, 5, 5),
                    r(d, 3, 7, 5)));
            t.add(p("det " + d, x -> wellConditioned(x[0]).linalgDet(), r(d, 4, 5, 5)));
            t.add(p("det non-contiguous " + d, x -> x[0].mT().linalgDet(), r(d, 3, 6, 6)));
            t.add(p("slogdet " + d, x -> wellConditioned(x[0]).linalgSlogdet().logabsdet(), r(d, 3, 6, 6)));
            t.add(p("slogdet sign " + d, x -> x[0].linalgSlogdet().sign(), r(d, 5, 4, 4)));
            t.add(p("cholesky batched " + d, x -> spd(x[0]).linalgCholesky(), r(d, 3, 7, 7)));
            t.add(p("cholesky upper " + d, x -> spd(x[0]).linalgCholesky(true), r(d, 5, 5)));
            t.add(p("cholesky odd " + d, x -> spd(x[0]).linalgCholesky(), r(d, 2, 2, 13, 13)));
            t.add(p("qr reduced tall " + d, x -> {
                dev.ember.QrResult q = x[0].linalgQr();
                return q.Q().sum().add(q.R().mul(q.R()).sum());
            }, r(d, 2, 9, 5)));
            t.add(p("qr complete wide " + d, x -> {
                dev.ember.QrResult q = x[0].linalgQr("complete");
                return q.Q().mul(q.Q()).sum().add(q.R().sum());
            }, r(d, 3, 4, 7)));
            // mode 'r' has no derivative (PyTorch raises in backward): forward only
            t.add(p("qr r non-contiguous " + d, x -> x[0].detach().mT().linalgQr("r").R(), r(d, 6, 8)));
            t.add(p("qr square odd " + d, x -> x[0].linalgQr().Q(), r(d, 13, 13)));
            t.add(p("eigh batched " + d, x -> {
                dev.ember.EighResult e = x[0].add(x[0].mT()).linalgEigh();
                return e.eigenvalues().sum().add(e.eigenvectors().mul(e.eigenvectors()).sum());
            }, r(d, 3, 6, 6)));
            t.add(p("eigvalsh upper odd " + d, x -> x[0].linalgEigvalsh("U"), r(d, 2, 13, 13)));
            // svd: the values, and functions of the vectors their signs do not change (U diag(S) Vh, squares)
            t.add(p("svd reduced tall " + d, x -> {
                dev.ember.SvdResult r = x[0].linalgSvd(false);
                return r.U().mul(r.S().unsqueeze(-2)).matmul(r.Vh()).add(r.S().sum());
            }, r(d, 2, 9, 5)));
            t.add(p("svd full wide non-contiguous " + d, x -> {
                dev.ember.SvdResult r = x[0].detach().mT().linalgSvd(true);
                return r.U().mul(r.U()).sum().add(r.Vh().mul(r.Vh()).sum()).add(r.S().sum());
            }, r(d, 3, 8, 4)));
            t.add(p("svdvals batched odd " + d, x -> x[0].linalgSvdvals(), r(d, 2, 13, 11)));
            t.add(p("lstsq tall " + d, x -> x[0].linalgLstsq(x[1]), r(d, 11, 4), r(d, 11, 3)));
            t.add(p("lstsq wide " + d, x -> x[0].linalgLstsq(x[1]), r(d, 3, 8), r(d, 3)));
        }
        // a singular matrix: det 0 and its gradient through the singular branch (the LU's zero pivot); empty matrices
        t.add(p("det singular", x -> x[0].linalgDet(), Tensor.tensor(new double[] {1, 2, 3, 2, 4, 6, 1, 0, 1}, DType.FLOAT64).reshape(3, 3)));
        t.add(p("det singular batch", x -> x[0].linalgDet(), Tensor.tensor(new double[] {1, 2, 2, 4, 0, 0, 0, 0, 1, 2, 3, 4}, DType.FLOAT64).reshape(3, 2, 2)));
        t.add(p("inv empty matrices", x -> x[0].linalgInv(), r(3, 0, 0)));
        t.add(p("det empty batch", x -> x[0].linalgDet(), r(0, 4, 4)));
        return t;
    }

    @Test
    void singularAndIndefiniteMatricesRaiseTheCpusLinAlgError() {
        Tensor singular = Tensor.tensor(new double[] {1, 2, 3, 2, 4, 6, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}, DType.FLOAT64).reshape(2, 3, 3);
        Tensor indefinite = Tensor.tensor(new double[] {4, 2, 2, 4, 1, 2, 2, 1}, DType.FLOAT64).reshape(2, 2, 2);
        List<Function<Tensor, Tensor>> ops = List.of(Tensor::linalgInv, x -> x.linalgSolve(Tensor.ones(DType.FLOAT64, 3, 1)
                .to(x.device())), Tensor::linalgCholesky);
        for (int i = 0; i < ops.size(); i++) {
            Tensor in = i == 2 ? indefinite : singular;
            Function<Tensor, Tensor> op = ops.get(i);
            String cpu = assertThrows(IllegalArgumentException.class, () -> op.apply(in)).getMessage();
            String gpu = assertThrows(IllegalArgumentException.class, () -> op.apply(in.to(GPU))).getMessage();
            assertEquals(cpu, gpu);
        }
    }

    // ------------------------------------------------------------------ the SPI, bit for bit

    private final Random random = new Random(77);

    @Test
    void luFactorAndSolveAreTheCpusBitForBit() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int n : new int[] {1, 3, 8, 31, 70}) {
                for (int kind = 0; kind < 3; kind++) {
                    int batch = 4;
                    int k = n % 4 + 1;
                    Layout la = kind == 2 ? new Layout(new int[] {batch, n, n}, new int[] {n * n + 1, 1, n}, 1)
                            : Layout.contiguous(batch, n, n);
                    Layout llu = Layout.contiguous(batch, n, n);
                    Layout lp = Layout.contiguous(batch, n);
                    Layout li = Layout.contiguous(batch);
                    Layout lb = new Layout(new int[] {batch, n, k}, new int[] {n * k, 1, n}, 0);
                    Layout lx = Layout.contiguous(batch, n, k);
                    compare(t + " lu n " + n + " kind " + kind, new Layout[] {la, llu, lp, li, lb, lx},
                            new DType[] {t, t, DType.INT64, DType.INT64, t, t}, new int[] {kind, -1, -1, -1, 0, -1},
                            (b, s) -> {
                                b.luFactor(s[0], la, s[1], llu, s[2], lp, s[3], li);
                                b.luSolve(s[1], llu, s[2], lp, s[4], lb, s[5], lx);
                            });
                }
            }
        }
    }

    @Test
    void triangularSolveAndCholeskyAreTheCpusBitForBit() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int n : new int[] {1, 4, 17, 50}) {
                int batch = 3;
                int k = n % 3 + 1;
                Layout la = Layout.contiguous(batch, n, n);
                Layout lat = new Layout(new int[] {batch, n, n}, new int[] {n * n, 1, n}, 0);
                Layout lb = Layout.contiguous(batch, n, k);
                Layout lx = new Layout(new int[] {batch, n, k}, new int[] {n * k, 1, n}, 0);
                for (boolean upper : new boolean[] {false, true}) {
                    for (boolean unit : new boolean[] {false, true}) {
                        compare(t + " triangular n " + n + " upper " + upper + " unit " + unit,
                                new Layout[] {upper ? lat : la, lb, lx}, new DType[] {t, t, t}, new int[] {3, 0, -1},
                                (b, s) -> b.triangularSolve(s[0], upper ? lat : la, s[1], lb, s[2], lx, upper, unit));
                    }
                }
                Layout li = Layout.contiguous(batch);
                for (int kind : new int[] {3, 0}) { // diagonally dominant (positive-definite), random (indefinite)
                    compare(t + " cholesky n " + n + " kind " + kind, new Layout[] {lat, la, li},
                            new DType[] {t, t, DType.INT64}, new int[] {kind, -1, -1},
                            (b, s) -> b.cholesky(s[0], lat, s[1], la, s[2], li));
                }
            }
        }
    }

    @Test
    void qrIsTheCpusWithinAFewUlps() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] z : new int[][] {{1, 1}, {9, 4}, {4, 9}, {12, 12}, {60, 25}}) {
                int m = z[0];
                int n = z[1];
                int k = Math.min(m, n);
                Layout la = new Layout(new int[] {3, m, n}, new int[] {m * n, 1, m}, 0);
                for (int rows : new int[] {k, m}) {
                    Layout lq = Layout.contiguous(3, m, rows);
                    Layout lr = Layout.contiguous(3, rows, n);
                    compare(t + " qr " + m + "x" + n + " rows " + rows, new Layout[] {la, lq, lr},
                            new DType[] {t, t, t}, new int[] {0, -1, -1}, (b, s) -> b.qr(s[0], la, s[1], lq, s[2], lr),
                            t == DType.FLOAT32 ? 1e-6 : 1e-14);
                }
            }
        }
    }

    @Test
    void eighIsTheCpusWithinAFewUlps() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int n : new int[] {1, 4, 11, 30}) {
                Layout la = Layout.contiguous(2, n, n);
                Layout lw = Layout.contiguous(2, n);
                Layout lv = new Layout(new int[] {2, n, n}, new int[] {n * n, 1, n}, 0);
                for (boolean upper : new boolean[] {false, true}) {
                    compare(t + " eigh n " + n + " upper " + upper, new Layout[] {la, lw, lv}, new DType[] {t, t, t},
                            new int[] {0, -1, -1}, (b, s) -> b.eigh(s[0], la, upper, s[1], lw, s[2], lv),
                            t == DType.FLOAT32 ? 1e-6 : 1e-12);
                }
            }
        }
    }

    @Test
    void svdIsTheCpusWithinAFewUlps() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] z : new int[][] {{1, 1}, {9, 4}, {4, 9}, {12, 12}, {40, 25}}) {
                int m = z[0];
                int n = z[1];
                int k = Math.min(m, n);
                Layout la = new Layout(new int[] {3, m, n}, new int[] {m * n, 1, m}, 0);
                Layout ls = Layout.contiguous(3, k);
                Layout li = Layout.contiguous(3);
                for (int kind : m == n ? new int[] {0, 2} : new int[] {0}) { // 2 (a zero column) for square only
                    for (boolean full : new boolean[] {false, true}) {
                        Layout lu = Layout.contiguous(3, m, full ? m : k);
                        Layout lvh = new Layout(new int[] {3, full ? n : k, n}, new int[] {(full ? n : k) * n, 1,
                                full ? n : k}, 0);
                        compare(t + " svd " + m + "x" + n + " kind " + kind + " full " + full,
                                new Layout[] {la, lu, ls, lvh, li}, new DType[] {t, t, t, t, DType.INT64},
                                new int[] {kind, -1, -1, -1, -1},
                                (b, s) -> b.svd(s[0], la, s[1], lu, s[2], ls, s[3], lvh, s[4], li),
                                t == DType.FLOAT32 ? 1e-6 : 1e-12);
                    }
                    compare(t + " svd values " + m + "x" + n + " kind " + kind, new Layout[] {la, ls, li},
                            new DType[] {t, t, DType.INT64}, new int[] {kind, -1, -1},
                            (b, s) -> b.svd(s[0], la, null, null, s[1], ls, null, null, s[2], li),
                            t == DType.FLOAT32 ? 1e-6 : 1e-12);
                }
            }
        }
    }

    private void compare(String name, Layout[] layouts, DType[] types, int[] kinds, BiConsumer<Backend, Storage[]> op) {
        compare(name, layouts, types, kinds, op, 0);
    }

    /**
     * Runs {@code op} on the CPU and on CUDA over storages of the same contents ({@code kinds}: 0 random, 1 small
     * integers (ties), 2 random with a zero column, 3 random symmetric with a dominant diagonal, -1 a marker) and
     * compares every storage bit for bit (any NaN equals any NaN), or within {@code tol} relative to the larger of 1 and
     * the CPU's value when {@code tol} is not 0 (QR's float64: its hypot differs from the CPU's in the last bit now and
     * then).
     */
    private void compare(String name, Layout[] layouts, DType[] types, int[] kinds, BiConsumer<Backend, Storage[]> op,
                         double tol) {
        int k = layouts.length;
        Storage[] cpu = new Storage[k];
        Storage[] gpu = new Storage[k];
        try {
            for (int i = 0; i < k; i++) {
                int n = (int) Math.max(1, layouts[i].extent());
                Object a = values(types[i], n, kinds[i], layouts[i]);
                cpu[i] = Backend.host().fromArray(a, types[i], 0);
                gpu[i] = backend.fromArray(a, types[i], 0);
            }
            op.accept(Backend.host(), cpu);
            op.accept(backend, gpu);
            for (int i = 0; i < k; i++) {
                Layout all = Layout.contiguous((int) cpu[i].numel());
                Object want = Backend.host().toArray(cpu[i], all);
                Object got = backend.toArray(gpu[i], all);
                int n = java.lang.reflect.Array.getLength(want);
                for (int e = 0; e < n; e++) {
                    Object x = java.lang.reflect.Array.get(want, e);
                    Object y = java.lang.reflect.Array.get(got, e);
                    boolean nan = x instanceof Number && Double.isNaN(((Number) x).doubleValue())
                            && Double.isNaN(((Number) y).doubleValue());
                    boolean near = tol > 0 && x instanceof Number && Math.abs(((Number) x).doubleValue()
                            - ((Number) y).doubleValue()) <= tol * Math.max(1, Math.abs(((Number) x).doubleValue()));
                    assertTrue(nan || near || x.equals(y), name + ": storage " + i + " element " + e + ": CPU " + x
                            + ", CUDA " + y);
                }
            }
        } finally {
            for (int i = 0; i < k; i++) {
                if (cpu[i] != null) {
                    cpu[i].close();
                }
                if (gpu[i] != null) {
                    gpu[i].close();
                }
            }
        }
    }

    private Object values(DType t, int n, int kind, Layout l) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = kind < 0 ? -12345.5 : kind == 1 ? random.nextInt(5) - 2 : random.nextDouble() * 2 - 1;
        }
        if (kind == 2 || kind == 3) {
            int rows = l.size(1);
            for (int b = 0; b < l.size(0); b++) {
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < rows; j++) {
                        int at = l.offset() + b * l.stride(0) + i * l.stride(1) + j * l.stride(2);
                        int mirror = l.offset() + b * l.stride(0) + j * l.stride(1) + i * l.stride(2);
                        if (kind == 2 && j == rows / 2) {
                            v[at] = 0;
                        } else if (kind == 3) {
                            v[at] = i == j ? rows + 1 : i > j ? v[mirror] : v[at];
                        }
                    }
                }
            }
        }
        if (t == DType.INT64) {
            long[] a = new long[n];
            java.util.Arrays.fill(a, -7);
            return a;
        }
        if (t == DType.FLOAT32) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) v[i];
            }
            return a;
        }
        return v;
    }
}
