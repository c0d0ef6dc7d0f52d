package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The multivariate normal with a low-rank-plus-diagonal covariance {@code cov_factor @ cov_factor.mT +
 * diag(cov_diag)}, as {@code torch.distributions.LowRankMultivariateNormal}: {@code log_prob} and {@code entropy} go
 * through the m x m capacitance matrix {@code I + W^T D^-1 W} (its Cholesky factor, by the Woodbury identity and the
 * matrix determinant lemma), so no n x n matrix is factorized.
 */
public class LowRankMultivariateNormal extends Distribution {
    private final Tensor loc;
    private final Tensor covFactor;
    private final Tensor covDiag;
    private final Tensor unbroadcastedCovFactor;
    private final Tensor unbroadcastedCovDiag;
    private final Tensor capacitanceTril;

    /** LowRankMultivariateNormal(loc, cov_factor, cov_diag). */
    public LowRankMultivariateNormal(Tensor loc, Tensor covFactor, Tensor covDiag) {
        this(loc, covFactor, covDiag, null);
    }

    /**
     * LowRankMultivariateNormal(loc, cov_factor, cov_diag, validate_args); {@code validateArgs} null for the global
     * default.
     *
     * @throws IllegalArgumentException PyTorch's messages where the shapes do not fit or do not broadcast
     */
    public LowRankMultivariateNormal(Tensor loc, Tensor covFactor, Tensor covDiag, Boolean validateArgs) {
        this(setup(loc, covFactor, covDiag), validateArgs);
    }

    private LowRankMultivariateNormal(Tensor[] s, Boolean validateArgs) {
        super(Arrays.copyOf(s[0].shape(), s[0].dim() - 1), new int[] {s[0].size(-1)}, validateArgs);
        loc = s[0];
        covFactor = s[1];
        covDiag = s[2];
        unbroadcastedCovFactor = s[3];
        unbroadcastedCovDiag = s[4];
        capacitanceTril = s[5] != null ? s[5] : capacitanceTril(s[3], s[4]);
        validateParams();
    }

    private static Tensor[] setup(Tensor loc, Tensor covFactor, Tensor covDiag) {
        Dist.require(loc, "LowRankMultivariateNormal", "loc");
        Dist.require(covFactor, "LowRankMultivariateNormal", "cov_factor");
        Dist.require(covDiag, "LowRankMultivariateNormal", "cov_diag");
        if (loc.dim() < 1) {
            throw new IllegalArgumentException("loc must be at least one-dimensional.");
        }
        int n = loc.size(-1);
        if (covFactor.dim() < 2) {
            throw new IllegalArgumentException("cov_factor must be at least two-dimensional, "
                    + "with optional leading batch dimensions");
        }
        if (covFactor.size(-2) != n) {
            throw new IllegalArgumentException("cov_factor must be a batch of matrices with shape " + n + " x m");
        }
        if (covDiag.dim() < 1 || covDiag.size(-1) != n) {
            throw new IllegalArgumentException("cov_diag must be a batch of vectors with shape " + Format.size(new int[] {n}));
        }
        Tensor loc_ = loc.unsqueeze(-1);
        Tensor covDiag_ = covDiag.unsqueeze(-1);
        int[] shape = Dist.broadcastOrNull(loc_.shape(), covFactor.shape());
        if (shape == null || Dist.broadcastOrNull(shape, covDiag_.shape()) == null) {
            throw new IllegalArgumentException("Incompatible batch shapes: loc " + Format.size(loc.shape()) + ", cov_factor "
                    + Format.size(covFactor.shape()) + ", cov_diag " + Format.size(covDiag.shape()));
        }
        Tensor[] b = Dist.broadcastAll(loc_, covFactor, covDiag_);
        return new Tensor[] {b[0].select(-1, 0), b[1], b[2].select(-1, 0), covFactor, covDiag, null};
    }

    /** {@code _batch_capacitance_tril(W, D)}: the Cholesky factor of {@code I + W^T D^-1 W}. */
    static Tensor capacitanceTril(Tensor w, Tensor d) {
        int m = w.size(-1);
        Tensor wtDinv = w.mT().div(d.unsqueeze(-2));
        Tensor k = wtDinv.matmul(w).add(Tensor.eye(m, m, w.dtype()).to(w.device()));
        return k.linalgCholesky();
    }

    /** {@code _batch_lowrank_logdet}: {@code log det(W W^T + D)}. */
    static Tensor lowrankLogdet(Tensor d, Tensor capacitanceTril) {
        return capacitanceTril.diagonal(0, -2, -1).log().sum(-1).mul(2L).add(d.log().sum(-1));
    }

