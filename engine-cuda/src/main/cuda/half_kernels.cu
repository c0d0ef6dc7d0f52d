// float16 and bfloat16 storages on CUDA (issue 18): conversions between them and every other type, fill, and where.
// A half storage holds the bits (unsigned short); every other kernel sees half tensors through float32 copies
// (CudaHalf.Widened: widened here on the device, computed in float32, rounded back once here), as the CPU backend's
// HalfLoops does. The conversions are written bit by bit (no cuda_fp16.h intrinsics, whose NaN results differ from
// c10's) so that they give exactly the CPU backend's bits, and so that HalfKernelsEmulationTest can run this file on
// the host with g++ (src/test/cuda/half_emulation): float -> float16 rounds to nearest, ties to even, overflows to an
// infinity, keeps subnormals and turns every NaN into 0x7E00 with its sign (c10's fp16_ieee_from_fp32_value, Java's
// dev.ember.Half.fromFloat); float -> bfloat16 rounds to nearest even and turns every NaN into 0x7FC0 (c10's
// round_to_nearest_even, dev.ember.BFloat16.fromFloat); half -> float is exact (a NaN keeps its payload, made quiet).
// Other types go through float32 as HalfLoops.load/store: float64 and int64 round once to float, then to the half
// type (two roundings, as C++'s c10::Half(double)); a float goes to an integer type through int64 (toward zero,
// saturating, NaN to 0: Java's cast) and is then wrapped; to bool as != 0 (NaN is true).
// A half type to itself copies the bits (NaN payloads kept), as the CPU's copy of one type; float16 <-> bfloat16 goes
// through float32. The conversion kernels are named hcopy_<src>_<dst> (CudaBackend.copy launches them for every pair
// with a half type on one side). tc_kernels.cu has its own float <-> half roundings for the tensor-core kernels
// (tcToF16, tcToBf16, tcF16ToFloat, tcBf16ToFloat), to the same rules and checked by its own emulation test.
// Uses only the head of ember_kernels.cu (Geo, locate, GRID_STRIDE, i64, u8); the bit casts are CUDA's
// __float_as_uint/__uint_as_float (half_shim.h defines them on the host).

typedef unsigned short h16;

__device__ __forceinline__ float halfBitsToFloat(h16 h) {
    unsigned bits = h;
    unsigned sign = (bits & 0x8000u) << 16;
    unsigned exp = (bits >> 10) & 0x1Fu;
    unsigned mant = bits & 0x3FFu;
    if (exp == 0x1Fu) {
        // infinities, and NaNs with their payload in float32's top mantissa bits, made quiet
        return __uint_as_float(sign | 0x7F800000u | (mant << 13) | (mant != 0 ? 0x00400000u : 0u));
    }
    if (exp == 0) {
        if (mant == 0) return __uint_as_float(sign);
        // a subnormal, mant * 2^-24: normalized by shifting the leading one into float32's implicit bit
        int e = 0;
        while ((mant & 0x400u) == 0) { mant <<= 1; e++; }
        return __uint_as_float(sign | ((unsigned) (113 - e) << 23) | ((mant & 0x3FFu) << 13));
    }
    return __uint_as_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

__device__ __forceinline__ h16 floatToHalfBits(float f) {
    unsigned w = __float_as_uint(f);
    unsigned sign = (w >> 16) & 0x8000u;
    unsigned a = w & 0x7FFFFFFFu;
    if (a > 0x7F800000u) return (h16) (sign | 0x7E00u);          // NaN
    if (a >= 0x477FF000u) return (h16) (sign | 0x7C00u);         // 65520 and above (ties go to the even infinity)
    if (a >= 0x38800000u) {
        // a normal half: rebias the exponent, round the 13 dropped bits to nearest even (a carry may raise the exponent)
        unsigned r = a + 0xFFFu + ((a >> 13) & 1u);
        return (h16) (sign | ((r - (112u << 23)) >> 13));
    }
    unsigned e = a >> 23;
    if (e < 102u) return (h16) sign;                              // below 2^-25: rounds to zero
    // a subnormal half (or the smallest normal, by a carry): the significand shifted right, rounded to nearest even
    unsigned m = (a & 0x7FFFFFu) | 0x800000u;
    unsigned shift = 126u - e;                                    // 14..24
    unsigned q = m >> shift;
    unsigned rest = m & ((1u << shift) - 1u);
    unsigned halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (q & 1u))) q++;
    return (h16) (sign | q);
}

__device__ __forceinline__ float bf16BitsToFloat(h16 b) { return __uint_as_float((unsigned) b << 16); }

