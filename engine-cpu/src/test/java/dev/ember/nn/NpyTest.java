package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * NumPy's {@code .npy} and {@code .npz} files ({@link Npy}) against files NumPy wrote (resources/npy/make_files.py,
 * NumPy 1.24): every array's dtype, shape, strides ({@code torch.from_numpy}'s, Fortran order included) and every
 * element's bytes; {@link Npy#save} against {@code np.save}'s bytes; the refusals in NumPy's words; every truncation
 * and random mutation of a file refused as an {@link IOException} or read as an array, never another exception.
 */
class NpyTest {
    private static final String DIR = "/npy/";

    @TempDir
    Path tmp;

    private Path file(String name) throws IOException {
        return TorchSerializationTest.copied(tmp, DIR, name);
    }

    private static List<String> expected() throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream(DIR + "expected.txt")) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        }
    }

    /** The elements in C order as little-endian bytes. */
    private static byte[] bytes(Tensor t) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TensorBytes.write(out, TensorBytes.hostArray(t.contiguous()), null);
        return out.toByteArray();
    }

    @Test
    void everyArrayReadsAsNumPyWroteIt() throws IOException {
        List<String> lines = expected();
        int loads = 0;
        for (int i = 0; i < lines.size(); i++) {
            String[] head = lines.get(i).split(" ");
            if (!head[0].equals("load")) {
                continue;
            }
            String name = head[1];
            Tensor t = head.length > 2 ? Npy.loadNpz(file(name)).get(head[2]) : Npy.load(file(name));
            String what = lines.get(i);
            assertTrue(t != null, what);
            assertEquals(lines.get(i + 1), "dtype " + t.dtype().torchName().replace("torch.", ""), what);
            assertEquals(lines.get(i + 2), "shape " + join(t.shape()), what);
            assertEquals(lines.get(i + 3), "stride " + join(t.stride()), what);
            assertEquals(lines.get(i + 4), "bytes " + HexFormat.of().formatHex(bytes(t)), what);
            if (lines.get(i + 5).equals("resave 1")) {
                Path again = tmp.resolve("again.npy");
                Npy.save(t, again);
                assertArrayEquals(Files.readAllBytes(file(name)), Files.readAllBytes(again), what + ": np.save's bytes");
            }
            loads++;
        }
        assertEquals(30, loads, "the cases in expected.txt");
    }

    private static String join(int[] a) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            s.append(i > 0 ? "," : "").append(a[i]);
        }
        return s.toString();
    }

    @Test
    void npzKeepsTheArchivesOrderAndNames() throws IOException {
        Map<String, Tensor> z = Npy.loadNpz(file("arrays.npz"));
        // np.savez writes the named arrays first, then arr_0, arr_1... (its namedict), and np.load lists them so
        assertEquals(List.of("weights", "flags", "arr_0", "arr_1"), new ArrayList<>(z.keySet()));
        assertEquals(DType.BOOL, z.get("flags").dtype());
    }

    @Test
    void refusalsInNumPysWords() throws IOException {
        List<String> lines = expected();
        int refusals = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("refuse ")) {
                Path f = file(lines.get(i).substring(7));
                String message = lines.get(i + 1).substring("message ".length());
                IOException e = assertThrows(IOException.class, () -> Npy.load(f), f.toString());
                assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(message),
                        e.getMessage() + " lacks " + message);
                refusals++;
            }
        }
        assertEquals(6, refusals);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Npy.save(Tensor.zeros(2).to(DType.BFLOAT16), tmp.resolve("b.npy")));
        assertTrue(e.getMessage().contains("NumPy has no torch.bfloat16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Npy.load(null));
        assertThrows(IllegalArgumentException.class, () -> Npy.loadNpz(null));
        Path notZip = file("f32.npy");
        IOException z = assertThrows(IOException.class, () -> Npy.loadNpz(notZip));
        assertTrue(z.getMessage().startsWith(notZip.toString()), z.getMessage());
    }

    @Test
    void aViewIsSavedInItsLogicalOrderAndReadsBack() throws IOException {
        Tensor t = Tensor.arange(0, 24, 1).to(DType.FLOAT64).reshape(2, 3, 4).permute(2, 0, 1);
        Path f = tmp.resolve("view.npy");
        Npy.save(t, f);
        Tensor back = Npy.load(f);
        assertArrayEquals(t.shape(), back.shape());
        assertArrayEquals(bytes(t), bytes(back));
        Tensor scalar = Npy.load(file("scalar.npy"));
        assertEquals(0, scalar.dim());
        assertEquals(2.5, scalar.item());
    }

    /** Truncations at every byte, and seeded mutations, of .npy and .npz files: an array or an IOException. */
    @Test
    void truncatedAndMutatedFilesAreRefusedCleanly() throws IOException {
        Path cut = tmp.resolve("cut.npy");
        for (String name : List.of("f32.npy", "v2.npy", "fortran.npy")) {
            byte[] whole = Files.readAllBytes(file(name));
            for (int n = 0; n < whole.length; n++) {
                Files.write(cut, Arrays.copyOf(whole, n));
                final int at = n;
                IOException e = assertThrows(IOException.class, () -> Npy.load(cut), () -> name + " cut at " + at);
                assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
            }
        }
        Random r = new Random(52);
        Path bad = tmp.resolve("bad.npy");
        Path badZ = tmp.resolve("bad.npz");
        int refused = 0;
        for (String name : List.of("f32.npy", "c128.npy", "fortran3.npy", "big_i64.npy", "v3.npy", "arrays.npz",
                "compressed.npz")) {
            byte[] whole = Files.readAllBytes(file(name));
            boolean npz = name.endsWith(".npz");
            for (int k = 0; k < 300; k++) {
                byte[] m = FileMutations.mutate(whole, r, true);
                Path p = npz ? badZ : bad;
                Files.write(p, m);
                try {
                    if (npz) {
                        Npy.loadNpz(p).values().forEach(NpyTest::touch);
                    } else {
                        touch(Npy.load(p));
                    }
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
                    refused++;
                } catch (RuntimeException | Error e) {
                    fail(name + " mutant " + k + ": " + e, e);
                }
            }
        }
        assertTrue(refused > 500, "most mutants are refused: " + refused);
    }

    /** Reads every element (a tensor built wrong fails here). */
    private static void touch(Tensor t) {
        try {
            bytes(t);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
