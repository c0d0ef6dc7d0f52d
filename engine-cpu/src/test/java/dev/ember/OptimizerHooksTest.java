package dev.ember;

import dev.ember.optim.LBFGS;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Optimizer hooks of PyTorch 2.x, which 1.13 (the PyTorch here) lacks; the expected behaviour is 2.x's
 * torch/optim/optimizer.py as its source states it. {@code profile_hook_step} wraps every optimizer's {@code step}:
 * {@code for pre_hook in chain(_global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values())}, then
 * the step (the closure called inside it), then {@code for post_hook in chain(self._optimizer_step_post_hooks.values(),
 * _global_optimizer_post_hooks.values())}. {@code state_dict} runs {@code _optimizer_state_dict_pre_hooks} (each
 * {@code hook(self)}), makes the dict, then each post-hook ({@code hook_result = post_hook(self, state_dict)}, which
 * replaces it when not None); {@code load_state_dict} copies the dict ({@code state_dict = state_dict.copy()}), runs the
 * pre-hooks the same way, loads, then the post-hooks ({@code hook(self)}); {@code prepend=True} puts a hook first.
 */
class OptimizerHooksTest {

    private static Tensor param() {
        return Tensor.tensor(new double[] {1, 2}, DType.FLOAT64).requiresGrad_(true);
    }

    private static void gradOnes(Tensor p) {
        p.mul(p).sum().mul(0.5).backward(); // gradient = p
    }

    @Test
    void stepHooksRunGlobalPreOwnPreStepOwnPostGlobalPost() {
        Tensor p = param();
        SGD sgd = new SGD(List.of(p), 0.5);
        List<String> calls = new ArrayList<>();
        RemovableHandle gpre = Optimizer.registerOptimizerStepPreHook(o -> calls.add("global_pre " + p.toDoubleArray()[0]));
        RemovableHandle gpost = Optimizer.registerOptimizerStepPostHook(o -> calls.add("global_post " + p.toDoubleArray()[0]));
        try {
            sgd.registerStepPreHook(o -> calls.add("own_pre " + (o == sgd)));
            RemovableHandle post = sgd.registerStepPostHook(o -> calls.add("own_post " + p.toDoubleArray()[0]));
            gradOnes(p);
            sgd.step();
            assertEquals(List.of("global_pre 1.0", "own_pre true", "own_post 0.5", "global_post 0.5"), calls);
            calls.clear();
            post.remove();
            gpost.remove();
            sgd.step();
            assertEquals(List.of("global_pre 0.5", "own_pre true"), calls);
        } finally {
            gpre.remove();
            gpost.remove();
        }
    }

    @Test
    void aStepWithAClosureRunsTheHooksOnceAroundTheClosure() {
        Tensor p = param();
        SGD sgd = new SGD(List.of(p), 0.5);
        List<String> calls = new ArrayList<>();
        sgd.registerStepPreHook(o -> calls.add("pre"));
        sgd.registerStepPostHook(o -> calls.add("post"));
        sgd.step(() -> {
            calls.add("closure");
            sgd.zeroGrad();
            Tensor loss = p.mul(p).sum();
            loss.backward();
            return loss;
        });
        assertEquals(List.of("pre", "closure", "post"), calls);

        Tensor q = param();
        LBFGS lbfgs = new LBFGS(List.of(q));
        int[] closures = {0};
        List<String> lcalls = new ArrayList<>();
        lbfgs.registerStepPreHook(o -> lcalls.add("pre"));
        lbfgs.registerStepPostHook(o -> lcalls.add("post"));
        lbfgs.step(() -> {
            closures[0]++;
            lbfgs.zeroGrad();
            Tensor loss = q.sub(3).pow(2).sum();
            loss.backward();
            return loss;
        });
        assertTrue(closures[0] > 1, "L-BFGS evaluates its closure several times a step");
        assertEquals(List.of("pre", "post"), lcalls, "but runs the hooks once");
    }

    /** An optimizer written outside Ember (plain gradient descent). */
    private static final class Plain extends Optimizer {
        private final boolean hooked;

