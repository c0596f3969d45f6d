// Structured output of the fake model: every answer is a valid, deterministic instance of the
// requested schema (checked by an independent validator), with optional parts both present and
// absent across answers; and the request forms that ask for it.
#include "common/json_schema_check.hpp"
#include "emulator/service.hpp"
#include "emulator/test_client.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace emu_test;
namespace emu = gemini::emulator;
namespace d = gemini::emulator::detail;
using gemini::test::schema_violation;

namespace {

const char* const schemas[] = {
    R"({"type": "string"})",
    R"({"type": "integer", "minimum": -5, "maximum": 5})",
    R"({"type": "integer", "exclusiveMinimum": 10, "multipleOf": 7})",
    R"({"type": "number", "minimum": 0.5, "exclusiveMaximum": 0.75})",
    R"({"type": "number"})",
    R"({"type": "boolean"})",
    R"({"type": "null"})",
    R"({"type": ["string", "null"]})",
    R"({"type": "STRING", "nullable": true, "enum": ["a", "b c", "d"]})",
    R"({"const": {"fixed": [1, 2]}})",
    R"({"enum": [1, "two", null, {"three": 3}]})",
    R"({"type": "string", "format": "date-time"})",
    R"({"type": "string", "format": "date"})",
    R"({"type": "string", "format": "time"})",
    R"({"type": "string", "format": "email"})",
    R"({"type": "string", "format": "uri"})",
    R"({"type": "string", "format": "uuid"})",
    R"({"type": "string", "format": "ipv4"})",
    R"({"type": "string", "minLength": 30})",
    R"({"type": "string", "maxLength": 3})",
    R"({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 4})",
    R"({"type": "array", "items": {"type": "string"}, "maxItems": 0})",
    R"({"type": "array", "minItems": 1})",
    R"({"anyOf": [{"type": "integer"}, {"type": "string", "format": "date"}, {"type": "null"}]})",
    R"({"oneOf": [{"type": "boolean"}, {"type": "array", "items": {"type": "number"}}]})",
    R"({"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                  {"properties": {"b": {"type": "string"}}, "required": ["b"]}]})",
    R"({"type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "when": {"type": "string", "format": "date-time"},
            "lines": {"type": "array", "minItems": 1, "maxItems": 3,
                      "items": {"type": "object",
                                "properties": {"sku": {"type": "string"},
                                               "qty": {"type": "integer", "minimum": 1, "maximum": 9},
                                               "note": {"type": ["string", "null"]},
                                               "colour": {"type": "string", "enum": ["red", "green"]}},
                                "required": ["sku", "qty"],
                                "additionalProperties": false}},
            "gift": {"type": "boolean"},
            "box": {"anyOf": [{"type": "object", "properties": {"w": {"type": "number"}}, "required": ["w"]},
                              {"type": "null"}]}
        },
        "required": ["id", "lines"],
        "propertyOrdering": ["lines", "id"],
        "additionalProperties": false})",
    R"({"$defs": {"node": {"type": "object",
                          "properties": {"name": {"type": "string"},
                                         "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                          "required": ["name"]}},
        "$ref": "#/$defs/node"})",
    R"({})",
    R"(true)",
};

json::value instance(std::string_view schema, std::uint32_t seed) {
  return d::schema_instance(json::parse(schema), seed);
}

