package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.LayerNorm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.assertBitwiseRepeatable;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's layer ops on CUDA against the CPU reference, forward and backward, on odd sizes, non-contiguous and
 * expanded inputs and empty tensors: the fused activations (elementwise kernels), the norms (layer norm and RMS norm
 * on nn.cu's kernels through CudaNnKernels, float32 and float64, with and without affine parameters, rows longer than a
 * block, enough rows to split the parameter gradients, bitwise repeatable; group norm, batch norm and instance norm
 * likewise, with the running statistics), embeddings and the composed losses.
 */
@ExtendWith(CudaGate.class)
class CudaLayersTest {
    private static final Generator GEN = new Generator(2026);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    private static Tensor l(long... v) {
        return Tensor.tensor(v, DType.INT64);
    }

    @TestFactory
    List<DynamicTest> activations() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x = r(37, 19);
        t.add(p("gelu", a -> Functional.gelu(a[0]), x));
        t.add(p("gelu tanh", a -> Functional.gelu(nc(a[0]), "tanh"), x));
        t.add(p("leaky_relu", a -> Functional.leakyRelu(a[0], 0.1), x));
        t.add(p("elu", a -> Functional.elu(a[0], 0.8), x));
        t.add(p("selu", a -> Functional.selu(a[0]), x));
        t.add(p("celu", a -> Functional.celu(a[0], 0.6), x));
        t.add(p("silu", a -> Functional.silu(a[0]), x));
        t.add(p("mish", a -> Functional.mish(a[0]), x));
        t.add(p("softplus", a -> Functional.softplus(a[0], 2.0, 3.0), x));
        t.add(p("hardtanh", a -> Functional.hardtanh(a[0], -1.0, 1.5), x));
        t.add(p("relu6", a -> Functional.relu6(a[0].mul(4.0)), x));
        t.add(p("hardswish", a -> Functional.hardswish(a[0].mul(2.0)), x));
        t.add(p("gelu empty", a -> Functional.gelu(a[0]), r(0, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> norms() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("layer_norm", a -> Functional.layerNorm(a[0], new int[] {33}, a[1], a[2], 1e-5), r(7, 5, 33), r(33), r(33)));
        t.add(p("layer_norm non-contiguous", a -> Functional.layerNorm(nc(a[0]), new int[] {5, 33}, a[1], null, 1e-5),
                r(7, 5, 33), r(5, 33)));
        t.add(p("layer_norm expanded", a -> Functional.layerNorm(a[0].expand(9, 17), new int[] {17}), r(1, 17)));
        t.add(p("layer_norm empty", a -> Functional.layerNorm(a[0], new int[] {4}, a[1], a[2], 1e-5), r(0, 4), r(4), r(4)));
        t.add(p("rms_norm", a -> Functional.rmsNorm(a[0], new int[] {19}, a[1], null), r(11, 19), r(19)));
        t.add(p("group_norm", a -> Functional.groupNorm(nc(a[0]), 3, a[1], a[2], 1e-5), r(5, 9, 13), r(9), r(9)));
        t.add(p("batch_norm", a -> Functional.batchNorm(a[0], null, null, a[1], a[2], true, 0.1, 1e-5), r(7, 3, 11), r(3),
                r(3)));
        t.add(p("batch_norm eval", a -> Functional.batchNorm(nc(a[0]), a[3].abs(), a[3].abs().add(1.0), a[1], a[2], false,
                0.1, 1e-5), r(9, 5), r(5), r(5), r(5)));
        t.add(p("instance_norm", a -> Functional.instanceNorm(a[0], null, null, a[1], a[2], true, 0.1, 1e-5),
                r(3, 4, 5, 7), r(4), r(4)));
        return t;
    }

    private static Tensor d(Tensor t) {
        return t.to(DType.FLOAT64);
    }

    /** The layer norm and RMS norm kernels' paths. */
    @TestFactory
    List<DynamicTest> rowNormKernels() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor fixedW = r(33);
        t.add(p("layer_norm float64", a -> Functional.layerNorm(a[0], new int[] {33}, a[1], a[2], 1e-5), d(r(7, 5, 33)),
                d(r(33)), d(r(33))));
        t.add(p("layer_norm no affine", a -> Functional.layerNorm(a[0], new int[] {3, 11}, null, null, 1e-3),
                r(6, 3, 11)));
        t.add(p("layer_norm weight only", a -> Functional.layerNorm(a[0], new int[] {33}, a[1], null, 1e-5), r(9, 33),
                r(33)));
        t.add(p("layer_norm long rows", a -> Functional.layerNorm(a[0], new int[] {1000}, a[1], a[2], 1e-5), r(5, 1000),
                r(1000), r(1000)));
        t.add(p("layer_norm many rows", a -> Functional.layerNorm(a[0], new int[] {24}, a[1], a[2], 1e-5), r(3001, 24),
                r(24), r(24)));
        t.add(p("layer_norm many rows float64", a -> Functional.layerNorm(a[0], new int[] {7}, a[1], a[2], 1e-5),
                d(r(1501, 7)), d(r(7)), d(r(7))));
        t.add(p("layer_norm input grad only", a -> Functional.layerNorm(a[0], new int[] {33},
                fixedW.to(a[0].device()), null, 1e-5), r(8, 33)));
        t.add(p("layer_norm parameter grads only", a -> Functional.layerNorm(a[0].detach(), new int[] {33}, a[1], a[2],
                1e-5), r(8, 33), r(33), r(33)));
        t.add(p("layer_norm transposed", a -> Functional.layerNorm(a[0].transpose(0, 1), new int[] {40}, a[1], a[2],
                1e-5), r(40, 13), r(40), r(40)));
        t.add(p("layer_norm one element rows", a -> Functional.layerNorm(a[0], new int[] {1}, a[1], a[2], 1e-5), r(6, 1),
                r(1), r(1)));
        t.add(p("rms_norm float64", a -> Functional.rmsNorm(a[0], new int[] {19}, a[1], 1e-6), d(r(11, 19)), d(r(19))));
        t.add(p("rms_norm no weight", a -> Functional.rmsNorm(a[0], new int[] {4, 5}, null, null), r(3, 4, 5)));
        t.add(p("rms_norm non-contiguous", a -> Functional.rmsNorm(nc(a[0]), new int[] {5, 33}, a[1], 1e-5),
                r(7, 5, 33), r(5, 33)));
        t.add(p("rms_norm long rows many rows", a -> Functional.rmsNorm(a[0], new int[] {700}, a[1], null), r(130, 700),
                r(700)));
        t.add(p("rms_norm expanded", a -> Functional.rmsNorm(a[0].expand(9, 17), new int[] {17}, a[1], null), r(1, 17),
                r(17)));
        return t;
    }

