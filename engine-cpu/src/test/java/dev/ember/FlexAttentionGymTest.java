package dev.ember;

import dev.ember.FlexAttention.BlockMask;
import dev.ember.FlexAttention.MaskMod;
import dev.ember.FlexAttention.ScoreMod;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FlexAttention} with the mods people copy: pytorch-labs/attention-gym's masks (causal, sliding window, prefix
 * LM, document masking over offsets, dilated sliding window, NATTEN, batchify, Flamingo's vision cross-attention) and
 * score mods (ALiBi, tanh soft-capping, DeepSeek-V2's MLA RoPE), and the FlexAttention blog's / docs' examples
 * (relative position, checkerboard, causal as a score mod), each ported line by line. Expected values:
 * {@code flexgym/make_expected.py} runs attention-gym's code verbatim through 2.5's math, evaluating the mods per
 * element as 2.5's vmap presents them. Two ports here are written for one call on broadcast index tensors (Ember's fast
 * path): Flamingo's {@code interval[0]} (an element of the gathered row under vmap) is {@code interval[..., 0]}, and
 * MLA's {@code torch.dot} of two gathered rows is a product summed over the last dimension; their verbatim ports, which
 * FlexAttention evaluates element by element as vmap does, are in Leftovers44Test.
 */
class FlexAttentionGymTest {
    private static final ExpectedTensors E = ExpectedTensors.load("/flexgym/expected.txt");

    private static Tensor f32(String key) {
        return E.get(key).to(DType.FLOAT32);
    }

    private static void close(String key, Tensor got, double tol) {
        E.assertClose(key, got, tol);
    }

    private static void exact(String key, Tensor got) {
        E.assertExact(key, got);
    }

    // ---- attention-gym's masks and mods, ported line by line

    /** masks/causal.py. */
    static final MaskMod CAUSAL = (b, h, qIdx, kvIdx) -> qIdx.ge(kvIdx);

    /** masks/sliding_window.py: {@code and_masks(q_idx - kv_idx <= window_size, causal_mask)}. */
    static MaskMod slidingWindow(int windowSize) {
        MaskMod slidingWindow = (b, h, qIdx, kvIdx) -> qIdx.sub(kvIdx).le(windowSize);
        return FlexAttention.andMasks(slidingWindow, CAUSAL);
    }

    /** masks/prefix_lm.py: {@code or_masks(kv_idx < prefix_length, causal_mask)}. */
    static MaskMod prefixLm(int prefixLength) {
        MaskMod prefixMask = (b, h, qIdx, kvIdx) -> kvIdx.lt(prefixLength);
        return FlexAttention.orMasks(prefixMask, CAUSAL);
    }

    /** masks/document_mask.py's {@code length_to_offsets}: int32 cumulative lengths from 0. */
    static Tensor lengthToOffsets(long... lengths) {
        long[] offsets = new long[lengths.length + 1];
        System.arraycopy(lengths, 0, offsets, 1, lengths.length);
        return Tensor.tensor(offsets).to(DType.INT32).cumsum(-1);
    }

    /** masks/document_mask.py's {@code generate_doc_mask_mod}, int32 document ids as attention-gym makes them. */
    static MaskMod docMaskMod(MaskMod maskMod, Tensor offsets) {
        Tensor counts = offsets.narrow(0, 1, offsets.size(0) - 1).sub(offsets.narrow(0, 0, offsets.size(0) - 1));
        Tensor documentId = Creation.arange(0L, counts.size(0), 1L, DType.INT32).repeatInterleave(counts);
        return (b, h, qIdx, kvIdx) -> {
            Tensor sameDoc = documentId.index(Index.of(qIdx)).eq(documentId.index(Index.of(kvIdx)));
            Tensor qLogical = qIdx.sub(offsets.index(Index.of(documentId.index(Index.of(qIdx)))));
            Tensor kvLogical = kvIdx.sub(offsets.index(Index.of(documentId.index(Index.of(kvIdx)))));
            Tensor innerMask = maskMod.apply(b, h, qLogical, kvLogical);
            return sameDoc.logicalAnd(innerMask);
        };
    }

