package dev.ember.ao.nn.quantized;

import dev.ember.Tensor;
import dev.ember.nn.Identity;
import dev.ember.nn.Module;

import java.util.List;

/**
 * {@code torch.ao.nn.quantized.FloatFunctional}: the float model's additions, multiplications and concatenations that
 * quantization is to see (a residual connection's {@code add}): each result passes through the module's
 * {@code activation_post_process} (an {@link Identity} until {@link dev.ember.ao.quantization.Quantization#prepare}
 * puts an observer there), and {@link dev.ember.ao.quantization.Quantization#convert} makes it a {@link QFunctional}
 * computing on quantized activations with the observed scale and zero point (to which this module's operations then
 * forward, for a model that calls them from its field).
 */
public class FloatFunctional extends Module {
    /** {@code FloatFunctional()}. */
    public FloatFunctional() {
        registerModule("activation_post_process", new Identity());
    }

    private Tensor observed(Tensor r) {
        return namedChildren().get("activation_post_process").apply(r);
    }

    /**
     * The {@link QFunctional} that {@link dev.ember.ao.quantization.Quantization#convert} put in this module's place,
     * or null: a model's forward that calls this module's operations from its field then runs the quantized ones.
     */
    private QFunctional converted() {
        return replacement() instanceof QFunctional q ? q : null;
    }

    /** Refused, as PyTorch's: use the operations. */
    @Override
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException("FloatFunctional is not intended to use the 'forward'. Please use the "
                + "underlying operation");
    }

    /**
     * {@code add(x, y)}: {@code x + y}, observed.
     *
     * @param x a tensor
     * @param y a tensor
     * @return the sum
     */
    public Tensor add(Tensor x, Tensor y) {
        QFunctional q = converted();
        if (q != null) {
            return q.add(x, y);
        }
        return observed(x.add(y));
    }

    /**
     * {@code add_scalar(x, y)}: {@code x + y} (not observed, as PyTorch's).
     *
     * @param x a tensor
     * @param y a number
     * @return the sum
     */
    public Tensor addScalar(Tensor x, double y) {
        QFunctional q = converted();
        if (q != null) {
            return q.addScalar(x, y);
        }
        return x.add(y);
    }

    /**
     * {@code mul(x, y)}: {@code x * y}, observed.
     *
     * @param x a tensor
     * @param y a tensor
     * @return the product
     */
    public Tensor mul(Tensor x, Tensor y) {
        QFunctional q = converted();
        if (q != null) {
            return q.mul(x, y);
        }
        return observed(x.mul(y));
    }

    /**
     * {@code mul_scalar(x, y)}: {@code x * y} (not observed, as PyTorch's).
     *
     * @param x a tensor
     * @param y a number
     * @return the product
     */
    public Tensor mulScalar(Tensor x, double y) {
        QFunctional q = converted();
        if (q != null) {
            return q.mulScalar(x, y);
        }
        return x.mul(y);
    }

    /**
     * {@code cat(x, dim)}: the concatenation, observed.
     *
     * @param x the tensors
     * @param dim the dimension
     * @return the concatenation
     */
    public Tensor cat(List<Tensor> x, int dim) {
        QFunctional q = converted();
        if (q != null) {
            return q.cat(x, dim);
        }
        return observed(Tensor.cat(x, dim));
    }

    /**
     * {@code matmul(x, y)}: {@code torch.matmul(x, y)}, observed.
     *
     * @param x a tensor
     * @param y a tensor
     * @return the product
     */
    public Tensor matmul(Tensor x, Tensor y) {
        QFunctional q = converted();
        if (q != null) {
            return q.matmul(x, y);
        }
        return observed(x.matmul(y));
    }

    /**
     * {@code add_relu(x, y)}: {@code relu(x + y)}, observed.
     *
     * @param x a tensor
     * @param y a tensor
     * @return the rectified sum
     */
    public Tensor addRelu(Tensor x, Tensor y) {
        QFunctional q = converted();
        if (q != null) {
            return q.addRelu(x, y);
        }
        return observed(x.add(y).relu());
    }
}
