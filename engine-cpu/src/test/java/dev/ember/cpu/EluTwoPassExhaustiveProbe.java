package dev.ember.cpu;

import java.util.Locale;

/**
 * Not a test (no {@code @Test}; surefire never runs it): {@link VectorSleef#eluTwoPass} (session 62) against the one
 * loop it splits ({@link VectorSleef#eluForward} under {@code -Dember.cpu.elu.onePass=true}) over every float bit
 * pattern in a range (default all 2^32), in blocks of 4096 consecutive patterns, for elu's, selu's, celu(1.3)'s and
 * celu(-0.7)'s coefficients (the last a negative input scale). Prints the mismatches (raw bits; NaN against NaN counted
 * apart). Since tanh's first pass is now the shared {@code expk2Pass}, it also checks {@link VectorSleef#tanhTwoPass}
 * against the one loop ({@code -Dember.cpu.tanh.onePass=true}). Run from the repository root after
 * {@code mvn ... verify} built the test classes:
 * {@code nice -n 10 java --add-modules jdk.incubator.vector -cp engine-api/target/classes:engine-cpu/target/classes:engine-cpu/target/test-classes dev.ember.cpu.EluTwoPassExhaustiveProbe [forms [firstBits lastBits]]}
 * (forms: a comma-separated subset of {@code elu(1),selu,celu(1.3),celu(-0.7),tanh}, default all; bits as signed ints,
 * inclusive). Prints its progress every 2^28 patterns.
 */
final class EluTwoPassExhaustiveProbe {
    private EluTwoPassExhaustiveProbe() {
    }

    /**
     * Runs the probe.
     *
     * @param args optionally the forms, then optionally the first and last bit patterns (inclusive)
     */
    public static void main(String[] args) {
        long first = args.length > 2 ? Integer.parseInt(args[1]) : Integer.MIN_VALUE;
        long last = args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE;
        float seluScale = 1.0507009873554804934193349852946f;
        float[][] coefficients = {{1f, 1f, 1f},
            {(float) (1.6732632423543772848170429916717 * seluScale), seluScale, 1f},
            {1.3f, 1f, (float) (1 / 1.3)}, {-0.7f, 1f, (float) (1 / -0.7)}};
        String[] names = {"elu(1)", "selu", "celu(1.3)", "celu(-0.7)", "tanh"};
        java.util.List<String> forms = java.util.Arrays.asList(args.length > 0 ? args[0].split(",") : names);
        int block = 4096;
        float[] x = new float[block];
        float[] one = new float[block];
        float[] two = new float[block];
        long[] mismatches = new long[names.length];
        long[] nanMismatches = new long[names.length];
        long checked = 0;
        long start = System.nanoTime();
        for (long b = first; b <= last; b += block) {
            int m = (int) Math.min(block, last - b + 1);
            for (int i = 0; i < m; i++) {
                x[i] = Float.intBitsToFloat((int) (b + i));
            }
            for (int k = 0; k < names.length; k++) {
                if (!forms.contains(names[k])) {
                    continue;
                }
                if (k < coefficients.length) {
                    float[] c = coefficients[k];
                    System.setProperty("ember.cpu.elu.onePass", "true");
                    VectorSleef.eluForward(x, 0, c[0], c[1], c[2], one, 0, m);
                    System.clearProperty("ember.cpu.elu.onePass");
                    VectorSleef.eluTwoPass(x, 0, c[0], c[1], c[2], two, 0, m);
                } else {
                    System.setProperty("ember.cpu.tanh.onePass", "true");
                    VectorSleef.tanh(x, 0, one, 0, m);
                    System.clearProperty("ember.cpu.tanh.onePass");
                    VectorSleef.tanhTwoPass(x, 0, two, 0, m);
                }
                for (int i = 0; i < m; i++) {
                    int w = Float.floatToRawIntBits(one[i]);
                    int got = Float.floatToRawIntBits(two[i]);
                    if (w != got) {
                        if (one[i] != one[i] && two[i] != two[i]) {
                            nanMismatches[k]++;
                        } else if (mismatches[k]++ < 20) {
                            System.out.printf(Locale.ROOT, "%s mismatch at %a (%08x): one loop %08x, two passes %08x%n",
                                    names[k], x[i], (int) (b + i), w, got);
                        }
                    }
                }
            }
            checked += m;
            if ((checked & ((1L << 28) - 1)) == 0) {
                System.out.printf(Locale.ROOT, "%d patterns, %.1f s%n", checked, (System.nanoTime() - start) / 1e9);
            }
        }
        for (int k = 0; k < names.length; k++) {
            if (!forms.contains(names[k])) {
                continue;
            }
            System.out.printf(Locale.ROOT, "%s: patterns %d..%d (%d checked): mismatches %d, NaN-vs-NaN bit differences"
                    + " %d%n", names[k], first, last, checked, mismatches[k], nanMismatches[k]);
        }
        System.out.printf(Locale.ROOT, "%.1f s%n", (System.nanoTime() - start) / 1e9);
    }
}
