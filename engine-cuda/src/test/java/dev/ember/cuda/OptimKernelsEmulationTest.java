package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.Layout;
import dev.ember.backend.OptimizerKind;
import dev.ember.backend.Storage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * optim_kernels.cu run on the host, where g++ is installed: the test steps every optimizer kind with every option that
 * changes its arithmetic, float32 and float64, through the CPU backend's kernel ({@code Backend.optimizerUpdate} of
 * the CPU, OptimizerKernels) and writes each step's inputs and the CPU's results as bits; src/test/cuda/optim_emulation
 * compiles the .cu with index_emulation's launch shim and its own intrinsics shim ({@code __fmul_rn} and the others as
 * single IEEE operations, {@code -ffp-contract=off}), runs the kernels on the same inputs as a grid of 3 blocks of 32
 * threads (so the grid-stride loops wrap) and compares every element bit for bit (any NaN equals any NaN). The
 * gradients hold zeros of both signs, a float32 subnormal, a value whose square overflows float32, and a NaN. What only
 * a GPU shows (that nvcc keeps the _rn operations apart, denormals, the launch itself) CudaTrainingTest checks where a
 * GPU exists; the PTX nvcc writes for this file has only .rn arithmetic (no contraction).
 */
class OptimKernelsEmulationTest {
    private static final int STEPS = 7;

    /** One optimizer configuration: its kind, options and the state count. */
    private record Config(OptimizerKind kind, double wd, boolean decoupled, boolean amsgrad, double momentum,
                          double dampening, boolean nesterov, boolean centered) {
    }

    private static List<Config> configs() {
        List<Config> c = new ArrayList<>();
        for (double wd : new double[] {0, 0.05}) {
            c.add(new Config(OptimizerKind.SGD, wd, false, false, 0, 0, false, false));
            c.add(new Config(OptimizerKind.SGD, wd, false, false, 0.9, 0, false, false));
            c.add(new Config(OptimizerKind.SGD, wd, false, false, 0.9, 0.3, false, false));
            c.add(new Config(OptimizerKind.SGD, wd, false, false, 0.8, 0, true, false));
            for (boolean decoupled : new boolean[] {false, true}) {
                for (boolean ams : new boolean[] {false, true}) {
                    c.add(new Config(OptimizerKind.ADAM, wd, decoupled, ams, 0, 0, false, false));
                }
                c.add(new Config(OptimizerKind.NADAM, wd, decoupled, false, 0, 0, false, false));
                c.add(new Config(OptimizerKind.RADAM, wd, decoupled, false, 0, 0, false, false));
            }
            c.add(new Config(OptimizerKind.ADAMAX, wd, false, false, 0, 0, false, false));
            c.add(new Config(OptimizerKind.ADAGRAD, wd, false, false, 0, 0, false, false));
            for (double momentum : new double[] {0, 0.5}) {
                for (boolean centered : new boolean[] {false, true}) {
                    c.add(new Config(OptimizerKind.RMSPROP, wd, false, false, momentum, 0, false, centered));
                }
            }
        }
        return c;
    }

    private static int stateCount(Config c) {
        switch (c.kind()) {
            case SGD: return c.momentum() != 0 ? 1 : 0;
            case ADAM: return c.amsgrad() ? 3 : 2;
            case ADAGRAD: return 1;
            case RMSPROP: return 1 + (c.momentum() > 0 ? 1 : 0) + (c.centered() ? 1 : 0);
            default: return 2;
        }
    }

    private static double flag(boolean b) {
        return b ? 1 : 0;
    }

    /** The scalars of step t (from 1), computed as the optimizers compute them; mu holds NAdam's float32 product. */
    private static double[] hyper(Config c, int t, float[] mu) {
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = c.kind() == OptimizerKind.RADAM ? 0.9 : 0.999; // RAdam's rectified step from step 6
        double eps = 1e-8;
        double wd = c.wd();
        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        switch (c.kind()) {
            case SGD:
                return new double[] {0.1, wd, c.momentum(), 1 - c.dampening(), flag(c.nesterov()), flag(t == 1)};
            case ADAM:
                return new double[] {wd, flag(c.decoupled()), 1 - lr * wd, b1, 1 - b1, b2, 1 - b2, flag(c.amsgrad()),
                    Math.sqrt(bc2), eps, lr / bc1};
            case ADAMAX:
                return new double[] {wd, b1, 1 - b1, b2, eps, 0.002 / bc1};
            case ADAGRAD:
                return new double[] {wd, 1e-10, 0.1 / (1 + (t - 1) * 0.01)};
            case RMSPROP:
                return new double[] {wd, 0.99, 1 - 0.99, eps, lr, c.momentum(), flag(c.centered())};
            case NADAM: {
                double m = b1 * (1. - 0.5 * Math.pow(0.96, t * 4e-3));
                double next = b1 * (1. - 0.5 * Math.pow(0.96, (t + 1) * 4e-3));
                mu[0] = mu[0] * (float) m;
                double productNext = mu[0] * next;
                return new double[] {wd, flag(c.decoupled()), 1 - lr * wd, b1, 1 - b1, b2, 1 - b2, bc2, eps,
                    lr * (1. - m) / (1. - mu[0]), lr * next / (1. - productNext)};
            }
            case RADAM: {
                double rhoInf = 2 / (1 - b2) - 1;
                double rhoT = rhoInf - 2 * t * Math.pow(b2, t) / bc2;
                boolean rectified = rhoT > 5.;
                double rect = rectified
                        ? Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
                return new double[] {wd, flag(c.decoupled()), 1 - lr * wd, b1, 1 - b1, b2, 1 - b2, bc1, lr,
                    flag(rectified), Math.sqrt(bc2), eps, rect};
            }
            default:
                throw new IllegalArgumentException(c.toString());
        }
    }

