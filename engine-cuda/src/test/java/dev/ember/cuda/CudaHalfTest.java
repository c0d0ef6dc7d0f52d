package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * float16 and bfloat16 on CUDA: the CUDA half kernels do not exist yet (issue 18), so every way a half tensor could
 * reach the device (a copy of a CPU tensor, a conversion on the device, a creation with the type) is refused with one
 * clear IllegalArgumentException naming the type, never a crash, and the device stays usable after it.
 */
class CudaHalfTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static void refused(DType t, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(t + " tensors are not supported on CUDA yet"), e.getMessage());
        assertTrue(e.getMessage().contains("do not exist yet"), e.getMessage());
    }

    @Test
    void halfTypesAreRefusedOnCudaWithOneClearMessage() {
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            Tensor cpu = Tensor.tensor(new double[] {1, 2.5, -3}).to(t);
            refused(t, () -> cpu.to(GPU));
            Tensor f = Tensor.tensor(new double[] {1, 2.5, -3}).to(GPU);
            refused(t, () -> f.to(t));
            refused(t, () -> Tensor.tensor(new double[] {1, 2}, t, GPU));
            // the device is unharmed: float32 work goes on
            assertArrayEquals(new float[] {2, 5, -6}, f.mul(2).toFloatArray());
        }
    }
}
