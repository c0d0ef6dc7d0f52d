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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ops that make a new tensor from their input lay it out as PyTorch does: out-of-place {@code index_put} with tensor
 * indices keeps the input's strides ({@code clone(preserve_format)} then written; transposed, channels-last, permuted
 * with indices apart, and dense strides for gaps or an expanded input), and nearest upsampling gives
 * {@code input.suggest_memory_format()} (channels-last for a channels-last 4-D/5-D input at every size, the identity
 * size included; row-major otherwise); strides, node, values and gradients as {@code outlayout/make_expected.py}
 * (PyTorch) wrote them.
 */
class OutputLayoutTest {
    private static Tensor seq(int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    private static Tensor base(String kind) {
        switch (kind) {
            case "t": return seq(3, 4).t();
            case "gaps": return seq(4, 6).slice(1, 0, 6, 2);
            case "expanded": return seq(4, 1).expand(4, 3);
            case "cl4": return seq(2, 3, 4, 4).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            case "cl5": return seq(1, 3, 2, 3, 3).permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3);
            case "t4": return seq(1, 2, 3, 4).transpose(2, 3);
            case "t3": return seq(2, 4, 3).transpose(1, 2);
            case "permuted3": return seq(2, 3, 4).permute(2, 0, 1);
            case "rowmajor": return seq(3, 4);
            default: throw new IllegalArgumentException(kind);
        }
    }

    private static Index ix(long... v) {
        return Index.of(Tensor.tensor(v, DType.INT64));
    }

    /** The index_put cases of make_expected.py: base kind, indices, values shape, accumulate. */
    private static Object[] indexPutCase(String name) {
        switch (name) {
            case "t_rows": return new Object[] {"t", new Index[] {ix(0, 2)}, new int[] {3}, false};
            case "t_points": return new Object[] {"t", new Index[] {ix(0, 3), ix(1, 2)}, new int[0], false};
            case "t_accumulate": return new Object[] {"t", new Index[] {ix(0, 0, 3), ix(1, 1, 2)}, new int[] {3}, true};
            case "gaps_rows": return new Object[] {"gaps", new Index[] {ix(1, 3)}, new int[] {2, 3}, false};
            case "expanded_rows": return new Object[] {"expanded", new Index[] {ix(0, 2)}, new int[] {3}, false};
            case "cl4_dim2": return new Object[] {"cl4", new Index[] {Index.all(), Index.all(), ix(0, 2)}, new int[] {4}, false};
            case "permuted3_apart":
                return new Object[] {"permuted3", new Index[] {ix(0, 1), Index.all(), ix(1, 2)}, new int[] {2}, false};
            case "rowmajor_rows": return new Object[] {"rowmajor", new Index[] {ix(0, 2)}, new int[] {4}, false};
            default: throw new IllegalArgumentException(name);
        }
    }

    private static Object[] upsampleCase(String name) {
        switch (name) {
            case "cl4_identity": return new Object[] {"cl4", new int[] {4, 4}, "nearest"};
            case "cl4_double": return new Object[] {"cl4", new int[] {8, 8}, "nearest"};
            case "cl4_exact_identity": return new Object[] {"cl4", new int[] {4, 4}, "nearest-exact"};
            case "cl4_down": return new Object[] {"cl4", new int[] {3, 2}, "nearest"};
            case "cl5_identity": return new Object[] {"cl5", new int[] {2, 3, 3}, "nearest"};
            case "cl5_up": return new Object[] {"cl5", new int[] {4, 5, 6}, "nearest"};
            case "t4_identity": return new Object[] {"t4", new int[] {4, 3}, "nearest"};
            case "t4_up": return new Object[] {"t4", new int[] {5, 6}, "nearest"};
            case "t3_identity": return new Object[] {"t3", new int[] {3}, "nearest"};
            case "t3_up": return new Object[] {"t3", new int[] {7}, "nearest"};
            case "cl4_bilinear_identity": return new Object[] {"cl4", new int[] {4, 4}, "bilinear"};
            case "cl4_bilinear_down": return new Object[] {"cl4", new int[] {3, 5}, "bilinear"};
            case "cl4_bilinear_aa_identity": return new Object[] {"cl4", new int[] {4, 4}, "bilinear-aa"};
            case "cl4_bilinear_aa_down": return new Object[] {"cl4", new int[] {3, 2}, "bilinear-aa"};
            case "cl4_bicubic_up": return new Object[] {"cl4", new int[] {8, 8}, "bicubic"};
            case "cl4_bicubic_aa_identity": return new Object[] {"cl4", new int[] {4, 4}, "bicubic-aa"};
            case "cl4_bicubic_aa_down": return new Object[] {"cl4", new int[] {3, 2}, "bicubic-aa"};
            case "t4_bilinear_up": return new Object[] {"t4", new int[] {5, 6}, "bilinear"};
            case "t4_bilinear_aa_identity": return new Object[] {"t4", new int[] {4, 3}, "bilinear-aa"};
            case "t4_bicubic_aa_down": return new Object[] {"t4", new int[] {3, 2}, "bicubic-aa"};
            case "cl5_trilinear_up": return new Object[] {"cl5", new int[] {4, 5, 6}, "trilinear"};
            case "cl5_trilinear_identity": return new Object[] {"cl5", new int[] {2, 3, 3}, "trilinear"};
            case "t3_linear_up": return new Object[] {"t3", new int[] {7}, "linear"};
            default: throw new IllegalArgumentException(name);
        }
    }

