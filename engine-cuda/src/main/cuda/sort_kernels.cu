// ------------------------------------------------------------------ sorting and scans (issue 14): Backend's SortOps family
// Included at the end of ember_kernels.cu (it uses Geo, locate, GRID_STRIDE and the type tags TagB ... TagF64 defined
// there); launched by CudaSortKernels.java. The CPU backend's SortKernels is the reference for every result:
//   sort_small_*                lines of at most SORT_CAP elements, sorted in shared memory by a bitonic network on
//                               (key, position) pairs: every pair differs, so the result is the stable order
//   sort_keys_*, radix_count_k*, radix_scan_*, radix_scatter_k*
//                               longer lines: a stable LSD radix sort (8-bit digits) of (key, position), every line sorted
//                               apart (a tile never crosses a line and the offsets are scanned line by line, so the line
//                               is the most significant key)
//   sort_write_indices          the positions into the int64 indices output (the values are then a gather)
//   rank_select_k*              kthvalue, median, nanmedian, mode from each sorted line
//   scan_*                      cumsum, cumprod, cummax, cummin, logcumsumexp: one thread per line, sequential, in the
//                               CPU's order and accumulation types (double for floating sums and products, int64 wrapping
//                               for integers), so the results are the CPU's bit for bit (logcumsumexp up to the last bits
//                               of the device's exp and log1p)
//   searchsorted_*              one thread per value, PyTorch's binary search (NaN comparisons included)
//   histc_*, histc_out_*, bincount_count
//                               counts with 64-bit integer atomics (exact, independent of order), then converted
//   unique_flags_k*, unique_write_b*, unique_counts_k*
//                               unique of single-element rows: the groups of equal keys of the sorted (or consecutive)
//                               rows, numbered by a scan of their first positions
// Keys: an element's key is an unsigned integer that orders as the values do (the CPU's floatKey/doubleKey idea): a float
// maps through its IEEE bits (-0.0 first made +0.0, every NaN the canonical NaN, which then sorts above +infinity), an
// integer is offset so that its type's lowest value is 0. A key has 8 bits per byte of the type (64 for int64 and float64,
// 32 for float32), and a descending sort complements its bits; keys of at most 32 bits are held in 32-bit words.

// (CudaSortKernels.java holds the same numbers; the host emulation test builds the kernels with smaller ones as well)
#ifndef SORT_CAP
#define SORT_CAP 2048
#endif
#define SORT_THREADS 256
#ifndef RADIX_TILE
#define RADIX_TILE 2048
#endif
#ifndef SCAN_ITEMS
#define SCAN_ITEMS 16
#endif
#define SCAN_CHUNK (256 * SCAN_ITEMS)

typedef unsigned long long u64;

// The number of key bits of a type.
template <typename K>
__host__ __device__ constexpr int sortKeyBits() {
    return K::fp ? (K::f32 ? 32 : 64) : 8 * (int) sizeof(typename K::T);
}

// The ascending key of a value (see above).
template <typename K>
__device__ __forceinline__ u64 sortKey(typename K::T v) {
    typedef typename K::T T;
    if constexpr (K::fp) {
        if constexpr (K::f32) {
            float x = v == 0 ? 0.0f : (float) v;
            unsigned b = 0x7fc00000u;
            if (x == x) memcpy(&b, &x, 4);
            return (u64) ((b & 0x80000000u) ? ~b : (b | 0x80000000u));
        } else {
            double x = v == 0 ? 0.0 : (double) v;
            u64 b = 0x7ff8000000000000ULL;
            if (x == x) memcpy(&b, &x, 8);
            return (b & 0x8000000000000000ULL) ? ~b : (b | 0x8000000000000000ULL);
        }
    } else {
        const int bits = sortKeyBits<K>();
        const u64 mask = bits == 64 ? ~0ULL : ((1ULL << bits) - 1);
        if ((T) -1 < (T) 0) {
            return ((u64) (i64) v ^ (1ULL << (bits - 1))) & mask; // signed: the lowest value becomes 0
        }
        return (u64) v; // uint8, bool
    }
}

template <typename K>
__device__ __forceinline__ u64 sortKeyMask() {
    const int bits = sortKeyBits<K>();
    return bits == 64 ? ~0ULL : ((1ULL << bits) - 1);
}

