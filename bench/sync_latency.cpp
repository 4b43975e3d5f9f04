// bench_sync_latency FILE SECONDS: what the disk itself does to a durable commit, as an anchor for the audited
// read's p99 (issue 16 item 3). Writes 4 KB in place and calls fdatasync, in a loop, for SECONDS, on a
// preallocated 4 MB FILE (rewritten in place, as SQLite reuses its write-ahead log), and prints one line:
//   syncs p50_ms p99_ms max_ms syncs_over_10ms ms_spent_in_them
// An audited read is answered only after the fsync that holds its entry, so every request waiting while one
// sync stalls waits as long: with 8 connections at ~5,000 req/s, about 50 ms of stalls over 10 ms in a 5 s run
// already put 1% of the requests over 10 ms. FILE is removed afterwards.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_sync_latency FILE SECONDS\n");
    return 2;
  }
  const std::string path = argv[1];
  const double seconds = std::atof(argv[2]);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    return 1;
  }
  std::vector<char> page(4096, 'a');
  constexpr off_t kSpan = 4 << 20;
  for (off_t at = 0; at < kSpan; at += 4096)
    if (::pwrite(fd, page.data(), page.size(), at) != static_cast<ssize_t>(page.size())) return 1;
  ::fsync(fd);
  using Clock = std::chrono::steady_clock;
  std::vector<double> ms;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  off_t at = 0;
  while (Clock::now() < end) {
    const auto t0 = Clock::now();
    if (::pwrite(fd, page.data(), page.size(), at) != static_cast<ssize_t>(page.size()) || ::fdatasync(fd) != 0) {
      std::perror("write or fdatasync");
      return 1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    at = (at + 4096) % kSpan;
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (ms.empty()) return 1;
  std::sort(ms.begin(), ms.end());
  size_t over = 0;
  double in_them = 0;
  for (double m : ms)
    if (m > 10) {
      ++over;
      in_them += m;
    }
  std::printf("%zu %.2f %.2f %.1f %zu %.0f\n", ms.size(), ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back(), over,
              in_them);
  return 0;
}
