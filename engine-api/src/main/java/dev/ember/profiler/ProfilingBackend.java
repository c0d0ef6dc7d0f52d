package dev.ember.profiler;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import dev.ember.backend.PinnedBuffer;
import dev.ember.backend.Pool2dParams;
import dev.ember.backend.RandomKind;
import dev.ember.backend.RankOp;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.ScanOp;
import dev.ember.backend.ScatterReduce;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;

/**
 * The recording decorator of a {@link Backend}: {@link dev.ember.backend.Backends#forDevice} hands it out, so every
 * tensor's kernels pass through it. With no {@link Profiler} open anywhere a call costs one volatile read and is
 * forwarded; while one is open on the calling thread, each kernel call is timed and recorded as a range named by the
 * table in the package documentation (PyTorch's aten name where one maps clearly, else the SPI method's name), with
 * the bytes of the storages it allocates. Calls from other threads are forwarded unrecorded. Queries about the backend
 * ({@code deviceType}, {@code describe}, ...) and {@code synchronize} are forwarded and never recorded.
 *
 * <p>Written by hand (a generator wrote its first version): after adding an SPI method, add its forwarding method here,
 * modeled on {@code axpy}'s. A method not declared here would run Backend's default on the host instead of the
 * backend's own kernel, unrecorded; engine-cpu's {@code ProfilingBackendSpiTest} fails, naming it, until it is added.
 */
public final class ProfilingBackend implements Backend {
    private final Backend delegate;
    private final boolean device;

    private ProfilingBackend(Backend delegate) {
        this.delegate = delegate;
        this.device = !"cpu".equals(delegate.deviceType());
    }

    /**
     * The decorator of a backend (the backend itself when it already is one).
     *
     * @param backend the backend to decorate
     * @return its recording decorator
     */
    public static Backend wrap(Backend backend) {
        if (backend == null) {
            throw new IllegalArgumentException("wrap(): argument 'backend' must be a Backend, not None");
        }
        return backend instanceof ProfilingBackend ? backend : new ProfilingBackend(backend);
    }

    /**
     * The backend a decorator forwards to (any other backend as it is), for code that needs the backend's own class.
     *
     * @param backend a backend, decorated or not
     * @return the undecorated backend
     */
    public static Backend unwrap(Backend backend) {
        return backend instanceof ProfilingBackend ? ((ProfilingBackend) backend).delegate : backend;
    }

    /** Whether this decorates a device backend (not the CPU): its kernels are synchronized while recorded. */
    boolean isDevice() {
        return device;
    }

