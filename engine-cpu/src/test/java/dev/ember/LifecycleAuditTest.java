package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.data.DataLoaderIterator;
import dev.ember.data.Dataset;
import dev.ember.nn.Linear;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 41's audit of object lifecycles: tensors closed while a graph still needs them, views whose base is
 * closed, and hook handles removed from inside the hooks or twice.
 */
class LifecycleAuditTest {

    private static String savedClosed(String node, String tensor) {
        return "A tensor that " + node + " saved for its backward (" + tensor + ") has been closed, so the graph can no "
                + "longer be differentiated. Keep the tensors a graph saved open until its backward has run: a tensor "
                + "made inside Ember.scope() is closed when the scope closes; run the backward inside the scope, or keep "
                + "the tensor past it with scope.keep(tensor).";
    }

    /**
     * A tensor that a node saved for backward, closed before the backward: the backward names the node and the tensor
     * (before: the generic "This tensor ... has been closed" from somewhere inside the formula), and no leaf receives
     * a gradient. PyTorch's graph owns its saved tensors; this case has no PyTorch counterpart.
     */
    @Test
    void aClosedSavedTensorNamesTheNodeThatSavedIt() {
        // a saved input that is not a leaf of the graph
        Tensor x = Tensor.fromArray(new float[] {1, 2, 3}).requiresGrad_(true);
        Tensor w = Tensor.fromArray(new float[] {4, 5, 6});
        Tensor loss = x.mul(w).sum();
        w.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertEquals(savedClosed("MulBackward0", "[3], torch.float32, cpu"), e.getMessage());
        assertNull(x.grad(), "no gradient reached the leaf");

        // a saved output (exp saves its result)
        Tensor y = x.exp();
        Tensor z = y.sum();
        y.close();
        e = assertThrows(IllegalStateException.class, z::backward);
        assertEquals(savedClosed("ExpBackward0", "[3], torch.float32, cpu"), e.getMessage());
        assertNull(x.grad());

        // the leaf itself, closed by the scope it was made in; the graph outlived the scope
        Tensor out;
        try (TensorScope step = Ember.scope()) {
            Tensor a = Tensor.ones(DType.FLOAT64, 2, 2).requiresGrad_(true);
            out = step.keep(a.matmul(a).sum());
        }
        e = assertThrows(IllegalStateException.class, out::backward);
        assertEquals(savedClosed("MmBackward0", "[2, 2], torch.float64, cpu"), e.getMessage());

        // the same graph with the tensor open: the backward runs
        Tensor w2 = Tensor.fromArray(new float[] {4, 5, 6});
        x.mul(w2).sum().backward();
        assertArrayEquals(new float[] {4, 5, 6}, x.grad().toFloatArray());
    }

    /**
     * Closing a view's base gives up only the base's hold: the view keeps reading and writing the storage (as PyTorch,
     * where a view keeps its base alive), and the storage goes when the view closes too.
     */
    @Test
    void aViewOutlivesItsClosedBase() {
        Tensor base = Tensor.arange(6).reshape(2, 3).clone(); // a storage of its own, held by base alone
        Tensor row = base.select(0, 1);
        long live = StorageLease.live();
        base.close();
        assertEquals(live, StorageLease.live(), "closing the base frees nothing while the view holds the storage");
        assertTrue(base.isClosed());
        assertThrows(IllegalStateException.class, () -> base.add(1));
        assertArrayEquals(new long[] {3, 4, 5}, row.toLongArray());
        row.add_(10);
        assertArrayEquals(new long[] {13, 14, 15}, row.toLongArray());
        live = StorageLease.live();
        row.close();
        assertEquals(live - 1, StorageLease.live(), "the storage goes with the view");
    }

    /**
     * A tensor hook's handle removes its own registration, once: removing it again, or removing one of two registrations
     * of the same function, leaves the other registrations (PyTorch's handle removes its id). Before, the handle removed
     * the first hook equal to its function, each time it was called: a second remove() took another registration away.
     */
    @Test
    void aHookHandleRemovesItsOwnRegistrationOnce() {
        List<String> calls = new ArrayList<>();
        Function<Tensor, Tensor> log = g -> {
            calls.add("log");
            return null;
        };
        Tensor x = Tensor.ones(3).requiresGrad_(true);
        RemovableHandle first = x.registerHook(log);
        x.registerHook(g -> {
            calls.add("other");
            return null;
        });
        x.registerHook(log);
        first.remove();
        first.remove(); // again: nothing more
        x.mul(2).sum().backward();
        assertEquals(List.of("other", "log"), calls, "the other hook and the second registration of log, in order");

        // the same for a non-leaf's hooks
        calls.clear();
        Tensor y = Tensor.ones(3).requiresGrad_(true).mul(2);
        RemovableHandle a = y.registerHook(log);
        y.registerHook(log);
        a.remove();
        a.remove();
        y.sum().backward();
        assertEquals(List.of("log"), calls);

        // and post-accumulate-grad hooks
        calls.clear();
        Consumer<Tensor> post = t -> calls.add("post");
        Tensor p = Tensor.ones(2).requiresGrad_(true);
        RemovableHandle h = p.registerPostAccumulateGradHook(post);
        p.registerPostAccumulateGradHook(post);
        h.remove();
        h.remove();
        p.sum().backward();
        assertEquals(List.of("post"), calls);
    }

