package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Module;

/**
 * The dynamically quantized recurrent cells' common part, PyTorch's {@code torch.ao.nn.quantized.dynamic.RNNCellBase}:
 * {@code weight_ih} and {@code weight_hh} as qint8 (one scale, or one per gate row) or float16 (as the layers'), the biases
 * float32, each packed
 * once with its bias; a step computes {@code linear_dynamic(input, W_ih, b_ih)} and {@code linear_dynamic(h, W_hh,
 * b_hh)} with the input and state quantized over [0, 127] (PyTorch's {@code quantized_*_cell_dynamic}: RNN.cpp sets
 * {@code reduce_range} for every cell), then the cell. Inference only (no gradients), on the CPU, 2-D inputs, as
 * PyTorch's; a model holding one refuses {@link #stateDict()}.
 */
public abstract class RNNCellBase extends Module {
    final int inputSize;
    final int hiddenSize;
    private final Projection packedIh;
    private final Projection packedHh;

    RNNCellBase(dev.ember.nn.RNNCellBase mod, DynamicQConfig qconfig) {
        this.inputSize = mod.weightIh.size(1);
        this.hiddenSize = mod.weightHh.size(1);
        try (GradMode off = Ember.noGrad()) {
            packedIh = Projection.of(mod.weightIh, mod.biasIh, qconfig);
            packedHh = Projection.of(mod.weightHh, mod.biasHh, qconfig);
        }
    }

    /** PyTorch's {@code from_float} checks: the cell's class exactly, biases ({@code assert mod.bias}). */
    static void checkFloat(dev.ember.nn.RNNCellBase mod, Class<?> type, DynamicQConfig qconfig) {
        RNNBase.checkFloatModule(mod, type, qconfig, mod != null && mod.biasIh != null);
    }

    /**
     * The quantized {@code weight_ih}.
     *
     * @throws IllegalStateException for a float16 cell, whose weight {@link #float16WeightIh} gives
     */
    public QuantizedTensor weightIh() {
        return RNNBase.qint8(packedIh, "float16WeightIh");
    }

    /**
     * The quantized {@code weight_hh}.
     *
     * @throws IllegalStateException for a float16 cell, whose weight {@link #float16WeightHh} gives
     */
    public QuantizedTensor weightHh() {
        return RNNBase.qint8(packedHh, "float16WeightHh");
    }

    /**
     * A float16 cell's {@code weight_ih} as float32 values (a copy).
     *
     * @throws IllegalStateException for a qint8 cell, whose weight {@link #weightIh} gives
     */
    public Tensor float16WeightIh() {
        return RNNBase.float16(packedIh, "weightIh");
    }

    /**
     * A float16 cell's {@code weight_hh} as float32 values (a copy).
     *
     * @throws IllegalStateException for a qint8 cell, whose weight {@link #weightHh} gives
     */
    public Tensor float16WeightHh() {
        return RNNBase.float16(packedHh, "weightHh");
    }

    /** PyTorch's {@code check_forward_input}: the input's second dimension is {@code input_size}. */
    void checkInput(Tensor input) {
        if (input == null) {
            throw new IllegalArgumentException(moduleName() + ": argument 'input' must be Tensor, not null");
        }
        if (input.size(1) != inputSize) {
            throw new IllegalArgumentException("input has inconsistent input_size: got " + input.size(1)
                    + ", expected " + inputSize);
        }
    }

    /**
     * PyTorch's {@code check_forward_hidden}: a state ({@code label} "", "[0]" or "[1]") with the input's batch and
     * {@code hidden_size} columns; null gives zeros.
     */
    Tensor state(Tensor input, Tensor hx, String label) {
        if (hx == null) {
            return Tensor.zeros(DType.FLOAT32, input.size(0), hiddenSize);
        }
        if (input.size(0) != hx.size(0)) {
            throw new IllegalArgumentException("Input batch size " + input.size(0) + " doesn't match hidden" + label
                    + " batch size " + hx.size(0));
        }
        if (hx.size(1) != hiddenSize) {
            throw new IllegalArgumentException("hidden" + label + " has inconsistent hidden_size: got " + hx.size(1)
                    + ", expected " + hiddenSize);
        }
        return hx;
    }

    /** A cell's update of its hidden state from the projections {@code xw}, {@code hw} and the state {@code h}. */
    interface HiddenCell {
        Tensor apply(Tensor xw, Tensor hw, Tensor h);
    }

    /**
     * One step of a cell with a hidden state only ({@link GRUCell}, {@link RNNCell}): PyTorch's checks, then
     * {@code cell(linear_dynamic(input, W_ih, b_ih), linear_dynamic(h, W_hh, b_hh), h)}, without gradients.
     */
    Tensor hiddenStep(Tensor input, Tensor hx, HiddenCell cell) {
        checkInput(input);
        Tensor h = state(input, hx, "");
        try (GradMode off = Ember.noGrad()) {
            Tensor[] p = project(input, h);
            return cell.apply(p[0], p[1], h);
        }
    }

    /**
     * The projections {@code {linear_dynamic(input, W_ih, b_ih), linear_dynamic(h, W_hh, b_hh)}}; call without
     * gradients.
     */
    Tensor[] project(Tensor input, Tensor h) {
        return new Tensor[] {packedIh.apply(input), packedHh.apply(h)};
    }

    @Override
    protected String unsavableReason() {
        return "a dynamically quantized recurrent cell keeps PyTorch's packed parameters, which are not tensors: PyTorch's "
                + "state dict holds them as _packed_weight_ih and _packed_weight_hh, torchbind objects (class "
                + "__torch__.torch.classes.quantized.LinearPackedParamsBase) that torch.save pickles as torch.ScriptObject, "
                + "which torch.load(weights_only=True) refuses; save the float model's state dict and quantize after "
                + "loading it";
    }

    /** PyTorch's {@code extra_repr}: the sizes (the bias is always there: {@code from_float} requires it). */
    @Override
    public String extraRepr() {
        return inputSize + ", " + hiddenSize;
    }
}
