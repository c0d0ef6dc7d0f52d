// index_kernels.cu on the host, against the CPU backend's algorithms (IndexKernels.java) written out below: every kernel,
// every dtype, strided and broadcast layouts, repeated and out-of-range indices. Built and run by
// IndexKernelsEmulationTest with g++ -std=c++20 (cuda_shim.h emulates the CUDA features the kernels use; prelude.h is
// the head of ember_kernels.cu: Geo, locate, GRID_STRIDE and the type tags). The launches mirror CudaIndexKernels.java.
#include "cuda_shim.h"
#include "prelude.h"
#include "index_kernels.cu"
#include <cstdio>
#include <random>
#include <climits>
#include <type_traits>

static std::mt19937_64 rng(42);
static int fails = 0, checks = 0;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 30) { printf("FAIL %s:%d ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

#include "emu_layouts.h"
static long extent(const L& l) { long m = l.offset; for (int i = 0; i < l.rank(); i++) { if (l.shape[i] == 0) return 0; m += (long) (l.shape[i] - 1) * l.strides[i]; } return m + 1; }
static L pinned(L base, std::vector<int> shape, int dim) { L l = base; l.shape = shape; l.strides[dim] = 0; return l; }
static std::vector<int> coords(const std::vector<int>& shape, long p) {
    std::vector<int> c(shape.size());
    for (int d = (int) shape.size() - 1; d >= 0; d--) { c[d] = p % shape[d]; p /= shape[d]; }
    return c;
}
static long atc(const L& l, const std::vector<int>& c) { long off = l.offset; for (int d = 0; d < l.rank(); d++) off += (long) c[d] * l.strides[d]; return off; }

template <typename K> typename K::T randv(bool smallInts) {
    typedef typename K::T T;
    if constexpr (K::boolean) return (T) (rng() % 2);
    else if constexpr (K::fp) {
        if (smallInts) return (T) ((int) (rng() % 7) - 3);
        return (T) ((double) (rng() % 2000000) / 250000.0 - 4.0);
    } else {
        if (std::is_same<T, unsigned char>::value) return (T) (rng() % 256);
        return (T) ((long long) (rng() % 19) - 9);
    }
}
template <typename T> bool sameBits(T a, T b) {
    if constexpr (std::is_floating_point<T>::value) { if (a != a && b != b) return true; return memcmp(&a, &b, sizeof(T)) == 0; }
    else return a == b;
}

// ------------------------------------------------------------------ gather
template <typename K> void testGather(const char* name) {
    typedef typename K::T T;
    typedef typename IdxWord<sizeof(T)>::W W;
    int dim = 1;
    L src = strided({5, 11, 6}, {2, 0, 1}, 1, 3);
    std::vector<int> shape = {4, 9, 6};
    L dst = contiguous(shape, 2);
    L idx = strided(shape, {1, 2, 0}, 0, 1);
    std::vector<T> s(extent(src)), d(extent(dst));
    std::vector<i64> ix(extent(idx));
    for (auto& v : s) v = randv<K>(false);
    for (long p = 0; p < idx.numel(); p++) ix[at(idx, p)] = rng() % 11;
    ix[at(idx, 5)] = 11; // out of range: the kernel writes 0
    Geo g = makeGeo({dst, idx, pinned(src, shape, dim)});
    emuLaunch(2, 64, [&] { gatherK<W>(g, (const W*) s.data(), ix.data(), (W*) d.data(), src.strides[dim], src.shape[dim]); });
    for (long p = 0; p < dst.numel(); p++) {
        auto c = coords(shape, p);
        i64 v = ix[atc(idx, c)];
        T e = (T) 0;
        if (v >= 0 && v < 11) { c[dim] = v; e = s[atc(src, c)]; }
        CHECK(sameBits(e, d[at(dst, p)]), "gather %s at %ld", name, p);
    }
}

// ------------------------------------------------------------------ scatter: the CPU's algorithm
template <typename K> typename K::T cpuIdentity(int reduce) {
    typedef typename K::T T;
    if (reduce == SR_PROD) return (T) 1;
    if (reduce == SR_AMAX) { if constexpr (K::boolean) return 0; else if constexpr (K::fp) return (T) -INFINITY; else return std::numeric_limits<T>::lowest(); }
    if (reduce == SR_AMIN) { if constexpr (K::boolean) return 1; else if constexpr (K::fp) return (T) INFINITY; else return std::numeric_limits<T>::max(); }
    return (T) 0;
}
template <typename K> void cpuScatter(int reduce, bool self, std::vector<typename K::T>& d, const L& dst, int dim,
                                      const std::vector<i64>& ix, const L& idx, const std::vector<typename K::T>& s, const L& src) {
    typedef typename K::T T;
    std::vector<int> counts(dst.numel(), self ? 1 : 0);
    L dense = contiguous(dst.shape);
    if (reduce != SR_NONE && !self) {
        for (long p = 0; p < idx.numel(); p++) { auto c = coords(idx.shape, p); c[dim] = ix[atc(idx, c)]; d[atc(dst, c)] = cpuIdentity<K>(reduce); }
    }
    for (long p = 0; p < idx.numel(); p++) {
        auto c = coords(idx.shape, p);
        T v = s[atc(src, c)];
        c[dim] = ix[atc(idx, c)];
        T& x = d[atc(dst, c)];
        if constexpr (K::boolean) {
            if (reduce == SR_NONE) x = v; else if (reduce == SR_SUM || reduce == SR_AMAX) x = x | v; else x = x & v;
        } else if constexpr (K::fp) {
            switch (reduce) {
                case SR_NONE: x = v; break;
                case SR_SUM: x += v; break;
                case SR_PROD: x *= v; break;
                case SR_MEAN: x += v; counts[atc(dense, c)]++; break;
                case SR_AMAX: x = v != v ? v : (x < v ? v : x); break;
                default: x = v != v ? v : (v < x ? v : x);
            }
        } else {
            long long a = (long long) x, b = (long long) v;
            switch (reduce) {
                case SR_NONE: x = v; break;
                case SR_SUM: x = (T) (unsigned long long) (a + b); break;
                case SR_PROD: x = (T) ((unsigned long long) a * (unsigned long long) b); break;
                case SR_MEAN: x = (T) (unsigned long long) (a + b); counts[atc(dense, c)]++; break;
                case SR_AMAX: x = std::max(x, v); break;
                default: x = std::min(x, v);
            }
        }
    }
    if (reduce == SR_MEAN) {
        for (long p = 0; p < dst.numel(); p++) {
            int cnt = counts[p];
            if (cnt <= 1) continue;
            T& x = d[at(dst, p)];
            if constexpr (K::fp) x = x / (T) cnt;
            else { long long a = (long long) x; long long q = a / cnt; if (a % cnt != 0 && a < 0) q--; x = (T) q; }
        }
    }
}

// the Java side's launches (CudaIndexKernels.scatter), emulated
template <typename K> void gpuScatter(int reduce, bool self, bool lines, std::vector<typename K::T>& d, const L& dst,
                                      int dim, std::vector<i64>& ix, const L& idx, const std::vector<typename K::T>& s, const L& src) {
    typedef typename K::T T;
    typedef typename IdxWord<sizeof(T)>::W W;
    std::vector<int> shape = idx.shape;
    L dense = contiguous(dst.shape);
    L to = pinned(dst, shape, dim), slots = pinned(dense, shape, dim);
    Geo g = makeGeo({idx, src, to, slots});
    int ds = dst.strides[dim], dds = dense.strides[dim], bound = dst.shape[dim];
    if (reduce == SR_NONE) {
        std::vector<int> win(dense.numel(), 12345);
        emuLaunch(2, 64, [&] { scatter_claim_reset(g, ix.data(), win.data(), dds, bound); });
        emuLaunch(3, 32, [&] { scatter_claim(g, ix.data(), win.data(), dds, bound); });
        emuLaunch(2, 64, [&] { scatterAssignK<W>(g, ix.data(), (const W*) s.data(), (W*) d.data(), ds, bound, win.data(), dds); });
        return;
    }
    std::vector<int> counts(dense.numel(), 0);
    int* cp = reduce == SR_MEAN ? counts.data() : nullptr;
    if (lines) {
        std::vector<int> ls = shape; ls[dim] = 1;
        L li = idx, lsrc = src, lto = to, lsl = slots;
        li.shape = lsrc.shape = lto.shape = lsl.shape = ls;
        Geo lg = makeGeo({li, lsrc, lto, lsl});
        emuLaunch(2, 32, [&] { scatterLineK<K>(lg, reduce, self ? 1 : 0, ix.data(), s.data(), d.data(), ds, bound, cp, dds, shape[dim], idx.strides[dim], src.strides[dim]); });
    } else {
        if (!self) emuLaunch(2, 64, [&] { scatterInitK<K>(g, reduce, ix.data(), d.data(), ds, bound); });
        emuLaunch(3, 64, [&] { scatterReduceK<K>(g, reduce, ix.data(), s.data(), d.data(), ds, bound, cp, dds); });
    }
    if (reduce == SR_MEAN) {
        Geo dg = makeGeo({dst, dense});
        emuLaunch(2, 64, [&] { scatterMeanK<K>(dg, d.data(), counts.data(), self ? 1 : 0); });
    }
}

template <typename K> void testScatter(const char* name, bool lines) {
    typedef typename K::T T;
    const char* reds[] = {"none", "sum", "prod", "mean", "amax", "amin"};
    for (int reduce = 0; reduce <= 5; reduce++) {
        if (K::boolean && reduce == SR_MEAN) continue;
        for (int self = 0; self <= 1; self++) {
            for (int dim = 0; dim < 3; dim++) {
                std::vector<int> dshape = {6, 7, 5};
                L dst = strided(dshape, {1, 2, 0}, 1, 2);
                std::vector<int> shape = {4, 5, 3};
                shape[dim] = 13; // more values than the dimension holds: repeats
                L idx = strided(shape, {2, 1, 0}, 0, 1);
                L src = strided(shape, {0, 2, 1}, 2, 0);
                std::vector<T> d0(extent(dst)), s(extent(src));
                std::vector<i64> ix(extent(idx));
                // exact sums in any order: small integers for the atomic float paths; any floats on the line path
                bool small = !lines;
                for (auto& v : d0) v = randv<K>(small);
                for (auto& v : s) v = randv<K>(small);
                if constexpr (K::fp) { if (reduce >= SR_AMAX) { s[at(src, 3)] = NAN; d0[at(dst, 7)] = NAN; } }
                for (long p = 0; p < idx.numel(); p++) ix[at(idx, p)] = rng() % dshape[dim];
                std::vector<T> e = d0, a = d0;
                cpuScatter<K>(reduce, self, e, dst, dim, ix, idx, s, src);
                gpuScatter<K>(reduce, self, lines, a, dst, dim, ix, idx, s, src);
                for (size_t i = 0; i < e.size(); i++) {
                    bool ok = sameBits(e[i], a[i]);
                    if constexpr (K::fp) if (!ok && e[i] == 0 && a[i] == 0 && reduce >= SR_AMAX) ok = true; // sign of zero
                    CHECK(ok, "scatter %s %s self=%d dim=%d lines=%d at %zu: %g vs %g", name, reds[reduce], self, dim, lines, i, (double) e[i], (double) a[i]);
                }
            }
        }
    }
}

// ------------------------------------------------------------------ nonzero
template <typename T> void testNonzero(const char* name, std::vector<int> shape, std::vector<int> order, double density) {
    L l = strided(shape, order, 1, 5);
    std::vector<T> s(extent(l));
    for (auto& v : s) v = (double) (rng() % 1000000) / 1e6 < density ? (T) (1 + rng() % 5) : (T) 0;
    if constexpr (std::is_floating_point<T>::value) { s[at(l, 0)] = -0.0; if (l.numel() > 3) s[at(l, 3)] = NAN; }
    std::vector<std::vector<int>> expect;
    for (long p = 0; p < l.numel(); p++) if (s[at(l, p)] != (T) 0) expect.push_back(coords(shape, p));
    Geo g = makeGeo({l});
    unsigned long long count = 0;
    emuLaunch(3, 64, [&] { nonzeroCountK<T>(g, s.data(), &count); });
    CHECK(count == expect.size(), "nonzero count %s: %llu vs %zu", name, count, expect.size());
    int rank = shape.size();
    NzShape nz; nz.rank = rank; for (int d = 0; d < rank; d++) nz.shape[d] = shape[d];
    int tiles = (g.numel + NZ_TILE - 1) / NZ_TILE;
    std::vector<int> counts(tiles, -7);
    std::vector<i64> starts(tiles, -7);
    // dst [n, rank] as a transposed view (rowStride 1, colStride n) at offset 3
    long n = expect.size();
    std::vector<i64> dst(3 + n * rank + 2, -99);
    emuLaunch(tiles, 256, [&] { nonzeroTilesK<T>(g, s.data(), counts.data()); });
    emuLaunch(1, 1024, [&] { nonzero_scan(counts.data(), tiles, starts.data()); });
    emuLaunch(tiles, 256, [&] { nonzeroWriteK<T>(g, nz, s.data(), starts.data(), dst.data(), 3, 1, (int) n); });
    for (long r = 0; r < n; r++)
        for (int d = 0; d < rank; d++) CHECK(dst[3 + r + (long) d * n] == expect[r][d], "nonzero %s row %ld col %d", name, r, d);
    CHECK(dst[0] == -99 && dst[2] == -99 && dst[3 + n * rank] == -99, "nonzero %s writes outside", name);
}

// ------------------------------------------------------------------ linear index
void testLinearIndex(int k, bool bad) {
    std::vector<int> shape = {3, 4, 5};
    std::vector<long> sizes = {3, 7, 2, 5, 4};
    std::vector<L> ls;
    std::vector<std::vector<i64>> vals;
    for (int j = 0; j < k; j++) {
        // tensor j broadcast: stride 0 in dimension j % 3
        L l = contiguous(shape);
        l.strides[j % 3] = 0;
        l = L{shape, l.strides, 0};
        // recompute compact strides for the non-broadcast dims
        int s = 1;
        for (int d = 2; d >= 0; d--) { if (d == j % 3) { l.strides[d] = 0; continue; } l.strides[d] = s; s *= shape[d]; }
        std::vector<i64> v(extent(l));
        for (auto& x : v) x = (i64) (rng() % (2 * sizes[j])) - sizes[j];
        ls.push_back(l);
        vals.push_back(v);
    }
    long firstBad = -1; i64 badValue = 0; int badJ = -1;
    if (bad) {
        // two offenders: the later one in row-major order first in memory
        vals[k - 1][at(ls[k - 1], 37)] = sizes[k - 1] + 2;
        vals[0][at(ls[0], 41)] = -sizes[0] - 1;
    }
    L dst = contiguous(shape);
    std::vector<i64> expect(dst.numel());
    for (long e = 0; e < dst.numel() && firstBad < 0; e++) {
        i64 acc = 0;
        for (int j = 0; j < k; j++) {
            i64 v = vals[j][at(ls[j], e)];
            if (v < -sizes[j] || v >= sizes[j]) { firstBad = e; badValue = v; badJ = j; break; }
            acc = acc * sizes[j] + (v < 0 ? v + sizes[j] : v);
        }
        expect[e] = acc;
    }
    std::vector<i64> out(dst.numel(), -5);
    unsigned long long badKey[2] = {~0ULL, 0};
    i64 err[2] = {0, 0};
    int chunks = (k + 2) / 3;
    std::vector<Geo> geos;
    for (int c = 0; c < chunks; c++) {
        int count = std::min(3, k - 3 * c);
        std::vector<L> gl = {dst};
        for (int j = 0; j < count; j++) gl.push_back(ls[3 * c + j]);
        geos.push_back(makeGeo(gl));
    }
    auto ptr = [&](int c, int j) { int count = std::min(3, k - 3 * c); return vals[3 * c + (j < count ? j : 0)].data(); };
    auto sz = [&](int c, int j) { int count = std::min(3, k - 3 * c); return j < count ? (i64) sizes[3 * c + j] : (i64) 1; };
    for (int c = 0; c < chunks; c++) {
        int count = std::min(3, k - 3 * c);
        emuLaunch(2, 32, [&] { linear_index(geos[c], count, 3 * c, k, ptr(c, 0), ptr(c, 1), ptr(c, 2), sz(c, 0), sz(c, 1), sz(c, 2), c > 0, out.data(), badKey); });
    }
    for (int c = 0; c < chunks; c++) {
        int count = std::min(3, k - 3 * c);
        if (k == 1) emuLaunch(1, 32, [&] { linear_index_report(geos[c], count, 3 * c, k, ptr(c, 0), ptr(c, 1), ptr(c, 2), badKey, err, 1); });
        else emuLaunch(1, 32, [&] { linear_index_report(geos[c], count, 3 * c, k, ptr(c, 0), ptr(c, 1), ptr(c, 2), badKey, (i64*) badKey, 0); });
    }
    if (!bad) {
        CHECK(badKey[0] == ~0ULL && err[0] == 0, "linear index k=%d: no error expected", k);
        for (long e = 0; e < dst.numel(); e++) CHECK(out[e] == expect[e], "linear index k=%d at %ld: %lld vs %lld", k, e, (long long) expect[e], (long long) out[e]);
    } else {
        CHECK(badKey[0] == (unsigned long long) firstBad * k + badJ, "linear index k=%d key %llu vs %ld*%d+%d", k, badKey[0], firstBad, k, badJ);
        i64 reported = k == 1 ? err[1] : (i64) badKey[1];
        CHECK(reported == badValue, "linear index k=%d value %lld vs %lld", k, (long long) reported, (long long) badValue);
        if (k == 1) CHECK(err[0] == 1, "flag");
        CHECK(out[firstBad] == -1, "offender's element is -1");
    }
}

int main() {
    testGather<TagF32>("f32"); testGather<TagF64>("f64"); testGather<TagI64>("i64"); testGather<TagB>("bool");
    testGather<TagI32>("i32"); testGather<TagI16>("i16"); testGather<TagI8>("i8"); testGather<TagU8>("ui8");
    testScatter<TagF32>("f32", false); testScatter<TagF64>("f64", false); testScatter<TagI64>("i64", false);
    testScatter<TagB>("bool", false); testScatter<TagI32>("i32", false); testScatter<TagI16>("i16", false);
    testScatter<TagI8>("i8", false); testScatter<TagU8>("ui8", false);
    testScatter<TagF32>("f32", true); testScatter<TagF64>("f64", true);
    testNonzero<float>("f32", {3, 4099}, {1, 0}, 0.5);
    testNonzero<double>("f64 sparse", {5, 3001}, {0, 1}, 0.01);
    testNonzero<unsigned char>("u8 rank 5", {2, 3, 1, 5, 7}, {4, 3, 2, 1, 0}, 0.5);
    testNonzero<i64>("i64 exact tile", {4096 * 2}, {0}, 0.7);
    testNonzero<short>("i16 one", {1}, {0}, 1.0);
    for (int k = 1; k <= 5; k++) { testLinearIndex(k, false); testLinearIndex(k, true); }
    printf("%d checks, %d failures\n", checks, fails);
    return fails != 0;
}
