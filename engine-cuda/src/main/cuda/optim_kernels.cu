// ------------------------------------------------------------------ fused optimizer updates (issue 15)
// Backend.optimizerUpdate: one launch per parameter, a grid-stride loop over its elements (64-bit counts) that does
// the optimizer's whole update of an element in registers: read p, g and the state once, write p and the state once.
// Included at the end of ember_kernels.cu (it uses i64); launched by CudaOptimKernels.java. The CPU backend's
// OptimizerKernels is the reference, and this file repeats it operation for operation:
//   - the scalars come computed by the optimizer in double (bias corrections and step sizes, pow included), in the
//     slots OptimizerKind names; a float32 update rounds each to float where the CPU does ((float) x), a float64
//     update takes them as they are;
//   - every operation is rounded as the CPU rounds it, written with the _rn intrinsics so that nvcc cannot contract a
//     multiply and an add into an FMA where the CPU rounds twice (nvcc contracts a * b + c by default), and an FMA
//     (__fmaf_rn / __fma_rn) exactly where the CPU's chain has one (add_ with alpha, lerp_, addcmul_: PyTorch 2.x's
//     x86 kernels, see OptimizerKind);
//   - sqrt is the correctly rounded __fsqrt_rn / __dsqrt_rn, division the IEEE __fdiv_rn / __ddiv_rn; there is no
//     pow, exp or log on the device, whose results could differ from Java's;
//   - maximum as the CPU's (NaN if either operand is NaN, the first operand on ties, so -0 against 0 keeps -0).
// So the result has the CPU's bits (NaN payloads aside). Kinds are OptimizerKind's ordinals; state pointers the
// kind does not use are null. The hyper struct is passed by value (16 doubles; CudaOptimKernels sends their bits as
// 32 ints, low word first).

#define OPT_SGD 0
#define OPT_ADAM 1
#define OPT_ADAMAX 2
#define OPT_ADAGRAD 3
#define OPT_RMSPROP 4
#define OPT_NADAM 5
#define OPT_RADAM 6

struct OptimHyper {
    double h[16];
};

// Rounded arithmetic of the tensors' type: one IEEE operation each, never contracted.
template <typename T> struct OptArith;
template <> struct OptArith<float> {
    static __device__ __forceinline__ float of(double v) { return (float) v; }
    static __device__ __forceinline__ float mul(float a, float b) { return __fmul_rn(a, b); }
    static __device__ __forceinline__ float add(float a, float b) { return __fadd_rn(a, b); }
    static __device__ __forceinline__ float sub(float a, float b) { return __fsub_rn(a, b); }
    static __device__ __forceinline__ float div(float a, float b) { return __fdiv_rn(a, b); }
    static __device__ __forceinline__ float fma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
    static __device__ __forceinline__ float sqrt(float a) { return __fsqrt_rn(a); }
    static __device__ __forceinline__ float abs(float a) { return fabsf(a); }
};
template <> struct OptArith<double> {
    static __device__ __forceinline__ double of(double v) { return v; }
    static __device__ __forceinline__ double mul(double a, double b) { return __dmul_rn(a, b); }
    static __device__ __forceinline__ double add(double a, double b) { return __dadd_rn(a, b); }
    static __device__ __forceinline__ double sub(double a, double b) { return __dsub_rn(a, b); }
    static __device__ __forceinline__ double div(double a, double b) { return __ddiv_rn(a, b); }
    static __device__ __forceinline__ double fma(double a, double b, double c) { return __fma_rn(a, b, c); }
    static __device__ __forceinline__ double sqrt(double a) { return __dsqrt_rn(a); }
    static __device__ __forceinline__ double abs(double a) { return fabs(a); }
};

// The CPU's maximum: a NaN operand wins (the first if both are), ties give the first operand.
template <typename T> __device__ __forceinline__ T optMaximum(T x, T y) {
    if (x != x) return x;
    if (y != y) return y;
    return x == y ? x : (x > y ? x : y);
}

// PyTorch's lerp_(end, w) of one element, k = optLerpCoeff(w): fma(w, end - self, self) for |w| < 0.5, else
// fma(w - 1, end - self, end).
template <typename T> __device__ __forceinline__ T optLerpCoeff(T w) {
    return (w < T(0.5) && w > T(-0.5)) ? w : OptArith<T>::sub(w, T(1));
}
template <typename T> __device__ __forceinline__ T optLerp(T self, T end, T w, T k) {
    typedef OptArith<T> A;
    T d = A::sub(end, self);
    return (w < T(0.5) && w > T(-0.5)) ? A::fma(k, d, self) : A::fma(k, d, end);
}

#define OPT_LOOP(i, n) for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64) blockDim.x * gridDim.x)