    /**
     * Hooks that remove themselves or register new hooks while being called: the pass in progress runs the hooks
     * registered when it reached them; the next pass sees the changes (PyTorch 2.x iterates over a snapshot too).
     */
    @Test
    void hooksThatRemoveOrAddHooksWhileCalled() {
        List<String> calls = new ArrayList<>();
        Tensor x = Tensor.ones(3).requiresGrad_(true);
        RemovableHandle[] self = new RemovableHandle[1];
        self[0] = x.registerHook(g -> {
            calls.add("once");
            self[0].remove();
            x.registerHook(g2 -> {
                calls.add("added");
                return null;
            });
            return g.mul(10);
        });
        x.registerHook(g -> {
            calls.add("second");
            return null;
        });
        x.mul(2).sum().backward();
        assertEquals(List.of("once", "second"), calls);
        assertArrayEquals(new float[] {20, 20, 20}, x.grad().toFloatArray(), "the first pass used the replaced gradient");
        x.mul(2).sum().backward();
        assertEquals(List.of("once", "second", "second", "added"), calls);
        assertArrayEquals(new float[] {22, 22, 22}, x.grad().toFloatArray());

        // a module's forward hook that removes itself and registers another
        calls.clear();
        Linear lin = new Linear(3, 2);
        RemovableHandle[] fh = new RemovableHandle[1];
        fh[0] = lin.registerForwardHook((m, in, out) -> {
            calls.add("forward once");
            fh[0].remove();
            fh[0].remove();
            m.registerForwardHook((m2, in2, out2) -> {
                calls.add("forward added");
                return null;
            });
            return null;
        });
        lin.apply(Tensor.ones(1, 3));
        lin.apply(Tensor.ones(1, 3));
        assertEquals(List.of("forward once", "forward added"), calls);
        assertFalse(lin.weight().isClosed());
    }

    /** Throws a checked exception without declaring it, as Kotlin code or Lombok's {@code @SneakyThrows} do. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }

    private static List<Thread> liveWorkers() {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ember-data-worker-") && t.isAlive()) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * A data set that throws a checked exception sneakily on a worker thread: the caller gets it, wrapped with the
     * worker's number (an UncheckedIOException for an IOException), the epoch goes on, and the workers stop at its end.
     * Before, the exception ended the worker thread (the loop caught only unchecked ones), and the caller got "DataLoader
     * worker 1 exited unexpectedly" without the cause, and no more batches.
     */
    @Test
    void aWorkersCheckedExceptionReachesTheCaller() throws InterruptedException {
        java.io.IOException diskGone = new java.io.IOException("disk gone");
        Exception other = new Exception("a checked exception");
        Dataset<Tensor> data = new Dataset<>() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public Tensor get(int index) {
                if (index == 3) {
                    throw LifecycleAuditTest.<RuntimeException>sneaky(diskGone);
                }
                if (index == 6) {
                    throw LifecycleAuditTest.<RuntimeException>sneaky(other);
                }
                return Tensor.scalar(index);
            }
        };
        List<Thread> before = liveWorkers();
        DataLoaderIterator<Tensor> it = DataLoader.builder(data).batchSize(2).numWorkers(2).build().iterator();
        List<Thread> mine = liveWorkers();
        mine.removeAll(before);
        assertEquals(2, mine.size());
        assertArrayEquals(new float[] {0, 1}, it.next().toFloatArray());
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, it::next);
        assertEquals("Caught IOException in DataLoader worker 1: disk gone", e.getMessage());
        assertSame(diskGone, e.getCause());
        assertArrayEquals(new float[] {4, 5}, it.next().toFloatArray(), "the epoch goes on, as in PyTorch");
        RuntimeException r = assertThrows(RuntimeException.class, it::next);
        assertEquals("Caught Exception in DataLoader worker 1: a checked exception", r.getMessage());
        assertSame(other, r.getCause());
        assertFalse(it.hasNext());
        for (Thread t : mine) {
            t.join(30_000);
            assertFalse(t.isAlive(), t.getName() + " stopped at the end of the epoch");
        }
        it.close();
        it.close(); // closing an ended iteration, twice, does nothing
        assertFalse(it.hasNext());
    }
}
