package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import dev.ember.backend.Philox;
import dev.ember.backend.Pool2dParams;
import dev.ember.backend.RandomKind;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;

/** The pure-Java reference backend: correct for any strides, multithreaded where it pays. */
public final class CpuBackend implements Backend {

    /** Creates the backend (found through {@link java.util.ServiceLoader}). */
    public CpuBackend() {
    }

    /**
     * The CPU capability PyTorch 2.x's kernels would dispatch to on this machine, as
     * {@code torch.backends.cpu.get_cpu_capability()}: {@code "AVX512"} (AVX-512 VL, BW, DQ and FMA), {@code "AVX2"}
     * (AVX2 and FMA) or {@code "DEFAULT"}; the system property {@code ember.cpu.capability} or the environment variable
     * {@code ATEN_CPU_CAPABILITY} ({@code avx512}, {@code avx2}, {@code default}) overrides it, read once. Ember
     * follows it where PyTorch's results depend on it: a float16/bfloat16 add or sub with alpha rounds once over whole
     * vector passes of 64 elements on AVX512 and 32 otherwise, twice elsewhere.
     *
     * @return {@code "AVX512"}, {@code "AVX2"} or {@code "DEFAULT"}
     */
    public static String cpuCapability() {
        return dev.ember.backend.CpuCapability.value();
    }

    @Override
    public String deviceType() {
        return "cpu";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public String unavailableReason() {
        return "";
    }

    @Override
    public String describe() {
        return "cpu: " + CpuThreads.threads() + " threads, GEMM " + MicroKernels.activeName();
    }

    @Override
    public int numThreads() {
        return CpuThreads.threads();
    }

    @Override
    public void setNumThreads(int n) {
        CpuThreads.setThreads(n);
    }

    @Override
    public int deviceCount() {
        return 1;
    }

    private static CpuStorage cpu(Storage s) {
        return (CpuStorage) s;
    }

    @Override
    public Storage allocate(DType dtype, long numel, int deviceIndex) {
        return CpuStorage.allocateUninitialized(realType(dtype), checkedLength(numel));
    }

    /** A pooled array cleared where one is kept, else a new Java array, which starts zeroed (no fill pass). */
    @Override
    public Storage allocateZeroed(DType dtype, long numel, int deviceIndex) {
        return CpuStorage.allocateZeroed(realType(dtype), checkedLength(numel));
    }

    /** The engine stores complex tensors in storages of their real type: a complex storage here is the engine's bug. */
    private static DType realType(DType dtype) {
        if (dtype.isComplex()) {
            throw new IllegalArgumentException("the CPU backend stores no " + dtype.torchName() + " elements: a complex "
                    + "tensor is stored as the interleaved parts of its real type (Tensor.viewAsReal)");
        }
        return dtype;
    }

    private static int checkedLength(long numel) {
        if (numel < 0 || numel > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("CPU tensors hold at most " + Layout.MAX_STORAGE_ELEMENTS
                    + " elements, asked for " + numel);
        }
        return (int) numel;
    }

    @Override
    public Storage fromArray(Object array, int deviceIndex) {
        DType t;
        if (array instanceof float[]) {
            t = DType.FLOAT32;
        } else if (array instanceof double[]) {
            t = DType.FLOAT64;
        } else if (array instanceof long[]) {
            t = DType.INT64;
        } else if (array instanceof int[]) {
            t = DType.INT32;
        } else if (array instanceof short[]) {
            t = DType.INT16;
        } else if (array instanceof byte[]) {
            t = DType.INT8;
        } else if (array instanceof boolean[]) {
            t = DType.BOOL;
        } else {
            throw new IllegalArgumentException("unsupported array type " + array.getClass().getSimpleName());
        }
        return new CpuStorage(t, cloneArray(array));
    }

    /**
     * A byte[] becomes a uint8 storage as it is (its bytes read as unsigned), and a short[] of bits a float16 or
     * bfloat16 one, without a conversion pass.
     */
    @Override
    public Storage fromArray(Object array, DType dtype, int deviceIndex) {
        if (dtype == DType.UINT8 && array instanceof byte[]) {
            return new CpuStorage(DType.UINT8, ((byte[]) array).clone());
        }
        if ((dtype == DType.FLOAT16 || dtype == DType.BFLOAT16) && array instanceof short[]) {
            return new CpuStorage(dtype, ((short[]) array).clone()); // the bits of float16 or bfloat16
        }
        return Backend.super.fromArray(array, dtype, deviceIndex);
    }

    /** The array itself as a storage; its close leaves the array to its owner (see {@link CpuStorage#shared}). */
    @Override
    public Storage shareArray(Object array, DType dtype, int deviceIndex) {
        return CpuStorage.shared(dtype, array);
    }

    private static Object cloneArray(Object a) {
        if (a instanceof float[]) {
            return ((float[]) a).clone();
        } else if (a instanceof double[]) {
            return ((double[]) a).clone();
        } else if (a instanceof long[]) {
            return ((long[]) a).clone();
        } else if (a instanceof int[]) {
            return ((int[]) a).clone();
        } else if (a instanceof short[]) {
            return ((short[]) a).clone();
        } else if (a instanceof byte[]) {
            return ((byte[]) a).clone();
        }
        return ((boolean[]) a).clone();
    }

    /**
     * An int64 index is read where it lies, row by row, for a value outside {@code [0, bound)}; only where one is found
     * does {@link Backend#checkIndices}'s walk (over a copy of the index) find the first and throw its message. The
     * copy cost what the gather itself did (a new 1 MiB array for the op sweep's [2048, 64] index, then a walk of it).
     * {@code -Dember.checkIndices.copy=true} (read per call) keeps the copy always, as before session 49. Dense runs
     * are read a vector at a time without a branch per element ({@link ElementwiseKernels.FloatLoops#indicesInRange}),
     * large indices in parallel ranges: the op sweep's [2048, 64] gather index took 54 us of one core with the
     * element-by-element walk on one thread, 15 with the vector pass (session 51, thread CPU time on a loaded host).
     * {@code -Dember.checkIndices.serial=true} (read per call) keeps the walk of sessions 49-50.
     */
    @Override
    public void checkIndices(Storage index, Layout layout, long bound, String message) {
        CpuStorage s = cpu(index);
        if (s.dtype == DType.INT64 && layout.numel() > 0 && !Boolean.getBoolean("ember.checkIndices.copy")) {
            long[] a = (long[]) s.array;
            boolean serial = Boolean.getBoolean("ember.checkIndices.serial");
            ElementwiseKernels.FloatLoops loops = serial ? null : ElementwiseKernels.loops();
            // set by any task that finds a bad value, read after the loop has joined its tasks
            java.util.concurrent.atomic.AtomicBoolean bad = new java.util.concurrent.atomic.AtomicBoolean();
            new StridedLoop(layout).run((off, n, st) -> {
                if (loops != null && st[0] == 1) {
                    if (!loops.indicesInRange(a, off[0], n, bound)) {
                        bad.set(true);
                    }
                    return;
                }
                int o = off[0];
                int t = st[0];
                for (int i = 0; i < n; i++) {
                    long v = a[o + i * t];
                    if (v < 0 || v >= bound) {
                        bad.set(true);
                        return;
                    }
                }
            }, !serial);
            if (!bad.get()) {
                return;
            }
        }
        Backend.super.checkIndices(index, layout, bound, message);
    }

    @Override
    public Object toArray(Storage src, Layout layout) {
        CpuStorage s = cpu(src);
        if (layout.isContiguous() && layout.offset() == 0 && layout.numel() == s.length) {
            return cloneArray(s.array);
        }
        CpuStorage out = CpuStorage.allocate(s.dtype, checkedLength(layout.numel()));
        ElementwiseKernels.copy(s, layout, out, Layout.contiguous(layout.shape()));
        return out.array;
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        ElementwiseKernels.copy(cpu(src), srcLayout, cpu(dst), dstLayout);
    }

    /**
     * Same-type windows whose rows line up (cat along a later dimension) in one pass over the output's rows
     * ({@link RowBlockCopy#copyInto}); otherwise one {@link #copy} per source.
     */
    @Override
    public void copyInto(Storage[] srcs, Layout[] srcLayouts, Storage dst, Layout[] dstLayouts) {
        CpuStorage d = cpu(dst);
        Object[] arrays = new Object[srcs.length];
        boolean sameType = true;
        for (int k = 0; k < srcs.length; k++) {
            CpuStorage s = cpu(srcs[k]);
            arrays[k] = s.array;
            sameType &= s.dtype == d.dtype;
        }
        if (!sameType || !RowBlockCopy.copyInto(arrays, srcLayouts, d.array, dstLayouts)) {
            Backend.super.copyInto(srcs, srcLayouts, dst, dstLayouts);
        }
    }

    @Override
    public void fill(Storage dst, Layout layout, double value) {
        ElementwiseKernels.fill(cpu(dst), layout, value);
    }

    @Override
    public void unary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        ElementwiseKernels.unary(op, cpu(src), srcLayout, cpu(dst), dstLayout);
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        ElementwiseKernels.binary(op, cpu(a), aLayout, cpu(b), bLayout, cpu(dst), dstLayout);
    }

