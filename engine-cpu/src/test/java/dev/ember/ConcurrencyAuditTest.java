package dev.ember;

import dev.ember.nn.Linear;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.utils.Parametrize;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 41's audit of thread-local state and of objects used from several threads: the per-thread mode scopes,
 * a tensor scope that receives gradients from backward passes run on other threads, and tensors closed from two
 * threads at once. The threads meet at barriers; the timeouts only turn a deadlock into a failure.
 */
class ConcurrencyAuditTest {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    /** Runs {@code work} on a new daemon thread named {@code audit-other} and returns its result (or rethrows). */
    private static <T> T onAnotherThread(Callable<T> work) throws Exception {
        return started(new FutureTask<>(work), "audit-other").get(60, TimeUnit.SECONDS);
    }

    /** Starts {@code task} on a new daemon thread named {@code name}; returns the task. */
    private static <T> FutureTask<T> started(FutureTask<T> task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return task;
    }

    /** A mode scope to audit: how to open it, and what this thread's state is (its observable effect). */
    private record Kind(String name, String what, Callable<AutoCloseable> open, Supplier<Object> state) {
    }

    private static List<Kind> kinds() {
        Linear m = new Linear(3, 2);
        Parametrizations.weightNorm(m);
        List<Kind> kinds = new ArrayList<>();
        kinds.add(new Kind("noGrad", "A GradMode scope", Ember::noGrad, Ember::isGradEnabled));
        kinds.add(new Kind("inferenceMode", "An InferenceMode scope", Ember::inferenceMode,
                () -> List.of(Ember.isInferenceModeEnabled(), Ember.isGradEnabled())));
        kinds.add(new Kind("detectAnomaly", "An AnomalyMode scope", Autograd::detectAnomaly, Autograd::isAnomalyEnabled));
        kinds.add(new Kind("savedTensorsHooks", "A saved_tensors_hooks scope",
                () -> Autograd.savedTensorsHooks(t -> t, t -> t), () -> SavedTensorsHooks.current() != null));
        kinds.add(new Kind("disableSavedTensorsHooks", "A disable_saved_tensors_hooks scope",
                () -> Autograd.disableSavedTensorsHooks("hooks are off here"), () -> {
                    try (SavedTensorsHooks h = Autograd.savedTensorsHooks(t -> t, t -> t)) {
                        return "allowed";
                    } catch (IllegalStateException e) {
                        return e.getMessage();
                    }
                }));
        kinds.add(new Kind("parametrize.cached", "A parametrize.cached() scope", () -> Parametrize.cached(),
                () -> m.parametrizedValue("weight") == m.parametrizedValue("weight")));
        kinds.add(new Kind("autocast", "An autocast scope", () -> Ember.autocast("cpu"),
                () -> Ember.isAutocastEnabled("cpu")));
        kinds.add(new Kind("deviceScope", "A device scope", () -> Ember.deviceScope(Device.CPU), DeviceScope::current));
        kinds.add(new Kind("scope", "A TensorScope", Ember::scope, TensorScope::current));
        kinds.add(new Kind("profile", "A Profiler", Ember::profile, dev.ember.profiler.Profiler::isProfiling));
        return kinds;
    }

    /**
     * A mode scope closed on another thread than the one that opened it raises, in the words autocast and the profiler
     * use, and changes nothing: the closing thread's own state stays, the opener's mode stays in force until the opener
     * closes it. Before, grad mode, inference mode, anomaly mode, saved-tensor hooks (and their disabling) and
     * parametrize's cache restored their "previous" state on the closing thread and left the opener in the mode for
     * good (a pooled request thread then served every later request under no_grad; the cache depth went below zero).
     */
    @Test
    void modeScopesRefuseToCloseOnAnotherThread() throws Exception {
        String me = Thread.currentThread().getName();
        for (Kind k : kinds()) {
            Object outside = k.state().get();
            AutoCloseable scope = k.open().call();
            try {
                Object inside = k.state().get();
                assertNotEquals(outside, inside, k.name() + " changes this thread's state");
                Object[] other = onAnotherThread(() -> {
                    Object before = k.state().get();
                    IllegalStateException e = assertThrows(IllegalStateException.class, scope::close);
                    return new Object[] {before, e.getMessage(), k.state().get()};
                });
                assertEquals(outside, other[0], k.name() + ": another thread does not see this thread's mode");
                assertEquals(k.what() + " must be closed on the thread that opened it (" + me + "), not on audit-other",
                        other[1], k.name());
                assertEquals(outside, other[2], k.name() + ": the failed close left the other thread's state as it was");
                assertEquals(inside, k.state().get(), k.name() + ": the failed close left the mode on in its thread");
            } finally {
                scope.close();
            }
            assertEquals(outside, k.state().get(), k.name() + ": its thread closes it, and its state is restored");
            scope.close(); // closing twice does nothing
            assertEquals(outside, k.state().get(), k.name());
        }
    }

