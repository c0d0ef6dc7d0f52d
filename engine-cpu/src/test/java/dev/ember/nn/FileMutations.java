package dev.ember.nn;

import java.util.Arrays;
import java.util.Random;

/**
 * Seeded mutations of a file's bytes for the readers' fuzz tests ({@link TorchSerializationTest},
 * {@link HostileFiles40Test}).
 */
final class FileMutations {
    private FileMutations() {
    }

    /**
     * One seeded mutation of {@code bytes} (at least 9 long): bits flipped, cut short, bytes appended, a field set to
     * an extreme, a byte overwritten, or a block of the original copied over another place. With {@code pickledInts}
     * the field may also be one byte wide and take small values (a pickled int: a size, stride, offset or storage
     * length); without, it is 4 or 8 bytes (sizes and offsets of an archive).
     */
    static byte[] mutate(byte[] bytes, Random r, boolean pickledInts) {
        byte[] b = bytes.clone();
        switch (r.nextInt(6)) {
            case 0: { // flip bits
                int n = 1 + r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1: // truncate
                return Arrays.copyOf(b, r.nextInt(b.length));
            case 2: { // append
                byte[] more = new byte[1 + r.nextInt(100)];
                r.nextBytes(more);
                byte[] out = Arrays.copyOf(b, b.length + more.length);
                System.arraycopy(more, 0, out, b.length, more.length);
                return out;
            }
            case 3: { // a field set to an extreme
                int p = r.nextInt(b.length - 8);
                long[] values = pickledInts
                        ? new long[] {0, 1, 2, 3, 7, 0xFF, 0xFFFFFFFFL, 0x7FFFFFFFL, 0x80000000L, Long.MAX_VALUE, -1,
                            b.length, b.length + 1L}
                        : new long[] {0, 0xFFFFFFFFL, 0x7FFFFFFFL, 0x80000000L, Long.MAX_VALUE, -1, b.length,
                            b.length + 1L};
                long v = values[r.nextInt(values.length)];
                int width = pickledInts && r.nextInt(3) == 0 ? 1 : r.nextBoolean() ? 4 : 8;
                for (int i = 0; i < width; i++) {
                    b[p + i] = (byte) (v >>> (8 * i));
                }
                return b;
            }
            case 4: // overwrite a byte
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                return b;
            default: { // a block of the original copied over another place
                int len = 1 + r.nextInt(Math.min(64, b.length - 1));
                int from = r.nextInt(b.length - len);
                int to = r.nextInt(b.length - len);
                System.arraycopy(bytes, from, b, to, len);
                return b;
            }
        }
    }
}
