package dev.ember;

import dev.ember.nn.Module;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.ember.nn.Linear;
import dev.ember.nn.LazyLinear;
import dev.ember.nn.Sequential;
import dev.ember.optim.Adam;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DeepCopy#of}, PyTorch's {@code copy.deepcopy}: the module sweep's modules copied (every one), and the rules
 * PyTorch's {@code Tensor.__deepcopy__} and {@code Parameter.__deepcopy__} follow, held to PyTorch's facts
 * ({@code deepcopy/make_expected.py}).
 */
class DeepCopyTest {
    /**
     * Each of ModuleSweepTest's modules (PyTorch's configurations), with its floating state filled and a forward run:
     * the copy is of the same class, prints the same, has the same state dict (names, values, types, flags) over
     * storages none of which the original holds, gives the same outputs on the same inputs (random modules under the
     * same seed), and training the copy (a backward and a change in place) leaves the original as it was.
     */
    @TestFactory
    List<DynamicTest> everySweptModuleCopies() {
        Map<String, Map<String, String>> cases = ModuleSweepTest.load();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, ModuleSweepTest.Spec> en : ModuleSweepTest.SPECS.entrySet()) {
            String name = en.getKey();
            Map<String, String> f = cases.get(name);
            if (name.startsWith("err_") || name.startsWith("init_") || f == null || !f.containsKey("in0")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(name, () -> copiesLike(name, f, en.getValue())));
        }
        assertTrue(tests.size() >= 170, "" + tests.size());
        return tests;
    }

    private static List<Tensor> inputs(Map<String, String> f) {
        List<Tensor> ins = new ArrayList<>();
        for (int k = 0; f.containsKey("in" + k); k++) {
            String s = f.get("in" + k);
            Tensor t = ModuleSweepTest.parse(s, false);
            ins.add(s.startsWith("float") ? t.requiresGrad_(true) : t);
        }
        return ins;
    }

    private static void copiesLike(String name, Map<String, String> f, ModuleSweepTest.Spec spec) {
        Module m = spec.ctor().get();
        m.to(DType.FLOAT64);
        m.train(ModuleSweepTest.trainCase(name));
        Ember.manualSeed(7);
        spec.fwd().run(m, inputs(f)); // the state a forward leaves (running statistics, lazy shapes)
        Map<String, Tensor> before = m.stateDict();

        Module c = DeepCopy.of(m);
        assertNotSame(m, c);
        assertSame(m.getClass(), c.getClass());
        assertEquals(m.toString(), c.toString(), name);
        assertEquals(m.isTraining(), c.isTraining());
        Map<String, Tensor> sd = c.stateDict();
        assertEquals(List.copyOf(before.keySet()), List.copyOf(sd.keySet()), name);
        IdentityHashMap<Object, Boolean> originals = new IdentityHashMap<>();
        for (Tensor t : before.values()) {
            originals.put(t.storage(), true);
        }
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            Tensor o = before.get(e.getKey());
            Tensor t = e.getValue();
            assertTrue(!originals.containsKey(t.storage()), name + " " + e.getKey() + " shares the original's storage");
            assertEquals(o.dtype(), t.dtype());
            assertEquals(o.isParameter(), t.isParameter(), e.getKey());
            assertEquals(o.requiresGrad(), t.requiresGrad(), e.getKey());
            assertTrue(t.equal(o), name + " " + e.getKey());
        }
        List<Tensor> in = inputs(f);
        Ember.manualSeed(11);
        List<Tensor> a = spec.fwd().run(m, in);
        Ember.manualSeed(11);
        List<Tensor> b = spec.fwd().run(c, in);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertTrue(a.get(i).equal(b.get(i)), name + " output " + i);
        }
        Map<String, Tensor> snapshot = new java.util.LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> snapshot.put(k, v.clone()));
        c.stateDict().forEach((k, v) -> assertTrue(v.equal(snapshot.get(k)), name + " " + k + " after a forward"));
        // train the copy: gradients land on its parameters only, and changing them leaves the original's alone
        for (Tensor p : m.parameters()) {
            p.setGrad(null);
        }
        Tensor loss = null;
        for (Tensor t : b) {
            if (t.requiresGrad()) {
                Tensor s = t.sum();
                loss = loss == null ? s : loss.add(s);
            }
        }
        if (loss != null) {
            loss.backward();
        }
        for (Tensor p : m.parameters()) {
            assertEquals(null, p.grad(), name + ": the original got a gradient");
        }
        try (GradMode off = Ember.noGrad()) {
            for (Tensor t : c.stateDict().values()) {
                if (t.dtype().isFloatingPoint()) {
                    t.add_(1);
                }
            }
        }
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            assertTrue(e.getValue().equal(snapshot.get(e.getKey())), name + " " + e.getKey() + " changed");
        }
    }

    // ------------------------------------------------------------------ PyTorch's facts

    private static Map<String, String> facts() {
        return LabelledLines.load("/deepcopy/expected.txt");
    }

    private static String py(Object o) {
        if (o instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (o instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object x : l) {
                parts.add(x instanceof String str ? "'" + str + "'" : py(x));
            }
            return "[" + String.join(", ", parts) + "]";
        }
        if (o instanceof int[] a) {
            List<Object> l = new ArrayList<>();
            for (int x : a) {
                l.add(x);
            }
            return py(l);
        }
        if (o instanceof Tensor t) {
            List<Object> l = new ArrayList<>();
            for (double d : t.toDoubleArray()) {
                l.add(d);
            }
            return py(l);
        }
        return String.valueOf(o);
    }

    /** A module with a parameter, two buffers over one storage and a buffer that views the parameter. */
    static final class Views extends Module {
        final Tensor p;
        final Tensor a;

        Views() {
            p = registerParameter("p", Tensor.arange(4.0));
            a = registerBuffer("a", Tensor.zeros(4));
            registerBuffer("b", a.narrow(0, 1, 2));
            try (GradMode off = Ember.noGrad()) {
                registerBuffer("pv", p.narrow(0, 1, 2));
            }
        }

        @Override
        public Tensor forward(Tensor input) {
            return input.mul(p);
        }
    }

    @Test
    void tensorsAndParametersFollowPyTorchsRules() throws IOException {
        Map<String, String> e = facts();
        Map<String, String> got = new LinkedHashMap<>();
        Linear l1 = new Linear(3, 3);
        Linear l2 = new Linear(3, 3);
        l2.setParameter("weight", l1.weight());
        Sequential seq = new Sequential(l1, l2);
        Sequential c = DeepCopy.of(seq);
        got.put("tied.copy_tied", py(((Linear) c.get(0)).weight() == ((Linear) c.get(1)).weight()));
        got.put("tied.shared_with_original", py(((Linear) c.get(0)).weight() == l1.weight()));
        got.put("tied.num_parameters", py(c.parameters().size()));
        got.put("tied.is_parameter", py(((Linear) c.get(1)).weight().isParameter()));

        Views v = new Views();
        Views vc = DeepCopy.of(v);
        try (GradMode off = Ember.noGrad()) {
            vc.getBuffer("a").add_(1);
            vc.getParameter("p").add_(10);
        }
        got.put("views.copy_b_follows_a", py(vc.getBuffer("b")));
        got.put("views.copy_b_offset", py(vc.getBuffer("b").storageOffset()));
        got.put("views.original_a", py(v.getBuffer("a")));
        got.put("views.copy_pv_after_p_changed", py(vc.getBuffer("pv")));
        got.put("views.copy_pv_offset", py(vc.getBuffer("pv").storageOffset()));

        Linear lin = new Linear(2, 2);
        lin.bias().requiresGrad_(false);
        lin.forward(Tensor.ones(1, 2)).sum().backward();
        Linear lc = DeepCopy.of(lin);
        got.put("grads.weight_grad_copied", py(lc.weight().grad() != null));
        got.put("grads.bias_requires_grad", py(lc.bias().requiresGrad()));
        got.put("grads.weight_requires_grad", py(lc.weight().requiresGrad()));
        Tensor t = Tensor.ones(2).requiresGrad_(true);
        t.mul(3).sum().backward();
        Tensor tc = DeepCopy.of(t);
        got.put("grads.plain_grad", py(tc.grad()));
        got.put("grads.plain_grad_same_object", py(tc.grad() == t.grad()));
        got.put("grads.plain_requires_grad", py(tc.requiresGrad()));
        got.put("grads.plain_is_leaf", py(tc.isLeaf()));

        Tensor x = Tensor.arange(6.0).reshape(2, 3).t();
        Tensor xc = DeepCopy.of(x);
        got.put("tensor.stride", py(xc.stride()));
        got.put("tensor.equal", py(xc.equal(x)));
        got.put("tensor.int_dtype", DeepCopy.of(Tensor.tensor(new long[] {1, 2, 3})).dtype().toString());
        for (String k : got.keySet()) {
            assertEquals(e.get(k), got.get(k), k);
        }
    }

    @Test
    void modulesStateDictsAndOptimizersFollowPyTorch() throws IOException {
        Map<String, String> e = facts();
        Map<String, String> got = new LinkedHashMap<>();
        List<Module> seen = new ArrayList<>();
        Linear m = new Linear(2, 2);
        m.registerForwardHook((mod, in, o) -> {
            seen.add(mod);
            return null;
        });
        m.eval();
        Linear c = DeepCopy.of(m);
        c.apply(Tensor.ones(1, 2));
        got.put("hooks.copy_training", py(c.isTraining()));
        got.put("hooks.calls_after_copy_forward", py(seen.size()));
        got.put("hooks.hook_saw_copy", py(seen.get(0) == c));

        LazyLinear lz = new LazyLinear(3);
        LazyLinear lzc = DeepCopy.of(lz);
        lzc.apply(Tensor.ones(2, 5));
        got.put("lazy.copy_in_features", py(lzc.inFeatures()));
        got.put("lazy.original_uninitialized", py(lz.hasUninitializedParams()));
        got.put("lazy.copy_weight_shape", py(lzc.weight().shape()));

        Linear s = new Linear(2, 2);
        Map<String, Tensor> sd = s.stateDict();
        Map<String, Tensor> snap = DeepCopy.of(sd);
        try (GradMode off = Ember.noGrad()) {
            s.weight().fill_(5);
        }
        got.put("state_dict.shared_changed", py(sd.get("weight").eq(5).all()));
        got.put("state_dict.snapshot_changed", py(snap.get("weight").eq(5).all()));
        got.put("state_dict.snapshot_keys", py(List.copyOf(snap.keySet())));

        Adam opt = new Adam(s.parameters(), 0.1);
        s.forward(Tensor.ones(1, 2)).sum().backward();
        opt.step();
        Map<String, Object> osd = DeepCopy.of(opt.stateDict());
        Tensor expAvg = stateOf(osd).get("exp_avg") instanceof Tensor ea ? ea : null;
        Tensor before = expAvg.clone();
        opt.step();
        got.put("optim.snapshot_kept", py(expAvg.equal(before)));
        Object step = stateOf(osd).get("step");
        got.put("optim.step_value", py(step instanceof Tensor st ? st.item() : ((Number) step).doubleValue()));
        for (String k : got.keySet()) {
            assertEquals(e.get(k), got.get(k), k);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stateOf(Map<String, Object> osd) {
        return (Map<String, Object>) ((Map<Object, Object>) osd.get("state")).get(0);
    }

    /** 2.1's message of Tensor.__deepcopy__ for a non-leaf. */
    private static final String NOT_LEAF = "Only Tensors created explicitly by the user (graph leaves) support the "
        + "deepcopy protocol at the moment.  If you were attempting to deepcopy a module, this may be because of a "
        + "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001";

    @Test
    void nonLeavesAreRefusedAsPyTorchRefusesThem() throws IOException {
        Map<String, String> e = facts();
        assertEquals("RuntimeError", e.get("nonleaf.tensor"));
        String msg = assertThrows(IllegalArgumentException.class,
            () -> DeepCopy.of(Tensor.ones(2).requiresGrad_(true).mul(2))).getMessage();
        assertTrue(msg.startsWith(NOT_LEAF), msg);

        assertEquals("RuntimeError", e.get("nonleaf.weight_norm"));
        Linear wn = dev.ember.nn.utils.WeightNorm.weightNorm(new Linear(2, 2));
        wn.apply(Tensor.ones(1, 2));
        Map<String, Tensor> before = DeepCopy.of(wn.stateDict());
        msg = assertThrows(IllegalArgumentException.class, () -> DeepCopy.of(wn)).getMessage();
        assertTrue(msg.startsWith(NOT_LEAF), msg);
        before.forEach((k, t) -> assertTrue(t.equal(wn.stateDict().get(k)), k)); // the original is only read

        assertEquals("RuntimeError", e.get("nonleaf.pruned"));
        Linear pr = dev.ember.nn.utils.Prune.l1Unstructured(new Linear(3, 2), "weight", 0.5);
        msg = assertThrows(IllegalArgumentException.class, () -> DeepCopy.of(pr)).getMessage();
        assertTrue(msg.startsWith(NOT_LEAF), msg);
        Linear pr2;
        try (GradMode off = Ember.noGrad()) {
            pr2 = dev.ember.nn.utils.Prune.l1Unstructured(new Linear(3, 2), "weight", 0.5);
        }
        Linear cp2 = DeepCopy.of(pr2);
        assertEquals(e.get("nonleaf.pruned_under_no_grad"), py(List.copyOf(new java.util.TreeSet<>(
            cp2.namedBuffers().keySet()))));
        assertTrue(cp2.weight().equal(pr2.weight()));
    }

    /** A module that holds itself, another module twice and a thread. */
    static final class Holder extends Module {
        Module self = this;
        final Object lock = new Object();
        final List<Object> both = new ArrayList<>();
        Object extra;

        Holder(Module inner) {
            registerModule("inner", inner);
            both.add(inner);
            both.add(inner);
        }

        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    @Test
    void functionsAreSharedUnlessTheyCaptureWhatTheCopyReplaces() {
        // a lambda that captures the module is rebuilt over the copy, as Python rebinds a bound method: the copy's
        // hook reads the copy's bias; what it captures from outside (the list) stays shared, as Python's closures
        Linear m = new Linear(2, 2);
        List<Tensor> outside = new ArrayList<>();
        m.registerForwardHook((mod, in, o) -> {
            outside.add(o.get(0));
            return List.of(o.get(0).add(m.bias()));
        });
        Linear mc = DeepCopy.of(m);
        try (GradMode off = Ember.noGrad()) {
            mc.bias().fill_(3);
        }
        Tensor ones = Tensor.ones(1, 2);
        assertTrue(mc.apply(ones).equal(mc.forward(ones).add(3)));
        assertTrue(m.apply(ones).equal(m.forward(ones).add(m.bias())));
        assertEquals(2, outside.size());
        // a method reference bound to a submodule follows the submodule's copy (TripletMarginWithDistanceLoss's default
        // distance is its PairwiseDistance child's forward)
        dev.ember.nn.TripletMarginWithDistanceLoss loss = new dev.ember.nn.TripletMarginWithDistanceLoss(null, 1.0,
            false, "mean");
        Tensor[] abc = {Tensor.randn(3, 4), Tensor.randn(3, 4), Tensor.randn(3, 4)};
        assertTrue(DeepCopy.of(loss).forward(abc[0], abc[1], abc[2]).equal(loss.forward(abc[0], abc[1], abc[2])));
        // an object of an anonymous class is copied with what it captures: its hook acts on the copy
        Linear n = new Linear(2, 2);
        n.registerForwardHook(new Module.ForwardHook() {
            @Override
            public List<Tensor> apply(Module module, List<Tensor> inputs, List<Tensor> outputs) {
                return List.of(outputs.get(0).add(n.bias()));
            }
        });
        Linear nc = DeepCopy.of(n);
        try (GradMode off = Ember.noGrad()) {
            nc.bias().fill_(3);
        }
        Tensor x = Tensor.ones(1, 2);
        assertTrue(nc.apply(x).equal(nc.forward(x).add(3)));
        assertTrue(n.apply(x).equal(n.forward(x).add(n.bias())));
        // cycles and repeated references keep their shape; JDK objects Ember cannot copy are refused by field
        Holder h = new Holder(new Linear(2, 2));
        Holder hc = DeepCopy.of(h);
        assertSame(hc, hc.self);
        assertNotSame(h.lock, hc.lock); // a plain Object (a lock) gets one of its own
        assertSame(hc.both.get(0), hc.both.get(1));
        assertSame(hc.getSubmodule("inner"), hc.both.get(0));
        assertNotSame(h.getSubmodule("inner"), hc.getSubmodule("inner"));
        h.extra = Thread.currentThread();
        String msg = assertThrows(IllegalArgumentException.class, () -> DeepCopy.of(h)).getMessage();
        assertEquals("deepcopy: cannot copy the value.extra (an object of class java.lang.Thread): Ember copies only "
            + "the JDK's collections, arrays, atomics and immutable values", msg);
    }

    @Test
    void parametrizedMetaAndComplexModulesCopy() {
        // 2.x deep-copies a parametrized module (parametrize's default_deepcopy; 1.13 refused): the copy's
        // parametrization acts on the copy's own original tensor
        Linear p = dev.ember.nn.utils.Parametrizations.orthogonal(new Linear(3, 3));
        Linear pc = DeepCopy.of(p);
        assertTrue(pc.weight().equal(p.weight()));
        Tensor w = p.weight().clone();
        try (GradMode off = Ember.noGrad()) {
            pc.getParameter("parametrizations.weight.original").add_(0.1);
        }
        assertTrue(p.weight().equal(w));
        assertTrue(!pc.weight().equal(w));
        assertEquals(p.stateDict().keySet(), pc.stateDict().keySet());
        // a module on the meta device stays there
        Linear meta;
        try (DeviceScope s = Ember.deviceScope(Device.META)) {
            meta = new Linear(4, 4);
        }
        Linear mc = DeepCopy.of(meta);
        assertTrue(mc.weight().isMeta());
        assertTrue(mc.weight().isParameter());
        // complex tensors copy their values
        Tensor z = Tensor.complex(Tensor.arange(3.0), Tensor.ones(3));
        Tensor zc = DeepCopy.of(z);
        assertTrue(zc.equal(z));
        // (the storage of a complex tensor, asked for directly, says what to do instead of naming an internal method)
        assertEquals("storage() of a complex tensor: Ember holds a ComplexFloat tensor's elements as interleaved real "
            + "and imaginary parts of its real type; use viewAsReal().storage()",
            assertThrows(UnsupportedOperationException.class, z::storage).getMessage());
        assertEquals(6, z.viewAsReal().storage().numel());
        Tensor z0 = z.clone();
        zc.mul_(2);
        assertTrue(z.equal(z0));
        assertTrue(zc.equal(z0.mul(2)));
    }

    /**
     * Every public module class of dev.ember.nn with a constructor of numbers and flags (sizes 4, rates 0.5, flags
     * true, as MetaDeviceGapsTest builds them): the copy prints the same and has an equal state dict over new storage.
     */
    @Test
    void everyModuleClassCopies() throws Exception {
        List<String> bad = new ArrayList<>();
        int copied = 0;
        for (Class<?> cls : MetaDeviceGapsTest.moduleClasses()) {
            java.lang.reflect.Constructor<?> best = MetaDeviceGapsTest.simplestConstructor(cls);
            if (best == null) {
                continue;
            }
            Module m = MetaDeviceGapsTest.build(best);
            Module c = DeepCopy.of(m);
            copied++;
            String name = cls.getSimpleName();
            if (c.getClass() != cls || !c.toString().equals(m.toString())) {
                bad.add(name + ": class or printout");
            }
            Map<String, Tensor> a = m.stateDict();
            Map<String, Tensor> b = c.stateDict();
            if (!a.keySet().equals(b.keySet())) {
                bad.add(name + ": keys");
                continue;
            }
            for (String k : a.keySet()) {
                Tensor x = a.get(k);
                Tensor y = b.get(k);
                boolean same = x.isUninitialized() ? y.isUninitialized() : x.equal(y) && x.dtype() == y.dtype();
                if (!same || x == y) {
                    bad.add(name + "." + k);
                }
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        assertTrue(copied >= 145, "copied " + copied);
    }

    /** A user's layer: a subclass with a hook, as a custom block passed to a stack. */
    static final class ScaledLayer extends dev.ember.nn.TransformerEncoderLayer {
        ScaledLayer() {
            super(4, 2, 8, 0.0, new dev.ember.nn.PReLU(), 1e-5, true, false, true);
            registerForwardHook((mod, in, out) -> List.of(out.get(0).mul(2)));
        }
    }

    /**
     * PyTorch's {@code _get_clones}: a stack's layers are deep copies of the layer given, so a float64 layer stays
     * float64, a subclass and its hooks stay, and a module activation (PReLU) is one per layer (before: a new layer of
     * the base class from the configuration, float32, sharing the activation).
     */
    @Test
    void transformerStacksDeepCopyTheirLayer() {
        ScaledLayer layer = new ScaledLayer();
        layer.to(DType.FLOAT64);
        dev.ember.nn.TransformerEncoder enc = new dev.ember.nn.TransformerEncoder(layer, 2);
        List<Module> layers = enc.getSubmodule("layers").children();
        assertEquals(2, layers.size());
        Tensor x = Tensor.randn(DType.FLOAT64, 1, 3, 4);
        for (Module l : layers) {
            assertSame(ScaledLayer.class, l.getClass());
            assertEquals(DType.FLOAT64, l.getParameter("linear1.weight").dtype());
        }
        assertNotSame(layers.get(0).getSubmodule("activation"), layers.get(1).getSubmodule("activation"));
        assertNotSame(layer.getSubmodule("activation"), layers.get(0).getSubmodule("activation"));
        enc.eval();
        layer.eval();
        assertTrue(enc.apply(x).equal(layer.apply(layer.apply(x))));
        dev.ember.nn.TransformerDecoderLayer dl = new dev.ember.nn.TransformerDecoderLayer(4, 2, 8, 0.0, true);
        dl.to(DType.FLOAT64);
        dev.ember.nn.TransformerDecoder dec = new dev.ember.nn.TransformerDecoder(dl, 2);
        assertEquals(DType.FLOAT64, dec.getParameter("layers.1.linear1.weight").dtype());
    }

    private static double[] numbers(String list) {
        String[] parts = list.substring(1, list.length() - 1).split(", ");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Double.parseDouble(parts[i].replace("'", ""));
        }
        return out;
    }

    private static double[] flat(List<Tensor> params) {
        List<Double> all = new ArrayList<>();
        for (Tensor p : params) {
            for (double d : p.detach().reshape(-1).toDoubleArray()) {
                all.add(d);
            }
        }
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * An EMA teacher made by a deep copy (BYOL, DINO, mean teacher), as PyTorch's {@code copy.deepcopy(student)}: the
     * teacher's parameters frozen, three SGD steps of the student against it, the teacher following by an exponential
     * average; losses and both models' parameters against PyTorch's (float64, make_expected.py's "ema" lines).
     */
    @Test
    void emaTeacherTrainsAsPyTorchs() throws IOException {
        Map<String, String> e = facts();
        DType before = Ember.getDefaultDtype();
        Ember.setDefaultDtype(DType.FLOAT64);
        try {
            Sequential student = new Sequential(new Linear(3, 4), new dev.ember.nn.Tanh(), new Linear(4, 2));
            try (GradMode off = Ember.noGrad()) {
                List<Tensor> ps = student.parameters();
                for (int i = 0; i < ps.size(); i++) {
                    Tensor p = ps.get(i);
                    p.copy_(Tensor.arange(p.numel()).to(DType.FLOAT64).add(i).sin().reshape(p.shape()).mul(0.5));
                }
            }
            Sequential teacher = DeepCopy.of(student);
            for (Tensor p : teacher.parameters()) {
                p.requiresGrad_(false);
            }
            dev.ember.optim.SGD opt = new dev.ember.optim.SGD(student.parameters(), 0.1, 0.9, 0, 0, false);
            Tensor x = Tensor.arange(15).to(DType.FLOAT64).cos().reshape(5, 3);
            for (int step = 0; step < 3; step++) {
                Tensor loss = student.apply(x).sub(teacher.apply(x.mul(0.5))).pow(2).mean()
                    .add(student.apply(x).pow(2).mean().mul(0.1));
                opt.zeroGrad();
                loss.backward();
                opt.step();
                try (GradMode off = Ember.noGrad()) {
                    List<Tensor> t = teacher.parameters();
                    List<Tensor> st = student.parameters();
                    for (int i = 0; i < t.size(); i++) {
                        t.get(i).mul_(0.9).add_(st.get(i), 0.1);
                    }
                }
                assertEquals(Double.parseDouble(e.get("ema.loss" + step)), loss.item(), 1e-15, "loss " + step);
            }
            double[] tw = numbers(e.get("ema.teacher"));
            double[] sw = numbers(e.get("ema.student"));
            double[] gotT = flat(teacher.parameters());
            double[] gotS = flat(student.parameters());
            for (int i = 0; i < tw.length; i++) {
                assertEquals(tw[i], gotT[i], 1e-14, "teacher " + i);
                assertEquals(sw[i], gotS[i], 1e-14, "student " + i);
            }
            assertEquals(e.get("ema.teacher_requires_grad"),
                py(teacher.parameters().stream().anyMatch(Tensor::requiresGrad)));
        } finally {
            Ember.setDefaultDtype(before);
        }
    }

    /**
     * A copy lives as long as its original: a module copied inside a training step's scope (a target network refreshed
     * every few steps) outlives the scope, as the module's own state does; a tensor made in the scope has a copy the
     * scope closes too; a tensor from outside a copy that survives it.
     */
    @Test
    void copiesLiveAsLongAsTheirOriginals() {
        Linear online = new Linear(3, 2);
        Tensor outside = Tensor.ones(2);
        Linear target;
        Tensor scoped;
        Tensor scopedCopy;
        Tensor outsideCopy;
        try (TensorScope s = new TensorScope()) {
            target = DeepCopy.of(online);
            scoped = Tensor.ones(3).mul(2);
            scopedCopy = DeepCopy.of(scoped);
            outsideCopy = DeepCopy.of(outside);
        }
        assertTrue(target.apply(Tensor.ones(1, 3)).equal(online.apply(Tensor.ones(1, 3))));
        assertTrue(outsideCopy.equal(outside));
        assertThrows(IllegalStateException.class, scopedCopy::sum);
        assertThrows(IllegalStateException.class, scoped::sum);
    }

    /**
     * A model, its optimizer and a scheduler copied together ({@code copy.deepcopy((model, opt, sched))}): the copies
     * refer to each other as the originals do, so stepping the copied optimizer trains the copied model only, and both
     * pairs then continue identically. Every optimizer class of dev.ember.optim with a (params, lr) constructor copies
     * after a step.
     */
    @Test
    void aModelItsOptimizerAndSchedulerCopyTogether() throws Exception {
        Linear m = new Linear(3, 2);
        dev.ember.optim.Adam opt = new dev.ember.optim.Adam(m.parameters(), 0.1);
        dev.ember.optim.StepLR sched = new dev.ember.optim.StepLR(opt, 1, 0.5);
        Tensor x = Tensor.ones(4, 3);
        m.forward(x).pow(2).sum().backward();
        opt.step();
        sched.step();
        List<Object> copies = DeepCopy.of(List.of(m, opt, sched));
        Linear mc = (Linear) copies.get(0);
        dev.ember.optim.Adam oc = (dev.ember.optim.Adam) copies.get(1);
        dev.ember.optim.StepLR sc = (dev.ember.optim.StepLR) copies.get(2);
        for (int step = 0; step < 2; step++) {
            for (Object[] pair : new Object[][] {{m, opt, sched}, {mc, oc, sc}}) {
                Linear model = (Linear) pair[0];
                dev.ember.optim.Adam o = (dev.ember.optim.Adam) pair[1];
                o.zeroGrad();
                model.forward(x).pow(2).sum().backward();
                o.step();
                ((dev.ember.optim.StepLR) pair[2]).step();
            }
            assertTrue(m.weight().equal(mc.weight()), "step " + step);
            assertNotSame(m.weight(), mc.weight());
        }
        assertEquals(opt.paramGroups().get(0).lr(), oc.paramGroups().get(0).lr());
        // every optimizer with a (params, lr) constructor, after a step
        List<String> bad = new ArrayList<>();
        for (Class<?> c : List.of(dev.ember.optim.SGD.class, dev.ember.optim.Adam.class, dev.ember.optim.AdamW.class,
                dev.ember.optim.Adagrad.class, dev.ember.optim.Adadelta.class, dev.ember.optim.Adamax.class,
                dev.ember.optim.ASGD.class, dev.ember.optim.NAdam.class, dev.ember.optim.RAdam.class,
                dev.ember.optim.RMSprop.class, dev.ember.optim.Rprop.class, dev.ember.optim.Adafactor.class)) {
            Linear l = new Linear(3, 2);
            dev.ember.optim.Optimizer o;
            try {
                o = (dev.ember.optim.Optimizer) c.getConstructor(List.class, double.class).newInstance(l.parameters(),
                    0.01);
            } catch (NoSuchMethodException e) {
                continue;
            }
            l.forward(x).sum().backward();
            o.step();
            List<Object> pair = DeepCopy.of(List.of(l, o));
            Linear lc = (Linear) pair.get(0);
            dev.ember.optim.Optimizer ocp = (dev.ember.optim.Optimizer) pair.get(1);
            o.zeroGrad();
            ocp.zeroGrad();
            l.forward(x).sum().backward();
            lc.forward(x).sum().backward();
            o.step();
            ocp.step();
            if (!l.weight().equal(lc.weight())) {
                bad.add(c.getSimpleName());
            }
        }
        assertTrue(bad.isEmpty(), bad.toString());
    }
}
