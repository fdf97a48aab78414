#pragma once

#include <memory>

#include "config/hub_config.h"
#include "store/store.h"
#include "store/store_registry.h"

namespace hub::store {

// Registers the kind "sqlite": a single-process store in one database file.
void registerSqliteStore(StoreRegistry& registry);

// Opens (creating it and its parent folders if needed) the SQLite database at
// `config.path` in WAL mode with synchronous=FULL. Does not migrate. Throws
// StoreError when the file cannot be opened.
std::unique_ptr<Store> makeSqliteStore(const config::SqliteConfig& config);

}  // namespace hub::store
