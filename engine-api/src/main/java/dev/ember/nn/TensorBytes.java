package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * A tensor's elements as raw bytes in a file, for the weight formats ({@link Safetensors}, {@link TorchSerialization}):
 * a host array per dtype (float16 and bfloat16 as their bits in a {@code short[]}, bool as {@code boolean[]} read from
 * bytes that are zero or not, complex64 and complex128 as their interleaved parts in a {@code float[]} or
 * {@code double[]}), read and written a bounded chunk at a time, since one tensor's bytes may exceed 2 GiB.
 */
final class TensorBytes {
    /** The most elements one Ember tensor holds (a Java array's practical limit). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    /** The most bytes read or written at once. */
    static final int CHUNK = 1 << 20;

    private TensorBytes() {
    }

    /** The bytes of one element. */
    static int elementSize(DType t) {
        return t.itemSize();
    }

    /** A CPU tensor's elements as a host array of the kind {@link #read} makes (a complex tensor's parts interleaved). */
    static Object hostArray(Tensor t) {
        switch (t.dtype()) {
            case COMPLEX64: return t.detach().viewAsReal().toFloatArray();
            case COMPLEX128: return t.detach().viewAsReal().toDoubleArray();
            case FLOAT32: return t.toFloatArray();
            case FLOAT64: return t.toDoubleArray();
            case INT64: return t.toLongArray();
            case INT32: return t.toIntArray();
            case INT16: return t.toShortArray();
            // uint16, uint32, uint64: their bits, written as int16, int32 and int64 are (the same bytes)
            case UINT16: return t.detach().view(DType.INT16).toShortArray();
            case UINT32: return t.detach().view(DType.INT32).toIntArray();
            case UINT64: return t.detach().view(DType.INT64).toLongArray();
            case FLOAT16:
            case BFLOAT16:
                return t.toHalfBits(); // the bits, written as int16 is
            case INT8:
            case UINT8:
                return t.toByteArray(); // uint8's bytes as they are
            case FLOAT8_E4M3FN:
            case FLOAT8_E5M2:
            case FLOAT8_E4M3FNUZ:
            case FLOAT8_E5M2FNUZ:
                return t.detach().view(DType.UINT8).toByteArray(); // the bits, written as uint8 is
            default: return t.toBooleanArray();
        }
    }

    /** A CPU tensor of a shape over a host array {@link #read} made (a complex one: the complex view of its parts). */
    static Tensor tensor(Object array, DType dtype, int[] shape) {
        if (dtype.isComplex()) {
            int[] parts = java.util.Arrays.copyOf(shape, shape.length + 1);
            parts[shape.length] = 2;
            return tensor(array, dtype.toReal(), parts).viewAsComplex();
        }
        if (dtype.isFloat8()) {
            return Tensor.fromArray(array, DType.UINT8).reshape(shape).view(dtype); // the bits, read as uint8
        }
        if (dtype.isBarebonesUnsigned()) {
            return Tensor.fromArray(array, dtype).reshape(shape); // the bits, read as the signed type of the width
        }
        return dtype.isReducedFloatingPoint() ? Tensor.fromHalfBits((short[]) array, dtype, shape)
                : Tensor.tensor(array, dtype, Device.CPU).reshape(shape);
    }

