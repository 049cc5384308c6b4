#include "tls_context.h"

#include <aws/io/pkcs11.h>
#include <aws/io/tls_channel_handler.h>

#include <string>

#include "addon.h"
#include "convert.h"
#include "options.h"
#include "packets.h"

namespace mqtt5crt {
namespace {

// Owns an aws_tls_ctx_options until the context is made.
struct CtxOptions {
    aws_tls_ctx_options opts{};
    bool initialized = false;
    // The CRT keeps a pointer to the Windows certificate store path, not a copy, and reads it when
    // the context is made.
    std::string system_cert_path;
    ~CtxOptions() {
        if (initialized) aws_tls_ctx_options_clean_up(&opts);
    }
};

std::string Str(const aws_byte_cursor *c) { return c ? std::string(reinterpret_cast<const char *>(c->ptr), c->len) : ""; }

int InitPkcs11(aws_tls_ctx_options &opts, const Pkcs11Config &p) {
    aws_tls_ctx_pkcs11_options po{};
    po.pkcs11_lib = p.lib;
    po.slot_id = p.slot_id;
    if (p.user_pin) po.user_pin = *p.user_pin;
    if (p.token_label) po.token_label = *p.token_label;
    if (p.private_key_object_label) po.private_key_object_label = *p.private_key_object_label;
    if (p.cert_file_path) po.cert_file_path = *p.cert_file_path;
    if (p.cert_file_contents) po.cert_file_contents = *p.cert_file_contents;
    return aws_tls_ctx_options_init_client_mtls_with_pkcs11(&opts, Crt::Get().allocator, &po);
}

// The client's identity, the first way the options give one: a PKCS#11 token, certificate and key
// files, certificate and key PEM text, a PKCS#12 file, a Windows certificate store path; or none
// (server authentication only).
int InitIdentity(Napi::Env env, CtxOptions &ctx, const TlsContextConfig &c) {
    aws_allocator *alloc = Crt::Get().allocator;
    aws_tls_ctx_options &opts = ctx.opts;
    if (c.pkcs11) return InitPkcs11(opts, *c.pkcs11);
    if (c.certificate_filepath || c.private_key_filepath) {
        std::string cert = Str(c.certificate_filepath), key = Str(c.private_key_filepath);
        if (cert.empty() || key.empty()) {
            throw Napi::TypeError::New(env, "tlsContextOptions: certificate_filepath and private_key_filepath go together");
        }
        return aws_tls_ctx_options_init_client_mtls_from_path(&opts, alloc, cert.c_str(), key.c_str());
    }
    if (c.certificate || c.private_key) {
        if (!c.certificate || !c.private_key || c.certificate->len == 0 || c.private_key->len == 0) {
            throw Napi::TypeError::New(env, "tlsContextOptions: certificate and private_key go together");
        }
        return aws_tls_ctx_options_init_client_mtls(&opts, alloc, c.certificate, c.private_key);
    }
    if (c.pkcs12_filepath) {
        std::string path = Str(c.pkcs12_filepath);
        aws_byte_cursor password = c.pkcs12_password ? *c.pkcs12_password : aws_byte_cursor_from_c_str("");
        return aws_tls_ctx_options_init_client_mtls_pkcs12_from_path(&opts, alloc, path.c_str(), &password);
    }
    if (c.windows_cert_store_path) {
        // Windows only: elsewhere the CRT refuses it (AWS_ERROR_PLATFORM_NOT_SUPPORTED).
        ctx.system_cert_path = Str(c.windows_cert_store_path);
        return aws_tls_ctx_options_init_client_mtls_from_system_path(&opts, alloc, ctx.system_cert_path.c_str());
    }
    aws_tls_ctx_options_init_default_client(&opts, alloc);
    return AWS_OP_SUCCESS;
}

void UseTrustStore(Napi::Env env, Addon *addon, aws_tls_ctx_options &opts, const TlsContextConfig &c) {
    if (c.ca_filepath || c.ca_dirpath) {
        std::string file = Str(c.ca_filepath), dir = Str(c.ca_dirpath);
        if (aws_tls_ctx_options_override_default_trust_store_from_path(
                &opts, c.ca_dirpath ? dir.c_str() : nullptr, c.ca_filepath ? file.c_str() : nullptr) != AWS_OP_SUCCESS) {
            addon->ThrowCrtError(env, aws_last_error());
        }
    }
    if (c.certificate_authority &&
        aws_tls_ctx_options_override_default_trust_store(&opts, c.certificate_authority) != AWS_OP_SUCCESS) {
        addon->ThrowCrtError(env, aws_last_error());
    }
}

// The CRT takes a ';'-separated list and trusts it: each protocol name is checked here.
void UseAlpn(Napi::Env env, Addon *addon, aws_tls_ctx_options &opts, const TlsContextConfig &c) {
    std::string alpn;
    for (size_t i = 0; i < c.alpn_count; ++i) {
        std::string name(reinterpret_cast<const char *>(c.alpn_list[i].ptr), c.alpn_list[i].len);
        if (name.empty() || name.size() > 255 || name.find(';') != std::string::npos) {
            throw Napi::RangeError::New(
                env, "tlsContextOptions.alpn_list[" + std::to_string(i) + "] must be 1 to 255 bytes without ';'");
        }
        if (i) alpn += ';';
        alpn += name;
    }
    if (!alpn.empty() && aws_tls_ctx_options_set_alpn_list(&opts, alpn.c_str()) != AWS_OP_SUCCESS) {
        addon->ThrowCrtError(env, aws_last_error());
    }
}

void UseVersionAndCiphers(Napi::Env env, aws_tls_ctx_options &opts, const TlsContextConfig &c) {
    int min_version = c.min_tls_version ? *c.min_tls_version : AWS_IO_TLS_VER_SYS_DEFAULTS;
    if (!((min_version >= AWS_IO_SSLv3 && min_version <= AWS_IO_TLSv1_3) || min_version == AWS_IO_TLS_VER_SYS_DEFAULTS)) {
        throw Napi::RangeError::New(env, "tlsContextOptions.min_tls_version must be a TlsVersion (0-4 or 128)");
    }
    aws_tls_ctx_options_set_minimum_tls_version(&opts, static_cast<aws_tls_versions>(min_version));
    int cipher = c.tls_cipher_preference ? *c.tls_cipher_preference : AWS_IO_TLS_CIPHER_PREF_SYSTEM_DEFAULT;
    if (!aws_tls_is_cipher_pref_supported(static_cast<aws_tls_cipher_pref>(cipher))) {
        throw Napi::RangeError::New(
            env, "tlsContextOptions.tls_cipher_preference " + std::to_string(cipher) + " is not supported on this platform");
    }
    aws_tls_ctx_options_set_tls_cipher_preference(&opts, static_cast<aws_tls_cipher_pref>(cipher));
    aws_tls_ctx_options_set_verify_peer(&opts, c.verify_peer ? *c.verify_peer != 0 : true);
}

}  // namespace

const NativeKind NativeTlsContext::kKind = {{0x6d717474352d6372ULL, 0x742d746c73637478ULL}, "an io.ClientTlsContext"};
const NativeKind NativePkcs11Lib::kKind = {{0x6d717474352d6372ULL, 0x742d706b63733131ULL}, "an io.Pkcs11Lib"};

Napi::Function NativeTlsContext::Define(Napi::Env env) { return DefineClass(env, "NativeTlsContext", {}); }

// new NativeTlsContext(options): options carries aws-crt's TlsContextOptions fields (snake_case).
NativeTlsContext::NativeTlsContext(const Napi::CallbackInfo &info) : NativeHandle(info) {
    Napi::Env env = info.Env();
    Addon *addon = env.GetInstanceData<Addon>();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "tlsContextOptions must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    aws_allocator *alloc = Crt::Get().allocator;

    Arena arena;
    TlsContextConfig config{};
    ReadView(o, tables::kTlsContextOptions, &config, arena, "tlsContextOptions");
    CtxOptions c;
    if (InitIdentity(env, c, config) != AWS_OP_SUCCESS) addon->ThrowCrtError(env, aws_last_error());
    c.initialized = true;
    UseTrustStore(env, addon, c.opts, config);
    UseAlpn(env, addon, c.opts, config);
    UseVersionAndCiphers(env, c.opts, config);
    handle_.Reset(aws_tls_client_ctx_new(alloc, &c.opts));
    if (!handle_) addon->ThrowCrtError(env, aws_last_error());
}

Napi::Function NativePkcs11Lib::Define(Napi::Env env) {
    return DefineClass(env, "NativePkcs11Lib", {InstanceMethod<&NativePkcs11Lib::Close>("close")});
}

// new NativePkcs11Lib(path, behavior)
NativePkcs11Lib::NativePkcs11Lib(const Napi::CallbackInfo &info) : NativeHandle(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "pkcs11 library path must be a string");
    std::string path = info[0].As<Napi::String>().Utf8Value();
    int behavior = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
    if (behavior < 0 || behavior > 2) throw Napi::RangeError::New(env, "pkcs11 behavior must be 0, 1 or 2");
    aws_pkcs11_lib_options o{};
    o.filename = aws_byte_cursor_from_array(path.data(), path.size());
    o.initialize_finalize_behavior = static_cast<aws_pkcs11_lib_behavior>(behavior);
    handle_.Reset(aws_pkcs11_lib_new(Crt::Get().allocator, &o));
    if (!handle_) env.GetInstanceData<Addon>()->ThrowCrtError(env, aws_last_error());
}

Napi::Value NativePkcs11Lib::Close(const Napi::CallbackInfo &info) {
    handle_.Reset();
    return info.Env().Undefined();
}

}  // namespace mqtt5crt
