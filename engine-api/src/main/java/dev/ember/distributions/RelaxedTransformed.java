package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Collections;
import java.util.List;

/**
 * What {@link RelaxedBernoulli} and {@link RelaxedOneHotCategorical} share: a relaxed base pushed through one
 * transform, reparameterized, with the base's temperature, probabilities and log-odds, and the sample at given noise.
 */
abstract class RelaxedTransformed<B extends Distribution & RelaxedBase> extends TransformedDistribution {
    RelaxedTransformed(B base, Transform transform, Boolean validateArgs) {
        super(base, Collections.singletonList(transform), validateArgs);
    }

    @Override
    @SuppressWarnings("unchecked")
    public B baseDist() {
        return (B) super.baseDist();
    }

    /** The temperature. */
    public Tensor temperature() {
        return baseDist().temperature();
    }

    /** The probabilities. */
    public Tensor probs() {
        return baseDist().probs();
    }

    /** The log-odds. */
    public Tensor logits() {
        return baseDist().logits();
    }

    /** The reparameterized sample at the given uniform noise: the transform of the base's sample at that noise. */
    public Tensor rsampleAt(Tensor uniforms) {
        List<Transform> t = transforms();
        return t.get(0).forward(baseDist().rsampleAt(uniforms));
    }

    @Override
    public boolean hasRsample() {
        return true;
    }
}
