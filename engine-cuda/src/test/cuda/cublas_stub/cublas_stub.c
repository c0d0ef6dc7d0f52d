/*
 * A stand-in for libcublas.so.13, for CublasJavacppStubTest: the calls Ember's JavaCPP binding (CublasJavacpp) makes,
 * each appending its arguments to the file named by $CUBLAS_STUB_LOG, so that a host without CUDA checks what the
 * binding passes to cuBLAS. Built with a version script naming libcublas.so.13, as the real library's symbols are.
 * cublasGemmStridedBatchedEx answers CUBLAS_STATUS_NOT_SUPPORTED (15) when n == 13 and CUBLAS_STATUS_EXECUTION_FAILED
 * (13) when n == 14 (n: cuBLAS's second size, Ember's row count m), success otherwise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logf_(const char *fmt, ...) {
    const char *path = getenv("CUBLAS_STUB_LOG");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

int cublasCreate_v2(void **handle) {
    *handle = (void *) 0x4242;
    logf_("create\n");
    return 0;
}

int cublasSetStream_v2(void *handle, void *stream) {
    logf_("setStream handle=%p stream=%p\n", handle, stream);
    return 0;
}

int cublasGetVersion_v2(void *handle, int *version) {
    *version = 130102;
    return 0;
}

const char *cublasGetStatusString(int status) {
    return status == 13 ? "CUBLAS_STATUS_EXECUTION_FAILED" : "CUBLAS_STATUS_UNKNOWN";
}

int cublasDestroy_v2(void *handle) {
    logf_("destroy\n");
    return 0;
}

int cublasGemmStridedBatchedEx(void *handle, int transa, int transb, int m, int n, int k, const void *alpha,
                               const void *a, int atype, int lda, long long stridea, const void *b, int btype, int ldb,
                               long long strideb, const void *beta, void *c, int ctype, int ldc, long long stridec,
                               int batch, int compute, int algo) {
    double al = compute == 70 ? *(const double *) alpha : *(const float *) alpha;
    double be = compute == 70 ? *(const double *) beta : *(const float *) beta;
    logf_("gemm ta=%d tb=%d m=%d n=%d k=%d alpha=%g A=%#llx at=%d lda=%d sA=%lld B=%#llx bt=%d ldb=%d sB=%lld beta=%g "
          "C=%#llx ct=%d ldc=%d sC=%lld batch=%d compute=%d algo=%d\n", transa, transb, m, n, k, al,
          (unsigned long long) a, atype, lda, stridea, (unsigned long long) b, btype, ldb, strideb, be,
          (unsigned long long) c, ctype, ldc, stridec, batch, compute, algo);
    return n == 13 ? 15 : n == 14 ? 13 : 0;
}
