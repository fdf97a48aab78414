#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hub::core {

// Writes JSON text straight into a string: for answers on hot paths, which
// would otherwise build a Poco::JSON tree only to stringify it at once.
//
//   JsonWriter json;
//   json.beginObject().key("id").string(id).key("permits").beginArray();
//   for (...) json.string(permit);
//   json.endArray().endObject();
//   std::string text = json.take();
//
// Commas are placed by the writer; the caller keeps the structure balanced
// (every begin has its end, every member of an object starts with key()).
// Strings must be UTF-8 and are written as they are, with '"', '\' and the
// control characters escaped.
class JsonWriter {
  public:
    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view name);
    JsonWriter& string(std::string_view text);
    JsonWriter& number(std::int64_t value);
    JsonWriter& boolean(bool value);
    // Text that already is one JSON value, written as it is.
    JsonWriter& raw(std::string_view json);

    // The text written so far; the writer is empty afterwards.
    std::string take();

  private:
    void beforeValue();
    void open(char bracket);
    void close(char bracket);

    std::string out_;
    std::vector<bool> written_;  // per open object or array: a member or element is written
    bool afterKey_ = false;
};

// `text` as a JSON string literal, quotes included.
void appendJsonString(std::string& out, std::string_view text);

}  // namespace hub::core
