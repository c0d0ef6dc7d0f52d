package dev.ember.optim;

import dev.ember.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One parameter group of an {@link Optimizer}, as an entry of PyTorch's {@code optimizer.param_groups}: its parameters
 * and its options ({@code lr}, {@code weight_decay}, {@code betas}, ...). The optimizer's options are checked with the
 * constructor's messages whenever they are set, so a group never holds a value its optimizer refuses; other keys (those
 * schedulers add, such as {@code initial_lr}) hold any number, boolean, string, list of numbers or null.
 *
 * <p>Values: a number option is a {@link Double}, a flag a {@link Boolean}, {@code betas} an unmodifiable
 * {@code List<Double>} of two. Schedules and users change options with {@link #set} or {@link #setLr}, as PyTorch code
 * assigns {@code group['lr'] = x}; a group's parameters are fixed.
 */
public final class ParamGroup {
    private final Optimizer owner;
    private final List<Tensor> params;
    private final Map<String, Object> options;

    ParamGroup(Optimizer owner, List<Tensor> params, Map<String, Object> options) {
        this.owner = owner;
        this.params = Collections.unmodifiableList(params);
        this.options = options;
    }

    /** The group's parameters, in order (unmodifiable). */
    public List<Tensor> params() {
        return params;
    }

    /** The group's options, in order, without {@code params} (an unmodifiable view). */
    public Map<String, Object> options() {
        return Collections.unmodifiableMap(options);
    }

    /** Whether the group has an option of this name. */
    public boolean has(String name) {
        return options.containsKey(name);
    }

    /**
     * An option's value.
     *
     * @throws IllegalArgumentException for an option the group does not have (PyTorch's {@code KeyError})
     */
    public Object get(String name) {
        if (name == null || !options.containsKey(name)) {
            throw new IllegalArgumentException("KeyError: " + (name == null ? "None" : "'" + name + "'"));
        }
        return options.get(name);
    }

    /**
     * A number option's value.
     *
     * @throws IllegalArgumentException for an option the group does not have or one that is not a number
     */
    public double getDouble(String name) {
        Object v = get(name);
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException("option '" + name + "' is not a number: " + v);
        }
        return ((Number) v).doubleValue();
    }

    /** The learning rate, {@code group['lr']}. */
    public double lr() {
        return getDouble("lr");
    }

    /**
     * Sets the learning rate, as {@code group['lr'] = lr}.
     *
     * @throws IllegalArgumentException for a negative, nan or infinite rate, leaving the group as it was
     */
    public ParamGroup setLr(double lr) {
        return set("lr", lr);
    }

    /**
     * Sets an option, as {@code group[name] = value}: one of the optimizer's options is converted (a number to a
     * double, {@code betas} to a list of two doubles) and checked with the optimizer's constructor message; any other
     * key is stored as given (a number as a double).
     *
     * @throws IllegalArgumentException for the key {@code params}, a null name, a value of the wrong type or one the
     *     optimizer refuses, leaving the group as it was
     */
    public ParamGroup set(String name, Object value) {
        if (name == null) {
            throw new IllegalArgumentException("an option name must not be null");
        }
        if (name.equals("params")) {
            throw new IllegalArgumentException("a parameter group's params cannot be replaced; add a group with "
                    + "Optimizer.addParamGroup");
        }
        Object v = owner.normalizeOption(name, value);
        owner.checkOption(name, v);
        options.put(name, v);
        return this;
    }

    /**
     * Sets a number option as a scheduler does, as PyTorch's {@code group[name] = value}: without the optimizer's range
     * check (a schedule may take a rate below 0, as PyTorch's OneCycleLR does on its last linear step), but refusing nan
     * and infinity.
     */
    void putScheduled(String name, Object value) {
        Object v = owner.normalizeOption(name, value);
        checkScheduled(name, v);
        options.put(name, v);
    }

    /**
     * The check of {@link #putScheduled} on a normalized value: nan and infinity refused, any other number taken, and
     * null (PyTorch's None: the {@code lr=None} of an optimizer written outside Ember, transformers' Adafactor, which
     * sizes its steps itself) taken too.
     */
    static void checkScheduled(String name, Object v) {
        if (v == null) {
            return;
        }
        for (Object o : v instanceof java.util.List ? (java.util.List<?>) v : java.util.List.of(v)) {
            if (o instanceof Double && !Double.isFinite((Double) o)) {
                throw new IllegalArgumentException("Invalid " + (name.equals("lr") ? "learning rate" : name + " value") + ": "
                        + dev.ember.Format.repr((Double) o));
            }
        }
    }

    /** Replaces every option (a loaded state), already checked. */
    void replaceOptions(Map<String, Object> checked) {
        options.clear();
        options.putAll(checked);
    }

    /** A copy of the options, in order. */
    Map<String, Object> optionsCopy() {
        return new LinkedHashMap<>(options);
    }

    /**
     * PyTorch's print of the group, the dict {@code optimizer.param_groups[i]}: {@code {'params': [Parameter
     * containing:\ntensor(...)], 'lr': 0.1, 'momentum': 0.9, 'dampening': 0, ...}}, the options in the group's order
     * (as PyTorch's: the keys the group was given, then the optimizer's defaults it lacks, then keys added later such
     * as a scheduler's {@code initial_lr}), values as the optimizer's printout writes them, strings quoted.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{'params': [");
        for (int i = 0; i < params.size(); i++) {
            b.append(i > 0 ? ", " : "").append(params.get(i));
        }
        b.append(']');
        java.util.Set<String> ints = owner.intOptions();
        for (Map.Entry<String, Object> e : options.entrySet()) {
            b.append(", ").append(Optimizer.pythonRepr(e.getKey(), false)).append(": ")
                    .append(Optimizer.pythonRepr(e.getValue(), ints.contains(e.getKey())));
        }
        return b.append('}').toString();
    }
}
