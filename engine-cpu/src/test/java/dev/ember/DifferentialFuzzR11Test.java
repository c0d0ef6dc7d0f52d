package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 11 of the differential fuzz against PyTorch ({@code differentialfuzzr11/make_cases.py}, whose header lists
 * every corner and where it follows PyTorch 2.x, replayed by {@link FuzzCaseRunner}): the integer and bool dtypes
 * (uint8, int8, int16, int32, int64, bool) at their corners. Wrap-around of add/sub/mul/neg/abs at MIN and MAX, the
 * int64 results of sum/prod/cumsum/cumprod of small types, mean of integers refused, integer pow (negative
 * exponents, 0**0, overflow), true and rounding division, floorDivide, remainder and fmod of negatives and of MIN / -1,
 * division by zero (ZeroDivisionError), bitwise ops and shifts by counts at and past the width or negative (2.x's
 * rule); promotion with Python scalars and 0-dim tensors, bool arithmetic, comparisons of uint8 with negative
 * scalars, where, clamp, sign, minimum/maximum, sorting, selection, unique, cummax/cummin, bincount, histc and argmax
 * over duplicates, conversions between every integer type, bool and the floats; amax/amin/any/all/countNonzero over
 * dim lists, gather, scatter, scatterReduce and indexAdd; the in-place forms, fills, accumulating writes and the
 * integer creation ops (arange, linspace, logspace, full, eye). Integers are compared exactly (dtype, shape and values);
 * a refusal must be PyTorch's words with every input unchanged. Every mismatch is reported in one failure.
 *
 * <p>Found by this round and fixed (session 39; FuzzRound11FixesTest holds the regressions): index_add refused a
 * uint8 tensor's integral alpha of -1 (a Python int, which wraps); the in-place integer divisions of a bool tensor
 * (div_ with a rounding mode, remainder_, fmod_, floor_divide_) answered "ZeroDivisionError" before the iterator's
 * cast refusal, and floor_divide_ before its shape refusal; arange and linspace of integer types stepped in double from
 * the unconverted numbers (arange(-5, 5, 2.5, int32) was [-5, -2, 0, 2], PyTorch's [-5, -3, -1, 1]), took bool, and
 * rounded int64 Python ints past 2^53; cumsum/cumprod with dtype=bool answered where PyTorch's scan has no bool kernel.
 * Left out and why (C++ undefined behaviour, 1.13 against
 * 2.x): the script's header.
 */
class DifferentialFuzzR11Test {
    private static final String RESOURCE = "/differentialfuzzr11/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    @Test
    void everyCaseMatchesPyTorch() {
        FuzzCaseRunner.runAll(RESOURCE, 4000, EXPECTED_FAILURES);
    }
}
