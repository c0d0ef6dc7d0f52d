package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The multivariate normal distribution N(loc, Σ), given by exactly one of the covariance matrix, the precision matrix
 * or the lower Cholesky factor {@code scaleTril} of Σ, as {@code torch.distributions.MultivariateNormal} (the factor
 * from {@code linalg.cholesky}; log_prob by a triangular solve).
 */
public class MultivariateNormal extends Distribution {
    private final Tensor loc;
    private final Tensor covarianceGiven;
    private final Tensor precisionGiven;
    private final Tensor scaleTrilGiven;
    /** The matrices not given, once computed (PyTorch's lazy properties): they show in the repr from then on. */
    private Tensor covarianceLazy;
    private Tensor precisionLazy;
    private Tensor scaleTrilLazy;
    private final Tensor unbroadcastedScaleTril;

    /**
     * N(loc, Σ) from exactly one of {@code covarianceMatrix}, {@code precisionMatrix} and {@code scaleTril} (the others
     * null); {@code validateArgs} null for the global default.
     */
    public MultivariateNormal(Tensor loc, Tensor covarianceMatrix, Tensor precisionMatrix, Tensor scaleTril,
                              Boolean validateArgs) {
        this(Dist.require(loc, "MultivariateNormal", "loc"), covarianceMatrix, precisionMatrix, scaleTril,
                shapes(loc, covarianceMatrix, precisionMatrix, scaleTril), validateArgs, null);
    }

    /** N(loc, covarianceMatrix). */
    public static MultivariateNormal ofCovariance(Tensor loc, Tensor covarianceMatrix) {
        return new MultivariateNormal(loc, Dist.require(covarianceMatrix, "MultivariateNormal", "covariance_matrix"), null,
                null, null);
    }

    /** N(loc, precisionMatrix⁻¹). */
    public static MultivariateNormal ofPrecision(Tensor loc, Tensor precisionMatrix) {
        return new MultivariateNormal(loc, null, Dist.require(precisionMatrix, "MultivariateNormal", "precision_matrix"),
                null, null);
    }

    /** N(loc, L Lᵀ) for a lower Cholesky factor L. */
    public static MultivariateNormal ofScaleTril(Tensor loc, Tensor scaleTril) {
        return new MultivariateNormal(loc, null, null, Dist.require(scaleTril, "MultivariateNormal", "scale_tril"), null);
    }

