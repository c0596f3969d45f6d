// Test certificates for the Interactions API emulator.
#pragma once

#include <string>
#include <vector>

namespace gemini::emulator {

/// A PEM certificate and its PEM private key.
struct certificate {
  std::string cert_pem;  ///< the X.509 certificate (what a client trusts)
  std::string key_pem;   ///< the private key (PKCS#8); never hand this to a client
};

/// Makes a self-signed X.509 v3 certificate with an EC P-256 key (OpenSSL 3).
///
/// Every entry of `names` becomes a subjectAltName: IP literals (v4 or v6) become IP entries,
/// anything else a DNS entry. The subject CN is the first name. When `expired` is true the
/// certificate's validity window lies entirely in the past (for client rejection tests).
/// Throws std::runtime_error when OpenSSL fails.
certificate make_self_signed_certificate(std::vector<std::string> names = {"localhost", "127.0.0.1"},
                                         bool expired = false);

}  // namespace gemini::emulator
