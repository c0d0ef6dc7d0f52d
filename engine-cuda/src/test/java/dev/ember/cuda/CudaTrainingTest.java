package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Adamax;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 15's training tools on CUDA against the CPU reference: every optimizer's update over two groups for 10 steps,
 * the fused update kernels (optim_kernels.cu, one launch per parameter) against the CPU's fused kernels bit for bit for
 * every optimizer and option in float32 and float64, gradient clipping (the norm stays on the device), and activation
 * checkpointing's values and gradients.
 */
@ExtendWith(CudaGate.class)
class CudaTrainingTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Map<String, Function<List<Tensor[]>, Optimizer>> optimizers() {
        Map<String, Function<List<Tensor[]>, Optimizer>> m = new LinkedHashMap<>();
        m.put("sgd", p -> group(new SGD(List.of(p.get(0)[0]), 0.1, 0.9, 0.1, 0.01, false), p, Map.of("nesterov", true,
                "dampening", 0.0)));
        m.put("adam", p -> group(Adam.adam(List.of(p.get(0)[0]), 0.05, 0.85, 0.99, 1e-7, 0.02), p, Map.of("amsgrad", true)));
        m.put("adamw", p -> group(Adam.adamW(List.of(p.get(0)[0]), 0.05), p, Map.of("lr", 0.01)));
        m.put("rmsprop", p -> group(new RMSprop(List.of(p.get(0)[0]), 0.01, 0.9, 1e-6, 0.01, 0.5, true), p,
                Map.of("centered", false)));
        m.put("adagrad", p -> group(new Adagrad(List.of(p.get(0)[0]), 0.1, 0.01, 0.01, 0.1, 1e-10), p, Map.of()));
        m.put("adamax", p -> group(new Adamax(List.of(p.get(0)[0]), 0.02), p, Map.of("weight_decay", 0.01)));
        m.put("nadam", p -> group(new NAdam(List.of(p.get(0)[0]), 0.01), p, Map.of("decoupled_weight_decay", true,
                "weight_decay", 0.1)));
        m.put("radam", p -> group(new RAdam(List.of(p.get(0)[0]), 0.01), p, Map.of("decoupled_weight_decay", true,
                "weight_decay", 0.05)));
        return m;
    }

    private static Optimizer group(Optimizer o, List<Tensor[]> p, Map<String, ?> options) {
        o.addParamGroup(List.of(p.get(0)[1]), options);
        return o;
    }

    @TestFactory
    List<DynamicTest> optimizerStepsMatchTheCpu() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Function<List<Tensor[]>, Optimizer>> e : optimizers().entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                Generator g = new Generator(31);
                Tensor w1 = Tensor.randn(g, DType.FLOAT32, 33, 17);
                Tensor w2 = Tensor.randn(g, DType.FLOAT32, 129);
                Tensor[] cpu = {w1.clone().requiresGrad_(true), w2.clone().requiresGrad_(true)};
                Tensor[] gpu = {w1.to(GPU).requiresGrad_(true), w2.to(GPU).requiresGrad_(true)};
                Optimizer a = e.getValue().apply(List.<Tensor[]>of(cpu));
                Optimizer b = e.getValue().apply(List.<Tensor[]>of(gpu));
                for (int k = 0; k < 10; k++) {
                    Tensor g1 = Tensor.randn(g, DType.FLOAT32, 33, 17);
                    Tensor g2 = Tensor.randn(g, DType.FLOAT32, 129);
                    cpu[0].setGrad(g1.clone());
                    cpu[1].setGrad(k < 2 ? null : g2.clone());
                    gpu[0].setGrad(g1.to(GPU));
                    gpu[1].setGrad(k < 2 ? null : g2.to(GPU));
                    a.step();
                    b.step();
                }
                CudaParityTest.assertClose(e.getKey() + " w1", cpu[0].detach(), gpu[0].detach().cpu());
                CudaParityTest.assertClose(e.getKey() + " w2", cpu[1].detach(), gpu[1].detach().cpu());
            }));
        }
        return tests;
    }

    /** Every optimizer with every option that changes its fused kernel's arithmetic. */
    private static Map<String, Function<List<Tensor>, Optimizer>> fusedConfigurations() {
        Map<String, Function<List<Tensor>, Optimizer>> c = new LinkedHashMap<>();
        for (double wd : new double[] {0, 0.05}) {
            c.put("sgd wd=" + wd, p -> new SGD(p, 0.1, 0, 0, wd, false));
            c.put("sgd momentum wd=" + wd, p -> new SGD(p, 0.1, 0.9, 0.3, wd, false));
            c.put("sgd nesterov wd=" + wd, p -> new SGD(p, 0.05, 0.8, 0, wd, true));
            for (boolean ams : new boolean[] {false, true}) {
                c.put("adam wd=" + wd + " amsgrad=" + ams, p -> Adam.adam(p, 0.01, 0.9, 0.999, 1e-8, wd, ams));
                c.put("adamw wd=" + wd + " amsgrad=" + ams, p -> Adam.adamW(p, 0.01, 0.8, 0.99, 1e-6, wd, ams));
            }
            c.put("adamax wd=" + wd, p -> new Adamax(p, 0.002, 0.9, 0.999, 1e-8, wd));
            c.put("adagrad wd=" + wd, p -> new Adagrad(p, 0.1, 0.05, wd, 0.1, 1e-6));
            for (double momentum : new double[] {0, 0.5}) {
                for (boolean centered : new boolean[] {false, true}) {
                    c.put("rmsprop wd=" + wd + " momentum=" + momentum + " centered=" + centered,
                        p -> new RMSprop(p, 0.01, 0.9, 1e-8, wd, momentum, centered));
                }
            }
            for (boolean decoupled : new boolean[] {false, true}) {
                c.put("nadam wd=" + wd + " decoupled=" + decoupled,
                    p -> new NAdam(p, 0.002, 0.9, 0.999, 1e-8, wd, 4e-3, decoupled));
                c.put("radam wd=" + wd + " decoupled=" + decoupled,
                    p -> new RAdam(p, 0.001, 0.9, 0.9, 1e-8, wd, decoupled));
            }
        }
        return c;
    }

    /** Runs {@code body} under the profiler and counts its fused optimizer kernels. */
    private static int fusedKernels(Runnable body) {
        dev.ember.profiler.Profiler prof;
        try (dev.ember.profiler.Profiler p = dev.ember.Ember.profile()) {
            prof = p;
            body.run();
        }
        int n = 0;
        for (dev.ember.profiler.KeyAverage a : prof.keyAverages()) {
            n += a.key().equals("optimizerUpdate") || a.key().startsWith("aten::_fused_") ? a.count() : 0;
        }
        return n;
    }

    /**
     * The fused kernels against the CPU's, 8 steps: the same bits in every parameter and every state tensor (any NaN
     * equals any NaN), with a parameter at an offset in its storage, one of 300,007 elements (a grid of many blocks),
     * gradients with zeros, a float32 subnormal and a value whose square overflows float32, and one launch per
     * parameter.
     */
    @TestFactory
    List<DynamicTest> fusedUpdatesGiveTheCpusBits() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Map.Entry<String, Function<List<Tensor>, Optimizer>> e : fusedConfigurations().entrySet()) {
                String name = e.getKey() + " " + dtype;
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    Generator g = new Generator(41);
                    Tensor w1 = Tensor.randn(g, dtype, 33, 17);
                    Tensor w2 = Tensor.randn(g, dtype, 300_007);
                    Tensor w3 = Tensor.randn(g, dtype, 20);
                    List<Tensor> cpu = List.of(w1.clone().requiresGrad_(true), w2.clone().requiresGrad_(true),
                            w3.clone().narrow(0, 3, 11).detach().requiresGrad_(true));
                    List<Tensor> gpu = List.of(w1.to(GPU).requiresGrad_(true), w2.to(GPU).requiresGrad_(true),
                            w3.to(GPU).narrow(0, 3, 11).detach().requiresGrad_(true));
                    Optimizer a = e.getValue().apply(cpu);
                    Optimizer b = e.getValue().apply(gpu);
                    for (int k = 0; k < 8; k++) {
                        for (int i = 0; i < cpu.size(); i++) {
                            double[] v = Tensor.randn(g, DType.FLOAT64, cpu.get(i).shape()).toDoubleArray();
                            v[0] = 0;
                            v[1] = -0.0;
                            v[2] = k == 3 ? 1e20 : v[2];
                            v[3] = 1e-40;
                            Tensor grad = Tensor.tensor(v, dtype).reshape(cpu.get(i).shape());
                            cpu.get(i).setGrad(grad.clone());
                            gpu.get(i).setGrad(grad.to(GPU));
                        }
                        a.step();
                        assertEquals(cpu.size(), fusedKernels(b::step), name + ": one launch per parameter");
                        for (int i = 0; i < cpu.size(); i++) {
                            assertSameBits(cpu.get(i), gpu.get(i).detach().cpu(), name + " step " + k + " parameter " + i);
                        }
                    }
                    @SuppressWarnings("unchecked")
                    Map<Integer, Map<String, Object>> sa = (Map<Integer, Map<String, Object>>) a.stateDict().get("state");
                    @SuppressWarnings("unchecked")
                    Map<Integer, Map<String, Object>> sb = (Map<Integer, Map<String, Object>>) b.stateDict().get("state");
                    for (Map.Entry<Integer, Map<String, Object>> s : sa.entrySet()) {
                        for (Map.Entry<String, Object> x : s.getValue().entrySet()) {
                            Tensor t = (Tensor) sb.get(s.getKey()).get(x.getKey());
                            assertSameBits((Tensor) x.getValue(), t.cpu(), name + " state " + s.getKey() + " " + x.getKey());
                        }
                    }
                }));
            }
        }
        return tests;
    }

    /** Equal bits (any NaN equals any NaN). */
    private static void assertSameBits(Tensor expected, Tensor actual, String what) {
        double[] a = expected.detach().to(DType.FLOAT64).toDoubleArray();
        double[] b = actual.detach().to(DType.FLOAT64).toDoubleArray();
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            if (Double.doubleToLongBits(a[i]) != Double.doubleToLongBits(b[i])) {
                throw new AssertionError(what + ": element " + i + " is " + b[i] + " on the GPU, " + a[i] + " on the CPU");
            }
        }
    }

    @Test
    void clippingStaysOnTheDevice() {
        Generator g = new Generator(32);
        Tensor[] grads = {Tensor.randn(g, DType.FLOAT32, 65, 3).mul(3), Tensor.randn(g, DType.FLOAT32, 1000)};
        for (double norm : new double[] {2.0, 1.0, Double.POSITIVE_INFINITY}) {
            List<Tensor> cpu = new ArrayList<>();
            List<Tensor> gpu = new ArrayList<>();
            for (Tensor t : grads) {
                Tensor p = t.zerosLike().requiresGrad_(true);
                p.setGrad(t.clone());
                cpu.add(p);
                Tensor q = t.zerosLike().to(GPU).requiresGrad_(true);
                q.setGrad(t.to(GPU));
                gpu.add(q);
            }
            Tensor ta = ClipGrad.clipGradNorm_(cpu, 1.0, norm);
            Tensor tb = ClipGrad.clipGradNorm_(gpu, 1.0, norm);
            assertEquals(GPU, tb.device());
            assertEquals(ta.item(), tb.item(), 1e-4 * ta.item(), "total norm " + norm);
            for (int i = 0; i < cpu.size(); i++) {
                CudaParityTest.assertClose("clipped " + norm, cpu.get(i).grad(), gpu.get(i).grad().cpu());
            }
        }
    }

    @Test
    void activationCheckpointingMatchesTheCpu() {
        Generator g = new Generator(33);
        CudaParityTest.parity("checkpoint", a -> Checkpoint.checkpoint(t -> t[0].matmul(t[1]).tanh().mul(t[0].sum()), a[0],
                a[1]), Tensor.randn(g, DType.FLOAT32, 9, 7), Tensor.randn(g, DType.FLOAT32, 7, 5));
    }
}
