// Normalization and fused attention kernels (issue 15), included at the end of ember_kernels.cu; CudaNnKernels.java
// launches them. They mirror the CPU backend's NormKernels and AttentionKernels (the reference) and the contracts of
// Backend's "normalization (NormOps)" and "attention (AttentionOps)" sections. Nothing here uses atomics: every sum
// is computed by one thread or one block in a fixed order, so the results do not depend on scheduling.
//
// Layouts arrive as strides and offsets (elements) in small int structs; offsets are computed in 64 bits.

#include "philox.cuh"

namespace nnk {

template <typename T> __device__ __forceinline__ T negInf() { return (T) -INFINITY; }
__device__ __forceinline__ float nnExp(float x) { return expf(x); }
__device__ __forceinline__ double nnExp(double x) { return exp(x); }
__device__ __forceinline__ float nnLog(float x) { return logf(x); }
__device__ __forceinline__ double nnLog(double x) { return log(x); }

// The sum of v over the block (blockDim.x a multiple of 32, at most 1024), returned to every thread: warp sums by
// shuffles, then every thread adds the warps' sums in warp order (the same total everywhere, deterministic).
// scratch holds 32 doubles; the first barrier lets a previous call's readers finish before it is written again.
__device__ double blockSum(double v, double* scratch) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int warps = blockDim.x >> 5;
    __syncthreads();
    if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = v;
    __syncthreads();
    double t = 0;
    for (int w = 0; w < warps; w++) t += scratch[w];
    return t;
}

// ------------------------------------------------------------------ layer norm and RMS norm ([M, N] rows)

// x, gradOut, out, gradInput as [M, N] layouts: {row stride, column stride, offset} each
struct RowGeo {
    int m, n;
    int xs0, xs1, xoff;
    int gs0, gs1, goff;   // gradOut (backward) or out (forward)
    int ds0, ds1, doff;   // gradInput (backward)
};

// One block per row (grid-stride over rows): mean (layer norm) and rstd in double with two passes (the sum, then the
// centred sum of squares), as the CPU's NormKernels.rowNorm; then out = (x - mean) * rstd * w + b in double, rounded.
template <typename T>
__device__ void rowNormK(int rms, RowGeo g, const T* x, const T* w, const T* b, double eps, T* out, T* mean, T* rstd) {
    __shared__ double scratch[32];
    for (int i = blockIdx.x; i < g.m; i += gridDim.x) {
        const T* xr = x + g.xoff + (i64) i * g.xs0;
        double mu = 0;
        if (!rms) {
            double s = 0;
            for (int j = threadIdx.x; j < g.n; j += blockDim.x) s += (double) xr[(i64) j * g.xs1];
            mu = blockSum(s, scratch) / g.n;
        }
        double ss = 0;
        for (int j = threadIdx.x; j < g.n; j += blockDim.x) {
            double d = (double) xr[(i64) j * g.xs1] - mu;
            ss += d * d;
        }
        double r = 1.0 / sqrt(blockSum(ss, scratch) / g.n + eps);
        T* orow = out + g.goff + (i64) i * g.gs0;
        for (int j = threadIdx.x; j < g.n; j += blockDim.x) {
            double v = ((double) xr[(i64) j * g.xs1] - mu) * r;
            if (w) v *= (double) w[j];
            if (b) v += (double) b[j];
            orow[(i64) j * g.gs1] = (T) v;
        }
        if (threadIdx.x == 0) {
            if (mean) mean[i] = (T) mu;
            rstd[i] = (T) r;
        }
    }
}

// The input gradient, one block per row: xhat = (x - mean) rstd, dxhat = dy w,
// dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) (RMS norm: no mean(dxhat) term), sums in double.
template <typename T>
__device__ void rowNormBackK(int rms, RowGeo g, const T* gy, const T* x, const T* mean, const T* rstd, const T* w,
                             T* gx) {
    __shared__ double scratch[32];
    for (int i = blockIdx.x; i < g.m; i += gridDim.x) {
        const T* xr = x + g.xoff + (i64) i * g.xs0;
        const T* gr = gy + g.goff + (i64) i * g.gs0;
        double mu = rms ? 0.0 : (double) mean[i];
        double r = (double) rstd[i];
        double s1 = 0, s2 = 0;
        for (int j = threadIdx.x; j < g.n; j += blockDim.x) {
            double xhat = ((double) xr[(i64) j * g.xs1] - mu) * r;
            double dxhat = w ? (double) gr[(i64) j * g.gs1] * (double) w[j] : (double) gr[(i64) j * g.gs1];
            s1 += dxhat;
            s2 += dxhat * xhat;
        }
        double sum1 = rms ? 0.0 : blockSum(s1, scratch);
        double sum2 = blockSum(s2, scratch);
        double m1 = rms ? 0.0 : sum1 / g.n;
        double m2 = sum2 / g.n;
        T* dr = gx + g.doff + (i64) i * g.ds0;
        for (int j = threadIdx.x; j < g.n; j += blockDim.x) {
            double xhat = ((double) xr[(i64) j * g.xs1] - mu) * r;
            double dxhat = w ? (double) gr[(i64) j * g.gs1] * (double) w[j] : (double) gr[(i64) j * g.gs1];
            dr[(i64) j * g.ds1] = (T) (r * (dxhat - m1 - xhat * m2));
        }
    }
}

