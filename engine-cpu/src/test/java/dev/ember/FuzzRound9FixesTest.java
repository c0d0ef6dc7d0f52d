package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The engine fixes round 9 of the differential fuzz ({@code fuzz9/make_cases.py}) led to, each pinned on its own. */
class FuzzRound9FixesTest {
    private static Tensor doubles(double[] v, int... shape) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    @Test
    void convTransposeDoubleBackwardWithAnExpandedGroupedWeight() {
        double[] xv = new double[36];
        for (int i = 0; i < xv.length; i++) {
            xv[i] = (i % 7) * 0.5 - 1.5;
        }
        Tensor x = doubles(xv, 2, 2, 3, 3).requiresGrad_(true);
        Tensor wBase = doubles(new double[] {-0.76, 1.7}, 2, 1, 1, 1).requiresGrad_(true);
        Tensor w = wBase.expand(2, 1, 3, 3);
        Tensor out = Functional.convTranspose2d(x, w, null, new int[] {2, 1}, new int[] {0, 0}, new int[] {1, 1}, 2,
                new int[] {2, 2});
        // (an output padding of 1 with a stride of 1 along the width: 2 + 4 + 1 + 1 = 8 columns, one no input reaches)
        assertArrayEquals(new int[] {2, 2, 10, 8}, out.shape());
        Tensor weights = Tensor.arange(320).remainder(7).add(1).to(DType.FLOAT64).reshape(2, 2, 10, 8);
        List<Tensor> g = Autograd.grad(List.of(out.mul(weights).sum()), List.of(x, wBase), null, true, true, true);
        // the gradients that record their graph equal those of the plain backward (the kernels')
        Tensor x2 = x.detach().requiresGrad_(true);
        Tensor w2 = wBase.detach().requiresGrad_(true);
        Functional.convTranspose2d(x2, w2.expand(2, 1, 3, 3), null, new int[] {2, 1}, new int[] {0, 0}, new int[] {1, 1},
                2, new int[] {2, 2}).mul(weights).sum().backward();
        assertArrayEquals(new int[] {2, 2, 3, 3}, g.get(0).shape());
        assertArrayEquals(x2.grad().toDoubleArray(), g.get(0).detach().toDoubleArray(), 1e-12);
        assertArrayEquals(w2.grad().toDoubleArray(), g.get(1).detach().toDoubleArray(), 1e-12);
        // and the second backward runs through them: d/dw of sum(gx * 1) is sum over the taps of the weights reached
        g.get(0).sum().backward();
        assertEquals(2, wBase.grad().numel());
    }

    @Test
    void hardsigmoidHasNoSecondDerivativeAsInPyTorch() {
        // PyTorch's hardsigmoid_backward has no derivative (its node is NotImplemented, 1.13 and 2.x alike)
        Tensor x = doubles(new double[] {-4.0, -1.0, 0.5, 2.0, 3.5}, 5).requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(Functional.hardsigmoid(x).sum()), List.of(x), null, true, true, false).get(0);
        assertArrayEquals(new double[] {0, 1.0f / 6.0f, 1.0f / 6.0f, 1.0f / 6.0f, 0}, g.detach().toDoubleArray(), 1e-15);
        assertEquals("NotImplemented", g.gradFn().name());
        RuntimeException e = assertThrows(RuntimeException.class, () -> g.sum().backward());
        assertEquals("derivative for aten::hardsigmoid_backward is not implemented", e.getMessage());
        // the first derivative alone is unchanged, and x got no gradient from the failed pass
        assertEquals(null, x.grad());
        Tensor y = doubles(new double[] {-4.0, 1.0}, 2).requiresGrad_(true);
        Functional.hardsigmoid(y).sum().backward();
        assertArrayEquals(new double[] {0, 1.0f / 6.0f}, y.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void replicatePadBackwardOfAnEmptiedDimension() {
        // F.pad(x [1, 1, 3, 1, 1], (0, 2, -1, 0, 2, 0), "replicate"): the negative pad empties the height; PyTorch's
        // result is [1, 1, 5, 0, 3] and its gradient zeros (Ember's backward refused the empty gradient)
        Tensor x = doubles(new double[] {-0.06, -0.41, 0.22}, 1, 1, 3, 1, 1).requiresGrad_(true);
        Tensor out = Functional.pad(x, new int[] {0, 2, -1, 0, 2, 0}, "replicate");
        assertArrayEquals(new int[] {1, 1, 5, 0, 3}, out.shape());
        out.sum().backward();
        assertArrayEquals(new double[3], x.grad().toDoubleArray());
        assertArrayEquals(new int[] {1, 1, 3, 1, 1}, x.grad().shape());
    }

    @Test
    void fractionalMaxPool3dChecksTimeThenWidthThenHeight() {
        // PyTorch: "pool width" before "pool height" (both too large here)
        Tensor x = Tensor.zeros(1, 1, 3, 4, 4).to(DType.FLOAT32);
        Tensor samples = Tensor.zeros(1, 1, 3).to(DType.FLOAT32);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Functional.fractionalMaxPool3d(x,
                new int[] {2, 3, 1}, new int[] {1, 2, 4}, null, samples));
        assertEquals("fractional_max_pool3d_out(): pool width 1 too large relative to input width 4", e.getMessage());
        RuntimeException h = assertThrows(RuntimeException.class, () -> Functional.fractionalMaxPool3d(x,
                new int[] {2, 3, 1}, new int[] {1, 2, 3}, null, samples));
        assertEquals("fractional_max_pool3d_out(): pool height 3 too large relative to input height 4", h.getMessage());
    }

