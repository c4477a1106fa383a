package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.SortedMap;

/**
 * The reconnect storm: every node drops its stream at once and reconnects saying what it has; how
 * long until the target held them all again, and what it sent again although nothing had changed.
 */
@JsonPropertyOrder(alphabetic = true)
record StormResult(
        double allConnectedSeconds,
        SortedMap<String, Long> bytesResentUnchanged,
        SortedMap<String, Long> responsesResentUnchanged) {}
