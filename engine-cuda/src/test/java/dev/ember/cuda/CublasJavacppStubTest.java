package dev.ember.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JavaCPP cuBLAS 13 binding run for real on a host without CUDA: stand-in libraries ({@code libcublas.so.13} from
 * src/test/cuda/cublas_stub/cublas_stub.c, which logs every call's arguments; empty {@code libcublasLt.so.13},
 * {@code libcudart.so.13} and {@code libcuda.so.1}, each with its real symbol version) are built with gcc and handed to
 * a child JVM through {@code -Dember.cuda.libraryPath} (the dynamic linker finds {@code libcuda.so.1}, which JavaCPP
 * leaves to the system, through {@code LD_LIBRARY_PATH}). The child ({@link CublasJavacppStubMain}) selects the vendor
 * GEMM and runs cases; this checks that the presets load from the property's directory, the handle gets Ember's stream
 * by its handle value, and each GEMM passes the sizes, leading dimensions, batch strides, device addresses (with the
 * layouts' offsets), data and compute types (FP32 under "highest", TF32 under "high"/"medium") that cuBLAS expects,
 * and that unsupported and failed calls come back as false and as an exception. The property's directory comes first
 * in JavaCPP's search, so the stand-ins win over any real CUDA 13 libraries in /usr/local/cuda/lib64 (the check
 * below that the stand-in libcublas logged its calls shows it).
 */
