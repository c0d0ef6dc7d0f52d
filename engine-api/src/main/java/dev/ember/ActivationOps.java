package dev.ember;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.RandomKind;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;

/**
 * The activations PyTorch computes as one op with its own backward node ({@code gelu}, {@code leaky_relu}, {@code elu}
 * (and {@code selu}, which PyTorch computes as elu), {@code celu}, {@code silu}, {@code mish}, {@code softplus},
 * {@code hardtanh} (and {@code relu6}), {@code hardswish}) and {@code native_dropout}. Each checks its arguments,
 * computes its forward with the elementwise kernels without recording the intermediate ops, and records one node whose
 * backward is PyTorch's formula from derivatives.yaml ({@code gelu_backward}, {@code elu_backward}, ...), written in
 * Tensor ops (gelu's: its backward kernel) so that it runs on every backend. Under create_graph the backwards of gelu,
 * elu (selu, celu), softplus and the piecewise-linear ones are PyTorch's own nodes (GeluBackwardBackward0,
 * EluBackwardBackward0, SoftplusBackwardBackward0, LeakyReluBackwardBackward0, ...), differentiated by
 * derivatives.yaml's double-backward formulas ({@link #backwardNode}).
 */
final class ActivationOps {
    private ActivationOps() {
    }

    /** PyTorch's {@code M_SQRT1_2}, {@code M_2_SQRTPI * M_SQRT1_2 * 0.5} and the tanh form's constants. */
    private static final double SQRT1_2 = 0.70710678118654752440;
    private static final double BETA = Math.sqrt(2) * (2 / Math.sqrt(Math.PI)) * 0.5; // sqrt(2 / pi)
    private static final double KAPPA = 0.044715;
    private static final double PDF_SCALE = (2 / Math.sqrt(Math.PI)) * SQRT1_2 * 0.5; // 1 / sqrt(2 pi)

    /** SELU's constants, as PyTorch's {@code SELU_ALPHA} and {@code SELU_SCALE}. */
    static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    static final double SELU_SCALE = 1.0507009873554804934193349852946;

    /** PyTorch's dispatch error for a floating-only activation: {@code "silu_cpu" not implemented for 'Long'}. */
    static void checkFloating(Tensor x, String cpuKernel, String cudaKernel) {
        if (!x.dtype.isFloatingPoint() && !x.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented(x.device.isCpu() ? cpuKernel : cudaKernel, x.dtype);
        }
    }

    /** {@code where(cond, 0, g)}: the exact zero PyTorch's formulas write where no gradient flows (also for NaN g). */
    static Tensor zeroWhere(Tensor cond, Tensor g) {
        return ArithmeticOps.where(cond, Creation.wrap(0.0), g);
    }

    /** The forward, computed without recording. */
    static Tensor forward(Tensor x, java.util.function.UnaryOperator<Tensor> f) {
        try (GradMode off = Ember.noGrad()) {
            // float16 and bfloat16 compute in float32 and round once, as PyTorch's CPU kernels (opmath_type)
            Tensor out = ReductionOps.narrowedBack(f.apply(ReductionOps.opmath(x)), x.dtype);
            // an integer meta input (which only a meta kernel accepts) keeps its type, as PyTorch's meta function
            return x.device.isMeta() && out.dtype != x.dtype ? ArithmeticOps.cast(out, x.dtype) : out;
        }
    }

    /** Records one node over {@code x} whose backward maps (grad, saved x) to the input's gradient. */
    static Tensor record(Tensor out, String name, Tensor x, java.util.function.BinaryOperator<Tensor> backward) {
        return ArithmeticOps.record(out, name, new Tensor[] {x}, n -> {
            SavedTensor sx = n.save(x);
            DType dt = x.dtype; // the type, not x: the closure keeps no tensor the hooks did not see
            if (dt.isReducedFloatingPoint()) {
                // float16 and bfloat16: the backward in float32 from the reduced values, rounded once, as PyTorch's
                return g -> new Tensor[] {ReductionOps.narrowedBack(backward.apply(ReductionOps.opmath(g),
                    ReductionOps.opmath(sx.get())), dt)};
            }
            return g -> new Tensor[] {backward.apply(g, sx.get())};
        });
    }

