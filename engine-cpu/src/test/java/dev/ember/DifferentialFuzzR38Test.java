package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Round 38 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr38/make_cases.py}, whose header
 * describes the cases, the comparisons and the 2.x emulations; replayed by {@link FuzzR38Interpreter}): REFUSALS. Every
 * case is a call PyTorch refuses, drawn over a broad op list (in-place binaries and scalars whose result cannot be
 * broadcast or cast into self, masked_fill_ / index_put_ / scatter_ / index_add_ / index_copy_ / index_fill_ /
 * index_reduce_ / put_ with bad indices, shapes or dtypes, addmm_ / addmv_ / baddbmm_ / addbmm_ / addr_ / addcmul_ with
 * shapes that do not fit, shape ops and matmuls with sizes that do not fit or dims out of range, gather / index_select /
 * take / narrow / select / embedding / one_hot / the losses with indices or classes out of range, dtype refusals (bool
 * subtraction and negation, bitwise ops on floats, mixed-dtype matmul, complex where PyTorch refuses it), negative sizes,
 * nn.functional calls with the wrong rank, channels or kernel), its arguments now and then a transposed view, a leaf
 * that requires grad (with a .grad set) or a non-leaf: Ember must refuse with the Java exception for PyTorch's type and
 * PyTorch's message, and leave every argument exactly as it was (values bit for bit, shape, strides, dtype, version
 * counter, requires_grad, grad_fn, .grad), whether or not PyTorch itself did ({@code pt_atomic}).
 *
 * <p>Found by this round (session 56): no refused call changed any argument, and none threw an internal exception
 * (NPE, AIOOBE, ClassCastException, ArithmeticException, an Error). Fixed ({@link FuzzRound38FixesTest}): addr_ into a
 * self of another shape or rank (PyTorch's "size mismatch, input: ..." and "2D tensor expected ..."), put_'s int32
 * index (a RuntimeError, Ember threw an IndexOutOfBoundsException), stack's dim check before its size check, and the
 * order of the iterator's checks in fmod_ / remainder_ / div_ / floor_divide_ / bitwise_and_ / hypot_ / atan2_ /
 * lerp_ (operands that do not broadcast, then a result that cannot be cast, then the kernel's type refusal). The
 * complex refusals Ember throws as an UnsupportedOperationException ({@link Refusals}' documented sites: clamp, relu,
 * floor, sign, sort, cummax, argmax, amax, max, lt, erfinv ...) are taken for PyTorch's RuntimeError. Session 57
 * settled the expected failures this round had kept: the 2.x wordings Ember follows (mm / matmul dtypes, index_add_ /
 * index_reduce_) emulated in the script, complex refusals naming PyTorch's kernel, and Ember fixed to 2.x's check order
 * or refusal for conv_transpose2d, broadcast_to, addmm_, index_put_ and batch_norm's running statistics requiring grad
 * ({@link FuzzRound38SettledTest}); the list below is empty.
 */
class DifferentialFuzzR38Test {
    private static final String RESOURCE = "/differentialfuzzr38/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    /** A local hunt's one case ({@code -Dember.fuzz38.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz38.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz38.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz38.file");

    @Test
    void everyRefusalMatchesPyTorchAndChangesNothing() throws java.io.IOException {
        String resource = FuzzRoundSupport.casesOrHunt("differentialfuzzr38", FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 2800, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR38Interpreter.run(c.lines()));
    }

    /** The checker sees a changed expected line: a message, an exception type, a call that no longer fails. */
    @Test
    void theCheckerSeesAChangedExpectedLine() {
        String[] prefixes = {"err RuntimeError", "err IndexError"};
        int seen = FuzzRoundSupport.changesSeen(DifferentialFuzzR6Test.read(RESOURCE), EXPECTED_FAILURES,
                FuzzR38Interpreter::run, prefixes, DifferentialFuzzR38Test::change);
        assertEquals(prefixes.length, seen, "every kind of change found");
    }

    /**
     * The checker sees a refused call that wrote into an argument (a plain one, and a non-leaf whose leaf it reaches):
     * the harness's own op that adds 1 in place and then refuses with the expected message.
     */
    @Test
    void theCheckerSeesAPartialWrite() {
        for (String mods : new String[] {null, "nl"}) {
            List<String> lines = new ArrayList<>(List.of("a x float64 [2] : 1.0 2.0"));
            if (mods != null) {
                lines.add("m x " + mods);
            }
            lines.add("s selftest_write_then_refuse");
            lines.add("err RuntimeError: selftest");
            String problem = FuzzR38Interpreter.run(lines);
            assertTrue(problem != null && problem.startsWith("the refused call changed x"), mods + ": " + problem);
        }
    }

    /** A message with a character added. */
    private static String change(String line) {
        return line + "!";
    }
}
