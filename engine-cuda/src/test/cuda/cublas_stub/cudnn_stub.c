/*
 * Stand-ins for cuDNN 9's libcudnn_graph.so.9, libcudnn_ops.so.9 and libcudnn_cnn.so.9 (built three times, with
 * -DSTUB_GRAPH, -DSTUB_OPS or -DSTUB_CNN and a version script naming the library, as the real symbols are versioned),
 * for CublasJavacppStubTest: every call Ember's cuDNN binding (CudnnJavacpp) makes appends its arguments to the file
 * named by $CUBLAS_STUB_LOG. The algorithm queries answer four candidates: one not supported, one whose workspace is too
 * large (2 GiB), a non-deterministic one (algorithm 2, 4096 bytes of workspace) and a deterministic one (algorithm 1,
 * none), so the choice the binding makes shows in the log.
 */
#include <stdarg.h>
#include <stddef.h>
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

typedef struct {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
} Perf;

#ifdef STUB_GRAPH
int cudnnCreate(void **h) { *h = (void *) 0x6060; logf_("cudnnCreate\n"); return 0; }
int cudnnSetStream(void *h, void *s) { logf_("cudnnSetStream handle=%p stream=%p\n", h, s); return 0; }
size_t cudnnGetVersion(void) { return 91900; }
const char *cudnnGetErrorString(int s) { return s == 3000 ? "CUDNN_STATUS_NOT_SUPPORTED" : "CUDNN_STATUS_STUB"; }
int cudnnDestroy(void *h) { logf_("cudnnDestroy\n"); return 0; }
#endif

#ifdef STUB_OPS
static long next = 0x100;
int cudnnCreateTensorDescriptor(void **d) { *d = (void *) next++; logf_("createTensor %p\n", *d); return 0; }
int cudnnCreateFilterDescriptor(void **d) { *d = (void *) next++; logf_("createFilter %p\n", *d); return 0; }
int cudnnDestroyTensorDescriptor(void *d) { logf_("destroyTensor %p\n", d); return 0; }
int cudnnDestroyFilterDescriptor(void *d) { logf_("destroyFilter %p\n", d); return 0; }
int cudnnSetTensor4dDescriptor(void *d, int format, int type, int n, int c, int h, int w) {
    logf_("setTensor %p format=%d type=%d %dx%dx%dx%d\n", d, format, type, n, c, h, w);
    return 0;
}
int cudnnSetFilter4dDescriptor(void *d, int type, int format, int k, int c, int h, int w) {
    logf_("setFilter %p type=%d format=%d %dx%dx%dx%d\n", d, type, format, k, c, h, w);
    return 0;
}
int cudnnAddTensor(void *h, const void *alpha, void *bd, const void *b, const void *beta, void *yd, void *y) {
    logf_("addTensor alpha=%g bias=%p@%#llx beta=%g y=%p@%#llx\n", *(const float *) alpha, bd,
          (unsigned long long) b, *(const float *) beta, yd, (unsigned long long) y);
    return 0;
}
#endif

#ifdef STUB_CNN
static long next = 0x200;
int cudnnCreateConvolutionDescriptor(void **d) { *d = (void *) next++; logf_("createConv %p\n", *d); return 0; }
int cudnnDestroyConvolutionDescriptor(void *d) { logf_("destroyConv %p\n", d); return 0; }
int cudnnSetConvolution2dDescriptor(void *d, int ph, int pw, int sh, int sw, int dh, int dw, int mode, int type) {
    logf_("setConv %p pad=%d,%d stride=%d,%d dilation=%d,%d mode=%d type=%d\n", d, ph, pw, sh, sw, dh, dw, mode, type);
    return 0;
}
int cudnnSetConvolutionGroupCount(void *d, int g) { logf_("groups %p %d\n", d, g); return 0; }
int cudnnSetConvolutionMathType(void *d, int m) { logf_("math %p %d\n", d, m); return 0; }

