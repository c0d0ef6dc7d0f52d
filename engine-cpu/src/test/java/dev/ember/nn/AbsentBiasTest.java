package dev.ember.nn;

import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layers built without a bias register it as an absent parameter, as PyTorch's {@code register_parameter('bias',
 * None)}: {@code layer.bias} is None (not a missing attribute), and it is in neither the parameters nor the state dict.
 */
class AbsentBiasTest {
    @Test
    void biasIsRegisteredAsNone() {
        List<Supplier<Module>> layers = List.of(
            () -> new Linear(3, 4, false),
            () -> new Conv1d(2, 3, new int[] {3}, new int[] {1}, new int[] {0}, new int[] {1}, 1, false),
            () -> new Conv2d(2, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, false),
            () -> new Bilinear(2, 3, 4, false));
        for (Supplier<Module> make : layers) {
            Module m = make.get();
            assertNull(m.parametrizedValue("bias"), m.getClass().getSimpleName());
            assertEquals(List.of("weight"), List.copyOf(m.stateDict().keySet()), m.getClass().getSimpleName());
            assertEquals(1, m.parameters().size(), m.getClass().getSimpleName());
            // an attribute the layer never had is still PyTorch's AttributeError
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.parametrizedValue("gain"));
            assertEquals("'" + m.getClass().getSimpleName() + "' object has no attribute 'gain'", e.getMessage());
        }
        Tensor w = new Linear(3, 4, true).parametrizedValue("bias");
        assertEquals(4, w.numel());
    }

    /**
     * Keys under a submodule registered as None are neither loaded nor reported (PyTorch's {@code _load_from_state_dict}
     * counts a key unexpected only when its next name is neither a tensor nor one of {@code _modules}, and the load does
     * not descend into a None child). Checked with PyTorch 1.13: a module with {@code a = Linear(2, 2)} and
     * {@code register_module('b', None)}, its state dict plus {@code b.weight}, {@code b.x.y} and {@code c}, loaded
     * with strict=False, gives {@code _IncompatibleKeys(missing_keys=[], unexpected_keys=['c'])}; strict, only
     * {@code Unexpected key(s) in state_dict: "c".}.
     */
    @Test
    void keysUnderAnAbsentSubmoduleAreIgnored() {
        Module m = new Module() {
            {
                registerModule("a", new Linear(2, 2));
                registerModule("b", null);
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        };
        java.util.Map<String, Tensor> sd = new java.util.LinkedHashMap<>(m.stateDict());
        sd.put("b.weight", Tensor.ones(2));
        sd.put("b.x.y", Tensor.ones(1));
        sd.put("c", Tensor.ones(1));
        Module.IncompatibleKeys keys = m.loadStateDict(sd, false);
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of("c"), keys.unexpectedKeys());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
        assertTrue(e.getMessage().endsWith("Unexpected key(s) in state_dict: \"c\". "), e.getMessage());
    }
}
