#include "sluice/common/hash.h"

#include <openssl/evp.h>

#include "sluice/common/check.h"

namespace sluice::common {

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

namespace {
const EVP_MD* Digest(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kMd5: return EVP_md5();
    case HashAlgorithm::kSha1: return EVP_sha1();
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
  }
  return EVP_sha256();
}
}  // namespace

Hasher::Hasher(HashAlgorithm algorithm) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  SLUICE_CHECK(impl_->ctx != nullptr);
  SLUICE_CHECK(EVP_DigestInit_ex(impl_->ctx, Digest(algorithm), nullptr) == 1);
}

Hasher::~Hasher() = default;

void Hasher::Update(const void* data, size_t size) {
  SLUICE_CHECK(EVP_DigestUpdate(impl_->ctx, data, size) == 1);
}

std::string Hasher::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  SLUICE_CHECK(EVP_DigestFinal_ex(impl_->ctx, md, &len) == 1);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Hasher::FinishHex() { return HexEncode(Finish()); }

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 15];
  }
  return out;
}

std::string HashHex(HashAlgorithm algorithm, std::string_view data) {
  Hasher h(algorithm);
  h.Update(data);
  return h.FinishHex();
}

std::string Md5Hex(std::string_view data) { return HashHex(HashAlgorithm::kMd5, data); }
std::string Sha256Hex(std::string_view data) { return HashHex(HashAlgorithm::kSha256, data); }

}  // namespace sluice::common
