// What tc_kernels.cu uses beyond index_emulation/cuda_shim.h: __align__, __launch_bounds__, the bit casts and _rn
// intrinsics, a launcher for 3-D grids, and host versions of the PTX wrappers (tcToTf32, tcMmaBf16, tcMmaF16,
// tcMmaTf32). The mma functions are warp collectives as the instruction is: each lane deposits its fragment registers
// in its warp's slots, the warp meets at a barrier, every lane rebuilds the whole A (16xK) and B (Kx8) tiles from all
// 32 lanes' registers and takes its own accumulators back, and the warp meets again before the slots are reused.
//
// The lane -> element maps below are written from the PTX ISA's text, independently of the kernel: section 9.7.14.5.8
// "Matrix Fragments for mma.m16n8k16 with floating point type" (.f16/.bf16 multiplicands A and B) and section
// 9.7.14.5.7 "Matrix Fragments for mma.m16n8k8" (.tf32 multiplicands A and B, and the .f32 accumulators C/D, which
// are the same for both shapes). Each map gives the row and column of element i of a lane's fragment ("Elements (low
// to high)": for 16-bit types, element 2j is the low half of register j and element 2j+1 its high half). A rebuilt
// tile in which an element is held by no lane or by two lanes aborts the test: the maps must cover it exactly once.
//
// Arithmetic: products of the (exact) inputs summed in double and added to the float32 accumulator, rounded once to
// float32. The hardware's internal order and precision are not specified by the ISA; the test's tolerances allow it.
#pragma once
#define TC_HOST_EMULATION 1
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)

inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __ll2float_rn(long long v) { return (float) v; } // one rounding, to nearest even (SSE's cvtsi2ss)
using std::fabs;

// cvt.rna.tf32.f32: round the float32 to 10 explicit mantissa bits, to nearest with ties away from zero (adding half
// an ulp of TF32 to the magnitude's bits and truncating does exactly that), infinities and NaNs as they are; the 13
// low bits of the result are zero
inline unsigned tcToTf32(float x) {
    unsigned u = __float_as_uint(x);
    if ((u & 0x7F800000u) == 0x7F800000u) return u;
    return (u + 0x1000u) & 0xFFFFE000u;
}

inline double tcHostHalf(unsigned h) { // IEEE binary16 -> double
    int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    double v = exp == 0 ? std::ldexp((double) mant, -24)
             : exp == 31 ? (mant ? NAN : INFINITY)
             : std::ldexp((double) (mant | 0x400), exp - 25);
    return sign ? -v : v;
}
inline double tcHostBf16(unsigned h) { return (double) __uint_as_float((h & 0xFFFFu) << 16); }
inline double tcHostTf32(unsigned u) { return (double) __uint_as_float(u & 0xFFFFE000u); } // the mma reads 19 bits

enum TcHostKind { TC_BF16, TC_F16, TC_TF32 };
struct TcSlots { unsigned a[32][4]; unsigned b[32][2]; };
static TcSlots g_tcSlots[32];

