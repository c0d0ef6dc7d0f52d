package dev.ember;

import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.optim.SGD;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Tensor#registerPostAccumulateGradHook} (PyTorch 2.1's {@code register_post_accumulate_grad_hook}; the
 * PyTorch on this machine, 1.13, predates it, so the checks are its documented semantics and its source's messages):
 * the optimizer step fused into the backward pass gives the same parameters as the step after it, bit for bit; one
 * call per pass after every contribution is summed; registration order; removal; no call from {@code autograd.grad};
 * the refusals.
 */
class PostAccumulateGradHookTest {

    private static Module mlp() {
        return new Sequential(new Linear(4, 3), new Tanh(), new Linear(3, 2)).to(DType.FLOAT64);
    }

    @Test
    void optimizerStepInBackwardMatchesTheStepAfterIt() {
        Module a = mlp();
        Module b = mlp();
        b.loadStateDict(a.stateDict());
        SGD whole = new SGD(a.parameters(), 0.1, 0.9, 0.0, 0.01, false);
        List<SGD> perParameter = new ArrayList<>();
        for (Tensor p : b.parameters()) {
            SGD opt = new SGD(List.of(p), 0.1, 0.9, 0.0, 0.01, false);
            perParameter.add(opt);
            p.registerPostAccumulateGradHook(t -> {
                opt.step();
                opt.zeroGrad(true);
            });
        }
        Generator g = new Generator(5);
        for (int step = 0; step < 3; step++) {
            Tensor x = Tensor.randn(g, DType.FLOAT64, 5, 4);
            a.apply(x).pow(2).sum().backward();
            whole.step();
            whole.zeroGrad(true);
            b.apply(x).pow(2).sum().backward();
            for (Tensor p : b.parameters()) {
                assertNull(p.grad(), "the hook's step freed the gradient");
            }
        }
        Map<String, Tensor> sa = a.stateDict();
        Map<String, Tensor> sb = b.stateDict();
        for (String k : sa.keySet()) {
            assertArrayEquals(sa.get(k).toDoubleArray(), sb.get(k).toDoubleArray(), k);
        }
    }

    @Test
    void oncePerPassAfterTheSumInRegistrationOrder() {
        Tensor w = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        List<String> seen = new ArrayList<>();
        w.registerPostAccumulateGradHook(t -> seen.add("first " + java.util.Arrays.toString(t.grad().toDoubleArray())));
        RemovableHandle second = w.registerPostAccumulateGradHook(t -> seen.add("second"));
        w.mul(2).add(w.mul(3)).sum().backward();
        assertEquals(List.of("first [5.0, 5.0]", "second"), seen);
        second.remove();
        w.mul(w).sum().backward(); // accumulates: 5 + 2w
        assertEquals(List.of("first [5.0, 5.0]", "second", "first [7.0, 9.0]"), seen);
        // autograd.grad accumulates nothing, so no hook runs
        Autograd.grad(List.of(w.mul(4).sum()), List.of(w), null, false);
        assertEquals(3, seen.size());
    }

    @Test
    void refusals() {
        Tensor plain = Tensor.ones(DType.FLOAT64, 2);
        assertEquals("cannot register a hook on a tensor that doesn't require gradient",
                assertThrows(IllegalStateException.class, () -> plain.registerPostAccumulateGradHook(t -> { }))
                        .getMessage());
        Tensor leaf = Tensor.ones(DType.FLOAT64, 2).requiresGrad_(true);
        Tensor nonLeaf = leaf.mul(2);
        assertEquals("post accumulate grad hooks cannot be registered on non-leaf tensors",
                assertThrows(IllegalStateException.class, () -> nonLeaf.registerPostAccumulateGradHook(t -> { }))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> leaf.registerPostAccumulateGradHook(null));
    }
}
