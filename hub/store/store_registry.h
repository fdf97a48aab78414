#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/hub_config.h"
#include "store/store.h"

namespace hub::store {

using StoreFactory = std::function<std::unique_ptr<Store>(const config::StoreConfig&)>;

// Store implementations registered by name at start-up (main calls
// registerSqliteStore / registerMysqlStore explicitly). Not thread-safe;
// fill it before serving.
class StoreRegistry {
  public:
    // Throws config::ConfigError on a duplicate name.
    void add(const std::string& kind, StoreFactory factory);
    // Throws config::ConfigError naming the known kinds when `kind` is unknown.
    std::unique_ptr<Store> create(const config::StoreConfig& config) const;
    std::vector<std::string> kinds() const;

  private:
    std::map<std::string, StoreFactory> factories_;
};

}  // namespace hub::store