template <typename T>
__device__ void optSgd(const double* h, i64 n, T* p, const T* g, T* buf) {
    typedef OptArith<T> A;
    const T nlr = A::of(-h[0]);
    const bool decay = h[1] != 0;
    const T wd = A::of(h[1]);
    const bool momentum = h[2] != 0;
    const T m = A::of(h[2]);
    const T damp = A::of(h[3]);
    const bool nesterov = h[4] != 0;
    const bool first = h[5] != 0;
    OPT_LOOP(i, n) {
        T pi = p[i];
        T gi = g[i];
        if (decay) gi = A::fma(wd, pi, gi);
        if (momentum) {
            T b = first ? gi : A::fma(damp, gi, A::mul(buf[i], m));
            buf[i] = b;
            gi = nesterov ? A::fma(m, b, gi) : b;
        }
        p[i] = A::fma(nlr, gi, pi);
    }
}

template <typename T>
__device__ void optAdam(const double* h, i64 n, T* p, const T* g, T* ea, T* es, T* mx) {
    typedef OptArith<T> A;
    const bool decay = h[0] != 0;
    const bool decoupled = h[1] != 0;
    const T wd = A::of(h[0]);
    const T factor = A::of(h[2]);
    const T c1 = A::of(h[4]);
    const T k1 = optLerpCoeff(c1);
    const T b2 = A::of(h[5]);
    const T c2 = A::of(h[6]);
    const bool amsgrad = h[7] != 0;
    const T bc2 = A::of(h[8]);
    const T eps = A::of(h[9]);
    const T nstep = A::of(-h[10]);
    OPT_LOOP(i, n) {
        T pi = p[i];
        T gi = g[i];
        if (decay) {
            if (decoupled) pi = A::mul(pi, factor);
            else gi = A::fma(wd, pi, gi);
        }
        T m = optLerp(ea[i], gi, c1, k1);
        T v = A::fma(A::mul(c2, gi), gi, A::mul(es[i], b2));
        ea[i] = m;
        es[i] = v;
        if (amsgrad) {
            v = optMaximum(mx[i], v);
            mx[i] = v;
        }
        T denom = A::add(A::div(A::sqrt(v), bc2), eps);
        p[i] = A::add(pi, A::div(A::mul(nstep, m), denom));
    }
}

template <typename T>
__device__ void optAdamax(const double* h, i64 n, T* p, const T* g, T* ea, T* ei) {
    typedef OptArith<T> A;
    const bool decay = h[0] != 0;
    const T wd = A::of(h[0]);
    const T c1 = A::of(h[2]);
    const T k1 = optLerpCoeff(c1);
    const T b2 = A::of(h[3]);
    const T eps = A::of(h[4]);
    const T nstep = A::of(-h[5]);
    OPT_LOOP(i, n) {
        T pi = p[i];
        T gi = g[i];
        if (decay) gi = A::fma(wd, pi, gi);
        T m = optLerp(ea[i], gi, c1, k1);
        T u = optMaximum(A::mul(ei[i], b2), A::add(A::abs(gi), eps));
        ea[i] = m;
        ei[i] = u;
        p[i] = A::add(pi, A::div(A::mul(nstep, m), u));
    }
}

template <typename T>
__device__ void optAdagrad(const double* h, i64 n, T* p, const T* g, T* s) {
    typedef OptArith<T> A;
    const bool decay = h[0] != 0;
    const T wd = A::of(h[0]);
    const T eps = A::of(h[1]);
    const T nstep = A::of(-h[2]);
    OPT_LOOP(i, n) {
        T pi = p[i];
        T gi = g[i];
        if (decay) gi = A::fma(wd, pi, gi);
        T sum = A::fma(gi, gi, s[i]);
        s[i] = sum;
        T sd = A::add(A::sqrt(sum), eps);
        p[i] = A::add(pi, A::div(A::mul(nstep, gi), sd));
    }
}

// buf (momentum) and ga (centered) are null when not kept
template <typename T>
__device__ void optRmsprop(const double* h, i64 n, T* p, const T* g, T* sa, T* buf, T* ga) {
    typedef OptArith<T> A;
    const bool decay = h[0] != 0;
    const T wd = A::of(h[0]);
    const T alpha = A::of(h[1]);
    const T c = A::of(h[2]);
    const T k = optLerpCoeff(c);
    const T eps = A::of(h[3]);
    const T nlr = A::of(-h[4]);
    const T mom = A::of(h[5]);
    OPT_LOOP(i, n) {
        T pi = p[i];
        T gi = g[i];
        if (decay) gi = A::fma(wd, pi, gi);
        T v = A::fma(A::mul(c, gi), gi, A::mul(sa[i], alpha));
        sa[i] = v;
        T avg;
        if (ga != nullptr) {
            T gav = optLerp(ga[i], gi, c, k);
            ga[i] = gav;
            avg = A::sqrt(A::fma(-gav, gav, v));
        } else {
            avg = A::sqrt(v);
        }
        avg = A::add(avg, eps);
        if (buf != nullptr) {
            T b = A::add(A::mul(buf[i], mom), A::div(gi, avg));
            buf[i] = b;
            p[i] = A::fma(nlr, b, pi);
        } else {
            p[i] = A::add(pi, A::div(A::mul(nlr, gi), avg));
        }
    }
}

