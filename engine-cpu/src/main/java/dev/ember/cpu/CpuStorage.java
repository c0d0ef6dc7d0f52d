package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.Storage;

/**
 * A Java array: float[] (float32), double[] (float64), long[] (int64), int[] (int32), short[] (int16), byte[] (int8,
 * and uint8 read as unsigned: {@code b & 0xFF}), boolean[] (bool), or short[] holding the bits of float16 and bfloat16
 * (read through {@link HalfLoops}: dispatch on the dtype, never on the array's class, which int16 shares).
 */
final class CpuStorage implements Storage {
    final DType dtype;
    final Object array;
    final int length;

    /** Whether the array belongs to the caller of {@link #shared}: then {@link #close} never gives it to the pool. */
    private final boolean borrowed;

    CpuStorage(DType dtype, Object array) {
        this(dtype, array, false);
    }

    private CpuStorage(DType dtype, Object array, boolean borrowed) {
        this.dtype = dtype;
        this.array = array;
        this.length = java.lang.reflect.Array.getLength(array);
        this.borrowed = borrowed;
    }

    /**
     * A storage over the caller's array, without a copy ({@code Tensor.fromArray}): writes through either are seen by
     * the other, and closing it leaves the array alone, so the pool never hands it to another tensor.
     */
    static CpuStorage shared(DType dtype, Object array) {
        return new CpuStorage(dtype, array, true);
    }

    /**
     * A storage of zeros, in a new array (Java arrays start zeroed). When the heap cannot hold it, the pooled arrays
     * are dropped and the allocation tried once more before a {@link CpuOutOfMemoryError} says how much was asked.
     */
    static CpuStorage allocate(DType dtype, int n) {
        try {
            return new CpuStorage(dtype, newArray(dtype, n));
        } catch (OutOfMemoryError first) {
            ArrayPool.INSTANCE.clear();
            try {
                return new CpuStorage(dtype, newArray(dtype, n));
            } catch (OutOfMemoryError again) {
                long bytes = (long) n * dtype.itemSize();
                throw new CpuOutOfMemoryError("DefaultCPUAllocator: not enough memory: you tried to allocate " + bytes
                        + " bytes. The Java heap holds at most " + Runtime.getRuntime().maxMemory()
                        + " bytes (raise it with -Xmx).");
            }
        }
    }

    static Object newArray(DType dtype, int n) {
        switch (dtype) {
            case FLOAT32: return new float[n];
            case FLOAT64: return new double[n];
            case INT64: return new long[n];
            case INT32: return new int[n];
            case INT16:
            case FLOAT16:
            case BFLOAT16:
                return new short[n];
            case INT8:
            case UINT8:
                return new byte[n];
            default: return new boolean[n];
        }
    }

    /**
     * A storage of zeros: a pooled array of a closed storage cleared ({@link #clear}) when one fits, else a new array
     * ({@link #allocate}). The JVM zeroes a new array of a megabyte or more as a large object of its heap (in G1 a
     * humongous one), which cost about four times the clearing of an array a loop under a {@code TensorScope} has just
     * used (session 49: 200 against 55 us of one core for 4 MiB). {@code -Dember.zeros.newArray=true} (read per call)
     * keeps the new array always, as before session 49.
     */
    static CpuStorage allocateZeroed(DType dtype, int n) {
        if (!Boolean.getBoolean("ember.zeros.newArray")) {
            Object reused = ArrayPool.INSTANCE.take(dtype, n);
            if (reused != null) {
                clear(reused, n);
                return new CpuStorage(dtype, reused);
            }
        }
        return allocate(dtype, n);
    }

    /**
     * Every element of the first {@code n} of a storage's array set to all bits clear ({@code Arrays.fill}, which the
     * JIT turns into wide stores), in parallel ranges where it is large.
     */
    static void clear(Object array, int n) {
        CpuThreads.parallelFor(n, CpuThreads.chunks(n, 1), (task, from, to) -> {
            if (array instanceof float[] a) {
                java.util.Arrays.fill(a, from, to, 0f);
            } else if (array instanceof double[] a) {
                java.util.Arrays.fill(a, from, to, 0d);
            } else if (array instanceof long[] a) {
                java.util.Arrays.fill(a, from, to, 0L);
            } else if (array instanceof int[] a) {
                java.util.Arrays.fill(a, from, to, 0);
            } else if (array instanceof short[] a) {
                java.util.Arrays.fill(a, from, to, (short) 0);
            } else if (array instanceof byte[] a) {
                java.util.Arrays.fill(a, from, to, (byte) 0);
            } else {
                java.util.Arrays.fill((boolean[]) array, from, to, false);
            }
        });
    }