    /** masks/dilated_sliding_window.py. */
    static MaskMod dilatedSlidingWindow(int windowSize, int dilation) {
        return (b, h, qIdx, kvIdx) -> {
            Tensor diff = qIdx.sub(kvIdx).abs();
            Tensor inWindow = diff.le(windowSize);
            Tensor isDilated = diff.remainder(dilation).eq(0);
            return inWindow.logicalAnd(isDilated);
        };
    }

    /** masks/natten.py's {@code generate_natten(canvas_w, canvas_h, kernel_w, kernel_h)}. */
    static MaskMod natten(int canvasW, int canvasH, int kernelW, int kernelH) {
        return (b, h, qIdx, kvIdx) -> {
            Tensor qX = qIdx.floorDivide(canvasW);
            Tensor qY = qIdx.remainder(canvasW);
            Tensor kvX = kvIdx.floorDivide(canvasW);
            Tensor kvY = kvIdx.remainder(canvasW);
            Tensor kernelCenterX = qX.clamp(kernelW / 2, (canvasW - 1) - kernelW / 2);
            Tensor kernelCenterY = qY.clamp(kernelH / 2, (canvasH - 1) - kernelH / 2);
            Tensor horiMask = kernelCenterX.sub(kvX).abs().le(kernelW / 2);
            Tensor vertMask = kernelCenterY.sub(kvY).abs().le(kernelH / 2);
            return horiMask.logicalAnd(vertMask);
        };
    }

    /** masks/batchify.py. */
    static MaskMod batchify(MaskMod maskMod, int batchifySize) {
        return (b, h, qIdx, kvIdx) -> {
            Tensor sameBatch = qIdx.floorDivide(batchifySize).eq(kvIdx.floorDivide(batchifySize));
            Tensor innerMask = maskMod.apply(b, h, qIdx.remainder(batchifySize), kvIdx.remainder(batchifySize));
            return sameBatch.logicalAnd(innerMask);
        };
    }

    /**
     * masks/flamingo.py's vision cross-attention; {@code interval[0]} (vmap: the first element of the gathered row) is
     * the last dimension's first element here.
     */
    static MaskMod visionCrossAttention(Tensor intervals, int imageTokenLength) {
        Tensor imageBoundaries = Creation.arange(0L, intervals.size(0), 1L, DType.INT64)
            .repeatInterleave(imageTokenLength, 0);
        return (b, h, qIdx, kvIdx) -> {
            Tensor imageIdx = imageBoundaries.index(Index.of(kvIdx));
            Tensor interval = intervals.index(Index.of(imageIdx));
            return qIdx.ge(interval.select(-1, 0)).logicalAnd(qIdx.lt(interval.select(-1, 1)));
        };
    }

    /** mods/alibi.py: {@code score + (kv_idx - q_idx) * exp2(-((h + 1) * 8.0 / H))}. */
    static ScoreMod alibi(int heads) {
        return (score, b, h, qIdx, kvIdx) -> {
            Tensor scale = h.add(1).mul(8.0).div(heads).neg().exp2();
            Tensor bias = kvIdx.sub(qIdx).mul(scale);
            return score.add(bias);
        };
    }

    /** mods/softcapping.py (the exact tanh). */
    static ScoreMod tanhSoftcap(double softCap) {
        return (score, b, h, qIdx, kvIdx) -> score.div(softCap).tanh().mul(softCap);
    }

