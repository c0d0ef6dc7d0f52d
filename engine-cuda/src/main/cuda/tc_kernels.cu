// ------------------------------------------------------------------ tensor-core GEMM (issue 18)
// Included at the end of ember_kernels.cu (it uses i64 and struct Mat from there); launched by CudaTensorCores.java.
//   tcgemm_bf16_{f32,bf16}   C[b] = A[b] @ B[b], bfloat16 inputs, mma.sync.aligned.m16n8k16 (f32 accumulators)
//   tcgemm_f16_{f32,f16}     the same for float16 inputs
//   tcgemm_tf32_f32          float32 inputs rounded to TF32 (cvt.rna.tf32.f32, once, when staged in shared memory),
//                            mma.sync.aligned.m16n8k8, f32 accumulators
// Outputs are float32, or the inputs' half type rounded once from the float32 accumulator (round to nearest even, with
// the CPU backend's NaN and overflow results: BFloat16.fromFloat and Half.fromFloat bit for bit).
// Layouts: any rank-3 [batch, rows, cols] strides (row- or column-major operands, transposed views, batch stride 0 for
// a broadcast operand), as the float32 sgemm_* kernels; edge tiles are masked (m, n, k need not be tile multiples).
// Grid: x over ceil(n / 128) column tiles, y over ceil(m / 128) row tiles, z over the batch; 256 threads per block.
// The tensor cores need sm_80: the sm_75 build of these kernels traps (CudaTensorCores launches them only on 8.0+).
//
// Fragment layouts: PTX ISA, section 9.7.14.5.7 "Matrix Fragments for mma.m16n8k8" (.tf32 A, B and the f32
// accumulators) and 9.7.14.5.8 "Matrix Fragments for mma.m16n8k16 with floating point type" (.f16/.bf16 A and B).
// With groupID = lane >> 2 and tig = lane % 4:
//   m16n8k16 A (4 x .b32, two 16-bit elements each, lower column in the low half): {row g, cols 2tig, 2tig+1},
//            {row g+8, same cols}, {row g, cols 2tig+8, 2tig+9}, {row g+8, cols 2tig+8, 2tig+9}
//   m16n8k16 B (2 x .b32): {rows (k) 2tig, 2tig+1 of column g}, {rows 2tig+8, 2tig+9 of column g}
//   m16n8k8 tf32 A (4 x .b32): (g, tig), (g+8, tig), (g, tig+4), (g+8, tig+4);  B: (k tig, col g), (k tig+4, col g)
//   accumulators (4 x f32): (g, 2tig), (g, 2tig+1), (g+8, 2tig), (g+8, 2tig+1)
// Every PTX instruction sits in a small function below; without __CUDA_ARCH__ (the host emulation test) the
// functions come from src/test/cuda/tc_emulation/tc_shim.h, which computes them as warp collectives.

typedef unsigned short u16;

#ifdef __CUDA_ARCH__
// float32 -> TF32 (round to nearest, ties away from zero), the result in a .b32 register
__device__ __forceinline__ unsigned tcToTf32(float x) {
#if __CUDA_ARCH__ >= 800
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
#else
    return __float_as_uint(x);
#endif
}
// d += a @ b for one 16x8x16 bf16 tile
__device__ __forceinline__ void tcMmaBf16(float* d, const unsigned* a, const unsigned* b) {
#if __CUDA_ARCH__ >= 800
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
    __trap();
#endif
}
// d += a @ b for one 16x8x16 f16 tile
__device__ __forceinline__ void tcMmaF16(float* d, const unsigned* a, const unsigned* b) {
#if __CUDA_ARCH__ >= 800
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
    __trap();
#endif
}
// d += a @ b for one 16x8x8 tf32 tile
__device__ __forceinline__ void tcMmaTf32(float* d, const unsigned* a, const unsigned* b) {
#if __CUDA_ARCH__ >= 800
    asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
    __trap();
#endif
}
#elif !defined(TC_HOST_EMULATION)
__device__ unsigned tcToTf32(float x);
__device__ void tcMmaBf16(float* d, const unsigned* a, const unsigned* b);
__device__ void tcMmaF16(float* d, const unsigned* a, const unsigned* b);
__device__ void tcMmaTf32(float* d, const unsigned* a, const unsigned* b);
#endif

// float32 -> bfloat16 bits, as BFloat16.fromFloat: NaN -> 0x7FC0, otherwise round to nearest even (overflow to inf)
__device__ __forceinline__ u16 tcToBf16(float f) {
    if (f != f) return 0x7FC0;
    unsigned u = __float_as_uint(f);
    return (u16) ((u + (((u >> 16) & 1u) + 0x7FFFu)) >> 16);
}
// float32 -> float16 bits, as Half.fromFloat (c10's fp16_ieee_from_fp32_value): round to nearest even, overflow to
// inf, NaN -> sign | 0x7E00; the products and the sum are the _rn intrinsics so nvcc never fuses them
__device__ __forceinline__ u16 tcToF16(float f) {
    float base = __fmul_rn(__fmul_rn(fabsf(f), __uint_as_float(0x77800000u)), __uint_as_float(0x08800000u));
    unsigned w = __float_as_uint(f);
    unsigned shl1 = w + w;
    unsigned sign = w & 0x80000000u;
    unsigned bias = shl1 & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = __fadd_rn(__uint_as_float((bias >> 1) + 0x07800000u), base);
    unsigned bits = __float_as_uint(base);
    unsigned nonsign = ((bits >> 13) & 0x7C00u) + (bits & 0x0FFFu);
    return (u16) ((sign >> 16) | (shl1 > 0xFF000000u ? 0x7E00u : nonsign));
}

