// Layouts as the Java Layout (shape, strides, offset) and the Geo the kernels take, shared by the host emulation tests
// of index_kernels.cu, sort_kernels.cu and gaps_kernels.cu (include after prelude.h, which defines Geo and MAXD).
#pragma once
#include <vector>
#include <climits>
#include <cstring>
#include <cstdio>
#include <cstdlib>

struct L {
    std::vector<int> shape, strides;
    int offset = 0;
    long numel() const { long n = 1; for (int s : shape) n *= s; return n; }
    int rank() const { return (int) shape.size(); }
};
static L contiguous(std::vector<int> shape, int offset = 0) {
    L l; l.shape = shape; l.strides.resize(shape.size()); l.offset = offset;
    int s = 1;
    for (int d = (int) shape.size() - 1; d >= 0; d--) { l.strides[d] = s; s *= shape[d]; }
    return l;
}
// shape over a larger storage, dimensions permuted in memory (order: outermost first), padded, with an offset
static L strided(std::vector<int> shape, std::vector<int> order, int pad, int offset) {
    L l; l.shape = shape; l.strides.resize(shape.size()); l.offset = offset;
    int s = 1;
    for (int i = (int) order.size() - 1; i >= 0; i--) { int d = order[i]; l.strides[d] = s; s *= shape[d] + pad; }
    return l;
}
static Geo makeGeo(std::vector<L> ls) {
    int k = ls.size();
    auto& s0 = ls[0].shape;
    std::vector<int> shape(std::max<size_t>(1, s0.size()));
    std::vector<std::vector<int>> st(k, std::vector<int>(shape.size()));
    int n = 0;
    for (size_t d = 0; d < s0.size(); d++) {
        if (s0[d] == 1) continue;
        bool merge = n > 0 && (long) shape[n - 1] * s0[d] <= INT_MAX;
        for (int o = 0; o < k && merge; o++) merge = (long) st[o][n - 1] == (long) ls[o].strides[d] * s0[d];
        if (merge) { shape[n - 1] *= s0[d]; for (int o = 0; o < k; o++) st[o][n - 1] = ls[o].strides[d]; }
        else { shape[n] = s0[d]; for (int o = 0; o < k; o++) st[o][n] = ls[o].strides[d]; n++; }
    }
    if (n == 0) { shape[0] = s0.size() == 0 || ls[0].numel() != 0 ? 1 : 0; for (int o = 0; o < k; o++) st[o][0] = 1; n = 1; }
    if (n > MAXD) { printf("too many dims\n"); exit(1); }
    Geo g; memset(&g, 0, sizeof g);
    g.ndim = n; g.numel = (int) ls[0].numel();
    bool contig = n == 1;
    for (int o = 0; o < k; o++) contig &= st[o][0] == 1;
    g.contig = contig;
    for (int d = 0; d < n; d++) { g.shape[d] = shape[d]; for (int o = 0; o < k; o++) g.stride[o][d] = st[o][d]; }
    for (int o = 0; o < k; o++) g.offset[o] = ls[o].offset;
    return g;
}
// storage index of row-major position p of layout l
static long at(const L& l, long p) {
    long off = l.offset;
    for (int d = l.rank() - 1; d >= 0; d--) { int i = p % l.shape[d]; p /= l.shape[d]; off += (long) i * l.strides[d]; }
    return off;
}
