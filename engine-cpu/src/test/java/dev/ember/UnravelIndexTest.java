package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Tensor#unravelIndex}: PyTorch 2.2's {@code torch.unravel_index} against its 2.x definition computed with 1.13's
 * ops ({@code unravelindex/make_expected.py}, which also checks the in-range cases against numpy): the docstring's
 * examples, a 0-d index, an int shape, int32 and uint8 indices, negative and too large indices (floor semantics), and
 * the two refusals.
 */
class UnravelIndexTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/unravelindex/expected.txt");

    private static long[] values(String s) {
        String body = s.substring(s.indexOf(" : ") + 3).trim();
        return body.isEmpty() ? new long[0] : Arrays.stream(body.split(" ")).mapToLong(Long::parseLong).toArray();
    }

    private static int[] shapeOf(String s) {
        String dims = s.substring(s.indexOf('[') + 1, s.indexOf(']'));
        return dims.isBlank() ? new int[0] : Arrays.stream(dims.split(", ")).mapToInt(Integer::parseInt).toArray();
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : CASES.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getValue())));
        }
        assertEquals(14, tests.size());
        return tests;
    }

    private static void check(List<String> lines) {
        String idx = lines.get(0).substring("indices ".length());
        String dtype = idx.substring(0, idx.indexOf(' '));
        long[] v = values(idx);
        Tensor indices = Tensor.tensor(v).reshape(shapeOf(idx)).to(Arrays.stream(DType.values())
                .filter(d -> d.torchName().equals("torch." + dtype)).findFirst().orElseThrow());
        int[] shape = Arrays.stream(lines.get(1).substring("shape ".length()).trim().split(" ")).mapToInt(Integer::parseInt)
                .toArray();
        if (lines.get(2).startsWith("error ")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.unravelIndex(indices, shape));
            assertEquals(lines.get(2).substring(6), e.getMessage());
            return;
        }
        List<Tensor> out = Tensor.unravelIndex(indices, shape);
        assertEquals(lines.size() - 2, out.size());
        for (int i = 0; i < out.size(); i++) {
            String line = lines.get(i + 2);
            Tensor t = out.get(i);
            assertEquals(DType.INT64, t.dtype());
            assertArrayEquals(shapeOf(line), t.shape());
            assertArrayEquals(values(line), t.reshape(-1).toLongArray());
        }
    }

    @Test
    void anEmptyShapeGivesNoCoordinates() {
        assertEquals(List.of(), Tensor.unravelIndex(Tensor.tensor(new long[] {0, 0})));
    }
}
