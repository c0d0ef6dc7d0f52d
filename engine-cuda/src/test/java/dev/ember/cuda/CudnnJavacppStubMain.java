package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import jcuda.NativePointerObject;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

import java.lang.reflect.Field;

/**
 * The cuDNN child process of {@link CublasJavacppStubTest}: selects cuDNN (through JavaCPP, on the stub libraries) for
 * a stream whose handle is 0x5150, with workspaces at 0x90000, then runs convolutions on storages at made-up device
 * addresses, one case per line: {@code case NAME: RESULT}.
 */
public final class CudnnJavacppStubMain {
    private CudnnJavacppStubMain() {
    }

    private static CudaStorage storage(DType t, long address) throws ReflectiveOperationException {
        CUdeviceptr p = new CUdeviceptr();
        Field f = NativePointerObject.class.getDeclaredField("nativePointer");
        f.setAccessible(true);
        f.setLong(p, address);
        return new CudaStorage(t, 1 << 20, p, Device.cuda(0), null); // never freed: the allocator is not needed
    }

    private static Layout dense(int offset, int... shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        return new Layout(shape, strides, offset);
    }

    interface Case {
        boolean run() throws Exception;
    }

    private static void run(String name, Case c) {
        String result;
        try {
            result = String.valueOf(c.run());
        } catch (Throwable t) {
            result = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        System.out.println("case " + name + ": " + result);
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        CUstream stream = new CUstream();
        Field f = NativePointerObject.class.getDeclaredField("nativePointer");
        f.setAccessible(true);
        f.setLong(stream, 0x5150);
        // workspaces come from a caching allocator over a made-up device whose one segment starts at 0x90000
        CachingAllocator allocator = new CachingAllocator(() -> { }, 1L << 40, new CachingAllocator.DeviceMemory() {
            @Override
            public CUdeviceptr alloc(long bytes) {
                CUdeviceptr p = new CUdeviceptr();
                try {
                    f.setLong(p, 0x90000);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                return p;
            }

            @Override
            public void free(CUdeviceptr p) {
            }
        }, () -> { });
        VendorConv v = VendorConv.select(stream, bytes -> {
            System.out.println("workspace " + bytes);
            return new CudaStorage(DType.UINT8, bytes, allocator.allocate(bytes), Device.cuda(0), allocator);
        });
        System.out.println("selected: " + (v == null ? "none" : v.describe()) + " | " + VendorConv.failure());
        if (v == null) {
            return;
        }
        Runnable held = () -> System.out.println("workspace bytes held: " + allocator.inUse());
        // stride (2, 1), padding (1, 0), dilation (1, 2), 2 groups: x [2,4,9,11] -> y [2,6,5,7], w [6,2,3,3]
        Conv2dParams p = new Conv2dParams(2, 1, 1, 0, 1, 2, 2);
        Layout xl = dense(5, 2, 4, 9, 11);
        Layout wl = dense(0, 6, 2, 3, 3);
        Layout yl = dense(3, 2, 6, 5, 7);
        Ember.setAllowTf32Convolution(true);
        run("forward float32 with bias, TF32 allowed", () -> v.forward(storage(DType.FLOAT32, 0x10000), xl,
                storage(DType.FLOAT32, 0x20000), wl, storage(DType.FLOAT32, 0x40000), storage(DType.FLOAT32, 0x30000),
                yl, p));
        Ember.setAllowTf32Convolution(false);
        run("forward float32, no TF32", () -> v.forward(storage(DType.FLOAT32, 0x10000), xl,
                storage(DType.FLOAT32, 0x20000), wl, null, storage(DType.FLOAT32, 0x30000), yl, p));
        Ember.useDeterministicAlgorithms(true);
        run("forward float32, deterministic", () -> v.forward(storage(DType.FLOAT32, 0x10000), xl,
                storage(DType.FLOAT32, 0x20000), wl, null, storage(DType.FLOAT32, 0x30000), yl, p));
        Ember.useDeterministicAlgorithms(false);
        run("input gradient float32", () -> v.backwardInput(storage(DType.FLOAT32, 0x30000), yl,
                storage(DType.FLOAT32, 0x20000), wl, storage(DType.FLOAT32, 0x10000), xl, p));
        run("weight gradient float32", () -> v.backwardWeight(storage(DType.FLOAT32, 0x30000), yl,
                storage(DType.FLOAT32, 0x10000), xl, storage(DType.FLOAT32, 0x20000), wl, p));
        run("forward float64", () -> v.forward(storage(DType.FLOAT64, 0x10000), xl, storage(DType.FLOAT64, 0x20000), wl,
                null, storage(DType.FLOAT64, 0x30000), yl, p));
        run("forward bfloat16", () -> v.forward(storage(DType.BFLOAT16, 0x10000), xl, storage(DType.BFLOAT16, 0x20000),
                wl, null, storage(DType.BFLOAT16, 0x30000), yl, p));
        run("forward int64", () -> v.forward(storage(DType.INT64, 0x10000), xl, storage(DType.INT64, 0x20000), wl,
                null, storage(DType.INT64, 0x30000), yl, p));
        Layout strided = new Layout(new int[] {2, 4, 9, 11}, new int[] {396, 1, 44, 4}, 0);
        held.run();
        run("forward, input not contiguous", () -> v.forward(storage(DType.FLOAT32, 0x10000), strided,
                storage(DType.FLOAT32, 0x20000), wl, null, storage(DType.FLOAT32, 0x30000), yl, p));
    }
}
