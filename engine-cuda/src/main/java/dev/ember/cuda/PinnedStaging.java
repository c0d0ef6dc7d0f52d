package dev.ember.cuda;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Pinned (page-locked) host buffers through which host arrays reach the device asynchronously: the array is
 * copied into a free buffer, {@code cuMemcpyHtoDAsync} is queued on the stream, and an event marks when the
 * buffer may be reused. A copy from ordinary (pageable) Java memory would make the host wait for the GPU to
 * drain its queue. Buffers are reused once their copy has completed; at most {@link #MAX_TOTAL} bytes are
 * pinned, after which an upload waits for the oldest buffer. Uploads over {@link #MAX_UPLOAD} are not staged.
 */
final class PinnedStaging {
    static final long MAX_UPLOAD = 16L << 20;
    private static final long MAX_TOTAL = 64L << 20;
    private static final long MIN_BUFFER = 64L << 10;

    private static final class Buffer {
        final Pointer host;
        final ByteBuffer bytes;
        final long size;
        final CUevent done = new CUevent();
        boolean inFlight;

        Buffer(long size) {
            this.size = size;
            host = new Pointer();
            JCudaDriver.cuMemAllocHost(host, size);
            bytes = host.getByteBuffer(0, size).order(ByteOrder.nativeOrder());
            JCudaDriver.cuEventCreate(done, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }

        boolean idle() {
            if (!inFlight) {
                return true;
            }
            try {
                JCudaDriver.cuEventQuery(done);
                inFlight = false;
                return true;
            } catch (CudaException notReady) {
                return false;
            }
        }
    }

    private final CUstream stream;
    private final List<Buffer> buffers = new ArrayList<>();
    private long total;
    private int next;

    PinnedStaging(CUstream stream) {
        this.stream = stream;
    }

    /** Queues the copy of {@code array} ({@code bytes} long) to {@code dst}; false if it is too large to stage. */
    synchronized boolean upload(Object array, long bytes, CUdeviceptr dst) {
        if (bytes > MAX_UPLOAD) {
            return false;
        }
        Buffer b = take(bytes);
        ByteBuffer bb = b.bytes;
        bb.clear();
        if (array instanceof float[]) {
            bb.asFloatBuffer().put((float[]) array);
        } else if (array instanceof double[]) {
            bb.asDoubleBuffer().put((double[]) array);
        } else if (array instanceof long[]) {
            bb.asLongBuffer().put((long[]) array);
        } else if (array instanceof int[]) {
            bb.asIntBuffer().put((int[]) array);
        } else if (array instanceof short[]) {
            bb.asShortBuffer().put((short[]) array);
        } else if (array instanceof byte[]) {
            bb.put((byte[]) array);
        } else {
            boolean[] v = (boolean[]) array;
            for (int i = 0; i < v.length; i++) {
                bb.put(i, (byte) (v[i] ? 1 : 0));
            }
        }
        JCudaDriver.cuMemcpyHtoDAsync(dst, b.host, bytes, stream);
        JCudaDriver.cuEventRecord(b.done, stream);
        b.inFlight = true;
        return true;
    }

    private Buffer take(long bytes) {
        for (int i = 0; i < buffers.size(); i++) {
            int at = (next + i) % buffers.size();
            Buffer b = buffers.get(at);
            if (b.size >= bytes && b.idle()) {
                next = (at + 1) % buffers.size();
                return b;
            }
        }
        long size = Math.max(MIN_BUFFER, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
        if (total + size <= MAX_TOTAL) {
            Buffer b = new Buffer(size);
            buffers.add(b);
            total += size;
            return b;
        }
        // every buffer is busy or small and the budget is spent: wait for the first large enough one
        for (Buffer b : buffers) {
            if (b.size >= bytes) {
                JCudaDriver.cuEventSynchronize(b.done);
                b.inFlight = false;
                return b;
            }
        }
        // none large enough: the oldest buffer gives its place to a larger one
        Buffer victim = buffers.remove(0);
        JCudaDriver.cuEventSynchronize(victim.done);
        JCudaDriver.cuMemFreeHost(victim.host);
        JCudaDriver.cuEventDestroy(victim.done);
        total -= victim.size;
        Buffer b = new Buffer(size);
        buffers.add(b);
        total += size;
        return b;
    }
}
