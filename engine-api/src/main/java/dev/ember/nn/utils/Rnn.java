package dev.ember.nn.utils;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.PackedSequenceOps;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's {@code torch.nn.utils.rnn}: padding a list of sequences into a batch, packing a padded batch into a
 * {@link PackedSequence} and back, with PyTorch's results ({@code data}, {@code batch_sizes}, {@code sorted_indices},
 * {@code unsorted_indices}), its nodes (CopySlices for the padding, PackPaddedSequenceBackward0 for the packing,
 * IndexSelectBackward0 where an unsorted batch is reordered) and its errors ({@code RuntimeError} and {@code ValueError}
 * as {@link IllegalArgumentException}).
 */
public final class Rnn {
    private Rnn() {
    }

    /** {@code pad_sequence(sequences)}: time first, padded with zeros at the end. */
    public static Tensor padSequence(List<Tensor> sequences) {
        return padSequence(sequences, false, 0.0, "right");
    }

    /** {@code pad_sequence(sequences, batch_first, padding_value)}, padded at the end. */
    public static Tensor padSequence(List<Tensor> sequences, boolean batchFirst, double paddingValue) {
        return padSequence(sequences, batchFirst, paddingValue, "right");
    }

    /**
     * {@code pad_sequence(sequences, batch_first, padding_value, padding_side)} (PyTorch 2.x): sequences
     * {@code [len_i, *]} stacked into {@code [max_len, B, *]} ({@code [B, max_len, *]} batch first), padded at the end
     * ({@code "right"}) or the start ({@code "left"}).
     *
     * @param sequences the sequences, same trailing dimensions
     * @param batchFirst whether the batch is dimension 0
     * @param paddingValue the padded elements' value
     * @param paddingSide {@code "right"} or {@code "left"}
     * @return the padded batch, on the first sequence's device and type
     */
    public static Tensor padSequence(List<Tensor> sequences, boolean batchFirst, double paddingValue, String paddingSide) {
        if (sequences == null) {
            throw new IllegalArgumentException("pad_sequence: Expected iterable for input sequences, but got arg of type: "
                    + "<class 'NoneType'>");
        }
        return PackedSequenceOps.padSequence(sequences, batchFirst, paddingValue, paddingSide);
    }

    /** {@code pack_padded_sequence(input, lengths, batch_first, enforce_sorted)} with the lengths as numbers. */
    public static PackedSequence packPaddedSequence(Tensor input, long[] lengths, boolean batchFirst, boolean enforceSorted) {
        if (lengths == null) {
            throw new IllegalArgumentException("pack_padded_sequence(): argument 'lengths' must be a list of ints or a Tensor, "
                    + "not NoneType");
        }
        return packPaddedSequence(input, Tensor.tensor(lengths, DType.INT64, Device.CPU), batchFirst, enforceSorted);
    }

    /**
     * {@code pack_padded_sequence(input, lengths, batch_first, enforce_sorted)}: the valid steps of a padded batch.
     * With {@code enforceSorted} the lengths must decrease; without, the batch is sorted by decreasing length first
     * (an index_select) and the packed sequence remembers the permutation.
     *
     * @param input {@code [T, B, *]} ({@code [B, T, *]} batch first)
     * @param lengths the sequences' lengths (converted to int64; they must be on the CPU)
     * @param batchFirst whether the batch is dimension 0
     * @param enforceSorted whether the lengths must already decrease
     * @return the packed sequence
     */
    public static PackedSequence packPaddedSequence(Tensor input, Tensor lengths, boolean batchFirst, boolean enforceSorted) {
        if (input == null || lengths == null) {
            throw new IllegalArgumentException("pack_padded_sequence(): input and lengths must be Tensors, not NoneType");
        }
        Tensor len = lengths.dtype() == DType.INT64 ? lengths : lengths.to(DType.INT64);
        Tensor sortedIndices = null;
        Tensor in = input;
        if (!enforceSorted) {
            Tensor.ValuesIndices sorted = len.sort(0, true);
            len = sorted.values();
            sortedIndices = sorted.indices().to(input.device());
            in = input.indexSelect(batchFirst ? 0 : 1, sortedIndices);
        }
        Tensor[] packed = PackedSequenceOps.packPaddedSequence(in, len, batchFirst);
        return new PackedSequence(packed[0], packed[1], sortedIndices, invertPermutation(sortedIndices));
    }

    /** {@code pack_padded_sequence(input, lengths)}: time first, lengths decreasing. */
    public static PackedSequence packPaddedSequence(Tensor input, long[] lengths) {
        return packPaddedSequence(input, lengths, false, true);
    }

