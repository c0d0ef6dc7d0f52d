package dev.ember;

/**
 * Fake quantization, the ops of quantization-aware training: {@code torch.fake_quantize_per_tensor_affine},
 * {@code torch.fake_quantize_per_channel_affine} and the learnable forms
 * ({@code torch._fake_quantize_learnable_per_tensor_affine}, {@code ..._per_channel_affine}, LSQ's learned step size
 * and zero point). Each rounds its input to the grid of an affine quantized type and maps it back:
 * {@code (clamp(round(x / scale) + zero_point, quant_min, quant_max) - zero_point) * scale}, in PyTorch 2.x CPU
 * kernels' arithmetic (the reciprocal of the scale in float, rounding half to even, the product with the scale in
 * float for a per-tensor scale and in double for a per-channel one; float16 and bfloat16 computed in float32), with
 * their checks and messages, one node each with PyTorch's name and derivatives.yaml's backward: the gradient passes
 * where the value was not clamped ({@code grad * mask}, the straight-through estimator); the learnable forms also give
 * the scale's and the zero point's gradients. Composed of elementwise tensor ops, so they run on every backend.
 *
 * <p>A value whose quantized index is not finite (NaN, or an infinity) clamps as PyTorch 2.x's per-tensor kernel
 * clamps it ({@code fmin}/{@code fmax}: NaN and -inf to {@code quant_min}, +inf to {@code quant_max}); the per-channel
 * and learnable kernels convert the index to a 64-bit integer first, which on x86 gives the most negative one for
 * any index outside its range, so there every non-finite or huge index clamps to {@code quant_min}. Neither lets
 * the gradient through.
 */
public final class FakeQuant {
    private FakeQuant() {
    }

    /** 2^63 as a double (and exactly a float): the first index a conversion to int64 cannot hold. */
    private static final double INT64_LIMIT = 9.223372036854775808e18;

    /**
     * {@code torch.fake_quantize_per_tensor_affine(x, scale, zero_point, quant_min, quant_max)}: one node,
     * FakeQuantizePerTensorAffineCachemaskBackward0 (its backward {@code grad * mask}).
     *
     * @throws IllegalArgumentException if {@code quantMin > quantMax}, the zero point lies outside
     *     [{@code quantMin}, {@code quantMax}], or {@code x} is not floating point
     */
    public static Tensor fakeQuantizePerTensorAffine(Tensor x, double scale, long zeroPoint, long quantMin,
                                                     long quantMax) {
        if (Autocast.on()) return Autocast.apply("fake_quantize_per_tensor_affine",
                t -> fakeQuantizePerTensorAffine(t[0], scale, zeroPoint, quantMin, quantMax), x);
        Args.require(x, "fake_quantize_per_tensor_affine", "self", 1, "Tensor");
        checkRange(quantMin, quantMax);
        if (zeroPoint < quantMin || zeroPoint > quantMax) {
            throw new IllegalArgumentException("`zero_point` must be between `quant_min` and `quant_max`.");
        }
        return perTensor(x, (float) scale, zeroPoint, quantMin, quantMax,
                "FakeQuantizePerTensorAffineCachemaskBackward0");
    }

    /**
     * {@code torch.fake_quantize_per_tensor_affine(x, scale, zero_point, quant_min, quant_max)} with one-element
     * tensors for the scale (read as float) and the zero point (read as int): one node,
     * FakeQuantizePerTensorAffineCachemaskTensorQparamsBackward0. As PyTorch 2.x, the zero point is not checked
     * against the range here; the scale and zero point get no gradient.
     *
     * @throws IllegalArgumentException if {@code quantMin > quantMax}, the scale or zero point has more than one
     *     element, or {@code x} is not floating point
     */
    public static Tensor fakeQuantizePerTensorAffine(Tensor x, Tensor scale, Tensor zeroPoint, long quantMin,
                                                     long quantMax) {
        if (Autocast.on()) return Autocast.apply("fake_quantize_per_tensor_affine",
                t -> fakeQuantizePerTensorAffine(t[0], t[1], t[2], quantMin, quantMax), x, scale, zeroPoint);
        Args.require(x, "fake_quantize_per_tensor_affine", "self", 1, "Tensor");
        Args.require(scale, "fake_quantize_per_tensor_affine", "scale", 2, "Tensor");
        Args.require(zeroPoint, "fake_quantize_per_tensor_affine", "zero_point", 3, "Tensor");
        checkRange(quantMin, quantMax);
        float s = (float) scale.item();
        long z = (long) (int) zeroPoint.item(); // item().toInt(): the value as a C++ int
        return perTensor(x, s, z, quantMin, quantMax, "FakeQuantizePerTensorAffineCachemaskTensorQparamsBackward0");
    }

