#include "options.hpp"

#include <fstream>
#include <stdexcept>

#include "command_line.hpp"

namespace ropekv::bench {

const char* const usage_text = R"(ropekv-loadgen: closed-loop load over HTTP/1.1 keep-alive or RESP; prints one JSON line.

  --mode http|resp            protocol (default http)
  --host 127.0.0.1 --port P   target (loopback)
  --connections N             concurrent connections, one request in flight each (default 1)
  --threads N                 io threads, connections spread over them (default 1)
  --duration S | --requests N timed run, or N requests in total
  --warmup S                  answers in the first S seconds are checked but not timed
  --keys N --key-prefix P     key space: P0 .. P(N-1) (default k, 1000)
  --keys-file F               key space: one key per line instead
  --sequential                keys in order, each once per lap (preloading)
  read side (all requests unless --write-percent):
  --method M --path T --body T --expect-status S --expect-body TEXT --reject-body TEXT
  --resp-command 'GET {key}'  RESP command, arguments split on single spaces
  write side of a mix:
  --write-percent P           share of requests that are writes (0..100)
  --write-method M --write-path T --write-body T --write-expect-status S
  --write-expect-body TEXT --write-reject-body TEXT --write-resp-command C
  --label TEXT                copied into the JSON line
Templates: {key}, {b64:TEXT}, {b64end:TEXT} (base64 of TEXT / of TEXT's prefix end).
Any wrong status or body (or RESP error/null reply) counts as an error.
)";

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

run_spec parse_options(const std::vector<std::string>& argv) {
  option_map o(argv, {"sequential"});
  auto take = [&](const std::string& name, std::string dflt) { return o.take(name, std::move(dflt)); };
  auto take_num = [&](const std::string& name, double dflt) { return o.signed_number(name, dflt); };

  run_spec r;
  r.sequential = o.flag("sequential");
  r.mode = take("mode", "http");
  if (r.mode != "http" && r.mode != "resp") throw std::invalid_argument("--mode must be http or resp");
  r.host = take("host", "127.0.0.1");
  r.port = static_cast<uint16_t>(take_num("port", 0));
  if (r.port == 0) throw std::invalid_argument("--port is required");
  r.connections = static_cast<unsigned>(take_num("connections", 1));
  r.threads = static_cast<unsigned>(take_num("threads", 1));
  r.duration_s = take_num("duration", 0);
  r.requests = static_cast<uint64_t>(take_num("requests", 0));
  r.warmup_s = take_num("warmup", 0);
  if ((r.duration_s > 0) == (r.requests > 0))
    throw std::invalid_argument("give exactly one of --duration and --requests");
  if (r.connections == 0 || r.threads == 0) throw std::invalid_argument("--connections/--threads >= 1");
  r.write_percent = take_num("write-percent", 0);
  r.label = take("label", "");

  auto side = [&](op_spec& op, const std::string& pfx) {
    op.method = take(pfx + "method", "GET");
    op.path = take(pfx + "path", "/");
    op.body = take(pfx + "body", "");
    if (auto f = take(pfx + "body-file", ""); !f.empty()) op.body = read_file(f);
    op.expect_status = static_cast<int>(take_num(pfx + "expect-status", 200));
    op.expect_body = take(pfx + "expect-body", "");
    op.reject_body = take(pfx + "reject-body", "");
    op.resp_command = take(pfx + "resp-command", "");
  };
  side(r.read, "");
  side(r.write, "write-");
  if (r.mode == "resp" && r.read.resp_command.empty())
    throw std::invalid_argument("--mode resp needs --resp-command");
  if (r.mode == "resp" && r.write_percent > 0 && r.write.resp_command.empty())
    throw std::invalid_argument("--write-percent in resp mode needs --write-resp-command");

  std::string keys_file = take("keys-file", "");
  std::string prefix = take("key-prefix", "k");
  auto count = static_cast<uint64_t>(take_num("keys", 1000));
  if (!keys_file.empty()) {
    std::vector<std::string> keys;
    std::string text = read_file(keys_file);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      if (nl > pos) keys.push_back(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
    r.keys = std::make_shared<key_space>(std::move(keys));
  } else {
    r.keys = std::make_shared<key_space>(prefix, count);
  }
  o.expect_consumed();
  return r;
}

}  // namespace ropekv::bench
