#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "core/json_writer.h"

using hub::core::JsonWriter;

BOOST_AUTO_TEST_SUITE(json_writer)

BOOST_AUTO_TEST_CASE(commas_and_nesting_are_placed_by_the_writer) {
    JsonWriter json;
    json.beginObject()
        .key("id").string("pkg_1")
        .key("count").number(-12)
        .key("big").number(9'007'199'254'740'993)
        .key("ok").boolean(true)
        .key("no").boolean(false)
        .key("empty").beginArray().endArray()
        .key("nothing").beginObject().endObject()
        .key("list").beginArray().string("a").beginObject().key("x").number(1).endObject().beginArray().endArray().endArray()
        .key("raw").raw(R"({"kept":[1,2]})")
        .endObject();
    BOOST_TEST(json.take() ==
               R"({"id":"pkg_1","count":-12,"big":9007199254740993,"ok":true,"no":false,"empty":[],"nothing":{},)"
               R"("list":["a",{"x":1},[]],"raw":{"kept":[1,2]}})");
    // The writer starts afresh after take().
    json.beginArray().number(1).number(2).endArray();
    BOOST_TEST(json.take() == "[1,2]");
}

BOOST_AUTO_TEST_CASE(strings_are_escaped_and_read_back_unchanged) {
    const std::string tricky = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \a unit \x1f del \x7f 中文 é";
    JsonWriter json;
    json.beginObject().key(tricky).string(tricky).endObject();
    const std::string text = json.take();
    BOOST_TEST(text.find('\n') == std::string::npos);
    BOOST_TEST(text.find("\\u0007") != std::string::npos);
    BOOST_TEST(text.find("\\u001f") != std::string::npos);
    BOOST_TEST(text.find("中文 é") != std::string::npos);  // UTF-8 written as it is
    auto parsed = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST_REQUIRE(parsed->has(tricky));
    BOOST_TEST(parsed->getValue<std::string>(tricky) == tricky);

    // NUL too (checked as text: Poco's parser stops a string at \u0000).
    json.string(std::string("a") + '\0' + "b");
    BOOST_TEST(json.take() == R"("a\u0000b")");
}

BOOST_AUTO_TEST_SUITE_END()
