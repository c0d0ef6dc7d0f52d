package dev.ember.nn;

import dev.ember.LstmState;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.LSTM}: a multi-layer long short-term memory network over a sequence, with PyTorch's options
 * ({@code num_layers}, {@code bias}, {@code batch_first}, {@code dropout} between layers in training,
 * {@code bidirectional}, {@code proj_size}), parameter names, shapes and initialization ({@link RNNBase}). The input is
 * {@code [T, N, input_size]} ({@code [N, T, input_size]} batch first) or unbatched {@code [T, input_size]}; the initial
 * state {@code (h0, c0)} is {@code [D * num_layers, N, H_out]} and {@code [D * num_layers, N, hidden_size]} each, zeros
 * when null. A {@link PackedSequence} input ({@link #forward(PackedSequence, LstmState)}) gives a packed output and
 * each sequence's final states, as PyTorch's. Computed as PyTorch 2.x's CPU computes it ({@link Tensor#lstm}): in
 * training, float32 without projection, one fused node per layer and direction (oneDNN's MkldnnRnnLayerBackward0, the
 * weights' gradients one product over all the steps); otherwise a composition of linear, sigmoid and tanh steps.
 *
 * <pre>{@code
 * LSTM lstm = new LSTM(10, 20, 2);
 * RnnOutput r = lstm.apply(input, new LstmState(h0, c0));   // r.output(), r.h(), r.c()
 * }</pre>
 */
public class LSTM extends RNNBase implements LstmForward {
    /** One layer, with biases, sequence first. */
    public LSTM(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1, true, false, 0, false, 0);
    }

    /**
     * One layer, with biases, batch first or not: {@code nn.LSTM(input_size, hidden_size, batch_first=True)} is
     * {@code new LSTM(inputSize, hiddenSize, true)}. (A boolean third argument cannot be PyTorch's positional
     * {@code num_layers}; more layers take the constructor with every option.)
     */
    public LSTM(int inputSize, int hiddenSize, boolean batchFirst) {
        this(inputSize, hiddenSize, batchFirst, false);
    }

    /**
     * One layer, with biases, batch first or not, bidirectional or not: {@code nn.LSTM(input_size, hidden_size,
     * batch_first=True, bidirectional=True)} is {@code new LSTM(inputSize, hiddenSize, true, true)}.
     */
    public LSTM(int inputSize, int hiddenSize, boolean batchFirst, boolean bidirectional) {
        this(inputSize, hiddenSize, 1, true, batchFirst, 0, bidirectional, 0);
    }

    /** {@code numLayers} layers, with biases, sequence first. */
    public LSTM(int inputSize, int hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, true, false, 0, false, 0);
    }

    /**
     * Every option of PyTorch's constructor but {@code proj_size} (none), in its order, as {@link GRU}'s constructor:
     * {@code nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)}.
     */
    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
                boolean bidirectional) {
        this(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0);
    }

    /** Every option of PyTorch's constructor, in its order ({@code projSize} 0 for no projection). */
    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
                boolean bidirectional, int projSize) {
        super("LSTM", inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /** The output sequence of {@link #forward(Tensor, LstmState)} from zero states. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    /**
     * The output sequence and the final states from {@code hx} ({@code (h0, c0)}; null for zeros), as PyTorch's
     * {@code LSTM.forward}, with its checks and messages.
     */
    @Override
    public RnnOutput forward(Tensor input, LstmState hx) {
        if (replacement() instanceof LstmForward replaced) {
            return replaced.forward(input, hx); // swapped in its parent (Module.setSubmodule): the new layer computes
        }
        Checks.tensor(input, "lstm", "input", 1);
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException("LSTM: Expected input to be 2D or 3D, got " + input.dim() + "D instead");
        }
        boolean batched = input.dim() == 3;
        int batchDim = batchDim();
        Tensor x = batched ? input : input.unsqueeze(batchDim);
        int realHidden = projSize > 0 ? projSize : hiddenSize;
        Tensor h0;
        Tensor c0;
        if (hx == null) {
            int maxBatch = batchFirst ? x.size(0) : x.size(1);
            h0 = Tensor.zeros(x.dtype(), numLayers * directions(), maxBatch, realHidden).to(x.device());
            c0 = Tensor.zeros(x.dtype(), numLayers * directions(), maxBatch, hiddenSize).to(x.device());
        } else {
            Checks.tensor(hx.h(), "lstm", "hx", 2);
            Checks.tensor(hx.c(), "lstm", "hx", 2);
            if (batched) {
                if (hx.h().dim() != 3 || hx.c().dim() != 3) {
                    throw new IllegalArgumentException("For batched 3-D input, hx and cx should also be 3-D but got ("
                            + hx.h().dim() + "-D, " + hx.c().dim() + "-D) tensors");
                }
                h0 = hx.h();
                c0 = hx.c();
            } else {
                if (hx.h().dim() != 2 || hx.c().dim() != 2) {
                    throw new IllegalArgumentException("For unbatched 2-D input, hx and cx should also be 2-D but got ("
                            + hx.h().dim() + "-D, " + hx.c().dim() + "-D) tensors");
                }
                h0 = hx.h().unsqueeze(1);
                c0 = hx.c().unsqueeze(1);
            }
        }
        checkInput(x);
        checkHiddenSize(h0, expectedHiddenSize(x, realHidden), "hidden[0]");
        checkHiddenSize(c0, expectedHiddenSize(x, hiddenSize), "hidden[1]");
        RnnOutput r = Tensor.lstm(x, h0, c0, flatWeights(), bias, numLayers, dropout, isTraining(), bidirectional, batchFirst);
        if (!batched) {
            return new RnnOutput(r.output().squeeze(batchDim), r.h().squeeze(1), r.c().squeeze(1));
        }
        return r;
    }

    /** {@link #forward(PackedSequence, LstmState)} from zero states. */
    public PackedRnnOutput forward(PackedSequence input) {
        return forward(input, null);
    }

    /**
     * PyTorch's {@code LSTM.forward} with a {@link PackedSequence}: {@code hx} ({@code (h0, c0)} in the original batch
     * order, null for zeros) is permuted by the input's {@code sorted_indices} ({@code permute_hidden}), the layers run
     * over the packed data (step {@code t} on the first {@code batch_sizes[t]} sequences; the reverse direction starting
     * at each sequence's own last step; dropout between layers in training), and the result holds the packed output
     * (same batch sizes and indices) and {@code (h_n, c_n)} at each sequence's last real step, back in the original
     * order. Checks and messages are PyTorch's ({@code input must have 2 dimensions}, {@code Expected hidden[0] size}).
     *
     * @param input a packed batch, from {@link dev.ember.nn.utils.Rnn#packPaddedSequence} or
     *              {@link dev.ember.nn.utils.Rnn#packSequence}
     * @param hx the initial states, {@code [D * num_layers, N, H_out]} and {@code [D * num_layers, N, hidden_size]}
     * @return the packed output and the final states
     */
    public PackedRnnOutput forward(PackedSequence input, LstmState hx) {
        if (replacement() instanceof LstmForward replaced) {
            return replaced.forward(input, hx);
        }
        int maxBatch = packedMaxBatch(input);
        Tensor data = input.data();
        int realHidden = projSize > 0 ? projSize : hiddenSize;
        Tensor h0;
        Tensor c0;
        if (hx == null) {
            h0 = Tensor.zeros(data.dtype(), numLayers * directions(), maxBatch, realHidden).to(data.device());
            c0 = Tensor.zeros(data.dtype(), numLayers * directions(), maxBatch, hiddenSize).to(data.device());
        } else {
            Checks.tensor(hx.h(), "lstm", "hx", 2);
            Checks.tensor(hx.c(), "lstm", "hx", 2);
            h0 = permuteHidden(hx.h(), input.sortedIndices());
            c0 = permuteHidden(hx.c(), input.sortedIndices());
        }
        checkInput(data, 2);
        checkHiddenSize(h0, expectedPackedHiddenSize(maxBatch, realHidden), "hidden[0]");
        checkHiddenSize(c0, expectedPackedHiddenSize(maxBatch, hiddenSize), "hidden[1]");
        RnnOutput r = Tensor.lstm(data, input.batchSizes(), h0, c0, flatWeights(), bias, numLayers, dropout, isTraining(),
                bidirectional);
        PackedSequence out = new PackedSequence(r.output(), input.batchSizes(), input.sortedIndices(),
                input.unsortedIndices());
        return new PackedRnnOutput(out, permuteHidden(r.h(), input.unsortedIndices()),
                permuteHidden(r.c(), input.unsortedIndices()));
    }

    /**
     * {@link #apply(PackedSequence, LstmState)} from zero states, as {@code lstm(packed)}: the packed output and each
     * sequence's final states.
     */
    public PackedRnnOutput apply(PackedSequence input) {
        return apply(input, (LstmState) null);
    }

    /**
     * {@link #forward(PackedSequence, LstmState)} called with this module's hooks, as {@code lstm(packed, (h0, c0))};
     * the hooks see {@code [data, batch_sizes, sorted_indices, unsorted_indices, h0, c0]} and
     * {@code [data, batch_sizes, sorted_indices, unsorted_indices, h_n, c_n]}.
     */
    public PackedRnnOutput apply(PackedSequence input, LstmState hx) {
        return applyPacked(input, hx == null ? null : hx.h(), hx == null ? null : hx.c(), a -> forward(packedArg(a),
                a.get(4) == null && a.get(5) == null ? null : new LstmState(a.get(4), a.get(5))));
    }

    /** {@link #forward(Tensor, LstmState)} called with this module's hooks, as {@code lstm(input, (h0, c0))}. */
    public RnnOutput apply(Tensor input, LstmState hx) {
        List<Tensor> in = Arrays.asList(input, hx == null ? null : hx.h(), hx == null ? null : hx.c());
        return call(in, a -> forward(a.get(0), a.get(1) == null && a.get(2) == null ? null : new LstmState(a.get(1), a.get(2))),
                r -> Arrays.asList(r.output(), r.h(), r.c()), t -> new RnnOutput(t.get(0), t.get(1), t.get(2)));
    }
}