// The three input kinds: In (the storage element), S (the shared-memory element: the 16-bit bits as they are, or the
// TF32 bits), BK (k per shared-memory tile), KS (k per mma), PAD (shared row padding, in elements: the fragment reads
// of a warp then hit 32 distinct banks).
struct TcBf16 {
    typedef u16 In;
    typedef u16 S;
    enum { BK = 32, KS = 16, PAD = 8 };
    static __device__ __forceinline__ S stage(In v) { return v; }
    static __device__ __forceinline__ void mma(float* d, const unsigned* a, const unsigned* b) { tcMmaBf16(d, a, b); }
    static __device__ __forceinline__ u16 out(float v) { return tcToBf16(v); }
};
struct TcF16 {
    typedef u16 In;
    typedef u16 S;
    enum { BK = 32, KS = 16, PAD = 8 };
    static __device__ __forceinline__ S stage(In v) { return v; }
    static __device__ __forceinline__ void mma(float* d, const unsigned* a, const unsigned* b) { tcMmaF16(d, a, b); }
    static __device__ __forceinline__ u16 out(float v) { return tcToF16(v); }
};
struct TcTf32 {
    typedef float In;
    typedef unsigned S;
    enum { BK = 16, KS = 8, PAD = 4 };
    static __device__ __forceinline__ S stage(In v) { return tcToTf32(v); }
    static __device__ __forceinline__ void mma(float* d, const unsigned* a, const unsigned* b) { tcMmaTf32(d, a, b); }
};

template <typename O> struct TcOut;
template <> struct TcOut<float> {
    template <class K> static __device__ __forceinline__ float from(float v) { return v; }
};
template <> struct TcOut<u16> {
    template <class K> static __device__ __forceinline__ u16 from(float v) { return K::out(v); }
};

