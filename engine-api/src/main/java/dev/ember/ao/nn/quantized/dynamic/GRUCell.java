package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.nn.RnnCellForward;

/**
 * A dynamically quantized GRU cell, PyTorch's {@code torch.ao.nn.quantized.dynamic.GRUCell} (printed
 * {@code DynamicQuantizedGRUCell}): float32 in and out, qint8 weights ({@link RNNCellBase}), PyTorch's
 * {@code quantized_gru_cell_dynamic}: the two projections and the GRU cell of {@link GRU}.
 */
public class GRUCell extends RNNCellBase implements RnnCellForward {
    private GRUCell(dev.ember.nn.GRUCell mod, DynamicQConfig qconfig) {
        super(mod, qconfig);
    }

    /**
     * {@code from_float(mod)} with {@code mod.qconfig} the given configuration (see {@link LSTMCell#fromFloat}).
     *
     * @throws IllegalArgumentException for a null cell or configuration, a cell that is not exactly a {@code GRUCell},
     *     or one without biases
     */
    public static GRUCell fromFloat(dev.ember.nn.GRUCell mod, DynamicQConfig qconfig) {
        checkFloat(mod, dev.ember.nn.GRUCell.class, qconfig);
        return new GRUCell(mod, qconfig);
    }

    /** The next hidden state from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * The next hidden state from {@code hx} (null for zeros), as PyTorch's dynamic quantized {@code GRUCell.forward}.
     *
     * @throws IllegalArgumentException for an input or state of other sizes (PyTorch's messages), or another input type
     * @throws UnsupportedOperationException for an input on a GPU (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor input, Tensor hx) {
        return hiddenStep(input, hx, GRU::step);
    }

    @Override
    protected String moduleName() {
        return "DynamicQuantizedGRUCell";
    }
}
