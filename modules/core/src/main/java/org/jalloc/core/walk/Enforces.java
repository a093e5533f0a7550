package org.jalloc.core.walk;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the code that enforces invariants of the catalogue in {@code spec/invariants.md}. The traceability test
 * reads these annotations to prove every catalogued ID has enforcing code and no code names an unknown ID.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.CONSTRUCTOR})
public @interface Enforces {
    /** Invariant IDs such as {@code "HEAP-1"}, {@code "FL-2"}. */
    String[] value();
}
