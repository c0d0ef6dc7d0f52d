package dev.ember.ao.nn.qat;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QScheme;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.qat.Embedding}: a {@link dev.ember.nn.Embedding} for quantization-aware training, whose forward is
 * {@code F.embedding(input, weight_fake_quant(weight), ...)} with the float module's options, the weight's fake
 * quantizer from the QConfig as its submodule {@code weight_fake_quant} (in its state dict and printout, as PyTorch's).
 * The QConfig's weight must quantize with float zero points per row ({@code per_channel_affine_float_qparams}), as
 * {@link QConfig#DEFAULT_EMBEDDING_QAT}'s does. {@link dev.ember.ao.quantization.Quantization#convert} makes a
 * {@link dev.ember.ao.nn.quantized.Embedding} of it, its table quantized by the trained fake quantizer.
 */
public class Embedding extends dev.ember.nn.Embedding {
    private final QConfig qconfig;
    private final FakeQuantizeBase weightFakeQuant;

    /**
     * {@code Embedding(num_embeddings, embedding_dim, qconfig=qconfig)}: a table initialized as
     * {@link dev.ember.nn.Embedding}'s, fake-quantized by {@code qconfig.weight()}'s module.
     *
     * @throws IllegalArgumentException without a qconfig, or with one whose weight is not quantized with float
     *     qparams per channel (PyTorch's assertion messages)
     */
    public Embedding(int numEmbeddings, int embeddingDim, QConfig qconfig) {
        super(numEmbeddings, embeddingDim);
        this.weightFakeQuant = registerModule("weight_fake_quant", weightFakeQuant(qconfig, "Embedding"));
        this.qconfig = qconfig;
    }

    /** {@link #fromFloat}'s module: {@code mod}'s options over {@code weight}, the checked fake quantizer. */
    private Embedding(dev.ember.nn.Embedding mod, Tensor weight, QConfig qconfig, FakeQuantizeBase fakeQuant) {
        super(mod, weight);
        this.weightFakeQuant = registerModule("weight_fake_quant", fakeQuant);
        this.qconfig = qconfig;
    }

    /**
     * {@code from_float}: a QAT embedding with {@code mod}'s sizes and options (padding index, max norm, norm type,
     * scaling by frequency, sparse) whose weight is a new parameter over {@code mod}'s weight's storage, as PyTorch's
     * {@code nn.Embedding(..., _weight=mod.weight)} wraps it in a new {@code Parameter}: the two share their values, but
     * an optimizer made before {@code prepare_qat} holds the float module's tensor, which gets no gradient (unlike
     * {@link Linear#fromFloat}'s): make it after.
     *
     * @param mod a float {@link dev.ember.nn.Embedding} (exactly that class)
     * @param qconfig its qconfig
     * @return the QAT embedding
     * @throws IllegalArgumentException for another module, a null qconfig, or a qconfig whose weight is not quantized
     *     with float qparams per channel (PyTorch's assertion messages); {@code mod} is left as it was
     */
    public static Embedding fromFloat(dev.ember.nn.Embedding mod, QConfig qconfig) {
        if (mod == null || mod.getClass() != dev.ember.nn.Embedding.class) {
            throw new IllegalArgumentException(" qat.Embedding.from_float only works for Embedding");
        }
        FakeQuantizeBase fq = weightFakeQuant(floatQconfig(qconfig), "Embedding");
        return new Embedding(mod, sharedWeight(mod.getParameter("weight")), qconfig, fq);
    }

    /** PyTorch's {@code assert mod.qconfig}: the float module's qconfig, which must be set. */
    static QConfig floatQconfig(QConfig qconfig) {
        if (qconfig == null) {
            throw new IllegalArgumentException("Input float module must have a valid qconfig");
        }
        return qconfig;
    }

    /** {@code Parameter(mod.weight)}: a new leaf over the same storage, requiring grad. */
    static Tensor sharedWeight(Tensor weight) {
        return weight.detach().setRequiresGrad(true);
    }

    /**
     * The constructor's assertions and {@code qconfig.weight()}: a fake quantizer whose scheme is
     * {@code per_channel_affine_float_qparams}.
     *
     * @param what "Embedding" or "Embedding Bag", as PyTorch's messages name them
     */
    static FakeQuantizeBase weightFakeQuant(QConfig qconfig, String what) {
        QatChecks.requireQconfig(qconfig);
        Module w = qconfig.weight().get();
        QScheme scheme = w instanceof ObserverOrFakeQuantize o ? o.qscheme() : null;
        if (scheme != QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
            throw new IllegalArgumentException(what + " weights requires a qscheme of "
                    + "torch.per_channel_affine_float_qparams Got " + (scheme == null ? "None" : scheme));
        }
        return qconfig.newWeightFakeQuant();
    }

    /**
     * Whether {@code prepare_qat} makes a QAT embedding of a module with this qconfig: its weight is a fake quantizer
     * with float qparams per channel, as PyTorch's embedding QAT qconfigs' (see
     * {@link dev.ember.ao.quantization.Quantization#prepareQat}).
     *
     * @param qconfig the module's qconfig, or null
     * @return whether it is an embedding QAT qconfig
     */
    public static boolean isEmbeddingQatQconfig(QConfig qconfig) {
        if (qconfig == null) {
            return false;
        }
        Module w = qconfig.weight().get();
        return w instanceof FakeQuantizeBase && w instanceof ObserverOrFakeQuantize o
            && o.qscheme() == QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS;
    }

    /** The QConfig. */
    public QConfig qconfig() {
        return qconfig;
    }

    /** The weight's fake quantizer, {@code weight_fake_quant}. */
    public FakeQuantizeBase weightFakeQuant() {
        return weightFakeQuant;
    }

    /**
     * {@code F.embedding(input, weight_fake_quant(weight), ...)}. The input is checked before the fake quantizer runs:
     * a refused call leaves its observer's statistics, scale and zero point as they were (PyTorch's fake quantizer
     * runs first and has updated them by the time F.embedding refuses).
     */
    @Override
    public Tensor forward(Tensor input) {
        try (GradMode off = Ember.noGrad()) {
            lookup(input, probe(parameter("weight"), maxNorm() != null));
        }
        return lookup(input, weightFakeQuant.apply(parameter("weight")));
    }

    /**
     * A table of the weight's rows and one column, all one zero (a {@code [1, 1]} tensor expanded): a lookup on it
     * runs every check the lookup on the weight runs (the indices against the rows, the offsets, the per-sample
     * weights) at the cost of one value an index (where {@code renorms}, a table of zeros of the weight's shape:
     * {@code max_norm}'s renorm writes the rows it looks up, and its messages name the table's shape).
     */
    static Tensor probe(Tensor weight, boolean renorms) {
        if (renorms) { // max_norm renorms the looked-up rows in place (and names the table's shape): a table of its own
            return Tensor.zeros(weight.dtype(), weight.shape()).to(weight.device());
        }
        return Tensor.zeros(weight.dtype(), 1, 1).to(weight.device()).expand(weight.size(0), 1);
    }
}
