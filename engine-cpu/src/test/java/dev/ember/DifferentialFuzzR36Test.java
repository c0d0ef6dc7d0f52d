package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Round 36 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr36/make_cases.py}, whose header
 * describes the cases and the comparisons; replayed by {@link FuzzR36Interpreter}): THE RESULT'S LAYOUT. Inputs made
 * as transposes, permutes, stepped slices, expands, narrows with a storage offset, channels-last 4-D / 5-D tensors,
 * unfold, diagonal and overlapping as_strided views, through elementwise ops (broadcasting between layouts, type
 * promotion, in-place on a view), the *_like factories, clone / contiguous / to(dtype), reductions, softmax, matmul /
 * bmm / linear, conv2d / pooling / the norms, the losses, cat / stack and index_select / gather / scatter; the values,
 * the result's strides and is_contiguous for both formats, and each non-contiguous leaf's gradient with its layout.
 */
class DifferentialFuzzR36Test {
    private static final String RESOURCE = "/differentialfuzzr36/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    /** A local hunt's one case ({@code -Dember.fuzz36.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz36.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz36.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz36.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = DifferentialFuzzR6Test.huntOr(RESOURCE, FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 2000, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR36Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a broken expected value: a result value, a result's strides (each one more), a gradient value,
     * a gradient's is_contiguous flag and a message, each changed.
     */
    @Test
    void theCheckerSeesABrokenExpectedValue() {
        List<DifferentialFuzzR6Test.Case> cases = DifferentialFuzzR6Test.read(RESOURCE);
        int seen = 0;
        for (String what : new String[] {"o float64", "lay ", "gx x float64", "gl x ", "err "}) {
            for (DifferentialFuzzR6Test.Case c : cases) {
                if (EXPECTED_FAILURES.containsKey(c.id()) || FuzzR36Interpreter.run(c.lines()) != null) {
                    continue;
                }
                List<String> broken = new java.util.ArrayList<>(c.lines());
                int at = -1;
                for (int i = 0; i < broken.size(); i++) {
                    String l = broken.get(i);
                    if (l.startsWith(what) && !l.endsWith(": ") && !l.contains(" nan") && !l.startsWith("lay E")) {
                        at = i;
                    }
                }
                if (at < 0) {
                    continue;
                }
                String line = broken.get(at);
                broken.set(at, what.equals("err ") ? line + "!" : what.startsWith("o ") || what.startsWith("gx ")
                        ? breakLast(line) : what.equals("lay ") ? breakStrides(line) : flipContiguous(line));
                assertNotNull(FuzzR36Interpreter.run(broken), "case " + c.id() + ": a changed line \"" + broken.get(at)
                        + "\" passes");
                seen++;
                break;
            }
        }
        assertEquals(5, seen, "the five kinds of change found");
    }

    /** The line with its last value changed by one. */
    private static String breakLast(String line) {
        int sp = line.lastIndexOf(' ');
        return line.substring(0, sp + 1) + (Double.parseDouble(line.substring(sp + 1)) + 1);
    }

    /** The layout line ({@code lay <strides> <c> <cl>}) with every stride one more. */
    private static String breakStrides(String line) {
        String[] w = line.split(" ");
        StringBuilder st = new StringBuilder();
        for (String v : w[1].split(",")) {
            st.append(st.length() == 0 ? "" : ",").append(Integer.parseInt(v) + 1);
        }
        w[1] = st.toString();
        return String.join(" ", w);
    }

    /** The gradient's layout line ({@code gl <name> <strides> <c> <cl>}) with is_contiguous flipped. */
    private static String flipContiguous(String line) {
        String[] w = line.split(" ");
        w[3] = w[3].equals("True") ? "False" : "True";
        return String.join(" ", w);
    }
}
