package dev.ember;

import dev.ember.backend.CpuCapability;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which formula batch norm's forward output takes on each path, float32 and float64, against PyTorch's bits
 * ({@code batchnormformula/make_expected.py}, PyTorch 1.13 with 2.x's paths): where the input is contiguous in some
 * format and the parameters and statistics are contiguous, PyTorch's kernel ({@code fma(x, alpha, fma(-mean, alpha,
 * bias))} on the FMA builds, rounded twice on DEFAULT); elsewhere (expanded, permuted, sliced, a 3-D input with the
 * channels innermost, a stepped weight or running variance) its TensorIterator's {@code ((x - mean) * invstd) * weight
 * + bias}, every operation rounded. Lengths 5, 8, 13 and 37 (float32's vector loops' body and tail), constant inputs
 * (variance 0: invstd = 1 / sqrt(eps)) and others, every mode of weight and bias, training and evaluation. In
 * evaluation every element's bits equal PyTorch's; in training so do they wherever the channel's mean and invstd do
 * (the statistics' sums differ in order, so an invstd can be an ulp apart: counted and bounded), always on the constant
 * inputs. Found by session 62's hunt of fuzz round 36 (seed 6236): an expanded constant input gave 2.249969482421875
 * where PyTorch gives the bias, 2.25.
 */
class BatchNormFormulaTest {
    private static final Map<String, String> EXPECTED = read();

    @AfterEach
    void restore() {
        System.clearProperty("ember.batchNorm.oldFormula");
    }

    private static Map<String, String> read() {
        return ReferenceCases.strings("/batchnormformula/expected.txt");
    }

    private static String get(String key) {
        String v = EXPECTED.get(key);
        assertNotNull(v, "missing expected value " + key);
        return v;
    }

    /** Bit patterns in hex as doubles (a float32 one widened exactly). */
    private static double[] bits(String key, boolean f32) {
        String[] f = get(key).split(" ");
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f32 ? Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16))
                    : Double.longBitsToDouble(Long.parseUnsignedLong(f[i], 16));
        }
        return out;
    }

    /** Every other element of {@code v} at the even places of a tensor twice as long, the odd ones {@code v + 1}. */
    private static Tensor stepped(double[] v, int[] shape, DType dtype) {
        double[] wide = new double[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            wide[2 * i] = v[i];
            wide[2 * i + 1] = v[i] + 1;
        }
        int[] s = shape.clone();
        s[s.length - 1] *= 2;
        int last = s.length - 1;
        return Tensor.tensor(wide, dtype).reshape(s).slice(last, 0, s[last], 2);
    }

    private static boolean contiguousLayout(String layout) {
        return layout.equals("nchw") || layout.equals("ncl") || layout.equals("nc") || layout.equals("cl");
    }

    /** The case's output and, in training, its mean and invstd, as doubles. */
    private static double[][] run(int c) {
        String[] h = get("case." + c).split(" ");
        DType dtype = h[0].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
        boolean f32 = dtype == DType.FLOAT32;
        String layout = h[1];
        boolean train = h[2].equals("train");
        String mode = h[3];
        boolean constant = h[4].equals("const");
        int[] shape = new int[h.length - 5];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Integer.parseInt(h[5 + i]);
        }
        String[] xs = get("case." + c + ".x").split(" ");
        double[] xv = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            xv[i] = Integer.parseInt(xs[i]) / 8.0;
        }
        Tensor dense = Tensor.tensor(xv, dtype).reshape(shape);
        Tensor x;
        switch (layout) {
            case "cl":
                x = dense.contiguous(MemoryFormat.CHANNELS_LAST);
                break;
            case "expand": {
                // the first batch row over the batch, or (a constant case) the first value of each channel over all
                Tensor base = constant ? dense.slice(0, 0, 1, 1).slice(3, 0, 1, 1) : dense.slice(0, 0, 1, 1);
                x = base.contiguous().expand(shape);
                break;
            }
            case "perm":
                x = dense.permute(3, 1, 2, 0).contiguous().permute(3, 1, 2, 0);
                break;
            case "slice":
                x = stepped(xv, shape, dtype);
                break;
            case "nlc":
                x = dense.transpose(1, 2).contiguous().transpose(1, 2);
                break;
            default:
                x = dense;
        }
        assertArrayEquals(xv, x.contiguous().toDoubleArray(), "case " + c + " input");
        int channels = shape[1];
        Tensor w = Tensor.tensor(bits("case." + c + ".w", f32), dtype);
        Tensor b = Tensor.tensor(bits("case." + c + ".b", f32), dtype);
        Tensor rm = Tensor.tensor(bits("case." + c + ".rm", f32), dtype);
        double[] rvv = bits("case." + c + ".rv", f32);
        Tensor rv = layout.equals("steprv") ? stepped(rvv, new int[] {channels}, dtype) : Tensor.tensor(rvv, dtype);
        w = mode.equals("wb") || mode.equals("w") ? w : null;
        b = mode.equals("wb") || mode.equals("b") ? b : null;
        if (layout.equals("stepw") && w != null) {
            w = stepped(w.toDoubleArray(), new int[] {channels}, dtype);
            assertFalse(w.isContiguous());
        }
        assertEquals(contiguousLayout(layout) || layout.startsWith("step"), x.isContiguous()
                || NNOps.channelsLastContiguous(x.shape, x.layout.strides()), "case " + c + " layout");
        NormResult r = Tensor.nativeBatchNorm(x, w, b, rm, rv, train, 0.1, 1e-5);
        return new double[][] {r.output().contiguous().toDoubleArray(), r.mean().toDoubleArray(),
            r.rstd().toDoubleArray()};
    }

    /** Whether PyTorch takes its kernel: a contiguous layout, or a stepped weight not given. */
    private static boolean kernelPath(String layout, String mode) {
        return contiguousLayout(layout) || layout.equals("stepw") && (mode.equals("b") || mode.equals("none"));
    }

    /** The expected values' capability: DEFAULT's lines are there for the kernel's path only (else AVX2's). */
    private static String cap(String layout, String mode) {
        return CpuCapability.value().equals("DEFAULT") && kernelPath(layout, mode) ? "DEFAULT" : "AVX2";
    }

    private static boolean same(double a, double b, boolean f32) {
        return f32 ? Float.floatToIntBits((float) a) == Float.floatToIntBits((float) b)
                : Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
    }

    /**
     * Over every case: [exact outputs, outputs, channels with PyTorch's mean and invstd, training channels, largest
     * relative error elsewhere, exact outputs off the kernel's path, their outputs]; with {@code strict} each
     * element whose channel's statistics are PyTorch's must be its bits.
     */
    private static double[] check(boolean strict) {
        int cases = Integer.parseInt(get("cases"));
        double[] n = new double[7];
        for (int c = 0; c < cases; c++) {
            String[] h = get("case." + c).split(" ");
            boolean f32 = h[0].equals("float32");
            String layout = h[1];
            boolean train = h[2].equals("train");
            String what = "case " + c + " (" + get("case." + c) + ")";
            String cap = cap(layout, h[3]);
            double[][] r = run(c);
            double[] y = bits(cap + "." + c + ".y", f32);
            assertEquals(y.length, r[0].length, what);
            int channels = Integer.parseInt(h[6]);
            boolean[] sameStats = new boolean[channels];
            java.util.Arrays.fill(sameStats, true);
            boolean constant = h[4].equals("const");
            if (train) {
                double[] mean = bits(cap + "." + c + ".mean", f32);
                double[] invstd = bits(cap + "." + c + ".invstd", f32);
                for (int k = 0; k < channels; k++) {
                    double tol = f32 ? 1e-6 : 1e-14;
                    assertTrue(Math.abs(mean[k] - r[1][k]) <= tol * (Math.abs(mean[k]) + 1 / invstd[k])
                                    && Math.abs(invstd[k] - r[2][k]) <= tol * invstd[k],
                            what + " channel " + k + ": mean " + mean[k] + " / " + r[1][k] + ", invstd " + invstd[k]
                                    + " / " + r[2][k]);
                    sameStats[k] = same(mean[k], r[1][k], f32) && same(invstd[k], r[2][k], f32);
                    // a constant channel's statistics are exact on both sides (the mean the value, the variance 0)
                    assertTrue(!constant || sameStats[k], what + " channel " + k + ": constant, statistics differ");
                    n[2] += sameStats[k] ? 1 : 0;
                    n[3]++;
                }
            }
            int len = y.length / Integer.parseInt(h[5]) / channels;
            for (int i = 0; i < y.length; i++) {
                int k = (i / len) % channels;
                boolean exact = same(y[i], r[0][i], f32);
                n[0] += exact ? 1 : 0;
                n[1]++;
                if (!kernelPath(layout, h[3])) {
                    n[5] += exact ? 1 : 0;
                    n[6]++;
                }
                String at = what + " element " + i + ": want " + y[i] + ", got " + r[0][i];
                if (sameStats[k]) {
                    if (strict) {
                        assertTrue(exact, at);
                    }
                } else {
                    double e = Math.abs(y[i] - r[0][i]) / (1 + Math.abs(y[i]));
                    n[4] = Math.max(n[4], e);
                    assertTrue(e <= (f32 ? 1e-5 : 1e-13), at);
                }
            }
        }
        return n;
    }

    @Test
    void outputsArePyTorchsBitsOnEveryPath() {
        assertEquals("0", get("AVX2.formulaMismatches"));
        assertEquals("0", get("DEFAULT.formulaMismatches"));
        double[] n = check(true);
        System.out.printf("batch norm formula: %d of %d outputs exact (off the kernel's path %d of %d), %d of %d "
                        + "training channels with PyTorch's statistics, largest error elsewhere %.3g (%s)%n",
                (long) n[0], (long) n[1], (long) n[5], (long) n[6], (long) n[2], (long) n[3], n[4],
                CpuCapability.value());
        assertEquals(200, Integer.parseInt(get("cases")));
        // most channels' statistics agree, so most outputs are held to PyTorch's bits
        assertTrue(n[2] >= 0.75 * n[3], n[2] + " of " + n[3]);
        assertTrue(n[0] >= 0.9 * n[1], n[0] + " of " + n[1]);
    }

    /**
     * The kernel's formula on every layout (the path before session 63, {@code -Dember.batchNorm.oldFormula=true}) and
     * float64's {@code (x - mean) * (invstd * weight) + bias}: fewer outputs are PyTorch's bits, most of the
     * non-contiguous layouts' not.
     */
    @Test
    void oldFormulaMatchesFewer() {
        double[] now = check(false);
        System.setProperty("ember.batchNorm.oldFormula", "true");
        double[] old = check(false);
        System.out.printf("batch norm formula before session 63: %d of %d outputs exact (off the kernel's path %d "
                + "of %d); now %d, %d%n", (long) old[0], (long) old[1], (long) old[5], (long) old[6], (long) now[0],
                (long) now[5]);
        assertTrue(old[0] < now[0], old[0] + " / " + now[0]);
        assertTrue(old[5] < 0.8 * now[5], old[5] + " / " + now[5]);
    }

    /**
     * The hunt's case: {@code F.batch_norm(torch.full((1, 1, 2, 5), -2.5), None, None, weight=[-2.625], bias=[2.25],
     * training=True)} as round 36 built it, a [1, 1, 1, 1] expanded: exactly the bias (the TensorIterator path,
     * {@code (x - mean) = 0}); the same values contiguous take the kernel, whose beta is rounded: 2.249969482421875 on
     * the FMA builds, 2.25 on DEFAULT (PyTorch 1.13's outputs under ATEN_CPU_CAPABILITY=avx2 and default).
     */
    @Test
    void constantExpandedInputGivesTheBias() {
        Tensor w = Tensor.fromArray(new float[] {-2.625f});
        Tensor b = Tensor.fromArray(new float[] {2.25f});
        Tensor expanded = Tensor.fromArray(new float[] {-2.5f}).reshape(1, 1, 1, 1).expand(1, 1, 2, 5);
        float[] y = Functional.batchNorm(expanded, null, null, w, b, true, 0.1, 1e-5).toFloatArray();
        float[] want = new float[10];
        java.util.Arrays.fill(want, 2.25f);
        assertArrayEquals(want, y);
        float[] yc = Functional.batchNorm(expanded.contiguous(), null, null, w, b, true, 0.1, 1e-5).toFloatArray();
        java.util.Arrays.fill(want, CpuCapability.value().equals("DEFAULT") ? 2.25f : 2.249969482421875f);
        assertArrayEquals(want, yc);
        // no bias: PyTorch adds a zero, so the zeros ((x - mean) * invstd * -2.625 = -0) come out +0
        float[] y0 = Functional.batchNorm(expanded, null, null, w, null, true, 0.1, 1e-5).toFloatArray();
        for (float v : y0) {
            assertEquals(0, Float.floatToRawIntBits(v), "want +0, got " + v);
        }
    }
}
