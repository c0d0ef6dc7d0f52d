package dev.ember.cuda;

import dev.ember.backend.Layout;

/**
 * The kernels' {@code struct Geo}: an iteration shape and, per operand, strides and offset, with
 * dimensions merged where every operand is contiguous across them (as the CPU's StridedLoop does).
 */
final class Geo {
    static final int MAXD = 8;
    static final int MAXOPS = 4;
    /** ints in the struct: ndim, numel, contig, shape[8], stride[4][8], offset[4]. */
    static final int INTS = 3 + MAXD + MAXOPS * MAXD + MAXOPS;

    final int[] data = new int[INTS];
    final int numel;

    Geo(Layout... layouts) {
        int k = layouts.length;
        Layout[] merged = Layout.coalesce(layouts);
        int n = merged[0].rank();
        if (n > MAXD) {
            throw new IllegalArgumentException("CUDA kernels take at most " + MAXD + " dimensions after merging contiguous "
                    + "ones; this layout has " + n + ": " + layouts[0]);
        }
        numel = layouts[0].numelInt();
        boolean contig = n == 1;
        for (int o = 0; o < k; o++) {
            contig &= merged[o].stride(0) == 1;
        }
        data[0] = n;
        data[1] = numel;
        data[2] = contig ? 1 : 0;
        for (int d = 0; d < n; d++) {
            data[3 + d] = merged[0].size(d);
            for (int o = 0; o < k; o++) {
                data[3 + MAXD + o * MAXD + d] = merged[o].stride(d);
            }
        }
        for (int o = 0; o < k; o++) {
            data[3 + MAXD + MAXOPS * MAXD + o] = merged[o].offset();
        }
    }

    @Override
    public String toString() {
        int n = data[0];
        StringBuilder sb = new StringBuilder("[");
        for (int d = 0; d < n; d++) {
            sb.append(d > 0 ? ", " : "").append(data[3 + d]);
        }
        return sb.append(']').toString();
    }
}
