package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.ComplexLinalgTest.assertNear;
import static dev.ember.ComplexLinalgTest.crandn;
import static dev.ember.ComplexLinalgTest.cz;
import static dev.ember.ComplexLinalgTest.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The complex linear algebra Ember refused until session 31, against PyTorch 1.13 ({@code
 * complexleftovers/make_expected.py}, whose values are checked there in numpy): {@code torch.geqrf} of complex input
 * (zgeqr2's reflectors and tau, R's diagonal real) with its round trips through {@code householder_product} and {@code
 * ormqr}; values, grad_fn names, gradients where the op has them, PyTorch's errors with the inputs unchanged.
 */
class ComplexLeftoversTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/complexleftovers/expected.txt");

    private static Tensor[] apply(String op, Tensor[] in) {
        switch (op) {
            case "geqrf": {
                GeqrfResult r = in[0].geqrf();
                return new Tensor[] {r.a(), r.tau()};
            }
            case "orgqr":
                return new Tensor[] {in[0].orgqr(in[1])};
            case "ormqr":
                return new Tensor[] {in[0].ormqr(in[1], in[2], true, false)};
            default:
                throw new AssertionError(op);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.each(CASES, ComplexLeftoversTest::check);
    }

    private static void check(String name, List<String> body) {
        String op = field(body, "op");
        boolean grad = field(body, "requires_grad") != null;
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; field(body, "in" + i) != null; i++) {
            Tensor x = PyTorchCases.tensor(field(body, "in" + i));
            ins.add(grad && (x.isComplex() || x.isFloatingPoint()) ? x.requiresGrad_(true) : x);
        }
        Tensor[] in = ins.toArray(new Tensor[0]);
        String error = field(body, "error");
        if (error != null) {
            ComplexLinalgTest.assertErrorLeavesInputs(error, in, () -> apply(op, in));
            return;
        }
        Tensor[] outs = apply(op, in);
        boolean f32 = in[0].dtype() == DType.COMPLEX64;
        for (int i = 0; i < outs.length; i++) {
            assertNear("out" + i, PyTorchCases.tensor(field(body, "out" + i)), outs[i], f32 ? 1e-4 : 1e-9);
        }
        assertEquals(field(body, "fn"), outs[0].gradFn() == null ? "None" : outs[0].gradFn().name());
        if (field(body, "grad0") == null) {
            return;
        }
        Tensor o = outs[0].isComplex() ? outs[0].viewAsReal() : outs[0];
        o.mul(ReferenceCases.weights(o.shape(), o.dtype())).sum().backward();
        for (int i = 0; i < in.length; i++) {
            String g = field(body, "grad" + i);
            if (g != null) {
                assertNear("grad" + i, PyTorchCases.tensor(g), in[i].grad(), f32 ? 2e-3 : 1e-8);
            }
        }
    }

    // ------------------------------------------------------------------ geqrf: properties

    private static Tensor eyeC(int n) {
        return Tensor.eye(n, n, DType.FLOAT64).to(DType.COMPLEX128);
    }

    @Test
    void geqrfRebuildsTheMatrixForManyShapes() {
        Generator gen = new Generator(31);
        for (int[] mn : new int[][] {{1, 1}, {1, 4}, {4, 1}, {6, 6}, {7, 3}, {3, 7}}) {
            Tensor a = crandn(gen, 2, mn[0], mn[1]);
            GeqrfResult g = a.geqrf();
            int m = mn[0];
            // Q (m by m) from ormqr of the identity, R the upper triangle: Q R = A, Q unitary, R's diagonal real
            Tensor q = g.a().ormqr(g.tau(), eyeC(m).expand(2, m, m), true, false);
            Tensor r = g.a().triu();
            assertTrue(q.matmul(r).sub(a).abs().max().item() < 1e-13, "Q R = A");
            assertTrue(q.mH().matmul(q).sub(eyeC(m)).abs().max().item() < 1e-13, "Q^H Q = I");
            assertTrue(r.diagonal(0, -2, -1).imag().abs().max().item() == 0, "R's diagonal real");
            // Q^H A = R through ormqr's adjoint
            assertTrue(g.a().ormqr(g.tau(), a, true, true).sub(r).abs().max().item() < 1e-13, "Q^H A = R");
            if (m >= mn[1]) {
                // orgqr's first n columns of Q, and linalg.qr's R up to the signs of its diagonal
                assertTrue(g.a().orgqr(g.tau()).sub(q.narrow(-1, 0, mn[1])).abs().max().item() < 1e-13);
            }
            assertTrue(a.linalgQr().R().abs().sub(r.narrow(-2, 0, Math.min(m, mn[1])).abs()).abs().max().item() < 1e-12);
        }
    }

    @Test
    void geqrfGradientsFlowThroughHouseholderProductAndOrmqrOfItsOutput() {
        // geqrf itself is not differentiable; the reflectors it returns are inputs like any other to orgqr and ormqr
        Generator gen = new Generator(32);
        GeqrfResult g = crandn(gen, 4, 3).geqrf();
        Tensor p = g.a().viewAsReal().clone().requiresGrad_(true);
        Tensor t = g.tau().viewAsReal().clone().requiresGrad_(true);
        Function<Tensor[], Tensor> house = x -> cz(x[0]).orgqr(cz(x[1])).viewAsReal();
        assertTrue(Autograd.gradcheck(house::apply, p, t));
        assertTrue(Autograd.gradgradcheck(house::apply, p, t));
        Tensor c = Tensor.randn(gen, DType.FLOAT64, 4, 2, 2).requiresGrad_(true);
        Function<Tensor[], Tensor> ormqr = x -> cz(x[0]).ormqr(cz(x[1]), cz(x[2]), true, true).viewAsReal();
        assertTrue(Autograd.gradcheck(ormqr::apply, p, t, c));
        assertTrue(Autograd.gradgradcheck(ormqr::apply, p, t, c));
        // with grad mode off, a complex input that requires grad is factored (nothing would be recorded)
        Tensor a = crandn(gen, 3, 3).requiresGrad_(true);
        try (GradMode off = Ember.noGrad()) {
            assertEquals(DType.COMPLEX128, a.geqrf().tau().dtype());
        }
        Throwable e = assertThrows(IllegalArgumentException.class, a::geqrf);
        assertEquals("geqrf does not support automatic differentiation for outputs with complex dtype.", e.getMessage());
    }
}
