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
    private static final MhaCaseFile CASES = new MhaCaseFile("/mhaweightsgrad/expected.txt");

    private static void check(String key, MultiheadAttention m, Function<Map<String, Tensor>, MultiheadAttention.Output> call) {
        m.to(DType.FLOAT64);
        m.eval();
        assertEquals(List.of(CASES.field(key, "keys").split(" ")), new ArrayList<>(m.stateDict().keySet()), key + " keys");
        Map<String, Tensor> state = new LinkedHashMap<>();
        Map<String, Tensor> in = new LinkedHashMap<>();
        CASES.stateAndInputs(key, state, in);
        m.loadStateDict(state);
        MultiheadAttention.Output res = call.apply(in);
        AttentionTest.assertClose(key + " out", CASES.tensor(key, "out"), res.output());
        assertNotNull(res.weights(), key + " weights");
        AttentionTest.assertClose(key + " weights", CASES.tensor(key, "w"), res.weights());
        assertTrue(res.weights().requiresGrad(), key + ": the weights carry a graph");
        Tensor loss = res.weights().mul(CASES.tensor(key, "gw")).sum();
        if (CASES.has(key, "gout")) {
            loss = loss.add(res.output().mul(CASES.tensor(key, "gout")).sum());
        }
        loss.backward();
        int grads = 0;
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            if (CASES.has(key, "grad_" + e.getKey())) {
                AttentionTest.assertClose(key + " grad_" + e.getKey(), CASES.tensor(key, "grad_" + e.getKey()), e.getValue().grad());
                grads++;
            }
        }
        assertTrue(grads > 0, key + ": no input gradient compared");
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            String g = "grad_p." + e.getKey();
            if (CASES.has(key, g)) {
                AttentionTest.assertClose(key + " " + g, CASES.tensor(key, g), e.getValue().grad());
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
