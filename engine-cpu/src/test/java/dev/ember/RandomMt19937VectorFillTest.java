package dev.ember;

import dev.ember.backend.RandomKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend's float32 normal fill on Vector API lanes ({@link dev.ember.backend.Backend#normalFill16Avx2}) gives
 * the bits of the scalar port of PyTorch's AVX2 kernel ({@code TorchCpuRandom.boxMuller16}, which RandomMt19937Test
 * checks against PyTorch): on runs of uniform numbers at the ends of their range and across every octant of the angle,
 * and on whole {@code normal_} draws of the MT19937 generator with and without the lanes.
 */
class RandomMt19937VectorFillTest {
    @AfterEach
    void lanesBackOn() {
        TorchCpuRandom.vectorNormalFill = true;
        System.clearProperty("ember.normalFill.serial");
    }

    /**
     * A large fill split across the backend's workers (four threads asked for, whatever the machine has) gives the bits
     * of the fill on the calling thread alone ({@code -Dember.normalFill.serial=true}), odd counts of runs included.
     */
    @Test
    void workersGiveTheSerialFillsBits() {
        int threads = Ember.getNumThreads();
        Ember.setNumThreads(4);
        try {
            for (int n : new int[] {65_536, 100_003, 262_160, 300_000}) {
                System.setProperty("ember.normalFill.serial", "true");
                float[] serial = TorchCpuRandom.random(RandomKind.NORMAL, new int[] {n}, DType.FLOAT32, 0.25, 1.5,
                        new Mt19937(n), "AVX2").toFloatArray();
                System.clearProperty("ember.normalFill.serial");
                float[] split = TorchCpuRandom.random(RandomKind.NORMAL, new int[] {n}, DType.FLOAT32, 0.25, 1.5,
                        new Mt19937(n), "AVX2").toFloatArray();
                assertArrayEquals(serial, split, "n " + n);
            }
        } finally {
            Ember.setNumThreads(threads);
        }
    }

    private static float[] scalar(float[] d, int blocks, float mean, float std) {
        float[] out = d.clone();
        for (int k = 0; k < blocks; k++) {
            TorchCpuRandom.boxMuller16(out, 16 * k, mean, std, "AVX2");
        }
        return out;
    }

    private static float[] lanes(float[] d, int blocks, float mean, float std) {
        float[] out = d.clone();
        assertTrue(Tensor.backendFor(Device.CPU).normalFill16Avx2(out, 0, blocks, mean, std),
                "the CPU backend has the lanes (the tests run with the Vector API)");
        return out;
    }

    @Test
    void edgeValuesAndEveryOctant() {
        // radii from u = 0 (log 1 = 0), the smallest step 2^-24, 1/2, and the largest uniform 1 - 2^-24; angles from
        // u2 = k/16 and its neighbours, every octant of sincos' reduction
        float[] radii = {0f, 0x1p-24f, 0x1p-23f, 0.25f, 0.5f, 0.75f, 1 - 0x1p-24f, 1 - 0x1p-23f};
        int blocks = 3 * 16;
        float[] d = new float[16 * blocks];
        int b = 0;
        for (int k = 0; k < 16; k++) {
            for (int shift = -1; shift <= 1; shift++) {
                for (int j = 0; j < 8; j++) {
                    d[16 * b + j] = radii[(j + k) % 8];
                    float angle = Math.max(0f, Math.min(1 - 0x1p-24f, k / 16f + shift * 0x1p-24f * (j + 1)));
                    d[16 * b + 8 + j] = angle;
                }
                b++;
            }
        }
        for (float[] ms : new float[][] {{0f, 1f}, {2.5f, 0.3f}, {-1.5f, 0.25f}}) {
            assertArrayEquals(scalar(d, blocks, ms[0], ms[1]), lanes(d, blocks, ms[0], ms[1]),
                    "mean " + ms[0] + ", std " + ms[1]);
        }
    }

    @Test
    void randomRuns() {
        SplittableRandom r = new SplittableRandom(45);
        int blocks = 4000;
        float[] d = new float[16 * blocks];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextInt(1 << 24) * 0x1.0p-24f; // the fill's uniform numbers: 24 bits
        }
        assertArrayEquals(scalar(d, blocks, 0f, 1f), lanes(d, blocks, 0f, 1f));
        assertArrayEquals(scalar(d, blocks, 0.1f, 3f), lanes(d, blocks, 0.1f, 3f));
    }

    @Test
    void wholeDrawsWithAndWithoutTheLanes() {
        for (int n : new int[] {16, 17, 31, 32, 100, 1000, 4099}) {
            for (String capability : new String[] {"AVX2", "AVX512"}) {
                TorchCpuRandom.vectorNormalFill = true;
                Tensor withLanes = TorchCpuRandom.random(RandomKind.NORMAL, new int[] {n}, DType.FLOAT32, -0.5, 2.0,
                        new Mt19937(n), capability);
                TorchCpuRandom.vectorNormalFill = false;
                Tensor scalar = TorchCpuRandom.random(RandomKind.NORMAL, new int[] {n}, DType.FLOAT32, -0.5, 2.0,
                        new Mt19937(n), capability);
                assertEquals(n, withLanes.numel());
                assertArrayEquals(scalar.toFloatArray(), withLanes.toFloatArray(), n + " " + capability);
            }
        }
    }
}
