// sort_kernels.cu on the host, against the CPU backend's algorithms (SortKernels.java) written out below: every kernel,
// every dtype, strided layouts with offsets, every dimension, NaN, -0.0 and 0.0, infinities, duplicates, lines on both
// sides of the shared-memory limit (SORT_CAP) and radix tiles. Built and run by SortKernelsEmulationTest with
// g++ -std=c++20 (index_emulation/cuda_shim.h and sort_shim.h emulate the CUDA features the kernels use; prelude.h is the
// head of ember_kernels.cu: Geo, locate, GRID_STRIDE and the type tags). The launches mirror CudaSortKernels.java, with
// grids capped at a few blocks (the kernels' grid-stride loops then run several rounds).
#include "cuda_shim.h"
#include "sort_shim.h"
#include "prelude.h"
#include "index_kernels.cu"
#include "sort_kernels.cu"
#include <cstdio>
#include <random>
#include <climits>
#include <type_traits>
#include <numeric>

static std::mt19937_64 rng(7);
static int fails = 0, checks = 0;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 40) { printf("FAIL %s:%d ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

// ------------------------------------------------------------------ layouts (as the Java Layout) and Geo
#include "emu_layouts.h"
static long extent(const L& l) { long m = l.offset; for (int i = 0; i < l.rank(); i++) { if (l.shape[i] == 0) return l.offset + 1; m += (long) (l.shape[i] - 1) * l.strides[i]; } return m + 1; }
// CudaSortKernels' layout helpers
static L outer(L l, int dim) { l.shape[dim] = 1; return l; }
static L dimLast(const L& l, int dim) {
    L r; r.offset = l.offset;
    for (int i = 0; i < l.rank(); i++) if (i != dim) { r.shape.push_back(l.shape[i]); r.strides.push_back(l.strides[i]); }
    r.shape.push_back(l.shape[dim]); r.strides.push_back(l.strides[dim]);
    return r;
}
static L pinned(L base, std::vector<int> shape, int dim) { base.shape = shape; base.strides[dim] = 0; return base; }
static int pow2(int n) { int p = 1; while (p < n) p <<= 1; return p; }
// storage index of element j along dim of line `line` (lines in row-major order of the other dims)
static long lineAt(const L& l, int dim, long line, int j) {
    L o = outer(l, dim);
    return at(o, line) + (long) j * l.strides[dim];
}

// ------------------------------------------------------------------ values
template <typename K> typename K::T randv(int mode) {
    typedef typename K::T T;
    if constexpr (K::boolean) return (T) (rng() % 2);
    else if constexpr (K::fp) {
        int r = rng() % 40;
        if (mode == 1) return (T) ((int) (rng() % 5) - 2); // many duplicates, with -0.0 below
        if (r == 0) return (T) NAN;
        if (r == 1) return (T) -NAN;
        if (r == 2) return (T) INFINITY;
        if (r == 3) return (T) -INFINITY;
        if (r == 4) return (T) -0.0;
        if (r == 5) return (T) 0.0;
        return (T) ((double) (rng() % 2000000) / 250000.0 - 4.0);
    } else {
        if (mode == 1) return (T) ((long long) (rng() % 7) - 3);
        return (T) rng(); // the whole range: the type's lowest and highest included sometimes
    }
}
template <typename T> bool sameBits(T a, T b) {
    if constexpr (std::is_floating_point<T>::value) { if (a != a && b != b) return true; return memcmp(&a, &b, sizeof(T)) == 0; }
    else return a == b;
}
template <typename K> std::vector<typename K::T> fill(const L& l, int mode) {
    std::vector<typename K::T> v(extent(l));
    for (auto& x : v) x = randv<K>(mode);
    if constexpr (K::fp) if (mode == 1) for (size_t i = 0; i < v.size(); i += 3) if (v[i] == 0) v[i] = (typename K::T) -0.0;
    return v;
}

// ------------------------------------------------------------------ the CPU's algorithms (SortKernels.java)
template <typename K> long long cpuKey(typename K::T v) {
    if constexpr (K::fp) {
        if constexpr (K::f32) {
            float x = v == 0 ? 0.0f : v;
            int b; if (x != x) b = 0x7fc00000; else memcpy(&b, &x, 4);
            return (long long) (b ^ ((b >> 31) & 0x7fffffff));
        } else {
            double x = v == 0 ? 0.0 : v;
            long long b; if (x != x) b = 0x7ff8000000000000LL; else memcpy(&b, &x, 8);
            return b ^ ((b >> 63) & LLONG_MAX);
        }
    } else return (long long) v;
}
// the stable order of one line (positions), keys complemented when descending
template <typename K> std::vector<int> cpuOrder(const std::vector<typename K::T>& s, const L& l, int dim, long line, bool desc) {
    int n = l.shape[dim];
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::vector<long long> key(n);
    for (int j = 0; j < n; j++) { long long k = cpuKey<K>(s[lineAt(l, dim, line, j)]); key[j] = desc ? ~k : k; }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key[a] < key[b]; });
    return order;
}
static bool isNaND(double x) { return x != x; }