    /** A storage with unspecified contents: a pooled array of a closed storage when one fits, else a new one. */
    static CpuStorage allocateUninitialized(DType dtype, int n) {
        Object reused = ArrayPool.INSTANCE.take(dtype, n);
        return reused != null ? new CpuStorage(dtype, reused) : allocate(dtype, n);
    }

    double getDouble(int i) {
        switch (dtype) {
            case FLOAT32: return ((float[]) array)[i];
            case FLOAT64: return ((double[]) array)[i];
            case INT64: return ((long[]) array)[i];
            case INT32: return ((int[]) array)[i];
            case INT16: return ((short[]) array)[i];
            case INT8: return ((byte[]) array)[i];
            case UINT8: return ((byte[]) array)[i] & 0xFF;
            case FLOAT16:
            case BFLOAT16:
                return HalfLoops.toFloat(dtype, ((short[]) array)[i]);
            default: return ((boolean[]) array)[i] ? 1 : 0;
        }
    }

    /** The element widened to a long (a floating one truncated as Java's cast). */
    long getLong(int i) {
        switch (dtype) {
            case FLOAT32: return (long) ((float[]) array)[i];
            case FLOAT64: return (long) ((double[]) array)[i];
            case INT64: return ((long[]) array)[i];
            case INT32: return ((int[]) array)[i];
            case INT16: return ((short[]) array)[i];
            case INT8: return ((byte[]) array)[i];
            case UINT8: return ((byte[]) array)[i] & 0xFF;
            case FLOAT16:
            case BFLOAT16:
                return (long) HalfLoops.toFloat(dtype, ((short[]) array)[i]);
            default: return ((boolean[]) array)[i] ? 1 : 0;
        }
    }

    /**
     * Stores a double: rounded for float32; for the integer types truncated toward zero to a long (Java's cast:
     * saturating at the long range, NaN to 0, as CUDA's conversion) and then wrapped to the type (C's narrowing); for
     * float16 and bfloat16 through float32 (as C++'s {@code static_cast<c10::Half>(double)}).
     */
    void setDouble(int i, double v) {
        switch (dtype) {
            case FLOAT32: ((float[]) array)[i] = (float) v; break;
            case FLOAT64: ((double[]) array)[i] = v; break;
            case INT64: ((long[]) array)[i] = (long) v; break;
            case INT32: ((int[]) array)[i] = (int) (long) v; break;
            case INT16: ((short[]) array)[i] = (short) (long) v; break;
            case INT8:
            case UINT8:
                ((byte[]) array)[i] = (byte) (long) v;
                break;
            case FLOAT16:
            case BFLOAT16:
                ((short[]) array)[i] = HalfLoops.fromFloat(dtype, (float) v);
                break;
            default: ((boolean[]) array)[i] = v != 0;
        }
    }

    /** Stores a long: rounded once for the floating types, wrapped (two's complement) for the narrow integers. */
    void setLong(int i, long v) {
        switch (dtype) {
            case FLOAT32: ((float[]) array)[i] = (float) v; break;
            case FLOAT64: ((double[]) array)[i] = (double) v; break;
            case INT64: ((long[]) array)[i] = v; break;
            case INT32: ((int[]) array)[i] = (int) v; break;
            case INT16: ((short[]) array)[i] = (short) v; break;
            case INT8:
            case UINT8:
                ((byte[]) array)[i] = (byte) v;
                break;
            case FLOAT16:
            case BFLOAT16:
                ((short[]) array)[i] = HalfLoops.fromFloat(dtype, (float) v); // one rounding to float, then to half
                break;
            default: ((boolean[]) array)[i] = v != 0;
        }
    }

    /** Whether this holds one of the narrow integer types (int32, int16, int8, uint8), computed in long. */
    boolean narrow() {
        return isNarrow(dtype);
    }

    static boolean isNarrow(DType t) {
        return t == DType.INT32 || t == DType.INT16 || t == DType.INT8 || t == DType.UINT8;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long numel() {
        return length;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    private boolean closed;

    /**
     * Hands the array to the pool for reuse (once: the engine closes a storage after its last tensor), unless it is
     * the caller's ({@link #shared}).
     */
    @Override
    public void close() {
        if (borrowed || !ArrayPool.INSTANCE.keeps(length)) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        ArrayPool.INSTANCE.give(dtype, array, length);
    }
}
