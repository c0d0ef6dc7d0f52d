package dev.ember.nn;

import dev.ember.LstmState;
import dev.ember.Tensor;

/**
 * What computes an LSTM cell's step: {@link LSTMCell}, and a module that replaces one in its parent
 * ({@link Module#setSubmodule}), such as the dynamically quantized LSTM cell, to which the replaced cell's
 * {@link LSTMCell#forward(Tensor, LstmState)} then forwards.
 */
public interface LstmCellForward {
    /**
     * The next state from {@code hx} ({@code (h, c)}; null for zeros), as PyTorch's {@code LSTMCell.forward}.
     *
     * @param input {@code [N, input_size]}
     * @param hx the state, or null
     * @return the next {@code (h, c)}
     */
    LstmState forward(Tensor input, LstmState hx);
}
