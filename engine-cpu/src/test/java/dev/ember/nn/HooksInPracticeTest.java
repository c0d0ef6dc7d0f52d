package dev.ember.nn;

import dev.ember.Autograd;
import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.RemovableHandle;
import dev.ember.Tensor;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hooks as libraries use them, against {@code hookspractice/make_expected.py} (PyTorch 1.13 running the hook where it
 * has the API, and 2.x's rule where it does not): forward hooks capturing activations (feature extraction) and one
 * replacing an output; a full backward pre-hook scaling a layer's output gradient, seen by its full backward hook; an
 * EMA of the weights kept by an optimizer step post-hook; gradient clipping ({@code clip_grad_norm_}) in a step
 * pre-hook; a load-state-dict pre-hook renaming an older checkpoint's
 * LayerNorm {@code gamma}/{@code beta} to {@code weight}/{@code bias} (Hugging Face's pattern); a state-dict post-hook
 * dropping BatchNorm's {@code num_batches_tracked}; {@code register_multi_grad_hook} as a gradient-ready callback over a
 * module's parameters. Then hooks that misbehave: nulls, hooks that throw (nothing changed), hooks that remove
 * themselves or register others while running (a snapshot: the change shows from the next call, as PyTorch's
 * {@code _call_impl}, which iterates over a tuple of the hooks).
 *
 * <p>2.x's rules where 1.13 has no API: {@code register_full_backward_pre_hook}: "The grad_output is a tuple. The hook
 * should not modify its arguments, but it can optionally return a new gradient with respect to the output that will
 * be used in place of grad_output in subsequent computations" (so scaling it by s is a tensor hook on the output
 * scaling its gradient by s); {@code register_step_post_hook}: "called after optimizer step"; and
 * {@code register_multi_grad_hook}: "Under the "all" mode, the hook will be called after gradients with respect to
 * every tensor in tensors have been computed. If a tensor is in tensors but is not part of the graph ... this tensor
 * will be ignored ... None will be passed for tensors that did not have their gradients computed."
 */
class HooksInPracticeTest {
    private static final Map<String, Tensor> E = new HashMap<>();
    private static final Map<String, String> S = new HashMap<>();

    static {
        try (InputStream in = HooksInPracticeTest.class.getResourceAsStream("/hookspractice/expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split("\t");
                if (f.length == 2) {
                    S.put(f[0], f[1]);
                    continue;
                }
                int[] shape = Arrays.stream(f[1].replaceAll("[\\[\\] ]", "").split(",")).filter(s -> !s.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
                double[] v = Arrays.stream(f[2].split(" ")).mapToDouble(Double::parseDouble).toArray();
                E.put(f[0], Tensor.tensor(v, DType.FLOAT64).reshape(shape));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void close(String key, Tensor got) {
        Tensor want = E.get(key);
        assertArrayEquals(want.shape(), got.shape(), key + " shape");
        assertArrayEquals(want.toDoubleArray(), got.detach().to(DType.FLOAT64).toDoubleArray(), 1e-12, key);
    }

    private static Sequential model() {
        Sequential m = new Sequential(new Linear(4, 5), new Tanh(), new Linear(5, 3));
        m.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
                p.getValue().copy_(E.get("m." + p.getKey()));
            }
        }
        return m;
    }

    private static Tensor loss(Module m) {
        Tensor d = m.apply(E.get("x")).sub(E.get("t"));
        return d.mul(d).sum();
    }

    @Test
    void forwardHooksCaptureActivationsAndReplaceOutputs() {
        Sequential m = model();
        Map<Integer, Tensor> features = new LinkedHashMap<>();
        List<RemovableHandle> handles = new ArrayList<>();
        for (int i : new int[] {0, 1}) {
            handles.add(m.get(i).registerForwardHook((mod, in, out) -> {
                features.put(i, out.get(0).detach());
                return null;
            }));
        }
        close("y", m.apply(E.get("x")));
        close("feat.0", features.get(0));
        close("feat.1", features.get(1));
        handles.forEach(RemovableHandle::remove);
        features.clear();
        m.apply(E.get("x"));
        assertTrue(features.isEmpty(), "removed hooks do not run");
        RemovableHandle doubling = m.get(1).registerForwardHook((mod, in, out) -> List.of(out.get(0).mul(2)));
        close("y_doubled_tanh", m.apply(E.get("x")));
        doubling.remove();
        close("y", m.apply(E.get("x")));
    }

    @Test
    void backwardPreHookScalesTheOutputGradientItsBackwardHookSees() {
        Sequential m = model();
        loss(m).backward();
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            close("grad." + p.getKey(), p.getValue().grad());
        }
        m.zeroGrad();
        List<Tensor> seen = new ArrayList<>();
        RemovableHandle pre = m.get(2).registerFullBackwardPreHook((mod, go) -> List.of(go.get(0).mul(0.5)));
        RemovableHandle post = m.get(2).registerFullBackwardHook((mod, gi, go) -> {
            seen.add(gi.get(0));
            seen.add(go.get(0));
            return null;
        });
        loss(m).backward();
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            close("grad_scaled." + p.getKey(), p.getValue().grad());
        }
        close("scaled.grad_input", seen.get(0));
        close("scaled.grad_output", seen.get(1));
        pre.remove();
        post.remove();
        m.zeroGrad();
        loss(m).backward();
        close("grad.2.weight", m.get(2).namedParameters().get("weight").grad());
    }

    @Test
    void emaOfTheWeightsInAStepPostHook() {
        Sequential m = model();
        Map<String, Tensor> params = m.namedParameters();
        Map<String, Tensor> ema = new LinkedHashMap<>();
        params.forEach((n, p) -> ema.put(n, p.detach().clone()));
        SGD opt = new SGD(new ArrayList<>(params.values()), 0.1, 0.9, 0, 0, false);
        int[] calls = {0};
        opt.registerStepPostHook(o -> {
            assertSame(opt, o);
            calls[0]++;
            try (GradMode off = Ember.noGrad()) {
                params.forEach((n, p) -> ema.get(n).mul_(0.9).add_(p.detach().mul(0.1)));
            }
        });
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            loss(m).backward();
            opt.step();
        }
        assertEquals(3, calls[0]);
        params.forEach((n, p) -> close("sgd." + n, p));
        ema.forEach((n, e) -> close("ema." + n, e));
    }

    @Test
    void gradientClippingInAStepPreHook() {
        Sequential m = model();
        try (GradMode off = Ember.noGrad()) {
            m.namedParameters().forEach((n, p) -> p.copy_(E.get("sgd." + n)));
        }
        List<Tensor> params = m.parameters();
        dev.ember.optim.Adam adam = new dev.ember.optim.Adam(params, 0.05);
        List<Tensor> norms = new ArrayList<>();
        adam.registerStepPreHook(o -> norms.add(dev.ember.nn.utils.ClipGrad.clipGradNorm_(params, 0.5)));
        for (int step = 0; step < 2; step++) {
            adam.zeroGrad();
            loss(m).backward();
            adam.step();
        }
        close("clip.norms", Tensor.stack(norms, 0));
        m.namedParameters().forEach((n, p) -> close("clip." + n, p));
    }

    /** A block with a projection, a LayerNorm and a BatchNorm, as the generator's. */
    private static final class Block extends Module {
        final Linear proj = registerModule("proj", new Linear(3, 3));
        final LayerNorm norm = registerModule("norm", new LayerNorm(3));
        final BatchNorm1d bn = registerModule("bn", new BatchNorm1d(3));

        Block() {
            to(DType.FLOAT64);
        }

        @Override
        public Tensor forward(Tensor input) {
            return bn.apply(norm.apply(proj.apply(input)));
        }
    }

    private static Map<String, Tensor> oldCheckpoint() {
        Map<String, Tensor> old = new LinkedHashMap<>();
        for (String k : new String[] {"proj.weight", "proj.bias", "norm.gamma", "norm.beta", "bn.weight", "bn.bias",
            "bn.running_mean", "bn.running_var"}) {
            old.put(k, E.get("old." + k).clone());
        }
        old.put("bn.num_batches_tracked", E.get("old.bn.num_batches_tracked").to(DType.INT64).reshape());
        return old;
    }

    @Test
    void loadPreHookRenamesAnOlderCheckpointAndSavePostHookDropsKeys() {
        Block blk = new Block();
        blk.norm.registerLoadStateDictPreHook((module, sd, prefix, strict, missing, unexpected, errors) -> {
            for (String[] rename : new String[][] {{"gamma", "weight"}, {"beta", "bias"}}) {
                if (sd.containsKey(prefix + rename[0])) {
                    sd.put(prefix + rename[1], sd.remove(prefix + rename[0]));
                }
            }
        });
        Map<String, Tensor> old = oldCheckpoint();
        Module.IncompatibleKeys keys = blk.loadStateDict(old, true);
        assertEquals(S.get("loaded.missing"), keys.missingKeys().toString());
        assertEquals(S.get("loaded.unexpected"), keys.unexpectedKeys().toString());
        assertTrue(old.containsKey("norm.gamma") && !old.containsKey("norm.weight"), "the caller's map is not changed");
        blk.eval();
        close("block.eval_out", blk.apply(E.get("xb")));

        blk.bn.registerStateDictPostHook((module, sd, prefix) -> sd.remove(prefix + "num_batches_tracked"));
        assertEquals(S.get("saved.keys"), String.join(" ", blk.stateDict().keySet()));
        assertEquals(List.of("weight", "bias", "running_mean", "running_var"), new ArrayList<>(blk.bn.stateDict().keySet()),
            "the hook runs for the BatchNorm's own state dict too");
    }

    @Test
    void multiGradHookIsAGradientReadyCallbackOverTheParameters() {
        Sequential m = model();
        List<String> names = new ArrayList<>(m.namedParameters().keySet());
        List<Tensor> params = new ArrayList<>(m.namedParameters().values());
        Tensor unused = Tensor.zeros(2).to(DType.FLOAT64).requiresGrad_(true);
        List<Tensor> watched = new ArrayList<>(params);
        watched.add(unused);
        List<List<Tensor>> calls = new ArrayList<>();
        RemovableHandle h = Autograd.registerMultiGradHook(watched, calls::add);
        List<Tensor> firsts = new ArrayList<>();
        RemovableHandle any = Autograd.registerMultiGradHookAny(params, firsts::add);
        loss(m).backward();
        assertEquals(1, calls.size(), "once per backward pass");
        assertEquals(1, firsts.size(), "mode any: once, with the first gradient computed");
        List<Tensor> grads = calls.get(0);
        assertEquals(watched.size(), grads.size());
        for (int i = 0; i < names.size(); i++) {
            close("grad." + names.get(i), grads.get(i));
        }
        assertNull(grads.get(names.size()), "a tensor outside the graph: None");
        assertTrue(params.stream().anyMatch(p -> p.grad().equal(firsts.get(0))));
        h.remove();
        any.remove();
        loss(m).backward();
        assertEquals(1, calls.size(), "removed");
        assertEquals(1, firsts.size(), "removed");
    }

    @Test
    void hooksThatMisbehave() {
        Sequential m = model();
        Module lin = m.get(0);
        // nulls
        assertThrows(IllegalArgumentException.class, () -> lin.registerForwardHook(null));
        assertThrows(IllegalArgumentException.class, () -> lin.registerForwardPreHook(null));
        assertThrows(IllegalArgumentException.class, () -> lin.registerFullBackwardPreHook(null));
        assertThrows(IllegalArgumentException.class, () -> lin.registerStateDictPostHook(null));
        assertThrows(IllegalArgumentException.class, () -> lin.registerLoadStateDictPreHook(null));
        assertThrows(IllegalArgumentException.class, () -> ModuleHooks.registerModuleForwardHook(null));
        assertThrows(IllegalArgumentException.class, () -> Autograd.registerMultiGradHook(null, g -> { }));
        assertThrows(IllegalArgumentException.class, () -> Autograd.registerMultiGradHook(lin.parameters(), null));
        assertThrows(IllegalArgumentException.class,
            () -> Autograd.registerMultiGradHook(Arrays.asList(lin.parameters().get(0), null), g -> { }));
        SGD opt = new SGD(m.parameters(), 0.1, 0.9, 0, 0, false);
        assertThrows(IllegalArgumentException.class, () -> opt.registerStepPostHook(null));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.registerOptimizerStepPreHook(null));

        // a hook that removes itself and registers another while running: the change shows from the next call
        List<String> ran = new ArrayList<>();
        RemovableHandle[] self = new RemovableHandle[1];
        self[0] = lin.registerForwardHook((mod, in, out) -> {
            ran.add("A");
            self[0].remove();
            lin.registerForwardHook((mod2, in2, out2) -> {
                ran.add("C");
                return null;
            });
            return null;
        });
        lin.registerForwardHook((mod, in, out) -> {
            ran.add("B");
            return null;
        });
        m.apply(E.get("x"));
        assertEquals(List.of("A", "B"), ran);
        m.apply(E.get("x"));
        assertEquals(List.of("A", "B", "B", "C"), ran);

        // hooks that throw: their exception, nothing changed
        Sequential fresh = model();
        double[] w0 = fresh.get(0).namedParameters().get("weight").toDoubleArray();
        IllegalStateException boom = new IllegalStateException("boom");
        RemovableHandle thrower = fresh.get(0).registerForwardHook((mod, in, out) -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IllegalStateException.class, () -> fresh.apply(E.get("x"))));
        thrower.remove();
        close("y", fresh.apply(E.get("x")));

        SGD sgd = new SGD(fresh.parameters(), 0.1, 0.9, 0, 0, false);
        loss(fresh).backward();
        RemovableHandle preThrow = sgd.registerStepPreHook(o -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IllegalStateException.class, sgd::step));
        assertArrayEquals(w0, fresh.get(0).namedParameters().get("weight").toDoubleArray(), 0,
            "a step pre-hook that throws: no step");
        assertTrue(((Map<?, ?>) sgd.stateDict().get("state")).isEmpty(), "no momentum buffer");
        preThrow.remove();
        sgd.step();
        assertFalse(Arrays.equals(w0, fresh.get(0).namedParameters().get("weight").toDoubleArray()),
            "the optimizer steps again once the hook is gone");

        Block blk = new Block();
        Map<String, Tensor> before = blk.stateDict();
        RemovableHandle loadThrow = blk.norm.registerLoadStateDictPreHook((mod, sd, p, s, mk, uk, em) -> {
            throw boom;
        });
        Map<String, Tensor> old = oldCheckpoint();
        old.put("norm.weight", old.remove("norm.gamma"));
        old.put("norm.bias", old.remove("norm.beta"));
        assertSame(boom, assertThrows(IllegalStateException.class, () -> blk.loadStateDict(old, true)));
        blk.stateDict().forEach((k, v) -> assertArrayEquals(before.get(k).toDoubleArray(), v.toDoubleArray(), 0, k));
        loadThrow.remove();
        RemovableHandle saveThrow = blk.bn.registerStateDictPostHook((mod, sd, p) -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IllegalStateException.class, blk::stateDict));
        saveThrow.remove();
        assertEquals(before.keySet(), blk.stateDict().keySet());

        // a backward pre-hook returning a gradient of another shape
        Sequential g = model();
        g.get(2).registerFullBackwardPreHook((mod, go) -> List.of(go.get(0).sum()));
        RuntimeException e = assertThrows(RuntimeException.class, () -> loss(g).backward());
        assertTrue(e instanceof IllegalArgumentException || e instanceof IllegalStateException, e.toString());
    }

    /**
     * Regression: a forward hook returning no output made {@code apply} fail with an IndexOutOfBoundsException, and one
     * returning two outputs for one had the second dropped silently; a forward pre-hook likewise for the inputs (PyTorch
     * passes the replacement tuple on, and the forward or the caller fails on its length).
     */
    @Test
    void aHookReturningAnotherNumberOfTensorsIsRefused() {
        Sequential m = model();
        Module lin = m.get(0);
        Tensor x = E.get("x");
        RemovableHandle none = lin.registerForwardHook((mod, in, out) -> List.of());
        assertEquals("Linear: a hook returned 0 outputs for a forward result of 1",
            assertThrows(IllegalArgumentException.class, () -> m.apply(x)).getMessage());
        none.remove();
        RemovableHandle two = lin.registerForwardHook((mod, in, out) -> List.of(out.get(0), out.get(0)));
        assertEquals("Linear: a hook returned 2 outputs for a forward result of 1",
            assertThrows(IllegalArgumentException.class, () -> m.apply(x)).getMessage());
        two.remove();
        RemovableHandle noInputs = lin.registerForwardPreHook((mod, in) -> List.of());
        assertEquals("Linear: a forward pre-hook returned 0 inputs for a call with 1",
            assertThrows(IllegalArgumentException.class, () -> m.apply(x)).getMessage());
        noInputs.remove();
        RemovableHandle twoInputs = lin.registerForwardPreHook((mod, in) -> List.of(in.get(0), in.get(0)));
        assertEquals("Linear: a forward pre-hook returned 2 inputs for a call with 1",
            assertThrows(IllegalArgumentException.class, () -> m.apply(x)).getMessage());
        twoInputs.remove();
        close("y", m.apply(x));
    }

    /**
     * Regression: the forward hooks a call runs were read before its forward, so a "capture once" global hook that
     * removed itself while a submodule ran still ran for the enclosing module (after its removal), and registered its
     * successor twice. PyTorch 2.x's {@code _call_impl} reads {@code (*_global_forward_hooks.items(),
     * *self._forward_hooks.items())} after {@code forward_call} returns, and its except clause runs the
     * {@code always_call} hooks registered at that point.
     */
    @Test
    void forwardHooksAreReadOnceTheForwardReturned() {
        List<String> ran = new ArrayList<>();
        RemovableHandle[] once = new RemovableHandle[1];
        List<RemovableHandle> later = new ArrayList<>();
        once[0] = ModuleHooks.registerModuleForwardHook((mod, in, out) -> {
            ran.add("G:" + mod.getClass().getSimpleName());
            once[0].remove();
            later.add(ModuleHooks.registerModuleForwardHook((mod2, in2, out2) -> {
                ran.add("H:" + mod2.getClass().getSimpleName());
                return null;
            }));
            return null;
        });
        Sequential m = model();
        try {
            m.apply(E.get("x"));
            assertEquals(List.of("G:Linear", "H:Tanh", "H:Linear", "H:Sequential"), ran);
            ran.clear();
            m.apply(E.get("x"));
            assertEquals(List.of("H:Linear", "H:Tanh", "H:Linear", "H:Sequential"), ran);
        } finally {
            once[0].remove();
            later.forEach(RemovableHandle::remove);
        }
        assertEquals(1, later.size());

        // an always_call hook a pre-hook registers runs when the forward then throws
        Linear lin = new Linear(4, 5);
        List<String> always = new ArrayList<>();
        lin.registerForwardPreHook((mod, in) -> {
            lin.registerForwardHook((mod2, in2, out2) -> {
                always.add(out2 == null ? "no output" : "output");
                return null;
            }, false, true);
            return null;
        });
        assertThrows(IllegalArgumentException.class, () -> lin.apply(Tensor.zeros(2, 3)));
        assertEquals(List.of("no output"), always);
    }

    /**
     * Autograd hooks that change the hooks while a backward pass runs, as PyTorch's engine reads them: a one-shot
     * multi-grad callback removing itself runs once; one registered by another's callback (its tensors' hooks already
     * ran) runs from the next pass; a grad_fn pre-hook removing itself lets the next one run (PyTorch iterates the
     * node's hook dict, from which a removal only deletes the entry); a pre-hook registered on a node that has not run
     * yet, by an earlier node's post-hook, runs in the same pass (a node's hooks are read when it runs).
     */
    @Test
    void autogradHooksThatChangeHooksWhileABackwardRuns() {
        Tensor a = E.get("x").select(0, 0).clone().requiresGrad_(true);
        Tensor b = E.get("x").select(0, 1).clone().requiresGrad_(true);
        List<String> ran = new ArrayList<>();
        RemovableHandle[] oneShot = new RemovableHandle[1];
        oneShot[0] = Autograd.registerMultiGradHook(List.of(a, b), g -> {
            ran.add("once");
            oneShot[0].remove();
        });
        List<RemovableHandle> more = new ArrayList<>();
        RemovableHandle outer = Autograd.registerMultiGradHook(List.of(a, b), g -> {
            ran.add("outer");
            if (more.isEmpty()) {
                more.add(Autograd.registerMultiGradHook(List.of(a, b), g2 -> ran.add("inner")));
            }
        });
        a.mul(b).sum().backward();
        assertEquals(List.of("once", "outer"), ran);
        a.mul(b).sum().backward();
        assertEquals(List.of("once", "outer", "outer", "inner"), ran);
        outer.remove();
        more.forEach(RemovableHandle::remove);
        assertArrayEquals(b.mul(2).toDoubleArray(), a.grad().toDoubleArray(), 0, "two passes accumulated");

        ran.clear();
        Tensor y = a.mul(2);
        RemovableHandle[] self = new RemovableHandle[1];
        self[0] = y.gradFn().registerPrehook(g -> {
            ran.add("P");
            self[0].remove();
            return null;
        });
        y.gradFn().registerPrehook(g -> {
            ran.add("Q");
            return null;
        });
        y.sum().backward(null, true);
        y.sum().backward(null, true);
        assertEquals(List.of("P", "Q", "Q"), ran);

        ran.clear();
        Tensor z = a.mul(3).exp();
        dev.ember.Node inner = z.gradFn().nextFunctions().get(0);
        z.gradFn().registerHook((gi, go) -> {
            inner.registerPrehook(g -> {
                ran.add("late");
                return null;
            });
            return null;
        });
        z.sum().backward();
        assertEquals(List.of("late"), ran);
    }
}
