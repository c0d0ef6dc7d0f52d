package dev.ember;

import dev.ember.nn.AdaptiveAvgPool1d;
import dev.ember.nn.AdaptiveMaxPool1d;
import dev.ember.nn.AvgPool1d;
import dev.ember.nn.CircularPad1d;
import dev.ember.nn.CircularPad2d;
import dev.ember.nn.CircularPad3d;
import dev.ember.nn.ConstantPad1d;
import dev.ember.nn.ConstantPad2d;
import dev.ember.nn.ConstantPad3d;
import dev.ember.nn.ConvTranspose1d;
import dev.ember.nn.LPPool1d;
import dev.ember.nn.LPPool2d;
import dev.ember.nn.LocalResponseNorm;
import dev.ember.nn.MaxPool1d;
import dev.ember.nn.MaxUnpool1d;
import dev.ember.nn.Module;
import dev.ember.nn.ReflectionPad1d;
import dev.ember.nn.ReflectionPad2d;
import dev.ember.nn.ReflectionPad3d;
import dev.ember.nn.ReplicationPad1d;
import dev.ember.nn.ReplicationPad2d;
import dev.ember.nn.ReplicationPad3d;
import dev.ember.nn.Sequential;
import dev.ember.nn.ZeroPad1d;
import dev.ember.nn.ZeroPad2d;
import dev.ember.nn.ZeroPad3d;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session-19 modules against PyTorch ({@code pool1dmodules/make_expected.py}): each configuration's printout
 * ({@code print(model)}), state dict keys and shapes, and a float64 forward with the parameters filled as the script
 * fills them; ConvTranspose1d's default initialization within PyTorch's bound; the module-level errors.
 */
class Pool1dModulesTest {
    private static final Map<String, Supplier<Module>> MODULES = new HashMap<>();

    private static int[] a(int... v) {
        return v;
    }

