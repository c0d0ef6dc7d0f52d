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

    @Test
    void checksInPyTorchsOrderFromTheLongerHunt() {
        Tensor i16 = Tensor.tensor(-2L).to(DType.INT16).reshape(1).expand(3);
        assertTrue(message(() -> i16.addcdiv_(Tensor.tensor(5L).to(DType.INT16), longs(3, 6, 5).to(DType.INT16)))
                .startsWith("Integer division with addcdiv is no longer supported"));
        Tensor f = Tensor.ones(1, 1).expand(2, 2);
        assertEquals("heaviside is not yet implemented for tensors with different dtypes.",
                message(() -> f.heaviside_(longs(-5, 2).to(DType.INT32))));
        assertEquals("Boolean inputs not supported for relu",
                message(() -> Tensor.tensor(new boolean[] {true}, DType.BOOL, Device.CPU).reshape(1, 1).expand(2, 2).relu_()));
        // index_reduce_: the overlap before the index values; without self, index_fill_'s bounds message first
        Tensor expanded = Tensor.tensor(new double[] {-2.5}, DType.FLOAT32, Device.CPU).reshape(new int[0]).expand(5);
        assertEquals(SELF_OVERLAP, message(() -> expanded.indexReduce_(0, longs(5),
                Tensor.tensor(new double[] {-1}, DType.FLOAT32, Device.CPU), "amin", true)));
        assertEquals("index 3 is out of bounds for dimension 2 with size 3", message(() -> Tensor.zeros(2, 1, 3)
                .indexReduce(2, longs(1, 1, 3).to(DType.INT32), Tensor.ones(2, 1, 3), "mean", false)));
        // index_fill_'s kernel converts the value before it checks the indices
        assertEquals("value cannot be converted to type uint8_t without overflow",
                message(() -> longs(9, 3).to(DType.UINT8).reshape(1, 2).indexFill_(0, longs(0, 1), -1.5)));
        // index_add_ converts alpha only when there are indices to add
        Tensor u8 = longs(255, 9).to(DType.UINT8).reshape(1, 2);
        assertArrayEquals(new long[] {255, 9}, u8.indexAdd_(0, longs(), Tensor.zeros(DType.UINT8, 0, 2), -0.5)
                .toLongArray());
    }

    @Test
    void integerSelvesAsPyTorchsKernels() {
        // round.decimals (special.round, round(decimals=0)) has no integer kernel; round() copies integers
        assertEquals("\"round_vml_cpu\" not implemented for 'Byte'",
                message(() -> Special.round(longs(1, 2).to(DType.UINT8))));
        assertEquals("\"round_vml_cpu\" not implemented for 'Long'", message(() -> longs(1, 2).round(0)));
        assertArrayEquals(new long[] {1, 2}, longs(1, 2).round().toLongArray());
        // mvlgamma_'s offsets are an arange in self's type: an integer step of 0
        assertEquals("step must be nonzero", message(() -> longs(5).expand(3).mvlgamma_(3)));
        // nan_to_num_ copies an integer self onto itself: an expanded one passes unchanged
        Tensor base = longs(-1).to(DType.INT8);
        assertArrayEquals(new long[] {-1, -1, -1, -1}, base.expand(4).nanToNum_().toLongArray());
        // histogram: the outer edges of a non-empty input without a range are read first ("histogramdd")
        assertEquals("\"histogramdd\" not implemented for 'Long'", message(() -> longs(1, 2).histogram(1)));
        assertEquals("\"histogram_cpu\" not implemented for 'Long'", message(() -> longs().histogram(1)));
        assertEquals("\"histogram_cpu\" not implemented for 'Long'",
                message(() -> longs(1, 2).histogram(1, new double[] {0, 1}, null, false)));
    }

    @Test
    void distancesLetNaNThroughAsPyTorchsKernels() {
        float nan = Float.NaN;
        Tensor x1 = Tensor.tensor(new double[] {-0.5}, DType.FLOAT32, Device.CPU).reshape(1, 1);
        Tensor x2 = Tensor.tensor(new double[] {nan, 1.5}, DType.FLOAT32, Device.CPU).reshape(2, 1);
        double[] c = Functional.cdist(x1, x2, 0.0).toDoubleArray();
        assertTrue(Double.isNaN(c[0]));
        assertEquals(1.0, c[1]);
        double[] pd = Functional.pdist(Tensor.tensor(new double[] {nan, 1, 0, 1, 0, 3}, DType.FLOAT32, Device.CPU)
                .reshape(3, 2), 0.0).toDoubleArray();
        assertTrue(Double.isNaN(pd[0]) && Double.isNaN(pd[1]));
        assertEquals(1.0, pd[2]);
        // the inf-norm gradient is NaN where an infinite difference is the distance
        Tensor a = Tensor.tensor(new double[] {-1, 0.5, 4, Double.NEGATIVE_INFINITY}, DType.FLOAT64, Device.CPU)
                .reshape(2, 2).requiresGrad_(true);
        Tensor b = Tensor.tensor(new double[] {-1, -3}, DType.FLOAT64, Device.CPU).reshape(1, 2).requiresGrad_(true);
        Functional.cdist(a, b, Double.POSITIVE_INFINITY).sum().backward();
        double[] ga = a.grad().toDoubleArray();
        assertArrayEquals(new double[] {0, 1, 0}, new double[] {ga[0], ga[1], ga[2]});
        assertTrue(Double.isNaN(ga[3]));
        assertEquals(0.0, b.grad().toDoubleArray()[0]);
        assertTrue(Double.isNaN(b.grad().toDoubleArray()[1]));
        // the backward kernels' sign is NaN for a NaN difference (torch.sign's is 0)
        Tensor x = Tensor.tensor(new double[] {1, 2.5, Double.NaN, 0.25, 2.5, 4}, DType.FLOAT64, Device.CPU).reshape(3, 2)
                .requiresGrad_(true);
        Functional.pdist(x, 1.0).sum().backward();
        double[] gx = x.grad().toDoubleArray();
        assertTrue(Double.isNaN(gx[0]) && Double.isNaN(gx[2]) && Double.isNaN(gx[4]));
        assertArrayEquals(new double[] {0, -2, 2}, new double[] {gx[1], gx[3], gx[5]});
        Tensor c1 = Tensor.tensor(new double[] {1, Double.NaN}, DType.FLOAT64, Device.CPU).reshape(1, 2).requiresGrad_(true);
        Functional.cdist(c1, Tensor.tensor(new double[] {0, 1, 2, 2}, DType.FLOAT64, Device.CPU).reshape(2, 2), 1.0).sum()
                .backward();
        assertEquals(0.0, c1.grad().toDoubleArray()[0]);
        assertTrue(Double.isNaN(c1.grad().toDoubleArray()[1]));
        // an empty output has no kernel, so no one-type check
        Tensor e = Functional.cdist(Tensor.zeros(0, 1), Tensor.zeros(DType.FLOAT64, 1, 1));
        assertEquals(DType.FLOAT32, e.dtype());
        assertArrayEquals(new int[] {0, 1}, e.shape());
    }

    @Test
    void distZeroNormHasNoGradient() {
        // norm_backward is undefined for p 0: self's grad stays None, and other's formula negates it, which fails
        Tensor a = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor b = Tensor.tensor(new double[] {0, 2}, DType.FLOAT64, Device.CPU);
        a.dist(b, 0).backward();
        assertEquals(null, a.grad());
        Tensor a2 = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor b2 = Tensor.tensor(new double[] {0, 2}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor d = a2.dist(b2, 0);
        assertEquals("Expected a proper Tensor but got None (or an undefined Tensor in C++) for argument #0 'self'",
                message(d::backward));
    }

    @Test
    void zeroDimMessagesAsPyTorch() {
        assertEquals("channel_shuffle expects input with > 2 dims, but got input with sizes [1, 4]",
                message(() -> Functional.channelShuffle(Tensor.zeros(1, 4), 1)));
        Tensor y = Tensor.tensor(new double[] {4}, DType.FLOAT32, Device.CPU).reshape(new int[0]);
        assertEquals("Dimension specified as -1 but tensor has no dimensions", message(y::trapezoid));
        assertEquals("Dimension specified as 1 but tensor has no dimensions", message(() -> y.trapezoid(1.0, 1)));
        Tensor x = Tensor.tensor(new double[] {1, 2}, DType.FLOAT32, Device.CPU);
        assertEquals("Dimension out of range (expected to be in range of [-1, 0], but got -2)",
                message(() -> y.trapezoid(x, -2)));
        assertEquals("Dimension specified as 0 but tensor has no dimensions", message(() -> y.trapezoid(x, 0)));
        assertEquals("slice() cannot be applied to a 0-dim tensor.", message(() -> y.cumulativeTrapezoid(-1.0, 1)));
        assertEquals("Dimension out of range (expected to be in range of [-1, 0], but got 1)",
                message(() -> y.cumulativeTrapezoid(x.narrow(0, 0, 1), 1)));
    }

    @Test
    void integerBatchedProductsWithAFractionalBeta() {
        // PyTorch multiplies self by beta (a Python float, which an integer result refuses) only where the product is
        // empty and the result is not: addbmm without batches or inner columns, baddbmm without inner columns
        String m = "result type Float can't be cast to the desired output type Int";
        Tensor ones = Tensor.ones(1, 3).to(DType.INT32);
        assertEquals(m, message(() -> ones.addbmm_(Tensor.zeros(DType.INT32, 0, 1, 2), Tensor.zeros(DType.INT32, 0, 2, 3),
                0.5, 1)));
        assertEquals(m, message(() -> ones.addbmm_(Tensor.zeros(DType.INT32, 2, 1, 0), Tensor.zeros(DType.INT32, 2, 0, 3),
                0.5, 1)));
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(DType.INT32, 0, 3).addbmm_(Tensor.zeros(DType.INT32, 2, 0, 0),
                Tensor.zeros(DType.INT32, 2, 0, 3), 0.5, 1).shape());
        // with a product, beta truncates to the integer 0, as the kernel converts it
        assertArrayEquals(new long[] {4, 4, 4}, Tensor.ones(1, 3).to(DType.INT32).addbmm_(Tensor.ones(2, 1, 2)
                .to(DType.INT32), Tensor.ones(2, 2, 3).to(DType.INT32), 0.5, 1).toLongArray());
        assertEquals(m, message(() -> Tensor.zeros(DType.INT32, 2, 3, 1).baddbmm_(Tensor.zeros(DType.INT32, 2, 3, 0),
                Tensor.zeros(DType.INT32, 2, 0, 1), 0.5, 1)));
        assertArrayEquals(new int[] {0, 3, 1}, Tensor.zeros(DType.INT32, 0, 3, 1).baddbmm_(
                Tensor.zeros(DType.INT32, 0, 3, 0), Tensor.zeros(DType.INT32, 0, 0, 1), 0.5, 1).shape());
        assertArrayEquals(new long[] {1, 1, 1}, ones.toLongArray());
    }
}
