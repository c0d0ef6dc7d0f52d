package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ATen ops behind {@code torch.nn.utils.rnn}: {@code pad_sequence}, {@code _pack_padded_sequence} (one node,
 * PackPaddedSequenceBackward0, as PyTorch's) and {@code _pad_packed_sequence} (a composition: a filled tensor the data
 * is copied into, so its nodes are CopySlices and, batch first, TransposeBackward0), as PyTorch's
 * {@code aten/src/ATen/native/PackedSequence.cpp}. Their public entry point is {@link dev.ember.nn.utils.Rnn}; this
 * class is public only because that package can call nothing else. {@code batch_sizes} and {@code lengths} are CPU int64
 * tensors, as PyTorch's.
 */
public final class PackedSequenceOps {
    private PackedSequenceOps() {
    }

    /**
     * {@code torch._C._nn.pad_sequence(sequences, batch_first, padding_value, padding_side)}: a tensor of
     * {@code padding_value} shaped {@code [max_len, B, *]} ({@code [B, max_len, *]} batch first) on the first sequence's
     * device and type, each sequence copied in at the start ({@code "right"}) or the end ({@code "left"}).
     *
     * @param sequences tensors {@code [len_i, *]} with the same trailing dimensions
     * @param batchFirst whether the batch is dimension 0
     * @param paddingValue the value of the padded elements
     * @param paddingSide {@code "right"} or {@code "left"}
     * @return the padded batch
     */
    public static Tensor padSequence(List<Tensor> sequences, boolean batchFirst, double paddingValue, String paddingSide) {
        Tensor[] seqs = Args.tensors(sequences, "pad_sequence", "sequences", 1);
        if (seqs.length == 0) {
            throw new IllegalArgumentException("received an empty list of sequences");
        }
        if (!"left".equals(paddingSide) && !"right".equals(paddingSide)) {
            throw new IllegalArgumentException("Expected padding_side to be one of left or right, but got " + paddingSide + ".");
        }
        for (Tensor s : seqs) {
            if (s.dim() == 0) {
                throw new IndexOutOfBoundsException("Dimension specified as 0 but tensor has no dimensions");
            }
        }
        int[] first = seqs[0].shapeRef();
        int maxLen = 0;
        for (Tensor s : seqs) {
            maxLen = Math.max(maxLen, s.size(0));
        }
        int[] dims = new int[first.length + 1];
        dims[0] = batchFirst ? seqs.length : maxLen;
        dims[1] = batchFirst ? maxLen : seqs.length;
        System.arraycopy(first, 1, dims, 2, first.length - 1);
        Tensor out = Creation.empty(dims, seqs[0].dtype(), seqs[0].device()).fill_(paddingValue);
        for (int i = 0; i < seqs.length; i++) {
            int len = seqs[i].size(0);
            int start = "left".equals(paddingSide) ? maxLen - len : 0;
            if (batchFirst) {
                out.select(0, i).narrow(0, start, len).copy_(seqs[i]);
            } else {
                out.narrow(0, start, len).select(1, i).copy_(seqs[i]);
            }
        }
        return out;
    }

    private static void checkLongTensor(Tensor t) {
        if (t.dim() != 1 || !t.device().equals(Device.CPU) || t.dtype() != DType.INT64) {
            throw new IllegalArgumentException("'lengths' argument should be a 1D CPU int64 tensor, but got " + t.dim() + "D "
                    + t.device() + " " + Format.scalarType(t.dtype()) + " tensor");
        }
    }

    /**
     * {@code _pack_padded_sequence(input, lengths, batch_first)}: the valid steps of a padded batch sorted by decreasing
     * length, time step by time step, as {@code {data, batch_sizes}}; data records PackPaddedSequenceBackward0.
     *
     * @param input {@code [T, B, *]} ({@code [B, T, *]} batch first)
     * @param lengths a 1-D CPU int64 tensor of {@code B} decreasing lengths, all positive
     * @param batchFirst whether the batch is dimension 0
     * @return {@code {data [sum(lengths), *], batch_sizes [lengths[0]]}}
     */
    public static Tensor[] packPaddedSequence(Tensor input, Tensor lengths, boolean batchFirst) {
        Args.require(input, "_pack_padded_sequence", "input", 1, "Tensor");
        Args.require(lengths, "_pack_padded_sequence", "lengths", 2, "Tensor");
        Tensor in = batchFirst ? input.transpose(0, 1) : input;
        checkLongTensor(lengths);
        long[] len = lengths.toLongArray();
        int batch = in.size(1);
        if (in.numel() == 0) {
            throw new IllegalArgumentException("Cannot pack empty tensors.");
        }
        if (len.length != batch) {
            throw new IllegalArgumentException("Expected `len(lengths)` to be equal to batch_size, but got " + len.length
                    + " (batch_size=" + batch + ")");
        }
        if (len[batch - 1] <= 0) {
            throw new IllegalArgumentException("Length of all samples has to be greater than 0, but found an element in "
                    + "'lengths' that is <= 0");
        }
        for (int i = 0; i < batch - 1; i++) {
            if (len[batch - 1 - i] > len[batch - 2 - i]) {
                throw new IllegalArgumentException("`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                        + "is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                        + "sidestep this requirement if you do not need ONNX exportability.");
            }
        }
        int steps = in.size(0);
        if (len[0] > steps) {
            // PyTorch slices past the end silently and writes batch sizes for steps the input does not have
            throw new IllegalArgumentException("Expected the longest length to be at most the input's sequence length " + steps
                    + ", but got " + len[0]);
        }
        int[] stepShape = in.shape();
        stepShape = Arrays.copyOfRange(stepShape, 1, stepShape.length);
        stepShape[0] = -1;
        long[] batchSizes = new long[(int) len[0]];
        Tensor data;
        try (GradMode g = new GradMode(false)) {
            List<Tensor> pieces = new ArrayList<>();
            int prev = 0;
            int at = 0;
            for (int i = 0; i < batch; i++) {
                int l = (int) len[batch - 1 - i];
                if (l > prev) {
                    int current = batch - i;
                    pieces.add(in.narrow(0, prev, l - prev).narrow(1, 0, current).contiguous().view(stepShape));
                    for (int j = 0; j < l - prev; j++) {
                        batchSizes[at++] = current;
                    }
                    prev = l;
                }
            }
            data = Tensor.cat(pieces, 0);
        }
        int[] inputShape = input.shape();
        Tensor bs = Tensor.tensor(batchSizes, DType.INT64, Device.CPU);
        data = ArithmeticOps.record(data, "PackPaddedSequenceBackward0", new Tensor[] {input},
            n -> g -> new Tensor[] {packPaddedSequenceBackward(g, inputShape, batchSizes, batchFirst)});
        return new Tensor[] {data, bs};
    }

