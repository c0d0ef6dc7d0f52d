package dev.ember;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The "label value" files several generators write ({@code leftovers46/}, {@code deepcopy/},
 * {@code checkpointnonreentrant/}, {@code differentialfuzzr14/fixes.txt}, {@code differentialfuzzr18/fixes.txt}): each
 * line is a label, one space, then the value (the rest of the line).
 */
final class LabelledLines {
    private LabelledLines() {
    }

    /** The resource's values by label, in file order; a line without a label is skipped. */
    static Map<String, String> load(String resource) {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = LabelledLines.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    out.put(line.substring(0, sp), line.substring(sp + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