// ------------------------------------------------------------------ short lines: bitonic sort in shared memory
// g iterates the lines (src's layout with size 1 at dim): operand 0 the line's first element. The block holds SORT_CAP
// slots: SORT_CAP / P lines of P slots (P, a power of two, at least n); the slots past n hold the largest key and the
// largest position, so they sort after every element. Running the bitonic stages up to P sorts each aligned run of P
// slots apart (every stage's partners lie in one run), the last stage ascending for all. Writes each line's sorted keys
// (unless keysOut is null) and positions, line after line (line * n + j).
template <typename K, typename KeyT>
__device__ void sortSmallK(const Geo& g, const typename K::T* src, int ss, int n, int P, int desc, int lines,
                           KeyT* keysOut, int* idxOut) {
    __shared__ KeyT sk[SORT_CAP];
    __shared__ int si[SORT_CAP];
    const u64 flip = desc ? sortKeyMask<K>() : 0;
    const int lpb = SORT_CAP / P;
    for (i64 first = (i64) blockIdx.x * lpb; first < lines; first += (i64) gridDim.x * lpb) {
        for (int s = threadIdx.x; s < SORT_CAP; s += blockDim.x) {
            i64 line = first + s / P;
            int j = s % P;
            if (line < lines && j < n) {
                int off[1]; locate<1>(g, (int) line, off);
                sk[s] = (KeyT) (sortKey<K>(src[(i64) off[0] + (i64) j * ss]) ^ flip);
                si[s] = j;
            } else {
                sk[s] = (KeyT) ~(KeyT) 0;
                si[s] = 0x7fffffff;
            }
        }
        __syncthreads();
        for (int k = 2; k <= P; k <<= 1) {
            for (int j = k >> 1; j > 0; j >>= 1) {
                for (int s = threadIdx.x; s < SORT_CAP; s += blockDim.x) {
                    int p = s ^ j;
                    if (p > s) {
                        bool up = (s & k) == 0 || k == P;
                        KeyT a = sk[s], b = sk[p];
                        int ia = si[s], ib = si[p];
                        bool greater = a > b || (a == b && ia > ib);
                        if (greater == up) {
                            sk[s] = b; sk[p] = a;
                            si[s] = ib; si[p] = ia;
                        }
                    }
                }
                __syncthreads();
            }
        }
        for (int s = threadIdx.x; s < SORT_CAP; s += blockDim.x) {
            i64 line = first + s / P;
            int j = s % P;
            if (line < lines && j < n) {
                i64 at = line * n + j;
                if (keysOut) keysOut[at] = sk[s];
                idxOut[at] = si[s];
            }
        }
        __syncthreads();
    }
}

// ------------------------------------------------------------------ long lines: stable LSD radix sort
// sort_keys: g iterates src with dim moved last (row-major position p = line * n + j): each element's key and position.
template <typename K, typename KeyT>
__device__ void sortKeysK(const Geo& g, const typename K::T* src, int n, int desc, KeyT* keys, int* idx) {
    const u64 flip = desc ? sortKeyMask<K>() : 0;
    GRID_STRIDE(p, g.numel) {
        int off[1]; locate<1>(g, p, off);
        keys[p] = (KeyT) (sortKey<K>(src[off[0]]) ^ flip);
        idx[p] = p % n;
    }
}

// Each line of n keys is cut into tpl tiles of RADIX_TILE; tile t of line l counts its digits into
// counts[(l * 256 + digit) * tpl + t], so that an exclusive scan of counts gives every (line, digit, tile) its first
// place in the output: lines in order, digits in order within a line, tiles in order within a digit.
template <typename KeyT>
__device__ void radixCountK(const KeyT* keys, int n, int tpl, int tiles, int shift, int* counts) {
    __shared__ int hist[256];
    for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
        for (int d = threadIdx.x; d < 256; d += blockDim.x) hist[d] = 0;
        __syncthreads();
        int line = tile / tpl, t = tile % tpl;
        i64 lineStart = (i64) line * n;
        int lo = t * RADIX_TILE, hi = min(n, lo + RADIX_TILE);
        for (int j = lo + (int) threadIdx.x; j < hi; j += blockDim.x) {
            atomicAdd(&hist[(int) ((keys[lineStart + j] >> shift) & 255)], 1);
        }
        __syncthreads();
        for (int d = threadIdx.x; d < 256; d += blockDim.x) counts[((i64) line * 256 + d) * tpl + t] = hist[d];
        __syncthreads();
    }
}

