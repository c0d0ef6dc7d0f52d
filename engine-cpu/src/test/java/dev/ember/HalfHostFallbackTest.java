package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * float16 and bfloat16 through the Backend SPI's defaults, as a device without their kernels runs them: host copies
 * ({@code toHost}, {@code fromHost} with the dtype, a {@code short[]} of bits) and the kernel families on host
 * copies, where the CPU then widens to float32. Every result equals the CPU's, bit for bit. ({@code binaryScalar}'s
 * default materializes the number in the tensor's type for every op, where PyTorch 2.x's CPU mul and div read it in
 * float32: {@link #defaultBinaryScalarRoundsTheNumber}; {@code axpy}'s default rounds the product before the sum.)
 */
class HalfHostFallbackTest {

    private static void same(String what, Tensor cpu, Tensor device) {
        assertEquals(cpu.dtype(), device.dtype(), what);
        assertArrayEquals(cpu.shape(), device.shape(), what);
        assertEquals("cuda", device.device().type(), what);
        Tensor back = device.cpu();
        if (cpu.dtype().isReducedFloatingPoint()) {
            assertArrayEquals(cpu.toHalfBits(), back.toHalfBits(), what);
        } else {
            assertArrayEquals(cpu.toDoubleArray(), back.toDoubleArray(), what);
        }
    }

    @Test
    void halfTypesRunOnADeviceThroughTheDefaults() {
        Backends2.registerFakeCuda(Set.of("toHost", "fromHost", "gather", "scatter", "sort",
                "rankSelect", "scan", "layerNorm", "layerNormBackward", "attention", "maxPool2d", "avgPool2d",
                "adaptiveAvgPool2d", "nonzero", "nonzeroCount", "linearIndex"));
        Device cuda = Device.cuda(0);
        Map<String, UnaryOperator<Tensor>> ops = new LinkedHashMap<>();
        ops.put("mul_scalar", x -> x.mul(0.1));
        ops.put("add_scalar", x -> x.add(0.1));
        ops.put("gt_scalar", x -> x.gt(0.1));
        ops.put("add_alpha", x -> x.add(x.flip(0), 0.3));
        ops.put("where_scalar", x -> Tensor.where(x.gt(0L), x, 0.25));
        ops.put("exp", Tensor::exp);
        ops.put("sum", Tensor::sum);
        ops.put("mean", x -> x.mean());
        ops.put("softmax", x -> x.reshape(2, 6).softmax(1));
        ops.put("matmul", x -> x.reshape(3, 4).matmul(x.reshape(4, 3)));
        ops.put("sort", x -> x.sort().values());
        ops.put("cumsum", x -> x.cumsum(0));
        ops.put("gather", x -> x.gather(0, Tensor.tensor(new long[] {5, 0, 2}, DType.INT64, x.device())));
        ops.put("index", x -> x.index(Index.of(x.gt(0L))));
        ops.put("layer_norm", x -> Tensor.layerNorm(x.reshape(3, 4), new int[] {4}, null, null, 1e-5));
        ops.put("max_pool", x -> Tensor.maxPool2d(x.reshape(1, 1, 3, 4), new int[] {2, 2}, new int[] {1, 1},
                new int[] {0, 0}, new int[] {1, 1}, false));
        ops.put("to_float", x -> x.to(DType.FLOAT32));
        ops.put("to_int", x -> x.to(DType.INT32));
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            Tensor cpu = Tensor.tensor(new double[] {0.1, -2.5, 3.25, 1e-3, -0.7, 100.5, 7, -8, 0.3, 2, -1.5, 0.9}).to(t);
            Tensor dev = cpu.to(cuda);
            assertEquals(t, dev.dtype());
            assertArrayEquals(cpu.toHalfBits(), dev.toHalfBits());
            for (Map.Entry<String, UnaryOperator<Tensor>> op : ops.entrySet()) {
                same(t + " " + op.getKey(), op.getValue().apply(cpu), op.getValue().apply(dev));
            }
            // gradients on the device, in the type
            Tensor a = dev.clone().requiresGrad_(true);
            a.mul(a).sum().backward();
            same(t + " grad", cpu.mul(2L), a.grad());
        }
    }

    /** The SPI default of binaryScalar: the number in the tensor's type, PyTorch's rule for add, sub and comparisons. */
    @Test
    void defaultBinaryScalarRoundsTheNumber() {
        Backends2.registerFakeCuda(Set.of("binaryScalar"));
        Device cuda = Device.cuda(0);
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            Tensor cpu = Tensor.tensor(new double[] {0.1, -2.5, 3.25, 1e-3, -0.7, 100.5}).to(t);
            Tensor dev = cpu.to(cuda);
            same(t + " add", cpu.add(0.1), dev.add(0.1));
            same(t + " sub", cpu.sub(0.3), dev.sub(0.3));
            same(t + " gt", cpu.gt(0.1), dev.gt(0.1));
            // mul by a number the type holds exactly: the rules agree
            same(t + " mul", cpu.mul(0.5), dev.mul(0.5));
        }
    }
}
