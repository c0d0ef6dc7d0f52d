package dev.ember;

import java.util.Arrays;

/**
 * Normalization as PyTorch's fused ops: {@code native_layer_norm} (NativeLayerNormBackward0), {@code _fused_rms_norm}
 * (FusedRmsNormBackward0), {@code native_group_norm} (NativeGroupNormBackward0) and {@code native_batch_norm}
 * (NativeBatchNormBackward0), each one forward kernel and one node whose backward is one kernel (the backend's
 * normalization family), saving the mean and {@code rstd} (batch norm: {@code invstd}) the forward computed, as
 * PyTorch does. When the backward itself is recorded ({@code create_graph}), the gradients are computed by the same
 * formulas written in Tensor ops from the input (PyTorch's {@code infinitely_differentiable_*_backward} for group and
 * RMS norm; for layer and batch norm PyTorch has dedicated double-backward formulas, whose values these equal), so every
 * norm can be differentiated twice. {@code instance_norm} is PyTorch's composition over batch norm.
 */
final class NormOps {
    private NormOps() {
    }

    /** A tensor of {@code dtype}, contiguous from element 0 of its storage, as the kernels read vectors; null stays null. */
    private static Tensor dense(Tensor t, DType dtype) {
        if (t == null) {
            return null;
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor c = ArithmeticOps.cast(t, dtype);
            if (c.layout.isContiguous() && c.layout.offset() == 0) {
                return c;
            }
            Tensor out = Creation.empty(c.shape, dtype, c.device);
            c.backend.copy(c.storage(), c.layout, out.storage(), out.layout);
            return out;
        }
    }

    /** {@code t} viewed (or copied, when it cannot be viewed) with {@code shape}, without history. */
    /**
     * {@code t} contiguous from offset 0 in its own type, as the backward kernels read saved statistics: a tensor a
     * saved-tensor unpack hook returned may have any layout.
     */
    private static Tensor dense(Tensor t) {
        return dense(t, t.dtype);
    }

    private static Tensor as(Tensor t, int... shape) {
        try (GradMode off = Ember.noGrad()) {
            return t.reshape(shape);
        }
    }

    private static dev.ember.backend.Storage storage(Tensor t) {
        return t == null ? null : t.storage();
    }

    private static String intList(int[] v) {
        return Shapes.str(v);
    }

