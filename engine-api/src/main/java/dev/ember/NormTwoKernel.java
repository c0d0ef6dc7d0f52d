package dev.ember;

import dev.ember.backend.CpuCapability;

/**
 * The 2-norm of float32 (and bfloat16) tensors bit for bit as PyTorch's CPU kernel computes it where it takes its fast
 * path ({@code norm_kernel_tensor_iterator_impl} in ReduceOpsKernel.cpp: p = 2, the reduction over the last dimension
 * after TensorIterator coalesced the dims, contiguous, the output of the input's type): {@code
 * binary_kernel_reduce_lastdim} runs, for each output element, over its row of {@code n} elements:
 * <ol>
 * <li>whole passes of {@code Vectorized<scalar_t>::size()} elements, {@code acc_vec += data * data} in {@code L} float
 * lanes ({@code L} = 8 on AVX2 and DEFAULT builds, 16 on AVX512; a bfloat16 pass is {@code 2L} elements, converted to
 * two float vectors, each added in turn); GCC contracts the product and sum into one FMA where the build has FMA
 * (every capability but DEFAULT);</li>
 * <li>the lanes stored and summed in order, {@code buffer[0] = buffer[0] + buffer[j]};</li>
 * <li>the tail, {@code buffer[0] += x * x} in order. GCC vectorizes that loop as an in-order (fold-left) reduction:
 * where the tail has at least {@code L / 2} elements, the first {@code L / 2} squares are computed in one vector (each
 * rounded, not fused) and added one by one; the rest are the scalar, fused (on FMA builds) {@code x * x + acc};</li>
 * <li>{@code sqrt} in float, rounded once to the result's type.</li>
 * </ol>
 * Probed against PyTorch 1.13 under {@code ATEN_CPU_CAPABILITY} avx2, avx512 and default (random rows of 1 to 1023
 * elements, all bits equal; the code is the same in 2.x). bfloat16 rows agree with PyTorch's too, but the rounding
 * of the result to 8 bits hides float's last bits, so the probes could not tell its tail's epilogue (taken as float's)
 * from other orders. float64 is left to the generic path: 1.13 has no vector path
 * for it (a serial fused sum), and 2.x's, compiled by another GCC, could not be probed here.
 */
final class NormTwoKernel {
    private NormTwoKernel() {
    }

    /**
     * PyTorch's fast-path 2-norm of {@code a} over the dims of {@code mask} (keepdim as given), or null where PyTorch
     * would not take that path (not a CPU float32/bfloat16 tensor, empty, the reduced dims, size-1 dims aside, not the
     * trailing ones, or not contiguous, except a full reduction of a permuted dense tensor, which PyTorch reduces in
     * memory order) and the caller computes it the generic way.
     */
    static Tensor lastDim(Tensor a, boolean[] mask, boolean keepdim) {
        if (!a.device.isCpu() || (a.dtype != DType.FLOAT32 && a.dtype != DType.BFLOAT16) || a.numel() == 0) {
            return null;
        }
        int[] shape = a.shape;
        Tensor src = a;
        if (!a.isContiguous()) {
            // a full reduction of a dense permuted tensor: PyTorch's iterator sorts the dims by stride and coalesces
            // them, so the fast path runs over the elements in memory order
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] != 1 && !mask[i]) {
                    return null;
                }
            }
            int[] strides = a.stride();
            int[] order = java.util.stream.IntStream.range(0, shape.length).boxed()
                    .sorted((i, j) -> strides[i] != strides[j] ? Integer.compare(strides[j], strides[i])
                            : Integer.compare(i, j))
                    .mapToInt(Integer::intValue).toArray();
            src = a.permute(order);
            if (!src.isContiguous()) {
                return null;
            }
        }
        boolean reducedSeen = false;
        long inner = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) {
                continue;
            }
            if (mask[i]) {
                reducedSeen = true;
                inner *= shape[i];
            } else if (reducedSeen) {
                return null; // a kept dim after a reduced one: PyTorch's other path (NormTwoOps)
            }
        }
        long numel = a.numel();
        if (inner > Integer.MAX_VALUE || numel > Integer.MAX_VALUE) {
            return null;
        }
        int n = (int) inner;
        int rows = (int) (numel / inner);
        float[] x = src.toFloatArray();
        String cap = CpuCapability.value();
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = rowNorm(x, r * n, n, a.dtype == DType.BFLOAT16, cap);
        }
        int[] outShape = keepdim ? ReductionOps.keptShape(shape, mask) : ReductionOps.squeezedShape(shape, mask);
        Tensor r = Creation.fromFlat(out, outShape, DType.FLOAT32, Device.CPU);
        return a.dtype == DType.FLOAT32 ? r : ViewOps.toType(r, a.dtype);
    }

    /**
     * The float 2-norm of {@code x[off, off + n)} as PyTorch's fast path on {@code capability} ("AVX512", "AVX2" or
     * "DEFAULT") computes it, before the rounding to the result's type; {@code bf16}: the values are bfloat16 ones and a
     * vector pass holds twice as many.
     */
    static float rowNorm(float[] x, int off, int n, boolean bf16, String capability) {
        boolean fma = CpuCapability.fusesMultiplyAdd(capability);
        int lanes = CpuCapability.vectorBytes(capability) / Float.BYTES;
        int pass = bf16 ? 2 * lanes : lanes;
        float[] acc = new float[lanes];
        int d = 0;
        int whole = n - n % pass;
        for (; d < whole; d += pass) {
            for (int h = 0; h < pass; h += lanes) {
                for (int j = 0; j < lanes; j++) {
                    float v = x[off + d + h + j];
                    acc[j] = CpuCapability.mulAdd(fma, v, v, acc[j]);
                }
            }
        }
        float b = acc[0];
        for (int j = 1; j < lanes; j++) {
            b = b + acc[j];
        }
        int half = lanes / 2;
        if (fma && n - d >= half) {
            // the tail's vectorized epilogue: squares rounded in a vector, added in order
            for (int j = 0; j < half; j++) {
                float v = x[off + d + j];
                b = b + v * v;
            }
            d += half;
        }
        for (; d < n; d++) {
            float v = x[off + d];
            b = CpuCapability.mulAdd(fma, v, v, b);
        }
        return (float) Math.sqrt(b);
    }
}
