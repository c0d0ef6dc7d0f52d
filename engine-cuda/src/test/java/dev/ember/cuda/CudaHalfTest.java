package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * float16 and bfloat16 storages on CUDA (issue 18): bits up and down unchanged, the device's conversions
 * (half_kernels.cu) between the half types and every type giving the CPU backend's bits (every half bit pattern, NaN
 * payloads, infinities, overflow, subnormals), fill, zeros, item, and non-contiguous reads. Skips without a GPU; the
 * same conversion code runs on the host in HalfKernelsEmulationTest.
 */
class CudaHalfTest {
    private static final Device GPU = Device.cuda(0);
    private static final DType[] HALVES = {DType.FLOAT16, DType.BFLOAT16};
    private static final DType[] ALL = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16};

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static short[] allBits() {
        short[] b = new short[65536];
        for (int i = 0; i < b.length; i++) {
            b[i] = (short) i;
        }
        return b;
    }

    /** Equal as the CPU's: the bits for the half types, the values (NaN as NaN) for the others. */
    static void sameAsCpu(String what, Tensor cpu, Tensor device) {
        assertEquals(GPU, device.device(), what);
        assertEquals(cpu.dtype(), device.dtype(), what);
        assertArrayEquals(cpu.shape(), device.shape(), what);
        Tensor back = device.cpu();
        if (cpu.dtype().isReducedFloatingPoint()) {
            assertArrayEquals(cpu.toHalfBits(), back.toHalfBits(), what);
        } else {
            assertArrayEquals(cpu.toDoubleArray(), back.toDoubleArray(), what);
        }
    }

    @Test
    void everyBitPatternGoesUpAndDownUnchanged() {
        for (DType t : HALVES) {
            Tensor cpu = Tensor.fromHalfBits(allBits(), t, 256, 256);
            Tensor gpu = cpu.to(GPU);
            assertEquals(t, gpu.dtype());
            assertArrayEquals(allBits(), gpu.cpu().toHalfBits(), t + " round trip");
            // one element (uploaded by a fill of its bits) and a non-contiguous read (a conversion kernel: through
            // float, so a NaN comes back as the CPU's copy makes it)
            assertArrayEquals(cpu.narrow(0, 3, 1).narrow(1, 7, 1).contiguous().toHalfBits(),
                    cpu.narrow(0, 3, 1).narrow(1, 7, 1).contiguous().to(GPU).cpu().toHalfBits(), t + " one element");
            sameAsCpu(t + " transposed", cpu.t().contiguous(), gpu.t().contiguous());
        }
    }

    @Test
    void conversionsBetweenEveryTypeGiveTheCpusBits() {
        Tensor[] sources = {
            Tensor.fromHalfBits(allBits(), DType.FLOAT16, 65536),
            Tensor.fromHalfBits(allBits(), DType.BFLOAT16, 65536),
            Tensor.tensor(new double[] {0, -0.0, 1, -1, 0.1, 1.0 / 3, 65504, 65519, 65520, 65536, 1e5, -1e5, 3.4e38, 1e39,
                -1e39, 6e-8, 3e-8, 2.9e-8, 1e-40, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2049,
                2051, 257.5, 1e300}),
            Tensor.tensor(new long[] {0, 1, -1, 2049, 2051, 65504, 65520, 16777217, Long.MAX_VALUE, Long.MIN_VALUE, 300,
                -129}),
        };
        for (Tensor src : sources) {
            Tensor dev = src.to(GPU);
            for (DType a : ALL) {
                Tensor x = src.to(a);
                Tensor y = dev.to(a);
                sameAsCpu(src.dtype() + " -> " + a, x, y);
                for (DType h : HALVES) {
                    sameAsCpu(src.dtype() + " -> " + a + " -> " + h, x.to(h), y.to(h));
                }
            }
        }
    }

    @Test
    void fillZerosItemAndCreation() {
        for (DType t : HALVES) {
            for (double v : new double[] {0.1, -2.5, 65504, 65520, 1e39, Double.NaN, Double.NEGATIVE_INFINITY, 1e-8}) {
                sameAsCpu(t + " full " + v, Tensor.full(t, v, 3, 5), Tensor.full(t, v, 3, 5).to(GPU).fill_(v));
                assertEquals(Tensor.full(t, v, 1).item(), Tensor.full(t, v, 1).to(GPU).item(), t + " item " + v);
            }
            sameAsCpu(t + " zeros", Tensor.zeros(t, 4, 3), Tensor.zeros(t, 4, 3).to(GPU).mul(0));
            sameAsCpu(t + " tensor", Tensor.tensor(new double[] {1, 2.5, -3, 0.1}, t),
                    Tensor.tensor(new double[] {1, 2.5, -3, 0.1}, t, GPU));
            sameAsCpu(t + " arange", Tensor.arange(0, 300, 1.5, t), Tensor.arange(0, 300, 1.5, t).to(GPU).clone());
            // a strided slice filled on the device, the rest untouched
            Tensor c = Tensor.arange(0, 24, 1, t).reshape(4, 6);
            Tensor g = c.to(GPU);
            c.narrow(1, 1, 3).fill_(0.3);
            g.narrow(1, 1, 3).fill_(0.3);
            sameAsCpu(t + " fill of a view", c, g);
        }
    }
}
