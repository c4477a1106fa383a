package dev.tandem.appliance.peers;

import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.PeerIdentity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a node checks the peer it dialled (ADR 0014 §4.2): the chain must lead to the cluster CA, and
 * the certificate must carry the peer identity of the member dialled. A data plane's certificate, or
 * another peer's at that address, is refused in the handshake. The identity, not the host name, is
 * what is checked: a peer is dialled at whatever address the config names, which its certificate
 * need not list (hence the checks without the socket or engine, which would verify the host name).
 */
final class DialledPeerTrust extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager pkix;
    private final X509Certificate ca;
    private final PeerIdentity dialled;
    private final Supplier<String> address;
    private final CertificateTrust.Refusals refusals;

    /** @param address where the member is dialled now, for the refusal */
    DialledPeerTrust(
            X509Certificate ca, PeerIdentity dialled, Supplier<String> address, CertificateTrust.Refusals refusals) {
        this.pkix = CertificateTrust.pkixTrusting(ca);
        this.ca = ca;
        this.dialled = dialled;
        this.address = address;
        this.refusals = refusals;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw refuse("unknown-ca", "presented no certificate");
        }
        try {
            pkix.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw refuse(
                    "unknown-ca",
                    "presented " + CertificateTrust.describe(chain[0]) + ", which does not chain to the cluster CA "
                            + ca.getSubjectX500Principal() + " (" + e.getMessage() + ")");
        }
        PeerIdentity presented = PeerIdentity.of(chain[0]).orElse(null);
        if (!dialled.equals(presented)) {
            throw refuse(
                    "not-a-peer",
                    "presented " + CertificateTrust.describe(chain[0]) + ", which carries "
                            + (presented == null ? "no peer identity" : presented.uri()) + ", not " + dialled.uri());
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the peer link's dialling side checks servers, not clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }

    private CertificateException refuse(String reason, String why) {
        String detail = "member '" + dialled.name() + "' dialled at " + address.get() + " " + why;
        refusals.refused(reason, detail);
        return new CertificateException(detail);
    }
}