    static {
        MODULES.put("maxpool1d_3", () -> new MaxPool1d(3));
        MODULES.put("maxpool1d_all", () -> new MaxPool1d(3, 2, 1, 2, false, true));
        MODULES.put("maxpool1d_unbatched", () -> new MaxPool1d(2));
        MODULES.put("avgpool1d_3", () -> new AvgPool1d(3));
        MODULES.put("avgpool1d_all", () -> new AvgPool1d(3, 2, 1, true, false));
        MODULES.put("adaptiveavgpool1d_4", () -> new AdaptiveAvgPool1d(4));
        MODULES.put("adaptivemaxpool1d_4", () -> new AdaptiveMaxPool1d(4));
        MODULES.put("maxunpool1d_2", () -> new MaxUnpool1d(2));
        MODULES.put("maxunpool1d_all", () -> new MaxUnpool1d(3, 2, 1));
        MODULES.put("lppool1d_int", () -> new LPPool1d(2, 3));
        MODULES.put("lppool1d_float", () -> new LPPool1d(1.5, 3, 2, true));
        MODULES.put("lppool2d_int", () -> new LPPool2d(2, 3));
        MODULES.put("lppool2d_rect", () -> new LPPool2d(3.0, a(2, 3), a(1, 2), false));
        MODULES.put("lrn_default", () -> new LocalResponseNorm(3));
        MODULES.put("lrn_all", () -> new LocalResponseNorm(2, 0.1, 0.5, 2.0));
        MODULES.put("convt1d_basic", () -> new ConvTranspose1d(4, 6, 3));
        MODULES.put("convt1d_all", () -> new ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, false, 2));
        MODULES.put("convt1d_unbatched", () -> new ConvTranspose1d(2, 3, 2, 3, 0, 0, 1, true, 1));
        MODULES.put("zeropad1d", () -> new ZeroPad1d(2));
        MODULES.put("zeropad1d_tuple", () -> new ZeroPad1d(a(3, 1)));
        MODULES.put("zeropad2d", () -> new ZeroPad2d(2));
        MODULES.put("zeropad2d_tuple", () -> new ZeroPad2d(a(1, 2, 3, 0)));
        MODULES.put("zeropad3d", () -> new ZeroPad3d(1));
        MODULES.put("constantpad1d", () -> new ConstantPad1d(2, 3.5));
        MODULES.put("constantpad2d_tuple", () -> new ConstantPad2d(a(1, 0, 2, 1), -1.25));
        MODULES.put("constantpad3d", () -> new ConstantPad3d(1, 0.5));
        MODULES.put("reflectionpad1d", () -> new ReflectionPad1d(2));
        MODULES.put("reflectionpad2d_tuple", () -> new ReflectionPad2d(a(1, 1, 2, 0)));
        MODULES.put("reflectionpad3d", () -> new ReflectionPad3d(1));
        MODULES.put("replicationpad1d_tuple", () -> new ReplicationPad1d(a(3, 1)));
        MODULES.put("replicationpad2d", () -> new ReplicationPad2d(2));
        MODULES.put("replicationpad3d", () -> new ReplicationPad3d(1));
        MODULES.put("circularpad1d", () -> new CircularPad1d(2));
        MODULES.put("circularpad2d_tuple", () -> new CircularPad2d(a(1, 1, 2, 0)));
        MODULES.put("circularpad3d", () -> new CircularPad3d(1));
    }

    private static String state(Module m) {
        StringJoiner s = new StringJoiner(" ; ");
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            StringJoiner shape = new StringJoiner(", ", "[", "]");
            for (int d : e.getValue().shape()) {
                shape.add(Integer.toString(d));
            }
            s.add(e.getKey() + "|" + shape);
        }
        return s.toString();
    }

    /** The script's {@code seq(shape, shift, 0.125)}. */
    private static Tensor seq(int[] shape, int shift) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = (Math.floorMod(7 * k + shift, 19) - 9) * 0.125;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord("/pool1dmodules/expected.txt")) {
            Supplier<Module> ctor = MODULES.get(c.key());
            tests.add(DynamicTest.dynamicTest(c.key() + " repr", () -> assertEquals(c.get("repr"), ctor.get().toString())));
            tests.add(DynamicTest.dynamicTest(c.key() + " state_dict", () -> assertEquals(c.get("state"), state(ctor.get()))));
            tests.add(DynamicTest.dynamicTest(c.key() + " forward", () -> {
                Module m = ctor.get();
                m.to(DType.FLOAT64);
                try (GradMode off = Ember.noGrad()) {
                    int i = 0;
                    for (Tensor v : m.stateDict().values()) {
                        v.copy_(seq(v.shape(), 3 + i++));
                    }
                }
                Tensor x = PyTorchCases.tensor(c.get("in0"));
                Tensor out = m instanceof MaxUnpool1d ? ((MaxUnpool1d) m).forward(x, PyTorchCases.tensor(c.get("in1")))
                        : m.forward(x);
                Tensor expected = PyTorchCases.tensor(c.get("out"));
                assertArrayEquals(expected.shape(), out.shape());
                double[] e = expected.toDoubleArray();
                double[] g = out.toDoubleArray();
                for (int k = 0; k < e.length; k++) {
                    if (Double.isNaN(e[k])) {
                        assertTrue(Double.isNaN(g[k]), "out[" + k + "]: PyTorch NaN, Ember " + g[k]);
                    } else {
                        assertEquals(e[k], g[k], 1e-12 * Math.max(1, Math.abs(e[k])), "out[" + k + "]");
                    }
                }
            }));
            if (c.get("bound") != null) {
                tests.add(DynamicTest.dynamicTest(c.key() + " init", () -> {
                    double bound = Double.parseDouble(c.get("bound"));
                    for (Tensor v : ctor.get().stateDict().values()) {
                        double max = 0;
                        for (double d : v.toDoubleArray()) {
                            assertTrue(Math.abs(d) <= bound, d + " beyond " + bound);
                            max = Math.max(max, Math.abs(d));
                        }
                        assertTrue(v.numel() < 6 || max > bound / 3, "values not spread over the bound: " + max);
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void inSequentialAndWithIndices() {
        Tensor x = seq(a(2, 3, 8), 1).to(DType.FLOAT32).requiresGrad_(true);
        MaxPool1d pool = new MaxPool1d(2, 2, 0, 1, true, false);
        Tensor.ValuesIndices r = pool.forwardWithIndices(x);
        Tensor back = new MaxUnpool1d(2).forward(r.values(), r.indices());
        assertArrayEquals(x.shape(), back.shape());
        Tensor y = new Sequential(new ReflectionPad1d(1), new ConvTranspose1d(3, 2, 3), new AvgPool1d(2)).forward(x);
        assertArrayEquals(a(2, 2, 6), y.shape());
        y.sum().backward();
        assertArrayEquals(x.shape(), x.grad().shape());
        assertTrue(pool.returnIndices());
    }

    @Test
    void moduleErrors() {
        // PyTorch's messages (checked with 1.13 and 2.x's padding.py)
        assertEquals("expected 2D or 3D input (got 4D input)", assertThrows(IllegalArgumentException.class,
                () -> new CircularPad1d(1).forward(Tensor.zeros(1, 1, 2, 2))).getMessage());
        assertEquals("expected 3D or 4D input (got 2D input)", assertThrows(IllegalArgumentException.class,
                () -> new CircularPad2d(1).forward(Tensor.zeros(2, 2))).getMessage());
        assertEquals("expected 4D or 5D input (got 3D input)", assertThrows(IllegalArgumentException.class,
                () -> new CircularPad3d(1).forward(Tensor.zeros(1, 2, 2))).getMessage());
        assertEquals("MaxUnpool1d.forward() missing 1 required positional argument: 'indices'",
                assertThrows(IllegalArgumentException.class, () -> new MaxUnpool1d(2).forward(Tensor.zeros(1, 2, 2))).getMessage());
        assertEquals("in_channels must be divisible by groups", assertThrows(IllegalArgumentException.class,
                () -> new ConvTranspose1d(3, 4, 2, 1, 0, 0, 2, true, 1)).getMessage());
        ConvTranspose1d ct = new ConvTranspose1d(2, 3, 3, 2, 1, 0, 1, true, 1);
        Tensor x = Tensor.zeros(1, 2, 4);
        assertArrayEquals(a(1, 3, 8), ct.forward(x, a(8)).shape());
        assertEquals("requested an output size of [9], but valid sizes range from [7] to [8] (for an input of torch.Size([4]))",
                assertThrows(IllegalArgumentException.class, () -> ct.forward(x, a(9))).getMessage());
    }
}
