// Register clients: read / write / cas on keys "r<window>-<k>" of
// chaos_reg, items {"v":"<value>"}; every value is unique (client id and
// counter), so "the version I read" and "the value I read" name the same
// state, and a cas with if_version is the model's put_if_value.
#include <map>
#include <random>
#include <thread>

#include "workloads.hpp"

namespace ropekv::chaos {
namespace {

using namespace std::chrono_literals;
constexpr int keys_per_window = 6;

struct seen {
  bool absent = true;
  std::string value;
  uint64_t version = 0;
};

std::string item_path(const std::string& key) {
  return std::string("/v1/tables/") + register_table + "/items/" + integration::url_escape(key);
}

}  // namespace

void run_register_client(const workload_env& env, unsigned id) {
  std::mt19937_64 rng(env.seed * 1000 + id);
  router_client c(env, id);
  std::map<std::string, seen> last;  // this client's last read of each key
  const std::string process = "register-" + std::to_string(id);
  for (uint64_t n = 0; !env.stop->load(); ++n) {
    int64_t window = env.log->now_ns() / env.key_window_ns;
    std::string key = "r" + std::to_string(window) + "-" + std::to_string(rng() % keys_per_window);
    int dice = static_cast<int>(rng() % 10);
    op_record r;
    r.process = process;
    r.workload = "register";
    r.key = key;
    auto it = last.find(key);
    r.op = dice < 4 || it == last.end() ? "read" : dice < 7 ? "write" : "cas";
    std::string value = "c" + std::to_string(id) + "-" + std::to_string(n);
    integration::http_reply reply;
    r.start_ns = env.log->now_ns();
    if (r.op == "read") {
      reply = c.request("GET", item_path(key) + "?consistency=strong");
    } else if (r.op == "write") {
      r.value = value;
      reply = c.request("PUT", item_path(key), "{\"v\":" + json_string(value) + "}");
    } else {
      r.value = value;
      r.expect_absent = it->second.absent;
      r.expected = it->second.value;
      std::string cond = r.expect_absent ? "?if=absent" : "?if_version=" + std::to_string(it->second.version);
      reply = c.request("PUT", item_path(key) + cond, "{\"v\":" + json_string(value) + "}");
    }
    r.end_ns = env.log->now_ns();
    r.status = reply.status;
    r.error = reply.error_code();
    if (r.op == "read") {
      if (reply.status == 200) {
        auto d = reply.json();
        if (d.IsObject() && d.HasMember("item") && d["item"].IsObject() && d["item"].HasMember("v")) {
          r.result = outcome::ok;
          r.read = d["item"]["v"].GetString();
          last[key] = {false, *r.read, d["version"].GetUint64()};
          r.result_json = "{\"version\":" + std::to_string(d["version"].GetUint64()) + "}";
        }
      } else if (reply.status == 404 && r.error == "not_found") {
        r.result = outcome::ok;
        last[key] = {};
      } else {
        r.result = outcome::fail;  // a read that failed changed nothing
      }
    } else if (reply.status == 200) {
      r.result = outcome::ok;
      auto d = reply.json();
      if (d.IsObject() && d.HasMember("version"))
        r.result_json = "{\"version\":" + std::to_string(d["version"].GetUint64()) + "}";
    } else if (r.op == "cas" && reply.status == 412) {
      r.result = outcome::fail;  // its condition did not hold: nothing written
    } else {
      r.result = outcome::info;  // no answer, 5xx, anything else: may or may not have happened
    }
    env.log->add(std::move(r));
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 10));
  }
}

}  // namespace ropekv::chaos
