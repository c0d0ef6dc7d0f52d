package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.RemovableHandle;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The global module hooks ({@link ModuleHooks}, PyTorch's {@code register_module_*}) and 2.x's additions to a module's
 * own: {@code register_full_backward_pre_hook}, {@code prepend=} and {@code always_call=}. The order of global and own
 * hooks and the gradients come from PyTorch 1.13 ({@code modulehooks/make_expected.py}); 1.13 lacks the 2.x additions,
 * whose expected behaviour is 2.x's rule as its source states it: {@code _call_impl} runs the global hooks, then the
 * module's dict in order ({@code prepend} moves a hook to the dict's front: {@code move_to_end(handle.id, last=False)});
 * after an exception in forward it runs the {@code always_call} forward hooks not yet run with {@code result} (None
 * where forward gave none), warns of an exception one of them raises, and re-raises; {@code BackwardHook}'s output hook
 * runs the backward pre-hooks on the outputs' gradients (refusing a result of another length: "Backward pre hook
 * returned an invalid number of grad_output, got N, but expected M"), passes what they return on, and gives the full
 * backward hooks the replaced gradients.
 */
class ModuleHooksTest {

    private static Map<String, String> expected() {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = ModuleHooksTest.class.getResourceAsStream("/modulehooks/strings.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    out.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static Linear linear() {
        Linear lin = new Linear(3, 2);
        lin.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            lin.parameter("weight").copy_(Tensor.tensor(new double[][] {{1, 2, 3}, {4, 5, 6}}, DType.FLOAT64));
            lin.parameter("bias").copy_(Tensor.tensor(new double[] {0.5, -0.5}, DType.FLOAT64));
        }
        return lin;
    }

    private static Tensor input() {
        return Tensor.tensor(new double[][] {{1, -1, 2}}, DType.FLOAT64).requiresGrad_(true);
    }

    private static Tensor scale() {
        return Tensor.tensor(new double[][] {{1, 3}}, DType.FLOAT64);
    }

    @Test
    void globalHooksRunBeforeTheModulesOwn() {
        Map<String, String> e = expected();
        Linear lin = linear();
        List<String> order = new ArrayList<>();
        List<RemovableHandle> hs = List.of(
            ModuleHooks.registerModuleForwardPreHook((m, a) -> {
                order.add("global_pre");
                return null;
            }),
            lin.registerForwardPreHook((m, a) -> {
                order.add("own_pre");
                return null;
            }),
            ModuleHooks.registerModuleForwardHook((m, a, o) -> {
                order.add("global_fwd");
                return null;
            }),
            lin.registerForwardHook((m, a, o) -> {
                order.add("own_fwd");
                return null;
            }),
            lin.registerFullBackwardHook((m, gi, go) -> {
                order.add("own_bwd");
                return null;
            }),
            ModuleHooks.registerModuleFullBackwardHook((m, gi, go) -> {
                order.add("global_bwd");
                return null;
            }));
        try {
            Tensor x = input();
            lin.apply(x).mul(scale()).sum().backward();
            assertEquals(e.get("order"), String.join(",", order));
            assertEquals(e.get("x_grad"), Arrays.toString(x.grad().toDoubleArray()));
            assertEquals(e.get("w_grad"), Arrays.toString(lin.parameter("weight").grad().toDoubleArray()));
        } finally {
            hs.forEach(RemovableHandle::remove);
        }
        order.clear();
        lin.apply(input());
        assertEquals(e.get("order_removed"), order.isEmpty() ? "none" : String.join(",", order));
    }

    @Test
    void prependPutsAHookBeforeTheModulesOthers() {
        Linear lin = linear();
        List<String> order = new ArrayList<>();
        lin.registerForwardPreHook((m, a) -> {
            order.add("pre_a");
            return null;
        });
        lin.registerForwardPreHook((m, a) -> {
            order.add("pre_b");
            return null;
        }, true);
        lin.registerForwardHook((m, a, o) -> {
            order.add("fwd_a");
            return null;
        });
        RemovableHandle first = lin.registerForwardHook((m, a, o) -> {
            order.add("fwd_b");
            return null;
        }, true, false);
        lin.registerFullBackwardPreHook((m, go) -> {
            order.add("bpre_a");
            return null;
        });
        lin.registerFullBackwardPreHook((m, go) -> {
            order.add("bpre_b");
            return null;
        }, true);
        lin.registerFullBackwardHook((m, gi, go) -> {
            order.add("bwd_a");
            return null;
        });
        lin.registerFullBackwardHook((m, gi, go) -> {
            order.add("bwd_b");
            return null;
        }, true);
        RemovableHandle global = ModuleHooks.registerModuleForwardHook((m, a, o) -> {
            order.add("fwd_global");
            return null;
        });
        try {
            lin.apply(input()).sum().backward();
        } finally {
            global.remove();
        }
        assertEquals(List.of("pre_b", "pre_a", "fwd_global", "fwd_b", "fwd_a", "bpre_b", "bpre_a", "bwd_b", "bwd_a"),
            order);
        first.remove();
        order.clear();
        lin.apply(input());
        assertEquals(List.of("pre_b", "pre_a", "fwd_a"), order);
    }

