package dev.ember.cuda;

import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.optim.SparseAdam;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sparse gradients on CUDA against the CPU reference: Embedding(sparse=True)'s and EmbeddingBag(sparse=True)'s
 * gradients (their dense form through the parity harness, and the sparse gradient's indices and values themselves),
 * and SparseAdam, SGD with momentum and Adagrad stepping on them (built from index_add, index_select and unique, so
 * these run those kernels on a sparse gradient's patterns).
 */
@ExtendWith(CudaGate.class)
class CudaSparseGradTest {
    private static final Generator GEN = new Generator(3333);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @TestFactory
    List<DynamicTest> gradients() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor idx = Tensor.randint(GEN, 0, 37, 6, 9);
        t.add(p("embedding sparse grad", x -> Functional.embedding(x[1], x[0], null, null, 2.0, false, true),
                uniform(GEN, 1.0, 37, 5), idx));
        t.add(p("embedding sparse grad with padding", x -> Functional.embedding(x[1], x[0], 3L, null, 2.0, false, true),
                uniform(GEN, 1.0, 37, 5), idx));
        Tensor flat = Tensor.randint(GEN, 0, 37, 40);
        Tensor offsets = Tensor.tensor(new long[] {0, 5, 5, 18, 33}, dev.ember.DType.INT64, Device.CPU);
        t.add(p("embedding_bag mean sparse grad", x -> Functional.embeddingBag(x[1], x[0], x[2], null, 2.0, false,
                "mean", null, false, null, true), uniform(GEN, 1.0, 37, 5), flat, offsets));
        t.add(p("embedding_bag sum per-sample sparse grad", x -> Functional.embeddingBag(x[1], x[0], x[2], null, 2.0,
                false, "sum", x[3], false, null, true), uniform(GEN, 1.0, 37, 5), flat, offsets, uniform(GEN, 1.0, 40)));
        return t;
    }

    @Test
    void sparseGradientIndicesAndValuesMatch() {
        Tensor w0 = uniform(GEN, 1.0, 50, 4);
        Tensor idx = Tensor.randint(GEN, 0, 50, 30);
        Tensor g = uniform(GEN, 1.0, 30, 4);
        SparseTensor[] grads = new SparseTensor[2];
        Tensor[] dense = new Tensor[2];
        Device[] devices = {Device.CPU, GPU};
        for (int k = 0; k < 2; k++) {
            Tensor w = w0.detach().clone().to(devices[k]).requiresGrad_(true);
            Functional.embedding(idx.to(devices[k]), w, 7L, null, 2.0, false, true).backward(g.to(devices[k]));
            grads[k] = w.sparseGrad();
            // a second backward: PyTorch's CPU merges the index lists, its CUDA concatenates them (so do Ember's):
            // the same gradient, compared dense
            Functional.embedding(idx.to(devices[k]).flip(0), w, 7L, null, 2.0, false, true).backward(g.to(devices[k]));
            dense[k] = w.grad().cpu();
        }
        assertEquals(grads[0].nnz(), grads[1].nnz());
        assertEquals(GPU, grads[1].device());
        assertArrayEquals(grads[0]._indices().toLongArray(), grads[1]._indices().cpu().toLongArray());
        CudaParityTest.assertClose("values", grads[0]._values(), grads[1]._values().cpu());
        CudaParityTest.assertClose("after two backwards", dense[0], dense[1]);
    }

    private static void stepsMatch(String name, Function<Tensor, Optimizer> make) {
        Tensor w0 = uniform(GEN, 1.0, 64, 8);
        List<Tensor> idx = List.of(Tensor.randint(GEN, 0, 64, 40), Tensor.randint(GEN, 0, 64, 40),
                Tensor.randint(GEN, 0, 64, 40));
        Tensor g = uniform(GEN, 1.0, 40, 8);
        Tensor[] out = new Tensor[2];
        Device[] devices = {Device.CPU, GPU};
        for (int k = 0; k < 2; k++) {
            Tensor w = w0.detach().clone().to(devices[k]).requiresGrad_(true);
            Optimizer o = make.apply(w);
            for (Tensor i : idx) {
                o.zeroGrad();
                Functional.embedding(i.to(devices[k]), w, null, null, 2.0, false, true).backward(g.to(devices[k]));
                assertTrue(w.isGradSparse());
                o.step();
            }
            try (GradMode off = Ember.noGrad()) {
                out[k] = w.detach().cpu();
            }
        }
        CudaParityTest.assertClose(name, out[0], out[1]);
    }

    @Test
    void sparseAdamSteps() {
        stepsMatch("SparseAdam", w -> new SparseAdam(List.of(w), 0.05));
    }

    @Test
    void sgdMomentumSteps() {
        stepsMatch("SGD momentum", w -> new SGD(List.of(w), 0.1, 0.9, 0, 0, false));
    }

    @Test
    void adagradSteps() {
        stepsMatch("Adagrad", w -> new Adagrad(List.of(w), 0.1));
    }
}
