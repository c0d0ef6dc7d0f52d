package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code torch.histogram}'s autograd record as PyTorch 1.13/2.x's (checked with /usr/bin/python3): where the data, the
 * edges tensor or the weights require grad, both outputs require grad and share one {@code NotImplemented} node
 * (PyTorch's {@code torch::autograd::NotImplemented}) whose backward raises "derivative for aten::histogram is not
 * implemented"; under no_grad, or with no input requiring grad, no node.
 */
class HistogramGradTest {
    private static final String MESSAGE = "derivative for aten::histogram is not implemented";

    private static Tensor data() {
        return Tensor.tensor(new double[] {1, 2, 3, 2.5}, DType.FLOAT64, Device.CPU);
    }

    private static void assertNotImplemented(HistogramResult h) {
        assertTrue(h.hist().requiresGrad());
        assertTrue(h.binEdges().requiresGrad());
        assertEquals("NotImplemented", h.hist().gradFn().name());
        assertSame(h.hist().gradFn(), h.binEdges().gradFn());
        assertEquals(MESSAGE, assertThrows(RuntimeException.class, () -> h.hist().sum().backward()).getMessage());
    }

    @Test
    void inputRequiringGrad() {
        Tensor x = data().requiresGrad_(true);
        HistogramResult h = x.histogram(3);
        assertNotImplemented(h);
        // the counts are the same as without history
        assertEquals(java.util.Arrays.toString(data().histogram(3).hist().toDoubleArray()),
                java.util.Arrays.toString(h.hist().detach().toDoubleArray()));
        HistogramResult viaEdges = data().requiresGrad_(true).histogram(3);
        assertEquals(MESSAGE, assertThrows(RuntimeException.class, () -> viaEdges.binEdges().sum().backward()).getMessage());
    }

    @Test
    void weightOrEdgesRequiringGrad() {
        Tensor w = Tensor.ones(4).to(DType.FLOAT64).requiresGrad_(true);
        assertNotImplemented(data().histogram(3, null, w, true));
        Tensor edges = Tensor.tensor(new double[] {0, 1.5, 4}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        assertNotImplemented(data().histogram(edges));
    }

    @Test
    void noHistory() {
        HistogramResult plain = data().histogram(3);
        assertNull(plain.hist().gradFn());
        assertFalse(plain.binEdges().requiresGrad());
        try (GradMode off = Ember.noGrad()) {
            HistogramResult h = data().requiresGrad_(true).histogram(3);
            assertNull(h.hist().gradFn());
            assertFalse(h.hist().requiresGrad());
        }
    }
}
