package dev.ember.backend;

import dev.ember.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A host buffer a device backend copies from without the host waiting ({@link Backend#allocatePinned}): the bytes of a
 * pinned CPU tensor's elements, beside the Java array the CPU kernels compute on. On CUDA it is page-locked memory
 * ({@code cuMemHostAlloc}) and {@link Backend#fromPinned} queues {@code cuMemcpyHtoDAsync} from it; this base class over
 * a heap buffer is the default of a device backend that cannot lock pages (its uploads are ordinary copies).
 *
 * <p>Elements are stored in the platform's byte order as the device reads them: bool as one byte 0 or 1, int8 and uint8
 * as their byte, float16 and bfloat16 as their 16 bits.
 */
public class PinnedBuffer implements AutoCloseable {
    /** The bytes, native order, position 0, capacity {@link #bytes()}. */
    protected final ByteBuffer buffer;

    /** A heap buffer of {@code bytes} (the default of a device backend without page-locked memory). */
    public PinnedBuffer(long bytes) {
        this(ByteBuffer.allocate(checkedBytes(bytes)));
    }

    /** A buffer over {@code memory} (a view of page-locked memory, say). */
    protected PinnedBuffer(ByteBuffer memory) {
        this.buffer = memory.order(ByteOrder.nativeOrder());
    }

    /**
     * {@code bytes} as a buffer capacity.
     *
     * @throws IllegalArgumentException beyond 2 GiB (a Java buffer's limit)
     */
    public static int checkedBytes(long bytes) {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a pinned buffer holds at most " + (Integer.MAX_VALUE - 8)
                    + " bytes, asked for " + bytes);
        }
        return (int) bytes;
    }

    /** The capacity in bytes. */
    public long bytes() {
        return buffer.capacity();
    }

    /** Waits until no queued copy reads the buffer any more (none here), before it is overwritten or reused. */
    protected void awaitCopies() {
    }

    /**
     * Writes {@code length} elements of a Java array ({@link Backend#fromArray(Object, int)}'s types), from element
     * {@code from}, at the buffer's start, after the copies still reading the buffer are done.
     */
    public void write(Object array, int from, int length) {
        awaitCopies();
        ByteBuffer b = buffer.duplicate().order(buffer.order());
        if (array instanceof float[]) {
            b.asFloatBuffer().put((float[]) array, from, length);
        } else if (array instanceof double[]) {
            b.asDoubleBuffer().put((double[]) array, from, length);
        } else if (array instanceof long[]) {
            b.asLongBuffer().put((long[]) array, from, length);
        } else if (array instanceof int[]) {
            b.asIntBuffer().put((int[]) array, from, length);
        } else if (array instanceof short[]) {
            b.asShortBuffer().put((short[]) array, from, length);
        } else if (array instanceof byte[]) {
            b.put((byte[]) array, from, length);
        } else if (array instanceof boolean[]) {
            boolean[] v = (boolean[]) array;
            for (int i = 0; i < length; i++) {
                b.put(i, (byte) (v[from + i] ? 1 : 0));
            }
        } else {
            throw new IllegalArgumentException("unsupported array type " + array.getClass().getSimpleName());
        }
    }

    /**
     * {@code numel} elements of {@code dtype} from element {@code offset}, in a new Java array of the type's Java type
     * ({@code byte[]} for int8 and uint8, {@code short[]} of bits for float16 and bfloat16).
     */
    public Object read(DType dtype, long offset, int numel) {
        ByteBuffer b = buffer.duplicate().order(buffer.order());
        b.position(Math.toIntExact(offset * dtype.itemSize()));
        b = b.slice().order(buffer.order());
        switch (dtype) {
            case FLOAT32: {
                float[] out = new float[numel];
                b.asFloatBuffer().get(out);
                return out;
            }
            case FLOAT64: {
                double[] out = new double[numel];
                b.asDoubleBuffer().get(out);
                return out;
            }
            case INT64: {
                long[] out = new long[numel];
                b.asLongBuffer().get(out);
                return out;
            }
            case INT32: {
                int[] out = new int[numel];
                b.asIntBuffer().get(out);
                return out;
            }
            case INT16:
            case FLOAT16:
            case BFLOAT16: {
                short[] out = new short[numel];
                b.asShortBuffer().get(out);
                return out;
            }
            case INT8:
            case UINT8: {
                byte[] out = new byte[numel];
                b.get(out);
                return out;
            }
            default: {
                boolean[] out = new boolean[numel];
                for (int i = 0; i < numel; i++) {
                    out[i] = b.get(i) != 0;
                }
                return out;
            }
        }
    }

    /** Gives the memory back (a device backend: once no queued copy reads it). Idempotent. */
    @Override
    public void close() {
    }
}
