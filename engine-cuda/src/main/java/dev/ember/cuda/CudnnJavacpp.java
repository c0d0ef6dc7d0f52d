package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Determinism;
import dev.ember.Ember;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import jcuda.driver.CUstream;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.util.function.LongFunction;

/**
 * 2-D convolution (forward, input gradient, weight gradient) through cuDNN 9 ({@code libcudnn.so.9}) by JavaCPP's CUDA
 * presets, found where {@link CublasJavacpp} finds cuBLAS 13 (the {@code nvidia-cudnn-cu13} wheel's
 * {@code nvidia/cudnn/lib} on the H200). It shares Ember's context and stream like the cuBLAS binding; workspaces
 * come from Ember's caching allocator. NCHW tensors and a KCRS filter, all contiguous (the SPI's contract), float32
 * (FP32, or TF32 where {@link Ember#allowTf32Convolution()}, PyTorch's default: {@code CUDNN_DEFAULT_MATH} against
 * {@code CUDNN_FMA_MATH}, as PyTorch sets them), float64, bfloat16 and float16 (float32 compute). Algorithms come from
 * cuDNN's heuristics ({@code cudnnGet*Algorithm_v7}, as PyTorch without {@code cudnn.benchmark}), the first that
 * succeeds and, under {@link Ember#useDeterministicAlgorithms}, is deterministic. Any case it does not take (another
 * dtype, a status of NOT_SUPPORTED, no algorithm) returns false and Ember's im2col kernels run; creation never throws
 * ({@link #loadFailure()} says why it did not load). Opt-in for now: see {@link VendorConv}.
 */
final class CudnnJavacpp implements VendorConv {
    static final String PREFIX = "cuDNN 9 (JavaCPP) unavailable: ";
    static final String LIBRARY = "libcudnn.so.9";
    private static final int ALGORITHMS = 16;
    /** The largest workspace an algorithm may ask for; one asking more is passed over for the next. */
    private static final long MAX_WORKSPACE = 1L << 30;

    private static volatile String loadFailure = "not tried";

    private final cudnnContext handle;
    private final long version;
    private final LongFunction<CudaStorage> workspaces;
    private final FloatPointer oneF = new FloatPointer(1f);
    private final FloatPointer zeroF = new FloatPointer(0f);
    private final DoublePointer oneD = new DoublePointer(1.0);
    private final DoublePointer zeroD = new DoublePointer(0.0);

    private CudnnJavacpp(cudnnContext handle, long version, LongFunction<CudaStorage> workspaces) {
        this.handle = handle;
        this.version = version;
        this.workspaces = workspaces;
    }

    /**
     * A cuDNN handle on the current context bound to {@code stream}, with workspaces of the given byte sizes from
     * {@code workspaces}; null when cuDNN is off or does not load (then {@link #loadFailure()} says why). Never throws.
     */
    static CudnnJavacpp tryCreate(CUstream stream, LongFunction<CudaStorage> workspaces) {
        java.util.List<java.nio.file.Path> dirs = null;
        cudnnContext h = null;
        try {
            dirs = CublasJavacpp.searchPaths();
            Loader.load(cudnn.class);
            h = new cudnnContext();
            check(cudnn.cudnnCreate(h), "cudnnCreate");
            check(cudnn.cudnnSetStream(h, new CUstream_st(new CublasJavacpp.Address(NativeAddresses.of(stream)))),
                    "cudnnSetStream");
            CudnnJavacpp created = new CudnnJavacpp(h, cudnn.cudnnGetVersion(), workspaces);
            loadFailure = "";
            return created;
        } catch (Throwable t) {
            loadFailure = PREFIX + CudaLibraries.reason(t, dirs, LIBRARY);
            if (h != null && !h.isNull()) {
                try {
                    cudnn.cudnnDestroy(h);
                } catch (Throwable ignored) {
                    // the reason above is what matters
                }
            }
            return null;
        }
    }

    /** Why cuDNN did not load, empty when it did, "not tried" before {@link #tryCreate}. */
    static String loadFailure() {
        return loadFailure;
    }

