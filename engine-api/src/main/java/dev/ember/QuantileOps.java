package dev.ember;

import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code torch.quantile}, {@code torch.nanquantile} and {@code torch.msort} as PyTorch 2.x composes them
 * (aten/src/ATen/native/Sorting.cpp, {@code quantile_compute}): the input sorted (flattened without a dim, the dim moved
 * last with {@code unsqueeze(-1).transpose(dim, -1)} unless it is last already), viewed as the output's shape plus the
 * reduced values, the quantiles' ranks computed from {@code q} (NaN sends {@code quantile} to the last, NaN, value;
 * {@code nanquantile} counts the values that are not NaN), rounded by the interpolation, the values at the ranks
 * gathered and, for {@code linear} and {@code midpoint}, interpolated in place with {@code lerp_}; the quantile
 * dimension moved first with in-place views. So the nodes are PyTorch's (SortBackward0, ViewBackward0, GatherBackward0,
 * LerpBackward1, UnsqueezeBackward1, TransposeBackward1, SqueezeBackward4) and the gradient is autograd's.
 */
final class QuantileOps {
    private QuantileOps() {
    }

    /** PyTorch's {@code QUANTILE_INTERPOLATION_MODE}, from its name. */
    private enum Mode { LINEAR, LOWER, HIGHER, MIDPOINT, NEAREST }

    /** PyTorch's {@code get_quantile_interpolation_mode}. */
    private static Mode mode(String interpolation) {
        switch (interpolation) {
            case "linear": return Mode.LINEAR;
            case "lower": return Mode.LOWER;
            case "higher": return Mode.HIGHER;
            case "midpoint": return Mode.MIDPOINT;
            case "nearest": return Mode.NEAREST;
            default:
                throw new IllegalArgumentException("quantile() interpolation must be one of linear, lower, higher, midpoint or "
                        + "nearest, but got " + interpolation);
        }
    }

    /** PyTorch's {@code quantile_checks}. */
    private static void checks(Tensor self, Tensor q) {
        if (self.numel() == 0) {
            throw new IllegalArgumentException("quantile() input tensor must be non-empty");
        }
        if (q.dim() > 1) {
            throw new IllegalArgumentException("quantile() q must be a scalar or 1D tensor");
        }
        if (self.dtype != DType.FLOAT32 && self.dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("quantile() input tensor must be either float or double dtype");
        }
        if (self.dtype != q.dtype) {
            throw new IllegalArgumentException("quantile() q tensor must be same dtype as the input tensor");
        }
        if (!self.device.equals(q.device)) {
            throw new IllegalArgumentException("quantile() q tensor must be on the same device as the input tensor");
        }
    }