// An exclusive scan of the 256 threads' values (blockDim.x must be 256); *total receives their sum.
__device__ int sortBlockExclusiveScan(int v, int* total) {
    __shared__ int buf[256];
    int t = threadIdx.x;
    buf[t] = v;
    __syncthreads();
    for (int o = 1; o < 256; o <<= 1) {
        int x = t >= o ? buf[t - o] : 0;
        __syncthreads();
        buf[t] += x;
        __syncthreads();
    }
    int inclusive = buf[t];
    *total = buf[255];
    __syncthreads();
    return inclusive - v;
}

// The exclusive scan, in place, of data[start, start + SCAN_CHUNK) (clipped to m) plus carry; returns the chunk's sum.
// Thread t takes SCAN_ITEMS consecutive elements.
__device__ int sortScanChunk(int* data, i64 m, i64 start, int carry) {
    i64 mine = start + (i64) threadIdx.x * SCAN_ITEMS;
    int local = 0;
    for (int i = 0; i < SCAN_ITEMS; i++) if (mine + i < m) local += data[mine + i];
    int total;
    int run = sortBlockExclusiveScan(local, &total) + carry;
    for (int i = 0; i < SCAN_ITEMS; i++) {
        if (mine + i < m) {
            int v = data[mine + i];
            data[mine + i] = run;
            run += v;
        }
    }
    return total;
}

// The sum of each chunk of SCAN_CHUNK counts.
extern "C" __global__ void radix_scan_reduce(const int* counts, i64 m, int chunks, int* sums) {
    for (int b = blockIdx.x; b < chunks; b += gridDim.x) {
        i64 mine = (i64) b * SCAN_CHUNK + (i64) threadIdx.x * SCAN_ITEMS;
        int local = 0;
        for (int i = 0; i < SCAN_ITEMS; i++) if (mine + i < m) local += counts[mine + i];
        int total;
        sortBlockExclusiveScan(local, &total);
        if (threadIdx.x == 0) sums[b] = total;
    }
}

// The exclusive scan of the chunks' sums, in place (one block).
extern "C" __global__ void radix_scan_top(int* sums, int chunks) {
    int carry = 0;
    for (i64 start = 0; start < chunks; start += SCAN_CHUNK) carry += sortScanChunk(sums, chunks, start, carry);
}

// The exclusive scan of every chunk of counts, in place, from its chunk's first place.
extern "C" __global__ void radix_scan_down(int* counts, i64 m, int chunks, const int* sums) {
    for (int b = blockIdx.x; b < chunks; b += gridDim.x) sortScanChunk(counts, m, (i64) b * SCAN_CHUNK, sums[b]);
}

// One pass: every (key, position) to its place. A tile goes through in rounds of 256 consecutive elements; within a
// round each warp splits its lanes by digit with ballots (the lanes below with the same digit give the rank), and the
// warps below add their counts of the digit, so equal digits keep their order: stable. blockDim.x must be 256.
template <typename KeyT>
__device__ void radixScatterK(const KeyT* kin, const int* iin, KeyT* kout, int* iout, int n, int tpl, int tiles,
                              int shift, const int* offsets) {
    __shared__ int base[256];
    __shared__ int wc[8][256];
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    unsigned below = (1u << lane) - 1;
    for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
        int line = tile / tpl, t = tile % tpl;
        i64 lineStart = (i64) line * n;
        int lo = t * RADIX_TILE, hi = min(n, lo + RADIX_TILE);
        for (int d = threadIdx.x; d < 256; d += blockDim.x) base[d] = offsets[((i64) line * 256 + d) * tpl + t];
        for (int i = threadIdx.x; i < 8 * 256; i += blockDim.x) wc[i >> 8][i & 255] = 0;
        __syncthreads();
        for (int r = lo; r < hi; r += 256) {
            int j = r + (int) threadIdx.x;
            bool valid = j < hi;
            KeyT key = valid ? kin[lineStart + j] : (KeyT) 0;
            int ix = valid ? iin[lineStart + j] : 0;
            int digit = (int) ((key >> shift) & 255);
            unsigned peers = __ballot_sync(0xffffffffu, valid);
            for (int b = 0; b < 8; b++) {
                int bit = (digit >> b) & 1;
                unsigned m = __ballot_sync(0xffffffffu, bit);
                peers &= bit ? m : ~m;
            }
            int rank = __popc(peers & below);
            if (valid && rank == 0) wc[warp][digit] = __popc(peers);
            __syncthreads();
            if (valid) {
                i64 pos = (i64) base[digit] + rank;
                for (int w = 0; w < warp; w++) pos += wc[w][digit];
                kout[pos] = key;
                iout[pos] = ix;
            }
            __syncthreads();
            for (int d = threadIdx.x; d < 256; d += blockDim.x) {
                int s = 0;
                for (int w = 0; w < 8; w++) {
                    s += wc[w][d];
                    wc[w][d] = 0;
                }
                base[d] += s;
            }
            __syncthreads();
        }
    }
}