    /** {@code _pack_padded_sequence_backward}: the packed gradient copied back into zeros shaped as the input. */
    private static Tensor packPaddedSequenceBackward(Tensor grad, int[] inputShape, long[] batchSizes, boolean batchFirst) {
        int[] shape = inputShape.clone();
        if (batchFirst) {
            shape[0] = inputShape[1];
            shape[1] = inputShape[0];
        }
        Tensor gradInput = Creation.zeros(shape, grad.dtype(), grad.device());
        int offset = 0;
        for (int i = 0; i < batchSizes.length; i++) {
            int b = (int) batchSizes[i];
            gradInput.select(0, i).narrow(0, 0, b).copy_(grad.narrow(0, offset, b));
            offset += b;
        }
        return batchFirst ? gradInput.transpose(0, 1) : gradInput;
    }

    /**
     * {@code _pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length)}: the padded batch
     * {@code [total_length, B, *]} ({@code [B, total_length, *]} batch first) and the lengths, in sorted order.
     *
     * @param data the packed data {@code [N, *]}
     * @param batchSizes the packed batch sizes, a 1-D CPU int64 tensor
     * @param batchFirst whether the batch is dimension 0 of the result
     * @param paddingValue the value of the padded elements
     * @param totalLength the padded length (at least the longest sequence's; 0 for exactly that)
     * @return {@code {padded, lengths}}
     */
    public static Tensor[] padPackedSequence(Tensor data, Tensor batchSizes, boolean batchFirst, double paddingValue,
                                             int totalLength) {
        Args.require(data, "_pad_packed_sequence", "data", 1, "Tensor");
        Args.require(batchSizes, "_pad_packed_sequence", "batch_sizes", 2, "Tensor");
        checkLongTensor(batchSizes);
        long[] bs = batchSizes.toLongArray();
        if (bs.length == 0 || data.dim() == 0) {
            throw new IllegalArgumentException("Expected a non-empty packed sequence");
        }
        int maxBatch = (int) bs[0];
        int realLength = bs.length;
        int maxLength = realLength;
        if (totalLength > 0) {
            if (totalLength < maxLength) {
                throw new IllegalArgumentException("Expected total_length to be at least the length of the longest sequence "
                        + "in input, but got total_length=" + totalLength + " and max sequence length being " + maxLength);
            }
            maxLength = totalLength;
        }
        long sum = 0;
        for (long b : bs) {
            sum += b;
        }
        if (sum != data.size(0)) {
            throw new IllegalArgumentException("Expected the packed data to have " + sum + " rows (the sum of batch_sizes), "
                    + "but got " + data.size(0));
        }
        int[] dataShape = data.shapeRef();
        int[] outShape = new int[dataShape.length + 1];
        outShape[0] = maxLength;
        outShape[1] = maxBatch;
        System.arraycopy(dataShape, 1, outShape, 2, dataShape.length - 1);
        Tensor output = Creation.empty(outShape, data.dtype(), data.device()).fill_(paddingValue);
        int[] viewShape = outShape.clone();
        long[] lengths = new long[maxBatch];
        int lengthAt = maxBatch - 1;
        int dataOffset = 0;
        int prevBatch = maxBatch;
        int prevI = 0;
        for (int i = 0; i <= realLength; i++) {
            int b = i != realLength ? (int) bs[i] : 0;
            if (b != prevBatch) {
                int l = prevBatch * (i - prevI);
                Tensor tmp = data.narrow(0, dataOffset, l);
                viewShape[0] = i - prevI;
                viewShape[1] = prevBatch;
                output.narrow(0, prevI, i - prevI).narrow(1, 0, prevBatch).copy_(tmp.view(viewShape));
                dataOffset += l;
                prevI = i;
            }
            for (int j = 0; j < prevBatch - b; j++) {
                lengths[lengthAt--] = i;
            }
            prevBatch = b;
        }
        if (batchFirst) {
            output = output.transpose(0, 1);
        }
        return new Tensor[] {output, Tensor.tensor(lengths, DType.INT64, Device.CPU)};
    }
}
