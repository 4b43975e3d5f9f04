#include "services/answer_cache.h"

namespace vc::services {

std::shared_ptr<const std::string> AnswerCache::find(const std::string& key, const std::string& stamp) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->stamp != stamp) {
    ++misses_;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++hits_;
  return it->second->answer;
}

void AnswerCache::put(const std::string& key, const std::string& stamp, std::shared_ptr<const std::string> answer) {
  if (!enabled() || !answer) return;
  Entry e{key, stamp, std::move(answer)};
  const size_t c = cost(e);
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= cost(*it->second);
    lru_.erase(it->second);
    index_.erase(it);
  }
  if (c > max_bytes_) return;
  lru_.push_front(std::move(e));
  index_[key] = lru_.begin();
  bytes_ += c;
  while (bytes_ > max_bytes_) dropLeastRecentlyUsed();
}

void AnswerCache::dropLeastRecentlyUsed() {
  const Entry& last = lru_.back();
  bytes_ -= cost(last);
  index_.erase(last.key);
  lru_.pop_back();
}

size_t AnswerCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

size_t AnswerCache::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lru_.size();
}

uint64_t AnswerCache::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

uint64_t AnswerCache::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

}  // namespace vc::services
