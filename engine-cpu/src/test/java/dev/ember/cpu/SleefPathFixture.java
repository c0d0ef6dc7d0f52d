package dev.ember.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What the bits tests of the Sleef path share: the property {@code ember.cpu.exactTranscendentals} (which a run of the
 * old path sets JVM-wide) is cleared for each test and restored after, and the committed PyTorch files are read as
 * little-endian int32 bit patterns or float32 values.
 */
abstract class SleefPathFixture {
    private String saved;

    @BeforeEach
    void clearExactProperty() {
        saved = System.getProperty(SleefFloat.EXACT_PROPERTY);
        System.clearProperty(SleefFloat.EXACT_PROPERTY);
    }

    @AfterEach
    void restoreExactProperty() {
        if (saved == null) {
            System.clearProperty(SleefFloat.EXACT_PROPERTY);
        } else {
            System.setProperty(SleefFloat.EXACT_PROPERTY, saved);
        }
    }

    /** The bytes of a test resource, {@code "folder/name"}. */
    static byte[] resource(String path) throws IOException {
        try (InputStream in = SleefPathFixture.class.getResourceAsStream("/" + path)) {
            assertNotNull(in, "missing " + path);
            return in.readAllBytes();
        }
    }

    /** A resource's little-endian int32 values. */
    static int[] resourceInts(String path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(resource(path)).order(ByteOrder.LITTLE_ENDIAN);
        int[] a = new int[b.remaining() / 4];
        b.asIntBuffer().get(a);
        return a;
    }

    /** The floats with these bits. */
    static float[] bitsToFloats(int[] bits) {
        float[] f = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            f[i] = Float.intBitsToFloat(bits[i]);
        }
        return f;
    }
}
