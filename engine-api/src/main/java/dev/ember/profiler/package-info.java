/**
 * PyTorch's profiler for Ember: {@link dev.ember.profiler.Profiler} (opened by {@code Ember.profile()}) records the
 * kernels, backward nodes and user ranges ({@link dev.ember.profiler.Profiler#recordFunction}) a thread runs, and
 * reports them per name ({@link dev.ember.profiler.KeyAverages#table}) and as a Chrome trace.
 */
package dev.ember.profiler;
