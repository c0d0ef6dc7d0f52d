package dev.ember.cpu;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's worker pool: the calling thread plus {@code THREADS - 1} daemon workers (set the count with
 * the system property {@code ember.cpu.threads}; it defaults to the number of cores).
 *
 * <p>A kernel hands {@link #invokeAll} a short list of tasks; the caller runs tasks itself while the workers claim
 * the others from a shared counter, the way OpenMP runtimes fork and join. Workers spin for a short while after a
 * job before they park, so the back-to-back jobs of a training step start in about a microsecond: a fork-join pool
 * (external submission, the caller parked until the join) measured 16 to 25 us a dispatch on this project's 2-core
 * machine, more than most of a small network's kernels take. One job runs at a time; a caller that finds the pool
 * busy (another thread's job, or a kernel nested inside a task) runs its tasks itself.
 */
final class CpuThreads {
    static final int THREADS = Math.max(1, Integer.getInteger("ember.cpu.threads", Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = Long.getLong("ember.cpu.spinNanos", 100_000L);

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Worker[] WORKERS = new Worker[THREADS - 1];
    /** Published between jobs, so that the finished job's tasks (and the arrays they hold) can be collected. */
    private static final Job IDLE = new Job(List.of());
    /** The current job; a new object per job, so a worker tells jobs apart by identity. */
    private static volatile Job current = IDLE;

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private CpuThreads() {
    }

    /** One fork-join: the tasks, the next one to claim, and how many have finished. */
    private static final class Job {
        final List<? extends Runnable> tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(List<? extends Runnable> tasks) {
            this.tasks = tasks;
        }

        /** Claims and runs tasks until none is left. */
        void work() {
            int n = tasks.size();
            int i;
            while ((i = next.getAndIncrement()) < n) {
                try {
                    tasks.get(i).run();
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("ember-cpu-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (true) {
                Job job = current;
                if (job != seen) {
                    seen = job;
                    job.work();
                    continue;
                }
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while ((job = current) == seen && System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                }
                if (job == seen) {
                    parked = true;
                    // re-check after announcing: a publisher that missed the flag has already set `current`
                    while ((job = current) == seen) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }

    /**
     * Whether a job is running now: a kernel called inside a task (or while another thread's job runs) would run its
     * own tasks on its thread alone, so it should not split work it cannot share.
     */
    static boolean busy() {
        return BUSY.get();
    }

    /** Runs the tasks in parallel and waits for all of them; the first failure is rethrown. */
    static void invokeAll(List<? extends Runnable> tasks) {
        if (tasks.size() == 1 || THREADS < 2 || !BUSY.compareAndSet(false, true)) {
            for (Runnable r : tasks) {
                r.run();
            }
            return;
        }
        Job job = new Job(tasks);
        try {
            current = job;
            for (Worker w : WORKERS) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            job.work();
            int n = tasks.size();
            int spins = 0;
            while (job.done.get() < n) {
                if (++spins < 1 << 16) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        } finally {
            current = IDLE;
            BUSY.set(false);
        }
        Throwable t = job.failure;
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }
}
