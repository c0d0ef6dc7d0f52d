package dev.ember;

import dev.ember.backend.MetaBackend;

/**
 * The meta device's rules above the backends ({@link Device#META}; the kernels, which compute nothing, are
 * {@link MetaBackend}'s): moving tensors to and from it, the uninitialized copy {@code Module.toEmpty} makes, and the
 * refusal of the ops whose output shape depends on the data.
 */
public final class MetaOps {
    private MetaOps() {
    }

    /**
     * {@code t.to(device)} where either side is the meta device: to it, a tensor of t's shape, type and strides (where
     * they are non-overlapping and dense, as PyTorch's {@code to} keeps them) recorded as {@code ToCopyBackward0};
     * from it, PyTorch's refusal ({@link MetaBackend#noData}).
     */
    static Tensor toDevice(Tensor t, Device device) {
        if (t.device.isMeta()) {
            // PyTorch's words for a copy out (to, cpu, copy_, a module's to); an op that Ember runs by moving its
            // operands to the host names itself
            throw MetaBackend.noData("the values");
        }
        Tensor out = emptyLike(t, device);
        Device from = t.device;
        return ArithmeticOps.record(out, "ToCopyBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.to(from)});
    }

    /**
     * A new tensor of {@code t}'s shape and type on {@code device}, contents unspecified, as PyTorch's
     * {@code torch.empty_like(t, device=device)} ({@code preserve_format}: t's strides where they are non-overlapping and
     * dense, otherwise dense strides in their order); what {@code Module.toEmpty} puts in place of each tensor. Nothing is
     * recorded for autograd and {@code requires_grad} is false.
     *
     * @param t the tensor whose shape, type and strides are copied (its values are not read)
     * @param device the new tensor's device
     * @return the new tensor
     * @throws IllegalArgumentException for a null argument
     */
    public static Tensor emptyLike(Tensor t, Device device) {
        Args.require(t, "empty_like", "input", 1, "Tensor");
        Args.require(device, "empty_like", "device", 2, "torch.device");
        if (t.dtype.isComplex()) {
            return Creation.empty(t.shape, t.dtype, device);
        }
        return Creation.emptyStrided(t.shape, ShapeOps.preservedStrides(t.shape, t.layout.strides()), t.dtype, device);
    }

    /**
     * Refuses an op whose output shape depends on the values when any input is on the meta device, with PyTorch 2.x's
     * words for an operator without a meta kernel.
     *
     * @param aten the operator's name, as {@code "aten::nonzero"}
     * @param inputs the op's tensors (null entries are skipped)
     */
    static void refuseDataDependent(String aten, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t != null && t.device.isMeta()) {
                throw MetaBackend.noMetaKernel(aten);
            }
        }
    }
}
