package dev.ember.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TrainResNet} at a tiny size: its losses are those of its PyTorch twin ({@code tiny_twin.txt}, written by
 * {@code make_tiny.py} from {@code benchmarks/pytorch/train_resnet.py}: the same modules, initialization and data from
 * the same seed), the profile prints the convolution and batch-norm rows, {@code --alternate} times both settings and
 * clears the property, bad options are refused.
 */
class TrainResNetTest {
    private static String[] twinArgs() throws IOException {
        return twinLines().get(0).split(" ");
    }

    private static List<String> twinLines() throws IOException {
        try (InputStream in = TrainResNetTest.class.getResourceAsStream("/train_resnet/tiny_twin.txt")) {
            assertNotNull(in, "tiny_twin.txt on the test class path");
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        }
    }

    private static synchronized Object[] run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        TrainResNet.Result r;
        try {
            r = TrainResNet.run(TrainResNet.Options.parse(args));
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        saved.print(out);
        return new Object[] {out, r};
    }

    @Test
    void lossesAreTheTwins() throws IOException {
        Object[] o = run(twinArgs());
        TrainResNet.Result r = (TrainResNet.Result) o[1];
        List<Double> expected = new ArrayList<>();
        for (String line : twinLines().subList(1, twinLines().size())) {
            expected.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
        assertEquals(expected.size(), r.losses.size());
        for (int i = 0; i < expected.size(); i++) {
            // printed to 4 decimals by the twin: half a unit of the last place, and a float32 summation order's share
            assertEquals(expected.get(i), r.losses.get(i), 1e-4, "step " + (i + 1));
        }
        assertTrue(r.imagesPerSecond > 0);
        assertTrue(((String) o[0]).contains("78,002 parameters"), (String) o[0]);
    }

    @Test
    void profilesAndAlternates() {
        Object[] o = run("--width", "16", "--blocks", "1", "--size", "8", "--images", "8", "--batch-size", "4",
                "--steps", "3", "--warmup", "1", "--threads", "1", "--profile", "1", "--shapes", "true",
                "--alternate", "ember.cpu.directInputGrad");
        String out = (String) o[0];
        assertTrue(out.contains("profile of 1 more steps"), out);
        assertTrue(out.contains("aten::convolution_backward"), out);
        assertTrue(out.contains("aten::native_batch_norm"), out);
        assertTrue(out.contains("[4, 16, 8, 8]"), out); // shapes recorded
        assertTrue(out.contains("-Dember.cpu.directInputGrad=true: "), out);
        assertTrue(out.contains("-Dember.cpu.directInputGrad=false: "), out);
        assertNull(System.getProperty("ember.cpu.directInputGrad"));
    }

    @Test
    void refusesBadOptions() {
        assertThrows(IllegalArgumentException.class, () -> TrainResNet.Options.parse("--depth", "3"));
        assertThrows(IllegalArgumentException.class, () -> TrainResNet.Options.parse("--steps"));
        assertThrows(IllegalArgumentException.class, () -> TrainResNet.Options.parse("--optimizer", "adam"));
        assertThrows(IllegalArgumentException.class, () -> TrainResNet.Options.parse("--steps", "5", "--warmup", "5"));
        assertThrows(IllegalArgumentException.class, () -> TrainResNet.Options.parse("--images", "8",
                "--batch-size", "16"));
    }
}
