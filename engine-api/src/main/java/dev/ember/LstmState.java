package dev.ember;

/**
 * An LSTM's state, PyTorch's {@code (h, c)} tuple: the hidden state {@code h} and the cell state {@code c}. It is what
 * {@code nn.LSTM} takes as its initial state ({@code [D * num_layers, N, H]} each) and what {@code nn.LSTMCell} takes
 * and returns ({@code [N, H]} each).
 */
public record LstmState(Tensor h, Tensor c) {
    /** PyTorch's repr of the tuple: {@code (h, c)}. */
    @Override
    public String toString() {
        return Tensor.pyTuple(h, c);
    }
}
