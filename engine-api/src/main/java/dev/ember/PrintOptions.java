package dev.ember;

/**
 * The options tensors print with, as PyTorch's {@code torch._tensor_str.PRINT_OPTS}: {@code precision} (digits after
 * the point, 4), {@code threshold} (more elements than this are summarized, 1000), {@code edgeitems} (the items kept
 * at each end of a summarized dimension, 3), {@code linewidth} (characters per line, 80) and {@code sciMode} (true or
 * false to force or forbid scientific notation, null to let each tensor's values choose, the default). One set of
 * options for the whole process, as PyTorch's: {@link Ember#setPrintOptions(Builder)} replaces it at once (a printout
 * reads one snapshot, so a concurrent change never mixes two sets in one string), {@link Ember#getPrintOptions()}
 * reads it.
 */
public final class PrintOptions {
    /** PyTorch's defaults: precision 4, threshold 1000, edge items 3, line width 80, sci mode chosen per tensor. */
    public static final PrintOptions DEFAULT = new PrintOptions(4, 1000, 3, 80, null);

    private static volatile PrintOptions current = DEFAULT;

    private final int precision;
    private final double threshold;
    private final int edgeitems;
    private final int linewidth;
    private final Boolean sciMode;

    private PrintOptions(int precision, double threshold, int edgeitems, int linewidth, Boolean sciMode) {
        this.precision = precision;
        this.threshold = threshold;
        this.edgeitems = edgeitems;
        this.linewidth = linewidth;
        this.sciMode = sciMode;
    }

    /** Digits after the point in fixed and scientific notation. */
    public int precision() {
        return precision;
    }

    /** Tensors of more elements than this print summarized ({@code Double.POSITIVE_INFINITY}: never). */
    public double threshold() {
        return threshold;
    }

    /** Items printed at each end of a summarized dimension. */
    public int edgeitems() {
        return edgeitems;
    }

    /** Characters per line. */
    public int linewidth() {
        return linewidth;
    }

    /** True or false when scientific notation is forced or forbidden, null when each tensor's values choose. */
    public Boolean sciMode() {
        return sciMode;
    }

    /** The same five options. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PrintOptions)) {
            return false;
        }
        PrintOptions p = (PrintOptions) o;
        return precision == p.precision && Double.compare(threshold, p.threshold) == 0 && edgeitems == p.edgeitems
                && linewidth == p.linewidth && java.util.Objects.equals(sciMode, p.sciMode);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(precision, threshold, edgeitems, linewidth, sciMode);
    }

    /** As Python would print the options' values. */
    @Override
    public String toString() {
        return "PrintOptions(precision=" + precision + ", threshold=" + Format.repr(threshold) + ", edgeitems=" + edgeitems
                + ", linewidth=" + linewidth + ", sci_mode=" + (sciMode == null ? "None" : sciMode ? "True" : "False") + ")";
    }

    /** The options in force. */
    static PrintOptions current() {
        return current;
    }

    /** A new set of options for {@link Ember#setPrintOptions(Builder)}: nothing named yet. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The arguments of one {@code torch.set_printoptions(...)} call: only what is named changes, except
     * {@code sciMode}, which (as in PyTorch) is set to its value here, null (per tensor) unless named; a {@code profile}
     * sets precision, threshold, edge items and line width first, the named options then apply over it.
     */
    public static final class Builder {
        private Integer precision;
        private Double threshold;
        private Integer edgeitems;
        private Integer linewidth;
        private String profile;
        private Boolean sciMode;

        private Builder() {
        }

        /** Digits after the point (not negative). */
        public Builder precision(int precision) {
            if (precision < 0) {
                throw new IllegalArgumentException("precision must be non-negative, got " + precision);
            }
            this.precision = precision;
            return this;
        }

        /** Summarize tensors of more elements than this ({@code Double.POSITIVE_INFINITY}: never). */
        public Builder threshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        /** Items kept at each end of a summarized dimension (not negative; 0 prints {@code [...]}). */
        public Builder edgeitems(int edgeitems) {
            if (edgeitems < 0) {
                throw new IllegalArgumentException("edgeitems must be non-negative, got " + edgeitems);
            }
            this.edgeitems = edgeitems;
            return this;
        }

        /** Characters per line. */
        public Builder linewidth(int linewidth) {
            this.linewidth = linewidth;
            return this;
        }

        /**
         * {@code "default"} (4, 1000, 3, 80), {@code "short"} (2, 1000, 2, 80) or {@code "full"} (4, no summarizing, 3,
         * 80); any other name changes nothing, as in PyTorch.
         */
        public Builder profile(String profile) {
            this.profile = profile;
            return this;
        }

        /** Force ({@code true}) or forbid ({@code false}) scientific notation; null lets each tensor choose. */
        public Builder sciMode(Boolean sciMode) {
            this.sciMode = sciMode;
            return this;
        }

        /** PyTorch's {@code set_printoptions} applied to {@code base}. */
        PrintOptions applyTo(PrintOptions base) {
            int p = base.precision;
            double t = base.threshold;
            int e = base.edgeitems;
            int l = base.linewidth;
            if ("default".equals(profile)) {
                p = 4;
                t = 1000;
                e = 3;
                l = 80;
            } else if ("short".equals(profile)) {
                p = 2;
                t = 1000;
                e = 2;
                l = 80;
            } else if ("full".equals(profile)) {
                p = 4;
                t = Double.POSITIVE_INFINITY;
                e = 3;
                l = 80;
            }
            return new PrintOptions(precision != null ? precision : p, threshold != null ? threshold : t,
                    edgeitems != null ? edgeitems : e, linewidth != null ? linewidth : l, sciMode);
        }
    }

    /** Applies one {@code set_printoptions} call to the options in force, atomically. */
    static synchronized void set(Builder b) {
        current = b.applyTo(current);
    }
}