// One block: a 128x128 tile of C[blockIdx.z], 8 warps as 2 (rows) x 4 (columns), each warp 64x32 = 4 x 4 mma tiles.
// Shared memory holds A's tile as [128 rows][BK + PAD] and B's as [128 columns][BK + PAD] (k contiguous in both, as
// the fragments pair consecutive k), two stages: the next k-tile's global loads go to registers while this one is
// multiplied, then to the other stage (one barrier per k-tile). Global loads walk each operand's unit-stride dimension
// (any strides work; unit strides coalesce); elements past m, n or k load as zero.
template <class K, typename O>
__device__ __forceinline__ void tcGemmTile(const Mat& A, const Mat& B, const Mat& C, const typename K::In* a,
                                           const typename K::In* b, O* c) {
    typedef typename K::In In;
    typedef typename K::S S;
    constexpr int BM = 128, BN = 128, NT = 256;
    constexpr int BK = K::BK, KS = K::KS, LD = K::BK + K::PAD;
    constexpr int LA = BM * BK / NT, LB = BN * BK / NT;
    __shared__ __align__(16) S As[2][BM][LD];
    __shared__ __align__(16) S Bs[2][BN][LD];
    const int tid = threadIdx.x;
    const int lane = tid & 31, warp = tid >> 5;
    const int g = lane >> 2, tig = lane & 3;
    const int wm = (warp >> 2) * 64, wn = (warp & 3) * 32;
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    const int M = A.rows, N = B.cols, KD = A.cols;
    const In* pa = a + A.off + (i64) blockIdx.z * A.sb;
    const In* pb = b + B.off + (i64) blockIdx.z * B.sb;
    const bool aColMajor = A.sr == 1 && A.sc != 1;
    const bool bColMajor = B.sr == 1 && B.sc != 1;
    In ra[LA], rb[LB];
    auto load = [&](int k0) {
#pragma unroll
        for (int i = 0; i < LA; i++) {
            int e = tid + i * NT;
            int r = aColMajor ? e % BM : e / BK;
            int kk = aColMajor ? e / BM : e % BK;
            int gr = row0 + r, gk = k0 + kk;
            ra[i] = (gr < M && gk < KD) ? pa[gr * A.sr + gk * A.sc] : (In) 0;
        }
#pragma unroll
        for (int i = 0; i < LB; i++) {
            int e = tid + i * NT;
            int kb = bColMajor ? e % BK : e / BN;
            int cc = bColMajor ? e / BK : e % BN;
            int gk = k0 + kb, gc = col0 + cc;
            rb[i] = (gk < KD && gc < N) ? pb[gk * B.sr + gc * B.sc] : (In) 0;
        }
    };
    auto store = [&](int s) {
#pragma unroll
        for (int i = 0; i < LA; i++) {
            int e = tid + i * NT;
            int r = aColMajor ? e % BM : e / BK;
            int kk = aColMajor ? e / BM : e % BK;
            As[s][r][kk] = K::stage(ra[i]);
        }
#pragma unroll
        for (int i = 0; i < LB; i++) {
            int e = tid + i * NT;
            int kb = bColMajor ? e % BK : e / BN;
            int cc = bColMajor ? e / BK : e % BN;
            Bs[s][cc][kb] = K::stage(rb[i]);
        }
    };
    float acc[4][4][4];
#pragma unroll
    for (int mi = 0; mi < 4; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int i = 0; i < 4; i++) acc[mi][ni][i] = 0.f;
    load(0);
    store(0);
    __syncthreads();
    const int tiles = (KD + BK - 1) / BK;
    for (int t = 0; t < tiles; t++) {
        const int s = t & 1;
        if (t + 1 < tiles) load((t + 1) * BK);
#pragma unroll
        for (int kk = 0; kk < BK; kk += KS) {
            unsigned af[4][4], bf[4][2];
#pragma unroll
            for (int mi = 0; mi < 4; mi++) {
                const int r = wm + mi * 16 + g;
                if constexpr (KS == 16) {
                    af[mi][0] = *reinterpret_cast<const unsigned*>(&As[s][r][kk + 2 * tig]);
                    af[mi][1] = *reinterpret_cast<const unsigned*>(&As[s][r + 8][kk + 2 * tig]);
                    af[mi][2] = *reinterpret_cast<const unsigned*>(&As[s][r][kk + 2 * tig + 8]);
                    af[mi][3] = *reinterpret_cast<const unsigned*>(&As[s][r + 8][kk + 2 * tig + 8]);
                } else {
                    af[mi][0] = As[s][r][kk + tig];
                    af[mi][1] = As[s][r + 8][kk + tig];
                    af[mi][2] = As[s][r][kk + tig + 4];
                    af[mi][3] = As[s][r + 8][kk + tig + 4];
                }
            }
#pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                const int cn = wn + ni * 8 + g;
                if constexpr (KS == 16) {
                    bf[ni][0] = *reinterpret_cast<const unsigned*>(&Bs[s][cn][kk + 2 * tig]);
                    bf[ni][1] = *reinterpret_cast<const unsigned*>(&Bs[s][cn][kk + 2 * tig + 8]);
                } else {
                    bf[ni][0] = Bs[s][cn][kk + tig];
                    bf[ni][1] = Bs[s][cn][kk + tig + 4];
                }
            }
#pragma unroll
            for (int mi = 0; mi < 4; mi++)
#pragma unroll
                for (int ni = 0; ni < 4; ni++) K::mma(acc[mi][ni], af[mi], bf[ni]);
        }
        if (t + 1 < tiles) store(s ^ 1);
        __syncthreads();
    }
    O* pc = c + C.off + (i64) blockIdx.z * C.sb;
#pragma unroll
    for (int mi = 0; mi < 4; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int r = row0 + wm + mi * 16 + g + (i >= 2 ? 8 : 0);
                int cc = col0 + wn + ni * 8 + 2 * tig + (i & 1);
                if (r < M && cc < N) pc[r * C.sr + cc * C.sc] = TcOut<O>::template from<K>(acc[mi][ni][i]);
            }
}

#define TCGEMM(NAME, KIND, IN, OUT) \
extern "C" __global__ void __launch_bounds__(256, 1) tcgemm_##NAME(Mat A, Mat B, Mat C, const IN* a, const IN* b, \
        OUT* c) { tcGemmTile<KIND, OUT>(A, B, C, a, b, c); }
TCGEMM(bf16_f32, TcBf16, u16, float)
TCGEMM(bf16_bf16, TcBf16, u16, u16)
TCGEMM(f16_f32, TcF16, u16, float)
TCGEMM(f16_f16, TcF16, u16, u16)
TCGEMM(tf32_f32, TcTf32, float, float)

// ------------------------------------------------------------------ float16 / bfloat16 to float32 (exact)
// The widening the attention kernels use (attn_tc_kernels.cu); the conversion kernels of every type pair are
// half_kernels.cu's hcopy_*.

// float16 bits -> float32, as Half.toFloat
__device__ __forceinline__ float tcF16ToFloat(u16 h) {
    unsigned sign = ((unsigned) h & 0x8000u) << 16, exp = ((unsigned) h >> 10) & 0x1Fu, mant = (unsigned) h & 0x3FFu;
    if (exp == 0x1Fu) return __uint_as_float(sign | 0x7F800000u | (mant << 13) | (mant != 0 ? 0x00400000u : 0u));
    if (exp == 0) {
        float v = __fmul_rn((float) mant, __uint_as_float(0x33800000u)); // mant * 2^-24, exact
        return sign ? -v : v;
    }
    return __uint_as_float(sign | ((exp + 112u) << 23) | (mant << 13));
}
// bfloat16 bits -> float32, exactly
__device__ __forceinline__ float tcBf16ToFloat(u16 h) { return __uint_as_float((unsigned) h << 16); }

