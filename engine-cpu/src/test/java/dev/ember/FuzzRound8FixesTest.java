package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine fixes round 8 of the differential fuzz ({@code fuzz8/make_cases.py}) led to, each pinned on its own with
 * PyTorch's answer (PyTorch 1.13's, which 2.x keeps here): in-place ops that PyTorch lets write an expanded self
 * (threshold_, index_fill_, tril_/triu_), the order of PyTorch's checks where a call breaks two rules (meta checks
 * before the overlap checks; the output shape before alpha or an integer division by zero), hardtanh's uint8 limits,
 * and a few messages. Every refusal leaves its operands unchanged.
 */
class FuzzRound8FixesTest {
    private static final String SELF_OVERLAP = "unsupported operation: more than one element of the written-to tensor "
            + "refers to a single memory location. Please clone() the tensor before performing the operation.";

    private static String message(Runnable r) {
        return assertThrows(RuntimeException.class, r::run).getMessage();
    }

    private static Tensor longs(long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU);
    }

    @Test
    void thresholdInPlaceWritesAnExpandedSelf() {
        // PyTorch's threshold iterator does not check overlap ("threshold is idempotent")
        Tensor base = Tensor.tensor(new double[] {0.5, 3.0}, DType.FLOAT32, Device.CPU).reshape(1, 2);
        Tensor out = Functional.threshold_(base.expand(2, 2), 1.0, 9.0);
        assertArrayEquals(new double[] {9, 3, 9, 3}, out.toDoubleArray());
        assertArrayEquals(new double[] {9, 3}, base.toDoubleArray());
    }

    @Test
    void indexFillInPlaceWritesAnExpandedSelf() {
        // PyTorch warns ("Use of index_fill_ on expanded tensors is deprecated") and fills every alias of a filled element
        Tensor base = longs(-4);
        Tensor out = base.expand(3).indexFill_(0, longs(1, 2), 2.0);
        assertArrayEquals(new long[] {2, 2, 2}, out.toLongArray());
        assertArrayEquals(new long[] {2}, base.toLongArray());
        Tensor base2 = longs(-4, 7);
        Tensor out2 = base2.expand(2, 2).indexFill_(1, longs(1), Tensor.tensor(2L).to(DType.INT64));
        assertArrayEquals(new long[] {-4, 2, -4, 2}, out2.toLongArray());
        assertArrayEquals(new long[] {-4, 2}, base2.toLongArray());
    }

    @Test
    void trilAndTriuInPlaceZeroEveryAliasOutsideTheTriangle() {
        Tensor base = Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT32, Device.CPU).reshape(1, 3);
        assertArrayEquals(new double[] {1, 0, 0, 1, 0, 0, 1, 0, 0}, base.expand(3, 3).tril_(0).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 0}, base.toDoubleArray());
        Tensor base2 = Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT32, Device.CPU).reshape(1, 3);
        assertArrayEquals(new double[9], base2.expand(3, 3).triu_(1).toDoubleArray());
        assertArrayEquals(new double[3], base2.toDoubleArray());
        Tensor base3 = Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT32, Device.CPU).reshape(1, 3);
        assertArrayEquals(new double[] {1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0}, base3.expand(2, 2, 3).tril_(0).toDoubleArray());
        // fewer than 2 dims: 2.x's meta message (1.13's in-place path named dim -2)
        Tensor scalar = Tensor.tensor(1L).to(DType.INT16);
        assertEquals("triu: input tensor must have at least 2 dimensions", message(() -> scalar.triu_(1)));
        assertEquals("tril: input tensor must have at least 2 dimensions",
                message(() -> longs(3).reshape(1).expand(4).tril_(0)));
    }

    @Test
    void cumulativeInPlaceChecksTheDimFirst() {
        assertEquals("Dimension out of range (expected to be in range of [-1, 0], but got 1)",
                message(() -> Tensor.zeros(DType.BOOL, 0).cumprod_(1)));
        Tensor base = Tensor.tensor(new double[] {1, 2}, DType.FLOAT32, Device.CPU).reshape(1, 2);
        assertEquals("Dimension out of range (expected to be in range of [-2, 1], but got 2)",
                message(() -> base.expand(3, 2).cumsum_(2)));
        assertEquals(SELF_OVERLAP, message(() -> base.expand(3, 2).cumsum_(1)));
        assertEquals("\"cumsum_out_cpu\" not implemented for 'Bool'",
                message(() -> Tensor.tensor(new boolean[] {true, false}, DType.BOOL, Device.CPU).cumsum_(0)));
        // a 0-dim or empty bool self is filled from itself without the kernel
        Tensor t = Tensor.tensor(new boolean[] {true}, DType.BOOL, Device.CPU).reshape(new int[0]);
        assertTrue(t.cumsum_(-1).toBooleanArray()[0]);
        assertEquals(0, Tensor.zeros(DType.BOOL, 0).cumprod_(0).numel());
        assertArrayEquals(new double[] {1, 2}, base.toDoubleArray());
    }

    @Test
    void inPlaceBinaryOpsCheckTheOutputShapeBeforeTheirKernel() {
        Tensor self = Tensor.tensor(new long[] {2, 4}, DType.INT64, Device.CPU).to(DType.UINT8).reshape(1, 2);
        Tensor other = Tensor.tensor(new long[] {1, 0, 2, 2}, DType.INT64, Device.CPU).to(DType.UINT8).reshape(2, 2);
        assertEquals("output with shape [1, 2] doesn't match the broadcast shape [2, 2]",
                message(() -> self.divide_(other, "floor")));
        Tensor i32 = longs(6).to(DType.INT32);
        assertEquals("output with shape [1] doesn't match the broadcast shape [6]",
                message(() -> i32.subtract_(Tensor.arange(6).to(DType.INT32), -0.5)));
        assertEquals(SELF_OVERLAP, message(() -> longs(6).to(DType.INT16).expand(3)
                .subtract_(Tensor.tensor(2L).to(DType.INT16), -0.5)));
        assertArrayEquals(new long[] {2, 4}, self.toLongArray());
        assertArrayEquals(new long[] {6}, i32.toLongArray());
    }

    @Test
    void indexAndScatterInPlaceCheckTheirTypesBeforeTheOverlap() {
        Tensor u8 = Tensor.tensor(255L).to(DType.UINT8).expand(3);
        assertEquals("index_add_(): self (Byte) and source (Float) must have the same scalar type",
                message(() -> u8.indexAdd_(-1, longs(1, 0, 2, 0).to(DType.INT32), Tensor.ones(4))));
        Tensor i32 = longs(4).to(DType.INT32).expand(6);
        Tensor src = longs(1, 1).to(DType.UINT8);
        String dtype = "scatter(): Expected self.dtype to be equal to src.dtype";
        assertEquals(dtype, message(() -> i32.scatter_(0, longs(0, 1), src)));
        assertEquals(dtype, message(() -> i32.scatterAdd_(0, longs(0, 1), src)));
        assertEquals(dtype, message(() -> i32.scatterReduce_(0, longs(0, 1), src, "prod", true)));
        assertEquals(SELF_OVERLAP, message(() -> i32.scatterAdd_(0, longs(0, 1), longs(1, 1).to(DType.INT32))));
        assertArrayEquals(new long[] {4, 4, 4, 4, 4, 4}, i32.toLongArray());
    }

    @Test
    void hardtanhRefusesNegativeLimitsOnUint8() {
        String m = "cannot do hardtanh on an unsigned type with negative limits";
        Tensor u8 = longs(3, 200).to(DType.UINT8);
        assertEquals(m, message(() -> Functional.hardtanh(u8, -1.0, 5.0)));
        assertEquals(m, message(() -> Functional.hardtanh_(Tensor.tensor(255L).to(DType.UINT8).expand(3), -1.0, -2.0)));
        // the limits truncate to integers first: -0.5 is 0
        assertArrayEquals(new long[] {3, 5}, Functional.hardtanh(u8, -0.5, 5.0).toLongArray());
        assertArrayEquals(new long[] {3, 200}, u8.toLongArray());
    }

    @Test
    void messagesAsPyTorch() {
        // square_ is pow_(2): bool's square is int64
        assertEquals("Found dtype Bool but expected Long",
                message(() -> Tensor.tensor(new boolean[] {true, false}, DType.BOOL, Device.CPU).square_()));
        // unbind wraps the dim as for a 1-d tensor first
        Tensor scalar = Tensor.tensor(3L);
        assertEquals("Dimension specified as 0 but tensor has no dimensions", message(() -> scalar.unbind(-1)));
        assertEquals("Dimension out of range (expected to be in range of [-1, 0], but got 1)",
                message(() -> scalar.unbind(1)));
        // split_with_sizes names the dim as given
        assertEquals("split_with_sizes expects split_sizes to sum exactly to 1 (input tensor's size at dimension -1), "
                + "but got split_sizes=[1, 1]", message(() -> Tensor.ones(1).splitWithSizes(new int[] {1, 1}, -1)));
        List<Tensor> parts = Tensor.ones(3).splitWithSizes(new int[] {1, 2}, -1);
        assertEquals(2, parts.size());
    }
}
