package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Hooks on autograd nodes, PyTorch's {@code grad_fn.register_prehook} and {@code grad_fn.register_hook}
 * ({@link Node#registerPrehook}, {@link Node#registerHook}), against PyTorch 1.13 ({@code nodehooks/make_expected.py};
 * where 2.x differs the script says so): what the hooks receive, what their results change, the order against tensor
 * hooks and retain_grad, multi-output nodes, AccumulateGrad, removal, autograd.grad passes, create_graph, and the
 * checks of what a hook returns (PyTorch's messages less the hook's Python name).
 */
class NodeHooksTest {
    private static final Map<String, String> E = ReferenceCases.strings("/nodehooks/strings.txt");

    private static Tensor x3() {
        return Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT64).requiresGrad_(true);
    }

    private static Tensor w3() {
        return Tensor.tensor(new double[] {4, 5, 6}, DType.FLOAT64).requiresGrad_(true);
    }

    private static String fmt(Tensor t) {
        return t == null ? "None" : Arrays.toString(t.detach().toDoubleArray());
    }

    private static String fmt(List<Tensor> ts) {
        List<String> parts = new ArrayList<>();
        for (Tensor t : ts) {
            parts.add(fmt(t));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private static String seen(List<String> entries) {
        return "[" + String.join(", ", entries) + "]";
    }

    /** PyTorch's message with its {@code hook 'name' } part as Ember words it (a Java lambda has no name). */
    private static String torchError(String key) {
        return E.get(key).replaceFirst("^RuntimeError: ", "").replaceFirst("^hook '[^']*' ", "hook ");
    }

    @Test
    void postHooksSeeAndReplaceTheInputsGradients() {
        Tensor x = x3();
        Tensor w = w3();
        Tensor y = x.mul(w);
        List<String> seen = new ArrayList<>();
        y.gradFn().registerHook((gi, go) -> {
            seen.add("[mul, " + fmt(gi) + ", " + fmt(go) + "]");
            return Arrays.asList(gi.get(0).mul(10), null);
        });
        y.gradFn().nextFunctions().get(0).registerHook((gi, go) -> {
            seen.add("[acc, " + fmt(gi) + ", " + fmt(go) + "]");
            return null;
        });
        y.sum().backward();
        assertEquals(E.get("post.seen"), seen(seen));
        assertEquals(E.get("post.x_grad"), fmt(x.grad()));
        assertEquals(E.get("post.w_grad"), fmt(w.grad()));
    }

    @Test
    void preHooksRunAfterTensorHooksAndRetainGrad() {
        Tensor x = x3();
        Tensor y = x.mul(2);
        y.registerHook(g -> g.mul(2));
        y.retainGrad();
        y.gradFn().registerPrehook(go -> List.of(go.get(0).mul(3)));
        y.mul(y).sum().backward();
        assertEquals(E.get("order.y_grad"), fmt(y.grad()));
        assertEquals(E.get("order.x_grad"), fmt(x.grad()));
    }

    @Test
    void aPreHookMayTakeTheGradientAway() {
        Tensor x = x3();
        Tensor y = x.mul(2);
        y.gradFn().registerPrehook(go -> Arrays.asList((Tensor) null));
        y.sum().add(x.sum()).backward();
        assertEquals(E.get("none.x_grad"), fmt(x.grad()));
    }

    @Test
    void removedHooksAreNotCalled() {
        Tensor x = x3();
        Tensor y = x.mul(2);
        int[] calls = {0};
        RemovableHandle h = y.gradFn().registerPrehook(go -> {
            calls[0]++;
            return null;
        });
        h.remove();
        h.remove();
        y.sum().backward();
        assertEquals(E.get("remove.calls"), String.valueOf(calls[0]));

        // a handle removes its own registration, also of a hook registered twice (PyTorch removes by id)
        Tensor z = x3().mul(2);
        List<String> order = new ArrayList<>();
        Node.PreHook a = go -> {
            order.add("a");
            return null;
        };
        z.gradFn().registerPrehook(a);
        z.gradFn().registerPrehook(go -> {
            order.add("b");
            return null;
        });
        RemovableHandle secondA = z.gradFn().registerPrehook(a);
        secondA.remove();
        secondA.remove();
        z.sum().backward();
        assertEquals(List.of("a", "b"), order);
    }

    @Test
    void multiOutputNodesSeeNullWhereNoGradientCame() {
        Tensor a = Tensor.tensor(new double[][] {{1, 2}, {3, 4}}, DType.FLOAT64).requiresGrad_(true);
        List<Tensor> u = a.unbind(0);
        List<String> seen = new ArrayList<>();
        Node unbind = u.get(0).gradFn();
        unbind.registerPrehook(go -> {
            seen.add("[pre, " + fmt(go) + "]");
            return null;
        });
        unbind.registerHook((gi, go) -> {
            seen.add("[post, " + fmt(gi) + ", " + fmt(go) + "]");
            return null;
        });
        u.get(1).sum().mul(2).backward();
        assertEquals(E.get("unbind.seen"), seen(seen));
        assertEquals(E.get("unbind.a_grad"), fmt(a.grad()));
    }

    @Test
    void whatAHookReturnsIsChecked() {
        Tensor x = x3();
        Tensor y = x.mul(x3());
        y.gradFn().registerPrehook(go -> List.of(go.get(0), go.get(0)));
        assertEquals(torchError("err.count"),
            assertThrows(IllegalStateException.class, () -> y.sum().backward()).getMessage());

        Tensor a = Tensor.tensor(new double[][] {{1, 2}, {3, 4}}, DType.FLOAT64).requiresGrad_(true);
        List<Tensor> u = a.unbind(0);
        u.get(0).gradFn().registerPrehook(go -> Arrays.asList(Tensor.ones(DType.FLOAT64, 2), go.get(1)));
        assertEquals(torchError("err.none"),
            assertThrows(IllegalStateException.class, () -> u.get(1).sum().backward()).getMessage());

        Tensor y2 = x3().mul(w3());
        y2.gradFn().registerHook((gi, go) -> Arrays.asList(Tensor.ones(DType.FLOAT64, 4), null));
        assertEquals(torchError("err.size"),
            assertThrows(IllegalStateException.class, () -> y2.sum().backward()).getMessage());

        Tensor y3 = x3().mul(w3());
        y3.gradFn().registerHook((gi, go) -> Arrays.asList(gi.get(0).to(DType.FLOAT32), null));
        assertEquals(torchError("err.type"),
            assertThrows(IllegalStateException.class, () -> y3.sum().backward()).getMessage());

        Tensor y4 = x3().mul(w3());
        y4.gradFn().registerHook((gi, go) -> List.of(gi.get(0)));
        assertEquals(torchError("err.post_count"),
            assertThrows(IllegalStateException.class, () -> y4.sum().backward()).getMessage());

        assertThrows(IllegalArgumentException.class, () -> y4.gradFn().registerHook(null));
        assertThrows(IllegalArgumentException.class, () -> y4.gradFn().registerPrehook(null));
    }

    @Test
    void anAutogradGradPassCallsTheHooksOfTheNodesItRuns() {
        Tensor x = x3();
        Tensor w = w3();
        Tensor y = x.mul(w);
        List<String> calls = new ArrayList<>();
        y.gradFn().registerPrehook(go -> {
            calls.add("mul");
            return null;
        });
        y.gradFn().nextFunctions().get(0).registerPrehook(go -> {
            calls.add("acc_x");
            return null;
        });
        y.gradFn().nextFunctions().get(1).registerPrehook(go -> {
            calls.add("acc_w");
            return null;
        });
        Tensor gx = Autograd.grad(List.of(y.sum()), List.of(x)).get(0);
        assertEquals(E.get("grad.calls"), "[" + String.join(", ", calls) + "]");
        assertEquals(E.get("grad.gx"), fmt(gx));
    }

    @Test
    void aPostHooksScalingIsPartOfTheGradientsGraph() {
        Tensor x = x3();
        Tensor w = w3();
        Tensor y = x.mul(w);
        y.gradFn().registerHook((gi, go) -> Arrays.asList(gi.get(0) == null ? null : gi.get(0).mul(10), gi.get(1)));
        Tensor gx = Autograd.grad(List.of(y.mul(y).sum()), List.of(x), null, true).get(0);
        assertEquals(E.get("second.gx"), fmt(gx));
        Tensor gw = Autograd.grad(List.of(gx.sum()), List.of(w)).get(0);
        assertEquals(E.get("second.gw"), fmt(gw));
    }
}
