package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Bilinear;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.inputGradient;
import static dev.ember.cuda.CudaParity.ints;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LayersMoreTest's ops on CUDA against the CPU reference, forward and backward: one_hot, unfold / fold (composed from
 * pad, index_select and index_add, so they run on the device with no kernel of their own), bilinear, max_unpool2d, the
 * convolution padding modes, and channel-wise dropout's zeroed channels on the device.
 */
@ExtendWith(CudaGate.class)
class CudaLayersMoreTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> parity() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("unfold", a -> Functional.unfold(a[0], ints(2, 3), ints(2, 1), ints(1, 2), ints(2, 3)), r(3, 4, 11, 13)));
        t.add(p("unfold unbatched non-contiguous", a -> Functional.unfold(nc(a[0]), ints(3), ints(1), ints(1), ints(1)),
                r(2, 7, 6)));
        t.add(p("unfold empty batch", a -> Functional.unfold(a[0], ints(2)), r(0, 3, 4, 4)));
        t.add(p("fold", a -> Functional.fold(a[0], ints(9, 10), ints(3, 2), ints(1, 2), ints(1, 0), ints(2, 1)), r(2, 12, 40)));
        t.add(p("fold overlapping", a -> Functional.fold(a[0], ints(6, 6), ints(3), ints(1), ints(1), ints(1)), r(1, 18, 36)));
        t.add(p("unfold double backward", a -> inputGradient(Functional.unfold(a[0], ints(3), ints(1), ints(1), ints(2)), a[0]),
                r(2, 3, 7, 8)));
        t.add(p("bilinear", a -> Functional.bilinear(a[0], a[1], a[2], a[3]), r(2, 5, 7), r(2, 5, 3), r(4, 7, 3), r(4)));
        t.add(p("bilinear non-contiguous", a -> Functional.bilinear(nc(a[0]), nc(a[1]), a[2], null), r(6, 5), r(4, 6),
                r(3, 6, 4)));
        Tensor x = r(2, 3, 8, 10);
        Tensor.ValuesIndices vi = Tensor.maxPool2dWithIndices(x, ints(2), ints(2), ints(0), ints(1), false);
        t.add(p("max_unpool2d", a -> Functional.maxUnpool2d(a[0], a[1], ints(2), null, ints(0), ints(9, 11)), vi.values(),
                vi.indices()));
        t.add(p("max_pool2d with indices on the device", a -> Tensor.maxPool2dWithIndices(a[0], ints(3, 2), ints(2, 1), ints(1),
                ints(1), false).values(), r(2, 3, 9, 7)));
        for (String mode : new String[] {"reflect", "replicate", "circular"}) {
            t.add(p("conv2d padding_mode " + mode, a -> Functional.conv2d(Functional.pad(a[0], ints(2, 1, 1, 1), mode), a[1], a[2],
                    ints(1), ints(0), ints(1), 1), r(2, 3, 7, 9), r(4, 3, 3, 4), r(4)));
        }
        t.add(p("conv2d same", a -> Functional.conv2d(a[0], a[1], null, "same", ints(2, 1), 1), r(2, 3, 8, 9), r(4, 3, 4, 3)));
        return t;
    }

    @Test
    void oneHotOnTheDevice() {
        Tensor idx = Tensor.tensor(new long[] {0, 4, 2, 2, 1, 3}, DType.INT64, Device.CPU).reshape(2, 3);
        Tensor a = Functional.oneHot(idx);
        Tensor b = Functional.oneHot(idx.to(GPU), 7);
        assertEquals(GPU, b.device());
        assertEquals(DType.INT64, b.dtype());
        assertArrayEquals(Functional.oneHot(idx, 7).toDoubleArray(), b.cpu().toDoubleArray());
        assertArrayEquals(ints(2, 3, 5), a.shape());
    }

    @Test
    void modulesOnTheDevice() {
        Bilinear bil = new Bilinear(5, 3, 4);
        Tensor x1 = r(6, 5);
        Tensor x2 = r(6, 3);
        Tensor want = bil.forward(x1, x2);
        bil.to(GPU);
        assertArrayEquals(want.toDoubleArray(), bil.forward(x1.to(GPU), x2.to(GPU)).cpu().toDoubleArray(), 1e-4);
        Conv2d conv = new Conv2d(2, 3, ints(3), ints(1), "same", ints(1), 1, true, "circular");
        Tensor x = r(1, 2, 6, 5);
        Tensor c = conv.forward(x);
        conv.to(GPU);
        assertArrayEquals(c.toDoubleArray(), conv.forward(x.to(GPU)).cpu().toDoubleArray(), 1e-4);
    }

    @Test
    void channelDropoutOnTheDevice() {
        Tensor x = Tensor.rand(GEN, DType.FLOAT32, 8, 16, 3, 3).add(1.0).to(GPU);
        double[] y = Functional.dropout2d(x, 0.5, true).cpu().toDoubleArray();
        double[] xs = x.cpu().toDoubleArray();
        int dropped = 0;
        for (int c = 0; c < 8 * 16; c++) {
            boolean zero = y[c * 9] == 0;
            dropped += zero ? 1 : 0;
            for (int j = 0; j < 9; j++) {
                assertEquals(zero ? 0 : xs[c * 9 + j] * 2, y[c * 9 + j], 1e-5);
            }
        }
        assertTrue(dropped > 0 && dropped < 8 * 16);
    }
}
