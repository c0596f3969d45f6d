// Structured output: JSON Schemas generated from described C++ types, conversions between JSON
// and those types, and the errors that name the JSON path of the first mismatch.
#include <gemini/gemini.hpp>

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace json = boost::json;

namespace shop {

enum class colour { red, green, blue };
BOOST_DESCRIBE_ENUM(colour, red, green, blue)

struct dimensions
{
    double width = 0;
    double height = 0;
    friend bool operator==(const dimensions&, const dimensions&) = default;
};
BOOST_DESCRIBE_STRUCT(dimensions, (), (width, height))

struct item
{
    std::string name;
    int quantity = 0;
    double price = 0;
    std::optional<colour> shade;
    std::vector<std::string> tags;
    friend bool operator==(const item&, const item&) = default;
};
BOOST_DESCRIBE_STRUCT(item, (), (name, quantity, price, shade, tags))

struct order
{
    std::string id;
    std::vector<item> items;
    std::optional<dimensions> box;
    bool gift = false;
    std::uint16_t priority = 0;
    friend bool operator==(const order&, const order&) = default;
};
BOOST_DESCRIBE_STRUCT(order, (), (id, items, box, gift, priority))

struct fuzz_floats
{
    float width = 0;
    double height = 0;
};
BOOST_DESCRIBE_STRUCT(fuzz_floats, (), (width, height))

struct nothing
{
};
BOOST_DESCRIBE_STRUCT(nothing, (), ())

struct node
{
    std::string name;
    std::vector<node> children;
};
BOOST_DESCRIBE_STRUCT(node, (), (name, children))

struct base_fields
{
    std::string created_by;
};
BOOST_DESCRIBE_STRUCT(base_fields, (), (created_by))

struct derived : base_fields
{
    std::int64_t revision = 0;
};
BOOST_DESCRIBE_STRUCT(derived, (base_fields), (revision))

struct weather_args
{
    std::string city;
    std::optional<std::string> unit;
};
BOOST_DESCRIBE_STRUCT(weather_args, (), (city, unit))

} // namespace shop

template <>
struct gemini::schema_traits<shop::item>
{
    static constexpr std::string_view description = "One line of an order";
    static constexpr gemini::field_description fields[] = {
        {"price", "Unit price in euros"},
        {"tags", "Free-form labels"},
    };
};

template <>
struct gemini::schema_traits<shop::colour>
{
    static constexpr std::string_view description = "Colour of the item";
};

template <>
struct gemini::schema_traits<shop::order>
{
    static constexpr gemini::field_description fields[] = {{"box", "Outer box, when the order ships in one"}};
};

namespace {

/// Serialised, so that the comparison also checks the key order.
std::string schema_text(const json::object& schema) { return json::serialize(schema); }
std::string expected(std::string_view json_text) { return json::serialize(json::parse(json_text)); }

/// The library_message of the gemini::error that `fn` throws (checking its code), or "".
template <class Fn>
std::string mismatch(Fn fn)
{
    try
    {
        fn();
    }
    catch (const gemini::error& e)
    {
        BOOST_TEST(e.code() == gemini::errc::output_mismatch);
        BOOST_TEST(e.diag().operation == "parse");
        return e.diag().library_message;
    }
    return {};
}

template <class T>
std::string from_json_error(std::string_view json_text)
{
    return mismatch([&] { (void)gemini::from_json<T>(json::parse(json_text)); });
}

const char* const item_schema = R"({
    "type": "object", "description": "One line of an order",
    "properties": {
        "name": {"type": "string"},
        "quantity": {"type": "integer"},
        "price": {"type": "number", "description": "Unit price in euros"},
        "shade": {"type": "string", "description": "Colour of the item", "enum": ["red", "green", "blue"]},
        "tags": {"type": "array", "description": "Free-form labels", "items": {"type": "string"}}
    },
    "required": ["name", "quantity", "price", "tags"]})";

gemini::interaction interaction_with_text(std::string text, std::string status = "completed")
{
    json::object block{{"type", "text"}, {"text", text}};
    json::object step{{"type", "model_output"}, {"content", json::array{block}}};
    json::object i{{"id", "v1_struct"}, {"status", status}, {"steps", json::array{step}}};
    return gemini::parse_interaction(json::serialize(i));
}

} // namespace

BOOST_AUTO_TEST_SUITE(structured_output)

