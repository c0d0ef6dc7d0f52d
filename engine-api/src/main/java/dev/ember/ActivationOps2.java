package dev.ember;

import dev.ember.backend.RandomKind;

import java.util.List;

/**
 * More activations PyTorch computes as one op with its own backward node ({@code prelu} (its {@code _prelu_kernel}),
 * {@code glu}, {@code hardsigmoid}, {@code hardshrink}, {@code softshrink}, {@code threshold}, {@code rrelu} (its
 * {@code rrelu_with_noise})) and the in-place activations whose node differs from the out-of-place one
 * ({@code leaky_relu_}, {@code elu_}, {@code threshold_}, {@code rrelu_}: PyTorch's {@code ...Backward1}, whose backward
 * reads the result instead of the input). As {@link ActivationOps}: the forward with the elementwise kernels, not
 * recorded, and one node whose backward is PyTorch's derivatives.yaml formula in Tensor ops (so it can be differentiated
 * again).
 */
final class ActivationOps2 {
    private ActivationOps2() {
    }

    /** Records one node over {@code inputs} whose backward is {@code formula} (saving what it reads itself). */
    private static Tensor record(Tensor out, String name, Tensor[] inputs,
                                 java.util.function.Function<Node, java.util.function.Function<Tensor, Tensor[]>> formula) {
        return ArithmeticOps.record(out, name, inputs, formula);
    }

    /** The gradient computed in float32 for float16 and bfloat16, rounded once to {@code type}. */
    private static Tensor inOpmath(DType type, java.util.function.Supplier<Tensor> f) {
        return ReductionOps.narrowedBack(f.get(), type);
    }

    // ------------------------------------------------------------------ prelu

    /**
     * {@code prelu(x, weight)} as PyTorch 2.x: checks, then the weight reshaped to {@code (1, C, 1, ...)} (a recorded
     * view) and one node PreluKernelBackward0 ({@code _prelu_kernel}: {@code x > 0 ? x : w * x}).
     */
    static Tensor prelu(Tensor x, Tensor weight) {
        if (Autocast.on()) return Autocast.apply("prelu", t -> prelu(t[0], t[1]), x, weight);
        ArithmeticOps.checkSameDevice(x, weight);
        if (x.dtype != weight.dtype) {
            throw new IllegalArgumentException("prelu: Type promoting not supported. Got " + Format.scalarType(x.dtype)
                    + " and " + Format.scalarType(weight.dtype));
        }
        int dim = x.dim();
        long wn = weight.numel();
        if (wn != 1) {
            if (dim == 0) {
                throw new IllegalArgumentException("Not allow zero-dim input tensor.");
            }
            long channels = dim > 1 ? x.size(1) : 1;
            if (channels != wn) {
                throw new IllegalArgumentException("Mismatch of parameter numbers and input channel size. Found parameter "
                        + "numbers = " + wn + " and channel size = " + channels + ".");
            }
        }
        if (weight.dim() > 1) {
            throw new IllegalArgumentException("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                    + weight.dim());
        }
        ActivationOps.checkFloating(x, "prelu_cpu", "prelu_cuda");
        Tensor w = weight;
        if (dim != weight.dim()) {
            int[] shape = new int[dim];
            java.util.Arrays.fill(shape, 1);
            if (dim > 1) {
                shape[1] = (int) wn;
            }
            w = weight.reshape(shape);
        }
        return preluKernel(x, w);
    }

    /** {@code _prelu_kernel(x, w)}, w broadcasting over x: one node PreluKernelBackward0. */
    private static Tensor preluKernel(Tensor x, Tensor w) {
        DType type = x.dtype;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor xo = ReductionOps.opmath(x);
            Tensor wo = ReductionOps.opmath(w);
            out = ReductionOps.narrowedBack(Tensor.where(xo.gt(0L), xo, wo.mul(xo)), type);
        }
        int[] wShape = w.shape();
        return record(out, "PreluKernelBackward0", new Tensor[] {x, w}, n -> {
            SavedTensor sx = n.save(x);
            SavedTensor sw = n.save(w);
            // _prelu_kernel_backward: (x > 0 ? g : w g, x > 0 ? 0 : x g), the weight's summed to its shape
            return g -> {
                Tensor xs = sx.get();
                Tensor ws = sw.get();
                Tensor pos = xs.gt(0L);
                Tensor gx = inOpmath(type, () -> Tensor.where(pos, ReductionOps.opmath(g),
                        ReductionOps.opmath(g).mul(ReductionOps.opmath(ws))));
                // each element's weight gradient rounded to the type (the kernel's second output), then summed
                Tensor gw = ReductionOps.sumTo(inOpmath(type, () -> ActivationOps.zeroWhere(pos,
                        ReductionOps.opmath(xs).mul(ReductionOps.opmath(g)))), wShape);
                return new Tensor[] {gx, gw};
            };
        });
    }