    @Override
    public void gelu(boolean oneDnn, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        ElementwiseKernels.gelu(oneDnn, cpu(src), srcLayout, cpu(dst), dstLayout);
    }

    @Override
    public void geluBackward(boolean oneDnn, Storage grad, Layout gradLayout, Storage self, Layout selfLayout,
                             Storage dst, Layout dstLayout) {
        ElementwiseKernels.geluBackward(oneDnn, cpu(grad), gradLayout, cpu(self), selfLayout, cpu(dst), dstLayout);
    }

    @Override
    public void binaryScalar(BinaryOp op, Storage a, Layout aLayout, Number scalar, boolean scalarFirst, Storage dst,
                             Layout dstLayout) {
        if (!ElementwiseKernels.binaryScalar(op, cpu(a), aLayout, scalar, scalarFirst, cpu(dst), dstLayout)) {
            Backend.super.binaryScalar(op, a, aLayout, scalar, scalarFirst, dst, dstLayout);
        }
    }

    @Override
    public void axpy(double alpha, Storage x, Layout xLayout, Storage y, Layout yLayout) {
        ElementwiseKernels.axpy(alpha, cpu(x), xLayout, cpu(y), yLayout);
    }

    @Override
    public boolean complexAdd(double alpha, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst,
                              Layout dstLayout) {
        ElementwiseKernels.complexAdd(alpha, cpu(a), aLayout, cpu(b), bLayout, cpu(dst), dstLayout);
        return true;
    }

