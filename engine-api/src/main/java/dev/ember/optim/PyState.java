package dev.ember.optim;

import dev.ember.Format;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scheduler's state dict: a map in insertion order (PyTorch's {@code __dict__} order) that prints as Python prints
 * the dict, {@code {'step_size': 3, 'gamma': 0.5, 'base_lrs': [0.1], ..., '_last_lr': [0.05]}}: strings quoted, a
 * {@link Double} as Python's float repr ({@code 1.0}, {@code 1e-08}, {@code inf}), a {@link Long} as an int, null as
 * {@code None}, booleans as {@code True}/{@code False}, lists as {@code [...]}, maps as dicts and a {@link Counter} as
 * {@code Counter({...})}. Otherwise a plain {@link LinkedHashMap}.
 */
final class PyState extends LinkedHashMap<String, Object> {
    private static final long serialVersionUID = 1L;

    /** Python's repr of the dict. */
    @Override
    public String toString() {
        return repr(this);
    }

    /** Python's {@code repr} of a state value (see the class comment). */
    static String repr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Double || v instanceof Float) {
            return Format.repr(((Number) v).doubleValue());
        }
        if (v instanceof Boolean) {
            return (Boolean) v ? "True" : "False";
        }
        if (v instanceof String) {
            return Optimizer.pythonRepr(v, false);
        }
        if (v instanceof List) {
            StringBuilder b = new StringBuilder("[");
            List<?> l = (List<?>) v;
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? ", " : "").append(repr(l.get(i)));
            }
            return b.append(']').toString();
        }
        if (v instanceof Counter) {
            return ((Counter) v).toString();
        }
        if (v instanceof Map) {
            return dict(new ArrayList<>(((Map<?, ?>) v).entrySet()));
        }
        return v.toString();
    }

    private static String dict(List<? extends Map.Entry<?, ?>> entries) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < entries.size(); i++) {
            Map.Entry<?, ?> e = entries.get(i);
            b.append(i > 0 ? ", " : "").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
        }
        return b.append('}').toString();
    }

    /**
     * Python's {@code collections.Counter} of ints (MultiStepLR's {@code milestones}): a map from value to count that
     * prints as PyTorch's state dict prints it, {@code Counter({5: 2, 2: 1, 8: 1})} (most common first, ties in
     * insertion order, as {@code most_common()}), {@code Counter()} when empty.
     */
    static final class Counter extends LinkedHashMap<Long, Long> {
        private static final long serialVersionUID = 1L;

        Counter(Map<Long, Long> counts) {
            super(counts);
        }

        @Override
        public String toString() {
            if (isEmpty()) {
                return "Counter()";
            }
            List<Map.Entry<Long, Long>> entries = new ArrayList<>(entrySet());
            entries.sort((a, b) -> Long.compare(b.getValue(), a.getValue())); // stable: ties keep insertion order
            return "Counter(" + dict(entries) + ")";
        }
    }
}
