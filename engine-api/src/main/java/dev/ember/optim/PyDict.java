package dev.ember.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A map in insertion order that prints as the Python dict it stands for in {@link Optimizer#stateDict()}:
 * {@code {'state': {0: {'step': tensor(1.), ...}}, 'param_groups': [{'lr': 0.1, ..., 'params': [0, 1]}]}}. String keys
 * are quoted, integer keys plain; an option's value prints as the optimizer's printout writes it (a whole number as an
 * int where PyTorch's default is an int, {@code betas} as a tuple), {@code params} as a list. Otherwise a plain
 * {@link LinkedHashMap}.
 *
 * @param <K> the keys' type (String or Integer)
 */
final class PyDict<K> extends LinkedHashMap<K, Object> {
    private static final long serialVersionUID = 1L;

    /** The options printed as ints when whole (the owner's {@link Optimizer#intOptions()}). */
    private final transient Set<String> intOptions;

    PyDict(Set<String> intOptions) {
        this.intOptions = intOptions;
    }

    /** Python's repr of the dict. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<K, Object> e : entrySet()) {
            K k = e.getKey();
            b.append(first ? "" : ", ").append(k instanceof String ? Optimizer.pythonRepr(k, false) : String.valueOf(k))
                    .append(": ").append(value(k, e.getValue()));
            first = false;
        }
        return b.append('}').toString();
    }

    private String value(K key, Object v) {
        if (v instanceof List && ("params".equals(key) || "param_groups".equals(key))) {
            StringBuilder b = new StringBuilder("[");
            List<?> l = (List<?>) v;
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? ", " : "").append(l.get(i));
            }
            return b.append(']').toString();
        }
        if (v instanceof Map) {
            return v.toString();
        }
        return Optimizer.pythonRepr(v, key instanceof String && intOptions.contains(key));
    }
}
