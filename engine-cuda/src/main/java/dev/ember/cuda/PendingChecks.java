package dev.ember.cuda;

/**
 * The bookkeeping of device-side checks launched since the last synchronization (index range checks, whose kernels
 * write a flag and the offending value into an error word and go on; the host raises at its next synchronization). Each
 * check gets an error word of its own, slot {@code k} of {@link #SLOTS}, in launch order, so that the synchronization
 * reports the FIRST failing check in launch order with its own message and value, as PyTorch reports the first device
 * assert (with one shared word, a later check would have named an earlier check's value). Pure bookkeeping, no device:
 * {@link CudaBackend} owns the words' device memory ({@link #SLOTS} x {@link #WORD_BYTES} bytes, zero-filled), reads
 * back the {@link #used()} words at a synchronization and zeroes them again when one failed.
 */
final class PendingChecks {
    /** Error words on the device: checks in flight at once before a launch has to synchronize first. */
    static final int SLOTS = 256;
    /** Bytes of one error word: two int64s, the flag (0: passed) and the offending value. */
    static final int WORD_BYTES = 16;

    private final String[] messages = new String[SLOTS];
    private int used;

    /**
     * Hands out the error word of the next check, in launch order ({@code message} has one {@code %d}, the value; null
     * until {@link #name} gives it), or returns -1 when every word is in use (the caller synchronizes, which reports
     * and clears them, and asks again).
     */
    synchronized int reserve(String message) {
        if (used == SLOTS) {
            return -1;
        }
        messages[used] = message;
        return used++;
    }

    /** Names the check that writes into {@code slot} (handed out by {@link #reserve} before its launch). */
    synchronized void name(int slot, String message) {
        if (slot < 0 || slot >= used) {
            throw new IllegalStateException("error word " + slot + " was not handed out (" + used + " are)");
        }
        messages[slot] = message;
    }

    /** How many error words are in use: the ones a synchronization reads back. */
    synchronized int used() {
        return used;
    }

    /**
     * At a synchronization: given the words read back ({@code 2 * used()} int64s, flag and value per check, in launch
     * order), the message of the first check whose flag is set, formatted with its value, or null when every check
     * passed. Forgets every check either way (the caller zeroes the words on the device when one failed).
     */
    synchronized String firstFailure(long[] words) {
        if (words.length < 2 * used) {
            throw new IllegalArgumentException("read back " + words.length + " int64s for " + used + " error words");
        }
        String failure = null;
        for (int k = 0; k < used && failure == null; k++) {
            if (words[2 * k] != 0) {
                String m = messages[k];
                failure = m != null ? String.format(m, words[2 * k + 1])
                        : "a device-side check failed on the value " + words[2 * k + 1];
            }
        }
        java.util.Arrays.fill(messages, 0, used, null);
        used = 0;
        return failure;
    }
}
