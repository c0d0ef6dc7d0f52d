package dev.ember.bench;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Backends;
import dev.ember.cuda.CudaBackend;
import dev.ember.profiler.ProfilingBackend;

/**
 * Prints what the CUDA backend found: the device, which matmul path runs (cuBLAS 12 through JCublas, cuBLAS 13
 * through JavaCPP, or Ember's own kernel and why), which convolution path (Ember's kernels by default; then again with
 * the opt-in cuDNN 9 asked for) and the precision modes; exits with 2 when CUDA is unusable.
 * benchmarks/gpu/check.sh runs it first, so a GPU session's log says which path its figures came from.
 */
public final class CudaDescribe {
    private CudaDescribe() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        if (!Ember.cudaAvailable()) {
            System.out.println("cuda: unavailable (" + Ember.cudaUnavailableReason() + ")");
            System.exit(2);
        }
        CudaBackend cuda = (CudaBackend) ProfilingBackend.unwrap(Backends.forDevice(Device.cuda(0)));
        System.out.println(cuda.describe());
        // cuDNN is opt-in: load it here too, so that a library that cannot load says so (or kills this JVM, which
        // check.sh notices) before the tests run
        cuda.setUseCudnn(true);
        System.out.println("with cuDNN asked for: " + cuda.describe());
    }
}
