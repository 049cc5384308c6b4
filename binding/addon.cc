#include "addon.h"

#include <aws/auth/auth.h>
#include <aws/common/error.h>
#include <aws/common/file.h>
#include <aws/common/log_channel.h>
#include <aws/common/log_formatter.h>
#include <aws/common/log_writer.h>
#include <aws/common/logging.h>
#include <aws/common/string.h>
#include <aws/io/channel_bootstrap.h>
#include <aws/io/event_loop.h>
#include <aws/io/host_resolver.h>
#include <aws/io/tls_channel_handler.h>
#include <aws/mqtt/mqtt.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#if !defined(_WIN32)
#include <dlfcn.h>
#endif

#include "client.h"
#include "client_core.h"
#include "contract.h"
#include "credentials.h"
#include "event_loop_group.h"
#include "mqtt311_connection.h"
#include "packets.h"
#include "request_response.h"
#include "tls_context.h"
#include "waker.h"

namespace mqtt5crt {

Crt &Crt::Get() {
    static Crt crt;
    static std::once_flag once;
    std::call_once(once, [] {
#if !defined(_WIN32)
        // The CRT's event loop threads run this library's code until the process ends; pin it so
        // that a worker's exit can never unload it under them (Linux also links -z nodelete).
        Dl_info self{};
        if (dladdr(reinterpret_cast<void *>(&Crt::Get), &self) && self.dli_fname) {
            dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE);
        }
#endif
        crt.allocator = aws_default_allocator();
        aws_mqtt_library_init(crt.allocator);
        aws_auth_library_init(crt.allocator);
        // MQTT5_CRT_EVENT_LOOP_THREADS sizes it (default: the CRT's, half the logical processors); io.EventLoopGroup
        // makes others.
        crt.bootstrap = NewBootstrap(crt.allocator, DefaultEventLoopThreads());
        if (!crt.bootstrap) {
            aws_fatal_assert("mqtt5-crt: creating the CRT event loop group / bootstrap failed", __FILE__, __LINE__);
        }
    });
    return crt;
}

// The CRT error codes the JS layer raises itself.
static Napi::Object ErrorCodes(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("MQTT5_CLIENT_TERMINATED", Napi::Number::New(env, AWS_ERROR_MQTT5_CLIENT_TERMINATED));
    o.Set("MQTT5_USER_REQUESTED_STOP", Napi::Number::New(env, AWS_ERROR_MQTT5_USER_REQUESTED_STOP));
    o.Set("IO_OPERATION_CANCELLED", Napi::Number::New(env, AWS_ERROR_IO_OPERATION_CANCELLED));
    o.Set("INVALID_ARGUMENT", Napi::Number::New(env, AWS_ERROR_INVALID_ARGUMENT));
    o.Set("MQTT_CONNECTION_DESTROYED", Napi::Number::New(env, AWS_ERROR_MQTT_CONNECTION_DESTROYED));
    o.Set("MQTT_PROTOCOL_ERROR", Napi::Number::New(env, AWS_ERROR_MQTT_PROTOCOL_ERROR));
    o.Set("MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN", Napi::Number::New(env, AWS_ERROR_MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN));
    return o;
}

// The numbers of binding/contract.h, for lib/native.ts to compare with the ones it was built with.
static Napi::Object Contract(Napi::Env env) {
    Napi::Object contract = Napi::Object::New(env);
#define MQTT5CRT_EXPORT_ENTRY(name, value) list.Set(#name, Napi::Number::New(env, value));
#define MQTT5CRT_EXPORT_LIST(list_name)                                             \
    {                                                                               \
        Napi::Object list = Napi::Object::New(env);                                 \
        MQTT5CRT_##list_name(MQTT5CRT_EXPORT_ENTRY) contract.Set(#list_name, list); \
    }
    MQTT5CRT_CONTRACT(MQTT5CRT_EXPORT_LIST)
#undef MQTT5CRT_EXPORT_LIST
#undef MQTT5CRT_EXPORT_ENTRY
    return contract;
}

// The keys of every table (packets.h), by table name: lib/ reads exactly these fields of the
// caller's objects, once each, before handing them over.
static Napi::Object TableKeys(Napi::Env env) {
    Napi::Object out = Napi::Object::New(env);
    for (const Table *table : tables::All()) {
        Napi::Array keys = Napi::Array::New(env, table->fields.size());
        for (size_t i = 0; i < table->fields.size(); ++i) keys.Set(static_cast<uint32_t>(i), table->fields[i].key);
        keys.Freeze();
        out.Set(table->name, keys);
    }
    out.Freeze();
    return out;
}

