package dev.ember;

import dev.ember.ao.nn.quantized.PackedEmbeddingBagWeight;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.Module;
import dev.ember.nn.RNN;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile inputs to the API added in sessions 37-39 (session 40's audit): quantized tensors with float zero points,
 * weight-only quantized Embedding/EmbeddingBag and their packed weight, QAT embeddings, the dynamically and statically
 * quantized Linear's weights, and the recurrent layers' no-graph paths (W_hh packed once, fused cells). Every refusal is
 * checked for its exception type, its message (PyTorch's where PyTorch has one: resources/hostileinputs40/
 * make_expected.py, PyTorch 1.13, whose lines are "Type: message") and that every tensor and module involved is as it
 * was: values (bit for bit), shape, strides, version counters, gradients, a module's parameters and buffers and a
 * quantized module's state dict ({@link Quantization#stateDict}, its packed weights unpacked).
 *
 * <p>The regressions of the bugs this audit fixed are named for them: {@link #quantizedBagsBeyondOneTensorAreRefusedNotOverflowed},
 * {@link #perChannelParametersAreCheckedAsPyTorchChecksThem}, {@link #aFreshDynamicLinearComputesWithItsZeroWeight},
 * {@link #weightsWithFloatZeroPointsAreRefusedByLinearPrepack}, {@link #qatEmbeddingsCheckTheirInputBeforeTheFakeQuantizerRuns}
 * and {@link #quantizedEmbeddingConstructorsRefuseInPyTorchsOrder}.
 */
class HostileInputs40Test {
    static final ExpectedLines E = ExpectedLines.load("/hostileinputs40/expected.txt");

    // ------------------------------------------------------------------ the harness

    /** PyTorch's message of a case: its expected line without the exception type. */
    private static String torchMessage(String key) {
        String line = E.get(key);
        int colon = line.indexOf(": ");
        assertTrue(colon > 0 && !line.startsWith("!"), key + " has no error in PyTorch: " + line);
        return line.substring(colon + 2);
    }

    /** Everything observable about a tensor, its gradient's too, with the tensor's identity. */
    private static String describe(Tensor t) {
        return t == null || t.isClosed() ? describeValue(t) : "id=" + System.identityHashCode(t) + " " + describeValue(t);
    }

    /** Everything observable about a tensor but its identity (a state dict's entries are new tensors each time). */
    private static String describeValue(Tensor t) {
        if (t == null) {
            return "null";
        }
        if (t.isClosed()) {
            return "closed";
        }
        double[] v = t.to(DType.FLOAT64).toDoubleArray();
        long[] bits = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = Double.doubleToRawLongBits(v[i]);
        }
        return t.dtype() + Arrays.toString(t.shape()) + Arrays.toString(t.stride()) + "+" + t.storageOffset() + " v"
                + t.version() + " rg=" + t.requiresGrad() + " bits#" + Arrays.hashCode(bits) + " grad="
                + (t.grad() == null ? "null" : describe(t.grad()));
    }

    private static String describe(QuantizedTensor q) {
        String s = q.toString() + " ints=" + Arrays.toString(q.intRepr().to(DType.INT64).toLongArray());
        if (q.qscheme() != QScheme.PER_TENSOR_AFFINE) {
            s += " scales=" + Arrays.toString(q.qPerChannelScales().to(DType.FLOAT64).toDoubleArray()) + " zps="
                    + Arrays.toString(q.qPerChannelZeroPoints().to(DType.FLOAT64).toDoubleArray());
        }
        return s;
    }

    /** A module's training flags, parameters, buffers and, where it has quantized state, its quantized state dict. */
    private static Map<String, String> snapshot(Module m) {
        Map<String, String> s = new LinkedHashMap<>();
        m.namedModules().forEach((k, v) -> s.put(k + ".training", String.valueOf(v.isTraining())));
        m.namedParameters().forEach((k, v) -> s.put("param " + k, describe(v)));
        m.namedBuffers().forEach((k, v) -> s.put("buffer " + k, describe(v)));
        try {
            Quantization.stateDict(m).forEach((k, v) -> s.put("state " + k, v instanceof QuantizedTensor q ? describe(q)
                    : v instanceof Tensor t ? describeValue(t) : String.valueOf(v)));
        } catch (UnsupportedOperationException e) {
            s.put("state", "unsavable"); // a dynamically quantized recurrent layer
        }
        return s;
    }

    private static Map<String, String> snapshotAll(Object... tracked) {
        Map<String, String> s = new LinkedHashMap<>();
        for (int i = 0; i < tracked.length; i++) {
            Object o = tracked[i];
            String key = "#" + i + " ";
            if (o instanceof Tensor t) {
                s.put(key, describe(t));
            } else if (o instanceof QuantizedTensor q) {
                s.put(key, describe(q));
            } else if (o instanceof Module m) {
                snapshot(m).forEach((k, v) -> s.put(key + k, v));
            } else {
                throw new AssertionError("cannot track " + o);
            }
        }
        return s;
    }

    /**
     * {@code call} must throw {@code type} (an internal exception never passes) with {@code message} (null: not
     * checked), and leave every tracked tensor and module as it was.
     */
    private static <T extends Throwable> T refused(String what, Class<T> type, String message, Executable call,
                                                   Object... tracked) {
        Map<String, String> before = snapshotAll(tracked);
        Throwable thrown = null;
        try {
            call.execute();
        } catch (Throwable e) {
            thrown = e;
        }
        if (thrown == null) {
            fail(what + ": no exception, expected " + type.getSimpleName() + ": " + message);
        }
        if (!type.isInstance(thrown)) {
            throw new AssertionError(what + ": expected " + type.getSimpleName() + " but got " + thrown, thrown);
        }
        if (message != null) {
            assertEquals(message, thrown.getMessage(), what);
        }
        Map<String, String> after = snapshotAll(tracked);
        for (Map.Entry<String, String> e : before.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()), what + ": " + e.getKey() + " changed by the refused call");
        }
        assertEquals(before.keySet(), after.keySet(), what + ": the tracked state gained or lost entries");
        return type.cast(thrown);
    }

    /** {@link #refused} with PyTorch's message of {@code key} and an IllegalArgumentException. */
    private static void refusedAsTorch(String key, Executable call, Object... tracked) {
        refused(key, IllegalArgumentException.class, torchMessage(key), call, tracked);
    }

    private static Tensor longs(long... v) {
        return Tensor.tensor(v);
    }

    private static Tensor floats(float... v) {
        return Tensor.tensor(v);
    }

    /** A quint8 embedding bag over a 5 x 4 table of distinct rows. */
    private static dev.ember.ao.nn.quantized.EmbeddingBag bag8() {
        dev.ember.ao.nn.quantized.EmbeddingBag b = new dev.ember.ao.nn.quantized.EmbeddingBag(5, 4);
        b.setWeight(QuantizedTensor.quantizePerChannel(Tensor.arange(20).to(DType.FLOAT32).reshape(5, 4).div(7.0),
            floats(0.1f, 0.2f, 0.05f, 0.1f, 0.3f), floats(0f, 1.5f, -2f, 3f, 0f), 0, QuantDType.QUINT8));
        return b;
    }

    // ------------------------------------------------------------------ quantized tensors

    @Test
    void perChannelParametersAreCheckedAsPyTorchChecksThem() {
        Tensor x = Tensor.arange(12).to(DType.FLOAT32).reshape(3, 4);
        Tensor zl = Tensor.zeros(DType.INT64, 3);
        QuantDType u8 = QuantDType.QUINT8;
        // before the fix: 2-D and 0-D scales, 2-D zero points and integer scales were taken (reshaped or converted)
        refusedAsTorch("err.qpc.scales_2d", () -> QuantizedTensor.quantizePerChannel(x, Tensor.ones(3, 1), zl, 0, u8), x);
        refusedAsTorch("err.qpc.scales_0d", () -> QuantizedTensor.quantizePerChannel(Tensor.zeros(1, 4),
            Tensor.ones(1).reshape(), Tensor.zeros(DType.INT64, 1).reshape(), 0, u8));
        refusedAsTorch("err.qpc.zero_points_2d", () -> QuantizedTensor.quantizePerChannel(x, Tensor.ones(3),
            Tensor.zeros(DType.INT64, 3, 1), 0, u8), x);
        refusedAsTorch("err.qpc.float_zero_points_2d", () -> QuantizedTensor.quantizePerChannel(x, Tensor.ones(3),
            Tensor.zeros(3, 1), 0, u8), x);
        refusedAsTorch("err.qpc.int_scales", () -> QuantizedTensor.quantizePerChannel(x, Tensor.ones(DType.INT64, 3), zl,
            0, u8), x);
        refusedAsTorch("err.qpc.int_scales_float_zero_points", () -> QuantizedTensor.quantizePerChannel(x,
            Tensor.ones(DType.INT64, 3), Tensor.zeros(3), 0, u8), x);
        refusedAsTorch("err.qpc.int_scales_other_length", () -> QuantizedTensor.quantizePerChannel(x,
            Tensor.ones(DType.INT64, 2), zl, 0, u8), x);
        refusedAsTorch("err.qpc.double_input_2d_scales", () -> QuantizedTensor.quantizePerChannel(x.to(DType.FLOAT64),
            Tensor.ones(3, 1), zl, 0, u8), x);
        refusedAsTorch("err.qpc.double_input_int_scales", () -> QuantizedTensor.quantizePerChannel(x.to(DType.FLOAT64),
            Tensor.ones(DType.INT64, 3), zl, 0, u8), x);
        refusedAsTorch("err.qpc.bad_axis_2d_scales", () -> QuantizedTensor.quantizePerChannel(x, Tensor.ones(3, 1), zl,
            5, u8), x);
        Tensor ints = Tensor.zeros(DType.UINT8, 3, 4);
        refusedAsTorch("err.make.zero_points_2d", () -> QuantizedTensor.makePerChannelQuantizedTensor(ints,
            Tensor.ones(DType.FLOAT64, 3), Tensor.zeros(DType.INT64, 3, 1), 0), ints);
        refusedAsTorch("err.make.int_scales", () -> QuantizedTensor.makePerChannelQuantizedTensor(ints,
            Tensor.ones(DType.INT64, 3), zl, 0), ints);
        refusedAsTorch("err.make.bad_axis_2d_scales", () -> QuantizedTensor.makePerChannelQuantizedTensor(ints,
            Tensor.ones(3, 1), zl, 7), ints);
        refused("null scales", IllegalArgumentException.class, null,
            () -> QuantizedTensor.quantizePerChannel(x, null, zl, 0, u8), x);
        refused("null input", IllegalArgumentException.class, null,
            () -> QuantizedTensor.quantizePerChannel(null, Tensor.ones(3), zl, 0, u8));
        // the well-formed call still quantizes, its parameters 1-D
        QuantizedTensor q = QuantizedTensor.quantizePerChannel(x, Tensor.ones(3), Tensor.zeros(3), 0, u8);
        assertEquals(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS, q.qscheme());
        assertArrayEquals(x.toFloatArray(), q.dequantize().toFloatArray(), 0f);
    }

    // ------------------------------------------------------------------ quantized embeddings

    @Test
    void quantizedEmbeddingConstructorsRefuseInPyTorchsOrder() {
        // before the fix: the type was checked first, and a negative row count printed as [rows, dim]
        refusedAsTorch("err.emb.negative_rows", () -> new dev.ember.ao.nn.quantized.Embedding(-3, 4));
        refusedAsTorch("err.emb.negative_cols", () -> new dev.ember.ao.nn.quantized.Embedding(3, -4));
        refusedAsTorch("err.emb.negative_both", () -> new dev.ember.ao.nn.quantized.Embedding(-3, -4));
        refusedAsTorch("err.emb.negative_rows_qint8",
            () -> new dev.ember.ao.nn.quantized.Embedding(-3, 4, QuantDType.QINT8));
        refusedAsTorch("err.emb.qint8", () -> new dev.ember.ao.nn.quantized.Embedding(3, 4, QuantDType.QINT8));
        refusedAsTorch("err.bag.negative_cols", () -> new dev.ember.ao.nn.quantized.EmbeddingBag(3, -4));
        refused("null dtype", IllegalArgumentException.class, null,
            () -> new dev.ember.ao.nn.quantized.Embedding(3, 4, null));
        refused("null mode", IllegalArgumentException.class, "mode has to be one of sum, mean or max",
            () -> new dev.ember.ao.nn.quantized.EmbeddingBag(3, 4, null, 2.0, false, null, false, false,
                QuantDType.QUINT8));
        // sizes whose product overflows a long: PyTorch's message
        refused("huge table", IllegalArgumentException.class, "Storage size calculation overflowed with sizes=["
            + Integer.MAX_VALUE + ", " + Integer.MAX_VALUE + "]",
            () -> new dev.ember.ao.nn.quantized.Embedding(Integer.MAX_VALUE, Integer.MAX_VALUE));
        refused("odd 4-bit rows", IllegalArgumentException.class, null,
            () -> new dev.ember.ao.nn.quantized.Embedding(3, 5, QuantDType.QUINT4X2));
    }

    @Test
    void quantizedEmbeddingLookupsRefuseAsPyTorchAndChangeNothing() {
        dev.ember.ao.nn.quantized.EmbeddingBag b = bag8();
        dev.ember.ao.nn.quantized.Embedding e = new dev.ember.ao.nn.quantized.Embedding(3, 4);
        Tensor idx = longs(0, 1);
        Tensor off = longs(0);
        refusedAsTorch("err.emb.float_indices", () -> e.apply(Tensor.zeros(2)), e);
        refusedAsTorch("err.emb.indices_3d", () -> e.apply(Tensor.zeros(DType.INT64, 2, 2, 2)), e);
        refusedAsTorch("err.bag.indices_0d", () -> b.apply(longs(1).reshape()), b);
        refusedAsTorch("err.bag.float_indices", () -> b.apply(Tensor.zeros(2), off), b, off);
        refusedAsTorch("err.bag.rows_of_length_0", () -> b.apply(Tensor.zeros(DType.INT64, 2, 0)), b);
        refusedAsTorch("err.bag.double_weights", () -> b.apply(idx, off, Tensor.ones(DType.FLOAT64, 2)), b, idx, off);
        refusedAsTorch("err.bag.float_offsets", () -> b.apply(idx, floats(0f)), b, idx);
        refusedAsTorch("err.bag.offsets_2d", () -> b.apply(idx, longs(0).reshape(1, 1)), b, idx);
        refusedAsTorch("err.bag.2d_with_offsets", () -> b.apply(Tensor.zeros(DType.INT64, 2, 2), off), b, off);
        refusedAsTorch("err.bag.1d_without_offsets", () -> b.apply(idx), b, idx);
        refusedAsTorch("err.emb.set_weight_per_tensor", () -> e.setWeight(QuantizedTensor.quantizePerTensor(
            Tensor.zeros(3, 4), 1.0, 0, QuantDType.QUINT8)), e);
        refusedAsTorch("err.emb.set_weight_1d", () -> e.setWeight(QuantizedTensor.quantizePerChannel(Tensor.zeros(3),
            Tensor.ones(3), Tensor.zeros(3), 0, QuantDType.QUINT8)), e);
        refusedAsTorch("err.emb.set_weight_qint8", () -> e.setWeight(QuantizedTensor.quantizePerChannel(
            Tensor.zeros(3, 4), Tensor.ones(3), Tensor.zeros(3), 0, QuantDType.QINT8)), e);

        // indices and offsets out of range, with extreme values: the bag's own messages, nothing changed
        for (long bad : new long[] {-1, 5, Long.MAX_VALUE, Long.MIN_VALUE}) {
            Tensor i = longs(bad, 0);
            refused("index " + bad, IllegalArgumentException.class, "Index 0 is out of bounds: " + bad
                + ", range 0 to 5", () -> b.apply(i, off), b, i, off);
        }
        for (long bad : new long[] {-1, 3, Long.MAX_VALUE}) {
            Tensor o = longs(0, bad);
            refused("offset " + bad, IllegalArgumentException.class, null, () -> b.apply(idx, o), b, idx, o);
        }
        refused("weights of another count", IllegalArgumentException.class, null,
            () -> b.apply(idx, off, Tensor.ones(3)), b, idx, off);
        refused("null indices", IllegalArgumentException.class, "embedding_bag: indices must not be null",
            () -> b.apply(null, off), b, off);
        refused("null weight", IllegalArgumentException.class, null, () -> b.setWeight(null), b);
        refused("weight of another shape", IllegalArgumentException.class, null,
            () -> b.setWeight(QuantizedTensor.quantizePerChannel(Tensor.ones(5, 6), Tensor.ones(5), Tensor.zeros(5), 0,
                QuantDType.QUINT8)), b);
        refused("weight along axis 1", IllegalArgumentException.class, null,
            () -> b.setWeight(QuantizedTensor.quantizePerChannel(Tensor.ones(5, 4), Tensor.ones(4), Tensor.zeros(4), 1,
                QuantDType.QUINT8)), b);
        Tensor closed = longs(0, 1);
        closed.close();
        refused("closed indices", IllegalStateException.class, null, () -> b.apply(closed, off), b, off);
        refused("from_float without observer", IllegalArgumentException.class, null,
            () -> dev.ember.ao.nn.quantized.EmbeddingBag.fromFloat(new dev.ember.nn.EmbeddingBag(3, 4), null));
        refused("from_float of null", IllegalArgumentException.class, null,
            () -> dev.ember.ao.nn.quantized.Embedding.fromFloat(null, null));
        refused("from_qat of null", IllegalArgumentException.class, null,
            () -> dev.ember.ao.nn.quantized.EmbeddingBag.fromQat((dev.ember.ao.nn.qat.EmbeddingBag) null));

        // non-contiguous, expanded and empty inputs compute as their contiguous copies
        Tensor rows = longs(0, 3, 4, 1, 2, 0).reshape(2, 3);
        assertArrayEquals(b.apply(rows).toFloatArray(), b.apply(rows.t().contiguous().t()).toFloatArray(), 0f);
        Tensor strided = longs(0, 3, 4, 1, 2, 0).reshape(3, 2).t();
        assertArrayEquals(b.apply(strided.contiguous()).toFloatArray(), b.apply(strided).toFloatArray(), 0f);
        Tensor expanded = longs(4).expand(3);
        assertArrayEquals(b.apply(longs(4, 4, 4), longs(0, 1)).toFloatArray(),
            b.apply(expanded, longs(0, 1)).toFloatArray(), 0f);
        assertArrayEquals(new int[] {0, 4}, b.apply(Tensor.zeros(DType.INT64, 0, 3)).shape());
        assertArrayEquals(new int[] {0, 4}, b.apply(Tensor.zeros(DType.INT64, 0), Tensor.zeros(DType.INT64, 0)).shape());
    }

    /**
     * Regression: a bag count (or, for Embedding, an index count) times {@code embedding_dim} beyond what one int holds
     * threw ArithmeticException from {@code Math.multiplyExact}; it is refused by Ember's rule for one tensor's
     * storage (the message {@code Tensor.zeros} gives), before anything is allocated. PyTorch would allocate the 16 GB.
     */
    @Test
    void quantizedBagsBeyondOneTensorAreRefusedNotOverflowed() {
        dev.ember.ao.nn.quantized.EmbeddingBag wide = new dev.ember.ao.nn.quantized.EmbeddingBag(1, 20000);
        Tensor noIndices = Tensor.zeros(DType.INT64, 0);
        Tensor offsets = Tensor.zeros(DType.INT64, 200_000); // 200,000 empty bags
        refused("bags x dim", IllegalArgumentException.class, "a tensor of sizes=[200000, 20000] has 4000000000 "
            + "elements; one Ember tensor stores at most " + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS,
            () -> wide.apply(noIndices, offsets), wide, noIndices, offsets);
        // the float module's bag says the same for the same shape
        refused("float bag", IllegalArgumentException.class, "a tensor of sizes=[200000, 20000] has 4000000000 "
            + "elements; one Ember tensor stores at most " + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS,
            () -> new dev.ember.nn.EmbeddingBag(1, 20000, "sum").forward(noIndices, offsets, null));
        dev.ember.ao.nn.quantized.Embedding e = new dev.ember.ao.nn.quantized.Embedding(1, 20000);
        Tensor many = Tensor.zeros(DType.INT64, 500, 500);
        refused("indices x dim", IllegalArgumentException.class, "a tensor of sizes=[500, 500, 20000] has 5000000000 "
            + "elements; one Ember tensor stores at most " + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS,
            () -> e.apply(many), e, many);
        // below the limit the same module computes
        assertArrayEquals(new int[] {3, 20000}, wide.apply(noIndices, Tensor.zeros(DType.INT64, 3)).shape());
        PackedEmbeddingBagWeight p = wide.packedWeight();
        assertEquals(1, p.rows());
    }

    /**
     * A converted model's quantized state dict with an entry replaced by every wrong kind of value, or left out, or with
     * a key that is not a string: refused as a whole (the float Linear's entries too), naming the entry, the model
     * unchanged.
     */
    @Test
    void quantizedStateDictsWithWrongEntriesAreRefusedWhole() {
        Module model = QuantizedEmbeddingTest.converted();
        Quantization.convert(model, true);
        Map<String, Object> good = Quantization.stateDict(model);
        Object[] wrong = {null, "torch.quint8", Tensor.ones(3), 5L, QuantDType.QINT8,
            QuantizedTensor.quantizePerTensor(Tensor.ones(7, 6), 0.1, 0, QuantDType.QUINT8),
            QuantizedTensor.quantizePerChannel(Tensor.ones(3, 6), Tensor.ones(3), Tensor.zeros(3), 0, QuantDType.QUINT8)};
        int cases = 0;
        for (String key : good.keySet()) {
            for (Object bad : wrong) {
                Map<String, Object> sd = new LinkedHashMap<>(good);
                sd.put(key, bad);
                IllegalArgumentException e = refused(key + " = " + bad, IllegalArgumentException.class, null,
                    () -> Quantization.loadStateDict(model, sd), model);
                String local = key.substring(key.indexOf('.') + 1);
                assertTrue(e.getMessage().contains(local), key + ": " + e.getMessage());
                cases++;
            }
            Map<String, Object> missing = new LinkedHashMap<>(good);
            missing.remove(key);
            refused("without " + key, IllegalArgumentException.class, "Error(s) in loading state_dict for Model:\n\t"
                + "Missing key(s) in state_dict: \"" + key + "\". ", () -> Quantization.loadStateDict(model, missing),
                model);
        }
        assertEquals(6 * wrong.length, cases);
        Map<Object, Object> oddKey = new LinkedHashMap<>(good);
        oddKey.put(7, Tensor.ones(1));
        refused("an Integer key", IllegalArgumentException.class, "load_state_dict: the state dict's keys must be "
            + "strings, got Integer", () -> Quantization.loadStateDict(model, oddKey), model);
        refused("null state dict", IllegalArgumentException.class, "Expected state_dict to be dict-like, got null.",
            () -> Quantization.loadStateDict(model, null), model);
        // the good state dict still loads
        Quantization.loadStateDict(model, good);
    }

    /** Dynamically quantized LSTM and cells: wrong inputs and states refused, the layers unchanged. */
    @Test
    void dynamicallyQuantizedRecurrentLayersRefuseWrongInputs() {
        Ember.manualSeed(40);
        Module seq = Quantization.quantizeDynamic(new dev.ember.nn.Sequential(new LSTM(3, 4, 1),
            new dev.ember.nn.LSTMCell(3, 4), new dev.ember.nn.GRUCell(3, 4)), java.util.Set.of(LSTM.class,
            dev.ember.nn.LSTMCell.class, dev.ember.nn.GRUCell.class), QuantDType.QINT8, true);
        dev.ember.ao.nn.quantized.dynamic.LSTM lstm = (dev.ember.ao.nn.quantized.dynamic.LSTM) seq.getSubmodule("0");
        dev.ember.ao.nn.quantized.dynamic.LSTMCell cell = (dev.ember.ao.nn.quantized.dynamic.LSTMCell)
            seq.getSubmodule("1");
        Module gru = seq.getSubmodule("2");
        Tensor nan = Tensor.full(new int[] {2, 1, 3}, Double.NaN).to(DType.FLOAT32);
        refusedAsTorch("err.dynamic_linear.nan_input", () -> lstm.apply(nan), seq, nan);
        refused("double input", IllegalArgumentException.class, "expected scalar type Float but found Double",
            () -> lstm.apply(Tensor.randn(DType.FLOAT64, 2, 1, 3)), seq);
        refused("4-d input", IllegalArgumentException.class, "LSTM: Expected input to be 2D or 3D, got 4D instead",
            () -> lstm.apply(Tensor.randn(2, 1, 3, 1)), seq);
        refused("no steps", IllegalArgumentException.class, "Expected sequence length to be larger than 0 in RNN",
            () -> lstm.apply(Tensor.randn(0, 1, 3)), seq);
        refused("h0 of another batch", IllegalArgumentException.class, "Expected hidden[0] size (1, 1, 4), got [1, 2, 4]",
            () -> lstm.forward(Tensor.randn(2, 1, 3), new LstmState(Tensor.randn(1, 2, 4), Tensor.randn(1, 1, 4))), seq);
        refused("null input", IllegalArgumentException.class, null, () -> lstm.apply((Tensor) null), seq);
        refused("cell: other features", IllegalArgumentException.class,
            "input has inconsistent input_size: got 4, expected 3", () -> cell.apply(Tensor.randn(2, 4)), seq);
        refused("cell: hx of another batch", IllegalArgumentException.class, null,
            () -> cell.forward(Tensor.randn(2, 3), new LstmState(Tensor.randn(3, 4), Tensor.randn(2, 4))), seq);
        refused("cell: double input", IllegalArgumentException.class, "expected scalar type Float but found Double",
            () -> cell.apply(Tensor.randn(DType.FLOAT64, 2, 3)), seq);
        refused("gru cell: half input", IllegalArgumentException.class, "expected scalar type Float but found Half",
            () -> gru.apply(Tensor.randn(2, 3).to(DType.FLOAT16)), seq);
        assertArrayEquals(new int[] {0, 4}, cell.apply(Tensor.randn(0, 3)).shape());
    }

    // ------------------------------------------------------------------ QAT embeddings

    /**
     * Regression: a QAT embedding ran its fake quantizer (observer statistics, scale and zero point) before the lookup
     * checked the input, so a refused call left the module changed; it now checks first (PyTorch's order changes the
     * module: make_expected.py's qat_emb.scale_changed_by_refused_call).
     */
    @Test
    void qatEmbeddingsCheckTheirInputBeforeTheFakeQuantizerRuns() {
        assertEquals("True", E.get("qat_emb.scale_changed_by_refused_call"));
        Ember.manualSeed(40);
        dev.ember.ao.nn.qat.Embedding qe = new dev.ember.ao.nn.qat.Embedding(5, 4, QConfig.DEFAULT_EMBEDDING_QAT);
        dev.ember.ao.nn.qat.EmbeddingBag qb = new dev.ember.ao.nn.qat.EmbeddingBag(5, 4, "sum",
            QConfig.DEFAULT_EMBEDDING_QAT);
        for (int fresh = 0; fresh < 2; fresh++) { // untouched, then after a forward that observed the table
            refused("qat_emb.out_of_range", IndexOutOfBoundsException.class, torchMessage("err.qat_emb.out_of_range"),
                () -> qe.apply(longs(7)), qe);
            refusedAsTorch("err.qat_emb.float_indices", () -> qe.apply(floats(1f)), qe);
            refused("qat_emb.null", IllegalArgumentException.class, null, () -> qe.apply((Tensor) null), qe);
            IndexOutOfBoundsException oob = refused("qat_bag.out_of_range", IndexOutOfBoundsException.class, null,
                () -> qb.forward(longs(9), longs(0), null), qb);
            assertTrue(oob.getMessage().contains(" takes value 9 "), oob.getMessage());
            // PyTorch's message has a second line, the offset's printout ("[ CPULongType{} ]"), as Ember's
            IllegalArgumentException first = refused("qat_bag.first_offset", IllegalArgumentException.class, null,
                () -> qb.forward(longs(1), longs(3), null), qb);
            assertEquals(torchMessage("err.qat_bag.first_offset"), first.getMessage().split("\n")[0]);
            refused("qat_bag.weights_with_max", UnsupportedOperationException.class, null,
                () -> dev.ember.ao.nn.qat.EmbeddingBag.fromFloat(new dev.ember.nn.EmbeddingBag(5, 4, "max"),
                    QConfig.DEFAULT_EMBEDDING_QAT).forward(longs(1, 2), longs(0), Tensor.ones(2)));
            qe.apply(longs(0, 1));
            qb.forward(longs(0, 1), longs(0), null);
        }
        // with max_norm the check renorms a table of its own: the message names the weight's shape, the weight unchanged
        dev.ember.ao.nn.qat.Embedding renorming = dev.ember.ao.nn.qat.Embedding.fromFloat(new dev.ember.nn.Embedding(5,
            4, null, 0.5, 2.0, false, false), QConfig.DEFAULT_EMBEDDING_QAT);
        refused("max_norm out of range", IndexOutOfBoundsException.class,
            "select(): index 9 out of range for tensor of size [5, 4] at dimension 0",
            () -> renorming.apply(longs(1, 9)), renorming);
        // the accepted calls still compute F.embedding of the fake-quantized table, with gradients
        Tensor out = renorming.apply(longs(1, 2));
        assertArrayEquals(new int[] {2, 4}, out.shape());
        assertNotNull(out.gradFn());
    }

    // ------------------------------------------------------------------ quantized Linear layers

    /**
     * Regression: {@code new quantized.dynamic.Linear(in, out)} (qint8) kept its zero weight as float16 values and no
     * packed weight, so its forward refused ("argument 'packed_params' ... not null"), {@code weight()} was null, its
     * printout threw NullPointerException and its state dict held a null weight. PyTorch's layer (qint8 weight of scale
     * 1 and zero point 0) computes: make_expected.py's value.dynamic_linear.in0/out0.
     */
    @Test
    void aFreshDynamicLinearComputesWithItsZeroWeight() {
        dev.ember.ao.nn.quantized.dynamic.Linear l = new dev.ember.ao.nn.quantized.dynamic.Linear(4, 3);
        assertArrayEquals(new float[6], l.apply(Tensor.ones(2, 4)).toFloatArray(), 0f);
        QuantizedTensor w = l.weight();
        assertNotNull(w);
        assertEquals(QuantDType.QINT8, w.dtype());
        assertEquals(QScheme.PER_TENSOR_AFFINE, w.qscheme());
        assertEquals(1.0, w.qScale(), 0.0);
        assertEquals(0, w.qZeroPoint());
        assertArrayEquals(new long[12], w.intRepr().to(DType.INT64).toLongArray());
        assertEquals("DynamicQuantizedLinear(in_features=4, out_features=3, dtype=torch.qint8, "
            + "qscheme=torch.per_tensor_affine)", l.toString());
        assertTrue(Quantization.stateDict(l).get("_packed_params._packed_params") instanceof List<?> p
            && p.get(0) instanceof QuantizedTensor, "the state dict holds the weight");
        E.assertExact("value.dynamic_linear.in0", new dev.ember.ao.nn.quantized.dynamic.Linear(0, 3)
            .apply(Tensor.ones(2, 0)));
        E.assertExact("value.dynamic_linear.out0", new dev.ember.ao.nn.quantized.dynamic.Linear(3, 0)
            .apply(Tensor.ones(2, 3)));
        // the float16 layer is as it was
        assertArrayEquals(new float[6], new dev.ember.ao.nn.quantized.dynamic.Linear(4, 3, true, true)
            .apply(Tensor.ones(2, 4)).toFloatArray(), 0f);
    }

    /**
     * Regression: linear prepack took a qint8 weight with float zero points (per_channel_affine_float_qparams), which
     * PyTorch's prepack refuses; and the dynamic layer's set_weight_bias stored the weight before packing it, so a
     * refused pack left the layer half changed.
     */
    @Test
    void weightsWithFloatZeroPointsAreRefusedByLinearPrepack() {
        Ember.manualSeed(40);
        QuantizedTensor fq = QuantizedTensor.quantizePerChannel(Tensor.randn(3, 4), Tensor.ones(3), Tensor.zeros(3), 0,
            QuantDType.QINT8);
        QuantizedTensor good = QuantizedTensor.quantizePerTensor(Tensor.randn(3, 4), 0.05, 0, QuantDType.QINT8);
        dev.ember.ao.nn.quantized.dynamic.Linear dl = new dev.ember.ao.nn.quantized.dynamic.Linear(4, 3);
        dl.setWeightBias(good, Tensor.randn(3));
        refusedAsTorch("err.dynamic_linear.float_qparams_weight", () -> dl.setWeightBias(fq, null), dl);
        refusedAsTorch("err.dynamic_linear.float_qparams_weight", () -> dl.setWeightBias(fq, Tensor.ones(3)), dl);
        dev.ember.ao.nn.quantized.Linear sl = new dev.ember.ao.nn.quantized.Linear(4, 3, true);
        sl.setWeightBias(good, Tensor.randn(3));
        refusedAsTorch("err.static_linear.float_qparams_weight", () -> sl.setWeightBias(fq, null), sl);
        // the other refusals of set_weight_bias leave the layers as they were too
        refused("dynamic bias 2-d", IllegalArgumentException.class, "bias should have N elements: 3",
            () -> dl.setWeightBias(good, Tensor.ones(1, 3)), dl);
        refused("dynamic weight transposed", IllegalArgumentException.class, null,
            () -> dl.setWeightBias(QuantizedTensor.quantizePerTensor(Tensor.ones(4, 3), 0.1, 0, QuantDType.QINT8), null),
            dl);
        refused("dynamic quint8 weight", IllegalArgumentException.class, null,
            () -> dl.setWeightBias(QuantizedTensor.quantizePerTensor(Tensor.ones(3, 4), 0.1, 0, QuantDType.QUINT8),
                null), dl);
        Tensor closedBias = Tensor.ones(3);
        closedBias.close();
        refused("dynamic closed bias", IllegalStateException.class, null, () -> dl.setWeightBias(good, closedBias), dl);
        refused("static null weight", IllegalArgumentException.class, null, () -> sl.setWeightBias(null, null), sl);
        refused("static bias of another length", IllegalArgumentException.class, "bias should have N elements: 3",
            () -> sl.setWeightBias(good, Tensor.ones(4)), sl);
    }

    @Test
    void dynamicLinearInputsAreRefusedAsPyTorchRefusesThem() {
        Ember.manualSeed(40);
        dev.ember.ao.nn.quantized.dynamic.Linear dl = new dev.ember.ao.nn.quantized.dynamic.Linear(4, 3);
        dl.setWeightBias(QuantizedTensor.quantizePerTensor(Tensor.randn(3, 4), 0.05, 0, QuantDType.QINT8),
            Tensor.randn(3));
        Tensor nan = Tensor.full(new int[] {2, 4}, Double.NaN).to(DType.FLOAT32);
        refusedAsTorch("err.dynamic_linear.nan_input", () -> dl.apply(nan), dl, nan);
        refused("double input", IllegalArgumentException.class, "expected scalar type Float but found Double",
            () -> dl.apply(Tensor.ones(DType.FLOAT64, 2, 4)), dl);
        refused("1-d input", IllegalArgumentException.class, null, () -> dl.apply(Tensor.ones(4)), dl);
        refused("other features", IllegalArgumentException.class, null, () -> dl.apply(Tensor.ones(2, 5)), dl);
        refused("null input", IllegalArgumentException.class, null, () -> dl.apply((Tensor) null), dl);
        // strided, expanded and empty inputs compute as their contiguous copies
        Tensor x = Tensor.randn(4, 2);
        assertArrayEquals(dl.apply(x.t().contiguous()).toFloatArray(), dl.apply(x.t()).toFloatArray(), 0f);
        Tensor row = Tensor.randn(1, 4);
        assertArrayEquals(dl.apply(row.expand(3, 4).contiguous()).toFloatArray(), dl.apply(row.expand(3, 4))
            .toFloatArray(), 0f);
        assertArrayEquals(new int[] {0, 3}, dl.apply(Tensor.ones(0, 4)).shape());
    }

    private static dev.ember.nn.Sequential convBnRelu() {
        Ember.manualSeed(40);
        dev.ember.nn.Sequential m = new dev.ember.nn.Sequential(new dev.ember.nn.Conv2d(2, 3, 3),
            new dev.ember.nn.BatchNorm2d(3), new dev.ember.nn.ReLU());
        try (GradMode off = Ember.noGrad()) { // batch-norm statistics of their own, so that folding them shows
            m.getSubmodule("1").getBuffer("running_mean").copy_(floats(0.5f, -1f, 2f));
            m.getSubmodule("1").getBuffer("running_var").copy_(floats(4f, 0.25f, 1f));
        }
        m.eval();
        return m;
    }

    /**
     * Regression: fuse_modules resolved every group against the unfused model, so a group naming a module an earlier
     * group had fused fused the original modules again: [[conv, bn, relu], [bn, relu]] gave conv (bn folded) + ReLU,
     * then a BNReLU2d applying the batch norm a second time (a silent wrong model), and [[conv, bn], [conv, bn]] was
     * taken. PyTorch fuses group after group, the later group seeing the fused module or an Identity, and refuses
     * these (make_expected.py's err.fuse.*); Ember refuses them before changing anything, naming the same classes, and
     * fuses [[conv, bn], [conv, relu]] as PyTorch does (the fused convolution, then the ReLU).
     */
    @Test
    void fuseModulesSeesTheModulesEarlierGroupsFused() {
        for (String key : List.of("same_group_twice", "overlapping")) {
            assertTrue(E.get("err.fuse." + key).startsWith("AssertionError: did not find fuser method for"), key);
        }
        dev.ember.nn.Sequential twice = convBnRelu();
        UnsupportedOperationException e = refused("the same group twice", UnsupportedOperationException.class, null,
            () -> Quantization.fuseModules(twice, List.of(List.of("0", "1"), List.of("0", "1")), true), twice);
        assertTrue(e.getMessage().startsWith("Cannot fuse modules: (Conv2d, Identity)"), e.getMessage());
        dev.ember.nn.Sequential overlapping = convBnRelu();
        e = refused("overlapping groups", UnsupportedOperationException.class, null,
            () -> Quantization.fuseModules(overlapping, List.of(List.of("0", "1", "2"), List.of("1", "2")), true),
            overlapping);
        assertTrue(e.getMessage().startsWith("Cannot fuse modules: (Identity, Identity)"), e.getMessage());
        dev.ember.nn.Sequential missing = convBnRelu();
        refused("a missing name after a good group", IllegalArgumentException.class, "Sequential has no attribute `7`",
            () -> Quantization.fuseModules(missing, List.of(List.of("0", "1"), List.of("2", "7")), true), missing);

        // [[conv, bn], [conv, relu]]: PyTorch's model, computing as the one-group fusion of conv, bn and relu
        Tensor x = Tensor.randn(1, 2, 5, 5);
        dev.ember.nn.Sequential reference = convBnRelu();
        Tensor want = reference.apply(x);
        Quantization.fuseModules(reference, List.of(List.of("0", "1", "2")), true);
        dev.ember.nn.Sequential stepwise = convBnRelu();
        Quantization.fuseModules(stepwise, List.of(List.of("0", "1"), List.of("0", "2")), true);
        assertEquals(E.text("fuse.conv_bn_then_relu"), stepwise.toString());
        assertArrayEquals(reference.apply(x).toFloatArray(), stepwise.apply(x).toFloatArray(), 0f);
        assertArrayEquals(want.toFloatArray(), stepwise.apply(x).toFloatArray(), 1e-5f);
    }

    /**
     * Regression: {@code sparse_coo_tensor(indices, values)} took each dim's size as its largest index + 1 with
     * {@code Math.toIntExact}, so an index of 2^31 - 1 or more threw ArithmeticException (and a negative index beside
     * one did too, before the negative check). A negative index is refused per dim first, in PyTorch's words; a size
     * past Ember's int dimensions (PyTorch's int64 sizes hold 2^31: make_expected.py's coo.size_index_2p31m1) is refused
     * by Ember's rule for dimensions, in the words of its other size checks.
     */
    @Test
    void sparseSizesInferredFromHugeIndicesAreRefusedNotOverflowed() {
        Tensor values = Tensor.ones(2);
        refusedAsTorch("err.coo.negative_first_dim", () -> dev.ember.sparse.Sparse.cooTensor(longs(-1, Long.MAX_VALUE,
            0, 1).reshape(2, 2), values), values);
        refusedAsTorch("err.coo.negative_second_dim", () -> dev.ember.sparse.Sparse.cooTensor(longs(0, 1, -3, 1)
            .reshape(2, 2), values), values);
        assertTrue(E.get("err.coo.index_2p63m1").startsWith("RuntimeError: "), "PyTorch refuses 2^63 too");
        refused("index 2^63 - 1", IllegalArgumentException.class, "sparse_coo_tensor: dim 0 would have size 2^63 (its "
            + "largest index + 1); Ember's dimensions are at most 2147483647",
            () -> dev.ember.sparse.Sparse.cooTensor(longs(0, Long.MAX_VALUE, 0, 1).reshape(2, 2), values), values);
        assertEquals("[2147483648, 2]", E.get("coo.size_index_2p31m1"));
        refused("index 2^31 - 1", IllegalArgumentException.class, "sparse_coo_tensor: dim 0 would have size 2147483648 "
            + "(its largest index + 1); Ember's dimensions are at most 2147483647",
            () -> dev.ember.sparse.Sparse.cooTensor(longs(0, Integer.MAX_VALUE, 0, 1).reshape(2, 2), values), values);
        refused("index 2^31 in dim 1", IllegalArgumentException.class, "sparse_coo_tensor: dim 1 would have size "
            + "2147483649 (its largest index + 1); Ember's dimensions are at most 2147483647",
            () -> dev.ember.sparse.Sparse.cooTensor(longs(0, 1, 0, 1L << 31).reshape(2, 2), values), values);
        assertEquals(E.get("coo.size_index_2p31m2"), Arrays.toString(dev.ember.sparse.Sparse.cooTensor(
            longs(0, Integer.MAX_VALUE - 1, 0, 1).reshape(2, 2), values).shape()));
    }

    /**
     * Regression: avg_pool2d with {@code divisor_override} gathered every window's taps into one table, whose length
     * {@code outH * outW * kH * kW} went through {@code Math.multiplyExact}: a 1000 x 1000 input pooled by a 500 x 500
     * window at stride 1 threw ArithmeticException. The windows now go in blocks of bounded size
     * ({@code PoolingDivisorBlocksTest}); what is refused is one window whose taps (padding included) exceed one
     * tensor, by Ember's rule for one tensor's storage (PyTorch's kernel loops over the window's taps inside the input);
     * below, it computes (the exact rule: a window of nine ones over a divisor of 3 gives 3).
     */
    @Test
    void avgPool2dWithADivisorRefusesAWindowPastOneTensor() {
        Tensor one = Tensor.ones(1, 1, 1, 1);
        refused("a 46341 x 46341 window", IllegalArgumentException.class, "avg_pool2d with divisor_override gathers each "
            + "window's taps: a window of 2147488281 taps exceeds one Ember tensor, which stores at most "
            + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS + " elements",
            () -> dev.ember.PoolingExtras.avgPool2d(one, new int[] {46341}, new int[] {1}, new int[] {23170}, false,
                true, 3), one);
        Tensor small = Tensor.ones(1, 1, 6, 6);
        Tensor out = dev.ember.PoolingExtras.avgPool2d(small, new int[] {3}, new int[] {1}, new int[] {0}, false, true,
            3);
        assertArrayEquals(new int[] {1, 1, 4, 4}, out.shape());
        float[] threes = new float[16];
        Arrays.fill(threes, 3f);
        assertArrayEquals(threes, out.toFloatArray(), 0f);
    }

    private static Tensor quint8(Tensor x) {
        return QuantizedActivations.carrier(QuantizedTensor.quantizePerTensor(x, 0.1, 0, QuantDType.QUINT8));
    }

    /**
     * Regression: F.adaptive_avg_pool2d of a quantized activation did not check the output size (a negative one threw
     * NegativeArraySizeException, one element threw ArrayIndexOutOfBoundsException, a huge one ArithmeticException)
     * and computed the windows' bounds {@code y * ih} in int (an output of 100000 rows over 30000 input rows indexed
     * out of the input: ArrayIndexOutOfBoundsException). PyTorch's messages for the sizes, Ember's storage rule past
     * one tensor, and PyTorch's integers for the tall case (make_expected.py's value.qadaptive.tall_ints).
     */
    @Test
    void quantizedAdaptiveAvgPoolChecksItsOutputSizeAndIndexesInLong() {
        Tensor q = quint8(Tensor.ones(1, 1, 2, 2));
        refusedAsTorch("err.qadaptive.negative", () -> dev.ember.nn.Functional.adaptiveAvgPool2d(q, new int[] {-3, 2}),
            q);
        refusedAsTorch("err.qadaptive.negative_second",
            () -> dev.ember.nn.Functional.adaptiveAvgPool2d(q, new int[] {2, -1}), q);
        refused("one size", IllegalArgumentException.class, "adaptive_avg_pool2d: output_size must be 2",
            () -> dev.ember.nn.Functional.adaptiveAvgPool2d(q, new int[] {2}), q);
        refused("huge", IllegalArgumentException.class, "a tensor of sizes=[1, 1, 100000, 100000] has 10000000000 "
            + "elements; one Ember tensor stores at most " + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS,
            () -> dev.ember.nn.Functional.adaptiveAvgPool2d(q, new int[] {100000, 100000}), q);
        assertEquals(E.get("qadaptive.empty_shape"), Arrays.toString(dev.ember.nn.Functional.adaptiveAvgPool2d(q,
            new int[] {0, 2}).shape()));
        Tensor tall = quint8(Tensor.arange(30000).to(DType.FLOAT32).div(1000.0).reshape(1, 1, 30000, 1));
        Tensor ints = QuantizedActivations.quantized(dev.ember.nn.Functional.adaptiveAvgPool2d(tall,
            new int[] {100000, 1})).intRepr().to(DType.INT64).reshape(-1);
        long[] all = ints.toLongArray();
        long[] sampled = new long[(all.length + 9972) / 9973];
        for (int i = 0; i < sampled.length; i++) {
            sampled[i] = all[i * 9973];
        }
        E.assertExact("value.qadaptive.tall_ints", Tensor.tensor(sampled));
    }

    /**
     * Regression: the distribution transforms' shape functions computed sizes with {@code Math.multiplyExact} /
     * {@code addExact} / {@code toIntExact} (ArithmeticException) or plain int arithmetic (a wrapped size). PyTorch's
     * Python ints do not overflow: ReshapeTransform compares the exact products (equal products of 2^93 accepted,
     * unequal ones refused in its words); a computed size past Ember's int dimensions (PyTorch's numbers in
     * make_expected.py) is refused by Ember's dimension limit.
     */
    @Test
    void transformShapesPastIntAreExactOrRefused() {
        int m = Integer.MAX_VALUE;
        dev.ember.distributions.ReshapeTransform same = new dev.ember.distributions.ReshapeTransform(
            new int[] {m, m, m}, new int[] {m, m, m});
        assertEquals(E.get("dist.reshape_huge_equal"), Arrays.toString(same.forwardShape(new int[] {5, m, m, m})));
        refused("reshape of other counts", IllegalArgumentException.class,
            torchMessage("err.dist.reshape_huge_differ"), () -> new dev.ember.distributions.ReshapeTransform(
                new int[] {m, m, m}, new int[] {m, m, m - 1}));
        assertEquals("[3, 2147483648]", E.get("dist.stick_forward_shape"));
        refused("stick-breaking forward_shape", IllegalArgumentException.class, "forward_shape: the last dimension "
            + "would have size 2147483648; Ember's dimensions are at most 2147483647",
            () -> new dev.ember.distributions.StickBreakingTransform().forwardShape(new int[] {3, m}));
        refused("stick-breaking inverse_shape", IllegalArgumentException.class, "inverse_shape: the last dimension "
            + "would have size -2147483649; Ember's dimensions are at most 2147483647",
            () -> new dev.ember.distributions.StickBreakingTransform().inverseShape(new int[] {3, Integer.MIN_VALUE}));
        assertEquals("[2449965000]", E.get("dist.corr_inverse_shape"));
        refused("corr-Cholesky inverse_shape", IllegalArgumentException.class, "inverse_shape: the last dimension "
            + "would have size 2449965000; Ember's dimensions are at most 2147483647",
            () -> new dev.ember.distributions.CorrCholeskyTransform().inverseShape(new int[] {70000, 70000}));
        assertArrayEquals(new int[] {3, 6}, new dev.ember.distributions.StickBreakingTransform()
            .forwardShape(new int[] {3, 5}));
        assertArrayEquals(new int[] {6}, new dev.ember.distributions.CorrCholeskyTransform()
            .inverseShape(new int[] {4, 4}));
    }

    /**
     * Regression: histogramdd multiplied its bin counts with {@code Math.multiplyExact} (three dimensions of 2000 bins,
     * or given edge tensors of as many, threw ArithmeticException) and histogram/histogramdd made {@code bins + 1} edges
     * in int (2^31 - 1 bins: NegativeArraySizeException). The histogram and then the edges are checked against one
     * tensor's storage first, as PyTorch allocates them, with Ember's message for such a size (PyTorch would allocate
     * them).
     */
    @Test
    void histogramsPastOneTensorAreRefusedNotOverflowed() {
        Tensor points = Tensor.rand(4, 3);
        String max = String.valueOf(dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS);
        refused("3 x 2000 bins", IllegalArgumentException.class, "a tensor of sizes=[2000, 2000, 2000] has 8000000000 "
            + "elements; one Ember tensor stores at most " + max,
            () -> Tensor.histogramdd(points, 2000, null, null, false), points);
        refused("50000^3 bins", IllegalArgumentException.class, "a tensor of sizes=[50000, 50000, 50000] has "
            + "125000000000000 elements; one Ember tensor stores at most " + max,
            () -> Tensor.histogramdd(points, new int[] {50000, 50000, 50000}, null, null, false), points);
        refused("2^31 - 1 bins", IllegalArgumentException.class, "a tensor of sizes=[2147483647, 1, 1] has 2147483647 "
            + "elements; one Ember tensor stores at most " + max,
            () -> Tensor.histogramdd(points, new int[] {Integer.MAX_VALUE, 1, 1}, null, null, false), points);
        Tensor values = Tensor.rand(5);
        refused("1-d: the edges past one tensor", IllegalArgumentException.class, "a tensor of sizes=[2147483640] has "
            + "2147483640 elements; one Ember tensor stores at most " + max,
            () -> values.histogram(dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS), values);
        Tensor edges = Tensor.linspace(0, 1, 2001);
        refused("given edges", IllegalArgumentException.class, "a tensor of sizes=[2000, 2000, 2000] has 8000000000 "
            + "elements; one Ember tensor stores at most " + max,
            () -> Tensor.histogramdd(points, List.of(edges, edges, edges), null, false), points, edges);
        assertArrayEquals(new int[] {3, 3, 3}, Tensor.histogramdd(points, 3).hist().shape());
    }

    /**
     * Regression: AdaptiveLogSoftmaxWithLoss took a {@code div_value} of NaN silently (a tail layer of no features,
     * Java's {@code (int) NaN}) and one of 0 as an infinite tail layer (refused only by the storage limit). PyTorch's
     * {@code in_features // div_value ** (i + 1)} and {@code int()} refuse both, in Python's words (make_expected.py's
     * err.asm.*); an infinite one still gives tail layers of no features, as PyTorch's.
     */
    @Test
    void adaptiveLogSoftmaxRefusesDivValuesPythonRefuses() {
        refused("div_value 0", IllegalArgumentException.class, torchMessage("err.asm.div_zero"),
            () -> new dev.ember.nn.AdaptiveLogSoftmaxWithLoss(4, 10, new int[] {3, 6}, 0.0, false));
        refused("div_value NaN", IllegalArgumentException.class, torchMessage("err.asm.div_nan"),
            () -> new dev.ember.nn.AdaptiveLogSoftmaxWithLoss(4, 10, new int[] {3, 6}, Double.NaN, false));
        dev.ember.nn.AdaptiveLogSoftmaxWithLoss inf = new dev.ember.nn.AdaptiveLogSoftmaxWithLoss(4, 10, new int[] {3, 6},
            Double.POSITIVE_INFINITY, false);
        List<Integer> widths = new ArrayList<>();
        for (String k : List.of("tail.0.0.weight", "tail.1.0.weight")) {
            widths.add(inf.stateDict().get(k).size(0));
        }
        assertEquals(E.get("asm.div_inf_tail"), widths.toString());
    }

    // ------------------------------------------------------------------ recurrent layers without a graph

    /** The result of a call as text: the exception's type and message, or the outputs' shapes and bits. */
    private static String outcome(Supplier<Object> call) {
        Ember.manualSeed(77);
        try {
            Object o = call.get();
            List<Tensor> ts = new ArrayList<>();
            if (o instanceof Tensor t) {
                ts.add(t);
            } else if (o instanceof LstmState s) {
                ts.add(s.h());
                ts.add(s.c());
            } else if (o instanceof RnnOutput r) {
                ts.add(r.output());
                ts.add(r.h());
                if (r.c() != null) {
                    ts.add(r.c());
                }
            }
            StringBuilder b = new StringBuilder();
            for (Tensor t : ts) {
                b.append(Arrays.toString(t.shape())).append(Arrays.toString(t.toFloatArray()));
            }
            return b.toString();
        } catch (IllegalArgumentException | IndexOutOfBoundsException | IllegalStateException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /**
     * The no-graph paths of session 39 (W_hh packed once for a batch of 1 to 8, the cells' pointwise part fused) must
     * refuse what the graph path refuses, in its words, and compute its bits on expanded, strided, NaN, empty and
     * over-wide inputs (the rule: under no-grad a layer gives exactly what it gives with a graph).
     */
    @Test
    void recurrentNoGraphPathsRefuseAndComputeAsTheGraphPath() {
        Ember.manualSeed(3);
        LSTM lstm = new LSTM(4, 5, 1);
        GRU gru = new GRU(4, 5, 1);
        RNN rnn = new RNN(4, 5, 1);
        Tensor x = Tensor.randn(3, 2, 4);
        Tensor wih = Tensor.randn(20, 4);
        Tensor whh = Tensor.randn(20, 5);
        Tensor bih = Tensor.randn(20);
        Tensor bhh = Tensor.randn(20);
        Tensor gih = Tensor.randn(15, 4);
        Tensor ghh = Tensor.randn(15, 5);
        Map<String, Supplier<Object>> calls = new LinkedHashMap<>();
        calls.put("lstm", () -> lstm.forward(x, null));
        calls.put("lstm expanded h0", () -> lstm.forward(x, new LstmState(Tensor.randn(1, 1, 5).expand(1, 2, 5),
            Tensor.randn(1, 2, 5))));
        calls.put("lstm expanded c0", () -> lstm.forward(x, new LstmState(Tensor.randn(1, 2, 5),
            Tensor.randn(1, 1, 5).expand(1, 2, 5))));
        calls.put("lstm strided h0", () -> lstm.forward(x, new LstmState(Tensor.randn(1, 5, 2).transpose(1, 2),
            Tensor.randn(1, 2, 5))));
        calls.put("lstm NaN h0", () -> lstm.forward(x, new LstmState(Tensor.full(new int[] {1, 2, 5}, Double.NaN)
            .to(DType.FLOAT32), Tensor.randn(1, 2, 5))));
        calls.put("lstm h0 of another batch", () -> lstm.forward(x, new LstmState(Tensor.randn(1, 3, 5),
            Tensor.randn(1, 2, 5))));
        calls.put("lstm c0 of another size", () -> lstm.forward(x, new LstmState(Tensor.randn(1, 2, 5),
            Tensor.randn(1, 2, 6))));
        calls.put("lstm double h0", () -> lstm.forward(x, new LstmState(Tensor.randn(DType.FLOAT64, 1, 2, 5),
            Tensor.randn(1, 2, 5))));
        calls.put("lstm double input", () -> lstm.forward(x.to(DType.FLOAT64), null));
        calls.put("lstm no steps", () -> lstm.forward(Tensor.randn(0, 2, 4), null));
        calls.put("lstm empty batch", () -> lstm.forward(Tensor.randn(3, 0, 4), null));
        calls.put("lstm batch 9", () -> lstm.forward(Tensor.randn(3, 9, 4), null));
        calls.put("lstm strided input", () -> lstm.forward(Tensor.randn(2, 3, 4).transpose(0, 1), null));
        calls.put("gru", () -> gru.forward(x, null));
        calls.put("gru expanded h0", () -> gru.forward(x, Tensor.randn(1, 1, 5).expand(1, 2, 5)));
        calls.put("gru strided h0", () -> gru.forward(x, Tensor.randn(1, 5, 2).transpose(1, 2)));
        calls.put("gru h0 of other layers", () -> gru.forward(x, Tensor.randn(2, 2, 5)));
        calls.put("gru double h0", () -> gru.forward(x, Tensor.randn(DType.FLOAT64, 1, 2, 5)));
        calls.put("rnn", () -> rnn.forward(x, null));
        calls.put("lstm_cell", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 5), Tensor.randn(2, 5), wih,
            whh, bih, bhh));
        calls.put("lstm_cell expanded cx", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 5),
            Tensor.randn(1, 5).expand(2, 5), wih, whh, bih, bhh));
        calls.put("lstm_cell 1-d hx", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(5), Tensor.randn(2, 5),
            wih, whh, bih, bhh));
        calls.put("lstm_cell 3-d cx", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 5),
            Tensor.randn(2, 5, 1), wih, whh, bih, bhh));
        calls.put("lstm_cell double cx", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 5),
            Tensor.randn(DType.FLOAT64, 2, 5), wih, whh, bih, bhh));
        calls.put("lstm_cell bias of another size", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 5),
            Tensor.randn(2, 5), wih, whh, Tensor.randn(19), bhh));
        calls.put("lstm_cell 2-d bias", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 5),
            Tensor.randn(2, 5), wih, whh, Tensor.randn(1, 20), bhh));
        calls.put("lstm_cell null cx", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 5), null, wih, whh,
            bih, bhh));
        calls.put("lstm_cell empty batch", () -> Tensor.lstmCell(Tensor.randn(0, 4), Tensor.randn(0, 5),
            Tensor.randn(0, 5), wih, whh, bih, bhh));
        calls.put("lstm_cell hidden 0", () -> Tensor.lstmCell(Tensor.randn(2, 4), Tensor.randn(2, 0),
            Tensor.randn(2, 0), Tensor.randn(0, 4), Tensor.randn(0, 0), null, null));
        calls.put("gru_cell", () -> Tensor.gruCell(Tensor.randn(2, 4), Tensor.randn(2, 5), gih, ghh, null, null));
        calls.put("gru_cell expanded hx", () -> Tensor.gruCell(Tensor.randn(2, 4), Tensor.randn(1, 5).expand(2, 5),
            gih, ghh, null, null));
        calls.put("gru_cell half hx", () -> Tensor.gruCell(Tensor.randn(2, 4), Tensor.randn(2, 5).to(DType.FLOAT16),
            gih, ghh, null, null));
        calls.put("gru_cell W_hh of another size", () -> Tensor.gruCell(Tensor.randn(2, 4), Tensor.randn(2, 5), gih,
            Tensor.randn(14, 5), null, null));
        calls.put("gru_cell NaN input", () -> Tensor.gruCell(Tensor.full(new int[] {2, 4}, Double.NaN)
            .to(DType.FLOAT32), Tensor.randn(2, 5), gih, ghh, null, null));
        // packed sequences: the batch shrinks step by step, so the packed W_hh (packed for the first step's rows) and
        // the fused cells meet rows they were not packed for
        Tensor padded = Tensor.randn(4, 3, 4);
        calls.put("lstm packed", () -> {
            dev.ember.nn.utils.PackedRnnOutput o = lstm.forward(dev.ember.nn.utils.Rnn.packPaddedSequence(padded,
                new long[] {4, 2, 1}, false, true), null);
            return new RnnOutput(o.output().data(), o.h(), o.c());
        });
        calls.put("gru packed unsorted", () -> {
            dev.ember.nn.utils.PackedRnnOutput o = gru.forward(dev.ember.nn.utils.Rnn.packPaddedSequence(padded,
                new long[] {1, 4, 3}, false, false), null);
            return new RnnOutput(o.output().data(), o.h(), null);
        });
        calls.put("lstm packed h0 of another batch", () -> lstm.forward(dev.ember.nn.utils.Rnn.packPaddedSequence(padded,
            new long[] {4, 2, 1}, false, true), new LstmState(Tensor.randn(1, 2, 5), Tensor.randn(1, 3, 5))).h());
        int refusals = 0;
        for (Map.Entry<String, Supplier<Object>> c : calls.entrySet()) {
            Map<String, String> before = snapshotAll(lstm, gru, rnn, x, wih, whh, bih, bhh, gih, ghh);
            String withGraph = outcome(c.getValue());
            String noGraph;
            try (GradMode off = Ember.noGrad()) {
                noGraph = outcome(c.getValue());
            }
            assertEquals(withGraph, noGraph, c.getKey() + ": the no-graph path differs");
            if (withGraph.contains("Exception: ")) {
                refusals++;
                assertEquals(before, snapshotAll(lstm, gru, rnn, x, wih, whh, bih, bhh, gih, ghh),
                    c.getKey() + ": a refused call changed the layers or inputs");
            }
        }
        assertEquals(14, refusals, "the refused cases");
    }
}
