// ------------------------------------------------------------------ issue 14's last CUDA gaps (CudaGapsKernels.java)
// Cases of Backend's sorting-and-scans family that sort_kernels.cu leaves to the host:
//   scan_long_*             cumsum, cumprod, cummax, cummin, logcumsumexp of a few long lines: one block per line, a
//                           block-level parallel scan over tiles of LSCAN_ITEMS elements per thread (each thread folds its
//                           run sequentially, the block scans the runs' aggregates, each thread refolds its run from its
//                           exclusive prefix, and a carry goes from tile to tile).
//   bincount_weights_*      bincount with float32 or float64 weights: float atomics into a dense zeroed buffer.
//   udim_*                  unique of rows of several elements (torch.unique with dim): see its section.
// Rounding: integer sums and products wrap in 64 bits and cummax/cummin compare, so those are the CPU's results bit for
// bit (the combine of two runs is associative: a NaN takes over, ties take the later element). Floating cumsum and
// cumprod accumulate in double as the CPU, but in another association: (carry + (scan of the runs before)) + the run's
// elements in order, where the CPU adds left to right; logcumsumexp combines runs with the same log-add-exp, likewise
// reassociated. The results can differ from the CPU's in the last bits of the double accumulator (float32 results are
// then rounded from it, and mostly equal). Weighted bincount adds in the order the atomics land: run to run the last bits
// of a bin can change (PyTorch's CUDA kernel too, which alerts "_bincount_cuda" under deterministic algorithms).

#ifndef LSCAN_ITEMS
#define LSCAN_ITEMS 8
#endif
// The most threads a scan block may have (the shared arrays' size); CudaGapsKernels launches LSCAN_MAX_THREADS.
#define LSCAN_MAX_THREADS 1024

// A run's fold for cummax/cummin: the best value, its position, and whether the run had any element.
template <typename T>
struct LScanBest {
    T v;
    int at;
    int any;
};

// Hillis-Steele inclusive scan of the block's values in sh (non-commutative combine: left operand first), then returns
// thread t's exclusive prefix (identity for thread 0) and leaves the block's total in *total.
template <typename S, typename C>
__device__ S lscanBlock(S* sh, S mine, S identity, C combine, S* total) {
    int t = threadIdx.x;
    int nt = blockDim.x;
    sh[t] = mine;
    __syncthreads();
    for (int off = 1; off < nt; off <<= 1) {
        S left = t >= off ? sh[t - off] : identity;
        __syncthreads();
        if (t >= off) sh[t] = combine(left, sh[t]);
        __syncthreads();
    }
    S excl = t == 0 ? identity : sh[t - 1];
    *total = sh[nt - 1];
    __syncthreads(); // sh is reused by the next tile
    return excl;
}

struct LScanAddD { __device__ double operator()(double a, double b) const { return __dadd_rn(a, b); } };
struct LScanMulD { __device__ double operator()(double a, double b) const { return __dmul_rn(a, b); } };
struct LScanAddU { __device__ u64 operator()(u64 a, u64 b) const { return a + b; } };
struct LScanMulU { __device__ u64 operator()(u64 a, u64 b) const { return a * b; } };
// prefix a, then the run b: the CPU folds acc = logAddExp(x, acc), the new part first
struct LScanLse { __device__ double operator()(double a, double b) const { return sortLogAddExp(b, a); } };

template <typename K>
struct LScanPick {
    typedef typename K::T T;
    int max;
    // the sequential rule of the CPU (take x when it is NaN, or >= best for max, <= for min) applied to a run's fold
    __device__ LScanBest<T> operator()(LScanBest<T> a, LScanBest<T> b) const {
        if (!a.any) return b;
        if (!b.any) return a;
        bool take;
        if constexpr (K::fp) take = b.v != b.v || (max ? b.v >= a.v : b.v <= a.v);
        else take = max ? (i64) b.v >= (i64) a.v : (i64) b.v <= (i64) a.v;
        return take ? b : a;
    }
};

// Sums and products (floating in double, integers in wrapping u64), and logcumsumexp: Acc the accumulator type.
template <typename K, typename Acc, typename C>
__device__ void lscanFold(const typename K::T* s, typename K::T* d, int n, int ss, int ds, Acc identity, C combine,
                          bool lse, Acc* sh) {
    typedef typename K::T T;
    int tile = blockDim.x * LSCAN_ITEMS;
    Acc carry = identity;
    for (int start = 0; start < n; start += tile) {
        int j0 = start + threadIdx.x * LSCAN_ITEMS;
        int j1 = min(j0 + LSCAN_ITEMS, n);
        Acc agg = identity;
        for (int j = j0; j < j1; j++) {
            Acc x;
            if constexpr (K::fp) x = (Acc) (double) s[(i64) j * ss];
            else x = (Acc) (u64) (i64) s[(i64) j * ss];
            agg = combine(agg, x);
        }
        Acc total;
        Acc excl = lscanBlock(sh, agg, identity, combine, &total);
        Acc pre = combine(carry, excl);
        for (int j = j0; j < j1; j++) {
            Acc x;
            if constexpr (K::fp) x = (Acc) (double) s[(i64) j * ss];
            else x = (Acc) (u64) (i64) s[(i64) j * ss];
            pre = combine(pre, x);
            if constexpr (K::fp) d[(i64) j * ds] = (T) (double) pre;
            else if constexpr (K::boolean) d[(i64) j * ds] = (T) (pre != 0);
            else d[(i64) j * ds] = (T) (i64) pre;
        }
        carry = combine(carry, total);
    }
    (void) lse;
}

