package dev.ember;

import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.FakeQuantize;
import dev.ember.ao.quantization.NoopObserver;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Quantization-aware training of embeddings against PyTorch 1.13 (resources/qatembedding/make_expected.py):
 * {@code torch.ao.nn.qat.Embedding}/{@code EmbeddingBag} ({@link dev.ember.ao.nn.qat.Embedding},
 * {@link dev.ember.ao.nn.qat.EmbeddingBag}), {@code default_embedding_qat_qconfig} and its 4-bit form
 * ({@link QConfig#DEFAULT_EMBEDDING_QAT}), {@code prepare_qat} of an EmbeddingBag(sum) + QuantStub + Linear +
 * DeQuantStub model (the bag with the embedding QAT qconfig, as PyTorch's {@code get_embedding_qat_module_mappings()};
 * the rest with {@code get_default_qat_qconfig("fbgemm")}), three SGD steps with momentum (losses, gradients, trained
 * state), then {@code convert}: the bag's integers, scales and float zero points exactly, its output, the Linear's
 * integers as FBGEMM computes them; printouts, state dict keys and PyTorch's assertion messages.
 */
class QatEmbeddingTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/qatembedding/expected.txt");

    private static Sequential model() {
        return new Sequential(new EmbeddingBag(10, 6, "sum"), new QuantStub(), new Linear(6, 3), new DeQuantStub());
    }

    private static void assertClose(String key, Tensor got, double rtol, double atol) {
        Tensor want = EXPECTED.tensor(key);
        assertArrayEquals(want.shape(), got.shape(), key + " shape");
        double[] w = want.to(DType.FLOAT64).toDoubleArray();
        double[] g = got.to(DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], g[i], Double.isFinite(w[i]) ? rtol * Math.abs(w[i]) + atol : 0, key + "[" + i + "]");
        }
    }

    private static void assertState(Module m, String prefix, double rtol) {
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            assertClose(prefix + e.getKey(), e.getValue(), rtol, rtol == 0 ? 0 : 1e-7);
        }
    }

    private static void assertInts(String key, QuantizedTensor q) {
        Tensor want = EXPECTED.tensor(key);
        assertArrayEquals(want.to(DType.INT64).toLongArray(), q.intRepr().to(DType.INT64).toLongArray(), key);
    }

    @Test
    void embeddingQatQconfigsPrintAsPyTorch() {
        assertEquals(EXPECTED.text("qconfig.weight"), QConfig.DEFAULT_EMBEDDING_QAT.weight().get().toString());
        assertEquals(EXPECTED.text("qconfig.weight4"), QConfig.DEFAULT_EMBEDDING_QAT_4BIT.weight().get().toString());
        assertEquals(EXPECTED.text("qconfig.activation"), QConfig.DEFAULT_EMBEDDING_QAT.activation().get().toString());
        assertEquals(EXPECTED.text("qconfig.weight"), FakeQuantize.defaultEmbeddingFakeQuant().toString());
        NoopObserver noop = new NoopObserver(DType.FLOAT32);
        assertEquals(DType.FLOAT32, noop.dtype());
        Tensor x = Tensor.ones(2);
        assertSame(x, noop.apply(x));
        assertEquals("calculate_qparams should not be called for NoopObserver",
            assertThrows(UnsupportedOperationException.class, noop::calculateQparams).getMessage());
    }

    @Test
    void anEmbeddingBagAndLinearTrainThreeStepsAndConvertAsPyTorch() {
        Sequential m = model();
        StaticQuantizationTest.loadExpected(m, EXPECTED, "float.");
        Tensor floatWeight = m.getSubmodule("0").getParameter("weight");
        m.train();
        Quantization.setQconfig(m, QConfig.getDefaultQatQconfig("fbgemm"));
        Quantization.setQconfig(m.getSubmodule("0"), QConfig.DEFAULT_EMBEDDING_QAT);
        Quantization.prepareQat(m, true);
        var bag = assertInstanceOf(dev.ember.ao.nn.qat.EmbeddingBag.class, m.getSubmodule("0"));
        assertInstanceOf(dev.ember.ao.nn.qat.Linear.class, m.getSubmodule("2"));
        assertEquals(EXPECTED.text("prepared"), m.toString(), "prepared printout");
        assertEquals(EXPECTED.get("prepared.keys"), String.join(" ", m.stateDict().keySet()), "prepared keys");
        assertState(m, "prepared.", 0);
        // a new parameter over the float weight's storage, as PyTorch's Parameter(_weight)
        Tensor qatWeight = bag.getParameter("weight");
        assertEquals("False", EXPECTED.get("prepared.same_parameter"));
        assertEquals("True", EXPECTED.get("prepared.same_storage"));
        assertNotSame(floatWeight, qatWeight);
        assertEquals(true, qatWeight.requiresGrad());
        try (GradMode off = Ember.noGrad()) {
            Tensor saved = floatWeight.clone();
            floatWeight.fill_(0.5);
            assertArrayEquals(Tensor.full(DType.FLOAT32, 0.5, 10, 6).toFloatArray(), qatWeight.toFloatArray(), "shared storage");
            floatWeight.copy_(saved);
        }

        dev.ember.optim.SGD opt = new dev.ember.optim.SGD(m.parameters(), 0.1, 0.9, 0, 0, false);
        Tensor xs = EXPECTED.tensor("xs");
        Tensor ys = EXPECTED.tensor("ys");
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            Tensor out = m.apply(xs.select(0, i));
            if (i == 0) {
                assertClose("out.0", out, 1e-5, 1e-6);
                // the fake-quantized table: float zero points, lrintf(x / scale + zp) clamped to [0, 255]
                assertClose("fq.0", bag.weightFakeQuant().apply(qatWeight.detach()), 0, 0);
            }
            Tensor loss = dev.ember.nn.Functional.mseLoss(out, ys.select(0, i));
            loss.backward();
            // the bag's gradient passes the fake quantizer where the rounded value lies in [0, 255]
            assertClose("grad." + i + ".0.weight", qatWeight.grad(), 1e-4, 1e-6);
            assertClose("grad." + i + ".2.weight", m.getSubmodule("2").getParameter("weight").grad(), 1e-4, 1e-6);
            assertClose("grad." + i + ".2.bias", m.getSubmodule("2").getParameter("bias").grad(), 1e-4, 1e-6);
            opt.step();
            double want = Double.parseDouble(EXPECTED.get("loss." + i));
            assertEquals(want, loss.item(), 1e-5 * Math.abs(want), "loss " + i);
        }
        assertState(m, "trained.", 2e-4);

        // convert what PyTorch trained, for exact integers
        Map<String, Tensor> trained = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            trained.put(k, EXPECTED.tensor("trained." + k));
        }
        m.loadStateDict(trained);
        m.eval();
        Quantization.convert(m, true);
        var qbag = assertInstanceOf(dev.ember.ao.nn.quantized.EmbeddingBag.class, m.getSubmodule("0"));
        var lin = assertInstanceOf(dev.ember.ao.nn.quantized.Linear.class, m.getSubmodule("2"));
        assertInts("q.0.ints", qbag.weight());
        assertArrayEquals(EXPECTED.tensor("q.0.scales").toDoubleArray(), qbag.weight().qPerChannelScales().toDoubleArray());
        assertArrayEquals(EXPECTED.tensor("q.0.zero_points").toDoubleArray(),
            qbag.weight().qPerChannelZeroPoints().toDoubleArray(), "float zero points");
        assertInts("q.2.weight.ints", lin.weight());
        assertArrayEquals(EXPECTED.tensor("q.2.weight.scales").toDoubleArray(), lin.weight().qPerChannelScales()
            .toDoubleArray());
        assertArrayEquals(EXPECTED.tensor("q.2.weight.zero_points").toLongArray(), lin.weight().qPerChannelZeroPoints()
            .toLongArray());
        assertArrayEquals(EXPECTED.tensor("q.2.bias").toFloatArray(), lin.bias().toFloatArray(), 1e-6f);
        String[] qp = EXPECTED.get("q.2.out_qparams").split(" ");
        double scale = Double.parseDouble(qp[0]);
        assertEquals(scale, lin.scale(), 4e-7 * scale, "linear output scale");
        assertEquals(Long.parseLong(qp[1]), lin.zeroPoint());
        lin.setOutputQParams(scale, Long.parseLong(qp[1]));
        assertEquals(EXPECTED.text("converted"), m.toString(), "converted printout");
        assertEquals(EXPECTED.get("converted.keys"), String.join(" ", Quantization.stateDict(m).keySet()));

        Map<String, Tensor> seen = new LinkedHashMap<>();
        for (String idx : List.of("0", "1", "2")) {
            m.getSubmodule(idx).registerForwardHook((mod, ins, outs) -> {
                seen.put(idx, outs.get(0));
                return null;
            });
        }
        Tensor y = m.apply(EXPECTED.tensor("x"));
        assertArrayEquals(EXPECTED.tensor("bag.out").toFloatArray(), seen.get("0").toFloatArray(), "bag output");
        assertInts("ints.1", QuantizedActivations.quantized(seen.get("1")));
        assertInts("ints.2", QuantizedActivations.quantized(seen.get("2")));
        assertArrayEquals(EXPECTED.tensor("out").toFloatArray(), y.toFloatArray(), "output");
    }

    /** A 4-bit QAT Embedding with a padding row: forward, gradient, fake quantizer's buffers and conversion. */
    @Test
    void aFourBitEmbeddingFakeQuantizesAndConvertsAsPyTorch() {
        Embedding e = new Embedding(7, 4, 2L);
        e.loadStateDict(Map.of("weight", EXPECTED.tensor("e4.float.weight")));
        var qe = dev.ember.ao.nn.qat.Embedding.fromFloat(e, QConfig.DEFAULT_EMBEDDING_QAT_4BIT);
        assertEquals("False", EXPECTED.get("e4.shares_weight"));
        assertNotSame(e.getParameter("weight"), qe.getParameter("weight"));
        assertEquals(EXPECTED.text("e4.repr"), qe.toString());
        assertEquals(EXPECTED.get("e4.keys"), String.join(" ", qe.stateDict().keySet()));
        Tensor idx = EXPECTED.tensor("e4.idx");
        Tensor out = qe.apply(idx);
        assertClose("e4.out", out, 0, 0);
        out.mul(Tensor.arange(1.0, 5.0)).sum().backward();
        assertClose("e4.grad", qe.getParameter("weight").grad(), 1e-6, 0); // no gradient for the padding row
        assertClose("e4.scale", ((FakeQuantize) qe.weightFakeQuant()).scale(), 0, 0);
        assertClose("e4.zero_point", ((FakeQuantize) qe.weightFakeQuant()).zeroPoint(), 0, 0);
        var q = dev.ember.ao.nn.quantized.Embedding.fromQat(qe);
        assertInts("e4.q.ints", q.weight());
        assertArrayEquals(EXPECTED.tensor("e4.q.scales").toDoubleArray(), q.weight().qPerChannelScales().toDoubleArray());
        assertArrayEquals(EXPECTED.tensor("e4.q.zero_points").toDoubleArray(),
            q.weight().qPerChannelZeroPoints().toDoubleArray());
        assertArrayEquals(EXPECTED.tensor("e4.q.out").toFloatArray(), q.apply(idx.reshape(-1)).toFloatArray());
    }

    /** A QAT EmbeddingBag with offsets and per-sample weights: forward, gradient and the fake quantizer's printout. */
    @Test
    void aBagWithOffsetsAndPerSampleWeightsAsPyTorch() {
        EmbeddingBag b = new EmbeddingBag(5, 4, "sum");
        b.loadStateDict(Map.of("weight", EXPECTED.tensor("b.float.weight")));
        var qb = dev.ember.ao.nn.qat.EmbeddingBag.fromFloat(b, QConfig.DEFAULT_EMBEDDING_QAT);
        Tensor out = qb.apply(Tensor.tensor(new long[] {1, 2, 4, 0, 4, 3}), Tensor.tensor(new long[] {0, 2, 2}),
            Tensor.tensor(new float[] {0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.75f}));
        assertClose("b.out", out, 1e-6, 1e-7);
        out.sum().backward();
        assertClose("b.grad", qb.getParameter("weight").grad(), 1e-6, 0);
        assertEquals(EXPECTED.text("b.repr"), qb.toString());
    }

    private static void refused(String key, Executable f) {
        String want = EXPECTED.get(key);
        String msg = assertThrows(IllegalArgumentException.class, f, key).getMessage();
        assertEquals(want, "AssertionError: " + msg, key);
    }

    /** PyTorch's assertions, each before anything changes; a non-embedding qconfig leaves the embedding float. */
    @Test
    void refusalsInPyTorchsWords() {
        QConfig qatDefault = QConfig.getDefaultQatQconfig("fbgemm");
        refused("err.no_qconfig", () -> new dev.ember.ao.nn.qat.Embedding(5, 3, null));
        refused("err.bag_no_qconfig", () -> new dev.ember.ao.nn.qat.EmbeddingBag(5, 3, "mean", null));
        refused("err.scheme", () -> new dev.ember.ao.nn.qat.Embedding(5, 3, qatDefault));
        refused("err.bag_scheme", () -> new dev.ember.ao.nn.qat.EmbeddingBag(5, 3, "mean", qatDefault));
        Embedding e5 = new Embedding(5, 3);
        EmbeddingBag b5 = new EmbeddingBag(5, 3);
        String e5Before = e5.toString();
        float[] e5Weight = e5.getParameter("weight").toFloatArray();
        refused("err.from_float_type", () -> dev.ember.ao.nn.qat.Embedding.fromFloat(
            dev.ember.ao.nn.qat.Embedding.fromFloat(e5, QConfig.DEFAULT_EMBEDDING_QAT), QConfig.DEFAULT_EMBEDDING_QAT));
        refused("err.from_float_none", () -> dev.ember.ao.nn.qat.Embedding.fromFloat(e5, null));
        refused("err.from_float_scheme", () -> dev.ember.ao.nn.qat.Embedding.fromFloat(e5, qatDefault));
        refused("err.bag_from_float_scheme", () -> dev.ember.ao.nn.qat.EmbeddingBag.fromFloat(b5, qatDefault));
        assertEquals(" qat.EmbeddingBag.from_float only works for EmbeddingBag", assertThrows(
            IllegalArgumentException.class, () -> dev.ember.ao.nn.qat.EmbeddingBag.fromFloat(null, qatDefault))
            .getMessage());
        assertEquals("AssertionError:  qat.EmbeddingBag.from_float only works for EmbeddingBag",
            EXPECTED.get("err.bag_from_float_type"));
        assertEquals(e5Before, e5.toString());
        assertArrayEquals(e5Weight, e5.getParameter("weight").toFloatArray());

        // an embedding whose qconfig is not an embedding QAT one stays float in prepare_qat (PyTorch's default QAT
        // mapping); convert then refuses it in PyTorch's words, the model unchanged
        Sequential m = model();
        m.train();
        Quantization.setQconfig(m, qatDefault);
        Quantization.prepareQat(m, true);
        assertEquals(EmbeddingBag.class, m.getSubmodule("0").getClass());
        m.eval();
        String before = m.toString();
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Quantization.convert(m, true));
        assertEquals("EmbeddingBag quantization is only supported with float_qparams_weight_only_qconfig.",
            ex.getMessage());
        assertEquals(before, m.toString(), "the model is left as it was");
    }
}