// The weight and bias gradients, first pass: thread (part p, column j) sums dy xhat and dy over the rows
// [p * rowsPer, (p + 1) * rowsPer) in row order, in double, into pw[p * n + j] and pb[p * n + j] (either may be null).
template <typename T>
__device__ void rowNormParamPartialK(int rms, RowGeo g, int rowsPer, int parts, const T* gy, const T* x, const T* mean,
                                     const T* rstd, double* pw, double* pb) {
    int total = parts * g.n;
    GRID_STRIDE(t, total) {
        int j = t % g.n;
        int p = t / g.n;
        int from = p * rowsPer;
        int to = min(g.m, from + rowsPer);
        double sw = 0, sb = 0;
        for (int i = from; i < to; i++) {
            double dy = (double) gy[g.goff + (i64) i * g.gs0 + (i64) j * g.gs1];
            double mu = rms ? 0.0 : (double) mean[i];
            double xhat = ((double) x[g.xoff + (i64) i * g.xs0 + (i64) j * g.xs1] - mu) * (double) rstd[i];
            sw += dy * xhat;
            sb += dy;
        }
        if (pw) pw[t] = sw;
        if (pb) pb[t] = sb;
    }
}

}  // namespace nnk

extern "C" __global__ void rownorm_f32(int rms, nnk::RowGeo g, const float* x, const float* w, const float* b,
                                       double eps, float* out, float* mean, float* rstd) {
    nnk::rowNormK(rms, g, x, w, b, eps, out, mean, rstd);
}
extern "C" __global__ void rownorm_f64(int rms, nnk::RowGeo g, const double* x, const double* w, const double* b,
                                       double eps, double* out, double* mean, double* rstd) {
    nnk::rowNormK(rms, g, x, w, b, eps, out, mean, rstd);
}
extern "C" __global__ void rownorm_back_f32(int rms, nnk::RowGeo g, const float* gy, const float* x, const float* mean,
                                            const float* rstd, const float* w, float* gx) {
    nnk::rowNormBackK(rms, g, gy, x, mean, rstd, w, gx);
}
extern "C" __global__ void rownorm_back_f64(int rms, nnk::RowGeo g, const double* gy, const double* x,
                                            const double* mean, const double* rstd, const double* w, double* gx) {
    nnk::rowNormBackK(rms, g, gy, x, mean, rstd, w, gx);
}
extern "C" __global__ void rownorm_param_partial_f32(int rms, nnk::RowGeo g, int rowsPer, int parts, const float* gy,
                                                     const float* x, const float* mean, const float* rstd, double* pw,
                                                     double* pb) {
    nnk::rowNormParamPartialK(rms, g, rowsPer, parts, gy, x, mean, rstd, pw, pb);
}
extern "C" __global__ void rownorm_param_partial_f64(int rms, nnk::RowGeo g, int rowsPer, int parts, const double* gy,
                                                     const double* x, const double* mean, const double* rstd,
                                                     double* pw, double* pb) {
    nnk::rowNormParamPartialK(rms, g, rowsPer, parts, gy, x, mean, rstd, pw, pb);
}

// The second pass: column j's parts summed in part order, rounded to T (either output may be null).
template <typename T>
__device__ void nnColumnTotalK(int parts, int n, const double* pw, const double* pb, T* gw, T* gb) {
    GRID_STRIDE(j, n) {
        if (gw) {
            double s = 0;
            for (int p = 0; p < parts; p++) s += pw[(i64) p * n + j];
            gw[j] = (T) s;
        }
        if (gb) {
            double s = 0;
            for (int p = 0; p < parts; p++) s += pb[(i64) p * n + j];
            gb[j] = (T) s;
        }
    }
}
extern "C" __global__ void nn_column_total_f32(int parts, int n, const double* pw, const double* pb, float* gw,
                                               float* gb) {
    nnColumnTotalK(parts, n, pw, pb, gw, gb);
}
extern "C" __global__ void nn_column_total_f64(int parts, int n, const double* pw, const double* pb, double* gw,
                                               double* gb) {
    nnColumnTotalK(parts, n, pw, pb, gw, gb);
}

