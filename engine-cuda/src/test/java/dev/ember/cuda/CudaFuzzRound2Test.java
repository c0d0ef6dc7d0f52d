package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Index;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The engine fixes of round 2 of the differential fuzz (DifferentialFuzzNNRegressionTest and the round-1 leftovers of
 * DifferentialFuzzRegressionTest) on CUDA, against the CPU: var_mean/std_mean's Welford mean of infinities, fmod_'s
 * shape check before its kernel, scatter's number converted only for an index, {@code x[basic index] = v} copying a
 * one-element value into an overlapping view (refused) and expanding the value, index_put_'s index check before its
 * overlap refusal, and the version error naming CopySlices and CopyBackwards. Written with values PyTorch gives on the
 * CPU (the fuzz's scripts); skipped without a GPU.
 */
class CudaFuzzRound2Test {
    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor t(double[] v, int... shape) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    @Test
    void varMeanOfInfinitiesMatchesTheCpu() {
        double inf = Double.POSITIVE_INFINITY;
        Tensor x = t(new double[] {1.0, inf, 2.0, -inf, 3.0, 4.0, 5.0, 6.0, inf}, 3, 3);
        for (int[] dims : new int[][] {{0}, {1}, {0, 1}}) {
            Tensor.VarMean cpu = x.varMean(dims, 1, false);
            Tensor.VarMean gpu = x.to(GPU).varMean(dims, 1, false);
            assertArrayEquals(cpu.mean().toDoubleArray(), gpu.mean().cpu().toDoubleArray(), 0.0);
            assertArrayEquals(cpu.var().toDoubleArray(), gpu.var().cpu().toDoubleArray(), 1e-12);
            Tensor.StdMean s = x.to(GPU).stdMean(dims, 1, true);
            assertArrayEquals(x.stdMean(dims, 1, true).mean().toDoubleArray(), s.mean().cpu().toDoubleArray(), 0.0);
        }
        // the infinity visited last (the last index of every reduced dim) keeps the plain mean
        assertArrayEquals(new double[] {inf}, t(new double[] {1.0, 2.0, inf}, 3).to(GPU).varMean(new int[] {0}, 1, false)
                .mean().cpu().toDoubleArray(), 0.0);
    }

    @Test
    void fmodInplaceChecksTheShapeFirst() {
        Tensor a = Tensor.tensor(new long[] {-2, 0, -1}, DType.INT64, GPU);
        Tensor b = Tensor.tensor(new long[9], DType.INT64, GPU).reshape(3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.fmod_(b));
        assertEquals("output with shape [3] doesn't match the broadcast shape [3, 3]", e.getMessage());
    }

    @Test
    void scatterTakesAnyNumberWithAnEmptyIndex() {
        Tensor self = Tensor.tensor(new long[] {255, 3, 2, 200, 9, 5}, DType.UINT8, GPU).reshape(2, 3);
        Tensor index = Tensor.tensor(new long[0], DType.INT64, GPU).reshape(0, 3);
        assertArrayEquals(self.cpu().toLongArray(), self.scatter(0, index, 300.0).cpu().toLongArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.tensor(new long[] {1, 2, 3}, DType.UINT8, GPU).scatter(0, Tensor.tensor(new long[] {0}, DType.INT64,
                        GPU), 300.0));
        assertEquals("value cannot be converted to type uint8_t without overflow", e.getMessage());
    }

    @Test
    void basicIndexWritesAsTheCpu() {
        Tensor base = t(new double[] {1.5, -0.75, -0.5}, 1, 3).to(GPU);
        Tensor x = base.expand(3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.indexPut_(new Index[] {
            Index.slice(0, 3, 2), Index.all(), Index.newAxis()}, t(new double[] {-0.25}, 1).to(GPU), false));
        assertEquals("unsupported operation: more than one element of the written-to tensor refers to a single memory "
                + "location. Please clone() the tensor before performing the operation.", e.getMessage());
        Tensor y = Tensor.zeros(DType.FLOAT64, 2, 3).to(GPU);
        y.indexPut_(new Index[] {Index.of(1)}, t(new double[] {1, 2, 3}, 1, 1, 3).to(GPU), false);
        assertArrayEquals(new double[] {0, 0, 0, 1, 2, 3}, y.cpu().toDoubleArray(), 0.0);
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> x.indexPut_(new Index[] {
            Index.of(Tensor.tensor(new long[] {1, 0, 0}, DType.INT64, GPU)), Index.of(Tensor.tensor(new long[] {1, 0, 1, 1},
                DType.INT64, GPU))}, 0.0, true));
        assertEquals("shape mismatch: indexing tensors could not be broadcast together with shapes [3], [4]", m.getMessage());
    }

    @Test
    void versionErrorNamesCopySlicesAndCopyBackwards() {
        for (boolean view : new boolean[] {true, false}) {
            Tensor x = t(new double[] {1.0, -2.0, 0.5, 3.0}, 4).to(GPU).requiresGrad_(true);
            Tensor y = x.mul(2.0);
            Tensor s = y.square();
            if (view) {
                y.narrow(0, 1, 2).zero_();
            } else {
                y.copy_(t(new double[] {1, 2, 3, 4}, 4).to(GPU));
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.add(s).sum().backward());
            assertEquals("one of the variables needed for gradient computation has been modified by an inplace operation: "
                    + "[torch.cuda.DoubleTensor [4]], which is output 0 of torch::autograd::"
                    + (view ? "CopySlices" : "CopyBackwards") + ", is at version 1; expected version 0 instead. Hint: enable "
                    + "anomaly detection to find the operation that failed to compute its gradient, with "
                    + "torch.autograd.set_detect_anomaly(True).", e.getMessage());
        }
    }
}
