#include "deptsim/listener.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "deptsim/sim_log.h"

namespace deptsim {
namespace {

class FunctionHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit FunctionHandler(const Listener::Handler& handler) : handler_(handler) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        try {
            handler_(request, response);
        } catch (const Poco::Exception& error) {
            logLine(LogLevel::Warning, "http handler: " + error.displayText());
        } catch (const std::exception& error) {
            logLine(LogLevel::Error, std::string("http handler: ") + error.what());
            if (!response.sent()) {
                response.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
                response.setContentType("text/plain");
                response.send() << "internal simulator error\n";
            }
        }
    }

  private:
    const Listener::Handler& handler_;
};

class FunctionFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit FunctionFactory(const Listener::Handler& handler) : handler_(handler) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new FunctionHandler(handler_);
    }

  private:
    const Listener::Handler& handler_;
};

}  // namespace

Listener::Listener(std::string name, int port, Handler handler, int maxThreads, Poco::Net::Context::Ptr tls)
    : name_(std::move(name)),
      port_(port),
      handler_(std::move(handler)),
      tls_(std::move(tls)),
      threads_(std::make_unique<Poco::ThreadPool>(2, maxThreads, 60)) {}

Listener::~Listener() {
    close();
    threads_->joinAll();
}

void Listener::start() {
    std::lock_guard lock(mutex_);
    listen();
}

void Listener::listen() {
    const Poco::Net::SocketAddress address("127.0.0.1", static_cast<Poco::UInt16>(port_));
    Poco::Net::ServerSocket socket = tls_ ? Poco::Net::SecureServerSocket(address, 64, tls_) : Poco::Net::ServerSocket(address, 64);
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(false);
    params->setMaxQueued(256);
    params->setMaxThreads(threads_->capacity());
    server_ = std::make_unique<Poco::Net::HTTPServer>(new FunctionFactory(handler_), *threads_, socket, params);
    server_->start();
}

void Listener::close() {
    std::unique_ptr<Poco::Net::HTTPServer> closing;
    {
        std::lock_guard lock(mutex_);
        closing = std::move(server_);
    }
    if (closing) closing->stop();
}

bool Listener::reopen() {
    std::lock_guard lock(mutex_);
    if (server_) return true;
    try {
        listen();
        return true;
    } catch (const Poco::Exception& error) {
        logLine(LogLevel::Error, name_ + ": cannot listen again on port " + std::to_string(port_) + ": " +
                                     error.displayText());
        return false;
    }
}

bool Listener::open() const {
    std::lock_guard lock(mutex_);
    return server_ != nullptr;
}

int Listener::port() const {
    std::lock_guard lock(mutex_);
    return port_;
}

}  // namespace deptsim
