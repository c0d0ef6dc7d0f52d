package dev.ember;

import dev.ember.backend.CpuCapability;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerEvent;
import dev.ember.profiler.ProfilerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch's {@code sigmoid_backward(grad, y)} and {@code tanh_backward(grad, y)} bit for bit, float32 and float64,
 * against PyTorch 1.13's results under the capability Ember follows ({@link CpuCapability}: AVX512 on this machine,
 * AVX2 with {@code -Dember.cpu.capability=avx2}, DEFAULT, whose tanh_backward rounds {@code 1 - y * y} twice, with
 * {@code -Dember.cpu.capability=default}; activationbackwardbits/make_expected.py): contiguous lengths 1 to 70, 127 to
 * 129 and 4097, a [3, 17, 129] tensor, a stride-2 gradient, a stride-2 output, narrowed rows, a transposed 3-d tensor
 * and a broadcast gradient; y includes +-0, +-1, NaN, +-inf, subnormals, 1 - ulp and the largest floats. Checks the
 * one-pass kernel (Backend.activationBackward) and the composed ops kept behind
 * {@code -Dember.activationBackward.composed=true}; NaN results compare as NaN (which NaN a product of two NaNs
 * returns is the compiler's operand order).
 */
class ActivationBackwardBitsTest {
    private static final int P = 4099;
    private static final String COMPOSED = "ember.activationBackward.composed";

    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(COMPOSED);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(COMPOSED);
        } else {
            System.setProperty(COMPOSED, saved);
        }
    }

    private static byte[] bytes(String name) throws IOException {
        try (InputStream in = ActivationBackwardBitsTest.class.getResourceAsStream("/activationbackwardbits/" + name)) {
            assertNotNull(in, "missing activationbackwardbits/" + name);
            return in.readAllBytes();
        }
    }

    private static ByteBuffer buffer(String name) throws IOException {
        return ByteBuffer.wrap(bytes(name)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int[] shapeOf(String kind, int[] nums) {
        switch (kind) {
            case "c":
            case "bg":
                return new int[] {nums[0]};
            case "gs2":
            case "ys2":
                return new int[] {2 * nums[0]};
            case "s3":
            case "t":
                return nums.clone();
            default:
                return new int[] {nums[0], nums[1]};
        }
    }

    /** grad and y of a case, as the generator's {@code operands}. */
    private static Tensor[] operands(String kind, int[] nums, int shift, Object ypool, Object gpool, DType t) {
        int[] shape = shapeOf(kind, nums);
        int numel = 1;
        for (int s : shape) {
            numel *= s;
        }
        Tensor yb = pick(ypool, numel, 1, shift, t).reshape(shape);
        Tensor gb = pick(gpool, numel, 3, shift, t).reshape(shape);
        switch (kind) {
            case "gs2":
                return new Tensor[] {gb.slice(0, 0, 2 * nums[0], 2), pick(ypool, nums[0], 1, shift, t)};
            case "ys2":
                return new Tensor[] {pick(gpool, nums[0], 3, shift, t), yb.slice(0, 0, 2 * nums[0], 2)};
            case "rows":
                return new Tensor[] {gb.narrow(1, 0, nums[2]), yb.narrow(1, 0, nums[2])};
            case "t":
                return new Tensor[] {gb.transpose(0, 2), yb.transpose(0, 2)};
            case "bg":
                return new Tensor[] {pick(gpool, 1, 0, shift, t).expand(numel), yb};
            default:
                return new Tensor[] {gb, yb};
        }
    }

    /** {@code pool[(step * i + shift) mod P]} for i below n, as a contiguous tensor of type t. */
    private static Tensor pick(Object pool, int n, int step, int shift, DType t) {
        if (t == DType.FLOAT32) {
            float[] p = (float[]) pool;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = p[(int) (((long) step * i + shift) % P)];
            }
            return Tensor.fromArray(v);
        }
        double[] p = (double[]) pool;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = p[(int) (((long) step * i + shift) % P)];
        }
        return Tensor.fromArray(v);
    }

    private static float[] floats(String name) throws IOException {
        ByteBuffer b = buffer(name);
        float[] a = new float[b.remaining() / 4];
        b.asFloatBuffer().get(a);
        return a;
    }

    private static double[] doubles(String name) throws IOException {
        ByteBuffer b = buffer(name);
        double[] a = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(a);
        return a;
    }

    private static int check(ByteBuffer expected, int at, Tensor actual, String what) {
        if (actual.dtype() == DType.FLOAT32) {
            float[] a = actual.contiguous().toFloatArray();
            for (int i = 0; i < a.length; i++) {
                float e = expected.getFloat(at + 4 * i);
                if (!(Float.isNaN(e) && Float.isNaN(a[i]))) {
                    assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(a[i]),
                            what + " element " + i + ": PyTorch " + e + ", Ember " + a[i]);
                }
            }
            return at + 4 * a.length;
        }
        double[] a = actual.contiguous().toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            double e = expected.getDouble(at + 8 * i);
            if (!(Double.isNaN(e) && Double.isNaN(a[i]))) {
                assertEquals(Double.doubleToRawLongBits(e), Double.doubleToRawLongBits(a[i]),
                        what + " element " + i + ": PyTorch " + e + ", Ember " + a[i]);
            }
        }
        return at + 8 * a.length;
    }

    private void run(boolean composed) throws IOException {
        System.setProperty(COMPOSED, Boolean.toString(composed));
        float[] y32 = floats("ypool32.bin");
        float[] g32 = floats("gpool32.bin");
        double[] y64 = doubles("ypool64.bin");
        double[] g64 = doubles("gpool64.bin");
        String capability = CpuCapability.value().toLowerCase(java.util.Locale.ROOT);
        ByteBuffer expected = buffer("out_" + capability + ".bin");
        List<String> lines = new ArrayList<>();
        for (String line : new String(bytes("cases.txt"), StandardCharsets.US_ASCII).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        int at = 0;
        for (int c = 0; c < lines.size(); c++) {
            String[] parts = lines.get(c).trim().split(" ");
            String name = parts[0] + (composed ? " (composed)" : "");
            int[] nums = new int[parts.length - 2];
            for (int k = 0; k < nums.length; k++) {
                nums[k] = Integer.parseInt(parts[k + 2]);
            }
            for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                Tensor[] gy = t == DType.FLOAT32 ? operands(parts[1], nums, 37 * c, y32, g32, t)
                        : operands(parts[1], nums, 37 * c, y64, g64, t);
                at = check(expected, at, ArithmeticOps.sigmoidBackward(gy[0], gy[1]), name + " " + t + " sigmoid_backward");
                at = check(expected, at, ArithmeticOps.tanhBackward(gy[0], gy[1]), name + " " + t + " tanh_backward");
            }
        }
        assertEquals(expected.capacity(), at, "cases.txt covers out_" + capability + ".bin");
    }

    @Test
    void oneKernelHasPyTorchsBits() throws IOException {
        run(false);
    }

    @Test
    void composedOpsHavePyTorchsBits() throws IOException {
        run(true);
    }

    /** The one-pass kernel is one profiler range under PyTorch's operator name. */
    @Test
    void theProfilerNamesTheKernelAsPyTorch() {
        System.clearProperty(COMPOSED);
        Tensor x = Tensor.randn(4, 5).requiresGrad_(true);
        Profiler prof;
        try (Profiler p = Ember.profile(ProfilerOptions.defaults())) {
            prof = p;
            x.sigmoid().sum().backward();
            x.tanh().sum().backward();
        }
        List<String> names = prof.events().stream().map(ProfilerEvent::name).collect(Collectors.toList());
        assertTrue(names.contains("aten::sigmoid_backward"), names.toString());
        assertTrue(names.contains("aten::tanh_backward"), names.toString());
    }

    /**
     * A 0-d pair and empty tensors take the kernel too: the composed ops' shapes, types and values (the composed ops'
     * bits are PyTorch's: {@link #composedOpsHavePyTorchsBits}).
     */
    @Test
    void zeroDimAndEmptyTensors() {
        Tensor[][] pairs = {
            {Tensor.scalar(0.75).to(DType.FLOAT32), Tensor.scalar(-0.5).to(DType.FLOAT32)},
            {Tensor.scalar(0.75), Tensor.scalar(-0.5)},
            {Tensor.zeros(0), Tensor.zeros(0)},
            {Tensor.zeros(3, 0).to(DType.FLOAT64), Tensor.zeros(3, 0).to(DType.FLOAT64)}};
        for (Tensor[] p : pairs) {
            System.setProperty(COMPOSED, "true");
            Tensor sigmoidComposed = ArithmeticOps.sigmoidBackward(p[0], p[1]);
            Tensor tanhComposed = ArithmeticOps.tanhBackward(p[0], p[1]);
            System.setProperty(COMPOSED, "false");
            Tensor sigmoid = ArithmeticOps.sigmoidBackward(p[0], p[1]);
            Tensor tanh = ArithmeticOps.tanhBackward(p[0], p[1]);
            assertEquals(java.util.Arrays.toString(sigmoidComposed.shape()), java.util.Arrays.toString(sigmoid.shape()));
            assertEquals(java.util.Arrays.toString(tanhComposed.shape()), java.util.Arrays.toString(tanh.shape()));
            assertEquals(sigmoidComposed.dtype(), sigmoid.dtype());
            assertEquals(java.util.Arrays.toString(sigmoidComposed.toDoubleArray()), java.util.Arrays.toString(sigmoid.toDoubleArray()));
            assertEquals(java.util.Arrays.toString(tanhComposed.toDoubleArray()), java.util.Arrays.toString(tanh.toDoubleArray()));
        }
    }
}
