/**
 * Per-thread machinery written once: the implicit record lookup (hint and thread-local), the registry of records with
 * its dead-owner sweep ({@link org.jalloc.core.percpu.ThreadRegistry}), the scavenger with its operation-count clock
 * and background daemon ({@link org.jalloc.core.percpu.Scavenger}) and the builders' per-thread options
 * ({@link org.jalloc.core.percpu.PerThreadOptions}). Exported only to the allocator modules that keep per-thread
 * records.
 */
package org.jalloc.core.percpu;
