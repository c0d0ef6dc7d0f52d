package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Layout;
import jcuda.NativePointerObject;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

import java.lang.reflect.Field;

/**
 * The child process of {@link CublasJavacppStubTest}: selects the vendor GEMM (cuBLAS 13 through JavaCPP, on the stub
 * libraries) for a stream whose handle is 0x5150, then runs {@code gemm} on storages at made-up device addresses, one
 * case per line: {@code case NAME: RESULT}, where RESULT is true, false or the exception's class and message.
 */
public final class CublasJavacppStubMain {
    private CublasJavacppStubMain() {
    }

    private static void setNative(NativePointerObject o, long value) throws ReflectiveOperationException {
        Field f = NativePointerObject.class.getDeclaredField("nativePointer");
        f.setAccessible(true);
        f.setLong(o, value);
    }

    private static CudaStorage storage(DType t, long address) throws ReflectiveOperationException {
        CUdeviceptr p = new CUdeviceptr();
        setNative(p, address);
        return new CudaStorage(t, 1 << 20, p, Device.cuda(0), null); // never freed: the allocator is not needed
    }

    private static Layout l(int[] shape, int[] strides, int offset) {
        return new Layout(shape, strides, offset);
    }

    private static void gemm(VendorGemm v, String name, DType ta, DType tc, int m, int[] aStrides, int aOffset) {
        gemm(v, name, ta, tc, m, aStrides, aOffset, !"highest".equals(Ember.getFloat32MatmulPrecision()));
    }

    private static void gemm(VendorGemm v, String name, DType ta, DType tc, int m, int[] aStrides, int aOffset,
                             boolean tf32) {
        String result;
        try {
            int k = 4;
            int n = 5;
            result = String.valueOf(v.gemm(storage(ta, 0x10000), l(new int[] {2, m, k}, aStrides, aOffset),
                    storage(ta, 0x20000), l(new int[] {2, k, n}, new int[] {k * n, n, 1}, 0),
                    storage(tc, 0x30000), l(new int[] {2, m, n}, new int[] {m * n, n, 1}, 3), tf32));
        } catch (Throwable t) {
            result = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        System.out.println("case " + name + ": " + result);
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        CUstream stream = new CUstream();
        setNative(stream, 0x5150);
        VendorGemm v = VendorGemm.select(stream);
        System.out.println("selected: " + (v == null ? "none" : v.describe()) + " | " + VendorGemm.failure());
        if (v == null) {
            return;
        }
        int[] dense = {12, 4, 1};
        Ember.setFloat32MatmulPrecision("highest");
        gemm(v, "float32 highest", DType.FLOAT32, DType.FLOAT32, 3, dense, 7);
        gemm(v, "float32 A transposed", DType.FLOAT32, DType.FLOAT32, 3, new int[] {12, 1, 3}, 0);
        Ember.setFloat32MatmulPrecision("high");
        gemm(v, "float32 high", DType.FLOAT32, DType.FLOAT32, 3, dense, 7);
        Ember.setFloat32MatmulPrecision("medium");
        gemm(v, "float32 medium", DType.FLOAT32, DType.FLOAT32, 3, dense, 7);
        Ember.setFloat32MatmulPrecision("highest");
        gemm(v, "float64", DType.FLOAT64, DType.FLOAT64, 3, dense, 7);
        gemm(v, "bfloat16", DType.BFLOAT16, DType.BFLOAT16, 3, dense, 7);
        gemm(v, "float16", DType.FLOAT16, DType.FLOAT16, 3, dense, 7);
        gemm(v, "int64", DType.INT64, DType.INT64, 3, dense, 7);
        gemm(v, "mixed types", DType.FLOAT32, DType.FLOAT64, 3, dense, 7);
        gemm(v, "A without a unit stride", DType.FLOAT32, DType.FLOAT32, 3, new int[] {24, 8, 2}, 0);
        gemm(v, "not supported", DType.FLOAT32, DType.FLOAT32, 13, new int[] {52, 4, 1}, 0);
        gemm(v, "execution failed", DType.FLOAT32, DType.FLOAT32, 14, new int[] {56, 4, 1}, 0);
        // a convolution's GEMM: TF32 as its own switch says, whatever the matmul precision
        gemm(v, "convolution GEMM, TF32 allowed, precision highest", DType.FLOAT32, DType.FLOAT32, 3, dense, 7, true);
        Ember.setFloat32MatmulPrecision("high");
        gemm(v, "convolution GEMM, TF32 not allowed, precision high", DType.FLOAT32, DType.FLOAT32, 3, dense, 7, false);
        Ember.setFloat32MatmulPrecision("highest");
    }
}
