package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.optim.SGD;
import dev.ember.profiler.KeyAverage;
import dev.ember.profiler.KeyAverages;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerEvent;
import dev.ember.profiler.ProfilerOptions;
import dev.ember.profiler.ProfilingBackend;
import dev.ember.profiler.RecordFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ember.profile(): what a training step records (names, counts, nesting, self and total times, memory), PyTorch's
 * table layout (against tables PyTorch 1.13 printed, resources/profiler/make_expected.py), the Chrome trace, threads,
 * the CUDA path through a fake device, and errors.
 */
class ProfilerTest {
    private static final double EPS_US = 1e-6; // times are whole nanoseconds: sums are exact up to double rounding

    /** The training step of make_expected.py: Linear(8, 16), ReLU, Linear(16, 4), MSE loss, plain SGD. */
    private static final class Step {
        final Sequential model;
        final SGD opt;
        final Tensor x;
        final Tensor y;

        Step() {
            Ember.manualSeed(0);
            model = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 4));
            opt = new SGD(model.parameters(), 0.1);
            x = Tensor.randn(32, 8);
            y = Tensor.randn(32, 4);
        }

        void run() {
            try (RecordFunction r = Profiler.recordFunction("train_step")) {
                opt.zeroGrad();
                Tensor loss = Functional.mseLoss(model.forward(x), y);
                loss.backward();
                opt.step();
            }
        }
    }

    private static Profiler profile(ProfilerOptions options, Runnable body) {
        Profiler prof;
        try (Profiler p = Ember.profile(options)) {
            prof = p;
            body.run();
        }
        return prof;
    }

    private static Map<String, Integer> counts(Profiler prof) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (KeyAverage k : prof.keyAverages()) {
            out.put(k.key(), k.count());
        }
        return out;
    }

    @Test
    void trainingStepRecordsKernelsAndBackwardNodes() {
        Step step = new Step();
        Profiler prof = profile(ProfilerOptions.defaults().withProfileMemory(true), step::run);
        Map<String, Integer> counts = counts(prof);
        // Counted from the code run: linear of a 2-D input is bias.addmm(input, weight.t()) (one matmul kernel each
        // layer); AddmmBackward0 of the second layer computes the gradients of its input and of its weight (two), that
        // of the first layer only its weight's (x does not require grad): 2 + 2 + 1 = 5 aten::mm.
        assertEquals(5, counts.get("aten::mm"), counts.toString());
        assertEquals(1, counts.get("aten::relu"));
        assertEquals(1, counts.get("aten::threshold_backward")); // ReluBackward0
        assertEquals(4, counts.get("aten::_fused_sgd_"), "SGD: one fused update kernel per parameter");
        assertEquals(1, counts.get("train_step"));
        assertEquals(2, counts.get("AddmmBackward0"));
        assertEquals(2, counts.get("autograd::engine::evaluate_function: AddmmBackward0"));
        assertEquals(2, counts.get("TBackward0"));
        assertEquals(1, counts.get("ReluBackward0"));
        assertEquals(1, counts.get("MseLossBackward0"));
        assertEquals(4, counts.get("torch::autograd::AccumulateGrad"), "one per parameter");
        assertEquals(4, counts.get("autograd::engine::evaluate_function: torch::autograd::AccumulateGrad"));
        assertTrue(counts.get("aten::empty") > 0);

        List<ProfilerEvent> events = prof.events();
        ProfilerEvent top = events.get(0);
        assertEquals("train_step", top.name());
        assertEquals("user_annotation", top.category());
        for (ProfilerEvent e : events) {
            assertTrue(e.selfCpuUs() >= 0 && e.selfCpuUs() <= e.durationUs() + EPS_US, e.toString());
            assertTrue(e.cpuMemory() >= e.selfCpuMemory() && e.selfCpuMemory() >= 0, e.toString());
            if (e != top) {
                assertTrue(e.depth() >= 1 && e.parentId() >= 0, "everything ran inside train_step: " + e);
                ProfilerEvent parent = events.get(e.parentId());
                assertEquals(parent.depth() + 1, e.depth());
                assertTrue(e.startUs() >= parent.startUs() - EPS_US, e.toString());
                assertTrue(e.startUs() + e.durationUs() <= parent.startUs() + parent.durationUs() + EPS_US,
                        e.toString());
            }
            // totals add up: a range's duration is its self time plus the durations of the ranges directly inside it
            double children = events.stream().filter(c -> c.parentId() == e.id()).mapToDouble(ProfilerEvent::durationUs)
                    .sum();
            assertEquals(e.durationUs(), e.selfCpuUs() + children, 1e-3, e.toString());
            long childMemory = events.stream().filter(c -> c.parentId() == e.id()).mapToLong(ProfilerEvent::cpuMemory)
                    .sum();
            assertEquals(e.cpuMemory(), e.selfCpuMemory() + childMemory, e.toString());
            if (e.category().equals("cpu_op")) {
                assertEquals(e.durationUs(), e.selfCpuUs(), EPS_US, "a kernel is a leaf: " + e);
                assertEquals("cpu", e.device());
            }
            if (e.name().equals("aten::mm")) {
                String parent = events.get(e.parentId()).name();
                assertTrue(parent.equals("train_step") || parent.equals("AddmmBackward0"), parent);
            }
            if (e.name().startsWith("autograd::engine::evaluate_function: ")) {
                ProfilerEvent node = events.get(e.id() + 1);
                assertEquals(e.id(), node.parentId());
                assertEquals(e.name().substring("autograd::engine::evaluate_function: ".length()), node.name());
            }
        }
        KeyAverages rows = prof.keyAverages();
        for (KeyAverage k : rows) {
            assertTrue(k.selfCpuTimeTotalUs() <= k.cpuTimeTotalUs() + EPS_US, k.toString());
            assertEquals(k.cpuTimeTotalUs() / k.count(), k.cpuTimeUs(), 1e-9);
            assertEquals(0.0, k.cudaTimeTotalUs());
        }
        // every event is inside train_step, so the self times sum to its duration
        assertEquals(top.durationUs(), rows.selfCpuTimeTotalUs(), 1e-3);
        assertEquals(events.stream().mapToDouble(ProfilerEvent::selfCpuUs).sum(), rows.selfCpuTimeTotalUs(), 1e-3);

        // memory: storages are allocated by aten::empty (the ops' outputs) and fromArray (wrapped scalars)
        KeyAverage empty = rows.stream().filter(k -> k.key().equals("aten::empty")).findFirst().orElseThrow();
        assertTrue(empty.selfCpuMemoryUsage() >= 2 * 32 * 16 * 4, "at least the two [32, 16] float activations: "
                + empty);
        long allocated = events.stream().mapToLong(ProfilerEvent::selfCpuMemory).sum();
        assertEquals(allocated, top.cpuMemory());
        assertEquals(0, top.selfCpuMemory());
        KeyAverage relu = rows.stream().filter(k -> k.key().equals("ReluBackward0")).findFirst().orElseThrow();
        assertEquals(32 * 16 * 4, relu.cpuMemoryUsage(), "ReluBackward0 allocates its [32, 16] float gradient");
        assertTrue(events.stream().noneMatch(e -> e.name().equals("aten::mm") && e.selfCpuMemory() != 0));
    }

    @Test
    void memoryIsNotRecordedUnlessAsked() {
        Step step = new Step();
        Profiler prof = profile(ProfilerOptions.defaults(), step::run);
        assertTrue(prof.events().stream().allMatch(e -> e.cpuMemory() == 0 && e.cudaMemory() == 0));
        assertFalse(prof.keyAverages().table().contains("CPU Mem"));
    }

    @Test
    void recordFunctionRangesNest() throws IOException {
        Tensor x = Tensor.randn(3, 4);
        Profiler prof = profile(ProfilerOptions.defaults(), () -> {
            try (RecordFunction outer = Profiler.recordFunction("outer")) {
                try (RecordFunction inner = Profiler.recordFunction("inner")) {
                    x.exp();
                }
                x.neg();
            }
            RecordFunction open = Profiler.recordFunction("closed_by_parent");
            try (RecordFunction parent = Profiler.recordFunction("parent")) {
                Profiler.recordFunction("left_open"); // ended when its parent ends
            }
            open.close();
            open.close(); // twice: nothing
        });
        List<ProfilerEvent> ev = prof.events();
        List<String> names = ev.stream().map(ProfilerEvent::name).collect(Collectors.toList());
        assertEquals(List.of("outer", "inner", "aten::empty", "aten::exp", "aten::empty", "aten::neg",
                "closed_by_parent", "parent", "left_open"), names);
        assertEquals(-1, ev.get(0).parentId());
        assertEquals(0, ev.get(1).parentId());
        assertEquals(1, ev.get(3).parentId());
        assertEquals(0, ev.get(5).parentId());
        assertEquals(6, ev.get(7).parentId());
        assertEquals(7, ev.get(8).parentId());
        assertEquals(ev.get(7).startUs() + ev.get(7).durationUs(), ev.get(8).startUs() + ev.get(8).durationUs(),
                EPS_US, "left_open ends with its parent");
    }

    @Test
    void aKernelThatThrowsEndsItsRange() {
        Tensor x = Tensor.randn(3, 4);
        Tensor bad = Tensor.tensor(new long[][] {{0, 5, 0, 0}});
        Profiler prof = profile(ProfilerOptions.defaults(), () -> {
            try (RecordFunction outer = Profiler.recordFunction("outer")) {
                assertThrows(IllegalArgumentException.class, () -> x.gather(0, bad)); // the kernel threw
                x.exp();
            }
        });
        List<ProfilerEvent> ev = prof.events();
        ProfilerEvent check = ev.stream().filter(e -> e.name().equals("checkIndices")).findFirst().orElseThrow();
        ProfilerEvent exp = ev.stream().filter(e -> e.name().equals("aten::exp")).findFirst().orElseThrow();
        assertEquals(0, check.parentId());
        assertEquals(0, exp.parentId(), "the failed kernel's range ended with its exception");
        assertTrue(ev.stream().noneMatch(e -> e.name().equals("aten::gather")), "the check failed first");
    }

    @Test
    void chromeTraceParsesAndNests(@TempDir Path dir) throws IOException {
        Step step = new Step();
        Profiler prof = profile(ProfilerOptions.defaults().withRecordShapes(true).withProfileMemory(true), () -> {
            try (RecordFunction outer = Profiler.recordFunction("outer \"quoted\" \\ name")) {
                step.run();
            }
        });
        Path file = dir.resolve("trace.json");
        prof.exportChromeTrace(file);
        Object doc = new MiniJson(Files.readString(file, StandardCharsets.UTF_8)).document();
        assertTrue(doc instanceof Map, "a JSON object");
        List<?> traceEvents = (List<?>) ((Map<?, ?>) doc).get("traceEvents");
        assertNotNull(traceEvents);
        assertEquals(prof.events().size(), traceEvents.size());
        Map<String, Map<?, ?>> byName = new LinkedHashMap<>();
        for (Object o : traceEvents) {
            Map<?, ?> e = (Map<?, ?>) o;
            for (String key : List.of("name", "ph", "ts", "dur", "pid", "tid", "args", "cat")) {
                assertTrue(e.containsKey(key), key + " in " + e);
            }
            assertEquals("X", e.get("ph"));
            assertTrue(e.get("name") instanceof String);
            assertTrue(e.get("ts") instanceof Double && e.get("dur") instanceof Double);
            assertTrue((Double) e.get("dur") >= 0);
            assertEquals((double) ProcessHandle.current().pid(), e.get("pid"));
            assertEquals((double) Thread.currentThread().getId(), e.get("tid"));
            byName.putIfAbsent((String) e.get("name"), e);
        }
        Map<?, ?> outer = byName.get("outer \"quoted\" \\ name");
        Map<?, ?> inner = byName.get("train_step");
        Map<?, ?> mm = byName.get("aten::mm");
        assertEquals("user_annotation", outer.get("cat"));
        assertEquals("cpu_op", mm.get("cat"));
        assertEquals(List.of(List.of(1.0, 32.0, 8.0), List.of(1.0, 8.0, 16.0), List.of(1.0, 32.0, 16.0)),
                ((Map<?, ?>) mm.get("args")).get("Input Dims"), "the matmul kernel's operands (batched, batch 1)");
        assertInside(inner, outer);
        assertInside(mm, inner);
    }

    private static void assertInside(Map<?, ?> child, Map<?, ?> parent) {
        double cs = (Double) child.get("ts");
        double ps = (Double) parent.get("ts");
        assertTrue(cs >= ps && cs + (Double) child.get("dur") <= ps + (Double) parent.get("dur") + 0.002,
                child + " inside " + parent);
    }

    @Test
    void nothingIsRecordedAfterClose() {
        Tensor x = Tensor.randn(5);
        Profiler prof = profile(ProfilerOptions.defaults(), () -> x.exp());
        int n = prof.events().size();
        assertFalse(Profiler.isProfiling());
        try (RecordFunction r = Profiler.recordFunction("after")) {
            x.exp().sum().item();
        }
        assertEquals(n, prof.events().size());
        assertTrue(prof.events().stream().noneMatch(e -> e.name().equals("after") || e.name().equals("aten::sum")));
        prof.close(); // twice: nothing
        assertEquals(n, prof.events().size());
        // a new profiler on the same thread is allowed once the first has closed
        Profiler again = profile(ProfilerOptions.defaults(), () -> x.neg());
        assertTrue(again.events().stream().anyMatch(e -> e.name().equals("aten::neg")));
    }

    @Test
    void aProfilerOnAnotherThreadSeesNothingOfThisOne() throws Exception {
        CountDownLatch otherOpen = new CountDownLatch(1);
        CountDownLatch mainDone = new CountDownLatch(1);
        AtomicReference<Profiler> other = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Tensor y = Tensor.randn(4, 4);
        Thread t = new Thread(() -> {
            try (Profiler p = Ember.profile()) {
                other.set(p);
                otherOpen.countDown();
                assertTrue(mainDone.await(30, TimeUnit.SECONDS));
                y.sin();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        assertTrue(otherOpen.await(30, TimeUnit.SECONDS));
        Tensor x = Tensor.randn(4, 4);
        x.cos(); // not recorded anywhere: no profiler on this thread
        Profiler mine = profile(ProfilerOptions.defaults(), () -> x.exp());
        mainDone.countDown();
        t.join(30_000);
        assertEquals(null, failure.get());
        Set<String> theirs = other.get().events().stream().map(ProfilerEvent::name).collect(Collectors.toSet());
        Set<String> ours = mine.events().stream().map(ProfilerEvent::name).collect(Collectors.toSet());
        assertTrue(theirs.contains("aten::sin"), theirs.toString());
        assertFalse(theirs.contains("aten::exp") || theirs.contains("aten::cos"), theirs.toString());
        assertTrue(ours.contains("aten::exp"), ours.toString());
        assertFalse(ours.contains("aten::sin") || ours.contains("aten::cos"), ours.toString());
        assertTrue(other.get().events().stream().allMatch(e -> e.threadId() == t.getId()));
    }

    @Test
    void devicePathThroughAFakeCuda() {
        Backends2.registerFakeCuda();
        Tensor a = Tensor.randn(4, 4).to(Device.cuda(0));
        Profiler prof = profile(ProfilerOptions.defaults().withProfileMemory(true), () -> a.matmul(a));
        ProfilerEvent mm = prof.events().stream().filter(e -> e.name().equals("aten::mm")).findFirst().orElseThrow();
        assertEquals("cuda:0", mm.device());
        assertEquals(mm.durationUs(), mm.selfCudaUs(), EPS_US, "a device kernel is timed until synchronized");
        ProfilerEvent empty = prof.events().stream().filter(e -> e.name().equals("aten::empty")).findFirst()
                .orElseThrow();
        assertEquals(4 * 4 * 4, empty.selfCudaMemory());
        assertEquals(0, empty.selfCpuMemory());
        String table = prof.keyAverages().table("self_cuda_time_total", 10);
        String header = table.split("\n")[1];
        assertEquals(List.of("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "Self CUDA",
                "Self CUDA %", "CUDA total", "CUDA time avg", "CPU Mem", "Self CPU Mem", "CUDA Mem", "Self CUDA Mem",
                "# of Calls"), titles(header));
        assertTrue(table.contains("\nSelf CUDA time total: "), table);
        assertLayout(table, List.of("Self CUDA"), 10, prof.keyAverages().size());
    }

    /**
     * An optional kernel that declines (the CPU's one-pass clamp takes contiguous inputs only and returns false for a
     * transposed one, where the caller composes the op from other kernels) leaves no range, and the ranges after it
     * keep dense ids and their nesting.
     */
    @Test
    void aDecliningOptionalKernelLeavesNoRange() {
        Tensor x = Tensor.randn(4, 4);
        Tensor t = x.t();
        Tensor out = Tensor.zeros(4, 4);
        Profiler prof = profile(ProfilerOptions.defaults(), () -> {
            try (RecordFunction outer = Profiler.recordFunction("outer")) {
                assertFalse(x.backend.clampFloat(t.storage(), t.layout, -0.5f, 0.5f, out.storage()));
                x.exp();
            }
        });
        List<ProfilerEvent> ev = prof.events();
        List<String> names = ev.stream().map(ProfilerEvent::name).collect(Collectors.toList());
        assertTrue(names.stream().noneMatch(n -> n.equals("aten::clamp")), names.toString());
        ProfilerEvent exp = ev.stream().filter(e -> e.name().equals("aten::exp")).findFirst().orElseThrow();
        assertEquals(0, exp.parentId(), "inside 'outer': " + names);
        for (int i = 0; i < ev.size(); i++) {
            assertEquals(i, ev.get(i).id(), "event ids stay dense after a dropped range: " + names);
        }
    }

    @Test
    void decoratorWrapsEachBackendOnce() {
        // that it declares every SPI method, and forwards each, is ProfilingBackendSpiTest's
        Backend cpu = Backends.forDevice(Device.CPU);
        assertTrue(cpu instanceof ProfilingBackend);
        assertSame(Backends.find("cpu"), ProfilingBackend.unwrap(cpu));
        assertSame(cpu, ProfilingBackend.wrap(cpu));
        assertSame(cpu, Backends.forDevice(Device.CPU), "one decorator per backend");
    }

    @Test
    void errors() throws InterruptedException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ember.profile(null));
        assertEquals("profile(): argument 'options' (position 1) must be ProfilerOptions, not null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Profiler.recordFunction(null));
        assertEquals("record_function(): argument 'name' (position 1) must be str, not null", e.getMessage());
        Profiler prof = Ember.profile();
        try {
            IllegalStateException s = assertThrows(IllegalStateException.class, Ember::profile);
            assertEquals("Profiler is already enabled on this thread", s.getMessage());
            s = assertThrows(IllegalStateException.class, prof::keyAverages);
            assertEquals("Profiler didn't finish running", s.getMessage());
            assertThrows(IllegalStateException.class, prof::events);
            assertThrows(IllegalStateException.class, () -> prof.exportChromeTrace(Path.of("never.json")));
            AtomicReference<Throwable> fromOther = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    prof.close();
                } catch (Throwable x) {
                    fromOther.set(x);
                }
            });
            t.start();
            t.join(30_000);
            assertTrue(fromOther.get() instanceof IllegalStateException, String.valueOf(fromOther.get()));
            String message = fromOther.get().getMessage();
            assertTrue(message.startsWith("A Profiler must be closed on the thread that opened it"), message);
            assertTrue(Profiler.isProfiling(), "still open");
        } finally {
            prof.close();
        }
        e = assertThrows(IllegalArgumentException.class, () -> prof.exportChromeTrace(null));
        assertEquals("export_chrome_trace(): argument 'path' (position 1) must be Path, not null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> prof.keyAverages(false, -1));
        assertEquals("key_averages(): group_by_stack_n must be non-negative, got -1", e.getMessage());
        Profiler withRows = profile(ProfilerOptions.defaults(), () -> Tensor.randn(2).exp());
        e = assertThrows(IllegalArgumentException.class, () -> withRows.keyAverages().table("self_cpu", 10));
        assertTrue(e.getMessage().startsWith("table(): invalid sort_by 'self_cpu'; expected one of cpu_time, "),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ProfilingBackend.wrap(null));
        assertEquals("wrap(): argument 'backend' must be a Backend, not None", e.getMessage());
        assertEquals("", profile(ProfilerOptions.defaults(), () -> { }).keyAverages().table("count", 10),
                "no rows: an empty string, as PyTorch");
    }

    // ------------------------------------------------------------------ the table against PyTorch's

    /** The PyTorch tables of make_expected.py, by "name sort_by row_limit". */
    private static Map<String, List<String>> pytorchTables() throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (InputStream in = ProfilerTest.class.getResourceAsStream("/profiler/expected_tables.txt")) {
            assertNotNull(in, "profiler/expected_tables.txt");
            List<String> current = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
                if (line.startsWith("=== ")) {
                    current = new ArrayList<>();
                    out.put(line.substring(4), current);
                } else if (current != null && !line.isEmpty()) {
                    current.add(line);
                }
            }
        }
        return out;
    }

    @Test
    void tableLayoutMatchesPyTorch() throws IOException {
        Map<String, List<String>> torch = pytorchTables();
        assertEquals(List.of("memory self_cpu_time_total 10", "times cpu_time_total -1", "shapes count 5",
                "stack self_cpu_time_total 3"), new ArrayList<>(torch.keySet()));
        Step step = new Step();
        step.run(); // as the script, one step before the profiled one
        Map<String, Supplier<KeyAverages>> ember = new LinkedHashMap<>();
        ember.put("memory", () -> profile(ProfilerOptions.defaults().withProfileMemory(true), step::run).keyAverages());
        ember.put("times", () -> profile(ProfilerOptions.defaults(), step::run).keyAverages());
        ember.put("shapes", () -> profile(ProfilerOptions.defaults().withRecordShapes(true), step::run)
                .keyAverages(true));
        ember.put("stack", () -> profile(ProfilerOptions.defaults().withStack(true), step::run).keyAverages(false, 3));
        Map<String, List<String>> sortColumn = Map.of("self_cpu_time_total", List.of("Self CPU"), "cpu_time_total",
                List.of("CPU total"), "count", List.of("# of Calls"));
        for (Map.Entry<String, List<String>> c : torch.entrySet()) {
            String[] key = c.getKey().split(" ");
            int limit = Integer.parseInt(key[2]);
            List<String> expected = c.getValue();
            // the checks hold for PyTorch's own table (rows it did not print are unknown: -1)
            assertLayout(String.join("\n", expected) + "\n", sortColumn.get(key[1]), limit, -1);
            KeyAverages rows = ember.get(key[0]).get();
            String table = rows.table(key[1], limit);
            assertEquals(titles(expected.get(1)), titles(table.split("\n")[1]), c.getKey() + ":\n" + table);
            assertLayout(table, sortColumn.get(key[1]), limit, rows.size());
            String totalLine = "Self CPU time total: ";
            String total = table.substring(table.lastIndexOf(totalLine) + totalLine.length()).trim();
            assertEquals(formatTime(rows.selfCpuTimeTotalUs()), total, "the sum over every row, printed or not");
            if (key[0].equals("times")) {
                assertEquals(formatTime(rows.stream().mapToDouble(KeyAverage::selfCpuTimeTotalUs).sum()), total);
            }
        }
    }

    /** The column titles of a header line (titles have single spaces inside, columns at least two apart). */
    private static List<String> titles(String header) {
        List<String> out = new ArrayList<>();
        for (String s : header.trim().split(" {2,}")) {
            out.add(s);
        }
        return out;
    }

    private static final Pattern SEPARATOR = Pattern.compile("(-+  )+");
    private static final Pattern TIME = Pattern.compile("-?\\d+\\.\\d{3}(us|ms|s)");
    private static final Pattern SHARE = Pattern.compile("-?\\d+\\.\\d{2}%|NaN");
    private static final Pattern MEMORY = Pattern.compile("-?\\d+ b|-?\\d+\\.\\d{2} (Kb|Mb|Gb)");
    private static final Set<String> TIME_COLUMNS = Set.of("Self CPU", "CPU total", "CPU time avg", "Self CUDA",
            "CUDA total", "CUDA time avg");

    /**
     * PyTorch's _build_table layout: separator, header, separator, rows, separator, totals; the name column
     * min(longest name + 4, 55) wide (exactly, when every row is printed), the numeric ones 12, Input Shapes at most
     * 80, Source Location at most 75 and left-aligned, all others right-aligned and two spaces apart; the number
     * formats; the rows sorted by the sort column, descending; at most rowLimit rows (exactly min(rowLimit, total) when
     * the total is known).
     */
    private static void assertLayout(String table, List<String> sortColumn, int rowLimit, int totalRows) {
        assertTrue(table.endsWith("\n"), "every line ends in a newline");
        String[] lines = table.split("\n");
        String sep = lines[0];
        assertTrue(SEPARATOR.matcher(sep).matches(), sep);
        assertEquals(sep, lines[2]);
        List<Integer> widths = new ArrayList<>();
        for (String seg : sep.split("  ")) {
            widths.add(seg.length());
        }
        List<String> header = titles(lines[1]);
        assertEquals(widths.size(), header.size());
        int srcColumn = header.indexOf("Source Location");
        // Python's '{: >W}  ' per title: padded to the width, never cut ("CUDA time avg" and "Self CUDA Mem" are 13
        // characters in 12-wide columns, and push the rest of PyTorch's header one column to the right)
        StringBuilder rendered = new StringBuilder();
        for (int i = 0; i < header.size(); i++) {
            String title = header.get(i);
            String pad = " ".repeat(Math.max(0, widths.get(i) - title.length()));
            rendered.append(i == srcColumn ? title + pad : pad + title).append("  ");
            if (i > 0 && !title.equals("Input Shapes") && i != srcColumn) {
                assertEquals(12, widths.get(i), title);
            }
        }
        assertEquals(rendered.toString(), lines[1], "header");
        int end = lines.length - 1;
        while (!lines[end].equals(sep)) {
            end--;
        }
        assertTrue(lines[end + 1].startsWith("Self CPU time total: "), lines[end + 1]);
        assertTrue(TIME.matcher(lines[end + 1].substring("Self CPU time total: ".length())).matches());
        boolean cuda = header.contains("Self CUDA");
        assertEquals(end + (cuda ? 3 : 2), lines.length, "the totals line(s) close the table");
        if (cuda) {
            assertTrue(lines[end + 2].startsWith("Self CUDA time total: "), lines[end + 2]);
        }
        List<List<String>> rows = new ArrayList<>();
        int maxName = 0;
        for (int l = 3; l < end; l++) {
            assertEquals(sep.length(), lines[l].length(), "every row as wide as the separator: " + lines[l]);
            List<String> row = cells(lines[l], widths);
            if (row.get(0).isBlank()) {
                assertTrue(srcColumn >= 0, "continuation lines only carry call sites");
                continue;
            }
            rows.add(row);
            maxName = Math.max(maxName, row.get(0).trim().length());
            for (int i = 0; i < row.size(); i++) {
                String title = header.get(i);
                String v = row.get(i).trim();
                boolean ok;
                if (i == 0 || title.equals("Input Shapes") || title.equals("Source Location")) {
                    ok = true;
                } else if (TIME_COLUMNS.contains(title)) {
                    ok = TIME.matcher(v).matches();
                } else if (title.endsWith("%")) {
                    ok = SHARE.matcher(v).matches();
                } else if (title.endsWith("Mem")) {
                    ok = MEMORY.matcher(v).matches();
                } else {
                    ok = v.matches("\\d+");
                }
                assertTrue(ok, title + ": '" + v + "'");
            }
        }
        assertTrue(rowLimit < 0 || rows.size() <= rowLimit, "row limit");
        if (totalRows >= 0) {
            assertEquals(rowLimit < 0 ? totalRows : Math.min(rowLimit, totalRows), rows.size(), "row count");
        }
        assertTrue(widths.get(0) <= 55 && widths.get(0) >= Math.min(maxName + 4, 55), "name column " + widths.get(0));
        if (rowLimit < 0) {
            assertEquals(Math.min(maxName + 4, 55), widths.get(0), "name column: the longest name + 4");
        }
        for (List<String> row : rows) {
            String name = row.get(0).trim();
            assertTrue(name.length() < 55 || name.endsWith("..."), "long names are cut: " + name);
        }
        int shapes = header.indexOf("Input Shapes");
        if (shapes >= 0) {
            assertTrue(widths.get(shapes) <= 80);
        }
        if (srcColumn >= 0) {
            assertTrue(widths.get(srcColumn) <= 75);
        }
        if (sortColumn != null) {
            int col = header.indexOf(sortColumn.get(0));
            double previous = Double.POSITIVE_INFINITY;
            for (List<String> row : rows) {
                double v = parseNumber(row.get(col).trim());
                assertTrue(v <= previous, "sorted by " + sortColumn.get(0) + ", descending");
                previous = v;
            }
        }
    }

    private static List<String> cells(String line, List<Integer> widths) {
        List<String> out = new ArrayList<>();
        int at = 0;
        for (int w : widths) {
            out.add(line.substring(at, Math.min(at + w, line.length())));
            if (at + w + 2 <= line.length()) {
                assertEquals("  ", line.substring(at + w, at + w + 2), "two spaces between columns: " + line);
            }
            at += w + 2;
        }
        return out;
    }

    private static double parseNumber(String v) {
        if (v.endsWith("us")) {
            return Double.parseDouble(v.substring(0, v.length() - 2));
        }
        if (v.endsWith("ms")) {
            return Double.parseDouble(v.substring(0, v.length() - 2)) * 1e3;
        }
        if (v.endsWith("s")) {
            return Double.parseDouble(v.substring(0, v.length() - 1)) * 1e6;
        }
        return Double.parseDouble(v);
    }

    /** PyTorch's _format_time (profiler_util.py). */
    private static String formatTime(double us) {
        if (us >= 1e6) {
            return String.format(Locale.ROOT, "%.3fs", us / 1e6);
        }
        if (us >= 1e3) {
            return String.format(Locale.ROOT, "%.3fms", us / 1e3);
        }
        return String.format(Locale.ROOT, "%.3fus", us);
    }

    @Test
    void numberFormatsAsPyTorch() {
        // fabricated rows through the public table: times and memory as _format_time / _format_memory print them
        Profiler prof = profile(ProfilerOptions.defaults().withProfileMemory(true), () -> {
            try (RecordFunction r = Profiler.recordFunction("a")) {
                Tensor.zeros(300, 1000); // 1.14 Mb of float32
            }
        });
        String table = prof.keyAverages().table("cpu_memory_usage", 1);
        String row = table.split("\n")[3];
        assertTrue(row.trim().startsWith("a "), row);
        assertTrue(row.contains("    1.14 Mb  "), row); // 1_200_000 / 1048576 = 1.144
        assertTrue(row.endsWith("           1  "), "# of Calls, then two spaces: '" + row + "'");
        assertEquals("999.000us", formatTime(999));
        assertEquals("1.000ms", formatTime(1000));
        assertEquals("2.500s", formatTime(2.5e6));
    }

    // ------------------------------------------------------------------ a small strict JSON reader for the trace

    /** Objects as LinkedHashMap, arrays as ArrayList, numbers as Double, strings, booleans and null. */
    private static final class MiniJson {
        private final String s;
        private int i;

        MiniJson(String s) {
            this.s = s;
        }

        Object document() {
            Object v = value();
            ws();
            assertEquals(s.length(), i, "nothing after the document");
            return v;
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private void expect(char c) {
            ws();
            assertTrue(i < s.length() && s.charAt(i) == c, "expected '" + c + "' at " + i);
            i++;
        }

        private Object value() {
            ws();
            assertTrue(i < s.length(), "unexpected end");
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                do {
                    ws();
                    String k = string();
                    expect(':');
                    assertFalse(m.containsKey(k), "duplicate key " + k);
                    m.put(k, value());
                    ws();
                } while (s.charAt(i++) == ',');
                assertEquals('}', s.charAt(i - 1), "object end at " + i);
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                do {
                    l.add(value());
                    ws();
                } while (s.charAt(i++) == ',');
                assertEquals(']', s.charAt(i - 1), "array end at " + i);
                return l;
            }
            if (c == '"') {
                return string();
            }
            for (String lit : List.of("true", "false", "null")) {
                if (s.startsWith(lit, i)) {
                    i += lit.length();
                    return lit.equals("null") ? null : Boolean.valueOf(lit);
                }
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String num = s.substring(start, i);
            assertTrue(num.matches("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?"), "a JSON number: '" + num + "'");
            return Double.parseDouble(num);
        }

        private String string() {
            assertEquals('"', s.charAt(i), "a string at " + i);
            i++;
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                assertTrue(c >= 0x20, "no control characters in strings");
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case '"': case '\\': case '/': b.append(e); break;
                        case 'b': b.append('\b'); break;
                        case 'f': b.append('\f'); break;
                        case 'n': b.append('\n'); break;
                        case 'r': b.append('\r'); break;
                        case 't': b.append('\t'); break;
                        case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                        default: throw new AssertionError("bad escape \\" + e);
                    }
                } else {
                    b.append(c);
                }
            }
        }
    }
}
