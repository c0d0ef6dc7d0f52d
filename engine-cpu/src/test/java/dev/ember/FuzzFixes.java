package dev.ember;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The programs of a fuzz round's {@code fixes.txt} (written by its {@code make_fixes.py}), which the round's
 * FuzzRoundNFixesTest replays one by one (rounds 19 on).
 */
final class FuzzFixes {
    private FuzzFixes() {
    }

    /**
     * The programs of the resource {@code path}: each begins at a {@code === name ...} line (the name is its first
     * word; any words after it are the generator's notes) and holds the non-blank lines up to the next one.
     */
    static Map<String, List<String>> load(String path) {
        Map<String, List<String>> cases = new HashMap<>();
        try (InputStream in = FuzzFixes.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + path);
            }
            List<String> body = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    body = new ArrayList<>();
                    cases.put(line.substring(4).split(" ")[0], body);
                } else if (!line.isBlank()) {
                    body.add(line);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return cases;
    }
}
