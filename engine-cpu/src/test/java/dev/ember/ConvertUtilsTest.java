package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.utils.Convert;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Convert} ({@code parameters_to_vector}, {@code vector_to_parameters}) and {@link Module#getSubmodule},
 * {@link Module#getParameter}, {@link Module#getBuffer} against PyTorch on {@code Sequential(Linear(2, 3),
 * BatchNorm1d(3))} (rnnutils/make_expected.py): the vector and its node, the parameters after the vector is written
 * back (a short vector PyTorch's view error with nothing changed, a long one's leading elements used), and every
 * lookup's result or AttributeError message.
 */
class ConvertUtilsTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/rnnutils/expected.txt");

    private static Sequential model() {
        Sequential m = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : new String[] {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"}) {
            state.put(k, PyTorchCases.tensor(TORCH.field("model", k)));
        }
        m.loadStateDict(state, false);
        return m;
    }

    private static void checkParameters(String key, Module m) {
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            AutogradFunctionalTest.check(TORCH, key, e.getKey(), e.getValue(), 0);
            assertEquals(DType.FLOAT32, e.getValue().dtype());
        }
    }

    @Test
    void parametersToVectorAndBack() {
        Sequential m = model();
        Tensor vec = Convert.parametersToVector(m.parameters());
        AutogradFunctionalTest.check(TORCH, "p2v", "vec", vec, 0);
        assertEquals(TORCH.field("p2v", "node"), vec.gradFn().name());
        Tensor w = m.getParameter("0.weight");
        Convert.vectorToParameters(Tensor.arange(vec.numel()).to(DType.FLOAT32).div(4.0), m.parameters());
        checkParameters("v2p", m);
        assertSame(w, m.getParameter("0.weight")); // the same parameter object, its data replaced
        double[] before = Convert.parametersToVector(m.parameters()).toDoubleArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Convert.vectorToParameters(Tensor.zeros(3), m.parameters()));
        assertEquals(TORCH.error("v2p.short"), e.getMessage());
        assertArrayEquals(before, Convert.parametersToVector(m.parameters()).toDoubleArray(), 0.0);
        Convert.vectorToParameters(Tensor.arange(100).to(DType.FLOAT32), m.parameters());
        checkParameters("v2p.long", m);
    }

    @Test
    void lookupsByDottedName() {
        Sequential m = model();
        for (String target : new String[] {"0.weight", "1.running_mean", "2", "0.foo", "0.weight.x", "foo.bar", "", "1"}) {
            for (String f : new String[] {"get_submodule", "get_parameter", "get_buffer"}) {
                String key = f + "." + target;
                java.util.function.Supplier<Object> call = () -> f.equals("get_submodule") ? m.getSubmodule(target)
                        : f.equals("get_parameter") ? m.getParameter(target) : m.getBuffer(target);
                if (linesStartWithValue(key)) {
                    Object r = call.get();
                    String type = TORCH.value(key);
                    if (type.equals("Parameter") || type.equals("Tensor")) {
                        assertSame(f.equals("get_parameter") ? m.namedParameters().get(target) : m.namedBuffers().get(target), r);
                    } else {
                        assertEquals(type, r.getClass().getSimpleName(), key);
                    }
                } else {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get, key);
                    assertEquals(TORCH.error(key), e.getMessage(), key);
                }
            }
        }
    }

    private static boolean linesStartWithValue(String key) {
        try {
            TORCH.value(key);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }
}
