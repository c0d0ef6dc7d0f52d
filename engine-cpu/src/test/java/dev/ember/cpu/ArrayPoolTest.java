package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import org.junit.jupiter.api.Test;

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
}
