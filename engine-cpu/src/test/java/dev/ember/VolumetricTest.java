package dev.ember;

import dev.ember.nn.AdaptiveAvgPool3d;
import dev.ember.nn.AdaptiveMaxPool3d;
import dev.ember.nn.AvgPool3d;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.ConvTranspose3d;
import dev.ember.nn.Functional;
import dev.ember.nn.InstanceNorm1d;
import dev.ember.nn.InstanceNorm3d;
import dev.ember.nn.MaxPool3d;
import dev.ember.nn.Module;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Volumetric (3-D) convolution, pooling and normalization against PyTorch ({@code volumetric/make_expected.py}, read
 * through {@link ReferenceCases}: values, nodes, input, weight and bias gradients, errors, for float64 and float32,
 * batched 5-D and unbatched 4-D input, stride, padding, dilation, ceil_mode, groups and divisor corners), gradchecks and
 * gradgradchecks on small float64 inputs, non-contiguous inputs, and the modules' defaults, state dicts and printouts.
 */
class VolumetricTest {
    /** The case name's {@code key=value} arguments. */
    private static Map<String, String> args(String name) {
        Map<String, String> kv = new HashMap<>();
        for (String w : name.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                kv.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return kv;
    }

    /** {@code 1,2,3} as ints; {@code none} as null (the default stride). */
    private static int[] ints(String v) {
        if (v.equals("none")) {
            return null;
        }
        String[] p = v.split(",");
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Integer.parseInt(p[i]);
        }
        return out;
    }

