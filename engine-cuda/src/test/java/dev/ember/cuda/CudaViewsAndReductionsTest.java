package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hardening of sizes, views and in-place autograd on CUDA, against the CPU reference: reductions over broadcast views
 * of more than 2^31 elements, narrow and slice at their bounds, and in-place ops on views rebased through CopySlices.
 */
class CudaViewsAndReductionsTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void reductionsOverHugeBroadcastViews() {
        Tensor row = Tensor.tensor(new double[][] {{1.5, -2, Double.NaN, 4}});
        Tensor col = Tensor.arange(0, 7, 1, DType.FLOAT32).reshape(7, 1);
        CudaParityTest.parity("sum of 1e10 broadcast ones", x -> x[0].expand(100000, 100000).sum(), Tensor.ones(1, 1));
        CudaParityTest.parity("mean over a broadcast dim", x -> x[0].expand(7, 70000).mean(new int[] {1}, false), col);
        CudaParityTest.parity("max with NaN, broadcast", x -> x[0].expand(100000, 4).max(), row);
        CudaParityTest.parity("argmax along a broadcast dim",
                x -> x[0].expand(7, 70000).argmax(0, false).to(DType.FLOAT32), col);
        CudaParityTest.parity("prod of broadcast", x -> x[0].expand(1000, 2).prod(), Tensor.tensor(new double[][] {{1.0001, -1}}));
        assertEquals(10_000_000_000L, Tensor.ones(DType.INT64, 1, 1).to(GPU).expand(100000, 100000).sum().longItem());
    }

    @Test
    void viewsAtTheirBounds() {
        Tensor x = Tensor.arange(0, 10, 1, DType.FLOAT32).reshape(2, 5);
        CudaParityTest.parity("slice clamps", t -> t[0].slice(1, -3, Integer.MAX_VALUE, 2).mul(2.0), x);
        CudaParityTest.parity("narrow from the end", t -> t[0].narrow(1, -2, 2).mul(3.0), x);
    }

    @Test
    void inPlaceOnViewsRebasesThroughCopySlices() {
        Tensor x = Tensor.tensor(new double[] {1, 2, 3, 4, 5, 6});
        Tensor w = Tensor.tensor(new double[] {2, 3});
        CudaParityTest.parity("narrow mul_ by a tensor that requires grad", t -> {
            Tensor y = t[0].mul(1.0);
            y.narrow(0, 2, 2).mul_(t[1]);
            return y.mul(y);
        }, x, w);
        CudaParityTest.parity("select fill_ in a transposed view", t -> {
            Tensor y = t[0].mul(2.0).view(2, 3);
            y.t().select(0, 1).fill_(0);
            return y.mul(y);
        }, x);
        CudaParityTest.parity("copy_ into a slice of a base without grad", t -> {
            Tensor b = Tensor.zeros(4).to(t[0].device());
            b.slice(0, 1, 3, 1).copy_(t[0]);
            return b.mul(b);
        }, w);
    }
}