    /**
     * The backward of a piecewise-linear activation, {@code f(g, x)} (linear in {@code g}, {@code x} only choosing the
     * pieces), recorded under create_graph as PyTorch's node {@code name} (LeakyReluBackwardBackward0 and the like)
     * with derivatives.yaml's formulas: the same backward of the incoming gradient for {@code g} and zeros for
     * {@code x}. So a second derivative through such an activation is zero, as PyTorch's, where a graph without the
     * node had no path to {@code x} and refused ("does not require grad").
     */
    static Tensor piecewiseLinearBackward(String name, Tensor g, Tensor x, java.util.function.BinaryOperator<Tensor> f) {
        return backwardNode(name, g, x, f, (gg, gs, xs) -> gg.zerosLike());
    }

    /** A double backward's formula for the saved input: (gradient of the backward's result, its g, its x) to x's. */
    @FunctionalInterface
    interface DoubleBackward {
        Tensor apply(Tensor gg, Tensor g, Tensor x);
    }

    /**
     * An activation's backward {@code f(g, x)} (linear in {@code g}), computed without recording and, under
     * create_graph, recorded as PyTorch's node {@code name} over {@code (grad_output, self)} (GeluBackwardBackward0 and
     * the like) with derivatives.yaml's formulas: for {@code g} the same backward of the incoming gradient (this node
     * again), for {@code x} {@code second(gg, g, x)}, written in Tensor ops so that it differentiates further (PyTorch's
     * {@code gelu_double_backward}, {@code softplus_double_backward}, ...).
     */
    static Tensor backwardNode(String name, Tensor g, Tensor x, java.util.function.BinaryOperator<Tensor> f,
                               DoubleBackward second) {
        Tensor r;
        try (GradMode off = Ember.noGrad()) {
            r = f.apply(g, x);
        }
        return ArithmeticOps.record(r, name, new Tensor[] {g, x}, n -> {
            SavedTensor sg = n.needsInputGrad(1) ? n.save(g) : null;
            SavedTensor sx = n.save(x);
            return gg -> new Tensor[] {
                n.needsInputGrad(0) ? backwardNode(name, gg, sx.get(), f, second) : null,
                n.needsInputGrad(1) ? second.apply(gg, sg.get(), sx.get()) : null};
        });
    }

    // ------------------------------------------------------------------ gelu

    /** {@code gelu(x, approximate)}: "none" (erf) or "tanh"; GeluBackward0 with gelu_backward. */
    static Tensor gelu(Tensor x, String approximate) {
        boolean tanh;
        if ("none".equals(approximate)) {
            tanh = false;
        } else if ("tanh".equals(approximate)) {
            tanh = true;
        } else {
            throw new IllegalArgumentException("approximate argument must be either none or tanh.");
        }
        checkFloating(x, "GeluKernelImpl", "GeluCUDAKernelImpl");
        // one kernel, as PyTorch's GeluKernelImpl: 0.5 x (1 + erf(x / sqrt 2)) or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        // the erf form told whether x itself is contiguous with more than one element (PyTorch's use_mkldnn(self))
        Tensor out = tanh ? ArithmeticOps.unaryKernel(UnaryOp.GELU_TANH, x, x.dtype)
                : OutputLayouts.allocate(x.shape, x.dtype, x.device, x).gelu(x.isContiguous() && x.numel() > 1, x);
        return record(out, "GeluBackward0", x, (g, xs) -> backwardNode("GeluBackwardBackward0", g, xs,
                (gg, xx) -> geluBackward(gg, xx, tanh), (gg, gs, xx) -> geluDoubleBackward(gg, gs, xx, tanh)));
    }

