package dev.ember;

import org.junit.jupiter.api.Test;

import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerEvent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leaf's .grad takes the engine's gradient tensor without a copy only when nothing else can see that tensor
 * (PyTorch's AccumulateGrad steal). These cases would alias a gradient with another tensor if the rule were wrong:
 * each changes one tensor in place and checks that no other one moved.
 */
class GradOwnershipTest {
    private static Tensor leaf(double... v) {
        return Tensor.tensor(v, DType.FLOAT64).requiresGrad_(true);
    }

    @Test
    void passThroughGradientsAreCopiedPerLeaf() {
        Tensor x = leaf(1, 2);
        Tensor y = leaf(3, 4);
        x.add(y).sum().backward();
        assertNotSame(x.grad().storage(), y.grad().storage());
        x.grad().add_(10.0);
        assertArrayEquals(new double[] {1, 1}, y.grad().toDoubleArray());
    }

    @Test
    void aUserGradientIsNeverTaken() {
        Tensor x = leaf(1, 2);
        Tensor g = Tensor.tensor(new double[] {5, 6}, DType.FLOAT64);
        x.backward(g);
        g.add_(1.0);
        assertArrayEquals(new double[] {5, 6}, x.grad().toDoubleArray());
        Tensor z = x.mul(1.0);
        Tensor h = Tensor.tensor(new double[] {1, 1}, DType.FLOAT64);
        z.backward(h);
        assertArrayEquals(new double[] {6, 7}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, h.toDoubleArray());
    }

    @Test
    void aHookThatKeepsTheGradientSeesItUnchangedLater() {
        Tensor x = leaf(1, 2);
        Tensor[] seen = new Tensor[1];
        x.registerHook(g -> {
            seen[0] = g;
            return null;
        });
        x.mul(3.0).sum().backward();
        x.mul(3.0).sum().backward();
        assertArrayEquals(new double[] {6, 6}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {3, 3}, seen[0].toDoubleArray());
    }

    @Test
    void aRetainedIntermediateGradientIsNotShared() {
        Tensor x = leaf(1, 2);
        Tensor y = x.mul(2.0);
        y.retainGrad();
        Tensor z = y.add(0.0);
        z.sum().backward();
        y.grad().add_(100.0);
        assertArrayEquals(new double[] {2, 2}, x.grad().toDoubleArray());
    }

    @Test
    void ownedGradientsAccumulateCorrectly() {
        Tensor x = leaf(1, 2);
        // two uses: the engine sums the contributions, and the leaf takes the sum
        Tensor loss = x.mul(2.0).add(x.mul(x)).sum();
        loss.backward(null, true);
        assertArrayEquals(new double[] {4, 6}, x.grad().toDoubleArray());
        loss.backward();
        assertArrayEquals(new double[] {8, 12}, x.grad().toDoubleArray());
        Tensor w = leaf(1, 1);
        Tensor v = leaf(2, 3);
        w.mul(v).sum().backward();
        assertArrayEquals(new double[] {2, 3}, w.grad().toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, v.grad().toDoubleArray());
        w.grad().add_(1.0);
        assertArrayEquals(new double[] {2, 3}, v.toDoubleArray());
    }

    @Test
    void aTransposedWeightGetsAContiguousGradientOfItsOwn() {
        Tensor w = Tensor.tensor(new double[][] {{1, 2, 3}, {4, 5, 6}}, DType.FLOAT64).requiresGrad_(true);
        Tensor x = Tensor.tensor(new double[][] {{1, 0, 2}, {0, 1, 1}}, DType.FLOAT64);
        Tensor loss = x.mm(w.t()).sum();
        loss.backward(null, true);
        assertTrue(w.grad().isContiguous());
        assertArrayEquals(new double[] {1, 1, 3, 1, 1, 3}, w.grad().toDoubleArray());
        w.grad().mul_(10.0);
        assertArrayEquals(new double[] {1, 0, 2, 0, 1, 1}, x.toDoubleArray());
        loss.backward();
        assertArrayEquals(new double[] {11, 11, 33, 11, 11, 33}, w.grad().toDoubleArray());
    }

    /** The aten::copy_ kernels a backward pass ran (AccumulateGrad's copy of a gradient it may not take). */
    private static long copiesIn(Runnable backward) {
        Profiler p = Ember.profile();
        try {
            backward.run();
        } finally {
            p.close();
        }
        return p.events().stream().map(ProfilerEvent::name).filter("aten::copy_"::equals).count();
    }

    @Test
    void aGradientPassedOnUnchangedIsTakenNotCopied() {
        // AddBackward0 passes relu's fresh gradient on to x unchanged: only the pass holds it, so x takes it (session 56)
        Tensor x = Tensor.tensor(new double[][] {{1, -2}, {-3, 4}}, DType.FLOAT64).requiresGrad_(true);
        Tensor b = leaf(1, 1);
        Tensor g = Tensor.tensor(new double[][] {{5, 6}, {7, 8}}, DType.FLOAT64);
        assertEquals(0, copiesIn(() -> x.add(b).relu_().backward(g)));
        assertArrayEquals(new double[] {5, 0, 0, 8}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {5, 8}, b.grad().toDoubleArray());
        x.grad().add_(100.0);
        assertArrayEquals(new double[] {5, 6, 7, 8}, g.toDoubleArray());
        assertArrayEquals(new double[] {5, 8}, b.grad().toDoubleArray());
        // the old path, kept behind a property: the leaf copies it
        x.releaseGrad();
        b.releaseGrad();
        System.setProperty("ember.autograd.copyPassedOn", "true");
        try {
            assertEquals(1, copiesIn(() -> x.add(b).relu_().backward(g)));
        } finally {
            System.clearProperty("ember.autograd.copyPassedOn");
        }
        assertArrayEquals(new double[] {5, 0, 0, 8}, x.grad().toDoubleArray());
        // a second pass accumulates into the taken gradient
        x.add(b).relu_().backward(g);
        assertArrayEquals(new double[] {10, 0, 0, 16}, x.grad().toDoubleArray());
    }

    @Test
    void aGradientPassedOnToTwoLeavesIsTakenByNeither() {
        Tensor x = leaf(1, -2);
        Tensor y = leaf(3, 4);
        x.add(y).relu().sum().backward();
        assertNotSame(x.grad().storage(), y.grad().storage());
        x.grad().add_(10.0);
        assertArrayEquals(new double[] {1, 1}, y.grad().toDoubleArray());
        // the same leaf twice: the engine sums the two
        Tensor z = leaf(1, 2);
        z.add(z).exp().sum().backward();
        assertArrayEquals(new double[] {2 * Math.exp(2), 2 * Math.exp(4)}, z.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void aPassedOnGradientThatSomethingElseSeesIsNotTaken() {
        // retain_grad on the node's output: y.grad is the incoming gradient, so x must get a copy
        Tensor x = leaf(1, 2);
        Tensor b = leaf(0, 0);
        Tensor y = x.mul(2.0).add(b);
        y.retainGrad();
        y.exp().sum().backward();
        Tensor yg = y.grad();
        b.grad().add_(100.0);
        assertArrayEquals(new double[] {Math.exp(2), Math.exp(4)}, yg.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {2 * Math.exp(2), 2 * Math.exp(4)}, x.grad().toDoubleArray(), 1e-12);
        // a tensor hook on the sum's output that keeps what it sees
        Tensor p = leaf(1, 2);
        Tensor q = leaf(0, 0);
        Tensor s = p.add(q);
        Tensor[] seen = new Tensor[1];
        s.registerHook(gr -> {
            seen[0] = gr;
            return null;
        });
        s.exp().sum().backward();
        p.grad().add_(100.0);
        q.grad().add_(100.0);
        assertArrayEquals(new double[] {Math.exp(1), Math.exp(2)}, seen[0].toDoubleArray(), 1e-12);
        // autograd.grad of the sum's output while a leaf accumulates: backward(inputs=[s, p])
        Tensor u = leaf(1, 2);
        Tensor w = leaf(0, 0);
        Tensor v = u.add(w);
        v.retainGrad();
        v.exp().sum().backward(null, false, false, java.util.List.of(v, u));
        u.grad().add_(100.0);
        assertArrayEquals(new double[] {Math.exp(1), Math.exp(2)}, v.grad().toDoubleArray(), 1e-12);
    }
}
