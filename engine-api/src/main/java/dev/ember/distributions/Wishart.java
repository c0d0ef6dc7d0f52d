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
 * The Wishart distribution over p x p positive-definite matrices with {@code df} degrees of freedom and scale matrix
 * given by exactly one of its covariance, precision or lower Cholesky factor, as {@code torch.distributions.Wishart}:
 * reparameterized samples by the Bartlett decomposition (chi-square diagonal, normal strict lower triangle), redrawn up
 * to 10 times where a sample is not positive definite (PyTorch 2.x's rule; 1.13 tested the opposite condition);
 * {@code log_prob} and {@code entropy} as PyTorch's.
 */
public class Wishart extends ExponentialFamily {
    private static final double LOG_2 = Math.log(2.0);
    private static final int MAX_TRY_CORRECTION = 10;

    private final Tensor df;
    private final Tensor covarianceGiven;
    /** The matrices not given, once computed (PyTorch's lazy properties): they show in the repr from then on. */
    private Tensor covarianceLazy;
    private Tensor precisionLazy;
    private Tensor scaleTrilLazy;
    private final Tensor precisionGiven;
    private final Tensor scaleTrilGiven;
    private final Tensor unbroadcastedScaleTril;
    private final Gamma chi2;

    /**
     * Wishart(df, covariance_matrix=, precision_matrix=, scale_tril=) with exactly one of the three (the others null);
     * {@code validateArgs} null for the global default.
     *
     * @throws IllegalArgumentException PyTorch's messages where not exactly one matrix is given, it has fewer than two
     *     dims, or {@code df <= p - 1}
     */
    public Wishart(Tensor df, Tensor covarianceMatrix, Tensor precisionMatrix, Tensor scaleTril, Boolean validateArgs) {
        this(setup(Dist.require(df, "Wishart", "df"), covarianceMatrix, precisionMatrix, scaleTril), validateArgs);
    }

    /** Wishart(df, ...) with a number df (in the matrix's type). */
    public Wishart(double df, Tensor covarianceMatrix, Tensor precisionMatrix, Tensor scaleTril, Boolean validateArgs) {
        this(setup(df, covarianceMatrix, precisionMatrix, scaleTril), validateArgs);
    }

    /** Wishart(df, covariance_matrix=c). */
    public static Wishart ofCovariance(Tensor df, Tensor covarianceMatrix) {
        return new Wishart(Dist.require(df, "Wishart", "df"), Dist.require(covarianceMatrix, "Wishart", "covariance_matrix"), null, null, null);
    }

    /** Wishart(df, precision_matrix=p). */
    public static Wishart ofPrecision(Tensor df, Tensor precisionMatrix) {
        return new Wishart(Dist.require(df, "Wishart", "df"), null, Dist.require(precisionMatrix, "Wishart", "precision_matrix"), null, null);
    }

    /** Wishart(df, scale_tril=l). */
    public static Wishart ofScaleTril(Tensor df, Tensor scaleTril) {
        return new Wishart(Dist.require(df, "Wishart", "df"), null, null, Dist.require(scaleTril, "Wishart", "scale_tril"), null);
    }

    private Wishart(Object[] s, Boolean validateArgs) {
        super((int[]) s[0], (int[]) s[1], validateArgs);
        df = (Tensor) s[2];
        covarianceGiven = (Tensor) s[3];
        precisionGiven = (Tensor) s[4];
        scaleTrilGiven = (Tensor) s[5];
        validateParams();
        unbroadcastedScaleTril = s[6] != null ? (Tensor) s[6]
                : scaleTrilGiven != null ? (Tensor) s[7]
                : covarianceGiven != null ? ((Tensor) s[7]).linalgCholesky()
                : MultivariateNormal.precisionToScaleTril((Tensor) s[7]);
        chi2 = chi2(df, unbroadcastedScaleTril, (int[]) s[0], ((int[]) s[1])[1]);
    }

    private static Object[] setup(Object df, Tensor cov, Tensor prec, Tensor tril) {
        int given = (cov != null ? 1 : 0) + (prec != null ? 1 : 0) + (tril != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                    + "specified.");
        }
        Tensor param = cov != null ? cov : prec != null ? prec : tril;
        if (param.dim() < 2) {
            throw new IllegalArgumentException("scale_tril must be at least two-dimensional, with optional leading batch "
                    + "dimensions");
        }
        int[] ps = param.shape();
        int[] paramBatch = Arrays.copyOf(ps, ps.length - 2);
        int[] event = Arrays.copyOfRange(ps, ps.length - 2, ps.length);
        int[] batch;
        Tensor d;
        String dfRepr;
        if (df instanceof Double) {
            batch = paramBatch;
            d = Tensor.full(param.dtype(), (Double) df).to(param.device());
            dfRepr = Format.repr((Double) df);
        } else {
            Tensor dt = Dist.require((Tensor) df, "Wishart", "df");
            batch = Dist.broadcastOrNull(paramBatch, dt.shape());
            if (batch == null) {
                Dist.broadcastAll(param.narrow(-1, 0, 1).select(-1, 0).select(-1, 0), dt);
            }
            d = dt.expand(batch);
            // f"{df}": a 0-dim tensor formats as its number (Tensor.__format__), others as the tensor
            dfRepr = dt.dim() == 0 ? Format.repr(dt.item()) : dt.toString();
        }
        int p = event[1];
        boolean tooSmall;
        try (GradMode off = Ember.noGrad()) {
            tooSmall = d.numel() > 0 && d.detach().le((double) (p - 1)).any();
        }
        if (tooSmall) {
            throw new IllegalArgumentException("Value of df=" + dfRepr + " expected to be greater than ndim - 1 = " + (p - 1)
                    + ".");
        }
        Tensor expanded = param.expand(Dist.concat(batch, event));
        return new Object[] {batch, event, d, cov != null ? expanded : null, prec != null ? expanded : null,
            tril != null ? expanded : null, null, param};
    }

    private static Gamma chi2(Tensor df, Tensor l, int[] batch, int p) {
        Tensor chi2Df = df.unsqueeze(-1).sub(Tensor.arange(0, p, 1, l.dtype()).to(l.device()).expand(Dist.concat(batch,
                new int[] {p})));
        // Chi2(df) = Gamma(df / 2, 1 / 2)
        return new Gamma(chi2Df.mul(0.5), chi2Df.fullLike(0.5), false);
    }

    /** The degrees of freedom (broadcast with the batch), as {@code df}. */
    public Tensor df() {
        return df;
    }

    Tensor unbroadcastedScaleTril() {
        return unbroadcastedScaleTril;
    }

    private int p() {
        return eventShape()[1];
    }

    private int[] fullShape() {
        return Dist.concat(batchShape(), eventShape());
    }

    /** The lower Cholesky factor of the scale matrix, as {@code scale_tril}. */
    public Tensor scaleTril() {
        if (scaleTrilGiven != null) {
            return scaleTrilGiven;
        }
        if (scaleTrilLazy == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {  // as PyTorch's lazy_property
                scaleTrilLazy = unbroadcastedScaleTril.expand(fullShape());
            }
        }
        return scaleTrilLazy;
    }

    /** The scale matrix, as {@code covariance_matrix}. */
    public Tensor covarianceMatrix() {
        if (covarianceGiven != null) {
            return covarianceGiven;
        }
        if (covarianceLazy == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {  // as PyTorch's lazy_property
                covarianceLazy = unbroadcastedScaleTril.matmul(unbroadcastedScaleTril.transpose(-2, -1))
                        .expand(fullShape());
            }
        }
        return covarianceLazy;
    }

    /** The inverse of the scale matrix, as {@code precision_matrix}. */
    public Tensor precisionMatrix() {
        if (precisionGiven != null) {
            return precisionGiven;
        }
        if (precisionLazy == null) {
            try (dev.ember.GradMode on = dev.ember.Ember.enableGrad()) {  // as PyTorch's lazy_property
                Tensor identity = Tensor.eye(p(), p(), unbroadcastedScaleTril.dtype())
                        .to(unbroadcastedScaleTril.device());
                precisionLazy = identity.choleskySolve(unbroadcastedScaleTril, false).expand(fullShape());
            }
        }
        return precisionLazy;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("covariance_matrix", Constraint.POSITIVE_DEFINITE);
        m.put("precision_matrix", Constraint.POSITIVE_DEFINITE);
        m.put("scale_tril", Constraint.LOWER_CHOLESKY);
        int bound = p() - 1;
        // greater_than(event_shape[-1] - 1): an int bound in the repr
        m.put("df", new Constraint("GreaterThan(lower_bound=" + bound + ")", 0, false) {
            @Override
            Tensor test(Tensor v) {
                try (GradMode off = Ember.noGrad()) {
                    return v.detach().gt((double) bound);
                }
            }
        });
        return m;
    }

    /**
     * The given matrices and those computed so far, in {@code arg_constraints} order: PyTorch's {@code lazy_property}
     * keeps a computed covariance, precision or scale_tril in {@code __dict__}, where its repr finds it (the mean,
     * mode and variance compute the covariance).
     */
    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
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
        m.put("df", df);
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.POSITIVE_DEFINITE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    private Tensor dfView() {
        return df.reshape(Dist.concat(batchShape(), new int[] {1, 1}));
    }

    @Override
    public Tensor mean() {
        return dfView().mul(covarianceMatrix());
    }

    @Override
    public Tensor mode() {
        Tensor factor = df.sub((double) (p() + 1));
        factor = factor.maskedFill(factor.le(0.0), Double.NaN);
        return factor.reshape(Dist.concat(batchShape(), new int[] {1, 1})).mul(covarianceMatrix());
    }

    @Override
    public Tensor variance() {
        Tensor v = covarianceMatrix();
        Tensor diagV = v.diagonal(0, -2, -1);
        return dfView().mul(v.pow(2L).add(diagV.unsqueeze(-1).mul(diagV.unsqueeze(-2))));
    }

    private Tensor bartlett(Generator generator, int[] sampleShape) {
        int p = p();
        Tensor chi = chi2.rsample(generator, sampleShape).sqrt();
        Tensor noise = chi.clampMin(Tensor.finfo(chi.dtype()).eps()).diagEmbed();
        Tensor normal;
        try (GradMode off = Ember.noGrad()) {
            // PyTorch draws randn(sample_shape + batch_shape + (p * (p - 1) / 2,)) only, and writes the draws into the
            // strict lower triangle in tril_indices(p, p, -1)'s order (row by row): the generator moves by that many
            int[] shape = noise.shape();
            int[] drawShape = Arrays.copyOf(shape, shape.length - 1);
            drawShape[drawShape.length - 1] = p * (p - 1) / 2;
            Tensor draws = noise.detach().newEmpty(drawShape).normal_(0, 1, generator);
            normal = noise.detach().newZeros(shape);
            int k = 0;
            for (int i = 1; i < p; i++) {
                for (int j = 0; j < i; j++) {
                    normal.select(-2, i).select(-1, j).copy_(draws.select(-1, k++));
                }
            }
        }
        Tensor chol = unbroadcastedScaleTril.matmul(noise.add(normal));
        return chol.matmul(chol.transpose(-2, -1));
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        Dist.require(sampleShape, "rsample", "sample_shape");
        Tensor sample = bartlett(generator, sampleShape);
        int batchDims = batchShape().length;
        for (int i = 0; i < MAX_TRY_CORRECTION; i++) {
            Tensor singular = support().check(sample).logicalNot();
            for (int d = 0; d < batchDims; d++) {
                singular = singular.any(-1);
            }
            if (!singular.any()) {
                break;
            }
            Tensor redraw = bartlett(generator, sampleShape);
            int[] view = Arrays.copyOf(singular.shape(), singular.dim() + batchDims + 2);
            Arrays.fill(view, singular.dim(), view.length, 1);
            sample = Tensor.where(singular.reshape(view), redraw, sample);
        }
        return sample;
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor nu = df;
        int p = p();
        Tensor logDiag = unbroadcastedScaleTril.diagonal(0, -2, -1).log().sum(-1);
        Tensor t1 = nu.neg().mul(logDiag.add(p * LOG_2 / 2));
        Tensor t2 = nu.div(2.0).mvlgamma(p);
        Tensor t3 = nu.sub((double) (p + 1)).div(2.0).mul(value.linalgSlogdet().logabsdet());
        Tensor t4 = value.choleskySolve(unbroadcastedScaleTril, false).diagonal(0, -2, -1).sum(-1).div(2.0);
        return t1.sub(t2).add(t3).sub(t4);
    }

    @Override
    public Tensor entropy() {
        covarianceMatrix(); // PyTorch's entropy reads self.covariance_matrix (unused): the lazy property shows in its repr
        Tensor nu = df;
        int p = p();
        Tensor logDiag = unbroadcastedScaleTril.diagonal(0, -2, -1).log().sum(-1);
        Tensor half = nu.div(2.0);
        Tensor mvdigamma = half.unsqueeze(-1).sub(Tensor.arange(0, p, 1, nu.dtype()).to(nu.device()).div(2.0)
                .expand(Dist.concat(half.shape(), new int[] {p}))).digamma().sum(-1);
        return logDiag.add(p * LOG_2 / 2).mul((double) (p + 1)).add(half.mvlgamma(p))
                .sub(nu.sub((double) (p + 1)).div(2.0).mul(mvdigamma)).add(nu.mul((double) p).div(2.0));
    }

    @Override
    Tensor[] naturalParams() {
        int p = p();
        return new Tensor[] {precisionMatrix().neg().div(2L), df.sub((long) p).sub(1L).div(2L)};
    }

    @Override
    Tensor logNormalizer(Tensor... naturalParams) {
        int p = p();
        Tensor x = naturalParams[0];
        Tensor y = naturalParams[1];
        Tensor a = y.add((p + 1) / 2.0);
        return a.mul(x.mul(-2L).linalgSlogdet().logabsdet().neg().add(LOG_2 * p)).add(a.mvlgamma(p));
    }

    @Override
    public Wishart expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        int[] covShape = Dist.concat(batchShape, eventShape());
        // the scale factor first, then df, as PyTorch's expand (whose error is then the matrices')
        Tensor tril = unbroadcastedScaleTril.expand(covShape);
        Tensor d = df.expand(batchShape);
        Wishart e = new Wishart(new Object[] {batchShape.clone(), eventShape(), d,
            Dist.expandOrNull(covarianceGiven, covShape),
            Dist.expandOrNull(precisionGiven, covShape),
            Dist.expandOrNull(scaleTrilGiven, covShape), tril, null}, validateArgs);
        // and the matrices computed so far, as PyTorch's expand copies whichever its __dict__ holds (its repr lists them)
        e.covarianceLazy = Dist.expandOrNull(covarianceLazy, covShape);
        e.precisionLazy = Dist.expandOrNull(precisionLazy, covShape);
        e.scaleTrilLazy = Dist.expandOrNull(scaleTrilLazy, covShape);
        return e;
    }
}
