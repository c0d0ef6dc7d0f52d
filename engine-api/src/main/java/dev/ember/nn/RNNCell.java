package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.RNNCell}: one Elman step {@code h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)} ({@code relu} with
 * {@code nonlinearity="relu"}) of an {@code [N, input_size]} (or unbatched {@code [input_size]}) input from the hidden
 * state ({@code [N, hidden_size]}; zeros when null), as PyTorch's {@code rnn_tanh_cell} / {@code rnn_relu_cell}
 * ({@link Tensor#rnnTanhCell}, {@link Tensor#rnnReluCell}); parameters as {@link RNNCellBase}, with one gate. As in
 * PyTorch, an unknown nonlinearity is refused when the cell runs, not when it is built.
 */
public class RNNCell extends RNNCellBase implements RnnCellForward {
    private final String nonlinearity;

    /** With biases and {@code tanh}. */
    public RNNCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, "tanh");
    }

    /** With or without biases, {@code tanh}. */
    public RNNCell(int inputSize, int hiddenSize, boolean bias) {
        this(inputSize, hiddenSize, bias, "tanh");
    }

    /** Every option of PyTorch's constructor, in its order; {@code nonlinearity} {@code "tanh"} or {@code "relu"}. */
    public RNNCell(int inputSize, int hiddenSize, boolean bias, String nonlinearity) {
        super(inputSize, hiddenSize, bias, 1);
        this.nonlinearity = nonlinearity;
    }

    /** The nonlinearity. */
    public String nonlinearity() {
        return nonlinearity;
    }

    /** The next hidden state from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * The next hidden state from {@code hx} (null for zeros), as PyTorch's {@code RNNCell.forward}, with its checks; a
     * cell replaced in its parent ({@link Module#setSubmodule}) by another {@link RnnCellForward} runs that one.
     */
    @Override
    public Tensor forward(Tensor input, Tensor hx) {
        if (replacement() instanceof RnnCellForward replaced) {
            return replaced.forward(input, hx);
        }
        boolean tanh = "tanh".equals(nonlinearity);
        String op = tanh ? "rnn_tanh_cell" : "rnn_relu_cell";
        Checks.tensor(input, op, "input", 1);
        Tensor[] xh = batchedOneState("RNNCell", input, hx);
        if (!tanh && !"relu".equals(nonlinearity)) {
            throw new IllegalArgumentException("Unknown nonlinearity: " + nonlinearity);
        }
        Tensor x = xh[0];
        Tensor h = xh[1];
        Tensor wIh = parameter("weight_ih");
        Tensor wHh = parameter("weight_hh");
        Tensor r = tanh ? Tensor.rnnTanhCell(x, h, wIh, wHh, parameter("bias_ih"), parameter("bias_hh"))
                : Tensor.rnnReluCell(x, h, wIh, wHh, parameter("bias_ih"), parameter("bias_hh"));
        return input.dim() == 2 ? r : r.squeeze(0);
    }

    /** {@link #forward(Tensor, Tensor)} called with this module's hooks, as {@code cell(input, hx)}. */
    public Tensor apply(Tensor input, Tensor hx) {
        return call(Arrays.asList(input, hx), a -> forward(a.get(0), a.get(1)), List::of, t -> t.get(0));
    }

    /** PyTorch's {@code RNNCellBase.extra_repr}: the nonlinearity printed when it is not {@code tanh}. */
    @Override
    public String extraRepr() {
        return super.extraRepr() + ("tanh".equals(nonlinearity) ? "" : ", nonlinearity=" + nonlinearity);
    }
}
