package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.DType;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.nn.GruForward;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;

import java.util.List;

/**
 * A dynamically quantized GRU, PyTorch's {@code torch.ao.nn.quantized.dynamic.GRU} (printed
 * {@code DynamicQuantizedGRU}): float32 in and out, qint8 or float16 weights ({@link RNNBase}). The cell is PyTorch's CPU GRU
 * cell: with the input and hidden projections each split into three, {@code r = sigmoid(hr + ir)},
 * {@code z = sigmoid(hz + iz)}, {@code n = tanh(in + hn * r)}, {@code h = (h - n) * z + n}; the integers are FBGEMM's
 * (see {@link Linear}), the gate functions Ember's float32 ones.
 */
public class GRU extends RNNBase implements GruForward {
    private GRU(dev.ember.nn.GRU mod, DynamicQConfig qconfig) {
        super(mod, qconfig);
    }

    /**
     * {@code from_float(mod)} with {@code mod.qconfig} the given configuration: each weight observed by a fresh observer
     * of the configuration and quantized (qint8), the biases copied as float32.
     *
     * @throws IllegalArgumentException for a null module or configuration, a module that is not exactly a {@code GRU},
     *     or one without biases (PyTorch's {@code assert mod.bias})
     */
    public static GRU fromFloat(dev.ember.nn.GRU mod, DynamicQConfig qconfig) {
        checkFloat(mod, dev.ember.nn.GRU.class, qconfig);
        return new GRU(mod, qconfig);
    }

    /** The output sequence of {@link #forward(Tensor, Tensor)} from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    /**
     * The output sequence and the final state from {@code hx} (null for zeros), as PyTorch's dynamic quantized
     * {@code GRU.forward}: float32 in and out, on the CPU.
     *
     * @throws IllegalArgumentException for an input that is not 2-D or 3-D, of another feature count or type, or a
     *     state of another shape (PyTorch's messages)
     * @throws UnsupportedOperationException for an input on a GPU (PyTorch's message)
     */
    @Override
    public RnnOutput forward(Tensor input, Tensor hx) {
        Tensor x = sequenceFirst(input, "GRU");
        boolean batched = input.dim() == 3;
        int[] shape = stateShape(x);
        Tensor h0;
        if (hx == null) {
            h0 = Tensor.zeros(DType.FLOAT32, shape);
        } else {
            h0 = batched ? hx : hx.unsqueeze(1);
            checkState(h0, shape, "hidden");
        }
        return run(x, h0, null, batched);
    }

    /** {@link #forward(PackedSequence, Tensor)} from a zero state. */
    public PackedRnnOutput forward(PackedSequence input) {
        return forward(input, null);
    }

    /**
     * PyTorch's dynamic quantized {@code GRU.forward} with a {@link PackedSequence} ({@code forward_packed}):
     * {@code hx} (original batch order, null for zeros) permuted by the input's {@code sorted_indices}, the layers run
     * over the packed rows ({@link RNNBase#runPacked}), and the packed output with {@code h_n} at each sequence's last
     * step, back in the original order ({@code c()} null).
     *
     * @throws IllegalArgumentException for data that is not 2-D or of another feature count, batch sizes that do not
     *     describe the data, or a state of another shape (PyTorch's messages)
     * @throws UnsupportedOperationException for data on a GPU (PyTorch's message)
     */
    @Override
    public PackedRnnOutput forward(PackedSequence input, Tensor hx) {
        return forwardPacked(input, hx, null, false);
    }

    @Override
    Tensor[] cell(Tensor xw, Tensor hw, Tensor h, Tensor c) {
        return new Tensor[] {step(xw, hw, h), null};
    }

    /**
     * PyTorch's CPU GRU cell on the projections {@code xw} and {@code hw} (biases included) and the hidden state: the
     * next hidden state; the layer's and {@link GRUCell}'s.
     */
    static Tensor step(Tensor xw, Tensor hw, Tensor h) {
        List<Tensor> ig = xw.chunk(3, 1);
        List<Tensor> hg = hw.chunk(3, 1);
        Tensor reset = hg.get(0).add(ig.get(0)).sigmoid();
        Tensor update = hg.get(1).add(ig.get(1)).sigmoid();
        Tensor fresh = ig.get(2).add(hg.get(2).mul(reset)).tanh();
        return h.sub(fresh).mul(update).add(fresh);
    }

    @Override
    protected String moduleName() {
        return "DynamicQuantizedGRU";
    }
}
