package dev.ember.nn.utils;

import dev.ember.LstmState;
import dev.ember.Tensor;

/**
 * What {@code nn.LSTM}, {@code nn.GRU} and {@code nn.RNN} return for a {@link PackedSequence} input, PyTorch's
 * {@code (output, h_n)} / {@code (output, (h_n, c_n))} tuple.
 *
 * <p>A record of its own rather than {@link dev.ember.RnnOutput} with a packed output: PyTorch's first element is a
 * {@code PackedSequence}, not a tensor, and a separate type keeps that in the signature, so a packed forward can only be
 * read as packed ({@code r.output().data()}, or {@link Rnn#padPackedSequence} for the padded form) and the unpacked
 * forwards keep returning plain tensors.
 *
 * @param output the last layer's output at every real step, packed with the input's {@code batch_sizes},
 *               {@code sorted_indices} and {@code unsorted_indices}; its data is {@code [sum(lengths), D * H_out]}
 * @param h the final hidden state of every layer and direction, {@code [D * num_layers, N, H_out]}: each sequence's at
 *          its last real step (the reverse direction's at its first), in the original (unsorted) batch order
 * @param c an LSTM's final cell state, {@code [D * num_layers, N, hidden_size]}, in the same order; null for a GRU or
 *          an RNN
 */
public record PackedRnnOutput(PackedSequence output, Tensor h, Tensor c) {
    /** An LSTM's final states as the pair that {@code nn.LSTM} takes back as its {@code hx}. */
    public LstmState state() {
        if (c == null) {
            throw new IllegalStateException("a GRU or an RNN has no cell state: its final state is h()");
        }
        return new LstmState(h, c);
    }

    /**
     * PyTorch's repr of the tuple the recurrent layer returns: {@code (PackedSequence(...), h_n)}, for an LSTM
     * {@code (PackedSequence(...), (h_n, c_n))}.
     */
    @Override
    public String toString() {
        return "(" + output + ", " + (c == null ? String.valueOf(h) : new LstmState(h, c).toString()) + ")";
    }
}
