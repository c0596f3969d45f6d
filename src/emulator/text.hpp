// Small ASCII helpers for header values and request fields, shared by the emulator's sources.
#pragma once
#include <string>
#include <string_view>

namespace gemini::emulator::detail {

/// `s` in lower case (ASCII only: header names and enum values are ASCII).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

/// `s` without leading and trailing spaces and tabs.
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace gemini::emulator::detail
