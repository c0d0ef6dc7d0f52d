package dev.ember;

import dev.ember.backend.CpuCapability;
import dev.ember.nn.Functional;
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
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * A float32 rounding audit of pointwise ops and their backwards: bit for bit against PyTorch's x86 CPU kernels (AVX2,
 * with what AVX512 rounds otherwise laid over it where Ember's {@link CpuCapability} is AVX512), whose multiply-adds
 * are fused where the compiler contracted them, from roundingaudit/make_expected.py. Inputs are
 * half random, half chosen so that the rounding shows (cancellation, branch points); every case's forward and the
 * gradient of each input (autograd with PyTorch's upstream gradient) must carry PyTorch's bits. The mismatch rate of
 * every tensor is printed, so the audit's table can be read from the test's output.
 */
class RoundingAuditTest {

    /**
     * Forwards left out of the bitwise check: transcendental kernels where Ember's scalar exp/expm1/log1p/tanh/erf and
     * ATen's vectorized Sleef ones differ in the last bit (not a multiply-add rounding; ATen's AVX2 and AVX512 kernels
     * disagree among themselves on several). Their gradients are still checked, at the elements whose forward carries
     * PyTorch's bits (a backward that reads the result, or recomputes the same function, inherits the forward's ulp).
     */
    private static final Set<String> LEFT_FORWARD = Set.of("sigmoid", "tanh", "silu", "mish", "gelu none", "gelu tanh",
            "elu 1", "elu 0.7", "selu", "softplus 1 20", "softplus 1.5 2");

    /**
     * Gradients left out too: backwards that recompute transcendental functions of x (gelu's erf/exp and tanh, mish's
     * exp/log1p/tanh/sigmoid, celu's and softplus's exp), where the elements off PyTorch's bits (celu 1 of 48, mish 3
     * of 41, softplus 1 of 47 after the fused multiply-adds were fixed) were not traced to a multiply-add: presumably the
     * same last-bit differences of the scalar functions. gelu's backward (16 of 34 and 8 of 22) was not audited.
     */
    private static final Set<String> LEFT_GRAD = Set.of("gelu none", "gelu tanh", "mish", "celu 0.6",
            "softplus 1.5 2");

    private static Map<String, Function<Map<String, Tensor>, Tensor>> ops() {
        Map<String, Function<Map<String, Tensor>, Tensor>> o = new LinkedHashMap<>();
        for (double v : new double[] {0.3, 1.0, -1.7}) {
            o.put("addcdiv " + g(v), t -> t.get("self").addcdiv(t.get("t1"), t.get("t2"), v));
        }
        for (double v : new double[] {0.3, -1.7}) {
            o.put("addcmul " + g(v), t -> t.get("self").addcmul(t.get("t1"), t.get("t2"), v));
        }
        for (double a : new double[] {0.3, -1.7, 1.0}) {
            o.put("add " + g(a), t -> t.get("x").add(t.get("y"), a));
            o.put("sub " + g(a), t -> t.get("x").sub(t.get("y"), a));
        }
        for (double w : new double[] {0.3, 0.7, 0.5, 1.3, -0.4}) {
            o.put("lerp " + g(w), t -> t.get("self").lerp(t.get("end"), w));
        }
        o.put("lerp tensor", t -> t.get("self").lerp(t.get("end"), t.get("weight")));
        o.put("clamp scalar", t -> t.get("x").clamp(-0.7, 1.3));
        o.put("clamp tensor", t -> t.get("x").clamp(t.get("lo"), t.get("hi")));
        o.put("mse_loss", t -> Functional.mseLoss(t.get("x"), t.get("y"), "none"));
        o.put("l1_loss", t -> Functional.l1Loss(t.get("x"), t.get("y"), "none"));
        for (double b : new double[] {1.0, 0.37}) {
            o.put("smooth_l1_loss " + g(b), t -> Functional.smoothL1Loss(t.get("x"), t.get("y"), "none", b));
            o.put("huber_loss " + g(b), t -> Functional.huberLoss(t.get("x"), t.get("y"), "none", b));
        }
        act(o, "sigmoid", Functional::sigmoid);
        act(o, "tanh", Functional::tanh);
        act(o, "relu6", Functional::relu6);
        act(o, "hardtanh", x -> Functional.hardtanh(x, -0.7, 1.3));
        act(o, "hardsigmoid", Functional::hardsigmoid);
        act(o, "hardswish", Functional::hardswish);
        act(o, "silu", Functional::silu);
        act(o, "mish", Functional::mish);
        act(o, "gelu none", Functional::gelu);
        act(o, "gelu tanh", x -> Functional.gelu(x, "tanh"));
        act(o, "elu 1", Functional::elu);
        act(o, "elu 0.7", x -> Functional.elu(x, 0.7));
        act(o, "selu", Functional::selu);
        act(o, "celu 0.6", x -> Functional.celu(x, 0.6));
        act(o, "softplus 1 20", Functional::softplus);
        act(o, "softplus 1.5 2", x -> Functional.softplus(x, 1.5, 2.0));
        act(o, "leaky_relu 0.03", x -> Functional.leakyRelu(x, 0.03));
        act(o, "threshold 0.2 -0.9", x -> Functional.threshold(x, 0.2, -0.9));
        act(o, "relu", Functional::relu);
        act(o, "logit", Tensor::logit);
        act(o, "logit 0.1", x -> x.logit(0.1));
        o.put("xlogy", t -> t.get("x").xlogy(t.get("y")));
        return o;
    }

    private static void act(Map<String, Function<Map<String, Tensor>, Tensor>> o, String name,
                            Function<Tensor, Tensor> f) {
        o.put(name, t -> f.apply(t.get("x")));
    }

    /** Python's %g of the numbers used here. */
    private static String g(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    @Test
    void pointwiseOpsAndBackwardsHavePyTorchsFloat32Bits() {
        // PyTorch's DEFAULT (no FMA) kernels round otherwise; Ember follows the AVX2/AVX512 builds
        assumeFalse(CpuCapability.value().equals("DEFAULT"), "PyTorch's DEFAULT kernels are not Ember's");
        Map<String, Map<String, String[]>> expected = expected();
        Map<String, Function<Map<String, Tensor>, Tensor>> ops = ops();
        assertEquals(ops.keySet(), expected.keySet(), "cases of the file and of the test");
        List<String> failures = new ArrayList<>();
        long compared = 0;
        for (String name : expected.keySet()) {
            compared += check(name, expected.get(name), ops.get(name), failures);
        }
        assertTrue(compared > 5000, "compared " + compared);
        assertEquals(List.of(), failures, "tensors with elements off PyTorch's bits");
    }

    /**
     * Runs one case: its forward and, where the file has an upstream gradient, its backward; adds the tensors off
     * PyTorch's bits (not left) to {@code failures}, prints the row of the table and returns the elements compared.
     */
    private static long check(String name, Map<String, String[]> lines, Function<Map<String, Tensor>, Tensor> op,
                              List<String> failures) {
        long compared = 0;
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> l : lines.entrySet()) {
            String k = l.getKey();
            if (k.equals("out")) {
                break;
            }
            Tensor t = fromBits(l.getValue());
            if (lines.containsKey("grad_" + k)) {
                t.requiresGrad_(true);
            }
            in.put(k, t);
        }
        Tensor out = op.apply(in);
        StringBuilder row = new StringBuilder(String.format("%-22s", name));
        boolean[] same = sameBits(lines.get("out"), out.detach());
        int bad = count(same, null);
        row.append(" out ").append(bad).append('/').append(out.numel());
        compared += out.numel();
        if (bad > 0 && !LEFT_FORWARD.contains(name)) {
            failures.add(name + " out");
        }
        if (lines.containsKey("g")) {
            out.backward(fromBits(lines.get("g")).reshape(out.shape()));
            for (Map.Entry<String, Tensor> t : in.entrySet()) {
                String[] want = lines.get("grad_" + t.getKey());
                if (want == null) {
                    continue;
                }
                Tensor grad = t.getValue().grad();
                assertTrue(grad != null, name + ": no gradient of " + t.getKey());
                // where the forward is left, only the elements whose forward has PyTorch's bits
                boolean[] where = LEFT_FORWARD.contains(name) ? same : null;
                int b = count(sameBits(want, grad), where);
                row.append("  grad_").append(t.getKey()).append(' ').append(b).append('/')
                        .append(where == null ? grad.numel() : countOf(where, true));
                compared += grad.numel();
                if (b > 0 && !LEFT_GRAD.contains(name)) {
                    failures.add(name + " grad_" + t.getKey());
                }
            }
        }
        System.out.println("rounding audit: " + row);
        return compared;
    }

    /** The expected blocks for this machine's capability (AVX2, with the AVX512 differences laid over it). */
    private static Map<String, Map<String, String[]>> expected() {
        Map<String, Map<String, String[]>> expected = load("/roundingaudit/expected.txt");
        if (CpuCapability.value().equals("AVX512")) { // what the AVX512 kernels round otherwise
            for (Map.Entry<String, Map<String, String[]>> e : load("/roundingaudit/expected_avx512.txt").entrySet()) {
                assertTrue(expected.containsKey(e.getKey()), e.getKey());
                expected.get(e.getKey()).putAll(e.getValue());
            }
        }
        return expected;
    }

    /**
     * Regressions of the audit's fixes, case by case (silu's, elu's and selu's backwards are held by the audit itself,
     * at the elements whose forward has PyTorch's bits): tanh's backward is {@code grad * fma(-y, y, 1)} (Ember rounded
     * {@code 1 - y * y} twice: 29 of 48 gradients an ulp off); smooth_l1_loss's backward rounds as the kernel's vector
     * path ({@code norm * (x / beta) * grad}) and its scalar tail ({@code norm * x * grad / beta} with beta a double),
     * huber_loss's outside the band likewise ({@code (norm * delta) * grad}, tail {@code (norm * grad) * delta} in
     * double).
     */
    @Test
    void tanhSmoothL1AndHuberBackwardsAreFixed() {
        assumeFalse(CpuCapability.value().equals("DEFAULT"), "PyTorch's DEFAULT kernels are not Ember's");
        Map<String, Map<String, String[]>> expected = expected();
        Map<String, Function<Map<String, Tensor>, Tensor>> ops = ops();
        List<String> failures = new ArrayList<>();
        long compared = 0;
        List<String> fixed = List.of("tanh", "smooth_l1_loss 0.37", "smooth_l1_loss 1", "huber_loss 0.37",
                "huber_loss 1");
        for (String name : fixed) {
            compared += check(name, expected.get(name), ops.get(name), failures);
        }
        assertTrue(compared >= 48 * 13, "compared " + compared);
        assertEquals(List.of(), failures);
    }

    /** Per element: whether {@code got} carries the bits {@code want}. */
    private static boolean[] sameBits(String[] want, Tensor got) {
        float[] v = got.contiguous().reshape(-1).toFloatArray();
        assertEquals(want.length, v.length);
        boolean[] same = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            same[i] = Integer.parseUnsignedInt(want[i], 16) == Float.floatToRawIntBits(v[i]);
        }
        return same;
    }

    /** The elements off PyTorch's bits, counting only where {@code where} is true (all where it is null). */
    private static int count(boolean[] same, boolean[] where) {
        int n = 0;
        for (int i = 0; i < same.length; i++) {
            if (!same[i] && (where == null || where[i])) {
                n++;
            }
        }
        return n;
    }

    /** How many elements are {@code value}. */
    private static int countOf(boolean[] a, boolean value) {
        int n = 0;
        for (boolean b : a) {
            n += b == value ? 1 : 0;
        }
        return n;
    }

    private static Tensor fromBits(String[] f) {
        float[] v = new float[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16));
        }
        return Tensor.fromArray(v, DType.FLOAT32);
    }

    private static Map<String, Map<String, String[]>> load(String resource) {
        Map<String, Map<String, String[]>> m = new LinkedHashMap<>();
        try (InputStream in = RoundingAuditTest.class.getResourceAsStream(resource)) {
            assertTrue(in != null, resource + " missing");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            Map<String, String[]> cur = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("=== ")) {
                    cur = new LinkedHashMap<>();
                    m.put(line.substring(4), cur);
                } else if (!line.isBlank()) {
                    int sp = line.indexOf(' ');
                    cur.put(line.substring(0, sp), line.substring(sp + 1).split(" "));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return m;
    }
}
