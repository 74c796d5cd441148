#pragma once

// Message digests over OpenSSL's libcrypto: MD5 (S3 ETags), SHA-1/SHA-256/SHA-384/SHA-512
// (States.Hash, content addressing). Incremental hashers stream any amount of data in
// bounded memory. A hasher object is single-threaded; the free functions are thread-safe.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::common {

enum class HashAlgorithm { kMd5, kSha1, kSha256, kSha384, kSha512 };

// An incremental digest. Update() any number of times, then Finish() once.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // The raw digest bytes. The hasher cannot be used afterwards.
  std::string Finish();
  // The digest as lowercase hex.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Md5Hex(std::string_view data);
std::string Sha256Hex(std::string_view data);
std::string HashHex(HashAlgorithm algorithm, std::string_view data);
// Lowercase hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace sluice::common