template <typename T>
__device__ void optNadam(const double* h, i64 n, T* p, const T* g, T* ea, T* es) {
    typedef OptArith<T> A;
    const bool decay = h[0] != 0;
    const bool decoupled = h[1] != 0;
    const T wd = A::of(h[0]);
    const T factor = A::of(h[2]);
    const T c1 = A::of(h[4]);
    const T k1 = optLerpCoeff(c1);
    const T b2 = A::of(h[5]);
    const T c2 = A::of(h[6]);
    const T bc2 = A::of(h[7]);
    const T eps = A::of(h[8]);
    const T ngs = A::of(-h[9]);
    const T nas = A::of(-h[10]);
    OPT_LOOP(i, n) {
        T pi = p[i];
        T gi = g[i];
        if (decay) {
            if (decoupled) pi = A::mul(pi, factor);
            else gi = A::fma(wd, pi, gi);
        }
        T m = optLerp(ea[i], gi, c1, k1);
        T v = A::fma(A::mul(c2, gi), gi, A::mul(es[i], b2));
        ea[i] = m;
        es[i] = v;
        T denom = A::add(A::sqrt(A::div(v, bc2)), eps);
        pi = A::add(pi, A::div(A::mul(ngs, gi), denom));
        p[i] = A::add(pi, A::div(A::mul(nas, m), denom));
    }
}

template <typename T>
__device__ void optRadam(const double* h, i64 n, T* p, const T* g, T* ea, T* es) {
    typedef OptArith<T> A;
    const bool decay = h[0] != 0;
    const bool decoupled = h[1] != 0;
    const T wd = A::of(h[0]);
    const T factor = A::of(h[2]);
    const T c1 = A::of(h[4]);
    const T k1 = optLerpCoeff(c1);
    const T b2 = A::of(h[5]);
    const T c2 = A::of(h[6]);
    const T bc1 = A::of(h[7]);
    const T lr = A::of(h[8]);
    const bool rectified = h[9] != 0;
    const T bc2 = A::of(h[10]);
    const T eps = A::of(h[11]);
    const T rect = A::of(h[12]);
    OPT_LOOP(i, n) {
        T pi = p[i];
        T gi = g[i];
        if (decay) {
            if (decoupled) pi = A::mul(pi, factor);
            else gi = A::fma(wd, pi, gi);
        }
        T m = optLerp(ea[i], gi, c1, k1);
        T v = A::fma(A::mul(c2, gi), gi, A::mul(es[i], b2));
        ea[i] = m;
        es[i] = v;
        T corrected = A::div(m, bc1);
        if (rectified) {
            T adaptive = A::mul(A::div(T(1), A::add(A::sqrt(v), eps)), bc2);
            p[i] = A::sub(pi, A::mul(A::mul(A::mul(corrected, lr), adaptive), rect));
        } else {
            p[i] = A::sub(pi, A::mul(corrected, lr));
        }
    }
}

template <typename T>
__device__ void optimUpdateK(int kind, const OptimHyper& hp, i64 n, T* p, const T* g, T* s0, T* s1, T* s2) {
    const double* h = hp.h;
    switch (kind) {
        case OPT_SGD: optSgd<T>(h, n, p, g, s0); break;
        case OPT_ADAM: optAdam<T>(h, n, p, g, s0, s1, s2); break;
        case OPT_ADAMAX: optAdamax<T>(h, n, p, g, s0, s1); break;
        case OPT_ADAGRAD: optAdagrad<T>(h, n, p, g, s0); break;
        case OPT_RMSPROP: {
            // the state in OptimizerKind's order: square_avg, momentum_buffer (momentum above 0), grad_avg (centered)
            bool momentum = h[5] > 0;
            bool centered = h[6] != 0;
            optRmsprop<T>(h, n, p, g, s0, momentum ? s1 : nullptr, centered ? (momentum ? s2 : s1) : nullptr);
            break;
        }
        case OPT_NADAM: optNadam<T>(h, n, p, g, s0, s1); break;
        case OPT_RADAM: optRadam<T>(h, n, p, g, s0, s1); break;
        default: break;
    }
}

extern "C" __global__ void optim_update_f32(int kind, OptimHyper hp, i64 n, float* p, const float* g, float* s0,
                                            float* s1, float* s2) {
    optimUpdateK<float>(kind, hp, n, p, g, s0, s1, s2);
}
extern "C" __global__ void optim_update_f64(int kind, OptimHyper hp, i64 n, double* p, const double* g, double* s0,
                                            double* s1, double* s2) {
    optimUpdateK<double>(kind, hp, n, p, g, s0, s1, s2);
}