// ------------------------------------------------------------------ launches, as CudaSortKernels
template <typename K> struct KeyOf { typedef typename std::conditional<sortKeyBits<K>() == 64, u64, unsigned>::type T; };

template <typename K> void sortLines(const std::vector<typename K::T>& src, const L& sl, int dim, bool desc, bool wantKeys,
                                     std::vector<typename KeyOf<K>::T>& keys, std::vector<int>& idx) {
    typedef typename KeyOf<K>::T KeyT;
    int n = sl.shape[dim];
    long total = sl.numel();
    int lines = (int) (total / n);
    idx.assign(total, -1);
    keys.assign(total, 0);
    if (n <= SORT_CAP) {
        Geo g = makeGeo({outer(sl, dim)});
        int P = pow2(n), lpb = SORT_CAP / P;
        int blocks = std::min(3, (lines + lpb - 1) / lpb);
        emuLaunch(blocks, SORT_THREADS, [&] { sortSmallK<K, KeyT>(g, src.data(), sl.strides[dim], n, P, desc, lines,
                                                                  wantKeys ? keys.data() : nullptr, idx.data()); });
        return;
    }
    Geo g = makeGeo({dimLast(sl, dim)});
    std::vector<KeyT> kb(total);
    std::vector<int> ib(total);
    emuLaunch(2, 64, [&] { sortKeysK<K, KeyT>(g, src.data(), n, desc, keys.data(), idx.data()); });
    int tpl = (n + RADIX_TILE - 1) / RADIX_TILE;
    int tiles = lines * tpl;
    long m = (long) tiles * 256;
    int chunks = (int) ((m + SCAN_CHUNK - 1) / SCAN_CHUNK);
    std::vector<int> counts(m), sums(chunks);
    KeyT* kin = keys.data(); int* iin = idx.data(); KeyT* kout = kb.data(); int* iout = ib.data();
    for (int shift = 0; shift < sortKeyBits<K>(); shift += 8) {
        emuLaunch(std::min(3, tiles), 256, [&] { radixCountK(kin, n, tpl, tiles, shift, counts.data()); });
        emuLaunch(std::min(2, chunks), 256, [&] { radix_scan_reduce(counts.data(), m, chunks, sums.data()); });
        emuLaunch(1, 256, [&] { radix_scan_top(sums.data(), chunks); });
        emuLaunch(std::min(2, chunks), 256, [&] { radix_scan_down(counts.data(), m, chunks, sums.data()); });
        emuLaunch(std::min(3, tiles), 256, [&] { radixScatterK(kin, iin, kout, iout, n, tpl, tiles, shift, counts.data()); });
        std::swap(kin, kout); std::swap(iin, iout);
    }
    if (kin != keys.data()) { keys = kb; idx = ib; }
}

