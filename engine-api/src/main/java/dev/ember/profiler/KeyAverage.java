package dev.ember.profiler;

import java.util.List;

/**
 * The events of one name (and, when grouped by shape, one list of input shapes) summed, as PyTorch's
 * {@code FunctionEventAvg}: one row of {@link KeyAverages#table}. Times are in microseconds, memory in bytes.
 *
 * @param key the name
 * @param count the number of events ({@code # of Calls})
 * @param cpuTimeTotalUs the sum of the events' durations ({@code CPU total}; a name nested in itself counts twice, as
 *                       in PyTorch)
 * @param selfCpuTimeTotalUs the sum of their self times ({@code Self CPU})
 * @param cudaTimeTotalUs the device time of device kernels inside them ({@code CUDA total})
 * @param selfCudaTimeTotalUs their own device time ({@code Self CUDA})
 * @param cpuMemoryUsage host bytes allocated inside them ({@code CPU Mem})
 * @param selfCpuMemoryUsage host bytes they allocated themselves ({@code Self CPU Mem})
 * @param cudaMemoryUsage device bytes allocated inside them ({@code CUDA Mem})
 * @param selfCudaMemoryUsage device bytes they allocated themselves ({@code Self CUDA Mem})
 * @param inputShapes the operand shapes the row's events share when grouped by them, else empty (as PyTorch)
 * @param stack the call sites the row's events share when grouped by them, else empty (as PyTorch)
 */
public record KeyAverage(String key, int count, double cpuTimeTotalUs, double selfCpuTimeTotalUs,
                         double cudaTimeTotalUs, double selfCudaTimeTotalUs, long cpuMemoryUsage,
                         long selfCpuMemoryUsage, long cudaMemoryUsage, long selfCudaMemoryUsage,
                         List<List<Integer>> inputShapes, List<String> stack) {

    /**
     * The mean CPU time per call ({@code CPU time avg}).
     *
     * @return {@code cpuTimeTotalUs / count}, 0 without calls
     */
    public double cpuTimeUs() {
        return count == 0 ? 0 : cpuTimeTotalUs / count;
    }

    /**
     * The mean device time per call ({@code CUDA time avg}).
     *
     * @return {@code cudaTimeTotalUs / count}, 0 without calls
     */
    public double cudaTimeUs() {
        return count == 0 ? 0 : cudaTimeTotalUs / count;
    }
}
