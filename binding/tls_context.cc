#include "tls_context.h"

#include <aws/io/pkcs11.h>
#include <aws/io/tls_channel_handler.h>

#include <string>

#include "addon.h"
#include "convert.h"

namespace mqtt5crt {
namespace {

const napi_type_tag kTlsTag = {0x6d717474352d6372ULL, 0x742d746c73637478ULL};
const napi_type_tag kPkcs11Tag = {0x6d717474352d6372ULL, 0x742d706b63733131ULL};

// Optional string field of the options object; throws TypeError naming it when not a string.
bool OptString(const Napi::Object &o, const char *key, std::string &out) {
    Napi::Value v = SafeGet(o, key, std::string("tlsContextOptions.") + key);
    if (v.IsUndefined() || v.IsNull()) return false;
    if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string("tlsContextOptions.") + key + " must be a string");
    out = v.As<Napi::String>().Utf8Value();
    return true;
}

int OptInt(const Napi::Object &o, const char *key, int def) {
    Napi::Value v = SafeGet(o, key, std::string("tlsContextOptions.") + key);
    if (v.IsUndefined() || v.IsNull()) return def;
    if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("tlsContextOptions.") + key + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != static_cast<int>(d)) {
        throw Napi::RangeError::New(o.Env(), std::string("tlsContextOptions.") + key + " must be an integer");
    }
    return static_cast<int>(d);
}

aws_byte_cursor Cursor(const std::string &s) { return aws_byte_cursor_from_array(s.data(), s.size()); }

// Owns an aws_tls_ctx_options until the context is made.
struct CtxOptions {
    aws_tls_ctx_options opts{};
    bool initialized = false;
    ~CtxOptions() {
        if (initialized) aws_tls_ctx_options_clean_up(&opts);
    }
};

}  // namespace

Napi::Function NativeTlsContext::Define(Napi::Env env) { return DefineClass(env, "NativeTlsContext", {}); }

