package dev.ember;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Weight-only quantized embeddings against PyTorch 1.13 (resources/quantizedembedding/make_expected.py): quantized
 * tensors with float zero points ({@code torch.per_channel_affine_float_qparams}, quint8, qint8 and quint4x2), the
 * packed rows of {@code embedding_bag_prepack} (written by the generator from the C++ source and checked there against
 * PyTorch's lookups), and the lookups of {@code torch.ao.nn.quantized.Embedding} and {@code EmbeddingBag}. Every value
 * is compared exactly: the integers and packed bytes are integers, and the lookups take PyTorch's reference kernel's
 * float steps one for one (see PackedEmbeddingBagWeight), so their float32 outputs are bit for bit this build's.
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
}
