package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
}
