package dev.ember;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node's pre-hooks and post-hooks ({@link Node#registerPrehook}, {@link Node#registerHook}) and PyTorch's checks of
 * what a hook returns (python_hook.cpp's {@code check_result} and {@code check_single_result}, and
 * {@code check_variable_result}): as many values as it was given, no gradient where none was, and each replacement of
 * the type, device and size of the gradient it replaces, in PyTorch's words less the hook's Python name
 * ({@code hook 'name' has ...}: a Java lambda has none). Lists that hooks are iterated over while one runs may change
 * (a hook that removes itself): each run sees the hooks registered when it started.
 */
final class NodeHooks {
    final List<Node.PreHook> pre = new CopyOnWriteArrayList<>();
    final List<Node.PostHook> post = new CopyOnWriteArrayList<>();

    /** An unmodifiable list of {@code grads} (null entries kept). */
    static List<Tensor> view(Tensor[] grads) {
        return Collections.unmodifiableList(Arrays.asList(grads.clone()));
    }

    /** {@code grads} replaced by a hook's {@code result} (null: kept), after PyTorch's checks. */
    static void replace(Tensor[] grads, List<Tensor> result) {
        if (result == null) {
            return;
        }
        if (result.size() != grads.length) {
            throw new IllegalStateException("hook has returned an incorrect number of values (got " + result.size()
                    + ", but expected " + grads.length + ")");
        }
        for (int i = 0; i < grads.length; i++) {
            Tensor original = grads[i];
            Tensor value = result.get(i);
            if (value == null || value == original) {
                continue;
            }
            if (original == null) {
                throw new IllegalStateException("can't replace a None gradient with a non-None value");
            }
            if (value.dtype() != original.dtype() || !value.device().equals(original.device())) {
                throw new IllegalStateException("hook has changed the type of value (was " + original.type() + " got "
                        + value.type() + ")");
            }
            if (!Arrays.equals(value.shapeRef(), original.shapeRef())) {
                throw new IllegalStateException("hook has changed the size of value");
            }
        }
        for (int i = 0; i < grads.length; i++) {
            grads[i] = result.get(i);
        }
    }
}
