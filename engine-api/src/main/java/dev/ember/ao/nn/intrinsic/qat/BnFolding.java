package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the QAT layers with a batch norm ({@link ConvBnNd}'s, {@link LinearBn1d}) share, as PyTorch's do. */
final class BnFolding {
    private BnFolding() {
    }

    /** A convolution's {@code _conv_forward(x, weight, bias)}. */
    @FunctionalInterface
    interface ConvForward {
        Tensor apply(Tensor x, Tensor weight, Tensor bias);
    }

    /** The batch norm's scale factor, {@code bn.weight / sqrt(bn.running_var + bn.eps)}. */
    static Tensor scaleFactor(Module bn, Tensor runningVar) {
        return ModuleInternals.getAttr(bn, "weight").div(runningVar.add(ModuleInternals.normEps(bn)).sqrt());
    }

    /**
     * {@code qconfig} itself, or PyTorch's assertion {@code qconfig must be provided for QAT module} where it is null
     * (the QAT layers of this package share it).
     *
     * @throws IllegalArgumentException for a null qconfig
     */
    static QConfig requireQconfig(QConfig qconfig) {
        if (qconfig == null) {
            throw new IllegalArgumentException("qconfig must be provided for QAT module");
        }
        return qconfig;
    }

    /**
     * The QConfig of a {@link ConvBnNd} layer made from {@code conv}, checked as PyTorch's constructor asserts, and a
     * padding string refused (Ember folds numeric padding only).
     *
     * @throws IllegalArgumentException without a qconfig (PyTorch's assertion)
     * @throws UnsupportedOperationException for a padding given as a string
     */
    static QConfig convBnQconfig(QConfig qconfig, dev.ember.nn.ConvNd conv, String layer) {
        requireQconfig(qconfig);
        if (conv.paddingString() != null) {
            throw new UnsupportedOperationException("QAT " + layer + ": Ember supports padding given as numbers, not "
                    + "padding='" + conv.paddingString() + "'");
        }
        return qconfig;
    }

    /**
     * {@code _ConvBnNd._forward_approximate} up to the batch norm: the weight scaled by the batch norm's factor per
     * output channel and fake-quantized, the convolution with a zero bias, divided by the factor, the bias added.
     */
    static Tensor convBeforeBn(Tensor x, Tensor weight, Tensor bias, Module bn, FakeQuantizeBase weightFakeQuant,
                               int outChannels, ConvForward conv) {
        Tensor scaleFactor = scaleFactor(bn, ModuleInternals.getAttr(bn, "running_var"));
        int[] weightShape = new int[weight.dim()];
        int[] biasShape = new int[weight.dim()];
        Arrays.fill(weightShape, 1);
        Arrays.fill(biasShape, 1);
        weightShape[0] = -1;
        biasShape[1] = -1;
        Tensor scaledWeight = weightFakeQuant.apply(weight.mul(scaleFactor.reshape(weightShape)));
        Tensor zeroBias = Tensor.zeros(x.dtype(), outChannels).to(scaledWeight.device());
        Tensor convOrig = conv.apply(x, scaledWeight, zeroBias).div(scaleFactor.reshape(biasShape));
        return bias == null ? convOrig : convOrig.add(bias.reshape(biasShape));
    }

    /**
     * {@code train(mode)} of a layer whose batch norm's statistics are frozen: the layer's own mode set by
     * {@code superTrain} ({@code Module.train}), every submodule's mode restored after it (a frozen batch norm stays in
     * eval mode, as PyTorch's override leaves it).
     */
    static Module trainKeepingModes(Module self, Runnable superTrain) {
        Map<Module, Boolean> modes = new LinkedHashMap<>();
        self.namedModules().values().forEach(m -> modes.putIfAbsent(m, m.isTraining()));
        modes.remove(self);
        superTrain.run();
        modes.forEach(Module::train); // in order: each restored after its parent
        return self;
    }
}
