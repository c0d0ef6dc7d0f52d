package dev.ember.ao.quantization;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Python's default warning filter for the quantization package's {@code warnings.warn} calls: a warning of a given text
 * is shown the first time only (Python shows it once per place in the code, and each of these texts is issued from one
 * place), so a model with many observers logs PyTorch's {@code reduce_range} notice once, as PyTorch prints it.
 */
final class PyWarnings {
    private static final System.Logger LOG = System.getLogger("dev.ember.ao.quantization");
    private static final Set<String> SHOWN = ConcurrentHashMap.newKeySet();

    private PyWarnings() {
    }

    /** Logs {@code message} as a warning unless it was logged before. */
    static void warn(String message) {
        if (SHOWN.add(message)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }
}
