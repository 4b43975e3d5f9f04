#pragma once
// Internal to rendering/: a Value as mstch's node tree. Only rendering/ sees mstch.

#include <mstch/mstch.hpp>

#include "rendering/value.h"

namespace vc::rendering {

mstch::node toMstch(const Value& v);

}  // namespace vc::rendering