    /**
     * {@code torch.fake_quantize_per_channel_affine(x, scale, zero_point, axis, quant_min, quant_max)}: a scale
     * (float32) and a zero point (int32, or float32/float16 for float zero points) per index of {@code axis}; one
     * node, FakeQuantizePerChannelAffineCachemaskBackward0. With an integer zero point the index is
     * {@code zero_point + round(x / scale)}, with a float one {@code round(zero_point + x / scale)}, as PyTorch's.
     *
     * @throws IllegalArgumentException with PyTorch's messages: the scale not float32, the zero point not int32,
     *     float32 or float16, either not 1-D, their lengths differing from each other or from {@code x}'s size at
     *     {@code axis}, {@code quantMin > quantMax}, an integer zero point outside the range, {@code axis} negative,
     *     or {@code x} not floating point
     */
    public static Tensor fakeQuantizePerChannelAffine(Tensor x, Tensor scale, Tensor zeroPoint, int axis,
                                                      long quantMin, long quantMax) {
        Args.require(x, "fake_quantize_per_channel_affine", "self", 1, "Tensor");
        Args.require(scale, "fake_quantize_per_channel_affine", "scale", 2, "Tensor");
        Args.require(zeroPoint, "fake_quantize_per_channel_affine", "zero_point", 3, "Tensor");
        checkPerChannel(x, scale, zeroPoint, axis, quantMin, quantMax);
        checkFloating(x);
        Tensor[] outMask;
        try (GradMode off = Ember.noGrad()) {
            outMask = perChannelForward(x, scale, zeroPoint, axis, quantMin, quantMax);
        }
        return recordMasked(outMask, "FakeQuantizePerChannelAffineCachemaskBackward0", x);
    }

