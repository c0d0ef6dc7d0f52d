package dev.ember;

import dev.ember.nn.Bilinear;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.Init;
import dev.ember.nn.LSTM;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.RNN;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replays one program of {@code differentialfuzzr19/cases.txt} (its generator, {@code make_cases.py}, describes the
 * statements): draws from the default generator (MT19937, as {@code torch.manual_seed} seeds it) and from
 * {@link Generator.Algorithm#MT19937} generator objects. After every statement its results are compared with PyTorch's
 * bit for bit (a few named cases within a stated number of ulps, see {@link #ULPS}), its error with PyTorch's message
 * (the generators and the target left as they were), and the state of every generator with PyTorch's
 * {@code get_rng_state()} bytes through their SHA-256.
 */
final class FuzzR19Interpreter {
    private final Map<String, Tensor> vars = new HashMap<>();
    private final Map<String, Generator> gens = new TreeMap<>();
    private final Map<String, Tensor> states = new HashMap<>();
    private final List<String> lines;
    private int at;

    /**
     * Statements whose values may differ from PyTorch's in the last bits, with the ulps of the result's type allowed
     * (of {@code max(1, |value|)}, see {@link #close}):
     * those whose doubles go through the C library's log, log1p, exp, sin, cos or tan in PyTorch (the normal fills, the
     * serial normal, log_normal_, exponential_, cauchy_, and the inits and modules that draw normals). Java's functions
     * are faithfully rounded, glibc's nearly always correctly rounded, and the two differ in the last bit for about
     * 0.1% to 0.2% of arguments (of 20,000 uniform draws: Math.log 20, Math.log1p 14, Math.cos 43, Math.sin 37; the
     * generator's header); one such ulp of a radius or an angle becomes up to 4 of {@code z * std + mean}: 4 ulps.
     * trunc_normal_ goes through erfinv's Newton steps on erf and exp, and Ember's erf is not glibc's: 16 ulps (float64
     * values 10 ulps away were seen). The generator states are compared exactly, but for the cached normal sample
     * (4 ulps, the C library's sin in PyTorch).
     */
    private static final Map<String, Integer> ULPS = Map.ofEntries(Map.entry("init trunc", 16), Map.entry("randn -", 4),
            Map.entry("randnlike -", 4), Map.entry("ip normal", 4), Map.entry("ip lognormal", 4),
            Map.entry("ip exponential", 4), Map.entry("ip cauchy", 4), Map.entry("init normal", 4),
            Map.entry("init xaviern", 4), Map.entry("init kaimingn", 4), Map.entry("init sparse", 4),
            Map.entry("module embedding", 4), Map.entry("tnormal tt", 4), Map.entry("tnormal tf", 4),
            Map.entry("tnormal ft", 4));

    /**
     * Whether this machine's CPU capability is DEFAULT: PyTorch's float32 normal fill there takes the C library's
     * functions on floats (RandomMt19937Test allows 16 ulps of 1 for them); the cases were made under AVX2.
     */
    private static final boolean DEFAULT_CAPABILITY = dev.ember.backend.CpuCapability.value().equals("DEFAULT");

    private FuzzR19Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the program; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        FuzzR19Interpreter p = new FuzzR19Interpreter(lines);
        try {
            return p.run();
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            return "harness, after line " + p.at + ": " + e + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(4, st.length)));
        }
    }

    private String run() {
        while (at < lines.size()) {
            String line = lines.get(at++);
            if (line.startsWith("st ")) {
                String ours = hashes();
                if (!sameStates(ours, line)) {
                    return "before line " + at + " (after \"" + lines.get(lastStatement()) + "\"): generator states "
                            + ours + ", PyTorch " + line;
                }
                continue;
            }
            if (line.startsWith("new ")) {
                newVar(line.split(" "));
                continue;
            }
            String[] w = line.split(" ");
            Tensor target = w[0].equals("ip") || w[0].equals("init") ? vars.get(w[w[0].equals("ip") ? 1 : 2]) : null;
            double[] before = target == null ? null : target.contiguous().to(DType.FLOAT64).toDoubleArray();
            List<Tensor> out = null;
            RuntimeException thrown = null;
            try {
                out = statement(w);
            } catch (RuntimeException e) {
                thrown = e;
            }
            String err = at < lines.size() && lines.get(at).startsWith("err ") ? lines.get(at++).substring(4) : null;
            if (err == null && thrown != null) {
                return "\"" + line + "\": PyTorch runs, Ember throws " + thrown;
            }
            if (err != null && thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember runs";
            }
            if (err != null) {
                String ours = firstLine(thrown.getMessage());
                if (!err.equals(ours)) {
                    return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember " + thrown;
                }
                if (target != null && !Arrays.equals(before, target.contiguous().to(DType.FLOAT64).toDoubleArray())) {
                    return "\"" + line + "\": refused, but the target changed";
                }
                continue;
            }
            List<String> want = new ArrayList<>();
            while (at < lines.size() && lines.get(at).startsWith("= ")) {
                want.add(lines.get(at++));
            }
            if (out.size() != want.size()) {
                return "\"" + line + "\": " + out.size() + " results, PyTorch " + want.size();
            }
            Integer ulps = ULPS.get(w[0].startsWith("randn") ? w[0] + " -"
                    : w[0] + " " + (w[0].equals("ip") || w[0].equals("tnormal") ? w[2] : w[1]));
            if (ulps != null && DEFAULT_CAPABILITY) {
                ulps = Math.max(ulps, 16); // PyTorch's DEFAULT float32 fill: the C library's log, sin, cos on floats
            }
            for (int i = 0; i < want.size(); i++) {
                String ours = format(out.get(i));
                if (!ours.equals(want.get(i)) && (ulps == null || !close(ours, want.get(i), ulps))) {
                    return "\"" + line + "\" result " + i + ": Ember " + ours + ", PyTorch " + want.get(i);
                }
            }
        }
        return null;
    }

    private int lastStatement() {
        int i = at - 2;
        while (i > 0 && (lines.get(i).startsWith("= ") || lines.get(i).startsWith("err "))) {
            i--;
        }
        return Math.max(i, 0);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "null";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ------------------------------------------------------------------------------------------------ statements

    private Generator gen(String name) {
        return name.equals("-") ? null : gens.get(name);
    }

    private List<Tensor> statement(String[] w) {
        switch (w[0]) {
            case "seed":
                Ember.manualSeed(Long.parseLong(w[1]));
                return List.of();
            case "gen":
                gens.put(w[1], new Generator(Long.parseLong(w[2]), Generator.Algorithm.MT19937));
                return List.of();
            case "getstate":
                states.put(w[1], w[2].equals("-") ? Ember.getRngState() : gens.get(w[2]).getState());
                return List.of();
            case "setstate":
                if (w[2].equals("-")) {
                    Ember.setRngState(states.get(w[1]));
                } else {
                    gens.get(w[2]).setState(states.get(w[1]));
                }
                return List.of();
            case "rand":
            case "randn": {
                DType dt = dtype(w[2]);
                int[] shape = shape(w[3]);
                Generator g = gen(w[4]);
                boolean uniform = w[0].equals("rand");
                Tensor t = g == null ? (uniform ? Tensor.rand(dt, shape) : Tensor.randn(dt, shape))
                        : (uniform ? Tensor.rand(g, dt, shape) : Tensor.randn(g, dt, shape));
                return put(w[1], t);
            }
            case "randint": {
                long lo = Long.parseLong(w[2]);
                long hi = Long.parseLong(w[3]);
                DType dt = dtype(w[4]);
                int[] shape = shape(w[5]);
                Generator g = gen(w[6]);
                return put(w[1], g == null ? Tensor.randint(lo, hi, dt, shape) : Tensor.randint(g, lo, hi, shape));
            }
            case "randperm": {
                Generator g = gen(w[3]);
                long n = Long.parseLong(w[2]);
                return put(w[1], g == null ? Tensor.randperm(n) : Tensor.randperm(n, g));
            }
            case "randlike":
                return put(w[1], vars.get(w[2]).randLike());
            case "randnlike":
                return put(w[1], vars.get(w[2]).randnLike());
            case "randintlike":
                return put(w[1], vars.get(w[2]).randintLike(Long.parseLong(w[3]), Long.parseLong(w[4])));
            case "ip":
                inPlace(vars.get(w[1]), w);
                return List.of(vars.get(w[1]));
            case "tnormal": {
                Generator g = gen(w[5]);
                Tensor t;
                switch (w[2]) {
                    case "tt": {
                        Tensor m = vars.get(w[3]);
                        Tensor s = vars.get(w[4]);
                        t = g == null ? Tensor.normal(m, s) : Tensor.normal(m, s, g);
                        break;
                    }
                    case "tf": {
                        Tensor m = vars.get(w[3]);
                        double s = Double.parseDouble(w[4]);
                        t = g == null ? Tensor.normal(m, s) : Tensor.normal(m, s, g);
                        break;
                    }
                    default: {
                        double m = Double.parseDouble(w[3]);
                        Tensor s = vars.get(w[4]);
                        t = g == null ? Tensor.normal(m, s) : Tensor.normal(m, s, g);
                    }
                }
                return put(w[1], t);
            }
            case "bern": {
                Generator g = gen(w[3]);
                Tensor p = vars.get(w[2]);
                return put(w[1], g == null ? p.bernoulli() : p.bernoulli(g));
            }
            case "multinomial": {
                Tensor p = vars.get(w[2]);
                int n = Integer.parseInt(w[3]);
                boolean r = w[4].equals("1");
                Generator g = gen(w[5]);
                return put(w[1], g == null ? p.multinomial(n, r) : p.multinomial(n, r, g));
            }
            case "dropout": {
                double p = Double.parseDouble(w[3]);
                Tensor x = vars.get(w[4]);
                Tensor t;
                switch (w[2]) {
                    case "dropout":
                        t = Functional.dropout(x, p, true);
                        break;
                    case "dropout2d":
                        t = Functional.dropout2d(x, p, true);
                        break;
                    case "alpha":
                        t = Functional.alphaDropout(x, p, true);
                        break;
                    default:
                        t = Functional.featureAlphaDropout(x, p, true);
                }
                return put(w[1], t);
            }
            case "init":
                init(w[1], vars.get(w[2]), Double.parseDouble(w[3]), Double.parseDouble(w[4]));
                return List.of(vars.get(w[2]));
            case "module":
                return module(w);
            default:
                throw new IllegalStateException("unknown statement " + String.join(" ", w));
        }
    }

    private List<Tensor> put(String name, Tensor t) {
        vars.put(name, t);
        return List.of(t);
    }

    private void inPlace(Tensor t, String[] w) {
        String op = w[2];
        Generator g = gen(w[w.length - 1]);
        switch (op) {
            case "uniform": {
                double a = Double.parseDouble(w[3]);
                double b = Double.parseDouble(w[4]);
                if (g == null) {
                    t.uniform_(a, b);
                } else {
                    t.uniform_(a, b, g);
                }
                return;
            }
            case "normal": {
                double m = Double.parseDouble(w[3]);
                double s = Double.parseDouble(w[4]);
                if (g == null) {
                    t.normal_(m, s);
                } else {
                    t.normal_(m, s, g);
                }
                return;
            }
            case "random":
                if (g == null) {
                    t.random_();
                } else {
                    t.random_(g);
                }
                return;
            case "randomto": {
                long to = Long.parseLong(w[3]);
                if (g == null) {
                    t.random_(to);
                } else {
                    t.random_(0, to, g);
                }
                return;
            }
            case "randomft": {
                long from = Long.parseLong(w[3]);
                long to = Long.parseLong(w[4]);
                if (g == null) {
                    t.random_(from, to);
                } else {
                    t.random_(from, to, g);
                }
                return;
            }
            case "bernoullif": {
                double p = Double.parseDouble(w[3]);
                if (g == null) {
                    t.bernoulli_(p);
                } else {
                    t.bernoulli_(p, g);
                }
                return;
            }
            case "bernoullit": {
                Tensor p = vars.get(w[3]);
                if (g == null) {
                    t.bernoulli_(p);
                } else {
                    t.bernoulli_(p, g);
                }
                return;
            }
            case "exponential": {
                double l = Double.parseDouble(w[3]);
                if (g == null) {
                    t.exponential_(l);
                } else {
                    t.exponential_(l, g);
                }
                return;
            }
            case "geometric": {
                double p = Double.parseDouble(w[3]);
                if (g == null) {
                    t.geometric_(p);
                } else {
                    t.geometric_(p, g);
                }
                return;
            }
            case "cauchy": {
                double m = Double.parseDouble(w[3]);
                double s = Double.parseDouble(w[4]);
                if (g == null) {
                    t.cauchy_(m, s);
                } else {
                    t.cauchy_(m, s, g);
                }
                return;
            }
            case "lognormal": {
                double m = Double.parseDouble(w[3]);
                double s = Double.parseDouble(w[4]);
                if (g == null) {
                    t.logNormal_(m, s);
                } else {
                    t.logNormal_(m, s, g);
                }
                return;
            }
            default:
                throw new IllegalStateException("unknown in-place draw " + op);
        }
    }

    private static void init(String name, Tensor t, double a, double b) {
        String mode = b == 0 ? "fan_in" : "fan_out";
        switch (name) {
            case "uniform":
                Init.uniform_(t, a, b);
                return;
            case "normal":
                Init.normal_(t, a, b);
                return;
            case "xavieru":
                Init.xavierUniform_(t, a);
                return;
            case "xaviern":
                Init.xavierNormal_(t, a);
                return;
            case "kaimingu":
                Init.kaimingUniform_(t, a, mode, "leaky_relu");
                return;
            case "kaimingn":
                Init.kaimingNormal_(t, a, mode, "leaky_relu");
                return;
            case "trunc":
                Init.truncNormal_(t, 0.0, a, -2.0, 2.0);
                return;
            case "sparse":
                Init.sparse_(t, a, b, Ember.defaultGenerator());
                return;
            default:
                throw new IllegalStateException("unknown init " + name);
        }
    }

    private static List<Tensor> module(String[] w) {
        int[] a = new int[w.length - 2];
        for (int i = 0; i < a.length; i++) {
            a[i] = Integer.parseInt(w[i + 2]);
        }
        Module m;
        switch (w[1]) {
            case "linear":
                m = new Linear(a[0], a[1], a[2] == 1);
                break;
            case "conv1d":
                m = new Conv1d(a[0], a[1], a[2]);
                break;
            case "conv2d":
                m = new Conv2d(a[0], a[1], a[2]);
                break;
            case "embedding":
                m = new Embedding(a[0], a[1]);
                break;
            case "bilinear":
                m = new Bilinear(a[0], a[1], a[2]);
                break;
            case "gru":
                m = new GRU(a[0], a[1]);
                break;
            case "lstm":
                m = new LSTM(a[0], a[1]);
                break;
            case "rnn":
                m = new RNN(a[0], a[1]);
                break;
            default:
                throw new IllegalStateException("unknown module " + w[1]);
        }
        return new ArrayList<>(m.stateDict().values());
    }

    // ------------------------------------------------------------------------------------------------ tensors

    private void newVar(String[] w) {
        DType dt = dtype(w[2]);
        int[] shape = shape(w[3]);
        String layout = w[4];
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            switch (w[5]) {
                case "z":
                    v[k] = 0;
                    break;
                case "o":
                    v[k] = 1;
                    break;
                case "p":
                    v[k] = ((7 * k) % 17) / 16.0;
                    break;
                default:
                    v[k] = 0.5 + (3 * k) % 7;
            }
        }
        Tensor vals = Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
        Tensor t;
        int r = shape.length;
        switch (layout) {
            case "c":
                t = Tensor.zeros(dt, shape);
                break;
            case "t":
                t = Tensor.zeros(dt, shape[1], shape[0]).t();
                break;
            case "p":
                t = Tensor.zeros(dt, shape[1], shape[2], shape[0]).permute(2, 0, 1);
                break;
            case "u":
                t = Tensor.zeros(dt, 2 * shape[1], shape[0]).t().slice(1, 0, 2 * shape[1], 2);
                break;
            case "s": {
                int[] wide = shape.clone();
                wide[r - 1] *= 2;
                t = Tensor.zeros(dt, wide).slice(r - 1, 0, wide[r - 1], 2);
                break;
            }
            default: {
                int[] one = shape.clone();
                one[r - 1] = 1;
                Tensor base = Tensor.zeros(dt, one);
                base.copy_(vals.slice(r - 1, 0, 1, 1));
                vars.put(w[1], base.expand(shape));
                return;
            }
        }
        t.copy_(vals);
        vars.put(w[1], t);
    }

    private static final Map<String, DType> DTYPES = Map.of("float16", DType.FLOAT16, "bfloat16", DType.BFLOAT16,
            "float32", DType.FLOAT32, "float64", DType.FLOAT64, "int8", DType.INT8, "int16", DType.INT16, "int32",
            DType.INT32, "int64", DType.INT64, "uint8", DType.UINT8, "bool", DType.BOOL);

    private static DType dtype(String name) {
        DType d = DTYPES.get(name);
        if (d == null) {
            throw new IllegalStateException("unknown dtype " + name);
        }
        return d;
    }

    private static String dtypeName(DType d) {
        for (Map.Entry<String, DType> e : DTYPES.entrySet()) {
            if (e.getValue() == d) {
                return e.getKey();
            }
        }
        return d.toString();
    }

    private static int[] shape(String s) {
        if (s.equals("-")) {
            return new int[0];
        }
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** A result as the generator prints it: "= dtype shape values". */
    static String format(Tensor t) {
        Tensor c = t.detach().contiguous();
        int[] shape = c.shape();
        String sh = shape.length == 0 ? "-" : String.join(",", Arrays.stream(shape).mapToObj(String::valueOf)
                .toArray(String[]::new));
        return "= " + dtypeName(c.dtype()) + " " + sh + " " + values(c);
    }

    private static String values(Tensor c) {
        if (c.numel() == 0) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        switch (c.dtype()) {
            case FLOAT16:
            case BFLOAT16: {
                boolean half = c.dtype() == DType.FLOAT16;
                for (double d : c.toDoubleArray()) {
                    short s = half ? Half.fromFloat((float) d) : BFloat16.fromFloat((float) d);
                    b.append(String.format("%04x", s & 0xFFFF));
                }
                return b.toString();
            }
            case FLOAT32:
                for (float f : c.toFloatArray()) {
                    b.append(String.format("%08x", Float.floatToRawIntBits(f)));
                }
                return b.toString();
            case FLOAT64:
                for (double d : c.toDoubleArray()) {
                    b.append(String.format("%016x", Double.doubleToRawLongBits(d)));
                }
                return b.toString();
            case BOOL:
                for (boolean x : c.toBooleanArray()) {
                    b.append(x ? '1' : '0');
                }
                return b.toString();
            default: {
                long[] v = c.toLongArray();
                for (int i = 0; i < v.length; i++) {
                    b.append(i == 0 ? "" : ",").append(v[i]);
                }
                return b.toString();
            }
        }
    }

    /**
     * Both results of a floating type, of the same shape, each element within {@code ulps} of the type's ulp of
     * {@code max(1, |PyTorch's value|)} (a last-bit difference of a standard normal survives {@code z * std + mean}'s
     * cancellation as an absolute, not a relative, error).
     */
    private static boolean close(String ours, String want, int ulps) {
        String[] a = ours.split(" ");
        String[] b = want.split(" ");
        if (!a[1].equals(b[1]) || !a[2].equals(b[2]) || a[3].length() != b[3].length()) {
            return false;
        }
        int width = a[1].equals("float64") ? 16 : a[1].equals("float32") ? 8 : a[1].endsWith("float16") ? 4 : 0;
        if (width == 0) {
            return false;
        }
        for (int i = 0; i < a[3].length(); i += width) {
            long x = Long.parseUnsignedLong(a[3].substring(i, i + width), 16);
            long y = Long.parseUnsignedLong(b[3].substring(i, i + width), 16);
            double dx = value(x, a[1]);
            double dy = value(y, a[1]);
            double scale = Math.max(1.0, Math.abs(dy)); // as RandomMt19937Test: ulps of max(1, |value|)
            double ulp = width == 16 ? Math.ulp(scale) : width == 8 ? Math.ulp((float) scale)
                    : Math.ulp((float) scale) * (a[1].equals("float16") ? 1 << 13 : 1 << 16);
            if (!(Math.abs(dx - dy) <= ulps * ulp)) {
                return false;
            }
        }
        return true;
    }

    private static double value(long bits, String dtype) {
        switch (dtype) {
            case "float64":
                return Double.longBitsToDouble(bits);
            case "float32":
                return Float.intBitsToFloat((int) bits);
            case "float16":
                return Half.toFloat((short) bits);
            default:
                return BFloat16.toFloat((short) bits);
        }
    }

    // ------------------------------------------------------------------------------------------------ states

    private String hashes() {
        StringBuilder b = new StringBuilder("st ").append(hash(Ember.getRngState()));
        for (Map.Entry<String, Generator> e : gens.entrySet()) {
            b.append(' ').append(e.getKey()).append(':').append(hash(e.getValue().getState()));
        }
        return b.toString();
    }

    /** Both lines' hashes equal and their cached normal samples within 4 ulps (see {@link #hash}). */
    private static boolean sameStates(String ours, String theirs) {
        String[] a = ours.split(" ");
        String[] b = theirs.split(" ");
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (!a[i].contains("/")) {
                if (!a[i].equals(b[i])) {
                    return false;
                }
                continue;
            }
            String[] x = a[i].split("/");
            String[] y = b[i].split("/");
            if (x.length != 2 || y.length != 2 || !x[0].equals(y[0]) || x[1].equals("-") != y[1].equals("-")) {
                return false;
            }
            if (!x[1].equals("-")) {
                double dx = Double.longBitsToDouble(Long.parseUnsignedLong(x[1], 16));
                double dy = Double.longBitsToDouble(Long.parseUnsignedLong(y[1], 16));
                if (!(Math.abs(dx - dy) <= 4 * Math.ulp(dy))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The generator's line: SHA-256 of its state bytes with the cached normal sample (legacy_pod.normal_y) zeroed, its
     * first 16 hex digits, then "/" and the cached sample's bits ("-" when none is cached).
     */
    static String hash(Tensor state) {
        byte[] bytes = state.toByteArray();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long y = b.getLong(5024);
        boolean valid = b.getInt(5040) != 0;
        for (int i = 5024; i < 5032; i++) {
            bytes[i] = 0;
        }
        return digest(bytes) + "/" + (valid ? String.format("%016x", y) : "-");
    }

    private static String digest(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                b.append(String.format("%02x", d[i] & 0xFF));
            }
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