        Plain(List<Tensor> params, boolean hooked) {
            super(params, 0.5);
            this.hooked = hooked;
        }

        @Override
        public void step() {
            if (hooked) {
                withStepHooks(this::update);
            } else {
                update();
            }
        }

        private void update() {
            try (GradMode off = Ember.noGrad()) {
                for (Tensor p : paramGroups().get(0).params()) {
                    if (p.grad() != null) {
                        p.sub_(p.grad().mul(lr()));
                    }
                }
            }
        }
    }

    @Test
    void anOptimizerWrittenOutsideEmberRunsTheHooksThroughWithStepHooksOrAClosure() {
        for (boolean hooked : new boolean[] {false, true}) {
            Tensor p = param();
            Plain plain = new Plain(List.of(p), hooked);
            List<String> calls = new ArrayList<>();
            plain.registerStepPreHook(o -> calls.add("pre"));
            plain.registerStepPostHook(o -> calls.add("post"));
            gradOnes(p);
            plain.step();
            assertEquals(hooked ? List.of("pre", "post") : List.of(), calls, "step(), hooked " + hooked);
            calls.clear();
            plain.step(() -> null);
            assertEquals(List.of("pre", "post"), calls, "step(closure), hooked " + hooked);
        }
    }

    @Test
    void aPreHookThatThrowsStopsTheStep() {
        Tensor p = param();
        SGD sgd = new SGD(List.of(p), 0.5);
        sgd.registerStepPreHook(o -> {
            throw new IllegalStateException("not now");
        });
        gradOnes(p);
        assertEquals("not now", assertThrows(IllegalStateException.class, sgd::step).getMessage());
        assertEquals(List.of(1.0, 2.0), List.of(p.toDoubleArray()[0], p.toDoubleArray()[1]));
        // the step after a failed one runs its hooks again (the optimizer is not left inside a step)
        List<String> calls = new ArrayList<>();
        SGD other = new SGD(List.of(p), 0.5);
        other.registerStepPreHook(o -> calls.add("pre"));
        other.step();
        assertEquals(List.of("pre"), calls);
        assertThrows(IllegalArgumentException.class, () -> sgd.registerStepPreHook(null));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.registerOptimizerStepPostHook(null));
    }

    @Test
    void stateDictHooksChangeWhatIsSavedAndLoaded() {
        Tensor p = param();
        SGD sgd = new SGD(List.of(p), 0.5, 0.9, 0, 0, false);
        gradOnes(p);
        sgd.step();
        List<String> calls = new ArrayList<>();
        sgd.registerStateDictPreHook(o -> calls.add("pre_b"), false);
        sgd.registerStateDictPreHook(o -> calls.add("pre_a"), true);
        sgd.registerStateDictPostHook((o, sd) -> {
            calls.add("post " + sd.keySet());
            sd.put("note", "saved by a hook");
            return null;
        }, false);
        sgd.registerStateDictPostHook((o, sd) -> {
            Map<String, Object> copy = new LinkedHashMap<>(sd);
            copy.put("replaced", true);
            return copy;
        }, false);
        Map<String, Object> sd = sgd.stateDict();
        assertEquals(List.of("pre_a", "pre_b", "post [state, param_groups]"), calls);
        assertEquals("saved by a hook", sd.get("note"));
        assertEquals(true, sd.get("replaced"));

        Tensor q = param();
        SGD twin = new SGD(List.of(q), 0.1, 0.9, 0, 0, false);
        List<String> loads = new ArrayList<>();
        twin.registerLoadStateDictPreHook((o, given) -> {
            loads.add("pre " + given.containsKey("note"));
            given.remove("note");
            given.remove("replaced");
            return null;
        }, false);
        twin.registerLoadStateDictPostHook(o -> loads.add("post " + o.paramGroups().get(0).lr()), false);
        twin.loadStateDict(sd);
        assertEquals(List.of("pre true", "post 0.5"), loads);
        assertTrue(sd.containsKey("note"), "the hooks change a copy, not the caller's map");
        assertFalse(twin.stateDict().containsKey("note"));
    }
}
