package dev.virtflash.guesttests;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test classes the suite's one {@link GuestRuns} (constructor or method parameter), kept in JUnit's root store:
 * runs on a blank flash1 are shared between test classes, and JUnit closes it after the last test, which logs the
 * guest suite's share of the build time.
 */
final class GuestSuite implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GuestSuite.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == GuestRuns.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(GuestRuns.class, k -> GuestRuns.create(), GuestRuns.class);
    }
}
