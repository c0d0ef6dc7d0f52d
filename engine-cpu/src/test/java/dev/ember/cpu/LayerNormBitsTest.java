package dev.ember.cpu;

import dev.ember.DType;
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
 * Layer norm's float32 forward ({@link NormKernels#layerNormForwardFloat}: output, mean and rstd) bit for bit as
 * PyTorch 1.13's {@code LayerNormKernelImpl} on each CPU capability ({@code layernormbits/make_expected.py}, which
 * says why the statistics are the same on every capability there): rows of 1 to 70 elements, around the vector and
 * chunk sizes, 768, 1000, 4097 and 2181 (the cascade's carries), with and without weight and bias, constant rows,
 * large offsets, huge and tiny values.
 */
class LayerNormBitsTest {
    private static final Map<String, String> EXPECTED = read();
    private static final int THREADS = CpuThreads.threads();

    @AfterEach
    void restore() {
        CpuThreads.setThreads(THREADS);
        System.clearProperty("ember.layerNorm.doubleForward");
    }

    private static Map<String, String> read() {
        Map<String, String> out = new HashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                LayerNormBitsTest.class.getResourceAsStream("/layernormbits/expected.txt"), StandardCharsets.UTF_8))) {
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
            out[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16));
        }
        return out;
    }

    private static void assertBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                fail(what + " element " + i + ": want " + want[i] + ", got " + got[i]);
            }
        }
    }

    /** One case's inputs; {@code w} ({@code b}) null where the mode has no weight (bias). */
    private record Case(int m, int n, String head, float[] x, float[] w, float[] b) {
    }

    private static Case input(int c) {
        String head = get("case." + c);
        String[] h = head.split(" ");
        String mode = h[2];
        return new Case(Integer.parseInt(h[0]), Integer.parseInt(h[1]), head, floats("case." + c + ".x"),
                mode.equals("wb") || mode.equals("w") ? floats("case." + c + ".w") : null,
                mode.equals("wb") || mode.equals("b") ? floats("case." + c + ".b") : null);
    }

    private static CpuStorage f32(float[] a) {
        return a == null ? null : new CpuStorage(DType.FLOAT32, a);
    }

    /** Output, mean and rstd of {@code k} through the kernel as the build of {@code cap} computes them. */
    private static float[][] run(Case k, String cap, boolean scalar) {
        float[] y = new float[k.m * k.n];
        float[] mean = new float[k.m];
        float[] rstd = new float[k.m];
        Layout l = Layout.contiguous(k.m, k.n);
        boolean fusedOut = CpuCapability.fusesMultiplyAdd(cap);
        if (!scalar) {
            NormKernels.layerNormForwardFloat(f32(k.x), l, f32(k.w), f32(k.b), 1e-5, f32(y), l, f32(mean), f32(rstd),
                    NormKernels.MOMENTS_LANES, false, fusedOut);
            return new float[][] {y, mean, rstd};
        }
        int lanes = NormKernels.MOMENTS_LANES;
        float[] stk1 = new float[32 * lanes];
        float[] stk2 = new float[32 * lanes];
        long[] cnt = new long[32];
        float[] chunk = new float[4 * lanes];
        float[] res = new float[2];
        for (int i = 0; i < k.m; i++) {
            NormKernels.rowMoments(k.x, i * k.n, k.n, lanes, false, stk1, stk2, cnt, chunk, res);
            mean[i] = res[0];
            rstd[i] = 1f / (float) Math.sqrt(res[1] + 1e-5f);
            NormKernels.layerNormOutRow(k.x, i * k.n, rstd[i], -rstd[i] * mean[i], k.w, k.b, y, i * k.n, 1, k.n,
                    fusedOut);
        }
        return new float[][] {y, mean, rstd};
    }

    /**
     * Every case on every capability, with the vector loops (two 8-lane chunks per vector on a 16-lane machine) and
     * with the element-by-element form (what runs where the Vector API is absent), on 1 and 3 threads.
     */
    @Test
    void forwardIsPyTorchsOnEveryCapability() {
        int cases = Integer.parseInt(get("cases"));
        int checked = 0;
        for (String cap : new String[] {"AVX512", "AVX2", "DEFAULT"}) {
            for (int threads : new int[] {1, 3}) {
                CpuThreads.setThreads(threads);
                for (boolean scalar : new boolean[] {false, true}) {
                    for (int c = 0; c < cases; c++) {
                        Case k = input(c);
                        float[][] r = run(k, cap, scalar);
                        String what = cap + (scalar ? " scalar" : "") + " threads " + threads + " case " + c + " "
                                + k.head;
                        assertBits(floats(cap + "." + c + ".mean"), r[1], what + " mean");
                        assertBits(floats(cap + "." + c + ".rstd"), r[2], what + " rstd");
                        assertBits(floats(cap + "." + c + ".y"), r[0], what + " y");
                        checked++;
                    }
                }
            }
        }
        assertEquals(3 * 2 * 2 * cases, checked);
    }

    /**
     * Through the public API on this machine's capability: {@code Tensor.layerNorm} of the input read with strides (a
     * transposed storage) gives the dense case's bits; {@code -Dember.layerNorm.doubleForward=true} gives the double
     * passes' results as before, within float rounding of PyTorch's and not all the same bits.
     */
    @Test
    void publicApiTakesStridedRowsAndKeepsTheOldPath() {
        String cap = CpuCapability.value();
        int cases = Integer.parseInt(get("cases"));
        int differ = 0;
        for (int c = 0; c < cases; c++) {
            Case k = input(c);
            float[] t = new float[k.m * k.n]; // x transposed in its storage
            for (int i = 0; i < k.m; i++) {
                for (int j = 0; j < k.n; j++) {
                    t[j * k.m + i] = k.x[i * k.n + j];
                }
            }
            Tensor x = Tensor.fromArray(t).reshape(k.n, k.m).t();
            Tensor w = k.w == null ? null : Tensor.fromArray(k.w);
            Tensor b = k.b == null ? null : Tensor.fromArray(k.b);
            float[] want = floats(cap + "." + c + ".y");
            String what = cap + " case " + c + " " + k.head;
            assertBits(want, Tensor.layerNorm(x, new int[] {k.n}, w, b, 1e-5).toFloatArray(), what + " strided");
            System.setProperty("ember.layerNorm.doubleForward", "true");
            float[] old = Tensor.layerNorm(x, new int[] {k.n}, w, b, 1e-5).toFloatArray();
            System.clearProperty("ember.layerNorm.doubleForward");
            if (!k.head.endsWith("large") && !k.head.endsWith("constant")) {
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], old[i], 2e-4f * (1 + Math.abs(want[i])), what + " old path element " + i);
                }
            }
            for (int i = 0; i < want.length; i++) {
                differ += Float.floatToIntBits(want[i]) != Float.floatToIntBits(old[i]) ? 1 : 0;
            }
        }
        assertTrue(differ > 0, "the double passes round differently somewhere");
    }
}
