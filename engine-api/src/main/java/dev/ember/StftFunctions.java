package dev.ember;

/**
 * {@code torch.stft} and {@code torch.istft} ({@link Fft#stft} and {@link Fft#istft}'s bodies), composed as PyTorch
 * 2.x composes them (torch/functional.py's centering pad, then aten/src/ATen/native/SpectralOps.cpp's {@code stft} and
 * {@code istft}), so autograd records the same ops: the signal framed (a view), multiplied by the window,
 * transformed by {@link FftOps}' r2c or c2c, transposed in place (and squeezed for a 1-D input); the inverse
 * transformed back by c2r or c2c, windowed, overlap-added ({@code unfold_backward}) and divided by the overlap-added
 * squared window. Complex signals are framed and overlap-added through their real views, and padded part by part.
 * Checks come in PyTorch's order with its messages (the {@code stft(...)} / {@code istft(...)} prefix included).
 */
final class StftFunctions {
    private StftFunctions() {
    }

    /** How PyTorch's messages print a tensor's type: {@code torch.DoubleTensor}, {@code CPUComplexDoubleType}. */
    private static String type(Tensor t) {
        return t.typeName();
    }

    private static String opt(Object value) {
        if (value == null) {
            return "None";
        }
        return value instanceof Boolean ? (((Boolean) value) ? "1" : "0") : value.toString();
    }

    private static String windowRepr(Tensor window) {
        return window == null ? "None" : type(window) + "{" + Shapes.str(window.shape) + "}";
    }

    /** A window of ones. */
    private static Tensor ones(int n, DType dtype, Device device) {
        return Creation.zeros(new int[] {n}, dtype, device).fill_(1.0);
    }

    private static void checkDevice(String op, Tensor input, Tensor window) {
        if (window != null && !window.device.equals(input.device)) {
            throw new IllegalArgumentException(op + " input and window must be on the same device but got self on "
                    + input.device + " and window on " + window.device);
        }
    }

    // ------------------------------------------------------------------ stft

    /** torch/functional.py's centering: the signal seen as 3-D, padded by {@code n_fft / 2} on both sides. */
    private static Tensor centered(Tensor input, int nFft, String padMode) {
        int signalDim = input.dim();
        int extra = Math.max(0, 3 - signalDim);
        int[] extended = new int[extra + signalDim];
        java.util.Arrays.fill(extended, 1);
        System.arraycopy(input.shape, 0, extended, extra, signalDim);
        int pad = Math.floorDiv(nFft, 2);
        Tensor x = input.view(extended);
        int[] pads = {pad, pad};
        Tensor padded = x.dtype.isComplex()
                ? Tensor.complex(x.real().padNd(pads, padMode, 0), x.imag().padNd(pads, padMode, 0))
                : x.padNd(pads, padMode, 0);
        // input.shape[-signal_dim:]: for a 0-dim signal, -0 keeps every dim
        if (signalDim == 0) {
            return padded;
        }
        int[] back = java.util.Arrays.copyOfRange(padded.shape, padded.dim() - signalDim, padded.dim());
        return padded.view(back);
    }

