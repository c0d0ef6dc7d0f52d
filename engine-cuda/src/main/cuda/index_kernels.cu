// ------------------------------------------------------------------ indexing (issue 14): Backend's IndexingOps family
// Included at the end of ember_kernels.cu (it uses Geo, locate, GRID_STRIDE and the type tags TagB ... TagF64 defined
// there); launched by CudaIndexKernels.java. The CPU backend's IndexKernels is the reference for every result:
//   gather_b{1,2,4,8}           dst[p] = src[p with p[dim] = index[p]], a copy of element bits (every dtype)
//   scatter_claim*, scatter_assign_b*
//                               plain scatter: of several values landing on one element the last in row-major order of
//                               index wins, as on the CPU (each element's winner is claimed with atomicMax first)
//   scatter_init_*, scatter_reduce_*, scatter_mean_*
//                               scatter with a reduction through atomics (sum, prod, mean, amax, amin)
//   scatter_line_*              the same one line of index at a time, in row-major order (no atomics): the deterministic
//                               path for the order-dependent float reductions (sum, mean, prod)
//   nonzero_count_*, nonzero_tiles_*, nonzero_scan, nonzero_write_*
//                               the count, and the ordered compaction of the coordinates (row-major)
//   linear_index, linear_index_report
//                               advanced indexing's linear index with its device-side range check
// Index values reach these kernels checked by a device-side check (Backend.checkIndices) that raises only at the next
// synchronization, so every kernel skips an index outside the range it may address rather than touch memory out of
// bounds. ScatterReduce's ordinals: NONE 0, SUM 1, PROD 2, MEAN 3, AMAX 4, AMIN 5.

#define SR_NONE 0
#define SR_SUM 1
#define SR_PROD 2
#define SR_MEAN 3
#define SR_AMAX 4
#define SR_AMIN 5

template <int S> struct IdxWord;
template <> struct IdxWord<1> { typedef unsigned char W; };
template <> struct IdxWord<2> { typedef unsigned short W; };
template <> struct IdxWord<4> { typedef unsigned int W; };
template <> struct IdxWord<8> { typedef unsigned long long W; };

template <typename To, typename From>
__device__ __forceinline__ To idxBits(From f) {
    static_assert(sizeof(To) == sizeof(From), "same size");
    To t;
    memcpy(&t, &f, sizeof(To));
    return t;
}

// ------------------------------------------------------------------ gather
// g iterates dst's shape: operand 0 dst, 1 index, 2 src with stride 0 along dim (the kernel adds index * ds).

template <typename W>
__device__ void gatherK(const Geo& g, const W* src, const i64* idx, W* dst, int ds, int bound) {
    GRID_STRIDE(i, g.numel) {
        int off[3]; locate<3>(g, i, off);
        i64 v = idx[off[1]];
        dst[off[0]] = v >= 0 && v < bound ? src[(i64) off[2] + v * ds] : (W) 0;
    }
}
extern "C" __global__ void gather_b1(Geo g, const unsigned char* s, const i64* idx, unsigned char* d, int ds, int bound) { gatherK(g, s, idx, d, ds, bound); }
extern "C" __global__ void gather_b2(Geo g, const unsigned short* s, const i64* idx, unsigned short* d, int ds, int bound) { gatherK(g, s, idx, d, ds, bound); }
extern "C" __global__ void gather_b4(Geo g, const unsigned int* s, const i64* idx, unsigned int* d, int ds, int bound) { gatherK(g, s, idx, d, ds, bound); }
extern "C" __global__ void gather_b8(Geo g, const unsigned long long* s, const i64* idx, unsigned long long* d, int ds, int bound) { gatherK(g, s, idx, d, ds, bound); }

// ------------------------------------------------------------------ scatter
// g iterates index's shape: operand 0 index, 1 src, 2 dst with stride 0 along dim (plus index * ds), 3 a dense
// row-major layout of dst's shape, likewise pinned (plus index * dds): the element's slot in the per-element int buffers
// (winners, counts). Element i of the iteration is position i of index in row-major order.