// new NativeTlsContext(options): options carries aws-crt's TlsContextOptions fields (snake_case).
NativeTlsContext::NativeTlsContext(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativeTlsContext>(info) {
    Napi::Env env = info.Env();
    Addon *addon = env.GetInstanceData<Addon>();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "tlsContextOptions must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    aws_allocator *alloc = Crt::Get().allocator;

    std::string cert_path, key_path, cert, key, pkcs12_path, pkcs12_password, ca_file, ca_dir, ca, alpn;
    CtxOptions c;
    int rc = AWS_OP_SUCCESS;
    OptString(o, "pkcs12_password", pkcs12_password);  // checked even when unused
    Napi::Value pkcs11 = SafeGet(o, "pkcs11_options", "tlsContextOptions.pkcs11_options");
    if (pkcs11.IsObject()) {
        Napi::Object p = pkcs11.As<Napi::Object>();
        aws_tls_ctx_pkcs11_options po{};
        po.pkcs11_lib = NativePkcs11Lib::From(SafeGet(p, "pkcs11_lib", "tlsContextOptions.pkcs11_options.pkcs11_lib"),
                                              "tlsContextOptions.pkcs11_options.pkcs11_lib");
        std::string pin, token_label, key_label, p_cert_path, p_cert;
        Napi::Value pinv = SafeGet(p, "user_pin", "tlsContextOptions.pkcs11_options.user_pin");
        if (pinv.IsString()) {
            pin = pinv.As<Napi::String>().Utf8Value();
            po.user_pin = Cursor(pin);
        } else if (!pinv.IsNull() && !pinv.IsUndefined()) {
            throw Napi::TypeError::New(env, "tlsContextOptions.pkcs11_options.user_pin must be a string or null");
        }
        uint64_t slot = 0;
        Napi::Value slotv = SafeGet(p, "slot_id", "tlsContextOptions.pkcs11_options.slot_id");
        if (slotv.IsNumber()) {
            slot = static_cast<uint64_t>(slotv.As<Napi::Number>().Int64Value());
            po.slot_id = &slot;
        }
        if (OptString(p, "token_label", token_label)) po.token_label = Cursor(token_label);
        if (OptString(p, "private_key_object_label", key_label)) po.private_key_object_label = Cursor(key_label);
        if (OptString(p, "cert_file_path", p_cert_path)) po.cert_file_path = Cursor(p_cert_path);
        if (OptString(p, "cert_file_contents", p_cert)) po.cert_file_contents = Cursor(p_cert);
        rc = aws_tls_ctx_options_init_client_mtls_with_pkcs11(&c.opts, alloc, &po);
    } else if (OptString(o, "certificate_filepath", cert_path) | OptString(o, "private_key_filepath", key_path)) {
        if (cert_path.empty() || key_path.empty()) {
            throw Napi::TypeError::New(env, "tlsContextOptions: certificate_filepath and private_key_filepath go together");
        }
        rc = aws_tls_ctx_options_init_client_mtls_from_path(&c.opts, alloc, cert_path.c_str(), key_path.c_str());
    } else if (OptString(o, "certificate", cert) | OptString(o, "private_key", key)) {
        if (cert.empty() || key.empty()) {
            throw Napi::TypeError::New(env, "tlsContextOptions: certificate and private_key go together");
        }
        aws_byte_cursor cc = Cursor(cert), kc = Cursor(key);
        rc = aws_tls_ctx_options_init_client_mtls(&c.opts, alloc, &cc, &kc);
    } else if (OptString(o, "pkcs12_filepath", pkcs12_path)) {
        aws_byte_cursor pw = Cursor(pkcs12_password);
        rc = aws_tls_ctx_options_init_client_mtls_pkcs12_from_path(&c.opts, alloc, pkcs12_path.c_str(), &pw);
    } else {
        aws_tls_ctx_options_init_default_client(&c.opts, alloc);
    }
    if (rc != AWS_OP_SUCCESS) addon->ThrowCrtError(env, aws_last_error());
    c.initialized = true;

    bool has_file = OptString(o, "ca_filepath", ca_file);
    bool has_dir = OptString(o, "ca_dirpath", ca_dir);
    if (has_file || has_dir) {
        if (aws_tls_ctx_options_override_default_trust_store_from_path(&c.opts, has_dir ? ca_dir.c_str() : nullptr,
                                                                       has_file ? ca_file.c_str() : nullptr) != AWS_OP_SUCCESS) {
            addon->ThrowCrtError(env, aws_last_error());
        }
    }
    if (OptString(o, "certificate_authority", ca)) {
        aws_byte_cursor cac = Cursor(ca);
        if (aws_tls_ctx_options_override_default_trust_store(&c.opts, &cac) != AWS_OP_SUCCESS) {
            addon->ThrowCrtError(env, aws_last_error());
        }
    }
    Napi::Value alpnv = SafeGet(o, "alpn_list", "tlsContextOptions.alpn_list");
    if (alpnv.IsArray()) {
        // The CRT takes a ';'-separated list and trusts it: check each protocol name here.
        Napi::Array a = alpnv.As<Napi::Array>();
        uint32_t n = CheckedLength(a, 1024, "tlsContextOptions.alpn_list");
        for (uint32_t i = 0; i < n; ++i) {
            std::string ep = "tlsContextOptions.alpn_list[" + std::to_string(i) + "]";
            Napi::Value e = SafeGet(a, i, ep);
            if (!e.IsString()) throw Napi::TypeError::New(env, ep + " must be a string");
            std::string name = e.As<Napi::String>().Utf8Value();
            if (name.empty() || name.size() > 255 || name.find(';') != std::string::npos) {
                throw Napi::RangeError::New(env, ep + " must be 1 to 255 bytes without ';'");
            }
            if (i) alpn += ';';
            alpn += name;
        }
        if (!alpn.empty() && aws_tls_ctx_options_set_alpn_list(&c.opts, alpn.c_str()) != AWS_OP_SUCCESS) {
            addon->ThrowCrtError(env, aws_last_error());
        }
    } else if (!alpnv.IsUndefined() && !alpnv.IsNull()) {
        throw Napi::TypeError::New(env, "tlsContextOptions.alpn_list must be an array of strings");
    }
    int min_version = OptInt(o, "min_tls_version", AWS_IO_TLS_VER_SYS_DEFAULTS);
    if (!((min_version >= AWS_IO_SSLv3 && min_version <= AWS_IO_TLSv1_3) || min_version == AWS_IO_TLS_VER_SYS_DEFAULTS)) {
        throw Napi::RangeError::New(env, "tlsContextOptions.min_tls_version must be a TlsVersion (0-4 or 128)");
    }
    aws_tls_ctx_options_set_minimum_tls_version(&c.opts, static_cast<aws_tls_versions>(min_version));
    int cipher = OptInt(o, "tls_cipher_preference", AWS_IO_TLS_CIPHER_PREF_SYSTEM_DEFAULT);
    if (cipher < 0 || cipher > 64)
        throw Napi::RangeError::New(env, "tlsContextOptions.tls_cipher_preference must be a TlsCipherPreference");
    if (!aws_tls_is_cipher_pref_supported(static_cast<aws_tls_cipher_pref>(cipher))) {
        throw Napi::RangeError::New(
            env, "tlsContextOptions.tls_cipher_preference " + std::to_string(cipher) + " is not supported on this platform");
    }
    aws_tls_ctx_options_set_tls_cipher_preference(&c.opts, static_cast<aws_tls_cipher_pref>(cipher));
    Napi::Value verify = SafeGet(o, "verify_peer", "tlsContextOptions.verify_peer");
    aws_tls_ctx_options_set_verify_peer(&c.opts, verify.IsBoolean() ? verify.As<Napi::Boolean>().Value() : true);

    ctx_ = aws_tls_client_ctx_new(alloc, &c.opts);
    if (!ctx_) addon->ThrowCrtError(env, aws_last_error());
    info.This().As<Napi::Object>().TypeTag(&kTlsTag);
}

NativeTlsContext::~NativeTlsContext() {
    if (ctx_) aws_tls_ctx_release(ctx_);  // clients hold their own reference through their options
}

aws_tls_ctx *NativeTlsContext::From(const Napi::Value &value, const char *field) {
    if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kTlsTag)) {
        throw Napi::TypeError::New(value.Env(), std::string(field) + " must be an io.ClientTlsContext");
    }
    return Unwrap(value.As<Napi::Object>())->ctx_;
}

