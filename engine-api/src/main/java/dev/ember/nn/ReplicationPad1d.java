package dev.ember.nn;

/**
 * {@code torch.nn.ReplicationPad1d}: pads the last 1 dimension with the replication of the input boundary, {@code F.pad(input, padding, "replicate")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * a pair {@code (left, right)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ReplicationPad1d extends ReplicationPadNd {
    /** The same padding on every side. */
    public ReplicationPad1d(int padding) {
        this(Checks.repeat(padding, 2));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ReplicationPad1d(int[] padding) {
        super(padding);
    }
}
