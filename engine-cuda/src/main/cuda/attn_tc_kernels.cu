// ------------------------------------------------------------------ tensor-core attention (issue 18, 15)
// Included at the end of ember_kernels.cu, after tc_kernels.cu (it uses i64, u16, the mma wrappers tcMmaBf16 /
// tcMmaF16 and the half conversions from there); launched by CudaAttentionTc.java.
//   tcattn_fwd_{bf16,f16}_d{64,128}   the fused attention forward (Backend.attention) for bfloat16 / float16 q, k, v,
//                                     head dimensions up to 64 / 128 (smaller ones zero-padded in shared memory)
// FlashAttention-2's forward: a block takes BR = 64 query rows of one (batch, head), 4 warps of 16 rows each, and meets
// the keys BC at a time (64 for d64, 32 for d128: the static shared memory stays under 48 KB). Per key tile:
//   S = Q K^T on the tensor cores (mma.sync.aligned.m16n8k16, float32 accumulators), then in float32 registers: S *=
//   scale, the additive mask added (float32, or of the inputs' half type), -inf for keys past S and, when causal, for
//   key j > query i (tiles wholly past the block's last row are skipped); the online softmax (each row's running
//   maximum m and sum l, reduced over the 4 lanes of a quad that hold the row): P = exp(S - m_new), l = l exp(m - m_new)
//   + rowsum(P) (float32 P), the output rescaled by exp(m - m_new); then P rounded to the inputs' type (as
//   FlashAttention does) goes straight from the accumulator registers into the A fragments of O += P V (mma again).
// At the end out = O / l rounded once to the inputs' type, and the float32 logsumexp m + log(l). A row whose every score
// is -inf (all keys masked) has output 0 and logsumexp 0, as Backend's contract says (no NaN: the maximum used is 0
// while it is -inf). Operands may have any strides (element loads; unit strides coalesce); the mask any broadcast strides.
// Scores and exponentials are float32 (expf, logf: nvcc without fast math). Grid: x over ceil(L / 64), y over the query
// heads H, z over the batch B; 128 threads per block. sm_80+ (the sm_75 build traps in the mma wrappers).
//
// Fragment layouts (see tc_kernels.cu's header; groupID = lane >> 2, tig = lane % 4): the S accumulator tile n (8 keys)
// holds (row g, keys 2tig, 2tig+1) in c0, c1 and (row g+8, same keys) in c2, c3. The A fragment of m16n8k16 over 16 keys
// (tiles 2c and 2c+1) is {row g, keys 2tig, 2tig+1}, {row g+8, same}, {row g, keys 2tig+8, 2tig+9}, {row g+8, same}: the
// accumulators of tiles 2c and 2c+1 in that order, so P never leaves the registers. K is staged [key][d] (B of Q K^T
// pairs consecutive d), V transposed [d][key] (B of P V pairs consecutive keys).
//
// Dropout (dropKind != 0, as nn.cu's kernels and Backend's contract: philox.cuh's attnDropFactor of weight
// ((b * H + h) * L + i) * S + j, kind 3 float16 or 4 bfloat16): the forward multiplies each float32 probability by its
// factor after the row sums (the logsumexp stays that of the undropped probabilities) and before it is rounded into the
// A fragments of P V; the backward takes P M' for dV and dP M' for dS = P (dP M' - delta), delta = rowsum(dO O) of the
// dropped output. (attnDropFactor comes from philox.cuh, which ember_kernels.cu includes before this file.)

struct TcAttnGeo {
    int B, H, Hk, L, S, E, Ev, group;
    int q[5], k[5], v[5], o[5];   // strides of dims 0..3, then the offset (in elements)
    int lse[4];                   // strides of dims 0..2, then the offset
    int m[5];                     // the mask's strides (0 where broadcast) and offset
    int maskType;                 // 0: no mask, 1: float32, 2: the inputs' half type
    int causal;
    int go[5], gq[5], gk[5], gv[5];
};

