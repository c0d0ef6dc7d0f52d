package dev.ember;

import java.util.Arrays;
import java.util.List;

/**
 * torch.fft's three differentiable primitives ({@code _fft_c2c}, {@code _fft_r2c}, {@code _fft_c2r}), each with its
 * backward beside it as tools/autograd/derivatives.yaml and FunctionsManual.cpp's {@code fft_r2c_backward} /
 * {@code fft_c2r_backward} define it, and written with the same primitives (so a double backward works). A complex
 * tensor is read and written through its real view ({@code [..., 2]}, interleaved); the backend's 1-D kernel
 * ({@code Backend.fft}) transforms one dimension at a time, on the real view moved to {@code [batch, n, 2]}.
 * The public functions of the namespace (argument checks, promotion, n/s trimming and padding, norm) are in
 * {@link FftFunctions}.
 */
final class FftOps {
    private FftOps() {
    }

    /** PyTorch's {@code fft_norm_mode}: no scaling, {@code 1/sqrt(n)}, or {@code 1/n} (n: the signal's numel). */
    enum Norm {
        NONE, BY_ROOT_N, BY_N
    }

    /** {@code norm_from_string}: the scaling a transform in the given direction applies for {@code norm}. */
    static Norm norm(String norm, boolean forward) {
        if (norm == null || norm.equals("backward")) {
            return forward ? Norm.NONE : Norm.BY_N;
        }
        if (norm.equals("forward")) {
            return forward ? Norm.BY_N : Norm.NONE;
        }
        if (norm.equals("ortho")) {
            return Norm.BY_ROOT_N;
        }
        throw new IllegalArgumentException("Invalid normalization mode: \"" + norm + "\"");
    }

    // ------------------------------------------------------------------ kernels (no autograd, on real views)

    /**
     * The unnormalized DFT of the complex real view {@code rv} ({@code [..., 2]}) along its dim {@code d}, written into
     * {@code into} (a real view of rv's shape, or null for a new contiguous one, PyTorch's CPU results being contiguous
     * too). The backend reads {@code rv} moved so that {@code d} comes last before the parts, whatever its strides, and
     * writes the result the same way: the other dims are the batch, with no copy made contiguous first.
     */
    private static Tensor dft(Tensor rv, int d, boolean inverse, Tensor into) {
        int rank = rv.dim();
        Tensor out = into != null ? into : Creation.empty(rv.shape, rv.dtype, rv.device);
        if (out.numel() > 0) {
            Tensor src = rv.movedim(d, rank - 2);
            Tensor dst = out.movedim(d, rank - 2);
            rv.backend.fft(src.storage(), src.layout(), dst.storage(), dst.layout(), inverse);
        }
        return out;
    }

    /**
     * The unnormalized one-sided DFT of the real {@code x} along its dim {@code d} (the backend's real kernel) into
     * {@code into}, a real view {@code [..., n/2 + 1 at d, ..., 2]}, or null for a new contiguous one.
     */
    private static Tensor rdft(Tensor x, int d, Tensor into) {
        int rank = x.dim();
        int n = x.shape[d];
        int[] shape = Arrays.copyOf(x.shape, rank + 1);
        shape[d] = n / 2 + 1;
        shape[rank] = 2;
        Tensor out = into != null ? into : Creation.empty(shape, x.dtype, x.device);
        if (x.numel() > 0) {
            Tensor src = x.movedim(d, rank - 1);
            Tensor dst = out.movedim(d, rank - 1);
            x.backend.rfft(src.storage(), src.layout(), dst.storage(), dst.layout());
        }
        return out;
    }

    /**
     * The unnormalized real inverse DFT, of length {@code n}, of the one-sided spectrum in the real view {@code rv}
     * along its dim {@code d} (which holds {@code n/2 + 1} entries): a new contiguous real tensor with {@code n} entries
     * at {@code d}.
     */
    private static Tensor irdft(Tensor rv, int d, int n) {
        int rank = rv.dim() - 1;
        int[] shape = Arrays.copyOf(rv.shape, rank);
        shape[d] = n;
        Tensor out = Creation.empty(shape, rv.dtype, rv.device);
        if (out.numel() > 0) {
            Tensor src = rv.movedim(d, rank - 1);
            Tensor dst = out.movedim(d, rank - 1);
            rv.backend.irfft(src.storage(), src.layout(), dst.storage(), dst.layout());
        }
        return out;
    }

    /**
     * The DFTs of the real view {@code rv} along {@code dims} one after the other, the last written into {@code into}
     * (null: a new tensor; with no dims, {@code rv} is copied there). The intermediate results are closed as soon as
     * the next one is made; {@code rv} itself is left open.
     */
    private static Tensor dft(Tensor rv, int[] dims, boolean inverse, Tensor into) {
        if (dims.length == 0) {
            return into == null ? rv : into.copy_(rv);
        }
        Tensor out = rv;
        for (int i = 0; i < dims.length; i++) {
            Tensor next = dft(out, dims[i], inverse, i == dims.length - 1 ? into : null);
            if (out != rv) {
                out.close();
            }
            out = next;
        }
        return out;
    }

    /** {@code t} scaled in place as {@code norm} asks for a signal of {@code n} elements (a fresh result of ours). */
    private static Tensor scaled_(Tensor t, Norm norm, long n) {
        switch (norm) {
            case BY_ROOT_N:
                return t.mul_(1.0 / Math.sqrt((double) n));
            case BY_N:
                return t.mul_(1.0 / (double) n);
            default:
                return t;
        }
    }

