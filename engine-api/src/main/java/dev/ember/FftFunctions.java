package dev.ember;

import java.util.Arrays;
import java.util.List;

/**
 * The public functions of {@code torch.fft} ({@link Fft}'s bodies), reduced to {@link FftOps}' three primitives as
 * aten/src/ATen/native/SpectralOps.cpp does: the input promoted ({@code promote_tensor_fft}), the dims and sizes
 * checked ({@code canonicalize_fft_shape_and_dim_args}), the input trimmed or zero-padded to them
 * ({@code resize_fft_input}), then c2c, r2c or c2r with the norm for the transform's direction; hfft and ihfft are
 * c2r and r2c with a conjugate, fftshift and ifftshift a roll.
 */
final class FftFunctions {
    private FftFunctions() {
    }

    /** PyTorch's ScalarType name of {@code t} ({@code Half}, {@code ComplexDouble}). */
    private static String scalarType(DType t) {
        String legacy = t.legacyTypeName();
        return legacy.substring(0, legacy.length() - "Tensor".length());
    }

    /** {@code promote_tensor_fft}: integers to the default type; float32 or float64 (or their complex types). */
    private static Tensor promote(Tensor x, boolean requireComplex) {
        if (x.dtype.isComplex()) {
            return x;
        }
        DType t = x.dtype.isFloatingPoint() ? x.dtype : Ember.getDefaultDtype();
        if (t != DType.FLOAT32 && t != DType.FLOAT64) {
            throw new IllegalArgumentException("Unsupported dtype " + scalarType(t));
        }
        Tensor real = x.dtype == t ? x : x.to(t);
        return requireComplex ? real.to(t.toComplex()) : real;
    }

    /** The size of dim {@code d} (a 0-dim tensor's only dim counts as size 0, as PyTorch reads it). */
    private static int size(Tensor x, int d) {
        return x.dim() == 0 ? 0 : x.shape[d];
    }

    /** {@code maybe_wrap_dim(dim, rank, wrap_scalar=false)}, as 2.x wraps a transform's dims. */
    private static int wrap(int dim, int rank) {
        if (rank == 0) {
            throw new IndexOutOfBoundsException("Dimension specified as " + dim + " but tensor has no dimensions");
        }
        return Shapes.wrapDim(dim, rank);
    }

