package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AutogradFunctional} against PyTorch's {@code torch.autograd.functional} (rnnutils/make_expected.py): jacobian
 * (one and several inputs, float64 and float32, vectorize, inputs the output does not depend on, an output that does
 * not require grad, create_graph and its second derivative), hessian, vjp, jvp, hvp and vhp values and shapes, the
 * strict-mode and argument errors in PyTorch's words, and results detached unless create_graph.
 */
class AutogradFunctionalTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/rnnutils/expected.txt");

    private static final Function<Tensor, Tensor> F1 = x -> x.mul(x).sin().mul(x.sum());
    private static final Function<Tensor[], Tensor> F2 = xs -> xs[0].mul(xs[1]).tanh().add(xs[1].pow(3));
    private static final Function<Tensor, Tensor> S1 = x -> x.exp().mul(x.sin()).sum();
    private static final Function<Tensor[], Tensor> S2 = xs -> xs[0].mul(xs[1]).sin().sum().add(xs[0].mul(xs[0]).mul(xs[1]).sum());
    private static final Function<Tensor, Tensor> LINS = x -> x.mul(2.0).sum();
    private static final Function<Tensor[], Tensor> IND = xs -> xs[0].exp();
    private static final Function<Tensor, Tensor> CONST = x -> x.detach().exp();

    private static Tensor in(String name) {
        return PyTorchCases.tensor(TORCH.field("inputs", name));
    }

    private static Tensor x() {
        return in("x");
    }

    private static Tensor y() {
        return in("y");
    }

    /** PyTorch's tensor for {@code field} of {@code key}: same shape, values within {@code tol} (relative and absolute). */
    static void check(PyTorchCases torch, String key, String field, Tensor actual, double tol) {
        Tensor expected = PyTorchCases.tensor(torch.field(key, field));
        assertArrayEquals(expected.shape(), actual.shape(), key + " " + field + " shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i])),
                    key + " " + field + " element " + i + ": expected " + e[i] + " but got " + a[i]);
        }
    }

    private static void check(String key, String field, Tensor actual) {
        check(TORCH, key, field, actual, actual.dtype() == DType.FLOAT32 ? 2e-5 : 1e-12);
    }

    private static void error(String key, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run, key);
        assertEquals(TORCH.error(key), e.getMessage(), key);
    }

    @Test
    void jacobianOfOneAndTwoInputs() {
        for (DType dt : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            String n = dt == DType.FLOAT64 ? "float64" : "float32";
            Tensor x = x().to(dt);
            Tensor j = AutogradFunctional.jacobian(F1, x);
            assertEquals(dt, j.dtype());
            check("jac.f1." + n, "jac", j);
            Tensor[] jj = AutogradFunctional.jacobian(F2, new Tensor[] {x, y().to(dt)});
            check("jac.f2." + n, "jx", jj[0]);
            check("jac.f2." + n, "jy", jj[1]);
        }
        check("jac.f1.vectorize", "jac", AutogradFunctional.jacobian(F1, x(), false, false, true));
    }

    @Test
    void jacobianOfUnusedInputsAndConstantOutputs() {
        Tensor[] jj = AutogradFunctional.jacobian(IND, new Tensor[] {x(), y()});
        check("jac.ind", "jx", jj[0]);
        check("jac.ind", "jy", jj[1]);
        check("jac.const", "jac", AutogradFunctional.jacobian(CONST, x()));
        error("jac.ind.strict", () -> AutogradFunctional.jacobian(IND, new Tensor[] {x(), y()}, false, true, false));
        error("jac.const.strict", () -> AutogradFunctional.jacobian(CONST, x(), false, true, false));
        error("jac.vectorize.strict", () -> AutogradFunctional.jacobian(F1, x(), false, true, true));
    }

    @Test
    void jacobianGraphOnlyWithCreateGraph() {
        Tensor xr = x().requiresGrad_(true);
        Tensor j = AutogradFunctional.jacobian(F1, xr);
        assertEquals(Boolean.parseBoolean(TORCH.field("jac.nograph", "requires_grad").toLowerCase()), j.requiresGrad());
        assertFalse(xr.requiresGrad() && xr.grad() != null);
        Tensor jc = AutogradFunctional.jacobian(F1, xr, true, false, false);
        assertEquals(Boolean.parseBoolean(TORCH.field("jac.createGraph", "requires_grad").toLowerCase()), jc.requiresGrad());
        check("jac.createGraph", "jac", jc);
        check("jac.createGraph", "grad", Autograd.grad(List.of(jc.sum()), List.of(xr), null, false).get(0));
    }

    @Test
    void hessians() {
        check("hess.s1", "hess", AutogradFunctional.hessian(S1, x()));
        check("hess.s1.vectorize", "hess", AutogradFunctional.hessian(S1, x(), false, false, true));
        Tensor[][] h = AutogradFunctional.hessian(S2, new Tensor[] {x(), y()});
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 2; k++) {
                check("hess.s2", "h" + i + k, h[i][k]);
            }
        }
        check("hess.lin", "hess", AutogradFunctional.hessian(LINS, x()));
        error("hess.lin.strict", () -> AutogradFunctional.hessian(LINS, x(), false, true, false));
        error("hess.nonscalar", () -> AutogradFunctional.hessian(F1, x()));
        Tensor xr = x().requiresGrad_(true);
        Tensor hc = AutogradFunctional.hessian(S1, xr, true, false, false);
        assertEquals(Boolean.parseBoolean(TORCH.field("hess.createGraph", "requires_grad").toLowerCase()), hc.requiresGrad());
        check("hess.createGraph", "grad", Autograd.grad(List.of(hc.sum()), List.of(xr), null, false).get(0));
    }

    @Test
    void vjps() {
        AutogradFunctional.Products p = AutogradFunctional.vjp(F1, x(), in("v23"));
        check("vjp.f1", "out", p.output());
        check("vjp.f1", "vjp", p.product());
        assertFalse(p.output().requiresGrad() || p.product().requiresGrad());
        p = AutogradFunctional.vjp(F2, new Tensor[] {x(), y()}, in("v23"), false, false);
        check("vjp.f2", "out", p.output());
        check("vjp.f2", "vjp0", p.products()[0]);
        check("vjp.f2", "vjp1", p.products()[1]);
        p = AutogradFunctional.vjp(S1, x(), null);
        check("vjp.s1", "out", p.output());
        check("vjp.s1", "vjp", p.product());
        check("vjp.ind", "vjp1", AutogradFunctional.vjp(IND, new Tensor[] {x(), y()}, in("v23"), false, false).products()[1]);
        error("vjp.ind.strict", () -> AutogradFunctional.vjp(IND, new Tensor[] {x(), y()}, in("v23"), false, true));
        error("vjp.noV", () -> AutogradFunctional.vjp(F1, x(), null));
        error("vjp.badV", () -> AutogradFunctional.vjp(F1, x(), in("v3")));
        Tensor xr = x().requiresGrad_(true);
        Tensor pc = AutogradFunctional.vjp(F1, xr, in("v23"), true, false).product();
        assertEquals(Boolean.parseBoolean(TORCH.field("vjp.createGraph", "requires_grad").toLowerCase()), pc.requiresGrad());
        check("vjp.createGraph", "grad", Autograd.grad(List.of(pc.sum()), List.of(xr), null, false).get(0));
    }

    @Test
    void jvps() {
        AutogradFunctional.Products p = AutogradFunctional.jvp(F1, x(), in("v23"));
        check("jvp.f1", "out", p.output());
        check("jvp.f1", "jvp", p.product());
        assertFalse(p.output().requiresGrad() || p.product().requiresGrad());
        p = AutogradFunctional.jvp(F2, new Tensor[] {x(), y()}, new Tensor[] {in("v23"), in("v3")}, false, false);
        check("jvp.f2", "out", p.output());
        check("jvp.f2", "jvp", p.product());
        error("jvp.ind.strict", () -> AutogradFunctional.jvp(IND, new Tensor[] {x(), y()}, new Tensor[] {in("v23"), in("v3")},
                false, true));
        error("jvp.badV", () -> AutogradFunctional.jvp(F2, new Tensor[] {x(), y()}, new Tensor[] {in("v23")}, false, false));
        error("jvp.badVsize", () -> AutogradFunctional.jvp(F2, new Tensor[] {x(), y()}, new Tensor[] {in("v23"), in("v23")},
                false, false));
        error("jvp.noV", () -> AutogradFunctional.jvp(F1, x(), null));
        Tensor xr = x().requiresGrad_(true);
        Tensor pc = AutogradFunctional.jvp(F1, xr, in("v23"), true, false).product();
        assertEquals(Boolean.parseBoolean(TORCH.field("jvp.createGraph", "requires_grad").toLowerCase()), pc.requiresGrad());
        check("jvp.createGraph", "grad", Autograd.grad(List.of(pc.sum()), List.of(xr), null, false).get(0));
    }

    @Test
    void hvpsAndVhps() {
        for (String name : new String[] {"hvp", "vhp"}) {
            boolean h = name.equals("hvp");
            AutogradFunctional.Products p = h ? AutogradFunctional.hvp(S1, x(), in("v23"))
                    : AutogradFunctional.vhp(S1, x(), in("v23"));
            check(name + ".s1", "out", p.output());
            check(name + ".s1", "prod", p.product());
            Tensor[] xs = {x(), y()};
            Tensor[] vs = {in("v23"), in("v3")};
            p = h ? AutogradFunctional.hvp(S2, xs, vs, false, false) : AutogradFunctional.vhp(S2, xs, vs, false, false);
            check(name + ".s2", "out", p.output());
            check(name + ".s2", "prod0", p.products()[0]);
            check(name + ".s2", "prod1", p.products()[1]);
            error(name + ".nonscalar", () -> {
                if (h) {
                    AutogradFunctional.hvp(F1, x(), in("v23"));
                } else {
                    AutogradFunctional.vhp(F1, x(), in("v23"));
                }
            });
            error(name + ".lin.strict", () -> {
                if (h) {
                    AutogradFunctional.hvp(LINS, x(), in("v23"), false, true);
                } else {
                    AutogradFunctional.vhp(LINS, x(), in("v23"), false, true);
                }
            });
            check(name + ".lin", "prod", (h ? AutogradFunctional.hvp(LINS, x(), in("v23"))
                    : AutogradFunctional.vhp(LINS, x(), in("v23"))).product());
            Tensor xr = x().requiresGrad_(true);
            Tensor pc = (h ? AutogradFunctional.hvp(S1, xr, in("v23"), true, false)
                    : AutogradFunctional.vhp(S1, xr, in("v23"), true, false)).product();
            assertEquals(Boolean.parseBoolean(TORCH.field(name + ".createGraph", "requires_grad").toLowerCase()),
                    pc.requiresGrad());
            check(name + ".createGraph", "grad", Autograd.grad(List.of(pc.mul(pc).sum()), List.of(xr), null, false).get(0));
        }
    }

    @Test
    void jacobianOfSeveralOutputsAndItsGradcheck() {
        // jacobians() of (F1(x), S1(x)) is jacobian of each output alone (PyTorch's tuple-output jacobian)
        Tensor[][] j = AutogradFunctional.jacobians(xs -> new Tensor[] {F1.apply(xs[0]), S1.apply(xs[0])},
                new Tensor[] {x()}, false, false, false);
        check("jac.f1.float64", "jac", j[0][0]);
        check("vjp.s1", "vjp", j[1][0]);
        // the create_graph jacobian is differentiable twice
        assertTrue(Autograd.gradcheck(xs -> AutogradFunctional.jacobian(F1, xs[0], true, false, false),
                x().requiresGrad_(true)));
        assertTrue(Autograd.gradgradcheck(xs -> AutogradFunctional.vjp(S1, xs[0], null, true, false).product(),
                x().requiresGrad_(true)));
    }

    @Test
    void nonContiguousZeroDimAndEmpty() {
        Tensor xt = x().transpose(0, 1);
        check("jac.f1.transposed", "jac", AutogradFunctional.jacobian(F1, xt));
        Tensor s = Tensor.tensor(new double[] {0.7}, DType.FLOAT64).reshape();
        check("hess.scalar", "hess", AutogradFunctional.hessian(x -> x.exp().mul(x.sin()), s));
        Tensor empty = Tensor.zeros(DType.FLOAT64, 0);
        check("jac.emptyInput", "jac", AutogradFunctional.jacobian(x -> x.sum(), empty));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AutogradFunctional.jacobian(x -> x.exp(), empty));
        assertEquals(TORCH.error("jac.emptyOutput"), e.getMessage());
    }

    @Test
    void argumentsAreNotChanged() {
        Tensor x = x();
        AutogradFunctional.jacobian(F1, x);
        assertFalse(x.requiresGrad());
        assertArrayEquals(in("x").toDoubleArray(), x.toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> AutogradFunctional.jacobian(F1, (Tensor) null));
    }
}
