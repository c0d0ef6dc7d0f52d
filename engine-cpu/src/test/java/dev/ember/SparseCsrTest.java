package dev.ember;

import dev.ember.sparse.Layout;
import dev.ember.sparse.Sparse;
import dev.ember.sparse.SparseCsrTensor;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CSR and CSC tensors (resources/sparsecsr/make_expected.py, PyTorch 1.13 in float64; where 2.x differs it is said):
 * {@code Sparse.sparseCsrTensor}/{@code sparseCscTensor} (size given or inferred, int32 indices kept),
 * {@code toSparseCsr}/{@code toSparseCsc} from dense and COO, CSR to CSC and back, {@code toSparse}, {@code toDense},
 * the printouts and members against PyTorch's, {@code matmul(csr, dense)} and its dense operand's gradient, and the
 * constructor's checks in PyTorch's order and words, each leaving the inputs as they were.
 */
class SparseCsrTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/sparsecsr/expected.txt");
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

    private static Tensor longs(long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU);
    }

    private static Tensor crow() {
        return longs(0, 2, 3, 5);
    }

    private static Tensor col() {
        return longs(0, 2, 1, 0, 3);
    }

    private static Tensor val() {
        return Tensor.tensor(new double[] {1, 2, 3, 4, 5});
    }

    private static SparseCsrTensor csr() {
        return Sparse.sparseCsrTensor(crow(), col(), val(), 3, 4);
    }

    private static void assertMembers(String key, SparseCsrTensor c) {
        assertEquals(EXPECTED.text(key + ".str"), c.toString(), key + ".str");
        boolean rows = c.layout() == Layout.SPARSE_CSR;
        EXPECTED.assertExact(key + ".compressed", rows ? c.crowIndices() : c.ccolIndices());
        EXPECTED.assertExact(key + ".plain", rows ? c.colIndices() : c.rowIndices());
        EXPECTED.assertExact(key + ".values", c.values());
        assertEquals(EXPECTED.get(key + ".nnz"), String.valueOf(c.nnz()), key + ".nnz");
    }

    @Test
    void aCsrTensorPrintsAndConvertsAsPyTorchs() {
        SparseCsrTensor c = csr();
        assertMembers("csr", c);
        assertEquals(EXPECTED.text("csr.layout"), c.layout().toString());
        assertEquals(2, c.dim());
        assertEquals(DType.FLOAT64, c.dtype());
        assertFalse(c.requiresGrad());
        EXPECTED.assertExact("csr.dense", c.toDense());
        assertMembers("csr.csc", c.toSparseCsc());
        assertMembers("csr.csc.csr", c.toSparseCsc().toSparseCsr());
        assertTrue(c.toSparseCsr() == c);
        SparseTensor coo = c.toSparse();
        assertEquals(EXPECTED.text("csr.coo"), coo.toString());
        assertTrue(coo.isCoalesced());
        // a CSC tensor's COO form lists its entries column-major, as PyTorch's; 1.13 flags it coalesced, Ember does
        // not (its COO ops read a coalesced tensor as sorted row-major): coalesced, it is the CSR's
        SparseTensor cscCoo = c.toSparseCsc().toSparse();
        assertEquals(EXPECTED.text("csc.coo"), cscCoo.toString());
        assertFalse(cscCoo.isCoalesced());
        assertTrue(cscCoo.coalesce()._indices().equal(coo._indices()));
        EXPECTED.assertExact("csc.dense", c.toSparseCsc().toDense());
    }

    @Test
    void indexTypesValueTypesAndInferredSizes() {
        assertMembers("int32", Sparse.sparseCsrTensor(crow().to(DType.INT32), col().to(DType.INT32), val(), 3, 4));
        assertMembers("int32.csc", Sparse.sparseCsrTensor(crow().to(DType.INT32), col().to(DType.INT32), val(), 3, 4)
                .toSparseCsc());
        assertMembers("float32", Sparse.sparseCsrTensor(crow(), col(), val().to(DType.FLOAT32), 3, 4));
        SparseCsrTensor inferred = Sparse.sparseCsrTensor(crow(), col(), val());
        assertMembers("inferred", inferred);
        assertEquals(4, inferred.size(1));
        SparseCsrTensor empty = Sparse.sparseCsrTensor(longs(0, 0, 0), longs(), Tensor.zeros(0));
        assertMembers("inferred.empty", empty);
        assertEquals(0, empty.size(-1));
        assertMembers("csc.built", Sparse.sparseCscTensor(longs(0, 2, 3, 4, 5), longs(0, 2, 1, 0, 2), val(), 3, 4));
    }

    @Test
    void fromDenseAndCoo() {
        Tensor d = Tensor.tensor(new double[][] {{0, 1, 0}, {2, 0, 0}, {0, 0, 3}});
        assertMembers("dense.csr", d.toSparseCsr());
        assertMembers("dense.csc", d.toSparseCsc());
        assertMembers("zeros.csr", Tensor.zeros(2, 3).toSparseCsr());
        assertMembers("rows0.csr", Tensor.zeros(0, 3).toSparseCsr());
        assertMembers("long.csr", Tensor.tensor(new long[][] {{1, 0}, {0, 2}}).toSparseCsr());
        assertMembers("int32.dense.csc", Tensor.tensor(new int[][] {{1, 0}, {0, 2}}, DType.INT32, Device.CPU)
                .toSparseCsc());
        assertMembers("bool.csr", Tensor.tensor(new boolean[][] {{true, false}}).toSparseCsr());
        Tensor big = Tensor.zeros(4, 30);
        big.select(0, 0).select(0, 3).fill_(1.5);
        big.select(0, 3).select(0, 29).fill_(-2.25);
        big.select(0, 2).select(0, 7).fill_(1e-3);
        assertMembers("wide.csr", big.toSparseCsr());
        assertMembers("coo.csr", d.toSparse().toSparseCsr());
        SparseTensor unc = Sparse.cooTensor(Tensor.tensor(new long[][] {{1, 0, 1, 1}, {2, 1, 0, 2}}),
                Tensor.tensor(new double[] {1, 2, 3, 4}), 2, 3);
        assertMembers("uncoalesced.csr", unc.toSparseCsr());
        assertMembers("uncoalesced.csc", unc.toSparseCsc());
        // the COO tensor closed: the CSR tensor holds tensors of its own
        SparseTensor coo = d.toSparse();
        SparseCsrTensor fromCoo = coo.toSparseCsr();
        coo.close();
        assertMembers("coo.csr", fromCoo);
    }

    @Test
    void matmulOfCsrOrCscAndDenseWithTheDenseGradient() {
        SparseCsrTensor c = csr();
        Tensor w = Tensor.arange(8).to(DType.FLOAT64).reshape(4, 2).sub(3.0).requiresGrad_(true);
        Tensor y = c.matmul(w);
        assertEquals(EXPECTED.text("mm.y"), y.toString());
        Tensor g = Tensor.tensor(new double[][] {{1, -1}, {2, 0.5}, {-3, 1}});
        y.mul(g).sum().backward();
        EXPECTED.assertExact("mm.wgrad", w.grad());

        Tensor w2 = Tensor.arange(8).to(DType.FLOAT64).reshape(4, 2).sub(3.0).requiresGrad_(true);
        Tensor y2 = c.toSparseCsc().mm(w2);
        EXPECTED.assertExact("mm.csc.y", y2);
        y2.mul(g).sum().backward();
        EXPECTED.assertExact("mm.csc.wgrad", w2.grad());

        // a vector: 2.x's mv (1.13's CPU build refuses it without MKL; the expected product is the dense one)
        Tensor v = Tensor.tensor(new double[] {1, -2, 0.5, 3}).requiresGrad_(true);
        Tensor mv = c.matmul(v);
        assertEquals("MvBackward0", mv.gradFn().name());
        EXPECTED.assertExact("mv.y", mv);
        mv.mul(Tensor.tensor(new double[] {1, 2, -1})).sum().backward();
        EXPECTED.assertExact("mv.vgrad", v.grad());
    }

    private static void assertRefused(String key, Supplier<?> f) {
        RuntimeException e = assertThrows(RuntimeException.class, f::get, key);
        assertTrue(e instanceof IllegalArgumentException || e instanceof IllegalStateException, key + ": " + e);
        assertEquals(EXPECTED.text("msg." + key), e.getMessage(), key);
    }

    @Test
    void constructorChecksInPyTorchsOrderAndWords() {
        Tensor crow = crow();
        Tensor col = col();
        Tensor val = val();
        assertRefused("crow_len", () -> Sparse.sparseCsrTensor(longs(0, 2, 5), col, val, 3, 4));
        assertRefused("crow_first", () -> Sparse.sparseCsrTensor(longs(1, 2, 3, 5), col, val, 3, 4));
        assertRefused("crow_last", () -> Sparse.sparseCsrTensor(longs(0, 2, 3, 4), col, val, 3, 4));
        assertRefused("crow_mono", () -> Sparse.sparseCsrTensor(longs(0, 3, 2, 5), col, val, 3, 4));
        assertRefused("col_range", () -> Sparse.sparseCsrTensor(crow, longs(0, 4, 1, 0, 3), val, 3, 4));
        assertRefused("col_neg", () -> Sparse.sparseCsrTensor(crow, longs(0, -1, 1, 0, 3), val, 3, 4));
        assertRefused("col_sorted", () -> Sparse.sparseCsrTensor(crow, longs(2, 0, 1, 0, 3), val, 3, 4));
        assertRefused("col_dup", () -> Sparse.sparseCsrTensor(crow, longs(2, 2, 1, 0, 3), val, 3, 4));
        assertRefused("nnz", () -> Sparse.sparseCsrTensor(crow, col, Tensor.tensor(new double[] {1, 2, 3, 4}), 3, 4));
        assertRefused("idx_types", () -> Sparse.sparseCsrTensor(crow.to(DType.INT32), col, val, 3, 4));
        assertRefused("idx_float", () -> Sparse.sparseCsrTensor(crow.to(DType.FLOAT64), col.to(DType.FLOAT64), val,
                3, 4));
        // 1.13 spells it "dimensionalites"; 2.x "dimensionalities"
        assertRefused("size3", () -> Sparse.sparseCsrTensor(crow, col, val, 3, 4, 2));
        assertRefused("size1", () -> Sparse.sparseCsrTensor(crow, col, val, 3));
        assertRefused("crow2d", () -> Sparse.sparseCsrTensor(crow.reshape(1, 4), col, val, 3, 4));
        assertRefused("crow0d", () -> Sparse.sparseCsrTensor(Tensor.tensor(0L), col, val, 3, 4));
        assertRefused("values2d", () -> Sparse.sparseCsrTensor(crow, col, val.reshape(1, 5), 3, 4));
        assertRefused("col_len_vs_crow", () -> Sparse.sparseCsrTensor(crow, longs(0, 2, 1, 0),
                Tensor.tensor(new double[] {1, 2, 3, 4}), 3, 4));
        assertRefused("step_over", () -> Sparse.sparseCsrTensor(longs(0, 5, 5, 5), col, val, 3, 4));
        assertRefused("csc_range", () -> Sparse.sparseCscTensor(crow, longs(0, 4, 1, 0, 3), val, 4, 3));
        assertRefused("csc_len", () -> Sparse.sparseCscTensor(longs(0, 2, 5), col, val, 4, 3));
        SparseCsrTensor c = csr();
        assertRefused("mm_shape", () -> c.matmul(Tensor.ones(3, 2)));
        assertRefused("mm_dtype", () -> c.matmul(Tensor.ones(DType.FLOAT32, 4, 2)));
        assertRefused("crow_csc", () -> c.toSparseCsc().crowIndices());
        assertRefused("col_csc", () -> c.toSparseCsc().colIndices());
        assertRefused("ccol_csr", c::ccolIndices);
        assertRefused("row_csr", c::rowIndices);
        // nothing was changed by the refusals
        assertTrue(crow.equal(crow()) && col.equal(col()) && val.equal(val()));
    }

    @Test
    void whatEmbersFirstSliceRefusesClearly() {
        // batched and hybrid compressed tensors, 3-D inputs, autograd through the values: clear refusals, no NPE
        assertThrows(UnsupportedOperationException.class,
                () -> Sparse.sparseCsrTensor(crow(), col(), val().reshape(5, 1), 3, 4, 1));
        assertThrows(UnsupportedOperationException.class, () -> Tensor.ones(2, 3, 4).toSparseCsr());
        assertThrows(UnsupportedOperationException.class, () -> Tensor.ones(3).toSparseCsr());
        assertThrows(UnsupportedOperationException.class,
                () -> Sparse.sparseCsrTensor(crow(), col(), val().requiresGrad_(true), 3, 4));
        assertThrows(UnsupportedOperationException.class,
                () -> Tensor.ones(2, 2).requiresGrad_(true).toSparseCsr());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.ones(2, 2, 2).toSparse().toSparseCsr());
        assertEquals("to_sparse_csr: conversion from Sparse to SparseCsr for input tensors with sparse_dim()!=2 is not "
                + "supported", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> csr().matmul(Tensor.ones(2, 4, 2)));
        assertThrows(IllegalArgumentException.class,
                () -> Sparse.sparseCsrTensor(null, col(), val(), 3, 4));
        // huge indices: a clear refusal, never an overflow or an index past the entries
        assertThrows(IllegalArgumentException.class,
                () -> Sparse.sparseCsrTensor(longs(0, 1), longs(1L << 40), Tensor.ones(1)));
        assertEquals("`crow_indices[..., -1] == nnz` is not satisfied.", assertThrows(IllegalArgumentException.class,
                () -> Sparse.sparseCsrTensor(longs(0, 1L << 40), longs(0), Tensor.ones(1), 1, 3)).getMessage());
        assertEquals("`0 <= crow_indices[..., 1:] - crow_indices[..., :-1] <= ncols` is not satisfied.",
                assertThrows(IllegalArgumentException.class, () -> Sparse.sparseCsrTensor(longs(0, -1L << 40, 1),
                        longs(0), Tensor.ones(1), 2, 3)).getMessage());
        // no grad mode: a tensor that requires grad converts (nothing is recorded)
        try (GradMode off = Ember.noGrad()) {
            assertEquals(2, Tensor.eye(2).requiresGrad_(true).toSparseCsr().nnz());
        }
    }
}
