package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixes of differential fuzz round 40 (resampling and the spatial ops at their corners), each against PyTorch's
 * answer in {@code differentialfuzzr40/fixes.txt} ({@code FUZZ_FIXES=1 make_cases.py}), replayed by
 * {@link FuzzR40Interpreter}.
 */
class FuzzRound40FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr40/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    private static void matches(String id) {
        List<String> lines = CASES.get(id);
        assertNotNull(lines, id);
        assertNull(FuzzR40Interpreter.run(lines), id);
    }

    /**
     * grid_sample of a 4-D input at NaN grid points (zeros padding): nearest mode gives 0 there (PyTorch's vectorized
     * nearest kernel takes no weights; Ember gave NaN, as bilinear and bicubic do); the grid's gradient follows PyTorch's
     * vectorized backward, where a NaN distance reaches the other coordinate's bilinear gradient and both bicubic ones
     * (Ember gave 0 for each).
     */
    @Test
    void gridSampleAtNaNPointsAsPyTorchsCpuKernels() {
        for (String mode : new String[] {"nearest", "bilinear", "bicubic"}) {
            matches("fix_grid_nan_" + mode + "_False");
            matches("fix_grid_nan_" + mode + "_True");
        }
        Tensor x = Tensor.ones(1, 1, 2, 2).to(DType.FLOAT64).requiresGrad_(true);
        Tensor grid = Tensor.tensor(new double[] {Double.NaN, 0.25}, DType.FLOAT64, Device.CPU).reshape(1, 1, 1, 2)
                .requiresGrad_(true);
        assertEquals(0.0, Functional.gridSample(x, grid, "nearest", "zeros", false).item());
        Tensor y = Functional.gridSample(x, grid, "bilinear", "zeros", false);
        assertTrue(Double.isNaN(y.item()));
        y.sum().backward();
        assertEquals(0.0, grid.grad().reshape(2).select(0, 0).item());
        assertTrue(Double.isNaN(grid.grad().reshape(2).select(0, 1).item()));
    }

    /**
     * pixel_shuffle / pixel_unshuffle of a non-empty 5-D input laid out channels_last_3d: PyTorch's CPU kernels take
     * row-major and channels-last only and refuse it; an empty one returns before the kernel.
     */
    @Test
    void pixelShuffleRefusesAChannelsLast3dInput() {
        matches("fix_pixel_shuffle_cl3d");
        matches("fix_pixel_unshuffle_cl3d");
        matches("fix_pixel_shuffle_cl3d_empty");
        Tensor x = Tensor.ones(2, 2, 4, 2, 3).contiguous(MemoryFormat.CHANNELS_LAST_3D);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.pixelShuffle(x, 2));
        assertEquals("Unsupported memory format. Supports only ChannelsLast, Contiguous", e.getMessage());
        assertArrayEquals(new int[] {2, 2, 1, 4, 6}, Functional.pixelShuffle(x.contiguous(), 2).shape());
    }

    /**
     * nearest / nearest-exact of float64 by a scale factor: PyTorch's index is {@code floorf} of the double source index
     * (HelperInterpNearest, HelperInterpNearestExact), rounded to float before the floor; Ember floored the double. With
     * 1 / 1.3 as the scale, nearest-exact's output row 19 reads row 15 (19.5 * scale is 14.999999999999998 in double,
     * 15 in float) and nearest's position 13 reads 10 (a hunt's case, seed 64440 at FUZZ_BIG=20, session 64).
     */
    @Test
    void nearestOfFloat64FloorsTheIndexInFloat() {
        matches("fix_nearest_exact_f64_floorf");
        matches("fix_nearest_f64_floorf");
    }
}
