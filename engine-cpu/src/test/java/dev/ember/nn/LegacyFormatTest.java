package dev.ember.nn;

import dev.ember.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torch.save's legacy format (PyTorch before 1.6, or {@code _use_new_zipfile_serialization=False}), which PyTorch 2.x's
 * weights-only {@code torch.load} reads: each file written by PyTorch 1.13 beside the same object in the zip format
 * (resources/legacyformat/make_files.py), both read by Ember and compared in everything (structure, dtypes, shapes,
 * strides, offsets, {@code requires_grad}, values bit for bit, which tensors share a storage); the refusals in 2.x's
 * words; every truncation of a file refused as an {@link IOException}.
 */
class LegacyFormatTest {
    private static final String DIR = "/legacyformat/";

    @TempDir
    Path tmp;

    private Path file(String name) throws IOException {
        return TorchSerializationTest.copied(tmp, DIR, name);
    }

    @Test
    void legacyFilesLoadAsTheirZipTwins() throws IOException {
        for (String name : List.of("dtypes", "model", "checkpoint", "rebuild_v1")) {
            Object legacy = TorchSerialization.load(file(name + "_legacy.pt"));
            Object zip = TorchSerialization.load(file(name + "_zip.pt"));
            new Same(name).compare(legacy, zip, "");
        }
    }

