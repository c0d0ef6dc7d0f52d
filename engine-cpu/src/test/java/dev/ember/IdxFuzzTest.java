package dev.ember;

import dev.ember.data.Idx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded, bounded fuzzing of {@link Idx}: valid image and label files, plain and gzipped, are mutated (bit flips,
 * byte overwrites, truncations, appended bytes, edits of the type, dimension count and dimensions), and every outcome
 * must be either exactly what the file holds or an IOException naming the file; anything else fails with the seed
 * and iteration. What a file holds is decided by a model written here: the IDX layout checked with exact BigInteger
 * arithmetic, and for gzip the JDK's own {@link GZIPInputStream} (independent of Ember's reader), with the two
 * places where Ember is deliberately stricter than it: reserved header flags, and bytes other than zero padding after
 * the last member.
 */
class IdxFuzzTest {
    /** Fixed for CI; {@code -Dember.fuzz.seed=N -Dember.fuzz.iterations=M} explores further. */
    private static final long SEED = Long.getLong("ember.fuzz.seed", 0x1D8_F022L);
    private static final int ITERATIONS = Integer.getInteger("ember.fuzz.iterations", 8000);
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    @TempDir
    Path dir;

    /** The data bytes a plain IDX file of unsigned bytes with this many dimensions holds, with its dimensions; null if invalid. */
    static Object[] model(byte[] f, int ndims) {
        int header = 4 + 4 * ndims;
        if (f.length < header || f[0] != 0 || f[1] != 0 || f[2] != 8 || (f[3] & 0xFF) != ndims) {
            return null;
        }
        int[] dims = new int[ndims];
        BigInteger count = BigInteger.ONE;
        for (int k = 0; k < ndims; k++) {
            long d = ByteBuffer.wrap(f, 4 + 4 * k, 4).order(ByteOrder.BIG_ENDIAN).getInt() & 0xFFFFFFFFL;
            if (d > Integer.MAX_VALUE) {
                return null;
            }
            dims[k] = (int) d;
            count = count.multiply(BigInteger.valueOf(d));
        }
        if (count.compareTo(BigInteger.valueOf(MAX_ELEMENTS)) > 0 || !count.equals(BigInteger.valueOf(f.length - header))) {
            return null;
        }
        return new Object[] {dims, Arrays.copyOfRange(f, header, f.length)};
    }

