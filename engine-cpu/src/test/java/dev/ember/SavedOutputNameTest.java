package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A double-backward node saves the unpacked output of a first-order node (log_softmax's, softmax's, exp's, tanh's,
 * sigmoid's result); the output is then changed in place, and the backward through the double-backward graph raises
 * PyTorch's in-place error naming the first node, as PyTorch's unpacked output (a new variable with that node as its
 * history) keeps it, not the in-place op's node that the output itself now has. Messages from
 * {@code savedoutputname/make_expected.py} (PyTorch 1.13; SavedVariable::unpack is the same in 2.x).
 */
class SavedOutputNameTest {
    private static final Map<String, UnaryOperator<Tensor>> OPS = Map.of(
            "log_softmax", x -> x.logSoftmax(1), "softmax", x -> x.softmax(1), "exp", Tensor::exp,
            "tanh", Tensor::tanh, "sigmoid", Tensor::sigmoid);

    @Test
    void theDoubleBackwardNamesTheNodeThatSavedTheOutput() {
        Map<String, String> expected = ReferenceCases.strings("/savedoutputname/expected.txt");
        assertEquals(OPS.keySet(), expected.keySet());
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Tensor x = Tensor.tensor(new double[] {-0.472, -1.308, -1.559, -0.941, 0.681, 1.148}, DType.FLOAT64)
                    .reshape(3, 2).requiresGrad_(true);
            Tensor y = OPS.get(e.getKey()).apply(x);
            Tensor w = Tensor.tensor(new double[] {1.0, 2.5, 4.0, 5.5, 1.5, 3.0}, DType.FLOAT64).reshape(3, 2);
            Tensor gx = Autograd.grad(List.of(y), List.of(x), List.of(w), true).get(0);
            y.mul_(0.5);
            IllegalStateException err = assertThrows(IllegalStateException.class, () -> gx.backward(gx.onesLike()),
                    e.getKey());
            assertEquals(e.getValue(), err.getMessage(), e.getKey());
        }
    }
}
