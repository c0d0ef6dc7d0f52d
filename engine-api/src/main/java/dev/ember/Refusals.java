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
        return notImplemented(kernel + (device.isCpu() ? "_cpu" : "_cuda"), type);
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
}