    /** Writes every case (inputs and the CPU's results, as bits) and returns how many. */
    private static int writeCases(StringBuilder out) {
        Backend cpu = Backends.find("cpu");
        Random rnd = new Random(15);
        int cases = 0;
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Config c : configs()) {
                int n = cases % 2 == 0 ? 37 : 203;
                int k = stateCount(c);
                double[] p = new double[n];
                double[][] s = new double[k][n];
                for (int i = 0; i < n; i++) {
                    p[i] = rnd.nextGaussian();
                    if (c.kind() == OptimizerKind.ADAGRAD) {
                        s[0][i] = 0.1;
                    }
                }
                float[] mu = {1f};
                for (int t = 1; t <= STEPS; t++) {
                    double[] g = new double[n];
                    for (int i = 0; i < n; i++) {
                        g[i] = rnd.nextGaussian();
                    }
                    g[0] = 0;
                    g[1] = -0.0;
                    g[2] = t == 3 ? 1e20 : g[2];
                    g[3] = t == 5 ? Double.NaN : g[3];
                    g[4] = 1e-40;
                    double[] h = hyper(c, t, mu);
                    out.append(c.kind().ordinal()).append(' ').append(dtype == DType.FLOAT32 ? 32 : 64).append(' ')
                            .append(n).append(' ').append(k).append(' ').append(h.length).append('\n');
                    for (double x : h) {
                        out.append(Long.toHexString(Double.doubleToRawLongBits(x))).append(' ');
                    }
                    out.append('\n');
                    Storage ps = storage(cpu, dtype, p);
                    Storage gs = storage(cpu, dtype, g);
                    Storage[] ss = new Storage[k];
                    Layout[] ls = new Layout[k];
                    Layout all = Layout.contiguous(n);
                    bits(out, cpu, dtype, ps, n);
                    bits(out, cpu, dtype, gs, n);
                    for (int j = 0; j < k; j++) {
                        ss[j] = storage(cpu, dtype, s[j]);
                        ls[j] = all;
                        bits(out, cpu, dtype, ss[j], n);
                    }
                    cpu.optimizerUpdate(c.kind(), h, ps, all, gs, all, ss, ls);
                    p = bits(out, cpu, dtype, ps, n);
                    for (int j = 0; j < k; j++) {
                        s[j] = bits(out, cpu, dtype, ss[j], n);
                    }
                    cases++;
                }
            }
        }
        return cases;
    }

    private static Storage storage(Backend cpu, DType dtype, double[] v) {
        if (dtype == DType.FLOAT64) {
            return cpu.fromArray(v.clone(), 0);
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return cpu.fromArray(f, 0);
    }

    /** Appends a storage's elements as bits on one line; returns its values (exact for float32 too). */
    private static double[] bits(StringBuilder out, Backend cpu, DType dtype, Storage s, int n) {
        double[] v = new double[n];
        Object a = cpu.toArray(s, Layout.contiguous(n));
        for (int i = 0; i < n; i++) {
            if (dtype == DType.FLOAT32) {
                float f = ((float[]) a)[i];
                v[i] = f;
                out.append(Integer.toHexString(Float.floatToRawIntBits(f)));
            } else {
                v[i] = ((double[]) a)[i];
                out.append(Long.toHexString(Double.doubleToRawLongBits(v[i])));
            }
            out.append(' ');
        }
        out.append('\n');
        return v;
    }

    @Test
    void optimKernelsGiveTheCpuKernelsBitsOnTheHost() throws Exception {
        Path dir = Path.of("src/test/cuda/optim_emulation");
        Path shim = HostToolchain.SHIM;
        Path cuda = HostToolchain.CUDA;
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_optim_emulation");
        try {
            StringBuilder body = new StringBuilder();
            int cases = writeCases(body);
            Path file = tmp.resolve("cases.txt");
            Files.writeString(file, cases + "\n" + body);
            Path exe = tmp.resolve("optim_kernels_test");
            String built = HostToolchain.run(List.of(gxx, "-std=c++20", "-O1", "-ffp-contract=off", "-pthread", "-w", "-I",
                    cuda.toString(), "-I", shim.toString(), "-I", dir.toString(), "-o", exe.toString(),
                    dir.resolve("optim_kernels_test.cpp").toString()));
            String out = HostToolchain.run(List.of(exe.toString(), file.toString()));
            assertTrue(out.contains(cases + " cases") && out.contains(" 0 failures"), out + built);
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
