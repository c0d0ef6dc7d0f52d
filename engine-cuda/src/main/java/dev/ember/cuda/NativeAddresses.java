package dev.ember.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUstream;

/**
 * The native values behind JCuda's handles, for bindings other than JCuda's (JavaCPP's cuBLAS 13): a device pointer's
 * address (plus its byte offset) and a stream's {@code CUstream} handle. JCuda keeps them in protected accessors; these
 * subclasses read them through JCuda's own protected copy constructors, without reflection.
 */
final class NativeAddresses {
    private NativeAddresses() {
    }

    /** The device address a JCuda pointer (e.g. a {@code CUdeviceptr}, with any byte offset) stands for. */
    static long of(Pointer p) {
        return new PointerValue(p).value();
    }

    /** The driver's {@code CUstream} handle (0 for the legacy default stream). */
    static long of(CUstream s) {
        return new HandleValue(s).value();
    }

    private static final class PointerValue extends Pointer {
        PointerValue(Pointer p) {
            super(p);
        }

        long value() {
            return getNativePointer() + getByteOffset();
        }
    }

    private static final class HandleValue extends NativePointerObject {
        HandleValue(NativePointerObject o) {
            super(o);
        }

        long value() {
            return getNativePointer();
        }
    }
}
