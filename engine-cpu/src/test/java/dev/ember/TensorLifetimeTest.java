package dev.ember;

import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deterministic release: {@link Tensor#close()}, storages shared by views and freed by the last close, and
 * {@link TensorScope}. {@link StorageLease#live()} counts storages not yet closed by their last tensor, so a flat count
 * across training steps shows that each step frees everything it made.
 */
class TensorLifetimeTest {

    @Test
    void closedTensorRefusesUseButKeepsItsMetadata() {
        Tensor t = Tensor.ones(2, 3);
        t.close();
        t.close(); // idempotent
        assertTrue(t.isClosed());
        assertArrayEquals(new int[] {2, 3}, t.shape());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.add(1));
        assertEquals("This tensor ([2, 3], torch.float32, cpu) has been closed and can no longer be used. A tensor made "
                + "inside Ember.scope() is closed when the scope closes; keep it past the scope with scope.keep(tensor).",
                e.getMessage());
        assertThrows(IllegalStateException.class, t::toDoubleArray);
        assertThrows(IllegalStateException.class, () -> t.view(6));
        assertThrows(IllegalStateException.class, () -> Tensor.ones(2, 3).mul(t));
        assertEquals("tensor(<closed>, size=[2, 3], dtype=torch.float32)", t.toString());
    }

    @Test
    void aStorageIsFreedByTheLastTensorOverIt() {
        long before = StorageLease.live();
        Tensor base = Tensor.tensor(new long[][] {{0, 1, 2}, {3, 4, 5}});
        Tensor view = base.transpose(0, 1);
        Tensor detached = base.detach();
        long withOne = StorageLease.live();
        assertTrue(withOne > before);
        base.close();
        assertEquals(withOne, StorageLease.live(), "a view and a detached handle still use the storage");
        assertEquals("tensor([[0, 3],\n        [1, 4],\n        [2, 5]])", view.toString());
        view.close();
        assertEquals(withOne, StorageLease.live());
        try (Tensor sum = detached.sum()) {
            assertEquals(15L, sum.longItem());
        }
        detached.close();
        assertTrue(StorageLease.live() < withOne, "the last close frees the storage");
    }

    @Test
    void closingInputsAfterAnOpDoesNotDisturbItsResult() {
        Tensor a = Tensor.tensor(new double[] {1, 2, 3});
        Tensor b = Tensor.tensor(new double[] {10, 20, 30});
        Tensor c = a.add(b);
        a.close();
        b.close();
        assertEquals("tensor([11., 22., 33.])", c.toString());
    }

    @Test
    void backwardFreesTheGradientsItPassesAlong() {
        Tensor x = Tensor.randn(1000).requiresGrad_(true);
        Tensor w1 = Tensor.randn(1000);
        Tensor w2 = Tensor.randn(1000);
        Tensor w3 = Tensor.randn(1000);
        Tensor y = x.mul(w1).mul(w2).mul(w3).sum();
        long before = StorageLease.live();
        y.backward();
        // left: x.grad, and the implicit 1 that backward() starts from; the gradients of the three products, made and
        // used during the pass, were freed by the engine
        assertEquals(before + 2, StorageLease.live());
        assertArrayEquals(w3.mul(w2).mul(w1).toDoubleArray(), x.grad().toDoubleArray());
    }

    @Test
    void theTemporariesOfABackwardFormulaDieWithItsNode() {
        Tensor x = Tensor.randn(1000).requiresGrad_(true);
        Tensor y = x.sin().tanh().sum(); // SinBackward0 makes cos(x) then a product; TanhBackward0 1 - y^2 in steps
        long before = StorageLease.live();
        try (GradMode on = Ember.enableGrad()) { // not create_graph: nothing keeps the formulas' intermediates
            y.backward();
        }
        assertEquals(before + 2, StorageLease.live(), "x.grad and the implicit 1 are left; cos(x), 1 - y^2 and the "
                + "products were freed when their nodes finished");
        assertArrayEquals(x.sin().tanh().pow(2).rsub(1).mul(x.cos()).toDoubleArray(), x.grad().toDoubleArray(), 1e-6);
    }

    @Test
    void aCustomFunctionsBackwardKeepsWhatItMakes() {
        Tensor x = Tensor.randn(10).requiresGrad_(true);
        Tensor[] kept = new Tensor[1];
        AutogradFunction f = new AutogradFunction() {
            @Override
            protected Tensor[] forward(Context ctx, Tensor... in) {
                return new Tensor[] {in[0].mul(2)};
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor... grads) {
                kept[0] = grads[0].mul(3); // a temporary the user keeps, as a hook keeping a gradient does
                return new Tensor[] {grads[0].mul(2)};
            }
        };
        f.apply(x).sum().backward();
        assertEquals(30.0, kept[0].sum().item(), 0); // still open
    }

    @Test
    void summedGradientsAreFreedToo() {
        Tensor x = Tensor.randn(1000).requiresGrad_(true);
        Tensor three = Tensor.full(new int[] {1000}, 3);
        Tensor two = Tensor.full(new int[] {1000}, 2);
        Tensor h = x.mul(three);
        Tensor y = h.mul(h).add(h.mul(two)).sum(); // three uses of h: its gradient is a sum of three
        long before = StorageLease.live();
        y.backward();
        assertEquals(before + 2, StorageLease.live(), "x.grad and the implicit 1 are left; the summands and sums went");
        assertArrayEquals(x.mul(18).add(6).toDoubleArray(), x.grad().toDoubleArray(), 1e-4);
    }

    @Test
    void scopeClosesWhatWasMadeInsideAndNothingElse() {
        Tensor outside = Tensor.ones(3);
        Tensor inside;
        Tensor kept;
        try (TensorScope scope = Ember.scope()) {
            inside = outside.mul(2);
            Tensor temp = inside.add(1);
            kept = scope.keep(temp.sum());
            assertTrue(scope.size() >= 2);
        }
        assertTrue(inside.isClosed());
        assertFalse(outside.isClosed());
        assertFalse(kept.isClosed());
        assertEquals(9.0, kept.item());
        assertEquals("tensor([1., 1., 1.])", outside.toString());
    }

    @Test
    void keptTensorsMoveToTheEnclosingScope() {
        Tensor fromInner;
        try (TensorScope outer = Ember.scope()) {
            try (TensorScope inner = Ember.scope()) {
                fromInner = inner.keep(Tensor.ones(2));
            }
            assertFalse(fromInner.isClosed());
            assertEquals(2.0, fromInner.sum().item());
        }
        assertTrue(fromInner.isClosed(), "the outer scope closes what the inner one handed up");
    }

    @Test
    void scopesCloseInOrderOnTheirThread() throws Exception {
        TensorScope outer = Ember.scope();
        TensorScope inner = Ember.scope();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertEquals("TensorScope closed out of order: a scope opened inside it is still open", e.getMessage());
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                inner.close();
            } catch (Throwable t) {
                error.set(t);
            }
        }, "lifetime-other");
        other.start();
        other.join();
        assertEquals("A TensorScope must be closed on the thread that opened it (" + Thread.currentThread().getName()
                + "), not on lifetime-other", error.get().getMessage());
        inner.close();
        outer.close();
        assertEquals(null, TensorScope.current());
    }

    @Test
    void gradientsFollowTheirLeafAndOptimizerStateEscapes() {
        Tensor w = Tensor.ones(3).requiresGrad_(true);
        Adam adam = Adam.adam(List.of(w), 0.1);
        Tensor leafInside;
        Tensor retained;
        try (TensorScope step = Ember.scope()) {
            leafInside = Tensor.ones(3).requiresGrad_(true);
            Tensor h = w.mul(leafInside);
            h.retainGrad();
            h.sum().backward();
            adam.step();
            retained = h.grad();
            assertNotNull(retained);
        }
        assertFalse(w.grad().isClosed(), "a parameter's gradient outlives the step");
        assertEquals("tensor([1., 1., 1.])", w.grad().toString());
        assertTrue(leafInside.grad().isClosed(), "a leaf made in the scope takes its gradient with it");
        Tensor keptLeaf;
        try (TensorScope scope = Ember.scope()) {
            Tensor leaf = Tensor.ones(2).requiresGrad_(true);
            leaf.mul(3).sum().backward();
            keptLeaf = scope.keep(leaf);
        }
        assertEquals("tensor([3., 3.])", keptLeaf.grad().toString(), "a kept leaf keeps its gradient");
        assertTrue(retained.isClosed());
        try (TensorScope step = Ember.scope()) {
            adam.zeroGrad();
            w.mul(2).sum().backward();
            adam.step(); // uses the moments made in the first step's scope
        }
        assertEquals(0.8034818172454834, w.data().toDoubleArray()[0], 1e-6); // PyTorch 1.13, the same two steps
    }

    @Test
    void zeroGradClosesTheGradientsItClears() {
        Tensor w = Tensor.ones(2).requiresGrad_(true);
        Optimizer sgd = new SGD(List.of(w), 0.1, 0.9, 0, 0, false);
        w.sum().backward();
        Tensor g = w.grad();
        sgd.zeroGrad();
        assertTrue(g.isClosed());
        assertEquals(null, w.grad());
        Tensor mine = Tensor.ones(2);
        w.setGrad(mine);
        sgd.zeroGrad();
        assertFalse(mine.isClosed(), "a gradient the user assigned stays the user's");
        assertEquals(null, w.grad());
    }

    @Test
    void modulesBuiltInsideAScopeOutliveIt() {
        Module m;
        try (TensorScope scope = Ember.scope()) {
            m = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2));
        }
        for (Tensor p : m.stateDict().values()) {
            assertFalse(p.isClosed());
        }
        assertArrayEquals(new int[] {1, 2, 2, 2}, m.forward(Tensor.ones(1, 1, 4, 4)).shape());
    }

    @Test
    void setDataKeepsTheAdoptedStorageAlive() {
        Tensor w = Tensor.zeros(2);
        try (TensorScope scope = Ember.scope()) {
            w.setData(Tensor.full(new int[] {2}, 5.0));
        }
        assertEquals("tensor([5., 5.])", w.toString());
    }

    /** A small LeNet-shaped model: conv, pool, linear, trained with SGD momentum on random data. */
    private static double[] train(boolean scoped, int steps, long[] liveAfterStep) {
        Ember.manualSeed(7);
        Module model = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 10));
        Optimizer opt = new SGD(model.parameters(), 0.05, 0.9, 0, 1e-4, false);
        Tensor x = Tensor.randn(8, 1, 10, 10);
        Tensor y = Tensor.randint(0, 10, 8);
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) {
            TensorScope scope = scoped ? Ember.scope() : null;
            try {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.forward(x), y);
                loss.backward();
                opt.step();
                losses[s] = loss.item();
            } finally {
                if (scope != null) {
                    scope.close();
                }
            }
            if (liveAfterStep != null) {
                liveAfterStep[s] = StorageLease.live();
            }
        }
        return losses;
    }

    @Test
    void aScopedTrainingLoopFreesEveryStepAndTrainsTheSame() {
        long[] live = new long[6];
        double[] scoped = train(true, 6, live);
        long[] livePlain = new long[6];
        double[] plain = train(false, 6, livePlain);
        assertArrayEquals(plain, scoped, "scopes change when memory is freed, never the numbers");
        assertTrue(scoped[5] < scoped[0]);
        // step 0 makes the gradients and the momentum buffers; from then on each step frees all it makes
        for (int s = 2; s < live.length; s++) {
            assertEquals(live[1], live[s], "storages alive after step " + s + " vs step 1");
        }
        // (at least 10 storages a step: 16 at session 53, whose nll_loss skips its mask ops when no target is ignored)
        assertTrue(livePlain[5] - livePlain[1] > 4 * 10, "without a scope, each step leaves its storages to the GC: "
                + livePlain[1] + " -> " + livePlain[5]);
    }

    @Test
    void userFunctionsCanReturnFromAScope() {
        Function<Tensor, Tensor> normalize = t -> {
            try (TensorScope scope = Ember.scope()) {
                Tensor centered = t.sub(t.mean());
                return scope.keep(centered.div(centered.pow(2).mean().sqrt()));
            }
        };
        Tensor r = normalize.apply(Tensor.tensor(new double[] {1, 2, 3}));
        assertFalse(r.isClosed());
        List<Double> values = new ArrayList<>();
        for (double v : r.toDoubleArray()) {
            values.add(Math.round(v * 1e4) / 1e4);
        }
        assertEquals(List.of(-1.2247, 0.0, 1.2247), values);
    }
}
