package dev.ember;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The random ops: their distributions, tested statistically on seeded draws (deterministic, with bounds of at least
 * five standard errors, so they cannot flake), their determinism (a seed gives the same numbers, on the CPU and on a
 * device), PyTorch's errors ({@code random/make_expected.py}), its in-place rules and its nodes (whose gradients are
 * zero). PyTorch's streams differ from Ember's Philox streams, so the numbers themselves are not compared with it.
 */
class RandomTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/random/expected.txt");

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double variance(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return s / (v.length - 1);
    }

    /** |observed - expected| within {@code sigmas} standard errors of a mean of n draws of standard deviation sd. */
    private static void assertMean(String what, double expected, double sd, double[] v, double sigmas) {
        double se = sd / Math.sqrt(v.length);
        double m = mean(v);
        assertTrue(Math.abs(m - expected) <= sigmas * se, what + ": mean " + m + ", expected " + expected + " +- " + sigmas * se);
    }

    private static final int N = 200_000;

    @Test
    void uniformNormalAndExponentialHaveTheirDistributions() {
        Generator g = new Generator(11);
        double[] u = Tensor.empty(DType.FLOAT64, N).uniform_(-2, 3, g).toDoubleArray();
        assertTrue(Arrays.stream(u).allMatch(x -> x >= -2 && x < 3));
        assertMean("uniform_", 0.5, 5 / Math.sqrt(12), u, 6);
        assertEquals(25.0 / 12, variance(u), 25.0 / 12 * 0.02);
        float[] uf = Tensor.empty(N).uniform_(0, 1, g).toFloatArray();
        for (float x : uf) {
            assertTrue(x >= 0 && x < 1);
        }
        double[] n = Tensor.empty(DType.FLOAT64, N).normal_(1.5, 2.0, g).toDoubleArray();
        assertMean("normal_", 1.5, 2.0, n, 6);
        assertEquals(4.0, variance(n), 4.0 * 0.02);
        // about 95.45% within two standard deviations
        long inside = Arrays.stream(n).filter(x -> Math.abs(x - 1.5) < 4.0).count();
        assertEquals(0.9545, inside / (double) N, 0.005);
        double[] e = Tensor.empty(DType.FLOAT64, N).exponential_(4.0, g).toDoubleArray();
        assertTrue(Arrays.stream(e).allMatch(x -> x >= 0 && Double.isFinite(x)));
        assertMean("exponential_", 0.25, 0.25, e, 6);
        // P(X > 1/lambda) = e^-1
        long tail = Arrays.stream(e).filter(x -> x > 0.25).count();
        assertEquals(Math.exp(-1), tail / (double) N, 0.006);
        double[] f = Tensor.normal(g, -3.0, 0.5, N).toDoubleArray();
        assertMean("normal factory", -3.0, 0.5, f, 6);
    }

    @Test
    void normalWithTensorParameters() {
        Generator g = new Generator(12);
        Tensor mean = Tensor.tensor(new double[] {-10, 0, 10}, DType.FLOAT64).reshape(3, 1);
        Tensor std = Tensor.tensor(new double[] {0.5, 2}, DType.FLOAT64);
        // [3, 1] and [2] broadcast to [3, 2]; repeat the draw to collect statistics per element
        double[][] cells = new double[6][20000];
        for (int k = 0; k < 20000; k++) {
            double[] v = Tensor.normal(mean, std, g).toDoubleArray();
            for (int c = 0; c < 6; c++) {
                cells[c][k] = v[c];
            }
        }
        for (int c = 0; c < 6; c++) {
            double mu = new double[] {-10, 0, 10}[c / 2];
            double sd = new double[] {0.5, 2}[c % 2];
            assertMean("normal cell " + c, mu, sd, cells[c], 6);
        }
        assertArrayEquals(new int[] {3, 2}, Tensor.normal(mean, std, g).shape());
        assertArrayEquals(new int[] {3, 1}, Tensor.normal(mean, 1.0, g).shape());
        assertArrayEquals(new int[] {2}, Tensor.normal(5.0, std, g).shape());
        assertEquals(DType.FLOAT64, Tensor.normal(5.0, std, g).dtype());
        // a zero standard deviation is the mean itself
        assertTrue(Tensor.normal(mean, 0.0, g).equal(mean));
    }

    @Test
    void bernoulliFrequenciesFollowP() {
        Generator g = new Generator(13);
        double[] b = Tensor.empty(DType.FLOAT64, N).bernoulli_(0.3, g).toDoubleArray();
        assertTrue(Arrays.stream(b).allMatch(x -> x == 0 || x == 1));
        assertMean("bernoulli_(0.3)", 0.3, Math.sqrt(0.21), b, 6);
        Tensor p = Tensor.tensor(new double[] {0, 0.1, 0.5, 0.9, 1}, DType.FLOAT64);
        double[] counts = new double[5];
        int rounds = 40000;
        for (int k = 0; k < rounds; k++) {
            double[] v = p.bernoulli(g).toDoubleArray();
            for (int i = 0; i < 5; i++) {
                counts[i] += v[i];
            }
        }
        assertEquals(0, counts[0]);
        assertEquals(rounds, counts[4]);
        for (int i = 1; i < 4; i++) {
            double q = p.toDoubleArray()[i];
            assertEquals(q, counts[i] / rounds, 6 * Math.sqrt(q * (1 - q) / rounds), "bernoulli p=" + q);
        }
        // in place with a tensor of probabilities, broadcast; integer and bool tensors take 0 and 1
        Tensor t = Tensor.zeros(DType.INT64, 4, 5).bernoulli_(p, g);
        assertTrue(t.select(1, 0).eq(0L).all() && t.select(1, 4).eq(1L).all());
        assertEquals(DType.BOOL, Tensor.zeros(DType.BOOL, 3).bernoulli_(1.0, g).dtype());
        assertTrue(Tensor.zeros(DType.BOOL, 3).bernoulli_(1.0, g).all());
        Tensor fresh = Tensor.ones(DType.FLOAT64, 2, 3).bernoulli(0.0, g);
        assertArrayEquals(new int[] {2, 3}, fresh.shape());
        assertEquals(0.0, fresh.sum().item(), 0);
    }

    @Test
    void randpermIsAUniformPermutation() {
        Generator g = new Generator(14);
        for (int n : new int[] {0, 1, 2, 7, 100}) {
            long[] p = Tensor.randperm(n, g).toLongArray();
            long[] sorted = p.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < n; i++) {
                assertEquals(i, sorted[i]);
            }
        }
        // where 0 lands: uniform over 5 positions
        int[] at = new int[5];
        int rounds = 50000;
        for (int k = 0; k < rounds; k++) {
            long[] p = Tensor.randperm(5, g).toLongArray();
            for (int i = 0; i < 5; i++) {
                if (p[i] == 0) {
                    at[i]++;
                }
            }
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(0.2, at[i] / (double) rounds, 6 * Math.sqrt(0.16 / rounds), "position " + i);
        }
        Tensor f = Tensor.randperm(6, DType.FLOAT32, g);
        assertEquals(DType.FLOAT32, f.dtype());
        assertEquals(15.0, f.sum().item(), 0);
    }

    @Test
    void multinomialSamplesProportionally() {
        Generator g = new Generator(15);
        Tensor p = Tensor.tensor(new double[][] {{1, 2, 0, 7}, {0, 0, 5, 5}}, DType.FLOAT64);
        int rounds = 40000;
        Tensor draws = p.multinomial(rounds, true, g);
        assertArrayEquals(new int[] {2, rounds}, draws.shape());
        long[] d = draws.toLongArray();
        double[][] expected = {{0.1, 0.2, 0, 0.7}, {0, 0, 0.5, 0.5}};
        for (int r = 0; r < 2; r++) {
            int[] counts = new int[4];
            for (int k = 0; k < rounds; k++) {
                counts[(int) d[r * rounds + k]]++;
            }
            for (int c = 0; c < 4; c++) {
                double q = expected[r][c];
                assertEquals(q, counts[c] / (double) rounds, 6 * Math.sqrt(q * (1 - q) / rounds) + 1e-12, "row " + r + " cat " + c);
            }
        }
        // without replacement: distinct indices, nonzero categories first, first pick proportional to p
        int[] first = new int[4];
        for (int k = 0; k < 20000; k++) {
            long[] s = p.select(0, 0).multinomial(3, false, g).toLongArray();
            assertEquals(3, Arrays.stream(s).distinct().count());
            assertFalse(Arrays.stream(s).anyMatch(x -> x == 2), "a zero-probability category while others remain");
            first[(int) s[0]]++;
        }
        assertEquals(0.1, first[0] / 20000.0, 6 * Math.sqrt(0.09 / 20000));
        assertEquals(0.7, first[3] / 20000.0, 6 * Math.sqrt(0.21 / 20000));
        // one sample takes the exponential trick too; a single category is always drawn
        assertTrue(Tensor.tensor(new double[] {0, 0, 3}).multinomial(5, true, g).eq(2L).all());
        assertArrayEquals(new int[] {1}, Tensor.ones(4).multinomial(1, false, g).shape());
        assertArrayEquals(new int[] {0, 2}, Tensor.ones(0, 3).multinomial(2, false, g).shape());
    }

    @Test
    void randintLikeKeepsTypeAndRange() {
        Generator g = new Generator(16);
        Tensor like = Tensor.zeros(DType.FLOAT64, 1000);
        double[] v = like.randintLike(-3, 4, g).toDoubleArray();
        assertTrue(Arrays.stream(v).allMatch(x -> x >= -3 && x < 4 && x == Math.rint(x)));
        assertEquals(7, Arrays.stream(v).distinct().count());
        assertEquals(DType.INT64, Tensor.zeros(DType.INT64, 3).randintLike(10).dtype());
        assertEquals(DType.BOOL, Tensor.zeros(DType.BOOL, 3).randintLike(2).dtype());
        // a non-contiguous draw fills its elements in order, the same numbers as a contiguous one
        Tensor strided = Tensor.zeros(DType.INT64, 4, 6).t();
        Tensor a = Tensor.zeros(DType.INT64, 6, 4);
        assertTrue(strided.randintLike(0, 1000, new Generator(3)).equal(a.randintLike(0, 1000, new Generator(3))));
    }

    @Test
    void aSeedGivesTheSameNumbersAnywhere() {
        List<Function<Generator, Tensor>> draws = List.of(
                g -> Tensor.empty(DType.FLOAT64, 5, 3).normal_(0, 1, g),
                g -> Tensor.empty(5, 3).uniform_(0, 1, g),
                g -> Tensor.empty(DType.FLOAT64, 5, 3).exponential_(2, g),
                g -> Tensor.empty(5, 3).bernoulli_(0.4, g),
                g -> Tensor.full(new int[] {5, 3}, 0.3).bernoulli(g),
                g -> Tensor.randperm(20, g),
                g -> Tensor.ones(3, 6).multinomial(4, false, g),
                g -> Tensor.ones(3, 6).multinomial(9, true, g),
                g -> Tensor.zeros(4, 4).randintLike(-5, 5, g),
                g -> Tensor.normal(Tensor.zeros(3), Tensor.ones(2, 3), g));
        for (Function<Generator, Tensor> d : draws) {
            double[] a = d.apply(new Generator(99)).toDoubleArray();
            double[] b = d.apply(new Generator(99)).toDoubleArray();
            assertArrayEquals(a, b);
            double[] c = d.apply(new Generator(100)).toDoubleArray();
            assertFalse(Arrays.equals(a, c), "another seed, other numbers");
        }
        // consecutive draws from one generator differ (the counters advance)
        Generator g = new Generator(5);
        assertFalse(Tensor.empty(4).uniform_(0, 1, g).equal(Tensor.empty(4).uniform_(0, 1, g)));
    }

    @Test
    void aDeviceDrawsTheSameNumbers() {
        Backends2.registerFakeCuda(Set.of());
        Device gpu = Device.cuda(0);
        Tensor onGpu = Tensor.zeros(DType.FLOAT64, 7, 3).to(gpu).exponential_(1.5, new Generator(8));
        assertEquals(gpu, onGpu.device());
        assertArrayEquals(Tensor.zeros(DType.FLOAT64, 7, 3).exponential_(1.5, new Generator(8)).toDoubleArray(),
                onGpu.cpu().toDoubleArray());
        Tensor p = Tensor.tensor(new double[][] {{1, 2, 3}, {3, 2, 1}});
        Tensor m = p.to(gpu).multinomial(5, true, new Generator(4));
        assertEquals(gpu, m.device());
        assertArrayEquals(p.multinomial(5, true, new Generator(4)).toLongArray(), m.cpu().toLongArray());
        Tensor b = p.div(4.0).to(gpu).bernoulli(new Generator(4));
        assertArrayEquals(p.div(4.0).bernoulli(new Generator(4)).toDoubleArray(), b.cpu().toDoubleArray());
    }

    // ------------------------------------------------------------------ autograd

    @Test
    void inPlaceRandomOpsFollowPyTorchsInPlaceRules() {
        for (String op : List.of("normal__leaf", "uniform__leaf", "exponential__leaf", "bernoulli__leaf")) {
            Tensor x = Tensor.zeros(3).requiresGrad_(true);
            Executable call = op.startsWith("normal") ? () -> x.normal_(0, 1) : op.startsWith("uniform") ? () -> x.uniform_(0, 1)
                    : op.startsWith("exponential") ? () -> x.exponential_(1) : () -> x.bernoulli_(0.5);
            Throwable e = assertThrows(IllegalStateException.class, call);
            assertEquals(TORCH.error(op), e.getMessage());
            assertEquals(0, x.version());
        }
        // initialization under no_grad is allowed, and keeps the leaf a leaf
        Tensor w = Tensor.zeros(4, 4).requiresGrad_(true);
        try (GradMode off = Ember.noGrad()) {
            w.normal_(0, 0.02);
        }
        assertTrue(w.isLeaf() && w.requiresGrad());
        assertTrue(w.abs().sum().item() > 0);
    }

    @Test
    void nodesAreNamedAsPyTorchsAndTheirGradientsAreZero() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 3).requiresGrad_(true);
        Tensor p = Tensor.full(DType.FLOAT64, 0.5, 3).requiresGrad_(true);
        Generator g = new Generator(1);
        assertNode("normal_", x.mul(1.0).normal_(0, 1, g), x);
        assertNode("uniform_", x.mul(1.0).uniform_(0, 1, g), x);
        assertNode("exponential_", x.mul(1.0).exponential_(1, g), x);
        assertNode("bernoulli_float", x.mul(1.0).bernoulli_(0.5, g), x);
        assertNode("bernoulli_tensor", x.mul(1.0).bernoulli_(p, g), x, p);
        assertNode("bernoulli", p.bernoulli(g), p);
        assertNode("normal_tensor_tensor", Tensor.normal(p, p.exp(), g), p);
        assertNode("normal_tensor_float", Tensor.normal(p, 1.0, g), p);
        assertNode("normal_float_tensor", Tensor.normal(0.0, p, g), p);
        // bernoulli(input, p) records nothing, as PyTorch's
        assertNull(p.bernoulli(0.5, g).gradFn());
    }

    private static void assertNode(String key, Tensor out, Tensor... leaves) {
        assertEquals(TORCH.field("nodes", key), out.gradFn().name(), key);
        for (Tensor l : leaves) {
            l.setGrad(null);
        }
        out.sum().backward();
        for (Tensor l : leaves) {
            assertEquals(0.0, l.grad().abs().sum().item(), 0, key + ": a random op's gradient is zero");
        }
    }

    // ------------------------------------------------------------------ errors

    private static void fails(String key, Executable call, Tensor... untouched) {
        TorchErrors.failsLike(TORCH, key, call, untouched);
    }

    @Test
    void errors() {
        fails("randperm_neg", () -> Tensor.randperm(-1));
        fails("randperm_bool", () -> Tensor.randperm(5, DType.BOOL, new Generator(1)));
        fails("multinomial_3d", () -> Tensor.ones(2, 2, 2).multinomial(1, false));
        fails("multinomial_0d", () -> Tensor.scalar(1).multinomial(1, false));
        fails("multinomial_long", () -> Tensor.ones(DType.INT64, 3).multinomial(1, false));
        fails("multinomial_n0", () -> Tensor.ones(3).multinomial(0, false));
        fails("multinomial_too_many", () -> Tensor.ones(3).multinomial(4, false));
        fails("multinomial_neg", () -> Tensor.tensor(new double[] {1, -1, 1}).multinomial(1, false));
        fails("multinomial_nan", () -> Tensor.tensor(new double[] {1, Double.NaN, 1}).multinomial(2, false));
        fails("multinomial_inf", () -> Tensor.tensor(new double[] {1, Double.POSITIVE_INFINITY, 1}).multinomial(1, false));
        fails("multinomial_zero", () -> Tensor.tensor(new double[][] {{1, 1}, {0, 0}}).multinomial(1, false));
        fails("multinomial_repl_neg", () -> Tensor.tensor(new double[] {1, -1, 1}).multinomial(2, true));
        fails("multinomial_repl_nan", () -> Tensor.tensor(new double[] {1, Double.NaN, 1}).multinomial(2, true));
        fails("multinomial_repl_inf", () -> Tensor.tensor(new double[] {1, Double.POSITIVE_INFINITY, 1}).multinomial(2, true));
        fails("multinomial_repl_zero", () -> Tensor.tensor(new double[] {0, 0}).multinomial(2, true));
        fails("bernoulli_range", () -> Tensor.tensor(new double[] {0.5, 1.5}).bernoulli());
        fails("bernoulli_long", () -> Tensor.tensor(new long[] {0, 1}).bernoulli());
        Tensor ones = Tensor.ones(3);
        fails("bernoulli_p_range", () -> ones.bernoulli_(1.5), ones);
        fails("bernoulli_p_neg", () -> ones.bernoulli_(-0.5), ones);
        fails("bernoulli_tensor_range", () -> ones.bernoulli_(Tensor.tensor(new double[] {0.5, 2, 0})), ones);
        fails("bernoulli_new_range", () -> ones.bernoulli(1.5), ones);
        fails("normal_std", () -> Tensor.normal(0.0, -1.0, 3));
        fails("normal_std_tensor", () -> Tensor.normal(Tensor.zeros(3), Tensor.tensor(new double[] {1, -1, 1})));
        fails("normal_std_float", () -> Tensor.normal(Tensor.zeros(3), -1.0));
        fails("normal_shape", () -> Tensor.normal(Tensor.zeros(3), Tensor.ones(4)));
        fails("normal_long_mean", () -> Tensor.normal(Tensor.zeros(DType.INT64, 3), 1.0));
        Tensor z = Tensor.zeros(3);
        fails("normal__std", () -> z.normal_(0, -1), z);
        fails("normal__long", () -> Tensor.zeros(DType.INT64, 3).normal_(0, 1));
        fails("uniform__range", () -> z.uniform_(2, 1), z);
        fails("uniform__inf", () -> z.uniform_(0, Double.POSITIVE_INFINITY), z);
        fails("uniform__from_range", () -> z.uniform_(-1e39, 0), z);
        fails("uniform__span", () -> z.uniform_(-3e38, 3e38), z);
        fails("uniform__long", () -> Tensor.zeros(DType.INT64, 3).uniform_(0, 1));
        fails("exponential_zero", () -> z.exponential_(0), z);
        fails("exponential_neg", () -> z.exponential_(-1), z);
        fails("exponential_long", () -> Tensor.zeros(DType.INT64, 3).exponential_(1));
        fails("randint_like_range", () -> z.randintLike(5, 5), z);
        fails("randint_like_neg", () -> z.randintLike(-5), z);
    }
}
