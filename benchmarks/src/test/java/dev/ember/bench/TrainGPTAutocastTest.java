package dev.ember.bench;

import dev.ember.AutocastMode;
import dev.ember.DType;
import dev.ember.DeviceType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TrainGPT} under {@code --autocast} on the CPU at a tiny size (generated text, no fortunes needed), and the
 * {@code --preset}, {@code --beta2} and {@code --autocast} options.
 *
 * <p>What PyTorch does, which these tests hold Ember to: under {@code torch.autocast("cpu", torch.bfloat16)} a
 * {@code linear} returns bfloat16 (it is on the CPU lower-precision list of PyTorch 2.x's
 * {@code aten/src/ATen/autocast_mode.cpp}; torch 1.13 here gives {@code torch.bfloat16} for {@code nn.Linear} too) and
 * {@code cross_entropy} float32 (CPU fp32 list: {@code cross_entropy_loss}); parameters and their gradients stay
 * float32. float16 on the CPU: PyTorch 2.x's {@code torch/amp/autocast_mode.py} takes it ({@code supported_dtype =
 * [torch.bfloat16, torch.float16]} for "cpu", added by pytorch/pytorch pull request 112484, 2023; torch 1.13 raises
 * "Currently, AutocastCPU only support Bfloat16 as the autocast_cpu_dtype" and 2.0 warns and disables), with the same
 * op lists, so a {@code linear} returns float16; {@code torch.amp.GradScaler("cpu")} scales on the CPU (2.x).
 */
class TrainGPTAutocastTest {
    @TempDir
    static Path dir;
    static Path text;

    @BeforeAll
    static void generatedText() throws IOException {
        text = TrainGPTTest.words(dir, "the quick brown fox jumps over a lazy dog while seven wizards quietly hex jolly "
                + "bakers", 0);
    }

