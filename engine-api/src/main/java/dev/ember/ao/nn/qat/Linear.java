package dev.ember.ao.nn.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.qat.Linear}: a {@link dev.ember.nn.Linear} for quantization-aware training, whose forward is
 * {@code F.linear(x, weight_fake_quant(weight), bias)}, with the weight's fake quantizer from the QConfig as its
 * submodule {@code weight_fake_quant} (in its state dict and printout, as PyTorch's).
 */
public class Linear extends dev.ember.nn.Linear {
    private final QConfig qconfig;
    private final FakeQuantizeBase weightFakeQuant;

    /**
     * A layer, with or without bias, whose weight is fake-quantized by {@code qconfig.weight()}'s module.
     *
     * @throws IllegalArgumentException without a qconfig (PyTorch's assertion)
     */
    public Linear(int in, int out, boolean bias, QConfig qconfig) {
        super(in, out, bias);
        this.qconfig = QatChecks.requireQconfig(qconfig);
        this.weightFakeQuant = registerModule("weight_fake_quant", qconfig.newWeightFakeQuant());
    }

    /**
     * {@code from_float}: a QAT layer of {@code mod}'s sizes holding {@code mod}'s weight and bias tensors themselves,
     * as PyTorch's ({@code qat_linear.weight = mod.weight}): an optimizer made before {@code prepare_qat} trains it.
     *
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static Linear fromFloat(dev.ember.nn.Linear mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a Linear");
        }
        return new Linear(mod, qconfig);
    }

    /**
     * {@link #fromFloat}'s layer, for subclasses: {@code mod}'s sizes, its weight and bias tensors shared
     * ({@link dev.ember.nn.Linear#Linear(dev.ember.nn.Linear)}).
     *
     * @param mod the float layer
     * @param qconfig the QConfig
     * @throws IllegalArgumentException without a qconfig, or for a weight or bias of {@code mod} that is not a
     *     registered parameter
     */
    protected Linear(dev.ember.nn.Linear mod, QConfig qconfig) {
        super(mod);
        this.qconfig = QatChecks.requireQconfig(qconfig);
        this.weightFakeQuant = registerModule("weight_fake_quant", qconfig.newWeightFakeQuant());
    }

    /** The QConfig. */
    public QConfig qconfig() {
        return qconfig;
    }

    /** The weight's fake quantizer, {@code weight_fake_quant}. */
    public FakeQuantizeBase weightFakeQuant() {
        return weightFakeQuant;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.linear(x, weightFakeQuant.apply(parameter("weight")), parameter("bias"));
    }
}
