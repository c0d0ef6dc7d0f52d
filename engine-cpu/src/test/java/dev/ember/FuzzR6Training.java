package dev.ember;

/** The training half of fuzz round 6 (LBFGS, SWA, state-dict round trips): see {@code fuzz6/make_cases.py}. */
final class FuzzR6Training {
    private FuzzR6Training() {
    }

    static String run(String kind, String name, DifferentialFuzzR6Test.Lines in) {
        throw new IllegalStateException("kind " + kind);
    }
}
