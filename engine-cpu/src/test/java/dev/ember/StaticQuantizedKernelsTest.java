package dev.ember;

import dev.ember.ao.nn.quantized.DeQuantize;
import dev.ember.ao.nn.quantized.Quantize;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Module;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The statically quantized layers' fast path (session 36: weights prepacked as {@code qw - zw} floats, the input's
 * integers read from its carrier, the convolution's im2col of shifted integers, the output's carrier written directly
 * in NCHW) against a plain reference: exact long sums of {@code (qx - zx)(qw - zw)} over the integers the carriers
 * stand for, then FBGEMM's requantization as {@link dev.ember.backend.Backend#quantizedLinearPacked} specifies it (the
 * arithmetic {@code StaticQuantizationTest} checks against the generator's transcription of FBGEMM). Every output
 * integer must be equal, and the carrier's floats bit for bit {@code (float) (q - zero_point) * (float) scale}. The
 * shapes reach what the small CNN of {@code StaticQuantizationTest} does not: several images, groups, strides,
 * dilation, padding beyond the kernel's reach, per-channel weights, and depths beyond one exact float32 slice of the
 * GEMM (more than 514 columns with a full-range quint8 input), so the slices' int32 sums are exercised.
 */
class StaticQuantizedKernelsTest {

    /** FBGEMM's requantization of one integer sum (Backend#quantizedLinearPacked's specification), in the test. */
    private static int requant(long raw, float inScale, float wScale, float bias, boolean hasBias, boolean perTensor,
                               double outScale, int outZero, boolean relu) {
        float act = inScale * wScale;
        float mult = act / (float) outScale;
        float f = (float) (int) raw;
        if (hasBias) {
            f += perTensor ? bias * (float) (1.0 / (double) act) : bias / act;
        }
        float r = f * mult;
        int rounded = Float.isNaN(r) || r >= 0x1p31f || r < -0x1p31f ? Integer.MIN_VALUE : (int) Math.rint(r);
        int v = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, rounded));
        v = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v + outZero));
        v = Math.min(255, Math.max(0, v));
        return relu ? Math.max(outZero, v) : v;
    }

    private static float[] weightScales(QuantizedTensor w) {
        int n = w.shape()[0];
        float[] s = new float[n];
        if (w.qscheme() == QScheme.PER_TENSOR_AFFINE) {
            java.util.Arrays.fill(s, (float) w.qScale());
        } else {
            double[] d = w.qPerChannelScales().toDoubleArray();
            for (int j = 0; j < n; j++) {
                s[j] = (float) d[j];
            }
        }
        return s;
    }

    private static long[] weightZeros(QuantizedTensor w) {
        int n = w.shape()[0];
        long[] z = new long[n];
        if (w.qscheme() == QScheme.PER_TENSOR_AFFINE) {
            java.util.Arrays.fill(z, w.qZeroPoint());
        } else {
            z = w.qPerChannelZeroPoints().toLongArray();
        }
        return z;
    }

    private static ObserverOrFakeQuantize observer(QConfig qc, boolean weight) {
        return (ObserverOrFakeQuantize) (weight ? qc.weight().get() : qc.activation().get());
    }

    /** The carrier {@code y} holds exactly the integers {@code want} with its scale and zero point. */
    private static void assertCarrier(long[] want, Tensor y, double scale, long zero, String what) {
        assertTrue(QuantizedActivations.isQuantized(y), what + ": a quantized activation");
        QuantizedTensor q = QuantizedActivations.quantized(y);
        assertEquals(scale, q.qScale(), what);
        assertEquals(zero, q.qZeroPoint(), what);
        assertArrayEquals(want, q.intRepr().to(DType.INT64).toLongArray(), what + " integers");
        float[] values = y.contiguous().toFloatArray();
        for (int i = 0; i < want.length; i++) {
            float v = (float) (want[i] - zero) * (float) scale;
            if (Float.floatToRawIntBits(v) != Float.floatToRawIntBits(values[i])) {
                throw new AssertionError(what + ": carrier value " + i + " is " + values[i] + ", want " + v);
            }
        }
    }

    private record ConvCase(int n, int cin, int cout, int h, int w, int kh, int kw, int stride, int pad, int dil,
                            int groups, boolean perChannel, boolean bias, boolean relu) {
    }

    @Test
    void convolutionsEqualExactIntegerSumsRequantized() {
        ConvCase[] cases = {
            new ConvCase(1, 1, 3, 8, 8, 3, 3, 1, 1, 1, 1, false, true, false),
            new ConvCase(3, 4, 6, 9, 7, 3, 3, 2, 1, 1, 2, true, true, true),
            new ConvCase(2, 3, 6, 6, 6, 3, 3, 1, 0, 1, 3, false, false, false),
            new ConvCase(2, 2, 4, 7, 10, 2, 3, 1, 2, 2, 1, true, true, false),
            new ConvCase(1, 3, 2, 5, 5, 3, 3, 3, 4, 1, 1, false, true, true),
            new ConvCase(2, 128, 8, 6, 5, 3, 3, 1, 1, 1, 1, true, true, false),
            new ConvCase(1, 160, 6, 4, 4, 2, 2, 1, 0, 1, 2, false, true, true),
        };
        Generator g = new Generator(36);
        for (ConvCase c : cases) {
            for (boolean wide : new boolean[] {false, true}) {
                String what = c + (wide ? " full-range input" : " [0, 127] input");
                dev.ember.nn.Conv2d f = new dev.ember.nn.Conv2d(c.cin(), c.cout(), new int[] {c.kh(), c.kw()},
                    new int[] {c.stride(), c.stride()}, new int[] {c.pad(), c.pad()}, new int[] {c.dil(), c.dil()},
                    c.groups(), c.bias());
                QConfig qc = c.perChannel() ? QConfig.DEFAULT_PER_CHANNEL : QConfig.DEFAULT;
                ObserverOrFakeQuantize act = observer(qc, false);
                Tensor x = Tensor.randn(g, DType.FLOAT32, c.n(), c.cin(), c.h(), c.w());
                try (GradMode off = Ember.noGrad()) {
                    ((Module) act).apply(f.apply(x));
                }
                dev.ember.ao.nn.quantized.Conv2d q = c.relu()
                        ? dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d.fromFloat(
                            new dev.ember.ao.nn.intrinsic.ConvReLU2d(f, new dev.ember.nn.ReLU()), observer(qc, true), act)
                        : dev.ember.ao.nn.quantized.Conv2d.fromFloat(f, observer(qc, true), act);
                q.setOutputQParams(q.scale() * 0.7, 200 - 30 * c.groups());
                double inScale = wide ? 0.013 : 0.03;
                long inZero = wide ? 131 : 64;
                Tensor xq = new Quantize(inScale, inZero, QuantDType.QUINT8).apply(x);
                Tensor y = q.apply(xq);

                long[] xi = QuantizedActivations.quantized(xq).intRepr().to(DType.INT64).toLongArray();
                QuantizedTensor wq = q.weight();
                long[] wi = wq.intRepr().to(DType.INT64).toLongArray();
                long[] wz = weightZeros(wq);
                float[] ws = weightScales(wq);
                float[] b = c.bias() ? q.bias().toFloatArray() : null;
                int oh = (c.h() + 2 * c.pad() - c.dil() * (c.kh() - 1) - 1) / c.stride() + 1;
                int ow = (c.w() + 2 * c.pad() - c.dil() * (c.kw() - 1) - 1) / c.stride() + 1;
                assertArrayEquals(new int[] {c.n(), c.cout(), oh, ow}, y.shape(), what);
                int cg = c.cin() / c.groups();
                int og = c.cout() / c.groups();
                long[] want = new long[c.n() * c.cout() * oh * ow];
                int o = 0;
                for (int n = 0; n < c.n(); n++) {
                    for (int co = 0; co < c.cout(); co++) {
                        int g0 = co / og * cg;
                        for (int yy = 0; yy < oh; yy++) {
                            for (int xx = 0; xx < ow; xx++) {
                                long raw = 0;
                                for (int ci = 0; ci < cg; ci++) {
                                    for (int i = 0; i < c.kh(); i++) {
                                        for (int j = 0; j < c.kw(); j++) {
                                            int iy = yy * c.stride() - c.pad() + i * c.dil();
                                            int ix = xx * c.stride() - c.pad() + j * c.dil();
                                            if (iy < 0 || iy >= c.h() || ix < 0 || ix >= c.w()) {
                                                continue; // padded with the zero point: qx - zx = 0
                                            }
                                            long qx = xi[((n * c.cin() + g0 + ci) * c.h() + iy) * c.w() + ix];
                                            long qw = wi[((co * cg + ci) * c.kh() + i) * c.kw() + j];
                                            raw += (qx - inZero) * (qw - wz[co]);
                                        }
                                    }
                                }
                                want[o++] = requant(raw, (float) inScale, ws[co], b == null ? 0f : b[co], b != null,
                                    !c.perChannel(), q.scale(), (int) q.zeroPoint(), c.relu());
                            }
                        }
                    }
                }
                assertCarrier(want, y, q.scale(), q.zeroPoint(), what);
                // the op on quantized tensors gives the same integers
                QuantizedTensor direct = QuantizedOps.conv2d(QuantizedActivations.quantized(xq), wq,
                    c.bias() ? q.bias() : null, new int[] {c.stride(), c.stride()}, new int[] {c.pad(), c.pad()},
                    new int[] {c.dil(), c.dil()}, c.groups(), q.scale(), q.zeroPoint(), c.relu());
                assertArrayEquals(want, direct.intRepr().to(DType.INT64).toLongArray(), what + " (QuantizedOps)");
            }
        }
    }

    @Test
    void linearLayersEqualExactIntegerSumsRequantized() {
        int[][] shapes = {{1, 24, 10}, {5, 300, 7}, {40, 1500, 33}, {3, 1030, 1}, {2, 0, 4}};
        Generator g = new Generator(37);
        for (int[] s : shapes) {
            // (a per-channel observer refuses an empty weight, as PyTorch's does)
            for (boolean perChannel : s[1] == 0 ? new boolean[] {false} : new boolean[] {false, true}) {
                for (boolean relu : new boolean[] {false, true}) {
                    String what = java.util.Arrays.toString(s) + (perChannel ? " per channel" : " per tensor")
                            + (relu ? " relu" : "");
                    dev.ember.nn.Linear f = new dev.ember.nn.Linear(s[1], s[2]);
                    QConfig qc = perChannel ? QConfig.DEFAULT_PER_CHANNEL : QConfig.DEFAULT;
                    ObserverOrFakeQuantize act = observer(qc, false);
                    Tensor x = Tensor.randn(g, DType.FLOAT32, s[0], s[1]).mul(3.0);
                    try (GradMode off = Ember.noGrad()) {
                        ((Module) act).apply(f.apply(x));
                    }
                    dev.ember.ao.nn.quantized.Linear q = relu
                            ? dev.ember.ao.nn.intrinsic.quantized.LinearReLU.fromFloat(
                                new dev.ember.ao.nn.intrinsic.LinearReLU(f, new dev.ember.nn.ReLU()), observer(qc, true),
                                act)
                            : dev.ember.ao.nn.quantized.Linear.fromFloat(f, observer(qc, true), act);
                    q.setOutputQParams(q.scale() * 1.3, 97);
                    double inScale = 0.027;
                    long inZero = 117;
                    Tensor xq = new Quantize(inScale, inZero, QuantDType.QUINT8).apply(x);
                    Tensor y = q.apply(xq);
                    long[] xi = QuantizedActivations.quantized(xq).intRepr().to(DType.INT64).toLongArray();
                    QuantizedTensor wq = q.weight();
                    long[] wi = wq.intRepr().to(DType.INT64).toLongArray();
                    long[] wz = weightZeros(wq);
                    float[] ws = weightScales(wq);
                    float[] b = q.bias().toFloatArray();
                    long[] want = new long[s[0] * s[2]];
                    for (int i = 0; i < s[0]; i++) {
                        for (int j = 0; j < s[2]; j++) {
                            long raw = 0;
                            for (int c = 0; c < s[1]; c++) {
                                raw += (xi[i * s[1] + c] - inZero) * (wi[j * s[1] + c] - wz[j]);
                            }
                            want[i * s[2] + j] = requant(raw, (float) inScale, ws[j], b[j], true, !perChannel,
                                q.scale(), (int) q.zeroPoint(), relu);
                        }
                    }
                    assertArrayEquals(new int[] {s[0], s[2]}, y.shape(), what);
                    assertCarrier(want, y, q.scale(), q.zeroPoint(), what);
                }
            }
        }
    }

    @Test
    void quantizeAndDequantizeStubsEqualTheQuantizedTensorRoundTrip() {
        Generator g = new Generator(38);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f, -0.0f, 0.0f,
            0.05f, -0.05f, 0.15f, 0.25f, 1e-9f, 3.0e9f};
        for (QuantDType dtype : new QuantDType[] {QuantDType.QUINT8, QuantDType.QINT8}) {
            for (double scale : new double[] {0.1, 0.0173, 3.0}) {
                long zero = dtype == QuantDType.QUINT8 ? 100 : -7;
                Tensor x = Tensor.randn(g, DType.FLOAT32, 3, 517).mul(scale * 90);
                Tensor xs = Tensor.cat(java.util.List.of(x.reshape(-1), Tensor.fromArray(special)), 0).reshape(4, -1);
                Quantize stub = new Quantize(scale, zero, dtype);
                Tensor fast = stub.apply(xs);
                // the stub keeps its scale as a float32 buffer, as PyTorch's Quantize does: 0.1 is 0.10000000149...
                Tensor old = QuantizedActivations.carrier(QuantizedTensor.quantizePerTensor(xs, stub.scale(), zero,
                    dtype));
                String what = dtype + " scale " + scale;
                assertTrue(QuantizedActivations.isQuantized(fast), what);
                assertArrayEquals(old.shape(), fast.shape(), what);
                float[] a = old.toFloatArray();
                float[] b = fast.toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), what + " element " + i
                            + " of " + xs.reshape(-1).toFloatArray()[i]);
                }
                assertEquals(QuantizedActivations.quantized(old).toString(), QuantizedActivations.quantized(fast)
                    .toString(), what);
                Tensor deq = new DeQuantize().apply(fast);
                assertFalse(QuantizedActivations.isQuantized(deq), what + ": dequantized is a float tensor");
                assertArrayEquals(QuantizedActivations.quantized(fast).dequantize().toFloatArray(), deq.toFloatArray(),
                    what + " dequantize");
            }
        }
        // the stub's checks are quantize_per_tensor's
        assertThrows(IllegalArgumentException.class,
            () -> new Quantize(0.1, 3, QuantDType.QUINT8).apply(Tensor.zeros(DType.FLOAT64, 2)));
    }

    @Test
    void badInputsKeepTheirMessages() {
        dev.ember.nn.Conv2d f = new dev.ember.nn.Conv2d(4, 6, 3);
        ObserverOrFakeQuantize act = observer(QConfig.DEFAULT, false);
        try (GradMode off = Ember.noGrad()) {
            ((Module) act).apply(f.apply(Tensor.randn(new Generator(1), DType.FLOAT32, 1, 4, 5, 5)));
        }
        var q = dev.ember.ao.nn.quantized.Conv2d.fromFloat(f, observer(QConfig.DEFAULT, true), act);
        Tensor three = new Quantize(0.1, 3, QuantDType.QUINT8).apply(Tensor.zeros(DType.FLOAT32, 1, 3, 5, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.apply(three));
        assertEquals("Given groups=1, weight of size [6, 4, 3, 3], expected input[1, 3, 5, 5] to have 4 channels, but "
                + "got 3 channels instead", e.getMessage());
        Tensor small = new Quantize(0.1, 3, QuantDType.QUINT8).apply(Tensor.zeros(DType.FLOAT32, 1, 4, 2, 2));
        e = assertThrows(IllegalArgumentException.class, () -> q.apply(small));
        assertEquals("Given input size per channel: (2 x 2). Calculated output size per channel: (0 x 0). Output size "
                + "is too small", e.getMessage());
        Tensor signed = new Quantize(0.1, 3, QuantDType.QINT8).apply(Tensor.zeros(DType.FLOAT32, 1, 4, 5, 5));
        e = assertThrows(IllegalArgumentException.class, () -> q.apply(signed));
        assertEquals("Expected input data type QUInt8 but got QInt8", e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> q.apply(Tensor.zeros(DType.FLOAT32, 1, 4, 5, 5)));
    }
}
