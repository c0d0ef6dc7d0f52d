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

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The recording decorator of a {@link Backend}: {@link dev.ember.backend.Backends#forDevice} hands it out, so every
 * tensor's kernels pass through it. With no {@link Profiler} open anywhere a call costs one volatile read and is
 * forwarded; while one is open on the calling thread, each kernel call is timed and recorded as a range named by the
 * table in the package documentation (PyTorch's aten name where one maps clearly, else the SPI method's name), with
 * the bytes of the storages it allocates. Calls from other threads are forwarded unrecorded. Queries about the backend
 * ({@code deviceType}, {@code describe}, ...) and {@code synchronize} are forwarded and never recorded.
 *
 * <p>Written by hand (a generator wrote its first version): after adding an SPI method, add its forwarding method here,
 * modeled on {@code axpy}'s (the call forwarded as it is while nothing records, else through {@code record}, or
 * {@code recordIfDone} for an optional kernel that may decline). A method not declared here would run Backend's default
 * on the host instead of the backend's own kernel, unrecorded; engine-cpu's {@code ProfilingBackendSpiTest} fails,
 * naming it, until it is added.
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

    /** A kernel call that returns nothing, recorded as a range of its name (ended where it throws, too). */
    private void record(Profiler profiler, String name, Object[] operands, Runnable call) {
        Profiler.Range kernelRange = profiler.enterKernel(name, this, operands);
        try {
            call.run();
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        profiler.exitKernel(kernelRange);
    }

    /**
     * A kernel call that returns a value, recorded as a range of its name; {@code allocates}: the value is a storage
     * the kernel allocated, counted as its memory.
     */
    private <T> T record(Profiler profiler, String name, Object[] operands, boolean allocates, Supplier<T> call) {
        Profiler.Range kernelRange = profiler.enterKernel(name, this, operands);
        T result;
        try {
            result = call.get();
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        if (allocates) {
            profiler.allocated(kernelRange, (Storage) result);
        }
        profiler.exitKernel(kernelRange);
        return result;
    }

    /**
     * An optional kernel (it returns false where the backend has none for the arguments, and the caller composes the
     * op from other kernels): recorded only when it ran, so a trace shows the composition's kernels alone.
     */
    private boolean recordIfDone(Profiler profiler, String name, Object[] operands, BooleanSupplier call) {
        Profiler.Range kernelRange = profiler.enterKernel(name, this, operands);
        boolean done;
        try {
            done = call.getAsBoolean();
        } catch (RuntimeException | Error e) {
            profiler.failKernel(kernelRange);
            throw e;
        }
        if (done) {
            profiler.exitKernel(kernelRange);
        } else {
            profiler.discardKernel(kernelRange);
        }
        return done;
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
        return profiler == null ? delegate.allocate(dtype, numel, deviceIndex)
                : record(profiler, "aten::empty",
                        new Object[] {}, true,
                        () -> delegate.allocate(dtype, numel, deviceIndex));
    }

    @Override
    public Storage duplicate(Storage src) {
        // while profiling, null: the caller's allocation and copy, so a trace records the kernels it did before
        return Profiler.current() == null ? delegate.duplicate(src) : null;
    }

    @Override
    public Storage allocateZeroed(DType dtype, long numel, int deviceIndex) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.allocateZeroed(dtype, numel, deviceIndex)
                : record(profiler, "aten::zeros",
                        new Object[] {}, true,
                        () -> delegate.allocateZeroed(dtype, numel, deviceIndex));
    }

    @Override
    public Storage fromArray(Object array, int deviceIndex) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.fromArray(array, deviceIndex)
                : record(profiler, "fromArray",
                        new Object[] {}, true,
                        () -> delegate.fromArray(array, deviceIndex));
    }

    /** Delegates: sharing an array allocates nothing and runs no kernel, so the profiler records nothing. */
    @Override
    public Storage shareArray(Object array, DType dtype, int deviceIndex) {
        return delegate.shareArray(array, dtype, deviceIndex);
    }

    @Override
    public Storage fromArray(Object array, DType dtype, int deviceIndex) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.fromArray(array, dtype, deviceIndex)
                : record(profiler, "fromArray",
                        new Object[] {}, true,
                        () -> delegate.fromArray(array, dtype, deviceIndex));
    }

    @Override
    public Object toArray(Storage src, Layout layout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.toArray(src, layout)
                : record(profiler, "toArray",
                        new Object[] {src, layout}, false,
                        () -> delegate.toArray(src, layout));
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.copy(src, srcLayout, dst, dstLayout);
        } else {
            record(profiler, "aten::copy_",
                    new Object[] {src, srcLayout, dst, dstLayout},
                    () -> delegate.copy(src, srcLayout, dst, dstLayout));
        }
    }

    @Override
    public void copyInto(Storage[] srcs, Layout[] srcLayouts, Storage dst, Layout[] dstLayouts) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.copyInto(srcs, srcLayouts, dst, dstLayouts);
        } else {
            // while recording, one aten::copy_ per source, as the trace had before copyInto existed
            Backend.super.copyInto(srcs, srcLayouts, dst, dstLayouts);
        }
    }

    @Override
    public void fill(Storage dst, Layout layout, double value) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.fill(dst, layout, value);
        } else {
            record(profiler, "aten::fill_",
                    new Object[] {dst, layout},
                    () -> delegate.fill(dst, layout, value));
        }
    }

    @Override
    public void unary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.unary(op, src, srcLayout, dst, dstLayout);
        } else {
            record(profiler, KernelNames.unary(op),
                    new Object[] {src, srcLayout, dst, dstLayout},
                    () -> delegate.unary(op, src, srcLayout, dst, dstLayout));
        }
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst,
                       Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.binary(op, a, aLayout, b, bLayout, dst, dstLayout);
        } else {
            record(profiler, KernelNames.binary(op),
                    new Object[] {a, aLayout, b, bLayout, dst, dstLayout},
                    () -> delegate.binary(op, a, aLayout, b, bLayout, dst, dstLayout));
        }
    }

    @Override
    public void gelu(boolean oneDnn, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.gelu(oneDnn, src, srcLayout, dst, dstLayout);
        } else {
            record(profiler, KernelNames.unary(UnaryOp.GELU),
                    new Object[] {src, srcLayout, dst, dstLayout},
                    () -> delegate.gelu(oneDnn, src, srcLayout, dst, dstLayout));
        }
    }

    @Override
    public void geluBackward(boolean oneDnn, Storage grad, Layout gradLayout, Storage self, Layout selfLayout,
                             Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.geluBackward(oneDnn, grad, gradLayout, self, selfLayout, dst, dstLayout);
        } else {
            record(profiler, KernelNames.binary(BinaryOp.GELU_BACKWARD),
                    new Object[] {grad, gradLayout, self, selfLayout, dst, dstLayout},
                    () -> delegate.geluBackward(oneDnn, grad, gradLayout, self, selfLayout, dst, dstLayout));
        }
    }

    @Override
    public void binaryScalar(BinaryOp op, Storage a, Layout aLayout, Number scalar, boolean scalarFirst, Storage dst,
                             Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.binaryScalar(op, a, aLayout, scalar, scalarFirst, dst, dstLayout);
        } else {
            record(profiler, KernelNames.binary(op),
                    new Object[] {a, aLayout, dst, dstLayout},
                    () -> delegate.binaryScalar(op, a, aLayout, scalar, scalarFirst, dst, dstLayout));
        }
    }

    @Override
    public void axpy(double alpha, Storage x, Layout xLayout, Storage y, Layout yLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.axpy(alpha, x, xLayout, y, yLayout);
        } else {
            record(profiler, "aten::add_",
                    new Object[] {x, xLayout, y, yLayout},
                    () -> delegate.axpy(alpha, x, xLayout, y, yLayout));
        }
    }

    @Override
    public void addcmul(double value, Storage t1, Layout t1Layout, Storage t2, Layout t2Layout, Storage y,
                        Layout yLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.addcmul(value, t1, t1Layout, t2, t2Layout, y, yLayout);
        } else {
            record(profiler, "aten::addcmul",
                    new Object[] {t1, t1Layout, t2, t2Layout, y, yLayout},
                    () -> delegate.addcmul(value, t1, t1Layout, t2, t2Layout, y, yLayout));
        }
    }

    @Override
    public void checkIndices(Storage index, Layout layout, long bound, String message) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.checkIndices(index, layout, bound, message);
        } else {
            record(profiler, "checkIndices",
                    new Object[] {index, layout},
                    () -> delegate.checkIndices(index, layout, bound, message));
        }
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.where(cond, condLayout, a, aLayout, b, bLayout, dst, dstLayout);
        } else {
            record(profiler, "aten::where",
                    new Object[] {cond, condLayout, a, aLayout, b, bLayout, dst, dstLayout},
                    () -> delegate.where(cond, condLayout, a, aLayout, b, bLayout, dst, dstLayout));
        }
    }

    @Override
    public void reduce(ReduceOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.reduce(op, src, srcLayout, dst, dstLayout);
        } else {
            record(profiler, KernelNames.reduce(op),
                    new Object[] {src, srcLayout, dst, dstLayout},
                    () -> delegate.reduce(op, src, srcLayout, dst, dstLayout));
        }
    }

    @Override
    public void matmul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.matmul(a, aLayout, b, bLayout, dst, dstLayout);
        } else {
            record(profiler, KernelNames.matmul(dstLayout),
                    new Object[] {a, aLayout, b, bLayout, dst, dstLayout},
                    () -> delegate.matmul(a, aLayout, b, bLayout, dst, dstLayout));
        }
    }

    @Override
    public void bmm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.bmm(a, aLayout, b, bLayout, dst, dstLayout);
        } else {
            record(profiler, KernelNames.matmul(dstLayout),
                    new Object[] {a, aLayout, b, bLayout, dst, dstLayout},
                    () -> delegate.bmm(a, aLayout, b, bLayout, dst, dstLayout));
        }
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
        } else {
            record(profiler, KernelNames.matmul(dstLayout),
                    new Object[] {a, aLayout, b, bLayout, self, selfLayout, dst, dstLayout},
                    () -> delegate.baddbmm(a, aLayout, b, bLayout, self, selfLayout, beta, alpha, dst, dstLayout));
        }
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
        } else {
            record(profiler, "ember::pack_linear_weight",
                    new Object[] {w, wLayout, dst},
                    () -> delegate.packLinearWeight(w, wLayout, rows, dst));
        }
    }

    @Override
    public void linearPacked(Storage x, Layout xLayout, Storage packed, int n, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.linearPacked(x, xLayout, packed, n, dst, dstLayout);
        } else {
            record(profiler, "aten::mm",
                    new Object[] {x, xLayout, packed, dst, dstLayout},
                    () -> delegate.linearPacked(x, xLayout, packed, n, dst, dstLayout));
        }
    }

    @Override
    public boolean normalFill16Avx2(float[] d, int at, int blocks, float mean, float std) {
        return delegate.normalFill16Avx2(d, at, blocks, mean, std);
    }

    @Override
    public boolean mt19937Twist(int[] state) {
        return delegate.mt19937Twist(state);
    }

    @Override
    public boolean mt19937Temper(int[] state, int from, int[] dst, int off, int len) {
        return delegate.mt19937Temper(state, from, dst, off, len);
    }

    @Override
    public boolean dropoutScale(Storage x, Layout layout, Storage mask, Layout maskLayout, double scale, Storage dst) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.dropoutScale(x, layout, mask, maskLayout, scale, dst)
                : recordIfDone(profiler, "aten::mul",
                        new Object[] {x, layout, mask, maskLayout, dst, Layout.contiguous(layout.shape())},
                        () -> delegate.dropoutScale(x, layout, mask, maskLayout, scale, dst));
    }

    @Override
    public boolean siluFloat(Storage grad, Layout gradLayout, Storage x, Layout layout, Storage dst,
                             Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.siluFloat(grad, gradLayout, x, layout, dst, dstLayout)
                : recordIfDone(profiler, grad == null ? "aten::silu" : "aten::silu_backward",
                        grad == null ? new Object[] {x, layout, dst, dstLayout} : new Object[] {grad, gradLayout, x,
                            layout, dst, dstLayout},
                        () -> delegate.siluFloat(grad, gradLayout, x, layout, dst, dstLayout));
    }

    @Override
    public boolean activationBackward(UnaryOp op, Storage grad, Layout gradLayout, Storage y, Layout yLayout,
                                      Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.activationBackward(op, grad, gradLayout, y, yLayout, dst, dstLayout)
                : recordIfDone(profiler, op == UnaryOp.TANH ? "aten::tanh_backward" : "aten::sigmoid_backward",
                        new Object[] {grad, gradLayout, y, yLayout, dst, dstLayout},
                        () -> delegate.activationBackward(op, grad, gradLayout, y, yLayout, dst, dstLayout));
    }

    @Override
    public boolean leakyRelu(Storage grad, Layout gradLayout, Storage x, Layout layout, double slope, Storage dst,
                             Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.leakyRelu(grad, gradLayout, x, layout, slope, dst, dstLayout)
                : recordIfDone(profiler, grad == null ? "aten::leaky_relu" : "aten::leaky_relu_backward",
                        grad == null ? new Object[] {x, layout, dst, dstLayout} : new Object[] {grad, gradLayout, x,
                            layout, dst, dstLayout},
                        () -> delegate.leakyRelu(grad, gradLayout, x, layout, slope, dst, dstLayout));
    }

    @Override
    public boolean elu(Storage grad, Layout gradLayout, Storage x, Layout layout, double negcoef, double scale,
                       double inputScale, boolean isResult, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null
                ? delegate.elu(grad, gradLayout, x, layout, negcoef, scale, inputScale, isResult, dst, dstLayout)
                : recordIfDone(profiler, grad == null ? "aten::elu" : "aten::elu_backward",
                        grad == null ? new Object[] {x, layout, dst, dstLayout} : new Object[] {grad, gradLayout, x,
                            layout, dst, dstLayout},
                        () -> delegate.elu(grad, gradLayout, x, layout, negcoef, scale, inputScale, isResult, dst,
                                dstLayout));
    }

    @Override
    public boolean clampFloat(Storage x, Layout layout, float lo, float hi, Storage dst) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.clampFloat(x, layout, lo, hi, dst)
                : recordIfDone(profiler, "aten::clamp",
                        new Object[] {x, layout, dst, Layout.contiguous(layout.shape())},
                        () -> delegate.clampFloat(x, layout, lo, hi, dst));
    }

    @Override
    public boolean complexAdd(double alpha, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst,
                              Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.complexAdd(alpha, a, aLayout, b, bLayout, dst, dstLayout)
                : recordIfDone(profiler, "aten::add",
                        new Object[] {a, aLayout, b, bLayout, dst, dstLayout},
                        () -> delegate.complexAdd(alpha, a, aLayout, b, bLayout, dst, dstLayout));
    }

    @Override
    public boolean complexMul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.complexMul(a, aLayout, b, bLayout, dst, dstLayout)
                : recordIfDone(profiler, "aten::mul", new Object[] {a, aLayout, b, bLayout, dst, dstLayout},
                        () -> delegate.complexMul(a, aLayout, b, bLayout, dst, dstLayout));
    }

    @Override
    public boolean complexDiv(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.complexDiv(a, aLayout, b, bLayout, dst, dstLayout)
                : recordIfDone(profiler, "aten::div", new Object[] {a, aLayout, b, bLayout, dst, dstLayout},
                        () -> delegate.complexDiv(a, aLayout, b, bLayout, dst, dstLayout));
    }

    @Override
    public boolean complexUnary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.complexUnary(op, src, srcLayout, dst, dstLayout)
                : recordIfDone(profiler, "aten::" + op.name().toLowerCase(java.util.Locale.ROOT),
                        new Object[] {src, srcLayout, dst, dstLayout},
                        () -> delegate.complexUnary(op, src, srcLayout, dst, dstLayout));
    }

    @Override
    public boolean complexPow(double exponent, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.complexPow(exponent, src, srcLayout, dst, dstLayout)
                : recordIfDone(profiler, "aten::pow", new Object[] {src, srcLayout, dst, dstLayout},
                        () -> delegate.complexPow(exponent, src, srcLayout, dst, dstLayout));
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
        } else {
            record(profiler, "ember::lstm_cell_pointwise",
                    new Object[] {hh, hhLayout, ih, ihLayout, c, cLayout, hOut, hOutLayout, cOut, cOutLayout, saved,
                        savedLayout},
                    () -> delegate.lstmCellPointwise(hh, hhLayout, ih, ihLayout, c, cLayout, hOut, hOutLayout, cOut,
                            cOutLayout, saved, savedLayout));
        }
    }

    @Override
    public void lstmCellBackward(Storage gradOut, Layout gradOutLayout, Storage gradH, Layout gradHLayout, Storage gradC,
                                 Layout gradCLayout, Storage saved, Layout savedLayout, Storage cPrev, Layout cPrevLayout,
                                 Storage gradGates, Layout gradGatesLayout, Storage gradCPrev, Layout gradCPrevLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.lstmCellBackward(gradOut, gradOutLayout, gradH, gradHLayout, gradC, gradCLayout, saved, savedLayout,
                    cPrev, cPrevLayout, gradGates, gradGatesLayout, gradCPrev, gradCPrevLayout);
        } else {
            record(profiler, "ember::lstm_cell_backward",
                    new Object[] {gradOut, gradOutLayout, gradH, gradHLayout, gradC, gradCLayout, saved, savedLayout,
                        cPrev, cPrevLayout, gradGates, gradGatesLayout, gradCPrev, gradCPrevLayout},
                    () -> delegate.lstmCellBackward(gradOut, gradOutLayout, gradH, gradHLayout, gradC, gradCLayout,
                            saved, savedLayout, cPrev, cPrevLayout, gradGates, gradGatesLayout, gradCPrev,
                            gradCPrevLayout));
        }
    }

    @Override
    public void gruCellPointwise(Storage ih, Layout ihLayout, Storage hh, Layout hhLayout, Storage h, Layout hLayout,
                                 Storage hOut) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.gruCellPointwise(ih, ihLayout, hh, hhLayout, h, hLayout, hOut);
        } else {
            record(profiler, "ember::gru_cell_pointwise",
                    new Object[] {ih, ihLayout, hh, hhLayout, h, hLayout, hOut},
                    () -> delegate.gruCellPointwise(ih, ihLayout, hh, hhLayout, h, hLayout, hOut));
        }
    }

    @Override
    public void gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                       Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.gather(src, srcLayout, dim, index, indexLayout, dst, dstLayout);
        } else {
            record(profiler, "aten::gather",
                    new Object[] {src, srcLayout, index, indexLayout, dst, dstLayout},
                    () -> delegate.gather(src, srcLayout, dim, index, indexLayout, dst, dstLayout));
        }
    }

    @Override
    public void scatterAdd(double alpha, Storage dst, Layout dstLayout, int dim, Storage index, Layout indexLayout,
                           Storage src, Layout srcLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.scatterAdd(alpha, dst, dstLayout, dim, index, indexLayout, src, srcLayout);
        } else {
            record(profiler, "aten::index_add_", new Object[] {dst, dstLayout, index, indexLayout, src, srcLayout},
                    () -> delegate.scatterAdd(alpha, dst, dstLayout, dim, index, indexLayout, src, srcLayout));
        }
    }

    @Override
    public void scatter(ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim,
                        Storage index, Layout indexLayout, Storage src, Layout srcLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.scatter(reduce, includeSelf, dst, dstLayout, dim, index, indexLayout, src, srcLayout);
        } else {
            record(profiler, KernelNames.scatter(reduce),
                    new Object[] {dst, dstLayout, index, indexLayout, src, srcLayout},
                    () -> delegate.scatter(reduce, includeSelf, dst, dstLayout, dim, index, indexLayout, src,
                            srcLayout));
        }
    }

    @Override
    public long nonzeroCount(Storage src, Layout layout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.nonzeroCount(src, layout)
                : record(profiler, "aten::count_nonzero",
                        new Object[] {src, layout}, false,
                        () -> delegate.nonzeroCount(src, layout));
    }

    @Override
    public void nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.nonzero(src, layout, dst, dstLayout);
        } else {
            record(profiler, "aten::nonzero",
                    new Object[] {src, layout, dst, dstLayout},
                    () -> delegate.nonzero(src, layout, dst, dstLayout));
        }
    }

    @Override
    public void linearIndex(Storage[] indices, Layout[] indexLayouts, long[] sizes, Storage dst, Layout dstLayout,
                            String message) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.linearIndex(indices, indexLayouts, sizes, dst, dstLayout, message);
        } else {
            record(profiler, "aten::index",
                    new Object[] {indices, indexLayouts, dst, dstLayout},
                    () -> delegate.linearIndex(indices, indexLayouts, sizes, dst, dstLayout, message));
        }
    }

    @Override
    public void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.random(kind, dst, layout, seed, offset, a, b);
        } else {
            record(profiler, KernelNames.random(kind),
                    new Object[] {dst, layout},
                    () -> delegate.random(kind, dst, layout, seed, offset, a, b));
        }
    }

    @Override
    public void luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                         Storage info, Layout infoLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.luFactor(a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout);
        } else {
            record(profiler, "aten::linalg_lu_factor_ex",
                    new Object[] {a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout},
                    () -> delegate.luFactor(a, aLayout, lu, luLayout, pivots, pivotsLayout, info, infoLayout));
        }
    }

    @Override
    public void luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                        Storage x, Layout xLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.luSolve(lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout);
        } else {
            record(profiler, "aten::linalg_lu_solve",
                    new Object[] {lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout},
                    () -> delegate.luSolve(lu, luLayout, pivots, pivotsLayout, b, bLayout, x, xLayout));
        }
    }

    @Override
    public void cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.cholesky(a, aLayout, l, lLayout, info, infoLayout);
        } else {
            record(profiler, "aten::linalg_cholesky_ex",
                    new Object[] {a, aLayout, l, lLayout, info, infoLayout},
                    () -> delegate.cholesky(a, aLayout, l, lLayout, info, infoLayout));
        }
    }

    @Override
    public void qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.qr(a, aLayout, q, qLayout, r, rLayout);
        } else {
            record(profiler, "aten::linalg_qr",
                    new Object[] {a, aLayout, q, qLayout, r, rLayout},
                    () -> delegate.qr(a, aLayout, q, qLayout, r, rLayout));
        }
    }

    @Override
    public void triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                                boolean upper, boolean unitriangular) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.triangularSolve(a, aLayout, b, bLayout, x, xLayout, upper, unitriangular);
        } else {
            record(profiler, "aten::linalg_solve_triangular",
                    new Object[] {a, aLayout, b, bLayout, x, xLayout},
                    () -> delegate.triangularSolve(a, aLayout, b, bLayout, x, xLayout, upper, unitriangular));
        }
    }

    @Override
    public void svd(Storage a, Layout aLayout, Storage u, Layout uLayout, Storage s, Layout sLayout, Storage vh,
                    Layout vhLayout, Storage info, Layout infoLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.svd(a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout);
        } else {
            record(profiler, "aten::_linalg_svd",
                    new Object[] {a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout},
                    () -> delegate.svd(a, aLayout, u, uLayout, s, sLayout, vh, vhLayout, info, infoLayout));
        }
    }

    @Override
    public void eigh(Storage a, Layout aLayout, boolean upper, Storage w, Layout wLayout, Storage v, Layout vLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.eigh(a, aLayout, upper, w, wLayout, v, vLayout);
        } else {
            record(profiler, "aten::_linalg_eigh",
                    new Object[] {a, aLayout, w, wLayout, v, vLayout},
                    () -> delegate.eigh(a, aLayout, upper, w, wLayout, v, vLayout));
        }
    }

    @Override
    public void conv2d(Storage input, Layout inputLayout, Storage weight, Layout weightLayout, Storage bias,
                       Storage out, Layout outLayout, Conv2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.conv2d(input, inputLayout, weight, weightLayout, bias, out, outLayout, p);
        } else {
            record(profiler, "aten::convolution",
                    new Object[] {input, inputLayout, weight, weightLayout, bias, out, outLayout},
                    () -> delegate.conv2d(input, inputLayout, weight, weightLayout, bias, out, outLayout, p));
        }
    }

    @Override
    public void conv2dBackwardInput(Storage gradOut, Layout gradOutLayout, Storage weight, Layout weightLayout,
                                    Storage gradInput, Layout gradInputLayout, Conv2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.conv2dBackwardInput(gradOut, gradOutLayout, weight, weightLayout, gradInput, gradInputLayout, p);
        } else {
            record(profiler, "aten::convolution_backward",
                    new Object[] {gradOut, gradOutLayout, weight, weightLayout, gradInput, gradInputLayout},
                    () -> delegate.conv2dBackwardInput(gradOut, gradOutLayout, weight, weightLayout, gradInput,
                            gradInputLayout, p));
        }
    }

    @Override
    public void conv2dBackwardWeight(Storage gradOut, Layout gradOutLayout, Storage input, Layout inputLayout,
                                     Storage gradWeight, Layout gradWeightLayout, Conv2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.conv2dBackwardWeight(gradOut, gradOutLayout, input, inputLayout, gradWeight, gradWeightLayout, p);
        } else {
            record(profiler, "aten::convolution_backward",
                    new Object[] {gradOut, gradOutLayout, input, inputLayout, gradWeight, gradWeightLayout},
                    () -> delegate.conv2dBackwardWeight(gradOut, gradOutLayout, input, inputLayout, gradWeight,
                            gradWeightLayout, p));
        }
    }

    @Override
    public void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout,
                          Pool2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.maxPool2d(input, inputLayout, out, indices, outLayout, p);
        } else {
            record(profiler, "aten::max_pool2d_with_indices",
                    new Object[] {input, inputLayout, out, indices, outLayout},
                    () -> delegate.maxPool2d(input, inputLayout, out, indices, outLayout, p));
        }
    }

    @Override
    public void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput,
                                  Layout inputLayout, Pool2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.maxPool2dBackward(gradOut, indices, outLayout, gradInput, inputLayout, p);
        } else {
            record(profiler, "aten::max_pool2d_with_indices_backward",
                    new Object[] {gradOut, indices, outLayout, gradInput, inputLayout},
                    () -> delegate.maxPool2dBackward(gradOut, indices, outLayout, gradInput, inputLayout, p));
        }
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
        } else {
            record(profiler, "aten::avg_pool2d",
                    new Object[] {input, inputLayout, out, outLayout},
                    () -> delegate.avgPool2d(input, inputLayout, out, outLayout, p));
        }
    }

    @Override
    public void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout,
                                  Pool2dParams p) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.avgPool2dBackward(gradOut, outLayout, gradInput, inputLayout, p);
        } else {
            record(profiler, "aten::avg_pool2d_backward",
                    new Object[] {gradOut, outLayout, gradInput, inputLayout},
                    () -> delegate.avgPool2dBackward(gradOut, outLayout, gradInput, inputLayout, p));
        }
    }

    @Override
    public void adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.adaptiveAvgPool2d(input, inputLayout, out, outLayout);
        } else {
            record(profiler, "aten::_adaptive_avg_pool2d",
                    new Object[] {input, inputLayout, out, outLayout},
                    () -> delegate.adaptiveAvgPool2d(input, inputLayout, out, outLayout));
        }
    }

    @Override
    public void adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                          Layout gradInputLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.adaptiveAvgPool2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout);
        } else {
            record(profiler, "aten::_adaptive_avg_pool2d_backward",
                    new Object[] {gradOut, gradOutLayout, gradInput, gradInputLayout},
                    () -> delegate.adaptiveAvgPool2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout));
        }
    }

    @Override
    public void adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                                  Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.adaptiveMaxPool2d(input, inputLayout, out, outLayout, indices, indicesLayout);
        } else {
            record(profiler, "aten::adaptive_max_pool2d",
                    new Object[] {input, inputLayout, out, outLayout, indices, indicesLayout},
                    () -> delegate.adaptiveMaxPool2d(input, inputLayout, out, outLayout, indices, indicesLayout));
        }
    }

    @Override
    public void upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout,
                                   boolean alignCorners, double scaleH, double scaleW) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.upsampleBilinear2d(input, inputLayout, out, outLayout, alignCorners, scaleH, scaleW);
        } else {
            record(profiler, "aten::upsample_bilinear2d",
                    new Object[] {input, inputLayout, out, outLayout},
                    () -> delegate.upsampleBilinear2d(input, inputLayout, out, outLayout, alignCorners, scaleH,
                            scaleW));
        }
    }

    @Override
    public void upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                           Layout gradInputLayout, boolean alignCorners, double scaleH,
                                           double scaleW) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.upsampleBilinear2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout, alignCorners,
                    scaleH, scaleW);
        } else {
            record(profiler, "aten::upsample_bilinear2d_backward",
                    new Object[] {gradOut, gradOutLayout, gradInput, gradInputLayout},
                    () -> delegate.upsampleBilinear2dBackward(gradOut, gradOutLayout, gradInput, gradInputLayout,
                            alignCorners, scaleH, scaleW));
        }
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
        } else {
            record(profiler, "aten::sort",
                    new Object[] {src, srcLayout, values, valuesLayout, indices, indicesLayout},
                    () -> delegate.sort(src, srcLayout, dim, descending, values, valuesLayout, indices, indicesLayout));
        }
    }

    @Override
    public void topk(Storage src, Layout srcLayout, int dim, int k, boolean largest, boolean sorted, Storage values,
                     Layout valuesLayout, Storage indices, Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.topk(src, srcLayout, dim, k, largest, sorted, values, valuesLayout, indices, indicesLayout);
        } else {
            record(profiler, "aten::topk",
                    new Object[] {src, srcLayout, values, valuesLayout, indices, indicesLayout},
                    () -> delegate.topk(src, srcLayout, dim, k, largest, sorted, values, valuesLayout, indices,
                            indicesLayout));
        }
    }

    @Override
    public void rankSelect(RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values,
                           Layout valuesLayout, Storage indices, Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rankSelect(op, src, srcLayout, dim, k, values, valuesLayout, indices, indicesLayout);
        } else {
            record(profiler, KernelNames.rank(op),
                    new Object[] {src, srcLayout, values, valuesLayout, indices, indicesLayout},
                    () -> delegate.rankSelect(op, src, srcLayout, dim, k, values, valuesLayout, indices,
                            indicesLayout));
        }
    }

    @Override
    public void medianAll(Storage src, Layout srcLayout, boolean ignoreNaN, Storage values, Layout valuesLayout,
                          Storage indices, Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.medianAll(src, srcLayout, ignoreNaN, values, valuesLayout, indices, indicesLayout);
        } else {
            record(profiler, KernelNames.rank(ignoreNaN ? RankOp.NANMEDIAN : RankOp.MEDIAN),
                    new Object[] {src, srcLayout, values, valuesLayout, indices, indicesLayout},
                    () -> delegate.medianAll(src, srcLayout, ignoreNaN, values, valuesLayout, indices, indicesLayout));
        }
    }

    @Override
    public void scan(ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout, Storage indices,
                     Layout indicesLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.scan(op, src, srcLayout, dim, dst, dstLayout, indices, indicesLayout);
        } else {
            record(profiler, KernelNames.scan(op),
                    new Object[] {src, srcLayout, dst, dstLayout, indices, indicesLayout},
                    () -> delegate.scan(op, src, srcLayout, dim, dst, dstLayout, indices, indicesLayout));
        }
    }

    @Override
    public void searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                             Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.searchsorted(sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, right, out,
                    outLayout);
        } else {
            record(profiler, "aten::searchsorted",
                    new Object[] {sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, out, outLayout},
                    () -> delegate.searchsorted(sorted, sortedLayout, sorter, sorterLayout, values, valuesLayout, right,
                            out, outLayout));
        }
    }

    @Override
    public void histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.histc(src, srcLayout, bins, min, max, out, outLayout);
        } else {
            record(profiler, "aten::histc",
                    new Object[] {src, srcLayout, out, outLayout},
                    () -> delegate.histc(src, srcLayout, bins, min, max, out, outLayout));
        }
    }

    @Override
    public void bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                         Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.bincount(src, srcLayout, weights, weightsLayout, out, outLayout);
        } else {
            record(profiler, "aten::bincount",
                    new Object[] {src, srcLayout, weights, weightsLayout, out, outLayout},
                    () -> delegate.bincount(src, srcLayout, weights, weightsLayout, out, outLayout));
        }
    }

    @Override
    public long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.unique(src, srcLayout, sorted, values, inverse, counts)
                : record(profiler, "aten::_unique2",
                        new Object[] {src, srcLayout, values, inverse, counts}, false,
                        () -> delegate.unique(src, srcLayout, sorted, values, inverse, counts));
    }

    @Override
    public long uniqueDim(Storage src, Layout srcLayout, Storage values, Storage inverse, Storage counts) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.uniqueDim(src, srcLayout, values, inverse, counts)
                : record(profiler, "aten::unique_dim",
                        new Object[] {src, srcLayout, values, inverse, counts}, false,
                        () -> delegate.uniqueDim(src, srcLayout, values, inverse, counts));
    }

    @Override
    public void optimizerUpdate(dev.ember.backend.OptimizerKind kind, double[] hyper, Storage param,
                                Layout paramLayout, Storage grad, Layout gradLayout, Storage[] state,
                                Layout[] stateLayouts) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.optimizerUpdate(kind, hyper, param, paramLayout, grad, gradLayout, state, stateLayouts);
        } else {
            record(profiler, KernelNames.optimizer(kind, hyper),
                    new Object[] {param, paramLayout, grad, gradLayout, state, stateLayouts},
                    () -> delegate.optimizerUpdate(kind, hyper, param, paramLayout, grad, gradLayout, state,
                            stateLayouts));
        }
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
        } else {
            record(profiler, "attention",
                    new Object[] {q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, out, outLayout, lse, lseLayout},
                    () -> delegate.attention(q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale,
                            dropoutP, dropoutSeed, dropoutOffset, out, outLayout, lse, lseLayout));
        }
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
        } else {
            record(profiler, "attentionBackward",
                    new Object[] {gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, out,
                        outLayout, lse, lseLayout, gradQ, gradQLayout, gradK, gradKLayout, gradV, gradVLayout},
                    () -> delegate.attentionBackward(gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask,
                            maskLayout, causal, scale, dropoutP, dropoutSeed, dropoutOffset, out, outLayout, lse,
                            lseLayout, gradQ, gradQLayout, gradK, gradKLayout, gradV, gradVLayout));
        }
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
        } else {
            record(profiler, log ? "aten::_log_softmax" : "aten::_softmax",
                    new Object[] {x, xLayout, out},
                    () -> delegate.softmax(x, xLayout, dim, log, out));
        }
    }

    @Override
    public boolean fusesSoftmaxBackward() {
        return delegate.fusesSoftmaxBackward();
    }

    @Override
    public void softmaxBackward(Storage grad, Layout gradLayout, Storage output, Layout outputLayout, int dim,
                                boolean log, Storage out) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.softmaxBackward(grad, gradLayout, output, outputLayout, dim, log, out);
        } else {
            record(profiler, log ? "aten::_log_softmax_backward_data" : "aten::_softmax_backward_data",
                    new Object[] {grad, gradLayout, output, outputLayout, out},
                    () -> delegate.softmaxBackward(grad, gradLayout, output, outputLayout, dim, log, out));
        }
    }

    @Override
    public void layerNorm(Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.layerNorm(x, xLayout, weight, bias, eps, out, outLayout, mean, rstd);
        } else {
            record(profiler, "aten::native_layer_norm",
                    new Object[] {x, xLayout, weight, bias, out, outLayout, mean, rstd},
                    () -> delegate.layerNorm(x, xLayout, weight, bias, eps, out, outLayout, mean, rstd));
        }
    }

    @Override
    public void layerNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                                  Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.layerNormBackward(gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        } else {
            record(profiler, "aten::native_layer_norm_backward",
                    new Object[] {gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput, gradInputLayout,
                        gradWeight, gradBias},
                    () -> delegate.layerNormBackward(gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput,
                            gradInputLayout, gradWeight, gradBias));
        }
    }

    @Override
    public void rmsNorm(Storage x, Layout xLayout, Storage weight, double eps, Storage out, Layout outLayout,
                        Storage rstd) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rmsNorm(x, xLayout, weight, eps, out, outLayout, rstd);
        } else {
            record(profiler, "rmsNorm",
                    new Object[] {x, xLayout, weight, out, outLayout, rstd},
                    () -> delegate.rmsNorm(x, xLayout, weight, eps, out, outLayout, rstd));
        }
    }

    @Override
    public void rmsNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage rstd,
                                Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rmsNormBackward(gradOut, gradOutLayout, x, xLayout, rstd, weight, gradInput, gradInputLayout,
                    gradWeight);
        } else {
            record(profiler, "rmsNormBackward",
                    new Object[] {gradOut, gradOutLayout, x, xLayout, rstd, weight, gradInput, gradInputLayout,
                        gradWeight},
                    () -> delegate.rmsNormBackward(gradOut, gradOutLayout, x, xLayout, rstd, weight, gradInput,
                            gradInputLayout, gradWeight));
        }
    }

    @Override
    public void groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.groupNorm(x, xLayout, groups, weight, bias, eps, out, outLayout, mean, rstd);
        } else {
            record(profiler, "aten::native_group_norm",
                    new Object[] {x, xLayout, weight, bias, out, outLayout, mean, rstd},
                    () -> delegate.groupNorm(x, xLayout, groups, weight, bias, eps, out, outLayout, mean, rstd));
        }
    }

    @Override
    public void groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups,
                                  Storage mean, Storage rstd, Storage weight, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.groupNormBackward(gradOut, gradOutLayout, x, xLayout, groups, mean, rstd, weight, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        } else {
            record(profiler, "aten::native_group_norm_backward",
                    new Object[] {gradOut, gradOutLayout, x, xLayout, mean, rstd, weight, gradInput, gradInputLayout,
                        gradWeight, gradBias},
                    () -> delegate.groupNormBackward(gradOut, gradOutLayout, x, xLayout, groups, mean, rstd, weight,
                            gradInput, gradInputLayout, gradWeight, gradBias));
        }
    }

    @Override
    public void batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps,
                          Storage mean, Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.batchNorm(x, xLayout, weight, bias, training, eps, mean, invstd, unbiasedVar, out, outLayout);
        } else {
            record(profiler, "aten::native_batch_norm",
                    new Object[] {x, xLayout, weight, bias, mean, invstd, unbiasedVar, out, outLayout},
                    () -> delegate.batchNorm(x, xLayout, weight, bias, training, eps, mean, invstd, unbiasedVar, out,
                            outLayout));
        }
    }

    @Override
    public void batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                                  Storage mean, Storage invstd, boolean training, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.batchNormBackward(gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, training, gradInput,
                    gradInputLayout, gradWeight, gradBias);
        } else {
            record(profiler, "aten::native_batch_norm_backward",
                    new Object[] {gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, gradInput, gradInputLayout,
                        gradWeight, gradBias},
                    () -> delegate.batchNormBackward(gradOut, gradOutLayout, x, xLayout, weight, mean, invstd, training,
                            gradInput, gradInputLayout, gradWeight, gradBias));
        }
    }

    @Override
    public void quantizedLinearPacked(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                      int weightMaxAbs, float[] actTimesWScale, float[] multiplier, float[] bias, int outZeroPoint,
                                      boolean relu, float outScale, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.quantizedLinearPacked(x, xLayout, inScale, weight, weightLayout, weightMaxAbs, actTimesWScale, multiplier, bias,
                outZeroPoint, relu, outScale, dst, dstLayout);
        } else {
            record(profiler, relu ? "quantized::linear_relu" : "quantized::linear",
                    new Object[] {x, xLayout, weight, weightLayout, dst, dstLayout},
                    () -> delegate.quantizedLinearPacked(x, xLayout, inScale, weight, weightLayout, weightMaxAbs,
                            actTimesWScale, multiplier, bias, outZeroPoint, relu, outScale, dst, dstLayout));
        }
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
        } else {
            record(profiler, relu ? "quantized::conv2d_relu" : "quantized::conv2d",
                    new Object[] {x, xLayout, weight, weightLayout, dst, dstLayout},
                    () -> delegate.quantizedConv2d(x, xLayout, inScale, weight, weightLayout, weightMaxAbs, kernelH,
                            kernelW, params, actTimesWScale, multiplier, bias, outZeroPoint, relu, outScale, dst,
                            dstLayout));
        }
    }

    @Override
    public void quantizedLinearDynamic(Storage x, Layout xLayout, Storage weight, Layout weightLayout,
                                       int[] weightZeroPoints, float[] weightScales, float[] bias, Storage dst,
                                       Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.quantizedLinearDynamic(x, xLayout, weight, weightLayout, weightZeroPoints, weightScales, bias, dst,
                dstLayout);
        } else {
            record(profiler, "quantized::linear_dynamic",
                    new Object[] {x, xLayout, weight, weightLayout, dst, dstLayout},
                    () -> delegate.quantizedLinearDynamic(x, xLayout, weight, weightLayout, weightZeroPoints,
                            weightScales, bias, dst, dstLayout));
        }
    }

    @Override
    public void fft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout, boolean inverse) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.fft(src, srcLayout, dst, dstLayout, inverse);
        } else {
            record(profiler, "aten::_fft_c2c",
                    new Object[] {src, srcLayout, dst, dstLayout},
                    () -> delegate.fft(src, srcLayout, dst, dstLayout, inverse));
        }
    }

    @Override
    public void rfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.rfft(src, srcLayout, dst, dstLayout);
        } else {
            record(profiler, "aten::_fft_r2c",
                    new Object[] {src, srcLayout, dst, dstLayout},
                    () -> delegate.rfft(src, srcLayout, dst, dstLayout));
        }
    }

    @Override
    public void irfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.irfft(src, srcLayout, dst, dstLayout);
        } else {
            record(profiler, "aten::_fft_c2r",
                    new Object[] {src, srcLayout, dst, dstLayout},
                    () -> delegate.irfft(src, srcLayout, dst, dstLayout));
        }
    }

    @Override
    public PinnedBuffer allocatePinned(long bytes) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.allocatePinned(bytes)
                : record(profiler, "aten::_pin_memory",
                        new Object[] {}, false,
                        () -> delegate.allocatePinned(bytes));
    }

    @Override
    public void writePinned(Storage src, Layout layout, PinnedBuffer dst) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.writePinned(src, layout, dst);
        } else {
            record(profiler, "aten::copy_",
                    new Object[] {src, layout},
                    () -> delegate.writePinned(src, layout, dst));
        }
    }

    @Override
    public Storage fromPinned(PinnedBuffer src, DType dtype, long offset, long numel, boolean nonBlocking,
                              int deviceIndex) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.fromPinned(src, dtype, offset, numel, nonBlocking, deviceIndex)
                : record(profiler, "aten::_to_copy",
                        new Object[] {}, true,
                        () -> delegate.fromPinned(src, dtype, offset, numel, nonBlocking, deviceIndex));
    }

    @Override
    public Storage toHost(Storage src, Layout layout) {
        Profiler profiler = Profiler.current();
        return profiler == null ? delegate.toHost(src, layout)
                : record(profiler, "toHost",
                        new Object[] {src, layout}, true,
                        () -> delegate.toHost(src, layout));
    }

    @Override
    public void fromHost(Storage host, Storage dst, Layout dstLayout) {
        Profiler profiler = Profiler.current();
        if (profiler == null) {
            delegate.fromHost(host, dst, dstLayout);
        } else {
            record(profiler, "fromHost",
                    new Object[] {host, dst, dstLayout},
                    () -> delegate.fromHost(host, dst, dstLayout));
        }
    }
}
