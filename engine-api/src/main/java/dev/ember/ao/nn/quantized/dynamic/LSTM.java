package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.DType;
import dev.ember.LstmState;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.nn.LstmForward;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;

import java.util.List;

/**
 * A dynamically quantized LSTM, PyTorch's {@code torch.ao.nn.quantized.dynamic.LSTM} (printed
 * {@code DynamicQuantizedLSTM}): float32 in and out, qint8 or float16 weights ({@link RNNBase}). The cell is PyTorch's CPU LSTM
 * cell: {@code gates = hidden projection + input projection}, split into the input, forget, cell and output gates,
 * {@code c = sigmoid(f) * c + sigmoid(i) * tanh(g)}, {@code h = sigmoid(o) * tanh(c)}; the integers are FBGEMM's (see
 * {@link Linear}), the gate functions Ember's float32 ones, a few ulps from PyTorch's. No projection
 * ({@code proj_size}) in Ember yet. A {@link PackedSequence} input runs PyTorch's packed loop.
 */
public class LSTM extends RNNBase implements LstmForward {
    private LSTM(dev.ember.nn.LSTM mod, DynamicQConfig qconfig) {
        super(mod, qconfig);
    }

    /**
     * {@code from_float(mod)} with {@code mod.qconfig} the given configuration: each weight observed by a fresh observer
     * of the configuration and quantized (qint8), the biases copied as float32.
     *
     * @throws IllegalArgumentException for a null module or configuration, a module that is not exactly an
     *     {@code LSTM}, or one without biases (PyTorch's {@code assert mod.bias})
     * @throws UnsupportedOperationException for a projection, which Ember does not quantize yet
     */
    public static LSTM fromFloat(dev.ember.nn.LSTM mod, DynamicQConfig qconfig) {
        checkFloat(mod, dev.ember.nn.LSTM.class, qconfig);
        return new LSTM(mod, qconfig);
    }

    /** The output sequence of {@link #forward(Tensor, LstmState)} from zero states. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    /**
     * The output sequence and the final states from {@code hx} (null for zeros), as PyTorch's dynamic quantized
     * {@code LSTM.forward}: float32 in and out, on the CPU.
     *
     * @throws IllegalArgumentException for an input that is not 2-D or 3-D, of another feature count or type, or
     *     states of other shapes (PyTorch's messages)
     * @throws UnsupportedOperationException for an input on a GPU (PyTorch's message)
     */
    @Override
    public RnnOutput forward(Tensor input, LstmState hx) {
        Tensor x = sequenceFirst(input, "LSTM");
        boolean batched = input.dim() == 3;
        int[] shape = stateShape(x);
        Tensor h0;
        Tensor c0;
        if (hx == null) {
            h0 = Tensor.zeros(DType.FLOAT32, shape);
            c0 = Tensor.zeros(DType.FLOAT32, shape);
        } else {
            h0 = batched ? hx.h() : hx.h().unsqueeze(1);
            c0 = batched ? hx.c() : hx.c().unsqueeze(1);
            checkState(h0, shape, "hidden[0]");
            checkState(c0, shape, "hidden[1]");
        }
        return run(x, h0, c0, batched);
    }

    /** {@link #forward(PackedSequence, LstmState)} from zero states. */
    public PackedRnnOutput forward(PackedSequence input) {
        return forward(input, null);
    }

    /**
     * PyTorch's dynamic quantized {@code LSTM.forward} with a {@link PackedSequence} ({@code forward_packed}):
     * {@code hx} ({@code (h0, c0)} in the original batch order, null for zeros) permuted by the input's
     * {@code sorted_indices}, the layers run over the packed rows ({@link RNNBase#runPacked}: step {@code t} on the
     * first {@code batch_sizes[t]} sequences), and the packed output (the input's batch sizes and indices) with
     * {@code (h_n, c_n)} at each sequence's last step, back in the original order.
     *
     * @throws IllegalArgumentException for data that is not 2-D or of another feature count, batch sizes that do not
     *     describe the data, or states of other shapes (PyTorch's messages)
     * @throws UnsupportedOperationException for data on a GPU (PyTorch's message)
     */
    @Override
    public PackedRnnOutput forward(PackedSequence input, LstmState hx) {
        return forwardPacked(input, hx == null ? null : hx.h(), hx == null ? null : hx.c(), true);
    }

    @Override
    Tensor[] cell(Tensor xw, Tensor hw, Tensor h, Tensor c) {
        return step(xw, hw, c);
    }

    /**
     * PyTorch's CPU LSTM cell on the projections {@code xw} and {@code hw} (biases included) and the cell state:
     * {@code {h', c'}}; the layer's and {@link LSTMCell}'s.
     */
    static Tensor[] step(Tensor xw, Tensor hw, Tensor c) {
        List<Tensor> g = hw.add(xw).chunk(4, 1);
        Tensor in = g.get(0).sigmoid();
        Tensor forget = g.get(1).sigmoid();
        Tensor cellGate = g.get(2).tanh();
        Tensor out = g.get(3).sigmoid();
        Tensor cy = forget.mul(c).add(in.mul(cellGate));
        return new Tensor[] {out.mul(cy.tanh()), cy};
    }

    @Override
    protected String moduleName() {
        return "DynamicQuantizedLSTM";
    }
}
