package dev.tandem.fallback;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The store knows bytes, keys and S3; not the appliance, not Envoy's types, not HTTP servers or SQL. */
class FallbackStoreDependencyTest {

    private static final JavaClasses STORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tandem.fallback");

    @Test
    void dependsOnNothingOfTandemOrTheAppliancesServers() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.tandem.appliance..",
                        "dev.tandem.xds..",
                        "io.helidon..",
                        "java.sql..",
                        "io.envoyproxy..",
                        "io.grpc..")
                .check(STORE);
        assertThat(STORE.contain(S3Store.class)).isTrue();
    }
}
