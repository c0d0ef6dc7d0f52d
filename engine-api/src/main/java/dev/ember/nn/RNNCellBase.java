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

    /** PyTorch's {@code RNNCellBase.extra_repr}. */
    @Override
    public String extraRepr() {
        return inputSize + ", " + hiddenSize + (bias ? "" : ", bias=False");
    }
}
