package dev.ember;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.Func.Randomness;
import org.junit.jupiter.api.Test;

/**
 * 2.x's {@code vmap(..., chunk_size=k)} (torch/_functorch/apis.py and vmap.py's {@code _chunked_vmap}; functorch 1.13
 * has no chunk_size, so no PyTorch run): the batch is split into chunks of {@code k} samples whose results are
 * concatenated along each output's batch dimension, so by that rule the results equal the unchunked call's for every
 * chunk size (1, a divisor, a non-divisor, the batch, past the batch), with any in_dims and out_dims; under "same"
 * every chunk draws the same numbers (the generator state is restored before each chunk), as every sample does; a chunk
 * size that is not positive is refused with 2.x's message, after the randomness check.
 */
class VmapChunkSizeTest {
    private static Tensor x() {
        return Tensor.arange(0, 12, 1, DType.FLOAT64).reshape(4, 3).mul(0.25).sub(1.0);
    }

    @Test
    void chunkedResultsAreTheUnchunkedOnes() {
        Tensor x = x();
        Tensor w = Tensor.tensor(new double[] {0.5, -2.0, 1.5}, DType.FLOAT64);
        Func.TensorFn f = a -> a[0].mul(a[1]).sin().sum(0).add(a[0].exp());
        // the definition: f of each sample (column i of x^T), stacked along the last dimension
        Tensor[] each = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            each[i] = f.apply(x.t().select(1, i), w);
        }
        Tensor whole = Tensor.stack(java.util.List.of(each), -1);
        for (Integer chunk : new Integer[] {null, 1, 2, 3, 4, 7}) {
            Tensor chunked = Func.vmap(f, new Integer[] {1, null}, -1, Randomness.ERROR, chunk).apply(x.t(), w);
            assertArrayEquals(whole.shape(), chunked.shape(), "chunk " + chunk);
            assertArrayEquals(whole.toDoubleArray(), chunked.toDoubleArray(), 0, "chunk " + chunk);
        }
        Func.TensorsFn two = a -> new Tensor[] {a[0].sum(), a[0].mul(2.0)};
        Tensor[] ref = Func.vmapMulti(two, null, new int[] {0, 1}, Randomness.ERROR).apply(x);
        Tensor[] got = Func.vmapMulti(two, null, new int[] {0, 1}, Randomness.ERROR, 3).apply(x);
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(ref[i].shape(), got[i].shape());
            assertArrayEquals(ref[i].toDoubleArray(), got[i].toDoubleArray(), 0);
        }
    }

    @Test
    void randomnessRulesHoldInChunks() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 5, 3);
        Generator gen = new Generator(7);
        Tensor same = Func.vmap(a -> a[0].add(Tensor.rand(gen, DType.FLOAT64, 3)), null, 0, Randomness.SAME, 2).apply(x);
        for (int i = 1; i < 5; i++) {
            assertArrayEquals(same.select(0, 0).toDoubleArray(), same.select(0, i).toDoubleArray(), 0, "row " + i);
        }
        Tensor diff = Func.vmap(a -> a[0].add(Tensor.rand(gen, DType.FLOAT64, 3)), null, 0, Randomness.DIFFERENT, 2)
                .apply(x);
        for (int i = 1; i < 5; i++) {
            assertNotEquals(diff.select(0, 0).toDoubleArray()[0], diff.select(0, i).toDoubleArray()[0], "row " + i);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Func.vmap(a ->
                a[0].add(Tensor.rand(gen, DType.FLOAT64, 3)), null, 0, Randomness.ERROR, 2).apply(x));
        assertEquals(VmapState.RANDOM_ERROR, e.getMessage());
    }

    @Test
    void aChunkSizeThatIsNotPositiveIsRefused() {
        for (int bad : new int[] {0, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Func.vmap(a -> a[0], null, 0, Randomness.ERROR, bad));
            assertEquals("vmap: chunk_size should be None or greater than 0. (got " + bad + ")", e.getMessage());
            IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                    () -> Func.vmapMulti(a -> a, null, null, Randomness.ERROR, bad));
            assertEquals(e.getMessage(), m.getMessage());
        }
        // the randomness argument is checked first, as 2.x's _check_randomness_arg runs before the chunk size's check
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                () -> Func.vmap(a -> a[0], null, 0, null, 0));
        assertNotEquals("vmap: chunk_size should be None or greater than 0. (got 0)", r.getMessage());
    }
}
