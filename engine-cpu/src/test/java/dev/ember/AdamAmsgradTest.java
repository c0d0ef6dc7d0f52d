package dev.ember;

import dev.ember.optim.Adam;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adam and AdamW with {@code amsgrad} against PyTorch's optimizer trajectory ({@code optim2/make_expected.py}): the
 * parameters after each of eight steps of a loss whose gradients shrink and grow again, so the running maximum of the
 * second moment is what sets the step (within 1e-12, float64).
 */
class AdamAmsgradTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/optim2/expected.txt");
    private static final double[] SCALES = {4.0, 0.5, 0.1, 3.0, 0.2, 0.05, 1.0, 0.01};

    private static void trajectory(String key, Function<List<Tensor>, Adam> make) {
        Tensor w1 = Tensor.tensor(new double[] {1.0, -2.0, 0.5}, DType.FLOAT64).requiresGrad_(true);
        Tensor w2 = Tensor.tensor(new double[][] {{0.3, -0.7}, {1.5, 0.2}}, DType.FLOAT64).requiresGrad_(true);
        Adam opt = make.apply(List.of(w1, w2));
        for (int step = 0; step < 8; step++) {
            opt.zeroGrad();
            double scale = SCALES[step];
            Tensor loss = w1.mul(w1).sum().mul(scale).add(w2.sin().mul(w2).sum().mul(scale))
                    .add(w1.get(0).mul(w2.get(1, 1)));
            loss.backward();
            opt.step();
            double[] expected = PyTorchCases.numbers(TORCH.field(key, "step" + step));
            double[] got = Tensor.cat(List.of(w1.detach(), w2.detach().reshape(-1)), 0).toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-12, key + " step " + step + " element " + i);
            }
        }
    }

    @Test
    void adamAmsgradFollowsPyTorch() {
        trajectory("adam_amsgrad", p -> Adam.adam(p, 0.1, 0.9, 0.999, 1e-8, 0, true));
    }

    @Test
    void adamAmsgradWithWeightDecayFollowsPyTorch() {
        trajectory("adam_amsgrad_wd", p -> Adam.adam(p, 0.05, 0.8, 0.95, 1e-6, 0.1, true));
    }

    @Test
    void adamWAmsgradFollowsPyTorch() {
        trajectory("adamw_amsgrad", p -> Adam.adamW(p, 0.1, 0.9, 0.999, 1e-8, 0.05, true));
    }

    @Test
    void withoutAmsgradTheTrajectoryDiffers() {
        trajectory("adam_plain", p -> Adam.adam(p, 0.1));
        assertFalse(Adam.adam(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1).amsgrad());
        assertTrue(Adam.adamW(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1, 0.9, 0.999, 1e-8, 0.01, true).amsgrad());
        double[] a = PyTorchCases.numbers(TORCH.field("adam_amsgrad", "step7"));
        double[] b = PyTorchCases.numbers(TORCH.field("adam_plain", "step7"));
        assertTrue(Math.abs(a[0] - b[0]) > 1e-5, "the data makes amsgrad matter (far beyond the 1e-12 tolerance)");
    }
}
