package dev.ember.nn;

/**
 * {@code torch.nn.ReplicationPad3d}: pads the last 3 dimensions with the replication of the input boundary, {@code F.pad(input, padding, "replicate")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 6 values {@code (left, right, top, bottom, front, back)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ReplicationPad3d extends ReplicationPadNd {
    /** The same padding on every side. */
    public ReplicationPad3d(int padding) {
        this(Checks.repeat(padding, 6));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ReplicationPad3d(int[] padding) {
        super(padding);
    }
}
