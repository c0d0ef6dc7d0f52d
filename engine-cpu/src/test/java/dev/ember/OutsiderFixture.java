package dev.ember;

import dev.ember.nn.Module;
import dev.ember.nn.TorchSerialization;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.ember.LossesMoreTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixture the outsider programs share: a dict of tensors that a PyTorch generator script saved beside itself under
 * {@code resources/<dir>/}, read with {@link TorchSerialization#load}, and the few ways the programs use it (an entry
 * by name, a module loaded from the entries under a prefix, losses collected in Java compared as one tensor, every
 * named parameter or gradient of a module compared with the entries under a prefix).
 */
final class OutsiderFixture {
    private final String dir;
    private final String file;
    private final Map<String, Tensor> pt;

    /** Loads {@code /dir/file} from the test resources. */
    @SuppressWarnings("unchecked")
    OutsiderFixture(String dir, String file) {
        this.dir = dir;
        this.file = file;
        try {
            pt = (Map<String, Tensor>) TorchSerialization.load(resource(file));
        } catch (Exception ex) {
            throw new IllegalStateException("cannot load " + dir + "/" + file, ex);
        }
    }

    /** The path of another resource beside the file (a checkpoint, a safetensors file). */
    Path resource(String name) {
        try {
            return Path.of(OutsiderFixture.class.getResource("/" + dir + "/" + name).toURI());
        } catch (java.net.URISyntaxException | NullPointerException ex) {
            throw new IllegalStateException("no resource " + dir + "/" + name, ex);
        }
    }

    /** The entry {@code name}; fails the test when the file has none. */
    Tensor e(String name) {
        Tensor t = pt.get(name);
        assertTrue(t != null, "no " + name + " in " + file);
        return t;
    }

    /** The entries under {@code prefix}, the prefix dropped, in the file's order. */
    Map<String, Tensor> under(String prefix) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        pt.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                state.put(k.substring(prefix.length()), v);
            }
        });
        return state;
    }

    /** {@code m} with the saved state dict entries under {@code prefix} loaded (strict, as PyTorch's default). */
    <M extends Module> M loaded(M m, String prefix) {
        m.loadStateDict(under(prefix));
        return m;
    }

    /** {@code m} in {@code dtype}, with the saved state dict entries under {@code prefix} loaded. */
    <M extends Module> M loaded(M m, String prefix, DType dtype) {
        m.to(dtype);
        return loaded(m, prefix);
    }

    /** Numbers collected in Java (losses, learning rates, norms) as a tensor of {@code dtype}. */
    static Tensor values(List<Double> xs, DType dtype) {
        double[] d = new double[xs.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = xs.get(i);
        }
        return Tensor.tensor(d, DType.FLOAT64, Device.CPU).to(dtype);
    }

    /**
     * {@link LossesMoreTest#assertClose} times {@code loose}, for complex tensors too: a complex tensor is compared
     * through its real view (its real and imaginary parts, the scale the largest of them), after its type.
     */
    static void assertCloseAny(Tensor expected, Tensor actual, String what, double loose) {
        if (expected.isComplex() || actual.isComplex()) {
            assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
            assertClose(expected.resolveConj().viewAsReal(), actual.resolveConj().viewAsReal(), what, loose);
        } else {
            assertClose(expected, actual, what, loose);
        }
    }

    /** {@link #assertCloseAny} of {@code actual}'s detached values at the base tolerance (the outsider tests' same). */
    static void same(Tensor expected, Tensor actual, String what) {
        assertCloseAny(expected, actual.detach(), what, 1);
    }

    /** {@link #assertCloseAny} of {@code actual}'s detached values times {@code loose} (the outsider tests' close). */
    static void close(Tensor expected, Tensor actual, String what, double loose) {
        assertCloseAny(expected, actual.detach(), what, loose);
    }

    /**
     * Every named parameter of {@code m} (its gradient when {@code grads}) against the entry {@code prefix + name},
     * each held to {@link LossesMoreTest#assertClose} times {@code loose}; the file must hold no other entries there
     * (the programs' modules have no buffers).
     */
    void assertNamed(String prefix, Module m, boolean grads, double loose, String what) {
        Map<String, Tensor> named = m.namedParameters();
        int compared = 0;
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            Tensor actual = grads ? p.getValue().grad() : p.getValue();
            assertTrue(actual != null, what + ": no gradient for " + p.getKey());
            assertCloseAny(e(prefix + p.getKey()), actual.detach(), what + " " + p.getKey(), loose);
            compared++;
        }
        assertEquals(under(prefix).size(), compared, what + ": PyTorch's and Ember's parameter names");
    }
}
