#pragma once
// JSON text appended to a string without building a DOM, equal byte for byte to what
// json::serialize writes for the same values (resource.cpp's answers, service.cpp's text deltas).

#include <boost/json/serializer.hpp>

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>

namespace gemini::emulator::detail {

/// Appends JSON text to a string. Values go through Boost.JSON's serializer, so strings are
/// escaped exactly as json::serialize escapes them: the text equals the DOM's serialization.
class json_writer {
 public:
  explicit json_writer(std::string& out) : out_(out) {}

  void raw(std::string_view s) { out_.append(s); }
  void string(std::string_view s) {
    sr_.reset(s);
    drain();
  }
  template <class Json>  // json::value, array or object: serialized where it is, never copied
  void value(const Json& v) {
    sr_.reset(&v);
    drain();
  }
  void number(std::size_t n) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    out_.append(buf, end);
  }
  /// `,"key":`
  void key(std::string_view k) {
    out_ += ',';
    string(k);
    out_ += ':';
  }

 private:
  void drain() {
    // Through a buffer of its own: writing into the string's spare capacity would zero-fill that
    // capacity first, for every value (a GET of a long conversation writes many small ones).
    char buf[4096];
    while (!sr_.done()) out_.append(sr_.read(buf, sizeof buf));
  }

  std::string& out_;
  boost::json::serializer sr_;
};

}  // namespace gemini::emulator::detail
