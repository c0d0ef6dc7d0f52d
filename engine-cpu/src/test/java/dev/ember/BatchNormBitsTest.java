package dev.ember;

import dev.ember.backend.CpuCapability;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch norm's float32 forward against PyTorch 1.13's CPU kernel ({@code batchnormbits/make_expected.py}, which gives
 * PyTorch 2.x's formula and types): [N, C], NCHW, channels-last and channels-last-3d inputs, channel counts below and
 * above a vector, odd ones, training and evaluation, weight and bias present or absent, momentum 0, 0.1, 0.3 and 1.
 * The output is PyTorch's float {@code x * alpha + beta} ({@code alpha = invstd * weight},
 * {@code beta = bias - mean * alpha}, fused on the FMA builds): in evaluation (PyTorch's statistics given) every
 * element's bits equal PyTorch's; in training, wherever a channel's float32 mean and invstd equal PyTorch's (Ember's
 * statistics are summed in double, PyTorch's partly in float, so an invstd can be one ulp apart) so do the output's,
 * and the statistics are within one ulp. {@code -Dember.cpu.batchNorm.doubleNormalize=true} (the double output before
 * session 58) is counted too: it matches fewer elements.
 */
class BatchNormBitsTest {
    private static final Map<String, String> EXPECTED = read();

    @AfterEach
    void restore() {
        System.clearProperty("ember.cpu.batchNorm.doubleNormalize");
    }

    private static Map<String, String> read() {
        return ReferenceCases.strings("/batchnormbits/expected.txt");
    }

    private static String get(String key) {
        String v = EXPECTED.get(key);
        assertNotNull(v, "missing expected value " + key);
        return v;
    }

    private static float[] floats(String key) {
        String[] f = get(key).split(" ");
        float[] out = new float[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16));
        }
        return out;
    }

    /** The distance in ulps between two finite floats (their places in the ordered bit patterns). */
    private static long ulps(float a, float b) {
        return Math.abs(ordered(a) - ordered(b));
    }

    private static long ordered(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : (long) Integer.MIN_VALUE - bits;
    }

    /** The expected values' capability: the FMA builds share the output's formula, so AVX512 reads AVX2's. */
    private static String cap() {
        return CpuCapability.value().equals("DEFAULT") ? "DEFAULT" : "AVX2";
    }

    /** Output, mean, invstd, running mean and running var of case {@code c}. */
    private static float[][] run(int c) {
        String[] h = get("case." + c).split(" ");
        String mode = h[0];
        boolean train = h[1].equals("train");
        String format = h[2];
        double momentum = Double.parseDouble(h[3]);
        int[] shape = new int[h.length - 4];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Integer.parseInt(h[4 + i]);
        }
        Tensor x = Tensor.fromArray(floats("case." + c + ".x")).reshape(shape);
        if (format.equals("cl")) {
            x = x.contiguous(MemoryFormat.CHANNELS_LAST);
        } else if (format.equals("cl3d")) {
            x = x.contiguous(MemoryFormat.CHANNELS_LAST_3D);
        }
        Tensor w = mode.equals("wb") || mode.equals("w") ? Tensor.fromArray(floats("case." + c + ".w")) : null;
        Tensor b = mode.equals("wb") || mode.equals("b") ? Tensor.fromArray(floats("case." + c + ".b")) : null;
        Tensor rm = Tensor.fromArray(floats("case." + c + ".rm"));
        Tensor rv = Tensor.fromArray(floats("case." + c + ".rv"));
        NormResult r = Tensor.nativeBatchNorm(x, w, b, rm, rv, train, momentum, 1e-5);
        return new float[][] {r.output().contiguous().toFloatArray(), r.mean().toFloatArray(), r.rstd().toFloatArray(),
            rm.toFloatArray(), rv.toFloatArray()};
    }

    /**
     * Counts over all cases: [exact outputs, outputs, exact invstd, invstd, max output ulps where the statistics agree,
     * max invstd ulps, exact means, max mean ulps, max output error elsewhere relative to 1 + |y|, and over the NCHW
     * inputs (PyTorch's statistics summed in double) exact invstd, exact means, channels; channels whose running mean
     * and variance are both exact, channels].
     */
    private static double[] check(boolean strict) {
        String cap = cap();
        int cases = Integer.parseInt(get("cases"));
        double[] n = new double[14];
        for (int c = 0; c < cases; c++) {
            String[] h = get("case." + c).split(" ");
            String what = "case " + c + " (" + get("case." + c) + ")";
            boolean train = h[1].equals("train");
            // PyTorch sums an NCHW input's statistics in double, a channels-last or [N, C] one in float partials
            boolean floatSums = !h[2].equals("nchw") || h.length == 6;
            float[][] r = run(c);
            float[] y = floats(cap + "." + c + ".y");
            assertEquals(y.length, r[0].length, what);
            int channels = r[3].length;
            boolean[] sameStats = new boolean[channels];
            java.util.Arrays.fill(sameStats, true);
            if (train) {
                float[] mean = floats(cap + "." + c + ".mean");
                float[] invstd = floats(cap + "." + c + ".invstd");
                for (int k = 0; k < channels; k++) {
                    long dm = ulps(mean[k], r[1][k]);
                    long di = ulps(invstd[k], r[2][k]);
                    double tol = floatSums ? 1e-5 * (Math.abs(mean[k]) + 1 / invstd[k]) : 0;
                    assertTrue((dm <= 1 || Math.abs(mean[k] - r[1][k]) <= tol) && di <= (floatSums ? 8 : 1),
                            what + " channel " + k + ": mean " + mean[k] + " / " + r[1][k] + ", invstd " + invstd[k]
                                    + " / " + r[2][k]);
                    sameStats[k] = dm == 0 && di == 0;
                    n[2] += di == 0 ? 1 : 0;
                    n[3]++;
                    n[5] = Math.max(n[5], di);
                    n[6] += dm == 0 ? 1 : 0;
                    n[7] = Math.max(n[7], dm);
                    if (!floatSums) {
                        n[9] += di == 0 ? 1 : 0;
                        n[10] += dm == 0 ? 1 : 0;
                        n[11]++;
                    }
                }
            }
            int len = 1;
            for (int i = 6; i < h.length; i++) {
                len *= Integer.parseInt(h[i]);
            }
            for (int i = 0; i < y.length; i++) {
                int k = (i / len) % channels;
                long d = ulps(y[i], r[0][i]);
                n[0] += d == 0 ? 1 : 0;
                n[1]++;
                String at = what + " element " + i + ": want " + y[i] + ", got " + r[0][i];
                if (sameStats[k]) {
                    n[4] = Math.max(n[4], d);
                    if (strict) {
                        assertEquals(Float.floatToIntBits(y[i]), Float.floatToIntBits(r[0][i]), at);
                    }
                } else {
                    double e = Math.abs(y[i] - r[0][i]) / (1 + Math.abs(y[i]));
                    n[8] = Math.max(n[8], e);
                    assertTrue(e <= 1e-4, at);
                }
            }
            float[] rm = floats(cap + "." + c + ".rm");
            float[] rv = floats(cap + "." + c + ".rv");
            for (int k = 0; k < channels; k++) {
                boolean ok = ulps(rm[k], r[3][k]) <= 1 || Math.abs(rm[k] - r[3][k]) <= 1e-5 * (1 + Math.abs(rm[k]));
                ok &= ulps(rv[k], r[4][k]) <= (floatSums ? 16 : 1);
                n[12] += Float.floatToIntBits(rm[k]) == Float.floatToIntBits(r[3][k])
                        && Float.floatToIntBits(rv[k]) == Float.floatToIntBits(r[4][k]) ? 1 : 0;
                n[13]++;
                assertTrue(ok, what + " running stats channel " + k + ": " + rm[k] + " / " + r[3][k] + ", " + rv[k]
                        + " / " + r[4][k]);
            }
        }
        return n;
    }

    /**
     * Over every case: [exact input gradients, elements, largest error relative to the case's largest |dx|], the
     * input gradient of {@code sum(y * gy)} against PyTorch's (whose sums are float partials, so not its bits).
     */
    private static double[] checkBackward() {
        int cases = Integer.parseInt(get("cases"));
        double[] n = new double[3];
        for (int c = 0; c < cases; c++) {
            String[] h = get("case." + c).split(" ");
            String mode = h[0];
            int[] shape = new int[h.length - 4];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Integer.parseInt(h[4 + i]);
            }
            MemoryFormat f = h[2].equals("cl") ? MemoryFormat.CHANNELS_LAST
                    : h[2].equals("cl3d") ? MemoryFormat.CHANNELS_LAST_3D : MemoryFormat.CONTIGUOUS_FORMAT;
            Tensor x = Tensor.fromArray(floats("case." + c + ".x")).reshape(shape).contiguous(f).requiresGrad_(true);
            Tensor w = mode.equals("wb") || mode.equals("w") ? Tensor.fromArray(floats("case." + c + ".w")) : null;
            Tensor b = mode.equals("wb") || mode.equals("b") ? Tensor.fromArray(floats("case." + c + ".b")) : null;
            boolean train = h[1].equals("train");
            float[] rv = floats("case." + c + ".rv");
            NormResult r = Tensor.nativeBatchNorm(x, w, b, Tensor.fromArray(floats("case." + c + ".rm")),
                    Tensor.fromArray(rv), train, Double.parseDouble(h[3]), 1e-5);
            float[] gy = floats("case." + c + ".gy");
            r.output().backward(Tensor.fromArray(gy).reshape(shape).contiguous(f));
            float[] got = x.grad().contiguous().toFloatArray();
            float[] want = floats("AVX2." + c + ".dx");
            assertEquals(want.length, got.length, "case " + c);
            // the scale: the largest |dx|, or |dy| invstd |w| where that is larger (a channel of one or two values per
            // batch has a dx of rounding noise alone)
            float[] invstd = train ? r.rstd().toFloatArray() : new float[rv.length];
            float[] wv = w == null ? null : w.toFloatArray();
            int len = want.length / shape[0] / shape[1];
            double scale = 0;
            for (int i = 0; i < want.length; i++) {
                int k = (i / len) % shape[1];
                double is = train ? invstd[k] : 1 / Math.sqrt(rv[k] + 1e-5);
                scale = Math.max(scale, Math.max(Math.abs(want[i]), Math.abs(gy[i] * is * (wv == null ? 1 : wv[k]))));
            }
            for (int i = 0; i < want.length; i++) {
                n[0] += Float.floatToIntBits(want[i]) == Float.floatToIntBits(got[i]) ? 1 : 0;
                n[1]++;
                double e = Math.abs(want[i] - got[i]) / scale;
                n[2] = Math.max(n[2], e);
                assertTrue(e <= 1e-5, "case " + c + " (" + get("case." + c) + ") dx element " + i + ": want " + want[i]
                        + ", got " + got[i]);
            }
        }
        return n;
    }

    /**
     * The float32 input gradient (in float as PyTorch's, see {@code NormKernels.gradInput}) against PyTorch's,
     * counted and bounded, and against the double one before session 58.
     */
    @Test
    void inputGradientIsCloseToPyTorchs() {
        double[] now = checkBackward();
        System.setProperty("ember.cpu.batchNorm.doubleNormalize", "true");
        double[] before = checkBackward();
        System.out.printf("batchnormbits dx: exact %.0f/%.0f (doubleNormalize %.0f/%.0f), max error %.2e of the largest "
                + "|dx| (doubleNormalize %.2e)%n", now[0], now[1], before[0], before[1], now[2], before[2]);
    }

    @Test
    void forwardIsPyTorchs() {
        double[] now = check(true);
        System.setProperty("ember.cpu.batchNorm.doubleNormalize", "true");
        double[] before = check(false);
        System.out.printf("batchnormbits (%s): output exact %.0f/%.0f (doubleNormalize %.0f/%.0f), max %.0f ulps where "
                        + "the statistics agree (doubleNormalize %.0f), max error %.2e elsewhere; invstd exact %.0f/%.0f, "
                        + "max %.0f ulps; mean exact %.0f/%.0f, max %.0f ulps; NCHW invstd exact %.0f/%.0f, mean %.0f/%.0f; running "
                        + "statistics exact %.0f/%.0f%n",
                cap(), now[0], now[1], before[0], before[1], now[4], before[4], now[8], now[2], now[3], now[5], now[6],
                now[3], now[7], now[9], now[11], now[10], now[11], now[12], now[13]);
        assertTrue(now[0] > before[0], "the float output matches more elements than the double one");
    }
}
