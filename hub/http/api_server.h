#pragma once

#include <cstddef>
#include <memory>

#include "config/hub_config.h"
#include "core/clock.h"
#include "core/rate_limiter.h"
#include "observability/metrics.h"
#include "service/admin_service.h"
#include "service/application_service.h"
#include "service/callback_service.h"
#include "service/token_service.h"
#include "store/store.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace hub::http {

// What the HTTP edge calls. All referenced objects must outlive the server
// and be thread-safe.
struct ApiDependencies {
    service::ApplicationService& applications;
    service::TokenService& tokens;
    service::AdminService& admin;
    service::CallbackService& callbacks;
    store::Store& store;           // readiness checks only
    std::size_t maxBodyBytes;      // bodies above this are refused with 413 before being read
    std::string webDir;            // the dashboard's files are webDir/admin/…; empty: no dashboard
    observability::HubMetrics& metrics;  // counted here and served at /metrics
    core::RateLimiter& rateLimiter;      // per API token
    const core::Clock& clock;            // for the rate limiter
};

// The hub's one HTTP listener: the applicant API, health and readiness.
// Handlers parse the request, call one service method and map its Reply.
// With config.tls it serves HTTPS only (TLS 1.2+, see transport/tls_context.h).
class ApiServer {
  public:
    // Binds at once (so port() is known); throws Poco::Exception when the
    // address cannot be bound, transport::TlsSetupError when the TLS files
    // cannot be used (see checkListenerTls).
    ApiServer(const config::ServerConfig& config, ApiDependencies dependencies);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    void start();
    // Stops accepting, lets in-flight requests finish (bounded wait).
    void stop();
    int port() const;

  private:
    std::unique_ptr<Poco::ThreadPool> pool_;  // declared first: outlives the server
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    int port_ = 0;
};

// Builds the listener's TLS context as ApiServer does, to check the files
// before serving (and in check-config). Throws transport::TlsSetupError.
void checkListenerTls(const config::ServerTlsConfig& tls);

}  // namespace hub::http
