package dev.ember;

/**
 * A double rounded to what a floating type holds, as a double: the value a CPU kernel's {@code scalar_t} keeps after
 * each step (float32 by a cast; float16 and bfloat16 through float, as C++ converts a double to them; float64 as is).
 */
final class TypeRound {
    private TypeRound() {
    }

    static double of(double v, DType type) {
        switch (type) {
            case FLOAT32:
                return (float) v;
            case FLOAT16:
                return Half.toFloat(Half.fromFloat((float) v));
            case BFLOAT16:
                return BFloat16.toFloat(BFloat16.fromFloat((float) v));
            default:
                return v;
        }
    }
}