    /** 2 layers, 2 heads, 32 embedding, block 16, batch 4, 20 steps, evaluated at 0 and 20. */
    static String[] tiny(String... more) {
        String[] base = {"--device", "cpu", "--data", text.toString(), "--layers", "2", "--heads", "2", "--embd", "32",
            "--block", "16", "--batch-size", "4", "--eval-every", "20", "--eval-iters", "2", "--log-every", "10",
            "--warmup", "5", "--steps", "20", "--sample-chars", "20"};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    /** Runs and returns what it printed (echoed) and the result. */
    private static synchronized Object[] train(String... args) throws IOException {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        TrainGPT.Result result;
        try {
            result = TrainGPT.run(TrainGPT.Options.parse(args));
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        saved.print(out);
        return new Object[] {out, result};
    }

    /** The run learns: finite losses, the final val loss at least 0.1 under the first evaluation's. */
    private static void learns(String out, TrainGPT.Result r) {
        Matcher first = Pattern.compile("step 0: train loss ([0-9.]+), val loss ([0-9.]+)").matcher(out);
        assertTrue(first.find(), out);
        double start = Double.parseDouble(first.group(2));
        assertTrue(Double.isFinite(r.trainLoss()) && Double.isFinite(r.valLoss()), r.toString());
        assertTrue(r.valLoss() < start - 0.1, "val loss " + r.valLoss() + " from " + start);
        Matcher logged = Pattern.compile("step (10|20): loss ([^,]+),").matcher(out);
        int lines = 0;
        while (logged.find()) {
            assertTrue(Double.isFinite(Double.parseDouble(logged.group(2))), logged.group());
            lines++;
        }
        assertEquals(2, lines, out);
        assertEquals(20, r.steps());
        assertEquals(20, r.sample().codePointCount(0, r.sample().length()));
    }

    /** Every floating tensor of a checkpoint (model, AdamW moments) is float32. */
    private static void float32State(Path checkpoint) throws IOException {
        Map<String, Tensor> state = Safetensors.load(checkpoint);
        long floating = 0;
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (e.getKey().startsWith("model.") || e.getKey().contains("exp_avg")) {
                assertEquals(DType.FLOAT32, e.getValue().dtype(), e.getKey());
                floating++;
            }
        }
        assertTrue(floating > 20, state.keySet().toString()); // 2 blocks' weights and their moments
    }

    @Test
    void bf16TrainsOnTheCpuWithFloat32WeightsAndSaysSo() throws IOException {
        Path ckpt = dir.resolve("bf16.ckpt");
        Object[] o = train(tiny("--autocast", "bf16", "--save", ckpt.toString()));
        String out = (String) o[0];
        TrainGPT.Result r = (TrainGPT.Result) o[1];
        learns(out, r);
        assertTrue(out.contains("weight decay 0.1, clip 1.0, autocast bf16\n"), out);
        assertTrue(Pattern.compile("step 10: loss [0-9.]+, lr [0-9.e+-]+, [0-9]+ tokens/s, autocast bf16\n").matcher(out)
                .find(), out);
        assertTrue(Pattern.compile("trained 20 steps in [0-9.]+ s: [0-9]+ tokens/s, autocast bf16\n").matcher(out).find(),
                out);
        assertEquals(0, r.skippedSteps()); // no scaler for bf16
        float32State(ckpt);
    }

    @Test
    void offIsFloat32AndBf16EndsWhereItDoes() throws IOException {
        Object[] o = train(tiny());
        String out = (String) o[0];
        TrainGPT.Result f32 = (TrainGPT.Result) o[1];
        learns(out, f32);
        assertTrue(out.contains(", clip 1.0, float32\n"), out);
        assertTrue(Pattern.compile("step 10: loss [0-9.]+, lr [0-9.e+-]+, [0-9]+ tokens/s, float32\n").matcher(out).find(),
                out);
        assertTrue(Pattern.compile("trained 20 steps in [0-9.]+ s: [0-9]+ tokens/s, float32\n").matcher(out).find(), out);
        // the same run (same seed, batches and init) under bf16 autocast ends at the same losses to bf16's precision
        TrainGPT.Result bf16 = (TrainGPT.Result) train(tiny("--autocast", "bf16"))[1];
        assertEquals(f32.valLoss(), bf16.valLoss(), 0.01);
        assertEquals(f32.trainLoss(), bf16.trainLoss(), 0.01);
    }

    @Test
    void fp16TrainsOnTheCpuWithAGradScaler() throws IOException {
        Path ckpt = dir.resolve("fp16.ckpt");
        Object[] o = train(tiny("--autocast", "fp16", "--save", ckpt.toString()));
        String out = (String) o[0];
        TrainGPT.Result r = (TrainGPT.Result) o[1];
        learns(out, r);
        assertTrue(out.contains("clip 1.0, autocast fp16 with a GradScaler\n"), out);
        // the scaler's scale: 2^16 until an inf/NaN step halves it or 2,000 clean steps double it
        Matcher log = Pattern.compile("step 20: loss [0-9.]+, lr [0-9.e+-]+, [0-9]+ tokens/s, autocast fp16 \\(loss scale "
                + "([0-9.]+), ([0-9]+) steps skipped\\)\n").matcher(out);
        assertTrue(log.find(), out);
        long skipped = Long.parseLong(log.group(2));
        assertEquals(r.skippedSteps(), skipped);
        assertEquals(65536.0 / Math.pow(2, skipped), Double.parseDouble(log.group(1)));
        assertTrue(skipped < 5, "skipped " + skipped);
        assertTrue(out.contains("tokens/s, autocast fp16 (" + skipped + " steps skipped by the GradScaler)\n"), out);
        float32State(ckpt);
    }

    @Test
    void insideAutocastTheLogitsAreLowPrecisionAndTheWeightsAndGradientsFloat32() {
        TrainGPT.Options o = TrainGPT.Options.parse("--layers", "2", "--heads", "2", "--embd", "32", "--block", "16");
        Ember.manualSeed(5);
        TrainGPT.GPT model = new TrainGPT.GPT(o, 20);
        Ember.manualSeed(5);
        TrainGPT.GPT manual = new TrainGPT.GPT(TrainGPT.Options.parse("--layers", "2", "--heads", "2", "--embd", "32",
                "--block", "16", "--attention", "manual"), 20);
        Tensor idx = Tensor.randint(0, 20, 3, 16);
        Tensor targets = Tensor.randint(0, 20, 3, 16);
        Tensor reference;
        try (GradMode off = Ember.noGrad()) {
            reference = model.forward(idx);
        }
        assertEquals(DType.FLOAT32, reference.dtype());
        for (DType low : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            model.zeroGrad();
            Tensor loss;
            Tensor logits;
            try (AutocastMode ac = Ember.autocast(DeviceType.CPU, low)) {
                logits = model.forward(idx);
                loss = Functional.crossEntropy(logits.view(-1, 20), targets.view(-1));
            }
            assertEquals(low, logits.dtype()); // linear (the tied lm_head) is on the lower-precision list
            assertEquals(DType.FLOAT32, loss.dtype()); // cross_entropy_loss is on the fp32 list
            assertTrue(Double.isFinite(loss.item()));
            // the same logits as float32 to the type's precision (a few roundings of activations of size ~0.5)
            double tol = low == DType.BFLOAT16 ? 0.05 : 0.01;
            double diff = logits.detach().to(DType.FLOAT32).sub(reference).abs().max().item();
            assertTrue(diff < tol, low + ": largest difference " + diff);
            // nanoGPT's manual attention path under autocast: its matmuls in the lower type, the same logits
            try (GradMode off = Ember.noGrad(); AutocastMode ac = Ember.autocast(DeviceType.CPU, low)) {
                Tensor m = manual.forward(idx);
                assertEquals(low, m.dtype());
                double md = m.to(DType.FLOAT32).sub(reference).abs().max().item();
                assertTrue(md < tol, low + ", manual attention: largest difference " + md);
            }
            loss.backward();
            int params = 0;
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                assertEquals(DType.FLOAT32, e.getValue().dtype(), e.getKey());
                assertEquals(DType.FLOAT32, e.getValue().grad().dtype(), e.getKey());
                assertTrue(e.getValue().grad().abs().sum().item() > 0, e.getKey());
                params++;
            }
            assertEquals(2 + 2 * 6 + 1, params); // wte, wpe; per block ln_1, c_attn, c_proj, ln_2, c_fc, c_proj; ln_f
        }
    }

