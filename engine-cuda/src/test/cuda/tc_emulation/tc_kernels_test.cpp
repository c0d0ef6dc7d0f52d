// tc_kernels.cu on the host: the five tensor-core GEMM kernels run through index_emulation/cuda_shim.h (a block's 256
// threads as std::threads, __syncthreads a barrier) and tc_shim.h (the PTX wrappers as warp collectives, written from
// the PTX ISA's fragment tables), launched as CudaTensorCores.java launches them, on odd sizes (m, n, k not multiples
// of the 128x128 tile or of BK), batches, transposed / padded / strided / broadcast operands and column-major outputs,
// against a float64 reference of the rounded inputs (the bits the kernel reads, decoded here independently). Two bounds:
//   PyTorch's: |d - ref| <= atol + rtol |ref| with torch.testing's bfloat16 (1e-5, 1.6e-2) and float16 (1e-5, 1e-3)
//     tolerances, and for TF32 atol 5e-3 (the tf32_on_and_off precision of PyTorch's TF32 matmul tests) over
//     float32's rtol 1.3e-6
//   a tight one: float32 accumulation, |d - ref| <= (k / KS + 2) 2^-23 sum|a b| plus half an ulp of the output type
//     (2^-8 |ref| bfloat16, 2^-11 |ref| float16 and 2^-25 for its subnormals), which a wrong fragment map breaks.
// And the output roundings tcToBf16 / tcToF16 against references written here (nearest by exact comparison; g++'s
// _Float16), NaN and overflow included: the CPU backend's BFloat16.fromFloat / Half.fromFloat results. (The conversion
// kernels between the half types and every type are half_kernels.cu's, tested by HalfKernelsEmulationTest.)
#include "cuda_shim.h"
#include "tc_shim.h"
#include "prelude.h"
#include "tc_kernels.cu"
#include <random>
#include <vector>
#include <string>
#include <climits>
#include <type_traits>