    /** Waits for the device's queued work (CUDA); a no-op on the CPU. */
    void synchronizeDevice(int index) {
        delegate.synchronize(index);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    @Override
    public String deviceType() {
        return delegate.deviceType();
    }

    @Override
    public boolean isAvailable() {
        return delegate.isAvailable();
    }

    @Override
    public String unavailableReason() {
        return delegate.unavailableReason();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public int numThreads() {
        return delegate.numThreads();
    }

    @Override
    public void setNumThreads(int n) {
        delegate.setNumThreads(n);
    }

    @Override
    public int deviceCount() {
        return delegate.deviceCount();
    }

    @Override
    public Storage allocate(DType dtype, long numel, int deviceIndex) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.allocate(dtype, numel, deviceIndex);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::empty", this, new Object[] {});
        Storage result;
        try {
            result = delegate.allocate(dtype, numel, deviceIndex);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.allocated(kernelRange, result);
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public Storage duplicate(Storage src) {
        // while profiling, null: the caller's allocation and copy, so a trace records the kernels it did before
        return Profiler.current() == null ? delegate.duplicate(src) : null;
    }

    @Override
    public Storage allocateZeroed(DType dtype, long numel, int deviceIndex) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.allocateZeroed(dtype, numel, deviceIndex);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::zeros", this, new Object[] {});
        Storage result;
        try {
            result = delegate.allocateZeroed(dtype, numel, deviceIndex);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.allocated(kernelRange, result);
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public Storage fromArray(Object array, int deviceIndex) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.fromArray(array, deviceIndex);
        }
        Profiler.Range kernelRange = profiler.enterKernel("fromArray", this, new Object[] {});
        Storage result;
        try {
            result = delegate.fromArray(array, deviceIndex);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.allocated(kernelRange, result);
        profiler.exitKernel(kernelRange);
        return result;
    }

    /** Delegates: sharing an array allocates nothing and runs no kernel, so the profiler records nothing. */
    @Override
    public Storage shareArray(Object array, DType dtype, int deviceIndex) {
        return delegate.shareArray(array, dtype, deviceIndex);
    }

    @Override
    public Storage fromArray(Object array, DType dtype, int deviceIndex) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.fromArray(array, dtype, deviceIndex);
        }
        Profiler.Range kernelRange = profiler.enterKernel("fromArray", this, new Object[] {});
        Storage result;
        try {
            result = delegate.fromArray(array, dtype, deviceIndex);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.allocated(kernelRange, result);
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public Object toArray(Storage src, Layout layout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.toArray(src, layout);
        }
        Profiler.Range kernelRange = profiler.enterKernel("toArray", this, new Object[] {src, layout});
        Object result;
        try {
            result = delegate.toArray(src, layout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.copy(src, srcLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::copy_", this,
                new Object[] {src, srcLayout, dst, dstLayout});
        try {
            delegate.copy(src, srcLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void fill(Storage dst, Layout layout, double value) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.fill(dst, layout, value);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::fill_", this, new Object[] {dst, layout});
        try {
            delegate.fill(dst, layout, value);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void unary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.unary(op, src, srcLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.unary(op), this,
                new Object[] {src, srcLayout, dst, dstLayout});
        try {
            delegate.unary(op, src, srcLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst,
                       Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.binary(op, a, aLayout, b, bLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.binary(op), this,
                new Object[] {a, aLayout, b, bLayout, dst, dstLayout});
        try {
            delegate.binary(op, a, aLayout, b, bLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void binaryScalar(BinaryOp op, Storage a, Layout aLayout, Number scalar, boolean scalarFirst, Storage dst,
                             Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.binaryScalar(op, a, aLayout, scalar, scalarFirst, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.binary(op), this,
                new Object[] {a, aLayout, dst, dstLayout});
        try {
            delegate.binaryScalar(op, a, aLayout, scalar, scalarFirst, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void axpy(double alpha, Storage x, Layout xLayout, Storage y, Layout yLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.axpy(alpha, x, xLayout, y, yLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::add_", this, new Object[] {x, xLayout, y, yLayout});
        try {
            delegate.axpy(alpha, x, xLayout, y, yLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void addcmul(double value, Storage t1, Layout t1Layout, Storage t2, Layout t2Layout, Storage y,
                        Layout yLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.addcmul(value, t1, t1Layout, t2, t2Layout, y, yLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::addcmul", this,
                new Object[] {t1, t1Layout, t2, t2Layout, y, yLayout});
        try {
            delegate.addcmul(value, t1, t1Layout, t2, t2Layout, y, yLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void checkIndices(Storage index, Layout layout, long bound, String message) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.checkIndices(index, layout, bound, message);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("checkIndices", this, new Object[] {index, layout});
        try {
            delegate.checkIndices(index, layout, bound, message);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.where(cond, condLayout, a, aLayout, b, bLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::where", this,
                new Object[] {cond, condLayout, a, aLayout, b, bLayout, dst, dstLayout});
        try {
            delegate.where(cond, condLayout, a, aLayout, b, bLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void reduce(ReduceOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.reduce(op, src, srcLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.reduce(op), this,
                new Object[] {src, srcLayout, dst, dstLayout});
        try {
            delegate.reduce(op, src, srcLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void matmul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.matmul(a, aLayout, b, bLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.matmul(dstLayout), this,
                new Object[] {a, aLayout, b, bLayout, dst, dstLayout});
        try {
            delegate.matmul(a, aLayout, b, bLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void bmm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.bmm(a, aLayout, b, bLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.matmul(dstLayout), this,
                new Object[] {a, aLayout, b, bLayout, dst, dstLayout});
        try {
            delegate.bmm(a, aLayout, b, bLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public boolean hasBaddbmmLoop(DType dtype, int m, int k, int n) {
        return delegate.hasBaddbmmLoop(dtype, m, k, n);
    }

    @Override
    public void baddbmm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage self, Layout selfLayout,
            double beta, double alpha, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.baddbmm(a, aLayout, b, bLayout, self, selfLayout, beta, alpha, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.matmul(dstLayout), this,
                new Object[] {a, aLayout, b, bLayout, self, selfLayout, dst, dstLayout});
        try {
            delegate.baddbmm(a, aLayout, b, bLayout, self, selfLayout, beta, alpha, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public long linearPackedLength(DType dtype, int n, int k, int rows) {
        return delegate.linearPackedLength(dtype, n, k, rows);
    }

    @Override
    public void packLinearWeight(Storage w, Layout wLayout, int rows, Storage dst) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.packLinearWeight(w, wLayout, rows, dst);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("ember::pack_linear_weight", this,
                new Object[] {w, wLayout, dst});
        try {
            delegate.packLinearWeight(w, wLayout, rows, dst);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void linearPacked(Storage x, Layout xLayout, Storage packed, int n, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.linearPacked(x, xLayout, packed, n, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::mm", this,
                new Object[] {x, xLayout, packed, dst, dstLayout});
        try {
            delegate.linearPacked(x, xLayout, packed, n, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public boolean normalFill16Avx2(float[] d, int at, int blocks, float mean, float std) {
        return delegate.normalFill16Avx2(d, at, blocks, mean, std);
    }

    @Override
    public boolean siluFloat(Storage grad, Layout gradLayout, Storage x, Layout layout, Storage dst,
                             Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.siluFloat(grad, gradLayout, x, layout, dst, dstLayout);
        }
        Profiler.Range kernelRange = profiler.enterKernel(grad == null ? "aten::silu" : "aten::silu_backward", this,
                grad == null ? new Object[] {x, layout, dst, dstLayout}
                        : new Object[] {grad, gradLayout, x, layout, dst, dstLayout});
        boolean done;
        try {
            done = delegate.siluFloat(grad, gradLayout, x, layout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return done;
    }

    @Override
    public boolean clampFloat(Storage x, Layout layout, float lo, float hi, Storage dst) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.clampFloat(x, layout, lo, hi, dst);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::clamp", this,
                new Object[] {x, layout, dst, Layout.contiguous(layout.shape())});
        boolean done;
        try {
            done = delegate.clampFloat(x, layout, lo, hi, dst);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return done;
    }

    @Override
    public boolean complexAdd(double alpha, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst,
                              Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.complexAdd(alpha, a, aLayout, b, bLayout, dst, dstLayout);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::add", this,
                new Object[] {a, aLayout, b, bLayout, dst, dstLayout});
        boolean done;
        try {
            done = delegate.complexAdd(alpha, a, aLayout, b, bLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return done;
    }

    @Override
    public boolean complexUnary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.complexUnary(op, src, srcLayout, dst, dstLayout);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::" + op.name().toLowerCase(java.util.Locale.ROOT), this,
                new Object[] {src, srcLayout, dst, dstLayout});
        boolean done;
        try {
            done = delegate.complexUnary(op, src, srcLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return done;
    }

    @Override
    public boolean complexPow(double exponent, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.complexPow(exponent, src, srcLayout, dst, dstLayout);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::pow", this, new Object[] {src, srcLayout, dst, dstLayout});
        boolean done;
        try {
            done = delegate.complexPow(exponent, src, srcLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return done;
    }

    @Override
    public boolean fusedRnnCells() {
        return delegate.fusedRnnCells();
    }

    @Override
    public void lstmCellPointwise(Storage hh, Layout hhLayout, Storage ih, Layout ihLayout, Storage c, Layout cLayout,
                                  Storage hOut, Layout hOutLayout, Storage cOut, Layout cOutLayout, Storage saved,
                                  Layout savedLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.lstmCellPointwise(hh, hhLayout, ih, ihLayout, c, cLayout, hOut, hOutLayout, cOut, cOutLayout, saved,
                    savedLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("ember::lstm_cell_pointwise", this,
                new Object[] {hh, hhLayout, ih, ihLayout, c, cLayout, hOut, hOutLayout, cOut, cOutLayout, saved,
                        savedLayout});
        try {
            delegate.lstmCellPointwise(hh, hhLayout, ih, ihLayout, c, cLayout, hOut, hOutLayout, cOut, cOutLayout, saved,
                    savedLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void lstmCellBackward(Storage gradOut, Layout gradOutLayout, Storage gradH, Layout gradHLayout, Storage gradC,
                                 Layout gradCLayout, Storage saved, Layout savedLayout, Storage cPrev, Layout cPrevLayout,
                                 Storage gradGates, Layout gradGatesLayout, Storage gradCPrev, Layout gradCPrevLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.lstmCellBackward(gradOut, gradOutLayout, gradH, gradHLayout, gradC, gradCLayout, saved, savedLayout,
                    cPrev, cPrevLayout, gradGates, gradGatesLayout, gradCPrev, gradCPrevLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("ember::lstm_cell_backward", this,
                new Object[] {gradOut, gradOutLayout, gradH, gradHLayout, gradC, gradCLayout, saved, savedLayout, cPrev,
                        cPrevLayout, gradGates, gradGatesLayout, gradCPrev, gradCPrevLayout});
        try {
            delegate.lstmCellBackward(gradOut, gradOutLayout, gradH, gradHLayout, gradC, gradCLayout, saved, savedLayout,
                    cPrev, cPrevLayout, gradGates, gradGatesLayout, gradCPrev, gradCPrevLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void gruCellPointwise(Storage ih, Layout ihLayout, Storage hh, Layout hhLayout, Storage h, Layout hLayout,
                                 Storage hOut) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.gruCellPointwise(ih, ihLayout, hh, hhLayout, h, hLayout, hOut);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("ember::gru_cell_pointwise", this,
                new Object[] {ih, ihLayout, hh, hhLayout, h, hLayout, hOut});
        try {
            delegate.gruCellPointwise(ih, ihLayout, hh, hhLayout, h, hLayout, hOut);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                       Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.gather(src, srcLayout, dim, index, indexLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::gather", this,
                new Object[] {src, srcLayout, index, indexLayout, dst, dstLayout});
        try {
            delegate.gather(src, srcLayout, dim, index, indexLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void scatter(ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim,
                        Storage index, Layout indexLayout, Storage src, Layout srcLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.scatter(reduce, includeSelf, dst, dstLayout, dim, index, indexLayout, src, srcLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.scatter(reduce), this,
                new Object[] {dst, dstLayout, index, indexLayout, src, srcLayout});
        try {
            delegate.scatter(reduce, includeSelf, dst, dstLayout, dim, index, indexLayout, src, srcLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public long nonzeroCount(Storage src, Layout layout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.nonzeroCount(src, layout);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::count_nonzero", this, new Object[] {src, layout});
        long result;
        try {
            result = delegate.nonzeroCount(src, layout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public void nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.nonzero(src, layout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::nonzero", this,
                new Object[] {src, layout, dst, dstLayout});
        try {
            delegate.nonzero(src, layout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void linearIndex(Storage[] indices, Layout[] indexLayouts, long[] sizes, Storage dst, Layout dstLayout,
                            String message) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.linearIndex(indices, indexLayouts, sizes, dst, dstLayout, message);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::index", this,
                new Object[] {indices, indexLayouts, dst, dstLayout});
        try {
            delegate.linearIndex(indices, indexLayouts, sizes, dst, dstLayout, message);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.random(kind, dst, layout, seed, offset, a, b);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.random(kind), this, new Object[] {dst, layout});
        try {
            delegate.random(kind, dst, layout, seed, offset, a, b);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                         Storage info, Layout infoLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.luFactor(a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::linalg_lu_factor_ex", this,
                new Object[] {a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout});
        try {
            delegate.luFactor(a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                        Storage x, Layout xLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.luSolve(lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::linalg_lu_solve", this,
                new Object[] {lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout});
        try {
            delegate.luSolve(lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.cholesky(a, aLayout, l, lLayout, info, infoLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::linalg_cholesky_ex", this,
                new Object[] {a, aLayout, l, lLayout, info, infoLayout});
        try {
            delegate.cholesky(a, aLayout, l, lLayout, info, infoLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.qr(a, aLayout, q, qLayout, r, rLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::linalg_qr", this,
                new Object[] {a, aLayout, q, qLayout, r, rLayout});
        try {
            delegate.qr(a, aLayout, q, qLayout, r, rLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                                boolean upper, boolean unitriangular) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.triangularSolve(a, aLayout, b, bLayout, x, xLayout, upper, unitriangular);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::linalg_solve_triangular", this,
                new Object[] {a, aLayout, b, bLayout, x, xLayout});
        try {
            delegate.triangularSolve(a, aLayout, b, bLayout, x, xLayout, upper, unitriangular);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void svd(Storage a, Layout aLayout, Storage u, Layout uLayout, Storage s, Layout sLayout, Storage vh,
                    Layout vhLayout, Storage info, Layout infoLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.svd(a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_linalg_svd", this,
                new Object[] {a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout});
        try {
            delegate.svd(a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void eigh(Storage a, Layout aLayout, boolean upper, Storage w, Layout wLayout, Storage v, Layout vLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.eigh(a, aLayout, upper, w, wLayout, v, vLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_linalg_eigh", this,
                new Object[] {a, aLayout, w, wLayout, v, vLayout});
        try {
            delegate.eigh(a, aLayout, upper, w, wLayout, v, vLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void conv2d(Storage input, Layout inputLayout, Storage weight, Layout weightLayout, Storage bias,
                       Storage out, Layout outLayout, Conv2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.conv2d(input, inputLayout, weight, weightLayout, bias, out, outLayout, p);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::convolution", this,
                new Object[] {input, inputLayout, weight, weightLayout, bias, out, outLayout});
        try {
            delegate.conv2d(input, inputLayout, weight, weightLayout, bias, out, outLayout, p);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void conv2dBackwardInput(Storage gradOut, Layout gradOutLayout, Storage weight, Layout weightLayout,
                                    Storage gradInput, Layout gradInputLayout, Conv2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.conv2dBackwardInput(gradOut, gradOutLayout, weight, weightLayout, gradInput, gradInputLayout, p);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::convolution_backward", this,
                new Object[] {gradOut, gradOutLayout, weight, weightLayout, gradInput, gradInputLayout});
        try {
            delegate.conv2dBackwardInput(gradOut, gradOutLayout, weight, weightLayout, gradInput, gradInputLayout, p);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void conv2dBackwardWeight(Storage gradOut, Layout gradOutLayout, Storage input, Layout inputLayout,
                                     Storage gradWeight, Layout gradWeightLayout, Conv2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.conv2dBackwardWeight(gradOut, gradOutLayout, input, inputLayout, gradWeight, gradWeightLayout, p);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::convolution_backward", this,
                new Object[] {gradOut, gradOutLayout, input, inputLayout, gradWeight, gradWeightLayout});
        try {
            delegate.conv2dBackwardWeight(gradOut, gradOutLayout, input, inputLayout, gradWeight, gradWeightLayout, p);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout,
                          Pool2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.maxPool2d(input, inputLayout, out, indices, outLayout, p);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::max_pool2d_with_indices", this,
                new Object[] {input, inputLayout, out, indices, outLayout});
        try {
            delegate.maxPool2d(input, inputLayout, out, indices, outLayout, p);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput,
                                  Layout inputLayout, Pool2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.maxPool2dBackward(gradOut, indices, outLayout, gradInput, inputLayout, p);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::max_pool2d_with_indices_backward", this,
                new Object[] {gradOut, indices, outLayout, gradInput, inputLayout});
        try {
            delegate.maxPool2dBackward(gradOut, indices, outLayout, gradInput, inputLayout, p);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public boolean maxPoolWindowCodes() {
        return delegate.maxPoolWindowCodes();
    }

    @Override
    public void avgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Pool2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.avgPool2d(input, inputLayout, out, outLayout, p);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::avg_pool2d", this,
                new Object[] {input, inputLayout, out, outLayout});
        try {
            delegate.avgPool2d(input, inputLayout, out, outLayout, p);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout,
                                  Pool2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.avgPool2dBackward(gradOut, outLayout, gradInput, inputLayout, p);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::avg_pool2d_backward", this,
                new Object[] {gradOut, outLayout, gradInput, inputLayout});
        try {
            delegate.avgPool2dBackward(gradOut, outLayout, gradInput, inputLayout, p);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.adaptiveAvgPool2d(input, inputLayout, out, outLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_adaptive_avg_pool2d", this,
                new Object[] {input, inputLayout, out, outLayout});
        try {
            delegate.adaptiveAvgPool2d(input, inputLayout, out, outLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                          Layout gradInputLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.adaptiveAvgPool2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_adaptive_avg_pool2d_backward", this,
                new Object[] {gradOut, gradOutLayout, gradInput, gradInputLayout});
        try {
            delegate.adaptiveAvgPool2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                                  Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.adaptiveMaxPool2d(input, inputLayout, out, outLayout, indices, indicesLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::adaptive_max_pool2d", this,
                new Object[] {input, inputLayout, out, outLayout, indices, indicesLayout});
        try {
            delegate.adaptiveMaxPool2d(input, inputLayout, out, outLayout, indices, indicesLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout,
                                   boolean alignCorners, double scaleH, double scaleW) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.upsampleBilinear2d(input, inputLayout, out, outLayout, alignCorners, scaleH, scaleW);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::upsample_bilinear2d", this,
                new Object[] {input, inputLayout, out, outLayout});
        try {
            delegate.upsampleBilinear2d(input, inputLayout, out, outLayout, alignCorners, scaleH, scaleW);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                           Layout gradInputLayout, boolean alignCorners, double scaleH,
                                           double scaleW) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.upsampleBilinear2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout, alignCorners,
                    scaleH, scaleW);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::upsample_bilinear2d_backward", this,
                new Object[] {gradOut, gradOutLayout, gradInput, gradInputLayout});
        try {
            delegate.upsampleBilinear2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout, alignCorners,
                    scaleH, scaleW);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void synchronize(int deviceIndex) {
        delegate.synchronize(deviceIndex);
    }

    @Override
    public void sort(Storage src, Layout srcLayout, int dim, boolean descending, Storage values, Layout valuesLayout,
                     Storage indices, Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.sort(src, srcLayout, dim, descending, values, valuesLayout, indices, indicesLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::sort", this,
                new Object[] {src, srcLayout, values, valuesLayout, indices, indicesLayout});
        try {
            delegate.sort(src, srcLayout, dim, descending, values, valuesLayout, indices, indicesLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void topk(Storage src, Layout srcLayout, int dim, int k, boolean largest, boolean sorted, Storage values,
                     Layout valuesLayout, Storage indices, Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.topk(src, srcLayout, dim, k, largest, sorted, values, valuesLayout, indices, indicesLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::topk", this,
                new Object[] {src, srcLayout, values, valuesLayout, indices, indicesLayout});
        try {
            delegate.topk(src, srcLayout, dim, k, largest, sorted, values, valuesLayout, indices, indicesLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void rankSelect(RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values,
                           Layout valuesLayout, Storage indices, Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rankSelect(op, src, srcLayout, dim, k, values, valuesLayout, indices, indicesLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.rank(op), this,
                new Object[] {src, srcLayout, values, valuesLayout, indices, indicesLayout});
        try {
            delegate.rankSelect(op, src, srcLayout, dim, k, values, valuesLayout, indices, indicesLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void scan(ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout, Storage indices,
                     Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.scan(op, src, srcLayout, dim, dst, dstLayout, indices, indicesLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.scan(op), this,
                new Object[] {src, srcLayout, dst, dstLayout, indices, indicesLayout});
        try {
            delegate.scan(op, src, srcLayout, dim, dst, dstLayout, indices, indicesLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                             Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.searchsorted(sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, right, out,
                    outLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::searchsorted", this,
                new Object[] {sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, out, outLayout});
        try {
            delegate.searchsorted(sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, right, out,
                    outLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.histc(src, srcLayout, bins, min, max, out, outLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::histc", this,
                new Object[] {src, srcLayout, out, outLayout});
        try {
            delegate.histc(src, srcLayout, bins, min, max, out, outLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                         Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.bincount(src, srcLayout, weights, weightsLayout, out, outLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::bincount", this,
                new Object[] {src, srcLayout, weights, weightsLayout, out, outLayout});
        try {
            delegate.bincount(src, srcLayout, weights, weightsLayout, out, outLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.unique(src, srcLayout, sorted, values, inverse, counts);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_unique2", this,
                new Object[] {src, srcLayout, values, inverse, counts});
        long result;
        try {
            result = delegate.unique(src, srcLayout, sorted, values, inverse, counts);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public void optimizerUpdate(dev.ember.backend.OptimizerKind kind, double[] hyper, Storage param,
                                Layout paramLayout, Storage grad, Layout gradLayout, Storage[] state,
                                Layout[] stateLayouts) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.optimizerUpdate(kind, hyper, param, paramLayout, grad, gradLayout, state, stateLayouts);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(KernelNames.optimizer(kind, hyper), this,
                new Object[] {param, paramLayout, grad, gradLayout, state, stateLayouts});
        try {
            delegate.optimizerUpdate(kind, hyper, param, paramLayout, grad, gradLayout, state, stateLayouts);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout,
                          Storage mask, Layout maskLayout, boolean causal, double scale, double dropoutP,
                          long dropoutSeed, long dropoutOffset, Storage out, Layout outLayout, Storage lse,
                          Layout lseLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.attention(q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale, dropoutP,
                    dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("attention", this,
                new Object[] {q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, out, outLayout, lse, lseLayout});
        try {
            delegate.attention(q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale, dropoutP,
                    dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k,
                                  Layout kLayout, Storage v, Layout vLayout, Storage mask, Layout maskLayout,
                                  boolean causal, double scale, double dropoutP, long dropoutSeed, long dropoutOffset,
                                  Storage out, Layout outLayout, Storage lse, Layout lseLayout, Storage gradQ,
                                  Layout gradQLayout, Storage gradK, Layout gradKLayout, Storage gradV,
                                  Layout gradVLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.attentionBackward(gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout,
                    causal, scale, dropoutP, dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout, gradQ,
                    gradQLayout, gradK, gradKLayout, gradV, gradVLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("attentionBackward", this,
                new Object[] {gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, out,
                        outLayout, lse, lseLayout, gradQ, gradQLayout, gradK, gradKLayout, gradV, gradVLayout});
        try {
            delegate.attentionBackward(gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout,
                    causal, scale, dropoutP, dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout, gradQ,
                    gradQLayout, gradK, gradKLayout, gradV, gradVLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public boolean fusesSoftmax() {
        return delegate.fusesSoftmax();
    }

    @Override
    public void softmax(Storage x, Layout xLayout, int dim, boolean log, Storage out) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.softmax(x, xLayout, dim, log, out);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(log ? "aten::_log_softmax" : "aten::_softmax", this,
                new Object[] {x, xLayout, out});
        try {
            delegate.softmax(x, xLayout, dim, log, out);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public boolean fusesSoftmaxBackward() {
        return delegate.fusesSoftmaxBackward();
    }

    @Override
    public void softmaxBackward(Storage grad, Layout gradLayout, Storage output, Layout outputLayout, boolean log,
                                Storage out) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.softmaxBackward(grad, gradLayout, output, outputLayout, log, out);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(log ? "aten::_log_softmax_backward_data"
                : "aten::_softmax_backward_data", this, new Object[] {grad, gradLayout, output, outputLayout, out});
        try {
            delegate.softmaxBackward(grad, gradLayout, output, outputLayout, log, out);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void layerNorm(Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.layerNorm(x, xLayout, weight, bias, eps, out, outLayout, mean, rstd);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::native_layer_norm", this,
                new Object[] {x, xLayout, weight, bias, out, outLayout, mean, rstd});
        try {
            delegate.layerNorm(x, xLayout, weight, bias, eps, out, outLayout, mean, rstd);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void layerNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                                  Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.layerNormBackward(gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::native_layer_norm_backward", this,
                new Object[] {gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput, gradInputLayout,
                        gradWeight, gradBias});
        try {
            delegate.layerNormBackward(gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void rmsNorm(Storage x, Layout xLayout, Storage weight, double eps, Storage out, Layout outLayout,
                        Storage rstd) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rmsNorm(x, xLayout, weight, eps, out, outLayout, rstd);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("rmsNorm", this,
                new Object[] {x, xLayout, weight, out, outLayout, rstd});
        try {
            delegate.rmsNorm(x, xLayout, weight, eps, out, outLayout, rstd);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void rmsNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage rstd,
                                Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rmsNormBackward(gradOut, gradOutLayout, x, xLayout, rstd, weight, gradInput, gradInputLayout,
                    gradWeight);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("rmsNormBackward", this,
                new Object[] {gradOut, gradOutLayout, x, xLayout, rstd, weight, gradInput, gradInputLayout,
                        gradWeight});
        try {
            delegate.rmsNormBackward(gradOut, gradOutLayout, x, xLayout, rstd, weight, gradInput, gradInputLayout,
                    gradWeight);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.groupNorm(x, xLayout, groups, weight, bias, eps, out, outLayout, mean, rstd);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::native_group_norm", this,
                new Object[] {x, xLayout, weight, bias, out, outLayout, mean, rstd});
        try {
            delegate.groupNorm(x, xLayout, groups, weight, bias, eps, out, outLayout, mean, rstd);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups,
                                  Storage mean, Storage rstd, Storage weight, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.groupNormBackward(gradOut, gradOutLayout, x, xLayout, groups, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::native_group_norm_backward", this,
                new Object[] {gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput, gradInputLayout,
                        gradWeight, gradBias});
        try {
            delegate.groupNormBackward(gradOut, gradOutLayout, x, xLayout, groups, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps,
                          Storage mean, Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.batchNorm(x, xLayout, weight, bias, training, eps, mean, invstd, unbiasedVar, out, outLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::native_batch_norm", this,
                new Object[] {x, xLayout, weight, bias, mean, invstd, unbiasedVar, out, outLayout});
        try {
            delegate.batchNorm(x, xLayout, weight, bias, training, eps, mean, invstd, unbiasedVar, out, outLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                                  Storage mean, Storage invstd, boolean training, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.batchNormBackward(gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, training, gradInput,
                    gradInputLayout, gradWeight, gradBias);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::native_batch_norm_backward", this,
                new Object[] {gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, gradInput, gradInputLayout,
                        gradWeight, gradBias});
        try {
            delegate.batchNormBackward(gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, training, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void quantizedLinearPacked(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                      int weightMaxAbs, float[] actTimesWScale, float[] multiplier, float[] bias, int outZeroPoint,
                                      boolean relu, float outScale, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.quantizedLinearPacked(x, xLayout, inScale, weight, weightLayout, weightMaxAbs, actTimesWScale, multiplier, bias,
                outZeroPoint, relu, outScale, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(relu ? "quantized::linear_relu" : "quantized::linear", this,
                new Object[] {x, xLayout, weight, weightLayout, dst, dstLayout});
        try {
            delegate.quantizedLinearPacked(x, xLayout, inScale, weight, weightLayout, weightMaxAbs, actTimesWScale, multiplier, bias,
                outZeroPoint, relu, outScale, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void quantizedConv2d(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                int weightMaxAbs, int kernelH, int kernelW, Conv2dParams params, float[] actTimesWScale,
                                float[] multiplier, float[] bias, int outZeroPoint, boolean relu, float outScale,
                                Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.quantizedConv2d(x, xLayout, inScale, weight, weightLayout, weightMaxAbs, kernelH, kernelW, params,
                actTimesWScale, multiplier, bias, outZeroPoint, relu, outScale, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel(relu ? "quantized::conv2d_relu" : "quantized::conv2d", this,
                new Object[] {x, xLayout, weight, weightLayout, dst, dstLayout});
        try {
            delegate.quantizedConv2d(x, xLayout, inScale, weight, weightLayout, weightMaxAbs, kernelH, kernelW, params,
                actTimesWScale, multiplier, bias, outZeroPoint, relu, outScale, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void quantizedLinearDynamic(Storage x, Layout xLayout, Storage weight, Layout weightLayout,
                                       int[] weightZeroPoints, float[] weightScales, float[] bias, Storage dst,
                                       Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.quantizedLinearDynamic(x, xLayout, weight, weightLayout, weightZeroPoints, weightScales, bias, dst,
                dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("quantized::linear_dynamic", this,
                new Object[] {x, xLayout, weight, weightLayout, dst, dstLayout});
        try {
            delegate.quantizedLinearDynamic(x, xLayout, weight, weightLayout, weightZeroPoints, weightScales, bias, dst,
                dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void fft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout, boolean inverse) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.fft(src, srcLayout, dst, dstLayout, inverse);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_fft_c2c", this,
                new Object[] {src, srcLayout, dst, dstLayout});
        try {
            delegate.fft(src, srcLayout, dst, dstLayout, inverse);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void rfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rfft(src, srcLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_fft_r2c", this,
                new Object[] {src, srcLayout, dst, dstLayout});
        try {
            delegate.rfft(src, srcLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public void irfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.irfft(src, srcLayout, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_fft_c2r", this,
                new Object[] {src, srcLayout, dst, dstLayout});
        try {
            delegate.irfft(src, srcLayout, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public PinnedBuffer allocatePinned(long bytes) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.allocatePinned(bytes);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_pin_memory", this, new Object[] {});
        PinnedBuffer result;
        try {
            result = delegate.allocatePinned(bytes);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public void writePinned(Storage src, Layout layout, PinnedBuffer dst) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.writePinned(src, layout, dst);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::copy_", this, new Object[] {src, layout});
        try {
            delegate.writePinned(src, layout, dst);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    @Override
    public Storage fromPinned(PinnedBuffer src, DType dtype, long offset, long numel, boolean nonBlocking,
                              int deviceIndex) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.fromPinned(src, dtype, offset, numel, nonBlocking, deviceIndex);
        }
        Profiler.Range kernelRange = profiler.enterKernel("aten::_to_copy", this, new Object[] {});
        Storage result;
        try {
            result = delegate.fromPinned(src, dtype, offset, numel, nonBlocking, deviceIndex);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.allocated(kernelRange, result);
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public Storage toHost(Storage src, Layout layout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            return delegate.toHost(src, layout);
        }
        Profiler.Range kernelRange = profiler.enterKernel("toHost", this, new Object[] {src, layout});
        Storage result;
        try {
            result = delegate.toHost(src, layout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.allocated(kernelRange, result);
        profiler.exitKernel(kernelRange);
        return result;
    }

    @Override
    public void fromHost(Storage host, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.fromHost(host, dst, dstLayout);
            return;
        }
        Profiler.Range kernelRange = profiler.enterKernel("fromHost", this, new Object[] {host, dst, dstLayout});
        try {
            delegate.fromHost(host, dst, dstLayout);
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }
}
