package dev.ember;

import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link QuantizedTensor} against PyTorch (resources/quantized/make_expected.py): the integers and the dequantized
 * values bit for bit (grid ties, values beyond the range, NaN and infinities included), the parameters, printouts and
 * messages.
 */
class QuantizedTensorTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/quantized/expected.txt");

    private static QuantDType type(String name) {
        return QuantDType.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    @Test
    void perTensorMatchesPyTorch() {
        Tensor x = EXPECTED.tensor("x");
        Object[][] cases = {{"a", 0.1, 10L, "quint8"}, {"b", 0.0371, -3L, "qint8"}, {"c", 0.013, 5L, "qint32"},
            {"d", 1e-3, 127L, "qint8"}};
        for (Object[] c : cases) {
            QuantizedTensor q = QuantizedTensor.quantizePerTensor(x, (double) c[1], (long) c[2], type((String) c[3]));
            EXPECTED.assertExact("pt." + c[0] + ".int", q.intRepr());
            EXPECTED.assertExact("pt." + c[0] + ".deq", q.dequantize());
            assertEquals((double) c[1], q.qScale());
            assertEquals((long) c[2], q.qZeroPoint());
            assertEquals(QScheme.PER_TENSOR_AFFINE, q.qscheme());
        }
        assertEquals(EXPECTED.text("pt.repr"), QuantizedTensor.quantizePerTensor(x.narrow(0, 0, 6), 0.1, 10,
            QuantDType.QUINT8).toString());
        assertEquals(EXPECTED.text("pt.repr2d"), QuantizedTensor.quantizePerTensor(x.narrow(0, 0, 24).reshape(2, 3, 4),
            0.1, 10, QuantDType.QINT32).toString());
        assertEquals(EXPECTED.text("pt.repr0"), QuantizedTensor.quantizePerTensor(Tensor.tensor(2.5f, DType.FLOAT32, Device.CPU), 0.1, 1,
            QuantDType.QINT8).toString());
        assertEquals(EXPECTED.text("pt.reprempty"), QuantizedTensor.quantizePerTensor(Tensor.zeros(2, 0), 0.1, 10,
            QuantDType.QINT32).toString());
    }

    @Test
    void perChannelMatchesPyTorch() {
        Tensor w = EXPECTED.tensor("w");
        Object[][] cases = {{"ax0", 0, "qint8"}, {"ax1", 1, "quint8"}, {"ax2", 2, "qint32"}};
        for (Object[] c : cases) {
            String k = "pc." + c[0];
            QuantizedTensor q = QuantizedTensor.quantizePerChannel(w, EXPECTED.tensor(k + ".scales"),
                EXPECTED.tensor(k + ".zps"), (int) c[1], type((String) c[2]));
            EXPECTED.assertExact(k + ".int", q.intRepr());
            EXPECTED.assertExact(k + ".deq", q.dequantize());
            EXPECTED.assertExact(k + ".scales", q.qPerChannelScales());
            EXPECTED.assertExact(k + ".zps", q.qPerChannelZeroPoints());
            assertEquals((int) c[1], q.qPerChannelAxis());
        }
        QuantizedTensor q = QuantizedTensor.quantizePerChannel(w.select(0, 0).narrow(0, 0, 2).narrow(1, 0, 3),
            Tensor.tensor(new double[] {0.1, 0.2}, DType.FLOAT64, Device.CPU),
            Tensor.tensor(new long[] {0, 1}, DType.INT64, Device.CPU), 0, QuantDType.QINT8);
        assertEquals(EXPECTED.text("pc.repr"), q.toString());
    }

    @Test
    void dynamicQuantizationChoosesFbgemmsParameters() {
        Tensor x = EXPECTED.tensor("x").narrow(0, 0, 24);
        Object[][] cases = {{"u8", "quint8", false}, {"i8r", "qint8", true}, {"u8r", "quint8", true}};
        for (Object[] c : cases) {
            String k = "dyn." + c[0];
            QuantizedTensor q = QuantizedTensor.quantizePerTensorDynamic(x, type((String) c[1]), (boolean) c[2]);
            EXPECTED.assertExact(k + ".int", q.intRepr());
            assertEquals(Double.parseDouble(EXPECTED.get(k + ".scale")), q.qScale(), k);
            assertEquals(Long.parseLong(EXPECTED.get(k + ".zp")), q.qZeroPoint(), k);
            assertEquals(EXPECTED.text(k + ".repr"), q.toString(), k);
        }
    }

    @Test
    void badArgumentsGetPyTorchsMessages() {
        Tensor ones = Tensor.ones(2, 3);
        Tensor s2 = Tensor.tensor(new float[] {0.1f, 0.2f}, DType.FLOAT32, Device.CPU);
        Tensor z2 = Tensor.tensor(new long[] {0, 1}, DType.INT64, Device.CPU);
        Map<String, org.junit.jupiter.api.function.Executable> calls = new LinkedHashMap<>();
        calls.put("err.double", () -> QuantizedTensor.quantizePerTensor(ones.to(DType.FLOAT64), 0.1, 10, QuantDType.QUINT8));
        calls.put("err.zphigh", () -> QuantizedTensor.quantizePerTensor(ones, 0.1, 300, QuantDType.QUINT8));
        calls.put("err.zplow", () -> QuantizedTensor.quantizePerTensor(ones, 0.1, -300, QuantDType.QINT8));
        calls.put("err.pc.len", () -> QuantizedTensor.quantizePerChannel(ones, s2,
            Tensor.tensor(new long[] {0, 1, 2}, DType.INT64, Device.CPU), 0, QuantDType.QINT8));
        calls.put("err.pc.zp", () -> QuantizedTensor.quantizePerChannel(ones, s2,
            Tensor.tensor(new long[] {0, 300}, DType.INT64, Device.CPU), 0, QuantDType.QINT8));
        calls.put("err.pc.axis", () -> QuantizedTensor.quantizePerChannel(ones, s2, z2, 2, QuantDType.QINT8));
        calls.put("err.pc.channels", () -> QuantizedTensor.quantizePerChannel(ones,
            Tensor.tensor(new float[] {0.1f, 0.2f, 0.3f}, DType.FLOAT32, Device.CPU),
            Tensor.tensor(new long[] {0, 1, 2}, DType.INT64, Device.CPU), 0, QuantDType.QINT8));
        calls.put("err.pc.double", () -> QuantizedTensor.quantizePerChannel(ones.to(DType.FLOAT64), s2, z2, 0,
            QuantDType.QINT8));
        calls.put("err.qscale", () -> QuantizedTensor.quantizePerChannel(ones, s2, z2, 0, QuantDType.QINT8).qScale());
        calls.put("err.qscales", () -> QuantizedTensor.quantizePerTensor(ones, 0.1, 1, QuantDType.QINT8)
            .qPerChannelScales());
        calls.put("err.dyn32", () -> QuantizedTensor.quantizePerTensorDynamic(ones, QuantDType.QINT32, false));
        for (Map.Entry<String, org.junit.jupiter.api.function.Executable> c : calls.entrySet()) {
            RuntimeException e = assertThrows(RuntimeException.class, c.getValue(), c.getKey());
            assertEquals(EXPECTED.get(c.getKey()), e.getMessage(), c.getKey());
        }
        assertThrows(UnsupportedOperationException.class,
            () -> QuantizedTensor.quantizePerTensor(ones, 0.1, 1, QuantDType.QUINT4X2));
    }
}