struct TcAttnBf16 {
    static __device__ __forceinline__ void mma(float* d, const unsigned* a, const unsigned* b) { tcMmaBf16(d, a, b); }
    static __device__ __forceinline__ u16 out(float v) { return tcToBf16(v); }
    static __device__ __forceinline__ float toF(u16 h) { return tcBf16ToFloat(h); }
};
struct TcAttnF16 {
    static __device__ __forceinline__ void mma(float* d, const unsigned* a, const unsigned* b) { tcMmaF16(d, a, b); }
    static __device__ __forceinline__ u16 out(float v) { return tcToF16(v); }
    static __device__ __forceinline__ float toF(u16 h) { return tcF16ToFloat(h); }
};

__device__ __forceinline__ i64 tcAttnAt(const int* l, int b, int h, int i) {
    return (i64) l[4] + (i64) b * l[0] + (i64) h * l[1] + (i64) i * l[2];
}
// two 16-bit values in one .b32 register, the first in the low half (the lower column / key of a fragment pair)
__device__ __forceinline__ unsigned tcAttnPack(u16 lo, u16 hi) { return (unsigned) lo | ((unsigned) hi << 16); }
// the additive mask at (b, h, i, j)
template <class K>
__device__ __forceinline__ float tcAttnMask(const TcAttnGeo& g, const void* mask, int b, int h, int i, int j) {
    i64 off = tcAttnAt(g.m, b, h, i) + (i64) j * g.m[3];
    return g.maskType == 1 ? ((const float*) mask)[off] : K::toF(((const u16*) mask)[off]);
}
// the maximum (or sum) of a row over the 4 lanes of its quad
__device__ __forceinline__ float tcQuadMax(float x) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
    return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float tcQuadSum(float x) {
    x += __shfl_xor_sync(0xffffffffu, x, 1);
    return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// The scaled and masked scores of one warp's 16 x BC tile in its accumulators (rows rowA = i0 + g and rowA + 8, keys
// j0 + 8 nt + 2 tig + (c & 1)): -inf past S, above the diagonal when causal; the mask added elsewhere (rows < L).
template <class K, int BC>
__device__ __forceinline__ void tcAttnScores(const TcAttnGeo& g, float scale, const void* mask, int b, int h, int rowA,
                                             int j0, int tig, float (*s)[4]) {
#pragma unroll
    for (int nt = 0; nt < BC / 8; nt++)
#pragma unroll
        for (int c = 0; c < 4; c++) {
            const int row = rowA + (c >= 2 ? 8 : 0);
            const int j = j0 + nt * 8 + 2 * tig + (c & 1);
            float x = s[nt][c] * scale;
            if (j >= g.S || (g.causal && j > row)) x = -INFINITY;
            else if (g.maskType != 0 && row < g.L) x += tcAttnMask<K>(g, mask, b, h, row, j);
            s[nt][c] = x;
        }
}

template <class K, int D, int BC>
__device__ void tcAttnFwdK(const TcAttnGeo& g, double scaleD, double dropThr, double dropScale,
                           unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, const u16* q,
                           const u16* k, const u16* v, const void* mask, u16* out, float* lse) {
    constexpr int BR = 64, NT = 128, LDS = D + 8, LDV = BC + 8;
    const float scale = (float) scaleD;
    __shared__ __align__(16) u16 Qs[BR][LDS];
    __shared__ __align__(16) u16 Ks[BC][LDS];
    __shared__ __align__(16) u16 Vt[D][LDV];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int gid = lane >> 2, tig = lane & 3;
    const int r0 = blockIdx.x * BR, h = blockIdx.y, b = blockIdx.z, hk = h / g.group;
    const i64 qb = tcAttnAt(g.q, b, h, 0), kb = tcAttnAt(g.k, b, hk, 0), vb = tcAttnAt(g.v, b, hk, 0);
    for (int e = tid; e < BR * D; e += NT) {
        const int r = e / D, d = e % D, i = r0 + r;
        Qs[r][d] = (i < g.L && d < g.E) ? q[qb + (i64) i * g.q[2] + (i64) d * g.q[3]] : (u16) 0;
    }
    const int wr = warp * 16;                 // the warp's rows in the tile
    const int rowA = r0 + wr + gid;           // this lane's two rows: rowA and rowA + 8
    float o[D / 8][4];
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++)
#pragma unroll
        for (int c = 0; c < 4; c++) o[dt][c] = 0.f;
    float mr[2] = {-INFINITY, -INFINITY}, lr[2] = {0.f, 0.f};
    const int kvEnd = g.causal ? min(g.S, r0 + BR) : g.S; // causal: no key past the block's last row takes part
    for (int j0 = 0; j0 < kvEnd; j0 += BC) {
        __syncthreads(); // the previous tile is no longer read (and Q is staged, on the first pass)
        for (int e = tid; e < BC * D; e += NT) {
            const int c = e / D, d = e % D, j = j0 + c;
            Ks[c][d] = (j < g.S && d < g.E) ? k[kb + (i64) j * g.k[2] + (i64) d * g.k[3]] : (u16) 0;
            Vt[d][c] = (j < g.S && d < g.Ev) ? v[vb + (i64) j * g.v[2] + (i64) d * g.v[3]] : (u16) 0;
        }
        __syncthreads();
        float s[BC / 8][4];
#pragma unroll
        for (int nt = 0; nt < BC / 8; nt++)
#pragma unroll
            for (int c = 0; c < 4; c++) s[nt][c] = 0.f;
#pragma unroll
        for (int kk = 0; kk < D; kk += 16) {
            unsigned af[4];
            const int r = wr + gid;
            af[0] = *reinterpret_cast<const unsigned*>(&Qs[r][kk + 2 * tig]);
            af[1] = *reinterpret_cast<const unsigned*>(&Qs[r + 8][kk + 2 * tig]);
            af[2] = *reinterpret_cast<const unsigned*>(&Qs[r][kk + 2 * tig + 8]);
            af[3] = *reinterpret_cast<const unsigned*>(&Qs[r + 8][kk + 2 * tig + 8]);
#pragma unroll
            for (int nt = 0; nt < BC / 8; nt++) {
                unsigned bf[2];
                bf[0] = *reinterpret_cast<const unsigned*>(&Ks[nt * 8 + gid][kk + 2 * tig]);
                bf[1] = *reinterpret_cast<const unsigned*>(&Ks[nt * 8 + gid][kk + 2 * tig + 8]);
                K::mma(s[nt], af, bf);
            }
        }
        tcAttnScores<K, BC>(g, scale, mask, b, h, rowA, j0, tig, s);
        // the online softmax: new maxima, P = exp(S - m) (m taken as 0 while the row has no allowed key), new sums
        float mn[2] = {mr[0], mr[1]};
#pragma unroll
        for (int nt = 0; nt < BC / 8; nt++)
#pragma unroll
            for (int c = 0; c < 4; c++) mn[c >> 1] = fmaxf(mn[c >> 1], s[nt][c]);
        float mu[2], corr[2], ls[2] = {0.f, 0.f};
#pragma unroll
        for (int r = 0; r < 2; r++) {
            mn[r] = tcQuadMax(mn[r]);
            mu[r] = mn[r] == -INFINITY ? 0.f : mn[r];
            corr[r] = expf(mr[r] - mu[r]); // 0 while the row had no allowed key (its o and l are 0)
            mr[r] = mn[r];
        }
#pragma unroll
        for (int nt = 0; nt < BC / 8; nt++)
#pragma unroll
            for (int c = 0; c < 4; c++) {
                const float p = expf(s[nt][c] - mu[c >> 1]);
                s[nt][c] = p;
                ls[c >> 1] += p;
            }
#pragma unroll
        for (int r = 0; r < 2; r++) lr[r] = lr[r] * corr[r] + tcQuadSum(ls[r]);
        if (dropKind) { // the sums above are of the undropped probabilities; P V takes the dropped ones
#pragma unroll
            for (int nt = 0; nt < BC / 8; nt++)
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int row = rowA + 8 * (c >> 1), j = j0 + nt * 8 + 2 * tig + (c & 1);
                    if (row < g.L && j < g.S && s[nt][c] != 0.f) {
                        s[nt][c] *= (float) attnDropFactor(dropKind, dropThr, dropScale, dropSeed,
                                dropOffset + (((unsigned long long) b * g.H + h) * g.L + row) * g.S + j);
                    }
                }
        }
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++)
#pragma unroll
            for (int c = 0; c < 4; c++) o[dt][c] *= corr[c >> 1];
        // O += P V, P rounded to the inputs' type in the A fragments
