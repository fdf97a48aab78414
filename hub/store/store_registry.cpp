#include "store/store_registry.h"

#include <utility>

namespace hub::store {

void StoreRegistry::add(const std::string& kind, StoreFactory factory) {
    if (!factories_.emplace(kind, std::move(factory)).second) {
        throw config::ConfigError("store kind \"" + kind + "\" registered twice");
    }
}

std::unique_ptr<Store> StoreRegistry::create(const config::StoreConfig& config) const {
    auto found = factories_.find(config.kind);
    if (found == factories_.end()) {
        std::string known;
        for (const auto& [kind, factory] : factories_) {
            known += known.empty() ? kind : ", " + kind;
        }
        throw config::ConfigError("store.kind: unknown store kind \"" + config.kind + "\" (known: " +
                                  (known.empty() ? "none" : known) + ")");
    }
    return found->second(config);
}

std::vector<std::string> StoreRegistry::kinds() const {
    std::vector<std::string> names;
    for (const auto& [kind, factory] : factories_) names.push_back(kind);
    return names;
}

}  // namespace hub::store
