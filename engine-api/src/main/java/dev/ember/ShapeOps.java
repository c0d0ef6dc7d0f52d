package dev.ember;

import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shape ops: splitting into views, repeating, flipping and rolling, triangles and diagonals, grids and broadcasting,
 * padding. Forward rules beside PyTorch's backward formulas and node names.
 *
 * <p>No kernels of their own: flip is a copy through a layout with negative strides (which every backend's copy walks
 * as it walks any strides), roll and repeat and the padding modes are copies of slices, tril and triu a {@code where}
 * against an index mask. Where PyTorch composes ({@code tile}, {@code movedim}, {@code outer}, {@code kron},
 * {@code meshgrid}, {@code repeat_interleave} with an int, {@code tensor_split}, circular padding) Ember composes the
 * same ops, so the nodes are PyTorch's.
 *
 * <p>Ops with several outputs (split, chunk, unbind) record one node with one output per piece, as PyTorch's
 * ({@code SplitBackward0}, {@code SplitWithSizesBackward0}, {@code UnbindBackward0}), whose backward puts the pieces'
 * gradients together once (a {@code cat} or {@code stack}, zeros for a piece no gradient reached). {@code tensor_split}
 * is PyTorch's composition of slices: one {@code SliceBackward0} per piece.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    // ------------------------------------------------------------------ layouts

    /** Elements {@code start .. start+len-1} along {@code d}. */
    private static Layout narrowed(Layout l, int d, int start, int len) {
        int[] shape = l.shape();
        shape[d] = len;
        return new Layout(shape, l.strides(), len == 0 ? l.offset() : Shapes.viewOffset(l.offset() + (long) start * l.stride(d)));
    }

    /**
     * The strides of PyTorch's {@code empty_like(t)} ({@code preserve_format}): {@code t}'s own where they are
     * non-overlapping and dense, otherwise dense strides in the same order ({@code infer_dense_strides}: dimensions
     * sorted by stride, a stride of 0 left where it is, equal strides with the larger size outside).
     */
    static int[] preservedStrides(int[] sizes, int[] strides) {
        int n = sizes.length;
        if (nonOverlappingAndDense(sizes, strides)) {
            return strides.clone();
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = n - 1 - i;
        }
        for (int i = 1; i < n; i++) {
            int d1 = i;
            for (int d0 = i - 1; d0 >= 0; d0--) {
                int a = perm[d0];
                int b = perm[d1];
                int cmp = strides[a] == 0 || strides[b] == 0 ? 0 : strides[a] < strides[b] ? -1
                        : strides[a] > strides[b] ? 1 : sizes[a] > sizes[b] ? 1 : 0;
                if (cmp > 0) {
                    perm[d0] = b;
                    perm[d1] = a;
                    d1 = d0;
                } else if (cmp < 0) {
                    break;
                }
            }
        }
        int[] out = new int[n];
        long stride = 1;
        for (int i = 0; i < n; i++) {
            out[perm[i]] = (int) Math.min(stride, Integer.MAX_VALUE);
            if (sizes[perm[i]] > 1) {
                stride *= sizes[perm[i]];
            }
        }
        return out;
    }

    /** PyTorch's {@code is_non_overlapping_and_dense}: the strides are a permutation of a dense layout's. */
    static boolean nonOverlappingAndDense(int[] sizes, int[] strides) {
        int n = sizes.length;
        if (n == 1) {
            return sizes[0] < 2 || strides[0] == 1;
        }
        Integer[] perm = new Integer[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        // size-1 (and empty) dimensions last, the others by increasing stride
        Arrays.sort(perm, (a, b) -> sizes[a] < 2 ? (sizes[b] < 2 ? 0 : 1) : sizes[b] < 2 ? -1
                : Integer.compare(strides[a], strides[b]));
        long require = 1;
        for (int i = 0; i < n; i++) {
            int size = sizes[perm[i]];
            if (size < 2) {
                return true;
            }
            if (strides[perm[i]] != require) {
                return false;
            }
            require *= size;
        }
        return true;
    }

    /** The same elements in reverse order along {@code d}: a negative stride. */
    private static Layout flipped(Layout l, int d) {
        int[] strides = l.strides();
        int size = l.size(d);
        int offset = size == 0 ? l.offset() : Shapes.viewOffset(l.offset() + (long) (size - 1) * strides[d]);
        strides[d] = -strides[d];
        return new Layout(l.shape(), strides, offset);
    }

    /** Element {@code index} along {@code d} repeated {@code len} times (stride 0). */
    private static Layout repeatedAt(Layout l, int d, int index, int len) {
        int[] shape = l.shape();
        int[] strides = l.strides();
        shape[d] = len;
        strides[d] = 0;
        return new Layout(shape, strides, Shapes.viewOffset(l.offset() + (long) index * l.stride(d)));
    }

    /** Copies without history, skipping empty layouts. */
    private static void copy(Tensor src, Layout from, Tensor dst, Layout to) {
        if (to.numel() > 0) {
            ComplexOps.kernelCopy(src, from, dst, to);
        }
    }

    // ------------------------------------------------------------------ split, chunk, unbind, tensor_split

    /** A view of {@code t} along {@code d} from {@code start}, {@code len} long (its op records the node). */
    private static Tensor piece(Tensor t, int d, int start, int len) {
        Layout l = narrowed(t.layout, d, start, len);
        return ViewOps.makeView(t, l.shape(), l.strides(), l.offset(), true);
    }

    /** Splits {@code t} along {@code d} into views of {@code sizes}, recorded as the outputs of one node. */
    private static List<Tensor> pieces(Tensor t, int d, int[] sizes, String node) {
        Tensor[] out = new Tensor[sizes.length];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = piece(t, d, start, sizes[i]);
            start += sizes[i];
        }
        int[] in = t.shape;
        MultiOutput.record(node, new Tensor[] {t}, out, n -> grads -> new Tensor[] {splitBackward(grads, sizes, d, in)});
        return new ArrayList<>(Arrays.asList(out));
    }

    /**
     * PyTorch's {@code split_with_sizes_backward}: the pieces' gradients concatenated along {@code d}, zeros for a piece
     * no gradient reached (null). Also the backward of {@code unsafe_split} and {@code unsafe_chunk} (MoreTensorOps).
     */
    static Tensor splitBackward(Tensor[] grads, int[] sizes, int d, int[] in) {
        Tensor defined = firstDefined(grads);
        List<Tensor> all = new ArrayList<>(grads.length);
        for (int j = 0; j < grads.length; j++) {
            if (grads[j] != null) {
                all.add(grads[j]);
            } else {
                int[] shape = in.clone();
                shape[d] = sizes[j];
                all.add(Creation.zeros(shape, defined.dtype, defined.device));
            }
        }
        return Tensor.cat(all, d);
    }

    /**
     * PyTorch's {@code unbind_backward}: the slices' gradients stacked along {@code d}, a broadcast zero for a slice no
     * gradient reached (null).
     */
    private static Tensor unbindBackward(Tensor[] grads, int d) {
        Tensor defined = firstDefined(grads);
        Tensor zero = null;
        List<Tensor> all = new ArrayList<>(grads.length);
        for (Tensor g : grads) {
            if (g == null) {
                if (zero == null) {
                    zero = Creation.zeros(new int[0], defined.dtype, defined.device).expand(defined.shape);
                }
                g = zero;
            }
            all.add(g);
        }
        return Tensor.stack(all, d);
    }

    /** The first gradient that is not null (a multi-output node gets at least one). */
    private static Tensor firstDefined(Tensor[] grads) {
        for (Tensor g : grads) {
            if (g != null) {
                return g;
            }
        }
        throw new IllegalStateException("no gradient reached the node");
    }

    static List<Tensor> split(Tensor t, int splitSize, int dim) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("split expects at least a 1-dimensional tensor");
        }
        if (splitSize < 0) {
            throw new IllegalArgumentException("split expects split_size be non-negative, but got split_size=" + splitSize);
        }
        int d = Shapes.wrapDim(dim, t.dim());
        int size = t.shape[d];
        if (splitSize == 0 && size != 0) {
            throw new IllegalArgumentException("split_size can only be 0 if dimension size is 0, but got dimension size of "
                    + size);
        }
        int count = splitSize == 0 ? 1 : Math.max((int) (((long) size + splitSize - 1) / splitSize), 1);
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) {
            int start = (int) Math.min((long) i * splitSize, size);
            sizes[i] = i < count - 1 ? splitSize : size - start;
        }
        return pieces(t, d, sizes, "SplitBackward0");
    }

    static List<Tensor> splitWithSizes(Tensor t, int[] sizes, int dim) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("split expects at least a 1-dimensional tensor");
        }
        int d = Shapes.wrapDim(dim, t.dim());
        long total = 0;
        for (int s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException("split_with_sizes expects split_sizes have only non-negative entries, but "
                        + "got split_sizes=" + Arrays.toString(sizes));
            }
            total += s;
        }
        if (total != t.shape[d]) {
            // the dim as given (PyTorch streams its argument, not the wrapped one)
            throw new IllegalArgumentException("split_with_sizes expects split_sizes to sum exactly to " + t.shape[d]
                    + " (input tensor's size at dimension " + dim + "), but got split_sizes=" + Arrays.toString(sizes));
        }
        return pieces(t, d, sizes.clone(), "SplitWithSizesBackward0");
    }

    static List<Tensor> chunk(Tensor t, int chunks, int dim) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("chunk expects at least a 1-dimensional tensor");
        }
        if (chunks <= 0) {
            throw new IllegalArgumentException("chunk expects `chunks` to be greater than 0, got: " + chunks);
        }
        int d = Shapes.wrapDim(dim, t.dim());
        int size = t.shape[d];
        int splitSize = (int) (((long) size + chunks - 1) / chunks);
        if (splitSize == 0 && size == 0) {
            // as PyTorch: split_with_sizes, so that the number of chunks survives an empty dimension
            return splitWithSizes(t, new int[chunks], d);
        }
        return split(t, splitSize, d);
    }

    static List<Tensor> unbind(Tensor t, int dim) {
        if (t.dim() == 0) {
            // PyTorch wraps the dim first (a 0-dim tensor as 1-d), then size(dim) refuses the wrapped one
            throw new IndexOutOfBoundsException("Dimension specified as " + Shapes.wrapDim(dim, 1)
                    + " but tensor has no dimensions");
        }
        int d = Shapes.wrapDim(dim, t.dim());
        Tensor[] out = new Tensor[t.shape[d]];
        for (int i = 0; i < out.length; i++) {
            Tensor s;
            try (GradMode off = Ember.noGrad()) {
                s = t.select(d, i);
            }
            out[i] = ViewOps.makeView(t, s.shape, s.layout.strides(), s.layout.offset(), true);
            s.close();
        }
        // one node for every slice, as PyTorch's (none for a dimension of size 0, which has no outputs)
        if (out.length > 0) {
            MultiOutput.record("UnbindBackward0", new Tensor[] {t}, out, n -> grads -> new Tensor[] {unbindBackward(grads, d)});
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    /** tensor_split into {@code sections} nearly equal parts (the first size % sections one longer): slices. */
    static List<Tensor> tensorSplit(Tensor t, int sections, int dim) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                    + "with 0 dims");
        }
        int d = Shapes.wrapDim(dim, t.dim());
        if (sections <= 0) {
            throw new IllegalArgumentException("number of sections must be larger than 0, got " + sections);
        }
        int size = t.shape[d];
        int min = size / sections;
        int extra = size % sections;
        List<Tensor> out = new ArrayList<>(sections);
        int start = 0;
        for (int i = 0; i < sections; i++) {
            int len = i < extra ? min + 1 : min;
            out.add(t.slice(d, start, start + len, 1));
            start += len;
        }
        return out;
    }

    /** tensor_split at indices: slices between them (Python's clamping and negative indices). */
    static List<Tensor> tensorSplit(Tensor t, int[] indices, int dim) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                    + "with 0 dims");
        }
        int d = Shapes.wrapDim(dim, t.dim());
        List<Tensor> out = new ArrayList<>(indices.length + 1);
        int start = 0;
        for (int end : indices) {
            out.add(t.slice(d, start, end, 1));
            start = end;
        }
        out.add(t.slice(d, start, t.shape[d], 1));
        return out;
    }

    // ------------------------------------------------------------------ repeat, tile, repeat_interleave

    static Tensor repeat(Tensor t, int[] repeats) {
        if (t.dtype.isComplex()) return ComplexIndexing.partwise((p, k) -> repeat(p[0], repeats), t);
        if (t.dtype.isFloat8() && !t.requiresGrad()) {
            // 2.x's repeat is an expand and a copy, which fp8 has: the bits repeated (with grad: refused below, as the
            // backward's sum would be)
            Tensor bits;
            try (GradMode off = Ember.noGrad()) {
                bits = repeat(StorageBits.of(t), repeats);
            }
            return StorageBits.as(bits, t.dtype);
        }
        if (repeats.length < t.dim()) {
            throw new IllegalArgumentException("Number of dimensions of repeat dims can not be smaller than number of "
                    + "dimensions of tensor");
        }
        int n = repeats.length;
        int lead = n - t.dim();
        int[] padded = new int[n];
        int[] paddedStrides = new int[n];
        int[] target = new int[n];
        boolean zero = false;
        for (int i = 0; i < n; i++) {
            padded[i] = i < lead ? 1 : t.shape[i - lead];
            paddedStrides[i] = i < lead ? 0 : t.layout.stride(i - lead);
            long size = (long) padded[i] * repeats[i];
            target[i] = Shapes.toSize(size, "repeat's dimension " + i);
            zero |= repeats[i] == 0;
        }
        Tensor out = Creation.empty(Shapes.checkSizes(target), t.dtype, t.device);
        if (!zero && out.numel() > 0) {
            // the result as [r0, s0, r1, s1, ...]: the input broadcast over each r
            int[] shape = new int[2 * n];
            int[] dstStrides = new int[2 * n];
            int[] srcStrides = new int[2 * n];
            for (int i = 0; i < n; i++) {
                shape[2 * i] = repeats[i];
                shape[2 * i + 1] = padded[i];
                dstStrides[2 * i] = out.layout.stride(i) * padded[i];
                dstStrides[2 * i + 1] = out.layout.stride(i);
                srcStrides[2 * i] = 0;
                srcStrides[2 * i + 1] = paddedStrides[i];
            }
            t.backend.copy(t.storage(), new Layout(shape, srcStrides, t.layout.offset()), out.storage(),
                    new Layout(shape, dstStrides, 0));
        }
        int[] in = t.shape;
        int[] reps = repeats.clone();
        return ArithmeticOps.record(out, "RepeatBackward0", new Tensor[] {t},
                node -> g -> new Tensor[] {repeatBackward(g, reps, in)});
    }

    /** PyTorch's repeat_backward: sum the leading new dimensions, then each repeat dimension, in one reshape. */
    private static Tensor repeatBackward(Tensor g, int[] repeats, int[] inShape) {
        for (int r : repeats) {
            if (r == 0) {
                return Creation.zeros(inShape, g.dtype(), g.device());
            }
        }
        int lead = g.dim() - inShape.length;
        for (int i = 0; i < lead; i++) {
            g = g.sum(0);
        }
        List<Integer> gradSize = new ArrayList<>();
        List<Integer> sumDims = new ArrayList<>();
        for (int d = 0; d < inShape.length; d++) {
            int r = repeats[d + lead];
            if (r != 1) {
                gradSize.add(r);
                sumDims.add(gradSize.size() - 1);
            }
            gradSize.add(inShape[d]);
        }
        if (!sumDims.isEmpty()) {
            g = g.reshape(gradSize.stream().mapToInt(Integer::intValue).toArray())
                    .sum(sumDims.stream().mapToInt(Integer::intValue).toArray(), false);
        }
        return g;
    }

    /** tile: repeat with leading 1s prepended to {@code reps} shorter than the tensor's rank. */
    static Tensor tile(Tensor t, int[] reps) {
        int diff = t.dim() - reps.length;
        if (diff > 0) {
            int[] full = new int[t.dim()];
            Arrays.fill(full, 0, diff, 1);
            System.arraycopy(reps, 0, full, diff, reps.length);
            return t.repeat(full);
        }
        return t.repeat(reps);
    }

    /**
     * repeat_interleave with an int, as PyTorch 2.x composes it: unsqueeze after the dimension, expand there, a
     * contiguous clone and a flatten of the two (so the node is ViewBackward0 over CloneBackward0 and ExpandBackward0).
     */
    static Tensor repeatInterleave(Tensor t, int repeats, Integer dim) {
        Tensor input = dim != null ? t : t.flatten();
        int d = Shapes.wrapDim(dim == null ? 0 : dim, t.dim());
        if (repeats < 0) {
            throw new IllegalArgumentException("Repeats must be non-negative");
        }
        input = input.unsqueeze(d + 1);
        int[] shape = input.shape.clone();
        shape[d + 1] = repeats;
        // a row-major copy, so that flatten is a view (PyTorch's result, from index_select, is contiguous)
        return ViewOps.cloneContiguous(input.expand(shape)).flatten(d, d + 1);
    }

    // ------------------------------------------------------------------ flip, roll, movedim, unflatten

    static Tensor flip(Tensor t, int[] dims) {
        boolean[] flip = new boolean[Math.max(t.dim(), 1)];
        for (int dim : dims) {
            int d = Shapes.wrapDim(dim, t.dim());
            if (flip[d]) {
                throw new IllegalArgumentException("dim " + d + " appears multiple times in the list of dims");
            }
            flip[d] = true;
        }
        if (t.dtype.isFloat8() || t.dtype.isBarebonesUnsigned()) {
            // 2.x's flip kernel dispatches all types, complex, bool, half and bfloat16, not fp8 (fliplr, flipud, rot90)
            // nor uint16/uint32/uint64
            throw Refusals.unsupported("flip_cpu", t.dtype);
        }
        Layout src = t.layout;
        for (int d = 0; d < t.dim(); d++) {
            if (flip[d]) {
                src = flipped(src, d);
            }
        }
        // PyTorch's flip writes into empty_like(self): the input's memory order kept
        Tensor out = Creation.emptyStrided(t.shape, preservedStrides(t.shape, t.layout.strides()), t.dtype, t.device);
        copy(t, src, out, out.layout);
        int[] ds = dims.clone();
        return ArithmeticOps.record(out, "FlipBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.flip(ds)});
    }

    static Tensor roll(Tensor t, int[] shifts, int[] dims) {
        if (shifts.length == 0) {
            throw new IllegalArgumentException("`shifts` required");
        }
        if (dims.length == 0 && shifts.length > 1) {
            throw new IllegalArgumentException("shifts and dimensions must align. shifts: " + shifts.length + ", dims:0");
        }
        if (dims.length > 0 && shifts.length != dims.length) {
            throw new IllegalArgumentException("shifts and dimensions must align. shifts: " + shifts.length + ", dims:"
                    + dims.length);
        }
        int[] wrapped = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (t.dim() == 0) {
                // roll wraps its dims without treating a 0-dim tensor as 1-dim (wrap_scalar false)
                throw new IndexOutOfBoundsException("Dimension specified as " + dims[i] + " but tensor has no dimensions");
            }
            wrapped[i] = Shapes.wrapDim(dims[i], t.dim());
        }
        Tensor out;
        if (dims.length == 0) {
            Tensor flat = Creation.empty(new int[] {(int) t.numel()}, t.dtype, t.device);
            copy(t, t.layout, flat, Layout.contiguous(t.shape));
            Tensor rolled = rollDim(flat, shifts[0], 0);
            flat.close();
            out = new Tensor(rolled.lease(), Layout.contiguous(t.shape), t.device, t.backend, new int[1], rolled.dtype);
            rolled.close();
        } else {
            out = t;
            for (int i = 0; i < dims.length; i++) {
                Tensor next = rollDim(out, shifts[i], t.dim() == 0 ? 0 : wrapped[i]);
                if (out != t) {
                    out.close();
                }
                out = next;
            }
        }
        int[] back = new int[shifts.length];
        for (int i = 0; i < shifts.length; i++) {
            back[i] = -shifts[i];
        }
        int[] ds = dims.clone();
        return ArithmeticOps.record(out, "RollBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.roll(back, ds)});
    }

    /**
     * {@code rot90(k, dims)}: PyTorch's checks in its order, then its flips and transpose (a quarter turn is a flipped
     * copy, transposed: the result's strides are PyTorch's); one node {@code Rot90Backward0} whose backward turns the
     * gradient back, {@code grad.rot90(-k, dims)}.
     */
    static Tensor rot90(Tensor t, int k, int[] dims) {
        int rank = t.dim();
        if (dims.length != 2) {
            throw new IllegalArgumentException("expected total rotation dims == 2, but got dims = " + dims.length);
        }
        if (rank < 2) {
            throw new IllegalArgumentException("expected total dims >= 2, but got total dims = " + rank);
        }
        if (dims[0] == dims[1] || Math.abs((long) dims[0] - dims[1]) == rank) {
            throw new IllegalArgumentException("expected rotation dims to be different, but got dim0 = " + dims[0]
                    + " and dim1 = " + dims[1]);
        }
        for (int i = 0; i < 2; i++) {
            if (dims[i] >= rank || dims[i] < -rank) {
                throw new IllegalArgumentException("Rotation dim" + i + " out of range, dim" + i + " = " + dims[i]);
            }
        }
        int turns = ((k % 4) + 4) % 4;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            switch (turns) {
                case 1:
                    out = t.flip(dims[1]).transpose(dims[0], dims[1]).detach();
                    break;
                case 2:
                    out = t.flip(dims);
                    break;
                case 3:
                    out = t.flip(dims[0]).transpose(dims[0], dims[1]).detach();
                    break;
                default:
                    out = ViewOps.cloneContiguous(t); // rot90's clone(at::MemoryFormat::Contiguous)
                    break;
            }
        }
        int[] d = dims.clone();
        return ArithmeticOps.record(out, "Rot90Backward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.rot90(-k, d)});
    }

    /** {@code fliplr} ({@code flip(1)}, at least 2-D) and {@code flipud} ({@code flip(0)}, at least 1-D). */
    static Tensor flipSide(Tensor t, int dim) {
        if (t.dim() < dim + 1) {
            throw new IllegalArgumentException("Input must be >= " + (dim + 1) + "-d.");
        }
        return t.flip(dim);
    }

    /**
     * {@code diff(n, dim, prepend, append)}: PyTorch's checks, {@code cat(prepend, input, append)}, then {@code n}
     * differences of neighbours ({@code narrow(1) - narrow(0)}, {@code logical_xor} for bool), {@code n} capped at the
     * dimension's size; {@code n = 0} is a copy of the input, without prepend or append, as PyTorch's.
     */
    static Tensor diff(Tensor t, int n, int dim, Tensor prepend, Tensor append) {
        if (t.dim() < 1) {
            throw new IllegalArgumentException("diff expects input to be at least one-dimensional");
        }
        if (n < 0) {
            throw new IllegalArgumentException("order must be non-negative but got " + n);
        }
        for (Tensor other : new Tensor[] {prepend, append}) {
            if (other == null) {
                continue;
            }
            int d = Shapes.wrapDim(dim, t.dim());
            if (other.dim() != t.dim()) {
                throw new IllegalArgumentException("diff expects prepend or append to be the same dimension as input");
            }
            for (int i = 0; i < other.dim(); i++) {
                if (i != d && other.shape[i] != t.shape[i]) {
                    throw new IllegalArgumentException("diff expects the shape of tensor to prepend or append to match that "
                            + "of input except along the differencing dimension; input.size(" + i + ") = " + t.shape[i]
                            + ", but got tensor.size(" + i + ") = " + other.shape[i]);
                }
            }
        }
        if (n == 0) {
            return t.zerosLike().copy_(t);
        }
        Tensor result = t;
        if (prepend != null || append != null) {
            List<Tensor> parts = new ArrayList<>(3);
            if (prepend != null) {
                parts.add(prepend);
            }
            parts.add(t);
            if (append != null) {
                parts.add(append);
            }
            result = Tensor.cat(parts, dim);
        }
        int d = Shapes.wrapDim(dim, result.dim());
        int len = result.shape[d] - 1;
        int steps = Math.min(n, result.shape[d]);
        for (int i = 0; i < steps; i++, len--) {
            Tensor hi = result.narrow(d, 1, len);
            Tensor lo = result.narrow(d, 0, len);
            result = result.dtype == DType.BOOL ? hi.logicalXor(lo) : hi.sub(lo);
        }
        return result;
    }

    /**
     * {@code triu_indices} / {@code tril_indices}: the coordinates {@code [2, N]} (int64, row-major order) of the
     * elements of a {@code row x col} matrix on or above ({@code upper}) or on or below the {@code offset}-th diagonal.
     */
    static Tensor triangleIndices(int row, int col, int offset, boolean upper, Device device) {
        if (row < 0) {
            throw new IllegalArgumentException("row must be non-negative, got" + row);
        }
        if (col < 0) {
            throw new IllegalArgumentException("col must be non-negative, got" + col);
        }
        long count = 0;
        for (int i = 0; i < row; i++) {
            long from = upper ? Math.max(0L, (long) i + offset) : 0;
            long to = upper ? col : Math.min((long) col, (long) i + offset + 1);
            count += Math.max(0, to - from);
        }
        if (2 * count > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("a tensor of sizes=[2, " + count + "] has " + 2 * count + " elements; "
                    + "one Ember tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS);
        }
        int n = (int) count;
        long[] coords = new long[Math.multiplyExact(2, n)];
        int e = 0;
        for (int i = 0; i < row; i++) {
            long from = upper ? Math.max(0L, (long) i + offset) : 0;
            long to = upper ? col : Math.min((long) col, (long) i + offset + 1);
            for (long j = from; j < to; j++, e++) {
                coords[e] = i;
                coords[n + e] = j;
            }
        }
        return Tensor.tensor(coords).reshape(2, n).to(device);
    }

    /**
     * {@code block_diag}: the tensors (0-D as 1x1, 1-D as one row) on the diagonal of a zero matrix of their promoted
     * type; one node {@code BlockDiagBackward0} whose backward hands each input its block of the gradient.
     */
    static Tensor blockDiag(List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            return Tensor.zeros(1, 0);
        }
        Device device = tensors.get(0).device;
        long rows = 0;
        long cols = 0;
        int[][] blocks = new int[tensors.size()][];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (!t.device.equals(device)) {
                throw new IllegalArgumentException("torch.block_diag: input tensors must all be on the same device. Input 0 "
                        + "is on device " + device + " and input " + i + " is on device " + t.device);
            }
            if (t.dim() > 2) {
                throw new IllegalArgumentException("torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                        + i + " has " + t.dim() + " dimensions");
            }
            blocks[i] = t.dim() == 2 ? new int[] {t.shape[0], t.shape[1]} : new int[] {1, t.dim() == 1 ? t.shape[0] : 1};
            rows += blocks[i][0];
            cols += blocks[i][1];
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        Tensor out = Creation.zeros(new int[] {Math.toIntExact(rows), Math.toIntExact(cols)},
                ArithmeticOps.resultType(inputs), device);
        try (GradMode off = Ember.noGrad()) {
            int r = 0;
            int c = 0;
            for (int i = 0; i < inputs.length; i++) {
                out.narrow(0, r, blocks[i][0]).narrow(1, c, blocks[i][1]).copy_(inputs[i].expand(blocks[i]));
                r += blocks[i][0];
                c += blocks[i][1];
            }
        }
        // the inputs' shapes and types, not the inputs: the closure keeps no tensor the hooks did not see
        int[][] shapes = new int[inputs.length][];
        DType[] types = new DType[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            shapes[i] = inputs[i].shape;
            types[i] = inputs[i].dtype;
        }
        return ArithmeticOps.record(out, "BlockDiagBackward0", inputs, n -> g -> {
            Tensor[] grads = new Tensor[shapes.length];
            int r = 0;
            int c = 0;
            for (int i = 0; i < shapes.length; i++) {
                Tensor block = g.narrow(0, r, blocks[i][0]).narrow(1, c, blocks[i][1]);
                grads[i] = ArithmeticOps.cast(block.reshape(shapes[i]), types[i]);
                r += blocks[i][0];
                c += blocks[i][1];
            }
            return grads;
        });
    }

    /** Checks that each tensor is 1-D, PyTorch's {@code cartesian_prod} and {@code combinations} message. */
    private static void require1d(Tensor t) {
        if (t.dim() != 1) {
            throw new IllegalArgumentException("Expect a 1D vector, but got shape " + Shapes.str(t.shape));
        }
    }

    /** {@code cartesian_prod}: PyTorch's composition, {@code stack} of the flattened {@code meshgrid(indexing="ij")}. */
    static Tensor cartesianProd(List<Tensor> tensors) {
        for (Tensor t : tensors) {
            require1d(t);
        }
        if (tensors.size() == 1) {
            return tensors.get(0);
        }
        List<Tensor> grids = new ArrayList<>(Tensor.meshgrid(tensors, "ij"));
        grids.replaceAll(Tensor::flatten);
        return Tensor.stack(grids, 1);
    }

    /**
     * {@code combinations(r, with_replacement)}: PyTorch's composition, the {@code r}-fold {@code meshgrid} masked to
     * strictly (or, with replacement, weakly) increasing indices, then stacked.
     */
    static Tensor combinations(Tensor t, int r, boolean withReplacement) {
        require1d(t);
        if (r < 0) {
            throw new IllegalArgumentException("Expect a non-negative number, but got " + r);
        }
        if (r == 0) {
            return Creation.empty(new int[] {0}, t.dtype, t.device);
        }
        if (t.shape[0] >= 2) {
            // the r-fold meshgrid's n^r elements, as PyTorch counts them, before r copies and grids are made
            long numel = 1;
            for (int i = 0; i < r; i++) {
                if (numel > Long.MAX_VALUE / t.shape[0]) {
                    throw new IllegalArgumentException("numel: integer multiplication overflow");
                }
                numel *= t.shape[0];
            }
        }
        List<Tensor> copies = java.util.Collections.nCopies(r, t);
        List<Tensor> grids = new ArrayList<>(Tensor.meshgrid(copies, "ij"));
        Tensor range = Tensor.arange(0, t.shape[0], 1, DType.INT64).to(t.device);
        List<Tensor> index = Tensor.meshgrid(java.util.Collections.nCopies(r, range), "ij");
        Tensor mask = Tensor.full(DType.BOOL, 1.0, index.get(0).shape).to(t.device);
        for (int i = 0; i + 1 < r; i++) {
            mask = mask.logicalAnd(withReplacement ? index.get(i).le(index.get(i + 1)) : index.get(i).lt(index.get(i + 1)));
        }
        Tensor m = mask;
        grids.replaceAll(g -> g.maskedSelect(m));
        return Tensor.stack(grids, 1);
    }

    /**
     * {@code atleast_1d} / {@code atleast_2d} / {@code atleast_3d}: the tensor itself when it has at least {@code n}
     * dimensions, otherwise PyTorch's reshape of a 0-dim tensor and its unsqueezes of a 1-D (and, for 3-D, 2-D) one.
     */
    static Tensor atleast(Tensor t, int n) {
        switch (t.dim()) {
            case 0:
                return n == 1 ? t.reshape(1) : n == 2 ? t.reshape(1, 1) : t.reshape(1, 1, 1);
            case 1:
                return n == 1 ? t : n == 2 ? t.unsqueeze(0) : t.unsqueeze(0).unsqueeze(-1);
            case 2:
                return n == 3 ? t.unsqueeze(-1) : t;
            default:
                return t;
        }
    }

    /**
     * {@code hstack}, {@code vstack}, {@code dstack}, {@code column_stack}: PyTorch's compositions of {@code atleast_Nd}
     * and {@code cat} (so the node is {@code CatBackward0}, and mismatched shapes give cat's messages).
     */
    static Tensor stackAlong(List<Tensor> tensors, String op) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException(op + " expects a non-empty TensorList");
        }
        List<Tensor> parts = new ArrayList<>(tensors.size());
        switch (op) {
            case "hstack":
                for (Tensor t : tensors) {
                    parts.add(atleast(t, 1));
                }
                return Tensor.cat(parts, parts.get(0).dim() == 1 ? 0 : 1);
            case "vstack":
                for (Tensor t : tensors) {
                    parts.add(atleast(t, 2));
                }
                return Tensor.cat(parts, 0);
            case "dstack":
                for (Tensor t : tensors) {
                    parts.add(atleast(t, 3));
                }
                return Tensor.cat(parts, 2);
            case "column_stack":
                for (Tensor t : tensors) {
                    parts.add(t.dim() <= 1 ? t.reshape(Math.toIntExact(t.numel()), 1) : t);
                }
                return stackAlong(parts, "hstack");
            default:
                throw new IllegalStateException(op);
        }
    }

    /** A rolled copy along one dimension: two copies of slices. */
    private static Tensor rollDim(Tensor t, int shift, int d) {
        Tensor out = Creation.empty(t.shape, t.dtype, t.device);
        if (out.numel() == 0) {
            return out;
        }
        if (t.dim() == 0) {
            copy(t, t.layout, out, out.layout);
            return out;
        }
        int size = t.shape[d];
        int start = (int) Math.floorMod((long) size - shift, (long) size); // source index of the first output element
        copy(t, narrowed(t.layout, d, start, size - start), out, narrowed(out.layout, d, 0, size - start));
        copy(t, narrowed(t.layout, d, 0, start), out, narrowed(out.layout, d, size - start, start));
        return out;
    }

    static Tensor movedim(Tensor t, int[] source, int[] destination) {
        if (source.length != destination.length) {
            throw new IllegalArgumentException("movedim: Invalid source or destination dims: source ("
                    + Arrays.toString(source) + " dims) should contain the same number of dims as destination ("
                    + Arrays.toString(destination) + " dims)");
        }
        int rank = t.dim();
        int[] src = new int[source.length];
        int[] dst = new int[destination.length];
        for (int i = 0; i < source.length; i++) {
            src[i] = Shapes.wrapDim(source[i], rank);
        }
        for (int i = 0; i < destination.length; i++) {
            dst[i] = Shapes.wrapDim(destination[i], rank);
        }
        if (!allUnique(src)) {
            throw new IllegalArgumentException("movedim: repeated dim in `source` (" + Arrays.toString(source) + ")");
        }
        if (!allUnique(dst)) {
            throw new IllegalArgumentException("movedim: repeated dim in `destination` (" + Arrays.toString(destination)
                    + ")");
        }
        if (rank == 0) {
            return ViewOps.alias(t, "AliasBackward0");
        }
        int[] order = new int[rank];
        Arrays.fill(order, -1);
        boolean[] usedSrc = new boolean[rank];
        for (int i = 0; i < src.length; i++) {
            order[dst[i]] = src[i];
            usedSrc[src[i]] = true;
        }
        int next = 0;
        for (int i = 0; i < rank; i++) {
            if (order[i] >= 0) {
                continue;
            }
            while (usedSrc[next]) {
                next++;
            }
            order[i] = next++;
        }
        return t.permute(order);
    }

    private static boolean allUnique(int[] dims) {
        for (int i = 0; i < dims.length; i++) {
            for (int j = i + 1; j < dims.length; j++) {
                if (dims[i] == dims[j]) {
                    return false;
                }
            }
        }
        return true;
    }

    static Tensor unflatten(Tensor t, int dim, int[] sizes) {
        int d = Shapes.wrapDim(dim, t.dim());
        if (sizes.length == 0) {
            throw new IllegalArgumentException("unflatten: sizes must be non-empty");
        }
        if (t.dim() == 0) {
            throw new IndexOutOfBoundsException("Dimension specified as " + d + " but tensor has no dimensions");
        }
        int[] inferred;
        try {
            inferred = Shapes.inferSize(sizes, t.shape[d]);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().contains("is invalid for input of size")) {
                throw new IllegalArgumentException("unflatten got an unexpected error:\n" + e.getMessage());
            }
            throw new IllegalArgumentException("unflatten: Provided sizes " + Arrays.toString(sizes) + " don't multiply up "
                    + "to the size of dim " + d + " (" + t.shape[d] + ") in the input tensor");
        }
        int[] shape = new int[t.dim() - 1 + inferred.length];
        System.arraycopy(t.shape, 0, shape, 0, d);
        System.arraycopy(inferred, 0, shape, d, inferred.length);
        System.arraycopy(t.shape, d + 1, shape, d + inferred.length, t.dim() - d - 1);
        return t.view(shape);
    }

    // ------------------------------------------------------------------ triangles and diagonals

    /** tril (upper false) or triu: a where against the mask {@code j - i <= k} ({@code >= k}), one node. */
    static Tensor triangle(Tensor t, int k, boolean upper) {
        String op = upper ? "triu" : "tril";
        if (t.dim() < 2) {
            throw new IllegalArgumentException(op + ": input tensor must have at least 2 dimensions");
        }
        int rows = t.shape[t.dim() - 2];
        int cols = t.shape[t.dim() - 1];
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor i = Creation.arange(0, rows, 1, DType.INT64).to(t.device).reshape(rows, 1);
            Tensor j = Creation.arange(0, cols, 1, DType.INT64).to(t.device).reshape(1, cols);
            Tensor diff = j.sub(i);
            Tensor mask = upper ? diff.ge((long) k) : diff.le((long) k);
            if (t.dtype == DType.BOOL) {
                out = mask.logicalAnd(t);
            } else {
                out = Tensor.where(mask, t, 0L);
            }
            if (out.shape.length != t.shape.length || !Arrays.equals(out.shape, t.shape)) {
                out = out.expand(t.shape).contiguous(); // a 0-row or 0-column mask meets a batch
            }
        }
        return ArithmeticOps.record(out, upper ? "TriuBackward0" : "TrilBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {upper ? g.triu(k) : g.tril(k)});
    }

    /**
     * {@code tril_(k)} / {@code triu_(k)}. PyTorch's kernel writes zeros into {@code self} directly where its
     * {@code checkTrilTriuBatchContiguous(self, true)} allows (contiguous, at most 3-d, or batches laid out densely with
     * a stride-0 or size-1 first dimension): an expanded self is then written through its aliases, an element becoming 0
     * wherever one of its aliases is outside the triangle (done here as masked_fill_ with that mask, which writes no
     * alias twice). Otherwise it works on a contiguous copy and copies back, which refuses an expanded self.
     */
    static Tensor triangle_(Tensor self, int k, boolean upper) {
        // the autograd checks, then the meta function's dim check (before any overlap check)
        InplaceOps.checkInplace(self, List.of(), false);
        if (self.dim() < 2) {
            throw new IllegalArgumentException((upper ? "triu" : "tril") + ": input tensor must have at least 2 dimensions");
        }
        if (InplaceOps.hasSelfOverlap(self) && triangleWritesInPlace(self)) {
            Tensor outside;
            try (GradMode off = Ember.noGrad()) {
                Tensor ones = Creation.zeros(self.shape, DType.BOOL, self.device).logicalNot();
                outside = upper ? ones.tril(k - 1) : ones.triu(k + 1);
            }
            return self.maskedFill_(outside, 0.0);
        }
        return InplaceOps.inplace(self, List.of(), t -> triangle(t, k, upper));
    }

    /** PyTorch's {@code checkTrilTriuBatchContiguous(t, true)}: whether tril_/triu_ write into {@code t} directly. */
    private static boolean triangleWritesInPlace(Tensor t) {
        int dims = t.dim();
        if (dims <= 3) {
            return true;
        }
        int[] st = t.layout.strides();
        long expected = (long) t.shape[dims - 1] * t.shape[dims - 2];
        for (int i = dims - 3; i >= 0; i--) {
            if (i == 0 && (st[i] == 0 || t.shape[i] == 1)) {
                continue;
            }
            if (expected != st[i]) {
                return false;
            }
            expected *= t.shape[i];
        }
        return true;
    }

    /**
     * diag as PyTorch 2.x composes it: a 1-D input goes onto the diagonal of a matrix ({@code diag_embed},
     * DiagEmbedBackward0), a 2-D input gives a copy of its diagonal ({@code diagonal_copy}, DiagonalBackward0_copy).
     */
    static Tensor diag(Tensor t, int diagonal) {
        if (t.dtype.isComplex() && t.dim() == 2) return ComplexIndexing.partwise((p, k) -> diag(p[0], diagonal), t);
        if (t.dim() != 1 && t.dim() != 2) {
            throw new IllegalArgumentException("diag(): Supports 1D or 2D tensors. Got " + t.dim() + "D");
        }
        if (t.dim() == 1) {
            return diagEmbed(t, diagonal, 0, 1);
        }
        Layout l = ViewOps.diagonalLayout(t.layout, diagonal, 0, 1);
        Tensor out = Creation.empty(l.shape(), t.dtype, t.device);
        copy(t, l, out, out.layout);
        int[] in = t.shape;
        return ArithmeticOps.record(out, "DiagonalBackward0_copy", new Tensor[] {t},
                n -> g -> new Tensor[] {ViewOps.diagonalBackward(g, in, diagonal, 0, 1)});
    }

    static Tensor diagEmbed(Tensor t, int offset, int dim1, int dim2) {
        int rank = t.dim() + 1;
        int d1 = Shapes.wrapDim(dim1, rank);
        int d2 = Shapes.wrapDim(dim2, rank);
        if (d1 == d2) {
            throw new IllegalArgumentException("diagonal dimensions cannot be identical " + dim1 + ", " + dim2);
        }
        int last = t.size(-1);
        int len = Shapes.toSize(Math.abs((long) offset) + last, "diag_embed's dimensions");
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < t.dim() - 1; i++) {
            sizes.add(t.shape[i]);
        }
        sizes.add(Math.min(d1, d2), len);
        sizes.add(Math.max(d1, d2), len);
        int[] shape = sizes.stream().mapToInt(Integer::intValue).toArray();
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = ViewOps.diagonalBackward(t, shape, offset, d1, d2);
        }
        return ArithmeticOps.record(out, "DiagEmbedBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {g.diagonal(offset, d1, d2)});
    }

    static Tensor trace(Tensor t) {
        if (Autocast.on()) return Autocast.apply("trace", c -> trace(c[0]), t);
        if (t.dtype == DType.BOOL) {
            throw Refusals.notImplemented("trace", DType.BOOL);
        }
        if (t.dim() != 2) {
            throw new IllegalArgumentException("trace: expected a matrix, but got tensor with dim " + t.dim());
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = t.diagonal(0, 0, 1).sum();
        }
        int[] in = t.shape;
        int len = Math.min(in[0], in[1]);
        return ArithmeticOps.record(out, "TraceBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {ViewOps.diagonalBackward(g.expand(len), in, 0, 0, 1)});
    }

    // ------------------------------------------------------------------ products of shapes

    static Tensor outer(Tensor a, Tensor b) {
        if (a.dim() != 1) {
            throw new IllegalArgumentException("outer: Expected 1-D argument self, but got " + a.dim() + "-D");
        }
        if (b.dim() != 1) {
            throw new IllegalArgumentException("outer: Expected 1-D argument vec2, but got " + b.dim() + "-D");
        }
        return a.reshape(a.shape[0], 1).mul(b);
    }

    /** kron as PyTorch's KronImpl: unsafe views interleaving the dimensions, a product, an unsafe view of it. */
    static Tensor kron(Tensor a, Tensor b) {
        int rank = Math.max(a.dim(), b.dim());
        int padA = rank - a.dim();
        int padB = rank - b.dim();
        int[] aShape = new int[2 * rank];
        int[] bShape = new int[2 * rank];
        int[] result = new int[rank];
        for (int i = 0; i < rank; i++) {
            aShape[2 * i] = i >= padA ? a.shape[i - padA] : 1;
            aShape[2 * i + 1] = 1;
            bShape[2 * i] = 1;
            bShape[2 * i + 1] = i >= padB ? b.shape[i - padB] : 1;
            result[i] = Shapes.toSize((long) aShape[2 * i] * bShape[2 * i + 1], "kron's dimension " + i);
        }
        Tensor product = ViewOps.unsafeView(a, aShape, false).mul(ViewOps.unsafeView(b, bShape, false));
        if (Shapes.viewStrides(product.shape, product.layout.strides(), result) == null) {
            // the product takes TensorIterator's layout of its operands, which a transposed operand beside a row-major
            // one leaves unviewable as the result: PyTorch raises there ("view size is not compatible with input
            // tensor's size and stride"); Ember copies the product row-major (one CloneBackward0 more) and gives the
            // values
            Tensor dense = product.contiguous();
            product.close();
            product = dense;
        }
        return ViewOps.unsafeView(product, result, true);
    }

    // ------------------------------------------------------------------ grids and broadcasting

    static List<Tensor> meshgrid(List<Tensor> list, String indexing) {
        Tensor[] ts = Args.tensors(list, "meshgrid", "tensors", 1);
        int n = ts.length;
        if (n == 0) {
            throw new IllegalArgumentException("meshgrid expects a non-empty TensorList");
        }
        for (int i = 0; i < n - 1; i++) {
            if (ts[i].dtype != ts[i + 1].dtype) {
                throw new IllegalArgumentException("meshgrid expects all tensors to have the same dtype");
            }
            if (!ts[i].device.equals(ts[i + 1].device)) {
                throw new IllegalArgumentException("meshgrid expects all tensors to have the same device");
            }
        }
        boolean swap = false;
        if (indexing.equals("xy")) {
            swap = n >= 2;
        } else if (!indexing.equals("ij")) {
            throw new IllegalArgumentException("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: "
                    + indexing);
        }
        Tensor[] refs = ts.clone();
        if (swap) {
            Tensor tmp = refs[0];
            refs[0] = refs[1];
            refs[1] = tmp;
        }
        int[] shape = new int[n];
        for (int i = 0; i < n; i++) {
            if (refs[i].dim() > 1) {
                throw new IllegalArgumentException("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                        + refs[i]);
            }
            shape[i] = (int) refs[i].numel();
        }
        List<Tensor> grids = new ArrayList<>(n);
        int[] viewShape = new int[n];
        Arrays.fill(viewShape, 1);
        for (int i = 0; i < n; i++) {
            viewShape[i] = -1;
            grids.add(refs[i].view(viewShape).expand(shape));
            viewShape[i] = 1;
        }
        if (swap) {
            Tensor tmp = grids.get(0);
            grids.set(0, grids.get(1));
            grids.set(1, tmp);
        }
        return grids;
    }

    static List<Tensor> broadcastTensors(List<Tensor> list) {
        Tensor[] ts = Args.tensors(list, "broadcast_tensors", "tensors", 1);
        int[] shape = new int[0];
        for (Tensor t : ts) {
            shape = Shapes.broadcast(shape, t.shape);
        }
        List<Tensor> out = new ArrayList<>(ts.length);
        for (Tensor t : ts) {
            out.add(Arrays.equals(t.shape, shape) ? t : t.expand(shape));
        }
        return out;
    }

    /** torch.broadcast_shapes, with its own messages. */
    static int[] broadcastShapes(int[][] shapes) {
        int max = 0;
        for (int[] s : shapes) {
            max = Math.max(max, s.length);
        }
        int[] result = new int[max];
        Arrays.fill(result, 1);
        for (int[] s : shapes) {
            for (int i = -1; i >= -s.length; i--) {
                int v = s[s.length + i];
                if (v < 0) {
                    throw new IllegalArgumentException("Trying to create tensor with negative dimension (" + v + "): (" + v
                            + ")");
                }
                if (v == 1 || v == result[max + i]) {
                    continue;
                }
                if (result[max + i] != 1) {
                    throw new IllegalArgumentException("Shape mismatch: objects cannot be broadcast to a single shape");
                }
                result[max + i] = v;
            }
        }
        return result;
    }

    // ------------------------------------------------------------------ padding (F.pad)

    /** F.pad: PyTorch 2.x's checks in its order, then constant, reflect, replicate or circular padding. */
    static Tensor pad(Tensor t, int[] pad, String mode, double value) {
        if (t.dtype.isComplex()) return ComplexIndexing.partwise((p, k) -> pad(p[0], pad, mode, k == 0 ? value : 0), t);
        if (!mode.equals("constant") && !mode.equals("reflect") && !mode.equals("replicate") && !mode.equals("circular")) {
            throw new IllegalArgumentException("Unrecognised padding mode " + mode);
        }
        if (pad.length % 2 != 0) {
            throw new IllegalArgumentException("Padding length must be divisible by 2");
        }
        if (pad.length > 2 * t.dim()) {
            throw new IllegalArgumentException("Padding length should be less than or equal to two times the input "
                    + "dimension but got padding length " + pad.length + " and input of dimension " + t.dim());
        }
        if (mode.equals("constant")) {
            return constantPad(t, pad, value);
        }
        if (value != 0) {
            throw new IllegalArgumentException("Padding mode \"" + mode + "\" doesn't take in value argument");
        }
        int k = pad.length / 2;
        if (k == 0 || (t.dim() != k + 1 && t.dim() != k + 2) || k > 3) {
            throw new IllegalArgumentException("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for "
                    + "now");
        }
        if (mode.equals("circular")) {
            return circularPad(t, pad);
        }
        return edgePad(t, pad, mode.equals("reflect"));
    }

    /** {@code constant_pad_nd} (ConstantPadNdBackward0): negative pads crop; its backward pads with the negated pads. */
    static Tensor constantPad(Tensor t, int[] pad, double value) {
        int rank = t.dim();
        int k = pad.length / 2;
        int lead = rank - k;
        Layout in = t.layout;
        boolean allNonPositive = true;
        for (int i = lead; i < rank; i++) {
            int at = 2 * (rank - i - 1);
            // negative pads crop first, with narrow's checks
            if (pad[at] < 0) {
                in = checkedNarrow(in, i, -pad[at], in.size(i) + pad[at]);
            } else if (pad[at] != 0) {
                allNonPositive = false;
            }
            if (pad[at + 1] < 0) {
                in = checkedNarrow(in, i, 0, in.size(i) + pad[at + 1]);
            } else if (pad[at + 1] != 0) {
                allNonPositive = false;
            }
        }
        int[] shape = t.shape.clone();
        Tensor out;
        if (allNonPositive) {
            shape = in.shape();
            out = Creation.empty(shape, t.dtype, t.device);
            copy(t, in, out, out.layout);
        } else {
            for (int i = 0; i < k; i++) {
                int at = pad.length - (i + 1) * 2;
                long size = (long) t.shape[lead + i] + pad[at] + pad[at + 1];
                if (size <= 0) {
                    throw new IllegalArgumentException("The input size " + t.shape[lead + i] + ", plus negative padding "
                            + pad[at] + " and " + pad[at + 1] + " resulted in a negative output size, which is invalid. "
                            + "Check dimension " + (lead + i) + " of your input.");
                }
                shape[lead + i] = Shapes.toSize(size, "the padded dimension " + (lead + i));
            }
            out = Creation.empty(shape, t.dtype, t.device);
            out.backend.fill(out.storage(), out.layout, value);
            Layout window = out.layout;
            for (int i = lead; i < rank; i++) {
                int at = 2 * (rank - i - 1);
                int before = Math.max(pad[at], 0);
                int after = Math.max(pad[at + 1], 0);
                window = narrowed(window, i, before, window.size(i) - before - after);
            }
            copy(t, in, out, window);
        }
        int[] back = new int[pad.length];
        for (int i = 0; i < pad.length; i++) {
            back[i] = -pad[i];
        }
        return ArithmeticOps.record(out, "ConstantPadNdBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {constantPad(g, back, 0)});
    }

    /** {@link #narrowed} with {@code Tensor.narrow}'s checks and messages. */
    private static Layout checkedNarrow(Layout l, int d, int start, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("narrow(): length must be non-negative.");
        }
        int size = l.size(d);
        if (start > size) {
            throw new IndexOutOfBoundsException("start out of range (expected to be in range of [" + (-size) + ", " + size
                    + "], but got " + start + ")");
        }
        if (start + length > size) {
            throw new IllegalArgumentException("start (" + start + ") + length (" + length + ") exceeds dimension size ("
                    + size + ").");
        }
        return narrowed(l, d, start, (int) length);
    }

    /** Zeros around {@code t} along one dimension: {@code before} zeros before it, {@code after} after. */
    private static Tensor padDim(Tensor t, int d, int before, int after) {
        if (before == 0 && after == 0) {
            return t;
        }
        if (t.numel() == 0) {
            // an empty gradient (a negative pad emptied a dimension of the output): zeros of the padded shape, which
            // constant_pad_nd's check of the untouched empty dimensions would refuse
            int[] shape = t.shape.clone();
            shape[d] += before + after;
            return Creation.zeros(shape, t.dtype, t.device);
        }
        int[] pad = new int[2 * (t.dim() - d)];
        pad[pad.length - 2] = before;
        pad[pad.length - 1] = after;
        return constantPad(t, pad, 0);
    }

    /** reflect or replicate padding of the last pad.length/2 dimensions (reflection_padNd, replication_padNd). */
    private static Tensor edgePad(Tensor t, int[] pad, boolean reflect) {
        if (Autocast.on()) return Autocast.apply((reflect ? "reflection_pad" : "replication_pad") + pad.length / 2 + "d",
                c -> edgePad(c[0], pad, reflect), t);
        int k = pad.length / 2;
        int rank = t.dim();
        boolean batch = rank == k + 2;
        if (!t.dtype.isFloatingPoint()) {
            String kernel = reflect ? (k == 3 ? "reflection_pad3d_cpu" : "reflection_pad" + k + "d")
                    : "replication_pad" + k + "d_cpu";
            throw Refusals.notImplemented(kernel, t.dtype);
        }
        // check_valid_input: only a batch dimension may be empty
        boolean valid = true;
        for (int d = batch ? 1 : 0; d < rank; d++) {
            valid &= t.shape[d] != 0;
        }
        if (!valid) {
            throw new IllegalArgumentException("Expected " + (k + 1) + "D or " + (k + 2) + "D (batch mode) tensor with "
                    + "possibly 0 batch size and other non-zero dimensions for input, but got: " + Shapes.str(t.shape));
        }
        String[] names = {"W", "H", "D"};
        if (reflect) {
            for (int i = 0; i < k; i++) {
                int d = rank - 1 - i;
                int size = t.shape[d];
                int l = pad[2 * i];
                int r = pad[2 * i + 1];
                if (!(l < size && r < size)) {
                    String input = k == 2 ? String.valueOf(rank) : Shapes.str(t.shape); // as PyTorch's 2-D kernel words it
                    throw new IllegalArgumentException("Argument #" + (4 + 2 * i) + ": Padding size should be less than the "
                            + "corresponding input dimension, but got: padding (" + l + ", " + r + ") at dimension " + d
                            + " of input " + input);
                }
            }
        }
        long[] outSizes = new long[k];
        boolean anyPositive = false;
        for (int i = 0; i < k; i++) {
            outSizes[i] = (long) t.shape[rank - 1 - i] + pad[2 * i] + pad[2 * i + 1];
            anyPositive |= outSizes[i] >= 1;
        }
        if (!anyPositive) {
            StringBuilder in = new StringBuilder("input (");
            StringBuilder out = new StringBuilder("Calculated output");
            for (int i = k - 1; i >= 0; i--) {
                in.append(i == k - 1 ? "" : i == 0 && k > 1 ? ", " : " ").append(names[i]).append(": ")
                        .append(t.shape[rank - 1 - i]);
                out.append(' ').append(names[i]).append(": ").append(outSizes[i]);
            }
            throw new IllegalArgumentException(in + ") is too small. " + out);
        }
        // sizes in long: a padding near the int limit is Ember's dimension limit, not an overflowed size
        int[] outShape = t.shape.clone();
        for (int i = 0; i < k; i++) {
            outShape[rank - 1 - i] = Shapes.toSize(outSizes[i], "the padded dimension " + (rank - 1 - i));
        }
        Shapes.storageNumel(outShape, t.dtype, t.device);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = t;
            for (int i = 0; i < k; i++) {
                Tensor next = padEdgeDim(out, rank - 1 - i, pad[2 * i], pad[2 * i + 1], reflect);
                if (out != t) {
                    out.close();
                }
                out = next;
            }
            if (out == t) {
                out = copyOfTensor(t);
            }
        }
        int[] pads = pad.clone();
        int[] in = t.shape;
        String node = (reflect ? "ReflectionPad" : "ReplicationPad") + k + "DBackward0";
        return ArithmeticOps.record(out, node, new Tensor[] {t}, n -> g -> {
            Tensor gi = g;
            for (int i = k - 1; i >= 0; i--) {
                gi = padEdgeDimBackward(gi, rank - 1 - i, in[rank - 1 - i], pads[2 * i], pads[2 * i + 1], reflect);
            }
            return new Tensor[] {gi};
        });
    }

    private static Tensor copyOfTensor(Tensor t) {
        Tensor out = Creation.empty(t.shape, t.dtype, t.device);
        copy(t, t.layout, out, out.layout);
        return out;
    }

    /**
     * One dimension of reflect (replicate) padding, without history: the positive pads by copies (flipped slices, or the
     * edge element repeated), then the negative pads crop.
     */
    private static Tensor padEdgeDim(Tensor t, int d, int left, int right, boolean reflect) {
        int w = t.shape[d];
        int pl = Math.max(left, 0);
        int pr = Math.max(right, 0);
        int[] shape = t.shape.clone();
        shape[d] = w + pl + pr;
        Tensor full = Creation.empty(shape, t.dtype, t.device);
        Layout src = t.layout;
        copy(t, src, full, narrowed(full.layout, d, pl, w));
        if (pl > 0) {
            Layout from = reflect ? flipped(narrowed(src, d, 1, pl), d) : repeatedAt(src, d, 0, pl);
            copy(t, from, full, narrowed(full.layout, d, 0, pl));
        }
        if (pr > 0) {
            Layout from = reflect ? flipped(narrowed(src, d, w - 1 - pr, pr), d) : repeatedAt(src, d, w - 1, pr);
            copy(t, from, full, narrowed(full.layout, d, pl + w, pr));
        }
        int cl = Math.max(-left, 0);
        int cr = Math.max(-right, 0);
        if (cl == 0 && cr == 0) {
            return full;
        }
        shape[d] = shape[d] - cl - cr;
        Tensor out = Creation.empty(shape, t.dtype, t.device);
        copy(full, narrowed(full.layout, d, cl, shape[d]), out, out.layout);
        full.close();
        return out;
    }

    /** The gradient of {@link #padEdgeDim} for an input of size {@code w}, differentiable. */
    private static Tensor padEdgeDimBackward(Tensor g, int d, int w, int left, int right, boolean reflect) {
        int pl = Math.max(left, 0);
        int pr = Math.max(right, 0);
        Tensor full = padDim(g, d, Math.max(-left, 0), Math.max(-right, 0)); // zeros where the crop dropped elements
        Tensor gx = full.narrow(d, pl, w);
        if (pl > 0) {
            Tensor edge = full.narrow(d, 0, pl);
            gx = reflect ? gx.add(padDim(edge.flip(d), d, 1, w - 1 - pl))
                    : gx.add(padDim(edge.sum(new int[] {d}, true), d, 0, w - 1));
        }
        if (pr > 0) {
            Tensor edge = full.narrow(d, pl + w, pr);
            gx = reflect ? gx.add(padDim(edge.flip(d), d, w - 1 - pr, 1))
                    : gx.add(padDim(edge.sum(new int[] {d}, true), d, w - 1, 0));
        }
        return gx;
    }

    /** circular padding as PyTorch 2.x's {@code _pad_circular}: copies into slices of a new tensor (CopySlices). */
    private static Tensor circularPad(Tensor t, int[] padding) {
        int rank = t.dim();
        int padded = padding.length / 2;
        int nonPadded = rank - padded;
        int[] outShape = t.shape.clone();
        for (int i = 0; i < padded; i++) {
            int l = padding[2 * (padded - i - 1)];
            int r = padding[2 * (padded - i - 1) + 1];
            int size = t.shape[nonPadded + i];
            long s = (long) size + l + r;
            if (!(l <= size && r <= size)) {
                throw new IllegalArgumentException("Padding value causes wrapping around more than once.");
            }
            if (s < 0) {
                throw new IllegalArgumentException("Negative padding value is resulting in an empty dimension");
            }
            outShape[nonPadded + i] = (int) s;
        }
        Tensor out = Creation.empty(outShape, t.dtype, t.device);
        Tensor outSlice = out;
        Tensor inSlice = t;
        for (int i = 0; i < padded; i++) {
            int dim = padded - i + nonPadded - 1;
            int l = padding[2 * i];
            int r = padding[2 * i + 1];
            outSlice = outSlice.slice(dim, Math.max(l, 0), outShape[dim] - Math.max(r, 0), 1);
            inSlice = inSlice.slice(dim, Math.max(-l, 0), t.shape[dim] - Math.max(-r, 0), 1);
        }
        outSlice.copy_(inSlice);
        for (int i = 0; i < padded; i++) {
            int dim = padded - i + nonPadded - 1;
            int l = padding[2 * i];
            int r = padding[2 * i + 1];
            if (l > 0) {
                out.slice(dim, 0, l, 1).copy_(out.slice(dim, outShape[dim] - l - Math.max(r, 0),
                        outShape[dim] - Math.max(r, 0), 1));
            }
            if (r > 0) {
                out.slice(dim, outShape[dim] - r, outShape[dim], 1).copy_(out.slice(dim, Math.max(l, 0),
                        Math.max(l, 0) + r, 1));
            }
        }
        return out;
    }
}