// Plain scatter, pass 1: the slots the index reaches start at -1 (only those: no pass over all of dst)
extern "C" __global__ void scatter_claim_reset(Geo g, const i64* idx, int* win, int dds, int bound) {
    GRID_STRIDE(i, g.numel) {
        int off[4]; locate<4>(g, i, off);
        i64 v = idx[off[0]];
        if (v >= 0 && v < bound) win[(i64) off[3] + v * dds] = -1;
    }
}
// pass 2: each element of dst is claimed by the last position of index (row-major) that lands on it
extern "C" __global__ void scatter_claim(Geo g, const i64* idx, int* win, int dds, int bound) {
    GRID_STRIDE(i, g.numel) {
        int off[4]; locate<4>(g, i, off);
        i64 v = idx[off[0]];
        if (v >= 0 && v < bound) atomicMax(win + (i64) off[3] + v * dds, i);
    }
}
// pass 3: the winners write (one writer per element: the CPU's result, deterministic)
template <typename W>
__device__ void scatterAssignK(const Geo& g, const i64* idx, const W* src, W* dst, int ds, int bound, const int* win,
                               int dds) {
    GRID_STRIDE(i, g.numel) {
        int off[4]; locate<4>(g, i, off);
        i64 v = idx[off[0]];
        if (v >= 0 && v < bound && win[(i64) off[3] + v * dds] == i) dst[(i64) off[2] + v * ds] = src[off[1]];
    }
}
#define SCATTER_ASSIGN(N, W) extern "C" __global__ void scatter_assign_b##N(Geo g, const i64* idx, const W* s, W* d, \
    int ds, int bound, const int* win, int dds) { scatterAssignK(g, idx, s, d, ds, bound, win, dds); }
SCATTER_ASSIGN(1, unsigned char) SCATTER_ASSIGN(2, unsigned short) SCATTER_ASSIGN(4, unsigned int)
SCATTER_ASSIGN(8, unsigned long long)

// The lowest and largest value of an integer type (uint8: 0 and 255), as the CPU's DType.minValue/maxValue.
template <typename T>
__device__ __forceinline__ T idxIntLowest() {
    return (T) -1 < (T) 0 ? (T) (1ULL << (8 * sizeof(T) - 1)) : (T) 0;
}
template <typename T>
__device__ __forceinline__ T idxIntHighest() {
    return (T) ~idxIntLowest<T>();
}

// What an element that does not take part in its own reduction starts from (the CPU's IndexKernels.identity): 0 for
// sum and mean, 1 for prod, the type's lowest for amax and largest for amin (-inf and inf; false and true for bool).
template <typename K>
__device__ __forceinline__ typename K::T scatterIdentity(int reduce) {
    typedef typename K::T T;
    if (reduce == SR_PROD) return (T) 1;
    if (reduce == SR_AMAX) {
        if constexpr (K::boolean) return (T) 0;
        else if constexpr (K::fp) return (T) __longlong_as_double(0xfff0000000000000LL);
        else return idxIntLowest<T>();
    }
    if (reduce == SR_AMIN) {
        if constexpr (K::boolean) return (T) 1;
        else if constexpr (K::fp) return (T) __longlong_as_double(0x7ff0000000000000LL);
        else return idxIntHighest<T>();
    }
    return (T) 0;
}

// x combined with v, as the CPU's scatter loop: floats in their own type, a NaN value wins amax and amin (and a NaN
// already there stays); integers wrap (through unsigned 64-bit arithmetic, whose low bits are the type's own), bool or
// (sum, amax) and and (prod, amin).
template <typename K>
__device__ __forceinline__ typename K::T scatterCombine(int reduce, typename K::T x, typename K::T v) {
    typedef typename K::T T;
    if constexpr (K::boolean) {
        if (reduce == SR_NONE) return v;
        return reduce == SR_SUM || reduce == SR_AMAX ? (T) ((x | v) != 0) : (T) ((x & v) != 0);
    } else if constexpr (K::fp) {
        switch (reduce) {
            case SR_NONE: return v;
            case SR_SUM: case SR_MEAN: return x + v;
            case SR_PROD: return x * v;
            case SR_AMAX: return v != v ? v : (x < v ? v : x);
            default: return v != v ? v : (v < x ? v : x);
        }
    } else {
        switch (reduce) {
            case SR_NONE: return v;
            case SR_SUM: case SR_MEAN: return (T) ((unsigned long long) (i64) x + (unsigned long long) (i64) v);
            case SR_PROD: return (T) ((unsigned long long) (i64) x * (unsigned long long) (i64) v);
            case SR_AMAX: return x < v ? v : x;
            default: return v < x ? v : x;
        }
    }
}

