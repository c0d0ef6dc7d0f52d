package dev.ember;

/**
 * PyTorch's {@code torch.fft}: discrete Fourier transforms of real and complex tensors (one-dimensional, 2-D and
 * n-D, real-input and Hermitian forms), their sample frequencies and the shifts that center them, differentiable
 * (twice and more) through PyTorch's three nodes FftC2CBackward0, FftR2CBackward0 and FftC2RBackward0.
 *
 * <p>Arguments mirror Python's: {@code n} ({@code null}: the input's size along {@code dim}) and {@code s}
 * ({@code null}: the input's sizes; an entry of -1: that dim's size) trim or zero-pad the input before the transform;
 * {@code dim} may be negative; {@code norm} is {@code null} or {@code "backward"} (the forward transform unscaled,
 * the inverse scaled by {@code 1/n}), {@code "ortho"} (both by {@code 1/sqrt(n)}) or {@code "forward"} (the forward by
 * {@code 1/n}). Integer inputs are transformed in the default floating type; float32 inputs give complex64 and
 * float64 inputs complex128 (float16 and bfloat16 are refused, as PyTorch's CPU does). Errors carry PyTorch's
 * messages and leave the input unchanged. The short-time transforms {@link #stft} and {@link #istft} are built on them.
 */
public final class Fft {
    private Fft() {
    }