#pragma unroll
        for (int kc = 0; kc < BC / 16; kc++) {
            unsigned pa[4];
            pa[0] = tcAttnPack(K::out(s[2 * kc][0]), K::out(s[2 * kc][1]));
            pa[1] = tcAttnPack(K::out(s[2 * kc][2]), K::out(s[2 * kc][3]));
            pa[2] = tcAttnPack(K::out(s[2 * kc + 1][0]), K::out(s[2 * kc + 1][1]));
            pa[3] = tcAttnPack(K::out(s[2 * kc + 1][2]), K::out(s[2 * kc + 1][3]));
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
                unsigned bf[2];
                bf[0] = *reinterpret_cast<const unsigned*>(&Vt[dt * 8 + gid][kc * 16 + 2 * tig]);
                bf[1] = *reinterpret_cast<const unsigned*>(&Vt[dt * 8 + gid][kc * 16 + 2 * tig + 8]);
                K::mma(o[dt], pa, bf);
            }
        }
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        const int row = rowA + 8 * r;
        if (row >= g.L) continue;
        const float inv = lr[r] > 0.f ? 1.f / lr[r] : 0.f;
        const i64 ob = tcAttnAt(g.o, b, h, row);
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++)
#pragma unroll
            for (int c = 0; c < 2; c++) {
                const int d = dt * 8 + 2 * tig + c;
                if (d < g.Ev) out[ob + (i64) d * g.o[3]] = K::out(o[dt][2 * r + c] * inv);
            }
        if (tig == 0) {
            lse[(i64) g.lse[3] + (i64) b * g.lse[0] + (i64) h * g.lse[1] + (i64) row * g.lse[2]] =
                lr[r] > 0.f ? mr[r] + logf(lr[r]) : 0.f;
        }
    }
}

