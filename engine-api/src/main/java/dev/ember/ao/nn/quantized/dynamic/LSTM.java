package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.LstmState;
import dev.ember.QuantizedOps;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Functional;
import dev.ember.nn.LstmForward;
import dev.ember.nn.Module;

import java.util.ArrayList;
import java.util.List;

/**
 * A dynamically quantized LSTM, PyTorch's {@code torch.ao.nn.quantized.dynamic.LSTM} (printed
 * {@code DynamicQuantizedLSTM}): float32 in and out, each layer's and direction's {@code weight_ih} and
 * {@code weight_hh} stored as qint8 (one scale, or one per gate row), the biases float32. Made by {@link #fromFloat} or
 * {@link dev.ember.ao.quantization.Quantization#quantizeDynamic}; an inference layer (no gradients).
 *
 * <p><b>Arithmetic.</b> PyTorch's CPU {@code quantized_lstm}: per layer and direction, the input projection of the
 * whole sequence at once ({@link QuantizedOps#linearDynamic} with the bias {@code b_ih}: one input scale for every
 * step), then at each step {@code gates = linear_dynamic(h, W_hh, b_hh) + input_projection[t]}, split into the input,
 * forget, cell and output gates, {@code c = sigmoid(f) * c + sigmoid(i) * tanh(g)}, {@code h = sigmoid(o) * tanh(c)};
 * the reverse direction runs the steps backwards; layers are stacked (dropout between them in training). The
 * integers are FBGEMM's (see {@link Linear}); the gate functions are Ember's float32 ones, a few ulps from PyTorch's.
 *
 * <p>CPU only, as PyTorch's. No {@code PackedSequence} input in Ember yet, no projection ({@code proj_size}), no
 * float16 weights; a model holding one refuses {@link #stateDict()} (PyTorch's state is packed parameters).
 */
public class LSTM extends Module implements LstmForward {
    private final int inputSize;
    private final int hiddenSize;
    private final int numLayers;
    private final boolean batchFirst;
    private final double dropout;
    private final boolean bidirectional;
    /** Per layer and direction (layer-major): the quantized {@code weight_ih}, {@code weight_hh} and the biases. */
    private final List<QuantizedTensor> weightIh = new ArrayList<>();
    private final List<QuantizedTensor> weightHh = new ArrayList<>();
    private final List<Tensor> biasIh = new ArrayList<>();
    private final List<Tensor> biasHh = new ArrayList<>();

    private LSTM(dev.ember.nn.LSTM mod, DynamicQConfig qconfig) {
        this.inputSize = mod.inputSize();
        this.hiddenSize = mod.hiddenSize();
        this.numLayers = mod.numLayers();
        this.batchFirst = mod.batchFirst();
        this.dropout = mod.dropout();
        this.bidirectional = mod.bidirectional();
        int directions = bidirectional ? 2 : 1;
        try (GradMode off = Ember.noGrad()) {
            for (int layer = 0; layer < numLayers; layer++) {
                for (int d = 0; d < directions; d++) {
                    String suffix = "_l" + layer + (d == 1 ? "_reverse" : "");
                    weightIh.add(Linear.quantizeWeight(mod.getParameter("weight_ih" + suffix), qconfig));
                    weightHh.add(Linear.quantizeWeight(mod.getParameter("weight_hh" + suffix), qconfig));
                    biasIh.add(floatCopy(mod.getParameter("bias_ih" + suffix)));
                    biasHh.add(floatCopy(mod.getParameter("bias_hh" + suffix)));
                }
            }
        }
    }

    /**
     * {@code from_float(mod)} with {@code mod.qconfig} the given configuration: each weight observed by a fresh observer
     * of the configuration and quantized (qint8), the biases copied as float32.
     *
     * @throws IllegalArgumentException for a null module or configuration, a module that is not exactly an
     *     {@code LSTM}, or one without biases (PyTorch's {@code assert mod.bias})
     * @throws UnsupportedOperationException for float16 weights or a projection, which Ember does not quantize yet
     */
    public static LSTM fromFloat(dev.ember.nn.LSTM mod, DynamicQConfig qconfig) {
        if (mod == null || qconfig == null) {
            throw new IllegalArgumentException("nn.quantized.dynamic.LSTM.from_float needs an LSTM and a qconfig");
        }
        if (mod.getClass() != dev.ember.nn.LSTM.class) {
            throw new IllegalArgumentException("nn.quantized.dynamic.LSTM.from_float only works for nn.LSTM, not "
                    + mod.getClass().getSimpleName());
        }
        if (!mod.bias()) {
            throw new IllegalArgumentException("nn.quantized.dynamic.LSTM.from_float: the LSTM must have biases "
                    + "(PyTorch's assert mod.bias)");
        }
        if (qconfig == DynamicQConfig.FLOAT16) {
            throw new UnsupportedOperationException("a float16 dynamic LSTM is not supported by Ember yet: quantize it "
                    + "to qint8 (DynamicQConfig.DEFAULT or PER_CHANNEL)");
        }
        if (mod.projSize() != 0) {
            throw new UnsupportedOperationException("a dynamically quantized LSTM with proj_size is not supported by "
                    + "Ember yet");
        }
        return new LSTM(mod, qconfig);
    }

    private static Tensor floatCopy(Tensor t) {
        return t.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
    }

    /**
     * The quantized {@code weight_ih} of a layer and direction (0 forward, 1 reverse).
     *
     * @throws IndexOutOfBoundsException for a layer or direction the module does not have
     */
    public QuantizedTensor weightIh(int layer, int direction) {
        return weightIh.get(index(layer, direction));
    }

