// picket serve: live detection behind an Elasticsearch-compatible `_bulk`
// endpoint, with its state in RocksDB under --state-dir, or shared with
// other nodes in Redis Cluster (--state redis://..., docs/redis.md; the
// alert log and its committed position stay under --state-dir).
//
// Composition only; the parts are in src/serve/ (see docs/serve.md):
// HttpServer -> IngestQueue -> IngestWorker (Detector + AlertLog +
// RocksDbTermStore, group commit; RedisState with --state redis://) and,
// optionally, an AlertForwarder that copies committed alerts to a real
// Elasticsearch.
// Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 2 on a setup
// error (bad option, rules that do not load, state or port unavailable),
// 1 when a storage failure stopped ingest.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/common.h"
#include "cli/registry.h"
#include "engine/detector.h"
#include "rules/loader.h"
#include "serve/alert_forwarder.h"
#include "serve/alert_log.h"
#include "serve/auth.h"
#include "serve/engine_evaluator.h"
#include "serve/http_server.h"
#include "serve/ingest_queue.h"
#include "serve/ingest_worker.h"
#include "serve/metrics.h"
#include "serve/redis_state.h"
#include "state/redis_term_store.h"
#include "state/redis_url.h"
#include "state/rocksdb_store.h"

namespace picket::cli {
namespace {

struct ServeOptions {
  std::vector<std::string> rule_paths;
  std::string listen = "127.0.0.1:9200";
  std::string state_dir;
  std::string alerts;  // default <state-dir>/alerts.ndjson
  uint64_t alerts_max_bytes = 256ull << 20;
  size_t queue_events = 100000;
  size_t group_events = 20000;
  int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  size_t max_body_bytes = 100u << 20;
  int http_threads = 2;
  int read_timeout = 30;
  int write_timeout = 30;
  size_t max_connections = 4096;
  size_t max_client_connections = 256;
  std::string api_key, basic_auth;
  std::string tls_cert, tls_key;
  std::string forward_url, forward_index = ".alerts-security.alerts-default";
  std::string forward_api_key, forward_basic_auth;
  std::string port_file;
  bool no_max_signals = false;
  bool no_event_ingested = false;
  int64_t max_lag_ms = -2;
  FieldTypeOptions types;
  // Shared state (docs/redis.md).
  std::string state;  // "" = RocksDB under state_dir; redis://... = Redis
  std::string redis_user, redis_password_file;
  std::string redis_tls_ca, redis_tls_cert, redis_tls_key, redis_tls_server_name;
  std::string redis_prefix = "picket";
  int redis_wait_replicas = 0;
  int redis_wait_timeout_ms = 1000;
  int redis_timeout_ms = 5000;
};

// The Redis store's options from --state and the --redis-* options; the
// password from the URL, --redis-password-file or $PICKET_REDIS_PASSWORD.
bool RedisOptions(const ServeOptions& o, state::RedisStoreOptions* r, std::string* error) {
  if (!state::ParseRedisUrl(o.state, r, error)) return false;
  if (!o.redis_user.empty()) r->cluster.connect.user = o.redis_user;
  if (!o.redis_password_file.empty()) {
    std::ifstream in(o.redis_password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      *error = "cannot read a password from --redis-password-file " + o.redis_password_file;
      return false;
    }
    r->cluster.connect.password = line;
  } else if (const char* env = std::getenv("PICKET_REDIS_PASSWORD");
             env && *env && r->cluster.connect.password.empty()) {
    r->cluster.connect.password = env;
  }
  if (!r->cluster.connect.user.empty() && r->cluster.connect.password.empty()) {
    *error = "Redis user \"" + r->cluster.connect.user +
             "\" given without a password (--redis-password-file or PICKET_REDIS_PASSWORD)";
    return false;
  }
  auto& tls = r->cluster.connect.tls;
  tls.ca_file = o.redis_tls_ca;
  tls.cert_file = o.redis_tls_cert;
  tls.key_file = o.redis_tls_key;
  tls.server_name = o.redis_tls_server_name;
  if (!tls.enabled && (!tls.ca_file.empty() || !tls.cert_file.empty()))
    tls.enabled = true;  // TLS options imply TLS, whatever the scheme says
  r->prefix = o.redis_prefix;
  r->wait_replicas = o.redis_wait_replicas;
  r->wait_timeout_ms = o.redis_wait_timeout_ms;
  r->cluster.retry_timeout_ms = o.redis_timeout_ms;
  r->cluster.connect.io_timeout_ms = std::min(o.redis_timeout_ms, 5000);
  return true;
}

bool SplitListen(const std::string& listen, std::string* host, int* port, std::string* error) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    *error = "--listen must be HOST:PORT, got \"" + listen + "\"";
    return false;
  }
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  try {
    size_t used = 0;
    *port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || *port < 0 || *port > 65535) throw 0;
  } catch (...) {
    *error = "--listen port must be 0..65535, got \"" + listen.substr(colon + 1) + "\"";
    return false;
  }
  return true;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "picket serve: %s\n", message.c_str());
  return 2;
}

