package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * float64 elu, celu and selu give a zero the positive branch ({@code x * scale}), as PyTorch 2.x's Elu.h does
 * ({@code a < 0 ? expm1(a * is) * nc : a * scale}): {@code elu(+0, alpha = -1)} is +0 (1.13 gave -0), forward and in
 * place, through the one-pass kernel and the composition ({@code -Dember.cpu.activation.composed=true}), against
 * {@code elusign/make_expected.py} (2.x emulated at the zeros, 1.13's bits elsewhere; elu_backward at the input from
 * 1.13, unchanged).
 */
class EluZeroSignTest {
    private static Tensor apply(String op, Tensor t, double alpha, boolean inplace) {
        switch (op) {
            case "elu":
                return inplace ? Functional.elu_(t, alpha) : Functional.elu(t, alpha);
            case "celu":
                return inplace ? Functional.celu_(t, alpha) : Functional.celu(t, alpha);
            default:
                return inplace ? Functional.selu_(t) : Functional.selu(t);
        }
    }

    private static void check(boolean composed) throws IOException {
        String text = new String(SleefPathFixture.resource("elusign/cases.txt"), StandardCharsets.US_ASCII);
        int checked = 0;
        int zeros = 0;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            String op = f[0];
            double alpha = Double.parseDouble(f[1]);
            double x = Double.longBitsToDouble(Long.parseUnsignedLong(f[4], 16));
            long want = Long.parseUnsignedLong(f[5], 16);
            long wantGrad = Long.parseUnsignedLong(f[6], 16);
            String what = op + "(" + x + ", alpha " + alpha + ")" + (composed ? " composed" : "");
            // a lone element and the same value amid a run of 37 (the kernel's vector part and tail)
            double[] run = new double[37];
            java.util.Arrays.fill(run, x);
            for (double[] values : new double[][] {{x}, run}) {
                Tensor leaf = Tensor.tensor(values, DType.FLOAT64).requiresGrad_(true);
                Tensor y = apply(op, leaf, alpha, false);
                y.backward(Tensor.tensor(filled(values.length, 1.5), DType.FLOAT64));
                double[] got = y.toDoubleArray();
                double[] grad = leaf.grad().toDoubleArray();
                Tensor in = Tensor.tensor(values.clone(), DType.FLOAT64);
                double[] gotInPlace = apply(op, in, alpha, true).toDoubleArray();
                for (int i = 0; i < values.length; i++) {
                    assertEquals(want, Double.doubleToRawLongBits(got[i]), what + ": " + got[i]);
                    assertEquals(want, Double.doubleToRawLongBits(gotInPlace[i]), what + " in place: " + gotInPlace[i]);
                    assertEquals(wantGrad, Double.doubleToRawLongBits(grad[i]), what + " backward: " + grad[i]);
                    checked++;
                }
            }
            zeros += x == 0 ? 1 : 0;
        }
        assertEquals(56 * 38, checked);
        assertEquals(16, zeros);
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void zerosTakeThePositiveBranchInTheKernel() throws IOException {
        check(false);
    }

    @Test
    void zerosTakeThePositiveBranchInTheComposition() throws IOException {
        String saved = System.getProperty("ember.cpu.activation.composed");
        System.setProperty("ember.cpu.activation.composed", "true");
        try {
            check(true);
        } finally {
            if (saved == null) {
                System.clearProperty("ember.cpu.activation.composed");
            } else {
                System.setProperty("ember.cpu.activation.composed", saved);
            }
        }
    }

    @Test
    void negativeAlphaAtPlusZeroIsPlusZero() {
        double[] got = Functional.elu(Tensor.tensor(new double[] {0.0, -0.0}, DType.FLOAT64), -1.0).toDoubleArray();
        assertEquals(0L, Double.doubleToRawLongBits(got[0]), "elu(+0, -1)");
        assertEquals(Long.MIN_VALUE, Double.doubleToRawLongBits(got[1]), "elu(-0, -1)");
    }
}
