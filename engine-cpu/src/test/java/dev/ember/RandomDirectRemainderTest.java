package dev.ember;

import dev.ember.backend.RandomKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The MT19937 draws' arithmetic without division or double comparison gives the old values: the integer draws'
 * {@code word % range} as a product ({@link TorchCpuRandom#remainder32}) for edge and random words and ranges, and the
 * Bernoulli draws' {@code uniform double < p} as a comparison of its 53 bits with a threshold
 * ({@link Mt19937#threshold}) at and beside every boundary; and whole draws with and without
 * {@code -Dember.random.divideRemainder=true} and {@code -Dember.random.bernoulliDoubles=true} are equal (the old paths
 * are the ones RandomMt19937Test pins to PyTorch).
 */
class RandomDirectRemainderTest {
    @AfterEach
    void restore() {
        System.clearProperty(TorchCpuRandom.DIVIDE_REMAINDER_PROPERTY);
        System.clearProperty(TorchCpuRandom.BERNOULLI_DOUBLES_PROPERTY);
    }

    @Test
    void remainderByProductIsTheRemainder() {
        SplittableRandom r = new SplittableRandom(2019);
        List<Long> ranges = new ArrayList<>(List.of(1L, 2L, 3L, 5L, 7L, 10L, 1000L, 50257L, 65535L, 65536L, 65537L,
                (1L << 31) - 1, 1L << 31, (1L << 31) + 1, (1L << 32) - 2, (1L << 32) - 1, 3L << 30, 0xAAAAAAABL));
        for (int i = 0; i < 500; i++) {
            ranges.add(1 + r.nextLong((1L << 32) - 1));
            ranges.add(1 + r.nextLong(1L << (1 + r.nextInt(31))));
        }
        long checked = 0;
        for (long range : ranges) {
            long inverse = TorchCpuRandom.remainderInverse(range);
            List<Long> words = new ArrayList<>(List.of(0L, 1L, range - 1, range, range + 1, (1L << 31) - 1, 1L << 31,
                    (1L << 32) - 1, (1L << 32) - 2));
            long top = ((1L << 32) - 1) / range * range; // the last multiple within 32 bits, and its neighbours
            words.add(top);
            words.add(top - 1);
            words.add(top + range - 1);
            for (int i = 0; i < 400; i++) {
                words.add(r.nextLong(1L << 32));
                words.add(r.nextLong(1 + ((1L << 32) - 1) / range) * range + r.nextInt(-1, 2));
            }
            for (long word : words) {
                if (word < 0 || word >= 1L << 32) {
                    continue;
                }
                assertEquals(word % range, TorchCpuRandom.remainder32(word, range, inverse), word + " % " + range);
                checked++;
            }
        }
        assertEquals(true, checked > 400_000, "checked " + checked);
    }

    @Test
    void thresholdComparesAsTheDouble() {
        SplittableRandom r = new SplittableRandom(53);
        List<Double> ps = new ArrayList<>(List.of(0.0, -0.0, Double.MIN_VALUE, 0x1p-60, 0x1p-53, 0x1.8p-53, 0x1p-52,
                0.1, 0.2, 1.0 / 3, 0.5, 0.8, 0.9, 1 - 0x1p-53, 1 - 0x1p-52, 1.0, 1 + 0x1p-52, 1.5, 2.0, 3.0, 1e300,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, -1.0, -0x1p-60));
        for (int i = 0; i < 300; i++) {
            ps.add(r.nextDouble());
            ps.add(r.nextLong(1L << 53) * 0x1p-53); // p itself a draw: u == p must compare false
        }
        for (double p : ps) {
            long t = Mt19937.threshold(p);
            double scaled = p * 0x1p53;
            long near = Double.isNaN(scaled) ? 0 : (long) Math.max(0, Math.min(scaled, (double) (1L << 53)));
            long[] bs = {0, 1, 2, near - 2, near - 1, near, near + 1, near + 2, (1L << 53) - 2, (1L << 53) - 1};
            for (long b : bs) {
                if (b < 0 || b >= 1L << 53) {
                    continue;
                }
                assertEquals(b * 0x1.0p-53 < p, (b - t) >>> 63 != 0, "b " + b + ", p " + p);
            }
        }
    }

    @Test
    void wholeDrawsAreTheOldOnes() {
        for (long[] bounds : new long[][] {{0, 50257}, {-7, 3}, {0, 1}, {5, (1L << 32) + 5 - 1}, {0, 1L << 31},
            {-(1L << 31), 1L << 31}, {0, 1L << 33}}) {
            for (DType dtype : new DType[] {DType.INT64, DType.INT32, DType.FLOAT32}) {
                if (dtype == DType.INT32 && bounds[1] - bounds[0] > 1L << 32 || dtype == DType.FLOAT32 && bounds[1] > 1L << 24) {
                    continue;
                }
                System.setProperty(TorchCpuRandom.DIVIDE_REMAINDER_PROPERTY, "true");
                Tensor old = TorchCpuRandom.integers(new int[] {5000}, dtype, bounds[0], bounds[1], new Mt19937(bounds[1]));
                System.clearProperty(TorchCpuRandom.DIVIDE_REMAINDER_PROPERTY);
                Tensor now = TorchCpuRandom.integers(new int[] {5000}, dtype, bounds[0], bounds[1], new Mt19937(bounds[1]));
                assertArrayEquals(old.to(DType.INT64).toLongArray(), now.to(DType.INT64).toLongArray(),
                        bounds[0] + ".." + bounds[1] + " " + dtype);
            }
        }
        for (double p : new double[] {0.0, 0.1, 0.5, 0.9, 1.0, 1 - 0x1p-53}) {
            for (DType dtype : new DType[] {DType.BOOL, DType.FLOAT32}) {
                for (int n : new int[] {1, 511, 513, 3001}) {
                    System.setProperty(TorchCpuRandom.BERNOULLI_DOUBLES_PROPERTY, "true");
                    Mt19937 a = new Mt19937(n);
                    Tensor old = TorchCpuRandom.random(RandomKind.BERNOULLI, new int[] {n}, dtype, p, 0, a);
                    System.clearProperty(TorchCpuRandom.BERNOULLI_DOUBLES_PROPERTY);
                    Mt19937 b = new Mt19937(n);
                    Tensor now = TorchCpuRandom.random(RandomKind.BERNOULLI, new int[] {n}, dtype, p, 0, b);
                    assertArrayEquals(old.to(DType.FLOAT64).toDoubleArray(), now.to(DType.FLOAT64).toDoubleArray(),
                            "p " + p + " " + dtype + " n " + n);
                    assertEquals(a.random(), b.random(), "the same words consumed");
                }
            }
        }
    }
}
