package dev.ember;

import dev.ember.ao.nn.quantized.DeQuantize;
import dev.ember.ao.nn.quantized.Quantize;
import dev.ember.ao.quantization.HistogramObserver;
import dev.ember.ao.quantization.MinMaxObserver;
import dev.ember.ao.quantization.ObserverOptions;
import dev.ember.ao.quantization.PerChannelMinMaxObserver;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.ao.quantization.UniformQuantizationObserverBase;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HistogramObserver} and {@link QConfig#getDefaultQconfig} against PyTorch 2.x's algorithm
 * (resources/histogramobserver/make_expected.py: PyTorch 1.13 with 2.x's forward and histogram combination
 * transcribed, the search 1.13's own, which 2.x keeps): after every input of several sequences (ranges growing on both
 * sides, on one side, not at all; a constant input then the same constant then a wider one; infinities, an input of
 * infinities only, an empty input; heavy tails; 8 configurations) the histogram, minimum and maximum bit for bit and
 * the scale and zero point of the searched range; printouts, state dict, errors; and a CNN prepared with
 * {@code get_default_qconfig("x86")}, calibrated and converted.
 */
class HistogramObserverTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/histogramobserver/expected.txt");

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    /** A printout of the generator's H2x (PyTorch 1.13's class with 2.x's forward) under PyTorch's class name. */
    private static String text(String key) {
        return EXPECTED.text(key).replace("H2x(", "HistogramObserver(");
    }

    private static Map<String, Supplier<HistogramObserver>> configs() {
        Map<String, Supplier<HistogramObserver>> m = new LinkedHashMap<>();
        m.put("reduce", () -> new HistogramObserver(new ObserverOptions().reduceRange(true)));
        m.put("sym8", () -> new HistogramObserver(new ObserverOptions().dtype(QuantDType.QINT8)
            .qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
        m.put("symu8", () -> new HistogramObserver(new ObserverOptions().qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
        m.put("qint8", () -> new HistogramObserver(new ObserverOptions().dtype(QuantDType.QINT8)));
        m.put("custom", HistogramObserver::defaultHistogramObserver);
        m.put("bins100", () -> new HistogramObserver(100, new ObserverOptions()));
        m.put("qint32", () -> new HistogramObserver(new ObserverOptions().dtype(QuantDType.QINT32)));
        return m;
    }

    /** Feeds {@code key}'s inputs one by one, comparing the state and the parameters after each. */
    private static HistogramObserver observe(String key, HistogramObserver o) {
        assertEquals(text(key + ".repr0"), o.toString(), key);
        assertEquals(EXPECTED.get(key + ".range"), o.quantMin() + " " + o.quantMax(), key);
        QParams q = o.calculateQparams();
        EXPECTED.assertExact(key + ".scale.init", q.scale());
        EXPECTED.assertExact(key + ".zp.init", q.zeroPoint());
        int steps = Integer.parseInt(EXPECTED.get(key + ".steps"));
        for (int i = 0; i < steps; i++) {
            Tensor x = in(key + ".in" + i);
            assertSame(x, o.apply(x), key + ": the input passes through");
            if (EXPECTED.get(key + ".hist" + i) != null) {
                EXPECTED.assertExact(key + ".hist" + i, o.histogram());
            }
            EXPECTED.assertExact(key + ".min" + i, o.minVal());
            EXPECTED.assertExact(key + ".max" + i, o.maxVal());
            if (EXPECTED.get(key + ".scale" + i) != null) {
                q = o.calculateQparams();
                EXPECTED.assertExact(key + ".scale" + i, q.scale());
                EXPECTED.assertExact(key + ".zp" + i, q.zeroPoint());
            }
        }
        assertEquals(text(key + ".repr"), o.toString(), key);
        return o;
    }

    @Test
    void histogramsAndParametersMatchPyTorchAfterEveryInput() {
        for (String seq : List.of("grow", "const", "inf", "relu", "outlier", "heavy", "neg", "edge", "f64")) {
            observe("default." + seq, new HistogramObserver());
        }
        for (Map.Entry<String, Supplier<HistogramObserver>> c : configs().entrySet()) {
            observe(c.getKey() + ".grow", c.getValue().get());
        }
    }

    @Test
    void stateDictHasPyTorchsKeysAndLoadsIntoAFreshObserver() {
        HistogramObserver o = new HistogramObserver();
        for (int i = 0; i < 3; i++) {
            o.apply(in("default.grow.in" + i));
        }
        Map<String, Tensor> state = o.stateDict();
        assertEquals(EXPECTED.get("state.keys"), String.join(",", state.keySet()));
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            EXPECTED.assertExact("state." + e.getKey(), e.getValue());
        }
        HistogramObserver fresh = new HistogramObserver();
        fresh.loadStateDict(state);
        EXPECTED.assertExact("state.histogram", fresh.histogram());
        EXPECTED.assertExact("state.min_val", fresh.minVal());
        QParams q = fresh.calculateQparams();
        EXPECTED.assertExact("default.grow.scale2", q.scale());
        EXPECTED.assertExact("default.grow.zp2", q.zeroPoint());
        // the loaded observer goes on as the original does
        fresh.apply(in("default.grow.in3"));
        EXPECTED.assertExact("default.grow.hist3", fresh.histogram());
    }

    @Test
    void badInputsAreRefusedWithPyTorchsMessagesLeavingTheObserverAsItWas() {
        UnsupportedOperationException pc = assertThrows(UnsupportedOperationException.class,
            () -> new HistogramObserver(new ObserverOptions().qscheme(QScheme.PER_CHANNEL_AFFINE)));
        assertEquals(EXPECTED.text("error.perchannel"), pc.getMessage());
        // torch.zeros(bins)'s message
        assertEquals("Trying to create tensor with negative dimension -1: [-1]", assertThrows(
            IllegalArgumentException.class, () -> new HistogramObserver(-1, new ObserverOptions())).getMessage());

        HistogramObserver o = new HistogramObserver();
        o.apply(in("default.grow.in0"));
        // NaN: histc's range is not finite (PyTorch prints the NaN as glibc prints x86's default NaN, "-nan")
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
            () -> o.apply(Tensor.tensor(new float[] {Float.NaN, 1f})));
        assertEquals(EXPECTED.text("error.nan").replace("-nan", "nan"), nan.getMessage().replace("-nan", "nan"));
        RuntimeException ints = assertThrows(RuntimeException.class,
            () -> o.apply(Tensor.tensor(new long[] {3, 1, 2})));
        assertEquals(EXPECTED.text("error.long"), ints.getMessage());
        EXPECTED.assertExact("default.grow.hist0", o.histogram());
        EXPECTED.assertExact("default.grow.min0", o.minVal());
        EXPECTED.assertExact("default.grow.max0", o.maxVal());
        // the same on a fresh observer: still unobserved
        HistogramObserver fresh = new HistogramObserver();
        assertThrows(IllegalArgumentException.class, () -> fresh.apply(Tensor.tensor(new float[] {Float.NaN})));
        assertEquals("HistogramObserver(min_val=inf, max_val=-inf)", fresh.toString());
        assertThrows(UnsupportedOperationException.class, fresh::resetMinMaxVals);
    }

    @Test
    void defaultQconfigsAreTheBackendsOfPyTorch2() {
        for (String b : List.of("x86", "fbgemm", "qnnpack", "onednn")) {
            String[] want = EXPECTED.get("qconfig." + b).split(" ");
            QConfig qc = QConfig.getDefaultQconfig(b);
            HistogramObserver a = assertInstanceOf(HistogramObserver.class, qc.activation().get());
            assertEquals(want[1] + " " + want[2], a.quantMin() + " " + a.quantMax(), b);
            assertEquals(QuantDType.QUINT8, a.dtype(), b);
            assertEquals(QScheme.PER_TENSOR_AFFINE, a.qscheme(), b);
            assertEquals(!b.equals("qnnpack") && !b.equals("onednn"), a.reduceRange(), b);
            UniformQuantizationObserverBase w = (UniformQuantizationObserverBase) qc.weight().get();
            assertEquals(want[3], w.getClass().getSimpleName(), b);
            assertEquals(want[4], w.dtype().toString(), b);
            assertEquals(want[5], w.qscheme().toString(), b);
            assertTrue(qc.activation().get() != a, "a new observer each call");
        }
        assertInstanceOf(PerChannelMinMaxObserver.class, QConfig.getDefaultQconfig().weight().get());
        assertTrue(((HistogramObserver) QConfig.getDefaultQconfig().activation().get()).reduceRange(), "x86");
        assertInstanceOf(MinMaxObserver.class, QConfig.getDefaultQconfig("qnnpack", 0).weight().get());
        // PyTorch 2.x's AssertionErrors (qconfig.py: the backend is checked first); 1.13 gave an unknown backend
        // default_qconfig
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> QConfig.getDefaultQconfig("arm"));
        assertEquals("backend: arm not supported. backend must be one of ['fbgemm', 'x86', 'qnnpack', 'onednn']",
            bad.getMessage());
        assertEquals("backend: None not supported. backend must be one of ['fbgemm', 'x86', 'qnnpack', 'onednn']",
            assertThrows(IllegalArgumentException.class, () -> QConfig.getDefaultQconfig(null)).getMessage());
        assertEquals("Version number: 1 in get_default_qconfig is not supported. Version number must be 0",
            assertThrows(IllegalArgumentException.class, () -> QConfig.getDefaultQconfig("x86", 1)).getMessage());
    }

    private static Sequential floatModel() {
        Sequential m = StaticQuantizationTest.cnn();
        StaticQuantizationTest.loadExpected(m, EXPECTED, "float.");
        m.eval();
        return m;
    }

    @Test
    void observersOnTheActivationsPyTorchsCnnSawMatchBitForBit() {
        // each observer of the calibrated CNN, fed the float activations PyTorch's model gave it (two batches: the
        // second widens every range, the combine path on real activation distributions)
        for (String name : EXPECTED.get("e2e.observers").split(",")) {
            HistogramObserver o = assertInstanceOf(HistogramObserver.class,
                QConfig.getDefaultQconfig("x86").activation().get());
            o.apply(in("e2e." + name + ".seen0"));
            o.apply(in("e2e." + name + ".seen1"));
            EXPECTED.assertExact("e2e." + name + ".histogram", o.histogram());
            EXPECTED.assertExact("e2e." + name + ".min_val", o.minVal());
            EXPECTED.assertExact("e2e." + name + ".max_val", o.maxVal());
            QParams q = o.calculateQparams();
            EXPECTED.assertExact("e2e." + name + ".scale", q.scale());
            EXPECTED.assertExact("e2e." + name + ".zp", q.zeroPoint());
        }
    }

    /** A printout with its decimal numbers replaced by {@code #}. */
    private static String numbersMasked(String s) {
        return s.replaceAll("-?\\d+\\.\\d+(e-?\\d+)?", "#");
    }

    @Test
    void cnnPreparedWithTheDefaultQconfigsMatchesPyTorch() {
        // x86: activations over [0, 127], per-channel weights; qnnpack: [0, 255], per-tensor weights
        for (String[] c : new String[][] {{"e2e", "x86"}, {"e2eq", "qnnpack"}}) {
            cnnPreparedWith(c[0], QConfig.getDefaultQconfig(c[1]));
        }
    }

    private static void cnnPreparedWith(String key, QConfig qconfig) {
        Sequential m = floatModel();
        Quantization.setQconfig(m, qconfig);
        Quantization.prepare(m, true);
        assertEquals(EXPECTED.text(key + ".prepared"), m.toString(), key + " prepared printout");
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("calib0"));
            m.apply(in("calib1"));
        }
        // Ember's float layers round apart from PyTorch's in the last place here and there (fc1's output minimum
        // differs by one ulp on this data), so the model's observers are compared within that rounding; the
        // observers alone on PyTorch's own activations are exact (the test above)
        assertEquals(numbersMasked(EXPECTED.text(key + ".calibrated")), numbersMasked(m.toString()),
            key + " calibrated printout");
        for (String name : EXPECTED.get(key + ".observers").split(",")) {
            HistogramObserver o = assertInstanceOf(HistogramObserver.class, m.getSubmodule(name));
            String k = key + "." + name;
            assertEquals(in(k + ".min_val").item(), o.minVal().item(), 1e-6 * Math.abs(in(k + ".min_val").item()), k);
            assertEquals(in(k + ".max_val").item(), o.maxVal().item(), 1e-6 * Math.abs(in(k + ".max_val").item()), k);
            if (EXPECTED.get(k + ".histogram") != null) {
                // a last-place change of the range moved no value across a bin edge on this data
                EXPECTED.assertExact(k + ".histogram", o.histogram());
            }
            QParams q = o.calculateQparams();
            double scale = in(k + ".scale").item();
            // fc1's scale is one float32 ulp off PyTorch's, from its minimum's
            assertEquals(scale, q.scale().item(), 1e-6 * scale, k);
            assertEquals(in(k + ".zp").item(), q.zeroPoint().item(), k);
        }
        Quantization.convert(m, true);
        assertEquals(numbersMasked(EXPECTED.text(key + ".converted")), numbersMasked(m.toString()),
            key + " converted printout");
        assertInstanceOf(Quantize.class, m.getSubmodule("0"));
        assertInstanceOf(DeQuantize.class, m.getSubmodule("11"));
        Map<String, String> layers = Map.of("conv1", "1", "conv2", "4", "fc1", "7", "fc2", "10");
        for (Map.Entry<String, String> e : layers.entrySet()) {
            Module q = m.getSubmodule(e.getValue());
            QuantizedTensor w = q instanceof dev.ember.ao.nn.quantized.Conv2d c ? c.weight()
                    : ((dev.ember.ao.nn.quantized.Linear) q).weight();
            Tensor want = in(key + "." + e.getKey() + ".weight.ints");
            assertArrayEquals(want.to(DType.INT64).toLongArray(), w.intRepr().to(DType.INT64).toLongArray(),
                key + " " + e.getKey());
        }
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        m.getSubmodule("0").registerForwardHook((mod, ins, outs) -> {
            seen.put("quant", QuantizedActivations.quantized(outs.get(0)));
            return null;
        });
        Tensor y = m.apply(in("x"));
        assertArrayEquals(in(key + ".quant.ints").to(DType.INT64).toLongArray(),
            seen.get("quant").intRepr().to(DType.INT64).toLongArray(), key + " the quantized input");
        String[] qp = EXPECTED.get(key + ".fc2.out_qparams").split(" ");
        // Ember runs FBGEMM's arithmetic, this PyTorch onednn's (StaticQuantizationTest: they agree); with fc1's
        // scale an ulp apart the outputs are still PyTorch's exactly
        assertArrayEquals(in(key + ".torch.out").toFloatArray(), y.toFloatArray(), key + " output");
        assertEquals(Double.parseDouble(qp[0]), ((dev.ember.ao.nn.quantized.Linear) m.getSubmodule("10")).scale(),
            key + " fc2's output scale");
    }
}