#define TCATTN_FWD(SUF, KIND, D, BC) \
extern "C" __global__ void __launch_bounds__(128) tcattn_fwd_##SUF##_d##D(TcAttnGeo g, double scale, double dropThr, \
        double dropScale, unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, const u16* q, \
        const u16* k, const u16* v, const void* mask, u16* out, float* lse) { \
    tcAttnFwdK<KIND, D, BC>(g, scale, dropThr, dropScale, dropSeed, dropOffset, dropKind, q, k, v, mask, out, lse); }
TCATTN_FWD(bf16, TcAttnBf16, 64, 64)
TCATTN_FWD(bf16, TcAttnBf16, 128, 32)
TCATTN_FWD(f16, TcAttnF16, 64, 64)
TCATTN_FWD(f16, TcAttnF16, 128, 32)

// ------------------------------------------------------------------ the backward
//   tcattn_bwd_prep_{bf16,f16}       per query row: delta = sum_d dO O (float32, from the half dO and the saved half
//                                    output, as FlashAttention's dot_do_o), and the row of the float32 dQ accumulator
//                                    zeroed; one thread per row (B H L of them), grid-stride
//   tcattn_bwd_{bf16,f16}_d{64,128}  FlashAttention-2's backward: a block takes BC = 64 keys of one (batch, key/value
//                                    head), 4 warps of 16 keys each, with K and V in registers as A fragments, and meets
//                                    every query head of its group and every query tile (BR = 32 rows for d64, 16 for
//                                    d128; causal tiles wholly before the block's first key skipped). Per tile, on the
//                                    tensor cores with float32 accumulators: S^T = K Q^T, P^T = exp(scale S^T + mask -
//                                    lse) (recomputed from the float32 logsumexp; 0 where masked, past L or S, or above
//                                    the causal diagonal), dP^T = V dO^T, dS^T = P^T (dP^T - delta); dV += P^T dO and
//                                    dK += dS^T Q with P and dS rounded to the inputs' type in the A fragments (as
//                                    FlashAttention does); dS goes through shared memory for dQ += dS K, added to the
//                                    float32 accumulator [B, H, L, E] (contiguous) with atomicAdd: the order of the
//                                    additions from the key blocks depends on timing, so dQ is not deterministic
//                                    (CudaAttentionTc alerts through Determinism, as PyTorch's flash backward does).
//                                    dK (times scale) and dV are written once, rounded to the inputs' type.
//   tcattn_bwd_dq_{bf16,f16}         dQ = scale * accumulator, rounded once to the inputs' type, through gq's layout
// Shared memory: Q and dO of the tile both ways ([row][d] for the B fragments of K Q^T and V dO^T, [d][row] for those of
// P^T dO and dS^T Q), dS [row][key], and one buffer that stages K and V into registers and then holds K^T [d][key].