    // ------------------------------------------------------------------ glu

    /** {@code glu(x, dim)}: {@code a * sigmoid(b)} of the two halves along {@code dim}; one node GluBackward0. */
    static Tensor glu(Tensor x, int dim) {
        if (x.dim() == 0) {
            throw new IllegalArgumentException("glu does not support scalars because halving size must be even");
        }
        int d = Shapes.wrapDim(dim, x.dim());
        int size = x.size(d);
        if (size % 2 != 0) {
            throw new IllegalArgumentException("Halving dimension must be even, but dimension " + d + " is size " + size);
        }
        ActivationOps.checkFloating(x, "glu_cpu", "glu_cuda");
        int half = size / 2;
        DType type = x.dtype;
        Tensor out = ActivationOps.forward(x, v -> v.narrow(d, 0, half).mul(v.narrow(d, half, half).sigmoid()));
        // glu_backward: (g sigmoid(b), g a sigmoid(b) (1 - sigmoid(b))), concatenated along dim; sigmoid(b) is first
        // written into the gradient tensor, so for float16 and bfloat16 it is rounded to the type before the products
        return ActivationOps.record(out, "GluBackward0", x, (g, xs) -> {
            Tensor a = xs.narrow(d, 0, half);
            Tensor s = xs.narrow(d, half, half).sigmoid();
            if (type.isReducedFloatingPoint()) {
                s = ReductionOps.opmath(ReductionOps.narrowedBack(s, type));
            }
            Tensor ga = g.mul(s);
            return Tensor.cat(List.of(ga, ga.mul(a).mul(s.rsub(1.0))), d);
        });
    }

    // ------------------------------------------------------------------ hardsigmoid, hardshrink, softshrink, threshold

    /** PyTorch's {@code one_sixth} in hardsigmoid_backward: {@code 1.0f / 6.0f}. */
    private static final double ONE_SIXTH = 1.0f / 6.0f;

    /**
     * {@code hardsigmoid}: {@code min(max(x + 3, 0), 6) / 6}; HardsigmoidBackward0 ({@code -3 < x < 3 ? g / 6 : 0}),
     * whose result is PyTorch's NotImplemented node: PyTorch (1.13 and 2.x) has no derivative of
     * {@code hardsigmoid_backward}, so a second backward through it fails with its message.
     */
    static Tensor hardsigmoid(Tensor x) {
        ActivationOps.checkFloating(x, "hardsigmoid_cpu", "hardsigmoid_cuda");
        Tensor out = ActivationOps.forward(x, v -> v.add(3.0).clamp(0.0, 6.0).div(6.0));
        // hardsigmoid_backward multiplies by PyTorch's one_sixth, 1.0f / 6.0f (a float constant, also for double)
        return ActivationOps.record(out, "HardsigmoidBackward0", x, (g, xs) -> {
            Tensor grad;
            try (GradMode off = Ember.noGrad()) {
                grad = ActivationOps.zeroWhere(xs.gt(-3.0).logicalAnd(xs.lt(3.0)).logicalNot(), g.mul(ONE_SIXTH));
            }
            return ArithmeticOps.record(grad, "NotImplemented", new Tensor[] {g, xs}, n -> gg -> {
                throw new IllegalStateException("derivative for aten::hardsigmoid_backward is not implemented");
            });
        });
    }