// ------------------------------------------------------------------ sort
// dirs: 1 ascending, 2 descending, 3 both
template <typename K> void testSort(const char* name, std::vector<int> shape, std::vector<int> order, int dim, int mode,
                                    int dirs = 3) {
    typedef typename K::T T;
    typedef typename IdxWord<sizeof(T)>::W W;
    L sl = strided(shape, order, 1, 3);
    std::vector<T> src = fill<K>(sl, mode);
    for (int desc = 0; desc < 2; desc++) {
        if (!(dirs & (1 << desc))) continue;
        L il = strided(shape, order, 0, 2); // indices and values: other permuted layouts
        L vl = contiguous(shape, 1);
        std::vector<i64> ind(extent(il), -7);
        std::vector<T> val(extent(vl));
        std::vector<typename KeyOf<K>::T> keys;
        std::vector<int> idx;
        sortLines<K>(src, sl, dim, desc, false, keys, idx);
        Geo wg = makeGeo({dimLast(il, dim)});
        emuLaunch(2, 64, [&] { sort_write_indices(wg, idx.data(), ind.data()); });
        Geo vg = makeGeo({vl, il, pinned(sl, shape, dim)});
        emuLaunch(2, 64, [&] { gatherK<W>(vg, (const W*) src.data(), ind.data(), (W*) val.data(), sl.strides[dim], sl.shape[dim]); });
        int n = shape[dim];
        long lines = sl.numel() / n;
        int bad = 0;
        for (long line = 0; line < lines; line++) {
            std::vector<int> o = cpuOrder<K>(src, sl, dim, line, desc);
            for (int j = 0; j < n; j++) {
                i64 got = ind[lineAt(il, dim, line, j)];
                T v = val[lineAt(vl, dim, line, j)];
                if (got != o[j] || !sameBits(v, src[lineAt(sl, dim, line, o[j])])) bad++;
            }
        }
        CHECK(bad == 0, "sort %s %s shape %d.. dim %d: %d elements differ", name, desc ? "descending" : "ascending", shape[0], dim, bad);
    }
}

// ------------------------------------------------------------------ rank selection
template <typename K> void testRank(const char* name, std::vector<int> shape, std::vector<int> order, int dim, int mode) {
    typedef typename K::T T;
    typedef typename IdxWord<sizeof(T)>::W W;
    L sl = strided(shape, order, 2, 5);
    std::vector<T> src = fill<K>(sl, mode);
    int n = shape[dim];
    std::vector<int> kept = shape; kept[dim] = 1;
    L ol = contiguous(kept, 1);
    long lines = ol.numel();
    std::vector<typename KeyOf<K>::T> keys;
    std::vector<int> idx;
    sortLines<K>(src, sl, dim, false, true, keys, idx); // the same sort serves every op
    for (int op = 0; op < 4; op++) {
        long k = 1 + (long) (rng() % n);
        std::vector<i64> ind(extent(ol), -7);
        std::vector<T> val(extent(ol));
        Geo lg = makeGeo({ol});
        typedef typename KeyOf<K>::T KeyT;
        KeyT nanKey = sortKeyBits<K>() == 64 ? (KeyT) 0xFFF8000000000000ULL : (KeyT) 0xFFC00000u;
        emuLaunch(2, 64, [&] { rankSelectK<KeyT>(lg, keys.data(), idx.data(), n, op, k, K::fp ? 1 : 0, nanKey, ind.data()); });
        Geo vg = makeGeo({ol, ol, pinned(sl, kept, dim)});
        emuLaunch(2, 64, [&] { gatherK<W>(vg, (const W*) src.data(), ind.data(), (W*) val.data(), sl.strides[dim], n); });
        int bad = 0;
        for (long line = 0; line < lines; line++) {
            std::vector<int> o = cpuOrder<K>(src, sl, dim, line, false);
            auto x = [&](int j) { return (double) src[lineAt(sl, dim, line, o[j])]; };
            int nan = 0;
            while (K::fp && nan < n && isNaND(x(n - 1 - nan))) nan++;
            int pos;
            if (op == 0) pos = (int) (k - 1);
            else if (op == 1) pos = nan > 0 ? n - nan : (n - 1) / 2;
            else if (op == 2) pos = n == nan ? 0 : (n - nan - 1) / 2;
            else {
                int best = 0, bestFreq = 0, freq = 0;
                for (int j = 0; j < n; j++) {
                    freq++;
                    bool end = j == n - 1;
                    if (!end) end = K::fp ? !(x(j) == x(j + 1)) : src[lineAt(sl, dim, line, o[j])] != src[lineAt(sl, dim, line, o[j + 1])];
                    if (end) { if (freq > bestFreq) { bestFreq = freq; best = j; } freq = 0; }
                }
                pos = best;
            }
            i64 got = ind[at(ol, line)];
            if (got != o[pos] || !sameBits(val[at(ol, line)], src[lineAt(sl, dim, line, o[pos])])) bad++;
        }
        CHECK(bad == 0, "rankSelect %s op %d shape %d.. dim %d: %d lines differ", name, op, shape[0], dim, bad);
    }
}