// ------------------------------------------------------------------ fused attention (FlashAttention's algorithm)
//
// q [B, H, L, E], k [B, Hk, S, E], v [B, Hk, S, Ev], out and gradients through their layouts; query head h reads key
// and value head h / group. Score of query i and key j: scale * q_i . k_j, plus mask[b, h, i, j] (an additive
// float32 or float64 layout, broadcast strides allowed), -inf for j > i when causal. A row whose every score is -inf
// has output 0 and logsumexp 0 (PyTorch's handling of fully masked rows).
//
// Threads: 128 per block; TPR threads cooperate on one row (of queries, or of keys in the dK/dV kernel), each holding
// the head dimensions d = lane + p * TPR (p < DMAX / TPR) of that row in registers; dot products are finished by
// shuffles among the TPR lanes. Tiles of the other operand (BK rows of DMAX) live in shared memory. Accumulators are
// T: float for float32 (plain FP32 arithmetic, as the CPU's float tiles), double for float64.
//
// Dropout (dropKind != 0; Backend's attention contract, dev.ember.backend.AttentionDropout): weight (b, h, i, j) of the
// [B, H, L, S] attention weights is kept iff the uniform of the weights' type drawn from philox(dropSeed, dropOffset +
// ((b * H + h) * L + i) * S + j) is at least dropThr (p rounded to that type), and a kept probability is multiplied by
// dropScale (1 / (1 - p)), a dropped one by 0: in the forward before the P V product (the running sum and logsumexp
// stay those of the undropped probabilities), in the backward dV += P M' dO and dS = P (dP M' - D), with D = rowsum(dO O)
// of the dropped output. The mask is regenerated where it is needed, never stored.

