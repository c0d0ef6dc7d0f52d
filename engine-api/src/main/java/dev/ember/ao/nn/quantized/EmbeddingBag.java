package dev.ember.ao.nn.quantized;

import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;

import java.util.Arrays;

/**
 * {@code torch.ao.nn.quantized.EmbeddingBag}: a weight-only quantized embedding bag, its table as {@link Embedding}'s
 * (quint8 or quint4x2, float qparams per row, PyTorch's packing) and its bags PyTorch's {@code embedding_bag_byte} /
 * {@code embedding_bag_4bit} ({@link PackedEmbeddingBagWeight#lookup}): always the sum of the bag's rows (each times
 * its per-sample weight when given), whatever {@link #mode()} says: PyTorch's module passes mode 0 to the kernels, which
 * ignore it, so a converted {@code mode="mean"} or {@code "max"} bag sums, as PyTorch's does. Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from an {@link dev.ember.nn.EmbeddingBag} whose qconfig is
 * {@link dev.ember.ao.quantization.QConfig#FLOAT_QPARAMS_WEIGHT_ONLY} (or the 4-bit one), or {@link #fromFloat}; prints
 * as PyTorch's ({@code QuantizedEmbeddingBag(num_embeddings=10, embedding_dim=12, dtype=torch.quint8,
 * qscheme=torch.per_channel_affine_float_qparams)}, no mode).
 */
public class EmbeddingBag extends Embedding implements dev.ember.nn.EmbeddingBagForward {
    private final String mode;
    private final boolean includeLastOffset;
    private final Double maxNorm;
    private final double normType;
    private final boolean scaleGradByFreq;
    private final boolean sparse;

