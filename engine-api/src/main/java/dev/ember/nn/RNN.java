package dev.ember.nn;

import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;

import java.util.Arrays;

/**
 * {@code torch.nn.RNN}: a multi-layer Elman recurrent network, {@code h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T +
 * b_hh)} ({@code relu} in place of {@code tanh} with {@code nonlinearity="relu"}), with PyTorch's options
 * ({@code num_layers}, {@code nonlinearity}, {@code bias}, {@code batch_first}, {@code dropout} between layers in
 * training, {@code bidirectional}), parameter names, shapes and initialization ({@link RNNBase}, one gate). The input is
 * {@code [T, N, input_size]} ({@code [N, T, input_size]} batch first) or unbatched {@code [T, input_size]}; the initial
 * state {@code [D * num_layers, N, hidden_size]}, zeros when null (a {@link PackedSequence} input:
 * {@link #forward(PackedSequence, Tensor)}). Computed as PyTorch's CPU computes it
 * ({@link Tensor#rnnTanh}, {@link Tensor#rnnRelu}); the result's {@code c()} is null.
 */
public class RNN extends RNNBase {
    private final String nonlinearity;

    /** One layer of {@code tanh}, with biases, sequence first. */
    public RNN(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1, "tanh", true, false, 0, false);
    }

    /**
     * One layer of {@code tanh}, with biases, batch first or not: {@code nn.RNN(input_size, hidden_size, batch_first=True)} is
     * {@code new RNN(inputSize, hiddenSize, true)}. (A boolean third argument cannot be PyTorch's positional
     * {@code num_layers}; more layers take the constructor with every option.)
     */
    public RNN(int inputSize, int hiddenSize, boolean batchFirst) {
        this(inputSize, hiddenSize, batchFirst, false);
    }

    /**
     * One layer of {@code tanh}, with biases, batch first or not, bidirectional or not: {@code nn.RNN(input_size, hidden_size,
     * batch_first=True, bidirectional=True)} is {@code new RNN(inputSize, hiddenSize, true, true)}.
     */
    public RNN(int inputSize, int hiddenSize, boolean batchFirst, boolean bidirectional) {
        this(inputSize, hiddenSize, 1, "tanh", true, batchFirst, 0, bidirectional);
    }

    /** {@code numLayers} layers of {@code tanh}, with biases, sequence first. */
    public RNN(int inputSize, int hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, "tanh", true, false, 0, false);
    }

    /**
     * Every option of PyTorch's constructor, in its order; {@code nonlinearity} is {@code "tanh"} or {@code "relu"}
     * (else PyTorch's ValueError).
     */
    public RNN(int inputSize, int hiddenSize, int numLayers, String nonlinearity, boolean bias, boolean batchFirst,
               double dropout, boolean bidirectional) {
        super(mode(nonlinearity), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0);
        this.nonlinearity = nonlinearity;
    }

    /** PyTorch's {@code RNN.__init__}: the mode from the nonlinearity, checked before anything else. */
    private static String mode(String nonlinearity) {
        if ("tanh".equals(nonlinearity)) {
            return "RNN_TANH";
        }
        if ("relu".equals(nonlinearity)) {
            return "RNN_RELU";
        }
        throw new IllegalArgumentException("Unknown nonlinearity '" + nonlinearity + "'. Select from 'tanh' or 'relu'.");
    }

    /** The nonlinearity, {@code "tanh"} or {@code "relu"}. */
    public String nonlinearity() {
        return nonlinearity;
    }

    /** The output sequence of {@link #forward(Tensor, Tensor)} from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    /**
     * The output sequence and the final state from {@code hx} (null for zeros), as PyTorch's {@code RNN.forward}, with
     * its checks and messages.
     */
    public RnnOutput forward(Tensor input, Tensor hx) {
        return forwardOneHidden(input, hx);
    }

    /** {@link #forward(PackedSequence, Tensor)} from a zero state. */
    public PackedRnnOutput forward(PackedSequence input) {
        return forward(input, null);
    }

    /**
     * PyTorch's {@code RNN.forward} with a {@link PackedSequence}: {@code hx} (original batch order, null for zeros)
     * is permuted by the input's {@code sorted_indices} ({@code permute_hidden}), the layers run over the packed data
     * (step {@code t} on the first {@code batch_sizes[t]} sequences; the reverse direction starting at each sequence's
     * own last step; dropout between layers in training), and the result holds the packed output (same batch sizes
     * and indices) and {@code h_n} at each sequence's last real step, back in the original order ({@code c()} null).
     *
     * @param input a packed batch, from {@link dev.ember.nn.utils.Rnn#packPaddedSequence} or
     *              {@link dev.ember.nn.utils.Rnn#packSequence}
     * @param hx the initial state {@code [D * num_layers, N, hidden_size]}, or null
     * @return the packed output and the final state
     */
    public PackedRnnOutput forward(PackedSequence input, Tensor hx) {
        return forwardPackedOneHidden(input, hx);
    }

    /**
     * {@link #apply(PackedSequence, Tensor)} from zero states, as {@code rnn(packed)}: the packed output and each
     * sequence's final state.
     */
    public PackedRnnOutput apply(PackedSequence input) {
        return apply(input, (Tensor) null);
    }

    /**
     * {@link #forward(PackedSequence, Tensor)} called with this module's hooks, as {@code rnn(packed, hx)}; the hooks
     * see {@code [data, batch_sizes, sorted_indices, unsorted_indices, hx, null]} and
     * {@code [data, batch_sizes, sorted_indices, unsorted_indices, h_n, null]}.
     */
    public PackedRnnOutput apply(PackedSequence input, Tensor hx) {
        return applyPacked(input, hx, null, a -> forward(packedArg(a), a.get(4)));
    }

    /** {@link #forward(Tensor, Tensor)} called with this module's hooks, as {@code rnn(input, hx)}. */
    public RnnOutput apply(Tensor input, Tensor hx) {
        return call(Arrays.asList(input, hx), a -> forward(a.get(0), a.get(1)), r -> Arrays.asList(r.output(), r.h()),
                t -> new RnnOutput(t.get(0), t.get(1), null));
    }
}
