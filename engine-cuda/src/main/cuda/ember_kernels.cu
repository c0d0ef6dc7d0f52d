// Ember's CUDA kernels. Compiled by build.sh (nvcc, flags in nvcc.flags) into ember_kernels.fatbin, which the
// jar ships and CudaBackend loads with cuModuleLoadData. Op codes are the ordinals of the Java enums in
// dev.ember.backend (UnaryOp, BinaryOp, ReduceOp, RandomKind); keep them in step.
#include <stdint.h>

#define MAXD 8
#define MAXOPS 4

typedef long long i64;
typedef unsigned char u8;

// Shape of an iteration and, per operand, strides and offset (elements). contig: every operand is
// contiguous from its offset, so element i sits at offset + i.
struct Geo {
    int ndim;
    int numel;
    int contig;
    int shape[MAXD];
    int stride[MAXOPS][MAXD];
    int offset[MAXOPS];
};

template <int N>
__device__ __forceinline__ void locate(const Geo& g, int linear, int* off) {
#pragma unroll
    for (int o = 0; o < N; o++) off[o] = g.offset[o] + (g.contig ? linear : 0);
    if (g.contig) return;
    for (int d = g.ndim - 1; d >= 0; d--) {
        int s = g.shape[d];
        int i = linear % s;
        linear /= s;
#pragma unroll
        for (int o = 0; o < N; o++) off[o] += i * g.stride[o][d];
    }
}

// The index after i in a grid-stride loop over n elements: i plus the grid's threads, or n where that would reach n.
// Adding the stride unchecked overflowed int (undefined; in practice a negative index, read and written out of bounds)
// for n within one stride of 2^31 (2,130,706,432 elements and up for 65535 blocks of 256 threads).
__device__ __forceinline__ int gridStrideNext(int i, int n) {
    int stride = (int) (blockDim.x * gridDim.x);
    return i < n - stride ? i + stride : n;
}
#define GRID_STRIDE(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i = gridStrideNext(i, (n)))

// ------------------------------------------------------------------ conversions

template <typename T> __device__ __forceinline__ double toD(T v) { return (double) v; }
template <typename T> __device__ __forceinline__ T fromD(double v) { return (T) v; }
template <> __device__ __forceinline__ u8 fromD<u8>(double v) { return v != 0.0; }
template <typename T> __device__ __forceinline__ T fromL(i64 v) { return (T) v; }
template <> __device__ __forceinline__ u8 fromL<u8>(i64 v) { return v != 0; }

// ------------------------------------------------------------------ special functions (issue 14)
// The same algorithms as the CPU backend's SpecialFunctions: PyTorch's own digamma, trigamma, Hurwitz zeta (Cephes)
// and erfinv (a rational first guess and two Newton steps), float32 in float arithmetic as PyTorch's templates.

__device__ double digammaD(double x) {
    const double PSI_10 = 2.25175258906672110764;
    if (x == 0) return copysign(__longlong_as_double(0x7ff0000000000000LL), -x);
    double reflection = 0; // digamma(x) = digamma(1 - x) - pi / tan(pi r) below 0, r the fractional part
    if (x < 0) {
        if (x == trunc(x)) return __longlong_as_double(0x7ff8000000000000LL);
        double r = x - trunc(x);
        reflection = 3.14159265358979323846 / tan(3.14159265358979323846 * r);
        x = 1 - x;
    }
    double result = 0;
    while (x < 10) { result -= 1 / x; x += 1; }
    if (x == 10) return result + PSI_10 - reflection;
    const double A[] = {8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                        -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                        8.33333333333333333333E-2};
    double y = 0;
    if (x < 1.0e17) {
        double z = 1.0 / (x * x);
        double p = A[0];
        for (int i = 1; i < 7; i++) p = p * z + A[i];
        y = z * p;
    }
    return result + log(x) - (0.5 / x) - y - reflection;
}

__device__ float digammaF(float x) {
    const float PSI_10 = 2.25175258906672110764f;
    if (x == 0) return copysignf(__int_as_float(0x7f800000), -x);
    float reflection = 0;
    if (x < 0) {
        if (x == truncf(x)) return __int_as_float(0x7fc00000);
        double r = (double) x - trunc((double) x);
        reflection = (float) (3.14159265358979323846 / tan(3.14159265358979323846 * r));
        x = 1 - x;
    }
    float result = 0;
    while (x < 10) { result -= 1 / x; x += 1; }
    if (x == 10) return result + PSI_10 - reflection;
    const float A[] = {8.33333333333333333333E-2f, -2.10927960927960927961E-2f, 7.57575757575757575758E-3f,
                       -4.16666666666666666667E-3f, 3.96825396825396825397E-3f, -8.33333333333333333333E-3f,
                       8.33333333333333333333E-2f};
    float y = 0;
    if (x < 1.0e17f) {
        float z = 1 / (x * x);
        float p = A[0];
        for (int i = 1; i < 7; i++) p = p * z + A[i];
        y = z * p;
    }
    return result + logf(x) - (0.5f / x) - y - reflection;
}

__device__ double trigammaD(double x) {
    const double PI = 3.14159265358979323846;
    double sign = 1, result = 0;
    if (x < 0.5) {
        sign = -1;
        double s = sin(PI * x);
        result -= (PI * PI) / (s * s);
        x = 1 - x;
    }
    for (int i = 0; i < 6; ++i) { result += 1 / (x * x); x += 1; }
    double ixx = 1 / (x * x);
    result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x;
    return sign * result;
}

__device__ float trigammaF(float x) {
    const float PI = 3.14159265358979323846f;
    float sign = 1, result = 0;
    if (x < 0.5f) {
        sign = -1;
        float s = sinf(PI * x);
        result -= (PI * PI) / (s * s);
        x = 1 - x;
    }
    for (int i = 0; i < 6; ++i) { result += 1 / (x * x); x += 1; }
    float ixx = 1 / (x * x);
    result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x;
    return sign * result;
}

__device__ double zetaD(double x, double q) {
    const double MACHEP = 1.11022302462515654042E-16;
    const double A[] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                        -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                        1.8152105401943546773e17, -7.1661652561756670113e18};
    if (x == 1) return __longlong_as_double(0x7ff0000000000000LL);
    if (x < 1) return __longlong_as_double(0x7ff8000000000000LL);
    if (q <= 0) {
        if (q == floor(q)) return __longlong_as_double(0x7ff0000000000000LL);
        if (x != floor(x)) return __longlong_as_double(0x7ff8000000000000LL);
    }
    double s = pow(q, -x), a = q, b = 0;
    int i = 0;
    while (i < 9 || a <= 9.0) {
        i += 1; a += 1; b = pow(a, -x); s += b;
        if (-MACHEP * s < b && b < MACHEP * s) return s;
    }
    double w = a;
    s += b * w / (x - 1);
    s -= 0.5 * b;
    a = 1;
    double k = 0;
    for (int j = 0; j < 12; j++) {
        a *= x + k; b /= w;
        double t = a * b / A[j];
        s = s + t;
        t = fabs(t / s);
        if (t < MACHEP) return s;
        k += 1; a *= x + k; b /= w; k += 1;
    }
    return s;
}

__device__ double polygammaD(int n, double x) {
    if (n == 0) return digammaD(x);
    if (n == 1) return trigammaD(x);
    return ((n % 2) ? 1.0 : -1.0) * exp(lgamma(n + 1.0)) * zetaD(n + 1, x);
}

__device__ float polygammaF(int n, float x) {
    if (n == 0) return digammaF(x);
    if (n == 1) return trigammaF(x);
    float factorial = expf(lgammaf(n + 1.0f));
    return ((n % 2) ? 1.f : -1.f) * factorial * (float) zetaD(n + 1, x);
}

__device__ double erfinvD(double y) {
    double ya = fabs(y);
    if (ya > 1.0) return __longlong_as_double(0x7ff8000000000000LL);
    if (ya == 1.0) return copysign(__longlong_as_double(0x7ff0000000000000LL), y);
    double x;
    if (ya <= 0.7) {
        double z = y * y;
        double num = ((-0.140543331 * z + 0.914624893) * z + -1.645349621) * z + 0.886226899;
        double dem = (((0.012229801 * z + -0.329097515) * z + 1.442710462) * z + -2.118377725) * z + 1.0;
        x = y * num / dem;
    } else {
        double z = sqrt(-log((1.0 - ya) / 2.0));
        double num = ((1.641345311 * z + 3.429567803) * z + -1.624906493) * z + -1.970840454;
        double dem = (1.637067800 * z + 3.543889200) * z + 1.0;
        x = copysign(num, y) / dem;
    }
    double c = 2.0 / sqrt(3.14159265358979323846);
    x = x - (erf(x) - y) / (c * exp(-x * x));
    x = x - (erf(x) - y) / (c * exp(-x * x));
    return x;
}

__device__ float erfinvF(float y) {
    float ya = fabsf(y);
    if (ya > 1.0f) return __int_as_float(0x7fc00000);
    if (ya == 1.0f) return copysignf(__int_as_float(0x7f800000), y);
    float x;
    if (ya <= 0.7f) {
        float z = y * y;
        float num = ((-0.140543331f * z + 0.914624893f) * z + -1.645349621f) * z + 0.886226899f;
        float dem = (((0.012229801f * z + -0.329097515f) * z + 1.442710462f) * z + -2.118377725f) * z + 1.0f;
        x = y * num / dem;
    } else {
        float z = sqrtf(-logf((1.0f - ya) / 2.0f));
        float num = ((1.641345311f * z + 3.429567803f) * z + -1.624906493f) * z + -1.970840454f;
        float dem = (1.637067800f * z + 3.543889200f) * z + 1.0f;
        x = copysignf(num, y) / dem;
    }
    float c = 2.0f / (float) sqrt(3.14159265358979323846);
    x = x - (erff(x) - y) / (c * expf(-x * x));
    x = x - (erff(x) - y) / (c * expf(-x * x));
    return x;
}

// ------------------------------------------------------------------ unary

