#pragma once

#include <stdexcept>
#include <string>

#include <Poco/Net/Context.h>

#include "transport/tls_settings.h"

namespace hub::transport {

// TLS material that cannot be used. what() is one line naming the file, e.g.
// "private key /etc/hub/key.pem does not match certificate /etc/hub/cert.pem".
class TlsSetupError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Contexts accept TLS 1.2 and newer only, and are built without Poco's
// SSLManager configuration: everything comes from the settings. They are
// immutable once built and may be shared by any number of sessions and
// threads.
//
// Both check, and throw TlsSetupError otherwise: every named file exists and
// is readable; a private key file is not accessible by group or others; the
// certificate and CA files are PEM certificates; the private key matches the
// certificate.

// Client side: the server's certificate chain is always verified (against
// caFile, or the system store when it is empty) and, with verifyHost, its
// name against the host connected to — also for loopback addresses.
Poco::Net::Context::Ptr makeClientContext(const ClientTlsSettings& settings);

// Server side: certificateFile and privateKeyFile are required. With
// requireClientCertificate (which needs caFile) a client must present a
// certificate signed by a CA in caFile; with caFile alone a certificate is
// asked for and, when presented, must verify; otherwise none is asked for.
Poco::Net::Context::Ptr makeServerContext(const ServerTlsSettings& settings);

// Throws TlsSetupError unless `path` is a readable regular file that neither
// group nor others may access (mode 0600 or stricter).
void checkPrivateKeyFile(const std::string& path);

}  // namespace hub::transport
