package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * What {@code tandem bench} reports (also written by {@code --json}): the run against Tandem and,
 * with {@code --baseline}, the same run against the bare java-control-plane and the ratios of the two.
 *
 * @param baseline present with {@code --baseline}
 * @param ratios   Tandem / baseline, present with {@code --baseline}
 */
@JsonPropertyOrder(alphabetic = true)
public record BenchReport(
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Optional<TargetReport> baseline,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Optional<Ratios> ratios,
        TargetReport tandem) {

    /** A run against Tandem alone. */
    static BenchReport of(TargetReport tandem) {
        return new BenchReport(Optional.empty(), Optional.empty(), tandem);
    }

    /** A run against Tandem, then against the baseline. */
    static BenchReport compared(TargetReport tandem, TargetReport baseline) {
        return new BenchReport(Optional.of(baseline), Optional.of(Ratios.of(tandem, baseline)), tandem);
    }

    /** With a baseline, the line of ratios that ends the printed report. */
    void printRatios(PrintWriter out) {
        ratios.ifPresent(r -> {
            out.println();
            out.println(
                    "Tandem / baseline (one run, same machine; only these ratios compare): " + ReportJson.inline(r));
            out.flush();
        });
    }

    /** The report as {@code --json} writes it. */
    public String json() {
        return ReportJson.write(this);
    }
}
