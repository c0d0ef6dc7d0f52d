package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The samplers added for the distributions: {@code random_}, {@code geometric_}, {@code cauchy_}, {@code log_normal_},
 * {@code torch.poisson}, {@code torch.binomial}. Ember's Philox stream differs from PyTorch's, so they are tested by
 * statistics (20k draws of a fixed seed: deterministic) and by PyTorch's messages (checked with PyTorch 1.13; cauchy_'s
 * sigma check is 2.x's), nodes and zero gradients.
 */
class RandomSamplersTest {
    private static final int N = 20000;

    private static double[] meanVar(Tensor t) {
        Tensor d = t.to(DType.FLOAT64);
        return new double[] {d.mean().item(), d.var().item()};
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void randomRange() {
        Tensor t = Tensor.zeros(N).random_(-3, 5, new Generator(1));
        double[] v = t.toDoubleArray();
        int[] counts = new int[8];
        for (double x : v) {
            assertEquals(Math.rint(x), x);
            assertTrue(x >= -3 && x < 5, "value " + x);
            counts[(int) x + 3]++;
        }
        for (int c : counts) {
            assertEquals(N / 8.0, c, 150);
        }
        Tensor l = Tensor.zeros(DType.INT64, 1000).random_(7);
        assertTrue(l.ge(0L).all() && l.lt(7L).all());
        assertEquals("random_ expects 'from' to be less than 'to', but got from=5 >= to=5", message(() -> Tensor.zeros(3).random_(5, 5)));
        assertEquals("random_ expects 'from' to be less than 'to', but got from=0 >= to=0", message(() -> Tensor.zeros(3).random_(0)));
        assertEquals("to - 1 is out of bounds for unsigned char", message(() -> Tensor.zeros(DType.UINT8, 3).random_(0, 300)));
        assertEquals("from is out of bounds for c10::Half", message(() -> Tensor.zeros(DType.FLOAT16, 3).random_(-16777217, 0)));
        Tensor b = Tensor.zeros(DType.BOOL, 100).random_(0, 2);
        assertEquals(DType.BOOL, b.dtype());
    }

    @Test
    void geometric() {
        double p = 0.3;
        Tensor t = Tensor.zeros(DType.FLOAT64, N).geometric_(p, new Generator(2));
        assertTrue(t.ge(1.0).all());
        assertTrue(t.eq(t.floor()).all());
        double[] mv = meanVar(t);
        assertEquals(1 / p, mv[0], 0.06);
        assertEquals((1 - p) / (p * p), mv[1], 0.5);
        assertEquals(DType.INT64, Tensor.zeros(DType.INT64, 3).geometric_(0.5).dtype());
        assertEquals("geometric_ expects p to be in (0, 1), but got p=0", message(() -> Tensor.zeros(3).geometric_(0)));
        assertEquals("geometric_ expects p to be in (0, 1), but got p=1", message(() -> Tensor.zeros(3).geometric_(1)));
        assertEquals("geometric_ expects p to be in (0, 1), but got p=1.5", message(() -> Tensor.zeros(3).geometric_(1.5)));
    }

    @Test
    void cauchy() {
        Tensor t = Tensor.zeros(DType.FLOAT64, N).cauchy_(1.0, 2.0, new Generator(3));
        // no mean: the median and the quartiles (median ± sigma)
        Tensor s = t.msort();
        double[] v = s.toDoubleArray();
        assertEquals(1.0, v[N / 2], 0.08);
        assertEquals(-1.0, v[N / 4], 0.12);
        assertEquals(3.0, v[3 * N / 4], 0.12);
        assertEquals("cauchy_ expects sigma > 0.0, but found sigma=0", message(() -> Tensor.zeros(3).cauchy_(0, 0)));
        assertEquals("\"cauchy_cpu\" not implemented for 'Long'", message(() -> Tensor.zeros(DType.INT64, 3).cauchy_(0, 1)));
    }

    @Test
    void logNormal() {
        Tensor t = Tensor.zeros(DType.FLOAT64, N).logNormal_(0.5, 0.4, new Generator(4));
        assertTrue(t.gt(0.0).all());
        double[] mv = meanVar(t.log());
        assertEquals(0.5, mv[0], 0.012);
        assertEquals(0.16, mv[1], 0.008);
        assertEquals("log_normal_ expects std > 0.0, but found std=0", message(() -> Tensor.zeros(3).logNormal_(0, 0)));
        assertEquals("log_normal_ expects std > 0.0, but found std=-1", message(() -> Tensor.zeros(3).logNormal_(0, -1)));
        assertEquals("\"log_normal_cpu\" not implemented for 'Long'", message(() -> Tensor.zeros(DType.INT64, 3).logNormal_(0, 1)));
    }

    @Test
    void poisson() {
        Generator g = new Generator(5);
        for (double rate : new double[] {0.5, 4.0, 30.0}) {
            Tensor t = Tensor.poisson(Tensor.full(DType.FLOAT64, rate, N), g);
            assertTrue(t.eq(t.floor()).all() && t.ge(0.0).all());
            double[] mv = meanVar(t);
            assertEquals(rate, mv[0], 4 * Math.sqrt(rate / N), "mean at rate " + rate);
            assertEquals(rate, mv[1], 0.06 * rate, "variance at rate " + rate);
        }
        assertEquals(0.0, Tensor.poisson(Tensor.zeros(5)).sum().item());
        assertEquals("invalid Poisson rate, expected rate to be non-negative",
                message(() -> Tensor.poisson(Tensor.tensor(new float[] {-1}))));
        assertEquals("invalid Poisson rate, expected rate to be non-negative",
                message(() -> Tensor.poisson(Tensor.tensor(new float[] {Float.NaN}))));
        assertEquals("\"poisson_cpu\" not implemented for 'Long'", message(() -> Tensor.poisson(Tensor.tensor(new long[] {1}))));
    }

    @Test
    void binomial() {
        Generator g = new Generator(6);
        Tensor count = Tensor.full(DType.FLOAT64, 20, N);
        for (double p : new double[] {0.1, 0.5, 0.85}) {
            Tensor t = Tensor.binomial(count, Tensor.full(DType.FLOAT64, p, N), g);
            assertTrue(t.ge(0.0).all() && t.le(20.0).all() && t.eq(t.floor()).all());
            double[] mv = meanVar(t);
            assertEquals(20 * p, mv[0], 4 * Math.sqrt(20 * p * (1 - p) / N), "mean at p " + p);
            assertEquals(20 * p * (1 - p), mv[1], 0.06 * 20 * p * (1 - p), "variance at p " + p);
        }
        Tensor edge = Tensor.binomial(Tensor.tensor(new double[] {5, 0, 3}, DType.FLOAT64), Tensor.tensor(new double[] {1, 0.5, 0}, DType.FLOAT64));
        assertArrayEquals(new double[] {5, 0, 0}, edge.toDoubleArray());
        assertEquals("Found dtype Double but expected Float", message(() -> Tensor.binomial(Tensor.tensor(new float[] {5, 3}, DType.FLOAT32),
                Tensor.tensor(new double[] {0.5, 0.5}, DType.FLOAT64))));
    }

    @Test
    void nodesAndZeroGradients() {
        Tensor x = Tensor.rand(DType.FLOAT64, 4).requiresGrad_(true);
        Tensor p = Tensor.poisson(x);
        assertEquals("PoissonBackward0", p.gradFn().name());
        p.sum().backward();
        assertArrayEquals(new double[4], x.grad().toDoubleArray());
        assertEquals("GeometricBackward0", x.clone().geometric_(0.5).gradFn().name());
        assertEquals("CauchyBackward0", x.clone().cauchy_(0, 1).gradFn().name());
        assertEquals("LogNormalBackward0", x.clone().logNormal_(0, 1).gradFn().name());
        assertEquals("RandomBackward0", x.clone().random_(0, 3).gradFn().name());
        assertEquals("RandomBackward1", x.clone().random_(3).gradFn().name());
        Tensor y = x.clone();
        y.cauchy_(0, 1).sum().backward();
        assertFalse(Tensor.binomial(x.detach(), x.detach()).requiresGrad());
    }

    @Test
    void sameSeedSameDraws() {
        assertArrayEquals(Tensor.zeros(50).cauchy_(0, 1, new Generator(9)).toDoubleArray(),
                Tensor.zeros(50).cauchy_(0, 1, new Generator(9)).toDoubleArray());
        assertArrayEquals(Tensor.poisson(Tensor.full(new int[] {50}, 20.0), new Generator(9)).toDoubleArray(),
                Tensor.poisson(Tensor.full(new int[] {50}, 20.0), new Generator(9)).toDoubleArray());
    }
}
