package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import dev.ember.backend.Pool2dParams;
import dev.ember.backend.RandomKind;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.ScatterReduce;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The CUDA backend: JCuda's driver API on device 0's primary context, one compute stream (and a copy stream for
 * non-blocking uploads from pinned memory, {@link CudaCopyStream}), kernels from the shipped fatbinary (float16 and
 * bfloat16 through {@link CudaHalf}), a caching allocator, and cuBLAS for matmul where {@code libcublas.so.12} (JCublas) or
 * {@code libcublas.so.13} (JavaCPP's CUDA presets) loads (Ember's own tiled kernel otherwise, and with
 * {@code -Dember.cuda.vendor=false}). Every failure to start (no JCuda natives, no driver, no device,
 * a driver too old for the kernels) is caught and reported by {@link #unavailableReason()}.
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 65535;
    /** sizeof(struct Acc) in the kernels: double, two long longs, an int, padded to 8. */
    private static final int ACC_BYTES = 32;

    private final Object initLock = new Object();
    private volatile boolean initialized;
    private String reason = "";
    private int deviceCount;
    private CUcontext context;
    private CUstream stream;
    private CUmodule module;
    private final Map<String, CUfunction> functions = new HashMap<>();
    private CachingAllocator allocator;
    private VendorGemm cublas;
    private String deviceName = "";
    private final ThreadLocal<Boolean> contextBound = ThreadLocal.withInitial(() -> false);
    /**
     * The error words of the device-side checks: {@link PendingChecks#SLOTS} pairs of int64s (a flag and the offending
     * value), one per check launched since the last synchronization, in launch order.
     */
    private CUdeviceptr errorWords;
    /** The device-side checks in flight (checked at the next synchronization): which word is whose message. */
    private final PendingChecks pendingChecks = new PendingChecks();
    /** Per thread: the error word the index kernels' host last handed out, until their deferCheck names it; -1: none. */
    private final ThreadLocal<int[]> namelessCheck = ThreadLocal.withInitial(() -> new int[] {-1});
    private PinnedStaging staging;
    private int multiprocessors = 1;
    /** Per-kernel device times, with {@code -Dember.cuda.profile=true}; null otherwise. */
    private KernelProfiler profiler;

    /** Creates the backend; CUDA is probed lazily, on first use. */
    public CudaBackend() {
    }

    private void init() {
        if (initialized) {
            return;
        }
        synchronized (initLock) {
            if (initialized) {
                return;
            }
            try {
                JCudaDriver.setExceptionsEnabled(true);
                JCudaDriver.cuInit(0);
                int[] count = new int[1];
                JCudaDriver.cuDeviceGetCount(count);
                if (count[0] == 0) {
                    reason = "the CUDA driver reports no device";
                } else {
                    CUdevice dev = new CUdevice();
                    JCudaDriver.cuDeviceGet(dev, 0);
                    byte[] name = new byte[256];
                    JCudaDriver.cuDeviceGetName(name, name.length, dev);
                    deviceName = new String(name).trim().replace("\0", "");
                    int[] sms = new int[1];
                    JCudaDriver.cuDeviceGetAttribute(sms, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
                    multiprocessors = Math.max(1, sms[0]);
                    context = new CUcontext();
                    JCudaDriver.cuDevicePrimaryCtxRetain(context, dev);
                    JCudaDriver.cuCtxSetCurrent(context);
                    contextBound.set(true);
                    stream = new CUstream();
                    JCudaDriver.cuStreamCreate(stream, 0);
                    module = new CUmodule();
                    try {
                        JCudaDriver.cuModuleLoadData(module, fatbinary());
                    } catch (RuntimeException e) {
                        throw new IllegalStateException("the driver cannot load Ember's kernels (built for sm_75 to sm_90 "
                                + "with CUDA 13 PTX; the driver may be older than the kernels): " + e.getMessage(), e);
                    }
                    long[] free = new long[1];
                    long[] total = new long[1];
                    JCudaDriver.cuMemGetInfo(free, total);
                    allocator = new CachingAllocator(this::synchronizeStream, total[0]);
                    long wordBytes = (long) PendingChecks.SLOTS * PendingChecks.WORD_BYTES;
                    errorWords = new CUdeviceptr();
                    JCudaDriver.cuMemAlloc(errorWords, wordBytes);
                    JCudaDriver.cuMemsetD8(errorWords, (byte) 0, wordBytes);
                    staging = new PinnedStaging(stream);
                    // matmul's vendor path: cuBLAS 12 (JCublas), else cuBLAS 13 (JavaCPP), unless -Dember.cuda.vendor=false
                    cublas = VendorGemm.select(stream);
                    if (Boolean.getBoolean("ember.cuda.profile")) {
                        profiler = new KernelProfiler(stream);
                    }
                    deviceCount = 1; // Ember drives device 0; more devices are listed by the driver but unused
                }
            } catch (Throwable t) {
                // no JCuda natives for this platform, no libcuda.so, a driver error: CUDA is unusable, say why
                reason = describeFailure(t);
            }
            initialized = true;
        }
    }

    private static String describeFailure(Throwable t) {
        if (t instanceof UnsatisfiedLinkError || t instanceof NoClassDefFoundError) {
            return "the CUDA driver library or JCuda's native library could not be loaded (" + nativeCause(t) + ")";
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * The line that says which shared object is missing, out of JCuda's load error (which embeds whole stack
     * traces in its message).
     */
    static String nativeCause(Throwable t) {
        String m = String.valueOf(t.getMessage());
        java.util.regex.Matcher so = java.util.regex.Pattern.compile("([\\w.+-]+\\.so[.\\d]*): cannot open shared object file[^\\n]*")
                .matcher(m);
        String last = null;
        while (so.find()) {
            last = so.group();
        }
        if (last != null) {
            return last;
        }
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    /** The kernels' fatbinary, shipped gzip-compressed (27 MB raw, 6 MB compressed). */
    static byte[] fatbinary() throws IOException {
        try (InputStream in = CudaBackend.class.getResourceAsStream("ember_kernels.fatbin.gz")) {
            if (in == null) {
                throw new IOException("ember_kernels.fatbin.gz is missing from the jar");
            }
            try (InputStream raw = new java.util.zip.GZIPInputStream(in)) {
                return raw.readAllBytes();
            }
        }
    }

    private void bind() {
        init();
        if (!reason.isEmpty()) {
            throw new IllegalStateException("CUDA is not usable: " + reason);
        }
        if (!contextBound.get()) {
            JCudaDriver.cuCtxSetCurrent(context);
            contextBound.set(true);
        }
    }

    private CUfunction fn(String name) {
        synchronized (functions) {
            return functions.computeIfAbsent(name, n -> {
                CUfunction f = new CUfunction();
                JCudaDriver.cuModuleGetFunction(f, module, n);
                return f;
            });
        }
    }

    private void synchronizeStream() {
        JCudaDriver.cuStreamSynchronize(stream);
        int n = pendingChecks.used();
        if (n > 0) {
            long[] words = new long[2 * n];
            JCudaDriver.cuMemcpyDtoH(Pointer.to(words), errorWords, (long) n * PendingChecks.WORD_BYTES);
            String failure = pendingChecks.firstFailure(words); // the first failing check in launch order
            if (failure != null) {
                JCudaDriver.cuMemsetD8(errorWords, (byte) 0, (long) n * PendingChecks.WORD_BYTES);
                throw new IndexOutOfBoundsException(failure
                        + " (found by a device-side check of an earlier op; CUDA reports it at the next synchronization)");
            }
        }
    }

    /**
     * The error word of the next device-side check, in launch order, named {@code message} (null: named later by
     * {@link PendingChecks#name}); when every word is in use, synchronizes first (raising a failed check's error there).
     */
    private int reserveCheck(String message) {
        int slot = pendingChecks.reserve(message);
        if (slot < 0) {
            synchronizeStream();
            slot = pendingChecks.reserve(message);
        }
        return slot;
    }

    /** The device address of error word {@code slot}. */
    private CUdeviceptr errorWord(int slot) {
        return errorWords.withByteOffset((long) slot * PendingChecks.WORD_BYTES);
    }

    static int elementSize(DType t) {
        return t.itemSize();
    }

    /** The kernels' name for a type; bool is {@code u8} (the older kernels' name), uint8 {@code ui8}. */
    private static String suffix(DType t) {
        switch (t) {
            case FLOAT32: return "f32";
            case FLOAT64: return "f64";
            case INT64: return "i64";
            case INT32: return "i32";
            case INT16: return "i16";
            case INT8: return "i8";
            case UINT8: return "ui8";
            case FLOAT16: return "f16";
            case BFLOAT16: return "bf16";
            default: return "u8";
        }
    }

    /** Whether a type is one of the narrow integer types, which only the copy and fill kernels take as they are. */
    private static boolean narrow(DType t) {
        return t == DType.INT32 || t == DType.INT16 || t == DType.INT8 || t == DType.UINT8;
    }

    /**
     * The elements of a layout over a narrow integer storage widened into a new dense int64 storage of its shape (a
     * conversion kernel): the other kernels compute the narrow types in int64, and {@link #narrowInto} stores the
     * result back (C's wrap-around: the low bits, which int64 arithmetic keeps as the narrow type's would).
     */
    private CudaStorage widen(CudaStorage s, Layout l) {
        CudaStorage w = (CudaStorage) allocate(DType.INT64, l.numel(), 0);
        copy(s, l, w, Layout.contiguous(l.shape()));
        return w;
    }

    /** Copies a dense int64 result of {@code dstLayout}'s shape into the narrow storage {@code dst}, and frees it. */
    private void narrowInto(CudaStorage wide, CudaStorage dst, Layout dstLayout) {
        try (CudaStorage w = wide) {
            copy(w, Layout.contiguous(dstLayout.shape()), dst, dstLayout);
        }
    }

    private static CudaStorage cuda(Storage s) {
        return (CudaStorage) s;
    }

    /** Launches a 1-D grid-stride kernel over {@code n} elements; the error names the kernel and the shape. */
    private void launch(String kernel, int n, Object shape, Object... args) {
        if (n == 0) {
            return;
        }
        // in long: n + THREADS - 1 passes int's range for n within 255 of it
        int blocks = (int) Math.min(MAX_BLOCKS, (n + (long) THREADS - 1) / THREADS);
        launchGrid(kernel, blocks, 1, 1, THREADS, 1, shape, args);
    }

    private void launchGrid(String kernel, int gx, int gy, int gz, int bx, int by, Object shape, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof CUdeviceptr) {
                params[i] = Pointer.to((CUdeviceptr) a);
            } else if (a instanceof Geo) {
                params[i] = Pointer.to(((Geo) a).data);
            } else if (a instanceof int[]) {
                params[i] = Pointer.to((int[]) a);
            } else if (a instanceof Integer) {
                params[i] = Pointer.to(new int[] {(Integer) a});
            } else if (a instanceof Long) {
                params[i] = Pointer.to(new long[] {(Long) a});
            } else if (a instanceof Double) {
                params[i] = Pointer.to(new double[] {(Double) a});
            } else {
                throw new IllegalArgumentException("kernel argument " + a);
            }
        }
        Object mark = startTiming(kernel);
        try {
            JCudaDriver.cuLaunchKernel(fn(kernel), gx, gy, gz, bx, by, 1, 0, stream, Pointer.to(params), null);
        } catch (RuntimeException e) {
            throw new IllegalStateException("CUDA kernel " + kernel + " failed on shape " + shapeText(shape) + ": "
                    + e.getMessage(), e);
        }
        endTiming(mark);
    }

    /** Starts timing a device operation when profiling (null otherwise); pass the result to {@link #endTiming}. */
    private Object startTiming(String what) {
        return profiler == null ? null : profiler.before(what);
    }

    private void endTiming(Object mark) {
        if (mark != null) {
            profiler.after(mark);
        }
    }

    /** The shape named in a kernel's error message, formatted only when there is an error. */
    private static String shapeText(Object shape) {
        return shape instanceof int[] ? java.util.Arrays.toString((int[]) shape) : String.valueOf(shape);
    }

    // ------------------------------------------------------------------ Backend

    @Override
    public String deviceType() {
        return "cuda";
    }

    @Override
    public boolean isAvailable() {
        init();
        return reason.isEmpty();
    }

    @Override
    public String unavailableReason() {
        init();
        return reason;
    }

    @Override
    public String describe() {
        init();
        if (!reason.isEmpty()) {
            return "cuda: unavailable (" + reason + ")";
        }
        return "cuda:0 " + deviceName + ", matmul via " + (cublas != null ? cublas.describe() : "Ember's tiled kernel ("
                + VendorGemm.failure() + ")") + ", convolution via " + (cudnn() != null ? cudnn.describe()
                : "Ember's im2col kernels" + (cudnnTried ? " (" + VendorConv.failure() + ")" : "")) + ", "
                + tensorCores.describe() + ", " + precisionDescription();
    }

    /**
     * The TF32 modes requested ({@link Ember#getFloat32MatmulPrecision()},
     * {@link Ember#allowTf32Convolution()}) and what runs: Ember's kernels compute the float32 products TF32 is allowed
     * for on the tensor cores (sm_80 and newer; CudaTensorCores, while enabled), the others in FP32; cuBLAS 13 (JavaCPP),
     * where it loads, computes a matmul in TF32 under the matmul precision "high"/"medium" and a convolution's GEMMs
     * under the convolution switch, cuBLAS 12 (JCublas) in FP32; cuDNN, when turned on, follows the convolution switch.
     */
    static String precisionDescription() {
        return "float32 matmul precision '" + Ember.getFloat32MatmulPrecision() + "' requested, TF32 convolution "
                + (Ember.allowTf32Convolution() ? "allowed" : "not allowed") + " (Ember's kernels on sm_80+: "
                + (CudaTensorCores.enabled() ? CudaTensorCores.tf32Text()
                : "all in FP32 while the tensor-core kernels are off") + "; FP32 on older GPUs; cuBLAS 13 follows the "
                + "matmul precision for matmuls and the convolution switch for convolutions' GEMMs, cuBLAS 12 computes in "
                + "FP32)";
    }

    /** Whether matmul runs on cuBLAS (true) or on Ember's own tiled kernel. */
    public boolean usesCublas() {
        init();
        return cublas != null;
    }

    /** Turns cuBLAS off or back on (when it loaded), to test and compare both matmul paths. */
    public void setUseCublas(boolean use) {
        init();
        cublasDisabled = !use;
    }

    private volatile boolean cublasDisabled;

    // ---- cuDNN for convolution (CudnnJavacpp through VendorConv): opt-in, -Dember.cuda.cudnn=true or setUseCudnn(true)
    private volatile Boolean cudnnWanted; // null: as -Dember.cuda.cudnn says
    private VendorConv cudnn;
    private boolean cudnnTried;

    /** Turns convolution through cuDNN 9 on (loaded on first use, where it loads) or off. Off by default. */
    public void setUseCudnn(boolean use) {
        cudnnWanted = use;
    }

    /** Whether convolution runs on cuDNN now (loading it if it is wanted and was not tried yet). */
    public boolean usesCudnn() {
        bind();
        return cudnn() != null;
    }

    /** cuDNN when wanted and loadable, else null (Ember's im2col kernels). */
    private VendorConv cudnn() {
        Boolean wanted = cudnnWanted;
        if (!(wanted != null ? wanted : Boolean.getBoolean(VendorConv.PROPERTY))) {
            return null;
        }
        synchronized (initLock) {
            if (!cudnnTried) {
                cudnnTried = true;
                cudnn = VendorConv.select(stream, bytes -> (CudaStorage) allocate(DType.UINT8, bytes, 0));
            }
            return cudnn;
        }
    }

    /**
     * Bytes held by tensors not yet closed or collected, bytes cached for reuse, peak bytes in use, cuMemAlloc
     * calls, and garbage collections the allocator asked for.
     */
    public long[] memoryStats() {
        bind();
        return new long[] {allocator.inUse(), allocator.cached(), allocator.peakInUse(), allocator.deviceAllocations(),
            allocator.collections()};
    }

    /** Starts the peak-in-use figure of {@link #memoryStats()} afresh, as {@code torch.cuda.reset_peak_memory_stats}. */
    public void resetPeakMemoryStats() {
        bind();
        allocator.resetPeak();
    }

    /**
     * With {@code -Dember.cuda.profile=true}: the device time of every kernel launched since the last report, by
     * kernel, against the host's wall time (synchronizes the stream). Without the property: a line saying so.
     */
    public String profileReport() {
        bind();
        return profiler == null ? "no profile: run with -Dember.cuda.profile=true\n" : profiler.report();
    }

    /** Frees the allocator's cached blocks, as {@code torch.cuda.empty_cache()}. */
    public void emptyCache() {
        bind();
        allocator.emptyCache();
    }

    @Override
    public int deviceCount() {
        init();
        return deviceCount;
    }

    @Override
    public void synchronize(int deviceIndex) {
        bind();
        synchronizeStream();
    }

    // ------------------------------------------------------------------ float16 and bfloat16 (CudaHalf, issue 18)
    // A half storage holds the bits (2 bytes an element); half_kernels.cu converts between them and every type, fills
    // and selects (where), and has native unary, binary, number and comparison kernels (the float32 kernels' functions
    // between a widening load and one rounding). Every other kernel takes half operands through CudaHalf.Widened:
    // float32 copies made on the device, the float32 kernel, the outputs rounded back once (the CPU backend's
    // HalfLoops.Widened, the same values); matmul of half operands runs on cuBLAS 13 or the tensor cores where they take
    // it (see gemm).

    private final CudaHalf.Device halfDevice = new CudaHalf.Device() {
        @Override
        public Storage allocate(DType dtype, long numel) {
            return CudaBackend.this.allocate(dtype, numel, 0);
        }

        @Override
        public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
            CudaBackend.this.copy(src, srcLayout, dst, dstLayout);
        }
    };

    /** A new widened scope for a kernel call with float16 or bfloat16 operands. */
    private CudaHalf.Widened widened() {
        return new CudaHalf.Widened(halfDevice);
    }

    @Override
    public Storage allocate(DType dtype, long numel, int deviceIndex) {
        if (dtype.isComplex()) {
            throw new IllegalArgumentException("the CUDA backend stores no " + dtype.torchName() + " elements: a complex "
                    + "tensor is stored as the interleaved parts of its real type (Tensor.viewAsReal)");
        }
        bind();
        if (numel < 0 || numel > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("CUDA tensors hold at most " + Layout.MAX_STORAGE_ELEMENTS
                    + " elements, asked for " + numel);
        }
        CUdeviceptr p = allocator.allocate(numel * elementSize(dtype));
        return new CudaStorage(dtype, numel, p, Device.cuda(deviceIndex), allocator);
    }

    @Override
    public Storage allocateZeroed(DType dtype, long numel, int deviceIndex) {
        CudaStorage s = (CudaStorage) allocate(dtype, numel, deviceIndex);
        long bytes = numel * elementSize(dtype);
        if (bytes > 0) {
            Object mark = startTiming("memset");
            JCudaDriver.cuMemsetD8Async(s.ptr, (byte) 0, bytes, stream);
            endTiming(mark);
        }
        return s;
    }

    @Override
    public Storage fromArray(Object array, int deviceIndex) {
        return fromArray(array, null, deviceIndex);
    }

    /**
     * A byte[] uploads as uint8 as it is (the same bytes as int8), and a short[] of bits as float16 or bfloat16 (as the
     * CPU backend: no conversion pass).
     */
    @Override
    public Storage fromArray(Object array, DType dtype, int deviceIndex) {
        Storage s = upload(array, dtype, deviceIndex);
        if (dtype != null && s.dtype() != dtype) {
            s.close();
            throw new IllegalArgumentException("a " + array.getClass().getSimpleName() + " cannot hold " + dtype);
        }
        return s;
    }

    private Storage upload(Object array, DType asType, int deviceIndex) {
        bind();
        DType t;
        Pointer host;
        int n;
        if (array instanceof float[]) {
            t = DType.FLOAT32;
            n = ((float[]) array).length;
            host = Pointer.to((float[]) array);
        } else if (array instanceof double[]) {
            t = DType.FLOAT64;
            n = ((double[]) array).length;
            host = Pointer.to((double[]) array);
        } else if (array instanceof long[]) {
            t = DType.INT64;
            n = ((long[]) array).length;
            host = Pointer.to((long[]) array);
        } else if (array instanceof int[]) {
            t = DType.INT32;
            n = ((int[]) array).length;
            host = Pointer.to((int[]) array);
        } else if (array instanceof short[]) {
            t = CudaHalf.isHalf(asType) ? asType : DType.INT16; // float16 and bfloat16: the bits, as int16's bytes
            n = ((short[]) array).length;
            host = Pointer.to((short[]) array);
        } else if (array instanceof byte[]) {
            t = asType == DType.UINT8 ? DType.UINT8 : DType.INT8; // the same bytes either way
            n = ((byte[]) array).length;
            host = Pointer.to((byte[]) array);
        } else if (array instanceof boolean[]) {
            boolean[] b = (boolean[]) array;
            byte[] bytes = new byte[b.length];
            for (int i = 0; i < b.length; i++) {
                bytes[i] = (byte) (b[i] ? 1 : 0);
            }
            t = DType.BOOL;
            n = b.length;
            host = Pointer.to(bytes);
        } else {
            throw new IllegalArgumentException("unsupported array type " + array.getClass().getSimpleName());
        }
        CudaStorage s = (CudaStorage) allocate(t, n, deviceIndex);
        if (n == 1) {
            // a scalar (Java numbers in arithmetic arrive this way): a fill kernel carries the value as a launch
            // parameter, so nothing waits, where a copy from pageable memory would synchronize the stream
            double v = t == DType.FLOAT32 ? ((float[]) array)[0] : t == DType.FLOAT64 ? ((double[]) array)[0]
                    : t == DType.INT64 ? ((long[]) array)[0] : t == DType.INT32 ? ((int[]) array)[0]
                    : t == DType.INT16 || CudaHalf.isHalf(t) ? ((short[]) array)[0] : t == DType.INT8 ? ((byte[]) array)[0]
                    : t == DType.UINT8 ? ((byte[]) array)[0] & 0xFF : ((boolean[]) array)[0] ? 1 : 0;
            long lv = t == DType.INT64 ? ((long[]) array)[0] : (long) v;
            Geo g = new Geo(Layout.contiguous(1));
            // a half's bits are stored as they are by the int16 fill (a NaN's payload kept, as the CPU's array)
            launch(CudaHalf.isHalf(t) ? "fill_i16" : "fill_" + suffix(t), 1, "[1]", g, v, lv, s.ptr);
            return s;
        }
        if (n > 0) {
            long bytes = (long) n * elementSize(t);
            Object mark = startTiming("memcpyHtoD");
            // through a pinned staging buffer the copy is asynchronous: the host goes on while the GPU works
            if (!staging.upload(array, bytes, s.ptr)) {
                // too large for staging: a synchronous copy from pageable memory (ordered after queued kernels,
                // the stream being a blocking stream)
                JCudaDriver.cuMemcpyHtoD(s.ptr, host, bytes);
            }
            endTiming(mark);
        }
        return s;
    }

    // ---- pinned memory and the copy stream (Tensor.pinMemory, to(cuda, nonBlocking)): see CudaCopyStream
    private volatile CudaCopyStream copyStream;

    /** The copy stream, made at its first use (the context bound). */
    private CudaCopyStream copies() {
        bind();
        CudaCopyStream c = copyStream;
        if (c == null) {
            synchronized (initLock) {
                c = copyStream;
                if (c == null) {
                    c = new CudaCopyStream(stream, allocator, this::bind);
                    copyStream = c;
                }
            }
        }
        return c;
    }

    /** Page-locked host memory ({@code cuMemHostAlloc}, cached), which {@link #fromPinned} uploads from. */
    @Override
    public dev.ember.backend.PinnedBuffer allocatePinned(long bytes) {
        return copies().allocatePinned(bytes);
    }

    /** {@code cuMemcpyHtoDAsync} on the copy stream, ordered before later compute work by an event. */
    @Override
    public Storage fromPinned(dev.ember.backend.PinnedBuffer src, DType dtype, long offset, long numel,
                              boolean nonBlocking, int deviceIndex) {
        if (!(src instanceof CudaCopyStream.Pinned)) {
            return Backend.super.fromPinned(src, dtype, offset, numel, nonBlocking, deviceIndex);
        }
        if (numel < 0 || numel > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("CUDA tensors hold at most " + Layout.MAX_STORAGE_ELEMENTS
                    + " elements, asked for " + numel);
        }
        return copies().upload((CudaCopyStream.Pinned) src, dtype, offset, numel, deviceIndex, !nonBlocking);
    }

    /** Uploads queued on the copy stream, page-locked bytes allocated, and those cached free. */
    public long[] copyStreamStats() {
        return copies().stats();
    }

    @Override
    public Object toArray(Storage src, Layout layout) {
        bind();
        CudaStorage s = cuda(src);
        int n = layout.numelInt();
        CudaStorage flat = s;
        int offset = layout.offset();
        if (!layout.isContiguous()) {
            flat = (CudaStorage) allocate(s.dtype, n, 0);
            copy(s, layout, flat, Layout.contiguous(layout.shape()));
            offset = 0;
        }
        try {
            synchronizeStream();
            return readToHost(flat, offset, n);
        } finally {
            if (flat != s) {
                flat.close(); // the gathered copy goes back to the cache now, not when the Cleaner finds it
            }
        }
    }

    /** Copies {@code n} elements from {@code offset} of a storage into a new Java array of its type. */
    private static Object readToHost(CudaStorage flat, int offset, int n) {
        int size = elementSize(flat.dtype);
        CUdeviceptr at = flat.ptr.withByteOffset((long) offset * size);
        long bytes = (long) n * size;
        switch (flat.dtype) {
            case FLOAT32: {
                float[] out = new float[n];
                if (n > 0) {
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(out), at, bytes);
                }
                return out;
            }
            case FLOAT64: {
                double[] out = new double[n];
                if (n > 0) {
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(out), at, bytes);
                }
                return out;
            }
            case INT64: {
                long[] out = new long[n];
                if (n > 0) {
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(out), at, bytes);
                }
                return out;
            }
            case INT32: {
                int[] out = new int[n];
                if (n > 0) {
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(out), at, bytes);
                }
                return out;
            }
            case INT16:
            case FLOAT16:
            case BFLOAT16: {
                short[] out = new short[n]; // float16 and bfloat16: the bits
                if (n > 0) {
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(out), at, bytes);
                }
                return out;
            }
            case INT8:
            case UINT8: {
                byte[] out = new byte[n];
                if (n > 0) {
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(out), at, bytes);
                }
                return out;
            }
            default: {
                byte[] raw = new byte[n];
                if (n > 0) {
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(raw), at, bytes);
                }
                boolean[] out = new boolean[n];
                for (int i = 0; i < n; i++) {
                    out[i] = raw[i] != 0;
                }
                return out;
            }
        }
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        bind();
        CudaStorage s = cuda(src);
        CudaStorage d = cuda(dst);
        if (s.dtype == d.dtype && srcLayout.isContiguous() && dstLayout.isContiguous() && srcLayout.numelInt() > 0) {
            int size = elementSize(s.dtype);
            Object mark = startTiming("memcpyDtoD");
            JCudaDriver.cuMemcpyDtoDAsync(d.ptr.withByteOffset((long) dstLayout.offset() * size),
                    s.ptr.withByteOffset((long) srcLayout.offset() * size), (long) srcLayout.numelInt() * size, stream);
            endTiming(mark);
            return;
        }
        Geo g = new Geo(dstLayout, srcLayout);
        // a half type on either side: half_kernels.cu's conversions (the CPU's bits; a half type to itself: its bits)
        String kernel = CudaHalf.any(s, d) ? "hcopy_" : "copy_";
        launch(kernel + suffix(s.dtype) + "_" + suffix(d.dtype), g.numel, g, g, s.ptr, d.ptr);
    }

    @Override
    public void fill(Storage dst, Layout layout, double value) {
        bind();
        CudaStorage d = cuda(dst);
        Geo g = new Geo(layout);
        launch("fill_" + suffix(d.dtype), g.numel, g, g, value, (long) value, d.ptr);
    }

    @Override
    public void unary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        bind();
        if (CudaHalf.any(src, dst)) {
            DType t = src.dtype();
            if (CudaHalf.isHalf(t) && (dst.dtype() == t || op.isPredicate() && dst.dtype() == DType.BOOL)) {
                // half_kernels.cu: the float32 kernel's function between a widening load and one rounding
                Geo g = new Geo(dstLayout, srcLayout);
                String kernel = op.isPredicate() ? "hunary_pred_" : "hunary" + family(op, DType.FLOAT32);
                launch(kernel + suffix(t), g.numel, g, g, op.ordinal(), cuda(src).ptr, cuda(dst).ptr);
                return;
            }
            try (CudaHalf.Widened w = widened()) {
                unary(op, w.in(src), srcLayout, w.out(dst, dstLayout), dstLayout);
            }
            return;
        }
        CudaStorage s = cuda(src);
        CudaStorage d = cuda(dst);
        if (narrow(s.dtype)) {
            try (CudaStorage w = widen(s, srcLayout)) {
                Layout dense = Layout.contiguous(srcLayout.shape());
                if (narrow(d.dtype)) {
                    CudaStorage r = (CudaStorage) allocate(DType.INT64, dense.numel(), 0);
                    unary(op, w, dense, r, dense);
                    narrowInto(r, d, dstLayout);
                } else {
                    unary(op, w, dense, d, dstLayout);
                }
            }
            return;
        }
        Geo g = new Geo(dstLayout, srcLayout);
        String kernel = op.isPredicate() ? "unary_pred_" + suffix(s.dtype) : "unary" + family(op, s.dtype) + suffix(s.dtype);
        if (s.dtype == DType.BOOL && kernel.startsWith("unary_u8")) {
            throw new IllegalArgumentException("unary " + op + " is not defined for bool tensors");
        }
        launch(kernel, g.numel, g, g, op.ordinal(), s.ptr, d.ptr);
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        bind();
        if (CudaHalf.any(a, b, dst)) {
            DType t = a.dtype();
            if (CudaHalf.isHalf(t) && b.dtype() == t && (dst.dtype() == t || op.isPredicate() && dst.dtype() == DType.BOOL)) {
                Geo g = new Geo(dstLayout, aLayout, bLayout);
                String kernel = op.isPredicate() ? "hcompare_" : "hbinary" + family(op, DType.FLOAT32);
                launch(kernel + suffix(t), g.numel, g, g, op.ordinal(), cuda(a).ptr, cuda(b).ptr, cuda(dst).ptr);
                return;
            }
            try (CudaHalf.Widened w = widened()) {
                binary(op, w.in(a), aLayout, w.in(b), bLayout, w.out(dst, dstLayout), dstLayout);
            }
            return;
        }
        CudaStorage x = cuda(a);
        if (narrow(x.dtype)) {
            try (CudaStorage wa = widen(x, aLayout); CudaStorage wb = widen(cuda(b), bLayout)) {
                Layout dense = Layout.contiguous(dstLayout.shape());
                CudaStorage d = cuda(dst);
                if (narrow(d.dtype)) {
                    CudaStorage r = (CudaStorage) allocate(DType.INT64, dense.numel(), 0);
                    binary(op, wa, dense, wb, dense, r, dense);
                    narrowInto(r, d, dstLayout);
                } else {
                    binary(op, wa, dense, wb, dense, d, dstLayout);
                }
            }
            return;
        }
        Geo g = new Geo(dstLayout, aLayout, bLayout);
        String kernel = (op.isPredicate() ? "compare_" : "binary" + family(op, x.dtype)) + suffix(x.dtype);
        launch(kernel, g.numel, g, g, op.ordinal(), x.ptr, cuda(b).ptr, cuda(dst).ptr);
    }

    /**
     * "2_" for the op codes of issue 14 on numbers, which run kernels of their own (unary2_*, binary2_*) so that their
     * code does not raise the register count of the common ops' kernels; "_" otherwise (bool ops, int64 bitwise not and
     * trunc share the original kernels).
     */
    private static String family(UnaryOp op, DType t) {
        return t.isFloatingPoint() && op.ordinal() >= UnaryOp.LOG1P.ordinal() ? "2_" : "_";
    }

    private static String family(BinaryOp op, DType t) {
        return t != DType.BOOL && op.ordinal() >= BinaryOp.ATAN2.ordinal() ? "2_" : "_";
    }

    @Override
    public void binaryScalar(BinaryOp op, Storage a, Layout aLayout, Number scalar, boolean scalarFirst, Storage dst,
                             Layout dstLayout) {
        bind();
        CudaStorage x = cuda(a);
        if (CudaHalf.isHalf(x.dtype)) {
            // the number as PyTorch's reduced-type kernels see it, then the float32 kernel on widened copies
            Float v = CudaHalf.scalar(op, x.dtype, scalar, scalarFirst);
            DType d = dst.dtype();
            if (d == x.dtype || op.isPredicate() && d == DType.BOOL) {
                Geo g = new Geo(dstLayout, aLayout);
                String kernel = op.isPredicate() ? "hcompare_scalar_" : "hbinary" + family(op, DType.FLOAT32) + "scalar_";
                launch(kernel + suffix(x.dtype), g.numel, g, g, op.ordinal(), x.ptr, (double) v, 0L, scalarFirst ? 1 : 0,
                        cuda(dst).ptr);
                return;
            }
            try (CudaHalf.Widened w = widened()) {
                binaryScalar(op, w.in(a), aLayout, v, scalarFirst, w.out(dst, dstLayout), dstLayout);
            }
            return;
        }
        if (narrow(x.dtype)) {
            try (CudaStorage wa = widen(x, aLayout)) {
                Layout dense = Layout.contiguous(dstLayout.shape());
                CudaStorage d = cuda(dst);
                if (narrow(d.dtype)) {
                    CudaStorage r = (CudaStorage) allocate(DType.INT64, dense.numel(), 0);
                    binaryScalar(op, wa, dense, scalar.longValue(), scalarFirst, r, dense);
                    narrowInto(r, d, dstLayout);
                } else {
                    binaryScalar(op, wa, dense, scalar.longValue(), scalarFirst, d, dstLayout);
                }
            }
            return;
        }
        Geo g = new Geo(dstLayout, aLayout);
        String kernel = (op.isPredicate() ? "compare_scalar_" : "binary" + family(op, x.dtype) + "scalar_") + suffix(x.dtype);
        double v = scalar.doubleValue();
        long lv = scalar instanceof Long ? scalar.longValue() : (long) v;
        launch(kernel, g.numel, g, g, op.ordinal(), x.ptr, v, lv, scalarFirst ? 1 : 0, cuda(dst).ptr);
    }

    @Override
    public void checkIndices(Storage index, Layout layout, long bound, String message) {
        bind();
        if (narrow(cuda(index).dtype)) {
            try (CudaStorage w = widen(cuda(index), layout)) {
                checkIndices(w, Layout.contiguous(layout.shape()), bound, message);
            }
            return;
        }
        Geo g = new Geo(layout);
        launch("check_indices", g.numel, g, g, cuda(index).ptr, bound, errorWord(reserveCheck(message)));
    }

    @Override
    public void axpy(double alpha, Storage x, Layout xLayout, Storage y, Layout yLayout) {
        bind();
        if (CudaHalf.any(x, y)) {
            // alpha in y's type (HalfLoops.axpy), one float fused multiply-add, rounded once
            double a = CudaHalf.isHalf(y.dtype()) ? CudaHalf.alpha(y.dtype(), alpha) : alpha;
            try (CudaHalf.Widened w = widened()) {
                axpy(a, w.in(x), xLayout, w.out(y, yLayout), yLayout);
            }
            return;
        }
        CudaStorage ys = cuda(y);
        Geo g = new Geo(yLayout, xLayout);
        launch("axpy_" + suffix(ys.dtype), g.numel, g, g, alpha, cuda(x).ptr, ys.ptr);
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst, Layout dstLayout) {
        bind();
        if (CudaHalf.any(a, b, dst)) {
            if (a.dtype() == dst.dtype() && b.dtype() == dst.dtype()) {
                // the bits as they are (NaN payloads kept), as the CPU backend
                Geo g = new Geo(dstLayout, condLayout, aLayout, bLayout);
                launch("where_h16", g.numel, g, g, cuda(cond).ptr, cuda(a).ptr, cuda(b).ptr, cuda(dst).ptr);
                return;
            }
            try (CudaHalf.Widened w = widened()) {
                where(cond, condLayout, w.in(a), aLayout, w.in(b), bLayout, w.out(dst, dstLayout), dstLayout);
            }
            return;
        }
        if (narrow(cuda(dst).dtype)) {
            Layout dense = Layout.contiguous(dstLayout.shape());
            try (CudaStorage wa = widen(cuda(a), aLayout); CudaStorage wb = widen(cuda(b), bLayout)) {
                CudaStorage r = (CudaStorage) allocate(DType.INT64, dense.numel(), 0);
                where(cond, condLayout, wa, dense, wb, dense, r, dense);
                narrowInto(r, cuda(dst), dstLayout);
            }
            return;
        }
        Geo g = new Geo(dstLayout, condLayout, aLayout, bLayout);
        launch("where_" + suffix(cuda(dst).dtype), g.numel, g, g, cuda(cond).ptr, cuda(a).ptr, cuda(b).ptr,
                cuda(dst).ptr);
    }

    @Override
    public void reduce(ReduceOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        bind();
        if (CudaHalf.any(src, dst)) {
            // the float32 kernels accumulate in double, as the CPU's reduction of every floating type; one rounding
            try (CudaHalf.Widened w = widened()) {
                reduce(op, w.in(src), srcLayout, w.out(dst, dstLayout), dstLayout);
            }
            return;
        }
        CudaStorage s = cuda(src);
        CudaStorage d = cuda(dst);
        if (narrow(s.dtype)) {
            // in int64: sums and products and the indices are int64 already; max and min narrow back (in range)
            try (CudaStorage w = widen(s, srcLayout)) {
                Layout dense = Layout.contiguous(srcLayout.shape());
                if (narrow(d.dtype)) {
                    Layout denseOut = Layout.contiguous(dstLayout.shape());
                    CudaStorage r = (CudaStorage) allocate(DType.INT64, denseOut.numel(), 0);
                    reduce(op, w, dense, r, denseOut);
                    narrowInto(r, d, dstLayout);
                } else {
                    reduce(op, w, dense, d, dstLayout);
                }
            }
            return;
        }
        int rank = srcLayout.rank();
        int[] shape = srcLayout.shape();
        int kept = 0;
        int red = 0;
        for (int i = 0; i < rank; i++) {
            if (dstLayout.size(i) == 1 && shape[i] != 1) {
                red++;
            } else {
                kept++;
            }
        }
        int[] keptShape = new int[kept];
        int[] keptSrc = new int[kept];
        int[] keptDst = new int[kept];
        int[] redShape = new int[red];
        int[] redStrides = new int[red];
        for (int i = 0, k = 0, r = 0; i < rank; i++) {
            if (dstLayout.size(i) == 1 && shape[i] != 1) {
                redShape[r] = shape[i];
                redStrides[r++] = srcLayout.stride(i);
            } else {
                keptShape[k] = shape[i];
                keptSrc[k] = srcLayout.stride(i);
                keptDst[k++] = dstLayout.stride(i);
            }
        }
        Geo outG = new Geo(new Layout(keptShape, keptDst, dstLayout.offset()), new Layout(keptShape, keptSrc, srcLayout.offset()));
        Geo redG = new Geo(new Layout(redShape, redStrides, 0));
        String kernel;
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        if (arg) {
            kernel = "argreduce_" + suffix(s.dtype);
        } else if (s.dtype == DType.BOOL) {
            kernel = op == ReduceOp.SUM || op == ReduceOp.PROD ? "reduce_u8_i64" : "reduce_u8";
        } else {
            kernel = "reduce_" + suffix(s.dtype);
        }
        if (outG.numel == 0) {
            return;
        }
        if (op == ReduceOp.SUM && (s.dtype == DType.FLOAT32 || s.dtype == DType.FLOAT64) && outG.numel >= 4096
                && redG.numel <= 4096) {
            launch("sum_per_thread_" + suffix(s.dtype), outG.numel, srcLayout, outG, redG, s.ptr, d.ptr);
            return;
        }
        // few outputs over many elements: split each reduction over several blocks, then combine (two passes)
        int parts = outG.numel < 1024 ? Math.min(1024, redG.numel / 8192) : 1;
        if (parts >= 2) {
            try (CudaStorage partials = (CudaStorage) allocate(DType.INT64, (long) outG.numel * parts * ACC_BYTES / 8, 0)) {
                launchGrid(kernel + "_partial", outG.numel * parts, 1, 1, THREADS, 1, srcLayout, outG, redG,
                        op.ordinal(), s.ptr, partials.ptr, parts);
                launchGrid(kernel + "_finish", Math.min(MAX_BLOCKS, outG.numel), 1, 1, THREADS, 1, srcLayout, outG,
                        op.ordinal(), partials.ptr, parts, d.ptr);
            }
            return;
        }
        int blocks = Math.max(1, Math.min(MAX_BLOCKS, outG.numel));
        launchGrid(kernel, blocks, 1, 1, THREADS, 1, srcLayout, outG, redG, op.ordinal(), s.ptr, d.ptr);
    }

    // ------------------------------------------------------------------ indexing (CudaIndexKernels)
    // gather, scatter with every ScatterReduce, nonzeroCount/nonzero and linearIndex run index_kernels.cu through
    // CudaIndexKernels (a narrow integer index of gather and scatter widened to int64 first); a case it does not take
    // (see its Javadoc) runs the SPI's default, the CPU's kernel on host copies.

    private final CudaIndexKernels indexKernels = new CudaIndexKernels(new CudaIndexKernels.Device() {
        @Override
        public void launch(String kernel, int n, Object shape, Object... args) {
            bind();
            CudaBackend.this.launch(kernel, n, shape, args);
        }

        @Override
        public void launchGrid(String kernel, int blocks, int threads, Object shape, Object... args) {
            bind();
            CudaBackend.this.launchGrid(kernel, blocks, 1, 1, threads, 1, shape, args);
        }

        @Override
        public Storage allocate(DType dtype, long numel, boolean zeroed) {
            return zeroed ? allocateZeroed(dtype, numel, 0) : CudaBackend.this.allocate(dtype, numel, 0);
        }

        @Override
        public void fill(Storage dst, Layout layout, double value) {
            CudaBackend.this.fill(dst, layout, value);
        }

        @Override
        public Object toArray(Storage src, Layout layout) {
            return CudaBackend.this.toArray(src, layout);
        }

        @Override
        public CUdeviceptr pointer(Storage s) {
            return cuda(s).ptr;
        }

        /**
         * Hands out the error word of a new check, in launch order; the {@link #deferCheck} that follows its launch (no
         * synchronization in between) names it.
         */
        @Override
        public CUdeviceptr errorWord() {
            bind();
            int slot = reserveCheck(null);
            namelessCheck.get()[0] = slot;
            return CudaBackend.this.errorWord(slot);
        }

        @Override
        public void deferCheck(String message) {
            int[] slot = namelessCheck.get();
            if (slot[0] < 0) {
                throw new IllegalStateException("deferCheck without an error word handed out by errorWord()");
            }
            pendingChecks.name(slot[0], message);
            slot[0] = -1;
        }
    });

    /**
     * A narrow integer index (int32 from index_select, index_add, embedding...) widened element for element into a new
     * int64 storage of the same size, which the same layouts read: the index kernels take int64 indices, and a broadcast
     * index layout stays unmaterialized.
     */
    private CudaStorage widenIndex(Storage index) {
        int n = Math.toIntExact(index.numel());
        CudaStorage w = (CudaStorage) allocate(DType.INT64, n, 0);
        if (n > 0) {
            copy(index, Layout.contiguous(n), w, Layout.contiguous(n));
        }
        return w;
    }

    @Override
    public void gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                       Layout dstLayout) {
        if (CudaHalf.any(src, dst)) {
            try (CudaHalf.Widened w = widened()) {
                gather(w.in(src), srcLayout, dim, index, indexLayout, w.out(dst, dstLayout), dstLayout);
            }
            return;
        }
        bind();
        if (narrow(index.dtype())) {
            try (CudaStorage w = widenIndex(index)) {
                gather(src, srcLayout, dim, w, indexLayout, dst, dstLayout);
            }
            return;
        }
        if (!indexKernels.gather(src, srcLayout, dim, index, indexLayout, dst, dstLayout)) {
            Backend.super.gather(src, srcLayout, dim, index, indexLayout, dst, dstLayout);
        }
    }

    @Override
    public void scatter(ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim, Storage index,
                        Layout indexLayout, Storage src, Layout srcLayout) {
        if (CudaHalf.any(src, dst)) {
            try (CudaHalf.Widened w = widened()) {
                scatter(reduce, includeSelf, w.out(dst, dstLayout), dstLayout, dim, index, indexLayout, w.in(src), srcLayout);
            }
            return;
        }
        bind();
        if (narrow(index.dtype())) {
            try (CudaStorage w = widenIndex(index)) {
                scatter(reduce, includeSelf, dst, dstLayout, dim, w, indexLayout, src, srcLayout);
            }
            return;
        }
        if (!indexKernels.scatter(reduce, includeSelf, dst, dstLayout, dim, index, indexLayout, src, srcLayout)) {
            Backend.super.scatter(reduce, includeSelf, dst, dstLayout, dim, index, indexLayout, src, srcLayout);
        }
    }

    @Override
    public long nonzeroCount(Storage src, Layout layout) {
        if (CudaHalf.any(src)) {
            try (CudaHalf.Widened w = widened()) {
                return nonzeroCount(w.in(src), layout);
            }
        }
        bind();
        long n = indexKernels.nonzeroCount(src, layout);
        return n >= 0 ? n : Backend.super.nonzeroCount(src, layout);
    }

    @Override
    public void nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
        if (CudaHalf.any(src)) {
            try (CudaHalf.Widened w = widened()) {
                nonzero(w.in(src), layout, dst, dstLayout);
            }
            return;
        }
        bind();
        if (!indexKernels.nonzero(src, layout, dst, dstLayout)) {
            Backend.super.nonzero(src, layout, dst, dstLayout);
        }
    }

    @Override
    public void linearIndex(Storage[] indices, Layout[] indexLayouts, long[] sizes, Storage dst, Layout dstLayout,
                            String message) {
        bind();
        if (!indexKernels.linearIndex(indices, indexLayouts, sizes, dst, dstLayout, message)) {
            Backend.super.linearIndex(indices, indexLayouts, sizes, dst, dstLayout, message);
        }
    }

    /** For CudaIndexKernels: the kernels' name for a type. */
    static String kernelSuffix(DType t) {
        return suffix(t);
    }

    // ------------------------------------------------------------------ sorting and scans (CudaSortKernels)
    // sort, rankSelect, scan, searchsorted, histc, bincount and unique run sort_kernels.cu through CudaSortKernels; a case
    // it does not take (see its Javadoc) runs the SPI's default, the CPU's kernel on host copies.

    private final CudaSortKernels sortKernels = new CudaSortKernels(new CudaSortKernels.Device() {
        @Override
        public void launch(String kernel, int n, Object shape, Object... args) {
            bind();
            CudaBackend.this.launch(kernel, n, shape, args);
        }

        @Override
        public void launchGrid(String kernel, int blocks, int threads, Object shape, Object... args) {
            bind();
            CudaBackend.this.launchGrid(kernel, blocks, 1, 1, threads, 1, shape, args);
        }

        @Override
        public Storage allocate(DType dtype, long numel, boolean zeroed) {
            return zeroed ? allocateZeroed(dtype, numel, 0) : CudaBackend.this.allocate(dtype, numel, 0);
        }

        @Override
        public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
            CudaBackend.this.copy(src, srcLayout, dst, dstLayout);
        }

        @Override
        public Object toArray(Storage src, Layout layout) {
            return CudaBackend.this.toArray(src, layout);
        }

        @Override
        public CUdeviceptr pointer(Storage s) {
            return cuda(s).ptr;
        }
    });

    @Override
    public void sort(Storage src, Layout srcLayout, int dim, boolean descending, Storage values, Layout valuesLayout,
                     Storage indices, Layout indicesLayout) {
        if (CudaHalf.any(src, values)) {
            try (CudaHalf.Widened w = widened()) {
                sort(w.in(src), srcLayout, dim, descending, w.out(values, valuesLayout), valuesLayout, indices, indicesLayout);
            }
            return;
        }
        bind();
        if (!sortKernels.sort(src, srcLayout, dim, descending, values, valuesLayout, indices, indicesLayout)) {
            Backend.super.sort(src, srcLayout, dim, descending, values, valuesLayout, indices, indicesLayout);
        }
    }

    @Override
    public void rankSelect(dev.ember.backend.RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values,
                           Layout valuesLayout, Storage indices, Layout indicesLayout) {
        if (CudaHalf.any(src, values)) {
            try (CudaHalf.Widened w = widened()) {
                rankSelect(op, w.in(src), srcLayout, dim, k, w.out(values, valuesLayout), valuesLayout, indices, indicesLayout);
            }
            return;
        }
        bind();
        if (!sortKernels.rankSelect(op, src, srcLayout, dim, k, values, valuesLayout, indices, indicesLayout)) {
            Backend.super.rankSelect(op, src, srcLayout, dim, k, values, valuesLayout, indices, indicesLayout);
        }
    }

    @Override
    public void scan(dev.ember.backend.ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout,
                     Storage indices, Layout indicesLayout) {
        if (CudaHalf.any(src, dst)) {
            try (CudaHalf.Widened w = widened()) {
                scan(op, w.in(src), srcLayout, dim, w.out(dst, dstLayout), dstLayout, indices, indicesLayout);
            }
            return;
        }
        bind();
        if (!sortKernels.scan(op, src, srcLayout, dim, dst, dstLayout, indices, indicesLayout)) {
            Backend.super.scan(op, src, srcLayout, dim, dst, dstLayout, indices, indicesLayout);
        }
    }

    @Override
    public void searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                             Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
        if (CudaHalf.any(sorted, values)) {
            try (CudaHalf.Widened w = widened()) {
                searchsorted(w.in(sorted), sortedLayout, sorter, sorterLayout, w.in(values), valuesLayout, right, out, outLayout);
            }
            return;
        }
        bind();
        if (!sortKernels.searchsorted(sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, right, out,
                outLayout)) {
            Backend.super.searchsorted(sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, right, out,
                    outLayout);
        }
    }

    @Override
    public void histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
        if (CudaHalf.any(src, out)) {
            try (CudaHalf.Widened w = widened()) {
                histc(w.in(src), srcLayout, bins, min, max, w.out(out, outLayout), outLayout);
            }
            return;
        }
        bind();
        if (!sortKernels.histc(src, srcLayout, bins, min, max, out, outLayout)) {
            Backend.super.histc(src, srcLayout, bins, min, max, out, outLayout);
        }
    }

    @Override
    public void bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                         Layout outLayout) {
        if (CudaHalf.any(weights, out)) {
            try (CudaHalf.Widened w = widened()) {
                bincount(src, srcLayout, w.in(weights), weightsLayout, w.out(out, outLayout), outLayout);
            }
            return;
        }
        bind();
        if (!sortKernels.bincount(src, srcLayout, weights, weightsLayout, out, outLayout)) {
            Backend.super.bincount(src, srcLayout, weights, weightsLayout, out, outLayout);
        }
    }

    @Override
    public long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        if (CudaHalf.any(src, values)) {
            try (CudaHalf.Widened w = widened()) {
                return unique(w.in(src), srcLayout, sorted, w.out(values, null), inverse, counts);
            }
        }
        bind();
        long groups = sortKernels.unique(src, srcLayout, sorted, values, inverse, counts);
        return groups >= 0 ? groups : Backend.super.unique(src, srcLayout, sorted, values, inverse, counts);
    }

    @Override
    public void matmul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        gemm(a, aLayout, b, bLayout, dst, dstLayout, false);
    }

    // ------------------------------------------------------------------ tensor cores (CudaTensorCores, issue 18)
    // Half GEMMs, and float32 GEMMs where TF32 is allowed (matmul precision "high"/"medium"; the convolutions' GEMMs
    // under allowTf32Convolution), run tc_kernels.cu through CudaTensorCores; everything else the FP32 kernels below.

    private final CudaTensorCores tensorCores = new CudaTensorCores(new CudaTensorCores.Device() {
        @Override
        public void launchTc(String kernel, int gx, int gy, int gz, int threads, Object shape, Object... args) {
            bind();
            launchGrid(kernel, gx, gy, gz, threads, 1, shape, args);
        }

        @Override
        public int computeCapability() {
            init();
            if (!reason.isEmpty()) {
                return 0;
            }
            CUdevice dev = new CUdevice();
            JCudaDriver.cuDeviceGet(dev, 0);
            int[] major = new int[1];
            int[] minor = new int[1];
            JCudaDriver.cuDeviceGetAttribute(major, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            JCudaDriver.cuDeviceGetAttribute(minor, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            return major[0] * 10 + minor[0];
        }
    });

    /**
     * For tests and benchmarks (half tensors use the same kernels through matmul): C = A @ B on the tensor cores for row-major
     * [batch, m, k] and [batch, k, n] operands of the half type {@code in} given as their bits; returns the row-major
     * [batch, m, n] result as float[] ({@code out} FLOAT32) or as the bits of type {@code out} == {@code in} (short[]).
     * Throws IllegalStateException where the GPU has no tensor cores (before sm_80).
     */
    Object tensorCoreGemm(DType in, DType out, short[] a, short[] b, int batch, int m, int k, int n) {
        bind();
        if (!tensorCores.available() || CudaTensorCores.kernel(in, out) == null || in == DType.FLOAT32) {
            throw new IllegalStateException("no tensor-core GEMM for " + in + " -> " + out + " here: "
                    + tensorCores.describe());
        }
        DType cType = out == DType.FLOAT32 ? DType.FLOAT32 : DType.INT16; // int16 storages carry the half bits
        try (CudaStorage x = (CudaStorage) upload(a, DType.INT16, 0);
             CudaStorage y = (CudaStorage) upload(b, DType.INT16, 0);
             CudaStorage c = (CudaStorage) allocate(cType, (long) batch * m * n, 0)) {
            tensorCores.gemm(in, out, Layout.contiguous(batch, m, k), Layout.contiguous(batch, k, n),
                    Layout.contiguous(batch, m, n), x.ptr, y.ptr, c.ptr, false);
            return toArray(c, Layout.contiguous(batch * m * n));
        }
    }

    /**
     * For benchmarks: milliseconds per n x n x n product of the half type {@code in} (FLOAT16 or BFLOAT16) on the tensor
     * cores, the output of type {@code out} (FLOAT32 or {@code in}), over {@code reps} launches after 3 warm-up ones
     * (operands uniform in [-1, 1), made on the host; the stream synchronized before the clock stops).
     */
    public double tensorCoreGemmMs(DType in, DType out, int n, int reps) {
        bind();
        if (!tensorCores.available() || CudaTensorCores.kernel(in, out) == null || in == DType.FLOAT32) {
            throw new IllegalStateException("no tensor-core GEMM for " + in + " -> " + out + " here: "
                    + tensorCores.describe());
        }
        short[] host = new short[n * n];
        java.util.Random r = new java.util.Random(18);
        for (int i = 0; i < host.length; i++) {
            float v = r.nextFloat() * 2 - 1;
            host[i] = in == DType.BFLOAT16 ? dev.ember.BFloat16.fromFloat(v) : dev.ember.Half.fromFloat(v);
        }
        Layout l = Layout.contiguous(1, n, n);
        try (CudaStorage x = (CudaStorage) upload(host, DType.INT16, 0);
             CudaStorage c = (CudaStorage) allocate(out == DType.FLOAT32 ? DType.FLOAT32 : DType.INT16, (long) n * n, 0)) {
            for (int i = 0; i < 3; i++) {
                tensorCores.gemm(in, out, l, l, l, x.ptr, x.ptr, c.ptr, false);
            }
            synchronizeStream();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                tensorCores.gemm(in, out, l, l, l, x.ptr, x.ptr, c.ptr, false);
            }
            synchronizeStream();
            return (System.nanoTime() - t0) / 1e6 / reps;
        }
    }

    /** Whether a matmul's float32 products may compute in TF32: the matmul precision "high" or "medium". */
    private static boolean matmulTf32() {
        return !"highest".equals(Ember.getFloat32MatmulPrecision());
    }

    /**
     * C = A @ B over rank-3 layouts; {@code convolution}: one of a convolution's GEMMs (its TF32 switch applies).
     * Operands of one half type (float16 or bfloat16) run on cuBLAS 13 (float32 accumulation) or Ember's tensor-core
     * kernels (float32 accumulation, one rounding of each result), as PyTorch runs its half GEMMs (always: this is no
     * TF32 question; the sums run in another order than the CPU's, so the results are within a GEMM's tolerance of
     * the CPU's rather than its bits); where neither takes them, or the types differ, the float32 kernels run on widened
     * copies (the CPU's arithmetic).
     */
    private void gemm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout,
                      boolean convolution) {
        bind();
        CudaStorage x = cuda(a);
        CudaStorage y = cuda(b);
        CudaStorage c = cuda(dst);
        int batch = aLayout.size(0);
        int m = aLayout.size(1);
        int k = aLayout.size(2);
        int n = bLayout.size(2);
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        if (k == 0) {
            fill(dst, dstLayout, 0);
            return;
        }
        boolean half = CudaHalf.any(x, y, c);
        if (!half || x.dtype == y.dtype && x.dtype == c.dtype) {
            boolean tf32 = convolution ? Ember.allowTf32Convolution() : matmulTf32();
            if (cublas != null && !cublasDisabled && cublas.gemm(x, aLayout, y, bLayout, c, dstLayout, tf32)) {
                return;
            }
            if (tensorCores.gemm(x.dtype, c.dtype, aLayout, bLayout, dstLayout, x.ptr, y.ptr, c.ptr, convolution)) {
                return;
            }
        }
        if (half) {
            try (CudaHalf.Widened w = widened()) {
                gemm(w.in(a), aLayout, w.in(b), bLayout, w.out(dst, dstLayout), dstLayout, convolution);
            }
            return;
        }
        if (x.dtype == DType.FLOAT32) {
            sgemm(x, aLayout, y, bLayout, c, dstLayout, 1);
            return;
        }
        String kernel = "gemm_" + suffix(x.dtype);
        int[] shape = {batch, m, k, n};
        for (int[] piece : gemmPieces(batch, m, 64, 1)) {
            launchGrid(kernel, (n + 63) / 64, (piece[3] + 63) / 64, piece[1], 16, 16, shape, piece[1],
                    mat(aLayout, piece[0], piece[2], piece[3]), mat(bLayout, piece[0], 0, k),
                    mat(dstLayout, piece[0], piece[2], piece[3]), x.ptr, y.ptr, c.ptr);
        }
    }

    /** CUDA's limit on a grid's y and z dimensions (x takes 2^31 - 1 blocks). */
    static final int MAX_GRID_YZ = 65535;

    /**
     * How a GEMM of {@code batch} samples (each {@code splits} matrices of C, split-K) of {@code m} rows, in row tiles of
     * {@code bm}, splits into launches whose grids keep y (row tiles) and z (samples times splits) within
     * {@link #MAX_GRID_YZ}: each piece is {first sample, samples, first row, rows}; one piece where the grid fits. Without
     * this a batched product of more than 65535 samples (a bmm, a convolution of many small samples, whose GEMM batch is
     * the samples) or more than 65535 row tiles (a product of over 4 million rows) failed to launch
     * (CUDA_ERROR_INVALID_VALUE).
     */
    static int[][] gemmPieces(int batch, int m, int bm, int splits) {
        int samplesPer = Math.max(1, MAX_GRID_YZ / splits);
        int rowsPer = MAX_GRID_YZ * bm;
        int[][] pieces = new int[((batch + samplesPer - 1) / samplesPer) * ((m + rowsPer - 1) / rowsPer)][];
        int i = 0;
        for (int b0 = 0; b0 < batch; b0 += samplesPer) {
            for (int r0 = 0; r0 < m; r0 += rowsPer) {
                pieces[i++] = new int[] {b0, Math.min(samplesPer, batch - b0), r0, Math.min(rowsPer, m - r0)};
            }
        }
        return pieces;
    }

    /**
     * The struct Mat of {@code rows} rows from row {@code r0} of a rank-3 [batch, rows, cols] layout, from matrix
     * {@code b0} on (its batch stride then steps through the matrices after it).
     */
    static int[] mat(Layout l, int b0, int r0, int rows) {
        return new int[] {rows, l.size(2), l.stride(0), l.stride(1), l.stride(2),
            l.offset() + b0 * l.stride(0) + r0 * l.stride(1)};
    }

    /**
     * Float32 C = A @ B over rank-3 layouts (k > 0), with the depth split into {@code splits} parts of
     * {@link #splitDepth} each: C's layout then holds batch * splits matrices, sample i's part j at index
     * i * splits + j, which the caller sums (split-K: more blocks for products with few outputs and a long depth).
     */
    private void sgemm(CudaStorage x, Layout aLayout, CudaStorage y, Layout bLayout, CudaStorage c, Layout cLayout,
                       int splits) {
        int batch = aLayout.size(0);
        int m = aLayout.size(1);
        int k = aLayout.size(2);
        int n = bLayout.size(2);
        int kPer = splitDepth(k, splits);
        int[] tile = forcedTile != null ? forcedTile : sgemmTile(m, n, batch * splits, multiprocessors);
        int bm = tile[0];
        int bn = tile[1];
        String kernel = sgemmKernel(bm, bn, aLayout, bLayout);
        int[] shape = {batch, m, k, n, splits};
        // C holds splits matrices per sample: a piece from sample b0 starts at C's matrix b0 * splits
        for (int[] piece : gemmPieces(batch, m, bm, splits)) {
            launchGrid(kernel, (n + bn - 1) / bn, (piece[3] + bm - 1) / bm, piece[1] * splits, bm * bn / 64, 1, shape,
                    splits, kPer, mat(aLayout, piece[0], piece[2], piece[3]), mat(bLayout, piece[0], 0, k),
                    mat(cLayout, piece[0] * splits, piece[2], piece[3]), x.ptr, y.ptr, c.ptr);
        }
    }

    /** The depth each of {@code splits} parts of a k-deep product takes: k itself, or a multiple of 16. */
    static int splitDepth(int k, int splits) {
        return splits == 1 ? k : ((k + splits - 1) / splits + 15) / 16 * 16;
    }

    private volatile int[] forcedTile;

    /**
     * The float32 GEMM kernel for a tile and the operands' rank-3 layouts: {@code sgemmv_*}, which loads 16 bytes at a
     * time, where each operand is unit-stride along one of its matrix dimensions and that dimension's size, the other
     * stride, the batch stride (if batched) and the offset are multiples of 4 (storages start 256-byte aligned, so
     * every float4 is aligned); otherwise the general {@code sgemm_*}, which takes any strides. The suffix names the
     * unit-stride dimension of A ({@code k}: row-major, {@code m}) and of B ({@code k}: column-major, {@code n}).
     */
    static String sgemmKernel(int bm, int bn, Layout a, Layout b) {
        char ak = vectorDim(a, 'k', 'm');
        char bk = vectorDim(b, 'n', 'k');
        String tile = bm + "x" + bn;
        return ak == 0 || bk == 0 ? "sgemm_" + tile : "sgemmv_" + tile + "_" + ak + bk;
    }

    /**
     * Which matrix dimension of a rank-3 [batch, rows, cols] layout allows float4 loads: {@code byCols} if it is
     * unit-stride along its columns, {@code byRows} along its rows, 0 if neither qualifies.
     */
    private static char vectorDim(Layout l, char byCols, char byRows) {
        boolean aligned = l.offset() % 4 == 0 && (l.size(0) == 1 || l.stride(0) % 4 == 0);
        if (!aligned) {
            return 0;
        }
        if (l.stride(2) == 1 && l.size(2) % 4 == 0 && l.stride(1) % 4 == 0) {
            return byCols;
        }
        if (l.stride(1) == 1 && l.size(1) % 4 == 0 && l.stride(2) % 4 == 0) {
            return byRows;
        }
        return 0;
    }

    /**
     * For tests and benchmarks: every float32 GEMM uses the tile {@code {bm, bn}} (one of 128x128, 64x128, 128x64,
     * 64x64), or, for null, the one {@link #sgemmTile} chooses.
     */
    public void forceSgemmTile(int[] tile) {
        forcedTile = tile;
    }

    /**
     * The float32 GEMM tiles, largest first, and the relative speed of each once the SMs are busy: the 16-byte-load
     * kernels' rates on a 4096^3 product on an H100 (41.1, 34.5, 35.3 and 32.2 TFLOP/s; benchmarks/cuda/sgemm_variants.cu).
     */
    private static final int[][] SGEMM_TILES = {{128, 128}, {128, 64}, {64, 128}, {64, 64}};
    private static final double[] SGEMM_EFFICIENCY = {1.0, 0.84, 0.86, 0.78};

    /**
     * The tile of C one block computes for an m x n product (times batch): the one with the least estimated time,
     * counting the waves of blocks over the multiprocessors, the work of the tiles' padding, and the lower rate of
     * small tiles. Large products get 128x128; 1024x1024 (64 such tiles for 132 SMs) gets 64x128, and the 56x56
     * convolution's forward and weight-gradient products (64 rows) 64x64: the fastest of the four tiles in the
     * H100 sweep of benchmarks/cuda/sgemm_variants.cu (26.3, 28.6 and 16.4 TFLOP/s).
     */
    static int[] sgemmTile(int m, int n, int batch, int sms) {
        int[] best = SGEMM_TILES[0];
        double bestTime = Double.MAX_VALUE;
        for (int i = 0; i < SGEMM_TILES.length; i++) {
            int bm = SGEMM_TILES[i][0];
            int bn = SGEMM_TILES[i][1];
            long blocks = (long) ((m + bm - 1) / bm) * ((n + bn - 1) / bn) * batch;
            double time = Math.ceil((double) blocks / sms) * bm * bn / SGEMM_EFFICIENCY[i];
            if (time < bestTime) {
                bestTime = time;
                best = SGEMM_TILES[i];
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ convolution (im2col + GEMM) and pooling

    /** Bytes of im2col workspace per chunk of samples: bounds memory for large batches. */
    private static final long COL_BUDGET = 256L << 20;

    private static CUdeviceptr at(CudaStorage s, int offset) {
        return s.ptr.withByteOffset((long) offset * elementSize(s.dtype));
    }

    /**
     * The sizes of one convolution, how many samples one im2col workspace holds, and the rank-3 layouts through which
     * each GEMM of a group and chunk of samples sees the weight, the workspace and the output-shaped tensor.
     */
    private static final class ConvDims {
        final int[] in;
        final Conv2dParams p;
        final int n;
        final int groups;
        final int o;
        final int og;
        final int ckk;
        final int ohw;
        final int chunk;
        private final int[] ws;
        private final int[] os;

        ConvDims(Layout input, Layout weight, Layout output, Conv2dParams p, DType t) {
            this.p = p;
            in = input.shape();
            ws = weight.shape();
            os = output.shape();
            n = in[0];
            groups = p.groups();
            o = ws[0];
            og = o / groups;
            ckk = ws[1] * ws[2] * ws[3];
            ohw = os[2] * os[3];
            long perSample = (long) groups * ckk * ohw * elementSize(t);
            chunk = (int) Math.max(1, Math.min(n, COL_BUDGET / Math.max(1, perSample)));
        }

        /** An im2col workspace for {@link #chunk} samples. */
        long colElements() {
            return (long) chunk * groups * ckk * ohw;
        }

        /** The struct ConvGeo for samples n0..n0+nb-1. */
        int[] geo(int n0, int nb) {
            return new int[] {n0, nb, in[1], in[2], in[3], groups, in[1] / groups, ws[2], ws[3], os[2], os[3],
                p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW()};
        }

        /** Group gi of the weight as [nb, og, ckk] (the same matrix for every sample), or transposed. */
        Layout weight(int offset, int nb, int gi, boolean transposed) {
            int at = offset + gi * og * ckk;
            return transposed ? new Layout(new int[] {nb, ckk, og}, new int[] {0, 1, ckk}, at)
                    : new Layout(new int[] {nb, og, ckk}, new int[] {0, ckk, 1}, at);
        }

        /** Group gi of the workspace as [nb, ckk, ohw], or transposed. */
        Layout col(int nb, int gi, boolean transposed) {
            int sample = groups * ckk * ohw;
            return transposed ? new Layout(new int[] {nb, ohw, ckk}, new int[] {sample, 1, ohw}, gi * ckk * ohw)
                    : new Layout(new int[] {nb, ckk, ohw}, new int[] {sample, ohw, 1}, gi * ckk * ohw);
        }

        /** Group gi of samples n0.. of an output-shaped tensor (the output or its gradient) as [nb, og, ohw]. */
        Layout output(int offset, int n0, int nb, int gi) {
            return new Layout(new int[] {nb, og, ohw}, new int[] {o * ohw, ohw, 1}, offset + n0 * o * ohw + gi * og * ohw);
        }
    }

    @Override
    public void conv2d(Storage input, Layout inputLayout, Storage weight, Layout weightLayout, Storage bias, Storage out,
                       Layout outLayout, Conv2dParams p) {
        if (CudaHalf.any(input, weight, bias, out)) {
            try (CudaHalf.Widened w = widened()) {
                conv2d(w.in(input), inputLayout, w.in(weight), weightLayout, w.in(bias), w.out(out, outLayout), outLayout, p);
            }
            return;
        }
        bind();
        CudaStorage x = cuda(input);
        if (cudnn() != null && cudnn.forward(x, inputLayout, cuda(weight), weightLayout, bias == null ? null : cuda(bias),
                cuda(out), outLayout, p)) {
            return;
        }
        ConvDims d = new ConvDims(inputLayout, weightLayout, outLayout, p, x.dtype);
        try (CudaStorage col = (CudaStorage) allocate(x.dtype, d.colElements(), 0)) {
            for (int n0 = 0; n0 < d.n; n0 += d.chunk) {
                int nb = Math.min(d.chunk, d.n - n0);
                launch("im2col_" + suffix(x.dtype), nb * d.groups * d.ckk * d.ohw, d.in, d.geo(n0, nb),
                        at(x, inputLayout.offset()), col.ptr);
                for (int gi = 0; gi < d.groups; gi++) {
                    gemm(weight, d.weight(weightLayout.offset(), nb, gi, false), col, d.col(nb, gi, false),
                            out, d.output(outLayout.offset(), n0, nb, gi), true);
                }
            }
        }
        if (bias != null) {
            Layout flat = new Layout(new int[] {d.n, d.o, d.ohw}, new int[] {d.o * d.ohw, d.ohw, 1}, outLayout.offset());
            binary(BinaryOp.ADD, out, flat, bias, new Layout(new int[] {d.n, d.o, d.ohw}, new int[] {0, 1, 0}, 0), out, flat);
        }
    }

    @Override
    public void conv2dBackwardInput(Storage gradOut, Layout gradOutLayout, Storage weight, Layout weightLayout,
                                    Storage gradInput, Layout gradInputLayout, Conv2dParams p) {
        if (CudaHalf.any(gradOut, weight, gradInput)) {
            try (CudaHalf.Widened w = widened()) {
                conv2dBackwardInput(w.in(gradOut), gradOutLayout, w.in(weight), weightLayout, w.out(gradInput, gradInputLayout), gradInputLayout, p);
            }
            return;
        }
        bind();
        CudaStorage gx = cuda(gradInput);
        if (cudnn() != null && cudnn.backwardInput(cuda(gradOut), gradOutLayout, cuda(weight), weightLayout, gx,
                gradInputLayout, p)) {
            return;
        }
        ConvDims d = new ConvDims(gradInputLayout, weightLayout, gradOutLayout, p, gx.dtype);
        try (CudaStorage col = (CudaStorage) allocate(gx.dtype, d.colElements(), 0)) {
            for (int n0 = 0; n0 < d.n; n0 += d.chunk) {
                int nb = Math.min(d.chunk, d.n - n0);
                for (int gi = 0; gi < d.groups; gi++) {
                    gemm(weight, d.weight(weightLayout.offset(), nb, gi, true),
                            gradOut, d.output(gradOutLayout.offset(), n0, nb, gi), col, d.col(nb, gi, false), true);
                }
                launch("col2im_" + suffix(gx.dtype), nb * d.in[1] * d.in[2] * d.in[3], d.in, d.geo(n0, nb),
                        col.ptr, at(gx, gradInputLayout.offset()));
            }
        }
    }

    @Override
    public void conv2dBackwardWeight(Storage gradOut, Layout gradOutLayout, Storage input, Layout inputLayout,
                                     Storage gradWeight, Layout gradWeightLayout, Conv2dParams p) {
        if (CudaHalf.any(gradOut, input, gradWeight)) {
            try (CudaHalf.Widened w = widened()) {
                conv2dBackwardWeight(w.in(gradOut), gradOutLayout, w.in(input), inputLayout, w.out(gradWeight, gradWeightLayout), gradWeightLayout, p);
            }
            return;
        }
        bind();
        CudaStorage x = cuda(input);
        if (cudnn() != null && cudnn.backwardWeight(cuda(gradOut), gradOutLayout, x, inputLayout, cuda(gradWeight),
                gradWeightLayout, p)) {
            return;
        }
        ConvDims d = new ConvDims(inputLayout, gradWeightLayout, gradOutLayout, p, x.dtype);
        int wSize = d.o * d.ckk;
        // split-K on Ember's float32 kernels; cuBLAS, where it loads, and the TF32 kernel get the per-sample products whole
        boolean wholeGemm = cublas != null && !cublasDisabled || tensorCores.takesFloat32(true);
        int splits = x.dtype == DType.FLOAT32 && !wholeGemm ? weightGradSplits(d) : 1;
        try (CudaStorage col = (CudaStorage) allocate(x.dtype, d.colElements(), 0);
             CudaStorage partial = (CudaStorage) allocate(x.dtype, (long) d.n * splits * wSize, 0)) {
            for (int n0 = 0; n0 < d.n; n0 += d.chunk) {
                int nb = Math.min(d.chunk, d.n - n0);
                launch("im2col_" + suffix(x.dtype), nb * d.groups * d.ckk * d.ohw, d.in, d.geo(n0, nb),
                        at(x, inputLayout.offset()), col.ptr);
                for (int gi = 0; gi < d.groups; gi++) {
                    // weight gradients [og, ckk] of each sample (and each part of its output pixels), summed below
                    Layout gy = d.output(gradOutLayout.offset(), n0, nb, gi);
                    Layout parts = new Layout(new int[] {nb * splits, d.og, d.ckk}, new int[] {wSize, d.ckk, 1},
                            (n0 * splits * d.o + gi * d.og) * d.ckk);
                    if (splits > 1) {
                        sgemm(cuda(gradOut), gy, col, d.col(nb, gi, true), partial, parts, splits);
                    } else {
                        gemm(gradOut, gy, col, d.col(nb, gi, true), partial, parts, true);
                    }
                }
            }
            sumRows(partial, d.n * splits, wSize, gradWeight, gradWeightLayout.offset());
        }
    }

    /**
     * Writes the sum of the rows of a contiguous [rows, cols] matrix to dst at {@code offset}. With many rows, in two
     * passes (groups of 8 to 32 rows, then the groups): one pass gives each thread a whole column, and with few
     * columns that leaves the GPU mostly idle (the 56x56 layer's weight gradient, 256 x 36864: 141 us in one pass).
     */
    private void sumRows(CudaStorage src, int rows, int cols, Storage dst, int offset) {
        Layout out = new Layout(new int[] {1, cols}, new int[] {cols, 1}, offset);
        int per = 0;
        for (int p = 32; p >= 8 && rows >= 64; p--) {
            if (rows % p == 0) {
                per = p;
                break;
            }
        }
        if (per == 0) {
            reduce(ReduceOp.SUM, src, Layout.contiguous(rows, cols), dst, out);
            return;
        }
        int groups = rows / per;
        try (CudaStorage part = (CudaStorage) allocate(src.dtype, (long) groups * cols, 0)) {
            reduce(ReduceOp.SUM, src, new Layout(new int[] {groups, per, cols}, new int[] {per * cols, cols, 1}, 0), part,
                    new Layout(new int[] {groups, 1, cols}, new int[] {cols, cols, 1}, 0));
            reduce(ReduceOp.SUM, part, Layout.contiguous(groups, cols), dst, out);
        }
    }

    private volatile int forcedSplits;

    /** For tests: the weight gradient's float32 GEMMs split each sample's output pixels in this many parts (0: choose). */
    void forceWeightGradSplits(int splits) {
        forcedSplits = splits;
    }

    /**
     * Into how many parts the weight gradient splits each sample's output pixels (the GEMM's depth): per sample it is
     * an og x ckk product, too few blocks to fill the GPU when og and ckk are small (the 56x56 layer: 9 tiles of 64x64
     * a sample, 288 for 32 samples, two warps each), so parts of at least 128 pixels go to blocks of their own until
     * there are sixteen blocks per multiprocessor. Each part costs a matrix of partial sums more to add up. On an H100
     * (benchmarks/cuda/sgemm_variants.cu) that layer's per-sample products took 0.439 ms unsplit, 0.445 in 2 parts,
     * 0.339 in 4 and 0.290 in 8 (64x64 tiles).
     */
    private int weightGradSplits(ConvDims d) {
        if (forcedSplits > 0) {
            return Math.max(1, Math.min(forcedSplits, (d.ohw + 15) / 16));
        }
        int[] tile = sgemmTile(d.og, d.ckk, d.chunk, multiprocessors);
        long blocks = (long) ((d.og + tile[0] - 1) / tile[0]) * ((d.ckk + tile[1] - 1) / tile[1]) * d.chunk * d.groups;
        int splits = 1;
        while (blocks * splits < 16L * multiprocessors && d.ohw / (splits * 2) >= 128) {
            splits *= 2;
        }
        return splits;
    }

    /** The struct PoolGeo. */
    private static int[] poolGeo(int[] in, int[] out, Pool2dParams p) {
        return new int[] {in[0] * in[1], in[2], in[3], out[2], out[3], p.kernelH(), p.kernelW(), p.strideH(), p.strideW(),
            p.padH(), p.padW(), p.dilationH(), p.dilationW(), p.countIncludePad() ? 1 : 0};
    }

    @Override
    public void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout, Pool2dParams p) {
        if (CudaHalf.any(input, out)) {
            try (CudaHalf.Widened w = widened()) {
                maxPool2d(w.in(input), inputLayout, w.out(out, outLayout), indices, outLayout, p);
            }
            return;
        }
        bind();
        CudaStorage x = cuda(input);
        // values only (indices == null): the kernel gets a null pointer and writes no indices
        CUdeviceptr ind = indices == null ? new CUdeviceptr() : at(cuda(indices), outLayout.offset());
        launch("maxpool_" + suffix(x.dtype), outLayout.numelInt(), inputLayout.shape(),
                poolGeo(inputLayout.shape(), outLayout.shape(), p), at(x, inputLayout.offset()),
                at(cuda(out), outLayout.offset()), ind);
    }

    @Override
    public void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput, Layout inputLayout,
                                  Pool2dParams p) {
        if (CudaHalf.any(gradOut, gradInput)) {
            try (CudaHalf.Widened w = widened()) {
                maxPool2dBackward(w.in(gradOut), indices, outLayout, w.out(gradInput, inputLayout), inputLayout, p);
            }
            return;
        }
        bind();
        CudaStorage gx = cuda(gradInput);
        // one thread per input element gathers the gradients of the windows whose maximum it is (deterministic, no
        // atomics) and writes every element of gradInput
        launch("maxpool_back_" + suffix(gx.dtype), inputLayout.numelInt(), inputLayout.shape(),
                poolGeo(inputLayout.shape(), outLayout.shape(), p), at(cuda(gradOut), outLayout.offset()),
                at(cuda(indices), outLayout.offset()), at(gx, inputLayout.offset()));
    }

    @Override
    public void avgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Pool2dParams p) {
        if (CudaHalf.any(input, out)) {
            try (CudaHalf.Widened w = widened()) {
                avgPool2d(w.in(input), inputLayout, w.out(out, outLayout), outLayout, p);
            }
            return;
        }
        bind();
        CudaStorage x = cuda(input);
        launch("avgpool_" + suffix(x.dtype), outLayout.numelInt(), inputLayout.shape(),
                poolGeo(inputLayout.shape(), outLayout.shape(), p), at(x, inputLayout.offset()), at(cuda(out), outLayout.offset()));
    }

    @Override
    public void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout, Pool2dParams p) {
        if (CudaHalf.any(gradOut, gradInput)) {
            try (CudaHalf.Widened w = widened()) {
                avgPool2dBackward(w.in(gradOut), outLayout, w.out(gradInput, inputLayout), inputLayout, p);
            }
            return;
        }
        bind();
        CudaStorage gx = cuda(gradInput);
        // one thread per input element sums its windows' shares in the CPU's order (deterministic, bitwise the CPU's
        // result, no atomics) and writes every element of gradInput
        launch("avgpool_back_" + suffix(gx.dtype), inputLayout.numelInt(), inputLayout.shape(),
                poolGeo(inputLayout.shape(), outLayout.shape(), p), at(cuda(gradOut), outLayout.offset()), at(gx, inputLayout.offset()));
    }

    // ------------------------------------------------------------------ resampling (CudaResampleKernels)
    // resample_kernels.cu's kernels for Backend's resampling family (adaptive pooling, bilinear upsampling, backwards
    // gathered without atomics); a type they do not take runs Backend's default, the CPU's kernel on host copies.

    private final CudaResampleKernels resample = new CudaResampleKernels((kernel, blocks, threads, shape, args) -> {
        bind();
        launchGrid(kernel, blocks, 1, 1, threads, 1, shape, args);
    });

    @Override
    public void adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
        if (CudaHalf.any(input, out)) {
            try (CudaHalf.Widened w = widened()) {
                adaptiveAvgPool2d(w.in(input), inputLayout, w.out(out, outLayout), outLayout);
            }
            return;
        }
        if (!resample.adaptiveAvgPool2d(input, inputLayout, out, outLayout)) {
            Backend.super.adaptiveAvgPool2d(input, inputLayout, out, outLayout);
        }
    }

    @Override
    public void adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput, Layout gradInputLayout) {
        if (CudaHalf.any(gradOut, gradInput)) {
            try (CudaHalf.Widened w = widened()) {
                adaptiveAvgPool2dBackward(w.in(gradOut), gradOutLayout, w.out(gradInput, gradInputLayout), gradInputLayout);
            }
            return;
        }
        if (!resample.adaptiveAvgPool2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout)) {
            Backend.super.adaptiveAvgPool2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout);
        }
    }

    @Override
    public void adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                                  Layout indicesLayout) {
        if (CudaHalf.any(input, out)) {
            try (CudaHalf.Widened w = widened()) {
                adaptiveMaxPool2d(w.in(input), inputLayout, w.out(out, outLayout), outLayout, indices, indicesLayout);
            }
            return;
        }
        if (!resample.adaptiveMaxPool2d(input, inputLayout, out, outLayout, indices, indicesLayout)) {
            Backend.super.adaptiveMaxPool2d(input, inputLayout, out, outLayout, indices, indicesLayout);
        }
    }

    @Override
    public void upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, boolean alignCorners,
                                   double scaleH, double scaleW) {
        if (CudaHalf.any(input, out)) {
            try (CudaHalf.Widened w = widened()) {
                upsampleBilinear2d(w.in(input), inputLayout, w.out(out, outLayout), outLayout, alignCorners, scaleH, scaleW);
            }
            return;
        }
        if (!resample.upsampleBilinear2d(input, inputLayout, out, outLayout, alignCorners, scaleH, scaleW)) {
            Backend.super.upsampleBilinear2d(input, inputLayout, out, outLayout, alignCorners, scaleH, scaleW);
        }
    }

    @Override
    public void upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                           Layout gradInputLayout, boolean alignCorners, double scaleH, double scaleW) {
        if (CudaHalf.any(gradOut, gradInput)) {
            try (CudaHalf.Widened w = widened()) {
                upsampleBilinear2dBackward(w.in(gradOut), gradOutLayout, w.out(gradInput, gradInputLayout), gradInputLayout, alignCorners, scaleH, scaleW);
            }
            return;
        }
        if (!resample.upsampleBilinear2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout, alignCorners,
                scaleH, scaleW)) {
            Backend.super.upsampleBilinear2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout, alignCorners,
                    scaleH, scaleW);
        }
    }

    @Override
    public void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b) {
        // float16 and bfloat16 too: the CPU's kernel has their rounding rules (a uniform sample kept below its bound)
        if (kind.ordinal() > RandomKind.BERNOULLI.ordinal() || CudaHalf.isHalf(dst.dtype())) {
            // a kind ember_kernels.cu does not draw (its kernel would take it for another): the CPU's kernel draws the
            // same numbers (counter offset + i for element i, row-major) on the host, copied into place
            try (Storage host = Backend.host().allocate(dst.dtype(), layout.numel(), 0)) {
                Layout dense = Layout.contiguous(layout.shape());
                Backend.host().random(kind, host, dense, seed, offset, a, b);
                fromHost(host, dst, layout);
            }
            return;
        }
        bind();
        CudaStorage d = cuda(dst);
        if (narrow(d.dtype)) {
            // drawn as int64 (the same numbers: element i uses counter offset + i), then narrowed
            Layout dense = Layout.contiguous(layout.shape());
            CudaStorage r = (CudaStorage) allocate(DType.INT64, dense.numel(), 0);
            random(kind, r, dense, seed, offset, a, b);
            narrowInto(r, d, layout);
            return;
        }
        Geo g = new Geo(layout);
        launch("random_" + suffix(d.dtype), g.numel, g, g, kind.ordinal(), seed, offset, a, b, d.ptr);
    }

    // ------------------------------------------------------------------ decompositions (CudaLinalgKernels)
    // linalg_kernels.cu's kernels for luFactor, luSolve, triangularSolve, cholesky (float32, float64: the CPU's results
    // bit for bit), qr, eigh and svd (within a few ulps: see CudaLinalgKernels); another type runs Backend's default,
    // the CPU's kernel on host copies.

    private final CudaLinalgKernels linalg = new CudaLinalgKernels(new CudaLinalgKernels.Device() {
        @Override
        public void launch(String kernel, int blocks, int threads, Object shape, Object... args) {
            bind();
            launchGrid(kernel, blocks, 1, 1, threads, 1, shape, args);
        }

        @Override
        public Storage allocate(DType dtype, long numel) {
            return CudaBackend.this.allocate(dtype, numel, 0);
        }
    });

    @Override
    public void luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                         Storage info, Layout infoLayout) {
        if (!linalg.luFactor(a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout)) {
            Backend.super.luFactor(a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout);
        }
    }

    @Override
    public void luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                        Storage x, Layout xLayout) {
        if (!linalg.luSolve(lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout)) {
            Backend.super.luSolve(lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout);
        }
    }

    @Override
    public void triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                                boolean upper, boolean unitriangular) {
        if (!linalg.triangularSolve(a, aLayout, b, bLayout, x, xLayout, upper, unitriangular)) {
            Backend.super.triangularSolve(a, aLayout, b, bLayout, x, xLayout, upper, unitriangular);
        }
    }

    @Override
    public void cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
        if (!linalg.cholesky(a, aLayout, l, lLayout, info, infoLayout)) {
            Backend.super.cholesky(a, aLayout, l, lLayout, info, infoLayout);
        }
    }

    @Override
    public void qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
        if (!linalg.qr(a, aLayout, q, qLayout, r, rLayout)) {
            Backend.super.qr(a, aLayout, q, qLayout, r, rLayout);
        }
    }

    @Override
    public void eigh(Storage a, Layout aLayout, boolean upper, Storage w, Layout wLayout, Storage v, Layout vLayout) {
        if (!linalg.eigh(a, aLayout, upper, w, wLayout, v, vLayout)) {
            Backend.super.eigh(a, aLayout, upper, w, wLayout, v, vLayout);
        }
    }

    @Override
    public void svd(Storage a, Layout aLayout, Storage u, Layout uLayout, Storage s, Layout sLayout, Storage vh,
                    Layout vhLayout, Storage info, Layout infoLayout) {
        if (!linalg.svd(a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout)) {
            Backend.super.svd(a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout);
        }
    }

    // ------------------------------------------------------------------ normalization and attention (CudaNnKernels)
    // nn.cu's kernels for Backend's normalization and attention families; what they do not cover (see CudaNnKernels)
    // runs Backend's default, the CPU's kernel on host copies.

    private final CudaNnKernels nn = new CudaNnKernels(new CudaNnKernels.Device() {
        @Override
        public void launchNn(String kernel, int blocks, int threads, Object shape, Object... args) {
            bind();
            launchGrid(kernel, blocks, 1, 1, threads, 1, shape, args);
        }

        @Override
        public Storage allocate(DType dtype, long numel) {
            return CudaBackend.this.allocate(dtype, numel, 0);
        }
    });

    @Override
    public void layerNorm(Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        if (CudaHalf.any(x, weight, bias, out, mean, rstd)) {
            try (CudaHalf.Widened w = widened()) {
                layerNorm(w.in(x), xLayout, w.in(weight), w.in(bias), eps, w.out(out, outLayout), outLayout, w.out(mean, null), w.out(rstd, null));
            }
            return;
        }
        if (!nn.rowNorm(false, x, xLayout, weight, bias, eps, out, outLayout, mean, rstd)) {
            Backend.super.layerNorm(x, xLayout, weight, bias, eps, out, outLayout, mean, rstd);
        }
    }

    @Override
    public void layerNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                                  Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        if (CudaHalf.any(gradOut, x, mean, rstd, weight, gradInput, gradWeight, gradBias)) {
            try (CudaHalf.Widened w = widened()) {
                layerNormBackward(w.in(gradOut), gradOutLayout, w.in(x), xLayout, w.in(mean), w.in(rstd), w.in(weight), w.out(gradInput, gradInputLayout), gradInputLayout, w.out(gradWeight, null), w.out(gradBias, null));
            }
            return;
        }
        if (!nn.rowNormBackward(false, gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput,
                gradInputLayout, gradWeight, gradBias)) {
            Backend.super.layerNormBackward(gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        }
    }

    @Override
    public void rmsNorm(Storage x, Layout xLayout, Storage weight, double eps, Storage out, Layout outLayout,
                        Storage rstd) {
        if (CudaHalf.any(x, weight, out, rstd)) {
            try (CudaHalf.Widened w = widened()) {
                rmsNorm(w.in(x), xLayout, w.in(weight), eps, w.out(out, outLayout), outLayout, w.out(rstd, null));
            }
            return;
        }
        if (!nn.rowNorm(true, x, xLayout, weight, null, eps, out, outLayout, null, rstd)) {
            Backend.super.rmsNorm(x, xLayout, weight, eps, out, outLayout, rstd);
        }
    }

    @Override
    public void rmsNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage rstd,
                                Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight) {
        if (CudaHalf.any(gradOut, x, rstd, weight, gradInput, gradWeight)) {
            try (CudaHalf.Widened w = widened()) {
                rmsNormBackward(w.in(gradOut), gradOutLayout, w.in(x), xLayout, w.in(rstd), w.in(weight), w.out(gradInput, gradInputLayout), gradInputLayout, w.out(gradWeight, null));
            }
            return;
        }
        if (!nn.rowNormBackward(true, gradOut, gradOutLayout, x, xLayout, null, rstd, weight, gradInput,
                gradInputLayout, gradWeight, null)) {
            Backend.super.rmsNormBackward(gradOut, gradOutLayout, x, xLayout, rstd, weight, gradInput, gradInputLayout,
                    gradWeight);
        }
    }

    @Override
    public void groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        if (CudaHalf.any(x, weight, bias, out, mean, rstd)) {
            try (CudaHalf.Widened w = widened()) {
                groupNorm(w.in(x), xLayout, groups, w.in(weight), w.in(bias), eps, w.out(out, outLayout), outLayout, w.out(mean, null), w.out(rstd, null));
            }
            return;
        }
        if (!nn.groupNorm(x, xLayout, groups, weight, bias, eps, out, outLayout, mean, rstd)) {
            Backend.super.groupNorm(x, xLayout, groups, weight, bias, eps, out, outLayout, mean, rstd);
        }
    }

    @Override
    public void groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups,
                                  Storage mean, Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        if (CudaHalf.any(gradOut, x, mean, rstd, weight, gradInput, gradWeight, gradBias)) {
            try (CudaHalf.Widened w = widened()) {
                groupNormBackward(w.in(gradOut), gradOutLayout, w.in(x), xLayout, groups, w.in(mean), w.in(rstd), w.in(weight), w.out(gradInput, gradInputLayout), gradInputLayout, w.out(gradWeight, null), w.out(gradBias, null));
            }
            return;
        }
        if (!nn.groupNormBackward(gradOut, gradOutLayout, x, xLayout, groups, mean, rstd, weight, gradInput,
                gradInputLayout, gradWeight, gradBias)) {
            Backend.super.groupNormBackward(gradOut, gradOutLayout, x, xLayout, groups, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        }
    }

    @Override
    public void batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps,
                          Storage mean, Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
        if (CudaHalf.any(x, weight, bias, mean, invstd, unbiasedVar, out)) {
            try (CudaHalf.Widened w = widened()) {
                batchNorm(w.in(x), xLayout, w.in(weight), w.in(bias), training, eps, w.out(mean, null), w.out(invstd, null), w.out(unbiasedVar, null), w.out(out, outLayout), outLayout);
            }
            return;
        }
        if (!nn.batchNorm(x, xLayout, weight, bias, training, eps, mean, invstd, unbiasedVar, out, outLayout)) {
            Backend.super.batchNorm(x, xLayout, weight, bias, training, eps, mean, invstd, unbiasedVar, out, outLayout);
        }
    }

    @Override
    public void batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                                  Storage mean, Storage invstd, boolean training, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        if (CudaHalf.any(gradOut, x, weight, mean, invstd, gradInput, gradWeight, gradBias)) {
            try (CudaHalf.Widened w = widened()) {
                batchNormBackward(w.in(gradOut), gradOutLayout, w.in(x), xLayout, w.in(weight), w.in(mean), w.in(invstd), training, w.out(gradInput, gradInputLayout), gradInputLayout, w.out(gradWeight, null), w.out(gradBias, null));
            }
            return;
        }
        if (!nn.batchNormBackward(gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, training, gradInput,
                gradInputLayout, gradWeight, gradBias)) {
            Backend.super.batchNormBackward(gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, training,
                    gradInput, gradInputLayout, gradWeight, gradBias);
        }
    }

    /** Launches and temporaries of the tensor-core attention kernels (CudaAttentionTc). */
    private final CudaAttentionTc.Launcher attnTc = new CudaAttentionTc.Launcher() {
        @Override
        public void launchTc(String kernel, int gx, int gy, int gz, int threads, Object shape, Object... args) {
            bind();
            launchGrid(kernel, gx, gy, gz, threads, 1, shape, args);
        }

        @Override
        public Storage allocate(DType dtype, long numel) {
            return CudaBackend.this.allocate(dtype, numel, 0);
        }
    };

    // Dropout: every kernel draws the mask inside: the tensor-core ones for float16/bfloat16, nn.cu's float32/float64
    // ones (for half inputs widened to float32 still with the half types' uniform: the mask is that of the query's own
    // type); what they do not take runs Backend's default on the original storages (the CPU's kernel, which drops the
    // same elements). Dropout is never ignored.

    @Override
    public void attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                          Layout maskLayout, boolean causal, double scale, double dropoutP, long dropoutSeed,
                          long dropoutOffset, Storage out, Layout outLayout, Storage lse, Layout lseLayout) {
        boolean drop = dropoutP > 0;
        // float16 / bfloat16 on the tensor cores where they are on and the shape fits (attn_tc_kernels.cu)
        if (CudaAttentionTc.attention(attnTc, tensorCores.available(), q, qLayout, k, kLayout, v, vLayout, mask,
                maskLayout, causal, scale, dropoutP, dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout)) {
            return;
        }
        Object[] dropArgs = CudaNnKernels.dropArgs(q.dtype(), dropoutP, dropoutSeed, dropoutOffset);
        if (CudaHalf.any(q, k, v, mask, out, lse)) {
            if (drop && !CudaNnKernels.headDimsCovered(qLayout, vLayout)) {
                Backend.super.attention(q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale, dropoutP,
                        dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout);
                return;
            }
            try (CudaHalf.Widened w = widened()) {
                Storage wq = w.in(q);
                Storage wk = w.in(k);
                Storage wv = w.in(v);
                Storage wm = w.in(mask);
                Storage wo = w.out(out, outLayout);
                Storage wl = w.out(lse, lseLayout);
                if (!nn.attention(wq, qLayout, wk, kLayout, wv, vLayout, wm, maskLayout, causal, scale, dropArgs, wo,
                        outLayout, wl, lseLayout)) {
                    Backend.super.attention(wq, qLayout, wk, kLayout, wv, vLayout, wm, maskLayout, causal, scale, 0, 0, 0,
                            wo, outLayout, wl, lseLayout); // no dropout here (checked above)
                }
            }
            return;
        }
        if (!nn.attention(q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale, dropArgs, out, outLayout,
                lse, lseLayout)) {
            Backend.super.attention(q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale, dropoutP,
                    dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout);
        }
    }

    @Override
    public void attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k,
                                  Layout kLayout, Storage v, Layout vLayout, Storage mask, Layout maskLayout,
                                  boolean causal, double scale, double dropoutP, long dropoutSeed, long dropoutOffset,
                                  Storage out, Layout outLayout, Storage lse, Layout lseLayout, Storage gradQ,
                                  Layout gradQLayout, Storage gradK, Layout gradKLayout, Storage gradV,
                                  Layout gradVLayout) {
        boolean drop = dropoutP > 0;
        if (CudaAttentionTc.attentionBackward(attnTc, tensorCores.available(), gradOut, gradOutLayout, q, qLayout, k,
                kLayout, v, vLayout, mask, maskLayout, causal, scale, dropoutP, dropoutSeed, dropoutOffset, out, outLayout,
                lse, lseLayout, gradQ, gradQLayout, gradK, gradKLayout, gradV, gradVLayout)) {
            return;
        }
        Object[] dropArgs = CudaNnKernels.dropArgs(q.dtype(), dropoutP, dropoutSeed, dropoutOffset);
        if (CudaHalf.any(gradOut, q, k, v, mask, out, lse, gradQ, gradK, gradV)) {
            if (drop && !CudaNnKernels.headDimsCovered(qLayout, vLayout)) {
                Backend.super.attentionBackward(gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask,
                        maskLayout, causal, scale, dropoutP, dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout,
                        gradQ, gradQLayout, gradK, gradKLayout, gradV, gradVLayout);
                return;
            }
            try (CudaHalf.Widened w = widened()) {
                Storage wg = w.in(gradOut);
                Storage wq = w.in(q);
                Storage wk = w.in(k);
                Storage wv = w.in(v);
                Storage wm = w.in(mask);
                Storage wo = w.in(out);
                Storage wl = w.in(lse);
                Storage wgq = w.out(gradQ, gradQLayout);
                Storage wgk = w.out(gradK, gradKLayout);
                Storage wgv = w.out(gradV, gradVLayout);
                if (!nn.attentionBackward(wg, gradOutLayout, wq, qLayout, wk, kLayout, wv, vLayout, wm, maskLayout,
                        causal, scale, dropArgs, wo, outLayout, wl, lseLayout, wgq, gradQLayout, wgk, gradKLayout, wgv,
                        gradVLayout)) {
                    Backend.super.attentionBackward(wg, gradOutLayout, wq, qLayout, wk, kLayout, wv, vLayout, wm,
                            maskLayout, causal, scale, 0, 0, 0, wo, outLayout, wl, lseLayout, wgq, gradQLayout, wgk,
                            gradKLayout, wgv, gradVLayout); // no dropout here (checked above)
                }
            }
            return;
        }
        if (!nn.attentionBackward(gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal,
                scale, dropArgs, out, outLayout, lse, lseLayout, gradQ, gradQLayout, gradK, gradKLayout, gradV,
                gradVLayout)) {
            Backend.super.attentionBackward(gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout,
                    causal, scale, dropoutP, dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout, gradQ,
                    gradQLayout, gradK, gradKLayout, gradV, gradVLayout);
        }
    }

    // ------------------------------------------------------------------ fused optimizer updates (CudaOptimKernels)
    // optim_kernels.cu's one launch per parameter for Backend.optimizerUpdate; what it does not take (see
    // CudaOptimKernels) runs Backend's default, the CPU's kernel on host copies.

    private final CudaOptimKernels optim = new CudaOptimKernels((kernel, blocks, threads, shape, args) -> {
        bind();
        launchGrid(kernel, blocks, 1, 1, threads, 1, shape, args);
    });

    @Override
    public void optimizerUpdate(dev.ember.backend.OptimizerKind kind, double[] hyper, Storage param, Layout paramLayout,
                                Storage grad, Layout gradLayout, Storage[] state, Layout[] stateLayouts) {
        if (!optim.update(kind, hyper, param, paramLayout, grad, gradLayout, state, stateLayouts)) {
            Backend.super.optimizerUpdate(kind, hyper, param, paramLayout, grad, gradLayout, state, stateLayouts);
        }
    }
}
