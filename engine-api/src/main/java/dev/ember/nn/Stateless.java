package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Calling a module with other tensors in place of its parameters and buffers, as PyTorch's
 * {@code torch.func.functional_call} ({@code torch.nn.utils.stateless}): the module's forward reads the given tensors
 * for the names given (dotted, as in {@link Module#stateDict()}: {@code "0.weight"}) and its own for the rest, and
 * everything is put back when the call returns or throws. The given tensors need not be parameters: a tensor with a
 * history (weights computed from others, as in MAML's inner step) makes the output differentiable with respect to what
 * it was computed from, and the module's own parameters get no gradient from such a call.
 *
 * <pre>{@code
 * Map<String, Tensor> fast = new LinkedHashMap<>();
 * model.namedParameters().forEach((name, p) -> fast.put(name, p.sub(grads.get(name).mul(0.1))));
 * Tensor out = Stateless.functionalCall(model, fast, x);
 * }</pre>
 *
 * <p>As PyTorch: with {@code tieWeights} (the default) a tensor given for one name of a tied tensor (one registered
 * under several names, {@link Module#setParameter}) replaces it under all of them, and different tensors for two names
 * of one tied tensor are refused; with {@code strict} every parameter and buffer must be given and nothing else; a
 * name the module does not have is otherwise ignored. A buffer the forward updates in place (batch norm's running
 * statistics in training) is updated in the given tensor, not the module's. While the call runs the module holds the
 * given tensors (its {@code parameters()} and {@code stateDict()} show them), so another thread using the same module
 * at the same time sees them too, as in PyTorch. A parametrized name or a pruned weight (computed by a parametrization
 * or a forward pre-hook) is refused: give the tensors it is computed from ({@code parametrizations.weight.original},
 * {@code weight_orig}).
 */
public final class Stateless {
    private Stateless() {
    }

    /**
     * {@code functional_call(module, parametersAndBuffers, (input,))}: {@code module.apply(input)} with the given
     * tensors in place, weights tied as registered.
     *
     * @param module the module
     * @param parametersAndBuffers tensors by dotted name (a null value replaces with none, as PyTorch's {@code None})
     * @param input the forward's input
     * @return the forward's output
     */
    public static Tensor functionalCall(Module module, Map<String, Tensor> parametersAndBuffers, Tensor input) {
        return functionalCall(module, parametersAndBuffers, true, false, m -> m.apply(input));
    }

    /**
     * {@code torch.func.functional_call(module, (params, buffers), (input,))}: several dictionaries (as
     * {@code Func.stackModuleState} gives them, or parameters and buffers kept apart) merged into one.
     *
     * @param module the module
     * @param dictionaries tensors by dotted name, no name in two of them
     * @param input the forward's input
     * @return the forward's output
     * @throws IllegalArgumentException for a name in more than one dictionary (PyTorch's message) or a null one
     */
    public static Tensor functionalCall(Module module, List<Map<String, Tensor>> dictionaries, Tensor input) {
        return functionalCall(module, merged(dictionaries), true, false, m -> m.apply(input));
    }

    /**
     * {@link #functionalCall(Module, List, Tensor)} for any forward.
     *
     * @param module the module
     * @param dictionaries tensors by dotted name, no name in two of them
     * @param call what to run while they are in place
     * @param <M> the module's type
     * @param <R> what the call returns
     * @return what {@code call} returns
     */
    public static <M extends Module, R> R functionalCall(M module, List<Map<String, Tensor>> dictionaries,
                                                         Function<? super M, R> call) {
        return functionalCall(module, merged(dictionaries), true, false, call);
    }

    /** torch.func's merge of a sequence of dictionaries, refusing a name given twice (2.x's message). */
    private static Map<String, Tensor> merged(List<Map<String, Tensor>> dictionaries) {
        if (dictionaries == null) {
            throw new IllegalArgumentException("functional_call(): the module, the tensors and the call must not be null");
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (Map<String, Tensor> d : dictionaries) {
            if (d == null) {
                throw new IllegalArgumentException("Expected all elements of parameter_and_buffer_dicts to be dictionaries");
            }
            for (Map.Entry<String, Tensor> e : d.entrySet()) {
                counts.merge(e.getKey(), 1, Integer::sum);
                all.put(e.getKey(), e.getValue());
            }
        }
        List<String> repeated = new ArrayList<>();
        counts.forEach((k, n) -> {
            if (n > 1) {
                repeated.add("'" + k + "'");
            }
        });
        if (!repeated.isEmpty()) {
            throw new IllegalArgumentException(repeated + " appeared in multiple dictionaries; behavior of functional call "
                    + "is ambiguous");
        }
        return all;
    }

    /**
     * {@code functional_call} for any forward: runs {@code call} on the module with the given tensors in place, weights
     * tied as registered ({@code m -> m.apply(a, b)} for a {@link Module2}, or any code that uses the module).
     *
     * @param module the module
     * @param parametersAndBuffers tensors by dotted name
     * @param call what to run while they are in place
     * @param <M> the module's type
     * @param <R> what the call returns
     * @return what {@code call} returns
     */
    public static <M extends Module, R> R functionalCall(M module, Map<String, Tensor> parametersAndBuffers,
                                                         Function<? super M, R> call) {
        return functionalCall(module, parametersAndBuffers, true, false, call);
    }

    /**
     * {@code functional_call(module, parametersAndBuffers, ..., tie_weights=tieWeights, strict=strict)}.
     *
     * @param module the module
     * @param parametersAndBuffers tensors by dotted name
     * @param tieWeights whether a tensor given for one name of a tied tensor replaces it under every name
     * @param strict whether every parameter and buffer must be given, and nothing else
     * @param call what to run while they are in place
     * @param <M> the module's type
     * @param <R> what the call returns
     * @return what {@code call} returns
     * @throws IllegalArgumentException for a null argument or key, two different tensors for one tied tensor, a
     *     strict mismatch or a key through a submodule that does not exist (PyTorch's messages), before anything
     *     changes
     */
    public static <M extends Module, R> R functionalCall(M module, Map<String, Tensor> parametersAndBuffers,
                                                         boolean tieWeights, boolean strict, Function<? super M, R> call) {
        if (module == null || parametersAndBuffers == null || call == null) {
            throw new IllegalArgumentException("functional_call(): the module, the tensors and the call must not be null");
        }
        for (String k : parametersAndBuffers.keySet()) {
            if (k == null) {
                throw new IllegalArgumentException("functional_call(): a tensor name must not be null");
            }
        }
        Map<String, Tensor> untied = tieWeights ? untie(module, parametersAndBuffers)
                : new LinkedHashMap<>(parametersAndBuffers);
        if (strict) {
            checkKeys(module, untied);
        }
        // every owner found first: a key through a missing submodule fails before anything is swapped
        List<Module> owners = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String key : untied.keySet()) {
            int dot = key.lastIndexOf('.');
            String attr = key.substring(dot + 1);
            if (attr.isEmpty()) {
                throw new IllegalArgumentException("tensor name can't be empty string \"\"");
            }
            owners.add(module.getSubmodule(dot < 0 ? "" : key.substring(0, dot)));
            names.add(attr);
        }
        List<Tensor> originals = new ArrayList<>();
        List<Boolean> swapped = new ArrayList<>();
        boolean[] missing = new boolean[1];
        List<Tensor> values = new ArrayList<>(untied.values());
        try {
            for (int i = 0; i < names.size(); i++) {
                originals.add(owners.get(i).swapTensor(names.get(i), values.get(i), missing));
                swapped.add(!missing[0]);
            }
            return call.apply(module);
        } finally {
            Map<String, Tensor> now = new LinkedHashMap<>();
            List<String> keys = new ArrayList<>(untied.keySet());
            for (int i = originals.size() - 1; i >= 0; i--) {
                if (swapped.get(i)) {
                    now.put(keys.get(i), owners.get(i).swapTensor(names.get(i), originals.get(i), missing));
                }
            }
            // a module that replaced a given tensor during the call (not in place) leaves the new one in the caller's map
            for (Map.Entry<String, Tensor> e : now.entrySet()) {
                if (parametersAndBuffers.containsKey(e.getKey()) && parametersAndBuffers.get(e.getKey()) != e.getValue()) {
                    parametersAndBuffers.put(e.getKey(), e.getValue());
                }
            }
        }
    }

    /**
     * PyTorch's {@code _untie_named_tensors_map}: each given name of a tied tensor stands for all of its names;
     * different tensors given for names of one tied tensor are refused.
     */
    private static Map<String, Tensor> untie(Module module, Map<String, Tensor> given) {
        Map<Tensor, TreeSet<String>> namesOf = new IdentityHashMap<>();
        for (Map.Entry<String, Tensor> e : module.stateTensors().entrySet()) {
            namesOf.computeIfAbsent(e.getValue(), t -> new TreeSet<>()).add(e.getKey());
        }
        Map<String, TreeSet<String>> tied = new LinkedHashMap<>();
        for (TreeSet<String> group : namesOf.values()) {
            if (group.size() > 1) {
                for (String n : group) {
                    tied.put(n, group);
                }
            }
        }
        for (String name : given.keySet()) {
            TreeSet<String> group = tied.get(name);
            if (group == null) {
                continue;
            }
            Tensor first = null;
            boolean seen = false;
            for (String other : group) {
                if (given.containsKey(other)) {
                    if (seen && given.get(other) != first) {
                        throw new IllegalArgumentException("functional_call got multiple values for keys "
                                + pyList(group) + ", which are tied. Consider using tie_weights=False");
                    }
                    first = given.get(other);
                    seen = true;
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>(given);
        for (Map.Entry<String, Tensor> e : given.entrySet()) {
            TreeSet<String> group = tied.get(e.getKey());
            if (group != null) {
                for (String n : group) {
                    out.put(n, e.getValue());
                }
            }
        }
        return out;
    }

    /** PyTorch's strict check: every parameter and buffer name given, and no other. */
    private static void checkKeys(Module module, Map<String, Tensor> given) {
        TreeSet<String> valid = new TreeSet<>(module.stateTensors().keySet());
        TreeSet<String> missing = new TreeSet<>(valid);
        missing.removeAll(given.keySet());
        TreeSet<String> unexpected = new TreeSet<>(given.keySet());
        unexpected.removeAll(valid);
        List<String> msgs = new ArrayList<>();
        if (!unexpected.isEmpty()) {
            msgs.add("Unexpected key(s): " + quoted(unexpected) + ".");
        }
        if (!missing.isEmpty()) {
            msgs.add("Missing key(s): " + quoted(missing) + ".");
        }
        if (!msgs.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in reparametrizing for " + module.moduleName() + ":\n\t"
                    + String.join("\n\t", msgs));
        }
    }

    private static String quoted(Iterable<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append(sb.length() > 0 ? ", " : "").append('\'').append(n).append('\'');
        }
        return sb.toString();
    }

    private static String pyList(Iterable<String> names) {
        return "[" + quoted(names) + "]";
    }
}
