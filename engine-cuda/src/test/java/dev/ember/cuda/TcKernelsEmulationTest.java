package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tc_kernels.cu (the tensor-core GEMMs) run on the host, where g++ is installed: src/test/cuda/tc_emulation compiles
 * the five kernels with index_emulation's shim (a block's threads as threads, {@code __syncthreads} a barrier) and
 * tc_shim.h, which supplies the PTX wrappers ({@code tcMmaBf16}, {@code tcMmaF16}, {@code tcMmaTf32},
 * {@code tcToTf32}) as warp collectives whose lane-to-element maps are written from the PTX ISA's fragment tables
 * (sections 9.7.14.5.7 and 9.7.14.5.8), independently of the kernel. It launches them as CudaTensorCores does on odd
 * sizes, batches, transposed, padded, strided and broadcast operands and column-major outputs, and compares against a
 * float64 reference of the rounded inputs with PyTorch's bfloat16 / float16 / TF32 tolerances and a tight float32
 * accumulation bound; and checks the output roundings (float32 to bfloat16 and float16: the CPU's BFloat16.fromFloat
 * and Half.fromFloat, NaN and overflow included) on two million bit patterns (the conversion kernels between the half
 * types and every type are half_kernels.cu's: HalfKernelsEmulationTest). What only a GPU shows (the real
 * instructions, their timing) CudaTensorCoresTest checks where a GPU exists.
 */
class TcKernelsEmulationTest {

    @Test
    void tensorCoreKernelsAgreeWithAFloat64ReferenceOnTheHost() throws Exception {
        Path dir = Path.of("src/test/cuda/tc_emulation");
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_tc_emulation");
        try {
            // the head of ember_kernels.cu, its struct Mat (the GEMMs' operand descriptor) and its type tags with
            // convertTo (the conversions the half casts reuse)
            Files.writeString(tmp.resolve("prelude.h"), TcAttentionEmulationTest.prelude());
            Path exe = tmp.resolve("tc_kernels_test");
            String built = HostToolchain.run(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-ffp-contract=off",
                    "-I", tmp.toString(), "-I", HostToolchain.CUDA.toString(), "-I", HostToolchain.SHIM.toString(),
                    "-I", dir.toString(), "-o", exe.toString(), dir.resolve("tc_kernels_test.cpp").toString()));
            String out = HostToolchain.run(List.of(exe.toString()));
            assertTrue(out.contains(" 0 failures"), out + built);
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