BOOST_AUTO_TEST_CASE(scalar_schemas)
{
    BOOST_TEST(schema_text(gemini::json_schema_of<int>()) == expected(R"({"type": "integer"})"));
    BOOST_TEST(schema_text(gemini::json_schema_of<std::int64_t>()) == expected(R"({"type": "integer"})"));
    BOOST_TEST(schema_text(gemini::json_schema_of<unsigned>()) == expected(R"({"type": "integer", "minimum": 0})"));
    // int8_t / uint8_t are small integers (char is refused at compile time).
    BOOST_TEST(schema_text(gemini::json_schema_of<std::uint8_t>()) == expected(R"({"type": "integer", "minimum": 0})"));
    BOOST_TEST(gemini::from_json<std::int8_t>(json::parse("-7")) == -7);
    BOOST_TEST(gemini::to_json(std::uint8_t{200}) == json::value(200));
    BOOST_TEST(schema_text(gemini::json_schema_of<float>()) == expected(R"({"type": "number"})"));
    BOOST_TEST(schema_text(gemini::json_schema_of<double>()) == expected(R"({"type": "number"})"));
    BOOST_TEST(schema_text(gemini::json_schema_of<bool>()) == expected(R"({"type": "boolean"})"));
    BOOST_TEST(schema_text(gemini::json_schema_of<std::string>()) == expected(R"({"type": "string"})"));
    BOOST_TEST(schema_text(gemini::json_schema_of<std::vector<double>>()) ==
               expected(R"({"type": "array", "items": {"type": "number"}})"));
    // Outside a struct, an optional is a value that may be null.
    BOOST_TEST(schema_text(gemini::json_schema_of<std::vector<std::optional<bool>>>()) ==
               expected(R"({"type": "array", "items": {"anyOf": [{"type": "boolean"}, {"type": "null"}]}})"));
}

BOOST_AUTO_TEST_CASE(enum_schema_lists_the_enumerator_names)
{
    BOOST_TEST(schema_text(gemini::json_schema_of<shop::colour>()) ==
               expected(R"({"type": "string", "description": "Colour of the item", "enum": ["red", "green", "blue"]})"));
}

BOOST_AUTO_TEST_CASE(struct_schema_with_descriptions)
{
    BOOST_TEST(schema_text(gemini::json_schema_of<shop::item>()) == expected(item_schema));
}

BOOST_AUTO_TEST_CASE(nested_struct_vector_and_optional)
{
    const std::string text = R"({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "items": {"type": "array", "items": )" + std::string(item_schema) + R"(},
            "box": {"type": "object", "description": "Outer box, when the order ships in one",
                    "properties": {"width": {"type": "number"}, "height": {"type": "number"}},
                    "required": ["width", "height"]},
            "gift": {"type": "boolean"},
            "priority": {"type": "integer", "minimum": 0}
        },
        "required": ["id", "items", "gift", "priority"]})";
    BOOST_TEST(schema_text(gemini::json_schema_of<shop::order>()) == expected(text));
}

BOOST_AUTO_TEST_CASE(empty_struct_has_no_required_list_and_bases_are_included)
{
    BOOST_TEST(schema_text(gemini::json_schema_of<shop::nothing>()) == expected(R"({"type": "object", "properties": {}})"));
    BOOST_TEST(schema_text(gemini::json_schema_of<shop::derived>()) ==
               expected(R"({"type": "object",
                            "properties": {"created_by": {"type": "string"}, "revision": {"type": "integer"}},
                            "required": ["created_by", "revision"]})"));
}

