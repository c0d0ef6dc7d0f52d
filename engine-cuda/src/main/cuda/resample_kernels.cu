// ------------------------------------------------------------------ resampling (issue 15): Backend's "resampling (NNOps)"
// Included at the end of ember_kernels.cu (it uses i64 from there); launched by CudaResampleKernels.java. The CPU
// backend's ResampleKernels is the reference for every result, bit for bit:
//   adaptive_avg_{f32,f64}       out[n, c, i, j] = the mean of rows [floor(i H / OH), ceil((i + 1) H / OH)) and columns
//                                [floor(j W / OW), ceil((j + 1) W / OW)), summed row by row in the tensor's type, then
//                                divided by the window's height and then its width (PyTorch's AdaptivePooling.h)
//   adaptive_avg_back_{f32,f64}  one thread per input element sums the shares (gradOut / kh / kw) of the windows that
//                                cover it, in the row-major order of the outputs (the CPU's order): no atomics, every
//                                element of gradInput written
//   adaptive_max_{f32,f64}       the maximum of each window and its flat index h * W + w within the plane: the window's
//                                first index to start, a greater value or any NaN replaces (so a NaN wins, the last one
//                                of a window; otherwise the first maximum)
//   bilinear_{f32,f64}           PyTorch's upsample_bilinear2d: each output interpolates the four input elements around
//                                its source position (area_pixel_compute_source_index, with or without align_corners,
//                                scales used when given)
//   bilinear_back_{f32,f64}      one thread per input element sums the weighted gradients of the outputs that read it,
//                                in the CPU's order (outputs row-major, each output's four taps in order): no atomics
// Float32 computes in float and float64 in double, as the CPU (PyTorch's opmath type for these). Products, sums and
// differences go through the _rn intrinsics, which nvcc never contracts into fused multiply-adds, so each one rounds
// as the CPU's Java arithmetic; bilinear's fused multiply-adds (the source index, the interpolation sums and the
// backward's accumulation, where PyTorch's compiled CPU kernel has them and the CPU's Math.fma) are __fmaf_rn/__fma_rn
// exactly there. Layouts: [N, C, H, W] of any strides (a broadcast operand has
// stride 0), element offsets in 64 bits.

// The geometry: sizes, then {N, C, H, W strides, offset} of x (input, or gradInput), y (output, or gradOutput) and ix
// (adaptive max's indices; zero elsewhere). CudaResampleKernels.geo packs it.
struct RsGeo { int n, c, h, w, oh, ow, xsn, xsc, xsh, xsw, xoff, ysn, ysc, ysh, ysw, yoff, isn, isc, ish, isw, ioff; };

