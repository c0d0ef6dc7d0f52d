package dev.ember;

import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.ASGD;
import dev.ember.optim.Adadelta;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Adamax;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.Rprop;
import dev.ember.optim.SGD;
import dev.ember.optim.SparseAdam;
import dev.ember.sparse.Sparse;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sparse gradients (resources/sparsegrad/make_expected.py, PyTorch 1.13 in float64; where 2.x differs it is said):
 * {@code Embedding(sparse=true)}'s and {@code EmbeddingBag(sparse=true)}'s sparse {@code weight.grad} (indices, values,
 * nnz, coalesced flag and printout, after one backward and two accumulated ones, padding rows dropped), a bag-of-words
 * model trained with SparseAdam + Adam, SGD with momentum, SGD with maximize, Adagrad and SparseAdam with maximize
 * (weights after every step against PyTorch's), SparseAdam's state dict and printout, how a sparse gradient accumulates
 * with a dense one, zero_grad, and the refusals of the optimizers and utilities that do not take one.
 */
class SparseGradTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/sparsegrad/expected.txt");
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

    /** The generator's deterministic table: sin(0.7 k + shift), [n, d]. */
    private static Tensor table(int n, int d, double shift) {
        return Tensor.arange(n * d).to(DType.FLOAT64).mul(0.7).add(shift).sin().reshape(n, d);
    }

    private static void load(Tensor p, Tensor values) {
        try (GradMode off = Ember.noGrad()) {
            p.copy_(values);
        }
    }

    private static Tensor longs(long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU);
    }

    private static void assertGrad(String key, SparseTensor g) {
        EXPECTED.assertExact(key + ".indices", g._indices());
        EXPECTED.assertExact(key + ".values", g._values());
        assertEquals(EXPECTED.get(key + ".nnz"), String.valueOf(g.nnz()), key + ".nnz");
        assertEquals(EXPECTED.get(key + ".coalesced"), g.isCoalesced() ? "True" : "False", key + ".coalesced");
        assertEquals(EXPECTED.text(key + ".str"), g.toString(), key + ".str");
    }

    private static void assertClose(String key, Tensor got) {
        Tensor want = EXPECTED.tensor(key);
        assertArrayEquals(want.shape(), got.shape(), key);
        double[] e = want.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], 1e-12 * Math.max(1, Math.abs(e[i])), key + "[" + i + "]");
        }
    }

    @Test
    void embeddingGradIsSparseOneRowPerLookupAndAccumulatesByConcatenation() {
        Embedding emb = new Embedding(10, 3, null, null, 2.0, false, true);
        load(emb.weight, table(10, 3, 0.0));
        assertEquals(EXPECTED.text("emb.repr"), emb.toString());
        Tensor w1 = Tensor.arange(18).to(DType.FLOAT64).reshape(2, 3, 3).mul(0.25).sub(1.0);
        emb.forward(Tensor.tensor(new long[][] {{1, 2, 4}, {4, 3, 2}}, DType.INT64, Device.CPU)).mul(w1).sum().backward();
        assertTrue(emb.weight.isGradSparse());
        assertGrad("emb.one", emb.weight.sparseGrad());
        Tensor w2 = Tensor.tensor(new double[][] {{0.5, -1.0, 2.0}, {3.0, 0.25, -0.75}});
        emb.forward(longs(7, 1)).mul(w2).sum().backward();
        assertGrad("emb.two", emb.weight.sparseGrad());
        // grad() is the dense form (to_dense), a new tensor each call
        EXPECTED.assertExact("emb.two.dense", emb.weight.grad());
        assertTrue(emb.weight.grad() != emb.weight.grad());
    }

    @Test
    void accumulationMergesAsPyTorchsSparseAdd() {
        // over backward passes: grad += new_grad, PyTorch's CPU merge of the two index lists (equal heads summed in
        // place of repeated: nnz stays 3 here, values 1 + 2 then + 3)
        Embedding grow = new Embedding(2, 2, null, null, 2.0, false, true);
        load(grow.weight, table(2, 2, 0.1));
        for (int k = 0; k < 3; k++) {
            grow.forward(longs(0, 1, 0)).mul(k + 1.0).sum().backward();
            assertGrad("grow." + k, grow.weight.sparseGrad());
        }
        // within one graph (the engine's buffer: new + old); a lookup whose output is summed directly has the
        // expanded gradient, whose values PyTorch holds non-contiguous: concatenated, the later gradient first
        Embedding graph = new Embedding(6, 2, null, null, 2.0, false, true);
        graph.forward(longs(4)).sum().add(graph.forward(longs(0, 4, 1)).mul(2.0).sum()).backward();
        assertGrad("graph.two", graph.weight.sparseGrad());
        Embedding graph3 = new Embedding(6, 2, null, null, 2.0, false, true);
        graph3.forward(longs(5, 2)).sum().add(graph3.forward(longs(3, 0, 3)).mul(2.0).sum())
            .add(graph3.forward(longs(1, 2)).mul(3.0).sum()).backward();
        assertGrad("graph.three", graph3.weight.sparseGrad());
        // int32 indices: the gradient's indices are int64
        Embedding i32 = new Embedding(5, 2, null, null, 2.0, false, true);
        i32.forward(Tensor.tensor(new int[][] {{1, 3}}, DType.INT32, Device.CPU))
            .mul(Tensor.tensor(new double[][][] {{{1.0, 2.0}, {3.0, 4.0}}})).sum().backward();
        assertGrad("int32", i32.weight.sparseGrad());
    }

    @Test
    void paddingLookupsAreDroppedFromTheIndices() {
        Embedding pad = new Embedding(6, 2, 2L, null, 2.0, false, true);
        load(pad.weight, table(6, 2, 1.0));
        assertEquals(EXPECTED.text("pad.repr"), pad.toString());
        pad.forward(longs(2, 0, 2, 5, 0)).mul(Tensor.arange(10).to(DType.FLOAT64).reshape(5, 2)).sum().backward();
        assertGrad("pad.one", pad.weight.sparseGrad());
        Embedding all = new Embedding(6, 2, 2L, null, 2.0, false, true);
        all.forward(longs(2, 2)).sum().backward();
        assertGrad("pad.all", all.weight.sparseGrad()); // no entries: indices [1, 0], values [0, 2]
        // from_pretrained(..., sparse=True) keeps the padding row's values and gives the same sparse gradient
        Embedding pre = Embedding.fromPretrained(table(6, 2, 1.0), false, 2L, null, 2.0, false, true);
        assertEquals(EXPECTED.text("pad.repr"), pre.toString());
        pre.forward(longs(2, 0, 2, 5, 0)).mul(Tensor.arange(10).to(DType.FLOAT64).reshape(5, 2)).sum().backward();
        assertGrad("pad.one", pre.weight.sparseGrad());
    }

    @Test
    void embeddingBagSumAndMeanGiveSparseGradients() {
        EmbeddingBag bag = new EmbeddingBag(5, 2, null, 2.0, false, "sum", true, false, null);
        load(bag.weight, table(5, 2, 2.0));
        Tensor w = Tensor.tensor(new double[][] {{1.0, -1.0}, {0.5, 2.0}});
        bag.forward(longs(0, 1, 1, 3), longs(0, 2), Tensor.tensor(new double[] {1, 2, 3, 4})).mul(w).sum().backward();
        assertGrad("bag.sum", bag.weight.sparseGrad());
        EmbeddingBag mean = new EmbeddingBag(5, 2, null, 2.0, false, "mean", true, false, 4L);
        load(mean.weight, table(5, 2, 3.0));
        mean.forward(longs(0, 1, 1, 4, 3), longs(0, 2)).mul(w).sum().backward();
        assertGrad("bag.mean", mean.weight.sparseGrad());
        EmbeddingBag bag2 = new EmbeddingBag(5, 2, null, 2.0, false, "sum", true, false, null);
        bag2.forward(Tensor.tensor(new long[][] {{0, 2}, {4, 4}}, DType.INT64, Device.CPU)).mul(w).sum().backward();
        assertGrad("bag.2d", bag2.weight.sparseGrad());
        // PyTorch's F.embedding_bag refuses max with sparse (ValueError) before anything runs
        EmbeddingBag max = new EmbeddingBag(5, 2, null, 2.0, false, "max", true, false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> max.forward(longs(0, 1), longs(0)));
        assertEquals("max mode does not support sparse weights", e.getMessage());
    }

    private static final int V = 20;
    private static final int D = 4;
    private static final int C = 3;
    private static final long[][][] TOKENS = {
        {{1, 5, 7, 5, 2}, {3, 3, 9, 11, 0}, {19, 2, 5, 8, 8}, {4, 6, 1, 13, 17}},
        {{2, 2, 2, 15, 16}, {0, 1, 2, 3, 4}, {7, 7, 19, 18, 12}, {10, 5, 5, 5, 6}},
        {{14, 13, 12, 11, 10}, {9, 1, 9, 1, 9}, {6, 3, 17, 2, 0}, {8, 19, 4, 4, 1}}};
    private static final long[][] TARGETS = {{0, 2, 1, 1}, {2, 0, 1, 2}, {1, 1, 0, 2}};

    /** Trains the bag-of-words model (Embedding(sparse) -> mean -> Linear) six steps, checking every step. */
    private static void train(String name, Function<Object[], List<Optimizer>> makeOpts) {
        Embedding emb = new Embedding(V, D, null, null, 2.0, false, true);
        Linear lin = new Linear(D, C);
        load(emb.weight, EXPECTED.tensor("train.emb0"));
        load(lin.weight, EXPECTED.tensor("train.lin0.weight"));
        load(lin.bias, EXPECTED.tensor("train.lin0.bias"));
        List<Optimizer> opts = makeOpts.apply(new Object[] {emb, lin});
        for (int s = 0; s < 6; s++) {
            int k = s % TOKENS.length;
            for (Optimizer o : opts) {
                o.zeroGrad();
            }
            Tensor x = Tensor.tensor(TOKENS[k], DType.INT64, Device.CPU);
            Tensor loss = Functional.crossEntropy(lin.forward(emb.forward(x).mean(1)),
                Tensor.tensor(TARGETS[k], DType.INT64, Device.CPU), -100L);
            loss.backward();
            assertTrue(emb.weight.isGradSparse());
            assertFalse(lin.weight.isGradSparse());
            for (Optimizer o : opts) {
                o.step();
            }
            String at = "train." + name + "." + s + ".";
            assertClose(at + "loss", loss);
            assertClose(at + "emb", emb.weight);
            assertClose(at + "lin.weight", lin.weight);
            assertClose(at + "lin.bias", lin.bias);
        }
    }

    private static List<Tensor> params(Object[] m, int which) {
        return which == 0 ? ((Embedding) m[0]).parameters() : ((Linear) m[1]).parameters();
    }

    private static List<Tensor> all(Object[] m) {
        List<Tensor> ps = new ArrayList<>(params(m, 0));
        ps.addAll(params(m, 1));
        return ps;
    }

    @Test
    void sparseAdamForTheEmbeddingsAdamForTheRest() {
        train("sparseadam", m -> List.of(new SparseAdam(params(m, 0), 0.05), new Adam(params(m, 1), 0.01)));
    }

    @Test
    void sparseAdamWithMaximize() {
        train("sparseadammax", m -> List.of(new SparseAdam(params(m, 0), 0.02, 0.8, 0.99, 1e-6, true),
            new SGD(params(m, 1), 0.1)));
    }

    @Test
    void sgdWithMomentumTakesSparseAndDenseGradients() {
        train("sgdmomentum", m -> List.of(new SGD(all(m), 0.5, 0.9, 0.1, 0, false)));
    }

    @Test
    void sgdMomentumBufferOfASparseGradientIsSparseAsPyTorchs() {
        for (String name : new String[] {"sgdbuf", "sgdbufmax"}) {
            Embedding e = new Embedding(6, 2, null, null, 2.0, false, true);
            load(e.weight, table(6, 2, 0.3));
            SGD o = new SGD(List.of(e.weight), 0.1, 0.9, 0.1, 0, false);
            o.paramGroups().get(0).set("maximize", name.equals("sgdbufmax"));
            long[][] lookups = {{1, 3, 1}, {4, 1}, {0, 5, 3}};
            for (int k = 0; k < 3; k++) {
                o.zeroGrad();
                e.forward(longs(lookups[k])).mul(k + 1.0).sum().backward();
                o.step();
                assertClose(name + "." + k + ".weight", e.weight);
                Object buf = ((Map<?, ?>) ((Map<?, ?>) o.stateDict().get("state")).get(0)).get("momentum_buffer");
                assertGrad(name + "." + k + ".buf", (SparseTensor) buf);
            }
            String sd = o.stateDict().toString();
            String want = EXPECTED.text(name + ".sd");
            assertEquals(want.substring(0, want.indexOf(", 'param_groups'")), sd.substring(0, sd.indexOf(", 'param_groups'")));
            // load_state_dict copies the sparse buffer; the next step of either optimizer gives the same weights
            SGD o2 = new SGD(List.of(e.weight), 0.1, 0.9, 0.1, 0, false);
            o2.loadStateDict(o.stateDict());
            SparseTensor loaded = (SparseTensor) ((Map<?, ?>) ((Map<?, ?>) o2.stateDict().get("state")).get(0))
                    .get("momentum_buffer");
            assertGrad(name + ".loaded", loaded);
            assertTrue(loaded != ((Map<?, ?>) ((Map<?, ?>) o.stateDict().get("state")).get(0)).get("momentum_buffer"));
        }
    }

    @Test
    void aSparseMomentumBufferRoundTripsThroughACheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        Embedding e = new Embedding(6, 2, null, null, 2.0, false, true);
        load(e.weight, table(6, 2, 0.3));
        SGD o = new SGD(List.of(e.weight), 0.1, 0.9, 0.1, 0, false);
        for (long[] idx : new long[][] {{1, 3, 1}, {4, 1}}) {
            o.zeroGrad();
            e.forward(longs(idx)).sum().backward();
            o.step();
        }
        java.nio.file.Path file = dir.resolve("sgd.safetensors");
        dev.ember.nn.utils.Checkpoint.save(file, e, o, null, 2);
        Embedding e2 = new Embedding(6, 2, null, null, 2.0, false, true);
        SGD o2 = new SGD(List.of(e2.weight), 0.1, 0.9, 0.1, 0, false);
        assertEquals(2, dev.ember.nn.utils.Checkpoint.load(file, e2, o2, null));
        SparseTensor b1 = (SparseTensor) ((Map<?, ?>) ((Map<?, ?>) o.stateDict().get("state")).get(0))
                .get("momentum_buffer");
        SparseTensor b2 = (SparseTensor) ((Map<?, ?>) ((Map<?, ?>) o2.stateDict().get("state")).get(0))
                .get("momentum_buffer");
        assertTrue(b1._indices().equal(b2._indices()));
        assertTrue(b1._values().equal(b2._values()));
        o.zeroGrad();
        for (Embedding m : List.of(e, e2)) {
            m.forward(longs(0, 5, 3)).sum().backward();
        }
        o.step();
        o2.step();
        assertTrue(e.weight.detach().equal(e2.weight.detach()));
    }

    @Test
    void sparseGradientsFollowTheirLeafThroughScopes() {
        Embedding outer = new Embedding(6, 2, null, null, 2.0, false, true);
        SparseTensor inside;
        try (TensorScope scope = Ember.scope()) {
            Tensor w = Tensor.ones(6, 2).requiresGrad_(true); // a leaf of the scope (a module's parameters escape)
            Tensor.embedding(w, longs(1, 3), -1, false, true).sum().backward();
            outer.forward(longs(2, 2)).sum().backward();
            inside = w.sparseGrad();
        }
        // a leaf made in the scope takes its sparse gradient with it, as a dense one
        assertTrue(dev.ember.sparse.SparseGrads.valuesOf(inside).isClosed());
        assertTrue(dev.ember.sparse.SparseGrads.indicesOf(inside).isClosed());
        // a parameter made outside keeps it, through a second pass in another scope (accumulated)
        try (TensorScope scope = Ember.scope()) {
            outer.forward(longs(5)).mul(2.0).sum().backward();
        }
        SparseTensor g = outer.weight.sparseGrad();
        assertFalse(dev.ember.sparse.SparseGrads.valuesOf(g).isClosed());
        assertFalse(dev.ember.sparse.SparseGrads.indicesOf(g).isClosed());
        assertEquals("tensor([[0., 0.],\n        [0., 0.],\n        [2., 2.],\n        [0., 0.],\n        [0., 0.],\n"
                + "        [2., 2.]])", outer.weight.grad().toString());
        // p.setSparseGrad(s) in a scope: the gradient is the parameter's, not the scope's
        SparseTensor assigned;
        try (TensorScope scope = Ember.scope()) {
            assigned = Sparse.cooTensor(Tensor.tensor(new long[][] {{4}}), Tensor.ones(1, 2), 6, 2);
            outer.weight.setSparseGrad(assigned);
        }
        assertFalse(dev.ember.sparse.SparseGrads.valuesOf(outer.weight.sparseGrad()).isClosed());
        assertEquals(1, outer.weight.sparseGrad().nnz());
    }

    @Test
    void moduleToDtypeKeepsASparseGradientSparse() {
        Embedding m = new Embedding(4, 2, null, null, 2.0, false, true);
        m.forward(longs(1, 3, 1)).mul(Tensor.tensor(new double[][] {{1, 2}, {3, 4}, {5, 6}})).sum().backward();
        m.to(DType.FLOAT32);
        assertTrue(m.weight.isGradSparse());
        assertGrad("moduleto", m.weight.sparseGrad());
        assertEquals(DType.FLOAT32, m.weight.dtype());
        // the same type again: the gradient itself stays
        SparseTensor g = m.weight.sparseGrad();
        m.to(DType.FLOAT32);
        assertTrue(g == m.weight.sparseGrad());
    }

    @Test
    void aDenseGradientIntoASparseMomentumBufferIsRefusedBeforeAnythingChanges() {
        Embedding e = new Embedding(6, 2, null, null, 2.0, false, true);
        SGD o = new SGD(List.of(e.weight), 0.1, 0.9, 0, 0, false);
        e.forward(longs(1)).sum().backward();
        o.step();
        Tensor weight = e.weight.detach().clone();
        SparseTensor buf = (SparseTensor) ((Map<?, ?>) ((Map<?, ?>) o.stateDict().get("state")).get(0))
                .get("momentum_buffer");
        Tensor bufValues = buf._values().clone();
        e.weight.setGrad(Tensor.ones(6, 2));
        IllegalStateException err = assertThrows(IllegalStateException.class, o::step);
        assertEquals(EXPECTED.text("sgdbuf.densemsg"), err.getMessage());
        assertTrue(e.weight.detach().equal(weight));
        assertTrue(buf._values().equal(bufValues));
    }

    @Test
    void sgdWithMaximize() {
        train("sgdmax", m -> {
            SGD sgd = new SGD(all(m), 0.3);
            sgd.paramGroups().get(0).set("maximize", true);
            return List.of(sgd);
        });
    }

    @Test
    void adagradTakesSparseGradients() {
        train("adagrad", m -> List.of(new Adagrad(all(m), 0.2, 0.05, 0, 0.1, 1e-10)));
    }

    @Test
    void sparseAdamStateDictAndPrintout() {
        Embedding emb = new Embedding(V, D, null, null, 2.0, false, true);
        Linear lin = new Linear(D, C);
        load(emb.weight, EXPECTED.tensor("train.emb0"));
        load(lin.weight, EXPECTED.tensor("train.lin0.weight"));
        load(lin.bias, EXPECTED.tensor("train.lin0.bias"));
        SparseAdam o = new SparseAdam(emb.parameters(), 0.05);
        for (int k = 0; k < 2; k++) {
            o.zeroGrad();
            Functional.crossEntropy(lin.forward(emb.forward(Tensor.tensor(TOKENS[k], DType.INT64, Device.CPU)).mean(1)),
                Tensor.tensor(TARGETS[k], DType.INT64, Device.CPU), -100L).backward();
            o.step();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> st = (Map<String, Object>) ((Map<Integer, Object>) o.stateDict().get("state")).get(0);
        assertEquals(EXPECTED.get("sd.step"), String.valueOf(st.get("step"))); // a Python int in PyTorch's
        assertClose("sd.exp_avg", (Tensor) st.get("exp_avg"));
        assertClose("sd.exp_avg_sq", (Tensor) st.get("exp_avg_sq"));
        assertEquals(EXPECTED.text("sparseadam.repr"), o.toString());
        // loaded into a fresh optimizer, the state gives the same third step as the original's
        SparseAdam again = new SparseAdam(emb.parameters(), 0.05);
        // a copy, as from a checkpoint file (2.x's load would share the live dict's moments with o)
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) FuzzR6Training.snapshot(o.stateDict());
        again.loadStateDict(copy);
        Tensor w = emb.weight.detach().clone();
        List<Tensor> after = new ArrayList<>();
        for (SparseAdam opt : List.of(o, again)) {
            load(emb.weight, w);
            opt.zeroGrad();
            emb.forward(longs(1, 2, 3, 1)).sum().backward();
            opt.step();
            after.add(emb.weight.detach().clone());
        }
        assertFalse(after.get(0).equal(w));
        assertTrue(after.get(0).equal(after.get(1)));
        assertEquals(3L, ((Number) ((Map<?, ?>) ((Map<?, ?>) again.stateDict().get("state")).get(0)).get("step"))
            .longValue());
    }

    @Test
    void denseAndSparseGradientsAccumulateAsPyTorch() {
        Tensor base = table(5, 2, 0.5);
        Tensor idx = longs(1, 3, 1);
        // a tied weight: used by a sparse lookup and by a dense op in one graph: the sum is dense (InputBuffer)
        Tensor ws = base.clone().requiresGrad_(true);
        Functional.embedding(idx, ws, null, null, 2.0, false, true).sum().add(ws.mul(ws).sum()).backward();
        Tensor wd = base.clone().requiresGrad_(true);
        Functional.embedding(idx, wd, null, null, 2.0, false, false).sum().add(wd.mul(wd).sum()).backward();
        assertFalse(ws.isGradSparse());
        assertTrue(ws.grad().allclose(wd.grad(), 0, 0));
        // a sparse gradient then a dense one into the leaf: dense; a dense one then a sparse one: stays dense
        Tensor a = base.clone().requiresGrad_(true);
        Functional.embedding(idx, a, null, null, 2.0, false, true).sum().backward();
        assertTrue(a.isGradSparse());
        a.mul(3.0).sum().backward();
        assertFalse(a.isGradSparse());
        Tensor b = base.clone().requiresGrad_(true);
        b.mul(3.0).sum().backward();
        Functional.embedding(idx, b, null, null, 2.0, false, true).sum().backward();
        assertFalse(b.isGradSparse());
        assertTrue(a.grad().allclose(b.grad(), 0, 0));
        // two sparse lookups of one weight in one graph: one sparse gradient with both sets of entries
        Tensor c = base.clone().requiresGrad_(true);
        Functional.embedding(longs(4), c, null, null, 2.0, false, true).sum()
            .add(Functional.embedding(longs(0, 4), c, null, null, 2.0, false, true).mul(2.0).sum()).backward();
        assertTrue(c.isGradSparse());
        assertEquals(3, c.sparseGrad().nnz());
        assertFalse(c.sparseGrad().isCoalesced());
        Tensor dense = Tensor.zeros(5, 2);
        try (GradMode off = Ember.noGrad()) {
            dense.select(0, 4).fill_(3.0);
            dense.select(0, 0).fill_(2.0);
        }
        assertTrue(c.grad().allclose(dense, 0, 0));
    }

    @Test
    void aHookAndAutogradGradSeeTheDenseForm() {
        Tensor w = table(4, 2, 0.0).requiresGrad_(true);
        List<Tensor> seen = new ArrayList<>();
        w.registerHook(g -> {
            seen.add(g.clone());
            return null;
        });
        Functional.embedding(longs(1, 1), w, null, null, 2.0, false, true).sum().backward();
        Tensor dense = Tensor.zeros(4, 2);
        try (GradMode off = Ember.noGrad()) {
            dense.select(0, 1).fill_(2.0);
        }
        assertTrue(seen.get(0).allclose(dense, 0, 0));
        Tensor v = table(4, 2, 0.0).requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(Functional.embedding(longs(1, 1), v, null, null, 2.0, false, true).sum()),
            List.of(v)).get(0);
        assertTrue(g.allclose(dense, 0, 0));
        assertNull(v.grad());
    }

    @Test
    void aSparseGradientReachingAnotherOpOrRetainGradIsDense() {
        // the weight is not a leaf: its sparse gradient goes through MulBackward0 in its dense form (PyTorch keeps it
        // sparse through mul's sparse kernel: same values, dense layout here), and retain_grad keeps the dense form
        Tensor base = table(4, 2, 0.0).requiresGrad_(true);
        Tensor w = base.mul(2.0);
        w.retainGrad();
        Functional.embedding(longs(3, 0, 3), w, null, null, 2.0, false, true).sum().backward();
        Tensor dense = Tensor.zeros(4, 2);
        try (GradMode off = Ember.noGrad()) {
            dense.select(0, 3).fill_(2.0);
            dense.select(0, 0).fill_(1.0);
        }
        assertFalse(base.isGradSparse());
        assertTrue(w.grad().allclose(dense, 0, 0));
        assertTrue(base.grad().allclose(dense.mul(2.0), 0, 0));
        // anomaly detection checks a sparse gradient's values for NaN
        Tensor v = table(4, 2, 0.0).requiresGrad_(true);
        Tensor out = Functional.embedding(longs(1), v, null, null, 2.0, false, true);
        Tensor nanGrad = Tensor.tensor(new double[][] {{Double.NaN, 1.0}});
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> out.backward(nanGrad));
            assertEquals("Function 'EmbeddingBackward0' returned nan values in its 0th output.", e.getMessage());
        }
    }

    @Test
    void lbfgsReadsASparseGradientDensely() {
        // PyTorch's LBFGS flattens a sparse gradient with to_dense(): the same steps as with the dense gradient
        Tensor[] out = new Tensor[2];
        for (int k = 0; k < 2; k++) {
            boolean sparse = k == 0;
            Tensor w = table(6, 3, 0.2).requiresGrad_(true);
            Tensor target = table(4, 3, 1.3);
            dev.ember.optim.LBFGS lbfgs = new dev.ember.optim.LBFGS(List.of(w));
            for (int s = 0; s < 2; s++) {
                lbfgs.step(() -> {
                    lbfgs.zeroGrad();
                    Tensor loss = Functional.embedding(longs(1, 4, 4, 0), w, null, null, 2.0, false, sparse)
                        .sub(target).pow(2).sum();
                    loss.backward();
                    return loss;
                });
            }
            out[k] = w.detach();
        }
        assertTrue(out[0].allclose(out[1], 0, 1e-12));
        assertFalse(out[0].equal(table(6, 3, 0.2)));
    }

    @Test
    void zeroGradOnASparseGradient() {
        Embedding emb = new Embedding(4, 3, null, null, 2.0, false, true);
        emb.forward(longs(0, 2)).sum().backward();
        SGD sgd = new SGD(emb.parameters(), 0.1);
        // zero_grad(set_to_none=False): zero_() leaves no entries; 2.x keeps the sparse dim (indices [1, 0], values
        // [0, 3]) where 1.13 printed indices [2, 0] and values [0]
        sgd.zeroGrad(false);
        SparseTensor z = emb.weight.sparseGrad();
        assertEquals(0, z.nnz());
        assertArrayEquals(new int[] {1, 0}, z._indices().shape());
        assertArrayEquals(new int[] {0, 3}, z._values().shape());
        assertTrue(z.isCoalesced());
        Tensor w = emb.weight.detach().clone();
        sgd.step(); // an empty gradient moves nothing
        assertTrue(emb.weight.equal(w));
        emb.forward(longs(3)).sum().backward();
        assertEquals(1, emb.weight.sparseGrad().nnz());
        emb.zeroGrad(false);
        assertEquals(0, emb.weight.sparseGrad().nnz());
        sgd.zeroGrad(); // set_to_none: no gradient
        assertFalse(emb.weight.isGradSparse());
        assertNull(emb.weight.grad());
    }

    private static Tensor sparseGradLeaf() {
        Tensor p = Tensor.ones(3, 2).requiresGrad_(true);
        p.setSparseGrad(Sparse.cooTensor(longs(0, 2, 0).reshape(1, 3), Tensor.ones(3, 2), 3, 2));
        return p;
    }

    private static void assertRefused(String message, Tensor p, Runnable step) {
        Tensor w = p.detach().clone();
        IllegalStateException e = assertThrows(IllegalStateException.class, step::run);
        assertEquals(message, e.getMessage());
        assertTrue(p.equal(w));
    }

    @Test
    void optimizersWithoutASparsePathRefuseWithPyTorchsMessages() {
        Tensor p = sparseGradLeaf();
        assertRefused("Adam does not support sparse gradients, please consider SparseAdam instead", p,
            () -> new Adam(List.of(p), 0.1).step());
        // 2.7's AdamW is Adam's subclass and runs Adam's check (1.13's said "AdamW does not support sparse gradients")
        assertRefused("Adam does not support sparse gradients, please consider SparseAdam instead", p,
            () -> new AdamW(List.of(p), 0.1).step());
        assertRefused("Adamax does not support sparse gradients", p, () -> new Adamax(List.of(p), 0.1).step());
        assertRefused("Adadelta does not support sparse gradients", p, () -> new Adadelta(List.of(p)).step());
        assertRefused("RMSprop does not support sparse gradients", p, () -> new RMSprop(List.of(p), 0.1).step());
        assertRefused("Rprop does not support sparse gradients", p, () -> new Rprop(List.of(p), 0.1).step());
        assertRefused("ASGD does not support sparse gradients", p, () -> new ASGD(List.of(p), 0.1).step());
        assertRefused("NAdam does not support sparse gradients", p, () -> new NAdam(List.of(p), 0.1).step());
        assertRefused("RAdam does not support sparse gradients", p, () -> new RAdam(List.of(p), 0.1).step());
        // SGD's weight decay and Nesterov add a dense tensor to the sparse gradient, which PyTorch refuses
        assertRefused("add(sparse, dense) is not supported. Use add(dense, sparse) instead.", p,
            () -> new SGD(List.of(p), 0.1, 0, 0, 0.01, false).step());
        assertRefused("add(sparse, dense) is not supported. Use add(dense, sparse) instead.", p,
            () -> new SGD(List.of(p), 0.1, 0.9, 0, 0, true).step());
        Adagrad decaying = new Adagrad(List.of(p), 0.1, 0, 0.01, 0, 1e-10);
        assertRefused("weight_decay option is not compatible with sparse gradients", p, decaying::step);
        // SparseAdam refuses a dense gradient; the sparse parameter before it in the list is not updated either
        Tensor q = Tensor.ones(2).requiresGrad_(true);
        q.setGrad(Tensor.ones(2));
        assertRefused("SparseAdam does not support dense gradients, please consider Adam instead", p,
            () -> new SparseAdam(List.of(p, q), 0.1).step());
        assertTrue(p.isGradSparse());
    }

    @Test
    void sparseAdamOptionChecks() {
        Tensor p = Tensor.ones(2).requiresGrad_(true);
        assertEquals("Invalid learning rate: 0.0",
            assertThrows(IllegalArgumentException.class, () -> new SparseAdam(List.of(p), 0.0)).getMessage());
        assertEquals("Invalid epsilon value: 0.0", assertThrows(IllegalArgumentException.class,
            () -> new SparseAdam(List.of(p), 0.1, 0.9, 0.999, 0.0, false)).getMessage());
        assertEquals("Invalid beta parameter at index 1: 1.0", assertThrows(IllegalArgumentException.class,
            () -> new SparseAdam(List.of(p), 0.1, 0.9, 1.0, 1e-8, false)).getMessage());
        Tensor z = Tensor.zeros(DType.COMPLEX128, 2).requiresGrad_(true);
        assertEquals("Complex params at indices [[0, 1]]: SparseAdam does not support complex parameters",
            assertThrows(IllegalArgumentException.class, () -> new SparseAdam(List.of(p, z), 0.1)).getMessage());
    }

    @Test
    void scaleGradByFreqIsRefusedWithSparseGradients() {
        Tensor w = table(4, 2, 0.0).requiresGrad_(true);
        Tensor out = Functional.embedding(longs(0, 0, 1), w, null, null, 2.0, true, true).sum();
        IllegalStateException e = assertThrows(IllegalStateException.class, out::backward);
        assertEquals("embedding_backward: scale_grad_by_freq not supported with sparse gradients", e.getMessage());
        assertNull(w.grad());
    }

    @Test
    void clipGradNormRefusesASparseGradientAsPyTorch2Does() {
        // 2.x's clip_grad_norm_ takes the gradients' norms with _foreach_norm (its default path on CPU and CUDA),
        // which has no sparse kernel, nor has linalg.vector_norm (1.13 refuses it with that message; 1.13's
        // clip_grad_norm_ used torch.norm, and its detach().mul_() left the sparse values unscaled: a silent no-op);
        // clip_grad_value_'s _foreach_clamp_min_ has none either
        Tensor p = sparseGradLeaf();
        Tensor dense = Tensor.ones(2).requiresGrad_(true);
        dense.setGrad(Tensor.full(new int[] {2}, 5.0));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
            () -> ClipGrad.clipGradNorm_(List.of(dense, p), 1.0));
        assertEquals("Could not run 'aten::_foreach_norm.Scalar' with arguments from the 'SparseCPU' backend.",
            e.getMessage());
        assertTrue(dense.grad().equal(Tensor.full(new int[] {2}, 5.0)));
        e = assertThrows(UnsupportedOperationException.class, () -> ClipGrad.clipGradValue_(List.of(p), 0.5));
        assertEquals("Could not run 'aten::_foreach_clamp_min_.Scalar' with arguments from the 'SparseCPU' backend.",
            e.getMessage());
        // clip_grads_with_norm_ only scales: a sparse gradient's values are scaled in place
        ClipGrad.clipGradsWithNorm_(List.of(p), 1.0, Tensor.tensor(4.0), null);
        assertTrue(p.isGradSparse());
        assertEquals(0.25, p.sparseGrad()._values().toDoubleArray()[0], 1e-6);
    }

    @Test
    void gradScalerUnscalesASparseGradientThroughItsValues() {
        // PyTorch's unscale_ takes param.grad._values() of a sparse gradient: unscaled in place, checked for inf/nan
        Embedding emb = new Embedding(5, 2, null, null, 2.0, false, true);
        load(emb.weight, table(5, 2, 0.0));
        Tensor w = Tensor.tensor(new double[][] {{0.5, -1.5}, {2.0, 0.25}, {1.0, 1.0}});
        emb.forward(longs(4, 0, 4)).mul(w).sum().backward();
        Tensor plain = emb.weight.sparseGrad()._values().clone();
        emb.zeroGrad();
        dev.ember.amp.GradScaler scaler = new dev.ember.amp.GradScaler("cpu", 1024.0, 2.0, 0.5, 2000, true);
        scaler.scale(emb.forward(longs(4, 0, 4)).mul(w).sum()).backward();
        SGD sgd = new SGD(emb.parameters(), 0.1);
        assertTrue(emb.weight.sparseGrad()._values().equal(plain.mul(1024.0)));
        scaler.unscale_(sgd);
        assertTrue(emb.weight.isGradSparse());
        assertTrue(emb.weight.sparseGrad()._values().equal(plain));
        Tensor before = emb.weight.detach().clone();
        assertTrue(scaler.step(sgd));
        Tensor expected = before.clone();
        try (GradMode off = Ember.noGrad()) {
            expected.indexAdd_(0, longs(4, 0, 4), plain, -0.1);
        }
        assertTrue(emb.weight.allclose(expected, 0, 1e-15));
        // an infinite value in the sparse gradient skips the step
        scaler.update();
        sgd.zeroGrad();
        scaler.scale(emb.forward(longs(1)).mul(Tensor.tensor(new double[][] {{Double.POSITIVE_INFINITY, 1.0}})).sum())
            .backward();
        Tensor held = emb.weight.detach().clone();
        assertFalse(scaler.step(sgd));
        assertTrue(emb.weight.equal(held));
    }

    @Test
    void setSparseGradChecksAsSetGrad() {
        // PyTorch 2.10's THPVariable_set_grad wording (the size check after the dtype and device checks; the sparse
        // gradient skips only the layout's type_equal check)
        Tensor p = Tensor.ones(3, 2).requiresGrad_(true);
        SparseTensor wrongSize = Sparse.cooTensor(longs(0).reshape(1, 1), Tensor.ones(1, 2), 4, 2);
        assertEquals("attempting to assign a gradient of size '[4, 2]' to a tensor of size '[3, 2]'. Please ensure "
                + "that the gradient and the tensor are the same size",
            assertThrows(IllegalArgumentException.class, () -> p.setSparseGrad(wrongSize)).getMessage());
        SparseTensor wrongType = Sparse.cooTensor(longs(0).reshape(1, 1), Tensor.ones(DType.FLOAT32, 1, 2), 3, 2);
        assertEquals("attempting to assign a gradient with dtype 'float' to a tensor with grad_dtype 'Double'. The "
            + "gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
            + "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype "
            + "with caution. Diverging the dtypes of a tensor and its gradient may break downstream systems "
            + "that assume they match.",
            assertThrows(IllegalArgumentException.class, () -> p.setSparseGrad(wrongType)).getMessage());
        assertFalse(p.isGradSparse());
        p.setGrad(Tensor.ones(3, 2));
        p.setSparseGrad(Sparse.cooTensor(longs(1).reshape(1, 1), Tensor.ones(1, 2), 3, 2));
        assertTrue(p.isGradSparse());
        p.setGrad(null);
        assertFalse(p.isGradSparse());
        assertNull(p.sparseGrad());
    }
}
