package dev.ember;

import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;

import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Modules, pooling semantics, losses, SGD, and the layers' errors. */
class NNTest {

    @Test
    void maxPoolTiesGoToTheFirstMaximum() {
        Tensor x = Tensor.tensor(new double[][][][] {{{{1, 1, 2, 2}, {1, 1, 2, 2}, {0.5, 3, 3, 0.5}, {0.2, 0.1, 0.4, 0.3}}}})
                .requiresGrad_(true);
        Tensor.ValuesIndices r = Tensor.maxPool2dWithIndices(x, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, false);
        assertEquals("tensor([[[[1., 2.],\n          [3., 3.]]]], grad_fn=<MaxPool2DWithIndicesBackward0>)", r.values().toString());
        assertEquals("tensor([[[[ 0,  2],\n          [ 9, 10]]]])", r.indices().toString());
        r.values().sum().backward();
        assertEquals("tensor([[[[1., 0., 1., 0.],\n          [0., 0., 0., 0.],\n          [0., 1., 1., 0.],\n"
                + "          [0., 0., 0., 0.]]]])", x.grad().toString());
    }

    @Test
    void poolingOutputSizesFollowPyTorch() {
        Tensor x = Tensor.zeros(1, 1, 7, 7);
        assertArrayEquals(new int[] {1, 1, 4, 4}, Tensor.maxPool2dWithIndices(x, new int[] {2}, new int[] {2}, new int[] {0},
                new int[] {1}, true).values().shape());
        assertArrayEquals(new int[] {1, 1, 3, 3}, Functional.maxPool2d(x, 2).shape());
        assertArrayEquals(new int[] {1, 1, 4, 4}, Tensor.avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1}, false, true)
                .shape());
    }

    @Test
    void avgPoolDivisors() {
        Tensor x = Tensor.ones(1, 1, 3, 3);
        // with padding counted, corner windows average in zeros
        assertEquals("tensor([[[[0.4444, 0.4444],\n          [0.4444, 0.4444]]]])",
                Tensor.avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1}, false, true).toString());
        assertEquals("tensor([[[[1., 1.],\n          [1., 1.]]]])",
                Tensor.avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1}, false, false).toString());
    }

    @Test
    void moduleRegistryStateDictAndZeroGrad() {
        Module net = new dev.ember.nn.Sequential(new Conv2d(1, 2, 3), new dev.ember.nn.ReLU(), new dev.ember.nn.Flatten(), new Linear(8, 3));
        Map<String, Tensor> named = net.namedParameters();
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias"), List.copyOf(named.keySet()));
        assertTrue(named.get("0.weight").isParameter());
        Tensor out = net.forward(Tensor.randn(2, 1, 4, 4));
        assertArrayEquals(new int[] {2, 3}, out.shape());
        out.sum().backward();
        assertTrue(named.get("3.bias").grad() != null);
        net.zeroGrad();
        assertEquals(null, named.get("3.bias").grad());

        Module other = new dev.ember.nn.Sequential(new Conv2d(1, 2, 3), new dev.ember.nn.ReLU(), new dev.ember.nn.Flatten(), new Linear(8, 3));
        other.loadStateDict(net.stateDict());
        Tensor in = Tensor.randn(1, 1, 4, 4);
        assertTrue(other.forward(in).equal(net.forward(in)));
    }

    @Test
    void stateDictErrorsChangeNothing() {
        Linear a = new Linear(3, 2);
        Tensor before = a.weight.clone();
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("weight", Tensor.zeros(2, 4));
        bad.put("extra", Tensor.zeros(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.loadStateDict(bad));
        // PyTorch ends the key lists with ". " (a trailing space), as here
        assertEquals("Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: \"bias\". \n\t"
                + "Unexpected key(s) in state_dict: \"extra\". \n\tsize mismatch for weight: copying a param with shape "
                + "torch.Size([2, 4]) from checkpoint, the shape in current model is torch.Size([2, 3]).", e.getMessage());
        assertTrue(a.weight.equal(before));
    }

    @Test
    void layerErrorsArePyTorchs() {
        // PyTorch 1.13's messages (erroratomicity/make_expected.py has the same calls), from the functional ops: the
        // layers named themselves in Ember's own words until session 47
        Conv2d conv = new Conv2d(1, 6, 5);
        assertEquals("Given groups=1, weight of size [6, 1, 5, 5], expected input[1, 3, 32, 32] to have 1 channels, but got "
                + "3 channels instead",
                assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(1, 3, 32, 32))).getMessage());
        assertEquals("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [32, 32]",
                assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(32, 32))).getMessage());
        assertEquals("Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size can't be greater "
                + "than actual input size", assertThrows(IllegalArgumentException.class,
                        () -> conv.forward(Tensor.zeros(1, 1, 4, 4))).getMessage());
        assertEquals("mat1 and mat2 shapes cannot be multiplied (1x399 and 400x120)",
                assertThrows(IllegalArgumentException.class, () -> new Linear(400, 120).forward(Tensor.zeros(1, 399)))
                        .getMessage());
        assertEquals("Target 10 is out of bounds.", assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.crossEntropy(Tensor.zeros(2, 10), Tensor.tensor(new long[] {1, 10}))).getMessage());
    }

    @Test
    void sgdWithMomentumMatchesPyTorchUpdateRule() {
        Tensor w = Tensor.tensor(new double[] {1.0, -2.0}).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.1, 0.9, 0, 0, false);
        for (int i = 0; i < 2; i++) {
            opt.zeroGrad();
            w.pow(2).sum().backward();
            opt.step();
        }
        // step 1: g = 2w = [2, -4], buf = g, w = [0.8, -1.6]; step 2: g = [1.6, -3.2], buf = 0.9 buf + g = [3.4, -6.8]
        assertTrue(w.allclose(Tensor.tensor(new double[] {0.46, -0.92}), 1e-6, 1e-6), w.toString());
    }

    @Test
    void adamAndAdamWFollowPyTorch() {
        // PyTorch 1.13: w = [1., -2.]; 3 steps of Adam(lr=0.1) on sum(w^2) give [0.7015863060951233, -1.7006233930587769];
        // one step of AdamW(lr=0.1, weight_decay=0.1) gives [0.89000004529953, -1.8799999952316284].
        Tensor w = Tensor.tensor(new double[] {1.0, -2.0}).requiresGrad_(true);
        dev.ember.optim.Adam adam = dev.ember.optim.Adam.adam(List.of(w), 0.1);
        for (int i = 0; i < 3; i++) {
            adam.zeroGrad();
            w.pow(2).sum().backward();
            adam.step();
        }
        assertTrue(w.allclose(Tensor.tensor(new double[] {0.7015863060951233, -1.7006233930587769}), 1e-6, 1e-7),
                w.toString());
        Tensor v = Tensor.tensor(new double[] {1.0, -2.0}).requiresGrad_(true);
        dev.ember.optim.Adam adamW = dev.ember.optim.Adam.adamW(List.of(v), 0.1, 0.9, 0.999, 1e-8, 0.1);
        v.pow(2).sum().backward();
        adamW.step();
        assertTrue(v.allclose(Tensor.tensor(new double[] {0.89000004529953, -1.8799999952316284}), 1e-6, 1e-7),
                v.toString());
    }

    @Test
    void geluAndBinaryCrossEntropyValues() {
        // PyTorch 1.13: F.gelu([-1, 0.5, 2], approximate='tanh'), F.binary_cross_entropy([0.2, 0.9], [0, 1]),
        // F.binary_cross_entropy_with_logits([-1.5, 2], [0, 1])
        assertEquals("tensor([-0.1588,  0.3457,  1.9546])",
                Functional.gelu(Tensor.tensor(new double[] {-1, 0.5, 2}), "tanh").toString());
        assertEquals("tensor(0.1643)", Functional.binaryCrossEntropy(Tensor.tensor(new double[] {0.2, 0.9}),
                Tensor.tensor(new double[] {0, 1}), "mean").toString());
        assertEquals("tensor(0.1642)", Functional.binaryCrossEntropyWithLogits(Tensor.tensor(new double[] {-1.5, 2}),
                Tensor.tensor(new double[] {0, 1}), "mean").toString());
        // exact GELU, F.gelu([-1, 0.5, 2])
        assertEquals("tensor([-0.1587,  0.3457,  1.9545])", Functional.gelu(Tensor.tensor(new double[] {-1, 0.5, 2})).toString());
        assertThrows(IllegalArgumentException.class, () -> Functional.gelu(Tensor.ones(1), "exact"));
    }

    @Test
    void batchNormTrainingAndEvalMatchPyTorch() {
        dev.ember.nn.BatchNorm2d bn = new dev.ember.nn.BatchNorm2d(3);
        Tensor x = Tensor.arange(0, 24, 1, DType.FLOAT32).reshape(2, 3, 2, 2).sin();
        Tensor y = bn.forward(x);
        // PyTorch 1.13, the same input: per-channel sums of the output are zero; running statistics after one batch
        assertTrue(y.sum(new int[] {0, 2, 3}, false).abs().max().item() < 1e-5);
        Map<String, Tensor> state = bn.stateDict();
        assertEquals("tensor([ 0.0427, -0.0399,  0.0094])", state.get("running_mean").toString());
        assertEquals("tensor([0.9281, 0.9332, 0.9661])", state.get("running_var").toString());
        assertEquals("tensor(1)", state.get("num_batches_tracked").toString());
        bn.eval();
        assertEquals("tensor([[-0.0443,  0.8291],\n        [ 0.8995,  0.1022]], grad_fn=<SelectBackward0>)",
                bn.forward(x).get(0, 0).toString());
    }

    @Test
    void erfMatchesPythonsMathErf() {
        // Python's math.erf at these points
        double[] x = {0.1, 1.0, 2.4, 2.6, 3.5, 5.0, -1.3};
        double[] want = {0.1124629160182849, 0.8427007929497149, 0.999311486103355, 0.9997639655834707,
            0.9999992569016276, 0.9999999999984626, -0.9340079449406524};
        double[] got = Tensor.tensor(x, DType.FLOAT64).erf().toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            assertEquals(want[i], got[i], 1e-15, "erf(" + x[i] + ")");
        }
    }

    @Test
    void layerClassesCarryPyTorchsNames() {
        Tensor x = Tensor.randn(2, 3, 8, 8);
        assertTrue(new dev.ember.nn.MaxPool2d(2).forward(x).equal(Functional.maxPool2d(x, 2)));
        assertTrue(new dev.ember.nn.AvgPool2d(2).forward(x).equal(Functional.avgPool2d(x, 2)));
        assertTrue(new dev.ember.nn.ReLU().forward(x).equal(x.relu()));
        assertTrue(new dev.ember.nn.Sigmoid().forward(x).equal(x.sigmoid()));
        assertTrue(new dev.ember.nn.Tanh().forward(x).equal(x.tanh()));
        assertArrayEquals(new int[] {2, 192}, new dev.ember.nn.Flatten().forward(x).shape());
        // PyTorch 1.13's message (the layer named itself in Ember's own words until session 47)
        assertEquals("non-empty 3D or 4D (batch mode) tensor expected for input", assertThrows(IllegalArgumentException.class,
                () -> new dev.ember.nn.MaxPool2d(2).forward(Tensor.zeros(8, 8))).getMessage());
    }

    @Test
    void stepLRSchedule() {
        double[] lr = {0.1};
        dev.ember.optim.StepLR s = new dev.ember.optim.StepLR(() -> lr[0], x -> lr[0] = x, 2, 0.5);
        s.step();
        assertEquals(0.1, lr[0], 1e-12);
        s.step();
        assertEquals(0.05, lr[0], 1e-12);
        s.step();
        s.step();
        assertEquals(0.025, lr[0], 1e-12);
    }

    @Test
    void dropoutIsSeededAndOnlyInTraining() {
        Tensor x = Tensor.ones(1000);
        dev.ember.nn.Dropout d = new dev.ember.nn.Dropout(0.25);
        Ember.manualSeed(1);
        Tensor a = d.forward(x);
        Ember.manualSeed(1);
        assertTrue(a.equal(d.forward(x)));
        double kept = a.gt(0.0).sum().item();
        assertEquals(750, kept, 60);
        assertEquals(1000.0, a.sum().item(), 80, "kept elements are scaled by 1/(1-p)");
        d.eval();
        assertTrue(d.forward(x).equal(x));
    }

    @Test
    void crossEntropyValue() {
        Tensor logits = Tensor.tensor(new double[][] {{1, 2, 3}, {1, 0, -1}});
        Tensor target = Tensor.tensor(new long[] {2, 0});
        // PyTorch: F.cross_entropy(torch.tensor([[1.,2,3],[1,0,-1]]), torch.tensor([2,0])) = 0.4076
        assertEquals("tensor(0.4076)", Functional.crossEntropy(logits, target).toString());
    }
}
