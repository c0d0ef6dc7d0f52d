package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The default generator's torch-level entry points: seed, initial_seed, get_rng_state, set_rng_state. */
class RngStateTest {

    @Test
    void setRngStateReplaysTheSameNumbers() {
        Tensor saved = Ember.getRngState();
        try {
            Ember.manualSeed(1234);
            assertEquals(1234, Ember.initialSeed());
            Tensor state = Ember.getRngState();
            float[] first = Tensor.randn(5, 7).toFloatArray();
            float[] next = Tensor.rand(3).toFloatArray();
            Ember.setRngState(state);
            assertArrayEquals(first, Tensor.randn(5, 7).toFloatArray());
            assertArrayEquals(next, Tensor.rand(3).toFloatArray());
            assertEquals(DType.UINT8, state.dtype());
            assertArrayEquals(new int[] {16}, state.shape());
        } finally {
            Ember.setRngState(saved);
        }
    }

    @Test
    void seedSeedsWithANumberItReturns() {
        Tensor saved = Ember.getRngState();
        try {
            long s = Ember.seed();
            assertEquals(s, Ember.initialSeed());
            float[] a = Tensor.rand(4).toFloatArray();
            Ember.manualSeed(s);
            assertArrayEquals(a, Tensor.rand(4).toFloatArray());
            // two calls draw two seeds (a 2^-64 chance of equal ones)
            assertFalse(Ember.seed() == Ember.seed() && Ember.seed() == Ember.seed());
        } finally {
            Ember.setRngState(saved);
        }
    }

    @Test
    void aBadStateIsRefusedInPyTorchsWordsAndChangesNothing() {
        Tensor saved = Ember.getRngState();
        try {
            Ember.manualSeed(99);
            Tensor before = Ember.getRngState();
            assertEquals("RNG state must be a torch.ByteTensor", assertThrows(IllegalArgumentException.class,
                    () -> Ember.setRngState(Tensor.zeros(16))).getMessage());
            assertEquals("RNG state is wrong size", assertThrows(IllegalArgumentException.class,
                    () -> Ember.setRngState(Tensor.tensor(new byte[8], DType.UINT8, Device.CPU))).getMessage());
            assertEquals("set_rng_state(): argument 'new_state' (position 1) must be Tensor, not null",
                    assertThrows(IllegalArgumentException.class, () -> Ember.setRngState(null)).getMessage());
            assertArrayEquals(before.toByteArray(), Ember.getRngState().toByteArray());
        } finally {
            Ember.setRngState(saved);
        }
    }
}
