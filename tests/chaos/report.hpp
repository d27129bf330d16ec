#pragma once
// report: what a chaos run leaves for people to look at, in one directory
// (chaos-report/): history.jsonl (every client operation), verdict.json
// (the checkers' answer, healing, crashes), timeline.jsonl (the faults),
// logs.txt (the tails of every process's log), summary.txt, and
// latency.png — drawn by plot_report.py with python3-matplotlib: request
// latency and outcome over time with the fault intervals shaded.
#include <string>

#include "history_log.hpp"

namespace ropekv::chaos {

struct run_result;

/// Writes every file; returns the summary text (also in summary.txt).
std::string write_report(const std::string& dir, const history_log& log, const run_result& result,
                         const std::string& log_tails);

}  // namespace ropekv::chaos
