package dev.ember.profiler;

import dev.ember.ThreadOwner;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A profiling scope, PyTorch's {@code torch.profiler.profile}: every kernel the calling thread runs until it closes is
 * timed and recorded, with the autograd engine's backward nodes and the user's {@link #recordFunction} ranges around
 * them.
 * <pre>{@code
 * try (Profiler prof = Ember.profile(ProfilerOptions.defaults().withProfileMemory(true))) {
 *     try (RecordFunction r = Profiler.recordFunction("step")) { ... }
 * }
 * System.out.println(prof.keyAverages().table("self_cpu_time_total", 10));
 * prof.exportChromeTrace(Path.of("trace.json"));   // chrome://tracing, ui.perfetto.dev
 * }</pre>
 *
 * <p>How it records: {@link dev.ember.backend.Backends#forDevice} hands every tensor its backend wrapped in a
 * {@link ProfilingBackend}, which times each SPI call made on a thread with an open profiler and names it by the
 * table in the package documentation (PyTorch's aten name where one maps clearly: {@code aten::mm},
 * {@code aten::add}, {@code aten::convolution}; else the SPI method's name). A kernel is a leaf; its self time is its
 * duration. The
 * autograd engine records {@code autograd::engine::evaluate_function: NAME} around each node it runs, with the node's
 * own range {@code NAME} ({@code AddmmBackward0}) inside; a range's self time is its duration less the durations of
 * the ranges directly inside it. Ember ops that are compositions of kernels show as their kernels (there is no
 * {@code aten::linear} range around {@code aten::mm} and {@code aten::add}).
 *
 * <p>Memory ({@link ProfilerOptions#profileMemory}): the bytes of each storage a backend allocates, counted in the
 * allocating call ({@code aten::empty}, {@code aten::zeros}, {@code fromArray}, ...) and in every range around it.
 * Ember's ops allocate their outputs before calling their kernel, so an op's output shows under {@code aten::empty},
 * not under the kernel's name. Frees are not recorded (PyTorch records them as negative allocations).
 *
 * <p>CUDA: a kernel on a device backend is synchronized before and after the call, so its duration is its true device
 * time ({@code Self CUDA}), at the cost of the overlap of host and device; its CPU time includes the wait.
 *
 * <p>Threads: a profiler belongs to the thread that opened it and records only that thread's calls (a kernel's own
 * worker threads run inside the call that started them). A profiler on another thread records nothing of this one's,
 * and one thread holds at most one open profiler. With none open in the process, a kernel call costs one volatile
 * read; with one open elsewhere, a thread-local read.
 *
 * <p>Results ({@link #events}, {@link #keyAverages}, {@link #exportChromeTrace}) are available once it has closed;
 * nothing is recorded after that.
 */
public final class Profiler implements AutoCloseable {
    private static final AtomicInteger OPEN = new AtomicInteger();
    private static final ThreadLocal<Profiler> CURRENT = new ThreadLocal<>();
    private static final String KERNEL = "cpu_op";
    private static final String AUTOGRAD = "autograd";
    private static final String USER = "user_annotation";
    private static final int MAX_STACK = 5;

    /** A range being recorded (or recorded): times in nanoseconds of {@link System#nanoTime}. */
    static final class Range {
        final int id;
        final String name;
        final String category;
        final Range parent;
        final int depth;
        long start;
        long end = -1;
        long childNs;
        long deviceNs;
        long cudaNs;
        long selfCpuBytes;
        long cpuBytes;
        long selfCudaBytes;
        long cudaBytes;
        ProfilingBackend backend;
        int deviceIndex;
        String device = "";
        List<List<Integer>> shapes = List.of();
        List<String> stack = List.of();

        Range(int id, String name, String category, Range parent) {
            this.id = id;
            this.name = name;
            this.category = category;
            this.parent = parent;
            this.depth = parent == null ? 0 : parent.depth + 1;
        }
    }

    private final ProfilerOptions options;
    private final Thread owner;
    private final long origin;
    private final List<Range> ranges = new ArrayList<>();
    private Range top;
    private boolean closed;
    private List<ProfilerEvent> events;

    private Profiler(ProfilerOptions options) {
        this.options = options;
        this.owner = Thread.currentThread();
        this.origin = System.nanoTime();
    }

    /**
     * Opens a profiler on this thread ({@code dev.ember.Ember.profile} calls this).
     *
     * @param options what to record besides names and times
     * @return the open profiler; close it (try-with-resources) to stop recording
     * @throws IllegalArgumentException when {@code options} is null
     * @throws IllegalStateException when this thread has a profiler open already
     */
    public static Profiler open(ProfilerOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("profile(): argument 'options' (position 1) must be ProfilerOptions, "
                    + "not null");
        }
        if (CURRENT.get() != null) {
            throw new IllegalStateException("Profiler is already enabled on this thread");
        }
        Profiler p = new Profiler(options);
        CURRENT.set(p);
        OPEN.incrementAndGet();
        return p;
    }

    /** The profiler open on this thread, or null (one volatile read when none is open anywhere). */
    static Profiler current() {
        return OPEN.get() == 0 ? null : CURRENT.get();
    }

    /**
     * Whether a profiler is open on this thread.
     *
     * @return true between {@link #open} (or {@code Ember.profile()}) and its close on this thread
     */
    public static boolean isProfiling() {
        return current() != null;
    }

    /**
     * Opens a user range named {@code name} on this thread, as PyTorch's {@code record_function(name)}; ranges nest.
     * Without a profiler open on this thread it records nothing.
     *
     * @param name the range's name, as it appears in the table and the trace
     * @return the range; close it (try-with-resources) to end it
     * @throws IllegalArgumentException when {@code name} is null
     */
    public static RecordFunction recordFunction(String name) {
        if (name == null) {
            throw new IllegalArgumentException("record_function(): argument 'name' (position 1) must be str, not null");
        }
        Profiler p = current();
        return p == null ? RecordFunction.NONE : new RecordFunction(p, p.enterRange(name, USER), null);
    }

    /**
     * The autograd engine's ranges around a backward node it runs: {@code autograd::engine::evaluate_function: NAME}
     * with {@code NAME} inside, as PyTorch records them (for the engine; users call {@link #recordFunction}).
     *
     * @param nodeName the node's name ({@code AddmmBackward0}, {@code AccumulateGrad})
     * @return the ranges, to close when the node is done; a shared no-op when this thread is not profiling
     */
    public static RecordFunction autogradNode(String nodeName) {
        Profiler p = current();
        if (p == null || nodeName == null) {
            return RecordFunction.NONE;
        }
        String name = KernelNames.node(nodeName);
        Range outer = p.enterRange("autograd::engine::evaluate_function: " + name, AUTOGRAD);
        return new RecordFunction(p, outer, p.enterRange(name, AUTOGRAD));
    }

    // ------------------------------------------------------------------ recording (owner thread only)

    private Range enterRange(String name, String category) {
        Range r = new Range(ranges.size(), name, category, top);
        if (options.withStack()) {
            r.stack = callSites();
        }
        ranges.add(r);
        top = r;
        r.start = System.nanoTime();
        return r;
    }

    /** Starts a kernel's range; null (nothing recorded) inside another kernel. */
    Range enterKernel(String name, ProfilingBackend backend, Object[] operands) {
        if (top != null && top.category == KERNEL) {
            return null; // a kernel is a leaf: a backend calling through a decorator records nothing more
        }
        int index = 0;
        for (Object o : operands) {
            if (o instanceof Storage) {
                index = Math.max(((Storage) o).device().index(), 0);
                break;
            }
        }
        if (backend.isDevice()) {
            backend.synchronizeDevice(index); // work queued before the call is not its time
        }
        Range r = enterRange(name, KERNEL);
        r.backend = backend;
        r.deviceIndex = index;
        r.device = backend.isDevice() ? backend.deviceType() + ":" + index : backend.deviceType();
        if (options.recordShapes()) {
            r.shapes = shapes(operands);
        }
        return r;
    }

    /** Counts a storage a kernel returned as allocated by it. */
    void allocated(Range r, Storage s) {
        if (r == null || s == null || !options.profileMemory() || r.end >= 0) {
            return;
        }
        long bytes = s.numel() * s.dtype().itemSize();
        if (!r.backend.isDevice()) { // the allocating backend's device
            r.selfCpuBytes += bytes;
        } else {
            r.selfCudaBytes += bytes;
        }
    }

    /** Ends a kernel's range (after waiting for a device kernel). */
    void exitKernel(Range r) {
        if (r == null || r.end >= 0) {
            return;
        }
        try {
            if (r.backend.isDevice()) {
                r.backend.synchronizeDevice(r.deviceIndex);
            }
        } finally { // a device error surfacing at the synchronization still ends the range
            long now = System.nanoTime();
            if (r.backend.isDevice()) {
                r.deviceNs = now - r.start;
            }
            exitRange(r, now);
        }
    }

    /** Ends the range of a kernel that threw, without waiting for its device. */
    void failKernel(Range r) {
        if (r != null && r.end < 0) {
            exitRange(r, System.nanoTime());
        }
    }

    /**
     * Drops the range of an optional kernel that declined to run (the caller composes the op from other kernels, which
     * record their own ranges); a range that is not the newest open one is ended instead.
     */
    void discardKernel(Range r) {
        if (r == null || r.end >= 0 || closed) {
            return;
        }
        if (top == r && !ranges.isEmpty() && ranges.get(ranges.size() - 1) == r) {
            ranges.remove(ranges.size() - 1);
            top = r.parent;
        } else {
            failKernel(r);
        }
    }

    /** Ends a range and any range still open inside it; a no-op when it has ended or this profiler has closed. */
    void exitRange(Range r) {
        exitRange(r, System.nanoTime());
    }

    private void exitRange(Range r, long now) {
        if (r.end >= 0 || closed) {
            return;
        }
        ThreadOwner.check(owner, "record_function range '" + r.name + "'", "end");
        while (top != r) {
            end(top, now);
        }
        end(r, now);
    }

    private void end(Range r, long now) {
        r.end = now;
        r.cpuBytes += r.selfCpuBytes;
        r.cudaBytes += r.selfCudaBytes;
        r.cudaNs += r.deviceNs;
        top = r.parent;
        if (r.parent != null) {
            r.parent.childNs += now - r.start;
            r.parent.cpuBytes += r.cpuBytes;
            r.parent.cudaBytes += r.cudaBytes;
            r.parent.cudaNs += r.cudaNs;
        }
    }

    private static List<List<Integer>> shapes(Object[] operands) {
        List<List<Integer>> out = new ArrayList<>();
        for (Object o : operands) {
            if (o instanceof Layout) {
                out.add(shape((Layout) o));
            } else if (o instanceof Layout[]) {
                for (Layout l : (Layout[]) o) {
                    if (l != null) {
                        out.add(shape(l));
                    }
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    private static List<Integer> shape(Layout l) {
        return Arrays.stream(l.shape()).boxed().collect(Collectors.toUnmodifiableList());
    }

    /** The first call sites outside the engine (engine-api), innermost first, as {@code File.java(line): method}. */
    private static List<String> callSites() {
        CodeSource engine = Profiler.class.getProtectionDomain().getCodeSource();
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(f -> {
                    Class<?> c = f.getDeclaringClass();
                    if (engine != null) {
                        CodeSource cs = c.getProtectionDomain().getCodeSource();
                        return cs == null || !engine.getLocation().equals(cs.getLocation());
                    }
                    return !c.getName().startsWith("dev.ember.");
                })
                .filter(f -> !f.getClassName().startsWith("java.") && !f.getClassName().startsWith("jdk."))
                .limit(MAX_STACK)
                .map(f -> f.getFileName() + "(" + f.getLineNumber() + "): " + f.getMethodName())
                .collect(Collectors.toUnmodifiableList()));
    }

    // ------------------------------------------------------------------ closing and results

    /**
     * Stops recording: ends every range still open and releases this thread. Closing twice does nothing.
     *
     * @throws IllegalStateException when called on another thread than the one that opened it
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        ThreadOwner.check(owner, "A Profiler");
        long now = System.nanoTime();
        while (top != null) {
            end(top, now);
        }
        closed = true;
        CURRENT.remove();
        OPEN.decrementAndGet();
        events = buildEvents();
    }

    private List<ProfilerEvent> buildEvents() {
        List<ProfilerEvent> out = new ArrayList<>(ranges.size());
        long tid = owner.getId();
        for (Range r : ranges) {
            long dur = r.end - r.start;
            out.add(new ProfilerEvent(r.id, r.name, r.category, r.parent == null ? -1 : r.parent.id, r.depth, tid,
                    us(r.start - origin), us(dur), us(dur - r.childNs), us(r.cudaNs), us(r.deviceNs), r.cpuBytes,
                    r.selfCpuBytes, r.cudaBytes, r.selfCudaBytes, r.device, r.shapes, r.stack));
        }
        return Collections.unmodifiableList(out);
    }

    private static double us(long ns) {
        return ns / 1000.0;
    }

    private void checkFinished() {
        if (!closed) {
            throw new IllegalStateException("Profiler didn't finish running");
        }
    }

    /**
     * The options this profiler records with.
     *
     * @return the options
     */
    public ProfilerOptions options() {
        return options;
    }

    /**
     * Every recorded range in start order, as PyTorch's {@code prof.events()}.
     *
     * @return the events
     * @throws IllegalStateException while the profiler is open ({@code Profiler didn't finish running})
     */
    public List<ProfilerEvent> events() {
        checkFinished();
        return events;
    }

    /**
     * The events summed per name, as {@code prof.key_averages()}, in the order each name first started.
     *
     * @return one row per name
     * @throws IllegalStateException while the profiler is open
     */
    public KeyAverages keyAverages() {
        return keyAverages(false);
    }

    /**
     * The events summed per name, or per name and operand shapes ({@code key_averages(group_by_input_shape=True)};
     * shapes are recorded with {@link ProfilerOptions#recordShapes}).
     *
     * @param groupByInputShape whether events of one name with different operand shapes make separate rows (and the
     *                          table shows an {@code Input Shapes} column)
     * @return the rows, in the order each key first started
     * @throws IllegalStateException while the profiler is open
     */
    public KeyAverages keyAverages(boolean groupByInputShape) {
        return keyAverages(groupByInputShape, 0);
    }

    /**
     * The events summed per name, operand shapes when asked, and their first {@code groupByStackN} call sites
     * ({@code key_averages(group_by_input_shape, group_by_stack_n)}; stacks are recorded with
     * {@link ProfilerOptions#withStack}, and the table shows a {@code Source Location} column when they group rows).
     *
     * @param groupByInputShape whether operand shapes separate rows
     * @param groupByStackN how many innermost call sites separate rows (0: none)
     * @return the rows, in the order each key first started
     * @throws IllegalArgumentException when {@code groupByStackN} is negative
     * @throws IllegalStateException while the profiler is open
     */
    public KeyAverages keyAverages(boolean groupByInputShape, int groupByStackN) {
        if (groupByStackN < 0) {
            throw new IllegalArgumentException("key_averages(): group_by_stack_n must be non-negative, got "
                    + groupByStackN);
        }
        checkFinished();
        return KeyAverages.of(events, groupByInputShape, groupByStackN, options.profileMemory());
    }

    /**
     * Writes the events as a Chrome trace ({@code prof.export_chrome_trace(path)}): a JSON object whose
     * {@code "traceEvents"} holds one complete event ({@code "ph": "X"}) per range with its {@code name}, {@code cat},
     * {@code ts} and {@code dur} in microseconds from the profiler's start, {@code pid}, {@code tid} and {@code args}
     * (device, operand shapes, bytes, device time, call sites, as recorded). chrome://tracing and ui.perfetto.dev open
     * it; nested ranges show nested on the thread's track.
     *
     * @param path the file to write (replaced when it exists)
     * @throws IllegalArgumentException when {@code path} is null
     * @throws IllegalStateException while the profiler is open
     * @throws IOException when the file cannot be written
     */
    public void exportChromeTrace(Path path) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("export_chrome_trace(): argument 'path' (position 1) must be Path, "
                    + "not null");
        }
        checkFinished();
        long pid = ProcessHandle.current().pid();
        try (Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            w.write("{\n  \"schemaVersion\": 1,\n  \"displayTimeUnit\": \"ms\",\n  \"traceEvents\": [");
            for (int i = 0; i < events.size(); i++) {
                ProfilerEvent e = events.get(i);
                StringBuilder b = new StringBuilder(i == 0 ? "\n    " : ",\n    ");
                b.append("{\"ph\": \"X\", \"cat\": ").append(quote(e.category())).append(", \"name\": ")
                        .append(quote(e.name())).append(", \"pid\": ").append(pid).append(", \"tid\": ")
                        .append(e.threadId()).append(", \"ts\": ").append(fixed(e.startUs())).append(", \"dur\": ")
                        .append(fixed(e.durationUs())).append(", \"args\": {\"External id\": ").append(e.id());
                if (!e.device().isEmpty()) {
                    b.append(", \"Device\": ").append(quote(e.device()));
                }
                if (e.selfCudaUs() > 0) {
                    b.append(", \"Device dur\": ").append(fixed(e.selfCudaUs()));
                }
                if (options.recordShapes() && e.category().equals(KERNEL)) {
                    b.append(", \"Input Dims\": ").append(e.inputShapes().toString());
                }
                if (options.profileMemory()) {
                    b.append(", \"Self CPU Mem\": ").append(e.selfCpuMemory());
                    b.append(", \"Self CUDA Mem\": ").append(e.selfCudaMemory());
                }
                if (!e.stack().isEmpty()) {
                    b.append(", \"Call stack\": ").append(quote(String.join(";", e.stack())));
                }
                b.append("}}");
                w.write(b.toString());
            }
            w.write("\n  ]\n}\n");
        }
    }

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