    /**
     * The one-dimensional discrete Fourier transform, as {@code torch.fft.fft}: complex output; a real input is transformed as complex with zero imaginary parts, along the last dim with the default norm.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor fft(Tensor input) {
        return fft(input, null, -1, null);
    }

    /**
     * The one-dimensional discrete Fourier transform, as {@code torch.fft.fft}: complex output; a real input is transformed as complex with zero imaginary parts. Node: FftC2CBackward0 (FftR2CBackward0 for a real input).
     *
     * @param input the signal
     * @param n the signal length along {@code dim} (the input trimmed or zero-padded to it), or null for its size
     * @param dim the dim to transform (negative counts from the end)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor fft(Tensor input, Integer n, int dim, String norm) {
        return FftFunctions.c2cOrR2c("fft", input, n, dim, norm, true);
    }

    /**
     * The one-dimensional inverse discrete Fourier transform, as {@code torch.fft.ifft}: complex output, along the last dim with the default norm.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor ifft(Tensor input) {
        return ifft(input, null, -1, null);
    }

    /**
     * The one-dimensional inverse discrete Fourier transform, as {@code torch.fft.ifft}: complex output. Node: FftC2CBackward0 (ConjBackward0 over FftR2CBackward0 for a real input).
     *
     * @param input the signal
     * @param n the signal length along {@code dim} (the input trimmed or zero-padded to it), or null for its size
     * @param dim the dim to transform (negative counts from the end)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor ifft(Tensor input, Integer n, int dim, String norm) {
        return FftFunctions.c2cOrR2c("ifft", input, n, dim, norm, false);
    }

    /**
     * The one-dimensional Fourier transform of a real input, as {@code torch.fft.rfft}: only the {@code n / 2 + 1} non-negative frequencies (the rest follow by Hermitian symmetry), along the last dim with the default norm.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor rfft(Tensor input) {
        return rfft(input, null, -1, null);
    }

    /**
     * The one-dimensional Fourier transform of a real input, as {@code torch.fft.rfft}: only the {@code n / 2 + 1} non-negative frequencies (the rest follow by Hermitian symmetry). Node: FftR2CBackward0.
     *
     * @param input the signal
     * @param n the signal length along {@code dim} (the input trimmed or zero-padded to it), or null for its size
     * @param dim the dim to transform (negative counts from the end)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor rfft(Tensor input, Integer n, int dim, String norm) {
        return FftFunctions.r2c("rfft", input, n, dim, norm, true, true);
    }

    /**
     * The inverse of {@link #rfft}, as {@code torch.fft.irfft}: the real signal of length {@code n} (default {@code 2 (m - 1)} for an input of m frequencies) whose one-sided spectrum is the input; the imaginary parts of the zero and Nyquist frequencies are ignored, along the last dim with the default norm.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor irfft(Tensor input) {
        return irfft(input, null, -1, null);
    }

    /**
     * The inverse of {@link #rfft}, as {@code torch.fft.irfft}: the real signal of length {@code n} (default {@code 2 (m - 1)} for an input of m frequencies) whose one-sided spectrum is the input; the imaginary parts of the zero and Nyquist frequencies are ignored. Node: FftC2RBackward0.
     *
     * @param input the signal
     * @param n the signal length along {@code dim} (the input trimmed or zero-padded to it), or null for its size
     * @param dim the dim to transform (negative counts from the end)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor irfft(Tensor input, Integer n, int dim, String norm) {
        return FftFunctions.c2r("irfft", input, n, dim, norm, false);
    }

    /**
     * The one-dimensional Fourier transform of a Hermitian-symmetric signal given by its first half, as {@code torch.fft.hfft}: a real output of length {@code n} (default {@code 2 (m - 1)}), along the last dim with the default norm.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor hfft(Tensor input) {
        return hfft(input, null, -1, null);
    }

    /**
     * The one-dimensional Fourier transform of a Hermitian-symmetric signal given by its first half, as {@code torch.fft.hfft}: a real output of length {@code n} (default {@code 2 (m - 1)}). Node: FftC2RBackward0.
     *
     * @param input the signal
     * @param n the signal length along {@code dim} (the input trimmed or zero-padded to it), or null for its size
     * @param dim the dim to transform (negative counts from the end)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor hfft(Tensor input, Integer n, int dim, String norm) {
        return FftFunctions.c2r("hfft", input, n, dim, norm, true);
    }

    /**
     * The inverse of {@link #hfft}, as {@code torch.fft.ihfft}: the {@code n / 2 + 1} first entries of the inverse transform of a real input, along the last dim with the default norm.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor ihfft(Tensor input) {
        return ihfft(input, null, -1, null);
    }

    /**
     * The inverse of {@link #hfft}, as {@code torch.fft.ihfft}: the {@code n / 2 + 1} first entries of the inverse transform of a real input. Node: ConjBackward0 over FftR2CBackward0.
     *
     * @param input the signal
     * @param n the signal length along {@code dim} (the input trimmed or zero-padded to it), or null for its size
     * @param dim the dim to transform (negative counts from the end)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor ihfft(Tensor input, Integer n, int dim, String norm) {
        return FftFunctions.r2c("ihfft", input, n, dim, norm, false, true);
    }

    /**
     * The 2-D discrete Fourier transform, as {@code torch.fft.fft2}: complex output, over the last two dims.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor fft2(Tensor input) {
        return fft2(input, null, null, null);
    }

    /**
     * The 2-D discrete Fourier transform, as {@code torch.fft.fft2}: complex output. Node: FftC2CBackward0.
     *
     * @param input the signal
     * @param s the two transformed dims' sizes (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the two dims to transform (null: the last two)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor fft2(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.fftn("fft2", input, s, dim == null ? new int[] {-2, -1} : dim, norm, true);
    }

    /**
     * The 2-D inverse discrete Fourier transform, as {@code torch.fft.ifft2}: complex output, over the last two dims.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor ifft2(Tensor input) {
        return ifft2(input, null, null, null);
    }

    /**
     * The 2-D inverse discrete Fourier transform, as {@code torch.fft.ifft2}: complex output. Node: FftC2CBackward0.
     *
     * @param input the signal
     * @param s the two transformed dims' sizes (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the two dims to transform (null: the last two)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor ifft2(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.fftn("ifft2", input, s, dim == null ? new int[] {-2, -1} : dim, norm, false);
    }

    /**
     * The 2-D Fourier transform of a real input, as {@code torch.fft.rfft2}: the last transformed dim keeps its {@code n / 2 + 1} non-negative frequencies, over the last two dims.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor rfft2(Tensor input) {
        return rfft2(input, null, null, null);
    }

    /**
     * The 2-D Fourier transform of a real input, as {@code torch.fft.rfft2}: the last transformed dim keeps its {@code n / 2 + 1} non-negative frequencies. Node: FftR2CBackward0.
     *
     * @param input the signal
     * @param s the two transformed dims' sizes (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the two dims to transform (null: the last two)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor rfft2(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.rfftn("rfft2", input, s, dim == null ? new int[] {-2, -1} : dim, norm);
    }

    /**
     * The inverse of {@link #rfft2}, as {@code torch.fft.irfft2}: a real output whose last transformed dim has size {@code s}'s last entry (default {@code 2 (m - 1)}), over the last two dims.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor irfft2(Tensor input) {
        return irfft2(input, null, null, null);
    }

    /**
     * The inverse of {@link #rfft2}, as {@code torch.fft.irfft2}: a real output whose last transformed dim has size {@code s}'s last entry (default {@code 2 (m - 1)}). Node: FftC2RBackward0.
     *
     * @param input the signal
     * @param s the two transformed dims' sizes (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the two dims to transform (null: the last two)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor irfft2(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.irfftn("irfft2", input, s, dim == null ? new int[] {-2, -1} : dim, norm);
    }

    /**
     * The 2-D Fourier transform of a signal Hermitian-symmetric in its last transformed dim and given by its first half there, as {@code torch.fft.hfft2}: a real output, over the last two dims.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor hfft2(Tensor input) {
        return hfft2(input, null, null, null);
    }

    /**
     * The 2-D Fourier transform of a signal Hermitian-symmetric in its last transformed dim and given by its first half there, as {@code torch.fft.hfft2}: a real output. Node: FftC2RBackward0.
     *
     * @param input the signal
     * @param s the two transformed dims' sizes (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the two dims to transform (null: the last two)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor hfft2(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.hfftn("hfft2", input, s, dim == null ? new int[] {-2, -1} : dim, norm);
    }

    /**
     * The inverse of {@link #hfft2}, as {@code torch.fft.ihfft2}: the one-sided inverse transform of a real input, over the last two dims.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor ihfft2(Tensor input) {
        return ihfft2(input, null, null, null);
    }

    /**
     * The inverse of {@link #hfft2}, as {@code torch.fft.ihfft2}: the one-sided inverse transform of a real input. Node: FftC2CBackward0 (ConjBackward0 over FftR2CBackward0 for one dim).
     *
     * @param input the signal
     * @param s the two transformed dims' sizes (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the two dims to transform (null: the last two)
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor ihfft2(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.ihfftn("ihfft2", input, s, dim == null ? new int[] {-2, -1} : dim, norm);
    }

    /**
     * The n-dimensional discrete Fourier transform, as {@code torch.fft.fftn}: complex output, over every dim.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor fftn(Tensor input) {
        return fftn(input, null, null, null);
    }

    /**
     * The n-dimensional discrete Fourier transform, as {@code torch.fft.fftn}: complex output. Node: FftC2CBackward0.
     *
     * @param input the signal
     * @param s the sizes of the transformed dims (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the dims to transform (null: the last {@code s.length} dims, or all without {@code s})
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor fftn(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.fftn("fftn", input, s, dim, norm, true);
    }

    /**
     * The n-dimensional inverse discrete Fourier transform, as {@code torch.fft.ifftn}: complex output, over every dim.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor ifftn(Tensor input) {
        return ifftn(input, null, null, null);
    }

    /**
     * The n-dimensional inverse discrete Fourier transform, as {@code torch.fft.ifftn}: complex output. Node: FftC2CBackward0.
     *
     * @param input the signal
     * @param s the sizes of the transformed dims (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the dims to transform (null: the last {@code s.length} dims, or all without {@code s})
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor ifftn(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.fftn("ifftn", input, s, dim, norm, false);
    }

    /**
     * The n-dimensional Fourier transform of a real input, as {@code torch.fft.rfftn}: the last transformed dim keeps its {@code n / 2 + 1} non-negative frequencies, over every dim.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor rfftn(Tensor input) {
        return rfftn(input, null, null, null);
    }

    /**
     * The n-dimensional Fourier transform of a real input, as {@code torch.fft.rfftn}: the last transformed dim keeps its {@code n / 2 + 1} non-negative frequencies. Node: FftR2CBackward0.
     *
     * @param input the signal
     * @param s the sizes of the transformed dims (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the dims to transform (null: the last {@code s.length} dims, or all without {@code s})
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor rfftn(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.rfftn("rfftn", input, s, dim, norm);
    }

    /**
     * The inverse of {@link #rfftn}, as {@code torch.fft.irfftn}: a real output whose last transformed dim has size {@code s}'s last entry (default {@code 2 (m - 1)}), over every dim.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor irfftn(Tensor input) {
        return irfftn(input, null, null, null);
    }

    /**
     * The inverse of {@link #rfftn}, as {@code torch.fft.irfftn}: a real output whose last transformed dim has size {@code s}'s last entry (default {@code 2 (m - 1)}). Node: FftC2RBackward0.
     *
     * @param input the signal
     * @param s the sizes of the transformed dims (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the dims to transform (null: the last {@code s.length} dims, or all without {@code s})
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor irfftn(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.irfftn("irfftn", input, s, dim, norm);
    }

    /**
     * The n-dimensional Fourier transform of a signal Hermitian-symmetric in its last transformed dim and given by its first half there, as {@code torch.fft.hfftn}: a real output, over every dim.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor hfftn(Tensor input) {
        return hfftn(input, null, null, null);
    }

    /**
     * The n-dimensional Fourier transform of a signal Hermitian-symmetric in its last transformed dim and given by its first half there, as {@code torch.fft.hfftn}: a real output. Node: FftC2RBackward0.
     *
     * @param input the signal
     * @param s the sizes of the transformed dims (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the dims to transform (null: the last {@code s.length} dims, or all without {@code s})
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor hfftn(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.hfftn("hfftn", input, s, dim, norm);
    }

    /**
     * The inverse of {@link #hfftn}, as {@code torch.fft.ihfftn}: the one-sided inverse transform of a real input, over every dim.
     *
     * @param input the signal
     * @return the transform
     */
    public static Tensor ihfftn(Tensor input) {
        return ihfftn(input, null, null, null);
    }

