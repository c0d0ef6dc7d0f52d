package dev.ember;

import dev.ember.backend.Pool2dParams;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * avg_pool2d with {@code divisor_override} gathers its windows' taps in blocks of bounded size
 * ({@link PoolingExtras#WINDOW_GATHER_LIMIT}) instead of all at once: the blocks must not change a bit. Each case runs
 * with one block (a limit past one tensor, the earlier single gather, whose values {@code FunctionalGapsTest} holds
 * to PyTorch), with blocks of one window of one plane, and with limits that split planes and windows unevenly; the
 * output, the input's gradient and the gradient of that gradient (AvgPool2DBackwardBackward0) must be bit-identical,
 * with their strides (channels-last inputs keep their format).
 */
class PoolingDivisorBlocksTest {

    private static final int[] LIMITS = {1, 5, 7, 40, 97, PoolingExtras.WINDOW_GATHER_LIMIT};

    /** One configuration: input shape, kernel, stride, padding, ceil mode, divisor, dtype, channels-last or not. */
    private record Case(int[] shape, int kh, int kw, int sh, int sw, int ph, int pw, boolean ceil, int divisor,
                        DType dtype, boolean channelsLast) {
    }

    @Test
    void blocksGiveTheSingleGathersBits() {
        List<Case> cases = List.of(
            new Case(new int[] {2, 3, 9, 11}, 3, 2, 2, 1, 1, 1, true, 5, DType.FLOAT32, false),
            new Case(new int[] {2, 3, 9, 11}, 3, 3, 1, 1, 1, 0, false, 2, DType.FLOAT64, false),
            new Case(new int[] {3, 7, 8}, 2, 4, 2, 3, 1, 2, true, 3, DType.FLOAT32, false),
            new Case(new int[] {2, 4, 6, 7}, 3, 3, 2, 2, 1, 1, false, 4, DType.FLOAT32, true),
            new Case(new int[] {1, 5, 10, 10}, 4, 4, 3, 3, 2, 2, true, 7, DType.FLOAT16, false),
            new Case(new int[] {2, 2, 7, 5}, 2, 3, 1, 2, 0, 1, false, 6, DType.BFLOAT16, true),
            new Case(new int[] {2, 3, 6, 6}, 3, 3, 2, 2, 1, 1, true, 4, DType.INT64, false),
            new Case(new int[] {0, 3, 6, 6}, 3, 3, 2, 2, 1, 1, false, 4, DType.FLOAT32, false));
        Generator gen = new Generator(41);
        for (Case c : cases) {
            Pool2dParams p = new Pool2dParams(c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, 1, 1, c.ceil, true);
            int rank = c.shape.length;
            int outH = p.outH(c.shape[rank - 2]);
            int outW = p.outW(c.shape[rank - 1]);
            Tensor base = c.dtype == DType.INT64 ? Tensor.randint(gen, -50, 50, c.shape)
                : Tensor.randn(gen, DType.FLOAT64, c.shape).to(c.dtype);
            if (c.channelsLast) {
                base = base.contiguous(MemoryFormat.CHANNELS_LAST);
            }
            boolean grads = c.dtype.isFloatingPoint();
            Tensor gOut = null;
            Tensor ggIn = null;
            String[] reference = null;
            for (int limit : LIMITS) {
                String what = Arrays.toString(c.shape) + " " + c.dtype + (c.channelsLast ? " channels-last" : "")
                    + ", limit " + limit;
                Tensor x = base.detach().requiresGrad_(grads);
                Tensor out = PoolingExtras.avgPool2dDivisor(x, p, outH, outW, c.divisor, limit);
                String[] got;
                if (grads) {
                    if (gOut == null) {
                        gOut = Tensor.randn(gen, DType.FLOAT64, out.shape()).to(c.dtype);
                        ggIn = Tensor.randn(gen, DType.FLOAT64, c.shape).to(c.dtype);
                    }
                    Tensor g = gOut.detach().requiresGrad_(true);
                    Tensor gx = Autograd.grad(List.of(out), List.of(x), List.of(g), true).get(0);
                    Tensor gg = Autograd.grad(List.of(gx), List.of(g), List.of(ggIn), false).get(0);
                    got = new String[] {bits(out), bits(gx), bits(gg), out.gradFn().name()};
                } else {
                    got = new String[] {bits(out)};
                }
                if (reference == null) {
                    reference = got;
                } else {
                    assertArrayEquals(reference, got, what);
                }
            }
        }
    }

    /** Shape, strides, dtype and every element's exact value (doubles print every float16/bfloat16/float32 exactly). */
    private static String bits(Tensor t) {
        return Arrays.toString(t.shape()) + Arrays.toString(t.stride()) + t.dtype() + Arrays.toString(t.toDoubleArray());
    }
}
