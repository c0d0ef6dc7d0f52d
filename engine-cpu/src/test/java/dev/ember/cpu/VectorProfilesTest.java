package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API's operator profiles are seeded once per JVM, by the first kernel class that loads (see
 * {@link VectorProfiles} for why). That the seeding keeps C2's intrinsics in the kernels was measured end to end with
 * the JIT's own log (RESULTS.md, session 16); a unit test cannot see the JIT's profiles, so this checks the wiring.
 */
class VectorProfilesTest {

    @Test
    void theKernelClassesSeedTheOperatorProfilesWhenTheyLoad() throws ReflectiveOperationException {
        for (String kernel : new String[] {"VectorLoops", "VectorMicroKernels", "VectorDirectConv"}) {
            Class.forName("dev.ember.cpu." + kernel, true, VectorProfilesTest.class.getClassLoader());
        }
        Field seeded = VectorProfiles.class.getDeclaredField("SEEDED");
        seeded.setAccessible(true);
        assertTrue(((AtomicBoolean) seeded.get(null)).get(), "no kernel class seeded the profiles");
        VectorProfiles.seedOnce(); // a second call returns at once
    }
}
