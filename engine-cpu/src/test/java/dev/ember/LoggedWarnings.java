package dev.ember;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Test support: the messages Ember logs (the {@code dev.ember} loggers, where PyTorch warns) while it is open, as
 * {@code try (LoggedWarnings w = LoggedWarnings.capture()) { ...; w.messages() }}.
 */
public final class LoggedWarnings implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.ember");
    private final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            messages.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LoggedWarnings() {
        logger.addHandler(handler);
    }

    /** Starts capturing. */
    public static LoggedWarnings capture() {
        return new LoggedWarnings();
    }

    /** The messages logged so far that contain {@code text}, in order. */
    public List<String> containing(String text) {
        synchronized (messages) {
            return messages.stream().filter(m -> m != null && m.contains(text)).toList();
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
