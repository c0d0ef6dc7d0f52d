package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The backward's refusal of a gradient of the wrong shape names the node as PyTorch's {@code node->name()}
 * ({@code invalidgradientname/make_expected.py}): CopySlices is {@code torch::autograd::CopySlices} there (Ember wrote
 * {@code CopySlices}; found by fuzz round 14's hunts, seeds 6614 and 6714).
 */
class InvalidGradientNameTest {
    @Test
    void copySlicesNamedAsPyTorch() throws IOException {
        String want;
        try (InputStream in = Objects.requireNonNull(
                InvalidGradientNameTest.class.getResourceAsStream("/invalidgradientname/expected.txt"))) {
            want = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        Tensor v0 = Tensor.tensor(new double[][][] {{{-1.5, 0.75, -1.75}}, {{-0.75, 0.0, -1.5}}}, DType.FLOAT64);
        Tensor v2 = Tensor.tensor(new double[][][] {{{-0.5, 1.5, -2.0}}, {{-1.0, -0.5, -1.0}}}, DType.FLOAT64)
                .requiresGrad_(true);
        Tensor v1 = v0.mul(v2);
        Tensor v6 = v1.tensorSplit(3, 2).get(2).unsqueeze(-2);
        try (GradMode off = Ember.noGrad()) {
            v1.transpose_(2, 0);
        }
        Tensor v7 = Tensor.tensor(new double[][][] {{{-1.5}}}, DType.FLOAT64).requiresGrad_(true);
        v6.copy_(v7);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> v6.sum().backward());
        assertEquals(want, e.getMessage());
    }
}
