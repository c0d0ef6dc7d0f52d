package dev.ember;

import dev.ember.nn.CircularPad1d;
import dev.ember.nn.CircularPad2d;
import dev.ember.nn.CircularPad3d;
import dev.ember.nn.ConstantPad1d;
import dev.ember.nn.ConstantPad2d;
import dev.ember.nn.ConstantPad3d;
import dev.ember.nn.Functional;
import dev.ember.nn.Module;
import dev.ember.nn.ReflectionPad1d;
import dev.ember.nn.ReflectionPad2d;
import dev.ember.nn.ReflectionPad3d;
import dev.ember.nn.ReplicationPad1d;
import dev.ember.nn.ReplicationPad2d;
import dev.ember.nn.ReplicationPad3d;
import dev.ember.nn.ZeroPad1d;
import dev.ember.nn.ZeroPad2d;
import dev.ember.nn.ZeroPad3d;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 1-D pooling family, LP pooling, {@code conv_transpose1d}, {@code local_response_norm} and the padding modules
 * against PyTorch ({@code pool1d/make_expected.py}, read through {@link ReferenceCases}: values, top node, gradients
 * of float64 and float32 inputs, batched and unbatched, errors with the inputs unchanged), each case's whole graph of
 * nodes against PyTorch's, and gradchecks and gradgradchecks of each op in float64.
 */
class Pool1dTest {
    private static final String RESOURCE = "/pool1d/expected.txt";

