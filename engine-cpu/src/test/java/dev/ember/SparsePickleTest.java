package dev.ember;

import dev.ember.nn.Embedding;
import dev.ember.nn.TorchSerialization;
import dev.ember.optim.SGD;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sparse COO tensors in PyTorch's own files (resources/sparsepickle/make_expected.py: torch.save with PyTorch 1.13):
 * {@code torch._utils._rebuild_sparse_tensor} of uncoalesced, coalesced and hybrid tensors, and an SGD state dict whose
 * momentum buffer is sparse, loaded by {@link TorchSerialization#load} and into Ember's SGD.
 */
class SparsePickleTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/sparsepickle/expected.txt");
    private static final OutsiderFixture FILE = new OutsiderFixture("sparsepickle", "sparse_state.pt");
    private DType before;

    @BeforeEach
    void float64() {
        before = Ember.getDefaultDtype();
        Ember.setDefaultDtype(DType.FLOAT64);
    }

    @AfterEach
    void restore() {
        Ember.setDefaultDtype(before);
    }

    @Test
    void sparseTensorsAndASparseMomentumBufferLoadFromPyTorchsFile() throws IOException {
        Map<?, ?> objs = (Map<?, ?>) TorchSerialization.load(FILE.resource("sparse_state.pt"));
        for (String key : List.of("coo", "coalesced", "hybrid")) {
            assertTrue(objs.get(key) instanceof SparseTensor, key);
            assertEquals(EXPECTED.text(key), objs.get(key).toString(), key);
        }
        // 1.13 writes no coalesced flag: the coalesced tensor loads uncoalesced, as in 1.13 (2.x's flag coalesces it)
        assertFalse(((SparseTensor) objs.get("coalesced")).isCoalesced());
        Map<?, ?> sd = (Map<?, ?>) objs.get("sgd");
        Embedding e = new Embedding(6, 2, null, null, 2.0, false, true);
        SGD o = new SGD(List.of(e.weight), 0.1, 0.9, 0.1, 0, false);
        @SuppressWarnings("unchecked")
        Map<String, ?> state = (Map<String, ?>) sd;
        o.loadStateDict(state);
        Object buf = ((Map<?, ?>) ((Map<?, ?>) o.stateDict().get("state")).get(0)).get("momentum_buffer");
        assertTrue(buf instanceof SparseTensor);
        assertEquals(EXPECTED.text("sgd"), buf.toString());
    }

    @Test
    void savingTheLoadedCooTensorsWritesTorchSavesBytes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        Map<?, ?> objs = (Map<?, ?>) TorchSerialization.load(FILE.resource("sparse_state.pt"));
        Map<String, Object> coo = new java.util.LinkedHashMap<>();
        for (String key : List.of("coo", "coalesced", "hybrid")) {
            coo.put(key, objs.get(key));
        }
        java.nio.file.Path out = dir.resolve("coo_only.pt");
        TorchSerialization.save(coo, out);
        // the same records, the pickle byte for byte (_rebuild_sparse_tensor, the layout pickled once then fetched);
        // the storages of the coalesced tensor (records 2 and 3: indices [2, 3] of strides (4, 1), values [3]) have
        // room for 4 entries of which PyTorch's coalesce fills 3, the rest uninitialized memory: those 8-byte elements
        // (3 and 7 of the indices, 3 of the values) are left out
        try (java.util.zip.ZipFile want = new java.util.zip.ZipFile(FILE.resource("coo_only.pt").toFile());
             java.util.zip.ZipFile got = new java.util.zip.ZipFile(out.toFile())) {
            List<String> names = want.stream().map(java.util.zip.ZipEntry::getName).toList();
            assertEquals(names, got.stream().map(java.util.zip.ZipEntry::getName).toList());
            for (String name : names) {
                byte[] w = want.getInputStream(want.getEntry(name)).readAllBytes();
                byte[] g = got.getInputStream(got.getEntry(name)).readAllBytes();
                assertEquals(w.length, g.length, name);
                List<Integer> unset = name.endsWith("data/2") ? List.of(3, 7) : name.endsWith("data/3") ? List.of(3)
                        : List.of();
                for (int k : unset) {
                    java.util.Arrays.fill(w, 8 * k, 8 * k + 8, (byte) 0);
                    java.util.Arrays.fill(g, 8 * k, 8 * k + 8, (byte) 0);
                }
                org.junit.jupiter.api.Assertions.assertArrayEquals(w, g, name);
            }
        }
        // and it loads back
        Map<?, ?> back = (Map<?, ?>) TorchSerialization.load(out);
        for (String key : List.of("coo", "coalesced", "hybrid")) {
            assertEquals(EXPECTED.text(key), back.get(key).toString(), key);
        }
    }
}
