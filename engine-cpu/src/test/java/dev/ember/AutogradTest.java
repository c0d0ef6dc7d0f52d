package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Autograd rules beyond the seeds: grad(), create_graph, no_grad, detach, data, accumulation, views. */
class AutogradTest {

    @Test
    void autogradGradWithCreateGraphGivesHigherDerivatives() {
        Tensor x = Tensor.tensor(new double[] {2.0, 3.0}).requiresGrad_(true);
        Tensor y = x.pow(3).sum();
        Tensor dx = Autograd.grad(List.of(y), List.of(x), null, true).get(0);
        assertEquals("tensor([12., 27.], grad_fn=<MulBackward0>)", dx.toString());
        Tensor d2x = Autograd.grad(List.of(dx.sum()), List.of(x), null, false).get(0);
        assertEquals("tensor([12., 18.])", d2x.toString());
        assertNull(x.grad(), "autograd.grad does not accumulate into .grad");
    }

    @Test
    void backwardWithCreateGraphMakesDifferentiableGrads() {
        Tensor x = Tensor.tensor(new double[] {1.5}).requiresGrad_(true);
        Autograd.backward(List.of(x.pow(2)), null, false, true);
        Tensor g = x.grad();
        assertTrue(g.requiresGrad());
        x.setGrad(null);
        g.backward();
        assertEquals(2.0, x.grad().item());
    }

