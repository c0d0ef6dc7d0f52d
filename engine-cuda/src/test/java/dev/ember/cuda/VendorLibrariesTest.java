package dev.ember.cuda;

import dev.ember.Ember;
import dev.ember.backend.Layout;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The vendor-library path without a GPU: where the CUDA 13 libraries are looked for, the one-line reason when they do
 * not load (and that loading never throws), the switch that turns vendor libraries off, the JCuda handle addresses
 * passed to JavaCPP, and the row-major to column-major operand mapping both cuBLAS bindings share.
 */
class VendorLibrariesTest {

    private static Path dir(Path root, String rel) throws IOException {
        return Files.createDirectories(root.resolve(rel));
    }

    @Test
    void directoriesComeInSearchOrderEachOnceAndOnlyWhenTheyExist(@TempDir Path root) throws IOException {
        Path mine = dir(root, "mine/lib");
        Path ld = dir(root, "ld/lib");
        Path cuda = dir(root, "usr/local/cuda/lib64");
        Path cuda130 = dir(root, "usr/local/cuda-13.0/lib64");
        Path cuda130Targets = dir(root, "usr/local/cuda-13.0/targets/x86_64-linux/lib");
        Path system = dir(root, "usr/lib/python3.12/dist-packages/nvidia/cu13/lib");
        Path local = dir(root, "usr/local/lib/python3.10/site-packages/nvidia/cublas/lib");
        Path venvBin = dir(root, "opt/torch/.venv/bin");
        Files.createFile(venvBin.resolve("python3"));
        Path venvCu13 = dir(root, "opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib");
        Path venvRuntime = dir(root, "opt/torch/.venv/lib/python3.12/site-packages/nvidia/cuda_runtime/lib");
        dir(root, "opt/torch/.venv/lib/python3.12/site-packages/nvidia/nolib"); // a wheel without lib/: skipped
        Path conda = dir(root, "conda/lib/python3.11/site-packages/nvidia/cudnn/lib");
        Path user = dir(root, "home/u/.local/lib/python3.12/site-packages/nvidia/cu13/lib");
        dir(root, "usr/bin"); // on the PATH but without python3: no prefix from it

        Map<String, String> env = new HashMap<>();
        env.put("LD_LIBRARY_PATH", ld + ":" + root.resolve("missing") + "::" + mine);
        env.put("PATH", root.resolve("usr/bin") + ":" + venvBin);
        env.put("CONDA_PREFIX", root.resolve("conda").toString());
        env.put("HOME", root.resolve("home/u").toString());
        List<Path> dirs = CudaLibraries.directories(mine + ":" + root.resolve("absent"), env, root);

        assertEquals(List.of(mine, ld, cuda130, cuda130Targets, cuda, system, local, conda, venvRuntime, venvCu13, user),
                dirs);
        assertEquals(List.of(mine), CudaLibraries.propertyDirectories(mine + ":" + root.resolve("absent") + ":" + mine));
    }

    @Test
    void nothingFoundIsAnEmptyListNotAFailure(@TempDir Path root) {
        assertEquals(List.of(), CudaLibraries.directories("", Map.of(), root));
        assertEquals(List.of(), CudaLibraries.directories(null, Map.of("PATH", ":", "LD_LIBRARY_PATH", ""), root));
    }

    @Test
    void theReasonIsTheSharedObjectThatDidNotOpenOnOneLine(@TempDir Path root) throws IOException {
        // what JavaCPP throws when the dynamic linker misses a dependency of its JNI library (seen on this machine)
        UnsatisfiedLinkError deep = new UnsatisfiedLinkError("/root/.javacpp/cache/cuda-13.1-9.19-1.5.13-linux-x86_64.jar/"
                + "org/bytedeco/cuda/linux-x86_64/libjnicublas.so: libcublas.so.13: cannot open shared object file: "
                + "No such file or directory");
        UnsatisfiedLinkError top = new UnsatisfiedLinkError("no jnicublas in java.library.path: /usr/java/packages/lib:/lib");
        top.initCause(deep);
        Throwable init = new ExceptionInInitializerError(top);
        Path lib = dir(root, "lib");
        String why = CudaLibraries.reason(init, List.of(lib));
        assertEquals("libcublas.so.13: cannot open shared object file: No such file or directory (no libcublas.so.13 in "
                + "the 1 directories searched: -Dember.cuda.libraryPath, LD_LIBRARY_PATH, /usr/local/cuda*, python's "
                + "nvidia/*/lib)", why);

        Files.createFile(lib.resolve("libcublas.so.13"));
        UnsatisfiedLinkError symbol = new UnsatisfiedLinkError("/x/libjnicublas.so: /y/libcublasLt.so.13: undefined "
                + "symbol: cublasLtFoo,\nversion libcublasLt.so.13");
        assertEquals("UnsatisfiedLinkError: /x/libjnicublas.so: /y/libcublasLt.so.13: undefined symbol: cublasLtFoo, "
                + "(libcublas.so.13 is in " + lib + ")", CudaLibraries.reason(symbol, List.of(lib)));
    }

