package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex tensors through the elementwise functions (tanh, sigmoid, the hyperbolic and inverse trigonometric ones, log1p,
 * expm1, exp2, log2, log10, rsqrt, square), pow with tensor and complex exponents, prod, var/std, norms and dot/vdot:
 * values, nodes and gradients from {@code complexmath/make_expected.py} (PyTorch 1.13; C99's values from Python's cmath
 * and mpmath at branch cuts, tiny and huge arguments); numerical gradchecks through the real views.
 */
class ComplexMathTest {

    private static final int[] ALL = null;

    private static Function<Tensor[], Tensor> op(String name) {
        String[] w = name.split(" ");
        if (name.endsWith(" edges") || name.endsWith(" big") || name.endsWith(" large") || name.endsWith("large complex64")) {
            Function<Tensor[], Tensor> f = unary(w[0]);
            return a -> f.apply(new Tensor[] {a[0].detach()}); // values only (the generator's detached cases)
        }
        switch (name) {
            case "pow tensor tensor":
            case "pow tensor real tensor":
            case "pow real tensor complex tensor":
            case "pow complex64 complex64":
                return a -> a[0].pow(a[1]);
            case "pow complex number": return a -> a[0].pow(Complex.of(0.5, 1.5));
            case "pow number complex": return a -> Tensor.pow(2.0, a[0]);
            case "prod":
            case "prod complex64":
            case "prod one zero":
            case "prod two zeros":
            case "prod 0-dim":
                return a -> a[0].prod();
            case "prod dim":
            case "prod dim zero":
                return a -> a[0].prod(1, false);
            case "prod dim keepdim": return a -> a[0].prod(0, true);
            case "prod empty": return a -> a[0].prod(0, false);
            case "prod dtype complex128": return a -> a[0].prod(DType.COMPLEX128);
            case "var": return a -> a[0].var();
            case "var dim": return a -> a[0].var(1);
            case "var dims correction 0 keepdim": return a -> a[0].var(new int[] {0, 2}, 0, true);
            case "var complex64": return a -> a[0].var(0);
            case "std":
            case "std constant":
                return a -> a[0].std();
            case "std dim": return a -> a[0].std(-1);
            case "std complex64 correction 0": return a -> a[0].std(new int[] {0}, 0, false);
            case "var_mean": return a -> {
                Tensor.VarMean vm = a[0].varMean(new int[] {1}, 1, false);
                return vm.var().add(vm.mean().real());
            };
            case "var_mean mean": return a -> a[0].varMean(new int[] {1}, 1, false).mean();
            case "std_mean": return a -> a[0].stdMean(new int[] {0}, 1, false).std();
            case "vector_norm dim": return a -> a[0].vectorNorm(2, new int[] {1}, false);
            case "vector_norm dims keepdim complex64": return a -> a[0].vectorNorm(2, new int[] {0, 2}, true);
            case "vector_norm with zeros": return a -> a[0].vectorNorm(2, ALL, false);
            case "norm": return a -> a[0].norm();
            case "norm p 1 dim": return a -> a[0].norm(1, new int[] {0}, false);
            case "linalg.norm vector": return a -> a[0].linalgNorm();
            case "abs squared sum": return a -> a[0].abs().pow(2).sum();
            case "dot":
            case "dot complex real":
                return a -> a[0].dot(a[1]);
            case "vdot": return a -> a[0].vdot(a[1]);
            case "inner": return a -> a[0].inner(a[1]);
            case "inplace add_ mul_ sub_ div_": return a -> {
                Tensor t = a[0].mul(1.0);
                t.add_(a[1]).mul_(a[1]).sub_(0.5).div_(a[1].add(3.0));
                t.mul_(2.5).add_(a[2]);
                return t;
            };
            case "inplace real add_ complex": return a -> {
                Tensor r = a[1].real().mul(1.0);
                r.add_(a[0]);
                return r;
            };
            case "addcmul": return a -> a[0].addcmul(a[1], a[2], 0.5);
            case "addcdiv": return a -> a[0].addcdiv(a[1], a[2], -1.5);
            case "addcdiv real tensors": return a -> a[0].addcdiv(a[1], a[2]);
            case "lerp scalar": return a -> a[0].lerp(a[1], 0.25);
            case "lerp scalar above half": return a -> a[0].lerp(a[1], 0.75);
            case "lerp tensor weight": return a -> a[0].lerp(a[1], a[2]);
            case "sinc": return a -> a[0].sinc();
            case "sinc at zero": return a -> a[0].detach().sinc();
            case "sum dtype complex128": return a -> a[0].sum(DType.COMPLEX128);
            case "sum real dtype complex64": return a -> a[0].detach().sum(DType.COMPLEX64);
            case "mean dtype complex128": return a -> a[0].mean(DType.COMPLEX128);
            case "mv": return a -> a[0].mv(a[1]);
            case "nansum": return a -> a[0].nansum();
            case "abs_": return a -> a[0].mul(1.0).abs_();
            case "arange complex64": return a -> Tensor.arange(0, 3, 1, DType.COMPLEX64);
            case "float_power complex": return a -> a[0].floatPower(a[1]);
            case "float_power complex number": return a -> a[0].floatPower(2.5);
            case "dist complex": return a -> a[0].dist(a[1], 3);
            case "nan_to_num complex": return a -> a[0].detach().nanToNum(0.5, 7.0, null);
            case "refuses atan2": return a -> a[0].atan2(a[1]);
            case "refuses copysign": return a -> a[0].copysign(a[1]);
            case "refuses xlogy": return a -> a[0].xlogy(a[1]);
            case "refuses polygamma": return a -> a[0].polygamma(1);
            case "refuses deg2rad": return a -> a[0].deg2rad();
            case "refuses rad2deg": return a -> a[0].rad2deg();
            case "refuses i0": return a -> a[0].i0();
            case "refuses logit": return a -> a[0].logit();
            case "refuses signbit": return a -> a[0].signbit();
            case "refuses geometric_": return a -> a[0].detach().clone().geometric_(0.5);
            case "refuses xlog1py": return a -> Special.xlog1py(a[0], a[1]);
            case "conv2d complex": return a -> dev.ember.nn.Functional.conv2d(a[0], a[1], a[2], new int[] {1, 1},
                    new int[] {1, 1}, new int[] {1, 1}, 1);
            case "conv2d complex64 strided groups": return a -> dev.ember.nn.Functional.conv2d(a[0], a[1], null,
                    new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, 2);
            case "conv1d complex": return a -> dev.ember.nn.Functional.conv1d(a[0], a[1], a[2], new int[] {2}, new int[] {1},
                    new int[] {1}, 1);
            case "conv3d complex": return a -> dev.ember.nn.Functional.conv3d(a[0], a[1], null);
            case "conv2d complex real bias": return a -> dev.ember.nn.Functional.conv2d(a[0], a[1], a[2]);
            case "logical_not": return a -> a[0].logicalNot();
            case "logical_and": return a -> a[0].logicalAnd(a[1]);
            case "logical_or real": return a -> a[0].logicalOr(a[1]);
            case "logical_xor": return a -> a[0].logicalXor(a[1]);
            case "logical_and_ in place": return a -> a[0].detach().clone().logicalAnd_(a[1].detach());
            case "cov": return a -> a[0].cov();
            case "cov weights": return a -> a[0].cov(0, a[1], a[2]);
            case "corrcoef": return a -> a[0].corrcoef();
            case "pairwise_distance": return a -> dev.ember.nn.Functional.pairwiseDistance(a[0], a[1]);
            case "refuses zeta": return a -> Special.zeta(a[0], a[1]);
            case "to bool": return a -> a[0].detach().to(DType.BOOL);
            case "logsumexp": return a -> a[0].logsumexp(new int[] {1}, false);
            case "logsumexp keepdim complex64": return a -> a[0].logsumexp(new int[] {0}, true);
            case "inplace real mul_": return a -> {
                Tensor t = a[0].mul(1.0);
                t.real().mul_(2.0);
                return t;
            };
            case "inplace imag fill_": return a -> {
                Tensor t = a[0].mul(1.0);
                t.imag().fill_(0.5);
                return t;
            };
            case "inplace select mul_": return a -> {
                Tensor t = a[0].mul(1.0);
                t.select(0, 0).mul_(a[1].select(0, 1));
                return t;
            };
            case "inplace slice add_": return a -> {
                Tensor t = a[0].mul(1.0);
                t.narrow(0, 1, 2).add_(a[1].narrow(0, 0, 1).mul(2.0));
                return t.exp();
            };
            case "setitem into zeros": return a -> {
                Tensor out = Tensor.zeros(a[0].dtype(), 3, 4);
                out.narrow(1, 0, 2).copy_(a[0].mul(2.0));
                out.narrow(0, 1, 2).select(1, 3).copy_(a[1].select(0, 0).narrow(0, 0, 2));
                return out;
            };
            case "inplace view_as_real add_": return a -> {
                Tensor t = a[0].mul(1.0);
                t.viewAsReal().select(-1, 1).add_(a[1].real());
                return t;
            };
            case "outer": return a -> a[0].outer(a[1]);
            default:
                break;
        }
        if (name.startsWith("lu_factor")) {
            return a -> a[0].linalgLuFactor().LU();
        }
        if (w.length == 1 || name.endsWith(" complex64") && w.length == 2) {
            return unary(w[0]);
        }
        if (name.startsWith("lu_solve")) {
            boolean left = name.contains("left=True");
            boolean adjoint = name.contains("adjoint=True");
            return a -> {
                LuFactorResult f = a[0].linalgLuFactor();
                return Tensor.linalgLuSolve(f.LU(), f.pivots(), a[1], left, adjoint);
            };
        }
        if (name.startsWith("linalg.lu ")) {
            return a -> {
                LuResult r = a[0].linalgLu();
                return Tensor.cat(List.of(r.L().flatten(), r.U().flatten()), 0);
            };
        }
        if (name.startsWith("vector_norm ord ")) {
            double ord = Double.parseDouble(w[2].replace("inf", "Infinity"));
            return a -> a[0].vectorNorm(ord, ALL, false);
        }
        throw new IllegalArgumentException("no Ember call for case " + name);
    }

