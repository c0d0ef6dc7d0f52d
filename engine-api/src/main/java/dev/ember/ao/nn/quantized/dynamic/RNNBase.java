package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.QuantizedOps;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Functional;
import dev.ember.nn.Module;

import java.util.ArrayList;
import java.util.List;

/**
 * The dynamically quantized recurrent layers' common part, PyTorch's {@code torch.ao.nn.quantized.dynamic.RNNBase}:
 * each layer's and direction's {@code weight_ih} and {@code weight_hh} stored as qint8 (one scale, or one per gate
 * row), the biases float32, and PyTorch's CPU {@code quantized_lstm}/{@code quantized_gru} loop: per layer and
 * direction, the input projection of the whole sequence at once ({@link QuantizedOps#linearDynamic} with {@code b_ih}:
 * one input scale for every step), then at each step the hidden projection {@code linear_dynamic(h, W_hh, b_hh)} and
 * the cell ({@link #cell}); the reverse direction runs the steps backwards; layers are stacked (dropout between them in
 * training). An inference layer (no gradients), on the CPU only, as PyTorch's; no {@code PackedSequence} input in
 * Ember yet; a model holding one refuses {@link #stateDict()} (PyTorch's state is packed parameters).
 */
public abstract class RNNBase extends Module {
    final int inputSize;
    final int hiddenSize;
    final int numLayers;
    final boolean batchFirst;
    final double dropout;
    final boolean bidirectional;
    /** Per layer and direction (layer-major): the quantized {@code weight_ih} and {@code weight_hh}. */
    private final List<QuantizedTensor> weightIh = new ArrayList<>();
    private final List<QuantizedTensor> weightHh = new ArrayList<>();
    /** The same weights packed with their biases, {@code b_ih} and {@code b_hh}, once for every step's call. */
    private final List<QuantizedOps.PackedLinear> packedIh = new ArrayList<>();
    private final List<QuantizedOps.PackedLinear> packedHh = new ArrayList<>();

