package dev.ember;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.ReduceOp;

import java.util.Arrays;
import java.util.List;

/** Reductions (sum, mean, max, argmax, var) and softmax, each forward beside its backward formula. */
final class ReductionOps {
    private ReductionOps() {
    }

    /** Which dimensions a reduction covers: all when {@code dims} is null or empty. */
    static boolean[] reducedMask(int rank, int[] dims) {
        boolean[] mask = new boolean[rank];
        if (dims == null || dims.length == 0) {
            Arrays.fill(mask, true);
            return mask;
        }
        for (int d : dims) {
            int w = Shapes.wrapDim(d, rank);
            if (rank == 0) {
                continue;
            }
            if (mask[w]) {
                throw new IllegalArgumentException("dim " + w + " appears multiple times in the list of dims");
            }
            mask[w] = true;
        }
        return mask;
    }

    static int[] keptShape(int[] shape, boolean[] mask) {
        int[] k = shape.clone();
        for (int i = 0; i < k.length; i++) {
            if (mask[i]) {
                k[i] = 1;
            }
        }
        return k;
    }

    static int[] squeezedShape(int[] shape, boolean[] mask) {
        return java.util.stream.IntStream.range(0, shape.length).filter(i -> !mask[i]).map(i -> shape[i]).toArray();
    }

