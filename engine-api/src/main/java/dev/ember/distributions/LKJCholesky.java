package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LKJ distribution over the lower Cholesky factors of {@code dim x dim} correlation matrices, of concentration
 * {@code concentration}, as {@code torch.distributions.LKJCholesky}: samples by the onion method (Beta-distributed
 * squared row norms times uniform directions), {@code log_prob} as PyTorch's (the diagonal's powers and the
 * normalizing multivariate log-gamma).
 */
public class LKJCholesky extends Distribution {
    private final int dim;
    private final Tensor concentration;
    private final Beta beta;

    /** LKJCholesky(dim, concentration=1.) with a number (a 0-dim tensor of the default type). */
    public LKJCholesky(int dim, double concentration) {
        this(dim, Dist.scalar(concentration), null);
    }

    /**
     * LKJCholesky(dim, concentration, validate_args); {@code validateArgs} null for the global default.
     *
     * @throws IllegalArgumentException PyTorch's message where {@code dim < 2}
     */
    public LKJCholesky(int dim, Tensor concentration, Boolean validateArgs) {
        this(dim, checkDim(dim, Dist.require(concentration, "LKJCholesky", "concentration")), beta(dim, concentration),
                validateArgs);
    }

    private LKJCholesky(int dim, Tensor concentration, Beta beta, Boolean validateArgs) {
        super(concentration.shape(), new int[] {dim, dim}, validateArgs);
        this.dim = dim;
        this.concentration = concentration;
        this.beta = beta;
        validateParams();
    }

    private static Tensor checkDim(int dim, Tensor concentration) {
        if (dim < 2) {
            throw new IllegalArgumentException("Expected dim to be an integer greater than or equal to 2. Found dim=" + dim
                    + ".");
        }
        return concentration;
    }

    private static Beta beta(int dim, Tensor concentration) {
        checkDim(dim, concentration);
        Tensor marginalConc = concentration.add(0.5 * (dim - 2));
        Tensor offset = Tensor.arange(0, dim - 1, 1, concentration.dtype()).to(concentration.device());
        offset = Tensor.cat(java.util.List.of(offset.newZeros(1), offset), 0);
        Tensor betaConc1 = offset.add(0.5);
        Tensor betaConc0 = marginalConc.unsqueeze(-1).sub(offset.mul(0.5));
        return new Beta(betaConc1, betaConc0);
    }

    /** The matrices' size, as {@code dim}. */
    public int dim() {
        return dim;
    }

    /** The concentration. */
    public Tensor concentration() {
        return concentration;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("concentration", Constraint.POSITIVE);
        return m;
    }

    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("concentration", concentration);
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.CORR_CHOLESKY;
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            Tensor y = beta.sample(generator, sampleShape).unsqueeze(-1);
            Tensor uNormal = y.newEmpty(shape).normal_(0, 1, generator).tril(-1);
            Tensor uHypersphere = uNormal.div(uNormal.norm(2.0, new int[] {-1}, true));
            // the first row is zero (its 0/0 replaced)
            uHypersphere = Tensor.cat(java.util.List.of(uHypersphere.narrow(-2, 0, 1).zerosLike(),
                    uHypersphere.narrow(-2, 1, dim - 1)), -2);
            Tensor w = y.sqrt().mul(uHypersphere);
            double eps = Tensor.finfo(w.dtype()).tiny();
            Tensor diagElems = w.pow(2L).sum(-1).rsub(1.0).clampMin(eps).sqrt();
            return w.add(diagElems.diagEmbed());
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor diagElems = value.diagonal(0, -1, -2).narrow(-1, 1, dim - 1);
        Tensor order = Tensor.arange(2, dim + 1, 1, dev.ember.DType.INT64).to(concentration.device());
        order = concentration.sub(1.0).unsqueeze(-1).mul(2L).add((long) dim).sub(order);
        Tensor unnormalizedLogPdf = order.mul(diagElems.log()).sum(-1);
        int dm1 = dim - 1;
        Tensor alpha = concentration.add(0.5 * dm1);
        Tensor denominator = alpha.lgamma().mul((long) dm1);
        Tensor numerator = alpha.sub(0.5).mvlgamma(dm1);
        double piConstant = 0.5 * dm1 * Math.log(Math.PI);
        Tensor normalizeTerm = numerator.add(piConstant).sub(denominator);
        return unnormalizedLogPdf.sub(normalizeTerm);
    }

    @Override
    public LKJCholesky expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new LKJCholesky(dim, concentration.expand(batchShape), beta.expand(Dist.concat(batchShape, new int[] {dim})),
                validateArgs);
    }
}