extern "C" __global__ void radix_count_k32(const unsigned* keys, int n, int tpl, int tiles, int shift, int* counts) {
    radixCountK(keys, n, tpl, tiles, shift, counts);
}
extern "C" __global__ void radix_count_k64(const u64* keys, int n, int tpl, int tiles, int shift, int* counts) {
    radixCountK(keys, n, tpl, tiles, shift, counts);
}
extern "C" __global__ void radix_scatter_k32(const unsigned* kin, const int* iin, unsigned* kout, int* iout, int n,
                                             int tpl, int tiles, int shift, const int* offsets) {
    radixScatterK(kin, iin, kout, iout, n, tpl, tiles, shift, offsets);
}
extern "C" __global__ void radix_scatter_k64(const u64* kin, const int* iin, u64* kout, int* iout, int n, int tpl,
                                             int tiles, int shift, const int* offsets) {
    radixScatterK(kin, iin, kout, iout, n, tpl, tiles, shift, offsets);
}

// g iterates the indices output with dim moved last (position p = line * n + j): the sorted positions as int64.
extern "C" __global__ void sort_write_indices(Geo g, const int* idx, i64* out) {
    GRID_STRIDE(p, g.numel) {
        int off[1]; locate<1>(g, p, off);
        out[off[0]] = idx[p];
    }
}

// ------------------------------------------------------------------ selection by rank
// From each line's ascending keys and positions (line * n + j): the position of the element RankOp picks, into the int64
// output (g iterates the lines: operand 0 the output). nanKey is the key of NaN (the largest), for floating types.
// RankOp's ordinals: KTHVALUE 0, MEDIAN 1, NANMEDIAN 2, MODE 3.
template <typename KeyT>
__device__ void rankSelectK(const Geo& g, const KeyT* keys, const int* idx, int n, int op, i64 k, int floating,
                            KeyT nanKey, i64* out) {
    GRID_STRIDE(line, g.numel) {
        const KeyT* lk = keys + (i64) line * n;
        int nan = 0;
        if (floating) {
            int lo = 0, hi = n; // the first NaN: NaN's key is the largest
            while (lo < hi) {
                int mid = lo + ((hi - lo) >> 1);
                if (lk[mid] < nanKey) lo = mid + 1; else hi = mid;
            }
            nan = n - lo;
        }
        int pos;
        if (op == 0) {
            pos = (int) (k - 1);
        } else if (op == 1) {
            pos = nan > 0 ? n - nan : (n - 1) / 2;
        } else if (op == 2) {
            pos = n == nan ? 0 : (n - nan - 1) / 2;
        } else {
            // the last element of the first most frequent run of equal keys (each NaN a run of its own)
            int best = 0, bestFreq = 0, freq = 0;
            for (int j = 0; j < n; j++) {
                freq++;
                bool end = j == n - 1 || lk[j] != lk[j + 1] || (floating && lk[j] == nanKey);
                if (end) {
                    if (freq > bestFreq) {
                        bestFreq = freq;
                        best = j;
                    }
                    freq = 0;
                }
            }
            pos = best;
        }
        if (pos < 0 || pos >= n) pos = 0; // k is checked by the op layer; never read outside the line
        int off[1]; locate<1>(g, line, off);
        out[off[0]] = idx[(i64) line * n + pos];
    }
}
extern "C" __global__ void rank_select_k32(Geo g, const unsigned* keys, const int* idx, int n, int op, i64 k,
                                           int floating, unsigned nanKey, i64* out) {
    rankSelectK(g, keys, idx, n, op, k, floating, nanKey, out);
}
extern "C" __global__ void rank_select_k64(Geo g, const u64* keys, const int* idx, int n, int op, i64 k, int floating,
                                           u64 nanKey, i64* out) {
    rankSelectK(g, keys, idx, n, op, k, floating, nanKey, out);
}

