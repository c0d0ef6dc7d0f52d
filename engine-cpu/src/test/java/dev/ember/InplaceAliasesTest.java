package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch's in-place variants and alias names (session 20) against {@code inplacealiases/expected.txt}, which
 * {@code make_expected.py} wrote with PyTorch: for each call, the values of self after it (float64 contiguous, float32
 * non-contiguous, float64 through a view, int64), its node, the gradients of the leaf and the operands through it,
 * the version bump, and PyTorch's errors (a leaf that requires grad, a result type that cannot be cast, broadcasting
 * that would resize self) with self and every input unchanged; then the aliases against the ops they name.
 */
class InplaceAliasesTest {
    private static final String RESOURCE = "/inplacealiases/expected.txt";

    /** One Ember call: self and the tensor operands in. */
    private interface Call {
        Tensor apply(Tensor self, Tensor[] o);
    }

    private static final Map<String, Call> CALLS = new LinkedHashMap<>();

    /** Calls whose floating inputs do not require grad in the script (no autograd: PyTorch refuses or fails). */
    private static final Set<String> NO_GRAD = Set.of("ldexp_(t)");

    private static void call(String name, Call c) {
        CALLS.put(name, c);
    }

    static {
        call("acos_", (s, o) -> s.acos_());
        call("acosh_", (s, o) -> s.acosh_());
        call("asin_", (s, o) -> s.asin_());
        call("asinh_", (s, o) -> s.asinh_());
        call("atan_", (s, o) -> s.atan_());
        call("atanh_", (s, o) -> s.atanh_());
        call("ceil_", (s, o) -> s.ceil_());
        call("floor_", (s, o) -> s.floor_());
        call("round_", (s, o) -> s.round_());
        call("trunc_", (s, o) -> s.trunc_());
        call("frac_", (s, o) -> s.frac_());
        call("fix_", (s, o) -> s.fix_());
        call("cos_", (s, o) -> s.cos_());
        call("cosh_", (s, o) -> s.cosh_());
        call("sin_", (s, o) -> s.sin_());
        call("sinh_", (s, o) -> s.sinh_());
        call("tan_", (s, o) -> s.tan_());
        call("sinc_", (s, o) -> s.sinc_());
        call("erf_", (s, o) -> s.erf_());
        call("erfc_", (s, o) -> s.erfc_());
        call("erfinv_", (s, o) -> s.erfinv_());
        call("exp2_", (s, o) -> s.exp2_());
        call("expm1_", (s, o) -> s.expm1_());
        call("log10_", (s, o) -> s.log10_());
        call("log1p_", (s, o) -> s.log1p_());
        call("log2_", (s, o) -> s.log2_());
        call("logit_", (s, o) -> s.logit_());
        call("lgamma_", (s, o) -> s.lgamma_());
        call("digamma_", (s, o) -> s.digamma_());
        call("i0_", (s, o) -> s.i0_());
        call("reciprocal_", (s, o) -> s.reciprocal_());
        call("rsqrt_", (s, o) -> s.rsqrt_());
        call("sign_", (s, o) -> s.sign_());
        call("sgn_", (s, o) -> s.sgn_());
        call("nan_to_num_", (s, o) -> s.nanToNum_());
        call("negative_", (s, o) -> s.negative_());
        call("absolute_", (s, o) -> s.absolute_());
        call("arccos_", (s, o) -> s.arccos_());
        call("arcsin_", (s, o) -> s.arcsin_());
        call("arctan_", (s, o) -> s.arctan_());
        call("arccosh_", (s, o) -> s.arccosh_());
        call("arcsinh_", (s, o) -> s.arcsinh_());
        call("arctanh_", (s, o) -> s.arctanh_());
        call("logit_(0.1)", (s, o) -> s.logit_(0.1));
        call("nan_to_num_(1,2,-3)", (s, o) -> s.nanToNum_(1.0, 2.0, -3.0));
        call("nan_to_num_(0,None,None)", (s, o) -> s.nanToNum_(0.0, null, null));
        call("polygamma_(1)", (s, o) -> s.polygamma_(1));
        call("polygamma_(2)", (s, o) -> s.polygamma_(2));
        call("mvlgamma_(2)", (s, o) -> s.mvlgamma_(2));
        call("atan2_(t)", (s, o) -> s.atan2_(o[0]));
        call("arctan2_(t)", (s, o) -> s.arctan2_(o[0]));
        call("pow_(2)", (s, o) -> s.pow_(2L));
        call("pow_(2.5)", (s, o) -> s.pow_(2.5));
        call("pow_(t)", (s, o) -> s.pow_(o[0]));
        call("remainder_(t)", (s, o) -> s.remainder_(o[0]));
        call("remainder_(1.5)", (s, o) -> s.remainder_(1.5));
        call("remainder_(3)", (s, o) -> s.remainder_(3L));
        call("fmod_(t)", (s, o) -> s.fmod_(o[0]));
        call("fmod_(1.5)", (s, o) -> s.fmod_(1.5));
        call("fmod_(3)", (s, o) -> s.fmod_(3L));
        call("lerp_(t,0.3)", (s, o) -> s.lerp_(o[0], 0.3));
        call("lerp_(t,t)", (s, o) -> s.lerp_(o[0], o[1]));
        call("hypot_(t)", (s, o) -> s.hypot_(o[0]));
        call("copysign_(t)", (s, o) -> s.copysign_(o[0]));
        call("copysign_(-1.0)", (s, o) -> s.copysign_(-1.0));
        call("xlogy_(t)", (s, o) -> s.xlogy_(o[0]));
        call("xlogy_(2.0)", (s, o) -> s.xlogy_(2.0));
        call("ldexp_(t)", (s, o) -> s.ldexp_(o[0]));
        call("float_power_(t)", (s, o) -> s.floatPower_(o[0]));
        call("float_power_(2.0)", (s, o) -> s.floatPower_(2.0));
        call("divide_(t)", (s, o) -> s.divide_(o[0]));
        call("divide_(t,floor)", (s, o) -> s.divide_(o[0], "floor"));
        call("divide_(t,trunc)", (s, o) -> s.divide_(o[0], "trunc"));
        call("divide_(2.0,floor)", (s, o) -> s.divide_(2.0, "floor"));
        call("div_(t,floor)", (s, o) -> s.div_(o[0], "floor"));
        call("multiply_(t)", (s, o) -> s.multiply_(o[0]));
        call("subtract_(t,2)", (s, o) -> s.subtract_(o[0], 2));
        call("true_divide_(t)", (s, o) -> s.trueDivide_(o[0]));
        call("floor_divide_(t)", (s, o) -> s.floorDivide_(o[0]));
        call("floor_divide_(2)", (s, o) -> s.floorDivide_(2L));
        call("heaviside_(t)", (s, o) -> s.heaviside_(o[0]));
        call("cos_ empty", (s, o) -> s.cos_());
        call("atan2_(t) empty", (s, o) -> s.atan2_(o[0]));
        call("eq_(t) empty", (s, o) -> s.eq_(o[0]));
        call("cumsum_(1) empty", (s, o) -> s.cumsum_(1));
        call("t_ empty", (s, o) -> s.t_());
        call("fill_diagonal_(2.5) empty", (s, o) -> s.fillDiagonal_(2.5));
        call("clip_(-1,1)", (s, o) -> s.clip_(-1.0, 1.0));
        call("eq_(t)", (s, o) -> s.eq_(o[0]));
        call("eq_(0.5)", (s, o) -> s.eq_(0.5));
        call("ne_(t)", (s, o) -> s.ne_(o[0]));
        call("ne_(0.5)", (s, o) -> s.ne_(0.5));
        call("lt_(t)", (s, o) -> s.lt_(o[0]));
        call("lt_(0.5)", (s, o) -> s.lt_(0.5));
        call("le_(t)", (s, o) -> s.le_(o[0]));
        call("le_(0.5)", (s, o) -> s.le_(0.5));
        call("gt_(t)", (s, o) -> s.gt_(o[0]));
        call("gt_(0.5)", (s, o) -> s.gt_(0.5));
        call("ge_(t)", (s, o) -> s.ge_(o[0]));
        call("ge_(0.5)", (s, o) -> s.ge_(0.5));
        call("greater_(t)", (s, o) -> s.greater_(o[0]));
        call("greater_(0.5)", (s, o) -> s.greater_(0.5));
        call("greater_equal_(t)", (s, o) -> s.greaterEqual_(o[0]));
        call("greater_equal_(0.5)", (s, o) -> s.greaterEqual_(0.5));
        call("less_(t)", (s, o) -> s.less_(o[0]));
        call("less_(0.5)", (s, o) -> s.less_(0.5));
        call("less_equal_(t)", (s, o) -> s.lessEqual_(o[0]));
        call("less_equal_(0.5)", (s, o) -> s.lessEqual_(0.5));
        call("not_equal_(t)", (s, o) -> s.notEqual_(o[0]));
        call("not_equal_(0.5)", (s, o) -> s.notEqual_(0.5));
        call("logical_and_(t)", (s, o) -> s.logicalAnd_(o[0]));
        call("logical_or_(t)", (s, o) -> s.logicalOr_(o[0]));
        call("logical_xor_(t)", (s, o) -> s.logicalXor_(o[0]));
        call("logical_not_", (s, o) -> s.logicalNot_());
        call("bitwise_and_(t)", (s, o) -> s.bitwiseAnd_(o[0]));
        call("bitwise_and_(6)", (s, o) -> s.bitwiseAnd_(6L));
        call("bitwise_or_(t)", (s, o) -> s.bitwiseOr_(o[0]));
        call("bitwise_or_(6)", (s, o) -> s.bitwiseOr_(6L));
        call("bitwise_xor_(t)", (s, o) -> s.bitwiseXor_(o[0]));
        call("bitwise_xor_(6)", (s, o) -> s.bitwiseXor_(6L));
        call("bitwise_not_", (s, o) -> s.bitwiseNot_());
        call("bitwise_left_shift_(t)", (s, o) -> s.bitwiseLeftShift_(o[0]));
        call("bitwise_left_shift_(2)", (s, o) -> s.bitwiseLeftShift_(2L));
        call("bitwise_right_shift_(t)", (s, o) -> s.bitwiseRightShift_(o[0]));
        call("bitwise_right_shift_(1)", (s, o) -> s.bitwiseRightShift_(1L));
        call("cumsum_(1)", (s, o) -> s.cumsum_(1));
        call("cumsum_(0)", (s, o) -> s.cumsum_(0));
        call("cumprod_(1)", (s, o) -> s.cumprod_(1));
        call("tril_", (s, o) -> s.tril_());
        call("tril_(-1)", (s, o) -> s.tril_(-1));
        call("triu_", (s, o) -> s.triu_());
        call("triu_(1)", (s, o) -> s.triu_(1));
        call("addmm_(m,m)", (s, o) -> s.addmm_(o[0], o[1]));
        call("addmm_(m,m,0.5,2)", (s, o) -> s.addmm_(o[0], o[1], 0.5, 2));
        call("addmv_(m,v)", (s, o) -> s.addmv_(o[0], o[1]));
        call("addmv_(m,v,2,0.5)", (s, o) -> s.addmv_(o[0], o[1], 2, 0.5));
        call("baddbmm_(b,b)", (s, o) -> s.baddbmm_(o[0], o[1]));
        call("addbmm_(b,b)", (s, o) -> s.addbmm_(o[0], o[1]));
        call("addbmm_(b,b,0.5,2)", (s, o) -> s.addbmm_(o[0], o[1], 0.5, 2));
        call("t_", (s, o) -> s.t_());
        call("t_ 1d", (s, o) -> s.t_());
        call("t_ 3d", (s, o) -> s.t_());
        call("transpose_(0,1)", (s, o) -> s.transpose_(0, 1));
        call("transpose_(0,-1)", (s, o) -> s.transpose_(0, -1));
        call("transpose_(0,3)", (s, o) -> s.transpose_(0, 3));
        call("swapaxes_(0,1)", (s, o) -> s.swapaxes_(0, 1));
        call("swapdims_(1,0)", (s, o) -> s.swapdims_(1, 0));
        call("squeeze_", (s, o) -> s.squeeze_());
        call("squeeze_(1)", (s, o) -> s.squeeze_(1));
        call("squeeze_(0)", (s, o) -> s.squeeze_(0));
        call("squeeze_(5)", (s, o) -> s.squeeze_(5));
        call("unsqueeze_(1)", (s, o) -> s.unsqueeze_(1));
        call("unsqueeze_(-1)", (s, o) -> s.unsqueeze_(-1));
        call("unsqueeze_(3)", (s, o) -> s.unsqueeze_(3));
        call("fill_diagonal_(2.5)", (s, o) -> s.fillDiagonal_(2.5));
        call("fill_diagonal_(2.5) tall", (s, o) -> s.fillDiagonal_(2.5));
        call("fill_diagonal_(2.5,wrap)", (s, o) -> s.fillDiagonal_(2.5, true));
        call("fill_diagonal_(2.5,wrap) wide", (s, o) -> s.fillDiagonal_(2.5, true));
        call("fill_diagonal_(2.5) cube", (s, o) -> s.fillDiagonal_(2.5));
        call("fill_diagonal_(2.5) 1d", (s, o) -> s.fillDiagonal_(2.5));
        call("fill_diagonal_(2.5) uneven", (s, o) -> s.fillDiagonal_(2.5));
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            tests.add(DynamicTest.dynamicTest(c.key(), () -> {
                try {
                    run(c);
                } catch (AssertionError e) {
                    throw new AssertionError(c.key() + ": " + e.getMessage(), e);
                }
            }));
        }
        assertTrue(tests.size() > 600, "cases read: " + tests.size());
        return tests;
    }

    private static void run(ReferenceCases.Case c) {
        String key = c.key();
        String mode = key.substring(key.lastIndexOf(' ') + 1);
        String name = key.substring(0, key.lastIndexOf(' '));
        Call call = CALLS.get(name);
        assertNotNull(call, "no Ember call for " + name);
        boolean grad = !NO_GRAD.contains(name);
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; c.get("in" + i) != null; i++) {
            Tensor t = PyTorchCases.tensor(c.get("in" + i));
            if (t.isView()) {
                t = t.clone(); // a tensor of its own, as PyTorch's inputs (an in-place op on a leaf view says other words)
            }
            ins.add(grad && t.dtype().isFloatingPoint() ? t.requiresGrad_(true) : t);
        }
        Tensor x = ins.get(0);
        Tensor[] others = ins.subList(1, ins.size()).toArray(new Tensor[0]);
        Tensor self;
        Tensor base = null;
        switch (mode) {
            case "strided":
                self = x.transpose(-1, -2).clone();
                if (Math.min(self.size(-1), self.size(-2)) > 1) {
                    assertFalse(self.isContiguous(), "self should not be contiguous");
                }
                break;
            case "view":
                base = x.clone();
                self = base.narrow(base.dim() - 1, 1, base.size(base.dim() - 1) - 1);
                break;
            case "leaf":
                self = x;
                break;
            default:
                self = x.clone();
        }
        boolean viewOp = c.get("stride") != null;
        Tensor target = base != null && !viewOp ? base : self;
        int v0 = self.version();
        String error = c.get("error");
        if (error != null) {
            List<double[]> before = new ArrayList<>();
            for (Tensor t : ins) {
                before.add(t.toDoubleArray());
            }
            double[] selfBefore = self.toDoubleArray();
            int[] shapeBefore = self.shape();
            Tensor s = self;
            Throwable e = assertThrows(RuntimeException.class, () -> call.apply(s, others));
            assertEquals(error.substring(error.indexOf(' ') + 1), e.getMessage());
            for (int i = 0; i < ins.size(); i++) {
                assertArrayEquals(before.get(i), ins.get(i).toDoubleArray(), "input " + i + " changed");
            }
            assertArrayEquals(selfBefore, self.toDoubleArray(), "self changed");
            assertArrayEquals(shapeBefore, self.shape(), "self's shape changed");
            assertEquals(v0, self.version(), "version bumped by a refused call");
            return;
        }
        Tensor r = call.apply(self, others);
        assertSame(self, r, "an in-place call returns self");
        assertClose("out", PyTorchCases.tensor(c.get("out")), target);
        if (viewOp) {
            // strides of dimensions of size 1 are free (clone gives them as it likes), so only the others are compared
            double[] st = PyTorchCases.numbers(c.get("stride"));
            for (int d = 0; d < st.length; d++) {
                if (self.size(d) > 1) {
                    assertEquals((int) st[d], self.stride(d), "stride " + d);
                }
            }
        }
        assertEquals(c.get("fn"), target.gradFn() == null ? "None" : target.gradFn().name(), "grad_fn");
        assertEquals("1".equals(c.get("bumped")), self.version() != v0, "version bumped");
        if (!target.requiresGrad()) {
            return;
        }
        Tensor loss = target.mul(weights(target.shape(), target.dtype())).sum();
        String backError = c.get("backerror");
        if (backError != null) {
            Throwable e = assertThrows(RuntimeException.class, loss::backward);
            assertEquals(backError.substring(backError.indexOf(' ') + 1), e.getMessage());
            return;
        }
        loss.backward();
        for (int i = 0; i < ins.size(); i++) {
            String g = c.get("grad" + i);
            if ("none".equals(g)) {
                assertEquals(null, ins.get(i).grad(), "grad" + i);
            } else if (g != null) {
                assertNotNull(ins.get(i).grad(), "grad" + i);
                assertClose("grad" + i, PyTorchCases.tensor(g), ins.get(i).grad());
            }
        }
    }

    private static void assertClose(String what, Tensor expected, Tensor got) {
        assertEquals(expected.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(expected.shape(), got.shape(), what + " shape");
        double[] e = expected.toDoubleArray();
        double[] g = got.toDoubleArray();
        double rel = got.dtype() == DType.FLOAT32 ? 2e-6 : 1e-12;
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : e[i] == g[i] || Math.abs(e[i] - g[i]) <= rel * Math.max(1, Math.abs(e[i]));
            assertTrue(ok, what + "[" + i + "]: PyTorch " + e[i] + ", Ember " + g[i]);
        }
    }

    private static Tensor weights(int[] shape, DType dtype) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] w = new double[(int) n];
        for (int k = 0; k < w.length; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    // ------------------------------------------------------------------ gradcheck through the in-place ops

    private static Tensor seq(double lo, double step, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = lo + step * ((7 * k) % 19);
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    @Test
    void gradcheckAndGradgradcheckThroughInplaceOps() {
        Map<String, Function<Tensor, Tensor>> unary = new LinkedHashMap<>();
        unary.put("cos_", Tensor::cos_);
        unary.put("sin_", Tensor::sin_);
        unary.put("tan_", Tensor::tan_);
        unary.put("erf_", Tensor::erf_);
        unary.put("expm1_", Tensor::expm1_);
        unary.put("log1p_", Tensor::log1p_);
        unary.put("reciprocal_", Tensor::reciprocal_);
        unary.put("rsqrt_", Tensor::rsqrt_);
        unary.put("lgamma_", Tensor::lgamma_);
        unary.put("sinc_", Tensor::sinc_);
        unary.put("logit_", Tensor::logit_);
        unary.put("cumprod_", t -> t.cumprod_(1));
        unary.put("polygamma_", t -> t.polygamma_(1));
        for (Map.Entry<String, Function<Tensor, Tensor>> e : unary.entrySet()) {
            Tensor x = seq(0.1, 0.04, 3, 4).requiresGrad_(true);
            Function<Tensor[], Tensor> f = a -> e.getValue().apply(a[0].mul(1.0));
            checks(e.getKey(), f, x);
        }
        // linear ones: their gradient does not depend on the input, so gradcheck only
        Map<String, Function<Tensor, Tensor>> linear = new LinkedHashMap<>();
        linear.put("cumsum_", t -> t.cumsum_(1));
        linear.put("tril_", Tensor::tril_);
        linear.put("t_", Tensor::t_);
        linear.put("transpose_", t -> t.transpose_(0, 1));
        linear.put("unsqueeze_", t -> t.unsqueeze_(1));
        linear.put("squeeze_", t -> t.unsqueeze_(0).squeeze_());
        linear.put("fillDiagonal_", t -> t.fillDiagonal_(0.5, true));
        for (Map.Entry<String, Function<Tensor, Tensor>> e : linear.entrySet()) {
            Tensor x = seq(0.1, 0.04, 5, 2).requiresGrad_(true);
            assertTrue(Autograd.gradcheck(a -> e.getValue().apply(a[0].mul(1.0)), x), e.getKey() + " gradcheck");
        }
        Tensor x = seq(0.2, 0.1, 3, 4).requiresGrad_(true);
        Tensor y = seq(0.5, 0.07, 4).requiresGrad_(true);
        Map<String, Function<Tensor[], Tensor>> binary = new LinkedHashMap<>();
        binary.put("atan2_", a -> a[0].mul(1.0).atan2_(a[1]));
        binary.put("pow_", a -> a[0].mul(1.0).pow_(a[1]));
        binary.put("hypot_", a -> a[0].mul(1.0).hypot_(a[1]));
        binary.put("xlogy_", a -> a[0].mul(1.0).xlogy_(a[1]));
        binary.put("divide_", a -> a[0].mul(1.0).divide_(a[1]));
        for (Map.Entry<String, Function<Tensor[], Tensor>> e : binary.entrySet()) {
            checks(e.getKey(), e.getValue(), x, y);
        }
        assertTrue(Autograd.gradcheck(a -> a[0].mul(1.0).lerp_(a[1], 0.3), x, y), "lerp_ gradcheck"); // linear
        Tensor m1 = seq(-0.5, 0.1, 3, 2).requiresGrad_(true);
        Tensor m2 = seq(-0.3, 0.05, 2, 4).requiresGrad_(true);
        Function<Tensor[], Tensor> addmm = a -> a[0].mul(1.0).addmm_(a[1], a[2], 0.5, 2);
        checks("addmm_", addmm, x, m1, m2);
    }

    private static void checks(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        try {
            assertTrue(Autograd.gradcheck(f, inputs), name + " gradcheck");
            assertTrue(Autograd.gradgradcheck(f, inputs), name + " gradgradcheck");
        } catch (RuntimeException | Error e) {
            throw new AssertionError(name + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ aliases

    private static void assertSameResult(String what, Tensor expected, Tensor got) {
        assertEquals(expected.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(expected.shape(), got.shape(), what + " shape");
        assertArrayEquals(expected.toDoubleArray(), got.toDoubleArray(), what + " values");
        assertEquals(expected.gradFn() == null ? null : expected.gradFn().name(),
                got.gradFn() == null ? null : got.gradFn().name(), what + " node");
    }

    @Test
    void aliasesGiveTheirTargetsResultAndNode() {
        Tensor x = seq(-0.8, 0.09, 3, 4).requiresGrad_(true);
        Tensor g = seq(1.1, 0.15, 3, 4).requiresGrad_(true);
        Tensor y = seq(0.5, 0.1, 4).requiresGrad_(true);
        assertSameResult("absolute", x.abs(), x.absolute());
        assertSameResult("arccos", x.acos(), x.arccos());
        assertSameResult("arcsin", x.asin(), x.arcsin());
        assertSameResult("arctan", x.atan(), x.arctan());
        assertSameResult("arccosh", g.acosh(), g.arccosh());
        assertSameResult("arcsinh", x.asinh(), x.arcsinh());
        assertSameResult("arctanh", x.atanh(), x.arctanh());
        assertSameResult("arctan2", x.atan2(y), x.arctan2(y));
        assertSameResult("divide", x.div(y), x.divide(y));
        assertSameResult("divide number", x.div(3.0), x.divide(3.0));
        assertSameResult("divide floor", x.div(y, "floor"), x.divide(y, "floor"));
        assertSameResult("divide trunc number", x.div(0.3, "trunc"), x.divide(0.3, "trunc"));
        assertSameResult("multiply", x.mul(y), x.multiply(y));
        assertSameResult("multiply number", x.mul(2.0), x.multiply(2.0));
        assertSameResult("subtract", x.sub(y), x.subtract(y));
        assertSameResult("subtract alpha", x.sub(y, 2), x.subtract(y, 2));
        assertSameResult("subtract number", x.sub(2.0), x.subtract(2.0));
        assertSameResult("greater", x.gt(y), x.greater(y));
        assertSameResult("greater number", x.gt(0.1), x.greater(0.1));
        assertSameResult("greaterEqual", x.ge(y), x.greaterEqual(y));
        assertSameResult("greaterEqual number", x.ge(0.1), x.greaterEqual(0.1));
        assertSameResult("less", x.lt(y), x.less(y));
        assertSameResult("less number", x.lt(0.1), x.less(0.1));
        assertSameResult("lessEqual", x.le(y), x.lessEqual(y));
        assertSameResult("lessEqual number", x.le(0.1), x.lessEqual(0.1));
        assertSameResult("notEqual", x.ne(y), x.notEqual(y));
        assertSameResult("notEqual number", x.ne(0.1), x.notEqual(0.1));
        assertSameResult("negative", x.neg(), x.negative());
        assertSameResult("clip", x.clamp(-0.5, 0.5), x.clip(-0.5, 0.5));
        assertSameResult("concat", Tensor.cat(List.of(x, g), 1), Tensor.concat(List.of(x, g), 1));
        assertSameResult("concatenate", Tensor.cat(List.of(x, g), 0), Tensor.concatenate(List.of(x, g), 0));
        assertSameResult("ger", y.outer(y), y.ger(y));
        assertSameResult("reshapeAs", x.reshape(4, 3), x.reshapeAs(Tensor.zeros(4, 3)));
        assertSameResult("mvlgamma", Special.multigammaln(g, 2), g.mvlgamma(2));
        assertEquals(x.dim(), x.ndimension());
        assertEquals(x.numel(), x.nelement());
        assertTrue(x.isSameSize(g));
        assertFalse(x.isSameSize(y));
        assertFalse(x.isComplex());
    }

    @Test
    void ravelIsAViewWhenContiguousAndACopyOtherwise() {
        Tensor x = seq(-0.8, 0.09, 3, 4).requiresGrad_(true);
        Tensor flat = x.ravel();
        assertArrayEquals(new int[] {12}, flat.shape());
        assertTrue(flat.isView());
        assertEquals("ViewBackward0", flat.gradFn().name());
        Tensor t = x.t().ravel();
        assertArrayEquals(x.t().contiguous().reshape(-1).toDoubleArray(), t.toDoubleArray());
        assertEquals("ViewBackward0", t.gradFn().name()); // contiguous() copied (CloneBackward0), then viewed
        assertEquals("CloneBackward0", t.gradFn().nextFunctions().get(0).name());
    }

    @Test
    void isNonzeroIsSignedAsPyTorch() {
        // messages and values checked with PyTorch 1.13: torch.zeros(2).is_nonzero(), torch.zeros(0).is_nonzero(),
        // torch.zeros(1, 1).is_nonzero() == False; is_signed: uint8 False, bool False, float32 True
        Throwable many = assertThrows(IllegalStateException.class, () -> Tensor.zeros(2).isNonzero());
        assertEquals("Boolean value of Tensor with more than one value is ambiguous", many.getMessage());
        Throwable none = assertThrows(IllegalStateException.class, () -> Tensor.zeros(0).isNonzero());
        assertEquals("Boolean value of Tensor with no values is ambiguous", none.getMessage());
        assertFalse(Tensor.zeros(1, 1).isNonzero());
        assertTrue(Tensor.full(new int[] {1}, 0.5).isNonzero());
        assertFalse(Tensor.zeros(DType.UINT8, 1).isSigned());
        assertFalse(Tensor.zeros(DType.BOOL, 1).isSigned());
        assertTrue(Tensor.zeros(1).isSigned());
        assertTrue(Tensor.zeros(DType.INT64, 1).isSigned());
    }

    @Test
    void productOpsRefuseASelfOfAnotherShape() {
        // PyTorch 1.13's messages: torch.ones(1, 2).addmm_(torch.ones(2, 2), torch.ones(2, 2)) and the others
        Throwable e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.ones(1, 2).addmm_(Tensor.ones(2, 2), Tensor.ones(2, 2)));
        assertEquals("Bad in-place call: input tensor size [1, 2] and output tensor size [2, 2] should match", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(1).addmv_(Tensor.ones(2, 2), Tensor.ones(2)));
        assertEquals("Bad in-place call: input tensor size [1] and output tensor size [2] should match", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.ones(2, 2).baddbmm_(Tensor.ones(2, 2, 2), Tensor.ones(2, 2, 2)));
        assertEquals("Bad in-place call: input tensor size [2, 2] and output tensor size [2, 2, 2] should match",
                e.getMessage());
        e = assertThrows(RuntimeException.class, () -> Tensor.ones(3, 2).addmm_(Tensor.ones(2), Tensor.ones(2, 2)));
        assertEquals("mat1 must be a matrix, got 1-D tensor", e.getMessage());
        // cumsum_ and cumprod_ of bool: no kernel ("cumsum_out_cpu" not implemented for 'Bool')
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(DType.BOOL, 2).cumsum_(0));
        assertEquals("\"cumsum_out_cpu\" not implemented for 'Bool'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(DType.BOOL, 2).cumprod_(0));
        assertEquals("\"cumprod_out_cpu\" not implemented for 'Bool'", e.getMessage());
    }

    @Test
    void nonDifferentiableInplaceOpsKeepTheHistoryAndWriteALeaf() {
        // PyTorch 1.13: x.clone().logical_not_().grad_fn is CloneBackward0; a leaf that requires grad may be written
        Tensor x = seq(-0.8, 0.09, 3, 4).requiresGrad_(true);
        Tensor y = x.clone();
        y.logicalNot_();
        assertEquals("CloneBackward0", y.gradFn().name());
        Tensor leaf = seq(-0.8, 0.09, 2).requiresGrad_(true);
        leaf.logicalNot_();
        assertTrue(leaf.requiresGrad());
        assertArrayEquals(new double[] {0, 0}, leaf.toDoubleArray());
        // ldexp_ is an out= call in PyTorch: refused when anything requires grad
        Throwable e = assertThrows(IllegalStateException.class, () -> x.clone().ldexp_(Tensor.ones(DType.INT64, 4)));
        assertEquals("mul(): functions with out=... arguments don't support automatic differentiation, but one of the "
                + "arguments requires grad.", e.getMessage());
    }
}
