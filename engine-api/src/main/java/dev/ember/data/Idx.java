package dev.ember.data;

import dev.ember.DType;
import dev.ember.Tensor;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads the IDX files of MNIST and Fashion-MNIST, plain or gzipped. */
public final class Idx {
    private Idx() {
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new DataInputStream(in);
    }

    /** Images as float32 [N, 1, rows, cols] scaled to [0, 1]. */
    public static Tensor readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException(file + ": not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[] raw = new byte[n * rows * cols];
            in.readFully(raw);
            float[] v = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                v[i] = (raw[i] & 0xFF) / 255f;
            }
            return Tensor.tensor(v, DType.FLOAT32).reshape(n, 1, rows, cols);
        }
    }

    /** Labels as int64 [N]. */
    public static Tensor readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new IOException(file + ": not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            byte[] raw = new byte[n];
            in.readFully(raw);
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = raw[i] & 0xFF;
            }
            return Tensor.tensor(v);
        }
    }
}