    /** PyTorch's gelu_backward: one kernel (GeluBackwardKernelImpl), computed without recording. */
    static Tensor geluBackward(Tensor g, Tensor x, boolean tanh) {
        DType type = ArithmeticOps.resultType(g, x);
        if (!tanh && g.dtype == type && x.dtype == type && java.util.Arrays.equals(g.shape, x.shape)
                && !g.wrappedNumber && !x.wrappedNumber && g.device.equals(x.device)) {
            // told whether self is contiguous with more than one element (PyTorch's use_mkldnn(self))
            return OutputLayouts.allocate(x.shape, type, x.device, g, x).geluBackward(x.isContiguous() && x.numel() > 1,
                    g, x);
        }
        return ArithmeticOps.binaryKernel(tanh ? BinaryOp.GELU_TANH_BACKWARD : BinaryOp.GELU_BACKWARD, g, x, type, type);
    }

    /**
     * PyTorch's gelu_double_backward, {@code gg * g * gelu''(x)} in differentiable ops: {@code pdf (2 - x^2)} for the
     * erf form; for the tanh form, with {@code u = sqrt(2/pi) (x + 0.044715 x^3)} and {@code t = tanh(u)}, the second
     * derivative of {@code x / 2 (1 + t)} assembled as PyTorch's pieces.
     */
    static Tensor geluDoubleBackward(Tensor gg, Tensor g, Tensor x, boolean tanh) {
        Tensor x2 = x.mul(x);
        Tensor second;
        if (tanh) {
            // PyTorch's pieces: gelu = f (1 + t), f = x / 2, g = 1 - t^2, h = u'; gelu'' = f'gh + f'gh + f h g' + f g h',
            // g' = 2 sech(u) (-sech(u) t) h with sech from cosh (no 1 - t^2 cancellation there)
            Tensor inner = x.add(x2.mul(x).mul(KAPPA)).mul(BETA);
            Tensor t = inner.tanh();
            Tensor sech = inner.cosh().reciprocal();
            Tensor f = x.mul(0.5);
            Tensor g2 = t.mul(t).rsub(1.0);
            Tensor h = x2.mul(3 * KAPPA).add(1.0).mul(BETA);
            Tensor fPrimeGh = g2.mul(h).mul(0.5);
            Tensor gPrimeFh = f.mul(h).mul(sech.mul(2.0).mul(sech.neg().mul(t)).mul(h));
            Tensor hPrimeFg = f.mul(g2).mul(x.mul(6 * KAPPA * BETA));
            second = fPrimeGh.add(fPrimeGh).add(gPrimeFh).add(hPrimeFg);
        } else {
            Tensor pdf = x2.mul(-0.5).exp().mul(PDF_SCALE);
            second = pdf.mul(2.0).sub(x2.mul(pdf));
        }
        return gg.mul(g).mul(second);
    }

    // ------------------------------------------------------------------ leaky_relu, elu, selu, celu

    /**
     * {@code -Dember.cpu.activation.composed=true} (read per call): leaky_relu, elu (selu, celu) and their backwards,
     * in place or not, as the compositions of elementwise kernels (the path before session 56) instead of the backend's
     * one-pass kernels ({@link dev.ember.backend.Backend#leakyRelu}, {@link dev.ember.backend.Backend#elu}); the bits
     * are the same.
     */
    static final String COMPOSED_ACTIVATION_PROPERTY = "ember.cpu.activation.composed";

    /** A one-pass activation kernel of the backend over (grad or null, x) into dst; false where it declines. */
    @FunctionalInterface
    interface ActivationKernel {
        boolean run(Storage g, Layout gLayout, Storage x, Layout xLayout, Storage dst, Layout dstLayout);
    }

    /**
     * {@code kernel} over {@code x} (and {@code g}, where not null: a backward) into {@code into} (an in-place forward's
     * result over x's storage, where not null) or a new tensor laid out as TensorIterator lays out the operands (grad
     * first); not recorded (a forward's caller records its node). Null, writing nothing, where the composition must
     * run: x not float32 or float64 on the CPU, g of another type, device or shape, a backward whose operands record
     * history (under create_graph: the composition differentiates further),
     * {@link #COMPOSED_ACTIVATION_PROPERTY}, or a backend that declines.
     */
    static Tensor fusedActivation(Tensor g, Tensor x, Tensor into, ActivationKernel kernel) {
        if (x.dtype != DType.FLOAT32 && x.dtype != DType.FLOAT64 || !x.device.isCpu()
                || g != null && (g.dtype != x.dtype || !g.device.equals(x.device)
                    || !java.util.Arrays.equals(g.shape, x.shape))
                || g != null && ArithmeticOps.needsGrad(g, x) || Boolean.getBoolean(COMPOSED_ACTIVATION_PROPERTY)) {
            return null;
        }
        OutputLayouts.Target t = into != null ? OutputLayouts.into(into)
                : g == null ? OutputLayouts.allocate(x.shape, x.dtype, x.device, x)
                : OutputLayouts.allocate(x.shape, x.dtype, x.device, g, x);
        return kernel.run(g == null ? null : g.storage(), g == null ? null : t.of(g), x.storage(), t.of(x),
                t.out.storage(), t.layout) ? t.out : null;
    }