// The atomic paths' combination: as scatterCombine, except that float amax and amin do not depend on the order of
// arrival (a NaN there stays, a NaN value wins, and of two zeros amax keeps +0 and amin -0), so their result is the
// same from run to run.
template <typename K>
__device__ __forceinline__ typename K::T scatterCombineAtomic(int reduce, typename K::T x, typename K::T v) {
    if constexpr (K::fp) {
        if (reduce == SR_AMAX || reduce == SR_AMIN) {
            if (x != x) return x;
            if (v != v) return v;
            if (x == v) {
                // equal: only two zeros can differ (in sign)
                bool vWins = reduce == SR_AMAX ? signbit(x) && !signbit(v) : !signbit(x) && signbit(v);
                return vWins ? v : x;
            }
            return reduce == SR_AMAX ? (x < v ? v : x) : (v < x ? v : x);
        }
    }
    return scatterCombine<K>(reduce, x, v);
}

// *a = combine(*a, v) atomically by compare-and-swap, on the aligned 32-bit word that holds a 1- or 2-byte element
// (allocations are rounded up to 512 bytes, so the word lies inside the allocation).
template <typename K>
__device__ void scatterAtomicCas(typename K::T* a, int reduce, typename K::T v) {
    typedef typename K::T T;
    if constexpr (sizeof(T) >= 4) {
        typedef typename IdxWord<sizeof(T)>::W W;
        W* p = (W*) a;
        W old = *(volatile W*) p;
        while (true) {
            W next = idxBits<W>(scatterCombineAtomic<K>(reduce, idxBits<T>(old), v));
            if (next == old) return;
            W seen = atomicCAS(p, old, next);
            if (seen == old) return;
            old = seen;
        }
    } else {
        typedef typename IdxWord<sizeof(T)>::W W;
        unsigned int* p = (unsigned int*) ((size_t) a & ~(size_t) 3);
        unsigned int shift = (unsigned int) ((size_t) a & 3) * 8;
        unsigned int mask = (sizeof(T) == 1 ? 0xffu : 0xffffu) << shift;
        unsigned int old = *(volatile unsigned int*) p;
        while (true) {
            T x = idxBits<T>((W) ((old & mask) >> shift));
            W y = idxBits<W>(scatterCombineAtomic<K>(reduce, x, v));
            unsigned int next = (old & ~mask) | (((unsigned int) y << shift) & mask);
            if (next == old) return;
            unsigned int seen = atomicCAS(p, old, next);
            if (seen == old) return;
            old = seen;
        }
    }
}

template <typename K>
__device__ __forceinline__ void scatterAtomic(typename K::T* a, int reduce, typename K::T v) {
    typedef typename K::T T;
    if constexpr (K::boolean) {
        // or and and need no atomics: every thread that writes an element writes the same value
        if (reduce == SR_SUM || reduce == SR_AMAX) {
            if (v) *a = 1;
        } else if (!v) {
            *a = 0;
        }
        return;
    } else {
        if (reduce == SR_SUM || reduce == SR_MEAN) {
            if constexpr (K::fp) {
                atomicAdd(a, v); // float and double (sm_60 and later)
                return;
            } else if constexpr (sizeof(T) == 8) {
                atomicAdd((unsigned long long*) a, (unsigned long long) v); // two's complement: int64's wrapping sum
                return;
            } else if constexpr (sizeof(T) == 4) {
                atomicAdd((unsigned int*) a, (unsigned int) v);
                return;
            }
        }
        if constexpr (!K::fp && sizeof(T) == 8) {
            if (reduce == SR_AMAX) { atomicMax((long long*) a, (long long) v); return; }
            if (reduce == SR_AMIN) { atomicMin((long long*) a, (long long) v); return; }
        }
        if constexpr (!K::fp && sizeof(T) == 4) {
            if (reduce == SR_AMAX) { atomicMax((int*) a, (int) v); return; }
            if (reduce == SR_AMIN) { atomicMin((int*) a, (int) v); return; }
        }
        scatterAtomicCas<K>(a, reduce, v);
    }
}