// the A fragment of rows r, r + 8 and columns k0 .. k0 + 15 of a row-major [rows][ld] tile
__device__ __forceinline__ void tcAttnFragA(const u16* t, int ld, int r, int k0, int tig, unsigned* a) {
    a[0] = *reinterpret_cast<const unsigned*>(&t[r * ld + k0 + 2 * tig]);
    a[1] = *reinterpret_cast<const unsigned*>(&t[(r + 8) * ld + k0 + 2 * tig]);
    a[2] = *reinterpret_cast<const unsigned*>(&t[r * ld + k0 + 2 * tig + 8]);
    a[3] = *reinterpret_cast<const unsigned*>(&t[(r + 8) * ld + k0 + 2 * tig + 8]);
}

template <class K>
__device__ void tcAttnPrepK(const TcAttnGeo& g, const u16* go, const u16* out, float* delta, float* dqacc) {
    const i64 rows = (i64) g.B * g.H * g.L;
    for (i64 r = blockIdx.x * (i64) blockDim.x + threadIdx.x; r < rows; r += (i64) gridDim.x * blockDim.x) {
        const int i = (int) (r % g.L), h = (int) ((r / g.L) % g.H), b = (int) (r / ((i64) g.L * g.H));
        const i64 gb = tcAttnAt(g.go, b, h, i), ob = tcAttnAt(g.o, b, h, i);
        float s = 0.f;
        for (int d = 0; d < g.Ev; d++) s += K::toF(go[gb + (i64) d * g.go[3]]) * K::toF(out[ob + (i64) d * g.o[3]]);
        delta[r] = s;
        for (int d = 0; d < g.E; d++) dqacc[r * g.E + d] = 0.f;
    }
}

template <class K>
__device__ void tcAttnDqK(const TcAttnGeo& g, float scale, const float* dqacc, u16* gq) {
    const i64 n = (i64) g.B * g.H * g.L * g.E;
    for (i64 x = blockIdx.x * (i64) blockDim.x + threadIdx.x; x < n; x += (i64) gridDim.x * blockDim.x) {
        const int d = (int) (x % g.E);
        const i64 r = x / g.E;
        const int i = (int) (r % g.L), h = (int) ((r / g.L) % g.H), b = (int) (r / ((i64) g.L * g.H));
        gq[tcAttnAt(g.gq, b, h, i) + (i64) d * g.gq[3]] = K::out(dqacc[x] * scale);
    }
}