    /**
     * The inverse of {@link #hfftn}, as {@code torch.fft.ihfftn}: the one-sided inverse transform of a real input. Node: FftC2CBackward0 (ConjBackward0 over FftR2CBackward0 for one dim).
     *
     * @param input the signal
     * @param s the sizes of the transformed dims (the input trimmed or zero-padded to them; -1: the input's size), or null
     * @param dim the dims to transform (null: the last {@code s.length} dims, or all without {@code s})
     * @param norm null, {@code "backward"}, {@code "ortho"} or {@code "forward"}
     * @return the transform
     */
    public static Tensor ihfftn(Tensor input, int[] s, int[] dim, String norm) {
        return FftFunctions.ihfftn("ihfftn", input, s, dim, norm);
    }

    /**
     * The sample frequencies of a signal of {@code n} points spaced {@code d} apart, as {@code torch.fft.fftfreq}: {@code [0, 1, .., (n - 1) / 2, -(n / 2), .., -1] / (d n)}, for {@code d = 1}, in the default floating type on the CPU.
     *
     * @param n the signal length
     * @return the frequencies
     */
    public static Tensor fftfreq(int n) {
        return fftfreq(n, 1.0, null, Device.CPU);
    }

    /**
     * The sample frequencies of a signal of {@code n} points spaced {@code d} apart, as {@code torch.fft.fftfreq}: {@code [0, 1, .., (n - 1) / 2, -(n / 2), .., -1] / (d n)}, in the default floating type on the CPU.
     *
     * @param n the signal length
     * @param d the sample spacing
     * @return the frequencies
     */
    public static Tensor fftfreq(int n, double d) {
        return fftfreq(n, d, null, Device.CPU);
    }

