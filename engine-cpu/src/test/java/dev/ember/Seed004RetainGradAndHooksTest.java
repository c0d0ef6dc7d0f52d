package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Seed 004: a two-layer sigmoid net, retainGrad on every node, hand-derived gradients, hooks. */
class Seed004RetainGradAndHooksTest {
    private final Tensor x = Tensor.tensor(new double[][] {{1.0}});
    private final Tensor y = Tensor.tensor(new double[][] {{1.0}, {0.0}});
    private final Tensor w1 = Tensor.tensor(new double[][] {{1.0}, {2.0}}).requiresGrad_(true);
    private final Tensor w2 = Tensor.tensor(new double[][] {{3.0, 4.0}, {5.0, 6.0}}).requiresGrad_(true);

    @Test
    void forwardRetainGradAndHandDerivedGradients() {
        Tensor z1 = w1.mm(x);
        z1.retainGrad();
        Tensor y1 = z1.sigmoid();
        y1.retainGrad();
        Tensor z2 = w2.mm(y1);
        z2.retainGrad();
        Tensor y2 = z2.sigmoid();
        y2.retainGrad();
        Tensor loss = y2.sub(y).pow(2).sum().mul(0.5);
        loss.retainGrad();

        // Python prints the float32 loss as a float: 0.49987438321113586
        assertEquals(0.49987438321113586, loss.item());
        assertEquals("tensor([[1.],\n        [2.]], grad_fn=<MmBackward0>)", z1.toString());
        assertEquals("tensor([[0.7311],\n        [0.8808]], grad_fn=<SigmoidBackward0>)", y1.toString());
        assertEquals("tensor([[5.7164],\n        [8.9401]], grad_fn=<MmBackward0>)", z2.toString());
        assertEquals("tensor([[0.9967],\n        [0.9999]], grad_fn=<SigmoidBackward0>)", y2.toString());

        loss.backward();
        assertEquals("tensor([[1.2243e-04],\n        [7.8005e-05]])", w1.grad().toString());
        assertEquals("tensor([[-7.8431e-06, -9.4496e-06],\n        [ 9.5752e-05,  1.1536e-04]])", w2.grad().toString());
        assertEquals("tensor(1.)", loss.grad().toString());
        assertEquals("tensor([[-0.0033],\n        [ 0.9999]])", y2.grad().toString());
        assertEquals("tensor([[-1.0728e-05],\n        [ 1.3098e-04]])", z2.grad().toString());
        assertEquals("tensor([[0.0006],\n        [0.0007]])", y1.grad().toString());
        assertEquals("tensor([[1.2243e-04],\n        [7.8005e-05]])", z1.grad().toString());

        // w2's gradient by the hand-derived formula
        Tensor s = z2.sigmoid();
        Tensor byHand = y2.sub(y).mul(s).mul(s.rsub(1)).mul(Tensor.cat(List.of(y1, y1), 1).T());
        assertEquals("tensor([[-7.8431e-06, -9.4496e-06],\n        [ 9.5752e-05,  1.1536e-04]], grad_fn=<MulBackward0>)",
                byHand.toString());
        assertEquals("tensor([[0.0006],\n        [0.0007]], grad_fn=<MmBackward0>)", w2.T().mm(z2.grad()).toString());
    }

    @Test
    void hooksSeeTheSameGradients() {
        Map<String, Tensor> grads = new HashMap<>();
        Function<String, Function<Tensor, Tensor>> saveGrad = name -> g -> {
            grads.put(name, g);
            return null;
        };
        Tensor z1 = w1.mm(x);
        Tensor y1 = z1.sigmoid();
        Tensor z2 = w2.mm(y1);
        Tensor y2 = z2.sigmoid();
        Tensor loss = y2.sub(y).pow(2).sum().mul(0.5);
        z1.registerHook(saveGrad.apply("z_1"));
        y1.registerHook(saveGrad.apply("y_1"));
        z2.registerHook(saveGrad.apply("z_2"));
        y2.registerHook(saveGrad.apply("y_2"));
        loss.registerHook(saveGrad.apply("loss"));

        loss.backward();
        assertEquals("tensor([[1.2243e-04],\n        [7.8005e-05]])", grads.get("z_1").toString());
        assertEquals("tensor([[0.0006],\n        [0.0007]])", grads.get("y_1").toString());
        assertEquals("tensor([[-1.0728e-05],\n        [ 1.3098e-04]])", grads.get("z_2").toString());
        assertEquals("tensor([[-0.0033],\n        [ 0.9999]])", grads.get("y_2").toString());
        assertEquals("tensor(1.)", grads.get("loss").toString());
    }

    @Test
    void hookCanReplaceTheGradientAndBeRemoved() {
        Tensor a = Tensor.tensor(new double[] {1.0, 2.0}).requiresGrad_(true);
        Tensor b = a.mul(3);
        RemovableHandle h = b.registerHook(g -> g.mul(10));
        b.sum().backward();
        assertEquals("tensor([30., 30.])", a.grad().toString());
        h.remove();
        a.setGrad(null);
        a.mul(3).sum().backward();
        assertEquals("tensor([3., 3.])", a.grad().toString());
        // leaf hooks run before accumulation
        a.setGrad(null);
        a.registerHook(g -> g.mul(2));
        a.mul(3).sum().backward();
        assertEquals("tensor([6., 6.])", a.grad().toString());
    }
}
