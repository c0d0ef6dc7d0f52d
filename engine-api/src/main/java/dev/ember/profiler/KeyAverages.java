package dev.ember.profiler;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The rows of {@link Profiler#keyAverages()}, one per name, in the order each name first started; {@link #table}
 * prints them as PyTorch's {@code prof.key_averages().table(sort_by=..., row_limit=...)} does.
 */
public final class KeyAverages extends AbstractList<KeyAverage> {
    private static final Map<String, ToDoubleFunction<KeyAverage>> SORT_KEYS = new LinkedHashMap<>();
    private static final int NAME_WIDTH_MAX = 55;
    private static final int SHAPES_WIDTH_MAX = 80;
    private static final int SRC_WIDTH_MAX = 75;
    private static final int WIDTH = 12;
    private static final int SPACING = 2;
    private static final int MAX_STACK_ENTRY = 5;

    static {
        SORT_KEYS.put("cpu_time", KeyAverage::cpuTimeUs);
        SORT_KEYS.put("cuda_time", KeyAverage::cudaTimeUs);
        SORT_KEYS.put("cpu_time_total", KeyAverage::cpuTimeTotalUs);
        SORT_KEYS.put("cuda_time_total", KeyAverage::cudaTimeTotalUs);
        SORT_KEYS.put("self_cpu_time_total", KeyAverage::selfCpuTimeTotalUs);
        SORT_KEYS.put("self_cuda_time_total", KeyAverage::selfCudaTimeTotalUs);
        SORT_KEYS.put("cpu_memory_usage", KeyAverage::cpuMemoryUsage);
        SORT_KEYS.put("self_cpu_memory_usage", KeyAverage::selfCpuMemoryUsage);
        SORT_KEYS.put("cuda_memory_usage", KeyAverage::cudaMemoryUsage);
        SORT_KEYS.put("self_cuda_memory_usage", KeyAverage::selfCudaMemoryUsage);
        SORT_KEYS.put("count", KeyAverage::count);
    }

    private final List<KeyAverage> rows;
    private final boolean profileMemory;

    private KeyAverages(List<KeyAverage> rows, boolean profileMemory) {
        this.rows = rows;
        this.profileMemory = profileMemory;
    }

    /** PyTorch's {@code EventList.key_averages}: shapes and stacks are kept only where they group the rows. */
    static KeyAverages of(List<ProfilerEvent> events, boolean groupByInputShape, int groupByStackN,
                          boolean profileMemory) {
        Map<List<Object>, List<ProfilerEvent>> groups = new LinkedHashMap<>();
        for (ProfilerEvent e : events) {
            List<Object> key = List.of(e.name(), groupByInputShape ? e.inputShapes() : List.of(),
                    e.stack().subList(0, Math.min(groupByStackN, e.stack().size())));
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
        }
        List<KeyAverage> rows = new ArrayList<>(groups.size());
        for (List<ProfilerEvent> g : groups.values()) {
            double cpu = 0;
            double selfCpu = 0;
            double cuda = 0;
            double selfCuda = 0;
            long mem = 0;
            long selfMem = 0;
            long cudaMem = 0;
            long selfCudaMem = 0;
            for (ProfilerEvent e : g) {
                cpu += e.durationUs();
                selfCpu += e.selfCpuUs();
                cuda += e.cudaUs();
                selfCuda += e.selfCudaUs();
                mem += e.cpuMemory();
                selfMem += e.selfCpuMemory();
                cudaMem += e.cudaMemory();
                selfCudaMem += e.selfCudaMemory();
            }
            ProfilerEvent first = g.get(0);
            rows.add(new KeyAverage(first.name(), g.size(), cpu, selfCpu, cuda, selfCuda, mem, selfMem, cudaMem,
                    selfCudaMem, groupByInputShape ? first.inputShapes() : List.of(),
                    first.stack().subList(0, Math.min(groupByStackN, first.stack().size()))));
        }
        return new KeyAverages(Collections.unmodifiableList(rows), profileMemory);
    }

    @Override
    public KeyAverage get(int index) {
        return rows.get(index);
    }

    @Override
    public int size() {
        return rows.size();
    }

    /**
     * The sum of every row's self CPU time, the table's {@code Self CPU time total}.
     *
     * @return microseconds
     */
    public double selfCpuTimeTotalUs() {
        return rows.stream().mapToDouble(KeyAverage::selfCpuTimeTotalUs).sum();
    }

    /**
     * The table of every row in this order, as {@code table()} with no arguments (at most 100 rows).
     *
     * @return the table's text
     */
    public String table() {
        return table(null, 100);
    }

    /**
     * PyTorch's table ({@code torch/autograd/profiler_util.py}, {@code _build_table}): a header between dashed lines,
     * the columns {@code Name}, {@code Self CPU %}, {@code Self CPU}, {@code CPU total %}, {@code CPU total},
     * {@code CPU time avg}, then {@code Self CUDA}, {@code Self CUDA %}, {@code CUDA total}, {@code CUDA time avg} when
     * any row has device time, {@code CPU Mem}, {@code Self CPU Mem} (and the CUDA pair when any device memory was
     * allocated) when the profiler recorded memory, {@code # of Calls}, {@code Input Shapes} when shapes were recorded,
     * {@code Source Location} when stacks were; the name column is as wide as the longest name plus 4 (at most 55;
     * longer names are cut with {@code ...}), the others 12, right-aligned, two spaces apart; times in {@code us},
     * {@code ms} or {@code s} with three decimals, memory in {@code b}, {@code Kb}, {@code Mb}, {@code Gb}; and after
     * the rows {@code Self CPU time total: ...} (the sum over every row, not only those printed), and
     * {@code Self CUDA time total: ...} when there was device time.
     *
     * @param sortBy PyTorch's attribute to sort by, descending ({@code self_cpu_time_total}, {@code cpu_time_total},
     *               {@code cpu_time}, {@code self_cuda_time_total}, {@code cuda_time_total}, {@code cuda_time},
     *               {@code cpu_memory_usage}, {@code self_cpu_memory_usage}, {@code cuda_memory_usage},
     *               {@code self_cuda_memory_usage}, {@code count}), or null to keep this order
     * @param rowLimit the most rows to print; a negative limit prints every row
     * @return the table's text, each line ending in a newline; an empty string when there are no rows
     * @throws IllegalArgumentException when {@code sortBy} is not one of those attributes
     */
    public String table(String sortBy, int rowLimit) {
        List<KeyAverage> events = new ArrayList<>(rows);
        if (sortBy != null) {
            ToDoubleFunction<KeyAverage> key = SORT_KEYS.get(sortBy);
            if (key == null) {
                throw new IllegalArgumentException("table(): invalid sort_by '" + sortBy + "'; expected one of "
                        + String.join(", ", SORT_KEYS.keySet()));
            }
            events.sort(Comparator.comparingDouble(key).reversed()); // stable, as Python's sorted(reverse=True)
        }
        if (events.isEmpty()) {
            return "";
        }
        boolean hasCudaTime = events.stream().anyMatch(e -> e.selfCudaTimeTotalUs() > 0);
        boolean hasCudaMem = events.stream().anyMatch(e -> e.selfCudaMemoryUsage() > 0);
        boolean hasInputShapes = events.stream().anyMatch(e -> !e.inputShapes().isEmpty());
        boolean hasStack = events.stream().anyMatch(e -> !e.stack().isEmpty());
        int nameWidth = Math.min(events.stream().mapToInt(e -> e.key().length()).max().getAsInt() + 4, NAME_WIDTH_MAX);
        int shapesWidth = Math.min(events.stream().mapToInt(e -> e.inputShapes().toString().length()).max().getAsInt()
                + 4, SHAPES_WIDTH_MAX);
        List<String> headers = new ArrayList<>(List.of("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total",
                "CPU time avg"));
        if (hasCudaTime) {
            headers.addAll(List.of("Self CUDA", "Self CUDA %", "CUDA total", "CUDA time avg"));
        }
        if (profileMemory) {
            headers.addAll(List.of("CPU Mem", "Self CPU Mem"));
            if (hasCudaMem) {
                headers.addAll(List.of("CUDA Mem", "Self CUDA Mem"));
            }
        }
        headers.add("# of Calls");
        List<Integer> widths = new ArrayList<>();
        List<Boolean> left = new ArrayList<>();
        widths.add(nameWidth);
        left.add(false);
        for (int i = 1; i < headers.size(); i++) {
            widths.add(WIDTH);
            left.add(false);
        }
        if (hasInputShapes) {
            headers.add("Input Shapes");
            widths.add(shapesWidth);
            left.add(false);
        }
        int srcWidth = 0;
        if (hasStack) {
            srcWidth = Math.min(events.stream().flatMap(e -> e.stack().stream()).mapToInt(String::length).max()
                    .getAsInt() + 4, SRC_WIDTH_MAX);
            headers.add("Source Location");
            widths.add(srcWidth);
            left.add(true);
        }
        StringBuilder sep = new StringBuilder();
        for (int w : widths) {
            sep.append("-".repeat(w)).append(" ".repeat(SPACING));
        }
        double sumSelfCpu = events.stream().mapToDouble(KeyAverage::selfCpuTimeTotalUs).sum();
        double sumSelfCuda = events.stream().mapToDouble(KeyAverage::selfCudaTimeTotalUs).sum();

        StringBuilder out = new StringBuilder();
        out.append(sep).append('\n');
        out.append(row(headers, widths, left)).append('\n');
        out.append(sep).append('\n');
        int printed = 0;
        for (KeyAverage e : events) {
            if (printed == rowLimit) {
                break;
            }
            printed++;
            String name = e.key();
            if (name.length() >= NAME_WIDTH_MAX - 3) {
                name = name.substring(0, NAME_WIDTH_MAX - 3) + "...";
            }
            List<String> values = new ArrayList<>(List.of(name, share(e.selfCpuTimeTotalUs(), sumSelfCpu),
                    time(e.selfCpuTimeTotalUs()), share(e.cpuTimeTotalUs(), sumSelfCpu), time(e.cpuTimeTotalUs()),
                    time(e.cpuTimeUs())));
            if (hasCudaTime) {
                values.addAll(List.of(time(e.selfCudaTimeTotalUs()), share(e.selfCudaTimeTotalUs(), sumSelfCuda),
                        time(e.cudaTimeTotalUs()), time(e.cudaTimeUs())));
            }
            if (profileMemory) {
                values.addAll(List.of(memory(e.cpuMemoryUsage()), memory(e.selfCpuMemoryUsage())));
                if (hasCudaMem) {
                    values.addAll(List.of(memory(e.cudaMemoryUsage()), memory(e.selfCudaMemoryUsage())));
                }
            }
            values.add(Integer.toString(e.count()));
            if (hasInputShapes) {
                String s = e.inputShapes().toString();
                values.add(s.substring(0, Math.min(s.length(), shapesWidth)));
            }
            if (hasStack) {
                values.add(e.stack().isEmpty() ? "" : trimPath(e.stack().get(0), srcWidth));
            }
            out.append(row(values, widths, left)).append('\n');
            if (hasStack) {
                List<String> empty = new ArrayList<>(Collections.nCopies(headers.size() - 1, ""));
                for (String entry : e.stack().subList(Math.min(1, e.stack().size()),
                        Math.min(MAX_STACK_ENTRY, e.stack().size()))) {
                    List<String> more = new ArrayList<>(empty);
                    more.add(trimPath(entry, srcWidth));
                    out.append(row(more, widths, left)).append('\n');
                }
                empty.add("");
                out.append(row(empty, widths, left)).append('\n');
            }
        }
        out.append(sep).append('\n');
        out.append("Self CPU time total: ").append(time(sumSelfCpu)).append('\n');
        if (hasCudaTime) {
            out.append("Self CUDA time total: ").append(time(sumSelfCuda)).append('\n');
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return table();
    }

    /** Python's {@code '{: >W}  '} (or {@code '{: <W}  '}) for each value: padded, never cut. */
    private static String row(List<String> values, List<Integer> widths, List<Boolean> left) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            String pad = " ".repeat(Math.max(0, widths.get(i) - v.length()));
            b.append(left.get(i) ? v + pad : pad + v).append(" ".repeat(SPACING));
        }
        return b.toString();
    }

    private static String trimPath(String path, int width) {
        if (path.length() > width) {
            path = path.substring(path.length() - width);
            if (path.length() > 3) {
                path = "..." + path.substring(3);
            }
        }
        return path;
    }

    /** PyTorch's {@code _format_time}: microseconds as {@code us}, {@code ms} or {@code s} with three decimals. */
    static String time(double us) {
        if (us >= 1e6) {
            return String.format(Locale.ROOT, "%.3fs", us / 1e6);
        }
        if (us >= 1e3) {
            return String.format(Locale.ROOT, "%.3fms", us / 1e3);
        }
        return String.format(Locale.ROOT, "%.3fus", us);
    }

    /** PyTorch's {@code _format_time_share}: a percentage with two decimals, {@code NaN} of a zero total. */
    static String share(double us, double totalUs) {
        if (totalUs == 0) {
            return "NaN";
        }
        return String.format(Locale.ROOT, "%.2f%%", us * 100.0 / totalUs);
    }

    /** PyTorch's {@code _format_memory}: bytes as {@code b}, {@code Kb}, {@code Mb} or {@code Gb}. */
    static String memory(long bytes) {
        long kb = 1024;
        long mb = 1024 * kb;
        long gb = 1024 * mb;
        if (Math.abs(bytes) >= gb) {
            return String.format(Locale.ROOT, "%.2f Gb", bytes * 1.0 / gb);
        }
        if (Math.abs(bytes) >= mb) {
            return String.format(Locale.ROOT, "%.2f Mb", bytes * 1.0 / mb);
        }
        if (Math.abs(bytes) >= kb) {
            return String.format(Locale.ROOT, "%.2f Kb", bytes * 1.0 / kb);
        }
        return bytes + " b";
    }
}