__device__ __forceinline__ float unaryF(int op, float x) {
    switch (op) {
        case 0: return -x;
        case 1: return fabsf(x);
        case 2: return isnan(x) ? 0.f : (float) ((x > 0.f) - (x < 0.f));
        case 3: return expf(x);
        case 4: return logf(x);
        case 5: return sqrtf(x);
        case 6: return 1.f / (1.f + expf(-x));
        case 7: return tanhf(x);
        case 8: return x < 0.f ? 0.f : x; // PyTorch's relu: keeps -0 and NaN
        case 9: return sinf(x);
        case 10: return cosf(x);
        case 11: return floorf(x);
        case 12: return ceilf(x);
        case 13: return rintf(x);
        case 17: return erff(x);
        default: return 1.f / x;
    }
}

__device__ __forceinline__ double unaryD(int op, double x) {
    switch (op) {
        case 0: return -x;
        case 1: return fabs(x);
        case 2: return isnan(x) ? 0.0 : (double) ((x > 0.0) - (x < 0.0));
        case 3: return exp(x);
        case 4: return log(x);
        case 5: return sqrt(x);
        case 6: return 1.0 / (1.0 + exp(-x));
        case 7: return tanh(x);
        case 8: return x < 0.0 ? 0.0 : x;
        case 9: return sin(x);
        case 10: return cos(x);
        case 11: return floor(x);
        case 12: return ceil(x);
        case 13: return rint(x);
        case 17: return erf(x);
        default: return 1.0 / x;
    }
}

__device__ __forceinline__ i64 unaryL(int op, i64 x) {
    switch (op) {
        case 0: return -x;
        case 1: return x < 0 ? -x : x;
        case 2: return (x > 0) - (x < 0);
        case 8: return x > 0 ? x : 0;
        case 40: return ~x;
        default: return x; // floor, ceil, round, trunc of integers
    }
}

extern "C" __global__ void unary_f32(Geo g, int op, const float* a, float* o) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); o[off[0]] = unaryF(op, a[off[1]]); }
}
extern "C" __global__ void unary_f64(Geo g, int op, const double* a, double* o) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); o[off[0]] = unaryD(op, a[off[1]]); }
}
extern "C" __global__ void unary_i64(Geo g, int op, const i64* a, i64* o) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); o[off[0]] = unaryL(op, a[off[1]]); }
}

// GELU (op codes 45 and 46) and its backward (binary 33 and 34), PyTorch's GeluCUDAKernelImpl and
// GeluBackwardCUDAKernelImpl in the input's type: one pass each instead of a chain of elementwise ops.
template <typename T> __device__ __forceinline__ T geluT(T x) {
    const T alpha = (T) 0.70710678118654752440;
    return x * (T) 0.5 * ((T) 1 + erf(x * alpha));
}
template <typename T> __device__ __forceinline__ T geluTanhT(T x) {
    const T beta = (T) 0.79788456080286535588; // sqrt(2 / pi)
    const T kappa = (T) 0.044715;
    T inner = beta * (x + kappa * x * x * x);
    return (T) 0.5 * x * ((T) 1 + tanh(inner));
}
template <typename T> __device__ __forceinline__ T geluBackwardT(T dy, T x) {
    const T alpha = (T) 0.70710678118654752440;
    const T pdfScale = (T) 0.39894228040143267794; // 1 / sqrt(2 pi)
    T cdf = (T) 0.5 * ((T) 1 + erf(x * alpha));
    T pdf = pdfScale * exp((T) -0.5 * x * x);
    return dy * (cdf + x * pdf);
}
template <typename T> __device__ __forceinline__ T geluTanhBackwardT(T dy, T x) {
    const T beta = (T) 0.79788456080286535588;
    const T kappa = (T) 0.044715;
    T x2 = x * x;
    T t = tanh(beta * (x + kappa * x2 * x));
    T left = (T) 0.5 * x;
    T right = (T) 1 + t;
    T leftDerivative = (T) 0.5 * right;
    T rightDerivative = ((T) 1 - t * t) * beta * ((T) 1 + (T) 3 * kappa * x2);
    return dy * (leftDerivative + left * rightDerivative);
}

// The op codes of issue 14 (LOG1P .. LOG_SIGMOID) in kernels of their own (unary2_*), so that the code of the special
// functions does not raise the register count, and lower the occupancy, of the kernels of the common ops.
__device__ __forceinline__ float unaryF2(int op, float x) {
    switch (op) {
        case 18: return log1pf(x);
        case 19: return expm1f(x);
        case 20: return log2f(x);
        case 21: return log10f(x);
        case 22: return exp2f(x);
        case 23: return tanf(x);
        case 24: return asinf(x);
        case 25: return acosf(x);
        case 26: return atanf(x);
        case 27: return sinhf(x);
        case 28: return coshf(x);
        case 29: return asinhf(x);
        case 30: return acoshf(x);
        case 31: return atanhf(x);
        case 32: return 1.f / sqrtf(x); // two roundings, as PyTorch's CPU kernel
        case 33: return truncf(x);
        case 34: return x - truncf(x);
        case 35: return erfcf(x);
        case 36: return erfinvF(x);
        case 37: return lgammaf(x);
        case 38: return digammaF(x);
        case 45: return geluT<float>(x);
        case 46: return geluTanhT<float>(x);
        default: return (x < 0.f ? x : 0.f) - log1pf(expf(-fabsf(x))); // 39, log_sigmoid
    }
}

__device__ __forceinline__ double unaryD2(int op, double x) {
    switch (op) {
        case 18: return log1p(x);
        case 19: return expm1(x);
        case 20: return log2(x);
        case 21: return log10(x);
        case 22: return exp2(x);
        case 23: return tan(x);
        case 24: return asin(x);
        case 25: return acos(x);
        case 26: return atan(x);
        case 27: return sinh(x);
        case 28: return cosh(x);
        case 29: return asinh(x);
        case 30: return acosh(x);
        case 31: return atanh(x);
        case 32: return 1.0 / sqrt(x);
        case 33: return trunc(x);
        case 34: return x - trunc(x);
        case 35: return erfc(x);
        case 36: return erfinvD(x);
        case 37: return lgamma(x);
        case 38: return digammaD(x);
        case 45: return geluT<double>(x);
        case 46: return geluTanhT<double>(x);
        default: return (x < 0.0 ? x : 0.0) - log1p(exp(-fabs(x)));
    }
}

extern "C" __global__ void unary2_f32(Geo g, int op, const float* a, float* o) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); o[off[0]] = unaryF2(op, a[off[1]]); }
}
extern "C" __global__ void unary2_f64(Geo g, int op, const double* a, double* o) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); o[off[0]] = unaryD2(op, a[off[1]]); }
}

// LOGICAL_NOT (15), ISFINITE (16), ISNAN (41), ISINF (42), ISPOSINF (43), ISNEGINF (44): bool results
__device__ __forceinline__ u8 unaryPredicate(int op, double v) {
    switch (op) {
        case 15: return v == 0.0;
        case 16: return (u8) isfinite(v);
        case 41: return (u8) isnan(v);
        case 42: return (u8) isinf(v);
        case 43: return isinf(v) && v > 0;
        default: return isinf(v) && v < 0;
    }
}
template <typename T>
__device__ void unaryPred(const Geo& g, int op, const T* a, u8* o) {
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        o[off[0]] = unaryPredicate(op, toD(a[off[1]]));
    }
}
extern "C" __global__ void unary_pred_f32(Geo g, int op, const float* a, u8* o) { unaryPred(g, op, a, o); }
extern "C" __global__ void unary_pred_f64(Geo g, int op, const double* a, u8* o) { unaryPred(g, op, a, o); }
extern "C" __global__ void unary_pred_i64(Geo g, int op, const i64* a, u8* o) { unaryPred(g, op, a, o); }
extern "C" __global__ void unary_pred_u8(Geo g, int op, const u8* a, u8* o) { unaryPred(g, op, a, o); }

// ------------------------------------------------------------------ binary

