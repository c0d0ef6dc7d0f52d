package dev.ember;

/**
 * Element types of a {@link Tensor}, with PyTorch's names and promotion rules.
 *
 * <p>The order of the constants is the promotion order within PyTorch's categories:
 * {@code bool < int64 < float32 < float64}.
 */
public enum DType {
    /** Booleans ({@code torch.bool}). */
    BOOL("torch.bool", "Bool", 1),
    /** 64-bit signed integers ({@code torch.int64}, {@code torch.long}). */
    INT64("torch.int64", "Long", 8),
    /** 32-bit IEEE floats ({@code torch.float32}), the default floating type. */
    FLOAT32("torch.float32", "Float", 4),
    /** 64-bit IEEE floats ({@code torch.float64}). */
    FLOAT64("torch.float64", "Double", 8);

    private final String torchName;
    private final String legacyName;
    private final int itemSize;

    DType(String torchName, String legacyName, int itemSize) {
        this.torchName = torchName;
        this.legacyName = legacyName;
        this.itemSize = itemSize;
    }

    /** PyTorch's name for this type, for example {@code torch.float32}. */
    public String torchName() {
        return torchName;
    }

    /** The legacy tensor-type name PyTorch uses in error messages, for example {@code FloatTensor}. */
    String legacyTypeName() {
        return legacyName + "Tensor";
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** Whether this is a floating-point type. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The larger of two types in promotion order. */
    public static DType promote(DType a, DType b) {
        Args.require(a, "promote_types", "type1", 1, "torch.dtype");
        Args.require(b, "promote_types", "type2", 2, "torch.dtype");
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    @Override
    public String toString() {
        return torchName;
    }
}
