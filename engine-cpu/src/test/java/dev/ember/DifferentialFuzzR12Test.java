package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 12 of the differential fuzz against PyTorch ({@code differentialfuzzr12/make_cases.py}, whose header lists
 * every corner and where it follows PyTorch 2.x, replayed by {@link FuzzCaseRunner}): float16 and bfloat16 on the CPU
 * at their corners. Conversions in and out (round-to-nearest-even ties, subnormals, the overflow boundary 65520, the
 * float64 -> float32 -> half double rounding, integers and bool), elementwise ops computed in float32 and rounded once,
 * type promotion with the other half type, integers, bool, Python numbers and 0-dim tensors, the in-place forms and
 * their cast refusals, reductions accumulating in float32 (sums whose half accumulator would stall or overflow),
 * comparisons, tests, clamp, where, maskedFill and fill with values past the half's range, sorting and selection over
 * NaN and signed zeros, nanToNum, matrix products and conv2d accumulating in float32, gradients of half leaves (of the
 * leaf's dtype), random values over the whole exponent range, and more families (transcendental and activation kernels,
 * lerp, addcmul/addcdiv, clampMin/clampMax, cat/stack across types, gather, cummax/cummin, kthvalue, logcumsumexp,
 * nanmean, in-place unary ops on views), creation (arange, linspace, logspace, eye) and a Python number as the first
 * operand. Values are compared bit for bit where PyTorch's are
 * exact ("exact"), else to the half tolerance; a refusal must be PyTorch's words with every input unchanged. Every
 * mismatch is reported in one failure.
 *
 * <p>Found by this round and fixed (session 40; FuzzRound12FixesTest holds the regressions): mul and div of a half
 * tensor by a 0-dim tensor of another type (and the in-place mul_/div_ by a Java number or such a tensor) cast the
 * operand to the half type first, where 2.x reads it in float32 (and div with a rounding mode and floorDivide by a
 * number or such a tensor too: float16 1 // 0.1 was 10, 2.x's 9); pow of a float16 tensor by a number took the
 * sqrt/rsqrt/reciprocal/square shortcuts ((-0) ** 0.5 gave -0, (-inf) ** 0.5 NaN) and did not refuse an exponent past
 * the half's range; nextafter refused bfloat16; max/min over a dimension could return the other of two equal zeros than
 * the element at its index; lerp of a half type rounded end - self to that type before the formula; linspace of a half
 * type stepped in double, where PyTorch's kernel steps in the type's own arithmetic. Left out and why (platform-dependent SLEEF paths, NaN signs, 1.13 against 2.x): the
 * script's header.
 */
class DifferentialFuzzR12Test {
    private static final String RESOURCE = "/differentialfuzzr12/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    @Test
    void everyCaseMatchesPyTorch() {
        FuzzCaseRunner.runAll(RESOURCE, 2200, EXPECTED_FAILURES);
    }
}