std::string error_of(std::string_view schema) {
  try {
    (void)instance(schema, 1);
  } catch (const d::api_error& e) {
    BOOST_TEST(e.status == 400u);
    BOOST_TEST(e.code == "invalid_request");
    return e.message;
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_structured_output)

BOOST_AUTO_TEST_CASE(instances_validate_and_are_deterministic) {
  for (std::string_view text : schemas) {
    const json::value schema = json::parse(text);
    std::set<std::string> distinct;
    for (std::uint32_t seed = 0; seed < 64; ++seed) {
      const json::value v = d::schema_instance(schema, seed * 2654435761u);
      BOOST_TEST_CONTEXT("schema " << text << ", seed " << seed << ", instance " << json::serialize(v)) {
        BOOST_TEST(schema_violation(v, schema) == "");
        BOOST_TEST(v == d::schema_instance(schema, seed * 2654435761u));
        // The text is the instance, as JSON a model writes (a whole double reads back as an
        // integer, hence the comparison of texts).
        const std::string text_form = d::model_json_text(v);
        BOOST_TEST(d::model_json_text(json::parse(text_form)) == text_form);
        BOOST_TEST(schema_violation(json::parse(text_form), schema) == "");
      }
      distinct.insert(json::serialize(v));
    }
    // Every schema that admits more than one value gets several across seeds.
    const bool single = text.find("const") != std::string_view::npos || text == R"({"type": "null"})" ||
                        text.find("maxItems\": 0") != std::string_view::npos;
    if (!single) BOOST_TEST(distinct.size() > 1u, text << " gave " << distinct.size() << " distinct instances");
  }
}

BOOST_AUTO_TEST_CASE(the_validator_rejects_what_it_should) {
  // The checks above are only as good as the validator: it must see each kind of violation.
  auto violation = [](std::string_view instance, std::string_view schema) {
    return schema_violation(json::parse(instance), json::parse(schema));
  };
  BOOST_TEST(violation("5", R"({"type": "string"})") == R"($: 5 is not of type "string")");
  BOOST_TEST(violation("2.5", R"({"type": "integer"})") != "");
  BOOST_TEST(violation("null", R"({"type": ["string", "null"]})") == "");
  BOOST_TEST(violation(R"({"a": 1})", R"({"type": "object", "required": ["a", "b"]})") == "$: missing required b");
  BOOST_TEST(violation(R"({"a": 1, "z": 2})", R"({"properties": {"a": {}}, "additionalProperties": false})") ==
             "$.z: not an allowed property");
  BOOST_TEST(violation(R"({"a": [1, "x"]})", R"({"properties": {"a": {"items": {"type": "integer"}}}})") ==
             R"($.a[1]: "x" is not of type "integer")");
  BOOST_TEST(violation(R"("teal")", R"({"enum": ["red"]})") != "");
  BOOST_TEST(violation("[1]", R"({"minItems": 2})") != "");
  BOOST_TEST(violation("[1, 2, 3]", R"({"maxItems": 2})") != "");
  BOOST_TEST(violation("11", R"({"maximum": 10})") != "");
  BOOST_TEST(violation("10", R"({"exclusiveMaximum": 10})") != "");
  BOOST_TEST(violation("9", R"({"multipleOf": 7})") != "");
  BOOST_TEST(violation(R"("2026-13-01T00:00:00Z")", R"({"format": "date-time"})") != "");
  BOOST_TEST(violation(R"("ab")", R"({"minLength": 3})") != "");
  BOOST_TEST(violation("true", R"({"anyOf": [{"type": "string"}, {"type": "null"}]})") != "");
  BOOST_TEST(violation("1", R"({"oneOf": [{"type": "integer"}, {"type": "number"}]})") != "");
  BOOST_TEST(violation("2", R"({"const": 1})") != "");
}

BOOST_AUTO_TEST_CASE(optional_parts_are_sometimes_present_and_sometimes_absent) {
  const json::value schema = json::parse(schemas[26]);
  std::map<std::string, int> present;
  std::set<std::size_t> line_counts;
  std::set<std::string> box_kinds, note_kinds;
  const int n = 64;
  int total_lines = 0;
  for (std::uint32_t seed = 0; seed < n; ++seed) {
    const json::value v = d::schema_instance(schema, seed * 2654435761u);
    const auto& o = v.as_object();
    for (auto key : {"gift", "box", "when"}) present[key] += o.contains(key);
    // propertyOrdering first, then the other properties in order.
    BOOST_TEST(o.begin()->key() == "lines");
    BOOST_TEST((o.begin() + 1)->key() == "id");
    line_counts.insert(o.at("lines").as_array().size());
    total_lines += static_cast<int>(o.at("lines").as_array().size());
    for (const auto& line : o.at("lines").as_array()) {
      present["note"] += line.as_object().contains("note");
      if (const auto* note = line.as_object().if_contains("note")) note_kinds.insert(note->is_null() ? "null" : "string");
    }
    if (const auto* box = o.if_contains("box")) box_kinds.insert(box->is_null() ? "null" : "object");
  }
  for (const auto& [key, count] : present) {
    BOOST_TEST(count > 0, key << " never present");
    BOOST_TEST(count < (key == std::string("note") ? total_lines : n), key << " always present");
  }
  BOOST_TEST((line_counts == std::set<std::size_t>{1, 2, 3}));
  BOOST_TEST(box_kinds.size() == 2u);
  BOOST_TEST(note_kinds.size() == 2u);
}

BOOST_AUTO_TEST_CASE(unsupported_or_unsatisfiable_schemas_are_400) {
  BOOST_TEST(error_of(R"({"type": "tuple"})") == "response_format.schema: unsupported type 'tuple'");
  BOOST_TEST(error_of(R"({"type": "object", "properties": {"a": {"type": 5}}, "required": ["a"]})") ==
             "response_format.schema.a: `type` must be a string or a non-empty array of strings");
  BOOST_TEST(error_of(R"({"enum": []})") == "response_format.schema: `enum` must be a non-empty array");
  BOOST_TEST(error_of(R"({"type": "array", "minItems": 3, "maxItems": 2})") ==
             "response_format.schema: minItems is larger than maxItems");
  BOOST_TEST(error_of(R"({"type": "integer", "minimum": 1.5, "maximum": 1.7})") ==
             "response_format.schema: no integer satisfies its bounds");
  BOOST_TEST(error_of(R"(false)") == "response_format.schema: the schema `false` admits no value");
  BOOST_TEST(error_of(R"({"$ref": "#/$defs/missing"})") == "response_format.schema: `$ref` #/$defs/missing points nowhere");
  BOOST_TEST(error_of(R"({"$ref": "#"})").find("nested too deeply") != std::string::npos);
  BOOST_TEST(error_of(R"({"type": "array", "minItems": 1000, "items": {"type": "array", "minItems": 1000}})")
                 .ends_with(": the schema is too complex: an instance would exceed 100000 values"));
  BOOST_TEST(error_of(R"({"type": "array", "minItems": 1, "items": 3})") ==
             "response_format.schema[0]: a schema must be an object");
  // Few values, long ones: 80,000 strings of 100,000 characters asked gigabytes of memory.
  BOOST_TEST(error_of(R"({"type": "array", "minItems": 10000, "maxItems": 10000, "items": {"type": "array",
                          "minItems": 8, "maxItems": 8, "items": {"type": "string", "minLength": 100000}}})")
                 .ends_with(": the schema is too complex: an instance would exceed 16 MiB of text"));
  const std::string long_const = R"({"type": "array", "minItems": 10000, "maxItems": 10000, "items": {"const": ")" +
                                 std::string(4000, 'c') + R"("}})";
  BOOST_TEST(error_of(long_const).ends_with("MiB of text"));
  // A long property name: every value below it repeats it in its path.
  const std::string long_key = R"({"type": "object", "required": [")" + std::string(100000, 'k') +
                               R"("], "properties": {")" + std::string(100000, 'k') +
                               R"(": {"type": "array", "minItems": 10000, "maxItems": 10000, "items": {"type": "integer"}}}})";
  BOOST_TEST(error_of(long_key).ends_with("MiB of text"));
  // A $ref in allOf to what is not a schema object (a 500 before, which clients retry).
  BOOST_TEST(error_of(R"({"allOf": [{"$ref": "#/x"}], "x": true})") ==
             "response_format.schema: `allOf` entries must be objects");
}