    /** The JDK's reading of a gzip file, or null where it fails. */
    private static byte[] jdkGunzip(byte[] f) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(f))) {
            return in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    static byte[] bitFlips(byte[] f, Random r, StringBuilder log) {
        byte[] g = f.clone();
        int k = 1 + r.nextInt(3);
        for (int j = 0; j < k && g.length > 0; j++) {
            int p = r.nextBoolean() ? r.nextInt(Math.min(g.length, 24)) : r.nextInt(g.length);
            g[p] ^= (byte) (1 << r.nextInt(8));
            log.append(" flip@").append(p);
        }
        return g;
    }

    /** One random mutation of a plain IDX file. */
    static byte[] mutatePlain(byte[] f, int ndims, Random r, StringBuilder log) {
        switch (r.nextInt(7)) {
            case 0: return bitFlips(f, r, log);
            case 1: {
                byte[] g = f.clone();
                int p = r.nextInt(g.length);
                g[p] = (byte) r.nextInt(256);
                log.append(" set@").append(p);
                return g;
            }
            case 2: {
                int len = r.nextInt(f.length + 1);
                log.append(" truncate@").append(len);
                return Arrays.copyOf(f, len);
            }
            case 3: {
                byte[] g = Arrays.copyOf(f, f.length + 1 + r.nextInt(8));
                for (int i = f.length; i < g.length; i++) {
                    g[i] = (byte) r.nextInt(256);
                }
                log.append(" append").append(g.length - f.length);
                return g;
            }
            case 4: { // the element type or the number of dimensions
                byte[] g = f.clone();
                int p = 2 + r.nextInt(2);
                int[] values = {0, 1, 3, 8, 9, 0x0B, 0x0D, 0x0E, 0xFF};
                g[p] = (byte) values[r.nextInt(values.length)];
                log.append(" magic@").append(p).append('=').append(g[p]);
                return g;
            }
            case 5: { // one dimension, to something that may or may not match the data
                byte[] g = f.clone();
                int k = r.nextInt(ndims);
                long old = ByteBuffer.wrap(g, 4 + 4 * k, 4).getInt() & 0xFFFFFFFFL;
                long[] values = {0, 1, old - 1, old + 1, old * 2, Integer.MAX_VALUE, 0x80000000L, 0xFFFFFFFFL, 65536, r.nextInt() & 0xFFFFFFFFL};
                long v = values[r.nextInt(values.length)];
                ByteBuffer.wrap(g, 4 + 4 * k, 4).putInt((int) v);
                log.append(" dim").append(k).append('=').append(v);
                return g;
            }
            default: { // a data byte (keeps the file valid)
                byte[] g = f.clone();
                int header = 4 + 4 * ndims;
                if (g.length > header) {
                    int p = header + r.nextInt(g.length - header);
                    g[p] = (byte) r.nextInt(256);
                    log.append(" data@").append(p);
                }
                return g;
            }
        }
    }

    private FuzzFile file;

    @BeforeEach
    void open() throws IOException {
        file = new FuzzFile(dir.resolve("fuzz-idx"));
    }

    @AfterEach
    void close() throws IOException {
        file.close();
    }

    private Path write(byte[] bytes) throws IOException {
        return file.write(bytes);
    }

    private static void assertHolds(Object[] expected, Tensor t, boolean images, String where) {
        int[] dims = (int[]) expected[0];
        byte[] data = (byte[]) expected[1];
        assertArrayEquals(images ? new int[] {dims[0], 1, dims[1], dims[2]} : dims, t.shape(), where);
        if (images) {
            float[] v = t.toFloatArray();
            for (int i = 0; i < data.length; i++) {
                assertEquals((data[i] & 0xFF) / 255f, v[i], where);
            }
        } else {
            long[] v = t.toLongArray();
            for (int i = 0; i < data.length; i++) {
                assertEquals(data[i] & 0xFF, v[i], where);
            }
        }
    }

    /** Loads {@code f}; it must hold {@code expected} (null: must be an IOException naming the file). Returns whether it loaded. */
    private boolean check(byte[] f, boolean images, Object[] expected, String where) throws IOException {
        Path p = write(f);
        try {
            Tensor t = images ? Idx.readImages(p) : Idx.readLabels(p);
            if (expected == null) {
                fail(where + ": loaded a malformed file as " + Arrays.toString(t.shape()));
            }
            assertHolds(expected, t, images, where);
            return true;
        } catch (IOException e) {
            if (expected != null) {
                fail(where + ": rejected a valid file: " + e.getMessage());
            }
            assertTrue(e.getMessage().startsWith(p + ": "), where + ": the message names the file: " + e.getMessage());
            return false;
        } catch (Throwable t) {
            throw new AssertionError(where + ": " + t, t);
        }
    }

    private static byte[] base(boolean images, Random r) {
        int[] dims = images ? new int[] {1 + r.nextInt(5), 1 + r.nextInt(4), 1 + r.nextInt(4)} : new int[] {1 + r.nextInt(12)};
        int count = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
        byte[] data = new byte[count];
        r.nextBytes(data);
        return IdxTest.idx(8, dims.length, Arrays.stream(dims).asLongStream().toArray(), data);
    }

    @Test
    void mutatedFilesLoadCorrectlyOrFailWithAnIOException() throws Exception {
        Random r = new Random(SEED);
        int loaded = 0;
        int rejected = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            boolean images = r.nextBoolean();
            int ndims = images ? 3 : 1;
            byte[] plain = base(images, r);
            StringBuilder log = new StringBuilder(images ? "images" : "labels");
            byte[] f;
            Object[] expected;
            int how = r.nextInt(3);
            if (how == 0) { // a mutated plain file
                f = mutatePlain(plain, ndims, r, log);
                expected = model(f, ndims);
            } else if (how == 1) { // a valid gzip of a mutated plain file
                byte[] inner = mutatePlain(plain, ndims, r, log);
                f = IdxTest.gzip(inner);
                expected = model(inner, ndims);
                log.append(" gzip");
            } else { // a mutated gzip of a valid plain file
                byte[] gz = IdxTest.gzip(plain);
                log.append(" gzip");
                int op = r.nextInt(4);
                boolean stricter = false;
                if (op == 0) {
                    f = bitFlips(gz, r, log);
                    stricter = (f[3] & 0xE0) != 0; // reserved flags: the JDK ignores them, RFC 1952 says to reject
                } else if (op == 1) {
                    f = Arrays.copyOf(gz, r.nextInt(gz.length));
                    log.append(" truncate@").append(f.length);
                } else {
                    byte[] tail = new byte[1 + r.nextInt(8)];
                    if (op == 2) {
                        r.nextBytes(tail);
                        // the JDK ignores bytes after the last member that are no gzip header; only zero padding is fine
                        for (byte b : tail) {
                            stricter |= b != 0;
                        }
                    }
                    f = Arrays.copyOf(gz, gz.length + tail.length);
                    System.arraycopy(tail, 0, f, gz.length, tail.length);
                    log.append(op == 2 ? " append" : " zero-pad").append(tail.length);
                }
                byte[] inner = jdkGunzip(f);
                expected = inner == null || stricter ? null : model(inner, ndims);
            }
            String where = "seed " + SEED + ", iteration " + it + ": " + log;
            if (check(f, images, expected, where)) {
                loaded++;
            } else {
                rejected++;
            }
        }
        // the mutations must exercise both outcomes, or the fuzzing proves little
        assertTrue(loaded > ITERATIONS / 10 && rejected > ITERATIONS / 3, "loaded " + loaded + ", rejected " + rejected);
    }
}
