package dev.ember;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Autograd.gradcheck}/{@code gradgradcheck} with {@link GradcheckOptions}. The expected messages are PyTorch
 * 1.13's ({@code /usr/bin/python3}, the same functions written as {@code torch.autograd.Function}s, inputs
 * {@code [1., 2.]} float64, the scripts in {@code src/test/resources/gradcheckoptions/}); 1.13's
 * {@code gradcheck.py} and 2.x's agree on every message checked here.
 */
class GradcheckOptionsTest {

    private static Tensor x12() {
        return Tensor.tensor(new double[] {1, 2}, DType.FLOAT64).requiresGrad_(true);
    }

    /** forward 2x, backward 3g: a wrong backward. */
    private static final class Wrong extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].mul(2.0)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].mul(3.0)};
        }
    }

    /** forward x*x, backward 2 x.detach() g: right first derivative, wrong second. */
    private static final class DetachedSquare extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return new Tensor[] {in[0].mul(in[0])};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor x = ctx.savedTensors()[0];
            return new Tensor[] {g[0].mul(2.0).mul(x.detach())};
        }
    }

    /** forward 2x, backward 2g plus a little more on every call (where g is nonzero). */
    private static final class Nondeterministic extends AutogradFunction {
        private int calls;

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].mul(2.0)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            calls++;
            return new Tensor[] {g[0].mul(2.0).add(g[0].ne(0.0).to(DType.FLOAT64).mul(calls * 1e-9))};
        }
    }

    /** forward 2x, backward 2g in float32. */
    private static final class Float32Grad extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].mul(2.0)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].mul(2.0).to(DType.FLOAT32)};
        }
    }

    /**
     * forward (2x, 3x) without materialized gradients; the backward treats an absent gradient as zero, except when the
     * other gradient is all zeros too: then it {@code mode} 0 returns ones, 1 throws.
     */
    private static final class TwoOutputs extends AutogradFunction {
        private final int mode;

        TwoOutputs(int mode) {
            this.mode = mode;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            ctx.setMaterializeGrads(false);
            return new Tensor[] {in[0].mul(2.0), in[0].mul(3.0)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor present = g[0] != null ? g[0] : g[1];
            boolean absent = g[0] == null || g[1] == null;
            if (absent && mode >= 0 && present.eq(0.0).all()) {
                if (mode == 1) {
                    throw new IllegalStateException("an all-zero gradient with an absent one");
                }
                return new Tensor[] {present.onesLike()};
            }
            Tensor r = null;
            if (g[0] != null) {
                r = g[0].mul(2.0);
            }
            if (g[1] != null) {
                r = r == null ? g[1].mul(3.0) : r.add(g[1].mul(3.0));
            }
            return new Tensor[] {r};
        }
    }

    private static final String SLOW_WRONG = "Jacobian mismatch for output 0 with respect to input 0,\n"
            + "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 2.0000]], dtype=torch.float64)\n"
            + "analytical:tensor([[3., 0.],\n        [0., 3.]], dtype=torch.float64)\n";

    private static final String FAST_APPENDIX = "\nThe above quantities relating the numerical and analytical jacobians "
            + "are computed \nin fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
            + "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n";

    private static final String FAST_WRONG = "Jacobian mismatch for output 0 with respect to input 0,\n"
            + "numerical:tensor(1.8447, dtype=torch.float64)\nanalytical:tensor(2.7671, dtype=torch.float64)\n"
            + FAST_APPENDIX + "Numerical:\n tensor([[2.0000, 0.0000],\n        [0.0000, 2.0000]], dtype=torch.float64)\n"
            + "Analytical:\ntensor([[3., 0.],\n        [0., 3.]], dtype=torch.float64)\n\n"
            + "The max per-element difference (slow mode) is: 1.0000000000002203.\n";

    private static final String NONDET = "Backward is not reentrant, i.e., running backward with same input and "
            + "grad_output multiple times gives different values, although analytical gradient matches numerical "
            + "gradient.The tolerance for nondeterminism was 0.0.\n\n"
            + "NOTE: If your op relies on non-deterministic operations i.e., it is listed here:\n"
            + "https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html\n"
            + "this failure might be expected.\n\n"
            + "If you are adding a new operator, please file an issue and then use one of the\n"
            + "workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.\n"
            + "If the test\n"
            + "- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck\n"
            + "  with `nondet_tol=<tol>` as a keyword argument.\n"
            + "- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test\n"
            + "  to have `gradcheck_nondet_tol=<tol>`.\n"
            + "- is a Module test (e.g., in common_nn.py), then modify the corresponding\n"
            + "  module_test entry to have `gradcheck_nondet_tol=<tol>`\n";

    private static GradcheckOptions mode(boolean fast) {
        return GradcheckOptions.defaults().withFastMode(fast);
    }

    @Test
    void defaultsArePyTorchs() {
        GradcheckOptions d = GradcheckOptions.defaults();
        assertEquals("GradcheckOptions(eps=1.0E-6, atol=1.0E-5, rtol=0.001, raise_exception=True, nondet_tol=0.0, "
                + "check_undefined_grad=True, check_grad_dtypes=False, check_backward_ad=True, fast_mode=False, "
                + "gen_non_contig_grad_outputs=False)", d.toString());
        GradcheckOptions o = d.withEps(1e-3).withAtol(1e-4).withRtol(1e-2).withRaiseException(false).withNondetTol(1e-7)
                .withCheckUndefinedGrad(false).withCheckGradDtypes(true).withFastMode(true)
                .withGenNonContigGradOutputs(true);
        assertEquals(1e-3, o.eps());
        assertEquals(1e-4, o.atol());
        assertEquals(1e-2, o.rtol());
        assertFalse(o.raiseException());
        assertEquals(1e-7, o.nondetTol());
        assertFalse(o.checkUndefinedGrad());
        assertTrue(o.checkGradDtypes());
        assertTrue(o.fastMode());
        assertTrue(o.genNonContigGradOutputs());
        assertTrue(o.checkBackwardAd());
        assertFalse(d.fastMode(), "withers copy");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void correctFunctionsPass(boolean fast) {
        Tensor a = x12();
        Tensor b = Tensor.tensor(new double[] {0.5, -1.5}, DType.FLOAT64).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(x -> x[0].mul(x[1]).sin(), new Tensor[] {a, b}, mode(fast)));
        assertTrue(Autograd.gradgradcheck(x -> x[0].mul(x[0]).sin(), new Tensor[] {a}, null, mode(fast)));
        assertTrue(Autograd.gradcheckMulti(x -> new Tensor[] {x[0].exp(), x[0].mul(x[1])}, new Tensor[] {a, b},
                mode(fast)));
        assertTrue(Autograd.gradcheck(x -> new DetachedSquare().apply(x[0]), new Tensor[] {a}, mode(fast)));
        // strided input, an input that does not require grad, a non-differentiable output
        Tensor wide = Tensor.rand(new Generator(3), DType.FLOAT64, 3, 4).t().requiresGrad_(true);
        assertTrue(Autograd.gradcheckMulti(x -> new Tensor[] {x[0].tanh().mul(x[1]), x[1].add(1.0)},
                new Tensor[] {wide, Tensor.rand(new Generator(4), DType.FLOAT64, 4, 3)}, mode(fast)));
    }

    @Test
    void wrongBackwardSlowMode() {
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradcheck(x -> new Wrong().apply(x[0]), new Tensor[] {x12()}, mode(false)));
        assertEquals(SLOW_WRONG, e.getMessage());
        assertFalse(Autograd.gradcheck(x -> new Wrong().apply(x[0]), new Tensor[] {x12()},
                mode(false).withRaiseException(false)));
    }

    @Test
    void wrongBackwardFastMode() {
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradcheck(x -> new Wrong().apply(x[0]), new Tensor[] {x12()}, mode(true)));
        assertEquals(FAST_WRONG, e.getMessage());
        assertFalse(Autograd.gradcheck(x -> new Wrong().apply(x[0]), new Tensor[] {x12()},
                mode(true).withRaiseException(false)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void wrongSecondDerivative(boolean fast) {
        Tensor go = Tensor.tensor(new double[] {1, 1}, DType.FLOAT64).requiresGrad_(true);
        Function<Tensor[], Tensor> f = x -> new DetachedSquare().apply(x[0]);
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradgradcheck(f, new Tensor[] {x12()}, new Tensor[] {go}, mode(fast)));
        String analytical = "tensor([[0., 0.],\n        [0., 0.]], dtype=torch.float64)";
        String numerical = "tensor([[2.0000, 0.0000],\n        [0.0000, 2.0000]], dtype=torch.float64)";
        assertEquals(fast
                ? "Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor(1.4676, dtype=torch.float64)"
                        + "\nanalytical:tensor(0., dtype=torch.float64)\n" + FAST_APPENDIX + "Numerical:\n " + numerical
                        + "\nAnalytical:\n" + analytical + "\n\nThe max per-element difference (slow mode) is: "
                        + "1.9999999999998908.\n"
                : "Jacobian mismatch for output 0 with respect to input 0,\nnumerical:" + numerical + "\nanalytical:"
                        + analytical + "\n", e.getMessage());
        assertFalse(Autograd.gradgradcheck(f, new Tensor[] {x12()}, new Tensor[] {go},
                mode(fast).withRaiseException(false)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void nondeterministicBackward(boolean fast) {
        Nondeterministic fn = new Nondeterministic();
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradcheck(x -> fn.apply(x[0]), new Tensor[] {x12()}, mode(fast)));
        assertEquals(NONDET, e.getMessage());
        assertTrue(Autograd.gradcheck(x -> fn.apply(x[0]), new Tensor[] {x12()}, mode(fast).withNondetTol(1e-6)));
        assertFalse(Autograd.gradcheck(x -> fn.apply(x[0]), new Tensor[] {x12()},
                mode(fast).withRaiseException(false)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void gradDtypes(boolean fast) {
        // the engine casts a backward's float32 gradient to the float64 input's dtype, as PyTorch's validate_outputs,
        // so check_grad_dtypes passes (True in PyTorch too)
        Function<Tensor[], Tensor> f = x -> new Float32Grad().apply(x[0]);
        assertTrue(Autograd.gradcheck(f, new Tensor[] {x12()}, mode(fast).withAtol(1e-4)));
        assertTrue(Autograd.gradcheck(f, new Tensor[] {x12()}, mode(fast).withAtol(1e-4).withCheckGradDtypes(true)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void undefinedGradients(boolean fast) {
        Function<Tensor[], Tensor[]> good = x -> new TwoOutputs(-1).applyAll(x[0]);
        assertTrue(Autograd.gradcheckMulti(good, new Tensor[] {x12()}, mode(fast)));
        Function<Tensor[], Tensor[]> ones = x -> new TwoOutputs(0).applyAll(x[0]);
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradcheckMulti(ones, new Tensor[] {x12()}, mode(fast)));
        assertEquals("Expected all input grads to be undefined or zero when all output grads are undefined or zero. "
                + "Please look at \"Notes about undefined output gradients\" in \"tools/autograd/derivatives.yaml\"",
                e.getMessage());
        assertTrue(Autograd.gradcheckMulti(ones, new Tensor[] {x12()}, mode(fast).withCheckUndefinedGrad(false)));
        assertFalse(Autograd.gradcheckMulti(ones, new Tensor[] {x12()}, mode(fast).withRaiseException(false)));
        Function<Tensor[], Tensor[]> throwing = x -> new TwoOutputs(1).applyAll(x[0]);
        e = assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradcheckMulti(throwing, new Tensor[] {x12()}, mode(fast)));
        assertEquals("Expected backward function to handle undefined output grads. Please look at \"Notes about "
                + "undefined output gradients\" in \"tools/autograd/derivatives.yaml\"", e.getMessage());
        assertTrue(Autograd.gradcheckMulti(throwing, new Tensor[] {x12()}, mode(fast).withCheckUndefinedGrad(false)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void inputIndexCountsInputsRequiringGrad(boolean fast) {
        // PyTorch numbers the inputs that require grad: "with respect to input 0" for (c, x) with only x requiring it
        Tensor c = Tensor.ones(DType.FLOAT64, 2);
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class, () -> Autograd.gradcheck(
                x -> new Wrong().apply(x[1]).mul(x[0]), new Tensor[] {c, x12()}, mode(fast)));
        assertTrue(e.getMessage().startsWith("Jacobian mismatch for output 0 with respect to input 0,\n"),
                e.getMessage());
    }

    @Test
    void floatsPrintAsPython() {
        // repr(x) in Python, for the tolerances and differences gradcheck's messages print
        String[] expected = {"0.0", "1e-06", "0.0001", "0.001", "1.0", "1.0000000000002203", "1e-05", "1.5e+16",
            "123456.0", "2.5e-07", "-0.5"};
        double[] values = {0.0, 1e-6, 1e-4, 1e-3, 1.0, 1.0000000000002203, 1e-5, 1.5e16, 123456.0, 2.5e-7, -0.5};
        for (int i = 0; i < values.length; i++) {
            assertEquals(expected[i], Gradcheck.pyFloat(values[i]));
        }
        Nondeterministic fn = new Nondeterministic();
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class, () -> Autograd.gradcheck(
                x -> fn.apply(x[0]), new Tensor[] {x12()}, mode(false).withNondetTol(1e-12)));
        assertTrue(e.getMessage().contains("The tolerance for nondeterminism was 1e-12."), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void noDifferentiableOutputs(boolean fast) {
        // PyTorch: True for (x > 5).double(), "Numerical gradient for function expected to be zero" for x.detach() * 2
        assertTrue(Autograd.gradcheck(x -> x[0].gt(5.0).to(DType.FLOAT64), new Tensor[] {x12()}, mode(fast)));
        Autograd.GradcheckError e = assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradcheck(x -> x[0].detach().mul(2.0), new Tensor[] {x12()}, mode(fast)));
        assertEquals("Numerical gradient for function expected to be zero", e.getMessage());
        assertFalse(Autograd.gradcheck(x -> x[0].detach().mul(2.0), new Tensor[] {x12()},
                mode(fast).withRaiseException(false)));
    }

    @Test
    void inputErrors() {
        Function<Tensor[], Tensor> f = x -> x[0].mul(2.0);
        Tensor plain = Tensor.ones(DType.FLOAT64, 2);
        for (boolean raise : new boolean[] {true, false}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autograd.gradcheck(f,
                    new Tensor[] {plain}, GradcheckOptions.defaults().withRaiseException(raise)));
            assertEquals("gradcheck expects at least one input tensor to require gradient, but none of the them have "
                    + "requires_grad=True.", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autograd.gradcheck(f,
                new Tensor[] {x12()}, GradcheckOptions.defaults().withCheckBackwardAd(false)));
        assertEquals("Expected at least one of check_forward_ad or check_backward_ad to be True", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Autograd.gradgradcheck(f, new Tensor[] {x12()}, null,
                GradcheckOptions.defaults().withCheckBackwardAd(false)));
        assertEquals("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True", e.getMessage());
        Tensor expanded = Tensor.ones(DType.FLOAT64, 1).expand(3).requiresGrad_(true);
        e = assertThrows(IllegalArgumentException.class,
                () -> Autograd.gradcheck(f, new Tensor[] {expanded}, GradcheckOptions.defaults()));
        assertTrue(e.getMessage().startsWith("The 0th input has a dimension with stride 0."), e.getMessage());
    }

    @Test
    void float32InputsWarnAndAreChecked() {
        // PyTorch warns "Input #0 requires gradient and is not a double precision floating point or complex. ..." and
        // checks anyway: with eps and atol 1e-2 the float32 check of 2x passes there (True) and here
        Tensor x = Tensor.ones(DType.FLOAT32, 2).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> a[0].mul(2.0), new Tensor[] {x},
                GradcheckOptions.defaults().withEps(1e-2).withAtol(1e-2)));
        // the overloads without options keep refusing them
        assertThrows(IllegalArgumentException.class, () -> Autograd.gradcheck(a -> a[0].mul(2.0), x));
    }
}