    /** The key=value words of a case name. */
    private static Map<String, String> args(String name) {
        Map<String, String> a = new HashMap<>();
        for (String w : name.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                a.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return a;
    }

    private static int i(Map<String, String> a, String k) {
        return Integer.parseInt(a.get(k));
    }

    private static boolean b(Map<String, String> a, String k) {
        return a.get(k).equals("1");
    }

    static Function<Tensor[], Tensor> op(String name) {
        Map<String, String> a = args(name);
        String op = name.substring(0, name.indexOf(' '));
        switch (op) {
            case "max_pool1d":
                return t -> Functional.maxPool1d(t[0], i(a, "k"), i(a, "s"), i(a, "p"), i(a, "d"), b(a, "c"));
            case "max_pool1d_values":
                return t -> Functional.maxPool1dWithIndices(t[0], i(a, "k"), i(a, "s"), i(a, "p"), i(a, "d"), b(a, "c")).values();
            case "max_pool1d_indices":
                return t -> Functional.maxPool1dWithIndices(t[0], i(a, "k"), i(a, "s"), i(a, "p"), i(a, "d"), b(a, "c")).indices();
            case "avg_pool1d":
                return t -> Functional.avgPool1d(t[0], i(a, "k"), i(a, "s"), i(a, "p"), b(a, "c"), b(a, "i"));
            case "max_pool2d":
                return t -> Functional.maxPool2d(t[0], new int[] {i(a, "k")}, new int[] {i(a, "s")}, new int[] {i(a, "p")},
                        new int[] {1}, false);
            case "avg_pool2d":
                return t -> Functional.avgPool2d(t[0], new int[] {i(a, "k")}, new int[] {i(a, "s")}, new int[] {i(a, "p")},
                        false, true);
            case "adaptive_avg_pool1d":
                return t -> Functional.adaptiveAvgPool1d(t[0], i(a, "o"));
            case "adaptive_max_pool1d":
                return t -> Functional.adaptiveMaxPool1d(t[0], i(a, "o"));
            case "adaptive_max_pool1d_indices":
                return t -> Functional.adaptiveMaxPool1dWithIndices(t[0], i(a, "o")).indices();
            case "max_unpool1d":
                return t -> Functional.maxUnpool1d(t[0], t[1], i(a, "k"), i(a, "s"), i(a, "p"),
                        a.get("o").equals("none") ? null : new int[] {i(a, "o")});
            case "lp_pool1d":
                return t -> Functional.lpPool1d(t[0], Double.parseDouble(a.get("n")), i(a, "k"), i(a, "s"), b(a, "c"));
            case "lp_pool2d":
                return t -> i(a, "sh") == 0 ? Functional.lpPool2d(t[0], Double.parseDouble(a.get("n")), i(a, "kh"))
                        : Functional.lpPool2d(t[0], Double.parseDouble(a.get("n")), new int[] {i(a, "kh"), i(a, "kw")},
                                new int[] {i(a, "sh"), i(a, "sw")}, b(a, "c"));
            case "conv_transpose1d":
                return t -> Functional.convTranspose1d(t[0], t[1], t.length > 2 ? t[2] : null, i(a, "s"), i(a, "p"), i(a, "op"),
                        i(a, "g"), i(a, "d"));
            case "local_response_norm":
                return t -> Functional.localResponseNorm(t[0], i(a, "size"), Double.parseDouble(a.get("alpha")),
                        Double.parseDouble(a.get("beta")), Double.parseDouble(a.get("k")));
            case "pad_module": {
                String cls = name.split(" ")[1];
                int[] pad = Arrays.stream(a.get("pad").split(",")).mapToInt(Integer::parseInt).toArray();
                return t -> padModule(cls, pad).forward(t[0]);
            }
            default:
                throw new IllegalArgumentException("no op for case " + name);
        }
    }

    static Module padModule(String cls, int[] pad) {
        switch (cls) {
            case "ZeroPad1d": return new ZeroPad1d(pad);
            case "ZeroPad2d": return new ZeroPad2d(pad);
            case "ZeroPad3d": return new ZeroPad3d(pad);
            case "ConstantPad1d": return new ConstantPad1d(pad, 2.5);
            case "ConstantPad2d": return new ConstantPad2d(pad, 2.5);
            case "ConstantPad3d": return new ConstantPad3d(pad, 2.5);
            case "ReflectionPad1d": return new ReflectionPad1d(pad);
            case "ReflectionPad2d": return new ReflectionPad2d(pad);
            case "ReflectionPad3d": return new ReflectionPad3d(pad);
            case "ReplicationPad1d": return new ReplicationPad1d(pad);
            case "ReplicationPad2d": return new ReplicationPad2d(pad);
            case "ReplicationPad3d": return new ReplicationPad3d(pad);
            case "CircularPad1d": return new CircularPad1d(pad);
            case "CircularPad2d": return new CircularPad2d(pad);
            case "CircularPad3d": return new CircularPad3d(pad);
            default: throw new IllegalArgumentException(cls);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        // float32: PyTorch's vectorized kernels and pow round in their own order
        return ReferenceCases.tests(RESOURCE, Pool1dTest::op, 2e-5);
    }

    /** A node and what it sends gradients to, as the script's {@code chain} prints it (None entries left out). */
    static String chain(Node n) {
        if (n == null) {
            return "None";
        }
        StringJoiner kids = new StringJoiner(", ", "(", ")");
        kids.setEmptyValue("");
        for (Node k : n.nextFunctions()) {
            if (k != null) {
                kids.add(chain(k));
            }
        }
        return n.name() + kids;
    }

    @TestFactory
    List<DynamicTest> nodeChains() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            if (c.get("chain") == null) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c.key(), () -> {
                List<Tensor> ins = new ArrayList<>();
                for (int k = 0; c.get("in" + k) != null; k++) {
                    Tensor t = PyTorchCases.tensor(c.get("in" + k));
                    ins.add(t.dtype().isFloatingPoint() ? t.requiresGrad_(true) : t);
                }
                Tensor out = op(c.key()).apply(ins.toArray(new Tensor[0]));
                assertEquals(c.get("chain"), chain(out.gradFn()));
            }));
        }
        return tests;
    }

    /**
     * Each op on a non-contiguous input (a transposed copy transposed back, and a strided slice) gives the values and
     * gradients it gives on the same values laid out contiguously.
     */
    @TestFactory
    List<DynamicTest> nonContiguous() {
        Generator gen = new Generator(23);
        Map<String, Function<Tensor, Tensor>> ops = new java.util.LinkedHashMap<>();
        ops.put("max_pool1d", x -> Functional.maxPool1d(x, 3, 2, 1, 1, true));
        ops.put("max_pool1d unbatched", x -> Functional.maxPool1d(x.select(0, 1), 2));
        ops.put("avg_pool1d", x -> Functional.avgPool1d(x, 3, 2, 1, false, false));
        ops.put("adaptive_avg_pool1d", x -> Functional.adaptiveAvgPool1d(x, 4));
        ops.put("adaptive_max_pool1d", x -> Functional.adaptiveMaxPool1d(x, 3));
        ops.put("lp_pool1d", x -> Functional.lpPool1d(x.abs().add(0.1), 2.0, 2, 2, false));
        ops.put("lp_pool2d", x -> Functional.lpPool2d(x.unsqueeze(1).abs().add(0.1), 2.0, 2));
        ops.put("conv_transpose1d", x -> Functional.convTranspose1d(x, Tensor.ones(DType.FLOAT64, 4, 2, 3), null, 2, 1, 1, 1,
                1));
        ops.put("local_response_norm", x -> Functional.localResponseNorm(x, 3, 0.5, 0.75, 1.0));
        ops.put("local_response_norm 4-D", x -> Functional.localResponseNorm(x.unsqueeze(-1).expand(2, 4, 9, 2), 2));
        List<DynamicTest> t = new ArrayList<>();
        Tensor base = Tensor.rand(gen, DType.FLOAT64, 2, 9, 4).transpose(1, 2); // [2, 4, 9], not contiguous
        Tensor wide = Tensor.rand(gen, DType.FLOAT64, 2, 4, 18);
        for (Map.Entry<String, Function<Tensor, Tensor>> e : ops.entrySet()) {
            for (Tensor layout : new Tensor[] {base, wide.slice(2, 0, 18, 2)}) {
                t.add(DynamicTest.dynamicTest(e.getKey() + " " + java.util.Arrays.toString(layout.stride()), () -> {
                    Tensor a = layout.detach().requiresGrad_(true);
                    Tensor b = layout.contiguous().detach().requiresGrad_(true);
                    assertTrue(!a.isContiguous());
                    Tensor ya = e.getValue().apply(a);
                    Tensor yb = e.getValue().apply(b);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(yb.toDoubleArray(), ya.toDoubleArray(), 1e-12);
                    ya.mul(ya).sum().backward();
                    yb.mul(yb).sum().backward();
                    org.junit.jupiter.api.Assertions.assertArrayEquals(b.grad().toDoubleArray(), a.grad().toDoubleArray(), 1e-12);
                }));
            }
        }
        return t;
    }

    /**
     * float16 and bfloat16 inputs: the 1-D poolings give the float32 result rounded once to the input's type (the 2-D
     * kernels compute in float32, as PyTorch's CPU kernels accumulate in float), and keep the type.
     */
    @TestFactory
    List<DynamicTest> halfTypes() {
        Generator gen = new Generator(29);
        Tensor x = Tensor.rand(gen, DType.FLOAT32, 2, 3, 11).mul(4.0).sub(2.0);
        Map<String, Function<Tensor, Tensor>> ops = new java.util.LinkedHashMap<>();
        ops.put("max_pool1d", t -> Functional.maxPool1d(t, 3, 2, 1, 1, false));
        ops.put("avg_pool1d", t -> Functional.avgPool1d(t, 3, 2, 1, true, false));
        ops.put("adaptive_avg_pool1d", t -> Functional.adaptiveAvgPool1d(t, 4));
        ops.put("adaptive_max_pool1d", t -> Functional.adaptiveMaxPool1d(t, 4));
        ops.put("max_pool1d unbatched", t -> Functional.maxPool1d(t.select(0, 1), 2, 1, 1, 1, true));
        ops.put("avg_pool1d unbatched", t -> Functional.avgPool1d(t.select(0, 0), 4, 3, 2, false, true));
        List<DynamicTest> t = new ArrayList<>();
        for (DType type : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            for (Map.Entry<String, Function<Tensor, Tensor>> e : ops.entrySet()) {
                t.add(DynamicTest.dynamicTest(e.getKey() + " " + type, () -> {
                    Tensor h = x.to(type);
                    Tensor got = e.getValue().apply(h);
                    assertEquals(type, got.dtype());
                    Tensor expected = e.getValue().apply(h.to(DType.FLOAT32)).to(type);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(expected.toDoubleArray(), got.toDoubleArray(), 0.0);
                }));
            }
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        Generator gen = new Generator(19);
        // distinct values, so that no two elements of a window tie for its maximum
        Tensor x = Tensor.randperm(2 * 3 * 9, DType.FLOAT64, gen).div(10.0).sub(2.0).reshape(2, 3, 9).requiresGrad_(true);
        Tensor xu = Tensor.randperm(3 * 8, DType.FLOAT64, gen).div(7.0).sub(1.5).reshape(3, 8).requiresGrad_(true);
        Tensor pos = Tensor.rand(gen, DType.FLOAT64, 2, 3, 8).add(0.5).requiresGrad_(true);
        Tensor pos2 = Tensor.rand(gen, DType.FLOAT64, 1, 2, 5, 6).add(0.5).requiresGrad_(true);
        Tensor w = Tensor.rand(gen, DType.FLOAT64, 4, 3, 3).sub(0.5).requiresGrad_(true);
        Tensor bias = Tensor.rand(gen, DType.FLOAT64, 6).requiresGrad_(true);
        Tensor xc = Tensor.rand(gen, DType.FLOAT64, 2, 4, 5).sub(0.5).requiresGrad_(true);
        Tensor l3 = Tensor.rand(gen, DType.FLOAT64, 2, 5, 3).sub(0.5).requiresGrad_(true);
        Tensor l4 = Tensor.rand(gen, DType.FLOAT64, 1, 5, 2, 3).sub(0.5).requiresGrad_(true);
        Map<String, Function<Tensor[], Tensor>> ops = new java.util.LinkedHashMap<>();
        Map<String, Tensor[]> ins = new HashMap<>();
        ops.put("max_pool1d", p -> Functional.maxPool1d(p[0], 3, 2, 1, 2, true));
        ins.put("max_pool1d", new Tensor[] {x});
        ops.put("max_pool1d unbatched", p -> Functional.maxPool1d(p[0], 2, 1, 1, 1, false));
        ins.put("max_pool1d unbatched", new Tensor[] {xu});
        // 2-D pooling of a 3-D input (one node; max pooling's uint8 window codes, read back for the double backward)
        ops.put("max_pool2d unbatched", p -> Functional.maxPool2d(p[0], new int[] {2, 3}, new int[] {1, 2}, new int[] {1},
                new int[] {1}, false));
        ins.put("max_pool2d unbatched", new Tensor[] {x.detach().clone().requiresGrad_(true)});
        ops.put("avg_pool2d unbatched", p -> Functional.avgPool2d(p[0], new int[] {3}, new int[] {2}, new int[] {1}, true,
                false));
        ins.put("avg_pool2d unbatched", new Tensor[] {x.detach().clone().requiresGrad_(true)});
        ops.put("avg_pool1d", p -> Functional.avgPool1d(p[0], 3, 2, 1, true, false));
        ins.put("avg_pool1d", new Tensor[] {x});
        ops.put("avg_pool1d unbatched", p -> Functional.avgPool1d(p[0], 3, 2, 1, false, true));
        ins.put("avg_pool1d unbatched", new Tensor[] {xu});
        ops.put("adaptive_avg_pool1d", p -> Functional.adaptiveAvgPool1d(p[0], 4));
        ins.put("adaptive_avg_pool1d", new Tensor[] {x});
        ops.put("adaptive_max_pool1d", p -> Functional.adaptiveMaxPool1d(p[0], 4));
        ins.put("adaptive_max_pool1d", new Tensor[] {xu});
        // non-overlapping windows: an index two windows share is written twice by the unpooling, read twice by its backward
        ops.put("max_unpool1d", p -> Functional.maxUnpool1d(p[0], Functional.maxPool1dWithIndices(x.detach(), 2, 2, 0, 1,
                false).indices(), 2, 2, 0, null));
        ins.put("max_unpool1d", new Tensor[] {Functional.maxPool1d(x.detach(), 2, 2, 0, 1, false).clone().requiresGrad_(true)});
        ops.put("lp_pool1d", p -> Functional.lpPool1d(p[0], 3.0, 3, 2, true));
        ins.put("lp_pool1d", new Tensor[] {pos});
        ops.put("lp_pool2d", p -> Functional.lpPool2d(p[0], 2.0, new int[] {2, 3}, new int[] {2, 1}, false));
        ins.put("lp_pool2d", new Tensor[] {pos2});
        ops.put("conv_transpose1d", p -> Functional.convTranspose1d(p[0], p[1], p[2], 2, 1, 1, 2, 2));
        ins.put("conv_transpose1d", new Tensor[] {xc, w, bias});
        ops.put("conv_transpose1d unbatched", p -> Functional.convTranspose1d(p[0], p[1], null, 3, 0, 2, 1, 1));
        ins.put("conv_transpose1d unbatched", new Tensor[] {xc.detach().select(0, 0).requiresGrad_(true),
            Tensor.rand(gen, DType.FLOAT64, 4, 2, 2).requiresGrad_(true)});
        ops.put("local_response_norm 3-D", p -> Functional.localResponseNorm(p[0], 3, 0.5, 0.75, 1.0));
        ins.put("local_response_norm 3-D", new Tensor[] {l3});
        ops.put("local_response_norm 4-D", p -> Functional.localResponseNorm(p[0], 2, 0.7, 1.25, 0.5));
        ins.put("local_response_norm 4-D", new Tensor[] {l4});
        List<DynamicTest> t = new ArrayList<>();
        for (Map.Entry<String, Function<Tensor[], Tensor>> e : ops.entrySet()) {
            Tensor[] in = ins.get(e.getKey());
            t.add(DynamicTest.dynamicTest(e.getKey() + " gradcheck", () -> assertTrue(Autograd.gradcheck(e.getValue(), in))));
            // squared, so that the second derivative goes through the op's backward (most of these are linear)
            t.add(DynamicTest.dynamicTest(e.getKey() + " gradgradcheck",
                    () -> assertTrue(Autograd.gradgradcheck(p -> e.getValue().apply(p).pow(2), in))));
        }
        return t;
    }
}
