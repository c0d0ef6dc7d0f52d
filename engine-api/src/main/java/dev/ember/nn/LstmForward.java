package dev.ember.nn;

import dev.ember.LstmState;
import dev.ember.RnnOutput;

/**
 * What computes an LSTM's forward: {@link LSTM}, and a module that replaces one in its parent
 * ({@link Module#setSubmodule}), such as the dynamically quantized LSTM, to which the replaced layer's
 * {@link LSTM#forward(dev.ember.Tensor, LstmState)} then forwards.
 */
public interface LstmForward {
    /**
     * The output sequence and the final states from {@code hx} ({@code (h0, c0)}; null for zeros), as PyTorch's
     * {@code LSTM.forward}.
     *
     * @param input {@code [L, N, H_in]} (or batch first), or {@code [L, H_in]} unbatched
     * @param hx the initial states, or null
     * @return the output and {@code (h_n, c_n)}
     */
    RnnOutput forward(dev.ember.Tensor input, LstmState hx);

    /**
     * The packed output and the final state(s) of a {@link dev.ember.nn.utils.PackedSequence} input from {@code hx}
     * (original batch order; null for zeros), as PyTorch's forward with a PackedSequence.
     *
     * @param input the packed batch
     * @param hx the initial state(s), or null
     * @return the packed output and the final state(s), in the original batch order
     */
    dev.ember.nn.utils.PackedRnnOutput forward(dev.ember.nn.utils.PackedSequence input, LstmState hx);
}
