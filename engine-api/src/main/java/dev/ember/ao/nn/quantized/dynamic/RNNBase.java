package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.QuantizedOps;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Functional;
import dev.ember.nn.Module;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;

import java.util.ArrayList;
import java.util.List;

/**
 * The dynamically quantized recurrent layers' common part, PyTorch's {@code torch.ao.nn.quantized.dynamic.RNNBase}:
 * each layer's and direction's {@code weight_ih} and {@code weight_hh} stored as qint8 (one scale, or one per gate
 * row) or float16 ({@code dtype=torch.float16}: saturated to float16's range and rounded once, the projections
 * {@code x W^T} in float32, then the bias, as FBGEMM's fp16 GEMM, to float32 rounding), the biases float32, and
 * PyTorch's CPU {@code quantized_lstm}/{@code quantized_gru} loop: per layer and direction, the input projection of
 * the whole sequence at once ({@link QuantizedOps#linearDynamic} with {@code b_ih}: one input scale for every step),
 * then at each step the hidden projection {@code linear_dynamic(h, W_hh, b_hh)} and the cell ({@link #cell}); the
 * reverse direction runs the steps backwards; layers are stacked (dropout between them in training); a
 * {@code PackedSequence} input runs PyTorch's packed loop ({@link #runPacked}). An inference layer (no gradients), on
 * the CPU only, as PyTorch's; a model holding one refuses {@link #stateDict()} (PyTorch's state is packed parameters).
 */
