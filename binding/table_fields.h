// Builders for the fields of a table (convert.h), as packets.cc writes them: each names the JS key,
// says how the value is read and checked, and where it lives in the struct.
#pragma once

#include <cstddef>
#include <string>

#include "convert.h"

namespace mqtt5crt::tables {

constexpr double kMaxSafe = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER
constexpr uint8_t O = kOptional, R = kRequired;

inline Field Make(const char *key, Kind kind, uint8_t flags, size_t off, size_t count_off, double min, double max,
                  const Table *sub) {
    return Field{key, kind, flags, off, count_off, min, max, sub, KeyId(key)};
}
inline Field Num(const char *key, Kind kind, uint8_t flags, size_t off) {
    double max = kind == Kind::U8 ? 255.0 : kind == Kind::U16 ? 65535.0 : kind == Kind::U32 ? 4294967295.0 : kMaxSafe;
    return Make(key, kind, flags, off, 0, 0, max, nullptr);
}
inline Field Enum(const char *key, uint8_t flags, size_t off, int min, int max) {
    return Make(key, Kind::Enum, flags, off, 0, static_cast<double>(min), static_cast<double>(max), nullptr);
}
inline Field Val(const char *key, Kind kind, uint8_t flags, size_t off) { return Make(key, kind, flags, off, 0, 0, 0, nullptr); }
inline Field List(const char *key, Kind kind, uint8_t flags, size_t off, size_t count_off, const Table *sub = nullptr) {
    double max = kind == Kind::U32List ? 4294967295.0 : 0;
    return Make(key, kind, flags, off, count_off, 1, max, sub);
}
inline Field Sub(const char *key, uint8_t flags, size_t off, const Table *sub) {
    return Make(key, Kind::Object, static_cast<uint8_t>(flags | kOptional), off, 0, 0, 0, sub);
}
// A native object (or function) behind the JS value, as `unwrap` checks and returns it.
inline Field Handle(const char *key, uint8_t flags, size_t off, void *(*unwrap)(const Napi::Value &, const std::string &)) {
    Field f = Make(key, Kind::Handle, static_cast<uint8_t>(flags | kInOnly), off, 0, 0, 0, nullptr);
    f.unwrap = unwrap;
    return f;
}

}  // namespace mqtt5crt::tables

#define AT(T, m) offsetof(T, m)
