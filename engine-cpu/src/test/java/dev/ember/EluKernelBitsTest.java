package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerEvent;
import dev.ember.profiler.ProfilerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one-pass CPU kernels of leaky_relu, elu, selu and celu and their backwards (Backend.leakyRelu, Backend.elu;
 * session 56) give the bits of the compositions kept behind {@code -Dember.cpu.activation.composed=true}: forwards,
 * gradients (LeakyReluBackward0/1, EluBackward0/1, CeluBackward0/1) and second derivatives under create_graph,
 * out of place and in place, float32 and float64 (the kernels) and float16 / bfloat16 (computed in float32 through the
 * same kernels), over random values of several magnitudes, random bit patterns and the special values (NaN of both
 * signs, +-inf, +-0, subnormals, the largest floats, the ends of exp's range), contiguous lengths with vector tails, a
 * length the worker pool splits, transposed and stride-2 (non-dense) inputs. Non-NaN results compare bit for bit (so
 * -0 against +0 too), NaN results as NaN (which NaN a product of two NaNs gives is the compiler's operand order). Run
 * it under the CPU backend's three shapes (default, {@code -Dember.cpu.capability=avx2 -XX:MaxVectorSize=32},
 * {@code -Dember.cpu.noVector=true}) to cover each kind of loop.
 */
class EluKernelBitsTest {
    private static final String COMPOSED = "ember.cpu.activation.composed";
    private static final String EXACT = "ember.cpu.exactTranscendentals";

    private String saved;
    private String savedExact;

    @BeforeEach
    void save() {
        saved = System.getProperty(COMPOSED);
        savedExact = System.getProperty(EXACT);
    }

    @AfterEach
    void restore() {
        restore(COMPOSED, saved);
        restore(EXACT, savedExact);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static final float[] SPECIAL_F = {Float.NaN, Float.intBitsToFloat(0xffc00000), Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, -Float.MIN_NORMAL / 3, Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, -87.5f, -88.8f, -103.9f, -104.5f, 88.8f, -1e-8f, -20f, -1e30f, 1f, -1f,
        -0.5f, 1e-40f, -1e-40f};

    private static final double[] SPECIAL_D = {Double.NaN, Double.longBitsToDouble(0xfff8000000000000L),
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE,
        -Double.MIN_NORMAL / 3, Double.MAX_VALUE, -Double.MAX_VALUE, -708.5, -745.2, -746.0, 709.9, -1e-300, -20.0,
        -1e300, -87.5, -103.9, 1.0, -1.0, -0.5, 1e-320, -1e-320};

    private static final double[] MAGNITUDES = {1e-3, 0.1, 1, 3, 10, 100};

    /** n values: random magnitudes, random bit patterns, special values, all of one float type's. */
    private static Tensor values(DType type, int n, long seed) {
        Random r = new Random(seed);
        if (type == DType.FLOAT64) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                int k = r.nextInt(10);
                v[i] = k < 7 ? r.nextGaussian() * MAGNITUDES[r.nextInt(MAGNITUDES.length)]
                        : k < 8 ? Double.longBitsToDouble(r.nextLong()) : SPECIAL_D[r.nextInt(SPECIAL_D.length)];
            }
            return Tensor.fromArray(v);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(10);
            v[i] = k < 7 ? (float) (r.nextGaussian() * MAGNITUDES[r.nextInt(MAGNITUDES.length)])
                    : k < 8 ? Float.intBitsToFloat(r.nextInt()) : SPECIAL_F[r.nextInt(SPECIAL_F.length)];
        }
        Tensor t = Tensor.fromArray(v);
        return type == DType.FLOAT32 ? t : t.to(type);
    }

    /** Equal shape and type; each element bit for bit, NaN as NaN. */
    private static void assertSameBits(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        assertEquals(want.dtype(), got.dtype(), what + ": dtype");
        double[] a = want.toDoubleArray();
        double[] b = got.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            boolean same = Double.isNaN(a[i]) ? Double.isNaN(b[i])
                    : Double.doubleToRawLongBits(a[i]) == Double.doubleToRawLongBits(b[i]);
            if (!same) {
                fail(what + ": element " + i + " composed " + a[i] + " fused " + b[i]);
            }
        }
    }

    /** {@link #assertSameBits} but where the input is NaN, the fused gradient may be NaN instead of a number. */
    private static void assertSameBitsBesideNaNInputs(Tensor want, Tensor got, Tensor input, String what) {
        double[] in = input.contiguous().toDoubleArray();
        double[] a = want.contiguous().toDoubleArray();
        double[] b = got.contiguous().toDoubleArray();
        assertEquals(a.length, in.length, what + ": the gradient has the input's size");
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(in[i]) && Double.isNaN(b[i])) {
                a[i] = Double.NaN;
            }
        }
        assertSameBits(Tensor.fromArray(a).reshape(want.shape()), Tensor.fromArray(b).reshape(got.shape()), what);
    }

    /** An activation out of place or in place; returns the result. */
    private interface Act {
        Tensor apply(Tensor x);
    }

    private static final class Case {
        final String name;
        final Act act;
        final boolean inplace;
        final boolean secondOrder;

        Case(String name, Act act, boolean inplace, boolean secondOrder) {
            this.name = name;
            this.act = act;
            this.inplace = inplace;
            this.secondOrder = secondOrder;
        }
    }

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("leaky_relu(0.01)", x -> Functional.leakyRelu(x, 0.01), false, true));
        c.add(new Case("leaky_relu(0.2)", x -> Functional.leakyRelu(x, 0.2), false, false));
        c.add(new Case("leaky_relu(-0.3)", x -> Functional.leakyRelu(x, -0.3), false, false));
        c.add(new Case("elu(1)", x -> Functional.elu(x, 1.0), false, true));
        c.add(new Case("elu(0.7)", x -> Functional.elu(x, 0.7), false, false));
        c.add(new Case("selu", Functional::selu, false, true));
        c.add(new Case("celu(1.3)", x -> Functional.celu(x, 1.3), false, true));
        c.add(new Case("celu(0.1)", x -> Functional.celu(x, 0.1), false, false));
        c.add(new Case("leaky_relu_(0.01)", x -> Functional.leakyRelu_(x, 0.01), true, false));
        c.add(new Case("leaky_relu_(0.3)", x -> Functional.leakyRelu_(x, 0.3), true, false));
        c.add(new Case("elu_(1)", x -> Functional.elu_(x, 1.0), true, true));
        c.add(new Case("elu_(0.6)", x -> Functional.elu_(x, 0.6), true, false));
        c.add(new Case("selu_", Functional::selu_, true, true));
        c.add(new Case("celu_(1.7)", x -> Functional.celu_(x, 1.7), true, false));
        c.add(new Case("celu_(0.4)", x -> Functional.celu_(x, 0.4), true, true));
        return c;
    }

    /** The inputs' layouts: from a base tensor of n elements (a leaf) to the activation's input. */
    private static final class Layout {
        final String name;
        final int n;
        final Function<Tensor, Tensor> view;

        Layout(String name, int n, Function<Tensor, Tensor> view) {
            this.name = name;
            this.n = n;
            this.view = view;
        }
    }

    private static List<Layout> layouts(boolean large) {
        List<Layout> l = new ArrayList<>();
        for (int n : new int[] {1, 7, 15, 16, 17, 31, 33, 67, 1037}) {
            l.add(new Layout("contiguous " + n, n, b -> b));
        }
        l.add(new Layout("[3, 17, 29]", 3 * 17 * 29, b -> b.reshape(3, 17, 29)));
        l.add(new Layout("transposed [29, 37]", 37 * 29, b -> b.reshape(37, 29).transpose(0, 1)));
        l.add(new Layout("stride 2", 2 * 515, b -> b.slice(0, 0, 2 * 515, 2)));
        l.add(new Layout("stride 2 rows", 2 * 41 * 33, b -> b.reshape(2 * 41, 33).slice(0, 1, 2 * 41, 2)));
        if (large) {
            l.add(new Layout("contiguous 70001 (split)", 70001, b -> b));
        }
        return l;
    }

    /** Results of one case on one layout: forward, gradient, second derivative (or null). */
    private static Tensor[] run(Case c, Layout layout, DType type, long seed) {
        Tensor base = values(type, layout.n, seed).requiresGrad_(true);
        // in place: on the view of a non-leaf copy of the base (a transposed view is written in place, a stride-2 one
        // through a result copied back)
        Tensor y = c.act.apply(layout.view.apply(c.inplace ? base.clone() : base));
        Tensor g = values(type, (int) y.numel(), seed + 1).reshape(y.shape());
        Tensor first = Autograd.grad(List.of(y), List.of(base), List.of(g), true, c.secondOrder, false).get(0);
        Tensor second = null;
        if (c.secondOrder) {
            // d/dx of <grad, w>: through LeakyReluBackwardBackward0 / EluBackwardBackward0, finite weights
            Tensor w = Tensor.randn(new Generator(seed), DType.FLOAT64, Device.CPU, layout.n).to(type);
            Tensor s = first.mul(w).sum();
            second = Autograd.grad(List.of(s), List.of(base), List.of(s.onesLike()), false, false, true).get(0);
        }
        return new Tensor[] {y.detach(), first.detach(), second, base.detach()};
    }

    private void compareAll(DType type, boolean large) {
        int checked = 0;
        long seed = 56;
        // session 58: the float32 elu forward and its backward on the input follow PyTorch's kernels (Sleef's expm1
        // and exp over the vector part of a contiguous run, glibc's expm1f and expf over the rest and over strided
        // runs, a NaN input to the vector part's backward giving NaN: Expm1SleefBitsTest), which the composition
        // (Sleef's on every element) is not; the elu family is compared with the composition under
        // exactTranscendentals (Math.expm1 in both, the backward composed), leaky_relu here too
        boolean sleefForward = type == DType.FLOAT32 && !Boolean.getBoolean(EXACT);
        for (Case c : cases()) {
            for (Layout layout : layouts(large)) {
                seed += 17;
                String what = c.name + " " + type + " " + layout.name;
                System.setProperty(COMPOSED, "true");
                Tensor[] want = run(c, layout, type, seed);
                System.clearProperty(COMPOSED);
                Tensor[] got = run(c, layout, type, seed);
                assertArrayEquals(want[0].stride(), got[0].stride(), what + " forward strides");
                if (sleefForward && !c.name.startsWith("leaky_relu")) {
                    continue;
                }
                assertSameBits(want[0], got[0], what + " forward");
                if (c.inplace) {
                    // session 58: on the result, the kernel's vector part is PyTorch's vectorized form, where a NaN
                    // result takes the negative branch (NaN); the composition is the scalar form (grad * scale), as
                    // PyTorch's tail and CUDA kernel: EluBackwardResultTest has PyTorch's bits. Elsewhere the same.
                    assertSameBitsBesideNaNInputs(want[1], got[1], want[3], what + " gradient");
                } else {
                    assertSameBits(want[1], got[1], what + " gradient");
                }
                if (c.secondOrder) {
                    assertEquals(want[2] == null, got[2] == null, what + " second derivative used");
                    if (want[2] != null && c.inplace) {
                        assertSameBitsBesideNaNInputs(want[2], got[2], want[3], what + " second derivative");
                    } else if (want[2] != null) {
                        assertSameBits(want[2], got[2], what + " second derivative");
                    }
                }
                checked++;
            }
        }
        assertTrue(checked > (sleefForward ? 60 : 100), "only " + checked + " runs");
    }

    @Test
    void float32MatchesTheComposition() {
        compareAll(DType.FLOAT32, true);
    }

    @Test
    void float64MatchesTheComposition() {
        compareAll(DType.FLOAT64, true);
    }

    @Test
    void float16AndBfloat16MatchTheComposition() {
        System.setProperty(EXACT, "true"); // computed through the float32 kernels: see compareAll
        compareAll(DType.FLOAT16, false);
        compareAll(DType.BFLOAT16, false);
    }

    /** Under exact transcendentals the float32 elu backward declines (another exp); the values are the composition's. */
    @Test
    void exactTranscendentalsMatchTheComposition() {
        System.setProperty(EXACT, "true");
        compareAll(DType.FLOAT32, false);
    }

    /** The kernels run (the comparisons above are not the composition against itself): one profiler range each. */
    @Test
    void theKernelsRunUnderPyTorchsNames() {
        System.clearProperty(COMPOSED);
        for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.randn(new Generator(1), type, Device.CPU, 4, 5).requiresGrad_(true);
            Profiler prof;
            try (Profiler p = Ember.profile(ProfilerOptions.defaults())) {
                prof = p;
                Functional.leakyRelu(x, 0.1).sum().backward();
                Functional.elu(x, 1.0).sum().backward();
                Functional.leakyRelu_(x.clone(), 0.1).sum().backward();
                Functional.elu_(x.clone(), 1.0).sum().backward();
            }
            List<String> names = prof.events().stream().map(ProfilerEvent::name).collect(Collectors.toList());
            for (String op : new String[] {"aten::leaky_relu", "aten::leaky_relu_backward", "aten::elu",
                "aten::elu_backward"}) {
                assertEquals(2, names.stream().filter(op::equals).count(), type + " " + op + " in " + names);
            }
            System.setProperty(COMPOSED, "true");
            try (Profiler p = Ember.profile(ProfilerOptions.defaults())) {
                prof = p;
                Functional.leakyRelu(x, 0.1).sum().backward();
                Functional.elu_(x.clone(), 1.0).sum().backward();
            }
            names = prof.events().stream().map(ProfilerEvent::name).collect(Collectors.toList());
            assertTrue(names.stream().noneMatch(s -> s.startsWith("aten::leaky_relu") || s.startsWith("aten::elu")),
                    names.toString());
            System.clearProperty(COMPOSED);
        }
    }
}
