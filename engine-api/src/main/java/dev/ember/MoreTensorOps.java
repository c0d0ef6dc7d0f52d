package dev.ember;

import java.util.List;

/**
 * Tensor functions PyTorch has beside its main families: {@code addr}, {@code inner}, {@code vdot}, {@code dist},
 * {@code renorm}, {@code signbit}, {@code gcd}, {@code lcm}, {@code diagflat}, the {@code hsplit} / {@code vsplit}
 * / {@code dsplit} family, {@code unsafe_split} / {@code unsafe_chunk}, {@code empty_strided} and
 * {@code sum_to_size}. Ops PyTorch records as one node compute their forward with existing tensor ops under
 * {@code noGrad} and record that node with PyTorch 2.x's derivatives.yaml formula written in tensor ops (so double
 * backward works); compositions in PyTorch are compositions here.
 */
final class MoreTensorOps {
    private MoreTensorOps() {
    }

    // ------------------------------------------------------------------ addr, inner, vdot, dist

    /** addr's check_1d of both vectors. */
    private static void checkAddrVectors(Tensor vec1, Tensor vec2) {
        if (vec1.dim() != 1) {
            throw new IllegalArgumentException("addr: Expected 1-D argument vec1, but got " + vec1.dim() + "-D");
        }
        if (vec2.dim() != 1) {
            throw new IllegalArgumentException("addr: Expected 1-D argument vec2, but got " + vec2.dim() + "-D");
        }
    }

    /**
     * addr_'s checks of {@code self} (PyTorch's addr_out with the result {@code self}, which is not expanded): after
     * the vectors', a 2-D self of exactly {@code [len(vec1), len(vec2)]}, in PyTorch's words.
     */
    static void checkAddrInPlace(Tensor self, Tensor vec1, Tensor vec2) {
        checkAddrVectors(vec1, vec2);
        if (self.dim() != 2) {
            throw new IllegalArgumentException("2D tensor expected, got " + self.dim() + "D tensor for input");
        }
        if (self.shape[0] != vec1.shape[0] || self.shape[1] != vec2.shape[0]) {
            throw new IllegalArgumentException("size mismatch, input: " + Shapes.str(self.shape) + ", v1: "
                    + Shapes.str(vec1.shape) + ", v2: " + Shapes.str(vec2.shape));
        }
    }