    @Test
    void aMissingJavacppJarIsSaidPlainly() {
        NoClassDefFoundError e = new NoClassDefFoundError("org/bytedeco/javacpp/Loader");
        assertEquals("JavaCPP's CUDA presets are not on the class path (org/bytedeco/javacpp/Loader is missing)",
                CudaLibraries.reason(e, null));
        // an earlier failed initialization is not a missing jar
        NoClassDefFoundError again = new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart");
        assertEquals("NoClassDefFoundError: Could not initialize class org.bytedeco.cuda.global.cudart",
                CudaLibraries.reason(again, null));
    }

    @Test
    void loadingCublas13NeverThrowsAndGivesOneReasonLine() {
        String first = CublasJavacpp.load();
        String second = CublasJavacpp.load();
        assertSame(first, second, "loaded once per process");
        assertFalse(first.contains("\n") || first.contains("\r"), first);
        if (!first.isEmpty()) {
            assertTrue(first.startsWith(CudaLibraries.JAVACPP_PREFIX), first);
            assertTrue(first.length() < 400, first);
        }
        List<Path> dirs = CudaLibraries.directories();
        List<Path> everywhere = new java.util.ArrayList<>(dirs);
        for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib"}) {
            everywhere.add(Path.of(d));
        }
        if (CudaLibraries.find(everywhere, CudaLibraries.CUBLAS) == null) {
            assertFalse(first.isEmpty(), "no libcublas.so.13 anywhere, yet cuBLAS 13 loaded");
            assertTrue(first.contains("cannot open shared object file") || first.contains("JavaCPP"), first);
        }
        System.out.println("cuBLAS 13 (JavaCPP) here: " + (first.isEmpty() ? "loaded" : first));
    }

    @Test
    void withoutAnyCudaLibraryNoVendorGemmIsSelectedAndBothReasonsAreGiven() {
        // on a GPU machine a selection outside the backend would create a handle on a context of its own: skip there
        assumeFalse(Ember.cudaAvailable(), "CUDA is usable here: the backend selects its vendor GEMM itself");
        assertNull(VendorGemm.select(new CUstream()));
        String why = VendorGemm.failure();
        assertTrue(why.startsWith("cuBLAS 12 (JCublas) unavailable: "), why);
        assertTrue(why.contains("; " + CudaLibraries.JAVACPP_PREFIX), why);
        assertFalse(why.contains("\n"), why);
    }

    @Test
    void vendorLibrariesCanBeTurnedOff() {
        String old = System.getProperty(VendorGemm.VENDOR_PROPERTY);
        System.setProperty(VendorGemm.VENDOR_PROPERTY, "false");
        try {
            assertNull(VendorGemm.select(new CUstream()));
            assertEquals("vendor libraries off (-Dember.cuda.vendor=false)", VendorGemm.failure());
        } finally {
            if (old == null) {
                System.clearProperty(VendorGemm.VENDOR_PROPERTY);
            } else {
                System.setProperty(VendorGemm.VENDOR_PROPERTY, old);
            }
        }
    }

    private static void setNative(Object handle, long value) throws ReflectiveOperationException {
        Field f = jcuda.NativePointerObject.class.getDeclaredField("nativePointer");
        f.setAccessible(true);
        f.setLong(handle, value);
    }

    @Test
    void jcudaHandlesPassTheirNativeValues() throws ReflectiveOperationException {
        CUstream stream = new CUstream();
        assertEquals(0L, NativeAddresses.of(stream));
        setNative(stream, 0x7f00_1234_5000L);
        assertEquals(0x7f00_1234_5000L, NativeAddresses.of(stream));
        CUdeviceptr ptr = new CUdeviceptr();
        setNative(ptr, 0x7a00_0000_0000L);
        assertEquals(0x7a00_0000_0000L, NativeAddresses.of(ptr));
        Pointer shifted = ptr.withByteOffset(4L * 37);
        assertEquals(0x7a00_0000_0000L + 148, NativeAddresses.of(shifted));
        assertEquals(0x7a00_0000_0000L + 148 + 8, NativeAddresses.of(shifted.withByteOffset(8)));
    }

    private static Layout layout(int[] shape, int[] strides, int offset) {
        return new Layout(shape, strides, offset);
    }

    @Test
    void rowMajorProductsMapOntoColumnMajorBlas() {
        // C[2,3,5] = A[2,3,4] B[2,4,5], all dense row-major: cuBLAS computes C^T = B^T A^T with no transposes
        GemmPlan p = GemmPlan.of(layout(new int[] {2, 3, 4}, new int[] {12, 4, 1}, 0),
                layout(new int[] {2, 4, 5}, new int[] {20, 5, 1}, 0), layout(new int[] {2, 3, 5}, new int[] {15, 5, 1}, 0));
        assertEquals(List.of(2, 3, 5, 4), List.of(p.batch, p.m, p.n, p.k));
        assertEquals(List.of(GemmPlan.OP_N, 5, GemmPlan.OP_N, 4), List.of(p.opB, p.ldB, p.opA, p.ldA));
        assertEquals(List.of(12L, 20L, 15L), List.of(p.strideA, p.strideB, p.strideC));

        // A = X^T of a dense X[4,3] (strides 1, 3), B = Y^T of a dense Y[5,4] inside a wider row (ld 9), B broadcast
        p = GemmPlan.of(layout(new int[] {1, 3, 4}, new int[] {12, 1, 3}, 0),
                layout(new int[] {1, 4, 5}, new int[] {0, 1, 9}, 2), layout(new int[] {1, 3, 5}, new int[] {15, 5, 1}, 0));
        assertEquals(List.of(GemmPlan.OP_T, 9, GemmPlan.OP_T, 3), List.of(p.opB, p.ldB, p.opA, p.ldA));
        assertEquals(0L, p.strideB);

        // a row vector times a matrix: A[1,1,4] with any row stride reads as a dense row
        p = GemmPlan.of(layout(new int[] {1, 1, 4}, new int[] {4, 100, 1}, 0),
                layout(new int[] {1, 4, 5}, new int[] {20, 5, 1}, 0), layout(new int[] {1, 1, 5}, new int[] {5, 5, 1}, 0));
        assertEquals(List.of(GemmPlan.OP_N, 4), List.of(p.opA, p.ldA));
    }

    @Test
    void layoutsWithoutAUnitInnerStrideOrADenseOutputAreLeftToEmbersKernel() {
        Layout a = layout(new int[] {1, 3, 4}, new int[] {12, 4, 1}, 0);
        Layout b = layout(new int[] {1, 4, 5}, new int[] {20, 5, 1}, 0);
        Layout c = layout(new int[] {1, 3, 5}, new int[] {15, 5, 1}, 0);
        assertNull(GemmPlan.of(layout(new int[] {1, 3, 4}, new int[] {24, 8, 2}, 0), b, c), "A with no unit stride");
        assertNull(GemmPlan.of(a, layout(new int[] {1, 4, 5}, new int[] {40, 10, 2}, 0), c), "B with no unit stride");
        assertNull(GemmPlan.of(a, b, layout(new int[] {1, 3, 5}, new int[] {15, 1, 3}, 0)), "C transposed");
        assertNull(GemmPlan.of(a, b, layout(new int[] {1, 3, 5}, new int[] {18, 6, 1}, 0)), "C with padded rows");
        assertNull(GemmPlan.of(layout(new int[] {2, 3, 4}, new int[] {12, 4, 1}, 0),
                layout(new int[] {2, 4, 5}, new int[] {20, 5, 1}, 0),
                layout(new int[] {2, 3, 5}, new int[] {16, 5, 1}, 0)), "C batches not packed");
        assertNull(GemmPlan.of(layout(new int[] {1, 3, 4}, new int[] {12, 2, 1}, 0), b, c), "A's rows overlap");
    }
}
