package dev.ember;

import java.util.ArrayList;
import java.util.List;

/**
 * Complex tensors through the ops that only move, select or test elements (indexing, scatter and gather, masks, copies
 * of views, padding, cumsum, the predicates), and the refusals of the ops PyTorch refuses on complex tensors.
 *
 * <p>Such an op is linear in each of its value operands and acts on the real and imaginary parts alike, so on complex
 * operands it is the same real op run on their real parts and on their imaginary parts ({@link #partwise}): the real
 * op's checks see the complex tensors' own shapes (PyTorch's messages, dims as given), index tensors and masks go to
 * both runs as they are, and the two results are the parts of the complex result. Every kernel runs on the real parts
 * (views of {@link ComplexOps#parts}), never around {@link Tensor#storage()}'s firewall. The result records one node
 * named as PyTorch's (the node the real op records), whose backward differentiates the same composition of the parts
 * ({@link #recordLinear}): the real op's own backward on the real and imaginary parts of the gradient, which is
 * PyTorch's formula on the complex gradient, and which differentiates again.
 */
final class ComplexIndexing {
    private ComplexIndexing() {
    }

    /** A real op run on one part of its complex operands: {@code part} 0 for the real parts, 1 for the imaginary ones. */
    @FunctionalInterface
    interface PartOp {
        Tensor apply(Tensor[] operands, int part);
    }

