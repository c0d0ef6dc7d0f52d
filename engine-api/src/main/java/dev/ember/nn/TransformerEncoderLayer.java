package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.TransformerEncoderLayer} as PyTorch 2.x defines it: self-attention ({@code self_attn}, a
 * {@link MultiheadAttention} without weights) and a feed-forward block ({@code linear1}, activation, {@code dropout},
 * {@code linear2}), each followed by dropout ({@code dropout1}, {@code dropout2}) and a residual connection, with layer
 * norms ({@code norm1}, {@code norm2}) after each block, or before with {@code normFirst}. Submodules, their order, state
 * dict keys and printout are PyTorch's, so weights load from its {@code state_dict}; the activation is "relu", "gelu"
 * (functions, as PyTorch's strings) or a module (registered as {@code activation}, as PyTorch registers one).
 *
 * <p>{@link #apply(Tensor, Tensor, Tensor, boolean)} is the call with masks and hooks; {@code srcMask} ([L, L] or
 * [N * heads, L, L]) and {@code srcKeyPaddingMask} ([N, L]) are boolean (true: not attended) or additive, and
 * {@code isCausal} a hint that {@code srcMask} is the causal mask. PyTorch's inference fast path
 * ({@code _transformer_encoder_layer_fwd}) is not taken: its values are this path's.
 */
public class TransformerEncoderLayer extends Module {
    /** The self-attention. */
    public final MultiheadAttention selfAttn;
    /** The feed-forward block's first linear, {@code d_model -> dim_feedforward}. */
    public final Linear linear1;
    /** The dropout inside the feed-forward block. */
    public final Dropout dropout;
    /** The feed-forward block's second linear, {@code dim_feedforward -> d_model}. */
    public final Linear linear2;
    /** The norm of the attention block. */
    public final LayerNorm norm1;
    /** The norm of the feed-forward block. */
    public final LayerNorm norm2;
    /** The dropout after the attention. */
    public final Dropout dropout1;
    /** The dropout after the feed-forward block. */
    public final Dropout dropout2;
    final Config config;

    /** The constructor's arguments. */
    record Config(int dModel, int nhead, int dimFeedforward, double dropout, String activation, Module activationModule,
                  double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias) {
    }

    /** PyTorch's defaults: feed-forward 2048, dropout 0.1, relu, eps 1e-5, sequence first, norms after, with bias. */
    public TransformerEncoderLayer(int dModel, int nhead) {
        this(dModel, nhead, 2048, 0.1, "relu", 1e-5, false, false, true);
    }

    /**
     * PyTorch's defaults but {@code batch_first}: {@code nn.TransformerEncoderLayer(d_model, nhead, batch_first=True)} is {@code new
     * TransformerEncoderLayer(dModel, nhead, true)} (feed-forward 2048, dropout 0.1, relu, eps 1e-5, norms after, with bias).
     */
    public TransformerEncoderLayer(int dModel, int nhead, boolean batchFirst) {
        this(dModel, nhead, 2048, 0.1, "relu", 1e-5, batchFirst, false, true);
    }

    /**
     * The options users pass most: {@code nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=ff, dropout=p,
     * batch_first=True)} is {@code new TransformerEncoderLayer(dModel, nhead, ff, p, true)} (relu, eps 1e-5, norms after, with bias).
     * (A boolean fifth argument cannot be PyTorch's positional {@code activation}.)
     */
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, boolean batchFirst) {
        this(dModel, nhead, dimFeedforward, dropout, "relu", 1e-5, batchFirst, false, true);
    }

    /**
     * Every option of PyTorch's constructor, the activation by name ("relu" or "gelu").
     *
     * @throws IllegalArgumentException for another activation name, or sizes the attention refuses
     */
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, String activation,
                                   double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias) {
        this(new Config(dModel, nhead, dimFeedforward, dropout, activationName(activation), null, layerNormEps, batchFirst,
                normFirst, bias));
    }

    /** Every option of PyTorch's constructor, the activation a module (registered as {@code activation}). */
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, Module activation,
                                   double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias) {
        this(new Config(dModel, nhead, dimFeedforward, dropout, null, Checks.notNull(activation, "activation"), layerNormEps,
                batchFirst, normFirst, bias));
    }

    TransformerEncoderLayer(Config c) {
        this.config = c;
        this.selfAttn = registerModule("self_attn", new MultiheadAttention(c.dModel(), c.nhead(), c.dropout(), c.bias(),
                null, null, c.batchFirst()));
        this.linear1 = registerModule("linear1", new Linear(c.dModel(), c.dimFeedforward(), c.bias()));
        this.dropout = registerModule("dropout", new Dropout(c.dropout()));
        this.linear2 = registerModule("linear2", new Linear(c.dimFeedforward(), c.dModel(), c.bias()));
        this.norm1 = registerModule("norm1", new LayerNorm(new int[] {c.dModel()}, c.layerNormEps(), true, c.bias()));
        this.norm2 = registerModule("norm2", new LayerNorm(new int[] {c.dModel()}, c.layerNormEps(), true, c.bias()));
        this.dropout1 = registerModule("dropout1", new Dropout(c.dropout()));
        this.dropout2 = registerModule("dropout2", new Dropout(c.dropout()));
        if (c.activationModule() != null) {
            registerModule("activation", c.activationModule());
        }
    }

    /** PyTorch's {@code _get_activation_fn} check of an activation name. */
    static String activationName(String activation) {
        Checks.notNull(activation, "activation");
        if (!activation.equals("relu") && !activation.equals("gelu")) {
            throw new IllegalArgumentException("activation should be relu/gelu, not " + activation);
        }
        return activation;
    }

    /** The activation of a layer's feed-forward block: PyTorch's F.relu or F.gelu, or the module's call. */
    static Tensor activate(Config c, Tensor x) {
        if (c.activationModule() != null) {
            return c.activationModule().apply(x);
        }
        return c.activation().equals("relu") ? Functional.relu(x) : Functional.gelu(x);
    }


    /** The layer without masks. */
    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null, false);
    }

    /** {@code layer(src, src_mask, src_key_padding_mask, is_causal)}; the masks may be null. */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Checks.tensor(src, "TransformerEncoderLayer.forward", "src", 1);
        DType t = src.dtype();
        srcKeyPaddingMask = MultiheadAttention.canonicalMask(srcKeyPaddingMask, "src_key_padding_mask",
                srcMask == null ? null : srcMask.dtype(), "src_mask", t, true);
        srcMask = MultiheadAttention.canonicalMask(srcMask, "src_mask", null, "", t, false);
        Tensor x = src;
        if (config.normFirst()) {
            x = x.add(selfAttentionBlock(norm1.apply(x), srcMask, srcKeyPaddingMask, isCausal));
            x = x.add(feedForwardBlock(norm2.apply(x)));
        } else {
            x = norm1.apply(x.add(selfAttentionBlock(x, srcMask, srcKeyPaddingMask, isCausal)));
            x = norm2.apply(x.add(feedForwardBlock(x)));
        }
        return x;
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor, boolean)} with this module's hooks, which see
     * {@code [src, srcMask, srcKeyPaddingMask]}.
     */
    public Tensor apply(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean isCausal) {
        return call(Arrays.asList(src, srcMask, srcKeyPaddingMask), in -> forward(in.get(0), in.get(1), in.get(2), isCausal),
                List::of, out -> out.get(0));
    }

    /**
     * {@code layer(src, src_mask, src_key_padding_mask)} with this module's hooks, {@code is_causal} PyTorch's default
     * (false); the masks may be null.
     */
    public Tensor apply(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask) {
        return apply(src, srcMask, srcKeyPaddingMask, false);
    }

    private Tensor selfAttentionBlock(Tensor x, Tensor attnMask, Tensor keyPaddingMask, boolean isCausal) {
        Tensor y = selfAttn.apply(x, x, x, keyPaddingMask, false, attnMask, true, isCausal).output();
        return dropout1.apply(y);
    }

    private Tensor feedForwardBlock(Tensor x) {
        Tensor y = linear2.apply(dropout.apply(activate(config, linear1.apply(x))));
        return dropout2.apply(y);
    }
}