    /** A module whose forward throws. */
    private static final class Failing extends Module {
        @Override
        public Tensor forward(Tensor input) {
            throw new IllegalArgumentException("forward failed");
        }
    }

    @Test
    void alwaysCallHooksRunWhenTheForwardThrows() {
        Failing m = new Failing();
        List<String> calls = new ArrayList<>();
        m.registerForwardHook((mod, a, o) -> {
            calls.add("plain");
            return null;
        });
        m.registerForwardHook((mod, a, o) -> {
            assertNull(o, "no outputs where the forward gave none");
            assertEquals(1, a.size());
            calls.add("always");
            return null;
        }, false, true);
        m.registerForwardHook((mod, a, o) -> {
            calls.add("always_throws");
            throw new IllegalStateException("hook failed too");
        }, false, true);
        RemovableHandle global = ModuleHooks.registerModuleForwardHook((mod, a, o) -> {
            calls.add("global_always");
            return null;
        }, true);
        Tensor x = input();
        List<String> warnings;
        try (dev.ember.LoggedWarnings logged = dev.ember.LoggedWarnings.capture()) {
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> m.apply(x));
            assertEquals("forward failed", thrown.getMessage());
            warnings = logged.containing("always_call");
        } finally {
            global.remove();
        }
        assertEquals(List.of("global_always", "always", "always_throws"), calls);
        assertEquals(List.of("module forward hook with ``always_call=True`` raised an exception that was silenced as "
            + "another error was raised in forward: hook failed too"), warnings);

        // a forward hook that throws: the always_call hooks after it run with the forward's outputs, not it again
        Linear lin = linear();
        calls.clear();
        Tensor[] seen = new Tensor[1];
        lin.registerForwardHook((mod, a, o) -> {
            calls.add("always_first");
            throw new IllegalStateException("first hook failed");
        }, false, true);
        lin.registerForwardHook((mod, a, o) -> {
            calls.add("always_second");
            seen[0] = o.get(0);
            return null;
        }, false, true);
        assertEquals("first hook failed", assertThrows(IllegalStateException.class, () -> lin.apply(x)).getMessage());
        assertEquals(List.of("always_first", "always_second"), calls);
        assertArrayEquals(new int[] {1, 2}, seen[0].shape());
    }

    @Test
    void backwardPreHooksReplaceTheOutputsGradients() {
        Linear lin = linear();
        List<String> seenByFull = new ArrayList<>();
        lin.registerFullBackwardPreHook((m, go) -> {
            assertSame(lin, m);
            return List.of(go.get(0).mul(2));
        });
        lin.registerFullBackwardHook((m, gi, go) -> {
            seenByFull.add(Arrays.toString(go.get(0).toDoubleArray()));
            return null;
        });
        Tensor x = input();
        lin.apply(x).mul(scale()).sum().backward();

        Linear ref = linear();
        Tensor xr = input();
        ref.apply(xr).mul(scale()).mul(2).sum().backward();
        assertArrayEquals(xr.grad().toDoubleArray(), x.grad().toDoubleArray(), 0);
        assertArrayEquals(ref.parameter("weight").grad().toDoubleArray(),
            lin.parameter("weight").grad().toDoubleArray(), 0);
        assertEquals(List.of("[2.0, 6.0]"), seenByFull, "the full hooks see the replaced gradients");

        Linear bad = linear();
        bad.registerFullBackwardPreHook((m, go) -> List.of(go.get(0), go.get(0)));
        Tensor y = bad.apply(input()).sum();
        assertEquals("Backward pre hook returned an invalid number of grad_output, got 2, but expected 1",
            assertThrows(IllegalArgumentException.class, y::backward).getMessage());
        assertThrows(IllegalArgumentException.class, () -> bad.registerFullBackwardPreHook(null));
        assertThrows(IllegalArgumentException.class, () -> ModuleHooks.registerModuleForwardHook(null));
    }

    @Test
    void backwardPreHooksRunWhereNoInputRequiresGradAndGlobalOnesFirst() {
        Linear lin = linear();
        List<String> order = new ArrayList<>();
        RemovableHandle global = ModuleHooks.registerModuleFullBackwardPreHook((m, go) -> {
            order.add("global_pre");
            return null;
        });
        lin.registerFullBackwardPreHook((m, go) -> {
            order.add("own_pre");
            return List.of(go.get(0).mul(0));
        });
        lin.registerFullBackwardHook((m, gi, go) -> {
            order.add("full " + gi.get(0) + " " + Arrays.toString(go.get(0).toDoubleArray()));
            return null;
        });
        Tensor x = Tensor.tensor(new double[][] {{1, -1, 2}}, DType.FLOAT64);
        try {
            lin.apply(x).sum().backward();
        } finally {
            global.remove();
        }
        assertEquals(List.of("global_pre", "own_pre", "full null [0.0, 0.0]"), order);
        assertArrayEquals(new double[6], lin.parameter("weight").grad().toDoubleArray(), 0);

        order.clear();
        try (GradMode off = Ember.noGrad()) {
            lin.apply(input());
        }
        assertEquals(List.of(), order, "no backward hooks are set up without grad mode");
    }
}