template <class K, int D, int BR>
__device__ void tcAttnBwdK(const TcAttnGeo& g, double scaleD, double dropThr, double dropScale,
                           unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, const u16* go,
                           const u16* q, const u16* k, const u16* v, const void* mask, const float* lse,
                           const float* delta, float* dqacc, u16* gk, u16* gv) {
    constexpr int BC = 64, NT = 128, LD = D + 8, LR = BR + 8, LC = BC + 8;
    constexpr int BUF = (BC * LD > D * LC) ? BC * LD : D * LC;
    const float scale = (float) scaleD;
    __shared__ __align__(16) u16 Qs[BR][LD];
    __shared__ __align__(16) u16 dOs[BR][LD];
    __shared__ __align__(16) u16 Qt[D][LR];
    __shared__ __align__(16) u16 dOt[D][LR];
    __shared__ __align__(16) u16 dSs[BR][LC];
    __shared__ __align__(16) u16 buf[BUF];
    __shared__ float lseS[BR], deltaS[BR];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int gid = lane >> 2, tig = lane & 3;
    const int j0 = blockIdx.x * BC, hk = blockIdx.y, b = blockIdx.z;
    const i64 kb = tcAttnAt(g.k, b, hk, 0), vb = tcAttnAt(g.v, b, hk, 0);
    const int kr = warp * 16 + gid; // this lane's keys in the block: kr and kr + 8
    // K, then V, into registers as A fragments ([key][d], pairs of consecutive d)
    unsigned kA[D / 16][4], vA[D / 16][4];
    for (int e = tid; e < BC * D; e += NT) {
        const int c = e / D, d = e % D, j = j0 + c;
        buf[c * LD + d] = (j < g.S && d < g.E) ? k[kb + (i64) j * g.k[2] + (i64) d * g.k[3]] : (u16) 0;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < D / 16; kk++) tcAttnFragA(buf, LD, kr, kk * 16, tig, kA[kk]);
    __syncthreads();
    for (int e = tid; e < BC * D; e += NT) {
        const int c = e / D, d = e % D, j = j0 + c;
        buf[c * LD + d] = (j < g.S && d < g.Ev) ? v[vb + (i64) j * g.v[2] + (i64) d * g.v[3]] : (u16) 0;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < D / 16; kk++) tcAttnFragA(buf, LD, kr, kk * 16, tig, vA[kk]);
    // then K^T ([d][key], pairs of consecutive keys) for dQ += dS K
    __syncthreads();
    for (int e = tid; e < BC * D; e += NT) {
        const int c = e % BC, d = e / BC, j = j0 + c;
        buf[d * LC + c] = (j < g.S && d < g.E) ? k[kb + (i64) j * g.k[2] + (i64) d * g.k[3]] : (u16) 0;
    }
    float dk[D / 8][4], dv[D / 8][4];
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++)
#pragma unroll
        for (int c = 0; c < 4; c++) { dk[dt][c] = 0.f; dv[dt][c] = 0.f; }
    const int iStart = g.causal ? (j0 / BR) * BR : 0; // causal: rows before the block's first key see none of its keys
    for (int h = hk * g.group; h < (hk + 1) * g.group; h++) {
        const i64 qb = tcAttnAt(g.q, b, h, 0), gb = tcAttnAt(g.go, b, h, 0);
        for (int i0 = iStart; i0 < g.L; i0 += BR) {
            __syncthreads(); // the previous tile's shared data is no longer read
            for (int e = tid; e < BR * D; e += NT) {
                const int r = e / D, d = e % D, i = i0 + r;
                const u16 qv = (i < g.L && d < g.E) ? q[qb + (i64) i * g.q[2] + (i64) d * g.q[3]] : (u16) 0;
                const u16 gv0 = (i < g.L && d < g.Ev) ? go[gb + (i64) i * g.go[2] + (i64) d * g.go[3]] : (u16) 0;
                Qs[r][d] = qv;
                Qt[d][r] = qv;
                dOs[r][d] = gv0;
                dOt[d][r] = gv0;
            }
            for (int r = tid; r < BR; r += NT) {
                const int i = i0 + r;
                const i64 row = ((i64) b * g.H + h) * g.L + i;
                lseS[r] = i < g.L ? lse[(i64) g.lse[3] + (i64) b * g.lse[0] + (i64) h * g.lse[1] + (i64) i * g.lse[2]] : 0.f;
                deltaS[r] = i < g.L ? delta[row] : 0.f;
            }
            __syncthreads();
            // S^T = K Q^T and dP^T = V dO^T: 16 keys x BR rows per warp
            float st[BR / 8][4], dp[BR / 8][4];
#pragma unroll
            for (int nt = 0; nt < BR / 8; nt++)
#pragma unroll
                for (int c = 0; c < 4; c++) { st[nt][c] = 0.f; dp[nt][c] = 0.f; }
#pragma unroll
            for (int kk = 0; kk < D / 16; kk++)
#pragma unroll
                for (int nt = 0; nt < BR / 8; nt++) {
                    unsigned bq[2], bo[2];
                    bq[0] = *reinterpret_cast<const unsigned*>(&Qs[nt * 8 + gid][kk * 16 + 2 * tig]);
                    bq[1] = *reinterpret_cast<const unsigned*>(&Qs[nt * 8 + gid][kk * 16 + 2 * tig + 8]);
                    bo[0] = *reinterpret_cast<const unsigned*>(&dOs[nt * 8 + gid][kk * 16 + 2 * tig]);
                    bo[1] = *reinterpret_cast<const unsigned*>(&dOs[nt * 8 + gid][kk * 16 + 2 * tig + 8]);
                    K::mma(st[nt], kA[kk], bq);
                    K::mma(dp[nt], vA[kk], bo);
                }
            // P^T and dS^T in place (st holds P, dp holds dS); dS also to shared memory as [row][key]
#pragma unroll
            for (int nt = 0; nt < BR / 8; nt++)
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int key = kr + (c >= 2 ? 8 : 0), j = j0 + key;
                    const int r = nt * 8 + 2 * tig + (c & 1), i = i0 + r;
                    float p = 0.f, f = 1.f;
                    if (i < g.L && j < g.S && !(g.causal && j > i)) {
                        float x = st[nt][c] * scale;
                        if (g.maskType != 0) x += tcAttnMask<K>(g, mask, b, h, i, j);
                        p = expf(x - lseS[r]);
                        if (dropKind) {
                            f = (float) attnDropFactor(dropKind, dropThr, dropScale, dropSeed,
                                    dropOffset + (((unsigned long long) b * g.H + h) * g.L + i) * g.S + j);
                        }
                    }
                    st[nt][c] = p * f;  // P M' for dV (P without dropout)
                    dp[nt][c] *= f;     // dP M'
                    dp[nt][c] = p * (dp[nt][c] - deltaS[r]);
                    dSs[r][key] = K::out(dp[nt][c]);
                }
            // dV += P^T dO and dK += dS^T Q (A: P^T / dS^T over 16 rows, rounded to the type)
#pragma unroll
            for (int kc = 0; kc < BR / 16; kc++) {
                unsigned pa[4], sa[4];
                pa[0] = tcAttnPack(K::out(st[2 * kc][0]), K::out(st[2 * kc][1]));
                pa[1] = tcAttnPack(K::out(st[2 * kc][2]), K::out(st[2 * kc][3]));
                pa[2] = tcAttnPack(K::out(st[2 * kc + 1][0]), K::out(st[2 * kc + 1][1]));
                pa[3] = tcAttnPack(K::out(st[2 * kc + 1][2]), K::out(st[2 * kc + 1][3]));
                sa[0] = tcAttnPack(K::out(dp[2 * kc][0]), K::out(dp[2 * kc][1]));
                sa[1] = tcAttnPack(K::out(dp[2 * kc][2]), K::out(dp[2 * kc][3]));
                sa[2] = tcAttnPack(K::out(dp[2 * kc + 1][0]), K::out(dp[2 * kc + 1][1]));
                sa[3] = tcAttnPack(K::out(dp[2 * kc + 1][2]), K::out(dp[2 * kc + 1][3]));
#pragma unroll
                for (int dt = 0; dt < D / 8; dt++) {
                    unsigned bo[2], bq[2];
                    bo[0] = *reinterpret_cast<const unsigned*>(&dOt[dt * 8 + gid][kc * 16 + 2 * tig]);
                    bo[1] = *reinterpret_cast<const unsigned*>(&dOt[dt * 8 + gid][kc * 16 + 2 * tig + 8]);
                    bq[0] = *reinterpret_cast<const unsigned*>(&Qt[dt * 8 + gid][kc * 16 + 2 * tig]);
                    bq[1] = *reinterpret_cast<const unsigned*>(&Qt[dt * 8 + gid][kc * 16 + 2 * tig + 8]);
                    K::mma(dv[dt], pa, bo);
                    K::mma(dk[dt], sa, bq);
                }
            }
            __syncthreads(); // dS is in shared memory
            // dQ += dS K: (BR / 16) x (D / 8) output tiles shared among the 4 warps, k over the block's 64 keys
            for (int t = warp; t < (BR / 16) * (D / 8); t += 4) {
                const int rg = t / (D / 8), ct = t % (D / 8);
                float acc[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
                for (int kc = 0; kc < BC / 16; kc++) {
                    unsigned a[4], bk[2];
                    a[0] = *reinterpret_cast<const unsigned*>(&dSs[rg * 16 + gid][kc * 16 + 2 * tig]);
                    a[1] = *reinterpret_cast<const unsigned*>(&dSs[rg * 16 + gid + 8][kc * 16 + 2 * tig]);
                    a[2] = *reinterpret_cast<const unsigned*>(&dSs[rg * 16 + gid][kc * 16 + 2 * tig + 8]);
                    a[3] = *reinterpret_cast<const unsigned*>(&dSs[rg * 16 + gid + 8][kc * 16 + 2 * tig + 8]);
                    bk[0] = *reinterpret_cast<const unsigned*>(&buf[(ct * 8 + gid) * LC + kc * 16 + 2 * tig]);
                    bk[1] = *reinterpret_cast<const unsigned*>(&buf[(ct * 8 + gid) * LC + kc * 16 + 2 * tig + 8]);
                    K::mma(acc, a, bk);
                }
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int i = i0 + rg * 16 + gid + (c >= 2 ? 8 : 0), d = ct * 8 + 2 * tig + (c & 1);
                    if (i < g.L && d < g.E) atomicAdd(&dqacc[(((i64) b * g.H + h) * g.L + i) * g.E + d], acc[c]);
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        const int j = j0 + kr + 8 * r;
        if (j >= g.S) continue;
        const i64 kbo = tcAttnAt(g.gk, b, hk, j), vbo = tcAttnAt(g.gv, b, hk, j);
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++)
#pragma unroll
            for (int c = 0; c < 2; c++) {
                const int d = dt * 8 + 2 * tig + c;
                if (d < g.E) gk[kbo + (i64) d * g.gk[3]] = K::out(dk[dt][2 * r + c] * scale);
                if (d < g.Ev) gv[vbo + (i64) d * g.gv[3]] = K::out(dv[dt][2 * r + c]);
            }
    }
}

