package dev.ember.nn;

import dev.ember.Tensor;

/**
 * A module whose parameters' shapes its first input gives, as PyTorch's {@code torch.nn.modules.lazy.LazyModuleMixin}:
 * {@link LazyLinear}, {@link LazyConv1d}, {@link LazyConv2d}, {@link LazyConv3d}, {@link LazyConvTranspose1d},
 * {@link LazyConvTranspose2d}, {@link LazyConvTranspose3d}, {@link LazyBatchNorm1d}, {@link LazyBatchNorm2d},
 * {@link LazyBatchNorm3d}, {@link LazyInstanceNorm1d}, {@link LazyInstanceNorm2d} and {@link LazyInstanceNorm3d}.
 *
 * <p><b>Design.</b> PyTorch's lazy module is a subclass of the ordinary one ({@code LazyLinear(LazyModuleMixin, Linear)})
 * whose uninitialized parameters ({@code torch.nn.parameter.UninitializedParameter}) have no shape; a forward pre-hook
 * infers the sizes from the first input, materializes the parameters in place, initializes them as the ordinary
 * constructor does, and then sets {@code module.__class__ = cls_to_become}. Java cannot change an object's class, so each
 * lazy class here extends its ordinary class ({@code new LazyLinear(4) instanceof Linear}, as
 * {@code isinstance} is in PyTorch) and keeps the object: the first forward ({@link Module#forward} or
 * {@link Module#apply}) materializes the same tensors ({@link Tensor#materialize_}: the module's fields, a parent's
 * references and an optimizer built on {@code parameters()} all see them), and from then on the module computes, prints
 * ({@code Linear(in_features=3, ...)}) and saves as the ordinary module; only {@code getClass()} still names the lazy
 * class. A wrapper that replaced itself could not reach the references its parent and optimizers hold, which is why the
 * module is not replaced.
 *
 * <p>Before the first forward the module prints with its lazy name and sizes 0 ({@code LazyLinear(in_features=0,
 * out_features=4, bias=True)}); its uninitialized tensors refuse to be read in PyTorch's words ({@code numel()},
 * {@code dim()}, any operation; {@code shape()} with PyTorch's shape message; {@code size()} is {@code [0]}), print as
 * {@code <UninitializedParameter>}, stay uninitialized under {@link Module#to(dev.ember.DType)} and
 * {@link Module#to(dev.ember.Device)} (taking the type and device they will be materialized with), appear as themselves in
 * {@link Module#stateDict()}, and take the shapes of a loaded state, whatever they are ({@link Module#loadStateDict},
 * PyTorch 2.x's {@code _lazy_load_hook}): the inferred size ({@code in_features}, {@code in_channels},
 * {@code num_features}) stays 0 and the module keeps its lazy name until its first forward, which initializes nothing
 * then, makes it the ordinary module ({@code Linear(in_features=0, ...)} for good, as PyTorch's) and computes with the
 * loaded tensors (an input they do not fit fails in the operation's words). An optimizer accepts them, as PyTorch's
 * does, and works once they are materialized.
 *
 * <p>Where Ember differs from PyTorch: a bad first input (wrong rank, channels not divisible by groups) leaves the
 * module as it was (PyTorch has set {@code in_channels} or materialized by then), and so does the first forward of a
 * module a state loaded in part (a {@code strict=False} load of some of its tensors: PyTorch's
 * {@code 'Parameter' object has no attribute 'materialize'}, or its bare assert, after it set the size); an unbatched input to a lazy instance norm gives its channels from
 * dimension 0 (PyTorch reads {@code input.shape[1]} whatever the rank); the inference runs in the forward, after the
 * module's forward pre-hooks (PyTorch's is the first pre-hook), so a pre-hook that replaces the input decides the sizes;
 * an op refusing an uninitialized tensor names {@code numel} or {@code dim}, or else says "a tensor operation", where
 * PyTorch names the Python function; the uninitialized tensors cannot be written by {@link TorchSerialization} or
 * {@link Safetensors} (PyTorch pickles them). The module becomes the ordinary one at its first forward, as in PyTorch,
 * so {@link #initializeParameters} alone materializes without renaming it.
 */
public interface LazyModule {
    /** Whether any of the module's parameters or buffers is still uninitialized, PyTorch's {@code has_uninitialized_params()}. */
    default boolean hasUninitializedParams() {
        Module m = (Module) this;
        return m.namedParameters().values().stream().anyMatch(Tensor::isUninitialized)
                || m.namedBuffers().values().stream().anyMatch(Tensor::isUninitialized);
    }

    /**
     * Infers the sizes from {@code input}, materializes the uninitialized parameters and buffers and initializes them,
     * as PyTorch's {@code initialize_parameters(input)}; nothing when none is uninitialized. The module keeps its lazy
     * name until its first forward.
     *
     * <p>Linear: {@code in_features} is the input's last dimension ({@link IndexOutOfBoundsException} for a 0-dim input,
     * PyTorch's {@code IndexError}). Convolutions: {@code in_channels} is dimension 1, or 0 for an unbatched input, of an
     * input of the layer's ranks, divisible by {@code groups}. Batch norms: {@code num_features} is dimension 1 of an
     * input of the layer's ranks; instance norms: the channels' dimension (0 unbatched, else 1).
     *
     * @throws IllegalArgumentException for an input the layer cannot take, in PyTorch's words; the module is unchanged
     */
    default void initializeParameters(Tensor input) {
        LazyModules.initialize(this, input);
    }
}
