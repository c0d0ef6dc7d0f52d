package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * The relaxed bases ({@link LogitRelaxedBernoulli}, {@link ExpRelaxedCategorical}) as {@link RelaxedTransformed} reads
 * them: the temperature, the probabilities and log-odds, and the reparameterized sample at given uniform noise.
 */
interface RelaxedBase {
    Tensor temperature();

    Tensor probs();

    Tensor logits();

    Tensor rsampleAt(Tensor uniforms);
}
