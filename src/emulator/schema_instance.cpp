// Structured output of the fake model: a deterministic instance of the JSON Schema a request
// asks for (docs/emulator.md, "Structured output"). Raw Boost.JSON, like the rest of the emulator.
#include "emulator/service.hpp"
#include "emulator/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace gemini::emulator::detail {

namespace {

api_error schema_error(const std::string& path, const std::string& message) {
  return api_error{400, "invalid_request", "response_format.schema" + path + ": " + message};
}

constexpr const char* words[] = {"amber", "birch",  "cobalt", "delta", "ember", "fjord", "granite", "harbor",
                                 "indigo", "juniper", "kestrel", "lumen", "meadow", "nimbus", "orchid", "pebble"};

/// Past this depth objects get only their required properties and arrays their minItems, so
/// that recursive schemas ($ref) end.
constexpr int shallow_depth = 6;
constexpr int max_depth = 48;
/// More values than this in one answer: the schema is "overly complex" (spec 7.2), not a hang.
constexpr std::size_t max_values = 100000;
/// Nor more text than this, strings, keys and the path each value is generated at counted: the
/// count of values alone let a few hundred bytes of schema ask for gigabytes (long minLength
/// strings or a long `const` in arrays of arrays, or a long property name above them, which
/// every value below it repeats in its path).
constexpr std::size_t max_text_bytes = 16u << 20;

class generator {
 public:
  generator(const json::value& root, std::uint32_t seed) : root_(root), seed_(seed) {}

  json::value instance(const json::value& schema, const std::string& path, int depth) {
    if (depth > max_depth) throw schema_error(path, "the schema is nested too deeply (or recursive without an end)");
    if (++values_ > max_values)
      throw schema_error(path, "the schema is too complex: an instance would exceed " + std::to_string(max_values) +
                                   " values");
    count_text(path.size(), path);
    if (schema.is_bool()) {
      if (!schema.get_bool()) throw schema_error(path, "the schema `false` admits no value");
      return charged(string_instance({}, path), path);
    }
    if (!schema.is_object()) throw schema_error(path, "a schema must be an object");
    const auto& s = schema.get_object();

    if (const auto* ref = s.if_contains("$ref")) return instance(resolve(*ref, path), path, depth + 1);
    if (const auto* c = s.if_contains("const")) return charged(*c, path);
    if (const auto* e = s.if_contains("enum")) {
      if (!e->is_array() || e->get_array().empty()) throw schema_error(path, "`enum` must be a non-empty array");
      const auto& values = e->get_array();
      return charged(values[hash(path, "enum") % values.size()], path);
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (const auto* alts = s.if_contains(key)) {
        if (!alts->is_array() || alts->get_array().empty())
          throw schema_error(path, std::string("`") + key + "` must be a non-empty array");
        const auto& a = alts->get_array();
        return instance(a[hash(path, key) % a.size()], path, depth + 1);
      }
    }
    if (const auto* all = s.if_contains("allOf")) return instance(merge_all_of(s, *all, path), path, depth + 1);

    std::string type;
    if (const auto* t = s.if_contains("type")) {
      if (t->is_string()) {
        type = ascii_lower(t->get_string());
      } else if (t->is_array() && !t->get_array().empty()) {
        const auto& types = t->get_array();
        const auto& pick = types[hash(path, "type") % types.size()];
        if (!pick.is_string()) throw schema_error(path, "`type` entries must be strings");
        type = ascii_lower(pick.get_string());
      } else {
        throw schema_error(path, "`type` must be a string or a non-empty array of strings");
      }
    } else if (s.contains("properties") || s.contains("required")) {
      type = "object";
    } else if (s.contains("items")) {
      type = "array";
    } else {
      type = "string";
    }
    if (const auto* n = s.if_contains("nullable"); n && n->is_bool() && n->get_bool() && hash(path, "null") % 3 == 0)
      return nullptr;

    if (type == "null") return nullptr;
    if (type == "boolean") return hash(path, "bool") % 2 == 0;
    if (type == "integer") return integer_instance(s, path);
    if (type == "number") return number_instance(s, path);
    if (type == "string") return charged(string_instance(s, path), path);
    if (type == "array") return array_instance(s, path, depth);
    if (type == "object") return object_instance(s, path, depth);
    throw schema_error(path, "unsupported type '" + type + "'");
  }

