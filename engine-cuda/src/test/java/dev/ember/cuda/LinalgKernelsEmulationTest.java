package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * linalg_kernels.cu run on the host, where g++ is installed, against the CPU backend's own kernels (LinalgKernels,
 * through {@code Backend.host()}): for each case the launches {@link CudaLinalgKernels} makes are recorded (kernel name,
 * grid, arguments: the packed struct, the flags, the storages), written with the storages' contents and the CPU's
 * results to a file, and src/test/cuda/linalg_emulation/linalg_kernels_test.cpp (the .cu compiled with g++ through
 * index_emulation/cuda_shim.h, a block's threads as threads and {@code __syncthreads} a barrier) replays them with the
 * recorded block size, with one thread and with 37 threads, and compares every storage with the CPU's bit for bit
 * (factors, pivots, info codes, and the elements the op must leave alone). The cases: LU factorization (random, ties,
 * singular in several ways, NaN and infinities, pivots below the smallest normal, an ill-conditioned Hilbert matrix,
 * sizes 0 to 40, batches, non-contiguous and broadcast operands), LU solves after the kernel's own factorization
 * (one to nine right-hand sides, singular factors), triangular solves (upper, lower, unit, with NaN in what must not be
 * read), Cholesky (positive-definite, indefinite, NaN, the upper triangle through a transposed layout) and QR (reduced,
 * complete and R only, tall, wide and square, singular with exact zero columns, NaN and infinities; compared within a
 * few ulps, as its hypot differs from the CPU's: float32 has come out bit for bit, float64 within 1.3e-15) and eigh
 * (both triangles, values only, sizes 1 to 25, NaN in the triangle not read, non-finite inputs, ties, singular, tiny,
 * Hilbert's values; within a few ulps too: float32 bit for bit, float64 within 5.5e-15) and svd (reduced, full and
 * values only, tall, wide and square, non-contiguous, broadcast batch, rank-deficient with exact zeros, small integers,
 * NaN (info -4) and infinities, tiny, Hilbert's values, empty matrices and an empty batch; within a few ulps as eigh,
 * recorded after the other cases so that their random matrices are the ones they always had). Then the
 * same cases against a copy of the .cu whose pivot search takes the last row of largest magnitude instead of the first:
 * it must fail. It runs the kernels' code without a GPU; what only a GPU shows, CudaLinalgKernelsTest checks where a GPU
 * exists.
 */
class LinalgKernelsEmulationTest {
    private static final Path DIR = Path.of("src/test/cuda/linalg_emulation");
    private static final Path CUDA = HostToolchain.CUDA;
    /** The pivot rule's tie-break in linalg_kernels.cu, and the mutation that makes the last row of a tie win. */
    private static final String TIE_RULE = "    return i1 < i2;\n";
    private static final String TIE_MUTATION = "    return i1 > i2;\n";

    private final RecordFile file = new RecordFile();
    private final Random random = new Random(14);
    private int cases;
    private final CachingAllocator allocator = HostToolchain.fakeAllocator();

    /** The launches of the case being recorded. */
    private final List<Object[]> launches = new ArrayList<>();
    /** The workspaces the kernels of the case being recorded allocated. */
    private final List<CudaStorage> scratch = new ArrayList<>();
    private final CudaLinalgKernels kernels = new CudaLinalgKernels(new CudaLinalgKernels.Device() {
        @Override
        public void launch(String kernel, int blocks, int threads, Object shape, Object... args) {
            launches.add(new Object[] {kernel, blocks, threads, args});
        }

        @Override
        public Storage allocate(DType dtype, long numel) {
            CudaStorage s = fake(dtype, numel);
            scratch.add(s);
            return s;
        }
    });

    @Test
    void linalgKernelsAgreeWithTheCpuKernelsOnTheHost() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DIR) && Files.isDirectory(CUDA), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            luCases(t);
            solveCases(t);
            triangularCases(t);
            choleskyCases(t);
            qrCases(t);
            eighCases(t);
        }
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            svdCases(t); // after the others: their random matrices stay the ones they were tuned on
        }
        Layout sq = Layout.contiguous(1, 2, 2);
        Layout vec = Layout.contiguous(1, 2);
        Layout one = Layout.contiguous(1);
        assertFalse(kernels.luFactor(fake(DType.INT64, 4), sq, fake(DType.INT64, 4), sq, fake(DType.INT64, 2), vec,
                fake(DType.INT64, 1), one), "int64 is left to the host default");
        assertFalse(kernels.cholesky(fake(DType.FLOAT16, 4), sq, fake(DType.FLOAT16, 4), sq, fake(DType.INT64, 1), one),
                "float16 is left to the host default");
        assertFalse(kernels.luSolve(fake(DType.FLOAT32, 4), sq, fake(DType.INT32, 2), vec, fake(DType.FLOAT32, 2),
                Layout.contiguous(1, 2, 1), fake(DType.FLOAT32, 2), Layout.contiguous(1, 2, 1)),
                "int32 pivots are left to the host default");
        assertFalse(kernels.svd(fake(DType.INT64, 4), sq, fake(DType.INT64, 4), sq, fake(DType.INT64, 2), vec,
                fake(DType.INT64, 4), sq, fake(DType.INT64, 1), one), "an int64 svd is left to the host default");

        Path tmp = Files.createTempDirectory("ember_linalg_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), HostToolchain.prelude(false));
            Path data = tmp.resolve("cases.bin");
            Files.write(data, file.withCount(cases));
            Path exe = tmp.resolve("linalg_kernels_test");
            String built = HostToolchain.run(build(gxx, tmp, CUDA, exe));
            String out = HostToolchain.run(List.of(exe.toString(), data.toString()));
            System.out.println("linalg_kernels.cu on the host: " + out.trim());
            assertTrue(out.contains(" 0 failures"), out + built);
            Matcher m = Pattern.compile("(\\d+) cases, (\\d+) launches, (\\d+) replays, (\\d+) checks").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(cases, Integer.parseInt(m.group(1)), out);
            assertTrue(Long.parseLong(m.group(4)) > 50_000, out);

            // a deliberate bug: the last row of largest magnitude as the pivot (a >= scan) must fail the comparison
            String source = Files.readString(CUDA.resolve("linalg_kernels.cu"));
            assertEquals(1, source.split(Pattern.quote(TIE_RULE), -1).length - 1, "the tie rule, once, in the .cu");
            Path mutant = Files.createDirectories(tmp.resolve("mutant"));
            Files.writeString(mutant.resolve("linalg_kernels.cu"), source.replace(TIE_RULE, TIE_MUTATION));
            Path bad = tmp.resolve("linalg_kernels_test_mutant");
            HostToolchain.run(build(gxx, tmp, mutant, bad));
            Process p = new ProcessBuilder(bad.toString(), data.toString()).redirectErrorStream(true).start();
            String badOut = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            System.out.println("with the last row of a tie as the pivot: " + badOut.lines().reduce((a, b) -> b).orElse(""));
            assertTrue(p.exitValue() != 0 && badOut.contains("FAIL [lu ") && !badOut.contains(" 0 failures"),
                    "the mutated pivot rule went unnoticed:\n" + badOut);
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }

    /** g++ on the replayer, the kernels taken from {@code kernelDir}. */
    private static List<String> build(String gxx, Path tmp, Path kernelDir, Path exe) {
        return List.of(gxx, "-std=c++20", "-O1", "-ffp-contract=off", "-pthread", "-w", "-I", tmp.toString(),
                "-I", kernelDir.toString(), "-I", HostToolchain.SHIM.toString(), "-I", DIR.toString(),
                "-o", exe.toString(), DIR.resolve("linalg_kernels_test.cpp").toString());
    }

    // ------------------------------------------------------------------ matrices

    /** Kinds of matrices. */
    private enum Kind { RANDOM, TIES, SINGULAR, NAN_INF, TINY, HILBERT, SPD, INDEFINITE }

    /** {@code batch} matrices rows x cols of a kind (as doubles; float32 storages round them). */
    private double[][][] matrices(Kind kind, int batch, int rows, int cols) {
        double[][][] m = new double[batch][rows][cols];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double v;
                    switch (kind) {
                        case TIES:
                            v = random.nextInt(5) - 2;
                            break;
                        case HILBERT:
                            v = 1.0 / (i + j + 1);
                            break;
                        case TINY:
                            v = (random.nextDouble() * 2 - 1) * 1e-39;
                            break;
                        default:
                            v = random.nextDouble() * 2 - 1;
                    }
                    m[b][i][j] = v;
                }
            }
            if (rows == 0 || cols == 0) {
                continue;
            }
            double[][] x = m[b];
            if (kind == Kind.SINGULAR) {
                switch (b % 5) {
                    case 0: // a zero column
                        for (double[] row : x) {
                            row[Math.min(1, cols - 1)] = 0;
                        }
                        break;
                    case 1: // two equal rows
                        x[rows - 1] = x[0].clone();
                        break;
                    case 2: // all zeros
                        for (double[] row : x) {
                            java.util.Arrays.fill(row, 0);
                        }
                        break;
                    case 3: // rank one, of small integers (exact)
                        for (int i = 0; i < rows; i++) {
                            for (int j = 0; j < cols; j++) {
                                x[i][j] = (i % 3 - 1) * (j % 4 + 1);
                            }
                        }
                        break;
                    default: // a zero first column: a zero pivot at step 0, and the factorization goes on
                        for (double[] row : x) {
                            row[0] = 0;
                        }
                }
            } else if (kind == Kind.NAN_INF) {
                int i = random.nextInt(rows);
                int j = random.nextInt(cols);
                x[i][j] = b % 3 == 0 ? Double.NaN : b % 3 == 1 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                if (b % 3 == 2 && rows > 1) {
                    x[(i + 1) % rows][j] = Double.NaN; // two NaN candidates
                    x[(i + 2) % rows][j] = Double.NaN;
                }
            } else if (kind == Kind.TINY && b == 0) {
                x[0][0] = 1; // one normal pivot, the rest below the smallest normal
            } else if (kind == Kind.SPD || kind == Kind.INDEFINITE) {
                double[][] s = new double[rows][rows];
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < rows; j++) {
                        double acc = i == j ? (kind == Kind.SPD ? 0.5 : 0) : 0;
                        for (int q = 0; q < rows; q++) {
                            acc += x[i][q] * x[j][q];
                        }
                        s[i][j] = acc;
                    }
                }
                if (kind == Kind.INDEFINITE) {
                    int at = b % rows;
                    s[at][at] = b % 2 == 0 ? -1 : 0; // a non-positive leading minor from order at + 1 on
                }
                m[b] = s;
            }
        }
        return m;
    }

    /**
     * A storage's array for layout {@code l} holding {@code m} ([B, rows, cols]; [B, n] and [B] layouts take row 0 and
     * element 0), every other element {@code filler} (NaN where nothing else may be read).
     */
    private static Object storage(DType t, Layout l, double[][][] m, double filler) {
        int n = extent(l);
        double[] v = new double[n];
        java.util.Arrays.fill(v, filler);
        int batch = l.size(0);
        int rows = l.rank() > 1 ? l.size(1) : 1;
        int cols = l.rank() > 2 ? l.size(2) : 1;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    long at = l.offset() + (long) b * l.stride(0) + (l.rank() > 1 ? (long) i * l.stride(1) : 0)
                            + (l.rank() > 2 ? (long) j * l.stride(2) : 0);
                    v[(int) at] = m == null ? filler : m[b][l.rank() > 1 ? i : 0][l.rank() > 2 ? j : 0];
                }
            }
        }
        return array(t, v);
    }

    private static Object array(DType t, double[] v) {
        if (t == DType.INT64) {
            long[] a = new long[v.length];
            java.util.Arrays.fill(a, -7);
            return a;
        }
        if (t == DType.FLOAT32) {
            float[] a = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                a[i] = (float) v[i];
            }
            return a;
        }
        return v;
    }

    /** An output's array: a marker everywhere (the op must replace what it writes and leave the rest). */
    private static Object marker(DType t, Layout l) {
        return storage(t, l, null, -12345.5);
    }

    /** [B, rows, cols] with its matrices transposed in memory, padded and from an offset. */
    private static Layout transposed(int batch, int rows, int cols, int pad, int offset) {
        int ld = rows + pad;
        return new Layout(new int[] {batch, rows, cols}, new int[] {ld * cols + pad, 1, ld}, offset);
    }

    /** [B, rows, cols] row-major, rows padded, matrices apart, from an offset. */
    private static Layout padded(int batch, int rows, int cols, int pad, int offset) {
        int ld = cols + pad;
        return new Layout(new int[] {batch, rows, cols}, new int[] {rows * ld + 2, ld, 1}, offset);
    }

    // ------------------------------------------------------------------ the cases

    private void luCases(DType t) {
        for (int n : new int[] {1, 2, 3, 5, 8, 17, 40}) {
            lu("lu random " + t + " n " + n, t, Kind.RANDOM, 3, n, Layout.contiguous(3, n, n), Layout.contiguous(3, n, n),
                    Layout.contiguous(3, n), Layout.contiguous(3));
        }
        for (int n : new int[] {4, 9}) {
            lu("lu non-contiguous " + t + " n " + n, t, Kind.RANDOM, 4, n, transposed(4, n, n, 1, 3), padded(4, n, n, 2, 1),
                    new Layout(new int[] {4, n}, new int[] {1, 5}, 2), new Layout(new int[] {4}, new int[] {3}, 1));
        }
        lu("lu broadcast batch " + t, t, Kind.RANDOM, 3, 6, new Layout(new int[] {3, 6, 6}, new int[] {0, 6, 1}, 0),
                Layout.contiguous(3, 6, 6), Layout.contiguous(3, 6), Layout.contiguous(3));
        for (int n : new int[] {2, 6, 11}) {
            lu("lu ties " + t + " n " + n, t, Kind.TIES, 6, n, Layout.contiguous(6, n, n), Layout.contiguous(6, n, n),
                    Layout.contiguous(6, n), Layout.contiguous(6));
        }
        for (int n : new int[] {1, 3, 5, 7}) {
            lu("lu singular " + t + " n " + n, t, Kind.SINGULAR, 5, n, padded(5, n, n, 1, 2), Layout.contiguous(5, n, n),
                    Layout.contiguous(5, n), Layout.contiguous(5));
        }
        lu("lu NaN and infinities " + t, t, Kind.NAN_INF, 6, 5, Layout.contiguous(6, 5, 5), Layout.contiguous(6, 5, 5),
                Layout.contiguous(6, 5), Layout.contiguous(6));
        lu("lu pivots below the smallest normal " + t, t, Kind.TINY, 3, 4, Layout.contiguous(3, 4, 4),
                Layout.contiguous(3, 4, 4), Layout.contiguous(3, 4), Layout.contiguous(3));
        lu("lu Hilbert " + t, t, Kind.HILBERT, 1, 10, Layout.contiguous(1, 10, 10), Layout.contiguous(1, 10, 10),
                Layout.contiguous(1, 10), Layout.contiguous(1));
        lu("lu empty matrices " + t, t, Kind.RANDOM, 2, 0, Layout.contiguous(2, 0, 0), Layout.contiguous(2, 0, 0),
                Layout.contiguous(2, 0), Layout.contiguous(2));
        lu("lu empty batch " + t, t, Kind.RANDOM, 0, 3, Layout.contiguous(0, 3, 3), Layout.contiguous(0, 3, 3),
                Layout.contiguous(0, 3), Layout.contiguous(0));
    }

    private void lu(String name, DType t, Kind kind, int batch, int n, Layout la, Layout llu, Layout lp, Layout li) {
        double[][][] m = matrices(kind, batch, n, n);
        if (kind == Kind.TINY && t == DType.FLOAT64) {
            for (double[][] x : m) {
                for (double[] row : x) {
                    for (int j = 0; j < n; j++) {
                        row[j] = row[j] == 1 ? 1 : row[j] * 1e-270; // below float64's smallest normal
                    }
                }
            }
        }
        run(name, new Layout[] {la, llu, lp, li}, new Object[] {storage(t, la, m, 7.25), marker(t, llu),
                marker(DType.INT64, lp), marker(DType.INT64, li)},
                s -> kernels.luFactor(s[0], la, s[1], llu, s[2], lp, s[3], li),
                s -> Backend.host().luFactor(s[0], la, s[1], llu, s[2], lp, s[3], li));
    }

    private void solveCases(DType t) {
        int[][] sizes = {{1, 1}, {4, 1}, {4, 3}, {13, 1}, {13, 9}, {33, 2}};
        for (int[] z : sizes) {
            int n = z[0];
            int k = z[1];
            solve("lu solve " + t + " n " + n + " k " + k, t, Kind.RANDOM, 3, n, k, Layout.contiguous(3, n, k),
                    Layout.contiguous(3, n, k));
        }
        solve("lu solve non-contiguous " + t, t, Kind.RANDOM, 3, 7, 4, transposed(3, 7, 4, 1, 2), padded(3, 7, 4, 1, 5));
        solve("lu solve broadcast right-hand side " + t, t, Kind.RANDOM, 3, 5, 2,
                new Layout(new int[] {3, 5, 2}, new int[] {0, 2, 1}, 1), Layout.contiguous(3, 5, 2));
        solve("lu solve singular " + t, t, Kind.SINGULAR, 5, 6, 3, Layout.contiguous(5, 6, 3), Layout.contiguous(5, 6, 3));
        solve("lu solve ties " + t, t, Kind.TIES, 4, 7, 2, Layout.contiguous(4, 7, 2), Layout.contiguous(4, 7, 2));
    }

    /** luFactor, then luSolve with its factors (the kernels' on one side, the CPU's on the other). */
    private void solve(String name, DType t, Kind kind, int batch, int n, int k, Layout lb, Layout lx) {
        double[][][] m = matrices(kind, batch, n, n);
        double[][][] rhs = matrices(Kind.RANDOM, batch, n, k);
        Layout la = Layout.contiguous(batch, n, n);
        Layout llu = padded(batch, n, n, 1, 1);
        Layout lp = Layout.contiguous(batch, n);
        Layout li = Layout.contiguous(batch);
        run(name, new Layout[] {la, llu, lp, li, lb, lx}, new Object[] {storage(t, la, m, 7.25), marker(t, llu),
                marker(DType.INT64, lp), marker(DType.INT64, li), storage(t, lb, rhs, 3.5), marker(t, lx)},
                s -> {
                    assertTrue(kernels.luFactor(s[0], la, s[1], llu, s[2], lp, s[3], li));
                    assertTrue(kernels.luSolve(s[1], llu, s[2], lp, s[4], lb, s[5], lx));
                },
                s -> {
                    Backend.host().luFactor(s[0], la, s[1], llu, s[2], lp, s[3], li);
                    Backend.host().luSolve(s[1], llu, s[2], lp, s[4], lb, s[5], lx);
                });
    }

    private void triangularCases(DType t) {
        int[][] sizes = {{1, 1}, {5, 1}, {5, 4}, {12, 3}, {30, 1}};
        for (boolean upper : new boolean[] {false, true}) {
            for (boolean unit : new boolean[] {false, true}) {
                for (int[] z : sizes) {
                    int n = z[0];
                    int k = z[1];
                    String name = "triangular " + t + (upper ? " upper" : " lower") + (unit ? " unit" : "") + " n " + n
                            + " k " + k;
                    triangular(name, t, Kind.RANDOM, 2, n, k, upper, unit, Layout.contiguous(2, n, n),
                            Layout.contiguous(2, n, k), Layout.contiguous(2, n, k));
                }
                String name = "triangular non-contiguous " + t + (upper ? " upper" : " lower") + (unit ? " unit" : "");
                triangular(name, t, Kind.RANDOM, 3, 6, 3, upper, unit, transposed(3, 6, 6, 1, 2), padded(3, 6, 3, 1, 1),
                        transposed(3, 6, 3, 2, 4));
                triangular(name + " ties and zeros", t, Kind.TIES, 3, 6, 2, upper, unit, Layout.contiguous(3, 6, 6),
                        new Layout(new int[] {3, 6, 2}, new int[] {0, 2, 1}, 0), Layout.contiguous(3, 6, 2));
            }
        }
    }

    /** A triangular solve; the triangle not read (and the diagonal, when unit) holds NaN. */
    private void triangular(String name, DType t, Kind kind, int batch, int n, int k, boolean upper, boolean unit, Layout la,
                            Layout lb, Layout lx) {
        double[][][] m = matrices(kind, batch, n, n);
        for (double[][] x : m) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    boolean read = i == j ? !unit : upper == (j > i);
                    if (!read) {
                        x[i][j] = Double.NaN;
                    } else if (i == j && kind == Kind.RANDOM) {
                        x[i][j] += Math.copySign(2, x[i][j]); // a well-conditioned triangle
                    }
                }
            }
        }
        double[][][] rhs = matrices(Kind.RANDOM, batch, n, k);
        run(name, new Layout[] {la, lb, lx}, new Object[] {storage(t, la, m, Double.NaN), storage(t, lb, rhs, 3.5),
                marker(t, lx)},
                s -> kernels.triangularSolve(s[0], la, s[1], lb, s[2], lx, upper, unit),
                s -> Backend.host().triangularSolve(s[0], la, s[1], lb, s[2], lx, upper, unit));
    }

    private void choleskyCases(DType t) {
        for (int n : new int[] {1, 3, 7, 20}) {
            cholesky("cholesky " + t + " n " + n, t, Kind.SPD, 2, n, Layout.contiguous(2, n, n), Layout.contiguous(2, n, n),
                    Layout.contiguous(2));
        }
        cholesky("cholesky upper through a transposed layout " + t, t, Kind.SPD, 3, 6, transposed(3, 6, 6, 1, 2),
                padded(3, 6, 6, 1, 3), new Layout(new int[] {3}, new int[] {2}, 1));
        cholesky("cholesky indefinite " + t, t, Kind.INDEFINITE, 5, 5, Layout.contiguous(5, 5, 5), Layout.contiguous(5, 5, 5),
                Layout.contiguous(5));
        cholesky("cholesky NaN " + t, t, Kind.NAN_INF, 3, 4, Layout.contiguous(3, 4, 4), Layout.contiguous(3, 4, 4),
                Layout.contiguous(3));
        cholesky("cholesky broadcast batch " + t, t, Kind.SPD, 3, 5, new Layout(new int[] {3, 5, 5}, new int[] {0, 5, 1}, 0),
                Layout.contiguous(3, 5, 5), Layout.contiguous(3));
        cholesky("cholesky empty matrices " + t, t, Kind.SPD, 2, 0, Layout.contiguous(2, 0, 0), Layout.contiguous(2, 0, 0),
                Layout.contiguous(2));
    }

    /** A Cholesky factorization; the strict upper triangle (as the layout reads it) holds NaN. */
    private void cholesky(String name, DType t, Kind kind, int batch, int n, Layout la, Layout ll, Layout li) {
        double[][][] m = matrices(kind == Kind.NAN_INF ? Kind.SPD : kind, batch, n, n);
        for (int b = 0; b < batch; b++) {
            double[][] x = m[b];
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    x[i][j] = Double.NaN;
                }
            }
            if (kind == Kind.NAN_INF && n > 0) {
                x[n - 1][b % n] = Double.NaN; // in the lower triangle: it goes on, as LAPACK's
            }
        }
        run(name, new Layout[] {la, ll, li}, new Object[] {storage(t, la, m, Double.NaN),
                marker(t, ll), marker(DType.INT64, li)},
                s -> kernels.cholesky(s[0], la, s[1], ll, s[2], li),
                s -> Backend.host().cholesky(s[0], la, s[1], ll, s[2], li));
    }

    private void qrCases(DType t) {
        int[][] sizes = {{1, 1}, {5, 3}, {3, 5}, {6, 6}, {17, 4}, {4, 17}, {33, 20}};
        for (int[] z : sizes) {
            int m = z[0];
            int n = z[1];
            int k = Math.min(m, n);
            qr("qr reduced " + t + " " + m + "x" + n, t, Kind.RANDOM, 3, m, n, k, true, Layout.contiguous(3, m, n));
            qr("qr complete " + t + " " + m + "x" + n, t, Kind.RANDOM, 2, m, n, m, true, Layout.contiguous(2, m, n));
            qr("qr r only " + t + " " + m + "x" + n, t, Kind.RANDOM, 2, m, n, k, false, Layout.contiguous(2, m, n));
        }
        qr("qr non-contiguous " + t, t, Kind.RANDOM, 3, 7, 5, 5, true, transposed(3, 7, 5, 1, 2));
        qr("qr broadcast batch " + t, t, Kind.RANDOM, 3, 6, 4, 4, true,
                new Layout(new int[] {3, 6, 4}, new int[] {0, 4, 1}, 1));
        // reduced columns (tau 0), a zero matrix, rank deficiency, small integers, NaN and infinities
        qr("qr singular " + t, t, Kind.SINGULAR, 5, 6, 6, 6, true, Layout.contiguous(5, 6, 6));
        qr("qr ties " + t, t, Kind.TIES, 4, 7, 5, 7, true, Layout.contiguous(4, 7, 5));
        qr("qr NaN and infinities " + t, t, Kind.NAN_INF, 6, 5, 4, 4, true, Layout.contiguous(6, 5, 4));
        qr("qr 1x1 " + t, t, Kind.HILBERT, 1, 1, 1, 1, true, Layout.contiguous(1, 1, 1));
    }

    /** A QR decomposition: R [B, rows, n] and, when {@code wantQ}, Q [B, m, rows] (both padded, from offsets). */
    private void qr(String name, DType t, Kind kind, int batch, int m, int n, int rows, boolean wantQ, Layout layout) {
        double[][][] a = matrices(kind, batch, m, n);
        if (kind == Kind.SINGULAR) {
            // the singular matrices whose reduction gives exact zeros (a zero column, all zeros, a zero first column):
            // where it leaves rounding residue instead (equal rows, rank one), a last-bit difference in hypot decides
            // between an exact zero column and a residue one, and Q's columns past the rank then differ entirely
            a = new double[][][] {a[0], a[2], a[4]};
        }
        int b = a.length;
        Layout la = kind == Kind.SINGULAR ? Layout.contiguous(b, m, n) : layout;
        Layout lq = padded(b, m, rows, 1, 2);
        Layout lr = transposed(b, rows, n, 1, 1);
        Object[] init = wantQ ? new Object[] {storage(t, la, a, 7.25), marker(t, lq), marker(t, lr)}
                : new Object[] {storage(t, la, a, 7.25), marker(t, lr)};
        Layout[] layouts = wantQ ? new Layout[] {la, lq, lr} : new Layout[] {la, lr};
        run(name, layouts, init,
                s -> assertTrue(kernels.qr(s[0], la, wantQ ? s[1] : null, lq, s[wantQ ? 2 : 1], lr)),
                s -> Backend.host().qr(s[0], la, wantQ ? s[1] : null, lq, s[wantQ ? 2 : 1], lr));
    }

    private void eighCases(DType t) {
        for (int n : new int[] {1, 2, 5, 12, 25}) {
            for (boolean upper : new boolean[] {false, true}) {
                eigh("eigh " + t + " n " + n + (upper ? " upper" : " lower"), t, Kind.RANDOM, 2, n, upper, true,
                        Layout.contiguous(2, n, n));
            }
            eigh("eigh values only " + t + " n " + n, t, Kind.RANDOM, 2, n, false, false, Layout.contiguous(2, n, n));
        }
        eigh("eigh non-contiguous " + t, t, Kind.RANDOM, 3, 7, true, true, transposed(3, 7, 7, 1, 2));
        eigh("eigh broadcast batch " + t, t, Kind.RANDOM, 3, 6, false, true,
                new Layout(new int[] {3, 6, 6}, new int[] {0, 6, 1}, 1));
        // NaN and infinities (every output NaN), small integers, zeros and rank one, tiny (scaled up), Hilbert
        eigh("eigh NaN and infinities " + t, t, Kind.NAN_INF, 6, 5, false, true, Layout.contiguous(6, 5, 5));
        eigh("eigh ties " + t, t, Kind.TIES, 3, 6, false, true, Layout.contiguous(3, 6, 6));
        eigh("eigh singular " + t, t, Kind.SINGULAR, 5, 5, true, true, Layout.contiguous(5, 5, 5));
        eigh("eigh tiny " + t, t, Kind.TINY, 2, 4, false, true, Layout.contiguous(2, 4, 4));
        // values only: its smallest eigenvalues are 1e-10 apart, so its vectors are determined only to about 1e-6 (eps
        // over the gap), and a last-bit difference in a rotation moves them by 1e-10
        eigh("eigh Hilbert " + t, t, Kind.HILBERT, 1, 8, false, false, Layout.contiguous(1, 8, 8));
    }

    /** Symmetric eigenvalues (and vectors when {@code wantV}) from one triangle; the other holds NaN. */
    private void eigh(String name, DType t, Kind kind, int batch, int n, boolean upper, boolean wantV, Layout la) {
        double[][][] m = matrices(kind, batch, n, n);
        for (double[][] x : m) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (i != j && (j > i) != upper) {
                        x[i][j] = Double.NaN; // the triangle not read
                    }
                }
            }
        }
        if (kind == Kind.TINY && t == DType.FLOAT64) {
            for (double[][] x : m) {
                for (double[] row : x) {
                    for (int j = 0; j < n; j++) {
                        row[j] *= 1e-270;
                    }
                }
            }
        }
        Layout lw = new Layout(new int[] {batch, n}, new int[] {n + 1, 1}, 1);
        Layout lv = padded(batch, n, n, 1, 2);
        Object[] init = wantV ? new Object[] {storage(t, la, m, Double.NaN), marker(t, lw), marker(t, lv)}
                : new Object[] {storage(t, la, m, Double.NaN), marker(t, lw)};
        Layout[] layouts = wantV ? new Layout[] {la, lw, lv} : new Layout[] {la, lw};
        run(name, layouts, init,
                s -> assertTrue(kernels.eigh(s[0], la, upper, s[1], lw, wantV ? s[2] : null, lv)),
                s -> Backend.host().eigh(s[0], la, upper, s[1], lw, wantV ? s[2] : null, lv));
    }

    private void svdCases(DType t) {
        int[][] sizes = {{1, 1}, {5, 3}, {3, 5}, {6, 6}, {17, 4}, {4, 17}, {20, 13}};
        for (int[] z : sizes) {
            int m = z[0];
            int n = z[1];
            int k = Math.min(m, n);
            svd("svd reduced " + t + " " + m + "x" + n, t, Kind.RANDOM, 3, m, n, k, true, Layout.contiguous(3, m, n));
            svd("svd full " + t + " " + m + "x" + n, t, Kind.RANDOM, 2, m, n, -1, true, Layout.contiguous(2, m, n));
            svd("svd values only " + t + " " + m + "x" + n, t, Kind.RANDOM, 2, m, n, k, false,
                    Layout.contiguous(2, m, n));
        }
        svd("svd non-contiguous " + t, t, Kind.RANDOM, 3, 7, 5, -1, true, transposed(3, 7, 5, 1, 2));
        svd("svd non-contiguous wide " + t, t, Kind.RANDOM, 2, 4, 6, 4, true, transposed(2, 4, 6, 2, 1));
        svd("svd broadcast batch " + t, t, Kind.RANDOM, 3, 6, 4, 4, true,
                new Layout(new int[] {3, 6, 4}, new int[] {0, 4, 1}, 1));
        // rank-deficient with exact zeros (a zero column, all zeros, a zero first column: the left vectors completed by
        // Householder QR), tall and wide; small integers; NaN (info -4) and infinities; tiny (scaled up); empty
        svd("svd rank-deficient " + t, t, Kind.SINGULAR, 5, 6, 6, -1, true, Layout.contiguous(5, 6, 6));
        svd("svd rank-deficient tall " + t, t, Kind.SINGULAR, 5, 8, 5, -1, true, Layout.contiguous(5, 8, 5));
        svd("svd rank-deficient wide " + t, t, Kind.SINGULAR, 5, 4, 7, -1, true, Layout.contiguous(5, 4, 7));
        svd("svd rank-deficient reduced " + t, t, Kind.SINGULAR, 5, 7, 5, 5, true, Layout.contiguous(5, 7, 5));
        svd("svd ties " + t, t, Kind.TIES, 4, 7, 5, 5, true, Layout.contiguous(4, 7, 5));
        svd("svd NaN and infinities " + t, t, Kind.NAN_INF, 6, 5, 4, -1, true, Layout.contiguous(6, 5, 4));
        svd("svd NaN and infinities values only " + t, t, Kind.NAN_INF, 6, 4, 5, 4, false, Layout.contiguous(6, 4, 5));
        svd("svd tiny " + t, t, Kind.TINY, 2, 5, 4, 4, true, Layout.contiguous(2, 5, 4));
        svd("svd Hilbert values " + t, t, Kind.HILBERT, 1, 8, 8, 8, false, Layout.contiguous(1, 8, 8));
        svd("svd empty tall full " + t, t, Kind.RANDOM, 2, 3, 0, -1, true, Layout.contiguous(2, 3, 0));
        svd("svd empty wide full " + t, t, Kind.RANDOM, 2, 0, 4, -1, true, Layout.contiguous(2, 0, 4));
        svd("svd empty reduced " + t, t, Kind.RANDOM, 2, 3, 0, 0, true, Layout.contiguous(2, 3, 0));
        svd("svd empty batch " + t, t, Kind.RANDOM, 0, 3, 2, 2, true, Layout.contiguous(0, 3, 2));
    }

    /**
     * A singular value decomposition: s [B, k], info [B] and, when {@code wantV}, u [B, m, kk] and vh [B, kk', n] (kk = k
     * reduced, or m and n full when {@code k} is -1), all padded or strided, from offsets.
     */
    private void svd(String name, DType t, Kind kind, int batch, int m, int n, int k, boolean wantV, Layout la) {
        double[][][] a = matrices(kind, batch, m, n);
        if (kind == Kind.SINGULAR) {
            // exact zeros (a zero column, all zeros, a zero first column): where the rotations leave rounding residue
            // (equal rows, rank one) that residue's direction is noise and its left vector differs entirely
            a = new double[][][] {a[0], a[2], a[4]};
        }
        if (kind == Kind.TINY && t == DType.FLOAT64) {
            for (double[][] x : a) {
                for (double[] row : x) {
                    for (int j = 0; j < n; j++) {
                        row[j] *= 1e-270;
                    }
                }
            }
        }
        int b = a.length;
        int kk = Math.min(m, n);
        Layout l = kind == Kind.SINGULAR ? Layout.contiguous(b, m, n) : la;
        Layout ls = new Layout(new int[] {b, kk}, new int[] {kk + 1, 1}, 1);
        Layout lu = padded(b, m, k < 0 ? m : kk, 1, 2);
        Layout lvh = transposed(b, k < 0 ? n : kk, n, 1, 1);
        Layout li = new Layout(new int[] {b}, new int[] {2}, 1);
        Object[] init = wantV
                ? new Object[] {storage(t, l, a, 7.25), marker(t, lu), marker(t, ls), marker(t, lvh),
                        marker(DType.INT64, li)}
                : new Object[] {storage(t, l, a, 7.25), marker(t, ls), marker(DType.INT64, li)};
        Layout[] layouts = wantV ? new Layout[] {l, lu, ls, lvh, li} : new Layout[] {l, ls, li};
        run(name, layouts, init,
                s -> assertTrue(wantV ? kernels.svd(s[0], l, s[1], lu, s[2], ls, s[3], lvh, s[4], li)
                        : kernels.svd(s[0], l, null, null, s[1], ls, null, null, s[2], li)),
                s -> {
                    if (wantV) {
                        Backend.host().svd(s[0], l, s[1], lu, s[2], ls, s[3], lvh, s[4], li);
                    } else {
                        Backend.host().svd(s[0], l, null, null, s[1], ls, null, null, s[2], li);
                    }
                });
    }

    // ------------------------------------------------------------------ one case

    /**
     * Records one case: storages of the given initial contents (one per layout, large enough for it), the launches of
     * {@code cuda} over fake device storages and the storages after {@code cpu} ran over CPU storages of the same
     * contents.
     */
    private void run(String name, Layout[] layouts, Object[] init, Consumer<Storage[]> cuda, Consumer<Storage[]> cpu) {
        int k = layouts.length;
        Storage[] dev = new Storage[k];
        Storage[] host = new Storage[k];
        Map<CUdeviceptr, Integer> ids = new IdentityHashMap<>();
        for (int i = 0; i < k; i++) {
            DType type = init[i] instanceof float[] ? DType.FLOAT32 : init[i] instanceof double[] ? DType.FLOAT64
                    : DType.INT64;
            int n = extent(layouts[i]);
            dev[i] = fake(type, n);
            ids.put(((CudaStorage) dev[i]).ptr, i);
            host[i] = Backend.host().fromArray(RecordFile.copyOf(init[i]), type, 0);
        }
        launches.clear();
        scratch.clear();
        cuda.accept(dev);
        cpu.accept(host);
        cases++;
        file.str(name);
        file.putInt(k);
        file.putInt(scratch.size());
        for (int i = 0; i < k; i++) {
            file.array(init[i]);
        }
        for (CudaStorage w : scratch) {
            // a workspace: its contents start undefined (here a marker) and are not compared
            ids.put(w.ptr, ids.size());
            file.array(array(w.dtype(), filled(Math.toIntExact(w.numel()), -999.5)));
        }
        file.putInt(launches.size());
        for (Object[] l : launches) {
            file.str((String) l[0]);
            file.putInt((Integer) l[1]);
            file.putInt((Integer) l[2]);
            Object[] args = (Object[]) l[3];
            file.putInt(args.length);
            for (Object a : args) {
                if (a instanceof Integer) {
                    file.write('I');
                    file.putInt((Integer) a);
                } else if (a instanceof int[]) {
                    file.write('S');
                    file.putInt(((int[]) a).length);
                    for (int v : (int[]) a) {
                        file.putInt(v);
                    }
                } else if (a instanceof CUdeviceptr) {
                    Integer id = ids.get(a);
                    if (id == null) {
                        // not a storage of the case: it must be a null pointer
                        assertEquals(new CUdeviceptr().toString(), a.toString(), name + ": a pointer to no storage");
                        file.write('N');
                    } else {
                        file.write('P');
                        file.putInt(id);
                    }
                } else {
                    throw new AssertionError(name + ": argument " + a);
                }
            }
        }
        for (int i = 0; i < k; i++) {
            file.array(Backend.host().toArray(host[i], Layout.contiguous(extent(layouts[i]))));
            host[i].close();
            dev[i].close();
        }
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private CudaStorage fake(DType dtype, long numel) {
        return new CudaStorage(dtype, numel, allocator.allocate(Math.max(1, numel) * dtype.itemSize()), Device.cuda(0),
                allocator);
    }

    /** The storage a layout reaches: one past its last element (at least 1). */
    private static int extent(Layout l) {
        long m = l.offset();
        for (int d = 0; d < l.rank(); d++) {
            if (l.size(d) == 0) {
                return Math.max(1, l.offset());
            }
            m += (long) (l.size(d) - 1) * l.stride(d);
        }
        return (int) m + 1;
    }
}
