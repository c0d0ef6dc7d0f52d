package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.EmbeddingBag}: sums, means or maxima of bags of embeddings, without materializing the looked-up rows
 * as a separate op (one node EmbeddingBagBackward0). Bags are the rows of a 2-D input, or the runs of a 1-D input that
 * start at {@code offsets}. Initialized from N(0, 1) with the padding row zeroed, as PyTorch; state dict key
 * {@code weight}.
 *
 * <p>Its forward takes up to three tensors; {@link #apply(Tensor, Tensor, Tensor)} is the typed call with hooks (the
 * pattern for modules of several inputs, see {@link Module#call(List, java.util.function.Function)}).
 */
public class EmbeddingBag extends Module implements HasWeight, EmbeddingBagForward {
    /**
     * The table, {@code [numEmbeddings, embeddingDim]}. The final field holds the tensor registered at construction:
     * once the module's weight is replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    private final int numEmbeddings;
    private final int embeddingDim;
    private final Double maxNorm;
    private final double normType;
    private final boolean scaleGradByFreq;
    private final String mode;
    private final boolean includeLastOffset;
    private final Long paddingIdx;
    private final boolean sparse;

    /** Mean bags, PyTorch's default mode. */
    public EmbeddingBag(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, null, 2.0, false, "mean", false, null);
    }

    /** The given mode ("sum", "mean" or "max"). */
    public EmbeddingBag(int numEmbeddings, int embeddingDim, String mode) {
        this(numEmbeddings, embeddingDim, null, 2.0, false, mode, false, null);
    }

    /**
     * Every option of PyTorch's constructor but {@code sparse}; {@code maxNorm} and {@code paddingIdx} may be null.
     *
     * @throws IllegalArgumentException for a padding index outside the table, or a mode other than sum, mean, max
     */
    public EmbeddingBag(int numEmbeddings, int embeddingDim, Double maxNorm, double normType, boolean scaleGradByFreq,
                        String mode, boolean includeLastOffset, Long paddingIdx) {
        this(numEmbeddings, embeddingDim, maxNorm, normType, scaleGradByFreq, mode, false, includeLastOffset, paddingIdx,
                null);
    }

    /**
     * Every option of PyTorch's constructor, in its order: as
     * {@link #EmbeddingBag(int, int, Double, double, boolean, String, boolean, Long)}, and with {@code sparse} (modes
     * sum and mean) the weight's gradient is sparse ({@link Tensor#sparseGrad()}), as
     * {@code nn.EmbeddingBag(..., sparse=True)}; mode max with {@code sparse} is refused when the module runs, as
     * PyTorch's functional refuses it. (PyTorch's printout does not show {@code sparse}.)
     *
     * @throws IllegalArgumentException for a padding index outside the table, or a mode other than sum, mean, max
     */
    public EmbeddingBag(int numEmbeddings, int embeddingDim, Double maxNorm, double normType, boolean scaleGradByFreq,
                        String mode, boolean sparse, boolean includeLastOffset, Long paddingIdx) {
        this(numEmbeddings, embeddingDim, maxNorm, normType, scaleGradByFreq, mode, sparse, includeLastOffset, paddingIdx,
                null);
    }

    /** The constructor with PyTorch's {@code _weight}: the table itself when given (not re-initialized), else N(0, 1). */
    private EmbeddingBag(int numEmbeddings, int embeddingDim, Double maxNorm, double normType, boolean scaleGradByFreq,
                         String mode, boolean sparse, boolean includeLastOffset, Long paddingIdx, Tensor pretrained) {
        Checks.notNull(mode, "mode");
        if (!Arrays.asList("sum", "mean", "max").contains(mode)) {
            throw new IllegalArgumentException("mode has to be one of sum, mean or max");
        }
        this.sparse = sparse;
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.maxNorm = maxNorm;
        this.normType = normType;
        this.scaleGradByFreq = scaleGradByFreq;
        this.mode = mode;
        this.includeLastOffset = includeLastOffset;
        this.paddingIdx = Functional.paddingIndex(paddingIdx, numEmbeddings);
        if (pretrained != null) {
            this.weight = registerParameter("weight", pretrained);
            return;
        }
        Tensor w = Init.normal_(Tensor.empty(numEmbeddings, embeddingDim), 0, 1);
        if (this.paddingIdx != null) {
            try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
                w.select(0, (int) (long) this.paddingIdx).fill_(0.0);
            }
        }
        this.weight = registerParameter("weight", w);
    }

    /**
     * {@code nn.EmbeddingBag.from_pretrained(embeddings, freeze, mode=mode)}: a table holding {@code embeddings} (2-D,
     * used as the parameter itself), {@code freeze} turning its gradient off (PyTorch's default is true).
     *
     * @throws IllegalArgumentException as {@link #fromPretrained(Tensor, boolean, Double, double, boolean, String,
     *     boolean, Long)}
     */
    public static EmbeddingBag fromPretrained(Tensor embeddings, boolean freeze, String mode) {
        return fromPretrained(embeddings, freeze, null, 2.0, false, mode, false, null);
    }

    /**
     * {@code nn.EmbeddingBag.from_pretrained} with every option but {@code sparse}, in PyTorch's order: a table holding
     * {@code embeddings} (2-D, used as the parameter itself; the padding row keeps its pretrained values, as PyTorch's,
     * and is left out of the bags), {@code freeze} turning its gradient off; {@code maxNorm} and {@code paddingIdx} may
     * be null.
     *
     * @throws IllegalArgumentException for a null or non-2-D {@code embeddings} (PyTorch's message), a padding index
     *     outside the table or a mode other than sum, mean, max
     */
    public static EmbeddingBag fromPretrained(Tensor embeddings, boolean freeze, Double maxNorm, double normType,
                                              boolean scaleGradByFreq, String mode, boolean includeLastOffset,
                                              Long paddingIdx) {
        return fromPretrained(embeddings, freeze, maxNorm, normType, scaleGradByFreq, mode, false, includeLastOffset,
                paddingIdx);
    }

    /**
     * {@code nn.EmbeddingBag.from_pretrained} with every option, in PyTorch's order: as
     * {@link #fromPretrained(Tensor, boolean, Double, double, boolean, String, boolean, Long)}, and {@code sparse} makes
     * the weight's gradient a sparse COO tensor, as the constructor's.
     *
     * @throws IllegalArgumentException for a null or non-2-D {@code embeddings} (PyTorch's message), a padding index
     *     outside the table or a mode other than sum, mean, max
     */
    public static EmbeddingBag fromPretrained(Tensor embeddings, boolean freeze, Double maxNorm, double normType,
                                              boolean scaleGradByFreq, String mode, boolean sparse,
                                              boolean includeLastOffset, Long paddingIdx) {
        Checks.notNull(embeddings, "embeddings");
        if (embeddings.dim() != 2) {
            throw new IllegalArgumentException("Embeddings parameter is expected to be 2-dimensional");
        }
        EmbeddingBag bag = new EmbeddingBag(embeddings.size(0), embeddings.size(1), maxNorm, normType,
                scaleGradByFreq, mode, sparse, includeLastOffset, paddingIdx, embeddings);
        bag.weight.setRequiresGrad(!freeze);
        return bag;
    }

    /** Bags of a 2-D input, one per row. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null, null);
    }

    /**
     * The bags of a 1-D {@code input}, the runs starting at {@code offsets} (its rows when 2-D and {@code offsets} null),
     * as {@code bag(input, offsets)}; see {@link #forward(Tensor, Tensor, Tensor)}.
     */
    public Tensor forward(Tensor input, Tensor offsets) {
        return forward(input, offsets, null);
    }

    /**
     * The bags of {@code input}: its rows when 2-D ({@code offsets} null), else the runs starting at {@code offsets};
     * {@code perSampleWeights} (mode sum only) may be null.
     */
    @Override
    public Tensor forward(Tensor input, Tensor offsets, Tensor perSampleWeights) {
        if (replacement() instanceof EmbeddingBagForward replaced) {
            // swapped in its parent (Module.setSubmodule, Quantization.convert): the new bag computes
            return replaced.forward(input, offsets, perSampleWeights);
        }
        return bag(input, offsets, perSampleWeights, parameter("weight"));
    }

    /**
     * A bag module with {@code mod}'s sizes and options over {@code weight}, registered as this module's parameter
     * {@code weight} (not re-initialized), for subclasses such as the QAT bag ({@code _weight} of PyTorch's
     * constructor).
     *
     * @param mod the module whose options are taken
     * @param weight the table, {@code [numEmbeddings, embeddingDim]}
     * @throws IllegalArgumentException for a null module or weight
     */
    protected EmbeddingBag(EmbeddingBag mod, Tensor weight) {
        this(Checks.notNull(mod, "mod").numEmbeddings, mod.embeddingDim, mod.maxNorm, mod.normType, mod.scaleGradByFreq,
            mod.mode, mod.sparse, mod.includeLastOffset, mod.paddingIdx, Checks.notNull(weight, "weight"));
    }

    /**
     * {@code F.embedding_bag(input, weight, offsets, ...)} with this module's options: the forward over another table,
     * as the QAT bag's fake-quantized one.
     *
     * @param input the indices
     * @param offsets the bags' starts, or null
     * @param perSampleWeights the per-sample weights, or null
     * @param weight the table
     * @return the bags
     */
    protected Tensor bag(Tensor input, Tensor offsets, Tensor perSampleWeights, Tensor weight) {
        return Functional.embeddingBag(input, weight, offsets, maxNorm, normType, scaleGradByFreq, mode, perSampleWeights,
                includeLastOffset, paddingIdx, sparse);
    }

    /** {@link #forward(Tensor, Tensor)} called with this module's hooks, as {@code bag(input, offsets)}. */
    public Tensor apply(Tensor input, Tensor offsets) {
        return call(Arrays.asList(input, offsets), in -> forward(in.get(0), in.get(1)), List::of, out -> out.get(0));
    }

    /** {@link #forward(Tensor, Tensor, Tensor)} called with this module's hooks, as {@code bag(input, offsets, weights)}. */
    public Tensor apply(Tensor input, Tensor offsets, Tensor perSampleWeights) {
        return call(Arrays.asList(input, offsets, perSampleWeights), in -> forward(in.get(0), in.get(1), in.get(2)),
                List::of, out -> out.get(0));
    }

    /** {@code num_embeddings}. */
    public int numEmbeddings() {
        return numEmbeddings;
    }

    /** {@code embedding_dim}. */
    public int embeddingDim() {
        return embeddingDim;
    }

    /** {@code mode}: "sum", "mean" or "max". */
    public String mode() {
        return mode;
    }

    /** {@code include_last_offset}. */
    public boolean includeLastOffset() {
        return includeLastOffset;
    }

    /** {@code max_norm}, or null. */
    public Double maxNorm() {
        return maxNorm;
    }

    /** {@code norm_type}. */
    public double normType() {
        return normType;
    }

    /** {@code scale_grad_by_freq}. */
    public boolean scaleGradByFreq() {
        return scaleGradByFreq;
    }

    /** {@code sparse}. */
    public boolean sparse() {
        return sparse;
    }

    /** {@code padding_idx} (made non-negative), or null. */
    public Long paddingIdx() {
        return paddingIdx;
    }

    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(numEmbeddings + ", " + embeddingDim);
        if (maxNorm != null) {
            s.append(", max_norm=").append(Format.repr(maxNorm));
        }
        if (normType != 2) {
            s.append(", norm_type=").append(Format.repr(normType));
        }
        if (scaleGradByFreq) {
            s.append(", scale_grad_by_freq=True");
        }
        s.append(", mode=").append(mode);
        if (paddingIdx != null) {
            s.append(", padding_idx=").append(paddingIdx);
        }
        return s.toString();
    }
}