// include_self=False: every element the index reaches starts from the identity (all writers write the same value)
template <typename K>
__device__ void scatterInitK(const Geo& g, int reduce, const i64* idx, typename K::T* dst, int ds, int bound) {
    typename K::T id = scatterIdentity<K>(reduce);
    GRID_STRIDE(i, g.numel) {
        int off[3]; locate<3>(g, i, off);
        i64 v = idx[off[0]];
        if (v >= 0 && v < bound) dst[(i64) off[2] + v * ds] = id;
    }
}

// every position of index reduces its value into its element; mean also counts the values (counts non-null)
template <typename K>
__device__ void scatterReduceK(const Geo& g, int reduce, const i64* idx, const typename K::T* src, typename K::T* dst,
                               int ds, int bound, int* counts, int dds) {
    GRID_STRIDE(i, g.numel) {
        int off[4]; locate<4>(g, i, off);
        i64 v = idx[off[0]];
        if (v < 0 || v >= bound) continue;
        scatterAtomic<K>(dst + (i64) off[2] + v * ds, reduce, src[off[1]]);
        if (counts != nullptr) atomicAdd(counts + (i64) off[3] + v * dds, 1);
    }
}

// The deterministic path: lg iterates index's shape with dimension dim of size 1 (one thread per line of index along
// dim), with the operands of g; each thread walks its line in order. Lines reach disjoint elements of dst, so no two
// threads write one element, and each element sees its values in row-major order of index: the CPU's result, bit for
// bit. (Mean counts here without atomics for the same reason.)
template <typename K>
__device__ void scatterLineK(const Geo& lg, int reduce, int self, const i64* idx, const typename K::T* src,
                             typename K::T* dst, int ds, int bound, int* counts, int dds, int len, int is, int ss) {
    typedef typename K::T T;
    GRID_STRIDE(q, lg.numel) {
        int off[4]; locate<4>(lg, q, off);
        if (!self && reduce != SR_NONE) {
            T id = scatterIdentity<K>(reduce);
            for (int k = 0; k < len; k++) {
                i64 v = idx[(i64) off[0] + (i64) k * is];
                if (v >= 0 && v < bound) dst[(i64) off[2] + v * ds] = id;
            }
        }
        for (int k = 0; k < len; k++) {
            i64 v = idx[(i64) off[0] + (i64) k * is];
            if (v < 0 || v >= bound) continue;
            T* x = dst + (i64) off[2] + v * ds;
            *x = scatterCombine<K>(reduce, *x, src[(i64) off[1] + (i64) k * ss]);
            if (counts != nullptr) counts[(i64) off[3] + v * dds]++;
        }
    }
}

// mean's last step, over dst (operand 0) and its dense slots (operand 1): each element divided by its count, itself
// included (self = 1) or not; an element with a count of 0 or 1 keeps its value. Integers round down (floor division).
template <typename K>
__device__ void scatterMeanK(const Geo& g, typename K::T* dst, const int* counts, int self) {
    typedef typename K::T T;
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        int c = counts[off[1]] + self;
        if (c <= 1) continue;
        T x = dst[off[0]];
        if constexpr (K::fp) {
            dst[off[0]] = x / (T) c;
        } else {
            i64 a = (i64) x;
            i64 q = a / c;
            if (a % c != 0 && a < 0) q--;
            dst[off[0]] = (T) q;
        }
    }
}

#define SCATTER_KERNELS(N, K) \
extern "C" __global__ void scatter_init_##N(Geo g, int reduce, const i64* idx, K::T* d, int ds, int bound) { \
    scatterInitK<K>(g, reduce, idx, d, ds, bound); } \
extern "C" __global__ void scatter_reduce_##N(Geo g, int reduce, const i64* idx, const K::T* s, K::T* d, int ds, \
    int bound, int* counts, int dds) { scatterReduceK<K>(g, reduce, idx, s, d, ds, bound, counts, dds); }
#define SCATTER_MEAN(N, K) \
extern "C" __global__ void scatter_mean_##N(Geo g, K::T* d, const int* counts, int self) { scatterMeanK<K>(g, d, counts, self); }
// the line kernel serves only the order-dependent float reductions (CudaIndexKernels takes it for nothing else)
#define SCATTER_LINE(N, K) \
extern "C" __global__ void scatter_line_##N(Geo g, int reduce, int self, const i64* idx, const K::T* s, K::T* d, int ds, \
    int bound, int* counts, int dds, int len, int is, int ss) { \
    scatterLineK<K>(g, reduce, self, idx, s, d, ds, bound, counts, dds, len, is, ss); }
