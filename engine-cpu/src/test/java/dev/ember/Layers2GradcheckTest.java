package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Float64 finite-difference gradient checks of the convolution, resampling and recurrent ops, and second-order
 * checks where PyTorch's backward is differentiable and Ember's is too: adaptive pooling, upsampling and pixel shuffle
 * (their backward ops are recorded nodes; checked squared, as a linear op's gradient does not depend on its input), the
 * recurrent compositions, and the convolutions: their backward runs the gradient kernels, but under create_graph it
 * runs as differentiable convolutions (PyTorch's convolution double backward), checked to second order here with
 * strides, padding, dilation, groups, output padding and the 1-D and unbatched forms.
 */
class Layers2GradcheckTest {
    private static final Generator GEN = new Generator(1515);

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2).sub(1).detach().requiresGrad_(true);
    }

    private static int[] ints(int... v) {
        return v;
    }

    private static DynamicTest check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name, () -> assertTrue(Autograd.gradcheck(f, inputs)));
    }

    private static DynamicTest check2(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name + " (second order)", () -> assertTrue(Autograd.gradgradcheck(f, inputs)));
    }

    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    @TestFactory
    List<DynamicTest> convolutions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("conv1d", x -> Functional.conv1d(x[0], x[1], x[2], ints(2), ints(1), ints(2), 2), r(2, 4, 9), r(4, 2, 3),
                r(4)));
        t.add(check("conv1d unbatched, non-contiguous", x -> Functional.conv1d(nc(x[0]), x[1], null), r(3, 6), r(2, 3, 2)));
        t.add(check("conv_transpose2d", x -> Functional.convTranspose2d(x[0], x[1], x[2], ints(2, 1), ints(1, 0), ints(1, 0), 2,
                ints(1, 2)), r(2, 4, 3, 4), r(4, 2, 3, 2), r(4)));
        t.add(check("conv_transpose2d output padding below the dilation", x -> Functional.convTranspose2d(x[0], x[1], null,
                ints(1), ints(0), ints(1), 1, ints(2)), r(1, 2, 3, 3), r(2, 2, 2, 2)));
        t.add(check("conv_transpose2d unbatched", x -> Functional.convTranspose2d(nc(x[0]), x[1], x[2], ints(3), ints(1),
                ints(2), 1, ints(1)), r(3, 2, 3), r(3, 2, 2, 3), r(2)));
        // second order: a convolution is bilinear in input and weight, so each gradient depends on the other operand
        t.add(check2("conv2d", x -> Tensor.conv2d(x[0], x[1], x[2], ints(1), ints(0), ints(1), 1), r(2, 3, 5, 4),
                r(2, 3, 3, 2), r(2)));
        t.add(check2("conv2d stride, padding, dilation, groups", x -> Tensor.conv2d(x[0], x[1], x[2], ints(2, 1),
                ints(1, 2), ints(1, 2), 2), r(2, 4, 6, 5), r(4, 2, 3, 2), r(4)));
        t.add(check2("conv2d stride dropping the last rows, non-contiguous", x -> Tensor.conv2d(nc(x[0]), x[1], null,
                ints(3), ints(0), ints(1), 1), r(1, 2, 7, 6), r(3, 2, 2, 2)));
        t.add(check2("conv2d unbatched", x -> Tensor.conv2d(x[0], x[1], null, ints(1), ints(1), ints(1), 1), r(2, 4, 3),
                r(2, 2, 3, 3)));
        t.add(check2("conv1d", x -> Functional.conv1d(x[0], x[1], x[2], ints(2), ints(1), ints(2), 2), r(2, 4, 9),
                r(4, 2, 3), r(4)));
        t.add(check2("conv_transpose2d", x -> Functional.convTranspose2d(x[0], x[1], x[2], ints(2, 1), ints(1, 0),
                ints(1, 0), 2, ints(1, 2)), r(2, 4, 3, 4), r(4, 2, 3, 2), r(4)));
        t.add(check2("conv_transpose2d unbatched, non-contiguous", x -> Functional.convTranspose2d(nc(x[0]), x[1], x[2],
                ints(3), ints(1), ints(2), 1, ints(1)), r(3, 2, 3), r(3, 2, 2, 3), r(2)));
        return t;
    }

    @TestFactory
    List<DynamicTest> resampling() {
        List<DynamicTest> t = new ArrayList<>();
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"adaptive_avg_pool2d", (Function<Tensor[], Tensor>) x -> Functional.adaptiveAvgPool2d(x[0],
                ints(3, 2)), r(2, 2, 5, 4)});
        cases.add(new Object[] {"adaptive_avg_pool2d upsampling, 3-D", (Function<Tensor[], Tensor>) x ->
                Functional.adaptiveAvgPool2d(nc(x[0]), ints(4, 5)), r(2, 3, 2)});
        cases.add(new Object[] {"adaptive_max_pool2d", (Function<Tensor[], Tensor>) x -> Functional.adaptiveMaxPool2d(x[0],
                ints(3, 2)), r(2, 2, 5, 4)});
        cases.add(new Object[] {"adaptive_max_pool2d overlapping windows", (Function<Tensor[], Tensor>) x ->
                Functional.adaptiveMaxPool2d(x[0], ints(4, 5)), r(1, 2, 3, 3)});
        cases.add(new Object[] {"nearest", (Function<Tensor[], Tensor>) x -> Functional.interpolate(x[0], null,
                new double[] {1.7, 0.6}, "nearest", null, null), r(1, 2, 4, 5)});
        cases.add(new Object[] {"nearest-exact 1-D", (Function<Tensor[], Tensor>) x -> Functional.interpolate(nc(x[0]),
                ints(7), "nearest-exact"), r(2, 3, 4)});
        cases.add(new Object[] {"nearest 3-D", (Function<Tensor[], Tensor>) x -> Functional.interpolate(x[0], ints(3, 2, 4),
                "nearest"), r(1, 1, 2, 3, 2)});
        cases.add(new Object[] {"bilinear", (Function<Tensor[], Tensor>) x -> Functional.interpolate(x[0], ints(5, 7),
                "bilinear"), r(2, 2, 3, 4)});
        cases.add(new Object[] {"bilinear align_corners, downsampling", (Function<Tensor[], Tensor>) x ->
                Functional.interpolate(nc(x[0]), ints(2, 3), null, "bilinear", true, null), r(1, 2, 5, 4)});
        cases.add(new Object[] {"bilinear scale factor", (Function<Tensor[], Tensor>) x -> Functional.interpolate(x[0], null,
                new double[] {1.5, 2.3}, "bilinear", null, null), r(1, 1, 3, 3)});
        cases.add(new Object[] {"bicubic", (Function<Tensor[], Tensor>) x -> Functional.interpolate(x[0], ints(5, 7),
                "bicubic"), r(2, 2, 3, 4)});
        cases.add(new Object[] {"bicubic align_corners, downsampling", (Function<Tensor[], Tensor>) x ->
                Functional.interpolate(nc(x[0]), ints(2, 3), null, "bicubic", true, null), r(1, 2, 5, 4)});
        cases.add(new Object[] {"bicubic scale factor", (Function<Tensor[], Tensor>) x -> Functional.interpolate(x[0], null,
                new double[] {1.5, 2.3}, "bicubic", null, null), r(1, 1, 3, 3)});
        cases.add(new Object[] {"pixel_shuffle", (Function<Tensor[], Tensor>) x -> Functional.pixelShuffle(x[0], 2),
                r(2, 8, 2, 3)});
        cases.add(new Object[] {"pixel_unshuffle", (Function<Tensor[], Tensor>) x -> Functional.pixelUnshuffle(nc(x[0]), 2),
                r(1, 2, 4, 6)});
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Function<Tensor[], Tensor> f = (Function<Tensor[], Tensor>) c[1];
            t.add(check((String) c[0], f, (Tensor) c[2]));
            // squared, so the first derivative depends on the input and its own derivative runs the backward's backward
            t.add(check2((String) c[0], x -> f.apply(x).pow(2), (Tensor) c[2]));
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> recurrent() {
        List<DynamicTest> t = new ArrayList<>();
        // torch.lstm over 2 layers, both directions, with a projection: input, states and every weight
        Tensor[] lstm = {r(3, 2, 2), r(4, 2, 2), r(4, 2, 3),
            r(12, 2), r(12, 2), r(12), r(12), r(2, 3), r(12, 2), r(12, 2), r(12), r(12), r(2, 3),
            r(12, 4), r(12, 2), r(12), r(12), r(2, 3), r(12, 4), r(12, 2), r(12), r(12), r(2, 3)};
        Function<Tensor[], Tensor> lstmFn = x -> {
            RnnOutput o = Tensor.lstm(x[0], x[1], x[2], List.of(x).subList(3, x.length), true, 2, 0, false, true, false);
            return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1), o.c().reshape(-1)), 0);
        };
        t.add(check("lstm", lstmFn, lstm));
        t.add(check2("lstm", lstmFn, lstm));
        Tensor[] gru = {r(2, 3, 2), r(1, 2, 3), r(9, 2), r(9, 3), r(9), r(9)};
        Function<Tensor[], Tensor> gruFn = x -> {
            RnnOutput o = Tensor.gru(x[0], x[1], List.of(x).subList(2, x.length), true, 1, 0, false, false, true);
            return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1)), 0);
        };
        t.add(check("gru batch first", gruFn, gru));
        t.add(check2("gru batch first", gruFn, gru));
        Tensor[] cell = {r(2, 3), r(2, 2), r(2, 2), r(8, 3), r(8, 2), r(8), r(8)};
        Function<Tensor[], Tensor> cellFn = x -> {
            LstmState s = Tensor.lstmCell(x[0], x[1], x[2], x[3], x[4], x[5], x[6]);
            return Tensor.cat(List.of(s.h(), s.c()), 1);
        };
        t.add(check("lstm_cell", cellFn, cell));
        t.add(check2("lstm_cell", cellFn, cell));
        Tensor[] gcell = {r(2, 3), r(2, 2), r(6, 3), r(6, 2)};
        Function<Tensor[], Tensor> gcellFn = x -> Tensor.gruCell(x[0], x[1], x[2], x[3], null, null);
        t.add(check("gru_cell without biases", gcellFn, gcell));
        t.add(check2("gru_cell without biases", gcellFn, gcell));
        return t;
    }
}
