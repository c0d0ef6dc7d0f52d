package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.Transformer;
import dev.ember.nn.TransformerEncoderLayer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Attention on CUDA against the CPU reference, forward and backward: the fused op (the attention family, which CUDA
 * runs through the {@code Backend} defaults, the CPU's kernels on host copies, until it has kernels of its own) with
 * masks, causal masks, grouped heads, non-contiguous inputs and tiles crossed; the composition; MultiheadAttention and
 * an encoder layer moved to the device.
 */
class CudaAttentionTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(2027);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    private static Tensor heads(Tensor t) {
        return t.transpose(1, 2).contiguous().transpose(1, 2);
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> scaledDotProductAttention() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor q = r(2, 3, 70, 16);
        Tensor k = r(2, 3, 300, 16);
        Tensor v = r(2, 3, 300, 16);
        Tensor padding = Tensor.rand(GEN, DType.FLOAT64, 2, 1, 1, 300).ge(0.2);
        t.add(p("fused", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2]), q, k, v));
        t.add(p("fused causal", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, null), q, k, v));
        t.add(p("fused key padding", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2],
                padding.to(a[0].device()), 0.0, false, null), q, k, v));
        t.add(p("fused float mask", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach(), 0.0, false,
                0.3), q, k, v, r(70, 300)));
        t.add(p("fused heads layout", a -> Functional.scaledDotProductAttention(heads(a[0]), heads(a[1]), heads(a[2])), q, k,
                v));
        t.add(p("fused grouped heads", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, null,
                true, null), r(1, 4, 9, 8), r(1, 2, 11, 8), r(1, 2, 11, 8)));
        t.add(p("composition 3-D", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach().ge(0.0), 0.0,
                false, null), r(3, 7, 5), r(3, 9, 5), r(3, 9, 6), r(7, 9)));
        return t;
    }

    @Test
    void modulesRunOnTheDevice() {
        MultiheadAttention m = new MultiheadAttention(16, 4, 0.0, true, null, null, true);
        Tensor x = r(2, 33, 16);
        Tensor causal = Transformer.generateSquareSubsequentMask(33);
        Tensor cpu = m.apply(x, x, x, null, false, causal, true, true).output();
        m.to(GPU);
        Tensor xg = x.to(GPU);
        Tensor gpu = m.apply(xg, xg, xg, null, false, causal.to(GPU), true, true).output();
        assertEquals(GPU, gpu.device());
        CudaParityTest.assertClose("mha", cpu, gpu.cpu());
        TransformerEncoderLayer layer = new TransformerEncoderLayer(16, 4, 32, 0.0, "gelu", 1e-5, true, true, true);
        Tensor lc = layer.apply(x, causal, null, true);
        layer.to(GPU);
        CudaParityTest.assertClose("encoder layer", lc, layer.apply(xg, causal.to(GPU), null, true).cpu());
    }
}
