package dev.ember.nn;

/**
 * PyTorch's {@code _ReplicationPadNd}, the base of {@code ReplicationPad1d/2d/3d}: pads with the replication of the
 * input boundary, {@code F.pad(input, padding, "replicate")}.
 */
abstract class ReplicationPadNd extends PadNd {
    ReplicationPadNd(int[] padding) {
        super(padding, "replicate");
    }
}