// ------------------------------------------------------------------ scans
// ScanOp's ordinals: CUMSUM 0, CUMPROD 1, CUMMAX 2, CUMMIN 3, LOGCUMSUMEXP 4.

// PyTorch's _log_add_exp_helper(x, y), as the CPU's SortKernels.logAddExp: NaN propagates, equal infinities give x.
__device__ __forceinline__ double sortLogAddExp(double x, double y) {
    double mn = y != y ? y : (y < x ? y : x);
    double mx = y != y ? y : (x < y ? y : x);
    if (mn != mx || fabs(mn) < __longlong_as_double(0x7ff0000000000000LL)) {
        return __dadd_rn(log1p(exp(__dadd_rn(mn, -mx))), mx);
    }
    return x;
}

// g iterates the lines: operand 0 dst, 1 src, 2 indices (cummax, cummin; else dst again). One thread per line, in the
// CPU's order: floating sums and products in double, stored rounded to the type; integer ones in wrapping int64.
template <typename K>
__device__ void scanK(const Geo& g, int op, int n, int ss, int ds, int is, const typename K::T* src,
                      typename K::T* dst, i64* ix) {
    typedef typename K::T T;
    GRID_STRIDE(line, g.numel) {
        int off[3]; locate<3>(g, line, off);
        const T* s = src + off[1];
        T* d = dst + off[0];
        if (op == 0 || op == 1) {
            bool sum = op == 0;
            if constexpr (K::fp) {
                double acc = sum ? 0.0 : 1.0;
                for (int j = 0; j < n; j++) {
                    double x = (double) s[(i64) j * ss];
                    acc = sum ? __dadd_rn(acc, x) : __dmul_rn(acc, x);
                    d[(i64) j * ds] = (T) acc;
                }
            } else {
                u64 acc = sum ? 0 : 1;
                for (int j = 0; j < n; j++) {
                    u64 x = (u64) (i64) s[(i64) j * ss];
                    acc = sum ? acc + x : acc * x;
                    if constexpr (K::boolean) d[(i64) j * ds] = (T) (acc != 0);
                    else d[(i64) j * ds] = (T) (i64) acc;
                }
            }
        } else if (op == 2 || op == 3) {
            bool max = op == 2;
            i64* x0 = ix + off[2];
            T best = s[0];
            int at = 0;
            for (int j = 0; j < n; j++) {
                T x = s[(i64) j * ss];
                bool take;
                if constexpr (K::fp) take = x != x || (max ? x >= best : x <= best);
                else take = max ? (i64) x >= (i64) best : (i64) x <= (i64) best;
                if (take) {
                    best = x;
                    at = j;
                }
                d[(i64) j * ds] = best;
                x0[(i64) j * is] = at;
            }
        } else {
            if constexpr (K::fp) {
                double acc = __longlong_as_double(0xfff0000000000000LL);
                for (int j = 0; j < n; j++) {
                    acc = sortLogAddExp((double) s[(i64) j * ss], acc);
                    d[(i64) j * ds] = (T) acc;
                }
            }
        }
    }
}

// ------------------------------------------------------------------ binary search
// g iterates values (rank 0 as [1]): operand 0 out, 1 values, 2 the row of sorted for the value (stride 0 along the last
// dimension), 3 the row of sorter (likewise; sorted's again without a sorter). PyTorch's cus_lower_bound and
// cus_upper_bound, as the CPU: floating values compare as doubles (a NaN value goes to the end).
template <typename K>
__device__ void searchsortedK(const Geo& g, int n, int bs, int ps, int right, const typename K::T* sorted,
                              const i64* sorter, const typename K::T* values, i64* out) {
    GRID_STRIDE(i, g.numel) {
        int off[4]; locate<4>(g, i, off);
        int start = 0, end = n;
        while (start < end) {
            int mid = start + ((end - start) >> 1);
            i64 j = mid;
            if (sorter) {
                j = sorter[(i64) off[3] + (i64) mid * ps];
                if (j < 0 || j >= n) j = mid; // checked by the op layer; never read outside the row
            }
            i64 at = (i64) off[2] + j * bs;
            bool after;
            if constexpr (K::fp) {
                double v = (double) values[off[1]];
                double x = (double) sorted[at];
                after = right ? !(x > v) : !(x >= v);
            } else {
                i64 v = (i64) values[off[1]];
                i64 x = (i64) sorted[at];
                after = right ? x <= v : x < v;
            }
            if (after) start = mid + 1; else end = mid;
        }
        out[off[0]] = start;
    }
}