 private:
  /// `v`, its text counted against max_text_bytes (strings and keys: what can be long).
  json::value charged(json::value v, const std::string& path) {
    count_text(v, path);
    return v;
  }
  void count_text(const json::value& v, const std::string& path) {
    if (v.is_string()) count_text(v.get_string().size(), path);
    else if (v.is_array())
      for (const auto& e : v.get_array()) count_text(e, path);
    else if (v.is_object())
      for (const auto& kv : v.get_object()) {
        count_text(kv.key().size(), path);
        count_text(kv.value(), path);
      }
  }
  void count_text(std::size_t bytes, const std::string& path) {
    text_bytes_ += bytes;
    if (text_bytes_ > max_text_bytes)
      throw schema_error(path, "the schema is too complex: an instance would exceed " +
                                   std::to_string(max_text_bytes >> 20) + " MiB of text");
  }

  std::uint32_t hash(const std::string& path, std::string_view salt) const {
    std::uint32_t h = 2166136261u;  // FNV-1a over seed, path and salt
    auto mix = [&](unsigned char c) {
      h ^= c;
      h *= 16777619u;
    };
    for (int i = 0; i < 4; ++i) mix(static_cast<unsigned char>(seed_ >> (8 * i)));
    for (unsigned char c : path) mix(c);
    mix(0x1f);
    for (unsigned char c : salt) mix(c);
    h ^= h >> 16;  // finalizer: FNV's low bits alone are weak for `% 2`
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
  }

  const json::value& resolve(const json::value& ref, const std::string& path) const {
    if (!ref.is_string()) throw schema_error(path, "`$ref` must be a string");
    std::string_view r = ref.get_string();
    if (!r.starts_with("#")) throw schema_error(path, "only local `$ref`s (#/...) are supported");
    r.remove_prefix(1);
    boost::system::error_code ec;
    const json::value* target = root_.find_pointer(r, ec);
    if (!target || ec) throw schema_error(path, "`$ref` " + std::string(ref.get_string()) + " points nowhere");
    return *target;
  }

  /// allOf as one schema: the members of every part, properties merged, required lists joined.
  json::value merge_all_of(const json::object& s, const json::value& all, const std::string& path) const {
    if (!all.is_array()) throw schema_error(path, "`allOf` must be an array");
    json::object merged;
    json::object props;
    json::array required;
    auto take = [&](const json::object& part) {
      for (const auto& kv : part) {
        if (kv.key() == "allOf") continue;
        if (kv.key() == "properties" && kv.value().is_object()) {
          for (const auto& p : kv.value().get_object()) props[p.key()] = p.value();
        } else if (kv.key() == "required" && kv.value().is_array()) {
          for (const auto& n : kv.value().get_array()) required.push_back(n);
        } else {
          merged[kv.key()] = kv.value();
        }
      }
    };
    take(s);
    for (const auto& part : all.get_array()) {
      if (!part.is_object()) throw schema_error(path, "`allOf` entries must be objects");
      if (const auto* ref = part.get_object().if_contains("$ref")) {
        const json::value& target = resolve(*ref, path);
        if (!target.is_object()) throw schema_error(path, "`allOf` entries must be objects");
        take(target.get_object());
      } else {
        take(part.get_object());
      }
    }
    if (!props.empty()) merged["properties"] = std::move(props);
    if (!required.empty()) merged["required"] = std::move(required);
    return merged;
  }

