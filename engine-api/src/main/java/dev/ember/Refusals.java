package dev.ember;

/**
 * PyTorch's refusal of a type by a kernel's type dispatch, {@code "<kernel>" not implemented for '<Type>'} (the
 * {@code AT_DISPATCH} macros' RuntimeError, with the type's legacy name: {@code 'Bool'}, {@code 'Half'},
 * {@code 'ComplexFloat'}), written once for every package. The kernel name is the one PyTorch's dispatch names, which
 * is often device-qualified ({@code "fmod_cpu"}, {@code "fmod_cuda"}).
 *
 * <p>Ember throws this refusal as an {@link IllegalArgumentException} at most sites (a type the op does not take) and
 * as an {@link UnsupportedOperationException} at some (a type the op takes in PyTorch but Ember's kernel lacks, or one
 * that PyTorch itself lacks a kernel for); each site keeps the class it has always thrown, so what a caller catches
 * does not change.
 *
 * <p>Also here, for the same reason: PyTorch's refusal of an assigned gradient ({@link #assignedGrad}), which dense
 * and sparse tensors share.
 */
public final class Refusals {
    private Refusals() {
    }

    /**
     * The message, {@code "<kernel>" not implemented for '<Type>'}.
     *
     * @param kernel the kernel's name as PyTorch's dispatch names it, without quotes
     * @param type the refused type
     * @return the message
     */
    public static String notImplementedMessage(String kernel, DType type) {
        return "\"" + kernel + "\" not implemented for '" + type.scalarTypeName() + "'";
    }

    /**
     * The refusal as an {@link IllegalArgumentException}: {@code "<kernel>" not implemented for '<Type>'}.
     *
     * @param kernel the kernel's name as PyTorch's dispatch names it, without quotes
     * @param type the refused type
     * @return the exception, for the caller to throw
     */
    public static IllegalArgumentException notImplemented(String kernel, DType type) {
        return new IllegalArgumentException(notImplementedMessage(kernel, type));
    }

    /**
     * The refusal as an {@link IllegalArgumentException}, the kernel's name qualified by the device:
     * {@code "<kernel>_cpu"} on the CPU, {@code "<kernel>_cuda"} on any other device ({@code "fmod_cpu" not
     * implemented for 'Bool'}).
     *
     * @param kernel the kernel's name without its device suffix
     * @param device the device the op runs on
     * @param type the refused type
     * @return the exception, for the caller to throw
     */
    public static IllegalArgumentException notImplemented(String kernel, Device device, DType type) {
        return notImplemented(onDevice(kernel, device), type);
    }

    /** {@code kernel} qualified by the device as PyTorch's dispatch names it: {@code "_cpu"} or {@code "_cuda"}. */
    private static String onDevice(String kernel, Device device) {
        return kernel + (device.isCpu() ? "_cpu" : "_cuda");
    }

    /**
     * The refusal as an {@link UnsupportedOperationException}: {@code "<kernel>" not implemented for '<Type>'}.
     *
     * @param kernel the kernel's name as PyTorch's dispatch names it, without quotes
     * @param type the refused type
     * @return the exception, for the caller to throw
     */
    public static UnsupportedOperationException unsupported(String kernel, DType type) {
        return new UnsupportedOperationException(notImplementedMessage(kernel, type));
    }

    /**
     * The refusal as an {@link UnsupportedOperationException}, the kernel's name qualified by the device as in
     * {@link #notImplemented(String, Device, DType)} ({@code "entr_cpu" not implemented for 'ComplexFloat'}).
     *
     * @param kernel the kernel's name without its device suffix
     * @param device the device the op runs on
     * @param type the refused type
     * @return the exception, for the caller to throw
     */
    public static UnsupportedOperationException unsupported(String kernel, Device device, DType type) {
        return unsupported(onDevice(kernel, device), type);
    }

    /**
     * PyTorch's checks of {@code x.grad = g} (THPVariable_set_grad), in its order and words as of 2.10: the dtype
     * (against the tensor's grad_dtype, which is its dtype in Ember; the gradient's dtype printed as a C++ type,
     * {@code 'float'}, the grad_dtype as a ScalarType, {@code 'Double'}), the device type, then the device index, then
     * the size. PyTorch 2.1 (pull request 100683) replaced 1.13's "assigned grad has data of a different type" (the
     * dtype and device type in one check) / "... located on a different device" / "... of a different size"; 2.10
     * (pull request 162815, grad_dtype) reworded the dtype check, 2.1 to 2.9 ending it "... to a tensor with dtype
     * 'double'. Please ensure that the gradient and the tensor have the same dtype". A sparse tensor's gradient is
     * checked by the same function.
     *
     * @param dtype the tensor's type
     * @param device the tensor's device
     * @param shape the tensor's size
     * @param gType the gradient's type
     * @param gDevice the gradient's device
     * @param gShape the gradient's size
     * @return the refusal, for the caller to throw, or null where the gradient fits
     */
    public static IllegalArgumentException assignedGrad(DType dtype, Device device, int[] shape, DType gType,
                                                        Device gDevice, int[] gShape) {
        if (gType != dtype) {
            return new IllegalArgumentException("attempting to assign a gradient with dtype '"
                    + ArithmeticOps.cTypeName(gType) + "' to a tensor with grad_dtype '" + dtype.scalarTypeName()
                    + "'. The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set "
                    + "the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                    + "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break downstream "
                    + "systems that assume they match.");
        }
        if (!gDevice.type().equals(device.type())) {
            return new IllegalArgumentException("attempting to assign a gradient with device type '" + gDevice.type()
                    + "' to a tensor with device type '" + device.type() + "'. Please ensure that the gradient and the "
                    + "tensor are on the same device");
        }
        if (gDevice.index() != device.index()) {
            return new IllegalArgumentException("attempting to assign a gradient located on device with index '"
                    + gDevice.index() + "' to a tensor located on device with index '" + device.index() + "'. Please "
                    + "ensure that the gradient and the tensor are on the same device");
        }
        if (!java.util.Arrays.equals(gShape, shape)) {
            return new IllegalArgumentException("attempting to assign a gradient of size '" + Shapes.str(gShape)
                    + "' to a tensor of size '" + Shapes.str(shape) + "'. Please ensure that the gradient and the tensor "
                    + "are the same size");
        }
        return null;
    }
}
