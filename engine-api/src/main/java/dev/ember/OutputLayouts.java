package dev.ember;

import dev.ember.backend.Layout;

import java.util.Arrays;

/**
 * The memory layout of an elementwise op's result, as PyTorch's TensorIterator allocates it, in one place for every
 * elementwise allocation (unary, binary, with a scalar, {@code where}, comparisons, and what is built on them).
 *
 * <p>PyTorch's rule ({@code aten/src/ATen/TensorIterator.cpp}): when every operand has the output's shape
 * ({@code fast_set_up}), all row-major gives row-major, all channels-last (4-D) gives channels-last, and all
 * non-overlapping and dense with the same strides gives those strides. Otherwise ({@code compute_strides},
 * {@code reorder_dimensions}, {@code allocate_or_resize_outputs}) each operand's strides are taken in the broadcast shape
 * (0 where it broadcasts), the dimensions are insertion-sorted from the innermost by the operands' strides (the first
 * operand that orders a pair decides; a pair where an operand broadcasts is left to the next; equal strides put the
 * smaller size inside), and the output gets the dense strides of that order ({@code invert_perm}). A Java number (a
 * 0-dim wrapped scalar) is an operand of shape {@code []}, as PyTorch's wrapped scalar tensor.
 *
 * <p>Kernels get every layout permuted by the same order so that the output is row-major in it ({@link Target}), which
 * keeps the backends' fast paths (coalescing, contiguous rows) for a channels-last or transposed result; an in-place
 * op's kernel sees its operands in the order of the tensor it writes ({@link #into}).
 */
final class OutputLayouts {
    private OutputLayouts() {
    }

    /**
     * The strides TensorIterator gives the result of an elementwise op of these operands (nulls skipped) broadcast to
     * {@code shape}, or null where that is row-major (the common case, found without allocating).
     */
    static int[] strides(int[] shape, Tensor... operands) {
        int k = 0;
        boolean sameShape = true;
        boolean rowMajor = true;
        for (Tensor t : operands) {
            if (t == null) {
                continue;
            }
            k++;
            sameShape &= Arrays.equals(t.shape, shape);
            rowMajor &= t.layout.isContiguous();
        }
        if (k == 0 || shape.length <= 1 || (sameShape && rowMajor)) {
            return null; // the common case, without allocating
        }
        boolean standard = true;
        for (Tensor t : operands) {
            if (standard && t != null && t.shape.length != 0) {
                standard = Arrays.equals(t.layout.strides(), Layout.contiguousStrides(t.shape));
            }
        }
        if (standard && Layout.numel(shape) != 0) {
            // row-major operands (their own row-major strides) never order two dimensions against row-major order
            return null;
        }
        if (sameShape) {
            if (shape.length == 4 && allChannelsLast(operands)) {
                return NNOps.channelsLastStrides(shape);
            }
            int[] common = null;
            boolean equal = true;
            for (Tensor t : operands) {
                if (t == null) {
                    continue;
                }
                int[] s = t.layout.strides();
                if (!ShapeOps.nonOverlappingAndDense(t.shape, s) || (common != null && !Arrays.equals(common, s))) {
                    equal = false;
                    break;
                }
                common = s;
            }
            if (equal) {
                return common;
            }
        }
        return permuted(shape, operands);
    }

    /** c10's {@code is_channels_last_contiguous} (4-D) of every operand. */
    private static boolean allChannelsLast(Tensor... operands) {
        for (Tensor t : operands) {
            if (t == null) {
                continue;
            }
            long expected = 1;
            for (int d : new int[] {1, 3, 2, 0}) {
                int size = t.shape[d];
                if (size != 1) {
                    if (t.layout.stride(d) != expected) {
                        return false;
                    }
                    expected *= size;
                }
            }
        }
        return true;
    }

