package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.utils.Prune;
import dev.ember.nn.utils.Prune.L1Unstructured;
import dev.ember.nn.utils.Prune.Target;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code torch.nn.utils.prune} on CUDA against the CPU: the same module pruned on each device (l1_unstructured,
 * ln_structured with several norms, iterative containers, custom masks, global pruning, remove) gives the same masks,
 * the same {@code module.weight}, outputs and masked gradients of {@code weight_orig}; the random methods' masks are
 * on the device with the right counts; a failing pruning leaves the GPU module unchanged; a pruned module moved to the
 * GPU recomputes its weight there at the next call.
 */
class CudaPruneTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(2041);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    /** Prunes a module and its copy on the GPU the same way; compares state, value, output and gradients. */
    private static void parity(String name, Supplier<Module> make, Consumer<Module> prune, Tensor x) {
        Module cpu = make.get();
        Module gpu = make.get();
        Map<String, Tensor> state = new LinkedHashMap<>();
        cpu.stateDict().forEach((k, v) -> state.put(k, v.clone()));
        gpu.loadStateDict(state);
        gpu.to(GPU);
        prune.accept(cpu);
        prune.accept(gpu);
        assertEquals(List.copyOf(cpu.stateDict().keySet()), List.copyOf(gpu.stateDict().keySet()), name + " keys");
        Map<String, Tensor> sg = gpu.stateDict();
        cpu.stateDict().forEach((k, v) -> {
            assertEquals(GPU, sg.get(k).device(), name + " " + k + " device");
            assertArrayEquals(v.toDoubleArray(), sg.get(k).cpu().toDoubleArray(), name + " " + k);
        });
        Tensor a = cpu.apply(x);
        Tensor b = gpu.apply(x.to(GPU));
        CudaParityTest.assertClose(name + " forward", a, b.cpu());
        a.mul(a).sum().backward();
        b.mul(b).sum().backward();
        Map<String, Tensor> pb = gpu.namedParameters();
        cpu.namedParameters().forEach((k, p) -> CudaParityTest.assertClose(name + " grad " + k, p.grad(), pb.get(k).grad().cpu()));
    }

    @Test
    void deterministicMethods() {
        parity("l1 count", () -> new Linear(7, 5), m -> Prune.l1Unstructured(m, "weight", 11), r(3, 7));
        parity("l1 fraction conv", () -> new Conv2d(3, 4, 3), m -> Prune.l1Unstructured(m, "weight", 0.45), r(2, 3, 6, 5));
        parity("l1 scores", () -> new Linear(4, 3), m -> Prune.l1Unstructured(m, "weight", 5,
                Tensor.arange(12).reshape(3, 4).to(DType.FLOAT32).to(m.parameters().get(0).device())), r(2, 4));
        for (double n : new double[] {1, 2, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.5}) {
            parity("ln " + n, () -> new Conv2d(3, 6, 2), m -> Prune.lnStructured(m, "weight", 2, n, 0), r(2, 3, 5, 5));
        }
        parity("ln fro dim 1", () -> new Linear(6, 4), m -> Prune.lnStructured(m, "weight", 0.5, "fro", 1), r(3, 6));
        parity("iterative", () -> new Conv2d(3, 6, 2), m -> {
            Prune.l1Unstructured(m, "weight", 0.3);
            Prune.lnStructured(m, "weight", 2, 2, 0);
            Prune.lnStructured(m, "weight", 1, 1, 1);
            Prune.l1Unstructured(m, "bias", 2);
        }, r(2, 3, 5, 5));
        parity("custom then identity then remove", () -> new Linear(5, 3), m -> {
            Prune.customFromMask(m, "weight", Tensor.arange(15).reshape(3, 5).remainder(3).ne(0)
                    .to(m.parameters().get(0).device()));
            Prune.identity(m, "bias");
            Prune.remove(m, "weight");
        }, r(2, 5));
    }

    @Test
    void globalPruning() {
        Linear l1 = new Linear(6, 4);
        Conv2d c1 = new Conv2d(2, 3, 2);
        Linear l2 = new Linear(6, 4);
        Conv2d c2 = new Conv2d(2, 3, 2);
        l2.loadStateDict(l1.stateDict());
        c2.loadStateDict(c1.stateDict());
        l2.to(GPU);
        c2.to(GPU);
        Prune.globalUnstructured(List.of(new Target(l1, "weight"), new Target(c1, "weight")), L1Unstructured.class, null, 0.4);
        Prune.globalUnstructured(List.of(new Target(l2, "weight"), new Target(c2, "weight")), L1Unstructured.class, null, 0.4);
        assertArrayEquals(l1.getBuffer("weight_mask").toDoubleArray(), l2.getBuffer("weight_mask").cpu().toDoubleArray());
        assertArrayEquals(c1.getBuffer("weight_mask").toDoubleArray(), c2.getBuffer("weight_mask").cpu().toDoubleArray());
    }

    @Test
    void randomMethodsOnTheDevice() {
        Conv2d m = new Conv2d(3, 8, 2);
        m.to(GPU);
        Prune.randomUnstructured(m, "weight", 20L);
        Tensor mask = m.getBuffer("weight_mask");
        assertEquals(GPU, mask.device());
        assertEquals(20.0, mask.eq(0).sum().item());
        Prune.randomStructured(m, "weight", 3, 0);
        Tensor perChannel = m.getBuffer("weight_mask").eq(0).sum(new int[] {1, 2, 3}, false).cpu();
        assertEquals(3.0, perChannel.eq(12).sum().item(), "three whole output channels pruned");
    }

    @Test
    void failureLeavesTheModuleAndMovedPruningRecomputes() {
        Linear m = new Linear(3, 2);
        Prune.l1Unstructured(m, "weight", 2);
        m.to(GPU);
        Tensor x = r(4, 3);
        Tensor out = m.apply(x.to(GPU));
        assertEquals(GPU, ModuleInternals.getAttr(m, "weight").device(), "the pre-hook recomputes on the device");
        CudaParityTest.assertClose("moved", x.matmul(m.getParameter("weight_orig").cpu().mul(m.getBuffer("weight_mask").cpu()).t())
                .add(m.getParameter("bias").cpu()), out.cpu());
        double[] mask = m.getBuffer("weight_mask").cpu().toDoubleArray();
        assertThrows(IllegalArgumentException.class, () -> Prune.l1Unstructured(m, "weight", 5));
        assertArrayEquals(mask, m.getBuffer("weight_mask").cpu().toDoubleArray());
        assertEquals(List.of("bias", "weight_orig", "weight_mask"), List.copyOf(m.stateDict().keySet()));
    }
}
