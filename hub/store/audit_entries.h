#pragma once

#include <string>
#include <string_view>

#include "core/audit_chain.h"
#include "store/store.h"

// What each kind of write puts into the audit trail, shared by the store
// backends so that both record the same entries with the same text. Details
// carry digests of messages, never their bodies.
namespace hub::store::audit {

// The package's first events; its PACKAGE_RECEIVED entry carries the digest of the package.
void packageReceived(core::audit::Batch& batch, const NewPackage& package);
// A permit's state change or note, with its event type as the kind.
void transition(core::audit::Batch& batch, const PermitTransition& transition);
void packageState(core::audit::Batch& batch, const std::string& packageId, const std::string& from,
                  const std::string& to, core::EpochMillis now);
// One attempt to deliver a call: what was sent and what came back.
void attempt(core::audit::Batch& batch, const std::string& packageId, const std::string& permit,
             const std::string& department, const std::string& kind, const std::string& messageId, int number,
             const AttemptRecord& record);
void incidentOpened(core::audit::Batch& batch, const std::string& packageId, const std::string& permit,
                    const std::string& incidentId, const std::string& reason, core::EpochMillis now);
void certificate(core::audit::Batch& batch, const CertificateRecord& certificate);
// A department message the hub accepted / refused. A refusal of no known
// package goes to the HUB chain (`chain`).
void inbound(core::audit::Batch& batch, const InboundRecord& record);
void refused(core::audit::Batch& batch, const std::string& chain, const RefusedInbound& refused);
// An admin action on `subject` (an incident, a department, a token).
void adminAction(core::audit::Batch& batch, const std::string& chain, core::EpochMillis now, const std::string& actor,
                 const std::string& subject, std::string detail);
// The admin actions the stores record, with their wording.
void departmentPause(core::audit::Batch& batch, core::EpochMillis now, const std::string& actor,
                     const std::string& department, bool paused, const std::string& note);
void tokenIssued(core::audit::Batch& batch, const ApiToken& token, const std::string& actor);
void tokenRevoked(core::audit::Batch& batch, core::EpochMillis now, const std::string& actor,
                  const std::string& tokenId, bool wasValid);
// `state` is the incident's state after: RETRIED, CANCELLED or RESOLVED.
void incidentClosed(core::audit::Batch& batch, const std::string& packageId, core::EpochMillis now,
                    const std::string& actor, const std::string& incidentId, std::string_view state,
                    const std::string& note);

// Checks the whole trail (`chain` empty) or one chain with the GLOBAL chain
// of anchors, one chain in memory at a time. Throws StoreError.
core::audit::Report verifyTrail(Store& store, const std::string& chain = {});

}  // namespace hub::store::audit
