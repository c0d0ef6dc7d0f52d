package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.CircularPad1d;
import dev.ember.nn.ConstantPad2d;
import dev.ember.nn.ConvTranspose1d;
import dev.ember.nn.Functional;
import dev.ember.nn.ReflectionPad1d;
import dev.ember.nn.ReplicationPad3d;
import dev.ember.nn.ZeroPad2d;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session 19's 1-D pooling family, LP pooling, conv_transpose1d, local_response_norm and padding modules on CUDA
 * against the CPU reference, forward and backward (and double backward where the ops have one), on odd sizes,
 * unbatched, non-contiguous and empty-batch inputs. All of them run on the 2-D pooling and convolution kernels (the
 * unbatched 2-D pooling now as a batch of one, through its layout), so this checks those paths on the device.
 */
@ExtendWith(CudaGate.class)
class CudaPool1dTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(2029);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    private static Tensor pos(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).add(0.5);
    }

    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    /** d(sum(y^2))/dx as a differentiable tensor (create_graph), so that parity also checks its own backward. */
    private static Tensor inputGradient(Tensor y, Tensor x) {
        return dev.ember.Autograd.grad(List.of(y.mul(y).sum()), List.of(x), null, true).get(0);
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> pooling() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("max_pool1d", a -> Functional.maxPool1d(a[0], 3, 2, 1, 2, true), r(4, 5, 37)));
        t.add(p("max_pool1d unbatched non-contiguous", a -> Functional.maxPool1d(nc(a[0]), 2), r(7, 19)));
        t.add(p("max_pool1d values of with-indices", a -> Functional.maxPool1dWithIndices(a[0], 4, 3, 2, 1, false).values(),
                r(3, 6, 29)));
        t.add(p("max_pool1d empty batch", a -> Functional.maxPool1d(a[0], 2), r(0, 3, 8)));
        t.add(p("avg_pool1d", a -> Functional.avgPool1d(a[0], 3, 2, 1, true, false), r(4, 5, 37)));
        t.add(p("avg_pool1d unbatched", a -> Functional.avgPool1d(nc(a[0]), 4, 1, 2, false, true), r(6, 23)));
        t.add(p("adaptive_avg_pool1d", a -> Functional.adaptiveAvgPool1d(a[0], 7), r(3, 4, 31)));
        t.add(p("adaptive_avg_pool1d upsampling unbatched", a -> Functional.adaptiveAvgPool1d(a[0], 13), r(4, 5)));
        t.add(p("adaptive_max_pool1d", a -> Functional.adaptiveMaxPool1d(a[0], 6), r(3, 4, 29)));
        t.add(p("max_unpool1d", a -> Functional.maxUnpool1d(a[0], Functional.maxPool1dWithIndices(a[1].detach(), 2, 2, 0, 1,
                false).indices(), 2), r(3, 4, 9), r(3, 4, 18)));
        t.add(p("lp_pool1d", a -> Functional.lpPool1d(a[0], 3.0, 3, 2, true), pos(2, 5, 21)));
        t.add(p("lp_pool2d", a -> Functional.lpPool2d(a[0], 2.0, new int[] {2, 3}, new int[] {2, 1}, false), pos(2, 3, 9, 11)));
        // double backward: the pooling kernels' backward run again on the device
        t.add(p("max_pool1d double backward", a -> inputGradient(Functional.maxPool1d(a[0], 3, 2, 1, 1, false), a[0]),
                r(2, 3, 17)));
        t.add(p("avg_pool1d unbatched double backward", a -> inputGradient(Functional.avgPool1d(a[0], 3, 2, 1, false, true),
                a[0]), r(3, 17)));
        t.add(p("max_pool2d unbatched", a -> Functional.maxPool2d(a[0], new int[] {3}, new int[] {2}, new int[] {1},
                new int[] {1}, false), r(3, 11, 13)));
        t.add(p("avg_pool2d unbatched non-contiguous", a -> Functional.avgPool2d(nc(a[0]), new int[] {2, 3}, null,
                new int[] {1}, true, false), r(3, 9, 10)));
        return t;
    }

    @TestFactory
    List<DynamicTest> convolutionAndNorm() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("conv_transpose1d", a -> Functional.convTranspose1d(a[0], a[1], a[2], 2, 1, 1, 2, 2), r(3, 4, 13), r(4, 3, 5),
                r(6)));
        t.add(p("conv_transpose1d unbatched non-contiguous", a -> Functional.convTranspose1d(nc(a[0]), a[1], null), r(3, 11),
                r(3, 2, 4)));
        t.add(p("conv_transpose1d empty batch", a -> Functional.convTranspose1d(a[0], a[1], a[2]), r(0, 3, 9), r(3, 4, 3),
                r(4)));
        t.add(p("conv_transpose1d double backward", a -> inputGradient(Functional.convTranspose1d(a[0], a[1], null, 3, 0, 2, 1,
                1), a[0]), r(2, 3, 7), r(3, 2, 3)));
        t.add(p("local_response_norm 3-D", a -> Functional.localResponseNorm(a[0], 3, 0.5, 0.75, 1.0), r(2, 7, 9)));
        t.add(p("local_response_norm 4-D", a -> Functional.localResponseNorm(a[0], 4), r(2, 6, 5, 7)));
        t.add(p("local_response_norm 5-D non-contiguous", a -> Functional.localResponseNorm(nc(a[0]), 2, 1.5, 1.25, 0.5),
                r(1, 5, 2, 3, 4)));
        return t;
    }

    @TestFactory
    List<DynamicTest> paddingModules() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("ZeroPad2d", a -> new ZeroPad2d(new int[] {1, 2, 3, 0}).forward(a[0]), r(2, 3, 5, 7)));
        t.add(p("ConstantPad2d", a -> new ConstantPad2d(2, -1.5).forward(a[0]), r(3, 5, 7)));
        t.add(p("ReflectionPad1d", a -> new ReflectionPad1d(new int[] {3, 1}).forward(nc(a[0])), r(2, 5, 9)));
        t.add(p("ReplicationPad3d", a -> new ReplicationPad3d(1).forward(a[0]), r(1, 2, 3, 4, 5)));
        t.add(p("CircularPad1d", a -> new CircularPad1d(2).forward(a[0]), r(2, 3, 7)));
        return t;
    }

    @Test
    void moduleOnDevice() {
        ConvTranspose1d cpu = new ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, true, 1);
        ConvTranspose1d gpu = new ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, true, 1);
        gpu.loadStateDict(cpu.stateDict());
        gpu.to(GPU);
        Tensor x = r(2, 4, 9);
        Tensor a = cpu.forward(x);
        Tensor b = gpu.forward(x.to(GPU));
        assertEquals(GPU, b.device());
        assertArrayEquals(a.shape(), b.shape());
        CudaParityTest.assertClose("ConvTranspose1d module", a, b.cpu());
    }

    @Test
    void aWindowsLastNaNWinsAsInPyTorch() {
        // session 38: PyTorch's kernels take a value when (val > maxval) || isnan(val), so a window holding two NaNs
        // points at the last; maxPoolK kept the first (the CPU's 2-d kernels too, fixed with PoolFloat32Test's case,
        // whose PyTorch 1.13 indices these are)
        double n = Double.NaN;
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.tensor(new double[] {n, 1, 2, n, 3, n, n, 4, 5, 6, 7, 8}, DType.FLOAT64).reshape(1, 1, 3, 4)
                    .to(dtype).to(GPU);
            assertArrayEquals(new long[] {5, 6}, Tensor.maxPool2dWithIndices(x, new int[] {2}, new int[] {2},
                    new int[] {0}, new int[] {1}, false).indices().cpu().toLongArray(), "2x2 " + dtype);
            assertArrayEquals(new long[] {5, 6, 6, 6, 5, 6, 6, 6, 5, 6, 6, 6}, Tensor.maxPool2dWithIndices(x,
                    new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, false).indices().cpu().toLongArray(),
                    "3x3 " + dtype);
            Tensor xg = x.detach().requiresGrad_(true);
            Tensor.maxPool2d(xg, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, false).sum().backward();
            assertArrayEquals(new double[] {0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, xg.grad().cpu().toDoubleArray(),
                    "2x2 gradient " + dtype);
            Tensor row = Tensor.tensor(new double[] {1, n, n, 2, n, 3}, DType.FLOAT64).reshape(1, 1, 6).to(dtype).to(GPU);
            assertArrayEquals(new long[] {1, 2, 4}, Functional.maxPool1dWithIndices(row, 3, 2, 1, 1, false).indices()
                    .cpu().toLongArray(), "1-d " + dtype);
        }
    }
}
