package dev.tandem.xds.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * {@code xds} is a pure library: the appliance wires it to Helidon, H2 and S3, never the other way.
 * Run from a plain test: ArchUnit's own JUnit 5 engine was seen to run zero rules here (STACK.md).
 */
class XdsDependencyTest {

    private static final JavaClasses XDS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tandem.xds");

    @Test
    void xdsImportsNoServerStorageOrApplianceCode() {
        ArchRule rule = noClasses()
                .that()
                .resideInAPackage("dev.tandem.xds..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.helidon..",
                        "java.sql..",
                        "javax.sql..",
                        "org.h2..",
                        "org.flywaydb..",
                        "io.minio..",
                        "dev.tandem.appliance..",
                        "dev.tandem.fallback..");
        rule.check(XDS);
    }

    @Test
    void modelDependsOnNoEnvoyType() {
        // The model is what operators write; Envoy's protos are the translation's business.
        ArchRule rule = noClasses()
                .that()
                .resideInAPackage("dev.tandem.xds.model..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.envoyproxy..",
                        "com.google.protobuf..",
                        "dev.tandem.xds.translate..",
                        "dev.tandem.xds.snapshot..",
                        "dev.tandem.xds.serve..");
        rule.check(XDS);
    }

    @Test
    void theRulesSeeTheClasses() {
        // Guards against a rule that passes because it imported nothing.
        org.assertj.core.api.Assertions.assertThat(XDS.contain("dev.tandem.xds.translate.Translator"))
                .isTrue();
        org.assertj.core.api.Assertions.assertThat(XDS.size()).isGreaterThan(20);
    }
}