    /**
     * {@code torch._fake_quantize_learnable_per_tensor_affine(x, scale, zero_point, quant_min, quant_max,
     * grad_factor)}: fake quantization with the first elements of {@code scale} (as float) and {@code zeroPoint}
     * (rounded half to even, clamped to the range); one node, FakeQuantizeLearnablePerTensorAffineBackward0, whose
     * backward also gives the scale's and the zero point's gradients (LSQ), each summed to one element and times
     * {@code gradFactor}. The backward takes float32 only, as PyTorch's.
     *
     * @throws IllegalArgumentException if a zero-dim scale or zero point is indexed, {@code quantMin > quantMax}, or
     *     {@code x} is not floating point
     */
    public static Tensor fakeQuantizeLearnablePerTensorAffine(Tensor x, Tensor scale, Tensor zeroPoint, long quantMin,
                                                              long quantMax, double gradFactor) {
        Args.require(x, "_fake_quantize_learnable_per_tensor_affine", "self", 1, "Tensor");
        Args.require(scale, "_fake_quantize_learnable_per_tensor_affine", "scale", 2, "Tensor");
        Args.require(zeroPoint, "_fake_quantize_learnable_per_tensor_affine", "zero_point", 3, "Tensor");
        float s = (float) first(scale);
        float zf = (float) Math.rint((float) first(zeroPoint));
        long z = (long) Math.min(Math.max(zf, (float) quantMin), (float) quantMax);
        checkRange(quantMin, quantMax);
        if (z < quantMin || z > quantMax) {
            throw new IllegalArgumentException("`zero_point` must be between `quant_min` and `quant_max`.");
        }
        checkFloating(x);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = perTensorForward(x, s, z, quantMin, quantMax)[0];
        }
        float factor = (float) gradFactor;
        return ArithmeticOps.record(out, "FakeQuantizeLearnablePerTensorAffineBackward0",
            new Tensor[] {x, scale, zeroPoint}, n -> {
                SavedTensor sx = n.save(x);
                SavedTensor ss = n.save(scale);
                SavedTensor sz = n.save(zeroPoint);
                return g -> learnablePerTensorBackward(g, sx.get(), ss.get(), sz.get(), quantMin, quantMax, factor);
            });
    }

    /**
     * {@code torch._fake_quantize_learnable_per_channel_affine(x, scale, zero_point, axis, quant_min, quant_max,
     * grad_factor)}: per-channel fake quantization with the zero points rounded half to even, clamped and made int32;
     * one node, FakeQuantizeLearnablePerChannelAffineBackward0, whose backward also gives the scales' and zero points'
     * gradients, summed over every dim but {@code axis}, times {@code gradFactor}. The backward takes float32 only.
     *
     * @throws IllegalArgumentException as {@link #fakeQuantizePerChannelAffine}
     */
    public static Tensor fakeQuantizeLearnablePerChannelAffine(Tensor x, Tensor scale, Tensor zeroPoint, int axis,
                                                               long quantMin, long quantMax, double gradFactor) {
        Args.require(x, "_fake_quantize_learnable_per_channel_affine", "self", 1, "Tensor");
        Args.require(scale, "_fake_quantize_learnable_per_channel_affine", "scale", 2, "Tensor");
        Args.require(zeroPoint, "_fake_quantize_learnable_per_channel_affine", "zero_point", 3, "Tensor");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor rounded = zeroPoint.round().clamp(quantMin, quantMax).to(DType.INT32);
            checkPerChannel(x, scale, rounded, axis, quantMin, quantMax);
            checkFloating(x);
            out = perChannelForward(x, scale, rounded, axis, quantMin, quantMax)[0];
        }
        float factor = (float) gradFactor;
        return ArithmeticOps.record(out, "FakeQuantizeLearnablePerChannelAffineBackward0",
            new Tensor[] {x, scale, zeroPoint}, n -> {
                SavedTensor sx = n.save(x);
                SavedTensor ss = n.save(scale);
                SavedTensor sz = n.save(zeroPoint);
                return g -> learnablePerChannelBackward(g, sx.get(), ss.get(), sz.get(), axis, quantMin, quantMax,
                    factor);
            });
    }

    /**
     * {@code torch.fused_moving_avg_obs_fake_quant(x, observer_on, fake_quant_on, running_min, running_max, scale,
     * zero_point, averaging_const, quant_min, quant_max, ch_axis, per_row_fake_quant, symmetric_quant)}: the
     * observer, the choice of parameters and the fake quantization of quantization-aware training in one op (what
     * {@code FusedMovingAvgObsFakeQuantize} runs). While {@code observerOn} is nonzero, folds the float32 input's
     * minimum and maximum (per row of axis 0 with {@code perRowFakeQuant}) into the running ones in place, as moving
     * averages in float ({@code running + c (current - running)}; an infinite running value takes the current one);
     * while {@code fakeQuantOn} is nonzero, writes the scale and zero point of FBGEMM's
     * {@code ChooseQuantizationParams} (double arithmetic, symmetric ranges kept symmetric with
     * {@code symmetricQuant}, scales below 6.1e-5 raised to it, the zero point nudged to an integer) into
     * {@code scale} and {@code zeroPoint} in place and returns the fake-quantized input, else a copy of it. One node,
     * FusedMovingAvgObsFqHelperBackward0 ({@code grad * mask}); an empty input gives {@code x.clone()}. The running
     * statistics must already hold one value per channel (Ember's tensors are not resized in place; the module
     * sizes its buffers itself). A failure (a NaN input: no minimum is at most a NaN maximum) leaves the statistics,
     * scale and zero point as they were (PyTorch's keep the NaN).
     *
     * @throws IllegalArgumentException for a non-float32 input, per-row quantization along an axis other than 0,
     *     running statistics of the wrong size, or a running minimum above the maximum (PyTorch's messages)
     */
    public static Tensor fusedMovingAvgObsFakeQuant(Tensor x, Tensor observerOn, Tensor fakeQuantOn, Tensor runningMin,
                                                   Tensor runningMax, Tensor scale, Tensor zeroPoint,
                                                   double averagingConst, long quantMin, long quantMax, int chAxis,
                                                   boolean perRowFakeQuant, boolean symmetricQuant) {
        Args.require(x, "fused_moving_avg_obs_fake_quant", "self", 1, "Tensor");
        if (x.numel() == 0) {
            return x.clone();
        }
        if (x.dtype != DType.FLOAT32) {
            throw new IllegalArgumentException("expected scalar type Float but found " + Format.scalarType(x.dtype));
        }
        float c = (float) averagingConst;
        Tensor[] outMask;
        // one operator whose kernel writes its observer's state (not its first argument): no transform refuses it
        try (GradMode off = Ember.noGrad(); FuncCaptures.Scope w = FuncCaptures.engineWrite()) {
            boolean observe = (int) observerOn.item() != 0;
            // the new statistics and parameters are computed first and stored only once nothing failed
            Tensor newMin = runningMin;
            Tensor newMax = runningMax;
            if (perRowFakeQuant) {
                Tensor y = x;
                if (x.dim() != 2) {
                    int n = x.dim();
                    int axis = chAxis < 0 ? chAxis + n : chAxis;
                    int[] perm = new int[n];
                    for (int i = 0; i < n; i++) {
                        perm[i] = i;
                    }
                    perm[axis] = 0;
                    perm[0] = axis;
                    y = x.permute(perm).flatten(1);
                }
                if (runningMin.numel() != x.size(chAxis) || runningMax.numel() != x.size(chAxis)) {
                    throw new IllegalArgumentException("fused_moving_avg_obs_fake_quant: running_min and running_max "
                            + "must hold one value per channel (" + x.size(chAxis) + "), got " + runningMin.numel()
                            + " and " + runningMax.numel());
                }
                if (observe) {
                    if (chAxis != 0) {
                        throw new IllegalArgumentException("Per-channel FakeQuant in fused_moving_avg_obs_fake_quant is "
                                + "only supported on axis == 0");
                    }
                    Tensor.MinMax cur = y.aminmax(1, false);
                    newMin = movingAverage(runningMin, cur.min(), c);
                    newMax = movingAverage(runningMax, cur.max(), c);
                }
            } else if (observe) {
                Tensor.MinMax cur = x.aminmax();
                newMin = movingAverage(runningMin, cur.min(), c);
                newMax = movingAverage(runningMax, cur.max(), c);
            }
            if ((int) fakeQuantOn.item() != 0) {
                double[] mins = newMin.to(DType.FLOAT32).toDoubleArray();
                double[] maxs = newMax.to(DType.FLOAT32).toDoubleArray();
                float[] scales = new float[mins.length];
                int[] zeros = new int[mins.length];
                for (int i = 0; i < mins.length; i++) {
                    double[] q = chooseQuantizationParams((float) mins[i], (float) maxs[i], (int) quantMin,
                        (int) quantMax, symmetricQuant);
                    scales[i] = (float) q[0];
                    zeros[i] = (int) q[1];
                }
                Tensor newScale = Tensor.tensor(scales, DType.FLOAT32, Device.CPU).to(scale.device);
                Tensor newZero = Tensor.tensor(zeros, DType.INT32, Device.CPU).to(zeroPoint.device);
                if (perRowFakeQuant) {
                    outMask = perChannelForward(x, newScale, newZero, chAxis, quantMin, quantMax);
                    scale.copy_(newScale);
                    zeroPoint.copy_(newZero);
                } else {
                    outMask = perTensorForward(x, scales[0], zeros[0], quantMin, quantMax);
                    scale.select(0, 0).copy_(newScale.select(0, 0));
                    zeroPoint.select(0, 0).copy_(newZero.select(0, 0));
                }
            } else {
                outMask = new Tensor[] {x.clone(), x.onesLike().to(DType.BOOL)};
            }
            if (newMin != runningMin) {
                runningMin.copy_(newMin);
                runningMax.copy_(newMax);
            }
        }
        return recordMasked(outMask, "FusedMovingAvgObsFqHelperBackward0", x);
    }

    /** {@code isinf(running) ? current : running + c (current - running)}, in float: the running value's update. */
    private static Tensor movingAverage(Tensor running, Tensor current, float c) {
        Tensor cur = current.reshape(running.shape());
        return Tensor.where(running.isinf(), cur, running.add(cur.sub(running).mul((double) c)));
    }

    /**
     * FBGEMM's {@code ChooseQuantizationParams(min, max, qmin, qmax, preserve_sparsity, false)} (PyTorch's
     * {@code quant_utils} copy of it), in its float and double arithmetic: the scale that maps [min(min, 0),
     * max(max, 0)] onto [qmin, qmax] (0.1 where it would be 0, at least 6.1e-5) and the zero point nudged to an
     * integer in the range ({@code preserveSparsity}: a symmetric range with the middle zero point).
     *
     * @param min the smallest observed value
     * @param max the largest observed value
     * @param qmin the quantized range's lower end
     * @param qmax the quantized range's upper end
     * @param preserveSparsity whether to keep the range symmetric around zero
     * @return {scale (a double), zero point}
     * @throws IllegalArgumentException for {@code min > max} (or NaN) or {@code qmin >= qmax} (PyTorch's messages)
     */
    public static double[] chooseQuantizationParams(float min, float max, int qmin, int qmax, boolean preserveSparsity) {
        if (!(min <= max)) {
            throw new IllegalArgumentException("In ChooseQuantizationParams, min should be less than or equal to max");
        }
        if (min < 0 && max > 0 && preserveSparsity) {
            int symmetricQmin = -((qmax - qmin) / 2 + 1);
            int symmetricQmax = (qmax - qmin) / 2;
            double maxScale = Math.max(Math.abs(min / (float) symmetricQmin), Math.abs(max / (float) symmetricQmax));
            min = (float) (maxScale * symmetricQmin);
            max = (float) (maxScale * symmetricQmax);
        }
        min = 0f < min ? 0f : min; // std::min(min, 0.f)
        max = max < 0f ? 0f : max; // std::max(max, 0.f)
        if (!(qmin < qmax)) {
            throw new IllegalArgumentException("In ChooseQuantizationParams, qmin should be less than qmax");
        }
        double scale = ((double) max - min) / (qmax - qmin);
        if ((float) scale == 0.0f || Float.isInfinite(1.0f / (float) scale)) {
            scale = 0.1;
        }
        if (!(scale > 0)) {
            throw new IllegalArgumentException("quantization scale should be > 0");
        }
        float small = 6.1e-5f;
        if (scale < small) {
            float original = (float) scale;
            scale = small;
            if (min == 0.0f) {
                max = small * (qmax - qmin);
            } else if (max == 0.0f) {
                min = -small * (qmax - qmin);
            } else {
                float amplifier = small / original;
                min *= amplifier;
                max *= amplifier;
            }
        }
        double fromMin = qmin - min / scale;
        double fromMax = qmax - max / scale;
        double errorMin = Math.abs(qmin) - Math.abs(min / scale);
        double errorMax = Math.abs(qmax) - Math.abs(max / scale);
        double initial = errorMin < errorMax ? fromMin : fromMax;
        if (min < 0 && max > 0 && preserveSparsity) {
            initial = (double) (qmin + qmax) / 2;
        }
        int nudged = initial < qmin ? qmin : initial > qmax ? qmax : (int) Math.rint(initial);
        return new double[] {scale, nudged};
    }

    // ------------------------------------------------------------------ forward

    private static Tensor perTensor(Tensor x, float scale, long zeroPoint, long quantMin, long quantMax, String node) {
        checkFloating(x);
        Tensor[] outMask;
        try (GradMode off = Ember.noGrad()) {
            outMask = perTensorForward(x, scale, zeroPoint, quantMin, quantMax);
        }
        return recordMasked(outMask, node, x);
    }

    /**
     * PyTorch 2.x's per-tensor kernel: {@code q = zero_point + nearbyint(x * inv_scale)} in the input's type (float32
     * for float16/bfloat16), clamped with fmin/fmax, then {@code (q - zero_point) * scale} as an int64 times a float:
     * a float product (also for float64 input). Returns the result and the mask
     * {@code quant_min <= q <= quant_max}.
     */
    private static Tensor[] perTensorForward(Tensor x, float scale, long zeroPoint, long quantMin, long quantMax) {
        DType type = x.dtype;
        Tensor v = type == DType.FLOAT64 ? x : x.to(DType.FLOAT32);
        float inv = 1.0f / scale;
        Tensor q = v.mul((double) inv).round().add((double) zeroPoint);
        Tensor mask = q.ge((double) quantMin).logicalAnd(q.le((double) quantMax));
        // fmax(NaN, quant_min) is quant_min; clamp sends -inf and +inf to the ends
        Tensor clamped = Tensor.where(q.isnan().logicalNot(), q.clamp((double) quantMin, (double) quantMax),
            (double) quantMin);
        Tensor out = clamped.sub((double) zeroPoint).to(DType.FLOAT32).mul((double) scale).to(type);
        return new Tensor[] {out, mask};
    }

    /**
     * PyTorch's per-channel kernels. Integer zero point: {@code q = (int64) (zero_point + nearbyint(x * inv_scale))};
     * float zero point: {@code q = lrintf(zero_point + x * inv_scale)} (the sum narrowed to float; for float32 input
     * one fused multiply-add, as PyTorch's AVX2 build contracts it); then
     * {@code (clamp(q) - zero_point) * scale} in double, rounded to the input's type. Returns the result and the mask.
     */
    private static Tensor[] perChannelForward(Tensor x, Tensor scale, Tensor zeroPoint, int axis, long quantMin,
                                              long quantMax) {
        DType type = x.dtype;
        Tensor v = type == DType.FLOAT64 ? x : x.to(DType.FLOAT32);
        int[] shape = channelShape(x, axis);
        Tensor s = scale.to(DType.FLOAT32).reshape(shape);
        Tensor inv = Tensor.ones(DType.FLOAT32, shape).div(s).to(v.dtype); // 1.0f / scale, in float
        Tensor q;
        Tensor z;
        if (zeroPoint.dtype.isFloatingPoint()) {
            z = zeroPoint.to(DType.FLOAT32).reshape(shape);
            if (v.dtype == DType.FLOAT32) {
                // lrintf(zero_point + x * inv_scale) as PyTorch's AVX2 kernels compute it: one fused multiply-add (the
                // float product exact in double, the sum with the zero point exact there too but for addends 2^53
                // apart), so x * inv_scale is not rounded to float before the zero point is added
                q = v.to(DType.FLOAT64).mul(inv.to(DType.FLOAT64)).add(z.to(DType.FLOAT64)).to(DType.FLOAT32).round();
            } else {
                q = v.mul(inv).add(z.to(v.dtype)).to(DType.FLOAT32).round();
            }
        } else {
            z = zeroPoint.to(DType.FLOAT64).reshape(shape);
            q = v.mul(inv).round().add(z.to(v.dtype));
        }
        q = asInt64(q.to(DType.FLOAT64));
        Tensor mask = q.ge((double) quantMin).logicalAnd(q.le((double) quantMax));
        Tensor out = q.clamp((double) quantMin, (double) quantMax).sub(z.to(DType.FLOAT64))
                .mul(s.to(DType.FLOAT64)).to(type);
        return new Tensor[] {out, mask};
    }

    /**
     * A conversion to int64 as x86 does it: an index that is NaN or out of int64's range becomes its minimum; a
     * rounded -0.0 becomes the integer 0 (so {@code (0 - zero_point) * scale} has no negative sign).
     */
    private static Tensor asInt64(Tensor q) {
        return Tensor.where(q.abs().lt(INT64_LIMIT), q.add(0.0), -INT64_LIMIT);
    }

    /** Records {@code outMask[0]} as made from {@code x} by one node whose backward is {@code grad * outMask[1]}. */
    private static Tensor recordMasked(Tensor[] outMask, String node, Tensor x) {
        Tensor mask = outMask[1];
        return ArithmeticOps.record(outMask[0], node, new Tensor[] {x}, n -> g -> new Tensor[] {maskGrad(g, mask)});
    }

    /** {@code [1, ..., C, ..., 1]}: {@code x}'s size at {@code axis}, ones elsewhere (a per-channel parameter's view). */
    private static int[] channelShape(Tensor x, int axis) {
        int[] shape = new int[x.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[axis] = x.size(axis);
        return shape;
    }

    /** {@code grad * mask} (a NaN gradient stays NaN where masked, as PyTorch's product). */
    private static Tensor maskGrad(Tensor g, Tensor mask) {
        return g.numel() == 0 ? g : g.mul(mask);
    }

    // ------------------------------------------------------------------ learnable backward

    /** {@code _fake_quantize_learnable_per_tensor_affine_backward}: (dX, dScale [1], dZeroPoint [1]). */
    private static Tensor[] learnablePerTensorBackward(Tensor g, Tensor x, Tensor scale, Tensor zeroPoint,
                                                      long quantMin, long quantMax, float factor) {
        float s = (float) first(scale);
        float inv = 1.0f / s;
        float zf = (float) first(zeroPoint);
        // the backward's zero point: zero_point + 0.5f, clamped, truncated
        long z = (long) Math.min(Math.max(zf + 0.5f, (float) quantMin), (float) quantMax);
        checkFloat32(g, "dY");
        checkFloat32(x, "X");
        checkFloat32(scale, "scale");
        checkFloat32(zeroPoint, "zero_point");
        if (quantMin > 0 || quantMax < 0) {
            throw new IllegalArgumentException("`quant_min` should be less than or         equal to `quant_max`, and "
                    + "the quantization range should include 0.");
        }
        if (z < quantMin || z > quantMax) {
            throw new IllegalArgumentException("`zero_point` must be between `quant_min` and `quant_max`.");
        }
        if (x.numel() == 0) {
            return new Tensor[] {x, scale, zeroPoint};
        }
        Tensor[] parts = learnableParts(g, x, Creation.wrap((double) s).to(DType.FLOAT32),
            Creation.wrap((double) inv).to(DType.FLOAT32), Creation.wrap((double) z).to(DType.FLOAT32), quantMin,
            quantMax, factor);
        return new Tensor[] {parts[0], parts[1].sum().unsqueeze(0), parts[2].sum().unsqueeze(0)};
    }

    /** {@code _fake_quantize_learnable_per_channel_affine_backward}: (dX, dScale [C], dZeroPoint [C]). */
    private static Tensor[] learnablePerChannelBackward(Tensor g, Tensor x, Tensor scale, Tensor zeroPoint, int axis,
                                                       long quantMin, long quantMax, float factor) {
        Tensor rounded = zeroPoint.round().clamp((double) quantMin, (double) quantMax);
        checkFloat32(g, "dY_");
        checkFloat32(x, "X_");
        checkFloat32(scale, "scale_");
        checkFloat32(zeroPoint, "zero_point_");
        if (quantMin > 0 || quantMax < 0) {
            throw new IllegalArgumentException("Expecting `quant_min` <= 0 and `quant_max` >= 0");
        }
        if (x.numel() == 0) {
            return new Tensor[] {x, scale, zeroPoint};
        }
        int[] shape = channelShape(x, axis);
        Tensor s = scale.reshape(shape);
        Tensor inv = Tensor.ones(DType.FLOAT32, shape).div(s);
        Tensor[] parts = learnableParts(g, x, s, inv, rounded.reshape(shape), quantMin, quantMax, factor);
        int[] others = new int[x.dim() - 1];
        for (int d = 0, k = 0; d < x.dim(); d++) {
            if (d != axis) {
                others[k++] = d;
            }
        }
        return new Tensor[] {parts[0], parts[1].sum(others, false), parts[2].sum(others, false)};
    }

    /**
     * The learnable kernels' elementwise gradients, in float as theirs: {@code xq = nearbyint(fma(x, inv, z))} (as an
     * int64), {@code dX = dY * inRange}; outside the range {@code dScale = dY * (quant_min or quant_max - z) * f} and
     * {@code dZ = dY * -1 * scale * f}, inside {@code dScale = dY * (xfq - x) * inv * f} and {@code dZ = 0}, with
     * {@code xfq = (clamp(xq) - z) * scale}.
     */
    private static Tensor[] learnableParts(Tensor g, Tensor x, Tensor s, Tensor inv, Tensor z, long quantMin,
                                           long quantMax, float factor) {
        double f = factor;
        // nearbyint(zero_point + x * inv_scale) as PyTorch's AVX2 build computes it: one fused multiply-add (the
        // product of two floats is exact in double, and so is the sum with the integral zero point but for an
        // addend 2^53 times smaller than the other, whose double rounding could only move a float rounding tie)
        Tensor xq = asInt64(x.to(DType.FLOAT64).mul(inv.to(DType.FLOAT64)).add(z.to(DType.FLOAT64))
            .to(DType.FLOAT32).round().to(DType.FLOAT64));
        Tensor below = xq.lt((double) quantMin);
        Tensor above = xq.gt((double) quantMax);
        Tensor outside = below.logicalOr(above);
        Tensor inside = outside.logicalNot();
        Tensor dx = g.mul(inside);
        Tensor xfq = xq.clamp((double) quantMin, (double) quantMax).sub(z.to(DType.FLOAT64)).to(DType.FLOAT32).mul(s);
        Tensor small = Creation.wrap((double) quantMin).to(DType.FLOAT32).sub(z);
        Tensor big = Creation.wrap((double) quantMax).to(DType.FLOAT32).sub(z);
        Tensor outsideScale = g.mul(Tensor.where(below, small, big)).mul(f);
        Tensor insideScale = g.mul(xfq.sub(x)).mul(inv).mul(f);
        Tensor dScale = Tensor.where(inside, insideScale, outsideScale);
        Tensor dZero = Tensor.where(outside, g.neg().mul(s).mul(f), 0.0);
        return new Tensor[] {dx, dScale, dZero};
    }

    // ------------------------------------------------------------------ checks

    private static void checkRange(long quantMin, long quantMax) {
        if (quantMin > quantMax) {
            // PyTorch's message, with the spaces its line continuation leaves in it
            throw new IllegalArgumentException("`quant_min` should be less than or         equal to `quant_max`.");
        }
    }

    private static void checkFloating(Tensor x) {
        if (!x.dtype.isFloatingPoint() || x.dtype.isComplex()) {
            throw Refusals.notImplemented("fake_quantize_tensor_cachemask_kernel_type_handling", x.dtype);
        }
    }

    private static void checkFloat32(Tensor t, String name) {
        if (t.dtype != DType.FLOAT32) {
            throw new IllegalArgumentException("Expected " + name + ".scalar_type() == ScalarType::Float to be true, "
                    + "but got false.  (Could this error message be improved?  If so, please report an enhancement "
                    + "request to PyTorch.)");
        }
    }

    /** fake_quantize_per_channel_affine_cachemask's checks, in its order. */
    private static void checkPerChannel(Tensor x, Tensor scale, Tensor zeroPoint, int axis, long quantMin,
                                        long quantMax) {
        ArithmeticOps.checkSameDevice(x, scale);
        ArithmeticOps.checkSameDevice(x, zeroPoint);
        if (scale.dtype != DType.FLOAT32 && scale.dtype != DType.BFLOAT16) {
            throw new IllegalArgumentException("Scale must be Float or BFloat16, found "
                    + Format.scalarType(scale.dtype));
        }
        DType zt = zeroPoint.dtype;
        if (zt != DType.INT32 && zt != DType.FLOAT32 && zt != DType.FLOAT16) {
            throw new IllegalArgumentException("Zero-point must be Int32, Float or Half, found "
                    + Format.scalarType(zt));
        }
        if (scale.dim() != 1) {
            throw new IllegalArgumentException("scale should be a 1-D tensor");
        }
        if (zeroPoint.dim() != 1) {
            throw new IllegalArgumentException("zero point should be a 1-D tensor");
        }
        if (scale.numel() != zeroPoint.numel()) {
            throw new IllegalArgumentException("scale and zero-point need to have the same dimensions");
        }
        if (scale.numel() != x.size(axis)) {
            throw new IllegalArgumentException("dimensions of scale and zero-point are not consistent with input tensor");
        }
        checkRange(quantMin, quantMax);
        if (!zt.isFloatingPoint() && zeroPoint.numel() > 0) {
            Tensor.MinMax mm = zeroPoint.aminmax();
            if (mm.min().item() < quantMin || mm.max().item() > quantMax) {
                throw new IllegalArgumentException("`zero_point` must be between `quant_min` and `quant_max`.");
            }
        }
        if (axis < 0 || axis > x.dim()) {
            throw new IllegalArgumentException("`axis` must be between 0 and number of dimensions of input");
        }
    }

    /** {@code t[0].item()}: the first element, as PyTorch's learnable ops read the scale and the zero point. */
    private static double first(Tensor t) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                    + "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
        }
        if (t.size(0) == 0) {
            throw new IllegalArgumentException("index 0 is out of bounds for dimension 0 with size 0");
        }
        return t.select(0, 0).item();
    }
}
