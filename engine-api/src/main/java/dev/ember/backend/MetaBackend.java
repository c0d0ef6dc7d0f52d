package dev.ember.backend;

import dev.ember.DType;
import dev.ember.Device;

import java.security.CodeSource;

/**
 * The backend of the meta device ({@code torch.device("meta")}): its storages have a type and a number of elements but
 * no bytes ({@link MetaStorage}), so a tensor of ten billion elements costs a few objects, and its kernels compute
 * nothing. The op layer above the backends computes every result's shape, strides and type, so an op whose output
 * shape does not depend on data works on meta tensors exactly as on the CPU, without touching memory.
 *
 * <p>What needs the elements refuses with PyTorch's words or names the op: reading a storage out ({@link #toArray},
 * {@link #toHost}: "Cannot copy out of meta tensor; no data!" for a copy to another device, else the Ember op that
 * reads the values, which Ember computes on the host), and the data-dependent kernels ({@link #nonzeroCount},
 * {@link #unique}). Random kernels draw nothing, so a model built on the meta device leaves the generators as they
 * were, as PyTorch's meta kernels do.
 *
 * <p>It lives in engine-api (it needs no native code) and {@link Backends} registers it itself.
 */
public final class MetaBackend implements Backend {
    /** PyTorch's words for a copy from the meta device to a device with data. */
    public static final String COPY_OUT = "Cannot copy out of meta tensor; no data!";
    /** PyTorch 2.x's words for a copy from the meta device, with its advice to modules. */
    public static final String COPY_OUT_HINT = COPY_OUT + " Please use torch.nn.Module.to_empty() instead of "
            + "torch.nn.Module.to() when moving module from meta to a different device.";
    /** PyTorch 2.x's words for {@code item()} of a meta tensor (its meta {@code _local_scalar_dense}). */
    public static final String ITEM = "Tensor.item() cannot be called on meta tensors";

    private static final CodeSource ENGINE = Backend.class.getProtectionDomain().getCodeSource();

    /** A new meta backend; {@link Backends} makes the one that tensors use. */
    public MetaBackend() {
    }

    /**
     * A storage of the meta device: a type and a number of elements, no bytes. Its number of elements may exceed what a
     * storage with data holds ({@link Layout#MAX_STORAGE_ELEMENTS}).
     */
    public static final class MetaStorage implements Storage {
        private final DType dtype;
        private final long numel;

        MetaStorage(DType dtype, long numel) {
            if (numel < 0) {
                throw new IllegalArgumentException("negative storage size " + numel);
            }
            this.dtype = dtype;
            this.numel = numel;
        }

        @Override
        public DType dtype() {
            return dtype;
        }

        @Override
        public long numel() {
            return numel;
        }

        @Override
        public Device device() {
            return Device.META;
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "MetaStorage(" + dtype + ", " + numel + ")";
        }
    }

    /**
     * The refusal of an op that needs the elements of a meta tensor: PyTorch's {@code NotImplementedError} (an
     * {@link UnsupportedOperationException}) naming the Ember op that was called (the outermost engine method on the
     * stack) and what it needed.
     *
     * <p>A read-out of the elements ({@code toDoubleArray}, {@code toList}, a copy to another device) gets
     * {@link #COPY_OUT_HINT}; {@code item} and the Java booleans {@code all}, {@code any} and {@code allclose} (Python's
     * {@code bool(...)}, an {@code item()}) get {@link #ITEM}, and {@code equal} 2.x's refusal of {@code aten::equal},
     * PyTorch's words.
     *
     * @param what what the op needed, as {@code "the values"} or a kernel's name
     * @return the exception to throw
     */
    public static RuntimeException noData(String what) {
        String[] ops = callerOps();
        String op = ops[0];
        if (op != null && (op.startsWith("Tensor.item") || op.equals("Tensor.all") || op.equals("Tensor.any")
                || op.equals("Tensor.allclose"))) {
            // a Java boolean of a meta tensor is Python's bool(t.all()), bool(t.any()) or allclose's item(): PyTorch's
            // meta _local_scalar_dense refuses
            return new IllegalStateException(ITEM);
        }
        if ("Tensor.equal".equals(op)) {
            return noMetaKernel("aten::equal"); // 2.x registers no meta equal
        }
        if (op != null && isReadOut(op)) {
            return new UnsupportedOperationException(COPY_OUT_HINT); // PyTorch's copy to another device
        }
        String through = ops[1] != null && !ops[1].equals(op) ? " (through " + ops[1] + ")" : "";
        return new UnsupportedOperationException((op == null ? "This op" : op) + through + " needs " + what
                + " of a tensor on the meta device, which has no data: Ember computes it from the elements, so it is not "
                + "supported on meta tensors");
    }

