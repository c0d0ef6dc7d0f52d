package dev.ember.ao.quantization;

import dev.ember.Tensor;
import dev.ember.ao.nn.quantized.QuantizedState;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.TorchSerialization;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A quantized model's state dict, PyTorch's {@code model.state_dict()} and {@code load_state_dict} for models holding
 * {@link QuantizedState} modules: each module's registered tensors, then its hand-written entries, module by module in
 * PyTorch's order, with the modules' versions as {@code _metadata}.
 */
final class QuantizedStateDicts {
    private QuantizedStateDicts() {
    }

    private static String join(String prefix, String key) {
        return prefix.isEmpty() ? key : key.isEmpty() ? prefix : prefix + "." + key;
    }

    static Map<String, Object> stateDict(Module model) {
        if (model == null) {
            throw new IllegalArgumentException("state_dict needs a model");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        save(model, "", out, versions);
        return TorchSerialization.stateDictWithVersions(out, versions);
    }

    private static void save(Module m, String prefix, Map<String, Object> out, Map<String, Long> versions) {
        if (m instanceof QuantizedState q) {
            q.stateVersions().forEach((k, v) -> versions.put(join(prefix, k), v));
        } else {
            String reason = ModuleInternals.unsavableReason(m);
            if (reason != null) {
                throw new UnsupportedOperationException("state_dict: the module '" + prefix + "' ("
                        + m.getClass().getSimpleName() + ") cannot be saved: " + reason);
            }
            versions.put(prefix, ModuleInternals.stateVersion(m));
        }
        ModuleInternals.ownStateTensors(m).forEach((k, v) -> out.put(join(prefix, k), v.isUninitialized() ? v : v.detach()));
        if (m instanceof QuantizedState q) {
            Map<String, Object> own = new LinkedHashMap<>();
            q.saveQuantizedState(own);
            own.forEach((k, v) -> out.put(join(prefix, k), v));
        }
        for (Map.Entry<String, Module> c : m.namedChildren().entrySet()) {
            if (c.getValue() != null) {
                save(c.getValue(), join(prefix, c.getKey()), out, versions);
            }
        }
    }

    static Module.IncompatibleKeys load(Module model, Map<?, ?> state, boolean strict) {
        if (model == null) {
            throw new IllegalArgumentException("load_state_dict needs a model");
        }
        if (state == null) {
            throw new IllegalArgumentException("Expected state_dict to be dict-like, got null.");
        }
        Map<String, Object> given = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : state.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw new IllegalArgumentException("load_state_dict: the state dict's keys must be strings, got "
                        + (e.getKey() == null ? "None" : e.getKey().getClass().getSimpleName()));
            }
            given.put(k, e.getValue());
        }
        Map<String, Long> versions = TorchSerialization.versions(state);
        Loader l = new Loader(given, versions);
        l.walk(model, "");
        List<String> unexpected = new ArrayList<>();
        for (String k : given.keySet()) {
            if (!l.expected.contains(k)) {
                unexpected.add(k);
            }
        }
        List<String> errors = new ArrayList<>(l.errors);
        if (strict) {
            if (!unexpected.isEmpty()) {
                errors.add(0, "Unexpected key(s) in state_dict: " + quoted(unexpected) + ". ");
            }
            if (!l.missing.isEmpty()) {
                errors.add(0, "Missing key(s) in state_dict: " + quoted(l.missing) + ". ");
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + ModuleInternals.className(model)
                    + ":\n\t" + String.join("\n\t", errors));
        }
        // the registered tensors: checked and copied by the module loader (which changes nothing when it refuses),
        // then the quantized modules' changes, which cannot fail
        ModuleInternals.loadTensorState(model, l.tensors, false);
        l.changes.forEach(Runnable::run);
        return new Module.IncompatibleKeys(List.copyOf(l.missing), List.copyOf(unexpected));
    }

    private static String quoted(List<String> keys) {
        StringBuilder b = new StringBuilder();
        for (String k : keys) {
            b.append(b.length() == 0 ? "" : ", ").append('"').append(k).append('"');
        }
        return b.toString();
    }

    /** One pass over the model: what each module reads, what is missing, and the changes to make. */
    private static final class Loader {
        final Map<String, Object> given;
        final Map<String, Long> versions;
        final Set<String> expected = new HashSet<>();
        final List<String> missing = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        final List<Runnable> changes = new ArrayList<>();

        Loader(Map<String, Object> given, Map<String, Long> versions) {
            this.given = given;
            this.versions = versions;
        }

        void walk(Module m, String prefix) {
            for (String k : ModuleInternals.ownStateTensors(m).keySet()) {
                String key = join(prefix, k);
                expected.add(key);
                if (!given.containsKey(key)) {
                    // PyTorch 2.x keeps a norm layer's own count when an older state dict lacks num_batches_tracked
                    if (!ModuleInternals.isNormBatchCount(m, k)) {
                        missing.add(key);
                    }
                } else if (given.get(key) instanceof Tensor t) {
                    tensors.put(key, t);
                } else {
                    errors.add("While copying the parameter named \"" + key + "\", expected torch.Tensor or Tensor-like "
                            + "object from checkpoint but received " + pythonType(given.get(key)));
                }
            }
            if (m instanceof QuantizedState q) {
                String dotted = prefix.isEmpty() ? "" : prefix + ".";
                Map<String, Long> own = new LinkedHashMap<>();
                for (String r : q.stateVersions().keySet()) {
                    Long v = versions.get(join(prefix, r));
                    if (v != null) {
                        own.put(r, v);
                    }
                }
                Set<String> present = new HashSet<>();
                for (String k : given.keySet()) {
                    if (prefix.isEmpty()) {
                        present.add(k);
                    } else if (k.startsWith(dotted)) {
                        present.add(k.substring(dotted.length()));
                    }
                }
                List<String> keys = q.quantizedStateKeys(own, present);
                Map<String, Object> entries = new LinkedHashMap<>();
                List<String> absent = new ArrayList<>();
                for (String k : keys) {
                    String key = join(prefix, k);
                    expected.add(key);
                    if (given.containsKey(key)) {
                        entries.put(k, given.get(key));
                    } else {
                        absent.add(key);
                    }
                }
                if (!absent.isEmpty()) {
                    missing.addAll(absent); // the module stays as it was
                } else {
                    try {
                        changes.add(q.loadQuantizedState(entries, own));
                    } catch (IllegalArgumentException e) {
                        errors.add("While loading the state of \"" + prefix + "\" (" + m.getClass().getSimpleName() + "): "
                                + e.getMessage());
                    }
                }
            }
            for (Map.Entry<String, Module> c : m.namedChildren().entrySet()) {
                if (c.getValue() != null) {
                    walk(c.getValue(), join(prefix, c.getKey()));
                }
            }
        }

        private static String pythonType(Object o) {
            if (o == null) {
                return "NoneType";
            }
            if (o instanceof QuantizedTensor) {
                return "a quantized Tensor (a quantized module's entry; this is a float module's)";
            }
            return o.getClass().getSimpleName();
        }
    }
}
