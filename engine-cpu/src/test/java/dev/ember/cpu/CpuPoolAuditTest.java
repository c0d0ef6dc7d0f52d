package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 41's audit of the CPU backend's worker pool under many callers: Java threads entering it at once, jobs nested
 * inside tasks, and tasks that throw. Every wait is on a latch or a barrier; the timeouts only turn a deadlock into a
 * failure.
 */
class CpuPoolAuditTest {
    private static final Duration LIMIT = Duration.ofSeconds(120);
    private final int savedThreads = Ember.getNumThreads();

    @AfterEach
    void restore() {
        Ember.setNumThreads(savedThreads);
    }

    /** Starts {@code n} daemon threads running {@code body(i)} at once (a barrier) and waits for all of them. */
    private static void onThreads(int n, java.util.function.IntConsumer body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        List<FutureTask<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            FutureTask<Void> f = new FutureTask<>(() -> {
                start.await(60, TimeUnit.SECONDS);
                body.accept(id);
                return null;
            });
            Thread t = new Thread(f, "audit-caller-" + i);
            t.setDaemon(true);
            t.start();
            tasks.add(f);
        }
        for (FutureTask<Void> f : tasks) {
            f.get(90, TimeUnit.SECONDS);
        }
    }

    /**
     * Eight Java threads enter the pool at once, each with jobs whose tasks start jobs of their own (nested: run on the
     * task's thread): every caller gets its own results, whoever held the pool.
     */
    @Test
    void manyCallersAndNestedJobsGetTheirOwnResults() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Ember.setNumThreads(4);
            int callers = 8;
            onThreads(callers, c -> {
                for (int rep = 0; rep < 200; rep++) {
                    long[] out = new long[64];
                    List<Runnable> tasks = new ArrayList<>();
                    for (int t = 0; t < 8; t++) {
                        int from = t * 8;
                        tasks.add(() -> {
                            List<Runnable> inner = new ArrayList<>();
                            for (int k = from; k < from + 8; k++) {
                                int i = k;
                                inner.add(() -> out[i] = 1000L * c + i);
                            }
                            CpuThreads.invokeAll(inner); // nested in a task: on this thread
                        });
                    }
                    CpuThreads.invokeAll(tasks);
                    for (int i = 0; i < out.length; i++) {
                        if (out[i] != 1000L * c + i) {
                            throw new AssertionError("caller " + c + " rep " + rep + " slot " + i + ": " + out[i]);
                        }
                    }
                }
            });
        });
    }

    /**
     * Tasks that throw (on the caller and on a worker at once): the caller gets the first failure itself, every other
     * task of the job still ran, and the pool runs the next job on two threads at once (its workers are alive and
     * free). An Error is rethrown as itself.
     */
    @Test
    void aTaskThatThrowsLeavesThePoolUsable() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Ember.setNumThreads(2);
            for (int rep = 0; rep < 50; rep++) {
                CountDownLatch bothRunning = new CountDownLatch(2);
                AtomicInteger ran = new AtomicInteger();
                List<IllegalArgumentException> thrown = new ArrayList<>();
                List<Runnable> tasks = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    IllegalArgumentException e = new IllegalArgumentException("task " + t + " failed");
                    thrown.add(e);
                    tasks.add(() -> {
                        bothRunning.countDown();
                        await(bothRunning); // both tasks run at once: one on the caller, one on a worker
                        throw e;
                    });
                }
                for (int t = 0; t < 6; t++) {
                    tasks.add(ran::incrementAndGet);
                }
                IllegalArgumentException got = assertThrows(IllegalArgumentException.class, () -> CpuThreads.invokeAll(tasks));
                assertTrue(got == thrown.get(0) || got == thrown.get(1), "one of the tasks' own exceptions");
                assertEquals(6, ran.get(), "the other tasks ran");
                assertTwoThreadsRunAJob();
            }
            AssertionError error = new AssertionError("an Error in a task");
            List<Runnable> failing = List.of(() -> {
                throw error;
            }, () -> { });
            assertSame(error, assertThrows(AssertionError.class, () -> CpuThreads.invokeAll(failing)));
            assertTwoThreadsRunAJob();
        });
    }

    /** A job of two tasks that each wait for the other to start: it ends only if a worker takes one of them. */
    private static void assertTwoThreadsRunAJob() {
        CountDownLatch both = new CountDownLatch(2);
        Runnable meet = () -> {
            both.countDown();
            await(both);
        };
        CpuThreads.invokeAll(List.of(meet, meet));
        assertEquals(0, both.getCount());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a task waited a minute for its partner: no worker took it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parallel kernels (a product, a sum, a softmax) called from six Java threads at once give the bits each gives
     * alone, on a pool of two and of four threads.
     */
    @Test
    void kernelsFromManyThreadsGiveTheBitsOfOne() {
        assertTimeoutPreemptively(LIMIT, () -> {
            for (int threads : new int[] {2, 4}) {
                Ember.setNumThreads(threads);
                int callers = 6;
                Tensor[] a = new Tensor[callers];
                float[][][] alone = new float[callers][][];
                for (int c = 0; c < callers; c++) {
                    a[c] = Tensor.randn(new Generator(40 + c), DType.FLOAT32, 160, 160);
                    alone[c] = compute(a[c]);
                }
                float[][][] together = new float[callers][][];
                onThreads(callers, c -> {
                    for (int rep = 0; rep < 5; rep++) {
                        together[c] = compute(a[c]);
                    }
                });
                for (int c = 0; c < callers; c++) {
                    for (int k = 0; k < alone[c].length; k++) {
                        assertArrayEquals(alone[c][k], together[c][k], 0f, "caller " + c + " result " + k + " on " + threads);
                    }
                }
            }
        });
    }

    private static float[][] compute(Tensor a) {
        return new float[][] {a.matmul(a).toFloatArray(), a.sum().toFloatArray(), a.softmax(1).toFloatArray(),
            a.sum(0).toFloatArray()};
    }
}
