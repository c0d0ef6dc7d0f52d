package dev.ember.distributions;

import dev.ember.AutogradFunction;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Dirichlet distribution over the simplex along the last dim, as {@code torch.distributions.Dirichlet}. Samples are
 * normalized standard Gamma draws; their gradient is the pathwise one through the Gammas' implicit reparameterization
 * (unbiased, as PyTorch's {@code _dirichlet_grad}, though not equal to it sample by sample).
 */
public class Dirichlet extends ExponentialFamily {
    private final Tensor concentration;

    /** Dirichlet(concentration), at least 1-D. */
    public Dirichlet(Tensor concentration) {
        this(concentration, null);
    }

    /** Dirichlet(concentration); {@code validateArgs} null for the global default. */
    public Dirichlet(Tensor concentration, Boolean validateArgs) {
        super(batchOf(concentration), new int[] {concentration.size(-1)}, validateArgs);
        this.concentration = concentration;
        validateParams();
    }

    private static int[] batchOf(Tensor c) {
        Dist.require(c, "Dirichlet", "concentration");
        if (c.dim() < 1) {
            throw new IllegalArgumentException("`concentration` parameter must be at least one-dimensional.");
        }
        int[] s = c.shape();
        return Arrays.copyOf(s, s.length - 1);
    }

    /** The concentration vector(s). */
    public Tensor concentration() {
        return concentration;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("concentration", Constraint.independent(Constraint.POSITIVE, 1));
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
        return Constraint.SIMPLEX;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return concentration.div(concentration.sum(new int[] {-1}, true));
    }

    @Override
    public Tensor mode() {
        Tensor cm1 = concentration.sub(1.0).clampMin(0.0);
        Tensor mode = cm1.div(cm1.sum(new int[] {-1}, true));
        // where every concentration is below 1: the one-hot vector of the largest
        Tensor mask = concentration.lt(1.0).all(-1).unsqueeze(-1);
        Tensor oneHot = Functional.oneHot(mode.argmax(-1, false), cm1.size(-1)).to(mode.dtype());
        return Tensor.where(mask.expand(mode.shape()), oneHot, mode);
    }

    @Override
    public Tensor variance() {
        Tensor con0 = concentration.sum(new int[] {-1}, true);
        return concentration.mul(con0.sub(concentration)).div(con0.pow(2L).mul(con0.add(1.0)));
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        return new _Dirichlet(generator).apply(concentration.expand(shape));
    }

    /**
     * PyTorch's {@code _Dirichlet} autograd function (so named that its node is PyTorch's {@code _DirichletBackward}): {@code torch._sample_dirichlet} forward, and the once-differentiable
     * backward {@code _dirichlet_grad(x, concentration, total) * (grad - (x * grad).sum(-1, keepdim))} with total the
     * concentrations' sum over the last dimension.
     */
    private static final class _Dirichlet extends AutogradFunction {
        private final Generator generator;

        _Dirichlet(Generator generator) {
            this.generator = generator;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            Tensor x = Tensor.sampleDirichlet(in[0], generator);
            ctx.saveForBackward(x, in[0]);
            return new Tensor[] {x};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... grads) {
            Tensor[] saved = ctx.savedTensors();
            Tensor x = saved[0];
            Tensor concentration = saved[1];
            Tensor total = concentration.sum(new int[] {-1}, true).expand(concentration.shape());
            Tensor grad = Tensor.dirichletGrad(x, concentration, total);
            Tensor g = grads[0];
            return new Tensor[] {grad.mul(g.sub(x.mul(g).sum(new int[] {-1}, true)))};
        }

        @Override
        protected boolean onceDifferentiable() {
            return true;
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        return concentration.sub(1.0).xlogy(value).sum(-1).add(concentration.sum(-1).lgamma())
                .sub(concentration.lgamma().sum(-1));
    }

    @Override
    public Tensor entropy() {
        int k = concentration.size(-1);
        Tensor a0 = concentration.sum(-1);
        return concentration.lgamma().sum(-1).sub(a0.lgamma()).sub(a0.rsub((double) k).mul(a0.digamma()))
                .sub(concentration.sub(1.0).mul(concentration.digamma()).sum(-1));
    }

    @Override
    public Dirichlet expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Dirichlet(concentration.expand(Dist.concat(batchShape, eventShape())), validateArgs);
    }
}