// ------------------------------------------------------------------ scans
static double cpuLogAddExp(double x, double y) {
    double mn = y != y ? y : (y < x ? y : x);
    double mx = y != y ? y : (x < y ? y : x);
    if (mn != mx || std::isfinite(mn)) return std::log1p(std::exp(mn - mx)) + mx;
    return x;
}
template <typename K> void testScan(const char* name, std::vector<int> shape, std::vector<int> order, int dim, int mode,
                                    std::vector<int> ops) {
    typedef typename K::T T;
    L sl = strided(shape, order, 1, 4);
    std::vector<T> src = fill<K>(sl, mode);
    int n = shape[dim];
    L dl = strided(shape, order, 0, 1);
    L il = contiguous(shape, 2);
    long lines = sl.numel() / n;
    for (int op : ops) {
        bool indexed = op == 2 || op == 3;
        std::vector<T> dst(extent(dl));
        std::vector<i64> ind(extent(il), -7);
        Geo g = makeGeo({outer(dl, dim), outer(sl, dim), indexed ? outer(il, dim) : outer(dl, dim)});
        emuLaunch(2, 32, [&] { scanK<K>(g, op, n, sl.strides[dim], dl.strides[dim], indexed ? il.strides[dim] : 0, src.data(),
                                        dst.data(), indexed ? ind.data() : nullptr); });
        int bad = 0;
        for (long line = 0; line < lines; line++) {
            auto s = [&](int j) { return src[lineAt(sl, dim, line, j)]; };
            if (op == 0 || op == 1) {
                if constexpr (K::fp) {
                    double acc = op == 0 ? 0 : 1;
                    for (int j = 0; j < n; j++) { double x = (double) s(j); acc = op == 0 ? acc + x : acc * x; if (!sameBits((T) acc, dst[lineAt(dl, dim, line, j)])) bad++; }
                } else {
                    unsigned long long acc = op == 0 ? 0 : 1;
                    for (int j = 0; j < n; j++) { unsigned long long x = (unsigned long long) (long long) s(j); acc = op == 0 ? acc + x : acc * x; if ((T) (long long) acc != dst[lineAt(dl, dim, line, j)]) bad++; }
                }
            } else if (indexed) {
                bool max = op == 2;
                T best = s(0);
                int atj = 0;
                for (int j = 0; j < n; j++) {
                    T x = s(j);
                    bool take;
                    if constexpr (K::fp) take = x != x || (max ? (double) x >= (double) best : (double) x <= (double) best);
                    else take = max ? (long long) x >= (long long) best : (long long) x <= (long long) best;
                    if (take) { best = x; atj = j; }
                    if (!sameBits(best, dst[lineAt(dl, dim, line, j)]) || ind[lineAt(il, dim, line, j)] != atj) bad++;
                }
            } else {
                double acc = -INFINITY;
                for (int j = 0; j < n; j++) { acc = cpuLogAddExp((double) s(j), acc); if (!sameBits((T) acc, dst[lineAt(dl, dim, line, j)])) bad++; }
            }
        }
        CHECK(bad == 0, "scan %s op %d shape %d.. dim %d: %d elements differ", name, op, shape[0], dim, bad);
    }
}

