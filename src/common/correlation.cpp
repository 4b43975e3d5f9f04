#include "common/correlation.h"

#include <Poco/UUIDGenerator.h>

namespace vc {
namespace {

thread_local std::string current_id;

}  // namespace

const std::string& correlationId() { return current_id; }

std::string newCorrelationId(const std::string& prefix) {
  return prefix + "-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

CorrelationScope::CorrelationScope(std::string id) : previous_(std::move(current_id)) { current_id = std::move(id); }

CorrelationScope::~CorrelationScope() { current_id = std::move(previous_); }

}  // namespace vc