// MAXIMUM (5) and MINIMUM (6): NaN if either operand is NaN, else C++'s std::max / std::min, which keep the first
// operand on ties (clamp(-0, min=0) is -0, as PyTorch), where fmax would prefer +0 or the non-NaN operand.
// POW (4) on floats is C's pow (1 ** NaN and (-1) ** inf are 1), in double for float32 as the CPU backend rounds it.
// PyTorch's div_floor_floating: fmod-based, so that a = b * q + r holds as in Python
template <typename T>
__device__ __forceinline__ T divFloorT(T a, T b) {
    if (b == 0) return a / b;
    T mod = fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
    T fl;
    if (div != 0) {
        fl = floor(div);
        if (div - fl > T(0.5)) fl += T(1);
    } else {
        fl = copysign(T(0), a / b);
    }
    return fl;
}
template <typename T>
__device__ __forceinline__ T remainderT(T a, T b) {
    T mod = fmod(a, b);
    if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
    return mod;
}
__device__ __forceinline__ float binaryF(int op, float x, float y) {
    switch (op) {
        case 0: return x + y;
        case 1: return x - y;
        case 2: return x * y;
        case 3: return x / y;
        case 4: return (float) pow((double) x, (double) y);
        case 5: return (isnan(x) || isnan(y)) ? __int_as_float(0x7fc00000) : (x < y ? y : x);
        case 16: return y <= 0.f ? 0.f : x;
        default: return (isnan(x) || isnan(y)) ? __int_as_float(0x7fc00000) : (y < x ? y : x);
    }
}
__device__ __forceinline__ double binaryD(int op, double x, double y) {
    switch (op) {
        case 0: return x + y;
        case 1: return x - y;
        case 2: return x * y;
        case 3: return x / y;
        case 4: return pow(x, y);
        case 5: return (isnan(x) || isnan(y)) ? __longlong_as_double(0x7ff8000000000000LL) : (x < y ? y : x);
        case 16: return y <= 0.0 ? 0.0 : x;
        default: return (isnan(x) || isnan(y)) ? __longlong_as_double(0x7ff8000000000000LL) : (y < x ? y : x);
    }
}
// PyTorch's integer pow (powi): a negative exponent gives 1 for base 1, +-1 by parity for base -1, else 0; otherwise
// square-and-multiply, wrapping on overflow (done in unsigned arithmetic, where C++ defines the wrap).
__device__ __forceinline__ i64 powi(i64 x, i64 y) {
    if (y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0;
    unsigned long long r = 1, b = (unsigned long long) x;
    for (; y != 0; y >>= 1) { if (y & 1) r *= b; b *= b; }
    return (i64) r;
}
__device__ __forceinline__ i64 binaryL(int op, i64 x, i64 y) {
    switch (op) {
        case 0: return x + y;
        case 1: return x - y;
        case 2: return x * y;
        case 3: { if (y == 0) return 0; i64 q = x / y; if ((x % y != 0) && ((x < 0) != (y < 0))) q--; return q; }
        case 4: return powi(x, y);
        case 5: return x > y ? x : y;
        case 16: return y <= 0 ? 0 : x;
        default: return x < y ? x : y;
    }
}
// The op codes of issue 14 (ATAN2 .. POLYGAMMA) in kernels of their own (binary2_*), as unary2_*. On float32: atan2
// and hypot in double and rounded once, as the CPU backend; the rounding divisions, remainder and xlogy in float
// arithmetic, as PyTorch's kernels; fmax/fmin keep the first operand on ties.
__device__ __forceinline__ float binaryF2(int op, float x, float y) {
    switch (op) {
        case 17: return (float) atan2((double) x, (double) y);
        case 18: return (float) hypot((double) x, (double) y);
        case 19: return fmodf(x, y);
        case 20: return remainderT<float>(x, y);
        case 21: return truncf(x / y);
        case 22: return divFloorT<float>(x, y);
        case 23: return copysignf(x, y);
        case 24: return isnan(x) ? y : isnan(y) ? x : (x < y ? y : x);
        case 25: return isnan(x) ? y : isnan(y) ? x : (y < x ? y : x);
        case 26: return isnan(y) ? y : x == 0.f ? 0.f : x * logf(y);
        case 33: return geluBackwardT<float>(x, y);
        case 34: return geluTanhBackwardT<float>(x, y);
        default: return polygammaF((int) x, y); // 32
    }
}
__device__ __forceinline__ double binaryD2(int op, double x, double y) {
    switch (op) {
        case 17: return atan2(x, y);
        case 18: return hypot(x, y);
        case 19: return fmod(x, y);
        case 20: return remainderT<double>(x, y);
        case 21: return trunc(x / y);
        case 22: return divFloorT<double>(x, y);
        case 23: return copysign(x, y);
        case 24: return isnan(x) ? y : isnan(y) ? x : (x < y ? y : x);
        case 25: return isnan(x) ? y : isnan(y) ? x : (y < x ? y : x);
        case 26: return isnan(y) ? y : x == 0.0 ? 0.0 : x * log(y);
        case 33: return geluBackwardT<double>(x, y);
        case 34: return geluTanhBackwardT<double>(x, y);
        default: return polygammaD((int) x, y);
    }
}
// integer division by zero gives 0 (the CPU raises PyTorch's ZeroDivisionError first; a GPU does not check), and
// INT64_MIN / -1 wraps as two's complement (C would trap)
__device__ __forceinline__ i64 divTruncL(i64 x, i64 y) { return y == 0 ? 0 : y == -1 ? (i64) (0ULL - (unsigned long long) x) : x / y; }
__device__ __forceinline__ i64 fmodL(i64 x, i64 y) { return y == 0 || y == -1 ? 0 : x % y; }
__device__ __forceinline__ i64 binaryL2(int op, i64 x, i64 y) {
    switch (op) {
        case 19: return fmodL(x, y);
        case 20: { i64 r = fmodL(x, y); return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r; }
        case 21: return divTruncL(x, y);
        case 22: { if (y == 0) return 0; i64 q = divTruncL(x, y); if ((fmodL(x, y) != 0) && ((x < 0) != (y < 0))) q--; return q; }
        case 24: return x > y ? x : y;
        case 25: return x < y ? x : y;
        case 27: return x & y;
        case 28: return x | y;
        case 29: return x ^ y;
        // PyTorch 2.x: a shift count outside [0, 64) gives 0 to the left, the sign to the right
        case 30: return (y < 0 || y >= 64) ? 0 : (i64) ((unsigned long long) x << y);
        default: return (y < 0 || y >= 63) ? (x >> 63) : (x >> y); // 31
    }
}
__device__ __forceinline__ float binary2T(int op, float x, float y) { return binaryF2(op, x, y); }
__device__ __forceinline__ double binary2T(int op, double x, double y) { return binaryD2(op, x, y); }
__device__ __forceinline__ i64 binary2T(int op, i64 x, i64 y) { return binaryL2(op, x, y); }
template <typename T>
__device__ void binary2K(const Geo& g, int op, const T* a, const T* b, T* o) {
    GRID_STRIDE(i, g.numel) { int off[3]; locate<3>(g, i, off); o[off[0]] = binary2T(op, a[off[1]], b[off[2]]); }
}
// the binary ops defined on bool: and-like (MUL, MINIMUM, FMIN, BITWISE_AND), xor (BITWISE_XOR), the rest or-like
__device__ __forceinline__ u8 binaryB(int op, u8 x, u8 y) {
    return (op == 2 || op == 6 || op == 25 || op == 27) ? (x && y) : op == 29 ? (u8) ((x != 0) != (y != 0)) : (x || y);
}

// four float32 values at p, p + s, p + 2s, p + 3s: one 16-byte load where s = 1 and p is aligned, one load if s = 0
__device__ __forceinline__ void load4(const float* p, int s, float* v) {
    if (s == 1 && (reinterpret_cast<uintptr_t>(p) & 15) == 0) {
        float4 q = *reinterpret_cast<const float4*>(p);
        v[0] = q.x; v[1] = q.y; v[2] = q.z; v[3] = q.w;
    } else if (s == 0) {
        v[0] = v[1] = v[2] = v[3] = *p;
    } else {
#pragma unroll
        for (int j = 0; j < 4; j++) v[j] = p[j * s];
    }
}

extern "C" __global__ void binary_f32(Geo g, int op, const float* a, const float* b, float* o) {
    if (g.contig && op <= 3) {
        const float* pa = a + g.offset[1];
        const float* pb = b + g.offset[2];
        float* po = o + g.offset[0];
        GRID_STRIDE(i, g.numel) {
            float x = pa[i], y = pb[i];
            po[i] = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : x / y;
        }
        return;
    }
    const int last = g.ndim - 1;
    if ((g.shape[last] & 3) == 0) {
        // four neighbours along the innermost dimension a thread: one index computation (divisions) for four elements,
        // and 16-byte loads and stores where an operand is unit-stride there and aligned (a broadcast one: one load)
        const int so = g.stride[0][last], sa = g.stride[1][last], sb = g.stride[2][last];
        GRID_STRIDE(q, g.numel >> 2) {
            int off[3];
            locate<3>(g, q << 2, off);
            float x[4], y[4], r[4];
            load4(a + off[1], sa, x);
            load4(b + off[2], sb, y);
#pragma unroll
            for (int j = 0; j < 4; j++) r[j] = binaryF(op, x[j], y[j]);
            if (so == 1 && (off[0] & 3) == 0) {
                *reinterpret_cast<float4*>(o + off[0]) = make_float4(r[0], r[1], r[2], r[3]);
            } else {
#pragma unroll
                for (int j = 0; j < 4; j++) o[off[0] + j * so] = r[j];
            }
        }
        return;
    }
    GRID_STRIDE(i, g.numel) { int off[3]; locate<3>(g, i, off); o[off[0]] = binaryF(op, a[off[1]], b[off[2]]); }
}
extern "C" __global__ void binary_f64(Geo g, int op, const double* a, const double* b, double* o) {
    GRID_STRIDE(i, g.numel) { int off[3]; locate<3>(g, i, off); o[off[0]] = binaryD(op, a[off[1]], b[off[2]]); }
}
extern "C" __global__ void binary_i64(Geo g, int op, const i64* a, const i64* b, i64* o) {
    GRID_STRIDE(i, g.numel) { int off[3]; locate<3>(g, i, off); o[off[0]] = binaryL(op, a[off[1]], b[off[2]]); }
}
extern "C" __global__ void binary_u8(Geo g, int op, const u8* a, const u8* b, u8* o) {
    GRID_STRIDE(i, g.numel) {
        int off[3]; locate<3>(g, i, off);
        o[off[0]] = binaryB(op, a[off[1]], b[off[2]]);
    }
}

template <typename T>
__device__ __forceinline__ u8 cmp(int op, T x, T y) {
    switch (op) {
        case 7: return x == y;
        case 8: return x != y;
        case 9: return x < y;
        case 10: return x <= y;
        case 11: return x > y;
        case 12: return x >= y;
        case 13: return (x != 0) && (y != 0);
        case 14: return (x != 0) || (y != 0);
        default: return (x != 0) != (y != 0);
    }
}
template <typename T>
__device__ void compareK(const Geo& g, int op, const T* a, const T* b, u8* o) {
    GRID_STRIDE(i, g.numel) { int off[3]; locate<3>(g, i, off); o[off[0]] = cmp<T>(op, a[off[1]], b[off[2]]); }
}
extern "C" __global__ void compare_f32(Geo g, int op, const float* a, const float* b, u8* o) { compareK(g, op, a, b, o); }
extern "C" __global__ void compare_f64(Geo g, int op, const double* a, const double* b, u8* o) { compareK(g, op, a, b, o); }
extern "C" __global__ void compare_i64(Geo g, int op, const i64* a, const i64* b, u8* o) { compareK(g, op, a, b, o); }
extern "C" __global__ void compare_u8(Geo g, int op, const u8* a, const u8* b, u8* o) { compareK(g, op, a, b, o); }

// a tensor and a Java number (Backend.binaryScalar): the number arrives as an argument, v for floating types and lv
// for integers; first: the number is the left operand. Geo operands: 0 the output, 1 the tensor.
__device__ __forceinline__ float binaryT(int op, float x, float y) { return binaryF(op, x, y); }
__device__ __forceinline__ double binaryT(int op, double x, double y) { return binaryD(op, x, y); }
__device__ __forceinline__ i64 binaryT(int op, i64 x, i64 y) { return binaryL(op, x, y); }
__device__ __forceinline__ u8 binaryT(int op, u8 x, u8 y) { return binaryB(op, x, y); }
template <typename T> __device__ __forceinline__ T scalarArg(double v, i64 lv) { return (T) v; }
template <> __device__ __forceinline__ i64 scalarArg<i64>(double v, i64 lv) { return lv; }
template <> __device__ __forceinline__ u8 scalarArg<u8>(double v, i64 lv) { return lv != 0; }
template <typename T>
__device__ void binaryScalarK(const Geo& g, int op, const T* a, double v, i64 lv, int first, T* o) {
    T s = scalarArg<T>(v, lv);
    if (g.contig) {
        const T* pa = a + g.offset[1];
        T* po = o + g.offset[0];
        GRID_STRIDE(i, g.numel) { T x = pa[i]; po[i] = first ? binaryT(op, s, x) : binaryT(op, x, s); }
        return;
    }
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        T x = a[off[1]];
        o[off[0]] = first ? binaryT(op, s, x) : binaryT(op, x, s);
    }
}
template <typename T>
__device__ void compareScalarK(const Geo& g, int op, const T* a, double v, i64 lv, int first, u8* o) {
    T s = scalarArg<T>(v, lv);
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        T x = a[off[1]];
        o[off[0]] = first ? cmp<T>(op, s, x) : cmp<T>(op, x, s);
    }
}
template <typename T>
__device__ void binary2ScalarK(const Geo& g, int op, const T* a, double v, i64 lv, int first, T* o) {
    T s = scalarArg<T>(v, lv);
    GRID_STRIDE(i, g.numel) {
        int off[2]; locate<2>(g, i, off);
        T x = a[off[1]];
        o[off[0]] = first ? binary2T(op, s, x) : binary2T(op, x, s);
    }
}
#define BINARY2_KERNELS(N, T) \
extern "C" __global__ void binary2_##N(Geo g, int op, const T* a, const T* b, T* o) { binary2K(g, op, a, b, o); } \
extern "C" __global__ void binary2_scalar_##N(Geo g, int op, const T* a, double v, i64 lv, int first, T* o) { binary2ScalarK(g, op, a, v, lv, first, o); }
BINARY2_KERNELS(f32, float) BINARY2_KERNELS(f64, double) BINARY2_KERNELS(i64, i64)
#define SCALAR_KERNELS(N, T) \
extern "C" __global__ void binary_scalar_##N(Geo g, int op, const T* a, double v, i64 lv, int first, T* o) { binaryScalarK(g, op, a, v, lv, first, o); } \
extern "C" __global__ void compare_scalar_##N(Geo g, int op, const T* a, double v, i64 lv, int first, u8* o) { compareScalarK(g, op, a, v, lv, first, o); }
SCALAR_KERNELS(f32, float) SCALAR_KERNELS(f64, double) SCALAR_KERNELS(i64, i64) SCALAR_KERNELS(u8, u8)