    /** The same scope opened on another thread and handed here: closing it here fails and leaves this thread alone. */
    @Test
    void aScopeOpenedOnAnotherThreadCannotBeClosedHere() throws Exception {
        for (Kind k : kinds()) {
            Object mine = k.state().get();
            CyclicBarrier handed = new CyclicBarrier(2);
            CyclicBarrier tried = new CyclicBarrier(2);
            AutoCloseable[] scope = new AutoCloseable[1];
            FutureTask<Object[]> opener = new FutureTask<>(() -> {
                Object before = k.state().get();
                scope[0] = k.open().call();
                Object inside = k.state().get();
                handed.await(60, TimeUnit.SECONDS);
                tried.await(60, TimeUnit.SECONDS);
                Object still = k.state().get();
                scope[0].close();
                return new Object[] {before, inside, still, k.state().get()};
            });
            started(opener, "audit-opener");
            handed.await(60, TimeUnit.SECONDS);
            IllegalStateException e = assertThrows(IllegalStateException.class, scope[0]::close, k.name());
            assertEquals(k.what() + " must be closed on the thread that opened it (audit-opener), not on "
                    + Thread.currentThread().getName(), e.getMessage());
            assertEquals(mine, k.state().get(), k.name() + ": this thread's state is unchanged");
            tried.await(60, TimeUnit.SECONDS);
            Object[] seen = opener.get(60, TimeUnit.SECONDS);
            assertEquals(seen[1], seen[2], k.name() + ": the opener's mode stayed on");
            assertEquals(seen[0], seen[3], k.name() + ": and its own close restored it");
        }
    }

    /**
     * The thread-bound scopes that {@link #kinds()} cannot observe from outside (checkpoint's early-stop setting is
     * read only by a checkpoint) or that end rather than close (a profiler's user range) refuse another thread in the
     * same words as the others, and their own thread still closes them afterwards.
     */
    @Test
    void otherThreadBoundScopesRefuseInTheSameWords() throws Exception {
        String me = Thread.currentThread().getName();
        AutoCloseable earlyStop = dev.ember.nn.utils.Checkpoint.setCheckpointEarlyStop(false);
        try {
            String message = onAnotherThread(() -> assertThrows(IllegalStateException.class, earlyStop::close).getMessage());
            assertEquals("A set_checkpoint_early_stop scope must be closed on the thread that opened it (" + me
                    + "), not on audit-other", message);
        } finally {
            earlyStop.close();
        }
        try (dev.ember.profiler.Profiler prof = Ember.profile()) {
            dev.ember.profiler.RecordFunction range = dev.ember.profiler.Profiler.recordFunction("audit-range");
            String message = onAnotherThread(() -> assertThrows(IllegalStateException.class, range::close).getMessage());
            assertEquals("record_function range 'audit-range' must end on the thread that opened it (" + me
                    + "), not on audit-other", message);
            range.close();
            assertTrue(dev.ember.profiler.Profiler.isProfiling(), "the profiler stays open on its thread");
        }
    }

