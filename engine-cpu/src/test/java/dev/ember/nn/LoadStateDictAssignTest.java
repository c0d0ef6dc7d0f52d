package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code load_state_dict(state_dict, strict, assign=True)}, PyTorch 2.1 (1.13, the PyTorch here, has no {@code assign};
 * the expected behaviour is 2.x's torch/nn/modules/module.py {@code _load_from_state_dict} as its source states it:
 * after the same checks, {@code if isinstance(param, Parameter): if not isinstance(input_param, Parameter): input_param
 * = Parameter(input_param, requires_grad=param.requires_grad)}, then {@code setattr(self, name, input_param)}; a buffer
 * takes {@code input_param} itself; nothing is converted). Ember makes each parameter a new leaf sharing the given
 * tensor's storage.
 */
class LoadStateDictAssignTest {

    private static Map<String, Tensor> state(Module m, DType dtype, double add) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.to(dtype).add(add)));
        return out;
    }

    @Test
    void parametersShareTheGivenStorageKeepTheirTypeAndRequiresGrad() {
        Ember.manualSeed(1);
        Sequential m = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
        m.get(0, Linear.class).bias().requiresGrad_(false);
        Map<String, Tensor> sd = state(m, DType.FLOAT64, 1);
        Tensor oldWeight = m.get(0, Linear.class).weight();
        Module.IncompatibleKeys r = m.loadStateDict(sd, true, true);
        assertEquals("<All keys matched successfully>", r.toString());
        Tensor w = m.get(0, Linear.class).weight();
        assertNotSame(oldWeight, w);
        assertEquals(DType.FLOAT64, w.dtype(), "not converted");
        assertTrue(w.requiresGrad());
        assertFalse(m.get(0, Linear.class).bias().requiresGrad(), "the old parameter's requires_grad");
        try (GradMode off = Ember.noGrad()) {
            sd.get("0.weight").add_(100);
        }
        assertArrayEquals(sd.get("0.weight").toDoubleArray(), w.toDoubleArray(), 0, "one storage");
        assertSame(sd.get("1.running_mean"), m.namedBuffers().get("1.running_mean"), "a buffer is the tensor itself");

        // training goes on with the new parameters
        SGD sgd = new SGD(m.parameters(), 0.1);
        m.train();
        Tensor before = w.clone();
        m.apply(Tensor.randn(DType.FLOAT64, 4, 3)).pow(2).sum().backward();
        sgd.step();
        assertFalse(Arrays.equals(before.toDoubleArray(), w.toDoubleArray()));
    }

    @Test
    void badStateDictsChangeNothing() {
        Linear lin = new Linear(3, 2);
        Tensor w = lin.weight();
        double[] values = w.toDoubleArray();
        Map<String, Tensor> wrongShape = new LinkedHashMap<>(state(lin, DType.FLOAT32, 0));
        wrongShape.put("weight", Tensor.zeros(2, 4));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> lin.loadStateDict(wrongShape, true, true))
            .getMessage().contains("size mismatch for weight: copying a param with shape torch.Size([2, 4])"));
        Map<String, Tensor> ints = new LinkedHashMap<>(state(lin, DType.FLOAT32, 0));
        ints.put("bias", Tensor.zeros(DType.INT64, 2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> lin.loadStateDict(ints, true, true))
            .getMessage().contains("While copying the parameter named \"bias\", Only Tensors of floating point and "
                + "complex dtype can require gradients"));
        Map<String, Tensor> missing = new LinkedHashMap<>(state(lin, DType.FLOAT32, 1));
        missing.remove("bias");
        assertThrows(IllegalArgumentException.class, () -> lin.loadStateDict(missing, true, true));
        assertSame(w, lin.weight());
        assertArrayEquals(values, w.toDoubleArray(), 0);

        // a strict load that fails after the post-hooks puts the old tensors back
        lin.registerLoadStateDictPostHook((mod, keys) -> { });
        assertThrows(IllegalArgumentException.class, () -> lin.loadStateDict(missing, true, true));
        assertSame(w, lin.weight());
        Module.IncompatibleKeys r = lin.loadStateDict(missing, false, true);
        assertEquals(List.of("bias"), r.missingKeys());
        try (GradMode off = Ember.noGrad()) {
            missing.get("weight").fill_(7);
        }
        assertArrayEquals(new double[] {7, 7, 7, 7, 7, 7}, lin.weight().toDoubleArray(), 0, "one storage");
    }

    @Test
    void aLazyModuleTakesTheGivenTensors() {
        LazyLinear lazy = new LazyLinear(2);
        Linear ref = new Linear(5, 2);
        Map<String, Tensor> sd = state(ref, DType.FLOAT32, 0);
        lazy.loadStateDict(sd, true, true);
        assertArrayEquals(new int[] {2, 5}, lazy.weight().shape());
        assertArrayEquals(ref.weight().toDoubleArray(), lazy.weight().toDoubleArray(), 0);
        assertEquals(2, lazy.apply(Tensor.randn(3, 5)).size(1));
    }
}
