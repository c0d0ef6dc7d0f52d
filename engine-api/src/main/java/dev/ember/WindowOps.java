package dev.ember;

/**
 * The window functions ({@code torch.hann_window}, {@code hamming_window}, {@code blackman_window},
 * {@code bartlett_window}, {@code kaiser_window}) with PyTorch's formulas (aten/src/ATen/native/TensorFactories.cpp),
 * computed in the requested type: a periodic window of length N is the symmetric window of length N + 1 without its
 * last element; lengths 0 and 1 give an empty tensor and {@code [1]}.
 */
final class WindowOps {
    private WindowOps() {
    }

    /** window_function_checks: a floating type, a non-negative length. */
    private static void check(String name, int length, DType dtype, Device device) {
        Args.require(dtype, name, "dtype", 3, "torch.dtype");
        Args.require(device, name, "device", 4, "torch.device");
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(name + " expects floating point dtypes, got: TensorOptions(dtype="
                    + ArithmeticOps.cTypeName(dtype) + ", device=" + device + ", layout=Strided (default), requires_grad=false "
                    + "(default), pinned_memory=false, memory_format=(nullopt))");
        }
        if (length < 0) {
            throw new IllegalArgumentException(name + " requires non-negative window_length, got window_length=" + length);
        }
    }

    /** The trivial windows (length 0 or 1), else null. */
    private static Tensor trivial(int length, DType dtype, Device device) {
        if (length == 0) {
            return Creation.empty(new int[] {0}, dtype, device);
        }
        if (length == 1) {
            return Tensor.ones(dtype, 1).to(device);
        }
        return null;
    }

    /** {@code arange(n)} in {@code dtype} on {@code device}. */
    private static Tensor arange(long n, DType dtype, Device device) {
        return Tensor.arange(0, n, 1, dtype).to(device);
    }

    private static Tensor finish(Tensor window, boolean periodic, long n) {
        return periodic ? window.narrow(0, 0, (int) (n - 1)).contiguous() : window;
    }

    static Tensor hamming(String name, int length, boolean periodic, double alpha, double beta, DType dtype, Device device) {
        check(name, length, dtype, device);
        Tensor t = trivial(length, dtype, device);
        if (t != null) {
            return t;
        }
        long n = periodic ? length + 1L : length;
        try (GradMode off = Ember.noGrad()) {
            // alpha - beta cos(2 pi k / (n - 1))
            Tensor w = arange(n, dtype, device).mul(Math.PI * 2. / (double) (n - 1)).cos().mul(-beta).add(alpha);
            return finish(w, periodic, n);
        }
    }

    static Tensor blackman(int length, boolean periodic, DType dtype, Device device) {
        check("blackman_window", length, dtype, device);
        Tensor t = trivial(length, dtype, device);
        if (t != null) {
            return t;
        }
        long n = periodic ? length + 1L : length;
        try (GradMode off = Ember.noGrad()) {
            // 0.42 - 0.5 cos(2 x) + 0.08 cos(4 x), x = pi k / (n - 1)
            Tensor x = arange(n, dtype, device).mul(Math.PI / (double) (n - 1));
            Tensor w = x.mul(4).cos().mul(0.08).sub(x.mul(2).cos().mul(0.5)).add(0.42);
            return finish(w, periodic, n);
        }
    }

    static Tensor bartlett(int length, boolean periodic, DType dtype, Device device) {
        check("bartlett_window", length, dtype, device);
        Tensor t = trivial(length, dtype, device);
        if (t != null) {
            return t;
        }
        long n = periodic ? length + 1L : length;
        try (GradMode off = Ember.noGrad()) {
            // 2 k / (n - 1) rising, then 2 - 2 k / (n - 1) from the middle on
            Tensor w = arange(n, dtype, device).mul(2. / (double) (n - 1));
            int firstHalf = (int) (((n - 1) >> 1) + 1);
            Tensor second = w.narrow(0, firstHalf, (int) (n - firstHalf));
            second.copy_(second.mul(-1).add(2));
            return finish(w, periodic, n);
        }
    }

    static Tensor kaiser(int length, boolean periodic, double beta, DType dtype, Device device) {
        check("kaiser_window", length, dtype, device);
        Tensor t = trivial(length, dtype, device);
        if (t != null) {
            return t;
        }
        long n = periodic ? length + 1L : length;
        try (GradMode off = Ember.noGrad()) {
            // i0(beta sqrt(1 - ((k - alpha) / alpha)^2)) / i0(beta), alpha = (n - 1) / 2, in float32 for the reduced types
            DType op = dtype.isReducedFloatingPoint() ? DType.FLOAT32 : dtype;
            double alpha = (n - 1) / 2.0;
            Tensor k = arange(n, op, device);
            Tensor r = k.sub(alpha).div(alpha);
            Tensor arg = r.mul(r).neg().add(1).sqrt().mul(beta);
            Tensor denom = Tensor.full(op, beta, 1).to(device).i0();
            Tensor w = arg.i0().div(denom);
            return finish(ArithmeticOps.cast(w, dtype), periodic, n);
        }
    }
}
