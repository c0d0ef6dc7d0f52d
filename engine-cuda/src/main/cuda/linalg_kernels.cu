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
//   la_cholesky_{f32,f64}   potrf (lower), left-looking as the CPU and OpenBLAS's potf2: column j's diagonal is a[j][j]
//                           minus the sum of the squares of row j's finished entries (summed first, in column order);
//                           a non-positive one (a NaN goes on) is stored, info = j + 1 and the factorization stops, the
//                           columns after it keeping A's lower triangle; below the diagonal a[i][j] minus the summed
//                           products, times the rounded reciprocal 1 / l[j][j]; zeros above the diagonal
//   la_qr_{f32,f64}         geqrf then orgqr: Householder reflectors column after column (larfg's beta and tau, the
//                           column's norm scaled by its largest magnitude and summed in double in row order by one
//                           thread; a NaN below the diagonal leaves the column as it is, as the CPU), each applied to the
//                           trailing columns one column per thread (its dot product in row order); R from the work
//                           matrix, Q from the identity by the reflectors in reverse. The one difference from the CPU:
//                           hypot is laHypot below (the CPU's is Java's, fdlibm's algorithm), both within about an ulp
//                           of the exact value, so beta can differ in its last bit (float64; float32 rounds it to float,
//                           which hides it) and Q and R by a few ulps. The work matrix (column-major, m x n) and the
//                           taus live in a workspace.
//   la_eigh_{f32,f64}       syevd's results by the CPU's cyclic Jacobi, in double for both types (as the CPU): the
//                           triangle read mirrored, a non-finite element making every output NaN, the matrix scaled by a
//                           power of two (Java's getExponent), rotations pair after pair in the CPU's order (each pair's
//                           scalars by one thread, the rows and the vectors' rows across the block), sweeps until none
//                           rotates, eigenvalues sorted ascending (stable, one thread). Its hypot is laHypot too, so a
//                           rotation can differ from the CPU's in the last bit: values and vectors within a few ulps of
//                           the CPU's (vectors of equal eigenvalues are not unique).
//   la_svd_{f32,f64}        gesdd's results by the CPU's one-sided (Hestenes) Jacobi, in double for both types (as the
//                           CPU): the work matrix A (A^T when wide, column-major), a NaN giving info -4 and NaN
//                           outputs, an infinity NaN outputs (info 0), scaled by a power of two, pairs of columns
//                           rotated in the CPU's order (each pair's sums in row order and its rotation by one thread, the
//                           rows and the rotations' product across the block), sweeps until none rotates, the column
//                           norms (one thread per column, row order) sorted descending (stable, one thread); the left
//                           vectors are the columns over their norms, completed where values are zero or the full factor
//                           wants more by geqrf then orgqr of them (laHouseQ, the CPU's householder and formQ in
//                           double). hypot is laHypot: within a few ulps of the CPU's, as eigh.
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
__device__ __forceinline__ float laAdd(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double laAdd(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float laSub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double laSub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float laDiv(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double laDiv(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float laSqrt(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double laSqrt(double a) { return __dsqrt_rn(a); }
// the smallest normal number (LAPACK's sfmin for getrf2's choice between a reciprocal and a division)
__device__ __forceinline__ float laTiny(float) { return 1.17549435e-38f; }
__device__ __forceinline__ double laTiny(double) { return 2.2250738585072014e-308; }

// hypot(x, y) as Java's (an infinity gives +inf, then a NaN gives NaN) computed from correctly rounded operations only, so
// that the device and the host emulation agree bit for bit: both scaled exactly by a power of two to the larger's
// binade, sqrt(a a + b b), scaled back. Within about an ulp of the exact value, as Java's (fdlibm's), which it may
// differ from in the last bit.
__device__ __forceinline__ double laHypot(double x, double y) {
    x = fabs(x);
    y = fabs(y);
    if (x == __longlong_as_double(0x7ff0000000000000LL) || y == __longlong_as_double(0x7ff0000000000000LL))
        return __longlong_as_double(0x7ff0000000000000LL);
    if (x != x || y != y) return x + y;
    double big = x > y ? x : y, small = x > y ? y : x;
    if (big == 0) return 0;
    int e;
    frexp(big, &e);
    double a = ldexp(big, -e), b = ldexp(small, -e);
    return ldexp(__dsqrt_rn(__dadd_rn(__dmul_rn(a, a), __dmul_rn(b, b))), e);
}

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
                // a[j][j] minus the row's dot product, summed first (OpenBLAS's potf2, as the CPU)
                T dot = 0;
                for (int m = 0; m < j; m++) {
                    T v = l[laAt(ml, b, j, m)];
                    dot = laAdd(dot, laMul(v, v));
                }
                T d = laSub(l[pj], dot);
                if (d <= 0) { // a NaN goes on, as LAPACK's
                    l[pj] = d;
                    stop = j + 1;
                } else {
                    l[pj] = laSqrt(d);
                }
            }
            __syncthreads();
            if (stop != 0) break;
            // the column below: a[i][j] minus the summed products, times the rounded reciprocal 1 / l[j][j]
            const T inv = laDiv((T) 1, l[laAt(ml, b, j, j)]);
            for (int i = j + 1 + t; i < n; i += nt) {
                i64 pi = laAt(ml, b, i, j);
                T p = 0;
                for (int m = 0; m < j; m++) p = laAdd(p, laMul(l[laAt(ml, b, i, m)], l[laAt(ml, b, j, m)]));
                l[pi] = laMul(laSub(l[pi], p), inv);
            }
            __syncthreads();
        }
        if (t == 0) info[laAt(mi, b, 0, 0)] = stop;
        __syncthreads(); // every thread has read stop before the next matrix resets it
    }
}

// Householder QR of a [B, m, n] (g.n = m, g.k = n; operands a, q [B, m, rows] (null when !wantQ), r [B, rows, n]); ws
// holds, per matrix, the column-major work matrix (m x n) and then the k = min(m, n) taus.
template <typename T>
__device__ void qrK(const LaGeo& g, int rows, int wantQ, const T* a, T* q, T* r, T* ws) {
    __shared__ int skip;
    __shared__ double sBeta, sInv;
    const LaMat &ma = g.m[0], &mq = g.m[1], &mr = g.m[2];
    const int m = g.n, n = g.k, k = m < n ? m : n, t = threadIdx.x, nt = blockDim.x;
    for (int b = blockIdx.x; b < g.batch; b += gridDim.x) {
        T* w = ws + (i64) b * ((i64) m * n + k);
        T* tau = w + (i64) m * n;
        for (i64 e = t; e < (i64) m * n; e += nt) {
            int i = (int) (e % m), j = (int) (e / m);
            w[e] = a[laAt(ma, b, i, j)];
        }
        __syncthreads();
        for (int j = 0; j < k; j++) {
            T* v = w + (i64) j * m; // column j: alpha at j, the reflector's tail below
            if (t == 0) {
                double alpha = (double) v[j], scale = 0, xnorm = 0;
                for (int i = j + 1; i < m; i++) {
                    double x = fabs((double) v[i]);
                    scale = (x != x || scale != scale) ? x + scale : (x > scale ? x : scale); // a NaN stays (Math.max)
                }
                if (scale > 0) {
                    double ss = 0;
                    for (int i = j + 1; i < m; i++) {
                        double x = __ddiv_rn((double) v[i], scale);
                        ss = __dadd_rn(ss, __dmul_rn(x, x));
                    }
                    xnorm = (double) (T) __dmul_rn(scale, __dsqrt_rn(ss));
                }
                if (xnorm == 0) {
                    tau[j] = 0; // H = I: the column is already reduced (larfg)
                    skip = 1;
                } else {
                    T beta = (T) -copysign((double) (T) laHypot(alpha, xnorm), alpha);
                    T al = v[j];
                    tau[j] = laDiv(laSub(beta, al), beta);
                    sBeta = (double) beta;
                    sInv = (double) laDiv((T) 1, laSub(al, beta));
                    skip = 0;
                }
            }
            __syncthreads();
            if (!skip) {
                const T inv = (T) sInv;
                for (int i = j + 1 + t; i < m; i += nt) v[i] = laMul(v[i], inv);
                __syncthreads();
                if (t == 0) v[j] = (T) sBeta;
                const T tj = tau[j];
                // H = I - tau v v^T (v = [1, the tail]) on each trailing column, one thread per column
                for (int c = j + 1 + t; c < n; c += nt) {
                    T* col = w + (i64) c * m;
                    T dot = col[j];
                    for (int i = j + 1; i < m; i++) dot = laAdd(dot, laMul(v[i], col[i]));
                    T f = laMul(tj, dot);
                    col[j] = laSub(col[j], f);
                    for (int i = j + 1; i < m; i++) col[i] = laSub(col[i], laMul(f, v[i]));
                }
            }
            __syncthreads(); // every thread is past skip, sBeta and sInv before thread 0 writes them again
        }
        // R: the work matrix on and above the diagonal (rows below k are zero)
        for (i64 e = t; e < (i64) rows * n; e += nt) {
            int i = (int) (e / n), j = (int) (e % n);
            r[laAt(mr, b, i, j)] = i <= j && i < k ? w[(i64) j * m + i] : (T) 0;
        }
        if (wantQ) {
            // orgqr: the identity's first rows columns, then H_{k-1} ... H_0 applied, one thread per column of Q
            for (int c = t; c < rows; c += nt) {
                for (int i = 0; i < m; i++) q[laAt(mq, b, i, c)] = i == c ? (T) 1 : (T) 0;
                for (int j = k - 1; j >= 0; j--) {
                    const T tj = tau[j];
                    if (tj == 0) continue;
                    const T* v = w + (i64) j * m;
                    T dot = q[laAt(mq, b, j, c)];
                    for (int i = j + 1; i < m; i++) dot = laAdd(dot, laMul(v[i], q[laAt(mq, b, i, c)]));
                    if (dot == 0) continue;
                    T f = laMul(tj, dot);
                    i64 pj = laAt(mq, b, j, c);
                    q[pj] = laSub(q[pj], f);
                    for (int i = j + 1; i < m; i++) {
                        i64 pi = laAt(mq, b, i, c);
                        q[pi] = laSub(q[pi], laMul(f, v[i]));
                    }
                }
            }
        }
        __syncthreads();
    }
}

// Java's Math.getExponent: the unbiased exponent field (-1023 for zero and subnormals)
__device__ __forceinline__ int laExponent(double x) {
    return (int) ((__double_as_longlong(x) >> 52) & 0x7ff) - 1023;
}

// Eigenvalues (ascending, w [B, n]) and, when wantV, eigenvectors (the columns of v [B, n, n]) of the symmetric matrices
// given by a's lower triangle (upper when upper); ws holds per matrix the double work matrix and, when wantV, the
// rotations' product (row-major n x n each), then room for the order (n doubles). g: batch, n; operands a, w ([B, n]),
// v.
template <typename T>
__device__ void eighK(const LaGeo& g, int upper, int wantV, const T* a, T* w, T* v, double* ws) {
    __shared__ int go, rot, bad;
    __shared__ double sc, ss;
    const LaMat &ma = g.m[0], &mw = g.m[1], &mv = g.m[2];
    const int n = g.n, t = threadIdx.x, nt = blockDim.x;
    const double eps = 2.220446049250313e-16, tiny = 2.2250738585072014e-308;
    for (int b = blockIdx.x; b < g.batch; b += gridDim.x) {
        double* m = ws + (i64) b * ((i64) n * n * (wantV ? 2 : 1) + n);
        double* vec = m + (i64) n * n;
        int* ord = (int*) (m + (i64) n * n * (wantV ? 2 : 1)); // n ints in the matrix's last n doubles
        // the triangle read, mirrored
        for (i64 e = t; e < (i64) n * n; e += nt) {
            int i = (int) (e / n), j = (int) (e % n);
            int hi = i > j ? i : j, lo = i > j ? j : i;
            m[e] = (double) (upper ? a[laAt(ma, b, lo, hi)] : a[laAt(ma, b, hi, lo)]);
            if (wantV) vec[e] = i == j ? 1 : 0;
        }
        if (t == 0) bad = 0;
        __syncthreads();
        if (t == 0) {
            double amax = 0;
            for (i64 e = 0; e < (i64) n * n; e++) {
                double x = m[e];
                if (x - x != 0) bad = 1; // NaN or an infinity
                x = fabs(x);
                amax = x > amax ? x : amax;
            }
            // a power of two: exact, and a denormal largest element is scaled up without overflow
            sc = amax > 0 ? ldexp(1.0, -laExponent(amax)) : 1;
        }
        __syncthreads();
        if (bad) {
            for (int i = t; i < n; i += nt) w[laAt(mw, b, i, 0)] = (T) __longlong_as_double(0x7ff8000000000000LL);
            if (wantV)
                for (i64 e = t; e < (i64) n * n; e += nt)
                    v[laAt(mv, b, (int) (e / n), (int) (e % n))] = (T) __longlong_as_double(0x7ff8000000000000LL);
            __syncthreads();
            continue;
        }
        const double up = sc;
        for (i64 e = t; e < (i64) n * n; e += nt) m[e] = __dmul_rn(m[e], up);
        __syncthreads();
        for (int sweep = 0; sweep < 60; sweep++) {
            if (t == 0) rot = 0;
            __syncthreads();
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (t == 0) {
                        double apq = m[(i64) p * n + q], app = m[(i64) p * n + p], aqq = m[(i64) q * n + q];
                        go = !(apq == 0 || fabs(apq) <= __dmul_rn(eps, __dsqrt_rn(__dmul_rn(fabs(app), fabs(aqq))))
                               || fabs(apq) < tiny);
                        if (go) {
                            rot = 1;
                            double theta = __ddiv_rn(__dsub_rn(aqq, app), __dmul_rn(2.0, apq));
                            double tt = __ddiv_rn(copysign(1.0, theta), __dadd_rn(fabs(theta), laHypot(1.0, theta)));
                            double c = __ddiv_rn(1.0, __dsqrt_rn(__dadd_rn(1.0, __dmul_rn(tt, tt))));
                            sc = c;
                            ss = __dmul_rn(tt, c);
                            m[(i64) p * n + p] = __dsub_rn(app, __dmul_rn(tt, apq));
                            m[(i64) q * n + q] = __dadd_rn(aqq, __dmul_rn(tt, apq));
                            m[(i64) p * n + q] = 0;
                            m[(i64) q * n + p] = 0;
                        }
                    }
                    __syncthreads();
                    if (go) {
                        const double c = sc, sn = ss;
                        for (int r = t; r < n; r += nt) {
                            if (r != p && r != q) {
                                double arp = m[(i64) r * n + p], arq = m[(i64) r * n + q];
                                double np = __dsub_rn(__dmul_rn(c, arp), __dmul_rn(sn, arq));
                                double nq = __dadd_rn(__dmul_rn(sn, arp), __dmul_rn(c, arq));
                                m[(i64) r * n + p] = np;
                                m[(i64) p * n + r] = np;
                                m[(i64) r * n + q] = nq;
                                m[(i64) q * n + r] = nq;
                            }
                            if (wantV) {
                                double vp = vec[(i64) r * n + p], vq = vec[(i64) r * n + q];
                                vec[(i64) r * n + p] = __dsub_rn(__dmul_rn(c, vp), __dmul_rn(sn, vq));
                                vec[(i64) r * n + q] = __dadd_rn(__dmul_rn(sn, vp), __dmul_rn(c, vq));
                            }
                        }
                    }
                    __syncthreads();
                }
            }
            const bool again = rot != 0;
            __syncthreads();
            if (!again) break;
        }
        // ascending, ties in diagonal order (a stable insertion sort on one thread, as the CPU's)
        if (t == 0) {
            for (int i = 0; i < n; i++) ord[i] = i;
            for (int i = 1; i < n; i++) {
                int c = ord[i], k = i - 1;
                double dc = m[(i64) c * n + c];
                while (k >= 0 && m[(i64) ord[k] * n + ord[k]] > dc) {
                    ord[k + 1] = ord[k];
                    k--;
                }
                ord[k + 1] = c;
            }
        }
        __syncthreads();
        for (int i = t; i < n; i += nt) w[laAt(mw, b, i, 0)] = (T) __ddiv_rn(m[(i64) ord[i] * n + ord[i]], up);
        if (wantV)
            for (i64 e = t; e < (i64) n * n; e += nt) {
                int i = (int) (e / n), j = (int) (e % n);
                v[laAt(mv, b, i, j)] = (T) vec[(i64) i * n + ord[j]];
            }
        __syncthreads();
    }
}

