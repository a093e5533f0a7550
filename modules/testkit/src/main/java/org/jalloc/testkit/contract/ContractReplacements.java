package org.jalloc.testkit.contract;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * How an {@link AllocatorContractTest} subclass replaces a base test ({@link Replaces}): this condition skips the
 * base test in that subclass, with a reason naming the replacement and why, and {@link #problems} lists what would make
 * a replacement dishonest (the base test does not exist, the replacement is not a test, no reason given), which the
 * contract test itself fails on.
 */
public final class ContractReplacements implements ExecutionCondition {
    private static final Set<String> TEST_ANNOTATIONS = Set.of("org.junit.jupiter.api.Test", "org.junit.jupiter.params.ParameterizedTest",
            "org.junit.jupiter.api.RepeatedTest", "org.junit.jupiter.api.TestFactory", "org.junit.jupiter.api.TestTemplate");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<Method> method = context.getTestMethod();
        Optional<Class<?>> testClass = context.getTestClass();
        if (method.isEmpty() || testClass.isEmpty() || method.get().getDeclaringClass() != AllocatorContractTest.class) {
            return ConditionEvaluationResult.enabled("not a base contract test");
        }
        String name = method.get().getName();
        for (Method r : replacements(testClass.get())) {
            for (Replaces a : r.getAnnotationsByType(Replaces.class)) {
                if (a.value().equals(name)) {
                    return ConditionEvaluationResult.disabled("replaced by " + r.getDeclaringClass().getSimpleName() + "#" + r.getName() + ": "
                            + a.because());
                }
            }
        }
        return ConditionEvaluationResult.enabled("kept");
    }

    /** The methods of {@code testClass} and its superclasses below {@link AllocatorContractTest} that carry {@link Replaces}. */
    static List<Method> replacements(Class<?> testClass) {
        List<Method> out = new ArrayList<>();
        for (Class<?> c = testClass; c != null && c != AllocatorContractTest.class && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getAnnotationsByType(Replaces.class).length > 0) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** The names of the tests a subclass replaces. */
    public static List<String> replaced(Class<?> testClass) {
        List<String> out = new ArrayList<>();
        for (Method m : replacements(testClass)) {
            for (Replaces a : m.getAnnotationsByType(Replaces.class)) {
                out.add(a.value());
            }
        }
        return out;
    }

    /** What is wrong with the replacements a subclass declares; empty when every one is honest. */
    public static List<String> problems(Class<?> testClass) {
        List<String> problems = new ArrayList<>();
        for (Method m : replacements(testClass)) {
            if (!isTest(m)) {
                problems.add(m.getName() + " replaces a contract test but is no test itself");
            }
            for (Replaces a : m.getAnnotationsByType(Replaces.class)) {
                if (a.because().isBlank()) {
                    problems.add(m.getName() + " replaces " + a.value() + " without saying why");
                }
                if (baseTest(a.value()) == null) {
                    problems.add(m.getName() + " replaces " + a.value() + ", which is no test of AllocatorContractTest");
                }
            }
        }
        return problems;
    }

    private static @Nullable Method baseTest(String name) {
        for (Method m : AllocatorContractTest.class.getDeclaredMethods()) {
            if (m.getName().equals(name) && isTest(m)) {
                return m;
            }
        }
        return null;
    }

    private static boolean isTest(Method m) {
        for (Annotation a : m.getAnnotations()) {
            if (TEST_ANNOTATIONS.contains(a.annotationType().getName())) {
                return true;
            }
        }
        return false;
    }
}
