package dev.ember.data;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Tensor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST (unsigned-byte data), plain or gzipped.
 *
 * <p>Nothing in a file is trusted: the magic bytes, element type and number of dimensions are checked, each dimension
 * must fit Ember's {@code int} shapes and their product is computed exactly; a plain file's size must equal what the
 * dimensions declare before anything is allocated, and gzipped data is read into a buffer that grows only as data
 * arrives. The data must end exactly where the dimensions say, and a gzipped file is read to its end so that every
 * member's CRC-32 and length are verified. Every problem is an {@link IOException} naming the file.
 */
public final class Idx {
    /** The most elements one Ember tensor holds (a Java array's practical limit). */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int UNSIGNED_BYTE = 0x08;

    private Idx() {
    }

    /** A CPU tensor moved to the default device ({@link Ember#defaultDevice}), where {@code Tensor.tensor} puts data. */
    private static Tensor onDefaultDevice(Tensor t) {
        Device d = Ember.defaultDevice();
        return d.isCpu() ? t : t.to(d);
    }

    /**
     * Images as float32 [N, 1, rows, cols] scaled to [0, 1], from an IDX file of unsigned bytes with 3 dimensions.
     *
     * @throws IOException              if the file cannot be read or is not such a file (the message names the file and
     *                                  the problem)
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Tensor readImages(Path file) throws IOException {
        Contents c = read(file, 3, "an IDX image file has 3 dimensions");
        float[] v = new float[c.data.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (c.data[i] & 0xFF) / 255f;
        }
        // the new array becomes the tensor's storage as it is (Tensor.tensor would copy it once more)
        return onDefaultDevice(Tensor.fromArray(v).reshape(c.dims[0], 1, c.dims[1], c.dims[2]));
    }

    /**
     * Images as they are stored, uint8 [N, rows, cols] (torchvision's {@code MNIST.data}), from an IDX file of unsigned
     * bytes with 3 dimensions: one byte per pixel in memory, for a data set kept whole and converted batch by batch
     * ({@code batch.toFloat().div(255.0)} gives {@link #readImages}'s values).
     *
     * @throws IOException              if the file cannot be read or is not such a file (the message names the file and
     *                                  the problem)
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Tensor readRawImages(Path file) throws IOException {
        Contents c = read(file, 3, "an IDX image file has 3 dimensions");
        return onDefaultDevice(Tensor.fromArray(c.data, DType.UINT8).reshape(c.dims[0], c.dims[1], c.dims[2]));
    }

    /**
     * Labels as int64 [N], from an IDX file of unsigned bytes with 1 dimension.
     *
     * @throws IOException              if the file cannot be read or is not such a file (the message names the file and
     *                                  the problem)
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Tensor readLabels(Path file) throws IOException {
        Contents c = read(file, 1, "an IDX label file has 1 dimension");
        long[] v = new long[c.data.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = c.data[i] & 0xFF;
        }
        return onDefaultDevice(Tensor.fromArray(v));
    }

    private static final class Contents {
        final int[] dims;
        final byte[] data;

        Contents(int[] dims, byte[] data) {
            this.dims = dims;
            this.data = data;
        }
    }

    private static IOException bad(Path file, String problem) {
        return new IOException(file + ": " + problem);
    }

    private static String typeName(int type) {
        switch (type) {
            case 0x08: return "unsigned byte";
            case 0x09: return "signed byte";
            case 0x0B: return "int16";
            case 0x0C: return "int32";
            case 0x0D: return "float32";
            case 0x0E: return "float64";
            default: return null;
        }
    }

    private static String bytes(int n) {
        return n == 1 ? "1 byte" : n + " bytes";
    }

    /** Reads as many bytes as the stream has, up to {@code b.length}; returns how many it read. */
    private static int fill(InputStream in, byte[] b) throws IOException {
        int n = 0;
        while (n < b.length) {
            int r = in.read(b, n, b.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private static Contents read(Path file, int ndims, String rule) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            // A plain IDX file starts with two zero bytes, so the gzip magic cannot be mistaken for one.
            try (InputStream in = gzip ? new GzipInput(raw, file) : raw) {
                return read(file, in, gzip, ndims, rule);
            }
        }
    }

    private static Contents read(Path file, InputStream in, boolean gzip, int ndims, String rule) throws IOException {
        String source = gzip ? "the decompressed data" : "the file";
        int headerLength = 4 + 4 * ndims;
        byte[] magic = new byte[4];
        int got = fill(in, magic);
        if (got < 4) {
            throw bad(file, source + " ends after " + bytes(got) + ", inside the " + headerLength + "-byte IDX header");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw bad(file, String.format("not an IDX file (it starts with 0x%02x 0x%02x, not 0x00 0x00)",
                    magic[0] & 0xFF, magic[1] & 0xFF));
        }
        int type = magic[2] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            String name = typeName(type);
            throw bad(file, name == null ? String.format("unknown IDX element type 0x%02x", type)
                    : String.format("IDX element type 0x%02x (%s) is not supported (Ember reads unsigned bytes, type 0x08)", type, name));
        }
        if ((magic[3] & 0xFF) != ndims) {
            throw bad(file, rule + ", this one has " + (magic[3] & 0xFF));
        }
        byte[] rawDims = new byte[4 * ndims];
        got = fill(in, rawDims);
        if (got < rawDims.length) {
            throw bad(file, source + " ends after " + bytes(4 + got) + ", inside the " + headerLength + "-byte IDX header");
        }
        int[] dims = new int[ndims];
        long count = 1;
        for (int k = 0; k < ndims; k++) {
            long d = ((rawDims[4 * k] & 0xFFL) << 24) | ((rawDims[4 * k + 1] & 0xFF) << 16)
                    | ((rawDims[4 * k + 2] & 0xFF) << 8) | (rawDims[4 * k + 3] & 0xFF);
            if (d > Integer.MAX_VALUE) {
                throw bad(file, "IDX dimension " + k + " is " + d + ", beyond Ember's limit of " + Integer.MAX_VALUE);
            }
            dims[k] = (int) d;
        }
        String shape = "IDX dimensions " + Arrays.toString(dims);
        try {
            for (int d : dims) {
                count = Math.multiplyExact(count, (long) d);
            }
        } catch (ArithmeticException e) {
            throw bad(file, "the element count of " + shape + " overflows a 64-bit integer");
        }
        if (count > MAX_ELEMENTS) {
            throw bad(file, shape + " hold " + count + " elements; Ember holds at most " + MAX_ELEMENTS + " in one tensor");
        }
        if (!gzip) {
            // The size of a plain file is known: compare before allocating anything.
            long held = Files.size(file) - headerLength;
            if (held != count) {
                throw bad(file, shape + " need " + count + " data bytes, but the file holds " + held
                        + " after its " + headerLength + "-byte header");
            }
        }
        // Grows with the data that actually arrives, so a gzip stream declaring a huge size cannot make us allocate it.
        byte[] data = new byte[(int) Math.min(count, 1 << 20)];
        int have = 0;
        while (have < count) {
            if (have == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(count, 2L * data.length));
            }
            int r = in.read(data, have, data.length - have);
            if (r < 0) {
                throw bad(file, source + " ends after " + have + " of the " + count + " data bytes its " + shape + " need");
            }
            have += r;
        }
        // Reading to the end also makes the gzip reader verify the last member's CRC-32 and length.
        if (in.read() >= 0) {
            throw bad(file, source + " continues past the " + count + " data bytes its " + shape + " declare");
        }
        return new Contents(dims, data);
    }
}
