package dev.ember.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every example runs at a tiny size ({@code --quick}) and prints what it achieved. */
class ExamplesSmokeTest {

    interface Main {
        void run() throws Exception;
    }

    /** What {@code main} printed on System.out. */
    private static synchronized String output(Main main) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        saved.print(out);
        return out;
    }

    @Test
    void concurrentInferenceGivesEachThreadTheBitsOfOne() throws Exception {
        String out = output(() -> ConcurrentInference.main(new String[] {"--quick"}));
        assertTrue(out.contains("checkpoint: "), out);
        assertTrue(out.contains("model.safetensors.index.json"), out);
        assertTrue(out.contains("4 threads gave the same bits as one: yes"), out);
    }

    @Test
    void mlpClassifier() throws Exception {
        String out = output(() -> MlpClassifier.main(new String[] {"--quick"}));
        assertTrue(out.contains("test accuracy on 1000 new points: "), out);
    }

    @Test
    void sequenceClassifierTrainsOnPackedSequences() throws Exception {
        String out = output(() -> SequenceClassifier.main(new String[] {"--quick"}));
        assertTrue(out.contains("epoch  2  mean loss "), out);
        assertTrue(out.contains("held-out accuracy on 32 sequences: "), out);
    }

    @Test
    void linearRegressionMatchesTheClosedForm() throws Exception {
        String out = output(() -> LinearRegression.main(new String[] {"--quick"}));
        assertTrue(out.contains("largest difference from the closed form: "), out);
        assertTrue(out.contains("target 1e-3 reached"), out);
    }

    @Test
    void customFunctionPassesGradcheckAndTrains() throws Exception {
        String out = output(() -> CustomFunction.main(new String[] {"--quick"}));
        assertTrue(out.contains("gradcheck: passed; the node is LegendrePolynomial3Backward"), out);
        assertTrue(out.contains("result: y = "), out);
    }

    @Test
    void cnnSavesACheckpointAndResumesFromIt(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("cnn.safetensors");
        String first = output(() -> CnnCheckpoint.main(new String[] {"--quick", "--epochs", "1", "--checkpoint",
                checkpoint.toString()}));
        assertTrue(first.contains("epoch 1  mean loss"), first);
        assertTrue(Files.exists(checkpoint));
        String second = output(() -> CnnCheckpoint.main(new String[] {"--quick", "--epochs", "2", "--checkpoint",
                checkpoint.toString()}));
        assertTrue(second.contains("resumed from " + checkpoint + " after epoch 1"), second);
        assertTrue(second.contains("epoch 2  mean loss"), second);
        assertTrue(second.contains("gives the same outputs (largest difference 0.0e+00)"), second);
    }

    @Test
    void quantizedCnnConvertsSavesAndReloads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cnn-int8.pt");
        String out = output(() -> QuantizedCnn.main(new String[] {"--quick", "--file", file.toString()}));
        assertTrue(out.contains("QuantizedConvReLU2d(1, 8, kernel_size=(3, 3)"), out);
        assertTrue(out.contains("test accuracy: float32 "), out);
        assertTrue(Files.exists(file));
        assertTrue(out.contains("gives the same outputs (largest difference 0.0e+00)"), out);
    }

    @Test
    void pyTorchWeightsRoundTrip(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mlp.pt");
        String out = output(() -> PyTorchWeights.main(new String[] {"--file", file.toString()}));
        assertTrue(Files.exists(file));
        assertTrue(out.contains("read " + file + ": [0.weight, 0.bias, 2.weight, 2.bias]"), out);
        assertTrue(out.contains("the model read back gives the same outputs (largest difference 0.0e+00)"), out);
    }

    @Test
    void deviceMoveRunsWhereverItCan() throws Exception {
        String out = output(() -> DeviceMove.main(new String[0]));
        assertTrue(out.contains("CUDA is usable") || out.contains("CUDA is not usable here ("), out);
        assertTrue(out.contains("model back on the CPU: its first parameter is on cpu"), out);
    }
}
