package dev.ember;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.nn.Functional;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.nn.utils.CheckpointPolicy;
import dev.ember.nn.utils.SelectiveCheckpoint;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * float64 gradchecks (finite differences against the analytic gradient) of this session's differentiable changes, whose
 * values and first gradients their own tests hold to PyTorch ({@code Leftovers44Test}, {@code Census2xPart2Test},
 * {@code ComplexMathTest}): the convolutions' double backward, now one ConvolutionBackwardBackward0 node over grad,
 * input and weight (gradgradcheck of conv1d, conv2d, conv3d and a transposed conv2d in every argument); complex
 * sigmoid, now {@code 1 / (1 + exp(-z))} as written; a custom function in 2.0's setup_context form; a non-reentrant
 * checkpoint with a selective policy that keeps some products and recomputes others; and a graph whose saved tensor is
 * written in place inside allow_mutation_on_saved_tensors.
 */
class Session44GradcheckTest {
    private static Tensor leaf(Generator g, int... shape) {
        return Tensor.randn(g, DType.FLOAT64, shape).requiresGrad_(true);
    }

    @Test
    void convolutionsSecondOrder() {
        Generator g = new Generator(44);
        Tensor x1 = leaf(g, 2, 2, 5);
        Tensor w1 = leaf(g, 3, 2, 3);
        Tensor b1 = leaf(g, 3);
        assertTrue(Autograd.gradgradcheck(a -> Functional.conv1d(a[0], a[1], a[2]), x1, w1, b1), "conv1d");
        Tensor x2 = leaf(g, 1, 2, 4, 4);
        Tensor w2 = leaf(g, 2, 2, 2, 2);
        Tensor b2 = leaf(g, 2);
        assertTrue(Autograd.gradgradcheck(a -> Functional.conv2d(a[0], a[1], a[2], new int[] {2, 1},
                new int[] {1, 0}, new int[] {1, 1}, 1), x2, w2, b2), "conv2d strided, padded");
        Tensor x3 = leaf(g, 1, 1, 3, 3, 3);
        Tensor w3 = leaf(g, 2, 1, 2, 2, 2);
        assertTrue(Autograd.gradgradcheck(a -> Functional.conv3d(a[0], a[1], null), x3, w3), "conv3d");
        Tensor xt = leaf(g, 1, 2, 3, 3);
        Tensor wt = leaf(g, 2, 2, 2, 2);
        assertTrue(Autograd.gradgradcheck(a -> Functional.convTranspose2d(a[0], a[1], null), xt, wt),
                "conv_transpose2d");
    }

    /** As a function of the real and imaginary parts (PyTorch's gradcheck of complex inputs, through the real view). */
    @Test
    void complexSigmoid() {
        Tensor re = Tensor.tensor(new double[] {-1.5, 0.2, 2.0}, DType.FLOAT64).requiresGrad_(true);
        Tensor im = Tensor.tensor(new double[] {0.7, -1.1, 0.3}, DType.FLOAT64).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> Tensor.complex(a[0], a[1]).sigmoid().viewAsReal(), re, im));
        assertTrue(Autograd.gradgradcheck(a -> Tensor.complex(a[0], a[1]).sigmoid().viewAsReal(), re, im));
    }

    /** {@code x * y^2} with the setup_context form (2.0): forward without ctx, the saving in setupContext. */
    static final class MulSquare extends SetupContextFunction {
        @Override
        protected Tensor[] forward(Tensor... in) {
            return new Tensor[] {in[0].mul(in[1]).mul(in[1])};
        }

        @Override
        protected void setupContext(Context ctx, Tensor[] inputs, Tensor[] outputs) {
            ctx.saveForBackward(inputs[0], inputs[1]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor x = ctx.savedTensors()[0];
            Tensor y = ctx.savedTensors()[1];
            return new Tensor[] {g[0].mul(y).mul(y), g[0].mul(x).mul(y).mul(2.0)};
        }
    }

    @Test
    void setupContextFunction() {
        Generator g = new Generator(45);
        assertTrue(Autograd.gradcheck(a -> new MulSquare().apply(a[0], a[1]), leaf(g, 3), leaf(g, 3)));
    }

    @Test
    void selectiveCheckpoint() {
        Generator g = new Generator(46);
        Tensor x = leaf(g, 3, 4);
        Tensor w1 = leaf(g, 5, 4);
        Tensor w2 = leaf(g, 4, 5);
        assertTrue(Autograd.gradcheck(a -> Checkpoint.checkpointNonReentrant(
                in -> in[0].matmul(in[1].t()).tanh().matmul(in[2].t()).sum(),
                true, "default",
                () -> SelectiveCheckpoint.createSelectiveCheckpointContexts(
                        (ctx, op, args) -> op.equals("aten.mm.default") ? CheckpointPolicy.MUST_SAVE
                                : CheckpointPolicy.PREFER_RECOMPUTE),
                a[0], a[1], a[2]), x, w1, w2));
        assertTrue(Autograd.gradcheck(a -> Checkpoint.checkpointNonReentrant(
                in -> in[0].matmul(in[1].t()).sin().sum(), true, "default",
                () -> SelectiveCheckpoint.createSelectiveCheckpointContexts(List.of("aten.mm.default")), a[0], a[1]),
                x, w1));
    }

    @Test
    void savedTensorWrittenInPlaceInsideAllowMutation() {
        Tensor x = leaf(new Generator(47), 4);
        // the whole check inside the scope: 2.x requires the backward there too
        try (AllowMutationOnSavedTensors scope = Autograd.allowMutationOnSavedTensors()) {
            assertTrue(Autograd.gradcheck(a -> {
                Tensor s = a[0].sin();
                Tensor sq = s.mul(s); // saves s twice
                s.mul_(3);             // written after it was saved: the backward reads the value before the write
                return sq.add(s);
            }, x));
        }
    }
}
