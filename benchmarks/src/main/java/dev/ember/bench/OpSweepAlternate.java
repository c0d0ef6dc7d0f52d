package dev.ember.bench;

import java.util.Locale;

/**
 * Before/after of a kernel change in one JVM: runs {@link OpSweep}'s rows matching a pattern with a boolean system
 * property alternately true and false (the property that keeps the old path), so both read the same load.
 * Arguments: the property (or several, comma-separated, set together), the row pattern, optionally the number of
 * rounds (default 3); {@code --check} as a fourth argument prints OpSweep's sums for each setting instead of timing.
 */
public final class OpSweepAlternate {
    private OpSweepAlternate() {
    }

    /**
     * Runs the alternation.
     *
     * @param args the property, the row pattern, the rounds, optionally {@code --check}
     */
    public static void main(String[] args) {
        String property = args[0];
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        boolean check = args.length > 3 && args[3].equals("--check");
        for (int r = 0; r < rounds; r++) {
            for (String v : new String[] {"true", "false"}) {
                for (String p : property.split(",")) {
                    System.setProperty(p, v);
                }
                System.out.printf(Locale.ROOT, "-D%s=%s%n", property, v);
                OpSweep.main(check ? new String[] {args[1], "--check"} : new String[] {args[1]});
            }
        }
    }
}