    /** {@code _batch_lowrank_mahalanobis}: {@code x^T (W W^T + D)^-1 x}. */
    static Tensor lowrankMahalanobis(Tensor w, Tensor d, Tensor x, Tensor capacitanceTril) {
        Tensor wtDinv = w.mT().div(d.unsqueeze(-2));
        Tensor wtDinvX = wtDinv.matmul(x.unsqueeze(-1)).squeeze(-1);
        Tensor term1 = x.pow(2L).div(d).sum(-1);
        Tensor term2 = MultivariateNormal.mahalanobis(capacitanceTril, wtDinvX);
        return term1.sub(term2);
    }

    /** The mean (broadcast with the batch). */
    public Tensor loc() {
        return loc;
    }

    /** The covariance factor W (broadcast with the batch), as {@code cov_factor}. */
    public Tensor covFactor() {
        return covFactor;
    }

    /** The diagonal part D (broadcast with the batch), as {@code cov_diag}. */
    public Tensor covDiag() {
        return covDiag;
    }

    Tensor unbroadcastedCovFactor() {
        return unbroadcastedCovFactor;
    }

    Tensor unbroadcastedCovDiag() {
        return unbroadcastedCovDiag;
    }

    Tensor capacitanceTril() {
        return capacitanceTril;
    }

    private int[] matShape() {
        int n = eventShape()[0];
        return Dist.concat(batchShape(), new int[] {n, n});
    }

    /** The lower Cholesky factor of the covariance, as {@code scale_tril}. */
    public Tensor scaleTril() {
        int n = eventShape()[0];
        Tensor sqrtD = unbroadcastedCovDiag.sqrt().unsqueeze(-1);
        Tensor dinvsqrtW = unbroadcastedCovFactor.div(sqrtD);
        Tensor k = dinvsqrtW.matmul(dinvsqrtW.mT()).add(Tensor.eye(n, n, loc.dtype()).to(loc.device()));
        return sqrtD.mul(k.linalgCholesky()).expand(matShape());
    }

    /** {@code W W^T + diag(D)}, as {@code covariance_matrix}. */
    public Tensor covarianceMatrix() {
        return unbroadcastedCovFactor.matmul(unbroadcastedCovFactor.mT()).add(unbroadcastedCovDiag.diagEmbed())
                .expand(matShape());
    }

    /** The inverse covariance by the Woodbury identity, as {@code precision_matrix}. */
    public Tensor precisionMatrix() {
        Tensor wtDinv = unbroadcastedCovFactor.mT().div(unbroadcastedCovDiag.unsqueeze(-2));
        Tensor a = capacitanceTril.linalgSolveTriangular(wtDinv, false);
        return unbroadcastedCovDiag.reciprocal().diagEmbed().sub(a.mT().matmul(a)).expand(matShape());
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("loc", Constraint.REAL_VECTOR);
        m.put("cov_factor", Constraint.independent(Constraint.REAL, 2));
        m.put("cov_diag", Constraint.independent(Constraint.POSITIVE, 1));
        return m;
    }

    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("loc", loc);
        m.put("cov_factor", covFactor);
        m.put("cov_diag", covDiag);
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
        return unbroadcastedCovFactor.pow(2L).sum(-1).add(unbroadcastedCovDiag)
                .expand(Dist.concat(batchShape(), eventShape()));
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        int[] wShape = Arrays.copyOf(shape, shape.length);
        wShape[wShape.length - 1] = covFactor.size(-1);
        Tensor epsW;
        Tensor epsD;
        try (GradMode off = Ember.noGrad()) {
            epsW = loc.detach().newEmpty(wShape).normal_(0, 1, generator);
            epsD = loc.detach().newEmpty(shape).normal_(0, 1, generator);
        }
        return loc.add(unbroadcastedCovFactor.matmul(epsW.unsqueeze(-1)).squeeze(-1))
                .add(unbroadcastedCovDiag.sqrt().mul(epsD));
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor diff = value.sub(loc);
        Tensor m = lowrankMahalanobis(unbroadcastedCovFactor, unbroadcastedCovDiag, diff, capacitanceTril);
        Tensor logDet = lowrankLogdet(unbroadcastedCovDiag, capacitanceTril);
        return logDet.add(eventShape()[0] * Math.log(2 * Math.PI)).add(m).mul(-0.5);
    }

    @Override
    public Tensor entropy() {
        Tensor logDet = lowrankLogdet(unbroadcastedCovDiag, capacitanceTril);
        Tensor h = logDet.add(eventShape()[0] * (1.0 + Math.log(2 * Math.PI))).mul(0.5);
        return batchShape().length == 0 ? h : h.expand(batchShape());
    }

    @Override
    public LowRankMultivariateNormal expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        int[] locShape = Dist.concat(batchShape, eventShape());
        Tensor l = loc.expand(locShape);
        Tensor d = covDiag.expand(locShape);
        Tensor w = covFactor.expand(Dist.concat(locShape, new int[] {covFactor.size(-1)}));
        return new LowRankMultivariateNormal(new Tensor[] {l, w, d, unbroadcastedCovFactor, unbroadcastedCovDiag,
            capacitanceTril}, validateArgs);
    }
}
