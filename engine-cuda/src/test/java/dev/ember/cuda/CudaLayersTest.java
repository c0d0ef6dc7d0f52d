package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.LayerNorm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's layer ops on CUDA against the CPU reference, forward and backward, on odd sizes, non-contiguous and
 * expanded inputs and empty tensors: the fused activations (elementwise kernels), the norms (the normalization family,
 * which CUDA runs through the {@code Backend} defaults, the CPU's kernels on host copies, until it has kernels of its
 * own), embeddings and the composed losses.
 */
class CudaLayersTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(2026);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    private static Tensor l(long... v) {
        return Tensor.tensor(v, DType.INT64);
    }

    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.parity(name, f, in));
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
