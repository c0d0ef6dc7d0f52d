package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped fatbinary is what the sources compile to: where nvcc is installed, rebuild with the
 * shipped flags and compare the bytes. Fails when someone edits the .cu file without running build.sh.
 */
class KernelBinaryTest {

    @Test
    void shippedFatbinaryMatchesTheSources() throws Exception {
        Path src = Path.of("src/main/cuda");
        Assumptions.assumeTrue(Files.isDirectory(src), "not run from the engine-cuda module directory");
        String nvcc = findNvcc();
        Assumptions.assumeTrue(nvcc != null, "nvcc not found on PATH or in /usr/local/bin: cannot rebuild the kernels here");
        Path out = Files.createTempFile("ember_kernels", ".fatbin");
        try {
            Process p = new ProcessBuilder("bash", src.resolve("build.sh").toString(), out.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "nvcc timed out");
            assertEquals(0, p.exitValue(), "build.sh failed:\n" + log);
            byte[] rebuilt = Files.readAllBytes(out);
            byte[] shipped = CudaBackend.fatbinary();
            assertArrayEquals(rebuilt, shipped, "src/main/resources/dev/ember/cuda/ember_kernels.fatbin.gz is stale: run "
                    + "engine-cuda/src/main/cuda/build.sh and commit the result");
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String findNvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, "nvcc").canExecute()) {
                return new File(dir, "nvcc").getPath();
            }
        }
        return new File("/usr/local/bin/nvcc").canExecute() ? "/usr/local/bin/nvcc" : null;
    }
}
