package dev.ember.cuda;

import dev.ember.AutocastMode;
import dev.ember.DType;
import dev.ember.DeviceType;
import dev.ember.Ember;
import dev.ember.Special;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 19's special functions (Cephes with PyTorch's FMA steps, erfcx and log_ndtr in float as PyTorch's float
 * instantiation) and grid_sample of float16/bfloat16 (float32, rounded once) on CUDA against the CPU: the Cephes
 * functions and erfcx run on the host for every device (bit for bit), log_ndtr's upper branch and grid_sample run
 * device kernels (to the type's rounding); and grid_sampler under CUDA autocast (PyTorch's promote list). Skips
 * without a GPU.
 */
class CudaSpecialGridHalfTest {
    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor grid(double lo, double hi, int n, DType t) {
        double[] v = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            v[i] = lo + (hi - lo) * i / n;
        }
        return Tensor.tensor(v, DType.FLOAT64).to(t);
    }

    @Test
    void specialFunctionsMatchTheCpu() {
        Map<String, UnaryOperator<Tensor>> ops = new LinkedHashMap<>();
        ops.put("i0", Special::i0);
        ops.put("i0e", Special::i0e);
        ops.put("i1", Special::i1);
        ops.put("i1e", Special::i1e);
        ops.put("ndtri", Special::ndtri);
        ops.put("erfcx", Special::erfcx);
        ops.put("log_ndtr", Special::logNdtr);
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            for (Map.Entry<String, UnaryOperator<Tensor>> e : ops.entrySet()) {
                Tensor x = e.getKey().equals("ndtri") ? grid(0, 1, 400, t) : grid(-30, 30, 400, t);
                double[] cpu = e.getValue().apply(x).toDoubleArray();
                Tensor g = e.getValue().apply(x.to(GPU));
                assertEquals("cuda", g.device().type());
                double[] gpu = g.toDoubleArray();
                double tol = e.getKey().equals("log_ndtr") ? (t == DType.FLOAT64 ? 1e-14 : 1e-6) : 0.0;
                for (int i = 0; i < cpu.length; i++) {
                    boolean same = Double.compare(cpu[i], gpu[i]) == 0
                            || Math.abs(cpu[i] - gpu[i]) <= tol * Math.max(1, Math.abs(cpu[i]));
                    assertTrue(same, e.getKey() + " " + t + " at " + i + ": cpu " + cpu[i] + " cuda " + gpu[i]);
                }
            }
        }
    }

    @Test
    void gridSampleHalfTypesMatchTheCpu() {
        dev.ember.Generator gen = new dev.ember.Generator(19);
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            for (String mode : new String[] {"bilinear", "nearest", "bicubic"}) {
                Tensor x = Tensor.randn(gen, DType.FLOAT32, 2, 3, 5, 6).mul(3).to(t);
                Tensor g = Tensor.rand(gen, DType.FLOAT32, 2, 4, 3, 2).mul(2.7).sub(1.35).to(t);
                Tensor w = Tensor.rand(gen, DType.FLOAT32, 2, 3, 4, 3).add(1).to(t);
                double[][] res = new double[2][];
                double[][] gx = new double[2][];
                double[][] gg = new double[2][];
                for (int d = 0; d < 2; d++) {
                    Tensor xi = (d == 0 ? x.clone() : x.to(GPU)).detach().requiresGrad_(true);
                    Tensor gi = (d == 0 ? g.clone() : g.to(GPU)).detach().requiresGrad_(true);
                    Tensor out = Functional.gridSample(xi, gi, mode, "border", false);
                    assertEquals(t, out.dtype());
                    out.mul(d == 0 ? w : w.to(GPU)).sum().backward();
                    res[d] = out.toDoubleArray();
                    gx[d] = xi.grad().toDoubleArray();
                    gg[d] = gi.grad().toDoubleArray();
                }
                close(t + " " + mode + " out", res[0], res[1], t);
                close(t + " " + mode + " grad input", gx[0], gx[1], t);
                close(t + " " + mode + " grad grid", gg[0], gg[1], t);
            }
        }
    }

    /** Within one ulp of the type, or 1e-5 of the largest value (float32 sums in another order). */
    private static void close(String what, double[] cpu, double[] gpu, DType t) {
        double most = 0;
        for (double v : cpu) {
            most = Math.max(most, Math.abs(v));
        }
        double rel = t == DType.FLOAT16 ? 0x1p-10 : 0x1p-7;
        for (int i = 0; i < cpu.length; i++) {
            double tol = Math.max(rel * Math.abs(cpu[i]) * 2, 1e-5 * most);
            assertTrue(Math.abs(cpu[i] - gpu[i]) <= tol, what + "[" + i + "]: cpu " + cpu[i] + " cuda " + gpu[i]);
        }
    }

    @Test
    void autocastPromotesGridSampler() {
        Tensor x = Tensor.randn(1, 2, 3, 4).to(GPU);
        Tensor g = Tensor.rand(1, 2, 3, 2).mul(2.4).sub(1.2).to(GPU);
        try (AutocastMode ac = Ember.autocast(DeviceType.CUDA, DType.FLOAT16)) {
            assertEquals(DType.FLOAT16, Functional.gridSample(x.to(DType.FLOAT16), g.to(DType.FLOAT16), "bilinear",
                    "zeros", false).dtype());
            Tensor mixed = Functional.gridSample(x.to(DType.FLOAT16), g, "bilinear", "zeros", false);
            assertEquals(DType.FLOAT32, mixed.dtype());
            assertArrayEquals(Functional.gridSample(x.to(DType.FLOAT16).to(DType.FLOAT32).cpu(), g.cpu(), "bilinear",
                    "zeros", false).toDoubleArray(), mixed.toDoubleArray(), 1e-6);
        }
    }
}