SCATTER_KERNELS(f32, TagF32) SCATTER_KERNELS(f64, TagF64) SCATTER_KERNELS(i64, TagI64) SCATTER_KERNELS(u8, TagB)
SCATTER_KERNELS(i32, TagI32) SCATTER_KERNELS(i16, TagI16) SCATTER_KERNELS(i8, TagI8) SCATTER_KERNELS(ui8, TagU8)
SCATTER_MEAN(f32, TagF32) SCATTER_MEAN(f64, TagF64) SCATTER_MEAN(i64, TagI64)
SCATTER_MEAN(i32, TagI32) SCATTER_MEAN(i16, TagI16) SCATTER_MEAN(i8, TagI8) SCATTER_MEAN(ui8, TagU8)
SCATTER_LINE(f32, TagF32) SCATTER_LINE(f64, TagF64)

// ------------------------------------------------------------------ nonzero
// g iterates the source layout (one operand). An element is nonzero when it compares unequal to 0 in its own type (a
// NaN counts, -0.0 does not; bool: true).

template <typename T>
__device__ void nonzeroCountK(const Geo& g, const T* s, unsigned long long* count) {
    unsigned int c = 0;
    GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); c += s[off[0]] != (T) 0; }
    for (int o = 16; o > 0; o >>= 1) c += __shfl_down_sync(0xffffffffu, c, o);
    if ((threadIdx.x & 31) == 0 && c != 0) atomicAdd(count, (unsigned long long) c);
}

// The ordered compaction runs over tiles of NZ_TILE consecutive elements (row-major), one block of 256 threads each:
// the tiles' counts, an exclusive scan of them (one block), then each tile writes its coordinates from its start.
#define NZ_ITEMS 16
#define NZ_TILE (256 * NZ_ITEMS)
#define NZ_MAXR 16

struct NzShape {
    int rank;
    int shape[NZ_MAXR];
};

template <typename T>
__device__ void nonzeroTilesK(const Geo& g, const T* s, int* counts) {
    __shared__ int warps[8];
    i64 base = (i64) blockIdx.x * NZ_TILE;
    int c = 0;
    for (int it = 0; it < NZ_ITEMS; it++) {
        i64 p = base + it * 256 + threadIdx.x;
        if (p < g.numel) { int off[1]; locate<1>(g, (int) p, off); c += s[off[0]] != (T) 0; }
    }
    for (int o = 16; o > 0; o >>= 1) c += __shfl_down_sync(0xffffffffu, c, o);
    if ((threadIdx.x & 31) == 0) warps[threadIdx.x >> 5] = c;
    __syncthreads();
    if (threadIdx.x == 0) {
        int t = 0;
        for (int w = 0; w < 8; w++) t += warps[w];
        counts[blockIdx.x] = t;
    }
}

// one block of 1024 threads: starts[b] = counts[0] + ... + counts[b - 1]
extern "C" __global__ void nonzero_scan(const int* counts, int nb, i64* starts) {
    __shared__ i64 sums[1024];
    int t = threadIdx.x;
    int per = (nb + 1023) / 1024;
    int lo = min(nb, t * per);
    int hi = min(nb, lo + per);
    i64 own = 0;
    for (int b = lo; b < hi; b++) own += counts[b];
    sums[t] = own;
    __syncthreads();
    for (int o = 1; o < 1024; o <<= 1) {
        i64 add = t >= o ? sums[t - o] : 0;
        __syncthreads();
        sums[t] += add;
        __syncthreads();
    }
    i64 run = sums[t] - own;
    for (int b = lo; b < hi; b++) {
        starts[b] = run;
        run += counts[b];
    }
}

