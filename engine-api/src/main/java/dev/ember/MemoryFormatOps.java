package dev.ember;

import dev.ember.backend.Layout;

/**
 * The memory-format family: {@code is_contiguous(memory_format)}, {@code contiguous(memory_format)},
 * {@code clone(memory_format)} and {@code to(memory_format)} with PyTorch's rules (c10's channels-last contiguity, the
 * strides {@code empty_like} gives each format, {@code to}'s aliasing when nothing would change) and messages.
 */
final class MemoryFormatOps {
    private MemoryFormatOps() {
    }

    /**
     * c10's {@code is_contiguous(memory_format)}: row-major contiguity for {@code contiguous_format} and
     * {@code preserve_format}; {@code channels_last} (-3d) contiguity of a 4-D (5-D) tensor, false for another rank.
     */
    static boolean isContiguous(Tensor t, MemoryFormat format) {
        switch (format) {
            case CHANNELS_LAST:
                return t.dim() == 4 && NNOps.channelsLastContiguous(t.shape, t.layout.strides());
            case CHANNELS_LAST_3D:
                return t.dim() == 5 && NNOps.channelsLastContiguous(t.shape, t.layout.strides());
            default:
                return t.isContiguous();
        }
    }

    /** {@code t.contiguous(memory_format)}: {@code t} when it already is, else {@code t.clone(memory_format)}. */
    static Tensor contiguous(Tensor t, MemoryFormat format) {
        if (isContiguous(t, format)) {
            return t;
        }
        if (format == MemoryFormat.PRESERVE_FORMAT) {
            throw new IllegalArgumentException("preserve memory format is unsupported by the contiguous operator");
        }
        return clone(t, format);
    }

    /** {@code t.clone(memory_format)}: a copy in the format's strides, node {@code CloneBackward0}. */
    static Tensor clone(Tensor t, MemoryFormat format) {
        if (format == MemoryFormat.PRESERVE_FORMAT) {
            return ViewOps.clone(t);
        }
        Tensor out = Creation.emptyStrided(t.shape, strides(t, format), t.dtype, t.device);
        ComplexOps.copyElements(t, out);
        return ArithmeticOps.record(out, "CloneBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g});
    }

    /**
     * {@code t.suggest_memory_format()}: channels-last (-3d) where a 4-D (5-D) tensor's strides are ordered like it
     * (c10's {@code is_channels_last_strides_2d}, ambiguous cases row-major), else {@code contiguous_format}.
     */
    static MemoryFormat suggest(Tensor t) {
        if ((t.dim() == 4 || t.dim() == 5) && NNOps.stridesLikeChannelsLast(t.shape, t.layout.strides())) {
            return t.dim() == 4 ? MemoryFormat.CHANNELS_LAST : MemoryFormat.CHANNELS_LAST_3D;
        }
        return MemoryFormat.CONTIGUOUS_FORMAT;
    }

    /**
     * {@code t.to(memory_format=...)}: {@code t} itself where PyTorch's {@code to_will_alias} holds (the format is
     * {@code preserve_format} or the one {@link #suggest} reads from the strides, which is not {@link #isContiguous}:
     * an {@code [8, 1, 3, 3]} row-major weight is channels-last contiguous, C being 1, yet {@code to} restrides it to
     * {@code (9, 1, 3, 1)}); else a copy in the format, node {@code ToCopyBackward0}.
     */
    static Tensor to(Tensor t, MemoryFormat format) {
        if (format == MemoryFormat.PRESERVE_FORMAT || suggest(t) == format) {
            return t;
        }
        Tensor out = Creation.emptyStrided(t.shape, strides(t, format), t.dtype, t.device);
        ComplexOps.copyElements(t, out);
        return ArithmeticOps.record(out, "ToCopyBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g});
    }

    /** The strides {@code empty_like(t, memory_format=format)} gives, with PyTorch's check of the rank. */
    private static int[] strides(Tensor t, MemoryFormat format) {
        switch (format) {
            case CHANNELS_LAST:
                if (t.dim() != 4) {
                    throw new IllegalArgumentException("required rank 4 tensor to use channels_last format");
                }
                return NNOps.channelsLastStrides(t.shape);
            case CHANNELS_LAST_3D:
                if (t.dim() != 5) {
                    throw new IllegalArgumentException("required rank 5 tensor to use channels_last_3d format");
                }
                return NNOps.channelsLastStrides(t.shape);
            default:
                return Layout.contiguousStrides(t.shape);
        }
    }
}
