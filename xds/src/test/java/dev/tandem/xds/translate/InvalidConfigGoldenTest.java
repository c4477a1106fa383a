package dev.tandem.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.model.ConfigError;
import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.model.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files for configs an operator gets wrong: each {@code translate/invalid/<case>.in.yaml} is
 * refused with exactly the errors of {@code <case>.out.txt}, one per line as {@link ConfigError#located()}
 * renders them (line:column in the input first, where known), in the order the loader reports them. They live beside {@code in/}, not in it, because
 * {@link TranslationGoldenTest} translates every file there. Regenerate with
 * {@code ./mvnw -pl xds test -Dtest=InvalidConfigGoldenTest -Dgolden.update=true} and review the diff.
 */
class InvalidConfigGoldenTest {

    private static final Path INVALID = TranslationGoldenTest.ROOT.resolve("invalid");
    private static final String INPUT = ".in.yaml";
    private static final String OUTPUT = ".out.txt";

    static Stream<String> cases() throws IOException {
        return caseNames(INPUT).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithTheGoldenErrors(String name) throws IOException {
        Path input = INVALID.resolve(name + INPUT);
        List<String> errors = errorsOf(input);
        // A line break inside one error would make the golden file's lines ambiguous.
        assertThat(errors).as("errors of %s", input).noneMatch(e -> e.contains("\n") || e.contains("\r"));
        String rendered = errors.stream().map(e -> e + "\n").collect(Collectors.joining());
        Path golden = INVALID.resolve(name + OUTPUT);
        if (TranslationGoldenTest.UPDATE) {
            Files.writeString(golden, rendered);
        }
        assertThat(golden)
                .as("golden errors of %s (regenerate with -Dgolden.update=true)", input)
                .exists();
        assertThat(rendered).as("errors of %s", input).isEqualTo(Files.readString(golden));
    }

    @Test
    void everyGoldenFileHasItsInput() throws IOException {
        assertThat(caseNames(OUTPUT))
                .as("golden error files without an input in %s", INVALID)
                .isSubsetOf(caseNames(INPUT));
    }

    private static List<String> caseNames(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(INVALID)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length()))
                    .sorted()
                    .toList();
        }
    }

    private static List<String> errorsOf(Path input) throws IOException {
        try {
            ConfigLoader.load(Files.readString(input));
        } catch (InvalidConfigException e) {
            return e.errors().stream().map(ConfigError::located).toList();
        }
        throw new AssertionError(input + " was accepted; an invalid case must be refused");
    }
}
