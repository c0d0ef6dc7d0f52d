package dev.ember;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The name a shared result record prints under, as PyTorch's {@code torch.return_types.*} structseqs: one record type
 * (say {@link Tensor.ValuesIndices}) serves several ops ({@code max}, {@code sort}, {@code topk}, ...) whose results
 * PyTorch prints under the op's own name. The name is kept beside the record, not in it: an extra record component
 * would change what code that reads records as tuples of tensors sees (forward hooks, {@code default_collate}, the
 * layout sweeps), so the records keep their tensor components and a result made by an op is registered here, weakly
 * (the entry goes with the record). A record built any other way (its constructor, a collate rebuilding it) prints
 * under its type's default.
 */
final class ReturnTypes {
    private static final Map<Object, String> NAMES = Collections.synchronizedMap(new WeakHashMap<>());

    private ReturnTypes() {
    }

    /** {@code result}, registered to print as {@code name} (a full structseq name, or "" for a plain tuple). */
    static <R> R named(R result, String name) {
        NAMES.put(result, name);
        return result;
    }

    /** The name {@code result} was registered under, else {@code fallback}. */
    static String nameOf(Object result, String fallback) {
        String n = NAMES.get(result);
        return n == null ? fallback : n;
    }

    /** A structseq's repr ({@code name(\nfield=value,...)}), or a plain tuple's where {@code name} is empty. */
    static String repr(String name, Object... fieldsAndValues) {
        if (name.isEmpty()) {
            Object[] values = new Object[fieldsAndValues.length / 2];
            for (int i = 0; i < values.length; i++) {
                values[i] = fieldsAndValues[2 * i + 1];
            }
            return Tensor.pyTuple(values);
        }
        return Tensor.structseq(name, fieldsAndValues);
    }
}
