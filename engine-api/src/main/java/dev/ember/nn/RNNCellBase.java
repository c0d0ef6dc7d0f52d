package dev.ember.nn;

import dev.ember.Tensor;

/**
 * The base of {@link LSTMCell}, {@link GRUCell} and {@link RNNCell}, as {@code torch.nn.RNNCellBase}: {@code weight_ih}
 * {@code [gates * hidden_size, input_size]}, {@code weight_hh} {@code [gates * hidden_size, hidden_size]},
 * {@code bias_ih}, {@code bias_hh} {@code [gates * hidden_size]} (absent without bias), all from
 * U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); PyTorch's printout.
 */
public abstract class RNNCellBase extends Module {
    /** {@code weight_ih}; the tensor registered at construction (see {@link Module#setParameter}). */
    public final Tensor weightIh;
    /** {@code weight_hh}; the tensor registered at construction (see {@link Module#setParameter}). */
    public final Tensor weightHh;
    /** {@code bias_ih}, or null; the tensor registered at construction (see {@link Module#setParameter}). */
    public final Tensor biasIh;
    /** {@code bias_hh}, or null; the tensor registered at construction (see {@link Module#setParameter}). */
    public final Tensor biasHh;
    final int inputSize;
    final int hiddenSize;
    final boolean bias;

    RNNCellBase(int inputSize, int hiddenSize, boolean bias, int chunks) {
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.bias = bias;
        Checks.weightSize((long) chunks * hiddenSize, inputSize, "a recurrent weight"); // sizes in long before any weight is made
        Checks.weightSize((long) chunks * hiddenSize, hiddenSize, "a recurrent weight");
        this.weightIh = registerParameter("weight_ih", Tensor.empty(chunks * hiddenSize, inputSize));
        this.weightHh = registerParameter("weight_hh", Tensor.empty(chunks * hiddenSize, hiddenSize));
        this.biasIh = registerParameter("bias_ih", bias ? Tensor.empty(chunks * hiddenSize) : null);
        this.biasHh = registerParameter("bias_hh", bias ? Tensor.empty(chunks * hiddenSize) : null);
        resetParameters();
    }

    /** PyTorch's {@code reset_parameters}: every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). */
    public void resetParameters() {
        double stdv = hiddenSize > 0 ? 1.0 / Math.sqrt(hiddenSize) : 0;
        for (Tensor w : parameters()) {
            Init.uniformSymmetric_(w, stdv);
        }
    }

    /**
     * The front of {@link GRUCell}'s and {@link RNNCell}'s forward, with PyTorch's checks naming {@code cell}: the input
     * and {@code hx} 1-D or 2-D, an unbatched input and state given a batch of one, a null {@code hx} zeros. Returns
     * {@code {x, h}}; the caller drops the batch again for a 1-D input.
     */
    Tensor[] batchedOneState(String cell, Tensor input, Tensor hx) {
        if (input.dim() != 1 && input.dim() != 2) {
            throw new IllegalArgumentException(cell + ": Expected input to be 1D or 2D, got " + input.dim() + "D instead");
        }
        if (hx != null && hx.dim() != 1 && hx.dim() != 2) {
            throw new IllegalArgumentException(cell + ": Expected hidden to be 1D or 2D, got " + hx.dim() + "D instead");
        }
        boolean batched = input.dim() == 2;
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor h;
        if (hx == null) {
            h = Tensor.zeros(x.dtype(), x.size(0), hiddenSize).to(x.device());
        } else {
            h = batched ? hx : hx.unsqueeze(0);
        }
        return new Tensor[] {x, h};
    }

    /** PyTorch's {@code RNNCellBase.extra_repr}. */
    @Override
    public String extraRepr() {
        return inputSize + ", " + hiddenSize + (bias ? "" : ", bias=False");
    }
}