// each tile in 16 steps of 256 consecutive elements: a block-wide scan of the nonzero flags (warp ballots) gives each
// nonzero element its row of dst, into which it writes its coordinates (dst[dOff + row * rowStride + d * colStride])
template <typename T>
__device__ void nonzeroWriteK(const Geo& g, const NzShape& sh, const T* s, const i64* starts, i64* dst, int dOff,
                              int rowStride, int colStride) {
    __shared__ int warps[8];
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    i64 base = (i64) blockIdx.x * NZ_TILE;
    i64 row = starts[blockIdx.x];
    for (int it = 0; it < NZ_ITEMS; it++) {
        i64 p = base + it * 256 + threadIdx.x;
        bool f = false;
        if (p < g.numel) { int off[1]; locate<1>(g, (int) p, off); f = s[off[0]] != (T) 0; }
        unsigned int ballot = __ballot_sync(0xffffffffu, f);
        if (lane == 0) warps[warp] = __popc(ballot);
        __syncthreads();
        int before = 0;
        int all = 0;
        for (int w = 0; w < 8; w++) {
            int c = warps[w];
            before += w < warp ? c : 0;
            all += c;
        }
        if (f) {
            i64 r = row + before + __popc(ballot & ((1u << lane) - 1u));
            i64 at = (i64) dOff + r * rowStride;
            int rem = (int) p;
            for (int d = sh.rank - 1; d >= 0; d--) {
                int size = sh.shape[d];
                dst[at + (i64) d * colStride] = rem % size;
                rem /= size;
            }
        }
        row += all;
        __syncthreads(); // every thread has read warps before the next step overwrites it
    }
}

#define NONZERO_KERNELS(N, T) \
extern "C" __global__ void nonzero_count_##N(Geo g, const T* s, unsigned long long* count) { nonzeroCountK(g, s, count); } \
extern "C" __global__ void nonzero_tiles_##N(Geo g, const T* s, int* counts) { nonzeroTilesK(g, s, counts); } \
extern "C" __global__ void nonzero_write_##N(Geo g, NzShape sh, const T* s, const i64* starts, i64* d, int dOff, \
    int rowStride, int colStride) { nonzeroWriteK(g, sh, s, starts, d, dOff, rowStride, colStride); }
NONZERO_KERNELS(f32, float) NONZERO_KERNELS(f64, double) NONZERO_KERNELS(i64, i64) NONZERO_KERNELS(u8, unsigned char)
NONZERO_KERNELS(i32, int) NONZERO_KERNELS(i16, short) NONZERO_KERNELS(i8, signed char) NONZERO_KERNELS(ui8, unsigned char)

// ------------------------------------------------------------------ linear index of advanced indexing
// g iterates dst's shape: operand 0 dst, 1 .. count the index tensors first .. first + count - 1 of k (broadcast to dst's
// shape). Up to three index tensors per launch; a later launch goes on from dst (acc = 1). acc = acc * size + index,
// a negative index wrapped. An index outside [-size, size) records the key e * k + j of its position (element e in
// row-major order, tensor j) in *bad with atomicMin, so the smallest key is the CPU's first offender; its element gets
// -1, which every indexing kernel skips.
extern "C" __global__ void linear_index(Geo g, int count, int first, int k, const i64* a, const i64* b, const i64* c,
                                        i64 sa, i64 sb, i64 sc, int acc, i64* dst, unsigned long long* bad) {
    GRID_STRIDE(e, g.numel) {
        int off[4]; locate<4>(g, e, off);
        i64 r = acc ? dst[off[0]] : 0;
        if (r >= 0) {
            for (int j = 0; j < count; j++) {
                const i64* p = j == 0 ? a : j == 1 ? b : c;
                i64 size = j == 0 ? sa : j == 1 ? sb : sc;
                i64 v = p[off[j + 1]];
                if (v < -size || v >= size) {
                    atomicMin(bad, (unsigned long long) e * k + first + j);
                    r = -1;
                    break;
                }
                r = r * size + (v < 0 ? v + size : v);
            }
        }
        dst[off[0]] = r;
    }
}

// One thread: the value of the first offender recorded in *bad, when it lies in this launch's tensors, into out[1]; with
// flag, only if out[0] (CudaBackend's error word) is still 0, which it sets to 1 (the host raises at its next
// synchronization, as for check_indices).
extern "C" __global__ void linear_index_report(Geo g, int count, int first, int k, const i64* a, const i64* b,
                                               const i64* c, const unsigned long long* bad, i64* out, int flag) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    unsigned long long key = *bad;
    if (key == ~0ULL) return;
    int e = (int) (key / k);
    int j = (int) (key % k) - first;
    if (j < 0 || j >= count) return;
    int off[4]; locate<4>(g, e, off);
    const i64* p = j == 0 ? a : j == 1 ? b : c;
    i64 v = p[off[j + 1]];
    if (!flag) {
        out[1] = v;
    } else if (atomicCAS((unsigned long long*) out, 0ULL, 1ULL) == 0ULL) {
        out[1] = v;
    }
}
