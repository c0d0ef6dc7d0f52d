package dev.ember.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Locale;

/**
 * Not a test (no {@code @Test}; surefire never runs it): the exhaustive probe of {@link EluKernels#expm1Floats}
 * against {@code (float) Math.expm1((double) v)} over every float bit pattern in a range (default all 2^32), in blocks
 * of 256 consecutive patterns as the kernels give it. Prints the mismatches (raw float bits; NaN against NaN counted
 * apart) and the share of vectors that fell back to the scalar form, split into those with a lane outside the lanes'
 * domain (NaN, infinite, at least 709) and those whose rounding check failed. Run from the repository root after
 * {@code mvn ... verify} built the test classes:
 * {@code nice -n 10 java --add-modules jdk.incubator.vector -cp engine-api/target/classes:engine-cpu/target/classes:engine-cpu/target/test-classes dev.ember.cpu.Expm1ExhaustiveProbe [firstBits lastBits]}
 * (bits as signed ints, inclusive).
 */
final class Expm1ExhaustiveProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());

    private Expm1ExhaustiveProbe() {
    }

    /**
     * Runs the probe.
     *
     * @param args optionally the first and last bit patterns (inclusive)
     */
    public static void main(String[] args) {
        long first = args.length > 1 ? Integer.parseInt(args[0]) : Integer.MIN_VALUE;
        long last = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
        double[] d = new double[256];
        float[] v = new float[256];
        long mismatches = 0;
        long nanMismatches = 0;
        long vectors = 0;
        long domainFallbacks = 0;
        long checkFallbacks = 0;
        long start = System.nanoTime();
        for (long b = first; b <= last; b += 256) {
            int m = (int) Math.min(256, last - b + 1);
            for (int i = 0; i < m; i++) {
                v[i] = Float.intBitsToFloat((int) (b + i));
                d[i] = v[i];
            }
            for (int i = 0; i + DS.length() <= m; i += DS.length()) {
                vectors++;
                DoubleVector x = DoubleVector.fromArray(DS, d, i);
                if (!x.compare(VectorOperators.LT, 709.0).and(x.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                        .allTrue()) {
                    domainFallbacks++;
                    continue;
                }
                DoubleVector y = x.lanewise(VectorOperators.EXPM1).blend(x, x.compare(VectorOperators.EQ, 0.0));
                DoubleVector e = y.abs().mul(0x1p-48);
                FloatVector lo = (FloatVector) y.sub(e).convertShape(VectorOperators.D2F, S, 0);
                FloatVector hi = (FloatVector) y.add(e).convertShape(VectorOperators.D2F, S, 0);
                if (!lo.compare(VectorOperators.EQ, hi).allTrue()) {
                    checkFallbacks++;
                }
            }
            EluKernels.expm1Floats(d, m);
            for (int i = 0; i < m; i++) {
                int want = Float.floatToRawIntBits((float) Math.expm1(v[i]));
                int got = Float.floatToRawIntBits((float) d[i]);
                if (want != got) {
                    if (Float.isNaN(Float.intBitsToFloat(want)) && Float.isNaN(Float.intBitsToFloat(got))) {
                        nanMismatches++;
                    } else if (mismatches++ < 20) {
                        System.out.printf(Locale.ROOT, "mismatch at %a: Math.expm1 %a, expm1Floats %a%n", v[i],
                                Float.intBitsToFloat(want), Float.intBitsToFloat(got));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "patterns %d..%d (%d): mismatches %d, NaN-vs-NaN bit differences %d; vectors %d,"
                + " out of the lanes' domain %d, rounding check failed %d (%.3g of vectors); %.1f s%n", first, last,
                last - first + 1, mismatches, nanMismatches, vectors, domainFallbacks, checkFallbacks,
                checkFallbacks / (double) vectors, (System.nanoTime() - start) / 1e9);
    }
}
