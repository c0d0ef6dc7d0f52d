package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gaps_kernels.cu run on the host, where g++ is installed: src/test/cuda/gaps_emulation compiles the kernels with
 * index_emulation's and sort_emulation's shims (a block's threads as threads, {@code __syncthreads} a barrier, atomics
 * under a lock), launches them as CudaGapsKernels does, and checks the block-level scan of long lines (every ScanOp and
 * dtype, strided layouts, lines around a tile's length) and bincount with weights against the CPU backend's algorithms
 * (SortKernels) ported to C++: integer scans and cummax/cummin bit for bit, floating sums and logcumsumexp within a
 * tolerance (bit for bit on integer-valued data). Built twice: with 64 threads of 2 elements (many tiles, cheap to
 * emulate) and with the shipped 1024 threads of LSCAN_ITEMS elements. It runs the kernels' code without a GPU; what
 * only a GPU shows CudaGapsTest checks where a GPU exists.
 */
class GapsKernelsEmulationTest {

    @Test
    void gapsKernelsAgreeWithTheCpuAlgorithmsOnTheHost() throws Exception {
        Path dir = Path.of("src/test/cuda/gaps_emulation");
        Path shim = HostToolchain.SHIM;
        Path sortShim = Path.of("src/test/cuda/sort_emulation");
        Path cuda = HostToolchain.CUDA;
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_gaps_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), HostToolchain.prelude(true));
            String[][] builds = {
                {"small", "-DLSCAN_ITEMS=2", "-DEMU_THREADS=64"},
                {"shipped", "-DPRODUCTION_SIZES"},
            };
            for (String[] b : builds) {
                Path exe = tmp.resolve("gaps_kernels_test_" + b[0]);
                List<String> cmd = new ArrayList<>(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-ffp-contract=off",
                        "-I", tmp.toString(), "-I", cuda.toString(), "-I", shim.toString(), "-I", sortShim.toString(),
                        "-I", dir.toString()));
                cmd.addAll(List.of(b).subList(1, b.length));
                cmd.addAll(List.of("-o", exe.toString(), dir.resolve("gaps_kernels_test.cpp").toString()));
                String built = HostToolchain.run(cmd);
                String out = HostToolchain.run(List.of(exe.toString()));
                assertTrue(out.contains(" 0 failures"), b[0] + " sizes: " + out + built);
            }
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
