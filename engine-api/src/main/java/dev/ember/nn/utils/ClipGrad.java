package dev.ember.nn.utils;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}, {@code clip_grad_value_}, {@code get_total_norm} and
 * {@code clip_grads_with_norm_} (PyTorch 2.x). Everything stays on the gradients' device: the total norm is a 0-dim
 * tensor, and the clipping coefficient {@code min(1, max_norm / (total_norm + 1e-6))} multiplies each gradient as a
 * tensor, so clipping reads nothing back to the host (only {@code errorIfNonfinite} reads the norm's finiteness, once).
 * Parameters without a gradient are skipped. {@code foreach} is accepted for PyTorch's signature: Ember has no
 * multi-tensor kernels yet, so both paths run one norm and one multiplication per gradient on its device.
 */
public final class ClipGrad {
    private ClipGrad() {
    }

    /** {@link #clipGradNorm_(List, double, double, boolean, Boolean)} with the 2-norm. */
    public static Tensor clipGradNorm_(List<Tensor> parameters, double maxNorm) {
        return clipGradNorm_(parameters, maxNorm, 2.0, false, null);
    }

    /** {@link #clipGradNorm_(List, double, double, boolean, Boolean)} with the given norm. */
    public static Tensor clipGradNorm_(List<Tensor> parameters, double maxNorm, double normType) {
        return clipGradNorm_(parameters, maxNorm, normType, false, null);
    }

    /**
     * Scales the parameters' gradients in place so that their total norm (the {@code normType}-norm of the vector of
     * every gradient's norm; {@code Double.POSITIVE_INFINITY} for the largest absolute value) is at most
     * {@code maxNorm}, as {@code torch.nn.utils.clip_grad_norm_}.
     *
     * @param foreach PyTorch's {@code foreach} (null: the default); the same computation either way in Ember
     * @return the total norm before clipping, a 0-dim tensor on the first gradient's device (float32 0 on the CPU when no
     *     parameter has a gradient)
     * @throws IllegalArgumentException for a null list or element, or, with {@code errorIfNonfinite}, a total norm that is
     *     nan or infinite (PyTorch's message), in which case no gradient is changed
     * @throws UnsupportedOperationException for a sparse gradient ({@link Tensor#isGradSparse()}), which PyTorch 2.x's
     *     norm has no kernel for; no gradient is changed
     */
    public static Tensor clipGradNorm_(List<Tensor> parameters, double maxNorm, double normType, boolean errorIfNonfinite,
                                       Boolean foreach) {
        List<Tensor> grads = grads(parameters, "clip_grad_norm_");
        try (GradMode off = Ember.noGrad()) {
            Tensor total = totalNorm(grads, normType, errorIfNonfinite);
            clip(grads, maxNorm, total);
            return total;
        }
    }

    /**
     * The total norm of a list of tensors, as {@code torch.nn.utils.get_total_norm}: the {@code normType}-norm of their
     * norms.
     *
     * @return a 0-dim tensor on the first tensor's device (float32 0 on the CPU for an empty list)
     * @throws IllegalArgumentException for a null list or element, or, with {@code errorIfNonfinite}, a norm that is nan
     *     or infinite
     */
    public static Tensor getTotalNorm(List<Tensor> tensors, double normType, boolean errorIfNonfinite, Boolean foreach) {
        List<Tensor> ts = checked(tensors, "get_total_norm", "tensors");
        try (GradMode off = Ember.noGrad()) {
            return totalNorm(ts, normType, errorIfNonfinite);
        }
    }

    /**
     * Scales the parameters' gradients by {@code min(1, maxNorm / (totalNorm + 1e-6))}, as
     * {@code torch.nn.utils.clip_grads_with_norm_} (with a total norm from {@link #getTotalNorm}).
     *
     * @throws IllegalArgumentException for a null list, element or norm
     */
    public static void clipGradsWithNorm_(List<Tensor> parameters, double maxNorm, Tensor totalNorm, Boolean foreach) {
        List<Tensor> grads = grads(parameters, "clip_grads_with_norm_");
        if (totalNorm == null) {
            throw new IllegalArgumentException("clip_grads_with_norm_(): argument 'total_norm' must be Tensor, not NoneType");
        }
        try (GradMode off = Ember.noGrad()) {
            clip(grads, maxNorm, totalNorm);
        }
    }

    /** {@link #clipGradValue_(List, double, Boolean)} with the default {@code foreach}. */
    public static void clipGradValue_(List<Tensor> parameters, double clipValue) {
        clipGradValue_(parameters, clipValue, null);
    }

    /**
     * Clamps every gradient to {@code [-clipValue, clipValue]} in place, as {@code torch.nn.utils.clip_grad_value_} (a
     * negative value clamps everything to {@code clipValue}, as PyTorch's clamp with min above max).
     *
     * @throws IllegalArgumentException for a null list or element, or a complex gradient (PyTorch's clamp refuses
     *     them), before any gradient changes
     */
    public static void clipGradValue_(List<Tensor> parameters, double clipValue, Boolean foreach) {
        List<Tensor> grads = grads(parameters, "clip_grad_value_");
        for (Tensor g : grads) {
            if (g.isComplex()) { // PyTorch's clamp refuses complex gradients; none is changed here
                throw new IllegalArgumentException("clamp is not supported for complex types");
            }
        }
        try (GradMode off = Ember.noGrad()) {
            for (Tensor g : grads) {
                g.clamp_(-clipValue, clipValue);
            }
        }
    }

    private static List<Tensor> checked(List<Tensor> tensors, String fn, String name) {
        if (tensors == null) {
            throw new IllegalArgumentException(fn + "(): argument '" + name + "' must be an iterable of Tensors, not NoneType");
        }
        List<Tensor> out = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            if (t == null) {
                throw new IllegalArgumentException(fn + "(): argument '" + name + "' must be an iterable of Tensors, but "
                        + "element " + out.size() + " is None");
            }
            out.add(t);
        }
        return out;
    }

    private static List<Tensor> grads(List<Tensor> parameters, String fn) {
        List<Tensor> out = new ArrayList<>();
        List<Tensor> ps = checked(parameters, fn, "parameters");
        for (Tensor p : ps) {
            if (p.isGradSparse() && !fn.equals("clip_grads_with_norm_")) {
                // PyTorch 2.x computes the norms with _foreach_norm and clips values with _foreach_clamp_min_ (its
                // default foreach path on CPU and CUDA), neither of which has a sparse kernel (nor has the per-tensor
                // linalg.vector_norm/clamp_): it refuses a sparse gradient, here before any gradient changes
                String op = fn.equals("clip_grad_value_") ? "aten::_foreach_clamp_min_.Scalar" : "aten::_foreach_norm.Scalar";
                throw new UnsupportedOperationException("Could not run '" + op + "' with arguments from the '"
                        + (p.device().isCpu() ? "SparseCPU" : "SparseCUDA") + "' backend.");
            }
        }
        for (Tensor p : ps) {
            // clip_grads_with_norm_ scales a sparse gradient's values in place (a sparse mul_, as PyTorch's)
            Tensor g = p.isGradSparse() ? dev.ember.sparse.SparseGrads.valuesOf(p.sparseGrad()) : p.grad();
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }

    private static Tensor totalNorm(List<Tensor> tensors, double normType, boolean errorIfNonfinite) {
        if (tensors.isEmpty()) {
            return Tensor.tensor(0.0, dev.ember.Ember.getDefaultDtype(), Device.CPU); // torch.tensor(0.0)
        }
        Device first = tensors.get(0).device();
        List<Tensor> norms = new ArrayList<>(tensors.size());
        boolean wide = false;
        for (Tensor t : tensors) {
            Tensor n = t.vectorNorm(normType, null, false);
            norms.add(n.to(first));
            wide |= n.dtype() == DType.FLOAT64;
        }
        if (wide) {
            // torch.stack promotes a mix of float32 and float64 norms to float64
            norms.replaceAll(n -> n.to(DType.FLOAT64));
        }
        Tensor total = Tensor.stack(norms, 0).vectorNorm(normType, null, false);
        if (errorIfNonfinite && !total.isfinite().any()) {
            throw new IllegalArgumentException("The total norm of order " + Format.repr(normType) + " for gradients from "
                    + "`parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by "
                    + "the non-finite norm anyway, set `error_if_nonfinite=False`");
        }
        return total;
    }

    private static void clip(List<Tensor> grads, double maxNorm, Tensor total) {
        if (grads.isEmpty()) {
            return;
        }
        // PyTorch's max_norm / (total_norm + 1e-6) is Python's number / tensor: tensor.reciprocal() * number
        Tensor coef = total.add(1e-6).reciprocal().mul(maxNorm).clampMax(1.0);
        for (Tensor g : grads) {
            g.mul_(coef.to(g.device()));
        }
    }
}
