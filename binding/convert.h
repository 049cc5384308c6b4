// The table-driven conversion layer between JS objects and aws-c-mqtt view structs.
//
// Every CRT view struct is described once, as a Table of Fields (JS key, kind, where it lives in
// the struct). Two generic walkers use the same tables in both directions:
//   ReadView:  JS object -> view, borrowing the caller's buffers; anything that needs storage
//              (UTF-8 copies of strings, arrays, optional scalars) lives in an Arena for the call.
//   ViewToJs:  view -> JS object, with only the fields that are present.
// The walkers also type- and range-check each field and throw TypeError/RangeError naming the
// field path and the rule, so a direct call into the addon can never crash it.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <forward_list>
#include <memory>
#include <string>
#include <vector>

namespace mqtt5crt {

enum class Kind : uint8_t {
    U8,          // uint8_t
    U16,         // uint16_t
    U32,         // uint32_t
    U64,         // uint64_t (as a JS number: safe integers only)
    Bool,        // bool (1 byte; also used for uint8_t flags the JS API shows as booleans)
    Enum,        // a C enum (int-sized), range-checked
    Utf8,        // aws_byte_cursor holding UTF-8
    Bytes,       // aws_byte_cursor holding binary data (Buffer, any ArrayBufferView, ArrayBuffer, string)
    ByteBuf,     // aws_byte_buf holding UTF-8 (output only)
    UserProps,   // size_t count + const aws_mqtt5_user_property *
    U32List,     // size_t count + const uint32_t *
    Utf8List,    // size_t count + const aws_byte_cursor *
    EnumList,    // size_t count + const enum * (output only)
    Object,      // a nested table (always through a pointer)
    ObjectList,  // size_t count + const T * with T described by a nested table
    Handle,      // void *: what Field::unwrap makes of the JS value (a native object, a function; input only)
};

enum FieldFlags : uint8_t {
    kNone = 0,
    kOptional = 1,  // the struct holds `const T *`; absent in JS <=> nullptr
    kRequired = 2,  // input: the JS object must have it
    kOutOnly = 4,   // never read from JS (e.g. subscription identifiers of a received PUBLISH)
    kInOnly = 8,    // never written to JS
};

struct Table;

struct Field {
    const char *key;
    Kind kind;
    uint8_t flags;
    size_t offset;        // the value, the pointer, or (lists) the element pointer
    size_t count_offset;  // lists: where the size_t count lives
    double min, max;      // numbers and enums: the accepted range (inclusive)
    const Table *sub;     // Object / ObjectList
    int key_id = -1;      // index of `key` in the key registry (KeyId), for cached JS strings
    // Kind::Handle: what to store for the JS value; throws a TypeError naming `path` for a wrong one.
    void *(*unwrap)(const Napi::Value &value, const std::string &path) = nullptr;
};

// Property names used on the hot paths get a process-wide id once; each environment then keeps
// one JS string per id (KeyCache), instead of creating a string for every property get/set.
int KeyId(const char *key);

class KeyCache {
public:
    explicit KeyCache(napi_env env) : env_(env) {}
    ~KeyCache();
    napi_value Get(int id);
    napi_value Get(const Field &f) { return f.key_id >= 0 ? Get(f.key_id) : Napi::String::New(env_, f.key); }

private:
    napi_env env_;
    napi_ref holder_ = nullptr;  // a JS array: element `id` is the key string of that id
    std::vector<bool> cached_;   // the ids the array holds
};

struct Table {
    const char *name;  // used in error messages, e.g. "publish"
    size_t size;       // sizeof the struct
    std::vector<Field> fields;
    int packet_type = 0;  // MQTT packet type written as `type` on output (0: none)
};

// Storage for one conversion: everything a view points at that is not the caller's own memory.
// Addresses stay valid until the Arena dies (list nodes and blocks never move).
class Arena {
public:
    void *Alloc(size_t bytes);
    const std::string &Keep(std::string &&s) {
        strings_.push_front(std::move(s));
        return strings_.front();
    }

private:
    // forward_list: stable addresses and, unlike a deque, no allocation until used (the publish
    // hot path constructs an Arena it rarely needs).
    std::forward_list<std::string> strings_;
    std::vector<std::unique_ptr<std::max_align_t[]>> blocks_;
};

// Reads obj[key] / arr[i]; a getter or proxy trap that throws becomes a TypeError naming `path`.
Napi::Value SafeGet(const Napi::Object &obj, const char *key, const std::string &path);
Napi::Value SafeGet(const Napi::Array &arr, uint32_t index, const std::string &path);
// The length of a JS array that must have at most `max` entries (RangeError naming `path`).
uint32_t CheckedLength(const Napi::Array &arr, uint32_t max, const std::string &path);

// JS object -> view. `path` names the object in error messages ("publish", "config").
void ReadView(const Napi::Object &obj, const Table &table, void *view, Arena &arena, const std::string &path);

// view -> new JS object.
Napi::Object ViewToJs(Napi::Env env, KeyCache &keys, const Table &table, const void *view);

// Sets obj[key] with a cached key string.
inline void SetKey(napi_env env, napi_value obj, napi_value key, napi_value value) { napi_set_property(env, obj, key, value); }

// Borrowed bytes of a Buffer/TypedArray/DataView/ArrayBuffer, or a UTF-8 copy of a string into
// `arena`. Throws TypeError naming `path` for anything else.
struct aws_byte_cursor_like {
    const uint8_t *ptr;
    size_t len;
};
aws_byte_cursor_like ReadBytes(const Napi::Value &v, Arena &arena, const std::string &path);

}  // namespace mqtt5crt
