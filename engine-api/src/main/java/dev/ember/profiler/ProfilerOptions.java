package dev.ember.profiler;

/**
 * What a {@link Profiler} records besides names and times, as the arguments of PyTorch's
 * {@code torch.profiler.profile}: {@code ProfilerOptions.defaults().withProfileMemory(true)}.
 *
 * @param recordShapes record the shapes of each kernel's operands ({@code record_shapes}): the {@code Input Shapes}
 *                     column of the table and {@code "Input Dims"} in the trace
 * @param profileMemory record the bytes of the storages allocated in each range ({@code profile_memory}): the memory
 *                      columns of the table
 * @param withStack record the Java call site of each range ({@code with_stack}): the {@code Source Location} column
 */
public record ProfilerOptions(boolean recordShapes, boolean profileMemory, boolean withStack) {

    /**
     * PyTorch's defaults: no shapes, no memory, no stacks.
     *
     * @return the options with everything off
     */
    public static ProfilerOptions defaults() {
        return new ProfilerOptions(false, false, false);
    }

    /**
     * These options with {@code record_shapes} set.
     *
     * @param on whether to record operand shapes
     * @return the new options
     */
    public ProfilerOptions withRecordShapes(boolean on) {
        return new ProfilerOptions(on, profileMemory, withStack);
    }

    /**
     * These options with {@code profile_memory} set.
     *
     * @param on whether to record allocated bytes
     * @return the new options
     */
    public ProfilerOptions withProfileMemory(boolean on) {
        return new ProfilerOptions(recordShapes, on, withStack);
    }

    /**
     * These options with {@code with_stack} set.
     *
     * @param on whether to record call sites
     * @return the new options
     */
    public ProfilerOptions withStack(boolean on) {
        return new ProfilerOptions(recordShapes, profileMemory, on);
    }
}
