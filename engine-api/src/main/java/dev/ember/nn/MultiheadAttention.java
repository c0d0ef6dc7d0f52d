package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Format;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.MultiheadAttention} as PyTorch 2.x defines it: queries, keys and values projected by one packed
 * {@code in_proj_weight} [3E, E] (or, when {@code kdim} or {@code vdim} differ from E, by {@code q_proj_weight},
 * {@code k_proj_weight}, {@code v_proj_weight}) and {@code in_proj_bias} [3E], split into heads, attended, and projected
 * by {@code out_proj} (a {@link NonDynamicallyQuantizableLinear}); state dict keys and initialization (Xavier-uniform
 * projection weights, zero biases, {@code out_proj.weight} as a Linear's) are PyTorch's, so weights load from its
 * {@code state_dict}. With {@code add_bias_kv} the learnt {@code bias_k} and {@code bias_v} ([1, 1, E], Xavier-normal)
 * are appended to the projected keys and values along the sequence, and with {@code add_zero_attn} a zero key and value
 * are appended per head after that; the masks are padded with a column that masks nothing, as PyTorch's.
 *
 * <p>The forward takes several tensors and returns an {@link Output} (the attention output and, when asked, the
 * attention weights averaged over heads or per head); {@link #apply(Tensor, Tensor, Tensor, Tensor, boolean, Tensor,
 * boolean, boolean)} is the call with hooks. Masks are PyTorch's: a boolean {@code keyPaddingMask} ([N, S]) or
 * {@code attnMask} ([L, S] or [N * heads, L, S]) marks with true the positions that may not be attended, a float one is
 * added to the scores; the two are merged by addition. With {@code needWeights} the scores go through {@code baddbmm}
 * and softmax (a row with every key masked gives NaN, as PyTorch's); without, through
 * {@link Functional#scaledDotProductAttention} (fused when PyTorch would; such a row gives zeros). {@code isCausal} is a
 * hint that {@code attnMask} is the causal mask, as in PyTorch. PyTorch's inference fast path
 * ({@code _native_multi_head_attention}) is not taken: its values are those of this path.
 */
public class MultiheadAttention extends Module {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    /**
     * The packed projection weight [3E, E], or null when kdim or vdim differ from E; the tensor registered at
     * construction (see {@link Module#setParameter}).
     */
    public final Tensor inProjWeight;
    /**
     * The separate query, key and value projection weights ([E, E], [E, kdim], [E, vdim]), or null when packed; the
     * tensor registered at construction (see {@link Module#setParameter}).
     */
    public final Tensor qProjWeight;
    /** See {@link #qProjWeight}. */
    public final Tensor kProjWeight;
    /** See {@link #qProjWeight}. */
    public final Tensor vProjWeight;
    /**
     * The projection bias [3E], or null without bias; the tensor registered at construction (see
     * {@link Module#setParameter}).
     */
    public final Tensor inProjBias;
    /** The output projection. */
    public final NonDynamicallyQuantizableLinear outProj;
    /**
     * The key bias [1, 1, E] appended to the keys, or null without {@code add_bias_kv}; the tensor registered at
     * construction (see {@link Module#setParameter}).
     */
    public final Tensor biasK;
    /**
     * The value bias [1, 1, E] appended to the values, or null without {@code add_bias_kv}; the tensor registered at
     * construction (see {@link Module#setParameter}).
     */
    public final Tensor biasV;
    private final boolean addZeroAttn;
    private final int embedDim;
    private final int kdim;
    private final int vdim;
    private final int numHeads;
    private final int headDim;
    private final double dropout;
    private final boolean batchFirst;

    /** The attention output and the attention weights (null unless asked for), as the tuple PyTorch returns. */
    public record Output(Tensor output, Tensor weights) {
        /** PyTorch's repr of the tuple: {@code (tensor(...), tensor(...))}, the weights {@code None} when not asked for. */
        @Override
        public String toString() {
            return "(" + output + ", " + (weights == null ? "None" : weights) + ")";
        }

        /** The two tensors, for hooks. */
        public List<Tensor> tensors() {
            return Arrays.asList(output, weights);
        }

        /** An output of (possibly replaced) tensors. */
        public static Output of(List<Tensor> tensors) {
            return new Output(tensors.get(0), tensors.size() > 1 ? tensors.get(1) : null);
        }
    }

    /** {@code embedDim} features in {@code numHeads} heads: no dropout, with bias, kdim = vdim = embedDim, sequence first. */
    public MultiheadAttention(int embedDim, int numHeads) {
        this(embedDim, numHeads, 0.0, true, null, null, false);
    }

    /**
     * No dropout, with bias, kdim = vdim = embedDim, batch first or not: {@code nn.MultiheadAttention(embed_dim,
     * num_heads, batch_first=True)} is {@code new MultiheadAttention(embedDim, numHeads, true)}. (A boolean third
     * argument cannot be PyTorch's positional {@code dropout}.)
     */
    public MultiheadAttention(int embedDim, int numHeads, boolean batchFirst) {
        this(embedDim, numHeads, 0.0, true, null, null, batchFirst);
    }

    /**
     * Every option of PyTorch's constructor but {@code add_bias_kv} and {@code add_zero_attn} (false): {@code kdim} and
     * {@code vdim} null mean {@code embedDim}; {@code batchFirst} takes and returns [N, L, E] instead of [L, N, E].
     *
     * @throws IllegalArgumentException for a non-positive size, or an embedding dimension the heads do not divide
     */
    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, Integer kdim, Integer vdim,
                              boolean batchFirst) {
        this(embedDim, numHeads, dropout, bias, false, false, kdim, vdim, batchFirst);
    }

    /**
     * Every option of PyTorch's constructor, in its order: {@code addBiasKv} adds the parameters {@code bias_k} and
     * {@code bias_v}, {@code addZeroAttn} a zero key and value; {@code kdim} and {@code vdim} null mean
     * {@code embedDim}; {@code batchFirst} takes and returns [N, L, E] instead of [L, N, E].
     *
     * @throws IllegalArgumentException for a non-positive size, or an embedding dimension the heads do not divide
     */
    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean addBiasKv,
                              boolean addZeroAttn, Integer kdim, Integer vdim, boolean batchFirst) {
        if (embedDim <= 0 || numHeads <= 0) {
            throw new IllegalArgumentException("embed_dim and num_heads must be greater than 0, got embed_dim=" + embedDim
                    + " and num_heads=" + numHeads + " instead");
        }
        this.embedDim = embedDim;
        this.kdim = kdim != null ? kdim : embedDim;
        this.vdim = vdim != null ? vdim : embedDim;
        this.numHeads = numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        this.headDim = embedDim / numHeads;
        if (headDim * numHeads != embedDim) {
            throw new IllegalArgumentException("embed_dim must be divisible by num_heads");
        }
        if (!qkvSameEmbedDim()) {
            this.qProjWeight = registerParameter("q_proj_weight", Tensor.empty(embedDim, embedDim));
            this.kProjWeight = registerParameter("k_proj_weight", Tensor.empty(embedDim, this.kdim));
            this.vProjWeight = registerParameter("v_proj_weight", Tensor.empty(embedDim, this.vdim));
            this.inProjWeight = registerParameter("in_proj_weight", null);
        } else {
            Checks.weightSize(3L * embedDim, embedDim, "in_proj_weight"); // 3 * embed_dim in long
            this.inProjWeight = registerParameter("in_proj_weight", Tensor.empty(3 * embedDim, embedDim));
            this.qProjWeight = registerParameter("q_proj_weight", null);
            this.kProjWeight = registerParameter("k_proj_weight", null);
            this.vProjWeight = registerParameter("v_proj_weight", null);
        }
        Checks.weightSize(3L * embedDim, 1, "in_proj_bias");
        this.inProjBias = registerParameter("in_proj_bias", bias ? Tensor.empty(3 * embedDim) : null);
        this.outProj = registerModule("out_proj", new NonDynamicallyQuantizableLinear(embedDim, embedDim, bias));
        if (addBiasKv) {
            this.biasK = registerParameter("bias_k", Tensor.empty(1, 1, embedDim));
            this.biasV = registerParameter("bias_v", Tensor.empty(1, 1, embedDim));
        } else {
            this.biasK = null;
            this.biasV = null;
        }
        this.addZeroAttn = addZeroAttn;
        // PyTorch's _reset_parameters
        if (qkvSameEmbedDim()) {
            Init.xavierUniform_(inProjWeight);
        } else {
            Init.xavierUniform_(qProjWeight);
            Init.xavierUniform_(kProjWeight);
            Init.xavierUniform_(vProjWeight);
        }
        if (inProjBias != null) {
            Init.constant_(inProjBias, 0.0);
            Init.constant_(outProj.bias, 0.0);
        }
        if (biasK != null) {
            Init.xavierNormal_(biasK);
        }
        if (biasV != null) {
            Init.xavierNormal_(biasV);
        }
    }

    private boolean qkvSameEmbedDim() {
        return kdim == embedDim && vdim == embedDim;
    }

    /** The embedding dimension E. */
    public int embedDim() {
        return embedDim;
    }

    /** The number of heads. */
    public int numHeads() {
        return numHeads;
    }

    /** The features of a head, {@code E / numHeads}. */
    public int headDim() {
        return headDim;
    }

    /** Whether inputs and outputs are batch first ([N, L, E]). */
    public boolean batchFirst() {
        return batchFirst;
    }

    /** Whether a zero key and value are appended, PyTorch's {@code add_zero_attn}. */
    public boolean addZeroAttn() {
        return addZeroAttn;
    }

    /** The dropout probability on the attention weights in training. */
    public double dropout() {
        return dropout;
    }

    /** PyTorch's error: attention needs a key and a value (use {@link #forward(Tensor, Tensor, Tensor)}). */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("MultiheadAttention.forward() missing 2 required positional arguments: 'key' and "
                + "'value'");
    }

    /** {@code mha(query, key, value)}: no masks, the weights averaged over heads. */
    public Output forward(Tensor query, Tensor key, Tensor value) {
        return forward(query, key, value, null, true, null, true, false);
    }

    /** {@code mha(query, key, value, key_padding_mask=mask)}: the other arguments PyTorch's defaults; the mask may be null. */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask) {
        return forward(query, key, value, keyPaddingMask, true, null, true, false);
    }

    /**
     * {@code mha(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal)}: the masks
     * may be null. Query, key and value are [L, N, E], [S, N, kdim], [S, N, vdim] ([N, L, E] ... when batch first), or
     * unbatched [L, E], [S, kdim], [S, vdim].
     */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights,
                          Tensor attnMask, boolean averageAttnWeights, boolean isCausal) {
        Checks.tensor(query, "multi_head_attention_forward", "query", 1);
        Checks.tensor(key, "multi_head_attention_forward", "key", 2);
        Checks.tensor(value, "multi_head_attention_forward", "value", 3);
        boolean batched = query.dim() == 3;
        keyPaddingMask = canonicalMask(keyPaddingMask, "key_padding_mask", attnMask == null ? null : attnMask.dtype(),
                "attn_mask", query.dtype(), true);
        attnMask = canonicalMask(attnMask, "attn_mask", null, "", query.dtype(), false);
        if (batchFirst && batched) {
            // keep the identity of shared arguments, which selects the packed projections
            if (key == value) {
                if (query == key) {
                    query = query.transpose(1, 0);
                    key = query;
                    value = query;
                } else {
                    query = query.transpose(1, 0);
                    key = key.transpose(1, 0);
                    value = key;
                }
            } else {
                query = query.transpose(1, 0);
                key = key.transpose(1, 0);
                value = value.transpose(1, 0);
            }
        }
        // every weight as the forward reads it (a parametrized one recomputed)
        Output out = attention(query, key, value, embedDim, numHeads, parameter("in_proj_weight"), parameter("in_proj_bias"),
                dropout, outProj.parametrizedValue("weight"), outProj.parametrizedValue("bias"), isTraining(), keyPaddingMask,
                needWeights, attnMask, parameter("q_proj_weight"), parameter("k_proj_weight"), parameter("v_proj_weight"),
                averageAttnWeights, isCausal, parameter("bias_k"), parameter("bias_v"), addZeroAttn);
        if (batchFirst && batched) {
            return new Output(out.output().transpose(1, 0), out.weights());
        }
        return out;
    }

    /** {@link #forward(Tensor, Tensor, Tensor)} called with this module's hooks. */
    public Output apply(Tensor query, Tensor key, Tensor value) {
        return apply(query, key, value, null, true, null, true, false);
    }

    /**
     * {@code mha(query, key, value, key_padding_mask=mask)} with this module's hooks: the other arguments PyTorch's
     * defaults (weights averaged over heads, no attention mask); {@code keyPaddingMask} may be null.
     */
    public Output apply(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask) {
        return apply(query, key, value, keyPaddingMask, true, null, true, false);
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor, Tensor, boolean, Tensor, boolean, boolean)} called with this module's hooks,
     * which see the tensors {@code [query, key, value, keyPaddingMask, attnMask]} and {@code [output, weights]}.
     */
    public Output apply(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights, Tensor attnMask,
                        boolean averageAttnWeights, boolean isCausal) {
        return call(Arrays.asList(query, key, value, keyPaddingMask, attnMask),
                in -> forward(in.get(0), in.get(1), in.get(2), in.get(3), needWeights, in.get(4), averageAttnWeights,
                        isCausal), Output::tensors, Output::of);
    }

    // ------------------------------------------------------------------ PyTorch 2.x's F.multi_head_attention_forward

    /**
     * PyTorch's {@code F._canonical_mask}: null stays null; a boolean mask becomes an additive one of {@code target}
     * ({@code -inf} where true); a float mask is kept. Another type is refused, and a type other than the other mask's is
     * warned about (PyTorch's deprecation warning, logged).
     */
    static Tensor canonicalMask(Tensor mask, String maskName, DType otherType, String otherName, DType target,
                                boolean checkOther) {
        if (mask == null) {
            return null;
        }
        boolean floating = mask.dtype().isFloatingPoint();
        if (mask.dtype() != DType.BOOL && !floating) {
            throw new IllegalArgumentException("only bool and floating types of " + maskName + " are supported");
        }
        if (checkOther && otherType != null && mask.dtype() != otherType) {
            LOG.log(System.Logger.Level.WARNING, "Support for mismatched " + maskName + " and " + otherName
                    + " is deprecated. Use same type for both instead.");
        }
        if (!floating) {
            return mask.to(target).zerosLike().maskedFill_(mask, Double.NEGATIVE_INFINITY);
        }
        return mask;
    }

    /** Python's repr of an int tuple, {@code (2, 5)}. */
    private static String pyTuple(int... v) {
        return tuple(v);
    }

    /** PyTorch's {@code _mha_shape_check}: whether the input is batched, or its error. */
    private static boolean shapeCheck(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
                                      int numHeads) {
        if (query.dim() == 3) {
            if (key.dim() != 3 || value.dim() != 3) {
                throw new IllegalArgumentException("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                        + key.dim() + "-D and " + value.dim() + "-D tensors respectively");
            }
            if (keyPaddingMask != null && keyPaddingMask.dim() != 2) {
                throw new IllegalArgumentException("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or "
                        + "2-D but found " + keyPaddingMask.dim() + "-D tensor instead");
            }
            if (attnMask != null && attnMask.dim() != 2 && attnMask.dim() != 3) {
                throw new IllegalArgumentException("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                        + "but found " + attnMask.dim() + "-D tensor instead");
            }
            return true;
        }
        if (query.dim() == 2) {
            if (key.dim() != 2 || value.dim() != 2) {
                throw new IllegalArgumentException("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but "
                        + "found " + key.dim() + "-D and " + value.dim() + "-D tensors respectively");
            }
            if (keyPaddingMask != null && keyPaddingMask.dim() != 1) {
                throw new IllegalArgumentException("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or "
                        + "1-D but found " + keyPaddingMask.dim() + "-D tensor instead");
            }
            if (attnMask != null) {
                if (attnMask.dim() != 2 && attnMask.dim() != 3) {
                    throw new IllegalArgumentException("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or "
                            + "3-D but found " + attnMask.dim() + "-D tensor instead");
                }
                int[] expected = {numHeads, query.size(0), key.size(0)};
                if (attnMask.dim() == 3 && !Arrays.equals(attnMask.shape(), expected)) {
                    throw new IllegalArgumentException("Expected `attn_mask` shape to be " + pyTuple(expected) + " but got "
                            + Format.size(attnMask.shape()));
                }
            }
            return false;
        }
        throw new IllegalArgumentException("query should be unbatched 2D or batched 3D tensor but received " + query.dim()
                + "-D query tensor");
    }

    /** {@link #attention} without {@code bias_k}, {@code bias_v} and {@code add_zero_attn}. */
    static Output attention(Tensor query, Tensor key, Tensor value, int embedDimToCheck, int numHeads, Tensor inProjWeight,
                            Tensor inProjBias, double dropoutP, Tensor outProjWeight, Tensor outProjBias, boolean training,
                            Tensor keyPaddingMask, boolean needWeights, Tensor attnMask, Tensor qProjWeight,
                            Tensor kProjWeight, Tensor vProjWeight, boolean averageAttnWeights, boolean isCausal) {
        return attention(query, key, value, embedDimToCheck, numHeads, inProjWeight, inProjBias, dropoutP, outProjWeight,
                outProjBias, training, keyPaddingMask, needWeights, attnMask, qProjWeight, kProjWeight, vProjWeight,
                averageAttnWeights, isCausal, null, null, false);
    }

    /**
     * PyTorch 2.x's {@code F.multi_head_attention_forward} without static keys: the packed projection when
     * {@code inProjWeight} is not null, else the separate ones; {@code biasK} and {@code biasV} ([1, 1, E], both or
     * neither) appended to the projected keys and values, and with {@code addZeroAttn} a zero key and value per head.
     * Inputs are sequence first ([L, N, E]) or unbatched.
     */
    static Output attention(Tensor query, Tensor key, Tensor value, int embedDimToCheck, int numHeads, Tensor inProjWeight,
                            Tensor inProjBias, double dropoutP, Tensor outProjWeight, Tensor outProjBias, boolean training,
                            Tensor keyPaddingMask, boolean needWeights, Tensor attnMask, Tensor qProjWeight,
                            Tensor kProjWeight, Tensor vProjWeight, boolean averageAttnWeights, boolean isCausal,
                            Tensor biasK, Tensor biasV, boolean addZeroAttn) {
        if ((biasK == null) != (biasV == null)) {
            throw new IllegalArgumentException("bias_k and bias_v must both be given or both be None");
        }
        boolean batched = shapeCheck(query, key, value, keyPaddingMask, attnMask, numHeads);
        if (!batched) {
            // three new tensors, as PyTorch's unsqueeze: shared arguments are no longer the same object
            query = query.unsqueeze(1);
            key = key.unsqueeze(1);
            value = value.unsqueeze(1);
            if (keyPaddingMask != null) {
                keyPaddingMask = keyPaddingMask.unsqueeze(0);
            }
        }
        int tgtLen = query.size(0);
        int bsz = query.size(1);
        int embedDim = query.size(2);
        int srcLen = key.size(0);
        keyPaddingMask = canonicalMask(keyPaddingMask, "key_padding_mask", attnMask == null ? null : attnMask.dtype(),
                "attn_mask", query.dtype(), true);
        if (isCausal && attnMask == null) {
            throw new IllegalArgumentException("Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                    + "module method `generate_square_subsequent_mask` to create this mask.");
        }
        if (isCausal && keyPaddingMask == null && !needWeights) {
            // the hint goes to scaled_dot_product_attention as is_causal, without the mask
            attnMask = null;
        } else {
            attnMask = canonicalMask(attnMask, "attn_mask", null, "", query.dtype(), false);
            if (keyPaddingMask != null) {
                isCausal = false; // the merged mask is no longer causal
            }
        }
        if (embedDim != embedDimToCheck) {
            throw new IllegalArgumentException("was expecting embedding dimension of " + embedDimToCheck + ", but got "
                    + embedDim);
        }
        if (numHeads == 0) {
            throw new IllegalArgumentException("integer division or modulo by zero"); // Python's ZeroDivisionError
        }
        int headDim = Math.floorDiv(embedDim, numHeads);
        if (headDim * numHeads != embedDim) {
            throw new IllegalArgumentException("embed_dim " + embedDim + " not divisible by num_heads " + numHeads);
        }
        boolean separate = inProjWeight == null;
        if (separate) {
            int[] ks = Arrays.copyOf(key.shape(), 2);
            int[] vs = Arrays.copyOf(value.shape(), 2);
            if (!Arrays.equals(ks, vs)) {
                throw new IllegalArgumentException("key's sequence and batch dims " + Format.size(ks) + " do not match value's "
                        + Format.size(vs));
            }
        } else if (!Arrays.equals(key.shape(), value.shape())) {
            throw new IllegalArgumentException("key shape " + Format.size(key.shape()) + " does not match value shape "
                    + Format.size(value.shape()));
        }

        // the in-projection
        Tensor[] qkv;
        if (!separate) {
            qkv = inProjectionPacked(query, key, value, inProjWeight, inProjBias);
        } else {
            Checks.notNull(qProjWeight, "use_separate_proj_weight is True but q_proj_weight");
            Checks.notNull(kProjWeight, "use_separate_proj_weight is True but k_proj_weight");
            Checks.notNull(vProjWeight, "use_separate_proj_weight is True but v_proj_weight");
            Tensor[] b = inProjBias == null ? new Tensor[3] : inProjBias.chunk(3).toArray(new Tensor[0]);
            qkv = inProjection(query, key, value, qProjWeight, kProjWeight, vProjWeight, b[0], b[1], b[2]);
        }
        Tensor q = qkv[0];
        Tensor k = qkv[1];
        Tensor v = qkv[2];

        // the attention mask, 3-D
        if (attnMask != null) {
            if (attnMask.dim() == 2) {
                if (!Arrays.equals(attnMask.shape(), new int[] {tgtLen, srcLen})) {
                    throw new IllegalArgumentException("The shape of the 2D attn_mask is " + Format.size(attnMask.shape())
                            + ", but should be " + pyTuple(tgtLen, srcLen) + ".");
                }
                attnMask = attnMask.unsqueeze(0);
            } else if (attnMask.dim() == 3) {
                int[] expected = {bsz * numHeads, tgtLen, srcLen};
                if (!Arrays.equals(attnMask.shape(), expected)) {
                    throw new IllegalArgumentException("The shape of the 3D attn_mask is " + Format.size(attnMask.shape())
                            + ", but should be " + pyTuple(expected) + ".");
                }
            } else {
                throw new IllegalArgumentException("attn_mask's dimension " + attnMask.dim() + " is not supported");
            }
        }

        // the learnt key and value biases, along the sequence
        if (biasK != null) {
            k = Tensor.cat(List.of(k, biasK.repeat(1, bsz, 1)), 0);
            v = Tensor.cat(List.of(v, biasV.repeat(1, bsz, 1)), 0);
            if (attnMask != null) {
                attnMask = Functional.pad(attnMask, new int[] {0, 1});
            }
            if (keyPaddingMask != null) {
                keyPaddingMask = Functional.pad(keyPaddingMask, new int[] {0, 1});
            }
        }

        // heads into the batch dimension: [N * heads, L, head_dim]
        q = q.view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
        k = k.view(k.size(0), bsz * numHeads, headDim).transpose(0, 1);
        v = v.view(v.size(0), bsz * numHeads, headDim).transpose(0, 1);

        // a zero key and value per head, along the sequence
        if (addZeroAttn) {
            k = Tensor.cat(List.of(k, Tensor.zeros(k.dtype(), bsz * numHeads, 1, headDim).to(k.device())), 1);
            v = Tensor.cat(List.of(v, Tensor.zeros(v.dtype(), bsz * numHeads, 1, headDim).to(v.device())), 1);
            if (attnMask != null) {
                attnMask = Functional.pad(attnMask, new int[] {0, 1});
            }
            if (keyPaddingMask != null) {
                keyPaddingMask = Functional.pad(keyPaddingMask, new int[] {0, 1});
            }
        }
        srcLen = k.size(1);

        // merge the key padding mask into the attention mask
        if (keyPaddingMask != null) {
            if (!Arrays.equals(keyPaddingMask.shape(), new int[] {bsz, srcLen})) {
                throw new IllegalArgumentException("expecting key_padding_mask shape of " + pyTuple(bsz, srcLen) + ", but got "
                        + Format.size(keyPaddingMask.shape()));
            }
            keyPaddingMask = keyPaddingMask.view(bsz, 1, 1, srcLen).expand(-1, numHeads, -1, -1)
                    .reshape(bsz * numHeads, 1, srcLen);
            attnMask = attnMask == null ? keyPaddingMask : attnMask.add(keyPaddingMask);
        }
        if (!training) {
            dropoutP = 0.0;
        }

        if (needWeights) {
            int e = q.size(2);
            Tensor qScaled = q.mul(Math.sqrt(1.0 / (double) e));
            Tensor weights = attnMask != null ? attnMask.baddbmm(qScaled, k.transpose(-2, -1))
                    : qScaled.bmm(k.transpose(-2, -1));
            weights = weights.softmax(-1);
            if (dropoutP > 0.0) {
                weights = Functional.dropout(weights, dropoutP, true);
            }
            Tensor out = weights.bmm(v);
            out = out.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
            out = Functional.linear(out, outProjWeight, outProjBias);
            out = out.view(tgtLen, bsz, out.size(1));
            weights = weights.view(bsz, numHeads, tgtLen, srcLen);
            if (averageAttnWeights) {
                weights = weights.mean(1);
            }
            if (!batched) {
                out = out.squeeze(1);
                weights = weights.squeeze(0);
            }
            return new Output(out, weights);
        }
        // [N * heads, L, S] or [1, L, S] masks as scaled_dot_product_attention's [N, heads, L, S] or [1, 1, L, S]
        if (attnMask != null) {
            attnMask = attnMask.size(0) == 1 && attnMask.dim() == 3 ? attnMask.unsqueeze(0)
                    : attnMask.view(bsz, numHeads, -1, srcLen);
        }
        q = q.view(bsz, numHeads, tgtLen, headDim);
        k = k.view(bsz, numHeads, srcLen, headDim);
        v = v.view(bsz, numHeads, srcLen, headDim);
        Tensor out = Functional.scaledDotProductAttention(q, k, v, attnMask, dropoutP, isCausal, null);
        out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgtLen, embedDim);
        out = Functional.linear(out, outProjWeight, outProjBias);
        out = out.view(tgtLen, bsz, out.size(1));
        if (!batched) {
            out = out.squeeze(1);
        }
        return new Output(out, null);
    }

    /**
     * PyTorch 2.x's {@code _in_projection_packed}: one linear for self-attention (query, key and value the same tensor),
     * one for the query and one for key and value together when key and value are the same tensor, else three; the
     * packed results split along a new leading dimension (unflatten, transpose, contiguous, select), as PyTorch.
     */
    private static Tensor[] inProjectionPacked(Tensor q, Tensor k, Tensor v, Tensor w, Tensor b) {
        int e = q.size(-1);
        if (k == v) {
            if (q == k) {
                Tensor proj = packed(Functional.linear(q, w, b), 3, e);
                return new Tensor[] {proj.select(0, 0), proj.select(0, 1), proj.select(0, 2)};
            }
            List<Tensor> ws = w.split(new int[] {e, 2 * e}, 0);
            List<Tensor> bs = b == null ? null : b.split(new int[] {e, 2 * e}, 0);
            Tensor qProj = Functional.linear(q, ws.get(0), bs == null ? null : bs.get(0));
            Tensor kv = packed(Functional.linear(k, ws.get(1), bs == null ? null : bs.get(1)), 2, e);
            return new Tensor[] {qProj, kv.select(0, 0), kv.select(0, 1)};
        }
        List<Tensor> ws = w.chunk(3);
        List<Tensor> bs = b == null ? null : b.chunk(3);
        return new Tensor[] {Functional.linear(q, ws.get(0), bs == null ? null : bs.get(0)),
            Functional.linear(k, ws.get(1), bs == null ? null : bs.get(1)),
            Functional.linear(v, ws.get(2), bs == null ? null : bs.get(2))};
    }

    /** {@code proj.unflatten(-1, (n, e)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()}. */
    private static Tensor packed(Tensor proj, int n, int e) {
        return proj.unflatten(-1, n, e).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous();
    }

    /** PyTorch's {@code _in_projection}: three linears, with its checks of the weights' and biases' shapes. */
    private static Tensor[] inProjection(Tensor q, Tensor k, Tensor v, Tensor wq, Tensor wk, Tensor wv, Tensor bq, Tensor bk,
                                         Tensor bv) {
        int eq = q.size(-1);
        int ek = k.size(-1);
        int ev = v.size(-1);
        checkShape("query weights", wq, eq, eq);
        checkShape("key weights", wk, eq, ek);
        checkShape("value weights", wv, eq, ev);
        if (bq != null) {
            checkShape("query bias", bq, eq);
        }
        if (bk != null) {
            checkShape("key bias", bk, eq);
        }
        if (bv != null) {
            checkShape("value bias", bv, eq);
        }
        return new Tensor[] {Functional.linear(q, wq, bq), Functional.linear(k, wk, bk), Functional.linear(v, wv, bv)};
    }

    private static void checkShape(String what, Tensor t, int... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("expecting " + what + " shape of " + pyTuple(shape) + ", but got "
                    + Format.size(t.shape()));
        }
    }
}