// y += alpha * x (Backend.axpy, an optimizer's update): one fused multiply-add. Geo operands: 0 y, 1 x.
template <typename T>
__device__ void axpyK(const Geo& g, double alpha, const T* x, T* y) {
    T a = (T) alpha;
    if (g.contig) {
        const T* px = x + g.offset[1];
        T* py = y + g.offset[0];
        GRID_STRIDE(i, g.numel) { py[i] = fma(a, px[i], py[i]); }
        return;
    }
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); y[off[0]] = fma(a, x[off[1]], y[off[0]]); }
}
// Backend.checkIndices on the device: the first index outside [0, bound) is recorded in err (err[0] = 1, err[1] the
// value) and raised by the host at its next synchronization.
extern "C" __global__ void check_indices(Geo g, const i64* idx, i64 bound, i64* err) {
    GRID_STRIDE(i, g.numel) {
        int off[1]; locate<1>(g, i, off);
        i64 v = idx[off[0]];
        if (v < 0 || v >= bound) {
            if (atomicCAS((unsigned long long*) err, 0ULL, 1ULL) == 0ULL) err[1] = v;
        }
    }
}

extern "C" __global__ void axpy_f32(Geo g, double alpha, const float* x, float* y) { axpyK(g, alpha, x, y); }
extern "C" __global__ void axpy_f64(Geo g, double alpha, const double* x, double* y) { axpyK(g, alpha, x, y); }

// ------------------------------------------------------------------ copy (with conversion), fill, where

template <typename S, typename D>
__device__ void copyK(const Geo& g, const S* s, D* d) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); d[off[0]] = fromD<D>(toD(s[off[1]])); }
}
template <typename S, typename D>
__device__ void copyIntK(const Geo& g, const S* s, D* d) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); d[off[0]] = fromL<D>((i64) s[off[1]]); }
}
// int64 to float32 in one rounding (__ll2float_rn), as C++'s static_cast: through a double it could round twice
template <typename S, typename D>
__device__ void copyL2FK(const Geo& g, const S* s, D* d) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); d[off[0]] = __ll2float_rn(s[off[1]]); }
}
#define COPY(SN, S, DN, D, K) extern "C" __global__ void copy_##SN##_##DN(Geo g, const S* s, D* d) { K<S, D>(g, s, d); }
COPY(f32, float, f32, float, copyK) COPY(f32, float, f64, double, copyK) COPY(f32, float, i64, i64, copyK) COPY(f32, float, u8, u8, copyK)
COPY(f64, double, f32, float, copyK) COPY(f64, double, f64, double, copyK) COPY(f64, double, i64, i64, copyK) COPY(f64, double, u8, u8, copyK)
COPY(i64, i64, f32, float, copyL2FK) COPY(i64, i64, f64, double, copyK) COPY(i64, i64, i64, i64, copyIntK) COPY(i64, i64, u8, u8, copyIntK)
COPY(u8, u8, f32, float, copyK) COPY(u8, u8, f64, double, copyK) COPY(u8, u8, i64, i64, copyIntK) COPY(u8, u8, u8, u8, copyIntK)

// Conversions between every pair of types (PyTorch's int32, int16, int8 and uint8 with the others; the kernels above
// serve the pairs of float32, float64, int64 and bool). A type tag names each: its element type T, whether it is
// floating (fp) or bool (boolean). As PyTorch's casts: a float goes to an integer type through int64 (truncated toward
// zero, saturating, NaN to 0, as the CPU backend's conversion) and is then wrapped; integers wrap into narrower ones (two's
// complement); an int64 becomes float32 in one rounding; anything becomes bool as != 0. Suffixes: u8 is bool (the older
// kernels' name), ui8 uint8, i8 int8, i16 int16, i32 int32.
struct TagB { typedef unsigned char T; static const bool fp = false; static const bool boolean = true; static const bool f32 = false; };
struct TagU8 { typedef unsigned char T; static const bool fp = false; static const bool boolean = false; static const bool f32 = false; };
struct TagI8 { typedef signed char T; static const bool fp = false; static const bool boolean = false; static const bool f32 = false; };
struct TagI16 { typedef short T; static const bool fp = false; static const bool boolean = false; static const bool f32 = false; };
struct TagI32 { typedef int T; static const bool fp = false; static const bool boolean = false; static const bool f32 = false; };
struct TagI64 { typedef i64 T; static const bool fp = false; static const bool boolean = false; static const bool f32 = false; };
struct TagF32 { typedef float T; static const bool fp = true; static const bool boolean = false; static const bool f32 = true; };
struct TagF64 { typedef double T; static const bool fp = true; static const bool boolean = false; static const bool f32 = false; };

template <typename SK, typename DK>
__device__ __forceinline__ typename DK::T convertTo(typename SK::T v) {
    typedef typename DK::T D;
    if constexpr (SK::fp) {
        double x = (double) v;
        if constexpr (DK::boolean) return x != 0.0;
        else if constexpr (DK::fp) return (D) x;
        else return (D) (i64) x;
    } else {
        i64 x = (i64) v;
        if constexpr (DK::boolean) return x != 0;
        else if constexpr (DK::f32) return __ll2float_rn(x);
        else return (D) x;
    }
}
template <typename SK, typename DK>
__device__ void convertK(const Geo& g, const typename SK::T* s, typename DK::T* d) {
    GRID_STRIDE(i, g.numel) { int off[2]; locate<2>(g, i, off); d[off[0]] = convertTo<SK, DK>(s[off[1]]); }
}
#define CONVERT(SN, SK, DN, DK) extern "C" __global__ void copy_##SN##_##DN(Geo g, const SK::T* s, DK::T* d) { convertK<SK, DK>(g, s, d); }
#define CONVERT_NARROW(SN, SK) CONVERT(SN, SK, ui8, TagU8) CONVERT(SN, SK, i8, TagI8) CONVERT(SN, SK, i16, TagI16) CONVERT(SN, SK, i32, TagI32)
#define CONVERT_FROM_NARROW(SN, SK) CONVERT(SN, SK, u8, TagB) CONVERT(SN, SK, i64, TagI64) CONVERT(SN, SK, f32, TagF32) CONVERT(SN, SK, f64, TagF64)
CONVERT_NARROW(u8, TagB) CONVERT_NARROW(i64, TagI64) CONVERT_NARROW(f32, TagF32) CONVERT_NARROW(f64, TagF64)
CONVERT_NARROW(ui8, TagU8) CONVERT_NARROW(i8, TagI8) CONVERT_NARROW(i16, TagI16) CONVERT_NARROW(i32, TagI32)
CONVERT_FROM_NARROW(ui8, TagU8) CONVERT_FROM_NARROW(i8, TagI8) CONVERT_FROM_NARROW(i16, TagI16) CONVERT_FROM_NARROW(i32, TagI32)

template <typename T>
__device__ void fillIntK(const Geo& g, i64 lv, T* d) {
    T v = (T) lv; // wrapped into the type, as the CPU backend's fill
    GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); d[off[0]] = v; }
}
extern "C" __global__ void fill_ui8(Geo g, double v, i64 lv, unsigned char* d) { fillIntK(g, lv, d); }
extern "C" __global__ void fill_i8(Geo g, double v, i64 lv, signed char* d) { fillIntK(g, lv, d); }
extern "C" __global__ void fill_i16(Geo g, double v, i64 lv, short* d) { fillIntK(g, lv, d); }
extern "C" __global__ void fill_i32(Geo g, double v, i64 lv, int* d) { fillIntK(g, lv, d); }

