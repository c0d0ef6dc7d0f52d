package dev.ember.ao.quantization;

/** A quantization scheme, as {@code torch.qscheme}; prints as PyTorch's ({@code torch.per_tensor_affine}). */
public enum QScheme {
    /** {@code torch.per_tensor_affine}: one scale and zero point, from the observed minimum and maximum. */
    PER_TENSOR_AFFINE("torch.per_tensor_affine"),
    /** {@code torch.per_channel_affine}: a scale and zero point per index of the channel axis. */
    PER_CHANNEL_AFFINE("torch.per_channel_affine"),
    /** {@code torch.per_tensor_symmetric}: one scale around a fixed zero point. */
    PER_TENSOR_SYMMETRIC("torch.per_tensor_symmetric"),
    /** {@code torch.per_channel_symmetric}: a scale per channel around a fixed zero point. */
    PER_CHANNEL_SYMMETRIC("torch.per_channel_symmetric"),
    /** {@code torch.per_channel_affine_float_qparams}: per-channel float zero points (embeddings). */
    PER_CHANNEL_AFFINE_FLOAT_QPARAMS("torch.per_channel_affine_float_qparams");

    private final String torchName;

    QScheme(String torchName) {
        this.torchName = torchName;
    }

    /** Whether the scheme has one scale per channel. */
    public boolean isPerChannel() {
        return this == PER_CHANNEL_AFFINE || this == PER_CHANNEL_SYMMETRIC || this == PER_CHANNEL_AFFINE_FLOAT_QPARAMS;
    }

    /** Whether the scheme has one scale for the whole tensor. */
    public boolean isPerTensor() {
        return this == PER_TENSOR_AFFINE || this == PER_TENSOR_SYMMETRIC;
    }

    /** Whether the scheme is symmetric (a fixed zero point). */
    public boolean isSymmetric() {
        return this == PER_TENSOR_SYMMETRIC || this == PER_CHANNEL_SYMMETRIC;
    }

    @Override
    public String toString() {
        return torchName;
    }
}
