package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Special;
import dev.ember.Tensor;
import dev.ember.distributions.Gamma;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session 20's switches and small ops on CUDA against the CPU: round(decimals)/round_(decimals) (bit for bit, the
 * CPU's values checked against PyTorch in RoundDecimalsTest), gcd_/lcm_, special.gammainc/gammaincc and Gamma.cdf,
 * the default dtype of device factories, and the RNG state replaying device draws.
 */
class CudaSwitchesRoundGammaTest {
    private static final Generator GEN = new Generator(2020);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void roundToDecimalsMatchesTheCpu() {
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16}) {
            Tensor x = Tensor.randn(GEN, DType.FLOAT64, 64).mul(1000.0).to(d);
            for (int dec : new int[] {-2, 1, 3}) {
                Tensor cpu = x.round(dec);
                Tensor gpu = x.to(GPU).round(dec);
                assertEquals(GPU, gpu.device());
                assertArrayEquals(cpu.toDoubleArray(), gpu.cpu().toDoubleArray(), 0.0, d + " decimals " + dec);
                Tensor inPlace = x.to(GPU);
                inPlace.round_(dec);
                assertArrayEquals(cpu.toDoubleArray(), inPlace.cpu().toDoubleArray(), 0.0, d + " round_ " + dec);
            }
        }
        Tensor ints = Tensor.tensor(new long[] {15, 26}).to(GPU);
        assertEquals("\"round_cuda\" not implemented for 'Long'",
                assertThrows(IllegalArgumentException.class, () -> ints.round(1)).getMessage());
    }

    @Test
    void gcdAndLcmInPlaceMatchTheCpu() {
        Tensor a = Tensor.tensor(new long[] {12, 18, -7, 0, 9});
        Tensor b = Tensor.tensor(new long[] {8, 27, 14, 5, -6});
        Tensor g = a.to(GPU);
        g.gcd_(b.to(GPU));
        Tensor l = a.to(GPU);
        l.lcm_(b.to(GPU));
        assertArrayEquals(a.gcd(b).toLongArray(), g.cpu().toLongArray());
        assertArrayEquals(a.lcm(b).toLongArray(), l.cpu().toLongArray());
    }

    @Test
    void incompleteGammaAndGammaCdfMatchTheCpu() {
        Tensor a = Tensor.rand(GEN, DType.FLOAT64, 32).mul(5.0).add(0.1);
        Tensor x = Tensor.rand(GEN, DType.FLOAT64, 32).mul(6.0);
        assertArrayEquals(Special.gammainc(a, x).toDoubleArray(), Special.gammainc(a.to(GPU), x.to(GPU)).cpu().toDoubleArray(),
                1e-12);
        assertArrayEquals(Special.gammaincc(a, x).toDoubleArray(),
                Special.gammaincc(a.to(GPU), x.to(GPU)).cpu().toDoubleArray(), 1e-12);
        Tensor rate = Tensor.rand(GEN, DType.FLOAT64, 32).add(0.5);
        assertArrayEquals(new Gamma(a, rate).cdf(x).toDoubleArray(),
                new Gamma(a.to(GPU), rate.to(GPU)).cdf(x.to(GPU)).cpu().toDoubleArray(), 1e-12);
    }

    @Test
    void deviceFactoriesTakeTheDefaultDtypeAndTheRngStateReplaysDeviceDraws() {
        DType before = Ember.getDefaultDtype();
        Tensor saved = Ember.getRngState();
        try {
            Ember.setDefaultDtype(DType.FLOAT64);
            assertEquals(DType.FLOAT64, Tensor.zeros(2).to(GPU).dtype());
            assertEquals(DType.FLOAT64, Tensor.arange(3).to(GPU).sqrt().dtype());
            Ember.setDefaultDtype(DType.FLOAT32);
            Ember.manualSeed(77);
            Tensor state = Ember.getRngState();
            double[] first = Tensor.randn(8, 8).to(GPU).exp().cpu().toDoubleArray();
            Ember.setRngState(state);
            assertArrayEquals(first, Tensor.randn(8, 8).to(GPU).exp().cpu().toDoubleArray(), 0.0);
        } finally {
            Ember.setDefaultDtype(before);
            Ember.setRngState(saved);
        }
    }
}
