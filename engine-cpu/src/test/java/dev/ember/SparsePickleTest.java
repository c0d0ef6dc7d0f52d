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
}
