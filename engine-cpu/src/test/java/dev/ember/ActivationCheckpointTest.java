package dev.ember;

import dev.ember.nn.Dropout;
import dev.ember.nn.GELU;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.nn.utils.Checkpoint;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Activation checkpointing ({@code torch.utils.checkpoint.checkpoint}, reentrant): the same values and gradients as
 * the plain computation, bit for bit, with dropout inside (the generator's state at the forward call is restored for the
 * recomputation, and put back after it); one {@code CheckpointFunctionBackward} node; fewer storages alive after the
 * forward pass; gradcheck; several outputs; PyTorch's errors.
 */
class ActivationCheckpointTest {

    private static Module block() {
        return new Sequential(new Linear(8, 32), new GELU(), new Dropout(0.25), new Linear(32, 8));
    }

    private static List<double[]> grads(Module m, Tensor x) {
        List<double[]> out = new ArrayList<>();
        for (Tensor p : m.parameters()) {
            out.add(p.grad().toDoubleArray());
        }
        out.add(x.grad().toDoubleArray());
        return out;
    }

    @Test
    void gradientsEqualThePlainComputation() {
        Ember.manualSeed(3);
        Module a = block();
        Ember.manualSeed(3);
        Module b = block();
        Tensor xa = Tensor.randn(new Generator(4), DType.FLOAT32, 5, 8).requiresGrad_(true);
        Tensor xb = xa.detach().clone().requiresGrad_(true);
        Ember.manualSeed(11);
        Tensor ya = a.forward(xa);
        ya.pow(2).sum().backward();
        Tensor afterPlain = Ember.defaultGenerator().getState();
        Ember.manualSeed(11);
        Tensor yb = Checkpoint.checkpoint(b, xb);
        assertEquals("CheckpointFunctionBackward", yb.gradFn().name());
        assertArrayEquals(ya.toFloatArray(), yb.toFloatArray());
        Tensor beforeBackward = Ember.defaultGenerator().getState();
        yb.pow(2).sum().backward();
        // the recomputation drew the forward's dropout masks again, then the generator went back where it was
        assertTrue(beforeBackward.equal(Ember.defaultGenerator().getState()));
        assertTrue(afterPlain.equal(Ember.defaultGenerator().getState()));
        List<double[]> ga = grads(a, xa);
        List<double[]> gb = grads(b, xb);
        for (int i = 0; i < ga.size(); i++) {
            assertArrayEquals(ga.get(i), gb.get(i), "gradient " + i);
        }
        // without preserving the random state the recomputation draws other masks
        Ember.manualSeed(3);
        Module c = block();
        Tensor xc = xa.detach().clone().requiresGrad_(true);
        Ember.manualSeed(11);
        Checkpoint.checkpoint(in -> c.apply(in[0]), false, xc).pow(2).sum().backward();
        assertFalse(java.util.Arrays.equals(ga.get(0), c.parameters().get(0).grad().toDoubleArray()));
    }

    @Test
    void theForwardKeepsNoActivations() {
        Ember.manualSeed(5);
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            layers.add(new Linear(64, 64));
            layers.add(new Tanh());
        }
        Module deep = new Sequential(layers.toArray(new Module[0]));
        Tensor x = Tensor.randn(32, 64).requiresGrad_(true);
        long before = StorageLease.live();
        Tensor plain = deep.forward(x);
        long plainLive = StorageLease.live() - before;
        long mid = StorageLease.live();
        Tensor checkpointed = Checkpoint.checkpoint(deep, x);
        long checkpointLive = StorageLease.live() - mid;
        // the plain graph holds every layer's activations (16 ops); the checkpoint only its output (and the RNG state)
        assertTrue(plainLive >= 16, "plain forward: " + plainLive + " storages");
        assertTrue(checkpointLive <= 2, "checkpointed forward: " + checkpointLive + " storages");
        assertArrayEquals(plain.toFloatArray(), checkpointed.toFloatArray());
        plain.sum().backward();
        double[] g1 = x.grad().toDoubleArray();
        double[] w1 = deep.parameters().get(0).grad().toDoubleArray();
        x.releaseGrad();
        deep.zeroGrad();
        checkpointed.sum().backward();
        assertArrayEquals(g1, x.grad().toDoubleArray());
        assertArrayEquals(w1, deep.parameters().get(0).grad().toDoubleArray());
    }

    @Test
    void gradcheckAndSeveralOutputs() {
        Function<Tensor[], Tensor> f = in -> Checkpoint.checkpoint(t -> t[0].sin().mul(t[1]).add(t[1].exp()), in[0], in[1]);
        Tensor a = Tensor.randn(DType.FLOAT64, 3, 4).requiresGrad_(true);
        Tensor b = Tensor.randn(DType.FLOAT64, 4).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(f, a, b));
        // two outputs, one node; a gradient for an input that needs none is not made
        Tensor c = Tensor.randn(DType.FLOAT64, 4);
        Tensor[] outs = Checkpoint.checkpointAll(t -> new Tensor[] {t[0].mul(t[1]), t[0].sum()}, true, b, c);
        assertEquals(outs[0].gradFn().name(), outs[1].gradFn().name());
        outs[0].sum().add(outs[1].mul(3)).backward();
        double[] want = c.add(3).toDoubleArray();
        assertArrayEquals(want, b.grad().toDoubleArray(), 1e-15);
        assertNull(c.grad());
    }

    @Test
    void pyTorchsRestrictions() {
        // no input requires grad: no node, so the parameters inside get no gradient (PyTorch warns the same)
        Ember.manualSeed(1);
        Module m = block();
        Tensor y = Checkpoint.checkpoint(m, Tensor.randn(2, 8));
        assertNull(y.gradFn());
        assertFalse(y.requiresGrad());
        // the recomputation is not differentiable again: the input's gradient has no history (as PyTorch's, computed by
        // an inner backward without create_graph), and with a gradient that has one, the second backward is refused
        Tensor x = Tensor.randn(DType.FLOAT64, 3).requiresGrad_(true);
        Tensor z = Checkpoint.checkpoint(t -> t[0].pow(3), x).sum();
        List<Tensor> g = Autograd.grad(List.of(z), List.of(x), null, true);
        assertEquals("element 0 of tensors does not require grad and does not have a grad_fn",
                assertThrows(IllegalStateException.class, () -> g.get(0).sum().backward()).getMessage());
        Tensor s = Tensor.randn(DType.FLOAT64, 3).requiresGrad_(true);
        Tensor y2 = Checkpoint.checkpoint(t -> t[0].pow(3), x);
        List<Tensor> g2 = Autograd.grad(List.of(y2), List.of(x), List.of(s.mul(2)), true);
        assertEquals("trying to differentiate twice a function that was marked with @once_differentiable",
                assertThrows(IllegalStateException.class, () -> g2.get(0).sum().backward()).getMessage());
        // a function whose outputs need no gradient when recomputed
        Tensor w = Tensor.randn(3).requiresGrad_(true);
        Tensor v = Checkpoint.checkpoint(t -> Ember.isGradEnabled() ? t[0].detach().mul(2) : t[0].mul(2), w);
        assertEquals("none of output has requires_grad=True, this checkpoint() is not necessary",
                assertThrows(IllegalStateException.class, () -> v.sum().backward()).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.checkpoint((Module) null, w));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.checkpoint((Function<Tensor[], Tensor>) null, w));
    }
}