    /** {@code -lambd <= x <= lambd}: the elements a shrink zeroes (false for NaN). */
    private static Tensor shrunk(Tensor x, double lambd) {
        return x.ge(-lambd).logicalAnd(x.le(lambd));
    }

    /** {@code hardshrink}: {@code -lambd <= x <= lambd ? 0 : x}; HardshrinkBackward0 with shrink_backward. */
    static Tensor hardshrink(Tensor x, double lambd) {
        ActivationOps.checkFloating(x, "hardshrink_cpu", "hardshrink_cuda");
        Tensor out = ActivationOps.forward(x, v -> ActivationOps.zeroWhere(shrunk(v, lambd), v));
        return ActivationOps.record(out, "HardshrinkBackward0", x, (g, xs) -> ActivationOps.piecewiseLinearBackward(
                "HardshrinkBackwardBackward0", g, xs, (gg, xx) -> ActivationOps.zeroWhere(shrunk(xx, lambd), gg)));
    }

    /**
     * {@code softshrink}: {@code x > lambd ? x - lambd : x < -lambd ? x + lambd : x * 0} (NaN stays NaN, as PyTorch 2.x's
     * kernel; 1.13 gave 0);
     * SoftshrinkBackward0 with shrink_backward. A negative lambda is refused, as PyTorch's softshrink_check.
     */
    static Tensor softshrink(Tensor x, double lambd) {
        if (!(lambd >= 0) && !Double.isNaN(lambd)) {
            throw new IllegalArgumentException("lambda must be greater or equal to 0, but found to be " + Format.cpp(lambd)
                    + ".");
        }
        ActivationOps.checkFloating(x, "softshrink_cpu", "softshrink_cuda");
        Tensor out = ActivationOps.forward(x, v -> Tensor.where(v.gt(lambd), v.sub(lambd),
                Tensor.where(v.lt(-lambd), v.add(lambd), v.mul(0.0))));
        return ActivationOps.record(out, "SoftshrinkBackward0", x, (g, xs) -> ActivationOps.zeroWhere(shrunk(xs, lambd), g));
    }

    /** {@code value} as a 0-dim tensor of {@code x}'s kind: an integral one for an integer tensor (no promotion). */
    private static Tensor scalarFor(Tensor x, double value) {
        return x.dtype.isFloatingPoint() ? Creation.wrap(value) : Creation.wrap((long) value);
    }

    /** {@code threshold(x, threshold, value)}: {@code x <= threshold ? value : x}; ThresholdBackward0. */
    static Tensor threshold(Tensor x, double threshold, double value) {
        ComplexIndexing.refuse("threshold", x);
        if (x.dtype == DType.BOOL && !x.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented(x.device.isCpu() ? "threshold_cpu" : "threshold_cuda", DType.BOOL);
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor th = scalarFor(x, threshold);
            out = ArithmeticOps.cast(Tensor.where(x.le(th), scalarFor(x, value), x), x.dtype);
        }
        // threshold_backward(grad, self, threshold): self <= threshold ? 0 : grad
        return ActivationOps.record(out, "ThresholdBackward0", x, (g, xs) -> ActivationOps.zeroWhere(xs.le(threshold), g));
    }

    // ------------------------------------------------------------------ rrelu

