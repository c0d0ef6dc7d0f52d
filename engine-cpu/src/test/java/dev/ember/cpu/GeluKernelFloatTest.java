package dev.ember.cpu;

import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * float32 GELU (erf form) and its backward with PyTorch's bits where PyTorch does not take oneDNN
 * ({@link GeluKernelFloat}): one-element tensors, strided and transposed inputs, a transposed input with a contiguous
 * gradient, against {@code gelukernel/make_expected.py} (onednngelu's 54,241 inputs: special values, every binade's
 * ends, exp's clamp, a dense run, random values and bit patterns). The scalar form (glibc's erff and expf) is PyTorch
 * 1.13's own bits; the vector form is PyTorch 2.x's (Abramowitz and Stegun's erf with Sleef's expf), emulated by the
 * script because 1.13 calls Sleef's erff there. A contiguous input with a strided gradient stays on oneDNN's kernel.
 * The tests that depend on where a run's vector part ends assume AVX2's passes of 16 floats (this project's machines;
 * skipped under AVX-512, whose files are not generated).
 */
class GeluKernelFloatTest extends SleefPathFixture {
    private static final int ROWS = 11;

    private static int[] ints(String name) throws IOException {
        return resourceInts(name);
    }

    private static void assumeAvx2Passes() {
        Assumptions.assumeTrue(SleefFloat.PASS == 16, "the files are AVX2's (passes of 16 floats)");
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
            fail(String.format("%s: %d of %d differ; first x = %s (%08x): got %s (%08x), want %s (%08x)", what, count,
                    want.length, x[first], Float.floatToRawIntBits(x[first]), got[first],
                    Float.floatToRawIntBits(got[first]), Float.intBitsToFloat(want[first]), want[first]));
        }
    }

    private static int differing(int[] a, int[] b) {
        int count = 0;
        for (int i = 0; i < a.length; i++) {
            count += a[i] != b[i] && !(Float.isNaN(Float.intBitsToFloat(a[i])) && Float.isNaN(Float.intBitsToFloat(b[i])))
                    ? 1 : 0;
        }
        return count;
    }

    private static float[] x() throws IOException {
        return bitsToFloats(ints("onednngelu/x.bin"));
    }

    private static float[] g() throws IOException {
        return bitsToFloats(ints("onednngelu/g.bin"));
    }

    /** A column of an [n, 2] tensor holding v in column 1 (stride 2). */
    private static Tensor column(float[] v, boolean grad) {
        float[] pairs = new float[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            pairs[2 * i + 1] = v[i];
        }
        Tensor base = Tensor.tensor(pairs).view(v.length, 2);
        if (grad) {
            base.requiresGrad_(true);
        }
        return base;
    }

    @Test
    void scalarFormsHavePyTorchsBits() throws IOException {
        float[] x = x();
        float[] g = g();
        float[] fwd = new float[x.length];
        float[] bwd = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            fwd[i] = GeluKernelFloat.geluLibm(x[i]);
            bwd[i] = GeluKernelFloat.geluBackwardLibm(g[i], x[i]);
        }
        assertBits("geluLibm vs one-element tensors", x, ints("gelukernel/one.bin"), fwd);
        assertBits("geluLibm vs a strided tensor", x, ints("gelukernel/strided.bin"), fwd);
        assertBits("geluBackwardLibm vs a strided tensor", x, ints("gelukernel/strided_bwd.bin"), bwd);
    }

    @Test
    void vectorFormHasPyTorch2sBits() throws IOException {
        assumeAvx2Passes();
        float[] x = x();
        float[] g = g();
        int vector = SleefFloat.vectorPart(x.length);
        float[] fwd = new float[x.length];
        float[] bwd = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            fwd[i] = i < vector ? GeluKernelFloat.gelu(x[i]) : GeluKernelFloat.geluLibm(x[i]);
            bwd[i] = i < vector ? GeluKernelFloat.geluBackward(g[i], x[i]) : GeluKernelFloat.geluBackwardLibm(g[i], x[i]);
        }
        assertBits("gelu (vector form, scalar code)", x, ints("gelukernel/transposed.bin"), fwd);
        assertBits("gelu_backward (vector form, scalar code)", x, ints("gelukernel/transposed_bwd.bin"), bwd);
    }

    @Test
    void vectorLoopsHaveTheBitsOnEveryRunLength() throws IOException {
        assumeAvx2Passes();
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        assertNotNull(loops, "the Vector API loops are not loaded (run with --add-modules jdk.incubator.vector)");
        float[] x = x();
        float[] g = g();
        int[] vecF = ints("gelukernel/transposed.bin");
        int[] vecB = ints("gelukernel/transposed_bwd.bin");
        int[] libmF = ints("gelukernel/one.bin");
        int[] libmB = ints("gelukernel/strided_bwd.bin");
        float[] fwd = new float[x.length];
        float[] bwd = new float[x.length];
        loops.geluKernel(x, 0, fwd, 0, x.length);
        loops.geluKernelBackward(g, 0, x, 0, bwd, 0, x.length);
        assertBits("gelu (loops)", x, vecF, fwd);
        assertBits("gelu_backward (loops)", x, vecB, bwd);
        // runs of every length up to 70 at shifted offsets: the vector part (whole passes) and the glibc tail
        int checked = 0;
        for (int start = 0; start + 70 <= x.length - 16; start += 613) {
            for (int n = 0; n <= 70; n++) {
                float[] o = new float[n + 3];
                loops.geluKernel(x, start, o, 3, n);
                float[] ob = new float[n + 1];
                loops.geluKernelBackward(g, start, x, start, ob, 1, n);
                int vector = SleefFloat.vectorPart(n);
                for (int i = 0; i < n; i++) {
                    int k = start + i;
                    int wf = i < vector ? vecF[k] : libmF[k];
                    int wb = i < vector ? vecB[k] : libmB[k];
                    if (Float.floatToRawIntBits(o[3 + i]) != wf && !Float.isNaN(o[3 + i])) {
                        fail("gelu run [" + start + ", +" + n + ") at " + i + ": x = " + x[k] + ", got " + o[3 + i]
                                + ", want " + Float.intBitsToFloat(wf));
                    }
                    if (Float.floatToRawIntBits(ob[1 + i]) != wb && !Float.isNaN(ob[1 + i])) {
                        fail("gelu_backward run [" + start + ", +" + n + ") at " + i + ": x = " + x[k] + ", got "
                                + ob[1 + i] + ", want " + Float.intBitsToFloat(wb));
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 100_000, "runs checked: " + checked);
        // in place: the output over the input (forward), over the gradient and over the input (backward)
        float[] inPlace = x.clone();
        loops.geluKernel(inPlace, 0, inPlace, 0, inPlace.length);
        assertBits("gelu (loops, in place)", x, vecF, inPlace);
        float[] overG = g.clone();
        loops.geluKernelBackward(overG, 0, x, 0, overG, 0, overG.length);
        assertBits("gelu_backward (loops, over g)", x, vecB, overG);
        float[] overX = x.clone();
        loops.geluKernelBackward(g, 0, overX, 0, overX, 0, overX.length);
        assertBits("gelu_backward (loops, over x)", x, vecB, overX);
    }

    @Test
    void oneElementTensorsTakeTheScalarForm() throws IOException {
        float[] x = x();
        int[] want = ints("gelukernel/one.bin");
        float[] sample = new float[x.length];
        int[] sampleWant = new int[x.length];
        int m = 0;
        for (int i = 0; i < x.length; i++) {
            if (i < 3000 || i % 7 == 0) {
                sample[m] = x[i];
                sampleWant[m] = want[i];
                m++;
            }
        }
        sample = Arrays.copyOf(sample, m);
        sampleWant = Arrays.copyOf(sampleWant, m);
        float[] got = new float[m];
        for (int i = 0; i < m; i++) {
            Tensor t = (i % 3 == 0) ? Tensor.tensor(new float[] {sample[i]}).view() : (i % 3 == 1)
                    ? Tensor.tensor(new float[] {sample[i]}) : Tensor.tensor(new float[] {sample[i]}).view(1, 1);
            got[i] = Functional.gelu(t).toFloatArray()[0];
        }
        assertBits("F.gelu of one-element tensors", sample, sampleWant, got);
        // and the backward of a one-element input (contiguous gradient)
        int[] wantB = new int[m];
        float[] gotB = new float[m];
        float[] g = g();
        int k = 0;
        for (int i = 0; i < x.length && k < m; i++) {
            if (i < 3000 || i % 7 == 0) {
                Tensor leaf = Tensor.tensor(new float[] {x[i]}).requiresGrad_(true);
                Functional.gelu(leaf).backward(Tensor.tensor(new float[] {g[i]}));
                gotB[k] = leaf.grad().toFloatArray()[0];
                wantB[k] = Float.floatToRawIntBits(GeluKernelFloat.geluBackwardLibm(g[i], x[i]));
                k++;
            }
        }
        assertBits("F.gelu backward of one-element tensors", sample, wantB, gotB);
    }

    @Test
    void stridedTensorsTakeTheScalarForm() throws IOException {
        float[] x = x();
        float[] g = g();
        Tensor base = column(x, true);
        Tensor col = base.select(1, 1);
        assertFalse(col.isContiguous());
        Tensor y = Functional.gelu(col);
        assertBits("F.gelu (strided)", x, ints("gelukernel/strided.bin"), y.toFloatArray());
        Tensor gcol = column(g, false).select(1, 1);
        y.backward(gcol);
        Tensor grad = base.grad().select(1, 1);
        assertBits("F.gelu backward (strided x and g)", x, ints("gelukernel/strided_bwd.bin"), grad.toFloatArray());
    }

    @Test
    void aContiguousInputWithAStridedGradientStaysOnOneDnn() throws IOException {
        float[] x = x();
        float[] g = g();
        Tensor leaf = Tensor.tensor(x).requiresGrad_(true);
        Tensor gcol = column(g, false).select(1, 1);
        Functional.gelu(leaf).backward(gcol);
        int[] want = ints("gelukernel/gstrided_bwd.bin");
        assertBits("F.gelu backward (contiguous x, strided g)", x, want, leaf.grad().toFloatArray());
        assertTrue(differing(want, ints("gelukernel/strided_bwd.bin")) > 1000, "the paths' bits are too alike");
    }

    @Test
    void transposedTensorsTakeTheVectorFormAndATail() throws IOException {
        assumeAvx2Passes();
        float[] x = x();
        float[] g = g();
        int cols = x.length / ROWS;
        Tensor leaf = Tensor.tensor(x).requiresGrad_(true);
        Tensor xt = leaf.view(ROWS, cols).t();
        assertFalse(xt.isContiguous());
        Tensor y = Functional.gelu(xt);
        assertBits("F.gelu (transposed)", x, ints("gelukernel/transposed.bin"), y.t().contiguous().toFloatArray());
        y.backward(Tensor.tensor(g).view(ROWS, cols).t());
        assertBits("F.gelu backward (transposed x and g)", x, ints("gelukernel/transposed_bwd.bin"),
                leaf.grad().toFloatArray());
        // a transposed input with a contiguous gradient: PyTorch loops in the gradient's order, the input strided
        Tensor leaf2 = Tensor.tensor(x).requiresGrad_(true);
        Tensor xt2 = leaf2.view(ROWS, cols).t();
        Functional.gelu(xt2).backward(Tensor.tensor(g).view(cols, ROWS));
        assertBits("F.gelu backward (transposed x, contiguous g)", x, ints("gelukernel/xtrans_bwd.bin"),
                leaf2.grad().toFloatArray());
    }

    @Test
    void smallShapesHaveTheirRunsTails() throws IOException {
        assumeAvx2Passes();
        float[] x = x();
        float[] g = g();
        int[] want = ints("gelukernel/small.bin");
        int[][] shapes = {{3, 15}, {4, 32}, {5, 35}, {3, 51}, {17, 68}, {2, 130}};
        int at = 0;
        for (int[] shape : shapes) {
            int rows = shape[0];
            int size = shape[1];
            int cols = size / rows;
            float[] xa = Arrays.copyOfRange(x, 30000, 30000 + size);
            float[] ga = Arrays.copyOfRange(g, 30000, 30000 + size);
            Tensor leaf = Tensor.tensor(xa).requiresGrad_(true);
            Tensor y = Functional.gelu(leaf.view(rows, cols).t());
            assertBits("F.gelu transposed " + size, xa, Arrays.copyOfRange(want, at, at + size),
                    y.t().contiguous().toFloatArray());
            at += size;
            y.backward(Tensor.tensor(ga).view(rows, cols).t());
            assertBits("F.gelu backward transposed " + size, xa, Arrays.copyOfRange(want, at, at + size),
                    leaf.grad().toFloatArray());
            at += size;
            float[] wide = new float[rows * (cols + 3)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(xa, r * cols, wide, r * (cols + 3), cols);
            }
            Tensor slice = Tensor.tensor(wide).view(rows, cols + 3).narrow(1, 0, cols);
            assertFalse(slice.isContiguous());
            assertBits("F.gelu slice " + rows + "x" + cols, xa, Arrays.copyOfRange(want, at, at + size),
                    Functional.gelu(slice).toFloatArray());
            at += size;
        }
        assertEquals(want.length, at);
    }

    @Test
    void theExactPropertyKeepsTheEarlierFormula() throws IOException {
        float[] x = x();
        float[] g = g();
        int[] earlier = new int[x.length];
        int[] earlierB = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            earlier[i] = Float.floatToRawIntBits(ElementwiseKernels.geluFloat(x[i]));
            earlierB[i] = Float.floatToRawIntBits(ElementwiseKernels.geluBackwardFloat(g[i], x[i]));
        }
        // the earlier formula differs from PyTorch's scalar form on many inputs: the checks are not moot
        assertTrue(differing(earlier, ints("gelukernel/strided.bin")) > 1000);
        assertTrue(differing(earlierB, ints("gelukernel/strided_bwd.bin")) > 1000);
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        Tensor base = column(x, true);
        Tensor y = Functional.gelu(base.select(1, 1));
        assertBits("F.gelu (strided, exact property)", x, earlier, y.toFloatArray());
        y.backward(column(g, false).select(1, 1));
        assertBits("F.gelu backward (strided, exact property)", x, earlierB, base.grad().select(1, 1).toFloatArray());
        Tensor one = Functional.gelu(Tensor.tensor(new float[] {x[13]}));
        assertEquals(earlier[13], Float.floatToRawIntBits(one.toFloatArray()[0]));
    }
}
