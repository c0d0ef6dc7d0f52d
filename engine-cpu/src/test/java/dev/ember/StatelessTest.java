package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.Stateless;
import dev.ember.nn.Tanh;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Stateless#functionalCall} against PyTorch's {@code functional_call} ({@code stateless/make_expected.py}): all
 * or some parameters given, MAML's meta-gradient through an inner step, batch norm's buffers given (updated in the
 * given tensors, the module's own untouched), a bias given as none, tied weights with and without tie_weights, and the
 * refusals (two tensors for one tied weight, strict, a key through a missing submodule) with every tensor unchanged.
 * Outputs and gradients to 1e-12 relative; after every call the module holds its own tensors again.
 */
class StatelessTest {
    private static final String RESOURCE = "/stateless/expected.txt";

    private static Module model(String name) {
        Module m;
        if (name.startsWith("batchnorm")) {
            m = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
        } else if (name.startsWith("tied")) {
            Sequential s = new Sequential(new Linear(3, 3), new Linear(3, 3));
            s.get(1).setParameter("weight", s.get(0, Linear.class).weight());
            m = s;
        } else {
            m = new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2));
        }
        return m.to(DType.FLOAT64);
    }

    private static Map<String, Tensor> prefixed(ReferenceCases.Case c, String prefix, boolean grad) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        c.lines().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                Tensor t = v.equals("none") ? null : PyTorchCases.tensor(v);
                // running statistics stay plain, as the script gives them: batch norm refuses ones that require grad
                // (native_batch_norm's autograd check), as PyTorch does
                out.put(k.substring(prefix.length()), t != null && grad && t.dtype().isFloatingPoint()
                        && !k.contains("running_") ? t.requiresGrad_(true) : t);
            }
        });
        return out;
    }

    @TestFactory
    List<DynamicTest> matchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        List<ReferenceCases.Case> cases = ReferenceCases.byFirstWord(RESOURCE);
        assertEquals(12, cases.size());
        for (ReferenceCases.Case c : cases) {
            tests.add(DynamicTest.dynamicTest(c.key(), () -> check(c)));
        }
        return tests;
    }

    private static void check(ReferenceCases.Case c) {
        String name = c.key();
        Module m = model(name);
        m.loadStateDict(prefixed(c, "m.", false));
        if (name.equals("batchnorm-eval-buffers")) {
            m.eval();
        }
        Map<String, Tensor> own = ownTensors(m);
        Map<String, double[]> ownValues = new HashMap<>();
        own.forEach((k, v) -> ownValues.put(k, v.toDoubleArray()));
        Map<String, Tensor> p = new HashMap<>(prefixed(c, "p.", true));
        Tensor x = PyTorchCases.tensor(c.get("x"));
        String error = c.get("error");
        if (error != null) {
            boolean strict = name.equals("strict");
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> Stateless.functionalCall(m, p, true, strict, mm -> mm.apply(x)));
            assertEquals(error.substring(error.indexOf(' ') + 1).replace("\\n", "\n").replace("\\t", "\t"),
                    e.getMessage());
        } else if (name.equals("maml")) {
            Tensor x1 = x;
            Tensor y1 = PyTorchCases.tensor(c.get("y"));
            Tensor x2 = PyTorchCases.tensor(c.get("x2"));
            Tensor y2 = PyTorchCases.tensor(c.get("y2"));
            Map<String, Tensor> params = m.namedParameters();
            Tensor loss1 = Functional.mseLoss(Stateless.functionalCall(m, params, x1), y1);
            List<Tensor> grads = Autograd.grad(List.of(loss1), new ArrayList<>(params.values()), null, true);
            Map<String, Tensor> fast = new LinkedHashMap<>();
            int i = 0;
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                fast.put(e.getKey(), e.getValue().sub(grads.get(i++).mul(0.1)));
            }
            Tensor loss2 = Functional.mseLoss(Stateless.functionalCall(m, fast, x2), y2);
            assertClose("out", PyTorchCases.tensor(c.get("out")), loss2);
            List<Tensor> meta = Autograd.grad(List.of(loss2), new ArrayList<>(params.values()), null, false);
            i = 0;
            for (String k : params.keySet()) {
                assertClose("meta." + k, PyTorchCases.tensor(c.get("meta." + k)), meta.get(i++));
            }
        } else {
            Map<String, Tensor> given = new HashMap<>(p);
            Tensor out = name.equals("tied-untie-false")
                    ? Stateless.functionalCall(m, p, false, false, mm -> mm.apply(x))
                    : Stateless.functionalCall(m, p, x);
            assertClose("out", PyTorchCases.tensor(c.get("out")), out);
            List<String> gradKeys = new ArrayList<>();
            c.lines().keySet().stream().filter(k -> k.startsWith("g.")).forEach(gradKeys::add);
            if (!gradKeys.isEmpty()) {
                List<Tensor> wrt = new ArrayList<>();
                gradKeys.forEach(k -> wrt.add(p.get(k.substring(2))));
                List<Tensor> gs = Autograd.grad(List.of(out.pow(2).sum()), wrt, null, false);
                for (int i = 0; i < gradKeys.size(); i++) {
                    assertClose(gradKeys.get(i), PyTorchCases.tensor(c.get(gradKeys.get(i))), gs.get(i));
                }
            }
            c.lines().forEach((k, v) -> {
                if (k.startsWith("after.")) {
                    assertClose(k, PyTorchCases.tensor(v), p.get(k.substring(6)));
                }
            });
            given.forEach((k, v) -> assertSame(v, p.get(k), "the caller's map keeps its tensors"));
        }
        // the module holds its own tensors again, unchanged, and no gradient reached them
        Map<String, Tensor> after = ownTensors(m);
        assertEquals(own.keySet(), after.keySet());
        for (String k : own.keySet()) {
            assertArrayEquals(ownValues.get(k), after.get(k).toDoubleArray(), k + " unchanged");
        }
        if (!name.equals("maml")) {
            m.parameters().forEach(t -> assertNull(t.grad()));
        }
        Map<String, Tensor> now = ownTensors(m);
        own.forEach((k, v) -> assertSame(v, now.get(k), k + " is the module's own tensor again"));
    }

    /** Every parameter under every name, and the buffers: the module's own tensor objects. */
    private static Map<String, Tensor> ownTensors(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>(m.namedParameters(false));
        out.putAll(m.namedBuffers());
        return out;
    }

    private static void assertClose(String what, Tensor expected, Tensor got) {
        ReferenceCases.assertClose(what, expected, got, 1e-12);
    }

    @Test
    void refusalsLeaveTheModuleAsItWas() {
        Module m = model("mlp");
        Tensor w = m.namedParameters().get("0.weight");
        assertThrows(IllegalArgumentException.class, () -> Stateless.functionalCall(null, Map.of(), Tensor.ones(1)));
        assertThrows(IllegalArgumentException.class, () -> Stateless.functionalCall(m, (Map<String, Tensor>) null, Tensor.ones(1)));
        Map<String, Tensor> withNullKey = new HashMap<>();
        withNullKey.put(null, Tensor.ones(1));
        assertThrows(IllegalArgumentException.class, () -> Stateless.functionalCall(m, withNullKey, Tensor.ones(1)));
        assertEquals("tensor name can't be empty string \"\"", assertThrows(IllegalArgumentException.class,
                () -> Stateless.functionalCall(m, Map.of("0.", Tensor.ones(1)), Tensor.ones(1))).getMessage());
        // the forward fails: the given tensor is taken out again
        Map<String, Tensor> bad = Map.of("0.weight", Tensor.ones(DType.FLOAT64, 7, 7));
        assertThrows(RuntimeException.class, () -> Stateless.functionalCall(m, bad, Tensor.ones(DType.FLOAT64, 2, 3)));
        assertSame(w, m.namedParameters().get("0.weight"));
    }
}