    @Test
    void thePresetIsNanoGptsShakespeareCharAndOptionsOverrideIt() {
        TrainGPT.Options d = TrainGPT.Options.parse();
        assertNull(d.preset);
        assertEquals("off", d.autocast);
        assertNull(d.autocastDtype());
        assertEquals(0.95, d.beta2);
        TrainGPT.Options p = TrainGPT.Options.parse("--preset", "shakespeare_char");
        assertEquals("shakespeare_char", p.preset);
        assertEquals(6, p.layers);
        assertEquals(6, p.heads);
        assertEquals(384, p.embd);
        assertEquals(256, p.block);
        assertEquals(64, p.batchSize);
        assertEquals(0.2, p.dropout);
        assertEquals(1e-3, p.lr);
        assertEquals(5000, p.steps);
        assertEquals(5000, p.decaySteps());
        assertEquals(0.99, p.beta2);
        assertEquals(100, p.warmup);
        assertEquals(250, p.evalEvery);
        assertEquals(200, p.evalIters);
        assertEquals(10, p.logEvery);
        assertEquals(0.1, p.weightDecay);
        assertEquals("off", p.autocast);
        assertEquals(1e-4, TrainGPT.lrFactor(5000, p) * p.lr, 1e-18); // nanoGPT's min_lr
        // explicit options win, before or after the preset
        for (String[] args : new String[][] {
            {"--steps", "300", "--eval-iters", "20", "--preset", "shakespeare_char", "--autocast", "bf16"},
            {"--preset", "shakespeare_char", "--steps", "300", "--autocast", "bf16", "--eval-iters", "20"}}) {
            TrainGPT.Options q = TrainGPT.Options.parse(args);
            assertEquals(300, q.steps);
            assertEquals(20, q.evalIters);
            assertEquals(5000, q.decaySteps()); // the schedule stays the 5,000-step run's
            assertEquals(384, q.embd);
            assertEquals(DType.BFLOAT16, q.autocastDtype());
        }
        assertEquals(DType.FLOAT16, TrainGPT.Options.parse("--autocast", "fp16").autocastDtype());
        assertEquals(0.9, TrainGPT.Options.parse("--beta2", "0.9").beta2);
    }

    @Test
    void refusesBadAutocastPresetAndBeta2() {
        assertEquals("--autocast must be bf16, fp16 or off, got fp32", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--autocast", "fp32")).getMessage());
        assertEquals("--autocast must be bf16, fp16 or off, got bfloat16", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--autocast", "bfloat16")).getMessage());
        assertEquals("--autocast needs a value", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--autocast")).getMessage());
        assertEquals("--preset must be shakespeare_char, got gpt2", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--steps", "10", "--preset", "gpt2")).getMessage());
        assertEquals("--preset needs a value", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--steps", "10", "--preset")).getMessage());
        assertEquals("--beta2 must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--beta2", "1")).getMessage());
        assertEquals("--beta2 needs a number, got high", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--beta2", "high")).getMessage());
        // the preset's values are checked with the options given: its 5,000-step decay must exceed the warmup
        assertEquals("--decay-steps (5000) must exceed --warmup (6000)", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--warmup", "6000", "--preset", "shakespeare_char")).getMessage());
        // the preset's 6 heads do not divide an embedding of 128
        assertEquals("--embd (128) must be a multiple of --heads (6)", assertThrows(IllegalArgumentException.class,
                () -> TrainGPT.Options.parse("--preset", "shakespeare_char", "--embd", "128")).getMessage());
    }
}