    /**
     * mods/latent_attention.py: {@code score + scale * dot(query_rope[b, h, q_idx], key_rope[b, h // num_heads,
     * kv_idx])}, the dot product as a product summed over the gathered rows' last dimension.
     */
    static ScoreMod mlaRope(Tensor queryRope, Tensor keyRope, int numHeads, double scale) {
        return (score, b, h, qIdx, kvIdx) -> {
            Tensor qr = queryRope.index(Index.of(b), Index.of(h), Index.of(qIdx));
            Tensor kr = keyRope.index(Index.of(b), Index.of(h.floorDivide(numHeads)), Index.of(kvIdx));
            return score.add(qr.mul(kr).sum(new int[] {-1}, false).mul(scale));
        };
    }

    // ---- the blog's and the docs' examples

    /** {@code score + (q_idx - kv_idx)}. */
    static final ScoreMod RELATIVE_POSITIONAL = (score, b, h, qIdx, kvIdx) -> score.add(qIdx.sub(kvIdx));

    /** The docs' checkerboard: halve the scores at odd distances, double them at even ones. */
    static final ScoreMod CHECKERBOARD = (score, b, h, qIdx, kIdx) -> {
        Tensor s = Tensor.where(kIdx.sub(qIdx).abs().remainder(2).eq(1), score.mul(0.5), score);
        return Tensor.where(kIdx.sub(qIdx).abs().remainder(2).eq(0), s.mul(2.0), s);
    };

    /** The docs' causal mask written as a score mod: {@code where(q_idx >= kv_idx, score, -inf)}. */
    static final ScoreMod CAUSAL_SCORE = (score, b, h, qIdx, kvIdx) ->
        Tensor.where(qIdx.ge(kvIdx), score, Double.NEGATIVE_INFINITY);

    private static void check(String name, Tensor q, Tensor k, Tensor v, ScoreMod sm, MaskMod mm, boolean lse) {
        BlockMask bm = mm == null ? null : FlexAttention.createBlockMask(mm, null, null, q.size(2), k.size(2), 4);
        boolean gqa = q.size(1) != k.size(1);
        FlexAttention.Result r = FlexAttention.flexAttentionWithLse(q, k, v, sm, bm, null, gqa);
        close(name + ".out", r.output(), 2e-5);
        if (lse) {
            close(name + ".lse", r.lse(), 2e-5);
        }
    }

    private static void checkBlockMask(String name, MaskMod mod, int qLen, int kvLen, int blockSize) {
        checkBlockMask(name, mod, null, null, qLen, kvLen, blockSize);
    }

    private static void checkBlockMask(String name, MaskMod mod, Integer batch, Integer heads, int qLen, int kvLen,
                                       int blockSize) {
        BlockMask bm = FlexAttention.createBlockMask(mod, batch, heads, qLen, kvLen, blockSize);
        exact("bm." + name + ".kv_num_blocks", bm.kvNumBlocks());
        exact("bm." + name + ".kv_indices", bm.kvIndices());
        exact("bm." + name + ".full_kv_num_blocks", bm.fullKvNumBlocks());
        exact("bm." + name + ".full_kv_indices", bm.fullKvIndices());
        exact("bm." + name + ".q_num_blocks", bm.qNumBlocks());
        exact("bm." + name + ".q_indices", bm.qIndices());
        exact("bm." + name + ".full_q_num_blocks", bm.fullQNumBlocks());
        exact("bm." + name + ".full_q_indices", bm.fullQIndices());
        exact("bm." + name + ".dense", bm.toDense());
        exact("bm." + name + ".mask", FlexAttention.createMask(mod, batch, heads, qLen, kvLen));
        assertEquals(E.scalar("bm." + name + ".sparsity"), bm.sparsity(), 1e-12, name + " sparsity");
    }

