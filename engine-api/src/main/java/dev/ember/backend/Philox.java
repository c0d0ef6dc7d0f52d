package dev.ember.backend;

/**
 * The Philox 4x32-10 counter-based generator (Salmon et al., SC'11), the same one cuRAND and PyTorch's
 * CUDA generator use. A counter-based generator lets every backend produce element {@code i} of a random
 * tensor independently, so the CPU and CUDA backends draw identical numbers from one seed.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /** Four 32-bit random words for a 64-bit key and 64-bit counter, written into {@code out}. */
    public static void block(long key, long counter, int[] out) {
        int c0 = (int) counter;
        int c1 = (int) (counter >>> 32);
        int c2 = 0;
        int c3 = 0;
        int k0 = (int) key;
        int k1 = (int) (key >>> 32);
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** A uniform float in [0, 1) from a 32-bit word (24 random bits). */
    public static float uniformFloat(int word) {
        return (word >>> 8) * 0x1.0p-24f;
    }

    /** A uniform double in [0, 1) from two 32-bit words (53 random bits). */
    public static double uniformDouble(int hi, int lo) {
        long bits = ((hi & 0xFFFFFFFFL) << 21) ^ ((lo & 0xFFFFFFFFL) >>> 11);
        return bits * 0x1.0p-53;
    }

    /** A standard normal value by the Box-Muller transform of two words. */
    public static double normal(int w0, int w1) {
        double u1 = ((w0 & 0xFFFFFFFFL) + 1.0) * 0x1.0p-32; // (0, 1]: log is finite
        double u2 = (w1 & 0xFFFFFFFFL) * 0x1.0p-32;
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
