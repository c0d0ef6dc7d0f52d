package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * float32 GELU (erf form) and its backward with PyTorch's bits on contiguous tensors ({@link OneDnnGelu}, oneDNN's
 * AVX2 kernel), against PyTorch 1.13's results ({@code onednngelu/make_expected.py}: special values, every binade's
 * ends, exp's clamp, a dense run over [-16, 16], random values and bit patterns; 54,241 inputs, an odd count): the
 * scalar form, the vector loops on every run length up to three vectors at shifted offsets, and the public ops.
 * float64 keeps its double form, and {@code -Dember.cpu.exactTranscendentals=true} the earlier float formula
 * ({@link ElementwiseKernels#geluFloat}) everywhere. The tensors oneDNN does not take (strided, transposed, one
 * element) are GeluKernelFloatTest's.
 */
class OneDnnGeluTest extends SleefPathFixture {
    private static int[] ints(String name) throws IOException {
        return resourceInts("onednngelu/" + name);
    }

    /** Fails naming the first element whose bits differ, with the count of those that do. */
    private static void assertBits(String what, float[] x, int[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        int first = -1;
        int count = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != want[i]
                    && !(Float.isNaN(got[i]) && Float.isNaN(Float.intBitsToFloat(want[i])))) {
                first = first < 0 ? i : first;
                count++;
            }
        }
        if (first >= 0) {
            fail(String.format("%s: %d of %d differ; first x = %s: got %s (%08x), want %s (%08x)", what, count,
                    want.length, x[first], got[first], Float.floatToRawIntBits(got[first]),
                    Float.intBitsToFloat(want[first]), want[first]));
        }
    }

    @Test
    void scalarFormHasPyTorchsBits() throws IOException {
        float[] x = bitsToFloats(ints("x.bin"));
        float[] g = bitsToFloats(ints("g.bin"));
        float[] fwd = new float[x.length];
        float[] bwd = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            fwd[i] = OneDnnGelu.gelu(x[i]);
            bwd[i] = OneDnnGelu.geluBackward(g[i], x[i]);
        }
        assertBits("gelu (scalar)", x, ints("gelu.bin"), fwd);
        assertBits("gelu_backward (scalar)", x, ints("gelu_backward.bin"), bwd);
    }

    @Test
    void vectorLoopsHavePyTorchsBitsOnEveryRunLength() throws IOException {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        assertNotNull(loops, "the Vector API loops are not loaded (run with --add-modules jdk.incubator.vector)");
        float[] x = bitsToFloats(ints("x.bin"));
        float[] g = bitsToFloats(ints("g.bin"));
        int[] wantF = ints("gelu.bin");
        int[] wantB = ints("gelu_backward.bin");
        float[] fwd = new float[x.length];
        float[] bwd = new float[x.length];
        loops.gelu(x, 0, fwd, 0, x.length);
        loops.geluBackward(g, 0, x, 0, bwd, 0, x.length);
        assertBits("gelu (loops)", x, wantF, fwd);
        assertBits("gelu_backward (loops)", x, wantB, bwd);
        // runs of every length up to 49 at shifted offsets (whole vectors plus the scalar tail), out of place
        int checked = 0;
        for (int start = 0; start + 49 <= x.length; start += 331) {
            for (int n = 0; n <= 49; n++) {
                float[] o = new float[n + 3];
                loops.gelu(x, start, o, 3, n);
                float[] ob = new float[n + 1];
                loops.geluBackward(g, start, x, start, ob, 1, n);
                for (int i = 0; i < n; i++) {
                    int k = start + i;
                    if (Float.floatToRawIntBits(o[3 + i]) != wantF[k] && !Float.isNaN(o[3 + i])) {
                        fail("gelu run [" + start + ", +" + n + ") at " + i + ": x = " + x[k] + ", got " + o[3 + i]);
                    }
                    if (Float.floatToRawIntBits(ob[1 + i]) != wantB[k] && !Float.isNaN(ob[1 + i])) {
                        fail("gelu_backward run [" + start + ", +" + n + ") at " + i + ": x = " + x[k] + ", got "
                                + ob[1 + i]);
                    }
                    checked++;
                }
            }
        }
        assertEquals(true, checked > 100_000, "runs checked: " + checked);
        // in place: the output over the input (forward), over the gradient (backward)
        float[] inPlace = x.clone();
        loops.gelu(inPlace, 0, inPlace, 0, inPlace.length);
        assertBits("gelu (loops, in place)", x, wantF, inPlace);
        float[] gradInPlace = g.clone();
        loops.geluBackward(gradInPlace, 0, x, 0, gradInPlace, 0, gradInPlace.length);
        assertBits("gelu_backward (loops, over g)", x, wantB, gradInPlace);
    }

    @Test
    void publicOpsHavePyTorchsBitsOnContiguousTensors() throws IOException {
        float[] x = bitsToFloats(ints("x.bin"));
        float[] g = bitsToFloats(ints("g.bin"));
        assertBits("F.gelu", x, ints("gelu.bin"), Functional.gelu(Tensor.tensor(x)).toFloatArray());
        Tensor leaf = Tensor.tensor(x).requiresGrad_(true);
        Functional.gelu(leaf).backward(Tensor.tensor(g));
        assertBits("F.gelu backward", x, ints("gelu_backward.bin"), leaf.grad().toFloatArray());
        // a 2-D contiguous tensor: rows of 239 (its runs split as the loop sees fit), the same elements
        int rows = x.length / 239;
        float[] head = java.util.Arrays.copyOf(x, rows * 239);
        float[] got = Functional.gelu(Tensor.tensor(head).view(rows, 239)).toFloatArray();
        assertBits("F.gelu [" + rows + ", 239]", head, java.util.Arrays.copyOf(ints("gelu.bin"), head.length), got);
    }

    @Test
    void float64AndTheExactPropertyKeepTheEarlierForms() throws IOException {
        float[] x = bitsToFloats(ints("x.bin"));
        float[] g = bitsToFloats(ints("g.bin"));
        int[] earlier = new int[x.length];
        int[] earlierB = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            earlier[i] = Float.floatToRawIntBits(ElementwiseKernels.geluFloat(x[i]));
            earlierB[i] = Float.floatToRawIntBits(ElementwiseKernels.geluBackwardFloat(g[i], x[i]));
        }
        // the earlier formula differs from PyTorch's oneDNN bits on part of the inputs: the checks below are not moot
        int[] want = ints("gelu.bin");
        int differ = 0;
        for (int i = 0; i < x.length; i++) {
            differ += earlier[i] != want[i] ? 1 : 0;
        }
        assertEquals(true, differ > 1000, "the earlier formula matches oneDNN's on all but " + differ);
        // float64: the double form, unchanged
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        double[] got64 = Functional.gelu(Tensor.tensor(d, DType.FLOAT64)).toDoubleArray();
        for (int i = 0; i < d.length; i++) {
            double w = ElementwiseKernels.gelu(d[i]);
            if (Double.doubleToRawLongBits(w) != Double.doubleToRawLongBits(got64[i]) && !Double.isNaN(w)) {
                fail("float64 gelu(" + d[i] + "): got " + got64[i] + ", want " + w);
            }
        }
        // the exact property: the earlier formula on contiguous tensors too, forward and backward
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        assertBits("F.gelu (exact property)", x, earlier, Functional.gelu(Tensor.tensor(x)).toFloatArray());
        Tensor leaf = Tensor.tensor(x).requiresGrad_(true);
        Functional.gelu(leaf).backward(Tensor.tensor(g));
        assertBits("F.gelu backward (exact property)", x, earlierB, leaf.grad().toFloatArray());
    }
}
