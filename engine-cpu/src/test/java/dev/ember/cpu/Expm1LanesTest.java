package dev.ember.cpu;

import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The float32 {@code expm1} on the Vector API's lanes ({@link EluKernels#expm1Floats}, {@link EluLoops#expm1};
 * session 57) gives the bits {@code (float) Math.expm1((double) v)}: through {@code Tensor.expm1}, {@code expm1_},
 * a stride-2 view, and the elu forward ({@code elu(1)}, whose results are those floats themselves; {@code elu_} in
 * place, on a stride-2 and a transposed view; {@code selu}, {@code celu(1.3)}, {@code elu(0.7)}, {@code selu_} against
 * the kernel's {@code Math.expm1} path, {@code -Dember.cpu.elu.plainExpm1=true}), and the lane method and the scalar
 * form ({@code -Dember.cpu.expm1.noLanes=true}) called directly. Inputs: 1M random floats over the whole range
 * (random bit patterns, subnormals, +-0, NaN, +-inf, the ends of the lanes' domain and of float expm1's range near
 * -104 and 89, around 2^-10, Gaussians of magnitudes 2^-30 to 2^7) and 1M consecutive floats in each of three places
 * (down from -0.5, across 0, across 1). Every element is compared bit for bit (NaN as NaN). Since session 58 these
 * are the bits under {@code -Dember.cpu.exactTranscendentals=true}, which each test sets.
 */
class Expm1LanesTest {
    private static final String PLAIN = EluKernels.PLAIN_EXPM1_PROPERTY;
    private static final String NO_LANES = EluKernels.NO_LANES_PROPERTY;
    private static final int N = 1 << 20;

    private String savedPlain;
    private String savedNoLanes;
    private String savedExact;

    /** Session 58: Math.expm1's bits are the exactTranscendentals path's (the default is Sleef's: Expm1SleefBitsTest). */
    @BeforeEach
    void save() {
        savedPlain = System.getProperty(PLAIN);
        savedNoLanes = System.getProperty(NO_LANES);
        savedExact = System.getProperty(SleefFloat.EXACT_PROPERTY);
        System.clearProperty(PLAIN);
        System.clearProperty(NO_LANES);
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
    }

    @AfterEach
    void restore() {
        restore(PLAIN, savedPlain);
        restore(NO_LANES, savedNoLanes);
        restore(SleefFloat.EXACT_PROPERTY, savedExact);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static final float[] SPECIAL = {Float.NaN, Float.intBitsToFloat(0xffc00000),
        Float.intBitsToFloat(0x7f800001), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
        -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 0x1p-10f, -0x1p-10f,
        88.72283f, 88.72284f, 89f, -103.97208f, -103.97209f, -104f, 708.99994f, 709f, -709f, 1e30f, -1e30f};

    /** Random floats over the whole range, special values and the places where the forms change. */
    private static float[] randomFloats() {
        Random r = new Random(57);
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            switch (r.nextInt(8)) {
                case 0: case 1:
                    v[i] = Float.intBitsToFloat(r.nextInt());
                    break;
                case 2:
                    v[i] = Float.intBitsToFloat(r.nextInt(0x800000) | (r.nextBoolean() ? 0x80000000 : 0)); // subnormal
                    break;
                case 3:
                    v[i] = SPECIAL[r.nextInt(SPECIAL.length)];
                    break;
                case 4: {
                    // within 2^12 ulps of an end: -104, 89, 709, +-2^-10
                    float[] ends = {-104f, -103.97208f, 88.72283f, 89f, 709f, -709f, 0x1p-10f, -0x1p-10f};
                    int bits = Float.floatToRawIntBits(ends[r.nextInt(ends.length)]);
                    v[i] = Float.intBitsToFloat(bits + r.nextInt(8192) - 4096);
                    break;
                }
                default:
                    v[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(38) - 30));
            }
        }
        return v;
    }

    /** n consecutive floats from {@code from} upward (by bit pattern for positives, magnitude down for negatives). */
    private static float[] sweep(float from) {
        float[] v = new float[N];
        float x = from;
        for (int i = 0; i < N; i++) {
            v[i] = x;
            x = Math.nextUp(x);
        }
        return v;
    }

    /** The inputs: the random set and the three sweeps. */
    private static float[][] inputs() {
        return new float[][] {randomFloats(), sweep(-0.5f - N * Math.ulp(-0.5f)), sweep(-(N / 2) * Float.MIN_VALUE),
            sweep(1f - (N / 2) * Math.ulp(0.5f))};
    }

    private static float expm1(float v) {
        return (float) Math.expm1(v);
    }

    private static void assertSameBits(float want, float got, float input, String what) {
        boolean same = Float.isNaN(want) ? Float.isNaN(got)
                : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
        if (!same) {
            fail(what + " at " + input + " (" + Integer.toHexString(Float.floatToRawIntBits(input)) + "): want "
                    + want + ", got " + got);
        }
    }

    private static void assertSameBits(float[] want, float[] got, float[] input, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            assertSameBits(want[i], got[i], input[i], what);
        }
    }

    /** A tensor of a copy of the input (Tensor.fromArray may share the array, and the in-place ops write it). */
    private static Tensor tensor(float[] v) {
        return Tensor.fromArray(v.clone());
    }

    /** The input spread over every other element of a 2n base, as a stride-2 view. */
    private static Tensor strided(float[] v) {
        float[] base = new float[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            base[2 * i] = v[i];
            base[2 * i + 1] = 7f;
        }
        return Tensor.fromArray(base).slice(0, 0, 2 * v.length, 2);
    }

    /** The input as the transpose of a [1024, 1024] tensor holding it transposed (so element order is the input's). */
    private static Tensor transposed(float[] v) {
        return tensor(v).reshape(1024, 1024).transpose(0, 1).contiguous().transpose(0, 1);
    }

    @Test
    void tensorExpm1HasMathExpm1sBits() {
        for (float[] v : inputs()) {
            float[] want = new float[N];
            for (int i = 0; i < N; i++) {
                want[i] = expm1(v[i]);
            }
            assertSameBits(want, tensor(v).expm1().toFloatArray(), v, "expm1");
            Tensor in = tensor(v);
            in.expm1_();
            assertSameBits(want, in.toFloatArray(), v, "expm1_");
            assertSameBits(want, strided(v).expm1().toFloatArray(), v, "expm1 of a stride-2 view");
            Tensor s = strided(v);
            s.expm1_();
            assertSameBits(want, s.toFloatArray(), v, "expm1_ of a stride-2 view");
        }
    }

    @Test
    void eluOneHasMathExpm1sBits() {
        for (float[] v : inputs()) {
            float[] want = new float[N];
            for (int i = 0; i < N; i++) {
                want[i] = v[i] > 0 ? v[i] : expm1(v[i]);
            }
            assertSameBits(want, Functional.elu(tensor(v), 1.0).toFloatArray(), v, "elu(1)");
            assertSameBits(want, Functional.elu_(tensor(v), 1.0).toFloatArray(), v, "elu_(1)");
            assertSameBits(want, Functional.elu(strided(v), 1.0).toFloatArray(), v, "elu(1) of a stride-2 view");
            assertSameBits(want, Functional.elu_(strided(v), 1.0).toFloatArray(), v, "elu_(1) of a stride-2 view");
            Tensor t = transposed(v);
            Functional.elu_(t, 1.0);
            assertSameBits(want, t.toFloatArray(), v, "elu_(1) of a transposed view");
        }
    }

    /** selu, celu and elu with coefficients against the kernel's own Math.expm1 path. */
    @Test
    void eluFamilyMatchesThePlainExpm1Path() {
        String[] names = {"selu", "celu(1.3)", "elu(0.7)", "selu_", "celu(0.4) of a stride-2 view"};
        List<UnaryOperator<Tensor>> ops = List.of(Functional::selu, x -> Functional.celu(x, 1.3),
                x -> Functional.elu(x, 0.7), Functional::selu_, x -> Functional.celu(x, 0.4));
        for (float[] v : inputs()) {
            for (int k = 0; k < ops.size(); k++) {
                boolean viewed = k == ops.size() - 1;
                System.setProperty(PLAIN, "true");
                float[] want = ops.get(k).apply(viewed ? strided(v) : tensor(v)).toFloatArray();
                System.clearProperty(PLAIN);
                float[] got = ops.get(k).apply(viewed ? strided(v) : tensor(v)).toFloatArray();
                assertSameBits(want, got, v, names[k]);
            }
        }
    }

    /** The lane method itself (where the Vector API is present) and the scalar form behind the property. */
    @Test
    void lanesAndScalarFormHaveMathExpm1sBits() {
        EluLoops lanes = MicroKernels.loadVectorClass(EluLoops.class, "dev.ember.cpu.VectorEluLoops");
        boolean vectorApi = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !Boolean.getBoolean("ember.cpu.noVector");
        if (vectorApi) {
            assertNotNull(lanes, "VectorEluLoops did not load though the Vector API is present");
        } else {
            assertNull(lanes);
        }
        for (float[] v : inputs()) {
            double[] d = new double[N];
            for (int form = 0; form < 3; form++) {
                for (int i = 0; i < N; i++) {
                    d[i] = v[i];
                }
                String what;
                if (form == 0) {
                    if (lanes == null) {
                        continue;
                    }
                    lanes.expm1(d, N);
                    what = "VectorEluLoops.expm1";
                } else if (form == 1) {
                    // odd lengths: the vector tail
                    for (int start = 0; start < N; start += 253) {
                        double[] part = Arrays.copyOfRange(d, start, Math.min(N, start + 253));
                        EluKernels.expm1Floats(part, part.length);
                        System.arraycopy(part, 0, d, start, part.length);
                    }
                    what = "expm1Floats in runs of 253";
                } else {
                    System.setProperty(NO_LANES, "true");
                    EluKernels.expm1Floats(d, N);
                    System.clearProperty(NO_LANES);
                    what = "expm1Floats under " + NO_LANES;
                }
                for (int i = 0; i < N; i++) {
                    assertSameBits(expm1(v[i]), (float) d[i], v[i], what);
                }
            }
        }
    }
}
