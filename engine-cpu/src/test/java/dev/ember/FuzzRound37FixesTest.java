package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixes of differential fuzz round 37 (second-order gradients), each against PyTorch's values in
 * {@code differentialfuzzr37/fixes.txt} ({@code FUZZ_FIXES=1 make_cases.py}), replayed by {@link FuzzR37Interpreter}.
 */
class FuzzRound37FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr37/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    private static void matches(String id) {
        List<String> lines = CASES.get(id);
        assertNotNull(lines, id);
        assertNull(FuzzR37Interpreter.run(lines), id);
    }

    /**
     * F.interpolate(mode="nearest") at the input's own size: the backward's copy into the suggested memory format (a
     * new tensor, made without history) left the first gradient a constant, so the gradient of a function of it with
     * respect to the upstream v was missing. Now one node UpsampleNearest2DBackwardBackward0.
     */
    @Test
    void nearestAtTheIdentitySizeKeepsTheFirstGradientsHistory() {
        matches("fix_nearest_identity");
        Tensor x = Tensor.tensor(new double[] {1, 2, 3, 4}, DType.FLOAT64, Device.CPU).reshape(1, 1, 2, 2)
                .requiresGrad_(true);
        Tensor v = Tensor.tensor(new double[] {1, -1, 2, 0.5}, DType.FLOAT64, Device.CPU).reshape(1, 1, 2, 2)
                .requiresGrad_(true);
        Tensor y = Functional.interpolate(x, new int[] {2, 2}, "nearest");
        Tensor g = Autograd.grad(List.of(y.mul(v).sum()), List.of(x), null,
                GradOptions.defaults().withCreateGraph(true)).get(0);
        assertTrue(g.requiresGrad());
        assertEquals("UpsampleNearest2DBackwardBackward0", g.gradFn().name());
    }

    /** The same with a channels-last upstream gradient (the copy into that format lost the history too). */
    @Test
    void nearestWithAChannelsLastUpstreamKeepsTheHistory() {
        matches("fix_nearest_channels_last_upstream");
    }

    /** nearest-exact shares the backward. */
    @Test
    void nearestExactAtTheIdentitySizeKeepsTheHistory() {
        matches("fix_nearest_exact_identity");
    }
}
