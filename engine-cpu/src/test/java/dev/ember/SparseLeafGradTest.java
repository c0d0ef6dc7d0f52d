package dev.ember;

import dev.ember.sparse.Sparse;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sparse COO tensor that is itself a leaf requiring grad (resources/sparseleaf/make_expected.py, PyTorch 1.13 in
 * float64): its sparse {@code .grad} through {@code Sparse.mm}, {@code Sparse.addmm}, {@code s + s}, {@code toDense},
 * {@code Sparse.sum} (all, over a dim, to dense), {@code coalesce}, over two passes and two uses in one pass, hybrid,
 * empty and float32 leaves: indices, values, nnz and printout against PyTorch's. The leaf is uncoalesced (an entry
 * twice); the gradient lists its coalesced entries once each, as PyTorch's ({@code sparse_mask(S.coalesce())}).
 * PyTorch 1.13 flags the gradients of mm and to_dense uncoalesced though their indices are sorted and unique; 2.x's
 * {@code sparse_mask} of a coalesced mask is coalesced, as Ember's (so {@code indices()} works on it).
 */
class SparseLeafGradTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/sparseleaf/expected.txt");
    private static final Tensor I = Tensor.tensor(new long[][] {{0, 1, 1, 0}, {2, 0, 2, 2}});
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

    private static Tensor v() {
        return Tensor.tensor(new double[] {3, 4, 5, 1});
    }

    private static Tensor d() {
        return Tensor.arange(12).to(DType.FLOAT64).reshape(3, 4).mul(0.5).sub(2.0);
    }

    private static Tensor w() {
        return Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3).sub(2.5);
    }

    private static SparseTensor leaf() {
        return Sparse.cooTensor(I, v(), 2, 3).requiresGrad_(true);
    }

    private static void assertGrad(String key, SparseTensor g) {
        EXPECTED.assertExact(key + ".indices", g._indices());
        EXPECTED.assertExact(key + ".values", g._values());
        assertEquals(EXPECTED.get(key + ".nnz"), String.valueOf(g.nnz()), key + ".nnz");
        assertEquals(EXPECTED.text(key + ".str"), g.toString(), key + ".str");
        assertTrue(g.isCoalesced(), key + " coalesced (2.x)");
        assertFalse(g.requiresGrad(), key);
    }

    @Test
    void aLeafPrintsRequiresGradAndHasNoGradUntilABackwardPass() {
        SparseTensor s = leaf();
        assertEquals(EXPECTED.text("leaf.str"), s.toString());
        assertTrue(s.isLeaf());
        assertTrue(s.requiresGrad());
        assertNull(s.gradFnName());
        assertNull(s.grad());
        // the values given keep their own flag (PyTorch's constructor does not make them require grad)
        Tensor values = v();
        SparseTensor t = Sparse.cooTensor(I, values, 2, 3).requiresGrad_(true);
        assertFalse(values.requiresGrad());
        Sparse.sum(t).backward();
        assertNull(values.grad());
        assertEquals(3, t.grad().nnz()); // the coalesced entries
    }

    @Test
    void mmGradientIsMaskedToTheCoalescedEntries() {
        SparseTensor s = leaf();
        Tensor dg = d().requiresGrad_(true);
        Tensor y = Sparse.mm(s, dg);
        assertEquals(EXPECTED.text("mm.y"), y.toString());
        y.mul(Tensor.arange(8).to(DType.FLOAT64).reshape(2, 4)).sum().backward();
        assertGrad("mm", s.grad());
        EXPECTED.assertExact("mm.dgrad", dg.grad());
        // the values' own dense gradient is not kept: the gradient is the sparse one
        assertNull(s._values().grad());
    }

    @Test
    void addmmGradient() {
        SparseTensor s = leaf();
        Sparse.addmm(Tensor.ones(2, 4), s, d(), 2.0, -1.5).pow(2).sum().backward();
        assertGrad("addmm", s.grad());
    }

    @Test
    void toDenseAndAddGradients() {
        SparseTensor s = leaf();
        Tensor dense = s.toDense();
        assertEquals(EXPECTED.text("todense.y"), dense.toString());
        dense.mul(w()).sum().backward();
        assertGrad("todense", s.grad());

        SparseTensor s2 = leaf();
        SparseTensor sum = s2.add(s2);
        assertEquals(EXPECTED.text("add.y"), sum.toString());
        sum.toDense().mul(w()).sum().backward();
        assertGrad("add", s2.grad());
    }

    @Test
    void sumGradients() {
        SparseTensor s = leaf();
        Tensor t = Sparse.sum(s);
        assertEquals(EXPECTED.text("sum.y"), t.toString());
        t.mul(3.0).backward();
        assertGrad("sum", s.grad());

        SparseTensor s1 = leaf();
        SparseTensor r = Sparse.sum(s1, 1);
        assertEquals(EXPECTED.text("sum1.y"), r.toString());
        r.toDense().mul(Tensor.tensor(new double[] {2.0, -1.0})).sum().backward();
        assertGrad("sum1", s1.grad());

        SparseTensor sa = leaf();
        Sparse.sumToDense(sa, 0, 1).backward();
        assertGrad("sumall", sa.grad());
    }

    @Test
    void gradientsAccumulateOverPassesAndUses() {
        SparseTensor s = leaf();
        Sparse.mm(s, d()).sum().backward();
        s.toDense().mul(w()).sum().backward();
        assertGrad("twopass", s.grad());

        SparseTensor o = leaf();
        Sparse.mm(o, d()).sum().add(o.toDense().mul(w()).sum()).backward();
        assertGrad("onepass", o.grad());

        // s.grad = None, then a new pass starts afresh
        s.setGrad(null);
        assertNull(s.grad());
        s.toDense().mul(w()).sum().backward();
        assertGrad("todense", s.grad());
    }

    @Test
    void requiresGradOnABuiltTensorAndCoalesce() {
        SparseTensor s = Sparse.cooTensor(I, v(), 2, 3);
        assertFalse(s.requiresGrad());
        assertSame(s, s.requiresGrad_(true));
        SparseTensor c = s.coalesce();
        assertEquals(EXPECTED.text("coalesce.y"), c.toString());
        assertFalse(c.isLeaf());
        c.toDense().mul(w()).sum().backward();
        assertGrad("coalesce", s.grad());
        // requires_grad_(false) on the leaf: no gradient from later passes
        s.requiresGrad_(false);
        assertFalse(s.requiresGrad());
        assertTrue(s.isLeaf());
    }

    @Test
    void aLeafMadeOutsideAScopeSurvivesRequiresGradAndBackwardInside() {
        SparseTensor s = Sparse.cooTensor(I, v(), 2, 3);
        try (TensorScope scope = Ember.scope()) {
            s.requiresGrad_(true);
            s.toDense().mul(w()).sum().backward();
        }
        assertFalse(s._values().isClosed());
        assertGrad("todense", s.grad());
        Sparse.mm(s, d()).sum().backward();
        assertEquals(3, s.grad().nnz());
    }

    @Test
    void hybridEmptyAndFloat32Leaves() {
        SparseTensor h = Sparse.cooTensor(Tensor.tensor(new long[][] {{2, 0, 2}}),
                Tensor.tensor(new double[][] {{1, 2}, {3, 4}, {5, 6}}), 3, 2).requiresGrad_(true);
        h.toDense().mul(Tensor.arange(6).to(DType.FLOAT64).reshape(3, 2)).sum().backward();
        assertGrad("hybrid", h.grad());

        SparseTensor e = Sparse.cooTensor(Tensor.zeros(DType.INT64, 2, 0), Tensor.zeros(0), 2, 3).requiresGrad_(true);
        Sparse.mm(e, d()).sum().backward();
        assertGrad("empty", e.grad());

        SparseTensor f = Sparse.cooTensor(I, v().to(DType.FLOAT32), 2, 3).requiresGrad_(true);
        f.toDense().pow(2).sum().backward();
        assertGrad("float32", f.grad());
    }

    @Test
    void moreUsesGiveTheGradientOnTheCoalescedEntries() {
        SparseTensor b = Sparse.cooTensor(Tensor.tensor(new long[][] {{0, 2, 2}, {1, 0, 1}}),
                Tensor.tensor(new double[] {1, 2, 3}), 3, 2);
        Tensor r = Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3);
        java.util.Map<String, java.util.function.Function<SparseTensor, Tensor>> uses = new java.util.LinkedHashMap<>();
        uses.put("spsp", s -> Sparse.mm(s, b).toDense().sum());
        uses.put("muldense", s -> s.mul(r).toDense().sum());
        uses.put("mulscalar", s -> s.mul(2.0).toDense().sum());
        uses.put("tofloat", s -> s.to(DType.FLOAT32).toDense().sum());
        uses.put("coalescevalues", s -> s.coalesce().values().mul(Tensor.tensor(new double[] {1, 2, 3})).sum());
        // through t(): PyTorch's gradient lists the same entries in the transposed order, flagged uncoalesced;
        // Ember's is coalesced, equal to PyTorch's coalesced
        uses.put("t", s -> s.t().toDense().mul(r.t()).sum());
        for (java.util.Map.Entry<String, java.util.function.Function<SparseTensor, Tensor>> e : uses.entrySet()) {
            SparseTensor s = leaf();
            e.getValue().apply(s).backward();
            assertGrad("more." + e.getKey(), s.grad());
        }
        SparseTensor s = leaf();
        Sparse.softmax(s, 1).toDense().mul(r).sum().backward();
        EXPECTED.assertExact("more.softmax.indices", s.grad()._indices());
        double[] want = EXPECTED.tensor("more.softmax.values").toDoubleArray();
        double[] got = s.grad()._values().toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-15, "softmax grad " + i);
        }
    }

    @Test
    void refusalsInPyTorchsWordsLeaveTheTensorUnchanged() {
        Tensor values = v().requiresGrad_(true);
        SparseTensor n = Sparse.cooTensor(I, values, 2, 3);
        assertEquals(EXPECTED.get("nonleaf.is_leaf"), n.isLeaf() ? "True" : "False");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> n.requiresGrad_(false));
        assertEquals(EXPECTED.text("nonleaf.msg"), e.getMessage());
        assertTrue(n.requiresGrad());
        assertSame(n, n.requiresGrad_(true)); // a tensor with a history: true changes nothing
        assertEquals("SparseCooTensorWithDimsAndTensorsBackward0", n.gradFnName());

        SparseTensor ints = Sparse.cooTensor(I, Tensor.tensor(new long[] {1, 2, 3, 4}), 2, 3);
        IllegalArgumentException ie = assertThrows(IllegalArgumentException.class, () -> ints.requiresGrad_(true));
        assertEquals(EXPECTED.text("int.msg"), ie.getMessage());
        assertFalse(ints.requiresGrad());

        // refused (in 2.x's words, which Leftovers48Test checks against its generator), the gradient left as it was
        SparseTensor s = leaf();
        SparseTensor wrongSize = Sparse.cooTensor(I, v(), 2, 4);
        assertThrows(IllegalArgumentException.class, () -> s.setGrad(wrongSize));
        SparseTensor wrongType = Sparse.cooTensor(I, v().to(DType.FLOAT32), 2, 3);
        assertThrows(IllegalArgumentException.class, () -> s.setGrad(wrongType));
        assertNull(s.grad());
    }

    // ---- finite differences (session 35): the sparse gradient's dense form against central differences over the
    // leaf's stored values. Each stored value (a duplicate entry too, as the coalesced tensor sums it) moves the
    // function by the dense gradient at its position; positions with no stored entry have a zero gradient (the
    // gradient is masked to the leaf's entries, as PyTorch's).

    /** Checks {@code f}'s sparse leaf gradient at {@code (indices, values)} against central differences. */
    private static void gradcheckSparseLeaf(String name, Tensor indices, Tensor values, int[] shape,
                                            java.util.function.Function<SparseTensor, Tensor> f) {
        SparseTensor s = Sparse.cooTensor(indices, values.clone(), shape).requiresGrad_(true);
        f.apply(s).backward();
        Tensor g = s.grad().toDense();
        assertEquals(java.util.Arrays.toString(shape), java.util.Arrays.toString(g.shape()), name + " shape");
        double[] dense = g.toDoubleArray();
        boolean[] stored = new boolean[dense.length];
        long[][] idx = new long[indices.size(0)][];
        for (int d = 0; d < idx.length; d++) {
            idx[d] = indices.select(0, d).toLongArray();
        }
        double[] vals = values.toDoubleArray();
        int nnz = values.size(0);
        int per = nnz == 0 ? 0 : vals.length / nnz;
        double eps = 1e-6;
        for (int i = 0; i < nnz; i++) {
            long pos = 0;
            for (int d = 0; d < idx.length; d++) {
                pos = pos * shape[d] + idx[d][i];
            }
            for (int j = 0; j < per; j++) {
                int flat = (int) (pos * per + j);
                double[] plus = vals.clone();
                double[] minus = vals.clone();
                plus[i * per + j] += eps;
                minus[i * per + j] -= eps;
                double fp = f.apply(Sparse.cooTensor(indices, Tensor.tensor(plus).reshape(values.shape()), shape)).item();
                double fm = f.apply(Sparse.cooTensor(indices, Tensor.tensor(minus).reshape(values.shape()), shape))
                        .item();
                double numeric = (fp - fm) / (2 * eps);
                assertEquals(numeric, dense[flat], 1e-6 * Math.max(1, Math.abs(numeric)),
                        name + ": value " + i + "[" + j + "] at flat " + flat);
                stored[flat] = true;
            }
        }
        for (int k = 0; k < dense.length; k++) {
            if (!stored[k]) {
                assertEquals(0.0, dense[k], name + ": no stored entry at flat " + k);
            }
        }
    }

    @Test
    void sparseLeafGradientsMatchFiniteDifferences() {
        Tensor r = Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3).mul(0.3).sub(0.7);
        SparseTensor b = Sparse.cooTensor(Tensor.tensor(new long[][] {{0, 2, 2}, {1, 0, 1}}),
                Tensor.tensor(new double[] {1, 2, 3}), 3, 2);
        java.util.Map<String, java.util.function.Function<SparseTensor, Tensor>> fs = new java.util.LinkedHashMap<>();
        fs.put("mm squared", s -> Sparse.mm(s, d()).pow(2).sum());
        fs.put("addmm squared", s -> Sparse.addmm(Tensor.ones(2, 4), s, d(), 2.0, -1.5).pow(2).sum());
        fs.put("toDense tanh", s -> s.toDense().tanh().mul(w()).sum());
        fs.put("s + s cubed", s -> s.add(s).toDense().pow(3).sum());
        fs.put("sum squared", s -> Sparse.sum(s).pow(2));
        fs.put("sum over dim 1", s -> Sparse.sum(s, 1).toDense().pow(2).mul(Tensor.tensor(new double[] {2.0, -1.0}))
                .sum());
        fs.put("sumToDense", s -> Sparse.sumToDense(s, 0, 1).mul(0.5).exp());
        fs.put("coalesce values", s -> s.coalesce().values().pow(2).mul(Tensor.tensor(new double[] {1, 2, 3})).sum());
        fs.put("sparse @ sparse", s -> Sparse.mm(s, b).toDense().pow(2).sum());
        fs.put("mul dense", s -> s.mul(r).toDense().sin().sum());
        fs.put("t", s -> s.t().toDense().pow(2).mul(r.t()).sum());
        fs.put("softmax", s -> Sparse.softmax(s, 1).toDense().mul(r).sum());
        fs.put("logSoftmax", s -> Sparse.logSoftmax(s, 1).toDense().mul(r).sum());
        fs.put("two uses", s -> Sparse.mm(s, d()).sum().mul(s.toDense().mul(w()).sum()));
        for (var e : fs.entrySet()) {
            gradcheckSparseLeaf(e.getKey(), I, v().mul(0.3), new int[] {2, 3}, e.getValue());
        }
        // hybrid (a dense dimension in the values) and empty leaves
        gradcheckSparseLeaf("hybrid", Tensor.tensor(new long[][] {{2, 0, 2}}),
                Tensor.tensor(new double[][] {{1, 2}, {3, 4}, {5, 6}}).mul(0.2), new int[] {3, 2},
                s -> s.toDense().pow(2).mul(Tensor.arange(6).to(DType.FLOAT64).reshape(3, 2)).sum());
        gradcheckSparseLeaf("empty", Tensor.zeros(DType.INT64, 2, 0), Tensor.zeros(0), new int[] {2, 3},
                s -> Sparse.mm(s, d()).sum());
    }
}
