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
        return "cpu: " + Runtime.getRuntime().availableProcessors() + " threads, GEMM " + MicroKernels.activeName();
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
        return CpuStorage.allocateUninitialized(dtype, checkedLength(numel));
    }

    /** A new Java array, which starts zeroed: no fill pass. */
    @Override
    public Storage allocateZeroed(DType dtype, long numel, int deviceIndex) {
        return CpuStorage.allocate(dtype, checkedLength(numel));
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
        Gemm.matmul(cpu(a), aLayout, cpu(b), bLayout, cpu(dst), dstLayout);
    }

    @Override
    public void gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                       Layout dstLayout) {
        IndexKernels.gather(cpu(src), srcLayout, dim, cpu(index), indexLayout, cpu(dst), dstLayout);
    }

    @Override
    public void scatter(dev.ember.backend.ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim, Storage index,
                        Layout indexLayout, Storage src, Layout srcLayout) {
        IndexKernels.scatter(reduce, includeSelf, cpu(dst), dstLayout, dim, cpu(index), indexLayout, cpu(src), srcLayout);
    }

    @Override
    public long nonzeroCount(Storage src, Layout layout) {
        return IndexKernels.nonzeroCount(cpu(src), layout);
    }

    @Override
    public void nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
        IndexKernels.nonzero(cpu(src), layout, cpu(dst), dstLayout);
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
        ConvKernels.forward(cpu(input), inputLayout, cpu(weight), weightLayout, bias == null ? null : cpu(bias), cpu(out),
                outLayout, p);
    }

    @Override
    public void conv2dBackwardInput(Storage gradOut, Layout gradOutLayout, Storage weight, Layout weightLayout,
                                    Storage gradInput, Layout gradInputLayout, Conv2dParams p) {
        ConvKernels.backwardInput(cpu(gradOut), gradOutLayout, cpu(weight), weightLayout, cpu(gradInput), gradInputLayout, p);
    }

    @Override
    public void conv2dBackwardWeight(Storage gradOut, Layout gradOutLayout, Storage input, Layout inputLayout,
                                     Storage gradWeight, Layout gradWeightLayout, Conv2dParams p) {
        ConvKernels.backwardWeight(cpu(gradOut), gradOutLayout, cpu(input), inputLayout, cpu(gradWeight), gradWeightLayout, p);
    }

    // ---- normalization (NormOps)

    @Override
    public void layerNorm(Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        NormKernels.rowNorm(false, cpu(x), xLayout, opt(weight), opt(bias), eps, cpu(out), outLayout, cpu(mean), cpu(rstd));
    }

    @Override
    public void layerNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                                  Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        NormKernels.rowNormBackward(false, cpu(gradOut), gradOutLayout, cpu(x), xLayout, cpu(mean), cpu(rstd), opt(weight),
                opt(gradInput), gradInputLayout, opt(gradWeight), opt(gradBias));
    }

    @Override
    public void rmsNorm(Storage x, Layout xLayout, Storage weight, double eps, Storage out, Layout outLayout,
                        Storage rstd) {
        NormKernels.rowNorm(true, cpu(x), xLayout, opt(weight), null, eps, cpu(out), outLayout, null, cpu(rstd));
    }

    @Override
    public void rmsNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage rstd,
                                Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight) {
        NormKernels.rowNormBackward(true, cpu(gradOut), gradOutLayout, cpu(x), xLayout, null, cpu(rstd), opt(weight),
                opt(gradInput), gradInputLayout, opt(gradWeight), null);
    }

    @Override
    public void groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                          Layout outLayout, Storage mean, Storage rstd) {
        NormKernels.groupNorm(cpu(x), xLayout, groups, opt(weight), opt(bias), eps, cpu(out), outLayout, cpu(mean), cpu(rstd));
    }

    @Override
    public void groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups,
                                  Storage mean, Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                  Storage gradWeight, Storage gradBias) {
        NormKernels.groupNormBackward(cpu(gradOut), gradOutLayout, cpu(x), xLayout, groups, cpu(mean), cpu(rstd),
                opt(weight), opt(gradInput), gradInputLayout, opt(gradWeight), opt(gradBias));
    }

    @Override
    public void batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps,
                          Storage mean, Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
        NormKernels.batchNorm(cpu(x), xLayout, opt(weight), opt(bias), training, eps, cpu(mean), cpu(invstd),
                opt(unbiasedVar), cpu(out), outLayout);
    }

    @Override
    public void batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                                  Storage mean, Storage invstd, boolean training, Storage gradInput,
                                  Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        NormKernels.batchNormBackward(cpu(gradOut), gradOutLayout, cpu(x), xLayout, opt(weight), cpu(mean), cpu(invstd),
                training, opt(gradInput), gradInputLayout, opt(gradWeight), opt(gradBias));
    }

    /** {@link #cpu} of a storage that may be absent. */
    private static CpuStorage opt(Storage s) {
        return s == null ? null : (CpuStorage) s;
    }

    @Override
    public void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout, Pool2dParams p) {
        PoolKernels.maxForward(cpu(input), inputLayout, cpu(out), cpu(indices), outLayout, p);
    }

    @Override
    public void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput, Layout inputLayout,
                                  Pool2dParams p) {
        PoolKernels.maxBackward(cpu(gradOut), cpu(indices), outLayout, cpu(gradInput), inputLayout, p);
    }

    // ---- attention (AttentionOps)

    @Override
    public void attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                          Layout maskLayout, boolean causal, double scale, Storage out, Layout outLayout, Storage lse,
                          Layout lseLayout) {
        AttentionKernels.forward(cpu(q), qLayout, cpu(k), kLayout, cpu(v), vLayout, opt(mask), maskLayout, causal, scale,
                cpu(out), outLayout, cpu(lse), lseLayout);
    }

    @Override
    public void attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k,
                                  Layout kLayout, Storage v, Layout vLayout, Storage mask, Layout maskLayout,
                                  boolean causal, double scale, Storage out, Layout outLayout, Storage lse,
                                  Layout lseLayout, Storage gradQ, Layout gradQLayout, Storage gradK, Layout gradKLayout,
                                  Storage gradV, Layout gradVLayout) {
        AttentionKernels.backward(cpu(gradOut), gradOutLayout, cpu(q), qLayout, cpu(k), kLayout, cpu(v), vLayout, opt(mask),
                maskLayout, causal, scale, cpu(out), outLayout, cpu(lse), lseLayout, cpu(gradQ), gradQLayout, cpu(gradK),
                gradKLayout, cpu(gradV), gradVLayout);
    }

    @Override
    public void avgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Pool2dParams p) {
        PoolKernels.avgForward(cpu(input), inputLayout, cpu(out), outLayout, p);
    }

    // ---- resampling (NNOps)

    @Override
    public void adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
        ResampleKernels.adaptiveAvg(cpu(input), inputLayout, cpu(out), outLayout);
    }

    @Override
    public void adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput, Layout gradInputLayout) {
        ResampleKernels.adaptiveAvgBackward(cpu(gradOut), gradOutLayout, cpu(gradInput), gradInputLayout);
    }

    @Override
    public void adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                                  Layout indicesLayout) {
        ResampleKernels.adaptiveMax(cpu(input), inputLayout, cpu(out), outLayout, cpu(indices), indicesLayout);
    }

    @Override
    public void upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, boolean alignCorners,
                                   double scaleH, double scaleW) {
        ResampleKernels.bilinear(cpu(input), inputLayout, cpu(out), outLayout, alignCorners, scaleH, scaleW);
    }

    @Override
    public void upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                           Layout gradInputLayout, boolean alignCorners, double scaleH, double scaleW) {
        ResampleKernels.bilinearBackward(cpu(gradOut), gradOutLayout, cpu(gradInput), gradInputLayout, alignCorners, scaleH,
                scaleW);
    }

    @Override
    public void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout, Pool2dParams p) {
        PoolKernels.avgBackward(cpu(gradOut), outLayout, cpu(gradInput), inputLayout, p);
    }

    // ---- decompositions (LinalgOps)

    @Override
    public void luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                         Storage info, Layout infoLayout) {
        LinalgKernels.luFactor(cpu(a), aLayout, cpu(lu), luLayout, cpu(pivots), pivotsLayout, cpu(info), infoLayout);
    }

    @Override
    public void luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                        Storage x, Layout xLayout) {
        LinalgKernels.luSolve(cpu(lu), luLayout, cpu(pivots), pivotsLayout, cpu(b), bLayout, cpu(x), xLayout);
    }

    @Override
    public void cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
        LinalgKernels.cholesky(cpu(a), aLayout, cpu(l), lLayout, cpu(info), infoLayout);
    }

    @Override
    public void qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
        LinalgKernels.qr(cpu(a), aLayout, q == null ? null : cpu(q), qLayout, cpu(r), rLayout);
    }

    @Override
    public void triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                                boolean upper, boolean unitriangular) {
        LinalgKernels.triangularSolve(cpu(a), aLayout, cpu(b), bLayout, cpu(x), xLayout, upper, unitriangular);
    }

    @Override
    public void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b) {
        RandomKernels.random(kind, cpu(dst), layout, seed, offset, a, b);
    }

    // ------------------------------------------------------------------ sorting and scans (SortOps)

    @Override
    public void sort(Storage src, Layout srcLayout, int dim, boolean descending, Storage values, Layout valuesLayout,
                     Storage indices, Layout indicesLayout) {
        SortKernels.sort(cpu(src), srcLayout, dim, descending, values == null ? null : cpu(values), valuesLayout,
                cpu(indices), indicesLayout);
    }

    @Override
    public void rankSelect(dev.ember.backend.RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values,
                           Layout valuesLayout, Storage indices, Layout indicesLayout) {
        SortKernels.rankSelect(op, cpu(src), srcLayout, dim, k, cpu(values), valuesLayout, cpu(indices), indicesLayout);
    }

    @Override
    public void scan(dev.ember.backend.ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout,
                     Storage indices, Layout indicesLayout) {
        SortKernels.scan(op, cpu(src), srcLayout, dim, cpu(dst), dstLayout, indices == null ? null : cpu(indices),
                indicesLayout);
    }

    @Override
    public void searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                             Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
        SortKernels.searchsorted(cpu(sorted), sortedLayout, sorter == null ? null : cpu(sorter), sorterLayout, cpu(values),
                valuesLayout, right, cpu(out), outLayout);
    }

    @Override
    public void histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
        SortKernels.histc(cpu(src), srcLayout, bins, min, max, cpu(out), outLayout);
    }

    @Override
    public void bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                         Layout outLayout) {
        SortKernels.bincount(cpu(src), srcLayout, weights == null ? null : cpu(weights), weightsLayout, cpu(out), outLayout);
    }

    @Override
    public long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        return SortKernels.unique(cpu(src), srcLayout, sorted, cpu(values), inverse == null ? null : cpu(inverse),
                counts == null ? null : cpu(counts));
    }

}
