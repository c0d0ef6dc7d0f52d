package dev.ember;

import dev.ember.nn.TorchSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The differences differential fuzz round 30 ({@link DifferentialFuzzR30Test}) found in Ember's reader of
 * {@code torch.save} files, each on a small file {@code differentialfuzzr30/make_cases.py} writes with PyTorch
 * ({@code fixes/}), checked against what {@code torch.load} reads ({@code fixes.txt}) by the round's own checker.
 */
class FuzzRound30FixesTest {
    @TempDir
    Path tmp;

    private String check(String id) {
        Path root = DifferentialFuzzR30Test.committedRoot();
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read("/differentialfuzzr30/fixes.txt")) {
            if (c.id().equals(id)) {
                return DifferentialFuzzR30Test.run(root, c, tmp);
            }
        }
        throw new IllegalStateException("no case " + id);
    }

    /**
     * A complex {@code nn.Parameter} requiring grad (PyTorch allows complex parameters) was refused ("only Tensors of
     * floating point dtype can require gradients"); it loads now as a complex tensor requiring grad, with PyTorch's
     * bits.
     */
    @Test
    void complexParameterRequiringGradLoads() throws IOException {
        assertNull(check("f000"));
        Map<?, ?> m = (Map<?, ?>) TorchSerialization.load(DifferentialFuzzR30Test.committedRoot().resolve("fixes/complex_param.pt"));
        Tensor w = (Tensor) m.get("w");
        assertEquals(DType.COMPLEX64, w.dtype());
        assertTrue(w.requiresGrad());
        assertFalse(((Tensor) m.get("d")).requiresGrad());
    }

    /**
     * An empty tuple (pickle's EMPTY_TUPLE) was read as an immutable list that {@link TorchSerialization#save} wrote
     * back as a list; it is a tuple now, and saving what was read gives torch.save's bytes.
     */
    @Test
    void emptyTupleIsReadAsATupleAndWrittenBackAsOne() throws IOException {
        assertNull(check("f001")); // the structure, then the resave byte for byte
        Map<?, ?> m = (Map<?, ?>) TorchSerialization.load(DifferentialFuzzR30Test.committedRoot().resolve("fixes/empty_tuple.pt"));
        Object t = m.get("t");
        assertInstanceOf(List.class, t);
        assertEquals("Tuple", t.getClass().getSimpleName());
    }

    /**
     * A {@code bytearray}, which Python 3.8+ pickles below protocol 5 as {@code bytearray(bytes)} (the bytes as
     * {@code _codecs.encode(str, 'latin1')}), was refused ("builtins.bytearray called with arguments other than (str,
     * 'latin1')"); it reads as its bytes now, as 2.x's weights-only loader reads it.
     */
    @Test
    void bytearrayOfBytesLoads() throws IOException {
        assertNull(check("f002"));
        Map<?, ?> m = (Map<?, ?>) TorchSerialization.load(DifferentialFuzzR30Test.committedRoot().resolve("fixes/bytearray.pt"));
        assertInstanceOf(byte[].class, m.get("a"));
    }
}
