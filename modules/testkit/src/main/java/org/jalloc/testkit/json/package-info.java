/**
 * The tools' JSON (Jackson): the {@code --json} lines of {@code ./jalloc}, the benchmarks' results files and the
 * reader behind {@code ./jalloc bench --from}. Exported to the CLI only.
 */
package org.jalloc.testkit.json;
