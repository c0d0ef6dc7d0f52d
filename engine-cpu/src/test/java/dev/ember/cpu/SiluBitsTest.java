package dev.ember.cpu;

import dev.ember.Tensor;
import dev.ember.backend.CpuCapability;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * float32 silu, silu's gradient, sigmoid and sigmoid's gradient with PyTorch's CPU bits, against PyTorch 1.13's
 * results under the capability Ember follows ({@link CpuCapability}: AVX-512's passes of 32 floats on this machine,
 * AVX2's 16 with {@code -Dember.cpu.capability=avx2}; silubits/make_expected.py): contiguous tensors of sizes around
 * the passes and the silu kernel's blocks, stride-2 views (PyTorch's scalar form throughout), rows of a narrowed
 * matrix (a tail a row), a transposed matrix (run in memory order) and a broadcast incoming gradient; the inputs
 * include +-0, NaN, +-inf, the exp range's ends and subnormals. The contiguous cases also go through the scalar forms
 * ({@link SleefFloat#silu}, {@link SleefFloat#siluLibm}, {@link SleefFloat#sigmoid},
 * {@link ElementwiseKernels#sigmoidFloat}, {@link SleefFloat#siluSigmoid}, {@link SleefFloat#siluBackward}) over the
 * vector part and the tail. Tests the Sleef path (the property {@code ember.cpu.exactTranscendentals} is cleared for
 * each test and restored after).
 */
class SiluBitsTest extends SleefPathFixture {
    private static final int P = 4099;

    private static byte[] bytes(String name) throws IOException {
        return resource("silubits/" + name);
    }

    private static int[] ints(String name) throws IOException {
        return resourceInts("silubits/" + name);
    }

    private static float[] floats(String name) throws IOException {
        return bitsToFloats(ints(name));
    }

    /** The view of {@code base} a case names. */
    private static Tensor view(Tensor base, String kind, int[] nums) {
        switch (kind) {
            case "s2": return base.slice(0, 0, 2 * nums[0], 2);
            case "rows": return base.narrow(1, 0, nums[2]);
            case "t": return base.t();
            default: return base;
        }
    }

    private static void assertBits(int[] expected, int at, float[] actual, String what) {
        for (int i = 0; i < actual.length; i++) {
            assertEquals(expected[at + i], Float.floatToRawIntBits(actual[i]), what + " element " + i + ": PyTorch "
                    + Float.intBitsToFloat(expected[at + i]) + ", Ember " + actual[i]);
        }
    }

    /** d(sum(g * f(view)))/d(view), read back through the view of the leaf's gradient. */
    private static float[] gradient(float[] baseValues, int[] shape, String kind, int[] nums, Tensor g,
                                    UnaryOperator<Tensor> f) {
        Tensor leaf = Tensor.fromArray(baseValues).reshape(shape).requiresGrad_(true);
        f.apply(view(leaf, kind, nums)).backward(g);
        return view(leaf.grad(), kind, nums).contiguous().toFloatArray();
    }

    @Test
    void siluSigmoidAndGradientsHavePyTorchsBits() throws IOException {
        float[] pool = floats("pool.bin");
        float[] gpool = floats("gpool.bin");
        String capability = CpuCapability.value().equals("AVX512") ? "avx512" : "avx2";
        int[] expected = ints("out_" + capability + ".bin");
        List<String> lines = new ArrayList<>();
        for (String line : new String(bytes("cases.txt"), StandardCharsets.US_ASCII).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        int at = 0;
        for (int c = 0; c < lines.size(); c++) {
            String[] parts = lines.get(c).trim().split(" ");
            String name = parts[0];
            String kind = parts[1];
            int[] nums = new int[parts.length - 2];
            for (int k = 0; k < nums.length; k++) {
                nums[k] = Integer.parseInt(parts[k + 2]);
            }
            int shift = 37 * c;
            int[] shape = kind.equals("c") || kind.equals("bg") ? new int[] {nums[0]}
                    : kind.equals("s2") ? new int[] {2 * nums[0]} : new int[] {nums[0], nums[1]};
            int numel = shape.length == 1 ? shape[0] : shape[0] * shape[1];
            float[] baseValues = new float[numel];
            for (int i = 0; i < numel; i++) {
                baseValues[i] = pool[(i + shift) % P];
            }
            Tensor x = view(Tensor.fromArray(baseValues).reshape(shape), kind, nums);
            int n = (int) x.numel();
            float[] gv = new float[n];
            for (int i = 0; i < n; i++) {
                gv[i] = kind.equals("bg") ? gpool[shift % P] : gpool[(3 * i + shift) % P];
            }
            // 'bg': a broadcast (stride 0) incoming gradient, which PyTorch's vectorized loop takes as a scalar
            Tensor g = kind.equals("bg") ? Tensor.fromArray(new float[] {gv[0]}).expand(n)
                    : Tensor.fromArray(gv).reshape(x.shape());

            assertBits(expected, at, Functional.silu(x).contiguous().toFloatArray(), name + " silu");
            assertBits(expected, at + n, gradient(baseValues, shape, kind, nums, g, Functional::silu),
                    name + " silu's gradient");
            assertBits(expected, at + 2 * n, x.sigmoid().contiguous().toFloatArray(), name + " sigmoid");
            assertBits(expected, at + 3 * n, gradient(baseValues, shape, kind, nums, g, Tensor::sigmoid),
                    name + " sigmoid's gradient");
            if (kind.equals("c") || kind.equals("bg")) {
                // the scalar forms: the vectorized one over whole passes, the C library's over the tail
                int vector = SleefFloat.vectorPart(n);
                float[] silu = new float[n];
                float[] siluGrad = new float[n];
                float[] sigmoid = new float[n];
                for (int i = 0; i < n; i++) {
                    float v = baseValues[i];
                    silu[i] = i < vector ? SleefFloat.silu(v) : SleefFloat.siluLibm(v);
                    sigmoid[i] = i < vector ? SleefFloat.sigmoid(v) : SleefFloat.sigmoidLibm(v);
                    float s = i < vector ? SleefFloat.siluSigmoid(v) : SleefFloat.sigmoidLibm(v);
                    siluGrad[i] = SleefFloat.siluBackward(gv[i], v, s);
                }
                assertBits(expected, at, silu, name + " silu's scalar forms");
                assertBits(expected, at + n, siluGrad, name + " silu_backward's scalar forms");
                assertBits(expected, at + 2 * n, sigmoid, name + " sigmoid's scalar forms");
            }
            at += 4 * n;
        }
        assertEquals(expected.length, at, "cases.txt covers out_" + capability + ".bin");
    }
}
