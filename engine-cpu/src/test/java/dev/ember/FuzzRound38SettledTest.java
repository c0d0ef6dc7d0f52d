package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Round 38's expected failures settled against PyTorch 2.x's source (session 57), beyond the cases themselves
 * ({@link DifferentialFuzzR38Test}): batch_norm's refusal of running statistics that require grad (native_batch_norm's
 * generated autograd check, {@code check_no_requires_grad}: only under grad mode, in training and evaluation, for
 * F.batch_norm, instance_norm and the BatchNorm modules, nothing written); expand's order (its loop from the last
 * dimension lets a negative size through a size-1 dimension, so a mismatch before it is reported first); addmm_'s
 * "Bad in-place call" for any self of another shape; conv_transpose2d's {@code int[2]} lists checked against the
 * weight's rank before the ranks; index_put_ taking its values as given. The messages are PyTorch's (1.13 and 2.x say
 * the same for each, read in 2.x's source); where PyTorch itself has no refusal (a negative expanded size) the test
 * says so.
 */
class FuzzRound38SettledTest {
    private static final String RUNNING_MEAN = "The function 'native_batch_norm' is not differentiable with respect to "
            + "argument 'running_mean'. This input cannot have requires_grad True.";
    private static final String RUNNING_VAR = "The function 'native_batch_norm' is not differentiable with respect to "
            + "argument 'running_var'. This input cannot have requires_grad True.";

    private static Tensor input() {
        return shaped(new int[] {2, 3}, -2.0, -2.75, -0.75, -1.5, -0.5, 2.5);
    }

    /** A float64 vector. */
    private static Tensor stat(double... v) {
        return Tensor.tensor(v, DType.FLOAT64);
    }

    /** A float64 tensor of {@code shape} (a contiguous copy, no view). */
    private static Tensor shaped(int[] shape, double... v) {
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape).contiguous().clone();
    }

    /** The refusal, its message, and every tensor's values and version as before. */
    private static void refused(String message, Supplier<Tensor> call, Tensor... unchanged) {
        double[][] values = new double[unchanged.length][];
        int[] versions = new int[unchanged.length];
        for (int i = 0; i < unchanged.length; i++) {
            values[i] = unchanged[i].detach().toDoubleArray();
            versions[i] = unchanged[i].version();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
        assertEquals(message, e.getMessage());
        for (int i = 0; i < unchanged.length; i++) {
            assertArrayEquals(values[i], unchanged[i].detach().toDoubleArray(), "tensor " + i + "'s values");
            assertEquals(versions[i], unchanged[i].version(), "tensor " + i + "'s version");
        }
    }

    @Test
    void batchNormRefusesRunningStatisticsThatRequireGradInEvaluationAndTraining() {
        Tensor x = input();
        Tensor rm = stat(-0.25, 2.5, 1.625).requiresGrad_(true);
        Tensor rv = stat(1.5, 1.125, 1.75);
        refused(RUNNING_MEAN, () -> Functional.batchNorm(x, rm, rv, null, null, false, 0.1, 1e-5), x, rm, rv);
        refused(RUNNING_MEAN, () -> Functional.batchNorm(x, rm, rv, null, null, true, 0.1, 1e-5), x, rm, rv);
        // a non-leaf too, and the variance named when only it requires grad
        Tensor rmNonLeaf = stat(-0.25, 2.5, 1.625).requiresGrad_(true).mul(1.0);
        refused(RUNNING_MEAN, () -> Functional.batchNorm(x, rmNonLeaf, rv, null, null, false, 0.1, 1e-5), rmNonLeaf, rv);
        Tensor plainMean = stat(-0.25, 2.5, 1.625);
        Tensor rvGrad = stat(1.5, 1.125, 1.75).requiresGrad_(true);
        refused(RUNNING_VAR, () -> Functional.batchNorm(x, plainMean, rvGrad, null, null, true, 0.1, 1e-5),
                plainMean, rvGrad);
        // torch.native_batch_norm itself
        refused(RUNNING_MEAN, () -> Tensor.nativeBatchNorm(x, null, null, rm, rv, false, 0.1, 1e-5).output(), rm, rv);
    }

    @Test
    void batchNormChecksTheStatisticsSizesFirstAndLetsAnEmptyInputThrough() {
        Tensor x = input();
        Tensor rm = stat(0, 0, 0, 0).requiresGrad_(true);
        refused("running_mean should contain 3 elements not 4",
                () -> Functional.batchNorm(x, rm, stat(1, 1, 1), null, null, false, 0.1, 1e-5), rm);
        // _batch_norm_impl_index returns an empty input's copy before native_batch_norm (and its check) is called
        Tensor empty = Tensor.zeros(DType.FLOAT64, 0, 3);
        Tensor y = Functional.batchNorm(empty, stat(0, 0, 0).requiresGrad_(true), stat(1, 1, 1).requiresGrad_(true),
                null, null, false, 0.1, 1e-5);
        assertArrayEquals(new int[] {0, 3}, y.shape());
    }

    @Test
    void underNoGradRunningStatisticsThatRequireGradAreUsedAndUpdated() {
        Tensor x = input();
        Tensor rm = stat(-0.25, 2.5, 1.625).requiresGrad_(true);
        Tensor rv = stat(1.5, 1.125, 1.75).requiresGrad_(true);
        Tensor plainMean = stat(-0.25, 2.5, 1.625);
        Tensor plainVar = stat(1.5, 1.125, 1.75);
        Tensor y;
        try (GradMode off = Ember.noGrad()) {
            y = Functional.batchNorm(x, rm, rv, null, null, true, 0.1, 1e-5);
        }
        Tensor expected = Functional.batchNorm(x, plainMean, plainVar, null, null, true, 0.1, 1e-5);
        assertArrayEquals(expected.toDoubleArray(), y.toDoubleArray());
        assertArrayEquals(plainMean.toDoubleArray(), rm.detach().toDoubleArray());
        assertArrayEquals(plainVar.toDoubleArray(), rv.detach().toDoubleArray());
        assertFalse(java.util.Arrays.equals(new double[] {-0.25, 2.5, 1.625}, rm.detach().toDoubleArray()),
                "training updated the running mean");
        Tensor z;
        try (GradMode off = Ember.noGrad()) {
            z = Functional.batchNorm(x, rm, rv, null, null, false, 0.1, 1e-5);
        }
        assertArrayEquals(Functional.batchNorm(x, plainMean, plainVar, null, null, false, 0.1, 1e-5).toDoubleArray(),
                z.toDoubleArray());
    }

    @Test
    void instanceNormRefusesRunningStatisticsThatRequireGradAndWritesNothing() {
        Tensor x = Tensor.arange(24).to(DType.FLOAT64).reshape(2, 3, 4).mul(0.25);
        Tensor rm = stat(-0.25, 2.5, 1.625).requiresGrad_(true);
        Tensor rv = stat(1.5, 1.125, 1.75).requiresGrad_(true);
        refused(RUNNING_MEAN, () -> Functional.instanceNorm(x, rm, rv, null, null, true, 0.1, 1e-5), x, rm, rv);
        refused(RUNNING_MEAN, () -> Functional.instanceNorm(x, rm, rv, null, null, false, 0.1, 1e-5), x, rm, rv);
        Tensor y;
        try (GradMode off = Ember.noGrad()) {
            y = Functional.instanceNorm(x, rm, rv, null, null, false, 0.1, 1e-5);
        }
        assertArrayEquals(new int[] {2, 3, 4}, y.shape());
        // an empty input passes batch_norm; PyTorch then refuses to write into a leaf that requires grad (through
        // at::alias, a view of it): "a view of a leaf Variable that requires grad ...", here before either is written
        Tensor empty = Tensor.zeros(DType.FLOAT64, 0, 3, 4);
        Tensor plainMean = stat(0, 0, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Functional.instanceNorm(empty, plainMean, rv, null, null, true, 0.1, 1e-5));
        assertEquals("a view of a leaf Variable that requires grad is being used in an in-place operation.",
                e.getMessage());
        assertArrayEquals(new double[] {0, 0, 0}, plainMean.toDoubleArray());
        assertEquals(0, plainMean.version());
        assertArrayEquals(new double[] {1.5, 1.125, 1.75}, rv.detach().toDoubleArray());
    }

    @Test
    void batchNormModuleRefusesARunningMeanThatRequiresGradAndCountsNoBatch() {
        BatchNorm1d m = new BatchNorm1d(3);
        Tensor rm = m.getBuffer("running_mean");
        rm.requiresGrad_(true);
        Tensor rv = m.getBuffer("running_var");
        Tensor count = m.getBuffer("num_batches_tracked");
        Tensor x = input();
        refused(RUNNING_MEAN, () -> m.forward(x), rm, rv, count, m.weight, m.bias);
        m.eval();
        refused(RUNNING_MEAN, () -> m.forward(x), rm, rv, count);
        assertTrue(rm.requiresGrad());
    }

    @Test
    void expandReportsAMismatchBeforeANegativeSizeAtASizeOneDimension() {
        Tensor x = shaped(new int[] {3, 1}, -2.25, -1.0, -1.5);
        refused("The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 0.  "
                + "Target sizes: [2, -2].  Tensor sizes: [3, 1]", () -> x.broadcastTo(2, -2), x);
        refused("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0",
                () -> x.expand(-1, 3, 1), x);
        // PyTorch's loop takes these (its view has a negative size, pytorch#70398); Ember refuses them after the loop
        // in the words PyTorch uses when such a tensor is made
        refused("Trying to create tensor with negative dimension -2: [3, -2]", () -> x.broadcastTo(3, -2), x);
        refused("Trying to create tensor with negative dimension -2: [-2, 3, 1]", () -> x.expand(-2, 3, 1), x);
        assertArrayEquals(new int[] {2, 3, 4}, x.expand(2, 3, 4).shape());
    }

    @Test
    void addmmInPlaceRefusesASelfOfAnotherShapeAfterTheMetaChecks() {
        Tensor m1 = Tensor.ones(DType.FLOAT64, 3, 2);
        Tensor m2 = Tensor.ones(DType.FLOAT64, 2, 2);
        Tensor vector = Tensor.zeros(DType.FLOAT64, 3);
        refused("Bad in-place call: input tensor size [3] and output tensor size [3, 2] should match",
                () -> vector.addmm_(m1, m2), vector, m1, m2);
        Tensor column = Tensor.zeros(DType.FLOAT64, 3, 1);
        refused("Bad in-place call: input tensor size [3, 1] and output tensor size [3, 2] should match",
                () -> column.addmm_(m1, m2), column);
        refused("mat1 and mat2 shapes cannot be multiplied (3x2 and 3x2)", () -> vector.addmm_(m1, m1), vector);
        refused("self and mat2 must have the same dtype, but got Double and Float",
                () -> vector.addmm_(m1, Tensor.ones(DType.FLOAT32, 2, 2)), vector);
        Tensor self = Tensor.ones(DType.FLOAT64, 3, 2);
        self.addmm_(m1, m2, 0.5, 2.0);
        assertArrayEquals(new double[] {4.5, 4.5, 4.5, 4.5, 4.5, 4.5}, self.toDoubleArray());
    }

    @Test
    void convTranspose2dChecksItsIntListsAgainstTheWeightsRankFirst() {
        Tensor x = Tensor.ones(DType.FLOAT32, 1, 2, 1, 1);
        refused("expected stride to be a single integer value or a list of 1 values to match the convolution "
                + "dimensions, but got stride=[1, 1]", () -> Functional.convTranspose2d(x, Tensor.ones(DType.FLOAT32,
                2, 2, 1), null), x);
        refused("expected stride to be a single integer value or a list of 3 values to match the convolution "
                + "dimensions, but got stride=[2, 2]", () -> Functional.convTranspose2d(Tensor.ones(DType.FLOAT32, 2, 1,
                1), Tensor.ones(DType.FLOAT32, 2, 2, 1, 1, 1), null, new int[] {2}, new int[] {0}, new int[] {0}, 1,
                new int[] {1}), x);
        assertArrayEquals(new int[] {1, 2, 2, 2}, Functional.convTranspose2d(x, Tensor.ones(DType.FLOAT32, 2, 2, 2, 2),
                null).shape());
    }

    @Test
    void indexPutTakesItsValuesAsGivenWhereSetitemDropsTheirLeadingOnes() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 4);
        Tensor i = Tensor.tensor(new long[] {0, 1}, DType.INT64, Device.CPU);
        Tensor v = shaped(new int[] {1, 1, 2}, 1, 2);
        refused("shape mismatch: value tensor of shape [1, 1, 2] cannot be broadcast to indexing result of shape [2]",
                () -> x.indexPut_(new Tensor[] {i}, v, false), x, v);
        x.indexPut_(new Index[] {Index.of(i)}, v, false);
        assertArrayEquals(new double[] {1, 2, 0, 0}, x.toDoubleArray());
        x.indexPut_(new Tensor[] {i}, stat(5, 6), true);
        assertArrayEquals(new double[] {6, 8, 0, 0}, x.toDoubleArray());
        Tensor m = Tensor.zeros(DType.FLOAT64, 2, 3);
        m.indexPut_(new Tensor[] {null, Tensor.tensor(new long[] {2}, DType.INT64, Device.CPU)},
                stat(7), false);
        assertArrayEquals(new double[] {0, 0, 7, 0, 0, 7}, m.toDoubleArray());
    }
}
