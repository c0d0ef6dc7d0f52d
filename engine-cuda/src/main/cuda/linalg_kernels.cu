// ------------------------------------------------------------------ linear algebra (issue 14): Backend's "decompositions (LinalgOps)"
// Included at the end of ember_kernels.cu (it uses i64 from there); launched by CudaLinalgKernels.java. The CPU backend's
// LinalgKernels (LAPACK's reference algorithms) is the reference for every result, bit for bit: the same algorithm, the
// same order of operations on each element, float32 in float and float64 in double, every product, difference, quotient
// and square root through the _rn intrinsics (which nvcc never contracts into fused multiply-adds, so each rounds as the
// CPU's Java arithmetic, which never fuses).
//   la_lu_factor_{f32,f64}  getrf: LU with partial pivoting, right-looking, one column at a time. The pivot of column k
//                           is the first row of largest |a| (a NaN counts as the largest, the first NaN wins: idamax's
//                           and the CPU's rule), found by a block reduction whose order cannot change the choice (a total
//                           order: larger first, then the lower row). Whole rows are exchanged; the multipliers are
//                           scaled by the pivot's reciprocal unless |pivot| < the type's smallest normal (then divided,
//                           as getrf2); a zero pivot leaves the column unscaled, sets info to k + 1 (the first one) and
//                           the factorization goes on. The trailing update skips a zero multiplier (as the CPU).
//   la_lu_solve_{f32,f64}   getrs: the row exchanges in order, then L (unit) and U solves
//   la_tri_solve_{f32,f64}  trsm (left side): the upper or lower triangle, unit diagonal or not
//   la_cholesky_{f32,f64}   potrf (lower), left-looking as the CPU: column j's diagonal is a[j][j] minus the squares of
//                           row j's finished entries, in column order; a non-positive one (a NaN goes on) is stored,
//                           info = j + 1 and the factorization stops, the columns after it keeping A's lower triangle;
//                           zeros above the diagonal
// Solves: a lower solve runs by columns of L (step m: row m final, divided by its diagonal, then subtracted from the rows
// below), which is exactly the CPU's row-by-row order for each element (row i's subtractions in increasing m, then its
// division), with rows and right-hand sides across the block; an upper solve needs, for the CPU's order (row i's
// subtractions in increasing m, starting with the last row to be finished), row after row, so it runs each right-hand
// side's column in one thread (parallel across columns only).
// One block per matrix (a grid-stride loop over the batch), the matrix worked on in global memory in the output's
// layout: any strides, 64-bit element offsets; the output must not overlap the input. Shared memory: the pivot search's
// scratch (LA_MAX_THREADS candidates). Correct for any n; large n is slow (one streaming multiprocessor per matrix).

#ifndef LA_MAX_THREADS
#define LA_MAX_THREADS 256
#endif

// A [B, rows, cols] operand (a [B, n] one has s2 0, a [B] one s1 and s2 0): strides and offset, in elements
struct LaMat { int s0, s1, s2, off; };
// The batch, the order n, the columns k of a right-hand side (0 where none) and up to four operands, in the kernel's
// parameter order. CudaLinalgKernels.geo packs it.
struct LaGeo { int batch, n, k; LaMat m[4]; };

__device__ __forceinline__ i64 laAt(const LaMat& m, int b, int i, int j) {
    return (i64) m.off + (i64) b * m.s0 + (i64) i * m.s1 + (i64) j * m.s2;
}

