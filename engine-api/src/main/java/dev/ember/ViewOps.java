package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Views (shape, strides and offset over shared storage, never a copy), copies, concatenation and
 * conversions, each with its backward formula.
 */
final class ViewOps {
    private ViewOps() {
    }

    /** A tensor sharing {@code t}'s storage and version counter under a new layout, with no history. */
    static Tensor makeView(Tensor t, int[] shape, int[] strides, int offset) {
        return makeView(t, shape, strides, offset, false);
    }

    /**
     * {@link #makeView}, for an op that returns several views of {@code t} when {@code multiOutput} (split, chunk,
     * unbind). The view records how it was made, as PyTorch's {@code CreationMeta}: in inference mode, in no_grad mode,
     * as one of several outputs, or plainly; a plain view of a view keeps its base's record, and a view of a view made in
     * inference mode stays one ({@code propagate_creation_meta}). {@link InplaceOps#checkInplace} refuses the in-place
     * ops those records forbid.
     */
    static Tensor makeView(Tensor t, int[] shape, int[] strides, int offset, boolean multiOutput) {
        Tensor v = new Tensor(t.lease(), new Layout(shape, strides, offset), t.device, t.backend, t.version, t.dtype);
        // the base autograd follows: the root of t's chain of differentiable views; a detached alias (detach(), a view
        // detached in place) starts a chain of its own, as PyTorch's (whose detach() is not a differentiable view)
        v.viewBase = t.differentiableView ? t.viewBase : t;
        v.differentiableView = true;
        boolean inference = InferenceMode.isEnabled();
        boolean noGrad = !inference && !GradMode.isEnabled();
        boolean multi = !inference && !noGrad && multiOutput;
        if (t.differentiableView && (t.inferenceView || (!inference && !noGrad && !multi))) {
            inference = t.inferenceView;
            noGrad = t.noGradView;
            multi = t.multiOutputView;
        }
        v.inferenceView = inference;
        v.noGradView = noGrad;
        v.multiOutputView = multi;
        v.viewVersion = t.version[0];
        return v;
    }

