package dev.ember;

import dev.ember.nn.MultiheadAttention;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradients through MultiheadAttention's attention weights output against PyTorch ({@code mhaweightsgrad/make_expected.py},
 * float64): a loss of {@code sum(w * gw)}, alone or plus {@code sum(out * gout)}, with the weights averaged over the
 * heads or per head, masks, separate key / value sizes, batch-first and unbatched input; every input's and parameter's
 * gradient compared. Earlier tests only took gradients of the output (fuzz round 42 left this open).
 */
class MultiheadAttentionWeightsGradTest {
    private static final String FILE = "/mhaweightsgrad/expected.txt";
    private static final PyTorchCases TORCH = new PyTorchCases(FILE);
    private static final Map<String, List<String>> LINES = new LinkedHashMap<>();

    static {
        try (java.io.InputStream in = MultiheadAttentionWeightsGradTest.class.getResourceAsStream(FILE)) {
            List<String> current = null;
            for (String l : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (l.startsWith("=== ")) {
                    current = new ArrayList<>();
                    LINES.put(l.substring(4), current);
                } else if (current != null && !l.isEmpty()) {
                    current.add(l);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Tensor tensor(String key, String name) {
        return AttentionTest.parse(TORCH.field(key, name));
    }

    private static boolean has(String key, String name) {
        return LINES.get(key).stream().anyMatch(l -> l.startsWith(name + " "));
    }

    private static void check(String key, MultiheadAttention m, Function<Map<String, Tensor>, MultiheadAttention.Output> call) {
        m.to(DType.FLOAT64);
        m.eval();
        assertEquals(List.of(TORCH.field(key, "keys").split(" ")), new ArrayList<>(m.stateDict().keySet()), key + " keys");
        Map<String, Tensor> state = new LinkedHashMap<>();
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String l : LINES.get(key)) {
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
                in.put(name, t);
            }
        }
        m.loadStateDict(state);
        MultiheadAttention.Output res = call.apply(in);
        AttentionTest.assertClose(key + " out", tensor(key, "out"), res.output());
        assertNotNull(res.weights(), key + " weights");
        AttentionTest.assertClose(key + " weights", tensor(key, "w"), res.weights());
        assertTrue(res.weights().requiresGrad(), key + ": the weights carry a graph");
        Tensor loss = res.weights().mul(tensor(key, "gw")).sum();
        if (has(key, "gout")) {
            loss = loss.add(res.output().mul(tensor(key, "gout")).sum());
        }
        loss.backward();
        int grads = 0;
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            if (has(key, "grad_" + e.getKey())) {
                AttentionTest.assertClose(key + " grad_" + e.getKey(), tensor(key, "grad_" + e.getKey()), e.getValue().grad());
                grads++;
            }
        }
        assertTrue(grads > 0, key + ": no input gradient compared");
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            String g = "grad_p." + e.getKey();
            if (has(key, g)) {
                AttentionTest.assertClose(key + " " + g, tensor(key, g), e.getValue().grad());
            } else {
                // the weights alone do not reach out_proj: PyTorch leaves its gradient None, as Ember must
                Tensor grad = e.getValue().grad();
                assertTrue(grad == null, key + ": PyTorch has no gradient of " + e.getKey() + ", Ember has one");
            }
        }
    }

    @Test
    void selfAttentionAveragedWeightsAlone() {
        MultiheadAttention m = new MultiheadAttention(6, 2);
        check("self_avg_weights_only", m, in -> m.apply(in.get("x"), in.get("x"), in.get("x")));
    }

    @Test
    void selfAttentionPerHeadWeightsAndOutput() {
        MultiheadAttention m = new MultiheadAttention(6, 3);
        check("self_per_head_both", m, in -> m.apply(in.get("x"), in.get("x"), in.get("x"), null, true, null, false,
                false));
    }

    @Test
    void crossAttentionWithMasks() {
        MultiheadAttention m = new MultiheadAttention(6, 2);
        check("cross_masks_avg_both", m, in -> m.apply(in.get("q"), in.get("mem"), in.get("mem"), in.get("kpm"), true,
                in.get("am"), true, false));
    }

    @Test
    void separateKeyValueSizesBatchFirstPerHead() {
        MultiheadAttention m = new MultiheadAttention(6, 2, 0.0, true, false, false, 4, 3, true);
        check("kvdim_batchfirst_per_head_weights_only", m, in -> m.apply(in.get("q"), in.get("k"), in.get("v"), null,
                true, in.get("am"), false, false));
    }

    @Test
    void unbatchedPerHeadWithoutBias() {
        MultiheadAttention m = new MultiheadAttention(4, 2, 0.0, false, false, false, null, null, false);
        check("unbatched_per_head_both", m, in -> m.apply(in.get("q"), in.get("mem"), in.get("mem"), null, true, null,
                false, false));
    }

    @Test
    void oneHead() {
        MultiheadAttention m = new MultiheadAttention(4, 1);
        check("one_head_avg_both", m, in -> m.apply(in.get("x"), in.get("x"), in.get("x")));
    }
}
