package dev.ember;

/**
 * One entry of an index expression for {@link Tensor#index} and {@link Tensor#indexPut_}, as PyTorch's
 * {@code x[...]} takes them: an int ({@code x[1]}), a slice ({@code x[1:5:2]}, {@code x[:]}), a new axis
 * ({@code x[None]}), an ellipsis ({@code x[...]}) or a tensor of int64 indices or a bool mask ({@code x[idx]},
 * {@code x[mask]}). PyTorch's {@code x[1:, idx, None]} is {@code x.index(Index.slice(1, null, null), Index.of(idx),
 * Index.newAxis())}. Immutable.
 */
public final class Index {
    enum Kind { INT, SLICE, NEW_AXIS, ELLIPSIS, TENSOR }

    private static final Index ALL = new Index(Kind.SLICE, 0, null, null, null, null);
    private static final Index NEW_AXIS = new Index(Kind.NEW_AXIS, 0, null, null, null, null);
    private static final Index ELLIPSIS = new Index(Kind.ELLIPSIS, 0, null, null, null, null);

    final Kind kind;
    final int value;
    final Integer start;
    final Integer end;
    final Integer step;
    final Tensor tensor;

    private Index(Kind kind, int value, Integer start, Integer end, Integer step, Tensor tensor) {
        this.kind = kind;
        this.value = value;
        this.start = start;
        this.end = end;
        this.step = step;
        this.tensor = tensor;
    }

    /** An int index, {@code x[i]}: selects along the dimension and removes it; negative counts from the end. */
    public static Index of(int index) {
        return new Index(Kind.INT, index, null, null, null, null);
    }

    /**
     * A slice {@code start:end:step}, as Python's: null leaves a part out ({@code slice(1, null, null)} is {@code 1:}),
     * negative ends count from the end, ends are clamped to the dimension; the step must be positive.
     */
    public static Index slice(Integer start, Integer end, Integer step) {
        return new Index(Kind.SLICE, 0, start, end, step, null);
    }

    /** The full slice {@code :}. */
    public static Index all() {
        return ALL;
    }

    /** A new dimension of size 1, {@code None}. */
    public static Index newAxis() {
        return NEW_AXIS;
    }

    /** {@code ...}: as many full slices as the dimensions the other entries leave unindexed. */
    public static Index ellipsis() {
        return ELLIPSIS;
    }

    /**
     * A tensor index: int64 indices (any shape; several index tensors broadcast together) or a bool mask covering as many
     * dimensions as it has. A 0-dim int64 tensor indexes as an int.
     */
    public static Index of(Tensor indices) {
        Args.require(indices, "Index.of", "indices", 1, "Tensor");
        return new Index(Kind.TENSOR, 0, null, null, null, indices);
    }

    // ---- what the entry is, as C++'s at::indexing::TensorIndex tells it (is_integer(), integer(), slice(), ...)

    /** Whether this is an int index ({@link #of(int)}). */
    public boolean isInteger() {
        return kind == Kind.INT;
    }

    /**
     * The int of an int index.
     *
     * @throws IllegalStateException for another kind of entry
     */
    public int integer() {
        require(Kind.INT, "an int");
        return value;
    }

    /** Whether this is a slice ({@link #slice}, {@link #all()}). */
    public boolean isSlice() {
        return kind == Kind.SLICE;
    }

    /**
     * A slice's start as given: null where it was left out.
     *
     * @throws IllegalStateException for another kind of entry
     */
    public Integer sliceStart() {
        require(Kind.SLICE, "a slice");
        return start;
    }

    /**
     * A slice's end as given: null where it was left out.
     *
     * @throws IllegalStateException for another kind of entry
     */
    public Integer sliceEnd() {
        require(Kind.SLICE, "a slice");
        return end;
    }

    /**
     * A slice's step as given: null where it was left out (a step of 1).
     *
     * @throws IllegalStateException for another kind of entry
     */
    public Integer sliceStep() {
        require(Kind.SLICE, "a slice");
        return step;
    }

    /** Whether this is a new axis, {@code None} ({@link #newAxis()}). */
    public boolean isNewAxis() {
        return kind == Kind.NEW_AXIS;
    }

    /** Whether this is an ellipsis ({@link #ellipsis()}). */
    public boolean isEllipsis() {
        return kind == Kind.ELLIPSIS;
    }

    /** Whether this is a tensor index ({@link #of(Tensor)}). */
    public boolean isTensor() {
        return kind == Kind.TENSOR;
    }

    /**
     * The tensor of a tensor index.
     *
     * @throws IllegalStateException for another kind of entry
     */
    public Tensor tensor() {
        require(Kind.TENSOR, "a tensor");
        return tensor;
    }

    private void require(Kind k, String what) {
        if (kind != k) {
            throw new IllegalStateException("the index " + this + " is not " + what + " index");
        }
    }

    /** As Python writes the entry: {@code 1}, {@code 1:5:2}, {@code :}, {@code None}, {@code ...}, {@code tensor}. */
    @Override
    public String toString() {
        switch (kind) {
            case INT: return Integer.toString(value);
            case SLICE: return (start == null ? "" : start) + ":" + (end == null ? "" : end) + (step == null ? "" : ":" + step);
            case NEW_AXIS: return "None";
            case ELLIPSIS: return "...";
            default: return "tensor(" + Shapes.str(tensor.shapeRef()) + ", " + tensor.dtype() + ")";
        }
    }
}
