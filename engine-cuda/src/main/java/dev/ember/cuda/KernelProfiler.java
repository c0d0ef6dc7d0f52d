package dev.ember.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-kernel device times, for finding where a workload spends the GPU's time (a small cousin of
 * {@code torch.profiler}): with {@code -Dember.cuda.profile=true} every launch is bracketed by two CUDA events
 * on the stream, and {@link CudaBackend#profileReport()} adds up their elapsed times by kernel name, next to
 * the host's wall time over the same span. Events cost a few microseconds of host time each, so host-bound
 * timings taken with the profiler on overstate the host's share; the device times are exact.
 */
final class KernelProfiler {
    private static final class Mark {
        final String kernel;
        final CUevent start;
        CUevent stop;

        Mark(String kernel, CUevent start) {
            this.kernel = kernel;
            this.start = start;
        }
    }

    private final CUstream stream;
    private final List<Mark> marks = new ArrayList<>();
    private final List<CUevent> spare = new ArrayList<>();
    private long wallStart = System.nanoTime();

    KernelProfiler(CUstream stream) {
        this.stream = stream;
    }

    private CUevent event() {
        if (!spare.isEmpty()) {
            return spare.remove(spare.size() - 1);
        }
        CUevent e = new CUevent();
        JCudaDriver.cuEventCreate(e, 0);
        return e;
    }

    /** Records the start event of a launch; pass the result to {@link #after}. */
    synchronized Object before(String kernel) {
        CUevent start = event();
        JCudaDriver.cuEventRecord(start, stream);
        return new Mark(kernel, start);
    }

    /** Records the stop event of the launch begun by {@link #before}. */
    synchronized void after(Object token) {
        Mark m = (Mark) token;
        m.stop = event();
        JCudaDriver.cuEventRecord(m.stop, stream);
        marks.add(m);
    }

    /**
     * Synchronizes, sums the elapsed device time of every recorded launch by kernel, and starts a new span.
     * Returns one line per kernel (most time first) and a total against the host's wall time.
     */
    synchronized String report() {
        JCudaDriver.cuStreamSynchronize(stream);
        double wallMs = (System.nanoTime() - wallStart) / 1e6;
        Map<String, double[]> byKernel = new LinkedHashMap<>();
        float[] ms = new float[1];
        double total = 0;
        for (Mark m : marks) {
            JCudaDriver.cuEventElapsedTime(ms, m.start, m.stop);
            double[] acc = byKernel.computeIfAbsent(m.kernel, k -> new double[2]);
            acc[0]++;
            acc[1] += ms[0];
            total += ms[0];
            spare.add(m.start);
            spare.add(m.stop);
        }
        int launches = marks.size();
        marks.clear();
        StringBuilder sb = new StringBuilder(String.format("%-28s %8s %10s %9s%n", "kernel", "launches", "device ms", "mean us"));
        byKernel.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[1], x.getValue()[1])).forEach(e ->
                sb.append(String.format("%-28s %8d %10.3f %9.2f%n", e.getKey(), (long) e.getValue()[0], e.getValue()[1],
                        1e3 * e.getValue()[1] / e.getValue()[0])));
        sb.append(String.format("%d launches, %.3f ms on the device in %.3f ms of wall time (%.0f%% busy)%n", launches, total,
                wallMs, wallMs > 0 ? 100 * total / wallMs : 0));
        wallStart = System.nanoTime();
        return sb.toString();
    }
}
