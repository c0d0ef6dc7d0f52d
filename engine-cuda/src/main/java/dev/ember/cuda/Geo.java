package dev.ember.cuda;

import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.List;

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
        int[] s0 = layouts[0].shape();
        List<int[]> merged = new ArrayList<>();
        for (int d = 0; d < s0.length; d++) {
            if (s0[d] == 1) {
                continue;
            }
            int[] e = new int[1 + k];
            e[0] = s0[d];
            for (int o = 0; o < k; o++) {
                e[1 + o] = layouts[o].stride(d);
            }
            if (!merged.isEmpty()) {
                int[] prev = merged.get(merged.size() - 1);
                boolean ok = true;
                for (int o = 0; o < k; o++) {
                    if ((long) prev[1 + o] != (long) e[1 + o] * e[0]) {
                        ok = false;
                        break;
                    }
                }
                if (ok) {
                    prev[0] *= e[0];
                    for (int o = 0; o < k; o++) {
                        prev[1 + o] = e[1 + o];
                    }
                    continue;
                }
            }
            merged.add(e);
        }
        if (merged.size() > MAXD) {
            throw new IllegalArgumentException("CUDA kernels take at most " + MAXD + " dimensions after merging contiguous "
                    + "ones; this layout has " + merged.size() + ": " + layouts[0]);
        }
        numel = layouts[0].numel();
        int n = merged.size();
        boolean contig = true;
        for (int[] e : merged) {
            for (int o = 0; o < k; o++) {
                if (n > 1 || e[1 + o] != 1) {
                    contig = false;
                }
            }
        }
        data[0] = n;
        data[1] = numel;
        data[2] = contig ? 1 : 0;
        for (int d = 0; d < n; d++) {
            data[3 + d] = merged.get(d)[0];
            for (int o = 0; o < k; o++) {
                data[3 + MAXD + o * MAXD + d] = merged.get(d)[1 + o];
            }
        }
        for (int o = 0; o < k; o++) {
            data[3 + MAXD + MAXOPS * MAXD + o] = layouts[o].offset();
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
