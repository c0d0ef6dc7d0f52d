package dev.ember;

/**
 * PyTorch's {@code torch.memory_format}: the order of a tensor's dimensions in memory that {@link
 * Tensor#contiguous(MemoryFormat)}, {@link Tensor#clone(MemoryFormat)}, {@link Tensor#to(MemoryFormat)} and {@link
 * Tensor#isContiguous(MemoryFormat)} ask for ({@code torch.contiguous_format}, {@code torch.channels_last},
 * {@code torch.channels_last_3d}, {@code torch.preserve_format}). Channels-last tensors flow through Ember's ops as
 * through PyTorch's: an elementwise result, a convolution's or a pooling's output takes the layout PyTorch gives it.
 */
public enum MemoryFormat {
    /** Row-major: the last dimension innermost ({@code torch.contiguous_format}). */
    CONTIGUOUS_FORMAT("torch.contiguous_format"),
    /** A 4-D tensor {@code [N, C, H, W]} stored as {@code [N, H, W, C]} ({@code torch.channels_last}). */
    CHANNELS_LAST("torch.channels_last"),
    /** A 5-D tensor {@code [N, C, D, H, W]} stored as {@code [N, D, H, W, C]} ({@code torch.channels_last_3d}). */
    CHANNELS_LAST_3D("torch.channels_last_3d"),
    /** The source's own layout where it is dense, as {@code clone()} keeps it ({@code torch.preserve_format}). */
    PRESERVE_FORMAT("torch.preserve_format");

    private final String torchName;

    MemoryFormat(String torchName) {
        this.torchName = torchName;
    }

    /** PyTorch's name, as it prints: {@code torch.channels_last}. */
    public String torchName() {
        return torchName;
    }

    @Override
    public String toString() {
        return torchName;
    }
}