    @Test
    void viewsShareTheirStorageAndParametersKeepRequiresGrad() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) TorchSerialization.load(file("dtypes_legacy.pt"));
        Tensor base = (Tensor) m.get("f64");
        Tensor t = (Tensor) m.get("view_t");
        double before = t.select(0, 1).select(0, 2).item();
        base.select(0, 2).select(0, 1).fill_(before + 1.0);
        assertEquals(before + 1.0, t.select(0, 1).select(0, 2).item(), "view_t shares f64's storage");
        assertTrue(((Tensor) m.get("param")).requiresGrad());
        assertFalse(((Tensor) m.get("frozen")).requiresGrad());
        assertTrue(((Tensor) m.get("view_step")).storage() == base.storage());
    }

    @Test
    void aModelStateDictLoadsWithItsVersions() throws IOException {
        Map<String, Tensor> legacy = TorchSerialization.loadStateDict(file("model_legacy.pt"));
        Map<String, Tensor> zip = TorchSerialization.loadStateDict(file("model_zip.pt"));
        assertEquals(List.copyOf(zip.keySet()), List.copyOf(legacy.keySet()));
        assertEquals(TorchSerialization.versions(zip), TorchSerialization.versions(legacy));
        // the shapes without the tensors (stand-ins) agree with the full read
        Map<String, int[]> shapes = TorchSerialization.stateDictShapes(file("model_legacy.pt"), s -> s);
        assertEquals(legacy.keySet(), shapes.keySet());
        legacy.forEach((k, v) -> assertArrayEquals(v.shape(), shapes.get(k), k));
    }

    @Test
    void refusalsInPyTorchsWords() throws IOException {
        assertRefused("quantized_legacy.pt", "holds a quantized tensor in torch.save's legacy format");
        assertRefused("sparse_legacy.pt", "holds a sparse tensor in torch.save's legacy format");
        assertRefused("plain_pickle.pt", ": Invalid magic number; corrupt file?");
        assertRefused("bad_protocol.pt", ": Invalid protocol version: 1000");
        assertRefused("tar_format.pt", ": Cannot use ``weights_only=True`` with files saved in the legacy .tar format");
        Path f = file("dtypes_legacy.pt");
        IOException e = assertThrows(IOException.class, () -> TorchSerialization.load(f, true));
        assertTrue(e.getMessage().startsWith(f + ": mmap can only be used with files saved with `torch.save(" + f
                + ", _use_new_zipfile_serialization=True)"), e.getMessage());
        // the shapes-only read of a quantized legacy file gets the same refusal as the full read
        Path q = file("quantized_legacy.pt");
        e = assertThrows(IOException.class, () -> TorchSerialization.stateDictShapes(q, s -> s));
        assertTrue(e.getMessage().contains("quantized tensor in torch.save's legacy format"), e.getMessage());
    }

    private void assertRefused(String name, String message) throws IOException {
        Path f = file(name);
        IOException e = assertThrows(IOException.class, () -> TorchSerialization.load(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(message), e.getMessage());
    }

    /** Every file cut short (at every byte) and every storage count changed is refused as an IOException. */
    @Test
    void everyTruncationAndWrongCountIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(file("checkpoint_legacy.pt"));
        Path cut = tmp.resolve("cut.pt");
        for (int n = 0; n < whole.length; n++) {
            Files.write(cut, Arrays.copyOf(whole, n));
            final int at = n;
            IOException e = assertThrows(IOException.class, () -> TorchSerialization.load(cut), () -> "cut at " + at);
            assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        }
        // the first storage's 8-byte element count (right after the keys' pickle) set to other values
        byte[] dtypes = Files.readAllBytes(file("dtypes_legacy.pt"));
        int countAt = 1966 + 280; // the object's pickle ends at 1966, the keys' pickle is 280 bytes (make_files.py's file)
        assertEquals('.', dtypes[countAt - 1], "the keys' pickle ends before the first count");
        long first = java.nio.ByteBuffer.wrap(dtypes, countAt, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        for (long v : new long[] {0, first - 1, first + 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40}) {
            byte[] b = dtypes.clone();
            java.nio.ByteBuffer.wrap(b, countAt, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v);
            Path bad = tmp.resolve("count.pt");
            Files.write(bad, b);
            IOException e = assertThrows(IOException.class, () -> TorchSerialization.load(bad), () -> "count " + v);
            assertTrue(e.getMessage().contains("has wrong byte size: expected"), e.getMessage());
        }
        // bytes after the last storage are ignored, as 2.x ignores them
        Path longer = tmp.resolve("longer.pt");
        byte[] more = Arrays.copyOf(dtypes, dtypes.length + 7);
        Files.write(longer, more);
        new Same("trailing bytes").compare(TorchSerialization.load(longer), TorchSerialization.load(file("dtypes_zip.pt")), "");
    }

    /** A walk of two loaded objects side by side, tensors compared in everything, storages' sharing included. */
    private static final class Same {
        private final String name;
        private final Map<Object, Integer> storagesA = new IdentityHashMap<>();
        private final Map<Object, Integer> storagesB = new IdentityHashMap<>();

        Same(String name) {
            this.name = name;
        }

        void compare(Object a, Object b, String path) {
            String at = name + path;
            if (a == null || b == null) {
                assertEquals(a, b, at);
                return;
            }
            assertEquals(a.getClass(), b.getClass(), at);
            if (a instanceof Tensor x) {
                Tensor y = (Tensor) b;
                assertEquals(x.dtype(), y.dtype(), at);
                assertArrayEquals(x.shape(), y.shape(), at);
                assertArrayEquals(x.stride(), y.stride(), at);
                assertEquals(x.storageOffset(), y.storageOffset(), at);
                assertEquals(x.requiresGrad(), y.requiresGrad(), at);
                assertTrue(Objects.deepEquals(TensorBytes.hostArray(x), TensorBytes.hostArray(y)), at + " values");
                Object sx = x.dtype().isComplex() ? x.detach().viewAsReal().storage() : x.storage();
                Object sy = y.dtype().isComplex() ? y.detach().viewAsReal().storage() : y.storage();
                assertEquals(storagesA.computeIfAbsent(sx, k -> storagesA.size()),
                        storagesB.computeIfAbsent(sy, k -> storagesB.size()), at + " storage");
            } else if (a instanceof Map<?, ?> m) {
                Map<?, ?> n = (Map<?, ?>) b;
                assertEquals(List.copyOf(m.keySet()), List.copyOf(n.keySet()), at);
                for (Object k : m.keySet()) {
                    compare(m.get(k), n.get(k), path + "." + k);
                }
            } else if (a instanceof List<?> l) {
                List<?> r = (List<?>) b;
                assertEquals(l.size(), r.size(), at);
                for (int i = 0; i < l.size(); i++) {
                    compare(l.get(i), r.get(i), path + "[" + i + "]");
                }
            } else {
                assertTrue(Objects.deepEquals(a, b), at + ": " + a + " vs " + b);
            }
        }
    }
}
