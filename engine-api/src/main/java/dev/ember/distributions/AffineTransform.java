package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * {@code y = loc + scale * x}, as {@code torch.distributions.transforms.AffineTransform(loc, scale, event_dim)}: loc and
 * scale are numbers or tensors (broadcast with x); {@code eventDim} rightmost dims form one event (the log-det-Jacobian
 * summed over them). Its repr is PyTorch's {@code AffineTransform()}.
 */
public class AffineTransform extends Transform {
    private final Tensor locT;
    private final Tensor scaleT;
    private final double loc;
    private final double scale;
    private final int eventDim;

    /** {@code AffineTransform(loc, scale)} with numbers. */
    public AffineTransform(double loc, double scale) {
        this(loc, scale, 0);
    }

    /** {@code AffineTransform(loc, scale, event_dim)} with numbers. */
    public AffineTransform(double loc, double scale, int eventDim) {
        this(null, null, loc, scale, eventDim);
    }

    /** {@code AffineTransform(loc, scale)} with tensors. */
    public AffineTransform(Tensor loc, Tensor scale) {
        this(loc, scale, 0);
    }

    /** {@code AffineTransform(loc, scale, event_dim)} with tensors. */
    public AffineTransform(Tensor loc, Tensor scale, int eventDim) {
        this(Dist.require(loc, "AffineTransform", "loc"), Dist.require(scale, "AffineTransform", "scale"), 0, 0, eventDim);
    }

    private AffineTransform(Tensor locT, Tensor scaleT, double loc, double scale, int eventDim) {
        if (eventDim < 0) {
            throw new IllegalArgumentException("event_dim must be non-negative, got " + eventDim);
        }
        this.locT = locT;
        this.scaleT = scaleT;
        this.loc = loc;
        this.scale = scale;
        this.eventDim = eventDim;
    }

    /** The location as a tensor (a number as a 0-dim tensor of the default type). */
    public Tensor loc() {
        return locT != null ? locT : Dist.scalar(loc);
    }

    /** The scale as a tensor (a number as a 0-dim tensor of the default type). */
    public Tensor scale() {
        return scaleT != null ? scaleT : Dist.scalar(scale);
    }

    @Override
    public int eventDim() {
        return eventDim;
    }

    @Override
    public Constraint domain() {
        return eventDim == 0 ? Constraint.REAL : Constraint.independent(Constraint.REAL, eventDim);
    }

    @Override
    public Constraint codomain() {
        return domain();
    }

    @Override
    public boolean bijective() {
        return true;
    }

    /**
     * {@code sign}: +1, -1 or 0 for a number scale.
     *
     * @throws UnsupportedOperationException for a tensor scale, whose sign is {@link #signTensor()}
     */
    @Override
    public int sign() {
        if (scaleT != null) {
            throw new UnsupportedOperationException("the sign of an AffineTransform with a tensor scale is a tensor: use signTensor()");
        }
        return scale > 0 ? 1 : scale < 0 ? -1 : 0;
    }

    /** {@code sign} for a tensor scale: {@code scale.sign()}; null for a number scale (see {@link #sign()}). */
    @Override
    public Tensor signTensor() {
        return scaleT == null ? null : scaleT.sign();
    }

    @Override
    protected Tensor call(Tensor x) {
        if (locT == null) {
            return x.mul(scale).add(loc);
        }
        return locT.add(scaleT.mul(x));
    }

    @Override
    protected Tensor invCall(Tensor y) {
        if (locT == null) {
            return y.sub(loc).div(scale);
        }
        return y.sub(locT).div(scaleT);
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        int[] shape = x.shape();
        Tensor result = scaleT == null ? x.fullLike(Math.log(Math.abs(scale))) : scaleT.abs().log();
        if (eventDim != 0) {
            int[] rs = result.shape();
            int keep = Math.max(rs.length - eventDim, 0);
            int[] size = Arrays.copyOf(rs, keep + 1);
            size[keep] = -1;
            result = result.view(size).sum(-1);
            shape = Arrays.copyOf(shape, Math.max(shape.length - eventDim, 0));
        }
        return result.expand(shape);
    }

    @Override
    public int[] forwardShape(int[] shape) {
        Dist.require(shape, "forward_shape", "shape");
        return locT == null ? shape.clone() : Tensor.broadcastShapes(shape, locT.shape(), scaleT.shape());
    }

    @Override
    public int[] inverseShape(int[] shape) {
        Dist.require(shape, "inverse_shape", "shape");
        return locT == null ? shape.clone() : Tensor.broadcastShapes(shape, locT.shape(), scaleT.shape());
    }

    /** Equal to an AffineTransform of equal loc and scale (numbers or tensors, compared elementwise), as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof AffineTransform)) {
            return false;
        }
        AffineTransform o = (AffineTransform) other;
        return same(locT, loc, o.locT, o.loc) && same(scaleT, scale, o.scaleT, o.scale);
    }

    private static boolean same(Tensor a, double x, Tensor b, double y) {
        if (a == null && b == null) {
            return x == y;
        }
        try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
            Tensor ta = a != null ? a.detach() : null;
            Tensor tb = b != null ? b.detach() : null;
            return (ta == null ? tb.eq(x) : tb == null ? ta.eq(y) : ta.eq(tb)).all();
        }
    }

    @Override
    public int hashCode() {
        return AffineTransform.class.hashCode();
    }
}