    @Override
    public boolean complexMul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        ElementwiseKernels.complexMul(cpu(a), aLayout, cpu(b), bLayout, cpu(dst), dstLayout);
        return true;
    }

    @Override
    public boolean complexDiv(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        ComplexKernels.div(cpu(a), aLayout, cpu(b), bLayout, cpu(dst), dstLayout);
        return true;
    }

    @Override
    public boolean complexUnary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        if (composedComplex() || op != UnaryOp.SQRT && op != UnaryOp.EXP && op != UnaryOp.LOG) {
            return false;
        }
        ComplexKernels.unary(op, cpu(src), srcLayout, cpu(dst), dstLayout);
        return true;
    }

    @Override
    public boolean complexPow(double exponent, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        if (composedComplex()) {
            return false;
        }
        ComplexKernels.pow(exponent, cpu(src), srcLayout, cpu(dst), dstLayout);
        return true;
    }

    /**
     * {@code -Dember.complex.composedUnary=true}: complex sqrt, exp, log and pow composed from real ops as before the
     * one-pass kernels (for before/after timings; not PyTorch's special values nor its last bits). Read at each call, so
     * that {@code OpSweepAlternate} can alternate it in one JVM.
     */
    private static boolean composedComplex() {
        return Boolean.getBoolean("ember.complex.composedUnary");
    }

    @Override
    public void addcmul(double value, Storage t1, Layout t1Layout, Storage t2, Layout t2Layout, Storage y,
                        Layout yLayout) {
        ElementwiseKernels.addcmul(value, cpu(t1), t1Layout, cpu(t2), t2Layout, cpu(y), yLayout);
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst, Layout dstLayout) {
        ElementwiseKernels.where(cpu(cond), condLayout, cpu(a), aLayout, cpu(b), bLayout, cpu(dst), dstLayout);
    }

    @Override
    public void reduce(ReduceOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        ReduceKernels.reduce(op, cpu(src), srcLayout, cpu(dst), dstLayout);
    }

    @Override
    public void matmul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            Gemm.matmul(w.in(cpu(a)), aLayout, w.in(cpu(b)), bLayout, w.out(cpu(dst), dstLayout), dstLayout);
        }
    }

    @Override
    public void bmm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            Gemm.bmm(w.in(cpu(a)), aLayout, w.in(cpu(b)), bLayout, w.out(cpu(dst), dstLayout), dstLayout);
        }
    }

    @Override
    public boolean hasBaddbmmLoop(DType dtype, int m, int k, int n) {
        return (dtype == DType.FLOAT32 || dtype == DType.FLOAT64 || HalfLoops.isHalf(dtype))
                && Gemm.smallBaddbmm(m, k, n);
    }

    @Override
    public void baddbmm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage self, Layout selfLayout,
            double beta, double alpha, Storage dst, Layout dstLayout) {
        if (!hasBaddbmmLoop(a.dtype(), aLayout.size(1), aLayout.size(2), bLayout.size(2))) {
            throw new UnsupportedOperationException("baddbmm has no loop of its own for these sizes");
        }
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            Gemm.baddbmm(w.in(cpu(a)), aLayout, w.in(cpu(b)), bLayout, w.in(cpu(self)), selfLayout, beta, alpha,
                    w.out(cpu(dst), dstLayout), dstLayout);
        }
    }

    @Override
    public long linearPackedLength(DType dtype, int n, int k, int rows) {
        return dtype == DType.FLOAT32 && rows > 0 ? PanelGemm.packedLength(n, k, rows) : 0;
    }

    @Override
    public void packLinearWeight(Storage w, Layout wLayout, int rows, Storage dst) {
        PanelGemm.pack((float[]) cpu(w).array, wLayout.offset(), wLayout.stride(0), wLayout.stride(1), wLayout.size(0),
                wLayout.size(1), rows, (float[]) cpu(dst).array, 0);
    }

    @Override
    public void linearPacked(Storage x, Layout xLayout, Storage packed, int n, Storage dst, Layout dstLayout) {
        PanelGemm.multiply(xLayout.size(0), n, xLayout.size(1), (float[]) cpu(x).array, xLayout.offset(),
                xLayout.stride(0), xLayout.stride(1), (float[]) cpu(packed).array, 0, (float[]) cpu(dst).array,
                dstLayout.offset(), dstLayout.stride(0));
    }

    /** The Vector API's float32 normal fill, or null without the Vector API. */
    private static final NormalFill NORMAL_FILL = MicroKernels.loadVectorClass(NormalFill.class,
            "dev.ember.cpu.VectorNormalFill");

    @Override
    public boolean siluFloat(Storage grad, Layout gradLayout, Storage x, Layout layout, Storage dst,
                             Layout dstLayout) {
        float[] g = grad == null ? null : (float[]) cpu(grad).array;
        float[] xs = (float[]) cpu(x).array;
        float[] o = (float[]) cpu(dst).array;
        if (layout.isContiguous() && layout.offset() == 0 && dstLayout.isContiguous() && dstLayout.offset() == 0
                && (grad == null || gradLayout.isContiguous() && gradLayout.offset() == 0)) {
            ElementwiseKernels.siluFloat(g, xs, o, 0, layout.numelInt());
            return true;
        }
        if (SleefFloat.exact()) {
            return false; // the old path composes the ops on other layouts
        }
        // PyTorch's kernels run by TensorIterator: each contiguous row in the vector form, strided ones in the scalar
        Layout out = dstLayout;
        if (g == null) {
            new StridedLoop(out, layout).run((off, n, st) ->
                    ElementwiseKernels.siluRun(null, 0, 0, xs, off[1], st[1], o, off[0], st[0], n), true);
        } else {
            new StridedLoop(out, layout, gradLayout).run((off, n, st) ->
                    ElementwiseKernels.siluRun(g, off[2], st[2], xs, off[1], st[1], o, off[0], st[0], n), true);
        }
        return true;
    }

    @Override
    public boolean leakyRelu(Storage grad, Layout gradLayout, Storage x, Layout layout, double slope, Storage dst,
                             Layout dstLayout) {
        return EluKernels.leakyRelu(grad == null ? null : cpu(grad), gradLayout, cpu(x), layout, slope, cpu(dst),
                dstLayout);
    }

    @Override
    public boolean elu(Storage grad, Layout gradLayout, Storage x, Layout layout, double negcoef, double scale,
                       double inputScale, boolean isResult, Storage dst, Layout dstLayout) {
        return EluKernels.elu(grad == null ? null : cpu(grad), gradLayout, cpu(x), layout, negcoef, scale, inputScale,
                isResult, cpu(dst), dstLayout);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Into a pooled array of the same type and length when {@link ArrayPool} keeps one (a gradient that
     * {@code releaseGrad} or {@code zeroGrad()} closed, a scope's closed tensor), else a new array. A new array per call
     * (what {@code clone()} gives, kept by {@code -Dember.cpu.duplicateNewArray=true}, read per call) is memory the
     * process may never have touched: once G1 has grown the heap (by 1.4-2 GB in one step in session 51), each 4 MiB
     * gradient a leaf's first accumulation copied cost about 1,000 page faults, 10x the CPU time of a [16, 128, 512]
     * add's forward and backward, until the grown heap had been walked once.
     */
    @Override
    public boolean activationBackward(UnaryOp op, Storage grad, Layout gradLayout, Storage y, Layout yLayout,
                                      Storage dst, Layout dstLayout) {
        return ActivationBackwardKernels.run(op, cpu(grad), gradLayout, cpu(y), yLayout, cpu(dst), dstLayout);
    }

    @Override
    public Storage duplicate(Storage src) {
        Object a = cpu(src).array;
        if (!Boolean.getBoolean("ember.cpu.duplicateNewArray")) {
            int length = java.lang.reflect.Array.getLength(a);
            Object reused = ArrayPool.INSTANCE.take(src.dtype(), length);
            if (reused != null) {
                System.arraycopy(a, 0, reused, 0, length);
                return new CpuStorage(src.dtype(), reused);
            }
        }
        Object copy;
        if (a instanceof float[]) {
            copy = ((float[]) a).clone();
        } else if (a instanceof double[]) {
            copy = ((double[]) a).clone();
        } else if (a instanceof long[]) {
            copy = ((long[]) a).clone();
        } else if (a instanceof int[]) {
            copy = ((int[]) a).clone();
        } else if (a instanceof short[]) {
            copy = ((short[]) a).clone();
        } else if (a instanceof byte[]) {
            copy = ((byte[]) a).clone();
        } else {
            return null;
        }
        return new CpuStorage(src.dtype(), copy);
    }

    @Override
    public boolean clampFloat(Storage x, Layout layout, float lo, float hi, Storage dst) {
        if (!layout.isContiguous()) {
            return false;
        }
        ElementwiseKernels.clampFloat((float[]) cpu(x).array, layout.offset(), lo, hi, (float[]) cpu(dst).array,
                layout.numelInt());
        return true;
    }

    @Override
    public boolean normalFill16Avx2(float[] d, int at, int blocks, float mean, float std) {
        if (NORMAL_FILL == null) {
            return false;
        }
        if (Boolean.getBoolean(NormalFill.SERIAL_PROPERTY)) {
            NORMAL_FILL.blocks(d, at, blocks, mean, std);
            return true;
        }
        // each run of 16 is transformed on its own, so the runs split across the workers (pairs of runs, whole groups
        // of the lanes) with the serial fill's bits; a run costs about what 64 elements of a plain loop cost
        int pairs = (blocks + 1) / 2;
        CpuThreads.parallelFor(pairs, CpuThreads.chunks(pairs, 2 * 16 * 4), (task, from, to) -> {
            int first = 2 * from;
            NORMAL_FILL.blocks(d, at + 16 * first, Math.min(blocks, 2 * to) - first, mean, std);
        });
        return true;
    }

    private static final Mt19937Lanes MT19937 = MicroKernels.loadVectorClass(Mt19937Lanes.class,
            "dev.ember.cpu.VectorMt19937");

    @Override
    public boolean mt19937Twist(int[] state) {
        if (MT19937 == null) {
            return false;
        }
        MT19937.twist(state);
        return true;
    }

    @Override
    public boolean mt19937Temper(int[] state, int from, int[] dst, int off, int len) {
        if (MT19937 == null) {
            return false;
        }
        MT19937.temper(state, from, dst, off, len);
        return true;
    }

    @Override
    public boolean dropoutScale(Storage x, Layout layout, Storage mask, Layout maskLayout, double scale, Storage dst) {
        if (!layout.isContiguous() || !maskLayout.isContiguous() || !(cpu(mask).array instanceof boolean[])) {
            return false;
        }
        Object xs = cpu(x).array;
        boolean[] m = (boolean[]) cpu(mask).array;
        if (xs instanceof float[] && cpu(dst).array instanceof float[]) {
            ElementwiseKernels.dropoutScale((float[]) xs, layout.offset(), m, maskLayout.offset(), (float) scale,
                    (float[]) cpu(dst).array, layout.numelInt());
            return true;
        }
        if (xs instanceof double[] && cpu(dst).array instanceof double[]) {
            ElementwiseKernels.dropoutScale((double[]) xs, layout.offset(), m, maskLayout.offset(), scale,
                    (double[]) cpu(dst).array, layout.numelInt());
            return true;
        }
        return false;
    }

    @Override
    public boolean fusedRnnCells() {
        return true;
    }

    @Override
    public void lstmCellPointwise(Storage hh, Layout hhLayout, Storage ih, Layout ihLayout, Storage c, Layout cLayout,
                                  Storage hOut, Layout hOutLayout, Storage cOut, Layout cOutLayout, Storage saved,
                                  Layout savedLayout) {
        RnnKernels.lstm(cLayout.size(0), cLayout.size(1), floats(hh), hhLayout.offset(), hhLayout.stride(0),
                floats(ih), ihLayout.offset(), ihLayout.stride(0), floats(c), cLayout.offset(), cLayout.stride(0),
                floats(hOut), hOutLayout.offset(), hOutLayout.stride(0), floats(cOut), cOutLayout.offset(),
                cOutLayout.stride(0), saved == null ? null : floats(saved), saved == null ? 0 : savedLayout.offset(),
                saved == null ? 0 : savedLayout.stride(0));
    }

    @Override
    public void lstmCellBackward(Storage gradOut, Layout gradOutLayout, Storage gradH, Layout gradHLayout, Storage gradC,
                                 Layout gradCLayout, Storage saved, Layout savedLayout, Storage cPrev, Layout cPrevLayout,
                                 Storage gradGates, Layout gradGatesLayout, Storage gradCPrev, Layout gradCPrevLayout) {
        RnnKernels.lstmBackward(cPrevLayout.size(0), cPrevLayout.size(1), gradOut == null ? null : floats(gradOut),
                gradOut == null ? 0 : gradOutLayout.offset(), gradOut == null ? 0 : gradOutLayout.stride(0),
                floats(gradH), gradHLayout.offset(), gradHLayout.stride(0), floats(gradC), gradCLayout.offset(),
                gradCLayout.stride(0), floats(saved), savedLayout.offset(), savedLayout.stride(0), floats(cPrev),
                cPrevLayout.offset(), cPrevLayout.stride(0), floats(gradGates), gradGatesLayout.offset(),
                gradGatesLayout.stride(0), floats(gradCPrev), gradCPrevLayout.offset(), gradCPrevLayout.stride(0));
    }

    private static float[] floats(Storage s) {
        return (float[]) cpu(s).array;
    }

    @Override
    public void gruCellPointwise(Storage ih, Layout ihLayout, Storage hh, Layout hhLayout, Storage h, Layout hLayout,
                                 Storage hOut) {
        RnnKernels.gru(hLayout.size(0), hLayout.size(1), floats(ih), ihLayout.offset(), ihLayout.stride(0), floats(hh),
                hhLayout.offset(), hhLayout.stride(0), floats(h), hLayout.offset(), hLayout.stride(0), floats(hOut), 0);
    }

    @Override
    public void gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                       Layout dstLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            IndexKernels.gather(w.in(cpu(src)), srcLayout, dim, w.in(cpu(index)), indexLayout,
                    w.out(cpu(dst), dstLayout), dstLayout);
        }
    }

    @Override
    public void scatterAdd(double alpha, Storage dst, Layout dstLayout, int dim, Storage index, Layout indexLayout,
                           Storage src, Layout srcLayout) {
        if (!IndexKernels.scatterAdd(alpha, cpu(dst), dstLayout, dim, cpu(index), indexLayout, cpu(src), srcLayout)) {
            Backend.super.scatterAdd(alpha, dst, dstLayout, dim, index, indexLayout, src, srcLayout);
        }
    }

    @Override
    public void scatter(dev.ember.backend.ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim, Storage index,
                        Layout indexLayout, Storage src, Layout srcLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            IndexKernels.scatter(reduce, includeSelf, w.out(cpu(dst), dstLayout), dstLayout, dim, w.in(cpu(index)),
                    indexLayout, w.in(cpu(src)), srcLayout);
        }
    }

    @Override
    public long nonzeroCount(Storage src, Layout layout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            return IndexKernels.nonzeroCount(w.in(cpu(src)), layout);
        }
    }

    @Override
    public void nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            IndexKernels.nonzero(w.in(cpu(src)), layout, w.in(cpu(dst)), dstLayout);
        }
    }

    @Override
    public void linearIndex(Storage[] indices, Layout[] indexLayouts, long[] sizes, Storage dst, Layout dstLayout,
                            String message) {
        CpuStorage[] s = new CpuStorage[indices.length];
        for (int j = 0; j < s.length; j++) {
            s[j] = cpu(indices[j]);
        }
        IndexKernels.linearIndex(s, indexLayouts, sizes, cpu(dst), dstLayout, message);
    }

    @Override
    public void conv2d(Storage input, Layout inputLayout, Storage weight, Layout weightLayout, Storage bias, Storage out,
                       Layout outLayout, Conv2dParams p) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ConvKernels.forward(w.in(cpu(input)), inputLayout, w.in(cpu(weight)), weightLayout, w.in(opt(bias)),
                    w.out(cpu(out), outLayout),
                    outLayout, p);
        }
    }

    @Override
    public void conv2dBackwardInput(Storage gradOut, Layout gradOutLayout, Storage weight, Layout weightLayout,
                                    Storage gradInput, Layout gradInputLayout, Conv2dParams p) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ConvKernels.backwardInput(w.in(cpu(gradOut)), gradOutLayout, w.in(cpu(weight)), weightLayout,
                    w.out(cpu(gradInput), gradInputLayout), gradInputLayout, p);
        }
    }

    @Override
    public void conv2dBackwardWeight(Storage gradOut, Layout gradOutLayout, Storage input, Layout inputLayout,
                                     Storage gradWeight, Layout gradWeightLayout, Conv2dParams p) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ConvKernels.backwardWeight(w.in(cpu(gradOut)), gradOutLayout, w.in(cpu(input)), inputLayout,
                    w.out(cpu(gradWeight), gradWeightLayout), gradWeightLayout, p);
        }
    }

    // ---- softmax (ReductionOps.softmax)

    @Override
    public boolean fusesSoftmax() {
        return SoftmaxKernels.available();
    }

    @Override
    public void softmax(Storage x, Layout xLayout, int dim, boolean log, Storage out) {
        SoftmaxKernels.softmax(cpu(x), xLayout, dim, log, cpu(out));
    }

    /** The kernel, but for {@code -Dember.cpu.exactTranscendentals=true}, which keeps the composition (read each call). */
    @Override
    public boolean fusesSoftmaxBackward() {
        return SoftmaxKernels.available() && !SleefFloat.exact();
    }

    @Override
    public void softmaxBackward(Storage grad, Layout gradLayout, Storage output, Layout outputLayout, int dim,
                                boolean log, Storage out) {
        SoftmaxKernels.softmaxBackward(cpu(grad), gradLayout, cpu(output), outputLayout, dim, log, cpu(out));
    }

    // ---- normalization (NormOps)

    @Override
    public void layerNorm(Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        // float32: PyTorch's float kernel, its bits (-Dember.layerNorm.doubleForward=true: the double passes)
        if (NormKernels.layerNormForwardFloat(cpu(x), xLayout, opt(weight), opt(bias), eps, cpu(out), outLayout,
                opt(mean), cpu(rstd))) {
            return;
        }
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.rowNorm(false, w.in(cpu(x)), xLayout, w.in(opt(weight)), w.in(opt(bias)), eps,
                    w.out(cpu(out), outLayout), outLayout, w.out(cpu(mean), null), w.out(cpu(rstd), null));
        }
    }

    @Override
    public void layerNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                                  Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        // float32: PyTorch's float kernel, its bits (-Dember.layerNorm.doubleBackward=true: the double passes)
        if (NormKernels.layerNormBackwardFloat(cpu(gradOut), gradOutLayout, cpu(x), xLayout, cpu(mean), cpu(rstd),
                opt(weight), opt(gradInput), gradInputLayout, opt(gradWeight), opt(gradBias))) {
            return;
        }
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.rowNormBackward(false, w.in(cpu(gradOut)), gradOutLayout, w.in(cpu(x)), xLayout,
                    w.in(cpu(mean)), w.in(cpu(rstd)), w.in(opt(weight)),
                    w.out(opt(gradInput), gradInputLayout), gradInputLayout, w.out(opt(gradWeight), null),
                    w.out(opt(gradBias), null));
        }
    }

    @Override
    public void rmsNorm(Storage x, Layout xLayout, Storage weight, double eps, Storage out, Layout outLayout,
                        Storage rstd) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.rowNorm(true, w.in(cpu(x)), xLayout, w.in(opt(weight)), null, eps, w.out(cpu(out), outLayout),
                    outLayout, null, w.out(cpu(rstd), null));
        }
    }

    @Override
    public void rmsNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage rstd,
                                Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.rowNormBackward(true, w.in(cpu(gradOut)), gradOutLayout, w.in(cpu(x)), xLayout, null,
                    w.in(cpu(rstd)), w.in(opt(weight)),
                    w.out(opt(gradInput), gradInputLayout), gradInputLayout, w.out(opt(gradWeight), null), null);
        }
    }

    @Override
    public void groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.groupNorm(w.in(cpu(x)), xLayout, groups, w.in(opt(weight)), w.in(opt(bias)), eps,
                    w.out(cpu(out), outLayout), outLayout, w.out(cpu(mean), null), w.out(cpu(rstd), null));
        }
    }

    @Override
    public void groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups,
                                  Storage mean, Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.groupNormBackward(w.in(cpu(gradOut)), gradOutLayout, w.in(cpu(x)), xLayout, groups,
                    w.in(cpu(mean)), w.in(cpu(rstd)),
                    w.in(opt(weight)), w.out(opt(gradInput), gradInputLayout), gradInputLayout,
                    w.out(opt(gradWeight), null), w.out(opt(gradBias), null));
        }
    }

    @Override
    public void batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps,
                          Storage mean, Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.batchNorm(w.in(cpu(x)), xLayout, w.in(opt(weight)), w.in(opt(bias)), training, eps,
                    w.out(cpu(mean), null), w.out(cpu(invstd), null),
                    w.out(opt(unbiasedVar), null), w.out(cpu(out), outLayout), outLayout);
        }
    }

    @Override
    public void batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                                  Storage mean, Storage invstd, boolean training, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            NormKernels.batchNormBackward(w.in(cpu(gradOut)), gradOutLayout, w.in(cpu(x)), xLayout, w.in(opt(weight)),
                    w.in(cpu(mean)), w.in(cpu(invstd)),
                    training, w.out(opt(gradInput), gradInputLayout), gradInputLayout, w.out(opt(gradWeight), null),
                    w.out(opt(gradBias), null));
        }
    }

    /** {@link #cpu} of a storage that may be absent. */
    private static CpuStorage opt(Storage s) {
        return s == null ? null : (CpuStorage) s;
    }

    @Override
    public void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout, Pool2dParams p) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            PoolKernels.maxForward(w.in(cpu(input)), inputLayout, w.out(cpu(out), outLayout), w.in(cpu(indices)),
                    outLayout, p);
        }
    }

    @Override
    public boolean maxPoolWindowCodes() {
        return true;
    }

    @Override
    public void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput, Layout inputLayout,
                                  Pool2dParams p) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            PoolKernels.maxBackward(w.in(cpu(gradOut)), w.in(cpu(indices)), outLayout,
                    w.out(cpu(gradInput), inputLayout), inputLayout, p);
        }
    }

    // ---- fused optimizer updates (dev.ember.optim)

    @Override
    public void optimizerUpdate(dev.ember.backend.OptimizerKind kind, double[] hyper, Storage param, Layout paramLayout,
                                Storage grad, Layout gradLayout, Storage[] state, Layout[] stateLayouts) {
        OptimizerKernels.update(kind, hyper, cpu(param), paramLayout, cpu(grad), gradLayout, state, stateLayouts);
    }

    // ---- attention (AttentionOps)
    // float16/bfloat16 (PyTorch's _scaled_dot_product_flash_attention_for_cpu for the half types): q, k, v, the mask,
    // the output gradient and the saved output are widened once, the float32 kernel runs, out and the gradients are
    // rounded once; the logsumexp is float32 already (AttentionOps allocates it so) and passes through untouched. The
    // dropout mask is drawn for q's own type (a half uniform for the half types), before the widening.

    @Override
    public void attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                          Layout maskLayout, boolean causal, double scale, double dropoutP, long dropoutSeed,
                          long dropoutOffset, Storage out, Layout outLayout, Storage lse, Layout lseLayout) {
        AttentionKernels.Dropout drop = AttentionKernels.Dropout.of(q.dtype(), dropoutP, dropoutSeed, dropoutOffset);
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            AttentionKernels.forward(w.in(cpu(q)), qLayout, w.in(cpu(k)), kLayout, w.in(cpu(v)), vLayout,
                    w.in(opt(mask)), maskLayout, causal, scale, drop,
                    w.out(cpu(out), outLayout), outLayout, w.out(cpu(lse), lseLayout), lseLayout);
        }
    }

    @Override
    public void attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k,
                                  Layout kLayout, Storage v, Layout vLayout, Storage mask, Layout maskLayout,
                                  boolean causal, double scale, double dropoutP, long dropoutSeed, long dropoutOffset,
                                  Storage out, Layout outLayout, Storage lse,
                                  Layout lseLayout, Storage gradQ, Layout gradQLayout, Storage gradK, Layout gradKLayout,
                                  Storage gradV, Layout gradVLayout) {
        AttentionKernels.Dropout drop = AttentionKernels.Dropout.of(q.dtype(), dropoutP, dropoutSeed, dropoutOffset);
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            AttentionKernels.backward(w.in(cpu(gradOut)), gradOutLayout, w.in(cpu(q)), qLayout, w.in(cpu(k)), kLayout,
                    w.in(cpu(v)), vLayout, w.in(opt(mask)),
                    maskLayout, causal, scale, drop, w.in(cpu(out)), outLayout, w.in(cpu(lse)), lseLayout,
                    w.out(cpu(gradQ), gradQLayout), gradQLayout, w.out(cpu(gradK), gradKLayout),
                    gradKLayout, w.out(cpu(gradV), gradVLayout), gradVLayout);
        }
    }

    @Override
    public void avgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Pool2dParams p) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            PoolKernels.avgForward(w.in(cpu(input)), inputLayout, w.out(cpu(out), outLayout), outLayout, p);
        }
    }

    // ---- resampling (NNOps)

    @Override
    public void adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ResampleKernels.adaptiveAvg(w.in(cpu(input)), inputLayout, w.out(cpu(out), outLayout), outLayout);
        }
    }

    @Override
    public void adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput, Layout gradInputLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ResampleKernels.adaptiveAvgBackward(w.in(cpu(gradOut)), gradOutLayout,
                    w.out(cpu(gradInput), gradInputLayout), gradInputLayout);
        }
    }

    @Override
    public void adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                                  Layout indicesLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ResampleKernels.adaptiveMax(w.in(cpu(input)), inputLayout, w.out(cpu(out), outLayout), outLayout,
                    w.in(cpu(indices)), indicesLayout);
        }
    }

    @Override
    public void upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, boolean alignCorners,
                                   double scaleH, double scaleW) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ResampleKernels.bilinear(w.in(cpu(input)), inputLayout, w.out(cpu(out), outLayout), outLayout,
                    alignCorners, scaleH, scaleW);
        }
    }

    @Override
    public void upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                           Layout gradInputLayout, boolean alignCorners, double scaleH, double scaleW) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            ResampleKernels.bilinearBackward(w.in(cpu(gradOut)), gradOutLayout, w.out(cpu(gradInput), gradInputLayout),
                    gradInputLayout, alignCorners, scaleH,
                    scaleW);
        }
    }

    @Override
    public void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout, Pool2dParams p) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            PoolKernels.avgBackward(w.in(cpu(gradOut)), outLayout, w.out(cpu(gradInput), inputLayout), inputLayout, p);
        }
    }

    // ---- decompositions (LinalgOps)

    @Override
    public void luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                         Storage info, Layout infoLayout) {
        HalfLoops.refuse("lu_cpu", a.dtype());
        LinalgKernels.luFactor(cpu(a), aLayout, cpu(lu), luLayout, cpu(pivots), pivotsLayout, cpu(info), infoLayout);
    }

    @Override
    public void luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                        Storage x, Layout xLayout) {
        HalfLoops.refuse("lu_solve_cpu", lu.dtype());
        LinalgKernels.luSolve(cpu(lu), luLayout, cpu(pivots), pivotsLayout, cpu(b), bLayout, cpu(x), xLayout);
    }

    @Override
    public void cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
        HalfLoops.refuse("cholesky_cpu", a.dtype());
        LinalgKernels.cholesky(cpu(a), aLayout, cpu(l), lLayout, cpu(info), infoLayout);
    }

    @Override
    public void qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
        HalfLoops.refuse("geqrf_cpu", a.dtype());
        LinalgKernels.qr(cpu(a), aLayout, q == null ? null : cpu(q), qLayout, cpu(r), rLayout);
    }

    @Override
    public void triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                                boolean upper, boolean unitriangular) {
        HalfLoops.refuse("triangular_solve_cpu", a.dtype());
        LinalgKernels.triangularSolve(cpu(a), aLayout, cpu(b), bLayout, cpu(x), xLayout, upper, unitriangular);
    }

    // ---- singular values and symmetric eigenvalues (LinalgDecompositions)

    @Override
    public void svd(Storage a, Layout aLayout, Storage u, Layout uLayout, Storage s, Layout sLayout, Storage vh,
                    Layout vhLayout, Storage info, Layout infoLayout) {
        LinalgKernels.svd(cpu(a), aLayout, u == null ? null : cpu(u), uLayout, cpu(s), sLayout, vh == null ? null : cpu(vh),
                vhLayout, cpu(info), infoLayout);
    }

    @Override
    public void eigh(Storage a, Layout aLayout, boolean upper, Storage w, Layout wLayout, Storage v, Layout vLayout) {
        LinalgKernels.eigh(cpu(a), aLayout, upper, cpu(w), wLayout, v == null ? null : cpu(v), vLayout);
    }

    @Override
    public void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b) {
        RandomKernels.random(kind, cpu(dst), layout, seed, offset, a, b);
    }

    // ------------------------------------------------------------------ sorting and scans (SortOps)

    @Override
    public void sort(Storage src, Layout srcLayout, int dim, boolean descending, Storage values, Layout valuesLayout,
                     Storage indices, Layout indicesLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.sort(w.in(cpu(src)), srcLayout, dim, descending, w.out(opt(values), valuesLayout), valuesLayout,
                    w.in(cpu(indices)), indicesLayout);
        }
    }

    @Override
    public void topk(Storage src, Layout srcLayout, int dim, int k, boolean largest, boolean sorted, Storage values,
                     Layout valuesLayout, Storage indices, Layout indicesLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.topk(w.in(cpu(src)), srcLayout, dim, k, largest, sorted, w.out(cpu(values), valuesLayout),
                    valuesLayout, w.in(cpu(indices)), indicesLayout);
        }
    }

    @Override
    public void rankSelect(dev.ember.backend.RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values,
                           Layout valuesLayout, Storage indices, Layout indicesLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.rankSelect(op, w.in(cpu(src)), srcLayout, dim, k, w.out(cpu(values), valuesLayout),
                    valuesLayout, w.in(cpu(indices)), indicesLayout);
        }
    }

    @Override
    public void medianAll(Storage src, Layout srcLayout, boolean ignoreNaN, Storage values, Layout valuesLayout,
                          Storage indices, Layout indicesLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.medianAll(w.in(cpu(src)), srcLayout, ignoreNaN, w.out(cpu(values), valuesLayout), valuesLayout,
                    w.in(cpu(indices)), indicesLayout);
        }
    }

    @Override
    public void scan(dev.ember.backend.ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout,
                     Storage indices, Layout indicesLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.scan(op, w.in(cpu(src)), srcLayout, dim, w.out(cpu(dst), dstLayout), dstLayout,
                    w.in(opt(indices)),
                    indicesLayout);
        }
    }

    @Override
    public void searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                             Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.searchsorted(w.in(cpu(sorted)), sortedLayout, w.in(opt(sorter)), sorterLayout,
                    w.in(cpu(values)),
                    valuesLayout, right, w.in(cpu(out)), outLayout);
        }
    }

    @Override
    public void histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.histc(w.in(cpu(src)), srcLayout, src.dtype(), bins, min, max, w.out(cpu(out), outLayout),
                    outLayout);
        }
    }

    @Override
    public void bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                         Layout outLayout) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            SortKernels.bincount(w.in(cpu(src)), srcLayout, w.in(opt(weights)), weightsLayout,
                    w.out(cpu(out), outLayout), outLayout);
        }
    }

    @Override
    public long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            return SortKernels.unique(w.in(cpu(src)), srcLayout, sorted, false, w.out(cpu(values), null),
                    w.in(opt(inverse)), w.in(opt(counts)));
        }
    }

    @Override
    public long uniqueDim(Storage src, Layout srcLayout, Storage values, Storage inverse, Storage counts) {
        try (HalfLoops.Widened w = HalfLoops.widened()) {
            return SortKernels.unique(w.in(cpu(src)), srcLayout, true, true, w.out(cpu(values), null),
                    w.in(opt(inverse)), w.in(opt(counts)));
        }
    }

    // ---- Fourier transforms

    @Override
    public void quantizedLinearPacked(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                      int weightMaxAbs, float[] actTimesWScale, float[] multiplier, float[] bias, int outZeroPoint,
                                      boolean relu, float outScale, Storage dst, Layout dstLayout) {
        QuantizedKernels.linearPacked(cpu(x), xLayout, inScale, cpu(weight), weightLayout, weightMaxAbs, actTimesWScale, multiplier,
            bias, outZeroPoint, relu, outScale, cpu(dst), dstLayout);
    }

    @Override
    public void quantizedConv2d(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                int weightMaxAbs, int kernelH, int kernelW, Conv2dParams params, float[] actTimesWScale,
                                float[] multiplier, float[] bias, int outZeroPoint, boolean relu, float outScale,
                                Storage dst, Layout dstLayout) {
        QuantizedKernels.conv2dPacked(cpu(x), xLayout, inScale, cpu(weight), weightLayout, weightMaxAbs, kernelH, kernelW, params,
            actTimesWScale, multiplier, bias, outZeroPoint, relu, outScale, cpu(dst), dstLayout);
    }

    @Override
    public void quantizedLinearDynamic(Storage x, Layout xLayout, Storage weight, Layout weightLayout,
                                       int[] weightZeroPoints, float[] weightScales, float[] bias, Storage dst,
                                       Layout dstLayout) {
        QuantizedKernels.linearDynamic(cpu(x), xLayout, cpu(weight), weightLayout, weightZeroPoints, weightScales, bias,
            cpu(dst), dstLayout);
    }

    @Override
    public void fft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout, boolean inverse) {
        FftKernels.fft(cpu(src), srcLayout, cpu(dst), dstLayout, inverse);
    }

    @Override
    public void rfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        FftKernels.rfft(cpu(src), srcLayout, cpu(dst), dstLayout);
    }

    @Override
    public void irfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        FftKernels.irfft(cpu(src), srcLayout, cpu(dst), dstLayout);
    }

    // ---- pinned memory (Tensor.pinMemory): the bytes of a contiguous layout straight from the array
    @Override
    public void writePinned(Storage src, Layout layout, dev.ember.backend.PinnedBuffer dst) {
        if (layout.isContiguous()) {
            dst.write(cpu(src).array, layout.offset(), layout.numelInt());
        } else {
            Backend.super.writePinned(src, layout, dst);
        }
    }
}
