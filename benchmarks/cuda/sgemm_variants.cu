// Checks and times Ember's float32 GEMM kernels (engine-cuda/src/main/cuda/ember_kernels.cu, included as is) on the
// shapes the benchmarks use: every tile of the general kernel (sgemm_*) and of the 16-byte-load kernel (sgemmv_*),
// each result against a float64 reference on the GPU (relative Frobenius error; outputs poisoned with NaN first),
// each timing the median of CUDA-event-timed runs after a warm-up (split-K runs time the GEMM alone, not the sum of
// the parts).
//   nvcc -O3 -std=c++17 -arch=sm_90 -o sgemm_variants benchmarks/cuda/sgemm_variants.cu && ./sgemm_variants
#include "../../engine-cuda/src/main/cuda/ember_kernels.cu"
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>
#include <algorithm>
#include <string>

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e), __FILE__, __LINE__); exit(1); } } while (0)

__global__ void refGemm(int batch, Mat A, Mat B, Mat C, const float* a, const float* b, double* c) {
    int col = blockIdx.x * blockDim.x + threadIdx.x, row = blockIdx.y, z = blockIdx.z;
    if (col >= C.cols) return;
    const float* pa = a + A.off + (i64) z * A.sb;
    const float* pb = b + B.off + (i64) z * B.sb;
    double s = 0;
    for (int k = 0; k < A.cols; k++) s += (double) pa[row * A.sr + k * A.sc] * pb[k * B.sr + col * B.sc];
    c[(i64) z * C.rows * C.cols + (i64) row * C.cols + col] = s;
}
__global__ void relErr(int batch, Mat C, const float* c, const double* ref, double* out) {
    // out[0] += sum (c - ref)^2, out[1] += sum ref^2, out[2] += count of non-finite
    int col = blockIdx.x * blockDim.x + threadIdx.x, row = blockIdx.y, z = blockIdx.z;
    if (col >= C.cols) return;
    float v = c[C.off + (i64) z * C.sb + row * C.sr + col * C.sc];
    double r = ref[(i64) z * C.rows * C.cols + (i64) row * C.cols + col];
    if (!isfinite(v)) { atomicAdd(&out[2], 1.0); return; }
    atomicAdd(&out[0], (v - r) * (v - r));
    atomicAdd(&out[1], r * r);
}
__global__ void fillRand(float* p, i64 n, unsigned seed) {
    for (i64 i = blockIdx.x * (i64) blockDim.x + threadIdx.x; i < n; i += (i64) gridDim.x * blockDim.x) {
        unsigned x = (unsigned) i * 2654435761u ^ seed * 0x9E3779B9u;
        x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
        p[i] = (x >> 8) * (1.0f / 16777216.0f) * 2.0f - 1.0f;
    }
}
__global__ void fillNaN(float* p, i64 n) {
    for (i64 i = blockIdx.x * (i64) blockDim.x + threadIdx.x; i < n; i += (i64) gridDim.x * blockDim.x) p[i] = __int_as_float(0x7fc00000);
}

typedef void (*Kern)(int, int, Mat, Mat, Mat, const float*, const float*, float*);

// sums the splits parts of each sample: parts [batch * splits, rows, cols] contiguous -> c [batch, rows, cols]
__global__ void sumParts(int batch, int splits, i64 mat, const float* parts, float* c) {
    for (i64 i = blockIdx.x * (i64) blockDim.x + threadIdx.x; i < batch * mat; i += (i64) gridDim.x * blockDim.x) {
        i64 z = i / mat, e = i - z * mat;
        float s = 0;
        for (int j = 0; j < splits; j++) s += parts[(z * splits + j) * mat + e];
        c[i] = s;
    }
}
struct Variant { const char* name; Kern k; int bm, bn; bool vec; int ak, bkc; };

static bool vecOk(const Mat& A, const Mat& B, int batch, int& ak, int& bkc) {
    auto aligned = [&](const Mat& X, int other) { return (X.off & 3) == 0 && (batch == 1 || (X.sb & 3) == 0) && (other & 3) == 0; };
    if (A.sc == 1 && (A.cols & 3) == 0 && aligned(A, A.sr)) ak = 1; else if (A.sr == 1 && (A.rows & 3) == 0 && aligned(A, A.sc)) ak = 0; else return false;
    if (B.sc == 1 && (B.cols & 3) == 0 && aligned(B, B.sr)) bkc = 0; else if (B.sr == 1 && (B.rows & 3) == 0 && aligned(B, B.sc)) bkc = 1; else return false;
    return true;
}