// geqrf then orgqr on a column-major double m x n matrix h (m >= n) across the block, as the CPU's householder and formQ
// (f32 false): the reflectors' scalars on one thread, larfg's beta through laHypot; qw (m x cols) receives the first
// cols columns of H_0 ... H_{n-1}, one thread per column. Starts and ends with every thread past a barrier.
__device__ void laHouseQ(double* h, int m, int n, double* tau, double* qw, int cols) {
    __shared__ int hSkip;
    __shared__ double hBeta, hInv;
    const int t = threadIdx.x, nt = blockDim.x;
    for (int j = 0; j < n; j++) {
        double* v = h + (i64) j * m;
        if (t == 0) {
            double alpha = v[j], scale = 0, xnorm = 0;
            for (int i = j + 1; i < m; i++) {
                double x = fabs(v[i]);
                scale = (x != x || scale != scale) ? x + scale : (x > scale ? x : scale);
            }
            if (scale > 0) {
                double ss = 0;
                for (int i = j + 1; i < m; i++) {
                    double x = __ddiv_rn(v[i], scale);
                    ss = __dadd_rn(ss, __dmul_rn(x, x));
                }
                xnorm = __dmul_rn(scale, __dsqrt_rn(ss));
            }
            if (xnorm == 0) {
                tau[j] = 0;
                hSkip = 1;
            } else {
                double beta = -copysign(laHypot(alpha, xnorm), alpha);
                tau[j] = __ddiv_rn(__dsub_rn(beta, alpha), beta);
                hBeta = beta;
                hInv = __ddiv_rn(1.0, __dsub_rn(alpha, beta));
                hSkip = 0;
            }
        }
        __syncthreads();
        if (!hSkip) {
            const double inv = hInv;
            for (int i = j + 1 + t; i < m; i += nt) v[i] = __dmul_rn(v[i], inv);
            __syncthreads();
            if (t == 0) v[j] = hBeta;
            const double tj = tau[j];
            for (int c = j + 1 + t; c < n; c += nt) {
                double* col = h + (i64) c * m;
                double dot = col[j];
                for (int i = j + 1; i < m; i++) dot = __dadd_rn(dot, __dmul_rn(v[i], col[i]));
                double f = __dmul_rn(tj, dot);
                col[j] = __dsub_rn(col[j], f);
                for (int i = j + 1; i < m; i++) col[i] = __dsub_rn(col[i], __dmul_rn(f, v[i]));
            }
        }
        __syncthreads();
    }
    for (int c = t; c < cols; c += nt) {
        double* q = qw + (i64) c * m;
        for (int i = 0; i < m; i++) q[i] = i == c ? 1 : 0;
        for (int j = n - 1; j >= 0; j--) {
            const double tj = tau[j];
            if (tj == 0) continue;
            const double* v = h + (i64) j * m;
            double dot = q[j];
            for (int i = j + 1; i < m; i++) dot = __dadd_rn(dot, __dmul_rn(v[i], q[i]));
            if (dot == 0) continue;
            double f = __dmul_rn(tj, dot);
            q[j] = __dsub_rn(q[j], f);
            for (int i = j + 1; i < m; i++) q[i] = __dsub_rn(q[i], __dmul_rn(f, v[i]));
        }
    }
    __syncthreads();
}

