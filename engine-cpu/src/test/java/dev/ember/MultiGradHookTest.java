package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code torch.autograd.graph.register_multi_grad_hook} (PyTorch 2.x; 1.13 has none, so the expected behaviour is
 * torch/autograd/graph.py's as its source states it): mode "all" counts, on the first tensor hook of a graph task,
 * {@code nb_calls = sum(torch._C._will_engine_execute_node(g) for g in grad_fns)} and calls {@code fn(buffer)} once that
 * many hooks have run, with None for the tensors whose hooks did not; mode "any" calls {@code fn(grad)} on the first hook
 * of each graph task, only the tensors that require grad hooked. Values here are exact (small integers in float64).
 */
class MultiGradHookTest {

    private static Tensor leaf(double... v) {
        return Tensor.tensor(v, DType.FLOAT64).requiresGrad_(true);
    }

    private static String fmt(List<Tensor> grads) {
        List<String> out = new ArrayList<>();
        for (Tensor g : grads) {
            out.add(g == null ? "None" : Arrays.toString(g.toDoubleArray()));
        }
        return out.toString();
    }

    @Test
    void allCallsOnceWithEveryGradientOfThePass() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3, 4);
        Tensor c = leaf(5, 6); // not in the graph: its node is not executed, its slot stays None
        Tensor h = a.mul(b); // a non-leaf
        List<String> calls = new ArrayList<>();
        RemovableHandle handle = Autograd.registerMultiGradHook(List.of(a, b, h, c), grads -> calls.add(fmt(grads)));
        h.mul(2).sum().backward();
        assertEquals(List.of("[[6.0, 8.0], [2.0, 4.0], [2.0, 2.0], None]"), calls);

        calls.clear();
        Tensor y = a.mul(3).add(b).sum();
        Tensor ga = Autograd.grad(List.of(y), List.of(a)).get(0);
        assertEquals("[3.0, 3.0]", Arrays.toString(ga.toDoubleArray()));
        assertEquals(List.of("[[3.0, 3.0], None, None, None]"), calls, "autograd.grad runs a's node only");

        handle.remove();
        calls.clear();
        a.mul(b).sum().backward();
        assertEquals(List.of(), calls);
    }

    @Test
    void allCountsEachPassOnItsOwn() {
        Tensor a = leaf(1);
        Tensor b = leaf(2);
        List<String> calls = new ArrayList<>();
        Autograd.registerMultiGradHook(List.of(a, b), grads -> calls.add(fmt(grads)));
        Tensor y = a.mul(b);
        y.backward(null, true);
        y.mul(10).backward();
        assertEquals(List.of("[[2.0], [1.0]]", "[[20.0], [10.0]]"), calls);
    }

    @Test
    void anyCallsOncePerPassWithTheFirstGradient() {
        Tensor a = leaf(1);
        Tensor b = leaf(2);
        Tensor frozen = Tensor.tensor(new double[] {7}, DType.FLOAT64);
        List<String> calls = new ArrayList<>();
        Autograd.registerMultiGradHookAny(List.of(a, frozen, b), g -> calls.add(Arrays.toString(g.toDoubleArray())));
        a.mul(b).mul(frozen).backward();
        assertEquals(1, calls.size());
        assertEquals(true, calls.get(0).equals("[14.0]") || calls.get(0).equals("[7.0]"), calls.toString());
        a.mul(3).backward();
        assertEquals(List.of(calls.get(0), "[3.0]"), calls, "a second pass calls it again");
    }

    @Test
    void badArgumentsAreRefused() {
        Tensor a = leaf(1);
        assertThrows(IllegalArgumentException.class, () -> Autograd.registerMultiGradHook(null, g -> { }));
        assertThrows(IllegalArgumentException.class, () -> Autograd.registerMultiGradHook(List.of(a), null));
        assertThrows(IllegalArgumentException.class,
            () -> Autograd.registerMultiGradHook(Arrays.asList(a, null), g -> { }));
        assertEquals("cannot register a hook on a tensor that doesn't require gradient",
            assertThrows(IllegalStateException.class, () -> Autograd.registerMultiGradHook(
                List.of(Tensor.ones(1)), g -> { })).getMessage());
    }
}
