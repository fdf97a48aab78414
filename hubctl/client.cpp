#include "hubctl/client.h"

#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace hubctl {
namespace {

constexpr std::size_t kDetailFromBodyChars = 300;

}  // namespace

std::string Response::header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
}

HubClient::HubClient(std::string baseUrl, std::string token, int timeoutSeconds)
    : baseUrl_(std::move(baseUrl)), token_(std::move(token)), timeoutSeconds_(timeoutSeconds) {
    Poco::URI uri;
    try {
        uri = Poco::URI(baseUrl_);
    } catch (const Poco::Exception& error) {
        throw UsageError("invalid hub URL '" + baseUrl_ + "': " + error.displayText());
    }
    if (uri.getScheme() == "https")
        throw UsageError("this hubctl speaks plain HTTP only; reach an https hub through a local TLS proxy");
    if (uri.getScheme() != "http" || uri.getHost().empty())
        throw UsageError("invalid hub URL '" + baseUrl_ + "': expected http://host[:port]");
    host_ = uri.getHost();
    port_ = uri.getPort();
    prefix_ = uri.getPath();
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

Response HubClient::get(const std::string& path) const { return send("GET", path, {}, {}); }

Response HubClient::post(const std::string& path, const std::string& body, const std::string& contentType,
                         const std::map<std::string, std::string>& headers) const {
    auto all = headers;
    if (!contentType.empty()) all["Content-Type"] = contentType;
    return send("POST", path, all, body);
}

Response HubClient::send(const std::string& method, const std::string& path,
                         const std::map<std::string, std::string>& headers, const std::string& body) const {
    try {
        Poco::Net::HTTPClientSession session(host_, port_);
        session.setTimeout(Poco::Timespan(timeoutSeconds_, 0));
        Poco::Net::HTTPRequest request(method, prefix_ + path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Accept", "application/json");
        request.set("User-Agent", "hubctl");
        if (!token_.empty()) request.set("Authorization", "Bearer " + token_);
        for (const auto& [name, value] : headers) request.set(name, value);
        if (method == "POST" || !body.empty()) request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        std::ostream& out = session.sendRequest(request);
        out.write(body.data(), static_cast<std::streamsize>(body.size()));
        Poco::Net::HTTPResponse answer;
        std::istream& in = session.receiveResponse(answer);
        Response response;
        response.status = answer.getStatus();
        for (const auto& [name, value] : answer) response.headers[Poco::toLower(name)] = value;
        std::ostringstream collected;
        Poco::StreamCopier::copyStream(in, collected);
        response.body = collected.str();
        return response;
    } catch (const Poco::TimeoutException&) {
        throw TransportError("the hub at " + baseUrl_ + " did not answer within " + std::to_string(timeoutSeconds_) +
                             " s");
    } catch (const Poco::Exception& error) {
        throw TransportError("cannot reach the hub at " + baseUrl_ + ": " + error.displayText());
    } catch (const std::ios_base::failure& error) {
        throw TransportError("connection to the hub at " + baseUrl_ + " failed: " + error.what());
    }
}

Problem problemOf(const Response& response) {
    Problem problem;
    problem.status = response.status;
    try {
        Poco::JSON::Parser parser;
        auto object = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
        problem.type = object->optValue<std::string>("type", "");
        problem.title = object->optValue<std::string>("title", "");
        problem.detail = object->optValue<std::string>("detail", "");
        if (auto errors = object->getArray("errors")) {
            for (std::size_t i = 0; i < errors->size(); ++i) {
                auto item = errors->getObject(i);
                if (!item) continue;
                ProblemItem entry;
                entry.code = item->optValue<std::string>("code", "");
                entry.message = item->optValue<std::string>("message", "");
                if (auto location = item->getObject("location")) {
                    entry.path = location->optValue<std::string>("path", "");
                    entry.line = location->optValue<int>("line", 0);
                }
                problem.errors.push_back(std::move(entry));
            }
        }
    } catch (const std::exception&) {
        problem = Problem{};
        problem.status = response.status;
    }
    if (problem.title.empty())
        problem.title = Poco::Net::HTTPResponse::getReasonForStatus(
            static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
    if (problem.detail.empty() && problem.errors.empty() && problem.type.empty() && !response.body.empty())
        problem.detail = Poco::trim(response.body.substr(0, kDetailFromBodyChars));
    return problem;
}

int exitCodeOf(const Response& response) {
    return response.status >= 400 && response.status < 500 ? kExitRefused : kExitFailed;
}

std::string segment(const std::string& value) {
    std::string encoded;
    Poco::URI::encode(value, "/?#%&=+ ", encoded);
    return encoded;
}

std::string withQuery(const std::string& path, const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string result = path;
    char separator = '?';
    for (const auto& [name, value] : parameters) {
        if (value.empty()) continue;
        std::string encoded;
        Poco::URI::encode(value, "/?#%&=+ ", encoded);
        result += separator + name + "=" + encoded;
        separator = '&';
    }
    return result;
}

}  // namespace hubctl
