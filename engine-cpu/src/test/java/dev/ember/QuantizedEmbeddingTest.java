package dev.ember;

import dev.ember.ao.nn.quantized.PackedEmbeddingBagWeight;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.TorchSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weight-only quantized embeddings against PyTorch 1.13 (resources/quantizedembedding/make_expected.py): quantized
 * tensors with float zero points ({@code torch.per_channel_affine_float_qparams}, quint8, qint8 and quint4x2), the
 * packed rows of {@code embedding_bag_prepack} (written by the generator from the C++ source and checked there against
 * PyTorch's lookups), and the lookups of {@code torch.ao.nn.quantized.Embedding} and {@code EmbeddingBag}. Every value
 * is compared exactly: the integers and packed bytes are integers, and the lookups take PyTorch's reference kernel's
 * float steps one for one (see {@link PackedEmbeddingBagWeight}), so their float32 outputs are bit for bit this build's.
 */
class QuantizedEmbeddingTest {
    static final ExpectedLines E = ExpectedLines.load("/quantizedembedding/expected.txt");

    /** Exact equality of shape, dtype and values (NaN equal to NaN, 0.0 to -0.0). */
    static void assertExact(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        assertEquals(expected.dtype(), actual.dtype(), what);
        assertArrayEquals(expected.to(DType.FLOAT64).toDoubleArray(), actual.to(DType.FLOAT64).toDoubleArray(), 0.0, what);
    }

    static void assertExact(String key, Tensor actual) {
        assertExact(E.tensor(key), actual, key);
    }

    @Test
    void floatZeroPointsQuantizeAsPyTorchsQuantizeValFloatQparams() {
        Tensor x = E.tensor("qt.x");
        for (QuantDType dt : List.of(QuantDType.QUINT8, QuantDType.QINT8, QuantDType.QUINT4X2)) {
            String k = "qt." + dt.toString().replace("torch.", "") + ".";
            QuantizedTensor q = QuantizedTensor.quantizePerChannel(x, E.tensor("qt.scales"), E.tensor("qt.zero_points"), 0,
                dt);
            assertExact(k + "int_repr", q.intRepr()); // quint4x2: the packed bytes, 1-D
            assertExact(k + "dequantize", q.dequantize());
            assertEquals(E.get(k + "qscheme"), q.qscheme().toString());
            assertEquals(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS, q.qscheme());
            assertExact(k + "scales", q.qPerChannelScales());
            assertExact(k + "zero_points", q.qPerChannelZeroPoints());
            assertArrayEquals(new int[] {3, 7}, q.shape());
            assertEquals(0, q.qPerChannelAxis());
        }
        // beyond int32, lrintf's long narrowed to int wraps around before the clamp, as in C++
        Tensor wrap = Tensor.tensor(new float[] {3e9f, 5e9f, -3e9f, -5e9f}).reshape(1, 4);
        for (QuantDType dt : List.of(QuantDType.QUINT8, QuantDType.QINT8)) {
            assertExact("qt.wrap." + dt.toString().replace("torch.", ""), QuantizedTensor.quantizePerChannel(wrap,
                Tensor.tensor(new float[] {1f}), Tensor.tensor(new float[] {0f}), 0, dt).intRepr());
        }
    }

    @Test
    void floatQparamsTensorsPrintAsPyTorchsAndQuint4x2PacksTwoValuesAByte() {
        Tensor small = Tensor.tensor(new float[] {0, 1, 2, 3, 4, 5.5f}).reshape(2, 3);
        Tensor scales = Tensor.tensor(new float[] {0.5f, 0.4f});
        Tensor zps = Tensor.tensor(new float[] {0f, -2.5f});
        QuantizedTensor q4 = QuantizedTensor.quantizePerChannel(small, scales, zps, 0, QuantDType.QUINT4X2);
        assertEquals(E.text("qt.small4.str"), q4.toString());
        assertExact("qt.small4.int_repr", q4.intRepr());
        assertExact(Tensor.tensor(new byte[] {0, 2, 4, 5, 8, 11}, DType.UINT8).reshape(2, 3), q4.values(), "values");
        QuantizedTensor q8 = QuantizedTensor.quantizePerChannel(small, scales, zps, 0, QuantDType.QUINT8);
        assertEquals(E.text("qt.small8.str"), q8.toString());
        // the 4-bit values made back into a tensor give the same one
        QuantizedTensor again = QuantizedTensor.makePerChannelQuantizedTensor(q4.values(), scales, zps, 0,
            QuantDType.QUINT4X2);
        assertEquals(q4.toString(), again.toString());
        assertExact(q4.intRepr(), again.intRepr(), "int_repr");
    }

    @Test
    void quint4x2RefusesIntegerZeroPointsAndPerTensorQuantization() {
        Tensor small = Tensor.tensor(new float[] {0, 1, 2, 3, 4, 5.5f}).reshape(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuantizedTensor.quantizePerChannel(
            small, Tensor.tensor(new float[] {0.5f, 0.4f}), Tensor.tensor(new long[] {0, 1}), 0, QuantDType.QUINT4X2));
        assertEquals(E.get("qt.err.int_zp_4bit"), "RuntimeError: " + e.getMessage());
        UnsupportedOperationException t = assertThrows(UnsupportedOperationException.class,
            () -> QuantizedTensor.quantizePerTensor(small, 0.5, 1, QuantDType.QUINT4X2));
        assertEquals("quantize: torch.quint4x2 is supported by Ember per channel with float zero points only "
            + "(torch.per_channel_affine_float_qparams, quantizePerChannel), not per tensor", t.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuantizedTensor.makePerChannelQuantizedTensor(
            Tensor.tensor(new byte[] {16, 0}, DType.UINT8).reshape(1, 2), Tensor.tensor(new float[] {1f}),
            Tensor.tensor(new float[] {0f}), 0, QuantDType.QUINT4X2));
    }

    static ObserverOrFakeQuantize weightObserver(QConfig q) {
        return (ObserverOrFakeQuantize) q.weight().get();
    }

    static QConfig qconfig(int bits) {
        return bits == 8 ? QConfig.FLOAT_QPARAMS_WEIGHT_ONLY : QConfig.FLOAT_QPARAMS_WEIGHT_ONLY_4BIT;
    }

    static Tensor longs(long... v) {
        return Tensor.tensor(v, DType.INT64);
    }

    static final Tensor IDX1 = longs(6, 0, 2, 5, 0, 3);
    static final Tensor IDX2 = longs(1, 4, 4, 0, 6, 2).reshape(2, 3);
    static final Tensor INDICES = longs(1, 2, 4, 5, 4, 3, 2, 0, 6);
    static final Tensor OFFSETS = longs(0, 2, 2, 5);
    static final Tensor LAST = longs(0, 3, 3, 9);

    static Tensor psw() {
        return Tensor.tensor(new float[] {0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.75f, 3.0f, 1.0f, 0.1f});
    }

    static dev.ember.ao.nn.quantized.EmbeddingBag bag(int bits, String mode, boolean last) {
        return dev.ember.ao.nn.quantized.EmbeddingBag.fromFloat(dev.ember.nn.EmbeddingBag.fromPretrained(E.tensor("weight"),
            true, null, 2.0, false, mode, last, null), weightObserver(qconfig(bits)));
    }

    @Test
    void embeddingsQuantizePackAndLookUpAsPyTorchs() {
        for (int bits : new int[] {8, 4}) {
            String k = "b" + bits + ".";
            dev.ember.nn.Embedding fp = dev.ember.nn.Embedding.fromPretrained(E.tensor("weight"), true, 2L);
            dev.ember.ao.nn.quantized.Embedding q = dev.ember.ao.nn.quantized.Embedding.fromFloat(fp,
                weightObserver(qconfig(bits)));
            QuantizedTensor w = q.weight();
            assertExact(k + "int_repr", w.intRepr());
            assertExact(k + "scales", w.qPerChannelScales());
            assertExact(k + "zero_points", w.qPerChannelZeroPoints());
            assertExact(k + "dequantize", w.dequantize());
            assertEquals(E.text(k + "repr"), q.toString());
            assertExact(k + "packed", q.packedWeight().packedWeight());
            assertExact(k + "emb.idx1", q.apply(IDX1));
            assertExact(k + "emb.idx2", q.apply(IDX2));
            assertExact(k + "emb.idx1_int32", q.apply(IDX1.to(DType.INT32)));
        }
        // PyTorch's from_float makes a quint8 module whatever the observer (its lookups then misread the 4-bit rows);
        // Ember's keeps the observer's type, as the module PyTorch's from_reference (and the generator) makes
        assertTrue(E.get("b4.from_float_dtype").contains("dtype=torch.quint8"));
    }

    @Test
    void bagsSumWhateverTheModeAsPyTorchsKernels() {
        for (int bits : new int[] {8, 4}) {
            String k = "b" + bits + ".";
            for (String mode : List.of("sum", "mean", "max")) {
                dev.ember.ao.nn.quantized.EmbeddingBag q = bag(bits, mode, false);
                assertEquals(mode, q.mode());
                assertExact(k + "bag." + mode, q.apply(INDICES, OFFSETS));
                assertEquals(E.text(k + "bag.repr"), q.toString());
            }
            dev.ember.ao.nn.quantized.EmbeddingBag last = bag(bits, "sum", true);
            assertExact(k + "bag.last", last.apply(INDICES, LAST));
            assertExact(k + "bag.last_psw", last.apply(INDICES, LAST, psw()));
            assertExact(k + "bag.last_int32", last.apply(INDICES.to(DType.INT32), LAST.to(DType.INT32)));
            assertExact(k + "bag.last_2d", last.apply(IDX2));
            dev.ember.ao.nn.quantized.EmbeddingBag sum = bag(bits, "sum", false);
            assertExact(k + "bag.psw", sum.apply(INDICES, OFFSETS, psw()));
            assertExact(k + "bag.2d", sum.apply(IDX2));
            if (bits == 4) {
                assertExact(k + "bag.psw_half", sum.apply(INDICES, OFFSETS, psw().to(DType.FLOAT16)));
            }
            // FBGEMM's semantics where this build's reference kernel crashes: no offsets, no bags
            Tensor none = sum.apply(longs(), longs());
            assertArrayEquals(new int[] {0, 6}, none.shape());
            // and where it differs: a first offset above 0 leaves the indices before it out of every bag
            Tensor skip = sum.apply(INDICES, longs(2, 5));
            Tensor from2 = sum.apply(INDICES.narrow(0, 2, 7), longs(0, 3));
            assertExact(from2, skip, "offsets from 2");
        }
    }

    @Test
    void badLookupsAreRefusedInPyTorchsWordsAndChangeNothing() {
        for (int bits : new int[] {8, 4}) {
            String k = "b" + bits + ".";
            dev.ember.ao.nn.quantized.EmbeddingBag q = bag(bits, "sum", false);
            Tensor packed = q.packedWeight().packedWeight();
            assertRefused(k + "err.no_offsets", () -> q.apply(INDICES));
            assertRefused(k + "err.2d_offsets", () -> q.apply(IDX2, longs(0)));
            assertRefused(k + "err.3d", () -> q.apply(IDX2.reshape(1, 2, 3)));
            dev.ember.ao.nn.quantized.Embedding emb = dev.ember.ao.nn.quantized.Embedding.fromFloat(
                dev.ember.nn.Embedding.fromPretrained(E.tensor("weight"), true), weightObserver(qconfig(bits)));
            assertRefused(k + "err.emb_3d", () -> emb.apply(IDX2.reshape(1, 2, 3)));
            assertRefused(k + "err.float_indices", () -> q.apply(INDICES.to(DType.FLOAT32), OFFSETS));
            assertRefused(k + "err.float_offsets", () -> q.apply(INDICES, OFFSETS.to(DType.FLOAT32)));
            assertRefused(k + "err.psw_double", () -> q.apply(INDICES, OFFSETS, psw().to(DType.FLOAT64)));
            // an index outside the table: FBGEMM's message (PyTorch 2.x on x86); this build's reference kernel says
            // "Invalid indices data"
            assertEquals("RuntimeError: Invalid indices data", E.get(k + "err.index_1_13"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.apply(longs(1, 7), longs(0)));
            assertEquals("Index 1 is out of bounds: 7, range 0 to 7", e.getMessage());
            IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> q.apply(longs(-1), longs(0)));
            assertEquals("Index 0 is out of bounds: -1, range 0 to 7", neg.getMessage());
            dev.ember.ao.nn.quantized.EmbeddingBag last = bag(bits, "sum", true);
            IllegalArgumentException end = assertThrows(IllegalArgumentException.class,
                () -> last.apply(INDICES, longs(0, 3, 8)));
            assertEquals("Yout input seems to be incorrect: the last offset value should be the size of the indices tensor, "
                + "but it appears not.", end.getMessage());
            assertThrows(IllegalArgumentException.class, () -> q.apply(INDICES, longs(0, 5, 2)));
            assertThrows(IllegalArgumentException.class, () -> q.apply(INDICES, OFFSETS, psw().narrow(0, 0, 3)));
            assertThrows(IllegalArgumentException.class, () -> last.apply(INDICES, longs()));
            assertExact(packed, q.packedWeight().packedWeight(), "the table is unchanged");
            assertExact(k + "bag.sum", q.apply(INDICES, OFFSETS));
        }
        // set_weight: a weight of another shape, type or scheme is refused, the module unchanged
        dev.ember.ao.nn.quantized.Embedding e8 = new dev.ember.ao.nn.quantized.Embedding(7, 6);
        QuantizedTensor before = e8.weight();
        assertThrows(IllegalArgumentException.class, () -> e8.setWeight(QuantizedTensor.quantizePerChannel(
            Tensor.zeros(DType.FLOAT32, 7, 6), Tensor.ones(DType.FLOAT32, 7), Tensor.zeros(DType.FLOAT32, 7), 0,
            QuantDType.QUINT4X2)));
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class, () -> e8.setWeight(
            QuantizedTensor.quantizePerChannel(Tensor.zeros(DType.FLOAT32, 7, 6), Tensor.ones(DType.FLOAT32, 7),
                Tensor.zeros(DType.INT64, 7), 0, QuantDType.QUINT8)));
        assertEquals("Expect embedding_bag weights to be quantized using kPerChannelAffineFloatQParams", scheme.getMessage());
        assertEquals(before.toString(), e8.weight().toString());
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
            () -> new dev.ember.ao.nn.quantized.Embedding(3, 5, QuantDType.QUINT4X2));
        assertTrue(odd.getMessage().contains("even embedding_dim"), odd.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
            () -> new dev.ember.ao.nn.quantized.Embedding(3, 4, QuantDType.QINT8));
        assertEquals("Unsupported dtype on quantized embedding! Supports quint8 and quint4x2. Got dtype: torch.qint8",
            type.getMessage());
    }

    static void assertRefused(String key, org.junit.jupiter.api.function.Executable f) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, f, key);
        assertEquals(E.get(key), "RuntimeError: " + e.getMessage(), key);
    }

    /** PyTorch's test model: an Embedding, an EmbeddingBag (mean, include_last_offset) and a Linear. */
    static final class Model extends dev.ember.nn.Module {
        Model() {
            registerModule("emb", dev.ember.nn.Embedding.fromPretrained(E.tensor("weight"), false));
            registerModule("bag", dev.ember.nn.EmbeddingBag.fromPretrained(E.tensor("weight").mul(0.5), false, null, 2.0,
                false, "mean", true, null));
            dev.ember.nn.Linear lin = registerModule("lin", new dev.ember.nn.Linear(6, 2));
            try (GradMode off = Ember.noGrad()) {
                lin.getParameter("weight").copy_(Tensor.arange(12).to(DType.FLOAT32).reshape(2, 6).div(10.0));
                lin.getParameter("bias").copy_(Tensor.tensor(new float[] {0.5f, -0.5f}));
            }
        }

        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }

    static Model converted() {
        Model m = new Model();
        Quantization.setQconfig(m.getSubmodule("emb"), QConfig.FLOAT_QPARAMS_WEIGHT_ONLY);
        Quantization.setQconfig(m.getSubmodule("bag"), QConfig.FLOAT_QPARAMS_WEIGHT_ONLY_4BIT);
        Quantization.prepare(m, true);
        return m;
    }

    @Test
    void prepareAndConvertQuantizeTheEmbeddingsAndLeaveTheRestAsPyTorchDoes() {
        Model m = converted();
        // PyTorch 2.x's PlaceholderObserver prints its dtype; 1.13's printed nothing
        assertEquals(E.text("model.prepared").replace("PlaceholderObserver()",
            "PlaceholderObserver(dtype=torch.float32, is_dynamic=False)"), m.toString());
        Quantization.convert(m, true);
        assertEquals(E.text("model.converted"), m.toString());
        assertExact("model.emb", m.getSubmodule("emb").apply(longs(3, 1)));
        assertExact("model.bag", ((dev.ember.ao.nn.quantized.EmbeddingBag) m.getSubmodule("bag")).apply(longs(3, 1, 0),
            longs(0, 1, 3)));
        assertSame(dev.ember.nn.Linear.class, m.getSubmodule("lin").getClass());
    }

    @Test
    void aModelsFieldsRunTheConvertedModulesAsPyTorchsAttributesDo() {
        // a Java model's forward calls its fields (bag.apply(text, offsets)); after convert they must compute as the
        // quantized modules swapped in, as PyTorch's forward reads the swapped attributes (it ran the float bag: mean
        // of the float rows instead of the quantized sum)
        Model m = converted();
        dev.ember.nn.Embedding emb = (dev.ember.nn.Embedding) m.getSubmodule("emb");
        dev.ember.nn.EmbeddingBag bag = (dev.ember.nn.EmbeddingBag) m.getSubmodule("bag");
        Quantization.convert(m, true);
        assertExact("model.emb", emb.forward(longs(3, 1)));
        assertExact("model.emb", emb.apply(longs(3, 1)));
        assertExact("model.bag", bag.apply(longs(3, 1, 0), longs(0, 1, 3)));
        assertExact("model.bag", bag.forward(longs(3, 1, 0), longs(0, 1, 3)));
        assertExact("model.bag", bag.apply(longs(3, 1, 0), longs(0, 1, 3), null));
    }

    @Test
    void otherQconfigsAreRefusedInPyTorchsWordsAndTheModelIsLeftAsItWas() {
        QConfig perChannelAffine = new QConfig(dev.ember.ao.quantization.PlaceholderObserver::new,
            () -> new dev.ember.ao.quantization.PerChannelMinMaxObserver(new dev.ember.ao.quantization.ObserverOptions()
                .dtype(QuantDType.QUINT8).qscheme(QScheme.PER_CHANNEL_AFFINE)));
        QConfig qint8 = new QConfig(dev.ember.ao.quantization.PlaceholderObserver::new,
            () -> new dev.ember.ao.quantization.PerChannelMinMaxObserver(new dev.ember.ao.quantization.ObserverOptions()
                .dtype(QuantDType.QINT8).qscheme(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS)));
        for (String which : List.of("emb", "bag")) {
            for (java.util.Map.Entry<String, QConfig> c : java.util.Map.of("default", QConfig.DEFAULT,
                    "per_channel_affine", perChannelAffine, "qint8", qint8).entrySet()) {
                Model m = new Model();
                Quantization.setQconfig(m.getSubmodule(which), c.getValue());
                Quantization.prepare(m, true);
                String before = m.toString();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Quantization.convert(m, true));
                assertEquals(E.get("err." + which + "." + c.getKey()), "AssertionError: " + e.getMessage());
                assertEquals(before, m.toString(), "the model is as it was");
            }
        }
    }

    @TempDir
    Path tmp;

    @Test
    void stateDictsGoBothWaysWithPyTorchsKeysVersionsAndValues() throws Exception {
        Model m = converted();
        Quantization.convert(m, true);
        java.util.Map<String, Object> sd = Quantization.stateDict(m);
        assertEquals(E.get("model.keys"), String.join(" ", sd.keySet()));
        assertEquals(QuantDType.QUINT8, sd.get("emb._packed_params.dtype"));
        assertEquals(QuantDType.QUINT4X2, sd.get("bag._packed_params.dtype"));
        assertExact("model.bag_int_repr", ((QuantizedTensor) sd.get("bag._packed_params._packed_weight")).intRepr());
        java.util.Map<String, Long> versions = TorchSerialization.versions(sd);
        StringBuilder v = new StringBuilder();
        for (String key : List.of("", "emb", "emb._packed_params", "bag", "bag._packed_params", "lin")) {
            v.append(v.length() == 0 ? "" : " ").append(key.isEmpty() ? "''" : key).append('=').append(versions.get(key));
        }
        assertEquals(E.get("model.versions"), v.toString());

        // PyTorch's file (torch.save(model.state_dict())) into a converted model of other weights
        Path file = tmp.resolve("qembedding_sd.pt");
        try (InputStream in = getClass().getResourceAsStream("/quantizedembedding/qembedding_sd.pt")) {
            Files.write(file, in.readAllBytes());
        }
        java.util.Map<?, ?> torch = (java.util.Map<?, ?>) TorchSerialization.load(file);
        QuantizedTensor bagWeight = (QuantizedTensor) torch.get("bag._packed_params._packed_weight");
        assertEquals(QuantDType.QUINT4X2, bagWeight.dtype());
        assertEquals(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS, bagWeight.qscheme());
        assertExact("model.bag_int_repr", bagWeight.intRepr());
        Model other = converted();
        try (GradMode off = Ember.noGrad()) {
            ((dev.ember.nn.Embedding) other.getSubmodule("emb")).getParameter("weight").mul_(3.0);
        }
        Quantization.convert(other, true);
        Quantization.loadStateDict(other, torch);
        assertExact("model.emb", other.getSubmodule("emb").apply(longs(3, 1)));
        assertExact("model.bag", ((dev.ember.ao.nn.quantized.EmbeddingBag) other.getSubmodule("bag")).apply(
            longs(3, 1, 0), longs(0, 1, 3)));

        // Ember's file reads back to the same state
        Path mine = tmp.resolve("mine.pt");
        TorchSerialization.save(sd, mine);
        java.util.Map<?, ?> back = (java.util.Map<?, ?>) TorchSerialization.load(mine);
        for (String key : List.of("emb._packed_params._packed_weight", "bag._packed_params._packed_weight")) {
            QuantizedTensor a = (QuantizedTensor) sd.get(key);
            QuantizedTensor b = (QuantizedTensor) back.get(key);
            assertEquals(a.toString(), b.toString(), key);
            assertExact(a.intRepr(), b.intRepr(), key);
            assertExact(a.qPerChannelZeroPoints(), b.qPerChannelZeroPoints(), key);
        }
        assertEquals(QuantDType.QUINT4X2, back.get("bag._packed_params.dtype"));

        // a state dict of the wrong type is refused, the model unchanged
        java.util.Map<String, Object> wrong = new java.util.LinkedHashMap<>(sd);
        wrong.put("bag._packed_params.dtype", QuantDType.QUINT8);
        String before = other.getSubmodule("bag").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Quantization.loadStateDict(other, wrong));
        assertTrue(e.getMessage().contains("'_packed_params.dtype' must be torch.quint4x2"), e.getMessage());
        assertEquals(before, other.getSubmodule("bag").toString());
        assertExact("model.emb", other.getSubmodule("emb").apply(longs(3, 1)));
    }
}