// ------------------------------------------------------------------ histograms and counts
// histc: the bin of every element (g iterates src) counted in counts (bins zeroed 64-bit words); float32 computes the bin
// in float, as PyTorch's histogram kernel and the CPU; NaN and elements outside [min, max] are not counted.
template <typename K>
__device__ void histcK(const Geo& g, const typename K::T* src, int bins, double mn, double mx, u64* counts) {
    GRID_STRIDE(i, g.numel) {
        int off[1]; locate<1>(g, i, off);
        int pos;
        if constexpr (K::f32) {
            float lo = (float) mn, hi = (float) mx;
            float x = (float) src[off[0]];
            if (!(x >= lo && x <= hi)) continue;
            pos = (int) __fdiv_rn(__fmul_rn(__fsub_rn(x, lo), (float) bins), __fsub_rn(hi, lo));
        } else {
            double x = (double) src[off[0]];
            if (!(x >= mn && x <= mx)) continue;
            pos = (int) __ddiv_rn(__dmul_rn(__dsub_rn(x, mn), (double) bins), __dsub_rn(mx, mn));
        }
        if (pos >= bins) pos = bins - 1; // the last bin includes its right edge
        if (pos < 0) pos = 0;
        atomicAdd(counts + pos, 1ULL);
    }
}
// the counts into the output (bins elements, stride os from offset oo), in its type
template <typename K>
__device__ void histcOutK(const u64* counts, int bins, typename K::T* out, int oo, int os) {
    GRID_STRIDE(b, bins) out[(i64) oo + (i64) b * os] = (typename K::T) (double) counts[b];
}

// bincount without weights: counts of each value of the int64 src (g iterates src) into the dense int64 counts of size
// elements (values outside are skipped; the op layer checks them).
extern "C" __global__ void bincount_count(Geo g, const i64* src, int size, u64* counts) {
    GRID_STRIDE(i, g.numel) {
        int off[1]; locate<1>(g, i, off);
        i64 v = src[off[0]];
        if (v >= 0 && v < size) atomicAdd(counts + v, 1ULL);
    }
}

// ------------------------------------------------------------------ grouping equal elements (unique of single-element rows)
// From the keys and positions of the rows in order (sorted, or as they are for unique_consecutive): a group starts where
// the key changes, and at every NaN (NaN is unequal to everything, itself included), as the CPU's rowsEqual.
template <typename KeyT>
__device__ __forceinline__ bool uniqueStarts(const KeyT* keys, int j, int floating, KeyT nanKey) {
    return j == 0 || keys[j] != keys[j - 1] || (floating && keys[j] == nanKey);
}
// flags[j] = 1 where position j starts a group (then scanned, exclusive, in place by the radix_scan kernels)
template <typename KeyT>
__device__ void uniqueFlagsK(const KeyT* keys, int n, int floating, KeyT nanKey, int* flags) {
    GRID_STRIDE(j, n) flags[j] = uniqueStarts(keys, j, floating, nanKey) ? 1 : 0;
}
// each group's first row into values (its element's bits: the first in order, as the CPU), each row's group into inverse
// (by its position in src), each group's first position into counts (finished by unique_counts)
template <typename W, typename KeyT>
__device__ void uniqueWriteK(const KeyT* keys, const int* idx, const int* starts, int n, int floating, KeyT nanKey,
                             const W* src, int base, int rs, W* values, i64* inverse, i64* counts) {
    GRID_STRIDE(j, n) {
        bool start = uniqueStarts(keys, j, floating, nanKey);
        int g = starts[j] + (start ? 1 : 0) - 1;
        if (start) {
            values[g] = src[(i64) base + (i64) idx[j] * rs];
            if (counts) counts[g] = j;
        }
        if (inverse) inverse[idx[j]] = g;
    }
}
// each group's size (from its first position, which unique_write left in counts), and the number of groups
template <typename KeyT>
__device__ void uniqueCountsK(const KeyT* keys, const int* starts, int n, int floating, KeyT nanKey, i64* counts,
                              i64* groups) {
    GRID_STRIDE(j, n) {
        bool start = uniqueStarts(keys, j, floating, nanKey);
        int g = starts[j] + (start ? 1 : 0) - 1;
        if (j == n - 1) *groups = g + 1;
        if (counts && (j == n - 1 || uniqueStarts(keys, j + 1, floating, nanKey))) counts[g] = j + 1 - counts[g];
    }
}
#define UNIQUE_KEYS(K, KEY) \
extern "C" __global__ void unique_flags_##K(const KEY* keys, int n, int floating, KEY nanKey, int* flags) { \
    uniqueFlagsK(keys, n, floating, nanKey, flags); } \
