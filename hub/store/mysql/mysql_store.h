#pragma once

#include <memory>

#include "config/hub_config.h"
#include "store/store.h"
#include "store/store_registry.h"

namespace hub::store {

// Registers the kind "mysql": MySQL/MariaDB shared by several hub processes.
void registerMysqlStore(StoreRegistry& registry);

// Connects a pool of up to `config.poolSize` connections to the (existing)
// database; opens one connection at once so that an unreachable server or bad
// credentials fail here. Does not migrate. Throws StoreError; its message
// never contains the password.
std::unique_ptr<Store> makeMysqlStore(const config::MysqlConfig& config);

}  // namespace hub::store
