package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.Storage;

/** A Java array: float[] (float32), double[] (float64), long[] (int64) or boolean[] (bool). */
final class CpuStorage implements Storage {
    final DType dtype;
    final Object array;
    final int length;

    CpuStorage(DType dtype, Object array) {
        this.dtype = dtype;
        this.array = array;
        this.length = java.lang.reflect.Array.getLength(array);
    }

    static CpuStorage allocate(DType dtype, int n) {
        switch (dtype) {
            case FLOAT32: return new CpuStorage(dtype, new float[n]);
            case FLOAT64: return new CpuStorage(dtype, new double[n]);
            case INT64: return new CpuStorage(dtype, new long[n]);
            default: return new CpuStorage(dtype, new boolean[n]);
        }
    }

    double getDouble(int i) {
        switch (dtype) {
            case FLOAT32: return ((float[]) array)[i];
            case FLOAT64: return ((double[]) array)[i];
            case INT64: return ((long[]) array)[i];
            default: return ((boolean[]) array)[i] ? 1 : 0;
        }
    }

    long getLong(int i) {
        switch (dtype) {
            case FLOAT32: return (long) ((float[]) array)[i];
            case FLOAT64: return (long) ((double[]) array)[i];
            case INT64: return ((long[]) array)[i];
            default: return ((boolean[]) array)[i] ? 1 : 0;
        }
    }

    void setDouble(int i, double v) {
        switch (dtype) {
            case FLOAT32: ((float[]) array)[i] = (float) v; break;
            case FLOAT64: ((double[]) array)[i] = v; break;
            case INT64: ((long[]) array)[i] = (long) v; break;
            default: ((boolean[]) array)[i] = v != 0;
        }
    }

    void setLong(int i, long v) {
        switch (dtype) {
            case FLOAT32: ((float[]) array)[i] = (float) v; break;
            case FLOAT64: ((double[]) array)[i] = (double) v; break;
            case INT64: ((long[]) array)[i] = v; break;
            default: ((boolean[]) array)[i] = v != 0;
        }
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long numel() {
        return length;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public void close() {
        // heap memory: the garbage collector reclaims it
    }
}
