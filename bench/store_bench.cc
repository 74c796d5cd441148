// sluice_store_bench [N] [DIR]: end-to-end write throughput of the object store and the
// event log on this machine's disk, every operation durable (fsync) unless stated.
//
//   fs floor      : write 4 KiB to a temp file, fsync, rename, fsync dir — the least any
//                   durable atomic put can cost here (a peer baseline written in C).
//   store put     : LocalObjectStore::Put of 4 KiB (durable, no event).
//   logged put    : LoggedStore::Put of 4 KiB: the put plus its event, committed together.
//   event append  : EventLog::Append, one committed transaction per event.
//   event append x1000: 1000 appends per transaction.
//
// Prints a Markdown table (ops/s). Results go to bench/RESULTS.md.

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/file_util.h"
#include "sluice/events/event_log.h"
#include "sluice/events/logged_store.h"
#include "sluice/store/local_object_store.h"

namespace {

using Clock = std::chrono::steady_clock;

void Check(const sluice::Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "bench failed: %s\n", st.ToString().c_str());
    std::exit(1);
  }
}

double Measure(const char* name, int n, const std::function<void(int)>& op) {
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) op(i);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  double rate = n / secs;
  std::printf("| %-28s | %8d | %10.0f |\n", name, n, rate);
  std::fflush(stdout);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::string dir = argc > 2 ? argv[2] : "build/bench-store";
  std::filesystem::remove_all(dir);
  Check(sluice::common::CreateDirectories(dir + "/floor"));
  std::string body(4096, 'x');

  std::printf("| operation (4 KiB objects)    |        n |      ops/s |\n");
  std::printf("|------------------------------|----------|------------|\n");

  Measure("fs floor (write+fsync+rename)", n, [&](int i) {
    std::string tmp = dir + "/floor/tmp", path = dir + "/floor/o" + std::to_string(i);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    Check(sluice::common::WriteAll(fd, body.data(), body.size(), tmp));
    Check(sluice::common::Fsync(fd, tmp));
    ::close(fd);
    ::rename(tmp.c_str(), path.c_str());
    Check(sluice::common::FsyncDirectory(dir + "/floor"));
  });

  auto local = sluice::store::LocalObjectStore::Open(dir + "/buckets");
  Check(local.status());
  Check((*local)->CreateBucket("bench"));
  Measure("store put", n, [&](int i) {
    Check((*local)->PutString("bench", "plain/" + std::to_string(i), body).status());
  });

  auto catalog = sluice::catalog::OpenSqliteCatalog(dir + "/catalog.db");
  Check(catalog.status());
  sluice::events::EventLog log(catalog->get());
  sluice::events::LoggedStore logged(local->get(), &log);
  Measure("logged put (put + event)", n, [&](int i) {
    Check(logged.PutString("bench", "logged/" + std::to_string(i), body).status());
  });

  sluice::store::ObjectInfo info;
  info.bucket = "bench";
  info.size = 4096;
  info.etag = "\"0123456789abcdef0123456789abcdef\"";
  info.version = "v";
  Measure("event append (1 per commit)", n, [&](int i) {
    info.key = "appended/" + std::to_string(i);
    auto tx = (*catalog)->Begin(sluice::catalog::TxMode::kWrite);
    Check(tx.status());
    auto record = sluice::events::CreatedRecord("ObjectCreated:Put", info);
    Check(log.Append(**tx, record).status());
    Check((*tx)->Commit());
  });
  constexpr int kBatch = 1000;
  int batches = std::max(1, n * 10 / kBatch);
  double batch_rate = Measure("event append (1000 per commit)", batches, [&](int b) {
    auto tx = (*catalog)->Begin(sluice::catalog::TxMode::kWrite);
    Check(tx.status());
    for (int j = 0; j < kBatch; ++j) {
      info.key = "batched/" + std::to_string(b) + "/" + std::to_string(j);
      auto record = sluice::events::CreatedRecord("ObjectCreated:Put", info);
      Check(log.Append(**tx, record).status());
    }
    Check((*tx)->Commit());
  });
  std::printf("\n(events appended/s in batches of %d: %.0f)\n", kBatch, batch_rate * kBatch);
  std::filesystem::remove_all(dir);
  return 0;
}
