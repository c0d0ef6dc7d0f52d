package dev.ember.bench;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Backends;

/**
 * Prints what the CUDA backend found: the device, which matmul path runs (cuBLAS 12 through JCublas, cuBLAS 13
 * through JavaCPP, or Ember's own kernel and why) and the precision modes; exits with 2 when CUDA is unusable.
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
        System.out.println(Backends.forDevice(Device.cuda(0)).describe());
    }
}