int RunServe(const ServeOptions& o) {
  // Signals are taken by one thread with sigwait, so that shutdown runs as
  // ordinary code: stop accepting, answer in-flight requests, drain, commit.
  // They are blocked before any thread (RocksDB's included) starts, as
  // threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Request bodies (up to megabytes each, many per second) come and go:
  // keep freed memory in the heap instead of mapping and unmapping it for
  // every request, which cost more in page faults than parsing them.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::string error;
  serve::HttpOptions http;
  if (!SplitListen(o.listen, &http.host, &http.port, &error)) return Fail(error);
  http.max_body_bytes = o.max_body_bytes;
  http.threads = o.http_threads;
  http.read_timeout_seconds = o.read_timeout;
  http.max_connections = o.max_connections;
  http.max_client_connections = o.max_client_connections;
  http.write_timeout_seconds = o.write_timeout;
  http.tls_cert = o.tls_cert;
  http.tls_key = o.tls_key;
  serve::Authenticator auth;
  if (!o.api_key.empty() && !auth.SetApiKey(o.api_key, &error)) return Fail(error);
  if (!o.basic_auth.empty() && !auth.SetBasic(o.basic_auth, &error)) return Fail(error);

  auto types = BuildFieldTypes(o.types, &error);
  if (!types) return Fail(error);
  rules::RuleSet set = o.rule_paths.empty() ? rules::LoadBundledRules(*types)
                                            : rules::LoadRules(o.rule_paths, *types);
  for (const auto& e : set.errors) std::fprintf(stderr, "picket serve: %s\n", e.ToString().c_str());
  if (!set.errors.empty()) return Fail("rules failed to load; fix them or remove them");
  auto runnable = set.Runnable();
  NoteNotRunnable(set, "serve", false);
  if (runnable.empty()) return Fail("no supported rules loaded");

  std::error_code ec;
  std::filesystem::create_directories(o.state_dir, ec);
  if (ec) return Fail("cannot create state directory " + o.state_dir + ": " + ec.message());
  state::RocksDbOptions store_options;  // commits only at the worker's sync points
  auto store = state::RocksDbTermStore::Open(o.state_dir + "/terms", store_options, &error);
  if (!store) return Fail(error);

  // With --state redis://, decisions live in Redis; the local database keeps
  // only this node's own: the committed alert-log position. A directory is
  // used with one kind of state only, so that a node never decides from a
  // stale local copy.
  bool shared = !o.state.empty();
  if (shared && !state::IsRedisUrl(o.state))
    return Fail("--state takes redis://HOST:PORT[,...] or rediss://...; got \"" + o.state + "\"");
  std::string kind = shared ? "redis:" + o.redis_prefix : "local";
  std::optional<std::string> used = store->GetMeta("state_kind");
  if (!used && store->size() > 0) used = "local";  // a directory of an older version
  if (used && *used != kind)
    return Fail(o.state_dir + " holds " +
                (*used == "local" ? "local state" : "the node state of " + *used) +
                "; give this node a new --state-dir (its alert file can be copied over)");
  if (!used) store->PutMeta("state_kind", kind);
  std::unique_ptr<state::RedisTermStore> redis;
  std::unique_ptr<serve::RedisState> redis_state;
  if (shared) {
    state::RedisStoreOptions redis_options;
    if (!RedisOptions(o, &redis_options, &error)) return Fail(error);
    redis = state::RedisTermStore::Open(redis_options, &error);
    if (!redis) return Fail("cannot use Redis at " + o.state + ": " + error);
    redis_state = std::make_unique<serve::RedisState>(redis.get());
  }

  std::optional<serve::AlertLogPosition> committed;
  if (auto meta = store->GetMeta(serve::kAlertLogMetaKey))
    committed = serve::AlertLogPosition::Decode(*meta);
  std::string alerts_path = o.alerts.empty() ? o.state_dir + "/alerts.ndjson" : o.alerts;
  auto log = serve::AlertLog::Open(alerts_path, o.alerts_max_bytes, committed, &error);
  if (!log) return Fail(error);
  if (log->truncated_at_open())
    std::fprintf(stderr,
                 "picket serve: cut %llu bytes of uncommitted alerts from %s (a crash "
                 "interrupted their commit; the shipper re-sends those events)\n",
                 static_cast<unsigned long long>(log->truncated_at_open()), alerts_path.c_str());
  if (log->moved_at_open())
    std::fprintf(stderr,
                 "picket serve: the committed alert file %s was missing or empty; starting it "
                 "afresh as sequence %llu\n",
                 alerts_path.c_str(), static_cast<unsigned long long>(log->position().seq));

  size_t rules_count = runnable.size();
  std::vector<std::shared_ptr<const rules::Rule>> rules = std::move(runnable);
  engine::DetectorOptions detector_options;
  detector_options.types = types;
  detector_options.apply_max_signals = !o.no_max_signals;
  detector_options.max_lag_ms = o.max_lag_ms;
  // One copy per suppressed alert per group commit, with its newest count.
  detector_options.coalesce_suppression_updates = true;
  engine::StateStores stores;
  if (redis) {
    stores.terms = redis.get();
    stores.records = redis->records();  // same cluster and WAIT as the terms
  } else {
    stores.terms = store.get();
    stores.records = store->records();  // same database and atomic commit as the terms
  }
  engine::Detector detector(std::move(rules), stores, detector_options);
  for (const auto& w : detector.warnings()) std::fprintf(stderr, "picket serve: %s\n", w.c_str());
  serve::EngineEvaluator evaluator(&detector);

  serve::ServeMetrics metrics;
  serve::IngestQueue queue(o.queue_events);
  metrics.queue_capacity_events = o.queue_events;
  serve::IngestWorkerOptions worker_options;
  worker_options.max_group_events = o.group_events;
  worker_options.stamp_arrival = !o.no_event_ingested;
  worker_options.workers = o.workers;
  worker_options.shared = redis_state.get();
  if (redis_state) metrics.more_json = [&] { return "\"redis\":" + redis_state->StatsJson(); };
  serve::IngestWorker worker(&evaluator, store.get(), log.get(), &metrics, &queue, worker_options);

  std::unique_ptr<serve::AlertForwarder> forwarder;
  if (!o.forward_url.empty()) {
    serve::ForwarderOptions f;
    f.url = o.forward_url;
    f.index = o.forward_index;
    f.api_key = o.forward_api_key;
    f.basic_auth = o.forward_basic_auth;
    f.cursor_path = o.state_dir + "/forward.cursor";
    forwarder = serve::AlertForwarder::Create(f, log.get(), &worker, &metrics, &error);
    if (!forwarder) return Fail(error);
  }

  serve::HttpServer server(
      http, &queue, &worker, &metrics, auth, [&] { return evaluator.RulesJson(); },
      [&] { return evaluator.RulesPrometheus() + (redis_state ? redis_state->Prometheus() : ""); });
  if (!server.Bind(&error)) return Fail(error);

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != 0) server.Stop();
  });

  worker.Start();
  if (forwarder) forwarder->Start();
  std::string scheme = o.tls_cert.empty() ? "http" : "https";
  std::string where = redis ? o.state + " (" + std::to_string(redis->cluster()->Masters().size()) +
                                  " masters), node state " + o.state_dir
                            : o.state_dir;
  std::fprintf(stderr, "picket serve: listening on %s://%s:%d (%zu rules, state %s, alerts %s)\n",
               scheme.c_str(), http.host.c_str(), server.port(), rules_count, where.c_str(),
               alerts_path.c_str());
  if (!o.port_file.empty()) {
    std::string tmp = o.port_file + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    std::filesystem::rename(tmp, o.port_file, ec);
  }
  server.Run();

  queue.Close();
  worker.Join();
  if (forwarder) forwarder->Stop();
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // wake sigwait if still waiting
  signal_thread.join();
  bool failed = worker.failed();
  std::fprintf(stderr, "picket serve: stopped after %llu events, %llu alerts\n",
               static_cast<unsigned long long>(metrics.events_evaluated.load()),
               static_cast<unsigned long long>(metrics.alerts_written.load()));
  return failed ? 1 : 0;
}

