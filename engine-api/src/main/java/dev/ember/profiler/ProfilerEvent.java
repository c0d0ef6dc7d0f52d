package dev.ember.profiler;

import java.util.List;

/**
 * One recorded range, as PyTorch's {@code FunctionEvent}: a kernel call, a backward node, or a user range. Times are in
 * microseconds from the profiler's start; memory in bytes.
 *
 * @param id the event's index in {@link Profiler#events()} (events are in start order)
 * @param name the recorded name ({@code aten::mm}, {@code AddmmBackward0}, a {@link Profiler#recordFunction} name)
 * @param category {@code "cpu_op"} (a kernel), {@code "autograd"} (a backward node) or {@code "user_annotation"}
 * @param parentId the id of the enclosing event, or -1 at the top level
 * @param depth the nesting depth (0 at the top level)
 * @param threadId the id of the thread that ran it (the profiler's owner)
 * @param startUs the start
 * @param durationUs the duration (for a device kernel, until the device finished it)
 * @param selfCpuUs the duration less the durations of the events directly inside it
 * @param cudaUs device time of the device kernels in it (its own and nested; 0 on the CPU)
 * @param selfCudaUs device time of the event itself, when it is a device kernel
 * @param cpuMemory bytes of host storages allocated inside it (its own and nested)
 * @param selfCpuMemory bytes of host storages the event itself allocated
 * @param cudaMemory bytes of device storages allocated inside it (its own and nested)
 * @param selfCudaMemory bytes of device storages the event itself allocated
 * @param device the device of a kernel ({@code cpu}, {@code cuda:0}); empty for other ranges
 * @param inputShapes shapes of the kernel's operands in SPI order, inputs and outputs (empty unless
 *                    {@link ProfilerOptions#recordShapes})
 * @param stack Java call sites, innermost first (empty unless {@link ProfilerOptions#withStack})
 */
public record ProfilerEvent(int id, String name, String category, int parentId, int depth, long threadId,
                            double startUs, double durationUs, double selfCpuUs, double cudaUs, double selfCudaUs,
                            long cpuMemory, long selfCpuMemory, long cudaMemory, long selfCudaMemory, String device,
                            List<List<Integer>> inputShapes, List<String> stack) {
}
