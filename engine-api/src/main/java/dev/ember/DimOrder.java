package dev.ember;

import java.util.List;

/**
 * PyTorch 2.2's {@code Tensor.dim_order(ambiguity_check=...)} (the check 2.5's): the order of a tensor's dimensions
 * in memory, outermost first, as {@code torch._prims_common.compute_elementwise_output_logical_to_physical_perm}
 * computes it, and its two ambiguity refusals. Reached through {@link Tensor#dimOrder()}.
 */
final class DimOrder {
    static final String NOT_UNIQUE_OR_FORMAT = "The tensor does not have unique dim order, or cannot map to exact one "
            + "of the given memory formats.";
    static final String NOT_UNIQUE = "The tensor does not have unique dim order.";

    private DimOrder() {
    }

    /**
     * The dim order of {@code t}.
     *
     * @param check whether to refuse an order that is not unique (PyTorch's {@code ambiguity_check=True})
     * @param formats the memory formats of PyTorch's {@code ambiguity_check=[...]} (null for a boolean check)
     */
    static int[] of(Tensor t, boolean check, List<MemoryFormat> formats) {
        int[] shape = t.shape();
        int[] strides = t.stride();
        if (check && multipleOrders(shape, strides)) {
            int fits = 0;
            if (formats != null) {
                for (MemoryFormat f : formats) {
                    if (t.isContiguous(f)) {
                        fits++;
                    }
                }
            }
            if (fits != 1) {
                throw new IllegalStateException(NOT_UNIQUE_OR_FORMAT);
            }
        }
        return logicalToPhysical(shape, strides, check);
    }

    /** Adjacent dims of equal strides (PyTorch compares neighbours only) or a length-1 dim. */
    private static boolean multipleOrders(int[] shape, int[] strides) {
        for (int i = 0; i + 1 < strides.length; i++) {
            if (strides[i] == strides[i + 1]) {
                return true;
            }
        }
        for (int n : shape) {
            if (n == 1) {
                return true;
            }
        }
        return false;
    }

    private static int[] logicalToPhysical(int[] shape, int[] strides, boolean check) {
        int nd = shape.length;
        if (nd == 0) {
            return new int[0];
        }
        if (nd == 1) {
            return new int[] {0};
        }
        boolean contiguous = contiguous(shape, strides);
        boolean channelsLast = channelsLast(shape, strides);
        int[] perm = new int[nd];
        if (contiguous && !channelsLast) {
            for (int i = 0; i < nd; i++) {
                perm[i] = i;
            }
            return perm;
        }
        if (channelsLast && !contiguous) {
            perm[0] = 0;
            for (int i = 2; i < nd; i++) {
                perm[i - 1] = i;
            }
            perm[nd - 1] = 1;
            return perm;
        }
        // insertion sort from the innermost dim, with comparisons that may be undecided
        for (int i = 0; i < nd; i++) {
            perm[i] = nd - 1 - i;
        }
        for (int i = 1; i < nd; i++) {
            int d1 = i;
            for (int d0 = i - 1; d0 >= 0; d0--) {
                int c = shouldSwap(shape, strides, perm[d0], perm[d1]);
                if (c > 0) {
                    int tmp = perm[d0];
                    perm[d0] = perm[d1];
                    perm[d1] = tmp;
                    d1 = d0;
                } else if (c < 0) {
                    break;
                }
            }
        }
        if (check) {
            for (int i = 0; i + 1 < nd; i++) {
                if (shouldSwap(shape, strides, perm[i], perm[i + 1]) != -1) {
                    throw new IllegalStateException(NOT_UNIQUE);
                }
            }
        }
        int[] out = new int[nd];
        for (int i = 0; i < nd; i++) {
            out[i] = perm[nd - 1 - i];
        }
        return out;
    }

    /** -1: a stays inside b; 1: swap; 0: undecided (a zero stride, or equal strides with b at least as long). */
    private static int shouldSwap(int[] shape, int[] strides, int a, int b) {
        long sa = strides[a];
        long sb = strides[b];
        if (sa == 0 || sb == 0) {
            return 0;
        }
        if (sa == sb) {
            return shape[b] >= shape[a] ? 0 : 1;
        }
        return sb > sa ? -1 : 1;
    }

    /** {@code _prims_common.is_contiguous}: length-1 dims skipped; fewer than two elements contiguous. */
    private static boolean contiguous(int[] shape, int[] strides) {
        long numel = 1;
        for (int n : shape) {
            numel *= n;
        }
        if (numel < 2) {
            return true;
        }
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = shape.length - 1 - i;
        }
        return dense(order, shape, strides);
    }

    /** {@code _prims_common}'s channels-last contiguity: dims 1, 3, 2, 0 of a 4-D tensor (1, 4, 3, 2, 0 of a 5-D). */
    private static boolean channelsLast(int[] shape, int[] strides) {
        int[] order = shape.length == 4 ? new int[] {1, 3, 2, 0} : shape.length == 5 ? new int[] {1, 4, 3, 2, 0} : null;
        return order != null && dense(order, shape, strides);
    }

    /** Whether the dims, innermost first in {@code order}, are laid out without gaps (length-1 dims skipped). */
    private static boolean dense(int[] order, int[] shape, int[] strides) {
        long expected = 1;
        for (int i : order) {
            if (shape[i] == 1) {
                continue;
            }
            if (strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }
}
