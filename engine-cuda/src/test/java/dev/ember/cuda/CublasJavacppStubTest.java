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
 * The JavaCPP bindings (cuBLAS 13, cuDNN 9) run for real on a host without CUDA: stand-in libraries
 * ({@code libcublas.so.13} from src/test/cuda/cublas_stub/cublas_stub.c and cuDNN's {@code libcudnn_graph/ops/cnn.so.9}
 * from cudnn_stub.c, which log every call's arguments; empty {@code libcublasLt.so.13}, {@code libcudart.so.13},
 * {@code libcudnn.so.9}, {@code libcudnn_adv.so.9} and {@code libcuda.so.1}, each with its real symbol version) are
 * built with gcc and handed to a child JVM through {@code -Dember.cuda.libraryPath} (the dynamic linker finds
 * {@code libcuda.so.1}, which JavaCPP leaves to the system, through {@code LD_LIBRARY_PATH}). The children
 * ({@link CublasJavacppStubMain}, {@link CudnnJavacppStubMain}) select the vendor library and run cases; this checks
 * that the presets load from the property's directory, the handles get Ember's stream by its handle value, and each
 * call passes what the library expects: for cuBLAS the sizes, leading dimensions, batch strides, device addresses (with
 * the layouts' offsets), data and compute types (FP32 under "highest", TF32 under "high"/"medium"); for cuDNN the
 * NCHW descriptors, padding/stride/dilation/groups, compute and math types (TF32 only where allowed), the algorithm
 * (skipping unsupported, too-large-workspace and, under deterministic mode, non-deterministic ones), the workspace from
 * Ember's allocator (returned after), the bias added, every descriptor destroyed; and that unsupported cases come back
 * false and failed calls as an exception. The property's directory comes first in JavaCPP's search, so the stand-ins
 * win over any real CUDA libraries in /usr/local/cuda/lib64 (the logged calls show it).
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
        HostToolchain.run(List.of(gcc, "-Wall", "-Wno-unused-parameter", "-shared", "-fPIC", "-Wl,-soname," + soname,
                "-Wl,--version-script=" + script, "-o", dir.resolve(soname).toString(), source.toString()));
    }

    /** The stand-in libraries, built into tmp/libs (and libcuda.so.1 into tmp/driver); false when they cannot be. */
    private static boolean buildStubs(Path tmp) throws Exception {
        Path dir = Path.of("src/test/cuda/cublas_stub");
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gcc = HostToolchain.find("gcc");
        Assumptions.assumeTrue(gcc != null, "gcc not found on PATH: cannot build the stand-in libraries");
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64"), "the natives jar here is linux-x86_64's");
        Path libs = Files.createDirectories(tmp.resolve("libs"));
        Path empty = tmp.resolve("empty.c");
        Files.writeString(empty, "int ember_stub_dummy(void) { return 0; }\n");
        gcc(gcc, libs, "libcublas.so.13", dir.resolve("cublas_stub.c").toAbsolutePath());
        for (String lib : new String[] {"libcublasLt.so.13", "libcudart.so.13", "libcudnn.so.9", "libcudnn_adv.so.9"}) {
            gcc(gcc, libs, lib, empty);
        }
        for (String part : new String[] {"graph", "ops", "cnn"}) {
            Path src = dir.resolve("cudnn_stub.c").toAbsolutePath();
            String soname = "libcudnn_" + part + ".so.9";
            Path script = libs.resolve(soname + ".map");
            Files.writeString(script, soname + " { global: *; };\n");
            HostToolchain.run(List.of(gcc, "-Wall", "-Wno-unused-parameter", "-shared", "-fPIC",
                    "-DSTUB_" + part.toUpperCase(java.util.Locale.ROOT), "-Wl,-soname," + soname,
                    "-Wl,--version-script=" + script, "-o", libs.resolve(soname).toString(), src.toString()));
        }
        Path driver = Files.createDirectories(tmp.resolve("driver"));
        HostToolchain.run(List.of(gcc, "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o",
                driver.resolve("libcuda.so.1").toString(), empty.toString()));
        return true;
    }

    /** Runs a main class of these tests in a child JVM on the stand-ins; returns its output, calls logged to log. */
    private static String child(Path tmp, Class<?> main, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dember.cuda.libraryPath=" + tmp.resolve("libs"), "-Dorg.bytedeco.javacpp.cachedir=" + tmp.resolve("cache"),
                "-cp", classPath(), main.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        String ld = System.getenv("LD_LIBRARY_PATH");
        pb.environment().put("LD_LIBRARY_PATH", tmp.resolve("driver")
                + (ld == null || ld.isEmpty() ? "" : File.pathSeparator + ld));
        pb.environment().put("CUBLAS_STUB_LOG", log.toString());
        pb.environment().remove("LD_BIND_NOW"); // the stand-ins hold none of the functions the bindings never call
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "child timed out");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void theBindingPassesWhatCublasExpects(@TempDir Path tmp) throws Exception {
        buildStubs(tmp);
        Path log = tmp.resolve("calls.log");
        String out = child(tmp, CublasJavacppStubMain.class, log);

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
                        + "CUBLAS_STATUS_EXECUTION_FAILED (13)",
                "case convolution GEMM, TF32 allowed, precision highest: true",
                "case convolution GEMM, TF32 not allowed, precision high: true"), lines, out);

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
                        + "C=0x3000c ct=0 ldc=5 sC=70 batch=2 compute=68 algo=-1",
                String.format(f32, 77),
                String.format(f32, 68)),
                Files.readAllLines(log), out);
    }

    @Test
    void theCudnnBindingPassesWhatCudnnExpects(@TempDir Path tmp) throws Exception {
        buildStubs(tmp);
        Path log = tmp.resolve("cudnn.log");
        String out = child(tmp, CudnnJavacppStubMain.class, log);
        List<String> lines = out.lines().filter(s -> s.startsWith("selected: ") || s.startsWith("case ")
                || s.startsWith("workspace")).collect(java.util.stream.Collectors.toList());
        assertEquals(List.of(
                "selected: cuDNN 9.19.0 (JavaCPP) | ",
                "workspace 4096",
                "case forward float32 with bias, TF32 allowed: true",
                "workspace 4096",
                "case forward float32, no TF32: true",
                "case forward float32, deterministic: true",
                "workspace 4096",
                "case input gradient float32: true",
                "workspace 4096",
                "case weight gradient float32: true",
                "workspace 4096",
                "case forward float64: true",
                "workspace 4096",
                "case forward bfloat16: true",
                "case forward int64: false",
                "workspace bytes held: 0",
                "case forward, input not contiguous: false"), lines, out);

        // x [2,4,9,11] at 0x10000 + 5 elements, w [6,2,3,3] at 0x20000, y [2,6,5,7] at 0x30000 + 3 elements, bias at
        // 0x40000; NCHW 0, CUDNN_DATA_FLOAT 0, DOUBLE 1, BFLOAT16 9; CROSS_CORRELATION 1; math DEFAULT 0 (TF32 allowed),
        // TENSOR_OP 1 (half types), FMA 3 (TF32 off); algorithms: 6 unsupported, 5 needs 2 GiB, 2 (4096 bytes) is not
        // deterministic, 1 (none) is
        List<String> expected = List.of(
                "cudnnCreate",
                "cudnnSetStream handle=0x6060 stream=0x5150",
                // forward, float32, bias, TF32 allowed
                "createTensor 0x100", "createTensor 0x101", "createFilter 0x102", "createConv 0x200",
                "setTensor 0x100 format=0 type=0 2x4x9x11",
                "setTensor 0x101 format=0 type=0 2x6x5x7",
                "setFilter 0x102 type=0 format=0 6x2x3x3",
                "setConv 0x200 pad=1,0 stride=2,1 dilation=1,2 mode=1 type=0",
                "groups 0x200 2",
                "math 0x200 0",
                "fwdAlgos requested=16",
                "forward alpha=1 x=0x100@0x10014 w=0x102@0x20000 conv=0x200 algo=2 ws=0x90000/4096 beta=0 y=0x101@0x3000c",
                "createTensor 0x103",
                "setTensor 0x103 format=0 type=0 1x6x1x1",
                "addTensor alpha=1 bias=0x103@0x40000 beta=1 y=0x101@0x3000c",
                "destroyTensor 0x103",
                "destroyConv 0x200", "destroyFilter 0x102", "destroyTensor 0x101", "destroyTensor 0x100",
                // no TF32: FMA math
                "math 0x201 3",
                "forward alpha=1 x=0x104@0x10014 w=0x106@0x20000 conv=0x201 algo=2 ws=0x90000/4096 beta=0 y=0x105@0x3000c",
                "destroyTensor 0x104",
                // deterministic: algorithm 1, no workspace
                "forward alpha=1 x=0x107@0x10014 w=0x109@0x20000 conv=0x202 algo=1 ws=0/0 beta=0 y=0x108@0x3000c",
                // gradients: the input's descriptor is x, the output gradient's y
                "bwdDataAlgos requested=16",
                "backwardData w=0x10c@0x20000 dy=0x10b@0x3000c conv=0x203 algo=2 ws=0x90000/4096 dx=0x10a@0x10014",
                "bwdFilterAlgos requested=16",
                "backwardFilter x=0x10d@0x10014 dy=0x10e@0x3000c conv=0x204 algo=2 ws=0x90000/4096 dw=0x10f@0x20000",
                // float64: double descriptors and compute, 8-byte offsets
                "setTensor 0x110 format=0 type=1 2x4x9x11",
                "setConv 0x205 pad=1,0 stride=2,1 dilation=1,2 mode=1 type=1",
                "math 0x205 0",
                // bfloat16: float compute, tensor-op math, 2-byte offsets
                "setTensor 0x113 format=0 type=9 2x4x9x11",
                "setFilter 0x115 type=9 format=0 6x2x3x3",
                "setConv 0x206 pad=1,0 stride=2,1 dilation=1,2 mode=1 type=0",
                "math 0x206 1",
                "destroyTensor 0x113");
        List<String> calls = Files.readAllLines(log);
        int at = 0;
        for (String e : expected) {
            int found = calls.subList(at, calls.size()).indexOf(e);
            assertTrue(found >= 0, "missing, or out of order after line " + at + ": " + e + "\nlog:\n"
                    + String.join("\n", calls));
            at += found + 1;
        }
        assertTrue(calls.stream().anyMatch(c -> c.contains("x=0x110@0x10028") && c.contains("y=0x111@0x30018")),
                "float64 forward addresses: " + calls);
        assertTrue(calls.stream().anyMatch(c -> c.contains("x=0x113@0x1000a") && c.contains("y=0x114@0x30006")),
                "bfloat16 forward addresses: " + calls);
        assertEquals(calls.stream().filter(c -> c.startsWith("create")).count(),
                calls.stream().filter(c -> c.startsWith("destroy")).count(), "every descriptor destroyed: " + calls);
    }
}
