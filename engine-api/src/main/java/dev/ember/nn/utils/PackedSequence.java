package dev.ember.nn.utils;

import dev.ember.Device;
import dev.ember.Tensor;

/**
 * PyTorch's {@code torch.nn.utils.rnn.PackedSequence}: the packed steps of a batch of sequences. Made by
 * {@link Rnn#packPaddedSequence} and {@link Rnn#packSequence}, never by hand.
 *
 * @param data the steps, time step by time step, {@code [sum(lengths), *]}; gradients flow through it
 * @param batchSizes how many sequences have each time step, a CPU int64 tensor
 * @param sortedIndices the batch order the data is packed in (null when the input was sorted)
 * @param unsortedIndices its inverse permutation (null when the input was sorted)
 */
public record PackedSequence(Tensor data, Tensor batchSizes, Tensor sortedIndices, Tensor unsortedIndices) {

    /**
     * {@code PackedSequence.to(device)}: data and the indices on {@code device}; batch sizes stay on the CPU.
     *
     * @param device the device
     * @return this packed sequence when already there, else a moved copy
     */
    public PackedSequence to(Device device) {
        if (data.device().equals(device)) {
            return this;
        }
        return new PackedSequence(data.to(device), batchSizes, sortedIndices == null ? null : sortedIndices.to(device),
                unsortedIndices == null ? null : unsortedIndices.to(device));
    }

    /**
     * Prints as PyTorch's namedtuple: {@code PackedSequence(data=tensor(...), batch_sizes=tensor([...]),
     * sorted_indices=..., unsorted_indices=...)}, an absent index tensor as {@code None}.
     */
    @Override
    public String toString() {
        return "PackedSequence(data=" + data + ", batch_sizes=" + batchSizes + ", sorted_indices="
                + (sortedIndices == null ? "None" : sortedIndices) + ", unsorted_indices="
                + (unsortedIndices == null ? "None" : unsortedIndices) + ")";
    }

    /** {@code PackedSequence.is_cuda}: whether the data is on a CUDA device. */
    public boolean isCuda() {
        return "cuda".equals(data.device().type());
    }
}
