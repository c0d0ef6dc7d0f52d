package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.profiler.KeyAverage;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerOptions;
import org.junit.jupiter.api.Test;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Session 48's left-overs, against {@code /leftovers48/expected.txt} (written by {@code make_expected.py} there with
 * PyTorch): part 1, a backward pass computes only the gradients it needs, as PyTorch's
 * {@code task_should_compute_output}: {@code autograd.grad(loss, [x])} through a Linear does not compute the weight's
 * gradient, through a convolution only one of its two kernels runs (kernel calls counted with the profiler), the values
 * are PyTorch's, a node's post-hook sees null where a gradient was not computed, and a formula that raises "not
 * implemented" for one input does not raise when only the other input's gradient is asked for; part 2, the
 * {@code *Like} factories keep the input's strides as PyTorch's {@code preserve_format} does; part 4, a sparse leaf's
 * {@code setGrad} refuses in PyTorch 2.x's words ({@code /leftovers48/messages.txt}), changing nothing; part 5,
 * complex {@code baddbmm} below {@code K * M * N = 400} has 2.x's {@code baddbmm_cpu_kernel} bits; part 6, part 1 for
 * {@code embedding_bag}'s weight and per-sample weights and {@code fill_}'s self and value tensor; part 7, {@code scaled_dot_product_attention} with respect to the query only; part 8, complex {@code dot}
 * with respect to one operand.
 */
class Leftovers48Test {
    private static final ExpectedTensors E = ExpectedTensors.load("/leftovers48/expected.txt");
    private static final double TOL = 1e-12;

    private static Tensor in(String key) {
        return E.get(key).requiresGrad_(true);
    }

    /** How many kernel calls named {@code kernel} {@code body} makes, and what it returns. */
    private static <T> T counting(String kernel, int[] count, Supplier<T> body) {
        return countingAll(new String[] {kernel}, count, body);
    }

    private static Tensor gradOf(Tensor loss, Tensor x) {
        return Autograd.grad(List.of(loss), List.of(x), null, true, false, false).get(0);
    }

    @Test
    void linearGradWithRespectToTheInputOnlyComputesNoWeightGradient() {
        Tensor x = in("lin.x");
        Tensor w = in("lin.W");
        Tensor b = in("lin.b");
        Tensor y = Functional.linear(x, w, b);
        assertEquals("AddmmBackward0", y.gradFn().name());
        List<Boolean> seen = nullsSeenBy(y.gradFn());
        Tensor loss = y.mul(y).sum();
        int[] mm = new int[1];
        Tensor gx = counting("aten::mm", mm, () -> gradOf(loss, x));
        // the input's gradient only: g @ W; the weight's (x^T @ g) is not computed, as in PyTorch
        assertEquals(1, mm[0]);
        E.assertClose("lin.gx", gx, TOL);
        for (int i = 0; i < 3; i++) {
            assertEquals(E.scalar("lin.hook.none." + i) == 1.0, seen.get(i), "post-hook's gradInputs[" + i + "] is null");
        }
        // -Dember.allInputGrads=true (the old path, read per call): the weight's product runs too, and the input's
        // gradient is the same bits
        System.setProperty("ember.allInputGrads", "true");
        try {
            Tensor old = counting("aten::mm", mm, () -> gradOf(loss, x));
            assertEquals(2, mm[0]);
            assertEquals(true, old.equal(gx), "the same values on both paths");
        } finally {
            System.clearProperty("ember.allInputGrads");
        }
        // a full backward still computes both products
        counting("aten::mm", mm, () -> {
            loss.backward();
            return null;
        });
        assertEquals(2, mm[0]);
        E.assertClose("lin.full.gx", x.grad(), TOL);
        E.assertClose("lin.full.gW", w.grad(), TOL);
        E.assertClose("lin.full.gb", b.grad(), TOL);
    }

    @Test
    void backwardWithInputsComputesOnlyTheirGradients() {
        Tensor x = in("lin.x");
        Tensor w = in("lin.W");
        Tensor b = in("lin.b");
        Tensor y = Functional.linear(x, w, b);
        Tensor loss = y.mul(y).sum();
        int[] mm = new int[1];
        counting("aten::mm", mm, () -> {
            loss.backward(null, false, false, List.of(w));
            return null;
        });
        assertEquals(1, mm[0]);
        assertNull(x.grad());
        assertNull(b.grad());
        E.assertClose("lin.inputsW.gW", w.grad(), TOL);
    }

