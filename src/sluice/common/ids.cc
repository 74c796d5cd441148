#include "sluice/common/ids.h"

#include <openssl/rand.h>

#include <cstdio>

#include "sluice/common/check.h"
#include "sluice/common/time.h"

namespace sluice::common {
namespace {
void RandomBytes(unsigned char* out, int n) { SLUICE_CHECK(RAND_bytes(out, n) == 1); }
}  // namespace

std::string NewUuid() {
  unsigned char b[16];
  RandomBytes(b, 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char buf[37];
  std::snprintf(buf, sizeof buf,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return buf;
}

std::string RandomHexId(int n_bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  unsigned char b[64];
  SLUICE_CHECK(n_bytes > 0 && n_bytes <= 64);
  RandomBytes(b, n_bytes);
  std::string out(2 * n_bytes, '0');
  for (int i = 0; i < n_bytes; ++i) {
    out[2 * i] = kHex[b[i] >> 4];
    out[2 * i + 1] = kHex[b[i] & 15];
  }
  return out;
}

std::string NewSortableId() {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llx",
                static_cast<unsigned long long>(SystemClock::Default()->Now().millis()) &
                    0xffffffffffffULL);
  std::string rnd = RandomHexId(6);
  for (char& c : rnd) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  return std::string(buf) + rnd;
}

}  // namespace sluice::common
