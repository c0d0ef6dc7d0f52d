package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TrainGPT} at a tiny size on generated text (no fortunes needed): it trains, evaluates, samples and plots;
 * 10 steps, a checkpoint and 10 more give the same file as 20 steps; the data rule, the schedule, the options' checks
 * and the manual attention path against the fused one.
 */
class TrainGPTTest {
    @TempDir
    static Path dir;
    static Path text;

    @BeforeAll
    static void generatedText() throws IOException {
        text = words(dir, "the quick brown fox jumps over a lazy dog while seven wizards quietly hex jolly bakers",
                0);
    }

    /** A folder under {@code dir} holding one file of 300 lines of eight words drawn from {@code vocabulary}. */
    static Path words(Path dir, String vocabulary, long seed) throws IOException {
        Path folder = dir.resolve("text");
        Files.createDirectories(folder);
        String[] words = vocabulary.split(" ");
        Random r = new Random(seed);
        StringBuilder s = new StringBuilder();
        for (int line = 0; line < 300; line++) {
            for (int w = 0; w < 8; w++) {
                s.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
            }
            s.append('\n');
        }
        Files.writeString(folder.resolve("words.txt"), s.toString());
        return folder;
    }

    /** The tiny size: 2 layers, 2 heads, 32 embedding, block 16, batch 4, the schedule 20 steps long. */
    static String[] tiny(String... more) {
        String[] base = {"--device", "cpu", "--data", text.toString(), "--layers", "2", "--heads", "2", "--embd", "32",
            "--block", "16", "--batch-size", "4", "--eval-every", "10", "--eval-iters", "2", "--log-every", "5",
            "--warmup", "5", "--decay-steps", "20", "--sample-chars", "30"};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    interface Run {
        TrainGPT.Result run() throws Exception;
    }

    /** Runs and returns what it printed on System.out (echoed), with the result. */
    private static synchronized Object[] output(Run run) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        TrainGPT.Result result;
        try {
            result = run.run();
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        saved.print(out);
        return new Object[] {out, result};
    }

    @Test
    void trainsEvaluatesSamplesAndPlots() throws Exception {
        Path png = dir.resolve("run.png");
        Object[] o = output(() -> TrainGPT.run(TrainGPT.Options.parse(tiny("--steps", "20", "--plot", png.toString()))));
        String out = (String) o[0];
        TrainGPT.Result r = (TrainGPT.Result) o[1];
        assertTrue(out.contains(" characters from 1 files in " + text + ", vocabulary 28, train "), out);
        assertTrue(out.contains("step 0: train loss "), out);
        assertTrue(out.contains("step 5: loss "), out);
        assertTrue(out.contains(" tokens/s"), out);
        assertTrue(out.contains(String.format(java.util.Locale.ROOT, "val loss: %.4f", r.valLoss())), out);
        assertTrue(out.contains("sample (30 characters, temperature 0.8, top-k 40):"), out);
        assertEquals(20, r.steps());
        assertEquals(30, r.sample().codePointCount(0, r.sample().length()));
        // it learns: from about log(28) = 3.33 at the start
        java.util.regex.Matcher first = java.util.regex.Pattern.compile("step 0: train loss [0-9.]+, val loss ([0-9.]+)")
                .matcher(out);
        assertTrue(first.find(), out);
        assertTrue(r.valLoss() < Double.parseDouble(first.group(1)) - 0.1, "val loss " + r.valLoss());
        assertTrue(r.tokensPerSecond() > 0);
        assertTrue(Files.size(png) > 0);
        List<String> csv = Files.readAllLines(dir.resolve("run.csv"));
        assertEquals("panel,series,step,y", csv.get(0));
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("loss,val (2 batches),20,")), csv.toString());
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("tokens/s,training,20,")), csv.toString());
    }

    @Test
    void aResumedRunEndsWhereAnUninterruptedOneDoes() throws Exception {
        Path whole = dir.resolve("whole.ckpt");
        Path half = dir.resolve("half.ckpt");
        Path resumed = dir.resolve("resumed.ckpt");
        TrainGPT.Result a = (TrainGPT.Result) output(() -> TrainGPT.run(TrainGPT.Options.parse(
                tiny("--steps", "20", "--save", whole.toString()))))[1];
        output(() -> TrainGPT.run(TrainGPT.Options.parse(tiny("--steps", "10", "--save", half.toString()))));
        Object[] c = output(() -> TrainGPT.run(TrainGPT.Options.parse(
                tiny("--steps", "20", "--resume", half.toString(), "--save", resumed.toString()))));
        assertTrue(((String) c[0]).contains("resumed from " + half + " at step 10"), (String) c[0]);
        TrainGPT.Result b = (TrainGPT.Result) c[1];
        assertEquals(a.valLoss(), b.valLoss());
        assertEquals(a.trainLoss(), b.trainLoss());
        assertEquals(a.sample(), b.sample());
        // bit for bit: model, optimizer moments, scheduler, step and generator
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(resumed));
        Map<String, Tensor> state = Safetensors.load(resumed);
        assertTrue(state.containsKey("model.transformer.wte.weight"), state.keySet().toString());
        assertTrue(state.containsKey("model.transformer.h.1.attn.c_attn.weight"), state.keySet().toString());
        assertTrue(state.containsKey("optimizer.state.0.exp_avg"), state.keySet().toString());
    }

    @Test
    void readsEveryPlainFileInPathOrderAndSplits90To10(@TempDir Path data) throws IOException {
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("b"), "bb\n");
        Files.writeString(data.resolve("a.dat"), "index, skipped");
        Files.writeString(data.resolve("sub/c"), "c\u00e9\n");
        Files.writeString(data.resolve("a"), "aaaa\n");
        Files.createSymbolicLink(data.resolve("a.u8"), data.resolve("a"));
        TrainGPT.CharData d = TrainGPT.CharData.load(data, Device.CPU);
        assertEquals(List.of("a", "b", "sub/c"), d.files);
        assertEquals(11, d.length); // "aaaa\nbb\nc\u00e9\n": code points
        assertArrayEquals(new int[] {'\n', 'a', 'b', 'c', 0xe9}, d.chars);
        assertEquals(9, d.train.numel()); // int(11 * 0.9)
        assertArrayEquals(new long[] {1, 1, 1, 1, 0, 2, 2, 0, 3}, d.train.toLongArray());
        assertArrayEquals(new long[] {4, 0}, d.val.toLongArray());
        Tensor[] xy = TrainGPT.CharData.batch(d.train, 3, 4, new dev.ember.Generator(1));
        assertArrayEquals(new int[] {3, 4}, xy[0].shape());
        long[] x = xy[0].toLongArray();
        long[] y = xy[1].toLongArray();
        long[] all = d.train.toLongArray();
        for (int row = 0; row < 3; row++) {
            int start = -1;
            for (int s = 0; s + 4 < all.length && start < 0; s++) {
                boolean match = true;
                for (int j = 0; j < 4; j++) {
                    match &= all[s + j] == x[row * 4 + j] && all[s + j + 1] == y[row * 4 + j];
                }
                start = match ? s : -1;
            }
            assertTrue(start >= 0, "row " + row + " is no block of the split with its targets one later");
        }
    }

    @Test
    void theScheduleIsNanoGptsGetLr() {
        TrainGPT.Options o = TrainGPT.Options.parse("--warmup", "100", "--steps", "2000");
        assertEquals(1.0 / 101, TrainGPT.lrFactor(0, o), 1e-15);
        assertEquals(100.0 / 101, TrainGPT.lrFactor(99, o), 1e-15);
        assertEquals(1.0, TrainGPT.lrFactor(100, o), 1e-15);
        assertEquals(0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.5)), TrainGPT.lrFactor(1050, o), 1e-15);
        assertEquals(0.1, TrainGPT.lrFactor(2000, o), 1e-15);
        assertEquals(0.1, TrainGPT.lrFactor(2500, o), 1e-15);
    }

    @Test
    void profilesTheLastStepsAndPrintsPyTorchsTable() throws Exception {
        Object[] o = output(() -> TrainGPT.run(TrainGPT.Options.parse(tiny("--steps", "12", "--profile", "3"))));
        String out = (String) o[0];
        int at = out.indexOf("profile of the last 3 training steps");
        assertTrue(at >= 0, out);
        String table = out.substring(at, out.indexOf("trained 12 steps in"));
        assertTrue(table.contains("Self CPU time total: "), table);
        // the three step ranges, one call each, and the kernels and backward nodes inside them
        java.util.regex.Matcher step = java.util.regex.Pattern.compile("(?m)^ *train_step +(.*)$").matcher(table);
        assertTrue(step.find(), table);
        assertTrue(step.group(1).trim().endsWith(" 3"), step.group(1));
        assertTrue(table.contains("aten::"), table);
        assertTrue(table.contains("Backward0"), table);
        // without the option, no profile
        String plain = (String) output(() -> TrainGPT.run(TrainGPT.Options.parse(tiny("--steps", "2"))))[0];
        assertFalse(plain.contains("profile of the last"), plain);
        assertEquals("--profile must be at least 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--profile", "-1")).getMessage());
    }

    @Test
    void refusesBadOptions() {
        assertEquals("unknown option --bogus", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--bogus", "1")).getMessage());
        assertEquals("--steps needs a value", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--steps")).getMessage());
        assertEquals("--lr needs a number, got fast", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--lr", "fast")).getMessage());
        assertEquals("--embd (30) must be a multiple of --heads (4)", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--embd", "30")).getMessage());
        assertEquals("--attention must be fused or manual, got flash", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--attention", "flash")).getMessage());
        assertEquals("--dropout must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--dropout", "1")).getMessage());
    }

    @Test
    void theManualAttentionComputesWhatTheFusedOneDoes() {
        TrainGPT.Options fused = TrainGPT.Options.parse("--layers", "2", "--heads", "2", "--embd", "32", "--block", "16");
        TrainGPT.Options manual = TrainGPT.Options.parse("--layers", "2", "--heads", "2", "--embd", "32", "--block", "16",
                "--attention", "manual");
        Ember.manualSeed(3);
        TrainGPT.GPT a = new TrainGPT.GPT(fused, 20);
        Ember.manualSeed(3);
        TrainGPT.GPT b = new TrainGPT.GPT(manual, 20);
        Tensor idx = Tensor.randint(0, 20, 3, 16);
        try (GradMode off = Ember.noGrad()) {
            Tensor la = a.forward(idx);
            Tensor lb = b.forward(idx);
            assertArrayEquals(new int[] {3, 16, 20}, la.shape());
            assertTrue(la.sub(lb).abs().max().item() < 1e-5, "largest difference " + la.sub(lb).abs().max().item());
            // causal: the first 5 positions' logits do not depend on the tokens after them
            Tensor changed = idx.clone();
            changed.narrow(1, 5, 11).fill_(0.0);
            assertTrue(a.forward(changed).narrow(1, 0, 5).sub(la.narrow(1, 0, 5)).abs().max().item() < 1e-6);
        }
        // nanoGPT's init: c_proj weights have std 0.02 / sqrt(2 * layers) = 0.01; the others 0.02
        Tensor proj = a.namedParameters().get("transformer.h.0.mlp.c_proj.weight");
        Tensor fc = a.namedParameters().get("transformer.h.0.mlp.c_fc.weight");
        assertEquals(0.01, proj.to(DType.FLOAT64).std().item(), 0.001);
        assertEquals(0.02, fc.to(DType.FLOAT64).std().item(), 0.002);
        assertTrue(!a.namedParameters().containsKey("lm_head.weight")); // tied: the token embedding's weight
        // tied through the modules, as nanoGPT's: one tensor under both names, both in the state dict
        assertSame(a.getParameter("lm_head.weight"), a.getParameter("transformer.wte.weight"));
        assertTrue(a.stateDict().containsKey("lm_head.weight"));
    }
}
