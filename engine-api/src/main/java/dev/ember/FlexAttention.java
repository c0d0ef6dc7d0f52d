package dev.ember;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * PyTorch 2.5's {@code torch.nn.attention.flex_attention}: attention whose scores a {@link ScoreMod} changes and a
 * {@link MaskMod} masks, both written as functions of the score and the batch, head, query and key indices. Computed as
 * PyTorch computes it outside {@code torch.compile} ({@code math_attention} in torch/_higher_order_ops/flex_attention.py):
 * the whole score matrix in float32 (float64 for float64 inputs), {@code scores * scale}, then
 * {@code where(mask_mod(b, h, q_idx, kv_idx), score_mod(scores, b, h, q_idx, kv_idx), -inf)}, {@code _safe_softmax}
 * (a query whose every key is masked gives zeros), cast to the query's type and multiplied with the values; the
 * log-sum-exp of each row ({@code -inf} for a fully masked one) on request. Grouped-query attention repeats each key and
 * value head for its group of query heads ({@code repeat_interleave}), as PyTorch's.
 *
 * <p>The mods are called once, on broadcastable index tensors (int64 {@code b} of shape {@code [B, 1, 1, 1]}, {@code h}
 * {@code [1, H, 1, 1]}, {@code q_idx} {@code [1, 1, Q, 1]}, {@code kv_idx} {@code [1, 1, 1, KV]}) and the whole score
 * tensor, where PyTorch vmaps them over scalars: the same values for mods made of elementwise operations and indexing of
 * captured tensors by the indices ({@code bias[h]}, {@code document_id[q_idx] == document_id[kv_idx]}), the patterns of
 * PyTorch's documentation. Where that call throws or gives a result that does not broadcast to the scores' shape (a mod
 * that reads a gathered row as vmap presents it, {@code interval[0]} or {@code torch.dot} of two rows), the mod is
 * evaluated element by element on 0-dim index tensors and scores, as 2.x's vmap evaluates it (one call per element:
 * slow, but PyTorch's values). A mod that gives a broadcastable result of other values on whole tensors than per
 * element (one that reduces over its arguments) is not detected.
 *
 * <p>Autograd: one node, {@code FlexAttentionAutogradOpBackward}, over query, key and value (its backward recomputes the
 * attention, as PyTorch's), unless a mod uses a tensor that requires grad (a learned bias): then the composition's own
 * nodes record it, so that tensor gets its gradient (PyTorch traces such tensors into the node's inputs). The
 * log-sum-exp has no gradient.
 */
public final class FlexAttention {
    /** PyTorch's {@code _DEFAULT_SPARSE_BLOCK_SIZE}. */
    public static final int DEFAULT_BLOCK_SIZE = 128;

    private FlexAttention() {
    }

    /** A score modification: the new scores, given the scores and the indices (all broadcastable to one another). */
    @FunctionalInterface
    public interface ScoreMod {
        /** The modified scores. */
        Tensor apply(Tensor score, Tensor b, Tensor h, Tensor qIdx, Tensor kvIdx);
    }

    /** A mask: true where a query may attend to a key (a bool tensor broadcastable to the indices' shape). */
    @FunctionalInterface
    public interface MaskMod {
        /** Whether query {@code qIdx} of batch {@code b}, head {@code h} attends to key {@code kvIdx}. */
        Tensor apply(Tensor b, Tensor h, Tensor qIdx, Tensor kvIdx);
    }

    /** PyTorch's {@code noop_mask}: every query attends to every key. */
    public static final MaskMod NOOP_MASK = (b, h, q, kv) -> bool(true, q.device());

    /** A 0-dim bool tensor on {@code device}. */
    private static Tensor bool(boolean value, Device device) {
        Tensor t = value ? Tensor.ones(DType.BOOL) : Tensor.zeros(DType.BOOL);
        return device.isCpu() ? t : t.to(device);
    }

    /** The output and, for {@link #flexAttentionWithLse}, each query row's log-sum-exp ({@code [B, H, Q]}). */
    public record Result(Tensor output, Tensor lse) {
    }

    /** {@code and_masks(*mods)}: true where every mod is. */
    public static MaskMod andMasks(MaskMod... mods) {
        MaskMod[] ms = checkedMods(mods, "and_masks");
        return (b, h, q, kv) -> {
            Tensor out = bool(true, q.device());
            for (MaskMod m : ms) {
                out = out.logicalAnd(m.apply(b, h, q, kv));
            }
            return out;
        };
    }

    /** {@code or_masks(*mods)}: true where any mod is. */
    public static MaskMod orMasks(MaskMod... mods) {
        MaskMod[] ms = checkedMods(mods, "or_masks");
        return (b, h, q, kv) -> {
            Tensor out = bool(false, q.device());
            for (MaskMod m : ms) {
                out = out.logicalOr(m.apply(b, h, q, kv));
            }
            return out;
        };
    }

    private static MaskMod[] checkedMods(MaskMod[] mods, String fn) {
        Args.require(mods, fn, "mod_fns", 1, "Callable");
        for (MaskMod m : mods) {
            if (m == null) {
                throw new IllegalArgumentException("All mask_mods should be callable, got null in " + fn);
            }
        }
        return mods.clone();
    }

    /**
     * {@code create_mask(mod_fn, B, H, Q_LEN, KV_LEN)}: the mask as a dense bool tensor {@code [B, H, Q_LEN, KV_LEN]}
     * (a null {@code B} or {@code H} is 1).
     */
    public static Tensor createMask(MaskMod mod, Integer batch, Integer heads, int qLen, int kvLen) {
        Args.require(mod, "create_mask", "mod_fn", 1, "Callable");
        return denseMask(mod, batch == null ? 1 : batch, heads == null ? 1 : heads, qLen, kvLen, Device.CPU);
    }

    private static Tensor denseMask(MaskMod mod, int batch, int heads, int qLen, int kvLen, Device device) {
        if (batch < 0 || heads < 0 || qLen < 0 || kvLen < 0) {
            throw new IllegalArgumentException("create_mask: sizes must be non-negative, got B=" + batch + ", H=" + heads
                    + ", Q_LEN=" + qLen + ", KV_LEN=" + kvLen);
        }
        Tensor[] idx = indices(batch, heads, qLen, kvLen, device);
        try (GradMode off = Ember.noGrad()) {
            Tensor m = maskValues(mod, idx, new int[] {batch, heads, qLen, kvLen});
            return m.expand(batch, heads, qLen, kvLen).contiguous();
        }
    }

    /**
     * Refuses a mod's result that does not broadcast to the scores' shape (under PyTorch's vmap each call returns one
     * element; here the result must broadcast to {@code [B, H, Q, KV]} without growing it).
     */
    private static void checkBroadcastable(Tensor t, int[] shape, String mod) {
        int[] got = t.shape();
        boolean ok = got.length <= shape.length;
        for (int i = 1; ok && i <= got.length; i++) {
            int g = got[got.length - i];
            ok = g == 1 || g == shape[shape.length - i];
        }
        if (!ok) {
            throw new IllegalArgumentException(mod + " must return a tensor broadcastable to the scores' shape "
                    + Shapes.str(shape) + " (one value per b, h, q_idx, kv_idx), got " + Shapes.str(got));
        }
    }

    /**
     * The mask mod's values: one call on the broadcast index tensors; where that call throws, or gives a result that
     * does not broadcast to {@code shape}, the mod is evaluated element by element on 0-dim index tensors, as 2.x's
     * vmap presents it (a mod indexing a gathered row, {@code interval[0]}, or reducing one, {@code torch.dot}, gets
     * PyTorch's value there). Where both fail, the broadcast call's error is reported.
     */
    private static Tensor maskValues(MaskMod mod, Tensor[] idx, int[] shape) {
        RuntimeException failure;
        try {
            Tensor m = mod.apply(idx[0], idx[1], idx[2], idx[3]);
            checkMask(m);
            checkBroadcastable(m, shape, "mask_mod");
            return m;
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            return perElement(shape, idx[0].device(), (at, ix) -> {
                Tensor m = mod.apply(at[0], at[1], at[2], at[3]);
                checkMask(m);
                return m;
            });
        } catch (RuntimeException e) {
            throw failure;
        }
    }

    /** {@link #maskValues}' rule for the score mod, each element's score the 0-dim element of {@code scores}. */
    private static Tensor scoreValues(ScoreMod mod, Tensor scores, Tensor[] idx, int[] shape) {
        RuntimeException failure;
        try {
            Tensor r = mod.apply(scores, idx[0], idx[1], idx[2], idx[3]);
            if (r == null) {
                throw new IllegalArgumentException("score_mod must return a tensor, got null");
            }
            checkBroadcastable(r, shape, "score_mod");
            return r;
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            return perElement(shape, idx[0].device(), (at, ix) -> {
                Tensor score = scores.select(0, (int) ix[0]).select(0, (int) ix[1]).select(0, (int) ix[2])
                        .select(0, (int) ix[3]);
                Tensor r = mod.apply(score, at[0], at[1], at[2], at[3]);
                if (r == null) {
                    throw new IllegalArgumentException("score_mod must return a tensor, got null");
                }
                return r;
            });
        } catch (RuntimeException e) {
            throw failure;
        }
    }

    private static void checkMask(Tensor m) {
        if (m == null || m.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("mask_mod must return a bool tensor, got "
                    + (m == null ? "null" : m.dtype().toString()));
        }
    }

    /** A mod at one element: its 0-dim int64 index tensors and the same indices as numbers. */
    private interface ElementFn {
        Tensor apply(Tensor[] at, long[] ix);
    }

    /**
     * {@code f} at every (b, h, q_idx, kv_idx) of {@code shape}, given 0-dim int64 index tensors and the same indices as
     * numbers, each result one element, stacked into {@code shape}.
     */
    private static Tensor perElement(int[] shape, Device device, ElementFn f) {
        long n = (long) shape[0] * shape[1] * shape[2] * shape[3];
        java.util.List<Tensor> out = new java.util.ArrayList<>();
        for (long i = 0; i < n; i++) {
            long rest = i;
            long[] ix = new long[4];
            Tensor[] at = new Tensor[4];
            for (int d = 3; d >= 0; d--) {
                ix[d] = rest % shape[d];
                rest /= shape[d];
            }
            for (int d = 0; d < 4; d++) {
                Tensor t = Tensor.full(DType.INT64, ix[d]);
                at[d] = device.isCpu() ? t : t.to(device);
            }
            Tensor r = f.apply(at, ix);
            if (r.dim() != 0) {
                throw new IllegalArgumentException("a mod must return one value per (b, h, q_idx, kv_idx), got a tensor of "
                        + "shape " + Shapes.str(r.shape()));
            }
            out.add(r);
        }
        if (out.isEmpty()) {
            return Tensor.zeros(DType.BOOL, shape);
        }
        return Tensor.stack(out, 0).reshape(shape);
    }

    /** The int64 index tensors b, h, q_idx, kv_idx, shaped to broadcast against {@code [B, H, Q, KV]}. */
    private static Tensor[] indices(int batch, int heads, int qLen, int kvLen, Device device) {
        return new Tensor[] {
            index(batch, device).view(batch, 1, 1, 1),
            index(heads, device).view(1, heads, 1, 1),
            index(qLen, device).view(1, 1, qLen, 1),
            index(kvLen, device).view(1, 1, 1, kvLen)};
    }

    private static Tensor index(int n, Device device) {
        Tensor t = Creation.arange(0L, n, 1L, DType.INT64);
        return device.isCpu() ? t : t.to(device);
    }

    /** {@link #createBlockMask(MaskMod, Integer, Integer, int, int, int)} with PyTorch's block size, 128. */
    public static BlockMask createBlockMask(MaskMod mod, Integer batch, Integer heads, int qLen, int kvLen) {
        return createBlockMask(mod, batch, heads, qLen, kvLen, DEFAULT_BLOCK_SIZE);
    }

    /**
     * {@code create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, BLOCK_SIZE=blockSize)}: the mask evaluated densely, padded
     * with false to whole blocks, and summarized per block as 2.5's {@code _convert_mask_to_block_mask} does: blocks
     * wholly true are full ({@code full_kv_num_blocks}, {@code full_kv_indices}), blocks partly true are partial
     * ({@code kv_num_blocks}, {@code kv_indices}: each row's block columns, those counted first in ascending order, as
     * {@code argsort(descending=True, stable=True)} gives them), and their transposes for the queries.
     */
    public static BlockMask createBlockMask(MaskMod mod, Integer batch, Integer heads, int qLen, int kvLen, int blockSize) {
        Args.require(mod, "create_block_mask", "mask_mod", 1, "Callable");
        if (blockSize <= 0) {
            throw new IllegalArgumentException("create_block_mask: BLOCK_SIZE must be positive, got " + blockSize);
        }
        int bs = batch == null ? 1 : batch;
        int hs = heads == null ? 1 : heads;
        Tensor mask = denseMask(mod, bs, hs, qLen, kvLen, Device.CPU);
        try (GradMode off = Ember.noGrad()) {
            int qBlocks = (int) ((qLen + (long) blockSize - 1) / blockSize);
            int kvBlocks = (int) ((kvLen + (long) blockSize - 1) / blockSize);
            Tensor padded = Creation.zeros(new int[] {bs, hs, qBlocks * blockSize, kvBlocks * blockSize}, DType.BOOL,
                    Device.CPU);
            padded.narrow(2, 0, qLen).narrow(3, 0, kvLen).copy_(mask);
            Tensor sums = padded.to(DType.INT64).view(bs, hs, qBlocks, blockSize, kvBlocks, blockSize)
                    .permute(0, 1, 2, 4, 3, 5).sum(new int[] {4, 5}, false);
            long whole = (long) blockSize * blockSize;
            Tensor full = sums.eq(whole).to(DType.INT32);
            Tensor partial = sums.gt(0).logicalAnd(sums.lt(whole)).to(DType.INT32);
            return new BlockMask(partial, full, mod, qLen, kvLen, blockSize);
        }
    }

    /** Each row's count of ones and the columns, ones first (ascending), as 2.5's {@code _dense_to_ordered}. */
    static Tensor[] denseToOrdered(Tensor dense) {
        Tensor d = dense.to(DType.INT32);
        Tensor counts = d.sum(new int[] {-1}, false).to(DType.INT32).contiguous();
        Tensor cols = d.argsort(-1, true, true).to(DType.INT32).contiguous();
        return new Tensor[] {counts, cols};
    }

    /**
     * A block mask, PyTorch 2.5's {@code BlockMask}: the partial and full blocks of a mask per row of query blocks and
     * per column of key blocks, the block size, the mask function and the sequence lengths.
     */
    public static final class BlockMask {
        private final Tensor partial;
        private final Tensor full;
        private final MaskMod maskMod;
        private final int qLen;
        private final int kvLen;
        private final int blockSize;
        private final Tensor[] kv;
        private final Tensor[] fullKv;
        private final Tensor[] q;
        private final Tensor[] fullQ;

        BlockMask(Tensor partial, Tensor full, MaskMod maskMod, int qLen, int kvLen, int blockSize) {
            this.partial = partial;
            this.full = full;
            this.maskMod = maskMod;
            this.qLen = qLen;
            this.kvLen = kvLen;
            this.blockSize = blockSize;
            this.kv = denseToOrdered(partial);
            this.fullKv = denseToOrdered(full);
            this.q = denseToOrdered(partial.transpose(-2, -1));
            this.fullQ = denseToOrdered(full.transpose(-2, -1));
        }

        /** {@code kv_num_blocks}: partial key blocks per query block, int32 {@code [B, H, Q_BLOCKS]}. */
        public Tensor kvNumBlocks() {
            return kv[0];
        }

        /** {@code kv_indices}: their columns first, int32 {@code [B, H, Q_BLOCKS, KV_BLOCKS]}. */
        public Tensor kvIndices() {
            return kv[1];
        }

        /** {@code full_kv_num_blocks}: full key blocks per query block. */
        public Tensor fullKvNumBlocks() {
            return fullKv[0];
        }

        /** {@code full_kv_indices}. */
        public Tensor fullKvIndices() {
            return fullKv[1];
        }

        /** {@code q_num_blocks}: partial query blocks per key block. */
        public Tensor qNumBlocks() {
            return q[0];
        }

        /** {@code q_indices}. */
        public Tensor qIndices() {
            return q[1];
        }

        /** {@code full_q_num_blocks}. */
        public Tensor fullQNumBlocks() {
            return fullQ[0];
        }

        /** {@code full_q_indices}. */
        public Tensor fullQIndices() {
            return fullQ[1];
        }

        /** {@code BLOCK_SIZE}: the query and key block sizes. */
        public int[] blockSize() {
            return new int[] {blockSize, blockSize};
        }

        /** The mask function. */
        public MaskMod maskMod() {
            return maskMod;
        }

        /** {@code shape}: {@code (B, H, Q_LEN, KV_LEN)}. */
        public int[] shape() {
            return new int[] {partial.size(0), partial.size(1), qLen, kvLen};
        }

        /** {@code to_dense()}: 1 for every block computed (partial or full), int32 {@code [B, H, Q_BLOCKS, KV_BLOCKS]}. */
        public Tensor toDense() {
            return partial.logicalOr(full).to(DType.INT32);
        }

        /**
         * {@code sparsity()}: the percentage of the {@code B H Q_LEN KV_LEN} positions in blocks not computed.
         *
         * @throws IllegalArgumentException for a mask of no positions (PyTorch's {@code ZeroDivisionError: float
         *     division by zero})
         */
        public double sparsity() {
            double total = (double) partial.size(0) * partial.size(1) * qLen * kvLen;
            if (total == 0) {
                throw new IllegalArgumentException("float division by zero");
            }
            double computed = (kv[0].sum().item() + fullKv[0].sum().item()) * blockSize * blockSize;
            return 100 * (1 - computed / total);
        }
    }

    /** {@code flex_attention(query, key, value)}: plain attention. */
    public static Tensor flexAttention(Tensor query, Tensor key, Tensor value) {
        return flexAttention(query, key, value, null, null, null, false);
    }

    /** {@code flex_attention(query, key, value, score_mod, block_mask)} (either may be null). */
    public static Tensor flexAttention(Tensor query, Tensor key, Tensor value, ScoreMod scoreMod, BlockMask blockMask) {
        return flexAttention(query, key, value, scoreMod, blockMask, null, false);
    }

    /**
     * {@code flex_attention(query, key, value, score_mod, block_mask, scale, enable_gqa)}: query {@code [B, Hq, L, E]},
     * key {@code [B, Hkv, S, E]}, value {@code [B, Hkv, S, Ev]}; {@code scale} null is {@code 1 / sqrt(E)}.
     *
     * @return the output, {@code [B, Hq, L, Ev]}
     * @throws IllegalArgumentException for inputs that are not 4-D, of different batch sizes, heads or embedding
     *     sizes, and for a block mask made for other lengths (PyTorch's checks)
     */
    public static Tensor flexAttention(Tensor query, Tensor key, Tensor value, ScoreMod scoreMod, BlockMask blockMask,
                                       Double scale, boolean enableGqa) {
        return run(query, key, value, scoreMod, blockMask, scale, enableGqa, false).output();
    }

    /** {@link #flexAttention(Tensor, Tensor, Tensor, ScoreMod, BlockMask, Double, boolean)} with {@code return_lse=True}. */
    public static Result flexAttentionWithLse(Tensor query, Tensor key, Tensor value, ScoreMod scoreMod,
                                              BlockMask blockMask, Double scale, boolean enableGqa) {
        return run(query, key, value, scoreMod, blockMask, scale, enableGqa, true);
    }

    private static Result run(Tensor query, Tensor key, Tensor value, ScoreMod scoreMod, BlockMask blockMask,
                              Double scale, boolean enableGqa, boolean withLse) {
        Args.require(query, "flex_attention", "query", 1, "Tensor");
        Args.require(key, "flex_attention", "key", 2, "Tensor");
        Args.require(value, "flex_attention", "value", 3, "Tensor");
        if (query.dim() != 4 || key.dim() != 4 || value.dim() != 4) {
            throw new IllegalArgumentException("NYI: query, key, and value must be 4D tensors");
        }
        if (query.size(0) != key.size(0) || key.size(0) != value.size(0)) {
            throw new IllegalArgumentException("Expect query, key, and value to have the same batch size, but got "
                    + "query.size(0)=" + query.size(0) + ", key.size(0)=" + key.size(0) + ", value.size(0)="
                    + value.size(0) + ".");
        }
        int hq = query.size(1);
        int hkv = key.size(1);
        if (value.size(1) != hkv || key.size(2) != value.size(2)) {
            throw new IllegalArgumentException("Expect key and value to have the same number of heads and sequence "
                    + "length, but got key " + Shapes.str(key.shape()) + " and value " + Shapes.str(value.shape()) + ".");
        }
        if (!enableGqa && hq != hkv) {
            throw new IllegalArgumentException("Expect query and key/value to have the same number of heads but got Hq="
                    + hq + " and Hkv=" + hkv + ". Try setting enable_gqa=True for GQA.");
        }
        if (enableGqa && (hkv == 0 || hq % hkv != 0)) {
            throw new IllegalArgumentException("Expect number of query heads to be a multiple of kv heads for GQA but got "
                    + "Hq=" + hq + " and Hkv=" + hkv + ".");
        }
        if (query.size(3) != key.size(3)) {
            throw new IllegalArgumentException("Expect query and key to have the same embedding dimension but got E="
                    + query.size(3) + " and E=" + key.size(3) + ".");
        }
        if (!query.dtype().isFloatingPoint() || key.dtype() != query.dtype() || value.dtype() != query.dtype()) {
            throw new IllegalArgumentException("Expected query, key, and value to have the same floating dtype, but got "
                    + "query.dtype: " + query.dtype() + ", key.dtype: " + key.dtype() + ", and value.dtype: "
                    + value.dtype() + " instead.");
        }
        if (blockMask != null && (blockMask.qLen != query.size(2) || blockMask.kvLen != key.size(2))) {
            throw new IllegalArgumentException("block_mask was created for block_mask.shape="
                    + Arrays.toString(blockMask.shape()) + " but got q_len=" + query.size(2) + " and kv_len="
                    + key.size(2) + ".");
        }
        double s = scale != null ? scale : 1.0 / Math.sqrt(query.size(3));
        MaskMod mask = blockMask == null ? NOOP_MASK : blockMask.maskMod;
        Tensor[] lse = new Tensor[1];
        long start = Node.nextSequenceNr();
        Tensor out = math(query, key, value, scoreMod, mask, s, lse);
        Tensor lseOut = withLse ? lse[0].detach() : null;
        if (out.gradFn() == null || capturesGradients(out.gradFn(), start, query, key, value)) {
            return new Result(out, lseOut);
        }
        Tensor[] inputs = {query, key, value};
        Tensor fused = LinalgCompat.recordRecomputed(out.detach(), "FlexAttentionAutogradOpBackward", inputs,
                xs -> math(xs[0], xs[1], xs[2], scoreMod, mask, s, new Tensor[1]));
        return new Result(fused, lseOut);
    }

    /** PyTorch's {@code math_attention} (see the class comment); {@code lse[0]} receives the log-sum-exp. */
    private static Tensor math(Tensor query, Tensor key, Tensor value, ScoreMod scoreMod, MaskMod mask, double scale,
                               Tensor[] lse) {
        DType working = query.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
        int groups = query.size(1) / Math.max(1, key.size(1));
        Tensor k = key;
        Tensor v = value;
        if (groups != 1) {
            k = k.repeatInterleave(groups, 1);
            v = v.repeatInterleave(groups, 1);
        }
        Tensor scores = query.matmul(k.transpose(-2, -1)).to(working);
        int[] shape = scores.shape();
        Tensor[] idx = indices(shape[0], shape[1], shape[2], shape[3], query.device());
        scores = scores.mul(scale).to(working);
        Tensor allowed = maskValues(mask, idx, shape);
        Tensor modded = scoreMod == null ? scores : scoreValues(scoreMod, scores, idx, shape);
        Tensor post = Tensor.where(allowed, modded, Double.NEGATIVE_INFINITY).expand(shape);
        try (GradMode off = Ember.noGrad()) {
            Tensor l = post.logsumexp(new int[] {-1}, false);
            Tensor maskedRows = post.eq(Double.NEGATIVE_INFINITY).all(new int[] {-1}, false);
            l = Tensor.where(maskedRows, Double.NEGATIVE_INFINITY, l);
            double ln2 = Math.log(2);
            lse[0] = l.div(ln2).mul(ln2); // the op returns lse / ln 2 and flex_attention multiplies it back
        }
        Tensor probs = AttentionOps.safeSoftmax(post, -1);
        return probs.to(query.dtype()).matmul(v);
    }

    /**
     * Whether the graph of {@code root} reaches a tensor other than the query, key and value that requires grad (a
     * tensor a mod captured): an accumulator of another leaf, or a node older than the call that is not theirs.
     */
    private static boolean capturesGradients(Node root, long start, Tensor... inputs) {
        Set<Node> known = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : inputs) {
            if (t.requiresGrad()) {
                known.add(t.gradNode() != null ? t.gradNode() : t.gradAccumulator());
            }
        }
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (!seen.add(n) || known.contains(n)) {
                continue;
            }
            if (n instanceof Node.AccumulateGrad || n.sequenceNr < start) {
                return true;
            }
            for (Node m : n.next) {
                if (m != null) {
                    stack.push(m);
                }
            }
        }
        return false;
    }
}
