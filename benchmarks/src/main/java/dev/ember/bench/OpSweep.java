package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Index;
import dev.ember.MemoryFormat;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Functional;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The daily ops a model spends its time in besides GEMM and convolution, at model-like float32 sizes (activations
 * {@code [16, 128, 512]}, attention scores {@code [16, 8, 128, 128]}, heads {@code [16, 8, 128, 64]}, a GPT-2-sized
 * vocabulary of 50257): elementwise ops, reductions over the last and a middle dimension, softmax, the norms, cross
 * entropy, embedding, the index ops, cat/stack/split, layout copies, cumsum, sort/topk, tril/triu, bmm, causal
 * attention, dropout, casts, the random draws, clone; forward, and forward plus backward where it matters. The twin is
 * {@code benchmarks/pytorch/op_sweep.py}: the same rows in the same order, the same inputs (drawn from PyTorch's CPU
 * generator, seed 0, in the same order on both sides), 2 threads.
 *
 * <p>Timing, the same on both sides: each row is warmed up for at least 1 s (and 3 calls); Ember's row then goes on
 * calling until the JIT compiler has been idle for {@value #JIT_QUIET_MS} ms (at most {@value #JIT_SETTLE_MAX_S} s
 * more, {@code -Dopsweep.jitSettle=false} to skip): a Vector API kernel runs its element-by-element fallback,
 * 20-100 times slower, until C2 has compiled it, and late in a long sweep (C2's queue full of earlier rows' methods,
 * two cores) that took longer than the second of warm-up, so the timed loops measured the fallback (the gelu tanh
 * rows of session 48); PyTorch has no JIT. Where the JIT still compiled for more than a tenth of the timed loops'
 * wall time (compilations finished, or the compiler threads' CPU from {@code /proc}), they run again (at most {@value #RETIMES} times; also skipped by {@code -Dopsweep.jitSettle=false}).
 * Then a loop of k calls is
 * timed 7 times, k chosen so that one loop takes about 50 ms (from the last warm-up calls); the row prints the median
 * of the 7 loops divided by k, in microseconds per call, wall time, and beside it the fastest loop (less moved by other
processes on a loaded host; process CPU time was tried and is no better there: PyTorch's OpenMP threads spin while
they wait, and the JVM's process CPU clock ticks in 10 ms steps on this host). Each call runs in its own {@link TensorScope} (a
 * step's scope), so its tensors are released as PyTorch's are by reference counting. A forward-plus-backward row
 * resets the leaves' gradients, runs the forward and {@code backward} with a fixed upstream gradient (none for a
 * scalar loss).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -cp benchmarks.jar
 * dev.ember.bench.OpSweep [--check] [REGEX]}; REGEX keeps the rows whose name it finds. {@code --check} runs each row
 * once instead (the default generator reseeded with 0 first) and prints the float64 sum and absolute sum of its
 * result (a gradient row: of the gradients), which {@code benchmarks/op-sweep.sh --check} compares with PyTorch's.
 * Diagnostics: {@code -Dopsweep.faults=true} (see {@link #FAULTS}), {@code -Dopsweep.threadCpu=true} (the loops timed
 * in the calling thread's CPU time; with {@code -Dopsweep.threads=1}), {@code -Dopsweep.first=REGEX} (the rows it finds
 * timed once before the sweep as well, as "first: NAME": a fresh JVM's figure and the whole sweep's in one JVM).
 */
public final class OpSweep {
    private static final int REPS = 7;
    private static final long WARMUP_NS = (long) (Double.parseDouble(System.getProperty("opsweep.warmup", "1")) * 1e9);
    private static final long LOOP_NS = 50_000_000L;
    private static final int JIT_QUIET_MS = 300;
    private static final int JIT_SETTLE_MAX_S = 30;
    /**
     * How many times the timed loops run again when the JIT compiled for more than a tenth of their wall time while
     * they ran (a late C2 compilation of a large method, such as a 1,400-byte op body, took 0.8 s of one of two cores).
     */
    private static final int RETIMES = 3;
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    /**
     * {@code -Dopsweep.faults=true}: each row also prints, for its timed loops, the process's minor page faults per
     * call (from {@code /proc/self/stat}, Linux), the collections per second, the bytes all threads allocated per call,
     * and each thread's CPU per call (from {@code /proc/self/task}, 10 ms clock ticks: meaningful over many calls) on a
     * line before the row's, so that a row slower in one JVM than in another can be told apart: page faults, the
     * collector, fresh arrays, the work shared differently between the caller and the pool's workers, a compiler
     * thread busy during the loops. Session 52 (a whole sweep against its layout rows alone) used it.
     */
    private static final boolean FAULTS = Boolean.getBoolean("opsweep.faults");
    /**
     * {@code -Dopsweep.threadCpu=true}: the loops are timed in the calling thread's CPU time instead of wall time
     * (meaningful with {@code -Dopsweep.threads=1}, where every kernel runs on that thread): on a host loaded by other
     * processes, a figure that their share of the cores does not move.
     */
    private static final boolean THREAD_CPU = Boolean.getBoolean("opsweep.threadCpu");
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private OpSweep() {
    }

    private record Row(String name, Supplier<Object> op) {
    }

    /** Runs the rows; arguments: optional {@code --check} and a regular expression over the row names. */
    public static void main(String[] args) {
        boolean check = false;
        Pattern keep = null;
        for (String a : args) {
            if (a.equals("--check")) {
                check = true;
            } else {
                keep = Pattern.compile(a);
            }
        }
        Ember.setNumThreads(Integer.getInteger("opsweep.threads", 2)); // the twin: 2 (a diagnostic may change it)
        List<Row> rows = rows();
        String first = System.getProperty("opsweep.first");
        if (first != null && !check) {
            // these rows once before the sweep (a fresh JVM's figure), then again in their place in it
            Pattern f = Pattern.compile(first);
            List<Row> all = rows;
            rows = new ArrayList<>();
            for (Row r : all) {
                if (f.matcher(r.name).find()) {
                    rows.add(new Row("first: " + r.name, r.op));
                }
            }
            rows.addAll(all);
        }
        for (Row r : rows) {
            if (keep != null && !r.name.startsWith("first: ") && !keep.matcher(r.name).find()) {
                continue;
            }
            if (check) {
                try (TensorScope s = Ember.scope()) {
                    Ember.manualSeed(0);
                    double[] sums = sums(r.op.get());
                    System.out.printf(Locale.ROOT, "check %-48s %.9e %.9e%n", r.name, sums[0], sums[1]);
                }
            } else {
                double[] t = time(r.op);
                if (FAULTS) {
                    System.out.printf(Locale.ROOT, "%-48s %12.1f us %12.1f us best %10.1f faults/call %6.1f gc/s%n",
                        r.name, t[0], t[1], t[2], t[3]);
                } else {
                    System.out.printf(Locale.ROOT, "%-48s %12.1f us %12.1f us best%n", r.name, t[0], t[1]);
                }
            }
        }
    }

    private static void call(Supplier<Object> op) {
        try (TensorScope s = Ember.scope()) {
            op.get();
        }
    }

    /** The median and the fastest of the timed loops, wall time, microseconds per call. */
    private static double[] time(Supplier<Object> op) {
        long start = System.nanoTime();
        int n = 0;
        while (n < 3 || System.nanoTime() - start < WARMUP_NS) {
            call(op);
            n++;
        }
        if (!"false".equals(System.getProperty("opsweep.jitSettle")) && JIT.isCompilationTimeMonitoringSupported()) {
            // until a quiet period passes with no compilation time added (each period at least one call)
            long settleEnd = System.nanoTime() + JIT_SETTLE_MAX_S * 1_000_000_000L;
            long compiled = JIT.getTotalCompilationTime();
            while (System.nanoTime() < settleEnd) {
                long periodEnd = System.nanoTime() + JIT_QUIET_MS * 1_000_000L;
                do {
                    call(op);
                } while (System.nanoTime() < periodEnd);
                long now = JIT.getTotalCompilationTime();
                if (now == compiled) {
                    break;
                }
                compiled = now;
            }
        }
        long t0 = clock();
        for (int i = 0; i < 3; i++) {
            call(op);
        }
        double per = Math.max(1.0, (clock() - t0) / 3.0);
        int k = (int) Math.max(1, Math.round(LOOP_NS / per));
        double[] loops = new double[REPS];
        long faults0 = 0;
        java.util.Map<String, Long> ticks0 = null;
        long alloc0 = 0;
        long gc0 = 0;
        long timed0 = 0;
        int retimed = 0;
        boolean monitored = JIT.isCompilationTimeMonitoringSupported()
                && !"false".equals(System.getProperty("opsweep.jitSettle"));
        while (true) {
            faults0 = FAULTS ? minorFaults() : 0;
            ticks0 = FAULTS ? threadTicks() : null;
            alloc0 = FAULTS ? allocated() : 0;
            gc0 = FAULTS ? collections() : 0;
            long jit0 = monitored ? JIT.getTotalCompilationTime() : 0;
            long compilerTicks0 = monitored ? compilerTicks() : 0;
            timed0 = System.nanoTime();
            for (int rep = 0; rep < REPS; rep++) {
                long t = clock();
                for (int i = 0; i < k; i++) {
                    call(op);
                }
                loops[rep] = (clock() - t) / 1e3 / k;
            }
            // a compilation the settling above did not wait for (a large method reaching C2 late) shares the cores
            // with the loops: the row then reads up to 2-3x slow in one JVM and not in the next (session 59)
            // the compilations finished during the loops, or the compiler threads' CPU (a compilation still running
            // at their end is not in the first), whichever is more
            long jitMs = monitored ? Math.max(JIT.getTotalCompilationTime() - jit0,
                    10 * (compilerTicks() - compilerTicks0)) : 0;
            long wallMs = (System.nanoTime() - timed0) / 1_000_000;
            if (retimed == RETIMES || jitMs * 10 <= wallMs) {
                break;
            }
            retimed++;
        }
        double faults = FAULTS ? (minorFaults() - faults0) / (double) (REPS * k) : 0;
        double gcPerS = FAULTS ? (collections() - gc0) / ((System.nanoTime() - timed0) / 1e9) : 0;
        if (FAULTS) {
            // the CPU each thread of the process used during the timed loops, in ms (10 ms clock ticks), busiest first
            long wallMs = (System.nanoTime() - timed0) / 1_000_000;
            java.util.Map<String, Long> ticks = threadTicks();
            java.util.Map<String, Long> ticksBefore = ticks0;
            long calls = (long) REPS * k;
            StringBuilder sb = new StringBuilder("    " + calls + " calls in " + wallMs + " ms wall"
                + (retimed > 0 ? " (timed again " + retimed + "x: the JIT compiled during the loops)" : "") + "; "
                + (allocated() - alloc0) / calls + " bytes allocated a call (all threads); CPU us a call:");
            ticks.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - ticksBefore.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> sb.append(' ').append(e.getKey()).append('=')
                    .append(Math.round(e.getValue() * 10_000.0 / calls)));
            System.out.println(sb);
        }
        Arrays.sort(loops);
        return new double[] {loops[REPS / 2], loops[0], faults, gcPerS};
    }

    /** The timed loops' clock: wall time, or the calling thread's CPU time with {@link #THREAD_CPU}. */
    private static long clock() {
        return THREAD_CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** The process's minor page faults so far (field 10 of {@code /proc/self/stat}), or -1 where unreadable. */
    private static long minorFaults() {
        try {
            String stat = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/stat")),
                java.nio.charset.StandardCharsets.US_ASCII);
            // after the command name's closing parenthesis: state (3), ppid, pgrp, session, tty, tpgid, flags, minflt (10)
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Each thread's CPU clock ticks so far (utime + stime of {@code /proc/self/task/ID/stat}), by name and id. */
    private static java.util.Map<String, Long> threadTicks() {
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return m;
        }
        for (java.io.File t : tasks) {
            try {
                String stat = new String(java.nio.file.Files.readAllBytes(t.toPath().resolve("stat")),
                    java.nio.charset.StandardCharsets.US_ASCII);
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(' ', '_');
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                m.put(name + "#" + t.getName(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
            } catch (java.io.IOException | RuntimeException e) {
                // a thread that ended
            }
        }
        return m;
    }

    /** The CPU the JIT's compiler threads have used so far, in 10 ms clock ticks (0 where /proc is unreadable). */
    private static long compilerTicks() {
        long sum = 0;
        for (java.util.Map.Entry<String, Long> e : threadTicks().entrySet()) {
            if (e.getKey().startsWith("C1_Compiler") || e.getKey().startsWith("C2_Compiler")) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** The bytes every live thread has allocated so far (HotSpot's ThreadMXBean), or 0 where unsupported. */
    private static long allocated() {
        if (!(THREADS instanceof com.sun.management.ThreadMXBean t) || !t.isThreadAllocatedMemorySupported()) {
            return 0;
        }
        long sum = 0;
        for (long b : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    /** The collections so far, all collectors. */
    private static long collections() {
        long n = 0;
        for (java.lang.management.GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionCount());
        }
        return n;
    }

    /** The float64 sum and absolute sum of a result: a tensor, a list of them, or a values/indices pair. */
    private static double[] sums(Object result) {
        double[] acc = new double[2];
        List<Tensor> parts = new ArrayList<>();
        if (result instanceof Tensor t) {
            parts.add(t);
        } else if (result instanceof Tensor.ValuesIndices vi) {
            parts.add(vi.values());
            parts.add(vi.indices());
        } else if (result instanceof List<?> list) {
            for (Object o : list) {
                parts.add((Tensor) o);
            }
        }
        for (Tensor t : parts) {
            Tensor d = t.to(DType.FLOAT64);
            acc[0] += d.sum().item();
            acc[1] += d.abs().sum().item();
        }
        return acc;
    }

    /**
     * Forward plus backward: the leaves' gradients released, {@code f} run and back-propagated; returns the gradients.
     * The previous call's gradients are closed ({@link Tensor#releaseGrad}, what {@code optimizer.zeroGrad()} does), so
     * their arrays go back to the CPU pool, as the twin's {@code leaf.grad = None} frees PyTorch's. Left to the
     * collector (session 51), each call took a fresh array for each gradient (4 MiB for the [16, 128, 512] rows, a G1
     * humongous object), and once G1 had grown the heap (by 1.4-2 GB in one step here) those arrays came from memory the
     * process had never touched: about 1,000 page faults a call, 10x the row's CPU time, until the grown heap had been
     * walked once, which in some JVMs spanned the whole timed row (add bias fwd+bwd 12.9 ms against 0.6 ms).
     * {@code -Dopsweep.setGradNull=true} (read per call, so {@link OpSweepAlternate} can switch it) resets them the old
     * way, {@code setGrad(null)}, the arrays left to the collector.
     */
    private static Supplier<Object> fb(Supplier<Tensor> f, Tensor upstream, Tensor... leaves) {
        return () -> {
            for (Tensor l : leaves) {
                if (Boolean.getBoolean("opsweep.setGradNull")) {
                    l.setGrad(null);
                } else {
                    l.releaseGrad();
                }
            }
            Tensor y = f.get();
            if (upstream == null) {
                y.backward();
            } else {
                y.backward(upstream);
            }
            List<Tensor> grads = new ArrayList<>();
            for (Tensor l : leaves) {
                grads.add(l.grad());
            }
            return grads;
        };
    }

    private static Tensor leaf(Tensor t) {
        return t.detach().requiresGrad_(true);
    }

    private static List<Row> rows() {
        Generator g = new Generator(0, Generator.Algorithm.MT19937);
        DType f32 = DType.FLOAT32;
        Tensor x = Tensor.randn(g, f32, 16, 128, 512);
        Tensor bias = Tensor.randn(g, f32, 512);
        Tensor y = Tensor.randn(g, f32, 16, 128, 512);
        Tensor att = Tensor.randn(g, f32, 16, 8, 128, 128);
        Tensor logits65 = Tensor.randn(g, f32, 2048, 65);
        Tensor target65 = Tensor.randint(g, 0, 65, 2048);
        Tensor logitsV = Tensor.randn(g, f32, 256, 50257);
        Tensor targetV = Tensor.randint(g, 0, 50257, 256);
        Tensor tokens = Tensor.randint(g, 0, 50257, 16, 128);
        Tensor emb = Tensor.randn(g, f32, 50257, 256);
        Tensor table = Tensor.randn(g, f32, 8192, 512);
        Tensor rowIdx = Tensor.randint(g, 0, 8192, 2048);
        Tensor gidx = Tensor.randint(g, 0, 512, 2048, 64);
        Tensor src64 = Tensor.randn(g, f32, 2048, 64);
        Tensor q = Tensor.randn(g, f32, 16, 8, 128, 64);
        Tensor k = Tensor.randn(g, f32, 16, 8, 128, 64);
        Tensor v = Tensor.randn(g, f32, 16, 8, 128, 64);
        Tensor a = Tensor.randn(g, f32, 128, 128, 64);
        Tensor b = Tensor.randn(g, f32, 128, 64, 128);
        Tensor lnw = Tensor.randn(g, f32, 512);
        Tensor lnb = Tensor.randn(g, f32, 512);
        Tensor qkv = Tensor.randn(g, f32, 16, 128, 1536);
        Tensor heads = Tensor.randn(g, f32, 16, 128, 8, 64);
        Tensor dx = Tensor.randn(g, f32, 16, 128, 512);
        Tensor datt = Tensor.randn(g, f32, 16, 8, 128, 128);
        Tensor dq = Tensor.randn(g, f32, 16, 8, 128, 64);
        Tensor demb = Tensor.randn(g, f32, 16, 128, 256);
        Tensor dab = Tensor.randn(g, f32, 128, 128, 128);
        Tensor x2 = x.reshape(2048, 512);
        // short rows (attention over 64 keys, a small vocabulary): x's values as 16384 rows of 64, no new draws
        Tensor x64 = x.reshape(16384, 64);
        // index_add with alpha's inputs from a generator of their own (the rows above keep their draws)
        Generator g2 = new Generator(1, Generator.Algorithm.MT19937);
        Tensor idx100k = Tensor.randint(g2, 0, 100000, 100000);
        Tensor src100k = Tensor.randn(g2, f32, 100000, 16);
        Tensor colIdx = Tensor.randint(g2, 0, 512, 64);
        Tensor mask = x.gt(0.0);
        Tensor causalOut = Tensor.ones(DType.BOOL, 128, 128).triu(1);
        Tensor xb = x.to(DType.BFLOAT16);
        List<Tensor> four = List.of(att.get(0, 0), att.get(0, 1), att.get(0, 2), att.get(0, 3));
        List<Tensor> fourX = List.of(x.reshape(16, 128, 4, 128).select(2, 0), x.reshape(16, 128, 4, 128).select(2, 1),
                x.reshape(16, 128, 4, 128).select(2, 2), x.reshape(16, 128, 4, 128).select(2, 3));
        Tensor xg = leaf(x);
        Tensor bg = leaf(bias);
        Tensor attg = leaf(att);
        Tensor wg = leaf(lnw);
        Tensor lbg = leaf(lnb);
        Tensor l65g = leaf(logits65);
        Tensor lVg = leaf(logitsV);
        Tensor x64g = leaf(x64);
        Tensor embg = leaf(emb);
        Tensor ag = leaf(a);
        Tensor bmg = leaf(b);
        Tensor qg = leaf(q);
        Tensor kg = leaf(k);
        Tensor vg = leaf(v);
        int[] last = {-1};
        int[] middle = {1};
        int[] leading = {0, 1};
        int[] norm = {512};

        List<Row> r = new ArrayList<>();
        r.add(new Row("add bias [16,128,512]+[512]", () -> x.add(bias)));
        r.add(new Row("mul bias [16,128,512]*[512]", () -> x.mul(bias)));
        r.add(new Row("add same shape [16,128,512]", () -> x.add(y)));
        r.add(new Row("add bias fwd+bwd", fb(() -> xg.add(bg), dx, xg, bg)));
        // in-place ops of a non-leaf under autograd (session 54: run on self, no snapshot; -Dember.inplace.snapshot=true)
        r.add(new Row("add bias, relu_ fwd+bwd", fb(() -> xg.add(bg).relu_(), dx, xg, bg)));
        r.add(new Row("add bias, add_(y) fwd+bwd", fb(() -> xg.add(bg).add_(y), dx, xg, bg)));
        // session 55: in-place activations written into self (-Dember.inplace.copyResult=true: the snapshot path)
        r.add(new Row("add bias, leaky_relu_ fwd+bwd", fb(() -> Functional.leakyRelu_(xg.add(bg), 0.1), dx, xg, bg)));
        r.add(new Row("add bias, elu_ fwd+bwd", fb(() -> Functional.elu_(xg.add(bg), 1.0), dx, xg, bg)));
        // session 56: clamp_ written into self from a copy of the old values (its saved self; -Dember.inplace.copyResult)
        r.add(new Row("add bias, clamp_ fwd+bwd", fb(() -> xg.add(bg).clamp_(-0.5, 0.5), dx, xg, bg)));
        r.add(new Row("add bias, clamp_ fwd (grad)", () -> xg.add(bg).clamp_(-0.5, 0.5)));
        // session 56: leaky_relu and elu (selu, celu) in one pass each way (-Dember.cpu.activation.composed=true: the
        // compositions of elementwise kernels)
        r.add(new Row("leaky_relu [16,128,512]", () -> Functional.leakyRelu(x, 0.1)));
        r.add(new Row("leaky_relu fwd+bwd", fb(() -> Functional.leakyRelu(xg, 0.1), dx, xg)));
        r.add(new Row("elu [16,128,512]", () -> Functional.elu(x, 1.0)));
        r.add(new Row("elu fwd+bwd", fb(() -> Functional.elu(xg, 1.0), dx, xg)));
        r.add(new Row("selu [16,128,512]", () -> Functional.selu(x)));
        r.add(new Row("selu fwd+bwd", fb(() -> Functional.selu(xg), dx, xg)));
        r.add(new Row("celu(1.3) [16,128,512]", () -> Functional.celu(x, 1.3)));
        r.add(new Row("celu(1.3) fwd+bwd", fb(() -> Functional.celu(xg, 1.3), dx, xg)));
        r.add(new Row("gelu [16,128,512]", () -> Functional.gelu(x)));
        r.add(new Row("gelu fwd+bwd", fb(() -> Functional.gelu(xg), dx, xg)));
        r.add(new Row("gelu tanh [16,128,512]", () -> Functional.gelu(x, "tanh")));
        r.add(new Row("gelu tanh fwd+bwd", fb(() -> Functional.gelu(xg, "tanh"), dx, xg)));
        r.add(new Row("silu [16,128,512]", () -> Functional.silu(x)));
        r.add(new Row("silu fwd+bwd", fb(() -> Functional.silu(xg), dx, xg)));
        r.add(new Row("sigmoid [16,128,512]", x::sigmoid));
        r.add(new Row("sigmoid fwd+bwd", fb(xg::sigmoid, dx, xg)));
        r.add(new Row("exp [16,128,512]", x::exp));
        // session 57: float32 expm1 on the Vector API's lanes (-Dember.cpu.elu.plainExpm1=true: Math.expm1 each)
        r.add(new Row("expm1 [16,128,512]", x::expm1));
        r.add(new Row("tanh [16,128,512]", x::tanh));
        r.add(new Row("tanh fwd+bwd", fb(xg::tanh, dx, xg)));
        r.add(new Row("where(mask, x, y) [16,128,512]", () -> Tensor.where(mask, x, y)));
        r.add(new Row("masked_fill causal -inf [16,8,128,128]",
            () -> att.maskedFill(causalOut, Double.NEGATIVE_INFINITY)));
        r.add(new Row("clamp(-1, 1) [16,128,512]", () -> x.clamp(-1.0, 1.0)));
        r.add(new Row("sum(-1) [16,128,512]", () -> x.sum(last, false)));
        r.add(new Row("sum(1) [16,128,512]", () -> x.sum(middle, false)));
        r.add(new Row("sum((0,1)) [16,128,512] (a bias gradient)", () -> x.sum(leading, false)));
        r.add(new Row("mean(-1) [16,128,512]", () -> x.mean(last, false)));
        r.add(new Row("mean(1) [16,128,512]", () -> x.mean(middle, false)));
        r.add(new Row("amax(-1) [16,128,512]", () -> x.amax(last, false)));
        r.add(new Row("amax(1) [16,128,512]", () -> x.amax(middle, false)));
        r.add(new Row("aminmax(-1) [16,128,512]", () -> x.aminmax(-1, false).max()));
        r.add(new Row("var(-1) [16,128,512]", () -> x.var(last, false)));
        r.add(new Row("var(1) [16,128,512]", () -> x.var(middle, false)));
        r.add(new Row("logsumexp(-1) [16,128,512]", () -> x.logsumexp(last, false)));
        r.add(new Row("argmax(-1) [16,128,512]", () -> x.argmax(-1, false)));
        r.add(new Row("argmax(1) [16,128,512]", () -> x.argmax(1, false)));
        r.add(new Row("softmax(-1) [16,8,128,128]", () -> att.softmax(-1)));
        r.add(new Row("softmax(-1) fwd+bwd", fb(() -> attg.softmax(-1), datt, attg)));
        r.add(new Row("softmax(1) [16,128,512]", () -> x.softmax(1)));
        r.add(new Row("log_softmax(-1) [16,128,512]", () -> x.logSoftmax(-1)));
        r.add(new Row("log_softmax(-1) [16384,64]", () -> x64.logSoftmax(-1)));
        // session 63: the backward over short rows (dx's values as the upstream gradient, no new draws)
        r.add(new Row("log_softmax(-1) [16384,64] fwd+bwd", fb(() -> x64g.logSoftmax(-1), dx.reshape(16384, 64), x64g)));
        r.add(new Row("log_softmax(1) [16,128,512]", () -> x.logSoftmax(1)));
        r.add(new Row("softmax(1) fwd+bwd", fb(() -> xg.softmax(1), dx, xg)));
        r.add(new Row("log_softmax(1) fwd+bwd", fb(() -> xg.logSoftmax(1), dx, xg)));
        r.add(new Row("layer_norm [16,128,512]", () -> Functional.layerNorm(x, norm, lnw, lnb, 1e-5)));
        r.add(new Row("layer_norm fwd+bwd", fb(() -> Functional.layerNorm(xg, norm, wg, lbg, 1e-5), dx, xg, wg, lbg)));
        r.add(new Row("rms_norm [16,128,512]", () -> Functional.rmsNorm(x, norm, lnw, 1e-6)));
        r.add(new Row("rms_norm fwd+bwd", fb(() -> Functional.rmsNorm(xg, norm, wg, 1e-6), dx, xg, wg)));
        r.add(new Row("cross_entropy [2048,65]", () -> Functional.crossEntropy(logits65, target65)));
        r.add(new Row("cross_entropy [2048,65] fwd+bwd", fb(() -> Functional.crossEntropy(l65g, target65), null, l65g)));
        r.add(new Row("cross_entropy [256,50257]", () -> Functional.crossEntropy(logitsV, targetV)));
        r.add(new Row("cross_entropy [256,50257] fwd+bwd",
            fb(() -> Functional.crossEntropy(lVg, targetV), null, lVg)));
        r.add(new Row("embedding [50257,256][16,128]", () -> Functional.embedding(tokens, emb)));
        r.add(new Row("embedding fwd+bwd", fb(() -> Functional.embedding(tokens, embg), demb, embg)));
        r.add(new Row("index_select(0) [8192,512] 2048 rows", () -> table.indexSelect(0, rowIdx)));
        r.add(new Row("x[idx] [8192,512] 2048 rows", () -> table.index(Index.of(rowIdx))));
        r.add(new Row("x[mask] [16,128,512]", () -> x.index(Index.of(mask))));
        r.add(new Row("gather(-1) [2048,512] idx [2048,64]", () -> x2.gather(-1, gidx)));
        r.add(new Row("scatter_add(-1) [2048,512] idx [2048,64]",
            () -> Tensor.zeros(f32, 2048, 512).scatterAdd(-1, gidx, src64)));
        r.add(new Row("index_add(0) [8192,512] 2048 rows", () -> Tensor.zeros(f32, 8192, 512).indexAdd(0, rowIdx, x2)));
        r.add(new Row("index_add(0) alpha 0.5 [8192,512] 2048 rows",
            () -> Tensor.zeros(f32, 8192, 512).indexAdd(0, rowIdx, x2, 0.5)));
        r.add(new Row("index_add(0) alpha 0.5 [100000,16] 100000 rows",
            () -> Tensor.zeros(f32, 100000, 16).indexAdd(0, idx100k, src100k, 0.5)));
        r.add(new Row("index_add(1) alpha 0.5 [2048,512] 64 columns",
            () -> Tensor.zeros(f32, 2048, 512).indexAdd(1, colIdx, src64, 0.5)));
        r.add(new Row("cat 4x[128,128] dim -1 (x16)", () -> Tensor.cat(fourX, -1)));
        r.add(new Row("cat 4x[128,128] dim 0", () -> Tensor.cat(four, 0)));
        r.add(new Row("stack 4x[128,128] dim 0", () -> Tensor.stack(four, 0)));
        r.add(new Row("split(128, -1) [16,128,512] (views)", () -> x.split(128, -1)));
        r.add(new Row("chunk(3, -1) [16,128,1536] + contiguous", () -> {
            List<Tensor> parts = qkv.chunk(3, -1);
            List<Tensor> out = new ArrayList<>();
            for (Tensor p : parts) {
                out.add(p.contiguous());
            }
            return out;
        }));
        r.add(new Row("permute(0,2,1,3).contiguous [16,128,8,64]", () -> heads.permute(0, 2, 1, 3).contiguous()));
        r.add(new Row("transpose(1,2).contiguous [16,128,512]", () -> x.transpose(1, 2).contiguous()));
        r.add(new Row("transpose(0,1).contiguous [16,128,512]", () -> x.transpose(0, 1).contiguous()));
        r.add(new Row("cumsum(-1) [2048,512]", () -> x2.cumsum(-1)));
        r.add(new Row("cumsum(0) [2048,512]", () -> x2.cumsum(0)));
        r.add(new Row("sort(-1) [2048,512]", () -> x2.sort(-1, false)));
        r.add(new Row("argsort(-1) [2048,512]", () -> x2.argsort(-1, false)));
        r.add(new Row("topk(10, -1) [2048,512]", () -> x2.topk(10, -1)));
        r.add(new Row("topk(50, -1) [256,50257]", () -> logitsV.topk(50, -1)));
        // session 61: one line, as a sampling step of generation draws it (key slots sized per line)
        Tensor logits1 = logitsV.narrow(0, 0, 1);
        r.add(new Row("topk(50, -1) [1,50257] (a sampling step)", () -> logits1.topk(50, -1)));
        r.add(new Row("tril [16,8,128,128]", att::tril));
        r.add(new Row("triu(1) [16,8,128,128]", () -> att.triu(1)));
        r.add(new Row("bmm [128,128,64]@[128,64,128]", () -> a.bmm(b)));
        r.add(new Row("bmm fwd+bwd", fb(() -> ag.bmm(bmg), dab, ag, bmg)));
        r.add(new Row("sdpa causal [16,8,128,64]", () -> Functional.scaledDotProductAttention(q, k, v, true)));
        r.add(new Row("sdpa causal fwd+bwd",
            fb(() -> Functional.scaledDotProductAttention(qg, kg, vg, true), dq, qg, kg, vg)));
        r.add(new Row("dropout(0.1) training [16,128,512]", () -> Functional.dropout(x, 0.1, true)));
        r.add(new Row("to bfloat16 [16,128,512]", () -> x.to(DType.BFLOAT16)));
        r.add(new Row("bfloat16 to float32 [16,128,512]", () -> xb.to(f32)));
        r.add(new Row("randn [16,128,512]", () -> Tensor.randn(f32, 16, 128, 512)));
        r.add(new Row("rand [16,128,512]", () -> Tensor.rand(f32, 16, 128, 512)));
        r.add(new Row("randint(0, 50257) [16,128,512]", () -> Tensor.randint(0, 50257, 16, 128, 512)));
        r.add(new Row("randperm(50257)", () -> Tensor.randperm(50257)));
        Tensor xa = x.abs(); // no draw: the rows below keep their data
        r.add(new Row("pow(|x|, 1.5) [16,128,512]", () -> xa.pow(1.5)));
        r.add(new Row("clone [16,128,512]", x::clone));
        r.add(new Row("zeros_like [16,128,512]", x::zerosLike));
        // complex64 [16,128,256] from x's and y's first 256 columns (no further draws: the rows above keep their data)
        Tensor cz = Tensor.complex(x.narrow(2, 0, 256).contiguous(), y.narrow(2, 0, 256).contiguous());
        Tensor cw = Tensor.complex(y.narrow(2, 0, 256).contiguous(), x.narrow(2, 0, 256).contiguous());
        r.add(new Row("complex add [16,128,256]", () -> cz.add(cw)));
        r.add(new Row("complex mul [16,128,256]", () -> cz.mul(cw)));
        // a 0-dim complex factor (a tensor, not a Python number): the broadcast element's run (session 63)
        Tensor cs = Tensor.complex(Tensor.tensor(new float[] {0.3f}).reshape(),
                Tensor.tensor(new float[] {-1.7f}).reshape());
        r.add(new Row("complex mul by 0-dim [16,128,256]", () -> cz.mul(cs)));
        r.add(new Row("complex div [16,128,256]", () -> cz.div(cw)));
        r.add(new Row("complex exp [16,128,256]", cz::exp));
        r.add(new Row("complex sqrt [16,128,256]", cz::sqrt));
        r.add(new Row("complex log [16,128,256]", cz::log));
        r.add(new Row("complex pow 2.5 [16,128,256]", () -> cz.pow(2.5)));
        // batch_norm in training over a ResNet's first stage, [32,64,32,32] (drawn last: the rows above keep their data)
        Tensor img = Tensor.randn(g, f32, 32, 64, 32, 32);
        Tensor dimg = Tensor.randn(g, f32, 32, 64, 32, 32);
        Tensor bnw = Tensor.randn(g, f32, 64);
        Tensor bnb = Tensor.randn(g, f32, 64);
        Tensor bnMean = Tensor.zeros(64);
        Tensor bnVar = Tensor.ones(64);
        Tensor imgg = leaf(img);
        Tensor bnwg = leaf(bnw);
        Tensor bnbg = leaf(bnb);
        r.add(new Row("batch_norm train [32,64,32,32]",
            () -> Functional.batchNorm(img, bnMean, bnVar, bnw, bnb, true, 0.1, 1e-5)));
        r.add(new Row("batch_norm train fwd+bwd",
            fb(() -> Functional.batchNorm(imgg, bnMean, bnVar, bnwg, bnbg, true, 0.1, 1e-5), dimg, imgg, bnwg, bnbg)));
        // the same data channels-last, and as [32768, 64] (BatchNorm1d's shape): no further draws (session 54)
        Tensor imgCl = img.contiguous(MemoryFormat.CHANNELS_LAST);
        Tensor flat = img.reshape(32768, 64);
        r.add(new Row("batch_norm train channels-last [32,64,32,32]",
            () -> Functional.batchNorm(imgCl, bnMean, bnVar, bnw, bnb, true, 0.1, 1e-5)));
        r.add(new Row("batch_norm train [32768,64]",
            () -> Functional.batchNorm(flat, bnMean, bnVar, bnw, bnb, true, 0.1, 1e-5)));
        // their fwd+bwd rows: leaves of the same data, the upstream gradient in the same layout (session 54)
        Tensor imgClg = leaf(imgCl);
        Tensor flatg = leaf(flat);
        Tensor dimgCl = dimg.contiguous(MemoryFormat.CHANNELS_LAST);
        Tensor dflat = dimg.reshape(32768, 64);
        r.add(new Row("batch_norm train channels-last fwd+bwd",
            fb(() -> Functional.batchNorm(imgClg, bnMean, bnVar, bnwg, bnbg, true, 0.1, 1e-5), dimgCl, imgClg, bnwg,
                bnbg)));
        r.add(new Row("batch_norm train [32768,64] fwd+bwd",
            fb(() -> Functional.batchNorm(flatg, bnMean, bnVar, bnwg, bnbg, true, 0.1, 1e-5), dflat, flatg, bnwg,
                bnbg)));
        return r;
    }
}
