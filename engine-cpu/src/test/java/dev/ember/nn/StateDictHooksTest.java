package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
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
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * State-dict hooks ({@link Module#registerStateDictPreHook}, {@link Module#registerStateDictPostHook},
 * {@link Module#registerLoadStateDictPreHook}, {@link Module#registerLoadStateDictPostHook}) against PyTorch 1.13's
 * equivalents of 2.x's public hooks ({@code statedicthooks/make_expected.py}): the order hooks run in and what they see,
 * keys renamed on save and on load, post-hooks clearing a missing key before the strict check, and errors. A load
 * pre-hook here sees the whole state dict where PyTorch gives a submodule's hook the keys under its prefix: the hooks
 * below print only those. Also 2.x's state-dict pre-hook, by its rule ({@code hook(module, prefix, keep_vars)} before the
 * module's entries), and a strict load failing after the post-hooks leaving the values as they were.
 */
class StateDictHooksTest {

    private static Map<String, String> expected() {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = StateDictHooksTest.class.getResourceAsStream("/statedicthooks/strings.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            String key = null;
            for (String line : lines) {
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

    private static Sequential model() {
        Sequential m = new Sequential(new Linear(2, 2), new ReLU(), new Linear(2, 1));
        m.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            int i = 0;
            for (Tensor p : m.parameters()) {
                p.copy_(Tensor.arange(p.numel()).to(DType.FLOAT64).reshape(p.shape()).add(10 * i++));
            }
        }
        return m;
    }

    private static String values(Tensor t) {
        return Arrays.toString(t.detach().toDoubleArray());
    }

    @Test
    void savePostHooksRenameKeysAndSeeEverythingUnderThem() {
        Map<String, String> e = expected();
        Sequential m = model();
        List<String> calls = new ArrayList<>();
        m.get(0).registerStateDictPostHook((module, sd, prefix) -> {
            calls.add("post0 " + prefix + " " + String.join(",", sd.keySet()));
            sd.put(prefix + "w", sd.remove(prefix + "weight"));
        });
        m.registerStateDictPostHook((module, sd, prefix) ->
            calls.add("post_root [" + prefix + "] " + String.join(",", sd.keySet())));
        Map<String, Tensor> sd = m.stateDict();
        assertEquals(e.get("save.calls"), String.join(" | ", calls));
        assertEquals(e.get("save.keys"), String.join(",", sd.keySet()));
    }

    @Test
    void savePreHooksRunBeforeTheModulesEntries() {
        Sequential m = model();
        List<String> calls = new ArrayList<>();
        m.registerStateDictPreHook((module, prefix, keepVars) -> calls.add("pre_root [" + prefix + "] " + keepVars));
        m.get(2).registerStateDictPreHook((module, prefix, keepVars) -> calls.add("pre2 " + prefix));
        m.get(2).registerStateDictPostHook((module, sd, prefix) -> calls.add("post2 " + sd.size()));
        m.stateDict();
        assertEquals(List.of("pre_root [] false", "pre2 2.", "post2 4"), calls);
    }

    @Test
    void loadHooksRenameAnOlderCheckpointAndClearAMissingKey() {
        Map<String, String> e = expected();
        Sequential m = model();
        Map<String, Tensor> old = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> old.put(k, v.add(100)));
        old.put("0.w", old.remove("0.weight"));
        old.remove("2.bias");
        List<String> calls = new ArrayList<>();
        m.get(0).registerLoadStateDictPreHook((module, sd, prefix, strict, missing, unexpected, errors) -> {
            calls.add("pre0 " + prefix + " " + new TreeSet<>(sd.keySet()).stream().filter(k -> k.startsWith(prefix))
                .collect(Collectors.joining(",")));
            if (sd.containsKey(prefix + "w")) {
                sd.put(prefix + "weight", sd.remove(prefix + "w"));
            }
        });
        m.registerLoadStateDictPreHook((module, sd, prefix, strict, missing, unexpected, errors) ->
            calls.add("pre_root [" + prefix + "]"));
        m.get(2).registerLoadStateDictPostHook((module, keys) -> calls.add("post2 " + pyList(keys.missingKeys())));
        m.get(0).registerLoadStateDictPostHook((module, keys) -> calls.add("post0 " + pyList(keys.missingKeys())));
        m.registerLoadStateDictPostHook((module, keys) -> {
            calls.add("post_root " + pyList(keys.missingKeys()));
            keys.missingKeys().clear();
        });
        Module.IncompatibleKeys r = m.loadStateDict(old, true);
        assertEquals(e.get("load.calls"), String.join(" | ", calls));
        assertEquals(e.get("load.result"), r.toString());
        assertEquals(e.get("load.weight0"), values(m.get(0, Linear.class).weight()));
        assertEquals(e.get("load.bias2"), values(m.get(2, Linear.class).bias()));
    }

    private static String pyList(List<String> keys) {
        return keys.stream().map(k -> "'" + k + "'").collect(Collectors.joining(", ", "[", "]"));
    }

    @Test
    void aStrictLoadFailingAfterThePostHooksChangesNothing() {
        Map<String, String> e = expected();
        Sequential m = model();
        m.registerLoadStateDictPostHook((module, keys) -> { });
        Map<String, Tensor> part = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> {
            if (!k.equals("2.bias")) {
                part.put(k, v.add(1));
            }
        });
        double[] before = m.get(0, Linear.class).weight().toDoubleArray();
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(part));
        assertEquals(e.get("strict.error").replaceFirst("^RuntimeError: ", ""), thrown.getMessage());
        assertArrayEquals(before, m.get(0, Linear.class).weight().toDoubleArray(), 0, "the values put back");
        assertEquals(e.get("nonstrict.result"), m.loadStateDict(part, false).toString());
    }

    @Test
    void aLoadPreHooksErrorFailsTheLoad() {
        Map<String, String> e = expected();
        Sequential m = model();
        m.registerLoadStateDictPreHook((module, sd, prefix, strict, missing, unexpected, errors) ->
            errors.add("checkpoint too old"));
        Map<String, Tensor> sd = m.stateDict();
        assertEquals(e.get("prehook.error").replaceFirst("^RuntimeError: ", ""),
            assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.registerLoadStateDictPostHook(null));
        assertThrows(IllegalArgumentException.class, () -> m.registerStateDictPreHook(null));
    }
}
