package dev.ember.nn.utils;

import dev.ember.OpInterception;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Selective activation checkpointing, as PyTorch 2.4's {@code torch.utils.checkpoint.create_selective_checkpoint_contexts}:
 * a policy chooses, op by op, which outputs the non-reentrant checkpoint keeps from the forward instead of recomputing
 * them in the backward.
 *
 * <pre>{@code
 * Tensor out = Checkpoint.checkpointNonReentrant(fn, true, "default",
 *         () -> SelectiveCheckpoint.createSelectiveCheckpointContexts(List.of("aten.mm.default")), x, y);
 * }</pre>
 *
 * <p>As 2.x: in the forward, the policy is asked for each op ({@code isRecompute()} false) and the outputs of the
 * {@code *_SAVE} ones are kept (detached) in order, per op; in the recomputation the policy is asked again
 * ({@code isRecompute()} true) and a {@code *_SAVE} op hands back its kept output instead of running (refused when
 * none was kept: {@code <op> encountered during backward, but not found in storage}); the others run. A kept output
 * changed in place since is refused ({@code Tensor cached during selective activation checkpoint has been mutated})
 * unless {@code allowCacheEntryMutation}. A list of op names is the policy {@code MUST_SAVE} for those and
 * {@code PREFER_RECOMPUTE} for the rest. Values and gradients equal plain checkpointing's.
 *
 * <p>Ember has no dispatcher: the ops a policy sees are {@link OpInterception#OPS} (the matrix products, by PyTorch's
 * overload names); every other op is recomputed, as under {@code PREFER_RECOMPUTE}, and naming one in the op list is
 * refused. Ember's checkpoint recomputes once per graph and keeps what it recomputed, so a second backward with a
 * retained graph does not recompute (2.x recomputes, and then refuses: "Trying to backward an extra time").
 */
public final class SelectiveCheckpoint {
    private SelectiveCheckpoint() {
    }

    /** What the policy is told besides the op: whether this is the recomputation, as 2.x's {@code SelectiveCheckpointContext}. */
    public static final class Context {
        private final boolean recompute;

        Context(boolean recompute) {
            this.recompute = recompute;
        }

        /**
         * Whether the op runs in the backward's recomputation (false in the forward), as {@code ctx.is_recompute}.
         *
         * @return true in the recomputation
         */
        public boolean isRecompute() {
            return recompute;
        }
    }

    /** A policy, as 2.x's {@code policy_fn(ctx, op, *args)}. */
    @FunctionalInterface
    public interface PolicyFn {
        /**
         * The policy for one op call.
         *
         * @param ctx whether this is the recomputation
         * @param op the op's PyTorch overload name ({@code aten.mm.default})
         * @param args its tensor arguments
         * @return the policy (null counts as recompute, as 2.x's test of the value)
         */
        CheckpointPolicy apply(Context ctx, String op, Tensor... args);
    }

    /**
     * {@link #createSelectiveCheckpointContexts(PolicyFn, boolean)} refusing mutated kept outputs.
     *
     * @param policy the policy
     * @return the forward and recomputation contexts, for {@code context_fn}
     * @throws IllegalArgumentException for a null policy (2.x's message)
     */
    public static CheckpointContexts createSelectiveCheckpointContexts(PolicyFn policy) {
        return createSelectiveCheckpointContexts(policy, false);
    }

