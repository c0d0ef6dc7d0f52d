package dev.ember.distributions;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/**
 * The circular von Mises distribution of location {@code loc} (an angle in radians) and concentration
 * {@code concentration}, as {@code torch.distributions.VonMises}: {@code log_prob} with PyTorch's polynomial
 * {@code _log_modified_bessel_fn} (so its values are PyTorch's), samples by Best and Fisher's rejection sampler
 * (drawn in float64 and rounded to the parameters' type), no {@code rsample}; mean and variance are the circular ones.
 */
public class VonMises extends Distribution {
    private static final double[][] COEF_SMALL = {
        {1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2},
        {0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3}};
    private static final double[][] COEF_LARGE = {
        {0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1, 0.2635537e-1, -0.1647633e-1,
            0.392377e-2},
        {0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1, 0.2282967e-1, -0.2895312e-1, 0.1787654e-1,
            -0.420059e-2}};

    private final Tensor loc;
    private final Tensor concentration;

    /** VonMises(loc, concentration), the two broadcast. */
    public VonMises(Tensor loc, Tensor concentration) {
        this(loc, concentration, null);
    }

    /** VonMises with numbers (float32 0-dim parameters). */
    public VonMises(double loc, double concentration) {
        this(Dist.scalar(loc), Dist.scalar(concentration), null);
    }

    /** VonMises(loc, concentration); {@code validateArgs} null for the global default. */
    public VonMises(Tensor loc, Tensor concentration, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(loc, "VonMises", "loc"), Dist.require(concentration, "VonMises",
                "concentration")), validateArgs);
    }

    private VonMises(Tensor[] p, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.loc = p[0];
        this.concentration = p[1];
        validateParams();
    }

    /** The location (an angle). */
    public Tensor loc() {
        return loc;
    }

    /** The concentration. */
    public Tensor concentration() {
        return concentration;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("loc", Constraint.REAL, "concentration", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("loc", loc, "concentration", concentration);
    }

    @Override
    public Constraint support() {
        return Constraint.REAL;
    }

    /** {@code _eval_poly}: Horner's rule, the last coefficient first. */
    private static Tensor evalPoly(Tensor y, double[] coef) {
        Tensor result = null;
        for (int i = coef.length - 1; i >= 0; i--) {
            result = result == null ? y.fullLike(coef[i]) : y.mul(result).add(coef[i]);
        }
        return result;
    }

    /** {@code _log_modified_bessel_fn(x, order)}: log I_order(x) for x &gt; 0, order 0 or 1 (PyTorch's polynomials). */
    static Tensor logModifiedBessel(Tensor x, int order) {
        Tensor y = x.div(3.75);
        y = y.mul(y);
        Tensor small = evalPoly(y, COEF_SMALL[order]);
        if (order == 1) {
            small = x.abs().mul(small);
        }
        small = small.log();
        y = x.reciprocal().mul(3.75);
        Tensor large = x.sub(x.log().mul(0.5)).add(evalPoly(y, COEF_LARGE[order]).log());
        return Tensor.where(x.lt(3.75), small, large);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor lp = concentration.mul(value.sub(loc).cos());
        return lp.sub(Math.log(2 * Math.PI)).sub(logModifiedBessel(concentration, 0));
    }

    /** Best and Fisher's rejection sampler (float64 draws from {@code generator}), with no history. */
    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            Tensor l = loc.detach().to(DType.FLOAT64);
            Tensor kappa = concentration.detach().to(DType.FLOAT64);
            Tensor tau = kappa.pow(2L).mul(4L).add(1L).sqrt().add(1L);
            Tensor rho = tau.sub(tau.mul(2L).sqrt()).div(kappa.mul(2L));
            Tensor r = rho.pow(2L).add(1L).div(rho.mul(2L));
            // the second-order Taylor expansion around 0 where rho underflows (PyTorch 2.x's _proposal_r)
            r = Tensor.where(kappa.lt(1e-5), kappa.reciprocal().add(kappa), r);
            Tensor x = l.newZeros(shape);
            Tensor done = x.ne(x);
            while (!done.all()) {
                Tensor u1 = l.newEmpty(shape).uniform_(0, 1, generator);
                Tensor u2 = l.newEmpty(shape).uniform_(0, 1, generator);
                Tensor u3 = l.newEmpty(shape).uniform_(0, 1, generator);
                Tensor z = u1.mul(Math.PI).cos();
                Tensor f = r.mul(z).add(1L).div(r.add(z));
                Tensor c = kappa.mul(r.sub(f));
                Tensor accept = c.mul(c.rsub(2L)).sub(u2).gt(0L).logicalOr(c.div(u2).log().add(1L).sub(c).ge(0L));
                if (accept.any()) {
                    x = Tensor.where(accept, u3.sub(0.5).sign().mul(f.acos()), x);
                    done = done.logicalOr(accept);
                }
            }
            return x.add(Math.PI).add(l).remainder(2 * Math.PI).sub(Math.PI).to(loc.dtype());
        }
    }

    /** The circular mean, {@code loc}. */
    @Override
    public Tensor mean() {
        return loc;
    }

    @Override
    public Tensor mode() {
        return loc;
    }

    /** The circular variance, {@code 1 - I1(concentration) / I0(concentration)}. */
    @Override
    public Tensor variance() {
        return logModifiedBessel(concentration, 1).sub(logModifiedBessel(concentration, 0)).exp().rsub(1L);
    }

    @Override
    public VonMises expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new VonMises(loc.expand(batchShape), concentration.expand(batchShape), validateArgs);
    }
}
