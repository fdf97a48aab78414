#include "store/audit_entries.h"

#include "store/state_columns.h"

namespace hub::store::audit {

namespace {

namespace trail = core::audit;

std::string orDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string actorOf(const std::string& actor) { return actor.empty() ? std::string(trail::kHubActor) : actor; }

}  // namespace

void packageReceived(core::audit::Batch& batch, const NewPackage& package) {
    for (const auto& event : package.events) {
        std::string detail = orDash(event.fromState) + " -> " + event.toState;
        // The package itself, by digest.
        if (event.type == trail::kPackageReceived)
            detail += " sha256=" + package.sha256 + " permits=" + std::to_string(package.permits.size()) +
                      " calls=" + std::to_string(package.dispatches.size());
        if (!event.detail.empty()) detail += ": " + event.detail;
        batch.add(package.id, event.at, event.type, "applicant:" + package.companyId, event.permit, std::move(detail));
    }
}

void transition(core::audit::Batch& batch, const PermitTransition& transition) {
    std::string detail = textOf(transition.from) + " -> " + textOf(transition.to);
    if (!transition.receiptNumber.empty()) detail += " receipt=" + transition.receiptNumber;
    if (!transition.detail.empty()) detail += ": " + transition.detail;
    batch.add(transition.packageId, transition.at, transition.eventType, actorOf(transition.actor), transition.permit,
              std::move(detail));
}

void packageState(core::audit::Batch& batch, const std::string& packageId, const std::string& from,
                  const std::string& to, core::EpochMillis now) {
    batch.add(packageId, now, "PACKAGE_STATE", trail::kHubActor, "", from + " -> " + to);
}

void attempt(core::audit::Batch& batch, const std::string& packageId, const std::string& permit,
             const std::string& department, const std::string& kind, const std::string& messageId, int number,
             const AttemptRecord& record) {
    std::string detail = kind + " to " + department + " message=" + messageId + " attempt=" + std::to_string(number) +
                         " outcome=" + record.outcome + " http=" + std::to_string(record.httpStatus) +
                         " request=" + orDash(record.requestSha256) + " response=" + orDash(record.responseSha256);
    if (!record.error.empty()) detail += ": " + record.error;
    batch.add(packageId, record.startedAt, trail::kMessageOut, trail::kHubActor, permit, std::move(detail));
}

void incidentOpened(core::audit::Batch& batch, const std::string& packageId, const std::string& permit,
                    const std::string& incidentId, const std::string& reason, core::EpochMillis now) {
    batch.add(packageId, now, "INCIDENT_OPENED", trail::kHubActor, permit, incidentId + ": " + reason);
}

void certificate(core::audit::Batch& batch, const CertificateRecord& certificate) {
    std::string detail = "number=" + certificate.number + " issuedOn=" + certificate.issuedOn;
    if (!certificate.validUntil.empty()) detail += " validUntil=" + certificate.validUntil;
    detail += " outputs=" + std::to_string(certificate.outputs.size()) +
              " document=" + orDash(certificate.documentSha256);
    batch.add(certificate.packageId, certificate.recordedAt, "CERTIFICATE_RECORDED", "dept:" + certificate.department,
              certificate.permit, std::move(detail));
}

void inbound(core::audit::Batch& batch, const InboundRecord& record) {
    batch.add(record.packageId, record.receivedAt, trail::kMessageIn, "dept:" + record.department, record.permit,
              "message=" + record.messageId + " sha256=" + record.sha256 + " result=" + record.result +
                  " state=" + record.toState);
}

void refused(core::audit::Batch& batch, const std::string& chain, const RefusedInbound& refused) {
    batch.add(chain, refused.at, trail::kMessageRefused, "dept:" + refused.department, refused.permit,
              "code=" + refused.code + " message=" + orDash(refused.messageId) + " sha256=" + orDash(refused.sha256));
}

void adminAction(core::audit::Batch& batch, const std::string& chain, core::EpochMillis now, const std::string& actor,
                 const std::string& subject, std::string detail) {
    batch.add(chain, now, trail::kAdminAction, actorOf(actor), subject, std::move(detail));
}

void departmentPause(core::audit::Batch& batch, core::EpochMillis now, const std::string& actor,
                     const std::string& department, bool paused, const std::string& note) {
    adminAction(batch, std::string(trail::kHubChain), now, actor, department,
                paused ? "pause department: " + note : "resume department");
}

void tokenIssued(core::audit::Batch& batch, const ApiToken& token, const std::string& actor) {
    adminAction(batch, std::string(trail::kHubChain), token.createdAt, actor, token.tokenId,
                "issue token role=" + token.role + " subject=" + token.subject);
}

void tokenRevoked(core::audit::Batch& batch, core::EpochMillis now, const std::string& actor,
                  const std::string& tokenId, bool wasValid) {
    adminAction(batch, std::string(trail::kHubChain), now, actor, tokenId,
                wasValid ? "revoke token" : "revoke token (already revoked)");
}

void incidentClosed(core::audit::Batch& batch, const std::string& packageId, core::EpochMillis now,
                    const std::string& actor, const std::string& incidentId, std::string_view state,
                    const std::string& note) {
    const std::string verb = state == "RETRIED" ? "retry" : state == "CANCELLED" ? "cancel" : "resolve";
    adminAction(batch, packageId, now, actor, incidentId, verb + " incident" + (note.empty() ? "" : ": " + note));
}

core::audit::Report verifyTrail(Store& store, const std::string& chain) {
    const std::string global(trail::kGlobalChain);
    trail::Verifier verifier(store.auditEntries(global), store.auditHead(global));
    for (const auto& name : chain.empty() ? store.auditChains() : std::vector<std::string>{chain})
        if (name != global) verifier.check(name, store.auditEntries(name), store.auditHead(name));
    return verifier.finish(chain.empty());
}

}  // namespace hub::store::audit
