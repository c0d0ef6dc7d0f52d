package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM without {@code --add-modules jdk.incubator.vector} says so once, at the first CPU kernel, naming the flag and
 * where it goes; with the flag, or with {@code -Dember.cpu.noVector=true} (plain loops chosen on purpose), it says
 * nothing. {@link VectorWarningMain} runs in a child JVM.
 */
class VectorApiWarningTest {

    private static String run(String... jvmFlags) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VectorWarningMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "the child JVM did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("done "), out);
        return out;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void withoutTheModuleOneWarningNamesTheFlagAndWhereItGoes() throws IOException, InterruptedException {
        String out = run();
        assertEquals(1, count(out, "the JVM runs without the Vector API module"), out);
        assertTrue(out.contains("WARNING"), out);
        assertTrue(out.contains("--add-modules jdk.incubator.vector -cp"), out);
        assertTrue(out.contains("MAVEN_OPTS"), out);
        assertTrue(out.contains("<argLine>--add-modules jdk.incubator.vector</argLine>"), out);
    }

    @Test
    void withTheModuleOrPlainLoopsChosenNothingIsSaid() throws IOException, InterruptedException {
        assertFalse(run("--add-modules", "jdk.incubator.vector").contains("without the Vector API"));
        assertFalse(run("-Dember.cpu.noVector=true").contains("without the Vector API"));
    }
}
