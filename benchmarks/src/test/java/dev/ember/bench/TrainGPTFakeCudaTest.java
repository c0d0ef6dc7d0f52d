package dev.ember.bench;

import dev.ember.AutocastMode;
import dev.ember.DType;
import dev.ember.Device;
import dev.ember.DeviceType;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.cpu.CpuBackend;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The code path of the GPU check's GPT step ({@code benchmarks/gpu/check.sh}: {@code --device cuda --autocast bf16})
 * without a GPU: a fake {@code cuda} device served by the CPU's kernels (as engine-cpu's test support {@code Backends2}
 * does), registered for each test and the real CUDA backend put back after it. Under {@code autocast("cuda")} the
 * lists are CUDA's (PyTorch 2.x {@code autocast_mode.cpp}, {@code AutocastCUDA}): {@code linear} in the lower type,
 * {@code softmax}, {@code log_softmax} and {@code nll_loss} (what {@code cross_entropy} decomposes into on CUDA) in
 * float32; the float16 run's {@code GradScaler("cuda")} is enabled because the fake device is usable. What it does not
 * check: CUDA's kernels (they never ran on a GPU here).
 */
class TrainGPTFakeCudaTest {
    @TempDir
    static Path dir;
    static Path text;
    private Backend real;

    @BeforeAll
    static void generatedText() throws IOException {
        text = TrainGPTTest.words(dir, "pack my box with five dozen liquor jugs and then sphinx of black quartz judge "
                + "my vow", 1);
    }

    @BeforeEach
    void fakeCuda() {
        real = Backends.find("cuda");
        CpuBackend cpu = new CpuBackend();
        Backend fake = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("deviceType")) {
                        return "cuda";
                    }
                    try {
                        return method.invoke(cpu, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Backends.register(fake);
    }

    @AfterEach
    void realCuda() {
        if (real != null) {
            Backends.register(real);
        }
    }

    private static synchronized Object[] train(String... more) throws IOException {
        String[] base = {"--device", "cuda", "--data", text.toString(), "--layers", "2", "--heads", "2", "--embd", "32",
            "--block", "16", "--batch-size", "4", "--eval-every", "20", "--eval-iters", "2", "--log-every", "10",
            "--warmup", "5", "--steps", "20", "--sample-chars", "20"};
        String[] args = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
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

    private static void learns(String out, TrainGPT.Result r) {
        assertTrue(out.startsWith("device: cuda:0 ("), out);
        Matcher first = Pattern.compile("step 0: train loss ([0-9.]+), val loss ([0-9.]+)").matcher(out);
        assertTrue(first.find(), out);
        assertTrue(Double.isFinite(r.valLoss()) && r.valLoss() < Double.parseDouble(first.group(2)) - 0.1,
                "val loss " + r.valLoss() + " from " + first.group(2));
        assertEquals(20, r.steps());
        assertEquals(20, r.sample().codePointCount(0, r.sample().length()));
    }

    @Test
    void theGpuChecksRunBf16AutocastOnCuda() throws IOException {
        Object[] o = train("--autocast", "bf16", "--preset", "shakespeare_char", "--layers", "2", "--heads", "2",
                "--embd", "32", "--block", "16", "--batch-size", "4", "--eval-every", "20", "--eval-iters", "2",
                "--log-every", "10", "--warmup", "5", "--steps", "20", "--decay-steps", "20", "--dropout", "0.2");
        String out = (String) o[0];
        learns(out, (TrainGPT.Result) o[1]);
        assertTrue(out.contains("preset shakespeare_char (nanoGPT's config/train_shakespeare_char.py), then the options "
                + "given\n"), out);
        assertTrue(out.contains("dropout 0.2: "), out);
        assertTrue(out.contains("AdamW betas (0.9, 0.99), weight decay 0.1, clip 1.0, autocast bf16\n"), out);
        assertTrue(Pattern.compile("trained 20 steps in [0-9.]+ s: [0-9]+ tokens/s, autocast bf16\n").matcher(out).find(),
                out);
    }

    @Test
    void fp16OnCudaScalesTheLoss() throws IOException {
        Object[] o = train("--autocast", "fp16");
        String out = (String) o[0];
        TrainGPT.Result r = (TrainGPT.Result) o[1];
        learns(out, r);
        assertTrue(out.contains("clip 1.0, autocast fp16 with a GradScaler\n"), out);
        assertTrue(out.contains("tokens/s, autocast fp16 (loss scale " + 65536.0 / Math.pow(2, r.skippedSteps()) + ", "
                + r.skippedSteps() + " steps skipped)\n"), out);
        assertTrue(r.skippedSteps() < 5, "skipped " + r.skippedSteps());
    }

    @Test
    void cudasListsTypeTheGptsOps() {
        TrainGPT.Options o = TrainGPT.Options.parse("--layers", "2", "--heads", "2", "--embd", "32", "--block", "16");
        Ember.manualSeed(7);
        TrainGPT.GPT model = new TrainGPT.GPT(o, 20);
        model.to(Device.cuda(0));
        Tensor idx = Tensor.randint(0, 20, 3, 16).to(Device.cuda(0));
        Tensor targets = Tensor.randint(0, 20, 3, 16).to(Device.cuda(0));
        try (AutocastMode ac = Ember.autocast(DeviceType.CUDA, DType.BFLOAT16)) {
            Tensor logits = model.forward(idx);
            assertEquals(DType.BFLOAT16, logits.dtype());
            assertTrue(logits.device().equals(Device.cuda(0)));
            assertEquals(DType.FLOAT32, logits.softmax(-1).dtype()); // softmax: CUDA's fp32 list (not on the CPU's)
            Tensor loss = Functional.crossEntropy(logits.view(-1, 20), targets.view(-1));
            assertEquals(DType.FLOAT32, loss.dtype());
            loss.backward();
        }
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            assertEquals(DType.FLOAT32, e.getValue().grad().dtype(), e.getKey());
            assertTrue(e.getValue().grad().device().equals(Device.cuda(0)), e.getKey());
        }
    }
}