Napi::Function NativePkcs11Lib::Define(Napi::Env env) {
    return DefineClass(env, "NativePkcs11Lib", {InstanceMethod<&NativePkcs11Lib::Close>("close")});
}

// new NativePkcs11Lib(path, behavior)
NativePkcs11Lib::NativePkcs11Lib(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativePkcs11Lib>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "pkcs11 library path must be a string");
    std::string path = info[0].As<Napi::String>().Utf8Value();
    int behavior = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
    if (behavior < 0 || behavior > 2) throw Napi::RangeError::New(env, "pkcs11 behavior must be 0, 1 or 2");
    aws_pkcs11_lib_options o{};
    o.filename = aws_byte_cursor_from_array(path.data(), path.size());
    o.initialize_finalize_behavior = static_cast<aws_pkcs11_lib_behavior>(behavior);
    lib_ = aws_pkcs11_lib_new(Crt::Get().allocator, &o);
    if (!lib_) env.GetInstanceData<Addon>()->ThrowCrtError(env, aws_last_error());
    info.This().As<Napi::Object>().TypeTag(&kPkcs11Tag);
}

NativePkcs11Lib::~NativePkcs11Lib() {
    if (lib_) aws_pkcs11_lib_release(lib_);
}

Napi::Value NativePkcs11Lib::Close(const Napi::CallbackInfo &info) {
    if (lib_) {
        aws_pkcs11_lib_release(lib_);
        lib_ = nullptr;
    }
    return info.Env().Undefined();
}

aws_pkcs11_lib *NativePkcs11Lib::From(const Napi::Value &value, const char *field) {
    if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kPkcs11Tag)) {
        throw Napi::TypeError::New(value.Env(), std::string(field) + " must be an io.Pkcs11Lib");
    }
    NativePkcs11Lib *self = Unwrap(value.As<Napi::Object>());
    if (!self->lib_) throw Napi::Error::New(value.Env(), std::string(field) + " was closed");
    return self->lib_;
}

}  // namespace mqtt5crt
