package dev.tandem.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.fallback.testing.S3Server;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The S3 store against a real S3 server (s3proxy): conditional writes are the server's, not emulated. */
class S3StoreIT extends StoreContract {

    private S3Server server;
    private int stores;

    @BeforeEach
    void startServer() throws Exception {
        server = S3Server.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    @Override
    FallbackStore store() {
        return new S3Store(server.location("tandem/test-" + stores++), S3Server.CREDENTIALS);
    }

    @Test
    void anUnreachableOrRefusingStoreIsNamedInTheError() throws Exception {
        try (FallbackStore store = store();
                FallbackStore wrongSecret =
                        new S3Store(server.location("x"), new S3Credentials("tandem-test", "wrong"))) {
            assertThatThrownBy(() -> wrongSecret.createIfAbsent("g/latest", bytes("x")))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(
                            "cannot write x/g/latest in s3://" + S3Server.BUCKET + "/x at " + server.endpoint())
                    .hasMessageContaining("SignatureDoesNotMatch");
            server.pause();
            assertThatThrownBy(() -> store.read("g/latest"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("cannot read")
                    .hasMessageContaining(server.endpoint().toString());
            server.resume();
            assertThat(store.read("g/latest")).isEqualTo(Optional.empty());
        }
    }
}
