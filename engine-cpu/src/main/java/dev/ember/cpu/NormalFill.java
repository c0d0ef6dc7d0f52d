package dev.ember.cpu;

/**
 * PyTorch's AVX2 float32 normal fill on lanes ({@link dev.ember.backend.Backend#normalFill16Avx2}); its one
 * implementation, {@code VectorNormalFill}, is written on the Vector API and loaded only where the JVM has it.
 */
interface NormalFill {
    /**
     * {@code -Dember.normalFill.serial=true}: the runs of a fill transformed on the calling thread alone (the old path)
     * instead of split across the backend's workers; the bits are the same.
     */
    String SERIAL_PROPERTY = "ember.normalFill.serial";

    /** Transforms {@code blocks} runs of 16 uniform numbers of {@code d} from {@code at} in place. */
    void blocks(float[] d, int at, int blocks, float mean, float std);
}