    @Test
    void attentionGymMasksAndScoreModsOnSelfAttention() {
        Tensor q = f32("s.q");
        Tensor k = f32("s.k");
        Tensor v = f32("s.v");
        Tensor offsets = lengthToOffsets(3, 5, 3);
        assertEquals(DType.INT64, offsets.dtype(), "cumsum promotes int32 to int64, as torch.cumsum");
        exact("doc.offsets", offsets);
        check("causal", q, k, v, null, CAUSAL, true);
        check("alibi_causal", q, k, v, alibi(4), CAUSAL, false);
        check("sliding3", q, k, v, null, slidingWindow(3), true);
        check("prefix4", q, k, v, null, prefixLm(4), false);
        check("document_causal", q, k, v, null, docMaskMod(CAUSAL, offsets), true);
        check("softcap", q, k, v, tanhSoftcap(1.5), null, false);
        check("softcap_sliding", q, k, v, tanhSoftcap(1.5), slidingWindow(2), false);
        check("dilated4x2", q, k, v, null, dilatedSlidingWindow(4, 2), false);
        check("batchify4_causal", q, k, v, null, batchify(CAUSAL, 4), false);
        check("relpos", q, k, v, RELATIVE_POSITIONAL, null, false);
        check("checkerboard", q, k, v, CHECKERBOARD, null, false);
        check("causal_score", q, k, v, CAUSAL_SCORE, null, true);
    }

    @Test
    void blockMasksAtLengthsThatAreNotMultiplesOfTheBlockSize() {
        checkBlockMask("causal", CAUSAL, 11, 11, 4);
        checkBlockMask("sliding3", slidingWindow(3), 11, 11, 4);
        checkBlockMask("prefix4", prefixLm(4), 11, 11, 3);
        checkBlockMask("document_causal", docMaskMod(CAUSAL, lengthToOffsets(3, 5, 3)), 11, 11, 4);
        checkBlockMask("dilated4x2", dilatedSlidingWindow(4, 2), 11, 11, 4);
        checkBlockMask("natten", natten(4, 3, 3, 3), 12, 12, 5);
        Tensor intervals = Tensor.tensor(new long[] {0, 4, 3, 9}).reshape(2, 2);
        checkBlockMask("flamingo", visionCrossAttention(intervals, 3), 11, 6, 4);
        checkBlockMask("padding_causal", PADDING_CAUSAL, 2, null, 11, 11, 4);
        checkBlockMask("per_head_window", PER_HEAD_WINDOW, null, 4, 11, 11, 4);
    }

    private static final Tensor LENGTHS = Tensor.tensor(new long[] {11, 7});
    private static final Tensor WINDOWS = Tensor.tensor(new long[] {1, 2, 3, 5});

    /** Padding: each sequence's length, captured and indexed by the batch index, with causal. */
    static final MaskMod PADDING_CAUSAL = (b, h, qIdx, kvIdx) -> kvIdx.lt(LENGTHS.index(Index.of(b)))
        .logicalAnd(qIdx.ge(kvIdx));

    /** A sliding window per head: captured sizes indexed by the head index, with causal. */
    static final MaskMod PER_HEAD_WINDOW = (b, h, qIdx, kvIdx) -> qIdx.sub(kvIdx).le(WINDOWS.index(Index.of(h)))
        .logicalAnd(qIdx.ge(kvIdx));

    @Test
    void bfloat16AndTheTransposedLayoutPeopleCallItWith() {
        Tensor q = f32("s.q").to(DType.BFLOAT16);
        Tensor k = f32("s.k").to(DType.BFLOAT16);
        Tensor v = f32("s.v").to(DType.BFLOAT16);
        BlockMask bm = FlexAttention.createBlockMask(CAUSAL, null, null, 11, 11, 4);
        FlexAttention.Result r = FlexAttention.flexAttentionWithLse(q, k, v, tanhSoftcap(1.5), bm, null, false);
        assertEquals(DType.BFLOAT16, r.output().dtype());
        assertEquals(DType.FLOAT32, r.lse().dtype(), "the log-sum-exp in the working precision");
        close("bf16_softcap_causal.out", r.output(), 1e-2);
        close("bf16_softcap_causal.lse", r.lse(), 1e-2);
        // [B, L, H, E] tensors transposed to [B, H, L, E] (not contiguous), as models call it
        Tensor q32 = f32("s.q");
        Tensor strided = q32.transpose(1, 2).contiguous().transpose(1, 2);
        assertFalse(strided.isContiguous());
        assertArrayEquals(FlexAttention.flexAttention(q32, f32("s.k"), f32("s.v"), null, bm).toDoubleArray(),
            FlexAttention.flexAttention(strided, f32("s.k").transpose(1, 2).contiguous().transpose(1, 2),
                f32("s.v"), null, bm).toDoubleArray(), 1e-6);
    }

