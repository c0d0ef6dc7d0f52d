package dev.ember;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A file of MultiheadAttention cases written by {@code mhabias/make_expected.py} or {@code mhaweightsgrad/make_expected.py}:
 * "=== key" sections of lines "name dtype [shape] : values", the module's state dict as "p.NAME" lines, then the
 * inputs, up to the "out" line. Shared by {@link MultiheadAttentionBiasKvTest} and
 * {@link MultiheadAttentionWeightsGradTest}.
 */
final class MhaCaseFile {
    private final PyTorchCases torch;
    private final Map<String, List<String>> lines = new LinkedHashMap<>();

    MhaCaseFile(String resource) {
        torch = new PyTorchCases(resource);
        try (java.io.InputStream in = MhaCaseFile.class.getResourceAsStream(resource)) {
            List<String> current = null;
            for (String l : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (l.startsWith("=== ")) {
                    current = new ArrayList<>();
                    lines.put(l.substring(4), current);
                } else if (current != null && !l.isEmpty()) {
                    current.add(l);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The raw value of a line of a case. */
    String field(String key, String name) {
        return torch.field(key, name);
    }

    /** The tensor of a line of a case. */
    Tensor tensor(String key, String name) {
        return AttentionTest.parse(torch.field(key, name));
    }

    /** Whether the case has a line of that name. */
    boolean has(String key, String name) {
        return lines.get(key).stream().anyMatch(l -> l.startsWith(name + " "));
    }

    /**
     * The case's state dict (into {@code state}) and inputs (into {@code inputs}, in the file's order): a floating input
     * that the case has a gradient of ("grad_NAME") requires grad.
     */
    void stateAndInputs(String key, Map<String, Tensor> state, Map<String, Tensor> inputs) {
        for (String l : lines.get(key)) {
            String name = l.substring(0, l.indexOf(' '));
            if (name.equals("out")) {
                break;
            }
            if (name.startsWith("p.")) {
                state.put(name.substring(2), AttentionTest.parse(l.substring(l.indexOf(' ') + 1)));
            } else if (!name.equals("keys")) {
                Tensor t = AttentionTest.parse(l.substring(l.indexOf(' ') + 1));
                if (t.dtype().isFloatingPoint() && has(key, "grad_" + name)) {
                    t.requiresGrad_(true);
                }
                inputs.put(name, t);
            }
        }
    }
}