    static Tensor view(Tensor t, int[] requested) {
        int[] shape = Shapes.inferSize(requested, t.numel());
        int[] strides = Shapes.viewStrides(t.shape, t.layout.strides(), shape);
        if (strides == null) {
            throw new IllegalArgumentException("view size is not compatible with input tensor's size and stride (at least "
                    + "one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
        }
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        int[] in = t.shape;
        return ArithmeticOps.record(out, "ViewBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.reshape(in)});
    }

    /**
     * A view when the strides allow one ({@code ViewBackward0}); otherwise, as PyTorch 2.x,
     * {@code _unsafe_view(clone(contiguous), shape)}: {@code UnsafeViewBackward0} on {@code CloneBackward0}.
     */
    static Tensor reshape(Tensor t, int[] requested) {
        int[] shape = Shapes.inferSize(requested, t.numel());
        if (Shapes.viewStrides(t.shape, t.layout.strides(), shape) != null) {
            return view(t, shape);
        }
        return unsafeView(cloneContiguous(t), shape, true);
    }

    /**
     * PyTorch's {@code _unsafe_view}: {@code t}'s elements under a new shape (which its strides must allow) in a tensor
     * that is not a view of {@code t} (an in-place change of it is an ordinary in-place op, not one on a view), sharing
     * t's version counter; {@code UnsafeViewBackward0}. With {@code consume}, t is an intermediate nothing else holds, and
     * its handle is closed, so the new tensor alone holds the storage.
     */
    static Tensor unsafeView(Tensor t, int[] shape, boolean consume) {
        int[] strides = Shapes.viewStrides(t.shape, t.layout.strides(), shape);
        if (strides == null) {
            throw new IllegalStateException("unsafe view of " + t.layout + " as " + Shapes.str(shape));
        }
        Tensor out = new Tensor(t.lease(), new Layout(shape, strides, t.layout.offset()), t.device, t.backend, t.version, t.dtype);
        int[] in = t.shape;
        ArithmeticOps.record(out, "UnsafeViewBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.reshape(in)});
        if (consume) {
            t.close();
        }
        return out;
    }

    /**
     * The layout of the diagonal of {@code l} over dimensions {@code d1} and {@code d2} (distinct, wrapped), as PyTorch's
     * {@code diagonal}: both dimensions removed, the diagonal appended last; an offset past the end gives size 0.
     */
    static Layout diagonalLayout(Layout l, int offset, int d1, int d2) {
        long size = offset >= 0 ? Math.min((long) l.size(d1), (long) l.size(d2) - offset)
                : Math.min((long) l.size(d1) + offset, (long) l.size(d2));
        int len = (int) Math.max(size, 0);
        long start = l.offset();
        if (len > 0) {
            start += offset >= 0 ? (long) offset * l.stride(d2) : -(long) offset * l.stride(d1);
        }
        int rank = l.rank();
        int[] shape = new int[rank - 1];
        int[] strides = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != d1 && i != d2) {
                shape[j] = l.size(i);
                strides[j++] = l.stride(i);
            }
        }
        shape[rank - 2] = len;
        strides[rank - 2] = len > 1 ? Math.addExact(l.stride(d1), l.stride(d2)) : l.stride(d1) + l.stride(d2);
        return new Layout(shape, strides, Shapes.viewOffset(start));
    }

    /** {@code diagonal(offset, dim1, dim2)}: a view ({@code DiagonalBackward0}). */
    static Tensor diagonal(Tensor t, int offset, int dim1, int dim2) {
        int d1 = Shapes.wrapDim(dim1, t.dim());
        int d2 = Shapes.wrapDim(dim2, t.dim());
        if (d1 == d2) {
            throw new IllegalArgumentException("diagonal dimensions cannot be identical " + dim1 + ", " + dim2);
        }
        Layout l = diagonalLayout(t.layout, offset, d1, d2);
        Tensor out = makeView(t, l.shape(), l.strides(), l.offset());
        int[] in = t.shape;
        return ArithmeticOps.record(out, "DiagonalBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {diagonalBackward(g, in, offset, d1, d2)});
    }

    /**
     * Zeros of {@code shape} with {@code g} written into their diagonal: PyTorch's {@code diagonal_backward}, itself
     * differentiable ({@code DiagonalBackwardBackward0} takes the diagonal back).
     */
    static Tensor diagonalBackward(Tensor g, int[] shape, int offset, int d1, int d2) {
        if (g.dtype.isComplex()) return ComplexIndexing.partwise((p, k) -> diagonalBackward(p[0], shape, offset, d1, d2), g);
        Tensor out = Creation.zeros(shape, g.dtype, g.device);
        Layout diag = diagonalLayout(out.layout, offset, d1, d2);
        if (diag.numel() > 0) {
            out.backend.copy(g.storage(), ArithmeticOps.expandedLayout(g, diag.shape()), out.storage(), diag);
        }
        return ArithmeticOps.record(out, "DiagonalBackwardBackward0", new Tensor[] {g},
                n -> gg -> new Tensor[] {gg.diagonal(offset, d1, d2)});
    }

    static Tensor flatten(Tensor t, int start, int end) {
        // the dims are checked first, a 0-dim tensor's against [-1, 0], as PyTorch 2.x
        int s = Shapes.wrapDim(start, t.dim());
        int e = Shapes.wrapDim(end, t.dim());
        if (t.dim() == 0) {
            return reshape(t, new int[] {1});
        }
        if (s > e) {
            throw new IllegalArgumentException("flatten() has invalid args: start_dim cannot come after end_dim");
        }
        if (s == e) {
            return t;
        }
        int[] shape = new int[t.dim() - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) {
            shape[k++] = t.shape[i];
        }
        long prod = 1;
        for (int i = s; i <= e; i++) {
            prod *= t.shape[i];
            if (prod > Integer.MAX_VALUE) {
                break; // too large already; stopping here also keeps the product from overflowing a long
            }
        }
        shape[k++] = Shapes.toSize(prod, "flatten(" + start + ", " + end + ") of a tensor of sizes " + Shapes.str(t.shape));
        for (int i = e + 1; i < t.dim(); i++) {
            shape[k++] = t.shape[i];
        }
        return reshape(t, shape);
    }

    static Tensor alias(Tensor t, String name) {
        Tensor out = makeView(t, t.shape, t.layout.strides(), t.layout.offset());
        return ArithmeticOps.record(out, name, new Tensor[] {t}, n -> g -> new Tensor[] {g});
    }

    static Tensor transpose(Tensor t, int dim0, int dim1, String name) {
        if (t.dim() == 0) {
            Shapes.wrapDim(dim0, 0);
            Shapes.wrapDim(dim1, 0);
            return alias(t, name);
        }
        int a = Shapes.wrapDim(dim0, t.dim());
        int b = Shapes.wrapDim(dim1, t.dim());
        int[] shape = t.shape.clone();
        int[] strides = t.layout.strides();
        swap(shape, a, b);
        swap(strides, a, b);
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        return ArithmeticOps.record(out, name, new Tensor[] {t}, n -> g -> new Tensor[] {g.transpose(a, b)});
    }

    private static void swap(int[] x, int i, int j) {
        int tmp = x[i];
        x[i] = x[j];
        x[j] = tmp;
    }

    static Tensor permute(Tensor t, int[] dims) {
        if (dims.length != t.dim()) {
            throw new IllegalArgumentException("permute(sparse_coo): number of dimensions in the tensor input does not match "
                    + "the length of the desired ordering of dimensions i.e. input.dim() = " + t.dim()
                    + " is not equal to len(dims) = " + dims.length);
        }
        int[] order = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        int[] shape = new int[dims.length];
        int[] strides = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int d = Shapes.wrapDim(dims[i], t.dim());
            if (seen[d]) {
                throw new IllegalArgumentException("permute(): duplicate dims are not allowed.");
            }
            seen[d] = true;
            order[i] = d;
            shape[i] = t.shape[d];
            strides[i] = t.layout.stride(d);
        }
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            inverse[order[i]] = i;
        }
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        return ArithmeticOps.record(out, "PermuteBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.permute(inverse)});
    }

    static Tensor squeeze(Tensor t, Integer dim) {
        List<Integer> keep = new ArrayList<>();
        int target = dim == null ? -1 : (t.dim() == 0 ? 0 : Shapes.wrapDim(dim, t.dim()));
        if (dim != null && t.dim() == 0) {
            Shapes.wrapDim(dim, 0);
        }
        for (int i = 0; i < t.dim(); i++) {
            boolean drop = t.shape[i] == 1 && (dim == null || i == target);
            if (!drop) {
                keep.add(i);
            }
        }
        int[] shape = keep.stream().mapToInt(i -> t.shape[i]).toArray();
        int[] strides = keep.stream().mapToInt(i -> t.layout.stride(i)).toArray();
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        int[] in = t.shape;
        return ArithmeticOps.record(out, dim == null ? "SqueezeBackward0" : "SqueezeBackward1", new Tensor[] {t},
                n -> g -> new Tensor[] {g.reshape(in)});
    }

    /**
     * {@code squeeze(dims)}, PyTorch 2.x's {@code squeeze.dims}: each listed dimension removed where its size is 1, the
     * others kept ({@code SqueezeBackward2}); a dimension listed twice is PyTorch's error.
     */
    static Tensor squeezeDims(Tensor t, int[] dims) {
        int rank = t.dim();
        boolean[] listed = new boolean[Math.max(rank, 1)];
        for (int dim : dims) {
            int d = Shapes.wrapDim(dim, rank);
            if (listed[d]) {
                throw new IllegalArgumentException("dim " + d + " appears multiple times in the list of dims");
            }
            listed[d] = true;
        }
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            if (!(listed[i] && t.shape[i] == 1)) {
                keep.add(i);
            }
        }
        int[] shape = keep.stream().mapToInt(i -> t.shape[i]).toArray();
        int[] strides = keep.stream().mapToInt(i -> t.layout.stride(i)).toArray();
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        int[] in = t.shape;
        return ArithmeticOps.record(out, "SqueezeBackward2", new Tensor[] {t}, n -> g -> new Tensor[] {g.reshape(in)});
    }

