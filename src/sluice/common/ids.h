#pragma once

// Identifiers. Thread-safe.

#include <string>

namespace sluice::common {

// A random RFC 4122 version-4 UUID, lowercase: `9b2c1e4a-0f3d-4c1b-8a7e-2d5f6b1c3e9a`.
std::string NewUuid();
// `n` random bytes from the operating system's CSPRNG, as uppercase hex (2n characters);
// used for request ids (`x-amz-request-id`-like) and temporary names.
std::string RandomHexId(int n_bytes);
// A time-ordered id: 12 hex digits of milliseconds since the epoch, then 12 random hex
// digits. Later ids sort after earlier ones (to the millisecond).
std::string NewSortableId();

}  // namespace sluice::common