// ------------------------------------------------------------------ searchsorted
template <typename K> void testSearchsorted(const char* name, bool oneD, bool withSorter, int mode) {
    typedef typename K::T T;
    std::vector<int> vshape = {3, 4, 7};
    int n = 37;
    std::vector<int> bshape = oneD ? std::vector<int>{n} : std::vector<int>{3, 4, n};
    L bl = oneD ? strided(bshape, {0}, 1, 2) : strided(bshape, {2, 0, 1}, 1, 2);
    std::vector<T> b = fill<K>(bl, mode);
    L pl = oneD ? contiguous(bshape, 1) : strided(bshape, {1, 2, 0}, 0, 1);
    std::vector<i64> perm(extent(pl));
    long rowsN = bl.numel() / n;
    for (long r = 0; r < rowsN; r++) {
        // each row ascending (through the sorter when there is one: a random permutation that orders it)
        std::vector<T> row(n);
        for (int j = 0; j < n; j++) row[j] = b[lineAt(bl, bl.rank() - 1, r, j)];
        std::vector<int> o(n); std::iota(o.begin(), o.end(), 0);
        std::stable_sort(o.begin(), o.end(), [&](int x, int y) { return cpuKey<K>(row[x]) < cpuKey<K>(row[y]); });
        if (withSorter) {
            std::vector<int> place(n); std::iota(place.begin(), place.end(), 0);
            std::shuffle(place.begin(), place.end(), rng);
            for (int j = 0; j < n; j++) { b[lineAt(bl, bl.rank() - 1, r, place[j])] = row[o[j]]; perm[lineAt(pl, pl.rank() - 1, r, j)] = place[j]; }
        } else {
            for (int j = 0; j < n; j++) b[lineAt(bl, bl.rank() - 1, r, j)] = row[o[j]];
        }
    }
    L vl = strided(vshape, {2, 1, 0}, 1, 3);
    std::vector<T> v = fill<K>(vl, mode);
    L ol = contiguous(vshape, 1);
    for (int right = 0; right < 2; right++) {
        std::vector<i64> out(extent(ol), -7);
        auto rows = [&](const L& l) { L r; r.shape = vshape; r.strides.assign(3, 0); r.offset = l.offset; if (l.rank() > 1) { r.strides[0] = l.strides[0]; r.strides[1] = l.strides[1]; } return r; };
        L brow = rows(bl);
        L prow = withSorter ? rows(pl) : brow;
        Geo g = makeGeo({ol, vl, brow, prow});
        int bs = bl.strides[bl.rank() - 1], ps = withSorter ? pl.strides[pl.rank() - 1] : 0;
        emuLaunch(2, 64, [&] { searchsortedK<K>(g, n, bs, ps, right, b.data(), withSorter ? perm.data() : nullptr, v.data(), out.data()); });
        int bad = 0;
        for (long p = 0; p < ol.numel(); p++) {
            long row = oneD ? 0 : p / 7;
            T val = v[at(vl, p)];
            int start = 0, end = n;
            while (start < end) {
                int mid = start + ((end - start) >> 1);
                int j = withSorter ? (int) perm[lineAt(pl, pl.rank() - 1, row, mid)] : mid;
                T x = b[lineAt(bl, bl.rank() - 1, row, j)];
                bool after;
                if constexpr (K::fp) after = right ? !((double) x > (double) val) : !((double) x >= (double) val);
                else after = right ? (long long) x <= (long long) val : (long long) x < (long long) val;
                if (after) start = mid + 1; else end = mid;
            }
            if (out[at(ol, p)] != start) bad++;
        }
        CHECK(bad == 0, "searchsorted %s%s%s right=%d: %d values differ", name, oneD ? " 1-D" : "", withSorter ? " sorter" : "", right, bad);
    }
}

