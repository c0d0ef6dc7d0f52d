package dev.ember;

import dev.ember.backend.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sizes are computed exactly wherever a shape is made, element counts of broadcast views are {@code long}, views stay
 * inside their storage, and factories follow PyTorch at their edges. Expected values and messages come from
 * {@code hardening/make_expected.py} (PyTorch 1.13); where PyTorch 2.x words a message differently, the test says so.
 */
class SizesAndViewsTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/hardening/expected.txt");

    private static <T extends Throwable> void fails(Class<T> type, String message, Executable call) {
        Throwable e = assertThrows(type, call);
        assertEquals(message, e.getMessage());
    }

    private static void failsLikeTorch(String key, Executable call) {
        fails(IllegalArgumentException.class, TORCH.error(key), call);
    }

    private static void assertValues(String key, Tensor actual) {
        double[] expected = TORCH.values(key);
        double[] got = actual.toDoubleArray();
        assertEquals(expected.length, got.length, key);
        for (int i = 0; i < got.length; i++) {
            if (Double.isNaN(expected[i])) {
                assertTrue(Double.isNaN(got[i]), key + "[" + i + "] = " + got[i]);
            } else {
                assertEquals(expected[i], got[i], Math.abs(expected[i]) * 1e-6, key + "[" + i + "]");
            }
        }
    }

    @Test
    void storageSizesThatOverflowAreRejected() {
        failsLikeTorch("zeros4", () -> Tensor.zeros(65536, 65536, 65536, 65536));
        failsLikeTorch("ones3", () -> Tensor.ones(2112351278, 998034439, 35));
        failsLikeTorch("empty_f64", () -> Tensor.empty(DType.FLOAT64, Integer.MAX_VALUE, Integer.MAX_VALUE, 4));
        failsLikeTorch("zeros_neg", () -> Tensor.zeros(2, -1));
        // the same check guards every factory
        String overflow = "Storage size calculation overflowed with sizes=[65536, 65536, 65536, 65536]";
        int[] huge = {65536, 65536, 65536, 65536};
        fails(IllegalArgumentException.class, overflow, () -> Tensor.full(DType.INT64, 3, huge));
        fails(IllegalArgumentException.class, overflow, () -> Tensor.rand(huge));
        fails(IllegalArgumentException.class, overflow, () -> Tensor.randn(huge));
        fails(IllegalArgumentException.class, overflow, () -> Tensor.randint(0, 5, huge));
        fails(IllegalArgumentException.class, overflow, () -> Tensor.empty(DType.BOOL, huge));
        // within a long but beyond what one storage holds: Ember's own limit, named
        fails(IllegalArgumentException.class, "a tensor of sizes=[50000, 50000] has 2500000000 elements; one Ember tensor "
                + "stores at most " + Layout.MAX_STORAGE_ELEMENTS, () -> Tensor.zeros(50000, 50000));
        fails(IllegalArgumentException.class, "a tensor of sizes=[100000, 100000] has 10000000000 elements; one Ember tensor "
                + "stores at most " + Layout.MAX_STORAGE_ELEMENTS,
                () -> Tensor.ones(1, 1).expand(100000, 100000).contiguous());
    }

    /**
     * Regression (session 43, sizes probed around the outsider recipes' ops): replication padding sized its output in
     * int (a padding near the int limit gave "CPU tensors hold at most ... asked for -4294967292") and tril_indices
     * counted its pairs into an ArithmeticException ("integer overflow"); both now name Ember's limit, as the constant
     * padding already did, and nothing is allocated.
     */
    @Test
    void edgePaddingAndTriangleIndicesPastTheLimits() {
        fails(IllegalArgumentException.class, "the padded dimension 2 would have size 2147483650; Ember's dimensions are "
                + "at most 2147483647", () -> new dev.ember.nn.ReplicationPad1d(new int[] {0, Integer.MAX_VALUE})
                        .apply(Tensor.ones(1, 2, 3)));
        fails(IllegalArgumentException.class, "a tensor of sizes=[1, 2, 1073741827] has 2147483654 elements; one Ember "
                + "tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS,
                () -> new dev.ember.nn.ReplicationPad1d(new int[] {1 << 30, 0}).apply(Tensor.ones(1, 2, 3)));
        fails(IllegalArgumentException.class, "the padded dimension 3 would have size 2147483650; Ember's dimensions are "
                + "at most 2147483647", () -> new dev.ember.nn.ReplicationPad2d(new int[] {Integer.MAX_VALUE, 0, 0, 0})
                        .apply(Tensor.ones(1, 1, 2, 3)));
        // tril_indices(2^20, 2^20): 2^39 + 2^19 pairs
        long n = (1L << 39) + (1L << 19);
        fails(IllegalArgumentException.class, "a tensor of sizes=[2, " + n + "] has " + 2 * n + " elements; one Ember "
                + "tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS, () -> Tensor.trilIndices(1 << 20, 1 << 20, 0));
        fails(IllegalArgumentException.class, "a tensor of sizes=[2, " + n + "] has " + 2 * n + " elements; one Ember "
                + "tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS, () -> Tensor.triuIndices(1 << 20, 1 << 20, 0));
        // just inside, padding still works
        assertArrayEquals(new int[] {1, 2, 7}, new dev.ember.nn.ReplicationPad1d(new int[] {1, 3})
                .apply(Tensor.ones(1, 2, 3)).shape());
    }

    /**
     * Regression (session 43): interpolation to a size past Ember's limit made its index or tap table of that size
     * first (nearest, linear and trilinear ended in an OutOfMemoryError, "Requested array size exceeds VM limit"), and
     * combinations with r near the int limit built r copies before the r-fold meshgrid's count overflowed (another
     * OutOfMemoryError); the output is now checked first (Ember's limit), and combinations counts n^r first, with
     * PyTorch's message when it overflows (PyTorch 1.13: combinations(ones(100), r=50)).
     */
    @Test
    void interpolationAndCombinationsPastTheLimits() {
        String limit = " elements; one Ember tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS;
        int m = Integer.MAX_VALUE;
        for (String mode : new String[] {"nearest", "nearest-exact", "linear"}) {
            fails(IllegalArgumentException.class, "a tensor of sizes=[1, 1, 2147483647] has 2147483647" + limit,
                    () -> dev.ember.nn.Functional.interpolate(Tensor.ones(1, 1, 4), new int[] {m}, mode));
        }
        fails(IllegalArgumentException.class, "a tensor of sizes=[1, 1, 2147483647, 1, 1] has 2147483647" + limit,
                () -> dev.ember.nn.Functional.interpolate(Tensor.ones(1, 1, 2, 2, 2), new int[] {m, 1, 1}, "trilinear"));
        fails(IllegalArgumentException.class, "a tensor of sizes=[1, 1, 2147483647, 2] has 4294967294" + limit,
                () -> dev.ember.nn.Functional.interpolate(Tensor.ones(1, 1, 4, 4), new int[] {m, 2}, "bilinear"));
        fails(IllegalArgumentException.class, "numel: integer multiplication overflow",
                () -> Tensor.ones(3).combinations(m, true));
        fails(IllegalArgumentException.class, "numel: integer multiplication overflow",
                () -> Tensor.ones(100).combinations(50, false));
        // within the limits nothing changes
        assertArrayEquals(new int[] {1, 1, 8}, dev.ember.nn.Functional.interpolate(Tensor.ones(1, 1, 4), new int[] {8},
                "linear").shape());
        assertArrayEquals(new int[] {10, 3}, Tensor.ones(5).combinations(3, false).shape());
    }

    /**
     * Regression (session 43): an RNN's gate size (4, 3 or 1 times hidden_size) and a deeper layer's input
     * (directions times the hidden size) were int products, so LSTM(2^31 - 1, 2^31 - 1) asked for "negative dimension
     * -4"; now in long, with PyTorch's message where its own allocation overflows (PyTorch 1.13: the same sizes for
     * LSTM and LSTMCell) and Ember's dimension limit where only an int is passed. MultiheadAttention's packed
     * projection (3 * embed_dim) had the same int product ("negative dimension -1073741824" for embed_dim 2^30).
     */
    @Test
    void recurrentWeightsSizedInLong() {
        int m = Integer.MAX_VALUE;
        String overflow = "Storage size calculation overflowed with sizes=[8589934588, 2147483647]";
        fails(IllegalArgumentException.class, overflow, () -> new dev.ember.nn.LSTM(m, m));
        fails(IllegalArgumentException.class, overflow, () -> new dev.ember.nn.LSTMCell(m, m));
        fails(IllegalArgumentException.class, "a recurrent weight would have size 3221225472; Ember's dimensions are at "
                + "most 2147483647", () -> new dev.ember.nn.GRU(2, 1 << 30));
        fails(IllegalArgumentException.class, "a recurrent weight would have size 3221225472; Ember's dimensions are at "
                + "most 2147483647", () -> new dev.ember.nn.GRUCell(2, 1 << 30));
        fails(IllegalArgumentException.class, "Trying to create tensor with negative dimension -1: [16, -1]",
                () -> new dev.ember.nn.LSTM(-1, 4));
        assertArrayEquals(new int[] {12, 3}, new dev.ember.nn.GRU(3, 4).getParameter("weight_ih_l0").shape());
        // MultiheadAttention's packed in_proj_weight (3 * embed_dim rows) likewise: PyTorch 1.13's messages
        fails(IllegalArgumentException.class, "Storage size calculation overflowed with sizes=[3221225472, 1073741824]",
                () -> new dev.ember.nn.MultiheadAttention(1 << 30, 1));
        fails(IllegalArgumentException.class, "Storage size calculation overflowed with sizes=[6442450941, 2147483647]",
                () -> new dev.ember.nn.MultiheadAttention(m, 1));
        fails(IllegalArgumentException.class, "Storage size calculation overflowed with sizes=[3221225472, 1073741824]",
                () -> new dev.ember.nn.TransformerEncoderLayer(1 << 30, 1));
    }

    /**
     * Regression (session 43): values near the long limit. bincount of Long.MAX_VALUE counted max + 1 into a wrapped
     * size and failed with an ArrayIndexOutOfBoundsException; one_hot with num_classes=-1 of Long.MAX_VALUE wrapped too,
     * and read its class values through a double (rounding past 2^53: PyTorch 1.13's "Class values must be smaller than
     * num_classes" for one_hot([2^53 + 1], 2^53 + 1) became Ember's size limit); repeat_interleave's repeats summed past
     * a long wrapped into a negative (or small) size. PyTorch itself crashes or reports wrapped sizes here: Ember names
     * the true size.
     */
    @Test
    void countsNearTheLongLimit() {
        long max = Long.MAX_VALUE;
        fails(IllegalArgumentException.class, "bincount's result would have size 9223372036854775808; Ember's dimensions "
                + "are at most 2147483647", () -> Tensor.tensor(new long[] {max}).bincount());
        fails(IllegalArgumentException.class, "one_hot: num_classes 9223372036854775808 is too large",
                () -> dev.ember.nn.Functional.oneHot(Tensor.tensor(new long[] {max})));
        long big = (1L << 53) + 1;
        fails(IllegalArgumentException.class, "Class values must be smaller than num_classes.",
                () -> dev.ember.nn.Functional.oneHot(Tensor.tensor(new long[] {big}), big));
        fails(IllegalArgumentException.class, "repeat_interleave() would have size more than 9223372036854775807; Ember's "
                + "dimensions are at most 2147483647",
                () -> Tensor.ones(2).repeatInterleave(Tensor.tensor(new long[] {max, 1})));
        // four repeats of 2^62 wrap to exactly 0 in a long: no longer an empty result
        fails(IllegalArgumentException.class, "repeat_interleave() would have size more than 9223372036854775807; Ember's "
                + "dimensions are at most 2147483647",
                () -> Tensor.ones(4).repeatInterleave(Tensor.tensor(new long[] {1L << 62, 1L << 62, 1L << 62, 1L << 62})));
        assertArrayEquals(new long[] {0, 2, 1}, Tensor.tensor(new long[] {1, 1, 2}).bincount().toLongArray());
        assertArrayEquals(new int[] {3, 3}, dev.ember.nn.Functional.oneHot(Tensor.tensor(new long[] {0, 2, 1})).shape());
    }

    @Test
    void broadcastViewsCountTheirElementsInLong() {
        Tensor big = Tensor.ones(1, 1).expand(100000, 100000);
        assertEquals(10_000_000_000L, big.numel());
        failsLikeTorch("expand_overflow", () -> Tensor.ones(1, 1, 1).expand(Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE));
        assertValues("sum_expanded", big.sum());
        assertValues("sum_expanded_long", Tensor.ones(DType.INT64, 1, 1).expand(100000, 100000).sum());
        assertValues("mean_expanded", Tensor.ones(1, 1).expand(50000, 50000).mean());
        assertValues("mean_expanded_dim", Tensor.full(DType.FLOAT32, 2, 1, 3).expand(70000, 3).mean(0));
        // PyTorch sums 3.6e9 float32 repeats in blocks and lands 0.07% above the exact 2.16e10; Ember multiplies
        Tensor s3 = Tensor.arange(0, 4, 1, DType.FLOAT32).reshape(1, 4, 1).expand(60000, 4, 60000).sum();
        assertEquals(2.16e10, s3.item(), 0.0);
        assertEquals(TORCH.values("sum_expanded_3d")[0], s3.item(), 2.16e10 * 1e-3);
        assertValues("prod_expanded", Tensor.full(DType.FLOAT32, 1.0001, 1, 1).expand(1000, 1000).prod());
        assertValues("prod_expanded_small", Tensor.tensor(new double[][] {{1.5, -1.0}}).expand(5, 2).prod());
        assertValues("max_expanded", Tensor.tensor(new double[][] {{1.0, Double.NaN, 3.0}}).expand(100000, 3).max());
        assertValues("argmax_expanded", Tensor.tensor(new double[][] {{1.0}, {5.0}, {2.0}}).expand(3, 70000).argmax(1, false));
        assertValues("amin_expanded", Tensor.tensor(new double[][] {{4.0, -2.0}}).expand(80000, 2).min(0, false).values());
        // var and std reduce through the same kernels
        Tensor col = Tensor.tensor(new double[][] {{1}, {3}}).expand(2, 60000);
        assertEquals(1.0, col.var(new int[] {0}, 0, false).toDoubleArray()[0], 0.0);
        // int64 sums wrap as PyTorch's do: repeats * value modulo 2^64
        Tensor wrap = Tensor.full(DType.INT64, Long.MAX_VALUE / 4 + 1, 1, 1).expand(8, 1000);
        assertEquals((Long.MAX_VALUE / 4 + 1) * 8000L, wrap.sum().longItem());
    }

    @Test
    void narrowChecksInExactArithmetic() {
        Tensor x = Tensor.ones(5);
        failsLikeTorch("narrow_max", () -> x.narrow(0, 1, Integer.MAX_VALUE));
        assertValues("narrow_neg_start", x.narrow(0, -2, 2));
        failsLikeTorch("narrow_0d", () -> Tensor.scalar(1).narrow(0, 0, 1));
        // PyTorch 2.x (TensorShape.cpp narrow_symint): a negative length and a start out of range have their own
        // messages; 1.13 reported them as "start (0) + length (-1) exceeds ..." and "Dimension out of range ..."
        fails(IllegalArgumentException.class, "narrow(): length must be non-negative.", () -> x.narrow(0, 0, -1));
        fails(IndexOutOfBoundsException.class, "start out of range (expected to be in range of [-5, 5], but got 6)",
                () -> x.narrow(0, 6, 0));
        fails(IndexOutOfBoundsException.class, "start out of range (expected to be in range of [-5, 5], but got "
                + Integer.MIN_VALUE + ")", () -> x.narrow(0, Integer.MIN_VALUE, 1));
        assertEquals(0, x.narrow(0, 5, 0).numel());
    }

    @Test
    void sliceClampsInExactArithmetic() {
        Tensor x = Tensor.arange(5);
        assertValues("slice_max", x.slice(0, 0, Integer.MAX_VALUE, 2));
        assertValues("slice_min", x.slice(0, Integer.MIN_VALUE, 3, 1));
        assertValues("slice_neg", x.slice(0, -3, -1, 1));
        assertValues("slice_empty", x.slice(0, 4, 1, 1));
        Tensor far = x.slice(0, Integer.MAX_VALUE - 1, Integer.MAX_VALUE, Integer.MAX_VALUE);
        assertArrayEquals(new int[] {0}, far.shape());
        Tensor one = x.slice(0, 3, Integer.MAX_VALUE, Integer.MAX_VALUE);
        assertEquals("tensor([3])", one.toString());
        // a step too large for the stride is only a stride when a second element exists
        Tensor wide = Tensor.zeros(3, 1000).slice(1, 0, 1000, 999);
        assertArrayEquals(new int[] {3, 2}, wide.shape());
        assertArrayEquals(new int[] {1000, 999}, wide.stride());
        // Python's slicing messages
        fails(IllegalArgumentException.class, TORCH.error("slice_step0"), () -> x.slice(0, 0, 5, 0));
        fails(IllegalArgumentException.class, "step must be greater than zero", () -> x.slice(0, 0, 5, -1));
    }

    @Test
    void viewsInferSizesExactly() {
        Tensor six = Tensor.ones(6);
        failsLikeTorch("view_two_inferred", () -> six.view(-1, -1));
        failsLikeTorch("view_negative", () -> six.view(-2, 3));
        failsLikeTorch("view_ambiguous", () -> Tensor.ones(0).view(0, -1));
        failsLikeTorch("view_bad", () -> six.view(4, -1));
        failsLikeTorch("view_overflow", () -> six.reshape(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 0));
        fails(IllegalArgumentException.class, "shape '[65536, 65536, 65536, 65536]' is invalid for input of size 6",
                () -> six.view(65536, 65536, 65536, 65536));
        assertArrayEquals(new int[] {0, 5, 0}, Tensor.ones(0).view(0, 5, 0).shape());
        // a broadcast view of more than 2^31 elements flattens only into sizes Ember can hold
        Tensor big = Tensor.ones(1, 1).expand(100000, 100000);
        fails(IllegalArgumentException.class, "flatten(0, -1) of a tensor of sizes [100000, 100000] would have size "
                + "10000000000; Ember's dimensions are at most 2147483647", () -> big.flatten(0, -1));
        fails(IllegalArgumentException.class, "the inferred dimension 0 of shape '[-1]' would have size 10000000000; "
                + "Ember's dimensions are at most 2147483647", () -> big.view(-1));
        assertArrayEquals(new int[] {100000, 100000}, big.view(100000, 100000).shape());
    }

    @Test
    void catAndStackCheckTheirLists() {
        Tensor a = Tensor.ones(2);
        failsLikeTorch("stack_empty", () -> Tensor.stack(List.of(), 0));
        failsLikeTorch("stack_sizes", () -> Tensor.stack(List.of(a, Tensor.ones(3)), 0));
        failsLikeTorch("cat_0d", () -> Tensor.cat(List.of(a, Tensor.scalar(1)), 0));
        fails(IllegalArgumentException.class, "expected Tensor as element 1 in argument 0, but got null",
                () -> Tensor.cat(Arrays.asList(a, null), 0));
        fails(IllegalArgumentException.class, "expected Tensor as element 0 in argument 0, but got null",
                () -> Tensor.stack(Arrays.asList((Tensor) null), 0));
        fails(IllegalArgumentException.class, "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not null",
                () -> Tensor.cat(null, 0));
        Tensor long1 = Tensor.ones(1).expand(Integer.MAX_VALUE - 1);
        fails(IllegalArgumentException.class, "torch.cat(): dimension 0 of the result would have size 4294967294; Ember's "
                + "dimensions are at most 2147483647", () -> Tensor.cat(List.of(long1, long1, Tensor.ones(2)), 0));
        assertEquals("tensor([[1., 1.],\n        [1., 1.]])", Tensor.stack(List.of(a, a), -1).toString());
    }

    @Test
    void selectAndIndexingBounds() {
        Tensor m = Tensor.ones(3, 4);
        fails(IndexOutOfBoundsException.class, TORCH.error("select_oob"), () -> m.select(1, 4));
        fails(IndexOutOfBoundsException.class, TORCH.error("select_neg_oob"), () -> m.select(0, -4));
        fails(IndexOutOfBoundsException.class, TORCH.error("index_oob"), () -> m.get(1, 4));
        fails(IndexOutOfBoundsException.class, TORCH.error("index_too_many"), () -> m.get(1, 1, 1));
        fails(IndexOutOfBoundsException.class, TORCH.error("index_0d"), () -> Tensor.scalar(1).get(0));
        assertEquals("tensor(1.)", m.get(-1, -4).toString());
    }

    @Test
    void factoriesAtTheirEdges() {
        assertValues("linspace1", Tensor.linspace(0, 1, 1));
        assertValues("linspace0", Tensor.linspace(0, 1, 0));
        assertValues("linspace5", Tensor.linspace(-1, 1, 5));
        failsLikeTorch("linspace_neg", () -> Tensor.linspace(0, 1, -1));
        failsLikeTorch("arange_nan", () -> Tensor.arange(0, Double.NaN, 1));
        failsLikeTorch("arange_inf", () -> Tensor.arange(0, Double.POSITIVE_INFINITY, 1));
        failsLikeTorch("arange_nan_start", () -> Tensor.arange(Double.NaN, 1, 1));
        failsLikeTorch("arange_neg_inf", () -> Tensor.arange(Double.NEGATIVE_INFINITY, 1.5, 1));
        assertValues("arange_half", Tensor.arange(0.5, 3.0, 0.5));
        failsLikeTorch("arange_huge", () -> Tensor.arange(0, 1e30, 1.0));
        failsLikeTorch("arange_step0", () -> Tensor.arange(0, 1, 0));
        failsLikeTorch("arange_sign", () -> Tensor.arange(1, 0, 1));
        // PyTorch's first check, xstep > 0 || xstep < 0, which a NaN step fails too (fuzz round 44)
        fails(IllegalArgumentException.class, "step must be nonzero", () -> Tensor.arange(0, 1, Double.NaN));
        fails(IllegalArgumentException.class, "arange(0, 1e+10, 1) has 10000000000 elements; one Ember tensor stores at "
                + "most " + Layout.MAX_STORAGE_ELEMENTS, () -> Tensor.arange(0, 1e10, 1));
        failsLikeTorch("eye_neg", () -> Tensor.eye(-1));
        failsLikeTorch("eye_neg_m", () -> Tensor.eye(2, -1, DType.FLOAT32));
        assertValues("eye_2x3", Tensor.eye(2, 3, DType.FLOAT32));
        assertEquals("tensor([[ True, False],\n        [False,  True]])", Tensor.eye(2, 2, DType.BOOL).toString());
    }

    /** The Java counterpart of PyTorch's exception for the case, with PyTorch's message. */
    private static void raisesLikeTorch(String key, Executable call) {
        fails(TORCH.errorType(key), TORCH.error(key), call);
    }

    @Test
    void viewAndReductionErrorsMatchPyTorch() {
        Tensor a = Tensor.ones(2, 3);
        raisesLikeTorch("permute_len", () -> a.permute(0));
        raisesLikeTorch("permute_dup", () -> a.permute(0, 0));
        raisesLikeTorch("permute_range", () -> a.permute(0, 2));
        raisesLikeTorch("transpose_range", () -> a.transpose(0, 2));
        raisesLikeTorch("squeeze_range", () -> a.squeeze(2));
        raisesLikeTorch("unsqueeze_range", () -> a.unsqueeze(-4));
        raisesLikeTorch("expand_leading_neg", () -> Tensor.ones(3).expand(-1, 3));
        raisesLikeTorch("expand_mismatch", () -> a.expand(2, 4));
        raisesLikeTorch("sum_dup_dims", () -> a.sum(new int[] {0, 0}, false));
        raisesLikeTorch("sum_dim_range", () -> a.sum(2));
        raisesLikeTorch("max_empty", () -> Tensor.ones(0).max());
        raisesLikeTorch("argmax_dim_empty", () -> Tensor.ones(0, 3).argmax(0, false));
        raisesLikeTorch("mean_int", () -> Tensor.ones(DType.INT64, 2).mean());
        raisesLikeTorch("var_int", () -> Tensor.ones(DType.INT64, 2).var());
        raisesLikeTorch("flatten_order", () -> a.flatten(1, 0));
        raisesLikeTorch("view_stride", () -> a.t().view(6));
        raisesLikeTorch("randint_bounds", () -> Tensor.randint(5, 5, 2));
        raisesLikeTorch("rand_long", () -> Tensor.rand(DType.INT64, 2));
        raisesLikeTorch("randn_long", () -> Tensor.randn(DType.INT64, 2));
        raisesLikeTorch("cat_dims", () -> Tensor.cat(List.of(a, Tensor.ones(3)), 0));
        raisesLikeTorch("cat_sizes", () -> Tensor.cat(List.of(a, Tensor.ones(2, 4)), 0));
        raisesLikeTorch("cat_empty", () -> Tensor.cat(List.of(), 0));
        // PyTorch's C++ messages, where the Python one is about Python's own types
        fails(IndexOutOfBoundsException.class, "argmax(): Expected reduction dim to be specified for input.numel() == 0.",
                () -> Tensor.ones(0).argmax());
        fails(IllegalArgumentException.class, "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) "
                + "must be greater or equal to the number of dimensions in the tensor (2)", () -> a.expand(3));
        fails(IllegalArgumentException.class, "a Tensor with 0 elements cannot be converted to Scalar", () -> Tensor.ones(0).item());
        // the kernel's refusal, named as PyTorch 2.x's CPU kernels (SoftMaxKernel.cpp: log_softmax's general kernel
        // dispatches under the name "softmax_kernel_impl", in 1.13 and 2.x alike; its last-dim one under its own)
        fails(UnsupportedOperationException.class, "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'",
                () -> Tensor.ones(DType.INT64, 2).softmax(0));
        fails(UnsupportedOperationException.class, "\"softmax_kernel_impl\" not implemented for 'Long'",
                () -> Tensor.ones(DType.INT64, 2, 3).softmax(0));
        fails(UnsupportedOperationException.class, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Int'",
                () -> Tensor.ones(DType.INT32, 2, 3).logSoftmax(-1));
        fails(UnsupportedOperationException.class, "\"softmax_kernel_impl\" not implemented for 'Bool'",
                () -> Tensor.ones(DType.BOOL, 2, 3).logSoftmax(0));
        fails(UnsupportedOperationException.class, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'",
                () -> Tensor.ones(DType.INT64).logSoftmax(0));
    }

    @Test
    void inPlaceFastPathsCheckWhatTheirOpsCheck() {
        Tensor f = Tensor.ones(2);
        failsLikeTorch("sub_inplace_bool", () -> f.sub_(Tensor.tensor(new boolean[] {true, false})));
        failsLikeTorch("add_inplace_alpha_overflow", () -> f.add_(Tensor.ones(2), 1e40));
        Tensor l = Tensor.zeros(DType.INT64, 2);
        failsLikeTorch("fill_long_nan", () -> l.fill_(Double.NaN));
        failsLikeTorch("fill_float_overflow", () -> Tensor.zeros(2).fill_(1e40));
        failsLikeTorch("full_long_inf", () -> Tensor.full(DType.INT64, Double.POSITIVE_INFINITY, 2));
        failsLikeTorch("full_like_long_nan", () -> l.fullLike(Double.NaN));
        assertEquals("tensor([1., 1.])", f.toString());
        assertEquals(0, f.version());
        assertEquals("tensor([0, 0])", l.toString());
        assertEquals(0, l.version());
    }

    @Test
    void dimensionsOfAZeroDimTensorAndLeafViews() {
        fails(IndexOutOfBoundsException.class, TORCH.error("size_0d"), () -> Tensor.scalar(1).size(0));
        fails(IndexOutOfBoundsException.class, TORCH.error("stride_0d"), () -> Tensor.scalar(1).stride(-1));
        Tensor x = Tensor.zeros(6).reshape(2, 3).requiresGrad_(true); // a leaf that is a view of a leaf without grad
        Throwable e = assertThrows(IllegalStateException.class, () -> x.select(0, 1).fill_(0));
        assertEquals(TORCH.error("leaf_view_write"), e.getMessage());
        assertEquals(0, x.version());
    }

    @Test
    void allcloseAsPyTorch() {
        double inf = Double.POSITIVE_INFINITY;
        assertEquals(TORCH.value("allclose_inf"), pyBool(Tensor.tensor(new double[] {inf, -inf, 1})
                .allclose(Tensor.tensor(new double[] {inf, -inf, 1}))));
        assertEquals(TORCH.value("allclose_inf_sign"), pyBool(Tensor.tensor(new double[] {inf}).allclose(Tensor.tensor(new double[] {-inf}))));
        assertEquals(TORCH.value("allclose_nan"), pyBool(Tensor.tensor(new double[] {Double.NaN})
                .allclose(Tensor.tensor(new double[] {Double.NaN}))));
        assertEquals(TORCH.value("allclose_broadcast"), pyBool(Tensor.ones(2, 3).allclose(Tensor.ones(3))));
        failsLikeTorch("allclose_rtol", () -> Tensor.ones(1).allclose(Tensor.ones(1), -1, 0));
        failsLikeTorch("allclose_atol", () -> Tensor.ones(1).allclose(Tensor.ones(1), 0, -1));
    }

    private static String pyBool(boolean b) {
        return b ? "True" : "False";
    }

    @Test
    void softmaxOverAnEmptyDimensionIsEmpty() {
        Tensor x = Tensor.ones(3, 0).requiresGrad_(true);
        Tensor s = x.softmax(1);
        assertArrayEquals(new int[] {3, 0}, s.shape());
        assertArrayEquals(new int[] {3, 0}, x.logSoftmax(1).shape());
        assertArrayEquals(new int[] {0, 3}, Tensor.ones(0, 3).softmax(1).shape());
        assertEquals(TORCH.value("softmax_empty_dim"), "[[], [], []]");
        s.sum().backward();
        assertArrayEquals(new int[] {3, 0}, x.grad().shape());
    }

    @Test
    void gradientsFiniteWherePyTorchsAre() {
        Tensor c = Tensor.ones(3).requiresGrad_(true);
        c.std().backward();
        assertValues("std_const_grad", c.grad());
        Tensor m = Tensor.tensor(new double[][] {{2, 2, 2}, {1, 2, 4}}).requiresGrad_(true);
        Tensor sd = m.std(new int[] {1}, 1, false);
        assertValues("std_dim_values", sd);
        assertEquals("StdBackward0", sd.gradFn().name());
        sd.sum().backward();
        assertValues("std_dim_const_grad", m.grad());
        Tensor p = Tensor.tensor(new double[][] {{1, 5}, {3, 5}}).requiresGrad_(true);
        p.std(new int[] {0}, 0, false).sum().backward();
        assertValues("std_pop_grad", p.grad());
        Tensor z = Tensor.tensor(new double[] {2, 0, 3}).requiresGrad_(true);
        z.prod().backward(Tensor.scalar(Double.POSITIVE_INFINITY));
        assertValues("prod_grad_one_zero_inf", z.grad());
        Tensor r = Tensor.tensor(new double[] {0.1, 0.7, 3.3}).requiresGrad_(true);
        r.prod().backward(Tensor.scalar(0.3));
        assertArrayEquals(TORCH.values("prod_grad_rounding"), r.grad().toDoubleArray(), 0.0, "g * (prod / x), rounded as PyTorch");
        Tensor mx = Tensor.tensor(new double[][] {{1, 5}, {3, 2}}).requiresGrad_(true);
        mx.max(1, false).values().backward(Tensor.tensor(new double[] {Double.POSITIVE_INFINITY, Double.NaN}));
        assertValues("max_dim_grad_inf_nan", mx.grad());
        for (String key : new String[] {"prod_grad_one_zero", "prod_grad_two_zeros", "prod_grad_no_zero"}) {
            Tensor x = Tensor.tensor(key.equals("prod_grad_one_zero") ? new double[] {2, 0, 3}
                    : key.equals("prod_grad_two_zeros") ? new double[] {2, 0, 0} : new double[] {2, -1.5, 4})
                    .requiresGrad_(true);
            x.prod().backward();
            assertValues(key, x.grad());
        }
    }

    @Test
    void nanPropagatesThroughMaxAndPooling() {
        Tensor nan = Tensor.tensor(new double[] {1, Double.NaN, 3});
        assertValues("max_nan", nan.max());
        assertValues("argmax_nan", nan.argmax());
        Tensor.ValuesIndices mn = Tensor.tensor(new double[][] {{1, Double.NaN}, {2, 3}}).min(1, false);
        assertEquals("tensor([nan, 2.])", mn.values().toString());
        assertEquals("tensor([1, 0])", mn.indices().toString());
        assertTrue(TORCH.value("min_dim_nan").contains("values=tensor([nan, 2.])"));
        Tensor m = Tensor.tensor(new double[] {1, Double.NaN, 3, Double.NaN}).requiresGrad_(true);
        m.max().backward();
        assertValues("max_nan_grad", m.grad());
        Tensor t = Tensor.tensor(new double[] {3, 1, 1}).requiresGrad_(true);
        t.min().backward();
        assertValues("min_tie_grad", t.grad());
        Tensor d = Tensor.tensor(new double[][] {{1, Double.NaN}, {2, 2}}).requiresGrad_(true);
        d.max(1, false).values().sum().backward();
        assertValues("max_dim_nan_grad", d.grad());
        Tensor img = Tensor.tensor(new double[][][][] {{{{1, Double.NaN}, {3, 4}}}});
        assertValues("maxpool_nan", Tensor.maxPool2d(img, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1},
                false));
    }
}
