package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 001: linear regression by hand, which tensors are leaves, the two errors, retain_graph, and
 * a non-leaf {@code x = rand(...) + 6}. The seed draws random data; here it is fixed so PyTorch's numbers
 * (computed with the same data in PyTorch 1.13) can be compared.
 */
class Seed001LeavesTest {
    private static Tensor x() {
        double[][] v = new double[20][1];
        for (int i = 0; i < 20; i++) {
            v[i][0] = ((i * 37) % 100) / 10.0;
        }
        return Tensor.tensor(v);
    }

    private static Tensor noise() {
        double[][] v = new double[20][1];
        for (int i = 0; i < 20; i++) {
            v[i][0] = (((i * 53) % 17) - 8) / 10.0;
        }
        return Tensor.tensor(v);
    }

    @Test
    void trainingLoopGradients() {
        Tensor x = x();
        Tensor y = x.mul(2).add(noise().add(5));
        Tensor w = Tensor.tensor(new double[] {0.5}).requiresGrad_(true);
        Tensor b = Tensor.zeros(1).requiresGrad_(true);
        double lr = 0.1;
        // PyTorch 1.13's w.grad, b.grad and loss per iteration (its printed values are the first two columns)
        double[][] expected = {
            {-69.47650146484375, -11.885000228881836, 81.95387268066406},
            {148.75233459472656, 21.61007308959961, 363.1233825683594},
            {-316.7016296386719, -49.72077178955078, 1642.639404296875},
            {676.0006103515625, 102.51757049560547, 7463.42333984375},
            {-1441.2459716796875, -222.07447814941406, 33941.5703125}};
        for (int iteration = 0; iteration < 5; iteration++) {
            Tensor wx = w.mul(x);
            Tensor yPred = wx.add(b);
            Tensor loss = y.sub(yPred).pow(2).mul(0.5).mean();
            if (iteration == 0) {
                assertNull(w.grad());
            } else {
                assertEquals("tensor([0.]) tensor([0.])", w.grad().data() + " " + b.grad().data());
            }
            loss.backward();
            if (iteration < 2) {
                assertEquals(String.format("tensor([%.4f]) tensor([%.4f])", expected[iteration][0], expected[iteration][1]),
                        w.grad().data() + " " + b.grad().data());
            }
            // The loop diverges (each step multiplies the error by about -2), so the last-bit differences of float32
            // sums (Ember accumulates in double, PyTorch in float lanes) grow by that factor per iteration.
            double tol = 2e-7 * Math.pow(2.2, iteration);
            assertEquals(expected[iteration][0], w.grad().item(), Math.abs(expected[iteration][0]) * tol);
            assertEquals(expected[iteration][1], b.grad().item(), Math.abs(expected[iteration][1]) * tol);
            assertEquals(expected[iteration][2], loss.item(), Math.abs(expected[iteration][2]) * tol);
            b.data().sub_(b.grad().mul(lr));
            w.data().sub_(w.grad().mul(lr));
            w.grad().data().zero_();
            b.grad().data().zero_();
        }
        assertEquals(100.76712036132812, w.item(), 100.77 * 1e-5);
        assertEquals(15.95526123046875, b.item(), 15.96 * 1e-5);
    }

    @Test
    void leafTable() {
        Tensor x = x();
        Tensor y = x.mul(2).add(noise().add(5));
        Tensor w = Tensor.randn(1).requiresGrad_(true);
        Tensor b = Tensor.zeros(1).requiresGrad_(true);
        Tensor wx = w.mul(x);
        Tensor yPred = wx.add(b);
        assertTrue(x.isLeaf());
        assertTrue(y.isLeaf());
        assertTrue(w.isLeaf());
        assertTrue(b.isLeaf());
        assertFalse(wx.isLeaf());
        assertFalse(yPred.isLeaf());
        // leaves without requires_grad get no gradient
        y.sub(yPred).pow(2).mul(0.5).mean().backward();
        assertNull(x.grad());
        assertNull(y.grad());
    }

