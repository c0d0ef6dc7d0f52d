package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache sizes the kernels block by: Linux's size strings, and sizes read (or fallen back to) within reason. */
class CacheSizesTest {
    @Test
    void parsesLinuxSizeStrings() {
        assertEquals(48 * 1024, CacheSizes.parseSize("48K"));
        assertEquals(2 * 1024 * 1024, CacheSizes.parseSize("2048K"));
        assertEquals(1024 * 1024, CacheSizes.parseSize("1M"));
        assertEquals(4096, CacheSizes.parseSize("4096"));
        assertEquals(-1, CacheSizes.parseSize(""));
        assertEquals(-1, CacheSizes.parseSize("K"));
        assertEquals(-1, CacheSizes.parseSize("12Q"));
        assertEquals(-1, CacheSizes.parseSize("0K"));
        assertEquals(-1, CacheSizes.parseSize("99999999M"));
    }

    @Test
    void sizesAreWithinReason() {
        assertTrue(CacheSizes.l1Data() >= 4 * 1024 && CacheSizes.l1Data() <= 4 * 1024 * 1024, "L1d " + CacheSizes.l1Data());
        assertTrue(CacheSizes.l2() >= CacheSizes.l1Data(), "L2 " + CacheSizes.l2());
    }
}
