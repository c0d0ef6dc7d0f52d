package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A module's extra state ({@link Module#getExtraState()}, {@link Module#setExtraState(Object)}) against PyTorch 1.13,
 * whose {@code _save_to_state_dict} and {@code _load_from_state_dict} treat it as 2.x's do
 * ({@code moduleextras/make_extra_state.py}): the entry's place among the keys, the load setting it module by module,
 * a missing entry (strict or not), an entry of a class that only saves (unexpected, in PyTorch's order of the
 * unexpected keys) or only loads (missing), the defaults' messages, hooks seeing and renaming the entry, a module under two names. By Ember's rules: a value that
 * is not a tensor refused, a failing {@code setExtraState} or a failed load leaving the tensors as they were, and the
 * entry through safetensors and {@code torch.save} files.
 */
class ModuleExtraStateTest {

    private static Map<String, String> expected() {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = ModuleExtraStateTest.class.getResourceAsStream("/moduleextras/extra_state.txt")) {
            String key = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0 && !line.startsWith("\t")) {
                    key = line.substring(0, tab);
                    out.put(key, line.substring(tab + 1));
                } else if (key != null) {
                    out.put(key, out.get(key) + "\n" + line); // a message's continuation line
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static String vals(Tensor t) {
        return Arrays.toString(t.detach().to(DType.FLOAT64).reshape(-1).toDoubleArray());
    }

    /** PyTorch's {@code RuntimeError: <message>} of a call. */
    private static String err(Runnable r) {
        try {
            r.run();
            return "no error";
        } catch (RuntimeException e) {
            return "RuntimeError: " + e.getMessage();
        }
    }

    /** Parameters, a persistent and a non-persistent buffer, a child, and a tensor of extra state (as the script's). */
    static class Scaled extends Module {
        final String tag;
        final List<String> log;
        Tensor amax = Tensor.tensor(new double[] {1.5, 2.5});

        Scaled(String tag, List<String> log) {
            this.tag = tag;
            this.log = log;
            registerParameter("weight", Tensor.arange(4).to(DType.FLOAT64).reshape(2, 2));
            registerBuffer("count", Tensor.tensor(new double[] {3}));
            registerBuffer("scratch", Tensor.zeros(DType.FLOAT64, 1), false);
            registerModule("child", new Linear(2, 1));
        }

        @Override
        public Tensor getExtraState() {
            return amax;
        }

        @Override
        public void setExtraState(Object state) {
            Tensor t = (Tensor) state;
            log.add("set " + tag + " " + vals(t));
            amax = t.clone();
        }

        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    static final class GetOnly extends Module {
        GetOnly() {
            registerParameter("w", Tensor.ones(DType.FLOAT64, 1));
        }

        @Override
        public Object getExtraState() {
            return Tensor.tensor(new double[] {7});
        }

        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    static final class SetOnly extends Module {
        final List<String> log;

        SetOnly(List<String> log) {
            this.log = log;
            registerParameter("w", Tensor.ones(DType.FLOAT64, 1));
        }

        @Override
        public void setExtraState(Object state) {
            log.add("setonly " + vals((Tensor) state));
        }

        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    private static Sequential model(List<String> log) {
        return new Sequential(new Scaled("a", log), new ReLU(), new Scaled("b", log));
    }

    private static Scaled scaled(Sequential m, int i) {
        return (Scaled) m.get(i);
    }

    @Test
    void theEntryFollowsTheModulesParametersAndBuffersAndIsTheValueItself() {
        Map<String, String> e = expected();
        Sequential m = model(new ArrayList<>());
        Map<String, Tensor> sd = m.stateDict();
        assertEquals(e.get("keys"), String.join(",", sd.keySet()));
        assertEquals(e.get("value.0"), vals(sd.get("0._extra_state")));
        assertEquals("True", e.get("same"));
        assertSame(scaled(m, 0).amax, sd.get("0._extra_state"));
    }

    @Test
    void aLoadSetsEachModulesExtraStateAfterItsTensors() {
        Map<String, String> e = expected();
        List<String> log = new ArrayList<>();
        Sequential src = model(new ArrayList<>());
        scaled(src, 0).amax = Tensor.tensor(new double[] {10, 20});
        scaled(src, 2).amax = Tensor.tensor(new double[] {30, 40});
        try (GradMode off = Ember.noGrad()) {
            scaled(src, 2).parameter("weight").add_(100);
        }
        Sequential dst = model(log);
        assertEquals(e.get("load.result"), dst.loadStateDict(src.stateDict(), true).toString());
        assertEquals(e.get("load.log"), String.join(" | ", log));
        assertEquals(e.get("load.amax2"), vals(scaled(dst, 2).amax));
        assertEquals(e.get("load.weight2"), vals(scaled(dst, 2).parameter("weight")));
    }

    @Test
    void aMissingEntryIsAMissingKeyStrictOrNot() {
        Map<String, String> e = expected();
        Map<String, Tensor> sd = model(new ArrayList<>()).stateDict();
        sd.remove("2._extra_state");
        List<String> log = new ArrayList<>();
        Sequential strict = model(log);
        assertEquals(e.get("missing.strict"), err(() -> strict.loadStateDict(sd)));
        assertTrue(log.isEmpty(), "a failed load sets no extra state (Ember checks everything first)");
        assertEquals(e.get("missing.nonstrict"), model(log).loadStateDict(sd, false).toString());
        assertEquals(e.get("missing.nonstrict.log"), String.join(" | ", log));
        assertEquals(e.get("empty.strict"), err(() -> model(new ArrayList<>()).loadStateDict(Map.of())));
    }

    @Test
    void aMissingEntryAndAnUnexpectedKeyAreListedTogether() {
        Map<String, String> e = expected();
        Map<String, Tensor> sd = model(new ArrayList<>()).stateDict();
        sd.remove("0._extra_state");
        sd.put("0.extra", Tensor.zeros(DType.FLOAT64, 1));
        assertEquals(e.get("mixed.strict"), err(() -> model(new ArrayList<>()).loadStateDict(sd)));
    }

    @Test
    void aClassThatOnlySavesHasAnUnexpectedEntryAndOneThatOnlyLoadsAMissingOne() {
        Map<String, String> e = expected();
        Map<String, Tensor> g = new Sequential(new GetOnly()).stateDict();
        assertEquals(e.get("getonly.keys"), String.join(",", g.keySet()));
        assertEquals(e.get("getonly.strict"), err(() -> new Sequential(new GetOnly()).loadStateDict(g)));
        assertEquals(e.get("getonly.nonstrict"), new Sequential(new GetOnly()).loadStateDict(g, false).toString());

        // the unexpected keys in PyTorch's order: module by module, an unexpected extra state first in its module
        Map<String, Tensor> two = new Sequential(new GetOnly(), new GetOnly()).stateDict();
        Map<String, Tensor> mixed = new LinkedHashMap<>();
        mixed.put("1.foo", Tensor.zeros(1));
        mixed.put("top", Tensor.zeros(1));
        mixed.put("0.w", two.get("0.w"));
        mixed.put("0.bar", Tensor.zeros(1));
        mixed.put("0._extra_state", two.get("0._extra_state"));
        mixed.put("1.w", two.get("1.w"));
        mixed.put("1._extra_state", two.get("1._extra_state"));
        mixed.put("0.child.x", Tensor.zeros(1));
        assertEquals(e.get("unexpected.order"), err(() -> new Sequential(new GetOnly(), new GetOnly()).loadStateDict(mixed)));

        List<String> log = new ArrayList<>();
        Map<String, Tensor> s = new Sequential(new SetOnly(log)).stateDict();
        assertEquals(e.get("setonly.keys"), String.join(",", s.keySet()));
        assertEquals(e.get("setonly.strict"), err(() -> new Sequential(new SetOnly(log)).loadStateDict(s)));
        Map<String, Tensor> with = new LinkedHashMap<>(s);
        with.put("0._extra_state", Tensor.tensor(new double[] {5}));
        assertEquals(e.get("setonly.loaded"), new Sequential(new SetOnly(log)).loadStateDict(with, true).toString());
        assertEquals(e.get("setonly.log"), String.join(" | ", log));
    }

    @Test
    void theDefaultsThrowPyTorchsMessageWhenCalledDirectly() {
        Map<String, String> e = expected();
        assertEquals(e.get("default.get"), err(() -> new Linear(1, 1).getExtraState()));
        assertEquals(e.get("default.set"), err(() -> new Linear(1, 1).setExtraState(null)));
        // a module that overrides neither has no entry and expects none
        assertFalse(new Linear(1, 1).stateDict().containsKey("_extra_state"));
        assertEquals("<All keys matched successfully>",
                new Linear(1, 1).loadStateDict(new Linear(1, 1).stateDict(), true).toString());
    }

    @Test
    void hooksSeeTheEntryAndALoadPreHookMayRenameAnOldKeyToIt() {
        Map<String, String> e = expected();
        Sequential m = model(new ArrayList<>());
        List<String> seen = new ArrayList<>();
        m.get(2).registerStateDictPostHook((module, sd, prefix) -> seen.add(prefix + " " + String.join(",", sd.keySet())));
        m.stateDict();
        assertEquals(e.get("posthook.seen"), String.join(" | ", seen));

        // 2.x's state-dict pre-hook runs before the module's entries: getExtraState after it
        Sequential p = model(new ArrayList<>());
        p.get(0).registerStateDictPreHook((module, prefix, keepVars) -> ((Scaled) module).amax = Tensor.tensor(new double[] {9, 9}));
        assertEquals("[9.0, 9.0]", vals(p.stateDict().get("0._extra_state")));

        Map<String, Tensor> old = model(new ArrayList<>()).stateDict();
        old.put("2.legacy_amax", old.remove("2._extra_state").mul(3));
        List<String> log = new ArrayList<>();
        Sequential dst = model(log);
        dst.get(2).registerLoadStateDictPreHook((module, sd, prefix, strict, missing, unexpected, errors) -> {
            if (sd.containsKey(prefix + "legacy_amax")) {
                sd.put(prefix + "_extra_state", sd.remove(prefix + "legacy_amax"));
            }
        });
        assertEquals(e.get("prehook.result"), dst.loadStateDict(old, true).toString());
        assertEquals(e.get("prehook.log"), String.join(" | ", log));

        // a load post-hook may clear the missing entry before the strict check; the others were set
        Map<String, Tensor> sd = model(new ArrayList<>()).stateDict();
        sd.remove("2._extra_state");
        List<String> log2 = new ArrayList<>();
        Sequential cleared = model(log2);
        cleared.registerLoadStateDictPostHook((module, keys) -> keys.missingKeys().remove("2._extra_state"));
        assertEquals("<All keys matched successfully>", cleared.loadStateDict(sd, true).toString());
        assertEquals("set a [1.5, 2.5]", String.join(" | ", log2));
    }

    @Test
    void aModuleUnderTwoNamesHasAnEntryUnderEachAndIsSetOncePerName() {
        Map<String, String> e = expected();
        List<String> log = new ArrayList<>();
        Scaled s = new Scaled("s", log);
        Sequential shared = new Sequential(s, s);
        Map<String, Tensor> sd = shared.stateDict();
        assertEquals(e.get("shared.keys"), String.join(",", sd.keySet()));
        sd.put("0._extra_state", Tensor.tensor(new double[] {1, 1}));
        sd.put("1._extra_state", Tensor.tensor(new double[] {2, 2}));
        shared.loadStateDict(sd);
        assertEquals(e.get("shared.log"), String.join(" | ", log));
    }

    /** Ember's state dicts hold tensors: extra state of another kind is refused, naming the module and the class. */
    @Test
    void extraStateThatIsNotATensorIsRefusedWithAClearError() {
        Module m = new Sequential(new Linear(1, 1), new Module() {
            @Override
            public Object getExtraState() {
                return Map.of("step", 3L);
            }

            @Override
            public Tensor forward(Tensor input) {
                return input;
            }
        });
        UnsupportedOperationException ex = assertThrows(UnsupportedOperationException.class, m::stateDict);
        assertTrue(ex.getMessage().startsWith("state_dict: the extra state of the module '1' ("), ex.getMessage());
        assertTrue(ex.getMessage().contains(") is a java.util.ImmutableCollections$Map1, not a tensor"), ex.getMessage());
        Module nul = new Module() {
            @Override
            public Object getExtraState() {
                return null;
            }

            @Override
            public Tensor forward(Tensor input) {
                return input;
            }
        };
        assertTrue(assertThrows(UnsupportedOperationException.class, nul::stateDict).getMessage()
                .contains("is null, not a tensor"));
    }

    @Test
    void aSetExtraStateThatThrowsLeavesTheTensorsAsTheyWere() {
        List<String> log = new ArrayList<>();
        Scaled failing = new Scaled("f", log) {
            @Override
            public void setExtraState(Object state) {
                throw new IllegalArgumentException("bad extra state");
            }
        };
        Sequential m = new Sequential(failing);
        Map<String, Tensor> sd = new Sequential(new Scaled("src", new ArrayList<>())).stateDict();
        try (GradMode off = Ember.noGrad()) {
            sd.put("0.weight", sd.get("0.weight").add(50));
        }
        double[] before = failing.parameter("weight").toDoubleArray();
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
        assertEquals("bad extra state", ex.getMessage());
        assertArrayEquals(before, failing.parameter("weight").toDoubleArray());
        // with a post-hook too (the load made undoable for it)
        m.registerLoadStateDictPostHook((module, keys) -> { });
        assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
        assertArrayEquals(before, failing.parameter("weight").toDoubleArray());
    }

    @Test
    void anAssignLoadSetsTheExtraStateToo() {
        List<String> log = new ArrayList<>();
        Sequential src = model(new ArrayList<>());
        scaled(src, 0).amax = Tensor.tensor(new double[] {4, 4});
        Sequential dst = model(log);
        dst.loadStateDict(src.stateDict(), true, true);
        assertEquals("set a [4.0, 4.0] | set b [1.5, 2.5]", String.join(" | ", log));
    }

    @Test
    void theEntryGoesThroughSafetensorsAndTorchSaveFiles(@TempDir Path dir) throws IOException {
        Sequential src = model(new ArrayList<>());
        scaled(src, 2).amax = Tensor.tensor(new double[] {6, 8});
        Path st = dir.resolve("m.safetensors");
        Safetensors.saveModel(src, st);
        assertTrue(Safetensors.load(st).containsKey("2._extra_state"));
        List<String> log = new ArrayList<>();
        Sequential dst = model(log);
        assertEquals("<All keys matched successfully>", Safetensors.loadModel(dst, st).toString());
        assertEquals("[6.0, 8.0]", vals(scaled(dst, 2).amax));

        Path pt = dir.resolve("m.pt");
        TorchSerialization.saveStateDict(src.stateDict(), pt);
        Sequential fromPt = model(new ArrayList<>());
        fromPt.loadStateDict(TorchSerialization.loadStateDict(pt));
        assertEquals("[6.0, 8.0]", vals(scaled(fromPt, 2).amax));

        // a sharded checkpoint (transformers' save_pretrained layout) carries it too
        Path shards = dir.resolve("sharded");
        ShardedCheckpoint.save(src, shards, 64);
        Sequential fromShards = model(new ArrayList<>());
        assertEquals("<All keys matched successfully>", ShardedCheckpoint.load(fromShards, shards).toString());
        assertEquals("[6.0, 8.0]", vals(scaled(fromShards, 2).amax));

        // a file without the entry: safetensors' load_model reports it missing
        Path without = dir.resolve("w.safetensors");
        Map<String, Tensor> sd = src.stateDict();
        sd.remove("0._extra_state");
        Safetensors.save(sd, without);
        assertEquals("[0._extra_state]", Safetensors.loadModel(model(new ArrayList<>()), without, false).missingKeys()
                .toString());
    }
}