    /**
     * The sample frequencies of a signal of {@code n} points spaced {@code d} apart, as {@code torch.fft.fftfreq}: {@code [0, 1, .., (n - 1) / 2, -(n / 2), .., -1] / (d n)}.
     *
     * @param n the signal length
     * @param d the sample spacing
     * @param dtype a floating type, or null for the default one
     * @param device the device of the result
     * @return the frequencies
     */
    public static Tensor fftfreq(int n, double d, DType dtype, Device device) {
        return FftFunctions.freq("fftfreq", n, d, dtype, device, false);
    }

    /**
     * The non-negative sample frequencies of a real signal of {@code n} points spaced {@code d} apart, as {@code torch.fft.rfftfreq}: {@code [0, 1, .., n / 2] / (d n)}, for {@code d = 1}, in the default floating type on the CPU.
     *
     * @param n the signal length
     * @return the frequencies
     */
    public static Tensor rfftfreq(int n) {
        return rfftfreq(n, 1.0, null, Device.CPU);
    }

    /**
     * The non-negative sample frequencies of a real signal of {@code n} points spaced {@code d} apart, as {@code torch.fft.rfftfreq}: {@code [0, 1, .., n / 2] / (d n)}, in the default floating type on the CPU.
     *
     * @param n the signal length
     * @param d the sample spacing
     * @return the frequencies
     */
    public static Tensor rfftfreq(int n, double d) {
        return rfftfreq(n, d, null, Device.CPU);
    }

