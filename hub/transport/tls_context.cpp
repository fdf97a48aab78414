#include "transport/tls_context.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include <openssl/ssl.h>

#include <Poco/Exception.h>

namespace hub::transport {
namespace {

// OpenSSL's "HIGH" suites without the anonymous, null and legacy ones; TLS
// 1.3 suites are not affected by this list and are all acceptable.
constexpr const char* kCipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:!PSK:!SRP";
constexpr unsigned char kSessionIdContext[] = "licensing-hub";

void checkReadable(const std::string& what, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TlsSetupError(what + " " + path + " cannot be read");
}

Poco::Net::Context::Ptr build(Poco::Net::Context::Usage usage, const Poco::Net::Context::Params& params,
                              bool checkKeyPair) {
    Poco::Net::Context::Ptr context;
    try {
        context = new Poco::Net::Context(usage, params);
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    } catch (const Poco::Exception& error) {
        throw TlsSetupError(error.displayText());
    }
    if (checkKeyPair && SSL_CTX_check_private_key(context->sslContext()) != 1)
        throw TlsSetupError("private key " + params.privateKeyFile + " does not match certificate " +
                            params.certificateFile);
    return context;
}

}  // namespace

void checkPrivateKeyFile(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode))
        throw TlsSetupError("private key " + path + " cannot be read");
    if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
        throw TlsSetupError("private key " + path + " is accessible by group or others (mode " + mode +
                            "); restrict it with chmod 600");
    }
    checkReadable("private key", path);
}

Poco::Net::Context::Ptr makeClientContext(const ClientTlsSettings& settings) {
    if (settings.certificateFile.empty() != settings.privateKeyFile.empty())
        throw TlsSetupError("a client certificate needs its private key and a private key its certificate");
    if (!settings.caFile.empty()) checkReadable("CA file", settings.caFile);
    if (!settings.certificateFile.empty()) {
        checkReadable("certificate", settings.certificateFile);
        checkPrivateKeyFile(settings.privateKeyFile);
    }
    Poco::Net::Context::Params params;
    params.caLocation = settings.caFile;
    params.loadDefaultCAs = settings.caFile.empty();
    params.certificateFile = settings.certificateFile;
    params.privateKeyFile = settings.privateKeyFile;
    // STRICT rather than RELAXED: the same peer verification for a client,
    // but Poco then checks the host name for loopback addresses too.
    params.verificationMode =
        settings.verifyHost ? Poco::Net::Context::VERIFY_STRICT : Poco::Net::Context::VERIFY_RELAXED;
    params.verificationDepth = 9;
    params.cipherList = kCipherList;
    auto context = build(Poco::Net::Context::TLS_CLIENT_USE, params, !settings.certificateFile.empty());
    context->enableExtendedCertificateVerification(settings.verifyHost);
    return context;
}

Poco::Net::Context::Ptr makeServerContext(const ServerTlsSettings& settings) {
    if (settings.certificateFile.empty() || settings.privateKeyFile.empty())
        throw TlsSetupError("a TLS listener needs a certificate and its private key");
    if (settings.requireClientCertificate && settings.caFile.empty())
        throw TlsSetupError("requiring client certificates needs the CA file that signs them");
    checkReadable("certificate", settings.certificateFile);
    checkPrivateKeyFile(settings.privateKeyFile);
    if (!settings.caFile.empty()) checkReadable("CA file", settings.caFile);
    Poco::Net::Context::Params params;
    params.certificateFile = settings.certificateFile;
    params.privateKeyFile = settings.privateKeyFile;
    params.caLocation = settings.caFile;
    params.loadDefaultCAs = false;
    params.verificationMode = settings.requireClientCertificate ? Poco::Net::Context::VERIFY_STRICT
                              : settings.caFile.empty()        ? Poco::Net::Context::VERIFY_NONE
                                                               : Poco::Net::Context::VERIFY_RELAXED;
    params.verificationDepth = 9;
    params.cipherList = kCipherList;
    auto context = build(Poco::Net::Context::TLS_SERVER_USE, params, true);
    // Poco would otherwise match a client certificate's names against the
    // client's IP address; a client is identified by its chain alone.
    context->enableExtendedCertificateVerification(false);
    // Needed by OpenSSL to resume sessions when client certificates are verified.
    SSL_CTX_set_session_id_context(context->sslContext(), kSessionIdContext, sizeof kSessionIdContext - 1);
    if (!settings.caFile.empty()) {
        // Tell clients which CAs are accepted, so that one holding several
        // certificates picks the right one.
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.caFile.c_str()))
            SSL_CTX_set_client_CA_list(context->sslContext(), names);
    }
    return context;
}

}  // namespace hub::transport
