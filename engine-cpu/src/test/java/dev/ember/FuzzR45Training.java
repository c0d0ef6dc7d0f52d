package dev.ember;

import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.TransformerDecoderLayer;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.Optimizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replay of fuzz round 45 ({@code differentialfuzzr45/make_cases.py}, whose header describes the models, the
 * programs and the events): multi-step training of a tiny transformer language model (nanoGPT's, a TransformerEncoder's
 * or a TransformerDecoderLayer's), its optimizer (AdamW with nanoGPT's two groups, Adam, SGD) and scheduler, built as
 * the generator builds them, then round 13's event loop and snapshot comparison ({@link FuzzR13Training#replay}) over
 * this round's events (greedy and sampled generation among them). Run by {@link DifferentialFuzzR45Test}.
 */
final class FuzzR45Training {
    private FuzzR45Training() {
    }

    /** The model line's options ({@code V=12 E=8 ...}) as strings. */
    private static Map<String, String> spec(String[] w) {
        Map<String, String> s = new LinkedHashMap<>();
        for (int i = 3; i < w.length; i++) {
            int eq = w[i].indexOf('=');
            s.put(w[i].substring(0, eq), w[i].substring(eq + 1));
        }
        return s;
    }

    /** A boolean causal mask [T, T]: true above the diagonal (a key after the query, masked out). */
    static Tensor causal(int t) {
        return Tensor.ones(DType.BOOL, t, t).triu(1);
    }

    /** The generator's alibi: a float attn_mask [T, T], -0.5 (i - j) at or below the diagonal, -inf above. */
    static Tensor alibi(int t, DType dtype) {
        Tensor i = Tensor.arange((long) t).to(dtype);
        return i.unsqueeze(1).sub(i.unsqueeze(0)).mul(-0.5).maskedFill(causal(t), Double.NEGATIVE_INFINITY);
    }

    /** A language model: logits [B, T, V] of the tokens (and the source and key padding mask where it takes them). */
    abstract static class LM extends Module {
        abstract Tensor logits(Tensor idx, Tensor src, Tensor pad);

        @Override
        public Tensor forward(Tensor idx) {
            return logits(idx, null, null);
        }
    }

    /**
     * nanoGPT's CausalSelfAttention with F.scaled_dot_product_attention: is_causal=True, a boolean attn_mask (the lower
     * triangle attends) or the float {@link #alibi} mask, by {@code smask}.
     */
    static final class CausalSelfAttention extends Module {
        final Linear cAttn;
        final Linear cProj;
        final Dropout residDropout;
        final int heads;
        final String smask;