    /**
     * The contexts of selective checkpointing with a policy, as {@code create_selective_checkpoint_contexts(policy_fn,
     * allow_cache_entry_mutation)}; call it in the {@code contextFn} of
     * {@link Checkpoint#checkpointNonReentrant(java.util.function.Function, boolean, String,
     * java.util.function.Supplier, Tensor...)} so each checkpointed call gets its own storage.
     *
     * @param policy the policy
     * @param allowCacheEntryMutation whether a kept output changed in place may be handed back
     * @return the forward and recomputation contexts
     * @throws IllegalArgumentException for a null policy (2.x's message)
     */
    public static CheckpointContexts createSelectiveCheckpointContexts(PolicyFn policy, boolean allowCacheEntryMutation) {
        if (policy == null) {
            throw new IllegalArgumentException("policy_fn_or_list must be either a function or a list of ops.");
        }
        Map<String, List<Kept>> storage = new HashMap<>();
        OpInterception.Mode caching = (op, args, compute) -> {
            CheckpointPolicy p = policy.apply(new Context(false), op, args);
            Tensor out = compute.get();
            if (p != null && p.saves()) {
                Tensor kept = out.detach();
                storage.computeIfAbsent(op, k -> new ArrayList<>()).add(new Kept(kept, kept.version()));
            }
            return out;
        };
        OpInterception.Mode cached = (op, args, compute) -> {
            CheckpointPolicy p = policy.apply(new Context(true), op, args);
            if (p != null && p.saves()) {
                List<Kept> kept = storage.get(op);
                if (kept == null) {
                    throw new IllegalStateException(op + " encountered during backward, but not found in storage");
                }
                if (kept.isEmpty()) {
                    throw new IllegalStateException("Trying to backward an extra time. You are only allowed to backward "
                            + "once on any region computed under selective activation checkpoint.");
                }
                Kept k = kept.remove(0);
                if (!allowCacheEntryMutation && k.value.version() != k.version) {
                    throw new IllegalStateException("Tensor cached during selective activation checkpoint has been "
                            + "mutated");
                }
                return k.value.detach();
            }
            return compute.get();
        };
        return new CheckpointContexts(() -> OpInterception.enter(caching)::close,
                () -> OpInterception.enter(cached)::close);
    }

    /**
     * {@link #createSelectiveCheckpointContexts(List, boolean)} refusing mutated kept outputs.
     *
     * @param ops the ops to keep, by PyTorch's overload names
     * @return the forward and recomputation contexts
     * @throws IllegalArgumentException for a null list, or an op not in {@link OpInterception#OPS}
     */
    public static CheckpointContexts createSelectiveCheckpointContexts(List<String> ops) {
        return createSelectiveCheckpointContexts(ops, false);
    }

    /**
     * The contexts of selective checkpointing keeping the outputs of {@code ops} ({@code MUST_SAVE}) and recomputing the
     * rest ({@code PREFER_RECOMPUTE}), as {@code create_selective_checkpoint_contexts(op_list, ...)}.
     *
     * @param ops the ops to keep, by PyTorch's overload names ({@code "aten.mm.default"})
     * @param allowCacheEntryMutation whether a kept output changed in place may be handed back
     * @return the forward and recomputation contexts
     * @throws IllegalArgumentException for a null list (2.x's message), or an entry that is not one of
     *     {@link OpInterception#OPS} (2.x's words for an entry that is not an op overload)
     */
    public static CheckpointContexts createSelectiveCheckpointContexts(List<String> ops, boolean allowCacheEntryMutation) {
        if (ops == null) {
            throw new IllegalArgumentException("policy_fn_or_list must be either a function or a list of ops.");
        }
        List<String> copy = new ArrayList<>(ops);
        for (String op : copy) {
            if (op == null || !OpInterception.OPS.contains(op)) {
                // 2.x's hint for an OpOverloadPacket (torch.ops.aten.mm) where an overload (aten.mm.default) is meant
                String packet = op != null && OpInterception.OPS.contains(op + ".default")
                        ? "Please update the OpOverloadPacket to a specific OpOverload.For example, if you have "
                        + "`torch.ops.aten.mm`, change it to `torch.ops.aten.mm.default`. " : "";
                throw new IllegalArgumentException("Expected op in `op_list` to be an OpOverload but got: " + op + ". "
                        + packet + "(The ops Ember's selective checkpoint sees: " + String.join(", ", OpInterception.OPS)
                        + ")");
            }
        }
        return createSelectiveCheckpointContexts((ctx, op, args) -> copy.contains(op) ? CheckpointPolicy.MUST_SAVE
                : CheckpointPolicy.PREFER_RECOMPUTE, allowCacheEntryMutation);
    }

    /** A kept output and its version when kept (2.x's {@code _VersionWrapper}). */
    private record Kept(Tensor value, int version) {
    }
}
