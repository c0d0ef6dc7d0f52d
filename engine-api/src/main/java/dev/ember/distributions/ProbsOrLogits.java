package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Map;

/**
 * The probs-or-logits parameter of the discrete distributions (Bernoulli, Geometric, Binomial, NegativeBinomial,
 * LogitRelaxedBernoulli, ContinuousBernoulli, Categorical): the one that was given, and the other computed lazily on
 * first use (and kept, so it shows in {@code params()} and the repr from then on, as PyTorch's {@code lazy_property}).
 * Binary parameters convert by sigmoid / {@code log(p) - log1p(-p)}, categorical ones by softmax / {@code log(p)}
 * ({@code probs_to_logits} clamps the probabilities first).
 */
final class ProbsOrLogits {
    /** PyTorch's message where both or neither of probs and logits are given. */
    static final String EXACTLY_ONE = "Either `probs` or `logits` must be specified, but not both.";

    private final boolean fromProbs;
    private final boolean binary;
    private final boolean clampDerivedProbs;
    private Tensor probs;
    private Tensor logits;

    /**
     * The parameter {@code given} (probabilities where {@code fromProbs}, else logits); {@code clampDerivedProbs} clamps
     * the probabilities computed from logits to [eps, 1 - eps] (ContinuousBernoulli's).
     */
    ProbsOrLogits(Tensor given, boolean fromProbs, boolean binary, boolean clampDerivedProbs) {
        this.fromProbs = fromProbs;
        this.binary = binary;
        this.clampDerivedProbs = clampDerivedProbs;
        if (fromProbs) {
            probs = given;
        } else {
            logits = given;
        }
    }

    /** A binary parameter from exactly one of {@code probs} and {@code logits}. */
    static ProbsOrLogits binary(Tensor probs, Tensor logits) {
        return new ProbsOrLogits(checkOne(probs, logits), probs != null, true, false);
    }

    /** The one of {@code probs} and {@code logits} that is not null, or PyTorch's error where both or neither are. */
    static Tensor checkOne(Tensor probs, Tensor logits) {
        if ((probs == null) == (logits == null)) {
            throw new IllegalArgumentException(EXACTLY_ONE);
        }
        return probs != null ? probs : logits;
    }

    /** Whether the probabilities were given. */
    boolean fromProbs() {
        return fromProbs;
    }

    /** The parameter that was given. */
    Tensor given() {
        return fromProbs ? probs : logits;
    }

    /**
     * The probabilities (computed from the logits on first use where those were given, with gradient recording on
     * whatever the caller's mode, as PyTorch's {@code lazy_property} computes under {@code torch.enable_grad()}: probs
     * first read inside a sample keep their graph).
     */
    Tensor probs() {
        if (probs == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {
                Tensor p = Dist.logitsToProbs(logits, binary);
                probs = clampDerivedProbs ? Dist.clampProbs(p) : p;
            }
        }
        return probs;
    }

    /** The logits (computed from the probabilities on first use where those were given, as {@link #probs()}). */
    Tensor logits() {
        if (logits == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {
                logits = Dist.probsToLogits(probs, binary);
            }
        }
        return logits;
    }

    /** The same kind of parameter with the given one replaced by {@code given} (an expanded view of it). */
    ProbsOrLogits with(Tensor given) {
        return new ProbsOrLogits(given, fromProbs, binary, clampDerivedProbs);
    }

    /**
     * The same kind of parameter with the given one replaced by {@code given} (an expansion of it), and the other, where
     * known already, expanded to its shape as well: PyTorch's {@code expand} copies whichever of probs and logits is in
     * {@code __dict__}, so an expanded distribution's repr lists both where the original had computed the other.
     */
    ProbsOrLogits withExpanded(Tensor given) {
        ProbsOrLogits e = with(given);
        if (fromProbs && logits != null) {
            e.logits = logits.expand(given.shape());
        } else if (!fromProbs && probs != null) {
            e.probs = probs.expand(given.shape());
        }
        return e;
    }

    /** The same kind of parameter expanded to {@code shape}, as {@code expand} copies it ({@link #withExpanded}). */
    ProbsOrLogits expand(int[] shape) {
        return withExpanded(given().expand(shape));
    }

    /** {@code m} with "probs" and "logits" added, those known so far (given or computed), in that order. */
    Map<String, Tensor> putInto(Map<String, Tensor> m) {
        if (probs != null) {
            m.put("probs", probs);
        }
        if (logits != null) {
            m.put("logits", logits);
        }
        return m;
    }

    /** {@code arg_constraints} of a probs-or-logits distribution: "probs" by {@code probs}, "logits" real. */
    static Map<String, Constraint> binaryConstraints(Constraint probs) {
        return Dist.map("probs", probs, "logits", Constraint.REAL);
    }

    /** {@code arg_constraints} of a categorical distribution: "probs" simplex, "logits" real vector. */
    static Map<String, Constraint> categoricalConstraints() {
        return Dist.map("probs", Constraint.SIMPLEX, "logits", Constraint.REAL_VECTOR);
    }
}
