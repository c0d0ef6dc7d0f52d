package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Module;

/**
 * PyTorch's {@code torch.ao.nn.intrinsic.qat._ConvBnNd}: what the QAT convolutions trained with their batch norm are,
 * {@link ConvBn1d}, {@link ConvBn2d}, {@link ConvBn3d} and their ReLU forms (each also the float convolution of its
 * dimension, as PyTorch's classes are). Their forward is {@code _forward_approximate}: the batch norm's scale factor
 * {@code bn.weight / sqrt(bn.running_var + bn.eps)} multiplies the weight per output channel before
 * {@code weight_fake_quant}, the convolution runs with a zero bias, its output is divided by the factor, the bias added,
 * and the batch norm applied. {@link dev.ember.ao.quantization.Quantization#convert} folds the batch norm into the
 * weight and bias and quantizes them with {@code weight_fake_quant}.
 */
public interface ConvBnNd {
    /**
     * The QConfig.
     *
     * @return the QConfig the layer was made with
     */
    QConfig qconfig();

    /**
     * The batch norm, submodule {@code bn}.
     *
     * @return the batch norm (the float model's own, shared)
     */
    Module bn();

    /**
     * The weight's fake quantizer, submodule {@code weight_fake_quant}.
     *
     * @return the fake quantizer
     */
    FakeQuantizeBase weightFakeQuant();

    /**
     * Whether the batch norm's statistics are frozen ({@code freeze_bn}).
     *
     * @return true after {@link #freezeBnStats()}
     */
    boolean bnFrozen();

    /**
     * {@code freeze_bn_stats()}: the batch norm in eval mode from now on, whatever {@code train} says.
     *
     * @return this layer
     */
    ConvBnNd freezeBnStats();

    /**
     * {@code update_bn_stats()}: the batch norm follows the layer's mode again and is set to training.
     *
     * @return this layer
     */
    ConvBnNd updateBnStats();
}