    /**
     * leaky_relu ({@code g} null: {@code x > 0 ? x : x * slope}) or leaky_relu_backward ({@code x > 0 ? g : g * slope},
     * x the input or the in-place form's result), not recorded: the backend's one pass where
     * {@link #fusedActivation} allows, else the composition.
     */
    static Tensor leakyReluValues(Tensor g, Tensor x, double slope) {
        Tensor out = fusedActivation(g, x, null, (gs, gl, xs, xl, d, dl) ->
                x.backend.leakyRelu(gs, gl, xs, xl, slope, d, dl));
        if (out != null) {
            return out;
        }
        return g == null ? Tensor.where(x.gt(0L), x, x.mul(slope)) : Tensor.where(x.gt(0L), g, g.mul(slope));
    }

    /**
     * elu's forward {@code x >= 0 ? x * scale : expm1(x * inputScale) * negcoef} (a zero takes the positive branch,
     * PyTorch 2.x's Elu.h), not recorded: the backend's one pass
     * where {@link #fusedActivation} allows (into {@code into} where not null), else the composition (null where
     * {@code into} is given: the caller writes the composition's values itself).
     */
    static Tensor eluValues(Tensor x, double negcoef, double scale, double inputScale, Tensor into) {
        Tensor out = fusedActivation(null, x, into, (gs, gl, xs, xl, d, dl) ->
                x.backend.elu(null, null, xs, xl, negcoef, scale, inputScale, false, d, dl));
        if (out != null || into != null) {
            return out;
        }
        return Tensor.where(x.ge(0L), x.mul(scale), x.mul(inputScale).expm1().mul(negcoef));
    }

    /** {@code leaky_relu}: {@code x > 0 ? x : x * slope}; LeakyReluBackward0. */
    static Tensor leakyRelu(Tensor x, double negativeSlope) {
        checkFloating(x, "leaky_relu_cpu", "leaky_relu_cuda");
        Tensor out = forward(x, v -> leakyReluValues(null, v, negativeSlope));
        // leaky_relu_backward: grad * (self > 0 ? 1 : negative_slope)
        return record(out, "LeakyReluBackward0", x, (g, xs) -> piecewiseLinearBackward("LeakyReluBackwardBackward0", g,
                xs, (gg, xx) -> leakyReluValues(gg, xx, negativeSlope)));
    }

    /**
     * {@code elu} with PyTorch's three coefficients: {@code x > 0 ? x * scale : (exp(x * inputScale) - 1) * alpha *
     * scale}, node {@code name} (EluBackward0; CeluBackward0 for celu) with elu_backward on the input.
     */
    static Tensor elu(Tensor x, double alpha, double scale, double inputScale, String name) {
        return elu(x, alpha, scale, inputScale, inputScale, name);
    }