    /**
     * {@code unfold(dimension, size, step)}: every window of {@code size} elements along {@code dimension}, {@code step}
     * apart, as a new last dimension of a view ({@code UnfoldBackward0}); PyTorch's checks in its order. The backward
     * adds each window's gradient back at the positions it was read from (an {@code index_add}, so overlapping windows
     * sum and the backward is itself differentiable).
     */
    static Tensor unfold(Tensor t, int dimension, int size, int step) {
        int rank = t.dim();
        int d = Shapes.wrapDim(dimension, rank);
        int maxSize = rank == 0 ? 1 : t.shape[d];
        if (size < 0) {
            throw new IllegalArgumentException("size is " + size + " but must be >= 0");
        }
        if (size > maxSize) {
            throw new IllegalArgumentException("maximum size for tensor at dimension " + d + " is " + maxSize
                    + " but size is " + size);
        }
        if (step <= 0) {
            throw new IllegalArgumentException("step is " + step + " but must be > 0");
        }
        int[] shape = Arrays.copyOf(t.shape, rank + 1);
        int[] strides = Arrays.copyOf(t.layout.strides(), rank + 1);
        shape[rank] = size;
        strides[rank] = rank == 0 ? 1 : t.layout.stride(d);
        int windows = 0;
        if (rank > 0) {
            windows = (t.shape[d] - size) / step + 1;
            shape[d] = windows;
            strides[d] = (int) Math.min((long) step * t.layout.stride(d), Integer.MAX_VALUE);
            if (windows > 1) {
                strides[d] = Math.multiplyExact(step, t.layout.stride(d));
            }
        }
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        int[] in = t.shape;
        int nWindows = windows;
        return ArithmeticOps.record(out, "UnfoldBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {unfoldBackward(g, in, d, size, step, nWindows)});
    }

    /** PyTorch's {@code unfold_backward}: the windows' gradients added back where each element was read. */
    static Tensor unfoldBackward(Tensor g, int[] in, int d, int size, int step, int windows) {
        int rank = in.length;
        if (rank == 0) {
            return g.sum().reshape(in);
        }
        // [..., windows, ..., size] -> [..., windows * size, ...], each element beside the input index it came from
        Tensor flat = g.movedim(rank, d + 1).flatten(d, d + 1);
        long[] index = new long[Math.multiplyExact(windows, size)];
        for (int w = 0; w < windows; w++) {
            for (int k = 0; k < size; k++) {
                index[w * size + k] = (long) w * step + k;
            }
        }
        Tensor zeros = Creation.zeros(in, g.dtype, g.device);
        return zeros.indexAdd(d, Tensor.tensor(index).to(g.device), flat);
    }

    /**
     * {@code as_strided(size, stride, storageOffset)}: a view of {@code t}'s storage under any layout that stays inside
     * it ({@code AsStridedBackward0}); PyTorch's checks ({@code setStrided}) in its order. The backward is PyTorch's
     * {@code as_strided_backward}: the gradient added into a buffer over the storage the two layouts span, read back
     * through the input's layout, divided where the input's own elements share storage.
     */
    static Tensor asStrided(Tensor t, int[] size, int[] stride, int storageOffset) {
        if (size.length != stride.length) {
            throw new IllegalArgumentException("mismatch in length of strides and shape");
        }
        for (int s : stride) {
            if (s < 0) {
                throw new IllegalArgumentException("as_strided: Negative strides are not supported at the moment, got "
                        + "strides: " + Shapes.str(stride));
            }
        }
        long need = storageOffset + 1L;
        boolean empty = false;
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0) {
                throw new IllegalArgumentException("Storage size calculation overflowed with sizes=" + Shapes.str(size)
                        + " and strides=" + Shapes.str(stride));
            }
            empty |= size[i] == 0;
            need += (size[i] - 1L) * stride[i];
        }
        long item = t.dtype.itemSize();
        // in elements (a complex storage holds two parts each; an fp8 or uint16/32/64 one the bits, one per element)
        long have = t.dtype.isComplex() ? t.rawStorage().numel() / 2 : t.rawStorage().numel();
        if (!empty && need > have) {
            throw new IllegalArgumentException("setStorage: sizes " + Shapes.str(size) + ", strides " + Shapes.str(stride)
                    + ", storage offset " + storageOffset + ", and itemsize " + item + " requiring a storage size of "
                    + need * item + " are out of bounds for storage of size " + have * item);
        }
        if (storageOffset < 0) {
            throw new IllegalArgumentException("Tensor: invalid storage offset " + storageOffset);
        }
        Tensor out = makeView(t, size, stride, storageOffset);
        Layout from = t.layout;
        Layout to = new Layout(size, stride, storageOffset);
        return ArithmeticOps.record(out, "AsStridedBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {g.dtype.isComplex() // layouts in complex elements: each part alike
                        ? ComplexOps.complex(asStridedBackward(ComplexOps.real(g), from, to),
                                asStridedBackward(ComplexOps.imag(g), from, to))
                        : asStridedBackward(g, from, to)});
    }

    /**
     * {@code as_strided_}: {@code t} restrided in place ({@code InplaceOps.view_}, its checks first), its node
     * {@code AsStridedBackward1} the backward of {@link #asStrided} from {@code t}'s layout before the call.
     */
    static Tensor asStrided_(Tensor t, int[] size, int[] stride, int storageOffset) {
        Layout from = t.layout;
        return InplaceOps.view_(t, v -> asStrided(v, size, stride, storageOffset), "AsStridedBackward1", g -> {
            Layout to = new Layout(size, stride, storageOffset); // checked by the view by then
            return g.dtype.isComplex()
                    ? ComplexOps.complex(asStridedBackward(ComplexOps.real(g), from, to),
                            asStridedBackward(ComplexOps.imag(g), from, to))
                    : asStridedBackward(g, from, to);
        });
    }

    /** The storage index of every element of a layout, in row-major order of its shape. */
    private static long[] positions(Layout l) {
        long[] pos = new long[Math.toIntExact(l.numel())];
        int rank = l.rank();
        int[] idx = new int[rank];
        long p = l.offset();
        for (int e = 0; e < pos.length; e++) {
            pos[e] = p;
            for (int k = rank - 1; k >= 0; k--) {
                if (++idx[k] < l.size(k)) {
                    p += l.stride(k);
                    break;
                }
                p -= (long) (idx[k] - 1) * l.stride(k);
                idx[k] = 0;
            }
        }
        return pos;
    }

    private static Tensor asStridedBackward(Tensor g, Layout input, Layout output) {
        long[] in = positions(input);
        long[] out = positions(output);
        long base = Long.MAX_VALUE;
        long top = Long.MIN_VALUE;
        for (long[] ps : new long[][] {in, out}) {
            for (long p : ps) {
                base = Math.min(base, p);
                top = Math.max(top, p);
            }
        }
        if (in.length == 0 || out.length == 0) {
            return Creation.zeros(input.shape(), g.dtype, g.device);
        }
        int span = Math.toIntExact(top - base + 1);
        int[] shared = new int[span];
        boolean overlap = false;
        for (int e = 0; e < in.length; e++) {
            in[e] -= base;
            overlap |= ++shared[(int) in[e]] > 1;
        }
        for (int e = 0; e < out.length; e++) {
            out[e] -= base;
        }
        Tensor inIndex = Tensor.tensor(in).to(g.device);
        Tensor storage = Creation.zeros(new int[] {span}, g.dtype, g.device)
                .indexAdd(0, Tensor.tensor(out).to(g.device), g.reshape(-1));
        Tensor grad = storage.indexSelect(0, inIndex);
        if (overlap) {
            // each input element's share of the storage element it aliases
            double[] count = new double[in.length];
            for (int e = 0; e < in.length; e++) {
                count[e] = shared[(int) in[e]];
            }
            grad = grad.div(Tensor.tensor(count).to(g.dtype).to(g.device));
        }
        return grad.reshape(input.shape());
    }

    static Tensor unsqueeze(Tensor t, int dim) {
        int d = Shapes.wrapDim(dim, t.dim() + 1);
        int[] shape = new int[t.dim() + 1];
        int[] strides = new int[t.dim() + 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == d) {
                shape[i] = 1;
                strides[i] = j < t.dim() ? t.layout.stride(j) * t.shape[j] : 1;
            } else {
                shape[i] = t.shape[j];
                strides[i] = t.layout.stride(j);
                j++;
            }
        }
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        return ArithmeticOps.record(out, "UnsqueezeBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.squeeze(d)});
    }

    static Tensor expand(Tensor t, int[] sizes) {
        if (sizes.length < t.dim()) {
            throw new IllegalArgumentException("expand(" + t.typeName() + "{" + Shapes.str(t.shape) + "}, size="
                    + Shapes.str(sizes) + "): the number of sizes provided (" + sizes.length + ") must be greater "
                    + "or equal to the number of dimensions in the tensor (" + t.dim() + ")");
        }
        int lead = sizes.length - t.dim();
        int[] shape = new int[sizes.length];
        int[] strides = new int[sizes.length];
        // from the last dimension, as PyTorch's inferExpandGeometry: an error names the last bad size
        for (int i = sizes.length - 1; i >= 0; i--) {
            int want = sizes[i];
            if (i < lead) {
                if (want == -1) {
                    throw new IllegalArgumentException("The expanded size of the tensor (" + want + ") isn't allowed in a "
                            + "leading, non-existing dimension " + i);
                }
                shape[i] = want;
                // a new dimension of size 1 takes the stride PyTorch's inferExpandGeometry gives it (the next one's
                // size times its stride); of any other size, 0
                long next = i + 1 < sizes.length ? (long) shape[i + 1] * strides[i + 1] : 1;
                strides[i] = want == 1 && next <= Integer.MAX_VALUE ? (int) next : 0;
                continue;
            }
            int have = t.shape[i - lead];
            if (want == -1) {
                want = have;
            }
            if (have == want) {
                shape[i] = have;
                strides[i] = t.layout.stride(i - lead);
            } else if (have == 1) {
                // a negative size here passes PyTorch's loop too (its geometry takes it, pytorch#70398), so a mismatch
                // at an earlier dimension is reported first; Ember refuses the negative size after the loop
                shape[i] = want;
                strides[i] = 0;
            } else {
                throw new IllegalArgumentException("The expanded size of the tensor (" + want + ") must match the existing size ("
                        + have + ") at non-singleton dimension " + i + ".  Target sizes: " + Shapes.str(sizes)
                        + ".  Tensor sizes: " + Shapes.str(t.shape));
            }
        }
        for (int size : shape) {
            if (size < 0) {
                // PyTorch's words for a tensor of a negative size, as it says when such a view is first materialized
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + size + ": "
                        + Shapes.str(shape));
            }
        }
        if (Arrays.equals(shape, t.shape)) {
            return t;
        }
        return expandView(t, shape, strides);
    }

    /**
     * {@code expand} as the public API's: a new view with its ExpandBackward0 node even to the tensor's own shape, as
     * PyTorch's (the internal {@link #expand} hands a tensor of that shape back itself).
     */
    static Tensor expandPublic(Tensor t, int[] sizes) {
        Tensor e = expand(t, sizes);
        return e != t ? e : expandView(t, t.shape.clone(), t.layout.strides());
    }

    private static Tensor expandView(Tensor t, int[] shape, int[] strides) {
        Tensor out = makeView(t, shape, strides, t.layout.offset());
        int[] in = t.shape;
        return ArithmeticOps.record(out, "ExpandBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {ReductionOps.sumTo(g, in)});
    }

    /** {@code narrow}: PyTorch's checks, in its order, in exact arithmetic; then a slice. */
    static Tensor narrow(Tensor t, int dim, int start, int length) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("narrow() cannot be applied to a 0-dim tensor.");
        }
        if (length < 0) {
            throw new IllegalArgumentException("narrow(): length must be non-negative.");
        }
        int d = Shapes.wrapDim(dim, t.dim());
        int size = t.shape[d];
        if (start < -size || start > size) {
            throw new IndexOutOfBoundsException("start out of range (expected to be in range of [" + (-size) + ", " + size
                    + "], but got " + start + ")");
        }
        int s = start < 0 ? start + size : start;
        if ((long) s + length > size) {
            throw new IllegalArgumentException("start (" + s + ") + length (" + length + ") exceeds dimension size ("
                    + size + ").");
        }
        return slice(t, d, s, s + length, 1);
    }

    /**
     * {@code narrow_copy}: the narrowed elements in a new contiguous tensor, with the checks of PyTorch's CPU kernel
     * ({@code narrow_copy_dense_cpu_out}, in its order: a negative start wrapped as a dimension is, a start at the end
     * allowed), and 2.x's node NarrowCopyBackward0, whose gradient is narrow's.
     */
    static Tensor narrowCopy(Tensor t, int dim, int start, int length) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("narrow() cannot be applied to a 0-dim tensor.");
        }
        int d;
        if (dim < 0) {
            d = Shapes.wrapDim(dim, t.dim());
        } else if (dim >= t.dim()) {
            throw new IllegalArgumentException("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got "
                    + "false.  (Could this error message be improved?  If so, please report an enhancement request to "
                    + "PyTorch.)");
        } else {
            d = dim;
        }
        int size = t.shape[d];
        int s = start;
        if (start != size && start < 0) {
            s = Shapes.wrapDim(start, size);
        }
        if (length < 0 || s > size - length) {
            throw new IllegalArgumentException("start (" + s + ") + length (" + length + ") exceeds dimension size (" + size
                    + ").");
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor v = slice(t, d, s, s + length, 1);
            out = v.isContiguous() ? v.clone() : v.contiguous();
        }
        int[] in = t.shape;
        int first = s;
        return ArithmeticOps.record(out, "NarrowCopyBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {sliceScatter(g, in, d, first, first + length, 1)});
    }

    /** Python slicing {@code [start:end:step]} along a dimension: negative ends count from the back, ends clamp. */
    static Tensor slice(Tensor t, int dim, int start, int end, int step) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("slice() cannot be applied to a 0-dim tensor.");
        }
        int d = Shapes.wrapDim(dim, t.dim());
        if (step <= 0) {
            // the words of Python's slicing, which is how PyTorch users meet this
            throw new IllegalArgumentException(step == 0 ? "slice step cannot be zero" : "step must be greater than zero");
        }
        long size = t.shape[d];
        long from = start < 0 ? start + size : start;
        long to = end < 0 ? end + size : end;
        from = Math.max(0, Math.min(from, size));
        to = Math.max(from, Math.min(to, size));
        int first = (int) from;
        int last = (int) to;
        int len = (int) ((to - from + step - 1) / step);
        int[] shape = t.shape.clone();
        int[] strides = t.layout.strides();
        shape[d] = len;
        // PyTorch's offset moves to the clamped start even when the slice is empty (x[3:] of 3 elements: offset 3); an
        // empty slice's offset past an int (a start far into a huge stride) stays where it was: nothing is addressed;
        // a non-empty one past an int is refused (Shapes.viewOffset)
        long moved = t.layout.offset() + (long) first * strides[d];
        int offset = len > 0 || moved == (int) moved ? Shapes.viewOffset(moved) : t.layout.offset();
        // the step multiplies the stride, as PyTorch's; with one element or none, only where the product fits an int
        // (no second element is ever addressed through it)
        long stepped = (long) strides[d] * step;
        strides[d] = len > 1 ? Math.toIntExact(stepped) : stepped == (int) stepped ? (int) stepped : strides[d];
        Tensor out = makeView(t, shape, strides, offset);
        int[] in = t.shape;
        return ArithmeticOps.record(out, "SliceBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {sliceScatter(g, in, d, first, last, step)});
    }

    /** Zeros of {@code shape} with {@code src} written into a slice: the backward of slicing, itself differentiable. */
    static Tensor sliceScatter(Tensor src, int[] shape, int dim, int start, int end, int step) {
        Tensor out = Creation.zeros(shape, src.dtype, src.device);
        Tensor window;
        try (GradMode off = Ember.noGrad()) {
            window = out.slice(dim, start, end, step);
            ComplexOps.kernelCopy(src, ArithmeticOps.expandedLayout(src, window.shape), out, window.layout);
        }
        return ArithmeticOps.record(out, "SliceScatterBackward0", new Tensor[] {src},
                n -> g -> new Tensor[] {g.slice(dim, start, end, step)});
    }

    static Tensor select(Tensor t, int dim, int index) {
        if (t.dim() == 0) {
            throw new IllegalArgumentException("select() cannot be applied to a 0-dim tensor.");
        }
        int d = Shapes.wrapDim(dim, t.dim());
        int size = t.shape[d];
        if (index < -size || index >= size) {
            throw new IndexOutOfBoundsException("select(): index " + index + " out of range for tensor of size "
                    + Shapes.str(t.shape) + " at dimension " + d);
        }
        int i = index < 0 ? index + size : index;
        int[] shape = new int[t.dim() - 1];
        int[] strides = new int[t.dim() - 1];
        for (int k = 0, j = 0; k < t.dim(); k++) {
            if (k != d) {
                shape[j] = t.shape[k];
                strides[j] = t.layout.stride(k);
                j++;
            }
        }
        Tensor out = makeView(t, shape, strides, Shapes.viewOffset(t.layout.offset() + (long) i * t.layout.stride(d)));
        int[] in = t.shape;
        return ArithmeticOps.record(out, "SelectBackward0", new Tensor[] {t},
                n -> g -> new Tensor[] {sliceScatter(g.unsqueeze(d), in, d, i, i + 1, 1)});
    }

    /**
     * PyTorch's {@code clone()} ({@code memory_format=torch.preserve_format}): into {@code empty_like(t)}, which keeps
     * {@code t}'s strides where they are non-overlapping and dense and otherwise infers dense strides in their order
     * ({@link ShapeOps#preservedStrides}).
     */
    static Tensor clone(Tensor t) {
        Tensor out = Creation.emptyStrided(t.shape, ShapeOps.preservedStrides(t.shape, t.layout.strides()), t.dtype,
                t.device);
        return cloneInto(t, out);
    }

    /** {@code clone(memory_format=torch.contiguous_format)}: a row-major copy (what {@code contiguous()} makes). */
    static Tensor cloneContiguous(Tensor t) {
        return cloneInto(t, Creation.empty(t.shape, t.dtype, t.device));
    }

    private static Tensor cloneInto(Tensor t, Tensor out) {
        ComplexOps.copyElements(t, out);
        return ArithmeticOps.record(out, "CloneBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g});
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        if (Autocast.on()) return Autocast.applyList("stack", t -> stack(t, dim), tensors);
        Tensor[] ts = Args.tensors(tensors, "stack", "tensors", 1);
        if (ts.length == 0) {
            throw new IllegalArgumentException("stack expects a non-empty TensorList");
        }
        // PyTorch's stack wraps the dim before it compares the sizes (an out-of-range dim is the IndexError)
        int d = Shapes.wrapDim(dim, ts[0].dim() + 1);
        for (int i = 1; i < ts.length; i++) {
            if (!Arrays.equals(ts[i].shape, ts[0].shape)) {
                throw new IllegalArgumentException("stack expects each tensor to be equal size, but got " + Shapes.str(ts[0].shape)
                        + " at entry 0 and " + Shapes.str(ts[i].shape) + " at entry " + i);
            }
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            if (d < ts[0].dim()) {
                // 2.x's stack (TensorShape.cpp): cat along d, then a view splitting d into (count, size), so the
                // result keeps cat's layout (channels-last inputs: a 5-D result strided (48, 4, 1, 24, 8), not the
                // unsqueezed inputs' cat, which is row-major)
                int[] sizes = new int[ts[0].dim() + 1];
                for (int i = 0, j = 0; i < sizes.length; i++) {
                    sizes[i] = i == d ? ts.length : ts[0].shape[j++];
                }
                // the split is taken below autograd as PyTorch's (its view inside the stack kernel is no
                // differentiable view): a tensor over cat's fresh storage, not a view of it, so that an in-place op on
                // the result is an in-place op on a plain output (DifferentialFuzzR7Test, SavedVersionSweepTest)
                Tensor c = cat(Arrays.asList(ts), d);
                int[] strides = Shapes.viewStrides(c.shape, c.layout.strides(), sizes);
                out = new Tensor(c.lease(), new Layout(sizes, strides, c.layout.offset()), c.device, c.backend,
                        new int[1], c.dtype);
                c.close();
            } else {
                List<Tensor> expanded = new ArrayList<>();
                for (Tensor t : ts) {
                    expanded.add(t.unsqueeze(d));
                }
                out = cat(expanded, d);
            }
        }
        // one node, as PyTorch's stack: each input's gradient is its slice
        int count = ts.length; // the count, not the inputs: the closure keeps no tensor the hooks did not see
        return ArithmeticOps.record(out, "StackBackward0", ts, n -> g -> {
            Tensor[] grads = new Tensor[count];
            for (int k = 0; k < count; k++) {
                if (n.needsInputGrad(k)) {
                    grads[k] = g.select(d, k);
                }
            }
            return grads;
        });
    }

    static Tensor cat(List<Tensor> tensors, int dim) {
        if (Autocast.on()) return Autocast.applyList("cat", t -> cat(t, dim), tensors);
        Tensor[] ts = Args.tensors(tensors, "cat", "tensors", 1);
        if (ts.length == 0) {
            throw new IllegalArgumentException("torch.cat(): expected a non-empty list of Tensors");
        }
        Device device = ArithmeticOps.checkSameDevice(ts);
        // legacy rule: 1-D empty tensors are skipped
        Tensor ref = null;
        for (Tensor t : ts) {
            if (!(t.dim() == 1 && t.shape[0] == 0)) {
                ref = t;
                break;
            }
        }
        if (ref == null) {
            ref = ts[0];
        }
        for (int k = 0; k < ts.length; k++) {
            if (ts[k].dim() == 0) {
                throw new IllegalArgumentException("zero-dimensional tensor (at position " + k + ") cannot be concatenated");
            }
        }
        int d = Shapes.wrapDim(dim, ref.dim());
        DType type = ArithmeticOps.resultType(ts);
        long total = 0;
        for (int k = 0; k < ts.length; k++) {
            Tensor t = ts[k];
            if (t.dim() == 1 && t.shape[0] == 0 && t != ref) {
                continue;
            }
            if (t.dim() != ref.dim()) {
                throw new IllegalArgumentException("Tensors must have same number of dimensions: got " + ref.dim() + " and "
                        + t.dim());
            }
            for (int i = 0; i < ref.dim(); i++) {
                if (i != d && t.shape[i] != ref.shape[i]) {
                    throw new IllegalArgumentException("Sizes of tensors must match except in dimension " + d + ". Expected size "
                            + ref.shape[i] + " but got size " + t.shape[i] + " for tensor number " + k + " in the list.");
                }
            }
            total += t.shape[d];
        }
        int[] shape = ref.shape.clone();
        shape[d] = Shapes.toSize(total, "torch.cat(): dimension " + d + " of the result");
        // PyTorch's cat meta (compute_output_memory_format): the inputs' common suggest_memory_format (every one
        // channels-last gives a channels-last result), row-major where one is row-major or two differ
        MemoryFormat format = null;
        for (Tensor t : ts) {
            MemoryFormat f = MemoryFormatOps.suggest(t);
            format = format == null || format == f ? f : MemoryFormat.CONTIGUOUS_FORMAT;
        }
        Tensor out = format == MemoryFormat.CONTIGUOUS_FORMAT ? Creation.empty(shape, type, device)
                : Creation.emptyStrided(shape, NNOps.channelsLastStrides(shape), type, device);
        int at = 0;
        int[] starts = new int[ts.length];
        int[] lengths = new int[ts.length];
        boolean[] skipped = new boolean[ts.length];
        boolean oneCopy = !device.isMeta() && !type.isComplex() && !type.isFloat8() && !type.isBarebonesUnsigned();
        for (Tensor t : ts) {
            oneCopy &= t.dtype == type && !(t.dim() == 1 && t.shape[0] == 0 && t != ref) && t.backend == out.backend;
        }
        Storage[] srcs = new Storage[ts.length];
        Layout[] srcLayouts = new Layout[ts.length];
        Layout[] windows = new Layout[ts.length];
        for (int k = 0; k < ts.length; k++) {
            Tensor t = ts[k];
            starts[k] = at;
            if (t.dim() == 1 && t.shape[0] == 0 && t != ref) {
                skipped[k] = true;
                continue;
            }
            lengths[k] = t.shape[d];
            Tensor window;
            try (GradMode off = Ember.noGrad()) {
                window = out.narrow(d, at, t.shape[d]);
            }
            if (oneCopy) {
                srcs[k] = t.storage();
                srcLayouts[k] = t.layout;
                windows[k] = window.layout;
            } else {
                ComplexOps.kernelCopy(t, t.layout, out, window.layout);
            }
            at += t.shape[d];
        }
        if (oneCopy) {
            // inputs of the output's type, none skipped: one call, which a backend may run as one pass over the output
            out.backend.copyInto(srcs, srcLayouts, out.storage(), windows);
        }
        int count = ts.length; // the count, not the inputs: the closure keeps no tensor the hooks did not see
        return ArithmeticOps.record(out, "CatBackward0", ts, n -> g -> {
            Tensor[] grads = new Tensor[count];
            for (int k = 0; k < count; k++) {
                if (n.needsInputGrad(k)) {
                    // a skipped legacy empty [0] gets a gradient of its own shape, as PyTorch's cat_tensors_backward
                    grads[k] = skipped[k] ? Creation.zeros(new int[] {0}, g.dtype, g.device) : g.narrow(d, starts[k], lengths[k]);
                }
            }
            return grads;
        });
    }

    static Tensor toType(Tensor t, DType dtype) {
        if (t.dtype == dtype) {
            return t;
        }
        Tensor out = ArithmeticOps.cast(t, dtype);
        if (!dtype.isFloatingPoint() && !dtype.isComplex()) {
            return out;
        }
        return ArithmeticOps.record(out, "ToCopyBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g});
    }

    static Tensor toDevice(Tensor t, Device device) {
        if (t.device.equals(device)) {
            return t;
        }
        if (t.device.isMeta() || device.isMeta()) {
            return MetaOps.toDevice(t, device);
        }
        if (t.dtype.isComplex()) {
            return ComplexOps.toDevice(t, device);
        }
        if (t.dtype.isFloat8() || t.dtype.isBarebonesUnsigned()) {
            // the bits move as the storage type (2.x's copy between devices dispatches fp8 and uint16/32/64); only fp8
            // can require grad, an unsigned tensor records no history
            Tensor moved;
            try (GradMode off = Ember.noGrad()) {
                moved = StorageBits.as(toDevice(StorageBits.of(t), device), t.dtype);
            }
            Device from = t.device;
            return ArithmeticOps.record(moved, "ToCopyBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.to(from)});
        }
        Backend target = Tensor.backendFor(device);
        Object host = t.backend.toArray(t.storage(), t.layout);
        Storage s = target.fromArray(host, t.dtype, device.index()); // the type: a byte[] is int8 or uint8
        Tensor out = new Tensor(s, Layout.contiguous(t.shape), device, target, new int[1]);
        Device from = t.device;
        return ArithmeticOps.record(out, "ToCopyBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.to(from)});
    }
}
