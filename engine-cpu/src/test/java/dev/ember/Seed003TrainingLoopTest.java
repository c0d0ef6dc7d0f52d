package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Seed 003: a one-weight model trained by hand with {@code w.data = ...}, and the quadratic homework. */
class Seed003TrainingLoopTest {

    /** Float32 precision: a relative error of a few units in the last place. */
    private static void assertFloat32(double expected, double actual) {
        assertEquals(expected, actual, Math.max(Math.abs(expected) * 4e-7, 1e-30),
                () -> "expected " + expected + " but was " + actual);
    }

    @Test
    void linearModelLossesMatchPyTorch() {
        double[] xData = {1.0, 2.0, 3.0};
        double[] yData = {2.0, 4.0, 6.0};
        Tensor w = Tensor.tensor(new double[] {1.0});
        w.requiresGrad_(true);
        double[] losses = new double[101];
        for (int epoch = 0; epoch < 101; epoch++) {
            Tensor l = null;
            for (int i = 0; i < 3; i++) {
                l = w.mul(xData[i]).sub(yData[i]).pow(2);
                l.backward();
                w.setData(w.data().sub(w.grad().data().mul(0.05)));
                w.grad().data().zero_();
            }
            losses[epoch] = l.item();
        }
        // from PyTorch 1.13 (CPU), the same program
        assertFloat32(2.6243996620178223, losses[0]);
        assertFloat32(0.007652762345969677, losses[1]);
        assertFloat32(2.2316418835544027e-05, losses[2]);
        assertFloat32(6.50800302537391e-08, losses[3]);
        assertFloat32(1.7826096154749393e-10, losses[4]);
        assertEquals(0.0, losses[50]);
        assertEquals(0.0, losses[100]);
        assertEquals(2.0, w.item());
        assertEquals("tensor([2.], requires_grad=True)", w.toString());
    }

    @Test
    void quadraticHomeworkMatchesPyTorch() {
        long[] xData = {1, 2, 3};
        long[] yData = {2, 4, 6};
        Tensor w1 = Tensor.tensor(new double[] {1.0}).requiresGrad_(true);
        Tensor w2 = Tensor.tensor(new double[] {1.0}).requiresGrad_(true);
        Tensor b = Tensor.tensor(new double[] {1.0}).requiresGrad_(true);
        java.util.function.LongFunction<Tensor> forward = x -> w1.mul(x * x).add(w2.mul(x)).add(b);

        assertEquals(21.0, forward.apply(4).item());
        double[] losses = new double[100];
        for (int epoch = 0; epoch < 100; epoch++) {
            Tensor l = null;
            for (int i = 0; i < 3; i++) {
                l = forward.apply(xData[i]).sub(yData[i]).pow(2);
                l.backward();
                w1.data().sub_(w1.grad().data().mul(0.02));
                w2.data().sub_(w2.grad().data().mul(0.02));
                b.data().sub_(b.grad().data().mul(0.01));
                w1.grad().zero_();
                w2.grad().zero_();
                b.grad().zero_();
            }
            losses[epoch] = l.item();
        }
        assertFloat32(3.3929641246795654, losses[0]);
        assertFloat32(0.08913986384868622, losses[1]);
        // later epochs compound rounding over hundreds of steps: allow a few float32 ulps more
        assertEquals(0.0089082857593894, losses[50], 0.0089082857593894 * 1e-5);
        assertEquals(0.007542040199041367, losses[99], 0.007542040199041367 * 1e-5);
        assertEquals(8.101349830627441, forward.apply(4).item(), 8.101349830627441 * 1e-6);
    }
}
