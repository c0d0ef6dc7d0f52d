package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.nn.RnnCellForward;

/**
 * A dynamically quantized Elman cell, PyTorch's {@code torch.ao.nn.quantized.dynamic.RNNCell} (printed
 * {@code DynamicQuantizedRNNCell}): float32 in and out, qint8 weights ({@link RNNCellBase}), PyTorch's
 * {@code quantized_rnn_tanh_cell_dynamic} / {@code quantized_rnn_relu_cell_dynamic}:
 * {@code act(linear_dynamic(h, W_hh, b_hh) + linear_dynamic(x, W_ih, b_ih))}.
 */
public class RNNCell extends RNNCellBase implements RnnCellForward {
    private final boolean tanh;

    private RNNCell(dev.ember.nn.RNNCell mod, DynamicQConfig qconfig) {
        super(mod, qconfig);
        this.tanh = "tanh".equals(mod.nonlinearity());
    }

    /**
     * {@code from_float(mod)} with {@code mod.qconfig} the given configuration (see {@link LSTMCell#fromFloat}); the
     * nonlinearity is the cell's.
     *
     * @throws IllegalArgumentException for a null cell or configuration, a cell that is not exactly an {@code RNNCell},
     *     one without biases, or a nonlinearity other than tanh and relu
     */
    public static RNNCell fromFloat(dev.ember.nn.RNNCell mod, DynamicQConfig qconfig) {
        checkFloat(mod, dev.ember.nn.RNNCell.class, qconfig);
        if (!"tanh".equals(mod.nonlinearity()) && !"relu".equals(mod.nonlinearity())) {
            throw new IllegalArgumentException("Unknown nonlinearity: " + mod.nonlinearity());
        }
        return new RNNCell(mod, qconfig);
    }

    /** {@code "tanh"} or {@code "relu"}. */
    public String nonlinearity() {
        return tanh ? "tanh" : "relu";
    }

    /** The next hidden state from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * The next hidden state from {@code hx} (null for zeros), as PyTorch's dynamic quantized {@code RNNCell.forward}.
     *
     * @throws IllegalArgumentException for an input or state of other sizes (PyTorch's messages), or another input type
     * @throws UnsupportedOperationException for an input on a GPU (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor input, Tensor hx) {
        return hiddenStep(input, hx, (xw, hw, h) -> tanh ? hw.add(xw).tanh() : hw.add(xw).relu());
    }

    /** PyTorch's {@code extra_repr}: the sizes, then the nonlinearity when it is not tanh. */
    @Override
    public String extraRepr() {
        return super.extraRepr() + (tanh ? "" : ", nonlinearity=relu");
    }

    @Override
    protected String moduleName() {
        return "DynamicQuantizedRNNCell";
    }
}
