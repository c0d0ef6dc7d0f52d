package dev.ember.cuda;

import dev.ember.Generator;
import dev.ember.LstmState;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
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

/**
 * Issue 15's convolution, resampling and recurrent layers on CUDA against the CPU reference, forward and backward, on
 * odd sizes, non-contiguous and expanded inputs and empty batches: conv1d and conv_transpose2d (the convolution
 * kernels), adaptive pooling and bilinear upsampling (resample_kernels.cu), nearest upsampling and pixel shuffle (index
 * and copy kernels), and LSTM/GRU (their compositions).
 */
@ExtendWith(CudaGate.class)
class CudaLayers2Test {
    private static final Generator GEN = new Generator(2027);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> convolutions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("conv1d", a -> Functional.conv1d(a[0], a[1], a[2], ints(2), ints(1), ints(2), 2), r(5, 6, 37), r(8, 3, 5),
                r(8)));
        t.add(p("conv1d unbatched non-contiguous", a -> Functional.conv1d(nc(a[0]), a[1], null), r(3, 17), r(4, 3, 3)));
        t.add(p("conv1d empty batch", a -> Functional.conv1d(a[0], a[1], a[2]), r(0, 3, 9), r(4, 3, 3), r(4)));
        t.add(p("conv_transpose2d", a -> Functional.convTranspose2d(a[0], a[1], a[2], ints(2, 3), ints(1, 0), ints(1, 2), 2,
                ints(1, 1)), r(3, 4, 11, 7), r(4, 5, 3, 4), r(10)));
        t.add(p("conv_transpose2d dilated", a -> Functional.convTranspose2d(nc(a[0]), a[1], null, ints(1), ints(0), ints(1), 1,
                ints(2)), r(2, 3, 9, 13), r(3, 2, 3, 3)));
        t.add(p("conv_transpose2d empty batch", a -> Functional.convTranspose2d(a[0], a[1], a[2]), r(0, 3, 4, 4), r(3, 2, 2, 2),
                r(2)));
        // double backward: the input gradient of a squared output, made with create_graph, differentiated again
        t.add(p("conv2d double backward", a -> inputGradient(Tensor.conv2d(a[0], a[1], a[2], ints(2, 1), ints(1), ints(1, 2),
                2), a[0]), r(2, 4, 9, 7), r(6, 2, 3, 3), r(6)));
        t.add(p("conv_transpose2d double backward", a -> inputGradient(Functional.convTranspose2d(a[0], a[1], null, ints(2),
                ints(1), ints(1), 1, ints(1)), a[0]), r(2, 3, 5, 6), r(3, 4, 3, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> resampling() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("adaptive_avg_pool2d", a -> Functional.adaptiveAvgPool2d(a[0], ints(5, 3)), r(4, 7, 23, 17)));
        t.add(p("adaptive_avg_pool2d upsampling non-contiguous", a -> Functional.adaptiveAvgPool2d(nc(a[0]), ints(9, 11)),
                r(3, 5, 4)));
        t.add(p("adaptive_avg_pool2d 1x1", a -> Functional.adaptiveAvgPool2d(a[0], 1), r(4, 7, 9, 5)));
        t.add(p("adaptive_max_pool2d", a -> Functional.adaptiveMaxPool2d(a[0], ints(4, 6)), r(3, 5, 17, 19)));
        t.add(p("adaptive_max_pool2d expanded", a -> Functional.adaptiveMaxPool2d(a[0].expand(2, 3, 7, 8), ints(3, 3)),
                r(1, 1, 7, 8)));
        t.add(p("nearest", a -> Functional.interpolate(a[0], 2.0, "nearest"), r(3, 4, 9, 7)));
        t.add(p("nearest-exact", a -> Functional.interpolate(nc(a[0]), ints(13, 5), "nearest-exact"), r(2, 3, 7, 9)));
        t.add(p("nearest 3-D", a -> Functional.interpolate(a[0], ints(5, 4, 7), "nearest"), r(1, 2, 3, 3, 4)));
        t.add(p("bilinear", a -> Functional.interpolate(a[0], ints(19, 23), "bilinear"), r(3, 4, 9, 7)));
        t.add(p("bilinear align_corners non-contiguous", a -> Functional.interpolate(nc(a[0]), ints(5, 6), null, "bilinear",
                true, null), r(2, 3, 11, 13)));
        t.add(p("bilinear scale", a -> Functional.interpolate(a[0], null, new double[] {1.5, 0.7}, "bilinear", null, null),
                r(2, 3, 8, 9)));
        t.add(p("bilinear empty batch", a -> Functional.interpolate(a[0], ints(4), "bilinear"), r(0, 3, 5, 5)));
        // grid_sample and affine_grid (gathers and scatter-adds on the device)
        for (String padding : new String[] {"zeros", "border", "reflection"}) {
            t.add(p("grid_sample bilinear " + padding, a -> Functional.gridSample(a[0], a[1].mul(0.7), "bilinear", padding,
                    false), r(2, 3, 9, 11), r(2, 5, 7, 2)));
            t.add(p("grid_sample nearest " + padding + " align_corners", a -> Functional.gridSample(nc(a[0]), a[1].mul(0.7),
                    "nearest", padding, true), r(2, 3, 9, 11), r(2, 5, 7, 2)));
        }
        t.add(p("affine_grid then grid_sample", a -> Functional.gridSample(a[1], Functional.affineGrid(a[0].mul(0.5),
                ints(2, 3, 8, 10), false), "bilinear", "zeros", false), r(2, 2, 3), r(2, 3, 9, 11)));
        t.add(p("bicubic", a -> Functional.interpolate(a[0], ints(19, 23), "bicubic"), r(3, 4, 9, 7)));
        t.add(p("bicubic align_corners non-contiguous, downsampling", a -> Functional.interpolate(nc(a[0]), ints(5, 6), null,
                "bicubic", true, null), r(2, 3, 11, 13)));
        t.add(p("bicubic scale", a -> Functional.interpolate(a[0], null, new double[] {1.5, 0.7}, "bicubic", null, null),
                r(2, 3, 8, 9)));
        t.add(p("pixel_shuffle", a -> Functional.pixelShuffle(nc(a[0]), 3), r(2, 18, 5, 7)));
        t.add(p("pixel_unshuffle", a -> Functional.pixelUnshuffle(a[0], 2), r(2, 3, 10, 6)));
        return t;
    }

    @TestFactory
    List<DynamicTest> recurrent() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("lstm_cell", a -> {
            LstmState s = Tensor.lstmCell(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
            return Tensor.cat(List.of(s.h(), s.c()), 1);
        }, r(5, 7), r(5, 6), r(5, 6), r(24, 7), r(24, 6), r(24), r(24)));
        t.add(p("gru_cell", a -> Tensor.gruCell(a[0], a[1], a[2], a[3], a[4], a[5]), r(5, 7), r(5, 6), r(18, 7), r(18, 6),
                r(18), r(18)));
        t.add(p("lstm bidirectional", a -> {
            RnnOutput o = Tensor.lstm(a[0], a[1], a[2], List.of(a).subList(3, a.length), true, 1, 0, false, true, false);
            return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1), o.c().reshape(-1)), 0);
        }, r(9, 4, 5), r(2, 4, 6), r(2, 4, 6), r(24, 5), r(24, 6), r(24), r(24), r(24, 5), r(24, 6), r(24), r(24)));
        t.add(p("gru batch first", a -> {
            RnnOutput o = Tensor.gru(a[0], a[1], List.of(a).subList(2, a.length), false, 1, 0, false, false, true);
            return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1)), 0);
        }, r(4, 9, 5), r(1, 4, 6), r(18, 5), r(18, 6)));
        return t;
    }

    @Test
    void modulesMoveToTheDevice() {
        LSTM lstm = new LSTM(5, 6, 2, true, true, 0, true, 3);
        GRU gru = new GRU(5, 6, 2);
        Tensor x = r(4, 9, 5);
        RnnOutput a = lstm.forward(x, null);
        Tensor b = gru.forward(x.transpose(0, 1));
        lstm.to(GPU);
        gru.to(GPU);
        RnnOutput c = lstm.forward(x.to(GPU), null);
        assertEquals(GPU, c.output().device());
        assertArrayEquals(a.output().toDoubleArray(), c.output().cpu().toDoubleArray(), 1e-4);
        assertArrayEquals(a.c().toDoubleArray(), c.c().cpu().toDoubleArray(), 1e-4);
        assertArrayEquals(b.toDoubleArray(), gru.forward(x.to(GPU).transpose(0, 1)).cpu().toDoubleArray(), 1e-4);
    }
}