BOOST_AUTO_TEST_CASE(a_multiple_of_beyond_int64_leaves_zero) {
  // Converted to an int64 before (undefined behaviour, which UBSan reports).
  BOOST_TEST(instance(R"({"type": "integer", "multipleOf": 1e300})", 1) == json::value(0));
  BOOST_TEST(instance(R"({"type": "integer", "multipleOf": 1e300, "minimum": -4, "maximum": 4})", 7) == json::value(0));
  BOOST_TEST(error_of(R"({"type": "integer", "multipleOf": 1e300, "minimum": 1})") ==
             "response_format.schema: no integer satisfies its bounds");
}

BOOST_AUTO_TEST_CASE(which_requests_ask_for_json) {
  auto schema_of = [](std::string_view request) { return d::structured_output_schema(json::parse(request).as_object()); };
  const json::value s = json::parse(R"({"type": "integer"})");
  BOOST_TEST(!schema_of(R"({"model": "m", "input": "hi"})").has_value());
  BOOST_TEST(!schema_of(R"({"response_format": {"type": "text", "mime_type": "text/plain"}})").has_value());
  BOOST_TEST(!schema_of(R"({"response_format": {"type": "image", "mime_type": "image/jpeg"}})").has_value());
  BOOST_TEST((schema_of(R"({"response_format": {"type": "text", "mime_type": "application/json",
                                               "schema": {"type": "integer"}}})") == s));
  BOOST_TEST((schema_of(R"({"response_format": [{"type": "image"},
                           {"type": "text", "mime_type": "application/json", "schema": {"type": "integer"}}]})") == s));
  BOOST_TEST((schema_of(R"({"response_format": {"type": "text", "mime_type": "application/json"}})") ==
                json::value(json::object{})));
  // The deprecated forms: response_mime_type with a bare schema, or with a text format.
  BOOST_TEST((schema_of(R"({"response_mime_type": "application/json", "response_format": {"type": "integer"}})") == s));
  BOOST_TEST((schema_of(R"({"response_mime_type": "application/json",
                           "response_format": {"type": "text", "schema": {"type": "integer"}}})") == s));
  BOOST_TEST((schema_of(R"({"response_mime_type": "application/json"})") == json::value(json::object{})));
  BOOST_CHECK_THROW(schema_of(R"({"response_format": {"type": "text", "mime_type": "application/json", "schema": 3}})"),
                    d::api_error);
}

BOOST_AUTO_TEST_CASE(answers_over_https_unary_stream_and_truncated) {
  emu::server srv(emu::options{});
  client c(srv);
  const json::value schema = json::parse(schemas[26]);
  auto request = [&](std::string input) {
    json::object r = model_request(std::move(input));
    r["response_format"] = json::object{{"type", "text"}, {"mime_type", "application/json"}, {"schema", schema}};
    return r;
  };

  std::set<std::string> answers;
  for (int turn = 0; turn < 4; ++turn) {
    auto r = c.post("/v1beta/interactions", request("Order number " + std::to_string(turn)));
    BOOST_TEST_REQUIRE(r.status == 200u);
    const auto o = r.obj();
    BOOST_TEST(o.at("status").as_string() == "completed");
    const std::string text = output_text(o);
    BOOST_TEST(schema_violation(json::parse(text), schema) == "", text);
    answers.insert(text);
  }
  BOOST_TEST(answers.size() == 4u);  // different histories, different instances

  // The stream's text deltas concatenate to the unary answer of the same conversation.
  auto unary = c.post("/v1beta/interactions", request("Same question"));
  json::object streamed = request("Same question");
  streamed["stream"] = true;
  BOOST_TEST_REQUIRE(c.begin_stream_post("/v1beta/interactions", streamed) == 200u);
  std::string text;
  std::size_t deltas = 0;
  for (const auto& ev : c.read_events()) {
    if (ev.type() != "step.delta") continue;
    const auto delta = ev.obj().at("delta").as_object();
    if (delta.at("type").as_string() != "text") continue;
    text += std::string(delta.at("text").as_string());
    ++deltas;
  }
  BOOST_TEST(text == output_text(unary.obj()));
  BOOST_TEST(deltas > 1u);

  // max_output_tokens cuts the JSON like a real model's: incomplete, not parseable.
  json::object cut = request("Same question");
  cut["generation_config"] = json::object{{"max_output_tokens", 3}};
  auto r = c.post("/v1beta/interactions", cut);
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(r.obj().at("status").as_string() == "incomplete");
  const std::string partial = output_text(r.obj());
  BOOST_TEST(output_text(unary.obj()).starts_with(partial));
  boost::system::error_code ec;
  (void)json::parse(partial, ec);
  BOOST_TEST(ec.failed());
  BOOST_TEST(r.obj().at("usage").at("total_output_tokens").to_number<int>() == 3);

  // An unsupported schema is refused before anything is stored.
  json::object bad = model_request("x");
  bad["response_format"] =
      json::object{{"type", "text"}, {"mime_type", "application/json"}, {"schema", json::object{{"type", "tuple"}}}};
  auto refused = c.post("/v1beta/interactions", bad);
  BOOST_TEST(refused.status == 400u);
  BOOST_TEST(error_code_of(refused) == "invalid_request");
}

BOOST_AUTO_TEST_SUITE_END()