class CublasJavacppStubTest {

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** The child's class path: where the classes it needs come from, under Maven or the GPU bundle's launcher alike. */
    private static String classPath() throws Exception {
        Set<Path> parts = new LinkedHashSet<>();
        for (Class<?> c : new Class<?>[] {CublasJavacppStubMain.class, CublasJavacpp.class, dev.ember.DType.class,
            jcuda.Pointer.class, jcuda.jcublas.JCublas2.class, org.bytedeco.javacpp.Loader.class,
            org.bytedeco.cuda.global.cublas.class}) {
            parts.add(location(c));
        }
        java.net.URL natives = CublasJavacpp.class.getClassLoader()
                .getResource("org/bytedeco/cuda/linux-x86_64/libjnicublas.so");
        Assumptions.assumeTrue(natives != null && natives.getProtocol().equals("jar"),
                "JavaCPP's linux-x86_64 CUDA natives are not on the class path");
        String jar = natives.getPath().substring(0, natives.getPath().indexOf('!'));
        parts.add(Path.of(new java.net.URI(jar)));
        // the JCuda natives, for the JCublas attempt that comes first (it fails here: no libcublas.so.12)
        for (String native_ : new String[] {"lib/libJCublas2-12.6.0-linux-x86_64.so", "lib/libJCudaRuntime-12.6.0-linux-x86_64.so"}) {
            java.net.URL u = CublasJavacpp.class.getClassLoader().getResource(native_);
            if (u != null && u.getProtocol().equals("jar")) {
                parts.add(Path.of(new java.net.URI(u.getPath().substring(0, u.getPath().indexOf('!')))));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Path p : parts) {
            sb.append(sb.length() == 0 ? "" : File.pathSeparator).append(p);
        }
        return sb.toString();
    }

    private static void gcc(String gcc, Path dir, String soname, Path source) throws Exception {
        Path script = dir.resolve(soname + ".map");
        Files.writeString(script, soname + " { global: *; };\n");
        HostToolchain.run(List.of(gcc, "-Wall", "-shared", "-fPIC", "-Wl,-soname," + soname,
                "-Wl,--version-script=" + script, "-o", dir.resolve(soname).toString(), source.toString()));
    }

    @Test
    void theBindingPassesWhatCublasExpects(@TempDir Path tmp) throws Exception {
        Path stub = Path.of("src/test/cuda/cublas_stub/cublas_stub.c");
        Assumptions.assumeTrue(Files.isRegularFile(stub), "not run from the engine-cuda module directory");
        String gcc = HostToolchain.find("gcc");
        Assumptions.assumeTrue(gcc != null, "gcc not found on PATH: cannot build the stand-in libraries");
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64"), "the natives jar here is linux-x86_64's");
        String cp = classPath();

        Path libs = Files.createDirectories(tmp.resolve("libs"));
        Path empty = tmp.resolve("empty.c");
        Files.writeString(empty, "int ember_stub_dummy(void) { return 0; }\n");
        gcc(gcc, libs, "libcublas.so.13", stub.toAbsolutePath());
        gcc(gcc, libs, "libcublasLt.so.13", empty);
        gcc(gcc, libs, "libcudart.so.13", empty);
        Path driver = Files.createDirectories(tmp.resolve("driver"));
        HostToolchain.run(List.of(gcc, "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o",
                driver.resolve("libcuda.so.1").toString(), empty.toString()));

        Path log = tmp.resolve("calls.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dember.cuda.libraryPath=" + libs, "-Dorg.bytedeco.javacpp.cachedir=" + tmp.resolve("cache"),
                "-cp", cp, CublasJavacppStubMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        String ld = System.getenv("LD_LIBRARY_PATH");
        pb.environment().put("LD_LIBRARY_PATH", driver + (ld == null || ld.isEmpty() ? "" : File.pathSeparator + ld));
        pb.environment().put("CUBLAS_STUB_LOG", log.toString());
        pb.environment().remove("LD_BIND_NOW"); // the stand-ins hold none of the functions the binding never calls
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "child timed out");
        assertEquals(0, p.exitValue(), out);

        List<String> lines = out.lines().filter(s -> s.startsWith("selected: ") || s.startsWith("case "))
                .collect(java.util.stream.Collectors.toList());
        assertEquals(List.of(
                "selected: cuBLAS 13 (JavaCPP, libcublas 13.1.2) | ",
                "case float32 highest: true",
                "case float32 A transposed: true",
                "case float32 high: true",
                "case float32 medium: true",
                "case float64: true",
                "case bfloat16: true",
                "case float16: true",
                "case int64: false",
                "case mixed types: false",
                "case A without a unit stride: false",
                "case not supported: false",
                "case execution failed: IllegalStateException: cuBLAS 13: cublasGemmStridedBatchedEx failed: "
                        + "CUBLAS_STATUS_EXECUTION_FAILED (13)"), lines, out);

        // cuBLAS computes C^T = B^T A^T: its A is Ember's B (0x20000, ld 5), its B is Ember's A (at 0x10000 plus the
        // offset 7 elements), C at 0x30000 plus 3 elements; CUDA_R_32F 0, 64F 1, 16F 2, 16BF 14; compute 32F 68,
        // 32F_FAST_TF32 77, 64F 70; CUBLAS_GEMM_DEFAULT -1
        String f32 = "gemm ta=0 tb=0 m=5 n=3 k=4 alpha=1 A=0x20000 at=0 lda=5 sA=20 B=0x1001c bt=0 ldb=4 sB=12 beta=0 "
                + "C=0x3000c ct=0 ldc=5 sC=15 batch=2 compute=%d algo=-1";
        assertEquals(List.of(
                "create",
                "setStream handle=0x4242 stream=0x5150",
                String.format(f32, 68),
                "gemm ta=0 tb=1 m=5 n=3 k=4 alpha=1 A=0x20000 at=0 lda=5 sA=20 B=0x10000 bt=0 ldb=3 sB=12 beta=0 "
                        + "C=0x3000c ct=0 ldc=5 sC=15 batch=2 compute=68 algo=-1",
                String.format(f32, 77),
                String.format(f32, 77),
                "gemm ta=0 tb=0 m=5 n=3 k=4 alpha=1 A=0x20000 at=1 lda=5 sA=20 B=0x10038 bt=1 ldb=4 sB=12 beta=0 "
                        + "C=0x30018 ct=1 ldc=5 sC=15 batch=2 compute=70 algo=-1",
                "gemm ta=0 tb=0 m=5 n=3 k=4 alpha=1 A=0x20000 at=14 lda=5 sA=20 B=0x1000e bt=14 ldb=4 sB=12 beta=0 "
                        + "C=0x30006 ct=14 ldc=5 sC=15 batch=2 compute=68 algo=-1",
                "gemm ta=0 tb=0 m=5 n=3 k=4 alpha=1 A=0x20000 at=2 lda=5 sA=20 B=0x1000e bt=2 ldb=4 sB=12 beta=0 "
                        + "C=0x30006 ct=2 ldc=5 sC=15 batch=2 compute=68 algo=-1",
                "gemm ta=0 tb=0 m=5 n=13 k=4 alpha=1 A=0x20000 at=0 lda=5 sA=20 B=0x10000 bt=0 ldb=4 sB=52 beta=0 "
                        + "C=0x3000c ct=0 ldc=5 sC=65 batch=2 compute=68 algo=-1",
                "gemm ta=0 tb=0 m=5 n=14 k=4 alpha=1 A=0x20000 at=0 lda=5 sA=20 B=0x10000 bt=0 ldb=4 sB=56 beta=0 "
                        + "C=0x3000c ct=0 ldc=5 sC=70 batch=2 compute=68 algo=-1"),
                Files.readAllLines(log), out);
    }
}
