package dev.ember.ao.nn.quantized;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedOps;
import dev.ember.QuantizedPointwiseOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Identity;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code torch.ao.nn.quantized.QFunctional}: a {@link FloatFunctional}'s operations on quantized activations
 * ({@link QuantizedActivations}), each result requantized to the module's scale and zero point, PyTorch's kernels
 * ({@link QuantizedOps#add}, {@link QuantizedOps#mul}, {@link QuantizedOps#cat}); {@code add_scalar} and
 * {@code mul_scalar} with the output parameters PyTorch derives from the input's ({@link QuantizedPointwiseOps}).
 */
public class QFunctional extends QuantizedOutput {

    /** {@code QFunctional()}: scale 1, zero point 0. */
    public QFunctional() {
        registerModule("activation_post_process", new Identity());
    }

    /**
     * {@code QFunctional.from_float(mod)}: the observed scale and zero point of a prepared, calibrated
     * {@link FloatFunctional}.
     *
     * @param observer its {@code activation_post_process}
     * @return the module
     */
    public static QFunctional fromObserver(ObserverOrFakeQuantize observer) {
        QFunctional q = new QFunctional();
        q.setOutputQParams(observer);
        return q;
    }

    /** Refused, as PyTorch's: use the operations. */
    @Override
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException("Functional is not intended to use the 'forward'. Please use the "
                + "underlying operation");
    }

    /**
     * {@code add(x, y)}: {@code quantized::add(x, y, scale, zero_point)}.
     *
     * @param x a quantized activation
     * @param y a quantized activation of {@code x}'s shape and dtype
     * @return the sum, a quantized activation
     */
    public Tensor add(Tensor x, Tensor y) {
        return QuantizedActivations.carrier(QuantizedOps.add(Activations.input(x, "quantized::add"),
            Activations.input(y, "quantized::add"), scale(), zeroPoint(), false));
    }

    /**
     * {@code add_relu(x, y)}: {@code quantized::add_relu(x, y, scale, zero_point)}.
     *
     * @param x a quantized activation
     * @param y a quantized activation of {@code x}'s shape and dtype
     * @return the rectified sum, a quantized activation
     */
    public Tensor addRelu(Tensor x, Tensor y) {
        return QuantizedActivations.carrier(QuantizedOps.add(Activations.input(x, "quantized::add_relu"),
            Activations.input(y, "quantized::add_relu"), scale(), zeroPoint(), true));
    }

    /**
     * {@code mul(x, y)}: {@code quantized::mul(x, y, scale, zero_point)}.
     *
     * @param x a quantized activation
     * @param y a quantized activation of {@code x}'s shape and dtype
     * @return the product, a quantized activation
     */
    public Tensor mul(Tensor x, Tensor y) {
        return QuantizedActivations.carrier(QuantizedOps.mul(Activations.input(x, "quantized::mul"),
            Activations.input(y, "quantized::mul"), scale(), zeroPoint()));
    }

    /**
     * {@code matmul(x, y)}: {@code quantized::matmul(x, y, scale, zero_point)} ({@link QuantizedPointwiseOps#matmul}).
     *
     * @param x a quantized activation, at least 2 dimensions
     * @param y a quantized activation of {@code x}'s dtype and rank
     * @return the product, a quantized activation
     */
    public Tensor matmul(Tensor x, Tensor y) {
        return QuantizedActivations.carrier(QuantizedPointwiseOps.matmul(Activations.input(x, "quantized::matmul"),
            Activations.input(y, "quantized::matmul"), scale(), zeroPoint()));
    }

    /**
     * {@code cat(x, dim)}: {@code quantized::cat(x, scale, zero_point, dim)}.
     *
     * @param x quantized activations
     * @param dim the dimension
     * @return the concatenation, a quantized activation
     */
    public Tensor cat(List<Tensor> x, int dim) {
        if (x == null) {
            throw new IllegalArgumentException("cat(): argument 'tensors' must be a list of Tensors, not null");
        }
        List<QuantizedTensor> qs = new ArrayList<>();
        for (Tensor t : x) {
            qs.add(Activations.input(t, "quantized::cat"));
        }
        return QuantizedActivations.carrier(QuantizedOps.cat(qs, scale(), zeroPoint(), dim));
    }

    /**
     * {@code add_scalar(x, y)}: {@code quantized::add_scalar(x, y)} ({@link QuantizedPointwiseOps#addScalar}), whose
     * output parameters PyTorch derives from the input's (not the module's: the operation is not observed).
     *
     * @param x a quantized activation
     * @param y a number
     * @return the sum, a quantized activation
     */
    public Tensor addScalar(Tensor x, double y) {
        return QuantizedActivations.carrier(QuantizedPointwiseOps.addScalar(Activations.input(x, "quantized::add_scalar"),
            y));
    }

    /**
     * {@code mul_scalar(x, y)}: {@code quantized::mul_scalar(x, y)} ({@link QuantizedPointwiseOps#mulScalar}), whose
     * output parameters PyTorch derives from the input's (not the module's: the operation is not observed).
     *
     * @param x a quantized activation
     * @param y a number
     * @return the product, a quantized activation
     */
    public Tensor mulScalar(Tensor x, double y) {
        return QuantizedActivations.carrier(QuantizedPointwiseOps.mulScalar(Activations.input(x, "quantized::mul_scalar"),
            y));
    }

    @Override
    public String extraRepr() {
        return "scale=" + Format.repr(scale()) + ", zero_point=" + zeroPoint();
    }
}
