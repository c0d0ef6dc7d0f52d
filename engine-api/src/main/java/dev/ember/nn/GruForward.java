package dev.ember.nn;

import dev.ember.RnnOutput;
import dev.ember.Tensor;

/**
 * What computes a GRU's forward: {@link GRU}, and a module that replaces one in its parent ({@link Module#setSubmodule}),
 * such as the dynamically quantized GRU, to which the replaced layer's {@link GRU#forward(Tensor, Tensor)} then
 * forwards.
 */
public interface GruForward {
    /**
     * The output sequence and the final state from {@code hx} (null for zeros), as PyTorch's {@code GRU.forward}.
     *
     * @param input {@code [L, N, H_in]} (or batch first), or {@code [L, H_in]} unbatched
     * @param hx the initial state, or null
     * @return the output and {@code h_n} ({@code c} null)
     */
    RnnOutput forward(Tensor input, Tensor hx);

    /**
     * The packed output and the final state(s) of a {@link dev.ember.nn.utils.PackedSequence} input from {@code hx}
     * (original batch order; null for zeros), as PyTorch's forward with a PackedSequence.
     *
     * @param input the packed batch
     * @param hx the initial state(s), or null
     * @return the packed output and the final state(s), in the original batch order
     */
    dev.ember.nn.utils.PackedRnnOutput forward(dev.ember.nn.utils.PackedSequence input, Tensor hx);
}
