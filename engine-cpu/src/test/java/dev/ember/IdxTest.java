package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.data.Idx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** IDX files, plain and gzipped, and the seeded loader over them. */
class IdxTest {

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

    @Test
    void readsPlainAndGzippedFiles(@TempDir Path dir) throws IOException {
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
        Path l = dir.resolve("labels-idx1-ubyte");
        Files.write(l, labels());
        assertEquals("tensor([7, 0, 9])", Idx.readLabels(l).toString());
        assertThrows(IOException.class, () -> Idx.readLabels(plain));

        DataLoader loader = new DataLoader(a, Idx.readLabels(l), 2, true, 42, Device.CPU);
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
}
