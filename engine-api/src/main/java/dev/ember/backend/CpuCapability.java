package dev.ember.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The CPU capability PyTorch 2.x's kernels would dispatch to on this machine, as {@code
 * torch.backends.cpu.get_cpu_capability()}: {@code "AVX512"} where the CPU has AVX-512 VL, BW and DQ and FMA (2.x's
 * {@code compute_cpu_capability} rule), else {@code "AVX2"} where it has AVX2 and FMA, else {@code "DEFAULT"}. The
 * system property {@code ember.cpu.capability} (or the environment variable {@code ATEN_CPU_CAPABILITY}, as in
 * PyTorch) set to {@code avx512}, {@code avx2} or {@code default} overrides it. The flags are read from Linux's
 * {@code /proc/cpuinfo}; elsewhere the capability is {@code "AVX2"}, the build most machines run.
 *
 * <p>Only results that PyTorch's own kernels make depend on it follow it: the float16/bfloat16 add with alpha, whose
 * vector path (one rounding) covers whole passes of {@code 2 * Vectorized<Half>::size()} elements, 32 on AVX2 and
 * DEFAULT builds and 64 on AVX512 (engine-cpu's {@code HalfLoops.axpyRow}); the draws of PyTorch's CPU generator, whose
 * products and sums are fused where the build has FMA (every capability but DEFAULT) and whose float32 normal fill takes
 * avx_mathfun's log, sine and cosine there and the C library's on DEFAULT.
 *
 * <p>Internal: public only because engine-cpu's kernels and engine-api's generator both read it.
 */
public final class CpuCapability {
    /** The capability: {@code "AVX512"}, {@code "AVX2"} or {@code "DEFAULT"}. */
    private static final String VALUE = compute();

    private CpuCapability() {
    }

    private static String compute() {
        String forced = System.getProperty("ember.cpu.capability");
        if (forced == null) {
            forced = System.getenv("ATEN_CPU_CAPABILITY");
        }
        if (forced != null) {
            switch (forced.trim().toLowerCase(Locale.ROOT)) {
                case "avx512": return "AVX512";
                case "avx2": return "AVX2";
                case "default": return "DEFAULT";
                default: break; // PyTorch warns and ignores an invalid value
            }
        }
        Set<String> flags = flags();
        if (flags == null) {
            return "AVX2";
        }
        if (flags.containsAll(Set.of("avx512vl", "avx512bw", "avx512dq", "fma"))) {
            return "AVX512";
        }
        if (flags.containsAll(Set.of("avx2", "fma"))) {
            return "AVX2";
        }
        return "DEFAULT";
    }

    /** The first processor's flags in /proc/cpuinfo, or null where there is none. */
    private static Set<String> flags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    int colon = line.indexOf(':');
                    return colon < 0 ? Set.of() : Set.of(line.substring(colon + 1).trim().split("\\s+"));
                }
            }
            return null;
        } catch (IOException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The capability: {@code "AVX512"}, {@code "AVX2"} or {@code "DEFAULT"}. */
    public static String value() {
        return VALUE;
    }

    /** The elements per pass of the vector loop for float16/bfloat16: 64 on AVX512, 32 otherwise. */
    public static int halfVectorPass() {
        return VALUE.equals("AVX512") ? 64 : 32;
    }

    /**
     * The elements per pass of the vector loop for float32 ({@code 2 * Vectorized<float>::size()}): 32 on AVX512, 16
     * otherwise. PyTorch's {@code vectorized_loop} takes whole passes with the kernel's vector expression and the rest
     * of a contiguous run with its scalar one, so where the two round differently the last elements of a run follow
     * the scalar expression.
     */
    public static int floatVectorPass() {
        return VALUE.equals("AVX512") ? 32 : 16;
    }
}
