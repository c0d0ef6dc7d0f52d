package dev.ember;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the bugs round 19 of the differential fuzz (DifferentialFuzzR19Test: programs of draws on PyTorch's
 * CPU generator) found in Ember's MT19937 draws, each checked against PyTorch's values and generator state
 * ({@code differentialfuzzr19/make_fixes.py}): the _like draws of a tensor that is not non-overlapping and dense drew
 * into its own strides (PyTorch's empty_like gives a contiguous tensor, so a normal draw of 16 or more takes the fill);
 * geometric_, cauchy_ and bernoulli_(tensor) drew a strided target in row-major order instead of its memory's;
 * cauchy_ in float64 rounded {@code sigma * tan(..)} before adding the median (PyTorch's x86 build fuses them);
 * random_(from, to) and randint of a floating type did not move the ends to numbers the type holds (update_from,
 * update_to: float32's {@code [0, 2^33)} draws modulo {@code 2^33 - 512}); randint and randint_like skipped float16's
 * range check and random_ and randint_like bool's; random_ of an expanded target refused its range before the overlap
 * (PyTorch builds the iterator first); geometric_ drew bool (PyTorch's kernel does not dispatch it).
 */
@ExtendWith(Mt19937Default.class)
class FuzzRound19FixesTest {
    private static final Map<String, List<String>> CASES = FuzzFixes.load("/differentialfuzzr19/fixes.txt");

    /** PyTorch's values bit for bit and its generator state after the draw. */
    private static void drawn(String name, long seed, Supplier<Tensor> draw) {
        List<String> c = CASES.get(name);
        assertTrue(c != null && c.get(0).startsWith("= "), "no drawn case " + name);
        Ember.manualSeed(seed);
        assertEquals(c.get(0), FuzzR19Interpreter.format(draw.get()), name);
        assertEquals(c.get(1), "st " + FuzzR19Interpreter.hash(Ember.getRngState()), name + ": the generator's state");
    }

    /** PyTorch's refusal, with the generator and the target left as they were. */
    private static void refused(String name, long seed, Tensor target, Runnable draw) {
        List<String> c = CASES.get(name);
        assertTrue(c != null && c.get(0).startsWith("err "), "no refused case " + name);
        Ember.manualSeed(seed);
        byte[] state = Ember.getRngState().toByteArray();
        double[] values = target == null ? null : target.contiguous().to(DType.FLOAT64).toDoubleArray();
        RuntimeException e = assertThrows(RuntimeException.class, draw::run, name);
        assertEquals(c.get(0).substring(4), e.getMessage(), name);
        assertEquals(c.get(1), "st " + FuzzR19Interpreter.hash(Ember.getRngState()), name + ": PyTorch's state");
        assertArrayEquals(state, Ember.getRngState().toByteArray(), name + ": the generator untouched");
        if (target != null) {
            assertArrayEquals(values, target.contiguous().to(DType.FLOAT64).toDoubleArray(), name + ": the target");
        }
    }

    /** The 'p' fill of make_fixes.py: {@code ((m k) mod 17) / 16} over row-major k. */
    private static Tensor probabilities(int m, DType dtype, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((m * k) % 17) / 16.0;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    @Test
    void likeDrawsOfATensorThatIsNotDenseAreContiguous() {
        drawn("randn_like_sliced_f32", 1, () -> Tensor.zeros(34).slice(0, 0, 34, 2).randnLike());
        drawn("randn_like_sliced_f64_2d", 2, () -> Tensor.zeros(DType.FLOAT64, 3, 12).slice(1, 0, 12, 2).randnLike());
        drawn("randn_like_sliced_bf16", 3, () -> Tensor.zeros(DType.BFLOAT16, 2, 16).slice(1, 0, 16, 2).randnLike());
        drawn("rand_like_sliced_transposed", 4, () -> Tensor.zeros(6, 4).t().slice(1, 0, 6, 2).randLike());
        drawn("randint_like_sliced_transposed", 5, () -> Tensor.zeros(6, 4).t().slice(1, 0, 6, 2).randintLike(0, 100));
    }

    @Test
    void geometricCauchyAndBernoulliWithATensorFillAStridedTargetInMemoryOrder() {
        drawn("geometric_permuted", 6, () -> Tensor.zeros(3, 4, 2).permute(2, 0, 1).geometric_(0.5));
        drawn("geometric_transposed_bf16", 7, () -> Tensor.zeros(DType.BFLOAT16, 5, 3).t().geometric_(0.5));
        drawn("cauchy_transposed_f64", 8, () -> Tensor.zeros(DType.FLOAT64, 5, 3).t().cauchy_(1.0, 2.0));
        drawn("cauchy_permuted_f32", 9, () -> Tensor.zeros(3, 4, 2).permute(2, 0, 1).cauchy_(-0.5, 0.1));
        drawn("bernoulli_tensor_transposed", 10, () -> Tensor.zeros(4, 3).t().bernoulli_(
                probabilities(7, DType.FLOAT32, 3, 4)));
        drawn("bernoulli_tensor_f64_p_permuted", 11, () -> Tensor.zeros(4, 2, 3).permute(1, 2, 0).bernoulli_(
                probabilities(5, DType.FLOAT64, 2, 3, 4)));
        drawn("bernoulli_tensor_broadcast_transposed", 12, () -> Tensor.zeros(4, 3).t().bernoulli_(
                probabilities(7, DType.FLOAT32, 4)));
    }

    @Test
    void cauchyInDoubleIsFusedAsPyTorchsBuild() {
        drawn("cauchy_f64", 13, () -> Tensor.zeros(DType.FLOAT64, 40).cauchy_(0.25, 3.0));
    }

    @Test
    void randomOfAFloatingTypeMovesItsEndsToNumbersTheTypeHolds() {
        drawn("random_f32_2pow33", 14, () -> Tensor.zeros(8).random_(0, 1L << 33));
        drawn("random_bf16_2pow33", 15, () -> Tensor.zeros(DType.BFLOAT16, 8).random_(0, 1L << 33));
        drawn("random_f64_wide", 16, () -> Tensor.zeros(DType.FLOAT64, 6).random_(-(1L << 60) - 1, (1L << 60) + 1));
        drawn("randint_f32_2pow40", 17, () -> Tensor.randint(-(1L << 40), 1L << 40, DType.FLOAT32, 6));
        drawn("random_f16_small_fits", 18, () -> Tensor.zeros(DType.FLOAT16, 8).random_(-2048, 2049));
    }

    @Test
    void rangeChecksOfFloat16AndBoolAreMadeBeforeDrawing() {
        refused("randint_f16_out_of_bounds", 19, null, () -> Tensor.randint(0, 1L << 32, DType.FLOAT16, 3));
        refused("randint_f16_from_out_of_bounds", 20, null, () -> Tensor.randint(-(1L << 40), 5, DType.FLOAT16, 3));
        Tensor flags = Tensor.zeros(DType.BOOL, 4);
        refused("random_bool_to_out_of_bounds", 21, flags, () -> flags.random_(1000));
        refused("randint_like_bool_out_of_bounds", 22, null, () -> Tensor.zeros(DType.BOOL, 4).randintLike(0, 3));
    }

    @Test
    void anExpandedTargetIsRefusedFirstAndGeometricRefusesBool() {
        Tensor expanded = Tensor.zeros(3, 1).expand(3, 4);
        refused("random_expanded_bad_range", 23, expanded, () -> expanded.random_(5, 5));
        Tensor flags = Tensor.zeros(DType.BOOL, 3, 1).expand(3, 4);
        refused("random_to_expanded_bool", 24, flags, () -> flags.random_(100));
        Tensor b = Tensor.zeros(DType.BOOL, 4);
        refused("geometric_bool", 25, b, () -> b.geometric_(0.5));
    }
}