    /**
     * Runs a reduction kernel into a new tensor of keepdim shape, then drops the reduced dims unless kept.
     *
     * <p>A reduced dimension with stride 0 (a broadcast view) repeats one value, so it is not iterated: the kernel sees
     * size 1 there, and a sum is multiplied (a product raised) by the number of repeats afterwards, while max, min and
     * their indices are unchanged (the first of equal values wins). The elements a kernel then iterates are distinct
     * elements of the storage, which fit an {@code int}, whatever the view's {@code long} number of elements.
     */
    static Tensor reduceKernel(ReduceOp op, Tensor a, boolean[] mask, boolean keepdim, DType outType) {
        int[] kept = keptShape(a.shape, mask);
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] && a.shape[i] == 0 && (op != ReduceOp.SUM && op != ReduceOp.PROD)) {
                throw new IndexOutOfBoundsException(op.name().toLowerCase() + "(): Expected reduction dim " + i
                        + " to have non-zero size.");
            }
        }
        Tensor out = Creation.empty(kept, outType, a.device);
        int[] iterated = a.shape.clone();
        int[] strides = a.layout.strides();
        long repeats = 1;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] && strides[i] == 0 && iterated[i] > 1) {
                repeats *= iterated[i]; // a factor of the view's numel, which is a long
                iterated[i] = 1;
            }
        }
        Layout src = repeats == 1 ? a.layout : new Layout(iterated, strides, a.layout.offset());
        a.backend.reduce(op, a.storage(), src, out.storage(), out.layout);
        if (repeats > 1 && (op == ReduceOp.SUM || op == ReduceOp.PROD)) {
            BinaryOp scale = op == ReduceOp.SUM ? BinaryOp.MUL : BinaryOp.POW;
            Number r = outType == DType.INT64 ? (Number) repeats : outType == DType.FLOAT32 ? (Number) (float) repeats
                    : (Number) (double) repeats;
            out.backend.binaryScalar(scale, out.storage(), out.layout, r, false, out.storage(), out.layout);
        }
        if (!keepdim) {
            int[] sq = squeezedShape(a.shape, mask);
            out.layout = Layout.contiguous(sq); // out is fresh: drop the reduced dimensions in place, no second handle
            out.shape = out.layout.shape();
        }
        return out;
    }

    /**
     * The type PyTorch's CPU kernels compute a reduced floating type in ({@code at::opmath_type}): a float16 or bfloat16
     * tensor as a float32 copy (exact), any other as it is. Softmax, log-softmax, var/std, logsumexp, norms and mean
     * run their forward on it and round the result once with {@link #narrowedBack}, as PyTorch's kernels accumulate;
     * backward formulas do the same (the conversions are recorded when grad mode is on, so they differentiate again).
     */
    static Tensor opmath(Tensor a) {
        return a.dtype.isReducedFloatingPoint() ? ViewOps.toType(a, DType.FLOAT32) : a; // recorded where grad is on
    }

    /** A float32 result of {@link #opmath} rounded once to the reduced floating type {@code t} (else as it is). */
    static Tensor narrowedBack(Tensor r, DType t) {
        return t.isReducedFloatingPoint() && r.dtype != t ? ViewOps.toType(r, t) : r;
    }

    static Tensor sum(Tensor a, int[] dims, boolean keepdim) {
        if (Autocast.on()) return Autocast.apply("sum", t -> sum(t[0], dims, keepdim), a);
        if (a.dtype.isComplex()) {
            return ComplexOps.sum(a, dims, keepdim);
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        DType t = a.dtype.isFloatingPoint() ? a.dtype : DType.INT64;
        Tensor out = reduceKernel(ReduceOp.SUM, a, mask, keepdim, t);
        int[] inShape = a.shape;
        int[] kept = keptShape(inShape, mask);
        String name = dims == null ? "SumBackward0" : "SumBackward1";
        return ArithmeticOps.record(out, name, new Tensor[] {a}, n -> g -> new Tensor[] {
            g.reshape(kept).expand(inShape)});
    }

    /**
     * {@code -Dember.reduce.meanDivOp=true} (read per call): {@link #mean(Tensor, int[], boolean)} divides its sum by
     * the count with {@code div}, into a second tensor (the old path, for before/after runs); without it the backend
     * divides the fresh sum in place, the same kernel and scalar, so the same bits.
     */
    static final String MEAN_DIV_OP = "ember.reduce.meanDivOp";

    static Tensor mean(Tensor a, int[] dims, boolean keepdim) {
        if (a.dtype.isComplex()) {
            return ComplexOps.mean(a, dims, keepdim);
        }
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("mean(): could not infer output dtype. Input dtype must be either a floating "
                    + "point or complex dtype. Got: " + Format.scalarType(a.dtype));
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        long count = 1;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                count *= a.shape[i];
            }
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            // PyTorch 2.x's mean_out on the CPU: float16 and bfloat16 sum into float32, divide, and round once
            DType acc = a.dtype.isReducedFloatingPoint() ? DType.FLOAT32 : a.dtype;
            Tensor sum = reduceKernel(ReduceOp.SUM, a, mask, keepdim, acc);
            if (Boolean.getBoolean(MEAN_DIV_OP) || (acc != DType.FLOAT32 && acc != DType.FLOAT64)) {
                out = narrowedBack(sum.div((double) count), a.dtype);
            } else {
                // the fresh sum divided in its own storage by the kernel div(double) calls (the count as div's
                // wrapped number reaches it: a Float for float32, a Double for float64), so the same bits with no
                // second tensor; a backend call, not div_, so the result's version counter stays 0 as PyTorch's
                // (mean_out's div_ runs below ADInplaceOrView)
                Number divisor = acc == DType.FLOAT32 ? (Number) (float) (double) count : (Number) (double) count;
                sum.backend.binaryScalar(BinaryOp.DIV, sum.storage(), sum.layout, divisor, false, sum.storage(),
                        sum.layout);
                out = narrowedBack(sum, a.dtype);
            }
        }
        int[] inShape = a.shape;
        int[] kept = keptShape(inShape, mask);
        double n = count;
        String name = dims == null ? "MeanBackward0" : "MeanBackward1";
        return ArithmeticOps.record(out, name, new Tensor[] {a}, node -> g -> new Tensor[] {
            g.reshape(kept).expand(inShape).div(n)});
    }

    static Tensor prod(Tensor a) {
        if (Autocast.on()) return Autocast.apply("prod", t -> prod(t[0]), a);
        boolean[] mask = reducedMask(a.dim(), null);
        DType t = a.dtype.isFloatingPoint() ? a.dtype : DType.INT64;
        Tensor out = a.dtype.isComplex() ? ComplexMath.product(a, null, false) : reduceKernel(ReduceOp.PROD, a, mask, false, t);
        return ArithmeticOps.record(out, "ProdBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {prodBackward(g, sa.get(), so.get())};
        });
    }

    /**
     * PyTorch's {@code prod_backward} for a full product: {@code grad * prod / x} when no element is zero; otherwise
     * the product of all other elements (exclusive products of the flattened input, {@link #prodSafeZerosBackward}),
     * which stays differentiable, so that the second derivatives at zeros are right too.
     */
    private static Tensor prodBackward(Tensor g, Tensor x, Tensor prod) {
        if (x.dim() == 0) {
            return g;
        }
        if (Func.transforming()) {
            // functorch's wrapped input is "tensor subclass like": the composite-compliant path, always
            return prodSafeZerosBackward(g, x.reshape(-1), 0).reshape(x.shapeRef());
        }
        double zeros = x.eq(0L).sum().item();
        if (zeros == 0) {
            return g.mul(ComplexMath.conjIfComplex(prod.div(x))); // prod_backward: grad * (result / input).conj()
        }
        // two zeros or more make every partial product zero: PyTorch returns zeros outright (outside create_graph),
        // where the exclusive products would meet an infinity elsewhere and give NaN
        if (!GradMode.gradMode() && zeros > 1) {
            return Creation.zeros(x.shapeRef(), g.dtype, g.device);
        }
        return prodSafeZerosBackward(g, x.reshape(-1), 0).reshape(x.shapeRef());
    }

    /**
     * PyTorch's prod_safe_zeros_backward: {@code grad} times the product of the other elements along {@code dim}, as the
     * product of the exclusive prefix and suffix products (no division, so zeros are exact).
     */
    private static Tensor prodSafeZerosBackward(Tensor g, Tensor x, int dim) {
        int n = x.shapeRef()[dim];
        if (x.numel() == 0) {
            return g.expand(x.shapeRef());
        }
        if (n == 1) {
            return g.expand(x.shapeRef());
        }
        Tensor ones = x.narrow(dim, 0, 1).detach().onesLike();
        Tensor before = scanProduct(Tensor.cat(List.of(ones, x.narrow(dim, 0, n - 1)), dim), dim, false);
        Tensor after = scanProduct(Tensor.cat(List.of(x.narrow(dim, 1, n - 1), ones), dim), dim, true);
        return g.mul(ComplexMath.conjIfComplex(before.mul(after)));
    }

    /**
     * Inclusive running products along {@code dim} (from the end when {@code suffix}), in log2(n) steps of
     * differentiable ops (Hillis and Steele's scan: each step multiplies by the values s places back).
     */
    private static Tensor scanProduct(Tensor t, int dim, boolean suffix) {
        int n = t.shapeRef()[dim];
        Tensor p = t;
        for (int s = 1; s < n; s <<= 1) {
            Tensor ones = p.narrow(dim, 0, s).detach().onesLike();
            Tensor shifted = suffix ? Tensor.cat(List.of(p.narrow(dim, s, n - s), ones), dim)
                    : Tensor.cat(List.of(ones, p.narrow(dim, 0, n - s)), dim);
            p = p.mul(shifted);
        }
        return p;
    }

    static Tensor maxAll(Tensor a, boolean max) {
        if (a.numel() == 0) {
            throw new IllegalArgumentException((max ? "max" : "min") + "(): Expected reduction dim to be specified for "
                    + "input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
        }
        ComplexIndexing.refuse(max ? "max" : "min", a);
        boolean[] mask = reducedMask(a.dim(), null);
        Tensor out = reduceKernel(max ? ReduceOp.MAX : ReduceOp.MIN, a, mask, false, a.dtype);
        return ArithmeticOps.record(out, max ? "MaxBackward1" : "MinBackward1", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            // ties share the gradient evenly, as PyTorch's evenly_distribute_backward; a NaN result came from the NaN
            // inputs, which share it
            return g -> new Tensor[] {SortOps.evenlyDistribute(g, sa.get(), so.get())};
        });
    }

    static Tensor.ValuesIndices maxDim(Tensor a, int dim, boolean keepdim, boolean max) {
        if (a.dtype.isComplex()) throw new UnsupportedOperationException((max ? "max" : "min") + "(): does not support complex input");
        int d = Shapes.wrapDim(dim, a.dim());
        boolean[] mask = reducedMask(a.dim(), new int[] {d});
        // floating values: the element at the index, as PyTorch's compare_base_kernel returns it (of an equal -0.0 and
        // 0.0 the first one, where a max/min reduction may keep either); an empty dimension is refused by the
        // values' reduction first, in max's words
        boolean pick = a.dtype.isFloatingPoint() && a.dim() > 0 && a.shape[d] > 0;
        Tensor values = pick ? null : reduceKernel(max ? ReduceOp.MAX : ReduceOp.MIN, a, mask, keepdim, a.dtype);
        Tensor indices = reduceKernel(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, a, mask, keepdim, DType.INT64);
        if (pick) {
            try (GradMode off = Ember.noGrad()) {
                Tensor picked = a.gather(d, keepdim ? indices : indices.unsqueeze(d));
                // a tensor of its own, not a view (PyTorch's values are not one)
                values = keepdim ? picked : picked.squeeze(d).clone();
            }
        }
        int[] inShape = a.shape;
        int size = a.dim() == 0 ? 1 : a.shape[d];
        ArithmeticOps.record(values, max ? "MaxBackward0" : "MinBackward0", new Tensor[] {a}, n -> {
            // the indices are saved, as PyTorch's: changed in place, they fail the backward instead of misrouting it
            SavedTensor si = n.save(indices);
            return g -> {
                Tensor idx = si.get();
                Tensor gi = keepdim || inShape.length == 0 ? g : g.unsqueeze(d);
                Tensor ii = keepdim || inShape.length == 0 ? idx : idx.unsqueeze(d);
                int[] rshape = new int[inShape.length];
                Arrays.fill(rshape, 1);
                if (rshape.length > 0) {
                    rshape[d] = size;
                }
                Tensor positions = Tensor.arange(size).to(g.device()).reshape(rshape);
                Tensor hit = positions.eq(ii);
                return new Tensor[] {ArithmeticOps.where(hit, gi, Creation.wrap(0.0)).expand(inShape)};
            };
        });
        return new Tensor.ValuesIndices(values, indices);
    }

    /** The flat index of the largest (smallest) element. */
    static Tensor argmaxAll(Tensor a, boolean max) {
        if (a.numel() == 0) { // 2.x's meta function checks this before the kernel's element type
            throw new IndexOutOfBoundsException((max ? "argmax" : "argmin") + "(): Expected reduction dim to be specified for "
                    + "input.numel() == 0.");
        }
        if (a.dtype == DType.BOOL && !a.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented((max ? "argmax" : "argmin") + "_cpu", DType.BOOL);
        }
        return argmax(a.reshape(-1), 0, false, max);
    }

    static Tensor argmax(Tensor a, int dim, boolean keepdim, boolean max) {
        int d = Shapes.wrapDim(dim, a.dim());
        if (a.dtype == DType.BOOL && !a.device.isMeta()) { // a meta kernel checks no element type
            // 2.x's argmax_argmin_impl fills zeros for a dimension of size 1 and runs no kernel for an empty result,
            // so neither reaches the kernel's element type; the dim and the empty dim are checked before (meta)
            int size = a.dim() == 0 ? 0 : a.shape[d]; // 0-dim: 2.x reads sizes()[0] of no sizes; 1.13 refuses
            if (size != 1 && a.numel() != 0) {
                throw Refusals.notImplemented((max ? "argmax" : "argmin") + "_cpu", DType.BOOL);
            }
            try (GradMode off = Ember.noGrad()) {
                return argmax(a.to(DType.INT64), dim, keepdim, max);
            }
        }
        ComplexIndexing.refuse(max ? "argmax" : "argmin", a);
        boolean[] mask = reducedMask(a.dim(), new int[] {d});
        return reduceKernel(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, a, mask, keepdim, DType.INT64);
    }

    static Tensor var(Tensor a, int[] dims, double correction, boolean keepdim) {
        return varOrStd(a, dims, correction, keepdim, false, "VarBackward0");
    }

    static Tensor std(Tensor a, int[] dims, double correction, boolean keepdim) {
        return varOrStd(a, dims, correction, keepdim, true, "StdBackward0");
    }

    /**
     * Variance (or its square root) over {@code dims}, divided by {@code max(0, N - correction)} (any real correction,
     * as PyTorch 2.1+'s {@code Scalar? correction}). The backward follows
     * PyTorch 2.x's {@code var_backward}: {@code grad * 2 (x - mean) / (N - correction)} with the divisor as it is when
     * dims are given, and over all elements {@code grad * (x == mean ? NaN : inf)} when {@code N <= correction};
     * {@code std_backward} first divides the gradient by {@code 2 std} and takes 0 where the deviation is 0 (a constant
     * input), so the gradient there is 0, not NaN.
     */
    private static Tensor varOrStd(Tensor a, int[] dims, double correction, boolean keepdim, boolean std, String name) {
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex()) {
            throw new IllegalArgumentException("std and var only support floating point and complex dtypes");
        }
        Tensor out = varOrStdValue(a, dims, correction, keepdim, std);
        return ArithmeticOps.record(out, name, new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = std ? n.saveOutput(out) : null;
            return g -> new Tensor[] {varOrStdBackward(g, sa.get(), std ? so.get() : null, dims, correction, keepdim)};
        });
    }

    /**
     * The variance (or, with {@code std}, its square root) of {@code a} over dims, computed without history, by the
     * corrected two-pass algorithm (Chan, Golub and LeVeque): {@code (sum d^2 - (sum d)^2 / n) / (n - correction)} with
     * {@code d = x - mean}. The second term removes what the rounding error {@code e} of the computed mean adds to the
     * first ({@code n e^2}), which the plain two-pass form keeps: float32 data of mean 1000 and deviation 0.01 then had
     * its variance off by 3e-5 relative, where PyTorch's Welford reduction (accumulated in double on the CPU) is good to
     * float32 rounding. Clamped at 0, as a rounding of the difference must not make a constant's variance negative.
     */
    private static Tensor varOrStdValue(Tensor a, int[] dims, double correction, boolean keepdim, boolean std) {
        if (a.dtype.isComplex()) {
            // |z - mean|^2 = (x - mean x)^2 + (y - mean y)^2: the variances of the parts add (a real result)
            try (GradMode off = Ember.noGrad()) {
                Tensor v = varOrStdValue(ComplexOps.real(a), dims, correction, keepdim, false)
                        .add(varOrStdValue(ComplexOps.imag(a), dims, correction, keepdim, false));
                return std ? v.sqrt() : v;
            }
        }
        long n = count(a, reducedMask(a.dim(), dims));
        // PyTorch's divisor: n - correction where n > correction, else 0 (a NaN correction too); 2.1+ takes a
        // fractional correction (Scalar? correction), 1.13 only an integer
        double denom = n > correction ? n - correction : 0;
        int[] over = over(dims); // empty: every dimension
        try (GradMode off = Ember.noGrad()) {
            Tensor x = opmath(a);
            Tensor centered = x.sub(x.mean(over, true));
            Tensor drift = centered.sum(over, keepdim);
            Tensor variance = centered.mul(centered).sum(over, keepdim).sub(drift.mul(drift).div((double) n))
                    .clampMin(0).div(denom);
            return narrowedBack(std ? variance.sqrt() : variance, a.dtype);
        }
    }

    /**
     * PyTorch's {@code var_backward} ({@code (2 / (n - correction)) * grad * (self - mean)}), or with {@code std} (the
     * result, non-null) {@code std_backward}: {@code var_backward} of {@code grad / (2 * std)}, 0 where std is 0. Written
     * with Tensor ops, so differentiable again.
     */
    private static Tensor varOrStdBackward(Tensor g, Tensor x, Tensor std, int[] dims, double correction, boolean keepdim) {
        boolean[] mask = reducedMask(x.dim(), dims);
        int[] kept = keptShape(x.shape, mask);
        int[] over = over(dims);
        boolean all = dims == null || dims.length == 0 || x.dim() == 0;
        double dof = (double) count(x, mask) - correction;
        Tensor gv = g;
        if (std != null) {
            gv = ArithmeticOps.where(std.eq(0.0), Creation.wrap(0.0), g.div(std.mul(2.0)));
        }
        Tensor centered = x.sub(x.mean(over, true));
        Tensor ge = gv.reshape(kept).expand(x.shape);
        if (all && dof <= 0) {
            // when n == correction, 2 / (n - correction) is infinite: NaN where self == mean, inf elsewhere (the
            // comparison itself, as 2.x's: an infinite element equals an infinite mean, where x - mean is NaN)
            Tensor same;
            try (GradMode off = Ember.noGrad()) {
                same = x.eq(x.mean(over, true));
            }
            return ge.mul(ArithmeticOps.where(same, Creation.wrap(Double.NaN),
                    Creation.wrap(Double.POSITIVE_INFINITY)));
        }
        return ge.mul(2.0 / dof).mul(centered); // (2 / dof) * grad * (self - mean)
    }

    static Tensor softmax(Tensor a, int dim, boolean log) {
        if (Autocast.on()) return Autocast.apply(log ? "log_softmax" : "softmax", t -> softmax(t[0], dim, log), a);
        int d = Shapes.wrapDim(dim, a.dim());
        if (!a.dtype.isFloatingPoint() && a.numel() > 0) {
            // (an empty input returns before the dispatch: softmax_cpu_out's numel() == 0 early return)
            // the kernel's dispatch refuses the type, naming itself as PyTorch 2.x's: the CPU's last-dim or general
            // kernel (a 0-d input is viewed as 1-D), CUDA's host_softmax for both functions
            // (sic: 2.x's general log_softmax kernel dispatches under the name "softmax_kernel_impl", SoftMaxKernel.cpp)
            boolean last = a.dim() == 0 || d == a.dim() - 1;
            String kernel = "cuda".equals(a.device.type()) ? "host_softmax"
                    : last ? (log ? "log_softmax" : "softmax") + "_lastdim_kernel_impl" : "softmax_kernel_impl";
            throw Refusals.unsupported(kernel, a.dtype);
        }
        int[] dd = a.dim() == 0 ? new int[0] : new int[] {d};
        Tensor out;
        if (a.numel() == 0) {
            // nothing to normalize (a dimension of size 0): an empty result, as PyTorch
            out = Creation.empty(a.shape, a.dtype, a.device);
            if (a.dtype.isComplex()) {
                // the kernel that refuses complex never runs; PyTorch's autograd layer then refuses the complex output
                // (_softmax / _log_softmax have no complex derivative: not in GRADIENT_IMPLEMENTED_FOR_COMPLEX)
                LossOps.refuseComplexAutograd(log ? "_log_softmax" : "_softmax", a);
            }
        } else try (GradMode off = Ember.noGrad()) {
            Tensor x = opmath(a);
            if (x.dtype == DType.FLOAT32 && x.dim() > 0 && x.backend.fusesSoftmax()) {
                Tensor y = Creation.empty(x.shape, x.dtype, x.device);
                x.backend.softmax(x.storage(), x.layout, d, log, y.storage());
                out = narrowedBack(y, a.dtype);
            } else {
                Tensor shifted = x.dim() == 0 ? x.sub(x) : x.sub(x.amax(dd, true));
                Tensor e = shifted.exp();
                Tensor s = x.dim() == 0 ? e : e.sum(dd, true);
                out = narrowedBack(log ? shifted.sub(s.log()) : e.div(s), a.dtype);
                if (!out.layout.isContiguous()) {
                    // PyTorch's _softmax / _log_softmax meta: a row-major result (LEGACY_CONTIGUOUS_MEMORY_FORMAT)
                    // whatever the input's layout; the composition above follows a permuted or channels-last input
                    out = out.contiguous();
                }
            }
        }
        return recordSoftmax(a, out, dd, log);
    }

    /** Records softmax's node (SoftmaxBackward0 / LogSoftmaxBackward0) on its result, saving the result. */
    private static Tensor recordSoftmax(Tensor a, Tensor out, int[] dd, boolean log) {
        return ArithmeticOps.record(out, log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", new Tensor[] {a}, n -> {
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {softmaxBackwardData(g, so.get(), dd, log)};
        });
    }

    /**
     * PyTorch's {@code _softmax_backward_data} / {@code _log_softmax_backward_data}: {@code y (g - sum(g y))}, or
     * {@code g - exp(y) sum(g)} for log_softmax ({@code y} the forward's result), computed without recording (float16
     * and bfloat16 in float32, rounded once, as PyTorch's kernels) and, under create_graph, recorded as PyTorch's node
     * SoftmaxBackwardDataBackward0 / LogSoftmaxBackwardDataBackward0 over {@code (grad_output, output)} with
     * derivatives.yaml's formulas: for {@code g}, softmax's backward of the incoming gradient (this node again), or
     * {@code gg - sum(gg exp(y))}; for {@code y}, {@code softmax_double_backward} ({@code g gg - sum(y g) gg
     * - g sum(y gg)}), or {@code -sum(g) exp(y) gg}.
     */
    static Tensor softmaxBackwardData(Tensor g, Tensor y, int[] dd, boolean log) {
        Tensor r;
        try (GradMode off = Ember.noGrad()) {
            DType type = g.dtype;
            if (type == DType.FLOAT32 && y.dtype == DType.FLOAT32 && dd.length == 1
                    && java.util.Arrays.equals(g.shape, y.shape) && g.device.equals(y.device)
                    && y.backend.fusesSoftmaxBackward()) {
                // PyTorch's kernels (_vec_host_softmax_backward_lastdim over the last dimension,
                // _vec_softmax_backward / _vec_log_softmax_backward over another), their sums in their order
                r = Creation.empty(y.shape, type, y.device);
                y.backend.softmaxBackward(g.storage(), g.layout, y.storage(), y.layout, dd[0], log, r.storage());
            } else {
                Tensor yf = opmath(y);
                Tensor gf = opmath(g);
                r = narrowedBack(log ? gf.sub(yf.exp().mul(gf.sum(dd, true))) : yf.mul(gf.sub(gf.mul(yf).sum(dd, true))),
                        type);
            }
        }
        return ArithmeticOps.record(r, log ? "LogSoftmaxBackwardDataBackward0" : "SoftmaxBackwardDataBackward0",
                new Tensor[] {g, y}, n -> {
                    SavedTensor sg = n.needsInputGrad(1) ? n.save(g) : null;
                    SavedTensor sy = n.save(y);
                    return gg -> {
                        Tensor yv = sy.get();
                        Tensor gIn = null;
                        Tensor yIn = null;
                        if (n.needsInputGrad(0)) {
                            gIn = log ? gg.sub(gg.mul(yv.exp()).sum(dd, true)) : softmaxBackwardData(gg, yv, dd, false);
                        }
                        if (n.needsInputGrad(1)) {
                            Tensor gv = sg.get();
                            yIn = log ? gv.sum(dd, true).neg().mul(yv.exp()).mul(gg)
                                    : gv.mul(gg).sub(yv.mul(gv).sum(dd, true).mul(gg)).sub(gv.mul(yv.mul(gg).sum(dd, true)));
                        }
                        return new Tensor[] {gIn, yIn};
                    };
                });
    }

    /** Sums {@code g} down to {@code shape}, the inverse of broadcasting. */
    static Tensor sumTo(Tensor g, int[] shape) {
        if (shape.length == 0 && g.dim() > 0) {
            return g.sum(); // PyTorch's at::sum_to: tensor.sum() for a 0-d target (SumBackward0 under create_graph)
        }
        int lead = g.dim() - shape.length;
        int[] dims = java.util.stream.IntStream.range(0, g.dim())
                .filter(i -> i < lead || (shape[i - lead] == 1 && g.shapeRef()[i] != 1)).toArray();
        if (dims.length == 0) {
            return g.reshape(shape);
        }
        Tensor summed = g.sum(dims, true);
        return lead == 0 ? summed : summed.reshape(shape); // at::sum_to views only where leading dims went
    }

    /**
     * {@link #allTrue} for the checks and fast paths that read values: true on the meta device, whose tensors have no
     * values to fail a check (PyTorch's meta kernels check none) and take the general path's shapes.
     */
    static boolean allTrueUnlessMeta(Tensor t) {
        return t.device.isMeta() || allTrue(t);
    }

    static boolean allTrue(Tensor t) {
        if (t.dtype.isComplex()) return allTrue(ComplexIndexing.isNonzero(t));
        boolean[] v = (boolean[]) ArithmeticOps.cast(t, DType.BOOL).hostArray();
        for (boolean b : v) {
            if (!b) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ issue 14: reductions over lists of dims

    /** PyTorch's IndexError for a max-like reduction over an empty dimension (PyTorch names the op: amax, amin). */
    private static void checkNonEmpty(String op, Tensor a, boolean[] mask, int[] dims) {
        if (dims != null && dims.length > 0 && a.dim() > 0) {
            // PyTorch's zero_numel_check_dims: the dims in the order given, each named as given (-1, not its wrap)
            for (int d : dims) {
                if (a.shape[d < 0 ? d + a.dim() : d] == 0) {
                    throw new IndexOutOfBoundsException(op + "(): Expected reduction dim " + d + " to have non-zero size.");
                }
            }
            return;
        }
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] && a.shape[i] == 0) {
                throw new IndexOutOfBoundsException(op + "(): Expected reduction dim " + i + " to have non-zero size.");
            }
        }
    }

    /** {@code g} (or a result) of a reduction given back its reduced dimensions, as size 1 (PyTorch's restore_reduced_dims). */
    private static Tensor restore(Tensor g, int[] kept) {
        return g.reshape(kept);
    }

    /** {@code where(cond, 0, t)}: the exact zeros of PyTorch's masked_fill. */
    private static Tensor zeroWhere(Tensor cond, Tensor t) {
        return ArithmeticOps.where(cond, Creation.wrap(0L), t);
    }

    /** The dims argument in the form {@link Tensor#sum(int[], boolean)} takes: empty for every dimension. */
    private static int[] over(int[] dims) {
        return dims == null ? new int[0] : dims;
    }

    /**
     * The product over one dimension, ProdBackward1 with PyTorch's formula: {@code grad * prod / x} when no element is
     * zero, else the product of the other elements of each slice (exclusive products, correct at second order too).
     * Integers and bool give int64.
     */
    static Tensor prod(Tensor a, int dim, boolean keepdim) {
        if (Autocast.on()) return Autocast.apply("prod", t -> prod(t[0], dim, keepdim), a);
        int d = Shapes.wrapDim(dim, a.dim());
        boolean[] mask = reducedMask(a.dim(), new int[] {d});
        DType t = a.dtype.isFloatingPoint() ? a.dtype : DType.INT64;
        Tensor out = a.dtype.isComplex() ? ComplexMath.product(a, d, keepdim) : reduceKernel(ReduceOp.PROD, a, mask, keepdim, t);
        int[] kept = keptShape(a.shape, mask);
        boolean scalar = a.dim() == 0;
        return ArithmeticOps.record(out, "ProdBackward1", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                if (scalar) {
                    return new Tensor[] {g};
                }
                Tensor x = sa.get();
                Tensor gk = restore(g, kept);
                // inside a transform PyTorch's input is functorch's wrapper, for which prod_backward always takes
                // prod_safe_zeros_backward (its size-1 slice gives grad itself, with no graph through the input)
                if (!Func.transforming() && allTrueUnlessMeta(x.ne(0L))) {
                    return new Tensor[] {gk.mul(ComplexMath.conjIfComplex(restore(so.get(), kept).div(x)))};
                }
                return new Tensor[] {prodSafeZerosBackward(gk, x, d)};
            };
        });
    }

    /**
     * amax / amin over dims (null or empty: all), NaN propagating; AmaxBackward0 / AminBackward0 share the gradient evenly
     * among the elements equal to the result (PyTorch's scale_grad_by_count; a NaN result gives NaN gradients).
     */
    static Tensor amax(Tensor a, int[] dims, boolean keepdim, boolean max) {
        boolean[] mask = reducedMask(a.dim(), dims);
        if ((dims == null || dims.length == 0) && a.numel() == 0) {
            throw new IllegalArgumentException((max ? "amax" : "amin") + "(): Expected reduction dim to be specified for "
                    + "input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
        }
        checkNonEmpty(max ? "amax" : "amin", a, mask, dims);
        ComplexIndexing.refuse(max ? "amax" : "amin", a);
        Tensor out = reduceKernel(max ? ReduceOp.MAX : ReduceOp.MIN, a, mask, keepdim, a.dtype);
        int[] kept = keptShape(a.shape, mask);
        int[] o = over(dims);
        return ArithmeticOps.record(out, max ? "AmaxBackward0" : "AminBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor hit = restore(so.get(), kept).eq(sa.get());
                return new Tensor[] {restore(g, kept).div(hit.sum(o, true)).mul(hit)};
            };
        });
    }

    /**
     * Variance or standard deviation and mean, as {@code torch.var_mean} / {@code std_mean}: one node with two outputs,
     * VarMeanBackward0 / StdMeanBackward0, whose backward is PyTorch's {@code var_mean_backward} / {@code
     * std_mean_backward}: the var (std) term and the mean term, summed, each left out when its output got no gradient.
     */
    static Tensor[] varMean(Tensor a, int[] dims, double correction, boolean keepdim, boolean std) {
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex()) {
            throw new IllegalArgumentException((std ? "std_mean" : "var_mean") + " only support floating point and complex dtypes");
        }
        Tensor v = varOrStdValue(a, dims, correction, keepdim, std);
        Tensor m;
        try (GradMode off = Ember.noGrad()) {
            m = a.dtype.isComplex() ? a.mean(over(dims), keepdim) : welfordInfinities(a, a.mean(over(dims), keepdim), dims, keepdim);
        }
        int[] kept = keptShape(a.shape, reducedMask(a.dim(), dims));
        int[] inShape = a.shape;
        double count = count(a, reducedMask(a.dim(), dims));
        MultiOutput.record(std ? "StdMeanBackward0" : "VarMeanBackward0", new Tensor[] {a}, new Tensor[] {v, m}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = std ? n.saveOutput(v) : null;
            return g -> {
                Tensor gx = null;
                if (g[0] != null) {
                    gx = varOrStdBackward(g[0], sa.get(), std ? so.get() : null, dims, correction, keepdim);
                }
                if (g[1] != null) {
                    Tensor gm = g[1].reshape(kept).expand(inShape).div(count); // mean_backward
                    gx = gx == null ? gm : gx.add(gm);
                }
                return new Tensor[] {gx};
            };
        });
        return new Tensor[] {v, m};
    }

    /**
     * PyTorch's var_mean/std_mean mean is Welford's running mean ({@code m += (x - m) / n}), which turns NaN once an
     * infinity is followed by another element ({@code inf + (x - inf) / n}, also when partial means are combined); the
     * element a reduction visits last, in any order of its loops, is the one at the last index of every reduced
     * dimension. So {@code mean} is NaN where an infinity sits anywhere else in its group, otherwise the plain mean.
     */
    private static Tensor welfordInfinities(Tensor a, Tensor mean, int[] dims, boolean keepdim) {
        if (a.numel() == 0 || allTrueUnlessMeta(a.isinf().logicalNot())) {
            return mean;
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        Tensor inf = a.isinf();
        Tensor last = inf;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                last = last.narrow(i, a.shape[i] - 1, 1);
            }
        }
        Tensor early = inf.sum(over(dims), true).gt(ArithmeticOps.cast(last, DType.INT64));
        if (!keepdim) {
            early = early.reshape(mean.shape);
        }
        return ArithmeticOps.where(early, Creation.wrap(Double.NaN), mean);
    }

    private static long count(Tensor a, boolean[] mask) {
        long c = 1;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                c *= a.shape[i];
            }
        }
        return c;
    }

    /**
     * {@code log(sum(exp(x)))} over dims (empty: all), as PyTorch: the maximum (0 where infinite) taken out before exp.
     * Integers and bool give the default type. LogsumexpBackward0: {@code grad * exp(self - result)}.
     */
    static Tensor logsumexp(Tensor a, int[] dims, boolean keepdim) {
        if (Autocast.on()) return Autocast.apply("logsumexp", t -> logsumexp(t[0], dims, keepdim), a);
        if (a.dtype.isComplex()) {
            return ComplexMath.logsumexp(a, dims, keepdim);
        }
        Tensor x = a.dtype.isFloatingPoint() ? opmath(a) : ArithmeticOps.cast(a, Ember.getDefaultDtype());
        boolean[] mask = reducedMask(a.dim(), dims);
        int[] o = over(dims);
        int[] kept = keptShape(a.shape, mask);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor r;
            if (x.numel() != 0) {
                Tensor m = amax(x, dims, true, true);
                m = zeroWhere(m.abs().eq(Double.POSITIVE_INFINITY), m);
                Tensor s = x.sub(m).exp().sum(o, keepdim);
                r = s.log().add(keepdim ? m : m.reshape(squeezedShape(a.shape, mask)));
            } else {
                r = x.exp().sum(o, keepdim).log();
            }
            out = narrowedBack(r, a.dtype);
        }
        return ArithmeticOps.record(out, "LogsumexpBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {restore(g, kept).mul(sa.get().sub(restore(so.get(), kept)).exp())};
        });
    }

    /** PyTorch's check that vector_norm and matrix_norm take floating tensors. */
    private static void checkFloating(Tensor a, String op) {
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex()) {
            throw new IllegalArgumentException(op + ": Expected a floating point or complex tensor as input. Got "
                    + Format.scalarType(a.dtype));
        }
    }

    /**
     * {@code linalg.vector_norm}: {@code sum(|x|^ord)^(1/ord)} over dims (null or empty: all); ord inf and -inf are the
     * largest and smallest |x|, 0 the number of non-zero elements. LinalgVectorNormBackward0 with PyTorch 2.x's
     * norm_backward (ord 0 has no gradient). {@code Tensor.norm} is this function in PyTorch 2.x.
     */
    static Tensor vectorNorm(Tensor a, double ord, int[] dims, boolean keepdim) {
        return vectorNorm(a, ord, dims, keepdim, null);
    }

    /**
     * 2.x's {@code check_linalg_norm_dtype}: {@code dtype} floating or complex, complex exactly for a complex input, and
     * the input's type convertible to it without narrowing; {@code op} names the op in the messages.
     */
    private static void checkNormDtype(DType input, DType dtype, String op) {
        if (!dtype.isFloatingPoint() && !dtype.isComplex()) {
            throw new IllegalArgumentException(op + ": dtype should be floating point or complex, but got "
                    + Format.scalarType(dtype));
        }
        if (input.isComplex() != dtype.isComplex()) {
            String kind = input.isComplex() ? "complex" : "real";
            throw new IllegalArgumentException(op + ": dtype should be " + kind + " for " + kind + " inputs, but got "
                    + Format.scalarType(dtype));
        }
        if (DType.promote(input, dtype) != dtype) {
            throw new IllegalArgumentException(op + ": the dtype of the input (" + Format.scalarType(input)
                    + ") should be convertible without narrowing to the specified dtype (" + Format.scalarType(dtype) + ")");
        }
    }

    /**
     * {@code linalg.vector_norm(x, ord, dim, keepdim, dtype=)}: with {@code dtype} (null: none) the input is cast to it
     * and the norm computed and returned in it, as PyTorch's reduction in the result's type; PyTorch's
     * {@code check_linalg_norm_dtype}: a floating {@code dtype} the input's type promotes to (no narrowing), checked
     * after the input's own checks.
     */
    static Tensor vectorNorm(Tensor a, double ord, int[] dims, boolean keepdim, DType dtype) {
        if (Autocast.on()) return Autocast.apply("linalg_vector_norm", t -> vectorNorm(t[0], ord, dims, keepdim, dtype), a);
        checkFloating(a, "linalg.vector_norm");
        if (ord < 0 || ord == Double.POSITIVE_INFINITY) {
            if (dims == null || dims.length == 0) {
                if (a.numel() == 0) {
                    throw new IllegalArgumentException("linalg.vector_norm cannot compute the " + Format.cpp(ord) + " norm on an "
                            + "empty tensor because the operation does not have an identity");
                }
            } else if (a.dim() > 0) {
                // the dims in the order given, each named as given (-1, not its wrap), as PyTorch's loop over dim
                for (int d : dims) {
                    if (a.shape[Shapes.wrapDim(d, a.dim())] == 0) {
                        // sic: PyTorch's message has no space before "because"
                        throw new IllegalArgumentException("linalg.vector_norm cannot compute the " + Format.cpp(ord) + " norm on "
                                + "the dimension " + d + "because this dimension is empty and the operation does not have an "
                                + "identity");
                    }
                }
            }
        }
        if (dtype != null) {
            checkNormDtype(a.dtype, dtype, "linalg.vector_norm");
            if (dtype != a.dtype) {
                return vectorNorm(a.to(dtype), ord, dims, keepdim, null);
            }
        }
        // PyTorch's meta function checks the empty dims first, then (make_dim_mask) repeated dims
        boolean[] mask = reducedMask(a.dim(), dims);
        int[] o = over(dims);
        int[] kept = keptShape(a.shape, mask);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = a.dtype.isComplex() ? a.abs() : opmath(a); // a complex tensor's norm is its moduli's
            Tensor r;
            if (Double.isInfinite(ord)) {
                r = reduceKernel(ord > 0 ? ReduceOp.MAX : ReduceOp.MIN, x.abs(), mask, keepdim, x.dtype);
            } else if (ord == 0) {
                r = x.ne(0L).to(x.dtype).sum(o, keepdim);
            } else if (ord == 1) {
                r = x.abs().sum(o, keepdim);
            } else if (ord == 2) {
                // PyTorch's vectorized last-dim kernel where it applies (float32, bfloat16), its bits per capability
                Tensor fast = NormTwoKernel.lastDim(a, mask, keepdim);
                r = fast != null ? fast : x.mul(x).sum(o, keepdim).sqrt();
            } else {
                r = x.abs().pow(ord).sum(o, keepdim).pow(1 / ord);
            }
            out = narrowedBack(r, a.dtype.isComplex() ? a.dtype.toReal() : a.dtype);
        }
        return ArithmeticOps.record(out, "LinalgVectorNormBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = ord == 0 ? null : n.save(a);
            SavedTensor so = ord == 0 || ord == 1 ? null : n.saveOutput(out);
            return g -> new Tensor[] {ord == 0 ? null
                : normBackward(restore(g, kept), sa.get(), so == null ? null : restore(so.get(), kept), ord, o)};
        });
    }

    /** PyTorch 2.x's norm_backward, term for term (g and the norm with their reduced dims restored). */
    static Tensor normBackward(Tensor g, Tensor x, Tensor norm, double p, int[] dims) {
        if (p == 1) {
            return x.sgn().mul(g);
        }
        if (p == 2) {
            return g.mul(zeroWhere(norm.eq(0L), x.div(norm)));
        }
        if (Double.isInfinite(p)) {
            Tensor xa = x.abs();
            Tensor hit = xa.eq(norm).logicalOr(xa.isnan());
            return x.sgn().mul(g.div(hit.sum(dims, true)).mul(hit));
        }
        if (p < 1) {
            Tensor scaled = x.sgn().mul(zeroWhere(x.eq(0L), x.abs().pow(p - 1)));
            return scaled.mul(g).mul(norm.pow(1 - p));
        }
        Tensor scaled = p < 2 ? x.sgn().mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
        Tensor scale = zeroWhere(norm.eq(0L), g.div(norm.pow(p - 1)));
        return scaled.mul(scale);
    }

    /** PyTorch's checks of linalg.matrix_norm's input and dims; returns the wrapped dims. */
    private static int[] matrixNormDims(Tensor a, int[] dims) {
        return matrixNormDims(a, dims, true);
    }

    /**
     * {@link #matrixNormDims(Tensor, int[])} with 2.x's {@code low_precision} flag of checkFloatingOrComplex: false (ord
     * +-2 and "nuc", the SVD's) refuses float16 and bfloat16 before the dims are checked.
     */
    private static int[] matrixNormDims(Tensor a, int[] dims, boolean lowPrecision) {
        if (a.dim() < 2) {
            throw new IllegalArgumentException("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
        }
        checkFloating(a, "linalg.matrix_norm");
        if (!lowPrecision && a.dtype.isReducedFloatingPoint()) {
            throw new IllegalArgumentException("linalg.matrix_norm: Low precision dtypes not supported. Got "
                    + Format.scalarType(a.dtype));
        }
        if (dims.length != 2) {
            StringBuilder b = new StringBuilder();
            for (int d : dims) {
                b.append(b.length() == 0 ? "" : " ").append(d);
            }
            throw new IllegalArgumentException("linalg.matrix_norm: dim must be a 2-tuple. Got " + b);
        }
        int d0 = Shapes.wrapDim(dims[0], a.dim());
        int d1 = Shapes.wrapDim(dims[1], a.dim());
        if (d0 == d1) {
            throw new IllegalArgumentException("linalg.matrix_norm: dims must be different. Got (" + d0 + ", " + d1 + ")");
        }
        return new int[] {d0, d1};
    }

    /**
     * {@code linalg.matrix_norm} with a numeric order: 1 and -1 (the largest and smallest column sum of |A|), inf and
     * -inf (row sums), as PyTorch: {@code amax(vector_norm(A, 1, dim0), dim1)} (AmaxBackward0 / AminBackward0); 2 and -2
     * (the largest and smallest singular value) as PyTorch 2.x's {@code amax(svdvals(A moved), -1)} (amin for -2).
     */
    static Tensor matrixNorm(Tensor a, double ord, int[] dims, boolean keepdim) {
        return matrixNorm(a, ord, dims, keepdim, null);
    }

    /**
     * {@link #matrixNorm(Tensor, double, int[], boolean)} with {@code dtype=} (null: none), as 2.x: checked after the
     * input and dims ({@code check_linalg_norm_dtype}, named linalg.matrix_norm); 2 and -2 take the singular values of
     * the input converted to it, 1 and inf {@code vector_norm(A, 1, dim0, dtype=dtype)}.
     */
    static Tensor matrixNorm(Tensor a, double ord, int[] dims, boolean keepdim, DType dtype) {
        if (Autocast.on()) return Autocast.apply("linalg_matrix_norm", t -> matrixNorm(t[0], ord, dims, keepdim, dtype), a);
        double abs = Math.abs(ord);
        if (abs != 2 && abs != 1 && abs != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("linalg.matrix_norm: Order " + Format.cpp(ord) + " not supported.");
        }
        int[] d = matrixNormDims(a, dims, abs != 2);
        if (dtype != null) {
            checkNormDtype(a.dtype, dtype, "linalg.matrix_norm");
        }
        if (abs == 2) {
            // amax (amin) of svdvals of A with the two dims moved last; keepdim puts them back (unsqueeze, permute)
            int[] perm = backshift(d[0], d[1], a.dim());
            Tensor s = (dtype == null ? a : a.to(dtype)).permute(perm).linalgSvdvals();
            Tensor r = amax(s, new int[] {-1}, keepdim, ord > 0);
            return keepdim ? r.unsqueeze(-1).permute(inverse(perm)) : r;
        }
        if (abs == Double.POSITIVE_INFINITY) {
            d = new int[] {d[1], d[0]};
        }
        int d1 = !keepdim && d[0] < d[1] ? d[1] - 1 : d[1];
        Tensor colSums = vectorNorm(a, 1, new int[] {d[0]}, keepdim, dtype);
        return amax(colSums, new int[] {d1}, keepdim, ord > 0);
    }

    /**
     * {@code linalg.matrix_norm} with "fro" (the 2-norm of the elements, LinalgVectorNormBackward0) or "nuc" (as PyTorch
     * 2.x: {@code svdvals(A moved).sum(-1, keepdim)}, SumBackward1).
     */
    static Tensor matrixNorm(Tensor a, String ord, int[] dims, boolean keepdim) {
        return matrixNorm(a, ord, dims, keepdim, null);
    }

    /**
     * {@link #matrixNorm(Tensor, String, int[], boolean)} with {@code dtype=} (null: none), as 2.x: the input, dims and
     * {@code dtype} checked (named linalg.matrix_norm), then "fro" is {@code vector_norm(A, 2, dim, dtype=dtype)} and
     * "nuc" the singular values of the input converted to {@code dtype}.
     */
    static Tensor matrixNorm(Tensor a, String ord, int[] dims, boolean keepdim, DType dtype) {
        if (Autocast.on()) return Autocast.apply("linalg_matrix_norm", t -> matrixNorm(t[0], ord, dims, keepdim, dtype), a);
        if (!"fro".equals(ord) && !"nuc".equals(ord)) {
            throw new IllegalArgumentException("linalg.matrix_norm: Order " + ord + " not supported.");
        }
        int[] d = matrixNormDims(a, dims, !ord.equals("nuc"));
        if (dtype != null) {
            checkNormDtype(a.dtype, dtype, "linalg.matrix_norm");
        }
        if (ord.equals("nuc")) {
            // the sum of svdvals of A with the two dims moved last; keepdim puts them back (unsqueeze, permute)
            int[] perm = backshift(d[0], d[1], a.dim());
            Tensor r = (dtype == null ? a : a.to(dtype)).permute(perm).linalgSvdvals().sum(new int[] {-1}, keepdim);
            return keepdim ? r.unsqueeze(-1).permute(inverse(perm)) : r;
        }
        return vectorNorm(a, 2, d, keepdim, dtype);
    }

    /** PyTorch's {@code create_dim_backshift_permutation}: every other dimension in order, then d0, then d1. */
    private static int[] backshift(int d0, int d1, int rank) {
        int[] p = new int[rank];
        int at = 0;
        for (int i = 0; i < rank; i++) {
            if (i != d0 && i != d1) {
                p[at++] = i;
            }
        }
        p[at++] = d0;
        p[at] = d1;
        return p;
    }

    /** {@code create_reverse_permutation}: the permutation that undoes {@code p}. */
    private static int[] inverse(int[] p) {
        int[] r = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            r[p[i]] = i;
        }
        return r;
    }

    /** {@code any} (at least one non-zero, NaN counts) or {@code all} over dims, bool (uint8 for uint8), not differentiable. */
    static Tensor anyAll(Tensor a, int[] dims, boolean keepdim, boolean any) {
        reducedMask(a.dim(), dims);
        try (GradMode off = Ember.noGrad()) {
            Tensor hits = (any ? a.ne(0L) : a.eq(0L)).sum(over(dims), keepdim);
            Tensor r = any ? hits.gt(0L) : hits.eq(0L);
            return a.dtype == DType.UINT8 ? ArithmeticOps.cast(r, DType.UINT8) : r; // PyTorch keeps uint8 for uint8
        }
    }

    /** The number of non-zero elements over dims (null or empty: all), int64. */
    static Tensor countNonzero(Tensor a, int[] dims) {
        reducedMask(a.dim(), dims);
        try (GradMode off = Ember.noGrad()) {
            return a.ne(0L).sum(over(dims), false);
        }
    }

    /** The sum with NaN counted as 0, NansumBackward0: {@code grad} expanded, times {@code !isnan(self)}. */
    static Tensor nansum(Tensor a, int[] dims, boolean keepdim) {
        if (a.dtype.isComplex()) {
            throw new IllegalArgumentException("nansum does not support complex inputs");
        }
        if (a.dtype.isFloatingPoint()) {
            return nansum(a, dims, keepdim, a.dtype); // the same reduction and node, in the input's own type
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        int[] o = over(dims);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = a.sum(o, keepdim); // an integer or bool input has no NaN
        }
        int[] kept = keptShape(a.shape, mask);
        int[] inShape = a.shape;
        return ArithmeticOps.record(out, "NansumBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            return g -> new Tensor[] {g.reshape(kept).expand(inShape).mul(sa.get().isnan().logicalNot())};
        });
    }

    /**
     * {@code torch.nansum(input, dims, keepdim, dtype=...)}: an integer or bool input is {@code sum(dtype=...)}
     * (2.x's nansum_out); a floating one is summed in {@code dtype}, which must be floating (nansum's kernel dispatches
     * the floating types only: "nansum_cpu" not implemented for 'Int'), NaN counted as 0; NansumBackward0 with the
     * gradient converted back to the input's type, times {@code !isnan(self)}.
     */
    static Tensor nansum(Tensor a, int[] dims, boolean keepdim, DType dtype) {
        if (a.dtype.isComplex()) {
            throw new IllegalArgumentException("nansum does not support complex inputs");
        }
        if (!a.dtype.isFloatingPoint()) {
            return sum(a, dims, keepdim, dtype);
        }
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("\"nansum_cpu\" not implemented for '" + Format.scalarType(dtype) + "'");
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        int[] o = over(dims);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = ArithmeticOps.cast(zeroWhere(a.isnan(), a), dtype).sum(o, keepdim);
        }
        int[] kept = keptShape(a.shape, mask);
        int[] inShape = a.shape;
        DType inType = a.dtype;
        return ArithmeticOps.record(out, "NansumBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            return g -> new Tensor[] {ArithmeticOps.cast(g, inType).reshape(kept).expand(inShape)
                    .mul(sa.get().isnan().logicalNot())};
        });
    }

    /** PyTorch's nanmean: {@code nansum(x) / (number of non-NaN elements)}, a composition (DivBackward0). */
    static Tensor nanmean(Tensor a, int[] dims, boolean keepdim) {
        return nanmean(a, dims, keepdim, null);
    }

    /** {@link #nanmean(Tensor, int[], boolean)} with nansum's {@code dtype} (null: the input's). */
    static Tensor nanmean(Tensor a, int[] dims, boolean keepdim, DType dtype) {
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("nanmean(): expected input to have floating point dtype but got "
                    + Format.scalarType(a.dtype));
        }
        Tensor factor;
        try (GradMode off = Ember.noGrad()) {
            factor = a.isnan().logicalNot().sum(over(dims), keepdim);
        }
        return (dtype == null ? nansum(a, dims, keepdim) : nansum(a, dims, keepdim, dtype)).div(factor);
    }

    /** The sum computed in {@code dtype} (the input converted first, as PyTorch's {@code sum(dtype=...)}). */
    static Tensor sum(Tensor a, int[] dims, boolean keepdim, DType dtype) {
        if (dtype.isComplex()) {
            // the input converted first (ToCopyBackward0 where the type changes), then the complex sum
            return sum(ViewOps.toType(a, dtype), dims == null ? null : dims, keepdim);
        }
        if (a.dtype.isComplex()) {
            // a real dtype= of a complex input: the real parts converted to it (as PyTorch's cast), then summed in it
            return sum(ViewOps.toType(a, dtype), dims, keepdim, dtype);
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        Tensor out = reduceKernel(ReduceOp.SUM, ArithmeticOps.cast(a, dtype), mask, keepdim,
                dtype.isFloatingPoint() ? dtype : DType.INT64);
        if (!dtype.isFloatingPoint() && dtype != DType.INT64) {
            out = ArithmeticOps.cast(out, dtype);
        }
        int[] kept = keptShape(a.shape, mask);
        int[] inShape = a.shape;
        return ArithmeticOps.record(out, dims == null ? "SumBackward0" : "SumBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {
            g.reshape(kept).expand(inShape)});
    }

    // ------------------------------------------------------------------ session 18: aminmax, the dtype argument

    /**
     * {@code torch.aminmax(input, dim=None, keepdim=False)}: the smallest and largest values (over everything, or along
     * {@code dim}), NaN propagating; one node AminmaxBackward0 with two outputs, each gradient shared evenly among the
     * elements equal to its result (amin's and amax's {@code scale_grad_by_count}), the two added.
     */
    static Tensor[] aminmax(Tensor a, Integer dim, boolean keepdim) {
        int[] dims;
        if (dim != null) {
            int d = Shapes.wrapDim(dim, a.dim());
            if (a.dim() > 0 && a.shape[d] == 0) {
                throw new IndexOutOfBoundsException("aminmax: Expected reduction dim " + d + " to have non-zero size.");
            }
            dims = new int[] {d};
        } else {
            if (a.numel() == 0) {
                throw new IllegalArgumentException("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                        + "has no identity.");
            }
            dims = null;
        }
        ComplexIndexing.refuse("aminmax", a);
        boolean[] mask = reducedMask(a.dim(), dims);
        Tensor kernelMin = reduceKernel(ReduceOp.MIN, a, mask, keepdim, a.dtype);
        Tensor kernelMax = reduceKernel(ReduceOp.MAX, a, mask, keepdim, a.dtype);
        Tensor[] firsts = dims != null && a.dim() > 0 && a.dtype.isFloatingPoint() && !a.device.isMeta()
                && !Boolean.getBoolean("ember.aminmax.zeroSign")
                ? firstZeroAmongTies(a, dims[0], kernelMin, kernelMax, keepdim) : null;
        Tensor mn = firsts == null ? kernelMin : firsts[0];
        Tensor mx = firsts == null ? kernelMax : firsts[1];
        int[] kept = keptShape(a.shape, mask);
        int[] o = over(dims);
        MultiOutput.record("AminmaxBackward0", new Tensor[] {a}, new Tensor[] {mn, mx}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor smn = n.saveOutput(mn);
            SavedTensor smx = n.saveOutput(mx);
            return g -> {
                Tensor gx = null;
                for (int k = 0; k < 2; k++) {
                    if (g[k] == null) {
                        continue;
                    }
                    Tensor hit = restore((k == 0 ? smn : smx).get(), kept).eq(sa.get());
                    Tensor part = restore(g[k], kept).div(hit.sum(o, true)).mul(hit);
                    gx = gx == null ? part : gx.add(part);
                }
                return new Tensor[] {gx};
            };
        });
        return new Tensor[] {mn, mx};
    }

    /**
     * aminmax along a dim keeps, among equal values, the first of the line (2.x's aminmax_kernel, TensorCompareKernel.cpp:
     * a scalar loop that replaces its min / max only by a value strictly below / above), so a zero result is the line's
     * first zero, -0.0 or 0.0; the reduction kernels' min and max take -0.0 and 0.0 (Java's). Null where no result is a
     * zero (nothing to change); else the two results with each zero replaced by the line's first zero.
     * {@code -Dember.aminmax.zeroSign=true} keeps the kernels' zeros (before session 53).
     */
    private static Tensor[] firstZeroAmongTies(Tensor a, int d, Tensor mn, Tensor mx, boolean keepdim) {
        try (GradMode off = Ember.noGrad()) {
            Tensor mnZero = mn.eq(0.0);
            Tensor mxZero = mx.eq(0.0);
            if (!mnZero.any() && !mxZero.any()) {
                return null;
            }
            Tensor at = a.eq(0.0).to(DType.UINT8).argmax(d, true); // the first zero of each line
            Tensor first = a.gather(d, at);
            if (!keepdim) {
                first = first.squeeze(d);
            }
            return new Tensor[] {Tensor.where(mnZero, first, mn), Tensor.where(mxZero, first, mx)};
        }
    }

    /**
     * {@code torch.mean(input, dims, keepdim, dtype=...)}: the input cast to {@code dtype} inside the op (no
     * ToCopyBackward0), MeanBackward0 (all) or MeanBackward1; {@code dtype} must be floating.
     */
    static Tensor mean(Tensor a, int[] dims, boolean keepdim, DType dtype) {
        if (dtype.isComplex()) {
            return mean(ViewOps.toType(a, dtype), dims, keepdim); // converted first, then the complex mean
        }
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("mean(): could not infer output dtype. Optional dtype must be either a floating "
                    + "point or complex dtype. Got: " + Format.scalarType(dtype));
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = mean(ArithmeticOps.cast(a, dtype), dims, keepdim);
        }
        int[] inShape = a.shape;
        int[] kept = keptShape(inShape, mask);
        double n = count(a, mask);
        String name = dims == null ? "MeanBackward0" : "MeanBackward1";
        return ArithmeticOps.record(out, name, new Tensor[] {a}, node -> g -> new Tensor[] {
            g.reshape(kept).expand(inShape).div(n)});
    }

    /**
     * {@code torch.prod(input, dtype=...)} (dim null) or {@code torch.prod(input, dim, keepdim, dtype=...)}: the input
     * cast to {@code dtype} inside the op; ProdBackward0 / ProdBackward1 with {@code prod_backward(grad,
     * self.to(grad.scalar_type()), result)}.
     */
    static Tensor prod(Tensor a, Integer dim, boolean keepdim, DType dtype) {
        Tensor out;
        Tensor ac = ArithmeticOps.cast(a, dtype);
        int d = dim == null ? 0 : Shapes.wrapDim(dim, a.dim());
        try (GradMode off = Ember.noGrad()) {
            // an integer dtype is the result's type (the int64 product wraps to it)
            out = ArithmeticOps.cast(dim == null ? prod(ac) : prod(ac, d, keepdim), dtype);
        }
        boolean[] mask = reducedMask(a.dim(), dim == null ? null : new int[] {d});
        int[] kept = keptShape(a.shape, mask);
        boolean scalar = a.dim() == 0;
        return ArithmeticOps.record(out, dim == null ? "ProdBackward0" : "ProdBackward1", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor x = ViewOps.toType(sa.get(), g.dtype);
                if (dim == null) {
                    return new Tensor[] {prodBackward(g, x, so.get())};
                }
                if (scalar) {
                    return new Tensor[] {g};
                }
                Tensor gk = restore(g, kept);
                if (!Func.transforming() && allTrueUnlessMeta(x.ne(0L))) { // as in prod(a, dim, keepdim)
                    return new Tensor[] {gk.mul(ComplexMath.conjIfComplex(restore(so.get(), kept).div(x)))};
                }
                return new Tensor[] {prodSafeZerosBackward(gk, x, d)};
            };
        });
    }

    /**
     * {@code softmax} / {@code log_softmax} with {@code dtype}: as PyTorch's {@code softmax(input, dim, dtype)}, the input
     * converted first ({@code input.toType(dtype)}, ToCopyBackward0 where the type changes), then the op.
     */
    static Tensor softmax(Tensor a, int dim, boolean log, DType dtype) {
        return softmax(ViewOps.toType(a, dtype), dim, log);
    }
}