    @Test
    void convolutionRunsOnlyTheKernelOfTheGradientAskedFor() {
        Tensor x = in("conv.x");
        Tensor w = in("conv.w");
        Tensor b = in("conv.b");
        Tensor out = Functional.conv2d(x, w, b, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        Tensor loss = out.mul(out).sum();
        int[] calls = new int[1];
        Tensor gx = counting("aten::convolution_backward", calls, () -> gradOf(loss, x));
        assertEquals(1, calls[0]);
        E.assertClose("conv.gx", gx, TOL);
        Tensor gw = counting("aten::convolution_backward", calls, () -> gradOf(loss, w));
        assertEquals(1, calls[0]);
        E.assertClose("conv.gw", gw, TOL);
        Tensor gb = counting("aten::convolution_backward", calls, () -> gradOf(loss, b));
        assertEquals(0, calls[0]);
        E.assertClose("conv.gb", gb, TOL);
    }

    @Test
    void batchedProductsComputeOnlyTheOperandAskedFor() {
        Tensor a = in("bmm.a");
        Tensor b = in("bmm.b");
        Tensor self = in("bmm.self");
        Tensor o = self.baddbmm(a, b, 0.5, 2.0);
        int[] bmm = new int[1];
        Tensor gb = counting("aten::bmm", bmm, () -> gradOf(o.mul(o).sum(), b));
        assertEquals(1, bmm[0]);
        E.assertClose("baddbmm.gb", gb, TOL);
        Tensor m = a.matmul(b);
        Tensor ga = counting("aten::bmm", bmm, () -> gradOf(m.mul(m).sum(), a));
        assertEquals(1, bmm[0]);
        E.assertClose("bmm.ga", ga, TOL);
    }

    @Test
    void notImplementedFormulaOfAnInputNotAskedForDoesNotRaise() {
        Tensor a = in("igamma.a");
        Tensor x = in("igamma.x");
        // both require grad; PyTorch raises "the derivative for 'igamma: input' is not implemented." only when a's
        // gradient is computed
        E.assertClose("igamma.gx", gradOf(a.igamma(x).sum(), x), 1e-10);
        E.assertClose("igammac.gx", gradOf(a.igammac(x).sum(), x), 1e-10);
        a.igamma(x).sum().backward(null, false, false, List.of(x));
        assertNull(a.grad());
        E.assertClose("igamma.inputs.gx", x.grad(), 1e-10);
        Tensor zx = in("zeta.x");
        Tensor zq = in("zeta.q");
        E.assertClose("zeta.gq", gradOf(Special.zeta(zx, zq).sum(), zq), 1e-10);
    }

    /** A post-hook on {@code node} that records, per call, whether each of its gradInputs is null. */
    private static List<Boolean> nullsSeenBy(Node node) {
        List<Boolean> seen = new ArrayList<>();
        node.registerHook((gradInputs, gradOutputs) -> {
            for (Tensor g : gradInputs) {
                seen.add(g == null);
            }
            return null;
        });
        return seen;
    }

    private static void assertNullsSeen(String key, List<Boolean> seen) {
        assertEquals(2, seen.size(), key);
        for (int i = 0; i < 2; i++) {
            assertEquals(E.scalar(key + ".hook.none." + i) == 1.0, seen.get(i), key + ": post-hook's gradInputs[" + i + "]");
        }
    }

    @Test
    void embeddingBagComputesOnlyTheGradientAskedFor() {
        Tensor w = in("ebag.w");
        Tensor psw = in("ebag.psw");
        Tensor idx = E.get("ebag.idx").to(DType.INT64);
        Tensor off = E.get("ebag.off").to(DType.INT64);
        int[] sums = new int[1];
        for (String which : new String[] {"w", "psw"}) {
            Tensor out = Functional.embeddingBag(idx, w, off, null, 2.0, false, "sum", psw, false, null);
            assertEquals("EmbeddingBagBackward0", out.gradFn().name());
            List<Boolean> seen = nullsSeenBy(out.gradFn());
            Tensor loss = out.mul(out).sum();
            Tensor got = counting("aten::sum", sums, () -> gradOf(loss, which.equals("w") ? w : psw));
            E.assertClose("ebag.g" + which, got, TOL);
            assertNullsSeen("ebag." + which, seen);
            if (which.equals("w")) {
                // the per-sample weights' gradient (a sum over the embedding dimension) is not computed; the old
                // path (-Dember.allInputGrads=true) computes it, and the weight's gradient has the same bits
                assertEquals(0, sums[0]);
                System.setProperty("ember.allInputGrads", "true");
                try {
                    Tensor old = counting("aten::sum", sums, () -> gradOf(loss, w));
                    assertEquals(1, sums[0]);
                    assertEquals(true, old.equal(got), "the same values on both paths");
                } finally {
                    System.clearProperty("ember.allInputGrads");
                }
            } else {
                assertEquals(1, sums[0]);
            }
        }
    }

    @Test
    void fillWithATensorComputesOnlyTheGradientAskedFor() {
        Tensor self = in("fill.self");
        Tensor value = in("fill.value");
        Tensor weights = Tensor.arange(0.0, 12.0, 1.0, DType.FLOAT64).view(3, 4);
        int[] sums = new int[1];
        for (String which : new String[] {"self", "value"}) {
            Tensor c = self.clone();
            c.fill_(value);
            assertEquals("FillBackward3", c.gradFn().name());
            List<Boolean> seen = nullsSeenBy(c.gradFn());
            Tensor loss = c.mul(weights).sum();
            Tensor got = counting("aten::sum", sums, () -> gradOf(loss, which.equals("self") ? self : value));
            // value's gradient is grad.sum(): computed only when asked for
            assertEquals(which.equals("self") ? 0 : 1, sums[0]);
            E.assertClose("fill.g" + which, got, TOL);
            assertNullsSeen("fill." + which, seen);
        }
    }

    /** How many calls of each kernel in {@code kernels} {@code body} makes (by the profiler), and what it returns. */
    private static <T> T countingAll(String[] kernels, int[] counts, Supplier<T> body) {
        T out;
        Profiler prof;
        try (Profiler p = Ember.profile(ProfilerOptions.defaults())) {
            prof = p;
            out = body.get();
        }
        java.util.Arrays.fill(counts, 0);
        for (KeyAverage k : prof.keyAverages()) {
            for (int i = 0; i < kernels.length; i++) {
                if (k.key().equals(kernels[i])) {
                    counts[i] = k.count();
                }
            }
        }
        return out;
    }

    @Test
    void attentionWithRespectToTheQueryOnly() {
        Tensor q = in("sdpa.q");
        Tensor k = in("sdpa.k");
        Tensor v = in("sdpa.v");
        String[] kernels = {"aten::bmm", "attentionBackward"};
        int[] counts = new int[2];
        // the math path: its two products' nodes compute only the operand leading to the query (the scores' query
        // side, the probabilities' side of the product with the values): 2 bmm where both operands' make 4
        Tensor math;
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.MATH)) {
            math = Functional.scaledDotProductAttention(q, k, v);
        }
        Tensor mathLoss = math.mul(math).sum();
        Tensor gq = countingAll(kernels, counts, () -> gradOf(mathLoss, q));
        assertEquals(2, counts[0]);
        E.assertClose("sdpa.gq", gq, TOL);
        System.setProperty("ember.allInputGrads", "true");
        try {
            Tensor old = countingAll(kernels, counts, () -> gradOf(mathLoss, q));
            assertEquals(4, counts[0]);
            assertEquals(true, old.equal(gq), "the same values on both paths");
        } finally {
            System.clearProperty("ember.allInputGrads");
        }
        // the fused CPU path: one kernel returning the three gradients, as PyTorch's (which computes all three and
        // keeps the one asked for); the post-hook sees the key's and value's as null, as PyTorch's None
        Tensor fused = Functional.scaledDotProductAttention(q, k, v);
        assertEquals("ScaledDotProductFlashAttentionForCpuBackward0", fused.gradFn().name());
        List<Boolean> seen = nullsSeenBy(fused.gradFn());
        Tensor fusedLoss = fused.mul(fused).sum();
        gq = countingAll(kernels, counts, () -> gradOf(fusedLoss, q));
        assertEquals(1, counts[1]);
        E.assertClose("sdpa.gq", gq, TOL);
        assertEquals(List.of(false, true, true), seen);
    }

    @Test
    void complexDotWithRespectToOneOperand() {
        Tensor a = E.get("cdot.a").viewAsComplex().requiresGrad_(true);
        Tensor b = E.get("cdot.b").viewAsComplex().requiresGrad_(true);
        Tensor d = a.dot(b);
        assertEquals("DotBackward0", d.gradFn().name());
        Tensor loss = d.abs();
        // the node's recomputed product differentiates with respect to a alone: b's conjugate product is not formed
        int[] muls = new int[1];
        Tensor ga = counting("aten::mul", muls, () -> gradOf(loss, a));
        int fresh = muls[0];
        E.assertClose("cdot.ga", ga.viewAsReal(), TOL);
        System.setProperty("ember.allInputGrads", "true");
        try {
            Tensor old = counting("aten::mul", muls, () -> gradOf(loss, a));
            assertEquals(true, fresh < muls[0], "fewer products than the old path's " + muls[0] + ": " + fresh);
            assertEquals(true, old.equal(ga), "the same values on both paths");
        } finally {
            System.clearProperty("ember.allInputGrads");
        }
    }

    private static final String[] VIEWS = {"contiguous", "transposed", "permuted", "channelslast", "expanded", "sliced",
        "slicedtransposed", "sizeone", "scalar"};

    /** The view of {@code arange(120)} the generator made: "shape, -1, strides, -1, offset". */
    private static Tensor view(String name) {
        double[] f = E.get("like." + name + ".in").toDoubleArray();
        int cut = 0;
        while (f[cut] != -1) {
            cut++;
        }
        int[] shape = new int[cut];
        int[] strides = new int[cut];
        for (int i = 0; i < cut; i++) {
            shape[i] = (int) f[i];
            strides[i] = (int) f[cut + 1 + i];
        }
        return Tensor.arange(0.0, 120.0, 1.0, DType.FLOAT64).asStrided(shape, strides, (int) f[f.length - 1]);
    }

    private static void assertStrides(String key, Tensor got) {
        double[] want = E.get(key).toDoubleArray();
        int[] s = got.stride();
        assertEquals(want.length, s.length, key);
        for (int i = 0; i < s.length; i++) {
            assertEquals((int) want[i], s[i], key + "[" + i + "]");
        }
    }

    @Test
    void likeFactoriesPreserveTheInputsStrides() {
        for (String name : VIEWS) {
            Tensor v = view(name);
            String k = "like." + name + ".";
            Tensor zeros = v.zerosLike();
            Tensor ones = v.onesLike();
            Tensor full = v.fullLike(2.5);
            assertStrides(k + "strides.zeros", zeros);
            assertStrides(k + "strides.ones", ones);
            assertStrides(k + "strides.full", full);
            assertStrides(k + "strides.empty", v.emptyLike());
            assertStrides(k + "strides.rand", v.randLike());
            assertStrides(k + "strides.randn", v.randnLike());
            assertStrides(k + "strides.randint", v.randintLike(0, 5));
            // the integer and boolean overloads take the same path
            assertStrides(k + "strides.full", v.fullLike(3L));
            assertStrides(k + "strides.full", v.fullLike(0L));
            E.assertExact(k + "values.zeros", zeros);
            E.assertExact(k + "values.ones", ones);
            E.assertExact(k + "values.full", full);
        }
    }

    @Test
    void sparseSetGradRefusesInTwoXsWords() throws java.io.IOException {
        java.util.Map<String, String> want = new java.util.HashMap<>();
        try (java.io.InputStream in = Leftovers48Test.class.getResourceAsStream("/leftovers48/messages.txt")) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split("\t", -1);
                want.put(f[0], f[1]);
            }
        }
        Tensor si = Tensor.tensor(new long[][] {{0, 1, 1}, {2, 0, 2}});
        Tensor sv = Tensor.tensor(new double[] {3.0, 4.0, 5.0}, DType.FLOAT64); // the generator's D
        dev.ember.sparse.SparseTensor leaf = dev.ember.sparse.Sparse.cooTensor(si, sv, 2, 3).requiresGrad_(true);
        java.util.Map<String, dev.ember.sparse.SparseTensor> cases = new java.util.LinkedHashMap<>();
        cases.put("sparse.size", dev.ember.sparse.Sparse.cooTensor(si, sv, 2, 4));
        cases.put("sparse.type", dev.ember.sparse.Sparse.cooTensor(si, sv.to(DType.FLOAT32), 2, 3));
        cases.put("sparse.typeandsize", dev.ember.sparse.Sparse.cooTensor(si, sv.to(DType.FLOAT32), 2, 4));
        cases.put("sparse.self", leaf);
        assertEquals(want.keySet(), cases.keySet());
        for (java.util.Map.Entry<String, dev.ember.sparse.SparseTensor> c : cases.entrySet()) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> leaf.setGrad(c.getValue()), c.getKey());
            assertEquals(want.get(c.getKey()), e.getMessage(), c.getKey());
            assertNull(leaf.grad(), c.getKey());
        }
    }

    @Test
    void complexBaddbmmOfSmallProductsHasTheKernelsBits() {
        int count = (int) E.scalar("cbaddbmm.count");
        assertEquals(40, count);
        for (int c = 0; c < count; c++) {
            String k = "cbaddbmm." + c;
            DType parts = E.scalar(k + ".dtype") == 64.0 ? DType.FLOAT32 : DType.FLOAT64;
            Tensor self = ComplexOps.viewAsComplex(E.get(k + ".self").to(parts));
            Tensor b1 = ComplexOps.viewAsComplex(E.get(k + ".b1").to(parts));
            Tensor b2 = ComplexOps.viewAsComplex(E.get(k + ".b2").to(parts));
            Tensor out = self.baddbmm(b1, b2, E.scalar(k + ".beta"), E.scalar(k + ".alpha"));
            E.assertExact(k + ".out", ComplexOps.viewAsReal(out));
        }
    }
}
