package dev.ember.distributions;

import dev.ember.Tensor;
import dev.ember.nn.Functional;

/**
 * Unconstrained vectors of length K-1 to the K-simplex by stick breaking, as
 * {@code torch.distributions.transforms.StickBreakingTransform}: {@code z_i = sigmoid(x_i - log(K - 1 - i))} (clipped),
 * {@code y_i = z_i prod_{j<i} (1 - z_j)}, the last entry the stick left over; bijective, event_dim 1.
 */
public class StickBreakingTransform extends StatelessTransform {
    /** The transform. */
    public StickBreakingTransform() {
        super(StickBreakingTransform.class, Constraint.REAL_VECTOR, Constraint.SIMPLEX, true, 0);
    }

    /** {@code x.shape[-1] + 1 - cumsum(ones)}: K-1, K-2, ..., 1 in x's type. */
    private static Tensor offset(Tensor x, int n, int top) {
        return x.newOnes(n).cumsum(-1).rsub((double) top);
    }

    @Override
    protected Tensor call(Tensor x) {
        int n = x.size(-1);
        Tensor offset = offset(x, n, n + 1);
        dev.ember.DTypeInfo.FInfo f = Tensor.finfo(x.dtype());
        // _clipped_sigmoid
        Tensor z = x.sub(offset.log()).sigmoid().clamp(f.tiny(), 1.0 - f.eps());
        Tensor zCumprod = z.rsub(1.0).cumprod(-1);
        return Functional.pad(z, new int[] {0, 1}, "constant", 1.0)
                .mul(Functional.pad(zCumprod, new int[] {1, 0}, "constant", 1.0));
    }

    @Override
    protected Tensor invCall(Tensor y) {
        int k = y.size(-1);
        Tensor yCrop = y.narrow(-1, 0, k - 1);
        Tensor offset = offset(y, k - 1, k);
        Tensor sf = yCrop.cumsum(-1).rsub(1.0).clampMin(Tensor.finfo(y.dtype()).tiny());
        return yCrop.log().sub(sf.log()).add(offset.log());
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        int n = x.size(-1);
        Tensor xs = x.sub(offset(x, n, n + 1).log());
        return xs.neg().add(Functional.logsigmoid(xs)).add(y.narrow(-1, 0, y.size(-1) - 1).log()).sum(-1);
    }

    @Override
    public int[] forwardShape(int[] shape) {
        Dist.require(shape, "forward_shape", "shape");
        if (shape.length < 1) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        int[] out = shape.clone();
        out[out.length - 1] = Dist.size((long) out[out.length - 1] + 1, "forward_shape");
        return out;
    }

    @Override
    public int[] inverseShape(int[] shape) {
        Dist.require(shape, "inverse_shape", "shape");
        if (shape.length < 1) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        int[] out = shape.clone();
        out[out.length - 1] = Dist.size((long) out[out.length - 1] - 1, "inverse_shape");
        return out;
    }
}