    /** elu whose backward takes its own input scale (celu's, which PyTorch's formula computes from a float alpha). */
    private static Tensor elu(Tensor x, double alpha, double scale, double inputScale, double backwardInputScale,
                              String name) {
        checkFloating(x, "elu_cpu", "elu_cuda");
        double negcoef = alpha * scale;
        Tensor out = forward(x, v -> eluValues(v, negcoef, scale, inputScale, null));
        // elu_backward (is_result false): x <= 0 ? grad * input_scale * negcoef * exp(x * input_scale) : grad * scale;
        // at x == 0 written as a constant, since PyTorch's elu_double_backward masks its derivative in x with x < 0
        double atZero = backwardInputScale * negcoef;
        java.util.function.BinaryOperator<Tensor> eluBackward = (g, xs) -> {
            if (xs.dtype == DType.FLOAT32 || xs.dtype == DType.FLOAT64) {
                // the kernel's order and types: ((grad * negiptcoef) * negcoef) * exp(x * negiptcoef), negcoef =
                // alpha.to<scalar_t>() * scale.to<scalar_t>() (a float32 product for float32)
                boolean f32 = xs.dtype == DType.FLOAT32;
                double ni = f32 ? (float) backwardInputScale : backwardInputScale;
                double nc = f32 ? (double) ((float) alpha * (float) scale) : alpha * scale;
                Tensor fused = fusedActivation(g, xs, null, (gs, gl, x2, xl, d, dl) ->
                        xs.backend.elu(gs, gl, x2, xl, nc, scale, ni, false, d, dl));
                if (fused != null) {
                    return fused;
                }
                Tensor gn = g.mul(ni).mul(nc);
                return Tensor.where(xs.lt(0L), gn.mul(xs.mul(ni).exp()),
                        Tensor.where(xs.eq(0L), gn, g.mul(scale)));
            }
            return Tensor.where(xs.lt(0L), g.mul(xs.mul(backwardInputScale).exp().mul(atZero)),
                    Tensor.where(xs.eq(0L), g.mul(atZero), g.mul(scale)));
        };
        // under create_graph, PyTorch's EluBackwardBackward0 (celu's too: its backward is elu_backward), whose input
        // formula is elu_double_backward: elu_backward(gg * g * input_scale, ..., x) * (x < 0)
        return record(out, name, x, (g, xs) -> backwardNode("EluBackwardBackward0", g, xs, eluBackward,
                (gg, gs, xx) -> zeroWhere(xx.ge(0L), eluBackward.apply(gg.mul(gs).mul(backwardInputScale), xx))));
    }

    /** {@code selu}: PyTorch's {@code elu(x, SELU_ALPHA, SELU_SCALE)}, node EluBackward0. */
    static Tensor selu(Tensor x) {
        return elu(x, SELU_ALPHA, SELU_SCALE, 1.0, "EluBackward0");
    }

    /**
     * {@code celu}: {@code elu(x, alpha, 1, 1 / alpha)}, node CeluBackward0, whose backward PyTorch writes
     * {@code elu_backward(grad, alpha, 1, 1.0 / alpha.toFloat(), false, self)}: its input scale from a float alpha.
     */
    static Tensor celu(Tensor x, double alpha) {
        if (alpha == 0) {
            throw new IllegalArgumentException("ZeroDivisionError: alpha cannot be 0 for CELU");
        }
        return elu(x, alpha, 1.0, 1.0 / alpha, 1.0 / (float) alpha, "CeluBackward0");
    }

    // ------------------------------------------------------------------ silu, mish, softplus

    /** {@code silu}: {@code x * sigmoid(x)}; SiluBackward0 with silu_backward. */
    static Tensor silu(Tensor x) {
        checkFloating(x, "silu_cpu", "silu_cuda");
        Tensor fused = siluFused(null, x);
        Tensor out = fused != null ? fused : forward(x, v -> v.mul(v.sigmoid()));
        // silu_backward: grad * sigmoid * (1 + x * (1 - sigmoid))
        return record(out, "SiluBackward0", x, (g, xs) -> {
            Tensor gx = ArithmeticOps.needsGrad(g, xs) ? null : siluFused(g, xs);
            if (gx != null) {
                return gx;
            }
            Tensor s = xs.sigmoid();
            if (xs.dtype == DType.FLOAT32 || xs.dtype == DType.FLOAT64) {
                // x86 PyTorch's kernel contracts 1 + x * (1 - s) into fma(x, 1 - s, 1) (addcmul's kernel)
                return g.mul(s).mul(s.onesLike().addcmul(xs, s.rsub(1.0)));
            }
            return g.mul(s).mul(xs.mul(s.rsub(1.0)).add(1.0));
        });
    }

