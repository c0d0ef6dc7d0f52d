package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Batch norm's float32 path over the arrays themselves (session 53) gives the bits of the path through rows of doubles
 * ({@code -Dember.cpu.batchNormBuffers=true}): output, running statistics and the three gradients, in training and
 * eval, with and without the affine parameters, on NCHW, channels-last NCHW (session 54's channels-last statistics)
 * and [N, C] inputs, one and two threads' chunks. The statistics in eight lanes (session 54) agree with the
 * sequential sums ({@code -Dember.cpu.batchNormStats.serial=true}) to a few float32 ulps. Session 55's blocks of
 * positions: every path and thread count the same bits. (Their values against
 * PyTorch are held by the norm and module tests.)
 */
class BatchNormPathsTest {
    /** n, c, h, w (0: an [n, c] input). */
    private static final int[][] SHAPES = {{4, 8, 5, 7}, {3, 16, 8, 8}, {2, 3, 1, 1}, {16, 5, 0, 0}, {1, 4, 3, 2},
        {37, 19, 0, 0}, {5, 24, 3, 3}};

    @Test
    void sameBitsAsTheBufferedPath() {
        for (int[] sh : SHAPES) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                if (channelsLast && sh[2] == 0) {
                    continue;
                }
                for (boolean training : new boolean[] {true, false}) {
                    for (boolean affine : new boolean[] {true, false}) {
                        List<float[]> fast = run(sh, channelsLast, training, affine, false, false);
                        List<float[]> buffered = run(sh, channelsLast, training, affine, true, false);
                        assertEquals(buffered.size(), fast.size());
                        for (int i = 0; i < fast.size(); i++) {
                            assertArrayEquals(bits(buffered.get(i)), bits(fast.get(i)),
                                    java.util.Arrays.toString(sh) + " channels-last " + channelsLast + " training "
                                            + training + " affine " + affine + " result " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void lanesAgreeWithTheSequentialSums() {
        for (int[] sh : SHAPES) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                if (channelsLast && sh[2] == 0) {
                    continue;
                }
                List<float[]> lanes = run(sh, channelsLast, true, true, false, false);
                List<float[]> serial = run(sh, channelsLast, true, true, false, true);
                for (int i = 0; i < lanes.size(); i++) {
                    float[] a = lanes.get(i);
                    float[] e = serial.get(i);
                    for (int j = 0; j < a.length; j++) {
                        // both sums are exact to about 1e-16 relative: the float32 results differ by rounding at most
                        assertEquals(e[j], a[j], 4 * Math.ulp(Math.max(1f, Math.abs(e[j]))),
                                java.util.Arrays.toString(sh) + " channels-last " + channelsLast + " result " + i
                                        + " element " + j);
                    }
                }
            }
        }
    }

    /**
     * The channels-last rows through the vector loops, written into a channels-last output (session 54), give the bits
     * of the scalar loops writing a row-major output that is copied after ({@code -Dember.cpu.batchNormChannelsLast.scalar}
     * and {@code -Dember.batchNorm.rowMajorOut}, the path before), and the output keeps the input's channels-last strides
     * either way; shapes with 64 and 40 channels reach the vector loops' full vectors.
     */
    @Test
    void vectorRowsIntoAChannelsLastOutputKeepTheBits() {
        // the last two large enough for two ranges of channels (two threads), one not a whole number of vectors
        int[][] shapes = {{8, 64, 3, 3}, {50, 40, 0, 0}, {4, 8, 5, 7}, {37, 19, 0, 0}, {2, 33, 4, 4}, {64, 48, 8, 8},
            {4096, 40, 0, 0}};
        for (int[] sh : shapes) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                if (channelsLast && sh[2] == 0) {
                    continue;
                }
                for (boolean training : new boolean[] {true, false}) {
                    for (boolean affine : new boolean[] {true, false}) {
                        List<float[]> now = run(sh, channelsLast, training, affine, false, false);
                        System.setProperty("ember.cpu.batchNormChannelsLast.scalar", "true");
                        System.setProperty("ember.batchNorm.rowMajorOut", "true");
                        List<float[]> before;
                        try {
                            before = run(sh, channelsLast, training, affine, false, false);
                        } finally {
                            System.clearProperty("ember.cpu.batchNormChannelsLast.scalar");
                            System.clearProperty("ember.batchNorm.rowMajorOut");
                        }
                        String what = java.util.Arrays.toString(sh) + " channels-last " + channelsLast + " training "
                                + training + " affine " + affine;
                        assertEquals(before.size(), now.size(), what);
                        for (int i = 0; i < now.size(); i++) {
                            assertArrayEquals(bits(before.get(i)), bits(now.get(i)), what + " result " + i);
                        }
                    }
                }
                if (channelsLast) {
                    Generator g = new Generator(54);
                    Tensor x = Tensor.randn(g, DType.FLOAT32, sh[0], sh[2], sh[3], sh[1]).permute(0, 3, 1, 2);
                    Tensor y = Functional.batchNorm(x, null, null, null, null, true, 0.1, 1e-5);
                    assertArrayEquals(x.stride(), y.stride(), java.util.Arrays.toString(sh) + " output strides");
                }
            }
        }
    }

    /**
     * Session 55's statistics in fixed blocks of positions: the NCHW rows, the rows of doubles, channels-last and
     * [N, C] (vector loops, and {@code -Dember.cpu.batchNormChannelsLast.scalar}'s scalar loops) give the same bits
     * as each other, NCHW against channels-last included, on 1, 2 and 3 threads, with the default block and with
     * blocks of 100 and 13 positions (rows cut across blocks, blocks not a whole number of lanes, many blocks a
     * thread); shapes large enough for several default blocks (4,096 and 3,200 positions). The data are
     * {@link #spiked}, so that a different order of the blocks or lanes shows in the float32 results.
     */
    @Test
    void blocksGiveTheSameBitsOnEveryPathAndThreadCount() {
        int[][] shapes = {{4096, 40, 0, 0}, {8, 16, 20, 20}, {37, 19, 0, 0}, {2, 33, 4, 4}, {5, 24, 3, 3}};
        int before = dev.ember.Ember.getNumThreads();
        try {
            for (String block : new String[] {null, "100", "13"}) {
                if (block != null) {
                    System.setProperty("ember.cpu.batchNormStats.block", block);
                }
                for (int[] sh : shapes) {
                    for (boolean affine : new boolean[] {true, false}) {
                        dev.ember.Ember.setNumThreads(1);
                        List<float[]> reference = run(sh, false, true, affine, true, false, true);
                        for (int threads : new int[] {1, 2, 3}) {
                            dev.ember.Ember.setNumThreads(threads);
                            for (int path = 0; path < 4; path++) {
                                boolean channelsLast = path >= 2;
                                if (channelsLast && sh[2] == 0) {
                                    continue;
                                }
                                List<float[]> got;
                                if (path == 3) {
                                    System.setProperty("ember.cpu.batchNormChannelsLast.scalar", "true");
                                    try {
                                        got = run(sh, true, true, affine, false, false, true);
                                    } finally {
                                        System.clearProperty("ember.cpu.batchNormChannelsLast.scalar");
                                    }
                                } else {
                                    got = run(sh, channelsLast, true, affine, path == 1, false, true);
                                }
                                String what = java.util.Arrays.toString(sh) + " block " + block + " affine " + affine
                                        + " threads " + threads + " path " + path;
                                assertEquals(reference.size(), got.size(), what);
                                for (int i = 0; i < got.size(); i++) {
                                    assertArrayEquals(bits(reference.get(i)), bits(got.get(i)), what + " result " + i);
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            System.clearProperty("ember.cpu.batchNormStats.block");
            dev.ember.Ember.setNumThreads(before);
        }
    }

    /**
     * {@code -Dember.cpu.batchNormChannelsLast.byChannels=true} (session 54's one block and split by channels) gives
     * the blocks' bits where the positions fit one default block, and within a few float32 ulps where they do not;
     * its own paths agree with each other bit for bit (one block everywhere).
     */
    @Test
    void byChannelsIsSession54sSums() {
        int[][] shapes = {{4096, 40, 0, 0}, {8, 16, 20, 20}, {37, 19, 0, 0}, {5, 24, 3, 3}};
        for (int[] sh : shapes) {
            long positions = (long) sh[0] * Math.max(1, sh[2] * sh[3]);
            for (boolean channelsLast : new boolean[] {false, true}) {
                if (channelsLast && sh[2] == 0) {
                    continue;
                }
                List<float[]> blocks = run(sh, channelsLast, true, true, false, false);
                System.setProperty("ember.cpu.batchNormChannelsLast.byChannels", "true");
                List<float[]> old;
                List<float[]> oldBuffered;
                try {
                    old = run(sh, channelsLast, true, true, false, false);
                    oldBuffered = run(sh, channelsLast, true, true, true, false);
                } finally {
                    System.clearProperty("ember.cpu.batchNormChannelsLast.byChannels");
                }
                String what = java.util.Arrays.toString(sh) + " channels-last " + channelsLast;
                for (int i = 0; i < old.size(); i++) {
                    assertArrayEquals(bits(oldBuffered.get(i)), bits(old.get(i)), what + " result " + i);
                    if (positions <= 2048) {
                        assertArrayEquals(bits(old.get(i)), bits(blocks.get(i)), what + " result " + i);
                        continue;
                    }
                    float[] a = blocks.get(i);
                    float[] e = old.get(i);
                    for (int j = 0; j < a.length; j++) {
                        assertEquals(e[j], a[j], 8 * Math.ulp(Math.max(1f, Math.abs(e[j]))), what + " result " + i
                                + " element " + j);
                    }
                }
            }
        }
    }

    /** Odd channel counts (vector tails, one channel, more than two vectors) and positions not a whole number of lanes. */
    private static final int[][] ODD_SHAPES = {{3, 1, 5, 7}, {5, 3, 1, 3}, {37, 7, 0, 0}, {2, 63, 3, 5}, {3, 65, 1, 7},
        {9, 130, 0, 0}, {2, 130, 1, 3}, {1, 65, 45, 47}, {2113, 7, 0, 0}};

    /**
     * Session 59 ({@code -Dember.cpu.batchNorm.oldStats}): the forward statistics through the vector loops keep the
     * scalar lanes' bits (output, running mean and variance) on every layout, in training and eval, with and without
     * the affine parameters; the backward sums in lanes instead of sequentially change only the sums' last bits, so
     * the gradients agree with the old ones to a few float32 ulps (the input gradient relative to its largest element,
     * as its cancellations amplify the sums' rounding), and in eval the input gradient keeps its bits.
     */
    @Test
    void vectorStatisticsKeepTheForwardBitsAndTheGradientsClose() {
        for (int[] sh : ODD_SHAPES) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                if (channelsLast && sh[2] == 0) {
                    continue;
                }
                for (boolean training : new boolean[] {true, false}) {
                    for (boolean affine : new boolean[] {true, false}) {
                        List<float[]> now = run(sh, channelsLast, training, affine, false, false);
                        System.setProperty("ember.cpu.batchNorm.oldStats", "true");
                        List<float[]> old;
                        try {
                            old = run(sh, channelsLast, training, affine, false, false);
                        } finally {
                            System.clearProperty("ember.cpu.batchNorm.oldStats");
                        }
                        String what = java.util.Arrays.toString(sh) + " channels-last " + channelsLast + " training "
                                + training + " affine " + affine;
                        assertEquals(old.size(), now.size(), what);
                        for (int i = 0; i < 3; i++) {
                            assertArrayEquals(bits(old.get(i)), bits(now.get(i)), what + " result " + i);
                        }
                        if (!training) {
                            assertArrayEquals(bits(old.get(3)), bits(now.get(3)), what + " eval input gradient");
                        }
                        for (int i = 3; i < now.size(); i++) {
                            float[] e = old.get(i);
                            float[] a = now.get(i);
                            float largest = 0;
                            for (float v : e) {
                                largest = Math.max(largest, Math.abs(v));
                            }
                            for (int j = 0; j < a.length; j++) {
                                float scale = i == 3 ? Math.max(1f, largest) : Math.max(1f, Math.abs(e[j]));
                                assertEquals(e[j], a[j], 4 * Math.ulp(scale), what + " result " + i + " element " + j);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Session 59's backward sums in lanes: on the odd shapes, with {@link #spiked} data (so that any other order shows
     * in the float32 results), the NCHW rows, the rows of doubles, channels-last (vector loops and the scalar loops of
     * {@code -Dember.cpu.batchNormChannelsLast.scalar}) give the same bits, on 1 and 2 threads, with the default block
     * and blocks of 13 positions (runs cut inside a group of eight); and session 54's one block split by channels
     * ({@code byChannels}) agrees with the rows of doubles under it.
     */
    @Test
    void laneSumsGiveTheSameBitsOnEveryPath() {
        int before = dev.ember.Ember.getNumThreads();
        try {
            for (String block : new String[] {null, "13"}) {
                if (block != null) {
                    System.setProperty("ember.cpu.batchNormStats.block", block);
                }
                for (int[] sh : ODD_SHAPES) {
                    dev.ember.Ember.setNumThreads(1);
                    List<float[]> reference = run(sh, false, true, true, true, false, true);
                    for (int threads : new int[] {1, 2}) {
                        dev.ember.Ember.setNumThreads(threads);
                        for (int path = 0; path < 4; path++) {
                            boolean channelsLast = path >= 2;
                            if (channelsLast && sh[2] == 0) {
                                continue;
                            }
                            List<float[]> got;
                            if (path == 3) {
                                System.setProperty("ember.cpu.batchNormChannelsLast.scalar", "true");
                                try {
                                    got = run(sh, true, true, true, false, false, true);
                                } finally {
                                    System.clearProperty("ember.cpu.batchNormChannelsLast.scalar");
                                }
                            } else {
                                got = run(sh, channelsLast, true, true, path == 1, false, true);
                            }
                            String what = java.util.Arrays.toString(sh) + " block " + block + " threads " + threads
                                    + " path " + path;
                            assertEquals(reference.size(), got.size(), what);
                            for (int i = 0; i < got.size(); i++) {
                                assertArrayEquals(bits(reference.get(i)), bits(got.get(i)), what + " result " + i);
                            }
                        }
                    }
                }
            }
            System.clearProperty("ember.cpu.batchNormStats.block");
            System.setProperty("ember.cpu.batchNormChannelsLast.byChannels", "true");
            for (int[] sh : ODD_SHAPES) {
                List<float[]> reference = run(sh, false, true, true, true, false, true);
                for (boolean channelsLast : new boolean[] {false, true}) {
                    if (channelsLast && sh[2] == 0) {
                        continue;
                    }
                    List<float[]> got = run(sh, channelsLast, true, true, false, false, true);
                    for (int i = 0; i < got.size(); i++) {
                        assertArrayEquals(bits(reference.get(i)), bits(got.get(i)), java.util.Arrays.toString(sh)
                                + " byChannels channels-last " + channelsLast + " result " + i);
                    }
                }
            }
        } finally {
            System.clearProperty("ember.cpu.batchNormStats.block");
            System.clearProperty("ember.cpu.batchNormChannelsLast.byChannels");
            dev.ember.Ember.setNumThreads(before);
        }
    }

    /**
     * A float64 input keeps its sequential backward sums (session 59 changes the float32 paths only): output, running
     * statistics and gradients the same bits with and without {@code -Dember.cpu.batchNorm.oldStats}; and empty
     * inputs (no batch, no spatial positions) behave the same either way.
     */
    @Test
    void float64AndEmptyInputsAreUnchanged() {
        for (int[] sh : new int[][] {{3, 7, 5, 7}, {37, 65, 0, 0}, {2, 130, 1, 9}}) {
            List<double[]> now = runDouble(sh);
            System.setProperty("ember.cpu.batchNorm.oldStats", "true");
            List<double[]> old;
            try {
                old = runDouble(sh);
            } finally {
                System.clearProperty("ember.cpu.batchNorm.oldStats");
            }
            assertEquals(old.size(), now.size());
            for (int i = 0; i < now.size(); i++) {
                assertArrayEquals(old.get(i), now.get(i), java.util.Arrays.toString(sh) + " result " + i);
            }
        }
        for (int[] shape : new int[][] {{0, 3, 4, 4}, {2, 3, 0, 4}}) {
            for (boolean training : new boolean[] {true, false}) {
                String now = empty(shape, training);
                System.setProperty("ember.cpu.batchNorm.oldStats", "true");
                String old;
                try {
                    old = empty(shape, training);
                } finally {
                    System.clearProperty("ember.cpu.batchNorm.oldStats");
                }
                assertEquals(old, now, java.util.Arrays.toString(shape) + " training " + training);
            }
        }
    }

    /**
     * Session 60 ({@code -Dember.cpu.batchNorm.oldRows}): the packed channels-last and [N, C] output in one call of
     * {@link ElementwiseKernels.FloatLoops#mulAddRows} per task gives the bits of a call per position: output, running
     * statistics and gradients, on the odd shapes and C = 64 (positions not a whole number of vectors or tasks), in
     * training and eval, with and without the affine parameters, on 1 and 2 threads; a float64 input and empty inputs
     * are unchanged.
     */
    @Test
    void packedRowsKeepTheBitsOfACallPerPosition() {
        int before = dev.ember.Ember.getNumThreads();
        List<int[]> shapes = new ArrayList<>(java.util.Arrays.asList(ODD_SHAPES));
        shapes.add(new int[] {33, 64, 0, 0});
        shapes.add(new int[] {3, 64, 5, 3});
        shapes.add(new int[] {1, 64, 3, 3});
        shapes.add(new int[] {2, 3, 1, 1});
        try {
            for (int threads : new int[] {1, 2}) {
                dev.ember.Ember.setNumThreads(threads);
                for (int[] sh : shapes) {
                    for (boolean channelsLast : new boolean[] {false, true}) {
                        if (channelsLast && sh[2] == 0) {
                            continue;
                        }
                        for (boolean training : new boolean[] {true, false}) {
                            for (boolean affine : new boolean[] {true, false}) {
                                List<float[]> now = run(sh, channelsLast, training, affine, false, false);
                                List<float[]> old = withOldRows(() -> run(sh, channelsLast, training, affine, false,
                                        false));
                                String what = java.util.Arrays.toString(sh) + " threads " + threads + " channels-last "
                                        + channelsLast + " training " + training + " affine " + affine;
                                assertEquals(old.size(), now.size(), what);
                                for (int i = 0; i < now.size(); i++) {
                                    assertArrayEquals(bits(old.get(i)), bits(now.get(i)), what + " result " + i);
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            dev.ember.Ember.setNumThreads(before);
        }
        for (int[] sh : new int[][] {{37, 65, 0, 0}, {2, 64, 1, 9}}) {
            List<double[]> now = runDouble(sh);
            List<double[]> old = withOldRows(() -> runDouble(sh));
            assertEquals(old.size(), now.size());
            for (int i = 0; i < now.size(); i++) {
                assertArrayEquals(old.get(i), now.get(i), java.util.Arrays.toString(sh) + " float64 result " + i);
            }
        }
        for (int[] shape : new int[][] {{0, 3, 4, 4}, {2, 3, 0, 4}}) {
            for (boolean training : new boolean[] {true, false}) {
                assertEquals(withOldRows(() -> empty(shape, training)), empty(shape, training),
                        java.util.Arrays.toString(shape) + " training " + training);
            }
        }
    }

    /**
     * {@link ElementwiseKernels.FloatLoops#mulAddRows} against {@link ElementwiseKernels.FloatLoops#mulAddRow} row by
     * row, bit for bit: row widths around the vector sizes, no rows to several, fused or not, at offsets; the elements
     * around the rows it writes stay as they were.
     */
    @Test
    void mulAddRowsIsMulAddRowPerRow() {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        assertNotNull(loops, "the Vector API loops are not loaded");
        java.util.Random r = new java.util.Random(60);
        for (int n : new int[] {1, 3, 7, 8, 15, 16, 17, 63, 64, 65, 130}) {
            for (int rows : new int[] {0, 1, 5, 9}) {
                for (boolean fused : new boolean[] {true, false}) {
                    float[] x = new float[3 + rows * n + 2];
                    float[] a = new float[n];
                    float[] b = new float[n];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) r.nextGaussian() * 7;
                    }
                    for (int i = 0; i < n; i++) {
                        a[i] = (float) r.nextGaussian();
                        b[i] = (float) r.nextGaussian();
                    }
                    float[] expected = new float[5 + rows * n + 4];
                    java.util.Arrays.fill(expected, -1.5f);
                    float[] got = expected.clone();
                    for (int row = 0; row < rows; row++) {
                        loops.mulAddRow(fused, x, 3 + row * n, a, b, expected, 5 + row * n, n);
                    }
                    loops.mulAddRows(fused, x, 3, a, b, got, 5, n, rows);
                    assertArrayEquals(bits(expected), bits(got), "n " + n + " rows " + rows + " fused " + fused);
                }
            }
        }
    }

    /** {@code body} with {@code -Dember.cpu.batchNorm.oldRows=true}. */
    private static <T> T withOldRows(java.util.function.Supplier<T> body) {
        System.setProperty("ember.cpu.batchNorm.oldRows", "true");
        try {
            return body.get();
        } finally {
            System.clearProperty("ember.cpu.batchNorm.oldRows");
        }
    }

    /** Forward and backward of a float64 batch norm in training: output, running statistics, the three gradients. */
    private static List<double[]> runDouble(int[] sh) {
        Generator g = new Generator(59);
        int c = sh[1];
        Tensor x = (sh[2] == 0 ? Tensor.randn(g, DType.FLOAT64, sh[0], c)
                : Tensor.randn(g, DType.FLOAT64, sh[0], c, sh[2], sh[3])).mul(3).add(1).requiresGrad_(true);
        Tensor w = Tensor.randn(g, DType.FLOAT64, c).requiresGrad_(true);
        Tensor b = Tensor.randn(g, DType.FLOAT64, c).requiresGrad_(true);
        Tensor runningMean = Tensor.zeros(DType.FLOAT64, c);
        Tensor runningVar = Tensor.ones(DType.FLOAT64, c);
        Tensor y = Functional.batchNorm(x, runningMean, runningVar, w, b, true, 0.1, 1e-5);
        y.backward(Tensor.randn(g, DType.FLOAT64, y.shape()));
        List<double[]> out = new ArrayList<>();
        out.add(y.detach().toDoubleArray());
        out.add(runningMean.toDoubleArray());
        out.add(runningVar.toDoubleArray());
        out.add(x.grad().toDoubleArray());
        out.add(w.grad().toDoubleArray());
        out.add(b.grad().toDoubleArray());
        return out;
    }

    /** A float32 batch norm over an empty {@code shape} (and its backward where it runs): the results or the error. */
    private static String empty(int[] shape, boolean training) {
        Tensor x = Tensor.zeros(shape).requiresGrad_(true);
        Tensor runningMean = Tensor.zeros(3);
        Tensor runningVar = Tensor.ones(3);
        try {
            Tensor y = Functional.batchNorm(x, runningMean, runningVar, Tensor.ones(3), Tensor.zeros(3), training,
                    0.1, 1e-5);
            y.sum().backward();
            return java.util.Arrays.toString(y.shape()) + java.util.Arrays.toString(runningMean.toFloatArray())
                    + java.util.Arrays.toString(runningVar.toFloatArray())
                    + java.util.Arrays.toString(x.grad().shape());
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static List<float[]> run(int[] sh, boolean channelsLast, boolean training, boolean affine,
                                     boolean buffered, boolean serial) {
        return run(sh, channelsLast, training, affine, buffered, serial, false);
    }

    /**
     * Puts {@code +2^40} at each channel's first element and {@code -2^40} at its last (of an NCHW-contiguous or [N, C]
     * tensor): the sums then run at a grain of 2^-12 between the two, so a change of their order or blocks changes
     * the float32 mean, gradients and outputs, where for plain random data the double sums' rounding would almost
     * never reach a float32 result.
     */
    private static Tensor spiked(Tensor t, int[] sh) {
        float[] a = t.toFloatArray();
        int c = sh[1];
        int per = sh[2] == 0 ? 1 : sh[2] * sh[3];
        for (int ch = 0; ch < c; ch++) {
            a[ch * per] = 0x1p40f;
            a[((sh[0] - 1) * c + ch) * per + per - 1] = -0x1p40f;
        }
        int[] shape = sh[2] == 0 ? new int[] {sh[0], c} : new int[] {sh[0], c, sh[2], sh[3]};
        return Tensor.tensor(a).reshape(shape);
    }

    private static List<float[]> run(int[] sh, boolean channelsLast, boolean training, boolean affine,
                                     boolean buffered, boolean serial, boolean spikes) {
        System.setProperty("ember.cpu.batchNormBuffers", String.valueOf(buffered));
        System.setProperty("ember.cpu.batchNormStats.serial", String.valueOf(serial));
        try {
            Generator g = new Generator(53);
            int c = sh[1];
            Tensor x0 = (sh[2] == 0 ? Tensor.randn(g, DType.FLOAT32, sh[0], c)
                    : Tensor.randn(g, DType.FLOAT32, sh[0], c, sh[2], sh[3])).mul(3).add(1);
            if (spikes) {
                x0 = spiked(x0, sh);
            }
            if (channelsLast) {
                x0 = x0.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            }
            Tensor x = x0.requiresGrad_(true);
            Tensor w = affine ? Tensor.randn(g, DType.FLOAT32, c).requiresGrad_(true) : null;
            Tensor b = affine ? Tensor.randn(g, DType.FLOAT32, c).requiresGrad_(true) : null;
            Tensor runningMean = Tensor.randn(g, DType.FLOAT32, c);
            Tensor runningVar = Tensor.rand(g, DType.FLOAT32, c).add(0.5);
            Tensor y = Functional.batchNorm(x, runningMean, runningVar, w, b, training, 0.1, 1e-5);
            Tensor gy = Tensor.randn(g, DType.FLOAT32, y.shape());
            if (spikes) {
                gy = spiked(gy, sh);
            }
            if (channelsLast) {
                // the upstream gradient channels-last too, as a channels-last activation after it gives it
                gy = gy.contiguous(dev.ember.MemoryFormat.CHANNELS_LAST);
            }
            y.backward(gy);
            List<float[]> out = new ArrayList<>();
            out.add(y.detach().toFloatArray());
            out.add(runningMean.toFloatArray());
            out.add(runningVar.toFloatArray());
            out.add(x.grad().toFloatArray());
            if (affine) {
                out.add(w.grad().toFloatArray());
                out.add(b.grad().toFloatArray());
            }
            return out;
        } finally {
            System.clearProperty("ember.cpu.batchNormBuffers");
            System.clearProperty("ember.cpu.batchNormStats.serial");
        }
    }

    private static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Float.floatToRawIntBits(a[i]);
        }
        return out;
    }
}
