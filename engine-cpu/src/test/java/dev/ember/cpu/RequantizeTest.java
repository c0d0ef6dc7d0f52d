package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Vector API requantization ({@link VectorRequantize}) against the scalar one, bit for bit: exact integer sums
 * (up to 2^24), ties of the rounding (multiplier 0.5 and 0.25), bias terms and multipliers that push {@code r} past
 * int16, past 2^22 (where the adding-and-subtracting rounding would no longer be exact), to 2^31 and beyond (CVTPS2DQ's
 * int32 minimum: the floor, not 255), to infinity and NaN, with and without a fused ReLU, runs across the lanes' tail.
 */
class RequantizeTest {
    @Test
    void vectorLanesEqualTheScalarPath() {
        QuantizedKernels.Requantize vector = new VectorRequantize();
        QuantizedKernels.Requantize plain = new QuantizedKernels.PlainRequantize();
        Random r = new Random(36);
        int n = 1000;
        float[] sums = new float[n];
        for (int i = 0; i < n; i++) {
            sums[i] = switch (i % 5) {
                case 0 -> r.nextInt(2001) - 1000;
                case 1 -> r.nextInt(1 << 25) - (1 << 24);
                case 2 -> i % 7 - 3;
                default -> r.nextInt(200001) - 100000;
            };
        }
        float[] biases = {0f, 0.5f, -0.5f, 1.5f, 123.25f, -7777.5f, 3e9f, -3e9f, 1e30f, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN};
        float[] multipliers = {0.5f, 0.25f, 1f, 0.0031f, 1.7e-5f, 300f, 4.2e4f, 0x1p31f / 65536f, 1e30f};
        int checked = 0;
        for (float bias : biases) {
            for (float mult : multipliers) {
                for (int zero : new int[] {0, 3, 128, 255}) {
                    for (boolean relu : new boolean[] {false, true}) {
                        for (boolean hasBias : new boolean[] {false, true}) {
                            int from = r.nextInt(7);
                            int to = n - r.nextInt(19);
                            float[] a = new float[n + 1];
                            float[] b = new float[n + 1];
                            vector.carrier(sums, from, to, hasBias, bias, mult, zero, relu ? zero : 0, 0.037f, a, 1);
                            plain.carrier(sums, from, to, hasBias, bias, mult, zero, relu ? zero : 0, 0.037f, b, 1);
                            for (int i = 0; i <= n; i++) {
                                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                                    assertEquals(b[i], a[i], "sum " + sums[Math.min(n - 1, Math.max(0, i - 1 + from))] + " bias " + bias
                                            + " multiplier " + mult + " zero " + zero + " relu " + relu + " at " + i);
                                }
                            }
                            checked += to - from;
                        }
                    }
                }
            }
        }
        assertEquals(true, checked > 1_000_000);
        // one linear row: a bias term and multiplier per feature, drawn from the same extremes
        for (int t = 0; t < 200; t++) {
            int cols = 1 + r.nextInt(70);
            float[] bs = new float[cols];
            float[] ms = new float[cols];
            for (int j = 0; j < cols; j++) {
                bs[j] = biases[r.nextInt(biases.length)];
                ms[j] = multipliers[r.nextInt(multipliers.length)];
            }
            int zero = r.nextInt(256);
            int floor = r.nextBoolean() ? zero : 0;
            int from = r.nextInt(n - cols);
            float[] a = new float[cols + 2];
            float[] b = new float[cols + 2];
            vector.carrierRow(sums, from, cols, bs, ms, zero, floor, 0.21f, a, 2);
            plain.carrierRow(sums, from, cols, bs, ms, zero, floor, 0.21f, b, 2);
            for (int j = 0; j < cols + 2; j++) {
                assertEquals(Float.floatToRawIntBits(b[j]), Float.floatToRawIntBits(a[j]), "row " + t + " at " + j);
            }
        }
    }
}