    @Test
    void backwardWithoutRequiresGradFails() {
        Tensor x = x();
        Tensor w = Tensor.randn(1);
        Tensor b = Tensor.zeros(1);
        Tensor loss = x.mul(2).sub(w.mul(x).add(b)).pow(2).mul(0.5).mean();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertEquals("element 0 of tensors does not require grad and does not have a grad_fn", e.getMessage());
    }

    @Test
    void secondBackwardThroughFreedGraphFails() {
        Tensor x = x().div(10).requiresGrad_(true);
        Tensor y = x.mul(2).add(noise().requiresGrad_(true).add(5));
        Tensor w = Tensor.tensor(new double[] {0.5}).requiresGrad_(true);
        Tensor b = Tensor.zeros(1).requiresGrad_(true);
        Tensor loss = y.sub(w.mul(x).add(b)).pow(2).mul(0.5).mean();
        loss.backward();
        b.data().sub_(b.grad().mul(0.1));
        w.data().sub_(w.grad().mul(0.1));
        w.grad().data().zero_();
        b.grad().data().zero_();
        assertEquals("tensor([0.]) tensor([0.])", w.grad().data() + " " + b.grad().data());
        // y's part of the graph (2 * x saved the scalar 2) was freed by the first backward
        Tensor loss2 = y.sub(w.mul(x).add(b)).pow(2).mul(0.5).mean();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss2::backward);
        assertTrue(e.getMessage().startsWith("Trying to backward through the graph a second time (or directly access "
                + "saved tensors after they have already been freed)."), e.getMessage());
    }

    @Test
    void retainGraphAccumulatesIntoLeafX() {
        Tensor x = x().div(10).requiresGrad_(true);
        Tensor y = x.mul(2).add(noise().requiresGrad_(true).add(5));
        Tensor w = Tensor.tensor(new double[] {0.5}).requiresGrad_(true);
        Tensor b = Tensor.zeros(1).requiresGrad_(true);
        List<String> printed = new ArrayList<>();
        for (int iteration = 0; iteration < 3; iteration++) {
            Tensor loss = y.sub(w.mul(x).add(b)).pow(2).mul(0.5).mean();
            loss.backward(null, true);
            printed.add(w.grad().data() + " " + b.grad().data() + " " + x.grad().data().flatten().narrow(0, 0, 4) + " "
                    + y.grad());
            b.data().sub_(b.grad().mul(0.1));
            w.data().sub_(w.grad().mul(0.1));
            w.grad().data().zero_();
            b.grad().data().zero_();
        }
        assertEquals(List.of(
                "tensor([-2.8146]) tensor([-5.6075]) tensor([0.3150, 0.3716, 0.4283, 0.3724]) null",
                "tensor([-2.4677]) tensor([-4.9159]) tensor([0.5367, 0.6330, 0.7293, 0.6388]) null",
                "tensor([-2.1636]) tensor([-4.3095]) tensor([0.6897, 0.8131, 0.9366, 0.8261]) null"), printed);
        assertEquals("tensor([[0.6897],\n        [0.8131],\n        [0.9366],\n        [0.8261],\n        [0.9496],\n"
                + "        [1.0730],\n        [0.9626],\n        [1.0860],\n        [1.2095],\n        [0.7853],\n"
                + "        [0.9088],\n        [0.7983],\n        [0.9218],\n        [1.0452],\n        [0.9347],\n"
                + "        [1.0582],\n        [1.1817],\n        [0.7575],\n        [0.8810],\n        [0.7705]])",
                x.grad().toString());
    }

    @Test
    void nonLeafXGetsNoGradient() {
        Tensor x = x().div(10).requiresGrad_(true).add(6);
        assertFalse(x.isLeaf());
        assertEquals("AddBackward0", x.gradFn().name());
        Tensor w = Tensor.tensor(new double[] {0.5}).requiresGrad_(true);
        Tensor y = x.mul(2).add(5);
        y.sub(w.mul(x)).pow(2).mul(0.5).mean().backward(null, true);
        assertNull(x.grad());
        assertNull(y.grad());
        assertTrue(w.grad() != null);
    }
}
