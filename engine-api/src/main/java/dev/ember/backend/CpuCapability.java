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
 * avx_mathfun's log, sine and cosine there and the C library's on DEFAULT; float32/float64 arange (passes of two
 * vectors, fused where the build has FMA) and linspace (2.x's scalar formula, fused where the build has FMA) and the 2-D CPU grid_sample's unnormalization (fused there); the
 * float32 and bfloat16 2-norm over trailing dims of a contiguous tensor, whose vector kernel sums the squares in 8
 * lanes (16 on AVX512), fused where the build has FMA (engine-api's {@code NormTwoKernel}).
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

    /**
     * The elements per pass of the vector loop for float16/bfloat16 ({@code 2 * Vectorized<Half>::size()}): 64 on
     * AVX512, 32 otherwise.
     */
    public static int halfVectorPass() {
        return vectorBytes(VALUE); // two vectors of 2-byte elements
    }

    /**
     * The bytes of one {@code Vectorized} vector in PyTorch's build of {@code capability}: 64 on {@code "AVX512"}, 32
     * on {@code "AVX2"} and {@code "DEFAULT"} (whose {@code Vectorized} is 32 bytes as well).
     *
     * @param capability {@code "AVX512"}, {@code "AVX2"} or {@code "DEFAULT"}
     * @return 64 or 32
     */
    public static int vectorBytes(String capability) {
        return capability.equals("AVX512") ? 64 : 32;
    }

    /**
     * Whether PyTorch's build of {@code capability} fuses a product and a sum into one rounding (GCC contracts
     * {@code a * b + c} into a fused multiply-add where the build targets FMA): every capability but {@code "DEFAULT"}.
     *
     * @param capability {@code "AVX512"}, {@code "AVX2"} or {@code "DEFAULT"}
     * @return true but for {@code "DEFAULT"}
     */
    public static boolean fusesMultiplyAdd(String capability) {
        return !capability.equals("DEFAULT");
    }

    /**
     * {@code a * b + c} in float32 as PyTorch's CPU build computes the expression where its C++ writes it: rounded once
     * ({@link Math#fma(float, float, float)}) where the build fuses a product and a sum ({@code fused}, which is
     * {@link #fusesMultiplyAdd} of the capability: the x86 builds with FMA, where GCC contracts the expression), and
     * twice, the product and then the sum, where it does not ({@code "DEFAULT"}). A site written {@code c + a * b}
     * follows the same rule: the sum is commutative, and the Java language does not say which of two NaN operands it
     * returns (JLS 15.18.2: the result is NaN).
     *
     * @param fused whether to round once ({@link #fusesMultiplyAdd} of the capability)
     * @param a the first factor
     * @param b the second factor
     * @param c the addend
     * @return {@code a * b + c}, rounded once where {@code fused}, twice otherwise
     */
    public static float mulAdd(boolean fused, float a, float b, float c) {
        return fused ? Math.fma(a, b, c) : a * b + c;
    }

    /**
     * {@code a * b + c} in float64 as PyTorch's CPU build computes the expression: rounded once where {@code fused},
     * twice otherwise; see {@link #mulAdd(boolean, float, float, float)}.
     *
     * @param fused whether to round once ({@link #fusesMultiplyAdd} of the capability)
     * @param a the first factor
     * @param b the second factor
     * @param c the addend
     * @return {@code a * b + c}, rounded once where {@code fused}, twice otherwise
     */
    public static double mulAdd(boolean fused, double a, double b, double c) {
        return fused ? Math.fma(a, b, c) : a * b + c;
    }

    /**
     * The elements per pass of the vector loop for float32 ({@code 2 * Vectorized<float>::size()}): 32 on AVX512, 16
     * otherwise. PyTorch's {@code vectorized_loop} takes whole passes with the kernel's vector expression and the rest
     * of a contiguous run with its scalar one, so where the two round differently the last elements of a run follow
     * the scalar expression.
     */
    public static int floatVectorPass() {
        return 2 * vectorBytes(VALUE) / Float.BYTES; // two vectors of 4-byte elements
    }
}
