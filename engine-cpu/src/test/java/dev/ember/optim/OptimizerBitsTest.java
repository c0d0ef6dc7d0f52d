package dev.ember.optim;

import dev.ember.DType;
import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Float32 and float64 optimizer trajectories bit for bit as PyTorch 2.x's CPU optimizers compute them (their
 * single-tensor updates, 2.x's default for CPU parameters: {@code exp_avg.lerp_}, {@code addcmul_}, {@code addcdiv_}
 * with the x86 kernels' fused multiply-adds), from optimbits/make_expected.py. Every optimizer with its options steps
 * eleven parameters twelve times, the gradient of each step a function of the parameter ({@code p * 0.5 + r}), through
 * the fused kernel and through the chain of ops (a parameter the fused kernel does not take, and the chain with the
 * kernel switched off), and must give PyTorch's bits after every step and PyTorch's state after the last.
 */
class OptimizerBitsTest {
    private static final int N = 11;
    private static final int STEPS = 12;

    @AfterEach
    void fusedBackOn() {
        Optimizer.fusedUpdates = true;
    }

    private static Map<String, Function<List<Tensor>, Optimizer>> configs() {
        Map<String, Function<List<Tensor>, Optimizer>> c = new LinkedHashMap<>();
        c.put("sgd", p -> new SGD(p, 0.1, 0, 0, 0, false));
        c.put("sgd_momentum_wd", p -> new SGD(p, 0.1, 0.9, 0.3, 0.01, false));
        c.put("sgd_nesterov", p -> new SGD(p, 0.05, 0.8, 0, 0, true));
        c.put("adam", p -> Adam.adam(p, 0.01, 0.9, 0.999, 1e-8, 0, false));
        c.put("adam_wd_amsgrad", p -> Adam.adam(p, 0.01, 0.9, 0.999, 1e-8, 0.05, true));
        c.put("adam_beta1_0.3", p -> Adam.adam(p, 0.01, 0.3, 0.99, 1e-6, 0, false));
        c.put("adamw", p -> Adam.adamW(p, 0.01, 0.8, 0.99, 1e-6, 0.01, false));
        c.put("adamw_amsgrad", p -> Adam.adamW(p, 0.01, 0.9, 0.999, 1e-8, 0.1, true));
        c.put("adamax", p -> new Adamax(p, 0.002, 0.9, 0.999, 1e-8, 0));
        c.put("adamax_wd", p -> new Adamax(p, 0.01, 0.7, 0.99, 1e-8, 0.05));
        c.put("adagrad", p -> new Adagrad(p, 0.1, 0, 0, 0, 1e-10));
        c.put("adagrad_decay_initial_wd", p -> new Adagrad(p, 0.1, 0.05, 0.05, 0.1, 1e-6));
        c.put("rmsprop", p -> new RMSprop(p, 0.01, 0.99, 1e-8, 0, 0, false));
        c.put("rmsprop_centered", p -> new RMSprop(p, 0.01, 0.9, 1e-8, 0, 0, true));
        c.put("rmsprop_momentum", p -> new RMSprop(p, 0.01, 0.9, 1e-8, 0.05, 0.5, false));
        c.put("rmsprop_momentum_centered", p -> new RMSprop(p, 0.01, 0.99, 1e-8, 0, 0.5, true));
        c.put("nadam", p -> new NAdam(p, 0.002, 0.9, 0.999, 1e-8, 0, 0.004, false));
        c.put("nadamw", p -> new NAdam(p, 0.002, 0.9, 0.999, 1e-8, 0.05, 0.004, true));
        c.put("radam", p -> new RAdam(p, 0.001, 0.9, 0.9, 1e-8, 0, false));
        c.put("radam_wd", p -> new RAdam(p, 0.001, 0.9, 0.9, 1e-8, 0.05, false));
        c.put("radamw", p -> new RAdam(p, 0.001, 0.9, 0.9, 1e-8, 0.05, true));
        c.put("adadelta", p -> new Adadelta(p, 1.0, 0.9, 1e-6, 0));
        c.put("adadelta_wd", p -> new Adadelta(p, 0.5, 0.95, 1e-6, 0.05));
        c.put("asgd", p -> new ASGD(p, 0.01, 1e-4, 0.75, 1e6, 0));
        c.put("asgd_t0_wd", p -> new ASGD(p, 0.05, 0.02, 0.6, 3.0, 0.05));
        c.put("rprop", p -> new Rprop(p, 0.01, 0.5, 1.2, 1e-6, 50));
        c.put("rprop_narrow", p -> new Rprop(p, 0.05, 0.3, 1.7, 0.01, 0.1));
        return c;
    }

    /** How a parameter is stepped: the fused kernel, the chain of ops with the kernel off, a non-contiguous leaf. */
    private enum Path { FUSED, CHAIN, STRIDED }