    /**
     * Gradients that backward passes on other threads accumulate into leaves of this thread's open scope join the
     * scope while this thread keeps making tensors in it, and close with it. Before, the other threads appended to the
     * scope's array with this thread: entries were lost (gradients left open) and the scope's close failed on a null
     * (NullPointerException at TensorScope.close) in most runs of this test.
     */
    @Test
    void gradientsFromBackwardOnOtherThreadsJoinTheLeafsScope() {
        assertTimeoutPreemptively(LIMIT, () -> {
            int workers = 4;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(r, "audit-backward");
                t.setDaemon(true);
                return t;
            });
            try {
                for (int rep = 0; rep < 60; rep++) {
                    Tensor[] leaves = new Tensor[200];
                    int made;
                    int before;
                    int views = 0;
                    try (TensorScope step = Ember.scope()) {
                        for (int i = 0; i < leaves.length; i++) {
                            leaves[i] = Tensor.ones(2).requiresGrad_(true);
                        }
                        Tensor base = Tensor.ones(4);
                        before = step.size();
                        CyclicBarrier start = new CyclicBarrier(workers + 1);
                        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(workers);
                        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                        for (int w = 0; w < workers; w++) {
                            int first = w;
                            done.add(pool.submit(() -> {
                                try {
                                    start.await(60, TimeUnit.SECONDS);
                                    for (int i = first; i < leaves.length; i += workers) {
                                        leaves[i].mul(2).sum().backward();
                                    }
                                } finally {
                                    finished.countDown();
                                }
                                return null;
                            }));
                        }
                        start.await(60, TimeUnit.SECONDS);
                        while (finished.getCount() > 0) {
                            base.view(-1); // this thread keeps adding to the scope meanwhile (views: no allocation)
                            views++;
                        }
                        for (java.util.concurrent.Future<?> f : done) {
                            f.get(60, TimeUnit.SECONDS);
                        }
                        for (int i = 0; i < leaves.length; i++) {
                            assertArrayEquals(new float[] {2, 2}, leaves[i].grad().toFloatArray(), "leaf " + i);
                        }
                        made = step.size();
                    }
                    assertEquals(before + views + leaves.length, made, "the step's tensors: leaves, views, gradients");
                    for (int i = 0; i < leaves.length; i++) {
                        assertTrue(leaves[i].isClosed() && leaves[i].grad().isClosed(),
                                "rep " + rep + ": leaf " + i + " and its gradient close with the step");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        });
    }

    /** One gradient from another thread, step by step: it joins the leaf's scope, counted by size(), closed with it. */
    @Test
    void aGradientFromAnotherThreadFollowsItsLeaf() throws Exception {
        Tensor kept;
        try (TensorScope outer = Ember.scope()) {
            Tensor x;
            try (TensorScope step = Ember.scope()) {
                x = Tensor.fromArray(new float[] {1, 2, 3}).requiresGrad_(true);
                assertEquals(1, step.size());
                onAnotherThread(() -> {
                    x.mul(3).sum().backward();
                    return null;
                });
                assertEquals(2, step.size(), "the leaf and its gradient, made on the other thread");
                assertArrayEquals(new float[] {3, 3, 3}, x.grad().toFloatArray());
                kept = step.keep(x); // keep takes the gradient along
            }
            assertTrue(!kept.isClosed() && !kept.grad().isClosed());
            assertEquals(2, outer.size());
        }
        assertTrue(kept.isClosed() && kept.grad().isClosed());
    }

    /**
     * Two threads closing one tensor at once release its storage once: a view over it keeps its values while other
     * tensors take arrays from the pool. (A stress check: it never caught the race here before the fix, whose window is
     * a few instructions wide; it guards the rule that a close is one atomic take of the tensor's hold.)
     */
    @Test
    void twoThreadsClosingOneTensorReleaseItOnce() {
        assertTimeoutPreemptively(LIMIT, () -> {
            CyclicBarrier start = new CyclicBarrier(2);
            CyclicBarrier closed = new CyclicBarrier(2);
            int reps = 1500;
            Tensor[] shared = new Tensor[1];
            FutureTask<Void> other = new FutureTask<>(() -> {
                for (int i = 0; i < reps; i++) {
                    start.await(60, TimeUnit.SECONDS);
                    shared[0].close();
                    closed.await(60, TimeUnit.SECONDS);
                }
                return null;
            });
            started(other, "audit-closer");
            int n = 1 << 15; // pooled (16384 elements and up)
            for (int i = 0; i < reps; i++) {
                Tensor base = Tensor.full(new int[] {n}, 7f);
                Tensor view = base.view(-1);
                shared[0] = base;
                start.await(60, TimeUnit.SECONDS);
                base.close();
                closed.await(60, TimeUnit.SECONDS);
                assertTrue(base.isClosed());
                Tensor fresh = Tensor.zeros(n); // takes a pooled array: never the view's
                assertEquals(7.0 * n, view.sum().item(), "rep " + i + ": the view's values after both closes");
                fresh.close();
                view.close();
            }
            other.get(60, TimeUnit.SECONDS);
        });
    }

    /**
     * A module in eval served by three threads while a fourth registers and removes forward hooks and pre-hooks (a
     * monitoring hook added to a live model): every call runs the hooks registered when it began, every output has the
     * bits of one thread's, and the hooks registered throughout are called once per call. Before, the serving threads
     * copied the LinkedHashMap of hooks while it changed and failed with an ArrayIndexOutOfBoundsException.
     */
    @Test
    void hooksRegisteredWhileOtherThreadsServeAModule() {
        assertTimeoutPreemptively(LIMIT, () -> {
            dev.ember.nn.Linear lin = new dev.ember.nn.Linear(4, 3);
            lin.eval();
            java.util.concurrent.atomic.AtomicInteger pre = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger post = new java.util.concurrent.atomic.AtomicInteger();
            for (int k = 0; k < 8; k++) {
                lin.registerForwardPreHook((m, in) -> {
                    pre.incrementAndGet();
                    return null;
                });
                lin.registerForwardHook((m, in, out) -> {
                    post.incrementAndGet();
                    return null;
                });
            }
            Tensor x = Tensor.randn(new Generator(5), DType.FLOAT32, 2, 4);
            float[] expected;
            try (GradMode off = Ember.noGrad()) {
                expected = lin.apply(x).toFloatArray();
            }
            pre.set(0);
            post.set(0);
            int servers = 3;
            int calls = 3000;
            CyclicBarrier start = new CyclicBarrier(servers + 1);
            java.util.concurrent.CountDownLatch served = new java.util.concurrent.CountDownLatch(servers);
            List<FutureTask<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < servers; t++) {
                FutureTask<Void> f = new FutureTask<>(() -> {
                    try (GradMode off = Ember.noGrad()) {
                        start.await(60, TimeUnit.SECONDS);
                        for (int i = 0; i < calls; i++) {
                            try (TensorScope request = Ember.scope()) {
                                assertArrayEquals(expected, lin.apply(x).toFloatArray(), 0f, "call " + i);
                            }
                        }
                    } finally {
                        served.countDown();
                    }
                    return null;
                });
                tasks.add(started(f, "audit-server-" + t));
            }
            start.await(60, TimeUnit.SECONDS);
            int changes = 0;
            while (served.getCount() > 0) {
                RemovableHandle a = lin.registerForwardHook((m, in, out) -> null);
                RemovableHandle b = lin.registerForwardPreHook((m, in) -> null);
                a.remove();
                b.remove();
                changes++;
            }
            for (FutureTask<Void> f : tasks) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(changes > 0);
            assertEquals(8 * servers * calls, pre.get(), "each permanent pre-hook once per call");
            assertEquals(8 * servers * calls, post.get(), "each permanent forward hook once per call");
            assertEquals(8, dev.ember.nn.ModuleInternals.forwardHooks(lin).size(), "the transient hooks are gone");
        });
    }

