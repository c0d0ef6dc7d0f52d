package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.GRUCell}: one GRU step of an {@code [N, input_size]} (or unbatched {@code [input_size]}) input from
 * the hidden state ({@code [N, hidden_size]}; zeros when null) to the next, as PyTorch's {@code gru_cell}
 * ({@link Tensor#gruCell}); parameters as {@link RNNCellBase}, with three gates.
 */
public class GRUCell extends RNNCellBase implements RnnCellForward {
    /** With biases. */
    public GRUCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true);
    }

    /** With or without biases. */
    public GRUCell(int inputSize, int hiddenSize, boolean bias) {
        super(inputSize, hiddenSize, bias, 3);
    }

    /** The next hidden state from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * The next hidden state from {@code hx} (null for zeros), as PyTorch's {@code GRUCell.forward}, with its checks; a
     * cell replaced in its parent ({@link Module#setSubmodule}) by another {@link RnnCellForward} runs that one.
     */
    @Override
    public Tensor forward(Tensor input, Tensor hx) {
        if (replacement() instanceof RnnCellForward replaced) {
            return replaced.forward(input, hx);
        }
        Checks.tensor(input, "gru_cell", "input", 1);
        Tensor[] xh = batchedOneState("GRUCell", input, hx);
        Tensor r = Tensor.gruCell(xh[0], xh[1], parameter("weight_ih"), parameter("weight_hh"), parameter("bias_ih"),
                parameter("bias_hh"));
        return input.dim() == 2 ? r : r.squeeze(0);
    }

    /** {@link #forward(Tensor, Tensor)} called with this module's hooks, as {@code cell(input, hx)}. */
    public Tensor apply(Tensor input, Tensor hx) {
        return call(Arrays.asList(input, hx), a -> forward(a.get(0), a.get(1)), List::of, t -> t.get(0));
    }
}
