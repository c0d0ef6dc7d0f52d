package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

import java.lang.ref.Cleaner;

/**
 * Device memory for one storage. {@link #close()} returns it to the caching allocator at once; a
 * {@link Cleaner} does the same when the storage becomes unreachable without being closed.
 */
final class CudaStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    final DType dtype;
    final long numel;
    final CUdeviceptr ptr;
    final Device device;
    private final Cleaner.Cleanable cleanable;

    CudaStorage(DType dtype, long numel, CUdeviceptr ptr, Device device, CachingAllocator allocator) {
        this.dtype = dtype;
        this.numel = numel;
        this.ptr = ptr;
        this.device = device;
        // the action must not reference this object, or it would never become unreachable
        this.cleanable = CLEANER.register(this, () -> allocator.release(ptr));
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
    public Device device() {
        return device;
    }

    @Override
    public void close() {
        cleanable.clean();
    }
}
