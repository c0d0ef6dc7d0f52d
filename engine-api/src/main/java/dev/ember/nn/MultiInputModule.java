package dev.ember.nn;

import dev.ember.Tensor;

/**
 * What {@link Module2}, {@link Module3} and {@link Module4} share: the one-tensor {@link #forward(Tensor)} and
 * {@link #apply(Tensor)} every module has refuse, as PyTorch's call with missing arguments does, naming how many
 * tensors the module's own forward takes.
 */
abstract class MultiInputModule extends Module {
    private final String count;
    private final String names;

    /** {@code count} in words ("two") and the parameter names ("a, b") for the message. */
    MultiInputModule(String count, String names) {
        this.count = count;
        this.names = names;
    }

    /**
     * Refuses: this module's forward takes several tensors.
     *
     * @throws IllegalArgumentException always, with PyTorch's message for a call without the other arguments
     */
    @Override
    public Tensor forward(Tensor input) {
        throw MultiOutputs.missingArguments(this, count, names);
    }

    /**
     * Refuses before any hook runs: this module's forward takes several tensors.
     *
     * @throws IllegalArgumentException always, as {@link #forward(Tensor)}
     */
    @Override
    public Tensor apply(Tensor input) {
        throw MultiOutputs.missingArguments(this, count, names);
    }
}