static std::mt19937_64 rng(18);
static int fails = 0, checks = 0;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 30) { printf("FAIL %s:%d ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

// a rank-3 [batch, rows, cols] operand: strides and offset in elements
struct Op { int batch, rows, cols, sb, sr, sc, off; long extent() const {
    return off + (long) (batch - 1) * sb + (long) (rows - 1) * sr + (long) (cols - 1) * sc + 1; } };
enum Form { ROW, COL, ROW_PADDED, STRIDED, BROADCAST };
static const char* formName[] = {"row", "col", "rowpad", "strided", "bcast"};
static Op make(int batch, int rows, int cols, Form f) {
    Op o{batch, rows, cols, 0, 0, 0, 0};
    switch (f) {
        case ROW: o.sc = 1; o.sr = cols; o.sb = rows * cols; break;
        case COL: o.sr = 1; o.sc = rows + 3; o.sb = cols * o.sc; o.off = 5; break;
        case ROW_PADDED: o.sc = 1; o.sr = cols + 7; o.sb = rows * o.sr + 2; o.off = 3; break;
        case STRIDED: o.sc = 2; o.sr = 2 * cols + 1; o.sb = rows * o.sr; o.off = 1; break;
        case BROADCAST: o.sc = 1; o.sr = cols; o.sb = 0; o.off = 2; break;
    }
    return o;
}
static Mat mat(const Op& o) { Mat m; m.rows = o.rows; m.cols = o.cols; m.sb = o.sb; m.sr = o.sr; m.sc = o.sc; m.off = o.off; return m; }
static long at(const Op& o, int b, int r, int c) { return o.off + (long) b * o.sb + (long) r * o.sr + (long) c * o.sc; }

// independent decoders of the stored bits
static double decBf16(u16 h) { unsigned u = (unsigned) h << 16; float f; memcpy(&f, &u, 4); return f; }
static double decF16(u16 h) {
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? m * std::pow(2.0, -24) : (m + 1024) * std::pow(2.0, e - 25);
    return s ? -v : v;
}
static double decTf32(float f) { return (double) __uint_as_float(tcToTf32(f) & 0xFFFFE000u); }

enum Kind { BF16, F16, TF32 };
static const char* kindName[] = {"bf16", "f16", "tf32"};

template <Kind KD, bool HALF_OUT>
static void runCase(int batch, int m, int n, int k, Form fa, Form fb, bool colC) {
    typedef typename std::conditional<KD == TF32, float, u16>::type In;
    typedef typename std::conditional<HALF_OUT, u16, float>::type Out;
    Op A = make(batch, m, k, fa), B = make(batch, k, n, fb);
    Op C = colC ? make(batch, m, n, COL) : make(batch, m, n, ROW_PADDED);
    std::uniform_real_distribution<float> u(-2.f, 2.f);
    std::vector<In> a(A.extent()), b(B.extent());
    auto gen = [&]() -> In {
        float v = u(rng);
        if constexpr (KD == TF32) return v; else return KD == BF16 ? tcToBf16(v) : tcToF16(v);
    };
    for (auto& x : a) x = gen();
    for (auto& x : b) x = gen();
    Out sentinel;
    if constexpr (HALF_OUT) sentinel = 0x7BCD; else sentinel = -12345.f;
    std::vector<Out> c(C.extent(), sentinel);
    Mat MA = mat(A), MB = mat(B), MC = mat(C);
    unsigned gx = (n + 127) / 128, gy = (m + 127) / 128;
    tcLaunch(gx, gy, batch, 256, [&] {
        if constexpr (KD == BF16 && !HALF_OUT) tcgemm_bf16_f32(MA, MB, MC, a.data(), b.data(), c.data());
        if constexpr (KD == BF16 && HALF_OUT) tcgemm_bf16_bf16(MA, MB, MC, a.data(), b.data(), c.data());
        if constexpr (KD == F16 && !HALF_OUT) tcgemm_f16_f32(MA, MB, MC, a.data(), b.data(), c.data());
        if constexpr (KD == F16 && HALF_OUT) tcgemm_f16_f16(MA, MB, MC, a.data(), b.data(), c.data());
        if constexpr (KD == TF32) tcgemm_tf32_f32(MA, MB, MC, a.data(), b.data(), c.data());
    });
    auto dec = [&](In v) -> double {
        if constexpr (KD == TF32) return decTf32(v); else return KD == BF16 ? decBf16(v) : decF16(v);
    };
    double rtol = KD == BF16 ? 1.6e-2 : KD == F16 ? 1e-3 : 1.3e-6, atol = KD == TF32 ? 5e-3 : 1e-5;
    int ks = KD == TF32 ? 8 : 16;
    std::vector<char> written(C.extent(), 0);
    int bad = 0;
    for (int bi = 0; bi < batch; bi++)
        for (int r = 0; r < m; r++)
            for (int cc = 0; cc < n; cc++) {
                double ref = 0, mag = 0;
                for (int kk = 0; kk < k; kk++) {
                    double p = dec(a[at(A, bi, r, kk)]) * dec(b[at(B, bi, kk, cc)]);
                    ref += p;
                    mag += std::fabs(p);
                }
                long o = at(C, bi, r, cc);
                written[o] = 1;
                double got;
                if constexpr (HALF_OUT) got = KD == BF16 ? decBf16(c[o]) : decF16(c[o]); else got = c[o];
                double err = std::fabs(got - ref);
                double tight = (k / ks + 2) * std::ldexp(mag, -23)
                        + (HALF_OUT ? (KD == BF16 ? std::ldexp(std::fabs(ref), -8) : std::ldexp(std::fabs(ref), -11) + std::ldexp(1.0, -25)) : 0.0);
                bool ok = err <= atol + rtol * std::fabs(ref) && err <= tight;
                if (!ok && bad++ < 3)
                    CHECK(false, "%s %s-out batch %d m %d n %d k %d A %s B %s C %s: [%d,%d,%d] got %.9g want %.9g (tight %.3g)",
                          kindName[KD], HALF_OUT ? "half" : "f32", batch, m, n, k, formName[fa], formName[fb],
                          colC ? "col" : "rowpad", bi, r, cc, got, ref, tight);
                else checks++;
            }
    // nothing outside C's elements written
    for (long o = 0; o < C.extent(); o++)
        if (!written[o]) {
            bool same;
            if constexpr (HALF_OUT) same = c[o] == sentinel; else same = c[o] == sentinel;
            CHECK(same, "%s: element %ld outside C written", kindName[KD], o);
        }
}

// output roundings against references written here
static u16 refBf16(float f) {
    if (f != f) return 0x7FC0;
    unsigned u = __float_as_uint(f), lo = u & 0xFFFF0000u, hi = lo + 0x10000u;
    double x = f, dl = std::fabs(x - decBf16(lo >> 16)), dh;
    if (((hi >> 16) & 0x7FFFu) == 0x7F80u) { // rounding up reaches infinity: the midpoint is 2^128 (bf16's max + half an ulp)
        double mid = std::ldexp(1.0, 128) * (f < 0 ? -1 : 1);
        dh = std::fabs(x - mid); dl = std::fabs(x - decBf16(lo >> 16));
        if (dh < dl || (dh == dl && ((lo >> 16) & 1))) return (u16) (hi >> 16);
        return (u16) (lo >> 16);
    }
    dh = std::fabs(x - decBf16(hi >> 16));
    if (dh < dl || (dh == dl && ((lo >> 16) & 1))) return (u16) (hi >> 16);
    return (u16) (lo >> 16);
}
static u16 refF16(float f) {
    if (f != f) return (u16) ((__float_as_uint(f) >> 16 & 0x8000u) | 0x7E00u);
    _Float16 h = (_Float16) f;
    u16 r; memcpy(&r, &h, 2);
    return r;
}
static void conversions() {
    std::vector<float> vs = {0.f, -0.f, 1.f, -1.f, 65504.f, 65519.99f, 65520.f, -65520.f, 1e-8f, -1e-8f, 5.96e-8f, 2.98e-8f,
                             2.99e-8f, 6.1e-5f, 3.4e38f, -3.4e38f, INFINITY, -INFINITY, NAN, -NAN,
                             __uint_as_float(0x7F7FFFFFu), __uint_as_float(0x7F7F8000u), __uint_as_float(0x7F7F7FFFu),
                             __uint_as_float(0x3F808000u), __uint_as_float(0x3F818000u), __uint_as_float(0x00000001u),
                             __uint_as_float(0x7FA00001u), __uint_as_float(0xFFC12345u)};
    for (int i = 0; i < 2000000; i++) vs.push_back(__uint_as_float((unsigned) rng()));
    for (int i = 0; i < 200000; i++) vs.push_back(std::ldexp((float) (rng() % 4096), (int) (rng() % 40) - 36)); // ties
    for (float f : vs) {
        u16 b = tcToBf16(f), rb = refBf16(f);
        CHECK(b == rb, "tcToBf16(%a) = %04x, want %04x", (double) f, b, rb);
        u16 h = tcToF16(f), rh = refF16(f);
        CHECK(h == rh, "tcToF16(%a) = %04x, want %04x", (double) f, h, rh);
    }
    // TF32: nearest, ties away from zero
    CHECK(tcToTf32(__uint_as_float(0x3F801000u)) == 0x3F802000u, "tf32 tie rounds away from zero");
    CHECK(tcToTf32(__uint_as_float(0xBF801000u)) == 0xBF802000u, "tf32 negative tie rounds away from zero");
    CHECK(tcToTf32(__uint_as_float(0x3F800FFFu)) == 0x3F800000u, "tf32 below a tie rounds down");
    CHECK(tcToTf32(INFINITY) == 0x7F800000u, "tf32 inf");
}



int main(int argc, char** argv) {
    conversions();
    struct S { int batch, m, n, k; Form fa, fb; bool colC; };
    std::vector<S> cases = {
        {1, 1, 1, 1, ROW, ROW, false},
        {1, 17, 9, 5, ROW, COL, false},
        {2, 130, 70, 45, COL, ROW, true},
        {3, 33, 136, 40, ROW_PADDED, BROADCAST, false},
        {1, 128, 128, 64, ROW, ROW, false},
        {2, 20, 24, 19, STRIDED, STRIDED, true},
        {1, 5, 130, 100, BROADCAST, COL, false},
    };
    for (const S& s : cases) {
        runCase<BF16, false>(s.batch, s.m, s.n, s.k, s.fa, s.fb, s.colC);
        runCase<F16, false>(s.batch, s.m, s.n, s.k, s.fa, s.fb, s.colC);
        runCase<TF32, false>(s.batch, s.m, s.n, s.k, s.fa, s.fb, s.colC);
        runCase<BF16, true>(s.batch, s.m, s.n, s.k, s.fb == BROADCAST ? ROW : s.fa, s.fa, !s.colC);
        runCase<F16, true>(s.batch, s.m, s.n, s.k, s.fb, s.fa == BROADCAST ? ROW : s.fa, !s.colC);
    }
    printf("%d checks, %d failures\n", checks, fails);
    return fails == 0 ? 0 : 1;
}
