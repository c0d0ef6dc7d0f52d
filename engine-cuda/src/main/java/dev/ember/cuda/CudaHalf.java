package dev.ember.cuda;

import dev.ember.BFloat16;
import dev.ember.DType;
import dev.ember.Half;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;

import java.util.ArrayList;
import java.util.List;

/**
 * float16 and bfloat16 on CUDA, as the CPU backend's HalfLoops does them: a storage holds the bits, and a kernel
 * without a half version of its own runs on float32 copies ({@link Widened}): each half input is widened once on the
 * device (half_kernels.cu's conversion kernels, exact), the float32 kernel runs, and each half output is rounded back
 * once through its layout when the scope closes, the temporaries going back to the caching allocator. So every op
 * gives the CPU's values wherever the float32 kernels give the CPU's float32 values. Also the rules of PyTorch's
 * reduced-type kernels that the float32 kernels do not know: the number in {@code x op number} ({@link #scalar}) and
 * the alpha of {@code add_(x, alpha)} ({@link #alpha}).
 */
final class CudaHalf {
    private CudaHalf() {
    }

    /** What a widened scope needs of the backend. */
    interface Device {
        /** A new uninitialized storage of this device. */
        Storage allocate(DType dtype, long numel);

        /** The backend's copy, converting the type. */
        void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout);
    }

    /** Whether the type is float16 or bfloat16. */
    static boolean isHalf(DType t) {
        return t == DType.FLOAT16 || t == DType.BFLOAT16;
    }

    /** Whether any of the storages (nulls skipped) is float16 or bfloat16. */
    static boolean any(Storage... storages) {
        for (Storage s : storages) {
            if (s != null && isHalf(s.dtype())) {
                return true;
            }
        }
        return false;
    }

    /** A float rounded to the half type and back (exact for every value of the type). */
    static float rounded(DType t, float v) {
        return t == DType.FLOAT16 ? Half.toFloat(Half.fromFloat(v)) : BFloat16.toFloat(BFloat16.fromFloat(v));
    }

    /**
     * The number a half tensor meets in {@code a op number} (or {@code number op a}), as the float32 kernels should see
     * it: as HalfLoops.binaryScalarRow, PyTorch 2.x's CPU kernels read it in float for {@code mul} and for {@code div}
     * by the number, and for every other op (predicates included) convert it to the tensor's type first.
     */
    static Float scalar(BinaryOp op, DType t, Number scalar, boolean scalarFirst) {
        float v = scalar.floatValue();
        return op == BinaryOp.MUL || (op == BinaryOp.DIV && !scalarFirst) ? v : rounded(t, v);
    }

    /** The alpha of {@code y += alpha * x} for a half y: converted to y's type, then a float (HalfLoops.axpy). */
    static double alpha(DType t, double alpha) {
        return rounded(t, (float) alpha);
    }

    /**
     * Float32 copies of the float16 and bfloat16 storages of one kernel call (the mirror of the CPU's
     * HalfLoops.Widened): {@link #in} widens a half storage whole (so every layout over it stays valid) into a float32
     * temporary, once per storage; {@link #out} does the same and, on {@link #close}, rounds the elements of the given
     * layout back into the half storage (the others stay as they were). Storages of other types pass through.
     */
    static final class Widened implements AutoCloseable {
        private final Device device;
        private final List<Storage> originals = new ArrayList<>(4);
        private final List<Storage> copies = new ArrayList<>(4);
        private final List<Object[]> outputs = new ArrayList<>(2);

        Widened(Device device) {
            this.device = device;
        }

        /** An input: itself, or its float32 copy when it is float16 or bfloat16 ({@code null} stays null). */
        Storage in(Storage s) {
            if (s == null || !isHalf(s.dtype())) {
                return s;
            }
            for (int i = 0; i < originals.size(); i++) {
                if (originals.get(i) == s) {
                    return copies.get(i);
                }
            }
            int n = Math.toIntExact(s.numel());
            Storage c = device.allocate(DType.FLOAT32, n);
            originals.add(s);
            copies.add(c);
            device.copy(s, Layout.contiguous(n), c, Layout.contiguous(n));
            return c;
        }

        /**
         * An output written through {@code layout} ({@code null}: the whole storage): its float32 copy, whose elements
         * in the layout are rounded back into it on {@link #close}.
         */
        Storage out(Storage s, Layout layout) {
            Storage c = in(s);
            if (c != s) {
                outputs.add(new Object[] {s, c, layout});
            }
            return c;
        }

        /** Rounds every output back once into its half storage, then frees the float32 copies. */
        @Override
        public void close() {
            try {
                for (Object[] o : outputs) {
                    Storage s = (Storage) o[0];
                    Layout l = o[2] != null ? (Layout) o[2] : Layout.contiguous(Math.toIntExact(s.numel()));
                    device.copy((Storage) o[1], l, s, l);
                }
            } finally {
                outputs.clear();
                for (Storage c : copies) {
                    c.close();
                }
                copies.clear();
                originals.clear();
            }
        }
    }
}