// g iterates the lines (operand 0 dst, 1 src, 2 indices for cummax/cummin, else dst again); one block per line
// (blockDim.x a power of two, at most LSCAN_MAX_THREADS). op: ScanOp's ordinal (CUMSUM 0, CUMPROD 1, CUMMAX 2,
// CUMMIN 3, LOGCUMSUMEXP 4).
template <typename K>
__device__ void scanLongK(const Geo& g, int op, int n, int ss, int ds, int is, const typename K::T* src,
                          typename K::T* dst, i64* ix) {
    typedef typename K::T T;
    __shared__ double shD[LSCAN_MAX_THREADS];
    __shared__ u64 shU[LSCAN_MAX_THREADS];
    __shared__ LScanBest<T> shB[LSCAN_MAX_THREADS];
    for (int line = blockIdx.x; line < g.numel; line += gridDim.x) {
        int off[3]; locate<3>(g, line, off);
        const T* s = src + off[1];
        T* d = dst + off[0];
        if (op == 0 || op == 1) {
            if constexpr (K::fp) {
                if (op == 0) lscanFold<K, double>(s, d, n, ss, ds, 0.0, LScanAddD(), false, shD);
                else lscanFold<K, double>(s, d, n, ss, ds, 1.0, LScanMulD(), false, shD);
            } else {
                if (op == 0) lscanFold<K, u64>(s, d, n, ss, ds, (u64) 0, LScanAddU(), false, shU);
                else lscanFold<K, u64>(s, d, n, ss, ds, (u64) 1, LScanMulU(), false, shU);
            }
        } else if (op == 2 || op == 3) {
            LScanPick<K> pick;
            pick.max = op == 2;
            i64* x0 = ix + off[2];
            LScanBest<T> none;
            none.v = s[0];
            none.at = 0;
            none.any = 0;
            int tile = blockDim.x * LSCAN_ITEMS;
            LScanBest<T> carry = none;
            for (int start = 0; start < n; start += tile) {
                int j0 = start + threadIdx.x * LSCAN_ITEMS;
                int j1 = min(j0 + LSCAN_ITEMS, n);
                LScanBest<T> agg = none;
                for (int j = j0; j < j1; j++) {
                    LScanBest<T> x;
                    x.v = s[(i64) j * ss];
                    x.at = j;
                    x.any = 1;
                    agg = pick(agg, x);
                }
                LScanBest<T> total;
                LScanBest<T> excl = lscanBlock(shB, agg, none, pick, &total);
                LScanBest<T> pre = pick(carry, excl);
                for (int j = j0; j < j1; j++) {
                    LScanBest<T> x;
                    x.v = s[(i64) j * ss];
                    x.at = j;
                    x.any = 1;
                    pre = pick(pre, x);
                    d[(i64) j * ds] = pre.v;
                    x0[(i64) j * is] = pre.at;
                }
                carry = pick(carry, total);
            }
        } else {
            if constexpr (K::fp) {
                lscanFold<K, double>(s, d, n, ss, ds, __longlong_as_double(0xfff0000000000000LL), LScanLse(), true, shD);
            }
        }
    }
}

// __launch_bounds__: the compiler keeps a 1024-thread block within the register file (64 registers a thread; sm_75
// needs all 64 without the bound). Only under nvcc: the host emulation and the tests' signature reader (g++) skip it.
#ifdef __CUDACC__
#define LSCAN_BOUNDS __launch_bounds__(LSCAN_MAX_THREADS)
#else
#define LSCAN_BOUNDS
#endif
#define SCAN_LONG_KERNELS(N, K) \
extern "C" __global__ void LSCAN_BOUNDS scan_long_##N(Geo g, int op, int n, int ss, int ds, int is, const K::T* s, K::T* d, \
    i64* ix) { scanLongK<K>(g, op, n, ss, ds, is, s, d, ix); }
SCAN_LONG_KERNELS(f32, TagF32) SCAN_LONG_KERNELS(f64, TagF64) SCAN_LONG_KERNELS(i64, TagI64)
SCAN_LONG_KERNELS(i32, TagI32) SCAN_LONG_KERNELS(i16, TagI16) SCAN_LONG_KERNELS(i8, TagI8)
SCAN_LONG_KERNELS(ui8, TagU8) SCAN_LONG_KERNELS(u8, TagB)

