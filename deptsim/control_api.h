#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

namespace deptsim {

class Simulator;

// The JSON control API on the control port (see docs/deptsim.md):
//   GET  /_sim/stats, /_sim/messages?department=&limit=, /_sim/policy, /_sim/faults, /_sim/ports
//   POST /_sim/policy, /_sim/faults, /_sim/reset
// Thread-safe (everything it touches is).
class ControlApi {
  public:
    explicit ControlApi(Simulator& simulator) : simulator_(simulator) {}
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    Simulator& simulator_;
};

}  // namespace deptsim
