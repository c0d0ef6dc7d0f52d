package dev.ember.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map in insertion order that prints as Python's {@code collections.OrderedDict}, what {@link Module#stateDict()}
 * returns in PyTorch: {@code OrderedDict([('weight', tensor(...)), ('bias', tensor(...))])} (the repr of Python up to
 * 3.11; 3.12 writes {@code OrderedDict({'weight': tensor(...), ...})}). Otherwise a plain {@link LinkedHashMap}.
 *
 * @param <V> the values' type
 */
final class OrderedDict<V> extends LinkedHashMap<String, V> {
    private static final long serialVersionUID = 1L;

    OrderedDict() {
    }

    /** Python's repr: {@code OrderedDict([('key', value), ...])}, {@code OrderedDict()} when empty. */
    @Override
    public String toString() {
        if (isEmpty()) {
            return "OrderedDict()";
        }
        StringBuilder b = new StringBuilder("OrderedDict([");
        boolean first = true;
        for (Map.Entry<String, V> e : entrySet()) {
            b.append(first ? "" : ", ").append('(').append(Module.IncompatibleKeys.pyStr(e.getKey())).append(", ")
                    .append(e.getValue() == null ? "None" : e.getValue()).append(')');
            first = false;
        }
        return b.append("])").toString();
    }
}
