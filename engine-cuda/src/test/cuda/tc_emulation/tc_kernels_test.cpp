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
// _Float16), NaN and overflow included: the CPU backend's BFloat16.fromFloat / Half.fromFloat results; and the copy_*
// conversion kernels between float16 / bfloat16 and every type against the CPU's semantics written out below (through
// float32; to integers truncated, saturating, NaN to 0, then wrapped). A float that is NaN or outside int64's range is
// not sent to an integer type here: on the GPU the conversion (cvt.rzi) saturates and maps NaN to 0, which the host's
// cast (x86 cvttsd2si) does not emulate.
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


// ------------------------------------------------------------------ conversions between half types and every type
static float refF16ToFloat(u16 h) { // Half.toFloat
    unsigned s = (h & 0x8000u) << 16, e = (h >> 10) & 31, m = h & 1023;
    if (e == 31) return __uint_as_float(s | 0x7F800000u | (m << 13) | (m ? 0x400000u : 0));
    double v = e == 0 ? m * std::pow(2.0, -24) : (m + 1024) * std::pow(2.0, (int) e - 25);
    return (float) (s ? -v : v);
}
static long long javaLong(double v) { // Java's (long) cast
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return LLONG_MAX;
    if (v <= -9223372036854775808.0) return LLONG_MIN;
    return (long long) v;
}
template <typename T> static T fromFloatRef(float f) { // a float32 stored into T, as CpuStorage.setDouble
    if constexpr (std::is_same<T, float>::value) return f;
    else if constexpr (std::is_same<T, double>::value) return (double) f;
    else return (T) javaLong(f);
}
static Geo lineGeo(int n, int dstStride) {
    Geo g; memset(&g, 0, sizeof g);
    g.ndim = 1; g.numel = n; g.contig = dstStride == 1; g.shape[0] = n; g.stride[0][0] = dstStride; g.stride[1][0] = 1;
    return g;
}
// src values of each type, every one finite and inside int64's range where `toInt` (see the file's head)
template <typename T> static std::vector<T> values(bool toInt) {
    std::vector<T> v;
    if constexpr (std::is_floating_point<T>::value) {
        for (double x : {0.0, -0.0, 1.0, -1.5, 2.5, 3.5, 65504.0, 65520.0, 1e-8, 6e-8, 3e-8, 1e10, -7e18, 1.00048828125,
                         (double) 0x1.002p0f, 255.9, -128.5, 40000.0, -40000.0, 3e38})
            v.push_back((T) x);
        if (!toInt) for (double x : {(double) INFINITY, (double) -INFINITY, (double) NAN, 1e300}) v.push_back((T) x);
        for (int i = 0; i < 3000; i++) {
            double x = std::ldexp((double) (rng() % 1000000) - 500000, (int) (rng() % 60) - 40);
            v.push_back((T) x);
        }
    } else if constexpr (sizeof(T) == 1 && std::is_same<T, unsigned char>::value) {
        for (int i = 0; i < 256; i++) v.push_back((T) i);
    } else {
        for (long long x : {0LL, 1LL, -1LL, 2049LL, 16777217LL, 9007199254740993LL, LLONG_MAX, LLONG_MIN, 65519LL, 65520LL})
            v.push_back((T) x);
        for (int i = 0; i < 3000; i++) v.push_back((T) (long long) (rng() >> (rng() % 64)));
    }
    return v;
}
static std::vector<u16> halfValues(bool bf, bool toInt) {
    std::vector<u16> v;
    for (unsigned h = 0; h < 65536; h++) {
        float f = bf ? decBf16((u16) h) : refF16ToFloat((u16) h);
        if (toInt && (f != f || std::fabs((double) f) >= 9.2e18)) continue;
        v.push_back((u16) h);
    }
    return v;
}
template <typename D> static bool sameBits(D a, D b) { return memcmp(&a, &b, sizeof(D)) == 0; }

