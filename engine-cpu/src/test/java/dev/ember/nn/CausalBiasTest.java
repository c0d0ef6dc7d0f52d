package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.ExpectedTensors;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CausalBias}, PyTorch 2.3's {@code causal_upper_left} / {@code causal_lower_right} with
 * scaled_dot_product_attention, against 2.x's rule computed with PyTorch 1.13's ops ({@code causalbias/make_expected.py}:
 * the masks as bias.py makes them, the attention's math with 2.5's zeros for a query that sees no key): masks, outputs
 * and float64 gradients for a lower-right bias with fewer and with more queries than keys, and an upper-left one.
 */
class CausalBiasTest {
    private static final ExpectedTensors E = ExpectedTensors.load("/causalbias/expected.txt");

    private static void close(String key, Tensor got) {
        E.assertClose(key, got, 1e-12);
    }

    @Test
    void masksOutputsAndGradients() {
        Map<String, CausalBias> biases = Map.of("lr35", CausalBias.causalLowerRight(3, 5),
            "lr53", CausalBias.causalLowerRight(5, 3), "ul35", CausalBias.causalUpperLeft(3, 5));
        biases.forEach((name, bias) -> {
            close(name + ".mask", bias.materialize(Device.CPU).to(DType.FLOAT64));
            Tensor q = E.get(name + ".q").clone().requiresGrad_(true);
            Tensor k = E.get(name + ".k").clone().requiresGrad_(true);
            Tensor v = E.get(name + ".v").clone().requiresGrad_(true);
            Tensor o = CausalBias.scaledDotProductAttention(q, k, v, bias, 0, null, false, null);
            o.mul(E.get(name + ".w")).sum().backward();
            close(name + ".out", o);
            close(name + ".gq", q.grad());
            close(name + ".gk", k.grad());
            close(name + ".gv", v.grad());
        });
        assertEquals("CausalBias(variant=LOWER_RIGHT, seq_len_q=3, seq_len_kv=5)",
            CausalBias.causalLowerRight(3, 5).toString());
    }

    @Test
    void gradcheck() {
        dev.ember.Generator gen = new dev.ember.Generator(7);
        for (CausalBias bias : new CausalBias[] {CausalBias.causalLowerRight(3, 5), CausalBias.causalLowerRight(4, 2),
            CausalBias.causalUpperLeft(3, 4)}) {
            Tensor q = Tensor.randn(gen, DType.FLOAT64, 1, 2, bias.seqLenQ(), 3).requiresGrad_(true);
            Tensor k = Tensor.randn(gen, DType.FLOAT64, 1, 2, bias.seqLenKv(), 3).requiresGrad_(true);
            Tensor v = Tensor.randn(gen, DType.FLOAT64, 1, 2, bias.seqLenKv(), 2).requiresGrad_(true);
            assertTrue(dev.ember.Autograd.gradcheck(a -> CausalBias.scaledDotProductAttention(a[0], a[1], a[2], bias, 0,
                null, false, null), q, k, v), bias.toString());
        }
    }

    @Test
    void aBiasOfOtherLengthsIsRefused() {
        Tensor q = Tensor.randn(1, 1, 3, 4);
        Tensor k = Tensor.randn(1, 1, 5, 4);
        assertThrows(IllegalArgumentException.class,
            () -> CausalBias.scaledDotProductAttention(q, k, k, CausalBias.causalLowerRight(3, 4), 0, null, false, null));
        assertThrows(IllegalArgumentException.class,
            () -> CausalBias.scaledDotProductAttention(q, k, k, null, 0, null, false, null));
        assertThrows(IllegalArgumentException.class, () -> CausalBias.causalUpperLeft(-1, 2));
    }
}
