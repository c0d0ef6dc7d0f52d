package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Training dropout's output in the backend's one pass ({@link dev.ember.backend.Backend#dropoutScale}) has the bits of
 * the composed {@code x.mul(mask).mul(scale)} ({@code -Dember.dropout.unfused=true}, the path RandomMt19937BulkTest
 * and RandomMt19937ParityTest pin to PyTorch): float32 and float64, both generator algorithms, inputs with NaN,
 * infinities and signed zeros, a contiguous view with an offset, a transposed (non-contiguous) input, sizes split
 * across the workers; the mask, the node and the gradient are unchanged.
 */
class DropoutFusedTest {
    @AfterEach
    void restore() {
        System.clearProperty(ActivationOps.UNFUSED_DROPOUT_PROPERTY);
        Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
    }

    private static Tensor input(DType dtype, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(-30, 30));
        }
        double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, Double.MIN_VALUE,
            -Float.MIN_VALUE, Float.MAX_VALUE, -Double.MAX_VALUE};
        for (int i = 0; i < special.length && i < n; i++) {
            v[(int) ((long) i * 7919 % n)] = special[i];
        }
        return Tensor.fromArray(v).to(dtype);
    }

    /** The output and the gradient of a sum's backward, drawn from {@code seed}, fused or composed. */
    private static Tensor[] run(Tensor x, boolean transpose, double p, long seed, boolean unfused) {
        if (unfused) {
            System.setProperty(ActivationOps.UNFUSED_DROPOUT_PROPERTY, "true");
        } else {
            System.clearProperty(ActivationOps.UNFUSED_DROPOUT_PROPERTY);
        }
        Tensor leaf = x.detach().requiresGrad_(true);
        Tensor in = transpose ? leaf.t() : leaf;
        Ember.manualSeed(seed);
        Tensor out = Functional.dropout(in, p, true);
        assertEquals("NativeDropoutBackward0", out.gradFn().name());
        out.mul(Tensor.fromArray(new double[] {1.5}).to(x.dtype)).sum().backward();
        return new Tensor[] {out.detach(), leaf.grad()};
    }

    private static void same(Tensor x, boolean transpose, double p, long seed, String what) {
        Tensor[] fused = run(x, transpose, p, seed, false);
        Tensor[] unfused = run(x, transpose, p, seed, true);
        if (x.dtype == DType.FLOAT32) {
            assertArrayEquals(bits(unfused[0].toFloatArray()), bits(fused[0].toFloatArray()), what + " output");
            assertArrayEquals(bits(unfused[1].toFloatArray()), bits(fused[1].toFloatArray()), what + " grad");
        } else {
            assertArrayEquals(bits(unfused[0].toDoubleArray()), bits(fused[0].toDoubleArray()), what + " output");
            assertArrayEquals(bits(unfused[1].toDoubleArray()), bits(fused[1].toDoubleArray()), what + " grad");
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }

    @Test
    void onePassGivesTheComposedProductsBits() {
        int threads = Ember.getNumThreads();
        Ember.setNumThreads(4);
        try {
            for (Generator.Algorithm algorithm : Generator.Algorithm.values()) {
                Ember.setDefaultGeneratorAlgorithm(algorithm);
                for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    for (double p : new double[] {0.1, 0.2, 1.0 / 3, 0.5, 0.9, 1e-7}) {
                        for (int n : new int[] {1, 17, 4097, 100_003}) {
                            same(input(dtype, n, n), false, p, 7 * n, algorithm + " " + dtype + " p " + p + " n " + n);
                        }
                    }
                    // a contiguous view that starts past its storage's start, and a transposed one
                    Tensor base = input(dtype, 6001, 3);
                    same(base.narrow(0, 1, 6000), false, 0.3, 11, algorithm + " " + dtype + " offset view");
                    same(base.narrow(0, 1, 6000).reshape(60, 100), true, 0.3, 12, algorithm + " " + dtype + " transposed");
                }
            }
        } finally {
            Ember.setNumThreads(threads);
        }
    }
}