    /**
     * silu (g null) or silu_backward in one float32 CPU kernel ({@link dev.ember.backend.Backend#siluFloat}),
     * PyTorch's bits, where x (and g, of x's shape) are float32 on one CPU device, in any layouts; null where not, where
     * the backend declines, or where the system property {@code ember.silu.composed} is true (the composed ops, for
     * comparisons).
     */
    private static Tensor siluFused(Tensor g, Tensor x) {
        if (x.dtype != DType.FLOAT32 || !x.device.isCpu() || Boolean.getBoolean("ember.silu.composed")) {
            return null;
        }
        if (g != null && (g.dtype != DType.FLOAT32 || !g.device.equals(x.device)
                || !java.util.Arrays.equals(g.shape, x.shape))) {
            return null;
        }
        // the result laid out as TensorIterator lays it out (silu_backward's operands: grad_output, then self)
        OutputLayouts.Target t = g == null ? OutputLayouts.allocate(x.shape, DType.FLOAT32, x.device, x)
                : OutputLayouts.allocate(x.shape, DType.FLOAT32, x.device, g, x);
        return x.backend.siluFloat(g == null ? null : g.storage(), g == null ? null : t.of(g), x.storage(), t.of(x),
                t.out.storage(), t.layout) ? t.out : null;
    }

    /** {@code mish}: {@code x * tanh(softplus(x))}; MishBackward0 with mish_backward. */
    static Tensor mish(Tensor x) {
        checkFloating(x, "mish_cpu", "mish_cuda");
        Tensor out = forward(x, v -> v.mul(v.exp().log1p().tanh()));
        // mish_backward: grad * (tanh_softplus + x * sigmoid * (1 - tanh_softplus^2))
        return record(out, "MishBackward0", x, (g, xs) -> {
            Tensor ts = xs.exp().log1p().tanh();
            if (xs.dtype == DType.FLOAT32 || xs.dtype == DType.FLOAT64) {
                // x86 PyTorch's kernel contracts both: fma(x * sigmoid, fma(-ts, ts, 1), ts) (addcmul's kernel)
                Tensor oneMinus = ts.onesLike().addcmul(ts, ts, -1.0);
                return g.mul(ts.addcmul(xs.mul(xs.sigmoid()), oneMinus));
            }
            return g.mul(ts.add(xs.mul(xs.sigmoid()).mul(ts.mul(ts).rsub(1.0))));
        });
    }

    /** {@code softplus}: {@code x * beta > threshold ? x : log1p(exp(x * beta)) / beta}; SoftplusBackward0. */
    static Tensor softplus(Tensor x, double beta, double threshold) {
        if (Autocast.on()) return Autocast.apply("softplus", t -> softplus(t[0], beta, threshold), x);
        checkFloating(x, "softplus_cpu", "softplus_cuda");
        Tensor out = forward(x, v -> {
            Tensor bx = v.mul(beta);
            return Tensor.where(bx.gt(threshold), v, bx.exp().log1p().div(beta));
        });
        // softplus_backward: x * beta > threshold ? grad : grad * z / (z + 1), z = exp(x * beta)
        java.util.function.BinaryOperator<Tensor> softplusBackward = (g, xs) -> {
            Tensor bx = xs.mul(beta);
            Tensor z = bx.exp();
            return Tensor.where(bx.gt(threshold), g, g.mul(z).div(z.add(1.0)));
        };
        // under create_graph, PyTorch's SoftplusBackwardBackward0, whose input formula is softplus_double_backward:
        // sigmoid_backward(gg * g, sigmoid(x * beta)) * (x * beta < threshold) * beta
        return record(out, "SoftplusBackward0", x, (g, xs) -> backwardNode("SoftplusBackwardBackward0", g, xs,
                softplusBackward, (gg, gs, xx) -> {
                    Tensor bx = xx.mul(beta);
                    Tensor sg = bx.sigmoid();
                    return zeroWhere(bx.lt(threshold).logicalNot(), gg.mul(gs).mul(sg.rsub(1.0).mul(sg))).mul(beta);
                }));
    }

    // ------------------------------------------------------------------ hardtanh, hardswish

