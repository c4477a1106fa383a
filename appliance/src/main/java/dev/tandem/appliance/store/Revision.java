package dev.tandem.appliance.store;

import java.time.Instant;

/**
 * One applied gateway config.
 *
 * @param documents   the YAML exactly as applied
 * @param appliedBy   who applied it
 * @param appliedFrom where the request came from (remote address, or {@code local})
 */
public record Revision(
        long number, String documents, int documentCount, String appliedBy, String appliedFrom, Instant appliedAt) {}
