package dev.ember.ao.nn.qat;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;

/**
 * {@code torch.ao.nn.qat.EmbeddingBag}: a {@link dev.ember.nn.EmbeddingBag} for quantization-aware training, whose
 * forward is {@code F.embedding_bag(input, weight_fake_quant(weight), offsets, ...)} with the float module's options
 * (its mode included: the QAT bag means or maxes as the float one, while the quantized bag it converts to sums, as
 * PyTorch's), the weight's fake quantizer from the QConfig as its submodule {@code weight_fake_quant}. The QConfig's
 * weight must quantize with float zero points per row, as {@link QConfig#DEFAULT_EMBEDDING_QAT}'s does;
 * {@link dev.ember.ao.quantization.Quantization#convert} makes a {@link dev.ember.ao.nn.quantized.EmbeddingBag} of it.
 */
public class EmbeddingBag extends dev.ember.nn.EmbeddingBag {
    private final QConfig qconfig;
    private final FakeQuantizeBase weightFakeQuant;

    /**
     * {@code EmbeddingBag(num_embeddings, embedding_dim, mode=mode, qconfig=qconfig)}: a table initialized as
     * {@link dev.ember.nn.EmbeddingBag}'s, fake-quantized by {@code qconfig.weight()}'s module.
     *
     * @throws IllegalArgumentException for a mode other than sum, mean, max, without a qconfig, or with one whose
     *     weight is not quantized with float qparams per channel (PyTorch's assertion messages)
     */
    public EmbeddingBag(int numEmbeddings, int embeddingDim, String mode, QConfig qconfig) {
        super(numEmbeddings, embeddingDim, mode);
        this.weightFakeQuant = registerModule("weight_fake_quant", Embedding.weightFakeQuant(qconfig, "Embedding Bag"));
        this.qconfig = qconfig;
    }

    private EmbeddingBag(dev.ember.nn.EmbeddingBag mod, Tensor weight, QConfig qconfig, FakeQuantizeBase fakeQuant) {
        super(mod, weight);
        this.weightFakeQuant = registerModule("weight_fake_quant", fakeQuant);
        this.qconfig = qconfig;
    }

    /**
     * {@code from_float}: a QAT bag with {@code mod}'s sizes and options whose weight is a new parameter over
     * {@code mod}'s weight's storage, as {@link Embedding#fromFloat} (make the optimizer after {@code prepare_qat}).
     *
     * @param mod a float {@link dev.ember.nn.EmbeddingBag} (exactly that class)
     * @param qconfig its qconfig
     * @return the QAT bag
     * @throws IllegalArgumentException for another module, a null qconfig, or a qconfig whose weight is not quantized
     *     with float qparams per channel (PyTorch's assertion messages); {@code mod} is left as it was
     */
    public static EmbeddingBag fromFloat(dev.ember.nn.EmbeddingBag mod, QConfig qconfig) {
        if (mod == null || mod.getClass() != dev.ember.nn.EmbeddingBag.class) {
            throw new IllegalArgumentException(" qat.EmbeddingBag.from_float only works for EmbeddingBag");
        }
        FakeQuantizeBase fq = Embedding.weightFakeQuant(Embedding.floatQconfig(qconfig), "Embedding Bag");
        return new EmbeddingBag(mod, Embedding.sharedWeight(mod.getParameter("weight")), qconfig, fq);
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
     * {@code F.embedding_bag(input, weight_fake_quant(weight), offsets, ..., per_sample_weights)}. The arguments are
     * checked before the fake quantizer runs: a refused call leaves its observer's statistics, scale and zero point as
     * they were (PyTorch's fake quantizer runs first and has updated them by the time F.embedding_bag refuses).
     */
    @Override
    public Tensor forward(Tensor input, Tensor offsets, Tensor perSampleWeights) {
        try (GradMode off = Ember.noGrad()) {
            bag(input, offsets, perSampleWeights, Embedding.probe(parameter("weight"), maxNorm() != null));
        }
        return bag(input, offsets, perSampleWeights, weightFakeQuant.apply(parameter("weight")));
    }
}
