package dev.ember.nn;

import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