extern "C" __global__ void fill_f32(Geo g, double v, i64 lv, float* d) { GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); d[off[0]] = (float) v; } }
extern "C" __global__ void fill_f64(Geo g, double v, i64 lv, double* d) { GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); d[off[0]] = v; } }
extern "C" __global__ void fill_i64(Geo g, double v, i64 lv, i64* d) { GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); d[off[0]] = lv; } }
extern "C" __global__ void fill_u8(Geo g, double v, i64 lv, u8* d) { GRID_STRIDE(i, g.numel) { int off[1]; locate<1>(g, i, off); d[off[0]] = v != 0.0; } }

template <typename T>
__device__ void whereK(const Geo& g, const u8* c, const T* a, const T* b, T* o) {
    GRID_STRIDE(i, g.numel) { int off[4]; locate<4>(g, i, off); o[off[0]] = c[off[1]] ? a[off[2]] : b[off[3]]; }
}
extern "C" __global__ void where_f32(Geo g, const u8* c, const float* a, const float* b, float* o) { whereK(g, c, a, b, o); }
extern "C" __global__ void where_f64(Geo g, const u8* c, const double* a, const double* b, double* o) { whereK(g, c, a, b, o); }
extern "C" __global__ void where_i64(Geo g, const u8* c, const i64* a, const i64* b, i64* o) { whereK(g, c, a, b, o); }
extern "C" __global__ void where_u8(Geo g, const u8* c, const u8* a, const u8* b, u8* o) { whereK(g, c, a, b, o); }

// ------------------------------------------------------------------ reductions
// outG iterates the outputs: operand 0 the output, operand 1 the input's kept dims. redG iterates the reduced
// dims of the input (operand 0). One block per output; threads stride over the reduced elements, then combine
// in shared memory. Float types accumulate in double, as the CPU backend does.

#define RED_THREADS 256

struct Acc { double v; i64 l; i64 idx; int any; };

__device__ __forceinline__ Acc combine(int op, int integral, Acc a, Acc b) {
    if (!b.any) return a;
    if (!a.any) return b;
    Acc r = a;
    switch (op) {
        case 0: r.v = a.v + b.v; r.l = a.l + b.l; break;
        case 1: r.v = a.v * b.v; r.l = a.l * b.l; break;
        case 2: if (integral) r.l = a.l > b.l ? a.l : b.l; else r.v = (isnan(a.v) || isnan(b.v)) ? __longlong_as_double(0x7ff8000000000000LL) : fmax(a.v, b.v); break;
        case 3: if (integral) r.l = a.l < b.l ? a.l : b.l; else r.v = (isnan(a.v) || isnan(b.v)) ? __longlong_as_double(0x7ff8000000000000LL) : fmin(a.v, b.v); break;
        case 4: case 5: {
            // first index wins ties; NaN counts as the extreme, as PyTorch
            bool takeB;
            if (integral) takeB = op == 4 ? (b.l > a.l || (b.l == a.l && b.idx < a.idx)) : (b.l < a.l || (b.l == a.l && b.idx < a.idx));
            else if (isnan(a.v) || isnan(b.v)) takeB = isnan(b.v) && (!isnan(a.v) || b.idx < a.idx);
            else takeB = op == 4 ? (b.v > a.v || (b.v == a.v && b.idx < a.idx)) : (b.v < a.v || (b.v == a.v && b.idx < a.idx));
            if (takeB) r = b;
            break;
        }
    }
    r.any = 1;
    return r;
}

template <typename T, typename D>
__device__ void reduceK(Geo outG, Geo redG, int op, int integral, const T* src, D* dst) {
    __shared__ Acc sh[RED_THREADS];
    for (int out = blockIdx.x; out < outG.numel; out += gridDim.x) {
        int off[2]; locate<2>(outG, out, off);
        Acc acc; acc.v = 0; acc.l = 0; acc.idx = 0; acc.any = 0;
        for (int r = threadIdx.x; r < redG.numel; r += blockDim.x) {
            int roff[1]; locate<1>(redG, r, roff);
            T x = src[off[1] + roff[0]];
            Acc e; e.v = toD(x); e.l = (i64) x; e.idx = r; e.any = 1;
            acc = combine(op, integral, acc, e);
        }
        sh[threadIdx.x] = acc;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) sh[threadIdx.x] = combine(op, integral, sh[threadIdx.x], sh[threadIdx.x + s]);
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            Acc a = sh[0];
            if (!a.any) { a.v = op == 1 ? 1.0 : 0.0; a.l = op == 1 ? 1 : 0; }
            if (op >= 4) dst[off[0]] = (D) a.idx;
            else if (integral) dst[off[0]] = fromL<D>(a.l);
            else dst[off[0]] = fromD<D>(a.v);
        }
        __syncthreads();
    }
}
// Two passes for few outputs over many elements (a full sum, say): pass 1 gives each (output, part) pair a block
// that reduces one slice of the reduced range into partials[out * parts + part]; pass 2 combines the parts.
template <typename T>
__device__ void reducePartialK(Geo outG, Geo redG, int op, int integral, const T* src, Acc* partials, int parts) {
    __shared__ Acc sh[RED_THREADS];
    int out = blockIdx.x / parts;
    int part = blockIdx.x % parts;
    if (out >= outG.numel) return;
    int chunk = (redG.numel + parts - 1) / parts;
    int begin = part * chunk;
    int end = min(redG.numel, begin + chunk);
    int off[2]; locate<2>(outG, out, off);
    Acc acc; acc.v = 0; acc.l = 0; acc.idx = 0; acc.any = 0;
    for (int r = begin + threadIdx.x; r < end; r += blockDim.x) {
        int roff[1]; locate<1>(redG, r, roff);
        T x = src[off[1] + roff[0]];
        Acc e; e.v = toD(x); e.l = (i64) x; e.idx = r; e.any = 1;
        acc = combine(op, integral, acc, e);
    }
    sh[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] = combine(op, integral, sh[threadIdx.x], sh[threadIdx.x + s]);
        __syncthreads();
    }
    if (threadIdx.x == 0) partials[blockIdx.x] = sh[0];
}

template <typename D>
__device__ void reduceFinishK(Geo outG, int op, int integral, const Acc* partials, int parts, D* dst) {
    __shared__ Acc sh[RED_THREADS];
    for (int out = blockIdx.x; out < outG.numel; out += gridDim.x) {
        Acc acc; acc.v = 0; acc.l = 0; acc.idx = 0; acc.any = 0;
        for (int p = threadIdx.x; p < parts; p += blockDim.x) acc = combine(op, integral, acc, partials[out * parts + p]);
        sh[threadIdx.x] = acc;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) sh[threadIdx.x] = combine(op, integral, sh[threadIdx.x], sh[threadIdx.x + s]);
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            int off[2]; locate<2>(outG, out, off);
            Acc a = sh[0];
            if (!a.any) { a.v = op == 1 ? 1.0 : 0.0; a.l = op == 1 ? 1 : 0; }
            if (op >= 4) dst[off[0]] = (D) a.idx;
            else if (integral) dst[off[0]] = fromL<D>(a.l);
            else dst[off[0]] = fromD<D>(a.v);
        }
        __syncthreads();
    }
}

#define REDUCE2(NAME, S, D, INTEGRAL) \
extern "C" __global__ void NAME##_partial(Geo o, Geo r, int op, const S* s, Acc* p, int parts) { reducePartialK(o, r, op, INTEGRAL, s, p, parts); } \
extern "C" __global__ void NAME##_finish(Geo o, int op, const Acc* p, int parts, D* d) { reduceFinishK(o, op, INTEGRAL, p, parts, d); }
REDUCE2(reduce_f32, float, float, 0) REDUCE2(reduce_f64, double, double, 0) REDUCE2(reduce_i64, i64, i64, 1)
REDUCE2(reduce_u8_i64, u8, i64, 1) REDUCE2(reduce_u8, u8, u8, 1)
REDUCE2(argreduce_f32, float, i64, 0) REDUCE2(argreduce_f64, double, i64, 0) REDUCE2(argreduce_i64, i64, i64, 1)
REDUCE2(argreduce_u8, u8, i64, 1)

// Many outputs, each a short sum (a weight gradient summed over samples): one thread per output, in double, so
// neighbouring threads read neighbouring elements where the kept dimensions are the inner ones.
template <typename T>
__device__ void sumPerThreadK(Geo outG, Geo redG, const T* src, T* dst) {
    GRID_STRIDE(out, outG.numel) {
        int off[2]; locate<2>(outG, out, off);
        double acc = 0;
        for (int r = 0; r < redG.numel; r++) {
            int roff[1]; locate<1>(redG, r, roff);
            acc += (double) src[off[1] + roff[0]];
        }
        dst[off[0]] = (T) acc;
    }
}
extern "C" __global__ void sum_per_thread_f32(Geo o, Geo r, const float* s, float* d) { sumPerThreadK(o, r, s, d); }
extern "C" __global__ void sum_per_thread_f64(Geo o, Geo r, const double* s, double* d) { sumPerThreadK(o, r, s, d); }
extern "C" __global__ void reduce_f32(Geo o, Geo r, int op, const float* s, float* d) { reduceK(o, r, op, 0, s, d); }
extern "C" __global__ void reduce_f64(Geo o, Geo r, int op, const double* s, double* d) { reduceK(o, r, op, 0, s, d); }
extern "C" __global__ void reduce_i64(Geo o, Geo r, int op, const i64* s, i64* d) { reduceK(o, r, op, 1, s, d); }
extern "C" __global__ void reduce_u8_i64(Geo o, Geo r, int op, const u8* s, i64* d) { reduceK(o, r, op, 1, s, d); }
extern "C" __global__ void reduce_u8(Geo o, Geo r, int op, const u8* s, u8* d) { reduceK(o, r, op, 1, s, d); }
extern "C" __global__ void argreduce_f32(Geo o, Geo r, int op, const float* s, i64* d) { reduceK(o, r, op, 0, s, d); }
extern "C" __global__ void argreduce_f64(Geo o, Geo r, int op, const double* s, i64* d) { reduceK(o, r, op, 0, s, d); }
extern "C" __global__ void argreduce_i64(Geo o, Geo r, int op, const i64* s, i64* d) { reduceK(o, r, op, 1, s, d); }
extern "C" __global__ void argreduce_u8(Geo o, Geo r, int op, const u8* s, i64* d) { reduceK(o, r, op, 1, s, d); }

// ------------------------------------------------------------------ random (Philox 4x32-10, as dev.ember.backend.Philox)

