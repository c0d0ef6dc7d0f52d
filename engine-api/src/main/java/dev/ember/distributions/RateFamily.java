package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Map;

/**
 * The scaffolding shared by the exponential families of one {@code rate} parameter (Exponential, Poisson): the
 * parameter (not broadcast), its accessor, its repr entry and its validation at construction.
 */
abstract class RateFamily extends ExponentialFamily {
    final Tensor rate;

    /** A family of the given rate (PyTorch's null-argument error naming {@code family}), validated. */
    RateFamily(Tensor rate, String family, Boolean validateArgs) {
        super(Dist.require(rate, family, "rate").shape(), new int[0], validateArgs);
        this.rate = rate;
        validateParams();
    }

    /** The rate. */
    public Tensor rate() {
        return rate;
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("rate", rate);
    }
}
