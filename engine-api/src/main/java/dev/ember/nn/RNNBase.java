package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Format;
import dev.ember.Tensor;

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
    private final List<Tensor> flatWeights = new ArrayList<>();

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
        int gateSize = (mode.equals("LSTM") ? 4 : mode.equals("GRU") ? 3 : 1) * hiddenSize;
        int directions = bidirectional ? 2 : 1;
        int realHidden = projSize > 0 ? projSize : hiddenSize;
        for (int layer = 0; layer < numLayers; layer++) {
            for (int direction = 0; direction < directions; direction++) {
                int layerInput = layer == 0 ? inputSize : realHidden * directions;
                String suffix = "_l" + layer + (direction == 1 ? "_reverse" : "");
                flatWeights.add(registerParameter("weight_ih" + suffix, Tensor.empty(gateSize, layerInput)));
                flatWeights.add(registerParameter("weight_hh" + suffix, Tensor.empty(gateSize, realHidden)));
                if (bias) {
                    flatWeights.add(registerParameter("bias_ih" + suffix, Tensor.empty(gateSize)));
                    flatWeights.add(registerParameter("bias_hh" + suffix, Tensor.empty(gateSize)));
                }
                if (projSize > 0) {
                    flatWeights.add(registerParameter("weight_hr" + suffix, Tensor.empty(projSize, hiddenSize)));
                }
            }
        }
        resetParameters();
    }

    /** PyTorch's {@code reset_parameters}: every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). */
    public void resetParameters() {
        double stdv = 1.0 / Math.sqrt(hiddenSize);
        for (Tensor w : parameters()) {
            Init.uniform_(w, stdv);
        }
    }

    /** The parameters in the order {@code torch.lstm}/{@code torch.gru} take them, PyTorch's {@code _flat_weights}. */
    public List<Tensor> flatWeights() {
        return Collections.unmodifiableList(flatWeights);
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
        DType w = flatWeights.get(0).dtype();
        if (input.dtype() != w) {
            throw new IllegalArgumentException("input must have the type " + w.torchName() + ", got type "
                    + input.dtype().torchName());
        }
        if (input.dim() != 3) {
            throw new IllegalArgumentException("input must have 3 dimensions, got " + input.dim());
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
