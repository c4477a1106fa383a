package dev.tandem.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.snapshot.GroupSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: each {@code translate/in/*.yaml} (and each sample's {@code gateway.yaml}) translates
 * to {@code translate/out/<case>/<node group>.yaml}. Regenerate with
 * {@code ./mvnw -pl xds test -Dtest=TranslationGoldenTest -Dgolden.update=true} and review the diff.
 */
class TranslationGoldenTest {

    static final Path ROOT = Path.of("src/test/resources/translate");
    /** Rewrites the golden files from what the code produces instead of comparing; {@link InvalidConfigGoldenTest} too. */
    static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private static final Path SAMPLES = Path.of("../samples");

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("in"))) {
            files.filter(p -> p.toString().endsWith(".yaml"))
                    .sorted()
                    .forEach(
                            p -> out.add(Arguments.of(p.getFileName().toString().replace(".yaml", ""), p)));
        }
        try (Stream<Path> files = Files.walk(SAMPLES)) {
            files.filter(p -> p.getFileName().toString().equals("gateway.yaml"))
                    .sorted()
                    .forEach(p -> out.add(Arguments.of("sample-" + p.getParent().getFileName(), p)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translatesToTheGoldenFiles(String name, Path input) throws Exception {
        GatewayConfig config = ConfigLoader.load(Files.readString(input));
        SortedMap<String, GroupResources> groups = Translator.translate(config);
        Path outDir = ROOT.resolve("out").resolve(name);
        if (UPDATE) {
            Files.createDirectories(outDir);
            try (Stream<Path> old = Files.list(outDir)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        for (Map.Entry<String, GroupResources> group : groups.entrySet()) {
            GroupResources resources = group.getValue();
            String rendered = GoldenYaml.render(GroupSnapshot.of(resources, 1), resources);
            Path golden = outDir.resolve(group.getKey() + ".yaml");
            if (UPDATE) {
                Files.writeString(golden, rendered);
            }
            assertThat(golden)
                    .as("golden file for group %s (regenerate with -Dgolden.update=true)", group.getKey())
                    .exists();
            assertThat(rendered)
                    .as("translation of %s, group %s", input, group.getKey())
                    .isEqualTo(Files.readString(golden));
            // The golden file is Envoy config: it parses back, strictly, into the same protos.
            assertThat(GoldenYaml.parse(rendered)).isEqualTo(resources);
        }
        try (Stream<Path> files = Files.list(outDir)) {
            TreeSet<String> goldenGroups =
                    new TreeSet<>(files.map(p -> p.getFileName().toString().replace(".yaml", ""))
                            .toList());
            assertThat(goldenGroups)
                    .as("golden files without a node group in %s", input)
                    .isEqualTo(new TreeSet<>(groups.keySet()));
        }
    }
}
