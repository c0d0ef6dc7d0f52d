package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;

/** Times the pieces of a conv2d backward pass on CUDA (for profiling): runs the 56x56 layer 20 times. */
public final class ConvProfile {
    private ConvProfile() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        Device gpu = Device.cuda(0);
        Backend backend = Backends.forDevice(gpu);
        Generator g = new Generator(1);
        Tensor cx = Tensor.randn(g, DType.FLOAT32, 32, 64, 56, 56).to(gpu).requiresGrad_(true);
        Tensor cw = Tensor.randn(g, DType.FLOAT32, 64, 64, 3, 3).mul(0.05).to(gpu).requiresGrad_(true);
        Tensor cb = Tensor.zeros(64).to(gpu).requiresGrad_(true);
        for (int i = 0; i < 20; i++) {
            Tensor out = Tensor.conv2d(cx, cw, cb, new int[] {1}, new int[] {1}, new int[] {1}, 1);
            out.sum().backward();
        }
        backend.synchronize(0);
        System.out.println("done");
    }
}
