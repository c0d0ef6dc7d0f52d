package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.sparse.Sparse;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sparse COO tensors on CUDA against the CPU reference, forward and the gradients of the values and dense operands:
 * to_dense and coalesce with duplicate indices, torch.sparse.mm/addmm, sums, softmax, to_sparse and add, CSR/CSC
 * conversions and matmul (dev.ember.sparse
 * builds them from dense ops: index_add, index_select, unique, nonzero, so these run those kernels on sparse patterns).
 */
@ExtendWith(CudaGate.class)
class CudaSparseTest {
    private static final Generator GEN = new Generator(3232);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    /** {@code nnz} random coordinates below {@code rows} x {@code cols}, duplicates likely. */
    private static Tensor coords(int rows, int cols, int nnz) {
        return Tensor.stack(List.of(Tensor.randint(GEN, 0, rows, nnz), Tensor.randint(GEN, 0, cols, nnz)), 0);
    }

    @TestFactory
    List<DynamicTest> ops() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor i = coords(37, 23, 300);
        t.add(p("toDense with duplicates", x -> Sparse.cooTensor(x[0], x[1], 37, 23).toDense(), i, r(300)));
        t.add(p("coalesce values", x -> Sparse.cooTensor(x[0], x[1], 37, 23).coalesce().values(), i, r(300)));
        t.add(p("coalesce indices", x -> Sparse.cooTensor(x[0], x[1], 37, 23).coalesce().indices().to(DType.FLOAT32),
                i, r(300)));
        t.add(p("mm", x -> Sparse.mm(Sparse.cooTensor(x[0], x[1], 37, 23), x[2]), i, r(300), r(23, 17)));
        t.add(p("addmm beta alpha", x -> Sparse.addmm(x[3], Sparse.cooTensor(x[0], x[1], 37, 23), x[2], 0.5, 2),
                i, r(300), r(23, 17), r(17)));
        t.add(p("mm of the transpose", x -> Sparse.mm(Sparse.cooTensor(x[0], x[1], 37, 23).t(), x[2]), i, r(300),
                r(37, 5)));
        t.add(p("sum over dim 1", x -> Sparse.sum(Sparse.cooTensor(x[0], x[1], 37, 23), 1).toDense(), i, r(300)));
        t.add(p("sum over both", x -> Sparse.sumToDense(Sparse.cooTensor(x[0], x[1], 37, 23), 0, 1), i, r(300)));
        t.add(p("softmax dim 0", x -> Sparse.softmax(Sparse.cooTensor(x[0], x[1], 37, 23), 0).values(), i, r(300)));
        t.add(p("logSoftmax dim 1", x -> Sparse.logSoftmax(Sparse.cooTensor(x[0], x[1], 37, 23), 1).values(), i,
                r(300)));
        t.add(p("toSparse then mm", x -> Sparse.mm(x[0].mul(x[0].gt(0.3)).toSparse(), x[1]), r(29, 31), r(31, 6)));
        // CSR/CSC (no autograd through their values: the dense operand's gradient only)
        t.add(p("csr matmul", x -> x[0].detach().mul(x[0].detach().gt(0.3)).toSparseCsr().matmul(x[1]), r(29, 31),
                r(31, 6)));
        t.add(p("csc matmul vector", x -> x[0].detach().mul(x[0].detach().gt(0.3)).toSparseCsc().matmul(x[1]),
                r(29, 31), r(31)));
        t.add(p("coo to csr to csc to dense", x -> Sparse.cooTensor(x[0], x[1].detach(), 37, 23).toSparseCsr()
                .toSparseCsc().toDense(), i, r(300)));
        t.add(p("hybrid toSparse(1) toDense", x -> x[0].toSparse(1).toDense(), r(13, 4, 3)));
        t.add(p("add of two coalesced", x -> Sparse.cooTensor(x[0], x[1], 37, 23).coalesce()
                .add(Sparse.cooTensor(x[2], x[3], 37, 23).coalesce(), -2).values(), i, r(300), coords(37, 23, 100),
                r(100)));
        Tensor j = coords(23, 11, 200);
        t.add(p("sparse @ sparse", x -> Sparse.mm(Sparse.cooTensor(x[0], x[1], 37, 23), Sparse.cooTensor(x[2], x[3], 23, 11))
                .toDense(), i, r(300), j, r(200)));
        t.add(p("indexSelect rows with repeats", x -> Sparse.cooTensor(x[0], x[1], 37, 23).indexSelect(0, x[2]).toDense(),
                i, r(300), Tensor.randint(GEN, 0, 37, 50)));
        t.add(p("s * dense", x -> Sparse.cooTensor(x[0], x[1], 37, 23).mul(x[2]).toDense(), i, r(300), r(37, 23)));
        t.add(p("s * row", x -> Sparse.cooTensor(x[0], x[1], 37, 23).mul(x[2]).toDense(), i, r(300), r(23)));
        t.add(p("sqrt of the coalesced values", x -> Sparse.cooTensor(x[0], x[1].abs().add(0.1), 37, 23).sqrt().toDense(),
                i, r(300)));
        t.add(p("sparseMask", x -> x[2].sparseMask(Sparse.cooTensor(x[0], x[1], 37, 23)).toDense(), i, r(300),
                r(37, 23)));
        Tensor bi = Tensor.stack(List.of(Tensor.randint(GEN, 0, 3, 120), Tensor.randint(GEN, 0, 9, 120),
                Tensor.randint(GEN, 0, 7, 120)), 0);
        t.add(p("bmm", x -> Sparse.bmm(Sparse.cooTensor(x[0], x[1], 3, 9, 7), x[2]), bi, r(120), r(3, 7, 5)));
        return t;
    }

    @Test
    void printsWithTheDevice() {
        SparseTensor s = Sparse.cooTensor(Tensor.tensor(new long[][] {{0, 1, 1}, {2, 0, 2}}),
                Tensor.tensor(new float[] {3, 4, 5}), 2, 3).to(GPU);
        assertEquals(GPU, s.device());
        assertEquals(GPU, s._indices().device());
        // PyTorch puts the device suffix first, on a line of its own as every sparse tensor's first suffix
        assertEquals("tensor(indices=tensor([[0, 1, 1],\n"
                + "                       [2, 0, 2]]),\n"
                + "       values=tensor([3., 4., 5.]),\n"
                + "       device='cuda:0', size=(2, 3), nnz=3, layout=torch.sparse_coo)", s.toString());
        assertArrayEquals(new float[] {0, 0, 3, 4, 0, 5}, s.toDense().cpu().toFloatArray());
    }
}
