package dev.ember;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The block files some generators write ({@code mt19937/}, {@code mt19937parity/}, {@code mt19937training/},
 * {@code segmentreduce/}): a line {@code === name} starts a block, the lines up to the next one are its body.
 */
final class NamedBlocks {
    private NamedBlocks() {
    }

    /** The resource's blocks by name, in file order. */
    static Map<String, String[]> load(String resource) {
        Map<String, String[]> blocks = new LinkedHashMap<>();
        try (InputStream in = NamedBlocks.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String name = null;
            List<String> lines = new ArrayList<>();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("=== ")) {
                    if (name != null) {
                        blocks.put(name, lines.toArray(new String[0]));
                    }
                    name = line.substring(4);
                    lines = new ArrayList<>();
                } else {
                    lines.add(line);
                }
            }
            if (name != null) {
                blocks.put(name, lines.toArray(new String[0]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return blocks;
    }
}