    /** For describe(): e.g. "cuDNN 9.19.0 (JavaCPP)". */
    @Override
    public String describe() {
        return "cuDNN " + version / 10000 + "." + version / 100 % 100 + "." + version % 100 + " (JavaCPP)";
    }

    /** The descriptors of one convolution, destroyed by {@link #close()}. */
    private final class Descriptors implements AutoCloseable {
        final cudnnTensorStruct x = new cudnnTensorStruct();
        final cudnnTensorStruct y = new cudnnTensorStruct();
        final cudnnFilterStruct w = new cudnnFilterStruct();
        final cudnnConvolutionStruct conv = new cudnnConvolutionStruct();
        final Pointer one;
        final Pointer zero;
        private int created;

        /** x [N, C, H, W], w [O, C/groups, KH, KW], y [N, O, OH, OW], all packed NCHW. */
        Descriptors(int type, int[] xs, int[] ws, int[] ys, Conv2dParams p, boolean halfOrFloat) {
            boolean f64 = type == cudnn.CUDNN_DATA_DOUBLE;
            one = f64 ? oneD : oneF;
            zero = f64 ? zeroD : zeroF;
            try {
                check(cudnn.cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor");
                created = 1;
                check(cudnn.cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor");
                created = 2;
                check(cudnn.cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor");
                created = 3;
                check(cudnn.cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
                created = 4;
                check(cudnn.cudnnSetTensor4dDescriptor(x, cudnn.CUDNN_TENSOR_NCHW, type, xs[0], xs[1], xs[2], xs[3]),
                        "cudnnSetTensor4dDescriptor");
                check(cudnn.cudnnSetTensor4dDescriptor(y, cudnn.CUDNN_TENSOR_NCHW, type, ys[0], ys[1], ys[2], ys[3]),
                        "cudnnSetTensor4dDescriptor");
                check(cudnn.cudnnSetFilter4dDescriptor(w, type, cudnn.CUDNN_TENSOR_NCHW, ws[0], ws[1], ws[2], ws[3]),
                        "cudnnSetFilter4dDescriptor");
                check(cudnn.cudnnSetConvolution2dDescriptor(conv, p.padH(), p.padW(), p.strideH(), p.strideW(),
                        p.dilationH(), p.dilationW(), cudnn.CUDNN_CROSS_CORRELATION,
                        f64 ? cudnn.CUDNN_DATA_DOUBLE : cudnn.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor");
                check(cudnn.cudnnSetConvolutionGroupCount(conv, p.groups()), "cudnnSetConvolutionGroupCount");
                int math = type == cudnn.CUDNN_DATA_FLOAT
                        ? (Ember.allowTf32Convolution() ? cudnn.CUDNN_DEFAULT_MATH : cudnn.CUDNN_FMA_MATH)
                        : halfOrFloat ? cudnn.CUDNN_TENSOR_OP_MATH : cudnn.CUDNN_DEFAULT_MATH;
                check(cudnn.cudnnSetConvolutionMathType(conv, math), "cudnnSetConvolutionMathType");
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (created > 3) {
                cudnn.cudnnDestroyConvolutionDescriptor(conv);
            }
            if (created > 2) {
                cudnn.cudnnDestroyFilterDescriptor(w);
            }
            if (created > 1) {
                cudnn.cudnnDestroyTensorDescriptor(y);
            }
            if (created > 0) {
                cudnn.cudnnDestroyTensorDescriptor(x);
            }
            created = 0;
        }
    }

    /** cuDNN's data type for an Ember dtype, or -1. */
    private static int type(DType t) {
        switch (t) {
            case FLOAT32: return cudnn.CUDNN_DATA_FLOAT;
            case FLOAT64: return cudnn.CUDNN_DATA_DOUBLE;
            case FLOAT16: return cudnn.CUDNN_DATA_HALF;
            case BFLOAT16: return cudnn.CUDNN_DATA_BFLOAT16;
            default: return -1;
        }
    }

    private static boolean dense(Layout l) {
        int[] s = l.shape();
        return l.isContiguous() && s.length == 4;
    }

    /** {@code out = conv2d(input, weight) (+ bias)}; false when Ember's kernels must take it (nothing written). */
    @Override
    public boolean forward(CudaStorage x, Layout xl, CudaStorage w, Layout wl, CudaStorage bias, CudaStorage y, Layout yl,
                    Conv2dParams p) {
        int type = type(x.dtype);
        if (type < 0 || w.dtype != x.dtype || y.dtype != x.dtype || bias != null && bias.dtype != x.dtype
                || !dense(xl) || !dense(wl) || !dense(yl)) {
            return false;
        }
        try (Descriptors d = new Descriptors(type, xl.shape(), wl.shape(), yl.shape(), p, x.dtype != DType.FLOAT64)) {
            cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(ALGORITHMS);
            int[] count = new int[1];
            check(cudnn.cudnnGetConvolutionForwardAlgorithm_v7(handle, d.x, d.w, d.conv, d.y, ALGORITHMS, count, perf),
                    "cudnnGetConvolutionForwardAlgorithm_v7");
            int algo = -1;
            for (int i = 0; i < count[0] && algo < 0; i++) {
                cudnnConvolutionFwdAlgoPerf_t c = perf.getPointer(i);
                if (usable(c.status(), c.memory(), c.determinism())) {
                    algo = c.algo();
                }
            }
            if (algo < 0) {
                return false;
            }
            SizeTPointer bytes = new SizeTPointer(1);
            check(cudnn.cudnnGetConvolutionForwardWorkspaceSize(handle, d.x, d.w, d.conv, d.y, algo, bytes),
                    "cudnnGetConvolutionForwardWorkspaceSize");
            int chosen = algo;
            if (!withWorkspace(bytes.get(), "cudnnConvolutionForward", ws -> cudnn.cudnnConvolutionForward(
                    handle, d.one, d.x, CublasJavacpp.at(x, xl), d.w, CublasJavacpp.at(w, wl), d.conv, chosen, ws,
                    bytes.get(), d.zero, d.y, CublasJavacpp.at(y, yl)))) {
                return false;
            }
            if (bias != null) {
                cudnnTensorStruct b = new cudnnTensorStruct();
                check(cudnn.cudnnCreateTensorDescriptor(b), "cudnnCreateTensorDescriptor");
                try {
                    check(cudnn.cudnnSetTensor4dDescriptor(b, cudnn.CUDNN_TENSOR_NCHW, type, 1, yl.size(1), 1, 1),
                            "cudnnSetTensor4dDescriptor");
                    check(cudnn.cudnnAddTensor(handle, d.one, b, CublasJavacpp.at(bias, null), d.one, d.y,
                            CublasJavacpp.at(y, yl)), "cudnnAddTensor");
                } finally {
                    cudnn.cudnnDestroyTensorDescriptor(b);
                }
            }
            return true;
        }
    }

    /** {@code gradInput} (overwritten) of a convolution; false when Ember's kernels must take it. */
    @Override
    public boolean backwardInput(CudaStorage dy, Layout dyl, CudaStorage w, Layout wl, CudaStorage dx, Layout dxl,
                          Conv2dParams p) {
        int type = type(dx.dtype);
        if (type < 0 || w.dtype != dx.dtype || dy.dtype != dx.dtype || !dense(dyl) || !dense(wl) || !dense(dxl)) {
            return false;
        }
        try (Descriptors d = new Descriptors(type, dxl.shape(), wl.shape(), dyl.shape(), p, dx.dtype != DType.FLOAT64)) {
            cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(ALGORITHMS);
            int[] count = new int[1];
            check(cudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, d.w, d.y, d.conv, d.x, ALGORITHMS, count,
                    perf), "cudnnGetConvolutionBackwardDataAlgorithm_v7");
            int algo = -1;
            for (int i = 0; i < count[0] && algo < 0; i++) {
                cudnnConvolutionBwdDataAlgoPerf_t c = perf.getPointer(i);
                if (usable(c.status(), c.memory(), c.determinism())) {
                    algo = c.algo();
                }
            }
            if (algo < 0) {
                return false;
            }
            SizeTPointer bytes = new SizeTPointer(1);
            check(cudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(handle, d.w, d.y, d.conv, d.x, algo, bytes),
                    "cudnnGetConvolutionBackwardDataWorkspaceSize");
            int chosen = algo;
            if (!withWorkspace(bytes.get(), "cudnnConvolutionBackwardData", ws -> cudnn.cudnnConvolutionBackwardData(
                    handle, d.one, d.w, CublasJavacpp.at(w, wl), d.y, CublasJavacpp.at(dy, dyl), d.conv, chosen, ws,
                    bytes.get(), d.zero, d.x, CublasJavacpp.at(dx, dxl)))) {
                return false;
            }
            return true;
        }
    }

    /** {@code gradWeight} (overwritten) of a convolution; false when Ember's kernels must take it. */
    @Override
    public boolean backwardWeight(CudaStorage dy, Layout dyl, CudaStorage x, Layout xl, CudaStorage dw, Layout dwl,
                           Conv2dParams p) {
        int type = type(dw.dtype);
        if (type < 0 || x.dtype != dw.dtype || dy.dtype != dw.dtype || !dense(dyl) || !dense(xl) || !dense(dwl)) {
            return false;
        }
        try (Descriptors d = new Descriptors(type, xl.shape(), dwl.shape(), dyl.shape(), p, dw.dtype != DType.FLOAT64)) {
            cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(ALGORITHMS);
            int[] count = new int[1];
            check(cudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, d.x, d.y, d.conv, d.w, ALGORITHMS, count,
                    perf), "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
            int algo = -1;
            for (int i = 0; i < count[0] && algo < 0; i++) {
                cudnnConvolutionBwdFilterAlgoPerf_t c = perf.getPointer(i);
                if (usable(c.status(), c.memory(), c.determinism())) {
                    algo = c.algo();
                }
            }
            if (algo < 0) {
                return false;
            }
            SizeTPointer bytes = new SizeTPointer(1);
            check(cudnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, d.x, d.y, d.conv, d.w, algo, bytes),
                    "cudnnGetConvolutionBackwardFilterWorkspaceSize");
            int chosen = algo;
            if (!withWorkspace(bytes.get(), "cudnnConvolutionBackwardFilter", ws -> cudnn.cudnnConvolutionBackwardFilter(
                    handle, d.one, d.x, CublasJavacpp.at(x, xl), d.y, CublasJavacpp.at(dy, dyl), d.conv, chosen, ws,
                    bytes.get(), d.zero, d.w, CublasJavacpp.at(dw, dwl)))) {
                return false;
            }
            return true;
        }
    }

    /** A workspace of {@code bytes} from Ember's allocator, or null for none. */
    /** Whether an algorithm the heuristics offer can run: it succeeded, fits the workspace bound, and is
     * deterministic when {@link Determinism} asks for it. */
    private static boolean usable(int status, long memory, int determinism) {
        return status == cudnn.CUDNN_STATUS_SUCCESS && memory <= MAX_WORKSPACE
                && (!Determinism.isEnabled() || determinism == cudnn.CUDNN_DETERMINISTIC);
    }

    /**
     * Runs one cuDNN call with a workspace of {@code bytes} (null for none), returned to the allocator after it;
     * false (nothing written) when cuDNN answers NOT_SUPPORTED, any other failure thrown as {@link #check} does.
     */
    private boolean withWorkspace(long bytes, String name, java.util.function.Function<Pointer, Integer> call) {
        try (CudaStorage ws = workspace(bytes)) {
            int status = call.apply(ws == null ? null : CublasJavacpp.at(ws, null));
            if (status == cudnn.CUDNN_STATUS_NOT_SUPPORTED) {
                return false;
            }
            check(status, name);
        }
        return true;
    }

    private CudaStorage workspace(long bytes) {
        return bytes <= 0 ? null : workspaces.apply(bytes);
    }

    private static void check(int status, String call) {
        if (status != cudnn.CUDNN_STATUS_SUCCESS) {
            String name;
            try {
                name = cudnn.cudnnGetErrorString(status).getString();
            } catch (Throwable t) {
                name = "status " + status;
            }
            throw new IllegalStateException("cuDNN: " + call + " failed: " + name + " (" + status + ")");
        }
    }
}