    /** Whether any of the tensors (nulls skipped) is complex: the op is this file's. */
    static boolean any(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype.isComplex()) {
                return true;
            }
        }
        return false;
    }

    private static boolean isValue(Tensor t) {
        return t != null && (t.dtype.isComplex() || t.dtype.isFloatingPoint());
    }

    /**
     * {@code op} on complex operands: run on the real parts and on the imaginary parts of the value operands (complex or
     * floating; a real one has zero imaginary parts), index and mask operands (and nulls) given to both as they are.
     */
    static Tensor partwise(PartOp op, Tensor... operands) {
        DType real = null;
        List<Tensor> values = new ArrayList<>();
        for (Tensor t : operands) {
            if (isValue(t)) {
                real = real == null ? t.dtype.toReal() : DType.promote(real, t.dtype.toReal());
                values.add(t);
            }
        }
        DType partType = real;
        Tensor[] inputs = values.toArray(new Tensor[0]);
        boolean records = ArithmeticOps.needsGrad(inputs);
        Tensor re;
        String name = null;
        if (records) {
            // the real op on aliases of the real parts that require grad: its node's name is PyTorch's for the op
            try (GradMode on = Ember.enableGrad()) {
                Tensor[] ps = parts(operands, 0, partType, false);
                for (int i = 0; i < ps.length; i++) {
                    if (isValue(ps[i])) {
                        ps[i] = ps[i].detach().setRequiresGrad(true);
                    }
                }
                re = op.apply(ps, 0);
                name = re.gradFn() == null ? null : re.gradFn().name();
                re = re.detach();
            }
        } else {
            try (GradMode off = Ember.noGrad()) {
                re = op.apply(parts(operands, 0, partType, false), 0);
            }
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor im = op.apply(parts(operands, 1, partType, false), 1);
            out = ComplexOps.fromParts(re, im);
        }
        if (!records || name == null) {
            return out;
        }
        return recordLinear(out, name, inputs, xs -> {
            Tensor[] ops = operands.clone();
            int j = 0;
            for (int i = 0; i < ops.length; i++) {
                if (isValue(ops[i])) {
                    ops[i] = xs[j++];
                }
            }
            return ComplexOps.complex(op.apply(parts(ops, 0, partType, true), 0), op.apply(parts(ops, 1, partType, true), 1));
        });
    }

    /**
     * Records {@code out}, the value of {@code composition} (linear in each input) at {@code inputs}, as one node
     * {@code name}: its backward differentiates the composition (with grad mode on) at zeros of the inputs' shapes and
     * types, which gives the same gradients as at the inputs, since they do not depend on them; so the node saves no
     * input, and an input changed in place afterwards does not fail the backward (as PyTorch's nodes of these ops save
     * only their indices). It differentiates again when the backward records (create_graph).
     */
    private static Tensor recordLinear(Tensor out, String name, Tensor[] inputs,
                                       java.util.function.Function<Tensor[], Tensor> composition) {
        int[][] shapes = new int[inputs.length][];
        DType[] types = new DType[inputs.length];
        Device[] devices = new Device[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            shapes[i] = inputs[i].shape;
            types[i] = inputs[i].dtype;
            devices[i] = inputs[i].device;
        }
        return ArithmeticOps.record(out, name, inputs, node -> g -> {
            boolean createGraph = Ember.isGradEnabled();
            Tensor[] xs = new Tensor[inputs.length];
            List<Tensor> wrt = new ArrayList<>();
            for (int i = 0; i < xs.length; i++) {
                xs[i] = Creation.zeros(shapes[i], types[i], devices[i]).setRequiresGrad(node.needsInputGrad(i));
                if (node.needsInputGrad(i)) {
                    wrt.add(xs[i]);
                }
            }
            Tensor[] result = new Tensor[inputs.length];
            try (GradMode on = Ember.enableGrad()) {
                List<Tensor> grads = Autograd.grad(List.of(composition.apply(xs)), wrt, List.of(g), true, createGraph, true);
                int j = 0;
                for (int i = 0; i < inputs.length; i++) {
                    if (node.needsInputGrad(i)) {
                        result[i] = grads.get(j++);
                    }
                }
            }
            return result;
        });
    }

    /**
     * The operands with each value operand replaced by its real ({@code part} 0) or imaginary parts in {@code type}
     * (a real operand's imaginary parts are zeros); through differentiable views when {@code recorded}.
     */
    private static Tensor[] parts(Tensor[] operands, int part, DType type, boolean recorded) {
        Tensor[] out = operands.clone();
        for (int i = 0; i < out.length; i++) {
            Tensor t = out[i];
            if (!isValue(t)) {
                continue;
            }
            if (t.dtype.isComplex()) {
                Tensor z = t.dtype == type.toComplex() ? t : recorded ? t.to(type.toComplex()) : ComplexOps.cast(t, type.toComplex());
                out[i] = recorded ? (part == 0 ? ComplexOps.real(z) : ComplexOps.imag(z)) : ComplexOps.parts(z).select(-1, part);
            } else {
                Tensor r = t.dtype == type ? t : recorded ? t.to(type) : ArithmeticOps.cast(t, type);
                out[i] = part == 0 ? r : Creation.zeros(r.shape, type, r.device);
            }
        }
        return out;
    }

    /** PyTorch's refusal of a source of another type than self's ({@code message} names the two types). */
    private static void sameType(Tensor self, Tensor source, String message) {
        if (self.dtype != source.dtype) {
            throw new IllegalArgumentException(message.replace("%self", Format.scalarType(self.dtype))
                    .replace("%source", Format.scalarType(source.dtype)));
        }
    }

    private static final String SCATTER_TYPES = "scatter(): Expected self.dtype to be equal to src.dtype";

    // ------------------------------------------------------------------ indexing

    static Tensor indexSelect(Tensor self, int dim, Tensor index) {
        return partwise((p, k) -> IndexingOps.indexSelect(p[0], dim, p[1]), self, index);
    }

    static Tensor gather(Tensor self, int dim, Tensor index) {
        return partwise((p, k) -> IndexingOps.gather(p[0], dim, p[1]), self, index);
    }

    static Tensor scatter(Tensor self, int dim, Tensor index, Tensor src) {
        sameType(self, src, SCATTER_TYPES);
        return partwise((p, k) -> IndexingOps.scatter(p[0], dim, p[1], p[2]), self, index, src);
    }

    /** {@code scatter(dim, index, value)} with a real or complex number (ScatterBackward1). */
    static Tensor scatter(Tensor self, int dim, Tensor index, Complex value) {
        return withNumber(self, index, value, (t, i, v) -> IndexingOps.scatter(t, dim, i, v));
    }

    static Tensor scatterAdd(Tensor self, int dim, Tensor index, Tensor src) {
        sameType(self, src, SCATTER_TYPES);
        return partwise((p, k) -> IndexingOps.scatterAdd(p[0], dim, p[1], p[2]), self, index, src);
    }

    /**
     * {@code scatter_reduce} of complex tensors: "sum" and "mean" part by part, "prod" in polar form; "amax" and "amin"
     * refused as PyTorch's kernels refuse them; none differentiable (PyTorch does not implement its derivative for
     * complex outputs).
     */
    static Tensor scatterReduce(Tensor self, int dim, Tensor index, Tensor src, String reduce, boolean includeSelf) {
        sameType(self, src, SCATTER_TYPES);
        if (reduce.equals("amax") || reduce.equals("amin")) {
            throw Refusals.unsupported("scatter_gather_tensor_cpu_reduce_" + reduce, self.dtype);
        }
        if (ArithmeticOps.needsGrad(self, src)) {
            throw new UnsupportedOperationException("scatter_reduce does not support automatic differentiation for outputs "
                    + "with complex dtype.");
        }
        if (reduce.equals("prod")) {
            return scatterProd(self, dim, index, src, includeSelf);
        }
        return partwise((p, k) -> IndexingOps.scatterReduce(p[0], dim, p[1], p[2], reduce, includeSelf), self, index, src);
    }

    /**
     * {@code scatter_reduce(..., "prod")} of complex tensors (no history: PyTorch does not differentiate it for complex
     * outputs): the products in polar form, the sums of the logarithms of the magnitudes and of the angles scattered by
     * the real op, at the positions the index writes; the other positions keep self's values.
     */
    private static Tensor scatterProd(Tensor self, int dim, Tensor index, Tensor src, boolean includeSelf) {
        try (GradMode off = Ember.noGrad()) {
            Tensor[] a = polarParts(self);
            Tensor[] b = polarParts(src);
            Tensor logMagnitude = IndexingOps.scatterReduce(a[0], dim, index, b[0], "sum", includeSelf);
            Tensor angle = IndexingOps.scatterReduce(a[1], dim, index, b[1], "sum", includeSelf);
            Tensor magnitude = logMagnitude.exp();
            Tensor products = ComplexOps.fromParts(magnitude.mul(angle.cos()), magnitude.mul(angle.sin()));
            Tensor written = IndexingOps.scatter(Creation.zeros(self.shape, DType.BOOL, self.device), dim, index, 1.0);
            return ArithmeticOps.where(written, products, self);
        }
    }

    /** {@code log|z|} and {@code arg z} of a complex tensor. */
    private static Tensor[] polarParts(Tensor z) {
        Tensor p = ComplexOps.parts(z);
        Tensor re = p.select(-1, 0);
        Tensor im = p.select(-1, 1);
        return new Tensor[] {re.hypot(im).log(), im.atan2(re)};
    }

    static Tensor indexAdd(Tensor self, int dim, Tensor index, Tensor source, double alpha) {
        sameType(self, source, "index_add_(): self (%self) and source (%source) must have the same scalar type");
        return partwise((p, k) -> IndexingOps.indexAdd(p[0], dim, p[1], p[2], alpha, false), self, index, source);
    }

    static Tensor indexCopy(Tensor self, int dim, Tensor index, Tensor source) {
        sameType(self, source, "index_copy_(): self and source expected to have the same dtype, but got (self) %self and "
                + "(source) %source");
        return partwise((p, k) -> IndexingOps.indexCopy(p[0], dim, p[1], p[2]), self, index, source);
    }

    /** {@code index_fill} with a real or complex number (IndexFillBackward0). */
    static Tensor indexFill(Tensor self, int dim, Tensor index, Complex value) {
        refuseComplexIndexFill(self);
        return withNumber(self, index, value, (t, i, v) -> IndexingOps.indexFill(t, dim, i, v));
    }

    /** {@code index_fill} with a 0-dim tensor's value, either of them complex (IndexFillBackward1). */
    static Tensor indexFill(Tensor self, int dim, Tensor index, Tensor value) {
        refuseComplexIndexFill(self);
        return partwise((p, k) -> IndexingOps.indexFill(p[0], dim, p[1], p[2]), self, index, value);
    }

    static Tensor take(Tensor self, Tensor index) {
        return partwise((p, k) -> IndexingOps.take(p[0], p[1]), self, index);
    }

    static Tensor put(Tensor self, Tensor index, Tensor source, boolean accumulate) {
        sameType(self, source, "put_(): self and source expected to have the same dtype, but got self.dtype = %self and "
                + "source.dtype = %source");
        return partwise((p, k) -> IndexingOps.put(p[0], p[1], p[2], accumulate), self, index, source);
    }

    /** Advanced indexing by per-dimension index tensors (IndexBackward0). */
    static Tensor indexTensors(Tensor self, Tensor[] perDim) {
        return partwise((p, k) -> IndexingOps.indexTensors(p[0], perDim), self);
    }

    /** {@code index_put} by per-dimension index tensors (IndexPutBackward0). */
    static Tensor indexPutTensors(Tensor self, Tensor[] perDim, Tensor values, boolean accumulate) {
        sameType(self, values, "Index put requires the source and destination dtypes match, got %self for the destination "
                + "and %source for the source.");
        return partwise((p, k) -> IndexingOps.indexPutTensors(p[0], perDim, p[1], accumulate), self, values);
    }

    /** {@code masked_fill} with a real or complex number (MaskedFillBackward0). */
    static Tensor maskedFill(Tensor self, Tensor mask, Complex value) {
        return withNumber(self, mask, value, IndexingOps::maskedFill);
    }

    /** {@code masked_fill} with a 0-dim tensor's value, either of them complex (MaskedFillBackward1). */
    static Tensor maskedFill(Tensor self, Tensor mask, Tensor value) {
        requireComplexSelf(self);
        return partwise((p, k) -> IndexingOps.maskedFill(p[0], p[1], p[2]), self, mask, value);
    }

    static Tensor maskedSelect(Tensor self, Tensor mask) {
        return partwise((p, k) -> IndexingOps.maskedSelect(p[0], p[1]), self, mask);
    }

    static Tensor maskedScatter(Tensor self, Tensor mask, Tensor source) {
        sameType(self, source, "masked_scatter: expected self and source to have same dtypes but got%self and %source");
        return partwise((p, k) -> IndexingOps.maskedScatter(p[0], p[1], p[2]), self, mask, source);
    }

    /** The coordinates of the elements whose real or imaginary part is not zero. */
    static Tensor nonzero(Tensor z) {
        return IndexingOps.nonzero(isNonzero(z));
    }

    /** Whether each element of a complex tensor is not zero (either part), bool, without history. */
    static Tensor isNonzero(Tensor z) {
        try (GradMode off = Ember.noGrad()) {
            Tensor p = ComplexOps.parts(z);
            return p.select(-1, 0).ne(0.0).logicalOr(p.select(-1, 1).ne(0.0));
        }
    }

    /** A real op that writes a number into a tensor at indices or under a mask. */
    @FunctionalInterface
    interface NumberOp {
        Tensor apply(Tensor self, Tensor where, double value);
    }

    /**
     * {@code op} with a real or complex number: on a complex tensor part by part (the number's real part into the real
     * parts, its imaginary part into the imaginary ones); a real tensor takes a number with a zero imaginary part (PyTorch's
     * conversion error for any other).
     */
    private static Tensor withNumber(Tensor self, Tensor where, Complex value, NumberOp op) {
        if (!self.dtype.isComplex()) {
            if (value.imag() != 0) {
                requireComplexSelf(self);
            }
            return op.apply(self, where, value.real());
        }
        // the number converted to the complex type as a whole (complex64's check names c10::complex<float>), not as
        // each part's float
        ArithmeticOps.checkScalarFits(value.real(), self.dtype);
        ArithmeticOps.checkScalarFits(value.imag(), self.dtype);
        return partwise((p, k) -> op.apply(p[0], p[1], k == 0 ? value.real() : value.imag()), self, where);
    }

    /**
     * PyTorch's index_fill_ refusal of a complex value (a complex number, or a 0-dim complex tensor's item) for a real
     * tensor, whatever its imaginary part.
     */
    private static void refuseComplexIndexFill(Tensor self) {
        if (!self.dtype.isComplex()) {
            throw new IllegalArgumentException("index_fill_(): Converting complex Scalar to non-complex type is not supported");
        }
    }

    /** PyTorch's refusal of a complex value written into a real tensor. */
    static void requireComplexSelf(Tensor self) {
        if (!self.dtype.isComplex()) {
            throw new IllegalArgumentException("value cannot be converted to type " + cType(self.dtype) + " without overflow");
        }
    }

    /** The C++ type PyTorch's conversion message names. */
    private static String cType(DType t) {
        switch (t) {
            case FLOAT32: return "float";
            case FLOAT64: return "double";
            case INT64: return "int64_t";
            case INT32: return "int";
            case BOOL: return "bool";
            default: return Format.scalarType(t);
        }
    }

    /**
     * {@code cumprod(z, dim)} of a complex tensor: the running complex products along the dimension (not part by part),
     * accumulated in complex128 as PyTorch's CPU kernel accumulates complex64 (its acc_type), by a doubling scan: each
     * of log2(n) steps multiplies every element by the running product {@code 2^k} places before it, so the kernel
     * calls grow with the logarithm of the length, not with it. Node CumprodBackward0 with PyTorch's cumprod_backward
     * (conjugated for complex input; correct where an element is zero, its O(n^2) form when differentiated again).
     */
    static Tensor cumprod(Tensor z, int dim) {
        int d = z.dim() == 0 ? Shapes.wrapDim(dim, 1) : Shapes.wrapDim(dim, z.dim());
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = runningProducts(z, d);
        }
        return ArithmeticOps.record(out, "CumprodBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {SortOps.cumprodBackward(g, sz.get(), d, so.get())};
        });
    }

    private static Tensor runningProducts(Tensor z, int d) {
        if (z.dim() == 0 || z.shape[d] <= 1) {
            return z.clone();
        }
        int n = z.shape[d];
        Tensor run = z.to(DType.COMPLEX128);
        for (int s = 1; s < n; s <<= 1) {
            // Hillis-Steele: run[k] *= run[k - s] for k >= s, every product of the step from the previous step's values
            Tensor tail = run.narrow(d, s, n - s).mul(run.narrow(d, 0, n - s));
            run = ViewOps.cat(List.of(run.narrow(d, 0, s), tail), d);
        }
        return run.to(z.dtype);
    }

    // ------------------------------------------------------------------ predicates

    /**
     * isnan, isinf and isfinite of a complex tensor (NaN or infinite when either part is, finite when both are); PyTorch
     * refuses isposinf and isneginf.
     */
    static Tensor isKind(Tensor z, dev.ember.backend.UnaryOp op) {
        if (op == dev.ember.backend.UnaryOp.ISPOSINF || op == dev.ember.backend.UnaryOp.ISNEGINF) {
            throw new UnsupportedOperationException((op == dev.ember.backend.UnaryOp.ISPOSINF ? "isposinf" : "isneginf")
                    + " does not support complex inputs.");
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor p = ComplexOps.parts(z);
            Tensor re = p.select(-1, 0);
            Tensor im = p.select(-1, 1);
            switch (op) {
                case ISNAN: return re.isnan().logicalOr(im.isnan());
                case ISINF: return re.isinf().logicalOr(im.isinf());
                case ISFINITE: return re.isfinite().logicalAnd(im.isfinite());
                default: throw new IllegalStateException("not a predicate of isKind: " + op);
            }
        }
    }

    /**
     * {@code nan_to_num} of a complex tensor, PyTorch 2.x's: each part replaced as a real tensor's (1.13 refuses);
     * NanToNumBackward0 is derivatives.yaml's {@code grad * isfinite(self)}, zero where either part is not finite.
     */
    static Tensor nanToNum(Tensor z, double nan, Double posinf, Double neginf) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = partwise((p, k) -> ArithmeticOps.nanToNum(p[0], nan, posinf, neginf), z);
        }
        return ArithmeticOps.record(out, "NanToNumBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            return g -> new Tensor[] {g.mul(sz.get().isfinite().to(g.dtype.toReal()))};
        });
    }

    /** {@code isreal}: whether each imaginary part is 0 (NaN is not). */
    static Tensor isreal(Tensor z) {
        try (GradMode off = Ember.noGrad()) {
            return ComplexOps.parts(z).select(-1, 1).eq(0.0);
        }
    }

    // ------------------------------------------------------------------ refusals

    /**
     * PyTorch's refusals of complex tensors on the CPU by their dispatch message, {@code "<kernel>" not implemented for
     * 'ComplexFloat'}: the kernel's name by PyTorch's op name (the key each refusing op passes to {@link #refuse}). The
     * names are those of the {@code AT_DISPATCH_*} macros in aten/src/ATen/native/cpu (1.13 and 2.x agree on each);
     * engine-cpu's complexrefusals/make_expected.py records them from PyTorch itself.
     */
    private static final java.util.Map<String, String> KERNELS = java.util.Map.ofEntries(
        java.util.Map.entry("sort", "sorting_kernel_method_name"), java.util.Map.entry("topk", "topk_cpu"),
        java.util.Map.entry("max", "max_all"), java.util.Map.entry("min", "min_all"),
        java.util.Map.entry("amax", "max_values_cpu"), java.util.Map.entry("amin", "min_values_cpu"),
        java.util.Map.entry("argmax", "argmax_cpu"), java.util.Map.entry("argmin", "argmin_cpu"),
        java.util.Map.entry("aminmax", "aminmax_cpu"),
        java.util.Map.entry("lt", "lt_cpu"), java.util.Map.entry("gt", "gt_cpu"), java.util.Map.entry("le", "le_cpu"),
        java.util.Map.entry("ge", "ge_cpu"), java.util.Map.entry("round", "round_vml_cpu"),
        java.util.Map.entry("cummax", "cummax_cpu"), java.util.Map.entry("cummin", "cummin_cpu"),
        java.util.Map.entry("kthvalue", "kthvalue_cpu"),
        // median() and nanmedian() of all elements dispatch "median_cpu" (median_impl), of a dimension "median_out"
        // (median_with_indices_impl)
        java.util.Map.entry("median", "median_cpu"), java.util.Map.entry("median.dim", "median_out"),
        java.util.Map.entry("mode", "mode_cpu"), java.util.Map.entry("frac", "frac_cpu"),
        java.util.Map.entry("unique", "unique"), java.util.Map.entry("unique_dim", "unique_dim"),
        java.util.Map.entry("searchsorted", "searchsorted_out_cpu"),
        java.util.Map.entry("erf", "erf_vml_cpu"), java.util.Map.entry("erfc", "erfc_vml_cpu"),
        java.util.Map.entry("erfinv", "erfinv_vml_cpu"), java.util.Map.entry("lgamma", "lgamma_vml_cpu"),
        java.util.Map.entry("digamma", "digamma"), java.util.Map.entry("log_sigmoid", "log_sigmoid_cpu"),
        java.util.Map.entry("bitwise_and", "bitwise_and_cpu"), java.util.Map.entry("bitwise_or", "bitwise_or_cpu"),
        java.util.Map.entry("bitwise_xor", "bitwise_xor_cpu"), java.util.Map.entry("bitwise_not", "bitwise_not_cpu"),
        java.util.Map.entry("bitwise_left_shift", "lshift_cpu"),
        java.util.Map.entry("bitwise_right_shift", "rshift_cpu"), java.util.Map.entry("threshold", "threshold_cpu"));

    /**
     * The CUDA kernels' names where they differ from the CPU's (PyTorch 2.x's aten/src/ATen/native/cuda dispatch
     * names: the comparisons share one "compare_cuda", median and nanmedian "median_out_impl", mode "cuda_mode"); an op
     * not listed here names the same kernel on both devices (sort's and unique's CUDA names depend on the input's size
     * and path there, so the CPU's are kept).
     */
    private static final java.util.Map<String, String> CUDA_KERNELS = java.util.Map.ofEntries(
        java.util.Map.entry("topk", "topk_out_cuda"), java.util.Map.entry("max", "max_all_cuda"),
        java.util.Map.entry("min", "min_all_cuda"), java.util.Map.entry("amax", "max_values_cuda"),
        java.util.Map.entry("amin", "min_values_cuda"), java.util.Map.entry("argmax", "argmax_cuda"),
        java.util.Map.entry("argmin", "argmin_cuda"), java.util.Map.entry("aminmax", "aminmax_cuda"),
        java.util.Map.entry("lt", "compare_cuda"), java.util.Map.entry("gt", "compare_cuda"),
        java.util.Map.entry("le", "compare_cuda"), java.util.Map.entry("ge", "compare_cuda"),
        java.util.Map.entry("round", "round_cuda"), java.util.Map.entry("cummax", "cummax_cuda"),
        java.util.Map.entry("cummin", "cummin_cuda"), java.util.Map.entry("kthvalue", "kthvalue_cuda"),
        java.util.Map.entry("median", "median_out_impl"), java.util.Map.entry("median.dim", "median_out_impl"),
        java.util.Map.entry("mode", "cuda_mode"), java.util.Map.entry("frac", "frac_cuda"),
        java.util.Map.entry("searchsorted", "searchsorted_out_cuda"),
        java.util.Map.entry("erf", "erf_cuda"), java.util.Map.entry("erfc", "erfc_cuda"),
        java.util.Map.entry("erfinv", "erfinv_cuda"), java.util.Map.entry("lgamma", "lgamma_cuda"),
        java.util.Map.entry("digamma", "digamma_cuda"), java.util.Map.entry("log_sigmoid", "log_sigmoid_forward_cuda"),
        java.util.Map.entry("bitwise_and", "bitwise_and_cuda"), java.util.Map.entry("bitwise_or", "bitwise_or_cuda"),
        java.util.Map.entry("bitwise_xor", "bitwise_xor_cuda"), java.util.Map.entry("bitwise_not", "bitwise_not_cuda"),
        java.util.Map.entry("bitwise_left_shift", "lshift_cuda"),
        java.util.Map.entry("bitwise_right_shift", "rshift_cuda"), java.util.Map.entry("threshold", "threshold_cuda"));

    /** PyTorch's refusals of complex tensors in words of their own (its op's TORCH_CHECK), by PyTorch's op names. */
    private static final java.util.Map<String, String> MESSAGES = java.util.Map.ofEntries(
        java.util.Map.entry("maximum", "maximum not implemented for complex tensors."),
        java.util.Map.entry("minimum", "minimum not implemented for complex tensors."),
        java.util.Map.entry("fmax", "fmax not implemented for complex tensors."),
        java.util.Map.entry("fmin", "fmin not implemented for complex tensors."),
        // clamp, clamp_min, clamp_max, clip, relu, relu6 and hardtanh: clamp's check
        java.util.Map.entry("clamp", "clamp is not supported for complex types"),
        java.util.Map.entry("floor", "floor is not supported for complex inputs"),
        java.util.Map.entry("ceil", "ceil is not supported for complex inputs"),
        java.util.Map.entry("trunc", "trunc is not supported for complex inputs"),
        java.util.Map.entry("sign", "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                + "torch.sgn instead."),
        java.util.Map.entry("signbit", "signbit is not implemented for complex tensors."),
        java.util.Map.entry("heaviside", "heaviside is not yet implemented for complex tensors."));

    /**
     * The error of {@link Tensor#storage()}'s firewall for a complex tensor: an op that reached a real kernel's storage
     * with a complex tensor has no complex kernel in Ember and no refusal of its own (each op PyTorch refuses on complex
     * tensors refuses first, in PyTorch's words, through {@link #refuse}); also what a caller that asks for the storage
     * of a complex tensor itself gets.
     */
    static UnsupportedOperationException refusal(Tensor t) {
        return new UnsupportedOperationException("storage() of a complex tensor: Ember holds a "
            + t.dtype.scalarTypeName() + " tensor's elements as interleaved real and imaginary parts of its real "
            + "type; use viewAsReal().storage()");
    }

    /**
     * PyTorch's refusal of the op {@code op} (PyTorch's name, a key of the tables above) on the complex tensor
     * {@code t}, naming the kernel of {@code t}'s device.
     *
     * @throws IllegalStateException for an op not listed (a caller's error)
     */
    static UnsupportedOperationException refused(String op, Tensor t) {
        return refused(op, t.device, t.dtype);
    }

    /** {@link #refused(String, Tensor)} for a tensor of type {@code type} on {@code device}. */
    private static UnsupportedOperationException refused(String op, Device device, DType type) {
        String kernel = device.type().equals("cuda") && CUDA_KERNELS.containsKey(op) ? CUDA_KERNELS.get(op)
                : KERNELS.get(op);
        if (kernel != null) {
            return Refusals.unsupported(kernel, type);
        }
        String message = MESSAGES.get(op);
        if (message == null) {
            throw new IllegalStateException("no complex refusal listed for " + op);
        }
        return new UnsupportedOperationException(message);
    }

    /**
     * Throws PyTorch's refusal of the op {@code op} ({@link #refused}) where {@code t} is complex, before anything is
     * computed or modified; does nothing for a real tensor.
     */
    static void refuse(String op, Tensor t) {
        if (t.dtype.isComplex()) {
            throw refused(op, t);
        }
    }

    /**
     * {@link #refuse} for a binary op: where either operand is complex, naming their common type (the type PyTorch's
     * kernel dispatches on) and the first operand's device. An op refused in words of its own ({@link #MESSAGES}:
     * maximum, minimum, fmax, fmin, heaviside) is refused before the operands' types are promoted, as its meta
     * function checks them first: float16 with a 0-dim complex64 (PyTorch's complex32, which Ember lacks) gets that
     * op's message too.
     */
    static void refuse(String op, Tensor a, Tensor b) {
        if (a.dtype.isComplex() || b.dtype.isComplex()) {
            if (!KERNELS.containsKey(op) && MESSAGES.containsKey(op)) {
                throw new UnsupportedOperationException(MESSAGES.get(op));
            }
            throw refused(op, a.device, ArithmeticOps.resultType(a, b));
        }
    }
}