__device__ __forceinline__ h16 floatToBf16Bits(float f) {
    if (f != f) return (h16) 0x7FC0u;
    unsigned u = __float_as_uint(f);
    return (h16) ((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

// A float to int64 as Java's (long) cast: toward zero, saturating, NaN to 0 (what CUDA's cvt.rzi.s64.f32 does too;
// written out so that the host emulation, where the C++ cast of NaN or of an out-of-range value is undefined, agrees).
__device__ __forceinline__ i64 halfFloatToI64(float v) {
    if (v != v) return 0;
    if (v >= 9.2233720368547758e18f) return (i64) 0x7FFFFFFFFFFFFFFFULL;
    if (v <= -9.2233720368547758e18f) return (i64) 0x8000000000000000ULL;
    return (i64) v;
}

// The types, by the kernels' suffixes: u8 is bool, ui8 uint8.
enum HalfKind { HK_B, HK_U8, HK_I8, HK_I16, HK_I32, HK_I64, HK_F32, HK_F64, HK_F16, HK_BF16 };
struct HB { typedef unsigned char T; static const int k = HK_B; };
struct HU8 { typedef unsigned char T; static const int k = HK_U8; };
struct HI8 { typedef signed char T; static const int k = HK_I8; };
struct HI16 { typedef short T; static const int k = HK_I16; };
struct HI32 { typedef int T; static const int k = HK_I32; };
struct HI64 { typedef i64 T; static const int k = HK_I64; };
struct HF32 { typedef float T; static const int k = HK_F32; };
struct HF64 { typedef double T; static const int k = HK_F64; };
struct HF16 { typedef h16 T; static const int k = HK_F16; };
struct HBF16 { typedef h16 T; static const int k = HK_BF16; };

// An element of any type as float32 (HalfLoops.load): exact for the half types and the narrow integers, one rounding
// for float64, int64 and int32.
template <typename K>
__device__ __forceinline__ float halfLoad(typename K::T v) {
    if constexpr (K::k == HK_F16) return halfBitsToFloat(v);
    else if constexpr (K::k == HK_BF16) return bf16BitsToFloat(v);
    else if constexpr (K::k == HK_B) return v ? 1.0f : 0.0f;
    else return (float) v;
}

// A float32 stored into any type (HalfLoops.store): rounded once to a half type, exact into float32/float64, through
// int64 into the integer types (then wrapped), != 0 into bool.
template <typename K>
__device__ __forceinline__ typename K::T halfStore(float v) {
    typedef typename K::T T;
    if constexpr (K::k == HK_F16) return floatToHalfBits(v);
    else if constexpr (K::k == HK_BF16) return floatToBf16Bits(v);
    else if constexpr (K::k == HK_B) return (T) (v != 0.0f);
    else if constexpr (K::k == HK_F32) return v;
    else if constexpr (K::k == HK_F64) return (double) v;
    else return (T) halfFloatToI64(v);
}

template <typename SK, typename DK>
__device__ void halfConvertK(const Geo& g, const typename SK::T* s, typename DK::T* d) {
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        if constexpr (SK::k == DK::k) d[off[0]] = s[off[1]]; // a type to itself: the bits, NaN payloads kept (the CPU's copy)
        else d[off[0]] = halfStore<DK>(halfLoad<SK>(s[off[1]]));
    }
}
#define HALF_COPY(SN, SK, DN, DK) \
    extern "C" __global__ void hcopy_##SN##_##DN(Geo g, const SK::T* s, DK::T* d) { halfConvertK<SK, DK>(g, s, d); }
#define HALF_COPY_TO(SN, SK) HALF_COPY(SN, SK, f16, HF16) HALF_COPY(SN, SK, bf16, HBF16)
#define HALF_COPY_FROM(SN, SK) HALF_COPY(SN, SK, u8, HB) HALF_COPY(SN, SK, ui8, HU8) HALF_COPY(SN, SK, i8, HI8) \
    HALF_COPY(SN, SK, i16, HI16) HALF_COPY(SN, SK, i32, HI32) HALF_COPY(SN, SK, i64, HI64) HALF_COPY(SN, SK, f32, HF32) \
    HALF_COPY(SN, SK, f64, HF64)
HALF_COPY_TO(u8, HB) HALF_COPY_TO(ui8, HU8) HALF_COPY_TO(i8, HI8) HALF_COPY_TO(i16, HI16) HALF_COPY_TO(i32, HI32)
HALF_COPY_TO(i64, HI64) HALF_COPY_TO(f32, HF32) HALF_COPY_TO(f64, HF64) HALF_COPY_TO(f16, HF16) HALF_COPY_TO(bf16, HBF16)
HALF_COPY_FROM(f16, HF16) HALF_COPY_FROM(bf16, HBF16)

// fill: the value through float, as c10::Half(double) and the CPU backend's fill
extern "C" __global__ void fill_f16(Geo g, double v, i64 lv, h16* d) {
    h16 b = floatToHalfBits((float) v);
    GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); d[off[0]] = b; }
}
extern "C" __global__ void fill_bf16(Geo g, double v, i64 lv, h16* d) {
    h16 b = floatToBf16Bits((float) v);
    GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); d[off[0]] = b; }
}