namespace nnk {

struct AttnGeo {
    int B, H, Hk, L, S, E, Ev, group;
    int q[5], k[5], v[5], o[5];   // strides of dims 0..3, then the offset
    int lse[4];                   // strides of dims 0..2, then the offset
    int m[5];                     // the mask's strides and offset
    int maskType;                 // 0: no mask, 1: float32, 2: float64
    int causal;
    int go[5], gq[5], gk[5], gv[5];
};

__device__ __forceinline__ i64 at4(const int* l, int b, int h, int i) {
    return (i64) l[4] + (i64) b * l[0] + (i64) h * l[1] + (i64) i * l[2];
}

template <typename A>
__device__ __forceinline__ A maskAt(const AttnGeo& g, const void* mask, i64 off) {
    return g.maskType == 1 ? (A) ((const float*) mask)[off] : (A) ((const double*) mask)[off];
}

// The sum of v over the TPR lanes of a row group (all 32 lanes of the warp take part).
template <typename A, int TPR>
__device__ __forceinline__ A laneSum(A v) {
#pragma unroll
    for (int o = TPR / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Forward: a block takes BR = 128 / TPR query rows of one (batch, head) and meets the keys BK at a time with the
// online softmax (running maximum and sum per row, the output rescaled when the maximum grows), writing the output
// and each row's logsumexp. Memory is linear in the sequence lengths.
template <typename T, int DMAX, int TPR, int BK>
__device__ void attnFwdK(const AttnGeo& g, double scaleD, double dropThr, double dropScale, unsigned long long dropSeed,
                         unsigned long long dropOffset, int dropKind, const T* q, const T* k, const T* v, const void* mask,
                         T* out, T* lse) {
    constexpr int BR = 128 / TPR;
    constexpr int PER = DMAX / TPR;
    __shared__ T Ks[BK][DMAX];
    __shared__ T Vs[BK][DMAX];
    int qBlocks = (g.L + BR - 1) / BR;
    int blk = blockIdx.x % qBlocks;
    int bh = blockIdx.x / qBlocks;
    int h = bh % g.H;
    int b = bh / g.H;
    int hk = h / g.group;
    int tid = threadIdx.x;
    int lane = tid % TPR;
    int i = blk * BR + tid / TPR;
    bool rowOk = i < g.L;
    T scale = (T) scaleD;
    T qr[PER], o[PER];
    i64 qo = rowOk ? at4(g.q, b, h, i) : 0;
#pragma unroll
    for (int p = 0; p < PER; p++) {
        int d = lane + p * TPR;
        qr[p] = rowOk && d < g.E ? q[qo + (i64) d * g.q[3]] : (T) 0;
        o[p] = 0;
    }
    i64 mo = rowOk && g.maskType ? at4(g.m, b, h, i) : 0;
    T mx = negInf<T>();
    T sum = 0;
    int lastRow = min(g.L, blk * BR + BR) - 1;
    int numKeys = g.causal ? min(lastRow + 1, g.S) : g.S;
    for (int n0 = 0; n0 < numKeys; n0 += BK) {
        __syncthreads();
        for (int idx = tid; idx < BK * DMAX; idx += 128) {
            int jj = idx / DMAX;
            int d = idx % DMAX;
            int j = n0 + jj;
            bool ok = j < g.S;
            Ks[jj][d] = ok && d < g.E ? k[at4(g.k, b, hk, j) + (i64) d * g.k[3]] : (T) 0;
            Vs[jj][d] = ok && d < g.Ev ? v[at4(g.v, b, hk, j) + (i64) d * g.v[3]] : (T) 0;
        }
        __syncthreads();
        T s[BK];
        T m = mx;
#pragma unroll
        for (int jj = 0; jj < BK; jj++) {
            T acc = 0;
#pragma unroll
            for (int p = 0; p < PER; p++) acc += qr[p] * Ks[jj][lane + p * TPR];
            acc = laneSum<T, TPR>(acc);
            int j = n0 + jj;
            T x;
            if (!rowOk || j >= g.S) {
                x = negInf<T>();
            } else {
                x = g.causal && j > i ? negInf<T>() : acc * scale;
                if (g.maskType) x += maskAt<T>(g, mask, mo + (i64) j * g.m[3]);
            }
            s[jj] = x;
            if (x > m || x != x) m = x;
        }
        if (m != negInf<T>()) {
            T total = 0;
#pragma unroll
            for (int jj = 0; jj < BK; jj++) {
                T pj = nnExp(s[jj] - m);
                s[jj] = pj;
                total += pj;
            }
            T alpha = nnExp(mx - m);
            sum = sum * alpha + total;
            mx = m;
            if (dropKind) {
                unsigned long long base = dropOffset + (((unsigned long long) b * g.H + h) * g.L + i) * g.S + n0;
#pragma unroll
                for (int jj = 0; jj < BK; jj++) {
                    if (s[jj] != (T) 0) s[jj] *= (T) attnDropFactor(dropKind, dropThr, dropScale, dropSeed, base + jj);
                }
            }
#pragma unroll
            for (int p = 0; p < PER; p++) {
                T acc = o[p] * alpha;
#pragma unroll
                for (int jj = 0; jj < BK; jj++) acc += s[jj] * Vs[jj][lane + p * TPR];
                o[p] = acc;
            }
        }
    }
    if (rowOk) {
        T sm = sum == (T) 0 ? (T) 1 : sum;
        i64 oo = at4(g.o, b, h, i);
#pragma unroll
        for (int p = 0; p < PER; p++) {
            int d = lane + p * TPR;
            if (d < g.Ev) out[oo + (i64) d * g.o[3]] = o[p] / sm;
        }
        if (lane == 0) {
            lse[(i64) g.lse[3] + (i64) b * g.lse[0] + (i64) h * g.lse[1] + (i64) i * g.lse[2]] =
                (mx == negInf<T>() ? (T) 0 : mx) + nnLog(sm);
        }
    }
}

// Backward, first: D[b, h, i] = rowsum(dO * O) in double, one thread per row.
template <typename T>
__device__ void attnDeltaK(const AttnGeo& g, const T* go, const T* out, double* delta) {
    int rows = g.B * g.H * g.L;
    GRID_STRIDE(r, rows) {
        int i = r % g.L;
        int h = (r / g.L) % g.H;
        int b = r / g.L / g.H;
        i64 a = at4(g.go, b, h, i);
        i64 c = at4(g.o, b, h, i);
        double t = 0;
        for (int d = 0; d < g.Ev; d++) t += (double) go[a + (i64) d * g.go[3]] * (double) out[c + (i64) d * g.o[3]];
        delta[r] = t;
    }
}

// The row's logsumexp (as T) from its layout.
template <typename T>
__device__ __forceinline__ T lseAt(const AttnGeo& g, const T* lse, int b, int h, int i) {
    return lse[(i64) g.lse[3] + (i64) b * g.lse[0] + (i64) h * g.lse[1] + (i64) i * g.lse[2]];
}

// Backward, dQ: a block takes BR query rows of one (batch, head), as the forward, and loops over the key tiles:
// P = exp(S - lse) recomputed, dS = P (dO V^T - D), dQ = scale dS K. Each row's gradient is summed by its own
// threads in key order (no atomics).
template <typename T, int DMAX, int TPR, int BK>
__device__ void attnBwdDqK(const AttnGeo& g, double scaleD, double dropThr, double dropScale,
                           unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, const T* go,
                           const T* q, const T* k, const T* v, const void* mask, const T* lse, const double* delta,
                           T* gq) {
    constexpr int BR = 128 / TPR;
    constexpr int PER = DMAX / TPR;
    __shared__ T Ks[BK][DMAX];
    __shared__ T Vs[BK][DMAX];
    int qBlocks = (g.L + BR - 1) / BR;
    int blk = blockIdx.x % qBlocks;
    int bh = blockIdx.x / qBlocks;
    int h = bh % g.H;
    int b = bh / g.H;
    int hk = h / g.group;
    int tid = threadIdx.x;
    int lane = tid % TPR;
    int i = blk * BR + tid / TPR;
    bool rowOk = i < g.L;
    T scale = (T) scaleD;
    T qr[PER], dor[PER], dq[PER];
    i64 qo = rowOk ? at4(g.q, b, h, i) : 0;
    i64 goo = rowOk ? at4(g.go, b, h, i) : 0;
#pragma unroll
    for (int p = 0; p < PER; p++) {
        int d = lane + p * TPR;
        qr[p] = rowOk && d < g.E ? q[qo + (i64) d * g.q[3]] : (T) 0;
        dor[p] = rowOk && d < g.Ev ? go[goo + (i64) d * g.go[3]] : (T) 0;
        dq[p] = 0;
    }
    i64 mo = rowOk && g.maskType ? at4(g.m, b, h, i) : 0;
    T lrow = rowOk ? lseAt(g, lse, b, h, i) : (T) 0;
    T drow = rowOk ? (T) delta[((i64) b * g.H + h) * g.L + i] : (T) 0;
    int lastRow = min(g.L, blk * BR + BR) - 1;
    int numKeys = g.causal ? min(lastRow + 1, g.S) : g.S;
    for (int n0 = 0; n0 < numKeys; n0 += BK) {
        __syncthreads();
        for (int idx = tid; idx < BK * DMAX; idx += 128) {
            int jj = idx / DMAX;
            int d = idx % DMAX;
            int j = n0 + jj;
            bool ok = j < g.S;
            Ks[jj][d] = ok && d < g.E ? k[at4(g.k, b, hk, j) + (i64) d * g.k[3]] : (T) 0;
            Vs[jj][d] = ok && d < g.Ev ? v[at4(g.v, b, hk, j) + (i64) d * g.v[3]] : (T) 0;
        }
        __syncthreads();
        for (int jj = 0; jj < BK; jj++) {
            T sa = 0, pa = 0;
#pragma unroll
            for (int p = 0; p < PER; p++) {
                sa += qr[p] * Ks[jj][lane + p * TPR];
                pa += dor[p] * Vs[jj][lane + p * TPR];
            }
            sa = laneSum<T, TPR>(sa);
            pa = laneSum<T, TPR>(pa);
            int j = n0 + jj;
            T pr = 0;
            if (rowOk && j < g.S) {
                T x = g.causal && j > i ? negInf<T>() : sa * scale;
                if (g.maskType) x += maskAt<T>(g, mask, mo + (i64) j * g.m[3]);
                pr = nnExp(x - lrow);
                if (dropKind) {
                    pa *= (T) attnDropFactor(dropKind, dropThr, dropScale, dropSeed,
                                             dropOffset + (((unsigned long long) b * g.H + h) * g.L + i) * g.S + j);
                }
            }
            T dsv = pr * (pa - drow);
#pragma unroll
            for (int p = 0; p < PER; p++) dq[p] += dsv * Ks[jj][lane + p * TPR];
        }
    }
    if (rowOk) {
        i64 dst = at4(g.gq, b, h, i);
#pragma unroll
        for (int p = 0; p < PER; p++) {
            int d = lane + p * TPR;
            if (d < g.E) gq[dst + (i64) d * g.gq[3]] = dq[p] * scale;
        }
    }
}

// Backward, dK and dV: a block takes BR keys of one (batch, key/value head) and loops over every query head that
// reads it and its query rows, BQ at a time (from the block's first key on when causal): dV += P^T dO,
// dK += scale dS^T Q. A key's gradients are summed by its own threads in (head, row) order (no atomics).
template <typename T, int DMAX, int TPR, int BQ>
__device__ void attnBwdDkvK(const AttnGeo& g, double scaleD, double dropThr, double dropScale,
                            unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, const T* go,
                            const T* q, const T* k, const T* v, const void* mask, const T* lse, const double* delta,
                            T* gk, T* gv) {
    constexpr int BR = 128 / TPR;
    constexpr int PER = DMAX / TPR;
    __shared__ T Qs[BQ][DMAX];
    __shared__ T Os[BQ][DMAX];
    __shared__ T Ls[BQ];
    __shared__ T Ds[BQ];
    int kBlocks = (g.S + BR - 1) / BR;
    int blk = blockIdx.x % kBlocks;
    int bh = blockIdx.x / kBlocks;
    int hk = bh % g.Hk;
    int b = bh / g.Hk;
    int tid = threadIdx.x;
    int lane = tid % TPR;
    int j0 = blk * BR;
    int j = j0 + tid / TPR;
    bool colOk = j < g.S;
    T scale = (T) scaleD;
    T kr[PER], vr[PER], dk[PER], dv[PER];
    i64 ko = colOk ? at4(g.k, b, hk, j) : 0;
    i64 vo = colOk ? at4(g.v, b, hk, j) : 0;
#pragma unroll
    for (int p = 0; p < PER; p++) {
        int d = lane + p * TPR;
        kr[p] = colOk && d < g.E ? k[ko + (i64) d * g.k[3]] : (T) 0;
        vr[p] = colOk && d < g.Ev ? v[vo + (i64) d * g.v[3]] : (T) 0;
        dk[p] = 0;
        dv[p] = 0;
    }
    int start = g.causal ? j0 : 0;
    for (int h = hk * g.group; h < (hk + 1) * g.group; h++) {
        for (int m0 = start; m0 < g.L; m0 += BQ) {
            __syncthreads();
            for (int idx = tid; idx < BQ * DMAX; idx += 128) {
                int ii = idx / DMAX;
                int d = idx % DMAX;
                int i = m0 + ii;
                bool ok = i < g.L;
                Qs[ii][d] = ok && d < g.E ? q[at4(g.q, b, h, i) + (i64) d * g.q[3]] : (T) 0;
                Os[ii][d] = ok && d < g.Ev ? go[at4(g.go, b, h, i) + (i64) d * g.go[3]] : (T) 0;
            }
            for (int ii = tid; ii < BQ; ii += 128) {
                int i = m0 + ii;
                bool ok = i < g.L;
                Ls[ii] = ok ? lseAt(g, lse, b, h, i) : (T) 0;
                Ds[ii] = ok ? (T) delta[((i64) b * g.H + h) * g.L + i] : (T) 0;
            }
            __syncthreads();
            for (int ii = 0; ii < BQ; ii++) {
                T sa = 0, pa = 0;
#pragma unroll
                for (int p = 0; p < PER; p++) {
                    sa += kr[p] * Qs[ii][lane + p * TPR];
                    pa += vr[p] * Os[ii][lane + p * TPR];
                }
                sa = laneSum<T, TPR>(sa);
                pa = laneSum<T, TPR>(pa);
                int i = m0 + ii;
                T pr = 0, pd = 0;
                if (colOk && i < g.L) {
                    T x = g.causal && j > i ? negInf<T>() : sa * scale;
                    if (g.maskType) x += maskAt<T>(g, mask, at4(g.m, b, h, i) + (i64) j * g.m[3]);
                    pr = nnExp(x - Ls[ii]);
                    pd = pr;
                    if (dropKind) {
                        T f = (T) attnDropFactor(dropKind, dropThr, dropScale, dropSeed,
                                                 dropOffset + (((unsigned long long) b * g.H + h) * g.L + i) * g.S + j);
                        pd = pr * f;
                        pa *= f;
                    }
                }
                T dsv = pr * (pa - Ds[ii]);
#pragma unroll
                for (int p = 0; p < PER; p++) {
                    dv[p] += pd * Os[ii][lane + p * TPR];
                    dk[p] += dsv * Qs[ii][lane + p * TPR];
                }
            }
        }
    }
    if (colOk) {
        i64 dko = at4(g.gk, b, hk, j);
        i64 dvo = at4(g.gv, b, hk, j);
#pragma unroll
        for (int p = 0; p < PER; p++) {
            int d = lane + p * TPR;
            if (d < g.E) gk[dko + (i64) d * g.gk[3]] = dk[p] * scale;
            if (d < g.Ev) gv[dvo + (i64) d * g.gv[3]] = dv[p];
        }
    }
}

}  // namespace nnk

// Instances: head dimensions up to 64 or 128 (DMAX), float32 with BK = 32 keys (or BQ = 32 rows) per tile, float64
// with 16 (both 32 KiB of shared memory at DMAX 128). Float32 rows take 4 lanes each, 8 in the backward at DMAX 128
// (fewer registers); float64 rows 8.
#define NN_ATTN(SUF, T, DMAX, TPR_F, TPR_B, BT)                                                                        \
    extern "C" __global__ void __launch_bounds__(128) attn_fwd_##SUF##_d##DMAX(nnk::AttnGeo g, double scale,            \
            double dropThr, double dropScale, unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, \
            const T* q, const T* k, const T* v, const void* mask, T* out, T* lse) {                                   \
        nnk::attnFwdK<T, DMAX, TPR_F, BT>(g, scale, dropThr, dropScale, dropSeed, dropOffset, dropKind, q, k, v, mask, \
                                          out, lse);                                                                  \
    }                                                                                                                 \
    extern "C" __global__ void __launch_bounds__(128) attn_bwd_dq_##SUF##_d##DMAX(nnk::AttnGeo g, double scale,         \
            double dropThr, double dropScale, unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, \
            const T* go, const T* q, const T* k, const T* v, const void* mask, const T* lse, const double* delta,     \
            T* gq) {                                                                                                  \
        nnk::attnBwdDqK<T, DMAX, TPR_B, BT>(g, scale, dropThr, dropScale, dropSeed, dropOffset, dropKind, go, q, k, v, \
                                            mask, lse, delta, gq);                                                    \
    }                                                                                                                 \
    extern "C" __global__ void __launch_bounds__(128) attn_bwd_dkv_##SUF##_d##DMAX(nnk::AttnGeo g, double scale,        \
            double dropThr, double dropScale, unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, \
            const T* go, const T* q, const T* k, const T* v, const void* mask, const T* lse, const double* delta,     \
            T* gk, T* gv) {                                                                                           \
        nnk::attnBwdDkvK<T, DMAX, TPR_B, BT>(g, scale, dropThr, dropScale, dropSeed, dropOffset, dropKind, go, q, k,  \
                                             v, mask, lse, delta, gk, gv);                                            \
    }

