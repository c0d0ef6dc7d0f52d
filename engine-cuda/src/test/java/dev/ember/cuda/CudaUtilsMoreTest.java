package dev.ember.cuda;

import dev.ember.AutogradFunctional;
import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Linear;
import dev.ember.nn.utils.Convert;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session 18's utilities on CUDA against the CPU reference: AutogradFunctional's jacobian, hessian, vjp, jvp, hvp and
 * vhp (create_graph, so parity also checks their backward), Rnn's padSequence (right and left), packPaddedSequence
 * (sorted and unsorted, batch first; its batch sizes and lengths stay on the CPU) and padPackedSequence, and
 * Convert's parametersToVector / vectorToParameters.
 */
@ExtendWith(CudaGate.class)
class CudaUtilsMoreTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    private static final Function<Tensor, Tensor> F1 = x -> x.mul(x).sin().mul(x.sum());
    private static final Function<Tensor, Tensor> S1 = x -> x.exp().mul(x.sin()).sum();

    @TestFactory
    List<DynamicTest> autogradFunctional() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("jacobian", a -> AutogradFunctional.jacobian(F1, a[0], true, false, false), r(2, 3)));
        t.add(p("jacobian of two inputs", a -> AutogradFunctional.jacobian(xs -> xs[0].mul(xs[1]).tanh(), new Tensor[] {a[0],
                a[1]}, true, false, false)[1], r(2, 3), r(3)));
        t.add(p("hessian", a -> AutogradFunctional.hessian(S1, a[0], true, false, false), r(2, 2)));
        t.add(p("vjp", a -> AutogradFunctional.vjp(F1, a[0], a[1], true, false).product(), r(2, 3), r(2, 3)));
        t.add(p("jvp", a -> AutogradFunctional.jvp(F1, a[0], a[1], true, false).product(), r(2, 3), r(2, 3)));
        t.add(p("hvp", a -> AutogradFunctional.hvp(S1, a[0], a[1], true, false).product(), r(3, 2), r(3, 2)));
        t.add(p("vhp", a -> AutogradFunctional.vhp(S1, a[0], a[1], true, false).product(), r(3, 2), r(3, 2)));
        return t;
    }

    @TestFactory
    List<DynamicTest> rnnUtils() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("pad_sequence", a -> Rnn.padSequence(List.of(a[0], a[1], a[2]), false, -1, "right"), r(4, 3), r(1, 3),
                r(6, 3)));
        t.add(p("pad_sequence left batch first", a -> Rnn.padSequence(List.of(a[0], a[1]), true, 0.5, "left"), r(2, 2, 2),
                r(5, 2, 2)));
        t.add(p("pack_padded_sequence", a -> Rnn.packPaddedSequence(a[0], new long[] {5, 3, 3, 1}, false, true).data(),
                r(5, 4, 3)));
        t.add(p("pack_padded_sequence unsorted batch first", a -> Rnn.packPaddedSequence(a[0], new long[] {2, 6, 1}, true,
                false).data(), r(3, 6, 2)));
        t.add(p("pad_packed_sequence", a -> Rnn.padPackedSequence(Rnn.packPaddedSequence(a[0], new long[] {2, 6, 1}, true,
                false), true, -2, 8).output(), r(3, 6, 2)));
        t.add(p("pack_sequence", a -> Rnn.packSequence(List.of(a[0], a[1], a[2]), false).data(), r(2, 3), r(4, 3), r(1, 3)));
        return t;
    }

    @Test
    void packedSequenceMetadataStaysOnTheCpu() {
        PackedSequence pk = Rnn.packPaddedSequence(r(3, 6, 2).to(GPU), new long[] {2, 6, 1}, true, false);
        assertEquals(GPU, pk.data().device());
        assertEquals(Device.CPU, pk.batchSizes().device());
        assertEquals(GPU, pk.sortedIndices().device());
        Rnn.Padded back = Rnn.padPackedSequence(pk, true, 0, null);
        assertEquals(Device.CPU, back.lengths().device());
        assertArrayEquals(new long[] {2, 6, 1}, back.lengths().toLongArray());
    }

    @Test
    void parametersToVectorAndBack() {
        Linear cpu = new Linear(3, 2);
        Linear gpu = new Linear(3, 2);
        gpu.loadStateDict(cpu.stateDict());
        gpu.to(GPU);
        Tensor v = Convert.parametersToVector(gpu.parameters());
        assertEquals(GPU, v.device());
        CudaParityTest.assertClose("parameters_to_vector", Convert.parametersToVector(cpu.parameters()), v.cpu());
        Tensor w = Tensor.arange(8).to(DType.FLOAT32);
        Convert.vectorToParameters(w.to(GPU), gpu.parameters());
        Convert.vectorToParameters(w, cpu.parameters());
        assertEquals(GPU, gpu.parameters().get(0).device());
        CudaParityTest.assertClose("vector_to_parameters", Convert.parametersToVector(cpu.parameters()),
                Convert.parametersToVector(gpu.parameters()).cpu());
    }
}
