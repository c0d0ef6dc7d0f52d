package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * index_kernels.cu run on the host, where g++ is installed: src/test/cuda/index_emulation compiles the kernels with a
 * shim that emulates the CUDA features they use (a block's threads as threads, {@code __syncthreads} and the warp
 * shuffles and ballots through barriers, atomics under a lock) and checks every kernel against the CPU backend's
 * algorithm. It runs the kernels' code without a GPU; what only a GPU shows (its memory model, launch limits, the
 * arguments CudaIndexKernels passes) CudaIndexingTest checks where a GPU exists.
 */
class IndexKernelsEmulationTest {

    @Test
    void indexKernelsAgreeWithTheCpuAlgorithmsOnTheHost() throws Exception {
        Path dir = Path.of("src/test/cuda/index_emulation");
        Path cuda = Path.of("src/main/cuda");
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_index_emulation");
        try {
            // the head of ember_kernels.cu (Geo, locate, GRID_STRIDE) and its type tags, which index_kernels.cu uses
            StringBuilder prelude = new StringBuilder();
            boolean head = true;
            for (String line : Files.readAllLines(cuda.resolve("ember_kernels.cu"))) {
                if (head) {
                    if (!line.startsWith("#include")) {
                        prelude.append(line).append('\n');
                    }
                    head = !line.startsWith("#define GRID_STRIDE");
                } else if (line.startsWith("struct Tag")) {
                    prelude.append(line).append('\n');
                }
            }
            Files.writeString(tmp.resolve("prelude.h"), prelude);
            Path exe = tmp.resolve("index_kernels_test");
            String built = run(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-I", tmp.toString(), "-I",
                    cuda.toString(), "-I", dir.toString(), "-o", exe.toString(),
                    dir.resolve("index_kernels_test.cpp").toString()), 0);
            String out = run(List.of(exe.toString()), 0);
            assertTrue(out.contains(" 0 failures"), out + built);
        } finally {
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs a command; its exit status must be {@code expected}; returns its output. */
    private static String run(List<String> command, int expected) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), command.get(0) + " timed out");
        assertEquals(expected, p.exitValue(), String.join(" ", command) + " failed:\n" + log);
        return log;
    }

    private static String find(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(d, tool).canExecute()) {
                return new File(d, tool).getPath();
            }
        }
        return null;
    }
}
