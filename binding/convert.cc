#include "convert.h"

#include <aws/common/byte_buf.h>
#include <aws/mqtt/v5/mqtt5_types.h>

#include <cmath>
#include <cstring>
#include <mutex>

namespace mqtt5crt {

void *Arena::Alloc(size_t bytes) {
    size_t n = (bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
    if (n == 0) n = 1;
    blocks_.emplace_back(new std::max_align_t[n]);
    void *p = blocks_.back().get();
    std::memset(p, 0, n * sizeof(std::max_align_t));
    return p;
}

namespace {
struct KeyRegistry {
    std::mutex mu;
    std::vector<std::string> names;
};
KeyRegistry &Registry() {
    static KeyRegistry r;
    return r;
}
}  // namespace

int KeyId(const char *key) {
    KeyRegistry &r = Registry();
    std::lock_guard<std::mutex> lock(r.mu);
    for (size_t i = 0; i < r.names.size(); ++i) {
        if (r.names[i] == key) return static_cast<int>(i);
    }
    r.names.emplace_back(key);
    return static_cast<int>(r.names.size() - 1);
}

KeyCache::~KeyCache() {
    if (holder_) napi_delete_reference(env_, holder_);
}

// The strings live as elements of one JS array held by a reference: Node-API references to
// strings are refused below Node-API 10 (napi_create_reference takes objects, functions and
// symbols only), so a reference per string would never cache and every Get would make the key anew.
napi_value KeyCache::Get(int id) {
    napi_value holder = nullptr, v = nullptr;
    if (holder_) {
        napi_get_reference_value(env_, holder_, &holder);
    } else if (napi_create_array(env_, &holder) == napi_ok) {
        napi_create_reference(env_, holder, 1, &holder_);
    }
    if (static_cast<size_t>(id) < cached_.size() && cached_[id] && holder && napi_get_element(env_, holder, id, &v) == napi_ok)
        return v;
    std::string name;
    {
        KeyRegistry &r = Registry();
        std::lock_guard<std::mutex> lock(r.mu);
        name = r.names[id];
    }
    napi_create_string_utf8(env_, name.data(), name.size(), &v);
    // Internalize it (a key read back from an object is V8's internalized copy): property sets
    // with an internalized key skip hashing and the string table lookup on every use.
    napi_value object = nullptr, names = nullptr, key = nullptr;
    uint32_t count = 0;
    if (napi_create_object(env_, &object) == napi_ok && napi_set_property(env_, object, v, v) == napi_ok &&
        napi_get_property_names(env_, object, &names) == napi_ok && napi_get_array_length(env_, names, &count) == napi_ok &&
        count == 1 && napi_get_element(env_, names, 0, &key) == napi_ok && key) {
        v = key;
    }
    if (holder && napi_set_element(env_, holder, id, v) == napi_ok) {
        if (static_cast<size_t>(id) >= cached_.size()) cached_.resize(id + 1, false);
        cached_[id] = true;
    }
    return v;
}

namespace {

template <class T>
T &At(void *base, size_t off) {
    return *reinterpret_cast<T *>(static_cast<char *>(base) + off);
}
template <class T>
const T &At(const void *base, size_t off) {
    return *reinterpret_cast<const T *>(static_cast<const char *>(base) + off);
}

[[noreturn]] void ThrowType(Napi::Env env, const std::string &path, const char *rule) {
    throw Napi::TypeError::New(env, path + " must be " + rule);
}

std::string Fmt(double d) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f", d);
    return buf;
}

double ReadNumber(const Napi::Value &v, const Field &f, const std::string &path) {
    Napi::Env env = v.Env();
    if (!v.IsNumber()) ThrowType(env, path, "a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d || d < f.min || d > f.max) {
        throw Napi::RangeError::New(env, path + " must be an integer from " + Fmt(f.min) + " to " + Fmt(f.max) + " (got " +
                                             v.ToString().Utf8Value() + ")");
    }
    return d;
}

aws_byte_cursor ReadUtf8(const Napi::Value &v, Arena &arena, const std::string &path) {
    if (!v.IsString()) ThrowType(v.Env(), path, "a string");
    const std::string &s = arena.Keep(v.As<Napi::String>().Utf8Value());
    return aws_byte_cursor_from_array(s.data(), s.size());
}

// A scalar stored either in place or, for optional fields, in the arena behind a pointer.
template <class T>
void StoreScalar(void *view, const Field &f, T value, Arena &arena) {
    if (f.flags & kOptional) {
        T *p = static_cast<T *>(arena.Alloc(sizeof(T)));
        *p = value;
        At<const T *>(view, f.offset) = p;
    } else {
        At<T>(view, f.offset) = value;
    }
}

// An integer kind, at its width (ReadNumber checked the range).
void StoreInteger(void *view, const Field &f, double d, Arena &arena) {
    switch (f.kind) {
        case Kind::U8:
            return StoreScalar<uint8_t>(view, f, static_cast<uint8_t>(d), arena);
        case Kind::U16:
            return StoreScalar<uint16_t>(view, f, static_cast<uint16_t>(d), arena);
        case Kind::U32:
            return StoreScalar<uint32_t>(view, f, static_cast<uint32_t>(d), arena);
        case Kind::U64:
            return StoreScalar<uint64_t>(view, f, static_cast<uint64_t>(d), arena);
        default:
            return StoreScalar<int>(view, f, static_cast<int>(d), arena);  // Kind::Enum: a C enum
    }
}

Napi::Array ReadArray(const Napi::Value &v, const std::string &path) {
    if (!v.IsArray()) ThrowType(v.Env(), path, "an array");
    return v.As<Napi::Array>();
}

// Lists are bounded before anything is allocated for them (the CRT's own limits are 1024 user
// properties, subscriptions or topic filters per packet), so a huge sparse array cannot exhaust memory.
constexpr uint32_t kMaxListLength = 1024;

// A list field: its length bounded first, then each element read into its slot by `read_one`.
template <class ReadOne>
void ReadList(const Napi::Value &v, const Field &f, void *view, Arena &arena, const std::string &path, size_t item_size,
              ReadOne read_one) {
    Napi::Array a = ReadArray(v, path);
    uint32_t n = CheckedLength(a, kMaxListLength, path);
    char *items = static_cast<char *>(arena.Alloc(item_size * n));
    for (uint32_t i = 0; i < n; ++i) {
        std::string ep = path + "[" + std::to_string(i) + "]";
        read_one(SafeGet(a, i, ep), items + i * item_size, ep);
    }
    At<size_t>(view, f.count_offset) = n;
    At<const void *>(view, f.offset) = items;
}

void ReadField(const Napi::Value &v, const Field &f, void *view, Arena &arena, const std::string &path) {
    Napi::Env env = v.Env();
    switch (f.kind) {
        case Kind::U8:
        case Kind::U16:
        case Kind::U32:
        case Kind::U64:
        case Kind::Enum:
            StoreInteger(view, f, ReadNumber(v, f, path), arena);
            break;
        case Kind::Bool:
            if (!v.IsBoolean()) ThrowType(env, path, "a boolean");
            StoreScalar<uint8_t>(view, f, v.As<Napi::Boolean>().Value() ? 1 : 0, arena);
            break;
        case Kind::Utf8:
        case Kind::Bytes: {
            aws_byte_cursor c;
            if (f.kind == Kind::Utf8) {
                c = ReadUtf8(v, arena, path);
            } else {
                aws_byte_cursor_like b = ReadBytes(v, arena, path);
                c = aws_byte_cursor_from_array(b.ptr, b.len);
            }
            StoreScalar<aws_byte_cursor>(view, f, c, arena);
            break;
        }
        case Kind::UserProps:
            ReadList(v, f, view, arena, path, sizeof(aws_mqtt5_user_property),
                     [&](const Napi::Value &e, void *item, const std::string &ep) {
                         if (!e.IsObject()) ThrowType(env, ep, "an object {name: string, value: string}");
                         Napi::Object o = e.As<Napi::Object>();
                         auto *prop = static_cast<aws_mqtt5_user_property *>(item);
                         prop->name = ReadUtf8(SafeGet(o, "name", ep + ".name"), arena, ep + ".name");
                         prop->value = ReadUtf8(SafeGet(o, "value", ep + ".value"), arena, ep + ".value");
                     });
            break;
        case Kind::U32List:
            ReadList(v, f, view, arena, path, sizeof(uint32_t), [&](const Napi::Value &e, void *item, const std::string &ep) {
                *static_cast<uint32_t *>(item) = static_cast<uint32_t>(ReadNumber(e, f, ep));
            });
            break;
        case Kind::Utf8List:
            ReadList(v, f, view, arena, path, sizeof(aws_byte_cursor),
                     [&](const Napi::Value &e, void *item, const std::string &ep) {
                         *static_cast<aws_byte_cursor *>(item) = ReadUtf8(e, arena, ep);
                     });
            break;
        case Kind::Object: {
            if (!v.IsObject()) ThrowType(env, path, "an object");
            void *sub = arena.Alloc(f.sub->size);
            ReadView(v.As<Napi::Object>(), *f.sub, sub, arena, path);
            At<const void *>(view, f.offset) = sub;
            break;
        }
        case Kind::ObjectList:
            ReadList(v, f, view, arena, path, f.sub->size, [&](const Napi::Value &e, void *item, const std::string &ep) {
                if (!e.IsObject()) ThrowType(env, ep, "an object");
                ReadView(e.As<Napi::Object>(), *f.sub, item, arena, ep);
            });
            break;
        case Kind::Handle:
            At<void *>(view, f.offset) = f.unwrap(v, path);
            break;
        case Kind::ByteBuf:
        case Kind::EnumList:
            break;  // output only
    }
}

Napi::Value Utf8ToJs(Napi::Env env, const aws_byte_cursor &c) {
    return Napi::String::New(env, reinterpret_cast<const char *>(c.ptr), c.len);
}

Napi::Value FieldToJs(Napi::Env env, KeyCache &keys, const Field &f, const void *view) {
    // For optional fields, `p` is the pointed-to value; the caller has checked it is non-null.
    const void *p = (f.flags & kOptional) ? At<const void *>(view, f.offset) : static_cast<const char *>(view) + f.offset;
    switch (f.kind) {
        case Kind::U8:
            return Napi::Number::New(env, *static_cast<const uint8_t *>(p));
        case Kind::U16:
            return Napi::Number::New(env, *static_cast<const uint16_t *>(p));
        case Kind::U32:
            return Napi::Number::New(env, *static_cast<const uint32_t *>(p));
        case Kind::U64:
            return Napi::Number::New(env, static_cast<double>(*static_cast<const uint64_t *>(p)));
        case Kind::Enum:
            return Napi::Number::New(env, *static_cast<const int *>(p));
        case Kind::Bool:
            return Napi::Boolean::New(env, *static_cast<const uint8_t *>(p) != 0);
        case Kind::Utf8:
            return Utf8ToJs(env, *static_cast<const aws_byte_cursor *>(p));
        case Kind::Bytes: {
            const auto *c = static_cast<const aws_byte_cursor *>(p);
            return Napi::Buffer<uint8_t>::Copy(env, c->ptr, c->len);
        }
        case Kind::ByteBuf: {
            const auto *b = static_cast<const aws_byte_buf *>(p);
            return Napi::String::New(env, reinterpret_cast<const char *>(b->buffer), b->len);
        }
        case Kind::UserProps: {
            static const int kName = KeyId("name"), kValue = KeyId("value");
            size_t n = At<size_t>(view, f.count_offset);
            const auto *props = At<const aws_mqtt5_user_property *>(view, f.offset);
            Napi::Array a = Napi::Array::New(env, n);
            for (size_t i = 0; i < n; ++i) {
                Napi::Object o = Napi::Object::New(env);
                SetKey(env, o, keys.Get(kName), Utf8ToJs(env, props[i].name));
                SetKey(env, o, keys.Get(kValue), Utf8ToJs(env, props[i].value));
                a.Set(static_cast<uint32_t>(i), o);
            }
            return a;
        }
        case Kind::U32List:
        case Kind::EnumList: {
            size_t n = At<size_t>(view, f.count_offset);
            Napi::Array a = Napi::Array::New(env, n);
            if (f.kind == Kind::U32List) {
                const auto *vals = At<const uint32_t *>(view, f.offset);
                for (size_t i = 0; i < n; ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, vals[i]));
            } else {
                const auto *vals = At<const int *>(view, f.offset);
                for (size_t i = 0; i < n; ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, vals[i]));
            }
            return a;
        }
        case Kind::Utf8List: {
            size_t n = At<size_t>(view, f.count_offset);
            const auto *vals = At<const aws_byte_cursor *>(view, f.offset);
            Napi::Array a = Napi::Array::New(env, n);
            for (size_t i = 0; i < n; ++i) a.Set(static_cast<uint32_t>(i), Utf8ToJs(env, vals[i]));
            return a;
        }
        case Kind::Object:
            return ViewToJs(env, keys, *f.sub, At<const void *>(view, f.offset));
        case Kind::ObjectList: {
            size_t n = At<size_t>(view, f.count_offset);
            const char *items = At<const char *>(view, f.offset);
            Napi::Array a = Napi::Array::New(env, n);
            for (size_t i = 0; i < n; ++i) a.Set(static_cast<uint32_t>(i), ViewToJs(env, keys, *f.sub, items + i * f.sub->size));
            return a;
        }
        case Kind::Handle:
            break;  // input only
    }
    return env.Undefined();
}

