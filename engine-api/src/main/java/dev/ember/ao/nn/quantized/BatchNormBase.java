package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedNormOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * What {@link BatchNorm2d} and {@link BatchNorm3d} share, PyTorch's {@code torch.ao.nn.quantized._BatchNorm}: the float
 * layer's weight, bias and running statistics (parameters and buffers under its names), its eps, the output's scale
 * and zero point, and {@code quantized::batch_norm2d} / {@code 3d} ({@link QuantizedNormOps#batchNorm}) as the forward.
 */
abstract class BatchNormBase extends QuantizedOutput {
    private final int numFeatures;
    private final double eps;
    private final int rank;

    BatchNormBase(int numFeatures, double eps, int rank) {
        if (numFeatures < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension " + numFeatures + ": ["
                    + numFeatures + "]");
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.rank = rank;
        registerParameter("weight", Tensor.ones(numFeatures));
        registerParameter("bias", Tensor.zeros(numFeatures));
        registerBuffer("running_mean", Tensor.zeros(numFeatures));
        registerBuffer("running_var", Tensor.ones(numFeatures));
        registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64));
    }

    /**
     * {@code from_float}'s copy: the float layer's weight, bias, running mean and variance (its tensors themselves, as
     * PyTorch assigns them) and the observer's output parameters.
     *
     * @param name the module's name in the model, for the message
     * @param layer the float layer's printout, for the message
     * @param affine whether the float layer has a weight and bias
     * @param trackRunningStats whether it has running statistics
     * @param weight its weight
     * @param bias its bias
     * @param runningMean its running mean
     * @param runningVar its running variance
     * @param observer its {@code activation_post_process}
     * @throws UnsupportedOperationException for a layer without affine parameters or running statistics
     */
    protected final void copyFrom(String name, String layer, boolean affine, boolean trackRunningStats, Tensor weight,
                        Tensor bias, Tensor runningMean, Tensor runningVar, ObserverOrFakeQuantize observer) {
        if (!affine || !trackRunningStats) {
            throw new UnsupportedOperationException("convert: module '" + name + "' (" + layer + ") has no "
                    + (affine ? "running statistics" : "weight and bias") + ", which quantized::batch_norm needs "
                    + "(PyTorch's quantized BatchNorm fails on it too); set its qconfig to null to keep it float");
        }
        setParameter("weight", weight);
        setParameter("bias", bias);
        setBuffer("running_mean", runningMean);
        setBuffer("running_var", runningVar);
        setOutputQParams(observer);
    }

    /** The channels, PyTorch's {@code num_features}. */
    public int numFeatures() {
        return numFeatures;
    }

    /** The epsilon. */
    public double eps() {
        return eps;
    }

    /** The weight, PyTorch's {@code weight}. */
    public Tensor weight() {
        return parametrizedValue("weight");
    }

    /** The bias, PyTorch's {@code bias}. */
    public Tensor bias() {
        return parametrizedValue("bias");
    }

    /** The running mean, PyTorch's {@code running_mean}. */
    public Tensor runningMean() {
        return parametrizedValue("running_mean");
    }

    /** The running variance, PyTorch's {@code running_var}. */
    public Tensor runningVar() {
        return parametrizedValue("running_var");
    }

    /**
     * The normalized activation: {@code quantized::batch_norm2d} (or {@code 3d}) with the running statistics.
     *
     * @param x a quantized activation of rank 4 (5 for {@link BatchNorm3d})
     * @return a quantized activation with the module's scale and zero point
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     * @throws IllegalArgumentException for another rank or channel count (PyTorch's messages)
     */
    @Override
    public Tensor forward(Tensor x) {
        String op = "quantized::batch_norm" + (rank - 2) + "d";
        var q = Activations.input(x, op);
        if (q.shape().length != rank) {
            throw new IllegalArgumentException("Expecting the input tensor of rank " + rank + ".");
        }
        try (GradMode off = Ember.noGrad()) {
            return QuantizedActivations.carrier(QuantizedNormOps.batchNorm(q, weight(), bias(), runningMean(),
                runningVar(), eps, scale(), zeroPoint()));
        }
    }

    @Override
    public String extraRepr() {
        return numFeatures + ", eps=" + Format.repr(eps) + ", momentum=0.1, affine=True, track_running_stats=True";
    }

    /** PyTorch's {@code _version} 2 (its float class's, {@code _NormBase}'s), as the state dict's {@code _metadata} says. */
    @Override
    protected long stateVersion() {
        return 2;
    }

    /** The output's scale and zero point in the state dict: {@code [1]}: PyTorch registers them as buffers, which {@code from_float} sets to the observer's one-element tensors. */
    @Override
    protected int[] outputQParamsShape() {
        return new int[] {1};
    }

    /** int32: the observer's zero point, which {@code from_float} puts in the buffer. */
    @Override
    protected DType zeroPointDtype() {
        return DType.INT32;
    }
}
