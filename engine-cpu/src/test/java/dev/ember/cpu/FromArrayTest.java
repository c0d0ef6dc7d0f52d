package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Tensor.fromArray}: a CPU tensor over the caller's array (torch.from_numpy's sharing), whose close never hands
 * the array to the pool.
 */
class FromArrayTest {

    @Test
    void tensorAndArrayShareTheirElements() {
        float[] a = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.fromArray(a);
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new int[] {6}, t.shape());
        assertTrue(t.device().isCpu());
        Tensor m = t.view(2, 3);
        m.select(0, 1).mul_(10); // a write through a view lands in the array
        assertArrayEquals(new float[] {1, 2, 3, 40, 50, 60}, a);
        a[0] = -1; // and the array's writes show in the tensor
        assertEquals(-1.0, m.get(0, 0).item());
        assertEquals(-1 + 2 + 3 + 40 + 50 + 60, t.sum().item(), 1e-6);
    }

    @Test
    void everyPrimitiveArrayKeepsItsType() {
        assertEquals(DType.FLOAT64, Tensor.fromArray(new double[] {1.5}).dtype());
        assertEquals(DType.INT64, Tensor.fromArray(new long[] {1}).dtype());
        assertEquals(DType.INT32, Tensor.fromArray(new int[] {1}).dtype());
        assertEquals(DType.INT16, Tensor.fromArray(new short[] {1}).dtype());
        assertEquals(DType.INT8, Tensor.fromArray(new byte[] {1}).dtype());
        assertEquals(DType.BOOL, Tensor.fromArray(new boolean[] {true}).dtype());
        assertEquals(0, Tensor.fromArray(new float[0]).numel());
        // the same bits read as another type
        byte[] bytes = {(byte) 200, 7};
        Tensor u = Tensor.fromArray(bytes, DType.UINT8);
        assertEquals(DType.UINT8, u.dtype());
        assertEquals(200.0, u.get(0).item());
        u.get(1).fill_(255);
        assertEquals((byte) 255, bytes[1]);
        short[] half = {0x3C00, (short) 0xC000}; // 1.0 and -2.0 in float16
        assertArrayEquals(new float[] {1, -2}, Tensor.fromArray(half, DType.FLOAT16).toFloatArray());
        short[] bf = {0x3F80}; // 1.0 in bfloat16
        assertEquals(1.0, Tensor.fromArray(bf, DType.BFLOAT16).item());
    }

    @Test
    void closingTheTensorLeavesTheArrayOutOfThePool() {
        int n = 1 << 16; // long enough for the pool to keep a closed storage's array
        ArrayPool.INSTANCE.clear(); // room for the control below, whatever earlier tests left in the pool
        long before = ArrayPool.INSTANCE.bytes();
        float[] mine = new float[n];
        try (TensorScope scope = Ember.scope()) {
            Tensor.fromArray(mine).add_(1);
        }
        // (the pool may take the small arrays of the op's scalar: never as much as the caller's array)
        long after = ArrayPool.INSTANCE.bytes();
        assertTrue(after < before + 4L * n, "the caller's array did not go to the pool: " + before + " -> " + after);
        // the control: a storage of the engine's own, of the same length, does
        try (TensorScope scope = Ember.scope()) {
            Tensor.full(DType.FLOAT32, 3, n);
        }
        assertTrue(ArrayPool.INSTANCE.bytes() >= after + 4L * n, "the engine's array went to the pool");
        Tensor reused = Tensor.empty(n).fill_(9); // takes the pooled array, never the caller's
        assertEquals(9.0 * n, reused.sum().item(), 1e-3);
        for (float v : mine) {
            assertEquals(1f, v);
        }
    }

    @Test
    void gradientsFlowThroughASharedLeaf() {
        double[] a = {1, 2, 3};
        Tensor x = Tensor.fromArray(a).requiresGrad_(true);
        x.mul(x).sum().backward();
        assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {1, 2, 3}, a, "backward wrote nothing into the leaf's array");
    }

    @Test
    void badArgumentsNameTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(null));
        assertTrue(e.getMessage().contains("array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new float[2][2]));
        assertEquals("fromArray(): expected a one-dimensional Java array of float, double, long, int, short, byte or "
                + "boolean (got float[][])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray("text"));
        assertTrue(e.getMessage().endsWith("(got java.lang.String)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new float[] {1}, DType.FLOAT64));
        assertEquals("fromArray(): a float[] holds torch.float32 elements and cannot be read as torch.float64 without a copy (a "
                + "byte[] can be read as uint8, a short[] as float16 or bfloat16; use Tensor.tensor(array, dtype) to "
                + "convert)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new byte[] {1}, DType.FLOAT16));
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new float[] {1}, null));
    }
}
