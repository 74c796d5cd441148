#pragma once

// `sluice serve`: the pipeline runtime over the latest deployed project (docs/serve.md).
// Returns the process exit code: 0 after a clean shutdown (SIGTERM / SIGINT), 1 when the
// engine could not start, 2 for bad usage (nothing deployed).

#include <ostream>
#include <string>

#include "sluice/cli/home.h"

namespace sluice::cli {

struct ServeCommand {
  std::string project_dir;  // deploy this folder first ("" : serve what is deployed)
  int port = 8765;          // HTTP on 127.0.0.1; 0 picks a free port
  std::string inbox;        // "" : <home>/inbox
  int executors = 16;
  std::string warehouse;    // overrides the project's warehouse URL
  // Writes "<port>\n" here once listening (tests and scripts wait for it).
  std::string port_file;
};

int Serve(Home& home, const ServeCommand& command, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
