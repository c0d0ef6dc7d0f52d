package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sort_kernels.cu run on the host, where g++ is installed: src/test/cuda/sort_emulation compiles the kernels with
 * index_emulation's shim (a block's threads as threads, {@code __syncthreads}, warp ballots through barriers, atomics
 * under a lock) and a small shim of its own, launches them as CudaSortKernels does, and checks every kernel, dtype,
 * direction and layout against the CPU backend's algorithms (SortKernels) ported to C++. It is built twice: with small
 * shared-memory and radix-tile sizes (many tiles, many lines and every path, cheap to emulate) and with the shipped sizes
 * (lines at the shared-memory limit and just past it). It runs the kernels' code without a GPU; what only a GPU shows
 * (its memory model, launch limits) CudaSortKernelsTest checks where a GPU exists.
 */
class SortKernelsEmulationTest {

    @Test
    void sortKernelsAgreeWithTheCpuAlgorithmsOnTheHost() throws Exception {
        Path dir = Path.of("src/test/cuda/sort_emulation");
        Path shim = Path.of("src/test/cuda/index_emulation");
        Path cuda = Path.of("src/main/cuda");
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_sort_emulation");
        try {
            // the head of ember_kernels.cu (Geo, locate, GRID_STRIDE) and its type tags, which the kernels use
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
            String[][] builds = {
                {"small", "-DSORT_CAP=64", "-DRADIX_TILE=256", "-DSCAN_ITEMS=1"},
                {"shipped", "-DPRODUCTION_SIZES"},
            };
            for (String[] b : builds) {
                Path exe = tmp.resolve("sort_kernels_test_" + b[0]);
                List<String> cmd = new ArrayList<>(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-ffp-contract=off",
                        "-I", tmp.toString(), "-I", cuda.toString(), "-I", shim.toString(), "-I", dir.toString()));
                cmd.addAll(List.of(b).subList(1, b.length));
                cmd.addAll(List.of("-o", exe.toString(), dir.resolve("sort_kernels_test.cpp").toString()));
                String built = run(cmd, 0);
                String out = run(List.of(exe.toString()), 0);
                assertTrue(out.contains(" 0 failures"), b[0] + " sizes: " + out + built);
            }
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
