package dev.ember.cpu;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's worker pool: the calling thread plus {@code threads() - 1} daemon workers (the count starts at the
 * system property {@code ember.cpu.threads}, default the number of cores, and {@link #setThreads} changes it, as
 * {@code torch.set_num_threads}: {@code dev.ember.Ember.setNumThreads}).
 *
 * <p>A kernel hands {@link #invokeAll} a short list of tasks; the caller runs tasks itself while the workers claim
 * the others from a shared counter, the way OpenMP runtimes fork and join. Workers spin for a short while after a
 * job before they park, so the back-to-back jobs of a training step start in about a microsecond: a fork-join pool
 * (external submission, the caller parked until the join) measured 16 to 25 us a dispatch on this project's 2-core
 * machine, more than most of a small network's kernels take. One job runs at a time; a caller that finds the pool
 * busy (another thread's job, or a kernel nested inside a task) runs its tasks itself. A kernel chooses its split by
 * {@link #inTask} (where it is called from), never by whether the pool is free, so that a product or a sum computed
 * while another Java thread holds the pool has the bits it has alone.
 */
final class CpuThreads {
    /** The count at start: {@code ember.cpu.threads}, default the number of cores. */
    static final int DEFAULT_THREADS = Math.max(1, Integer.getInteger("ember.cpu.threads",
            Runtime.getRuntime().availableProcessors()));
    /** How many threads a job uses, the caller included: the kernels split their work by it. */
    private static volatile int threads = DEFAULT_THREADS;
    /** How long an idle worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = Long.getLong("ember.cpu.spinNanos", 100_000L);

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /** How deep the calling (non-worker) thread is inside {@link #invokeAll}'s tasks of several tasks. */
    private static final ThreadLocal<int[]> TASK_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    /** The workers started so far (worker {@code i} is {@code workers[i - 1]}); grown, never shrunk, under the class lock. */
    private static volatile Worker[] workers = new Worker[0];
    /** Published between jobs, so that the finished job's tasks (and the arrays they hold) can be collected. */
    private static final Job IDLE = new Job(List.of());
    /** The current job; a new object per job, so a worker tells jobs apart by identity. */
    private static volatile Job current = IDLE;

    static {
        setThreads(DEFAULT_THREADS);
    }

    private CpuThreads() {
    }

    /** How many threads a job uses now, the calling thread included. */
    static int threads() {
        return threads;
    }

    /**
     * Sets how many threads a job uses, the calling thread included, starting workers when there are too few (a
     * smaller count leaves the others parked). A job already running finishes with the workers it had.
     *
     * @throws IllegalArgumentException when {@code n < 1}, in PyTorch's words
     */
    static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("set_num_threads expects a positive integer");
        }
        Worker[] old = workers;
        if (old.length < n - 1) {
            Worker[] grown = java.util.Arrays.copyOf(old, n - 1);
            for (int i = old.length; i < grown.length; i++) {
                grown[i] = new Worker(i + 1);
                grown[i].start();
            }
            workers = grown;
        }
        threads = n;
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
        /** 1 for the first worker (the calling thread counts as 0): it joins a job while {@code index < threads}. */
        final int index;

        Worker(int index) {
            super("ember-cpu-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (true) {
                Job job = current;
                if (job != seen) {
                    seen = job;
                    if (index < threads) {
                        job.work();
                    }
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
     * Whether the calling thread runs inside a task of a job of several tasks (a worker always does): a kernel called
     * there runs its own tasks on its thread alone, so it should not split work it cannot share. It depends only on
     * where the kernel is called from, not on other threads: a kernel that chose its split by whether another Java
     * thread held the pool (as this did until session 37) summed in another order, and gave other bits, under load.
     */
    static boolean inTask() {
        return Thread.currentThread() instanceof Worker || TASK_DEPTH.get()[0] > 0;
    }

    /** A loop body over the items {@code [from, to)}, with the index of its task (for per-task partial sums). */
    interface Range {
        void run(int task, int from, int to);
    }

    /**
     * How many tasks {@link #parallelFor} splits {@code count} items of {@code cost} elements each into: one where
     * there is one thread, one item or too little work to share, else up to four per thread, each of at least
     * {@link StridedLoop#PARALLEL_GRAIN} elements.
     */
    static int chunks(int count, long cost) {
        long total = (long) count * Math.max(1, cost);
        if (threads() < 2 || count < 2 || total < 2L * StridedLoop.PARALLEL_GRAIN) {
            return 1;
        }
        return (int) Math.min(count, Math.min(threads() * 4L, Math.max(2, total / StridedLoop.PARALLEL_GRAIN)));
    }

    /** Runs {@code body} over {@code count} items in {@code chunks} tasks of consecutive items (from {@link #chunks}). */
    static void parallelFor(int count, int chunks, Range body) {
        if (chunks <= 1) {
            body.run(0, 0, count);
            return;
        }
        int per = (count + chunks - 1) / chunks;
        java.util.List<Runnable> list = new java.util.ArrayList<>(chunks);
        for (int t = 0; t < chunks; t++) {
            int from = t * per;
            int to = Math.min(count, from + per);
            int task = t;
            if (from < to) {
                list.add(() -> body.run(task, from, to));
            }
        }
        invokeAll(list);
    }

    /**
     * Runs {@code body} for each of {@code count} items in up to four tasks per thread of consecutive items, with no
     * size threshold: for items that are each a whole plane or window of work (pooling, resampling).
     */
    static void forEach(int count, java.util.function.IntConsumer body) {
        parallelFor(count, Math.min(count, threads() * 4), (task, from, to) -> {
            for (int i = from; i < to; i++) {
                body.accept(i);
            }
        });
    }

    /** Runs the tasks in parallel and waits for all of them; the first failure is rethrown. */
    static void invokeAll(List<? extends Runnable> tasks) {
        int n = threads;
        if (tasks.size() == 1 || n < 2) {
            for (Runnable r : tasks) {
                r.run();
            }
            return;
        }
        int[] depth = Thread.currentThread() instanceof Worker ? null : TASK_DEPTH.get();
        if (depth != null) {
            depth[0]++;
        }
        try {
            if (depth == null || !BUSY.compareAndSet(false, true)) {
                // nested in a task, or another thread's job holds the pool: the same tasks, on this thread
                for (Runnable r : tasks) {
                    r.run();
                }
                return;
            }
            runJob(n, tasks);
        } finally {
            if (depth != null) {
                depth[0]--;
            }
        }
    }

    /** {@link #invokeAll}'s job on the pool, which the caller holds ({@code BUSY}). */
    private static void runJob(int n, List<? extends Runnable> tasks) {
        Job job = new Job(tasks);
        try {
            current = job;
            Worker[] ws = workers;
            for (int i = 0; i < Math.min(n - 1, ws.length); i++) {
                if (ws[i].parked) {
                    LockSupport.unpark(ws[i]);
                }
            }
            job.work();
            int count = tasks.size();
            int spins = 0;
            while (job.done.get() < count) {
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