    /** The group norm and batch norm kernels' paths. */
    @TestFactory
    List<DynamicTest> channelNormKernels() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("group_norm float64 no affine", a -> Functional.groupNorm(a[0], 2, null, null, 1e-5), d(r(3, 4, 5, 6))));
        t.add(p("group_norm one group long", a -> Functional.groupNorm(a[0], 1, a[1], a[2], 1e-5), r(2, 9, 61), r(9),
                r(9)));
        t.add(p("group_norm groups of one channel", a -> Functional.groupNorm(a[0], 6, a[1], a[2], 1e-5), r(4, 6, 300),
                r(6), r(6)));
        t.add(p("group_norm 2-D", a -> Functional.groupNorm(a[0], 3, a[1], a[2], 1e-5), r(5, 6), r(6), r(6)));
        t.add(p("batch_norm float64", a -> Functional.batchNorm(a[0], null, null, a[1], a[2], true, 0.1, 1e-5),
                d(r(6, 4, 33)), d(r(4)), d(r(4))));
        t.add(p("batch_norm 2-D no affine", a -> Functional.batchNorm(a[0], null, null, null, null, true, 0.1, 1e-5),
                r(300, 7)));
        t.add(p("batch_norm eval float64", a -> Functional.batchNorm(a[0], a[3].detach().abs(),
                a[3].detach().abs().add(1.0), a[1], a[2], false, 0.1, 1e-5), d(r(5, 3, 17)), d(r(3)), d(r(3)), d(r(3))));
        t.add(p("batch_norm channels-last memory", a -> Functional.batchNorm(a[0].permute(0, 3, 1, 2), null, null, a[1],
                a[2], true, 0.1, 1e-5), r(2, 5, 7, 3), r(3), r(3)));
        t.add(p("instance_norm float64", a -> Functional.instanceNorm(a[0], null, null, a[1], a[2], true, 0.1, 1e-5),
                d(r(2, 3, 9, 11)), d(r(3)), d(r(3))));
        return t;
    }

    /** Batch norm in training updates the running statistics (the unbiased variance) as on the CPU. */
    @Test
    void batchNormRunningStatistics() {
        Tensor x = r(9, 4, 13);
        Tensor meanCpu = Tensor.zeros(4);
        Tensor varCpu = Tensor.ones(4);
        Tensor meanGpu = meanCpu.to(GPU);
        Tensor varGpu = varCpu.to(GPU);
        Tensor cpu = Functional.batchNorm(x, meanCpu, varCpu, null, null, true, 0.1, 1e-5);
        Tensor gpu = Functional.batchNorm(x.to(GPU), meanGpu, varGpu, null, null, true, 0.1, 1e-5);
        CudaParityTest.assertClose("batch_norm output", cpu, gpu.cpu());
        CudaParityTest.assertClose("running_mean", meanCpu, meanGpu.cpu());
        CudaParityTest.assertClose("running_var", varCpu, varGpu.cpu());
    }

    /** Layer norm's kernels sum without atomics: the same inputs give the same bits, forward and backward. */
    @Test
    void layerNormIsBitwiseRepeatable() {
        Tensor x = r(2000, 96).to(GPU);
        Tensor w = r(96).to(GPU);
        Tensor b = r(96).to(GPU);
        Tensor g = r(2000, 96).to(GPU);
        assertBitwiseRepeatable(in -> Functional.layerNorm(in[0], new int[] {96}, in[1], in[2], 1e-5), g, x, w, b);
    }

    @TestFactory
    List<DynamicTest> embeddingsAndLosses() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor w = r(101, 9);
        t.add(p("embedding", a -> Functional.embedding(a[1], a[0], 3L, null, 2.0, false), w,
                Tensor.randint(0, 101, 13, 7)));
        t.add(p("embedding scale_grad_by_freq", a -> Functional.embedding(a[1], a[0], null, null, 2.0, true), w,
                l(3, 3, 5, 100, 3)));
        for (String mode : new String[] {"sum", "mean", "max"}) {
            t.add(p("embedding_bag " + mode, a -> Functional.embeddingBag(a[1], a[0], a[2], mode), w,
                    l(4, 4, 9, 0, 77, 3, 5), l(0, 2, 2, 6)));
        }
        // int32 indices and offsets, as PyTorch takes them (EmbeddingInt32Test has the CPU's values)
        t.add(p("embedding int32 indices", a -> Functional.embedding(a[1], a[0], 3L, null, 2.0, true), w,
                l(3, 3, 5, 100, 3).to(DType.INT32)));
        t.add(p("embedding_bag int32 mean", a -> Functional.embeddingBag(a[1], a[0], a[2], "mean"), w,
                l(4, 4, 9, 0, 77, 3, 5).to(DType.INT32), l(0, 2, 2, 6).to(DType.INT32)));
        t.add(p("kl_div", a -> Functional.kLDivLoss(a[0].logSoftmax(1), a[1].softmax(1), "batchmean", false), r(6, 11),
                r(6, 11)));
        t.add(p("cosine_embedding_loss", a -> Functional.cosineEmbeddingLoss(a[0], a[1], a[2], 0.1, "mean"), r(7, 5), r(7, 5),
                Tensor.tensor(new float[] {1, -1, 1, 1, -1, -1, 1})));
        t.add(p("margin_ranking_loss", a -> Functional.marginRankingLoss(a[0], a[1], a[2], 0.2, "sum"), r(9), r(9), r(9)));
        return t;
    }

    @Test
    void dropoutAndModulesRunOnTheDevice() {
        Tensor x = r(64, 33).to(GPU).requiresGrad_(true);
        Tensor y = Functional.dropout(x, 0.25, true);
        assertEquals(GPU, y.device());
        assertEquals("NativeDropoutBackward0", y.gradFn().name());
        Tensor kept = y.ne(0.0);
        assertTrue(y.detach().allclose(Tensor.where(kept, x.detach().div(0.75), 0.0), 1e-6, 1e-6, false));
        LayerNorm ln = new LayerNorm(33);
        Tensor cpu = ln.forward(x.detach().cpu());
        ln.to(GPU);
        assertArrayEquals(cpu.toDoubleArray(), ln.forward(x.detach()).cpu().toDoubleArray(), 1e-5);
    }
}
