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
        for (Generator.Algorithm algorithm : Generator.Algorithm.values()) {
            withAlgorithm(algorithm, () -> replays(algorithm == Generator.Algorithm.MT19937 ? 5056 : 16));
        }
    }

    /** Runs {@code body} with the default generator of {@code algorithm}, then puts the algorithm and state back. */
    private static void withAlgorithm(Generator.Algorithm algorithm, Runnable body) {
        Generator.Algorithm before = Ember.defaultGeneratorAlgorithm();
        Tensor state = Ember.getRngState();
        try {
            Ember.setDefaultGeneratorAlgorithm(algorithm);
            body.run();
        } finally {
            Ember.setDefaultGeneratorAlgorithm(before);
            Ember.setRngState(state);
        }
    }

    private static void replays(int stateBytes) {
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
            assertArrayEquals(new int[] {stateBytes}, state.shape());
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
        withAlgorithm(Generator.Algorithm.PHILOX, () -> refuses("RNG state is wrong size"));
        withAlgorithm(Generator.Algorithm.MT19937, () -> refuses("Expected either a CPUGeneratorImplStateLegacy of size 5048 "
                + "or a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 8"));
    }

    private static void refuses(String wrongSize) {
        Tensor saved = Ember.getRngState();
        try {
            Ember.manualSeed(99);
            Tensor before = Ember.getRngState();
            assertEquals("RNG state must be a torch.ByteTensor", assertThrows(IllegalArgumentException.class,
                    () -> Ember.setRngState(Tensor.zeros(16))).getMessage());
            assertEquals(wrongSize, assertThrows(IllegalArgumentException.class,
                    () -> Ember.setRngState(Tensor.tensor(new byte[8], DType.UINT8, Device.CPU))).getMessage());
            assertEquals("set_rng_state(): argument 'new_state' (position 1) must be Tensor, not null",
                    assertThrows(IllegalArgumentException.class, () -> Ember.setRngState(null)).getMessage());
            assertArrayEquals(before.toByteArray(), Ember.getRngState().toByteArray());
        } finally {
            Ember.setRngState(saved);
        }
    }
}
