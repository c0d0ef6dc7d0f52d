package dev.ember.distributions;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

/**
 * A region of values, as PyTorch's {@code torch.distributions.constraints}: {@link #check} gives a boolean tensor that is
 * true where a value lies in the region (reducing the rightmost {@link #eventDim()} dimensions), and {@code toString}
 * is PyTorch's repr ({@code GreaterThan(lower_bound=0.0)}), which the validation messages quote.
 */
public abstract class Constraint {
    private final String name;
    private final int eventDim;
    private final boolean discrete;

    Constraint(String name, int eventDim, boolean discrete) {
        this.name = name;
        this.eventDim = eventDim;
        this.discrete = discrete;
    }

    /** True where {@code value} satisfies the constraint (a boolean tensor; the rightmost {@link #eventDim()} dims reduced). */
    public final Tensor check(Tensor value) {
        return test(Dist.require(value, "check", "value"));
    }

    /** {@link #check} of a non-null value. */
    abstract Tensor test(Tensor v);

    /** The number of rightmost dimensions that together form one event, as {@code Constraint.event_dim}. */
    public int eventDim() {
        return eventDim;
    }

    /** Whether the region is discrete, as {@code Constraint.is_discrete}. */
    public boolean isDiscrete() {
        return discrete;
    }

    /** Whether the constraint depends on a distribution's parameters and is not checked, as {@code constraints.is_dependent}. */
    public boolean isDependent() {
        return false;
    }

    @Override
    public String toString() {
        return name;
    }

    private static Tensor noGrad(java.util.function.Supplier<Tensor> f) {
        try (GradMode off = Ember.noGrad()) {
            return f.get();
        }
    }