  static std::optional<double> number_member(const json::object& s, std::string_view key) {
    const auto* v = s.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
  }

  /// [lo, hi] from minimum / maximum / exclusiveMinimum / exclusiveMaximum (numbers, or the
  /// draft-4 booleans), `step` apart for exclusive bounds.
  static std::pair<std::optional<double>, std::optional<double>> bounds(const json::object& s, double step) {
    auto lo = number_member(s, "minimum");
    auto hi = number_member(s, "maximum");
    auto flag = [&](std::string_view key) {
      const auto* v = s.if_contains(key);
      return v && v->is_bool() && v->get_bool();
    };
    if (lo && flag("exclusiveMinimum")) *lo += step;
    if (hi && flag("exclusiveMaximum")) *hi -= step;
    if (auto x = number_member(s, "exclusiveMinimum")) lo = std::max(lo.value_or(*x + step), *x + step);
    if (auto x = number_member(s, "exclusiveMaximum")) hi = std::min(hi.value_or(*x - step), *x - step);
    return {lo, hi};
  }

  json::value integer_instance(const json::object& s, const std::string& path) const {
    auto [lo_d, hi_d] = bounds(s, 1);
    constexpr double limit = 9.0e15;  // exactly representable, far from overflow
    double lo = lo_d ? std::ceil(*lo_d) : (hi_d ? std::floor(*hi_d) - 100 : 0);
    double hi = hi_d ? std::floor(*hi_d) : lo + 100;
    lo = std::clamp(lo, -limit, limit);
    hi = std::clamp(hi, -limit, limit);
    std::int64_t step = 1;
    if (auto m = number_member(s, "multipleOf"); m && *m >= 1 && std::floor(*m) == *m) {
      if (*m > limit) {  // no int64 to hold it: of the multiples in range, only 0 is left
        if (lo <= 0 && 0 <= hi) return 0;
        throw schema_error(path, "no integer satisfies its bounds");
      }
      step = static_cast<std::int64_t>(*m);
    }
    const auto first = static_cast<std::int64_t>(std::ceil(lo / static_cast<double>(step)));
    const auto last = static_cast<std::int64_t>(std::floor(hi / static_cast<double>(step)));
    if (first > last) throw schema_error(path, "no integer satisfies its bounds");
    const auto span = static_cast<std::uint64_t>(std::min<std::int64_t>(last - first, 1000000));
    return (first + static_cast<std::int64_t>(hash(path, "int") % (span + 1))) * step;
  }

  json::value number_instance(const json::object& s, const std::string& path) const {
    auto [lo_d, hi_d] = bounds(s, 0.01);
    const double lo = lo_d ? *lo_d : (hi_d ? *hi_d - 100 : 0);
    const double hi = hi_d ? *hi_d : lo + 100;
    if (lo > hi) throw schema_error(path, "no number satisfies its bounds");
    // Whole cents when the range has room for them (what a model writes), else the midpoint.
    const double first = std::ceil(lo * 100), last = std::floor(hi * 100);
    if (first > last || last - first > 1e15) return lo + (hi - lo) / 2;
    const auto span = static_cast<std::uint64_t>(std::min(last - first, 1e6));
    return (first + static_cast<double>(hash(path, "num") % (span + 1))) / 100;
  }

