package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code Ember.setDefaultDtype}, as {@code torch.set_default_dtype}: the dtype of each case under float32 and float64
 * defaults, against {@code defaultdtype/expected.txt} (written by {@code make_expected.py} with PyTorch).
 */
class DefaultDtypeTest {

    private static Map<String, Supplier<Tensor>> cases() {
        Map<String, Supplier<Tensor>> c = new LinkedHashMap<>();
        c.put("zeros", () -> Tensor.zeros(2));
        c.put("ones", () -> Tensor.ones(2));
        c.put("empty", () -> Tensor.empty(2));
        c.put("full", () -> Tensor.full(new int[] {2}, 1.5));
        c.put("rand", () -> Tensor.rand(2));
        c.put("randn", () -> Tensor.randn(2));
        c.put("normal", () -> Tensor.normal(0.0, 1.0, 2));
        c.put("arange_float", () -> Tensor.arange(0.0, 3.0, 0.5)); // double arguments: floating, as Python floats
        c.put("arange_int", () -> Tensor.arange(3));
        c.put("linspace", () -> Tensor.linspace(0, 1, 3));
        c.put("logspace", () -> Tensor.logspace(0, 1, 3));
        c.put("eye", () -> Tensor.eye(2));
        c.put("tensor_doubles", () -> Tensor.tensor(new double[] {1.5, 2.5}));
        c.put("tensor_nested_doubles", () -> Tensor.tensor(new double[][] {{1.5}, {2.5}}));
        c.put("tensor_longs", () -> Tensor.tensor(new long[] {1, 2}));
        c.put("int_mul_float", () -> Tensor.arange(3).mul(1.5));
        c.put("int_div_int", () -> Tensor.arange(3).div(2));
        c.put("int_sqrt", () -> Tensor.arange(3).sqrt());
        c.put("int_exp", () -> Tensor.arange(3).exp());
        c.put("int_sigmoid", () -> Tensor.arange(3).sigmoid());
        c.put("int_pow_float", () -> Tensor.arange(3).pow(2.0));
        c.put("int_clamp_float", () -> Tensor.arange(3).clamp(0.5, 1.5));
        c.put("int_polygamma", () -> Tensor.arange(1, 3, 1).to(DType.INT64).polygamma(1));
        c.put("int_logsumexp", () -> Tensor.arange(3).logsumexp(0));
        c.put("int_erf", () -> Special.erf(Tensor.arange(3)));
        c.put("int_atan2", () -> Tensor.arange(3).atan2(Tensor.arange(3)));
        c.put("float32_mul_float", () -> Tensor.ones(DType.FLOAT32, 2).mul(1.5));
        c.put("float32_sqrt", () -> Tensor.ones(DType.FLOAT32, 2).sqrt());
        c.put("linear_weight", () -> new Linear(2, 2).weight);
        c.put("batchnorm_running_mean", () -> new BatchNorm1d(2).getBuffer("running_mean"));
        c.put("clip_grad_norm_empty", () -> ClipGrad.clipGradNorm_(List.of(), 1.0));
        return c;
    }

    private static List<String> expected() throws IOException {
        try (InputStream in = DefaultDtypeTest.class.getResourceAsStream("/defaultdtype/expected.txt")) {
            assertNotNull(in, "defaultdtype/expected.txt");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void eachCaseHasPyTorchsDtypeUnderEachDefault() throws IOException {
        Map<String, Supplier<Tensor>> cases = cases();
        List<String> lines = expected();
        assertEquals(2 * cases.size(), lines.size());
        DType before = Ember.getDefaultDtype();
        try {
            for (String line : lines) {
                String[] f = line.split(" ");
                Ember.setDefaultDtype(DType.valueOf(f[0].toUpperCase()));
                Supplier<Tensor> c = cases.get(f[1]);
                assertNotNull(c, f[1]);
                assertEquals("torch." + f[2], c.get().dtype().torchName(), line);
            }
        } finally {
            Ember.setDefaultDtype(before);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void optimizerStepsFollowPyTorch2sScalarDtype() {
        // PyTorch 2.x's _get_scalar_dtype(): float64 under a float64 default, float32 otherwise (1.13 used the default
        // type itself, bfloat16 included; 2.x is the reference)
        DType before = Ember.getDefaultDtype();
        try {
            for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16}) {
                Ember.setDefaultDtype(d);
                Tensor w = Tensor.ones(DType.FLOAT32, 2).requiresGrad_(true);
                Adam adam = Adam.adam(List.of(w), 1e-3);
                w.sum().backward();
                adam.step();
                Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) adam.stateDict().get("state");
                Tensor step = (Tensor) state.get(0).get("step");
                assertEquals(d == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32, step.dtype(), d.toString());
                assertEquals(1.0, step.item());
            }
        } finally {
            Ember.setDefaultDtype(before);
        }
    }

    @Test
    void onlyFloatingTypesInPyTorchsWords() {
        DType before = Ember.getDefaultDtype();
        for (DType d : new DType[] {DType.INT64, DType.INT32, DType.BOOL, DType.UINT8}) {
            assertEquals("only floating-point types are supported as the default type",
                    assertThrows(IllegalArgumentException.class, () -> Ember.setDefaultDtype(d)).getMessage());
            assertEquals(before, Ember.getDefaultDtype());
        }
        assertEquals("set_default_dtype(): argument 'd' (position 1) must be torch.dtype, not null",
                assertThrows(IllegalArgumentException.class, () -> Ember.setDefaultDtype(null)).getMessage());
        assertEquals(DType.FLOAT32, before);
    }
}
