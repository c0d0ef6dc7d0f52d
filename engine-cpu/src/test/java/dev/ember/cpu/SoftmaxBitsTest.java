package dev.ember.cpu;

import dev.ember.Tensor;
import dev.ember.backend.CpuCapability;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * float32 softmax and log_softmax, forward and backward, with PyTorch's CPU bits, against PyTorch 1.13's results
 * (softmaxbits/make_expected.py). Over the last dimension ({@link VectorSleef#softmaxRow},
 * {@link VectorSleef#softmaxBackwardRow}): rows of 1..70, 127, 128, 129, 1000 and 4097 elements (Gaussian, uniform
 * over [-100, 100), offset by 50), a [64, 33] block, and rows of special values (-inf, NaN, +inf, signed zeros, sums
 * of exactly 1, huge and tiny), each through the public ops and autograd on a contiguous tensor and on a transposed
 * one (rows gathered through scratch copies). Over another dimension ({@link VectorSleef#softmaxColumns},
 * {@link VectorSleef#logSoftmaxChunk}, {@link VectorSleef#softmaxBackwardChunk}, and with
 * {@code -Dember.softmax.columnwise=true} {@link VectorSleef#logSoftmaxColumns} and
 * {@link VectorSleef#softmaxBackwardColumns}): dims 0, 1 and 2 of 2-D, 3-D and 4-D tensors (inner sizes 1, 3, 12, 16,
 * 17, 24, 64, 65, 66, 72, 512; dimension sizes 1..70, 260 and 1000; columns of the special values; and with a small
 * chunk size, {@code ember.softmax.chunkFloats}, split into several chunks, the last one short), contiguous and strided (memory in reversed dimension order), against the
 * results of the capability Ember follows (AVX2's or AVX512's vector/scalar split). Every bit of every number, and NaN in the same places; not the
 * NaNs' bits: where two NaNs meet (x - max for a NaN x and a NaN max, g * y in a row of NaNs) the one that survives is
 * the first operand of the instruction the compiler chose, and GCC and C2 order a commutative product's operands as
 * they like (PyTorch's NaN rows hold 7fc00000, ffc00000 and ffffffff where the source alone would give one).
 * {@code -Dember.cpu.exactTranscendentals=true} keeps the old path (Cephes-style exp with a double sum, the composed
 * backward).
 */
class SoftmaxBitsTest {
    private static final String[] OUTS = {"softmax", "log_softmax", "softmax_grad", "log_softmax_grad"};

    @AfterEach
    void clear() {
        System.clearProperty(SleefFloat.EXACT_PROPERTY);
    }

    private static float[] floats(String name) throws IOException {
        try (InputStream in = SoftmaxBitsTest.class.getResourceAsStream("/softmaxbits/" + name)) {
            assertNotNull(in, "missing softmaxbits/" + name);
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] a = new float[b.remaining() / 4];
            b.asFloatBuffer().get(a);
            return a;
        }
    }

    /** cases.txt's rows: {rows, n, first element}. */
    private static List<int[]> cases() throws IOException {
        try (InputStream in = SoftmaxBitsTest.class.getResourceAsStream("/softmaxbits/cases.txt")) {
            assertNotNull(in, "missing softmaxbits/cases.txt");
            List<int[]> cases = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.trim().split(" ");
                    cases.add(new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])});
                }
            }
            return cases;
        }
    }

    /** A [rows, n] tensor of the case's elements: contiguous, or a transposed [n, rows] copy (rows strided). */
    private static Tensor block(float[] all, int[] c, boolean transposed) {
        int rows = c[0];
        int n = c[1];
        float[] v = java.util.Arrays.copyOfRange(all, c[2], c[2] + rows * n);
        Tensor t = Tensor.fromArray(v).reshape(rows, n);
        return transposed ? t.transpose(0, 1).contiguous().transpose(0, 1) : t;
    }

    /** Counts the elements of the case whose bits differ, recording the first in {@code first}. */
    private static int differ(float[] want, int[] c, float[] got, StringBuilder first, String what) {
        int count = 0;
        for (int i = 0; i < got.length; i++) {
            int w = Float.floatToRawIntBits(want[c[2] + i]);
            int g = Float.floatToRawIntBits(got[i]);
            if (w != g && !(want[c[2] + i] != want[c[2] + i] && got[i] != got[i])) {
                if (first.length() == 0) {
                    first.append(String.format("%s%s element %d: got %08x (%s), want %08x (%s)", what,
                            c[0] < 0 ? "" : " [" + c[0] + ", " + c[1] + "]", i, g, got[i], w, want[c[2] + i]));
                }
                count++;
            }
        }
        return count;
    }

    /** Runs every case through softmax/log_softmax and their backward; returns the differing counts per output. */
    private static int[] run(boolean transposed, StringBuilder first) throws IOException {
        float[] x = floats("x.bin");
        float[] g = floats("g.bin");
        float[][] want = new float[OUTS.length][];
        for (int k = 0; k < OUTS.length; k++) {
            want[k] = floats(OUTS[k] + ".bin");
            assertEquals(x.length, want[k].length, OUTS[k]);
        }
        int[] counts = new int[OUTS.length];
        for (int[] c : cases()) {
            for (int log = 0; log < 2; log++) {
                Tensor xt = block(x, c, transposed).requiresGrad_(true);
                Tensor y = log == 1 ? xt.logSoftmax(-1) : xt.softmax(-1);
                counts[log] += differ(want[log], c, y.detach().contiguous().toFloatArray(), first, OUTS[log]
                        + (transposed ? " transposed" : ""));
                y.backward(block(g, c, transposed));
                counts[2 + log] += differ(want[2 + log], c, xt.grad().contiguous().toFloatArray(), first,
                        OUTS[2 + log] + (transposed ? " transposed" : ""));
            }
        }
        return counts;
    }

    @Test
    void lastDimHasPyTorchsBits() throws IOException {
        assertNotNull(ElementwiseKernels.loops(), "the Vector API loops are not loaded (--add-modules jdk.incubator.vector)");
        assertTrue(cases().size() > 70);
        for (boolean transposed : new boolean[] {false, true}) {
            StringBuilder first = new StringBuilder();
            int[] counts = run(transposed, first);
            if (first.length() > 0) {
                fail(String.format("softmax %d, log_softmax %d, their gradients %d and %d elements differ; first: %s",
                        counts[0], counts[1], counts[2], counts[3], first));
            }
        }
    }

    @Test
    void exactPropertyKeepsTheOldPath() throws IOException {
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        int[] counts = run(false, new StringBuilder());
        // the old path differs in some bits of each (else the property would switch nothing)
        for (int k = 0; k < OUTS.length; k++) {
            assertTrue(counts[k] > 0, OUTS[k] + ": the old path gave PyTorch's bits throughout");
        }
    }

    /** dims.txt's cases: {shape..., dim, first element} as shape, dim and start. */
    private static List<int[][]> dimCases() throws IOException {
        try (InputStream in = SoftmaxBitsTest.class.getResourceAsStream("/softmaxbits/dims.txt")) {
            assertNotNull(in, "missing softmaxbits/dims.txt");
            List<int[][]> cases = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.trim().split(" ");
                    int[] shape = java.util.Arrays.stream(f[0].split(",")).mapToInt(Integer::parseInt).toArray();
                    cases.add(new int[][] {shape, {Integer.parseInt(f[1]), Integer.parseInt(f[2])}});
                }
            }
            return cases;
        }
    }

    /** The case's tensor: contiguous, or a copy whose memory runs in reversed dimension order (strided). */
    private static Tensor dimBlock(float[] all, int[][] c, boolean strided) {
        int[] shape = c[0];
        int numel = 1;
        for (int s : shape) {
            numel *= s;
        }
        Tensor t = Tensor.fromArray(java.util.Arrays.copyOfRange(all, c[1][1], c[1][1] + numel)).reshape(shape);
        if (!strided) {
            return t;
        }
        int[] perm = new int[shape.length];
        for (int d = 0; d < perm.length; d++) {
            perm[d] = perm.length - 1 - d;
        }
        return t.permute(perm).contiguous().permute(perm);
    }

    /** Runs every dims.txt case; returns the differing counts per output, the first difference in {@code first}. */
    private static int[] runDims(boolean strided, StringBuilder first) throws IOException {
        String capability = CpuCapability.value().equals("AVX512") ? "AVX512" : "AVX2";
        float[] x = floats("dims_x.bin");
        float[] g = floats("dims_g.bin");
        float[][] want = new float[OUTS.length][];
        for (int k = 0; k < OUTS.length; k++) {
            want[k] = floats("dims_" + OUTS[k] + "." + capability + ".bin");
            assertEquals(x.length, want[k].length, OUTS[k]);
        }
        int[] counts = new int[OUTS.length];
        for (int[][] c : dimCases()) {
            int[] flat = {-1, -1, c[1][1]}; // differ()'s case: the first element's position (the shape is in what)
            int dim = c[1][0];
            String what = java.util.Arrays.toString(c[0]) + " dim " + dim + (strided ? " strided" : "");
            for (int log = 0; log < 2; log++) {
                Tensor xt = dimBlock(x, c, strided).requiresGrad_(true);
                Tensor y = log == 1 ? xt.logSoftmax(dim) : xt.softmax(dim);
                counts[log] += differ(want[log], flat, y.detach().contiguous().toFloatArray(), first,
                        OUTS[log] + " " + what);
                y.backward(dimBlock(g, c, strided));
                counts[2 + log] += differ(want[2 + log], flat, xt.grad().contiguous().toFloatArray(), first,
                        OUTS[2 + log] + " " + what);
            }
        }
        return counts;
    }

    @Test
    void otherDimsHavePyTorchsBits() throws IOException {
        assertNotNull(ElementwiseKernels.loops(), "the Vector API loops are not loaded (--add-modules jdk.incubator.vector)");
        assertTrue(dimCases().size() > 100);
        for (boolean strided : new boolean[] {false, true}) {
            StringBuilder first = new StringBuilder();
            int[] counts = runDims(strided, first);
            if (first.length() > 0) {
                fail(String.format("softmax %d, log_softmax %d, their gradients %d and %d elements differ; first: %s",
                        counts[0], counts[1], counts[2], counts[3], first));
            }
        }
    }

    @Test
    void smallChunksKeepTheBits() throws IOException {
        // 4096 floats a chunk: 64 inner positions over the dimensions of 260 (the two chunk cases: 64 + 8, 64 + 2),
        // 192 over 17 (512 = 192 + 192 + 128), ...
        System.setProperty(SoftmaxKernels.CHUNK_FLOATS_PROPERTY, "4096");
        try {
            assertEquals(64, SoftmaxKernels.chunk(260));
            for (boolean strided : new boolean[] {false, true}) {
                StringBuilder first = new StringBuilder();
                int[] counts = runDims(strided, first);
                if (first.length() > 0) {
                    fail(String.format("small chunks: softmax %d, log_softmax %d, their gradients %d and %d elements "
                            + "differ; first: %s", counts[0], counts[1], counts[2], counts[3], first));
                }
            }
        } finally {
            System.clearProperty(SoftmaxKernels.CHUNK_FLOATS_PROPERTY);
        }
    }

    @Test
    void columnwisePropertyKeepsTheColumnLoopsWithTheSameBits() throws IOException {
        assertNotNull(ElementwiseKernels.loops(), "the Vector API loops are not loaded (--add-modules jdk.incubator.vector)");
        System.setProperty(SoftmaxKernels.COLUMNWISE_PROPERTY, "true");
        try {
            for (boolean strided : new boolean[] {false, true}) {
                StringBuilder first = new StringBuilder();
                int[] counts = runDims(strided, first);
                if (first.length() > 0) {
                    fail(String.format("columnwise: softmax %d, log_softmax %d, their gradients %d and %d elements "
                            + "differ; first: %s", counts[0], counts[1], counts[2], counts[3], first));
                }
            }
        } finally {
            System.clearProperty(SoftmaxKernels.COLUMNWISE_PROPERTY);
        }
    }

    @Test
    void exactPropertyKeepsTheOldPathOverOtherDims() throws IOException {
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        int[] counts = runDims(false, new StringBuilder());
        for (int k = 0; k < OUTS.length; k++) {
            assertTrue(counts[k] > 0, OUTS[k] + ": the old path gave PyTorch's bits throughout");
        }
    }
}