    @Test
    void reluBackwardIsThresholdBackward() {
        // PyTorch: torch.relu(x).backward(g) gives g where relu(x) > 0 and exactly 0 elsewhere, a NaN gradient
        // included (threshold_backward, not g * mask)
        Tensor x = Tensor.tensor(new float[] {-1, 0, 2, 3}).requiresGrad_(true);
        x.relu().backward(Tensor.tensor(new float[] {Float.NaN, Float.NaN, 5, Float.NaN}));
        assertArrayEquals(new double[] {0, 0, 5, Double.NaN}, x.grad().toDoubleArray());
        // differentiable in the gradient (double backward through ReluBackward0)
        Tensor y = Tensor.tensor(new double[] {-1, 0.5, 2}, DType.FLOAT64).requiresGrad_(true);
        Tensor v = Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT64).requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(y.relu()), List.of(y), List.of(v), true, true, false).get(0);
        assertEquals("ThresholdBackwardBackward0", g.gradFn().name());
        g.sum().backward();
        assertArrayEquals(new double[] {0, 1, 1}, v.grad().toDoubleArray());
    }

    /**
     * Under create_graph, tanh's and sigmoid's gradients are PyTorch's tanh_backward and sigmoid_backward nodes
     * (TanhBackwardBackward0, SigmoidBackwardBackward0: what a PINN or a Hamiltonian network prints for its u_x), not
     * the MulBackward0 of Ember's old formula in ops; the values, second derivatives (gradgradcheck, the output
     * gradient included) and third derivatives (closed forms) are unchanged.
     */
    @Test
    void tanhAndSigmoidBackwardsAreTheirOwnNodesUnderCreateGraph() {
        Tensor x = Tensor.tensor(new double[] {-2.5, -0.7, 0.0, 0.3, 1.9}, DType.FLOAT64).requiresGrad_(true);
        Tensor t = x.tanh();
        Tensor s = x.sigmoid();
        Tensor dt = Autograd.grad(List.of(t.sum()), List.of(x), null, true).get(0);
        Tensor ds = Autograd.grad(List.of(s.sum()), List.of(x), null, true).get(0);
        assertEquals("TanhBackwardBackward0", dt.gradFn().name());
        assertEquals("SigmoidBackwardBackward0", ds.gradFn().name());
        Tensor d2t = Autograd.grad(List.of(dt.sum()), List.of(x), null, true).get(0);
        Tensor d2s = Autograd.grad(List.of(ds.sum()), List.of(x), null, true).get(0);
        Tensor d3t = Autograd.grad(List.of(d2t.sum()), List.of(x)).get(0);
        Tensor d3s = Autograd.grad(List.of(d2s.sum()), List.of(x)).get(0);
        double[] xs = x.detach().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double th = Math.tanh(xs[i]);
            double sech2 = 1 - th * th;
            double sg = 1 / (1 + Math.exp(-xs[i]));
            assertEquals(sech2, dt.detach().toDoubleArray()[i], 1e-15);
            assertEquals(-2 * th * sech2, d2t.toDoubleArray()[i], 1e-15);
            assertEquals(-2 * sech2 * (1 - 3 * th * th), d3t.toDoubleArray()[i], 1e-14);
            assertEquals(sg * (1 - sg), ds.detach().toDoubleArray()[i], 1e-15);
            assertEquals(sg * (1 - sg) * (1 - 2 * sg), d2s.toDoubleArray()[i], 1e-15);
            assertEquals(sg * (1 - sg) * (1 - 6 * sg + 6 * sg * sg), d3s.toDoubleArray()[i], 1e-15);
        }
        Tensor z = Tensor.tensor(new double[] {-1.2, 0.4, 2.0}, DType.FLOAT64).requiresGrad_(true);
        assertTrue(Autograd.gradgradcheck(a -> a[0].tanh(), z));
        assertTrue(Autograd.gradgradcheck(a -> a[0].sigmoid(), z));
    }

    /**
     * Under create_graph, the gradients of leaky_relu, hardtanh (relu6) and hardshrink are PyTorch's
     * LeakyReluBackwardBackward0, HardtanhBackwardBackward0 and HardshrinkBackwardBackward0 nodes, so a second
     * derivative through them is zero (PyTorch 1.13 and 2.x: u_xx of a LeakyReLU PINN is zeros). Ember's gradients had
     * no grad_fn there and the second autograd.grad refused ("element 0 of tensors does not require grad").
     */
    @Test
    void piecewiseLinearActivationsHaveZeroSecondDerivatives() {
        List<java.util.function.Function<Tensor, Tensor>> fs = List.of(dev.ember.nn.Functional::leakyRelu,
                dev.ember.nn.Functional::hardtanh, dev.ember.nn.Functional::relu6,
                t -> dev.ember.nn.Functional.hardshrink(t, 0.5));
        List<String> names = List.of("LeakyReluBackwardBackward0", "HardtanhBackwardBackward0",
                "HardtanhBackwardBackward0", "HardshrinkBackwardBackward0");
        for (int i = 0; i < fs.size(); i++) {
            Tensor x = Tensor.tensor(new double[] {-1.2, 0.3, 0.9, 2.0, 7.0}, DType.FLOAT64).requiresGrad_(true);
            Tensor g = Autograd.grad(List.of(fs.get(i).apply(x).sum()), List.of(x), null, true).get(0);
            assertEquals(names.get(i), g.gradFn().name());
            assertArrayEquals(new double[5], Autograd.grad(List.of(g.sum()), List.of(x)).get(0).toDoubleArray());
        }
        // u_xx of a LeakyReLU network: zeros; the gradient penalty on u_x still reaches the weights
        dev.ember.nn.Linear l1 = new dev.ember.nn.Linear(1, 4);
        dev.ember.nn.Linear l2 = new dev.ember.nn.Linear(4, 1);
        Tensor x = Tensor.tensor(new double[][] {{-0.5}, {0.25}, {1.5}}).requiresGrad_(true);
        Tensor u = l2.apply(dev.ember.nn.Functional.leakyRelu(l1.apply(x), 0.1));
        Tensor ux = Autograd.grad(List.of(u.sum()), List.of(x), null, true).get(0);
        Tensor uxx = Autograd.grad(List.of(ux.sum()), List.of(x), null, true).get(0);
        assertArrayEquals(new double[3], uxx.detach().to(DType.FLOAT64).toDoubleArray());
        ux.pow(2).mean().add(uxx.pow(2).mean()).backward();
        assertTrue(l2.weight.grad().abs().sum().item() > 0);
    }

    @Test
    void gradOfUnusedInput() {
        Tensor a = Tensor.ones(2).requiresGrad_(true);
        Tensor b = Tensor.ones(2).requiresGrad_(true);
        Tensor y = a.mul(2).sum();
        assertThrows(IllegalStateException.class, () -> Autograd.grad(List.of(y), List.of(b), null, true, false, false));
        List<Tensor> g = Autograd.grad(List.of(y), List.of(a, b), null, false, false, true);
        assertEquals("tensor([2., 2.])", g.get(0).toString());
        assertNull(g.get(1));
    }

    @Test
    void noGradScopeRecordsNothing() {
        Tensor w = Tensor.ones(2).requiresGrad_(true);
        Tensor y;
        try (GradMode g = Ember.noGrad()) {
            assertFalse(Ember.isGradEnabled());
            y = w.mul(2);
            try (GradMode inner = Ember.enableGrad()) {
                assertTrue(w.mul(2).requiresGrad());
            }
            assertFalse(Ember.isGradEnabled());
        }
        assertTrue(Ember.isGradEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.gradFn());
    }

    @Test
    void detachSharesStorageAndVersion() {
        Tensor a = Tensor.ones(3).requiresGrad_(true);
        Tensor b = a.mul(2);
        Tensor d = b.detach();
        assertFalse(d.requiresGrad());
        assertSame(b.storage(), d.storage());
        d.add_(1.0);
        assertEquals("tensor([3., 3., 3.], grad_fn=<MulBackward0>)", b.toString());
        assertEquals(1, b.version());
        // .data does not share the version counter
        Tensor e = b.data();
        e.add_(1.0);
        assertEquals(1, b.version());
    }

    @Test
    void gradientsAccumulateAndZero() {
        Tensor w = Tensor.tensor(new double[] {1.0, 2.0}).requiresGrad_(true);
        w.mul(3).sum().backward();
        Tensor g = w.grad();
        w.mul(w).sum().backward();
        assertSame(g, w.grad(), "accumulation is in place");
        assertEquals("tensor([5., 7.])", w.grad().toString());
        w.grad().zero_();
        assertEquals("tensor([0., 0.])", w.grad().toString());
        w.setGrad(null);
        assertNull(w.grad());
    }

    @Test
    void sharedSubexpressionsSumTheirGradients() {
        Tensor x = Tensor.tensor(new double[] {2.0}).requiresGrad_(true);
        Tensor y = x.mul(x);
        Tensor z = y.add(y).add(x.exp());
        z.backward();
        assertEquals(4 * 2.0 + Math.exp(2.0), x.grad().item(), 1e-5);
    }

    @Test
    void viewsShareStorage() {
        Tensor a = Tensor.arange(0, 12, 1, DType.FLOAT32).reshape(3, 4);
        Tensor t = a.t();
        Tensor row = a.select(0, 1);
        Tensor col = a.narrow(1, 2, 1);
        assertSame(a.storage(), t.storage());
        assertArrayEquals(new int[] {1, 4}, t.stride());
        assertFalse(t.isContiguous());
        row.fill_(-1);
        assertEquals("tensor([[ 0.,  1.,  2.,  3.],\n        [-1., -1., -1., -1.],\n        [ 8.,  9., 10., 11.]])",
                a.toString());
        col.mul_(10.0);
        assertEquals("tensor([[ 20.],\n        [-10.],\n        [100.]])", col.toString());
        Tensor e = Tensor.ones(3, 1).expand(3, 4);
        assertArrayEquals(new int[] {1, 0}, e.stride());
        assertEquals(3 * 4, e.sum().item());
        assertArrayEquals(new int[] {2, 1, 3}, Tensor.ones(2, 3).unsqueeze(1).shape());
        assertArrayEquals(new int[] {2, 3}, Tensor.ones(2, 1, 3, 1).squeeze().shape());
        assertArrayEquals(new int[] {4, 2, 3}, Tensor.ones(2, 3, 4).permute(2, 0, 1).shape());
        assertEquals("tensor([[ 0.,  4.,  8.],\n        [ 1., -1.,  9.]])",
                Tensor.arange(0, 12, 1, DType.FLOAT32).reshape(3, 4).t().slice(0, 0, 2, 1)
                        .add(Tensor.tensor(new double[][] {{0, 0, 0}, {0, -6, 0}})).toString());
    }

    @Test
    void typePromotionFollowsPyTorch() {
        Tensor i = Tensor.tensor(new long[] {1, 2});
        assertEquals(DType.INT64, i.add(1).dtype());
        assertEquals(DType.FLOAT32, i.add(1.5).dtype());
        assertEquals(DType.FLOAT32, i.div(2).dtype());
        assertEquals("tensor([0.5000, 1.0000])", i.div(2).toString());
        Tensor f = Tensor.ones(2);
        assertEquals(DType.FLOAT32, f.add(Tensor.tensor(2.0, DType.FLOAT64)).dtype(), "0-dim does not promote a category");
        assertEquals(DType.FLOAT64, f.add(Tensor.ones(DType.FLOAT64, 2)).dtype());
        assertEquals(DType.FLOAT32, i.add(Tensor.tensor(1.5)).dtype());
        assertEquals(DType.BOOL, f.gt(0.5).dtype());
        assertEquals(DType.INT64, Tensor.tensor(new boolean[] {true, true}).sum().dtype());
        assertEquals("tensor(2)", Tensor.tensor(new boolean[] {true, true}).sum().toString());
    }

    @Test
    void reductionsAndSoftmax() {
        Tensor a = Tensor.tensor(new double[][] {{1, 5, 3}, {4, 2, 6}});
        assertEquals("tensor([5., 7., 9.])", a.sum(0).toString());
        assertEquals("tensor([[3.],\n        [4.]])", a.mean(new int[] {1}, true).toString());
        Tensor.ValuesIndices m = a.max(1, false);
        assertEquals("tensor([5., 6.])", m.values().toString());
        assertEquals("tensor([1, 2])", m.indices().toString());
        assertEquals("tensor(5)", a.argmax().toString());
        assertEquals("tensor([0, 1, 0])", a.argmin(0, false).toString());
        assertEquals(3.5, a.var().item(), 1e-6);
        assertEquals("tensor([[0.0900, 0.6652, 0.2447]])", Tensor.tensor(new double[][] {{1, 3, 2}}).softmax(1).toString());
        assertEquals(1.0, a.softmax(-1).sum(-1).toDoubleArray()[1], 1e-6);
        assertEquals("tensor([[-2.4076, -0.4076, -1.4076]])", Tensor.tensor(new double[][] {{1, 3, 2}}).logSoftmax(1).toString());
    }

    @Test
    void matmulMatchesANaiveProductForOddSizesAndStrides() {
        Generator gen = new Generator(7);
        for (int[] s : new int[][] {{1, 1, 1}, {7, 13, 5}, {65, 257, 33}, {130, 3, 70}}) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            Tensor a = Tensor.randn(gen, DType.FLOAT32, k, m).t(); // transposed strides
            Tensor b = Tensor.randn(gen, DType.FLOAT32, k, n);
            float[] av = a.toFloatArray();
            float[] bv = b.toFloatArray();
            float[] c = a.mm(b).toFloatArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) av[i * k + p] * bv[p * n + j];
                    }
                    assertEquals(ref, c[i * n + j], 1e-4 * Math.sqrt(k), "C[" + i + "," + j + "] of " + m + "x" + k + "x" + n);
                }
            }
            Tensor ad = a.toDouble();
            Tensor bd = b.toDouble();
            assertTrue(ad.mm(bd).allclose(a.mm(b).toDouble(), 1e-4, 1e-4));
        }
        Tensor l = Tensor.tensor(new long[][] {{1, 2}, {3, 4}});
        assertEquals("tensor([[ 7, 10],\n        [15, 22]])", l.mm(l).toString());
    }

    @Test
    void randomNumbersAreSeededAndInRange() {
        Ember.manualSeed(3);
        Tensor a = Tensor.rand(1000);
        Ember.manualSeed(3);
        Tensor b = Tensor.rand(1000);
        assertTrue(a.equal(b));
        assertTrue(a.ge(0.0).all() && a.lt(1.0).all());
        Tensor n = Tensor.randn(100000);
        assertEquals(0.0, n.mean().item(), 0.02);
        assertEquals(1.0, n.var().item(), 0.02);
        Tensor r = Tensor.randint(3, 7, 1000);
        assertEquals(DType.INT64, r.dtype());
        assertTrue(r.ge(3.0).all() && r.lt(7.0).all());
        assertFalse(Tensor.rand(5).equal(Tensor.rand(5)), "draws advance the generator");
    }

    @Test
    void creationFunctions() {
        assertEquals("tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])", Tensor.linspace(0, 1, 5).toString());
        assertEquals("tensor([[1., 0., 0.],\n        [0., 1., 0.]])", Tensor.eye(2, 3, DType.FLOAT32).toString());
        assertEquals("tensor([2, 4, 6])", Tensor.arange(2, 7, 2).toString());
        assertEquals("tensor([[7., 7.]], dtype=torch.float64)", Tensor.full(DType.FLOAT64, 7, 1, 2).toString());
        assertEquals("tensor(3.5000)", Tensor.scalar(3.5).toString());
        assertEquals("tensor([1, 2, 3])", Tensor.tensor(List.of(1, 2, 3)).toString());
        assertEquals("tensor([1., 2.])", Tensor.tensor(new int[] {1, 2}).toFloat().toString());
        assertArrayEquals(new double[] {1, 0}, Tensor.tensor(new boolean[] {true, false}).toDoubleArray());
    }
}
