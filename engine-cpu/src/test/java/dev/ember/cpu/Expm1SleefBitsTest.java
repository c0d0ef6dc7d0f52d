package dev.ember.cpu;

import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * float32 {@code expm1} and the elu family's forward with PyTorch's CPU bits (expm1bits/make_expected.py): Sleef's
 * expm1f ({@link SleefFloat#expm1}, {@link VectorSleef#expm1}) against PyTorch 1.13's {@code torch.expm1}, glibc's
 * expm1f ({@link LibmFloat#expm1}) against the C library, element by element over 32768 stored inputs (special values,
 * both functions' bounds, dense runs, random floats and bit patterns) and by CRC32 over 1.3M generated ones; the
 * public ops ({@code Tensor.expm1} / {@code expm1_}, {@code elu}, {@code selu}, {@code celu} and their in-place forms)
 * on contiguous runs (the vector part and the scalar tail, {@link SleefFloat#vectorPart}) and strided ones against
 * PyTorch 2.x's forms, and the backward on the input (PyTorch's elu_backward: Sleef's exp, glibc's expf) likewise.
 * NaN results compare as NaN where the lanes and the C library may pick another NaN, bit for bit
 * elsewhere. {@code -Dember.cpu.exactTranscendentals=true} restores {@code Math.expm1}'s float. Once, offline (session
 * 58), over all 2^32 floats in chunks of 2^24: CRC32s of {@link SleefFloat#expm1} equal to PyTorch 1.13's
 * {@code torch.expm1} and of {@link LibmFloat#expm1} to numpy 1.24's float32 {@code expm1} (glibc 2.36's expm1f, equal
 * to it on the stored inputs) in every chunk, and {@link VectorSleef#expm1} equal to the scalar form on every float.
 */
class Expm1SleefBitsTest extends SleefPathFixture {
    private static final int STRIDE = 4099;
    private static final int STRIDED = 1 << 20;
    private static final int[] DENSE = {0x00000000, 0xbf800000, 0xc1800000, 0x3d000000};
    private static final int DENSE_LEN = 1 << 16;

    private static int[] ints(String name) throws IOException {
        return resourceInts("expm1bits/" + name);
    }

    /** Fails naming the first element whose bits differ (NaN against NaN passes), with the count of those that do. */
    private static void assertBits(String what, int[] in, int[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        int first = -1;
        int count = 0;
        for (int i = 0; i < want.length; i++) {
            float w = Float.intBitsToFloat(want[i]);
            boolean same = w != w ? got[i] != got[i] : Float.floatToRawIntBits(got[i]) == want[i];
            if (!same) {
                first = first < 0 ? i : first;
                count++;
            }
        }
        if (first >= 0) {
            fail(String.format("%s: %d of %d differ; first [%d] x = %s (bits %08x): got %08x, want %08x", what, count,
                    want.length, first, Float.intBitsToFloat(in[first]), in[first],
                    Float.floatToRawIntBits(got[first]), want[first]));
        }
    }

    @Test
    void scalarAndLanesHavePyTorchsExpm1Bits() throws IOException {
        int[] in = ints("inputs.bin");
        assertEquals(32768, in.length);
        float[] x = bitsToFloats(in);
        int[] want = ints("expm1.bin");
        float[] s = new float[x.length];
        float[] g = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            s[i] = SleefFloat.expm1(x[i]);
            g[i] = LibmFloat.expm1(x[i]);
        }
        assertBits("Sleef expm1f, scalar", in, want, s);
        assertBits("glibc expm1f", in, ints("expm1_glibc.bin"), g);
        float[] v = new float[x.length];
        VectorSleef.expm1(x, 0, v, 0, x.length);
        assertBits("Sleef expm1f, lanes", in, want, v);
        // the two are not the same function (the forms differ where elu's vector part ends)
        int differ = 0;
        for (int i = 0; i < x.length; i++) {
            differ += Float.floatToRawIntBits(s[i]) != Float.floatToRawIntBits(g[i]) && s[i] == s[i] ? 1 : 0;
        }
        assertTrue(differ > 500, differ + " inputs where Sleef's and glibc's expm1f differ");
    }

    /** The CRC inputs: the strided run, then the dense runs. */
    private static int[][] crcParts() {
        int[][] parts = new int[1 + DENSE.length][];
        parts[0] = new int[STRIDED];
        for (int i = 0; i < STRIDED; i++) {
            parts[0][i] = i * STRIDE;
        }
        for (int k = 0; k < DENSE.length; k++) {
            parts[k + 1] = new int[DENSE_LEN];
            for (int i = 0; i < DENSE_LEN; i++) {
                parts[k + 1][i] = DENSE[k] + i;
            }
        }
        return parts;
    }

    private static String crc(float[] out) {
        ByteBuffer b = ByteBuffer.allocate(4 * out.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : out) {
            b.putInt(Float.floatToRawIntBits(f));
        }
        CRC32 c = new CRC32();
        c.update(b.array());
        return String.format("%08x", c.getValue());
    }

    @Test
    void generatedInputsMatchTheChecksums() throws IOException {
        List<String> lines = Arrays.asList(new String(resource("expm1bits/crc.txt"), StandardCharsets.US_ASCII)
                .trim().split("\n"));
        int[][] parts = crcParts();
        assertEquals(2 * parts.length, lines.size());
        for (int k = 0; k < parts.length; k++) {
            float[] x = bitsToFloats(parts[k]);
            float[] scalar = new float[x.length];
            float[] glibc = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                scalar[i] = SleefFloat.expm1(x[i]);
                glibc[i] = LibmFloat.expm1(x[i]);
            }
            assertEquals(lines.get(2 * k), "sleef " + k + " " + crc(scalar), "Sleef expm1f, scalar, part " + k);
            assertEquals(lines.get(2 * k + 1), "glibc " + k + " " + crc(glibc), "glibc expm1f, part " + k);
            assertEquals(lines.get(2 * k), "sleef " + k + " " + crc(Tensor.fromArray(x).expm1().toFloatArray()),
                    "torch.expm1, part " + k);
        }
    }

    @Test
    void tensorExpm1HasPyTorchsBits() throws IOException {
        int[] in = ints("inputs.bin");
        int[] want = ints("expm1.bin");
        float[] x = bitsToFloats(in);
        Tensor t = Tensor.fromArray(x);
        assertBits("expm1", in, want, t.expm1().toFloatArray());
        assertBits("expm1_", in, want, t.clone().expm1_().toFloatArray());
        // strided: PyTorch runs Sleef on a contiguous copy, so every element has the vector form's bits
        Tensor strided = Tensor.stack(List.of(t, t.neg()), 1).select(1, 0);
        assertFalse(strided.isContiguous());
        assertBits("strided expm1", in, want, strided.expm1().toFloatArray());
        Tensor offset = t.narrow(0, 3, x.length - 10);
        assertBits("offset expm1", Arrays.copyOfRange(in, 3, x.length - 7), Arrays.copyOfRange(want, 3, x.length - 7),
                offset.expm1().toFloatArray());
    }

    @Test
    void exactTranscendentalsKeepMathExpm1() throws IOException {
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        int[] in = ints("inputs.bin");
        float[] x = bitsToFloats(in);
        int[] want = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = Float.floatToRawIntBits((float) Math.expm1(x[i]));
        }
        assertBits("exact expm1", in, want, Tensor.fromArray(x).expm1().toFloatArray());
        int[] elu = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            elu[i] = Float.floatToRawIntBits(x[i] > 0 ? x[i] : (float) Math.expm1(x[i]));
        }
        assertBits("exact elu", in, elu, Functional.elu(Tensor.fromArray(x), 1.0).toFloatArray());
    }

    private static final List<String> ACTS = List.of("elu1", "elu07", "selu", "celu13");

    private static UnaryOperator<Tensor> act(String name, boolean inplace) {
        switch (name) {
            case "elu1": return inplace ? x -> Functional.elu_(x, 1.0) : x -> Functional.elu(x, 1.0);
            case "elu07": return inplace ? x -> Functional.elu_(x, 0.7) : x -> Functional.elu(x, 0.7);
            case "selu": return inplace ? Functional::selu_ : Functional::selu;
            default: return inplace ? x -> Functional.celu_(x, 1.3) : x -> Functional.celu(x, 1.3);
        }
    }

    /** The expected forward of a run of the inputs {@code from..from+n}: the vector form over its vector part. */
    private static int[] expected(int[] vec, int[] scalar, int from, int n, boolean contiguous) {
        int vector = contiguous ? SleefFloat.vectorPart(n) : 0;
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = i < vector ? vec[from + i] : scalar[from + i];
        }
        return w;
    }

    @Test
    void eluFamilyHasPyTorch2xBits() throws IOException {
        int[] in = ints("inputs.bin");
        float[] x = bitsToFloats(in);
        int n = x.length;
        for (String name : ACTS) {
            int[] vec = ints(name + "_vec.bin");
            int[] scalar = ints(name + "_scalar.bin");
            for (boolean inplace : new boolean[] {false, true}) {
                UnaryOperator<Tensor> f = act(name, inplace);
                String what = name + (inplace ? "_" : "");
                Tensor t = Tensor.fromArray(x);
                // the whole (a multiple of every pass: all vector form), a run with a scalar tail, a strided view
                assertBits(what, in, expected(vec, scalar, 0, n, true), f.apply(inplace ? t.clone() : t)
                        .toFloatArray());
                int m = n - 37;
                Tensor part = t.narrow(0, 5, m);
                assertBits(what + " tail", Arrays.copyOfRange(in, 5, 5 + m), expected(vec, scalar, 5, m, true),
                        f.apply(inplace ? part.clone() : part).toFloatArray());
                Tensor strided = Tensor.stack(List.of(t, t.neg()), 1).select(1, 0);
                assertFalse(strided.isContiguous());
                assertBits(what + " strided", in, expected(vec, scalar, 0, n, false),
                        f.apply(strided).toFloatArray());
            }
        }
    }

    private static final List<String> BACKWARD = List.of("elu1", "selu", "celu13");

    private static UnaryOperator<Tensor> forward(String name) {
        switch (name) {
            case "elu1": return x -> Functional.elu(x, 1.0);
            case "selu": return Functional::selu;
            default: return x -> Functional.celu(x, 1.3);
        }
    }

    /** x.grad of the out-of-place forward at x under g. */
    private static float[] gradient(String name, Tensor x, Tensor g) {
        Tensor leaf = x.detach().requiresGrad_(true);
        forward(name).apply(leaf).backward(g);
        return leaf.grad().toFloatArray();
    }

    /**
     * elu_backward on the input (EluBackward0, CeluBackward0) with PyTorch's bits: the vectorized form (Sleef's exp;
     * NaN for a NaN input) over the vector part of a contiguous run, the scalar form (glibc's expf) over the rest and
     * over strided runs; the forms were checked against PyTorch's own gradients by make_expected.py.
     */
    @Test
    void eluBackwardOnTheInputHasPyTorchsBits() throws IOException {
        int[] in = ints("inputs.bin");
        float[] x = bitsToFloats(in);
        float[] gv = bitsToFloats(ints("grad.bin"));
        int n = x.length;
        Tensor t = Tensor.fromArray(x);
        Tensor g = Tensor.fromArray(gv);
        for (String name : BACKWARD) {
            int[] vec = ints(name + "_bwd_vec.bin");
            int[] scalar = ints(name + "_bwd_scalar.bin");
            assertBits(name + " backward", in, expected(vec, scalar, 0, n, true), gradient(name, t, g));
            int m = n - 37;
            assertBits(name + " backward, tail", Arrays.copyOfRange(in, 5, 5 + m), expected(vec, scalar, 5, m, true),
                    gradient(name, t.narrow(0, 5, m), g.narrow(0, 5, m)));
            Tensor strided = Tensor.stack(List.of(t, t.neg()), 1).select(1, 0);
            Tensor leaf = strided.detach().requiresGrad_(true);
            assertFalse(leaf.isContiguous());
            forward(name).apply(leaf).backward(g);
            assertBits(name + " backward, strided", in, expected(vec, scalar, 0, n, false), leaf.grad().toFloatArray());
            int differ = 0;
            for (int i = 0; i < n; i++) {
                differ += vec[i] != scalar[i] ? 1 : 0;
            }
            assertTrue(differ > 100, name + ": the backward forms differ on " + differ + " inputs");
        }
    }

    /** The scalar tail is in the expectations, and the forms differ there (so a wrong split shows). */
    @Test
    void theFormsDiffer() throws IOException {
        for (String name : ACTS) {
            int[] vec = ints(name + "_vec.bin");
            int[] scalar = ints(name + "_scalar.bin");
            int differ = 0;
            for (int i = 0; i < vec.length; i++) {
                differ += vec[i] != scalar[i] && Float.intBitsToFloat(vec[i]) == Float.intBitsToFloat(vec[i]) ? 1 : 0;
            }
            assertTrue(differ > 100, name + ": the forms differ on " + differ + " inputs");
        }
        assertNotNull(SleefFloat.EXACT_PROPERTY);
    }
}
