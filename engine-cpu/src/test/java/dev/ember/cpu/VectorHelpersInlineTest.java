package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method of the Vector API kernels that takes or returns a vector is small enough for C2 to inline it.
 *
 * <p>A vector passed to a method that is not inlined has no exact type there, so C2 cannot intrinsify the operations
 * on it and the method runs the Vector API's Java fallback, which allocates arrays for every operation: GELU over 2M
 * floats took 7.7 ms instead of 1.25, float32 exp 15 instead of 4.7 ms, with no error and the same results. C2
 * inlines a hot call of at most {@code FreqInlineSize} bytes of bytecode (325 on x86-64, JDK 17 to 25); this test reads
 * the kernels' class files and checks each such method's code length against it.
 */
class VectorHelpersInlineTest {
    private static final int FREQ_INLINE_SIZE = 325;

    /** The classes written on the Vector API, which both checks read. */
    private static final String[] VECTOR_CLASSES =
            {"VectorLoops", "VectorMicroKernels", "VectorDirectConv", "VectorProfiles", "VectorFft", "VectorInt8Dots",
                "VectorTranspose", "VectorRequantize", "VectorNormalFill", "VectorSleef", "VectorSleefPow", "VectorLibm",
                "VectorMt19937", "VectorEluLoops", "VectorOneDnnGelu", "VectorGeluErf", "VectorSoftmaxRows"};

    /** A method's name, descriptor and bytecode length. */
    private record Method(String name, String descriptor, int codeLength) {
    }

