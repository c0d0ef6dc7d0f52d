package dev.ember.optim;

import dev.ember.DType;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Optimizer#loadStateDict} takes state tensors of any values and types, as PyTorch's {@code load_state_dict}
 * (which checks the number of groups and their sizes, and casts every state tensor to its parameter's type): nan,
 * numbers beyond the parameter's type (cast to infinity), integer and bool buffers, checked against PyTorch 1.13
 * ({@code resources/optimloadvalues/make_expected.py}) with the step after the load.
 */
class OptimizerLoadValuesTest {
    private static final Map<String, String> EXPECTED = load();

    private static Map<String, String> load() {
        try (InputStream in = OptimizerLoadValuesTest.class.getResourceAsStream("/optimloadvalues/expected.txt")) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int colon = line.indexOf(" : ");
                if (colon > 0) {
                    out.put(line.substring(0, colon), line.substring(colon + 3));
                } else if (line.contains(" error ")) {
                    out.put(line.substring(0, line.indexOf(" error ") + 6), line.substring(line.indexOf(" error ") + 7));
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[] numbers(String key) {
        String v = EXPECTED.get(key);
        if (v == null) {
            throw new IllegalStateException("no line " + key + " in optimloadvalues/expected.txt");
        }
        String[] parts = v.trim().split(" ");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = switch (parts[i]) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(parts[i]);
            };
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void run(String name, Function<List<Tensor>, Optimizer> make, Consumer<Map<String, Object>> mutate,
                            String... keys) {
        Tensor p = Tensor.tensor(new float[] {0.5f, -1f, 2f}).requiresGrad_(true);
        Optimizer opt = make.apply(List.of(p));
        p.setGrad(Tensor.ones(3));
        opt.step();
        Map<String, Object> sd = new LinkedHashMap<>(opt.stateDict());
        Map<Object, Object> state = new LinkedHashMap<>((Map<Object, Object>) sd.get("state"));
        Object id = state.keySet().iterator().next();
        Map<String, Object> ps = new LinkedHashMap<>((Map<String, Object>) state.get(id));
        state.put(id, ps);
        sd.put("state", state);
        mutate.accept(ps);
        opt.loadStateDict(sd);
        Map<String, Object> loaded = (Map<String, Object>) ((Map<Object, Object>) opt.stateDict().get("state")).get(id);
        for (String key : keys) {
            Tensor t = (Tensor) loaded.get(key);
            assertEquals(DType.FLOAT32, t.dtype(), name + " " + key);
            assertArrayEquals(numbers(name + " state " + key + " float32"), t.to(DType.FLOAT64).toDoubleArray(), 0,
                    name + " " + key);
        }
        p.setGrad(Tensor.ones(3));
        opt.step();
        assertArrayEquals(numbers(name + " param"), p.detach().to(DType.FLOAT64).toDoubleArray(), 2e-7, name + " param");
    }

    private static Optimizer sgd(List<Tensor> ps) {
        return new SGD(ps, 0.1, 0.9, 0, 0, false);
    }

    private static Optimizer adam(List<Tensor> ps) {
        return new Adam(ps, 0.1);
    }

    @Test
    void stateTensorsOfAnyValuesAndTypesAreCastAsPyTorchCastsThem() {
        run("sgd_int64", OptimizerLoadValuesTest::sgd, s -> s.put("momentum_buffer", Tensor.tensor(new long[] {1, 2, 3})),
                "momentum_buffer");
        run("sgd_bool", OptimizerLoadValuesTest::sgd, s -> s.put("momentum_buffer",
                Tensor.tensor(new boolean[] {true, false, true})), "momentum_buffer");
        run("sgd_float64_huge", OptimizerLoadValuesTest::sgd, s -> s.put("momentum_buffer",
                Tensor.tensor(new double[] {1e300, -2, 3})), "momentum_buffer");
        run("sgd_nan", OptimizerLoadValuesTest::sgd, s -> s.put("momentum_buffer",
                Tensor.tensor(new float[] {Float.NaN, 1, -1})), "momentum_buffer");
        run("adam_int32_exp_avg", OptimizerLoadValuesTest::adam, s -> s.put("exp_avg",
                Tensor.tensor(new long[] {1, -2, 3}).to(DType.INT32)), "exp_avg", "exp_avg_sq");
        run("adam_float64_exp_avg_sq", OptimizerLoadValuesTest::adam, s -> s.put("exp_avg_sq",
                Tensor.tensor(new double[] {4, 0.25, 1})), "exp_avg", "exp_avg_sq");
    }

    @SuppressWarnings("unchecked")
    @Test
    void groupCountsAndSizesAreCheckedInPyTorchsWords() {
        Tensor p = Tensor.ones(3).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 0.1, 0.9, 0, 0, false);
        Map<String, Object> sd = new LinkedHashMap<>(opt.stateDict());
        List<Object> groups = new ArrayList<>((List<Object>) sd.get("param_groups"));
        groups.add(groups.get(0));
        sd.put("param_groups", groups);
        assertEquals(EXPECTED.get("sgd_groups error"), assertThrows(IllegalArgumentException.class,
                () -> opt.loadStateDict(sd)).getMessage());
        Map<String, Object> sd2 = new LinkedHashMap<>(opt.stateDict());
        Map<String, Object> g0 = new LinkedHashMap<>(((List<Map<String, Object>>) sd2.get("param_groups")).get(0));
        g0.put("params", List.of(0, 1));
        sd2.put("param_groups", List.of(g0));
        assertEquals(EXPECTED.get("sgd_group_size error"), assertThrows(IllegalArgumentException.class,
                () -> opt.loadStateDict(sd2)).getMessage());
        // Ember keeps one check PyTorch leaves to the next step: a state tensor of another shape than its parameter
        Map<String, Object> sd3 = new LinkedHashMap<>(opt.stateDict());
        sd3.put("state", Map.of(0, Map.of("momentum_buffer", Tensor.ones(4))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(sd3));
        assertTrue(e.getMessage().contains("momentum_buffer has shape [4] but the parameter has shape [3]"), e.getMessage());
    }
}