NN_ATTN(f32, float, 64, 4, 4, 32)
NN_ATTN(f32, float, 128, 4, 8, 32)
NN_ATTN(f64, double, 64, 8, 8, 16)
NN_ATTN(f64, double, 128, 8, 8, 16)

extern "C" __global__ void attn_delta_f32(nnk::AttnGeo g, const float* go, const float* out, double* delta) {
    nnk::attnDeltaK(g, go, out, delta);
}
extern "C" __global__ void attn_delta_f64(nnk::AttnGeo g, const double* go, const double* out, double* delta) {
    nnk::attnDeltaK(g, go, out, delta);
}

// ------------------------------------------------------------------ group norm and batch norm ([N, C, L])
//
// As the CPU's NormKernels: statistics in double with two passes; group norm one block per (sample, group) for the
// forward and the input gradient and one block per channel for the weight and bias gradients; batch norm one block
// per channel. Block sums are reduced in a fixed order (no atomics).

namespace nnk {

// x, gradOut (or out), gradInput as [N, C, L] layouts: {strides of the three dimensions, offset} each
struct NclGeo {
    int n, c, l;
    int x[4], g[4], d[4];
};

__device__ __forceinline__ i64 ncl(const int* s, int n, int c, int l) {
    return (i64) s[3] + (i64) n * s[0] + (i64) c * s[1] + (i64) l * s[2];
}

// Group norm forward: block per item = n * groups + group, over its (C / groups) * L elements.
template <typename T>
__device__ void groupNormK(NclGeo g, int groups, const T* x, const T* w, const T* b, double eps, T* out, T* mean,
                           T* rstd) {
    __shared__ double scratch[32];
    int per = g.c / groups;
    i64 count = (i64) per * g.l;
    int items = g.n * groups;
    for (int item = blockIdx.x; item < items; item += gridDim.x) {
        int n = item / groups;
        int c0 = (item % groups) * per;
        double s = 0;
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            s += (double) x[ncl(g.x, n, c0 + (int) (e / g.l), (int) (e % g.l))];
        }
        s = blockSum(s, scratch);
        double mu = count == 0 ? 0.0 : s / count;
        double ss = 0;
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            double dv = (double) x[ncl(g.x, n, c0 + (int) (e / g.l), (int) (e % g.l))] - mu;
            ss += dv * dv;
        }
        ss = blockSum(ss, scratch);
        double r = 1.0 / sqrt((count == 0 ? 0.0 : ss / count) + eps);
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            int c = c0 + (int) (e / g.l);
            int l = (int) (e % g.l);
            double scale = w ? r * (double) w[c] : r;
            double shift = b ? (double) b[c] : 0.0;
            out[ncl(g.g, n, c, l)] = (T) (((double) x[ncl(g.x, n, c, l)] - mu) * scale + shift);
        }
        if (threadIdx.x == 0) {
            mean[item] = (T) mu;
            rstd[item] = (T) r;
        }
    }
}

