// NativeTlsContext and NativePkcs11Lib: one C++ class per JS class (io.ClientTlsContext, io.Pkcs11Lib).
#pragma once

#include <napi.h>

struct aws_tls_ctx;
struct aws_pkcs11_lib;

namespace mqtt5crt {

class NativeTlsContext : public Napi::ObjectWrap<NativeTlsContext> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit NativeTlsContext(const Napi::CallbackInfo &info);
    ~NativeTlsContext() override;

    // The context behind a JS value that must be a NativeTlsContext (type-tag checked), or throws
    // a TypeError naming `field`.
    static aws_tls_ctx *From(const Napi::Value &value, const char *field);

private:
    aws_tls_ctx *ctx_ = nullptr;
};

class NativePkcs11Lib : public Napi::ObjectWrap<NativePkcs11Lib> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit NativePkcs11Lib(const Napi::CallbackInfo &info);
    ~NativePkcs11Lib() override;
    static aws_pkcs11_lib *From(const Napi::Value &value, const char *field);

private:
    Napi::Value Close(const Napi::CallbackInfo &info);
    aws_pkcs11_lib *lib_ = nullptr;
};

}  // namespace mqtt5crt
