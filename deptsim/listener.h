#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/ThreadPool.h>

namespace deptsim {

// An HTTP listener on 127.0.0.1 that can be closed and reopened on the same
// port (a department going down refuses connections). Thread-safe.
class Listener {
  public:
    using Handler = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

    // `port` 0 picks a free port at start(); reopen() reuses it. With a
    // server `tls` context it serves HTTPS only.
    Listener(std::string name, int port, Handler handler, int maxThreads = 32, Poco::Net::Context::Ptr tls = nullptr);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Binds and listens. Throws Poco::Exception when the port is taken.
    void start();
    // Closes the listening socket: new connections are refused.
    void close();
    // Listens again on the same port; false (and logged) if it cannot.
    bool reopen();
    bool open() const;
    int port() const;
    bool secure() const { return !tls_.isNull(); }
    const std::string& name() const { return name_; }

  private:
    void listen();

    std::string name_;
    int port_;
    Handler handler_;
    Poco::Net::Context::Ptr tls_;
    mutable std::mutex mutex_;
    std::unique_ptr<Poco::ThreadPool> threads_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace deptsim