    /** What {@link #padPackedSequence} returns: the padded batch and each sequence's length (a CPU int64 tensor). */
    public record Padded(Tensor output, Tensor lengths) {
        /** PyTorch's repr of the tuple {@code pad_packed_sequence} returns: {@code (tensor(...), tensor(...))}. */
        @Override
        public String toString() {
            return "(" + output + ", " + lengths + ")";
        }
    }

    /** {@code pad_packed_sequence(sequence)}: time first, zeros, as long as the longest sequence. */
    public static Padded padPackedSequence(PackedSequence sequence) {
        return padPackedSequence(sequence, false, 0.0, null);
    }

    /**
     * {@code pad_packed_sequence(sequence, batch_first, padding_value, total_length)}: the inverse of
     * {@link #packPaddedSequence}, in the original batch order.
     *
     * @param sequence the packed sequence
     * @param batchFirst whether the batch is dimension 0 of the result
     * @param paddingValue the padded elements' value
     * @param totalLength the padded length, at least the longest sequence's; null for exactly that
     * @return the padded batch and the lengths
     */
    public static Padded padPackedSequence(PackedSequence sequence, boolean batchFirst, double paddingValue,
                                           Integer totalLength) {
        if (sequence == null) {
            throw new IllegalArgumentException("pad_packed_sequence(): argument 'sequence' must be a PackedSequence, not "
                    + "NoneType");
        }
        int maxLength = sequence.batchSizes().size(0);
        if (totalLength != null) {
            if (totalLength < maxLength) {
                throw new IllegalArgumentException("Expected total_length to be at least the length of the longest sequence "
                        + "in input, but got total_length=" + totalLength + " and max sequence length being " + maxLength);
            }
            maxLength = totalLength;
        }
        Tensor[] r = PackedSequenceOps.padPackedSequence(sequence.data(), sequence.batchSizes(), batchFirst, paddingValue,
                maxLength);
        Tensor unsorted = sequence.unsortedIndices();
        if (unsorted != null) {
            return new Padded(r[0].indexSelect(batchFirst ? 0 : 1, unsorted), r[1].indexSelect(0, unsorted.to(Device.CPU)));
        }
        return new Padded(r[0], r[1]);
    }

    /**
     * {@code pack_sequence(sequences, enforce_sorted)}: {@code pack_padded_sequence(pad_sequence(sequences), lengths)}.
     *
     * @param sequences the sequences {@code [len_i, *]}
     * @param enforceSorted whether their lengths must already decrease
     * @return the packed sequence
     */
    public static PackedSequence packSequence(List<Tensor> sequences, boolean enforceSorted) {
        if (sequences == null) {
            throw new IllegalArgumentException("pack_sequence(): argument 'sequences' must be a list of Tensors, not NoneType");
        }
        long[] lengths = new long[sequences.size()];
        for (int i = 0; i < lengths.length; i++) {
            Tensor s = sequences.get(i);
            if (s == null) {
                throw new IllegalArgumentException("expected Tensor as element " + i + " in argument 0, but got null");
            }
            lengths[i] = s.size(0);
        }
        return packPaddedSequence(padSequence(sequences), lengths, false, enforceSorted);
    }

    /**
     * {@code unpad_sequence(padded_sequences, lengths, batch_first)}: the sequences of a padded batch, each cut to its
     * length. Unlike PyTorch (which transposes a time-first input in place), the input is left as it is.
     *
     * @param padded the padded batch
     * @param lengths each sequence's length
     * @param batchFirst whether the batch is dimension 0
     * @return the sequences
     */
    public static List<Tensor> unpadSequence(Tensor padded, Tensor lengths, boolean batchFirst) {
        Tensor p = batchFirst ? padded : padded.transpose(0, 1);
        long[] len = lengths.toLongArray();
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < len.length; i++) {
            out.add(p.select(0, i).narrow(0, 0, (int) len[i]));
        }
        return out;
    }

    /** {@code unpack_sequence(packed)}: the packed sequences, in their original order. */
    public static List<Tensor> unpackSequence(PackedSequence packed) {
        Padded p = padPackedSequence(packed, true, 0.0, null);
        return unpadSequence(p.output(), p.lengths(), true);
    }

    /**
     * {@code invert_permutation(permutation)}: the inverse permutation, {@code empty_like(p).scatter_(0, p, arange(n))}.
     *
     * @param permutation a permutation of {@code 0..n-1}, or null
     * @return its inverse, or null
     */
    public static Tensor invertPermutation(Tensor permutation) {
        if (permutation == null) {
            return null;
        }
        Tensor out = permutation.zerosLike();
        return out.scatter_(0, permutation, Tensor.arange(permutation.numel()).to(permutation.device()));
    }
}