    private static void checkPoints(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("Invalid number of data points (" + n + ") specified");
        }
    }

    /** {@code resize_fft_input}: each dim trimmed, or zero-padded at its end, to its size. */
    private static Tensor resize(Tensor x, int[] dims, int[] sizes) {
        Tensor t = x;
        for (int i = 0; i < dims.length; i++) {
            t = t.shape[dims[i]] > sizes[i] ? t.narrow(dims[i], 0, sizes[i]) : FftOps.padded(t, dims[i], sizes[i]);
        }
        return t;
    }

    private static Tensor resize(Tensor x, int d, int size) {
        return resize(x, new int[] {d}, new int[] {size});
    }

    /** {@code 0, 1, .., rank - 1}. */
    private static int[] allDims(int rank) {
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = i;
        }
        return dims;
    }

    private static int[] allButLast(int[] dims) {
        return Arrays.copyOf(dims, dims.length - 1);
    }

    // ------------------------------------------------------------------ one dimension

    /** fft and ifft: c2c of a complex input, a two-sided r2c of a real one (conjugated for the inverse). */
    static Tensor c2cOrR2c(String name, Tensor input, Integer n, int dim, String norm, boolean forward) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> c2cOrR2c(name, t[0], n, dim, norm, forward), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        if (!input.dtype.isComplex()) {
            return r2c(name, input, n, dim, norm, forward, false);
        }
        int d = wrap(dim, input.dim());
        int points = n == null ? input.shape[d] : n;
        checkPoints(points);
        Tensor x = n == null ? input : resize(input, d, points);
        return FftOps.c2c(x, new int[] {d}, FftOps.norm(norm, forward), forward);
    }

    /** {@code fft_r2c}: rfft, ihfft (the inverse: the conjugate of the forward r2c) and fft / ifft of a real input. */
    static Tensor r2c(String name, Tensor input, Integer n, int dim, String norm, boolean forward, boolean onesided) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> r2c(name, t[0], n, dim, norm, forward, onesided), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        if (input.dtype.isComplex()) {
            throw new IllegalArgumentException(name + " expects a real input tensor, but got " + scalarType(input.dtype));
        }
        Tensor x = promote(input, false);
        int d = wrap(dim, x.dim());
        int points = n == null ? x.shape[d] : n;
        checkPoints(points);
        if (n != null) {
            x = resize(x, d, points);
        }
        Tensor out = FftOps.r2c(x, new int[] {d}, FftOps.norm(norm, forward), onesided);
        return forward ? out : out.conj();
    }

    /** {@code fft_c2r}: irfft, and hfft (the forward: c2r of the conjugate). */
    static Tensor c2r(String name, Tensor input, Integer n, int dim, String norm, boolean forward) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> c2r(name, t[0], n, dim, norm, forward), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        Tensor x = promote(input, true);
        int d = wrap(dim, x.dim());
        int points = n == null ? 2 * (x.shape[d] - 1) : n;
        checkPoints(points);
        if (n != null) {
            x = resize(x, d, points / 2 + 1);
        }
        FftOps.Norm mode = FftOps.norm(norm, forward);
        return FftOps.c2r(forward ? x.conj() : x, new int[] {d}, mode, points);
    }

    // ------------------------------------------------------------------ several dimensions

    /** The dims and sizes a multi-dimensional transform works on. */
    private record ShapeAndDims(int[] shape, int[] dims) {
    }

    /** {@code canonicalize_fft_shape_and_dim_args}. */
    private static ShapeAndDims canonicalize(Tensor input, int[] s, int[] dim) {
        int rank = input.dim();
        int[] dims = null;
        if (dim != null) {
            dims = new int[dim.length];
            for (int i = 0; i < dim.length; i++) {
                dims[i] = wrap(dim[i], rank);
            }
            int[] sorted = dims.clone();
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] == sorted[i - 1]) {
                    throw new IllegalArgumentException("FFT dims must be unique");
                }
            }
        }
        int[] shape;
        if (s != null) {
            if (dim != null && dim.length != s.length) {
                throw new IllegalArgumentException("When given, dim and shape arguments must have the same length");
            }
            if (s.length > rank) {
                throw new IllegalArgumentException("Got shape with " + s.length + " values but input tensor only has "
                        + rank + " dimensions.");
            }
            if (dims == null) {
                dims = new int[s.length];
                for (int i = 0; i < s.length; i++) {
                    dims[i] = rank - s.length + i;
                }
            }
            shape = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = s[i] == -1 ? input.shape[dims[i]] : s[i];
            }
        } else {
            if (dims == null) {
                dims = allDims(rank);
            }
            shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = input.shape[dims[i]];
            }
        }
        for (int n : shape) {
            checkPoints(n);
        }
        return new ShapeAndDims(shape, dims);
    }

    /**
     * {@code canonicalize_fft_c2r_shape_and_dim_args}: the last dim's size becomes the one-sided input's,
     * {@code lastDimSize / 2 + 1}; returns the output's last dim size in {@code lastDimSize[0]}.
     */
    private static ShapeAndDims canonicalizeC2r(String name, Tensor input, int[] s, int[] dim, int[] lastDimSize) {
        ShapeAndDims desc = canonicalize(input, s, dim);
        int k = desc.dims.length;
        if (k == 0) {
            throw new IllegalArgumentException(name + " must transform at least one axis");
        }
        int last = s == null || s[s.length - 1] == -1 ? 2 * (input.shape[desc.dims[k - 1]] - 1) : desc.shape[k - 1];
        checkPoints(last);
        desc.shape[k - 1] = last / 2 + 1;
        lastDimSize[0] = last;
        return desc;
    }

    /** fftn, ifftn (fft2, ifft2): a c2c of the complex-promoted input (a copy where no dims are given: 2.x's). */
    static Tensor fftn(String name, Tensor input, int[] s, int[] dim, String norm, boolean forward) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> fftn(name, t[0], s, dim, norm, forward), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        ShapeAndDims desc = canonicalize(input, s, dim);
        Tensor x = resize(promote(input, true), desc.dims, desc.shape);
        return FftOps.c2c(x, desc.dims, FftOps.norm(norm, forward), forward);
    }

    /** rfftn (rfft2): a one-sided r2c. */
    static Tensor rfftn(String name, Tensor input, int[] s, int[] dim, String norm) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> rfftn(name, t[0], s, dim, norm), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        if (input.dtype.isComplex()) {
            throw new IllegalArgumentException("rfftn expects a real-valued input tensor, but got "
                    + scalarType(input.dtype));
        }
        ShapeAndDims desc = canonicalize(input, s, dim);
        if (desc.dims.length == 0) {
            throw new IllegalArgumentException("rfftn must transform at least one axis");
        }
        Tensor x = resize(promote(input, false), desc.dims, desc.shape);
        return FftOps.r2c(x, desc.dims, FftOps.norm(norm, true), true);
    }

    /** irfftn (irfft2): a c2r. */
    static Tensor irfftn(String name, Tensor input, int[] s, int[] dim, String norm) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> irfftn(name, t[0], s, dim, norm), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        int[] lastDimSize = new int[1];
        ShapeAndDims desc = canonicalizeC2r("irfftn", input, s, dim, lastDimSize);
        Tensor x = resize(promote(input, true), desc.dims, desc.shape);
        return FftOps.c2r(x, desc.dims, FftOps.norm(norm, false), lastDimSize[0]);
    }

    /** hfftn (hfft2): a c2c over all but the last dim, then the c2r of its conjugate over the last. */
    static Tensor hfftn(String name, Tensor input, int[] s, int[] dim, String norm) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> hfftn(name, t[0], s, dim, norm), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        int[] lastDimSize = new int[1];
        ShapeAndDims desc = canonicalizeC2r("hfftn", input, s, dim, lastDimSize);
        Tensor x = resize(promote(input, true), desc.dims, desc.shape);
        FftOps.Norm mode = FftOps.norm(norm, true);
        int k = desc.dims.length;
        Tensor t = k > 1 ? FftOps.c2c(x, allButLast(desc.dims), mode, true) : x;
        return FftOps.c2r(t.conj(), new int[] {desc.dims[k - 1]}, mode, lastDimSize[0]);
    }

    /** ihfftn (ihfft2): the conjugate of a one-sided r2c over the last dim, then an inverse c2c over the others. */
    static Tensor ihfftn(String name, Tensor input, int[] s, int[] dim, String norm) {
        if (Autocast.on()) return Autocast.apply("fft_" + name, t -> ihfftn(name, t[0], s, dim, norm), input);
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        ShapeAndDims desc = canonicalize(input, s, dim);
        int k = desc.dims.length;
        if (k == 0) {
            throw new IllegalArgumentException("ihfftn must transform at least one axis");
        }
        Tensor x = resize(promote(input, false), desc.dims, desc.shape);
        FftOps.Norm mode = FftOps.norm(norm, false);
        if (x.dtype.isComplex()) {
            // _fft_r2c's check, as PyTorch words it
            throw new IllegalArgumentException("Expected self.is_floating_point() to be true, but got false.  (Could this "
                    + "error message be improved?  If so, please report an enhancement request to PyTorch.)");
        }
        Tensor t = FftOps.r2c(x, new int[] {desc.dims[k - 1]}, mode, true).conj();
        return k == 1 ? t : FftOps.c2c(t, allButLast(desc.dims), mode, false);
    }

    // ------------------------------------------------------------------ helpers

    /** fftfreq and rfftfreq: the sample frequencies of a signal of n points spaced d apart. */
    static Tensor freq(String name, int n, double d, DType dtype, Device device, boolean onesided) {
        DType t = dtype == null ? Ember.getDefaultDtype() : dtype;
        Args.require(device, "fft_" + name, "device", 3, "torch.device");
        if (!t.isFloatingPoint() && !t.isComplex()) {
            throw new IllegalArgumentException(name + " requires a floating point or complex dtype");
        }
        if (t.isComplex()) {
            // PyTorch fills the result with arange, which has no complex kernel
            throw Refusals.notImplemented("arange_cpu", t);
        }
        int count = onesided ? n / 2 + 1 : n;
        Shapes.checkSizes(new int[] {count});
        double[] k = new double[count];
        for (int i = 0; i < count; i++) {
            // fftfreq: 0, 1, .., (n - 1) / 2, then -(n / 2), .., -1
            k[i] = onesided || i < (n + 1) / 2 ? i : i - n;
        }
        try (GradMode off = Ember.noGrad()) {
            return Tensor.tensor(k, t, device).mul(1.0 / ((double) n * d));
        }
    }

    /** fftshift ({@code inverse} false) and ifftshift: a roll by half of each dim's size. */
    static Tensor shift(String name, Tensor input, int[] dim, boolean inverse) {
        Args.require(input, "fft_" + name, "input", 1, "Tensor");
        int[] dims = dim == null ? allDims(input.dim()) : new int[dim.length];
        for (int i = 0; dim != null && i < dim.length; i++) {
            dims[i] = Shapes.wrapDim(dim[i], input.dim());
        }
        int[] shifts = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int n = size(input, dims[i]);
            shifts[i] = inverse ? (n + 1) / 2 : n / 2;
        }
        return input.roll(shifts, dims);
    }
}
