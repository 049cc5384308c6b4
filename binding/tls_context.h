// NativeTlsContext and NativePkcs11Lib: one C++ class per JS class (io.ClientTlsContext, io.Pkcs11Lib).
#pragma once

#include <aws/io/pkcs11.h>
#include <aws/io/tls_channel_handler.h>
#include <napi.h>

#include "native_class.h"

namespace mqtt5crt {

// io.ClientTlsContext: clients hold their own reference to the context, through their options.
class NativeTlsContext : public NativeHandle<NativeTlsContext, aws_tls_ctx, aws_tls_ctx_release> {
public:
    static const NativeKind kKind;
    static Napi::Function Define(Napi::Env env);
    explicit NativeTlsContext(const Napi::CallbackInfo &info);
};

// io.Pkcs11Lib: From() throws an Error once it was closed.
class NativePkcs11Lib : public NativeHandle<NativePkcs11Lib, aws_pkcs11_lib, aws_pkcs11_lib_release> {
public:
    static const NativeKind kKind;
    static Napi::Function Define(Napi::Env env);
    explicit NativePkcs11Lib(const Napi::CallbackInfo &info);

private:
    Napi::Value Close(const Napi::CallbackInfo &info);
};

}  // namespace mqtt5crt
