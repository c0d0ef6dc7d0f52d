package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unweighted CPU nll_loss (and cross_entropy through it) that session 47 made gather each kept target's element
 * and scatter its gradient, instead of building [N, C] one-hots. Expected values by PyTorch's exact rule
 * (nll_loss_out_frame / nll_loss_backward_out_frame): the loss of row i is {@code 0 - x[i, t_i]} (0 for an ignored
 * target), "sum" adds them, "mean" divides by the number of kept targets; the gradient is {@code -g} (over the count
 * for "mean") at each kept {@code (i, t_i)} and +0 elsewhere. The cases the gather could get wrong: an ignored target
 * whose row holds nan or inf at class 0 (the gather reads class 0 there), nan and -inf at classes not picked, a picked
 * -0, an ignore index inside [0, C), a [C] input with a 0-d target, and a second-order gradient (create_graph keeps
 * the composed, differentiable backward).
 */
class NllGatherPathTest {
    private static final float NAN = Float.NaN;
    private static final float INF = Float.POSITIVE_INFINITY;

    private static Tensor input() {
        return Tensor.fromArray(new float[] {
            NAN, 1.5f, -2f, 0.25f,     // row 0: target 1
            INF, -0f, 3f, NAN,         // row 1: target 1 (picks -0)
            NAN, 2f, -INF, 7f,         // row 2: ignored (-100): class 0 is nan
            -1f, 0.5f, 4f, -INF}).view(4, 4);
    }

    private static final long[] TARGET = {1, 1, -100, 2};

    private static int bits(float f) {
        return Float.floatToRawIntBits(f);
    }

    @Test
    void lossesByTheRule() {
        Tensor t = Tensor.fromArray(TARGET);
        float[] none = Tensor.nllLoss(input(), t, null, "none", -100).toFloatArray();
        float[] expected = {0f - 1.5f, 0f - -0f, 0f, 0f - 4f};
        for (int i = 0; i < 4; i++) {
            assertEquals(bits(expected[i]), bits(none[i]), "row " + i);
        }
        assertEquals(bits(-1.5f + 0f + 0f + -4f), bits((float) Tensor.nllLoss(input(), t, null, "sum", -100).item()));
        assertEquals(bits((-1.5f + 0f + 0f + -4f) / 3f), bits((float) Tensor.nllLoss(input(), t, null, "mean", -100).item()));
    }

    @Test
    void gradientsByTheRule() {
        Tensor t = Tensor.fromArray(TARGET);
        for (String red : new String[] {"none", "sum", "mean"}) {
            Tensor x = input().requiresGrad_(true);
            Tensor loss = Tensor.nllLoss(x, t, null, red, -100);
            if (red.equals("none")) {
                loss.backward(Tensor.fromArray(new float[] {2f, NAN, 5f, -3f}));
            } else {
                loss.backward();
            }
            float[] g = x.grad().toFloatArray();
            float[] expected = new float[16];
            float unit = red.equals("mean") ? -1f / 3f : -1f;
            expected[1] = red.equals("none") ? -2f : unit;
            expected[4 + 1] = red.equals("none") ? -NAN : unit;
            expected[12 + 2] = red.equals("none") ? 3f : unit;
            for (int i = 0; i < 16; i++) {
                if (Float.isNaN(expected[i])) {
                    assertTrue(Float.isNaN(g[i]), red + " element " + i);
                } else {
                    assertEquals(bits(expected[i]), bits(g[i]), red + " element " + i);
                }
            }
        }
    }