// ------------------------------------------------------------------ histc and bincount
template <typename K> void testHistc(const char* name, int bins, double mn, double mx) {
    typedef typename K::T T;
    std::vector<int> shape = {13, 77};
    L sl = strided(shape, {1, 0}, 1, 2);
    std::vector<T> src = fill<K>(sl, 0);
    // values on the edges and bin borders
    src[at(sl, 0)] = (T) mn; src[at(sl, 1)] = (T) mx; src[at(sl, 2)] = (T) (mn + (mx - mn) / bins * 3);
    std::vector<u64> counts(bins, 0);
    Geo g = makeGeo({sl});
    emuLaunch(2, 64, [&] { histcK<K>(g, src.data(), bins, mn, mx, counts.data()); });
    L ol = strided({bins}, {0}, 2, 1);
    std::vector<T> out(extent(ol), (T) -1);
    emuLaunch(1, 32, [&] { histcOutK<K>(counts.data(), bins, out.data(), ol.offset, ol.strides[0]); });
    std::vector<double> hist(bins, 0);
    float lof = (float) mn, hif = (float) mx;
    for (long p = 0; p < sl.numel(); p++) {
        int pos;
        if constexpr (K::f32) {
            float x = src[at(sl, p)];
            if (!(x >= lof && x <= hif)) continue;
            pos = (int) ((x - lof) * bins / (hif - lof));
        } else {
            double x = src[at(sl, p)];
            if (!(x >= mn && x <= mx)) continue;
            pos = (int) ((x - mn) * bins / (mx - mn));
        }
        if (pos >= bins) pos = bins - 1;
        hist[pos] += 1;
    }
    int bad = 0;
    for (int i = 0; i < bins; i++) if (!sameBits((T) hist[i], out[ol.offset + (long) i * ol.strides[0]])) bad++;
    CHECK(bad == 0, "histc %s: %d bins differ", name, bad);
}
static void testBincount() {
    L sl = strided({1001}, {0}, 2, 3);
    std::vector<i64> src(extent(sl));
    for (auto& x : src) x = rng() % 9;
    std::vector<u64> counts(11, 0);
    Geo g = makeGeo({sl});
    emuLaunch(2, 64, [&] { bincount_count(g, src.data(), 11, counts.data()); });
    std::vector<u64> e(11, 0);
    for (long p = 0; p < sl.numel(); p++) e[src[at(sl, p)]]++;
    CHECK(e == counts, "bincount");
}

// ------------------------------------------------------------------ unique of single-element rows
template <typename K> void testUnique(const char* name, int n, bool sorted, int mode) {
    typedef typename K::T T;
    typedef typename KeyOf<K>::T KeyT;
    typedef typename IdxWord<sizeof(T)>::W W;
    L sl = strided({n, 1}, {0, 1}, 1, 2); // rows of one element, stride 2
    std::vector<T> src = fill<K>(sl, mode);
    L line; line.shape = {n}; line.strides = {sl.strides[0]}; line.offset = sl.offset;
    std::vector<KeyT> keys;
    std::vector<int> idx;
    if (sorted) {
        sortLines<K>(src, line, 0, false, true, keys, idx);
    } else {
        keys.assign(n, 0); idx.assign(n, 0);
        Geo g = makeGeo({line});
        emuLaunch(2, 64, [&] { sortKeysK<K, KeyT>(g, src.data(), n, 0, keys.data(), idx.data()); });
    }
    KeyT nanKey = sortKeyBits<K>() == 64 ? (KeyT) 0xFFF8000000000000ULL : (KeyT) 0xFFC00000u;
    int fl = K::fp ? 1 : 0;
    int chunks = (n + SCAN_CHUNK - 1) / SCAN_CHUNK;
    std::vector<int> starts(n), sums(chunks);
    std::vector<T> values(n);
    std::vector<i64> inverse(n, -7), counts(n, -7), groups(1, -7);
    emuLaunch(2, 64, [&] { uniqueFlagsK<KeyT>(keys.data(), n, fl, nanKey, starts.data()); });
    emuLaunch(std::min(2, chunks), 256, [&] { radix_scan_reduce(starts.data(), n, chunks, sums.data()); });
    emuLaunch(1, 256, [&] { radix_scan_top(sums.data(), chunks); });
    emuLaunch(std::min(2, chunks), 256, [&] { radix_scan_down(starts.data(), n, chunks, sums.data()); });
    emuLaunch(2, 64, [&] { uniqueWriteK<W, KeyT>(keys.data(), idx.data(), starts.data(), n, fl, nanKey, (const W*) src.data(),
                                                 sl.offset, sl.strides[0], (W*) values.data(), inverse.data(), counts.data()); });
    emuLaunch(2, 64, [&] { uniqueCountsK<KeyT>(keys.data(), starts.data(), n, fl, nanKey, counts.data(), groups.data()); });
    // the CPU's SortKernels.unique: stable order (sorted) or as they are, a new group unless equal keys and not NaN
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::vector<long long> ck(n);
    for (int r = 0; r < n; r++) ck[r] = cpuKey<K>(src[at(sl, r)]);
    if (sorted) std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return ck[a] < ck[b]; });
    long long nanCpu = 0;
    if constexpr (K::fp) nanCpu = cpuKey<K>((T) NAN);
    std::vector<T> ev; std::vector<i64> einv(n), ecnt;
    for (int j = 0; j < n; j++) {
        int r = order[j];
        bool starts2 = j == 0 || ck[order[j - 1]] != ck[r] || (K::fp && ck[r] == nanCpu);
        if (starts2) { ev.push_back(src[at(sl, r)]); ecnt.push_back(0); }
        ecnt.back()++;
        einv[r] = (i64) ev.size() - 1;
    }
    int g = (int) ev.size();
    int bad = groups[0] != g;
    for (int i = 0; i < g && !bad; i++) if (!sameBits(ev[i], values[i]) || ecnt[i] != counts[i]) bad++;
    if (einv != inverse) bad++;
    CHECK(bad == 0, "unique %s n %d%s: %ld groups, expected %d", name, n, sorted ? "" : " consecutive", (long) groups[0], g);
}

