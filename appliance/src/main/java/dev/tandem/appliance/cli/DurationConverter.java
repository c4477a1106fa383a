package dev.tandem.appliance.cli;

import dev.tandem.xds.model.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * Duration options ({@code --interval 5s}) in the syntax of the config files ({@link Durations}),
 * not picocli's ISO-8601 ({@code PT5S}); {@link #register} sets it up once for every command.
 */
final class DurationConverter implements ITypeConverter<Duration> {

    private DurationConverter() {}

    /**
     * Converts every {@link Duration} option of {@code commandLine} and its subcommands. A value not
     * in the syntax is a usage error (exit 2) said in one line, as the commands said it before they
     * had a converter: {@code tandem dataplane: --probe-interval 'x' is not a duration such as 5s};
     * other usage errors are picocli's.
     */
    static CommandLine register(CommandLine commandLine) {
        IParameterExceptionHandler usage = commandLine.getParameterExceptionHandler();
        return commandLine
                .registerConverter(Duration.class, new DurationConverter())
                .setParameterExceptionHandler(
                        (e, args) -> isDuration(e) ? refuse(e) : usage.handleParseException(e, args));
    }

    @Override
    public Duration convert(String value) {
        Duration duration = Durations.parse(value);
        if (duration == null) {
            throw new TypeConversionException("'" + value + "' is not a duration such as 5s");
        }
        return duration;
    }

    private static boolean isDuration(ParameterException e) {
        ArgSpec arg = e.getArgSpec();
        return e.getCause() instanceof TypeConversionException
                && arg instanceof OptionSpec
                && arg.type() == Duration.class;
    }

    private static int refuse(ParameterException e) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println(e.getCommandLine().getCommandSpec().qualifiedName(" ") + ": "
                + ((OptionSpec) e.getArgSpec()).longestName() + " "
                + e.getCause().getMessage());
        err.flush();
        return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
    }
}