    /** The number-q overload: PyTorch's range check, then q as a 0-dim tensor of the input's type and device. */
    static Tensor quantile(Tensor self, double q, Integer dim, boolean keepdim, String interpolation, boolean ignoreNan) {
        if (Autocast.on()) return Autocast.apply(ignoreNan ? "nanquantile" : "quantile",
                t -> quantile(t[0], q, dim, keepdim, interpolation, ignoreNan), self);
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile() q must be in the range [0, 1] but got " + Format.cpp(q));
        }
        // at::scalar_tensor(q, self.options()): a non-floating input fails quantile_checks after this
        Tensor qt = Creation.zeros(new int[0], self.dtype, self.device);
        qt = self.dtype.isFloatingPoint() ? qt.add(q) : qt;
        return quantile(self, qt, dim, keepdim, interpolation, ignoreNan);
    }

    static Tensor quantile(Tensor self, Tensor q, Integer dim, boolean keepdim, String interpolation, boolean ignoreNan) {
        if (Autocast.on()) return Autocast.apply(ignoreNan ? "nanquantile" : "quantile",
                t -> quantile(t[0], t[1], dim, keepdim, interpolation, ignoreNan), self, q);
        Mode mode = mode(interpolation); // 2.x's get_quantile_interpolation_mode runs as an argument, before the checks
        checks(self, q);
        int wrapped = Shapes.wrapDim(dim == null ? 0 : dim, self.dim());
        // quantile_output_shape: the reduced shape (all ones or nothing without a dim), q's size in front
        List<Integer> outShape = new ArrayList<>();
        if (dim != null && self.dim() > 0) {
            for (int i = 0; i < self.dim(); i++) {
                if (i != wrapped) {
                    outShape.add(self.size(i));
                } else if (keepdim) {
                    outShape.add(1);
                }
            }
        } else if (keepdim) {
            for (int i = 0; i < self.dim(); i++) {
                outShape.add(1);
            }
        }
        if (self.device.isCpu()) {
            boolean inRange;
            try (GradMode off = Ember.noGrad()) {
                inRange = q.ge(0L).logicalAnd(q.le(1L)).all();
            }
            if (!inRange) {
                throw new IllegalArgumentException("quantile() q values must be in the range [0, 1]");
            }
        }
        Tensor sorted;
        if (dim == null) {
            sorted = self.flatten().sort().values();
        } else if (wrapped == self.dim() - 1) {
            sorted = self.sort().values();
        } else {
            sorted = self.unsqueeze(-1).transpose(wrapped, -1).sort().values();
        }
        int n = sorted.size(-1);
        // the values to reduce viewed last: the output's shape without q's dimension, then the sorted values
        int[] inShape = new int[outShape.size() + 1];
        for (int i = 0; i < outShape.size(); i++) {
            inShape[i] = outShape.get(i);
        }
        inShape[inShape.length - 1] = n;
        sorted = sorted.view(inShape);
        if (n > (1 << 24)) {
            throw new IllegalArgumentException("quantile() input tensor is too large");
        }
        // ranks in [0, n) from q (differentiable in q, as PyTorch's: linear interpolation's weights carry q's gradient)
        Tensor ranks;
        if (ignoreNan) {
            Tensor count;
            try (GradMode off = Ember.noGrad()) {
                count = sorted.isnan().logicalNot().sum(new int[] {-1}, true).sub(1L);
            }
            ranks = q.mul(count);
            ranks = ranks.maskedFill(ranks.lt(0L), 0.0);
        } else {
            long last = n - 1L;
            Tensor scaled = q.mul((double) last);
            Tensor nan;
            try (GradMode off = Ember.noGrad()) {
                nan = sorted.isnan().any(new int[] {-1}, true);
            }
            int[] shape = Shapes.broadcast(scaled.shape, nan.shape);
            ranks = scaled.expand(shape).maskedFill(nan.expand(shape), (double) last);
        }
        switch (mode) {
            case LOWER: ranks = ranks.floor(); break;
            case HIGHER: ranks = ranks.ceil(); break;
            case NEAREST: ranks = ranks.round(); break;
            default: break;
        }
        Tensor ranksBelow = ranks.to(DType.INT64);
        Tensor valuesBelow = sorted.gather(-1, ranksBelow);
        if (mode == Mode.LINEAR || mode == Mode.MIDPOINT) {
            Tensor weights = mode == Mode.MIDPOINT ? ranks.fullLike(0.5).maskedFill(ranks.eq(ranksBelow), 0.0)
                    : ranks.sub(ranksBelow);
            Tensor ranksAbove = ranks.ceil().to(DType.INT64);
            valuesBelow = valuesBelow.lerp(sorted.gather(-1, ranksAbove), weights); // lerp_ in PyTorch: LerpBackward1
        }
        if (q.dim() == 0) {
            return squeezeLastInPlace(valuesBelow);
        }
        // unsqueeze_(0).transpose_(0, -1).squeeze_(-1): q's dimension first
        Tensor u = inPlaceView(valuesBelow, "UnsqueezeBackward1", QuantileOps::unsqueezeFirst, g -> g.squeeze(0));
        int last = u.dim() - 1;
        Tensor t = inPlaceView(u, "TransposeBackward1", x -> transposed(x, 0, last), g -> g.transpose(0, last));
        return squeezeLastInPlace(t);
    }

    /** {@code squeeze_(-1)} of a size-1 last dimension, SqueezeBackward4 as 2.x names {@code squeeze_.dim}. */
    private static Tensor squeezeLastInPlace(Tensor t) {
        int d = t.dim() - 1;
        return inPlaceView(t, "SqueezeBackward4", QuantileOps::squeezeLast, g -> g.unsqueeze(d));
    }

    /** An in-place view op on a fresh result: the same storage in a new layout, with PyTorch's node for it. */
    private static Tensor inPlaceView(Tensor t, String name, UnaryOperator<Layout> layout, UnaryOperator<Tensor> back) {
        Tensor out = new Tensor(t.lease(), layout.apply(t.layout), t.device, t.backend, t.version, t.dtype);
        return ArithmeticOps.record(out, name, new Tensor[] {t}, n -> g -> new Tensor[] {back.apply(g)});
    }

    private static Layout unsqueezeFirst(Layout l) {
        int[] shape = new int[l.shape().length + 1];
        int[] strides = new int[shape.length];
        shape[0] = 1;
        strides[0] = l.shape().length == 0 ? 1 : l.stride(0) * l.shape()[0];
        for (int i = 0; i < l.shape().length; i++) {
            shape[i + 1] = l.shape()[i];
            strides[i + 1] = l.stride(i);
        }
        return new Layout(shape, strides, l.offset());
    }

    private static Layout transposed(Layout l, int a, int b) {
        int[] shape = l.shape().clone();
        int[] strides = l.strides().clone();
        int s = shape[a];
        shape[a] = shape[b];
        shape[b] = s;
        int st = strides[a];
        strides[a] = strides[b];
        strides[b] = st;
        return new Layout(shape, strides, l.offset());
    }

    private static Layout squeezeLast(Layout l) {
        int k = l.shape().length - 1;
        return new Layout(java.util.Arrays.copyOf(l.shape(), k), java.util.Arrays.copyOf(l.strides(), k), l.offset());
    }

    /** {@code torch.msort}: the values of {@code sort(dim=0)} (SortBackward0). */
    static Tensor msort(Tensor self) {
        return self.sort(0, false).values();
    }
}