#define TCATTN_BWD_T(SUF, KIND) \
extern "C" __global__ void tcattn_bwd_prep_##SUF(TcAttnGeo g, const u16* go, const u16* out, float* delta, \
        float* dqacc) { tcAttnPrepK<KIND>(g, go, out, delta, dqacc); } \
extern "C" __global__ void tcattn_bwd_dq_##SUF(TcAttnGeo g, double scale, const float* dqacc, u16* gq) { \
    tcAttnDqK<KIND>(g, (float) scale, dqacc, gq); }
#define TCATTN_BWD(SUF, KIND, D, BR) \
extern "C" __global__ void __launch_bounds__(128) tcattn_bwd_##SUF##_d##D(TcAttnGeo g, double scale, double dropThr, \
        double dropScale, unsigned long long dropSeed, unsigned long long dropOffset, int dropKind, const u16* go, \
        const u16* q, const u16* k, const u16* v, const void* mask, const float* lse, const float* delta, \
        float* dqacc, u16* gk, u16* gv) { \
    tcAttnBwdK<KIND, D, BR>(g, scale, dropThr, dropScale, dropSeed, dropOffset, dropKind, go, q, k, v, mask, lse, delta, \
                            dqacc, gk, gv); }
TCATTN_BWD_T(bf16, TcAttnBf16)
TCATTN_BWD_T(f16, TcAttnF16)
TCATTN_BWD(bf16, TcAttnBf16, 64, 32)
TCATTN_BWD(bf16, TcAttnBf16, 128, 16)
TCATTN_BWD(f16, TcAttnF16, 64, 32)
TCATTN_BWD(f16, TcAttnF16, 128, 16)
