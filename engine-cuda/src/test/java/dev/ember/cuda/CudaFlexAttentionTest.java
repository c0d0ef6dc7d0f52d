package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.FlexAttention;
import dev.ember.FlexAttention.BlockMask;
import dev.ember.FlexAttention.MaskMod;
import dev.ember.FlexAttention.ScoreMod;
import dev.ember.Generator;
import dev.ember.Index;
import dev.ember.Tensor;
import dev.ember.nn.CausalBias;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 41's attention additions on CUDA against the CPU: {@link FlexAttention} (a block mask, score mods that index
 * captured tensors by the head and by the query and key, grouped-query attention, the log-sum-exp of a fully masked
 * row) and {@link CausalBias} with scaled_dot_product_attention (lower-right with fewer and with more queries than
 * keys); outputs and the gradients of query, key and value.
 */
class CudaFlexAttentionTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(4141);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** The same attention on each device: {@code attend} gets query, key, value on that device. */
    private static void parity(String name, int[] qShape, int[] kShape, int[] vShape,
                               java.util.function.BiFunction<Device, Tensor[], Tensor> attend) {
        Tensor q = Tensor.randn(GEN, DType.FLOAT32, qShape);
        Tensor k = Tensor.randn(GEN, DType.FLOAT32, kShape);
        Tensor v = Tensor.randn(GEN, DType.FLOAT32, vShape);
        Tensor[] cpu = {q.detach().requiresGrad_(true), k.detach().requiresGrad_(true), v.detach().requiresGrad_(true)};
        Tensor[] gpu = {q.to(GPU).requiresGrad_(true), k.to(GPU).requiresGrad_(true), v.to(GPU).requiresGrad_(true)};
        Tensor a = attend.apply(Device.CPU, cpu);
        Tensor b = attend.apply(GPU, gpu);
        assertEquals(GPU, b.device(), name + " device");
        CudaParityTest.assertClose(name + " forward", a, b.cpu());
        Tensor w = Tensor.randn(GEN, DType.FLOAT32, a.shape());
        a.mul(w).sum().backward();
        b.mul(w.to(GPU)).sum().backward();
        for (int i = 0; i < 3; i++) {
            CudaParityTest.assertClose(name + " grad " + "qkv".charAt(i), cpu[i].grad(), gpu[i].grad().cpu());
        }
    }

    private static final MaskMod CAUSAL = (b, h, q, kv) -> q.ge(kv);

    @Test
    void flexAttentionMatchesTheCpu() {
        BlockMask causal = FlexAttention.createBlockMask(CAUSAL, null, null, 9, 9, 4);
        parity("causal", new int[] {2, 2, 9, 8}, new int[] {2, 2, 9, 8}, new int[] {2, 2, 9, 5},
            (d, t) -> FlexAttention.flexAttention(t[0], t[1], t[2], null, causal));
        Function<Device, ScoreMod> alibi = d -> {
            Tensor slopes = Tensor.tensor(new double[] {0.5, 0.25}, DType.FLOAT32).to(d);
            return (s, b, h, m, n) -> s.sub(slopes.index(Index.of(h)).mul(m.sub(n).abs()));
        };
        parity("alibi", new int[] {1, 2, 7, 4}, new int[] {1, 2, 7, 4}, new int[] {1, 2, 7, 4},
            (d, t) -> FlexAttention.flexAttention(t[0], t[1], t[2], alibi.apply(d), null));
        Tensor doc = Tensor.tensor(new long[] {0, 0, 1, 1, 1, 2, 2});
        BlockMask document = FlexAttention.createBlockMask((b, h, m, n) -> {
            Tensor ids = doc.to(m.device());
            return ids.index(Index.of(m)).eq(ids.index(Index.of(n)));
        }, null, null, 7, 7, 2);
        parity("document, soft-cap", new int[] {1, 2, 7, 4}, new int[] {1, 2, 7, 4}, new int[] {1, 2, 7, 4},
            (d, t) -> FlexAttention.flexAttention(t[0], t[1], t[2], (s, b, h, m, n) -> s.div(3).tanh().mul(3), document));
        parity("gqa", new int[] {1, 4, 6, 3}, new int[] {1, 2, 6, 3}, new int[] {1, 2, 6, 2},
            (d, t) -> FlexAttention.flexAttention(t[0], t[1], t[2], null,
                FlexAttention.createBlockMask(CAUSAL, null, null, 6, 6, 4), null, true));

        MaskMod firstRowEmpty = FlexAttention.andMasks((b, h, m, n) -> m.gt(0), (b, h, m, n) -> n.le(m));
        BlockMask empty = FlexAttention.createBlockMask(firstRowEmpty, null, null, 5, 5, 2);
        Tensor q = Tensor.randn(GEN, DType.FLOAT32, 1, 1, 5, 4);
        FlexAttention.Result cpu = FlexAttention.flexAttentionWithLse(q, q, q, null, empty, null, false);
        Tensor qg = q.to(GPU);
        FlexAttention.Result gpu = FlexAttention.flexAttentionWithLse(qg, qg, qg, null, empty, null, false);
        CudaParityTest.assertClose("masked row lse", cpu.lse(), gpu.lse().cpu());
        assertTrue(Double.isInfinite(gpu.lse().cpu().toDoubleArray()[0]), "a fully masked row's log-sum-exp is -inf");
        CudaParityTest.assertClose("masked row output", cpu.output(), gpu.output().cpu());
    }

    @Test
    void causalBiasMatchesTheCpu() {
        for (int[] lengths : new int[][] {{3, 5}, {5, 3}, {4, 4}}) {
            int l = lengths[0];
            int s = lengths[1];
            parity("lower right " + l + "x" + s, new int[] {2, 2, l, 4}, new int[] {2, 2, s, 4}, new int[] {2, 2, s, 3},
                (d, t) -> CausalBias.scaledDotProductAttention(t[0], t[1], t[2], CausalBias.causalLowerRight(l, s), 0,
                    null, false, null));
            parity("upper left " + l + "x" + s, new int[] {2, 2, l, 4}, new int[] {2, 2, s, 4}, new int[] {2, 2, s, 3},
                (d, t) -> CausalBias.scaledDotProductAttention(t[0], t[1], t[2], CausalBias.causalUpperLeft(l, s), 0,
                    null, false, null));
        }
    }
}