// Group norm input gradient: block per item; dx = rstd (dy w - mean(dy w) - xhat mean(dy w xhat)).
template <typename T>
__device__ void groupNormBackK(NclGeo g, int groups, const T* gy, const T* x, const T* mean, const T* rstd, const T* w,
                               T* gx) {
    __shared__ double scratch[32];
    int per = g.c / groups;
    i64 count = (i64) per * g.l;
    int items = g.n * groups;
    for (int item = blockIdx.x; item < items; item += gridDim.x) {
        int n = item / groups;
        int c0 = (item % groups) * per;
        double mu = (double) mean[item];
        double r = (double) rstd[item];
        double s1 = 0, s2 = 0;
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            int c = c0 + (int) (e / g.l);
            int l = (int) (e % g.l);
            double dxhat = (double) gy[ncl(g.g, n, c, l)] * (w ? (double) w[c] : 1.0);
            s1 += dxhat;
            s2 += dxhat * ((double) x[ncl(g.x, n, c, l)] - mu) * r;
        }
        double m1 = blockSum(s1, scratch) / count;
        double m2 = blockSum(s2, scratch) / count;
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            int c = c0 + (int) (e / g.l);
            int l = (int) (e % g.l);
            double xhat = ((double) x[ncl(g.x, n, c, l)] - mu) * r;
            double dxhat = (double) gy[ncl(g.g, n, c, l)] * (w ? (double) w[c] : 1.0);
            gx[ncl(g.d, n, c, l)] = (T) (r * (dxhat - m1 - xhat * m2));
        }
    }
}

