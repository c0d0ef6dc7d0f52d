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
 * Sparse tensors in PyTorch's own files (resources/sparsepickle/make_expected.py: torch.save with PyTorch 1.13):
 * {@code torch._utils._rebuild_sparse_tensor} of uncoalesced, coalesced and hybrid COO tensors, and an SGD state dict
 * whose momentum buffer is sparse, loaded by {@link TorchSerialization#load} and into Ember's SGD; CSR tensors as 1.13
 * writes them ({@code _rebuild_sparse_csr_tensor}); and the pickles PyTorch 2.x writes (COO with its
 * {@code is_coalesced} flag, CSR through {@code _rebuild_sparse_tensor}), which the generator writes with 2.x's
 * reduction and Ember's {@link TorchSerialization#save} must write byte for byte.
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

    /** The records of {@code want} and {@code got}: the same names, byte for byte but the elements {@code unset}. */
    private static void assertSameRecords(java.nio.file.Path want, java.nio.file.Path got,
                                          Map<String, List<Integer>> unset) throws IOException {
        try (java.util.zip.ZipFile w = new java.util.zip.ZipFile(want.toFile());
             java.util.zip.ZipFile g = new java.util.zip.ZipFile(got.toFile())) {
            List<String> names = w.stream().map(java.util.zip.ZipEntry::getName).toList();
            // the archive's folder is named after the file
            String wantDir = names.get(0).substring(0, names.get(0).indexOf('/') + 1);
            List<String> gotNames = g.stream().map(java.util.zip.ZipEntry::getName).toList();
            String gotDir = gotNames.get(0).substring(0, gotNames.get(0).indexOf('/') + 1);
            assertEquals(names.stream().map(n -> n.substring(wantDir.length())).toList(),
                    gotNames.stream().map(n -> n.substring(gotDir.length())).toList());
            for (String name : names) {
                String rec = name.substring(wantDir.length());
                byte[] wb = w.getInputStream(w.getEntry(name)).readAllBytes();
                byte[] gb = g.getInputStream(g.getEntry(gotDir + rec)).readAllBytes();
                assertEquals(wb.length, gb.length, rec);
                for (int k : unset.getOrDefault(rec, List.of())) {
                    java.util.Arrays.fill(wb, 8 * k, 8 * k + 8, (byte) 0);
                    java.util.Arrays.fill(gb, 8 * k, 8 * k + 8, (byte) 0);
                }
                org.junit.jupiter.api.Assertions.assertArrayEquals(wb, gb, rec);
            }
        }
    }

    @Test
    void savingCooTensorsWritesTorch2xSavesPickle(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        // PyTorch 2.x pickles a COO tensor with its is_coalesced flag (_rebuild_sparse_tensor(layout, (indices, values,
        // size, is_coalesced))): coo_2x.pt, written by the generator with 2.x's reduction. Before session 35 Ember wrote
        // 1.13's three-element data (no flag: a coalesced tensor loaded uncoalesced in 2.x), compared here with
        // coo_only.pt; that expectation is now 2.x's.
        Map<?, ?> objs = (Map<?, ?>) TorchSerialization.load(FILE.resource("coo_2x.pt"));
        Map<String, Object> coo = new java.util.LinkedHashMap<>();
        for (String key : List.of("coo", "coalesced", "hybrid")) {
            assertEquals(EXPECTED.text(key), objs.get(key).toString(), key);
            coo.put(key, objs.get(key));
        }
        // the flag as 2.x's file holds it (before: the coalesced tensor was coalesced again, a copy)
        assertFalse(((SparseTensor) objs.get("coo")).isCoalesced());
        assertTrue(((SparseTensor) objs.get("coalesced")).isCoalesced());
        assertTrue(((SparseTensor) objs.get("hybrid")).isCoalesced());
        java.nio.file.Path out = dir.resolve("coo_2x.pt");
        TorchSerialization.save(coo, out);
        // the same records, the pickle byte for byte (the layout pickled once then fetched, the flags as NEWFALSE /
        // NEWTRUE); the storages of the coalesced tensor (records 2 and 3: indices [2, 3] of strides (4, 1), values
        // [3]) have room for 4 entries of which PyTorch's coalesce fills 3, the rest uninitialized memory: those
        // 8-byte elements (3 and 7 of the indices, 3 of the values) are left out
        assertSameRecords(FILE.resource("coo_2x.pt"), out, Map.of("data/2", List.of(3, 7), "data/3", List.of(3)));
        Map<?, ?> back = (Map<?, ?>) TorchSerialization.load(out);
        for (String key : List.of("coo", "coalesced", "hybrid")) {
            assertEquals(EXPECTED.text(key), back.get(key).toString(), key);
            assertEquals(((SparseTensor) objs.get(key)).isCoalesced(), ((SparseTensor) back.get(key)).isCoalesced(), key);
        }
    }

    @Test
    void aCoalescedFlagThatLiesIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        Tensor i = Tensor.tensor(new long[][] {{1, 0}, {0, 1}});
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> dev.ember.sparse.Sparse.cooTensor(i, Tensor.tensor(new double[] {1, 2}), new int[] {2, 2}, true));
        assertTrue(e.getMessage().startsWith("is_coalesced=True, but the indices are not sorted and unique"), e.getMessage());
        SparseTensor ok = dev.ember.sparse.Sparse.cooTensor(i.flip(1), Tensor.tensor(new double[] {1, 2}),
                new int[] {2, 2}, true);
        assertTrue(ok.isCoalesced());
        assertFalse(dev.ember.sparse.Sparse.cooTensor(i.narrow(1, 0, 1), Tensor.tensor(new double[] {1}),
                new int[] {2, 2}, false).isCoalesced());
        // an Ember-made coalesced tensor round-trips coalesced, an uncoalesced one uncoalesced
        java.nio.file.Path out = dir.resolve("flags.pt");
        SparseTensor un = dev.ember.sparse.Sparse.cooTensor(i, Tensor.tensor(new double[] {1, 2}), 2, 2);
        TorchSerialization.save(Map.of("c", un.coalesce(), "u", un), out);
        Map<?, ?> back = (Map<?, ?>) TorchSerialization.load(out);
        assertTrue(((SparseTensor) back.get("c")).isCoalesced());
        assertFalse(((SparseTensor) back.get("u")).isCoalesced());
    }

    @Test
    void csrTensorsLoadFrom113And2xFilesAndSaveAs2x(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        // 1.13 writes _rebuild_sparse_csr_tensor, 2.x _rebuild_sparse_tensor(torch.sparse_csr, ...) (before: both
        // refused, "Ember reads sparse COO tensors only")
        List<String> keys = List.of("csr", "csr32", "column", "empty");
        Map<?, ?> old = (Map<?, ?>) TorchSerialization.load(FILE.resource("csr_113.pt"));
        Map<?, ?> twoX = (Map<?, ?>) TorchSerialization.load(FILE.resource("csr_2x.pt"));
        for (String key : keys) {
            assertTrue(old.get(key) instanceof dev.ember.sparse.SparseCsrTensor, key);
            assertEquals(EXPECTED.text(key), old.get(key).toString(), key);
            assertEquals(EXPECTED.text(key), twoX.get(key).toString(), key + " (2.x)");
        }
        Map<String, Object> csrs = new java.util.LinkedHashMap<>();
        for (String key : keys) {
            csrs.put(key, old.get(key));
        }
        java.nio.file.Path out = dir.resolve("csr_2x.pt");
        TorchSerialization.save(csrs, out);
        assertSameRecords(FILE.resource("csr_2x.pt"), out, Map.of());
        Map<?, ?> back = (Map<?, ?>) TorchSerialization.load(out);
        for (String key : keys) {
            assertEquals(EXPECTED.text(key), back.get(key).toString(), key);
        }
        // a CSC tensor goes through the same form (ccol_indices, row_indices)
        dev.ember.sparse.SparseCsrTensor csc = ((dev.ember.sparse.SparseCsrTensor) old.get("csr")).toSparseCsc();
        TorchSerialization.save(Map.of("csc", csc), dir.resolve("csc.pt"));
        Object cscBack = ((Map<?, ?>) TorchSerialization.load(dir.resolve("csc.pt"))).get("csc");
        assertEquals(csc.toString(), cscBack.toString());
    }

    @Test
    void aCheckpointKeepsASparseStateTensorsCoalescedFlag(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        // a coalesced momentum buffer loads coalesced (before: Checkpoint kept indices, values and size only, and the
        // buffer came back uncoalesced; torch.save of a COO tensor keeps is_coalesced in 2.x)
        Map<?, ?> objs = (Map<?, ?>) TorchSerialization.load(FILE.resource("sparse_state.pt"));
        Embedding e = new Embedding(6, 2, null, null, 2.0, false, true);
        SGD o = new SGD(List.of(e.weight), 0.1, 0.9, 0.1, 0, false);
        @SuppressWarnings("unchecked")
        Map<String, Object> sd = (Map<String, Object>) objs.get("sgd");
        o.loadStateDict(sd);
        @SuppressWarnings("unchecked")
        Map<Object, Object> s0 = (Map<Object, Object>) ((Map<?, ?>) o.stateDict().get("state")).get(0);
        SparseTensor buf = (SparseTensor) s0.get("momentum_buffer");
        assertFalse(buf.isCoalesced());
        Map<String, Object> coalescedSd = new java.util.LinkedHashMap<>(sd);
        Map<Object, Object> state = new java.util.LinkedHashMap<>();
        Map<Object, Object> entry = new java.util.LinkedHashMap<>(s0);
        entry.put("momentum_buffer", buf.coalesce());
        state.put(0L, entry);
        coalescedSd.put("state", state);
        o.loadStateDict(coalescedSd);
        java.nio.file.Path file = dir.resolve("ck.safetensors");
        for (boolean coalesced : new boolean[] {true, false}) {
            if (!coalesced) {
                o.loadStateDict(sd);
            }
            dev.ember.nn.utils.Checkpoint.save(file, e, o, null, 3);
            Embedding e2 = new Embedding(6, 2, null, null, 2.0, false, true);
            SGD o2 = new SGD(List.of(e2.weight), 0.1, 0.9, 0.1, 0, false);
            dev.ember.nn.utils.Checkpoint.load(file, e2, o2, null);
            SparseTensor got = (SparseTensor) ((Map<?, ?>) ((Map<?, ?>) o2.stateDict().get("state")).get(0))
                    .get("momentum_buffer");
            assertEquals(coalesced, got.isCoalesced());
            SparseTensor want = (SparseTensor) ((Map<?, ?>) ((Map<?, ?>) o.stateDict().get("state")).get(0))
                    .get("momentum_buffer");
            assertEquals(want.toString(), got.toString());
        }
    }
}