#include "philox.cuh"

template <typename T>
__device__ void randomK(const Geo& g, int kind, unsigned long long seed, unsigned long long offset, double a, double b, T* d, int isFloat) {
    GRID_STRIDE(i, g.numel) {
        unsigned int w[4];
        philox(seed, offset + (unsigned long long) i, w);
        int off[1]; locate<1>(g, i, off);
        double v;
        if (kind == 0) {
            if (isFloat) {
                float u = (float) (w[0] >> 8) * 5.9604644775390625e-8f;
                v = a + (b - a) * (double) u;
                if ((float) v >= (float) b) v = nextafterf((float) b, -INFINITY);
            } else {
                unsigned long long bits = (((unsigned long long) w[0]) << 21) ^ (((unsigned long long) w[1]) >> 11);
                v = a + (b - a) * ((double) bits * 1.1102230246251565e-16);
            }
        } else if (kind == 1) {
            double u1 = ((double) w[0] + 1.0) * 2.3283064365386963e-10;
            double u2 = (double) w[1] * 2.3283064365386963e-10;
            v = a + b * (sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
        } else if (kind == 2) {
            unsigned long long range = (unsigned long long) ((i64) b - (i64) a);
            unsigned long long r = (((unsigned long long) w[0]) << 32) | w[1];
            d[off[0]] = fromL<T>((i64) a + (i64) (r % range));
            continue;
        } else {
            unsigned long long bits = (((unsigned long long) w[0]) << 21) ^ (((unsigned long long) w[1]) >> 11);
            v = ((double) bits * 1.1102230246251565e-16) < a ? 1.0 : 0.0;
        }
        d[off[0]] = fromD<T>(v);
    }
}
extern "C" __global__ void random_f32(Geo g, int kind, unsigned long long seed, unsigned long long offset, double a, double b, float* d) { randomK(g, kind, seed, offset, a, b, d, 1); }
extern "C" __global__ void random_f64(Geo g, int kind, unsigned long long seed, unsigned long long offset, double a, double b, double* d) { randomK(g, kind, seed, offset, a, b, d, 0); }
extern "C" __global__ void random_i64(Geo g, int kind, unsigned long long seed, unsigned long long offset, double a, double b, i64* d) { randomK(g, kind, seed, offset, a, b, d, 0); }
extern "C" __global__ void random_u8(Geo g, int kind, unsigned long long seed, unsigned long long offset, double a, double b, u8* d) { randomK(g, kind, seed, offset, a, b, d, 0); }

// ------------------------------------------------------------------ GEMM (used where cuBLAS does not load)
// C[b] = A[b] @ B[b] for any strides; 64x64 tiles, 16x16 threads, 4x4 outputs per thread.

struct Mat { int rows, cols; int sb, sr, sc; int off; };

template <typename T>
__device__ void gemmK(int batch, Mat A, Mat B, Mat C, const T* a, const T* b, T* c) {
    const int TS = 64, TK = 16;
    __shared__ T As[TK][TS + 1];
    __shared__ T Bs[TK][TS + 1];
    int bz = blockIdx.z;
    int row0 = blockIdx.y * TS, col0 = blockIdx.x * TS;
    int tx = threadIdx.x, ty = threadIdx.y;
    int tid = ty * 16 + tx;
    const T* pa = a + A.off + (i64) bz * A.sb;
    const T* pb = b + B.off + (i64) bz * B.sb;
    T acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0;
    int K = A.cols;
    for (int k0 = 0; k0 < K; k0 += TK) {
        // consecutive threads walk the operand's unit-stride dimension, so global loads coalesce whichever
        // way the operand is laid out (transposed weights and im2col columns included)
        bool aColMajor = A.sr == 1 && A.sc != 1;
        bool bColMajor = B.sr == 1 && B.sc != 1;
        for (int e = tid; e < TS * TK; e += 256) {
            int r = aColMajor ? e % TS : e / TK;
            int kk = aColMajor ? e / TS : e % TK;
            int gr = row0 + r, gk = k0 + kk;
            As[kk][r] = (gr < A.rows && gk < K) ? pa[gr * A.sr + gk * A.sc] : (T) 0;
            int kb = bColMajor ? e % TK : e / TS;
            int cc = bColMajor ? e / TK : e % TS;
            int gkb = k0 + kb, gc = col0 + cc;
            Bs[kb][cc] = (gkb < K && gc < B.cols) ? pb[gkb * B.sr + gc * B.sc] : (T) 0;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TK; kk++) {
            T av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) av[i] = As[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
        }
        __syncthreads();
    }
    T* pc = c + C.off + (i64) bz * C.sb;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int r = row0 + ty + 16 * i;
        if (r >= C.rows) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int cc = col0 + tx + 16 * j;
            if (cc < C.cols) pc[r * C.sr + cc * C.sc] = acc[i][j];
        }
    }
}
extern "C" __global__ void gemm_f32(int batch, Mat A, Mat B, Mat C, const float* a, const float* b, float* c) { gemmK(batch, A, B, C, a, b, c); }
extern "C" __global__ void gemm_f64(int batch, Mat A, Mat B, Mat C, const double* a, const double* b, double* c) { gemmK(batch, A, B, C, a, b, c); }

// Split-K for the float32 GEMMs: grid z runs over batch x splits; block z multiplies sample z / splits over depths
// [part * kPer, part * kPer + kPer) and writes C's matrix z (the caller sums the splits). splits = 1, kPer = K: plain.
#define SPLIT_K_BASES \
    const int sample = blockIdx.z / splits, part = blockIdx.z - sample * splits; \
    const int kBase = part * kPer; \
    const float* pa = a + A.off + (i64) sample * A.sb + (i64) kBase * A.sc; \
    const float* pb = b + B.off + (i64) sample * B.sb + (i64) kBase * B.sr; \
    const int K = min(A.cols - kBase, kPer);

// The float32 GEMMs' main loop, the same text in both kernels (a macro rather than a device function: passing the
// shared arrays to one cost the 16-byte kernel 3% at 4096^3 on an H100): acc[8][8] starts at zero; the next k-tile's
// global loads (load) go to registers while this one is multiplied from shared stage s, and store writes them to the
// other stage: one barrier per k-tile. A thread's 8x8 outputs are two 4x4 quadrants (rows ty * 4 and BM / 2 + ty * 4,
// columns tx * 4 and BN / 2 + tx * 4), so its shared-memory reads are 16 bytes wide.
#define SGEMM_MAIN_LOOP \
    float acc[8][8]; \
    _Pragma("unroll") \
    for (int i = 0; i < 8; i++) \
        _Pragma("unroll") \
        for (int j = 0; j < 8; j++) acc[i][j] = 0.f; \
    load(0); \
    store(0); \
    __syncthreads(); \
    const int tiles = (K + BK - 1) / BK; \
    for (int t = 0; t < tiles; t++) { \
        const int s = t & 1; \
        if (t + 1 < tiles) load((t + 1) * BK); \
        _Pragma("unroll") \
        for (int kk = 0; kk < BK; kk++) { \
            float4 a0 = *reinterpret_cast<const float4*>(&As[s][kk][ty * 4]); \
            float4 a1 = *reinterpret_cast<const float4*>(&As[s][kk][BM / 2 + ty * 4]); \
            float4 b0 = *reinterpret_cast<const float4*>(&Bs[s][kk][tx * 4]); \
            float4 b1 = *reinterpret_cast<const float4*>(&Bs[s][kk][BN / 2 + tx * 4]); \
            float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w}; \
            float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w}; \
            _Pragma("unroll") \
            for (int i = 0; i < 8; i++) \
                _Pragma("unroll") \
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]); \
        } \
        if (t + 1 < tiles) store(s ^ 1); \
        __syncthreads(); \
    }

// Float32 GEMM with BMxBN tiles of C per block, 8x8 outputs per thread (two 4x4 quadrants, so shared-memory reads
// are 16 bytes wide and a warp's reads broadcast), BK = 8, two shared-memory stages with the next tile's global loads
// held in registers while the current tile is multiplied: one barrier per k-tile. Global loads walk each operand's
// unit-stride dimension (any strides work; unit strides coalesce). Instantiated for 128x128, 64x128, 128x64, 64x64;
// CudaBackend picks the tile by the number of blocks the problem fills.
template <int BM, int BN>
__device__ __forceinline__ void sgemmTile(int splits, int kPer, const Mat& A, const Mat& B, const Mat& C, const float* a,
                                          const float* b, float* c) {
    constexpr int BK = 8;
    constexpr int NT = (BM / 8) * (BN / 8);
    constexpr int LA = BM * BK / NT;
    constexpr int LB = BN * BK / NT;
    __shared__ __align__(16) float As[2][BK][BM];
    __shared__ __align__(16) float Bs[2][BK][BN];
    const int tid = threadIdx.x;
    const int tx = tid % (BN / 8), ty = tid / (BN / 8);
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    SPLIT_K_BASES
    const bool aColMajor = A.sr == 1 && A.sc != 1;
    const bool bColMajor = B.sr == 1 && B.sc != 1;
    // the tile element that this thread's i-th load of A (row r, depth kk) and of B (depth kb, column cc) carries
    auto aAt = [&](int i, int& r, int& kk) {
        int e = tid + i * NT;
        r = aColMajor ? e % BM : e / BK;
        kk = aColMajor ? e / BM : e % BK;
    };
    auto bAt = [&](int i, int& kb, int& cc) {
        int e = tid + i * NT;
        kb = bColMajor ? e % BK : e / BN;
        cc = bColMajor ? e / BK : e % BN;
    };
    float ra[LA], rb[LB];
    auto load = [&](int k0) {
#pragma unroll
        for (int i = 0; i < LA; i++) {
            int r, kk;
            aAt(i, r, kk);
            int gr = row0 + r, gk = k0 + kk;
            ra[i] = (gr < A.rows && gk < K) ? pa[gr * A.sr + gk * A.sc] : 0.f;
        }
#pragma unroll
        for (int i = 0; i < LB; i++) {
            int kb, cc;
            bAt(i, kb, cc);
            int gk = k0 + kb, gc = col0 + cc;
            rb[i] = (gk < K && gc < B.cols) ? pb[gk * B.sr + gc * B.sc] : 0.f;
        }
    };
    auto store = [&](int s) {
#pragma unroll
        for (int i = 0; i < LA; i++) {
            int r, kk;
            aAt(i, r, kk);
            As[s][kk][r] = ra[i];
        }
#pragma unroll
        for (int i = 0; i < LB; i++) {
            int kb, cc;
            bAt(i, kb, cc);
            Bs[s][kb][cc] = rb[i];
        }
    };
    SGEMM_MAIN_LOOP
    float* pc = c + C.off + (i64) blockIdx.z * C.sb;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        int r = row0 + (i < 4 ? ty * 4 + i : BM / 2 + ty * 4 + i - 4);
        if (r >= C.rows) continue;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            int cc = col0 + (j < 4 ? tx * 4 + j : BN / 2 + tx * 4 + j - 4);
            if (cc < C.cols) pc[r * C.sr + cc * C.sc] = acc[i][j];
        }
    }
}
#define SGEMM(BM, BN, MINB) \
extern "C" __global__ void __launch_bounds__((BM / 8) * (BN / 8), MINB) sgemm_##BM##x##BN(int splits, int kPer, Mat A, \
        Mat B, Mat C, const float* a, const float* b, float* c) { sgemmTile<BM, BN>(splits, kPer, A, B, C, a, b, c); }