// ------------------------------------------------------------------ the keys themselves
template <typename K> void testKeysOrder(const char* name) {
    // the kernels' unsigned keys order as the CPU's signed keys, over many values (edges included)
    typedef typename K::T T;
    std::vector<T> v(3000);
    for (auto& x : v) x = randv<K>(0);
    if constexpr (!K::fp && !K::boolean) { v[0] = std::numeric_limits<T>::lowest(); v[1] = std::numeric_limits<T>::max(); v[2] = 0; v[3] = (T) -1; }
    int bad = 0;
    for (size_t i = 0; i + 1 < v.size(); i++) {
        long long a = cpuKey<K>(v[i]), b = cpuKey<K>(v[i + 1]);
        u64 ka = sortKey<K>(v[i]), kb = sortKey<K>(v[i + 1]);
        if ((a < b) != (ka < kb) || (a == b) != (ka == kb) || ka > sortKeyMask<K>()) bad++;
    }
    CHECK(bad == 0, "keys %s: %d pairs order differently", name, bad);
}

// the scans the op layer runs for a type: sums and products of integers and bool come as int64, logcumsumexp is floating
template <typename K> std::vector<int> scanOps() {
    if constexpr (K::fp) return {0, 1, 2, 3, 4};
    else if constexpr (K::boolean) return {2, 3};
    else return {0, 1, 2, 3};
}

// the scan kernels of the radix sort on their own: random counts over several chunks, and the top scan over several
// rounds of chunk sums
static void testRadixScan() {
    long m = 5L * SCAN_CHUNK + 17;
    int chunks = (int) ((m + SCAN_CHUNK - 1) / SCAN_CHUNK);
    std::vector<int> c(m), sums(chunks);
    for (auto& x : c) x = rng() % 5;
    std::vector<int> e(m);
    for (long i = 0, run = 0; i < m; i++) { e[i] = (int) run; run += c[i]; }
    emuLaunch(2, 256, [&] { radix_scan_reduce(c.data(), m, chunks, sums.data()); });
    emuLaunch(1, 256, [&] { radix_scan_top(sums.data(), chunks); });
    emuLaunch(2, 256, [&] { radix_scan_down(c.data(), m, chunks, sums.data()); });
    CHECK(c == e, "radix scan over %d chunks", chunks);
    int k = 2 * SCAN_CHUNK + 5;
    std::vector<int> top(k), te(k);
    for (auto& x : top) x = rng() % 1000;
    for (int i = 0, run = 0; i < k; i++) { te[i] = run; run += top[i]; }
    emuLaunch(1, 256, [&] { radix_scan_top(top.data(), k); });
    CHECK(top == te, "radix top scan over %d sums", k);
}

