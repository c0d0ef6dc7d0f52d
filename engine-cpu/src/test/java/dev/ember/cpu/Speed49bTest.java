package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.CpuCapability;
import dev.ember.backend.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Session 49's CPU speed work, the values it keeps or moves: layer norm's float32 backward
 * ({@link NormKernels#layerNormBackwardFloat}) bit for bit as PyTorch's {@code LayerNormBackwardKernelImpl} on each CPU
 * capability and thread count ({@code speed49b/make_expected.py}, PyTorch 1.13 under ATEN_CPU_CAPABILITY avx512, avx2
 * and default, 1 to 3 threads; the same kernel code as 2.x): rows of one element, shorter than a vector, whole vectors
 * and tails, with and without weight and bias; float32 {@code clamp(lo, hi)} in one pass
 * ({@link ElementwiseKernels#clampFloat}) with PyTorch's values, as the two passes it replaces; a leaf's first
 * gradient copied from the caller's upstream gradient in one pass ({@link CpuBackend#duplicate}).
 */
class Speed49bTest {
    private static final Map<String, String> EXPECTED = read();
    private static final int THREADS = CpuThreads.threads();

    @AfterEach
    void restore() {
        CpuThreads.setThreads(THREADS);
        System.clearProperty("ember.layerNorm.doubleBackward");
        System.clearProperty("ember.clamp.twoPasses");
        System.clearProperty("ember.grad.copyInto");
    }

    private static Map<String, String> read() {
        Map<String, String> out = new HashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                Speed49bTest.class.getResourceAsStream("/speed49b/expected.txt"), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int tab = line.indexOf('\t');
                out.put(line.substring(0, tab), line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
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
            switch (f[i]) {
                case "nan": out[i] = Float.NaN; break;
                case "inf": out[i] = Float.POSITIVE_INFINITY; break;
                case "-inf": out[i] = Float.NEGATIVE_INFINITY; break;
                default: out[i] = Float.parseFloat(f[i]);
            }
        }
        return out;
    }

    private static void assertBits(float[] want, float[] got, int off, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[off + i])) {
                fail(what + " element " + i + ": want " + want[i] + ", got " + got[off + i]);
            }
        }
    }

    /** One case's inputs; {@code w} null where the mode has no weight. */
    private record Case(int m, int n, boolean weight, boolean bias, float[] x, float[] dy, float[] w, float[] mean,
                        float[] rstd) {
    }

    private static Case input(int c) {
        String[] head = get("case." + c).split(" ");
        String mode = head[2];
        boolean weight = mode.equals("wb") || mode.equals("w");
        return new Case(Integer.parseInt(head[0]), Integer.parseInt(head[1]), weight,
                mode.equals("wb") || mode.equals("b"), floats("case." + c + ".x"), floats("case." + c + ".dy"),
                weight ? floats("case." + c + ".w") : null, floats("case." + c + ".mean"), floats("case." + c + ".rstd"));
    }

    private static CpuStorage f32(float[] a) {
        return a == null ? null : new CpuStorage(DType.FLOAT32, a);
    }

    /**
     * dX, dgamma and dbeta as PyTorch's kernel on each capability (the vector loops where they hold the capability's
     * lanes, the element-by-element form on DEFAULT) and 1, 2 and 3 threads (dgamma and dbeta in PyTorch's per-thread
     * buffers).
     */
    @Test
    void layerNormBackwardIsPyTorchsOnEveryCapability() {
        int cases = Integer.parseInt(get("cases"));
        int checked = 0;
        for (String cap : new String[] {"AVX512", "AVX2", "DEFAULT"}) {
            for (int threads = 1; threads <= 3; threads++) {
                CpuThreads.setThreads(threads);
                for (int c = 0; c < cases; c++) {
                    Case k = input(c);
                    float[] dx = new float[k.m * k.n];
                    float[] dw = k.weight ? new float[k.n] : null;
                    float[] db = k.bias ? new float[k.n] : null;
                    Layout l = Layout.contiguous(k.m, k.n);
                    NormKernels.layerNormBackwardFloat(f32(k.dy), l, f32(k.x), l, f32(k.mean), f32(k.rstd), f32(k.w),
                            f32(dx), l, f32(dw), f32(db), cap);
                    String what = cap + " threads " + threads + " case " + c + " " + get("case." + c);
                    assertBits(floats(cap + "." + c + ".dx"), dx, 0, what + " dx");
                    if (k.weight) {
                        assertBits(floats(cap + "." + threads + "." + c + ".dw"), dw, 0, what + " dweight");
                    }
                    if (k.bias) {
                        assertBits(floats(cap + "." + threads + "." + c + ".db"), db, 0, what + " dbias");
                    }
                    checked++;
                }
            }
        }
        assertEquals(3 * 3 * cases, checked);
    }

    /**
     * The element-by-element row ({@link NormKernels#layerNormBackwardRow}, what runs where the Vector API is absent)
     * gives the x86 capabilities' dX too.
     */
    @Test
    void scalarRowsMatchTheVectorLoops() {
        int cases = Integer.parseInt(get("cases"));
        for (String cap : new String[] {"AVX512", "AVX2"}) {
            int lanes = CpuCapability.vectorBytes(cap) / Float.BYTES;
            for (int c = 0; c < cases; c++) {
                Case k = input(c);
                float[] dx = new float[k.m * k.n];
                float[] acc = new float[2 * lanes + 2];
                for (int i = 0; i < k.m; i++) {
                    NormKernels.layerNormBackwardRow(k.x, i * k.n, k.dy, i * k.n, k.w, k.mean[i], k.rstd[i], 1f / k.n,
                            dx, i * k.n, null, null, k.n, lanes, true, true, acc);
                }
                assertBits(floats(cap + "." + c + ".dx"), dx, 0, cap + " scalar case " + c);
            }
        }
    }

    /**
     * Through the CPU backend on this machine's capability: operands read with strides (the upstream gradient
     * transposed in its storage, as an expanded or permuted gradient arrives; the input at an offset) give the dense
     * case's bits; {@code -Dember.layerNorm.doubleBackward=true} gives the double passes' results as before.
     */
    @Test
    void backendTakesStridedRowsAndKeepsTheOldPath() {
        String cap = CpuCapability.value();
        CpuBackend backend = new CpuBackend();
        CpuThreads.setThreads(2);
        int cases = Integer.parseInt(get("cases"));
        int differ = 0;
        for (int c = 0; c < cases; c++) {
            Case k = input(c);
            int m = k.m;
            int n = k.n;
            float[] gt = new float[m * n]; // dy transposed: element (i, j) at j * m + i
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    gt[j * m + i] = k.dy[i * n + j];
                }
            }
            float[] xo = new float[m * n + 3];
            System.arraycopy(k.x, 0, xo, 3, m * n);
            Layout gl = new Layout(new int[] {m, n}, new int[] {1, m}, 0);
            Layout xl = new Layout(new int[] {m, n}, new int[] {n, 1}, 3);
            Layout dl = Layout.contiguous(m, n);
            float[] dx = new float[m * n];
            float[] dw = k.weight ? new float[n] : null;
            float[] db = k.bias ? new float[n] : null;
            backend.layerNormBackward(f32(gt), gl, f32(xo), xl, f32(k.mean), f32(k.rstd), f32(k.w), f32(dx), dl,
                    f32(dw), f32(db));
            String what = cap + " strided case " + c;
            assertBits(floats(cap + "." + c + ".dx"), dx, 0, what + " dx");
            int t = 2;
            if (k.weight) {
                assertBits(floats(cap + "." + t + "." + c + ".dw"), dw, 0, what + " dweight");
            }
            if (k.bias) {
                assertBits(floats(cap + "." + t + "." + c + ".db"), db, 0, what + " dbias");
            }
            // the old path: the double passes, within float rounding of PyTorch's
            System.setProperty("ember.layerNorm.doubleBackward", "true");
            float[] old = new float[m * n];
            float[] oldW = k.weight ? new float[n] : null;
            float[] oldB = k.bias ? new float[n] : null;
            backend.layerNormBackward(f32(gt), gl, f32(xo), xl, f32(k.mean), f32(k.rstd), f32(k.w), f32(old), dl,
                    f32(oldW), f32(oldB));
            System.clearProperty("ember.layerNorm.doubleBackward");
            float[] ref = new float[m * n];
            NormKernels.rowNormBackward(false, f32(gt), gl, f32(xo), xl, f32(k.mean), f32(k.rstd), f32(k.w), f32(ref),
                    dl, k.weight ? f32(new float[n]) : null, k.bias ? f32(new float[n]) : null);
            assertBits(ref, old, 0, what + " old path");
            for (int i = 0; i < m * n; i++) {
                assertEquals(dx[i], old[i], 1e-4f * (1 + Math.abs(dx[i])), what + " old path element " + i);
                differ += Float.floatToIntBits(dx[i]) != Float.floatToIntBits(old[i]) ? 1 : 0;
            }
        }
        assertTrue(differ > 0, "the double passes round differently somewhere");
    }

    /**
     * clamp(lo, hi) of float32 tensors in one pass: PyTorch's bits (NaN kept, -0 kept against a bound of 0, crossed
     * bounds giving hi, infinite bounds, lengths around the vector widths), and {@code -Dember.clamp.twoPasses=true}
     * the same; a tensor long enough to run in parallel gives the two passes' bits, and the gradient is
     * ClampBackward1's.
     */
    @Test
    void clampInOnePassKeepsTheValues() {
        int cases = Integer.parseInt(get("clamps"));
        for (int c = 0; c < cases; c++) {
            String[] bounds = get("clamp." + c).split(" ");
            double lo = bounds[0].equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(bounds[0]);
            double hi = bounds[1].equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bounds[1]);
            float[] xs = floats("clamp." + c + ".x");
            float[] want = floats("clamp." + c + ".out");
            Tensor x = Tensor.fromArray(xs);
            assertEquals(DType.FLOAT32, x.dtype());
            assertBits(want, x.clamp(lo, hi).toFloatArray(), 0, "clamp case " + c + " " + get("clamp." + c));
            System.setProperty("ember.clamp.twoPasses", "true");
            assertBits(want, x.clamp(lo, hi).toFloatArray(), 0, "two passes, clamp case " + c);
            System.clearProperty("ember.clamp.twoPasses");
        }
        Tensor big = Tensor.randn(new Generator(0, Generator.Algorithm.MT19937), DType.FLOAT32, 16, 128, 512);
        float[] one = big.clamp(-1.0, 1.0).toFloatArray();
        System.setProperty("ember.clamp.twoPasses", "true");
        float[] two = big.clamp(-1.0, 1.0).toFloatArray();
        System.clearProperty("ember.clamp.twoPasses");
        assertBits(two, one, 0, "clamp of [16, 128, 512]");
        Tensor leaf = Tensor.fromArray(new float[] {-2f, -1f, 0f, 1f, 2f, Float.NaN}).requiresGrad_(true);
        Tensor y = leaf.clamp(-1.0, 1.0);
        assertEquals("ClampBackward1", y.gradFn().name());
        y.sum().backward();
        assertBits(new float[] {0f, 1f, 1f, 1f, 0f, 0f}, leaf.grad().toFloatArray(), 0, "clamp's gradient");
    }

    /**
     * {@code (x + bias).backward(dy)}: the leaf's gradient is a copy of dy in one pass (the caller's dy is not
     * taken: writing it afterwards leaves the gradient alone), with the leaf's strides where the leaf is permuted, the
     * same values as {@code -Dember.grad.copyInto=true}; the bias's gradient is dy summed as before.
     */
    @Test
    void firstGradientIsACopyOfTheUpstream() {
        Generator g = new Generator(3, Generator.Algorithm.MT19937);
        for (boolean permuted : new boolean[] {false, true}) {
            for (String copyInto : new String[] {"false", "true"}) {
                System.setProperty("ember.grad.copyInto", copyInto);
                Tensor base = Tensor.randn(g, DType.FLOAT32, 4, 6, 8);
                Tensor x = (permuted ? base.permute(2, 0, 1) : base).detach().requiresGrad_(true);
                Tensor bias = Tensor.randn(g, DType.FLOAT32, x.shape()[2]).requiresGrad_(true);
                Tensor dy = Tensor.randn(g, DType.FLOAT32, x.shape());
                if (permuted) {
                    dy = dy.permute(1, 2, 0).contiguous().permute(2, 0, 1); // dy laid out as x
                }
                float[] want = dy.contiguous().toFloatArray();
                x.add(bias).backward(dy);
                String what = "permuted " + permuted + " copyInto " + copyInto;
                assertBits(want, x.grad().contiguous().toFloatArray(), 0, what);
                assertEquals(java.util.Arrays.toString(x.stride()), java.util.Arrays.toString(x.grad().stride()), what);
                dy.mul_(2.0);
                assertBits(want, x.grad().contiguous().toFloatArray(), 0, what + ", dy written afterwards");
                float[] wantBias = dy.div(2.0).sum(new int[] {0, 1}, false).toFloatArray();
                float[] gotBias = bias.grad().toFloatArray();
                for (int i = 0; i < wantBias.length; i++) {
                    assertEquals(wantBias[i], gotBias[i], 1e-5f, what + " bias " + i);
                }
            }
        }
    }
}
