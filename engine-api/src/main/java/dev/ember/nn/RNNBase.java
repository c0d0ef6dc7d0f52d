package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Format;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The base of {@link LSTM}, {@link GRU} and {@link RNN}, as {@code torch.nn.RNNBase}: PyTorch's parameters, their names
 * ({@code weight_ih_l0}, {@code weight_hh_l0}, {@code bias_ih_l0}, {@code bias_hh_l0}, {@code weight_hr_l0} with a
 * projection, {@code *_reverse} for the second direction, layer by layer), shapes and order, so a state dict loads from
 * PyTorch's; every parameter initialized from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); PyTorch's constructor
 * checks, input checks and printout.
 */
public abstract class RNNBase extends Module {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    final String mode;
    final int inputSize;
    final int hiddenSize;
    final int numLayers;
    final boolean bias;
    final boolean batchFirst;
    final double dropout;
    final boolean bidirectional;
    final int projSize;
    private final List<String> flatWeightNames = new ArrayList<>();

    RNNBase(String mode, int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
            boolean bidirectional, int projSize) {
        // torch/nn/modules/rnn.py RNNBase.__init__ (PyTorch 2.x), in its order
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException("dropout should be a number in range [0, 1] representing the probability of an "
                    + "element being zeroed");
        }
        if (dropout > 0 && numLayers == 1) {
            LOG.log(System.Logger.Level.WARNING, "dropout option adds dropout after all but last recurrent layer, so non-zero "
                    + "dropout expects num_layers greater than 1, but got dropout=" + Format.repr(dropout) + " and num_layers="
                    + numLayers);
        }
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("hidden_size must be greater than zero");
        }
        if (numLayers <= 0) {
            throw new IllegalArgumentException("num_layers must be greater than zero");
        }
        if (projSize < 0) {
            throw new IllegalArgumentException("proj_size should be a positive integer or zero to disable projections");
        }
        if (projSize >= hiddenSize) {
            throw new IllegalArgumentException("proj_size has to be smaller than hidden_size");
        }
        this.mode = mode;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        this.projSize = projSize;
        int directions = bidirectional ? 2 : 1;
        int realHidden = projSize > 0 ? projSize : hiddenSize;
        // the weights' sizes in long, each checked before it is made (PyTorch's order of allocation)
        long gate = (mode.equals("LSTM") ? 4L : mode.equals("GRU") ? 3L : 1L) * hiddenSize;
        int gateSize = (int) gate; // used only once Checks.weightSize has passed it
        for (int layer = 0; layer < numLayers; layer++) {
            for (int direction = 0; direction < directions; direction++) {
                long layerInputSize = layer == 0 ? inputSize : (long) realHidden * directions;
                Checks.weightSize(gate, layerInputSize, "a recurrent weight");
                int layerInput = (int) layerInputSize;
                String suffix = "_l" + layer + (direction == 1 ? "_reverse" : "");
                registerParameter("weight_ih" + suffix, Tensor.empty(gateSize, layerInput));
                flatWeightNames.add("weight_ih" + suffix);
                registerParameter("weight_hh" + suffix, Tensor.empty(gateSize, realHidden));
                flatWeightNames.add("weight_hh" + suffix);
                if (bias) {
                    registerParameter("bias_ih" + suffix, Tensor.empty(gateSize));
                    flatWeightNames.add("bias_ih" + suffix);
                    registerParameter("bias_hh" + suffix, Tensor.empty(gateSize));
                    flatWeightNames.add("bias_hh" + suffix);
                }
                if (projSize > 0) {
                    registerParameter("weight_hr" + suffix, Tensor.empty(projSize, hiddenSize));
                    flatWeightNames.add("weight_hr" + suffix);
                }
            }
        }
        resetParameters();
    }

    /** {@code input_size}. */
    public int inputSize() {
        return inputSize;
    }

    /** {@code hidden_size}. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** {@code num_layers}. */
    public int numLayers() {
        return numLayers;
    }

    /** {@code bias}: whether the layers have biases. */
    public boolean bias() {
        return bias;
    }

    /** {@code batch_first}. */
    public boolean batchFirst() {
        return batchFirst;
    }

    /** {@code dropout}: the probability of the dropout between layers in training. */
    public double dropout() {
        return dropout;
    }

    /** {@code bidirectional}. */
    public boolean bidirectional() {
        return bidirectional;
    }

    /** {@code proj_size}: 0 without a projection. */
    public int projSize() {
        return projSize;
    }

    /** PyTorch's {@code reset_parameters}: every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). */
    public void resetParameters() {
        double stdv = 1.0 / Math.sqrt(hiddenSize);
        for (Tensor w : parameters()) {
            Init.uniformSymmetric_(w, stdv);
        }
    }

    /**
     * The parameters in the order {@code torch.lstm}/{@code torch.gru} take them, PyTorch's {@code _flat_weights}, each
     * as the forward reads it ({@link #parametrizedValue(String)}: a parametrized one recomputed, as PyTorch 2.x
     * refreshes its flat weights when they change).
     */
    public List<Tensor> flatWeights() {
        List<Tensor> out = new ArrayList<>(flatWeightNames.size());
        for (String name : flatWeightNames) {
            out.add(parameter(name));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * PyTorch's {@code flatten_parameters()}, which models call at the start of their forward so that cuDNN finds the
     * weights in one contiguous block: nothing to do in Ember, whose kernels read each weight where it is, so this
     * changes nothing (as PyTorch's does on the CPU).
     */
    public void flattenParameters() {
    }

    int directions() {
        return bidirectional ? 2 : 1;
    }

    /** The batch dimension of the (batched) input. */
    int batchDim() {
        return batchFirst ? 0 : 1;
    }

    /** PyTorch's {@code check_input}. */
    void checkInput(Tensor input) {
        checkInput(input, 3);
    }

    /** PyTorch's {@code check_input}: {@code expectedDim} is 2 for a packed input's data, 3 otherwise. */
    void checkInput(Tensor input, int expectedDim) {
        DType w = parameter(flatWeightNames.get(0)).dtype();
        if (input.dtype() != w) {
            throw new IllegalArgumentException("input must have the type " + w.torchName() + ", got type "
                    + input.dtype().torchName());
        }
        if (input.dim() != expectedDim) {
            throw new IllegalArgumentException("input must have " + expectedDim + " dimensions, got " + input.dim());
        }
        if (inputSize != input.size(-1)) {
            throw new IllegalArgumentException("input.size(-1) must be equal to input_size. Expected " + inputSize + ", got "
                    + input.size(-1));
        }
    }

    /** PyTorch's {@code check_hidden_size}: {@code expected} printed as a tuple, the size as a list. */
    static void checkHiddenSize(Tensor hx, int[] expected, String what) {
        if (!java.util.Arrays.equals(hx.shape(), expected)) {
            throw new IllegalArgumentException("Expected " + what + " size " + tuple(expected) + ", got "
                    + java.util.Arrays.toString(hx.shape()));
        }
    }

    /** PyTorch's {@code get_expected_hidden_size} (with {@code hidden} the projection's size where there is one). */
    int[] expectedHiddenSize(Tensor input, int hidden) {
        int miniBatch = batchFirst ? input.size(0) : input.size(1);
        return new int[] {numLayers * directions(), miniBatch, hidden};
    }

    /**
     * The unpacked forward of {@link GRU} and {@link RNN} (PyTorch's {@code GRU.forward}/{@code RNN.forward} with a
     * tensor, with their checks and messages): an unbatched input and {@code hx} given their batch dimension, a null
     * {@code hx} made zeros, both checked, the op of this module's mode run, and the batch dimension dropped again.
     */
    RnnOutput forwardOneHidden(Tensor input, Tensor hx) {
        boolean gru = mode.equals("GRU");
        boolean tanh = mode.equals("RNN_TANH");
        Checks.tensor(input, gru ? "gru" : tanh ? "rnn_tanh" : "rnn_relu", "input", 1);
        if (input.dim() != 2 && input.dim() != 3) {
            // the two classes' messages differ by a word, as PyTorch's
            throw new IllegalArgumentException(gru ? "GRU: Expected input to be 2D or 3D, got " + input.dim() + "D instead"
                    : "RNN: Expected input to be 2D or 3D, got " + input.dim() + "D tensor instead");
        }
        boolean batched = input.dim() == 3;
        int batchDim = batchDim();
        Tensor x = input;
        Tensor h = hx;
        if (!batched) {
            x = input.unsqueeze(batchDim);
            if (h != null) {
                if (h.dim() != 2) {
                    throw new IllegalArgumentException("For unbatched 2-D input, hx should also be 2-D but got " + h.dim()
                            + "-D tensor");
                }
                h = h.unsqueeze(1);
            }
        } else if (h != null && h.dim() != 3) {
            throw new IllegalArgumentException("For batched 3-D input, hx should also be 3-D but got " + h.dim() + "-D tensor");
        }
        if (h == null) {
            int maxBatch = batchFirst ? x.size(0) : x.size(1);
            h = Tensor.zeros(x.dtype(), numLayers * directions(), maxBatch, hiddenSize).to(x.device());
        }
        checkInput(x);
        checkHiddenSize(h, expectedHiddenSize(x, hiddenSize), "hidden");
        List<Tensor> w = flatWeights();
        boolean train = isTraining();
        RnnOutput r = gru ? Tensor.gru(x, h, w, bias, numLayers, dropout, train, bidirectional, batchFirst)
                : tanh ? Tensor.rnnTanh(x, h, w, bias, numLayers, dropout, train, bidirectional, batchFirst)
                : Tensor.rnnRelu(x, h, w, bias, numLayers, dropout, train, bidirectional, batchFirst);
        if (!batched) {
            return new RnnOutput(r.output().squeeze(batchDim), r.h().squeeze(1), null);
        }
        return r;
    }

    // ------------------------------------------------------------------ PackedSequence inputs

    /** A packed input's data after PyTorch's {@code check_input} (2-D), and its {@code int(batch_sizes[0])}. */
    int packedMaxBatch(PackedSequence input) {
        Checks.notNull(input, "input");
        Tensor data = input.data();
        Checks.notNull(data, "input.data");
        Checks.notNull(input.batchSizes(), "input.batch_sizes");
        if (input.batchSizes().numel() == 0) {
            throw new IllegalArgumentException("Expected a non-empty packed sequence");
        }
        return (int) input.batchSizes().toLongArray()[0];
    }

    /** PyTorch's {@code permute_hidden}/{@code apply_permutation}: {@code hx.index_select(1, permutation)}, or hx. */
    static Tensor permuteHidden(Tensor hx, Tensor permutation) {
        return permutation == null ? hx : hx.indexSelect(1, permutation);
    }

    /** PyTorch's {@code get_expected_hidden_size} for a packed input: the batch is {@code batch_sizes[0]}. */
    int[] expectedPackedHiddenSize(int maxBatch, int hidden) {
        return new int[] {numLayers * directions(), maxBatch, hidden};
    }

    /**
     * The packed forward of {@link GRU} and {@link RNN} (PyTorch's {@code GRU.forward}/{@code RNN.forward} with a
     * PackedSequence): {@code hx} (original batch order, null for zeros) permuted by {@code sorted_indices}, checked,
     * the packed op run, its output packed with the input's batch sizes and indices, {@code h_n} permuted back by
     * {@code unsorted_indices}.
     */
    PackedRnnOutput forwardPackedOneHidden(PackedSequence input, Tensor hx) {
        int maxBatch = packedMaxBatch(input);
        Tensor data = input.data();
        Tensor h;
        if (hx == null) {
            h = Tensor.zeros(data.dtype(), numLayers * directions(), maxBatch, hiddenSize).to(data.device());
        } else {
            h = permuteHidden(hx, input.sortedIndices());
        }
        checkInput(data, 2);
        checkHiddenSize(h, expectedPackedHiddenSize(maxBatch, hiddenSize), "hidden");
        List<Tensor> w = flatWeights();
        Tensor bs = input.batchSizes();
        boolean train = isTraining();
        RnnOutput r = switch (mode) {
            case "GRU" -> Tensor.gru(data, bs, h, w, bias, numLayers, dropout, train, bidirectional);
            case "RNN_TANH" -> Tensor.rnnTanh(data, bs, h, w, bias, numLayers, dropout, train, bidirectional);
            default -> Tensor.rnnRelu(data, bs, h, w, bias, numLayers, dropout, train, bidirectional);
        };
        PackedSequence out = new PackedSequence(r.output(), bs, input.sortedIndices(), input.unsortedIndices());
        return new PackedRnnOutput(out, permuteHidden(r.h(), input.unsortedIndices()), null);
    }

    /**
     * A packed forward called with this module's hooks, as {@code module(packed, hx)}: the hooks see PyTorch's
     * arguments with the PackedSequence (a named tuple) spread into its four tensors, {@code [data, batch_sizes,
     * sorted_indices, unsorted_indices, h0, c0]} (null where absent), and the results the same way, {@code [data,
     * batch_sizes, sorted_indices, unsorted_indices, h_n, c_n]}.
     */
    PackedRnnOutput applyPacked(PackedSequence input, Tensor h0, Tensor c0,
                                java.util.function.Function<List<Tensor>, PackedRnnOutput> forward) {
        Checks.notNull(input, "input");
        List<Tensor> in = java.util.Arrays.asList(input.data(), input.batchSizes(), input.sortedIndices(),
                input.unsortedIndices(), h0, c0);
        return call(in, forward, r -> java.util.Arrays.asList(r.output().data(), r.output().batchSizes(),
                        r.output().sortedIndices(), r.output().unsortedIndices(), r.h(), r.c()),
                t -> new PackedRnnOutput(new PackedSequence(t.get(0), t.get(1), t.get(2), t.get(3)), t.get(4), t.get(5)));
    }

    /** The packed input a hook list spreads: its first four tensors. */
    static PackedSequence packedArg(List<Tensor> a) {
        return new PackedSequence(a.get(0), a.get(1), a.get(2), a.get(3));
    }

    /** PyTorch's {@code RNNBase.extra_repr}: the sizes, then each option that is not its default. */
    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(inputSize + ", " + hiddenSize);
        if (projSize != 0) {
            s.append(", proj_size=").append(projSize);
        }
        if (numLayers != 1) {
            s.append(", num_layers=").append(numLayers);
        }
        if (!bias) {
            s.append(", bias=False");
        }
        if (batchFirst) {
            s.append(", batch_first=True");
        }
        if (dropout != 0) {
            s.append(", dropout=").append(Format.repr(dropout));
        }
        if (bidirectional) {
            s.append(", bidirectional=True");
        }
        return s.toString();
    }
}