// every kernel for a type, with sizes relative to the build's SORT_CAP and RADIX_TILE (the test is built with small ones,
// so that lines of several radix tiles and many of them stay cheap to emulate)
template <typename K> void allFor(const char* name) {
    const int C = SORT_CAP, T = RADIX_TILE;
    testKeysOrder<K>(name);
    // short lines (shared memory): every dim of a permuted layout, odd sizes, many lines per block, lines at the limit
    testSort<K>(name, {5, 7, 3}, {2, 0, 1}, 1, 0);
    testSort<K>(name, {5, 7, 3}, {1, 2, 0}, 0, 1);
    testSort<K>(name, {4, 6, 33}, {0, 2, 1}, 2, 1);
    testSort<K>(name, {1}, {0}, 0, 0);
    testSort<K>(name, {3, 1}, {1, 0}, 1, 0);
    testSort<K>(name, {2, C}, {1, 0}, 1, 0);
    testSort<K>(name, {3, C / 2 + 3}, {0, 1}, 1, 1);
    // long lines (radix; emulating them is slow, so the full set for float32 and the widest types, one case for the
    // others): one line of several tiles (the last partial), several lines of two tiles in a transposed layout, lines of
    // one tile along dim 0
    bool full = std::is_same<K, TagF32>::value;
    bool wide = sortKeyBits<K>() == 64 || sizeof(typename K::T) == 1;
    if (full) testSort<K>(name, {2 * T + 37}, {0}, 0, 0);
    testSort<K>(name, {3, T + C + 1}, {1, 0}, 1, 1, full ? 3 : wide ? 2 : 1);
    if (full || wide) testSort<K>(name, {2 * C + 7, 2}, {0, 1}, 0, 0, full ? 3 : 1);
    testRank<K>(name, {6, 13}, {1, 0}, 1, 1);
    testRank<K>(name, {40, 3}, {0, 1}, 0, 0);
    if (full || wide) testRank<K>(name, {2, T + 3}, {1, 0}, 1, 1);
    testScan<K>(name, {7, 13}, {1, 0}, 1, 1, scanOps<K>());
    testScan<K>(name, {9, 4, 5}, {2, 0, 1}, 0, 0, scanOps<K>());
    testSearchsorted<K>(name, true, false, 1);
    testSearchsorted<K>(name, false, false, 0);
    testSearchsorted<K>(name, false, true, 1);
    testSearchsorted<K>(name, true, true, 0);
    testUnique<K>(name, 1, true, 0);
    testUnique<K>(name, 37, true, 1);
    testUnique<K>(name, 300, false, 1);
    if (full || wide) testUnique<K>(name, T + 5, true, 0);
}

int main() {
#ifdef PRODUCTION_SIZES
    // the shipped SORT_CAP and RADIX_TILE: lines at the shared-memory limit and just past it (radix), each radix width
    testSort<TagF32>("f32", {2, SORT_CAP}, {1, 0}, 1, 0);
    testSort<TagF32>("f32", {SORT_CAP + 1}, {0}, 0, 0);
    testSort<TagF64>("f64", {SORT_CAP + 52}, {0}, 0, 1, 2);
    testSort<TagI8>("i8", {SORT_CAP + 52}, {0}, 0, 0, 1);
    testRank<TagF32>("f32", {2, SORT_CAP + 1}, {1, 0}, 1, 1);
    testUnique<TagF32>("f32", 5000, true, 1);
#else
    testRadixScan();
    allFor<TagF32>("f32");
    allFor<TagF64>("f64");
    allFor<TagI64>("i64");
    allFor<TagI32>("i32");
    allFor<TagI16>("i16");
    allFor<TagI8>("i8");
    allFor<TagU8>("ui8");
    allFor<TagB>("bool");
    testHistc<TagF32>("f32", 13, -1, 1);
    testHistc<TagF32>("f32 odd range", 7, -0.3, 2.9);
    testHistc<TagF64>("f64", 13, -1, 1);
    testHistc<TagF64>("f64 odd range", 10, -4, 0.7);
    testBincount();
#endif
    printf("%d checks, %d failures\n", checks, fails);
    return fails != 0;
}
