package dev.ember;

import dev.ember.nn.MultiheadAttention;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MultiheadAttention's {@code add_bias_kv} and {@code add_zero_attn} against PyTorch ({@code mhabias/make_expected.py}):
 * the outputs, attention weights and every gradient with PyTorch's weights loaded (masks padded as PyTorch's), the
 * state dict keys, the initialization's spread, and float64 gradchecks through the biases and the zero attention.
 */
class MultiheadAttentionBiasKvTest {
    private static final MhaCaseFile CASES = new MhaCaseFile("/mhabias/expected.txt");

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
        if (CASES.has(key, "w")) {
            AttentionTest.assertClose(key + " weights", CASES.tensor(key, "w"), res.weights());
        } else {
            assertNull(res.weights(), key + " weights");
        }
        res.output().backward(CASES.tensor(key, "gout"));
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            if (CASES.has(key, "grad_" + e.getKey())) {
                AttentionTest.assertClose(key + " grad_" + e.getKey(), CASES.tensor(key, "grad_" + e.getKey()), e.getValue().grad());
            }
        }
        int params = 0;
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            String g = "grad_p." + e.getKey();
            assertTrue(CASES.has(key, g), key + ": PyTorch has no gradient of " + e.getKey());
            AttentionTest.assertClose(key + " " + g, CASES.tensor(key, g), e.getValue().grad());
            params++;
        }
        assertTrue(params > 0);
    }

    @Test
    void biasKvSelfAttention() {
        MultiheadAttention m = new MultiheadAttention(6, 2, 0.0, true, true, false, null, null, false);
        check("bias_kv_self", m, in -> m.apply(in.get("x"), in.get("x"), in.get("x")));
    }

    @Test
    void zeroAttnWithMasks() {
        MultiheadAttention m = new MultiheadAttention(6, 2, 0.0, true, false, true, null, null, false);
        assertTrue(m.addZeroAttn());
        assertNull(m.biasK);
        check("zero_attn_masks", m, in -> m.apply(in.get("q"), in.get("mem"), in.get("mem"), in.get("kpm"), true,
                in.get("am"), false, false));
    }

    @Test
    void bothBatchFirstWithoutWeights() {
        MultiheadAttention m = new MultiheadAttention(6, 3, 0.0, true, true, true, null, null, true);
        check("both_batchfirst_noweights", m, in -> m.apply(in.get("x"), in.get("x"), in.get("x"), in.get("kpm"), false,
                in.get("am"), true, false));
    }

    @Test
    void bothSeparateProjections() {
        MultiheadAttention m = new MultiheadAttention(6, 2, 0.0, true, true, true, 4, 3, false);
        check("both_kvdim_weights", m, in -> m.apply(in.get("q"), in.get("k"), in.get("v")));
    }

    @Test
    void bothUnbatched() {
        MultiheadAttention m = new MultiheadAttention(4, 2, 0.0, true, true, true, null, null, false);
        check("both_unbatched", m, in -> m.apply(in.get("q"), in.get("mem"), in.get("mem"), null, true, in.get("am"), false,
                false));
    }

    @Test
    void biasKvWithoutProjectionBias() {
        MultiheadAttention m = new MultiheadAttention(4, 2, 0.0, false, true, false, null, null, false);
        check("bias_kv_nobias", m, in -> m.apply(in.get("x"), in.get("x"), in.get("x"), null, false, null, true, false));
    }

    /** bias_k and bias_v are [1, 1, E] parameters drawn by xavier_normal_: std sqrt(2 / (E + E)). */
    @Test
    void biasInitialization() {
        MultiheadAttention m = new MultiheadAttention(512, 8, 0.0, true, true, false, null, null, false);
        assertEquals(List.of(1, 1, 512), List.of(m.biasK.shape()[0], m.biasK.shape()[1], m.biasK.shape()[2]));
        assertTrue(m.biasK.requiresGrad() && m.biasV.requiresGrad());
        double std = Tensor.cat(List.of(m.biasK.flatten(), m.biasV.flatten()), 0).std().item();
        double want = Math.sqrt(2.0 / 1024);
        assertEquals(want, std, 0.15 * want);
        assertEquals(want, Double.parseDouble(CASES.field("init", "std")), 0.15 * want);
        MultiheadAttention plain = new MultiheadAttention(6, 2);
        assertNull(plain.biasK);
        assertNull(plain.biasV);
        assertEquals(false, plain.stateDict().containsKey("bias_k"));
    }

    /**
     * Gradients through the key and value biases, the zero attention and the padded masks, float64: the module's own
     * bias_k and bias_v are gradcheck inputs (gradcheck perturbs them in place).
     */
    @Test
    void gradcheck() {
        double inf = Double.NEGATIVE_INFINITY;
        Tensor kpm = Tensor.tensor(new double[] {0, inf, 0, 0, 0, inf}, DType.FLOAT64, Device.CPU).reshape(2, 3);
        for (boolean needWeights : new boolean[] {true, false}) {
            for (boolean zero : new boolean[] {true, false}) {
                MultiheadAttention m = new MultiheadAttention(4, 2, 0.0, true, true, zero, null, null, false);
                m.to(DType.FLOAT64);
                Tensor q = Tensor.randn(2, 2, 4).to(DType.FLOAT64).requiresGrad_(true);
                Tensor mem = Tensor.randn(3, 2, 4).to(DType.FLOAT64).requiresGrad_(true);
                Tensor am = Tensor.randn(2, 3).to(DType.FLOAT64);
                assertTrue(Autograd.gradcheck(t -> m.forward(t[0], t[1], t[1], kpm, needWeights, am, true, false).output(),
                        q, mem, m.biasK, m.biasV), "need_weights=" + needWeights + " add_zero_attn=" + zero);
            }
        }
    }

    @Test
    void maskShapesAreCheckedBeforePadding() {
        MultiheadAttention m = new MultiheadAttention(4, 2, 0.0, true, true, true, null, null, false);
        Tensor q = Tensor.randn(2, 2, 4);
        Tensor mem = Tensor.randn(3, 2, 4);
        assertThrows(IllegalArgumentException.class, () -> m.forward(q, mem, mem, null, true, Tensor.zeros(2, 5), true,
                false));
    }
}