// Group norm weight and bias gradients: block per channel, over its N * L elements (either output may be null).
template <typename T>
__device__ void groupNormParamK(NclGeo g, int groups, const T* gy, const T* x, const T* mean, const T* rstd, T* gw,
                                T* gb) {
    __shared__ double scratch[32];
    int per = g.c / groups;
    i64 count = (i64) g.n * g.l;
    for (int c = blockIdx.x; c < g.c; c += gridDim.x) {
        double sw = 0, sb = 0;
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            int n = (int) (e / g.l);
            int l = (int) (e % g.l);
            int item = n * groups + c / per;
            double dy = (double) gy[ncl(g.g, n, c, l)];
            sw += dy * ((double) x[ncl(g.x, n, c, l)] - (double) mean[item]) * (double) rstd[item];
            sb += dy;
        }
        sw = blockSum(sw, scratch);
        sb = blockSum(sb, scratch);
        if (threadIdx.x == 0) {
            if (gw) gw[c] = (T) sw;
            if (gb) gb[c] = (T) sb;
        }
    }
}

// Batch norm forward: block per channel; in training the batch statistics (mean, invstd, and the unbiased variance
// when uvar is not null) are computed and written, otherwise mean and invstd are read.
template <typename T>
__device__ void batchNormK(NclGeo g, const T* x, const T* w, const T* b, int training, double eps, T* mean, T* invstd,
                           T* uvar, T* out) {
    __shared__ double scratch[32];
    i64 count = (i64) g.n * g.l;
    for (int c = blockIdx.x; c < g.c; c += gridDim.x) {
        double mu, is;
        if (training) {
            double s = 0;
            for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
                s += (double) x[ncl(g.x, (int) (e / g.l), c, (int) (e % g.l))];
            }
            mu = blockSum(s, scratch) / count;
            double ss = 0;
            for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
                double dv = (double) x[ncl(g.x, (int) (e / g.l), c, (int) (e % g.l))] - mu;
                ss += dv * dv;
            }
            ss = blockSum(ss, scratch);
            is = 1.0 / sqrt(ss / count + eps);
            if (threadIdx.x == 0) {
                mean[c] = (T) mu;
                invstd[c] = (T) is;
                if (uvar) uvar[c] = (T) (ss / (count - 1));
            }
        } else {
            mu = (double) mean[c];
            is = (double) invstd[c];
        }
        double scale = w ? is * (double) w[c] : is;
        double shift = b ? (double) b[c] : 0.0;
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            int n = (int) (e / g.l);
            int l = (int) (e % g.l);
            out[ncl(g.g, n, c, l)] = (T) (((double) x[ncl(g.x, n, c, l)] - mu) * scale + shift);
        }
    }
}

