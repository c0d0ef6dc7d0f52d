package dev.ember.cuda;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The little-endian record file through which a host emulation test hands its recorded launches and the CPU's
 * results to the g++ harness that replays the .cu (ResampleKernelsEmulationTest, LinalgKernelsEmulationTest): ints,
 * length-prefixed UTF-8 strings and typed arrays, and the case count in front of it all.
 */
final class RecordFile extends ByteArrayOutputStream {
    /** A little-endian int. */
    void putInt(int v) {
        writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    /** A little-endian double. */
    void putDouble(double v) {
        writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
    }

    /** A string: its UTF-8 length, then its bytes. */
    void str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putInt(b.length);
        writeBytes(b);
    }

    /** A storage's contents: its kind (0 float32, 1 float64, 2 int64), its length, its elements. */
    void array(Object a) {
        ByteBuffer b;
        if (a instanceof float[]) {
            float[] f = (float[]) a;
            b = ByteBuffer.allocate(8 + 4 * f.length).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(f.length);
            for (float v : f) {
                b.putFloat(v);
            }
        } else if (a instanceof double[]) {
            double[] d = (double[]) a;
            b = ByteBuffer.allocate(8 + 8 * d.length).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(d.length);
            for (double v : d) {
                b.putDouble(v);
            }
        } else {
            long[] l = (long[]) a;
            b = ByteBuffer.allocate(8 + 8 * l.length).order(ByteOrder.LITTLE_ENDIAN).putInt(2).putInt(l.length);
            for (long v : l) {
                b.putLong(v);
            }
        }
        writeBytes(b.array());
    }

    /** The whole file: the number of cases, then what was written. */
    byte[] withCount(int cases) {
        byte[] head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(cases).array();
        byte[] r = new byte[head.length + count];
        System.arraycopy(head, 0, r, 0, head.length);
        System.arraycopy(buf, 0, r, head.length, count);
        return r;
    }

    /** A copy of a float[], double[] or long[]. */
    static Object copyOf(Object a) {
        if (a instanceof float[]) {
            return ((float[]) a).clone();
        }
        if (a instanceof double[]) {
            return ((double[]) a).clone();
        }
        return ((long[]) a).clone();
    }
}
