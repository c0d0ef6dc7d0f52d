package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradchecks (first and second order, float64) of the views and stacks session 18 added: {@code unfold} with
 * overlapping and gapped windows, {@code as_strided} with outputs that read an element several times and an input
 * whose elements share storage, the stacks and {@code squeeze(dims)}. Their values, strides, nodes and errors against
 * PyTorch are in ShapeSweepTest (shapesweep/make_expected.py).
 */
class ShapeViewsChecksTest {
    private static Tensor r(long seed, int... shape) {
        return Tensor.rand(new Generator(seed), DType.FLOAT64, shape).mul(2.0).sub(1.0).requiresGrad_(true);
    }

    /**
     * {@code y * y}: the views are linear, so their first gradient does not depend on the input; squaring makes the
     * second-order check run through the views' backward (index_add) and its own backward.
     */
    private static Tensor sq(Tensor y) {
        return y.mul(y);
    }

    @Test
    void unfoldGradchecks() {
        Tensor x = r(1, 3, 7, 2);
        // overlapping windows (step 1 < size 3), gapped windows (step 3 > size 2), a transposed input, 0-dim
        assertTrue(Autograd.gradcheck(a -> a[0].unfold(1, 3, 1), x));
        assertTrue(Autograd.gradgradcheck(a -> sq(a[0].unfold(1, 3, 1)), x));
        assertTrue(Autograd.gradcheck(a -> a[0].unfold(1, 2, 3), x));
        assertTrue(Autograd.gradcheck(a -> a[0].transpose(0, 1).unfold(-1, 2, 1), x));
        assertTrue(Autograd.gradgradcheck(a -> sq(a[0].transpose(0, 1).unfold(-1, 2, 1)), x));
        assertTrue(Autograd.gradcheck(a -> a[0].unfold(0, 1, 1), r(2)));
    }

    @Test
    void asStridedGradchecks() {
        Tensor x = r(3, 3, 4);
        // overlapping output: every window of 3 consecutive storage elements, 2 apart
        assertTrue(Autograd.gradcheck(a -> a[0].asStrided(new int[] {5, 3}, new int[] {2, 1}, 0), x));
        assertTrue(Autograd.gradgradcheck(a -> sq(a[0].asStrided(new int[] {5, 3}, new int[] {2, 1}, 0)), x));
        // a broadcast read (stride 0) from a transposed view's storage, at an offset
        assertTrue(Autograd.gradcheck(a -> a[0].t().asStrided(new int[] {2, 3}, new int[] {0, 1}, 4), x));
        // an input whose elements share storage (expanded): PyTorch shares the gradient out between them
        Tensor e = r(5, 3, 1);
        assertTrue(Autograd.gradcheck(a -> a[0].expand(3, 4).asStrided(new int[] {2, 2}, new int[] {1, 1}, 0), e));
        assertEquals("AsStridedBackward0", x.asStrided(new int[] {2}, new int[] {1}).gradFn().name());
    }

    @Test
    void asStridedIsAViewOfTheStorage() {
        Tensor x = Tensor.arange(0, 12, 1, DType.FLOAT64).reshape(3, 4);
        Tensor v = x.asStrided(new int[] {2, 2}, new int[] {1, 4}, 1);
        assertArrayEquals(new double[] {1, 5, 2, 6}, v.toDoubleArray());
        v.fill_(-1.0);
        assertArrayEquals(new double[] {0, -1, -1, 3, 4, -1, -1, 7, 8, 9, 10, 11}, x.toDoubleArray());
    }

