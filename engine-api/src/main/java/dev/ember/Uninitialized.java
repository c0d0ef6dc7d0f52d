package dev.ember;

import dev.ember.backend.Layout;

/**
 * The uninitialized parameters and buffers of lazy modules, as PyTorch's {@code torch.nn.parameter.UninitializedParameter}
 * and {@code UninitializedBuffer}: a tensor that has a type, a device and {@code requires_grad} but no storage and no
 * shape yet. It holds no lease (as a closed tensor), so every operation that reads it fails with PyTorch's message, and
 * {@link Tensor#materialize_} gives it storage in place, so the module, its fields and any optimizer built on it keep
 * the same object, as PyTorch's {@code materialize} keeps it by changing the tensor's class.
 */
final class Uninitialized {
    private Uninitialized() {
    }

    static final String PARAMETER = "UninitializedParameter";
    static final String BUFFER = "UninitializedBuffer";

    /** A new uninitialized parameter (requires grad, printed as a parameter) or buffer of the type, on the device. */
    static Tensor create(boolean parameter, boolean requiresGrad, DType dtype, Device device) {
        Tensor t = Creation.empty(new int[] {0}, dtype, device); // PyTorch's data: torch.empty(0, dtype, device)
        t.close();
        t.uninitialized = parameter ? PARAMETER : BUFFER;
        t.isParameter = parameter;
        t.requiresGrad = requiresGrad;
        return t;
    }

    /** PyTorch's {@code __torch_function__} refusal, naming the method as PyTorch's message does. */
    static IllegalStateException useError(Tensor t, String method) {
        return new IllegalStateException("Attempted to use an uninitialized parameter in " + (method == null
                ? "a tensor operation" : "<method '" + method + "' of 'torch._C._TensorBase' objects>") + ". This error "
                + "happens when you are using a `LazyModule` or explicitly manipulating `torch.nn.parameter." + t.uninitialized
                + "` objects. When using LazyModules Call `forward` with a dummy batch to initialize the parameters before "
                + "calling torch functions");
    }

    /** PyTorch's {@code UninitializedTensorMixin.shape}. */
    static IllegalStateException shapeError() {
        return new IllegalStateException("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                + "happens in `load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
                + "`forward` to initialize the parameters before accessing their attributes.");
    }

    /** Gives {@code t} uninitialized storage of {@code shape} of its type on its device; it is then an ordinary tensor. */
    static void materialize(Tensor t, int[] shape) {
        if (t.uninitialized == null) {
            throw new IllegalStateException("'" + (t.isParameter ? "Parameter" : "Tensor") + "' object has no attribute "
                    + "'materialize': only an uninitialized parameter or buffer can be materialized");
        }
        Tensor fresh = Creation.empty(Shapes.checkSizes(shape), t.dtype, t.device);
        t.setData(fresh);
        fresh.close();
    }

    /**
     * {@code t.data = other} for an uninitialized {@code other}: {@code t} becomes uninitialized with its type and device
     * (what {@code Module.to} does to a lazy module's tensors, as PyTorch's {@code _apply}). {@link Tensor#setData} gives
     * an uninitialized {@code t} the storage of an initialized {@code other}.
     */
    static void setData(Tensor t, Tensor other) {
        StorageLease old = t.lease;
        t.lease = null;
        t.uninitialized = t.isParameter ? PARAMETER : BUFFER;
        t.layout = Layout.contiguous(0);
        t.shape = t.layout.shape();
        t.dtype = other.dtype;
        t.device = other.device;
        t.backend = other.backend;
        if (old != null) {
            old.release();
        }
    }
}