__device__ __forceinline__ float rsMul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double rsMul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float rsAdd(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double rsAdd(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float rsSub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double rsSub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float rsFma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
__device__ __forceinline__ double rsFma(double a, double b, double c) { return __fma_rn(a, b, c); }
template <typename T> __device__ __forceinline__ bool rsIsNan(T v) { return v != v; }

// PyTorch's start_index(a, b, c) = floor(a c / b) and end_index(a, b, c) = ceil((a + 1) c / b), as the CPU computes them
__device__ __forceinline__ int rsStart(int a, int b, int c) { return (int) ((i64) a * c / b); }
__device__ __forceinline__ int rsEnd(int a, int b, int c) { return (int) (1 + ((i64) (a + 1) * c - 1) / b); }

// The offset of plane (n, c) of x, y or ix
__device__ __forceinline__ i64 rsX(const RsGeo& g, int n, int c) { return g.xoff + (i64) n * g.xsn + (i64) c * g.xsc; }
__device__ __forceinline__ i64 rsY(const RsGeo& g, int n, int c) { return g.yoff + (i64) n * g.ysn + (i64) c * g.ysc; }
__device__ __forceinline__ i64 rsI(const RsGeo& g, int n, int c) { return g.ioff + (i64) n * g.isn + (i64) c * g.isc; }

#define RS_LOOP(t, total) for (i64 t = blockIdx.x * (i64) blockDim.x + threadIdx.x; t < (total); t += (i64) blockDim.x * gridDim.x)

// ------------------------------------------------------------------ adaptive average pooling

// one thread per output element
template <typename T>
__device__ void adaptiveAvgK(const RsGeo& g, const T* x, T* y) {
    i64 total = (i64) g.n * g.c * g.oh * g.ow;
    RS_LOOP(t, total) {
        int j = (int) (t % g.ow);
        i64 r = t / g.ow;
        int i = (int) (r % g.oh);
        r /= g.oh;
        int c = (int) (r % g.c), n = (int) (r / g.c);
        int h0 = rsStart(i, g.oh, g.h), h1 = rsEnd(i, g.oh, g.h);
        int w0 = rsStart(j, g.ow, g.w), w1 = rsEnd(j, g.ow, g.w);
        const T* px = x + rsX(g, n, c);
        T sum = 0;
        for (int a = h0; a < h1; a++) {
            const T* row = px + (i64) a * g.xsh;
            for (int b = w0; b < w1; b++) sum = rsAdd(sum, row[(i64) b * g.xsw]);
        }
        y[rsY(g, n, c) + (i64) i * g.ysh + (i64) j * g.ysw] = sum / (h1 - h0) / (w1 - w0);
    }
}
extern "C" __global__ void adaptive_avg_f32(RsGeo g, const float* x, float* y) { adaptiveAvgK(g, x, y); }
extern "C" __global__ void adaptive_avg_f64(RsGeo g, const double* x, double* y) { adaptiveAvgK(g, x, y); }

// one thread per input element (a, b): the outputs whose windows cover row a are exactly
// [start_index(a, H, OH), end_index(a, H, OH)) (the inverse of the window rule; clamped to OH for an empty output);
// each share gy / kh / kw added in row-major order of the outputs, as the CPU's loop adds them
template <typename T>
__device__ void adaptiveAvgBackK(const RsGeo& g, const T* gy, T* gx) {
    i64 total = (i64) g.n * g.c * g.h * g.w;
    RS_LOOP(t, total) {
        int b = (int) (t % g.w);
        i64 r = t / g.w;
        int a = (int) (r % g.h);
        r /= g.h;
        int c = (int) (r % g.c), n = (int) (r / g.c);
        int i0 = rsStart(a, g.h, g.oh), i1 = min(g.oh, rsEnd(a, g.h, g.oh));
        int j0 = rsStart(b, g.w, g.ow), j1 = min(g.ow, rsEnd(b, g.w, g.ow));
        const T* pg = gy + rsY(g, n, c);
        T acc = 0;
        for (int i = i0; i < i1; i++) {
            int kh = rsEnd(i, g.oh, g.h) - rsStart(i, g.oh, g.h);
            const T* row = pg + (i64) i * g.ysh;
            for (int j = j0; j < j1; j++) {
                int kw = rsEnd(j, g.ow, g.w) - rsStart(j, g.ow, g.w);
                acc = rsAdd(acc, row[(i64) j * g.ysw] / kh / kw);
            }
        }
        gx[rsX(g, n, c) + (i64) a * g.xsh + (i64) b * g.xsw] = acc;
    }
}
extern "C" __global__ void adaptive_avg_back_f32(RsGeo g, const float* gy, float* gx) { adaptiveAvgBackK(g, gy, gx); }
extern "C" __global__ void adaptive_avg_back_f64(RsGeo g, const double* gy, double* gx) { adaptiveAvgBackK(g, gy, gx); }

// ------------------------------------------------------------------ adaptive max pooling

// one thread per output element; PyTorch's loop: -inf and the window's first index to start, then a greater value or
// any NaN replaces
template <typename T>
__device__ void adaptiveMaxK(const RsGeo& g, const T* x, T* y, i64* idx) {
    i64 total = (i64) g.n * g.c * g.oh * g.ow;
    RS_LOOP(t, total) {
        int j = (int) (t % g.ow);
        i64 r = t / g.ow;
        int i = (int) (r % g.oh);
        r /= g.oh;
        int c = (int) (r % g.c), n = (int) (r / g.c);
        int h0 = rsStart(i, g.oh, g.h), h1 = rsEnd(i, g.oh, g.h);
        int w0 = rsStart(j, g.ow, g.w), w1 = rsEnd(j, g.ow, g.w);
        const T* px = x + rsX(g, n, c);
        T best = (T) __longlong_as_double(0xfff0000000000000LL);
        i64 at = (i64) h0 * g.w + w0;
        for (int a = h0; a < h1; a++) {
            const T* row = px + (i64) a * g.xsh;
            for (int b = w0; b < w1; b++) {
                T v = row[(i64) b * g.xsw];
                if (v > best || rsIsNan(v)) {
                    best = v;
                    at = (i64) a * g.w + b;
                }
            }
        }
        y[rsY(g, n, c) + (i64) i * g.ysh + (i64) j * g.ysw] = best;
        idx[rsI(g, n, c) + (i64) i * g.ish + (i64) j * g.isw] = at;
    }
}
extern "C" __global__ void adaptive_max_f32(RsGeo g, const float* x, float* y, i64* idx) { adaptiveMaxK(g, x, y, idx); }
extern "C" __global__ void adaptive_max_f64(RsGeo g, const double* x, double* y, i64* idx) { adaptiveMaxK(g, x, y, idx); }

// ------------------------------------------------------------------ bilinear upsampling

// PyTorch's area_pixel_compute_scale in T: (in - 1) / (out - 1) with align_corners (0 for one output), else 1 / scale
// for a positive scale given, else in / out
template <typename T>
__device__ __forceinline__ T rsRatio(int in, int out, int alignCorners, double scale) {
    if (alignCorners) return out <= 1 ? (T) 0 : (T) (in - 1) / (T) (out - 1);
    if (scale > 0) return (T) (1.0 / scale);
    return (T) in / (T) out;
}

// One output row's (or column's) taps: the first source index i0, the step to the second (0 at the last row), and
// their weights l0 and l1, computed as the CPU's ResampleKernels.Axis (Java's Math.max/min on the weight)
template <typename T> struct RsTap { int i0, step; T l0, l1; };

template <typename T>
__device__ __forceinline__ RsTap<T> rsTap(int k, int in, int out, int alignCorners, T ratio) {
    RsTap<T> p;
    if (in == out) {
        p.i0 = k; p.step = 0; p.l0 = (T) 1; p.l1 = (T) 0;
        return p;
    }
    T src = alignCorners ? rsMul(ratio, (T) k) : rsFma(ratio, rsAdd((T) k, (T) 0.5), (T) -0.5);
    if (!alignCorners && src < 0) src = 0;
    int i = min((int) floor(src), in - 1);
    T lambda = rsSub(src, (T) i);
    if (!rsIsNan(lambda)) lambda = lambda <= (T) 0 ? (T) 0 : lambda >= (T) 1 ? (T) 1 : lambda;
    p.i0 = i; p.step = i < in - 1 ? 1 : 0; p.l0 = rsSub((T) 1, lambda); p.l1 = lambda;
    return p;
}

// one thread per output element
template <typename T>
__device__ void bilinearK(const RsGeo& g, int alignCorners, double scaleH, double scaleW, const T* x, T* y) {
    T rh = rsRatio<T>(g.h, g.oh, alignCorners, scaleH), rw = rsRatio<T>(g.w, g.ow, alignCorners, scaleW);
    i64 total = (i64) g.n * g.c * g.oh * g.ow;
    RS_LOOP(t, total) {
        int j = (int) (t % g.ow);
        i64 r = t / g.ow;
        int i = (int) (r % g.oh);
        r /= g.oh;
        int c = (int) (r % g.c), n = (int) (r / g.c);
        RsTap<T> th = rsTap<T>(i, g.h, g.oh, alignCorners, rh), tw = rsTap<T>(j, g.w, g.ow, alignCorners, rw);
        const T* px = x + rsX(g, n, c);
        i64 r0 = (i64) th.i0 * g.xsh, r1 = r0 + (i64) th.step * g.xsh;
        i64 c0 = (i64) tw.i0 * g.xsw, c1 = c0 + (i64) tw.step * g.xsw;
        T top = rsFma(px[r0 + c0], tw.l0, rsMul(px[r0 + c1], tw.l1));
        T bottom = rsFma(px[r1 + c0], tw.l0, rsMul(px[r1 + c1], tw.l1));
        y[rsY(g, n, c) + (i64) i * g.ysh + (i64) j * g.ysw] = rsFma(top, th.l0, rsMul(bottom, th.l1));
    }
}
extern "C" __global__ void bilinear_f32(RsGeo g, int alignCorners, double scaleH, double scaleW, const float* x, float* y) {
    bilinearK(g, alignCorners, scaleH, scaleW, x, y);
}
extern "C" __global__ void bilinear_f64(RsGeo g, int alignCorners, double scaleH, double scaleW, const double* x, double* y) {
    bilinearK(g, alignCorners, scaleH, scaleW, x, y);
}

// The first output k in [0, out) whose tap's first index exceeds limit (out when none): the taps' first indices never
// decrease with k (each step of their computation is monotonic), so a binary search finds it
template <typename T>
__device__ __forceinline__ int rsFirstAbove(int limit, int in, int out, int alignCorners, T ratio) {
    int lo = 0, hi = out;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (rsTap<T>(mid, in, out, alignCorners, ratio).i0 > limit) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

// one thread per input element (a, b): the outputs that read row a are those whose first source row is a - 1 or a
// (a contiguous range, found by binary search); each output's four taps are visited in the CPU's order (top-left,
// top-right, bottom-left, bottom-right), each adding (weight_h * weight_w) * gradOut where it lands on (a, b), fused as the CPU's Math.fma
template <typename T>
__device__ void bilinearBackK(const RsGeo& g, int alignCorners, double scaleH, double scaleW, const T* gy, T* gx) {
    T rh = rsRatio<T>(g.h, g.oh, alignCorners, scaleH), rw = rsRatio<T>(g.w, g.ow, alignCorners, scaleW);
    i64 total = (i64) g.n * g.c * g.h * g.w;
    RS_LOOP(t, total) {
        int b = (int) (t % g.w);
        i64 r = t / g.w;
        int a = (int) (r % g.h);
        r /= g.h;
        int c = (int) (r % g.c), n = (int) (r / g.c);
        int i0 = rsFirstAbove<T>(a - 2, g.h, g.oh, alignCorners, rh), i1 = rsFirstAbove<T>(a, g.h, g.oh, alignCorners, rh);
        int j0 = rsFirstAbove<T>(b - 2, g.w, g.ow, alignCorners, rw), j1 = rsFirstAbove<T>(b, g.w, g.ow, alignCorners, rw);
        const T* pg = gy + rsY(g, n, c);
        T acc = 0;
        for (int i = i0; i < i1; i++) {
            RsTap<T> th = rsTap<T>(i, g.h, g.oh, alignCorners, rh);
            bool top = th.i0 == a, bottom = th.i0 + th.step == a;
            if (!top && !bottom) continue;
            const T* row = pg + (i64) i * g.ysh;
            for (int j = j0; j < j1; j++) {
                RsTap<T> tw = rsTap<T>(j, g.w, g.ow, alignCorners, rw);
                bool left = tw.i0 == b, right = tw.i0 + tw.step == b;
                if (!left && !right) continue;
                T v = row[(i64) j * g.ysw];
                if (top && left) acc = rsFma(rsMul(th.l0, tw.l0), v, acc);
                if (top && right) acc = rsFma(rsMul(th.l0, tw.l1), v, acc);
                if (bottom && left) acc = rsFma(rsMul(th.l1, tw.l0), v, acc);
                if (bottom && right) acc = rsFma(rsMul(th.l1, tw.l1), v, acc);
            }
        }
        gx[rsX(g, n, c) + (i64) a * g.xsh + (i64) b * g.xsw] = acc;
    }
}
extern "C" __global__ void bilinear_back_f32(RsGeo g, int alignCorners, double scaleH, double scaleW, const float* gy,
                                             float* gx) {
    bilinearBackK(g, alignCorners, scaleH, scaleW, gy, gx);
}
extern "C" __global__ void bilinear_back_f64(RsGeo g, int alignCorners, double scaleH, double scaleW, const double* gy,
                                             double* gx) {
    bilinearBackK(g, alignCorners, scaleH, scaleW, gy, gx);
}
