package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.LogSigmoid}: {@code log(sigmoid(x))}, one node LogSigmoidBackward0. */
public class LogSigmoid extends Module {
    /** The layer; it has no parameters. */
    public LogSigmoid() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.logsigmoid(input);
    }
}