    RNNBase(dev.ember.nn.RNNBase mod, DynamicQConfig qconfig) {
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
                    QuantizedTensor ih = Linear.quantizeWeight(mod.getParameter("weight_ih" + suffix), qconfig);
                    QuantizedTensor hh = Linear.quantizeWeight(mod.getParameter("weight_hh" + suffix), qconfig);
                    weightIh.add(ih);
                    weightHh.add(hh);
                    packedIh.add(QuantizedOps.linearPrepack(ih, mod.getParameter("bias_ih" + suffix)));
                    packedHh.add(QuantizedOps.linearPrepack(hh, mod.getParameter("bias_hh" + suffix)));
                }
            }
        }
    }

    /** PyTorch's {@code from_float} checks, shared by the layers: the module's class exactly, biases, qint8 weights. */
    static void checkFloat(dev.ember.nn.RNNBase mod, Class<?> type, DynamicQConfig qconfig) {
        String name = type.getSimpleName();
        if (mod == null || qconfig == null) {
            throw new IllegalArgumentException("nn.quantized.dynamic." + name + ".from_float needs a " + name
                    + " and a qconfig");
        }
        if (mod.getClass() != type) {
            throw new IllegalArgumentException("nn.quantized.dynamic." + name + ".from_float only works for nn." + name
                    + ", not " + mod.getClass().getSimpleName());
        }
        if (!mod.bias()) {
            throw new IllegalArgumentException("nn.quantized.dynamic." + name + ".from_float: the " + name + " must have "
                    + "biases (PyTorch's assert mod.bias)");
        }
        if (qconfig == DynamicQConfig.FLOAT16) {
            throw new UnsupportedOperationException("a float16 dynamic " + name + " is not supported by Ember yet: "
                    + "quantize it to qint8 (DynamicQConfig.DEFAULT or PER_CHANNEL)");
        }
        if (mod.projSize() != 0) {
            throw new UnsupportedOperationException("a dynamically quantized " + name + " with proj_size is not "
                    + "supported by Ember yet");
        }
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

    /**
     * One step of the cell: the new hidden state (and, for an LSTM, cell state) from the step's input projection
     * {@code xw} (bias {@code b_ih} included), the hidden projection {@code hw} (bias {@code b_hh} included) and the
     * states.
     *
     * @return {@code {h, c}} ({@code c} null without a cell state)
     */
    abstract Tensor[] cell(Tensor xw, Tensor hw, Tensor h, Tensor c);

    /**
     * The input checked and made sequence first and batched: PyTorch's checks and messages.
     *
     * @return {@code [L, N, H_in]}
     */
    Tensor sequenceFirst(Tensor input, String mode) {
        if (input == null) {
            throw new IllegalArgumentException(mode.toLowerCase(java.util.Locale.ROOT)
                    + "(): argument 'input' (position 1) must be Tensor, not null");
        }
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException(mode + ": Expected input to be 2D or 3D, got " + input.dim()
                    + "D instead");
        }
        if (input.size(-1) != inputSize) {
            throw new IllegalArgumentException("input.size(-1) must be equal to input_size. Expected " + inputSize
                    + ", got " + input.size(-1));
        }
        Tensor x = input.dim() == 3 ? input : input.unsqueeze(batchFirst ? 0 : 1);
        return batchFirst ? x.transpose(0, 1) : x;
    }

    /** The shape of the states: {@code [num_layers * directions, N, hidden_size]}. */
    int[] stateShape(Tensor sequenceFirst) {
        return new int[] {numLayers * (bidirectional ? 2 : 1), sequenceFirst.size(1), hiddenSize};
    }

    static void checkState(Tensor s, int[] shape, String what) {
        if (!java.util.Arrays.equals(s.shape(), shape)) {
            throw new IllegalArgumentException("Expected " + what + " size (" + shape[0] + ", " + shape[1] + ", "
                    + shape[2] + "), got " + java.util.Arrays.toString(s.shape()));
        }
    }

    /**
     * The layers over {@code x} ({@code [L, N, H_in]}) from the states {@code h0} and {@code c0} (null without a cell
     * state), the output put back batch first and unbatched as the input was.
     */
    RnnOutput run(Tensor x, Tensor h0, Tensor c0, boolean batched) {
        int directions = bidirectional ? 2 : 1;
        List<Tensor> hN = new ArrayList<>();
        List<Tensor> cN = new ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            Tensor layerInput = x;
            for (int layer = 0; layer < numLayers; layer++) {
                List<Tensor> outs = new ArrayList<>();
                for (int d = 0; d < directions; d++) {
                    int i = layer * directions + d;
                    Tensor projected = QuantizedOps.linearDynamic(layerInput, packedIh.get(i));
                    Tensor h = h0.select(0, i);
                    Tensor c = c0 == null ? null : c0.select(0, i);
                    int steps = projected.size(0);
                    Tensor[] stepOuts = new Tensor[steps];
                    for (int s = 0; s < steps; s++) {
                        int t = d == 1 ? steps - 1 - s : s;
                        Tensor hw = QuantizedOps.linearDynamic(h, packedHh.get(i));
                        Tensor[] hc = cell(projected.select(0, t), hw, h, c);
                        h = hc[0];
                        c = hc[1];
                        stepOuts[t] = h;
                    }
                    outs.add(Tensor.stack(List.of(stepOuts), 0));
                    hN.add(h);
                    cN.add(c);
                }
                layerInput = directions == 1 ? outs.get(0) : Tensor.cat(outs, 2);
                if (dropout != 0 && isTraining() && layer < numLayers - 1) {
                    layerInput = Functional.dropout(layerInput, dropout, true);
                }
            }
            Tensor out = batchFirst ? layerInput.transpose(0, 1).contiguous() : layerInput;
            Tensor h = Tensor.stack(hN, 0);
            Tensor c = c0 == null ? null : Tensor.stack(cN, 0);
            if (!batched) {
                return new RnnOutput(out.squeeze(batchFirst ? 0 : 1), h.squeeze(1), c == null ? null : c.squeeze(1));
            }
            return new RnnOutput(out, h, c);
        }
    }

    @Override
    protected String unsavableReason() {
        return "a dynamically quantized recurrent layer keeps PyTorch's packed parameters, which are not tensors: save "
                + "the float model's state dict and quantize after loading it";
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
