// sluice_put_loop HOME BUCKET PREFIX COUNT SIZE
//
// A test tool for crash tests: puts COUNT objects PREFIX000000… of SIZE bytes each through
// the event-logging store of the engine home HOME, and after each acknowledged (durable)
// put prints "ack <key> <etag-hex>" on stdout, flushed, so a parent that SIGKILLs it knows
// exactly which puts were acknowledged.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sluice/cli/home.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: sluice_put_loop HOME BUCKET PREFIX COUNT SIZE\n");
    return 2;
  }
  std::string home_dir = argv[1], bucket = argv[2], prefix = argv[3];
  long count = std::atol(argv[4]);
  size_t size = static_cast<size_t>(std::atol(argv[5]));
  auto home = sluice::cli::Home::Open(home_dir);
  if (!home.ok()) {
    std::fprintf(stderr, "%s\n", home.status().ToString().c_str());
    return 1;
  }
  std::string content(size, 'x');
  for (long i = 0; i < count; ++i) {
    char key[64];
    std::snprintf(key, sizeof key, "%s%06ld", prefix.c_str(), i);
    // Content unique per key, so every object's ETag differs.
    std::string body = content;
    std::snprintf(body.data(), body.size(), "%s;", key);
    auto info = (*home)->store().PutString(bucket, key, body);
    if (!info.ok()) {
      std::fprintf(stderr, "%s\n", info.status().ToString().c_str());
      return 1;
    }
    std::printf("ack %s %s\n", key, info->etag_hex().c_str());
    std::fflush(stdout);
  }
  return 0;
}
