package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.Transformer}: an encoder ({@link TransformerEncoder} of {@code numEncoderLayers} layers and a final
 * {@link LayerNorm}) and a decoder ({@link TransformerDecoder}, likewise), every parameter of two or more dimensions
 * re-initialized Xavier-uniform, as PyTorch's {@code _reset_parameters}; state dict keys {@code encoder.layers.0...},
 * {@code decoder.norm.weight}, PyTorch's. Also PyTorch's mask helper {@link #generateSquareSubsequentMask}.
 */
public class Transformer extends Module {
    /** The encoder. */
    public final TransformerEncoder encoder;
    /** The decoder. */
    public final TransformerDecoder decoder;
    private final int dModel;
    private final int nhead;
    private final boolean batchFirst;

    /** PyTorch's defaults: d_model 512, 8 heads, 6 + 6 layers, feed-forward 2048, dropout 0.1, relu, sequence first. */
    public Transformer() {
        this(512, 8, 6, 6, 2048, 0.1, "relu", 1e-5, false, false, true);
    }

    /**
     * Every option of PyTorch's constructor but custom encoders and decoders, the activation by name ("relu" or "gelu").
     *
     * @throws IllegalArgumentException for another activation name, or sizes the attention refuses
     */
    public Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers, int dimFeedforward,
                       double dropout, String activation, double layerNormEps, boolean batchFirst, boolean normFirst,
                       boolean bias) {
        this(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout,
                TransformerEncoderLayer.activationName(activation), null, layerNormEps, batchFirst, normFirst, bias);
    }

    /**
     * Every option of PyTorch's constructor but custom encoders and decoders, the activation a module (PyTorch's unary
     * callable): each encoder and decoder layer registers a deep copy of it as {@code activation}, as PyTorch's
     * {@code _get_clones} copies the layers that hold it.
     *
     * @throws IllegalArgumentException for a null activation, or sizes the attention refuses
     */
    public Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers, int dimFeedforward,
                       double dropout, Module activation, double layerNormEps, boolean batchFirst, boolean normFirst,
                       boolean bias) {
        this(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, null,
                Checks.notNull(activation, "activation"), layerNormEps, batchFirst, normFirst, bias);
    }

    private Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers, int dimFeedforward,
                        double dropout, String activation, Module activationModule, double layerNormEps, boolean batchFirst,
                        boolean normFirst, boolean bias) {
        TransformerEncoderLayer encoderLayer = activationModule == null
                ? new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst,
                        normFirst, bias)
                : new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropout, activationModule, layerNormEps,
                        batchFirst, normFirst, bias);
        this.encoder = registerModule("encoder", new TransformerEncoder(encoderLayer, numEncoderLayers,
                new LayerNorm(new int[] {dModel}, layerNormEps, true, bias)));
        TransformerDecoderLayer decoderLayer = activationModule == null
                ? new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst,
                        normFirst, bias)
                : new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropout, activationModule, layerNormEps,
                        batchFirst, normFirst, bias);
        this.decoder = registerModule("decoder", new TransformerDecoder(decoderLayer, numDecoderLayers,
                new LayerNorm(new int[] {dModel}, layerNormEps, true, bias)));
        for (Tensor p : parameters()) {
            if (p.dim() > 1) {
                Init.xavierUniform_(p);
            }
        }
        this.dModel = dModel;
        this.nhead = nhead;
        this.batchFirst = batchFirst;
    }

    /** The model dimension. */
    public int dModel() {
        return dModel;
    }

    /** The number of heads. */
    public int nhead() {
        return nhead;
    }

    /** PyTorch's error: a transformer needs a source and a target (use {@link #forward(Tensor, Tensor)}). */
    @Override
    public Tensor forward(Tensor src) {
        throw new IllegalArgumentException("Transformer.forward() missing 1 required positional argument: 'tgt'");
    }

    /** {@code transformer(src, tgt)} without masks. */
    public Tensor forward(Tensor src, Tensor tgt) {
        return forward(src, tgt, null, null, null, null, null, null, null, null, false);
    }

    /**
     * {@code transformer(src, tgt, src_mask, tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask,
     * memory_key_padding_mask, src_is_causal, tgt_is_causal, memory_is_causal)}: the masks may be null, and a null
     * {@code srcIsCausal} or {@code tgtIsCausal} means "detect it from the mask".
     */
    public Tensor forward(Tensor src, Tensor tgt, Tensor srcMask, Tensor tgtMask, Tensor memoryMask,
                          Tensor srcKeyPaddingMask, Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask,
                          Boolean srcIsCausal, Boolean tgtIsCausal, boolean memoryIsCausal) {
        Checks.tensor(src, "Transformer.forward", "src", 1);
        Checks.tensor(tgt, "Transformer.forward", "tgt", 2);
        boolean batched = src.dim() == 3;
        if (batched && src.size(batchFirst ? 0 : 1) != tgt.size(batchFirst ? 0 : 1)) {
            throw new IllegalArgumentException("the batch number of src and tgt must be equal");
        }
        if (src.size(-1) != dModel || tgt.size(-1) != dModel) {
            throw new IllegalArgumentException("the feature number of src and tgt must be equal to d_model");
        }
        Tensor memory = encoder.apply(src, srcMask, srcKeyPaddingMask, srcIsCausal);
        return decoder.apply(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal,
                memoryIsCausal);
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Boolean, Boolean, boolean)} with
     * this module's hooks, which see the source, the target and the six masks.
     */
    public Tensor apply(Tensor src, Tensor tgt, Tensor srcMask, Tensor tgtMask, Tensor memoryMask, Tensor srcKeyPaddingMask,
                        Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask, Boolean srcIsCausal, Boolean tgtIsCausal,
                        boolean memoryIsCausal) {
        return call(Arrays.asList(src, tgt, srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask,
                memoryKeyPaddingMask), in -> forward(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5),
                in.get(6), in.get(7), srcIsCausal, tgtIsCausal, memoryIsCausal), List::of, out -> out.get(0));
    }

    // ------------------------------------------------------------------ masks

    /**
     * PyTorch's {@code Transformer.generate_square_subsequent_mask(sz)}: a float32 [sz, sz] mask of {@code -inf} above
     * the diagonal and 0 elsewhere (query i attends keys j {@code <=} i), on the default device.
     */
    public static Tensor generateSquareSubsequentMask(int sz) {
        return generateSquareSubsequentMask(sz, DType.FLOAT32, null);
    }

    /**
     * The square subsequent mask of a type ({@code -inf} above the diagonal; for bool, true there) on a device (null:
     * the default device).
     */
    public static Tensor generateSquareSubsequentMask(int sz, DType dtype, Device device) {
        Checks.notNull(dtype, "dtype");
        Tensor m = dtype == DType.BOOL ? Tensor.ones(DType.BOOL, sz, sz).triu(1)
                : Tensor.full(dtype, Double.NEGATIVE_INFINITY, sz, sz).triu(1);
        return device == null ? m : m.to(device);
    }

    /** PyTorch's {@code _get_seq_len}: the sequence length of a batched or unbatched input. */
    static int seqLen(Tensor src, boolean batchFirst) {
        return src.dim() == 2 ? src.size(0) : src.size(batchFirst ? 1 : 0);
    }

    /**
     * PyTorch's {@code _detect_is_causal_mask}: {@code isCausal} when given; otherwise whether {@code mask} equals the
     * square subsequent mask of {@code size} (same shape and values).
     */
    static boolean detectIsCausalMask(Tensor mask, Boolean isCausal, int size) {
        boolean makeCausal = Boolean.TRUE.equals(isCausal);
        if (isCausal == null && mask != null) {
            Tensor causal = generateSquareSubsequentMask(size, mask.dtype(), mask.device());
            makeCausal = Arrays.equals(mask.shape(), causal.shape()) && mask.eq(causal).all();
        }
        return makeCausal;
    }
}