bool IsList(Kind k) { return k == Kind::UserProps || k == Kind::U32List || k == Kind::Utf8List || k == Kind::ObjectList; }

}  // namespace

Napi::Value SafeGet(const Napi::Object &obj, const char *key, const std::string &path) {
    try {
        return obj.Get(key);
    } catch (const Napi::Error &e) {
        // A getter or proxy trap that throws: say which field could not be read, and why.
        throw Napi::TypeError::New(obj.Env(), path + " could not be read: " + e.Message());
    }
}

Napi::Value SafeGet(const Napi::Array &arr, uint32_t index, const std::string &path) {
    try {
        return arr.Get(index);
    } catch (const Napi::Error &e) {
        throw Napi::TypeError::New(arr.Env(), path + " could not be read: " + e.Message());
    }
}

uint32_t CheckedLength(const Napi::Array &arr, uint32_t max, const std::string &path) {
    uint32_t n = arr.Length();
    if (n > max) {
        throw Napi::RangeError::New(
            arr.Env(), path + " must have at most " + std::to_string(max) + " entries (got " + std::to_string(n) + ")");
    }
    return n;
}

aws_byte_cursor_like ReadBytes(const Napi::Value &v, Arena &arena, const std::string &path) {
    // The C API gives the data pointer directly (also for views over a SharedArrayBuffer, whose
    // ArrayBuffer object node-addon-api cannot wrap).
    if (v.IsTypedArray()) {
        void *data = nullptr;
        size_t length = 0;
        napi_typedarray_type type;
        if (napi_get_typedarray_info(v.Env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok) {
            ThrowType(v.Env(), path, "a readable TypedArray");
        }
        return {static_cast<const uint8_t *>(data), length * v.As<Napi::TypedArray>().ElementSize()};
    }
    if (v.IsDataView()) {
        void *data = nullptr;
        size_t length = 0;
        if (napi_get_dataview_info(v.Env(), v, &length, &data, nullptr, nullptr) != napi_ok) {
            ThrowType(v.Env(), path, "a readable DataView");
        }
        return {static_cast<const uint8_t *>(data), length};
    }
    if (v.IsArrayBuffer()) {
        Napi::ArrayBuffer b = v.As<Napi::ArrayBuffer>();
        return {static_cast<const uint8_t *>(b.Data()), b.ByteLength()};
    }
    if (v.IsString()) {
        const std::string &s = arena.Keep(v.As<Napi::String>().Utf8Value());
        return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
    }
    ThrowType(v.Env(), path, "a Buffer, TypedArray, DataView, ArrayBuffer or string");
}

void ReadView(const Napi::Object &obj, const Table &table, void *view, Arena &arena, const std::string &path) {
    for (const Field &f : table.fields) {
        if (f.flags & kOutOnly) continue;
        std::string fp = path + "." + f.key;
        Napi::Value v = SafeGet(obj, f.key, fp);
        if (v.IsUndefined() || v.IsNull()) {
            if (f.flags & kRequired) throw Napi::TypeError::New(obj.Env(), fp + " is required");
            continue;
        }
        ReadField(v, f, view, arena, fp);
    }
}

Napi::Object ViewToJs(Napi::Env env, KeyCache &keys, const Table &table, const void *view) {
    static const int kType = KeyId("type");
    Napi::Object o = Napi::Object::New(env);
    if (table.packet_type) SetKey(env, o, keys.Get(kType), Napi::Number::New(env, table.packet_type));
    for (const Field &f : table.fields) {
        if (f.flags & kInOnly) continue;
        if ((f.flags & kOptional) && At<const void *>(view, f.offset) == nullptr) continue;
        // Lists that are empty are left out, as aws-crt does (reason codes are always present).
        if (IsList(f.kind) && At<size_t>(view, f.count_offset) == 0) continue;
        SetKey(env, o, keys.Get(f), FieldToJs(env, keys, f, view));
    }
    return o;
}

}  // namespace mqtt5crt
