package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        Path shim = HostToolchain.SHIM;
        Path cuda = HostToolchain.CUDA;
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_sort_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), HostToolchain.prelude(true));
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
                String built = HostToolchain.run(cmd);
                String out = HostToolchain.run(List.of(exe.toString()));
                assertTrue(out.contains(" 0 failures"), b[0] + " sizes: " + out + built);
            }
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
