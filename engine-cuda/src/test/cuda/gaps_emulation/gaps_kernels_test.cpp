// gaps_kernels.cu on the host, against the CPU backend's algorithms (SortKernels.java's scan, bincount and unique)
// written out below: the block-level scan of long lines (every ScanOp, every dtype, strided layouts with offsets, both
// dimensions, NaN, infinities, -0.0, lines shorter than, equal to and longer than a tile), bincount with weights and
// unique of rows (sorted and consecutive, every dtype, duplicates, NaN). Built and run by GapsKernelsEmulationTest with
// g++ -std=c++20 (index_emulation/cuda_shim.h and sort_emulation/sort_shim.h emulate the CUDA features the kernels use; prelude.h is the head of ember_kernels.cu). Integer scans and cummax/cummin must give
// the CPU's values bit for bit; floating sums and logcumsumexp, which the kernel reassociates, within a tolerance (and
// bit for bit on integer-valued data, where no sum rounds); products of small integers (exact) bit for bit.
#include "cuda_shim.h"
#include "sort_shim.h"
#include "prelude.h"
#include "index_kernels.cu"
#include "sort_kernels.cu"
#include "gaps_kernels.cu"
#include <cstdio>
#include <random>
#include <climits>
#include <type_traits>

static std::mt19937_64 rng(11);
static int fails = 0, checks = 0;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 40) { printf("FAIL %s:%d ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

#ifndef EMU_THREADS
#define EMU_THREADS 64
#endif

// ------------------------------------------------------------------ layouts (as the Java Layout) and Geo
#include "emu_layouts.h"
static long extent(const L& l) { long m = l.offset; for (int i = 0; i < l.rank(); i++) { if (l.shape[i] == 0) return l.offset + 1; m += (long) (l.shape[i] - 1) * l.strides[i]; } return m + 1; }
static L outer(L l, int dim) { l.shape[dim] = 1; return l; }
static long lineAt(const L& l, int dim, long line, int j) { return at(outer(l, dim), line) + (long) j * l.strides[dim]; }

// ------------------------------------------------------------------ values
// mode 0: spread values, with NaN, infinities and signed zeros now and then; mode 1: small integers (sums exact);
// mode 2: spread finite values
template <typename K> typename K::T randv(int mode) {
    typedef typename K::T T;
    if constexpr (K::boolean) return (T) (rng() % 2);
    else if constexpr (K::fp) {
        if (mode == 1) return (T) ((int) (rng() % 5) - 2);
        int r = rng() % 400;
        if (mode == 0) {
            if (r == 0) return (T) NAN;
            if (r == 1) return (T) INFINITY;
            if (r == 2) return (T) -INFINITY;
            if (r == 3) return (T) -0.0;
        }
        return (T) ((double) (rng() % 2000000) / 250000.0 - 4.0);
    } else {
        if (mode == 1) return (T) ((long long) (rng() % 7) - 3);
        return (T) rng();
    }
}
template <typename T> bool sameBits(T a, T b) {
    if constexpr (std::is_floating_point<T>::value) { if (a != a && b != b) return true; return memcmp(&a, &b, sizeof(T)) == 0; }
    else return a == b;
}
// equal, or both finite and within tol of each other relative to scale
template <typename T> bool near(T a, T b, double scale, double tol) {
    if (sameBits(a, b) || (a == b)) return true;
    if (!std::isfinite((double) a) || !std::isfinite((double) b)) return false;
    return std::fabs((double) a - (double) b) <= tol * (scale + 1e-300);
}
template <typename K> std::vector<typename K::T> fill(const L& l, int mode) {
    std::vector<typename K::T> v(extent(l));
    for (auto& x : v) x = randv<K>(mode);
    return v;
}

// ------------------------------------------------------------------ scans, launched as CudaGapsKernels.scanLong
static double cpuLogAddExp(double x, double y) {
    double mn = y != y ? y : (y < x ? y : x);
    double mx = y != y ? y : (x < y ? y : x);
    if (mn != mx || std::isfinite(mn)) return std::log1p(std::exp(mn - mx)) + mx;
    return x;
}
template <typename K> void testScan(const char* name, std::vector<int> shape, std::vector<int> order, int dim, int mode,
                                    std::vector<int> ops, int threads = EMU_THREADS) {
    typedef typename K::T T;
    L sl = strided(shape, order, 1, 4);
    std::vector<T> src = fill<K>(sl, mode);
    int n = shape[dim];
    L dl = strided(shape, order, 0, 1);
    L il = contiguous(shape, 2);
    long lines = sl.numel() / n;
    // float32 results are rounded from the double accumulator: a reassociation shows only near a rounding boundary
    double tol = K::f32 ? 2e-7 : 1e-13;
    for (int op : ops) {
        bool indexed = op == 2 || op == 3;
        std::vector<T> dst(extent(dl));
        std::vector<i64> ind(extent(il), -7);
        Geo g = makeGeo({outer(dl, dim), outer(sl, dim), indexed ? outer(il, dim) : outer(dl, dim)});
        emuLaunch((int) std::min<long>(2, lines), threads, [&] {
            scanLongK<K>(g, op, n, sl.strides[dim], dl.strides[dim], indexed ? il.strides[dim] : 0, src.data(), dst.data(),
                         indexed ? ind.data() : nullptr); });
        int bad = 0;
        for (long line = 0; line < lines; line++) {
            auto s = [&](int j) { return src[lineAt(sl, dim, line, j)]; };
            auto d = [&](int j) { return dst[lineAt(dl, dim, line, j)]; };
            if (op == 0 || op == 1) {
                if constexpr (K::fp) {
                    double acc = op == 0 ? 0 : 1, scale = 0;
                    for (int j = 0; j < n; j++) {
                        double x = (double) s(j);
                        acc = op == 0 ? acc + x : acc * x;
                        scale = op == 0 ? scale + std::fabs(x) : std::fabs(acc);
                        bool ok = mode == 1 ? sameBits((T) acc, d(j)) : near((T) acc, d(j), scale, tol);
                        if (!ok) bad++;
                    }
                } else {
                    unsigned long long acc = op == 0 ? 0 : 1;
                    for (int j = 0; j < n; j++) {
                        unsigned long long x = (unsigned long long) (long long) s(j);
                        acc = op == 0 ? acc + x : acc * x;
                        T want;
                        if constexpr (K::boolean) want = (T) (acc != 0); else want = (T) (long long) acc;
                        if (want != d(j)) bad++;
                    }
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
                    if (!sameBits(best, d(j)) || ind[lineAt(il, dim, line, j)] != atj) bad++;
                }
            } else {
                double acc = -INFINITY;
                for (int j = 0; j < n; j++) {
                    acc = cpuLogAddExp((double) s(j), acc);
                    if (!near((T) acc, d(j), std::fabs(acc) + 1, tol * 4)) bad++;
                }
            }
        }
        CHECK(bad == 0, "scan %s op %d shape %d.. dim %d mode %d: %d elements differ", name, op, shape[0], dim, mode, bad);
    }
}

template <typename K> void allFor(const char* name) {
    std::vector<int> ops = K::fp ? std::vector<int>{0, 1, 2, 3, 4} : std::vector<int>{0, 1, 2, 3};
    int tile = EMU_THREADS * LSCAN_ITEMS;
    for (int n : {1, 2, tile - 1, tile, tile + 1, 3 * tile + 7}) {
        for (int mode : {0, 1, 2}) {
            std::vector<int> sum = mode == 1 ? ops : std::vector<int>{0, 2, 3};
            if (K::fp && mode != 1) sum.push_back(4);
            testScan<K>(name, {2, n}, {0, 1}, 1, mode, sum);
            testScan<K>(name, {n, 3}, {1, 0}, 0, mode, sum);
        }
    }
    // cumprod of integer values: exact products (powers of two and zero) whatever the association
    testScan<K>(name, {1, 2 * tile + 3}, {0, 1}, 1, 1, {1});
}

// ------------------------------------------------------------------ bincount with weights
template <typename T> void testBincountWeights(const char* name, int mode) {
    int n = 1000, size = 13;
    L sl = strided({n}, {0}, 1, 3);
    L wl = strided({n}, {0}, 2, 5);
    std::vector<i64> src(extent(sl));
    for (auto& v : src) v = (i64) (rng() % 11);
    std::vector<T> w(extent(wl));
    for (auto& v : w) v = mode == 1 ? (T) ((int) (rng() % 9) - 4) : (T) ((double) (rng() % 2000000) / 250000.0 - 4.0);
    std::vector<T> sums(size, (T) 0);
    Geo g = makeGeo({sl, wl});
    emuLaunch(2, 64, [&] { bincountWeightsK<T>(g, src.data(), w.data(), size, sums.data()); });
    std::vector<T> want(size, (T) 0);
    std::vector<double> scale(size, 0);
    for (int i = 0; i < n; i++) {
        i64 v = src[at(sl, i)];
        T x = w[at(wl, i)];
        want[v] += x;
        scale[v] += std::fabs((double) x);
    }
    int bad = 0;
    for (int b = 0; b < size; b++) {
        bool ok = mode == 1 ? sameBits(want[b], sums[b]) : near(want[b], sums[b], scale[b], sizeof(T) == 4 ? 1e-5 : 1e-13);
        if (!ok) bad++;
    }
    CHECK(bad == 0, "bincount weights %s mode %d: %d bins differ", name, mode, bad);
}

// ------------------------------------------------------------------ unique of rows, launched as CudaGapsKernels.uniqueRows
// The column sorts are sort_kernels.cu's sortLines (emulated by SortKernelsEmulationTest against the CPU's order) and the
// flag scan its radix_scan kernels: here a host stable sort by the same keys and a host exclusive scan stand in for them.
// The reference is SortKernels.unique: a stable sort of the rows by their keys, lexicographically, then groups of
// equal rows (equal keys, no NaN), each group's value its first row in that order.
template <typename K> void testUniqueRows(const char* name, int n, int m, bool sorted, int mode, bool transposed) {
    typedef typename K::T T;
    L sl = transposed ? strided({n, m}, {1, 0}, 1, 3) : strided({n, m}, {0, 1}, 2, 5);
    std::vector<T> src = fill<K>(sl, mode);
    int rs = sl.strides[0], cs = sl.strides[1], base = sl.offset;
    auto at2 = [&](long r, int c) -> T& { return src[base + r * rs + (long) c * cs]; };
    if (n >= 6) {
        // duplicate rows: row 2 a copy of row 0, row 5 of row 4 with -0.0 and 0.0 swapped (equal rows)
        for (int c = 0; c < m; c++) at2(2, c) = at2(0, c);
        if constexpr (K::fp) {
            at2(0, 0) = (T) NAN; // rows 0 and 2 now hold a NaN: equal bits, but never one group (NaN != NaN)
            at2(2, 0) = (T) NAN;
            at2(4, m - 1) = (T) -0.0;
        }
        for (int c = 0; c < m; c++) at2(5, c) = at2(4, c);
        if constexpr (K::fp) at2(5, m - 1) = (T) 0.0;
    }
    auto key = [&](long r, int c) { return sortKey<K>(src[base + r * rs + (long) c * cs]); };
    std::vector<i64> perm(n), next(n);
    emuLaunch(1, 64, [&] { udim_iota(n, perm.data()); });
    if (sorted) {
        L line = contiguous({n});
        for (int c = m - 1; c >= 0; c--) {
            std::vector<T> col(n);
            L pinnedCol; pinnedCol.shape = {n}; pinnedCol.strides = {0}; pinnedCol.offset = base + c * cs;
            Geo g = makeGeo({line, line, pinnedCol});
            emuLaunch(2, 64, [&] { gatherK<T>(g, src.data(), perm.data(), col.data(), rs, n); });
            std::vector<int> idx(n);
            for (int i = 0; i < n; i++) idx[i] = i;
            std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return sortKey<K>(col[a]) < sortKey<K>(col[b]); });
            emuLaunch(2, 64, [&] { udim_compose(perm.data(), idx.data(), n, next.data()); });
            perm.swap(next);
        }
    }
    std::vector<int> flags(n), starts(n);
    emuLaunch(2, 64, [&] { udimFlagsK<K>(src.data(), base, rs, cs, m, n, perm.data(), flags.data()); });
    for (int j = 0, acc = 0; j < n; j++) { starts[j] = acc; acc += flags[j]; }
    std::vector<T> values((size_t) n * m);
    std::vector<i64> inverse(n, -7), counts(n, -7), groups(1, -7);
    emuLaunch(2, 64, [&] { udimWriteK<K>(src.data(), base, rs, cs, m, n, perm.data(), flags.data(), starts.data(),
                                         values.data(), inverse.data(), counts.data()); });
    emuLaunch(2, 64, [&] { udim_counts(flags.data(), starts.data(), n, counts.data(), groups.data()); });
    // the CPU's algorithm
    std::vector<int> order(n);
    for (int i = 0; i < n; i++) order[i] = i;
    if (sorted) {
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            for (int c = 0; c < m; c++) { if (key(a, c) != key(b, c)) return key(a, c) < key(b, c); }
            return false; });
    }
    auto equal = [&](int a, int b) {
        for (int c = 0; c < m; c++) {
            T x = src[base + (long) a * rs + (long) c * cs];
            if (key(a, c) != key(b, c)) return false;
            if constexpr (K::fp) { if (x != x) return false; }
        }
        return true;
    };
    int g = 0, bad = 0;
    std::vector<i64> wantCounts;
    for (int j = 0; j < n; j++) {
        int r = order[j];
        if (j == 0 || !equal(order[j - 1], r)) {
            for (int c = 0; c < m; c++) if (!sameBits(values[(size_t) g * m + c], src[base + (long) r * rs + (long) c * cs])) bad++;
            g++;
            wantCounts.push_back(0);
        }
        wantCounts.back()++;
        if (inverse[r] != g - 1) bad++;
    }
    CHECK(groups[0] == g, "unique rows %s n %d m %d sorted %d: %lld groups, want %d", name, n, m, sorted, groups[0], g);
    for (int i = 0; i < g && i < n; i++) if (counts[i] != wantCounts[i]) bad++;
    CHECK(bad == 0, "unique rows %s n %d m %d sorted %d mode %d: %d values, groups or counts differ", name, n, m, sorted, mode, bad);
}

