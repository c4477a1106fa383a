package dev.tandem.xds.serve;

import com.google.common.collect.ImmutableSet;
import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Collection;
import java.util.Set;

/**
 * The interned name sets of state-of-the-world clients. Clients of a group mostly hold and ask for the
 * same names: one set object serves them all, and "the same request as last time" is one identity
 * comparison instead of comparing 1,000 names per client (ADR 0009).
 */
final class NameSets {

    private final Interner<Set<String>> sets = Interners.newWeakInterner();

    /** The one shared set equal to {@code names}. */
    Set<String> of(Collection<String> names) {
        return sets.intern(ImmutableSet.copyOf(names));
    }

    /** The request's names as one shared set (empty: every resource of the type). */
    Set<String> requested(DiscoveryRequest request) {
        return request.getResourceNamesCount() == 0 ? Set.of() : of(request.getResourceNamesList());
    }
}