  json::value string_instance(const json::object& s, const std::string& path) const {
    const std::uint32_t h = hash(path, "str");
    auto two = [](unsigned v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    const std::string date = "2026-" + two(1 + h % 12) + "-" + two(1 + (h >> 4) % 28);
    const std::string time = two((h >> 9) % 24) + ":" + two((h >> 14) % 60) + ":" + two((h >> 20) % 60);
    const std::string tag = hex32(h).substr(0, 4);
    std::string out;
    const auto* f = s.if_contains("format");
    const std::string format = f && f->is_string() ? std::string(f->get_string()) : std::string();
    if (format == "date-time") out = date + "T" + time + "Z";
    else if (format == "date") out = date;
    else if (format == "time") out = time;
    else if (format == "email") out = "user." + tag + "@example.com";
    else if (format == "uri" || format == "url") out = "https://example.com/" + tag;
    else if (format == "hostname") out = "host-" + tag + ".example.com";
    else if (format == "ipv4") out = "192.0.2." + std::to_string(1 + h % 254);
    else if (format == "ipv6") out = "2001:db8::" + tag;
    else if (format == "duration") out = "PT" + std::to_string(1 + h % 59) + "M";
    else if (format == "uuid") {
      const std::string a = hex32(h), b = hex32(hash(path, "uuid"));
      out = a + "-" + b.substr(0, 4) + "-4" + b.substr(4, 3) + "-8" + a.substr(0, 3) + "-" + b + a.substr(4, 4);
    } else {
      // One to three words and a tag: single spaces only, so that word counts and truncation
      // (max_output_tokens) keep the text byte for byte.
      const unsigned n = 1 + (h >> 8) % 3;
      for (unsigned i = 0; i < n; ++i) {
        out += words[(h >> (12 + 4 * i)) % std::size(words)];
        out += ' ';
      }
      out += tag;
    }
    if (const auto* m = s.if_contains("maxLength"); m && m->is_number()) {
      const auto n = m->to_number<double>();
      if (n >= 0 && out.size() > n) out.resize(static_cast<std::size_t>(n));
    }
    if (const auto* m = s.if_contains("minLength"); m && m->is_number()) {
      const auto n = std::min(m->to_number<double>(), 100000.0);
      while (out.size() < n) out += 'x';
    }
    return json::string(out);
  }

  json::value array_instance(const json::object& s, const std::string& path, int depth) {
    auto count_member = [&](std::string_view key) -> std::optional<std::size_t> {
      auto v = number_member(s, key);
      if (!v) return std::nullopt;
      if (*v < 0 || *v > 10000) throw schema_error(path, "`" + std::string(key) + "` out of range");
      return static_cast<std::size_t>(*v);
    };
    const std::size_t min = count_member("minItems").value_or(0);
    const std::size_t max = count_member("maxItems").value_or(min + 3);
    if (min > max) throw schema_error(path, "minItems is larger than maxItems");
    const std::size_t n = depth >= shallow_depth ? min : min + hash(path, "len") % (max - min + 1);
    static const json::value any = json::object{};
    const json::value* items = s.if_contains("items");
    json::array out;
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(instance(items ? *items : any, path + "[" + std::to_string(i) + "]", depth + 1));
    return out;
  }

  json::value object_instance(const json::object& s, const std::string& path, int depth) {
    static const json::object no_properties;
    const auto* p = s.if_contains("properties");
    if (p && !p->is_object()) throw schema_error(path, "`properties` must be an object");
    const json::object& props = p ? p->get_object() : no_properties;
    std::vector<std::string> required;
    if (const auto* r = s.if_contains("required")) {
      if (!r->is_array()) throw schema_error(path, "`required` must be an array");
      for (const auto& n : r->get_array()) {
        if (!n.is_string()) throw schema_error(path, "`required` entries must be strings");
        required.emplace_back(n.get_string());
      }
    }
    // Key order: propertyOrdering (Gemini's extension) first, then the properties, then required
    // names the properties do not describe.
    std::vector<std::string> order;
    auto add = [&](std::string_view k) {
      if (std::find(order.begin(), order.end(), k) == order.end()) order.emplace_back(k);
    };
    if (const auto* po = s.if_contains("propertyOrdering"); po && po->is_array())
      for (const auto& k : po->get_array())
        if (k.is_string() && props.contains(k.get_string())) add(k.get_string());
    for (const auto& kv : props) add(kv.key());
    for (const auto& r : required) add(r);

    json::object out;
    static const json::value any = json::object{};
    for (const auto& key : order) {
      const bool is_required = std::find(required.begin(), required.end(), key) != required.end();
      const std::string here = path + "." + key;
      // Optional properties: present or absent by hash, so that a series of answers shows both.
      if (!is_required && (depth >= shallow_depth || hash(here, "present") % 2 != 0)) continue;
      const json::value* sub = props.if_contains(key);
      out[key] = instance(sub ? *sub : any, here, depth + 1);
    }
    return out;
  }

  const json::value& root_;
  std::uint32_t seed_;
  std::size_t values_ = 0;
  std::size_t text_bytes_ = 0;
};

void text_into(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ", ";
        first = false;
        out += json::serialize(json::string(kv.key()));
        out += ": ";
        text_into(kv.value(), out);
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ", ";
        first = false;
        text_into(e, out);
      }
      out += ']';
      break;
    }
    case json::kind::double_: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
      out.append(buf, r.ptr);
      break;
    }
    default: out += json::serialize(v);
  }
}

}  // namespace