    private static Function<Tensor[], Tensor> unary(String fn) {
        switch (fn) {
            case "tanh": return a -> a[0].tanh();
            case "sigmoid": return a -> a[0].sigmoid();
            case "sinh": return a -> a[0].sinh();
            case "cosh": return a -> a[0].cosh();
            case "tan": return a -> a[0].tan();
            case "asin": return a -> a[0].asin();
            case "acos": return a -> a[0].acos();
            case "atan": return a -> a[0].atan();
            case "asinh": return a -> a[0].asinh();
            case "acosh": return a -> a[0].acosh();
            case "atanh": return a -> a[0].atanh();
            case "log2": return a -> a[0].log2();
            case "log10": return a -> a[0].log10();
            case "log1p": return a -> a[0].log1p();
            case "expm1": return a -> a[0].expm1();
            case "exp2": return a -> a[0].exp2();
            case "rsqrt": return a -> a[0].rsqrt();
            case "square": return a -> a[0].square();
            default: throw new IllegalArgumentException("no Ember call for " + fn);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/complexmath/expected.txt", ComplexMathTest::op, 2e-6);
    }

    private static Tensor cz(Tensor pairs) {
        return ComplexTest.cz(pairs);
    }

    private static Tensor seq(int shift, int... shape) {
        return ComplexTest.seq(shift, shape);
    }

    @Test
    void gradcheckThroughRealViews() {
        // each function numerically, as a function of the real views of complex float64 inputs (away from branch cuts)
        List<Function<Tensor[], Tensor>> fs = List.of(
            x -> cz(x[0]).tanh().add(cz(x[1]).sigmoid()).viewAsReal(),
            x -> cz(x[0]).sinh().mul(cz(x[1]).cosh()).add(cz(x[0]).tan()).viewAsReal(),
            x -> cz(x[0]).mul(0.3).asin().add(cz(x[1]).mul(0.3).acos()).add(cz(x[0]).atan()).viewAsReal(),
            x -> cz(x[0]).asinh().add(cz(x[1]).acosh()).add(cz(x[0]).mul(0.3).atanh()).viewAsReal(),
            x -> cz(x[0]).log1p().add(cz(x[1]).expm1()).add(cz(x[0]).exp2()).viewAsReal(),
            x -> cz(x[0]).log2().add(cz(x[1]).log10()).add(cz(x[0]).rsqrt()).viewAsReal(),
            x -> cz(x[0]).pow(cz(x[1]).mul(0.5)).viewAsReal(),
            x -> cz(x[0]).pow(Complex.of(0.5, -1.5)).add(Tensor.pow(1.5, cz(x[1]))).viewAsReal(),
            x -> cz(x[0]).prod().mul(cz(x[1]).prod(0, false).sum()).viewAsReal(),
            x -> cz(x[0]).var().add(cz(x[1]).std(new int[] {0}, 0, false).sum()),
            x -> cz(x[0]).vectorNorm(2, ALL, false).add(cz(x[1]).vectorNorm(3, ALL, false))
                    .add(cz(x[0]).vectorNorm(1, new int[] {0}, false).sum()),
            x -> cz(x[0]).dot(cz(x[1])).add(cz(x[1]).vdot(cz(x[0]))).viewAsReal(),
            x -> cz(x[0]).addcdiv(cz(x[1]), cz(x[0]).add(3.0), 0.5).lerp(cz(x[1]), cz(x[0]).mul(0.2)).sinc()
                    .add(cz(x[1]).logsumexp(new int[] {0}, false).sum()).viewAsReal(),
            x -> dev.ember.nn.Functional.convTranspose1d(cz(x[0]).reshape(1, 1, 3), cz(x[1]).reshape(1, 1, 3), null)
                    .add(dev.ember.nn.Functional.conv1d(cz(x[0]).reshape(1, 1, 3), cz(x[1]).narrow(0, 0, 2).reshape(1, 1, 2),
                            null).sum()).viewAsReal(),
            x -> {
                Tensor w = cz(x[0]).mul(1.0);
                w.add_(cz(x[1])).mul_(cz(x[1])).div_(cz(x[0]).add(4.0));
                return w.viewAsReal();
            },
            x -> {
                // in-place writes through a slice and through the real view of complex tensors (CopySlices)
                Tensor w = cz(x[0]).mul(1.0);
                w.narrow(0, 1, 2).mul_(cz(x[1]).narrow(0, 0, 2));
                w.real().mul_(2.0);
                w.imag().add_(x[1].select(-1, 0));
                return w.viewAsReal();
            });
        for (Function<Tensor[], Tensor> f : fs) {
            Tensor a = seq(1, 3, 2).add(0.1).toDouble().requiresGrad_(true);
            Tensor b = seq(4, 3, 2).add(0.2).toDouble().requiresGrad_(true);
            assertTrue(Autograd.gradcheck(f::apply, a, b));
            assertTrue(Autograd.gradgradcheck(f::apply, a, b));
        }
    }

    @Test
    void adjointAndMHConjugateComplexMatrices() {
        // PyTorch: z.mH and z.adjoint() are z.transpose(-2, -1).conj(); a 0-dim tensor's adjoint is its conjugate
        Tensor z = Tensor.complex(seq(0, 2, 3), seq(5, 2, 3));
        Tensor expected = Tensor.complex(seq(0, 2, 3).mT(), seq(5, 2, 3).mT().neg());
        assertTrue(z.mH().equal(expected));
        assertTrue(z.adjoint().equal(expected));
        assertTrue(z.select(0, 0).select(0, 1).adjoint().equal(expected.select(0, 1).select(0, 0)));
        assertTrue(seq(0, 2, 3).mH().equal(seq(0, 2, 3).mT()));
        assertEquals("tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor.",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(DType.COMPLEX64, 2).mH()).getMessage());
        Tensor zg = z.detach().requiresGrad_(true);
        Tensor h = zg.mH();
        assertEquals("ConjBackward0", h.gradFn().name());
        h.viewAsReal().sum().backward(); // d/dz of sum(re) + sum(-im): 1 - 1i per element
        assertTrue(zg.grad().equal(Tensor.complex(Tensor.ones(2, 3).toDouble(), Tensor.ones(2, 3).toDouble().neg())));
    }

    @Test
    void realPowWithNumberBase() {
        // torch.pow(2.0, t) on a real tensor: PowBackward2, grad * result * log 2
        Tensor t = Tensor.tensor(new double[] {-1, 0, 1.5}).toDouble().requiresGrad_(true);
        Tensor r = Tensor.pow(2.0, t);
        assertEquals("PowBackward2", r.gradFn().name());
        r.sum().backward();
        double[] g = t.grad().toDoubleArray();
        double[] v = r.toDoubleArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.pow(2, new double[] {-1, 0, 1.5}[i]), v[i], 1e-15);
            assertEquals(v[i] * Math.log(2), g[i], 1e-15);
        }
        assertEquals(DType.FLOAT32, Tensor.pow(2.0, Tensor.tensor(new long[] {1, 2})).dtype());
    }
}
