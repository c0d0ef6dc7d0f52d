package dev.ember.cuda;

import dev.ember.Autograd;
import dev.ember.AutogradFunction;
import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Autograd#gradgradcheck} (PyTorch's definition: random output gradients that require grad, made on the output's
 * device) and {@link Autograd#gradcheckMulti} on CUDA float64 tensors: correct double backwards pass with contiguous and
 * non-contiguous random gradients and with given ones, a backward that detaches its incoming gradient fails, and
 * multi_margin_loss's double backward raises as PyTorch's. Skips without a GPU.
 */
class CudaGradGradCheckTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape).to(DType.FLOAT64).to(GPU).detach().requiresGrad_(true);
    }

    /** y = x^2 whose backward detaches its incoming gradient. */
    static final class DetachedGrad extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            ctx.saveForBackward(x[0]);
            return new Tensor[] {x[0].mul(x[0])};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {ctx.savedTensors()[0].mul(2.0).mul(g[0].detach())};
        }
    }

    @Test
    void correctDoubleBackwardsPass() {
        assertTrue(Autograd.gradgradcheck(a -> a[0].sin().mul(a[1]), r(2, 3), r(3)));
        assertTrue(Autograd.gradgradcheck(a -> Functional.conv1d(a[0], a[1], null), new Tensor[] {r(1, 2, 5), r(2, 2, 3)}, null,
                1e-6, 1e-5, 1e-3, true));
        assertTrue(Autograd.gradgradcheck(a -> a[0].exp(), new Tensor[] {r(4)}, new Tensor[] {r(4)}));
        assertTrue(Autograd.gradgradcheckMulti(a -> new Tensor[] {a[0].tanh(), a[0].mul(a[1]).sum()},
                new Tensor[] {r(3), r(3)}, null, 1e-6, 1e-5, 1e-3, false));
    }

    /**
     * tanh's and sigmoid's create_graph gradients are PyTorch's TanhBackwardBackward0 and SigmoidBackwardBackward0 on
     * the GPU too, their second derivatives correct (gradgradcheck) and their values the CPU's.
     */
    @Test
    void tanhAndSigmoidBackwardNodesOnTheGpu() {
        assertTrue(Autograd.gradgradcheck(a -> a[0].tanh(), r(2, 3)));
        assertTrue(Autograd.gradgradcheck(a -> a[0].sigmoid(), r(2, 3)));
        Tensor x = r(5);
        Tensor dt = Autograd.grad(java.util.List.of(x.tanh().sum()), java.util.List.of(x), null, true).get(0);
        Tensor ds = Autograd.grad(java.util.List.of(x.sigmoid().sum()), java.util.List.of(x), null, true).get(0);
        assertEquals("TanhBackwardBackward0", dt.gradFn().name());
        assertEquals("SigmoidBackwardBackward0", ds.gradFn().name());
        Tensor xc = x.detach().cpu().requiresGrad_(true);
        Tensor dtc = Autograd.grad(java.util.List.of(xc.tanh().sum()), java.util.List.of(xc), null, true).get(0);
        Tensor d2 = Autograd.grad(java.util.List.of(dt.sum()), java.util.List.of(x)).get(0);
        Tensor d2c = Autograd.grad(java.util.List.of(dtc.sum()), java.util.List.of(xc)).get(0);
        assertArrayEquals(dtc.detach().toDoubleArray(), dt.detach().cpu().toDoubleArray(), 1e-14);
        assertArrayEquals(d2c.toDoubleArray(), d2.cpu().toDoubleArray(), 1e-14);
    }

    /**
     * gelu's (both forms), softplus's, elu's, log_softmax's and softmax's create_graph gradients are PyTorch's
     * BackwardBackward0 nodes on the GPU too (session 34), their second derivatives correct (gradgradcheck) and their
     * first and second derivatives the CPU's.
     */
    @Test
    void smoothActivationAndSoftmaxBackwardNodesOnTheGpu() {
        java.util.Map<String, java.util.function.UnaryOperator<Tensor>> ops = new java.util.LinkedHashMap<>();
        ops.put("GeluBackwardBackward0", t -> Functional.gelu(t));
        ops.put("GeluBackwardBackward0 tanh", t -> Functional.gelu(t, "tanh"));
        ops.put("SoftplusBackwardBackward0", t -> Functional.softplus(t, 2.0, 9.0));
        ops.put("EluBackwardBackward0", t -> Functional.elu(t, 0.7));
        ops.put("LogSoftmaxBackwardDataBackward0", t -> t.logSoftmax(1));
        ops.put("SoftmaxBackwardDataBackward0", t -> t.softmax(1));
        for (java.util.Map.Entry<String, java.util.function.UnaryOperator<Tensor>> op : ops.entrySet()) {
            java.util.function.UnaryOperator<Tensor> f = op.getValue();
            assertTrue(Autograd.gradgradcheck(a -> f.apply(a[0]), r(2, 3)), op.getKey());
            Tensor x = r(2, 3);
            Tensor v = r(2, 3);
            Tensor g = Autograd.grad(java.util.List.of(f.apply(x)), java.util.List.of(x), java.util.List.of(v), true)
                    .get(0);
            assertEquals(op.getKey().split(" ")[0], g.gradFn().name());
            Tensor xc = x.detach().cpu().requiresGrad_(true);
            Tensor vc = v.detach().cpu();
            Tensor gc = Autograd.grad(java.util.List.of(f.apply(xc)), java.util.List.of(xc), java.util.List.of(vc), true)
                    .get(0);
            Tensor d2 = Autograd.grad(java.util.List.of(g.mul(g).sum()), java.util.List.of(x)).get(0);
            Tensor d2c = Autograd.grad(java.util.List.of(gc.mul(gc).sum()), java.util.List.of(xc)).get(0);
            assertArrayEquals(gc.detach().toDoubleArray(), g.detach().cpu().toDoubleArray(), 1e-13, op.getKey());
            assertArrayEquals(d2c.toDoubleArray(), d2.cpu().toDoubleArray(), 1e-13, op.getKey());
        }
    }

    /** leaky_relu's and hardtanh's create_graph gradients are their BackwardBackward0 nodes on the GPU: zero u_xx. */
    @Test
    void piecewiseLinearSecondDerivativesAreZeroOnTheGpu() {
        Tensor x = r(4);
        Tensor g = Autograd.grad(java.util.List.of(Functional.leakyRelu(x, 0.1).sum()), java.util.List.of(x), null,
                true).get(0);
        assertEquals("LeakyReluBackwardBackward0", g.gradFn().name());
        assertArrayEquals(new double[4], Autograd.grad(java.util.List.of(g.sum()), java.util.List.of(x)).get(0).cpu()
                .toDoubleArray());
        Tensor h = Autograd.grad(java.util.List.of(Functional.hardtanh(x).sum()), java.util.List.of(x), null, true)
                .get(0);
        assertEquals("HardtanhBackwardBackward0", h.gradFn().name());
        assertArrayEquals(new double[4], Autograd.grad(java.util.List.of(h.sum()), java.util.List.of(x)).get(0).cpu()
                .toDoubleArray());
    }

    @Test
    void aDetachedIncomingGradientFails() {
        assertTrue(Autograd.gradcheck(a -> new DetachedGrad().apply(a[0]), r(2, 3)));
        assertThrows(Autograd.GradcheckError.class,
                () -> Autograd.gradgradcheck(a -> new DetachedGrad().apply(a[0]), r(2, 3)));
    }

    @Test
    void multiMarginLossDoubleBackwardRaises() {
        Tensor t = Tensor.tensor(new long[] {0, 2}).to(GPU);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Autograd.gradgradcheck(a -> Functional.multiMarginLoss(a[0], t, 2, 1.0, null, "mean"), r(2, 3)));
        assertTrue(e.getMessage().contains("multi_margin_loss_backward is not implemented"), e.getMessage());
    }
}