SGEMM(128, 128, 1) SGEMM(64, 128, 2) SGEMM(128, 64, 2) SGEMM(64, 64, 4)

// Float32 GEMM for operands that allow 16-byte loads: each operand unit-stride along one dimension (AK: A along k,
// i.e. row-major, else along m; BK_: B along k, i.e. column-major, else along n), that dimension's size, the other
// stride, the batch stride, the offset and (split-K) kPer multiples of 4 (CudaBackend checks; the storages' base pointers are
// 256-byte aligned). Same 8x8 outputs per thread as sgemmTile, but BK = 16 (half the barriers per FMA), float4 global
// loads (a quarter of the load instructions), rows of shared memory padded by 4 floats (transposed stores hit at most
// two banks at once), float4 stores of C where C allows them, and at most 128 registers (two blocks per SM).
template <int BM, int BN, bool AK, bool BKC>
__device__ __forceinline__ void sgemmVecTile(int splits, int kPer, const Mat& A, const Mat& B, const Mat& C,
                                             const float* __restrict__ a, const float* __restrict__ b,
                                             float* __restrict__ c) {
    constexpr int BK = 16;
    constexpr int NT = (BM / 8) * (BN / 8);
    constexpr int QA = BM * BK / 4 / NT;
    constexpr int QB = BN * BK / 4 / NT;
    static_assert(QA * NT * 4 == BM * BK && QB * NT * 4 == BN * BK, "tile and thread count must match");
    __shared__ __align__(16) float As[2][BK][BM + 4];
    __shared__ __align__(16) float Bs[2][BK][BN + 4];
    const int tid = threadIdx.x;
    const int tx = tid % (BN / 8), ty = tid / (BN / 8);
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    SPLIT_K_BASES
    const int M = A.rows, N = B.cols;
    const int lda = AK ? A.sr : A.sc;
    const int ldb = BKC ? B.sc : B.sr;
    const float4 zero = make_float4(0.f, 0.f, 0.f, 0.f);
    float4 ra[QA], rb[QB];
    auto load = [&](int k0) {
#pragma unroll
        for (int i = 0; i < QA; i++) {
            int e = tid + i * NT;
            if (AK) {
                int gr = row0 + e / (BK / 4), gk = k0 + e % (BK / 4) * 4;
                ra[i] = (gr < M && gk < K) ? *reinterpret_cast<const float4*>(pa + gr * lda + gk) : zero;
            } else {
                int gk = k0 + e / (BM / 4), gr = row0 + e % (BM / 4) * 4;
                ra[i] = (gk < K && gr < M) ? *reinterpret_cast<const float4*>(pa + gk * lda + gr) : zero;
            }
        }
#pragma unroll
        for (int i = 0; i < QB; i++) {
            int e = tid + i * NT;
            if (BKC) {
                int gc = col0 + e / (BK / 4), gk = k0 + e % (BK / 4) * 4;
                rb[i] = (gc < N && gk < K) ? *reinterpret_cast<const float4*>(pb + gc * ldb + gk) : zero;
            } else {
                int gk = k0 + e / (BN / 4), gc = col0 + e % (BN / 4) * 4;
                rb[i] = (gk < K && gc < N) ? *reinterpret_cast<const float4*>(pb + gk * ldb + gc) : zero;
            }
        }
    };
    auto store = [&](int s) {
#pragma unroll
        for (int i = 0; i < QA; i++) {
            int e = tid + i * NT;
            if (AK) {
                int r = e / (BK / 4), kq = e % (BK / 4) * 4;
                As[s][kq][r] = ra[i].x;
                As[s][kq + 1][r] = ra[i].y;
                As[s][kq + 2][r] = ra[i].z;
                As[s][kq + 3][r] = ra[i].w;
            } else {
                *reinterpret_cast<float4*>(&As[s][e / (BM / 4)][e % (BM / 4) * 4]) = ra[i];
            }
        }
#pragma unroll
        for (int i = 0; i < QB; i++) {
            int e = tid + i * NT;
            if (BKC) {
                int cc = e / (BK / 4), kq = e % (BK / 4) * 4;
                Bs[s][kq][cc] = rb[i].x;
                Bs[s][kq + 1][cc] = rb[i].y;
                Bs[s][kq + 2][cc] = rb[i].z;
                Bs[s][kq + 3][cc] = rb[i].w;
            } else {
                *reinterpret_cast<float4*>(&Bs[s][e / (BN / 4)][e % (BN / 4) * 4]) = rb[i];
            }
        }
    };
    SGEMM_MAIN_LOOP
    float* pc = c + C.off + (i64) blockIdx.z * C.sb;
    const bool vecC = C.sc == 1 && (C.sr & 3) == 0 && (C.off & 3) == 0 && (C.sb & 3) == 0 && (N & 3) == 0;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        int r = row0 + (i < 4 ? ty * 4 + i : BM / 2 + ty * 4 + i - 4);
        if (r >= M) continue;
#pragma unroll
        for (int h = 0; h < 2; h++) {
            int cc = col0 + h * (BN / 2) + tx * 4;
            if (vecC) {
                if (cc < N) {
                    *reinterpret_cast<float4*>(pc + r * C.sr + cc) =
                        make_float4(acc[i][h * 4], acc[i][h * 4 + 1], acc[i][h * 4 + 2], acc[i][h * 4 + 3]);
                }
            } else {
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    if (cc + j < N) pc[r * C.sr + (cc + j) * C.sc] = acc[i][h * 4 + j];
                }
            }
        }
    }
}
// entry points sgemmv_BMxBN_XY: X = k if A is unit-stride along k (row-major), m if along m; Y = k if B is unit-stride
// along k (column-major), n if along n
#define SGEMMV(BM, BN, MINB, X, Y, AK, BKC) \
extern "C" __global__ void __launch_bounds__((BM / 8) * (BN / 8), MINB) sgemmv_##BM##x##BN##_##X##Y(int splits, \
        int kPer, Mat A, Mat B, Mat C, const float* a, const float* b, float* c) { \
    sgemmVecTile<BM, BN, AK, BKC>(splits, kPer, A, B, C, a, b, c); }
#define SGEMMV4(BM, BN, MINB) SGEMMV(BM, BN, MINB, k, n, true, false) SGEMMV(BM, BN, MINB, m, n, false, false) \
    SGEMMV(BM, BN, MINB, k, k, true, true) SGEMMV(BM, BN, MINB, m, k, false, true)
SGEMMV4(128, 128, 2) SGEMMV4(64, 128, 3) SGEMMV4(128, 64, 3) SGEMMV4(64, 64, 4)

// ------------------------------------------------------------------ convolution: im2col / col2im
// x: [N, C, H, W] contiguous at offset xOff; col: [N, G, CKK, OHW] for samples n0..n0+nb-1 (col holds nb samples).
struct ConvGeo { int n0, nb, C, H, W, G, Cg, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw; };

// one thread per (sample, channel, output pixel) writes that pixel's KH*KW column entries: reads and writes coalesce
// along the output row, and the index arithmetic is done once per KH*KW entries, in 32 bits (a workspace holds fewer
// than 2^31 elements; sample offsets are 64-bit)
// FK > 0: the kernel is FK x FK, known at compile time, so the window loops unroll and a thread's loads are all in
// flight at once (3x3 and 5x5 take this path); FK = 0: any size, read from g.
template <typename T, int FK>
__device__ void im2colK(ConvGeo g, const T* x, T* col) {
    const int KH = FK ? FK : g.KH, KW = FK ? FK : g.KW;
    int ohw = g.OH * g.OW;
    int khw = KH * KW;
    int total = g.nb * g.C * ohw;
    GRID_STRIDE(i, total) {
        int p = i % ohw;
        int nc = i / ohw;
        int c = nc % g.C;
        int n = nc / g.C;
        int gi = c / g.Cg, cl = c % g.Cg;
        int oy = p / g.OW, ox = p - oy * g.OW;
        const T* px = x + ((long long) (n + g.n0) * g.C + c) * g.H * g.W;
        T* pc = col + (((long long) n * g.G + gi) * g.Cg + cl) * khw * ohw + p;
        int iy0 = oy * g.sh - g.ph, ix0 = ox * g.sw - g.pw;
#pragma unroll
        for (int ki = 0; ki < KH; ki++) {
            int iy = iy0 + ki * g.dh;
            bool rowIn = iy >= 0 && iy < g.H;
#pragma unroll
            for (int kj = 0; kj < KW; kj++) {
                int ix = ix0 + kj * g.dw;
                pc[(ki * KW + kj) * ohw] = (rowIn && ix >= 0 && ix < g.W) ? px[iy * g.W + ix] : (T) 0;
            }
        }
    }
}
template <typename T>
__device__ void im2colAny(const ConvGeo& g, const T* x, T* col) {
    if (g.KH == 3 && g.KW == 3) {
        im2colK<T, 3>(g, x, col);
    } else if (g.KH == 5 && g.KW == 5) {
        im2colK<T, 5>(g, x, col);
    } else {
        im2colK<T, 0>(g, x, col);
    }
}
extern "C" __global__ void im2col_f32(ConvGeo g, const float* x, float* col) { im2colAny(g, x, col); }
extern "C" __global__ void im2col_f64(ConvGeo g, const double* x, double* col) { im2colAny(g, x, col); }