    /** {@code t} laid out channels-last (-3d) for 4-D (5-D), as it is otherwise. */
    private static Tensor channelsLast(Tensor t) {
        if (t.dim() == 4) {
            return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        }
        return t.dim() == 5 ? t.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3) : t;
    }

    private static double[] values(String text) {
        return text.isEmpty() ? new double[0] : Arrays.stream(text.split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                OutputLayoutTest.class.getResourceAsStream("/outlayout/expected.txt"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\\|", -1);
                tests.add(DynamicTest.dynamicTest(f[0], () -> {
                    String[] head = f[0].split(" ");
                    Tensor x;
                    Tensor v = null;
                    Tensor y;
                    Tensor gradStridesOf = null;
                    if (head[0].equals("index_put")) {
                        Object[] c = indexPutCase(head[1]);
                        x = base((String) c[0]).detach().requiresGrad_(true);
                        v = seq((int[]) c[2]).add(5).detach().requiresGrad_(true);
                        y = x.indexPut((Index[]) c[1], v, (Boolean) c[3]);
                    } else {
                        Object[] c = upsampleCase(head[1]);
                        x = base((String) c[0]).detach().requiresGrad_(true);
                        String mode = (String) c[2];
                        boolean aa = mode.endsWith("-aa");
                        y = mode.startsWith("nearest") ? Functional.interpolate(x, (int[]) c[1], mode)
                                : Functional.interpolate(x, (int[]) c[1], null, aa ? mode.substring(0, mode.length() - 3)
                                        : mode, false, null, aa);
                        // the backward's input gradient as computed (autograd.grad: no AccumulateGrad re-layout), for a
                        // gradient laid out channels-last where y is 4-D or 5-D
                        gradStridesOf = Autograd.grad(List.of(y), List.of(x), List.of(channelsLast(seq(y.shape()))),
                                true, false, false).get(0);
                    }
                    y.mul(seq(y.shape())).sum().backward();
                    int[] strides = Arrays.stream(f[1].split(",")).mapToInt(Integer::parseInt).toArray();
                    assertArrayEquals(strides, y.stride(), "strides");
                    assertEquals(f[2], y.gradFn().name());
                    // nearest and index_put copy values exactly; the interpolating modes agree to rounding
                    double tol = f[0].contains("linear") || f[0].contains("bicubic") ? 1e-12 : 0;
                    assertArrayEquals(values(f[3]), y.detach().toDoubleArray(), tol, "values");
                    assertArrayEquals(values(f[4]), x.grad().toDoubleArray(), 1e-12, "input gradient");
                    if (v != null) {
                        assertArrayEquals(values(f[5]), v.grad().toDoubleArray(), 1e-12, "values gradient");
                    }
                    if (gradStridesOf != null) {
                        assertArrayEquals(Arrays.stream(f[6].split(",")).mapToInt(Integer::parseInt).toArray(),
                                gradStridesOf.stride(), "input gradient strides");
                    }
                }));
            }
        }
        return tests;
    }
}
