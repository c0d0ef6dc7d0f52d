package dev.ember;

import dev.ember.Func.Randomness;
import dev.ember.Func.TensorFn;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Func} (torch.func) against functorch 1.13: vmap (in_dims, out_dims, nesting, several results, writes into
 * mapped inputs), grad and grad_and_value (argnums, unused and constant results, nesting, an argument passed twice, a
 * captured tensor that requires grad), per-sample gradients of an MLP through functional_call, jacrev/jacfwd/hessian,
 * an ensemble through stack_module_state, jvp and vjp (composed with grad and vmap; session 27), and the messages of
 * every refused call. Expected values:
 * {@code func/make_expected.py}. Then Ember's own rules, which functorch has no twin for: randomness "same" and
 * "different", the refusal of an in-place change of a captured tensor, and which results keep a graph.
 */
class FuncTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/func/expected.txt");

    /** The Ember twin of each case: inputs in, results out. */
    private static Map<String, Function<Tensor[], Tensor[]>> twins() {
        Map<String, Function<Tensor[], Tensor[]>> m = new LinkedHashMap<>();
        // vmap
        m.put("vmap_dot", in -> one(Func.vmap(a -> a[0].dot(a[1])).apply(in)));
        m.put("vmap_in_dims_none_out1", in -> one(Func.vmap(a -> a[0].mul(a[1].exp()).add(1.0),
                new Integer[] {1, null}, 1).apply(in)));
        m.put("vmap_neg_in_dim", in -> one(Func.vmap(a -> a[0].softmax(0), new Integer[] {-1}, 0).apply(in)));
        m.put("vmap_nested", in -> one(Func.vmap(Func.vmap(a -> a[0].mul(a[1]).sum(), new Integer[] {0, null}, 0))
                .apply(in)));
        m.put("vmap_multi_out", in -> Func.vmapMulti(a -> new Tensor[] {a[0].sum(), a[0].matmul(a[0]), a[0].t()}, null,
                new int[] {0, 1, -1}, Randomness.ERROR).apply(in));
        m.put("vmap_matmul_broadcast", in -> one(Func.vmap(a -> a[0].matmul(a[1]), new Integer[] {0, null}, 0)
                .apply(in)));
        m.put("vmap_reduction_keepdim", in -> one(Func.vmap(a -> a[0].mean(new int[] {1}, true).sub(a[0].amax(new int[] {0}, false)),
                new Integer[] {2}, 0).apply(in)));
        m.put("vmap_inplace_on_mapped_input", in -> {
            Tensor y = in[0].clone();
            Func.vmap(a -> a[0].mul_(2L).add_(1L)).apply(y);
            return one(y);
        });
        m.put("vmap_err_sizes", in -> one(Func.vmap(a -> a[0].add(a[1])).apply(in)));
        m.put("vmap_err_unbatched", in -> one(Func.vmap(a -> a[0].add(a[1]), new Integer[] {null, null}, 0).apply(in)));
        m.put("vmap_err_in_dims_len", in -> one(Func.vmap(a -> a[0].add(a[1]), new Integer[] {0}, 0).apply(in)));
        m.put("vmap_err_in_dim_range", in -> one(Func.vmap(a -> a[0].sum(), new Integer[] {2}, 0).apply(in)));
        m.put("vmap_err_in_dim_0dim", in -> one(Func.vmap(a -> a[0], new Integer[] {0}, 0).apply(in)));
        m.put("vmap_err_random", in -> one(Func.vmap(a -> a[0].add(Tensor.rand(DType.FLOAT64, 4))).apply(in)));
        m.put("vmap_err_dropout", in -> one(Func.vmap(a -> Functional.dropout(a[0], 0.5, true)).apply(in)));
        m.put("vmap_err_out_dims_len", in -> Func.vmapMulti(a -> new Tensor[] {a[0], a[0].mul(2L)}, null, new int[] {0},
                Randomness.ERROR).apply(in));
        m.put("vmap_err_out_dim_range", in -> one(Func.vmap(a -> a[0].mul(2L), null, 3).apply(in)));
        // grad
        m.put("grad_cube", in -> one(Func.grad(a -> a[0].pow(3.0).sum()).apply(in)));
        m.put("grad_argnums", in -> Func.grad(a -> a[0].mul(a[1].sin()).add(a[2]).sum(), new int[] {0, 2}).apply(in));
        m.put("grad_argnums_neg", in -> Func.grad(a -> a[0].mul(a[1]).mul(a[1]).sum(), new int[] {-1}).apply(in));
        m.put("grad_unused_zero", in -> Func.grad(a -> a[0].square().sum(), new int[] {0, 1}).apply(in));
        m.put("grad_constant_zero", in -> one(Func.grad(a -> Tensor.full(DType.FLOAT64, 3.0)).apply(in)));
        m.put("grad_and_value", in -> Func.gradAndValue(a -> a[0].exp().sum(), new int[] {0}).apply(in));
        m.put("grad_of_grad", in -> one(Func.grad(a -> Func.grad(b -> b[0].pow(3.0).sum()).apply(a[0]).sum())
                .apply(in)));
        // the same tensor object twice, as the script passes x twice
        m.put("grad_same_tensor_twice", in -> Func.grad(a -> a[0].mul(a[1].exp()).sum(), new int[] {0, 1})
                .apply(in[0], in[0]));
        m.put("grad_err_nonscalar", in -> one(Func.grad(a -> a[0].mul(2L)).apply(in)));
        m.put("grad_err_int", in -> one(Func.grad(a -> a[0].sum()).apply(in)));
        m.put("grad_err_argnum_range", in -> Func.grad(a -> a[0].sum(), new int[] {1}).apply(in));
        m.put("grad_err_argnum_range_neg", in -> Func.grad(a -> a[0].sum(), new int[] {-2}).apply(in));
        m.put("grad_err_argnums_empty", in -> Func.grad(a -> a[0].sum(), new int[0]).apply(in));
        m.put("grad_err_argnums_dup", in -> Func.grad(a -> a[0].mul(a[1]).sum(), new int[] {0, 0}).apply(in));
        m.put("per_sample_grads", FuncTest::perSampleGrads);
        // Jacobians
        m.put("jacrev_linear_sin", in -> one(Func.jacrev(a -> a[1].matmul(a[0].sin())).apply(in)));
        m.put("jacrev_matrix_input", in -> one(Func.jacrev(a -> a[0].matmul(a[0])).apply(in)));
        m.put("jacrev_argnum1", in -> one(Func.jacrev(a -> a[0].outer(a[1].exp()), 1).apply(in)));
        m.put("jacfwd_tanh", in -> one(Func.jacfwd(a -> a[0].tanh().mul(a[0])).apply(in)));
        m.put("jacrev_constant", in -> one(Func.jacrev(a -> Tensor.ones(DType.FLOAT64, 2)).apply(in)));
        m.put("hessian_quadratic", in -> one(Func.hessian(a -> a[0].matmul(a[1]).matmul(a[0])).apply(in)));
        m.put("hessian_sin", in -> one(Func.hessian(a -> a[0].sin().sum()).apply(in)));
        m.put("jacrev_err_bool", in -> one(Func.jacrev(a -> a[0].gt(0L)).apply(in)));
        m.put("jacrev_err_int_input", in -> one(Func.jacrev(a -> a[0].mul(2L)).apply(in)));
        m.put("ensemble", FuncTest::ensemble);
        // jvp and vjp (session 27)
        m.put("jvp_sin_mul", in -> jvp(Func.jvp(a -> a[0].sin().mul(a[1]).sum(new int[] {0}, false),
                new Tensor[] {in[0], in[1]}, new Tensor[] {in[2], in[3]})));
        m.put("jvp_matmul", in -> jvp(Func.jvp(a -> a[0].matmul(a[0]), new Tensor[] {in[0]}, new Tensor[] {in[1]})));
        m.put("jvp_unused", in -> jvp(Func.jvp(a -> a[0].exp(), new Tensor[] {in[0], in[1]}, new Tensor[] {in[2], in[3]})));
        m.put("jvp_tangent_float32", in -> jvp(Func.jvp(a -> a[0].tanh(), new Tensor[] {in[0]}, new Tensor[] {in[1]})));
        m.put("jvp_of_grad", in -> jvp(Func.jvp(Func.grad(a -> a[0].sin().mul(a[0]).sum()), new Tensor[] {in[0]},
                new Tensor[] {in[1]})));
        m.put("grad_of_jvp", in -> one(Func.grad(a -> Func.jvp(b -> b[0].sin().mul(b[0]).sum(), new Tensor[] {a[0]},
                new Tensor[] {in[1]}).jvp()).apply(in[0])));
        m.put("vmap_of_jvp", in -> one(Func.vmap(a -> Func.jvp(b -> b[0].exp().sum(), new Tensor[] {a[0]},
                new Tensor[] {a[1]}).jvp()).apply(in)));
        m.put("vjp_sin_mul", in -> {
            Func.VjpOut r = Func.vjp(a -> a[0].sin().mul(a[1]).sum(new int[] {0}, false), in[0], in[1]);
            List<Tensor> g = r.vjpFn().apply(in[2]);
            return new Tensor[] {r.output(), g.get(0), g.get(1)};
        });
        m.put("vjp_twice", in -> {
            Func.VjpOut r = Func.vjp(a -> a[0].exp().mul(a[0]), in[0]);
            return new Tensor[] {r.vjpFn().apply(in[1]).get(0), r.vjpFn().apply(in[2]).get(0)};
        });
        m.put("vjp_cotangent_float32", in -> one(Func.vjp(a -> a[0].sin(), in[0]).vjpFn().apply(in[1]).get(0)));
        m.put("grad_of_vjp", in -> one(Func.grad(a -> Func.vjp(b -> b[0].sin().mul(b[0]), a[0]).vjpFn().apply(in[1]).get(0)
                .sum()).apply(in[0])));
        m.put("jvp_err_structure", in -> jvp(Func.jvp(a -> a[0].sum().add(a[1].sum()), new Tensor[] {in[0], in[1]},
                new Tensor[] {in[0]})));
        m.put("jvp_err_size", in -> jvp(Func.jvp(a -> a[0].sin(), new Tensor[] {in[0]}, new Tensor[] {in[1]})));
        m.put("jvp_err_int_tangent", in -> jvp(Func.jvp(a -> a[0].sin(), new Tensor[] {in[0]}, new Tensor[] {in[1]})));
        m.put("jvp_err_int_primal", in -> jvp(Func.jvp(a -> a[0].mul(2L), new Tensor[] {in[0]}, new Tensor[] {in[1]})));
        m.put("jvp_err_empty", in -> jvp(Func.jvp(a -> Tensor.ones(DType.FLOAT64, 1), new Tensor[0], new Tensor[0])));
        m.put("vjp_err_shape", in -> one(Func.vjp(a -> a[0].sum(new int[] {0}, false), in[0]).vjpFn().apply(in[1]).get(0)));
        return m;
    }

    private static Tensor[] jvp(Func.JvpOut r) {
        return new Tensor[] {r.output(), r.jvp()};
    }

    private static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }

    private static Sequential mlp() {
        Sequential m = new Sequential(new Linear(4, 6), new Tanh(), new Linear(6, 3));
        m.to(DType.FLOAT64);
        return m;
    }

    /** torch.func's per-sample-gradient recipe: vmap(grad(loss, argnums=params), in_dims=(None x 4, 0, 0)). */
    private static Tensor[] perSampleGrads(Tensor[] in) {
        Sequential model = mlp();
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        TensorFn loss = a -> {
            Map<String, Tensor> p = new LinkedHashMap<>();
            for (int i = 0; i < 4; i++) {
                p.put(names.get(i), a[i]);
            }
            Tensor out = Stateless.functionalCall(model, p, a[4].unsqueeze(0));
            return Functional.crossEntropy(out, a[5].unsqueeze(0));
        };
        return Func.vmapMulti(Func.grad(loss, new int[] {0, 1, 2, 3}), new Integer[] {null, null, null, null, 0, 0},
                new int[] {0, 0, 0, 0}, Randomness.ERROR).apply(in);
    }

    /** Three Linear(3, 2) models stacked by stack_module_state, vmapped through functional_call over the stack. */
    private static Tensor[] ensemble(Tensor[] in) {
        List<Linear> models = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Linear l = new Linear(3, 2);
            l.to(DType.FLOAT64);
            try (GradMode off = Ember.noGrad()) {
                l.weight.copy_(in[2 * i]);
                l.bias.copy_(in[2 * i + 1]);
            }
            models.add(l);
        }
        List<Map<String, Tensor>> state = Func.stackModuleState(models);
        Map<String, Tensor> params = state.get(0);
        assertTrue(state.get(1).isEmpty(), "Linear has no buffers");
        Linear base = models.get(0);
        // torch.func.functional_call(base, (params, buffers), x) with the per-model slices
        Tensor out = Func.vmap(a -> Stateless.functionalCall(base, List.of(Map.of("weight", a[0], "bias", a[1]),
                        state.get(1)), a[2]), new Integer[] {0, 0, null}, 0)
                .apply(params.get("weight"), params.get("bias"), in[6]);
        return new Tensor[] {params.get("weight"), params.get("bias"), out};
    }

    private static String field(List<String> body, String name) {
        for (String l : body) {
            if (l.startsWith(name + " ")) {
                return l.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static Tensor[] inputs(List<String> body) {
        List<Tensor> in = new ArrayList<>();
        for (int i = 0; field(body, "in" + i) != null; i++) {
            in.add(PyTorchCases.tensor(field(body, "in" + i)));
        }
        return in.toArray(new Tensor[0]);
    }

    @TestFactory
    List<DynamicTest> againstFunctorch() {
        Map<String, Function<Tensor[], Tensor[]>> twins = twins();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> c : CASES.entrySet()) {
            if (c.getKey().equals("grad_captured_requires_grad")) {
                continue; // its own test below
            }
            Function<Tensor[], Tensor[]> twin = twins.get(c.getKey());
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> {
                assertTrue(twin != null, "no Ember twin for case " + c.getKey());
                List<String> body = c.getValue();
                Tensor[] in = inputs(body);
                String error = field(body, "error");
                if (error != null) {
                    String message = error.substring(error.indexOf(' ') + 1);
                    RuntimeException e = assertThrows(RuntimeException.class, () -> twin.apply(in));
                    assertEquals(message, e.getMessage());
                    return;
                }
                Tensor[] out = twin.apply(in);
                int k = 0;
                for (; field(body, "out" + k) != null; k++) {
                    Tensor expected = PyTorchCases.tensor(field(body, "out" + k));
                    ReferenceCases.assertClose(c.getKey() + " out" + k, expected, out[k].detach(), 1e-6);
                }
                assertEquals(k, out.length, "number of results");
            }));
        }
        assertEquals(CASES.size() - 1, tests.size());
        return tests;
    }

    /** grad's result keeps the graph to a captured tensor that requires grad; an outer backward reaches it. */
    @Test
    void capturedTensorThatRequiresGradKeepsItsGraph() {
        List<String> body = CASES.get("grad_captured_requires_grad");
        Tensor a = PyTorchCases.tensor(field(body, "in0"));
        Tensor w = PyTorchCases.tensor(field(body, "in1")).requiresGrad_(true);
        Tensor g = Func.grad(x -> x[0].mul(w).pow(2.0).sum()).apply(a);
        ReferenceCases.assertClose("grad", PyTorchCases.tensor(field(body, "out0")), g.detach(), 0);
        assertEquals(Boolean.parseBoolean(field(body, "requires")), g.requiresGrad());
        g.sum().backward();
        ReferenceCases.assertClose("w.grad", PyTorchCases.tensor(field(body, "grad1")), w.grad(), 0);
    }

    /** Results that depend only on the transform's own leaves are plain tensors, as functorch returns them. */
    @Test
    void linearizeGivesJvpForEveryTangent() {
        // torch.func.linearize is 2.x's (functorch 1.13 has none): its jvp_fn must give functorch's jvp values
        List<String> body = CASES.get("jvp_sin_mul");
        Tensor[] in = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            in[i] = PyTorchCases.tensor(field(body, "in" + i));
        }
        Func.LinearizeOut lin = Func.linearize(a -> a[0].sin().mul(a[1]).sum(new int[] {0}, false), in[0], in[1]);
        ReferenceCases.assertClose("output", PyTorchCases.tensor(field(body, "out0")), lin.output(), 0);
        ReferenceCases.assertClose("jvp", PyTorchCases.tensor(field(body, "out1")), lin.jvpFn().apply(new Tensor[] {in[2],
                in[3]}), 0);
        // a second direction from the same linearization: the same as a fresh jvp
        Tensor[] t2 = {in[3].mul(0.0).add(1.0).expand(3, 2).mul(in[0]), in[3].neg()};
        Tensor again = lin.jvpFn().apply(t2);
        Tensor fresh = Func.jvp(a -> a[0].sin().mul(a[1]).sum(new int[] {0}, false), new Tensor[] {in[0], in[1]}, t2).jvp();
        ReferenceCases.assertClose("second direction", fresh, again, 0);
        assertNull(again.gradFn());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> lin.jvpFn().apply(new Tensor[] {in[1], in[1]}));
        assertTrue(e.getMessage().startsWith("Trying to set a forward gradient that has a different size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lin.jvpFn().apply(new Tensor[] {in[2]}));
    }

    @Test
    void resultsWithoutOuterGraphAreDetached() {
        Tensor x = Tensor.rand(DType.FLOAT64, 3);
        Tensor g = Func.grad(a -> a[0].pow(3.0).sum()).apply(x);
        assertFalse(g.requiresGrad());
        assertNull(g.gradFn());
        Tensor h = Func.hessian(a -> a[0].sin().sum()).apply(x);
        assertFalse(h.requiresGrad());
        // an input that requires grad: the result joins its graph (grad_fn as functorch's: a node, not a leaf)
        Tensor xr = x.detach().requiresGrad_(true);
        Tensor gr = Func.grad(a -> a[0].pow(3.0).sum()).apply(xr);
        assertTrue(gr.requiresGrad());
        gr.sum().backward();
        ReferenceCases.assertClose("d/dx sum(3x^2)", x.mul(6L), xr.grad(), 0);
    }

    @Test
    void randomnessSameGivesEverySampleTheSameDrawAndAdvancesTheGeneratorOnce() {
        Generator gen = new Generator(7);
        Tensor x = Tensor.zeros(DType.FLOAT64, 4, 3);
        Tensor same = Func.vmap(a -> a[0].add(Tensor.rand(gen, DType.FLOAT64, 3)), null, 0, Randomness.SAME).apply(x);
        for (int i = 1; i < 4; i++) {
            assertArrayEquals(same.select(0, 0).toDoubleArray(), same.select(0, i).toDoubleArray(), 0);
        }
        // the generator stands where one sample's draw left it: the next draw is the second draw of a fresh twin
        Generator twin = new Generator(7);
        assertArrayEquals(Tensor.rand(twin, DType.FLOAT64, 3).toDoubleArray(), same.select(0, 0).toDoubleArray(), 0);
        assertArrayEquals(Tensor.rand(twin, DType.FLOAT64, 3).toDoubleArray(),
                Tensor.rand(gen, DType.FLOAT64, 3).toDoubleArray(), 0);
    }

    @Test
    void randomnessDifferentDrawsPerSample() {
        Generator gen = new Generator(8);
        Tensor x = Tensor.zeros(DType.FLOAT64, 3, 5);
        Tensor diff = Func.vmap(a -> a[0].add(Tensor.rand(gen, DType.FLOAT64, 5)), null, 0, Randomness.DIFFERENT)
                .apply(x);
        assertNotEquals(diff.select(0, 0).toDoubleArray()[0], diff.select(0, 1).toDoubleArray()[0]);
        Generator twin = new Generator(8);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(Tensor.rand(twin, DType.FLOAT64, 5).toDoubleArray(), diff.select(0, i).toDoubleArray(), 0);
        }
    }

    /** A captured tensor changed in place would be changed once per sample: refused before the write. */
    @Test
    void inPlaceChangeOfACapturedTensorIsRefused() {
        Tensor acc = Tensor.zeros(DType.FLOAT64, 3);
        Tensor x = Tensor.ones(DType.FLOAT64, 4, 3);
        Exception e = assertThrows(IllegalStateException.class,
                () -> Func.vmap(a -> acc.add_(a[0])).apply(x));
        assertTrue(e.getMessage().startsWith("vmap: f changed in place a tensor that was made outside the vmap call"),
                e.getMessage());
        assertArrayEquals(new double[3], acc.toDoubleArray(), 0);
        assertEquals(0, acc.version());
        // an input passed whole (in_dims null) is captured as well; a tensor made inside f may be written
        assertThrows(IllegalStateException.class,
                () -> Func.vmap(a -> a[1].mul_(2L), new Integer[] {0, null}, 0).apply(x, acc));
        Tensor ok = Func.vmap(a -> Tensor.zeros(DType.FLOAT64, 3).add_(a[0]).mul_(3L)).apply(x);
        assertArrayEquals(Tensor.ones(DType.FLOAT64, 4, 3).mul(3L).toDoubleArray(), ok.toDoubleArray(), 0);
        // an inner vmap mapping over a tensor the outer call captured: inner samples may write their slices, but
        // each outer sample would write it again
        Tensor cap = Tensor.zeros(DType.FLOAT64, 2, 3);
        assertThrows(IllegalStateException.class, () -> Func.vmap(a -> a[0].add(Func.vmap(b -> b[0].add_(1L))
                .apply(cap))).apply(x));
        assertArrayEquals(new double[6], cap.toDoubleArray(), 0);
        // nested calls writing slices of what the outer one maps: allowed at both levels, as PyTorch's batched writes
        Tensor y = Tensor.ones(DType.FLOAT64, 4, 2, 3);
        Func.vmap(a -> Func.vmap(b -> b[0].mul_(5L)).apply(a[0])).apply(y);
        assertArrayEquals(Tensor.full(DType.FLOAT64, 5.0, 4, 2, 3).toDoubleArray(), y.toDoubleArray(), 0);
        // and after the call the captured tensor may be written again
        acc.add_(1L);
        assertEquals(1, acc.version());
    }

    @Test
    void emptyMappedDimensionAndNullArgumentsAreRefused() {
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> Func.vmap(a -> a[0].mul(2L)).apply(Tensor.zeros(DType.FLOAT64, 0, 4)));
        assertTrue(e.getMessage().startsWith("vmap: the mapped dimension has size 0"), e.getMessage());
        assertEquals("vmap(f, in_dims=(0, 0), ...)(<inputs>): Got in_dim=0 for an input but the input is of type "
                        + "<class 'NoneType'>. We cannot vmap over non-Tensor arguments, please use None as the respective "
                        + "in_dim",
                assertThrows(IllegalArgumentException.class, () -> Func.vmap(a -> a[0], new Integer[] {0, 0}, 0)
                        .apply(Tensor.zeros(2), null)).getMessage());
        assertEquals("Thing passed to transform API must be Tensor, got <class 'NoneType'>",
                assertThrows(IllegalArgumentException.class, () -> Func.grad(a -> a[0].sum()).apply((Tensor) null))
                        .getMessage());
        assertEquals("vmap(f, ...): `f` must only return Tensors, got type <class 'NoneType'> as a return.",
                assertThrows(IllegalArgumentException.class, () -> Func.vmap(a -> null).apply(Tensor.zeros(2)))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> Func.vmap(null));
        assertThrows(IllegalArgumentException.class, () -> Func.stackModuleState(List.<Module>of()));
    }

    /** torch.func.functional_call with several dictionaries: a name in two of them is refused (2.x's message). */
    @Test
    void functionalCallWithSeveralDictionariesRefusesARepeatedName() {
        Linear l = new Linear(2, 1);
        Map<String, Tensor> p = Map.of("weight", Tensor.zeros(1, 2), "bias", Tensor.zeros(1));
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> Stateless.functionalCall(l, List.of(p, Map.of("weight", Tensor.ones(1, 2))), Tensor.ones(1, 2)));
        assertEquals("['weight'] appeared in multiple dictionaries; behavior of functional call is ambiguous",
                e.getMessage());
        Tensor y = Stateless.functionalCall(l, List.of(Map.of("weight", Tensor.ones(1, 2)), Map.of("bias",
                Tensor.full(DType.FLOAT32, 0.5, 1))), Tensor.ones(1, 2));
        assertArrayEquals(new double[] {2.5}, y.toDoubleArray(), 0);
    }

    /** vmap's result is differentiable: the gradient reaches the mapped inputs through the stack. */
    @Test
    void gradientsFlowThroughVmap() {
        Tensor x = Tensor.rand(DType.FLOAT64, 3, 4).requiresGrad_(true);
        Tensor y = Func.vmap(a -> a[0].sin().sum()).apply(x);
        y.sum().backward();
        ReferenceCases.assertClose("d sum sin", x.detach().cos(), x.grad(), 0);
        assertEquals("StackBackward0", y.gradFn().name());
    }
}
