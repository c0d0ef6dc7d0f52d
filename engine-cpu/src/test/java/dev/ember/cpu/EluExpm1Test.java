package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link EluKernels#expm1Float} rounds to the float {@code (float) Math.expm1(d)} gives, for every float d of four whole
 * binades ([-2, -1), [-1, -0.5), [-16, -8), [2^-10, 2^-9)) and 2M random floats over (-100, 100) and of random
 * magnitudes, plus the special values; and it takes its shortcut for most of them (the check is not vacuous).
 */
class EluExpm1Test {
    private static long shortcuts;
    private static long checked;

    private static void check(float v) {
        double d = v;
        double want = Math.expm1(d);
        double got = EluKernels.expm1Float(d);
        if (Float.floatToRawIntBits((float) want) != Float.floatToRawIntBits((float) got)
                && !(Double.isNaN(want) && Double.isNaN(got))) {
            fail("expm1(" + v + "): Math.expm1 rounds to " + (float) want + ", expm1Float to " + (float) got);
        }
        checked++;
        double shortcut = EluKernels.expm1Shortcut(d);
        if (!Double.isNaN(shortcut)) {
            assertEquals(Float.floatToRawIntBits((float) want), Float.floatToRawIntBits((float) shortcut), "at " + v);
            shortcuts++;
        }
    }

    private static void binade(float from, float to) {
        for (float v = from; v < to; v = Math.nextUp(v)) {
            check(v);
        }
    }

    @Test
    void roundsAsMathExpm1() {
        shortcuts = 0;
        checked = 0;
        binade(-2f, -1f);
        binade(-1f, -0.5f);
        binade(-16f, -8f);
        binade(0x1p-10f, 0x1p-9f);
        Random r = new Random(56);
        for (int i = 0; i < 1_000_000; i++) {
            check((r.nextFloat() * 2 - 1) * 100);
            check((float) (r.nextGaussian() * Math.pow(2, r.nextInt(30) - 20)));
        }
        for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 80f, -80f, 79.99999f, -79.99999f,
            0x1p-10f, -0x1p-10f, Math.nextDown(0x1p-10f), 88.7f, 88.8f, -17.3f, -103.9f}) {
            check(v);
        }
        assertEquals(4 * (1 << 23) + 2_000_000 + 20, checked);
        assertTrue(shortcuts > 0.9 * checked, shortcuts + " shortcuts of " + checked);
    }
}