    @Test
    void float32AndFloat64TrajectoriesArePyTorchsBits() {
        Map<String, List<String>> expected = load();
        int checked = 0;
        for (Map.Entry<String, Function<List<Tensor>, Optimizer>> e : configs().entrySet()) {
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                String key = e.getKey() + " " + (dtype == DType.FLOAT32 ? "float32" : "float64");
                List<String> lines = expected.get(key);
                assertTrue(lines != null, "no expected block " + key);
                for (Path path : Path.values()) {
                    checked += run(key + " " + path, e.getValue(), dtype, path, lines);
                }
            }
        }
        // 27 configurations x 2 types x 3 paths, 12 steps each plus their state
        assertTrue(checked >= 27 * 2 * 3 * STEPS, "checked " + checked);
    }

    /** addcmul itself, the moments' kernel: PyTorch's {@code fma(value * t1, t2, self)}, broadcasting, in place too. */
    @Test
    void addcmulHasPyTorchsFusedRounding() {
        int checked = 0;
        for (Map.Entry<String, List<String>> e : load().entrySet()) {
            if (!e.getKey().startsWith("addcmul ")) {
                continue;
            }
            String[] k = e.getKey().split(" ");
            DType dtype = k[1].equals("float32") ? DType.FLOAT32 : k[1].equals("float64") ? DType.FLOAT64 : DType.BFLOAT16;
            double value = Double.parseDouble(k[2]);
            Map<String, Tensor> t = new LinkedHashMap<>();
            int[][] shapes = {{3, 8}, {8}, {3, 1}, {3, 8}};
            int i = 0;
            for (String line : e.getValue()) {
                String[] f = line.split(" ");
                t.put(f[0], fromBits(f, dtype).reshape(shapes[i++]));
            }
            Tensor out = t.get("self").addcmul(t.get("t1"), t.get("t2"), value);
            assertBits(e.getKey(), ("out " + bitsOf(t.get("out"))).split(" "), 1, out);
            Tensor inPlace = t.get("self").clone().addcmul_(t.get("t1"), t.get("t2"), value);
            assertBits(e.getKey() + " in place", ("out " + bitsOf(t.get("out"))).split(" "), 1, inPlace);
            checked++;
        }
        assertEquals(9, checked);
    }

    /**
     * clip_grad_norm_'s clipping as 2.x computes it: {@code max_norm / (total_norm + 1e-6)} is Python's number / tensor
     * ({@code reciprocal() * number}), clamped at 1, each gradient multiplied in place; float32 bits.
     */
    @Test
    void clipGradNormHasPyTorchsCoefficient() {
        int checked = 0;
        for (Map.Entry<String, List<String>> e : load().entrySet()) {
            if (!e.getKey().startsWith("clip ")) {
                continue;
            }
            double maxNorm = Double.parseDouble(e.getKey().substring(5));
            Map<String, String[]> rows = new LinkedHashMap<>();
            for (String line : e.getValue()) {
                String[] f = line.split(" ");
                rows.put(f[0], f);
            }
            List<Tensor> ps = new ArrayList<>();
            for (int i = 0; rows.containsKey("g" + i); i++) {
                Tensor p = Tensor.zeros(rows.get("g" + i).length - 1).requiresGrad_(true);
                p.setGrad(fromBits(rows.get("g" + i), DType.FLOAT32));
                ps.add(p);
            }
            // PyTorch's total norm (float32 norms' bits are another kernel's business), clipped with 2.x's
            // clip_grads_with_norm_, the second half of clip_grad_norm_
            Tensor total = fromBits(rows.get("total"), DType.FLOAT32).reshape();
            dev.ember.nn.utils.ClipGrad.clipGradsWithNorm_(ps, maxNorm, total, null);
            for (int i = 0; i < ps.size(); i++) {
                assertBits(e.getKey() + " gradient " + i, rows.get("c" + i), 1, ps.get(i).grad());
            }
            checked++;
        }
        assertEquals(12, checked);
    }

    private static Tensor fromBits(String[] f, DType dtype) {
        int n = f.length - 1;
        if (dtype == DType.FLOAT32) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i + 1], 16));
            }
            return Tensor.fromArray(v, dtype);
        }
        if (dtype == DType.FLOAT64) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = Double.longBitsToDouble(Long.parseUnsignedLong(f[i + 1], 16));
            }
            return Tensor.fromArray(v, dtype);
        }
        short[] v = new short[n];
        for (int i = 0; i < n; i++) {
            v[i] = (short) Integer.parseInt(f[i + 1], 16);
        }
        return Tensor.fromArray(v, dtype);
    }

    private static String bitsOf(Tensor t) {
        StringBuilder b = new StringBuilder();
        if (t.dtype() == DType.BFLOAT16) {
            for (float x : t.contiguous().reshape(-1).to(DType.FLOAT32).toFloatArray()) {
                b.append(b.length() == 0 ? "" : " ").append(String.format("%04x", Float.floatToRawIntBits(x) >>> 16));
            }
            return b.toString();
        }
        if (t.dtype() == DType.FLOAT32) {
            for (float x : t.contiguous().reshape(-1).toFloatArray()) {
                b.append(b.length() == 0 ? "" : " ").append(String.format("%08x", Float.floatToRawIntBits(x)));
            }
            return b.toString();
        }
        for (double x : t.contiguous().reshape(-1).toDoubleArray()) {
            b.append(b.length() == 0 ? "" : " ").append(String.format("%016x", Double.doubleToRawLongBits(x)));
        }
        return b.toString();
    }

    private static int run(String what, Function<List<Tensor>, Optimizer> make, DType dtype, Path path,
                           List<String> lines) {
        Optimizer.fusedUpdates = path != Path.CHAIN;
        double[] init = new double[N];
        for (int i = 0; i < N; i++) {
            init[i] = ((i * 37) % 23 - 11) / 8.0;
        }
        Tensor p;
        if (path == Path.STRIDED) {
            // every other element of a larger leaf's storage: a parameter the fused kernel does not take
            double[] wide = new double[2 * N];
            for (int i = 0; i < N; i++) {
                wide[2 * i] = init[i];
            }
            p = Tensor.fromArray(wide, DType.FLOAT64).to(dtype).asStrided(new int[] {N}, new int[] {2}, 0).detach();
            assertTrue(!p.isContiguous(), what);
        } else {
            p = Tensor.fromArray(init, DType.FLOAT64).to(dtype).detach();
        }
        p.requiresGrad_(true);
        Optimizer opt = make.apply(List.of(p));
        int checked = 0;
        int line = 0;
        for (int step = 1; step <= STEPS; step++) {
            double[] r = new double[N];
            for (int i = 0; i < N; i++) {
                r[i] = ((i * 7919L + step * 104729L) % 2001 - 1000) / 997.0;
            }
            Tensor grad = p.detach().mul(0.5).add(Tensor.fromArray(r, DType.FLOAT64).to(dtype));
            p.setGrad(grad);
            opt.step();
            String[] f = lines.get(line++).split(" ");
            assertEquals("p", f[0], what);
            assertEquals(step, Integer.parseInt(f[1]), what);
            assertBits(what + " step " + step, f, 2, p);
            checked++;
        }
        Optimizer.ParamState st = opt.state.get(p);
        for (; line < lines.size(); line++) {
            String[] f = lines.get(line).split(" ");
            assertEquals("s", f[0], what);
            Tensor s = st.tensor(f[1]);
            assertTrue(s != null, what + ": no state " + f[1]);
            assertBits(what + " state " + f[1], f, 2, s);
            checked++;
        }
        return checked;
    }

    private static void assertBits(String what, String[] f, int from, Tensor t) {
        assertEquals(f.length - from, t.numel(), what);
        if (t.dtype() == DType.BFLOAT16) {
            String[] got = bitsOf(t).split(" ");
            for (int i = 0; i < got.length; i++) {
                assertEquals(f[from + i], got[i], what + ": element " + i);
            }
            return;
        }
        t = t.contiguous().reshape(-1);
        if (t.dtype() == DType.FLOAT32) {
            float[] v = t.contiguous().toFloatArray();
            for (int i = 0; i < v.length; i++) {
                int want = Integer.parseUnsignedInt(f[from + i], 16);
                int at = i;
                assertEquals(want, Float.floatToRawIntBits(v[i]),
                        () -> what + ": element " + at + " want " + Float.intBitsToFloat(want) + " got " + v[at]);
            }
        } else {
            double[] v = t.contiguous().toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                long want = Long.parseUnsignedLong(f[from + i], 16);
                int at = i;
                assertEquals(want, Double.doubleToRawLongBits(v[i]),
                        () -> what + ": element " + at + " want " + Double.longBitsToDouble(want) + " got " + v[at]);
            }
        }
    }

    private static Map<String, List<String>> load() {
        Map<String, List<String>> blocks = new LinkedHashMap<>();
        try (InputStream in = OptimizerBitsTest.class.getResourceAsStream("/optimbits/expected.txt")) {
            assertTrue(in != null, "missing optimbits/expected.txt");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String> cur = null;
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (l.startsWith("=== ")) {
                    cur = new ArrayList<>();
                    blocks.put(l.substring(4), cur);
                } else if (cur != null && !l.isEmpty()) {
                    cur.add(l);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return blocks;
    }
}
