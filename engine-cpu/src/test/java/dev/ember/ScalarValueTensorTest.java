package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ops whose value is a 0-dim tensor that PyTorch reads as a Scalar ({@code value.item()}) and converts with c10's
 * checked {@code Scalar::to<scalar_t>()}: {@code fill_}, {@code masked_fill(_)}, {@code index_fill(_)} and
 * {@code x[mask] = value}. The Scalar keeps the tensor's kind: an integral value converts as a Python int would (uint8
 * takes -255..-1, which wrap; float16 refuses an integer beyond its range), a floating one as a Python float. Every
 * self type against 13 values (PyTorch's results and messages: {@code scalarvaluetensor/make_expected.py}); a refused
 * call leaves self as it was.
 */
class ScalarValueTensorTest {
    private static final Map<String, BiFunction<Tensor, Tensor, Tensor>> OPS = Map.of(
            "fill_", Tensor::fill_,
            "masked_fill", (s, v) -> s.maskedFill(Tensor.tensor(new boolean[] {true, false, true}), v),
            "masked_fill_", (s, v) -> s.maskedFill_(Tensor.tensor(new boolean[] {true, false, true}), v),
            "index_fill", (s, v) -> s.indexFill(0, Tensor.tensor(new long[] {1}), v),
            "index_fill_", (s, v) -> s.indexFill_(0, Tensor.tensor(new long[] {1}), v),
            "index_put_mask", (s, v) -> s.indexPut_(new Tensor[] {Tensor.tensor(new boolean[] {false, true, true})}, v,
                    false));

    private static DType dtype(String name) {
        return DType.valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    @Test
    void valuesConvertAsTheirScalarKindAsPyTorch() throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ScalarValueTensorTest.class.getResourceAsStream("/scalarvaluetensor/expected.txt"),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        }
        assertEquals(6 * 8 * 13, lines.size());
        List<String> bad = new ArrayList<>();
        for (String line : lines) {
            String[] c = line.split(" \\| ");
            DType selfType = dtype(c[1]);
            DType valueType = dtype(c[2]);
            String v = c[3].trim();
            Tensor value = valueType == DType.BOOL ? Tensor.tensor(v.equals("True"))
                    : Tensor.tensor(Double.parseDouble(v), valueType);
            Tensor self = Tensor.tensor(new double[] {1, 2, 3}, selfType);
            String got;
            try {
                got = Arrays.toString(OPS.get(c[0]).apply(self, value).to(DType.FLOAT64).toDoubleArray());
            } catch (IllegalArgumentException e) {
                got = "ERR " + e.getMessage();
                // refused before anything was written
                String kept = Arrays.toString(self.to(DType.FLOAT64).toDoubleArray());
                if (!kept.equals("[1.0, 2.0, 3.0]")) {
                    bad.add(line + "\n  self changed: " + kept);
                }
            }
            if (!got.equals(c[4].trim())) {
                bad.add(line + "\n  Ember: " + got);
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + lines.size() + " differ:\n" + String.join("\n", bad));
    }
}
