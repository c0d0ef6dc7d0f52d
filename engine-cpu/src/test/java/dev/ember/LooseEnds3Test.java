package dev.ember;

import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.ConstantLR;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SGD;
import dev.ember.optim.SequentialLR;
import dev.ember.sparse.Sparse;
import dev.ember.sparse.SparseTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 35's loose ends against PyTorch (resources/looseends3/make_expected.py, PyTorch 1.13; where 2.x differs, the
 * generator turns 1.13's result into 2.x's and says how).
 */
class LooseEnds3Test {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/looseends3/expected.txt");

    // ---- 1. schedulers: SequentialLR's lastEpoch, ChainedScheduler over resumed children, ReduceLROnPlateau's epoch
    // and min_lr forms, CosineAnnealingWarmRestarts.step(int)

    /** The generator's two_groups: SGD over two groups, lr 0.1 and 0.05. */
    private static SGD twoGroups() {
        SGD opt = new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1);
        opt.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of("lr", 0.05));
        return opt;
    }

    private static SGD oneGroup() {
        return new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1);
    }

    private static void addLrs(Optimizer opt, List<String> out) {
        for (ParamGroup g : opt.paramGroups()) {
            out.add(Format.repr(g.lr()));
        }
    }

    /** {@code n} epochs of a training loop: the optimizer's step, then the scheduler's. */
    private static void steps(Optimizer opt, LRScheduler s, int n) {
        for (int i = 0; i < n; i++) {
            opt.step();
            s.step();
        }
    }

    /** The groups' lrs ({@link #addLrs}) now and after each of {@code n} {@link #steps}. */
    private static List<String> lrsOverSteps(Optimizer opt, LRScheduler s, int n) {
        List<String> got = new ArrayList<>();
        addLrs(opt, got);
        for (int i = 0; i < n; i++) {
            steps(opt, s, 1);
            addLrs(opt, got);
        }
        return got;
    }

    @Test
    void sequentialResumesItsOwnEpochAtLastEpoch() {
        // the sequence's epoch starts at lastEpoch + 1, so the milestone 5 comes after 5 - (lastEpoch + 1) steps
        // (before: no lastEpoch; the sequence always started at epoch 0)
        for (int k : new int[] {-1, 0, 2, 4, 7}) {
            SGD opt = twoGroups();
            steps(opt, new ExponentialLR(opt, 0.5), 3);
            SequentialLR q = new SequentialLR(opt, List.of(new ConstantLR(opt, 0.5, 4), new ExponentialLR(opt, 0.9)),
                List.of(5), k);
            List<String> got = lrsOverSteps(opt, q, 6);
            got.add(Long.toString(q.lastEpoch()));
            assertEquals(EXPECTED.get("seq.resume" + k), String.join(" ", got), "lastEpoch " + k);
        }
    }

    @Test
    void resumingWithoutInitialLrIsPyTorchsKeyError() {
        SGD opt = twoGroups();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConstantLR(opt, 0.5, 4, 3));
        assertEquals(EXPECTED.get("seq.childNoInitialLr"), e.getMessage());
        assertEquals(false, opt.paramGroups().get(0).has("initial_lr"));
    }

    @Test
    void chainedOverResumedSchedulers() {
        SGD opt = twoGroups();
        ChainedScheduler c = new ChainedScheduler(List.of(new ConstantLR(opt, 0.5, 5), new ExponentialLR(opt, 0.9)),
            opt);
        steps(opt, c, 3);
        ChainedScheduler c2 = new ChainedScheduler(List.of(new ConstantLR(opt, 0.5, 5, 3),
            new ExponentialLR(opt, 0.9, 3)), opt);
        List<String> got = lrsOverSteps(opt, c2, 6);
        got.add("|");
        for (double lr : c2.getLastLr()) {
            got.add(Format.repr(lr));
        }
        assertEquals(EXPECTED.get("chained.resume"), String.join(" ", got));
    }

    @Test
    void plateauStepWithAnEpochSetsLastEpoch() {
        // PyTorch's step(metrics, epoch) (before: no such step; the epoch could not be set)
        SGD opt = twoGroups();
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt, "min", 0.5, 0);
        opt.step();
        p.step(1.0, 10);
        opt.step();
        p.step(2.0);
        assertEquals(EXPECTED.text("plateau.epoch"), p.stateDict().toString());
    }

    @Test
    void plateauMinLrListVersusScalar() {
        // a list must hold one bound per group, a one-element list too (before: a one-element array was a scalar)
        SGD two = twoGroups();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new ReduceLROnPlateau(two, "min", 0.1, 10, 1e-4, "rel", 0, List.of(0.01), 1e-8));
        assertEquals(EXPECTED.get("plateau.listShort"), "ValueError: " + e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> new ReduceLROnPlateau(oneGroup(), "min", 0.1, 10, 1e-4, "rel", 0, List.of(0.01, 0.02), 1e-8));
        assertEquals(EXPECTED.get("plateau.listLong"), "ValueError: " + e.getMessage());

        // one group: the list form has no default_min_lr, the scalar form has
        SGD opt = oneGroup();
        ReduceLROnPlateau list = new ReduceLROnPlateau(opt, "min", 0.5, 0, 1e-4, "rel", 0, List.of(0.04), 1e-8);
        assertEquals(EXPECTED.text("plateau.list1"), list.stateDict().toString());
        SGD opt2 = oneGroup();
        ReduceLROnPlateau scalar = new ReduceLROnPlateau(opt2, "min", 0.5, 0, 1e-4, "rel", 0, 0.04, 1e-8);
        assertEquals(EXPECTED.text("plateau.scalar1"), scalar.stateDict().toString());

        // a group added: the scalar's bound fills it; the list's reduction is refused, nothing changed
        opt2.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of("lr", 0.3));
        for (double m : new double[] {1.0, 2.0, 3.0, 4.0}) {
            opt2.step();
            scalar.step(m);
        }
        List<String> got = new ArrayList<>();
        addLrs(opt2, got);
        assertEquals(EXPECTED.get("plateau.scalar1.added"), String.join(" ", got));
        assertEquals(EXPECTED.text("plateau.scalar1.addedState"), scalar.stateDict().toString());

        opt.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of("lr", 0.3));
        list.step(1.0);
        String before = list.stateDict().toString();
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> list.step(2.0));
        assertEquals(EXPECTED.get("plateau.list1.added"), "RuntimeError: " + s.getMessage());
        assertEquals(before, list.stateDict().toString(), "nothing changed");
        assertEquals(0.1, opt.paramGroups().get(0).lr());
    }

    /** Steps {@code s}: null a plain step, an Integer step(long), a Double step(double). */
    private static void warmStep(CosineAnnealingWarmRestarts s, Number epoch) {
        if (epoch == null) {
            s.step();
        } else if (epoch instanceof Integer) {
            s.step(epoch.longValue());
        } else {
            s.step(epoch.doubleValue());
        }
    }

    @Test
    void warmRestartsStepWithAnIntKeepsPyTorchsTypes() {
        // T_cur an int where PyTorch's int arithmetic keeps it one, a float after its true division (before: any
        // step(epoch) made it a float: 'T_cur': 2.0 for PyTorch's 2)
        Object[][] cases = {
            {"mult2", 3, 2, new Number[] {2, 5, null, null, 12, null}},
            {"mult1", 3, 1, new Number[] {7, null, null, 2, 9}},
            {"mixed", 2, 3, new Number[] {1.5, null, 3, null, 8}},
        };
        for (Object[] c : cases) {
            SGD opt = twoGroups();
            CosineAnnealingWarmRestarts s = new CosineAnnealingWarmRestarts(opt, (Integer) c[1], (Integer) c[2], 0.001);
            Number[] epochs = (Number[]) c[3];
            for (int i = 0; i < epochs.length; i++) {
                opt.step();
                warmStep(s, epochs[i]);
                String key = "warm." + c[0] + "." + i;
                assertEquals(EXPECTED.text(key), s.stateDict().toString(), key);
                // the printed state loads back to the same state (the int/float kinds included)
                CosineAnnealingWarmRestarts r = new CosineAnnealingWarmRestarts(twoGroups(), 5);
                r.loadStateDict(s.stateDict());
                assertEquals(EXPECTED.text(key), r.stateDict().toString(), key + " loaded");
            }
        }
        CosineAnnealingWarmRestarts s = new CosineAnnealingWarmRestarts(twoGroups(), 3);
        String before = s.stateDict().toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.step(-1));
        assertEquals(EXPECTED.get("warm.negative"), "ValueError: " + e.getMessage());
        assertEquals(before, s.stateDict().toString());
    }

    // ---- 2. fill_ / maskedFill / maskedFill_ with a Java boolean, as PyTorch's with a Python bool (before: no boolean
    // overloads; Java code had to spell 1L/0L or 1.0/0.0 and pick the one the dtype takes)

    private static final DType[] DTYPES = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT16, DType.BFLOAT16, DType.FLOAT32, DType.FLOAT64, DType.COMPLEX64, DType.COMPLEX128};

    private static Tensor mask() {
        return Tensor.tensor(new boolean[] {true, false, true, false, false, true}).reshape(2, 3);
    }

    private static Tensor maskRow() {
        return Tensor.tensor(new boolean[] {false, true, false});
    }

    /** The generator's base tensor of {@code dt} (a float16/bfloat16 line reads as float64: converted back). */
    private static Tensor base(DType dt) {
        return EXPECTED.tensor("base." + name(dt)).to(dt);
    }

    private static String name(DType dt) {
        return dt.toString().replace("torch.", "");
    }

    @Test
    void fillAndMaskedFillWithABoolOnEveryDtype() {
        for (DType dt : DTYPES) {
            for (boolean v : new boolean[] {true, false}) {
                String k = name(dt) + "." + (v ? "True" : "False");
                EXPECTED.assertExact("fill." + k, base(dt).fill_(v));
                EXPECTED.assertExact("masked." + k, base(dt).maskedFill(mask(), v));
                EXPECTED.assertExact("maskedRow." + k, base(dt).maskedFill(maskRow(), v));
                Tensor t = base(dt);
                Tensor r = t.maskedFill_(mask(), v);
                assertSame(t, r, "maskedFill_ returns this");
                EXPECTED.assertExact("masked_." + k, t);
            }
        }
    }

    @Test
    void fullLikeNewFullAndIndexFillWithABoolOnEveryDtype() {
        // torch.full_like / new_full / index_fill / index_fill_ with a Python bool keep the tensor's dtype (before: no
        // boolean overloads)
        Tensor idx = Tensor.tensor(new long[] {0, 2});
        for (DType dt : DTYPES) {
            for (boolean v : new boolean[] {true, false}) {
                String k = name(dt) + "." + (v ? "True" : "False");
                EXPECTED.assertExact("fullLike." + k, base(dt).fullLike(v));
                EXPECTED.assertExact("newFull." + k, base(dt).newFull(new int[] {2, 2}, v));
                EXPECTED.assertExact("indexFill." + k, base(dt).indexFill(1, idx, v));
                Tensor t = base(dt);
                assertSame(t, t.indexFill_(1, idx, v));
                EXPECTED.assertExact("indexFill_." + k, t);
            }
        }
        Tensor x = base(DType.FLOAT64).requiresGrad_(true);
        Tensor y = x.indexFill(1, idx, true);
        assertEquals(EXPECTED.get("grad.indexFill.node"), y.gradFn().name());
        y.mul(EXPECTED.tensor("weights")).sum().backward();
        EXPECTED.assertExact("grad.indexFill", x.grad());
    }

    @Test
    void boolFillsDifferentiateAsTheScalarOverloads() {
        Tensor w = EXPECTED.tensor("weights");
        Tensor x = base(DType.FLOAT64).requiresGrad_(true);
        Tensor y = x.mul(2).fill_(true);
        assertEquals(EXPECTED.get("grad.fill.node"), y.gradFn().name());
        y.mul(w).sum().backward();
        EXPECTED.assertExact("grad.fill", x.grad());
        x = base(DType.FLOAT64).requiresGrad_(true);
        y = x.maskedFill(mask(), true);
        assertEquals(EXPECTED.get("grad.masked.node"), y.gradFn().name());
        y.mul(w).sum().backward();
        EXPECTED.assertExact("grad.masked", x.grad());
        x = base(DType.FLOAT64).requiresGrad_(true);
        y = x.mul(2).maskedFill_(maskRow(), false);
        assertEquals(EXPECTED.get("grad.masked_.node"), y.gradFn().name());
        y.mul(w).sum().backward();
        EXPECTED.assertExact("grad.masked_", x.grad());

        Tensor leaf = Tensor.zeros(2).requiresGrad_(true);
        RuntimeException e = assertThrows(RuntimeException.class, () -> leaf.fill_(true));
        assertEquals(EXPECTED.get("err.fillLeaf"), "RuntimeError: " + e.getMessage());
        e = assertThrows(RuntimeException.class, () -> leaf.maskedFill_(Tensor.tensor(new boolean[] {true, false}), true));
        assertEquals(EXPECTED.get("err.maskedLeaf"), "RuntimeError: " + e.getMessage());
        assertEquals("[0.0, 0.0]", java.util.Arrays.toString(leaf.toDoubleArray()), "unchanged");
    }

    // ---- 3. clamp with one bound absent: the gradient passes on the bounds themselves (min <= x <= max), as PyTorch's

    @Test
    void clampWithOneBoundOnTheBounds() {
        Tensor xs = Tensor.tensor(new double[] {-1.0, -0.5, 0.0, 0.5, 2.0}, DType.FLOAT64);
        Tensor w = Tensor.tensor(new double[] {1.0, 2.5, 4.0, 5.5, 1.5}, DType.FLOAT64);
        Map<String, java.util.function.UnaryOperator<Tensor>> cases = new java.util.LinkedHashMap<>();
        cases.put("clampMin", x -> x.clamp(Double.valueOf(-0.5), null));
        cases.put("clampMax", x -> x.clamp(null, Double.valueOf(0.5)));
        cases.put("clampMax_", x -> x.mul(1).clamp_(null, 0.5));
        cases.put("clampMin_", x -> x.mul(1).clamp_(-0.5, null));
        for (var c : cases.entrySet()) {
            Tensor x = xs.clone().requiresGrad_(true);
            Tensor y = c.getValue().apply(x);
            String k = "clamp." + c.getKey();
            assertEquals(EXPECTED.get(k + ".node"), y.gradFn().name(), k);
            EXPECTED.assertExact(k, y);
            y.mul(w).sum().backward();
            EXPECTED.assertExact(k + ".grad", x.grad());
        }
        Tensor ints = Tensor.tensor(new long[] {-3, 0, 2, 5});
        EXPECTED.assertExact("clamp.int64", ints.clamp(Double.valueOf(0.5), null));
        EXPECTED.assertExact("clamp.int64max", ints.clamp(null, Double.valueOf(1.5)));
    }

    // ---- 4. sparse autograd edges: autograd.grad with sparse inputs (before: not supported; Sparse.grad is new)

    private static final Tensor SI = Tensor.tensor(new long[][] {{0, 1, 1, 0}, {2, 0, 2, 2}});

    private static SparseTensor sparseLeaf() {
        return Sparse.cooTensor(SI, Tensor.tensor(new double[] {3, 4, 5, 1}, DType.FLOAT64), 2, 3).requiresGrad_(true);
    }

    private static Tensor sd() {
        return Tensor.arange(12).to(DType.FLOAT64).reshape(3, 4).mul(0.5).sub(2.0);
    }

    private static Tensor sw() {
        return Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3).sub(2.5);
    }

    private static void assertSparse(String key, SparseTensor g, boolean flag) {
        EXPECTED.assertExact(key + ".indices", g._indices());
        EXPECTED.assertExact(key + ".values", g._values());
        if (flag) {
            assertEquals(EXPECTED.get(key + ".coalesced"), g.isCoalesced() ? "True" : "False", key);
        }
    }

    @Test
    void autogradGradWithSparseInputs() {
        SparseTensor s = sparseLeaf();
        SparseTensor g = Sparse.grad(List.of(Sparse.mm(s, sd()).pow(2).sum()), List.of(s)).get(0);
        assertSparse("sgrad.mm", g, true);
        assertEquals(EXPECTED.get("sgrad.mm.leafGrad"), s.grad() == null ? "None" : "set", "the leaf's grad untouched");
        assertFalse(g.requiresGrad());

        s = sparseLeaf();
        assertSparse("sgrad.todense", Sparse.grad(List.of(s.toDense().mul(sw()).sum()), List.of(s)).get(0), true);
        s = sparseLeaf();
        assertSparse("sgrad.sum", Sparse.grad(List.of(Sparse.sum(s).mul(3.0)), List.of(s)).get(0), true);
        s = sparseLeaf();
        SparseTensor c = s.coalesce();
        assertSparse("sgrad.nonleaf", Sparse.grad(List.of(c.toDense().mul(sw()).sum()), List.of(c)).get(0), true);

        // allow_unused: null for the sparse input the output does not use
        SparseTensor unused = sparseLeaf();
        Tensor d2 = sd().requiresGrad_(true);
        Tensor out = d2.mul(2).sum();
        List<SparseTensor> gs = Sparse.grad(List.of(out), List.of(unused), null, true, false, true);
        assertEquals(EXPECTED.get("sgrad.unused"), gs.get(0) == null ? "None" : "set");
        EXPECTED.assertExact("sgrad.unused.dense", Autograd.grad(List.of(out), List.of(d2)).get(0));
        SparseTensor noGrad = Sparse.cooTensor(SI, Tensor.tensor(new double[] {3, 4, 5, 1}, DType.FLOAT64), 2, 3);
        RuntimeException e = assertThrows(RuntimeException.class,
            () -> Sparse.grad(List.of(sd().requiresGrad_(true).mul(2).sum()), List.of(noGrad)));
        assertEquals(EXPECTED.get("sgrad.noGrad"), "RuntimeError: " + e.getMessage());
    }

    @Test
    void autogradGradWithASparseInputAndCreateGraph() {
        SparseTensor s = sparseLeaf();
        Tensor d3 = sd().requiresGrad_(true);
        SparseTensor g = Sparse.grad(List.of(Sparse.mm(s, d3).pow(2).sum()), List.of(s), null, true, true, false)
            .get(0);
        assertSparse("sgrad.cg", g, true);
        assertEquals(EXPECTED.get("sgrad.cg.node"), g.gradFnName());
        g.coalesce().values().pow(2).sum().backward();
        // PyTorch 1.13 flags this .grad uncoalesced; 2.x's sparse_mask of a coalesced mask is coalesced, as Ember's
        // (see SparseLeafGradTest)
        assertSparse("sgrad.cg.second", s.grad(), false);
        assertTrue(s.grad().isCoalesced());
        EXPECTED.assertExact("sgrad.cg.secondDense", d3.grad());
    }
}
