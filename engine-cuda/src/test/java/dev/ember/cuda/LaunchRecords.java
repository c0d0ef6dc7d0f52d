package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * What the launch tests without a GPU (CudaIndexLaunchesTest, CudaSortLaunchesTest) share: a storage that only has a
 * type and a size, and a launch written as its kernel name and its arguments' kinds, to compare with the kernels'
 * parameters.
 */
final class LaunchRecords {
    private LaunchRecords() {
    }

    /** A storage that only has a type and a size, and whether it was closed. */
    static final class FakeStorage implements Storage {
        final DType dtype;
        final long numel;
        boolean closed;

        FakeStorage(DType dtype, long numel) {
            this.dtype = dtype;
            this.numel = numel;
        }

        @Override
        public DType dtype() {
            return dtype;
        }

        @Override
        public long numel() {
            return numel;
        }

        @Override
        public dev.ember.Device device() {
            return dev.ember.Device.cuda(0);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** {@code kernel(kind, kind, ...)}: ptr, Geo, int[n], int, i64, double, or {@code ?value} for anything else. */
    static String launch(String kernel, Object... args) {
        StringBuilder sb = new StringBuilder(kernel).append('(');
        for (int i = 0; i < args.length; i++) {
            sb.append(i > 0 ? ", " : "").append(kind(args[i]));
        }
        return sb.append(')').toString();
    }

    private static String kind(Object a) {
        if (a instanceof CUdeviceptr) {
            return "ptr";
        } else if (a instanceof Geo) {
            return "Geo";
        } else if (a instanceof int[]) {
            return "int[" + ((int[]) a).length + "]";
        } else if (a instanceof Integer) {
            return "int";
        } else if (a instanceof Long) {
            return "i64";
        } else if (a instanceof Double) {
            return "double";
        }
        return "?" + a;
    }
}