    @Test
    void masksThatDependOnTheBatchAndTheHead() {
        Tensor q = f32("s.q");
        Tensor k = f32("s.k");
        Tensor v = f32("s.v");
        close("padding_causal.out", FlexAttention.flexAttention(q, k, v, null,
            FlexAttention.createBlockMask(PADDING_CAUSAL, 2, null, 11, 11, 4)), 2e-5);
        close("per_head_window.out", FlexAttention.flexAttention(q, k, v, null,
            FlexAttention.createBlockMask(PER_HEAD_WINDOW, null, 4, 11, 11, 4)), 2e-5);
        assertArrayEquals(new int[] {2, 1, 11, 11}, FlexAttention.createBlockMask(PADDING_CAUSAL, 2, null, 11, 11, 4)
            .shape());
    }

    @Test
    void nattenFlamingoCrossAttentionAndMlaRope() {
        check("natten", f32("n.q"), f32("n.k"), f32("n.v"), null, natten(4, 3, 3, 3), false);
        Tensor intervals = Tensor.tensor(new long[] {0, 4, 3, 9}).reshape(2, 2);
        check("flamingo", f32("x.q"), f32("x.k"), f32("x.v"), null, visionCrossAttention(intervals, 3), true);
        FlexAttention.Result r = FlexAttention.flexAttentionWithLse(f32("x.q"), f32("x.k"), f32("x.v"), null,
            FlexAttention.createBlockMask(visionCrossAttention(intervals, 3), null, null, 11, 6, 4), null, false);
        assertEquals(0.0, r.output().narrow(2, 9, 2).abs().sum().item(), "text that sees no image: zeros");
        check("mla", f32("mla.q"), f32("mla.k"), f32("mla.v"), mlaRope(f32("mla.qr"), f32("mla.kr"), 4, 0.5), CAUSAL,
            false);
    }

    @Test
    void float64GradientsOfAlibiWithSlidingWindowAndSoftcapWithDocuments() {
        Tensor w = E.get("g.w");
        String[] names = {"g.alibi_sliding", "g.softcap_document"};
        ScoreMod[] scoreMods = {alibi(4), tanhSoftcap(0.8)};
        MaskMod[] maskMods = {slidingWindow(2), docMaskMod(CAUSAL, lengthToOffsets(4, 3))};
        for (int i = 0; i < names.length; i++) {
            Tensor q = E.get("g.q").clone().requiresGrad_(true);
            Tensor k = E.get("g.k").clone().requiresGrad_(true);
            Tensor v = E.get("g.v").clone().requiresGrad_(true);
            ScoreMod sm = scoreMods[i];
            BlockMask bm = FlexAttention.createBlockMask(maskMods[i], null, null, 7, 7, 3);
            Tensor o = FlexAttention.flexAttention(q, k, v, sm, bm);
            assertEquals("FlexAttentionAutogradOpBackward", o.gradFn().name());
            o.mul(w).sum().backward();
            close(names[i] + ".out", o, 1e-12);
            close(names[i] + ".gq", q.grad(), 1e-11);
            close(names[i] + ".gk", k.grad(), 1e-11);
            close(names[i] + ".gv", v.grad(), 1e-11);
            assertTrue(Autograd.gradcheck(a -> FlexAttention.flexAttention(a[0], a[1], a[2], sm, bm),
                q.detach().requiresGrad_(true), k.detach().requiresGrad_(true), v.detach().requiresGrad_(true)),
                names[i]);
        }
    }

