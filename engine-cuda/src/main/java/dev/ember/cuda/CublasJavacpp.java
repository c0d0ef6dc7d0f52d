package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.backend.Layout;
import jcuda.driver.CUstream;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Matmul through cuBLAS 13 ({@code libcublas.so.13}) by JavaCPP's CUDA presets ({@code org.bytedeco:cuda}), for
 * machines with CUDA 13 only, where JCublas 12.6 cannot load. The presets' JNI libraries come from their natives jar;
 * the CUDA libraries themselves from the directories {@link CudaLibraries} lists, handed to JavaCPP's loader (which
 * reads them when it first loads anything): those of {@code -Dember.cuda.libraryPath} as
 * {@code org.bytedeco.javacpp.platform.linkpath}, which it searches first, ahead of the presets' own places
 * ({@code /usr/local/cuda/lib64}, ...), the standard places as {@code org.bytedeco.javacpp.platform.preloadpath},
 * searched after those (both added to any value the user set). JavaCPP leaves the driver, {@code libcuda.so.1}, to the
 * system's dynamic linker, as JCuda does. Loading is tried once per process and never throws: any failure becomes one
 * reason line ({@link #loadFailure()}).
 *
 * <p>It shares Ember's CUDA state: the cuBLAS handle is created with Ember's context current (the device's primary
 * context, which the CUDA runtime under cuBLAS adopts), bound to Ember's stream (the driver's {@code CUstream}
 * handle passed by address), and reads and writes Ember's device memory by address. Float32 runs in TF32
 * ({@code CUBLAS_COMPUTE_32F_FAST_TF32}) where the caller allows it (a matmul under
 * {@link Ember#getFloat32MatmulPrecision()} "high" or "medium", a convolution's GEMM under
 * {@link Ember#allowTf32Convolution()}, as PyTorch does) and in true FP32 ({@code CUBLAS_COMPUTE_32F}) otherwise;
 * float64 in FP64; bfloat16 and
 * float16 with float32 accumulation and a result of the input type. Layouts map as {@link GemmPlan} says.
 */
final class CublasJavacpp implements VendorGemm {
    /** JavaCPP's system property for extra library directories, searched after the presets' own link paths. */
    static final String PRELOAD_PATH = "org.bytedeco.javacpp.platform.preloadpath";
    /** JavaCPP's system property for link paths, searched first (before the presets' /usr/local/cuda/lib64, ...). */
    static final String LINK_PATH = "org.bytedeco.javacpp.platform.linkpath";

    private static final Object LOCK = new Object();
    /** Empty once the presets loaded, the reason otherwise; null before the first attempt. */
    private static String loadResult;
    private static volatile String loadFailure = "not tried";

    private final cublasContext handle;
    private final int version;
    private final FloatPointer oneF = new FloatPointer(1f);
    private final FloatPointer zeroF = new FloatPointer(0f);
    private final DoublePointer oneD = new DoublePointer(1.0);
    private final DoublePointer zeroD = new DoublePointer(0.0);

    private CublasJavacpp(cublasContext handle, int version) {
        this.handle = handle;
        this.version = version;
    }

    /**
     * Loads the presets' cuBLAS (and the CUDA runtime it inherits) once per process: empty when it loaded, else the
     * one-line reason. Never throws.
     */
    static String load() {
        synchronized (LOCK) {
            if (loadResult == null) {
                List<Path> dirs = List.of();
                try {
                    dirs = searchPaths();
                    Loader.load(cublas.class);
                    loadResult = "";
                } catch (Throwable t) {
                    loadResult = CudaLibraries.JAVACPP_PREFIX + CudaLibraries.reason(t, dirs);
                }
            }
            return loadResult;
        }
    }

    private static List<Path> searchPaths;

    /**
     * Hands the library directories to JavaCPP's loader, once per process (it reads them when it first loads
     * anything): the property's before the presets' own places ({@code /usr/local/cuda/lib64}, ...), the standard
     * places after them. Returns every directory, for the reason line.
     */
    static List<Path> searchPaths() {
        synchronized (LOCK) {
            if (searchPaths == null) {
                List<Path> dirs = CudaLibraries.directories();
                List<Path> first = CudaLibraries.propertyDirectories(System.getProperty(CudaLibraries.PROPERTY, ""));
                append(LINK_PATH, first, true);
                append(PRELOAD_PATH, dirs.stream().filter(d -> !first.contains(d)).collect(Collectors.toList()), false);
                searchPaths = dirs;
            }
            return searchPaths;
        }
    }

    /** Adds directories to one of JavaCPP's path properties, before or after what it holds. */
    private static void append(String property, List<Path> dirs, boolean before) {
        String ours = dirs.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        String theirs = System.getProperty(property, "");
        if (!ours.isEmpty()) {
            System.setProperty(property, theirs.isEmpty() ? ours
                    : before ? ours + File.pathSeparator + theirs : theirs + File.pathSeparator + ours);
        }
    }

    /**
     * A cuBLAS 13 handle on the current context, bound to {@code stream}, or null (then {@link #loadFailure()} says
     * why). Never throws.
     */
    static CublasJavacpp tryCreate(CUstream stream) {
        String why = load();
        if (!why.isEmpty()) {
            loadFailure = why;
            return null;
        }
        cublasContext h = null;
        try {
            h = new cublasContext();
            check(cublas.cublasCreate_v2(h), "cublasCreate");
            check(cublas.cublasSetStream_v2(h, new CUstream_st(new Address(NativeAddresses.of(stream)))),
                    "cublasSetStream");
            int[] v = new int[1];
            check(cublas.cublasGetVersion_v2(h, v), "cublasGetVersion");
            CublasJavacpp created = new CublasJavacpp(h, v[0]);
            loadFailure = "";
            return created;
        } catch (Throwable t) {
            loadFailure = CudaLibraries.JAVACPP_PREFIX + CudaLibraries.reason(t, null);
            if (h != null && !h.isNull()) {
                try {
                    cublas.cublasDestroy_v2(h);
                } catch (Throwable ignored) {
                    // the reason above is what matters
                }
            }
            return null;
        }
    }

    /** Why cuBLAS 13 did not load, empty when it did, "not tried" before {@link #tryCreate}. */
    static String loadFailure() {
        return loadFailure;
    }

    @Override
    public String describe() {
        return "cuBLAS 13 (JavaCPP, libcublas " + version / 10000 + "." + version / 100 % 100 + "." + version % 100 + ")";
    }

    @Override
    public boolean gemm(CudaStorage a, Layout la, CudaStorage b, Layout lb, CudaStorage c, Layout lc, boolean tf32) {
        if (b.dtype != a.dtype || c.dtype != a.dtype) {
            return false;
        }
        int type;
        int compute;
        Pointer alpha;
        Pointer beta;
        switch (a.dtype) {
            case FLOAT32:
                type = cudart.CUDA_R_32F;
                compute = tf32 ? cublas.CUBLAS_COMPUTE_32F_FAST_TF32 : cublas.CUBLAS_COMPUTE_32F;
                alpha = oneF;
                beta = zeroF;
                break;
            case FLOAT64:
                type = cudart.CUDA_R_64F;
                compute = cublas.CUBLAS_COMPUTE_64F;
                alpha = oneD;
                beta = zeroD;
                break;
            case BFLOAT16:
                type = cudart.CUDA_R_16BF;
                compute = cublas.CUBLAS_COMPUTE_32F;
                alpha = oneF;
                beta = zeroF;
                break;
            case FLOAT16:
                type = cudart.CUDA_R_16F;
                compute = cublas.CUBLAS_COMPUTE_32F;
                alpha = oneF;
                beta = zeroF;
                break;
            default:
                return false;
        }
        GemmPlan p = GemmPlan.of(la, lb, lc);
        if (p == null) {
            return false;
        }
        int status = cublas.cublasGemmStridedBatchedEx(handle, p.opB, p.opA, p.n, p.m, p.k, alpha,
                at(b, lb), type, p.ldB, p.strideB, at(a, la), type, p.ldA, p.strideA, beta,
                at(c, lc), type, p.n, p.strideC, p.batch, compute, cublas.CUBLAS_GEMM_DEFAULT);
        if (status == cublas.CUBLAS_STATUS_NOT_SUPPORTED) {
            return false; // nothing ran: Ember's kernel takes it
        }
        check(status, "cublasGemmStridedBatchedEx");
        return true;
    }

    /** The device address of a storage's element at the layout's offset (null: 0), as a JavaCPP pointer. */
    static Pointer at(CudaStorage s, Layout l) {
        return new Address(NativeAddresses.of(s.ptr) + (l == null ? 0 : (long) l.offset() * s.dtype.itemSize()));
    }

    private static void check(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            String name;
            try {
                name = cublas.cublasGetStatusString(status).getString();
            } catch (Throwable t) {
                name = "status " + status;
            }
            throw new IllegalStateException("cuBLAS 13: " + call + " failed: " + name + " (" + status + ")");
        }
    }

    /** A JavaCPP pointer to a raw address (device memory or a driver handle): nothing is allocated or freed. */
    static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }
}
