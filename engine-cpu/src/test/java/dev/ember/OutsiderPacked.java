package dev.ember;

import dev.ember.nn.Module;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static dev.ember.OutsiderFixture.same;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packed form in which the later outsider rounds' generators save their larger models (round 19's test had these
 * as its own; round 20 shares them): a model's initial state as one flattened float32 vector whose names and shapes a
 * names file lists, its first gradients as one vector in named_parameters' order, and its parameters after training as
 * three summaries each (the sum, the sum of squares and a linspace(-1, 1)-weighted sum) plus the full values of those
 * of at most 16 elements. Every comparison is {@link OutsiderFixture#same}'s unless its parameter is named as noise.
 */
final class OutsiderPacked {
    private final OutsiderFixture pt;
    private final String namesFile;

    /** The packed entries of {@code pt}, whose names and shapes {@code namesFile} (beside it) lists. */
    OutsiderPacked(OutsiderFixture pt, String namesFile) {
        this.pt = pt;
        this.namesFile = namesFile;
    }

    /** The entry {@code name}, a float32 one (data, initial values) widened to float64. */
    Tensor e(String name) {
        Tensor t = pt.e(name);
        return t.dtype() == DType.FLOAT32 ? t.to(DType.FLOAT64) : t;
    }

    /** The generator's summary: the sum, the sum of squares and a linspace(-1, 1)-weighted sum of the values. */
    static Tensor summary(Tensor t) {
        Tensor f = t.detach().reshape(-1);
        return Tensor.stack(java.util.List.of(f.sum(), f.pow(2).sum(),
                f.mul(Tensor.linspace(-1, 1, (int) f.numel(), f.dtype())).sum()), 0);
    }

    /**
     * {@code m} in float64 with the state the generator's packed save wrote: the flattened float32 values
     * {@code prefix + "flat"}, split by the names and shapes the names file lists under its line {@code [prefix]} in
     * order, loaded strictly by name (an entry whose line has a third field, an integer type such as {@code int64},
     * converted to it).
     */
    <M extends Module> M loaded(M m, String prefix) {
        return loaded(m, prefix, DType.FLOAT64);
    }

    /** {@link #loaded(Module, String)} with {@code m} and its floating state in {@code dtype}. */
    <M extends Module> M loaded(M m, String prefix, DType dtype) {
        m.to(dtype);
        Tensor flat = pt.e(prefix + "flat").to(dtype);
        Map<String, Tensor> state = new LinkedHashMap<>();
        int at = 0;
        try {
            boolean mine = false;
            for (String line : Files.readAllLines(pt.resource(namesFile))) {
                if (line.startsWith("[")) {
                    mine = line.equals("[" + prefix + "]");
                    continue;
                }
                if (!mine) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                int[] shape = f[1].isEmpty() ? new int[0] : Arrays.stream(f[1].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                Tensor v = flat.narrow(0, at, n).reshape(shape);
                state.put(f[0], f.length > 2 ? v.to(DType.valueOf(f[2].toUpperCase(java.util.Locale.ROOT))) : v);
                at += n;
            }
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        assertEquals(flat.size(0), at, prefix + ": " + namesFile + " accounts for every value");
        m.loadStateDict(state);
        return m;
    }

    /**
     * The gradients of {@code m}'s named parameters against the generator's packed ones ({@code key}: flattened and
     * concatenated in named_parameters' order), each parameter's own slice at the base tolerance; those named in
     * {@code noise} (zero but for rounding) are held to {@code |g| <= 1e-15} in PyTorch and in Ember instead.
     */
    void assertGrads(String key, Module m, Set<String> noise, String what) {
        Tensor flat = e(key);
        int at = 0;
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            assertTrue(g != null, what + ": no gradient for " + p.getKey());
            int n = (int) g.numel();
            Tensor want = flat.narrow(0, at, n);
            if (noise.contains(p.getKey())) {
                assertTrue(want.abs().max().item() <= 1e-15, what + " " + p.getKey() + ": PyTorch's is not noise");
                assertTrue(g.abs().max().item() <= 1e-15, what + " " + p.getKey() + ": " + g.abs().max().item());
            } else {
                same(want, g.reshape(-1), what + " " + p.getKey());
            }
            at += n;
        }
        assertEquals(flat.size(0), at, what + ": PyTorch's and Ember's gradient sizes");
    }

    /**
     * The tensors {@code values} (a model's named parameters or their gradients, in named_parameters' order) against
     * the rows of the (N, 3) summaries {@code key}, one row each; those named in {@code noise} to {@code absNoise}.
     */
    void assertSummaries(String key, Map<String, Tensor> values, Set<String> noise, double absNoise, String what) {
        Tensor want = e(key);
        assertEquals(want.size(0), values.size(), what + ": PyTorch's and Ember's parameter counts");
        int i = 0;
        for (Map.Entry<String, Tensor> v : values.entrySet()) {
            assertTrue(v.getValue() != null, what + ": none for " + v.getKey());
            Tensor row = want.select(0, i++);
            if (noise.contains(v.getKey())) {
                double worst = row.sub(summary(v.getValue())).abs().max().item();
                assertTrue(worst <= absNoise, what + " " + v.getKey() + " (summary, noise): " + worst);
            } else {
                same(row, summary(v.getValue()), what + " " + v.getKey() + " (summary)");
            }
        }
    }

    /**
     * The parameters after training as the generator's summarized save wrote them: the summaries of all
     * ({@code prefix + "finalsum"}), and the values of those of at most 16 elements ({@code prefix + "finalsmall"}),
     * flattened and concatenated in named_parameters' order; those named in {@code noise} (their gradients rounding
     * noise, which Adam scales up to steps of ~lr * 1e-10) to {@code absNoise}.
     */
    void assertFinal(String prefix, Module m, Set<String> noise, double absNoise, String what) {
        Map<String, Tensor> named = m.namedParameters();
        assertSummaries(prefix + "finalsum", named, noise, absNoise, what);
        Tensor small = e(prefix + "finalsmall");
        int at = 0;
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            int n = (int) p.getValue().numel();
            if (n > 16) {
                continue;
            }
            Tensor want = small.narrow(0, at, n);
            Tensor got = p.getValue().detach().reshape(-1);
            if (noise.contains(p.getKey())) {
                double worst = want.sub(got).abs().max().item();
                assertTrue(worst <= absNoise, what + " " + p.getKey() + " (noise): " + worst);
            } else {
                same(want, got, what + " " + p.getKey());
            }
            at += n;
        }
        assertEquals(small.size(0), at, what + ": those of at most 16 elements");
    }
}
