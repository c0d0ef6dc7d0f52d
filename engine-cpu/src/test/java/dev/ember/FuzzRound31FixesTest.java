package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The differences differential fuzz round 31 ({@link DifferentialFuzzR31Test}) found, each on one small case that
 * {@code differentialfuzzr31/make_cases.py} writes with PyTorch ({@code FUZZ_FIXES=1}, {@code fixes.txt}), replayed by
 * the round's own interpreter (values bit for bit, indices exactly, the gradient, the message).
 */
class FuzzRound31FixesTest {
    private static String check(String id) {
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read("/differentialfuzzr31/fixes.txt")) {
            if (c.id().equals(id)) {
                return FuzzR31Interpreter.run(c.lines());
            }
        }
        throw new IllegalStateException("no case " + id);
    }

    /**
     * max() and median() of all elements gave the elements not chosen -0.0 for a negative gradient (a 0/1 mask times
     * grad / count); 2.x's CPU evenly_distribute_backward fills zeros, so they are +0.0.
     */
    @Test
    void evenlyDistributedGradientLeavesPositiveZeros() {
        assertNull(check("f000"));
        assertNull(check("f001"));
    }

    /**
     * argmax / argmin of a bool tensor refused its type before anything else; 2.x checks the dim and the empty input
     * first (its meta function) and fills zeros for a dimension of size 1 without the kernel.
     */
    @Test
    void argmaxOfBoolChecksTheDimFirstAndTakesASizeOneDim() {
        assertNull(check("f002"));
        assertNull(check("f003"));
        assertNull(check("f004"));
    }

    /** topk and kthvalue of a 0-dim bool tensor were refused; 2.x copies a 0-dim input without the kernel. */
    @Test
    void topkAndKthvalueOfAZeroDimBoolCopyIt() {
        assertNull(check("f005"));
        assertNull(check("f006"));
    }

    /** cummin / cummax of a 0-dim input refused a dim past [-1, 0]; 2.x fills the result before wrapping the dim. */
    @Test
    void cumminOfAZeroDimInputTakesAnyDim() {
        assertNull(check("f007"));
    }

    /**
     * kthvalue's index among equal values was the stable order's; it is now ATen's quickselect's (NaN above every
     * number), as PyTorch's CPU kernel leaves it.
     */
    @Test
    void kthvalueIndexAmongTiesIsQuickselects() {
        assertNull(check("f008"));
        assertNull(check("f009"));
    }

    /**
     * mode's value and index were the stable order's (the smallest most frequent value, its last index); they are now
     * PyTorch's CPU kernel's: libstdc++'s std::sort with {@code a < b} (NaN unordered), the first longest run's last
     * element.
     */
    @Test
    void modeFollowsStdSortsOrder() {
        assertNull(check("f010"));
        assertNull(check("f011"));
    }

    /**
     * var of a 0-dim infinity with n <= correction gave an infinite gradient (x - mean = NaN was not == 0); 2.x
     * compares self == self.mean(): NaN.
     */
    /** quantile checked the input before the interpolation's name; 2.x converts the name first (an argument). */
    @Test
    void quantileNamesABadInterpolationFirst() {
        assertNull(check("f013"));
    }

    /** searchsorted / bucketize of an empty bool input refused the type; 2.x returns the empty result first. */
    @Test
    void bucketizeOfAnEmptyBoolInputIsEmpty() {
        assertNull(check("f014"));
    }

    /** cummax of an empty input refused a dim out of range; 2.x leaves an empty result before wrapping the dim. */
    @Test
    void cummaxOfAnEmptyInputTakesAnyDim() {
        assertNull(check("f015"));
    }

    /** argmin of a 0-dim bool with a dim: 1.13 and 2.x reach the kernel, which refuses Bool (no size-1 shortcut). */
    @Test
    void argminOfAZeroDimBoolIsRefused() {
        assertNull(check("f016"));
    }

    /**
     * nanmedian of a line of NaNs gave the first position; PyTorch's is the one libstdc++'s nth_element leaves first (its
     * comparator finds every NaN equivalent), the gradient going there.
     */
    @Test
    void nanmedianOfAllNaNTakesNthElementsPosition() {
        assertNull(check("f017"));
        assertNull(check("f018"));
    }

    @Test
    void varGradientAtTooLargeACorrectionComparesWithTheMean() {
        assertNull(check("f012"));
    }

    /**
     * unique(dim) sorted NaN last (session 53); 2.x's CPU kernel sorts the slices by libstdc++'s std::sort with a
     * lexicographic comparator by which NaN, neither below nor above, passes to the next element, so NaN's slices land
     * where that algorithm leaves them (values, inverse and counts), the slices flattened in moveaxis(dim, 0)'s order;
     * unique_consecutive(dim) keeps NaN's slices apart.
     */
    @Test
    void uniqueDimSortsAsStdSortWithNaN() {
        assertNull(check("f019"));
        assertNull(check("f020"));
        assertNull(check("f021"));
        assertNull(check("f022"));
    }

    /**
     * histc's range message printed a NaN from the data always as "-nan" and a NaN argument as "nan"; glibc prints the
     * sign bit: one element is its own min and max (the data's NaN, here "nan"), more go through 2.x's vectorized
     * aminmax and its all-ones NaN ("-nan"), an argument prints with its own sign.
     */
    @Test
    void histcPrintsTheRangesNaNWithItsSign() {
        assertNull(check("f023"));
        assertNull(check("f024"));
        assertNull(check("f025"));
        assertNull(check("f026"));
    }

    /**
     * median() / nanmedian() of all elements chose between -0.0 and 0.0 by the (value, position) order; 2.x's CPU
     * median_impl runs libstdc++'s nth_element on the values, which leaves the one it leaves.
     */
    @Test
    void medianOfAllElementsTakesNthElementsZero() {
        assertNull(check("f027"));
        assertNull(check("f028"));
        assertNull(check("f029"));
    }

    /**
     * median() of an empty bool tensor was refused for its type; 2.x's median_impl returns full({}, NaN).to(bool) =
     * True before it dispatches on the type (an empty int32 gives NaN's conversion, INT_MIN).
     */
    @Test
    void medianOfAnEmptyTensorIsNaNConverted() {
        assertNull(check("f030"));
        assertNull(check("f031"));
        assertNull(check("f032"));
    }

    /**
     * aminmax along a dim gave -0.0 for a zero min and 0.0 for a zero max (the reduction kernels' choice); 2.x's
     * aminmax_kernel keeps the first of equal values, so both are the line's first zero (float32, float16, float64).
     */
    @Test
    void aminmaxAlongADimKeepsTheFirstZero() {
        assertNull(check("f033"));
        assertNull(check("f034"));
        assertNull(check("f035"));
    }
}