    static Tensor stft(Tensor self, int nFft, Integer hopLength, Integer winLength, Tensor window, boolean center,
            String padMode, boolean normalized, Boolean onesided, Boolean returnComplex) {
        if (Autocast.on()) return Autocast.apply("stft", t -> stft(t[0], nFft, hopLength, winLength, t[1], center, padMode,
                normalized, onesided, returnComplex), self, window);
        Args.require(self, "stft", "input", 1, "Tensor");
        Args.require(padMode, "stft", "pad_mode", 7, "str");
        Tensor input = center ? centered(self, nFft, padMode) : self;
        checkDevice("stft", input, window);
        int hop = hopLength == null ? nFft >> 2 : hopLength;
        int win = winLength == null ? nFft : winLength;
        boolean complexOut = returnComplex != null ? returnComplex
                : input.dtype.isComplex() || (window != null && window.dtype.isComplex());
        if (!complexOut) {
            if (returnComplex == null) {
                throw new IllegalArgumentException("stft requires the return_complex parameter be given for real inputs, "
                        + "and will further require that return_complex=True in a future PyTorch release.");
            }
            WarnOnce.warn(WarnOnce.STFT_REAL_OUTPUT);
        }
        String repr = "stft(" + type(input) + Shapes.str(input.shape) + ", n_fft=" + nFft + ", hop_length=" + hop
                + ", win_length=" + win + ", window=" + windowRepr(window) + ", normalized=" + opt(normalized)
                + ", onesided=" + opt(onesided) + ", return_complex=" + opt(returnComplex) + ") ";
        if (!input.dtype.isFloatingPoint() && !input.dtype.isComplex()) {
            throw new IllegalArgumentException(repr + ": expected a tensor of floating point or complex values");
        }
        if (input.dim() > 2 || input.dim() < 1) {
            throw new IllegalArgumentException(repr + ": expected a 1D or 2D tensor");
        }
        Tensor x = input.dim() == 1 ? input.unsqueeze(0) : input;
        int len = x.shape[1];
        if (nFft <= 0 || nFft > len) {
            // sic: PyTorch prints win_length here
            throw new IllegalArgumentException(repr + ": expected 0 < n_fft < " + len + ", but got n_fft="
                    + win);
        }
        if (hop <= 0) {
            throw new IllegalArgumentException(repr + ": expected hop_length > 0, but got hop_length=" + hop);
        }
        if (win <= 0 || win > nFft) {
            throw new IllegalArgumentException(repr + ": expected 0 < win_length <= n_fft, but got win_length=" + win);
        }
        if (window != null && (window.dim() != 1 || window.shape[0] != win)) {
            throw new IllegalArgumentException(repr + ": expected a 1D window tensor of size equal to win_length=" + win
                    + ", but got window with size " + Shapes.str(window.shape));
        }
        Tensor w = window;
        if (win < nFft) {
            // the window centered in n_fft samples, zeros around it
            int left = (nFft - win) / 2;
            Tensor inner = window != null ? window : ones(win, input.dtype.toReal(), input.device);
            w = inner.padNd(new int[] {left, nFft - win - left});
        }
        Tensor frames = frames(x, nFft, hop);
        if (w != null) {
            frames = frames.mul(w);
        }
        boolean complexFft = frames.dtype.isComplex();
        boolean side = onesided != null ? onesided : !complexFft;
        DType real = frames.dtype.toReal();
        if (real != DType.FLOAT32 && real != DType.FLOAT64) {
            throw new IllegalArgumentException("Unsupported dtype " + Format.scalarType(real));
        }
        FftOps.Norm norm = normalized ? FftOps.Norm.BY_ROOT_N : FftOps.Norm.NONE;
        Tensor out;
        if (complexFft) {
            if (side) {
                throw new IllegalArgumentException("Cannot have onesided output if window or input is complex");
            }
            out = FftOps.c2c(frames, new int[] {2}, norm, true);
        } else {
            out = FftOps.r2c(frames, new int[] {2}, norm, side);
        }
        out.transpose_(1, 2);
        if (input.dim() == 1) {
            out.squeeze_(0);
        }
        return complexOut ? out : out.viewAsReal();
    }

    /**
     * {@code x.as_strided({batch, n_frames, n_fft}, {stride0, hop * stride1, stride1})}: the frames of a
     * {@code [batch, len]} signal as a view (unfold; a complex signal's through its real view).
     */
    private static Tensor frames(Tensor x, int nFft, int hop) {
        if (!x.dtype.isComplex()) {
            return x.unfold(1, nFft, hop);
        }
        // [batch, len, 2] -> [batch, n_frames, 2, n_fft] -> [batch, n_frames, n_fft, 2]
        return x.viewAsReal().unfold(1, nFft, hop).movedim(2, 3).viewAsComplex();
    }

    // ------------------------------------------------------------------ istft