    /**
     * Mods that misbehave. Regression: a score_mod or mask_mod result of another shape (which PyTorch's vmap, giving one
     * value per element, never produces) failed in {@code expand} with a message that named neither mod; it is now
     * refused naming the mod and the scores' shape.
     */
    @Test
    void modsThatMisbehaveAreRefusedAndChangeNothing() {
        Tensor q = f32("n.q").requiresGrad_(true);
        Tensor k = f32("n.k");
        Tensor v = f32("n.v");
        double[] before = q.toDoubleArray();
        // an integer score mod: where(mask, int64, -inf) promotes to float, as 2.5's math does
        ScoreMod intMod = (s, b, h, m, n) -> m.sub(n);
        ScoreMod floatMod = (s, b, h, m, n) -> m.sub(n).to(DType.FLOAT32);
        assertArrayEquals(FlexAttention.flexAttention(q, k, v, floatMod, null).toDoubleArray(),
            FlexAttention.flexAttention(q, k, v, intMod, null).toDoubleArray(), 0);
        // a score of another shape
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(q,
            k, v, (s, b, h, m, n) -> s.unsqueeze(-1), null));
        assertEquals("score_mod must return a tensor broadcastable to the scores' shape [1, 2, 12, 12] (one value per b, "
            + "h, q_idx, kv_idx), got [1, 2, 12, 12, 1]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(q, k, v,
            (s, b, h, m, n) -> s.narrow(3, 0, 2), null));
        assertTrue(e.getMessage().contains("score_mod"), e.getMessage());
        // a mask of another shape, or not bool
        e = assertThrows(IllegalArgumentException.class, () -> FlexAttention.createBlockMask(
            (b, h, m, n) -> m.ge(n).unsqueeze(0), null, null, 12, 12));
        assertTrue(e.getMessage().contains("mask_mod"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlexAttention.createMask(
            (b, h, m, n) -> m.ge(n).narrow(3, 0, 2), null, null, 12, 12));
        assertTrue(e.getMessage().contains("mask_mod"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.createMask((b, h, m, n) -> m.sub(n), 1, 1, 4, 4));
        // a mod that throws: its exception, nothing recorded
        IllegalStateException boom = new IllegalStateException("boom");
        assertEquals(boom, assertThrows(IllegalStateException.class, () -> FlexAttention.flexAttention(q, k, v,
            (s, b, h, m, n) -> {
                throw boom;
            }, null)));
        assertArrayEquals(before, q.toDoubleArray(), 0);
        assertNull(q.grad());
        // sizes and block sizes
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.createBlockMask(CAUSAL, null, null, 4, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.createBlockMask(CAUSAL, null, null, -1, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.createBlockMask(null, null, null, 4, 4, 2));
        assertThrows(IllegalArgumentException.class,
            () -> FlexAttention.createBlockMask(CAUSAL, null, null, Integer.MAX_VALUE, Integer.MAX_VALUE, 128));
        assertThrows(IllegalArgumentException.class,
            () -> FlexAttention.createBlockMask(CAUSAL, null, null, Integer.MAX_VALUE - 3, 1, 1 << 30));
        // and_masks() and or_masks() of nothing: all true, all false
        assertEquals(16.0, FlexAttention.createMask(FlexAttention.andMasks(), null, null, 4, 4).to(DType.FLOAT64)
            .sum().item());
        assertEquals(0.0, FlexAttention.createMask(FlexAttention.orMasks(), null, null, 4, 4).to(DType.FLOAT64)
            .sum().item());
        // inputs PyTorch refuses
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(q, k, v.narrow(0, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(q.detach().to(DType.INT64),
            k.to(DType.INT64), v.to(DType.INT64)));
        assertThrows(IllegalArgumentException.class, () -> FlexAttention.flexAttention(q, k.to(DType.FLOAT64), v));
        assertArrayEquals(before, q.toDoubleArray(), 0);
    }
}