Addon::Addon(Napi::Env env, Napi::Object exports) : keys_(std::make_unique<KeyCache>(env)) {
    Crt::Get();
    Napi::Function ctor = NativeMqtt5Client::Define(env);
    Napi::Function tls_ctor = NativeTlsContext::Define(env);
    client_ctor = Napi::Persistent(ctor);
    DefineAddon(exports,
                {
                    InstanceValue("NativeMqtt5Client", ctor, napi_enumerable),
                    InstanceValue("NativeTlsContext", tls_ctor, napi_enumerable),
                    InstanceValue("NativeEventLoopGroup", NativeEventLoopGroup::Define(env), napi_enumerable),
                    InstanceMethod<&Addon::DefaultThreadCount>("defaultEventLoopThreads", napi_enumerable),
                    InstanceValue("NativeMqtt311Connection", NativeMqtt311Connection::Define(env), napi_enumerable),
                    InstanceValue("NativeRequestResponseClient", NativeRequestResponseClient::Define(env), napi_enumerable),
                    InstanceValue("NativePkcs11Lib", NativePkcs11Lib::Define(env), napi_enumerable),
                    InstanceValue("NativeCredentialsProvider", NativeCredentialsProvider::Define(env), napi_enumerable),
                    InstanceMethod<&Addon::IsAlpnAvailable>("isAlpnAvailable", napi_enumerable),
                    InstanceMethod<&Addon::EnableLogging>("enableLogging", napi_enumerable),
                    InstanceMethod<&Addon::SetErrorClass>("setErrorClass", napi_enumerable),
                    InstanceMethod<&Addon::ErrorName>("errorName", napi_enumerable),
                    InstanceMethod<&Addon::ErrorString>("errorString", napi_enumerable),
                    InstanceMethod<&Addon::ErrorDebugString>("errorDebugString", napi_enumerable),
                    InstanceMethod<&Addon::IsCipherPreferenceSupported>("isCipherPreferenceSupported", napi_enumerable),
                    InstanceMethod<&Addon::LiveClientCount>("_liveClientCount", napi_enumerable),
                    InstanceMethod<&Addon::WakeDelay>("_wakeDelayUs", napi_enumerable),
                    InstanceValue("errorCodes", ErrorCodes(env), napi_enumerable),
                    InstanceValue("contract", Contract(env), napi_enumerable),
                    InstanceValue("tableKeys", TableKeys(env), napi_enumerable),
                });
    env.AddCleanupHook(Cleanup, this);
}

// On environment teardown (process exit, worker termination) every live CRT client is released;
// the cores themselves go once the CRT reports termination.
void Addon::Cleanup(Addon *addon) {
    std::vector<ClientCore *> cores(addon->live_cores.begin(), addon->live_cores.end());
    for (ClientCore *core : cores) {
        core->Shutdown();
        core->Detach();  // wrappers finalized after this must not reach back into the addon
    }
    addon->live_cores.clear();
}

// The number of loops in the process-wide group.
Napi::Value Addon::DefaultThreadCount(const Napi::CallbackInfo &info) {
    return Napi::Number::New(info.Env(), static_cast<double>(LoopCount(Crt::Get().bootstrap)));
}

void Addon::ThrowCrtError(Napi::Env env, int error_code) {
    if (!error_ctor.IsEmpty()) {
        Napi::Object err = error_ctor.New({Napi::Number::New(env, error_code)});
        throw Napi::Error(env, err);
    }
    Napi::Error err = Napi::Error::New(env, aws_error_debug_str(error_code));
    err.Set("code", Napi::String::New(env, aws_error_name(error_code)));
    err.Set("error_code", Napi::Number::New(env, error_code));
    err.Set("error_name", Napi::String::New(env, aws_error_name(error_code)));
    throw err;
}

Napi::Value Addon::SetErrorClass(const Napi::CallbackInfo &info) {
    if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setErrorClass needs a constructor");
    error_ctor = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
}

static int ErrorCodeArg(const Napi::CallbackInfo &info) {
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "errorCode must be a number");
    return info[0].As<Napi::Number>().Int32Value();
}

Napi::Value Addon::ErrorName(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), aws_error_name(ErrorCodeArg(info)));
}

Napi::Value Addon::ErrorString(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), aws_error_str(ErrorCodeArg(info)));
}

// aws_error_debug_str: "<library>: <NAME>, <description>", what aws-crt's CrtError message is.
Napi::Value Addon::ErrorDebugString(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), aws_error_debug_str(ErrorCodeArg(info)));
}

Napi::Value Addon::IsCipherPreferenceSupported(const Napi::CallbackInfo &info) {
    if (info.Length() < 1 || !info[0].IsNumber())
        throw Napi::TypeError::New(info.Env(), "tls_cipher_preference must be a number");
    const int pref = info[0].As<Napi::Number>().Int32Value();
    const bool ok = pref >= 0 && pref < AWS_IO_TLS_CIPHER_PREF_END_RANGE &&
                    aws_tls_is_cipher_pref_supported(static_cast<aws_tls_cipher_pref>(pref));
    return Napi::Boolean::New(info.Env(), ok);
}