    /**
     * The non-negative sample frequencies of a real signal of {@code n} points spaced {@code d} apart, as {@code torch.fft.rfftfreq}: {@code [0, 1, .., n / 2] / (d n)}.
     *
     * @param n the signal length
     * @param d the sample spacing
     * @param dtype a floating type, or null for the default one
     * @param device the device of the result
     * @return the frequencies
     */
    public static Tensor rfftfreq(int n, double d, DType dtype, Device device) {
        return FftFunctions.freq("rfftfreq", n, d, dtype, device, true);
    }

    /**
     * The input rolled so that the zero frequency moves to the center, as {@code torch.fft.fftshift}: each dim rolled by half its size (rounded down), over every dim. Node: RollBackward0.
     *
     * @param input the tensor
     * @return the rolled tensor
     */
    public static Tensor fftshift(Tensor input) {
        return FftFunctions.shift("fftshift", input, null, false);
    }

    /**
     * The input rolled so that the zero frequency moves to the center, as {@code torch.fft.fftshift}: each dim rolled by half its size (rounded down), over the given dims. Node: RollBackward0.
     *
     * @param input the tensor
     * @param dim the dims to roll (negative counts from the end; null: every dim)
     * @return the rolled tensor
     */
    public static Tensor fftshift(Tensor input, int... dim) {
        return FftFunctions.shift("fftshift", input, dim, false);
    }

    /**
     * The inverse of {@link #fftshift}, as {@code torch.fft.ifftshift}: each dim rolled by half its size rounded up, over every dim. Node: RollBackward0.
     *
     * @param input the tensor
     * @return the rolled tensor
     */
    public static Tensor ifftshift(Tensor input) {
        return FftFunctions.shift("ifftshift", input, null, true);
    }

    /**
     * The inverse of {@link #fftshift}, as {@code torch.fft.ifftshift}: each dim rolled by half its size rounded up, over the given dims. Node: RollBackward0.
     *
     * @param input the tensor
     * @param dim the dims to roll (negative counts from the end; null: every dim)
     * @return the rolled tensor
     */
    public static Tensor ifftshift(Tensor input, int... dim) {
        return FftFunctions.shift("ifftshift", input, dim, true);
    }
    /**
     * The short-time Fourier transform, as {@code torch.stft} with its defaults ({@code center=True},
     * {@code pad_mode="reflect"}, not normalized, onesided for a real input and window): the signal's frames of
     * {@code nFft} samples, {@code hopLength} apart, each multiplied by the window and transformed, as a
     * {@code [(batch,) frequencies, frames]} tensor.
     *
     * @param input a 1-D signal or a 2-D batch of signals, floating or complex
     * @param nFft the size of each frame's Fourier transform
     * @param hopLength the distance between neighbouring frames, or null for {@code nFft / 4} (rounded down)
     * @param winLength the window's size, or null for {@code nFft}
     * @param window a 1-D window of {@code winLength} samples, zero-padded on both sides to {@code nFft}, or null for
     *     a window of ones
     * @param returnComplex whether to return a complex tensor (PyTorch 2.x requires it for a real input and window);
     *     false, deprecated as in PyTorch, returns its real view (a last dimension of size 2)
     * @return the transform
     * @see #stft(Tensor, int, Integer, Integer, Tensor, boolean, String, boolean, Boolean, Boolean)
     */
    public static Tensor stft(Tensor input, int nFft, Integer hopLength, Integer winLength, Tensor window,
            boolean returnComplex) {
        return stft(input, nFft, hopLength, winLength, window, true, "reflect", false, null, returnComplex);
    }