void RegisterServe(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run rules on live events received through an Elasticsearch-compatible _bulk API, "
      "with durable first-seen state (see docs/serve.md)");
  cmd->add_option("--rules,-r", o->rule_paths,
                  "Rule file or directory; repeat for several (default: the bundled rule pack)");
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0 = any free port)")
      ->capture_default_str();
  cmd->add_option("--state-dir", o->state_dir,
                  "Directory for first-seen state and alerts (with --state redis://: this node's "
                  "alerts and committed position)")
      ->required();
  cmd->add_option("--state", o->state,
                  "Share the detection state with other nodes through Redis Cluster: "
                  "redis://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...] (rediss:// for TLS); see "
                  "docs/redis.md");
  cmd->add_option("--redis-user", o->redis_user, "Redis ACL user (else the URL's)");
  cmd->add_option("--redis-password-file", o->redis_password_file,
                  "File whose first line is the Redis password (else $PICKET_REDIS_PASSWORD, "
                  "else the URL's)");
  cmd->add_option("--redis-tls-ca", o->redis_tls_ca,
                  "PEM CA bundle that signed the Redis servers' certificates (default: the "
                  "system's)");
  cmd->add_option("--redis-tls-cert", o->redis_tls_cert,
                  "PEM client certificate, for Redis servers that require one");
  cmd->add_option("--redis-tls-key", o->redis_tls_key, "PEM key of --redis-tls-cert");
  cmd->add_option("--redis-tls-server-name", o->redis_tls_server_name,
                  "Name the Redis certificates carry, when not the host connected to");
  cmd->add_option("--redis-prefix", o->redis_prefix,
                  "First part of every key picket writes (deployments sharing a cluster use "
                  "different ones)")
      ->capture_default_str();
  cmd->add_option("--redis-wait-replicas", o->redis_wait_replicas,
                  "Answer 2xx only after this many replicas of each Redis master written have "
                  "the group's decisions (Redis WAIT); 0 = do not wait")
      ->capture_default_str()
      ->check(CLI::Range(0, 16));
  cmd->add_option("--redis-wait-timeout", o->redis_wait_timeout_ms,
                  "Milliseconds WAIT may take before the group is answered 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  cmd->add_option("--redis-timeout", o->redis_timeout_ms,
                  "Milliseconds a group keeps retrying Redis (reconnects, failovers) before it "
                  "is answered 503")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  cmd->add_option("--alerts", o->alerts,
                  "Alert NDJSON file, or - for stdout (default: STATE_DIR/alerts.ndjson)");
  cmd->add_option("--alerts-max-bytes", o->alerts_max_bytes,
                  "Rotate the alert file at this size (0 = never)")
      ->capture_default_str();
  cmd->add_option("--queue-events", o->queue_events,
                  "Ingest queue capacity in events; beyond it _bulk answers 429")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--group-events", o->group_events,
                  "At most this many events per durable group commit")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--workers", o->workers,
                  "Threads that parse and match events (default: the number of cores); "
                  "decisions and commits stay on one thread, in arrival order")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--max-body-bytes", o->max_body_bytes,
                  "Largest accepted request body (decompressed); larger gets 413")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--http-threads", o->http_threads,
                  "Network threads (connections are asynchronous: this is not a connection limit)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--read-timeout", o->read_timeout,
                  "Seconds a client has to send a whole request, from its first byte (TLS "
                  "handshake included)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--write-timeout", o->write_timeout,
                  "Seconds a client has to read a whole response")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--max-connections", o->max_connections,
                  "Open connections at most; over it, the longest-idle one is closed, or the new "
                  "one refused (429) when all are busy")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-client-connections", o->max_client_connections,
                  "Open connections per client address at most (same policy)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option(
      "--api-key", o->api_key,
      "Require this API key (ID:KEY; clients send Authorization: ApiKey base64(ID:KEY))");
  cmd->add_option("--basic-auth", o->basic_auth, "Require HTTP basic auth USER:PASSWORD");
  cmd->add_option("--tls-cert", o->tls_cert, "PEM certificate: serve HTTPS");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--forward-url", o->forward_url,
                  "Also send alerts to this Elasticsearch (http://host:port) with _bulk create");
  cmd->add_option("--forward-index", o->forward_index, "Index for forwarded alerts")
      ->capture_default_str();
  cmd->add_option("--forward-api-key", o->forward_api_key, "API key ID:KEY for --forward-url");
  cmd->add_option("--forward-basic-auth", o->forward_basic_auth, "USER:PASSWORD for --forward-url");
  cmd->add_option("--port-file", o->port_file, "Write the bound port to this file once listening");
  cmd->add_flag("--no-max-signals", o->no_max_signals,
                "Write every alert: no cap of max_signals alerts per rule per interval of event "
                "time");
  AddMaxLagOption(cmd, &o->max_lag_ms);
  cmd->add_flag("--no-event-ingested", o->no_event_ingested,
                "Do not set event.ingested to the arrival time on events that lack it (for "
                "replays of old events: rules then judge them by their own time)");
  AddFieldTypeOptions(cmd, &o->types);
  cmd->footer(
      "Exit status: 0 after SIGINT/SIGTERM, 1 when a storage failure stopped ingest, 2 on a "
      "setup error.\n"
      "\n"
      "Examples:\n"
      "  picket serve --state-dir state\n"
      "  picket serve --rules rules/macos --state-dir state --listen 127.0.0.1:9200 --alerts "
      "alerts.ndjson\n");
  cmd->callback([o, exit_code] { *exit_code = RunServe(*o); });
}

}  // namespace
PICKET_REGISTER_COMMAND(RegisterServe);
}  // namespace picket::cli
