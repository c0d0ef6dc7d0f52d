package dev.ember;

import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Optimizer}'s {@code state(p)}: PyTorch's {@code self.state[p]} for an optimizer written outside Ember (as
 * lion-pytorch's Lion keeps its {@code exp_avg} there). Before it, such an optimizer kept its state in its own map and
 * {@link Optimizer#stateDict()} silently left it out, so a checkpoint resumed with fresh moments; and loading a state
 * dict whose {@code lr} is None (transformers' Adafactor) failed with a NullPointerException. The programs that use it
 * are in {@link OutsiderPrograms11Test}.
 */
class OutsideOptimizerStateTest {

    /** A momentum step written outside Ember: {@code state['buf']} and a Python-int {@code state['step']}. */
    static final class Momentum extends Optimizer {
        Momentum(List<Tensor> params, Double lr) {
            super(params, options(lr), (k, v) -> { });
        }

        private static Map<String, Object> options(Double lr) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lr", lr);
            m.put("momentum", 0.9);
            return m;
        }

        Map<String, Object> stateOf(Tensor p) {
            return state(p);
        }

        @Override
        public void step() {
            try (GradMode off = Ember.noGrad()) {
                for (ParamGroup g : paramGroups()) {
                    for (Tensor p : g.params()) {
                        if (p.grad() == null) {
                            continue;
                        }
                        Map<String, Object> st = state(p);
                        if (st.isEmpty()) {
                            st.put("step", 0L);
                            st.put("buf", p.grad().clone());
                        } else {
                            ((Tensor) st.get("buf")).mul_(g.getDouble("momentum")).add_(p.grad());
                        }
                        st.put("step", (Long) st.get("step") + 1);
                        Object lr = g.get("lr");
                        p.add_((Tensor) st.get("buf"), -(lr == null ? 0.1 : (Double) lr));
                    }
                }
            }
        }
    }

    private static Tensor param(DType dtype, double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(dtype).requiresGrad_(true);
    }

    private static void stepOn(Optimizer opt, Tensor w) {
        opt.zeroGrad();
        w.pow(2).sum().backward();
        opt.step();
    }

    @Test
    void theStateIsInTheStateDictAndResumesBitForBit() {
        Tensor w = param(DType.FLOAT64, 1, -2, 3);
        Tensor unused = param(DType.FLOAT64, 5);
        Momentum opt = new Momentum(List.of(w, unused), 0.1);
        assertEquals(Map.of(), opt.stateDict().get("state"), "no state before a step");
        stepOn(opt, w);
        stepOn(opt, w);
        Map<?, ?> state = (Map<?, ?>) opt.stateDict().get("state");
        assertEquals(List.of(0), new ArrayList<>(state.keySet()), "only the parameter that stepped has state");
        Map<?, ?> s0 = (Map<?, ?>) state.get(0);
        assertEquals(List.of("step", "buf"), new ArrayList<>(s0.keySet()));
        assertEquals(2L, s0.get("step"), "a Python int stays an int");
        assertSame(opt.stateOf(w).get("buf"), s0.get("buf"), "the state dict holds the optimizer's own tensors");

        Tensor w2 = w.detach().clone().requiresGrad_(true);
        Momentum resumed = new Momentum(List.of(w2, param(DType.FLOAT64, 5)), 0.1);
        // PyTorch 2.x's load keeps a saved tensor that needs no cast: loading the live dict shares it
        Momentum sharing = new Momentum(List.of(w.detach().clone().requiresGrad_(true), param(DType.FLOAT64, 5)), 0.1);
        sharing.loadStateDict(opt.stateDict());
        assertSame(s0.get("buf"), sharing.stateOf(sharing.paramGroups().get(0).params().get(0)).get("buf"),
                "the loaded tensor is the saved one");
        // resumed from a copy, as from a checkpoint file
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) FuzzR6Training.snapshot(opt.stateDict());
        resumed.loadStateDict(copy);
        assertFalse(resumed.stateOf(w2).get("buf") == s0.get("buf"), "the copy's tensors are not the original's");
        stepOn(opt, w);
        stepOn(resumed, w2);
        assertEquals(w.toList(), w2.toList(), "resumed with the saved momentum, bit for bit");
        assertEquals(3L, resumed.stateOf(w2).get("step"));
    }

    @Test
    void theStateRoundTripsThroughAnEmberCheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        dev.ember.nn.Linear model = new dev.ember.nn.Linear(3, 2);
        model.to(DType.FLOAT64);
        Momentum opt = new Momentum(model.parameters(), 0.1);
        Tensor x = Tensor.tensor(new double[][] {{1, 2, 3}, {-1, 0, 2}}, DType.FLOAT64, Device.CPU);
        for (int k = 0; k < 2; k++) {
            opt.zeroGrad();
            model.forward(x).pow(2).sum().backward();
            opt.step();
        }
        java.nio.file.Path file = dir.resolve("outside.safetensors");
        dev.ember.nn.utils.Checkpoint.save(file, model, opt, null, 2);
        dev.ember.nn.Linear resumed = new dev.ember.nn.Linear(3, 2);
        resumed.to(DType.FLOAT64);
        Momentum ropt = new Momentum(resumed.parameters(), 0.1);
        assertEquals(2L, dev.ember.nn.utils.Checkpoint.load(file, resumed, ropt, null));
        Tensor rw = resumed.parameters().get(0);
        assertEquals(2L, ropt.stateOf(rw).get("step"), "the int step comes back an int");
        for (Optimizer o : List.of(opt, ropt)) {
            o.zeroGrad();
            (o == opt ? model : resumed).forward(x).pow(2).sum().backward();
            o.step();
        }
        assertEquals(model.parameters().get(0).toList(), rw.toList(), "resumed from the checkpoint, bit for bit");
    }

    @Test
    void aLoadedTensorTakesAFloatingParametersTypeButTheStepKeepsItsOwn() {
        Tensor w = param(DType.FLOAT32, 1, 2);
        Momentum opt = new Momentum(List.of(w), 0.1);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("step", Tensor.tensor(4.0, DType.FLOAT64, Device.CPU));
        s.put("buf", Tensor.tensor(new double[] {0.5, 0.25}, DType.FLOAT64, Device.CPU));
        s.put("note", "kept");
        s.put("history", List.of(Tensor.tensor(new double[] {1, 2}, DType.FLOAT64, Device.CPU)));
        s.put("nested", Map.of("step", Tensor.tensor(1.0, DType.FLOAT64, Device.CPU),
                "m", Tensor.tensor(new double[] {3, 4}, DType.FLOAT64, Device.CPU)));
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("state", Map.of(0, s));
        sd.put("param_groups", opt.stateDict().get("param_groups"));
        opt.loadStateDict(sd);
        assertEquals(DType.FLOAT32, ((Tensor) opt.stateOf(w).get("buf")).dtype(), "PyTorch 2.x casts to the parameter's");
        assertEquals(DType.FLOAT64, ((Tensor) opt.stateOf(w).get("step")).dtype(), "and leaves step as saved");
        assertEquals("kept", opt.stateOf(w).get("note"));
        // 2.x's _cast: a list's tensors and a dict's values under their keys, likewise
        assertEquals(DType.FLOAT32, ((Tensor) ((List<?>) opt.stateOf(w).get("history")).get(0)).dtype());
        Map<?, ?> nested = (Map<?, ?>) opt.stateOf(w).get("nested");
        assertEquals(DType.FLOAT64, ((Tensor) nested.get("step")).dtype());
        assertEquals(DType.FLOAT32, ((Tensor) nested.get("m")).dtype());
    }

    @Test
    void theStateOutlivesTheStepsScope() {
        Tensor w = param(DType.FLOAT64, 1, -2);
        Momentum opt = new Momentum(List.of(w), 0.1);
        try (TensorScope step = Ember.scope()) {
            stepOn(opt, w);
        }
        Tensor buf = (Tensor) opt.stateOf(w).get("buf");
        assertFalse(buf.isClosed(), "a state tensor made inside a scope belongs to the optimizer");
        assertEquals(List.of(2.0, -4.0), buf.toList());
    }

    @Test
    void aNoneLearningRateLoads() {
        // transformers' Adafactor: lr=None by default; old code threw a NullPointerException in the rate's check
        Tensor w = param(DType.FLOAT64, 1, -2);
        Momentum opt = new Momentum(List.of(w), null);
        stepOn(opt, w);
        Momentum resumed = new Momentum(List.of(w.detach().clone().requiresGrad_(true)), null);
        resumed.loadStateDict(opt.stateDict());
        assertNull(resumed.paramGroups().get(0).get("lr"));
        assertEquals(1L, resumed.stateOf(resumed.paramGroups().get(0).params().get(0)).get("step"));
    }

    @Test
    void refusalsLeaveTheOptimizerAsItWas() {
        Tensor w = param(DType.FLOAT64, 1, -2);
        Momentum opt = new Momentum(List.of(w), 0.1);
        stepOn(opt, w);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> opt.stateOf(param(DType.FLOAT64, 3)));
        assertEquals("state(p): the tensor is not a parameter of this optimizer", ex.getMessage());
        Map<Object, Object> bad = new LinkedHashMap<>();
        bad.put("buf", Tensor.tensor(new double[] {9, 9}, DType.FLOAT64, Device.CPU));
        bad.put(7, 1);
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("state", Map.of(0, bad));
        sd.put("param_groups", opt.stateDict().get("param_groups"));
        ex = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(sd));
        assertTrue(ex.getMessage().startsWith("the saved state of parameter 0 has a key that is not a string"),
                ex.getMessage());
        assertEquals(List.of(2.0, -4.0), ((Tensor) opt.stateOf(w).get("buf")).toList(), "the state is unchanged");
    }
}
