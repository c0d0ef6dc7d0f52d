package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        Path cuda = HostToolchain.CUDA;
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_index_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), HostToolchain.prelude(true));
            Path exe = tmp.resolve("index_kernels_test");
            String built = HostToolchain.run(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-I", tmp.toString(), "-I",
                    cuda.toString(), "-I", dir.toString(), "-o", exe.toString(),
                    dir.resolve("index_kernels_test.cpp").toString()));
            String out = HostToolchain.run(List.of(exe.toString()));
            assertTrue(out.contains(" 0 failures"), out + built);
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