    /** {@code reorder_dimensions} then {@code compatible_stride} and {@code invert_perm}; null for row-major. */
    private static int[] permuted(int[] shape, Tensor... operands) {
        int n = shape.length;
        int k = 0;
        long[][] strides = new long[operands.length][];
        for (Tensor t : operands) {
            if (t == null) {
                continue;
            }
            long[] s = new long[n];
            int off = n - t.shape.length;
            for (int i = 0; i < t.shape.length; i++) {
                s[off + i] = t.shape[i] == 1 && shape[off + i] != 1 ? 0 : t.layout.stride(i);
            }
            strides[k++] = s;
        }
        // perm[0] is the innermost dimension
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = n - 1 - i;
        }
        for (int i = 1; i < n; i++) {
            int d1 = i;
            for (int d0 = i - 1; d0 >= 0; d0--) {
                int cmp = shouldSwap(strides, k, shape, perm[d0], perm[d1]);
                if (cmp > 0) {
                    int tmp = perm[d0];
                    perm[d0] = perm[d1];
                    perm[d1] = tmp;
                    d1 = d0;
                } else if (cmp < 0) {
                    break;
                }
            }
        }
        boolean inverted = true;
        for (int j = 0; j < n && inverted; j++) {
            inverted = perm[j] == n - 1 - j;
        }
        if (inverted) {
            return null;
        }
        int[] out = new int[n];
        long next = 1;
        for (int j = 0; j < n; j++) {
            out[perm[j]] = (int) Math.min(next, Integer.MAX_VALUE);
            next = Math.min(next * shape[perm[j]], Integer.MAX_VALUE);
        }
        return out;
    }

    /** 1 if {@code dim0} should come after (outside) {@code dim1}, -1 if before, 0 if no operand decides. */
    private static int shouldSwap(long[][] strides, int k, int[] shape, int dim0, int dim1) {
        for (int o = 0; o < k; o++) {
            long s0 = strides[o][dim0];
            long s1 = strides[o][dim1];
            if (s0 == 0 || s1 == 0) {
                continue;
            }
            if (s0 < s1) {
                return -1;
            }
            if (s0 > s1) {
                return 1;
            }
            if (shape[dim0] > shape[dim1]) {
                return 1;
            }
        }
        return 0;
    }

    /**
     * The operand {@code t} of a binary op as TensorIterator lays it out: on the CPU {@code compute_types} replaces an
     * input whose type is not the common type by {@code t.to(common)} ({@code promote_inputs_to_common_dtype}), whose
     * strides are {@code empty_like}'s ({@code t}'s where non-overlapping and dense, else {@code infer_dense_strides}:
     * an expanded or overlapping input becomes a dense one in its stride order), and the output's layout is then read
     * from that copy. {@code cast} is {@code t} in the kernel's compute type; an integer input cast to a floating type
     * was promoted, a floating input only where its type differs from the other operand's (a tensor, not a Java
     * number): the same types computed in a wider one (a float16 pair in float) were not.
     */
    static Tensor promoted(Tensor t, Tensor cast, Tensor other) {
        if (cast == t || cast.dtype == t.dtype || t.shape.length == 0) {
            return t;
        }
        boolean integral = !t.dtype.isFloatingPoint() && !t.dtype.isComplex();
        return integral || (other.dtype != t.dtype && !other.wrappedNumber) ? cast : t;
    }

    /** A new tensor of {@code shape} laid out as TensorIterator lays out the result of these operands. */
    static Tensor empty(int[] shape, DType dtype, Device device, Tensor... operands) {
        return allocate(shape, dtype, device, operands).out;
    }

    /**
     * A new result of {@code shape} laid out as TensorIterator lays out the result of these operands, with the order in
     * which its kernel is to see every layout.
     */
    static Target allocate(int[] shape, DType dtype, Device device, Tensor... operands) {
        int[] strides = strides(shape, operands);
        if (strides == null) {
            Tensor out = Creation.empty(shape, dtype, device);
            return new Target(out, null, out.layout);
        }
        Tensor out = Creation.emptyStrided(shape, strides, dtype, device);
        int[] order = denseOrder(strides);
        return new Target(out, order, permute(out.layout, order));
    }

    /**
     * {@code self} as the target of an in-place kernel: where it is non-overlapping and dense but not row-major (a
     * transposed or channels-last tensor) every layout is seen in its dense order, so that the kernel writes rows.
     */
    static Target into(Tensor self) {
        Layout l = self.layout;
        if (l.rank() <= 1 || l.isContiguous() || !ShapeOps.nonOverlappingAndDense(self.shape, l.strides())) {
            return new Target(self, null, l);
        }
        int[] order = denseOrder(l.strides());
        return new Target(self, order, permute(l, order));
    }

    /**
     * The dimensions from the outermost to the innermost of a non-overlapping and dense layout's {@code strides} (by
     * decreasing stride, ties in their order), or null where that is their own order.
     */
    private static int[] denseOrder(int[] strides) {
        int n = strides.length;
        int[] order = new int[n];
        boolean identity = true;
        for (int i = 0; i < n; i++) {
            int d = i;
            int j = i;
            while (j > 0 && strides[order[j - 1]] < strides[d]) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = d;
            identity &= j == i;
        }
        return identity ? null : order;
    }

    /** {@code l} with its dimensions in {@code order} (itself for a null order). */
    private static Layout permute(Layout l, int[] order) {
        if (order == null) {
            return l;
        }
        int n = order.length;
        int[] shape = new int[n];
        int[] strides = new int[n];
        for (int i = 0; i < n; i++) {
            shape[i] = l.size(order[i]);
            strides[i] = l.stride(order[i]);
        }
        return new Layout(shape, strides, l.offset());
    }

    /**
     * An elementwise kernel's output, {@link #out}, and the order in which the kernel sees every layout: the output's
     * dense order, in which {@link #layout} (the output's own) is row-major, which keeps the backends' fast paths
     * (coalescing, contiguous rows) for a channels-last or transposed result.
     */
    static final class Target {
        /** The tensor the kernel writes. */
        final Tensor out;
        /** {@link #out}'s layout as the kernel sees it. */
        final Layout layout;
        private final int[] order;

        private Target(Tensor out, int[] order, Layout layout) {
            this.out = out;
            this.order = order;
            this.layout = layout;
        }

        /** An operand's layout over the output's shape, as the kernel sees it. */
        Layout of(Layout operand) {
            return permute(operand, order);
        }

        /** {@code t} broadcast to the output's shape, as the kernel sees it. */
        Layout of(Tensor t) {
            return permute(Arrays.equals(t.shape, out.shape) ? t.layout : ArithmeticOps.expandedLayout(t, out.shape), order);
        }

        /** {@code backend.unary} of {@code src} into the output. */
        Tensor unary(dev.ember.backend.UnaryOp op, Tensor src) {
            out.backend.unary(op, src.storage(), of(src), out.storage(), layout);
            return out;
        }

        /** {@code backend.gelu} of {@code src} into the output (see Backend#gelu for the flag). */
        Tensor gelu(boolean oneDnn, Tensor src) {
            out.backend.gelu(oneDnn, src.storage(), of(src), out.storage(), layout);
            return out;
        }

        /** {@code backend.geluBackward} of {@code grad} and {@code self} into the output. */
        Tensor geluBackward(boolean oneDnn, Tensor grad, Tensor self) {
            out.backend.geluBackward(oneDnn, grad.storage(), of(grad), self.storage(), of(self), out.storage(), layout);
            return out;
        }

        /** {@code backend.binary} of {@code a} and {@code b} into the output. */
        Tensor binary(dev.ember.backend.BinaryOp op, Tensor a, Tensor b) {
            out.backend.binary(op, a.storage(), of(a), b.storage(), of(b), out.storage(), layout);
            return out;
        }

        /** {@code backend.binaryScalar} of {@code t} and a number into the output. */
        Tensor binaryScalar(dev.ember.backend.BinaryOp op, Tensor t, Number scalar, boolean scalarFirst) {
            out.backend.binaryScalar(op, t.storage(), of(t), scalar, scalarFirst, out.storage(), layout);
            return out;
        }

        /** {@code s + value * a * b} into the output: a copy of {@code s}, then the backend's addcmul pass. */
        Tensor addcmul(Tensor s, double value, Tensor a, Tensor b) {
            out.backend.copy(s.storage(), of(s), out.storage(), layout);
            out.backend.addcmul(value, a.storage(), of(a), b.storage(), of(b), out.storage(), layout);
            return out;
        }

        /** {@code a + alpha * b} into the output: a copy of {@code a}, then one fused multiply-add pass. */
        Tensor addScaled(Tensor a, double alpha, Tensor b) {
            out.backend.copy(a.storage(), of(a), out.storage(), layout);
            out.backend.axpy(alpha, b.storage(), of(b), out.storage(), layout);
            return out;
        }
    }
}