    /**
     * {@code rrelu(x, lower, upper, training, generator)}: PyTorch's {@code rrelu_with_noise}, one node
     * RreluWithNoiseBackward0. In training each element {@code x <= 0} is multiplied by a slope drawn uniformly from
     * {@code [lower, upper]} (from {@code generator}), the backward is {@code grad * noise} (noise: the slope, 1 for
     * {@code x > 0}); otherwise it is leaky_relu with slope {@code (lower + upper) / 2}, its backward leaky_relu's.
     */
    static Tensor rrelu(Tensor x, double lower, double upper, boolean training, Generator generator) {
        checkBounds(lower, upper);
        if (!training) {
            double slope = (lower + upper) / 2;
            ActivationOps.checkFloating(x, "leaky_relu_cpu", "leaky_relu_cuda");
            Tensor out = ActivationOps.forward(x, v -> Tensor.where(v.gt(0L), v, v.mul(slope)));
            return ActivationOps.record(out, "RreluWithNoiseBackward0", x,
                    (g, xs) -> Tensor.where(xs.gt(0L), g, g.mul(slope)));
        }
        Tensor[] outNoise = rreluTrain(x, lower, upper, generator);
        Tensor noise = outNoise[1];
        return ArithmeticOps.record(outNoise[0], "RreluWithNoiseBackward0", new Tensor[] {x}, n -> {
            SavedTensor sn = n.save(noise);
            return g -> new Tensor[] {g.mul(sn.get())};
        });
    }

    private static void checkBounds(double lower, double upper) {
        if (!(lower <= upper)) {
            throw new IllegalArgumentException("Lower bound should be less than or equal to the upper bound");
        }
    }

