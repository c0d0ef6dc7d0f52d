package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;

/**
 * PyTorch 2.3's {@code torch.nn.attention.bias.CausalBias}: a causal mask for
 * {@link #scaledDotProductAttention scaled_dot_product_attention} over {@code seqLenQ} queries and {@code seqLenKv}
 * keys, aligned to the upper left (query {@code i} sees keys {@code 0..i}: {@code is_causal=True}'s mask) or to the
 * lower right (query {@code i} sees keys {@code 0..i + seqLenKv - seqLenQ}: the last query sees every key, as in
 * decoding with a key-value cache). As PyTorch's {@code CausalBias._dispatch}: a square mask or an upper-left one runs
 * the causal attention ({@code is_causal=True}); a lower-right one of other lengths runs with its mask materialized (a
 * query that sees no key gives zeros).
 */
public final class CausalBias {
    /** PyTorch's {@code CausalVariant}. */
    public enum Variant {
        /** {@code torch.tril(torch.ones(L, S))}. */
        UPPER_LEFT,
        /** {@code torch.tril(torch.ones(L, S), diagonal=S - L)}. */
        LOWER_RIGHT
    }

    private final Variant variant;
    private final int seqLenQ;
    private final int seqLenKv;

    private CausalBias(Variant variant, int seqLenQ, int seqLenKv) {
        if (seqLenQ < 0 || seqLenKv < 0) {
            throw new IllegalArgumentException("CausalBias: sequence lengths must be non-negative, got " + seqLenQ
                    + " and " + seqLenKv);
        }
        this.variant = variant;
        this.seqLenQ = seqLenQ;
        this.seqLenKv = seqLenKv;
    }

    /** {@code causal_upper_left(seq_len_q, seq_len_kv)}. */
    public static CausalBias causalUpperLeft(int seqLenQ, int seqLenKv) {
        return new CausalBias(Variant.UPPER_LEFT, seqLenQ, seqLenKv);
    }

    /** {@code causal_lower_right(seq_len_q, seq_len_kv)}. */
    public static CausalBias causalLowerRight(int seqLenQ, int seqLenKv) {
        return new CausalBias(Variant.LOWER_RIGHT, seqLenQ, seqLenKv);
    }

    /** The alignment. */
    public Variant variant() {
        return variant;
    }

    /** The number of queries. */
    public int seqLenQ() {
        return seqLenQ;
    }

    /** The number of keys. */
    public int seqLenKv() {
        return seqLenKv;
    }

    /** {@code _materialize(device)}: the bool mask {@code [seqLenQ, seqLenKv]}, true where a query sees a key. */
    public Tensor materialize(Device device) {
        Tensor ones = Tensor.ones(DType.BOOL, seqLenQ, seqLenKv);
        Tensor mask = variant == Variant.UPPER_LEFT ? ones.tril() : ones.tril(seqLenKv - seqLenQ);
        return device == null || device.isCpu() ? mask : mask.to(device);
    }

    /**
     * {@code F.scaled_dot_product_attention(query, key, value, attn_mask=bias, dropout_p, scale=scale,
     * enable_gqa=enableGqa)} with a causal bias, as {@code CausalBias._dispatch} runs it.
     *
     * @throws IllegalArgumentException where the bias's lengths are not the query's and the key's, and as
     *     {@link Functional#scaledDotProductAttention}
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, CausalBias bias,
                                                   double dropoutP, Double scale, boolean enableGqa,
                                                   Generator generator) {
        Checks.tensor(query, "scaled_dot_product_attention", "query", 1);
        Checks.tensor(key, "scaled_dot_product_attention", "key", 2);
        Checks.tensor(value, "scaled_dot_product_attention", "value", 3);
        if (bias == null) {
            throw new IllegalArgumentException("scaled_dot_product_attention(): argument 'attn_mask' (position 4) must be "
                    + "CausalBias, not null");
        }
        if (query.dim() < 2 || key.dim() < 2 || query.size(-2) != bias.seqLenQ || key.size(-2) != bias.seqLenKv) {
            throw new IllegalArgumentException("CausalBias of " + bias.seqLenQ + " queries and " + bias.seqLenKv
                    + " keys used with a query of shape " + java.util.Arrays.toString(query.shape()) + " and a key of "
                    + "shape " + java.util.Arrays.toString(key.shape()));
        }
        if (bias.seqLenQ == bias.seqLenKv || bias.variant == Variant.UPPER_LEFT) {
            return Functional.scaledDotProductAttention(query, key, value, null, dropoutP, true, scale, enableGqa,
                    generator);
        }
        return Functional.scaledDotProductAttention(query, key, value, bias.materialize(query.device()), dropoutP, false,
                scale, enableGqa, generator);
    }

    /** PyTorch's repr of the bias's variant and lengths. */
    @Override
    public String toString() {
        return "CausalBias(variant=" + variant + ", seq_len_q=" + seqLenQ + ", seq_len_kv=" + seqLenKv + ")";
    }
}