    static Tensor istft(Tensor self, int nFft, Integer hopLength, Integer winLength, Tensor window, boolean center,
            boolean normalized, Boolean onesided, Integer length, boolean returnComplex) {
        Args.require(self, "istft", "input", 1, "Tensor");
        checkDevice("istft", self, window);
        int hop = hopLength == null ? nFft >> 2 : hopLength;
        int win = winLength == null ? nFft : winLength;
        if (!self.dtype.isComplex()) {
            throw new IllegalArgumentException("istft requires a complex-valued input tensor matching the output from "
                    + "stft with return_complex=True.");
        }
        Tensor rv = self.viewAsReal();
        int inputDim = rv.dim();
        int nFrames = rv.size(-2);
        int fftSize = rv.size(-3);
        long expectedLen = nFft + (long) hop * (nFrames - 1);
        String repr = "istft(" + type(self) + Shapes.str(self.shape) + ", n_fft=" + nFft + ", hop_length=" + hop
                + ", win_length=" + win + ", window=" + windowRepr(window) + ", center=" + opt(center) + ", normalized="
                + opt(normalized) + ", onesided=" + opt(onesided) + ", length=" + opt(length) + ", return_complex="
                + opt(returnComplex) + ") ";
        if (rv.numel() == 0) {
            throw new IllegalArgumentException(repr + ": input tensor cannot be empty.");
        }
        if (inputDim != 3 && inputDim != 4) {
            throw new IllegalArgumentException(repr + ": expected a tensor with 3 or 4 dimensions, but got " + inputDim);
        }
        boolean side = onesided != null ? onesided : fftSize != nFft;
        if (side) {
            if (nFft / 2 + 1 != fftSize) {
                throw new IllegalArgumentException(repr + ": expected the frequency dimension (3rd to the last) of the input "
                        + "tensor to match n_fft / 2 + 1 when onesided=True, but got " + fftSize);
            }
        } else if (nFft != fftSize) {
            throw new IllegalArgumentException(repr + ": expected the frequency dimension (3rd to the last) of the input "
                    + "tensor to match n_fft when onesided=False, but got " + fftSize);
        }
        if (!(0 < hop && hop <= win)) {
            throw new IllegalArgumentException(repr + ": expected 0 < hop_length <= win_length");
        }
        if (!(0 < win && win <= nFft)) {
            throw new IllegalArgumentException(repr + ": expected 0 < win_length <= n_fft");
        }
        if (window != null && (window.dim() != 1 || window.shape[0] != win)) {
            throw new IllegalArgumentException(repr + ": Invalid window shape. window has to be 1D and length of "
                    + "`win_length`");
        }
        if (returnComplex && side) {
            throw new IllegalArgumentException("Cannot have onesided output if window or input is complex");
        }
        if (!returnComplex && window != null && window.dtype.isComplex()) {
            throw new IllegalArgumentException("Complex windows are incompatible with return_complex=False");
        }
        Tensor w = window != null ? window : ones(win, rv.dtype, rv.device);
        if (win != nFft) {
            int left = (nFft - win) / 2;
            w = w.padNd(new int[] {left, nFft - win - left});
        }
        Tensor z = (inputDim == 3 ? self.unsqueeze(0) : self).transpose(1, 2); // [channel, n_frames, fft_size]
        FftOps.Norm norm = normalized ? FftOps.Norm.BY_ROOT_N : FftOps.Norm.BY_N;
        Tensor frames = returnComplex ? FftOps.c2c(z, new int[] {2}, norm, false)
                : FftOps.c2r(side ? z : z.narrow(2, 0, nFft / 2 + 1), new int[] {2}, norm, nFft);
        int total = Math.toIntExact(expectedLen);
        Tensor y = overlapAdd(frames.mul(w.view(1, 1, nFft)), total, hop);
        Tensor envelope = overlapAdd(w.pow(2).expand(1, nFrames, nFft), total, hop);
        int start = center ? nFft / 2 : 0;
        long end = length != null ? (long) start + length : center ? -(nFft / 2) : total;
        y = sliced(y, start, end);
        envelope = sliced(envelope, start, end);
        boolean tooSmall;
        try (GradMode off = Ember.noGrad()) {
            tooSmall = envelope.abs().min().item() < 1e-11;
        }
        if (tooSmall) {
            throw new IllegalArgumentException(repr + "window overlap add min: 1");
        }
        y = y.div(envelope);
        if (inputDim == 3) {
            y = y.squeeze(0);
        }
        if (end > total) {
            // the length asked for is longer than the signal: zeros at its end
            int extra = Math.toIntExact(end - total);
            y = y.dtype.isComplex() ? y.viewAsReal().padNd(new int[] {0, 0, 0, extra}).viewAsComplex()
                    : y.padNd(new int[] {0, extra});
        }
        return y;
    }

    /** {@code y.slice(1, start, end)} with Python's wrapping and clamping of the bounds. */
    private static Tensor sliced(Tensor y, long start, long end) {
        int size = y.shape[1];
        long s = Math.min(Math.max(start < 0 ? start + size : start, 0), size);
        long e = Math.min(Math.max(end < 0 ? end + size : end, 0), size);
        return y.narrow(1, (int) s, (int) Math.max(e - s, 0));
    }

    /**
     * {@code unfold_backward(frames, {channel, total}, 1, n_fft, hop)}: frames {@code [channel, n_frames, n_fft]} added
     * where they overlap into a {@code [channel, total]} signal (a complex one through its real view).
     */
    private static Tensor overlapAdd(Tensor frames, int total, int hop) {
        int channels = frames.shape[0];
        int nFrames = frames.shape[1];
        int nFft = frames.shape[2];
        if (!frames.dtype.isComplex()) {
            return ViewOps.unfoldBackward(frames, new int[] {channels, total}, 1, nFft, hop, nFrames);
        }
        Tensor parts = frames.viewAsReal().movedim(3, 2); // [channel, n_frames, 2, n_fft]
        return ViewOps.unfoldBackward(parts, new int[] {channels, total, 2}, 1, nFft, hop, nFrames).viewAsComplex();
    }
}
