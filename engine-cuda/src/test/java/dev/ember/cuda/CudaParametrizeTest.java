package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.utils.Parametrizations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.ember.cuda.CudaParityTest.p;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The parametrizations on CUDA against the CPU reference: {@code torch._weight_norm} (the fused node for dim 0 and the
 * last dim, the composition otherwise, its double backward), and Linear/Conv2d layers under weight_norm, spectral_norm
 * (power iteration in training mode) and orthogonal, forward and the gradients of their originals.
 */
@ExtendWith(CudaGate.class)
class CudaParametrizeTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }


    @TestFactory
    List<DynamicTest> weightNormOp() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("weight_norm dim 0", a -> Tensor.weightNorm(a[0], a[1], 0), r(5, 3, 4), r(5, 1, 1)));
        t.add(p("weight_norm last dim", a -> Tensor.weightNorm(a[0], a[1], 2), r(5, 3, 4), r(1, 1, 4)));
        t.add(p("weight_norm middle dim", a -> Tensor.weightNorm(a[0], a[1], 1), r(5, 3, 4), r(1, 3, 1)));
        t.add(p("weight_norm whole", a -> Tensor.weightNorm(a[0], a[1], -1), r(5, 3), r()));
        t.add(p("weight_norm non-contiguous", a -> Tensor.weightNorm(a[0].t(), a[1], 0), r(6, 4), r(4, 1)));
        t.add(p("weight_norm double backward", a -> {
            Tensor w = Tensor.weightNorm(a[0], a[1], 0);
            return dev.ember.Autograd.grad(List.of(w.mul(w).sum()), List.of(a[0]), null, true).get(0);
        }, r(4, 3), r(4, 1)));
        return t;
    }

    /** The same parametrized layer on both devices: the CPU one's state loaded into the GPU one after registering. */
    private static void layerParity(String name, Supplier<Module> make, Consumer<Module> register, Tensor x, int steps) {
        Module cpu = make.get();
        Module gpu = make.get();
        register.accept(cpu);
        register.accept(gpu);
        Map<String, Tensor> state = new LinkedHashMap<>();
        cpu.stateDict().forEach((k, v) -> state.put(k, v.clone()));
        gpu.loadStateDict(state);
        gpu.to(GPU);
        for (int s = 0; s < steps; s++) {
            cpu.zeroGrad();
            gpu.zeroGrad();
            Tensor a = cpu.apply(x);
            Tensor b = gpu.apply(x.to(GPU));
            assertEquals(GPU, b.device());
            CudaParityTest.assertClose(name + " forward " + s, a, b.cpu());
            a.mul(a).sum().backward();
            b.mul(b).sum().backward();
            Map<String, Tensor> pa = cpu.namedParameters();
            Map<String, Tensor> pb = gpu.namedParameters();
            for (String k : pa.keySet()) {
                CudaParityTest.assertClose(name + " grad " + k + " " + s, pa.get(k).grad(), pb.get(k).grad().cpu());
            }
        }
        Map<String, Tensor> sb = gpu.stateDict();
        cpu.stateDict().forEach((k, v) -> CudaParityTest.assertClose(name + " state " + k, v, sb.get(k).cpu()));
    }

    @Test
    void weightNormLayers() {
        layerParity("linear weight_norm", () -> new Linear(6, 5), Parametrizations::weightNorm, r(3, 6), 1);
        layerParity("conv2d weight_norm dim 1", () -> new Conv2d(3, 4, 3), m -> Parametrizations.weightNorm(m, "weight", 1),
                r(2, 3, 6, 5), 1);
    }

    @Test
    void spectralNormLayers() {
        // training mode: the power iteration runs on each device from the same u and v
        layerParity("linear spectral_norm", () -> new Linear(6, 5), Parametrizations::spectralNorm, r(3, 6), 3);
        layerParity("conv2d spectral_norm", () -> new Conv2d(3, 4, 3), Parametrizations::spectralNorm, r(2, 3, 6, 5), 2);
    }

    @Test
    void orthogonalLayers() {
        layerParity("linear orthogonal matrix_exp", () -> new Linear(4, 4), Parametrizations::orthogonal, r(3, 4), 1);
        layerParity("linear orthogonal cayley", () -> new Linear(4, 4), m -> Parametrizations.orthogonal(m, "weight", "cayley"),
                r(3, 4), 1);
        layerParity("linear orthogonal householder", () -> new Linear(3, 6), Parametrizations::orthogonal, r(2, 3), 1);
        // without the trivialization: the original is geqrf's output (registered on the CPU, loaded into the GPU one)
        layerParity("linear orthogonal householder without trivialization", () -> new Linear(5, 3),
                m -> Parametrizations.orthogonal(m, "weight", "householder", false), r(2, 5), 2);
    }

    @Test
    void orthogonalHouseholderAssignmentOnTheDevice() {
        // the right inverse through geqrf on a CUDA weight: the same original and value as the CPU's
        Module cpu = new Linear(3, 5);
        Parametrizations.orthogonal(cpu, "weight", "householder", false);
        Module gpu = new Linear(3, 5);
        Parametrizations.orthogonal(gpu, "weight", "householder", false);
        gpu.to(GPU);
        Tensor q = r(5, 3);
        try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
            dev.ember.nn.utils.Parametrize.rightInverse(cpu, "weight", q);
            dev.ember.nn.utils.Parametrize.rightInverse(gpu, "weight", q.to(GPU));
        }
        Tensor original = gpu.stateDict().get("parametrizations.weight.original");
        assertEquals(GPU, original.device());
        CudaParityTest.assertClose("original", cpu.stateDict().get("parametrizations.weight.original"), original.cpu());
        CudaParityTest.assertClose("value", cpu.parametrizedValue("weight"), gpu.parametrizedValue("weight").cpu());
    }
}