// ------------------------------------------------------------------ bincount with weights
// g iterates src and weights (operand 0 src, 1 weights); each weight is added, in the weights' type (float32 or float64,
// as the op casts them), to the dense zeroed sums of size bins (values outside are skipped: the op layer checks them).
template <typename T>
__device__ void bincountWeightsK(const Geo& g, const i64* src, const T* w, int size, T* sums) {
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        i64 v = src[off[0]];
        if (v >= 0 && v < size) atomicAdd(sums + v, w[off[1]]);
    }
}
extern "C" __global__ void bincount_weights_f32(Geo g, const i64* src, const float* w, int size, float* sums) {
    bincountWeightsK(g, src, w, size, sums);
}
extern "C" __global__ void bincount_weights_f64(Geo g, const i64* src, const double* w, int size, double* sums) {
    bincountWeightsK(g, src, w, size, sums);
}

// ------------------------------------------------------------------ unique of rows (torch.unique with dim)
// Backend.unique of an [n, m] layout (rows of m > 1 elements; m == 1 is sort_kernels.cu's unique): CudaGapsKernels puts
// the rows in order with m passes of the stable sort (sort_kernels.cu's sortLines), from the last column to the first,
// each over one column gathered in the current order (gather_b*) and composed into the order (udim_compose): a stable
// lexicographic order, as the CPU's merge sort of rows (equal rows keep their order). Then a group starts where a row
// differs from the previous one in order, or holds a NaN (the CPU's rowsEqual: equal keys, none NaN), the flags are
// scanned, and each group's first row, each row's group and each group's size are written. unique_consecutive keeps
// the rows' own order.
extern "C" __global__ void udim_iota(int n, i64* perm) {
    GRID_STRIDE(i, n) perm[i] = i;
}
extern "C" __global__ void udim_compose(const i64* perm, const int* idx, int n, i64* out) {
    GRID_STRIDE(i, n) out[i] = perm[idx[i]];
}
template <typename K>
__device__ bool udimRowsEqual(const typename K::T* src, int base, int rs, int cs, int m, i64 a, i64 b) {
    for (int c = 0; c < m; c++) {
        typename K::T x = src[(i64) base + a * rs + (i64) c * cs];
        typename K::T y = src[(i64) base + b * rs + (i64) c * cs];
        if (sortKey<K>(x) != sortKey<K>(y)) return false;
        if constexpr (K::fp) {
            if (x != x) return false;
        }
    }
    return true;
}
// flags[j] = 1 where position j of the order starts a group
template <typename K>
__device__ void udimFlagsK(const typename K::T* src, int base, int rs, int cs, int m, int n, const i64* perm, int* flags) {
    GRID_STRIDE(j, n) flags[j] = j == 0 || !udimRowsEqual<K>(src, base, rs, cs, m, perm[j - 1], perm[j]) ? 1 : 0;
}
// starts: the exclusive scan of flags. Each group's first row into the dense values (group * m + c), each row's group
// into inverse (by the row's index), each group's first position into counts (finished by udim_counts)
template <typename K>
__device__ void udimWriteK(const typename K::T* src, int base, int rs, int cs, int m, int n, const i64* perm,
                           const int* flags, const int* starts, typename K::T* values, i64* inverse, i64* counts) {
    GRID_STRIDE(j, n) {
        int g = starts[j] + flags[j] - 1;
        i64 r = perm[j];
        if (flags[j]) {
            for (int c = 0; c < m; c++) values[(i64) g * m + c] = src[(i64) base + r * rs + (i64) c * cs];
            if (counts) counts[g] = j;
        }
        if (inverse) inverse[r] = g;
    }
}
// each group's size (from its first position, which udim_write left in counts), and the number of groups
extern "C" __global__ void udim_counts(const int* flags, const int* starts, int n, i64* counts, i64* groups) {
    GRID_STRIDE(j, n) {
        int g = starts[j] + flags[j] - 1;
        if (j == n - 1) *groups = g + 1;
        if (counts && (j == n - 1 || flags[j + 1])) counts[g] = j + 1 - counts[g];
    }
}
#define UDIM_KERNELS(N, K) \
extern "C" __global__ void udim_flags_##N(const K::T* s, int base, int rs, int cs, int m, int n, const i64* perm, \
    int* flags) { udimFlagsK<K>(s, base, rs, cs, m, n, perm, flags); } \
extern "C" __global__ void udim_write_##N(const K::T* s, int base, int rs, int cs, int m, int n, const i64* perm, \
    const int* flags, const int* starts, K::T* values, i64* inverse, i64* counts) { \
    udimWriteK<K>(s, base, rs, cs, m, n, perm, flags, starts, values, inverse, counts); }
UDIM_KERNELS(f32, TagF32) UDIM_KERNELS(f64, TagF64) UDIM_KERNELS(i64, TagI64) UDIM_KERNELS(i32, TagI32)
UDIM_KERNELS(i16, TagI16) UDIM_KERNELS(i8, TagI8) UDIM_KERNELS(ui8, TagU8) UDIM_KERNELS(u8, TagB)
