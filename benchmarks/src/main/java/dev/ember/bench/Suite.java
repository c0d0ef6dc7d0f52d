package dev.ember.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The uber-jar's entry point: JMH's command line (every option, selection by regex, {@code -h}, {@code -l}), and
 * after the run a second table with each benchmark's natural rate computed from its measured time: GFLOP/s for
 * matmul and convolution, GB/s for the memory-bound kernels, samples/s for training steps, microseconds per op for
 * autograd overhead.
 */
public final class Suite {
    private Suite() {
    }

    /** Runs JMH with {@code args}, then prints the rates. */
    public static void main(String[] args) throws Exception {
        CommandLineOptions cmd = new CommandLineOptions(args);
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers()
                || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        Collection<RunResult> results = new Runner(cmd).run();
        printRates(results, System.out);
    }

    /** One line per result: benchmark, parameters, time per op, and the rate. */
    static void printRates(Collection<RunResult> results, PrintStream out) {
        out.println();
        out.println("Rates (from the mean time per op above):");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            String shortName = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            StringBuilder params = new StringBuilder();
            for (String key : r.getParams().getParamsKeys()) {
                params.append(key).append('=').append(r.getParams().getParam(key)).append(' ');
            }
            double score = r.getPrimaryResult().getScore();
            String unit = r.getPrimaryResult().getScoreUnit();
            double seconds = score * secondsPer(unit);
            String rate = rate(shortName, r, seconds);
            out.printf(Locale.ROOT, "  %-45s %-28s %12.4f %-6s %s%n", shortName, params.toString().trim(), score, unit,
                    rate);
        }
    }

    private static double secondsPer(String unit) {
        String u = unit.replace("/op", "");
        for (TimeUnit t : TimeUnit.values()) {
            if (u.equals(abbreviation(t))) {
                return t.toNanos(1) / 1e9;
            }
        }
        throw new IllegalArgumentException("not a time per op: " + unit);
    }

    private static String abbreviation(TimeUnit t) {
        switch (t) {
            case NANOSECONDS: return "ns";
            case MICROSECONDS: return "us";
            case MILLISECONDS: return "ms";
            case SECONDS: return "s";
            case MINUTES: return "min";
            case HOURS: return "hr";
            default: return "day";
        }
    }

    /** The rate of one result, or an empty string for a benchmark without one. */
    static String rate(String benchmark, RunResult r, double secondsPerOp) {
        switch (benchmark) {
            case "MatmulBenchmark.mm": {
                double n = Double.parseDouble(r.getParams().getParam("n"));
                return gflops(2 * n * n * n, secondsPerOp);
            }
            case "ConvBenchmark.forward":
                return gflops(convFlops(r.getParams().getParam("shape")), secondsPerOp);
            case "ConvBenchmark.forwardBackward":
                return gflops(3 * convFlops(r.getParams().getParam("shape")), secondsPerOp);
            case "MemoryBoundBenchmark.copy":
            case "MemoryBoundBenchmark.broadcastAdd":
            case "MemoryBoundBenchmark.exp":
            case "MemoryBoundBenchmark.erf":
                return gbps(2.0 * 4096 * 4096 * 4, secondsPerOp);
            case "MemoryBoundBenchmark.maxPoolForward":
            case "MemoryBoundBenchmark.maxPoolForwardInScope":
                return gbps(POOL_IN + POOL_OUT, secondsPerOp);
            case "MemoryBoundBenchmark.maxPoolForwardBackward":
            case "MemoryBoundBenchmark.maxPoolForwardBackwardInScope":
                return gbps(2 * (POOL_IN + POOL_OUT + POOL_INDICES), secondsPerOp);
            case "TrainingBenchmark.leNetStep":
            case "TrainingBenchmark.leNetStepInScope": {
                double batch = Double.parseDouble(r.getParams().getParam("batch"));
                return String.format(Locale.ROOT, "%.0f samples/s", batch / secondsPerOp);
            }
            case "AutogradBenchmark.chainOf1000Ops":
                return String.format(Locale.ROOT, "%.3f us per op (forward and backward)", secondsPerOp / 1000 * 1e6);
            default:
                return "";
        }
    }

    /**
     * Max pooling 2x2 of [64, 64, 56, 56] float32. Forward alone: reads the input (51.4 MB), writes the values
     * (12.8 MB). With the backward: the forward also writes int64 indices (25.7 MB), and the backward moves as much
     * again (reads the output gradient and the indices, writes the input gradient).
     */
    private static final double POOL_IN = 64.0 * 64 * 56 * 56 * 4;
    private static final double POOL_OUT = 64.0 * 64 * 28 * 28 * 4;
    private static final double POOL_INDICES = 64.0 * 64 * 28 * 28 * 8;

    /** 2 N O OH OW C KH KW of the three shapes of {@link ConvBenchmark}. */
    private static double convFlops(String shape) {
        switch (shape) {
            case "lenet1": return 2.0 * 64 * 6 * 28 * 28 * 1 * 5 * 5;
            case "lenet2": return 2.0 * 64 * 16 * 10 * 10 * 6 * 5 * 5;
            default: return 2.0 * 32 * 64 * 56 * 56 * 64 * 3 * 3;
        }
    }

    private static String gflops(double flops, double seconds) {
        return String.format(Locale.ROOT, "%.1f GFLOP/s", flops / seconds / 1e9);
    }

    private static String gbps(double bytes, double seconds) {
        return String.format(Locale.ROOT, "%.1f GB/s", bytes / seconds / 1e9);
    }
}