    /**
     * No target ignored: session 53's path reads the targets on the host and skips the kept-target mask; the losses,
     * the total and the gradients are the rule's and bit for bit those of the masked path
     * ({@code -Dember.nll.masked=true}), float32 and float64, nan and inf at classes not picked, a picked -0 and a
     * picked inf; an out-of-range target is still refused in PyTorch's words.
     */
    @Test
    void noTargetIgnoredSkipsTheMaskWithTheSameBits() {
        double[] data = {NAN, 1.5, -2, 0.25, INF, -0.0, 3, NAN, NAN, 2, -INF, 7, -1, 0.5, 4, -INF};
        long[] target = {1, 1, 0, 2};
        double[] rule = {0 - 1.5, 0 - -0.0, 0 - NAN, 0 - 4.0};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (String red : new String[] {"none", "sum", "mean"}) {
                double[][] got = new double[2][];
                double[][] grads = new double[2][];
                for (int masked = 0; masked < 2; masked++) {
                    String old = System.setProperty("ember.nll.masked", masked == 1 ? "true" : "false");
                    try {
                        Tensor x = Tensor.fromArray(data).to(dt).view(4, 4).requiresGrad_(true);
                        Tensor loss = Tensor.nllLoss(x, Tensor.fromArray(target), null, red, -100);
                        if (red.equals("none")) {
                            loss.backward(Tensor.fromArray(new double[] {2, -1, 5, -3}).to(dt));
                        } else {
                            loss.backward();
                        }
                        got[masked] = loss.toDoubleArray();
                        grads[masked] = x.grad().toDoubleArray();
                    } finally {
                        if (old == null) {
                            System.clearProperty("ember.nll.masked");
                        } else {
                            System.setProperty("ember.nll.masked", old);
                        }
                    }
                }
                String what = dt + " " + red;
                if (red.equals("none")) {
                    for (int i = 0; i < 4; i++) {
                        assertEquals(Double.doubleToLongBits(rule[i]), Double.doubleToLongBits(got[0][i]),
                                what + " row " + i);
                    }
                } else {
                    assertTrue(Double.isNaN(got[0][0]), what); // row 2 picks the nan at class 0
                }
                for (int i = 0; i < got[0].length; i++) {
                    assertEquals(Double.doubleToRawLongBits(got[1][i]), Double.doubleToRawLongBits(got[0][i]), what);
                }
                for (int i = 0; i < 16; i++) {
                    assertEquals(Double.doubleToRawLongBits(grads[1][i]), Double.doubleToRawLongBits(grads[0][i]),
                            what + " gradient element " + i);
                }
                double unit = red.equals("mean") ? -1.0 / 4 : -1.0;
                assertEquals(red.equals("none") ? -2.0 : unit, grads[0][1], what);
            }
        }
        // finite picks: the mean is the rule's, (0 - 1.5 + 0 - -0 + 0 - 3 + 0 - 4) / 4 in either order of the sum
        Tensor x = Tensor.fromArray(new float[] {NAN, 1.5f, -2f, 0.25f, INF, -0f, 3f, NAN, 3f, 2f, -INF, 7f,
            -1f, 0.5f, 4f, -INF}).view(4, 4);
        assertEquals(bits((-1.5f + 0f - 3f - 4f) / 4f),
                bits((float) Tensor.nllLoss(x, Tensor.fromArray(target), null, "mean", -100).item()));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> Tensor.nllLoss(x, Tensor.fromArray(new long[] {1, 4, 0, 2}), null, "mean", -100));
        assertEquals("Target 4 is out of bounds.", e.getMessage());
    }

    @Test
    void ignoreIndexInsideTheClasses() {
        Tensor x = Tensor.fromArray(new float[] {1f, 2f, 3f, 4f, 5f, 6f}).view(2, 3).requiresGrad_(true);
        Tensor t = Tensor.fromArray(new long[] {2, 0});
        Tensor loss = Tensor.nllLoss(x, t, null, "mean", 0);
        assertEquals(bits(-3f), bits((float) loss.item()));
        loss.backward();
        float[] g = x.grad().toFloatArray();
        float[] expected = {0f, 0f, -1f, 0f, 0f, 0f};
        for (int i = 0; i < 6; i++) {
            assertEquals(bits(expected[i]), bits(g[i]), "element " + i);
        }
    }

    @Test
    void oneSampleWithoutABatch() {
        Tensor x = Tensor.fromArray(new float[] {0.5f, -1f, 2f}).requiresGrad_(true);
        Tensor loss = Tensor.nllLoss(x, Tensor.tensor(2L), null, "mean", -100);
        assertEquals(0, loss.dim());
        assertEquals(bits(-2f), bits((float) loss.item()));
        loss.backward();
        float[] g = x.grad().toFloatArray();
        assertEquals(bits(0f), bits(g[0]));
        assertEquals(bits(0f), bits(g[1]));
        assertEquals(bits(-1f), bits(g[2]));
    }

    @Test
    void crossEntropySecondOrderStillDifferentiates() {
        // d/dx of sum(dL/dx * w): the gradient of a gradient through log_softmax and nll's backward (create_graph)
        Tensor x = Tensor.fromArray(new double[] {0.1, 0.7, -0.3, 1.2, -0.5, 0.4}).view(2, 3).requiresGrad_(true);
        Tensor t = Tensor.fromArray(new long[] {2, 0});
        Tensor loss = Functional.crossEntropy(x, t);
        Tensor gx = Autograd.grad(List.of(loss), List.of(x), null, true, true, false).get(0);
        Tensor w = Tensor.fromArray(new double[] {1, -2, 3, 0.5, 4, -1}).view(2, 3);
        Tensor ggx = Autograd.grad(List.of(gx.mul(w).sum()), List.of(x), null, false, false, false).get(0);
        // the same through the composition written out: -mean(log_softmax(x)[i, t_i])
        Tensor x2 = x.detach().requiresGrad_(true);
        Tensor ls = x2.logSoftmax(1);
        Tensor loss2 = ls.get(0, 2).add(ls.get(1, 0)).div(-2.0);
        Tensor gx2 = Autograd.grad(List.of(loss2), List.of(x2), null, true, true, false).get(0);
        Tensor ggx2 = Autograd.grad(List.of(gx2.mul(w).sum()), List.of(x2), null, false, false, false).get(0);
        double[] a = ggx.toDoubleArray();
        double[] b = ggx2.toDoubleArray();
        boolean nonzero = false;
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i], a[i], 1e-12, "element " + i);
            nonzero |= a[i] != 0;
        }
        assertTrue(nonzero);
    }
}