extern "C" __global__ void unique_counts_##K(const KEY* keys, const int* starts, int n, int floating, KEY nanKey, \
    i64* counts, i64* groups) { uniqueCountsK(keys, starts, n, floating, nanKey, counts, groups); }
UNIQUE_KEYS(k32, unsigned) UNIQUE_KEYS(k64, u64)
// the value copies by element size (1, 2 and 4 bytes have 32-bit keys, 8 bytes 64-bit ones)
#define UNIQUE_WRITE(N, W, KEY) \
extern "C" __global__ void unique_write_b##N(const KEY* keys, const int* idx, const int* starts, int n, int floating, \
    KEY nanKey, const W* s, int base, int rs, W* values, i64* inverse, i64* counts) { \
    uniqueWriteK(keys, idx, starts, n, floating, nanKey, s, base, rs, values, inverse, counts); }
UNIQUE_WRITE(1, unsigned char, unsigned) UNIQUE_WRITE(2, unsigned short, unsigned) UNIQUE_WRITE(4, unsigned int, unsigned)
UNIQUE_WRITE(8, unsigned long long, u64)

// ------------------------------------------------------------------ the kernels of every type
#define SORT_KERNELS(N, K, KEY) \
extern "C" __global__ void sort_small_##N(Geo g, const K::T* s, int ss, int n, int P, int desc, int lines, KEY* keys, \
    int* idx) { sortSmallK<K, KEY>(g, s, ss, n, P, desc, lines, keys, idx); } \
extern "C" __global__ void sort_keys_##N(Geo g, const K::T* s, int n, int desc, KEY* keys, int* idx) { \
    sortKeysK<K, KEY>(g, s, n, desc, keys, idx); } \
extern "C" __global__ void scan_##N(Geo g, int op, int n, int ss, int ds, int is, const K::T* s, K::T* d, i64* ix) { \
    scanK<K>(g, op, n, ss, ds, is, s, d, ix); } \
extern "C" __global__ void searchsorted_##N(Geo g, int n, int bs, int ps, int right, const K::T* sorted, \
    const i64* sorter, const K::T* values, i64* out) { searchsortedK<K>(g, n, bs, ps, right, sorted, sorter, values, out); }
SORT_KERNELS(f32, TagF32, unsigned) SORT_KERNELS(f64, TagF64, u64) SORT_KERNELS(i64, TagI64, u64)
SORT_KERNELS(i32, TagI32, unsigned) SORT_KERNELS(i16, TagI16, unsigned) SORT_KERNELS(i8, TagI8, unsigned)
SORT_KERNELS(ui8, TagU8, unsigned) SORT_KERNELS(u8, TagB, unsigned)

#define HISTC_KERNELS(N, K) \
extern "C" __global__ void histc_##N(Geo g, const K::T* s, int bins, double mn, double mx, u64* counts) { \
    histcK<K>(g, s, bins, mn, mx, counts); } \
extern "C" __global__ void histc_out_##N(const u64* counts, int bins, K::T* out, int oo, int os) { \
    histcOutK<K>(counts, bins, out, oo, os); }
HISTC_KERNELS(f32, TagF32) HISTC_KERNELS(f64, TagF64)
