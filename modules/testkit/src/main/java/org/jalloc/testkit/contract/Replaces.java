package org.jalloc.testkit.contract;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Put on a test of an {@link AllocatorContractTest} subclass: it replaces the named base test, which does not fit the
 * allocator's discipline (a stack frees in LIFO order, an arena releases regions, a pool serves one size). The base
 * test is then reported as skipped, naming its replacement and the reason; {@link ContractReplacements} makes sure
 * the replacement is itself a test and the replaced one a test of the contract, so no test is ever just skipped.
 *
 * <pre>{@code
 * @Test
 * @Replaces(value = "mallocZeroReturnsUniqueMinimumBlocks", because = "LIFO: the newest block is freed first")
 * void mallocZeroBlocksAreUniqueAndFreedNewestFirst() { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(Replaces.List.class)
public @interface Replaces {
    /** The name of the {@link AllocatorContractTest} test method replaced. */
    String value();

    /** Why the base test does not fit: the rule of the discipline it breaks. */
    String because();

    /** Several {@link Replaces} on one test. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        Replaces[] value();
    }
}
