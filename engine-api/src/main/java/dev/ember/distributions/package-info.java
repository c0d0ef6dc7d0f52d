/**
 * PyTorch's {@code torch.distributions}: {@link dev.ember.distributions.Distribution} and its subclasses
 * ({@code Normal}, {@code Bernoulli}, {@code Categorical}, {@code OneHotCategorical}, {@code Uniform},
 * {@code Exponential}, {@code Laplace}, {@code LogNormal}, {@code Independent}, {@code MultivariateNormal},
 * {@code Gamma}, {@code Beta}, {@code Dirichlet}, {@code Poisson}, {@code Binomial}, {@code Geometric}),
 * {@link dev.ember.distributions.Constraint} ({@code torch.distributions.constraints}) and
 * {@link dev.ember.distributions.KL#klDivergence}.
 *
 * <p>Every formula is PyTorch's, written in tensor ops, so values and gradients match PyTorch's and run on every backend.
 * Samples come from Ember's Philox {@code Generator} (the global one unless given): the same numbers on every device,
 * different numbers from PyTorch's generators, the same distributions. Validation is on by default, as PyTorch's: a
 * parameter outside its constraint, or a value outside the support in {@code logProb}, is an
 * {@code IllegalArgumentException} with PyTorch's ValueError message; what PyTorch leaves unimplemented is an
 * {@code UnsupportedOperationException} (its NotImplementedError).
 */
package dev.ember.distributions;
