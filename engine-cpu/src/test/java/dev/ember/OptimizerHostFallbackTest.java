package dev.ember;

import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Adamax;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fused optimizer update's {@code Backend} default (the CPU's kernel on host copies, what a device without its own
 * kernel runs): every optimizer on a fake device whose {@code optimizerUpdate} is that default ends with the CPU's bits
 * in the parameters and the state, including a parameter that starts at an offset in its storage (a slice of a larger
 * tensor, detached).
 */
class OptimizerHostFallbackTest {
    private static final Device FAKE = Device.cuda(0);

    private static Map<String, Function<List<Tensor>, Optimizer>> optimizers() {
        Map<String, Function<List<Tensor>, Optimizer>> m = new LinkedHashMap<>();
        m.put("sgd", p -> new SGD(p, 0.1, 0.9, 0, 0.01, true));
        m.put("adam amsgrad", p -> Adam.adam(p, 0.01, 0.9, 0.999, 1e-8, 0.01, true));
        m.put("adamw", p -> Adam.adamW(p, 0.01));
        m.put("adamax", p -> new Adamax(p, 0.002, 0.9, 0.999, 1e-8, 0.01));
        m.put("adagrad", p -> new Adagrad(p, 0.1, 0.01, 0.01, 0.1, 1e-10));
        m.put("rmsprop", p -> new RMSprop(p, 0.01, 0.99, 1e-8, 0.01, 0.5, true));
        m.put("nadamw", p -> new NAdam(p, 0.002, 0.9, 0.999, 1e-8, 0.01, 4e-3, true));
        m.put("radam", p -> new RAdam(p, 0.001, 0.9, 0.9, 1e-8, 0.01, false));
        return m;
    }

    /** A [3, 4] parameter and a [6] one that starts at offset 5 of its storage. */
    private static List<Tensor> params(DType dtype, Device device) {
        Generator gen = new Generator(11);
        Tensor a = Tensor.randn(gen, dtype, 3, 4).to(device);
        Tensor b = Tensor.randn(gen, dtype, 16).to(device).narrow(0, 5, 6).detach();
        return List.of(a.requiresGrad_(true), b.requiresGrad_(true));
    }

    @Test
    void theDefaultGivesTheCpuKernelsBits() {
        Backends2.registerFakeCuda(Set.of("optimizerUpdate"));
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Map.Entry<String, Function<List<Tensor>, Optimizer>> e : optimizers().entrySet()) {
                List<Tensor> pc = params(dtype, Device.CPU);
                List<Tensor> pd = params(dtype, FAKE);
                assertEquals(5, pd.get(1).storageOffset());
                Optimizer oc = e.getValue().apply(pc);
                Optimizer od = e.getValue().apply(pd);
                for (int k = 0; k < 7; k++) {
                    Generator gen = new Generator(100 + k);
                    List<Tensor> gs = new ArrayList<>();
                    for (Tensor p : pc) {
                        gs.add(Tensor.randn(gen, dtype, p.shape()));
                    }
                    for (int i = 0; i < pc.size(); i++) {
                        pc.get(i).setGrad(gs.get(i));
                        pd.get(i).setGrad(gs.get(i).to(FAKE));
                    }
                    oc.step();
                    od.step();
                    for (int i = 0; i < pc.size(); i++) {
                        String what = e.getKey() + " " + dtype + " step " + k + " parameter " + i;
                        assertEquals(FAKE, pd.get(i).device(), what);
                        assertArrayEquals(pc.get(i).toDoubleArray(), pd.get(i).toDoubleArray(), 0.0, what);
                    }
                }
                @SuppressWarnings("unchecked")
                Map<Integer, Map<String, Object>> sc = (Map<Integer, Map<String, Object>>) oc.stateDict().get("state");
                @SuppressWarnings("unchecked")
                Map<Integer, Map<String, Object>> sd = (Map<Integer, Map<String, Object>>) od.stateDict().get("state");
                for (Map.Entry<Integer, Map<String, Object>> s : sc.entrySet()) {
                    for (Map.Entry<String, Object> x : s.getValue().entrySet()) {
                        Tensor d = (Tensor) sd.get(s.getKey()).get(x.getKey());
                        assertArrayEquals(((Tensor) x.getValue()).toDoubleArray(), d.toDoubleArray(), 0.0,
                                e.getKey() + " " + dtype + " state " + s.getKey() + " " + x.getKey());
                    }
                }
            }
        }
    }
}
