package dev.ember;

import dev.ember.nn.Module;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the seeded outsider programs (round 21 on: {@link OutsiderPrograms21Test}, {@link OutsiderPrograms22Test})
 * share: PyTorch's records read from {@code resources/<dir>/expected.txt} (a {@code === program} line, then one
 * {@code key value...} line a record), and the {@link Replay} that checks a port's records against them.
 */
final class OutsiderReplay {
    private OutsiderReplay() {
    }

    /** The records of {@code /dir/expected.txt}, program by program, each in the file's order. */
    static Map<String, Map<String, String[]>> load(String dir) {
        Map<String, Map<String, String[]>> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                OutsiderReplay.class.getResourceAsStream("/" + dir + "/expected.txt"), StandardCharsets.UTF_8))) {
            Map<String, String[]> cur = null;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("=== ")) {
                    cur = new LinkedHashMap<>();
                    out.put(line.substring(4), cur);
                } else if (!line.isEmpty()) {
                    String[] parts = line.split(" ");
                    String[] vals = new String[parts.length - 1];
                    System.arraycopy(parts, 1, vals, 0, vals.length);
                    cur.put(parts[0], vals);
                }
            }
        } catch (Exception ex) {
            throw new IllegalStateException("cannot read " + dir + "/expected.txt", ex);
        }
        return out;
    }

    /**
     * One program's replay: seeds PyTorch's generator, then checks each record against PyTorch's as it comes, gathering
     * the mismatches in program order (so the first one named is the first step that diverges), and at {@link #done}
     * fails on any and checks that every record was made. A value written in hex is compared within 1e-12 of the
     * record's largest magnitude, any other exactly.
     */
    static class Replay {
        private final String program;
        private final Map<String, String[]> want;
        private final List<String> seen = new ArrayList<>();
        private final List<String> mismatches = new ArrayList<>();

        Replay(Map<String, Map<String, String[]>> expected, String program, long seed) {
            this.program = program;
            this.want = expected.get(program);
            assertTrue(want != null && !want.isEmpty(), "no records for " + program);
            Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
            Ember.manualSeed(seed);
        }

        /** PyTorch's record {@code key}, counted as made; fails the test where PyTorch made none. */
        private String[] take(String key) {
            String[] w = want.get(key);
            if (w == null) {
                fail(program + ": PyTorch made no record " + key);
            }
            seen.add(key);
            return w;
        }

        void rec(String key, double... got) {
            String[] w = take(key);
            if (w.length != got.length) {
                mismatches.add(key + ": " + got.length + " values, PyTorch's " + w.length);
                return;
            }
            double scale = 0;
            for (String s : w) {
                scale = Math.max(scale, Math.abs(Double.parseDouble(s)));
            }
            for (int i = 0; i < w.length; i++) {
                double e = Double.parseDouble(w[i]);
                double tol = w[i].contains("0x") ? 1e-12 * scale : 0.0;
                if (!(Math.abs(e - got[i]) <= tol)) {
                    mismatches.add(key + "[" + i + "]: " + got[i] + ", PyTorch's " + e);
                    return;
                }
            }
        }

        void rec(String key, Tensor t) {
            rec(key, t.detach().to(DType.FLOAT64).contiguous().toDoubleArray());
        }

        void rec(String key, List<Integer> ints) {
            rec(key, ints.stream().mapToDouble(Integer::doubleValue).toArray());
        }

        /** A yes/no record (PyTorch's bool, 1 or 0). */
        void rec(String key, boolean yes) {
            rec(key, yes ? 1.0 : 0.0);
        }

        /** The CRC-32 of the default generator's state, {@code zlib.crc32(torch.get_rng_state().numpy().tobytes())}. */
        void rng(String key) {
            CRC32 crc = new CRC32();
            crc.update(Ember.getRngState().toByteArray());
            rec(key, (double) crc.getValue());
        }

        /**
         * One training step's records: the batch's dataset indices ({@code idx.<step>}), the loss values
         * ({@code loss.<step>}) and the generator's state after it ({@code rng.<step>}).
         */
        void stepRecords(int step, Tensor ids, double... losses) {
            rec("idx." + step, ids);
            rec("loss." + step, losses);
            rng("rng." + step);
        }

        /** A tensor's sum, sum of magnitudes and sum of squares, in float64. */
        void summary(String key, Tensor t) {
            Tensor v = t.detach().to(DType.FLOAT64);
            rec(key, v.sum().item(), v.abs().sum().item(), v.mul(v).sum().item());
        }

        /** Each floating state_dict entry's {@link #summary} under {@code prefix}. */
        void summaries(Module model, String prefix) {
            for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
                if (e.getValue().dtype().isFloatingPoint()) {
                    summary(prefix + e.getKey(), e.getValue());
                }
            }
        }

        /** A record compared bit for bit (a float32 tensor's values widened to double, as PyTorch's tolist()). */
        void exact(String key, Tensor t) {
            exact(key, t.detach().to(DType.FLOAT64).contiguous().toDoubleArray());
        }

        /** Values compared bit for bit. */
        void exact(String key, double[] got) {
            String[] w = take(key);
            if (w.length != got.length) {
                mismatches.add(key + ": " + got.length + " values, PyTorch's " + w.length);
                return;
            }
            for (int i = 0; i < w.length; i++) {
                if (Double.compare(Double.parseDouble(w[i]), got[i]) != 0) {
                    mismatches.add(key + "[" + i + "]: " + Double.toHexString(got[i]) + ", PyTorch's " + w[i]);
                    return;
                }
            }
        }

        /** Names (state_dict keys, named_parameters, named_buffers), in order, as strings. */
        void names(String key, Collection<String> got) {
            String full = "names." + key;
            String[] w = take(full);
            if (!List.of(w).equals(new ArrayList<>(got))) {
                mismatches.add(full + ": " + got + ", PyTorch's " + List.of(w));
            }
        }

        void done() {
            assertTrue(mismatches.isEmpty(), program + ": " + mismatches.size() + " records differ, the first ones "
                    + mismatches.subList(0, Math.min(8, mismatches.size())));
            assertEquals(want.size(), seen.size(), program + ": records made " + seen + " of " + want.keySet());
            assertTrue(seen.containsAll(want.keySet()), program + ": every record made");
        }
    }
}