    private static int[] shapes(Tensor loc, Tensor cov, Tensor prec, Tensor tril) {
        if (loc.dim() < 1) {
            throw new IllegalArgumentException("loc must be at least one-dimensional.");
        }
        int given = (cov != null ? 1 : 0) + (prec != null ? 1 : 0) + (tril != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                    + "specified.");
        }
        Tensor m = tril != null ? tril : cov != null ? cov : prec;
        String name = tril != null ? "scale_tril matrix" : cov != null ? "covariance_matrix" : "precision_matrix";
        if (m.dim() < 2) {
            throw new IllegalArgumentException(name + " must be at least two-dimensional, with optional leading batch "
                    + "dimensions");
        }
        int[] ms = m.shape();
        int[] ls = loc.shape();
        int[] batch = Dist.broadcastOrNull(Arrays.copyOf(ms, ms.length - 2), Arrays.copyOf(ls, ls.length - 1));
        if (batch == null) {
            throw new IllegalArgumentException("shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                    + "between arg 0 with shape " + dev.ember.Format.size(Arrays.copyOf(ms, ms.length - 2)) + " and arg 1 with shape "
                    + dev.ember.Format.size(Arrays.copyOf(ls, ls.length - 1)) + ".");
        }
        return batch;
    }

    private MultivariateNormal(Tensor loc, Tensor cov, Tensor prec, Tensor tril, int[] batch, Boolean validateArgs,
                               Tensor knownScaleTril) {
        super(batch, new int[] {loc.size(-1)}, validateArgs);
        int n = loc.size(-1);
        this.loc = loc.expand(Dist.concat(batch, new int[] {n}));
        int[] mat = Dist.concat(batch, new int[] {n, n});
        this.scaleTrilGiven = tril != null ? tril.expand(mat) : null;
        this.covarianceGiven = cov != null ? cov.expand(mat) : null;
        this.precisionGiven = prec != null ? prec.expand(mat) : null;
        validateParams();
        if (knownScaleTril != null) {
            unbroadcastedScaleTril = knownScaleTril;
        } else if (tril != null) {
            unbroadcastedScaleTril = tril;
        } else if (cov != null) {
            unbroadcastedScaleTril = cov.linalgCholesky();
        } else {
            unbroadcastedScaleTril = precisionToScaleTril(prec);
        }
    }

    /** {@code _precision_to_scale_tril}: the Cholesky factor of P⁻¹ from a Cholesky factor of the flipped P. */
    static Tensor precisionToScaleTril(Tensor p) {
        Tensor lf = p.flip(-2, -1).linalgCholesky();
        Tensor lInv = lf.flip(-2, -1).transpose(-2, -1);
        Tensor id = Tensor.eye(p.size(-1), p.size(-1), p.dtype()).to(p.device());
        return lInv.linalgSolveTriangular(id, false);
    }

    /** The mean vector. */
    public Tensor loc() {
        return loc;
    }

    /**
     * The lower Cholesky factor of the covariance, expanded to the batch (the given one, or computed once and kept, as
     * PyTorch's {@code lazy_property}: from then on it shows in the repr).
     */
    public Tensor scaleTril() {
        if (scaleTrilGiven != null) {
            return scaleTrilGiven;
        }
        if (scaleTrilLazy == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {
                scaleTrilLazy = unbroadcastedScaleTril.expand(matShape());
            }
        }
        return scaleTrilLazy;
    }

    /** The covariance matrix {@code L Lᵀ}, expanded to the batch (given, or computed once and kept, as scaleTril). */
    public Tensor covarianceMatrix() {
        if (covarianceGiven != null) {
            return covarianceGiven;
        }
        if (covarianceLazy == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {
                covarianceLazy = unbroadcastedScaleTril.matmul(unbroadcastedScaleTril.mT()).expand(matShape());
            }
        }
        return covarianceLazy;
    }

    /**
     * The precision matrix (the covariance's inverse, by {@code cholesky_inverse}), expanded to the batch (given, or
     * computed once and kept, as scaleTril).
     */
    public Tensor precisionMatrix() {
        if (precisionGiven != null) {
            return precisionGiven;
        }
        if (precisionLazy == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {
                precisionLazy = unbroadcastedScaleTril.choleskyInverse(false).expand(matShape());
            }
        }
        return precisionLazy;
    }

    Tensor unbroadcastedScaleTril() {
        return unbroadcastedScaleTril;
    }

    private int[] matShape() {
        int n = eventShape()[0];
        return Dist.concat(batchShape(), new int[] {n, n});
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("loc", Constraint.REAL_VECTOR);
        m.put("covariance_matrix", Constraint.POSITIVE_DEFINITE);
        m.put("precision_matrix", Constraint.POSITIVE_DEFINITE);
        m.put("scale_tril", Constraint.LOWER_CHOLESKY);
        return m;
    }

    /**
     * The parameters in {@code arg_constraints} order: the given matrix and those computed so far (PyTorch's
     * {@code lazy_property} keeps them in {@code __dict__}, where its repr finds them).
     */
    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("loc", loc);
        Tensor cov = covarianceGiven != null ? covarianceGiven : covarianceLazy;
        Tensor prec = precisionGiven != null ? precisionGiven : precisionLazy;
        Tensor tril = scaleTrilGiven != null ? scaleTrilGiven : scaleTrilLazy;
        if (cov != null) {
            m.put("covariance_matrix", cov);
        }
        if (prec != null) {
            m.put("precision_matrix", prec);
        }
        if (tril != null) {
            m.put("scale_tril", tril);
        }
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.REAL_VECTOR;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return loc;
    }

    @Override
    public Tensor mode() {
        return loc;
    }

    @Override
    public Tensor variance() {
        return unbroadcastedScaleTril.pow(2L).sum(-1).expand(Dist.concat(batchShape(), eventShape()));
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor eps;
        try (GradMode off = Ember.noGrad()) {
            eps = loc.newEmpty(shape).normal_(0, 1, generator);
        }
        return loc.add(unbroadcastedScaleTril.matmul(eps.unsqueeze(-1)).squeeze(-1));
    }

    /** {@code _batch_mahalanobis(L, x)}: {@code |L⁻¹ x|²} over the last dim, L broadcast over x's batch. */
    static Tensor mahalanobis(Tensor l, Tensor x) {
        int n = l.size(-1);
        int[] xs = x.shape();
        int[] ls = l.shape();
        int[] batch = Dist.broadcastOrNull(Arrays.copyOf(xs, xs.length - 1), Arrays.copyOf(ls, ls.length - 2));
        Tensor lb = l.expand(Dist.concat(batch, new int[] {n, n}));
        Tensor xb = x.expand(Dist.concat(batch, new int[] {n})).unsqueeze(-1);
        Tensor y = lb.linalgSolveTriangular(xb, false).squeeze(-1);
        return y.pow(2L).sum(-1);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor diff = value.sub(loc);
        Tensor m = mahalanobis(unbroadcastedScaleTril, diff);
        Tensor halfLogDet = unbroadcastedScaleTril.diagonal(0, -2, -1).log().sum(-1);
        return m.add(eventShape()[0] * Math.log(2 * Math.PI)).mul(-0.5).sub(halfLogDet);
    }

    @Override
    public Tensor entropy() {
        Tensor halfLogDet = unbroadcastedScaleTril.diagonal(0, -2, -1).log().sum(-1);
        Tensor h = halfLogDet.add(0.5 * eventShape()[0] * (1.0 + Math.log(2 * Math.PI)));
        return batchShape().length == 0 ? h : h.expand(batchShape());
    }

    @Override
    public MultivariateNormal expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        int n = eventShape()[0];
        // as PyTorch's expand: the parameter given, expanded, and the factor already computed
        int[] mat = Dist.concat(batchShape, new int[] {n, n});
        Tensor l = loc.expand(Dist.concat(batchShape, new int[] {n}));
        MultivariateNormal e = new MultivariateNormal(l, Dist.expandOrNull(covarianceGiven, mat),
                Dist.expandOrNull(precisionGiven, mat), Dist.expandOrNull(scaleTrilGiven, mat),
                batchShape.clone(), validateArgs, unbroadcastedScaleTril);
        // and the matrices computed so far, as PyTorch's expand copies whatever its __dict__ holds
        e.covarianceLazy = Dist.expandOrNull(covarianceLazy, mat);
        e.precisionLazy = Dist.expandOrNull(precisionLazy, mat);
        e.scaleTrilLazy = Dist.expandOrNull(scaleTrilLazy, mat);
        return e;
    }

    /** {@code MultivariateNormal(loc: torch.Size([2]), covariance_matrix: torch.Size([2, 2]))}, as PyTorch's repr. */
    @Override
    public String toString() {
        return super.toString();
    }
}
