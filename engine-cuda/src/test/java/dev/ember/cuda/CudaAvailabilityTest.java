package dev.ember.cuda;

import dev.ember.Ember;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CUDA's absence is reported in one readable line, never as a crash. */
class CudaAvailabilityTest {

    @Test
    void nativeLoadFailuresAreReducedToTheMissingLibrary() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0\"\n"
                + "Stack trace from the attempt to load the library as a file:\njava.lang.UnsatisfiedLinkError: no JCudaDriver\n"
                + "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared "
                + "object file: No such file or directory\n\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)");
        assertEquals("libcuda.so.1: cannot open shared object file: No such file or directory", CudaBackend.nativeCause(e));
    }

    @Test
    void theReasonIsOneLine() {
        String why = Ember.cudaUnavailableReason();
        assertFalse(why.contains("\n"), why);
        if (!why.isEmpty()) {
            assertTrue(why.length() < 300, why);
        }
    }
}
