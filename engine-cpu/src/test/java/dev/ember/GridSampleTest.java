package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code F.grid_sample} and {@code F.affine_grid} against PyTorch ({@code gridsample/make_expected.py}, read through
 * {@link ReferenceCases}: values, nodes, input and grid gradients, errors), and gradchecks of both (bicubic, 5-D input
 * and 3-D affine grids: {@link ResampleMoreTest}).
 */
class GridSampleTest {
    private static Function<Tensor[], Tensor> op(String name) {
        String[] w = name.split(" ");
        if (name.startsWith("affine_grid then grid_sample")) {
            boolean ac = Boolean.parseBoolean(w[w.length - 1]);
            return a -> Functional.gridSample(a[1], Functional.affineGrid(a[0], new int[] {2, 3, 3, 6}, ac), "bilinear",
                    "zeros", ac);
        }
        switch (name) {
            case "grid_sample empty batch": case "grid_sample 3d grid": case "grid_sample batch mismatch":
            case "grid_sample last dim": case "grid_sample empty plane": case "grid_sample dtype mismatch":
                return a -> Functional.gridSample(a[0], a[1], "bilinear", "zeros", false);
            case "grid_sample bad mode": return a -> Functional.gridSample(a[0], a[1], "cubic", "zeros", false);
            case "grid_sample bad padding": return a -> Functional.gridSample(a[0], a[1], "bilinear", "wrap", false);
            case "affine_grid int theta": return a -> Functional.affineGrid(a[0], new int[] {1, 1, 2, 2}, false);
            case "affine_grid 3d size": return a -> Functional.affineGrid(a[0], new int[] {2, 1, 2}, false);
            case "affine_grid bad theta": return a -> Functional.affineGrid(a[0], new int[] {2, 1, 2, 2}, false);
            case "affine_grid zero size": return a -> Functional.affineGrid(a[0], new int[] {2, 1, 0, 2}, false);
            default:
                break;
        }
        if (name.startsWith("affine_grid")) {
            boolean ac = Boolean.parseBoolean(w[w.length - 1]);
            int[] size = name.contains("float32") ? new int[] {2, 1, 3, 2} : name.contains("one row") ? new int[] {2, 1, 1, 4}
                    : new int[] {2, 3, 4, 5};
            return a -> Functional.affineGrid(a[0], size, ac);
        }
        // grid_sample [float32|special|width 1|nonfinite] <mode>? <padding> <align>
        int last = name.endsWith("nograd1") ? w.length - 2 : w.length - 1;
        boolean ac = Boolean.parseBoolean(w[last]);
        String padding = w[last - 1];
        String mode = w[last - 2].equals("nearest") ? "nearest" : "bilinear";
        return a -> Functional.gridSample(a[0], a[1], mode, padding, ac);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        // float32: PyTorch's vectorized kernel rounds the weights in its own order
        return ReferenceCases.tests("/gridsample/expected.txt", GridSampleTest::op, 1e-5);
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        Generator gen = new Generator(21);
        Tensor x = Tensor.rand(gen, DType.FLOAT64, 2, 2, 4, 5).requiresGrad_(true);
        // positions kept away from pixel centres and the clipping limits, where the derivative jumps
        Tensor g = Tensor.rand(gen, DType.FLOAT64, 2, 3, 2, 2).mul(1.6).sub(0.8).requiresGrad_(true);
        Tensor theta = Tensor.rand(gen, DType.FLOAT64, 2, 2, 3).requiresGrad_(true);
        List<DynamicTest> t = new ArrayList<>();
        for (String padding : new String[] {"zeros", "border", "reflection"}) {
            for (boolean ac : new boolean[] {false, true}) {
                t.add(DynamicTest.dynamicTest("grid_sample bilinear " + padding + " " + ac, () -> assertTrue(
                        Autograd.gradcheck(p -> Functional.gridSample(p[0], p[1], "bilinear", padding, ac), x, g))));
            }
        }
        // PyTorch's grid sampler backward is not differentiable ("derivative for aten::grid_sampler_2d_backward is not
        // implemented"): ResampleMoreTest.gridSamplerBackwardIsNotDifferentiable
        t.add(DynamicTest.dynamicTest("grid_sample nearest (input)", () -> assertTrue(Autograd.gradcheck(
                p -> Functional.gridSample(p[0], g.detach(), "nearest", "border", true), x))));
        t.add(DynamicTest.dynamicTest("affine_grid", () -> assertTrue(Autograd.gradgradcheck(
                p -> Functional.affineGrid(p[0], new int[] {2, 1, 3, 4}, false).mul(p[0].sum()), theta))));
        return t;
    }
}
