package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * attn_tc_kernels.cu (the tensor-core attention, forward and backward) run on the host, where g++ is installed:
 * src/test/cuda/attn_tc_emulation compiles the four kernels with index_emulation's shim (a block's threads as threads,
 * {@code __syncthreads} a barrier), tc_emulation/tc_shim.h (the {@code mma.sync} wrappers as warp collectives whose
 * lane-to-element maps come from the PTX ISA's fragment tables, independently of the kernels) and its own attn_shim.h
 * ({@code __shfl_xor_sync} on float). It launches them as CudaAttentionTc does on bfloat16 and float16, both head
 * dimension instances, causal, masked (float32, boolean and additive half masks, fully masked rows), grouped-query,
 * odd L and S and non-contiguous cases, against a float64 reference: the forward with PyTorch's SDPA test criterion
 * (the error at most 4 times that of the math path run in the low-precision type) and a tight per-element bound, the
 * backward (dQ, dK, dV from the forward's own output and logsumexp) with a per-element bound from its roundings. Then
 * deliberate bugs (no rescale of the output, no rescale of the row sum, a wrong P fragment, an off-by-one causal
 * diagonal, a row maximum not reduced over the quad; in the backward dS without delta, dK not scaled, a wrong dS
 * fragment, a causal query tile skipped), each a one-line change of a copy of the kernel source, must each fail it.
 */
class TcAttentionEmulationTest {
    private static final Path DIR = Path.of("src/test/cuda/attn_tc_emulation");
    private static final Path TC_SHIM = Path.of("src/test/cuda/tc_emulation");

    /** The one-line bugs: what to replace in attn_tc_kernels.cu, and with what. */
    static final Map<String, String[]> BUGS = new LinkedHashMap<>();

    static {
        BUGS.put("output not rescaled", new String[] {"o[dt][c] *= corr[c >> 1];", "o[dt][c] *= 1.f;"});
        BUGS.put("row sum not rescaled", new String[] {"lr[r] = lr[r] * corr[r] + tcQuadSum(ls[r]);",
            "lr[r] = lr[r] + tcQuadSum(ls[r]);"});
        BUGS.put("wrong P fragment", new String[] {
            "pa[2] = tcAttnPack(K::out(s[2 * kc + 1][0]), K::out(s[2 * kc + 1][1]));",
            "pa[2] = tcAttnPack(K::out(s[2 * kc][0]), K::out(s[2 * kc][1]));"});
        BUGS.put("causal diagonal off by one", new String[] {"(g.causal && j > row)", "(g.causal && j >= row)"});
        BUGS.put("row maximum not reduced over the quad", new String[] {"mn[r] = tcQuadMax(mn[r]);", ""});
        BUGS.put("backward: dS without delta", new String[] {"dp[nt][c] = p * (dp[nt][c] - deltaS[r]);",
            "dp[nt][c] = p * dp[nt][c];"});
        BUGS.put("backward: dK not scaled", new String[] {"K::out(dk[dt][2 * r + c] * scale)",
            "K::out(dk[dt][2 * r + c])"});
        BUGS.put("backward: wrong dS fragment for dQ", new String[] {
            "a[1] = *reinterpret_cast<const unsigned*>(&dSs[rg * 16 + gid + 8][kc * 16 + 2 * tig]);",
            "a[1] = *reinterpret_cast<const unsigned*>(&dSs[rg * 16 + gid][kc * 16 + 2 * tig]);"});
        BUGS.put("backward: causal query tiles skipped one too many", new String[] {"(j0 / BR) * BR",
            "(j0 / BR + 1) * BR"});
    }

    /** The head of ember_kernels.cu, its struct Mat and its type tags with convertTo (what tc_kernels.cu needs). */
    static String prelude() throws Exception {
        StringBuilder prelude = new StringBuilder(HostToolchain.prelude(false));
        List<String> tags = new ArrayList<>();
        boolean inTags = false;
        for (String line : Files.readAllLines(HostToolchain.CUDA.resolve("ember_kernels.cu"))) {
            if (line.startsWith("struct Mat ")) {
                prelude.append(line).append('\n');
            }
            inTags |= line.startsWith("struct TagB ");
            if (inTags && line.startsWith("__device__ void convertK")) {
                tags.remove(tags.size() - 1);
                inTags = false;
            } else if (inTags) {
                tags.add(line);
            }
        }
        prelude.append(String.join("\n", tags)).append('\n');
        assertTrue(prelude.indexOf("struct Mat ") >= 0, "struct Mat not found in ember_kernels.cu");
        assertTrue(prelude.indexOf("convertTo(") >= 0, "convertTo not found in ember_kernels.cu");
        return prelude.toString();
    }

    /** Compiles the test with the kernel source found first in {@code kernelDir} (null: the real one). */
    private static Path build(String gxx, Path tmp, Path kernelDir, String name) throws Exception {
        Path exe = tmp.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-ffp-contract=off"));
        if (kernelDir != null) {
            cmd.addAll(List.of("-I", kernelDir.toString()));
        }
        cmd.addAll(List.of("-I", tmp.toString(), "-I", HostToolchain.CUDA.toString(), "-I", HostToolchain.SHIM.toString(),
                "-I", TC_SHIM.toString(), "-I", DIR.toString(), "-o", exe.toString(),
                DIR.resolve("attn_tc_test.cpp").toString()));
        HostToolchain.run(cmd);
        return exe;
    }

    @Test
    void tensorCoreAttentionAgreesWithAFloat64ReferenceAndCatchesBugs() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_tcattn_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), prelude());
            String out = HostToolchain.run(List.of(build(gxx, tmp, null, "attn_tc_test").toString()));
            assertTrue(out.contains(" 0 failures"), out);
            assertTrue(out.contains("180 checks"), out); // every case ran, forward and backward
            String source = Files.readString(HostToolchain.CUDA.resolve("attn_tc_kernels.cu"));
            int i = 0;
            for (Map.Entry<String, String[]> bug : BUGS.entrySet()) {
                String[] change = bug.getValue();
                assertEquals(source.indexOf(change[0]), source.lastIndexOf(change[0]), bug.getKey() + ": not one place");
                assertTrue(source.contains(change[0]), bug.getKey() + ": the line is gone from the kernel");
                Path dir = Files.createDirectories(tmp.resolve("bug" + i++));
                Files.writeString(dir.resolve("attn_tc_kernels.cu"), source.replace(change[0], change[1]));
                String bad = HostToolchain.run(List.of(build(gxx, tmp, dir, "bug").toString(), "quick"));
                assertTrue(bad.contains(" failures"), bad);
                assertFalse(bad.contains(" 0 failures"), bug.getKey() + " was not caught:\n" + bad);
            }
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
