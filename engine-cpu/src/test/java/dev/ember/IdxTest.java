package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.data.Idx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** IDX files, plain and gzipped, and the seeded loader over them; every malformed file is an IOException. */
class IdxTest {

    @TempDir
    Path dir;

    private int files;

    private static byte[] images() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(0x803);
        d.writeInt(3);
        d.writeInt(2);
        d.writeInt(2);
        for (int i = 0; i < 12; i++) {
            d.writeByte(i * 20);
        }
        return b.toByteArray();
    }

    private static byte[] labels() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(0x801);
        d.writeInt(3);
        d.write(new byte[] {7, 0, 9});
        return b.toByteArray();
    }

    /** An IDX file: magic 0 0 type ndims, the dimensions as big-endian u32, then the data. */
    static byte[] idx(int type, int ndims, long[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) ndims);
        for (long d : dims) {
            b.putInt((int) d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    /** A gzip member built by hand, with the optional header fields the JDK's writer never writes. */
    private static byte[] member(byte[] data, int flags, boolean goodHeaderCrc) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, (byte) flags, 1, 2, 3, 4, 0, 3});
        if ((flags & 4) != 0) {
            h.writeBytes(new byte[] {3, 0, 'a', 'b', 'c'});
        }
        if ((flags & 8) != 0) {
            h.writeBytes(new byte[] {'n', 'a', 'm', 'e', 0});
        }
        if ((flags & 16) != 0) {
            h.writeBytes(new byte[] {'h', 'i', 0});
        }
        if ((flags & 2) != 0) {
            CRC32 c = new CRC32();
            c.update(h.toByteArray());
            int v = (int) c.getValue() ^ (goodHeaderCrc ? 0 : 1);
            h.writeBytes(new byte[] {(byte) v, (byte) (v >> 8)});
        }
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length + 64];
        int n = 0;
        while (!d.finished()) {
            n += d.deflate(buf, n, buf.length - n);
        }
        d.end();
        h.write(buf, 0, n);
        CRC32 c = new CRC32();
        c.update(data);
        h.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt((int) c.getValue()).putInt(data.length).array());
        return h.toByteArray();
    }

    private Path write(byte[] bytes) throws IOException {
        Path f = dir.resolve("f" + files++);
        Files.write(f, bytes);
        return f;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private void fails(byte[] bytes, boolean images, String problem) throws IOException {
        Path f = write(bytes);
        Executable call = images ? () -> Idx.readImages(f) : () -> Idx.readLabels(f);
        IOException e = assertThrows(IOException.class, call);
        assertEquals(f + ": " + problem, e.getMessage());
    }

    private static void assertImages(byte[] plain, Tensor t) {
        ByteBuffer b = ByteBuffer.wrap(plain).order(ByteOrder.BIG_ENDIAN);
        b.getInt();
        int[] dims = {b.getInt(), b.getInt(), b.getInt()};
        assertArrayEquals(new int[] {dims[0], 1, dims[1], dims[2]}, t.shape());
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals((b.get() & 0xFF) / 255f, v[i]);
        }
    }

    @Test
    void readsPlainAndGzippedFiles() throws IOException {
        Path plain = dir.resolve("images-idx3-ubyte");
        Files.write(plain, images());
        Path gz = dir.resolve("images-idx3-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(images());
        }
        Tensor a = Idx.readImages(plain);
        Tensor b = Idx.readImages(gz);
        assertArrayEquals(new int[] {3, 1, 2, 2}, a.shape());
        assertEquals(220 / 255.0, a.toDoubleArray()[11], 1e-6);
        assertEquals(a.toString(), b.toString());
        // the raw reader: uint8 [N, rows, cols] as stored, whose float32 / 255 is readImages' tensor
        Tensor raw = Idx.readRawImages(gz);
        assertEquals(DType.UINT8, raw.dtype());
        assertArrayEquals(new int[] {3, 2, 2}, raw.shape());
        assertEquals(220, raw.toLongArray()[11]);
        assertArrayEquals(a.toFloatArray(), raw.toFloat().div(255.0).toFloatArray());
        assertArrayEquals(Idx.readRawImages(plain).toByteArray(), raw.toByteArray());
        assertThrows(IOException.class, () -> Idx.readRawImages(dir.resolve("labels-idx1-ubyte-missing")));
        Path l = dir.resolve("labels-idx1-ubyte");
        Files.write(l, labels());
        assertEquals("tensor([7, 0, 9])", Idx.readLabels(l).toString());
        assertThrows(IOException.class, () -> Idx.readLabels(plain));

        DataLoader<java.util.List<Tensor>, DataLoader.Batch> loader = DataLoader.of(a, Idx.readLabels(l), 2, true, 42, Device.CPU);
        assertEquals(2, loader.size());
        long[] firstEpoch = new long[3];
        int k = 0;
        for (DataLoader.Batch batch : loader) {
            for (long v : batch.targets().toLongArray()) {
                firstEpoch[k++] = v;
            }
        }
        java.util.Arrays.sort(firstEpoch);
        assertArrayEquals(new long[] {0, 7, 9}, firstEpoch, "every sample once per epoch");
    }

    /** Valid gzip variants: several members, zero padding after the last (as Python's gzip accepts), optional header fields. */
    @Test
    void readsEveryValidGzipForm() throws IOException {
        byte[] plain = images();
        byte[] half1 = Arrays.copyOf(plain, 9);
        byte[] half2 = Arrays.copyOfRange(plain, 9, plain.length);
        assertImages(plain, Idx.readImages(write(concat(gzip(half1), gzip(half2)))));
        assertImages(plain, Idx.readImages(write(concat(gzip(half1), gzip(new byte[0]), gzip(half2)))));
        assertImages(plain, Idx.readImages(write(concat(gzip(plain), new byte[7]))));
        assertImages(plain, Idx.readImages(write(concat(gzip(half1), new byte[3], gzip(half2)))));
        for (int flags : new int[] {1, 2, 4, 8, 16, 2 | 4 | 8 | 16, 31}) {
            assertImages(plain, Idx.readImages(write(member(plain, flags, true))));
        }
        // empty data sets: dimensions of 0
        Tensor none = Idx.readImages(write(gzip(idx(8, 3, new long[] {0, 28, 28}, new byte[0]))));
        assertArrayEquals(new int[] {0, 1, 28, 28}, none.shape());
        assertEquals(0, Idx.readLabels(write(idx(8, 1, new long[] {0}, new byte[0]))).numel());
    }

    @Test
    void headerChecks() throws IOException {
        byte[] img = images();
        byte[] pk = img.clone();
        pk[0] = 'P';
        pk[1] = 'K';
        fails(pk, true, "not an IDX file (it starts with 0x50 0x4b, not 0x00 0x00)");
        fails(gzip(pk), true, "not an IDX file (it starts with 0x50 0x4b, not 0x00 0x00)");
        byte[] floats = img.clone();
        floats[2] = 0x0D;
        fails(floats, true, "IDX element type 0x0d (float32) is not supported (Ember reads unsigned bytes, type 0x08)");
        floats[2] = 0x09;
        fails(floats, true, "IDX element type 0x09 (signed byte) is not supported (Ember reads unsigned bytes, type 0x08)");
        floats[2] = 0x07;
        fails(floats, true, "unknown IDX element type 0x07");
        fails(img, false, "an IDX label file has 1 dimension, this one has 3");
        fails(labels(), true, "an IDX image file has 3 dimensions, this one has 1");
        fails(idx(8, 0, new long[0], new byte[1]), false, "an IDX label file has 1 dimension, this one has 0");
        fails(idx(8, 255, new long[0], new byte[0]), true, "an IDX image file has 3 dimensions, this one has 255");
        fails(new byte[0], true, "the file ends after 0 bytes, inside the 16-byte IDX header");
        fails(new byte[] {0, 0, 8}, false, "the file ends after 3 bytes, inside the 8-byte IDX header");
        fails(Arrays.copyOf(img, 10), true, "the file ends after 10 bytes, inside the 16-byte IDX header");
        fails(gzip(Arrays.copyOf(img, 10)), true, "the decompressed data ends after 10 bytes, inside the 16-byte IDX header");
        fails(new byte[] {0x1f}, true, "the file ends after 1 byte, inside the 16-byte IDX header");
        assertEquals("file must not be null", assertThrows(IllegalArgumentException.class, () -> Idx.readImages(null)).getMessage());
        assertEquals("file must not be null", assertThrows(IllegalArgumentException.class, () -> Idx.readLabels(null)).getMessage());
    }

    /** Dimensions are unsigned 32-bit numbers: each must fit an int, and their product is exact. */
    @Test
    void dimensionChecks() throws IOException {
        fails(idx(8, 1, new long[] {0xFFFFFFFFL}, new byte[4]), false, "IDX dimension 0 is 4294967295, beyond Ember's limit of 2147483647");
        fails(idx(8, 3, new long[] {1, 0x80000000L, 1}, new byte[4]), true, "IDX dimension 1 is 2147483648, beyond Ember's limit of 2147483647");
        fails(idx(8, 3, new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, new byte[4]), true,
                "the element count of IDX dimensions [2147483647, 2147483647, 2147483647] overflows a 64-bit integer");
        fails(idx(8, 3, new long[] {65536, 65536, 1}, new byte[4]), true,
                "IDX dimensions [65536, 65536, 1] hold 4294967296 elements; Ember holds at most 2147483639 in one tensor");
        fails(gzip(idx(8, 3, new long[] {65536, 65536, 1}, new byte[4])), true,
                "IDX dimensions [65536, 65536, 1] hold 4294967296 elements; Ember holds at most 2147483639 in one tensor");
    }

    /** The data must end exactly where the dimensions say; a small file declaring a huge one allocates nothing of that size. */
    @Test
    void dataLengthChecks() throws IOException {
        byte[] img = images();
        fails(Arrays.copyOf(img, img.length - 1), true, "IDX dimensions [3, 2, 2] need 12 data bytes, but the file holds 11 after its 16-byte header");
        fails(concat(img, new byte[1]), true, "IDX dimensions [3, 2, 2] need 12 data bytes, but the file holds 13 after its 16-byte header");
        fails(idx(8, 3, new long[] {60000, 28, 28}, new byte[84]), true,
                "IDX dimensions [60000, 28, 28] need 47040000 data bytes, but the file holds 84 after its 16-byte header");
        fails(idx(8, 1, new long[] {2147483639}, new byte[92]), false,
                "IDX dimensions [2147483639] need 2147483639 data bytes, but the file holds 92 after its 8-byte header");
        fails(gzip(Arrays.copyOf(img, img.length - 1)), true, "the decompressed data ends after 11 of the 12 data bytes its IDX dimensions [3, 2, 2] need");
        fails(gzip(concat(img, new byte[1])), true, "the decompressed data continues past the 12 data bytes its IDX dimensions [3, 2, 2] declare");
        fails(gzip(idx(8, 1, new long[] {2147483639}, new byte[92])), false,
                "the decompressed data ends after 92 of the 2147483639 data bytes its IDX dimensions [2147483639] need");
    }

    /** A corrupt or truncated gzip file is reported, never loaded: the CRC-32 and length trailer are checked. */
    @Test
    void gzipChecks() throws IOException {
        byte[] gz = gzip(images());
        int n = gz.length;
        byte[] crc = gz.clone();
        crc[n - 8] ^= 1;
        Path f = write(crc);
        IOException e = assertThrows(IOException.class, () -> Idx.readImages(f));
        CRC32 c = new CRC32();
        c.update(images());
        assertEquals(f + String.format(": gzip CRC-32 mismatch: the trailer says %08x, the data gives %08x (the file is corrupt)",
                c.getValue() ^ 1, c.getValue()), e.getMessage());
        byte[] length = gz.clone();
        length[n - 4] ^= 1;
        fails(length, true, "gzip length mismatch: the trailer says 29 bytes (mod 2^32), the data has 28 (the file is corrupt)");
        fails(Arrays.copyOf(gz, n - 1), true, "the gzip stream is truncated (it ends inside the trailer)");
        fails(Arrays.copyOf(gz, n - 8), true, "the gzip stream is truncated (it ends inside the trailer)");
        fails(Arrays.copyOf(gz, 14), true, "the gzip stream is truncated (it ends inside the compressed data)");
        fails(Arrays.copyOf(gz, 10), true, "the gzip stream is truncated (it ends inside the compressed data)");
        fails(Arrays.copyOf(gz, 5), true, "the gzip stream is truncated (it ends inside the header)");
        byte[] block = gz.clone();
        block[10] = 7; // a final block of the reserved type 3
        fails(block, true, "corrupt gzip data (invalid block type)");
        fails(concat(gz, new byte[] {'x'}), true, "unexpected bytes after the end of the gzip stream");
        fails(concat(gz, new byte[] {0, 0, 1}), true, "unexpected bytes after the end of the gzip stream");
        fails(concat(gz, new byte[] {0x1f, (byte) 0x8b, 8}), true, "the gzip stream is truncated (it ends inside the header)");
        fails(concat(gz, Arrays.copyOf(gzip(new byte[0]), 15)), true, "the gzip stream is truncated (it ends inside the trailer)");
        byte[] method = gz.clone();
        method[2] = 7;
        fails(method, true, "gzip compression method 7 is not deflate (8)");
        byte[] reserved = gz.clone();
        reserved[3] = 0x20;
        fails(reserved, true, "reserved gzip header flags are set (0x20)");
        fails(member(images(), 2, false), true, "the gzip header CRC does not match the header");
        fails(Arrays.copyOf(member(images(), 8, true), 13), true, "the gzip stream is truncated (it ends inside the header's file name)");
        fails(Arrays.copyOf(member(images(), 4, true), 12), true, "the gzip stream is truncated (it ends inside the header's extra field)");
        fails(Arrays.copyOf(member(images(), 16, true), 11), true, "the gzip stream is truncated (it ends inside the header's comment)");
    }
}
