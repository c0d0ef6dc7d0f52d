package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The narrow integer types through the Backend SPI's defaults, as a device without their kernels runs them (CUDA runs
 * these defaults today): a uint8 storage made from a byte[] ({@code fromArray(array, dtype, device)}), host copies
 * ({@code toHost}, {@code fromHost}), a number materialized in the tensor's type ({@code binaryScalar}), int32 indices
 * checked ({@code checkIndices}), and the indexing and sorting families on host copies. Every result equals the CPU's.
 */
class DtypesHostFallbackTest {

    private static final DType[] NARROW = {DType.INT32, DType.INT16, DType.INT8, DType.UINT8};

    private static final Map<DType, long[]> VALUES = Map.of(
            DType.INT32, new long[] {2000000000, -2000000000, 2147483647, -2147483648L, 5, -7},
            DType.INT16, new long[] {30000, -30000, 32767, -32768, 5, -7},
            DType.INT8, new long[] {100, -100, 127, -128, 5, -7},
            DType.UINT8, new long[] {200, 100, 255, 0, 5, 7});

    private interface Op {
        Tensor apply(Tensor x);
    }

    private static void same(String what, Tensor cpu, Tensor device) {
        assertEquals(cpu.dtype(), device.dtype(), what);
        assertArrayEquals(cpu.shape(), device.shape(), what);
        assertEquals("cuda", device.device().type(), what);
        assertArrayEquals(cpu.toDoubleArray(), device.cpu().toDoubleArray(), what);
    }

    @Test
    void narrowTypesRunOnADeviceThroughTheDefaults() {
        Backends2.registerFakeCuda(Set.of("fromArray", "toHost", "fromHost", "binaryScalar", "checkIndices", "gather",
                "scatter", "nonzeroCount", "nonzero", "linearIndex", "sort", "rankSelect", "scan", "searchsorted", "unique",
                "bincount", "allocateZeroed"));
        Device cuda = Device.cuda(0);
        Map<String, Op> ops = new java.util.LinkedHashMap<>();
        ops.put("add_scalar", x -> x.add(300L));
        ops.put("mul_scalar", x -> x.mul(3L));
        ops.put("lt_scalar", x -> x.lt(6L));
        ops.put("rsub", x -> x.rsub(7L));
        ops.put("add_self", x -> x.add(x.flip(0)));
        ops.put("shift", x -> x.bitwiseLeftShift(3L));
        ops.put("sum", x -> x.sum());
        ops.put("max", x -> x.max());
        ops.put("cumsum", x -> x.cumsum(0));
        ops.put("cummax", x -> x.cummax(0).values());
        ops.put("sort", x -> x.sort().values());
        ops.put("argsort", x -> x.sort(0, true).indices());
        ops.put("topk", x -> x.topk(2).values());
        ops.put("median", x -> x.median());
        ops.put("unique", x -> x.unique());
        ops.put("nonzero", x -> x.nonzero());
        ops.put("gather", x -> x.gather(0, Tensor.tensor(new long[] {5, 0, 2}, DType.INT64, x.device())));
        ops.put("index_select_int32", x -> x.indexSelect(0, Tensor.tensor(new int[] {5, 0, 2}, DType.INT32, x.device())));
        ops.put("index_int32", x -> x.index(Index.of(Tensor.tensor(new int[] {1, 1, 4}, DType.INT32, x.device()))));
        ops.put("mask_uint8", x -> x.index(Index.of(Tensor.tensor(new byte[] {1, 0, 1, 0, 0, 1}, DType.UINT8, x.device()))));
        ops.put("scatter_add", x -> x.scatterAdd(0, Tensor.tensor(new long[] {0, 1, 0, 1, 0, 1}, DType.INT64, x.device()), x));
        ops.put("index_add_int32", x -> x.indexAdd(0, Tensor.tensor(new int[] {1, 1}, DType.INT32, x.device()), x.narrow(0, 0, 2)));
        ops.put("where", x -> Tensor.where(x.gt(3L), x, x.neg()));
        ops.put("to_float", x -> x.toFloat());
        ops.put("to_uint8", x -> x.toByte());
        ops.put("matmul", x -> x.reshape(2, 3).matmul(x.reshape(3, 2)));
        ops.put("bincount", x -> x.abs().remainder(7L).bincount());
        ops.put("zeros_like", x -> x.zerosLike().add(1L));
        for (DType t : NARROW) {
            Tensor cpu = Tensor.tensor(VALUES.get(t)).to(t);
            Tensor dev = cpu.to(cuda);
            assertEquals(t, dev.dtype());
            assertArrayEquals(cpu.toLongArray(), dev.toLongArray());
            for (Map.Entry<String, Op> op : ops.entrySet()) {
                same(t + " " + op.getKey(), op.getValue().apply(cpu), op.getValue().apply(dev));
            }
            // a byte[] uploaded as uint8 keeps its bits
            Tensor u = Tensor.tensor(new byte[] {-1, 2}, DType.UINT8, cuda);
            assertEquals(DType.UINT8, u.dtype());
            assertArrayEquals(new long[] {255, 2}, u.toLongArray());
            // int32 indices are checked on the device as int64 ones
            Tensor bad = Tensor.tensor(new int[] {0, 9}, DType.INT32, cuda);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> dev.indexSelect(0, bad));
            assertEquals("index out of range in self", e.getMessage());
        }
        assertEquals(List.of(255L), Arrays.stream(Tensor.tensor(new byte[] {-1}, DType.UINT8, cuda).cpu().toLongArray())
                .boxed().toList());
    }
}
