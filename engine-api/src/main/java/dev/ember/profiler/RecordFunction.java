package dev.ember.profiler;

/**
 * A user range, as PyTorch's {@code torch.profiler.record_function}: everything run on this thread until it closes is
 * recorded inside a range of its name. {@code try (RecordFunction r = Profiler.recordFunction("forward")) { ... }}.
 * With no profiler open on the thread it records nothing. Close it on the thread that opened it; closing it twice does
 * nothing, and closing it closes any range opened inside it and still open.
 */
public final class RecordFunction implements AutoCloseable {
    static final RecordFunction NONE = new RecordFunction(null, null, null);

    private final Profiler profiler;
    private final Profiler.Range range;
    private final Profiler.Range inner;

    RecordFunction(Profiler profiler, Profiler.Range range, Profiler.Range inner) {
        this.profiler = profiler;
        this.range = range;
        this.inner = inner;
    }

    /** Ends the range (a no-op when nothing was recorded or it has ended). */
    @Override
    public void close() {
        if (profiler != null) {
            if (inner != null) {
                profiler.exitRange(inner);
            }
            profiler.exitRange(range);
        }
    }
}
