package dev.ember;

import dev.ember.ao.quantization.FakeQuantize;
import dev.ember.ao.quantization.FixedQParamsFakeQuantize;
import dev.ember.ao.quantization.FusedMovingAvgObsFakeQuantize;
import dev.ember.ao.quantization.MinMaxObserver;
import dev.ember.ao.quantization.MovingAverageMinMaxObserver;
import dev.ember.ao.quantization.MovingAveragePerChannelMinMaxObserver;
import dev.ember.ao.quantization.ObserverOptions;
import dev.ember.ao.quantization.PerChannelMinMaxObserver;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.UniformQuantizationObserverBase;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * torch.ao.quantization's observers and {@link FakeQuantize} against PyTorch (resources/observers/make_expected.py):
 * running statistics, quantization parameters, fake-quantized outputs and gradients bit for bit, printouts, state
 * dict keys, loading (with per-channel buffers resized), and the constructors' messages.
 */
class ObserverTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/observers/expected.txt");

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    private static String text(String key) {
        return EXPECTED.text(key);
    }

    private static void assertExact(String key, Tensor got) {
        EXPECTED.assertExact(key, got);
    }

    private static Map<String, Supplier<UniformQuantizationObserverBase>> observers() {
        Map<String, Supplier<UniformQuantizationObserverBase>> m = new LinkedHashMap<>();
        m.put("minmax", MinMaxObserver::new);
        m.put("minmax.sym8", () -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
            .qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
        m.put("minmax.symu8", () -> new MinMaxObserver(new ObserverOptions().qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
        m.put("minmax.symu8c", () -> new MinMaxObserver(new ObserverOptions().qscheme(QScheme.PER_TENSOR_SYMMETRIC)
            .quantRange(0, 100)));
        m.put("minmax.reduce", () -> new MinMaxObserver(new ObserverOptions().reduceRange(true)));
        m.put("minmax.custom", () -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8).quantRange(-8, 7)
            .reduceRange(true)));
        m.put("minmax.q4", () -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QUINT4X2)));
        m.put("minmax.q32", () -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT32)));
        m.put("mavg", () -> new MovingAverageMinMaxObserver(new ObserverOptions().averagingConstant(0.1)));
        m.put("mavg.sym8", () -> new MovingAverageMinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
            .qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
        m.put("pc0", PerChannelMinMaxObserver::new);
        m.put("pc1.sym8", () -> new PerChannelMinMaxObserver(new ObserverOptions().chAxis(1).dtype(QuantDType.QINT8)
            .qscheme(QScheme.PER_CHANNEL_SYMMETRIC)));
        m.put("pcm1.float", () -> new PerChannelMinMaxObserver(new ObserverOptions().chAxis(-1)
            .qscheme(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS)));
        m.put("mapc2", () -> new MovingAveragePerChannelMinMaxObserver(new ObserverOptions().chAxis(2)
            .averagingConstant(0.25)));
        return m;
    }

    @Test
    void observersMatchPyTorch() {
        for (Map.Entry<String, Supplier<UniformQuantizationObserverBase>> c : observers().entrySet()) {
            String k = c.getKey();
            UniformQuantizationObserverBase o = c.getValue().get();
            assertEquals(EXPECTED.get(k + ".range"), o.quantMin() + " " + o.quantMax(), k);
            assertEquals(text(k + ".repr0"), o.toString(), k);
            QParams q = o.calculateQparams();
            assertExact(k + ".scale.init", q.scale());
            assertExact(k + ".zp.init", q.zeroPoint());
            for (int s = 0; s < 3; s++) {
                Tensor x = in("x" + s);
                assertEquals(x, o.apply(x), "an observer returns its input");
                assertExact(k + ".min" + s, o.minVal());
                assertExact(k + ".max" + s, o.maxVal());
                q = o.calculateQparams();
                assertExact(k + ".scale" + s, q.scale());
                assertExact(k + ".zp" + s, q.zeroPoint());
            }
            assertEquals(text(k + ".repr"), o.toString(), k);
            assertEquals(EXPECTED.get(k + ".keys"), String.join(",", o.stateDict().keySet()), k);
        }
    }

    private static Map<String, Supplier<FakeQuantize>> fakes() {
        Map<String, Supplier<FakeQuantize>> m = new LinkedHashMap<>();
        m.put("default", FakeQuantize::new);
        m.put("act", FakeQuantize::defaultFakeQuant);
        m.put("wt", FakeQuantize::defaultWeightFakeQuant);
        m.put("pcwt", FakeQuantize::defaultPerChannelWeightFakeQuant);
        m.put("fused", FusedMovingAvgObsFakeQuantize::new);
        m.put("fusedact", FusedMovingAvgObsFakeQuantize::defaultFusedActFakeQuant);
        m.put("fusedwt", FusedMovingAvgObsFakeQuantize::defaultFusedWtFakeQuant);
        m.put("fusedpcwt", FusedMovingAvgObsFakeQuantize::defaultFusedPerChannelWtFakeQuant);
        m.put("fixed01", FixedQParamsFakeQuantize::defaultFixedQparamsRange0to1FakeQuant);
        m.put("fixedpm1", FixedQParamsFakeQuantize::defaultFixedQparamsRangeNeg1to1FakeQuant);
        return m;
    }

    @Test
    void fakeQuantizeTrainsSavesAndLoadsAsPyTorchs() {
        for (Map.Entry<String, Supplier<FakeQuantize>> c : fakes().entrySet()) {
            String k = c.getKey();
            FakeQuantize fq = c.getValue().get();
            assertEquals(text(k + ".repr0"), fq.toString(), k);
            for (int s = 0; s < 3; s++) {
                if (s == 2) {
                    fq.disableObserver();
                }
                Tensor x = in("x" + s).requiresGrad_(true);
                Tensor y = fq.apply(x);
                assertExact(k + ".out" + s, y);
                assertEquals(EXPECTED.get(k + ".node" + s), y.gradFn().name(), k);
                y.mul(ReferenceCases.weights(y.shape(), DType.FLOAT32)).sum().backward();
                assertExact(k + ".grad" + s, x.grad());
                assertExact(k + ".scale" + s, fq.scale());
                assertExact(k + ".zp" + s, fq.zeroPoint());
            }
            assertEquals(text(k + ".repr"), fq.toString(), k);
            Map<String, Tensor> sd = fq.stateDict();
            assertEquals(EXPECTED.get(k + ".keys"), String.join(",", sd.keySet()), k);
            FakeQuantize fresh = c.getValue().get();
            fresh.loadStateDict(sd);
            fresh.disableObserver();
            assertExact(k + ".loaded", fresh.apply(in("x0")));
            fq.disableFakeQuant();
            fq.enableObserver();
            assertExact(k + ".passthrough", fq.apply(in("x1")));
            assertExact(k + ".scale.after", fq.scale());
        }
    }

    @Test
    void fusedScalesBelowFbgemmsCutOffAreRaisedToIt() {
        Map<String, Supplier<FusedMovingAvgObsFakeQuantize>> m = new LinkedHashMap<>();
        m.put("tiny", FusedMovingAvgObsFakeQuantize::new);
        m.put("tinysym", FusedMovingAvgObsFakeQuantize::defaultFusedWtFakeQuant);
        m.put("tinypos", FusedMovingAvgObsFakeQuantize::new);
        for (Map.Entry<String, Supplier<FusedMovingAvgObsFakeQuantize>> c : m.entrySet()) {
            String k = c.getKey();
            FusedMovingAvgObsFakeQuantize fq = c.getValue().get();
            assertExact(k + ".out", fq.apply(in(k + ".x")));
            assertExact(k + ".scale", fq.scale());
            assertExact(k + ".zp", fq.zeroPoint());
        }
    }

    @Test
    void aNanInputFailsAsPyTorchsAndLeavesTheStateAsItWas() {
        // PyTorch raises the same errors but keeps the NaN statistics; Ember leaves every buffer as it was
        for (Map.Entry<String, Supplier<FakeQuantize>> c : fakes().entrySet()) {
            if (c.getKey().startsWith("fixed")) {
                continue; // fixed parameters: nothing to fail
            }
            FakeQuantize fq = c.getValue().get();
            fq.apply(in("x0"));
            Map<String, Tensor> before = new LinkedHashMap<>();
            fq.stateDict().forEach((k, v) -> before.put(k, v.clone()));
            Tensor bad = in("x1").clone();
            bad.view(-1).select(0, 3).fill_(Double.NaN);
            RuntimeException e = assertThrows(RuntimeException.class, () -> fq.apply(bad), c.getKey());
            assertEquals(EXPECTED.get("nan." + c.getKey()), e.getMessage(), c.getKey());
            Map<String, Tensor> after = fq.stateDict();
            assertEquals(before.keySet(), after.keySet());
            before.forEach((k, v) -> assertEquals(v.toString(), after.get(k).toString(), c.getKey() + " " + k));
        }
    }

    @Test
    void aFailedLoadLeavesTheBuffersAsTheyWere() {
        FakeQuantize fq = FakeQuantize.defaultPerChannelWeightFakeQuant();
        Map<String, Tensor> sd = new LinkedHashMap<>(fq.stateDict());
        sd.put("scale", Tensor.ones(3));
        sd.put("zero_point", Tensor.zeros(DType.INT32, 3));
        sd.put("activation_post_process.eps", Tensor.ones(2)); // a real size mismatch
        assertThrows(IllegalArgumentException.class, () -> fq.loadStateDict(sd));
        assertArrayEquals(new int[] {1}, fq.scale().shape(), "the scale kept its shape");
        assertArrayEquals(new int[] {0}, ((UniformQuantizationObserverBase) fq.activationPostProcess()).minVal().shape());
    }

    @Test
    void badArgumentsGetPyTorchsMessages() {
        Map<String, org.junit.jupiter.api.function.Executable> calls = new LinkedHashMap<>();
        calls.put("err.minmax.pc", () -> new MinMaxObserver(new ObserverOptions().qscheme(QScheme.PER_CHANNEL_AFFINE)));
        calls.put("err.pc.pt", () -> new PerChannelMinMaxObserver(new ObserverOptions().qscheme(QScheme.PER_TENSOR_AFFINE)));
        calls.put("err.mapc.pt", () -> new MovingAveragePerChannelMinMaxObserver(new ObserverOptions()
            .qscheme(QScheme.PER_TENSOR_AFFINE)));
        calls.put("err.reduce.sym", () -> new MinMaxObserver(new ObserverOptions().qscheme(QScheme.PER_TENSOR_SYMMETRIC)
            .reduceRange(true)));
        calls.put("err.reduce.pcsym", () -> new PerChannelMinMaxObserver(new ObserverOptions()
            .qscheme(QScheme.PER_CHANNEL_SYMMETRIC).reduceRange(true)));
        calls.put("err.zero", () -> new MinMaxObserver(new ObserverOptions().quantRange(1, 10)));
        calls.put("err.order", () -> new MinMaxObserver(new ObserverOptions().quantRange(0, 0)));
        calls.put("err.bits", () -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8).quantRange(-200, 100)));
        MinMaxObserver bad = new MinMaxObserver();
        bad.minVal().fill_(2.0);
        bad.maxVal().fill_(1.0);
        calls.put("err.minmax.order", bad::calculateQparams);
        for (Map.Entry<String, org.junit.jupiter.api.function.Executable> c : calls.entrySet()) {
            Throwable e = assertThrows(RuntimeException.class, c.getValue(), c.getKey());
            String want = EXPECTED.get(c.getKey()).substring(2);
            String type = want.substring(0, want.indexOf(':'));
            Class<?> javaType = type.equals("NotImplementedError") ? UnsupportedOperationException.class
                    : type.equals("AssertionError") && c.getKey().equals("err.minmax.order") ? IllegalStateException.class
                    : IllegalArgumentException.class;
            assertEquals(javaType, e.getClass(), c.getKey());
            assertEquals(want.substring(type.length() + 2), e.getMessage(), c.getKey());
        }
        // PyTorch 2.x's message (an f-string with the scheme; 1.13's had none)
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
            () -> new MovingAverageMinMaxObserver(new ObserverOptions().qscheme(QScheme.PER_CHANNEL_AFFINE)));
        assertEquals("MovingAverageMinMaxObserver's qscheme only support                 torch.per_tensor_symmetric and "
            + "torch.per_tensor_affine.                 but got: torch.per_channel_affine", e.getMessage());
    }

    /**
     * PyTorch's {@code warnings.warn("Please use quant_min and quant_max ...")} for {@code reduce_range} shows once (Python's
     * default filter), not once per observer: two observers log it at most once (not at all when an earlier test did).
     */
    @Test
    void theReduceRangeNoticeIsLoggedOnceAsPythonShowsIt() {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.ember.ao.quantization");
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getMessage().contains("reduce_range will be deprecated")) {
                    seen.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            new MinMaxObserver(new ObserverOptions().reduceRange(true));
            new MinMaxObserver(new ObserverOptions().reduceRange(true));
        } finally {
            jul.removeHandler(h);
        }
        org.junit.jupiter.api.Assertions.assertTrue(seen.size() <= 1, seen.toString());
    }
}
