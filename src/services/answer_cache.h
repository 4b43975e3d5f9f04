#pragma once
// A bounded, least-recently-used cache of rendered answers (services::ReadService's victim answers), each
// kept under a key (the victim) with a stamp (what it was made from: the case's change token and the day
// it was written for). An answer is given back only for the same key AND the same stamp; anything else is
// a miss, and the caller makes the answer afresh and puts it back. Bounded by the bytes of the answers it
// holds (the least recently used go first); 0 bytes keeps nothing. Thread-safe (one mutex: a lookup is a
// hash find and a list splice).

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vc::services {

class AnswerCache {
 public:
  explicit AnswerCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  AnswerCache(const AnswerCache&) = delete;
  AnswerCache& operator=(const AnswerCache&) = delete;

  bool enabled() const { return max_bytes_ > 0; }
  // The answer kept for `key` if it was made from `stamp`; nullptr otherwise.
  std::shared_ptr<const std::string> find(const std::string& key, const std::string& stamp);
  // Keeps `answer` for `key`, made from `stamp` (replacing what was kept for it); an answer larger than
  // the whole cache is not kept.
  void put(const std::string& key, const std::string& stamp, std::shared_ptr<const std::string> answer);

  size_t bytes() const;
  size_t entries() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    std::string key, stamp;
    std::shared_ptr<const std::string> answer;
  };
  size_t cost(const Entry& e) const { return e.answer->size() + e.key.size() + e.stamp.size() + 96; }
  void dropLeastRecentlyUsed();  // mutex_ held

  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // guarded by mutex_: most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // guarded by mutex_: by key
  size_t bytes_ = 0;                                                   // guarded by mutex_
  uint64_t hits_ = 0, misses_ = 0;                                     // guarded by mutex_
};

}  // namespace vc::services
