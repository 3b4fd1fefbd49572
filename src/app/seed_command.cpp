#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "app/context.hpp"
#include "app/seed.hpp"

namespace hiresync::app {

int run_seed(const CommonOptions& common, const std::string& file, std::ostream& out, std::ostream& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << "hiresync seed: cannot read " << file << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto store = open_store(common.db);
  if (!store) {
    err << "hiresync seed: cannot open the database " << common.db << ": " << store.error().detail << "\n";
    return 1;
  }
  auto summary = apply_seed(**store, text.str());
  if (!summary) {
    err << "hiresync seed: " << file << ": " << summary.error().detail << "\n";
    const auto code = summary.error().code;
    return code == model::ErrorCode::kMalformedInput || code == model::ErrorCode::kNotFound ||
                   code == model::ErrorCode::kConflict || code == model::ErrorCode::kInvalidArgument
               ? 2
               : 1;
  }
  out << "seeded " << summary->members << " member(s), " << summary->contracts << " contract(s), "
      << summary->users << " user(s), " << summary->projects << " project(s), " << summary->candidates
      << " candidate link(s) into " << common.db << "\n";
  return 0;
}

}  // namespace hiresync::app
