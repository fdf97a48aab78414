#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include <Poco/Exception.h>

#include "deptsim/sim_config.h"
#include "deptsim/simulator.h"
#include "transport/tls_context.h"
#include "xml/document.h"

namespace {

constexpr const char* kUsage =
    "usage: deptsim --config FILE [--hub-url URL] [--ports-file FILE] [--seed N]\n"
    "               [--tls-cert FILE --tls-key FILE] [--tls-ca FILE] [--require-client-cert]\n"
    "\n"
    "Simulates the five departmental systems (SAMR, MOT, MSA, CUSTOMS, CCS) on 127.0.0.1,\n"
    "each in its own XML dialect, plus a JSON control API (/_sim/...).\n"
    "\n"
    "  --config FILE      simulator configuration (deptsim/deptsim.json)\n"
    "  --hub-url URL      where callbacks go when a request names no callback URL\n"
    "                     (default: the config's hubUrl)\n"
    "  --ports-file FILE  once every listener is up, write {\"SAMR\":port,...,\"control\":port}\n"
    "                     to FILE atomically (useful with port 0 = pick a free port)\n"
    "  --seed N           seed for fault draws and minted numbers (default 1)\n"
    "  --tls-cert FILE    the departments serve HTTPS (TLS 1.2+) with this PEM certificate;\n"
    "                     also presented as client certificate on https callbacks\n"
    "  --tls-key FILE     its PEM private key (mode 0600 or stricter)\n"
    "  --tls-ca FILE      CA certificates trusted for the hub: its server certificate on\n"
    "                     https callbacks, and its client certificate\n"
    "  --require-client-cert  refuse a hub that presents no certificate signed by --tls-ca\n"
    "                     (the control API stays plain HTTP)\n"
    "  --help             this text\n"
    "\n"
    "Secrets: each department verifies the hub's signature with the secret in the\n"
    "environment variable named in the config (HUB_DEPT_SAMR_SECRET, ...); when unset,\n"
    "the development secret \"dev-secret-<code in lower case>\" is used.\n";

int fail(const std::string& message) {
    std::cerr << "deptsim: " << message << "\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string configFile;
    std::string portsFile;
    deptsim::SimulatorOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        auto value = [&](const char* name) -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(std::string(name) + " needs a value");
            return argv[++i];
        };
        try {
            if (argument == "--help" || argument == "-h") {
                std::cout << kUsage;
                return 0;
            } else if (argument == "--config") {
                configFile = value("--config");
            } else if (argument == "--hub-url") {
                options.hubUrl = value("--hub-url");
            } else if (argument == "--ports-file") {
                portsFile = value("--ports-file");
            } else if (argument == "--tls-cert") {
                options.tls.certificateFile = value("--tls-cert");
            } else if (argument == "--tls-key") {
                options.tls.privateKeyFile = value("--tls-key");
            } else if (argument == "--tls-ca") {
                options.tls.caFile = value("--tls-ca");
            } else if (argument == "--require-client-cert") {
                options.tls.requireClientCertificate = true;
            } else if (argument == "--seed") {
                options.seed = std::stoull(value("--seed"));
            } else {
                return fail("unknown argument " + argument + "\n" + kUsage);
            }
        } catch (const std::exception& error) {
            return fail(error.what());
        }
    }
    if (configFile.empty()) return fail(std::string("--config is required\n") + kUsage);
    if (options.tls.certificateFile.empty() != options.tls.privateKeyFile.empty())
        return fail("--tls-cert and --tls-key go together");
    if (options.tls.requireClientCertificate && (options.tls.certificateFile.empty() || options.tls.caFile.empty()))
        return fail("--require-client-cert needs --tls-cert, --tls-key and --tls-ca");

    // Block the stop signals in every thread; main waits for them below.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        hub::xml::initialize();
        deptsim::Simulator simulator(deptsim::loadSimConfig(configFile), options);
        simulator.start();
        if (!portsFile.empty()) simulator.writePortsFile(portsFile);
        int received = 0;
        sigwait(&stopSignals, &received);
        std::cerr << "deptsim: stopping on signal " << received << "\n";
        simulator.stop();
    } catch (const deptsim::ConfigError& error) {
        return fail(error.what());
    } catch (const hub::transport::TlsSetupError& error) {
        return fail(std::string("TLS: ") + error.what());
    } catch (const Poco::Exception& error) {
        return fail(error.displayText());
    } catch (const std::exception& error) {
        return fail(error.what());
    }
    return 0;
}
