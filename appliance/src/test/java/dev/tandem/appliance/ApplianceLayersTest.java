package dev.tandem.appliance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Inside the appliance, dependencies point inward: cli → api → revisions → store; nothing reaches back. */
class ApplianceLayersTest {

    private static final JavaClasses APPLIANCE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tandem.appliance");

    @Test
    void storeKnowsNothingAboveIt() {
        noClasses()
                .that()
                .resideInAPackage("..appliance.store..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("..appliance.api..", "..appliance.cli..", "..appliance.revisions..", "io.helidon..")
                .check(APPLIANCE);
    }

    @Test
    void onlyTheCliAndMainUseTheCli() {
        noClasses()
                .that()
                .resideOutsideOfPackage("..appliance.cli..")
                .and()
                .doNotHaveSimpleName("Main")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("..appliance.cli..")
                .check(APPLIANCE);
    }

    /** The peer node drives the protocol and the link; what serves, exports and answers HTTP sits above it. */
    @Test
    void peersKnowNothingAboveThem() {
        noClasses()
                .that()
                .resideInAPackage("..appliance.peers..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "..appliance.api..",
                        "..appliance.cli..",
                        "..appliance.revisions..",
                        "..appliance.export..",
                        "..appliance.metrics..",
                        "io.helidon..")
                .check(APPLIANCE);
    }

    @Test
    void revisionsKnowNoHttp() {
        noClasses()
                .that()
                .resideInAPackage("..appliance.revisions..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("..appliance.api..", "io.helidon..")
                .check(APPLIANCE);
    }

    /** What runs on a data-plane host carries none of the control plane's server side. */
    @Test
    void theDataPlaneSideKnowsNoServerSide() {
        noClasses()
                .that()
                .resideInAPackage("..appliance.dataplane..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "..appliance.api..",
                        "..appliance.revisions..",
                        "..appliance.store..",
                        "..appliance.export..",
                        "io.helidon..",
                        "java.sql..")
                .check(APPLIANCE);
    }

    @Test
    void theRulesSeeTheClasses() {
        assertThat(APPLIANCE.contain("dev.tandem.appliance.store.RevisionStore"))
                .isTrue();
        assertThat(APPLIANCE.contain("dev.tandem.appliance.cli.ServeCommand")).isTrue();
        assertThat(APPLIANCE.contain("dev.tandem.appliance.dataplane.DataPlaneLauncher"))
                .isTrue();
    }
}