    /** {@code EmbeddingBag(num_embeddings, embedding_dim)}: quint8, mode "sum", offsets without the last. */
    public EmbeddingBag(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, null, 2.0, false, "sum", false, false, QuantDType.QUINT8);
    }

    /**
     * {@code EmbeddingBag(num_embeddings, embedding_dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
     * include_last_offset=..., dtype=...)}: a table of zeros, to be replaced by {@link #setWeight}. {@code maxNorm},
     * {@code normType}, {@code scaleGradByFreq}, {@code sparse} and {@code mode} are kept and do nothing, as in PyTorch.
     *
     * @param numEmbeddings the number of rows
     * @param embeddingDim the size of a row
     * @param maxNorm kept, or null
     * @param normType kept
     * @param scaleGradByFreq kept
     * @param mode "sum", "mean" or "max": kept (the bags are sums)
     * @param sparse kept
     * @param includeLastOffset whether the offsets end with the end of the last bag
     * @param dtype quint8 or quint4x2
     * @throws IllegalArgumentException as {@link Embedding#Embedding(int, int, QuantDType)}, or for another mode
     */
    public EmbeddingBag(int numEmbeddings, int embeddingDim, Double maxNorm, double normType, boolean scaleGradByFreq,
                        String mode, boolean sparse, boolean includeLastOffset, QuantDType dtype) {
        super(numEmbeddings, embeddingDim, dtype);
        if (!Arrays.asList("sum", "mean", "max").contains(mode)) {
            throw new IllegalArgumentException("mode has to be one of sum, mean or max");
        }
        this.mode = mode;
        this.includeLastOffset = includeLastOffset;
        this.maxNorm = maxNorm;
        this.normType = normType;
        this.scaleGradByFreq = scaleGradByFreq;
        this.sparse = sparse;
    }

    /**
     * {@code nnq.EmbeddingBag.from_float(mod)}: the float table quantized by {@code weightObserver} (run on it), the
     * module of the observer's type with the float module's options ({@code mode} kept, though the bags sum).
     *
     * @param mod the float bag (exactly {@link dev.ember.nn.EmbeddingBag})
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @return the quantized bag
     * @throws IllegalArgumentException for an observer of another scheme or type (PyTorch's assertion messages)
     */
    public static EmbeddingBag fromFloat(dev.ember.nn.EmbeddingBag mod, ObserverOrFakeQuantize weightObserver) {
        if (mod == null || mod.getClass() != dev.ember.nn.EmbeddingBag.class) {
            throw new IllegalArgumentException("nnq.EmbeddingBag.from_float only works for EmbeddingBag");
        }
        QuantizedTensor w = quantizeWeight(mod.getParameter("weight"), weightObserver, "EmbeddingBag");
        EmbeddingBag q = new EmbeddingBag(mod.numEmbeddings(), mod.embeddingDim(), mod.maxNorm(), mod.normType(),
            mod.scaleGradByFreq(), mod.mode(), mod.sparse(), mod.includeLastOffset(), weightObserver.dtype());
        q.setWeight(w);
        return q;
    }

    /**
     * {@code from_float} of a QAT bag ({@code convert}): its table quantized by its own trained
     * {@code weight_fake_quant}, which runs on the table once more first, as PyTorch's; mode, include_last_offset and
     * the other options kept, as 2.x's {@code from_float} (1.13's dropped them).
     *
     * @param mod the QAT bag
     * @return the quantized bag
     * @throws IllegalArgumentException for a null module or a fake quantizer of another scheme or type (PyTorch's
     *     assertion messages)
     */
    public static EmbeddingBag fromQat(dev.ember.ao.nn.qat.EmbeddingBag mod) {
        if (mod == null) {
            throw new IllegalArgumentException("nnq.EmbeddingBag.from_float needs a module");
        }
        ObserverOrFakeQuantize fq = fakeQuant(mod.weightFakeQuant());
        QuantizedTensor w = quantizeWeight(mod.getParameter("weight"), fq, "EmbeddingBag");
        EmbeddingBag q = new EmbeddingBag(mod.numEmbeddings(), mod.embeddingDim(), mod.maxNorm(), mod.normType(),
            mod.scaleGradByFreq(), mod.mode(), mod.sparse(), mod.includeLastOffset(), fq.dtype());
        q.setWeight(w);
        return q;
    }

    /** {@code mode}, as given (the bags are sums whatever it is, as PyTorch's). */
    public String mode() {
        return mode;
    }

    /** {@code include_last_offset}. */
    public boolean includeLastOffset() {
        return includeLastOffset;
    }

    /** {@code max_norm} (kept, unused), or null. */
    public Double maxNorm() {
        return maxNorm;
    }

    /** {@code norm_type} (kept, unused). */
    public double normType() {
        return normType;
    }

    /** {@code scale_grad_by_freq} (kept, unused). */
    public boolean scaleGradByFreq() {
        return scaleGradByFreq;
    }

    /** {@code sparse} (kept, unused). */
    public boolean sparse() {
        return sparse;
    }

    /**
     * The bags of a 2-D {@code indices}, a row a bag, as {@code bag(indices)}.
     *
     * @param indices int32 or int64 indices, 2-D
     * @return float32 {@code [B, D]}
     */
    @Override
    public Tensor forward(Tensor indices) {
        return forward(indices, null, null);
    }

    /** {@link #forward(Tensor, Tensor, Tensor)} without per-sample weights. */
    public Tensor forward(Tensor indices, Tensor offsets) {
        return forward(indices, offsets, null);
    }

    /**
     * {@code forward(indices, offsets, per_sample_weights)}: the sums of the bags ({@link PackedEmbeddingBagWeight#lookup}).
     *
     * @param indices int32 or int64 indices: 1-D with {@code offsets}, or 2-D without (a row a bag)
     * @param offsets the bags' starts (and the end of the last with {@code include_last_offset}), or null
     * @param perSampleWeights a float32 weight an index (float16 too for 4 bits), or null
     * @return float32 {@code [bags, D]}
     * @throws IllegalArgumentException as {@link PackedEmbeddingBagWeight#lookup}
     */
    @Override
    public Tensor forward(Tensor indices, Tensor offsets, Tensor perSampleWeights) {
        return packedWeight().lookup(indices, offsets, perSampleWeights, includeLastOffset, false);
    }

    /** {@link #forward(Tensor, Tensor)} with this module's hooks, as {@code bag(indices, offsets)}. */
    public Tensor apply(Tensor indices, Tensor offsets) {
        return call(Arrays.asList(indices, offsets), in -> java.util.List.of(forward(in.get(0), in.get(1)))).get(0);
    }

    /** {@link #forward(Tensor, Tensor, Tensor)} with this module's hooks, as {@code bag(indices, offsets, weights)}. */
    public Tensor apply(Tensor indices, Tensor offsets, Tensor perSampleWeights) {
        return call(Arrays.asList(indices, offsets, perSampleWeights),
            in -> java.util.List.of(forward(in.get(0), in.get(1), in.get(2)))).get(0);
    }

    @Override
    protected String moduleName() {
        return "QuantizedEmbeddingBag";
    }
}
