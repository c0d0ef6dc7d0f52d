package dev.ember;

import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.LSTM;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dynamic quantization ({@link Quantization#quantizeDynamic}, {@link dev.ember.ao.nn.quantized.dynamic.Linear})
 * against resources/quantdynamic/make_expected.py: the quantized weights (PyTorch's observers and quantize, exact),
 * printouts (PyTorch's), the outputs bit for bit against the generator's transcription of FBGEMM's arithmetic (the
 * engine of PyTorch's x86 builds, absent from the Debian build that made the file) and within float32 rounding of this
 * PyTorch's own quantized model (onednn), float16 weights, the swap of layers a model reads through its fields, and the
 * refusals.
 */
class QuantizeDynamicTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/quantdynamic/expected.txt");

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    /** The generator's cases: a, b, c few rows (K 16, 13, 21), d 30 rows over K = 300, e 2 rows over K = 8300. */
    private static final Map<String, int[]> SIZES = Map.of("a", new int[] {16, 8, 4}, "b", new int[] {13, 6},
        "c", new int[] {21, 7, 3}, "d", new int[] {300, 5}, "e", new int[] {8300, 1});
    private static final Map<String, Boolean> BIAS = Map.of("a", true, "b", true, "c", false, "d", true, "e", true);
    private static final List<String> CASES = List.of("a", "b", "c", "d", "e");

    /** The case's float model (Linear, ReLU, Linear, ...) with the generator's weights. */
    private static Sequential floatModel(String name) {
        int[] sizes = SIZES.get(name);
        Module[] layers = new Module[2 * sizes.length - 3];
        for (int i = 0; i < sizes.length - 1; i++) {
            layers[2 * i] = new Linear(sizes[i], sizes[i + 1], BIAS.get(name));
            if (i < sizes.length - 2) {
                layers[2 * i + 1] = new ReLU();
            }
        }
        Sequential m = new Sequential(layers);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            state.put(k, in(name + ".float." + k));
        }
        m.loadStateDict(state);
        return m;
    }

    private static void assertInts(String key, Tensor got) {
        assertArrayEquals(in(key).toLongArray(), got.to(DType.INT64).toLongArray(), key);
    }

    @Test
    void qint8OutputsAreFbgemmsBitForBit() {
        for (String name : CASES) {
            for (String scheme : List.of("pt", "pc")) {
                Sequential m = floatModel(name);
                if (scheme.equals("pt")) {
                    Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QINT8, true);
                    assertEquals(EXPECTED.text(name + ".repr"), m.toString(), name + " printout");
                } else {
                    Quantization.quantizeDynamic(m, Map.of(Linear.class, DynamicQConfig.PER_CHANNEL), true);
                }
                for (int idx = 0; idx < m.children().size(); idx += 2) {
                    var q = (dev.ember.ao.nn.quantized.dynamic.Linear) m.children().get(idx);
                    String key = name + "." + scheme + "." + idx;
                    QuantizedTensor w = q.weight();
                    assertInts(key + ".wint", w.intRepr());
                    if (scheme.equals("pt")) {
                        assertEquals(in(key + ".wzp").toLongArray()[0], w.qZeroPoint(), key);
                        assertEquals(in(key + ".wscale").toDoubleArray()[0], (float) w.qScale(), key);
                    } else {
                        assertInts(key + ".wzp", w.qPerChannelZeroPoints());
                        EXPECTED.assertExact(key + ".wscale", w.qPerChannelScales().to(DType.FLOAT32));
                    }
                    if (idx == 0) {
                        assertEquals(EXPECTED.text(key + ".wrepr"), w.toString(), key + " weight printout");
                    }
                }
                Tensor y = m.apply(in(name + ".x"));
                assertFalse(y.requiresGrad());
                EXPECTED.assertExact(name + "." + scheme + ".fbgemm", y);
                // this PyTorch's onednn kernel: the same integers, its own float order (generator: within 2e-6)
                ReferenceCases.assertClose(name + "." + scheme + ".torch", in(name + "." + scheme + ".torch"), y, 1e-6);
            }
        }
    }

    @Test
    void theScalarTailOfEachRowDividesWhereTheVectorPartUsesAnFma() {
        // one value at column 3 (FMA path) and at column 8 (K % 8 tail): FBGEMM rounds them to 3 and 4
        Linear lin = new Linear(9, 2);
        try (GradMode off = Ember.noGrad()) {
            lin.weight.copy_(in("tie.w"));
            lin.bias.zero_();
        }
        Module m = Quantization.quantizeDynamic(new Sequential(lin), Set.of(Linear.class), QuantDType.QINT8, true);
        EXPECTED.assertExact("tie.fbgemm", m.apply(in("tie.x")));
        assertArrayEquals(new long[] {3, 4}, new long[] {in("tie.qx").toLongArray()[3], in("tie.qx").toLongArray()[8]});
    }

    @Test
    void float16WeightsComputeInFloat32() {
        for (String name : CASES) {
            Sequential m = floatModel(name);
            Quantization.quantizeDynamic(m, Set.of(Linear.class), DType.FLOAT16, true);
            // FBGEMM's fp16 GEMM sums in its own order: float32 sums of up to 8300 products apart
            ReferenceCases.assertClose(name + ".fp16", in(name + ".fp16"), m.apply(in(name + ".x")), 2e-5);
            int[] sizes = SIZES.get(name);
            // PyTorch's DynamicQuantizedLinear.extra_repr for float16: no qscheme (the module is FBGEMM-only, so the
            // generator's PyTorch cannot print it)
            assertEquals("DynamicQuantizedLinear(in_features=" + sizes[0] + ", out_features=" + sizes[1]
                    + ", dtype=torch.float16)", m.children().get(0).toString());
        }
    }

    /** A model that reads its layers through fields, as users write them. */
    static final class TwoLayers extends Module {
        final Linear fc1 = registerModule("fc1", new Linear(16, 8));
        final Linear fc2 = registerModule("fc2", new Linear(8, 4));

        @Override
        public Tensor forward(Tensor x) {
            return fc2.apply(fc1.forward(x).relu()); // one called directly, one through apply
        }
    }

    @Test
    void layersAModelReadsThroughItsFieldsAreSwappedToo() {
        TwoLayers t = new TwoLayers();
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("fc1.weight", in("a.float.0.weight"));
        state.put("fc1.bias", in("a.float.0.bias"));
        state.put("fc2.weight", in("a.float.2.weight"));
        state.put("fc2.bias", in("a.float.2.bias"));
        t.loadStateDict(state);
        Quantization.quantizeDynamic(t, Set.of(Linear.class), QuantDType.QINT8, true);
        EXPECTED.assertExact("a.pt.fbgemm", t.apply(in("a.x")));
        assertTrue(t.parameters().isEmpty(), "the float layers left the model");
        assertInstanceOf(dev.ember.ao.nn.quantized.dynamic.Linear.class, t.getSubmodule("fc1"));
        assertEquals("TwoLayers(\n  (fc1): DynamicQuantizedLinear(in_features=16, out_features=8, dtype=torch.qint8, "
                + "qscheme=torch.per_tensor_affine)\n  (fc2): DynamicQuantizedLinear(in_features=8, out_features=4, "
                + "dtype=torch.qint8, qscheme=torch.per_tensor_affine)\n)", t.toString());
    }

    @Test
    void onlyLinearItselfIsQuantizedAsPyTorchMatchesTypesExactly() {
        MultiheadAttention mha = new MultiheadAttention(8, 2);
        Linear sub = new Linear(4, 4) { };
        Sequential m = new Sequential(mha, sub, new Linear(4, 4));
        Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QINT8, true);
        assertSame(mha, m.children().get(0));
        assertSame(sub, m.children().get(1), "a subclass is not Linear for PyTorch's type(module) lookup");
        assertInstanceOf(dev.ember.ao.nn.quantized.dynamic.Linear.class, m.children().get(2));
    }

    @Test
    void refusalsNameTheProblemAndLeaveTheModelAsItWas() {
        Sequential m = floatModel("a");
        Module first = m.children().get(0);
        // inplace=False (PyTorch's default) quantizes a deep copy and leaves the float model as it was
        Module copy = Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QINT8, false);
        assertNotSame(m, copy);
        assertSame(first, m.children().get(0));
        assertTrue(copy.children().stream().anyMatch(c -> c instanceof dev.ember.ao.nn.quantized.dynamic.Linear));
        assertTrue(m.children().stream().noneMatch(c -> c instanceof dev.ember.ao.nn.quantized.dynamic.Linear));
        assertEquals("Don't know how to quantize with default settings for torch.quint8. Provide full qconfig please",
            assertThrows(IllegalArgumentException.class,
                () -> Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QUINT8, true)).getMessage());
        assertEquals("Don't know how to quantize with default settings for torch.float64. Provide full qconfig please",
            assertThrows(IllegalArgumentException.class,
                () -> Quantization.quantizeDynamic(m, Set.of(Linear.class), DType.FLOAT64, true)).getMessage());
        assertThrows(UnsupportedOperationException.class,
            () -> Quantization.quantizeDynamic(m, Set.of(Linear.class, dev.ember.nn.Conv2d.class), QuantDType.QINT8,
                true), "a class Ember does not quantize dynamically");
        assertSame(first, m.children().get(0), "a refused call swaps nothing");

        Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QINT8, true);
        Module q = m.children().get(0);
        assertEquals("expected scalar type Float but found Double", assertThrows(IllegalArgumentException.class,
            () -> q.apply(Tensor.zeros(DType.FLOAT64, 2, 16))).getMessage());
        assertEquals("The dimension of input tensor should be larger than or equal to 2",
            assertThrows(IllegalArgumentException.class, () -> q.apply(Tensor.zeros(DType.FLOAT32, 16))).getMessage());
        assertEquals("The number of rows in the packB should be equal to K: 5",
            assertThrows(IllegalArgumentException.class, () -> q.apply(Tensor.zeros(DType.FLOAT32, 2, 5))).getMessage());
        UnsupportedOperationException save = assertThrows(UnsupportedOperationException.class, m::stateDict);
        assertTrue(save.getMessage().startsWith("state_dict: the module '0' (DynamicQuantizedLinear) cannot be saved"),
            save.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> m.loadStateDict(Map.of()));
        // an empty batch: an empty output, as FBGEMM's (min and max 0)
        assertArrayEquals(new int[] {0, 8}, q.apply(Tensor.zeros(DType.FLOAT32, 0, 16)).shape());
    }

    @Test
    void setSubmoduleReplacesInPlaceWithPyTorchsMessages() {
        Sequential inner = new Sequential(new Linear(2, 2), new ReLU());
        Sequential m = new Sequential(inner, new Linear(2, 3));
        ReLU r = new ReLU();
        m.setSubmodule("0.0", r);
        assertSame(r, m.getSubmodule("0.0"));
        assertEquals(List.of("0", "1"), List.copyOf(m.namedChildren().keySet()));
        assertEquals("Cannot set the submodule without a target name!",
            assertThrows(IllegalArgumentException.class, () -> m.setSubmodule("", r)).getMessage());
        assertEquals("Sequential has no attribute `5`",
            assertThrows(IllegalArgumentException.class, () -> m.setSubmodule("5.0", r)).getMessage());
        assertEquals("`weight` is not an nn.Module",
            assertThrows(IllegalArgumentException.class, () -> m.setSubmodule("1.weight.x", r)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.setSubmodule("0.x", m), "a module containing its parent");
    }

    /** PyTorch's dynamic quantization tutorial's shape: an LSTM feeding a Linear, read through fields. */
    static final class Tagger extends Module {
        final LSTM lstm = registerModule("lstm", new LSTM(6, 5, 2, true, false, 0, true));
        final Linear fc = registerModule("fc", new Linear(10, 3));

        @Override
        public Tensor forward(Tensor x) {
            return fc.apply(lstm.forward(x, null).output());
        }
    }

    private static Tagger tagger() {
        Tagger t = new Tagger();
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : t.stateDict().keySet()) {
            state.put(k, in("lstm.float." + k));
        }
        t.loadStateDict(state);
        return t;
    }

    @Test
    void lstmsAreQuantizedAsPyTorchsQuantizedLstm() {
        for (String scheme : List.of("pt", "pc")) {
            Tagger t = tagger();
            if (scheme.equals("pt")) {
                Quantization.quantizeDynamic(t, Set.of(LSTM.class, Linear.class), QuantDType.QINT8, true);
                assertEquals(EXPECTED.text("lstm.repr"), t.toString());
            } else {
                Quantization.quantizeDynamic(t, Map.of(LSTM.class, DynamicQConfig.PER_CHANNEL, Linear.class,
                    DynamicQConfig.PER_CHANNEL), true);
            }
            String key = "lstm." + scheme;
            // the field still holds the float LSTM: its forward runs the quantized one
            RnnOutput r = t.lstm.forward(in("lstm.x"), new LstmState(in("lstm.h0"), in("lstm.c0")));
            // the integers are FBGEMM's; the cell's sigmoid and tanh are Ember's float32 ones, within an ulp of
            // PyTorch's, and seven steps of two layers carry those differences through (generator: the transcription
            // is 6e-8 from this PyTorch's onednn kernel)
            ReferenceCases.assertClose(key + ".fbgemm.out", in(key + ".fbgemm.out"), r.output(), 1e-6);
            ReferenceCases.assertClose(key + ".fbgemm.h", in(key + ".fbgemm.h"), r.h(), 1e-6);
            ReferenceCases.assertClose(key + ".fbgemm.c", in(key + ".fbgemm.c"), r.c(), 1e-6);
            ReferenceCases.assertClose(key + ".torch.out", in(key + ".torch.out"), r.output(), 1e-6);
            ReferenceCases.assertClose(key + ".torch.model", in(key + ".torch.model"), t.apply(in("lstm.x")), 1e-6);
            assertFalse(r.output().requiresGrad());
        }
    }

    @Test
    void lstmRefusalsLeaveTheModelAsItWas() {
        Sequential m = new Sequential(new Linear(3, 3), new LSTM(3, 2, 1, false, false, 0, false));
        Module first = m.children().get(0);
        assertThrows(IllegalArgumentException.class,
            () -> Quantization.quantizeDynamic(m, Set.of(Linear.class, LSTM.class), QuantDType.QINT8, true),
            "PyTorch asserts mod.bias");
        assertSame(first, m.children().get(0), "no layer swapped when one is refused");
        Tagger t = tagger();
        Quantization.quantizeDynamic(t, Set.of(LSTM.class), QuantDType.QINT8, true);
        assertEquals("input.size(-1) must be equal to input_size. Expected 6, got 4", assertThrows(
            IllegalArgumentException.class, () -> t.lstm.forward(Tensor.zeros(DType.FLOAT32, 7, 3, 4), null)).getMessage());
        assertEquals("Expected hidden[0] size (4, 3, 5), got [4, 2, 5]", assertThrows(IllegalArgumentException.class,
            () -> t.lstm.forward(in("lstm.x"), new LstmState(Tensor.zeros(DType.FLOAT32, 4, 2, 5),
                Tensor.zeros(DType.FLOAT32, 4, 3, 5)))).getMessage());
        assertThrows(UnsupportedOperationException.class, t::stateDict);
    }

    @Test
    void grusAreQuantizedAsPyTorchsQuantizedGru() {
        dev.ember.nn.GRU gru = new dev.ember.nn.GRU(4, 3, 2, true, true, 0, true);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : gru.stateDict().keySet()) {
            state.put(k, in("gru.float." + k));
        }
        gru.loadStateDict(state);
        Sequential m = new Sequential(gru);
        Quantization.quantizeDynamic(m, Set.of(dev.ember.nn.GRU.class), QuantDType.QINT8, true);
        assertEquals(EXPECTED.text("gru.repr"), m.toString());
        RnnOutput r = gru.forward(in("gru.x"), in("gru.h0")); // the float GRU forwards to its replacement
        // as the LSTM's: FBGEMM's integers, Ember's sigmoid and tanh (the transcription is 6e-8 from onednn's)
        ReferenceCases.assertClose("gru.fbgemm.out", in("gru.fbgemm.out"), r.output(), 1e-6);
        ReferenceCases.assertClose("gru.fbgemm.h", in("gru.fbgemm.h"), r.h(), 1e-6);
        ReferenceCases.assertClose("gru.torch.out", in("gru.torch.out"), r.output(), 1e-6);
        ReferenceCases.assertClose("gru.torch.h", in("gru.torch.h"), r.h(), 1e-6);
        assertEquals("Expected hidden size (4, 2, 3), got [2, 2, 3]", assertThrows(IllegalArgumentException.class,
            () -> gru.forward(in("gru.x"), Tensor.zeros(DType.FLOAT32, 2, 2, 3))).getMessage());
    }

    private static PackedSequence packed() {
        return new PackedSequence(in("packed.data"), in("packed.batch_sizes"), in("packed.sorted_indices"),
            in("packed.unsorted_indices"));
    }

    @Test
    void packedSequencesRunPyTorchsPackedLoop() {
        // four sequences of 3, 7, 1 and 5 steps packed unsorted (pack_sequence(enforce_sorted=False)): the states go in
        // and come out in the original order; the generator's transcription of RNN.cpp's PackedLayer and
        // ReversedPackedLayer is 1.2e-7 from this PyTorch's onednn kernels
        Tagger t = tagger();
        Quantization.quantizeDynamic(t, Set.of(LSTM.class, Linear.class), QuantDType.QINT8, true);
        // the field still holds the float LSTM: its packed forward runs the quantized one, with the hooks' apply too
        PackedRnnOutput r = t.lstm.forward(packed(), new LstmState(in("packed.h0"), in("packed.c0")));
        for (String src : List.of("fbgemm", "torch")) {
            String key = "packed.lstm." + src;
            ReferenceCases.assertClose(key + ".out", in(key + ".out"), r.output().data(), 1e-6);
            ReferenceCases.assertClose(key + ".h", in(key + ".h"), r.h(), 1e-6);
            ReferenceCases.assertClose(key + ".c", in(key + ".c"), r.c(), 1e-6);
        }
        assertArrayEquals(in("packed.batch_sizes").toLongArray(), r.output().batchSizes().toLongArray());
        assertArrayEquals(in("packed.unsorted_indices").toLongArray(), r.output().unsortedIndices().toLongArray());
        PackedRnnOutput zero = t.lstm.apply(packed());
        ReferenceCases.assertClose("packed.lstm.torch.zero.out", in("packed.lstm.torch.zero.out"), zero.output().data(),
            1e-6);
        ReferenceCases.assertClose("packed.lstm.torch.zero.h", in("packed.lstm.torch.zero.h"), zero.h(), 1e-6);

        dev.ember.nn.GRU gru = new dev.ember.nn.GRU(6, 5, 2, true, false, 0, true);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : gru.stateDict().keySet()) {
            state.put(k, in("packed.gru.float." + k));
        }
        gru.loadStateDict(state);
        Quantization.quantizeDynamic(new Sequential(gru), Set.of(dev.ember.nn.GRU.class), QuantDType.QINT8, true);
        PackedRnnOutput g = gru.forward(packed(), in("packed.h0"));
        for (String src : List.of("fbgemm", "torch")) {
            String key = "packed.gru." + src;
            ReferenceCases.assertClose(key + ".out", in(key + ".out"), g.output().data(), 1e-6);
            ReferenceCases.assertClose(key + ".h", in(key + ".h"), g.h(), 1e-6);
        }
        assertNull(g.c());

        // PyTorch's checks (check_input, check_hidden_size), and batch sizes that do not describe the data
        assertEquals("input must have 2 dimensions, got 3", assertThrows(IllegalArgumentException.class,
            () -> t.lstm.forward(new PackedSequence(Tensor.zeros(DType.FLOAT32, 16, 1, 6), in("packed.batch_sizes"),
                null, null), null)).getMessage());
        assertEquals("input.size(-1) must be equal to input_size. Expected 6, got 4", assertThrows(
            IllegalArgumentException.class, () -> t.lstm.forward(new PackedSequence(Tensor.zeros(DType.FLOAT32, 16, 4),
                in("packed.batch_sizes"), null, null), null)).getMessage());
        assertEquals("Expected hidden[0] size (4, 4, 5), got [2, 4, 5]", assertThrows(IllegalArgumentException.class,
            () -> t.lstm.forward(packed(), new LstmState(Tensor.zeros(DType.FLOAT32, 2, 4, 5),
                in("packed.c0")))).getMessage());
        // a batch too small fails first in permute_hidden's index_select, as PyTorch's (checked with PyTorch 1.13)
        assertEquals("INDICES element is out of DATA bounds, id=3 axis_dim=3", assertThrows(RuntimeException.class,
            () -> t.lstm.forward(packed(), new LstmState(Tensor.zeros(DType.FLOAT32, 4, 3, 5),
                in("packed.c0")))).getMessage());
        assertEquals("Expected hidden size (4, 4, 5), got [2, 4, 5]", assertThrows(IllegalArgumentException.class,
            () -> gru.forward(packed(), Tensor.zeros(DType.FLOAT32, 2, 4, 5))).getMessage());
        assertEquals("batch_sizes sum to 16 but the packed data has 15 rows", assertThrows(IllegalArgumentException.class,
            () -> gru.forward(new PackedSequence(Tensor.zeros(DType.FLOAT32, 15, 6), in("packed.batch_sizes"), null,
                null), null)).getMessage());
        assertEquals("batch_sizes must be positive and non-increasing, got [2, 3]", assertThrows(
            IllegalArgumentException.class, () -> gru.forward(new PackedSequence(Tensor.zeros(DType.FLOAT32, 5, 6),
                Tensor.tensor(new long[] {2, 3}), null, null), null)).getMessage());
        assertEquals("Expected sequence length to be larger than 0 in RNN", assertThrows(IllegalArgumentException.class,
            () -> t.lstm.forward(Tensor.zeros(DType.FLOAT32, 0, 3, 6), null)).getMessage());
    }

    @Test
    void theDefaultSpecQuantizesLinearsLstmsGrusAndCells() {
        Tagger t = tagger();
        Quantization.quantizeDynamic(t, true);
        assertEquals(EXPECTED.text("lstm.repr"), t.toString(), "PyTorch's quantize_dynamic(model) printout");
        ReferenceCases.assertClose("lstm.pt.torch.model", in("lstm.pt.torch.model"), t.apply(in("lstm.x")), 1e-6);
    }

    /** A GRU of another class, which from_float refuses as PyTorch's {@code type(mod) == cls} check does. */
    static final class OwnGru extends dev.ember.nn.GRU {
        OwnGru() {
            super(3, 4);
        }
    }

    /**
     * The from_float checks the layers and the cells share (session 45 moved them into one place): a missing module or
     * qconfig, a subclass, a module without biases; each message names the class.
     */
    @Test
    void fromFloatRefusesWhatItCannotQuantize() {
        String pre = "nn.quantized.dynamic.";
        assertEquals(pre + "GRU.from_float needs a GRU and a qconfig", assertThrows(IllegalArgumentException.class,
            () -> dev.ember.ao.nn.quantized.dynamic.GRU.fromFloat(new dev.ember.nn.GRU(3, 4), null)).getMessage());
        assertEquals(pre + "GRU.from_float only works for nn.GRU, not OwnGru", assertThrows(IllegalArgumentException.class,
            () -> dev.ember.ao.nn.quantized.dynamic.GRU.fromFloat(new OwnGru(), DynamicQConfig.PER_CHANNEL)).getMessage());
        assertEquals(pre + "GRU.from_float: the GRU must have biases (PyTorch's assert mod.bias)",
            assertThrows(IllegalArgumentException.class, () -> dev.ember.ao.nn.quantized.dynamic.GRU.fromFloat(
                new dev.ember.nn.GRU(3, 4, 1, false, false, 0.0, false), DynamicQConfig.PER_CHANNEL)).getMessage());
        assertEquals(pre + "RNNCell.from_float needs a RNNCell and a qconfig", assertThrows(IllegalArgumentException.class,
            () -> dev.ember.ao.nn.quantized.dynamic.RNNCell.fromFloat(null, DynamicQConfig.PER_CHANNEL)).getMessage());
        assertEquals(pre + "RNNCell.from_float: the RNNCell must have biases (PyTorch's assert mod.bias)",
            assertThrows(IllegalArgumentException.class, () -> dev.ember.ao.nn.quantized.dynamic.RNNCell.fromFloat(
                new dev.ember.nn.RNNCell(3, 4, false), DynamicQConfig.PER_CHANNEL)).getMessage());
    }

    @Test
    void cellsAreQuantizedAsPyTorchsDynamicCells() {
        // PyTorch's default spec swaps LSTMCell, GRUCell and RNNCell (tanh and relu) too; the cells quantize their input
        // and state over [0, 127] (RNN.cpp sets reduce_range for every cell); the generator's transcription is
        // 0.3-2.4e-7 from this PyTorch's onednn kernel
        dev.ember.nn.LSTMCell lstm = new dev.ember.nn.LSTMCell(6, 5);
        dev.ember.nn.GRUCell gru = new dev.ember.nn.GRUCell(6, 5);
        dev.ember.nn.RNNCell tanh = new dev.ember.nn.RNNCell(6, 5);
        dev.ember.nn.RNNCell relu = new dev.ember.nn.RNNCell(6, 5, true, "relu");
        Sequential m = new Sequential(lstm, gru, tanh, relu);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            state.put(k, in("cells.float." + k));
        }
        m.loadStateDict(state);
        Quantization.quantizeDynamic(m, true);
        assertEquals(EXPECTED.text("cells.repr"), m.toString());
        Tensor x = in("cells.x");
        Tensor h = in("cells.h");
        // the fields still hold the float cells: their forward runs the quantized ones
        LstmState next = lstm.forward(x, new LstmState(h, in("cells.c")));
        Tensor[] outs = {next.h(), gru.forward(x, h), tanh.forward(x, h), relu.forward(x, h)};
        String[] kinds = {"lstm", "gru", "tanh", "relu"};
        for (int i = 0; i < 4; i++) {
            for (String src : List.of("fbgemm", "torch")) {
                String key = "cells." + kinds[i] + "." + src + ".h";
                ReferenceCases.assertClose(key, in(key), outs[i], 1e-6);
            }
            assertFalse(outs[i].requiresGrad());
        }
        ReferenceCases.assertClose("cells.lstm.fbgemm.c", in("cells.lstm.fbgemm.c"), next.c(), 1e-6);
        ReferenceCases.assertClose("cells.lstm.torch.c", in("cells.lstm.torch.c"), next.c(), 1e-6);
        ReferenceCases.assertClose("cells.lstm.torch.zero.h", in("cells.lstm.torch.zero.h"), lstm.apply(x), 1e-6);
        ReferenceCases.assertClose("cells.lstm.fbgemm.zero.h", in("cells.lstm.fbgemm.zero.h"), lstm.apply(x), 1e-6);
        var q = (dev.ember.ao.nn.quantized.dynamic.LSTMCell) m.getSubmodule("0");
        assertEquals(QuantDType.QINT8, q.weightIh().dtype());
        assertArrayEquals(new int[] {20, 5}, q.weightHh().shape());

        // PyTorch's checks (check_forward_input, check_forward_hidden)
        assertEquals("input has inconsistent input_size: got 5, expected 6", assertThrows(IllegalArgumentException.class,
            () -> lstm.forward(Tensor.zeros(DType.FLOAT32, 3, 5), null)).getMessage());
        assertEquals("Input batch size 3 doesn't match hidden[0] batch size 2", assertThrows(
            IllegalArgumentException.class, () -> lstm.forward(x, new LstmState(Tensor.zeros(DType.FLOAT32, 2, 5),
                h))).getMessage());
        assertEquals("hidden[1] has inconsistent hidden_size: got 4, expected 5", assertThrows(
            IllegalArgumentException.class, () -> lstm.forward(x, new LstmState(h, Tensor.zeros(DType.FLOAT32, 3, 4))))
            .getMessage());
        assertEquals("hidden has inconsistent hidden_size: got 4, expected 5", assertThrows(IllegalArgumentException.class,
            () -> gru.forward(x, Tensor.zeros(DType.FLOAT32, 3, 4))).getMessage());
        assertEquals("Input batch size 3 doesn't match hidden batch size 2", assertThrows(IllegalArgumentException.class,
            () -> relu.forward(x, Tensor.zeros(DType.FLOAT32, 2, 5))).getMessage());
        assertThrows(UnsupportedOperationException.class, m::stateDict);
        // PyTorch's from_float asserts mod.bias: a cell without biases is refused and nothing is swapped
        Sequential noBias = new Sequential(new Linear(3, 3), new dev.ember.nn.GRUCell(3, 2, false));
        Module first = noBias.children().get(0);
        assertThrows(IllegalArgumentException.class, () -> Quantization.quantizeDynamic(noBias, true));
        assertSame(first, noBias.children().get(0));
    }

    @Test
    void theFloatLayersHooksMoveToTheQuantizedOne() {
        // PyTorch's swap_module registers the float module's forward pre-hooks and forward hooks on the new module
        Sequential m = floatModel("a");
        Module first = m.children().get(0);
        int[] calls = new int[2];
        first.registerForwardPreHook((mod, in) -> {
            calls[0]++;
            return null;
        });
        first.registerForwardHook((mod, in, out) -> {
            calls[1]++;
            return List.of(out.get(0).mul(2.0));
        });
        Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QINT8, true);
        Sequential plain = floatModel("a");
        Quantization.quantizeDynamic(plain, Set.of(Linear.class), QuantDType.QINT8, true);
        Tensor x = in("a.x");
        Tensor doubled = m.children().get(0).apply(x);
        assertArrayEquals(plain.children().get(0).apply(x).mul(2.0).toFloatArray(), doubled.toFloatArray());
        assertArrayEquals(new int[] {1, 1}, calls, "each hook ran once");
        first.apply(x); // the float layer, held elsewhere, forwards to the quantized one and its hooks
        assertArrayEquals(new int[] {2, 2}, calls);
    }

    @Test
    void noGradientFlowsThroughTheQuantizedOpAsInPyTorch() {
        assertEquals("False None", EXPECTED.text("grad.requires")); // PyTorch: requires_grad False, grad_fn None
        Sequential m = floatModel("a");
        Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QINT8, true);
        Tensor y = m.apply(in("a.x").requiresGrad_(true));
        assertFalse(y.requiresGrad());
        assertEquals(null, y.gradFn());
    }
}
