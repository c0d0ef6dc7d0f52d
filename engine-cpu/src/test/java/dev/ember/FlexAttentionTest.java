package dev.ember;

import dev.ember.FlexAttention.BlockMask;
import dev.ember.FlexAttention.MaskMod;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FlexAttention} against PyTorch 2.5's flex_attention as it computes outside torch.compile, reproduced with
 * PyTorch 1.13's ops by {@code flexattention/make_expected.py} (whose header quotes the 2.5 source it follows): plain
 * and scaled attention, block masks (their partial and full blocks, both orientations, dense form, sparsity), score
 * mods (relative position, ALiBi with captured slopes, soft-capping), masks (causal, document by indexing, sliding
 * window, a fully masked row), grouped-query attention, float64 gradients, and a learned bias that gets its gradient.
 */
class FlexAttentionTest {
    private static final ExpectedTensors E = ExpectedTensors.load("/flexattention/expected.txt");

    private static Tensor f32(String key) {
        return E.get(key).to(DType.FLOAT32);
    }

    private static Tensor f64(String key) {
        return E.get(key);
    }

    private static void close(String key, Tensor got, double tol) {
        E.assertClose(key, got, tol);
    }

    private static void exact(String key, Tensor got) {
        E.assertExact(key, got);
    }

    private static final MaskMod CAUSAL = (b, h, q, kv) -> q.ge(kv);

    @Test
    void plainAttentionIsScaledDotProductAttention() {
        Tensor q = f32("plain.q");
        Tensor k = f32("plain.k");
        Tensor v = f32("plain.v");
        FlexAttention.Result r = FlexAttention.flexAttentionWithLse(q, k, v, null, null, null, false);
        close("plain.out", r.output(), 1e-5);
        close("plain.lse", r.lse(), 1e-5);
        assertEquals(DType.FLOAT32, r.lse().dtype());
        close("plain_scaled.out", FlexAttention.flexAttention(q, k, v, null, null, 0.3, false), 1e-5);
        Tensor sdpa = Functional.scaledDotProductAttention(q, k, v);
        assertArrayEquals(sdpa.toDoubleArray(), FlexAttention.flexAttention(q, k, v).toDoubleArray(), 1e-5);
    }

    @Test
    void blockMasksSummarizeTheMaskByBlocks() {
        BlockMask bm = FlexAttention.createBlockMask(CAUSAL, null, null, 5, 5, 2);
        exact("bm.causal.kv_num_blocks", bm.kvNumBlocks());
        exact("bm.causal.kv_indices", bm.kvIndices());
        exact("bm.causal.full_kv_num_blocks", bm.fullKvNumBlocks());
        exact("bm.causal.full_kv_indices", bm.fullKvIndices());
        exact("bm.causal.q_num_blocks", bm.qNumBlocks());
        exact("bm.causal.q_indices", bm.qIndices());
        exact("bm.causal.full_q_num_blocks", bm.fullQNumBlocks());
        exact("bm.causal.full_q_indices", bm.fullQIndices());
        exact("bm.causal.dense", bm.toDense());
        assertEquals(DType.INT32, bm.kvIndices().dtype());
        assertEquals(4.0000000000000036, bm.sparsity());
        assertArrayEquals(new int[] {1, 1, 5, 5}, bm.shape());
        assertArrayEquals(new int[] {2, 2}, bm.blockSize());

        Tensor q = f32("causal.q");
        FlexAttention.Result r = FlexAttention.flexAttentionWithLse(q, f32("causal.k"), f32("causal.v"), null, bm,
            null, false);
        close("causal.out", r.output(), 1e-5);
        close("causal.lse", r.lse(), 1e-5);
        Tensor mask = FlexAttention.createMask(CAUSAL, 2, 1, 5, 5);
        assertArrayEquals(new int[] {2, 1, 5, 5}, mask.shape());
        assertEquals(15.0 * 2, mask.to(DType.FLOAT64).sum().item());
    }

    @Test
    void scoreModsAndMasks() {
        Tensor q = f32("mods.q");
        Tensor k = f32("mods.k");
        Tensor v = f32("mods.v");
        Tensor slopes = Tensor.tensor(new double[] {0.5, 0.25}, DType.FLOAT32);
        Tensor doc = Tensor.tensor(new long[] {0, 0, 1, 1, 1, 2, 2});
        close("mods.relpos", FlexAttention.flexAttention(q, k, v, (s, b, h, m, n) -> s.add(m.sub(n)), null), 1e-5);
        close("mods.alibi", FlexAttention.flexAttention(q, k, v,
            (s, b, h, m, n) -> s.sub(slopes.index(Index.of(h)).mul(m.sub(n).abs())), null), 1e-5);
        close("mods.softcap", FlexAttention.flexAttention(q, k, v, (s, b, h, m, n) -> s.div(3).tanh().mul(3), null),
            1e-5);
        BlockMask document = FlexAttention.createBlockMask((b, h, m, n) -> doc.index(Index.of(m)).eq(doc.index(Index.of(n))), null, null, 7,
            7, 4);
        close("mods.document", FlexAttention.flexAttention(q, k, v, null, document), 1e-5);
        MaskMod window = FlexAttention.andMasks(CAUSAL, (b, h, m, n) -> m.sub(n).le(2));
        FlexAttention.Result w = FlexAttention.flexAttentionWithLse(q, k, v, null,
            FlexAttention.createBlockMask(window, 1, 2, 7, 7, 3), null, false);
        close("mods.window.out", w.output(), 1e-5);
        close("mods.window.lse", w.lse(), 1e-5);
        MaskMod firstRowEmpty = FlexAttention.andMasks((b, h, m, n) -> m.gt(0), (b, h, m, n) -> n.le(m));
        FlexAttention.Result e = FlexAttention.flexAttentionWithLse(q, k, v, null,
            FlexAttention.createBlockMask(firstRowEmpty, null, null, 7, 7), null, false);
        close("mods.firstrow.out", e.output(), 1e-5);
        close("mods.firstrow.lse", e.lse(), 1e-5);
        assertEquals(Double.NEGATIVE_INFINITY, e.lse().toDoubleArray()[0], "a fully masked row's log-sum-exp");
        assertEquals(0.0, e.output().select(2, 0).abs().sum().item(), "and zeros");
        Tensor any = FlexAttention.createMask(FlexAttention.orMasks(CAUSAL, (b, h, m, n) -> n.eq(6)), null, null, 7, 7);
        assertEquals(28.0 + 6, any.to(DType.FLOAT64).sum().item());
    }

