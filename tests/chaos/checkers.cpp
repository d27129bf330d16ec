#include "checkers.hpp"

#include <map>
#include <set>

#include "ropekv/linearizability/checker.hpp"
#include "workload_names.hpp"

#include <rapidjson/document.h>


namespace ropekv::chaos {
namespace {

uint64_t process_number(const std::string& process) {
  auto dash = process.rfind('-');
  return dash == std::string::npos ? 0 : std::stoull(process.substr(dash + 1));
}

std::string quote_list(const std::vector<std::string>& items, size_t most) {
  std::string s;
  for (size_t i = 0; i < items.size() && i < most; ++i) s += (i ? ", " : "") + items[i];
  if (items.size() > most) s += ", … (" + std::to_string(items.size()) + " in all)";
  return s;
}

}  // namespace

check_part check_register(const std::vector<op_record>& records) {
  check_part part{"register"};
  std::vector<lin::operation> history;
  uint64_t ok = 0, unknown = 0;
  for (const auto& r : records) {
    if (r.workload != "register") continue;
    lin::operation op;
    op.client = lin::client_id{process_number(r.process)};
    op.key = r.key;
    op.invoke_time = r.start_ns;
    if (r.op == "read") {
      if (r.result != outcome::ok) continue;  // a failed read changed nothing
      op.input = lin::get();
      op.output = r.read ? lin::read_value(*r.read) : lin::read_absent();
    } else {
      op.input = r.op == "write"      ? lin::put(r.value)
                 : r.expect_absent    ? lin::put_if_absent(r.value)
                                      : lin::put_if_value(r.expected, r.value);
      if (r.result == outcome::ok) op.output = lin::write_ok();
      if (r.result == outcome::fail) op.output = lin::write_failed();
    }
    if (op.output) {
      op.return_time = r.end_ns;
      ++ok;
    } else {
      ++unknown;
    }
    history.push_back(std::move(op));
  }
  auto result = lin::check_history(history);
  part.valid = result.ok;
  if (!result.ok)
    part.problems.push_back("register history " + std::string(lin::to_string(result.outcome)) + " at key " +
                            result.key + ": " + result.explanation.substr(0, 2000));
  part.details_json = "{\"operations\":" + std::to_string(history.size()) + ",\"known\":" + std::to_string(ok) +
                      ",\"unknown\":" + std::to_string(unknown) + ",\"verdict\":" +
                      json_string(std::string(lin::to_string(result.outcome))) +
                      ",\"states_explored\":" + std::to_string(result.states_explored) + "}";
  return part;
}

check_part check_set(const std::vector<op_record>& records, uint64_t& acknowledged, uint64_t& lost) {
  check_part part{"set"};
  std::map<std::string, std::set<std::string>> acked, attempted;
  std::map<std::string, std::vector<std::string>> final_read;
  std::set<std::string> read_keys;
  for (const auto& r : records) {
    if (r.workload != "set") continue;
    if (r.op == "add") {
      attempted[r.key].insert(r.value);
      if (r.result == outcome::ok) acked[r.key].insert(r.value);
    } else if (r.op == "read" && r.process == "final") {
      if (r.result != outcome::ok) {
        part.problems.push_back("final read of " + r.key + " failed: status " + std::to_string(r.status));
        continue;
      }
      rapidjson::Document d;
      d.Parse(r.result_json.c_str());
      read_keys.insert(r.key);
      for (const auto& e : d["elements"].GetArray()) final_read[r.key].push_back(e.GetString());
    }
  }
  std::vector<std::string> missing, duplicated, phantom;
  uint64_t n_acked = 0;
  for (const auto& [key, elements] : acked) n_acked += elements.size();
  for (const auto& key : read_keys) {
    std::set<std::string> seen;
    for (const auto& e : final_read[key]) {
      if (!seen.insert(e).second) duplicated.push_back(key + "/" + e);
      if (!attempted[key].count(e)) phantom.push_back(key + "/" + e);
    }
    for (const auto& e : acked[key])
      if (!seen.count(e)) missing.push_back(key + "/" + e);
  }
  acknowledged += n_acked;
  lost += missing.size();
  if (!missing.empty()) part.problems.push_back("acknowledged adds lost: " + quote_list(missing, 10));
  if (!duplicated.empty()) part.problems.push_back("elements read twice: " + quote_list(duplicated, 10));
  if (!phantom.empty()) part.problems.push_back("elements never added: " + quote_list(phantom, 10));
  part.valid = part.problems.empty();
  uint64_t n_attempted = 0;
  for (const auto& [key, elements] : attempted) n_attempted += elements.size();
  part.details_json = "{\"attempted\":" + std::to_string(n_attempted) + ",\"acknowledged\":" + std::to_string(n_acked) +
                      ",\"lost\":" + std::to_string(missing.size()) + ",\"duplicated\":" +
                      std::to_string(duplicated.size()) + ",\"never_added\":" + std::to_string(phantom.size()) + "}";
  return part;
}

check_part check_bank(const std::vector<op_record>& records, uint64_t& acknowledged) {
  check_part part{"bank"};
  const long total = static_cast<long>(bank_accounts) * bank_initial;
  std::vector<long> expected(bank_accounts, bank_initial);
  uint64_t committed = 0, canceled = 0, unknown = 0, snapshots = 0, bad_snapshots = 0;
  std::vector<long> last;
  bool have_final = false;
  for (const auto& r : records) {
    if (r.workload != "bank") continue;
    rapidjson::Document d;
    if (r.op == "transfer") {
      if (r.result == outcome::ok) {
        ++committed;
        d.Parse(r.args_json.c_str());
        long amount = d["amount"].GetInt64();
        expected[d["from"].GetInt()] -= amount;
        expected[d["to"].GetInt()] += amount;
      } else if (r.result == outcome::fail) {
        ++canceled;
      } else {
        ++unknown;
      }
    } else if (r.op == "snapshot" && r.result == outcome::ok) {
      ++snapshots;
      d.Parse(r.result_json.c_str());
      std::vector<long> b;
      long sum = 0;
      for (const auto& v : d["balances"].GetArray()) {
        b.push_back(v.GetInt64());
        sum += v.GetInt64();
      }
      if (sum != total && ++bad_snapshots <= 5)
        part.problems.push_back("snapshot by " + r.process + " at " + std::to_string(r.end_ns / 1'000'000) +
                                " ms totals " + std::to_string(sum) + ", not " + std::to_string(total));
      if (r.process == "final") {
        last = b;
        have_final = true;
      }
    }
  }
  acknowledged += committed;
  if (!have_final) part.problems.push_back("no final snapshot of the balances got through");
  if (have_final && unknown == 0 && last != expected) {
    std::string want, got;
    for (int i = 0; i < bank_accounts; ++i) {
      want += (i ? "," : "") + std::to_string(expected[i]);
      got += (i ? "," : "") + std::to_string(last[i]);
    }
    part.problems.push_back("final balances [" + got + "] are not the acknowledged transfers' [" + want + "]");
  }
  part.valid = part.problems.empty();
  part.details_json = "{\"committed\":" + std::to_string(committed) + ",\"canceled\":" + std::to_string(canceled) +
                      ",\"unknown\":" + std::to_string(unknown) + ",\"snapshots\":" + std::to_string(snapshots) +
                      ",\"bad_snapshots\":" + std::to_string(bad_snapshots) + "}";
  return part;
}

verdict check_all(const std::vector<op_record>& records) {
  verdict v;
  v.parts.push_back(check_register(records));
  for (const auto& r : records)
    if (r.workload == "register" && r.op != "read" && r.result == outcome::ok) ++v.acknowledged_writes;
  v.parts.push_back(check_set(records, v.acknowledged_writes, v.lost_writes));
  v.parts.push_back(check_bank(records, v.acknowledged_writes));
  for (const auto& p : v.parts) v.valid = v.valid && p.valid;
  return v;
}

std::string to_json(const verdict& v) {
  auto list = [](const std::vector<std::string>& xs) {
    std::string s = "[";
    for (size_t i = 0; i < xs.size(); ++i) s += (i ? "," : "") + json_string(xs[i]);
    return s + "]";
  };
  std::string s = "{\"valid\":" + std::string(v.valid ? "true" : "false") +
                  ",\"acknowledged_writes\":" + std::to_string(v.acknowledged_writes) +
                  ",\"lost_writes\":" + std::to_string(v.lost_writes) + ",\"problems\":" + list(v.problems) +
                  ",\"checkers\":{";
  for (size_t i = 0; i < v.parts.size(); ++i) {
    const auto& p = v.parts[i];
    s += (i ? "," : "") + json_string(p.name) + ":{\"valid\":" + (p.valid ? "true" : "false") +
         ",\"details\":" + p.details_json + ",\"problems\":" + list(p.problems) + "}";
  }
  return s + "}}";
}

}  // namespace ropekv::chaos
