package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The walks of a module tree's state-dict hooks ({@link Module#registerStateDictPreHook},
 * {@link Module#registerStateDictPostHook}, {@link Module#registerLoadStateDictPreHook},
 * {@link Module#registerLoadStateDictPostHook}) in PyTorch's order: {@code state_dict} runs a module's pre-hooks, saves
 * its own entries, walks its children, then runs its post-hooks; {@code load_state_dict} runs every module's pre-hooks
 * (a module before its children, every path to a shared one) before anything is checked, and the post-hooks (children
 * before their parent) after the values are loaded, before a strict load checks the keys they may have changed.
 *
 * <p>Where PyTorch hands each submodule a filtered copy of the state dict, a load pre-hook here gets the one copy the
 * whole load reads: a hook changing keys under its own prefix does what it does in PyTorch; one changing keys outside
 * it changes them for the whole load. A strict load that fails after the post-hooks (keys they left) leaves the
 * module's values as they were, as every failed load does (the values are put back; their version counters moved on),
 * where PyTorch leaves them loaded; a lazy module stays materialized.
 */
final class StateDictHooks {
    private StateDictHooks() {
    }

    /** Whether any module under {@code root} has save hooks. */
    static boolean anySave(Module root) {
        for (Module m : root.modulePaths().values()) {
            if (m.hasSaveHooks()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a module among {@code modules} (every path) has load pre-hooks. */
    static boolean anyLoadPre(Map<String, Module> modules) {
        return modules.values().stream().anyMatch(m -> !m.loadPreHooks().isEmpty());
    }

    /** Whether a module among {@code modules} (every path) has load post-hooks. */
    static boolean anyLoadPost(Map<String, Module> modules) {
        return modules.values().stream().anyMatch(m -> !m.loadPostHooks().isEmpty());
    }

    private static String prefix(String path) {
        return path.isEmpty() ? "" : path + ".";
    }

    /**
     * The load pre-hooks of every module path in order (a module before its children), on a copy of {@code state}
     * that they may change; returns that copy.
     */
    static Map<String, Tensor> loadPre(Map<String, Module> modules, Map<String, Tensor> state, boolean strict,
                                       List<String> missing, List<String> unexpected, List<String> errors) {
        Map<String, Tensor> work = new LinkedHashMap<>(state);
        modules.forEach((path, m) -> {
            for (Module.LoadStateDictPreHook h : m.loadPreHooks()) {
                h.apply(m, work, prefix(path), strict, missing, unexpected, errors);
            }
        });
        return work;
    }

    /**
     * A load whose checks passed, with post-hooks: {@code load} applies it (undoable when a strict check may fail),
     * then every module's post-hooks run (children before parents) with the incompatible keys, whose lists they may
     * change; a strict load with keys left then fails and is undone. As in PyTorch's recursive load, a module's hooks
     * see the keys of the modules loaded so far: those of every module up to the end of its subtree in pre-order (a
     * key belongs to the deepest module whose path prefixes it), grouped by module in that order.
     */
    static Module.IncompatibleKeys loadWithPostHooks(Module root, Map<String, Module> modules, boolean strict,
                                                     List<String> missing, List<String> unexpected,
                                                     Function<Boolean, Runnable> load) {
        Runnable undo = load.apply(strict && (!missing.isEmpty() || !unexpected.isEmpty()));
        List<Map.Entry<String, Module>> paths = new ArrayList<>(modules.entrySet());
        List<List<String>> missingBy = byOwner(paths, missing);
        List<List<String>> unexpectedBy = byOwner(paths, unexpected);
        missing.clear();
        unexpected.clear();
        Module.IncompatibleKeys live = new Module.IncompatibleKeys(missing, unexpected);
        int[] revealed = {0};
        walk(paths, 0, (index, end) -> {
            for (; revealed[0] <= end; revealed[0]++) {
                missing.addAll(missingBy.get(revealed[0]));
                unexpected.addAll(unexpectedBy.get(revealed[0]));
            }
            Module m = paths.get(index).getValue();
            for (Module.LoadStateDictPostHook h : m.loadPostHooks()) {
                h.apply(m, live);
            }
        });
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            if (undo != null) {
                undo.run();
            }
            throw root.loadError(Module.strictErrors(missing, unexpected));
        }
        return new Module.IncompatibleKeys(List.copyOf(missing), List.copyOf(unexpected));
    }

    /**
     * Puts the unexpected keys a load found in PyTorch's order: {@code load_state_dict} finds them module by module as
     * it walks the modules (every path, a module before its children), each key at the deepest module whose path
     * prefixes it, and at each module the {@code _extra_state} key of a class that does not load extra state before
     * the module's other keys, which keep the state dict's order.
     */
    static void orderUnexpected(List<String> keys, Map<String, Module> modules) {
        if (keys.size() < 2) {
            return;
        }
        Map<String, Integer> index = new java.util.HashMap<>();
        for (String path : modules.keySet()) {
            index.putIfAbsent(path, index.size());
        }
        Map<String, long[]> rank = new java.util.HashMap<>();
        for (String key : keys) {
            int owner = 0;
            String ownerPath = "";
            for (int dot = key.lastIndexOf('.'); dot > 0; dot = key.lastIndexOf('.', dot - 1)) {
                Integer i = index.get(key.substring(0, dot));
                if (i != null) {
                    owner = i;
                    ownerPath = key.substring(0, dot + 1);
                    break;
                }
            }
            boolean extra = key.equals(ownerPath + ExtraState.SUFFIX);
            rank.put(key, new long[] {owner, extra ? 0 : 1});
        }
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort((a, b) -> {
            long[] ra = rank.get(a);
            long[] rb = rank.get(b);
            return ra[0] != rb[0] ? Long.compare(ra[0], rb[0]) : Long.compare(ra[1], rb[1]);
        });
        for (int i = 0; i < sorted.size(); i++) {
            keys.set(i, sorted.get(i));
        }
    }

    /** {@code keys} grouped by the index (in {@code paths}) of the deepest module path that prefixes each. */
    private static List<List<String>> byOwner(List<Map.Entry<String, Module>> paths, List<String> keys) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            out.add(new ArrayList<>());
        }
        for (String key : keys) {
            int owner = 0;
            int depth = -1;
            for (int i = 0; i < paths.size(); i++) {
                String path = paths.get(i).getKey();
                if ((path.isEmpty() || key.startsWith(path + ".")) && path.length() > depth) {
                    owner = i;
                    depth = path.length();
                }
            }
            out.get(owner).add(key);
        }
        return out;
    }

    /** A module's turn in the post-order walk: its index in pre-order and the last index of its subtree. */
    private interface Visit {
        void at(int index, int subtreeEnd);
    }

    /**
     * Visits the subtree of the pre-order {@code paths} starting at {@code i} in post-order (each module after every
     * path under it, as PyTorch's recursive load finishes them); returns the index after the subtree.
     */
    private static int walk(List<Map.Entry<String, Module>> paths, int i, Visit visit) {
        String path = paths.get(i).getKey();
        int j = i + 1;
        while (j < paths.size() && isUnder(paths.get(j).getKey(), path)) {
            j = walk(paths, j, visit);
        }
        visit.at(i, j - 1);
        return j;
    }

    private static boolean isUnder(String path, String parent) {
        return parent.isEmpty() ? !path.isEmpty() : path.startsWith(parent + ".");
    }
}
