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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 15's training tools on CUDA against the CPU reference: every optimizer's update (composed of elementwise ops,
 * no kernel of its own yet) over two groups for 10 steps, gradient clipping (the norm stays on the device), and
 * activation checkpointing's values and gradients.
 */
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