namespace {

// A logger that writes each line on the thread that logs it (the CRT's standard logger hands lines to
// a background thread, whose queue is lost when the process exits or aborts: the last lines, the
// ones that explain an exit, were missing). A log file is line-buffered for the same reason.
bool InitForegroundLogger(aws_logger *logger, aws_allocator *allocator, aws_log_level level, const std::string &file) {
    FILE *out = stderr;
    if (!file.empty()) {
        aws_string *path = aws_string_new_from_c_str(allocator, file.c_str());
        aws_string *mode = aws_string_new_from_c_str(allocator, "a");
        out = path && mode ? aws_fopen_safe(path, mode) : nullptr;
        aws_string_destroy(path);
        aws_string_destroy(mode);
        if (!out) return false;
        setvbuf(out, nullptr, _IOLBF, 8192);
    }
    auto *writer = new aws_log_writer();
    auto *formatter = new aws_log_formatter();
    auto *channel = new aws_log_channel();
    aws_log_writer_file_options writer_options{nullptr, out};
    aws_log_formatter_standard_options format_options{AWS_DATE_FORMAT_ISO_8601};
    if (aws_log_writer_init_file(writer, allocator, &writer_options) == AWS_OP_SUCCESS) {
        if (aws_log_formatter_init_default(formatter, allocator, &format_options) == AWS_OP_SUCCESS) {
            if (aws_log_channel_init_foreground(channel, allocator, writer) == AWS_OP_SUCCESS &&
                aws_logger_init_from_external(logger, allocator, formatter, channel, writer, level) == AWS_OP_SUCCESS) {
                return true;
            }
            aws_log_formatter_clean_up(formatter);
        }
        aws_log_writer_clean_up(writer);
    }
    const int error = aws_last_error();
    if (out != stderr) std::fclose(out);
    delete channel;
    delete formatter;
    delete writer;
    aws_raise_error(error);
    return false;
}

}  // namespace

// enableLogging(level, filename?): the CRT's own logger, process-wide (as in aws-crt). A second
// call changes the level; a different file installs a new logger (the old one stays allocated:
// CRT threads may be writing to it, and it is tiny).
Napi::Value Addon::EnableLogging(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    static std::mutex mu;
    static aws_logger *current = nullptr;
    static std::string current_file;
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "logging level must be a number");
    int level = info[0].As<Napi::Number>().Int32Value();
    if (level < AWS_LL_NONE || level > AWS_LL_TRACE)
        throw Napi::RangeError::New(env, "logging level must be an integer from 0 (None) to 6 (Trace)");
    std::string file = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : std::string();
    std::lock_guard<std::mutex> lock(mu);
    if (current && file == current_file) {
        aws_logger_set_log_level(current, static_cast<aws_log_level>(level));
        return env.Undefined();
    }
    auto *logger = new aws_logger();
    if (!InitForegroundLogger(logger, Crt::Get().allocator, static_cast<aws_log_level>(level), file)) {
        int error = aws_last_error();
        delete logger;
        ThrowCrtError(env, error);
    }
    aws_logger_set(logger);
    current = logger;
    current_file = file;
    return env.Undefined();
}

Napi::Value Addon::IsAlpnAvailable(const Napi::CallbackInfo &info) {
    return Napi::Boolean::New(info.Env(), aws_tls_is_alpn_available());
}

double *Addon::Records(napi_env env, size_t count, napi_value *array) {
    if (count > records_capacity_ || records_ref_.IsEmpty()) {
        size_t capacity = records_capacity_ ? records_capacity_ : 1024;
        while (capacity < count) capacity *= 2;
        napi_value buffer = nullptr, typed = nullptr;
        void *data = nullptr;
        // V8's own memory (allowed everywhere); a fixed-length ArrayBuffer never moves its bytes.
        if (napi_create_arraybuffer(env, capacity * sizeof(double), &data, &buffer) != napi_ok ||
            napi_create_typedarray(env, napi_float64_array, capacity, buffer, 0, &typed) != napi_ok) {
            return nullptr;
        }
        records_ref_ = Napi::Persistent(Napi::Value(env, typed));
        records_ = static_cast<double *>(data);
        records_capacity_ = capacity;
        *array = typed;
        return records_;
    }
    *array = records_ref_.Value();
    return *array ? records_ : nullptr;
}

Napi::Value Addon::LiveClientCount(const Napi::CallbackInfo &info) {
    return Napi::Number::New(info.Env(), static_cast<double>(live_cores.size()));
}

// The wake-up moderation delay this process uses (tests: reading MQTT5_CRT_WAKE_DELAY_US).
Napi::Value Addon::WakeDelay(const Napi::CallbackInfo &info) {
    return Napi::Number::New(info.Env(), static_cast<double>(WakeDelayUs()));
}

}  // namespace mqtt5crt

using MqttCrtAddon = mqtt5crt::Addon;
NODE_API_ADDON(MqttCrtAddon)