        CausalSelfAttention(int e, int h, boolean bias, double p, String smask) {
            cAttn = registerModule("c_attn", new Linear(e, 3 * e, bias));
            cProj = registerModule("c_proj", new Linear(e, e, bias));
            residDropout = registerModule("resid_dropout", new Dropout(p));
            heads = h;
            this.smask = smask;
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.size(0);
            int t = x.size(1);
            int c = x.size(2);
            List<Tensor> qkv = cAttn.apply(x).split(c, 2);
            Tensor[] hs = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                hs[i] = qkv.get(i).view(b, t, heads, c / heads).transpose(1, 2);
            }
            Tensor y;
            switch (smask) {
                case "causal": y = Functional.scaledDotProductAttention(hs[0], hs[1], hs[2], true); break;
                case "bool": y = Functional.scaledDotProductAttention(hs[0], hs[1], hs[2], causal(t).logicalNot(), 0.0,
                        false, null); break;
                case "float": y = Functional.scaledDotProductAttention(hs[0], hs[1], hs[2], alibi(t, x.dtype()), 0.0,
                        false, null); break;
                default: throw new IllegalStateException("smask " + smask);
            }
            return residDropout.apply(cProj.apply(y.transpose(1, 2).contiguous().view(b, t, c)));
        }
    }

    /** nn.MultiheadAttention(batch_first=True) under a boolean causal attn_mask (with is_causal as a hint or not). */
    static final class MhaAttention extends Module {
        final MultiheadAttention mha;
        final boolean hint;

        MhaAttention(int e, int h, boolean bias, double p, boolean hint) {
            mha = registerModule("mha", new MultiheadAttention(e, h, p, bias, false, false, null, null, true));
            this.hint = hint;
        }

        @Override
        public Tensor forward(Tensor x) {
            return mha.forward(x, x, x, null, false, causal(x.size(1)), true, hint).output();
        }
    }

    static final class Mlp extends Module {
        final Linear cFc;
        final GELU gelu;
        final Linear cProj;
        final Dropout dropout;

        Mlp(int e, boolean bias, String approximate, double p) {
            cFc = registerModule("c_fc", new Linear(e, 4 * e, bias));
            gelu = registerModule("gelu", new GELU(approximate));
            cProj = registerModule("c_proj", new Linear(4 * e, e, bias));
            dropout = registerModule("dropout", new Dropout(p));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dropout.apply(cProj.apply(gelu.apply(cFc.apply(x))));
        }
    }

    static final class Block extends Module {
        final LayerNorm ln1;
        final Module attn;
        final LayerNorm ln2;
        final Mlp mlp;

        Block(Map<String, String> s) {
            int e = Integer.parseInt(s.get("E"));
            int h = Integer.parseInt(s.get("H"));
            boolean bias = s.get("bias").equals("1");
            double p = Double.parseDouble(s.get("drop"));
            ln1 = registerModule("ln_1", new LayerNorm(e));
            attn = registerModule("attn", s.get("attn").equals("sdpa")
                    ? new CausalSelfAttention(e, h, bias, p, s.get("smask"))
                    : new MhaAttention(e, h, bias, p, s.get("causal").equals("hint")));
            ln2 = registerModule("ln_2", new LayerNorm(e));
            mlp = registerModule("mlp", new Mlp(e, bias, s.get("gelu"), p));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.add(attn.apply(ln1.apply(x)));
            return x.add(mlp.apply(ln2.apply(x)));
        }
    }

    /** nanoGPT's GPT, lm_head tied to the token embedding where the case says tie=1. */
    static final class Gpt extends LM {
        final Embedding wte;
        final Embedding wpe;
        final Dropout drop;
        final ModuleList<Block> h;
        final LayerNorm lnF;
        final Linear lmHead;

        Gpt(Map<String, String> s) {
            int v = Integer.parseInt(s.get("V"));
            int e = Integer.parseInt(s.get("E"));
            wte = registerModule("wte", new Embedding(v, e));
            wpe = registerModule("wpe", new Embedding(Integer.parseInt(s.get("T")), e));
            drop = registerModule("drop", new Dropout(Double.parseDouble(s.get("drop"))));
            h = registerModule("h", new ModuleList<>());
            for (int i = 0; i < Integer.parseInt(s.get("L")); i++) {
                h.add(new Block(s));
            }
            lnF = registerModule("ln_f", new LayerNorm(e));
            lmHead = registerModule("lm_head", new Linear(e, v, false));
            if (s.get("tie").equals("1")) {
                wte.setParameter("weight", lmHead.weight());
            }
        }

        @Override
        Tensor logits(Tensor idx, Tensor src, Tensor pad) {
            Tensor x = drop.apply(wte.apply(idx).add(wpe.apply(Tensor.arange(idx.size(1)))));
            for (Block b : h) {
                x = b.apply(x);
            }
            return lmHead.apply(lnF.apply(x));
        }
    }

    /** Token + position Embedding, a TransformerEncoder, a Linear head. */
    static final class EncLm extends LM {
        final Embedding emb;
        final Embedding pos;
        final TransformerEncoder enc;
        final Linear head;
        final boolean bf;
        final boolean mask;

        EncLm(Map<String, String> s) {
            int v = Integer.parseInt(s.get("V"));
            int e = Integer.parseInt(s.get("E"));
            bf = s.get("bf").equals("1");
            mask = s.get("mask").equals("1");
            emb = registerModule("emb", new Embedding(v, e));
            pos = registerModule("pos", new Embedding(Integer.parseInt(s.get("T")), e));
            TransformerEncoderLayer layer = new TransformerEncoderLayer(e, Integer.parseInt(s.get("H")),
                    Integer.parseInt(s.get("ff")), Double.parseDouble(s.get("drop")), s.get("act"), 1e-5, bf,
                    s.get("nf").equals("1"), true);
            enc = registerModule("enc", new TransformerEncoder(layer, Integer.parseInt(s.get("L")),
                    s.get("fnorm").equals("1") ? new LayerNorm(e) : null));
            head = registerModule("head", new Linear(e, v));
        }

        @Override
        Tensor logits(Tensor idx, Tensor src, Tensor pad) {
            int t = idx.size(1);
            Tensor x = emb.apply(idx).add(pos.apply(Tensor.arange(t)));
            if (!bf) {
                x = x.transpose(0, 1);
            }
            x = enc.forward(x, mask ? causal(t) : null, pad, null);
            if (!bf) {
                x = x.transpose(0, 1);
            }
            return head.apply(x);
        }
    }

    /** A source (token + position Embedding) as the memory of one TransformerDecoderLayer, a Linear head. */
    static final class DecLm extends LM {
        final Embedding srcEmb;
        final Embedding tgtEmb;
        final Embedding pos;
        final TransformerDecoderLayer dec;
        final Linear head;
        final boolean bf;

        DecLm(Map<String, String> s) {
            int v = Integer.parseInt(s.get("V"));
            int e = Integer.parseInt(s.get("E"));
            bf = s.get("bf").equals("1");
            srcEmb = registerModule("src_emb", new Embedding(v, e));
            tgtEmb = registerModule("tgt_emb", new Embedding(v, e));
            pos = registerModule("pos", new Embedding(Integer.parseInt(s.get("T")), e));
            dec = registerModule("dec", new TransformerDecoderLayer(e, Integer.parseInt(s.get("H")),
                    Integer.parseInt(s.get("ff")), Double.parseDouble(s.get("drop")), s.get("act"), 1e-5, bf,
                    s.get("nf").equals("1"), true));
            head = registerModule("head", new Linear(e, v));
        }

        @Override
        Tensor logits(Tensor idx, Tensor src, Tensor pad) {
            int t = idx.size(1);
            Tensor p = pos.apply(Tensor.arange(t));
            Tensor x = tgtEmb.apply(idx).add(p);
            Tensor mem = srcEmb.apply(src).add(p);
            if (!bf) {
                x = x.transpose(0, 1);
                mem = mem.transpose(0, 1);
            }
            x = dec.forward(x, mem, causal(t), null, null, pad, false, false);
            if (!bf) {
                x = x.transpose(0, 1);
            }
            return head.apply(x);
        }
    }

    /** One program's state. */
    private static final class Run implements FuzzR13Training.Program {
        String fam;
        Map<String, String> s;
        DType dtype;
        int cseed;
        List<String> pn;
        String optName;
        boolean two;
        Map<String, Object> g0;
        Map<String, Object> g1;
        List<String> sspecs = new ArrayList<>();
        LM model;
        Optimizer opt;
        LRScheduler sched;
        double tol;
        List<Tensor[]> data = new ArrayList<>();

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Optimizer opt() {
            return opt;
        }

        @Override
        public LRScheduler sched() {
            return sched;
        }

        @Override
        public List<String> pn() {
            return pn;
        }

        @Override
        public double tol() {
            return tol;
        }

        @Override
        public Tensor loss(int b) {
            return FuzzR45Training.loss(this, b);
        }

        @Override
        public List<Double> event(String ev) {
            return FuzzR45Training.event(this, ev);
        }

        int num(String key) {
            return Integer.parseInt(s.get(key));
        }
    }

    static String run(DifferentialFuzzR6Test.Lines in) {
        Run r = new Run();
        String[] w = in.take("model").split(" ");
        r.fam = w[0];
        r.dtype = w[1].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
        r.cseed = Integer.parseInt(w[2]);
        r.s = spec(w);
        r.tol = r.dtype == DType.FLOAT32 ? 1e-4 : 1e-9;
        r.pn = List.of(in.take("pn").split(","));
        String[] o = in.take("opt").split(" ");
        r.optName = o[0];
        r.two = o[1].equals("two=1");
        r.g0 = FuzzR6Training.groupOptions(in.take("g0"));
        r.g1 = FuzzR6Training.groupOptions(in.take("g1"));
        while (in.nextIs("sched")) {
            r.sspecs.add(in.take("sched"));
        }
        r.model = freshModel(r);
        init(r);
        for (int b = 0; b < 3; b++) {
            r.data.add(batch(r, b));
        }
        try {
            r.opt = freshOptimizer(r, r.model);
            r.sched = freshScheduler(r, r.opt);
        } catch (RuntimeException e) {
            return "construction: PyTorch builds it, Ember throws " + e;
        }
        return FuzzR13Training.replay(in, r);
    }

    private static LM freshModel(Run r) {
        LM m;
        switch (r.fam) {
            case "gpt": m = new Gpt(r.s); break;
            case "enc": m = new EncLm(r.s); break;
            case "dec": m = new DecLm(r.s); break;
            default: throw new IllegalStateException("family " + r.fam);
        }
        m.to(r.dtype);
        m.train(Double.parseDouble(r.s.get("drop")) == 0); // dropout p > 0 only in eval mode
        return m;
    }

    /** The generator's init_model: parameter i from seed*1000 + 7 i + 1; a ln* / norm* weight 1 + v / 4, else v / 2. */
    private static void init(Run r) {
        Map<String, Tensor> named = r.model.namedParameters();
        if (!new ArrayList<>(named.keySet()).equals(r.pn)) {
            throw new AssertionError("parameters: PyTorch's " + r.pn + ", Ember's " + named.keySet());
        }
        int i = 0;
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<String, Tensor> e : named.entrySet()) {
                Tensor p = e.getValue();
                Tensor v = FuzzR13Training.fill(r.cseed * 1000L + 7L * i + 1, p.shape(), p.dtype());
                String[] parts = e.getKey().split("\\.");
                String mod = parts.length > 1 ? parts[parts.length - 2] : "";
                boolean norm = (mod.startsWith("ln") || mod.startsWith("norm")) && e.getKey().endsWith("weight");
                p.copy_(norm ? v.div(4L).add(1L) : v.div(2L));
                i++;
            }
        }
    }

    private static Tensor tokens(long seed, int b, int t, int v) {
        return FuzzR13Training.fill(seed, new int[] {b, t}, DType.FLOAT64).add(1L).div(2L).mul((long) v).floor()
                .to(DType.INT64);
    }

    /** The generator's batch: tokens, targets (ignored and padded positions set to ignore_index), source, padding. */
    private static Tensor[] batch(Run r, int b) {
        int bs = r.num("B");
        int t = r.num("T");
        int v = r.num("V");
        long ii = r.num("ii");
        long xs = r.cseed * 1000L + 500 + 3L * b;
        Tensor x = tokens(xs, bs, t, v);
        long[] y = tokens(xs + 1, bs, t, v).toLongArray();
        Tensor src = tokens(xs + 2, bs, t, v);
        boolean[] pad = null;
        if (r.num("pad") == 1) {
            pad = new boolean[bs * t];
            for (int i = 0; i < bs; i++) {
                int keep = Math.max(1, t - (i + b) % 3);
                for (int k = keep; k < t; k++) {
                    pad[i * t + k] = true;
                }
            }
        }
        boolean all = true;
        for (int k = 0; k < bs * t; k++) {
            if (r.num("ign") != 0 && (k * 7 + b) % 5 == 0 || pad != null && pad[k] || r.num("ign") == 2 && b == 2) {
                y[k] = ii;
            }
            all &= y[k] == ii;
        }
        if (all && !(r.num("ign") == 2 && b == 2)) {
            y[0] = 1;
        }
        return new Tensor[] {x, Tensor.fromArray(y).reshape(bs, t), src,
            pad == null ? null : Tensor.fromArray(pad).reshape(bs, t)};
    }

    private static Tensor loss(Run r, int b) {
        Tensor[] d = r.data.get(b);
        Tensor logits = r.model.logits(d[0], d[2], d[3]);
        int v = r.num("V");
        return Functional.crossEntropy(logits.reshape(-1, v), d[1].reshape(-1), null, "mean", r.num("ii"),
                Double.parseDouble(r.s.get("ls")));
    }

    /**
     * nanoGPT's generate under no_grad: greedy where {@code gen} is null, else sampled from the softmax of the logits
     * over {@code temp} cropped to the top {@code topK}; the new tokens.
     */
    private static List<Double> generate(Run r, int n, int topK, double temp, Generator gen) {
        int t = r.num("T");
        Tensor idx = r.data.get(0)[0].narrow(0, 0, 1).narrow(1, 0, Math.min(2, t));
        List<Double> out = new ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            for (int k = 0; k < n; k++) {
                int len = idx.size(1);
                Tensor cond = len > t ? idx.narrow(1, len - t, t) : idx;
                Tensor logits = r.model.logits(cond, null, null).select(1, -1);
                Tensor next;
                if (gen == null) {
                    next = logits.argmax(-1, true);
                } else {
                    logits = logits.div(temp);
                    Tensor v = logits.topk(Math.min(topK, logits.size(-1))).values();
                    logits = logits.maskedFill(logits.lt(v.narrow(1, v.size(1) - 1, 1)), Double.NEGATIVE_INFINITY);
                    next = logits.softmax(-1).multinomial(1, false, gen);
                }
                out.add((double) next.toLongArray()[0]);
                idx = Tensor.cat(List.of(idx, next), 1);
            }
        }
        return out;
    }

    private static Optimizer freshOptimizer(Run r, Module m) {
        List<Tensor> ps = m.parameters();
        List<Tensor> p0 = new ArrayList<>();
        List<Tensor> p1 = new ArrayList<>();
        for (Tensor p : ps) {
            (!r.two || p.dim() >= 2 ? p0 : p1).add(p);
        }
        return FuzzR13Training.groupedOptimizer(r.optName, p0, p1, r.g0, r.g1);
    }

    private static LRScheduler freshScheduler(Run r, Optimizer opt) {
        return r.sspecs.isEmpty() ? null
                : FuzzR6Training.scheduler(r.sspecs.get(0), opt, r.sspecs.subList(1, r.sspecs.size()));
    }

    /** The generator's ckpt: a fresh model, optimizer and scheduler loaded from the three state dicts. */
    @SuppressWarnings("unchecked")
    private static void checkpoint(Run r, boolean viaFile) {
        Map<String, Object> ck = new LinkedHashMap<>();
        ck.put("model", r.model.stateDict());
        ck.put("optim", r.opt.stateDict());
        if (r.sched != null) {
            ck.put("sched", r.sched.stateDict());
        }
        Map<String, Object> back = (Map<String, Object>) (viaFile ? viaFile(ck) : FuzzR6Training.snapshot(ck));
        LM m = freshModel(r);
        m.loadStateDict((Map<String, Tensor>) back.get("model"));
        Optimizer o = freshOptimizer(r, m);
        LRScheduler s = freshScheduler(r, o);
        o.loadStateDict((Map<String, Object>) back.get("optim"));
        if (s != null) {
            s.loadStateDict((Map<String, Object>) back.get("sched"));
        }
        r.model = m;
        r.opt = o;
        r.sched = s;
    }

    private static Object viaFile(Object o) {
        try {
            Path f = Files.createTempFile("r45ckpt", ".pt");
            try {
                TorchSerialization.save(o, f);
                return TorchSerialization.load(f);
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void optStep(Run r) {
        r.opt.step();
        if (r.sched != null) {
            r.sched.step();
        }
    }

    private static List<Double> event(Run r, String ev) {
        String[] w = ev.split(" ");
        List<Double> res = new ArrayList<>();
        if (FuzzR13Training.sharedEvent(r, w, res)) {
            return res;
        }
        switch (w[0]) {
            case "step": {
                Tensor loss = loss(r, Integer.parseInt(w[1]));
                loss.backward();
                optStep(r);
                res.add(loss.item());
                break;
            }
            case "accum": {
                Tensor l1 = loss(r, Integer.parseInt(w[1])).div(2L);
                l1.backward();
                Tensor l2 = loss(r, Integer.parseInt(w[2])).div(2L);
                l2.backward();
                optStep(r);
                res.add(l1.item());
                res.add(l2.item());
                break;
            }
            case "ckpt":
                checkpoint(r, w[1].equals("1"));
                break;
            case "freeze":
                r.model.getSubmodule(w[1]).requiresGrad_(w[2].equals("0"));
                break;
            case "lr":
                r.opt.paramGroups().get(Integer.parseInt(w[1])).setLr(Double.parseDouble(w[2]));
                break;
            case "gen":
                res.addAll(generate(r, Integer.parseInt(w[1]), 0, 1, null));
                break;
            case "tieload": {
                Map<String, Tensor> sd = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : r.model.stateDict().entrySet()) {
                    sd.put(e.getKey(), e.getValue().detach().clone());
                }
                sd.put(w[1], sd.get(w[1]).add(0.5));
                r.model.loadStateDict(sd);
                break;
            }
            case "sample":
                res.addAll(generate(r, Integer.parseInt(w[1]), Integer.parseInt(w[2]), Double.parseDouble(w[3]),
                        new Generator(Long.parseLong(w[4]), Generator.Algorithm.MT19937)));
                break;
            default:
                throw new IllegalStateException("event " + ev);
        }
        return res;
    }
}
