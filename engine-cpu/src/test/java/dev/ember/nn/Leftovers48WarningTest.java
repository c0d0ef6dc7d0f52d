package dev.ember.nn;

import dev.ember.LoggedWarnings;
import org.junit.jupiter.api.Test;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session 48's left-overs, part 3: {@code TransformerEncoder}'s construction warning, PyTorch 2.x's
 * {@code "enable_nested_tensor is True, but self.use_nested_tensor is False because <reason>"}, its text for each reason
 * and none where the layer can take the nested-tensor path or the path is disabled, against
 * {@code /leftovers48/warnings.txt} (written by {@code make_expected.py} there, 2.x's check emulated on PyTorch's
 * layers); once per text in a process.
 */
class Leftovers48WarningTest {
    private static final String TOPIC = "enable_nested_tensor";

    private static Map<String, String> expected() {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = Leftovers48WarningTest.class.getResourceAsStream("/leftovers48/warnings.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split("\t", -1);
                out.put(f[0], f[1]);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static TransformerEncoderLayer layer(int d, int heads, String activation, boolean batchFirst,
                                                 boolean normFirst) {
        return new TransformerEncoderLayer(d, heads, 16, 0.1, activation, 1e-5, batchFirst, normFirst, true);
    }

    private static TransformerEncoderLayer layer(int d, int heads, Module activation) {
        return new TransformerEncoderLayer(d, heads, 16, 0.1, activation, 1e-5, true, false, true);
    }

    /** What constructing {@code make} logs about the nested tensor, with the warnings so far forgotten. */
    private static List<String> logged(Supplier<Module> make) {
        TransformerEncoder.WARNED.clear();
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            make.get();
            return w.containing(TOPIC);
        }
    }

    @Test
    void constructionWarnsWithTheReasonOnce() {
        Map<String, Supplier<Module>> cases = new LinkedHashMap<>();
        cases.put("default", () -> new TransformerEncoder(new TransformerEncoderLayer(8, 2), 2));
        cases.put("normfirst", () -> new TransformerEncoder(layer(8, 2, "relu", true, true), 2));
        cases.put("normfirst_seqfirst", () -> new TransformerEncoder(layer(8, 2, "relu", false, true), 2));
        cases.put("sigmoid", () -> new TransformerEncoder(layer(8, 2, new Sigmoid()), 2));
        cases.put("sigmoid_oddheads", () -> new TransformerEncoder(layer(9, 3, new Sigmoid()), 2));
        cases.put("oddheads", () -> new TransformerEncoder(layer(9, 3, "relu", true, false), 2));
        cases.put("gelu_module", () -> new TransformerEncoder(layer(8, 2, new GELU()), 2));
        cases.put("gelu_name", () -> new TransformerEncoder(layer(8, 2, "gelu", true, false), 2));
        cases.put("fastpath", () -> new TransformerEncoder(layer(8, 2, "relu", true, false), 2));
        cases.put("disabled", () -> new TransformerEncoder(new TransformerEncoderLayer(8, 2), 2, null, false, true));
        Map<String, String> want = expected();
        assertEquals(want.keySet(), cases.keySet());
        for (Map.Entry<String, Supplier<Module>> c : cases.entrySet()) {
            String message = want.get(c.getKey());
            assertEquals(message.isEmpty() ? List.of() : List.of(message), logged(c.getValue()), c.getKey());
        }
        // once per text: a second encoder with the same reason logs nothing, one with another reason logs its own
        TransformerEncoder.WARNED.clear();
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            new TransformerEncoder(new TransformerEncoderLayer(8, 2), 2);
            new TransformerEncoder(new TransformerEncoderLayer(8, 2), 3);
            new TransformerEncoder(layer(9, 3, "relu", true, false), 1);
            assertEquals(List.of(want.get("default"), want.get("oddheads")), w.containing(TOPIC));
        }
        // nn.Transformer builds its encoder with the default enable_nested_tensor: 2.x warns there too
        assertEquals(List.of(want.get("default")), logged(() -> new Transformer(8, 2, 1, 1, 16, 0.1, "relu", 1e-5, false, false, true)));
    }
}