    @Test
    void groupedQueryAttention() {
        Tensor q = f32("gqa.q");
        Tensor k = f32("gqa.k");
        Tensor v = f32("gqa.v");
        BlockMask bm = FlexAttention.createBlockMask(CAUSAL, null, null, 4, 4);
        close("gqa.out", FlexAttention.flexAttention(q, k, v, null, bm, null, true), 1e-5);
        assertEquals("Expect query and key/value to have the same number of heads but got Hq=4 and Hkv=2. Try setting "
            + "enable_gqa=True for GQA.", assertThrows(IllegalArgumentException.class,
                () -> FlexAttention.flexAttention(q, k, v, null, bm, null, false)).getMessage());
    }

    @Test
    void gradientsFlowThroughOneNodeOrToACapturedTensor() {
        Tensor q = f64("grad.q").requiresGrad_(true);
        Tensor k = f64("grad.k").requiresGrad_(true);
        Tensor v = f64("grad.v").requiresGrad_(true);
        Tensor w = f64("grad.w");
        BlockMask bm = FlexAttention.createBlockMask(CAUSAL, null, null, 4, 4);
        Tensor o = FlexAttention.flexAttention(q, k, v, (s, b, h, m, n) -> s.add(m.sub(n).mul(0.1)), bm);
        assertEquals("FlexAttentionAutogradOpBackward", o.gradFn().name());
        o.mul(w).sum().backward();
        close("grad.out", o, 1e-12);
        close("grad.gq", q.grad(), 1e-12);
        close("grad.gk", k.grad(), 1e-12);
        close("grad.gv", v.grad(), 1e-12);
        assertTrue(Autograd.gradcheck(a -> FlexAttention.flexAttention(a[0], a[1], a[2],
            (s, b, h, m, n) -> s.add(m.sub(n).mul(0.1)), bm), q.detach().requiresGrad_(true),
            k.detach().requiresGrad_(true), v.detach().requiresGrad_(true)));

        Tensor q2 = f64("grad.q").requiresGrad_(true);
        Tensor bias = Tensor.tensor(new double[] {0.1, -0.2}, DType.FLOAT64).requiresGrad_(true);
        Tensor o2 = FlexAttention.flexAttention(q2, f64("grad.k"), f64("grad.v"), (s, b, h, m, n) -> s.add(bias.index(Index.of(h))),
            bm);
        assertEquals("UnsafeViewBackward0", o2.gradFn().name(), "a captured tensor that requires grad: the composition");
        o2.mul(w).sum().backward();
        close("grad_bias.gq", q2.grad(), 1e-12);
        close("grad_bias.gbias", bias.grad(), 1e-12);

        try (GradMode off = Ember.noGrad()) {
            assertNull(FlexAttention.flexAttention(q, k, v).gradFn());
        }
        FlexAttention.Result r = FlexAttention.flexAttentionWithLse(q, k, v, null, null, null, false);
        assertNull(r.lse().gradFn(), "the log-sum-exp has no gradient");
    }

    @Test
    void badInputsAreRefused() {
        Tensor q = Tensor.randn(1, 2, 4, 3);
        Tensor k = Tensor.randn(1, 2, 4, 3);
        assertEquals("NYI: query, key, and value must be 4D tensors", assertThrows(IllegalArgumentException.class,
            () -> FlexAttention.flexAttention(q.select(0, 0), k, k)).getMessage());
        BlockMask bm = FlexAttention.createBlockMask(CAUSAL, null, null, 8, 8);
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> FlexAttention.flexAttention(q, k, k, null, bm)).getMessage().startsWith(
                "block_mask was created for block_mask.shape=[1, 1, 8, 8] but got q_len=4 and kv_len=4"));
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(q, Tensor.randn(1, 2, 4, 5), k));
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(q, k, k,
            null, FlexAttention.createBlockMask((b, h, m, n) -> m.add(n), null, null, 4, 4)));
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.andMasks(CAUSAL, null));
        assertEquals("float division by zero", assertThrows(IllegalArgumentException.class,
            () -> FlexAttention.createBlockMask(CAUSAL, null, null, 0, 4).sparsity()).getMessage(),
            "PyTorch's ZeroDivisionError for a mask of no positions");
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(null, k, k));
    }
}