json::value schema_instance(const json::value& schema, std::uint32_t seed) {
  generator g(schema, seed);
  return g.instance(schema, "", 0);
}

std::string model_json_text(const json::value& v) {
  std::string out;
  text_into(v, out);
  return out;
}

std::optional<json::value> structured_output_schema(const json::object& request) {
  static const std::set<std::string_view> format_types = {"text", "image", "audio", "video"};
  const json::value* rf = request.if_contains("response_format");
  const auto* mime = request.if_contains("response_mime_type");
  const bool legacy_json = mime && mime->is_string() && mime->get_string() == "application/json";
  auto type_of = [](const json::object& o) -> std::string_view {
    const auto* t = o.if_contains("type");
    return t && t->is_string() ? std::string_view(t->get_string()) : std::string_view();
  };
  auto check = [](const json::value& schema) {
    if (!schema.is_object() && !schema.is_bool())
      throw api_error{400, "invalid_request", "response_format.schema must be an object."};
    return schema;
  };
  std::vector<const json::object*> formats;
  if (rf && rf->is_object()) formats.push_back(&rf->get_object());
  if (rf && rf->is_array())
    for (const auto& f : rf->get_array())
      if (f.is_object()) formats.push_back(&f.get_object());
  for (const auto* f : formats) {
    if (type_of(*f) != "text") continue;
    const auto* m = f->if_contains("mime_type");
    if (!(m && m->is_string() && m->get_string() == "application/json") && !legacy_json) continue;
    if (const auto* schema = f->if_contains("schema")) return check(*schema);
    return json::value(json::object{});
  }
  if (legacy_json) {
    // A bare JSON Schema as response_format (the SDKs' legacy form).
    if (rf && rf->is_object() && !format_types.count(type_of(rf->get_object()))) return *rf;
    return json::value(json::object{});
  }
  return std::nullopt;
}

structured_answer structured_output(const json::value& schema, std::uint32_t digest,
                                    std::optional<std::int64_t> max_output_tokens) {
  structured_answer a;
  a.text = model_json_text(schema_instance(schema, digest));
  a.tokens = count_words(a.text);
  if (max_output_tokens && *max_output_tokens >= 0 && a.tokens > static_cast<std::size_t>(*max_output_tokens)) {
    // Cut after the allowed number of words, byte for byte: the JSON is then unfinished, as a
    // real model's would be.
    std::size_t words_seen = 0, i = 0;
    bool in_word = false;
    for (; i < a.text.size(); ++i) {
      const bool space = a.text[i] == ' ';
      if (!space && !in_word && words_seen++ == static_cast<std::size_t>(*max_output_tokens)) break;
      in_word = !space;
    }
    a.text.resize(i);
    while (!a.text.empty() && a.text.back() == ' ') a.text.pop_back();
    a.tokens = static_cast<std::size_t>(*max_output_tokens);
    a.truncated = true;
  }
  return a;
}

}  // namespace gemini::emulator::detail