    /**
     * The quantized {@code weight_hh} of a layer and direction.
     *
     * @throws IndexOutOfBoundsException for a layer or direction the module does not have
     */
    public QuantizedTensor weightHh(int layer, int direction) {
        return weightHh.get(index(layer, direction));
    }

    private int index(int layer, int direction) {
        int directions = bidirectional ? 2 : 1;
        if (layer < 0 || layer >= numLayers || direction < 0 || direction >= directions) {
            throw new IndexOutOfBoundsException("no layer " + layer + ", direction " + direction + " in "
                    + numLayers + " layers of " + directions + " directions");
        }
        return layer * directions + direction;
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
        if (input == null) {
            throw new IllegalArgumentException("lstm(): argument 'input' (position 1) must be Tensor, not null");
        }
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException("LSTM: Expected input to be 2D or 3D, got " + input.dim() + "D instead");
        }
        if (input.size(-1) != inputSize) {
            throw new IllegalArgumentException("input.size(-1) must be equal to input_size. Expected " + inputSize
                    + ", got " + input.size(-1));
        }
        boolean batched = input.dim() == 3;
        Tensor x = batched ? input : input.unsqueeze(batchFirst ? 0 : 1);
        if (batchFirst) {
            x = x.transpose(0, 1);
        }
        int directions = bidirectional ? 2 : 1;
        int batch = x.size(1);
        int[] stateShape = {numLayers * directions, batch, hiddenSize};
        Tensor h0;
        Tensor c0;
        if (hx == null) {
            h0 = Tensor.zeros(DType.FLOAT32, stateShape);
            c0 = Tensor.zeros(DType.FLOAT32, stateShape);
        } else {
            h0 = batched ? hx.h() : hx.h().unsqueeze(1);
            c0 = batched ? hx.c() : hx.c().unsqueeze(1);
            for (Tensor s : new Tensor[] {h0, c0}) {
                if (!java.util.Arrays.equals(s.shape(), stateShape)) {
                    throw new IllegalArgumentException("Expected hidden" + (s == h0 ? "[0]" : "[1]") + " size ("
                            + stateShape[0] + ", " + stateShape[1] + ", " + stateShape[2] + "), got "
                            + java.util.Arrays.toString(s.shape()));
                }
            }
        }
        List<Tensor> hN = new ArrayList<>();
        List<Tensor> cN = new ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            Tensor layerInput = x;
            for (int layer = 0; layer < numLayers; layer++) {
                List<Tensor> outs = new ArrayList<>();
                for (int d = 0; d < directions; d++) {
                    int i = layer * directions + d;
                    Tensor projected = QuantizedOps.linearDynamic(layerInput, weightIh.get(i), biasIh.get(i));
                    Tensor[] last = new Tensor[2];
                    outs.add(direction(projected, h0.select(0, i), c0.select(0, i), i, d == 1, last));
                    hN.add(last[0]);
                    cN.add(last[1]);
                }
                layerInput = directions == 1 ? outs.get(0) : Tensor.cat(outs, 2);
                if (dropout != 0 && isTraining() && layer < numLayers - 1) {
                    layerInput = Functional.dropout(layerInput, dropout, true);
                }
            }
            Tensor out = batchFirst ? layerInput.transpose(0, 1).contiguous() : layerInput;
            Tensor h = Tensor.stack(hN, 0);
            Tensor c = Tensor.stack(cN, 0);
            if (!batched) {
                return new RnnOutput(out.squeeze(batchFirst ? 0 : 1), h.squeeze(1), c.squeeze(1));
            }
            return new RnnOutput(out, h, c);
        }
    }

    /** One direction over the steps: PyTorch's quantized LSTM cell at each, returning the stacked outputs. */
    private Tensor direction(Tensor projected, Tensor h, Tensor c, int i, boolean reverse, Tensor[] last) {
        int steps = projected.size(0);
        Tensor[] outs = new Tensor[steps];
        for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            Tensor gates = QuantizedOps.linearDynamic(h, weightHh.get(i), biasHh.get(i)).add(projected.select(0, t));
            List<Tensor> g = gates.chunk(4, 1);
            Tensor in = g.get(0).sigmoid();
            Tensor forget = g.get(1).sigmoid();
            Tensor cell = g.get(2).tanh();
            Tensor outGate = g.get(3).sigmoid();
            c = forget.mul(c).add(in.mul(cell));
            h = outGate.mul(c.tanh());
            outs[t] = h;
        }
        last[0] = h;
        last[1] = c;
        return Tensor.stack(List.of(outs), 0);
    }

    @Override
    protected String unsavableReason() {
        return "a dynamically quantized LSTM keeps PyTorch's packed parameters, which are not tensors: save the float "
                + "model's state dict and quantize after loading it";
    }

    @Override
    protected String moduleName() {
        return "DynamicQuantizedLSTM";
    }

    /** PyTorch's {@code extra_repr}: the sizes, then each option that is not its default. */
    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(inputSize + ", " + hiddenSize);
        if (numLayers != 1) {
            s.append(", num_layers=").append(numLayers);
        }
        if (batchFirst) {
            s.append(", batch_first=True");
        }
        if (dropout != 0) {
            s.append(", dropout=").append(dev.ember.Format.repr(dropout));
        }
        if (bidirectional) {
            s.append(", bidirectional=True");
        }
        return s.toString();
    }
}