    /** Whether an op copies the elements out: a tensor's read-outs and device moves, a module's device moves. */
    private static boolean isReadOut(String op) {
        int dot = op.indexOf('.');
        String cls = op.substring(0, dot);
        String m = op.substring(dot + 1);
        if (cls.equals("Module")) {
            return m.equals("to") || m.equals("cpu") || m.equals("cuda");
        }
        return cls.equals("Tensor") && (m.equals("to") || m.equals("toList") || m.startsWith("to") && m.endsWith("Array")
                || m.equals("cpu") || m.equals("cuda") || m.equals("copy_") || m.equals("pinMemory"));
    }

    /**
     * The outermost method of the engine's own classes on the current stack ({@code Module.to},
     * {@code Tensor.nonzero}) and the innermost method of {@code Tensor} (the op that met the meta tensor); either
     * null when there is none.
     */
    static String[] callerOps() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
            String[] found = {null, null};
            frames.forEach(f -> {
                Class<?> c = f.getDeclaringClass();
                String pkg = c.getPackageName();
                if (pkg.equals("dev.ember.backend") || pkg.equals("dev.ember.profiler") || f.getMethodName().startsWith("lambda$")
                        || !pkg.startsWith("dev.ember")) {
                    return;
                }
                CodeSource cs = c.getProtectionDomain().getCodeSource();
                if (cs != null && ENGINE != null && String.valueOf(cs.getLocation()).equals(String.valueOf(ENGINE.getLocation()))) {
                    String cls = c.getName().substring(c.getName().lastIndexOf('.') + 1);
                    int dollar = cls.indexOf('$');
                    String name = (dollar > 0 ? cls.substring(0, dollar) : cls) + "." + f.getMethodName();
                    found[0] = name;
                    if (found[1] == null && c.getName().equals("dev.ember.Tensor") && isPublic(c, f)) {
                        found[1] = name;
                    }
                }
            });
            return found;
        });
    }

    private static boolean isPublic(Class<?> c, StackWalker.StackFrame f) {
        try {
            return java.lang.reflect.Modifier.isPublic(c.getDeclaredMethod(f.getMethodName(),
                    f.getMethodType().parameterArray()).getModifiers());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** PyTorch 2.x's refusal of an operator without a meta kernel (nonzero, masked_select, unique: data-dependent shapes). */
    public static UnsupportedOperationException noMetaKernel(String aten) {
        // the words of PyTorch 2.1 to 2.5 (2.6 registered a meta nonzero that raises its own refusal)
        return new UnsupportedOperationException(aten + ": attempted to run this operator with Meta tensors, but there was "
                + "no fake impl or Meta kernel registered");
    }

    @Override
    public String deviceType() {
        return "meta";
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
        return "meta (shapes and types only, no data)";
    }

    @Override
    public int deviceCount() {
        return 1;
    }

    @Override
    public Storage allocate(DType dtype, long numel, int deviceIndex) {
        return new MetaStorage(dtype, numel);
    }

    @Override
    public Storage allocateZeroed(DType dtype, long numel, int deviceIndex) {
        return new MetaStorage(dtype, numel);
    }

    @Override
    public Storage fromArray(Object array, int deviceIndex) {
        return new MetaStorage(arrayType(array), java.lang.reflect.Array.getLength(array));
    }

    @Override
    public Storage fromArray(Object array, DType dtype, int deviceIndex) {
        return new MetaStorage(dtype, java.lang.reflect.Array.getLength(array));
    }

    @Override
    public Storage fromPinned(PinnedBuffer src, DType dtype, long offset, long numel, boolean nonBlocking,
                              int deviceIndex) {
        return new MetaStorage(dtype, numel);
    }

    private static DType arrayType(Object array) {
        Class<?> c = array.getClass().getComponentType();
        if (c == float.class) {
            return DType.FLOAT32;
        } else if (c == double.class) {
            return DType.FLOAT64;
        } else if (c == long.class) {
            return DType.INT64;
        } else if (c == int.class) {
            return DType.INT32;
        } else if (c == short.class) {
            return DType.INT16;
        } else if (c == byte.class) {
            return DType.INT8;
        } else if (c == boolean.class) {
            return DType.BOOL;
        }
        throw new IllegalArgumentException("not an array of a tensor element type: " + array.getClass().getSimpleName());
    }

    /** Refuses: a meta storage has no elements to read. */
    @Override
    public Object toArray(Storage src, Layout layout) {
        throw noData("the values");
    }

    /** Refuses: a meta storage has no elements to copy to the host. */
    @Override
    public Storage toHost(Storage src, Layout layout) {
        throw noData("the values");
    }

    /** Writes nothing: the meta device keeps no elements. */
    @Override
    public void fromHost(Storage host, Storage dst, Layout dstLayout) {
    }

    /** Refuses: the number of nonzero elements is data. */
    @Override
    public long nonzeroCount(Storage src, Layout layout) {
        throw noMetaKernel("aten::nonzero");
    }

    /** Refuses: the number of distinct elements is data. */
    @Override
    public long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        throw noMetaKernel("aten::_unique2");
    }

    /** Refuses: the number of distinct rows is data. */
    @Override
    public long uniqueDim(Storage src, Layout srcLayout, Storage values, Storage inverse, Storage counts) {
        throw noMetaKernel("aten::unique_dim");
    }

    /** Refuses: there is nothing to write. */
    @Override
    public void writePinned(Storage src, Layout layout, PinnedBuffer dst) {
        throw new UnsupportedOperationException(COPY_OUT_HINT);
    }

    /** Checks nothing: the indices have no values (PyTorch's meta kernels do not check them either). */
    @Override
    public void checkIndices(Storage index, Layout layout, long bound, String message) {
    }

    @Override
    public void binaryScalar(BinaryOp op, Storage a, Layout aLayout, Number scalar, boolean scalarFirst, Storage dst,
                             Layout dstLayout) {
    }

    @Override
    public void axpy(double alpha, Storage x, Layout xLayout, Storage y, Layout yLayout) {
    }

    @Override
    public void addcmul(double value, Storage t1, Layout t1Layout, Storage t2, Layout t2Layout, Storage y,
                        Layout yLayout) {
    }

    // ------------------------------------------------------------------ kernels: compute nothing

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    }

    @Override
    public void fill(Storage dst, Layout layout, double value) {
    }

    @Override
    public void unary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst,
                       Layout dstLayout) {
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst, Layout dstLayout) {
    }

    @Override
    public void reduce(ReduceOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    }

    @Override
    public void matmul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
    }

    @Override
    public void packLinearWeight(Storage w, Layout wLayout, int rows, Storage dst) {
    }

    @Override
    public void linearPacked(Storage x, Layout xLayout, Storage packed, int n, Storage dst, Layout dstLayout) {
    }

    @Override
    public void lstmCellPointwise(Storage hh, Layout hhLayout, Storage ih, Layout ihLayout, Storage c, Layout cLayout,
                                  Storage hOut, Layout hOutLayout, Storage cOut, Layout cOutLayout, Storage saved,
                                  Layout savedLayout) {
    }

    @Override
    public void lstmCellBackward(Storage gradOut, Layout gradOutLayout, Storage gradH, Layout gradHLayout,
                                 Storage gradC, Layout gradCLayout, Storage saved, Layout savedLayout, Storage cPrev,
                                 Layout cPrevLayout, Storage gradGates, Layout gradGatesLayout, Storage gradCPrev,
                                 Layout gradCPrevLayout) {
    }

    @Override
    public void gruCellPointwise(Storage ih, Layout ihLayout, Storage hh, Layout hhLayout, Storage h, Layout hLayout,
                                 Storage hOut) {
    }

    @Override
    public void gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                       Layout dstLayout) {
    }

    @Override
    public void scatterAdd(double alpha, Storage dst, Layout dstLayout, int dim, Storage index, Layout indexLayout,
                           Storage src, Layout srcLayout) {
    }

    @Override
    public void scatter(ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim,
                        Storage index, Layout indexLayout, Storage src, Layout srcLayout) {
    }

    @Override
    public void nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
    }

    @Override
    public void linearIndex(Storage[] indices, Layout[] indexLayouts, long[] sizes, Storage dst, Layout dstLayout,
                            String message) {
    }

    @Override
    public void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b) {
    }

    @Override
    public void luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                         Storage info, Layout infoLayout) {
    }

    @Override
    public void luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                        Storage x, Layout xLayout) {
    }

    @Override
    public void cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
    }

    @Override
    public void qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
    }

    @Override
    public void triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                                boolean upper, boolean unitriangular) {
    }

    @Override
    public void svd(Storage a, Layout aLayout, Storage u, Layout uLayout, Storage s, Layout sLayout, Storage vh,
                    Layout vhLayout, Storage info, Layout infoLayout) {
    }

    @Override
    public void eigh(Storage a, Layout aLayout, boolean upper, Storage w, Layout wLayout, Storage v, Layout vLayout) {
    }

    @Override
    public void conv2d(Storage input, Layout inputLayout, Storage weight, Layout weightLayout, Storage bias,
                       Storage out, Layout outLayout, Conv2dParams p) {
    }

    @Override
    public void conv2dBackwardInput(Storage gradOut, Layout gradOutLayout, Storage weight, Layout weightLayout,
                                    Storage gradInput, Layout gradInputLayout, Conv2dParams p) {
    }

    @Override
    public void conv2dBackwardWeight(Storage gradOut, Layout gradOutLayout, Storage input, Layout inputLayout,
                                     Storage gradWeight, Layout gradWeightLayout, Conv2dParams p) {
    }

    @Override
    public void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout,
                          Pool2dParams p) {
    }

    @Override
    public void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput,
                                  Layout inputLayout, Pool2dParams p) {
    }

    @Override
    public void avgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Pool2dParams p) {
    }

    @Override
    public void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout,
                                  Pool2dParams p) {
    }

    @Override
    public void adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
    }

    @Override
    public void adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                          Layout gradInputLayout) {
    }

    @Override
    public void adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                                  Layout indicesLayout) {
    }

    @Override
    public void upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout,
                                   boolean alignCorners, double scaleH, double scaleW) {
    }

    @Override
    public void upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                           Layout gradInputLayout, boolean alignCorners, double scaleH, double scaleW) {
    }

    @Override
    public void synchronize(int deviceIndex) {
    }

    @Override
    public void sort(Storage src, Layout srcLayout, int dim, boolean descending, Storage values, Layout valuesLayout,
                     Storage indices, Layout indicesLayout) {
    }

    @Override
    public void topk(Storage src, Layout srcLayout, int dim, int k, boolean largest, boolean sorted, Storage values,
                     Layout valuesLayout, Storage indices, Layout indicesLayout) {
    }

    @Override
    public void rankSelect(RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values,
                           Layout valuesLayout, Storage indices, Layout indicesLayout) {
    }

    @Override
    public void scan(ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout, Storage indices,
                     Layout indicesLayout) {
    }

    @Override
    public void searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                             Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
    }

    @Override
    public void histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
    }

    @Override
    public void bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                         Layout outLayout) {
    }

    @Override
    public void optimizerUpdate(dev.ember.backend.OptimizerKind kind, double[] hyper, Storage param,
                                Layout paramLayout, Storage grad, Layout gradLayout, Storage[] state,
                                Layout[] stateLayouts) {
    }

    @Override
    public void attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout,
                          Storage mask, Layout maskLayout, boolean causal, double scale, double dropoutP,
                          long dropoutSeed, long dropoutOffset, Storage out, Layout outLayout, Storage lse,
                          Layout lseLayout) {
    }

    @Override
    public void attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k,
                                  Layout kLayout, Storage v, Layout vLayout, Storage mask, Layout maskLayout,
                                  boolean causal, double scale, double dropoutP, long dropoutSeed, long dropoutOffset,
                                  Storage out, Layout outLayout, Storage lse, Layout lseLayout, Storage gradQ,
                                  Layout gradQLayout, Storage gradK, Layout gradKLayout, Storage gradV,
                                  Layout gradVLayout) {
    }

    @Override
    public void softmax(Storage x, Layout xLayout, int dim, boolean log, Storage out) {
    }

    @Override
    public void layerNorm(Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
    }

    @Override
    public void layerNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                                  Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
    }

    @Override
    public void rmsNorm(Storage x, Layout xLayout, Storage weight, double eps, Storage out, Layout outLayout,
                        Storage rstd) {
    }

    @Override
    public void rmsNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage rstd,
                                Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight) {
    }

    @Override
    public void groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
    }

    @Override
    public void groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups,
                                  Storage mean, Storage rstd, Storage weight, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
    }

    @Override
    public void batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps,
                          Storage mean, Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
    }

    @Override
    public void batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                                  Storage mean, Storage invstd, boolean training, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
    }

    @Override
    public void quantizedLinearDynamic(Storage x, Layout xLayout, Storage weight, Layout weightLayout,
                                       int[] weightZeroPoints, float[] weightScales, float[] bias, Storage dst,
                                       Layout dstLayout) {
    }

    @Override
    public void quantizedLinearPacked(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                      int weightMaxAbs, float[] actTimesWScale, float[] multiplier, float[] bias,
                                      int outZeroPoint, boolean relu, float outScale, Storage dst, Layout dstLayout) {
    }

    @Override
    public void quantizedConv2d(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                int weightMaxAbs, int kernelH, int kernelW, Conv2dParams params,
                                float[] actTimesWScale, float[] multiplier, float[] bias, int outZeroPoint,
                                boolean relu, float outScale, Storage dst, Layout dstLayout) {
    }

    @Override
    public void fft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout, boolean inverse) {
    }

    @Override
    public void rfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    }

    @Override
    public void irfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    }
}
