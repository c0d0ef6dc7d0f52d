package dev.ember.optim;

import dev.ember.Format;
import dev.ember.Tensor;
import dev.ember.sparse.SparseGrads;
import dev.ember.sparse.SparseTensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.SparseAdam}: Adam for parameters whose gradient is sparse ({@code nn.Embedding(n, d, sparse=True)}),
 * PyTorch 2.x's algorithm ({@code torch/optim/sparse_adam.py}, {@code _functional.sparse_adam}): the gradient is
 * coalesced (each row once: the update is not linear), and only the rows it holds move, with their moments:
 * {@code m[rows] += (1 - beta1) * (g - m[rows])}, {@code v[rows] += (1 - beta2) * (g^2 - v[rows])},
 * {@code p[rows] -= lr * sqrt(1 - beta2^step) / (1 - beta1^step) * m[rows] / (sqrt(v[rows]) + eps)}; the other rows'
 * moments are left as they are (not decayed, unlike Adam's). The step counts every step the parameter had a gradient,
 * with entries or not. Options: {@code lr} (default 0.001), {@code betas} ((0.9, 0.999)), {@code eps} (1e-8),
 * {@code maximize} (false); state: {@code step} (a Python int in PyTorch's state dict, a {@code Long} here),
 * {@code exp_avg}, {@code exp_avg_sq}. A dense gradient is refused ("SparseAdam does not support dense gradients, please
 * consider Adam instead"); PyTorch's documentation recommends SparseAdam for the embeddings and Adam for the rest of the
 * model, two optimizers. Ember's parameters are always dense tensors, so PyTorch's "SparseAdam requires dense parameter
 * tensors" cannot arise.
 */
public final class SparseAdam extends Optimizer {

    /** SparseAdam with PyTorch's defaults: lr 0.001, betas (0.9, 0.999), eps 1e-8. */
    public SparseAdam(List<Tensor> params) {
        this(params, 1e-3);
    }

    /** SparseAdam with PyTorch's defaults but the learning rate. */
    public SparseAdam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, false);
    }

    /**
     * SparseAdam with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a learning rate or eps not positive, a beta outside
     *     [0, 1), or complex parameters ("Complex params at indices [[0, 1]]: SparseAdam does not support complex
     *     parameters", 2.x's)
     */
    public SparseAdam(List<Tensor> params, double lr, double beta1, double beta2, double eps, boolean maximize) {
        super(params, defaults(lr, beta1, beta2, eps, maximize), SparseAdam::check);
        List<String> complex = new ArrayList<>();
        for (int g = 0; g < paramGroups().size(); g++) {
            List<Tensor> ps = paramGroups().get(g).params();
            for (int i = 0; i < ps.size(); i++) {
                if (ps.get(i).isComplex()) {
                    complex.add("[" + g + ", " + i + "]");
                }
            }
        }
        if (!complex.isEmpty()) {
            throw new IllegalArgumentException("Complex params at indices " + complex
                    + ": SparseAdam does not support complex parameters");
        }
    }

    private static Map<String, Object> defaults(double lr, double beta1, double beta2, double eps, boolean maximize) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("betas", List.of(beta1, beta2));
        d.put("eps", eps);
        d.put("maximize", maximize);
        for (Map.Entry<String, Object> e : d.entrySet()) {
            check(e.getKey(), e.getValue());
        }
        return d;
    }

    /** PyTorch's checks: {@code 0 < lr}, {@code 0 < eps} (nan and infinity refused too), betas in [0, 1). */
    private static void check(String name, Object value) {
        switch (name) {
            case "lr":
                if (!((Double) value > 0) || Double.isInfinite((Double) value)) {
                    throw new IllegalArgumentException("Invalid learning rate: " + Format.repr((Double) value));
                }
                break;
            case "eps":
                if (!((Double) value > 0) || Double.isInfinite((Double) value)) {
                    throw new IllegalArgumentException("Invalid epsilon value: " + Format.repr((Double) value));
                }
                break;
            default:
                checkCommon(name, value);
        }
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    String sparseGradRefusal() {
        return null;
    }

    @Override
    boolean acceptsDenseGrad() {
        return false;
    }

    @Override
    boolean stepIsInt() {
        return true;
    }

    /**
     * One update of every parameter that has a gradient (each must be sparse); checks them all, and their moments,
     * first, so a refused step changes nothing.
     *
     * @throws IllegalStateException for a dense gradient, with PyTorch's message
     */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        forEachParameter((group, p, grad, s, fresh) -> {
            AdamOptions o = AdamOptions.of(group);
            if (fresh) {
                s.put("exp_avg", p.zerosLike());
                s.put("exp_avg_sq", p.zerosLike());
            }
            s.step++;
            SparseTensor g = sparseGradFor(group, p);
            Tensor values = g._values();
            if (values.numel() == 0) {
                return; // PyTorch skips an empty gradient, its step counted
            }
            Tensor expAvg = s.tensor("exp_avg");
            Tensor expAvgSq = s.tensor("exp_avg_sq");
            // old <- b * old + (1 - b) * new, as old += (1 - b) * (new - old), at the gradient's rows only
            Tensor oldExpAvg = SparseGrads.maskedValues(expAvg, g);
            Tensor expAvgUpdate = values.sub(oldExpAvg).mul_(1 - o.beta1());
            SparseGrads.addInto(expAvg, SparseGrads.withValues(g, expAvgUpdate), 1);
            Tensor oldExpAvgSq = SparseGrads.maskedValues(expAvgSq, g);
            Tensor expAvgSqUpdate = values.pow(2).sub_(oldExpAvgSq).mul_(1 - o.beta2());
            SparseGrads.addInto(expAvgSq, SparseGrads.withValues(g, expAvgSqUpdate), 1);
            Tensor numer = expAvgUpdate.add_(oldExpAvg);
            Tensor denom = expAvgSqUpdate.add_(oldExpAvgSq).sqrt_().add_(o.eps());
            double biasCorrection1 = 1 - Math.pow(o.beta1(), s.step);
            double biasCorrection2 = 1 - Math.pow(o.beta2(), s.step);
            double stepSize = o.lr() * Math.sqrt(biasCorrection2) / biasCorrection1;
            SparseGrads.addInto(p, SparseGrads.withValues(g, numer.div_(denom).mul_(-stepSize)), 1);
        });
    }
}