// Batch norm backward: block per channel; in training dx = (dy - mean(dy) - xhat mean(dy xhat)) invstd w, otherwise
// dx = dy invstd w; dw = sum dy xhat, db = sum dy (each output may be null).
template <typename T>
__device__ void batchNormBackK(NclGeo g, const T* gy, const T* x, const T* w, const T* mean, const T* invstd,
                               int training, T* gx, T* gw, T* gb) {
    __shared__ double scratch[32];
    i64 count = (i64) g.n * g.l;
    for (int c = blockIdx.x; c < g.c; c += gridDim.x) {
        double mu = (double) mean[c];
        double is = (double) invstd[c];
        double sdy = 0, sdyx = 0;
        for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
            int n = (int) (e / g.l);
            int l = (int) (e % g.l);
            double dy = (double) gy[ncl(g.g, n, c, l)];
            sdy += dy;
            sdyx += dy * ((double) x[ncl(g.x, n, c, l)] - mu) * is;
        }
        sdy = blockSum(sdy, scratch);
        sdyx = blockSum(sdyx, scratch);
        if (threadIdx.x == 0) {
            if (gw) gw[c] = (T) sdyx;
            if (gb) gb[c] = (T) sdy;
        }
        if (gx) {
            double scale = w ? is * (double) w[c] : is;
            double m1 = training ? sdy / count : 0.0;
            double m2 = training ? sdyx / count : 0.0;
            for (i64 e = threadIdx.x; e < count; e += blockDim.x) {
                int n = (int) (e / g.l);
                int l = (int) (e % g.l);
                double xhat = ((double) x[ncl(g.x, n, c, l)] - mu) * is;
                gx[ncl(g.d, n, c, l)] = (T) (((double) gy[ncl(g.g, n, c, l)] - m1 - xhat * m2) * scale);
            }
        }
    }
}

}  // namespace nnk

#define NN_NCL(SUF, T)                                                                                                \
    extern "C" __global__ void groupnorm_##SUF(nnk::NclGeo g, int groups, const T* x, const T* w, const T* b,         \
                                               double eps, T* out, T* mean, T* rstd) {                                \
        nnk::groupNormK(g, groups, x, w, b, eps, out, mean, rstd);                                                    \
    }                                                                                                                 \
    extern "C" __global__ void groupnorm_back_##SUF(nnk::NclGeo g, int groups, const T* gy, const T* x,               \
                                                    const T* mean, const T* rstd, const T* w, T* gx) {                \
        nnk::groupNormBackK(g, groups, gy, x, mean, rstd, w, gx);                                                     \
    }                                                                                                                 \
    extern "C" __global__ void groupnorm_param_##SUF(nnk::NclGeo g, int groups, const T* gy, const T* x,              \
                                                     const T* mean, const T* rstd, T* gw, T* gb) {                    \
        nnk::groupNormParamK(g, groups, gy, x, mean, rstd, gw, gb);                                                   \
    }                                                                                                                 \
    extern "C" __global__ void batchnorm_##SUF(nnk::NclGeo g, const T* x, const T* w, const T* b, int training,      \
                                               double eps, T* mean, T* invstd, T* uvar, T* out) {                     \
        nnk::batchNormK(g, x, w, b, training, eps, mean, invstd, uvar, out);                                          \
    }                                                                                                                 \
    extern "C" __global__ void batchnorm_back_##SUF(nnk::NclGeo g, const T* gy, const T* x, const T* w,               \
                                                    const T* mean, const T* invstd, int training, T* gx, T* gw,       \
                                                    T* gb) {                                                          \
        nnk::batchNormBackK(g, gy, x, w, mean, invstd, training, gx, gw, gb);                                         \
    }

NN_NCL(f32, float)
NN_NCL(f64, double)
