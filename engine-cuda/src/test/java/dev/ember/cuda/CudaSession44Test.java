package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.DeepCopy;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 44's additions on CUDA (written without a GPU, so never run yet): {@link DeepCopy} of a module and a tensor
 * on the GPU keeps them there, over new device storage, equal to the original and independent of it.
 */
class CudaSession44Test {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void deepCopyOfAGpuModuleStaysOnTheGpu() {
        Module m = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2)).to(GPU);
        Module c = DeepCopy.of(m);
        Map<String, Tensor> a = m.stateDict();
        Map<String, Tensor> b = c.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertEquals(GPU, b.get(k).device(), k);
            assertNotSame(a.get(k).storage(), b.get(k).storage(), k);
            assertTrue(a.get(k).cpu().equal(b.get(k).cpu()), k);
        }
        Tensor x = Tensor.randn(new Generator(3), DType.FLOAT32, 5, 4).to(GPU);
        assertTrue(m.apply(x).cpu().equal(c.apply(x).cpu()));
        try (GradMode off = Ember.noGrad()) {
            c.getParameter("0.weight").add_(1);
        }
        assertTrue(!m.getParameter("0.weight").cpu().equal(c.getParameter("0.weight").cpu()));
        // a plain tensor and its view keep sharing one new device storage
        Tensor base = Tensor.arange(6.0).to(GPU);
        Tensor[] both = DeepCopy.of(new Tensor[] {base, base.narrow(0, 2, 3)});
        both[0].fill_(7);
        assertEquals(GPU, both[1].device());
        assertTrue(both[1].cpu().equal(Tensor.full(new int[] {3}, 7.0)));
        assertTrue(base.cpu().equal(Tensor.arange(6.0)));
    }
}