// where of two half operands of the output's type: the bits as they are (NaN payloads kept), as the CPU backend
extern "C" __global__ void where_h16(Geo g, const u8* c, const h16* a, const h16* b, h16* o) {
    GRID_STRIDE(i, g.numel) { int off[4]; locate<4>(g, i, off); o[off[0]] = c[off[1]] ? a[off[2]] : b[off[3]]; }
}

// ------------------------------------------------------------------ native elementwise kernels
// unary, binary, a tensor with a number, and the comparisons, on half operands of one type: each element loaded as a
// float (halfLoad, exact), the float32 kernels' own function applied (unaryF, unaryF2, binaryF, binaryF2, cmp,
// unaryPredicate: ember_kernels.cu, above this file's include), and the result rounded once (halfStore). That is the
// widened path's arithmetic unchanged (a float32 copy, the float32 kernel, one rounding back) without the temporaries:
// the same values, bit for bit. The host emulation compiles this file without them (HALF_CONVERSIONS_ONLY): what it
// adds to the float32 functions are the conversions it checks.
#ifndef HALF_CONVERSIONS_ONLY
template <typename K>
__device__ void hUnaryK(const Geo& g, int op, const h16* a, h16* o, bool second) {
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        float x = halfLoad<K>(a[off[1]]);
        o[off[0]] = halfStore<K>(second ? unaryF2(op, x) : unaryF(op, x));
    }
}
template <typename K>
__device__ void hUnaryPredK(const Geo& g, int op, const h16* a, u8* o) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); o[off[0]] = unaryPredicate(op, (double) halfLoad<K>(a[off[1]])); }
}
template <typename K>
__device__ void hBinaryK(const Geo& g, int op, const h16* a, const h16* b, h16* o, bool second) {
    GRID_STRIDE(i, g.numel) {
        int off[3]; locate<3>(g, i, off);
        float x = halfLoad<K>(a[off[1]]), y = halfLoad<K>(b[off[2]]);
        o[off[0]] = halfStore<K>(second ? binaryF2(op, x, y) : binaryF(op, x, y));
    }
}
template <typename K>
__device__ void hCompareK(const Geo& g, int op, const h16* a, const h16* b, u8* o) {
    GRID_STRIDE(i, g.numel) { int off[3]; locate<3>(g, i, off); o[off[0]] = cmp<float>(op, halfLoad<K>(a[off[1]]), halfLoad<K>(b[off[2]])); }
}
// the number arrives already as the float the float32 kernel would see (CudaHalf.scalar: PyTorch's rule for it)
template <typename K>
__device__ void hBinaryScalarK(const Geo& g, int op, const h16* a, float s, int first, h16* o, bool second) {
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        float x = halfLoad<K>(a[off[1]]);
        float r = second ? (first ? binaryF2(op, s, x) : binaryF2(op, x, s)) : (first ? binaryF(op, s, x) : binaryF(op, x, s));
        o[off[0]] = halfStore<K>(r);
    }
}
template <typename K>
__device__ void hCompareScalarK(const Geo& g, int op, const h16* a, float s, int first, u8* o) {
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        float x = halfLoad<K>(a[off[1]]);
        o[off[0]] = first ? cmp<float>(op, s, x) : cmp<float>(op, x, s);
    }
}
#define HALF_ELEMENTWISE(N, K) \
extern "C" __global__ void hunary_##N(Geo g, int op, const h16* a, h16* o) { hUnaryK<K>(g, op, a, o, false); } \
extern "C" __global__ void hunary2_##N(Geo g, int op, const h16* a, h16* o) { hUnaryK<K>(g, op, a, o, true); } \
extern "C" __global__ void hunary_pred_##N(Geo g, int op, const h16* a, u8* o) { hUnaryPredK<K>(g, op, a, o); } \
extern "C" __global__ void hbinary_##N(Geo g, int op, const h16* a, const h16* b, h16* o) { hBinaryK<K>(g, op, a, b, o, false); } \
extern "C" __global__ void hbinary2_##N(Geo g, int op, const h16* a, const h16* b, h16* o) { hBinaryK<K>(g, op, a, b, o, true); } \
extern "C" __global__ void hcompare_##N(Geo g, int op, const h16* a, const h16* b, u8* o) { hCompareK<K>(g, op, a, b, o); } \
extern "C" __global__ void hbinary_scalar_##N(Geo g, int op, const h16* a, double v, i64 lv, int first, h16* o) { hBinaryScalarK<K>(g, op, a, (float) v, first, o, false); } \
extern "C" __global__ void hbinary2_scalar_##N(Geo g, int op, const h16* a, double v, i64 lv, int first, h16* o) { hBinaryScalarK<K>(g, op, a, (float) v, first, o, true); } \
extern "C" __global__ void hcompare_scalar_##N(Geo g, int op, const h16* a, double v, i64 lv, int first, u8* o) { hCompareScalarK<K>(g, op, a, (float) v, first, o); }
HALF_ELEMENTWISE(f16, HF16)
HALF_ELEMENTWISE(bf16, HBF16)
#endif
