package dev.ember;

import dev.ember.FuncTree.TreeFn;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link FuncTree}: torch.func's transforms over pytrees and has_aux against functorch 1.13
 * ({@code functree/make_expected.py}; where 1.13 lacks an API or fails before 2.x's check, the generator says how it
 * follows 2.x). The recipes: per-sample gradients of an MLP through functional_call with its parameters as a dict
 * ({@code vmap(grad(f), in_dims=(None, None, 0, 0))}), an ensemble over stacked state ({@code in_dims=(0, 0, None)}),
 * grad and grad_and_value with has_aux and several argnums over dicts and lists, vjp and jvp with trees of several
 * outputs (mixed float32/float64 included) and has_aux, jacrev/jacfwd/hessian giving nested dicts, vmap with in_dims
 * and out_dims trees and constant arguments, second-order MAML over a dict; then every message for structures that do
 * not match, non-tensor leaves where tensors are needed, and a has_aux result that is no pair. Every tensor of a result
 * is compared at its place in the tree (float64 to 1e-12 relative), every non-tensor leaf by value.
 */
class FuncTreeTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/functree/expected.txt");

    private static Map<String, Tensor> inputs(List<String> lines) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.startsWith("in ")) {
                int sp = line.indexOf(' ', 3);
                in.put(line.substring(3, sp), parse(line.substring(sp + 1)));
            }
        }
        return in;
    }

    /** {@code [2, 3] : v v v ...} as a float64 tensor. */
    private static Tensor parse(String s) {
        int colon = s.indexOf(" : ");
        String dims = s.substring(1, s.indexOf(']'));
        int[] shape = dims.isBlank() ? new int[0] : java.util.Arrays.stream(dims.split(", ")).mapToInt(Integer::parseInt)
                .toArray();
        String body = s.substring(colon + 3).trim();
        double[] v = body.isEmpty() ? new double[0] : java.util.Arrays.stream(body.split(" "))
                .mapToDouble(Double::parseDouble).toArray();
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    private static Sequential mlp() {
        Sequential m = new Sequential(new Linear(4, 5), new Tanh(), new Linear(5, 3));
        m.to(DType.FLOAT64);
        return m;
    }

    private static Map<String, Tensor> params(Map<String, Tensor> in) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (String k : List.of("0.weight", "0.bias", "2.weight", "2.bias")) {
            p.put(k, in.get("p_" + k.replace('.', '_')));
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    private static <T> T as(Object o) {
        return (T) o;
    }

    private static Map<String, Object> dict(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Tensor t(Object o) {
        return (Tensor) o;
    }

    private static Map<String, Function<Map<String, Tensor>, Object>> twins() {
        Map<String, Function<Map<String, Tensor>, Object>> m = new LinkedHashMap<>();
        m.put("per_sample_grads", in -> {
            Sequential mlp = mlp();
            TreeFn f = a -> {
                Tensor out = Stateless.functionalCall(mlp, List.of(FuncTree.params(a[0]), FuncTree.params(a[1])),
                        t(a[2]).unsqueeze(0));
                return Functional.crossEntropy(out, t(a[3]).unsqueeze(0));
            };
            return FuncTree.vmap(FuncTree.grad(f), new Object[] {null, null, 0, 0}, 0).apply(params(in), Map.of(),
                    in.get("x"), in.get("t").to(DType.INT64));
        });
        m.put("grad_has_aux", in -> {
            Sequential mlp = mlp();
            return FuncTree.grad(a -> {
                Tensor out = Stateless.functionalCall(mlp, FuncTree.params(a[0]), t(a[1]));
                return List.of(out.pow(2.0).mean(), dict("logits", out, "hidden", List.of(out.sum(new int[] {1}, false))));
            }, 0, true).apply(params(in), in.get("x"));
        });
        m.put("grad_and_value_argnums_aux", in -> FuncTree.gradAndValue(a -> {
            Map<String, Tensor> d = as(a[0]);
            double s = (Double) a[1];
            List<Tensor> b = as(a[2]);
            return List.of(d.get("u").mul(b.get(0)).sum().mul(s).add(b.get(1).exp().sum()),
                    new Object[] {d.get("u").mul(2.0)});
        }, new int[] {0, 2}, true).apply(Map.of("u", in.get("u")), 1.5, List.of(in.get("v"), in.get("w"))));
        m.put("ensemble", in -> {
            List<Linear> models = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Linear l = new Linear(3, 2);
                l.to(DType.FLOAT64);
                try (GradMode off = Ember.noGrad()) {
                    l.weight.copy_(in.get("w" + i));
                    l.bias.copy_(in.get("b" + i));
                }
                models.add(l);
            }
            List<Map<String, Tensor>> state = Func.stackModuleState(models);
            Module base = models.get(0);
            return FuncTree.vmap(a -> Stateless.functionalCall(base, List.of(FuncTree.params(a[0]), FuncTree.params(a[1])),
                    t(a[2])),
                    new Object[] {0, 0, null}, 0).apply(state.get(0), state.get(1), in.get("x"));
        });
        m.put("vjp_tree_multi_output", in -> {
            FuncTree.VjpResult r = FuncTree.vjp(a -> {
                Map<String, Tensor> p = as(a[0]);
                return dict("y", p.get("w").matmul(p.get("b")), "z", List.of(p.get("b").sin(),
                        p.get("w").mul(2.0).to(DType.FLOAT32)));
            }, false, dict("w", in.get("w"), "b", in.get("b")));
            return List.of(r.output(), r.vjpFn().apply(dict("y", in.get("cy"), "z", List.of(in.get("cz"),
                    in.get("cw").to(DType.FLOAT32)))));
        });
        m.put("vjp_has_aux", in -> {
            FuncTree.VjpResult r = FuncTree.vjp(a -> List.of(t(a[0]).mul(t(((List<?>) a[1]).get(0))),
                    dict("m", t(a[0]).mean())), true, in.get("x"), List.of(in.get("y")));
            return List.of(r.output(), r.vjpFn().apply(in.get("c")), r.aux());
        });
        m.put("jvp_tree", in -> FuncTree.jvp(a -> {
            Tensor x = t(a[0]);
            Tensor d = t(((Map<?, ?>) a[1]).get("a"));
            return new Object[] {x.mul(d), x.sin().mul(d).sum()};
        }, new Object[] {in.get("x"), dict("a", in.get("a"))}, new Object[] {in.get("tx"), dict("a", in.get("ta"))},
                false));
        m.put("jvp_has_aux", in -> FuncTree.jvp(a -> List.of(t(a[0]).exp(), List.of(t(a[0]).cos())),
                new Object[] {in.get("x")}, new Object[] {in.get("t")}, true));
        m.put("jacrev_dict", in -> FuncTree.jacrev(a -> {
            Map<String, Tensor> p = as(a[0]);
            return p.get("w").matmul(p.get("b"));
        }, 0, false).apply(dict("w", in.get("w"), "b", in.get("b"))));
        m.put("jacfwd_multi_output", in -> FuncTree.jacfwd(a -> {
            Tensor x = t(a[0]);
            Tensor p = t(((Map<?, ?>) a[1]).get("a"));
            return dict("s", p.mul(x).sum(), "v", List.of(p.exp().mul(x.select(0, 0))));
        }, 1, false).apply(in.get("x"), dict("a", in.get("a"))));
        m.put("jacrev_has_aux", in -> FuncTree.jacrev(a -> List.of(t(a[0]).sin(), dict("c", t(a[0]).cos())), 0, true)
                .apply(in.get("x")));
        m.put("hessian_dict", in -> FuncTree.hessian(a -> {
            Map<String, Tensor> p = as(a[0]);
            return p.get("a").mul(p.get("b").exp()).sum().add(p.get("a").pow(3.0).sum());
        }, 0).apply(dict("a", in.get("a"), "b", in.get("b"))));
        m.put("vmap_in_out_dims_trees", in -> FuncTree.vmap(a -> {
            Map<String, Tensor> d = as(a[0]);
            return new Object[] {d.get("a").mul(d.get("b")), d.get("a").sum()};
        }, new Object[] {dict("a", 0, "b", null)}, new Object[] {1, 0}).apply(dict("a", in.get("a"), "b", in.get("b"))));
        m.put("vmap_dict_output_const_arg", in -> FuncTree.vmap(a -> {
            Tensor x = t(a[0]);
            return dict("y", x.mul((Double) a[1]), "z", List.of(x, x.add(1.0)));
        }, new Object[] {0, null}, 0).apply(in.get("x"), 2.0));
        m.put("maml_second_order", in -> {
            TreeFn loss = a -> {
                Map<String, Tensor> p = as(a[0]);
                return t(a[1]).matmul(p.get("w")).add(p.get("b")).tanh().pow(2.0).sum();
            };
            return FuncTree.grad(a -> {
                Map<String, Tensor> p = as(a[0]);
                Map<String, Tensor> g1 = as(FuncTree.grad(loss).apply(p, a[1]));
                Map<String, Object> q = new LinkedHashMap<>();
                for (String k : p.keySet()) {
                    q.put(k, p.get(k).sub(g1.get(k).mul(0.1)));
                }
                return loss.apply(q, a[1]);
            }).apply(dict("w", in.get("w"), "b", in.get("b")), in.get("x"));
        });
        // the refusals
        m.put("error_aux_not_tuple", in -> FuncTree.grad(a -> t(((Map<?, ?>) a[0]).get("a")).sum(), 0, true)
                .apply(dict("a", in.get("x"))));
        m.put("error_grad_nontensor_arg", in -> FuncTree.grad(a -> t(a[0]).sum().mul((Double) a[1]), 1, false)
                .apply(in.get("x"), 2.0));
        m.put("error_grad_dict_nontensor_leaf", in -> FuncTree.grad(a -> t(((Map<?, ?>) a[0]).get("a")).sum())
                .apply(dict("a", in.get("x"), "b", 3)));
        m.put("error_grad_returns_float", in -> FuncTree.grad(a -> 1.5).apply(dict("a", in.get("x"))));
        m.put("error_vmap_nontensor_in0", in -> FuncTree.vmap(a -> t(a[0]).mul((Double) a[1]), new Object[] {0, 0}, 0)
                .apply(in.get("x"), 2.0));
        m.put("error_vmap_in_dims_struct", in -> FuncTree.vmap(a -> ((Map<?, ?>) a[0]).get("a"),
                new Object[] {dict("b", 0)}, 0).apply(dict("a", in.get("x"))));
        m.put("error_vmap_in_dims_len", in -> FuncTree.vmap(a -> a[0], new Object[] {0}, 0).apply(in.get("x"),
                in.get("x")));
        m.put("error_vmap_out_struct", in -> FuncTree.vmap(a -> new Object[] {a[0], a[0]}, 0, new Object[] {0, 0, 0})
                .apply(in.get("x")));
        m.put("error_vmap_returns_int", in -> FuncTree.vmap(a -> new Object[] {a[0], 1}).apply(in.get("x")));
        m.put("error_vmap_in_dims_none", in -> FuncTree.vmap(a -> a[0], null, 0).apply(in.get("x")));
        m.put("error_vjp_aux_not_tuple", in -> FuncTree.vjp(a -> t(a[0]).mul(2.0), true, in.get("x")));
        m.put("error_vjp_cotangent_structure", in -> FuncTree.vjp(a -> new Object[] {t(a[0]).mul(2.0),
                t(a[0]).mul(3.0)}, false, in.get("x")).vjpFn().apply(Tensor.ones(DType.FLOAT64, 3)));
        m.put("error_vjp_cotangent_shape", in -> FuncTree.vjp(a -> new Object[] {t(a[0]).mul(2.0),
                t(a[0]).narrow(0, 0, 2)}, false, in.get("x")).vjpFn().apply(new Object[] {Tensor.ones(DType.FLOAT64, 3),
                Tensor.ones(DType.FLOAT64, 3)}));
        m.put("error_jvp_structure", in -> FuncTree.jvp(a -> a[0], new Object[] {in.get("x"), dict("a", in.get("x"))},
                new Object[] {in.get("x"), List.of(in.get("x"))}, false));
        m.put("error_aux_not_tensors", in -> FuncTree.grad(a -> List.of(t(a[0]).sum(), dict("note", "mse")), 0, true)
                .apply(in.get("x")));
        m.put("error_vjp_aux_not_tensors", in -> FuncTree.vjp(a -> List.of(t(a[0]).mul(2.0), List.of(a[0], 1.5)), true,
                in.get("x")));
        return m;
    }

    @TestFactory
    List<DynamicTest> againstFunctorch() {
        Map<String, Function<Map<String, Tensor>, Object>> twins = twins();
        assertEquals(CASES.keySet(), twins.keySet());
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : CASES.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue(), twins.get(e.getKey()))));
        }
        return tests;
    }

    private static void check(String name, List<String> lines, Function<Map<String, Tensor>, Object> twin) {
        Map<String, Tensor> in = inputs(lines);
        String error = lines.stream().filter(l -> l.startsWith("error ")).map(l -> l.substring(6)).findFirst().orElse(null);
        Object result;
        try {
            result = twin.apply(in);
        } catch (IllegalArgumentException | IllegalStateException ex) {
            assertEquals(error, ex.getMessage(), name);
            return;
        }
        assertEquals(null, error, name + ": expected a refusal");
        Map<String, Object> leaves = new LinkedHashMap<>();
        walk(result, "", leaves);
        int compared = 0;
        for (String line : lines) {
            if (line.startsWith("out ")) {
                int colon = line.indexOf(" : ");
                String head = line.substring(4, colon);
                int bracket = head.lastIndexOf(" [");
                String path = head.substring(0, bracket);
                Object got = leaves.remove(path);
                assertNotNull(got, name + ": no tensor at " + path + " in " + leaves.keySet());
                Tensor want = parse(head.substring(bracket + 1) + line.substring(colon));
                Tensor have = (Tensor) got;
                assertArrayEquals(want.shape(), have.shape(), name + " " + path);
                double[] w = want.toDoubleArray();
                double[] h = have.detach().to(DType.FLOAT64).toDoubleArray();
                double tol = have.dtype() == DType.FLOAT32 ? 1e-6 : 1e-12;
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i], h[i], tol * Math.max(1, Math.abs(w[i])), name + " " + path + "[" + i + "]");
                }
                compared++;
            } else if (line.startsWith("const ")) {
                String[] parts = line.substring(6).split(" ", 2);
                Object got = leaves.remove(parts[0]);
                assertEquals(parts[1], String.valueOf(got), name + " " + parts[0]);
            }
        }
        assertTrue(compared > 0, name);
        assertEquals(Map.of(), leaves, name + ": leaves PyTorch does not have");
    }

    /** The leaves of a result tree by path, as the generator writes them. */
    private static void walk(Object tree, String path, Map<String, Object> out) {
        if (tree instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "['" + e.getKey() + "']", out);
            }
        } else if (tree instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(l.get(i), path + "[" + i + "]", out);
            }
        } else if (tree instanceof Object[] a) {
            for (int i = 0; i < a.length; i++) {
                walk(a[i], path + "[" + i + "]", out);
            }
        } else {
            out.put(path, tree);
        }
    }

    @Test
    void resultsKeepTheArgumentsContainersAndTheGraphOnlyForAnEnclosingTransform() {
        Tensor w = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64);
        Object[] tuple = new Object[] {w, List.of(w.mul(2.0))};
        Object g = FuncTree.grad(a -> {
            Object[] p = (Object[]) a[0];
            return t(p[0]).mul(t(((List<?>) p[1]).get(0))).sum();
        }).apply((Object) tuple);
        assertTrue(g instanceof Object[] arr && arr.length == 2 && arr[1] instanceof List, String.valueOf(g));
        Tensor g0 = t(((Object[]) g)[0]);
        assertArrayEquals(new double[] {2, 4}, g0.toDoubleArray(), 0);
        // a plain result (no outer transform needs its graph)
        assertTrue(!g0.requiresGrad(), "grad's result keeps a graph");
        try {
            FuncTree.vmap(a -> a[0], 0, 0).apply(Tensor.zeros(DType.FLOAT64, 0));
            fail("vmap over a dimension of size 0");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("size 0"), expected.getMessage());
        }
    }

    /**
     * Ember's vmap calls f once per sample (PyTorch's once for the batch), so a function whose results depend on the
     * sample's values could answer with another structure or count for a later sample: refused with a clear message,
     * never an index error.
     */
    @Test
    void aSampleAnsweringWithAnotherStructureIsRefused() {
        Tensor x = Tensor.tensor(new double[] {1, -1}, DType.FLOAT64);
        IllegalArgumentException tree = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FuncTree.vmap(a -> t(a[0]).item() > 0 ? List.of(a[0]) : List.of(a[0], a[0])).apply(x));
        assertEquals("vmap(f, ...): f returned the structure [*, *] for a later sample but [*] for sample 0; Ember's vmap "
                + "runs f once per sample and needs the same structure from each", tree.getMessage());
        IllegalArgumentException flat = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Func.vmapMulti(a -> a[0].item() > 0 ? new Tensor[] {a[0]} : new Tensor[] {a[0], a[0]}, null, null,
                        Func.Randomness.ERROR).apply(x));
        assertEquals("vmap(f, ...): f returned 2 results for sample 1 but 1 for sample 0; Ember's vmap runs f once per "
                + "sample and needs the same results from each", flat.getMessage());
    }

    @Test
    void paramsTypesADictArgumentOrRefusesWhatIsNone() {
        Map<String, Object> ok = dict("w", Tensor.ones(2));
        assertTrue(FuncTree.params(ok).get("w") instanceof Tensor);
        IllegalArgumentException e1 = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FuncTree.params(List.of(Tensor.ones(2))));
        assertEquals("expected a dict of tensors, got <class 'list'>", e1.getMessage());
        IllegalArgumentException e2 = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FuncTree.params(dict("w", 1.5)));
        assertEquals("expected a dict of tensors, got <class 'float'> for 'w'", e2.getMessage());
        IllegalArgumentException e3 = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FuncTree.params(Map.of(3, Tensor.ones(1))));
        assertEquals("expected a dict of tensors with str keys, got the key 3 of <class 'int'>", e3.getMessage());
        assertEquals("expected a dict of tensors, got null", org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> FuncTree.params(null)).getMessage());
    }
}
