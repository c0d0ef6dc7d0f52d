package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The differences differential fuzz round 32 ({@link DifferentialFuzzR32Test}: dtype= arguments, result dtypes, the
 * default dtype) found, each on small cases that {@code differentialfuzzr32/make_cases.py} writes with PyTorch
 * ({@code FUZZ_FIXES=1}, {@code fixes.txt}), replayed by the round's own interpreter (dtype, shape, values, grad_fn,
 * gradient or message; the default dtype restored after each).
 */
class FuzzRound32FixesTest {
    private static String check(String id) {
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read("/differentialfuzzr32/fixes.txt")) {
            if (c.id().equals("fix_" + id)) {
                String r = FuzzR32Interpreter.run(c.lines());
                assertEquals(DType.FLOAT32, Ember.getDefaultDtype(), "the default dtype restored");
                return r;
            }
        }
        throw new IllegalStateException("no case " + id);
    }

    /**
     * sum / mean with a complex dtype= of a 0-dim input and dim 0 or -1 threw ArrayIndexOutOfBoundsException (the
     * complex reduction wrapped the dim and indexed the empty shape); a 0-dim input takes dims 0 and -1, which reduce
     * nothing.
     */
    @Test
    void complexReductionOfAZeroDimInputTakesDimZero() {
        assertNull(check("sumComplexDtypeOfZeroDim"));
        assertNull(check("meanComplexDtypeOfZeroDim"));
    }

    /**
     * sum with a real dtype= of a complex input ignored the dtype (int64 for uint8 / int16 / int32 / bool); PyTorch
     * converts the input to it (real parts) and sums in it.
     */
    @Test
    void sumOfComplexWithRealDtypeSumsInIt() {
        assertNull(check("sumComplexInputRealDtype"));
        assertNull(check("sumComplexInputRealDtypeDims"));
    }

    /** logspace with a complex dtype truncated start and end to integers (1.0 for start 0.1), as for an integer type. */
    @Test
    void logspaceOfAComplexTypeKeepsTheFractions() {
        assertNull(check("logspaceComplexDtype"));
        assertNull(check("logspaceComplexDtypeBase2"));
    }

    /**
     * linalg.vector_norm's dtype=: a complex dtype was refused for a complex input, and a complex dtype of a real input
     * (or a real one of a complex input) got the wrong words; 2.x's check_linalg_norm_dtype.
     */
    @Test
    void vectorNormDtypeKindChecks() {
        assertNull(check("vectorNormComplexDtypeOfRealInput"));
        assertNull(check("vectorNormRealDtypeOfComplexInput"));
        assertNull(check("vectorNormComplexDtypeOfComplexInput"));
    }

    /**
     * log_softmax of an integer over a dim other than the last named "log_softmax_kernel_impl"; 2.x's general kernel
     * dispatches as "softmax_kernel_impl". softmax / log_softmax of an empty integer input (or with an integer dtype=)
     * were refused; PyTorch returns before the dispatch.
     */
    @Test
    void softmaxKernelNamesAndEmptyIntegerInputs() {
        assertNull(check("logSoftmaxGeneralKernelName"));
        assertNull(check("softmaxOfEmptyWithIntegerDtype"));
        assertNull(check("logSoftmaxOfEmptyInteger"));
    }

    /**
     * sum / cumprod with an integer dtype= of a float leaf that requires grad gave an integer tensor with a grad_fn;
     * an integer result carries no history (PyTorch's set_history asserts isDifferentiableType; see the script's
     * header).
     */
    @Test
    void integerResultOfAFloatLeafHasNoGradFn() {
        assertNull(check("sumIntegerDtypeOfLeafHasNoGradFn"));
        assertNull(check("cumprodIntegerDtypeOfLeafHasNoGradFn"));
    }

    /**
     * Under the float64 default, a float32 tensor plus a Java complex number and a complex64 tensor to the power of a
     * uint8 tensor gave complex128 (the imaginary part / the 0 ** 0 fill were two Java numbers' results, of the
     * default type); bfloat16 with a complex number was refused (c10's toComplexType maps bfloat16 to complex64).
     */
    @Test
    void complexResultTypesFollowTheTensorNotTheDefault() {
        assertNull(check("floatTensorPlusComplexUnderFloat64Default"));
        assertNull(check("complex64PowUint8UnderFloat64Default"));
        assertNull(check("bfloat16MinusComplexIsComplex64"));
    }

    /**
     * remainder / fmod / floor_divide of a complex tensor by a zero divisor answered "ZeroDivisionError"; PyTorch's
     * dispatch refuses the complex type first (found by the local hunt, seed 101).
     */
    @Test
    void complexIntegerDivisionsRefuseTheTypeBeforeTheZeroDivisor() {
        assertNull(check("complexRemainderByZeroRefusesTheType"));
        assertNull(check("complexFmodByZeroTensorRefusesTheType"));
        assertNull(check("complexFloorDivideByZeroRefusesTheType"));
    }

    /** A bool tensor minus a Java complex number was computed; PyTorch's sub_check refuses any bool operand. */
    @Test
    void boolMinusComplexIsRefused() {
        assertNull(check("boolMinusComplexRefused"));
    }

    /**
     * softmax / log_softmax of an empty input into a complex type, the input requiring grad: the kernel that refuses
     * complex never runs, and PyTorch's autograd layer refuses the complex output ("_softmax does not support automatic
     * differentiation for outputs with complex dtype."); Ember gave an empty complex result with a grad_fn (found by a
     * round 32 hunt in session 63, seed 6332). Without grad the empty complex result stays.
     */
    @Test
    void emptySoftmaxIntoAComplexTypeRefusesAutograd() {
        assertNull(check("softmaxOfEmptyComplexDtypeRequiringGrad"));
        assertNull(check("logSoftmaxOfEmptyComplexDtypeRequiringGrad"));
        assertNull(check("logSoftmaxOfEmptyComplexDtypeWithoutGrad"));
    }

    /**
     * maximum / minimum / fmax / fmin / heaviside of a float16 tensor and a 0-dim complex64 one (either order) answered
     * "Ember has no complex type with torch.float16 parts": the common type (PyTorch's complex32) was computed to name a
     * kernel; their meta functions refuse any complex operand before the promotion, in the op's own words (found by a
     * round 32 hunt in session 64, seed 64327).
     */
    @Test
    void complexRefusalsInTheOpsOwnWordsComeBeforeThePromotion() {
        for (String op : new String[] {"maximum", "minimum", "fmax", "fmin", "heaviside"}) {
            assertNull(check(op + "OfHalfAndZeroDimComplexRefusedBeforePromotion"), op);
        }
        assertNull(check("maximumOfZeroDimComplexAndHalfRefusedBeforePromotion"));
    }
}