int main(int argc, char** argv) {
    cudaDeviceProp prop; CK(cudaGetDeviceProperties(&prop, 0));
    printf("%s, %d SMs\n", prop.name, prop.multiProcessorCount);
    std::vector<Variant> vs = {
        {"sgemm_128x128", sgemm_128x128, 128, 128, false, 0, 0}, {"sgemm_64x128", sgemm_64x128, 64, 128, false, 0, 0},
        {"sgemm_128x64", sgemm_128x64, 128, 64, false, 0, 0}, {"sgemm_64x64", sgemm_64x64, 64, 64, false, 0, 0},
#define V4(BM, BN) {"sgemmv_" #BM "x" #BN "_kn", sgemmv_##BM##x##BN##_kn, BM, BN, true, 1, 0}, \
        {"sgemmv_" #BM "x" #BN "_mn", sgemmv_##BM##x##BN##_mn, BM, BN, true, 0, 0}, \
        {"sgemmv_" #BM "x" #BN "_kk", sgemmv_##BM##x##BN##_kk, BM, BN, true, 1, 1}, \
        {"sgemmv_" #BM "x" #BN "_mk", sgemmv_##BM##x##BN##_mk, BM, BN, true, 0, 1}
        V4(128, 128), V4(64, 128), V4(128, 64), V4(64, 64)};
    struct Shape { const char* name; int batch; Mat A, B, C; int splits; };
    // Mat {rows, cols, sb, sr, sc, off}
    std::vector<Shape> shapes = {
        {"4096^3 NN", 1, {4096, 4096, 0, 4096, 1, 0}, {4096, 4096, 0, 4096, 1, 0}, {4096, 4096, 0, 4096, 1, 0}},
        {"2048^3 NN", 1, {2048, 2048, 0, 2048, 1, 0}, {2048, 2048, 0, 2048, 1, 0}, {2048, 2048, 0, 2048, 1, 0}},
        {"1024^3 NN", 1, {1024, 1024, 0, 1024, 1, 0}, {1024, 1024, 0, 1024, 1, 0}, {1024, 1024, 0, 1024, 1, 0}},
        {"4096^3 TN (A^T)", 1, {4096, 4096, 0, 1, 4096, 0}, {4096, 4096, 0, 4096, 1, 0}, {4096, 4096, 0, 4096, 1, 0}},
        {"4096^3 NT (B^T)", 1, {4096, 4096, 0, 4096, 1, 0}, {4096, 4096, 0, 1, 4096, 0}, {4096, 4096, 0, 4096, 1, 0}},
        // the 56x56 convolution's GEMMs (N=32, 64->64, 3x3, pad 1): forward W[64x576] @ col[576x3136]
        {"conv fwd 32x[64x576]@[576x3136]", 32, {64, 576, 0, 576, 1, 0}, {576, 3136, 576 * 3136, 3136, 1, 0}, {64, 3136, 64 * 3136, 3136, 1, 0}},
        // backward to the input: W^T[576x64] @ gy[64x3136]
        {"conv bwd-in 32x[576x64]@[64x3136]", 32, {576, 64, 0, 1, 576, 0}, {64, 3136, 64 * 3136, 3136, 1, 0}, {576, 3136, 576 * 3136, 3136, 1, 0}},
        // backward to the weight, per sample: gy[64x3136] @ col^T[3136x576]
        {"conv bwd-w 32x[64x3136]@[3136x576]", 32, {64, 3136, 64 * 3136, 3136, 1, 0}, {3136, 576, 576 * 3136, 1, 3136, 0}, {64, 576, 64 * 576, 576, 1, 0}},
        // odd sizes, general path only, and a vector path with edges
        {"odd 3x[333x517]@[517x259]", 3, {333, 517, 333 * 517, 517, 1, 0}, {517, 259, 517 * 259, 259, 1, 0}, {333, 259, 333 * 259, 259, 1, 0}},
        {"edges 3x[332x516]@[516x260]", 3, {332, 516, 332 * 516, 516, 1, 4}, {516, 260, 516 * 260, 1, 516, 0}, {332, 260, 332 * 260, 260, 1, 0}},
    };
    int reps = argc > 1 ? atoi(argv[1]) : 20;
    for (auto& sh : shapes) sh.splits = 1;
    // the weight gradient again with its depth (output pixels) split, as CudaBackend.conv2dBackwardWeight does
    for (int sp : {2, 4, 8}) {
        Shape w = shapes[7];
        w.splits = sp;
        shapes.push_back(w);
    }
    cudaEvent_t e0, e1; CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
    for (auto& sh : shapes) {
        int batch = sh.batch;
        auto span = [&](const Mat& X) { return (i64) X.off + (i64) (batch - 1) * X.sb + (i64) (X.rows - 1) * X.sr + (i64) (X.cols - 1) * X.sc + 1; };
        i64 na = span(sh.A), nb = span(sh.B), nc = span(sh.C);
        float *a, *b, *c; double *ref, *err;
        CK(cudaMalloc(&a, na * 4)); CK(cudaMalloc(&b, nb * 4)); CK(cudaMalloc(&c, nc * 4));
        CK(cudaMalloc(&ref, (i64) batch * sh.C.rows * sh.C.cols * 8)); CK(cudaMalloc(&err, 24));
        fillRand<<<1024, 256>>>(a, na, 1 + sh.A.rows); fillRand<<<1024, 256>>>(b, nb, 7 + sh.B.cols);
        refGemm<<<dim3((sh.C.cols + 127) / 128, sh.C.rows, batch), 128>>>(batch, sh.A, sh.B, sh.C, a, b, ref);
        CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
        double flop = 2.0 * batch * sh.A.rows * sh.A.cols * sh.B.cols;
        int ak = -1, bkc = -1;
        bool vec = vecOk(sh.A, sh.B, batch, ak, bkc);
        int splits = sh.splits;
        int kPer = splits == 1 ? sh.A.cols : ((sh.A.cols + splits - 1) / splits + 15) / 16 * 16;
        // with splits, the kernel writes batch * splits contiguous part matrices to `parts`, summed into c to check
        Mat P = {sh.C.rows, sh.C.cols, sh.C.rows * sh.C.cols, sh.C.cols, 1, 0};
        float* parts = nullptr;
        if (splits > 1) CK(cudaMalloc(&parts, (i64) batch * splits * sh.C.rows * sh.C.cols * 4));
        printf("%s%s:\n", sh.name, splits > 1 ? (" split-K " + std::to_string(splits)).c_str() : "");
        for (auto& v : vs) {
            if (v.vec && (!vec || v.ak != ak || v.bkc != bkc)) continue;
            dim3 grid((sh.C.cols + v.bn - 1) / v.bn, (sh.C.rows + v.bm - 1) / v.bm, batch * splits);
            int threads = v.bm * v.bn / 64;
            Mat Cw = splits > 1 ? P : sh.C;
            float* cw = splits > 1 ? parts : c;
            fillNaN<<<1024, 256>>>(c, nc);
            if (splits > 1) fillNaN<<<1024, 256>>>(parts, (i64) batch * splits * sh.C.rows * sh.C.cols);
            CK(cudaMemset(err, 0, 24));
            v.k<<<grid, threads>>>(splits, kPer, sh.A, sh.B, Cw, a, b, cw);
            CK(cudaGetLastError());
            if (splits > 1) sumParts<<<1024, 256>>>(batch, splits, (i64) sh.C.rows * sh.C.cols, parts, c);
            relErr<<<dim3((sh.C.cols + 127) / 128, sh.C.rows, batch), 128>>>(batch, sh.C, c, ref, err);
            double h[3]; CK(cudaMemcpy(h, err, 24, cudaMemcpyDeviceToHost));
            std::vector<float> ms;
            for (int r = 0; r < 3; r++) v.k<<<grid, threads>>>(splits, kPer, sh.A, sh.B, Cw, a, b, cw);
            for (int r = 0; r < reps; r++) {
                CK(cudaEventRecord(e0)); v.k<<<grid, threads>>>(splits, kPer, sh.A, sh.B, Cw, a, b, cw); CK(cudaEventRecord(e1));
                CK(cudaEventSynchronize(e1)); float t; CK(cudaEventElapsedTime(&t, e0, e1)); ms.push_back(t);
            }
            CK(cudaGetLastError());
            std::sort(ms.begin(), ms.end());
            float med = ms[ms.size() / 2];
            printf("  %-20s %8.3f ms %6.1f TFLOP/s  rel err %.2e%s  (min %.3f max %.3f)\n", v.name, med, flop / med / 1e9,
                   std::sqrt(h[0] / h[1]), h[2] > 0 ? "  NON-FINITE OUTPUTS" : "", ms.front(), ms.back());
        }
        CK(cudaFree(a)); CK(cudaFree(b)); CK(cudaFree(c)); CK(cudaFree(ref)); CK(cudaFree(err));
        if (parts) CK(cudaFree(parts));
    }
    return 0;
}