    /**
     * {@code hardtanh}: {@code clamp(x, min, max)} (integer limits for integer tensors, as PyTorch); HardtanhBackward0
     * with hardtanh_backward ({@code x <= min || x >= max ? 0 : grad}).
     */
    static Tensor hardtanh(Tensor x, double min, double max) {
        checkHardtanh(x, min, max);
        Tensor out = forward(x, v -> v.dtype.isFloatingPoint() ? v.clamp(min, max) : v.clamp((long) min, (long) max));
        return recordHardtanh(out, x, min, max);
    }

    /**
     * {@link #hardtanh} of a float32 or float64 {@code x} written into {@code into} (hardtanh_'s direct write, session
     * 56: {@code into} over self's storage, {@code x} self's old values): clamp's kernels, as the forward's, and
     * HardtanhBackward0 over {@code x}. (float16 and bfloat16 clamp in float32 and round once: not written so.)
     */
    static Tensor hardtanhInto(Tensor x, double min, double max, Tensor into) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = ArithmeticOps.clampInto(x, min, max, into);
        }
        return recordHardtanh(out, x, min, max);
    }

    private static Tensor recordHardtanh(Tensor out, Tensor x, double min, double max) {
        return record(out, "HardtanhBackward0", x, (g, xs) -> piecewiseLinearBackward("HardtanhBackwardBackward0", g, xs,
                (gg, xx) -> zeroWhere(xx.le(min).logicalOr(xx.ge(max)), gg)));
    }

    /**
     * hardtanh_out's checks, before its clamp (so before an in-place call's overlap check): no bool, and for uint8 no
     * negative limit once truncated to integers (PyTorch's {@code min.toLong()}).
     */
    static void checkHardtanh(Tensor x, double min, double max) {
        if (x.dtype == DType.BOOL) {
            throw new IllegalArgumentException("Bool inputs not supported for hardtanh");
        }
        if (x.dtype == DType.UINT8 && ((long) min < 0 || (long) max < 0)) {
            throw new IllegalArgumentException("cannot do hardtanh on an unsigned type with negative limits");
        }
    }

    /** {@code hardswish}: {@code x * relu6(x + 3) / 6}; HardswishBackward0 with hardswish_backward. */
    static Tensor hardswish(Tensor x) {
        checkFloating(x, "hardswish_cpu", "hardswish_cuda");
        Tensor out = forward(x, v -> v.mul(v.add(3.0).clamp(0.0, 6.0)).div(6.0));
        // 2.x's hardswish_backward: x <= -3 ? 0 : x < 3 ? grad * (x / 3 + 0.5) : grad
        return record(out, "HardswishBackward0", x, (g, xs) -> zeroWhere(xs.le(-3.0),
                Tensor.where(xs.lt(3.0), g.mul(xs.div(3.0).add(0.5)), g)));
    }

    // ------------------------------------------------------------------ dropout

    /**
     * PyTorch's {@code native_dropout} in training: a keep mask drawn from the default generator (an element is kept when
     * its uniform number is at least {@code p}), {@code out = x * mask * scale} (a dropped NaN stays NaN, as PyTorch's
     * product), one node NativeDropoutBackward0 with native_dropout_backward ({@code grad * mask * scale}); the scale is
     * the double {@code 1 / (1 - p)} (CUDA's native_dropout) except on the CPU, where it is PyTorch's CPU noise value
     * ({@link #cpuNoise}). Returns the
     * output and the bool mask. {@code p} is in (0, 1) and x floating and not empty.
     */
    static Tensor[] nativeDropout(Tensor x, double p) {
        return nativeDropout(x, p, Generator.DEFAULT);
    }

    /** {@link #nativeDropout(Tensor, double)} drawing the keep mask from {@code generator}. */
    static Tensor[] nativeDropout(Tensor x, double p, Generator generator) {
        double scale = x.device.equals(Device.CPU) ? cpuNoise(x.dtype, p) : 1 / (1 - p);
        Tensor mask;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            if (generator.algorithm() == Generator.Algorithm.MT19937 && x.device.equals(Device.CPU)) {
                // PyTorch's CPU dropout: noise = empty_like(x).bernoulli_(1 - p), kept where the noise is 1
                mask = Creation.random(RandomKind.BERNOULLI, x.shape, DType.BOOL, 1 - p, 0, generator, x.device);
            } else {
                mask = Creation.random(RandomKind.UNIFORM, x.shape, x.dtype, 0, 1, generator, x.device).ge(p);
            }
            out = dropoutScale(x, mask, scale);
            if (out == null) {
                out = x.mul(ArithmeticOps.cast(mask, x.dtype)).mul(scale);
            }
        }
        Tensor keep = mask;
        ArithmeticOps.record(out, "NativeDropoutBackward0", new Tensor[] {x}, n -> {
            SavedTensor sm = n.save(keep);
            return g -> new Tensor[] {g.mul(ArithmeticOps.cast(sm.get(), g.dtype)).mul(scale)};
        });
        return new Tensor[] {out, mask};
    }

    /**
     * The kept elements' factor on the CPU, as PyTorch's CPU dropout computes it: 2.x's F.dropout there is
     * {@code _dropout_impl} (Dropout.cpp; the fused native_dropout only on CUDA-like devices), a noise tensor of x's
     * dtype, {@code bernoulli_(1 - p).div_(1 - p)}: float64 {@code 1.0 / (1 - p)}, float32 {@code 1f / (float) (1 - p)},
     * float16 and bfloat16 that float quotient rounded to the half type (div_true_kernel's scalar path), then
     * {@code x * noise}. Multiplying by this factor (exact in float) gives those products' bits; CUDA's
     * native_dropout multiplies by the double {@code 1 / (1 - p)} ({@code DropoutCpuScaleTest}).
     */
    static double cpuNoise(DType dtype, double p) {
        float quotient = 1f / (float) (1 - p);
        switch (dtype) {
            case FLOAT32:
                return quotient;
            case FLOAT16:
                return Half.toFloat(Half.fromFloat(quotient));
            case BFLOAT16:
                return BFloat16.toFloat(BFloat16.fromFloat(quotient));
            default:
                return 1 / (1 - p);
        }
    }

    /**
     * {@code -Dember.dropout.unfused=true}: dropout's output as the cast of the mask and two products (the old path)
     * instead of the backend's one pass ({@link dev.ember.backend.Backend#dropoutScale}); the bits are the same.
     */
    static final String UNFUSED_DROPOUT_PROPERTY = "ember.dropout.unfused";

    /**
     * {@code (x * mask) * scale} in one pass of the backend's kernel for a contiguous float32 or float64 x and a bool
     * mask, or null where it does not apply (another type or layout, a backend without the kernel,
     * {@link #UNFUSED_DROPOUT_PROPERTY}).
     */
    private static Tensor dropoutScale(Tensor x, Tensor mask, double scale) {
        if (x.dtype != DType.FLOAT32 && x.dtype != DType.FLOAT64 || mask.dtype != DType.BOOL
                || !x.layout.isContiguous() || !mask.layout.isContiguous() || !x.device.equals(mask.device)
                || Boolean.getBoolean(UNFUSED_DROPOUT_PROPERTY)) {
            return null;
        }
        Tensor out = Creation.empty(x.shape, x.dtype, x.device);
        return x.backend.dropoutScale(x.storage(), x.layout, mask.storage(), mask.layout, scale, out.storage()) ? out
                : null;
    }

    /**
     * {@code dropout(x, p, train)}: the identity outside training, for p 0 and for an empty input; {@code x * 0} for
     * p 1 (MulBackward0, as PyTorch); otherwise {@link #nativeDropout}.
     */
    static Tensor dropout(Tensor x, double p, boolean train) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + Format.repr(p));
        }
        if (!train || p == 0 || x.numel() == 0) {
            return x;
        }
        if (p == 1) {
            return x.mul(0L); // PyTorch's input * zeros: keeps the type, and nan or inf elements give nan
        }
        if (!x.dtype.isFloatingPoint()) {
            // the scaled result is floating and cannot be written back into an integer tensor
            throw new IllegalArgumentException("result type Float can't be cast to the desired output type "
                    + Format.scalarType(x.dtype));
        }
        return nativeDropout(x, p)[0];
    }
}
