package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.utils.WeightNorm;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WeightNorm}: {@code torch.nn.utils.weight_norm} and {@code remove_weight_norm} against PyTorch 1.13, whose
 * implementation is 2.x's but for the deprecation warning ({@code weightnormlegacy/make_expected.py}): parameter names
 * and order after applying and after removing, the values of {@code g} and {@code v}, the node of the recomputed weight,
 * forward, gradients, an SGD step (the weight recomputed by the hook before the next forward), the state dict's keys,
 * dims 0, 1, 2, the last and None, a bias normalized; the refusals in PyTorch's words, leaving the module as it was.
 * 2.x's FutureWarning is WeightNormWarningTest's.
 */
class WeightNormLegacyTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/weightnormlegacy/expected.txt");

    private static Tensor parse(String s) {
        String dims = s.substring(s.indexOf('[') + 1, s.indexOf(']'));
        int[] shape = dims.isBlank() ? new int[0] : Arrays.stream(dims.split(", ")).mapToInt(Integer::parseInt).toArray();
        String body = s.substring(s.indexOf(" : ") + 3).trim();
        double[] v = body.isEmpty() ? new double[0] : Arrays.stream(body.split(" ")).mapToDouble(Double::parseDouble)
                .toArray();
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    private record Program(Supplier<Module> make, Integer dim, String name) {
    }

    private static Map<String, Program> programs() {
        Map<String, Program> m = new LinkedHashMap<>();
        m.put("linear_default", new Program(() -> new Linear(4, 3), 0, "weight"));
        m.put("conv1d_dim_none", new Program(() -> new Conv1d(2, 3, 3), null, "weight"));
        m.put("conv1d_dim_2", new Program(() -> new Conv1d(2, 3, 3), 2, "weight"));
        m.put("conv2d_dim_1", new Program(() -> new Conv2d(2, 3, 2, 1, 0, false), 1, "weight"));
        m.put("linear_bias_dim_0", new Program(() -> new Linear(3, 2), 0, "bias"));
        return m;
    }

    @TestFactory
    List<DynamicTest> programsAgainstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        programs().forEach((name, p) -> tests.add(DynamicTest.dynamicTest(name, () -> run(name, p, CASES.get(name)))));
        return tests;
    }

    private static Map<String, Tensor> named(List<String> lines, String tag) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String l : lines) {
            if (l.startsWith(tag + " ")) {
                String rest = l.substring(tag.length() + 1);
                out.put(rest.substring(0, rest.indexOf(' ')), parse(rest.substring(rest.indexOf(' ') + 1)));
            }
        }
        return out;
    }

    private static String line(List<String> lines, String tag) {
        return lines.stream().filter(l -> l.startsWith(tag + " ")).map(l -> l.substring(tag.length() + 1)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + tag));
    }

    private static void close(Tensor want, Tensor have, String what) {
        assertArrayEquals(want.shape(), have.shape(), what);
        assertTrue(want.allclose(have.detach(), 1e-12, 1e-12), what + ": " + have + " vs " + want);
    }

    private static void sameParameters(Module m, Map<String, Tensor> want, String what) {
        Map<String, Tensor> have = m.namedParameters();
        assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(have.keySet()), what);
        want.forEach((k, v) -> close(v, have.get(k), what + " " + k));
    }

    private static void run(String name, Program p, List<String> lines) {
        assertNotNull(lines, name);
        Module m = p.make().get();
        m.to(DType.FLOAT64);
        Map<String, Tensor> init = named(lines, "init");
        try (GradMode off = Ember.noGrad()) {
            m.namedParameters().forEach((k, v) -> v.copy_(init.get(k)));
        }
        Tensor x = parse(line(lines, "x"));
        WeightNorm.weightNorm(m, p.name(), p.dim());
        assertEquals(line(lines, "keys"), String.join(" ", m.namedParameters().keySet()));
        sameParameters(m, named(lines, "p"), "after weight_norm");
        assertEquals(line(lines, "node"), ModuleInternals.getAttr(m, p.name()).gradFn().name());
        Tensor out = m.apply(x);
        close(parse(line(lines, "out")), out, "out");
        Tensor w = Tensor.arange(out.numel(), DType.INT64).mul(3L).remainder(11L).mul(0.5).add(1.0).reshape(out.shape());
        out.mul(w).sum().backward();
        Map<String, Tensor> grads = named(lines, "grad");
        m.namedParameters().forEach((k, v) -> close(grads.get(k), v.grad(), "grad " + k));
        new SGD(new ArrayList<>(m.parameters()), 0.1).step();
        sameParameters(m, named(lines, "stepped"), "after the step");
        close(parse(line(lines, "out2")), m.apply(x), "out after the step");
        assertEquals(line(lines, "state"), String.join(" ", m.stateDict().keySet()));
        WeightNorm.removeWeightNorm(m, p.name());
        assertEquals(line(lines, "removed_keys"), String.join(" ", m.namedParameters().keySet()));
        sameParameters(m, named(lines, "removed"), "after remove_weight_norm");
        close(parse(line(lines, "out3")), m.apply(x), "out after remove_weight_norm");
    }

    private static String error(String name) {
        return CASES.get(name).get(0).substring("error ".length());
    }

    @Test
    void refusalsInPyTorchsWordsLeaveTheModuleAsItWas() {
        Linear twice = new Linear(4, 3);
        WeightNorm.weightNorm(twice);
        List<String> keys = new ArrayList<>(twice.namedParameters().keySet());
        IllegalStateException e1 = assertThrows(IllegalStateException.class, () -> WeightNorm.weightNorm(twice));
        assertEquals(error("error_twice"), e1.getMessage());
        assertEquals(keys, new ArrayList<>(twice.namedParameters().keySet()));

        Linear plain = new Linear(4, 3);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> WeightNorm.removeWeightNorm(plain));
        assertEquals(error("error_remove_without"), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> WeightNorm.weightNorm(plain, "foo", 0));
        assertEquals(error("error_no_attribute"), e3.getMessage());
        BatchNorm1d bn = new BatchNorm1d(3);
        IllegalArgumentException e4 = assertThrows(IllegalArgumentException.class,
                () -> WeightNorm.weightNorm(bn, "running_mean", 0));
        assertEquals(error("error_buffer"), e4.getMessage());
        assertEquals(List.of("weight", "bias"), new ArrayList<>(plain.namedParameters().keySet()));
        assertEquals(List.of("weight", "bias"), new ArrayList<>(bn.namedParameters().keySet()));
    }

    /**
     * float64 gradcheck through the hook: a weight-normed Conv1d (dims 0, 2 and None) called through functional_call
     * with the input, {@code weight_g} and {@code weight_v} as the checked inputs, so the weight the pre-hook computes
     * from them carries their gradients.
     */
    @Test
    void gradcheckThroughTheHook() {
        for (Integer dim : new Integer[] {0, 2, null}) {
            Conv1d conv = new Conv1d(2, 3, 3);
            conv.to(DType.FLOAT64);
            WeightNorm.weightNorm(conv, "weight", dim);
            Map<String, Tensor> p = conv.namedParameters();
            Tensor x = Tensor.randn(new Generator(5), DType.FLOAT64, 1, 2, 5).requiresGrad_(true);
            // the hook reads the given g: doubling it changes the output (so the check is not of an unused input)
            Tensor once = dev.ember.nn.Stateless.functionalCall(conv, Map.of("bias", p.get("bias"), "weight_g",
                    p.get("weight_g"), "weight_v", p.get("weight_v")), x);
            Tensor twice = dev.ember.nn.Stateless.functionalCall(conv, Map.of("bias", p.get("bias"), "weight_g",
                    p.get("weight_g").mul(2.0), "weight_v", p.get("weight_v")), x);
            assertTrue(!once.allclose(twice, 1e-6, 1e-6), "dim " + dim + ": g unused");
            assertTrue(Autograd.gradcheck(in -> dev.ember.nn.Stateless.functionalCall(conv, Map.of("bias", p.get("bias"),
                    "weight_g", in[1], "weight_v", in[2]), in[0]), x, p.get("weight_g").detach().clone().requiresGrad_(true),
                    p.get("weight_v").detach().clone().requiresGrad_(true)), "dim " + dim);
        }
    }
}
