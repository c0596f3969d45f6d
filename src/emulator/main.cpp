// gemini-emulator: run the Interactions API emulator as a program (docs/emulator.md).
#include <gemini/emulator.hpp>

#include <malloc.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

const char* usage =
    "usage: gemini-emulator [options]\n"
    "  --port N           port to listen on (0 = any free port; default 0)\n"
    "  --host ADDR        address to bind (default 127.0.0.1)\n"
    "  --plain            serve plain HTTP instead of HTTPS\n"
    "  --no-tls-resumption  issue no TLS session tickets: every handshake is a full one\n"
    "  --threads N        server threads (default 2)\n"
    "  --latency-ms N     real-time delay before each create answer (default 0)\n"
    "  --background-ms N  virtual time a background interaction takes (default 1000)\n"
    "  --research-ms N    virtual time a Deep Research agent run takes (default 60000)\n"
    "  --clock-rate N     the virtual clock advances N ms per real ms on its own (default 0: never)\n"
    "  --api-key K        accept only this API key (default: any non-empty key)\n"
    "  --cert-out FILE    write the server certificate PEM (no private key) to FILE\n"
    "  --fault RULE       add a fault rule (repeatable), e.g. 'route=create;times=2;status=503'\n"
    "  --output-words N   default answer length in words (default: the bare sentence)\n"
    "  --idle-timeout-ms N  close keep-alive connections idle this long (default 30000)\n"
    "  --stream-interval-ms N  real time between the events of a streamed interaction (default 0)\n"
    "  --stream-chunk-bytes N  split each SSE event into writes of at most N bytes (default 0: whole)\n"
    "  --event-ids-on-all-events  put event_id on every stream event (default: step.delta only)\n"
    "  --file-processing-ms N  virtual time an uploaded file stays PROCESSING (default 0)\n"
    "  --max-stored N     keep at most N interactions, forgetting the oldest finished ones\n"
    "                     (default 100000; 0 = no bound)\n"
    "  --body-limit N     largest request body in bytes; a larger one closes the connection\n"
    "                     unanswered (default 33554432, 32 MiB)\n"
    "  --help             show this text\n"
    "The first line printed is 'listening on URL'. SIGINT/SIGTERM stop the server.\n";

unsigned long number(const std::string& flag, const std::string& v) {
  std::size_t used = 0;
  unsigned long n = 0;
  try {
    n = std::stoul(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || v[0] == '-') throw std::invalid_argument(flag + " needs a non-negative integer");
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  // The store grows by a few KiB per interaction. A thread's malloc arena grows a page at a time,
  // one mprotect system call each (about one per create); the main arena grows by brk with a
  // 128 KiB pad. One arena for all threads (which then share its lock, behind their per-thread
  // caches): 67 -> 57 us of emulator CPU per create at c = 10 (docs/performance.md). An arena
  // limit set in the environment (MALLOC_ARENA_MAX, GLIBC_TUNABLES) still decides.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (!std::getenv("MALLOC_ARENA_MAX") && !(tunables && std::strstr(tunables, "arena_max")))
    mallopt(M_ARENA_MAX, 1);
  // Block the stop signals before any thread starts, then wait for them synchronously.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  gemini::emulator::options opts;
  // The request log is read in-process (server::request_log()); this program has no way to ask
  // for it, so it would only cost a copy of every request.
  opts.request_log_limit = 0;
  std::string cert_out;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::cout << usage;
        return 0;
      } else if (a == "--port") {
        const auto p = number(a, value());
        if (p > 65535) throw std::invalid_argument("--port out of range");
        opts.port = static_cast<std::uint16_t>(p);
      } else if (a == "--host") {
        opts.host = value();
      } else if (a == "--plain") {
        opts.tls = false;
      } else if (a == "--no-tls-resumption") {
        opts.tls_resumption = false;
      } else if (a == "--threads") {
        opts.threads = static_cast<unsigned>(number(a, value()));
      } else if (a == "--latency-ms") {
        opts.latency = std::chrono::milliseconds(number(a, value()));
      } else if (a == "--background-ms") {
        opts.background_duration = std::chrono::milliseconds(number(a, value()));
      } else if (a == "--research-ms") {
        opts.research_duration = std::chrono::milliseconds(number(a, value()));
      } else if (a == "--clock-rate") {
        opts.clock_rate = static_cast<double>(number(a, value()));
      } else if (a == "--idle-timeout-ms") {
        opts.idle_timeout = std::chrono::milliseconds(number(a, value()));
      } else if (a == "--api-key") {
        opts.api_key = value();
      } else if (a == "--cert-out") {
        cert_out = value();
      } else if (a == "--fault") {
        opts.fault_rules.push_back(value());
      } else if (a == "--stream-interval-ms") {
        opts.stream_event_interval = std::chrono::milliseconds(number(a, value()));
      } else if (a == "--stream-chunk-bytes") {
        opts.stream_chunk_bytes = number(a, value());
      } else if (a == "--file-processing-ms") {
        opts.file_processing_duration = std::chrono::milliseconds(number(a, value()));
      } else if (a == "--max-stored") {
        opts.max_stored_interactions = number(a, value());
      } else if (a == "--body-limit") {
        opts.body_limit = number(a, value());
      } else if (a == "--event-ids-on-all-events") {
        opts.event_ids_on_all_events = true;
      } else if (a == "--output-words") {
        opts.default_output_words = static_cast<unsigned>(number(a, value()));
      } else {
        throw std::invalid_argument("unknown option " + a);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "gemini-emulator: " << e.what() << "\n" << usage;
    return 2;
  }

  try {
    gemini::emulator::server srv(opts);
    if (!cert_out.empty()) {
      if (!opts.tls) throw std::runtime_error("--cert-out needs TLS (not --plain)");
      std::ofstream f(cert_out, std::ios::binary | std::ios::trunc);
      f << srv.ca_pem();
      f.close();
      if (!f) throw std::runtime_error("cannot write " + cert_out);
    }
    std::cout << "listening on " << srv.base_url() << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "gemini-emulator: stopping (signal " << sig << ")\n";
    srv.stop();
  } catch (const std::exception& e) {
    std::cerr << "gemini-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
