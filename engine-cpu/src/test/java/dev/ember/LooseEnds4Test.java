package dev.ember;

import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import dev.ember.sparse.Sparse;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 36's loose ends, round 4, against {@code resources/looseends4/make_expected.py} (PyTorch 1.13; 2.x where it
 * differs, said beside the case).
 * <ol>
 * <li>Optimizers subclassing a built-in ({@code class MySGD extends SGD}, {@code extends Adam}) with their own
 * {@code state(p)} entries: saved by {@code stateDict}, but {@code loadStateDict} refused the extra keys ("has an entry
 * 'calls' that MySGD with these options does not keep"; SGD was final besides), where PyTorch's load_state_dict takes
 * any key; now save, load and continue give PyTorch's numbers. And {@code step(closure)} for every optimizer (before,
 * only LBFGS had one): the closure's loss returned, the closure run with grad enabled inside no_grad.</li>
 * <li>(2) histc's counts: PyTorch counts in the input's type per thread, so past 2<sup>24</sup> float32 counts in a
 * bin its answer depends on its thread count (1.13: 16777216 on one thread, 16777218 on two for 2<sup>24</sup> + 2
 * zeros); no one answer to follow, documented on {@link Tensor#histc(int, double, double)}, no test.</li>
 * <li>(3) {@code backward(createGraph=true)} into a sparse COO leaf: its {@code grad()} now keeps a history
 * (CloneBackward0, a second pass AddBackward0, as PyTorch's AccumulateGrad), so a second derivative through it gives
 * PyTorch's values; before, the gradient was silently detached. Through {@code Sparse.mm(s, d)} with {@code d}
 * requiring grad PyTorch's backward refuses, Ember's gives the gradients (held to PyTorch's dense equivalent).</li>
 * <li>(4) conv_transpose2d with a channels-last input or weight: a channels-last output, input gradient and weight
 * gradient as PyTorch 2.x's CPU (before: row-major, as 1.13's slow_conv_transpose2d); the input's layouts also in
 * {@link ChannelsLastOpsTest}.</li>
 * <li>(5) sort/argsort with {@code stable=false}: PyTorch's tie order is its algorithm's (1.13: stable up to 16
 * elements only; 2.x: x86-simd-sort or std::sort by build); Ember keeps the stable order, documented on
 * {@link Tensor#sort(int, boolean, boolean)}.</li>
 * </ol>
 */
class LooseEnds4Test {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/looseends4/expected.txt");

    // ------------------------------------------------------------------ 1. subclasses of built-ins, step(closure)

    private static Tensor[] params() {
        return new Tensor[] {Tensor.tensor(new double[] {0.5, -1.0, 2.0}, DType.FLOAT64).requiresGrad_(true),
            Tensor.tensor(new double[] {0.25, -0.75}, DType.FLOAT64).requiresGrad_(true)};
    }

    /** The generator's loss: sum((w * x_t)^2) + sum(sin(b) * t) + (w[0] * b[1])^2, x_t = [t + 1, 0.5, -t]. */
    private static Tensor lossAt(int t, Tensor w, Tensor b) {
        Tensor x = Tensor.tensor(new double[] {t + 1.0, 0.5, -t}, DType.FLOAT64);
        return w.mul(x).pow(2).sum().add(b.sin().mul(t).sum()).add(w.select(0, 0).mul(b.select(0, 1)).pow(2));
    }

    /**
     * Runs {@code update} under no_grad for every parameter of {@code opt} that has a gradient, with its group, as an
     * optimizer's step walks {@code self.param_groups}.
     */
    private static void withGradients(Optimizer opt, java.util.function.BiConsumer<ParamGroup, Tensor> update) {
        try (GradMode off = Ember.noGrad()) {
            for (ParamGroup g : opt.paramGroups()) {
                for (Tensor p : g.params()) {
                    if (p.grad() != null) {
                        update.accept(g, p);
                    }
                }
            }
        }
    }

    /** The generator's MySGD: SGD, then a Python-int call count and an average of |grad| subtracted. */
    static final class MySGD extends SGD {
        MySGD(List<Tensor> params, double lr, double momentum) {
            super(params, lr, momentum, 0, 0, false);
        }

        Map<String, Object> stateOf(Tensor p) {
            return state(p);
        }

        @Override
        public void step() {
            super.step();
            withGradients(this, (g, p) -> {
                Map<String, Object> st = state(p);
                long calls = (Long) st.getOrDefault("calls", 0L) + 1;
                st.put("calls", calls);
                Tensor gabs = (Tensor) st.computeIfAbsent("gabs", k -> p.zerosLike());
                gabs.mul_(0.5).add_(p.grad().abs(), 0.5);
                p.sub_(gabs, 0.01 * calls);
            });
        }
    }

    /** The generator's MyAdam: Adam, then a list [count, running max of the gradient] and a decay by it. */
    static final class MyAdam extends Adam {
        MyAdam(List<Tensor> params, double lr) {
            super(params, lr, 0.9, 0.999, 1e-8, 0, true);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void step() {
            super.step();
            withGradients(this, (g, p) -> {
                Map<String, Object> st = state(p);
                if (!st.containsKey("hist")) {
                    st.put("hist", new ArrayList<>(List.of(0L, p.fullLike(-1e9))));
                }
                List<Object> hist = (List<Object>) st.get("hist");
                long n = (Long) hist.get(0) + 1;
                hist.set(0, n);
                ((Tensor) hist.get(1)).copy_(((Tensor) hist.get(1)).maximum(p.grad()));
                p.mul_(1 - 0.001 * n);
            });
        }
    }

    /** The generator's run: train, save, a fresh optimizer over copies loads the state dict and trains on. */
    private static Optimizer resume(Function<List<Tensor>, Optimizer> make, int before, int after, String key) {
        Tensor[] wb = params();
        Optimizer opt = make.apply(List.of(wb));
        int t = 0;
        for (int i = 0; i < before; i++, t++) {
            opt.zeroGrad();
            lossAt(t, wb[0], wb[1]).backward();
            opt.step();
        }
        Map<String, Object> sd = opt.stateDict();
        Tensor w2 = wb[0].detach().clone().requiresGrad_(true);
        Tensor b2 = wb[1].detach().clone().requiresGrad_(true);
        Optimizer opt2 = make.apply(List.of(w2, b2));
        opt2.loadStateDict(sd);
        for (int i = 0; i < after; i++, t++) {
            opt2.zeroGrad();
            lossAt(t, w2, b2).backward();
            opt2.step();
        }
        LossesMoreTest.assertClose(EXPECTED.tensor(key + ".w"), w2.detach(), key + ".w");
        LossesMoreTest.assertClose(EXPECTED.tensor(key + ".b"), b2.detach(), key + ".b");
        return opt2;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stateOf(Optimizer opt, int i) {
        return (Map<String, Object>) ((Map<Integer, Object>) opt.stateDict().get("state")).get(i);
    }

    @Test
    void aSubclassOfSgdResumesWithItsOwnStateAsPyTorch() {
        Optimizer opt = resume(ps -> new MySGD(ps, 0.05, 0.9), 3, 3, "mysgd");
        for (int i = 0; i < 2; i++) {
            Map<String, Object> st = stateOf(opt, i);
            String k = "mysgd.state" + i;
            assertEquals(EXPECTED.get(k + ".keys"), String.join(",", st.keySet()), k);
            LossesMoreTest.assertClose(EXPECTED.tensor(k + ".momentum_buffer"), (Tensor) st.get("momentum_buffer"), k);
            LossesMoreTest.assertClose(EXPECTED.tensor(k + ".gabs"), (Tensor) st.get("gabs"), k);
            assertEquals(Long.parseLong(EXPECTED.get(k + ".calls")), st.get("calls"), k);
        }
    }

    @Test
    void aSubclassOfAdamResumesWithItsOwnStateAsPyTorch() {
        Optimizer opt = resume(ps -> new MyAdam(ps, 0.02), 2, 3, "myadam");
        for (int i = 0; i < 2; i++) {
            Map<String, Object> st = stateOf(opt, i);
            String k = "myadam.state" + i;
            assertEquals(EXPECTED.get(k + ".keys"), String.join(",", st.keySet()), k);
            LossesMoreTest.assertClose(EXPECTED.tensor(k + ".exp_avg"), (Tensor) st.get("exp_avg"), k);
            assertEquals(Double.parseDouble(EXPECTED.get(k + ".step")), ((Tensor) st.get("step")).item(), k);
            List<?> hist = (List<?>) st.get("hist");
            assertEquals(Long.parseLong(EXPECTED.get(k + ".hist0")), hist.get(0), k);
            LossesMoreTest.assertClose(EXPECTED.tensor(k + ".hist1"), (Tensor) hist.get(1), k);
        }
    }

    @Test
    void aSubclassKeepsTheBuiltInsChecksAndTheBuiltInsKeepTheirs() {
        Tensor[] wb = params();
        MySGD opt = new MySGD(List.of(wb), 0.05, 0.9);
        opt.zeroGrad();
        lossAt(1, wb[0], wb[1]).backward();
        opt.step();
        Map<String, Object> before = opt.stateDict();
        String printed = before.toString();
        // the built-in's entry of the wrong shape: refused with the built-in's message, nothing loaded
        Map<String, Object> bad = opt.stateDict();
        @SuppressWarnings("unchecked")
        Map<String, Object> st0 = (Map<String, Object>) ((Map<Integer, Object>) bad.get("state")).get(0);
        st0.put("momentum_buffer", Tensor.zeros(2));
        st0.put("calls", 7L);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
        assertEquals("the saved state of parameter 0: momentum_buffer has shape [2] but the parameter has shape [3]",
                e.getMessage());
        assertEquals(printed, opt.stateDict().toString());
        assertEquals(1L, opt.stateOf(wb[0]).get("calls"));
        // the built-in's missing entry (Adam's exp_avg beside its step)
        Tensor[] wa = params();
        MyAdam adam = new MyAdam(List.of(wa), 0.02);
        lossAt(1, wa[0], wa[1]).backward();
        adam.step();
        String adamPrinted = adam.stateDict().toString();
        Map<String, Object> badAdam = adam.stateDict();
        @SuppressWarnings("unchecked")
        Map<String, Object> sa1 = (Map<String, Object>) ((Map<Integer, Object>) badAdam.get("state")).get(1);
        sa1.remove("exp_avg");
        e = assertThrows(IllegalArgumentException.class, () -> adam.loadStateDict(badAdam));
        assertEquals("the saved state of parameter 1 has no tensor exp_avg", e.getMessage());
        assertEquals(adamPrinted, adam.stateDict().toString());
        // the built-in itself still refuses an entry it does not keep (Ember's check, kept: PyTorch would take it)
        SGD plain = new SGD(List.of(params()), 0.05, 0.9, 0, 0, false);
        e = assertThrows(IllegalArgumentException.class, () -> plain.loadStateDict(before));
        assertEquals("the saved state of parameter 0 has an entry String calls that SGD with these options "
                + "does not keep",
                e.getMessage());
        // a subclass's state of a parameter the built-in keeps nothing for (SGD without momentum)
        Tensor[] wb2 = params();
        MySGD noMomentum = new MySGD(List.of(wb2), 0.05, 0);
        lossAt(1, wb2[0], wb2[1]).backward();
        noMomentum.step();
        Map<String, Object> sd = noMomentum.stateDict();
        MySGD again = new MySGD(List.of(params()), 0.05, 0);
        again.loadStateDict(sd);
        assertEquals(sd.toString(), again.stateDict().toString());
    }

    /** The generator's closure_run: three steps through step(closure) inside no_grad, the losses returned. */
    private static void closureRun(Function<List<Tensor>, Optimizer> make, String key) {
        Tensor[] wb = params();
        Optimizer opt = make.apply(List.of(wb));
        String[] want = EXPECTED.get(key + ".losses").split(" ");
        for (int t = 0; t < 3; t++) {
            final int tt = t;
            Tensor[] made = new Tensor[1];
            Tensor loss;
            try (GradMode off = Ember.noGrad()) {
                loss = opt.step(() -> {
                    opt.zeroGrad();
                    made[0] = lossAt(tt, wb[0], wb[1]);
                    made[0].backward();
                    return made[0];
                });
            }
            assertSame(made[0], loss, key + ": the closure's loss");
            assertEquals(Double.parseDouble(want[t]), loss.item(), 1e-12 * Math.abs(loss.item()), key + " loss " + t);
        }
        LossesMoreTest.assertClose(EXPECTED.tensor(key + ".w"), wb[0].detach(), key + ".w");
        LossesMoreTest.assertClose(EXPECTED.tensor(key + ".b"), wb[1].detach(), key + ".b");
    }

    /** lion-pytorch's Lion as its package writes it (outside Ember): it overrides step() only. */
    static final class Lion extends Optimizer {
        Lion(List<Tensor> params, double lr, double weightDecay) {
            super(params, options(lr, weightDecay), (k, v) -> { });
        }

        private static Map<String, Object> options(double lr, double weightDecay) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lr", lr);
            m.put("betas", List.of(0.9, 0.99));
            m.put("weight_decay", weightDecay);
            return m;
        }

        @Override
        public void step() {
            withGradients(this, (g, p) -> {
                double lr = g.getDouble("lr");
                List<?> betas = (List<?>) g.get("betas");
                double beta1 = (Double) betas.get(0);
                double beta2 = (Double) betas.get(1);
                Tensor expAvg = (Tensor) state(p).computeIfAbsent("exp_avg", k -> p.zerosLike());
                p.mul_(1 - lr * g.getDouble("weight_decay"));
                Tensor update = expAvg.clone().mul_(beta1).add(p.grad(), 1 - beta1).sign_();
                p.add_(update, -lr);
                expAvg.mul_(beta2).add_(p.grad(), 1 - beta2);
            });
        }
    }

    @Test
    void everyOptimizerStepsWithAClosureAsPyTorch() {
        closureRun(ps -> new SGD(ps, 0.05, 0.5, 0, 0, true), "closure.sgd");
        closureRun(ps -> new Adam(ps, 0.05), "closure.adam");
        closureRun(ps -> new RMSprop(ps, 0.01, 0.99, 1e-8, 0, 0, true), "closure.rmsprop");
        closureRun(ps -> new MySGD(ps, 0.05, 0.9), "closure.mysgd");
        closureRun(ps -> new Lion(ps, 0.01, 0.1), "closure.lion");
    }

    @Test
    void aNullClosureStepsAndAFailingClosureChangesNothing() {
        Tensor[] wb = params();
        Adam opt = new Adam(List.of(wb), 0.05);
        lossAt(1, wb[0], wb[1]).backward();
        assertNull(opt.step((Optimizer.Closure) null)); // PyTorch's step(None): a step, None returned
        Tensor w1 = wb[0].detach().clone();
        String state = opt.stateDict().toString();
        RuntimeException e = assertThrows(IllegalStateException.class, () -> opt.step(() -> {
            throw new IllegalStateException("closure failed");
        }));
        assertEquals("closure failed", e.getMessage());
        assertTrue(w1.equal(wb[0].detach()));
        assertEquals(state, opt.stateDict().toString());
        // grad mode is restored after the closure
        try (GradMode off = Ember.noGrad()) {
            opt.step(() -> {
                assertTrue(Ember.isGradEnabled());
                return lossAt(2, wb[0], wb[1]);
            });
            assertTrue(!Ember.isGradEnabled());
        }
    }

    // ------------------------------------------------------------------ 3. create_graph into a sparse leaf's grad

    private static SparseTensor sparseLeaf() {
        return Sparse.cooTensor(Tensor.tensor(new long[][] {{0, 1, 1}, {1, 0, 2}}),
                Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT64), 2, 3).requiresGrad_(true);
    }

    private static Tensor d0() {
        return Tensor.tensor(new double[][] {{1, 2}, {3, 4}, {5, 6}}, DType.FLOAT64);
    }

    @Test
    void aSparseLeafsGradKeepsItsHistoryUnderCreateGraph() {
        // a: one pass; before, the gradient had no history and the second derivative failed ("element 0 of tensors
        // does not require grad and does not have a grad_fn")
        SparseTensor s = sparseLeaf();
        Sparse.mm(s, d0()).pow(2).sum().backward(null, true, true); // PyTorch: retain_graph defaults to create_graph
        assertEquals(EXPECTED.get("sp.a.node"), s.grad().gradFnName());
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.a.grad"), s.grad().values().detach(), "sp.a.grad");
        Tensor h = s.grad().toDense().pow(2).sum();
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.a.second"),
                Sparse.grad(List.of(h), List.of(s)).get(0).values(), "sp.a.second");
        // b: a second pass adds out of place
        s = sparseLeaf();
        Sparse.mm(s, d0()).pow(2).sum().backward(null, true, true); // PyTorch: retain_graph defaults to create_graph
        s.toDense().pow(3).sum().backward(null, true, true); // PyTorch: retain_graph defaults to create_graph
        assertEquals(EXPECTED.get("sp.b.node"), s.grad().gradFnName());
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.b.grad"), s.grad().values().detach(), "sp.b.grad");
        h = s.grad().values().pow(2).sum();
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.b.second"),
                Sparse.grad(List.of(h), List.of(s)).get(0).values(), "sp.b.second");
        // without create_graph the gradient has no history, as before
        s = sparseLeaf();
        Sparse.mm(s, d0()).pow(2).sum().backward();
        assertNull(s.grad().gradFnName());
        assertTrue(!s.grad().requiresGrad());
    }

    @Test
    void createGraphThroughSparseMmWithADenseOperandThatRequiresGrad() {
        // PyTorch refuses (sp.c.error: d's gradient mm(S.t(), grad) with S requiring grad); Ember gives the gradients
        // and their history, held to PyTorch's on the same product built densely
        assertTrue(EXPECTED.get("sp.c.error").startsWith("RuntimeError: The backward pass for this operation requires"));
        SparseTensor s = sparseLeaf();
        Tensor d = d0().requiresGrad_(true);
        Sparse.mm(s, d).pow(2).sum().backward(null, true, true); // PyTorch: retain_graph defaults to create_graph
        Tensor gv = s.grad().values();
        Tensor gd = d.grad();
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.c.gv"), gv.detach(), "sp.c.gv");
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.c.gd"), gd.detach(), "sp.c.gd");
        Tensor h = gv.pow(2).sum().add(gd.pow(2).sum());
        SparseTensor hs = Sparse.grad(List.of(h), List.of(s), null, true, false, false).get(0);
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.c.hv"), hs.values(), "sp.c.hv");
        LossesMoreTest.assertClose(EXPECTED.tensor("sp.c.hd"), Autograd.grad(List.of(h), List.of(d)).get(0), "sp.c.hd");
    }

    // ------------------------------------------------------------------ 4. conv_transpose2d in channels-last

    private static Tensor seq(double scale, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((7 * k) % 19 - 9) * scale + 0.01 * (k % 5);
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    private static int[] strides(String text) {
        return java.util.Arrays.stream(text.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void convTranspose2dWithAChannelsLastInputOrWeightIsChannelsLastAsPyTorch2() {
        for (String name : new String[] {"clx", "clw"}) {
            String key = "convt." + name;
            Tensor x = seq(0.25, 2, 3, 4, 5);
            Tensor w = seq(0.125, 3, 2, 3, 3);
            if (name.equals("clx")) {
                x = x.contiguous(MemoryFormat.CHANNELS_LAST);
            } else {
                w = w.contiguous(MemoryFormat.CHANNELS_LAST);
            }
            x.requiresGrad_(true);
            w.requiresGrad_(true);
            Tensor b = Tensor.tensor(new double[] {0.5, -0.25}, DType.FLOAT64).requiresGrad_(true);
            Tensor y = Tensor.convTranspose2d(x, w, b, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 0}, 1,
                    new int[] {1, 2});
            // autograd.grad: the kernel's gradients as they come (a leaf's grad takes the leaf's strides)
            List<Tensor> g = Autograd.grad(List.of(y), List.of(x, w, b), List.of(seq(0.5, y.shape()).add(0.5)), false,
                    false, false);
            String[] st = EXPECTED.get(key + ".strides").split(";");
            assertArrayEquals(strides(st[0]), y.stride(), key + " output strides");
            assertArrayEquals(strides(st[1]), g.get(0).stride(), key + " input gradient strides");
            assertArrayEquals(strides(st[2]), g.get(1).stride(), key + " weight gradient strides");
            LossesMoreTest.assertClose(EXPECTED.tensor(key + ".y"), y.detach(), key + ".y");
            LossesMoreTest.assertClose(EXPECTED.tensor(key + ".gx"), g.get(0), key + ".gx");
            LossesMoreTest.assertClose(EXPECTED.tensor(key + ".gw"), g.get(1), key + ".gw");
            LossesMoreTest.assertClose(EXPECTED.tensor(key + ".gb"), g.get(2), key + ".gb");
        }
    }

    // ------------------------------------------------------------------ 5. sort/argsort with stable=false

    @Test
    void anUnstableSortGivesTheStableOrder() {
        for (int n : new int[] {16, 40}) {
            double[] v = new double[n];
            for (int k = 0; k < n; k++) {
                v[k] = (7 * k) % 3;
            }
            Tensor a = Tensor.tensor(v, DType.FLOAT32);
            for (boolean desc : new boolean[] {false, true}) {
                String key = "sort" + n + "." + (desc ? "desc" : "asc");
                Tensor stable = EXPECTED.tensor(key + ".stable");
                EXPECTED.assertExact(key + ".stable", a.sort(0, desc, false).indices());
                EXPECTED.assertExact(key + ".stable", a.argsort(0, desc, false));
                EXPECTED.assertExact(key + ".stable", a.sort(0, desc, true).indices());
                // 1.13's unstable order is the stable one up to 16 elements (std::sort's insertion sort), not beyond
                assertEquals(n <= 16, EXPECTED.tensor(key + ".unstable").equal(stable), key);
            }
        }
    }
}