// src type S (kernel `name` from `half` bf?) to half: kernel k
template <typename S> static void toHalf(const char* name, bool bf, void (*k)(Geo, const S*, u16*)) {
    std::vector<S> src = values<S>(false);
    int n = src.size();
    std::vector<u16> dst(2 * n, 0x5555);
    Geo g = lineGeo(n, 2);
    tcLaunch(3, 1, 1, 64, [&] { k(g, src.data(), dst.data()); });
    for (int i = 0; i < n; i++) {
        float f;
        if constexpr (std::is_same<S, unsigned char>::value) f = (float) src[i];
        else f = (float) src[i]; // int64 in one rounding (cvtsi2ss), float64 to nearest
        u16 want = bf ? refBf16(f) : refF16(f);
        CHECK(dst[2 * i] == want && dst[2 * i + 1] == 0x5555, "%s [%d]: %04x want %04x", name, i, dst[2 * i], want);
    }
}
template <typename D> static void fromHalf(const char* name, bool bf, bool boolean, void (*k)(Geo, const u16*, D*)) {
    bool toInt = !std::is_floating_point<D>::value && !boolean;
    std::vector<u16> src = halfValues(bf, toInt);
    int n = src.size();
    std::vector<D> dst(n);
    Geo g = lineGeo(n, 1);
    tcLaunch(3, 1, 1, 64, [&] { k(g, src.data(), dst.data()); });
    int bad = 0;
    for (int i = 0; i < n; i++) {
        float f = bf ? decBf16(src[i]) : refF16ToFloat(src[i]);
        D want = boolean ? (D) (f != 0) : fromFloatRef<D>(f);
        if (!sameBits(dst[i], want) && bad++ < 3) CHECK(false, "%s [%04x]: got %.9g want %.9g", name, src[i], (double) dst[i], (double) want);
        else checks++;
    }
}
static void halfToHalf() {
    for (int bf = 0; bf < 2; bf++) {
        std::vector<u16> src;
        for (unsigned h = 0; h < 65536; h++) src.push_back((u16) h);
        int n = src.size();
        std::vector<u16> d1(n), d2(n);
        Geo g = lineGeo(n, 1);
        tcLaunch(3, 1, 1, 64, [&] {
            if (bf) { copy_bf16_f16(g, src.data(), d1.data()); copy_bf16_bf16(g, src.data(), d2.data()); }
            else { copy_f16_bf16(g, src.data(), d1.data()); copy_f16_f16(g, src.data(), d2.data()); }
        });
        for (int i = 0; i < n; i++) {
            float f = bf ? decBf16(src[i]) : refF16ToFloat(src[i]);
            u16 want = bf ? refF16(f) : refBf16(f);
            CHECK(d1[i] == want, "%s [%04x]: %04x want %04x", bf ? "bf16->f16" : "f16->bf16", src[i], d1[i], want);
            CHECK(d2[i] == src[i], "same-type copy [%04x]", src[i]);
        }
    }
}
#define HALF_CASES(HN, BF) \
    toHalf<unsigned char>("u8->" #HN, BF, copy_u8_##HN); toHalf<unsigned char>("ui8->" #HN, BF, copy_ui8_##HN); \
    toHalf<signed char>("i8->" #HN, BF, copy_i8_##HN); toHalf<short>("i16->" #HN, BF, copy_i16_##HN); \
    toHalf<int>("i32->" #HN, BF, copy_i32_##HN); toHalf<long long>("i64->" #HN, BF, copy_i64_##HN); \
    toHalf<float>("f32->" #HN, BF, copy_f32_##HN); toHalf<double>("f64->" #HN, BF, copy_f64_##HN); \
    fromHalf<unsigned char>(#HN "->u8", BF, true, copy_##HN##_u8); fromHalf<unsigned char>(#HN "->ui8", BF, false, copy_##HN##_ui8); \
    fromHalf<signed char>(#HN "->i8", BF, false, copy_##HN##_i8); fromHalf<short>(#HN "->i16", BF, false, copy_##HN##_i16); \
    fromHalf<int>(#HN "->i32", BF, false, copy_##HN##_i32); fromHalf<long long>(#HN "->i64", BF, false, copy_##HN##_i64); \
    fromHalf<float>(#HN "->f32", BF, false, copy_##HN##_f32); fromHalf<double>(#HN "->f64", BF, false, copy_##HN##_f64);
static void halfConversions() {
    HALF_CASES(f16, false)
    HALF_CASES(bf16, true)
    halfToHalf();
}

int main(int argc, char** argv) {
    conversions();
    halfConversions();
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
