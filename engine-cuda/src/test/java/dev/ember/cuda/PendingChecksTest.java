package dev.ember.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Without a GPU: the bookkeeping of deferred device-side checks ({@link PendingChecks}, which {@link CudaBackend} reads
 * at each synchronization). Each check launched before a synchronization has an error word of its own, so the error
 * raised is the FIRST failing check's in launch order, with its own message and value (with the one shared word there
 * was before, the last check launched named the message, whatever check had failed). The words are given here as the
 * device's check kernels leave them: (flag, value) per check, the flag set by the first offender's atomicCAS.
 */
class PendingChecksTest {

    @Test
    void theFirstFailingCheckInLaunchOrderIsReportedWithItsOwnValue() {
        PendingChecks p = new PendingChecks();
        assertEquals(0, p.reserve("index %d is out of bounds for dimension 0 with size 5"));
        assertEquals(1, p.reserve("index %d is out of bounds for dimension 1 with size 3"));
        assertEquals(2, p.reserve("index %d is out of bounds for dimension 0 with size 9"));
        assertEquals(3, p.used());
        // checks 1 and 2 failed, check 0 passed: check 1 is reported, with its value
        String failure = p.firstFailure(new long[] {0, 0, 1, 7, 1, -12});
        assertEquals("index 7 is out of bounds for dimension 1 with size 3", failure);
        // forgotten: the next checks start again at word 0
        assertEquals(0, p.used());
        assertEquals(0, p.reserve("index %d is out of bounds for dimension 0 with size 2"));
    }

    @Test
    void aPassingLaterCheckDoesNotHideOrRenameAnEarlierFailure() {
        PendingChecks p = new PendingChecks();
        p.reserve("index %d is out of bounds for dimension 0 with size 4");
        p.reserve("index %d is out of bounds for dimension 0 with size 100");
        assertEquals("index -5 is out of bounds for dimension 0 with size 4", p.firstFailure(new long[] {1, -5, 0, 0}));
    }

    @Test
    void noFailureReportsNothingAndForgets() {
        PendingChecks p = new PendingChecks();
        p.reserve("index %d a");
        p.reserve("index %d b");
        assertNull(p.firstFailure(new long[] {0, 0, 0, 0}));
        assertEquals(0, p.used());
        assertNull(p.firstFailure(new long[0]));
    }

    @Test
    void aWordHandedOutBeforeItsLaunchIsNamedAfterIt() {
        // CudaIndexKernels' order: errorWord() (an argument of the launch), the launch, then deferCheck(message)
        PendingChecks p = new PendingChecks();
        p.reserve("index %d first");
        int slot = p.reserve(null);
        p.name(slot, "index %d is out of bounds for dimension 0 with size 8");
        assertEquals("index 8 is out of bounds for dimension 0 with size 8", p.firstFailure(new long[] {0, 0, 1, 8}));
        assertThrows(IllegalStateException.class, () -> p.name(0, "index %d no longer handed out"));
        // a word never named still reports its value
        int unnamed = p.reserve(null);
        assertEquals("a device-side check failed on the value 3", p.firstFailure(new long[] {1, 3}));
        assertEquals(0, unnamed);
    }

    @Test
    void whenEveryWordIsInUseTheCallerMustSynchronizeFirst() {
        PendingChecks p = new PendingChecks();
        for (int k = 0; k < PendingChecks.SLOTS; k++) {
            assertEquals(k, p.reserve("index %d of check " + k));
        }
        assertEquals(-1, p.reserve("one too many"));
        long[] words = new long[2 * PendingChecks.SLOTS];
        words[2 * (PendingChecks.SLOTS - 1)] = 1;
        words[2 * (PendingChecks.SLOTS - 1) + 1] = 42;
        assertEquals("index 42 of check " + (PendingChecks.SLOTS - 1), p.firstFailure(words));
        assertEquals(0, p.reserve("after the synchronization"));
        assertThrows(IllegalArgumentException.class, () -> p.firstFailure(new long[1]));
    }
}