    /**
     * PyTorch's CPU slopes ({@code _rrelu_with_noise_train}): for each element {@code <= 0} in order, one
     * {@code uniform_real_distribution<double>(lower, upper)} draw with the bounds in the accumulation type (float for
     * float32 and the reduced types), {@code u * (upper - lower) + lower} in double, rounded to it; the other elements draw
     * nothing (their slope here is 1, unused).
     */
    private static Tensor rreluSlopes(Tensor x, double lower, double upper, DType type, Mt19937 mt) {
        double lo = type == DType.FLOAT64 ? lower : (float) lower;
        double hi = type == DType.FLOAT64 ? upper : (float) upper;
        double[] in = x.detach().contiguous().to(DType.FLOAT64).toDoubleArray();
        double[] r = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            r[i] = in[i] <= 0 ? mt.uniformDouble() * (hi - lo) + lo : 1; // not fused: Activation.cpp has no FMA flags
        }
        return ArithmeticOps.cast(Creation.fromFlat(r, x.shape(), DType.FLOAT64, Device.CPU), type);
    }

    /** The training forward of rrelu: {@code {out, noise}}, not recorded. */
    private static Tensor[] rreluTrain(Tensor x, double lower, double upper, Generator generator) {
        ActivationOps.checkFloating(x, "rrelu_with_noise_out_cpu", "rrelu_with_noise_out_cuda");
        try (GradMode off = Ember.noGrad()) {
            DType type = x.dtype.isReducedFloatingPoint() ? DType.FLOAT32 : x.dtype;
            Generator g = generator == null ? Generator.DEFAULT : generator;
            Tensor slopes = g.drawCpu(x.device, mt -> rreluSlopes(x, lower, upper, type, mt));
            if (slopes == null) {
                slopes = Creation.random(RandomKind.UNIFORM, x.shape(), type, lower, upper, g, x.device);
            }
            Tensor xo = ReductionOps.opmath(x);
            Tensor noise = Tensor.where(xo.le(0L), slopes, Creation.wrap(1.0));
            Tensor out = ReductionOps.narrowedBack(xo.mul(noise), x.dtype);
            return new Tensor[] {out, ReductionOps.narrowedBack(noise, x.dtype)};
        }
    }

    // ------------------------------------------------------------------ in place

    /** Records a node over the old values {@code old} whose backward reads the result {@code out}. */
    private static Tensor recordOnResult(Tensor out, String name, Tensor old,
                                         java.util.function.BinaryOperator<Tensor> backward) {
        return ArithmeticOps.record(out, name, new Tensor[] {old}, n -> {
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {backward.apply(g, so.get())};
        });
    }

    /**
     * {@code leaky_relu_(x, slope)}: LeakyReluBackward1, whose backward reads the result ({@code result > 0 ? g :
     * g slope}) and refuses a negative slope, as PyTorch's leaky_relu_backward with is_result.
     */
    static Tensor leakyRelu_(Tensor x, double slope) {
        java.util.function.BinaryOperator<Tensor> backward = (g, r) -> {
                if (slope < 0) {
                    throw new IllegalArgumentException("In-place leakyReLu backward calculation is triggered with a negative "
                            + "slope which is not supported. This is caused by calling in-place forward function with a "
                            + "negative slope, please call out-of-place version instead. File an issue at "
                            + "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu backward "
                            + "calculation with negative slope");
                }
                return ActivationOps.leakyReluValues(g, r, slope);
        };
        // session 55: the values x > 0 ? x : x * slope written into self by the where kernel (its "x" self itself);
        // session 56: by the backend's one pass where it has one (float32, float64)
        return resultInto_(x, old -> {
            ActivationOps.checkFloating(old, "leaky_relu_cpu", "leaky_relu_cuda");
            Tensor out = ActivationOps.forward(old, v -> ActivationOps.leakyReluValues(null, v, slope));
            return recordOnResult(out, "LeakyReluBackward1", old, backward);
        }, (t, out) -> {
            Tensor fused = ActivationOps.fusedActivation(null, t, out, (gs, gl, xs, xl, d, dl) ->
                    t.backend.leakyRelu(null, null, xs, xl, slope, d, dl));
            return recordOnResult(fused != null ? fused : whereInto(out, t, false, t,
                    ActivationOps.forward(t, v -> v.mul(slope))),
                    "LeakyReluBackward1", t, backward);
        });
    }

    /**
     * An in-place activation whose node saves only its result (LeakyReluBackward1, EluBackward1, CeluBackward1):
     * {@code into.apply(self, out)} writes the values into {@code out} (over self's storage and version counter) and
     * records the node there, where {@link InplaceOps#writesInto} allows (session 55: no snapshot of self, no result
     * tensor, no copy); elsewhere, and always with {@code -Dember.inplace.copyResult=true}, the session 54 path
     * ({@link InplaceOps#inplace}: {@code op} on a snapshot of self, its result copied into self).
     */
    private static Tensor resultInto_(Tensor self, java.util.function.Function<Tensor, Tensor> op,
                                      java.util.function.BiFunction<Tensor, Tensor, Tensor> into) {
        return InplaceOps.writesInto(self, List.of()) ? InplaceOps.inplaceSingleNode(self, List.of(), op, into)
                : InplaceOps.inplace(self, List.of(), op);
    }

    /**
     * {@code out = x > 0 ? a : b} ({@code x >= 0} with {@code zeroPositive}: elu's rule) by the where kernel,
     * {@code out} over self's storage (a may be self itself: the kernel
     * reads and writes each element at one place); {@code b} is already in out's type, so for float16 and bfloat16 the
     * values are those of the opmath forward rounded once (the rounding of a kept {@code x} is {@code x}).
     */
    private static Tensor whereInto(Tensor out, Tensor x, boolean zeroPositive, Tensor a, Tensor b) {
        Tensor cond;
        try (GradMode off = Ember.noGrad()) {
            cond = zeroPositive ? x.ge(0L) : x.gt(0L);
        }
        OutputLayouts.Target target = OutputLayouts.into(out);
        out.backend.where(cond.storage(), target.of(cond), a.storage(), target.of(a), b.storage(), target.of(b),
                out.storage(), target.layout);
        return out;
    }

    /**
     * {@code elu_(x, alpha, scale, inputScale)}: node {@code name} (EluBackward1, CeluBackward1), whose backward reads
     * the result ({@code result <= 0 ? g inputScale (result + alpha scale) : g scale}) and refuses a negative alpha.
     */
    static Tensor elu_(Tensor x, double alpha, double scale, double inputScale, double backwardInputScale, String name) {
        double negcoef = alpha * scale;
        java.util.function.BinaryOperator<Tensor> eluBackward = (g, r) -> {
            if (alpha < 0) {
                throw new IllegalArgumentException("In-place elu backward calculation is triggered with a negative slope "
                        + "which is not supported. This is caused by calling in-place forward function with a negative "
                        + "slope, please call out-of-place version instead.");
            }
            Tensor fused = ActivationOps.fusedActivation(g, r, null, (gs, gl, rs, rl, d, dl) ->
                    r.backend.elu(gs, gl, rs, rl, negcoef, scale, backwardInputScale, true, d, dl));
            return fused != null ? fused
                    : Tensor.where(r.le(0L), g.mul(backwardInputScale).mul(r.add(negcoef)), g.mul(scale));
        };
        // under create_graph, PyTorch's EluBackwardBackward0 over (grad_output, result), whose result formula is
        // elu_double_backward with is_result: gg * g * input_scale * (result < 0)
        java.util.function.BinaryOperator<Tensor> backward = (g, r) -> ActivationOps.backwardNode("EluBackwardBackward0",
                g, r, eluBackward, (gg, gs, rr) -> ActivationOps.zeroWhere(rr.ge(0L), gg.mul(gs).mul(backwardInputScale)));
        // session 55: x > 0 ? x * scale : expm1(x * inputScale) * negcoef written into self by the where kernel (x
        // itself where the scale is 1: x * 1 is x wherever it is taken); session 56: by the backend's one pass where it
        // has one (float32, float64)
        return resultInto_(x, old -> {
            ActivationOps.checkFloating(old, "elu_cpu", "elu_cuda");
            Tensor out = ActivationOps.forward(old, v -> ActivationOps.eluValues(v, negcoef, scale, inputScale, null));
            return recordOnResult(out, name, old, backward);
        }, (t, out) -> {
            Tensor fused = ActivationOps.eluValues(t, negcoef, scale, inputScale, out);
            // a zero takes the positive branch (PyTorch 2.x's Elu.h)
            return recordOnResult(fused != null ? fused : whereInto(out, t, true,
                    scale == 1.0 ? t : ActivationOps.forward(t, v -> v.mul(scale)),
                    ActivationOps.forward(t, v -> v.mul(inputScale).expm1().mul(negcoef))), name, t, backward);
        });
    }

    /**
     * {@code threshold_(x, threshold, value)}: ThresholdBackward1, whose backward (derivatives.yaml's threshold_ entry)
     * reads the original input: {@code self <= threshold ? 0 : g}.
     */
    static Tensor threshold_(Tensor x, double threshold, double value) {
        // PyTorch's threshold iterator sets check_mem_overlap(false) ("threshold is idempotent"): an expanded self is
        // written, every alias getting the one new value of their shared element
        return InplaceOps.inplaceOverlapping(x, old -> {
            Tensor out = threshold(old.detach(), threshold, value);
            return ActivationOps.record(out, "ThresholdBackward1", old,
                    (g, xs) -> ActivationOps.zeroWhere(xs.le(threshold), g));
        });
    }

    /**
     * {@code rrelu_(x, lower, upper, training, generator)}: RreluWithNoiseBackward1, in training {@code g * noise},
     * otherwise leaky_relu_backward on the result.
     */
    static Tensor rrelu_(Tensor x, double lower, double upper, boolean training, Generator generator) {
        checkBounds(lower, upper);
        if (!training) {
            double slope = (lower + upper) / 2;
            return InplaceOps.inplace(x, List.of(), old -> {
                ActivationOps.checkFloating(old, "leaky_relu_cpu", "leaky_relu_cuda");
                Tensor out = ActivationOps.forward(old, v -> Tensor.where(v.gt(0L), v, v.mul(slope)));
                return recordOnResult(out, "RreluWithNoiseBackward1", old, (g, r) -> Tensor.where(r.gt(0L), g, g.mul(slope)));
            });
        }
        return InplaceOps.inplace(x, List.of(), old -> {
            Tensor[] outNoise = rreluTrain(old, lower, upper, generator);
            Tensor noise = outNoise[1];
            return ArithmeticOps.record(outNoise[0], "RreluWithNoiseBackward1", new Tensor[] {old}, n -> {
                SavedTensor sn = n.save(noise);
                return g -> new Tensor[] {g.mul(sn.get())};
            });
        });
    }
}