public abstract class RNNBase extends Module {
    final int inputSize;
    final int hiddenSize;
    final int numLayers;
    final boolean batchFirst;
    final double dropout;
    final boolean bidirectional;
    /**
     * Per layer and direction (layer-major): {@code weight_ih} and {@code weight_hh}, qint8 or float16, packed with
     * their biases {@code b_ih} and {@code b_hh} once for every step's call.
     */
    private final List<Projection> packedIh = new ArrayList<>();
    private final List<Projection> packedHh = new ArrayList<>();

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
                    packedIh.add(Projection.of(mod.getParameter("weight_ih" + suffix),
                            mod.getParameter("bias_ih" + suffix), qconfig));
                    packedHh.add(Projection.of(mod.getParameter("weight_hh" + suffix),
                            mod.getParameter("bias_hh" + suffix), qconfig));
                }
            }
        }
    }

    /**
     * The {@code from_float} checks of the dynamically quantized layers and cells ({@code hasBias}: whether the float
     * module has its biases): module and qconfig given, the module's class exactly {@code type}, biases.
     */
    static void checkFloatModule(dev.ember.nn.Module mod, Class<?> type, DynamicQConfig qconfig, boolean hasBias) {
        String name = type.getSimpleName();
        if (mod == null || qconfig == null) {
            throw new IllegalArgumentException("nn.quantized.dynamic." + name + ".from_float needs a " + name
                    + " and a qconfig");
        }
        if (mod.getClass() != type) {
            throw new IllegalArgumentException("nn.quantized.dynamic." + name + ".from_float only works for nn." + name
                    + ", not " + mod.getClass().getSimpleName());
        }
        if (!hasBias) {
            throw new IllegalArgumentException("nn.quantized.dynamic." + name + ".from_float: the " + name + " must have "
                    + "biases (PyTorch's assert mod.bias)");
        }
    }

    /** PyTorch's {@code from_float} checks, shared by the layers: the module's class exactly, biases, no projection. */
    static void checkFloat(dev.ember.nn.RNNBase mod, Class<?> type, DynamicQConfig qconfig) {
        checkFloatModule(mod, type, qconfig, mod != null && mod.bias());
        String name = type.getSimpleName();
        if (mod.projSize() != 0) {
            throw new UnsupportedOperationException("a dynamically quantized " + name + " with proj_size is not "
                    + "supported by Ember yet");
        }
    }

    /**
     * The quantized {@code weight_ih} of a layer and direction (0 forward, 1 reverse).
     *
     * @throws IndexOutOfBoundsException for a layer or direction the module does not have
     * @throws IllegalStateException for float16 weights, which {@link #float16WeightIh} gives
     */
    public QuantizedTensor weightIh(int layer, int direction) {
        return qint8(packedIh.get(index(layer, direction)), "float16WeightIh");
    }

    /**
     * The quantized {@code weight_hh} of a layer and direction.
     *
     * @throws IndexOutOfBoundsException for a layer or direction the module does not have
     * @throws IllegalStateException for float16 weights, which {@link #float16WeightHh} gives
     */
    public QuantizedTensor weightHh(int layer, int direction) {
        return qint8(packedHh.get(index(layer, direction)), "float16WeightHh");
    }

    /**
     * The float16 {@code weight_ih} of a layer and direction, as float32 values (a copy), of a layer quantized with
     * {@code dtype=torch.float16}.
     *
     * @throws IndexOutOfBoundsException for a layer or direction the module does not have
     * @throws IllegalStateException for qint8 weights, which {@link #weightIh} gives
     */
    public Tensor float16WeightIh(int layer, int direction) {
        return float16(packedIh.get(index(layer, direction)), "weightIh");
    }

    /**
     * The float16 {@code weight_hh} of a layer and direction, as float32 values (a copy).
     *
     * @throws IndexOutOfBoundsException for a layer or direction the module does not have
     * @throws IllegalStateException for qint8 weights, which {@link #weightHh} gives
     */
    public Tensor float16WeightHh(int layer, int direction) {
        return float16(packedHh.get(index(layer, direction)), "weightHh");
    }

    static QuantizedTensor qint8(Projection p, String other) {
        if (p.isFloat16()) {
            throw new IllegalStateException("the weights are float16, not qint8: read them with " + other + "()");
        }
        return p.qweight;
    }

    static Tensor float16(Projection p, String other) {
        if (!p.isFloat16()) {
            throw new IllegalStateException("the weights are qint8, not float16: read them with " + other + "()");
        }
        return p.float16Weight();
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
     * state), the output put back batch first and unbatched as the input was: {@link #runPacked} over the sequence's
     * rows, every step of the whole batch (the same arithmetic: the input projection's rows and scale are the same).
     */
    RnnOutput run(Tensor x, Tensor h0, Tensor c0, boolean batched) {
        int steps = x.size(0);
        int batch = x.size(1);
        if (steps == 0) {
            throw new IllegalArgumentException("Expected sequence length to be larger than 0 in RNN");
        }
        long[] batchSizes = new long[steps];
        java.util.Arrays.fill(batchSizes, batch);
        RnnOutput r = runPacked(x.reshape(steps * batch, inputSize), batchSizes, h0, c0);
        try (GradMode off = Ember.noGrad()) {
            Tensor seq = r.output().reshape(steps, batch, r.output().size(1));
            Tensor out = batchFirst ? seq.transpose(0, 1).contiguous() : seq;
            if (!batched) {
                return new RnnOutput(out.squeeze(batchFirst ? 0 : 1), r.h().squeeze(1),
                        r.c() == null ? null : r.c().squeeze(1));
            }
            return new RnnOutput(out, r.h(), r.c());
        }
    }

    /**
     * The layers over packed rows, PyTorch's {@code PackedLayer} and {@code ReversedPackedLayer} with dynamically
     * quantized cell parameters: {@code data} holds step {@code t}'s {@code batchSizes[t]} rows after the earlier
     * steps' (sequences sorted longest first), {@code h0} and {@code c0} ({@code [layers * directions, batchSizes[0],
     * hidden]}; {@code c0} null without a cell state) are in the same order. Per layer and direction: the input
     * projection of all the rows at once (one input scale), then each step's hidden projection and cell on the first
     * {@code batchSizes[t]} rows of the state; forwards the state shrinks as sequences end, each keeping its final
     * state; backwards it starts with the last step's rows and grows by {@code h0}'s as longer sequences begin. The two
     * directions' outputs are concatenated by feature; dropout between layers in training.
     *
     * @return the output rows ({@code [sum(batchSizes), directions * hidden]}) and the final states, in the input's order
     */
    RnnOutput runPacked(Tensor data, long[] batchSizes, Tensor h0, Tensor c0) {
        int directions = bidirectional ? 2 : 1;
        int total = data.size(0);
        int steps = batchSizes.length;
        List<Tensor> hN = new ArrayList<>();
        List<Tensor> cN = new ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            Tensor layerInput = data;
            for (int layer = 0; layer < numLayers; layer++) {
                List<Tensor> outs = new ArrayList<>();
                for (int d = 0; d < directions; d++) {
                    int i = layer * directions + d;
                    Tensor projected = packedIh.get(i).apply(layerInput);
                    Tensor hAll = h0.select(0, i);
                    Tensor cAll = c0 == null ? null : c0.select(0, i);
                    Tensor[] stepOuts = new Tensor[steps];
                    Tensor h;
                    Tensor c;
                    if (d == 0) {
                        List<Tensor> doneH = new ArrayList<>();
                        List<Tensor> doneC = new ArrayList<>();
                        h = hAll;
                        c = cAll;
                        int offset = 0;
                        int last = (int) batchSizes[0];
                        for (int t = 0; t < steps; t++) {
                            int b = (int) batchSizes[t];
                            if (b < last) {
                                // sequences that ended at the previous step keep their states
                                doneH.add(h.narrow(0, b, last - b));
                                h = h.narrow(0, 0, b);
                                if (c != null) {
                                    doneC.add(c.narrow(0, b, last - b));
                                    c = c.narrow(0, 0, b);
                                }
                            }
                            last = b;
                            Tensor[] hc = step(i, projected.narrow(0, offset, b), h, c);
                            h = hc[0];
                            c = hc[1];
                            offset += b;
                            stepOuts[t] = h;
                        }
                        doneH.add(h);
                        java.util.Collections.reverse(doneH);
                        hN.add(Tensor.cat(doneH, 0));
                        if (c != null) {
                            doneC.add(c);
                            java.util.Collections.reverse(doneC);
                            cN.add(Tensor.cat(doneC, 0));
                        }
                    } else {
                        int offset = total;
                        int last = (int) batchSizes[steps - 1];
                        h = hAll.narrow(0, 0, last);
                        c = cAll == null ? null : cAll.narrow(0, 0, last);
                        for (int t = steps - 1; t >= 0; t--) {
                            int b = (int) batchSizes[t];
                            if (b > last) {
                                // longer sequences begin: their rows of the initial state join
                                h = Tensor.cat(List.of(h, hAll.narrow(0, last, b - last)), 0);
                                if (c != null) {
                                    c = Tensor.cat(List.of(c, cAll.narrow(0, last, b - last)), 0);
                                }
                            }
                            last = b;
                            Tensor[] hc = step(i, projected.narrow(0, offset - b, b), h, c);
                            h = hc[0];
                            c = hc[1];
                            offset -= b;
                            stepOuts[t] = h;
                        }
                        hN.add(h);
                        cN.add(c);
                    }
                    outs.add(Tensor.cat(List.of(stepOuts), 0));
                }
                layerInput = directions == 1 ? outs.get(0) : Tensor.cat(outs, 1);
                if (dropout != 0 && isTraining() && layer < numLayers - 1) {
                    layerInput = Functional.dropout(layerInput, dropout, true);
                }
            }
            return new RnnOutput(layerInput, Tensor.stack(hN, 0), c0 == null ? null : Tensor.stack(cN, 0));
        }
    }

    /** One step of layer-direction {@code i}: the hidden projection of {@code h}, then the cell. */
    private Tensor[] step(int i, Tensor xw, Tensor h, Tensor c) {
        return cell(xw, packedHh.get(i).apply(h), h, c);
    }

    /**
     * The forward over a PackedSequence, PyTorch's {@code forward_packed} of the dynamic quantized layers: the data
     * checked ({@code check_input}: 2-D, {@code input_size} features), the states (null for zeros) permuted by
     * {@code sorted_indices} and checked ({@code [layers * directions, batch_sizes[0], hidden]}), {@link #runPacked},
     * the output packed with the input's batch sizes and indices and the final states permuted back by
     * {@code unsorted_indices}.
     */
    PackedRnnOutput forwardPacked(PackedSequence input, Tensor h0, Tensor c0, boolean cellState) {
        if (input == null || input.data() == null || input.batchSizes() == null) {
            throw new IllegalArgumentException("expected a PackedSequence with data and batch_sizes, got "
                    + (input == null ? "null" : "null " + (input.data() == null ? "data" : "batch_sizes")));
        }
        Tensor data = input.data();
        if (data.dim() != 2) {
            throw new IllegalArgumentException("input must have 2 dimensions, got " + data.dim());
        }
        if (data.size(-1) != inputSize) {
            throw new IllegalArgumentException("input.size(-1) must be equal to input_size. Expected " + inputSize
                    + ", got " + data.size(-1));
        }
        long[] batchSizes = input.batchSizes().toLongArray();
        if (batchSizes.length == 0) {
            throw new IllegalArgumentException("Expected a non-empty packed sequence");
        }
        long sum = 0;
        for (int t = 0; t < batchSizes.length; t++) {
            if (batchSizes[t] < 1 || batchSizes[t] > batchSizes[0] || t > 0 && batchSizes[t] > batchSizes[t - 1]) {
                throw new IllegalArgumentException("batch_sizes must be positive and non-increasing, got "
                        + java.util.Arrays.toString(batchSizes));
            }
            sum += batchSizes[t];
        }
        if (sum != data.size(0)) {
            throw new IllegalArgumentException("batch_sizes sum to " + sum + " but the packed data has "
                    + data.size(0) + " rows");
        }
        int[] shape = {numLayers * (bidirectional ? 2 : 1), (int) batchSizes[0], hiddenSize};
        Tensor sorted = input.sortedIndices();
        Tensor h = h0 == null ? Tensor.zeros(DType.FLOAT32, shape) : permute(h0, sorted);
        Tensor c = !cellState ? null : c0 == null ? Tensor.zeros(DType.FLOAT32, shape) : permute(c0, sorted);
        checkState(h, shape, cellState ? "hidden[0]" : "hidden");
        if (c != null) {
            checkState(c, shape, "hidden[1]");
        }
        RnnOutput r = runPacked(data, batchSizes, h, c);
        Tensor unsorted = input.unsortedIndices();
        return new PackedRnnOutput(new PackedSequence(r.output(), input.batchSizes(), sorted, unsorted),
                permute(r.h(), unsorted), r.c() == null ? null : permute(r.c(), unsorted));
    }

    /** PyTorch's {@code permute_hidden}: {@code hx.index_select(1, permutation)}, or hx without one. */
    private static Tensor permute(Tensor hx, Tensor permutation) {
        return permutation == null ? hx : hx.indexSelect(1, permutation);
    }

    @Override
    protected String unsavableReason() {
        return "a dynamically quantized recurrent layer keeps PyTorch's packed parameters, which are not tensors: PyTorch's "
                + "state dict holds each layer and direction as _all_weight_values.<n>.param, a torchbind object (class "
                + "__torch__.torch.classes.rnn.CellParamsBase) that torch.save pickles as torch.ScriptObject, which "
                + "torch.load(weights_only=True) refuses; save the float model's state dict and quantize after loading it";
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
