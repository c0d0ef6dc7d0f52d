package dev.ember;

/**
 * The check every thread-bound scope makes when it closes: grad, inference and anomaly mode, autocast, device and
 * tensor scopes, saved-tensor hooks, op interception, the profiler and its ranges, parametrize's cache and checkpoint's
 * early-stop setting. Each belongs to the thread that opened it; closing it on another would restore the closer's
 * state and leave the opener's on for good (a pooled request thread would then serve every later request in it), so
 * each refuses, in one wording, before it changes anything. Internal: public only because some of those scopes live in
 * other packages ({@code dev.ember.profiler}, {@code dev.ember.nn}, {@code dev.ember.nn.utils}).
 */
public final class ThreadOwner {
    private ThreadOwner() {
    }

    /**
     * Refuses a close on another thread than {@code owner}: {@code <what> must be closed on the thread that opened it
     * (<owner>), not on <this thread>}.
     *
     * @param owner the thread that opened the scope
     * @param what the scope, as the message starts ({@code "A Profiler"})
     * @throws IllegalStateException when the calling thread is not {@code owner}
     */
    public static void check(Thread owner, String what) {
        check(owner, what, "be closed");
    }

    /**
     * Refuses an action on another thread than {@code owner}: {@code <what> must <action> on the thread that opened it
     * (<owner>), not on <this thread>}.
     *
     * @param owner the thread that opened the scope
     * @param what the scope, as the message starts ({@code "record_function range 'step'"})
     * @param action what must happen on the owner ({@code "end"})
     * @throws IllegalStateException when the calling thread is not {@code owner}
     */
    public static void check(Thread owner, String what, String action) {
        Thread me = Thread.currentThread();
        if (me != owner) {
            throw new IllegalStateException(what + " must " + action + " on the thread that opened it (" + name(owner)
                    + "), not on " + name(me));
        }
    }

    /** A thread's name, or its id where it has none (a virtual thread's default). */
    static String name(Thread t) {
        return t.getName().isEmpty() ? "thread #" + t.getId() : t.getName();
    }
}