    @Test
    void embeddingBagRefusesPerSampleWeightsBeforeRenormalizing() {
        // PyTorch renormalizes the weight for max_norm and then refuses per_sample_weights with mode "max"; Ember
        // refuses first and leaves the weight unchanged
        Tensor w = doubles(new double[] {3, 4, 0.3, 0.4}, 2, 2);
        Tensor idx = Tensor.tensor(new long[] {0, 1}, DType.INT64, Device.CPU);
        Tensor offsets = Tensor.tensor(new long[] {0}, DType.INT64, Device.CPU);
        Tensor psw = doubles(new double[] {1, 2}, 2);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Functional.embeddingBag(idx, w, offsets, 1.0,
                2.0, false, "max", psw, false, null));
        assertEquals("embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                + "mode='sum' (got mode='max'). Please open a feature request on GitHub.", e.getMessage());
        assertArrayEquals(new double[] {3, 4, 0.3, 0.4}, w.toDoubleArray());
    }

    @Test
    void fractionalMaxPoolRefusesANonPositiveKernel() {
        // PyTorch pools such windows without a check (reading outside the input, or nothing); Ember threw
        // NegativeArraySizeException or IndexOutOfBoundsException, and now refuses in words
        Tensor x = Tensor.zeros(1, 2, 6, 4).to(DType.FLOAT32);
        Tensor samples = Tensor.zeros(1, 2, 2).to(DType.FLOAT32);
        RuntimeException e = assertThrows(IllegalArgumentException.class, () -> Functional.fractionalMaxPool2d(x,
                new int[] {1, 0}, null, new double[] {0.4, 0.4}, samples));
        assertEquals("fractional_max_pool2d(): kernel_size must be greater than zero, but got [1, 0]", e.getMessage());
        Tensor x3 = Tensor.zeros(1, 4, 4, 3).to(DType.FLOAT64);
        Tensor samples3 = Tensor.zeros(1, 1, 3).to(DType.FLOAT64);
        RuntimeException e3 = assertThrows(IllegalArgumentException.class, () -> Functional.fractionalMaxPool3d(x3,
                new int[] {3, -1, 1}, null, new double[] {0.4, 0.4, 0.75}, samples3));
        assertEquals("fractional_max_pool3d(): kernel_size must be greater than zero, but got [3, -1, 1]",
                e3.getMessage());
    }

    @Test
    void eluFamilySecondDerivativeIsZeroAtZeroAsInPyTorch() {
        // PyTorch's elu_double_backward masks the derivative in x with x < 0: at x = 0 and -0 the second derivative is
        // 0 (the first derivative there takes the negative branch, x <= 0); celu(alpha 0.5) at x = -0.0 gave 6 * v
        Tensor x = doubles(new double[] {-0.0, 0.0, -1.0}, 3).requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(Functional.celu(x, 0.5).sum()), List.of(x), null, true, true, false).get(0);
        assertArrayEquals(new double[] {1, 1, Math.exp(-2.0)}, g.detach().toDoubleArray(), 1e-15);
        g.sum().backward();
        assertArrayEquals(new double[] {0, 0, 2 * Math.exp(-2.0)}, x.grad().toDoubleArray(), 1e-15);
        Tensor y = doubles(new double[] {0.0, -0.5}, 2).requiresGrad_(true);
        Tensor gy = Autograd.grad(List.of(Functional.elu(y, 1.0).sum()), List.of(y), null, true, true, false).get(0);
        gy.sum().backward();
        assertArrayEquals(new double[] {0, Math.exp(-0.5)}, y.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void affineGridNegativeSizeWithAUnitGridAndAlignCorners() {
        // F.affine_grid only warns for a unit-size grid with align_corners; affine_grid_generator then allocates its
        // base grid [N, D, H, W, 4] (the channels are not in it)
        Tensor theta = Tensor.zeros(1, 3, 4).to(DType.FLOAT64);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Functional.affineGrid(theta,
                new int[] {-1, 2, 1, 3, 1}, true));
        assertEquals("Trying to create tensor with negative dimension -1: [-1, 1, 3, 1, 4]", e.getMessage());
        RuntimeException f = assertThrows(RuntimeException.class, () -> Functional.affineGrid(theta,
                new int[] {-1, 2, 2, 3, 2}, false));
        assertEquals("Expected non-zero, positive output size. Got [-1, 2, 2, 3, 2]", f.getMessage());
        assertArrayEquals(new int[] {1, 1, 3, 1, 3}, Functional.affineGrid(theta, new int[] {1, -1, 1, 3, 1}, true)
                .shape());
    }
}
