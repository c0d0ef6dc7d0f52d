package dev.ember.examples;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.optim.SGD;

import java.util.List;
import java.util.Locale;

/**
 * Example: moving a model and its data between the CPU and a CUDA GPU. The model runs on the CPU, moves to the GPU
 * ({@code module.to(device)}, {@code tensor.to(device)}), takes a training step there, and comes back; the outputs on
 * both devices are compared. Without a usable GPU (no NVIDIA driver, or {@code engine-cuda} not on the class path) it
 * says why and runs everything on the CPU.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.DeviceMove
 * </pre>
 * {@code --cpu} stays on the CPU even where a GPU is usable.
 */
public final class DeviceMove {
    private DeviceMove() {
    }

    /**
     * Entry point.
     *
     * @param args {@code --cpu} to stay on the CPU
     */
    public static void main(String[] args) {
        Ember.manualSeed(0);
        Module model = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 4));
        Tensor x = Tensor.randn(8, 16);
        Tensor target = Tensor.randint(0, 4, 8);
        Tensor onCpu;
        try (GradMode off = Ember.noGrad()) {
            onCpu = model.forward(x);
        }

        String why = List.of(args).contains("--cpu") ? "--cpu was given" : Ember.cudaUnavailableReason();
        Device device = why.isEmpty() ? Device.cuda(0) : Device.CPU;
        if (why.isEmpty()) {
            System.out.println("CUDA is usable: moving the model and the data to " + device);
        } else {
            System.out.println("CUDA is not usable here (" + why + "); everything stays on the CPU");
        }

        model.to(device); // parameters move in place: an optimizer made before or after sees the same tensors
        Tensor xd = x.to(device);
        Tensor td = target.to(device);
        Tensor there;
        try (GradMode off = Ember.noGrad()) {
            there = model.forward(xd);
        }
        double diff = there.to(Device.CPU).sub(onCpu).abs().max().item();
        System.out.printf(Locale.ROOT, "outputs on %s and on the CPU differ by at most %.2e%n", there.device(), diff);

        SGD optimizer = new SGD(model.parameters(), 0.1);
        Tensor loss = Functional.crossEntropy(model.forward(xd), td);
        loss.backward();
        optimizer.step();
        System.out.printf(Locale.ROOT, "one training step on %s: loss %.4f, gradients on %s%n", loss.device(), loss.item(),
                model.parameters().get(0).grad().device());

        model.to(Device.CPU);
        System.out.println("model back on the CPU: its first parameter is on " + model.parameters().get(0).device());
    }
}
