package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The array pool never makes a program fail that runs without it, and a tensor larger than the heap is an exception the
 * program can catch, not the JVM's {@link OutOfMemoryError}: {@link HeapPressureMain} runs in a JVM limited to 256 MiB.
 */
class HeapPressureTest {

    @Test
    void aLoopOfNeverRepeatingSizesRunsInASmallHeap() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                HeapPressureMain.class.getName(), "200")).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "the child JVM did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        // checksum: sum over steps of 2 * (1e6 + 1024 i); then ones(1000).sum()
        long expected = 0;
        for (int i = 0; i < 200; i++) {
            expected += 2L * (1_000_000 + 1024 * i);
        }
        assertTrue(out.contains("ok " + expected + " 1000 pool "), out);
        long pooled = Long.parseLong(out.substring(out.indexOf(" pool ") + 6).trim());
        assertTrue(pooled <= (256L << 20) / 8, "the pool kept " + pooled + " bytes, more than an eighth of the heap");
    }
}
