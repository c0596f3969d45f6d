// Self-signed test certificates with the OpenSSL 3 API.
#include <gemini/emulator/certificate.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <memory>
#include <stdexcept>

namespace gemini::emulator {
namespace {

template <class T, void (*F)(T*)>
struct deleter {
  void operator()(T* p) const noexcept { F(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION, X509_EXTENSION_free>>;

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("certificate: ") + what); }

void check(int ok, const char* what) {
  if (ok <= 0) fail(what);
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_ext(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

}  // namespace

certificate make_self_signed_certificate(std::vector<std::string> names, bool expired) {
  if (names.empty()) names.push_back("localhost");

  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) fail("EVP_EC_gen");

  x509_ptr cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), 2), "X509_set_version");

  unsigned char serial_bytes[16];
  check(RAND_bytes(serial_bytes, sizeof serial_bytes), "RAND_bytes");
  serial_bytes[0] &= 0x7f;  // positive
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  if (!serial) fail("BN_bin2bn");
  ASN1_INTEGER* asn_serial = BN_to_ASN1_INTEGER(serial, nullptr);
  BN_free(serial);
  if (!asn_serial) fail("BN_to_ASN1_INTEGER");
  const int serial_ok = X509_set_serialNumber(cert.get(), asn_serial);
  ASN1_INTEGER_free(asn_serial);
  check(serial_ok, "X509_set_serialNumber");

  constexpr long day = 24L * 60 * 60;
  if (expired) {
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -30 * day);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), -1 * day);
  } else {
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -1 * day);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365 * day);
  }
  check(X509_set_pubkey(cert.get(), key.get()), "X509_set_pubkey");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("gemini-asio emulator"), -1, -1, 0),
        "X509_NAME_add_entry_by_txt(O)");
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1, 0),
        "X509_NAME_add_entry_by_txt(CN)");
  check(X509_set_issuer_name(cert.get(), subject), "X509_set_issuer_name");

  std::string san;
  for (const auto& n : names) {
    if (!san.empty()) san += ',';
    san += (is_ip_literal(n) ? "IP:" : "DNS:") + n;
  }
  // A self-signed certificate that is its own trust anchor: CA:TRUE lets clients trust it
  // directly as a root; the leaf checks (serverAuth, digitalSignature) pass as well.
  add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_ext(cert.get(), NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), NID_subject_key_identifier, "hash");
  add_ext(cert.get(), NID_subject_alt_name, san);

  check(X509_sign(cert.get(), key.get(), EVP_sha256()), "X509_sign");

  certificate out;
  {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert.get()), "PEM_write_bio_X509");
    out.cert_pem = bio_string(bio.get());
  }
  {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
          "PEM_write_bio_PrivateKey");
    out.key_pem = bio_string(bio.get());
  }
  return out;
}

}  // namespace gemini::emulator
