package dev.ember;

/**
 * The types a backend stores as the bits of another ({@link DType#storageType()}): the 8-bit floats as uint8, the
 * unsigned integers wider than a byte as the signed type of their width. Ops that only move bits (a device move, a
 * repeat, a tensor over a Java array) run on the storage type's view and give the result its type back.
 */
final class StorageBits {
    private StorageBits() {
    }

    /** The view of {@code t}'s bits as its storage type (same storage, layout and version counter), without history. */
    static Tensor of(Tensor t) {
        return new Tensor(t.lease(), t.layout, t.device, t.backend, t.version, t.dtype.storageType());
    }

    /**
     * A fresh tensor of bits (of {@code t}'s storage type) as a tensor of type {@code t} (same storage and layout),
     * without history; {@code bits} is closed (the new tensor holds the storage).
     */
    static Tensor as(Tensor bits, DType t) {
        Tensor out = new Tensor(bits.lease(), bits.layout, bits.device, bits.backend, bits.version, t);
        bits.close();
        return out;
    }
}