// The doubles of svd's workspace per matrix (rows = max(m, n), cols = min(m, n)): the work matrix, the norms, the order,
// and with the vectors the rotations' product, the left vectors, the taus, orgqr's output and geqrf's copy.
__device__ __forceinline__ i64 laSvdWork(int rows, int cols, int lcols, int wantV) {
    return (i64) rows * cols + 2 * (i64) cols
           + (wantV ? (i64) cols * cols + 2 * (i64) rows * lcols + cols + (i64) rows * cols : 0);
}

// Singular values (descending, s [B, k]) and, when wantV, vectors (u [B, m, ucols], vh [B, vrows, n]) of a [B, m, n]
// (g.n = m, g.k = n) by the CPU's one-sided Jacobi in double for both types: the work matrix is A (tall) or A^T (wide),
// column-major rows x cols; lcols the left vectors' columns of the work matrix (u's columns when tall, vh's rows when
// wide); info [B] at infoOff + b infoStride: 0, or -4 for a NaN (every output NaN; an infinity without NaN too, info 0).
template <typename T>
__device__ void svdK(const LaGeo& g, int lcols, int wantV, int infoStride, int infoOff, const T* a, T* u, T* s, T* vh,
                     i64* info, double* ws) {
    __shared__ int bad, go, rot, rank;
    __shared__ double sUp, sC, sS;
    const LaMat &ma = g.m[0], &mu = g.m[1], &ms = g.m[2], &mvh = g.m[3];
    const int m = g.n, n = g.k, t = threadIdx.x, nt = blockDim.x;
    const bool wide = m < n;
    const int rows = wide ? n : m, cols = wide ? m : n;
    const double nanV = __longlong_as_double(0x7ff8000000000000LL);
    const i64 per = laSvdWork(rows, cols, lcols, wantV);
    for (int b = blockIdx.x; b < g.batch; b += gridDim.x) {
        double* w = ws + (i64) b * per;
        double* norms = w + (i64) rows * cols;
        int* ord = (int*) (norms + cols); // cols ints in cols doubles
        double* v = norms + 2 * (i64) cols;
        double* left = v + (i64) cols * cols;
        double* tau = left + (i64) rows * lcols;
        double* qw = tau + cols;
        double* h = qw + (i64) rows * lcols;
        for (i64 e = t; e < (i64) m * n; e += nt) {
            int i = (int) (e / n), j = (int) (e % n);
            w[wide ? (i64) i * rows + j : (i64) j * rows + i] = (double) a[laAt(ma, b, i, j)];
        }
        if (wantV)
            for (i64 e = t; e < (i64) cols * cols; e += nt) v[e] = e / cols == e % cols ? 1 : 0;
        for (int i = t; i < cols; i += nt) ord[i] = i;
        __syncthreads();
        if (t == 0) {
            double amax = 0;
            int nan = 0;
            for (i64 e = 0; e < (i64) rows * cols; e++) {
                double x = w[e];
                if (x != x) nan = 1;
                x = fabs(x);
                amax = (x != x || amax != amax) ? x + amax : (x > amax ? x : amax);
            }
            bad = nan ? 2 : amax == __longlong_as_double(0x7ff0000000000000LL) ? 1 : 0;
            sUp = amax > 0 ? ldexp(1.0, -laExponent(amax)) : 0;
            info[(i64) infoOff + (i64) b * infoStride] = nan ? -4 : 0;
        }
        __syncthreads();
        if (bad) {
            for (int j = t; j < cols; j += nt) s[laAt(ms, b, j, 0)] = (T) nanV;
            if (wantV) {
                const int ur = m, uc = wide ? cols : lcols, vr = wide ? lcols : cols;
                for (i64 e = t; e < (i64) ur * uc; e += nt) u[laAt(mu, b, (int) (e / uc), (int) (e % uc))] = (T) nanV;
                for (i64 e = t; e < (i64) vr * n; e += nt) vh[laAt(mvh, b, (int) (e / n), (int) (e % n))] = (T) nanV;
            }
            __syncthreads();
            continue;
        }
        const double up = sUp;
        if (up > 0) {
            for (i64 e = t; e < (i64) rows * cols; e += nt) w[e] = __dmul_rn(w[e], up);
            __syncthreads();
            const double tol = __dmul_rn(__dsqrt_rn((double) rows), 2.220446049250313e-16);
            for (int sweep = 0; sweep < 60; sweep++) {
                if (t == 0) rot = 0;
                __syncthreads();
                for (int p = 0; p < cols - 1; p++) {
                    double* cp = w + (i64) p * rows;
                    for (int q = p + 1; q < cols; q++) {
                        double* cq = w + (i64) q * rows;
                        if (t == 0) {
                            double alpha = 0, beta = 0, gamma = 0;
                            for (int i = 0; i < rows; i++) {
                                double x = cp[i], y = cq[i];
                                alpha = __dadd_rn(alpha, __dmul_rn(x, x));
                                beta = __dadd_rn(beta, __dmul_rn(y, y));
                                gamma = __dadd_rn(gamma, __dmul_rn(x, y));
                            }
                            go = !(gamma == 0
                                   || fabs(gamma) <= __dmul_rn(__dmul_rn(tol, __dsqrt_rn(alpha)), __dsqrt_rn(beta)));
                            if (go) {
                                rot = 1;
                                double zeta = __ddiv_rn(__dsub_rn(beta, alpha), __dmul_rn(2.0, gamma));
                                double tt = __ddiv_rn(copysign(1.0, zeta), __dadd_rn(fabs(zeta), laHypot(1.0, zeta)));
                                double c = __ddiv_rn(1.0, __dsqrt_rn(__dadd_rn(1.0, __dmul_rn(tt, tt))));
                                sC = c;
                                sS = __dmul_rn(c, tt);
                            }
                        }
                        __syncthreads();
                        if (go) {
                            const double c = sC, sn = sS;
                            for (int i = t; i < rows; i += nt) {
                                double x = cp[i], y = cq[i];
                                cp[i] = __dsub_rn(__dmul_rn(c, x), __dmul_rn(sn, y));
                                cq[i] = __dadd_rn(__dmul_rn(sn, x), __dmul_rn(c, y));
                            }
                            if (wantV) {
                                double *vp = v + (i64) p * cols, *vq = v + (i64) q * cols;
                                for (int i = t; i < cols; i += nt) {
                                    double x = vp[i], y = vq[i];
                                    vp[i] = __dsub_rn(__dmul_rn(c, x), __dmul_rn(sn, y));
                                    vq[i] = __dadd_rn(__dmul_rn(sn, x), __dmul_rn(c, y));
                                }
                            }
                        }
                        __syncthreads();
                    }
                }
                const bool again = rot != 0;
                __syncthreads();
                if (!again) break;
            }
        }
        // the column norms (each in row order, one thread per column), sorted descending (stable, one thread)
        for (int j = t; j < cols; j += nt) {
            const double* cj = w + (i64) j * rows;
            double ss = 0;
            for (int i = 0; i < rows; i++) ss = __dadd_rn(ss, __dmul_rn(cj[i], cj[i]));
            norms[j] = up > 0 ? __dsqrt_rn(ss) : 0;
        }
        __syncthreads();
        if (t == 0) {
            for (int i = 1; i < cols; i++) {
                int c = ord[i], k = i - 1;
                while (k >= 0 && norms[ord[k]] < norms[c]) {
                    ord[k + 1] = ord[k];
                    k--;
                }
                ord[k + 1] = c;
            }
            int r = 0;
            while (r < cols && norms[ord[r]] > 1e-290) r++;
            rank = r;
        }
        __syncthreads();
        for (int j = t; j < cols; j += nt) s[laAt(ms, b, j, 0)] = (T) (up > 0 ? __ddiv_rn(norms[ord[j]], up) : 0);
        if (wantV) {
            const int r = rank;
            // the left vectors: w's columns in order over their norms, completed by Householder QR of them
            for (i64 e = t; e < (i64) rows * lcols; e += nt) {
                int j = (int) (e / rows), i = (int) (e % rows);
                left[e] = j < r ? __ddiv_rn(w[(i64) ord[j] * rows + i], norms[ord[j]]) : 0;
                if (j < r) h[e] = left[e];
            }
            __syncthreads();
            if (r < lcols) {
                laHouseQ(h, rows, r, tau, qw, lcols);
                for (i64 e = (i64) r * rows + t; e < (i64) rows * lcols; e += nt) left[e] = qw[e];
                __syncthreads();
            }
            if (!wide) {
                for (i64 e = t; e < (i64) m * lcols; e += nt) {
                    int i = (int) (e / lcols), j = (int) (e % lcols);
                    u[laAt(mu, b, i, j)] = (T) left[(i64) j * rows + i];
                }
                for (i64 e = t; e < (i64) cols * n; e += nt) {
                    int i = (int) (e / n), j = (int) (e % n);
                    vh[laAt(mvh, b, i, j)] = (T) v[(i64) ord[i] * cols + j];
                }
            } else {
                for (i64 e = t; e < (i64) m * cols; e += nt) {
                    int i = (int) (e / cols), j = (int) (e % cols);
                    u[laAt(mu, b, i, j)] = (T) v[(i64) ord[j] * cols + i];
                }
                for (i64 e = t; e < (i64) lcols * n; e += nt) {
                    int i = (int) (e / n), j = (int) (e % n);
                    vh[laAt(mvh, b, i, j)] = (T) left[(i64) i * rows + j];
                }
            }
        }
        __syncthreads();
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
extern "C" __global__ void la_qr_f32(LaGeo g, int rows, int wantQ, const float* a, float* q, float* r, float* ws) { qrK(g, rows, wantQ, a, q, r, ws); }
extern "C" __global__ void la_qr_f64(LaGeo g, int rows, int wantQ, const double* a, double* q, double* r, double* ws) { qrK(g, rows, wantQ, a, q, r, ws); }
extern "C" __global__ void la_eigh_f32(LaGeo g, int upper, int wantV, const float* a, float* w, float* v, double* ws) { eighK(g, upper, wantV, a, w, v, ws); }
extern "C" __global__ void la_eigh_f64(LaGeo g, int upper, int wantV, const double* a, double* w, double* v, double* ws) { eighK(g, upper, wantV, a, w, v, ws); }
extern "C" __global__ void la_svd_f32(LaGeo g, int lcols, int wantV, int infoStride, int infoOff, const float* a, float* u, float* s, float* vh, i64* info, double* ws) { svdK(g, lcols, wantV, infoStride, infoOff, a, u, s, vh, info, ws); }
extern "C" __global__ void la_svd_f64(LaGeo g, int lcols, int wantV, int infoStride, int infoOff, const double* a, double* u, double* s, double* vh, i64* info, double* ws) { svdK(g, lcols, wantV, infoStride, infoOff, a, u, s, vh, info, ws); }
