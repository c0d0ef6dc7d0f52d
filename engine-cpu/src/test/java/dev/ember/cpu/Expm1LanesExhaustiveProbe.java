package dev.ember.cpu;

import java.util.Locale;

/**
 * Not a test (no {@code @Test}; surefire never runs it): {@link VectorSleef#expm1}'s lanes against the scalar
 * {@link SleefFloat#expm1} over every float bit pattern in a range (default all 2^32), in blocks of 4096 consecutive
 * patterns. Prints the mismatches (raw bits; NaN against NaN counted apart). Run from the repository root after
 * {@code mvn ... verify} built the test classes:
 * {@code nice -n 10 java --add-modules jdk.incubator.vector -cp engine-api/target/classes:engine-cpu/target/classes:engine-cpu/target/test-classes dev.ember.cpu.Expm1LanesExhaustiveProbe [firstBits lastBits]}
 * (bits as signed ints, inclusive).
 */
final class Expm1LanesExhaustiveProbe {
    private Expm1LanesExhaustiveProbe() {
    }

    /**
     * Runs the probe.
     *
     * @param args optionally the first and last bit patterns (inclusive)
     */
    public static void main(String[] args) {
        long first = args.length > 1 ? Integer.parseInt(args[0]) : Integer.MIN_VALUE;
        long last = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
        int block = 4096;
        float[] x = new float[block];
        float[] lanes = new float[block];
        long mismatches = 0;
        long nanMismatches = 0;
        long checked = 0;
        long start = System.nanoTime();
        for (long b = first; b <= last; b += block) {
            int m = (int) Math.min(block, last - b + 1);
            for (int i = 0; i < m; i++) {
                x[i] = Float.intBitsToFloat((int) (b + i));
            }
            VectorSleef.expm1(x, 0, lanes, 0, m);
            for (int i = 0; i < m; i++) {
                float want = SleefFloat.expm1(x[i]);
                int w = Float.floatToRawIntBits(want);
                int got = Float.floatToRawIntBits(lanes[i]);
                if (w != got) {
                    if (want != want && lanes[i] != lanes[i]) {
                        nanMismatches++;
                    } else if (mismatches++ < 20) {
                        System.out.printf(Locale.ROOT, "mismatch at %a (%08x): scalar %08x, lanes %08x%n", x[i],
                                (int) (b + i), w, got);
                    }
                }
            }
            checked += m;
        }
        System.out.printf(Locale.ROOT, "patterns %d..%d (%d checked): mismatches %d, NaN-vs-NaN bit differences %d;"
                + " %.1f s%n", first, last, checked, mismatches, nanMismatches, (System.nanoTime() - start) / 1e9);
    }
}