__device__ __forceinline__ float laMul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double laMul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float laSub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double laSub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float laDiv(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double laDiv(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float laSqrt(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double laSqrt(double a) { return __dsqrt_rn(a); }
// the smallest normal number (LAPACK's sfmin for getrf2's choice between a reciprocal and a division)
__device__ __forceinline__ float laTiny(float) { return 1.17549435e-38f; }
__device__ __forceinline__ double laTiny(double) { return 2.2250738585072014e-308; }

// Whether candidate (v1, i1) beats (v2, i2) as a pivot: a NaN first (the lower row among NaNs), then the larger
// magnitude, then the lower row. A total order, so any reduction order picks the CPU's sequential choice.
__device__ __forceinline__ bool laBetter(double v1, int i1, double v2, int i2) {
    bool n1 = v1 != v1, n2 = v2 != v2;
    if (n1 != n2) return n1;
    if (!n1 && v1 != v2) return v1 > v2;
    return i1 < i2;
}

template <typename T>
__device__ void luFactorK(const LaGeo& g, const T* a, T* lu, i64* piv, i64* info) {
    __shared__ double candV[LA_MAX_THREADS];
    __shared__ int candI[LA_MAX_THREADS];
    const LaMat &ma = g.m[0], &ml = g.m[1], &mp = g.m[2], &mi = g.m[3];
    const int n = g.n, t = threadIdx.x, nt = blockDim.x;
    int top = 1;
    while (top < nt) top <<= 1;
    for (int b = blockIdx.x; b < g.batch; b += gridDim.x) {
        for (i64 e = t; e < (i64) n * n; e += nt) {
            int i = (int) (e / n), j = (int) (e % n);
            lu[laAt(ml, b, i, j)] = a[laAt(ma, b, i, j)];
        }
        __syncthreads();
        int bad = 0; // thread 0's
        for (int k = 0; k < n; k++) {
            // the pivot: each thread's best of its rows (in increasing order), then a tree over the threads
            double bv = 0;
            int bi = -1;
            for (int i = k + t; i < n; i += nt) {
                double v = fabs((double) lu[laAt(ml, b, i, k)]);
                if (bi < 0 || laBetter(v, i, bv, bi)) { bv = v; bi = i; }
            }
            candV[t] = bv;
            candI[t] = bi;
            __syncthreads();
            for (int s = top >> 1; s > 0; s >>= 1) {
                if (t < s && t + s < nt) {
                    int oi = candI[t + s];
                    if (oi >= 0 && (candI[t] < 0 || laBetter(candV[t + s], oi, candV[t], candI[t]))) {
                        candV[t] = candV[t + s];
                        candI[t] = oi;
                    }
                }
                __syncthreads();
            }
            const int p = candI[0];
            const T d = lu[laAt(ml, b, p, k)];
            __syncthreads(); // every thread has p and d before the scratch or the rows change
            if (t == 0) {
                piv[laAt(mp, b, k, 0)] = p + 1;
                if (d == 0 && bad == 0) bad = k + 1;
            }
            if (d != 0) {
                if (p != k) {
                    for (int j = t; j < n; j += nt) {
                        i64 x = laAt(ml, b, k, j), y = laAt(ml, b, p, j);
                        T tmp = lu[x];
                        lu[x] = lu[y];
                        lu[y] = tmp;
                    }
                }
                __syncthreads();
                if (fabs((double) d) >= (double) laTiny(d)) {
                    const T inv = laDiv((T) 1, d);
                    for (int i = k + 1 + t; i < n; i += nt) {
                        i64 x = laAt(ml, b, i, k);
                        lu[x] = laMul(lu[x], inv);
                    }
                } else {
                    for (int i = k + 1 + t; i < n; i += nt) {
                        i64 x = laAt(ml, b, i, k);
                        lu[x] = laDiv(lu[x], d);
                    }
                }
            }
            __syncthreads();
            // rank-one update of the trailing block
            const int r = n - k - 1;
            for (i64 e = t; e < (i64) r * r; e += nt) {
                int i = k + 1 + (int) (e / r), j = k + 1 + (int) (e % r);
                T l = lu[laAt(ml, b, i, k)];
                if (l != 0) {
                    i64 x = laAt(ml, b, i, j);
                    lu[x] = laSub(lu[x], laMul(l, lu[laAt(ml, b, k, j)]));
                }
            }
            __syncthreads();
        }
        if (t == 0) info[laAt(mi, b, 0, 0)] = bad;
    }
}

// x = L^-1 x for the lower triangle of a (its diagonal taken as ones when unit), x [n, k] in place: by columns of L
// (each element's subtractions in increasing m, then its division: the CPU's row-by-row order), rows and columns of x
// across the block. Starts and ends with every thread past a barrier.
template <typename T>
__device__ void laLowerSolve(const LaMat& ma, const T* a, const LaMat& mx, T* x, int b, int n, int k, bool unit) {
    const int t = threadIdx.x, nt = blockDim.x;
    for (int m = 0; m < n; m++) {
        if (!unit) {
            const T d = a[laAt(ma, b, m, m)];
            for (int j = t; j < k; j += nt) {
                i64 p = laAt(mx, b, m, j);
                x[p] = laDiv(x[p], d);
            }
            __syncthreads();
        }
        const int r = n - m - 1;
        for (i64 e = t; e < (i64) r * k; e += nt) {
            int i = m + 1 + (int) (e / k), j = (int) (e % k);
            T l = a[laAt(ma, b, i, m)];
            if (l != 0) {
                i64 p = laAt(mx, b, i, j);
                x[p] = laSub(x[p], laMul(l, x[laAt(mx, b, m, j)]));
            }
        }
        __syncthreads();
    }
}

// x = U^-1 x for the upper triangle of a: row after row from the last, each row's subtractions in increasing m (the
// CPU's order), one thread per column of x. Ends with a barrier.
template <typename T>
__device__ void laUpperSolve(const LaMat& ma, const T* a, const LaMat& mx, T* x, int b, int n, int k, bool unit) {
    for (int j = threadIdx.x; j < k; j += blockDim.x) {
        for (int i = n - 1; i >= 0; i--) {
            i64 p = laAt(mx, b, i, j);
            T s = x[p];
            for (int m = i + 1; m < n; m++) {
                T u = a[laAt(ma, b, i, m)];
                if (u != 0) s = laSub(s, laMul(u, x[laAt(mx, b, m, j)]));
            }
            if (!unit) s = laDiv(s, a[laAt(ma, b, i, i)]);
            x[p] = s;
        }
    }
    __syncthreads();
}

template <typename T>
__device__ void luSolveK(const LaGeo& g, const T* lu, const i64* piv, const T* rhs, T* x) {
    const LaMat &ml = g.m[0], &mp = g.m[1], &mb = g.m[2], &mx = g.m[3];
    const int n = g.n, k = g.k;
    for (int b = blockIdx.x; b < g.batch; b += gridDim.x) {
        // each thread owns whole columns: B's column, then the row exchanges in order (a pivot outside 1..n exchanges
        // nothing: getrf's pivots never are)
        for (int j = threadIdx.x; j < k; j += blockDim.x) {
            for (int i = 0; i < n; i++) x[laAt(mx, b, i, j)] = rhs[laAt(mb, b, i, j)];
            for (int i = 0; i < n; i++) {
                i64 r = piv[laAt(mp, b, i, 0)] - 1;
                if (r != i && r >= 0 && r < n) {
                    i64 u = laAt(mx, b, i, j), v = laAt(mx, b, (int) r, j);
                    T tmp = x[u];
                    x[u] = x[v];
                    x[v] = tmp;
                }
            }
        }
        __syncthreads();
        laLowerSolve(ml, lu, mx, x, b, n, k, true);
        laUpperSolve(ml, lu, mx, x, b, n, k, false);
    }
}

template <typename T>
__device__ void triSolveK(const LaGeo& g, int upper, int unit, const T* a, const T* rhs, T* x) {
    const LaMat &ma = g.m[0], &mb = g.m[1], &mx = g.m[2];
    const int n = g.n, k = g.k, t = threadIdx.x, nt = blockDim.x;
    for (int b = blockIdx.x; b < g.batch; b += gridDim.x) {
        for (i64 e = t; e < (i64) n * k; e += nt) {
            int i = (int) (e / k), j = (int) (e % k);
            x[laAt(mx, b, i, j)] = rhs[laAt(mb, b, i, j)];
        }
        __syncthreads();
        if (upper) laUpperSolve(ma, a, mx, x, b, n, k, unit != 0);
        else laLowerSolve(ma, a, mx, x, b, n, k, unit != 0);
    }
}

template <typename T>
__device__ void choleskyK(const LaGeo& g, const T* a, T* l, i64* info) {
    __shared__ int stop;
    const LaMat &ma = g.m[0], &ml = g.m[1], &mi = g.m[2];
    const int n = g.n, t = threadIdx.x, nt = blockDim.x;
    for (int b = blockIdx.x; b < g.batch; b += gridDim.x) {
        // A's lower triangle, zeros above it
        for (i64 e = t; e < (i64) n * n; e += nt) {
            int i = (int) (e / n), j = (int) (e % n);
            l[laAt(ml, b, i, j)] = j <= i ? a[laAt(ma, b, i, j)] : (T) 0;
        }
        if (t == 0) stop = 0;
        __syncthreads();
        for (int j = 0; j < n; j++) {
            if (t == 0) {
                i64 pj = laAt(ml, b, j, j);
                T d = l[pj];
                for (int m = 0; m < j; m++) {
                    T v = l[laAt(ml, b, j, m)];
                    d = laSub(d, laMul(v, v));
                }
                if (d <= 0) { // a NaN goes on, as LAPACK's
                    l[pj] = d;
                    stop = j + 1;
                } else {
                    l[pj] = laSqrt(d);
                }
            }
            __syncthreads();
            if (stop != 0) break;
            const T ljj = l[laAt(ml, b, j, j)];
            for (int i = j + 1 + t; i < n; i += nt) {
                i64 pi = laAt(ml, b, i, j);
                T s = l[pi];
                for (int m = 0; m < j; m++) s = laSub(s, laMul(l[laAt(ml, b, i, m)], l[laAt(ml, b, j, m)]));
                l[pi] = laDiv(s, ljj);
            }
            __syncthreads();
        }
        if (t == 0) info[laAt(mi, b, 0, 0)] = stop;
        __syncthreads(); // every thread has read stop before the next matrix resets it
    }
}

extern "C" __global__ void la_lu_factor_f32(LaGeo g, const float* a, float* lu, i64* piv, i64* info) { luFactorK(g, a, lu, piv, info); }
extern "C" __global__ void la_lu_factor_f64(LaGeo g, const double* a, double* lu, i64* piv, i64* info) { luFactorK(g, a, lu, piv, info); }
extern "C" __global__ void la_lu_solve_f32(LaGeo g, const float* lu, const i64* piv, const float* b, float* x) { luSolveK(g, lu, piv, b, x); }
extern "C" __global__ void la_lu_solve_f64(LaGeo g, const double* lu, const i64* piv, const double* b, double* x) { luSolveK(g, lu, piv, b, x); }
extern "C" __global__ void la_tri_solve_f32(LaGeo g, int upper, int unit, const float* a, const float* b, float* x) { triSolveK(g, upper, unit, a, b, x); }
extern "C" __global__ void la_tri_solve_f64(LaGeo g, int upper, int unit, const double* a, const double* b, double* x) { triSolveK(g, upper, unit, a, b, x); }
extern "C" __global__ void la_cholesky_f32(LaGeo g, const float* a, float* l, i64* info) { choleskyK(g, a, l, info); }
extern "C" __global__ void la_cholesky_f64(LaGeo g, const double* a, double* l, i64* info) { choleskyK(g, a, l, info); }