    private static long signalNumel(int[] shape, int[] dims) {
        long n = 1;
        for (int d : dims) {
            n *= shape[d];
        }
        return n;
    }

    /** A new complex tensor for a real view of shape {@code realShape} ({@code [..., 2]}) of the real type. */
    private static Tensor complexFor(int[] realShape, DType real, Device device) {
        return Creation.empty(Arrays.copyOf(realShape, realShape.length - 1), real.toComplex(), device);
    }

    /** {@code x + 0i}'s real view: a {@code [..., 2]} tensor of x's (real) type. */
    private static Tensor realAsComplexView(Tensor x) {
        return Tensor.stack(List.of(x, Creation.zeros(x.shape, x.dtype, x.device)), -1);
    }

    // ------------------------------------------------------------------ the primitives

    /** {@code _fft_c2c}: the complex DFT of {@code z} over {@code dims}; FftC2CBackward0. */
    static Tensor c2c(Tensor z, int[] dims, Norm norm, boolean forward) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = Creation.empty(z.shape, z.dtype, z.device);
            scaled_(dft(z.viewAsReal(), dims, !forward, out.viewAsReal()), norm, signalNumel(z.shape, dims));
        }
        // the adjoint of a DFT is the DFT the other way with the same scaling
        return ArithmeticOps.record(out, "FftC2CBackward0", new Tensor[] {z},
                n -> g -> new Tensor[] {c2c(g, dims, norm, !forward)});
    }

    /**
     * {@code _fft_r2c}: the forward DFT of the real {@code x} over {@code dims}, only the first {@code n/2 + 1} entries
     * of the last dim when {@code onesided}; FftR2CBackward0.
     */
    static Tensor r2c(Tensor x, int[] dims, Norm norm, boolean onesided) {
        int last = dims[dims.length - 1];
        int full = x.shape[last];
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor rv;
            if (onesided && full > 0) {
                // the real kernel along the last dim, then complex transforms along the others
                int[] shape = Arrays.copyOf(x.shape, x.dim() + 1);
                shape[last] = full / 2 + 1;
                shape[x.dim()] = 2;
                out = complexFor(shape, x.dtype, x.device);
                if (dims.length == 1) {
                    rv = rdft(x, last, out.viewAsReal());
                } else {
                    Tensor half = rdft(x, last, null);
                    rv = dft(half, Arrays.copyOf(dims, dims.length - 1), false, out.viewAsReal());
                    half.close();
                }
            } else {
                Tensor asComplex = realAsComplexView(x);
                out = complexFor(asComplex.shape, x.dtype, x.device);
                rv = dft(asComplex, dims, false, out.viewAsReal());
                asComplex.close();
            }
            scaled_(rv, norm, signalNumel(x.shape, dims));
        }
        // fft_r2c_backward: the missing half as zeros, the inverse c2c, its real part
        return ArithmeticOps.record(out, "FftR2CBackward0", new Tensor[] {x}, n -> g -> {
            Tensor whole = onesided ? padded(g, last, full) : g;
            return new Tensor[] {c2c(whole, dims, norm, false).real()};
        });
    }

    /**
     * {@code _fft_c2r}: the real inverse DFT over {@code dims} of the one-sided Hermitian {@code z} (its last dim holds
     * {@code lastDimSize / 2 + 1} entries; the imaginary parts of the entries that must be real are ignored), the last
     * dim of the result of size {@code lastDimSize}; FftC2RBackward0.
     */
    static Tensor c2r(Tensor z, int[] dims, Norm norm, int lastDimSize) {
        int last = dims[dims.length - 1];
        int[] outShape = z.shape.clone();
        outShape[last] = lastDimSize;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            // c2c over the other dims, then the backend's real inverse transform along the last
            Tensor zr = z.viewAsReal();
            Tensor rv = dft(zr, Arrays.copyOf(dims, dims.length - 1), true, null);
            // (the callers resize the last dim to lastDimSize / 2 + 1 entries, as PyTorch's)
            out = scaled_(irdft(rv, last, lastDimSize), norm, signalNumel(outShape, dims));
            if (rv != zr) {
                rv.close();
            }
        }
        // fft_c2r_backward: the one-sided r2c of the gradient, entries whose reflection lies outside it doubled
        return ArithmeticOps.record(out, "FftC2RBackward0", new Tensor[] {z}, n -> g -> {
            Tensor gi = r2c(g, dims, norm, true);
            int doubled = lastDimSize - gi.shape[last];
            return new Tensor[] {doubled > 0 ? doubledEntries(gi, last, doubled) : gi};
        });
    }

    /** {@code g} with {@code d} zero-padded at its end to {@code size} (itself when it is that long already). */
    static Tensor padded(Tensor g, int d, int size) {
        int have = g.shape[d];
        if (have >= size) {
            return g;
        }
        int[] zerosShape = g.shape.clone();
        zerosShape[d] = size - have;
        return Tensor.cat(List.of(g, Creation.zeros(zerosShape, g.dtype, g.device)), d);
    }

    /** Complex {@code gi} with entries {@code 1 .. count} along {@code d} doubled (differentiable: on the real view). */
    private static Tensor doubledEntries(Tensor gi, int d, int count) {
        Tensor rv = gi.viewAsReal();
        int m = rv.shape[d];
        double[] w = new double[m];
        for (int k = 0; k < m; k++) {
            w[k] = k >= 1 && k <= count ? 2 : 1;
        }
        int[] shape = new int[rv.dim()];
        Arrays.fill(shape, 1);
        shape[d] = m;
        return rv.mul(Tensor.tensor(w, rv.dtype, rv.device).reshape(shape)).viewAsComplex();
    }
}
