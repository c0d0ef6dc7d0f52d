package dev.ember;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Test support: an error case of a PyTorch-generated file, and the inputs it must leave as they were. */
final class TorchErrors {
    private TorchErrors() {
    }

    /**
     * Runs {@code call}, which must throw the exception standing for PyTorch's in case {@code key} with PyTorch's message,
     * leaving every {@code untouched} tensor's values and version as they were.
     */
    static void failsLike(PyTorchCases torch, String key, Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toDoubleArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(torch.errorType(key), call, key);
        assertEquals(torch.error(key), e.getMessage(), key);
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toDoubleArray(), key + ": input " + i + " changed");
            assertEquals(versions[i], untouched[i].version(), key + ": version of input " + i);
        }
    }
}
