// What every JS-visible native class is made of:
//   NativeClass<Self>      an ObjectWrap whose JS objects carry Self's type tag, so that a native
//                          object handed back by JS (a TLS context in a config, a client given to a
//                          request-response client) is checked to be a Self before it is unwrapped;
//   CrtReference<T, fn>    one reference to a CRT object, released by `fn(T *)` when dropped;
//   NativeHandle<Self, T, fn>  a NativeClass that holds one (a TLS context, a PKCS#11 library, a
//                          credentials provider, an event loop group's bootstrap).
// Self declares `static const NativeKind kKind` (its tag, and what to call it in a TypeError).
#pragma once

#include <napi.h>

#include <string>

namespace mqtt5crt {

struct NativeKind {
    napi_type_tag tag;
    const char *js_name;  // as error messages say it: "an io.ClientTlsContext"
};

template <class Self>
class NativeClass : public Napi::ObjectWrap<Self> {
public:
    // The native object behind a JS value that must be a Self: a TypeError naming `field` otherwise.
    static Self *Checked(const Napi::Value &value, const char *field) {
        if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&Self::kKind.tag)) {
            throw Napi::TypeError::New(value.Env(), std::string(field) + " must be " + Self::kKind.js_name);
        }
        return Napi::ObjectWrap<Self>::Unwrap(value.As<Napi::Object>());
    }

protected:
    // Tagged at once: if the constructor throws, JS never sees the object.
    explicit NativeClass(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Self>(info) {
        info.This().As<Napi::Object>().TypeTag(&Self::kKind.tag);
    }
};

template <class T, auto Release>
class CrtReference {
public:
    CrtReference() = default;
    CrtReference(const CrtReference &) = delete;
    CrtReference &operator=(const CrtReference &) = delete;
    ~CrtReference() { Reset(); }

    T *get() const { return ptr_; }
    explicit operator bool() const { return ptr_ != nullptr; }
    // Takes over the reference `ptr` holds (null: none); the previous one is released.
    void Reset(T *ptr = nullptr) {
        if (ptr_) Release(ptr_);
        ptr_ = ptr;
    }

private:
    T *ptr_ = nullptr;
};

template <class Self, class T, auto Release>
class NativeHandle : public NativeClass<Self> {
public:
    // The CRT object behind a JS value that must be a Self (a TypeError naming `field` otherwise);
    // an Error if it was released already.
    static T *From(const Napi::Value &value, const char *field) {
        NativeHandle *self = NativeClass<Self>::Checked(value, field);
        if (!self->handle_) throw Napi::Error::New(value.Env(), std::string(field) + " was closed");
        return self->handle_.get();
    }

protected:
    using NativeClass<Self>::NativeClass;
    CrtReference<T, Release> handle_;
};

}  // namespace mqtt5crt