BOOST_AUTO_TEST_CASE(recursive_type_is_refused)
{
    BOOST_CHECK_THROW(gemini::json_schema_of<shop::node>(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(response_format_for_is_a_json_text_format)
{
    gemini::response_format rf = gemini::response_format_for<shop::item>();
    const auto* one = std::get_if<gemini::output_format>(&rf);
    BOOST_REQUIRE(one);
    const auto* text = one->get_if<gemini::text_format>();
    BOOST_REQUIRE(text);
    BOOST_TEST(text->mime_type.value_or("") == "application/json");
    BOOST_REQUIRE(text->schema.has_value());
    BOOST_TEST(json::serialize(*text->schema) == expected(item_schema));

    // On the wire, inside a request.
    gemini::request req{.model = "m", .input = "hi", .response_format = rf};
    const json::value wire = json::value_from(req);
    BOOST_TEST(json::serialize(wire.at("response_format")) ==
               expected(R"({"type": "text", "mime_type": "application/json", "schema": )" + std::string(item_schema) +
                        "}"));
}

BOOST_AUTO_TEST_CASE(function_tool_for_declares_the_arguments_schema)
{
    gemini::tool t = gemini::function_tool_for<shop::weather_args>("get_weather", "Current weather for a city");
    const auto* f = t.get_if<gemini::function_tool>();
    BOOST_REQUIRE(f);
    BOOST_TEST(f->name == "get_weather");
    BOOST_TEST(f->description.value_or("") == "Current weather for a city");
    BOOST_REQUIRE(f->parameters.has_value());
    BOOST_TEST(json::serialize(*f->parameters) ==
               expected(R"({"type": "object",
                            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                            "required": ["city"]})"));
}

BOOST_AUTO_TEST_CASE(from_json_and_to_json_round_trip)
{
    const auto o = gemini::from_json<shop::order>(json::parse(R"({
        "id": "A-1", "gift": true, "priority": 3, "unknown": [1, 2],
        "items": [{"name": "pen", "quantity": 2.0, "price": 1, "shade": "blue", "tags": ["office"]},
                  {"name": "ink", "quantity": 1, "price": 4.5, "shade": null, "tags": []}]})"));
    BOOST_TEST(o.id == "A-1");
    BOOST_TEST(o.gift);
    BOOST_TEST(o.priority == 3u);
    BOOST_TEST(!o.box.has_value());
    BOOST_REQUIRE(o.items.size() == 2u);
    BOOST_TEST(o.items[0].quantity == 2);
    BOOST_TEST(o.items[0].price == 1.0);
    BOOST_TEST((o.items[0].shade == shop::colour::blue));
    BOOST_TEST((o.items[0].tags == std::vector<std::string>{"office"}));
    BOOST_TEST(!o.items[1].shade.has_value());

    const json::value back = gemini::to_json(o);
    BOOST_TEST(json::serialize(back) ==
               expected(R"({"id": "A-1",
                            "items": [{"name": "pen", "quantity": 2, "price": 1.0, "shade": "blue", "tags": ["office"]},
                                      {"name": "ink", "quantity": 1, "price": 4.5, "tags": []}],
                            "gift": true, "priority": 3})"));
    BOOST_TEST((gemini::from_json<shop::order>(back) == o));

    shop::order boxed = o;
    boxed.box = shop::dimensions{.width = 0.5, .height = 2};
    BOOST_TEST((gemini::from_json<shop::order>(gemini::to_json(boxed)) == boxed));
    BOOST_TEST(gemini::to_json(std::vector<std::optional<int>>{1, std::nullopt}) == json::parse("[1, null]"));
}

BOOST_AUTO_TEST_CASE(mismatches_name_the_json_path)
{
    const std::string good_item = R"({"name": "pen", "quantity": 1, "price": 1, "tags": []})";
    auto order_with = [&](std::string third_item) {
        return R"({"id": "A", "gift": false, "priority": 1, "items": [)" + good_item + "," + good_item + "," +
               third_item + "]}";
    };
    BOOST_TEST(from_json_error<shop::order>(order_with(R"({"name": "x", "quantity": 1, "price": "9.99", "tags": []})")) ==
               "$.items[2].price: expected a number, got a string");
    BOOST_TEST(from_json_error<shop::order>(order_with(R"({"quantity": 1, "price": 1, "tags": []})")) ==
               "$.items[2].name: missing required field");
    BOOST_TEST(from_json_error<shop::order>(order_with(R"({"name": "x", "quantity": 1, "price": 1, "tags": [], "shade": "teal"})")) ==
               R"($.items[2].shade: unknown enumerator "teal" (expected one of: red, green, blue))");
    BOOST_TEST(from_json_error<shop::order>(order_with(R"({"name": "x", "quantity": 2.5, "price": 1, "tags": []})")) ==
               "$.items[2].quantity: expected an integer, got 2.5");
    BOOST_TEST(from_json_error<shop::order>(order_with(R"({"name": null, "quantity": 1, "price": 1, "tags": []})")) ==
               "$.items[2].name: expected a string, got null");
    BOOST_TEST(from_json_error<shop::order>(order_with(R"({"name": "x", "quantity": 1, "price": 1, "tags": [1]})")) ==
               "$.items[2].tags[0]: expected a string, got a number");
    BOOST_TEST(from_json_error<shop::order>(R"({"id": "A", "gift": false, "priority": 70000, "items": []})") ==
               "$.priority: 70000 is out of range (0..65535)");
    BOOST_TEST(from_json_error<shop::order>(R"({"id": "A", "gift": false, "priority": -1, "items": []})") ==
               "$.priority: -1 is out of range (0..65535)");
    BOOST_TEST(from_json_error<shop::order>(R"({"id": "A", "gift": "no", "priority": 1, "items": []})") ==
               "$.gift: expected a boolean, got a string");
    BOOST_TEST(from_json_error<shop::order>(R"({"id": "A", "gift": true, "priority": 1, "items": {}})") ==
               "$.items: expected an array, got an object");
    BOOST_TEST(from_json_error<shop::order>(R"({"id": "A", "gift": true, "priority": 1, "items": [], "box": {"width": 1}})") ==
               "$.box.height: missing required field");
    BOOST_TEST(from_json_error<shop::order>("[]") == "$: expected an object, got an array");
    BOOST_TEST(from_json_error<int>("3000000000") == "$: 3000000000 is out of range (-2147483648..2147483647)");
    BOOST_TEST(from_json_error<std::int8_t>("-200") == "$: -200 is out of range (-128..127)");
    BOOST_TEST(from_json_error<std::uint64_t>("-1") == "$: -1 is out of range (0..18446744073709551615)");
    BOOST_TEST(from_json_error<std::int64_t>("1e19") == "$: 1e+19 is out of range (-9223372036854775808..9223372036854775807)");
}

BOOST_AUTO_TEST_CASE(output_as_parses_the_text_output)
{
    const auto i = interaction_with_text(R"({"name": "pen", "quantity": 3, "price": 1.5, "tags": ["a", "b"]})");
    const shop::item it = i.parse<shop::item>();
    BOOST_TEST(it.name == "pen");
    BOOST_TEST(it.quantity == 3);
    BOOST_TEST((it == gemini::output_as<shop::item>(i)));

    // A fenced answer (what models write without a schema) is accepted too.
    const auto fenced = interaction_with_text("```json\n{\"width\": 1, \"height\": 2}\n```\n");
    BOOST_TEST((fenced.parse<shop::dimensions>() == shop::dimensions{1, 2}));
}

BOOST_AUTO_TEST_CASE(output_as_errors_carry_the_interaction)
{
    const auto wrong = interaction_with_text(R"({"name": "pen", "quantity": "3", "price": 1.5, "tags": []})");
    try
    {
        (void)wrong.parse<shop::item>();
        BOOST_FAIL("no error");
    }
    catch (const gemini::error& e)
    {
        BOOST_TEST(e.code() == gemini::errc::output_mismatch);
        BOOST_TEST(e.diag().interaction_id == "v1_struct");
        BOOST_TEST(e.diag().library_message == "$.quantity: expected an integer, got a string");
        BOOST_TEST(std::string(e.what()).find("$.quantity") != std::string::npos);
    }

    const auto truncated = interaction_with_text(R"({"name": "pen", "quan)", "incomplete");
    const std::string m = mismatch([&] { (void)truncated.parse<shop::item>(); });
    BOOST_TEST(m.find("the model's output is not JSON") == 0u);
    BOOST_TEST(m.find("(interaction status: incomplete)") != std::string::npos);
    BOOST_TEST(m.find(R"(it begins with "{\"name\": \"pen\", \"quan")") != std::string::npos);

    const auto prose = interaction_with_text("Sure! Here is your item.");
    BOOST_TEST(mismatch([&] { (void)prose.parse<shop::item>(); }).find("the model's output is not JSON") == 0u);

    gemini::interaction empty;
    empty.id = "v1_empty";
    empty.status = gemini::interaction_status::requires_action;
    BOOST_TEST(mismatch([&] { (void)gemini::output_as<shop::item>(empty); }) ==
               "the interaction has no text output to parse (interaction status: requires_action)");
}

// Found by fuzzing (test/fuzz/corpus/structured_output/regression-float-overflow): a number
// beyond float's range became an infinite float instead of a mismatch.
BOOST_AUTO_TEST_CASE(float_member_out_of_range_is_a_mismatch)
{
    const auto big = json::parse(R"({"width":1e65,"height":1})");
    BOOST_CHECK_EXCEPTION(gemini::from_json<shop::fuzz_floats>(big), gemini::error, [](const gemini::error& e) {
        BOOST_TEST(e.diag().library_message.find("$.width") != std::string::npos, e.diag().library_message);
        return e.code() == gemini::errc::output_mismatch;
    });
    const auto fits = gemini::from_json<shop::fuzz_floats>(json::parse(R"({"width":3e38,"height":1e300})"));
    BOOST_TEST(fits.width == 3e38f);
    BOOST_TEST(fits.height == 1e300);
}

BOOST_AUTO_TEST_SUITE_END()
