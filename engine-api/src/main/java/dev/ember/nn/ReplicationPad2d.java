package dev.ember.nn;

/**
 * {@code torch.nn.ReplicationPad2d}: pads the last 2 dimensions with the replication of the input boundary, {@code F.pad(input, padding, "replicate")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 4 values {@code (left, right, top, bottom)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ReplicationPad2d extends ReplicationPadNd {
    /** The same padding on every side. */
    public ReplicationPad2d(int padding) {
        this(Checks.repeat(padding, 4));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ReplicationPad2d(int[] padding) {
        super(padding);
    }
}
