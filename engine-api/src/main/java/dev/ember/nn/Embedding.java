package dev.ember.nn;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;

/**
 * {@code torch.nn.Embedding}: a lookup table of {@code numEmbeddings} rows of {@code embeddingDim}, initialized from
 * N(0, 1) (the default generator) with the padding row zeroed, as PyTorch. The row {@code paddingIdx} gets no gradient;
 * with {@code maxNorm} the rows looked up are renormalized in place before each lookup. The gradient is dense (one node
 * EmbeddingBackward0, an index_add into zeros), or with {@code sparse} a sparse COO gradient
 * ({@link Tensor#sparseGrad()}: one entry per lookup, uncoalesced, as PyTorch's; train it with
 * {@link dev.ember.optim.SparseAdam}, {@code SGD} or {@code Adagrad}). State dict key {@code weight}.
 */
public class Embedding extends Module implements HasWeight {
    /**
     * The table, {@code [numEmbeddings, embeddingDim]}. The final field holds the tensor registered at construction:
     * once the module's weight is replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    private final int numEmbeddings;
    private final int embeddingDim;
    private final Long paddingIdx;
    private final Double maxNorm;
    private final double normType;
    private final boolean scaleGradByFreq;
    private final boolean sparse;

    /** A table without padding row or max norm. */
    public Embedding(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, null, null, 2.0, false);
    }

    /**
     * A table whose row {@code paddingIdx} starts at zero and gets no gradient, as {@code nn.Embedding(n, d,
     * padding_idx=p)}; a negative index counts from the end.
     *
     * @throws IllegalArgumentException for a padding index outside the table (PyTorch's assertion)
     */
    public Embedding(int numEmbeddings, int embeddingDim, long paddingIdx) {
        this(numEmbeddings, embeddingDim, paddingIdx, null, 2.0, false);
    }

    /**
     * Every option of PyTorch's constructor but {@code sparse} (the gradient is dense); {@code paddingIdx} and
     * {@code maxNorm} may be null, a negative {@code paddingIdx} counts from the end.
     *
     * @throws IllegalArgumentException for a padding index outside the table (PyTorch's assertion)
     */
    public Embedding(int numEmbeddings, int embeddingDim, Long paddingIdx, Double maxNorm, double normType,
                     boolean scaleGradByFreq) {
        this(numEmbeddings, embeddingDim, paddingIdx, maxNorm, normType, scaleGradByFreq, false, null);
    }

    /**
     * Every option of PyTorch's constructor: as {@link #Embedding(int, int, Long, Double, double, boolean)}, and with
     * {@code sparse} the weight's gradient is sparse, as {@code nn.Embedding(n, d, sparse=True)}.
     *
     * @throws IllegalArgumentException for a padding index outside the table (PyTorch's assertion)
     */
    public Embedding(int numEmbeddings, int embeddingDim, Long paddingIdx, Double maxNorm, double normType,
                     boolean scaleGradByFreq, boolean sparse) {
        this(numEmbeddings, embeddingDim, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse, null);
    }

    private Embedding(int numEmbeddings, int embeddingDim, Long paddingIdx, Double maxNorm, double normType,
                      boolean scaleGradByFreq, boolean sparse, Tensor weight) {
        this.sparse = sparse;
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = Functional.paddingIndex(paddingIdx, numEmbeddings);
        this.maxNorm = maxNorm;
        this.normType = normType;
        this.scaleGradByFreq = scaleGradByFreq;
        Tensor w = weight;
        if (w == null) {
            w = Init.normal_(Tensor.empty(numEmbeddings, embeddingDim), 0, 1);
            if (this.paddingIdx != null) {
                try (GradMode off = Ember.noGrad()) {
                    w.select(0, (int) (long) this.paddingIdx).fill_(0.0);
                }
            }
        }
        this.weight = registerParameter("weight", w);
    }

    /**
     * A table holding {@code embeddings} (2-D, used as the parameter itself, as PyTorch's {@code from_pretrained});
     * {@code freeze} turns its gradient off.
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze) {
        return fromPretrained(embeddings, freeze, null, null, 2.0, false);
    }

    /**
     * {@code nn.Embedding.from_pretrained(embeddings, freeze, padding_idx=p)}: the row {@code paddingIdx} (negative:
     * from the end) keeps its pretrained values, as PyTorch's (it is not zeroed), and gets no gradient.
     *
     * @throws IllegalArgumentException as {@link #fromPretrained(Tensor, boolean, Long, Double, double, boolean)}
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze, long paddingIdx) {
        return fromPretrained(embeddings, freeze, paddingIdx, null, 2.0, false);
    }

    /**
     * {@code nn.Embedding.from_pretrained} with every option but {@code sparse} (dense gradient): a table holding {@code embeddings}
     * (2-D, used as the parameter itself), {@code freeze} turning its gradient off; {@code paddingIdx} (kept as given,
     * no gradient) and {@code maxNorm} may be null, as in {@link #Embedding(int, int, Long, Double, double, boolean)}.
     *
     * @throws IllegalArgumentException for a null or non-2-D {@code embeddings}, or a padding index outside the table,
     *     with PyTorch's messages
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze, Long paddingIdx, Double maxNorm,
                                           double normType, boolean scaleGradByFreq) {
        return fromPretrained(embeddings, freeze, paddingIdx, maxNorm, normType, scaleGradByFreq, false);
    }

    /**
     * {@code nn.Embedding.from_pretrained} with every option: as
     * {@link #fromPretrained(Tensor, boolean, Long, Double, double, boolean)}, and with {@code sparse} the weight's
     * gradient is sparse.
     *
     * @throws IllegalArgumentException as {@link #fromPretrained(Tensor, boolean, Long, Double, double, boolean)}
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze, Long paddingIdx, Double maxNorm,
                                           double normType, boolean scaleGradByFreq, boolean sparse) {
        Checks.notNull(embeddings, "embeddings");
        if (embeddings.dim() != 2) {
            throw new IllegalArgumentException("Embeddings parameter is expected to be 2-dimensional");
        }
        Embedding e = new Embedding(embeddings.size(0), embeddings.size(1), paddingIdx, maxNorm, normType,
                scaleGradByFreq, sparse, embeddings);
        e.weight.setRequiresGrad(!freeze);
        return e;
    }

    @Override
    public Tensor forward(Tensor input) {
        Module replaced = replacement();
        if (replaced != null) {
            return forwardReplacement(replaced, input); // swapped in its parent (Module.setSubmodule, Quantization.convert)
        }
        return lookup(input, parameter("weight"));
    }

    /**
     * A table with {@code mod}'s sizes and options over {@code weight}, registered as this module's parameter
     * {@code weight} (not re-initialized), for subclasses such as the QAT embedding ({@code _weight} of PyTorch's
     * constructor).
     *
     * @param mod the module whose options are taken
     * @param weight the table, {@code [numEmbeddings, embeddingDim]}
     * @throws IllegalArgumentException for a null module or weight
     */
    protected Embedding(Embedding mod, Tensor weight) {
        this(Checks.notNull(mod, "mod").numEmbeddings, mod.embeddingDim, mod.paddingIdx, mod.maxNorm, mod.normType,
            mod.scaleGradByFreq, mod.sparse, Checks.notNull(weight, "weight"));
    }

    /**
     * {@code F.embedding(input, weight, ...)} with this module's options (padding index, max norm, norm type, scaling
     * by frequency, sparse gradient): the forward over another table, as the QAT embedding's fake-quantized one.
     *
     * @param input the indices
     * @param weight the table to look up
     * @return the rows of {@code weight} at {@code input}
     */
    protected Tensor lookup(Tensor input, Tensor weight) {
        return Functional.embedding(input, weight, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse);
    }

    /** The largest norm of a looked-up row, PyTorch's {@code max_norm}, or null for none. */
    public Double maxNorm() {
        return maxNorm;
    }

    /** The size of the dictionary, PyTorch's {@code num_embeddings}. */
    public int numEmbeddings() {
        return numEmbeddings;
    }

    /** Whether the weight's gradient is sparse, PyTorch's {@code sparse}. */
    public boolean sparse() {
        return sparse;
    }

    /** The size of each embedding vector, PyTorch's {@code embedding_dim}. */
    public int embeddingDim() {
        return embeddingDim;
    }

    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(numEmbeddings + ", " + embeddingDim);
        if (paddingIdx != null) {
            s.append(", padding_idx=").append(paddingIdx);
        }
        if (maxNorm != null) {
            s.append(", max_norm=").append(Format.repr(maxNorm));
        }
        if (normType != 2) {
            s.append(", norm_type=").append(Format.repr(normType));
        }
        if (scaleGradByFreq) {
            s.append(", scale_grad_by_freq=True");
        }
        if (sparse) {
            s.append(", sparse=True");
        }
        return s.toString();
    }
}