    @Test
    void vectorHelpersFitC2sInliningLimit() throws IOException {
        int checked = 0;
        for (String kernel : VECTOR_CLASSES) {
            for (Method m : methods(kernel)) {
                if (!m.descriptor.contains("Ljdk/incubator/vector/")) {
                    continue;
                }
                checked++;
                assertTrue(m.codeLength <= FREQ_INLINE_SIZE, kernel + "." + m.name + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode, more than C2 inlines (" + FREQ_INLINE_SIZE
                        + "): split it, or its vectors run the Java fallback");
            }
        }
        // select, sumInOrder, exp and erf at least: the check is not vacuous
        assertTrue(checked >= 4, "only " + checked + " vector helpers found");
    }

    /**
     * The kernel entries that must stay over {@code FreqInlineSize} so that C2 compiles each as a root of its own: a hot
     * call of at most that many bytes is inlined into its caller, and at the end of a deep chain of small callers
     * ({@code ActivationOps.fusedActivation} to {@code VectorEluLoops.leakyRelu}: ten frames) the Vector API's own
     * calls passed {@code MaxInlineLevel} and every vector was boxed (session 57).
     */
    @Test
    void deepChainKernelsStayCompileRoots() throws IOException {
        int found = 0;
        for (Method m : methods("VectorEluLoops")) {
            if (m.name.equals("leakyRelu") && m.descriptor.startsWith("([FI[FIF[FII)")) {
                found++;
                assertTrue(m.codeLength > FREQ_INLINE_SIZE, "VectorEluLoops.leakyRelu" + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode: C2 may inline it into leaky_relu's deep call chain");
            }
        }
        assertEquals(1, found);
        // oneDNN's GELU loops (session 58), reached from the activation ops' fused paths as leaky_relu is
        int gelu = 0;
        for (Method m : methods("VectorOneDnnGelu")) {
            if (m.name.equals("gelu") || m.name.equals("geluBackward")) {
                gelu++;
                assertTrue(m.codeLength > FREQ_INLINE_SIZE, "VectorOneDnnGelu." + m.name + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode: C2 may inline it into a deep call chain");
            }
        }
        assertEquals(2, gelu);
        // GeluKernelImpl's vector form (session 59): the forward loop and the backward's erf block, reached the same way
        gelu = 0;
        for (Method m : methods("VectorGeluErf")) {
            if (m.name.equals("gelu") || m.name.equals("backwardBlock")) {
                gelu++;
                assertTrue(m.codeLength > FREQ_INLINE_SIZE, "VectorGeluErf." + m.name + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode: C2 may inline it into a deep call chain");
            }
        }
        assertEquals(2, gelu);
        // session 58: the float32 elu forward's lanes (Sleef's expm1), at the end of the same chain (session 62: its one
        // loop and the second of its two passes, the first being tanh's, below; eluForward only dispatches)
        found = 0;
        for (Method m : methods("VectorSleef")) {
            if (m.name.equals("eluOneLoop") || m.name.equals("eluFinishPass")
                    || m.name.equals("expm1") && m.descriptor.startsWith("([FI[FII)")) {
                found++;
                assertTrue(m.codeLength > FREQ_INLINE_SIZE, "VectorSleef." + m.name + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode: C2 may inline it into elu's deep call chain");
            }
        }
        assertEquals(3, found);
        // session 60: softmax's and attention's exp-and-sum rows, inlined into AttentionKernels.forwardFloat, passed
        // C2's node budget there and ran the Vector API's fallbacks (1.4 MB a call of a causal attention)
        found = 0;
        for (Method m : methods("VectorLoops")) {
            if (m.name.equals("expSum")) {
                found++;
                assertTrue(m.codeLength > FREQ_INLINE_SIZE, "VectorLoops.expSum" + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode: C2 may inline it into attention's forward");
            }
        }
        assertEquals(1, found);
        // session 61: float32 tanh's two passes and its one loop (gelu's tanh form reaches them from the activation
        // ops' chain too); session 62: the first pass (expk2Pass) is elu's too
        found = 0;
        for (Method m : methods("VectorSleef")) {
            if (m.name.equals("expk2Pass") || m.name.equals("tanhQuotientPass") || m.name.equals("tanhOneLoop")) {
                found++;
                assertTrue(m.codeLength > FREQ_INLINE_SIZE, "VectorSleef." + m.name + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode: C2 may inline it into a deep call chain");
            }
        }
        assertEquals(3, found);
        // session 62: softmax's blocks of short rows, reached from the op through the loops' interface and a parallel
        // task; the max and exp-sum pass is a root of its own (inlined into rows, C2 passed its node cutoff and the
        // vectors were boxed); session 63: the backward's blocks, and their write pass with its own exp (with the
        // tails' exp inlined in one method, one exp's vectors were boxed)
        found = 0;
        for (Method m : methods("VectorSoftmaxRows")) {
            if (m.name.equals("rows") || m.name.equals("blockSums") || m.name.equals("backwardRows")
                    || m.name.equals("writeBlock")) {
                found++;
                assertTrue(m.codeLength > FREQ_INLINE_SIZE, "VectorSoftmaxRows." + m.name + m.descriptor + " has "
                        + m.codeLength + " bytes of bytecode: C2 may inline it into a deep call chain");
            }
        }
        assertEquals(4, found);
    }

    /**
     * The kernels hold one float species, the preferred one: on JDK 17 a second float vector class (a half-width
     * species) seen by the Vector API's shared methods made C2 compile the other kernels with inexact vector types,
     * boxing every vector (LeNet's first epoch about 2x slower, the GPT's CPU run 12x; RESULTS.md, session 15).
     */
    @Test
    void oneFloatSpecies() throws ReflectiveOperationException {
        int found = 0;
        for (String kernel : VECTOR_CLASSES) {
            for (Field f : Class.forName("dev.ember.cpu." + kernel).getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())
                        || !jdk.incubator.vector.VectorSpecies.class.isAssignableFrom(f.getType())) {
                    continue;
                }
                f.setAccessible(true);
                jdk.incubator.vector.VectorSpecies<?> species = (jdk.incubator.vector.VectorSpecies<?>) f.get(null);
                if (species.elementType() == float.class) {
                    found++;
                    assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, species,
                            kernel + "." + f.getName() + " is a second float species");
                }
            }
        }
        assertTrue(found >= 4, "only " + found + " float species fields found");
    }

    /** The methods of a class in this package, from its class file (JVMS chapter 4). */
    private static List<Method> methods(String simpleName) throws IOException {
        InputStream raw = VectorHelpersInlineTest.class.getResourceAsStream(simpleName + ".class");
        assertNotNull(raw, simpleName + ".class");
        try (DataInputStream in = new DataInputStream(raw)) {
            in.readInt(); // magic
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1: utf8[i] = in.readUTF(); break;
                    case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: in.skipNBytes(4); break;
                    case 5: case 6: in.skipNBytes(8); i++; break;
                    case 7: case 8: case 16: case 19: case 20: in.skipNBytes(2); break;
                    case 15: in.skipNBytes(3); break;
                    default: throw new IOException("constant pool tag " + tag);
                }
            }
            in.skipNBytes(6); // access, this, super
            in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
            int fields = in.readUnsignedShort();
            for (int f = 0; f < fields; f++) {
                in.skipNBytes(6);
                skipAttributes(in);
            }
            List<Method> out = new ArrayList<>();
            int methods = in.readUnsignedShort();
            for (int m = 0; m < methods; m++) {
                in.skipNBytes(2);
                String name = utf8[in.readUnsignedShort()];
                String descriptor = utf8[in.readUnsignedShort()];
                int attributes = in.readUnsignedShort();
                int code = -1;
                for (int a = 0; a < attributes; a++) {
                    String attribute = utf8[in.readUnsignedShort()];
                    int length = in.readInt();
                    if (attribute.equals("Code")) {
                        in.skipNBytes(4); // max_stack, max_locals
                        code = in.readInt();
                        in.skipNBytes(length - 8L);
                    } else {
                        in.skipNBytes(length);
                    }
                }
                out.add(new Method(name, descriptor, code));
            }
            return out;
        }
    }

    private static void skipAttributes(DataInputStream in) throws IOException {
        int attributes = in.readUnsignedShort();
        for (int a = 0; a < attributes; a++) {
            in.skipNBytes(2);
            in.skipNBytes(in.readInt() & 0xffffffffL);
        }
    }
}
