#include "core/audit_chain.h"

#include <charconv>

#include "core/digest.h"

namespace hub::core::audit {

namespace {

void field(std::string& text, std::string_view value) {
    text += std::to_string(value.size());
    text += ':';
    text += value;
    text += '\n';
}

std::optional<std::int64_t> parseSeq(std::string_view text) {
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

bool isHexHash(std::string_view text) {
    if (text.size() != 64) return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace

std::string hashOf(const Entry& entry) {
    std::string text;
    text.reserve(160 + entry.chain.size() + entry.kind.size() + entry.actor.size() + entry.subject.size() +
                 entry.detail.size());
    field(text, entry.prevHash);
    field(text, entry.chain);
    field(text, std::to_string(entry.seq));
    field(text, std::to_string(entry.at));
    field(text, entry.kind);
    field(text, entry.actor);
    field(text, entry.subject);
    field(text, entry.detail);
    return sha256Hex(text);
}

Head link(const Head& head, std::vector<Entry>& entries) {
    Head next = head;
    for (auto& entry : entries) {
        entry.chain = head.chain;
        entry.seq = next.seq + 1;
        entry.prevHash = next.hash;
        entry.hash = hashOf(entry);
        next.seq = entry.seq;
        next.hash = entry.hash;
    }
    return next;
}

void Batch::add(const std::string& chain, EpochMillis at, std::string_view kind, std::string_view actor,
                std::string_view subject, std::string detail) {
    Entry entry;
    entry.chain = chain;
    entry.at = at;
    entry.kind = kind;
    entry.actor = actor;
    entry.subject = subject;
    entry.detail = std::move(detail);
    chains_[chain].push_back(std::move(entry));
}

std::string anchorDetail(const Head& head) {
    return "seq=" + std::to_string(head.seq) + " hash=" + head.hash;
}

std::optional<Head> parseAnchor(const Entry& entry) {
    if (entry.kind != kAnchor) return std::nullopt;
    const std::string& detail = entry.detail;
    if (detail.compare(0, 4, "seq=") != 0) return std::nullopt;
    const auto space = detail.find(" hash=");
    if (space == std::string::npos) return std::nullopt;
    auto seq = parseSeq(std::string_view(detail).substr(4, space - 4));
    std::string hash = detail.substr(space + 6);
    if (!seq || !isHexHash(hash) || entry.subject.empty()) return std::nullopt;
    return Head{entry.subject, *seq, hash};
}

Verifier::Verifier(const std::vector<Entry>& global, const std::optional<Head>& globalHead, std::size_t maxProblems)
    : maxProblems_(maxProblems) {
    const std::string chain(kGlobalChain);
    report_.global = walk(chain, global, globalHead);
    for (const auto& entry : global) {
        if (entry.kind != kAnchor) continue;
        auto anchor = parseAnchor(entry);
        if (!anchor) {
            report(chain, entry.seq, "ANCHOR_MISMATCH", "the anchor's detail cannot be read: " + entry.detail);
            continue;
        }
        auto& seqs = anchors_[anchor->chain];
        auto [place, fresh] = seqs.emplace(anchor->seq, anchor->hash);
        if (!fresh && place->second != anchor->hash)
            report(anchor->chain, anchor->seq, "ANCHOR_MISMATCH", "two anchors record different hashes for this entry");
    }
}

void Verifier::check(const std::string& chain, const std::vector<Entry>& entries, const std::optional<Head>& head) {
    if (chain == kGlobalChain) return;  // walked by the constructor
    walk(chain, entries, head);
    auto anchored = anchors_.find(chain);
    if (anchored == anchors_.end()) return;
    std::unordered_map<std::int64_t, const Entry*> bySeq;
    bySeq.reserve(entries.size());
    for (const auto& entry : entries) bySeq.emplace(entry.seq, &entry);
    for (const auto& [seq, hash] : anchored->second) {
        ++report_.anchors;
        auto found = bySeq.find(seq);
        if (found == bySeq.end())
            report(chain, seq, "ANCHOR_MISMATCH", "the GLOBAL chain anchored this entry; it is gone");
        else if (found->second->hash != hash)
            report(chain, seq, "ANCHOR_MISMATCH",
                   "the GLOBAL chain anchored hash " + hash + "; the entry now has " + found->second->hash);
    }
    anchors_.erase(anchored);
}

Report Verifier::finish(bool everyChainChecked) {
    for (const auto& [chain, seqs] : anchors_) {
        if (!everyChainChecked) break;
        report_.anchors += static_cast<int>(seqs.size());
        report(chain, seqs.rbegin()->first, "ANCHOR_MISMATCH",
               "the GLOBAL chain anchored this chain up to entry " + std::to_string(seqs.rbegin()->first) +
                   "; the chain is gone");
    }
    anchors_.clear();
    return report_;
}

Head Verifier::walk(const std::string& chain, const std::vector<Entry>& entries, const std::optional<Head>& head) {
    ++report_.chains;
    report_.entries += static_cast<std::int64_t>(entries.size());
    Head last{chain, 0, std::string(kGenesisHash)};
    for (const auto& entry : entries) {
        if (entry.seq != last.seq + 1) {
            if (entry.seq > last.seq + 1)
                report(chain, entry.seq, "SEQUENCE_GAP",
                       entry.seq == last.seq + 2 ? "entry " + std::to_string(last.seq + 1) + " is missing"
                                                 : "entries " + std::to_string(last.seq + 1) + " to " +
                                                       std::to_string(entry.seq - 1) + " are missing");
            else
                report(chain, entry.seq, "CHAIN_BROKEN", "out of order after entry " + std::to_string(last.seq));
        } else if (entry.prevHash != last.hash) {
            report(chain, entry.seq, "CHAIN_BROKEN",
                   entry.seq == 1 ? "the first entry does not start the chain"
                                  : "the entry does not follow entry " + std::to_string(last.seq));
        }
        if (hashOf(entry) != entry.hash)
            report(chain, entry.seq, "ENTRY_ALTERED", "the entry's fields do not give its recorded hash");
        last.seq = entry.seq;
        last.hash = entry.hash;
    }
    if (!head) {
        if (!entries.empty()) report(chain, 0, "HEAD_MISSING", "the chain has entries but no head");
    } else if (head->seq != last.seq || head->hash != last.hash) {
        if (entries.empty())
            report(chain, 0, "HEAD_MISMATCH", "the head names entry " + std::to_string(head->seq) + "; the chain has none");
        else
            report(chain, head->seq, "HEAD_MISMATCH",
                   "the head names entry " + std::to_string(head->seq) + " (" + head->hash.substr(0, 12) +
                       "…); the chain ends at entry " + std::to_string(last.seq) + " (" + last.hash.substr(0, 12) + "…)");
    }
    return last;
}

void Verifier::report(const std::string& chain, std::int64_t seq, std::string code, std::string detail) {
    ++report_.problemCount;
    if (report_.problems.size() < maxProblems_)
        report_.problems.push_back({chain, seq, std::move(code), std::move(detail)});
}

}  // namespace hub::core::audit
