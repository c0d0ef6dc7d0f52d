package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.TransformerDecoderLayer} as PyTorch 2.x defines it: self-attention over the target
 * ({@code self_attn}), attention from the target to the encoder's output ({@code multihead_attn}) and a feed-forward
 * block ({@code linear1}, activation, {@code dropout}, {@code linear2}), each followed by dropout ({@code dropout1..3})
 * and a residual connection, with layer norms ({@code norm1..3}) after each block, or before with {@code normFirst}.
 * Submodules, state dict keys and printout are PyTorch's; the activation is "relu", "gelu" or a module, as in
 * {@link TransformerEncoderLayer}.
 *
 * <p>Its forward takes the target and the memory (the encoder's output);
 * {@link #apply(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean)} is the call with masks and hooks.
 */
public class TransformerDecoderLayer extends Module {
    /** The target's self-attention. */
    public final MultiheadAttention selfAttn;
    /** The attention from the target to the memory. */
    public final MultiheadAttention multiheadAttn;
    /** The feed-forward block's first linear. */
    public final Linear linear1;
    /** The dropout inside the feed-forward block. */
    public final Dropout dropout;
    /** The feed-forward block's second linear. */
    public final Linear linear2;
    /** The norm of the self-attention block. */
    public final LayerNorm norm1;
    /** The norm of the memory attention block. */
    public final LayerNorm norm2;
    /** The norm of the feed-forward block. */
    public final LayerNorm norm3;
    /** The dropout after the self-attention. */
    public final Dropout dropout1;
    /** The dropout after the memory attention. */
    public final Dropout dropout2;
    /** The dropout after the feed-forward block. */
    public final Dropout dropout3;
    final TransformerEncoderLayer.Config config;

    /** PyTorch's defaults: feed-forward 2048, dropout 0.1, relu, eps 1e-5, sequence first, norms after, with bias. */
    public TransformerDecoderLayer(int dModel, int nhead) {
        this(dModel, nhead, 2048, 0.1, "relu", 1e-5, false, false, true);
    }

    /**
     * PyTorch's defaults but {@code batch_first}: {@code nn.TransformerDecoderLayer(d_model, nhead, batch_first=True)} is {@code new
     * TransformerDecoderLayer(dModel, nhead, true)} (feed-forward 2048, dropout 0.1, relu, eps 1e-5, norms after, with bias).
     */
    public TransformerDecoderLayer(int dModel, int nhead, boolean batchFirst) {
        this(dModel, nhead, 2048, 0.1, "relu", 1e-5, batchFirst, false, true);
    }

    /**
     * The options users pass most: {@code nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward=ff, dropout=p,
     * batch_first=True)} is {@code new TransformerDecoderLayer(dModel, nhead, ff, p, true)} (relu, eps 1e-5, norms after, with bias).
     * (A boolean fifth argument cannot be PyTorch's positional {@code activation}.)
     */
    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, boolean batchFirst) {
        this(dModel, nhead, dimFeedforward, dropout, "relu", 1e-5, batchFirst, false, true);
    }

    /**
     * Every option of PyTorch's constructor, the activation by name ("relu" or "gelu").
     *
     * @throws IllegalArgumentException for another activation name, or sizes the attention refuses
     */
    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, String activation,
                                   double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias) {
        this(new TransformerEncoderLayer.Config(dModel, nhead, dimFeedforward, dropout,
                TransformerEncoderLayer.activationName(activation), null, layerNormEps, batchFirst, normFirst, bias));
    }

    /** Every option of PyTorch's constructor, the activation a module (registered as {@code activation}). */
    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, Module activation,
                                   double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias) {
        this(new TransformerEncoderLayer.Config(dModel, nhead, dimFeedforward, dropout, null,
                Checks.notNull(activation, "activation"), layerNormEps, batchFirst, normFirst, bias));
    }

    TransformerDecoderLayer(TransformerEncoderLayer.Config c) {
        this.config = c;
        this.selfAttn = registerModule("self_attn", new MultiheadAttention(c.dModel(), c.nhead(), c.dropout(), c.bias(),
                null, null, c.batchFirst()));
        this.multiheadAttn = registerModule("multihead_attn", new MultiheadAttention(c.dModel(), c.nhead(), c.dropout(),
                c.bias(), null, null, c.batchFirst()));
        this.linear1 = registerModule("linear1", new Linear(c.dModel(), c.dimFeedforward(), c.bias()));
        this.dropout = registerModule("dropout", new Dropout(c.dropout()));
        this.linear2 = registerModule("linear2", new Linear(c.dimFeedforward(), c.dModel(), c.bias()));
        this.norm1 = registerModule("norm1", new LayerNorm(new int[] {c.dModel()}, c.layerNormEps(), true, c.bias()));
        this.norm2 = registerModule("norm2", new LayerNorm(new int[] {c.dModel()}, c.layerNormEps(), true, c.bias()));
        this.norm3 = registerModule("norm3", new LayerNorm(new int[] {c.dModel()}, c.layerNormEps(), true, c.bias()));
        this.dropout1 = registerModule("dropout1", new Dropout(c.dropout()));
        this.dropout2 = registerModule("dropout2", new Dropout(c.dropout()));
        this.dropout3 = registerModule("dropout3", new Dropout(c.dropout()));
        if (c.activationModule() != null) {
            registerModule("activation", c.activationModule());
        }
    }


    /** PyTorch's error: a decoder layer needs the memory (use {@link #forward(Tensor, Tensor)}). */
    @Override
    public Tensor forward(Tensor tgt) {
        throw new IllegalArgumentException("TransformerDecoderLayer.forward() missing 1 required positional argument: "
                + "'memory'");
    }

    /** {@code layer(tgt, memory)} without masks. */
    public Tensor forward(Tensor tgt, Tensor memory) {
        return forward(tgt, memory, null, null, null, null, false, false);
    }

    /**
     * {@code layer(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal,
     * memory_is_causal)}; the masks may be null.
     */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                          Tensor memoryKeyPaddingMask, boolean tgtIsCausal, boolean memoryIsCausal) {
        Checks.tensor(tgt, "TransformerDecoderLayer.forward", "tgt", 1);
        Checks.tensor(memory, "TransformerDecoderLayer.forward", "memory", 2);
        Tensor x = tgt;
        if (config.normFirst()) {
            x = x.add(selfAttentionBlock(norm1.apply(x), tgtMask, tgtKeyPaddingMask, tgtIsCausal));
            x = x.add(memoryAttentionBlock(norm2.apply(x), memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal));
            x = x.add(feedForwardBlock(norm3.apply(x)));
        } else {
            x = norm1.apply(x.add(selfAttentionBlock(x, tgtMask, tgtKeyPaddingMask, tgtIsCausal)));
            x = norm2.apply(x.add(memoryAttentionBlock(x, memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal)));
            x = norm3.apply(x.add(feedForwardBlock(x)));
        }
        return x;
    }

    /** {@link #forward(Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor tgt, Tensor memory) {
        return apply(tgt, memory, null, null, null, null, false, false);
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean)} with this module's hooks, which
     * see {@code [tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask]}.
     */
    public Tensor apply(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                        Tensor memoryKeyPaddingMask, boolean tgtIsCausal, boolean memoryIsCausal) {
        return call(Arrays.asList(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask),
                in -> forward(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), tgtIsCausal, memoryIsCausal),
                List::of, out -> out.get(0));
    }

    private Tensor selfAttentionBlock(Tensor x, Tensor attnMask, Tensor keyPaddingMask, boolean isCausal) {
        return dropout1.apply(selfAttn.apply(x, x, x, keyPaddingMask, false, attnMask, true, isCausal).output());
    }

    private Tensor memoryAttentionBlock(Tensor x, Tensor mem, Tensor attnMask, Tensor keyPaddingMask, boolean isCausal) {
        return dropout2.apply(multiheadAttn.apply(x, mem, mem, keyPaddingMask, false, attnMask, true, isCausal).output());
    }

    private Tensor feedForwardBlock(Tensor x) {
        Tensor y = linear2.apply(dropout.apply(TransformerEncoderLayer.activate(config, linear1.apply(x))));
        return dropout3.apply(y);
    }
}