template <typename K> void uniqueFor(const char* name) {
    for (bool sorted : {true, false}) {
        for (int mode : {0, 1}) {
            testUniqueRows<K>(name, 1, 3, sorted, mode, false);
            testUniqueRows<K>(name, 40, 2, sorted, mode, false);
            testUniqueRows<K>(name, 57, 3, sorted, mode, true);
        }
    }
}

int main() {
#ifdef PRODUCTION_SIZES
    // the shipped LSCAN_ITEMS with the 1024 threads CudaGapsKernels launches: lines over three tiles
    int tile = 1024 * LSCAN_ITEMS;
    testScan<TagF32>("f32", {1, 2 * tile + 5}, {0, 1}, 1, 0, {0, 2, 4}, 1024);
    testScan<TagI64>("i64", {2 * tile + 5, 1}, {1, 0}, 0, 0, {0, 3}, 1024);
#else
    allFor<TagF32>("f32");
    allFor<TagF64>("f64");
    allFor<TagI64>("i64");
    allFor<TagI32>("i32");
    allFor<TagI16>("i16");
    allFor<TagI8>("i8");
    allFor<TagU8>("ui8");
    allFor<TagB>("bool");
    testBincountWeights<float>("f32", 0);
    testBincountWeights<float>("f32", 1);
    testBincountWeights<double>("f64", 0);
    testBincountWeights<double>("f64", 1);
    uniqueFor<TagF32>("f32");
    uniqueFor<TagF64>("f64");
    uniqueFor<TagI64>("i64");
    uniqueFor<TagI32>("i32");
    uniqueFor<TagI16>("i16");
    uniqueFor<TagI8>("i8");
    uniqueFor<TagU8>("ui8");
    uniqueFor<TagB>("bool");
#endif
    printf("%d checks, %d failures\n", checks, fails);
    return fails != 0;
}
