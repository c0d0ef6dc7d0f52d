package dev.ember.nn;

import dev.ember.Tensor;

/**
 * What computes a GRU or RNN cell's step: {@link GRUCell} and {@link RNNCell}, and a module that replaces one in its
 * parent ({@link Module#setSubmodule}), such as the dynamically quantized cells, to which the replaced cell's
 * {@code forward(input, hx)} then forwards.
 */
public interface RnnCellForward {
    /**
     * The next hidden state from {@code hx} (null for zeros), as PyTorch's {@code GRUCell.forward} and
     * {@code RNNCell.forward}.
     *
     * @param input {@code [N, input_size]}
     * @param hx the hidden state, or null
     * @return the next hidden state
     */
    Tensor forward(Tensor input, Tensor hx);
}