    /** Writes a host array's elements little-endian, adding them to {@code crc} when it is not null. */
    static void write(OutputStream out, Object array, CRC32 crc) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int n = java.lang.reflect.Array.getLength(array);
        int per = b.capacity() / 8;
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            b.clear();
            if (array instanceof float[]) {
                b.asFloatBuffer().put((float[]) array, from, len);
                b.position(len * 4);
            } else if (array instanceof double[]) {
                b.asDoubleBuffer().put((double[]) array, from, len);
                b.position(len * 8);
            } else if (array instanceof long[]) {
                b.asLongBuffer().put((long[]) array, from, len);
                b.position(len * 8);
            } else if (array instanceof int[]) {
                b.asIntBuffer().put((int[]) array, from, len);
                b.position(len * 4);
            } else if (array instanceof short[]) {
                b.asShortBuffer().put((short[]) array, from, len);
                b.position(len * 2);
            } else if (array instanceof byte[]) {
                b.put((byte[]) array, from, len);
            } else {
                boolean[] v = (boolean[]) array;
                for (int k = from; k < from + len; k++) {
                    b.put((byte) (v[k] ? 1 : 0));
                }
            }
            out.write(b.array(), 0, b.position());
            if (crc != null) {
                crc.update(b.array(), 0, b.position());
            }
        }
    }

    /**
     * Reads {@code n} elements of a dtype starting at a file position, in a byte order, adding the bytes to {@code crc}
     * when it is not null. The caller has checked that the bytes lie inside the file.
     */
    static Object read(Source ch, long position, DType dtype, int n, ByteOrder order, CRC32 crc, Object file)
            throws IOException {
        if (dtype.isComplex()) {
            // the parts, interleaved: twice as many elements of the real type (each part in the byte order)
            return read(ch, position, dtype.toReal(), Math.multiplyExact(n, 2), order, crc, file);
        }
        int size = elementSize(dtype);
        ByteBuffer b = ByteBuffer.allocate((int) Math.min((long) n * size, CHUNK)).order(order);
        int per = Math.max(1, b.capacity() / size);
        Object array;
        switch (dtype) {
            case FLOAT32: array = new float[n]; break;
            case FLOAT64: array = new double[n]; break;
            case INT64:
            case UINT64:
                array = new long[n];
                break;
            case INT32:
            case UINT32:
                array = new int[n];
                break;
            case INT16:
            case UINT16:
            case FLOAT16:
            case BFLOAT16:
                array = new short[n]; // float16, bfloat16 and uint16 as their bits
                break;
            case INT8:
            case UINT8:
            case FLOAT8_E4M3FN:
            case FLOAT8_E5M2:
            case FLOAT8_E4M3FNUZ:
            case FLOAT8_E5M2FNUZ:
                array = new byte[n]; // the fp8 types as their bits
                break;
            default: array = new boolean[n];
        }
        long p = position;
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            b.clear().limit(len * size);
            readFully(ch, b, p, file);
            if (crc != null) {
                crc.update(b.duplicate());
            }
            p += (long) len * size;
            switch (dtype) {
                case FLOAT32: b.asFloatBuffer().get((float[]) array, from, len); break;
                case FLOAT64: b.asDoubleBuffer().get((double[]) array, from, len); break;
                case INT64:
                case UINT64:
                    b.asLongBuffer().get((long[]) array, from, len);
                    break;
                case INT32:
                case UINT32:
                    b.asIntBuffer().get((int[]) array, from, len);
                    break;
                case INT16:
                case UINT16:
                case FLOAT16:
                case BFLOAT16:
                    b.asShortBuffer().get((short[]) array, from, len);
                    break;
                case INT8:
                case UINT8:
                case FLOAT8_E4M3FN:
                case FLOAT8_E5M2:
                case FLOAT8_E4M3FNUZ:
                case FLOAT8_E5M2FNUZ:
                    b.get((byte[]) array, from, len);
                    break;
                default: {
                    boolean[] a = (boolean[]) array;
                    for (int k = 0; k < len; k++) {
                        a[from + k] = b.get(k) != 0;
                    }
                }
            }
        }
        return array;
    }

    /**
     * Where bytes are read from by position: a file ({@code FileChannel::read}, safe from several threads at once) or
     * bytes in memory ({@link #of(byte[])}).
     */
    interface Source {
        /** As {@link FileChannel#read(ByteBuffer, long)}: the bytes read, -1 at the end. */
        int read(ByteBuffer dst, long position) throws IOException;
    }

    /** The largest part of a file one mapping covers (a {@link java.nio.MappedByteBuffer} holds at most 2^31 - 1 bytes). */
    static final long MAP_SEGMENT = 1L << 30;

    /**
     * A file's bytes through read-only memory maps ({@code FileChannel.map(READ_ONLY, ...)}, one per
     * {@link #MAP_SEGMENT} of the file as it is now), as a {@link Source}: what {@code torch.load(mmap=True)} reads.
     * Nothing is ever written through them. Past the mapped size a read gives -1 (the end), as the channel's does; a
     * file cut short after it was mapped, whose pages are then gone, is an {@link IOException} instead of the JVM's
     * fault.
     */
    static Source mapped(java.nio.channels.FileChannel ch, Object file) throws IOException {
        long size = ch.size();
        int count = (int) ((size + MAP_SEGMENT - 1) / MAP_SEGMENT);
        ByteBuffer[] segments = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            long start = i * MAP_SEGMENT;
            segments[i] = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, start, Math.min(MAP_SEGMENT, size - start));
        }
        return (dst, position) -> {
            if (position < 0) {
                throw new IllegalArgumentException("negative position");
            }
            if (position >= size) {
                return -1;
            }
            ByteBuffer seg = segments[(int) (position / MAP_SEGMENT)].duplicate();
            int off = (int) (position % MAP_SEGMENT);
            int n = Math.min(dst.remaining(), seg.capacity() - off);
            seg.position(off).limit(off + n);
            try {
                dst.put(seg);
            } catch (InternalError e) { // the JVM's report of a fault in a mapped page (the file shrank)
                throw new EOFException(file + ": the file's mapped bytes at " + position + " are gone (the file changed "
                        + "while it was read)");
            }
            return n;
        };
    }

    /** Bytes in memory as a {@link Source}. */
    static Source of(byte[] data) {
        return (dst, position) -> {
            if (position >= data.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), data.length - position);
            dst.put(data, (int) position, n);
            return n;
        };
    }

    /** Fills {@code b} from a file position and flips it; a file that ends first is an {@link EOFException}. */
    static void readFully(Source ch, ByteBuffer b, long position, Object file) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) {
                // the file shrank after its size was read
                throw new EOFException(file + ": the file ends at byte " + p + ", before the data its header describes");
            }
            p += r;
        }
        b.flip();
    }
}
