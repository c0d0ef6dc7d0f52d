package dev.ember.cpu;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Ember.setNumThreads}/{@code getNumThreads}, as {@code torch.set_num_threads}/{@code get_num_threads}. */
class NumThreadsTest {

    @Test
    void startsAtThePropertyOrTheCoreCount() {
        int expected = Math.max(1, Integer.getInteger("ember.cpu.threads", Runtime.getRuntime().availableProcessors()));
        assertEquals(expected, CpuThreads.DEFAULT_THREADS);
        int before = Ember.getNumThreads();
        try {
            Ember.setNumThreads(expected);
            assertEquals(expected, Ember.getNumThreads());
            assertTrue(new CpuBackend().describe().startsWith("cpu: " + expected + " threads"));
        } finally {
            Ember.setNumThreads(before);
        }
    }

    @Test
    void refusesANonPositiveCountInPyTorchsWordsAndKeepsTheCount() {
        int before = Ember.getNumThreads();
        for (int n : new int[] {0, -1, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ember.setNumThreads(n));
            assertEquals("set_num_threads expects a positive integer", e.getMessage());
            assertEquals(before, Ember.getNumThreads());
        }
    }

    /** Which threads ran a job of {@code tasks} tasks, each busy for a moment so that workers can claim some. */
    private static Set<Thread> threadsRunning(int tasks) {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        List<Runnable> job = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            job.add(() -> {
                seen.add(Thread.currentThread());
                long until = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
        }
        CpuThreads.invokeAll(job);
        return seen;
    }

    @Test
    void aJobUsesAtMostTheCountSetAndMoreThanTheCoresIsAllowed() {
        int before = Ember.getNumThreads();
        try {
            Ember.setNumThreads(1);
            assertEquals(Set.of(Thread.currentThread()), threadsRunning(16));

            Ember.setNumThreads(4); // more than this machine's cores, as PyTorch allows: the workers start
            assertEquals(4, Ember.getNumThreads());
            Set<String> names = new java.util.HashSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                names.add(t.getName());
            }
            assertTrue(names.containsAll(List.of("ember-cpu-1", "ember-cpu-2", "ember-cpu-3")), names.toString());
            assertTrue(threadsRunning(16).size() <= 4);

            Ember.setNumThreads(2); // the third and fourth threads stay out of the jobs
            for (int round = 0; round < 5; round++) {
                Set<Thread> ran = threadsRunning(16);
                assertTrue(ran.size() <= 2, ran.toString());
                for (Thread t : ran) {
                    assertTrue(t == Thread.currentThread() || t.getName().equals("ember-cpu-1"), t.getName());
                }
            }
        } finally {
            Ember.setNumThreads(before);
        }
    }

    @Test
    void resultsAreTheSameForAnyCountWhereThePartitionDoesNotSum() {
        int before = Ember.getNumThreads();
        Generator g = new Generator(7);
        Tensor a = Tensor.randn(g, dev.ember.DType.FLOAT32, 300, 200);
        Tensor b = Tensor.randn(g, dev.ember.DType.FLOAT32, 200, 250);
        Tensor x = Tensor.randn(g, dev.ember.DType.FLOAT32, 1 << 18);
        try {
            float[][] results = new float[3][];
            float[][] sums = new float[3][];
            int[] counts = {1, 2, 3};
            for (int i = 0; i < counts.length; i++) {
                Ember.setNumThreads(counts[i]);
                results[i] = a.matmul(b).add(x.narrow(0, 0, 300 * 250).view(300, 250).exp()).toFloatArray();
                sums[i] = x.view(512, 512).sum(1).toFloatArray();
            }
            assertArrayEquals(results[0], results[1]);
            assertArrayEquals(results[0], results[2]);
            assertArrayEquals(sums[0], sums[1]);
            assertArrayEquals(sums[0], sums[2]);
        } finally {
            Ember.setNumThreads(before);
        }
    }
}
