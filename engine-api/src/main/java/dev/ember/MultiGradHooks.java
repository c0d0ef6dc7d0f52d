package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Consumer;

/**
 * PyTorch 2.x's {@code torch.autograd.graph.register_multi_grad_hook(tensors, fn, mode=...)}, built as torch/autograd/
 * graph.py builds it, from one tensor hook per tensor: with mode "all", {@code fn} is called once per backward pass
 * with the gradients of every tensor (null for one whose gradient the pass does not compute), after the last of the
 * tensors whose nodes the pass runs has had its gradient; with mode "any", {@code fn} is called once per pass with the
 * first of the tensors' gradients to be computed. Passes are told apart as PyTorch tells graph tasks apart, so a
 * backward inside a hook, or passes on several threads, each count on their own.
 */
final class MultiGradHooks {
    private MultiGradHooks() {
    }

    /** Mode "all" (see the class comment). */
    static RemovableHandle all(List<Tensor> tensors, Consumer<List<Tensor>> fn) {
        List<Tensor> ts = checked(tensors, fn);
        int n = ts.size();
        Node[] nodes = new Node[n];
        for (int i = 0; i < n; i++) {
            Tensor t = ts.get(i);
            nodes[i] = t.gradNode() != null ? t.gradNode() : t.gradAccumulator();
        }
        // per pass (weakly: a pass that failed half way leaves nothing behind): hooks to run, hooks run, gradients
        Map<Object, PassState> passes = Collections.synchronizedMap(new WeakHashMap<>());
        List<RemovableHandle> handles = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            handles.add(ts.get(i).registerHook(grad -> {
                Object pass = Engine.currentPass();
                if (pass == null) {
                    throw new IllegalStateException("expected this hook to be called inside a backward call");
                }
                Tensor[] done = null;
                synchronized (passes) {
                    PassState state = passes.computeIfAbsent(pass, p -> new PassState(willRun(nodes), new Tensor[n]));
                    state.grads[index] = grad;
                    if (++state.ran == state.calls) {
                        done = state.grads;
                        passes.remove(pass);
                    }
                }
                if (done != null) {
                    fn.accept(Collections.unmodifiableList(Arrays.asList(done)));
                }
                return null;
            }));
        }
        return handle(handles);
    }

    /** One pass's count of the hooks it will run ({@code _will_engine_execute_node}), of those run, and the gradients. */
    private static final class PassState {
        final int calls;
        final Tensor[] grads;
        int ran;

        PassState(int calls, Tensor[] grads) {
            this.calls = calls;
            this.grads = grads;
        }
    }

    /** How many of {@code nodes} the pass running on this thread executes. */
    private static int willRun(Node[] nodes) {
        int calls = 0;
        for (Node node : nodes) {
            calls += Engine.willExecute(node) ? 1 : 0;
        }
        return calls;
    }

    /** Mode "any" (see the class comment): only the tensors that require grad get the hook, as in PyTorch. */
    static RemovableHandle any(List<Tensor> tensors, Consumer<Tensor> fn) {
        List<Tensor> ts = checked(tensors, fn);
        Map<Object, Boolean> ran = Collections.synchronizedMap(new WeakHashMap<>());
        List<RemovableHandle> handles = new ArrayList<>();
        for (Tensor t : ts) {
            if (!t.requiresGrad()) {
                continue;
            }
            handles.add(t.registerHook(grad -> {
                Object pass = Engine.currentPass();
                if (pass == null) {
                    throw new IllegalStateException("expected this hook to be called inside a backward call");
                }
                if (ran.put(pass, Boolean.TRUE) == null) {
                    fn.accept(grad);
                }
                return null;
            }));
        }
        return handle(handles);
    }

    private static <F> List<Tensor> checked(List<Tensor> tensors, F fn) {
        Args.require(tensors, "register_multi_grad_hook", "tensors", 1, "Sequence[Tensor]");
        Args.require(fn, "register_multi_grad_hook", "fn", 2, "Callable");
        List<Tensor> ts = new ArrayList<>(tensors);
        for (int i = 0; i < ts.size(); i++) {
            if (ts.get(i) == null) {
                throw new IllegalArgumentException("register_multi_grad_hook(): tensors[" + i + "] must be a Tensor, not "
                        + "null");
            }
        }
        return ts;
    }

    /** PyTorch's {@code _MultiHandle}: removing it removes every tensor's hook. */
    private static RemovableHandle handle(List<RemovableHandle> handles) {
        return () -> handles.forEach(RemovableHandle::remove);
    }
}
