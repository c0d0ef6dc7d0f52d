package dev.ember;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A pair of pack and unpack hooks for the tensors autograd saves for the backward pass, in force on this thread while
 * the scope is open, as PyTorch's {@code torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook)}. Open one
 * with {@link Autograd#savedTensorsHooks}:
 *
 * <pre>{@code
 * try (SavedTensorsHooks h = Autograd.savedTensorsHooks(t -> t.cpu(), t -> t.to(Device.CUDA))) {
 *     loss = model.forward(x).sum();   // every tensor a node saves goes through pack
 * }
 * loss.backward();                      // and through unpack when the backward reads it
 * }</pre>
 *
 * <p>Every tensor an operation saves for its backward (the inputs and outputs its derivative formula reads, the
 * tensors a custom {@link AutogradFunction} saves) is passed to {@code pack} when it is saved, with autograd off; the
 * node keeps what pack returns instead of the tensor. When the backward needs the tensor, {@code unpack} is called with
 * that object and must return a tensor with the same content (size, type and device) as the one packed. As in PyTorch
 * 2.x, a tensor wrapping a Java number (the {@code 2} of {@code x.mul(2)}) is saved without the hooks. Rules, as
 * PyTorch's {@code SavedVariable}:
 * <ul>
 *   <li>scopes nest and the innermost pair wins; they belong to the thread that opened them;</li>
 *   <li>pack must not change its input in place ({@code A saved tensor pack hook is modifying its input in place. ...});</li>
 *   <li>a tensor saved through hooks is not checked for in-place changes when unpacked (the hooks own its content);</li>
 *   <li>unpack returning null fails ({@code Output of saved tensor unpack_hook expected to be a Tensor but got result
 *   of type NoneType}); the tensor it returns takes the saved tensor's place in the graph (its history, or a leaf's
 *   gradient accumulator), so a graph made with {@code createGraph} still reaches it;</li>
 *   <li>after a backward pass that does not retain the graph the packed objects are dropped, and a second backward is
 *   PyTorch's error;</li>
 *   <li>{@link Autograd#disableSavedTensorsHooks(String)} forbids opening hooks (and refuses to open while some are in
 *   force), with the caller's message.</li>
 * </ul>
 * Closing restores the hooks that were in force when the scope opened; close scopes in the reverse order of opening
 * (try-with-resources does). {@link Autograd#saveOnCpu(boolean)} is such a pair that keeps saved tensors on the CPU.
 */
public final class SavedTensorsHooks implements AutoCloseable {
    private static final ThreadLocal<List<SavedTensorsHooks>> STACK = ThreadLocal.withInitial(ArrayList::new);
    /** This thread's message while hooks are disabled ({@code disabled_error_message}); null while allowed. */
    private static final ThreadLocal<String> DISABLED = new ThreadLocal<>();

    final Function<Tensor, Object> pack;
    final Function<Object, Tensor> unpack;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private SavedTensorsHooks(Function<Tensor, Object> pack, Function<Object, Tensor> unpack) {
        this.pack = pack;
        this.unpack = unpack;
    }

    /** Pushes a pair on this thread's stack, unless hooks are disabled here (then PyTorch's error, the caller's message). */
    @SuppressWarnings("unchecked")
    static <P> SavedTensorsHooks push(Function<? super Tensor, ? extends P> pack,
                                      Function<? super P, ? extends Tensor> unpack) {
        Args.require(pack, "saved_tensors_hooks", "pack_hook", 1, "Callable");
        Args.require(unpack, "saved_tensors_hooks", "unpack_hook", 2, "Callable");
        String message = DISABLED.get();
        if (message != null) {
            throw new IllegalStateException(message);
        }
        SavedTensorsHooks h = new SavedTensorsHooks(t -> pack.apply(t), o -> unpack.apply((P) o));
        STACK.get().add(h);
        return h;
    }

    /** The innermost pair in force on this thread, or null (none open, or hooks disabled). */
    static SavedTensorsHooks current() {
        List<SavedTensorsHooks> stack = STACK.get();
        return stack.isEmpty() || DISABLED.get() != null ? null : stack.get(stack.size() - 1);
    }

    /**
     * Removes this pair from its thread's stack (closing twice does nothing).
     *
     * @throws IllegalStateException on another thread than the one that opened it (nothing changes: the hooks stay in
     *     force on their thread until it closes them)
     */
    @Override
    public void close() {
        if (!closed) {
            ThreadOwner.check(owner, "A saved_tensors_hooks scope");
            closed = true;
            List<SavedTensorsHooks> stack = STACK.get();
            int i = stack.lastIndexOf(this);
            if (i >= 0) {
                stack.remove(i);
            }
        }
    }

    /** {@code save_on_cpu}'s packed form: the tensor's device, and its copy (or itself) on the CPU. */
    private record OnCpu(Device device, Tensor tensor) {
    }

    /** PyTorch's {@code save_on_cpu(pin_memory)} pack and unpack pair. */
    static SavedTensorsHooks saveOnCpu(boolean pinMemory) {
        return push(t -> {
            if (!pinMemory) {
                return new OnCpu(t.device(), t.cpu());
            }
            // torch.empty(size, dtype, pin_memory=cuda available).copy_(tensor): always a copy, pinned when it can be
            Tensor packed = Creation.empty(t.shape(), t.dtype(), Device.CPU);
            packed.copy_(t);
            return new OnCpu(t.device(), Ember.cudaAvailable() ? packed.pinMemory() : packed);
        }, (OnCpu p) -> p.tensor().to(p.device(), pinMemory));
    }

    /**
     * The scope of {@link Autograd#disableSavedTensorsHooks(String)}: while open, opening hooks on this thread fails
     * with its message; closing restores the state it found.
     */
    public static final class Disabled implements AutoCloseable {
        private final String previous;
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        Disabled(String message) {
            Args.require(message, "disable_saved_tensors_hooks", "error_message", 1, "str");
            previous = DISABLED.get();
            if (!STACK.get().isEmpty()) {
                // PyTorch sets the message, fails on the hooks in force, and its finally restores the previous state
                throw new IllegalStateException(message);
            }
            DISABLED.set(message);
        }

        /**
         * Restores whether hooks were allowed, and the message, that this scope found (closing twice does nothing).
         *
         * @throws IllegalStateException on another thread than the one that opened it (nothing changes)
         */
        @Override
        public void close() {
            if (!closed) {
                ThreadOwner.check(owner, "A disable_saved_tensors_hooks scope");
                closed = true;
                DISABLED.set(previous);
            }
        }
    }
}
