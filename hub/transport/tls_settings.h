#pragma once

#include <string>

namespace hub::transport {

// How a client verifies a TLS server and which certificate it presents.
// Files are PEM; the private key is unencrypted and must not be accessible
// by group or others.
struct ClientTlsSettings {
    std::string caFile;           // CAs that may sign the server's certificate; empty: the system CA store
    std::string certificateFile;  // client certificate (chain) for mutual TLS; empty: none is presented
    std::string privateKeyFile;   // its key; required exactly when certificateFile is set
    bool verifyHost = true;       // the server's certificate must name the host of the URL (DNS or IP subjectAltName)
};

// How a TLS listener identifies itself and which client certificates it
// accepts. Files as for ClientTlsSettings.
struct ServerTlsSettings {
    std::string certificateFile;
    std::string privateKeyFile;
    std::string caFile;                     // CAs accepted for client certificates
    bool requireClientCertificate = false;  // needs caFile: a client without a certificate it signed is refused
};

}  // namespace hub::transport