    private static Function<Tensor[], Tensor> op(String name) {
        String op = name.substring(0, name.indexOf(' '));
        Map<String, String> kv = args(name);
        switch (op) {
            case "conv3d": {
                int[] s = ints(kv.get("s"));
                int[] d = ints(kv.get("d"));
                int g = Integer.parseInt(kv.get("g"));
                String p = kv.get("p");
                if (p.equals("same") || p.equals("valid")) {
                    return a -> Functional.conv3d(a[0], a[1], a.length > 2 ? a[2] : null, s, p, d, g);
                }
                return a -> Functional.conv3d(a[0], a[1], a.length > 2 ? a[2] : null, s, ints(p), d, g);
            }
            case "conv3d_module": {
                String p = kv.get("p");
                String mode = kv.get("mode");
                return a -> {
                    Conv3d m = p.equals("same")
                            ? new Conv3d(2, 4, new int[] {2, 3, 2}, new int[] {1}, "same", new int[] {1}, 2, true, mode)
                            : new Conv3d(2, 4, new int[] {2, 3, 2}, new int[] {1}, ints(p), new int[] {1}, 2, true, mode);
                    m.to(a[0].dtype());
                    try (GradMode off = Ember.noGrad()) {
                        m.weight.copy_(a[1]);
                        m.bias.copy_(a[2]);
                    }
                    return m.forward(a[0]);
                };
            }
            case "conv_transpose3d": {
                int[] s = ints(kv.get("s"));
                int[] p = ints(kv.get("p"));
                int[] outPad = ints(kv.get("op"));
                int[] d = ints(kv.get("d"));
                int g = Integer.parseInt(kv.get("g"));
                return a -> Functional.convTranspose3d(a[0], a[1], a.length > 2 ? a[2] : null, s, p, outPad, g, d);
            }
            case "max_pool3d":
            case "max_pool3d_indices": {
                boolean values = op.equals("max_pool3d");
                return a -> {
                    Tensor.ValuesIndices r = Functional.maxPool3dWithIndices(a[0], ints(kv.get("k")), ints(kv.get("s")),
                            ints(kv.get("p")), ints(kv.get("d")), kv.get("ceil").equals("1"));
                    return values ? r.values() : r.indices();
                };
            }
            case "avg_pool3d": {
                Integer div = kv.get("div").equals("none") ? null : Integer.valueOf(kv.get("div"));
                return a -> Functional.avgPool3d(a[0], ints(kv.get("k")), ints(kv.get("s")), ints(kv.get("p")),
                        kv.get("ceil").equals("1"), kv.get("cip").equals("1"), div);
            }
            case "adaptive_avg_pool3d": {
                int[] o = ints(kv.get("o"));
                return a -> o.length == 1 ? Functional.adaptiveAvgPool3d(a[0], o[0]) : Functional.adaptiveAvgPool3d(a[0], o);
            }
            case "adaptive_max_pool3d":
            case "adaptive_max_pool3d_indices": {
                int[] o = ints(kv.get("o"));
                boolean values = op.equals("adaptive_max_pool3d");
                return a -> {
                    // F's int output size goes straight to the op; a tuple through _list_with_default
                    Tensor.ValuesIndices r = o.length == 1
                            ? VolumetricFunctions.adaptiveMaxPool3d(a[0], new int[] {o[0], o[0], o[0]})
                            : Functional.adaptiveMaxPool3dWithIndices(a[0], o);
                    return values ? r.values() : r.indices();
                };
            }
            case "batch_norm3d": {
                int c = Integer.parseInt(kv.get("c"));
                return a -> {
                    BatchNorm3d m = new BatchNorm3d(c);
                    m.to(a[0].dtype());
                    if (kv.get("mode").equals("eval")) {
                        m.eval();
                    }
                    return m.forward(a[0]);
                };
            }
            case "instance_norm1d":
            case "instance_norm3d": {
                int c = Integer.parseInt(kv.get("c"));
                boolean affine = "1".equals(kv.get("affine"));
                return a -> {
                    Module m = op.equals("instance_norm1d") ? new InstanceNorm1d(c, 1e-5, 0.1, affine, false)
                            : new InstanceNorm3d(c, 1e-5, 0.1, affine, false);
                    m.to(a[0].dtype());
                    return m.forward(a[0]);
                };
            }
            default:
                throw new IllegalArgumentException(name);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/volumetric/expected.txt", VolumetricTest::op, 2e-5);
    }

    private static Tensor rand(Generator gen, int... shape) {
        return Tensor.rand(gen, DType.FLOAT64, shape).mul(2).sub(1).requiresGrad_(true);
    }

    /**
     * The poolings' gradients are linear in the output gradient and do not depend on the input's values (so
     * gradgradcheck's fixed output weights see nothing): the gradcheck of the backward as a function of the output
     * gradient, through a graph recorded with create_graph, as PyTorch's gradgradcheck checks it.
     */
    private static boolean backwardOfBackward(Function<Tensor[], Tensor> op, Tensor x) {
        int[] shape = op.apply(new Tensor[] {x}).shape();
        Tensor v = Tensor.rand(new Generator(7), DType.FLOAT64, shape).requiresGrad_(true);
        return Autograd.gradcheck(p -> Autograd.grad(List.of(op.apply(new Tensor[] {x})), List.of(x), List.of(p[0]), true)
                .get(0), v);
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        Generator gen = new Generator(19);
        Tensor x = rand(gen, 2, 2, 4, 3, 4);
        Tensor w = rand(gen, 4, 1, 2, 2, 3);
        Tensor b = rand(gen, 4);
        List<DynamicTest> t = new ArrayList<>();
        Function<Tensor[], Tensor> conv = p -> Functional.conv3d(p[0], p[1], p[2], new int[] {2, 1, 2}, new int[] {1, 0, 1},
                new int[] {1, 2, 1}, 2);
        t.add(DynamicTest.dynamicTest("conv3d gradcheck", () -> assertTrue(Autograd.gradcheck(conv, x, w, b))));
        t.add(DynamicTest.dynamicTest("conv3d gradgradcheck", () -> assertTrue(Autograd.gradgradcheck(conv, x, w, b))));
        Function<Tensor[], Tensor> same = p -> Functional.conv3d(p[0], p[1], null, new int[] {1}, "same", new int[] {1}, 2);
        t.add(DynamicTest.dynamicTest("conv3d same gradgradcheck", () -> assertTrue(Autograd.gradgradcheck(same, x, w))));
        Function<Tensor[], Tensor> unbatched = p -> Functional.conv3d(p[0], p[1], p[2], new int[] {1, 2, 1}, new int[] {0},
                new int[] {1}, 1);
        Tensor xu = rand(gen, 2, 3, 4, 3);
        Tensor wu = rand(gen, 3, 2, 2, 2, 2);
        Tensor bu = rand(gen, 3);
        t.add(DynamicTest.dynamicTest("conv3d unbatched gradgradcheck",
                () -> assertTrue(Autograd.gradgradcheck(unbatched, xu, wu, bu))));
        Function<Tensor[], Tensor> transposed = p -> Functional.convTranspose3d(p[0], p[1], p[2], new int[] {2, 1, 2},
                new int[] {1, 0, 0}, new int[] {1, 0, 1}, 2, new int[] {1, 2, 1});
        Tensor xt = rand(gen, 2, 4, 2, 3, 2);
        Tensor wt = rand(gen, 4, 1, 2, 2, 3);
        Tensor bt = rand(gen, 2);
        t.add(DynamicTest.dynamicTest("conv_transpose3d gradcheck", () -> assertTrue(Autograd.gradcheck(transposed, xt, wt, bt))));
        t.add(DynamicTest.dynamicTest("conv_transpose3d gradgradcheck",
                () -> assertTrue(Autograd.gradgradcheck(transposed, xt, wt, bt))));
        // distinct values, so that no maximum is tied
        Tensor xp = Tensor.randperm(2 * 2 * 4 * 4 * 5, gen).to(DType.FLOAT64).div(37.0).reshape(2, 2, 4, 4, 5)
                .requiresGrad_(true);
        Function<Tensor[], Tensor> max = p -> Functional.maxPool3d(p[0], new int[] {2, 3, 2}, new int[] {1, 2, 2},
                new int[] {1, 1, 0}, new int[] {1, 1, 2}, true);
        t.add(DynamicTest.dynamicTest("max_pool3d gradcheck", () -> assertTrue(Autograd.gradcheck(max, xp))));
        t.add(DynamicTest.dynamicTest("max_pool3d double backward", () -> assertTrue(backwardOfBackward(max, xp))));
        Function<Tensor[], Tensor> avg = p -> Functional.avgPool3d(p[0], new int[] {3, 2, 2}, new int[] {2, 1, 2},
                new int[] {1, 0, 1}, true, false, null);
        t.add(DynamicTest.dynamicTest("avg_pool3d gradcheck", () -> assertTrue(Autograd.gradcheck(avg, x))));
        t.add(DynamicTest.dynamicTest("avg_pool3d double backward", () -> assertTrue(backwardOfBackward(avg, x))));
        Function<Tensor[], Tensor> aavg = p -> Functional.adaptiveAvgPool3d(p[0], new int[] {3, 2, 3});
        t.add(DynamicTest.dynamicTest("adaptive_avg_pool3d gradcheck", () -> assertTrue(Autograd.gradcheck(aavg, x))));
        t.add(DynamicTest.dynamicTest("adaptive_avg_pool3d double backward", () -> assertTrue(backwardOfBackward(aavg, x))));
        Function<Tensor[], Tensor> amax = p -> Functional.adaptiveMaxPool3d(p[0], new int[] {3, 2, 3});
        t.add(DynamicTest.dynamicTest("adaptive_max_pool3d gradcheck", () -> assertTrue(Autograd.gradcheck(amax, xp))));
        t.add(DynamicTest.dynamicTest("adaptive_max_pool3d double backward", () -> assertTrue(backwardOfBackward(amax, xp))));
        return t;
    }

    /** A non-contiguous input (a transposed view) gives what its contiguous copy gives, with the same gradients. */
    @Test
    void nonContiguousInputs() {
        Generator gen = new Generator(5);
        Tensor base = Tensor.rand(gen, DType.FLOAT64, 2, 2, 5, 4, 4);
        Tensor w = Tensor.rand(gen, DType.FLOAT64, 3, 2, 2, 2, 2);
        List<Function<Tensor, Tensor>> ops = List.of(
            x -> Functional.conv3d(x, w, null, new int[] {1, 2, 1}, new int[] {1}, new int[] {1}, 1),
            x -> Functional.maxPool3d(x, new int[] {2}, null, new int[] {1}, new int[] {1}, true),
            x -> Functional.avgPool3d(x, new int[] {2, 3, 2}, new int[] {1}, new int[] {1}, false, false, null),
            x -> Functional.adaptiveAvgPool3d(x, new int[] {2, 3, 3}),
            x -> Functional.adaptiveMaxPool3d(x, new int[] {3, 2, 3}));
        for (Function<Tensor, Tensor> f : ops) {
            Tensor strided = base.transpose(2, 4).detach().requiresGrad_(true);
            Tensor dense = strided.detach().contiguous().requiresGrad_(true);
            Tensor a = f.apply(strided);
            Tensor c = f.apply(dense);
            assertArrayEquals(c.toDoubleArray(), a.toDoubleArray(), 1e-12);
            a.sum().backward();
            c.sum().backward();
            assertArrayEquals(dense.grad().toDoubleArray(), strided.grad().toDoubleArray(), 1e-12);
        }
    }

    /**
     * float16 and bfloat16 inputs accumulate in float32 and round once, as PyTorch's CPU kernels do: each op gives,
     * value for value, its float32 result on the widened inputs rounded to the narrow type, and so do its gradients.
     */
    @Test
    void reducedFloatsAccumulateInFloat32() {
        Generator gen = new Generator(11);
        Tensor x = Tensor.rand(gen, DType.FLOAT32, 2, 4, 4, 5, 4).mul(2).sub(1);
        Tensor w = Tensor.rand(gen, DType.FLOAT32, 4, 2, 2, 3, 2).mul(2).sub(1);
        List<Function<Tensor[], Tensor>> ops = List.of(
            a -> Functional.conv3d(a[0], a[1], null, new int[] {1, 2, 1}, new int[] {1}, new int[] {1}, 2),
            a -> Functional.convTranspose3d(a[0], a[1], null, new int[] {2}, new int[] {1}, new int[] {1}, 2, new int[] {1}),
            a -> Functional.avgPool3d(a[0], new int[] {3, 2, 2}, new int[] {2, 1, 2}, new int[] {1, 0, 1}, true, false, null),
            a -> Functional.adaptiveAvgPool3d(a[0], new int[] {3, 2, 3}),
            a -> Functional.maxPool3d(a[0], new int[] {2}, null, new int[] {1}, new int[] {1}, false));
        for (DType narrow : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            for (Function<Tensor[], Tensor> f : ops) {
                Tensor xn = x.to(narrow).requiresGrad_(true);
                Tensor wn = w.to(narrow).requiresGrad_(true);
                Tensor xw = xn.detach().to(DType.FLOAT32).requiresGrad_(true);
                Tensor ww = wn.detach().to(DType.FLOAT32).requiresGrad_(true);
                Tensor got = f.apply(new Tensor[] {xn, wn});
                Tensor wide = f.apply(new Tensor[] {xw, ww});
                assertEquals(narrow, got.dtype());
                assertArrayEquals(wide.to(narrow).toDoubleArray(), got.toDoubleArray(), 0);
                Tensor g = Tensor.rand(gen, DType.FLOAT32, got.shape()).to(narrow);
                got.backward(g);
                wide.backward(g.to(DType.FLOAT32));
                assertArrayEquals(xw.grad().to(narrow).toDoubleArray(), xn.grad().toDoubleArray(), 0);
                if (wn.grad() != null) {
                    assertArrayEquals(ww.grad().to(narrow).toDoubleArray(), wn.grad().toDoubleArray(), 0);
                }
            }
        }
    }

    @Test
    void conv3dModule() {
        Conv3d conv = new Conv3d(4, 6, new int[] {2, 3, 1}, new int[] {2}, new int[] {1}, new int[] {1, 2, 1}, 2, false,
                "reflect");
        // PyTorch 1.13's print(nn.Conv3d(4, 6, (2, 3, 1), stride=2, padding=1, dilation=(1, 2, 1), groups=2, bias=False,
        // padding_mode='reflect'))
        assertEquals("Conv3d(4, 6, kernel_size=(2, 3, 1), stride=(2, 2, 2), padding=(1, 1, 1), dilation=(1, 2, 1), groups=2, "
                + "bias=False, padding_mode=reflect)", conv.toString());
        assertEquals(List.of("weight"), new ArrayList<>(conv.stateDict().keySet()));
        assertArrayEquals(new int[] {6, 2, 2, 3, 1}, conv.weight.shape());
        assertNull(conv.bias);
        Conv3d plain = new Conv3d(3, 5, 3);
        assertEquals("Conv3d(3, 5, kernel_size=(3, 3, 3), stride=(1, 1, 1))", plain.toString());
        assertEquals(List.of("weight", "bias"), new ArrayList<>(plain.stateDict().keySet()));
        // kaiming_uniform(a = sqrt 5) and the bias: both within 1 / sqrt(fan_in), fan_in = 3 * 27
        double bound = 1 / Math.sqrt(81);
        for (double v : plain.weight.toDoubleArray()) {
            assertTrue(Math.abs(v) <= bound);
        }
        for (double v : plain.bias.toDoubleArray()) {
            assertTrue(Math.abs(v) <= bound);
        }
        // the bound is reached (405 draws), so it is not a smaller one
        assertTrue(plain.weight.abs().max().toDoubleArray()[0] > 0.9 * bound);
        // the reflect-padded forward is F.pad then the unpadded convolution
        Tensor x = Tensor.rand(new Generator(3), DType.FLOAT32, 1, 4, 4, 6, 5);
        Tensor expected = Functional.conv3d(Functional.pad(x, new int[] {1, 1, 1, 1, 1, 1}, "reflect"), conv.weight, null,
                new int[] {2}, new int[] {0}, new int[] {1, 2, 1}, 2);
        assertArrayEquals(expected.toDoubleArray(), conv.forward(x).toDoubleArray(), 0);
        Conv3d same = new Conv3d(2, 2, new int[] {2, 3, 2}, new int[] {1}, "same", new int[] {1}, 1, true, "zeros");
        assertEquals("Conv3d(2, 2, kernel_size=(2, 3, 2), stride=(1, 1, 1), padding=same)", same.toString());
        assertArrayEquals(new int[] {2, 2, 3, 4, 5}, same.forward(Tensor.rand(new Generator(4), DType.FLOAT32, 2, 2, 3, 4, 5))
                .shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv3d(4, 6, new int[] {2, 2}, new int[] {1}, new int[] {0}, new int[] {1}, 1, true));
        assertEquals("expected kernel_size to be a single integer value or a list of 3 values to match the convolution "
                + "dimensions, but got kernel_size=[2, 2]", e.getMessage());
    }

    @Test
    void convTranspose3dModule() {
        // PyTorch 1.13's printouts and messages (output_size given as a list, as Java's array prints)
        ConvTranspose3d conv = new ConvTranspose3d(4, 6, new int[] {2, 3, 1}, new int[] {2}, new int[] {1}, new int[] {1}, 2,
                false, new int[] {1, 2, 1});
        assertEquals("ConvTranspose3d(4, 6, kernel_size=(2, 3, 1), stride=(2, 2, 2), padding=(1, 1, 1), dilation=(1, 2, 1), "
                + "output_padding=(1, 1, 1), groups=2, bias=False)", conv.toString());
        assertArrayEquals(new int[] {4, 3, 2, 3, 1}, conv.weight.shape());
        // PyTorch's init: fan-in from the weight's second dimension, out / groups * kd * kh * kw = 3 * 6
        double bound = 1 / Math.sqrt(18);
        assertTrue(conv.weight.abs().max().toDoubleArray()[0] <= bound);
        assertTrue(conv.weight.abs().max().toDoubleArray()[0] > 0.8 * bound);
        assertEquals(List.of("weight"), new ArrayList<>(conv.stateDict().keySet()));
        ConvTranspose3d m = new ConvTranspose3d(4, 6, new int[] {3}, new int[] {2}, new int[] {0}, new int[] {0}, 1, true,
                new int[] {1});
        assertEquals("ConvTranspose3d(4, 6, kernel_size=(3, 3, 3), stride=(2, 2, 2))", m.toString());
        assertEquals(List.of("weight", "bias"), new ArrayList<>(m.stateDict().keySet()));
        Tensor x = Tensor.rand(new Generator(6), DType.FLOAT32, 2, 4, 3, 4, 3);
        assertArrayEquals(new int[] {2, 6, 8, 10, 8}, m.forward(x, new int[] {8, 10, 8}).shape());
        assertEquals("ConvolutionBackward0", m.forward(x).gradFn().name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, new int[] {9, 9, 9}));
        assertEquals("requested an output size of [9, 9, 9], but valid sizes range from [7, 9, 7] to [8, 10, 8] (for an "
                + "input of torch.Size([3, 4, 3]))", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, new int[] {9, 9}));
        assertEquals("ConvTranspose3D: for 5D input, output_size must have 3 or 5 elements (got 2)", e.getMessage());
    }

    @Test
    void poolingModules() {
        // PyTorch 1.13's printouts of the same modules
        assertEquals("MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool3d(2).toString());
        assertEquals("MaxPool3d(kernel_size=(2, 1, 2), stride=1, padding=1, dilation=2, ceil_mode=True)",
                new MaxPool3d(new int[] {2, 1, 2}, new int[] {1}, new int[] {1}, new int[] {2}, true, true).toString());
        assertEquals("AvgPool3d(kernel_size=2, stride=2, padding=0)", new AvgPool3d(2).toString());
        assertEquals("AvgPool3d(kernel_size=2, stride=1, padding=1)",
                new AvgPool3d(new int[] {2}, new int[] {1}, new int[] {1}, true, false, 3).toString());
        assertEquals("AdaptiveAvgPool3d(output_size=(2, None, 3))", new AdaptiveAvgPool3d(2, null, 3).toString());
        assertEquals("AdaptiveMaxPool3d(output_size=2)", new AdaptiveMaxPool3d(2).toString());
        Tensor x = Tensor.rand(new Generator(8), DType.FLOAT64, 2, 3, 4, 5, 6);
        assertArrayEquals(new int[] {2, 3, 2, 5, 3}, new AdaptiveAvgPool3d(2, null, 3).forward(x).shape());
        assertArrayEquals(new int[] {2, 3, 4, 2, 3}, new AdaptiveMaxPool3d(null, 2, 3).forward(x).shape());
        assertArrayEquals(Functional.maxPool3d(x, 2).toDoubleArray(), new MaxPool3d(2).forward(x).toDoubleArray(), 0);
        assertArrayEquals(Functional.avgPool3d(x, 2).toDoubleArray(), new AvgPool3d(2).forward(x).toDoubleArray(), 0);
        assertEquals("MaxPool3DWithIndicesBackward0",
                new MaxPool3d(2).forward(x.detach().requiresGrad_(true)).gradFn().name());
        assertEquals("AvgPool3DBackward0", new AvgPool3d(2).forward(x.detach().requiresGrad_(true)).gradFn().name());
        assertEquals("AdaptiveAvgPool3DBackward0",
                new AdaptiveAvgPool3d(2).forward(x.detach().requiresGrad_(true)).gradFn().name());
        assertEquals("AdaptiveMaxPool3DBackward0",
                new AdaptiveMaxPool3d(2).forward(x.detach().requiresGrad_(true)).gradFn().name());
        assertEquals(0, new MaxPool3d(2).stateDict().size());
    }

    @Test
    void normModules() {
        // PyTorch 1.13's printouts
        assertEquals("BatchNorm3d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
                new BatchNorm3d(3).toString());
        assertEquals("InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)",
                new InstanceNorm1d(3).toString());
        assertEquals("InstanceNorm3d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False)",
                new InstanceNorm3d(3, 1e-5, 0.1, true, false).toString());
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                new ArrayList<>(new BatchNorm3d(3).stateDict().keySet()));
        assertEquals(0, new InstanceNorm3d(3).stateDict().size());
        // running statistics move as PyTorch's: unbiased variance, momentum 0.1
        BatchNorm3d bn = new BatchNorm3d(2);
        Tensor x = Tensor.rand(new Generator(2), DType.FLOAT32, 2, 2, 3, 2, 2);
        bn.forward(x);
        double[] mean = x.mean(new int[] {0, 2, 3, 4}, false).toDoubleArray();
        double[] var = x.var(new int[] {0, 2, 3, 4}, 1, false).toDoubleArray();
        Map<String, Tensor> sd = bn.stateDict();
        for (int c = 0; c < 2; c++) {
            assertEquals(0.1 * mean[c], sd.get("running_mean").toDoubleArray()[c], 1e-6);
            assertEquals(0.9 + 0.1 * var[c], sd.get("running_var").toDoubleArray()[c], 1e-6);
        }
        assertEquals(1, sd.get("num_batches_tracked").toDoubleArray()[0]);
    }
}
