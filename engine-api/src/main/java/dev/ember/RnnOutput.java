package dev.ember;

/**
 * The results of a recurrent network over a sequence ({@code torch.lstm}, {@code torch.gru}, {@code nn.LSTM},
 * {@code nn.GRU}): the output of the last layer at every step, {@code [T, N, D * H_out]} ({@code [N, T, D * H_out]}
 * batch first; without the batch dimension for an unbatched input), and the final hidden state {@code h} of every
 * layer and direction, {@code [D * num_layers, N, H_out]}; for an LSTM also its final cell state {@code c}
 * ({@code [D * num_layers, N, H_cell]}), null for a GRU.
 */
public record RnnOutput(Tensor output, Tensor h, Tensor c) {
    /** An LSTM's final states as the pair that {@code nn.LSTM} takes back as its {@code hx}. */
    public LstmState state() {
        if (c == null) {
            throw new IllegalStateException("a GRU has no cell state: its final state is h()");
        }
        return new LstmState(h, c);
    }

    /**
     * PyTorch's repr of the tuple the recurrent layer returns: {@code (output, h_n)} for a GRU or an RNN,
     * {@code (output, (h_n, c_n))} for an LSTM.
     */
    @Override
    public String toString() {
        return c == null ? Tensor.pyTuple(output, h) : Tensor.pyTuple(output, new LstmState(h, c));
    }
}
