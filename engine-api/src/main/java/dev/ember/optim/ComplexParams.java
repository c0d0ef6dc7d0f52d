package dev.ember.optim;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Complex parameters in the optimizers, as PyTorch 2.x's: every optimizer views a complex parameter, its gradient and
 * its state as real ({@code torch.view_as_real}), so the update is the real update of the parts, while the state stays
 * complex (PyTorch's {@code state[p]['exp_avg']} is a complex tensor). SGD, whose update is linear, gives the same
 * either way. LBFGS flattens the real views ({@link #real}).
 */
final class ComplexParams {
    private ComplexParams() {
    }

    /** {@code t} as the optimizers compute on it: its real view when complex (a view: writes reach {@code t}). */
    static Tensor real(Tensor t) {
        return t != null && t.isComplex() ? t.viewAsReal() : t;
    }

    /**
     * Runs {@code update} on the real views of a complex {@code p}, its gradient and its state; state the update makes or
     * replaces (real, of the view's shape) is stored as the complex tensor it views, step count and scalars as they are.
     */
    static void apply(Optimizer.ParameterUpdate update, ParamGroup group, Tensor p, Tensor grad, Optimizer.ParamState s,
                      boolean fresh) {
        Optimizer.ParamState r = new Optimizer.ParamState();
        r.step = s.step;
        r.scalars.putAll(s.scalars);
        Map<Tensor, Tensor> viewed = new IdentityHashMap<>();
        for (Map.Entry<String, Tensor> e : s.tensors.entrySet()) {
            Tensor v = real(e.getValue());
            viewed.put(v, e.getValue());
            r.tensors.put(e.getKey(), v);
        }
        Tensor pr = p.viewAsReal();
        update.apply(group, pr, real(grad), r, fresh);
        List<Map.Entry<String, Tensor>> back = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : r.tensors.entrySet()) {
            Tensor v = e.getValue();
            Tensor original = viewed.get(v);
            back.add(Map.entry(e.getKey(), original != null ? original : complexOf(v, pr)));
        }
        s.step = r.step;
        s.scalars.clear();
        s.scalars.putAll(r.scalars);
        s.tensors.clear();
        for (Map.Entry<String, Tensor> e : back) {
            s.put(e.getKey(), e.getValue());
        }
    }

    /** A new piece of state: the complex tensor of a real one shaped as the parameter's real view, else itself. */
    private static Tensor complexOf(Tensor v, Tensor realView) {
        if (v.isComplex() || !java.util.Arrays.equals(v.shape(), realView.shape()) || v.dtype() != realView.dtype()) {
            return v;
        }
        Tensor c = v.contiguous();
        return (c.storageOffset() % 2 == 0 ? c : c.clone()).viewAsComplex();
    }
}
