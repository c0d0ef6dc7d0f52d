package dev.ember.examples;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Linear;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.TorchSerialization;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Example: weights moving between Ember and PyTorch in PyTorch's own checkpoint format ({@code torch.save}'s
 * {@code .pt}). It builds a small MLP, writes its state dict with {@link TorchSerialization#saveStateDict}, prints the
 * Python lines that load it into the same model in PyTorch, then reads the file back into a fresh Ember model and
 * checks it computes the same outputs.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.PyTorchWeights \
 *     [--file mlp.pt] [--load FILE]
 * </pre>
 * {@code --load FILE} reads a state dict PyTorch saved for the same model ({@code torch.save(model.state_dict(),
 * FILE)}) instead of Ember's own file.
 */
public final class PyTorchWeights {
    private PyTorchWeights() {
    }

    /** The model on both sides: {@code nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))}. */
    private static Sequential model() {
        return new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 2));
    }

    /**
     * Entry point.
     *
     * @param args {@code --file FILE} where to write (default {@code mlp.pt}); {@code --load FILE} a PyTorch-saved
     *             state dict to read instead
     * @throws IOException if the file cannot be written or read
     */
    public static void main(String[] args) throws IOException {
        Path file = Path.of("mlp.pt");
        Path load = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--file") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (args[i].equals("--load") && i + 1 < args.length) {
                load = Path.of(args[++i]);
            } else {
                throw new IllegalArgumentException("usage: PyTorchWeights [--file mlp.pt] [--load FILE]");
            }
        }
        Ember.manualSeed(0);
        Sequential trained = model();
        TorchSerialization.saveStateDict(trained.stateDict(), file);
        System.out.println("wrote " + file + " (torch.save's format); in Python:");
        System.out.println("    import torch");
        System.out.println("    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))");
        System.out.println("    model.load_state_dict(torch.load(\"" + file + "\", weights_only=True))");

        Path from = load == null ? file : load;
        Map<String, Tensor> state = TorchSerialization.loadStateDict(from);
        System.out.println("read " + from + ": " + state.keySet());
        Sequential copy = model();
        copy.loadStateDict(state);
        Tensor x = Tensor.randn(new Generator(1), DType.FLOAT32, 8, 2);
        if (load == null) {
            double diff = trained.forward(x).sub(copy.forward(x)).abs().max().item();
            System.out.printf(Locale.ROOT, "the model read back gives the same outputs (largest difference %.1e)%n", diff);
        } else {
            System.out.println("outputs of the loaded model: " + copy.forward(x));
        }
    }
}