    @Test
    void stacksAndSqueezeGradcheck() {
        Tensor a = r(7, 3);
        Tensor b = r(8, 3);
        assertTrue(Autograd.gradcheck(t -> Tensor.hstack(List.of(t[0], t[1])), a, b));
        assertTrue(Autograd.gradcheck(t -> Tensor.vstack(List.of(t[0], t[1])), a, b));
        assertTrue(Autograd.gradcheck(t -> Tensor.dstack(List.of(t[0], t[1])), a, b));
        assertTrue(Autograd.gradcheck(t -> Tensor.columnStack(List.of(t[0], t[1])), a, b));
        Tensor q = r(9, 2, 1, 3, 1);
        assertTrue(Autograd.gradgradcheck(t -> sq(t[0].squeeze(1, 3)), q));
    }

    @Test
    void aliasesAndAtleastGradcheck() {
        Tensor x = r(17, 3, 4);
        assertTrue(Autograd.gradcheck(t -> t[0].swapaxes(0, 1), x));
        assertTrue(Autograd.gradcheck(t -> t[0].swapdims(1, 0), x));
        assertTrue(Autograd.gradcheck(t -> t[0].moveaxis(0, -1), x));
        assertTrue(Autograd.gradcheck(t -> t[0].fliplr(), x));
        assertTrue(Autograd.gradcheck(t -> t[0].flipud(), x));
        Tensor v = r(18, 4);
        Tensor s = r(19, 1).reshape();
        for (Tensor in : new Tensor[] {s, v, x}) {
            assertTrue(Autograd.gradcheck(t -> t[0].atleast1d().mul(2.0), in));
            assertTrue(Autograd.gradcheck(t -> t[0].atleast2d().mul(2.0), in));
            assertTrue(Autograd.gradcheck(t -> t[0].atleast3d().mul(2.0), in));
        }
    }

    @Test
    void rotationsDifferencesAndBlocksGradcheck() {
        Tensor x = r(11, 3, 4, 2);
        for (int k = -1; k <= 4; k++) {
            int turns = k;
            assertTrue(Autograd.gradcheck(t -> t[0].rot90(turns, 2, 0), x));
        }
        assertTrue(Autograd.gradgradcheck(t -> sq(t[0].rot90(1, 0, 1)), x));
        Tensor p = r(12, 3, 1, 2);
        assertTrue(Autograd.gradcheck(t -> t[0].diff(2, 1, t[1], t[1].mul(2.0)), x, p));
        assertTrue(Autograd.gradgradcheck(t -> sq(t[0].diff(1, -1, null, null)), x));
        Tensor m = r(13, 2, 3);
        Tensor v = r(14, 4);
        Tensor s = r(15);
        assertTrue(Autograd.gradcheck(t -> Tensor.blockDiag(List.of(t[0], t[1], t[2])), m, v, s.reshape()));
        assertTrue(Autograd.gradgradcheck(t -> sq(Tensor.blockDiag(List.of(t[0], t[1]))), m, v));
        assertTrue(Autograd.gradcheck(t -> Tensor.cartesianProd(List.of(t[0], t[1])), v, r(16, 3)));
        assertTrue(Autograd.gradcheck(t -> t[0].combinations(3, true), v));
    }

    @Test
    void newOpsKeepEveryTensorOnABadArgument() {
        Tensor x = Tensor.arange(0, 6, 1, DType.FLOAT64).reshape(2, 3);
        int version = x.version();
        for (Runnable bad : List.<Runnable>of(() -> x.rot90(1, 0, 0), () -> x.diff(-1, 0, null, null),
                () -> x.diff(1, 0, Tensor.zeros(DType.FLOAT64, 1, 2), null), () -> x.unfold(1, 4, 1),
                () -> x.asStrided(new int[] {3, 3}, new int[] {3, 1}, 0), () -> x.squeeze(0, 0),
                () -> Tensor.blockDiag(List.of(x, x.reshape(1, 2, 3))), () -> x.combinations(2, false))) {
            try {
                bad.run();
                throw new AssertionError("no error");
            } catch (IllegalArgumentException | IndexOutOfBoundsException expected) {
                assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, x.toDoubleArray());
                assertEquals(version, x.version());
            }
        }
    }
}
