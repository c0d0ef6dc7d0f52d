package dev.ember.cpu;

import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The CPU backend's worker pool: one thread per core (the common pool keeps one core back for the
 * caller, which on a 2-core machine would leave the kernels single-threaded). Set the size with the
 * system property {@code ember.cpu.threads}.
 */
final class CpuThreads {
    static final int THREADS = Integer.getInteger("ember.cpu.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS), pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setDaemon(true);
        t.setName("ember-cpu-" + t.getPoolIndex());
        return t;
    }, null, false);

    private CpuThreads() {
    }

    /** Runs the tasks in parallel and waits for all of them. */
    static void invokeAll(List<? extends Runnable> tasks) {
        if (tasks.size() == 1 || THREADS < 2) {
            tasks.forEach(Runnable::run);
            return;
        }
        if (Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread
                && ((java.util.concurrent.ForkJoinWorkerThread) Thread.currentThread()).getPool() == POOL) {
            // already on a worker (nested parallelism): run inline
            tasks.forEach(Runnable::run);
            return;
        }
        POOL.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                RecursiveAction[] actions = new RecursiveAction[tasks.size()];
                for (int i = 0; i < actions.length; i++) {
                    Runnable r = tasks.get(i);
                    actions[i] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            r.run();
                        }
                    };
                }
                invokeAll(actions);
            }
        });
    }
}
