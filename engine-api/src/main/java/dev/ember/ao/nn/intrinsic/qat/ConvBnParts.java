package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Module;

import java.util.function.Supplier;

/**
 * The state and computation of a {@link ConvBnNd} layer ({@code _ConvBnNd}'s), held by each of {@link ConvBn1d},
 * {@link ConvBn2d} and {@link ConvBn3d}, which are the float convolutions of their dimensions and delegate here.
 */
final class ConvBnParts {
    final QConfig qconfig;
    final FakeQuantizeBase weightFakeQuant;
    private boolean freezeBn;

    /**
     * The parts of a layer made from {@code conv}: the checked QConfig and a fresh {@code qconfig.weight()}.
     *
     * @throws IllegalArgumentException without a qconfig (PyTorch's assertion)
     * @throws UnsupportedOperationException for a padding given as a string
     */
    ConvBnParts(QConfig qconfig, dev.ember.nn.ConvNd conv, String layer) {
        this.qconfig = BnFolding.convBnQconfig(qconfig, conv, layer);
        this.weightFakeQuant = qconfig.newWeightFakeQuant();
    }

    boolean frozen() {
        return freezeBn;
    }

    /** {@code freeze_bn_stats()} ({@code frozen}) or {@code update_bn_stats()}: the flag and the batch norm's mode. */
    void setFrozen(Module bn, boolean frozen) {
        freezeBn = frozen;
        bn.train(!frozen);
    }

    /**
     * {@code train(mode)}: the layer's own mode ({@code superTrain}, {@code Module.train}); its submodules follow only
     * while the statistics are not frozen (a frozen batch norm stays in eval mode, as PyTorch's).
     */
    Module train(Module self, Supplier<Module> superTrain) {
        return freezeBn ? BnFolding.trainKeepingModes(self, superTrain::get) : superTrain.get();
    }

    /** {@code _forward_approximate} up to the batch norm ({@link BnFolding#convBeforeBn}). */
    Tensor beforeBn(Tensor x, Tensor weight, Tensor bias, Module bn, int outChannels, BnFolding.ConvForward conv) {
        return BnFolding.convBeforeBn(x, weight, bias, bn, weightFakeQuant, outChannels, conv);
    }
}
