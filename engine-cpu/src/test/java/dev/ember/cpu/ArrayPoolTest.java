package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closed storages' arrays are reused, and never where zeros are promised. */
class ArrayPoolTest {

    @Test
    void aClosedArrayServesTheNextAllocationOfItsTypeAndLength() {
        ArrayPool pool = new ArrayPool(4, 1 << 20);
        float[] a = new float[8];
        pool.give(DType.FLOAT32, a, 8);
        assertEquals(null, pool.take(DType.FLOAT64, 8), "another type");
        assertEquals(null, pool.take(DType.FLOAT32, 9), "another length");
        assertTrue(pool.take(DType.FLOAT32, 8) == a);
        assertEquals(null, pool.take(DType.FLOAT32, 8), "handed out once");
        pool.give(DType.FLOAT32, new float[2], 2);
        assertEquals(0, pool.bytes(), "small arrays are left to the JVM");
        ArrayPool tiny = new ArrayPool(1, 16);
        tiny.give(DType.FLOAT64, new double[2], 2);
        tiny.give(DType.FLOAT64, new double[2], 2);
        assertEquals(16, tiny.bytes(), "a full pool drops what it cannot hold");
    }

    /**
     * A full pool drops the arrays of a length no one has requested for {@code staleTakes} requests to keep a returned
     * array of a length in use (an earlier phase's arrays give way), least recently requested length first.
     */
    @Test
    void aFullPoolDropsStaleLengthsForALengthInUse() {
        ArrayPool pool = new ArrayPool(1, 1600, 10);
        float[][] old = {new float[100], new float[100], new float[100], new float[100]};
        for (float[] a : old) {
            pool.give(DType.FLOAT32, a, 100);
        }
        assertEquals(1600, pool.bytes());
        float[] b = new float[200];
        pool.give(DType.FLOAT32, b, 200);
        assertEquals(1600, pool.bytes(), "nothing is stale yet: the new array is dropped, the old ones kept");
        for (int i = 0; i < 10; i++) {
            assertEquals(null, pool.take(DType.FLOAT32, 200), "a miss: the length in use");
        }
        pool.give(DType.FLOAT32, b, 200);
        assertEquals(1600, pool.bytes(), "two stale arrays of 400 bytes made room for 800");
        assertTrue(pool.take(DType.FLOAT32, 200) == b);
        assertTrue(pool.take(DType.FLOAT32, 100) != null);
        assertTrue(pool.take(DType.FLOAT32, 100) != null);
        assertEquals(null, pool.take(DType.FLOAT32, 100), "the other two were dropped");
        assertEquals(0, pool.bytes());
    }

    /**
     * A cycle of lengths that does not fit keeps hitting on the part the pool holds: none of its lengths goes stale, so
     * nothing is dropped to make room (dropping the least recently used would drop each array just before its turn).
     */
    @Test
    void aWorkingSetLargerThanThePoolKeepsWhatItHolds() {
        ArrayPool pool = new ArrayPool(1, 820, 10); // 400 + 404 bytes fit, not 408 more
        int[] lengths = {100, 101, 102};
        for (int round = 0; round < 20; round++) {
            int hits = 0;
            Object[] arrays = new Object[lengths.length];
            for (int i = 0; i < lengths.length; i++) {
                arrays[i] = pool.take(DType.FLOAT32, lengths[i]);
                if (arrays[i] != null) {
                    hits++;
                } else {
                    arrays[i] = new float[lengths[i]];
                }
            }
            for (int i = 0; i < lengths.length; i++) {
                pool.give(DType.FLOAT32, arrays[i], lengths[i]);
            }
            assertEquals(round == 0 ? 0 : 2, hits, "round " + round);
        }
    }

    @Test
    void zerosAreZeroAfterReuse() {
        long before = ArrayPool.INSTANCE.bytes();
        try (TensorScope scope = Ember.scope()) {
            Tensor.full(DType.FLOAT32, 7, 50_000);
            Tensor.full(DType.FLOAT32, 7, 50_000);
        }
        assertTrue(ArrayPool.INSTANCE.bytes() >= before + 200_000, "the scope's two arrays went to the pool");
        Tensor z = Tensor.zeros(50_000);
        Tensor o = Tensor.ones(50_000);
        assertEquals(0.0, z.abs().sum().item());
        assertEquals(50_000.0, o.sum().item());
        Tensor e = Tensor.empty(50_000); // contents unspecified: may be the stale 7s
        e.fill_(2);
        assertEquals(100_000.0, e.sum().item());
    }

    /**
     * A leaf's first gradient, a copy of the caller's upstream gradient ({@link CpuBackend#duplicate}), takes the array
     * of the gradient {@code releaseGrad} closed (session 51: a new array each step was untouched memory after the heap
     * grew, about 1,000 page faults per 4 MiB); {@code -Dember.cpu.duplicateNewArray=true} leaves the pool alone. The
     * values are dy's either way, and writing dy afterwards leaves the gradient alone.
     */
    @Test
    void aLeafsFirstGradientReusesAReleasedGradientsArray() {
        Generator g = new Generator(5, Generator.Algorithm.MT19937);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 4, 128, 96).requiresGrad_(true);
        Tensor bias = Tensor.randn(g, DType.FLOAT32, 96).requiresGrad_(true);
        Tensor dy = Tensor.randn(g, DType.FLOAT32, 4, 128, 96);
        long bytes = 4L * 4 * 128 * 96;
        try {
            for (String newArray : new String[] {"false", "true"}) {
                System.setProperty("ember.cpu.duplicateNewArray", newArray);
                try (TensorScope step = Ember.scope()) {
                    x.add(bias).backward(dy);
                }
                x.releaseGrad();
                bias.releaseGrad();
                long pooled = ArrayPool.INSTANCE.bytes();
                float[] want = dy.toFloatArray();
                try (TensorScope step = Ember.scope()) {
                    x.add(bias).backward(dy); // the sum's array back to the pool when the step ends
                }
                long taken = pooled - ArrayPool.INSTANCE.bytes();
                if (newArray.equals("false")) {
                    assertTrue(taken >= bytes, "the released gradient's array served the copy: " + taken);
                } else {
                    assertTrue(taken < bytes, "a new array, the pool left alone: " + taken);
                }
                assertArrayEquals(want, x.grad().toFloatArray(), "newArray " + newArray);
                dy.mul_(2.0);
                assertArrayEquals(want, x.grad().toFloatArray(), "newArray " + newArray + ", dy written afterwards");
                dy.div_(2.0);
                x.releaseGrad();
                bias.releaseGrad();
            }
        } finally {
            System.clearProperty("ember.cpu.duplicateNewArray");
        }
    }
}
