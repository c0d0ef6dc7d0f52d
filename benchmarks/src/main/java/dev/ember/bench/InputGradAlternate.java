package dev.ember.bench;

import dev.ember.Autograd;
import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Functional;
import dev.ember.optim.SGD;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Before/after of session 48's "compute only the gradients the pass needs" in one JVM: on {@link TrainLeNet}'s network
 * (batch 64, float32, CPU), the time of an input-gradient pass ({@code autograd.grad(loss, [x])}, a saliency map: the
 * weights' gradients are not asked for) and of one training step (a full backward, which the change does not touch),
 * with {@code ember.allInputGrads} (the old path: every formula computes every input's gradient) alternately true and
 * false. Arguments: rounds (default 5), iterations per round (default 20). Prints the median milliseconds per
 * iteration of each setting.
 */
public final class InputGradAlternate {
    private InputGradAlternate() {
    }

    /**
     * Runs the alternation.
     *
     * @param args rounds, iterations
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Ember.manualSeed(0);
        Generator g = new Generator(1);
        TrainLeNet.LeNet net = new TrainLeNet.LeNet();
        SGD opt = new SGD(net.parameters(), 0.01, 0.9, 0, 0, false);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 64, 1, 28, 28).requiresGrad_(true);
        Tensor y = Tensor.randint(0, 10, 64);
        String[] settings = {"true", "false"};
        double[][] saliency = new double[2][rounds];
        double[][] step = new double[2][rounds];
        boolean same = true;
        for (int r = -1; r < rounds; r++) { // round -1 warms up
            Tensor[] last = new Tensor[2];
            for (int s = 0; s < 2; s++) {
                System.setProperty("ember.allInputGrads", settings[s]);
                long t0 = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    try (TensorScope scope = Ember.scope()) {
                        Tensor loss = Functional.crossEntropy(net.forward(x), y);
                        last[s] = scope.keep(Autograd.grad(List.of(loss), List.of(x)).get(0));
                    }
                }
                if (r >= 0) {
                    saliency[s][r] = (System.nanoTime() - t0) / 1e6 / iters;
                }
            }
            // the same weights: the two settings' input gradients must be bit-identical
            same &= Arrays.equals(last[0].toFloatArray(), last[1].toFloatArray());
            for (int s = 0; s < 2; s++) {
                System.setProperty("ember.allInputGrads", settings[s]);
                long t0 = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    try (TensorScope scope = Ember.scope()) {
                        opt.zeroGrad();
                        Tensor loss = Functional.crossEntropy(net.forward(x.detach()), y);
                        loss.backward();
                        opt.step();
                    }
                }
                if (r >= 0) {
                    step[s][r] = (System.nanoTime() - t0) / 1e6 / iters;
                }
            }
        }
        System.clearProperty("ember.allInputGrads");
        for (int s = 0; s < 2; s++) {
            System.out.printf(Locale.ROOT, "-Dember.allInputGrads=%s: autograd.grad(loss, [x]) %.2f ms, training step %.2f ms"
                    + " (medians of %d rounds of %d)%n", settings[s], median(saliency[s]), median(step[s]), rounds, iters);
        }
        System.out.println("input gradients bit-identical between the settings: " + same);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
