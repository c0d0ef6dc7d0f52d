package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Named regressions for the engine bugs {@link DifferentialFuzzTest} found, each against PyTorch's result or message
 * ({@code fuzz/make_regressions.py}, in the fuzz's format and replayed by its {@link DifferentialFuzzTest#check}):
 * in-place ops into an empty expanded tensor, clamp_'s and lerp_'s type checks before the overlap check, pow_'s
 * "Found dtype" message, the integral-number overloads of sub_/mul_/div/div_/clamp_, addcmul's value overflow check,
 * masked_fill_ into an expanded tensor, gcd/lcm operands in the result type, amax/amin's and vector_norm's messages for an
 * empty dim (named as given), addmm's fractional beta over an empty inner dim, integer division by zero checked per
 * element used, neg_'s bool check before the overlap check, nan_to_num's defaults for float16/bfloat16; and round 2's
 * leftovers of round 1: var_mean/std_mean's Welford mean of infinities, fmod_/remainder_'s shape check before the
 * division by zero, scatter's number converted only when there is an index (after the bounds check).
 */
class DifferentialFuzzRegressionTest {
    private static final Map<String, ReferenceCases.Case> CASES = new LinkedHashMap<>();

    static {
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord("/fuzz/regressions.txt")) {
            CASES.put(c.key().split(" ")[0], c);
        }
    }

    /** Runs the cases whose names start with {@code prefix} (at least one) and asserts each matches PyTorch. */
    private static void cases(String prefix) {
        List<String> problems = new ArrayList<>();
        int n = 0;
        for (Map.Entry<String, ReferenceCases.Case> e : CASES.entrySet()) {
            if (e.getKey().startsWith(prefix) && !e.getKey().startsWith("xfail_")) {
                n++;
                String p = DifferentialFuzzTest.check(e.getValue());
                if (p != null) {
                    problems.add(e.getKey() + ": " + p);
                }
            }
        }
        assertTrue(n > 0, "no case " + prefix);
        assertEquals(List.of(), problems);
    }

    @Test
    void inplaceIntoAnEmptyExpandedTensorIsNotAnOverlap() {
        cases("empty_expanded_");
    }

    @Test
    void clampInplaceRefusesAPromotedTypeBeforeTheOverlap() {
        cases("clamp_int_expanded_");
        cases("clampMin_uint8_expanded_");
    }

    @Test
    void powInplaceByANumberSaysFoundDtype() {
        cases("pow_");
    }

    @Test
    void integralNumbersKeepIntegerTensorsInteger() {
        cases("mul_int_by_long");
        cases("sub_uint8_by_long");
        cases("div_");
        cases("clamp_int_long_bounds");
        cases("clampMax_uint8_long");
    }

    @Test
    void addcmulChecksThatValueFitsTheType() {
        cases("addcmul_");
        cases("addcdiv_");
    }

    @Test
    void maskedFillIntoAnExpandedTensorWritesWhereAnyAliasIsMasked() {
        cases("masked_fill_expanded_");
    }

    @Test
    void gcdAndLcmSeeTheirOperandsInTheResultType() {
        cases("lcm_");
        cases("gcd_");
    }

    @Test
    void amaxAndAminNameAnEmptyDimAsGiven() {
        cases("amax_empty_");
        cases("amin_empty_");
    }

    @Test
    void lerpInplaceChecksTypesBeforeTheOverlap() {
        cases("lerp_");
    }

    @Test
    void addmmOverAnEmptyInnerDimRefusesAFractionalBetaForIntegers() {
        cases("addmm_int_");
        cases("addmv_int_");
    }

    @Test
    void integerDivisionByZeroIsCheckedPerElementUsed() {
        cases("fmod_int_by_zero_");
        cases("remainder_int_by_zero_");
    }

    @Test
    void negInplaceOfBoolChecksTheTypeBeforeTheOverlap() {
        cases("neg_bool_");
    }

    @Test
    void vectorNormNamesAnEmptyDimAsGiven() {
        cases("norm_inf_empty_");
    }

    @Test
    void nanToNumDefaultsAreTheTypesOwnLargestValues() {
        cases("nan_to_num_");
    }

    @Test
    void varMeanAndStdMeanTakeWelfordsMeanOfInfinities() {
        cases("var_mean_welford_inf");
    }

    @Test
    void fmodAndRemainderInplaceCheckTheShapeBeforeDivisionByZero() {
        cases("fmod_inplace_");
        cases("remainder_inplace_");
    }

    @Test
    void scatterConvertsItsNumberOnlyWhenThereIsAnIndex() {
        cases("scatter_value_");
    }
}
