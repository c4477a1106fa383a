package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsArePaddedToTheirWidestCellAndTheLastIsNot() {
        assertThat(new Table("NAME", "ROLE", "BY")
                        .row("initial-admin", "admin", null)
                        .row("ci", "operator", "initial-admin")
                        .toString())
                .isEqualTo("""
                NAME           ROLE      BY
                initial-admin  admin     -
                ci             operator  initial-admin
                """);
    }

    @Test
    void aRowWithTheWrongNumberOfCellsIsABug() {
        assertThatThrownBy(() -> new Table("A", "B").row("only one"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("1 cells for 2 columns");
    }

    @Test
    void timesAreUtcToTheSecondAndVersionsShort() {
        JsonNodeFactory json = JsonNodeFactory.instance;
        assertThat(Table.time(json.textNode("2026-12-01T10:02:03.456789Z"))).isEqualTo("2026-12-01T10:02:03Z");
        assertThat(Table.time(NullNode.getInstance())).isEqualTo("-");
        assertThat(Table.time(json.textNode("yesterday"))).isEqualTo("yesterday");
        assertThat(Table.version(json.textNode("2c3d4e5f60718293a4b5c6d7e8f90a1b")))
                .isEqualTo("2c3d4e5f");
        assertThat(Table.version(json.textNode("v12-not-a-hash"))).isEqualTo("v12-not-a-hash");
        assertThat(Table.version(json.missingNode())).isEqualTo("-");
    }
}