    /**
     * Backward passes on three threads into one shared leaf while a fourth registers and removes hooks on that leaf: no
     * pass fails, the hooks registered throughout run once per pass, and the gradient has every pass's sum. Before,
     * a pass copied the leaf's ArrayList of hooks while it changed and failed with a NullPointerException.
     */
    @Test
    void hooksRegisteredOnASharedLeafDuringBackwardPasses() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Tensor w = Tensor.ones(4).requiresGrad_(true);
            java.util.concurrent.atomic.AtomicInteger hooked = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger accumulated = new java.util.concurrent.atomic.AtomicInteger();
            for (int k = 0; k < 8; k++) {
                w.registerHook(g -> {
                    hooked.incrementAndGet();
                    return null;
                });
            }
            w.registerPostAccumulateGradHook(t -> accumulated.incrementAndGet());
            int threads = 3;
            int passes = 1500;
            CyclicBarrier start = new CyclicBarrier(threads + 1);
            java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(threads);
            List<FutureTask<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                FutureTask<Void> f = new FutureTask<>(() -> {
                    try {
                        start.await(60, TimeUnit.SECONDS);
                        for (int i = 0; i < passes; i++) {
                            try (TensorScope pass = Ember.scope()) {
                                w.mul(2).sum().backward();
                            }
                        }
                    } finally {
                        finished.countDown();
                    }
                    return null;
                });
                tasks.add(started(f, "audit-backward-" + t));
            }
            start.await(60, TimeUnit.SECONDS);
            int changes = 0;
            while (finished.getCount() > 0) {
                RemovableHandle a = w.registerHook(g -> null);
                RemovableHandle b = w.registerPostAccumulateGradHook(t -> { });
                a.remove();
                b.remove();
                changes++;
            }
            for (FutureTask<Void> f : tasks) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(changes > 0);
            assertEquals(8 * threads * passes, hooked.get(), "each permanent hook once per pass");
            assertEquals(threads * passes, accumulated.get(), "the post-accumulate-grad hook once per pass");
            float[] sum = new float[4];
            Arrays.fill(sum, 2f * threads * passes);
            assertArrayEquals(sum, w.grad().toFloatArray(), "every pass's gradient");
        });
    }

    /** A generator state of {@code seed} at counter {@code offset}, as {@link Generator#getState()} lays it out. */
    private static Tensor state(long seed, long offset) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (seed >>> (8 * i));
            b[8 + i] = (byte) (offset >>> (8 * i));
        }
        return Tensor.tensor(b, DType.UINT8, Device.CPU);
    }

    /**
     * One thread draws from a generator while another keeps setting its state to seed 1 at counter 0 or seed 2 at
     * counter 2^40: every draw is a whole draw of one of the two sequences, its seed with its own counters (seed 2 never
     * below 2^40). A draw used to read the seed after reserving its counters, so a state set in between paired seed 2
     * with seed 1's small counters. (A stress check: the window is a few instructions wide.)
     */
    @Test
    void aDrawNeverMixesTwoStatesOfItsGenerator() {
        assertTimeoutPreemptively(LIMIT, () -> {
            long far = 1L << 40;
            int draws = 3000;
            java.util.Map<String, String> valid = new java.util.HashMap<>();
            Generator probe = new Generator(0);
            for (long k = 0; k <= 4L * draws; k += 4) {
                valid.put(Arrays.toString(Tensor.randn(probe.setState(state(1, k)), DType.FLOAT32, 4).toFloatArray()),
                        "seed 1 at " + k);
                valid.put(Arrays.toString(Tensor.randn(probe.setState(state(2, far + k)), DType.FLOAT32, 4).toFloatArray()),
                        "seed 2 at 2^40 + " + k);
            }
            Generator g = new Generator(1);
            Tensor one = state(1, 0);
            Tensor two = state(2, far);
            CyclicBarrier start = new CyclicBarrier(2);
            java.util.concurrent.CountDownLatch drawn = new java.util.concurrent.CountDownLatch(1);
            FutureTask<List<String>> drawer = new FutureTask<>(() -> {
                List<String> out = new ArrayList<>();
                try {
                    start.await(60, TimeUnit.SECONDS);
                    for (int i = 0; i < draws; i++) {
                        out.add(Arrays.toString(Tensor.randn(g, DType.FLOAT32, 4).toFloatArray()));
                    }
                } finally {
                    drawn.countDown();
                }
                return out;
            });
            started(drawer, "audit-drawer");
            start.await(60, TimeUnit.SECONDS);
            for (int i = 0; drawn.getCount() > 0; i++) {
                g.setState(i % 2 == 0 ? two : one);
            }
            List<String> got = drawer.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < got.size(); i++) {
                assertTrue(valid.containsKey(got.get(i)), "draw " + i + " is no whole draw of either state: " + got.get(i));
            }
        });
    }

    /**
     * A parameter replaced ({@code setParameter}, PyTorch's {@code register_parameter} of a taken name) while three
     * threads walk the module's parameters and state dict: every walk sees all four parameters, the weight being one of
     * the two tensors, never a failure (replacing a value leaves the registration order as it was). Registering a new
     * name meanwhile is not supported: a module being changed is not thread-safe (README, Threads).
     */
    @Test
    void aParameterReplacedWhileOtherThreadsWalkTheModule() {
        assertTimeoutPreemptively(LIMIT, () -> {
            dev.ember.nn.Linear lin = new dev.ember.nn.Linear(4, 4);
            dev.ember.nn.Sequential seq = new dev.ember.nn.Sequential(lin, new dev.ember.nn.ReLU(), new dev.ember.nn.Linear(4, 2));
            Tensor w1 = Tensor.ones(4, 4);
            Tensor w2 = Tensor.zeros(4, 4);
            int walkers = 3;
            CyclicBarrier start = new CyclicBarrier(walkers + 1);
            java.util.concurrent.CountDownLatch walked = new java.util.concurrent.CountDownLatch(walkers);
            List<FutureTask<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < walkers; t++) {
                FutureTask<Void> f = new FutureTask<>(() -> {
                    try {
                        start.await(60, TimeUnit.SECONDS);
                        for (int i = 0; i < 1000; i++) {
                            List<Tensor> ps = new ArrayList<>();
                            seq.parameters().forEach(ps::add);
                            assertEquals(4, ps.size());
                            assertTrue(ps.get(0) == w1 || ps.get(0) == w2,
                                    "the weight is one of the tensors set");
                            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"),
                                    new ArrayList<>(seq.stateDict().keySet()));
                        }
                    } finally {
                        walked.countDown();
                    }
                    return null;
                });
                tasks.add(started(f, "audit-walker-" + t));
            }
            lin.setParameter("weight", w1);
            start.await(60, TimeUnit.SECONDS);
            for (int i = 0; walked.getCount() > 0; i++) {
                lin.setParameter("weight", i % 2 == 0 ? w2 : w1);
            }
            for (FutureTask<Void> f : tasks) {
                f.get(60, TimeUnit.SECONDS);
            }
        });
    }

    /**
     * zeroGrad (releaseGrad, which closes the gradient) on one thread while another thread's backward passes accumulate
     * into the same leaf: no pass fails, and a gradient being added to is never closed under it. Before, the backward
     * thread failed now and then with "was a gradient that zeroGrad() (or releaseGrad()) set to None and closed", and
     * its in-place addition could go on writing into the array the pool had handed to another tensor.
     */
    @Test
    void zeroGradWhileAnotherThreadAccumulates() {
        assertTimeoutPreemptively(LIMIT, () -> {
            int n = 1 << 16;
            Tensor w = Tensor.ones(n).requiresGrad_(true);
            int passes = 3000;
            CyclicBarrier start = new CyclicBarrier(2);
            java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
            FutureTask<Void> backward = new FutureTask<>(() -> {
                try {
                    start.await(60, TimeUnit.SECONDS);
                    for (int i = 0; i < passes; i++) {
                        try (TensorScope pass = Ember.scope()) {
                            w.mul(2).sum().backward();
                        }
                    }
                } finally {
                    finished.countDown();
                }
                return null;
            });
            started(backward, "audit-backward");
            start.await(60, TimeUnit.SECONDS);
            int cleared = 0;
            while (finished.getCount() > 0) {
                w.releaseGrad();
                cleared++;
            }
            backward.get(60, TimeUnit.SECONDS);
            assertTrue(cleared > 0);
            w.releaseGrad();
            w.mul(2).sum().backward();
            float[] two = new float[n];
            Arrays.fill(two, 2f);
            assertArrayEquals(two, w.grad().toFloatArray());
        });
    }

    /** The global settings are global, as PyTorch's: another thread sees the default dtype this one set. */
    @Test
    void theDefaultDtypeIsGlobal() throws Exception {
        DType saved = Ember.getDefaultDtype();
        try {
            Ember.setDefaultDtype(DType.FLOAT64);
            assertEquals(DType.FLOAT64, onAnotherThread(() -> Tensor.ones(2).dtype()));
        } finally {
            Ember.setDefaultDtype(saved);
        }
        assertEquals(saved, onAnotherThread(() -> Tensor.ones(2).dtype()));
        assertNull(onAnotherThread(() -> SavedTensorsHooks.current()), "hooks are per thread");
        assertEquals(Arrays.asList(true, false), onAnotherThread(() -> List.of(Ember.isGradEnabled(),
                Ember.isInferenceModeEnabled())));
    }
}
