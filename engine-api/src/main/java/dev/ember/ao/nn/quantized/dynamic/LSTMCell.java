package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.LstmState;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.nn.LstmCellForward;

/**
 * A dynamically quantized LSTM cell, PyTorch's {@code torch.ao.nn.quantized.dynamic.LSTMCell} (printed
 * {@code DynamicQuantizedLSTMCell}): float32 in and out, qint8 weights ({@link RNNCellBase}), PyTorch's
 * {@code quantized_lstm_cell_dynamic}: {@code gates = linear_dynamic(h, W_hh, b_hh) + linear_dynamic(x, W_ih, b_ih)}
 * and the LSTM cell of {@link LSTM}.
 */
public class LSTMCell extends RNNCellBase implements LstmCellForward {
    private LSTMCell(dev.ember.nn.LSTMCell mod, DynamicQConfig qconfig) {
        super(mod, qconfig);
    }

    /**
     * {@code from_float(mod)} with {@code mod.qconfig} the given configuration: each weight observed by a fresh observer
     * of the configuration and quantized (qint8), or rounded to float16 for {@code DynamicQConfig.FLOAT16}, the
     * biases copied as float32.
     *
     * @throws IllegalArgumentException for a null cell or configuration, a cell that is not exactly an
     *     {@code LSTMCell}, or one without biases (PyTorch's {@code assert mod.bias})
     */
    public static LSTMCell fromFloat(dev.ember.nn.LSTMCell mod, DynamicQConfig qconfig) {
        checkFloat(mod, dev.ember.nn.LSTMCell.class, qconfig);
        return new LSTMCell(mod, qconfig);
    }

    /** The next hidden state from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).h();
    }

    /**
     * The next state {@code (h, c)} from {@code hx} (null for zeros), as PyTorch's dynamic quantized
     * {@code LSTMCell.forward}: float32 {@code [N, input_size]} in, on the CPU.
     *
     * @throws IllegalArgumentException for an input or states of other sizes (PyTorch's messages: {@code input has
     *     inconsistent input_size}, {@code Input batch size 2 doesn't match hidden[0] batch size 3}, {@code hidden[1] has
     *     inconsistent hidden_size}), or another input type
     * @throws UnsupportedOperationException for an input on a GPU (PyTorch's message)
     */
    @Override
    public LstmState forward(Tensor input, LstmState hx) {
        checkInput(input);
        Tensor h = state(input, hx == null ? null : hx.h(), "[0]");
        Tensor c = state(input, hx == null ? null : hx.c(), "[1]");
        try (GradMode off = Ember.noGrad()) {
            Tensor[] p = project(input, h);
            Tensor[] hc = LSTM.step(p[0], p[1], c);
            return new LstmState(hc[0], hc[1]);
        }
    }

    @Override
    protected String moduleName() {
        return "DynamicQuantizedLSTMCell";
    }
}
