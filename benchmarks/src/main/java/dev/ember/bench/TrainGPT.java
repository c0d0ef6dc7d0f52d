package dev.ember.bench;

import dev.ember.AutocastMode;
import dev.ember.DType;
import dev.ember.Device;
import dev.ember.DeviceType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.amp.GradScaler;
import dev.ember.backend.Backends;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.Init;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleList;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import dev.ember.optim.LambdaLR;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.RecordFunction;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Issue 15's proof: a character-level GPT as nanoGPT defines it, trained from scratch on Debian's {@code fortunes}.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.bench.TrainGPT \
 *     [--device auto] [--steps 2000] [--eval-every 200] [--eval-iters 20] [--layers 4] [--heads 4] [--embd 128]
 *     [--block 128] [--batch-size 32] [--dropout 0.0] [--lr 1e-3] [--warmup 100] [--seed 1337] [--save FILE]
 *     [--resume FILE] [--plot FILE.png] [--sample-chars 500] [--temperature 0.8] [--top-k 40]
 *     [--data /usr/share/games/fortunes] [--autocast bf16|fp16|off] [--preset shakespeare_char]
 * </pre>
 * Extra options: {@code --weight-decay 0.1}, {@code --decay-steps N} (nanoGPT's {@code lr_decay_iters}, default
 * {@code --steps}), {@code --log-every 50}, {@code --attention fused|manual} (nanoGPT's {@code flash} switch: the
 * fused {@code scaled_dot_product_attention} or its manual composition, which materializes the score matrices),
 * {@code --beta2 0.95} (AdamW's second beta), {@code --profile N} (below). {@code --preset shakespeare_char} starts from nanoGPT's
 * {@code config/train_shakespeare_char.py} (6 layers, 6 heads, 384 embedding, block 256, batch 64, dropout 0.2, lr 1e-3,
 * 5,000 steps decaying to step 5,000, beta2 0.99, warmup 100, an evaluation every 250 steps over 200 batches, a log
 * line every 10 steps); the options given override it, wherever the preset stands on the command line.
 *
 * <p><b>Data</b> ({@link CharData}): every regular file under {@code --data}, recursively, whose name does not end in
 * {@code .dat} (the {@code strfile} indexes) and that is not a symbolic link (Debian's {@code *.u8} links point at the
 * plain files), read as UTF-8 and concatenated in the sorted order of their paths relative to the directory: 2,576,627
 * characters from the 43 files of {@code fortunes} 1:1.99.1-7.3 (Debian 12). The vocabulary is the sorted set of distinct characters
 * (Unicode code points), the first 90% of the positions train and the rest validate. A training batch is
 * {@code batch} blocks starting at positions drawn uniformly from the default generator (seeded with {@code --seed}),
 * each target the block shifted by one, as nanoGPT's {@code get_batch}.
 *
 * <p><b>Model</b> ({@link GPT}): token and position embeddings, dropout, {@code layers} pre-norm blocks of causal
 * self-attention (one {@code c_attn} Linear for q, k and v, {@link Functional#scaledDotProductAttention} with
 * {@code isCausal}, a {@code c_proj} Linear) and a 4x GELU MLP, each added to the residual stream, a final LayerNorm,
 * and the output projection tied to the token embedding. No biases in the Linear and LayerNorm layers (nanoGPT's
 * {@code train.py} default {@code bias=False}). nanoGPT's init: every Linear weight and both embeddings normal(0,
 * 0.02), the two {@code c_proj} weights of each block normal(0, 0.02 / sqrt(2 layers)).
 *
 * <p><b>Training</b>: AdamW, betas (0.9, {@code beta2}), eps 1e-8, weight decay 0.1 on the parameters of two or more dimensions
 * (the embeddings and Linear weights) and none on the others (the LayerNorm weights), as nanoGPT's
 * {@code configure_optimizers}; nanoGPT's {@code get_lr}: a linear warmup to {@code lr} over {@code warmup} steps, then
 * cosine decay to {@code lr / 10} at {@code decay-steps} (a {@link LambdaLR}, so it is in the checkpoint); gradients
 * clipped to norm 1.0; each step in a {@link TensorScope}. The default dropout is 0: the fused CPU attention has no
 * dropout (PyTorch's CPU flash kernel neither; a dropout above 0 makes the attention the composition), and the PyTorch
 * twin ({@code benchmarks/pytorch/train_gpt.py}) uses the same.
 *
 * <p><b>Precision</b> ({@code --autocast}, default off: float32): as nanoGPT's {@code train.py}, the forward and the
 * loss of every step, evaluation and sample run inside {@code Ember.autocast(device type, bfloat16 or float16)}
 * (nanoGPT's {@code ctx}; the weights stay float32, the matmuls and the attention run in the lower type, the losses in
 * float32, by autocast's lists), and float16 uses a {@link GradScaler} (nanoGPT's {@code GradScaler(enabled=(dtype ==
 * 'float16'))}, PyTorch's defaults): the scaled loss's backward, {@code unscale_} before the clipping, {@code step}
 * (skipped when a gradient is inf or NaN) and {@code update}. Unlike nanoGPT (a {@code nullcontext} on the CPU) it
 * autocasts on the CPU too, where PyTorch 2.x's CPU autocast takes both types. The precision is in the log lines and
 * the summary; the scaler's state is not in a checkpoint (a resumed fp16 run starts again at a scale of 2^16).
 *
 * <p><b>Evaluation</b> (before the first step, every {@code eval-every} steps and after the last): the mean loss over
 * {@code eval-iters} batches of each split in eval mode, the batches drawn from a generator seeded with
 * {@code seed + 1} afresh at every evaluation (the same batches each time, and the training stream untouched; nanoGPT
 * draws them from its global generator). It prints the step, the mean training loss and tokens per second of every
 * {@code log-every} steps (the clock stops during evaluations), the losses at each evaluation, then
 * {@code val loss: x.xxxx} and a sample of {@code sample-chars} characters generated from a newline (temperature,
 * top-k) with a generator seeded with {@code seed}.
 *
 * <p><b>Profile</b> ({@code --profile N}, default 0: none): the run's last N training steps (or all of them, if fewer)
 * run inside an Ember {@link dev.ember.profiler.Profiler} ({@code torch.profiler.profile}), each in a
 * {@code train_step} range, and the kernels' and autograd nodes' totals are printed after the training as PyTorch's
 * {@code key_averages().table(sort_by="self_cpu_time_total", row_limit=30)}. Every kernel is timed (on CUDA also
 * synchronized), so those steps run slower and the tokens/s they log is lower than an unprofiled run's; an evaluation
 * that falls among them is recorded too, outside the {@code train_step} ranges.
 *
 * <p><b>Checkpoints</b>: {@code --save FILE} writes a {@link Checkpoint} (model, optimizer, scheduler, step, generator)
 * at every evaluation after the first step and at the end; {@code --resume FILE} loads one and continues to
 * {@code --steps}, giving the numbers of a run that never stopped (same options; the schedule's length is
 * {@code --decay-steps}, so a run that stops early should set it to the full run's length). {@code --plot FILE.png}
 * draws train and val loss and tokens/s against the step ({@link RunPlot}) and writes its points to {@code FILE.csv}.
 */
public final class TrainGPT {
    private TrainGPT() {
    }

    // ------------------------------------------------------------------ options

    /** The command line's options, with their defaults (the CPU size). */
    public static final class Options {
        /** {@code --device}: auto, cpu, cuda or cuda:N. */
        public String device = "auto";
        /** {@code --steps}: optimizer steps to reach. */
        public long steps = 2000;
        /** {@code --eval-every}. */
        public long evalEvery = 200;
        /** {@code --eval-iters}: batches per split per evaluation. */
        public int evalIters = 20;
        /** {@code --log-every}. */
        public long logEvery = 50;
        /** {@code --layers}. */
        public int layers = 4;
        /** {@code --heads}. */
        public int heads = 4;
        /** {@code --embd}. */
        public int embd = 128;
        /** {@code --block}: the context length. */
        public int block = 128;
        /** {@code --batch-size}. */
        public int batchSize = 32;
        /** {@code --dropout}. */
        public double dropout = 0.0;
        /** {@code --lr}: the peak learning rate; the minimum is a tenth of it. */
        public double lr = 1e-3;
        /** {@code --weight-decay} (on the matrices). */
        public double weightDecay = 0.1;
        /** {@code --warmup}: steps of linear warmup. */
        public long warmup = 100;
        /** {@code --decay-steps}: the step the cosine decay ends at; null: {@code steps}. */
        public Long decaySteps;
        /** {@code --seed}. */
        public long seed = 1337;
        /** {@code --save}, or null. */
        public Path save;
        /** {@code --resume}, or null. */
        public Path resume;
        /** {@code --plot}, or null. */
        public Path plot;
        /** {@code --sample-chars}. */
        public int sampleChars = 500;
        /** {@code --temperature}. */
        public double temperature = 0.8;
        /** {@code --top-k}; 0 samples from every character. */
        public int topK = 40;
        /** {@code --data}. */
        public Path data = Path.of("/usr/share/games/fortunes");
        /** {@code --attention}: fused or manual. */
        public String attention = "fused";
        /** {@code --beta2}: AdamW's second beta (nanoGPT's {@code beta2}; its {@code shakespeare_char} config: 0.99). */
        public double beta2 = 0.95;
        /** {@code --autocast}: bf16, fp16 or off (float32). */
        public String autocast = "off";
        /** {@code --preset}: the preset applied before the other options, or null. */
        public String preset;
        /** {@code --profile}: the last training steps to profile; 0 for none. */
        public long profile;

        static final String USAGE = "options: --device auto|cpu|cuda[:N] --steps N --eval-every N --eval-iters N "
                + "--log-every N --layers N --heads N --embd N --block N --batch-size N --dropout P --lr X --weight-decay X "
                + "--warmup N --decay-steps N --seed N --save FILE --resume FILE --plot FILE.png --sample-chars N "
                + "--temperature T --top-k K --data DIR --attention fused|manual --beta2 X --autocast bf16|fp16|off "
                + "--preset shakespeare_char --profile N ";

        /**
         * Parses a command line. A {@code --preset} applies first, wherever it stands, and the other options override
         * it.
         *
         * @throws IllegalArgumentException for an unknown option or preset, a missing or malformed value, or a value
         *     out of range
         */
        public static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i + 1 < args.length; i += 2) { // names stand at even positions, as the loop below reads them
                if (args[i].equals("--preset")) {
                    o.preset(args[i + 1]);
                }
            }
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(known(name) ? name + " needs a value" : "unknown option " + name);
                }
                String v = args[++i];
                try {
                    switch (name) {
                        case "--device": o.device = v; break;
                        case "--steps": o.steps = Long.parseLong(v); break;
                        case "--eval-every": o.evalEvery = Long.parseLong(v); break;
                        case "--eval-iters": o.evalIters = Integer.parseInt(v); break;
                        case "--log-every": o.logEvery = Long.parseLong(v); break;
                        case "--layers": o.layers = Integer.parseInt(v); break;
                        case "--heads": o.heads = Integer.parseInt(v); break;
                        case "--embd": o.embd = Integer.parseInt(v); break;
                        case "--block": o.block = Integer.parseInt(v); break;
                        case "--batch-size": o.batchSize = Integer.parseInt(v); break;
                        case "--dropout": o.dropout = Double.parseDouble(v); break;
                        case "--lr": o.lr = Double.parseDouble(v); break;
                        case "--weight-decay": o.weightDecay = Double.parseDouble(v); break;
                        case "--warmup": o.warmup = Long.parseLong(v); break;
                        case "--decay-steps": o.decaySteps = Long.parseLong(v); break;
                        case "--seed": o.seed = Long.parseLong(v); break;
                        case "--save": o.save = Path.of(v); break;
                        case "--resume": o.resume = Path.of(v); break;
                        case "--plot": o.plot = Path.of(v); break;
                        case "--sample-chars": o.sampleChars = Integer.parseInt(v); break;
                        case "--temperature": o.temperature = Double.parseDouble(v); break;
                        case "--top-k": o.topK = Integer.parseInt(v); break;
                        case "--data": o.data = Path.of(v); break;
                        case "--attention": o.attention = v; break;
                        case "--beta2": o.beta2 = Double.parseDouble(v); break;
                        case "--autocast": o.autocast = v; break;
                        case "--preset": break; // applied above
                        case "--profile": o.profile = Long.parseLong(v); break;
                        default: throw new IllegalArgumentException("unknown option " + name);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + " needs a number, got " + v);
                }
            }
            o.check();
            return o;
        }

        /**
         * Sets the sizes and hyperparameters of a preset. {@code shakespeare_char}: nanoGPT's
         * {@code config/train_shakespeare_char.py} (6 layers, 6 heads, 384 embedding, block 256, batch 64, dropout 0.2,
         * lr 1e-3, 5,000 steps with the cosine decay ending at step 5,000 ({@code max_iters}, {@code lr_decay_iters}),
         * beta2 0.99, warmup 100, an evaluation every 250 steps over 200 batches, a log line every 10 steps); its
         * {@code min_lr} 1e-4 is the tenth of the lr that this program's schedule always ends at. nanoGPT's
         * {@code train.py} defaults give the rest (weight decay 0.1, beta1 0.9, clip 1.0, no biases), as here.
         */
        private void preset(String name) {
            if (!name.equals("shakespeare_char")) {
                throw new IllegalArgumentException("--preset must be shakespeare_char, got " + name);
            }
            preset = name;
            layers = 6;
            heads = 6;
            embd = 384;
            block = 256;
            batchSize = 64;
            dropout = 0.2;
            lr = 1e-3;
            steps = 5000;
            decaySteps = 5000L;
            beta2 = 0.99;
            warmup = 100;
            evalEvery = 250;
            evalIters = 200;
            logEvery = 10;
        }

        /** The autocast dtype: null for off. */
        public DType autocastDtype() {
            return autocast.equals("bf16") ? DType.BFLOAT16 : autocast.equals("fp16") ? DType.FLOAT16 : null;
        }

        private static boolean known(String name) {
            return USAGE.contains(name + " ");
        }

        private void check() {
            positive("--steps", steps, true);
            positive("--eval-every", evalEvery, false);
            positive("--eval-iters", evalIters, false);
            positive("--log-every", logEvery, false);
            positive("--layers", layers, false);
            positive("--heads", heads, false);
            positive("--embd", embd, false);
            positive("--block", block, false);
            positive("--batch-size", batchSize, false);
            positive("--warmup", warmup, true);
            positive("--sample-chars", sampleChars, true);
            positive("--top-k", topK, true);
            positive("--profile", profile, true);
            if (embd % heads != 0) {
                throw new IllegalArgumentException("--embd (" + embd + ") must be a multiple of --heads (" + heads + ")");
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
            }
            if (!(lr > 0) || Double.isInfinite(lr) || !(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("--lr must be positive and --weight-decay at least 0, both finite");
            }
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("--temperature must be positive and finite, got " + temperature);
            }
            if (decaySteps != null && decaySteps <= warmup) {
                throw new IllegalArgumentException("--decay-steps (" + decaySteps + ") must exceed --warmup (" + warmup + ")");
            }
            if (!attention.equals("fused") && !attention.equals("manual")) {
                throw new IllegalArgumentException("--attention must be fused or manual, got " + attention);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("--beta2 must be in [0, 1), got " + beta2);
            }
            if (!autocast.equals("bf16") && !autocast.equals("fp16") && !autocast.equals("off")) {
                throw new IllegalArgumentException("--autocast must be bf16, fp16 or off, got " + autocast);
            }
        }

        private static void positive(String name, long v, boolean zeroAllowed) {
            if (v < 0 || (v == 0 && !zeroAllowed)) {
                throw new IllegalArgumentException(name + " must be " + (zeroAllowed ? "at least 0" : "positive") + ", got "
                        + v);
            }
        }

        /** The step the cosine decay ends at. */
        long decaySteps() {
            return decaySteps != null ? decaySteps : Math.max(steps, warmup + 1);
        }
    }

    // ------------------------------------------------------------------ data

    /** The text, its character vocabulary and its train/val split, as token tensors. */
    public static final class CharData {
        /** The vocabulary: distinct code points, sorted. */
        public final int[] chars;
        /** The first 90% of the positions, int64 token ids. */
        public final Tensor train;
        /** The last 10%. */
        public final Tensor val;
        /** The files read, relative to the directory, in order. */
        public final List<String> files;
        /** Characters (code points) in all. */
        public final long length;

        private CharData(int[] chars, Tensor train, Tensor val, List<String> files, long length) {
            this.chars = chars;
            this.train = train;
            this.val = val;
            this.files = files;
            this.length = length;
        }

        /**
         * Reads every plain-text file under {@code dir} (see the class comment) and splits it 90/10.
         *
         * @throws IOException when the directory holds no such file, a file is not UTF-8 or cannot be read
         */
        public static CharData load(Path dir, Device device) throws IOException {
            List<Path> paths;
            try (Stream<Path> walk = Files.walk(dir)) {
                paths = walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                        .filter(p -> !p.getFileName().toString().endsWith(".dat"))
                        .collect(Collectors.toList());
            }
            List<String> names = new ArrayList<>();
            for (Path p : paths) {
                names.add(relative(dir, p));
            }
            names.sort(null);
            if (names.isEmpty()) {
                throw new IOException("no plain-text file under " + dir);
            }
            StringBuilder text = new StringBuilder();
            for (String name : names) {
                byte[] bytes = Files.readAllBytes(dir.resolve(name));
                try {
                    text.append(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)));
                } catch (CharacterCodingException e) {
                    throw new IOException(dir.resolve(name) + " is not UTF-8 text: " + e, e);
                }
            }
            int[] codePoints = text.codePoints().toArray();
            int[] chars = java.util.Arrays.stream(codePoints).distinct().sorted().toArray();
            long[] ids = new long[codePoints.length];
            for (int i = 0; i < codePoints.length; i++) {
                ids[i] = java.util.Arrays.binarySearch(chars, codePoints[i]);
            }
            int n = (int) (ids.length * 0.9); // Python's int(n * 0.9), the same double product
            Tensor train = Tensor.tensor(java.util.Arrays.copyOfRange(ids, 0, n), DType.INT64, device);
            Tensor val = Tensor.tensor(java.util.Arrays.copyOfRange(ids, n, ids.length), DType.INT64, device);
            TensorScope.escape(train);
            TensorScope.escape(val);
            return new CharData(chars, train, val, List.copyOf(names), codePoints.length);
        }

        private static String relative(Path dir, Path p) {
            StringBuilder s = new StringBuilder();
            for (Path part : dir.relativize(p)) {
                if (s.length() > 0) {
                    s.append('/');
                }
                s.append(part);
            }
            return s.toString();
        }

        /** The vocabulary's size. */
        public int vocabSize() {
            return chars.length;
        }

        /** The text of token ids. */
        public String decode(List<Integer> ids) {
            StringBuilder s = new StringBuilder();
            for (int id : ids) {
                s.appendCodePoint(chars[id]);
            }
            return s.toString();
        }

        /** The token of a character, or -1 when the vocabulary lacks it. */
        public int encode(int codePoint) {
            int i = java.util.Arrays.binarySearch(chars, codePoint);
            return i < 0 ? -1 : i;
        }

        /**
         * A batch as nanoGPT's {@code get_batch}: {@code [batch, block]} inputs starting at positions uniform on
         * {@code [0, len - block)} and the targets one position later.
         */
        public static Tensor[] batch(Tensor data, int batch, int block, Generator generator) {
            long high = data.numel() - block;
            if (high <= 0) {
                throw new IllegalArgumentException("a split of " + data.numel() + " tokens is too short for --block " + block);
            }
            Tensor starts = generator == null ? Tensor.randint(0, high, batch)
                    : Tensor.zeros(DType.INT64, batch).randintLike(0, high, generator);
            Tensor index = starts.unsqueeze(1).add(Tensor.arange(block)).to(data.device());
            return new Tensor[] {data.take(index), data.take(index.add(1))};
        }
    }

    // ------------------------------------------------------------------ model

    /** nanoGPT's {@code CausalSelfAttention}: one qkv projection, causal attention over {@code heads} heads, an output projection. */
    public static final class CausalSelfAttention extends Module {
        final Linear cAttn;
        final Linear cProj;
        final Dropout attnDropout;
        final Dropout residDropout;
        private final int heads;
        private final int embd;
        private final double dropout;
        private final boolean fused;
        /** The manual path's mask: true above the diagonal (the future), of the block's size. */
        private final Tensor future;

        CausalSelfAttention(Options o) {
            heads = o.heads;
            embd = o.embd;
            dropout = o.dropout;
            fused = o.attention.equals("fused");
            cAttn = registerModule("c_attn", new Linear(embd, 3 * embd, false));
            cProj = registerModule("c_proj", new Linear(embd, embd, false));
            attnDropout = registerModule("attn_dropout", new Dropout(dropout));
            residDropout = registerModule("resid_dropout", new Dropout(dropout));
            future = fused ? null : TensorScope.escape(Tensor.ones(o.block, o.block).triu(1).to(DType.BOOL));
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.size(0);
            int t = x.size(1);
            int hs = embd / heads;
            List<Tensor> qkv = cAttn.apply(x).split(embd, 2);
            Tensor q = qkv.get(0).view(b, t, heads, hs).transpose(1, 2); // [B, nh, T, hs]
            Tensor k = qkv.get(1).view(b, t, heads, hs).transpose(1, 2);
            Tensor v = qkv.get(2).view(b, t, heads, hs).transpose(1, 2);
            double p = isTraining() ? dropout : 0.0;
            Tensor y;
            if (fused) {
                y = Functional.scaledDotProductAttention(q, k, v, null, p, true, null);
            } else {
                // nanoGPT's manual path: the [B, nh, T, T] scores materialized
                Tensor att = q.matmul(k.transpose(-2, -1)).mul(1.0 / Math.sqrt(hs));
                att = att.maskedFill(future.narrow(0, 0, t).narrow(1, 0, t).to(att.device()), Double.NEGATIVE_INFINITY);
                att = attnDropout.apply(att.softmax(-1));
                y = att.matmul(v);
            }
            y = y.transpose(1, 2).contiguous().view(b, t, embd);
            return residDropout.apply(cProj.apply(y));
        }
    }

    /** nanoGPT's {@code MLP}: Linear to 4x, GELU, Linear back, dropout. */
    public static final class Mlp extends Module {
        final Linear cFc;
        final GELU gelu;
        final Linear cProj;
        final Dropout dropout;

        Mlp(Options o) {
            cFc = registerModule("c_fc", new Linear(o.embd, 4 * o.embd, false));
            gelu = registerModule("gelu", new GELU());
            cProj = registerModule("c_proj", new Linear(4 * o.embd, o.embd, false));
            dropout = registerModule("dropout", new Dropout(o.dropout));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dropout.apply(cProj.apply(gelu.apply(cFc.apply(x))));
        }
    }

    /** nanoGPT's {@code Block}: {@code x + attn(ln_1(x))}, then {@code x + mlp(ln_2(x))}. */
    public static final class Block extends Module {
        final LayerNorm ln1;
        final CausalSelfAttention attn;
        final LayerNorm ln2;
        final Mlp mlp;

        Block(Options o) {
            ln1 = registerModule("ln_1", new LayerNorm(new int[] {o.embd}, 1e-5, true, false));
            attn = registerModule("attn", new CausalSelfAttention(o));
            ln2 = registerModule("ln_2", new LayerNorm(new int[] {o.embd}, 1e-5, true, false));
            mlp = registerModule("mlp", new Mlp(o));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.add(attn.apply(ln1.apply(x)));
            return x.add(mlp.apply(ln2.apply(x)));
        }
    }

    /**
     * nanoGPT's {@code GPT}: its forward maps {@code [B, T]} token ids to {@code [B, T, vocab]} logits. The state dict
     * keys are nanoGPT's ({@code transformer.wte.weight}, {@code transformer.h.0.attn.c_attn.weight}, ...,
     * {@code lm_head.weight}). The token embedding and the output head share one weight, tied as nanoGPT ties them
     * ({@code self.transformer.wte.weight = self.lm_head.weight}, here {@link Module#setParameter}): one tensor gets
     * both gradients, {@code parameters()} and the optimizer see it once (as {@code transformer.wte.weight}), and the
     * state dict holds it under both names. The registry is the truth: after the tie the {@code Embedding}'s final
     * field {@code wte.weight} still holds the embedding's discarded initial table; read the weight as {@code
     * lmHead.weight} or {@code getParameter("transformer.wte.weight")}.
     */
    public static final class GPT extends Module {
        final Embedding wte;
        final Embedding wpe;
        final Dropout drop;
        final ModuleList<Block> h;
        final LayerNorm lnF;
        final Linear lmHead;
        private final int block;

        /** A model of the options' sizes over {@code vocabSize} tokens, initialized as nanoGPT does. */
        public GPT(Options o, int vocabSize) {
            block = o.block;
            ModuleDict<Module> transformer = registerModule("transformer", new ModuleDict<>());
            wte = new Embedding(vocabSize, o.embd);
            wpe = new Embedding(o.block, o.embd);
            drop = new Dropout(o.dropout);
            h = new ModuleList<>();
            for (int i = 0; i < o.layers; i++) {
                h.add(new Block(o));
            }
            lnF = new LayerNorm(new int[] {o.embd}, 1e-5, true, false);
            transformer.put("wte", wte).put("wpe", wpe).put("drop", drop).put("h", h).put("ln_f", lnF);
            // nanoGPT's lm_head and its tie, self.transformer.wte.weight = self.lm_head.weight. The head's default
            // init is drawn from a copy of the generator's state, restored after: the init below overwrites the tied
            // weight anyway, and every other draw of a run (init, batches, sampling) stays where it was
            Tensor rng = Ember.getRngState();
            lmHead = registerModule("lm_head", new Linear(o.embd, vocabSize, false));
            Ember.setRngState(rng);
            wte.setParameter("weight", lmHead.weight);
            // nanoGPT's _init_weights, then the scaled residual projections
            try (GradMode off = Ember.noGrad()) {
                for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
                    if (e.getValue().dim() == 2) {
                        double std = e.getKey().endsWith("c_proj.weight") ? 0.02 / Math.sqrt(2.0 * o.layers) : 0.02;
                        Init.normal_(e.getValue(), 0.0, std);
                    }
                }
            }
        }

        @Override
        public Tensor forward(Tensor idx) {
            int t = idx.size(1);
            if (t > block) {
                throw new IllegalArgumentException("Cannot forward sequence of length " + t + ", block size is only " + block);
            }
            Tensor pos = Tensor.arange(t).to(idx.device());
            Tensor x = drop.apply(wte.apply(idx).add(wpe.apply(pos)));
            for (Block b : h) {
                x = b.apply(x);
            }
            return lmHead.apply(lnF.apply(x)); // the head, tied to wte
        }

        /** Parameters, nanoGPT's count: all but the position embedding. */
        public long numParams() {
            long n = 0;
            for (Tensor p : parameters()) {
                n += p.numel();
            }
            return n - wpe.weight.numel();
        }
    }

    // ------------------------------------------------------------------ training

    /**
     * What a run ends with.
     *
     * @param steps the step reached
     * @param trainLoss the last evaluation's training loss
     * @param valLoss the last evaluation's validation loss
     * @param tokensPerSecond the training tokens per second of this run
     * @param sample the generated text
     * @param skippedSteps the steps whose optimizer step the GradScaler skipped (inf/NaN gradients; fp16 only)
     */
    public record Result(long steps, double trainLoss, double valLoss, double tokensPerSecond, String sample,
                         long skippedSteps) {
    }

    /** The precision of a run in words: {@code autocast bf16}, {@code autocast fp16} or {@code float32}. */
    static String precision(Options o) {
        return o.autocastDtype() == null ? "float32" : "autocast " + o.autocast;
    }

    /**
     * nanoGPT's {@code ctx}: an autocast scope for the device's type with {@code --autocast}'s dtype, or null (nothing
     * to close) when it is off. Unlike nanoGPT's {@code train.py} (a {@code nullcontext} on the CPU) it autocasts on
     * the CPU as well.
     */
    static AutocastMode autocast(Options o, DeviceType deviceType) {
        DType dtype = o.autocastDtype();
        return dtype == null ? null : Ember.autocast(deviceType, dtype);
    }

    /** nanoGPT's {@code get_lr} as a factor of {@code lr}: linear warmup, cosine decay to a tenth, then flat. */
    static double lrFactor(long it, Options o) {
        long warmup = o.warmup;
        long decay = o.decaySteps();
        double minFactor = 0.1;
        if (it < warmup) {
            return (double) (it + 1) / (warmup + 1);
        }
        if (it > decay) {
            return minFactor;
        }
        double ratio = (double) (it - warmup) / (decay - warmup);
        double coeff = 0.5 * (1.0 + Math.cos(Math.PI * ratio));
        return minFactor + coeff * (1.0 - minFactor);
    }

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\n" + Options.USAGE);
            System.exit(2);
            return;
        }
        if (!Files.isDirectory(o.data)) {
            System.err.println("no text in " + o.data + ". Install Debian's fortunes with: apt-get install -y fortunes "
                    + "(as root) (or pass --data DIR holding plain-text files).");
            System.exit(1);
        }
        run(o);
    }

    /**
     * Trains as the options say, printing progress on {@code System.out}.
     *
     * @return the final losses, the training tokens per second of this run, and the sample
     * @throws IOException when the data or a checkpoint cannot be read or written
     */
    public static Result run(Options o) throws IOException {
        Device device = o.device.equals("auto") ? TrainLeNet.autoDevice() : Device.of(o.device);
        System.out.println("device: " + device + " (" + Backends.forDevice(device).describe() + ")");
        CharData data = CharData.load(o.data, device);
        System.out.printf(Locale.ROOT, "data: %d characters from %d files in %s, vocabulary %d, train %d, val %d%n",
                data.length, data.files.size(), o.data, data.vocabSize(), data.train.numel(), data.val.numel());

        Ember.manualSeed(o.seed);
        GPT model = new GPT(o, data.vocabSize());
        model.to(device);
        if (o.preset != null) {
            System.out.println("preset " + o.preset + " (nanoGPT's config/train_" + o.preset + ".py), then the options given");
        }
        System.out.printf(Locale.ROOT, "model: %d layers, %d heads, %d embedding, block %d, %s attention, dropout %s: "
                        + "%.2fM parameters%n", o.layers, o.heads, o.embd, o.block, o.attention, Format.repr(o.dropout),
                model.numParams() / 1e6);
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            (p.dim() >= 2 ? decay : noDecay).add(p);
        }
        Adam opt = Adam.adamW(decay, o.lr, 0.9, o.beta2, 1e-8, o.weightDecay);
        opt.addParamGroup(noDecay, Map.of("weight_decay", 0.0));
        LambdaLR sched = new LambdaLR(opt, it -> lrFactor(it, o));
        DeviceType deviceType = DeviceType.of(device);
        boolean fp16 = o.autocastDtype() == DType.FLOAT16;
        // nanoGPT: GradScaler(enabled=(dtype == 'float16')); PyTorch's defaults (2^16, growth 2, backoff 0.5, 2000)
        GradScaler scaler = new GradScaler(deviceType.toString(), 65536.0, 2.0, 0.5, 2000, fp16);
        long step = 0;
        if (o.resume != null) {
            step = Checkpoint.load(o.resume, model, opt, sched);
            System.out.println("resumed from " + o.resume + " at step " + step);
        }
        long startStep = step;
        int tokensPerStep = o.batchSize * o.block;
        System.out.printf(Locale.ROOT, "training to step %d: batch %d x block %d = %d tokens a step, lr %s (warmup %d, "
                        + "cosine to %s at step %d), AdamW betas (0.9, %s), weight decay %s, clip 1.0, %s%s%n", o.steps,
                o.batchSize, o.block, tokensPerStep, Format.repr(o.lr), o.warmup, Format.repr(o.lr / 10), o.decaySteps(),
                Format.repr(o.beta2), Format.repr(o.weightDecay), precision(o), fp16 ? " with a GradScaler" : "");

        RunPlot plot = new RunPlot(String.format(Locale.ROOT, "TrainGPT: %d layers, %d heads, %d embedding, block %d, batch "
                + "%d on %s, %s (%s)", o.layers, o.heads, o.embd, o.block, o.batchSize, device, precision(o), o.data), "step");
        plot.panel("loss").panel("tokens/s");
        Tensor windowLoss = TensorScope.escape(Tensor.zeros(DType.FLOAT32, 1).to(device));
        long windowSteps = 0;
        long windowNanos = 0;
        long trainNanos = 0;
        long trainSteps = 0;
        long skipped = 0;
        double[] losses = {Double.NaN, Double.NaN};
        Profiler prof = null;
        try {
            while (true) {
                if (step % o.evalEvery == 0 || step == o.steps) {
                    losses = estimateLoss(model, data, o, deviceType);
                    System.out.printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f%n", step, losses[0], losses[1]);
                    plot.add("loss", "train (" + o.evalIters + " batches)", step, losses[0]);
                    plot.add("loss", "val (" + o.evalIters + " batches)", step, losses[1]);
                    if (o.save != null && step > startStep) {
                        Checkpoint.save(o.save, model, opt, sched, step);
                    }
                    if (o.plot != null) {
                        TrainLeNet.writePlot(plot, o.plot);
                    }
                }
                if (step >= o.steps) {
                    break;
                }
                if (prof == null && o.profile > 0 && step >= o.steps - o.profile) {
                    prof = Ember.profile();
                }
                long t0 = System.nanoTime();
                try (TensorScope scope = Ember.scope();
                     RecordFunction stepRange = prof == null ? null : Profiler.recordFunction("train_step")) {
                    Tensor[] xy = CharData.batch(data.train, o.batchSize, o.block, null);
                    Tensor loss;
                    try (AutocastMode ac = autocast(o, deviceType)) { // nanoGPT's `with ctx:` around forward and loss
                        Tensor logits = model.apply(xy[0]);
                        loss = Functional.crossEntropy(logits.view(-1, data.vocabSize()), xy[1].view(-1));
                    }
                    // nanoGPT's step: scale, backward, unscale_ before clipping, step (skipped on inf/NaN), update; all but
                    // backward do nothing or only step when the scaler is disabled (bf16 and float32)
                    scaler.scale(loss).backward();
                    scaler.unscale_(opt);
                    ClipGrad.clipGradNorm_(model.parameters(), 1.0);
                    if (!scaler.step(opt)) {
                        skipped++;
                    }
                    scaler.update();
                    opt.zeroGrad();
                    sched.step();
                    windowLoss.add_(loss.detach());
                }
                step++;
                windowSteps++;
                if (prof != null && step == o.steps) {
                    prof.close(); // before the last evaluation
                }
                boolean log = step % o.logEvery == 0 || step == o.steps;
                double windowMean = log ? windowLoss.item() / windowSteps : Double.NaN; // reading it waits for the device
                long dt = System.nanoTime() - t0;
                windowNanos += dt;
                trainNanos += dt;
                trainSteps++;
                if (log) {
                    double tps = windowSteps * (double) tokensPerStep / (windowNanos / 1e9);
                    System.out.printf(Locale.ROOT, "step %d: loss %.4f, lr %.3e, %.0f tokens/s, %s%s%n", step, windowMean,
                            opt.paramGroups().get(0).lr(), tps, precision(o),
                            fp16 ? String.format(Locale.ROOT, " (loss scale %s, %d steps skipped)",
                                    Format.repr(scaler.getScale()), skipped) : "");
                    plot.add("loss", "train (mean since the last line)", step, windowMean);
                    plot.add("tokens/s", "training", step, tps);
                    windowLoss.zero_();
                    windowSteps = 0;
                    windowNanos = 0;
                }
            }
        } finally {
            if (prof != null) {
                prof.close(); // also when a step throws: the thread may open another profiler
            }
        }
        if (prof != null) {
            System.out.printf(Locale.ROOT, "profile of the last %d training steps (kernels timed one by one: slower "
                    + "than unprofiled):%n%s", o.steps - Math.max(startStep, o.steps - o.profile),
                    prof.keyAverages().table("self_cpu_time_total", 30));
        }
        if (o.save != null && step > startStep) {
            Checkpoint.save(o.save, model, opt, sched, step);
            System.out.println("saved a checkpoint at step " + step + " to " + o.save);
        }
        double tokensPerSecond = trainSteps == 0 ? Double.NaN : trainSteps * (double) tokensPerStep / (trainNanos / 1e9);
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f s: %.0f tokens/s, %s%s%n", trainSteps, trainNanos / 1e9,
                tokensPerSecond, precision(o), fp16 ? " (" + skipped + " steps skipped by the GradScaler)" : "");
        System.out.printf(Locale.ROOT, "val loss: %.4f%n", losses[1]);
        String sample = sample(model, data, o, device, deviceType);
        System.out.printf(Locale.ROOT, "sample (%d characters, temperature %s, top-k %d):%n%s%n", o.sampleChars,
                Format.repr(o.temperature), o.topK, sample);
        if (o.plot != null) {
            TrainLeNet.writePlot(plot, o.plot);
        }
        return new Result(step, losses[0], losses[1], tokensPerSecond, sample, skipped);
    }

    /**
     * nanoGPT's {@code estimate_loss}: the mean loss of {@code evalIters} batches of each split, in eval mode, the
     * forward and loss under {@code --autocast} as nanoGPT's.
     */
    static double[] estimateLoss(GPT model, CharData data, Options o, DeviceType deviceType) {
        Generator g = new Generator(o.seed + 1);
        double[] out = new double[2];
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            Tensor[] splits = {data.train, data.val};
            for (int s = 0; s < 2; s++) {
                double sum = 0;
                for (int i = 0; i < o.evalIters; i++) {
                    try (TensorScope scope = Ember.scope(); AutocastMode ac = autocast(o, deviceType)) { // one batch at a time
                        Tensor[] xy = CharData.batch(splits[s], o.batchSize, o.block, g);
                        Tensor logits = model.apply(xy[0]);
                        sum += Functional.crossEntropy(logits.view(-1, data.vocabSize()), xy[1].view(-1)).item();
                    }
                }
                out[s] = sum / o.evalIters;
            }
        } finally {
            model.train();
        }
        return out;
    }

    /**
     * nanoGPT's {@code generate} from a newline: the last {@code block} tokens in, the last position's logits divided by
     * the temperature, all but the top-k set to -inf, one token drawn from the softmax; the model under
     * {@code --autocast} as nanoGPT's {@code sample.py}.
     */
    static String sample(GPT model, CharData data, Options o, Device device, DeviceType deviceType) {
        Generator g = new Generator(o.seed);
        List<Integer> tokens = new ArrayList<>();
        int start = data.encode('\n');
        tokens.add(start < 0 ? 0 : start);
        int k = Math.min(o.topK, data.vocabSize());
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            for (int i = 0; i < o.sampleChars; i++) {
                try (TensorScope scope = Ember.scope(); AutocastMode ac = autocast(o, deviceType)) {
                    int from = Math.max(0, tokens.size() - o.block);
                    long[] ctx = new long[tokens.size() - from];
                    for (int j = 0; j < ctx.length; j++) {
                        ctx[j] = tokens.get(from + j);
                    }
                    Tensor idx = Tensor.tensor(new long[][] {ctx}, DType.INT64, device);
                    Tensor logits = model.apply(idx).select(1, ctx.length - 1).div(o.temperature); // [1, vocab]
                    if (k > 0) {
                        Tensor kth = logits.topk(k, -1, true, true).values().narrow(1, k - 1, 1);
                        logits = logits.maskedFill(logits.lt(kth), Double.NEGATIVE_INFINITY);
                    }
                    tokens.add((int) logits.softmax(-1).multinomial(1, false, g).longItem());
                }
            }
        } finally {
            model.train();
        }
        return data.decode(tokens.subList(1, tokens.size()));
    }
}
