package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Regression tests for the items of PyTorch 2.x's release notes ("Backwards Incompatible Changes", "Deprecations",
 * 2.0 to 2.7) where Ember did 1.13's thing; {@code resources/pytorch2x/CHANGES.md} lists every item checked and its
 * verdict. Values come from {@code resources/pytorch2x/make_expected.py}, run on PyTorch 1.13 (the only PyTorch here),
 * for cases whose values 2.x computes alike; what 2.x changed (strides, storage offsets, warnings) is asserted from the
 * 2.x source rule quoted beside each test, since no 2.x is installed.
 */
class PyTorch2xChangesTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/pytorch2x/expected.txt");

    /** The generator's seq: ((7k + shift) mod 19 - 9) / 4 in row-major order, float64. */
    private static Tensor seq(int shift, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((7 * k + shift) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    /** The generator's weights: 1 + ((3k) mod 11) / 2. */
    private static Tensor weights(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    // ------------------------------------------------------------------ 1. *_scatter keeps self's layout (2.0, #91029)

    private interface Scatter {
        Tensor apply(Tensor self, Tensor src);
    }

    private static void scatterCase(String name, Scatter f, int... srcShape) {
        for (boolean inplace : new boolean[] {false, true}) {
            String key = "scatter." + name + (inplace ? ".mul_" : "");
            Tensor base = seq(0, 4, 6).requiresGrad_(true);
            Tensor src = seq(3, srcShape).requiresGrad_(true);
            Tensor x = base.slice(0, 1, 4, 1).slice(1, 0, 6, 2); // base[1:, ::2]: sizes [3, 3], strides (6, 2), offset 6
            assertArrayEquals(new int[] {6, 2}, x.stride());
            Tensor out = f.apply(x, src);
            // 2.x: clone_preserve_strides(self), so self's strides and storage offset (1.13: (3, 1) and 0)
            assertArrayEquals(x.stride(), out.stride(), key + " strides");
            assertEquals(x.storageOffset(), out.storageOffset(), key + " storage offset");
            if (inplace) {
                out.mul_(2.0); // a plain tensor, not a view of the copy: a plain in-place op, MulBackward0 on top
            }
            EXPECTED.assertExact(key + ".out", out);
            assertEquals(EXPECTED.get(key + ".node"), out.gradFn().name(), key + " node");
            out.mul(weights(out.shape())).sum().backward();
            EXPECTED.assertExact(key + ".gbase", base.grad());
            EXPECTED.assertExact(key + ".gsrc", src.grad());
        }
    }

    /**
     * {@code slice_scatter}, {@code select_scatter} and {@code diagonal_scatter} of a non-dense self give self's sizes,
     * strides and storage offset, as 2.x's {@code clone_preserve_strides} (TensorShape.cpp, Note [*_scatter ops preserve
     * strides]: "the output of *_scatter(base, mutated_view, ...) should have identical size/stride/storage_offset to
     * base"); Ember cloned self, 1.13's contiguous result. Values and gradients are 1.13's (the same in 2.x), also after
     * an in-place op on the result.
     */
    @Test
    void scattersKeepSelfsStridesAndStorageOffset() {
        scatterCase("slice", (x, s) -> x.sliceScatter(s, 0, 0, 1, 1), 1, 3);
        scatterCase("select", (x, s) -> x.selectScatter(s, 0, 2), 3);
        scatterCase("diagonal", (x, s) -> x.diagonalScatter(s, 1, 0, 1), 2);
    }

    /**
     * A dense transposed self keeps its strides (both versions), and an expanded self (internal overlap) is cloned
     * contiguous, as 2.x's {@code clone_preserve_strides} falls back to {@code clone()} there.
     */
    @Test
    void denseAndExpandedSelvesAsPyTorch() {
        Tensor xt = seq(0, 4, 3).t();
        Tensor out = xt.sliceScatter(seq(3, 1, 4), 0, 0, 1, 1);
        EXPECTED.assertExact("scatter.t.out", out);
        assertEquals(EXPECTED.get("scatter.t.stride"), java.util.Arrays.toString(out.stride()));
        Tensor xe = seq(0, 3).expand(2, 3);
        assertEquals(EXPECTED.get("scatter.expand.stride"),
                java.util.Arrays.toString(xe.selectScatter(seq(1, 3), 0, 0).stride()));
    }

    /**
     * An overlapping self ({@code unfold(0, 4, 2)} of 8 elements, strides (2, 1)): 2.x's {@code has_internal_overlap}
     * is not "Yes" (no zero stride), so {@code clone_preserve_strides} keeps the overlap and the element scattered by
     * {@code diagonal_scatter(src, -2, 0, 1)} also shows at the position aliasing it; 1.13 scattered into a contiguous
     * clone (the file's "scatter.unfold.113"). Expected: the generator's emulation of 2.x's rule with 1.13 ops.
     */
    @Test
    void anOverlappingSelfKeepsItsOverlap() {
        Tensor xu = seq(0, 8).unfold(0, 4, 2);
        Tensor out = xu.diagonalScatter(Tensor.tensor(new double[] {40.0}, DType.FLOAT64), -2, 0, 1);
        EXPECTED.assertExact("scatter.unfold.out", out);
        assertArrayEquals(new int[] {2, 1}, out.stride());
        assertNotEquals(EXPECTED.get("scatter.unfold.113"), EXPECTED.get("scatter.unfold.out"));
    }

    /**
     * {@code as_strided_scatter} of self {@code base[1:]} (contiguous, storage offset 6): 2.x's copy keeps self's layout
     * in a copy of its whole storage, so the view's storage offset counts from the storage's start, and the default
     * ({@code storage_offset=None}, the three-argument form) is self's own offset. The default's values are 1.13's
     * (the same region); with offset 8 the expected tensor is 2.x's rule emulated by the generator with 1.13 ops, which
     * differs from 1.13's own result (kept in the file to show the difference).
     */
    @Test
    void asStridedScatterCountsTheOffsetInSelfsStorage() {
        Tensor base = seq(0, 4, 6);
        Tensor xs = base.slice(0, 1, 4, 1);
        Tensor src = seq(3, 2, 2);
        Tensor none = xs.asStridedScatter(src, new int[] {2, 2}, new int[] {6, 1});
        EXPECTED.assertExact("asscatter.none.out", none);
        assertArrayEquals(new int[] {6, 1}, none.stride());
        assertEquals(6, none.storageOffset());
        EXPECTED.assertExact("asscatter.off8.out", xs.asStridedScatter(src, new int[] {2, 2}, new int[] {6, 1}, 8));
        assertNotEquals(EXPECTED.get("asscatter.off8.113"), EXPECTED.get("asscatter.off8.out"), "1.13 differs here");
    }

    /**
     * The deprecated {@code torch.qr}, {@code torch.chain_matmul} and {@code torch.lu_solve} log PyTorch's one-time
     * deprecation warnings (the same words in 1.13 and 2.x, lu_solve's missing space included), each once however
     * often called; their results are unchanged.
     */
    @Test
    void deprecatedLinalgFormsWarnOnce() {
        List<String> messages = List.of(WarnOnce.QR, WarnOnce.CHAIN_MATMUL, WarnOnce.LU_SOLVE);
        Tensor eye = Tensor.eye(3, 3, DType.FLOAT64);
        List<String> got = logged(messages, () -> {
            for (int round = 0; round < 2; round++) {
                eye.qr();
                eye.qr(false);
                Tensor.chainMatmul(eye, eye);
                LuFactorResult lu = eye.linalgLuFactor();
                eye.luSolve(lu.LU(), lu.pivots());
            }
        });
        assertEquals(List.of("WARNING: " + EXPECTED.text("warn.qr"), "WARNING: " + EXPECTED.text("warn.chain_matmul"),
                "WARNING: " + EXPECTED.text("warn.lu_solve")), got);
    }

    /**
     * {@code F.hardtanh} refuses {@code min_val > max_val} before anything else, as 2.4+'s functional.py ({@code if
     * min_val > max_val: raise ValueError("min_val cannot be greater than max_val")}; 1.13 clamped, the file's
     * "hardtanh.113.reversed"); equal bounds pass, and {@code F.hardtanh_} ({@code torch._C._nn.hardtanh_}, no check in
     * either version) still computes 1.13's values. The module {@code Hardtanh} keeps its own constructor assertion.
     */
    @Test
    void hardtanhRefusesReversedBoundsAsTwoPointFour() {
        Tensor x = seq(0, 6);
        String want = "min_val cannot be greater than max_val";
        assertEquals(want, assertThrows(IllegalArgumentException.class,
                () -> dev.ember.nn.Functional.hardtanh(x, 1.0, -1.0)).getMessage());
        assertEquals(want, assertThrows(IllegalArgumentException.class,
                () -> dev.ember.nn.Functional.hardtanh(x, 1.0, -1.0, true)).getMessage());
        assertEquals(want, assertThrows(IllegalArgumentException.class,
                () -> dev.ember.nn.Functional.hardtanh(null, 1.0, -1.0)).getMessage(), "the bounds first");
        EXPECTED.assertExact("hardtanh.equal", dev.ember.nn.Functional.hardtanh(x, 0.5, 0.5));
        Tensor y = x.clone();
        assertEquals(seq(0, 6).toString(), x.toString(), "a refusal leaves the input as it was");
        EXPECTED.assertExact("hardtanh_.reversed", dev.ember.nn.Functional.hardtanh_(y, 1.0, -1.0));
    }

    /**
     * {@code backward()} and {@code autograd.grad} of a complex scalar without a gradient are refused, as 2.1's
     * {@code _make_grads} ("grad can be implicitly created only for real scalar outputs but got torch.complex128";
     * 1.13 took 1, the file's "complex.implicit.113"), before anything is accumulated; with an explicit gradient the
     * result is 1.13's (the same in 2.x).
     */
    @Test
    void aComplexScalarNeedsAnExplicitGradientAsTwoPointOne() {
        Tensor z = Tensor.complex(Tensor.scalar(1.0).to(DType.FLOAT64), Tensor.scalar(2.0).to(DType.FLOAT64))
                .requiresGrad_(true);
        String want = "grad can be implicitly created only for real scalar outputs but got torch.complex128";
        assertEquals(want, assertThrows(IllegalStateException.class, () -> z.mul(z).backward()).getMessage());
        assertEquals(null, z.grad(), "nothing accumulated");
        assertEquals(want, assertThrows(IllegalStateException.class,
                () -> Autograd.grad(List.of(z.mul(z)), List.of(z))).getMessage());
        Tensor g = Tensor.complex(Tensor.scalar(0.5).to(DType.FLOAT64), Tensor.scalar(-1.0).to(DType.FLOAT64));
        z.mul(z).backward(g);
        EXPECTED.assertExact("complex.explicit.grad", z.grad());
        Tensor r = Tensor.scalar(3.0).to(DType.FLOAT64).requiresGrad_(true);
        r.mul(r).backward(); // a real scalar still takes 1
        assertEquals(6.0, r.grad().item());
    }

    // ------------------------------------------------------------------ 3. a fractional var/std correction (2.1)

    /** {@code got} equals {@code key}'s tensor within {@code rel} of each value (gradients ordered differently). */
    private static void assertClose(String key, Tensor got, double rel) {
        Tensor want = EXPECTED.tensor(key);
        assertArrayEquals(want.shape(), got.shape(), key + " shape");
        double[] e = want.toDoubleArray();
        double[] g = got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], rel * Math.abs(e[i]), key + "[" + i + "]");
        }
    }

    /**
     * {@code var}, {@code std}, {@code var_mean} and {@code std_mean} take a fractional correction, as 2.1+'s
     * {@code Scalar? correction} (1.13's was {@code int?}, and it refuses 0.5, the file's "frac.113" line): the sum of
     * squared deviations divided by {@code N - correction} where positive, else 0 (an infinite result), as 2.x's
     * WelfordOps; gradients by 2.x's {@code var_backward}/{@code std_backward}. Expected values: the generator's
     * emulation of that rule with 1.13 ops (values exact: one rounding each; gradients within 1e-15).
     */
    @Test
    void fractionalCorrectionAsTwoPointOne() {
        Object[][] cases = {{"dim1", new int[] {1}, 0.5}, {"all", null, 1.5}, {"over", new int[] {1}, 4.5}};
        for (Object[] c : cases) {
            String key = "frac." + c[0];
            int[] dims = (int[]) c[1];
            double corr = (Double) c[2];
            Tensor x = seq(0, 2, 4).requiresGrad_(true);
            Tensor v = x.var(dims, corr, false);
            EXPECTED.assertExact(key + ".var", v);
            Tensor sd = x.std(dims, corr, false);
            EXPECTED.assertExact(key + ".std", sd);
            Tensor.VarMean vm = x.varMean(dims, corr, false);
            EXPECTED.assertExact(key + ".var", vm.var());
            EXPECTED.assertExact(key + ".mean", vm.mean());
            Tensor.StdMean sm = x.stdMean(dims, corr, false);
            EXPECTED.assertExact(key + ".std", sm.std());
            EXPECTED.assertExact(key + ".mean", sm.mean());
            if (!c[0].equals("over")) {
                assertClose(key + ".gvar", Autograd.grad(List.of(v.mul(weights(v.shape())).sum()), List.of(x)).get(0),
                        1e-15);
                assertClose(key + ".gstd", Autograd.grad(List.of(sd.mul(weights(sd.shape())).sum()), List.of(x)).get(0),
                        1e-15);
            }
        }
        // an integer correction still takes the int overload, 1.13's and 2.x's alike
        assertEquals(seq(0, 2, 4).var(new int[] {1}, 1, false).toString(),
                seq(0, 2, 4).var(new int[] {1}, 1.0, false).toString());
    }

    // ------------------------------------------------------------------ 2. T / H / mT / mH / adjoint on 0-D (2.0, #92143)

    /** The warnings logged to "dev.ember" while {@code body} runs, after forgetting {@code messages} (a fresh process). */
    private static List<String> logged(List<String> messages, Runnable body) {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.ember");
        List<String> got = new ArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (messages.contains(r.getMessage())) {
                    got.add(r.getLevel() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        List<String> had = new ArrayList<>();
        for (String m : messages) {
            if (WarnOnce.LOGGED.remove(m)) {
                had.add(m);
            }
        }
        jul.addHandler(h);
        try {
            body.run();
        } finally {
            jul.removeHandler(h);
            WarnOnce.LOGGED.addAll(had);
        }
        return got;
    }

    /**
     * On a 0-D tensor {@code T} and {@code mT} are the identity and {@code H}, {@code mH}, {@code adjoint()} the
     * conjugate (the tensor itself when real), as 1.13 and 2.x (Ember refused {@code mT} and {@code mH}, and had no
     * {@code H}); each logs 2.0's deprecation once per process (TensorShape.cpp's TORCH_WARN_ONCE in numpy_T,
     * matrix_H, mT, mH, adjoint, "Added in PyTorch 2.0"; their words quoted in {@link WarnOnce}).
     */
    @Test
    void zeroDimTransposesAreTheIdentityWithTwoPointZerosWarnings() {
        Tensor z = EXPECTED.tensor("zero_d.T");
        Tensor c = EXPECTED.tensor("zero_d.complex.T");
        List<String> messages = List.of(WarnOnce.T_SCALAR, WarnOnce.H_SCALAR, WarnOnce.MT_SCALAR, WarnOnce.MH_SCALAR,
                WarnOnce.ADJOINT_SCALAR);
        List<String> got = logged(messages, () -> {
            for (int round = 0; round < 2; round++) {
                List<Supplier<Tensor>> real = List.of(z::T, z::H, z::mT, z::mH, z::adjoint);
                List<Supplier<Tensor>> complex = List.of(c::T, c::H, c::mT, c::mH, c::adjoint);
                String[] names = {"T", "H", "mT", "mH", "adjoint"};
                for (int i = 0; i < names.length; i++) {
                    EXPECTED.assertExact("zero_d." + names[i], real.get(i).get());
                    EXPECTED.assertExact("zero_d.complex." + names[i], complex.get(i).get());
                }
            }
        });
        List<String> want = new ArrayList<>();
        for (String m : messages) {
            want.add("WARNING: " + m);
        }
        assertEquals(want, got, "each once, in the order first met");
        assertSame(z, z.mT(), "PyTorch's _adjoint returns self for a 0-D tensor");
    }

    /** The other ranks: 1.13's (and 2.x's) errors, {@code H} of a matrix, and x.T's warning on a 3-D tensor. */
    @Test
    void otherRanksAsPyTorch() {
        assertEquals(EXPECTED.get("err.mT.1d"), "RuntimeError: "
                + assertThrows(IllegalArgumentException.class, () -> Tensor.ones(3).mT()).getMessage());
        assertEquals(EXPECTED.get("err.mH.1d"), "RuntimeError: "
                + assertThrows(IllegalArgumentException.class, () -> Tensor.ones(3).mH()).getMessage());
        assertEquals(EXPECTED.get("err.H.1d"), "RuntimeError: "
                + assertThrows(IllegalArgumentException.class, () -> Tensor.ones(3).H()).getMessage());
        assertEquals(EXPECTED.get("err.H.3d"), "RuntimeError: "
                + assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 2, 2).H()).getMessage());
        Tensor m = Tensor.complex(Tensor.tensor(new double[] {1, 3, 0, 2}, DType.FLOAT64).reshape(2, 2),
                Tensor.tensor(new double[] {2, -1, 0.5, 0}, DType.FLOAT64).reshape(2, 2)); // [[1+2j, 3-1j], [0.5j, 2]]
        EXPECTED.assertExact("H.2d", m.H());
        List<String> got = logged(List.of(WarnOnce.T_NOT_MATRIX), () -> {
            Tensor.ones(2, 3, 4).T();
            Tensor.ones(2, 3).T();
            Tensor.ones(4).T();
        });
        assertEquals(List.of("WARNING: " + EXPECTED.text("warn.T.3d")), got, "once, not for a matrix");
    }
}
