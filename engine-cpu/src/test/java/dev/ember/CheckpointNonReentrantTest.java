package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.utils.Checkpoint;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Checkpoint#checkpointNonReentrant}, {@code torch.utils.checkpoint.checkpoint(..., use_reentrant=False)}, against
 * PyTorch (resources/checkpointnonreentrant/make_expected.py): the graph recorded as usual (the node of fn's last op),
 * parameters' gradients with an input that does not require grad, autograd.grad through it, the count check; and,
 * within Ember, the same numbers as without checkpointing, dropout's masks redrawn alike, and the saved tensors
 * actually dropped and recomputed.
 */
class CheckpointNonReentrantTest {
    private static final Map<String, String> EXPECTED = expected();

    private static Map<String, String> expected() {
        return LabelledLines.load("/checkpointnonreentrant/expected.txt");
    }

    /** refcases.seq: ((7k + shift) mod 19 - 9) * scale in row-major order. */
    private static Tensor seq(int shift, double scale, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((7 * k + shift) % 19 - 9) * scale;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    private static Linear[] model() {
        Linear l1 = new Linear(4, 8);
        Linear l2 = new Linear(8, 3);
        l1.to(DType.FLOAT64);
        l2.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            l1.weight.copy_(seq(1, 0.125, 8, 4));
            l1.bias.copy_(seq(2, 0.125, 8));
            l2.weight.copy_(seq(3, 0.125, 3, 8));
            l2.bias.copy_(seq(4, 0.125, 3));
        }
        return new Linear[] {l1, l2};
    }

    private static Function<Tensor[], Tensor> fn(Linear[] m) {
        return in -> m[1].forward(Functional.gelu(m[0].forward(in[0]))).tanh();
    }

    private static void assertTensor(String key, Tensor got) {
        ReferenceCases.assertClose(key, PyTorchCases.tensor(EXPECTED.get(key)), got, 1e-6, 1e-13);
    }

    @Test
    void parametersGetGradientsWithoutAnInputThatRequiresGrad() {
        Linear[] m = model();
        Tensor x = seq(5, 0.25, 5, 4);
        Tensor out = Checkpoint.checkpointNonReentrant(fn(m), x);
        assertTensor("out", out);
        assertEquals(EXPECTED.get("fn"), out.gradFn().name());
        out.mul(ReferenceCases.weights(out.shape(), DType.FLOAT64)).sum().backward();
        assertTensor("grad.l1.weight", m[0].weight.grad());
        assertTensor("grad.l1.bias", m[0].bias.grad());
        assertTensor("grad.l2.weight", m[1].weight.grad());
        assertTensor("grad.l2.bias", m[1].bias.grad());
        assertNull(x.grad());
    }

    @Test
    void autogradGradReachesTheInputAndTheParameters() {
        Linear[] m = model();
        Tensor x = seq(5, 0.25, 5, 4).requiresGrad_(true);
        Tensor out = Checkpoint.checkpointNonReentrant(fn(m), x);
        List<Tensor> g = Autograd.grad(List.of(out.mul(ReferenceCases.weights(out.shape(), DType.FLOAT64)).sum()),
                List.of(x, m[0].weight));
        assertTensor("autograd.x", g.get(0));
        assertTensor("autograd.l1.weight", g.get(1));
        assertNull(m[0].weight.grad(), "autograd.grad accumulates into no .grad");
    }

    @Test
    void aRerunSavingFewerTensorsIsRefused() {
        Linear[] m = model();
        int[] calls = {0};
        Tensor out = Checkpoint.checkpointNonReentrant(in -> {
            calls[0]++;
            Tensor y = m[0].forward(in[0]);
            return calls[0] == 1 ? y.tanh() : y;
        }, seq(5, 0.25, 5, 4));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> out.sum().backward());
        assertEquals(EXPECTED.get("error"), e.getMessage().split("\n")[0]);
        assertTrue(e.getMessage().contains("Number of tensors saved during forward: "), e.getMessage());
    }

    @Test
    void theSameNumbersAsWithoutCheckpointingAndDropoutRedrawnAlike() {
        Function<Linear[], Function<Tensor[], Tensor>> withDropout = m -> in ->
                Functional.dropout(fn(m).apply(in), 0.5, true);
        Tensor x = seq(5, 0.25, 5, 4).requiresGrad_(true);
        Linear[] plain = model();
        Ember.manualSeed(11);
        Tensor a = withDropout.apply(plain).apply(new Tensor[] {x});
        a.sum().backward();
        Tensor gxPlain = x.grad().clone();
        x.setGrad(null);
        Linear[] ck = model();
        Ember.manualSeed(11);
        Tensor b = Checkpoint.checkpointNonReentrant(withDropout.apply(ck), x);
        Ember.defaultGenerator().manualSeed(99); // a draw between the forward and the backward changes nothing
        b.sum().backward();
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertArrayEquals(gxPlain.toDoubleArray(), x.grad().toDoubleArray());
        assertArrayEquals(plain[0].weight.grad().toDoubleArray(), ck[0].weight.grad().toDoubleArray());
        assertArrayEquals(plain[1].bias.grad().toDoubleArray(), ck[1].bias.grad().toDoubleArray());
    }

    private static dev.ember.nn.Sequential seqModel() {
        dev.ember.nn.Sequential m = new dev.ember.nn.Sequential(new Linear(4, 6), new dev.ember.nn.Tanh(),
                new Linear(6, 6), new dev.ember.nn.GELU(), new Linear(6, 3));
        m.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            List<Tensor> ps = m.parameters();
            for (int i = 0; i < ps.size(); i++) {
                ps.get(i).copy_(seq(i, 0.125, ps.get(i).shape()));
            }
        }
        return m;
    }

    @Test
    void checkpointSequentialInBothFormsAsPyTorch() {
        for (String form : new String[] {"reentrant", "nonreentrant"}) {
            dev.ember.nn.Sequential m = seqModel();
            Tensor x = seq(5, 0.25, 5, 4).requiresGrad_(true);
            Tensor out = Checkpoint.checkpointSequential(m, 2, x, form.equals("reentrant"));
            assertTensor("seq." + form + ".out", out);
            assertEquals(EXPECTED.get("seq." + form + ".fn"), out.gradFn().name());
            out.mul(ReferenceCases.weights(out.shape(), DType.FLOAT64)).sum().backward();
            assertTensor("seq." + form + ".x", x.grad());
            assertTensor("seq." + form + ".0.weight", ((Linear) m.get(0)).weight.grad());
            assertTensor("seq." + form + ".4.bias", ((Linear) m.get(4)).bias.grad());
        }
        dev.ember.nn.Sequential m = seqModel();
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.checkpointSequential(m, 0, Tensor.ones(2, 4), false));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.checkpointSequential(m, 6, Tensor.ones(2, 4), false));
        assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.checkpointSequential((dev.ember.nn.Module) null, 2, Tensor.ones(2, 4), false));
    }

    @Test
    void savedTensorsAreDroppedAndRecomputedOnce() {
        Linear[] m = model();
        int[] calls = {0};
        Tensor out = Checkpoint.checkpointNonReentrant(in -> {
            calls[0]++;
            return fn(m).apply(in);
        }, seq(5, 0.25, 5, 4));
        assertEquals(1, calls[0]);
        out.sum().backward();
        assertEquals(2, calls[0], "one rerun for every saved tensor the backward read");
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.checkpointNonReentrant(null, Tensor.ones(2)));
        assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.checkpointNonReentrant(in -> in[0], (Tensor[]) null));
    }
}