    private static void checkFloating(Tensor input, String kernel) {
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented(kernel, input.dtype);
        }
    }

    /**
     * 2.x's {@code is_mixed_type} and {@code check_mixed_data_type} (layer_norm, group_norm): true where a parameter's type differs
     * from the input's, which is allowed only for float32 parameters of a float16/bfloat16 input (computed in float32);
     * otherwise 2.x's "mixed dtype (CPU)" errors, the parameters checked first.
     */
    private static boolean mixedParams(Tensor input, Tensor... params) {
        boolean mixed = false;
        for (Tensor p : params) {
            mixed |= p != null && p.dtype != input.dtype;
        }
        if (!mixed) {
            return false;
        }
        for (Tensor p : params) {
            if (p != null && p.dtype != DType.FLOAT32) {
                throw new IllegalArgumentException("mixed dtype (CPU): expect parameter to have scalar type of Float");
            }
        }
        if (!input.dtype.isReducedFloatingPoint()) {
            throw new IllegalArgumentException("mixed dtype (CPU): all inputs must share same datatype.");
        }
        return true;
    }

    /** PyTorch's CPU kernels read the parameters in the input's type: another type is its error. */
    private static void checkParamType(Tensor input, Tensor p) {
        if (p != null && p.dtype != input.dtype) {
            throw new IllegalArgumentException("expected scalar type " + Format.scalarType(input.dtype) + " but found "
                    + Format.scalarType(p.dtype));
        }
    }

    private static int[] range(int from, int to) {
        int[] d = new int[to - from];
        for (int i = from; i < to; i++) {
            d[i - from] = i;
        }
        return d;
    }

    /** {@code t} summed over {@code dims} (all kept when empty), without keepdim. */
    private static Tensor sumOver(Tensor t, int[] dims) {
        return dims.length == 0 ? t : t.sum(dims, false);
    }

    // ------------------------------------------------------------------ layer norm and RMS norm

    /** The rows and columns of a norm over the last dimensions, after PyTorch's _check_layer_norm_inputs. */
    private static long[] rowsAndCols(String what, Tensor input, int[] normalizedShape, Tensor weight, Tensor bias) {
        int k = normalizedShape.length;
        if (k < 1) {
            throw new IllegalArgumentException("Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                    + "least one element, but got normalized_shape = " + intList(normalizedShape));
        }
        if (weight != null && !Arrays.equals(weight.shape, normalizedShape)) {
            throw new IllegalArgumentException("Expected weight to be of same shape as normalized_shape, but got weight of shape "
                    + intList(weight.shape) + " and normalized_shape = " + intList(normalizedShape));
        }
        if (bias != null && !Arrays.equals(bias.shape, normalizedShape)) {
            throw new IllegalArgumentException("Expected bias to be of same shape as normalized_shape, but got bias of shape "
                    + intList(bias.shape) + " and normalized_shape = " + intList(normalizedShape));
        }
        int rank = input.dim();
        if (rank < k || !Arrays.equals(Arrays.copyOfRange(input.shape, rank - k, rank), normalizedShape)) {
            StringBuilder sb = new StringBuilder("Given normalized_shape=" + intList(normalizedShape)
                    + ", expected input with shape [*");
            for (int s : normalizedShape) {
                sb.append(", ").append(s);
            }
            sb.append("], but got input of size").append(intList(input.shape));
            throw new IllegalArgumentException(sb.toString());
        }
        ArithmeticOps.checkSameDevice(input, weight, bias);
        long m = 1;
        long n = 1;
        for (int i = 0; i < rank; i++) {
            if (i < rank - k) {
                m *= input.shape[i];
            } else {
                n *= input.shape[i];
            }
        }
        return new long[] {m, n};
    }

    /** The shape of the statistics of a norm over the last {@code k} dimensions: the leading sizes, then ones. */
    private static int[] statShape(int[] shape, int k) {
        int[] s = shape.clone();
        Arrays.fill(s, shape.length - k, shape.length, 1);
        return s;
    }

    /**
     * PyTorch's {@code native_layer_norm}: the output, and the mean and rstd of each row (shaped as the input with ones
     * in the normalized dimensions). One node NativeLayerNormBackward0 over input, weight and bias.
     */
    static NormResult nativeLayerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        // 2.x's layer_norm_cpu checks the types before the shapes
        if (input != null && mixedParams(input, weight, bias)) {
            return mixedLayerNorm(input, normalizedShape, weight, bias, eps);
        }
        long[] mn = rowsAndCols("layer_norm", input, normalizedShape, weight, bias);
        checkFloating(input, "LayerNormKernelImpl");
        int m = (int) mn[0];
        int n = (int) mn[1];
        int k = normalizedShape.length;
        int axis = input.dim() - k;
        DType t = input.dtype;
        Tensor out = Creation.empty(input.shape, t, input.device);
        Tensor mean = Creation.empty(new int[] {m}, t, input.device);
        Tensor rstd = Creation.empty(new int[] {m}, t, input.device);
        if (m > 0 && n > 0) {
            Tensor x = as(input, m, n);
            Tensor w = dense(weight, t);
            Tensor b = dense(bias, t);
            input.backend.layerNorm(x.storage(), x.layout, storage(w), storage(b), eps, out.storage(),
                    dev.ember.backend.Layout.contiguous(m, n), mean.storage(), rstd.storage());
        } else if (m > 0) {
            // rows of no elements: PyTorch's mean 0 and rstd nan
            input.backend.fill(mean.storage(), mean.layout, 0);
            input.backend.fill(rstd.storage(), rstd.layout, Double.NaN);
        }
        int[] stats = statShape(input.shape, k);
        Tensor meanView = mean.view(stats);
        Tensor rstdView = rstd.view(stats);
        int[] wShape = normalizedShape.clone();
        ArithmeticOps.record(out, "NativeLayerNormBackward0", new Tensor[] {input, weight, bias}, node -> {
            // as PyTorch's node: input, weight, bias (read for whether it is defined), mean and rstd in the statistics'
            // shape (the input's shape with 1 in the normalized dimensions)
            SavedTensor sx = node.save(input);
            SavedTensor sw = weight == null ? null : node.save(weight);
            if (bias != null) {
                node.save(bias);
            }
            SavedTensor sm = node.save(meanView);
            SavedTensor sr = node.save(rstdView);
            return g -> {
                Tensor x = sx.get();
                Tensor w = sw == null ? null : sw.get();
                boolean gi = node.needsInputGrad(0);
                boolean gw = node.needsInputGrad(1);
                boolean gb = node.needsInputGrad(2);
                if (GradMode.isEnabled()) {
                    return rowNormComposite(false, g, x, w, eps, axis, gi, gw, gb);
                }
                Tensor dx = gi ? Creation.empty(x.shape, g.dtype, g.device) : null;
                Tensor dw = gw ? Creation.zeros(new int[] {n}, g.dtype, g.device) : null;
                Tensor db = gb ? Creation.zeros(new int[] {n}, g.dtype, g.device) : null;
                if (m > 0 && n > 0) {
                    Tensor gy = as(g, m, n);
                    Tensor x2 = as(x, m, n);
                    Tensor wd = dense(w, g.dtype);
                    g.backend.layerNormBackward(gy.storage(), gy.layout, x2.storage(), x2.layout, dense(sm.get()).storage(),
                            dense(sr.get()).storage(), storage(wd), storage(dx), dev.ember.backend.Layout.contiguous(m, n),
                            storage(dw), storage(db));
                }
                return new Tensor[] {dx, dw == null ? null : dw.view(wShape), db == null ? null : db.view(wShape)};
            };
        });
        return new NormResult(out, meanView, rstdView);
    }

    /**
     * 2.x's mixed-type layer_norm: a float16/bfloat16 input with float32 weight and bias, computed in float32 with the
     * parameters as they are and the output rounded once to the input's type; mean and rstd in float32. One node
     * NativeLayerNormBackward0 over input, weight and bias (the input's gradient in its type, the parameters' in float32).
     */
    private static NormResult mixedLayerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias,
                                             double eps) {
        int axis = input.dim() - normalizedShape.length;
        return mixedNorm("NativeLayerNormBackward0", input, weight, bias,
                (x, w, b) -> nativeLayerNorm(x, normalizedShape, w, b, eps),
                (g, x, w, gi, gw, gb) -> rowNormComposite(false, g, x, w, eps, axis, gi, gw, gb));
    }

    /** A norm's forward on the float32 input with the parameters detached (under no-grad). */
    private interface Float32Forward {
        NormResult apply(Tensor x, Tensor weight, Tensor bias);
    }

    /** A norm's gradients of input, weight and bias from float32 {@code g} and {@code x}, as Tensor ops. */
    private interface Float32Backward {
        Tensor[] apply(Tensor g, Tensor x, Tensor weight, boolean gi, boolean gw, boolean gb);
    }

    /**
     * The mixed-type norms (a float16/bfloat16 input with float32 parameters): {@code forward} in float32, the output
     * rounded once to the input's type, and one node {@code nodeName} whose {@code backward} runs in float32 and
     * rounds only the input's gradient back to its type.
     */
    private static NormResult mixedNorm(String nodeName, Tensor input, Tensor weight, Tensor bias,
                                        Float32Forward forward, Float32Backward backward) {
        NormResult r;
        try (GradMode off = Ember.noGrad()) {
            r = forward.apply(ArithmeticOps.cast(input, DType.FLOAT32), weight == null ? null : weight.detach(),
                    bias == null ? null : bias.detach());
        }
        Tensor out = ArithmeticOps.cast(r.output(), input.dtype);
        DType t = input.dtype;
        ArithmeticOps.record(out, nodeName, new Tensor[] {input, weight, bias}, node -> {
            SavedTensor sx = node.save(input);
            SavedTensor sw = weight == null ? null : node.save(weight);
            return g -> {
                Tensor[] d = backward.apply(g.to(DType.FLOAT32), sx.get().to(DType.FLOAT32),
                        sw == null ? null : sw.get(), node.needsInputGrad(0), node.needsInputGrad(1),
                        node.needsInputGrad(2));
                return new Tensor[] {d[0] == null ? null : d[0].to(t), d[1], d[2]};
            };
        });
        return new NormResult(out, r.mean(), r.rstd());
    }

    static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        if (Autocast.on()) return Autocast.apply("layer_norm", t -> layerNorm(t[0], normalizedShape, t[1], t[2], eps),
                input, weight, bias);
        return nativeLayerNorm(input, normalizedShape, weight, bias, eps).output();
    }

    /**
     * The gradients of layer norm (or RMS norm) in Tensor ops, from the input: differentiable again. With
     * {@code xhat = (x - mean) rstd}, {@code dxhat = grad * weight}: {@code dx = rstd (dxhat - mean(dxhat) - xhat
     * mean(dxhat xhat))} (RMS norm without the {@code mean(dxhat)} term and with {@code mean = 0}).
     */
    private static Tensor[] rowNormComposite(boolean rms, Tensor g, Tensor x, Tensor w, double eps, int axis, boolean gi,
                                             boolean gw, boolean gb) {
        int[] dims = range(axis, x.dim());
        int[] lead = range(0, axis);
        Tensor xc = rms ? x : x.sub(x.mean(dims, true));
        Tensor rstd = xc.mul(xc).mean(dims, true).add(eps).rsqrt();
        Tensor xhat = xc.mul(rstd);
        Tensor dx = null;
        if (gi) {
            Tensor dxhat = w == null ? g : g.mul(w);
            Tensor inner = dxhat.sub(xhat.mul(dxhat.mul(xhat).mean(dims, true)));
            if (!rms) {
                inner = inner.sub(dxhat.mean(dims, true));
            }
            dx = inner.mul(rstd);
        }
        Tensor dw = gw ? sumOver(g.mul(xhat), lead) : null;
        Tensor db = gb ? sumOver(g, lead) : null;
        return new Tensor[] {dx, dw, db};
    }

    /**
     * {@code std::numeric_limits<opmath_t>::epsilon()} of a floating type: RMS norm's default eps (float32's for
     * float16 and bfloat16, which compute in float32).
     */
    static double machineEpsilon(DType t) {
        return t == DType.FLOAT32 || t.isReducedFloatingPoint() ? Math.ulp(1.0f) : Math.ulp(1.0);
    }

    /**
     * PyTorch's {@code rms_norm} ({@code _fused_rms_norm} on the CPU and CUDA in 2.x): {@code x * rsqrt(mean(x^2) + eps)
     * * weight} over the last dimensions, {@code eps} null meaning the type's machine epsilon. One node,
     * FusedRmsNormBackward0 over input and weight; returns the output and rstd.
     */
    static Tensor[] fusedRmsNorm(Tensor input, int[] normalizedShape, Tensor weight, Double eps) {
        long[] mn = rowsAndCols("rms_norm", input, normalizedShape, weight, null);
        checkFloating(input, "rms_norm");
        checkParamType(input, weight);
        int m = (int) mn[0];
        int n = (int) mn[1];
        int k = normalizedShape.length;
        int axis = input.dim() - k;
        DType t = input.dtype;
        double e = eps == null ? machineEpsilon(t) : eps;
        Tensor out = Creation.empty(input.shape, t, input.device);
        Tensor rstd = Creation.empty(new int[] {m}, t, input.device);
        if (m > 0 && n > 0) {
            Tensor x = as(input, m, n);
            Tensor w = dense(weight, t);
            input.backend.rmsNorm(x.storage(), x.layout, storage(w), e, out.storage(),
                    dev.ember.backend.Layout.contiguous(m, n), rstd.storage());
        } else if (m > 0) {
            input.backend.fill(rstd.storage(), rstd.layout, Double.NaN); // the mean square of no elements
        }
        int[] wShape = normalizedShape.clone();
        ArithmeticOps.record(out, "FusedRmsNormBackward0", new Tensor[] {input, weight}, node -> {
            SavedTensor sx = node.save(input);
            SavedTensor sw = weight == null ? null : node.save(weight);
            SavedTensor sr = node.save(rstd);
            return g -> {
                Tensor x = sx.get();
                Tensor w = sw == null ? null : sw.get();
                boolean gi = node.needsInputGrad(0);
                boolean gw = node.needsInputGrad(1);
                if (GradMode.isEnabled()) {
                    Tensor[] r = rowNormComposite(true, g, x, w, e, axis, gi, gw, false);
                    return new Tensor[] {r[0], r[1]};
                }
                Tensor dx = gi ? Creation.empty(x.shape, g.dtype, g.device) : null;
                Tensor dw = gw ? Creation.zeros(new int[] {n}, g.dtype, g.device) : null;
                if (m > 0 && n > 0) {
                    Tensor gy = as(g, m, n);
                    Tensor x2 = as(x, m, n);
                    Tensor wd = dense(w, g.dtype);
                    g.backend.rmsNormBackward(gy.storage(), gy.layout, x2.storage(), x2.layout, dense(sr.get()).storage(),
                            storage(wd), storage(dx), dev.ember.backend.Layout.contiguous(m, n), storage(dw));
                }
                return new Tensor[] {dx, dw == null ? null : dw.view(wShape)};
            };
        });
        return new Tensor[] {out, rstd.view(statShape(input.shape, k))};
    }

    static Tensor rmsNorm(Tensor input, int[] normalizedShape, Tensor weight, Double eps) {
        return fusedRmsNorm(input, normalizedShape, weight, eps)[0];
    }

    // ------------------------------------------------------------------ group norm

    /** PyTorch's check_group_norm_inputs. */
    private static void checkGroupNorm(Tensor input, Tensor weight, Tensor bias, int channels, int groups) {
        if (groups <= 0) {
            throw new IllegalArgumentException("Expected num groups to be greater than 0, got " + groups);
        }
        if (channels % groups != 0) {
            throw new IllegalArgumentException("Expected number of channels in input to be divisible by num_groups, but got "
                    + "input of shape " + intList(input.shape) + " and num_groups=" + groups);
        }
        if (weight != null && (weight.dim() != 1 || weight.numel() != channels)) {
            throw new IllegalArgumentException("Expected weight to be a vector of size equal to the number of channels in "
                    + "input, but got weight of shape " + intList(weight.shape) + " and input of shape " + intList(input.shape));
        }
        if (bias != null && (bias.dim() != 1 || bias.numel() != channels)) {
            throw new IllegalArgumentException("Expected bias to be a vector of size equal to the number of channels in "
                    + "input, but got bias of shape " + intList(bias.shape) + " and input of shape " + intList(input.shape));
        }
    }

    /** PyTorch's {@code group_norm} (without F's size check): native_group_norm of the input, NativeGroupNormBackward0. */
    static Tensor groupNorm(Tensor input, int groups, Tensor weight, Tensor bias, double eps) {
        if (Autocast.on()) return Autocast.apply("group_norm", t -> groupNorm(t[0], groups, t[1], t[2], eps),
                input, weight, bias);
        if (input.dim() < 2) {
            // group_norm reads input.size(1)
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + -Math.max(1, input.dim())
                    + ", " + (Math.max(1, input.dim()) - 1) + "], but got 1)");
        }
        checkGroupNorm(input, weight, bias, input.shape[1], groups);
        return nativeGroupNorm(input, weight, bias, groups, eps).output();
    }

    /**
     * PyTorch's {@code native_group_norm} of an {@code [N, C, *]} input: the output and the mean and rstd of each
     * (sample, group), shaped {@code [N, groups]}.
     */
    static NormResult nativeGroupNorm(Tensor input, Tensor weight, Tensor bias, int groups, double eps) {
        if (input.dim() < 2) {
            throw new IllegalArgumentException("Expected at least 2 dimensions for input tensor but received " + input.dim());
        }
        int batch = input.shape[0];
        int channels = input.shape[1];
        checkGroupNorm(input, weight, bias, channels, groups);
        ArithmeticOps.checkSameDevice(input, weight, bias);
        if (mixedParams(input, weight, bias)) {
            return mixedGroupNorm(input, weight, bias, groups, eps);
        }
        checkFloating(input, "GroupNormKernelImpl");
        long len = 1;
        for (int i = 2; i < input.dim(); i++) {
            len *= input.shape[i];
        }
        int l = (int) len;
        DType t = input.dtype;
        Tensor out = Creation.empty(input.shape, t, input.device);
        Tensor mean = Creation.empty(new int[] {batch, groups}, t, input.device);
        Tensor rstd = Creation.empty(new int[] {batch, groups}, t, input.device);
        if (input.numel() > 0) {
            Tensor x = as(input, batch, channels, l);
            input.backend.groupNorm(x.storage(), x.layout, groups, storage(dense(weight, t)), storage(dense(bias, t)), eps,
                    out.storage(), dev.ember.backend.Layout.contiguous(batch, channels, l), mean.storage(), rstd.storage());
        } else if (batch > 0) {
            input.backend.fill(mean.storage(), mean.layout, 0);
            input.backend.fill(rstd.storage(), rstd.layout, 1 / Math.sqrt(eps));
        }
        // PyTorch's CPU native_group_norm and (2.x) native_group_norm_backward: the output and the input gradient in
        // input.suggest_memory_format() (1.13's backward gave a row-major input gradient); other devices row-major
        boolean cl = input.device.isCpu() && (input.dim() == 4 || input.dim() == 5)
                && NNOps.stridesLikeChannelsLast(input.shape, input.layout.strides());
        out = NNOps.channelsLastIf(out, cl);
        ArithmeticOps.record(out, "NativeGroupNormBackward0", new Tensor[] {input, weight, bias}, node -> {
            SavedTensor sx = node.save(input);
            SavedTensor sw = weight == null ? null : node.save(weight);
            SavedTensor sm = node.save(mean);
            SavedTensor sr = node.save(rstd);
            return g -> {
                Tensor x = sx.get();
                Tensor w = sw == null ? null : sw.get();
                boolean gi = node.needsInputGrad(0);
                boolean gw = node.needsInputGrad(1);
                boolean gb = node.needsInputGrad(2);
                if (GradMode.isEnabled()) {
                    return groupNormComposite(g, x, w, groups, eps, gi, gw, gb);
                }
                Tensor dx = gi ? Creation.empty(x.shape, g.dtype, g.device) : null;
                Tensor dw = gw ? Creation.zeros(new int[] {channels}, g.dtype, g.device) : null;
                Tensor db = gb ? Creation.zeros(new int[] {channels}, g.dtype, g.device) : null;
                if (x.numel() > 0) {
                    Tensor gy = as(g, batch, channels, l);
                    Tensor x3 = as(x, batch, channels, l);
                    g.backend.groupNormBackward(gy.storage(), gy.layout, x3.storage(), x3.layout, groups, dense(sm.get()).storage(),
                            dense(sr.get()).storage(), storage(dense(w, g.dtype)), storage(dx),
                            dev.ember.backend.Layout.contiguous(batch, channels, l), storage(dw), storage(db));
                }
                return new Tensor[] {NNOps.channelsLastIf(dx, cl), dw, db};
            };
        });
        return new NormResult(out, mean, rstd);
    }

    /**
     * 2.x's mixed-type group_norm: a float16/bfloat16 input with float32 weight and bias, computed in float32 with the
     * parameters as they are, the output rounded once to the input's type; mean and rstd in float32. One node
     * NativeGroupNormBackward0 (the input's gradient in its type, the parameters' in float32).
     */
    private static NormResult mixedGroupNorm(Tensor input, Tensor weight, Tensor bias, int groups, double eps) {
        return mixedNorm("NativeGroupNormBackward0", input, weight, bias,
                (x, w, b) -> nativeGroupNorm(x, w, b, groups, eps),
                (g, x, w, gi, gw, gb) -> groupNormComposite(g, x, w, groups, eps, gi, gw, gb));
    }

    /** Group norm's gradients in Tensor ops (PyTorch's infinitely_differentiable_native_group_norm_backward's values). */
    private static Tensor[] groupNormComposite(Tensor g, Tensor x, Tensor w, int groups, double eps, boolean gi, boolean gw,
                                               boolean gb) {
        int[] shape = x.shape;
        int batch = shape[0];
        int channels = shape[1];
        int[] grouped = {batch, groups, -1};
        int[] bshape = new int[shape.length];
        Arrays.fill(bshape, 1);
        bshape[1] = channels;
        Tensor xg = x.reshape(grouped);
        Tensor xc = xg.sub(xg.mean(new int[] {2}, true));
        Tensor rstd = xc.mul(xc).mean(new int[] {2}, true).add(eps).rsqrt();
        Tensor xhat = xc.mul(rstd).reshape(shape);
        int[] perChannel = new int[shape.length - 1];
        perChannel[0] = 0;
        for (int i = 2; i < shape.length; i++) {
            perChannel[i - 1] = i;
        }
        Tensor dx = null;
        if (gi) {
            Tensor dxhat = (w == null ? g : g.mul(w.reshape(bshape))).reshape(grouped);
            Tensor xh = xhat.reshape(grouped);
            dx = dxhat.sub(dxhat.mean(new int[] {2}, true)).sub(xh.mul(dxhat.mul(xh).mean(new int[] {2}, true)))
                    .mul(rstd).reshape(shape);
        }
        Tensor dw = gw ? g.mul(xhat).sum(perChannel, false) : null;
        Tensor db = gb ? g.sum(perChannel, false) : null;
        return new Tensor[] {dx, dw, db};
    }

    // ------------------------------------------------------------------ batch norm

    private static void checkFeatures(String name, int channels, Tensor t) {
        if (t.numel() != channels) {
            throw new IllegalArgumentException(name + " should contain " + channels + " elements not " + t.numel());
        }
    }

    /** PyTorch's {@code t[0]} of a per-channel tensor (select(0, 0)); a 0-dim one as it is. */
    private static Tensor firstOf(Tensor t) {
        return t.dim() == 0 ? t : t.select(0, 0);
    }

    /**
     * PyTorch's {@code batch_norm} ({@code _batch_norm_impl_index}): the checks of the per-channel tensors, an empty input
     * passed through weight and bias, then {@link #nativeBatchNorm}.
     */
    static Tensor batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, boolean training,
                            double momentum, double eps) {
        if (x.dim() < 2) {
            // PyTorch reads the channels as size(1): a vector has none that match
            throw new IllegalArgumentException(runningMean != null
                    ? "running_mean should contain 0 elements not " + runningMean.numel()
                    : "batch_norm: expected 2D or more input (got " + x.dim() + "D input)");
        }
        int c = x.shape[1];
        if (x.numel() == 0) {
            // PyTorch returns a copy, through weight[0] and bias[0] so the graph stays connected, and skips the
            // statistics; an empty weight or bias (no channels, or instance_norm's repeat over an empty batch) is
            // select's refusal there ("select(): index 0 out of range for tensor of size [0] at dimension 0")
            Tensor y = x.clone();
            if (weight != null) {
                y = y.mul(firstOf(weight));
            }
            if (bias != null) {
                y = y.add(firstOf(bias));
            }
            return y;
        }
        if (runningMean != null) {
            checkFeatures("running_mean", c, runningMean);
        } else if (!training) {
            throw new IllegalArgumentException("running_mean must be defined in evaluation mode");
        }
        if (runningVar != null) {
            checkFeatures("running_var", c, runningVar);
        } else if (!training) {
            throw new IllegalArgumentException("running_var must be defined in evaluation mode");
        }
        if (weight != null) {
            checkFeatures("weight", c, weight);
        }
        if (bias != null) {
            checkFeatures("bias", c, bias);
        }
        return nativeBatchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps).output();
    }

    /**
     * Whether PyTorch's CPU {@code batch_norm_cpu} writes its output channels-last (-3d): where the input (row-major,
     * channels-last or channels-last-3d contiguous) and every given parameter and statistic are contiguous, the input's
     * {@code suggest_memory_format_contig} (row-major if the input is, else channels-last (-3d)), so a channels-last
     * contiguous input whose size-1 batch dim has a stride {@code suggest_memory_format} calls ambiguous (a permuted
     * {@code [1, C, H, W]}) still gives a channels-last output; otherwise {@code suggest_memory_format()}.
     */
    private static boolean batchNormChannelsLastOut(Tensor x, Tensor... params) {
        if (x.dim() != 4 && x.dim() != 5) {
            return false;
        }
        return batchNormAllContiguous(x, params) ? !x.isContiguous()
                : NNOps.stridesLikeChannelsLast(x.shape, x.layout.strides());
    }

    /**
     * PyTorch 2.x's {@code all_contiguous} of {@code batch_norm_cpu_transform_input_template}: the input contiguous in
     * some format (row-major, channels-last if 4-D, channels-last-3d if 5-D) and every given parameter and statistic
     * contiguous. Then its CPU kernel normalizes ({@code x * alpha + beta}, see NormKernels), otherwise its
     * TensorIterator ({@link #batchNormElementwise}).
     */
    private static boolean batchNormAllContiguous(Tensor x, Tensor... params) {
        boolean allContiguous = x.isContiguous() || NNOps.channelsLastContiguous(x.shape, x.layout.strides());
        for (Tensor p : params) {
            allContiguous &= p == null || p.isContiguous();
        }
        return allContiguous;
    }

    /**
     * The output of PyTorch's CPU {@code batch_norm} where {@link #batchNormAllContiguous} does not hold (an expanded,
     * permuted or sliced input, a 3-D one with the channels innermost, a stepped weight or statistic): its
     * TensorIterator computes {@code ((x - mean) * invstd) * weight + bias}, every operation rounded in the parameters'
     * type (PyTorch's {@code param_t}: float32 for a float16 / bfloat16 input with float32 parameters, the input's type
     * otherwise; Normalization.cpp is built without FMA, so on every capability), the missing weight 1 and bias 0 (which
     * makes a -0 +0), in evaluation {@code invstd = 1 / sqrt(running_var + eps)} in tensor ops; written into
     * {@code out}. A constant input (variance 0) gives exactly the bias here, and the bias plus a rounding of beta on the
     * kernel's path: {@code batchnormformula/make_expected.py} under engine-cpu's test resources checks both formulas
     * against PyTorch's bits. Before session 63 (or with {@code -Dember.batchNorm.oldFormula=true}, read at each call)
     * the kernel's formula on every layout.
     */
    private static void batchNormElementwise(Tensor x, Tensor weight, Tensor bias, Tensor mean, Tensor invstd,
                                             Tensor runningVar, boolean training, double eps, DType pt, Tensor out) {
        try (GradMode off = Ember.noGrad()) {
            int[] nd = new int[x.dim()];
            java.util.Arrays.fill(nd, 1);
            nd[1] = x.shape[1];
            Tensor inv = training ? invstd
                    : ArithmeticOps.cast(runningVar.reshape(-1), pt).add(eps).sqrt().reciprocal();
            Tensor y = x.sub(mean.view(nd)).mul(inv.view(nd));
            if (weight != null) {
                y = y.mul(dense(weight, pt).view(nd));
            }
            y = bias != null ? y.add(dense(bias, pt).view(nd)) : y.add(0.0);
            // the kernel's own output (no transform refuses the write, as into the statistics)
            try (FuncCaptures.Scope w = FuncCaptures.engineWrite()) {
                out.copy_(y);
            }
        }
    }

    /**
     * PyTorch's {@code native_batch_norm} over dimension 1: the output, and in training the batch mean and invstd
     * ({@code [C]}; empty in evaluation, as PyTorch's CPU kernel). In training the running statistics given are updated
     * in place after the output is computed ({@code running = (1 - momentum) running + momentum batch}, the variance
     * unbiased), so an error leaves them as they were. One node NativeBatchNormBackward0 over input, weight and bias.
     * Under grad mode a running statistic that requires grad is refused first ("The function 'native_batch_norm' is not
     * differentiable with respect to argument 'running_mean'. ..."), as PyTorch's autograd layer refuses it.
     */
    static NormResult nativeBatchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                      boolean training, double momentum, double eps) {
        // native_batch_norm's autograd layer first (2.x's generated VariableType: check_no_requires_grad, as
        // derivatives.yaml gives the running statistics no derivative): under grad mode neither may require grad, in
        // training and in evaluation, before the kernel's checks and before any statistic is updated
        LossOps2.checkNotDifferentiable(runningMean, "native_batch_norm", "running_mean");
        LossOps2.checkNotDifferentiable(runningVar, "native_batch_norm", "running_var");
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batch_norm: expected 2D or more input (got " + x.dim() + "D input)");
        }
        ArithmeticOps.checkSameDevice(x, weight, bias, runningMean, runningVar);
        int c = x.shape[1];
        for (Tensor t : new Tensor[] {weight, bias, runningMean, runningVar}) {
            if (t != null && t.numel() != c) {
                throw new IllegalArgumentException("batch_norm: expected a tensor of " + c + " elements, got shape "
                        + intList(t.shape));
            }
        }
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException((runningMean == null ? "running_mean" : "running_var")
                    + " must be defined in evaluation mode");
        }
        checkFloating(x, "batch_norm");
        DType t = x.dtype;
        // 2.x's mixed type (a float16/bfloat16 input with float32 parameters and statistics): the batch statistics,
        // the parameters and the update in float32 (param_scalar_type), only the output in the input's type
        boolean mixed = t.isReducedFloatingPoint();
        boolean anyParam = false;
        for (Tensor p : new Tensor[] {weight, bias, runningMean, runningVar}) {
            mixed &= p == null || p.dtype == DType.FLOAT32;
            anyParam |= p != null;
        }
        DType pt = mixed && anyParam ? DType.FLOAT32 : t;
        int batch = x.shape[0];
        long len = 1;
        for (int i = 2; i < x.dim(); i++) {
            len *= x.shape[i];
        }
        int l = (int) len;
        // PyTorch's CPU kernel: the output (and the input gradient) in input.suggest_memory_format(), so a
        // channels-last activation stays channels-last through conv, batch norm and the activation after it; the
        // kernel writes it so (-Dember.batchNorm.rowMajorOut=true: a row-major output copied after, before session 54)
        boolean cl = batchNormChannelsLastOut(x, weight, bias, runningMean, runningVar);
        boolean clOut = cl && !Boolean.getBoolean("ember.batchNorm.rowMajorOut");
        Tensor out = clOut ? Creation.emptyStrided(x.shape, NNOps.channelsLastStrides(x.shape), t, x.device)
                : Creation.empty(x.shape, t, x.device);
        Tensor mean;
        Tensor invstd;
        Tensor unbiased = null;
        if (training) {
            mean = Creation.empty(new int[] {c}, pt, x.device);
            invstd = Creation.empty(new int[] {c}, pt, x.device);
            unbiased = runningVar != null ? Creation.empty(new int[] {c}, pt, x.device) : null;
        } else {
            try (GradMode off = Ember.noGrad()) {
                mean = dense(runningMean.reshape(-1), pt);
                invstd = dense(ArithmeticOps.cast(runningVar.reshape(-1), DType.FLOAT64).add(eps).rsqrt(), pt);
            }
        }
        if (training && x.numel() == 0 && c > 0) {
            // the statistics of no elements
            x.backend.fill(mean.storage(), mean.layout, Double.NaN);
            x.backend.fill(invstd.storage(), invstd.layout, Double.NaN);
        }
        Tensor forwardInvstd = invstd;
        if (!training && t == DType.FLOAT32 && x.device.isCpu() && x.numel() > 0
                && !Boolean.getBoolean("ember.cpu.batchNorm.doubleNormalize")) {
            // PyTorch's CPU forward in evaluation (batch_norm_cpu_collect_linear_and_constant_terms) takes
            // invstd = 1 / sqrt(running_var + eps) in float for a float32 input (its backward, in double, rounded
            // after: the invstd above, saved for it); -Dember.cpu.batchNorm.doubleNormalize=true (read at each call)
            // keeps the double one for both, as before session 58
            try (GradMode off = Ember.noGrad()) {
                forwardInvstd = dense(ArithmeticOps.cast(runningVar.reshape(-1), DType.FLOAT32).add(eps).sqrt().reciprocal(),
                        pt);
            }
        }
        // PyTorch's TensorIterator output where its CPU kernel would not run (see batchNormElementwise); on any device,
        // so that the backends' host defaults (the CPU's kernels on host copies) keep giving the CPU's values
        boolean elementwise = !x.device.isMeta() && x.numel() > 0
                && !batchNormAllContiguous(x, weight, bias, runningMean, runningVar)
                && !Boolean.getBoolean("ember.batchNorm.oldFormula");
        if (x.numel() > 0 && (training || !elementwise)) {
            Tensor x3 = as(x, batch, c, l);
            x.backend.batchNorm(x3.storage(), x3.layout, storage(dense(weight, pt)), storage(dense(bias, pt)), training, eps,
                    mean.storage(), forwardInvstd.storage(), storage(unbiased), out.storage(),
                    clOut ? as(out, batch, c, l).layout : dev.ember.backend.Layout.contiguous(batch, c, l));
        }
        if (elementwise) {
            batchNormElementwise(x, weight, bias, mean, invstd, runningVar, training, eps, pt, out);
        }
        if (training && (runningMean != null || runningVar != null) && x.numel() > 0) {
            // native_batch_norm's kernel writes the statistics (not its first argument): no transform refuses it
            try (GradMode off = Ember.noGrad(); FuncCaptures.Scope w = FuncCaptures.engineWrite()) {
                // both new values first, then the writes: a failure leaves both statistics as they were
                Tensor newMean = runningMean == null ? null
                        : runningMean.mul(1 - momentum).add(mean.reshape(runningMean.shape).to(runningMean.dtype), momentum);
                Tensor newVar = runningVar == null ? null
                        : runningVar.mul(1 - momentum).add(unbiased.reshape(runningVar.shape).to(runningVar.dtype), momentum);
                if (newMean != null) {
                    runningMean.copy_(newMean);
                }
                if (newVar != null) {
                    runningVar.copy_(newVar);
                }
            }
        }
        out = NNOps.channelsLastIf(out, cl && !clOut);
        Tensor savedMean = mean;
        Tensor savedInvstd = invstd;
        ArithmeticOps.record(out, "NativeBatchNormBackward0", new Tensor[] {x, weight, bias}, node -> {
            SavedTensor sx = node.save(x);
            SavedTensor sw = weight == null ? null : node.save(weight);
            SavedTensor sm = node.save(savedMean);
            SavedTensor si = node.save(savedInvstd);
            return g -> {
                Tensor xv = sx.get();
                Tensor w = sw == null ? null : sw.get();
                boolean gi = node.needsInputGrad(0);
                boolean gw = node.needsInputGrad(1);
                boolean gb = node.needsInputGrad(2);
                if (GradMode.isEnabled()) {
                    return batchNormComposite(g, xv, w, sm.get(), si.get(), training, eps, gi, gw, gb);
                }
                Tensor dx = !gi ? null : clOut ? Creation.emptyStrided(xv.shape, NNOps.channelsLastStrides(xv.shape),
                        g.dtype, g.device) : Creation.empty(xv.shape, g.dtype, g.device);
                DType gp = pt == t ? g.dtype : pt;
                Tensor dw = gw ? Creation.zeros(new int[] {c}, gp, g.device) : null;
                Tensor db = gb ? Creation.zeros(new int[] {c}, gp, g.device) : null;
                if (xv.numel() > 0) {
                    Tensor gy = as(g, batch, c, l);
                    Tensor x3 = as(xv, batch, c, l);
                    g.backend.batchNormBackward(gy.storage(), gy.layout, x3.storage(), x3.layout, storage(dense(w, gp)),
                            dense(sm.get()).storage(), dense(si.get()).storage(), training, storage(dx),
                            dx != null && clOut ? as(dx, batch, c, l).layout : dev.ember.backend.Layout.contiguous(batch, c, l),
                            storage(dw), storage(db));
                }
                return new Tensor[] {NNOps.channelsLastIf(dx, cl && !clOut), dw == null || w == null ? dw : dw.view(w.shape),
                    db};
            };
        });
        if (!training) {
            return new NormResult(out, Creation.empty(new int[] {0}, pt, x.device), Creation.empty(new int[] {0}, pt, x.device));
        }
        return new NormResult(out, mean, invstd);
    }

    /** Batch norm's gradients in Tensor ops: through the batch statistics in training, the fixed ones otherwise. */
    private static Tensor[] batchNormComposite(Tensor g, Tensor x, Tensor w, Tensor mean, Tensor invstd, boolean training,
                                               double eps, boolean gi, boolean gw, boolean gb) {
        int rank = x.dim();
        int[] dims = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != 1) {
                dims[j++] = i;
            }
        }
        int[] bshape = new int[rank];
        Arrays.fill(bshape, 1);
        bshape[1] = x.shape[1];
        Tensor xc;
        Tensor is;
        if (training) {
            xc = x.sub(x.mean(dims, true));
            is = xc.mul(xc).mean(dims, true).add(eps).rsqrt();
        } else {
            xc = x.sub(mean.reshape(bshape));
            is = invstd.reshape(bshape);
        }
        Tensor xhat = xc.mul(is);
        Tensor dx = null;
        if (gi) {
            Tensor dxhat = w == null ? g : g.mul(w.reshape(bshape));
            dx = training
                    ? dxhat.sub(dxhat.mean(dims, true)).sub(xhat.mul(dxhat.mul(xhat).mean(dims, true))).mul(is)
                    : dxhat.mul(is);
        }
        Tensor dw = gw ? g.mul(xhat).sum(dims, false) : null;
        if (dw != null && w != null) {
            dw = dw.reshape(w.shape);
        }
        Tensor db = gb ? g.sum(dims, false) : null;
        return new Tensor[] {dx, dw, db};
    }

    // ------------------------------------------------------------------ instance norm

    /**
     * PyTorch's {@code instance_norm}, its composition: batch norm of the input viewed as {@code [1, N * C, *]} with
     * weight, bias and running statistics repeated N times (RepeatBackward0), the running statistics then set to the
     * mean over the batch of their updated copies, and the output viewed back (ViewBackward0).
     */
    static Tensor instanceNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                               boolean useInputStats, double momentum, double eps) {
        if (!useInputStats && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("Expected running_mean and running_var to be defined when use_input_stats is "
                    + "false");
        }
        if (input.dim() < 2) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + -Math.max(1, input.dim())
                    + ", " + (Math.max(1, input.dim()) - 1) + "], but got 1)");
        }
        int b = input.shape[0];
        int c = input.shape[1];
        int[] shape = input.shape.clone();
        shape[1] = Shapes.toSize((long) b * c, "instance_norm's channels");
        shape[0] = 1;
        Tensor w = weight == null ? null : weight.repeat(b);
        Tensor bi = bias == null ? null : bias.repeat(b);
        // the statistics repeated as PyTorch repeats them: one that requires grad (under grad mode) gives a repeat that
        // does, which native_batch_norm's autograd check refuses after batch_norm's own checks, nothing written
        Tensor rm = runningMean == null ? null : runningMean.repeat(b);
        Tensor rv = runningVar == null ? null : runningVar.repeat(b);
        Tensor out = batchNorm(input.contiguous().view(shape), w, bi, rm, rv, useInputStats, momentum, eps);
        // PyTorch writes the statistics through at::alias(running_mean).copy_ under the caller's grad mode, so a leaf
        // that requires grad is refused there as a view of a leaf; only an empty input gets this far with one (the
        // check above refuses the rest), and Ember refuses before either statistic is written (PyTorch may have
        // written running_mean before it refuses running_var)
        if (GradMode.isEnabled()) {
            for (Tensor t : new Tensor[] {runningMean, runningVar}) {
                if (t != null && t.requiresGrad() && t.isLeaf()) {
                    throw new IllegalStateException("a view of a leaf Variable that requires grad is being used in an "
                            + "in-place operation.");
                }
            }
        }
        // instance_norm's own write of the statistics, which functorch's transforms let through
        try (GradMode off = Ember.noGrad(); FuncCaptures.Scope s = FuncCaptures.engineWrite()) {
            if (runningMean != null) {
                runningMean.copy_(rm.view(b, c).mean(0));
            }
            if (runningVar != null) {
                runningVar.copy_(rv.view(b, c).mean(0));
            }
        }
        return out.view(input.shape);
    }
}
