package dev.ember.cpu;

import dev.ember.backend.CpuCapability;
import dev.ember.backend.Layout;
import dev.ember.backend.UnaryOp;

/**
 * PyTorch's {@code sigmoid_backward} and {@code tanh_backward} in one pass each (ATen's cpu/BinaryOpsKernel.cpp
 * {@code sigmoid_backward_kernel}, {@code tanh_backward_kernel}), float32 and float64:
 * <ul>
 *   <li>sigmoid: {@code (grad * (1 - y)) * y} in both of cpu_kernel_vec's forms (no product-sum to contract);</li>
 *   <li>tanh: {@code grad * (1 - y * y)} with {@code 1 - y * y} one fused multiply-add where the capability's build
 *       contracts it (AVX2, AVX512: GCC fuses the scalar form and the vector form's intrinsics alike), two roundings
 *       on DEFAULT ({@link CpuCapability#fusesMultiplyAdd}).</li>
 * </ul>
 * Every element takes the same formula in the vector and the scalar form, so the bits do not depend on where a run's
 * vector part ends (activationbackwardbits/make_expected.py probes PyTorch 1.13 under each capability). Contiguous runs
 * go through the Vector API loops where present, the rest element by element. These replace the composition of
 * three elementwise kernels and two temporaries ({@code g.mul(y.rsub(1)).mul(y)}); the op layer keeps it behind
 * {@code -Dember.activationBackward.composed=true}.
 */
final class ActivationBackwardKernels {
    private ActivationBackwardKernels() {
    }

    /** PyTorch's float sigmoid_backward element: {@code (g * (1 - y)) * y}. */
    static float sigmoidBackward(float g, float y) {
        return g * (1f - y) * y;
    }

    /** {@link #sigmoidBackward(float, float)} in float64. */
    static double sigmoidBackward(double g, double y) {
        return g * (1.0 - y) * y;
    }

    /** PyTorch's float tanh_backward element: {@code g * (1 - y * y)}, the difference rounded once where {@code fused}. */
    static float tanhBackward(boolean fused, float g, float y) {
        return g * (fused ? Math.fma(-y, y, 1f) : 1f - y * y);
    }

    /** {@link #tanhBackward(boolean, float, float)} in float64. */
    static double tanhBackward(boolean fused, double g, double y) {
        return g * (fused ? Math.fma(-y, y, 1.0) : 1.0 - y * y);
    }

    /**
     * {@code dst = sigmoid_backward(grad, y)} or {@code tanh_backward(grad, y)} ({@code op} SIGMOID or TANH), the three
     * of one float type (float32 or float64) and shape; false, writing nothing, for another op or type.
     */
    static boolean run(UnaryOp op, CpuStorage grad, Layout gl, CpuStorage y, Layout yl, CpuStorage dst, Layout dl) {
        if (op != UnaryOp.SIGMOID && op != UnaryOp.TANH || grad.dtype != y.dtype || dst.dtype != y.dtype) {
            return false;
        }
        boolean tanh = op == UnaryOp.TANH;
        boolean fused = CpuCapability.fusesMultiplyAdd(CpuCapability.value());
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        StridedLoop loop = new StridedLoop(dl, gl, yl);
        switch (y.dtype) {
            case FLOAT32: {
                float[] g = (float[]) grad.array;
                float[] v = (float[]) y.array;
                float[] o = (float[]) dst.array;
                loop.run((off, n, st) -> {
                    if (loops != null && st[0] == 1 && st[1] == 1 && st[2] == 1) {
                        loops.activationBackward(tanh, fused, g, off[1], v, off[2], o, off[0], n);
                    } else if (tanh) {
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = tanhBackward(fused, g[off[1] + i * st[1]], v[off[2] + i * st[2]]);
                        }
                    } else {
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = sigmoidBackward(g[off[1] + i * st[1]], v[off[2] + i * st[2]]);
                        }
                    }
                }, true);
                return true;
            }
            case FLOAT64: {
                double[] g = (double[]) grad.array;
                double[] v = (double[]) y.array;
                double[] o = (double[]) dst.array;
                loop.run((off, n, st) -> {
                    if (loops != null && st[0] == 1 && st[1] == 1 && st[2] == 1) {
                        loops.activationBackward(tanh, fused, g, off[1], v, off[2], o, off[0], n);
                    } else if (tanh) {
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = tanhBackward(fused, g[off[1] + i * st[1]], v[off[2] + i * st[2]]);
                        }
                    } else {
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = sigmoidBackward(g[off[1] + i * st[1]], v[off[2] + i * st[2]]);
                        }
                    }
                }, true);
                return true;
            }
            default:
                return false;
        }
    }
}
