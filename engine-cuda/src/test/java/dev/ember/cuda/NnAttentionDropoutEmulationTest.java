package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.AttentionDropout;
import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nn.cu's fused attention with dropout run on the host, where g++ is installed, against the CPU backend's kernel
 * ({@code Backend.host()}'s attention and attentionBackward with the same dropout seed and offset):
 * src/test/cuda/attn_dropout_emulation/attn_dropout_test.cpp compiles nn.cu through nn_sim.h (a block's threads as
 * threads, {@code __syncthreads} a barrier, shuffles through a buffer), reads the cases this test writes (inputs, the
 * dropout arguments {@link CudaNnKernels#dropArgs} makes, the CPU's output, logsumexp and gradients), launches the four
 * kernels as {@link CudaNnKernels} does and compares (float64 to 1e-10, float32 to 2e-5 of each tensor's largest
 * magnitude): float32 and float64, both head dimension instances, causal, float32 and float64 masks with a fully masked
 * row, grouped-query heads, L != S, sizes off the tiles, p from 0.05 to 0.95, seeds and offsets past 32 bits. It also
 * compares the kernels' keep factor (philox.cuh and the uniform of each weight type: float32, float64, float16,
 * bfloat16) with {@link AttentionDropout#factor} (dev.ember.backend.Philox) for thousands of weights. Then deliberate
 * bugs, each a one-line change of a copy of nn.cu, must each fail it: the forward not dropping, dV from the undropped
 * probabilities, dS without the mask, the float32 uniform off by one bit, the weight's index without its row.
 */
class NnAttentionDropoutEmulationTest {
    private static final Path DIR = Path.of("src/test/cuda/attn_dropout_emulation");
    private static final Path NN_SIM = Path.of("src/test/cuda");

    /** The one-line bugs: what to replace in nn.cu (or, with a third element, in that file), and with what. */
    static final Map<String, String[]> BUGS = new LinkedHashMap<>();

    static {
        BUGS.put("forward: probabilities not dropped", new String[] {"if (s[jj] != (T) 0) s[jj] *= (T) attnDropFactor(",
            "if (false) s[jj] *= (T) attnDropFactor("});
        BUGS.put("backward: dV from the undropped probabilities", new String[] {"dv[p] += pd * Os[ii][lane + p * TPR];",
            "dv[p] += pr * Os[ii][lane + p * TPR];"});
        BUGS.put("backward: dS of dQ without the mask", new String[] {"                    pa *= (T) attnDropFactor(",
            "                    pa *= (T) 1 + 0 * attnDropFactor("});
        BUGS.put("float32 uniform off by one bit", new String[] {"u = (double) ((float) (w[0] >> 8) * 5.9604644775390625e-8f);",
            "u = (double) ((float) (w[0] >> 9) * 5.9604644775390625e-8f);", "philox.cuh"});
        BUGS.put("weight index without its row", new String[] {
            "unsigned long long base = dropOffset + (((unsigned long long) b * g.H + h) * g.L + i) * g.S + n0;",
            "unsigned long long base = dropOffset + (((unsigned long long) b * g.H + h) * g.L) * g.S + n0;"});
    }

    private final Random random = new Random(2718);
    private int cases;

    private static String num(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        return Double.toString(x);
    }

    private static void append(StringBuilder sb, double[] a) {
        for (double x : a) {
            sb.append(num(x)).append(' ');
        }
        sb.append('\n');
    }

    private double[] values(DType t, int n, double range) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            double x = (random.nextDouble() * 2 - 1) * range;
            a[i] = t == DType.FLOAT64 ? x : t == DType.FLOAT32 ? (float) x : t == DType.FLOAT16
                    ? dev.ember.Half.toFloat(dev.ember.Half.fromFloat((float) x))
                    : dev.ember.BFloat16.toFloat(dev.ember.BFloat16.fromFloat((float) x));
        }
        return a;
    }

    /** A host storage of type {@code t} holding {@code a} (exact in {@code t}); the half types through float32. */
    private static Storage hostStorage(DType t, double[] a) {
        Backend host = Backend.host();
        if (t == DType.FLOAT32 || t == DType.FLOAT64) {
            return host.fromArray(array(t, a), 0);
        }
        Layout all = Layout.contiguous(a.length);
        try (Storage f = host.fromArray(array(DType.FLOAT32, a), 0)) {
            Storage h = host.allocate(t, a.length, 0);
            host.copy(f, all, h, all);
            return h;
        }
    }

    /** A host storage's elements as doubles (the half types through float32). */
    private static double[] read(Storage s, Layout l) {
        Backend host = Backend.host();
        if (s.dtype() == DType.FLOAT32 || s.dtype() == DType.FLOAT64) {
            return doubles(host.toArray(s, l));
        }
        Layout all = Layout.contiguous((int) l.numel());
        try (Storage f = host.allocate(DType.FLOAT32, l.numel(), 0)) {
            host.copy(s, l, f, all);
            return doubles(host.toArray(f, all));
        }
    }

    private static Object array(DType t, double[] a) {
        if (t == DType.FLOAT64) {
            return a.clone();
        }
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private static double[] doubles(Object a) {
        if (a instanceof double[]) {
            return (double[]) a;
        }
        float[] f = (float[]) a;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** One case: inputs, the CPU kernel's results with dropout, written for the C++ side. */
    private void attnCase(StringBuilder sb, String name, DType t, int b, int h, int hk, int l, int s, int e, int ev,
                          boolean causal, DType maskType, double p, long seed, long offset) {
        Backend host = Backend.host();
        double scale = 1 / Math.sqrt(e) * 1.1;
        double[] q = values(t, b * h * l * e, 2);
        double[] k = values(t, b * hk * s * e, 2);
        double[] v = values(t, b * hk * s * ev, 2);
        double[] go = values(t, b * h * l * ev, 1);
        double[] m = maskType == null ? null : values(maskType, l * s, 1);
        if (m != null && l > 2) {
            for (int j = 0; j < s; j++) {
                m[2 * s + j] = Double.NEGATIVE_INFINITY; // row 2: every key masked
            }
        }
        Layout lq = Layout.contiguous(b, h, l, e);
        Layout lk = Layout.contiguous(b, hk, s, e);
        Layout lv = Layout.contiguous(b, hk, s, ev);
        Layout lo = Layout.contiguous(b, h, l, ev);
        Layout ll = Layout.contiguous(b, h, l);
        Layout lm = new Layout(new int[] {b, h, l, s}, new int[] {0, 0, s, 1}, 0);
        double[][] results = new double[5][];
        boolean half = t == DType.FLOAT16 || t == DType.BFLOAT16;
        try (Storage sq = hostStorage(t, q); Storage sk = hostStorage(t, k); Storage sv = hostStorage(t, v);
             Storage sgo = hostStorage(t, go); Storage sm = m == null ? null : hostStorage(maskType, m);
             Storage so = host.allocate(t, lo.numel(), 0);
             Storage sl = host.allocate(half ? DType.FLOAT32 : t, ll.numel(), 0);
             Storage sgq = host.allocate(t, lq.numel(), 0); Storage sgk = host.allocate(t, lk.numel(), 0);
             Storage sgv = host.allocate(t, lv.numel(), 0)) {
            host.attention(sq, lq, sk, lk, sv, lv, sm, lm, causal, scale, p, seed, offset, so, lo, sl, ll);
            host.attentionBackward(sgo, lo, sq, lq, sk, lk, sv, lv, sm, lm, causal, scale, p, seed, offset, so, lo, sl, ll,
                    sgq, lq, sgk, lk, sgv, lv);
            results[0] = read(so, lo);
            results[1] = read(sl, ll);
            results[2] = read(sgq, lq);
            results[3] = read(sgk, lk);
            results[4] = read(sgv, lv);
        }
        Object[] drop = CudaNnKernels.dropArgs(t, p, seed, offset);
        assertEquals(AttentionDropout.kind(t), drop[4], name);
        int tag = t == DType.FLOAT32 ? 4 : t == DType.FLOAT64 ? 8 : t == DType.FLOAT16 ? 2 : 3;
        sb.append(name.replace(' ', '_')).append(' ').append(tag);
        for (int x : new int[] {b, h, hk, l, s, e, ev, causal ? 1 : 0, maskType == null ? 0
                : maskType == DType.FLOAT32 ? 1 : 2}) {
            sb.append(' ').append(x);
        }
        sb.append(' ').append(num(scale)).append(' ').append(num((Double) drop[0])).append(' ')
                .append(num((Double) drop[1])).append(' ').append(Long.toUnsignedString((Long) drop[2])).append(' ')
                .append(Long.toUnsignedString((Long) drop[3])).append(' ').append(drop[4]).append('\n');
        append(sb, q);
        append(sb, k);
        append(sb, v);
        append(sb, go);
        if (m != null) {
            append(sb, m);
        }
        for (double[] r : results) {
            append(sb, r);
        }
        cases++;
    }

    /** The factors of the first {@code n} weights for one weight type, p, seed and offset. */
    private static void factors(StringBuilder sb, DType t, double p, long seed, long offset, int n) {
        Object[] drop = CudaNnKernels.dropArgs(t, p, seed, offset);
        assertEquals(AttentionDropout.kind(t), drop[4]);
        double thr = (Double) drop[0];
        double scale = (Double) drop[1];
        sb.append("factors ").append(drop[4]).append(' ').append(num(thr)).append(' ').append(num(scale)).append(' ')
                .append(Long.toUnsignedString(seed)).append(' ').append(Long.toUnsignedString(offset)).append(' ')
                .append(n).append('\n');
        int[] words = new int[4];
        double[] f = new double[n];
        long dropped = 0;
        for (int i = 0; i < n; i++) {
            f[i] = AttentionDropout.factor(t, seed, offset, i, thr, scale, words);
            dropped += f[i] == 0 ? 1 : 0;
        }
        assertTrue(dropped > 0 && dropped < n, t + " p " + p);
        append(sb, f);
    }

    private String cases() {
        StringBuilder sb = new StringBuilder();
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            factors(sb, t, 0.2, 42, 0, 3000);
            factors(sb, t, 0.55, -7_000_000_000L, 5_000_000_000L, 3000);
        }
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            String n = " " + t;
            attnCase(sb, "one" + n, t, 1, 1, 1, 1, 1, 1, 1, false, null, 0.3, 1, 0);
            attnCase(sb, "small" + n, t, 2, 3, 3, 5, 7, 4, 4, false, null, 0.2, 99, 17);
            attnCase(sb, "tiles crossed" + n, t, 1, 2, 2, 37, 70, 8, 8, false, null, 0.5, 123_456_789_012L, 3);
            attnCase(sb, "causal L > S" + n, t, 1, 2, 2, 40, 21, 6, 5, true, null, 0.3, 5, 1L << 33);
            attnCase(sb, "causal L < S" + n, t, 2, 1, 1, 19, 45, 6, 6, true, null, 0.7, 6, 0);
            attnCase(sb, "float32 mask, masked row" + n, t, 1, 2, 2, 20, 35, 8, 8, false, DType.FLOAT32, 0.25, 7, 11);
            attnCase(sb, "float64 mask" + n, t, 2, 1, 1, 9, 33, 5, 7, false, DType.FLOAT64, 0.05, 8, 0);
            attnCase(sb, "gqa" + n, t, 1, 4, 2, 17, 23, 8, 8, true, null, 0.4, 9, 100);
            attnCase(sb, "head dim 80 (d128)" + n, t, 1, 1, 1, 20, 40, 80, 72, false, DType.FLOAT32, 0.95, 10, 0);
        }
        return sb.toString();
    }

    /** float16 and bfloat16 cases for the tensor-core kernels (a float32 mask or none: their mask types). */
    private String halfCases() {
        StringBuilder sb = new StringBuilder();
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            String n = " " + t;
            attnCase(sb, "small" + n, t, 2, 3, 3, 5, 7, 16, 16, false, null, 0.2, 99, 17);
            attnCase(sb, "tiles crossed" + n, t, 1, 2, 2, 70, 130, 32, 32, false, null, 0.5, 123_456_789_012L, 3);
            attnCase(sb, "causal L > S" + n, t, 1, 1, 1, 80, 67, 16, 16, true, null, 0.3, 5, 1L << 33);
            attnCase(sb, "float32 mask, masked row, gqa" + n, t, 1, 4, 2, 20, 35, 8, 8, false, DType.FLOAT32, 0.25, 7,
                    11);
            attnCase(sb, "head dim 100 (d128)" + n, t, 1, 1, 1, 20, 40, 100, 72, true, null, 0.9, 10, 0);
        }
        return sb.toString();
    }

    /** The tensor-core bugs: what to replace in attn_tc_kernels.cu, and with what. */
    static final Map<String, String[]> TC_BUGS = new LinkedHashMap<>();

    static {
        TC_BUGS.put("forward: probabilities not dropped", new String[] {"s[nt][c] *= (float) attnDropFactor(",
            "s[nt][c] *= 1.f + 0.f * (float) attnDropFactor("});
        TC_BUGS.put("backward: dV from the undropped probabilities", new String[] {"st[nt][c] = p * f;",
            "st[nt][c] = p;"});
        TC_BUGS.put("backward: dS without the mask", new String[] {"dp[nt][c] *= f;", "dp[nt][c] *= 1.f;"});
    }

    private static Path buildTc(String gxx, Path tmp, Path kernelDir, String name) throws Exception {
        Path exe = tmp.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-ffp-contract=off"));
        if (kernelDir != null) {
            cmd.addAll(List.of("-I", kernelDir.toString()));
        }
        Path tc = Path.of("src/test/cuda/attn_tc_emulation");
        cmd.addAll(List.of("-I", tmp.toString(), "-I", HostToolchain.CUDA.toString(), "-I", HostToolchain.SHIM.toString(),
                "-I", "src/test/cuda/tc_emulation", "-I", tc.toString(), "-o", exe.toString(),
                tc.resolve("attn_tc_dropout_test.cpp").toString()));
        HostToolchain.run(cmd);
        return exe;
    }

    /**
     * attn_tc_kernels.cu's float16/bfloat16 kernels with dropout against the CPU's kernel on the same half inputs (see
     * attn_tc_emulation/attn_tc_dropout_test.cpp), then three one-line bugs, each of which must fail it.
     */
    @Test
    void tensorCoreDropoutAgreesWithTheCpuKernelAndCatchesBugs() throws Exception {
        Path dir = Path.of("src/test/cuda/attn_tc_emulation");
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_tc_dropout_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), TcAttentionEmulationTest.prelude());
            Path file = tmp.resolve("cases.txt");
            Files.writeString(file, halfCases());
            String out = HostToolchain.run(List.of(buildTc(gxx, tmp, null, "tc_dropout").toString(), file.toString()));
            assertTrue(out.contains(" 0 failures"), out);
            assertTrue(out.contains(cases + " cases, "), out);
            String source = Files.readString(HostToolchain.CUDA.resolve("attn_tc_kernels.cu"));
            int i = 0;
            for (Map.Entry<String, String[]> bug : TC_BUGS.entrySet()) {
                String[] change = bug.getValue();
                assertTrue(source.contains(change[0]), bug.getKey() + ": the line is gone from the kernel");
                assertEquals(source.indexOf(change[0]), source.lastIndexOf(change[0]), bug.getKey() + ": not one place");
                Path bugDir = Files.createDirectories(tmp.resolve("bug" + i++));
                Files.writeString(bugDir.resolve("attn_tc_kernels.cu"), source.replace(change[0], change[1]));
                String bad = HostToolchain.run(List.of(buildTc(gxx, tmp, bugDir, "bug").toString(), file.toString()));
                assertTrue(bad.contains(" failures"), bad);
                assertFalse(bad.contains(" 0 failures"), bug.getKey() + " was not caught:\n" + bad);
            }
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }

    private static Path build(String gxx, Path tmp, Path kernelDir, String name) throws Exception {
        Path exe = tmp.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-ffp-contract=off"));
        if (kernelDir != null) {
            cmd.addAll(List.of("-I", kernelDir.toString()));
        }
        cmd.addAll(List.of("-I", HostToolchain.CUDA.toString(), "-I", NN_SIM.toString(), "-o", exe.toString(),
                DIR.resolve("attn_dropout_test.cpp").toString()));
        HostToolchain.run(cmd);
        return exe;
    }

    @Test
    void nnCuDropoutAgreesWithTheCpuKernelAndCatchesBugs() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_attn_dropout_emulation");
        try {
            Path file = tmp.resolve("cases.txt");
            Files.writeString(file, cases());
            String out = HostToolchain.run(List.of(build(gxx, tmp, null, "attn_dropout_test").toString(),
                    file.toString()));
            assertTrue(out.contains(" 0 failures"), out);
            assertTrue(out.contains(cases + " cases, "), out); // every case ran
            int i = 0;
            for (Map.Entry<String, String[]> bug : BUGS.entrySet()) {
                String[] change = bug.getValue();
                String file0 = change.length > 2 ? change[2] : "nn.cu";
                String source = Files.readString(HostToolchain.CUDA.resolve(file0));
                assertTrue(source.contains(change[0]), bug.getKey() + ": the line is gone from the kernel");
                assertEquals(source.indexOf(change[0]), source.lastIndexOf(change[0]), bug.getKey() + ": not one place");
                Path dir = Files.createDirectories(tmp.resolve("bug" + i++));
                // both files beside each other, so that nn.cu's #include "philox.cuh" finds the copy
                for (String f : new String[] {"nn.cu", "philox.cuh"}) {
                    Files.copy(HostToolchain.CUDA.resolve(f), dir.resolve(f));
                }
                Files.writeString(dir.resolve(file0), source.replace(change[0], change[1]));
                String bad = HostToolchain.run(List.of(build(gxx, tmp, dir, "bug").toString(), file.toString()));
                assertTrue(bad.contains(" failures"), bad);
                assertFalse(bad.contains(" 0 failures"), bug.getKey() + " was not caught:\n" + bad);
            }
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