    /** {@code beta * self + alpha * outer(vec1, vec2)}, as {@code torch.addr}: one {@code AddrBackward0} node. */
    static Tensor addr(Tensor self, Tensor vec1, Tensor vec2, double beta, double alpha) {
        NNOps.requireTensor(vec1, "addr", "vec1", 1);
        NNOps.requireTensor(vec2, "addr", "vec2", 2);
        ArithmeticOps.checkSameDevice(self, vec1, vec2);
        checkAddrVectors(vec1, vec2);
        DType t = ArithmeticOps.resultType(self, vec1, vec2);
        if (t.isIntegral()) {
            if (beta != Math.rint(beta) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("For integral input tensors, argument beta must not be a floating point "
                        + "number.");
            }
            if (alpha != Math.rint(alpha) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("For integral input tensors, argument alpha must not be a floating point "
                        + "number.");
            }
        }
        int n = vec1.shape[0];
        int m = vec2.shape[0];
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            self.detach().expand(n, m); // expand_size's check, in PyTorch's words
            Tensor v1 = ArithmeticOps.cast(vec1, t);
            Tensor v2 = ArithmeticOps.cast(vec2, t);
            Tensor s = ArithmeticOps.cast(self, t);
            if (t == DType.BOOL) {
                Tensor prod = alpha != 0 ? v1.unsqueeze(1).logicalAnd(v2) : Creation.zeros(new int[] {n, m}, t, self.device);
                out = beta != 0 ? prod.logicalOr(s.expand(n, m)) : prod;
            } else if (t.isIntegral()) {
                Tensor prod = v1.unsqueeze(1).mul(v2).mul((long) alpha);
                out = (long) beta == 0 ? prod : prod.add(s.mul((long) beta));
            } else {
                // float16 and bfloat16: in float32, rounded once
                Tensor prod = ReductionOps.opmath(v1).unsqueeze(1).mul(ReductionOps.opmath(v2));
                prod = alpha == 1 ? prod : prod.mul(alpha);
                Tensor r = beta == 0 ? prod : prod.add(ReductionOps.opmath(s), beta);
                out = ReductionOps.narrowedBack(r, t);
            }
            if (!java.util.Arrays.equals(out.shape, new int[] {n, m})) {
                out = out.expand(n, m).contiguous();
            }
        }
        return ArithmeticOps.record(out, "AddrBackward0", new Tensor[] {self, vec1, vec2}, node -> {
            SavedTensor s2 = node.needsInputGrad(1) ? node.save(vec2) : null;
            SavedTensor s1 = node.needsInputGrad(2) ? node.save(vec1) : null;
            return g -> new Tensor[] {
                node.needsInputGrad(0) ? LinalgOps.maybeMultiply(g, beta) : null,
                s2 == null || !node.computes(1, s2) ? null : LinalgOps.maybeMultiply(g.mv(ComplexMath.conjIfComplex(ArithmeticOps.cast(s2.get(),
                        g.dtype))), alpha),
                s1 == null || !node.computes(2, s1) ? null : LinalgOps.maybeMultiply(g.t().mv(ComplexMath.conjIfComplex(ArithmeticOps.cast(
                        s1.get(), g.dtype))), alpha)};
        });
    }

    /**
     * {@code torch.inner}: a product for a 0-dim operand, else {@code tensordot} over the last dimension of both (PyTorch
     * 2.x's composition, which checks that the last dimensions match).
     */
    static Tensor inner(Tensor a, Tensor b) {
        NNOps.requireTensor(b, "inner", "other", 1);
        ArithmeticOps.checkSameDevice(a, b);
        if (a.dim() == 0 || b.dim() == 0) {
            return a.mul(b);
        }
        if (a.size(-1) != b.size(-1)) {
            throw new IllegalArgumentException("inner() the last dimension must match on both input tensors but got shapes "
                    + Shapes.str(a.shape) + " and " + Shapes.str(b.shape));
        }
        return LinalgOps.tensordot(a, b, new int[] {-1}, new int[] {-1});
    }

    /** {@code torch.vdot} of two real 1-D tensors: dot's checks and value, one {@code VdotBackward0} node. */
    static Tensor vdot(Tensor a, Tensor b) {
        NNOps.requireTensor(b, "vdot", "other", 1);
        if (a.dtype.isComplex() && a.dtype == b.dtype && a.dim() == 1 && b.dim() == 1 && a.shape[0] == b.shape[0]) {
            return ComplexMath.dot(a, b, true); // sum(conj(a) * b); dot gives the messages of other inputs
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = LinalgOps.dot(a.detach(), b.detach());
        }
        return ArithmeticOps.record(out, "VdotBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa = node.needsInputGrad(1) ? node.save(a) : null;
            return g -> new Tensor[] {sb == null || !node.computes(0, sb) ? null : g.mul(sb.get()), sa == null || !node.computes(1, sa) ? null : g.mul(sa.get())};
        });
    }

    /** {@code torch.dist}: the p-norm of {@code self - other} (broadcast, promoted), one {@code DistBackward0} node. */
    static Tensor dist(Tensor self, Tensor other, double p) {
        NNOps.requireTensor(other, "dist", "other", 1);
        ArithmeticOps.checkSameDevice(self, other);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor d = self.detach().sub(other.detach());
            if (!d.dtype.isFloatingPoint() && !d.dtype.isComplex()) {
                throw new IllegalArgumentException("norm(): input dtype should be either floating point or complex. Got "
                        + Format.scalarType(d.dtype) + " instead.");
            }
            out = ReductionOps.vectorNorm(d, p, null, false);
        }
        return ArithmeticOps.record(out, "DistBackward0", new Tensor[] {self, other}, node -> {
            SavedTensor ss = node.save(self);
            SavedTensor so = node.save(other);
            SavedTensor sr = node.saveOutput(out);
            return g -> {
                if (p == 0) {
                    // norm_backward returns an undefined tensor for p 0: self gets no gradient, and other's formula
                    // (-norm_backward(...)) negates the undefined tensor, which PyTorch refuses
                    if (node.needsInputGrad(1)) {
                        throw new IllegalStateException("Expected a proper Tensor but got None (or an undefined Tensor in "
                                + "C++) for argument #0 'self'");
                    }
                    return new Tensor[] {null, null};
                }
                Tensor d = ss.get().sub(so.get());
                Tensor gd = distNormBackward(g, d, sr.get(), p);
                return new Tensor[] {node.needsInputGrad(0) ? gd : null, node.needsInputGrad(1) ? gd.neg() : null};
            };
        });
    }

    /** norm_backward over every dimension (p other than 0, whose gradient is undefined). */
    private static Tensor distNormBackward(Tensor g, Tensor d, Tensor norm, double p) {
        int[] all = new int[d.dim()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        if (Double.isInfinite(p) && all.length == 0) {
            Tensor xa = d.abs();
            Tensor hit = xa.eq(norm).logicalOr(xa.isnan());
            return d.sgn().mul(g.mul(hit));
        }
        return ReductionOps.normBackward(g, d, norm, p, all);
    }

    // ------------------------------------------------------------------ renorm

    /**
     * {@code torch.renorm}: each slice along {@code dim} whose p-norm exceeds {@code maxnorm} scaled to
     * {@code maxnorm / (norm + 1e-7)}; one {@code RenormBackward0} node with PyTorch 2.x's renorm_backward.
     */
    static Tensor renorm(Tensor self, double p, int dim, double maxnorm) {
        if (!(p > 0)) {
            throw new IllegalArgumentException("renorm: non-positive-norm not supported");
        }
        if (!(maxnorm >= 0)) {
            throw new IllegalArgumentException("renorm: expected maxnorm to be >= 0 but got " + Format.cpp(maxnorm));
        }
        if (self.dim() <= 1) {
            throw new IllegalArgumentException("renorm: input needs at least 2 dimensions, got " + self.dim() + " dimensions");
        }
        int d = Shapes.wrapDim(dim, self.dim());
        int[] reduce = reduceDims(self.dim(), d);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = ReductionOps.opmath(self.detach());
            Tensor norm = ReductionOps.vectorNorm(x, p, reduce, true);
            Tensor factor = ArithmeticOps.where(norm.gt(maxnorm), norm.add(1e-7).reciprocal().mul(maxnorm),
                    Creation.wrap(1.0));
            out = ReductionOps.narrowedBack(x.mul(factor), self.dtype);
        }
        return ArithmeticOps.record(out, "RenormBackward0", new Tensor[] {self}, node -> {
            SavedTensor ss = node.save(self);
            return g -> new Tensor[] {renormBackward(g, ss.get(), p, reduce, maxnorm)};
        });
    }

    private static int[] reduceDims(int rank, int keep) {
        int[] r = new int[rank - 1];
        for (int i = 0, k = 0; i < rank; i++) {
            if (i != keep) {
                r[k++] = i;
            }
        }
        return r;
    }

    /** PyTorch 2.x's renorm_backward, term for term. */
    private static Tensor renormBackward(Tensor g, Tensor self, double p, int[] reduce, double maxnorm) {
        DType type = self.dtype;
        Tensor x = ReductionOps.opmath(self);
        Tensor gf = ReductionOps.opmath(g);
        Tensor norm = x.vectorNorm(p, reduce, true);
        Tensor gradOutput = x.mul(gf).sum(reduce, true);
        Tensor nb = ReductionOps.normBackward(gradOutput, x, norm, p, reduce);
        Tensor invnorm = norm.add(1e-7).reciprocal();
        Tensor factor = invnorm.mul(maxnorm);
        Tensor r = ArithmeticOps.where(norm.gt(maxnorm), factor.mul(gf).sub(factor.mul(invnorm).mul(nb)), gf);
        return ReductionOps.narrowedBack(r, type);
    }

    // ------------------------------------------------------------------ signbit, gcd, lcm

    /** {@code torch.signbit}: whether the sign bit is set (-0.0 and negative NaN too); bool, no history. */
    static Tensor signbit(Tensor self) {
        if (self.dtype.isComplex()) throw ComplexIndexing.refused("signbit", self);
        if (self.dtype.isBarebonesUnsigned() && !self.device.isMeta()) { // 2.x's kernel: the integral and floating types
            throw Refusals.unsupported("signbit_cpu", self.dtype);
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor x = self.detach();
            if (x.dtype == DType.BOOL || x.dtype == DType.UINT8) {
                return Creation.zeros(x.shape, DType.BOOL, x.device);
            }
            if (x.dtype.isIntegral()) {
                return x.lt(0L);
            }
            Tensor x32 = ReductionOps.opmath(x);
            return x32.onesLike().copysign(x32).lt(0L);
        }
    }

    /** gcd's and lcm's type check: integers only ({@code "gcd_cpu" not implemented for 'Float'}). */
    private static DType integerType(Tensor a, Tensor b, String op) {
        NNOps.requireTensor(b, op, "other", 1);
        ArithmeticOps.checkSameDevice(a, b);
        DType t = ArithmeticOps.resultType(a, b);
        if (!t.isIntegral() && !a.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented(op, a.device, t);
        }
        return t;
    }

    /**
     * The greatest common divisor of each pair of {@code a} and {@code b} (both of the integer type {@code t}), Euclid's
     * loop of PyTorch's calc_gcd in int64 (no history); its {@code abs} is stored in {@code t}, so the type's minimum
     * stays negative (int32 gcd(-2^31, 2^31 - 1) is -1, as C++ computes it).
     */
    private static Tensor gcdKernel(Tensor a, Tensor b, DType t) {
        Tensor x = ArithmeticOps.cast(ArithmeticOps.cast(ArithmeticOps.cast(a, DType.INT64).abs(), t), DType.INT64);
        Tensor y = ArithmeticOps.cast(ArithmeticOps.cast(ArithmeticOps.cast(b, DType.INT64).abs(), t), DType.INT64);
        int[] shape = Shapes.broadcast(x.shape, y.shape);
        x = x.expand(shape).contiguous();
        y = y.expand(shape).contiguous();
        // while (x != 0) { c = x; x = y % x; y = c; }, elementwise until every x is 0
        while (x.ne(0L).any()) {
            Tensor nz = x.ne(0L);
            Tensor safe = ArithmeticOps.where(nz, x, Creation.wrap(1L));
            Tensor next = ArithmeticOps.where(nz, y.fmod(safe), Creation.wrap(0L));
            y = ArithmeticOps.where(nz, x, y);
            x = next;
        }
        return y;
    }

    /** {@code torch.gcd}: the non-negative greatest common divisor of integers (PyTorch's promotion). */
    static Tensor gcd(Tensor a, Tensor b) {
        DType t = integerType(a, b, "gcd");
        if (a.device.isMeta()) {
            return Creation.empty(Shapes.broadcast(a.shape, b.shape), t, a.device); // Euclid's loop reads the values
        }
        try (GradMode off = Ember.noGrad()) {
            // the operands in the result type first, as PyTorch's iterator casts them (uint8 gcd(5, -5) sees 251)
            return ArithmeticOps.cast(gcdKernel(ArithmeticOps.cast(a, t), ArithmeticOps.cast(b, t), t), t);
        }
    }

    /**
     * {@code torch.lcm}: {@code |a / gcd * b|} (0 where the gcd is 0), with C++'s wrap-around in the result type (an
     * int32 product wraps before its absolute value is taken, the narrower types after, as C++'s promotion to int).
     */
    static Tensor lcm(Tensor a, Tensor b) {
        DType t = integerType(a, b, "lcm");
        if (a.device.isMeta()) {
            return Creation.empty(Shapes.broadcast(a.shape, b.shape), t, a.device); // Euclid's loop reads the values
        }
        try (GradMode off = Ember.noGrad()) {
            // the operands in the result type first, as PyTorch's iterator casts them (uint8 lcm(5, -5) sees 251)
            Tensor at = ArithmeticOps.cast(a, t);
            Tensor bt = ArithmeticOps.cast(b, t);
            Tensor g = gcdKernel(at, bt, t);
            Tensor x = ArithmeticOps.cast(at, DType.INT64);
            Tensor y = ArithmeticOps.cast(bt, DType.INT64);
            Tensor nz = g.ne(0L);
            Tensor prod = x.div(ArithmeticOps.where(nz, g, Creation.wrap(1L)), "trunc").mul(y);
            if (t == DType.INT32) {
                prod = ArithmeticOps.cast(ArithmeticOps.cast(prod, DType.INT32), DType.INT64);
            }
            return ArithmeticOps.cast(ArithmeticOps.where(nz, prod.abs(), Creation.wrap(0L)), t);
        }
    }

    // ------------------------------------------------------------------ diagflat and the split family

    /** {@code torch.diagflat}: PyTorch 2.x's {@code self.contiguous().view(-1).diag(offset)}. */
    static Tensor diagflat(Tensor self, int offset) {
        return self.contiguous().view(-1).diag(offset);
    }

    /** hsplit, vsplit and dsplit with a number of sections: PyTorch's checks, then {@code tensor_split}. */
    static List<Tensor> directionalSplit(Tensor self, String which, int minDims, int dim, int sections) {
        checkDims(self, which, minDims);
        int size = self.shape[dim];
        if (sections == 0 || size % sections != 0) {
            throw new IllegalArgumentException("torch." + which + " attempted to split along dimension " + dim + ", but the "
                    + "size of the dimension " + size + " is not divisible by the split_size " + sections + "!");
        }
        return ShapeOps.tensorSplit(self, sections, dim);
    }

    /** hsplit, vsplit and dsplit at indices: PyTorch's check, then {@code tensor_split}. */
    static List<Tensor> directionalSplit(Tensor self, String which, int minDims, int dim, int[] indices) {
        checkDims(self, which, minDims);
        return ShapeOps.tensorSplit(self, indices, dim);
    }

    private static void checkDims(Tensor self, String which, int minDims) {
        if (self.dim() < minDims) {
            throw new IllegalArgumentException("torch." + which + " requires a tensor with at least " + minDims + " dimension, "
                    + "but got a tensor with " + self.dim() + " dimensions!");
        }
    }

    // ------------------------------------------------------------------ empty_strided

    /**
     * {@code torch.empty_strided}: a tensor of {@code size} over a new storage just large enough for {@code stride}
     * ({@code 1 + sum((size[i] - 1) * stride[i])} elements, none for an empty size), contents unspecified.
     */
    static Tensor emptyStrided(int[] size, int[] stride, DType dtype, Device device) {
        if (size.length != stride.length) {
            throw new IllegalArgumentException("dimensionality of sizes (" + size.length + ") must match dimensionality of "
                    + "strides (" + stride.length + ")");
        }
        Shapes.checkSizes(size);
        long extent = 1;
        boolean empty = false;
        boolean overflowed = false;
        for (int i = 0; i < size.length; i++) {
            empty |= size[i] == 0;
            // c10's computeStorageNbytes: a negative stride read as unsigned overflows unless its size is 1 (times 0),
            // and a zero size returns an empty storage before the overflow is checked
            overflowed |= stride[i] < 0 && size[i] > 1;
            extent += size[i] <= 1 ? 0 : (long) (size[i] - 1) * stride[i];
        }
        if (overflowed && !empty) {
            throw new IllegalArgumentException("Storage size calculation overflowed with sizes=" + Shapes.str(size)
                    + " and strides=" + Shapes.str(stride));
        }
        // TensorImpl::set_sizes_and_strides then stores a negative stride as the contiguous one after the next
        // dimension's (1 for the last): empty_strided((0, 2), (-1, 1)) has strides (2, 1)
        int[] kept = stride.clone();
        for (int i = size.length - 1; i >= 0; i--) {
            if (kept[i] < 0) {
                kept[i] = i == size.length - 1 ? 1 : Math.max(size[i + 1], 1) * kept[i + 1];
            }
        }
        int n = Shapes.toSize(empty ? 0 : extent, "empty_strided's storage");
        long numel = Shapes.storageNumel(new int[] {n}, dtype);
        dev.ember.backend.Backend backend = Tensor.backendFor(device);
        dev.ember.backend.Storage s = Creation.allocate(backend, dtype, numel, device, false);
        return new Tensor(s, new dev.ember.backend.Layout(size.clone(), kept, 0), device, backend, new int[1],
                dtype);
    }

    // ------------------------------------------------------------------ sum_to_size

    /** {@code Tensor.sum_to_size}: PyTorch's sum_to (sum over the broadcast dims keeping them, then a view dropping the leading ones). */
    static Tensor sumToSize(Tensor self, int[] size) {
        if (!Shapes.expandable(size, self.shape)) {
            throw new IllegalArgumentException("size {" + Shapes.str(size) + "} is not expandable to size {"
                    + Shapes.str(self.shape) + "}.");
        }
        if (size.length == 0) {
            return self.sum(); // sum_to's first case: a full sum (SumBackward0)
        }
        int lead = self.dim() - size.length;
        int[] dims = java.util.stream.IntStream.range(0, self.dim())
                .filter(i -> i < lead || (size[i - lead] == 1 && self.shape[i] != 1)).toArray();
        Tensor t = dims.length == 0 ? self : self.sum(dims, true);
        return lead > 0 ? t.view(size) : t;
    }

    // ------------------------------------------------------------------ unsafe_split, unsafe_chunk

    /**
     * {@code torch.unsafe_split}: split's pieces (its checks and sizes), sharing the input's storage but not views for
     * autograd (fresh version counters, so in-place changes of a piece are not checked), with one
     * {@code UnsafeSplitBackward0} node.
     */
    static List<Tensor> unsafeSplit(Tensor t, int splitSize, int dim) {
        List<Tensor> views;
        try (GradMode off = Ember.noGrad()) {
            views = ShapeOps.split(t.detach(), splitSize, dim);
        }
        return unsafePieces(t, views, Shapes.wrapDim(dim, t.dim()), "UnsafeSplitBackward0");
    }

    /** {@code torch.unsafe_split_with_sizes}: split_with_sizes' pieces as {@link #unsafeSplit} makes them. */
    static List<Tensor> unsafeSplitWithSizes(Tensor t, int[] sizes, int dim) {
        List<Tensor> views;
        try (GradMode off = Ember.noGrad()) {
            views = ShapeOps.splitWithSizes(t.detach(), sizes, dim);
        }
        return unsafePieces(t, views, Shapes.wrapDim(dim, t.dim()), "UnsafeSplitWithSizesBackward0");
    }

    /** {@code torch.unsafe_chunk}: chunk's pieces as {@link #unsafeSplit} makes them. */
    static List<Tensor> unsafeChunk(Tensor t, int chunks, int dim) {
        List<Tensor> views;
        try (GradMode off = Ember.noGrad()) {
            views = ShapeOps.chunk(t.detach(), chunks, dim);
        }
        int d = Shapes.wrapDim(dim, t.dim());
        // an empty dimension goes through split_with_sizes, as PyTorch's chunk
        String node = t.shape[d] == 0 ? "UnsafeSplitWithSizesBackward0" : "UnsafeSplitBackward0";
        return unsafePieces(t, views, d, node);
    }

    private static List<Tensor> unsafePieces(Tensor t, List<Tensor> views, int d, String node) {
        Tensor[] out = new Tensor[views.size()];
        int[] sizes = new int[out.length];
        for (int i = 0; i < out.length; i++) {
            Tensor v = views.get(i);
            out[i] = new Tensor(t.lease(), v.layout, t.device, t.backend, new int[1], t.dtype);
            sizes[i] = v.shape[d];
        }
        int[] in = t.shape;
        if (out.length > 0) {
            // split_with_sizes_backward: the pieces' gradients concatenated, zeros where none arrived
            MultiOutput.record(node, new Tensor[] {t}, out,
                    n -> grads -> new Tensor[] {ShapeOps.splitBackward(grads, sizes, d, in)});
        }
        return new java.util.ArrayList<>(java.util.Arrays.asList(out));
    }

    // ------------------------------------------------------------------ angle, tolist, apply_, map_

    /**
     * {@code torch.angle} of a real tensor: pi where the element is negative, 0 elsewhere (also for -0.0), NaN kept;
     * integers and bool give the default float type. AngleBackward0: its derivative is zero (angle_backward of a real
     * input).
     */
    static Tensor angle(Tensor self) {
        if (self.dtype.isComplex()) {
            return ComplexOps.angle(self);
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = self.dtype.isFloatingPoint() ? self : self.to(Ember.getDefaultDtype());
            out = ArithmeticOps.where(x.lt(0.0), x.fullLike(Math.PI), x.zerosLike());
            out = ArithmeticOps.where(x.isnan(), x, out).contiguous();
        }
        return ArithmeticOps.record(out, "AngleBackward0", new Tensor[] {self}, node -> g -> new Tensor[] {g.zerosLike()});
    }

    /**
     * {@code Tensor.tolist()}: the elements as nested lists (one level per dimension), each a {@link Double} (floating
     * types), {@link Long} (integers) or {@link Boolean}; a 0-dim tensor gives the element itself.
     */
    static Object toList(Tensor self) {
        Tensor t = self.detach().cpu();
        Object[] flat = new Object[Shapes.toSize(t.numel(), "tolist")];
        if (t.dtype == DType.BOOL) {
            boolean[] v = t.toBooleanArray();
            for (int i = 0; i < v.length; i++) {
                flat[i] = v[i];
            }
        } else if (t.dtype.isFloatingPoint()) {
            double[] v = t.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                flat[i] = v[i];
            }
        } else {
            long[] v = t.toLongArray();
            for (int i = 0; i < v.length; i++) {
                flat[i] = v[i];
            }
        }
        if (t.dim() == 0) {
            return flat[0];
        }
        return nest(flat, t.shape, 0, 0);
    }

    private static java.util.List<Object> nest(Object[] flat, int[] shape, int dim, int offset) {
        int stride = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            stride *= shape[d];
        }
        java.util.List<Object> out = new java.util.ArrayList<>(shape[dim]);
        for (int i = 0; i < shape[dim]; i++) {
            out.add(dim == shape.length - 1 ? flat[offset + i] : nest(flat, shape, dim + 1, offset + i * stride));
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** The checks {@code apply_} and {@code map_} share: CPU, no grad, no internal overlap. */
    private static void checkCallable(Tensor self, String op) {
        if (!self.device.isCpu()) {
            throw new IllegalArgumentException(op + " is only implemented on CPU tensors");
        }
        if (self.requiresGrad()) {
            throw new IllegalStateException("Can't call " + op + "() on Variable that requires grad. Use var.detach()."
                    + op + "() instead.");
        }
        if (InplaceOps.hasSelfOverlap(self)) {
            throw new IllegalArgumentException("unsupported operation: more than one element of the written-to tensor refers "
                    + "to a single memory location. Please clone() the tensor before performing the operation.");
        }
    }

    /** Writes {@code values} (logical order, as doubles) into {@code self}, converted to its type as C++ casts. */
    private static Tensor writeValues(Tensor self, double[] values) {
        Tensor src = self.dtype == DType.BOOL ? Creation.fromFlat(values, self.shape, DType.FLOAT64, Device.CPU).ne(0.0)
                : Creation.fromFlat(values, self.shape, DType.FLOAT64, Device.CPU).to(self.dtype);
        try (GradMode off = Ember.noGrad()) {
            InplaceOps.copy_(self, src);
        }
        return self;
    }

    /**
     * {@code Tensor.apply_(callable)}: each element replaced by {@code fn} of it, in place (CPU only, not on a tensor
     * that requires grad, as PyTorch's); integer results truncate as C++'s conversion does. Unlike PyTorch's, the
     * version counter is bumped, so a tensor saved for a backward and changed here is reported there. An expanded
     * tensor (elements sharing memory) is refused, where PyTorch applies fn once per alias.
     */
    static Tensor apply_(Tensor self, java.util.function.DoubleUnaryOperator fn) {
        checkCallable(self, "apply_");
        double[] v = self.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = fn.applyAsDouble(v[i]);
        }
        return writeValues(self, v);
    }

    /**
     * {@code Tensor.map2_(x, y, callable)}: each element replaced by {@code fn(element, x's, y's)}, x and y broadcast to
     * this tensor's shape and of its type, in place, under {@link #apply_}'s rules.
     */
    static Tensor map2_(Tensor self, Tensor x, Tensor y, DoubleTernaryOperator fn) {
        checkCallable(self, "map2_");
        for (Tensor o : new Tensor[] {x, y}) {
            if (o.dtype != self.dtype) {
                throw new IllegalArgumentException("map2_: expected " + self.type() + " for argument (got " + o.type() + ")");
            }
        }
        double[] a = x.expand(self.shape).toDoubleArray();
        double[] b = y.expand(self.shape).toDoubleArray();
        double[] v = self.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = fn.applyAsDouble(v[i], a[i], b[i]);
        }
        return writeValues(self, v);
    }

    /**
     * {@code Tensor.map_(other, callable)}: each element replaced by {@code fn(element, other's element)}, other
     * broadcast to this tensor's shape and of its type, in place, under {@link #apply_}'s rules.
     */
    static Tensor map_(Tensor self, Tensor other, java.util.function.DoubleBinaryOperator fn) {
        checkCallable(self, "map_");
        if (other.dtype != self.dtype) {
            throw new IllegalArgumentException("map_: expected " + self.type() + " for 'other' (got " + other.type() + ")");
        }
        double[] o = other.expand(self.shape).toDoubleArray();
        double[] v = self.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = fn.applyAsDouble(v[i], o[i]);
        }
        return writeValues(self, v);
    }
}
