package dev.ember;

import dev.ember.backend.Layout;
import dev.ember.backend.OptimizerKind;
import dev.ember.backend.Storage;

/**
 * The fused optimizer update ({@link dev.ember.backend.Backend#optimizerUpdate}) on tensors: one kernel per parameter
 * instead of the optimizer's chain of elementwise ops, with the chain's bits. Internal: public only because the
 * optimizers ({@code dev.ember.optim}) live in another package; they call {@link #fusable} and then {@link #update},
 * and run their chain of ops for anything else.
 */
public final class OptimizerOps {

    private OptimizerOps() {
    }

    /**
     * Whether {@link #update} takes these tensors: all open, float32 or float64 of one type, one shape, one device,
     * contiguous, the written ones (param and state) not inference tensors and on storages of their own (none shared
     * with another operand), and nothing that would record history. A chain of ops does the rest (the half types, a
     * non-contiguous parameter or gradient, views that share storage), with its own checks and errors.
     *
     * @param param the parameter (written)
     * @param grad its gradient (read)
     * @param state the optimizer's state tensors of the parameter (written)
     * @return whether the fused kernel applies
     */
    public static boolean fusable(Tensor param, Tensor grad, Tensor... state) {
        if (param == null || grad == null || state == null || param.isClosed() || grad.isClosed()) {
            return false;
        }
        DType t = param.dtype;
        if (t != DType.FLOAT32 && t != DType.FLOAT64) {
            return false;
        }
        if (GradMode.isEnabled() && (param.requiresGrad() || grad.requiresGrad())) {
            return false;
        }
        if (!param.isContiguous() || !like(grad, param) || param.isInference()) {
            return false;
        }
        Storage ps = param.storage();
        Storage gs = grad.storage();
        if (ps == gs) {
            return false;
        }
        for (int i = 0; i < state.length; i++) {
            Tensor s = state[i];
            if (s == null || s.isClosed() || !like(s, param) || s.isInference()
                    || GradMode.isEnabled() && s.requiresGrad()) {
                return false;
            }
            Storage ss = s.storage();
            if (ss == ps || ss == gs) {
                return false;
            }
            for (int j = 0; j < i; j++) {
                if (state[j].storage() == ss) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean like(Tensor t, Tensor p) {
        return t.dtype == p.dtype && t.device.equals(p.device) && java.util.Arrays.equals(t.shape, p.shape)
                && t.isContiguous();
    }

    /**
     * Updates {@code param} and {@code state} in place by {@code kind}'s rule with the scalars {@code hyper} (see
     * {@link OptimizerKind}), and counts one in-place change of each in its version counter, as the chain's in-place
     * ops did. The tensors must be {@link #fusable}.
     *
     * @param kind the optimizer
     * @param hyper its scalars, in {@link OptimizerKind#slots()}'s order
     * @param param the parameter
     * @param grad its gradient
     * @param state the parameter's state tensors, in {@code kind}'s order
     */
    public static void update(OptimizerKind kind, double[] hyper, Tensor param, Tensor grad, Tensor... state) {
        Storage[] ss = new Storage[state.length];
        Layout[] ls = new Layout[state.length];
        for (int i = 0; i < state.length; i++) {
            ss[i] = state[i].storage();
            ls[i] = state[i].layout;
        }
        AllowMutationOnSavedTensors.beforeWrite(param);
        for (Tensor s : state) {
            AllowMutationOnSavedTensors.beforeWrite(s);
        }
        if (param.numel() > 0) {
            param.backend.optimizerUpdate(kind, hyper, param.storage(), param.layout, grad.storage(), grad.layout, ss, ls);
        }
        param.bumpVersion();
        for (Tensor s : state) {
            s.bumpVersion();
        }
    }
}
