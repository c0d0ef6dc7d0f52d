package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Seed 002: backward from a mean and from a non-scalar with a gradient, printouts as PyTorch's. */
class Seed002BackwardTest {

    @Test
    void example1PrintsAndGradients() {
        Tensor x = Tensor.ones(2, 2).requiresGrad_(true);
        Tensor y = x.add(2);
        Tensor z = y.mul(y).mul(3);
        Tensor out = z.mean();

        assertEquals("tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)", x.toString());
        assertEquals("tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)", y.toString());
        assertEquals("tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)", z.toString());
        assertEquals("tensor(27., grad_fn=<MeanBackward0>)", out.toString());

        out.backward();
        assertEquals("tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])", x.grad().toString());
    }

    @Test
    void example2GradientArgumentRetainGraphAndAccumulation() {
        Tensor x = Tensor.ones(2, 2).requiresGrad_(true);
        Tensor y = x.add(2);
        Tensor z = y.mul(y).mul(3);
        Tensor out = z.mean();

        Tensor gradients = Tensor.tensor(new double[][] {{0.1, 1.0}, {1.0, 1.0}}, DType.FLOAT32);
        z.backward(gradients, true);
        assertEquals("tensor([[ 1.8000, 18.0000],\n        [18.0000, 18.0000]])", x.grad().toString());

        out.backward();
        assertEquals("tensor([[ 6.3000, 22.5000],\n        [22.5000, 22.5000]])", x.grad().toString());

        // x.grad = None clears it
        x.setGrad(null);
        assertEquals(null, x.grad());
    }
}
