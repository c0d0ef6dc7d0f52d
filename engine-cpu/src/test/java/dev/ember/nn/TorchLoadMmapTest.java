package dev.ember.nn;

import dev.ember.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch 2.1's {@code torch.load(mmap=True)} ({@link TorchSerialization#load(Path, boolean)}) and 2.5's
 * {@code config.load.mmap} default ({@link TorchSerialization#setDefaultLoadMmap}): every PyTorch-written file of
 * {@code torchserialization/} loads through the memory map to the same objects as through the channel (each tensor's
 * dtype, shape, strides, offset, requires_grad and values bit for bit, shared storages shared again), a loaded tensor
 * changed in place leaves the file as it was (2.x's private, copy-on-write map), and refused files are refused with the
 * same messages. The loader's hostile-file and mutation tests run again with the map on in
 * {@link TorchSerializationMmapTest} and {@link HostileFiles40MmapTest}.
 */
class TorchLoadMmapTest {
    private static final String DIR = "/torchserialization/";

    @TempDir
    Path tmp;

    /** Every tensor reachable from {@code o}, in the order a walk meets them. */
    private static void tensors(Object o, List<Tensor> out) {
        if (o instanceof Tensor t) {
            out.add(t);
        } else if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                tensors(e.getKey(), out);
                tensors(e.getValue(), out);
            }
        } else if (o instanceof Iterable<?> it) {
            for (Object x : it) {
                tensors(x, out);
            }
        }
    }

    private static void assertSameLoad(String what, Object plain, Object mapped) {
        assertEquals(String.valueOf(plain.getClass()), String.valueOf(mapped.getClass()), what);
        List<Tensor> a = new ArrayList<>();
        List<Tensor> b = new ArrayList<>();
        tensors(plain, a);
        tensors(mapped, b);
        assertEquals(a.size(), b.size(), what);
        Map<Object, Integer> storagesA = new IdentityHashMap<>();
        Map<Object, Integer> storagesB = new IdentityHashMap<>();
        for (int i = 0; i < a.size(); i++) {
            Tensor x = a.get(i);
            Tensor y = b.get(i);
            String at = what + " tensor " + i;
            assertEquals(x.dtype(), y.dtype(), at);
            assertArrayEquals(x.shape(), y.shape(), at);
            assertArrayEquals(x.stride(), y.stride(), at);
            assertEquals(x.storageOffset(), y.storageOffset(), at);
            assertEquals(x.requiresGrad(), y.requiresGrad(), at);
            assertEquals(x.toString(), y.toString(), at);
            // the same sharing: the i-th tensor's storage first met at the same index in both
            assertEquals(storagesA.computeIfAbsent(x.storage(), k -> storagesA.size()),
                    storagesB.computeIfAbsent(y.storage(), k -> storagesB.size()), at);
        }
    }

    @Test
    void mappedLoadsEqualPlainLoads() throws IOException {
        for (String name : List.of("checkpoint.pt", "exact.pt", "state_dict.pt", "tensors.pt")) {
            Path f = TorchSerializationTest.copied(tmp, DIR, name);
            assertSameLoad(name, TorchSerialization.load(f, false), TorchSerialization.load(f, true));
        }
        Path sd = TorchSerializationTest.copied(tmp, DIR, "state_dict.pt");
        Map<String, Tensor> plain = TorchSerialization.loadStateDict(sd, false);
        Map<String, Tensor> mapped = TorchSerialization.loadStateDict(sd, true);
        assertEquals(plain.keySet(), mapped.keySet());
        assertSameLoad("state dict", plain, mapped);
    }

    @Test
    void aLoadedTensorChangedInPlaceLeavesTheFile() throws IOException {
        Path f = TorchSerializationTest.copied(tmp, DIR, "state_dict.pt");
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> sd = TorchSerialization.loadStateDict(f, true);
        for (Tensor t : sd.values()) {
            if (t.dtype().isFloatingPoint()) {
                t.fill_(12345.0);
            }
        }
        assertArrayEquals(before, Files.readAllBytes(f));
        Path fresh = Files.createDirectory(tmp.resolve("fresh"));
        assertSameLoad("again", TorchSerialization.loadStateDict(TorchSerializationTest.copied(fresh, DIR,
                "state_dict.pt"), false), TorchSerialization.loadStateDict(f, true));
    }

    @Test
    void theDefaultAndRefusals() throws IOException {
        assertFalse(TorchSerialization.getDefaultLoadMmap());
        Path f = TorchSerializationTest.copied(tmp, DIR, "tensors.pt");
        Object plain = TorchSerialization.load(f);
        try {
            TorchSerialization.setDefaultLoadMmap(true);
            assertTrue(TorchSerialization.getDefaultLoadMmap());
            assertSameLoad("default", plain, TorchSerialization.load(f));
        } finally {
            TorchSerialization.setDefaultLoadMmap(false);
        }
        for (String name : List.of("torchscript.pt", "refused_function.pt")) {
            Path bad = TorchSerializationTest.copied(tmp, DIR, name);
            IOException p = assertThrows(IOException.class, () -> TorchSerialization.load(bad, false));
            IOException m = assertThrows(IOException.class, () -> TorchSerialization.load(bad, true));
            assertEquals(p.getMessage(), m.getMessage(), name);
        }
        // a file cut short: the lengths are checked against the bytes that exist, as without the map
        byte[] whole = Files.readAllBytes(f);
        for (int cut : new int[] {0, 3, whole.length / 2, whole.length - 1}) {
            Path shorter = tmp.resolve("cut" + cut + ".pt");
            Files.write(shorter, Arrays.copyOf(whole, cut));
            IOException p = assertThrows(IOException.class, () -> TorchSerialization.load(shorter, false));
            IOException m = assertThrows(IOException.class, () -> TorchSerialization.load(shorter, true));
            assertEquals(p.getMessage(), m.getMessage(), "cut at " + cut);
        }
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.load(null, true));
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.loadStateDict(null, true));
    }
}