inline void tcHostMma(TcHostKind kind, float* d, const unsigned* a, const unsigned* b) {
    const int w = threadIdx.x / 32, lane = threadIdx.x % 32;
    memcpy(g_tcSlots[w].a[lane], a, sizeof(unsigned) * 4);
    memcpy(g_tcSlots[w].b[lane], b, sizeof(unsigned) * 2);
    g_warp[w]->arrive_and_wait();
    const int K = kind == TC_TF32 ? 8 : 16;
    double A[16][16], B[16][8];
    int heldA[16][16] = {}, heldB[16][8] = {};
    for (int L = 0; L < 32; L++) {
        const int groupID = L >> 2, tig = L % 4;
        const unsigned* ra = g_tcSlots[w].a[L];
        const unsigned* rb = g_tcSlots[w].b[L];
        if (kind == TC_TF32) {
            for (int i = 0; i < 4; i++) { // A: row groupID for a0, a2, groupID + 8 for a1, a3; col tig for a0, a1, tig + 4 for a2, a3
                int row = (i == 0 || i == 2) ? groupID : groupID + 8;
                int col = (i < 2) ? tig : tig + 4;
                A[row][col] = tcHostTf32(ra[i]);
                heldA[row][col]++;
            }
            for (int i = 0; i < 2; i++) { // B: row tig for b0, tig + 4 for b1; col groupID
                int row = i == 0 ? tig : tig + 4;
                B[row][groupID] = tcHostTf32(rb[i]);
                heldB[row][groupID]++;
            }
        } else {
            for (int i = 0; i < 8; i++) { // A: row groupID for 0 <= i < 2 or 4 <= i < 6, else groupID + 8;
                                          // col tig * 2 + (i & 1), plus 8 for i >= 4
                unsigned bits = (ra[i / 2] >> (16 * (i % 2))) & 0xFFFFu;
                int row = (i < 2 || (i >= 4 && i < 6)) ? groupID : groupID + 8;
                int col = tig * 2 + (i & 1) + (i >= 4 ? 8 : 0);
                A[row][col] = kind == TC_BF16 ? tcHostBf16(bits) : tcHostHalf(bits);
                heldA[row][col]++;
            }
            for (int i = 0; i < 4; i++) { // B: row tig * 2 + (i & 1), plus 8 for i >= 2; col groupID
                unsigned bits = (rb[i / 2] >> (16 * (i % 2))) & 0xFFFFu;
                int row = tig * 2 + (i & 1) + (i >= 2 ? 8 : 0);
                B[row][groupID] = kind == TC_BF16 ? tcHostBf16(bits) : tcHostHalf(bits);
                heldB[row][groupID]++;
            }
        }
    }
    for (int r = 0; r < 16; r++)
        for (int k = 0; k < K; k++)
            if (heldA[r][k] != 1) { printf("tc_shim: A(%d, %d) held by %d lanes\n", r, k, heldA[r][k]); abort(); }
    for (int k = 0; k < K; k++)
        for (int c = 0; c < 8; c++)
            if (heldB[k][c] != 1) { printf("tc_shim: B(%d, %d) held by %d lanes\n", k, c, heldB[k][c]); abort(); }
    // accumulators: row groupID for c0, c1, groupID + 8 for c2, c3; col tig * 2 + (i & 1)
    const int groupID = lane >> 2, tig = lane % 4;
    for (int i = 0; i < 4; i++) {
        int row = i < 2 ? groupID : groupID + 8;
        int col = tig * 2 + (i & 1);
        double s = 0;
        for (int k = 0; k < K; k++) s += A[row][k] * B[k][col];
        d[i] = (float) ((double) d[i] + s);
    }
    g_warp[w]->arrive_and_wait();
}
inline void tcMmaBf16(float* d, const unsigned* a, const unsigned* b) { tcHostMma(TC_BF16, d, a, b); }
inline void tcMmaF16(float* d, const unsigned* a, const unsigned* b) { tcHostMma(TC_F16, d, a, b); }
inline void tcMmaTf32(float* d, const unsigned* a, const unsigned* b) { tcHostMma(TC_TF32, d, a, b); }

// runs f as a gx x gy x gz grid of blocks of `block` threads, block after block
inline void tcLaunch(unsigned gx, unsigned gy, unsigned gz, int block, const std::function<void()>& f) {
    gridDim = {gx, gy, gz};
    blockDim = {(unsigned) block, 1, 1};
    for (unsigned z = 0; z < gz; z++)
        for (unsigned y = 0; y < gy; y++)
            for (unsigned x = 0; x < gx; x++) {
                std::barrier<> bar(block);
                g_block = &bar;
                std::vector<std::unique_ptr<std::barrier<>>> warps;
                for (int w = 0; w < (block + 31) / 32; w++) {
                    warps.emplace_back(new std::barrier<>(std::min(32, block - 32 * w)));
                    g_warp[w] = warps.back().get();
                }
                std::vector<std::thread> ts;
                for (int t = 0; t < block; t++)
                    ts.emplace_back([&, t, x, y, z] { threadIdx = {(unsigned) t, 0, 0}; blockIdx = {x, y, z}; f(); });
                for (auto& t : ts) t.join();
            }
}
