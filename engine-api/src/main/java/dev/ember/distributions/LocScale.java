package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Map;

/**
 * The scaffolding shared by the real-valued location-scale families that are no exponential family (Laplace, Cauchy):
 * {@code loc} and {@code scale} broadcast together and validated (real, positive), their accessors and repr entries,
 * the real line as support, reparameterized sampling and {@code loc} as the mode. {@link Normal}, an exponential family
 * (Java's single superclass), and the TransformedDistributions Gumbel, LogNormal and LogisticNormal share the static
 * parts: the broadcast, the constraints and the repr entries.
 */
abstract class LocScale extends Distribution {
    final Tensor loc;
    final Tensor scale;

    /** The family of {@code p = broadcast_all(loc, scale)}, validated. */
    LocScale(Tensor[] p, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.loc = p[0];
        this.scale = p[1];
        validateParams();
    }

    /** {@code broadcast_all(loc, scale)}, PyTorch's null-argument error naming {@code family}. */
    static Tensor[] broadcast(String family, Tensor loc, Tensor scale) {
        return Dist.broadcastAll(Dist.require(loc, family, "loc"), Dist.require(scale, family, "scale"));
    }

    /** The location. */
    public Tensor loc() {
        return loc;
    }

    /** The scale. */
    public Tensor scale() {
        return scale;
    }

    /** {@code arg_constraints} of a location-scale family: "loc" real, "scale" positive. */
    static Map<String, Constraint> constraints() {
        return Dist.map("loc", Constraint.REAL, "scale", Constraint.POSITIVE);
    }

    /** The parameters by name, in {@link #constraints()}'s order. */
    static Map<String, Tensor> params(Tensor loc, Tensor scale) {
        return Dist.map("loc", loc, "scale", scale);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return constraints();
    }

    @Override
    protected Map<String, Tensor> params() {
        return params(loc, scale);
    }

    @Override
    public Constraint support() {
        return Constraint.REAL;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mode() {
        return loc;
    }
}
