package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pooling (max with and without indices, average with padding/ceil/divisor, adaptive average and max, to 1x1 too),
 * group norm (4-D and 5-D), pixel shuffle/unshuffle, conv2d (its create_graph input gradient) and conv_transpose2d
 * (2.x's channels-last output, where 1.13 gave a row-major one; its weight gradient in {@link LooseEnds4Test}) on a
 * channels-last input give PyTorch's output strides, indices strides, node, values and input-gradient strides (for a
 * channels-last and a row-major output gradient, and under create_graph) and values, and a row-major input keeps
 * row-major results; as {@code channelslastops/make_expected.py} (PyTorch 1.13; group norm's input gradient and
 * conv_transpose2d's output as 2.x's, see there) wrote them.
 */
class ChannelsLastOpsTest {
    private static Tensor seq(int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k) % 19 - 9) * 0.25 + 0.01 * (k % 5);
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    /** The op of each case, as make_expected.py's CASES; a Tensor[] is values and indices. */
    private static Function<Tensor, Object> op(String name) {
        Tensor w = seq(4).add(1.5);
        Tensor b = seq(4).mul(0.5);
        switch (name) {
            case "max_pool2d": return x -> Functional.maxPool2d(x, 2);
            case "max_pool2d_indices": return x -> pair(Functional.maxPool2dWithIndices(x, new int[] {3}, new int[] {2},
                    new int[] {1}, new int[] {1}, false));
            case "max_pool2d_ceil_dilated": return x -> pair(Functional.maxPool2dWithIndices(x, new int[] {2},
                    new int[] {2}, new int[] {0}, new int[] {2}, true));
            case "avg_pool2d": return x -> Functional.avgPool2d(x, 2);
            case "avg_pool2d_pad_ceil": return x -> Functional.avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1},
                    true, false);
            case "avg_pool2d_divisor": return x -> Functional.avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1},
                    false, true, 2);
            case "adaptive_avg_pool2d": return x -> Functional.adaptiveAvgPool2d(x, new int[] {3, 4});
            case "adaptive_avg_pool2d_1x1": return x -> Functional.adaptiveAvgPool2d(x, 1);
            case "adaptive_max_pool2d": return x -> pair(ResampleFunctions.adaptiveMaxPool2d(x, new int[] {4, 3}));
            case "adaptive_max_pool2d_1x1": return x -> pair(ResampleFunctions.adaptiveMaxPool2d(x, new int[] {1, 1}));
            case "group_norm": return x -> Functional.groupNorm(x, 2, w, b, 1e-5);
            case "group_norm_plain": return x -> Functional.groupNorm(x, 4);
            case "group_norm_5d": return x -> Functional.groupNorm(x, 2, w, b, 1e-5);
            case "pixel_shuffle": return x -> Functional.pixelShuffle(x, 2);
            case "pixel_unshuffle": return x -> Functional.pixelUnshuffle(x, 2);
            case "conv2d": return x -> Functional.conv2d(x, seq(3, 4, 3, 3), null, new int[] {1}, new int[] {1},
                    new int[] {1}, 1);
            case "conv_transpose2d": return x -> Functional.convTranspose2d(x, seq(4, 3, 3, 3), null, new int[] {2},
                    new int[] {1}, new int[] {1}, 1, new int[] {1});
            default: throw new IllegalArgumentException(name);
        }
    }

    private static Tensor[] pair(Tensor.ValuesIndices vi) {
        return new Tensor[] {vi.values(), vi.indices()};
    }

    private static double[] values(String text) {
        return text.isEmpty() ? new double[0] : Arrays.stream(text.split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    private static int[] strides(String text) {
        return Arrays.stream(text.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static Tensor grad(Tensor y, Tensor x, Tensor g, boolean createGraph) {
        return Autograd.grad(List.of(y), List.of(x), List.of(g), true, createGraph, false).get(0);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ChannelsLastOpsTest.class.getResourceAsStream("/channelslastops/expected.txt"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\\|", -1);
                tests.add(DynamicTest.dynamicTest(f[0], () -> {
                    String[] head = f[0].split(" ");
                    boolean five = head[1].endsWith("_5d");
                    Tensor x = five ? seq(2, 4, 3, 4, 3) : seq(2, 4, 6, 6);
                    MemoryFormat format = five ? MemoryFormat.CHANNELS_LAST_3D : MemoryFormat.CHANNELS_LAST;
                    if (head[0].equals("cl")) {
                        x = x.contiguous(format);
                    }
                    x = x.detach().requiresGrad_(true);
                    Object r0 = op(head[1]).apply(x);
                    Tensor y = r0 instanceof Tensor[] ? ((Tensor[]) r0)[0] : (Tensor) r0;
                    Tensor idx = r0 instanceof Tensor[] ? ((Tensor[]) r0)[1] : null;
                    assertArrayEquals(strides(f[1]), y.stride(), "output strides");
                    assertEquals(f[2], y.gradFn().name(), "node");
                    assertArrayEquals(values(f[3]), y.detach().toDoubleArray(), 1e-12, "output values");
                    if (idx != null) {
                        assertArrayEquals(strides(f[4]), idx.stride(), "indices strides");
                        assertArrayEquals(Arrays.stream(f[5].split(" ")).mapToLong(Long::parseLong).toArray(),
                                idx.toLongArray(), "indices");
                    }
                    Tensor g = seq(y.shape()).add(0.5);
                    Tensor gxCl = grad(y, x, g.contiguous(format), false);
                    assertArrayEquals(strides(f[6]), gxCl.stride(), "input gradient strides, channels-last g");
                    assertArrayEquals(strides(f[7]), grad(y, x, g, false).stride(), "input gradient strides, row-major g");
                    if (!f[8].isEmpty()) {
                        assertArrayEquals(strides(f[8]), grad(y, x, g.contiguous(format), true)
                                .stride(), "input gradient strides, create_graph");
                    }
                    assertArrayEquals(values(f[9]), gxCl.toDoubleArray(), 1e-12, "input gradient values");
                }));
            }
        }
        return tests;
    }
}
