#include "report.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "chaos_run.hpp"
#include "shell.hpp"

namespace ropekv::chaos {

std::string write_report(const std::string& dir, const history_log& log, const run_result& result,
                         const std::string& log_tails) {
  log.write_jsonl(dir + "/history.jsonl");
  {
    std::ofstream t(dir + "/timeline.jsonl");
    for (const auto& f : result.timeline)
      t << "{\"kind\":" << json_string(f.kind) << ",\"detail\":" << json_string(f.detail)
        << ",\"start_ns\":" << f.start_ns << ",\"end_ns\":" << f.end_ns << "}\n";
  }
  char heal[32];
  snprintf(heal, sizeof heal, "%.1f", result.heal_seconds);
  {
    std::ofstream v(dir + "/verdict.json");
    v << "{\"valid\":" << (result.v.valid ? "true" : "false") << ",\"healed\":" << (result.healed ? "true" : "false")
      << ",\"heal_seconds\":" << heal << ",\"faults\":" << result.timeline.size() << ",\"verdict\":" << to_json(result.v)
      << "}\n";
  }
  std::ofstream(dir + "/logs.txt") << log_tails;
  auto plot = run_command({"/usr/bin/python3", ROPEKV_CHAOS_PLOT_SCRIPT, dir});
  std::ostringstream s;
  s << (result.v.valid ? "VALID" : "INVALID") << ": " << result.v.acknowledged_writes << " acknowledged writes, "
    << result.v.lost_writes << " lost; " << result.timeline.size() << " faults; "
    << (result.healed ? "healed in " + std::string(heal) + " s" : "NOT healed") << "\n";
  for (const auto& p : result.v.parts) s << "  " << p.name << ": " << (p.valid ? "ok " : "FAILED ") << p.details_json << "\n";
  for (const auto& p : result.v.parts)
    for (const auto& why : p.problems) s << "  - " << why.substr(0, 600) << "\n";
  for (const auto& why : result.v.problems) s << "  - " << why.substr(0, 600) << "\n";
  for (const auto& why : result.unsupported) s << "  (not tried: " << why << ")\n";
  if (!plot.ok()) s << "  (plot failed: " << plot.output.substr(0, 300) << ")\n";
  s << "report: " << dir << "\n";
  std::ofstream(dir + "/summary.txt") << s.str();
  return s.str();
}

}  // namespace ropekv::chaos