    /**
     * The short-time Fourier transform, as {@code torch.stft} (PyTorch 2.x): with {@code center} the signal is first
     * padded by {@code nFft / 2} on both sides ({@code padMode} {@code "reflect"}, {@code "constant"},
     * {@code "replicate"} or {@code "circular"}); then its {@code 1 + (length - nFft) / hopLength} frames, each
     * multiplied by the window, are transformed ({@code normalized}: scaled by {@code 1/sqrt(nFft)}), keeping the
     * {@code nFft / 2 + 1} non-negative frequencies when {@code onesided}. The result is
     * {@code [(batch,) frequencies, frames]}. Nodes as PyTorch 2.x's composition: FftR2CBackward0 (FftC2CBackward0
     * for a complex input or window), TransposeBackward1, then SqueezeBackward4 for a 1-D input
     * (ViewAsRealBackward0 on top when {@code returnComplex} is false). Errors carry PyTorch's messages, its
     * {@code stft(...)} summary of the arguments included.
     *
     * @param input a 1-D signal or a 2-D batch of signals, floating or complex
     * @param nFft the size of each frame's Fourier transform
     * @param hopLength the distance between neighbouring frames, or null for {@code nFft / 4} (rounded down)
     * @param winLength the window's size, or null for {@code nFft}
     * @param window a 1-D window of {@code winLength} samples, zero-padded on both sides to {@code nFft}, or null for
     *     a window of ones
     * @param center whether to pad the signal so that frame t is centered at {@code t * hopLength}
     * @param padMode the padding when {@code center}: {@code "reflect"}, {@code "constant"}, {@code "replicate"} or
     *     {@code "circular"}
     * @param normalized whether to scale the transform by {@code 1/sqrt(nFft)}
     * @param onesided whether to keep only the non-negative frequencies, or null: true for a real input and window
     * @param returnComplex whether to return a complex tensor, or null: true for a complex input or window (a real
     *     input and window refuse null, as PyTorch 2.x does); false, deprecated as in PyTorch, returns the real view
     * @return the transform
     */
    public static Tensor stft(Tensor input, int nFft, Integer hopLength, Integer winLength, Tensor window, boolean center,
            String padMode, boolean normalized, Boolean onesided, Boolean returnComplex) {
        return StftFunctions.stft(input, nFft, hopLength, winLength, window, center, padMode, normalized, onesided,
                returnComplex);
    }

    /**
     * The inverse short-time Fourier transform, as {@code torch.istft} with its defaults ({@code center=True}, not
     * normalized, onesided when the input has {@code nFft / 2 + 1} frequencies, the whole signal, a real output):
     * the signal whose {@link #stft} (with the same window) is the input.
     *
     * @param input the complex {@code [(batch,) frequencies, frames]} transform
     * @param nFft the size of each frame's Fourier transform
     * @param hopLength the distance between neighbouring frames, or null for {@code nFft / 4} (rounded down)
     * @param winLength the window's size, or null for {@code nFft}
     * @param window the window the transform used, or null for a window of ones
     * @return the signal
     * @see #istft(Tensor, int, Integer, Integer, Tensor, boolean, boolean, Boolean, Integer, boolean)
     */
    public static Tensor istft(Tensor input, int nFft, Integer hopLength, Integer winLength, Tensor window) {
        return istft(input, nFft, hopLength, winLength, window, true, false, null, null, false);
    }

    /**
     * The inverse short-time Fourier transform, as {@code torch.istft} (PyTorch 2.x): each frame transformed back
     * (c2r, or c2c with {@code returnComplex}), multiplied by the window and overlap-added, the sum divided by the
     * overlap-added squared window (which must stay above 1e-11 where the signal is kept: the NOLA condition), the
     * {@code nFft / 2} samples at each end dropped when {@code center}, then cut or zero-padded to {@code length}.
     * Nodes as PyTorch 2.x's composition (DivBackward0 on top, SqueezeBackward1 for a 2-D input, ConstantPadNdBackward0
     * when {@code length} is longer than the signal). Errors carry PyTorch's messages.
     *
     * @param input the complex {@code [(batch,) frequencies, frames]} transform
     * @param nFft the size of each frame's Fourier transform
     * @param hopLength the distance between neighbouring frames, or null for {@code nFft / 4} (rounded down)
     * @param winLength the window's size, or null for {@code nFft}
     * @param window the window the transform used, or null for a window of ones
     * @param center whether the transform was centered (its padding is dropped)
     * @param normalized whether the transform was normalized
     * @param onesided whether the input holds only the non-negative frequencies, or null: when it has
     *     {@code nFft / 2 + 1} of them rather than {@code nFft}
     * @param length the signal's length, or null for the whole signal
     * @param returnComplex whether the signal is complex (the input then two-sided)
     * @return the signal
     */
    public static Tensor istft(Tensor input, int nFft, Integer hopLength, Integer winLength, Tensor window, boolean center,
            boolean normalized, Boolean onesided, Integer length, boolean returnComplex) {
        return StftFunctions.istft(input, nFft, hopLength, winLength, window, center, normalized, onesided, length,
                returnComplex);
    }
}
