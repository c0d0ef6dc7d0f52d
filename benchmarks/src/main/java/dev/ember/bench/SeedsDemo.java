package dev.ember.bench;

import dev.ember.Autograd;
import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the programs of the study notes (seeds 002, 003 and 004) on Ember and prints what PyTorch prints.
 * {@code java -cp benchmarks/target/benchmarks.jar dev.ember.bench.SeedsDemo [--device cpu|cuda|auto]}
 */
public final class SeedsDemo {
    private SeedsDemo() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--device") && i + 1 < args.length) {
                Ember.setDefaultDevice(Ember.resolve(args[++i]));
            }
        }
        System.out.println("device: " + Ember.defaultDevice());

        System.out.println("== seed 002: backward from a mean, then with a gradient and retain_graph");
        Tensor x = Tensor.ones(2, 2).requiresGrad_(true);
        Tensor y = x.add(2);
        Tensor z = y.mul(y).mul(3);
        Tensor out = z.mean();
        System.out.println(x);
        System.out.println(y);
        System.out.println(z);
        System.out.println(out);
        z.backward(Tensor.tensor(new double[][] {{0.1, 1.0}, {1.0, 1.0}}, DType.FLOAT32), true);
        System.out.println(x.grad());
        out.backward();
        System.out.println(x.grad());

        System.out.println("== seed 003: one weight trained by hand");
        double[] xs = {1.0, 2.0, 3.0};
        double[] ys = {2.0, 4.0, 6.0};
        Tensor w = Tensor.tensor(new double[] {1.0}).requiresGrad_(true);
        for (int epoch = 0; epoch < 101; epoch++) {
            Tensor l = null;
            for (int i = 0; i < xs.length; i++) {
                l = w.mul(xs[i]).sub(ys[i]).pow(2);
                l.backward();
                w.setData(w.data().sub(w.grad().data().mul(0.05)));
                w.grad().data().zero_();
            }
            if (epoch % 25 == 0 || epoch == 100) {
                System.out.println("process: " + epoch + " " + l.item());
            }
        }

        System.out.println("== seed 004: retain_grad and hooks in a two-layer sigmoid net");
        Tensor in = Tensor.tensor(new double[][] {{1.0}});
        Tensor target = Tensor.tensor(new double[][] {{1.0}, {0.0}});
        Tensor w1 = Tensor.tensor(new double[][] {{1.0}, {2.0}}).requiresGrad_(true);
        Tensor w2 = Tensor.tensor(new double[][] {{3.0, 4.0}, {5.0, 6.0}}).requiresGrad_(true);
        Map<String, Tensor> grads = new HashMap<>();
        Tensor z1 = w1.mm(in);
        Tensor y1 = z1.sigmoid();
        Tensor z2 = w2.mm(y1);
        Tensor y2 = z2.sigmoid();
        Tensor loss = y2.sub(target).pow(2).sum().mul(0.5);
        for (Map.Entry<String, Tensor> e : Map.of("z_1", z1, "y_1", y1, "z_2", z2, "y_2", y2, "loss", loss).entrySet()) {
            e.getValue().registerHook(g -> {
                grads.put(e.getKey(), g);
                return null;
            });
        }
        System.out.println(" loss: " + loss.item() + " \n z_1: " + z1 + " \n y_1: " + y1 + " \n z_2: " + z2 + " \n y_2: " + y2);
        loss.backward();
        System.out.println("w1 grad, " + w1.grad());
        System.out.println("w2 grad, " + w2.grad());
        for (String k : List.of("z_1", "y_1", "z_2", "y_2", "loss")) {
            System.out.println(k + ": " + grads.get(k));
        }

        System.out.println("== higher-order: d2/dx2 of x^3 at x = 2 and 3");
        Tensor p = Tensor.tensor(new double[] {2.0, 3.0}).requiresGrad_(true);
        Tensor d1 = Autograd.grad(List.of(p.pow(3).sum()), List.of(p), null, true).get(0);
        System.out.println(Autograd.grad(List.of(d1.sum()), List.of(p), null, false).get(0));
    }
}