    /** {@code constraints.real}: every value but NaN. */
    public static final Constraint REAL = new Constraint("Real()", 0, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> v.detach().eq(v.detach()));
        }
    };

    /** {@code constraints.boolean}: 0 or 1. */
    public static final Constraint BOOLEAN = new Constraint("Boolean()", 0, true) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> v.detach().eq(0L).logicalOr(v.detach().eq(1L)));
        }
    };

    /** {@code constraints.positive}: {@code GreaterThan(lower_bound=0.0)}. */
    public static final Constraint POSITIVE = greaterThan(0.0);

    /** {@code constraints.nonnegative}: {@code GreaterThanEq(lower_bound=0.0)}. */
    public static final Constraint NONNEGATIVE = new Constraint("GreaterThanEq(lower_bound=0.0)", 0, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> v.detach().ge(0.0));
        }
    };

    /** {@code constraints.unit_interval}: {@code Interval(lower_bound=0.0, upper_bound=1.0)}. */
    public static final Constraint UNIT_INTERVAL = new Constraint("Interval(lower_bound=0.0, upper_bound=1.0)", 0, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> v.detach().ge(0.0).logicalAnd(v.detach().le(1.0)));
        }
    };

    /** {@code constraints.nonnegative_integer}: {@code IntegerGreaterThan(lower_bound=0)}. */
    public static final Constraint NONNEGATIVE_INTEGER = new Constraint("IntegerGreaterThan(lower_bound=0)", 0, true) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> v.detach().remainder(1L).eq(0L).logicalAnd(v.detach().ge(0L)));
        }
    };

    /** {@code constraints.simplex}: nonnegative along the last dim, summing to 1 within 1e-6. */
    public static final Constraint SIMPLEX = new Constraint("Simplex()", 1, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> {
                Tensor d = v.detach();
                return d.ge(0L).all(-1).logicalAnd(d.sum(-1).sub(1.0).abs().lt(1e-6));
            });
        }
    };

    /** {@code constraints.one_hot}: 0/1 entries along the last dim with exactly one 1. */
    public static final Constraint ONE_HOT = new Constraint("OneHot()", 1, true) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> {
                Tensor d = v.detach();
                return d.eq(0L).logicalOr(d.eq(1L)).all(-1).logicalAnd(d.sum(-1).eq(1L));
            });
        }
    };

    /** {@code constraints.real_vector}: {@code IndependentConstraint(Real(), 1)}. */
    public static final Constraint REAL_VECTOR = independent(REAL, 1);

    /** {@code constraints.lower_cholesky}: lower triangular with a positive diagonal. */
    public static final Constraint LOWER_CHOLESKY = new Constraint("LowerCholesky()", 2, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> {
                Tensor d = v.detach();
                Tensor lowerTri = d.tril().eq(d).all(-1).all(-1);
                Tensor posDiag = d.diagonal(0, -2, -1).gt(0.0).all(-1);
                return lowerTri.logicalAnd(posDiag);
            });
        }
    };

    /** {@code constraints.positive_definite}: symmetric with a Cholesky factor. */
    public static final Constraint POSITIVE_DEFINITE = new Constraint("PositiveDefinite()", 2, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> {
                Tensor d = v.detach();
                Tensor sym = d.sub(d.mT()).abs().le(1e-6).all(-1).all(-1);
                // PyTorch asks cholesky_ex for its info; the smallest eigenvalue's sign says the same
                Tensor posEig = d.linalgEigh().eigenvalues().gt(0.0).all(-1);
                return sym.logicalAnd(posEig);
            });
        }
    };

    /** {@code constraints.greater_than(lower_bound)}. */
    public static Constraint greaterThan(double lowerBound) {
        return new Constraint("GreaterThan(lower_bound=" + dev.ember.Format.repr(lowerBound) + ")", 0, false) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> v.detach().gt(lowerBound));
            }
        };
    }

    /** {@code constraints.interval(lower, upper)} with number bounds: {@code lower <= v <= upper}. */
    public static Constraint interval(double lower, double upper) {
        return new Constraint("Interval(lower_bound=" + dev.ember.Format.repr(lower) + ", upper_bound="
                + dev.ember.Format.repr(upper) + ")", 0, false) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> v.detach().ge(lower).logicalAnd(v.detach().le(upper)));
            }
        };
    }

    /** {@code constraints.integer_interval(lower, upper)}: whole numbers in [lower, upper]. */
    public static Constraint integerInterval(long lower, long upper) {
        return new Constraint("IntegerInterval(lower_bound=" + lower + ", upper_bound=" + upper + ")", 0, true) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> {
                    Tensor d = v.detach();
                    return d.remainder(1L).eq(0L).logicalAnd(d.ge(lower)).logicalAnd(d.le(upper));
                });
            }
        };
    }

    /** {@code constraints.integer_interval(0, upper)} with a tensor upper bound (Binomial's support). */
    public static Constraint integerInterval(Tensor upper) {
        Dist.require(upper, "integer_interval", "upper_bound");
        return new Constraint("IntegerInterval(lower_bound=0, upper_bound=" + Dist.fmt(upper) + ")", 0, true) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> {
                    Tensor d = v.detach();
                    return d.remainder(1L).eq(0L).logicalAnd(d.ge(0L)).logicalAnd(d.le(upper.detach()));
                });
            }
        };
    }

    /** {@code constraints.greater_than_eq(lower_bound)} with a tensor bound (Pareto's support): {@code v >= lower}. */
    public static Constraint greaterThanEq(Tensor lowerBound) {
        Dist.require(lowerBound, "greater_than_eq", "lower_bound");
        return new Constraint("GreaterThanEq(lower_bound=" + Dist.fmt(lowerBound) + ")", 0, false) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> v.detach().ge(lowerBound.detach()));
            }
        };
    }

    /** {@code constraints.interval(low, high)} with tensor bounds: {@code low <= v <= high}. */
    public static Constraint interval(Tensor low, Tensor high) {
        Dist.require(low, "interval", "lower_bound");
        Dist.require(high, "interval", "upper_bound");
        return new Constraint("Interval(lower_bound=" + Dist.fmt(low) + ", upper_bound=" + Dist.fmt(high) + ")", 0, false) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> low.detach().le(v.detach()).logicalAnd(v.detach().le(high.detach())));
            }
        };
    }

    /** {@code constraints.independent(base, n)}: the base's check reduced with {@code all} over n more rightmost dims. */
    public static Constraint independent(Constraint base, int reinterpretedBatchNdims) {
        Dist.require(base, "independent", "base_constraint", "Constraint");
        return new Constraint("IndependentConstraint(" + base + ", " + reinterpretedBatchNdims + ")",
                base.eventDim() + reinterpretedBatchNdims, base.isDiscrete()) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> {
                    Tensor r = base.check(v);
                    if (r.dim() < reinterpretedBatchNdims) {
                        int[] shape = new int[reinterpretedBatchNdims];
                        int[] rs = r.shape();
                        java.util.Arrays.fill(shape, 1);
                        System.arraycopy(rs, 0, shape, reinterpretedBatchNdims - rs.length, rs.length);
                        r = r.expand(shape);
                    }
                    for (int i = 0; i < reinterpretedBatchNdims; i++) {
                        r = r.all(-1);
                    }
                    return r;
                });
            }
        };
    }

    /** {@code constraints.dependent}: a parameter checked by its distribution (Uniform's low and high), never here. */
    public static final Constraint DEPENDENT = new Constraint("Dependent()", 0, false) {
        @Override
        Tensor test(Tensor v) {
            throw new UnsupportedOperationException("Cannot determine validity of dependent constraint");
        }

        @Override
        public boolean isDependent() {
            return true;
        }
    };

    static Tensor asDouble(Tensor t) {
        return t.dtype().isFloatingPoint() ? t : t.to(DType.FLOAT64);
    }

    // ---- discrete and multivariate families, more transforms (session 21) ----

    /** {@code constraints.multinomial(upper_bound)}: nonnegative along the last dim, summing to at most the bound. */
    public static Constraint multinomial(int upperBound) {
        return new Constraint("Multinomial()", 1, true) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> v.detach().ge(0L).all(-1).logicalAnd(v.detach().sum(-1).le((long) upperBound)));
            }
        };
    }

    /** {@code constraints.half_open_interval(0., 1.)}: {@code 0 <= v < 1}. */
    public static final Constraint HALF_OPEN_UNIT_INTERVAL = new Constraint(
            "HalfOpenInterval(lower_bound=0.0, upper_bound=1.0)", 0, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> v.detach().ge(0.0).logicalAnd(v.detach().lt(1.0)));
        }
    };

    /** {@code constraints.greater_than_eq(0)} with PyTorch's int bound: {@code GreaterThanEq(lower_bound=0)}. */
    public static final Constraint GREATER_THAN_EQ_ZERO = new Constraint("GreaterThanEq(lower_bound=0)", 0, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> v.detach().ge(0L));
        }
    };

    /** {@code constraints.corr_cholesky}: lower triangular, positive diagonal, rows of unit norm (within 1e-4·dim). */
    public static final Constraint CORR_CHOLESKY = new Constraint("CorrCholesky()", 2, false) {
        @Override
        Tensor test(Tensor v) {
            return noGrad(() -> {
                Tensor d = v.detach();
                double tol = Dist.eps(d.dtype()) * d.size(-1) * 10;
                Tensor rowNorm = d.square().sum(-1).sqrt();
                Tensor unitRowNorm = rowNorm.sub(1.0).abs().le(tol).all(-1);
                return LOWER_CHOLESKY.check(d).logicalAnd(unitRowNorm);
            });
        }
    };

    /** A copy of {@code cseq}, rejecting null (PyTorch's {@code assert all(isinstance(c, Constraint) for c in cseq)}). */
    private static java.util.List<Constraint> constraintList(java.util.List<Constraint> cseq, String op) {
        Dist.require(cseq, op, "cseq", "list of Constraints");
        for (Constraint c : cseq) {
            if (c == null) {
                throw new IllegalArgumentException(op + ": every element of cseq must be a Constraint, not null");
            }
        }
        return java.util.List.copyOf(cseq);
    }

    /**
     * {@code constraints.cat(cseq, dim, lengths)}: each constraint checked on its slice (of its length) along {@code dim},
     * the checks concatenated; event_dim the largest of theirs. {@code lengths} null (PyTorch's None) for one element each.
     *
     * @throws IllegalArgumentException where {@code cseq} or one of its elements is null, or the lengths do not match the
     *     constraints (PyTorch's assertions)
     */
    public static Constraint cat(java.util.List<Constraint> cseq, int dim, int[] lengths) {
        java.util.List<Constraint> cs = constraintList(cseq, "cat");
        int[] ls;
        if (lengths == null) {
            ls = new int[cs.size()];
            java.util.Arrays.fill(ls, 1);
        } else {
            ls = lengths.clone();
        }
        if (ls.length != cs.size()) {
            throw new IllegalArgumentException("cat: len(lengths) must equal len(cseq)");
        }
        int ev = 0;
        boolean discrete = false;
        for (Constraint c : cs) {
            ev = Math.max(ev, c.eventDim());
            discrete |= c.isDiscrete();
        }
        return new Constraint("Cat()", ev, discrete) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> {
                    java.util.List<Tensor> checks = new java.util.ArrayList<>();
                    int start = 0;
                    for (int i = 0; i < cs.size(); i++) {
                        checks.add(cs.get(i).check(v.narrow(dim, start, ls[i])));
                        start += ls[i];
                    }
                    return Tensor.cat(checks, dim);
                });
            }
        };
    }

    /**
     * {@code constraints.stack(cseq, dim)}: each constraint checked on its slice {@code select(dim, i)}, the checks
     * stacked; event_dim the largest of theirs (one more where {@code dim + event_dim < 0}).
     */
    public static Constraint stack(java.util.List<Constraint> cseq, int dim) {
        java.util.List<Constraint> cs = constraintList(cseq, "stack");
        int ev = 0;
        boolean discrete = false;
        for (Constraint c : cs) {
            ev = Math.max(ev, c.eventDim());
            discrete |= c.isDiscrete();
        }
        if (dim + ev < 0) {
            ev += 1;
        }
        return new Constraint("Stack()", ev, discrete) {
            @Override
            Tensor test(Tensor v) {
                return noGrad(() -> {
                    java.util.List<Tensor> checks = new java.util.ArrayList<>();
                    for (int i = 0; i < v.size(dim); i++) {
                        checks.add(cs.get(i).check(v.select(dim, i)));
                    }
                    return Tensor.stack(checks, dim);
                });
            }
        };
    }
}