// each input element gathers the column entries that read it (no atomics)
template <typename T, int FK>
__device__ void col2imK(ConvGeo g, const T* col, T* x) {
    const int KH = FK ? FK : g.KH, KW = FK ? FK : g.KW;
    int ckk = g.Cg * KH * KW;
    int ohw = g.OH * g.OW;
    int total = g.nb * g.C * g.H * g.W;
    GRID_STRIDE(i, total) {
        int ix = i % g.W;
        int r = i / g.W;
        int iy = r % g.H;
        r /= g.H;
        int c = r % g.C;
        int nl = r / g.C;
        int gi = c / g.Cg;
        int cl = c % g.Cg;
        T acc = 0;
        const T* pc = col + ((long long) nl * g.G + gi) * ckk * ohw;
        if (g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1) {
            // unit stride and dilation (the common 3x3 and 5x5 layers): no divisions in the window loop
#pragma unroll
            for (int ki = 0; ki < KH; ki++) {
                int oy = iy + g.ph - ki;
                if (oy < 0 || oy >= g.OH) continue;
#pragma unroll
                for (int kj = 0; kj < KW; kj++) {
                    int ox = ix + g.pw - kj;
                    if (ox < 0 || ox >= g.OW) continue;
                    acc += pc[((cl * KH + ki) * KW + kj) * ohw + oy * g.OW + ox];
                }
            }
        } else {
            for (int ki = 0; ki < g.KH; ki++) {
                int ty = iy + g.ph - ki * g.dh;
                if (ty < 0 || ty % g.sh != 0) continue;
                int oy = ty / g.sh;
                if (oy >= g.OH) continue;
                for (int kj = 0; kj < g.KW; kj++) {
                    int tx = ix + g.pw - kj * g.dw;
                    if (tx < 0 || tx % g.sw != 0) continue;
                    int ox = tx / g.sw;
                    if (ox >= g.OW) continue;
                    acc += pc[((cl * g.KH + ki) * g.KW + kj) * ohw + oy * g.OW + ox];
                }
            }
        }
        x[(long long) (nl + g.n0) * g.C * g.H * g.W + ((long long) c * g.H + iy) * g.W + ix] = acc;
    }
}
template <typename T>
__device__ void col2imAny(const ConvGeo& g, const T* col, T* x) {
    if (g.KH == 3 && g.KW == 3) {
        col2imK<T, 3>(g, col, x);
    } else if (g.KH == 5 && g.KW == 5) {
        col2imK<T, 5>(g, col, x);
    } else {
        col2imK<T, 0>(g, col, x);
    }
}
extern "C" __global__ void col2im_f32(ConvGeo g, const float* col, float* x) { col2imAny(g, col, x); }
extern "C" __global__ void col2im_f64(ConvGeo g, const double* col, double* x) { col2imAny(g, col, x); }

// ------------------------------------------------------------------ pooling over contiguous [N, C, H, W]
struct PoolGeo { int planes, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad; };

template <typename T> __device__ __forceinline__ bool isNan(T v) { return v != v; }

// one thread per output; 32-bit index arithmetic (a CUDA tensor holds fewer than 2^31 elements). idx may be null
// (values only, as F.max_pool2d without return_indices).
template <typename T>
__device__ void maxPoolK(PoolGeo g, const T* x, T* y, i64* idx) {
    int total = g.planes * g.OH * g.OW;
    GRID_STRIDE(i, total) {
        int ox = i % g.OW;
        int r = i / g.OW;
        int oy = r % g.OH;
        int plane = r / g.OH;
        const T* px = x + (long long) plane * g.H * g.W;
        int y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
        T best = 0;
        int at = -1;
        for (int ki = 0; ki < g.kh; ki++) {
            int iy = y0 + ki * g.dh;
            if (iy < 0 || iy >= g.H) continue;
            for (int kj = 0; kj < g.kw; kj++) {
                int ix = x0 + kj * g.dw;
                if (ix < 0 || ix >= g.W) continue;
                T v = px[iy * g.W + ix];
                // the window's last NaN wins (PyTorch's (val > maxval) || isnan(val)); the first maximum wins ties
                if (at < 0 || v > best || isNan(v)) { best = v; at = iy * g.W + ix; }
            }
        }
        y[i] = best;
        if (idx != nullptr) idx[i] = at;
    }
}
extern "C" __global__ void maxpool_f32(PoolGeo g, const float* x, float* y, i64* idx) { maxPoolK(g, x, y, idx); }
extern "C" __global__ void maxpool_f64(PoolGeo g, const double* x, double* y, i64* idx) { maxPoolK(g, x, y, idx); }

// one thread per input element: it sums the gradients of the windows whose maximum it is, in the row-major order of
// the outputs (the CPU's order), so the result is deterministic with no atomics and needs no zeroed gx
template <typename T>
__device__ void maxPoolBackK(PoolGeo g, const T* gy, const i64* idx, T* gx) {
    int total = g.planes * g.H * g.W;
    GRID_STRIDE(i, total) {
        int ix = i % g.W;
        int r = i / g.W;
        int iy = r % g.H;
        int plane = r / g.H;
        // the windows that can reach (iy, ix): oy * sh - ph <= iy <= oy * sh - ph + (kh - 1) * dh
        int ly = iy + g.ph - (g.kh - 1) * g.dh, lx = ix + g.pw - (g.kw - 1) * g.dw;
        int oy0 = ly <= 0 ? 0 : (ly + g.sh - 1) / g.sh, ox0 = lx <= 0 ? 0 : (lx + g.sw - 1) / g.sw;
        int oy1 = min(g.OH - 1, (iy + g.ph) / g.sh), ox1 = min(g.OW - 1, (ix + g.pw) / g.sw);
        const T* pg = gy + (long long) plane * g.OH * g.OW;
        const i64* pi = idx + (long long) plane * g.OH * g.OW;
        int at = iy * g.W + ix;
        T acc = 0;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++)
                if (pi[oy * g.OW + ox] == at) acc += pg[oy * g.OW + ox];
        gx[(long long) plane * g.H * g.W + at] = acc;
    }
}
extern "C" __global__ void maxpool_back_f32(PoolGeo g, const float* gy, const i64* idx, float* gx) { maxPoolBackK(g, gy, idx, gx); }
extern "C" __global__ void maxpool_back_f64(PoolGeo g, const double* gy, const i64* idx, double* gx) { maxPoolBackK(g, gy, idx, gx); }

__device__ __forceinline__ int poolDivisor(const PoolGeo& g, int oy, int ox) {
    int hs = oy * g.sh - g.ph, ws = ox * g.sw - g.pw;
    int he = min(hs + g.kh, g.H + g.ph), we = min(ws + g.kw, g.W + g.pw);
    int size = (he - hs) * (we - ws);
    if (g.countIncludePad) return size;
    hs = max(hs, 0); ws = max(ws, 0); he = min(he, g.H); we = min(we, g.W);
    return (he - hs) * (we - ws);
}

template <typename T>
__device__ void avgPoolK(PoolGeo g, const T* x, T* y) {
    long long total = (long long) g.planes * g.OH * g.OW;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < total; i += (long long) blockDim.x * gridDim.x) {
        int ox = (int) (i % g.OW);
        int oy = (int) ((i / g.OW) % g.OH);
        long long plane = i / ((long long) g.OW * g.OH);
        const T* px = x + plane * g.H * g.W;
        int hs = oy * g.sh - g.ph, ws = ox * g.sw - g.pw;
        double sum = 0;
        for (int iy = max(hs, 0); iy < min(hs + g.kh, g.H); iy++)
            for (int ix = max(ws, 0); ix < min(ws + g.kw, g.W); ix++) sum += (double) px[iy * g.W + ix];
        y[i] = (T) (sum / poolDivisor(g, oy, ox));
    }
}
extern "C" __global__ void avgpool_f32(PoolGeo g, const float* x, float* y) { avgPoolK(g, x, y); }
extern "C" __global__ void avgpool_f64(PoolGeo g, const double* x, double* y) { avgPoolK(g, x, y); }

// one thread per input element: it sums its windows' shares in the row-major order of the outputs, each share
// gy / divisor in double added to the running sum and rounded to T, as the CPU's kernel does (bitwise the same
// result, deterministic, no atomics, no zeroed gx)
template <typename T>
__device__ void avgPoolBackK(PoolGeo g, const T* gy, T* gx) {
    int total = g.planes * g.H * g.W;
    GRID_STRIDE(i, total) {
        int ix = i % g.W;
        int r = i / g.W;
        int iy = r % g.H;
        int plane = r / g.H;
        // the windows that read (iy, ix): oy * sh - ph <= iy < oy * sh - ph + kh
        int ly = iy + g.ph - g.kh + 1, lx = ix + g.pw - g.kw + 1;
        int oy0 = ly <= 0 ? 0 : (ly + g.sh - 1) / g.sh, ox0 = lx <= 0 ? 0 : (lx + g.sw - 1) / g.sw;
        int oy1 = min(g.OH - 1, (iy + g.ph) / g.sh), ox1 = min(g.OW - 1, (ix + g.pw) / g.sw);
        const T* pg = gy + (long long) plane * g.OH * g.OW;
        T acc = 0;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++)
                acc = (T) ((double) acc + (double) pg[oy * g.OW + ox] / poolDivisor(g, oy, ox));
        gx[(long long) plane * g.H * g.W + iy * g.W + ix] = acc;
    }
}
extern "C" __global__ void avgpool_back_f32(PoolGeo g, const float* gy, float* gx) { avgPoolBackK(g, gy, gx); }
extern "C" __global__ void avgpool_back_f64(PoolGeo g, const double* gy, double* gx) { avgPoolBackK(g, gy, gx); }
#include "nn.cu"
#include "index_kernels.cu"
#include "resample_kernels.cu"
#include "optim_kernels.cu"
#include "sort_kernels.cu"
#include "tc_kernels.cu"
#include "gaps_kernels.cu"
#include "attn_tc_kernels.cu"
#include "half_kernels.cu"
#include "linalg_kernels.cu"