static int candidates(const char *what, int requested, int *count, Perf *perf) {
    static const Perf all[4] = {
        {6, 3000, 0, 0, 1, 0, {0, 0, 0}},
        {5, 0, 0, (size_t) 2 << 30, 1, 0, {0, 0, 0}},
        {2, 0, 0, 4096, 0, 0, {0, 0, 0}},
        {1, 0, 0, 0, 1, 0, {0, 0, 0}},
    };
    int n = requested < 4 ? requested : 4;
    for (int i = 0; i < n; i++) {
        perf[i] = all[i];
    }
    *count = n;
    logf_("%s requested=%d\n", what, requested);
    return 0;
}
static size_t space(int algo) { return algo == 2 ? 4096 : 0; }

int cudnnGetConvolutionForwardAlgorithm_v7(void *h, void *x, void *w, void *c, void *y, int req, int *n, Perf *p) {
    return candidates("fwdAlgos", req, n, p);
}
int cudnnGetConvolutionBackwardDataAlgorithm_v7(void *h, void *w, void *dy, void *c, void *dx, int req, int *n, Perf *p) {
    return candidates("bwdDataAlgos", req, n, p);
}
int cudnnGetConvolutionBackwardFilterAlgorithm_v7(void *h, void *x, void *dy, void *c, void *dw, int req, int *n, Perf *p) {
    return candidates("bwdFilterAlgos", req, n, p);
}
int cudnnGetConvolutionForwardWorkspaceSize(void *h, void *x, void *w, void *c, void *y, int algo, size_t *s) {
    *s = space(algo);
    return 0;
}
int cudnnGetConvolutionBackwardDataWorkspaceSize(void *h, void *w, void *dy, void *c, void *dx, int algo, size_t *s) {
    *s = space(algo);
    return 0;
}
int cudnnGetConvolutionBackwardFilterWorkspaceSize(void *h, void *x, void *dy, void *c, void *dw, int algo, size_t *s) {
    *s = space(algo);
    return 0;
}
int cudnnConvolutionForward(void *h, const void *alpha, void *xd, const void *x, void *wd, const void *w, void *cd,
                            int algo, void *ws, size_t wsBytes, const void *beta, void *yd, void *y) {
    logf_("forward alpha=%g x=%p@%#llx w=%p@%#llx conv=%p algo=%d ws=%#llx/%zu beta=%g y=%p@%#llx\n",
          *(const float *) alpha, xd, (unsigned long long) x, wd, (unsigned long long) w, cd, algo,
          (unsigned long long) ws, wsBytes, *(const float *) beta, yd, (unsigned long long) y);
    return 0;
}
int cudnnConvolutionBackwardData(void *h, const void *alpha, void *wd, const void *w, void *dyd, const void *dy,
                                 void *cd, int algo, void *ws, size_t wsBytes, const void *beta, void *dxd, void *dx) {
    logf_("backwardData w=%p@%#llx dy=%p@%#llx conv=%p algo=%d ws=%#llx/%zu dx=%p@%#llx\n", wd,
          (unsigned long long) w, dyd, (unsigned long long) dy, cd, algo, (unsigned long long) ws, wsBytes, dxd,
          (unsigned long long) dx);
    return 0;
}
int cudnnConvolutionBackwardFilter(void *h, const void *alpha, void *xd, const void *x, void *dyd, const void *dy,
                                   void *cd, int algo, void *ws, size_t wsBytes, const void *beta, void *dwd, void *dw) {
    logf_("backwardFilter x=%p@%#llx dy=%p@%#llx conv=%p algo=%d ws=%#llx/%zu dw=%p@%#llx\n", xd,
          (unsigned long long) x, dyd, (unsigned long long) dy, cd, algo, (unsigned long long) ws, wsBytes, dwd,
          (unsigned long long) dw);
    return 0;
}
#endif
