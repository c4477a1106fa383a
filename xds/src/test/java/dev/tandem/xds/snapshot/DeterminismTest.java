package dev.tandem.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.translate.GroupResources;
import dev.tandem.xds.translate.Translator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** Same input, any document order: the same bytes and the same versions (two peers must agree). */
class DeterminismTest {

    private static final Path INPUT = Path.of("src/test/resources/translate/in/envoy-failover.yaml");

    @Test
    void documentOrderChangesNeitherBytesNorVersions() throws Exception {
        String yaml = Files.readString(INPUT);
        List<String> documents = new ArrayList<>(Arrays.asList(yaml.split("(?m)^---\n")));
        SortedMap<String, GroupResources> expected = Translator.translate(ConfigLoader.load(yaml));
        Random random = new Random(42);
        for (int i = 0; i < 10; i++) {
            Collections.shuffle(documents, random);
            SortedMap<String, GroupResources> shuffled =
                    Translator.translate(ConfigLoader.load(String.join("---\n", documents)));
            assertThat(shuffled.keySet()).isEqualTo(expected.keySet());
            for (String group : expected.keySet()) {
                GroupResources a = expected.get(group);
                GroupResources b = shuffled.get(group);
                assertThat(bytes(b)).isEqualTo(bytes(a));
                assertThat(GroupSnapshot.of(b, 7).versions())
                        .isEqualTo(GroupSnapshot.of(a, 7).versions());
            }
        }
    }

    @Test
    void aChangeInOneTypeChangesOnlyThatTypesVersion() throws Exception {
        String yaml = Files.readString(INPUT);
        GroupSnapshot before =
                GroupSnapshot.of(Translator.translate(ConfigLoader.load(yaml)).get("edge-eu"), 1);
        GroupSnapshot after = GroupSnapshot.of(
                Translator.translate(ConfigLoader.load(yaml.replace("address: 10.2.0.1", "address: 10.2.0.9")))
                        .get("edge-eu"),
                2);
        assertThat(after.versions().endpoints()).isNotEqualTo(before.versions().endpoints());
        assertThat(after.versions().listeners()).isEqualTo(before.versions().listeners());
        assertThat(after.versions().routes()).isEqualTo(before.versions().routes());
        assertThat(after.versions().clusters()).isEqualTo(before.versions().clusters());
    }

    private static List<com.google.protobuf.ByteString> bytes(GroupResources r) {
        List<com.google.protobuf.ByteString> out = new ArrayList<>();
        r.listeners().forEach(m -> out.add(m.toByteString()));
        r.routes().forEach(m -> out.add(m.toByteString()));
        r.clusters().forEach(m -> out.add(m.toByteString()));
        r.endpoints().forEach(m -> out.add(m.toByteString()));
        return out;
    }
}
