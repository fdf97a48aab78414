#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hubctl {

// How hubctl ends; the numbers are part of its documented interface.
enum ExitCode : int {
    kExitSuccess = 0,
    kExitUsage = 1,
    kExitRefused = 2,      // the hub answered 4xx
    kExitFailed = 3,       // 5xx, connection refused, timeout
    kExitUnsupported = 4,  // the hub does not offer this yet
    kExitNotReady = 5,     // a watched package ended PARTIALLY_FAILED or WITHDRAWN; the audit trail is damaged
};

struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    std::string header(const std::string& lowerName) const;
    bool ok() const { return status >= 200 && status < 300; }
};

// The hub could not be reached or did not answer in time (no HTTP status).
class TransportError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// An argument the user gave is unusable (bad URL, unreadable file…): exit 1.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Speaks HTTP/1.1 to one hub. `baseUrl` is http://host[:port][/prefix]; an
// empty token sends no Authorization header. Every call opens its own
// connection, so a Client may be reused across polls but not shared between
// threads. Throws UsageError for an unusable URL, TransportError when the hub
// cannot be reached or times out; any HTTP status is returned, never thrown.
class HubClient {
  public:
    HubClient(std::string baseUrl, std::string token, int timeoutSeconds = 30);

    Response get(const std::string& path) const;
    Response post(const std::string& path, const std::string& body, const std::string& contentType,
                  const std::map<std::string, std::string>& headers = {}) const;
    Response send(const std::string& method, const std::string& path, const std::map<std::string, std::string>& headers,
                  const std::string& body) const;

    const std::string& baseUrl() const { return baseUrl_; }

  private:
    std::string baseUrl_;
    std::string host_;
    unsigned short port_ = 0;
    std::string prefix_;
    std::string token_;
    int timeoutSeconds_;
};

struct ProblemItem {
    std::string code;
    std::string message;
    std::string path;
    int line = 0;
};

// An RFC 9457 problem, or what could be made of a non-problem error answer.
struct Problem {
    int status = 0;
    std::string type;
    std::string title;
    std::string detail;
    std::vector<ProblemItem> errors;
};

// Reads the problem from an error answer; a body that is not a problem
// document becomes a Problem with the status, the reason phrase as title and
// the start of the body as detail. Never throws.
Problem problemOf(const Response& response);

// The exit code an error answer maps to: 2 for 4xx, 3 otherwise.
int exitCodeOf(const Response& response);

// `path?name=value&…` with the values percent-encoded; empty values omitted.
std::string withQuery(const std::string& path, const std::vector<std::pair<std::string, std::string>>& parameters);

// A path segment percent-encoded (ids typed by users may hold anything).
std::string segment(const std::string& value);

}  // namespace hubctl
