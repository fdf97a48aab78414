#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

namespace deptsim {

class Simulator;

// The JSON control API on the control port (see docs/deptsim.md):
//   GET  /_sim/stats, /_sim/messages?department=&limit=, /_sim/policy, /_sim/faults, /_sim/ports,
//        /_sim/notifications?packageId=
//   POST /_sim/policy, /_sim/faults, /_sim/reset
//   POST /_sim/notifications: the applicant's endpoint for the hub's signed
//        "ready to operate" notifications (200, 400 or 401; never 5xx for a
//        bad notification, so the hub parks rather than retries it)
// Thread-safe (everything it touches is).
class ControlApi {
  public:
    explicit ControlApi(Simulator& simulator) : simulator_(simulator) {}
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    void receiveNotification(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void listNotifications(const Poco::URI& uri, Poco::Net::HTTPServerResponse& response);

    Simulator& simulator_;
};

}  // namespace deptsim
