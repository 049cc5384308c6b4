// Module entry and per-environment state (one Addon per Node environment: main thread or worker).
#pragma once

#include <napi.h>

#include <memory>
#include <unordered_set>

#include "convert.h"

struct aws_allocator;
struct aws_client_bootstrap;

namespace mqtt5crt {

class ClientCore;
class WakeHub;

// The process-wide CRT: library init, the default event loop group, host resolver and client bootstrap,
// created on first use and shared by every client in every environment. Never torn down: CRT
// threads may still be finishing a client's shutdown while the process exits.
struct Crt {
    aws_allocator *allocator;
    aws_client_bootstrap *bootstrap;
    static Crt &Get();
};

class Addon : public Napi::Addon<Addon> {
public:
    Addon(Napi::Env env, Napi::Object exports);

    // Throws the JS CrtError (registered by lib/native.ts) for a CRT error code.
    [[noreturn]] void ThrowCrtError(Napi::Env env, int error_code);

    std::unordered_set<ClientCore *> live_cores;  // JS thread only
    WakeHub *wake_hub = nullptr;                  // JS thread: the clients' shared wake-up (wake_hub.h)
    KeyCache &Keys() { return *keys_; }
    // The Float64Array that carries a batch's numeric records to JS, with room for `count`
    // numbers, and its data. One per environment, not per client: batches are delivered one at a
    // time (each from its own libuv callback) and read synchronously. Null if it cannot be made.
    double *Records(napi_env env, size_t count, napi_value *array);
    Napi::FunctionReference client_ctor;
    Napi::FunctionReference error_ctor;

private:
    std::unique_ptr<KeyCache> keys_;
    Napi::Reference<Napi::Value> records_ref_;
    double *records_ = nullptr;
    size_t records_capacity_ = 0;
    Napi::Value SetErrorClass(const Napi::CallbackInfo &info);
    Napi::Value ErrorName(const Napi::CallbackInfo &info);
    Napi::Value ErrorString(const Napi::CallbackInfo &info);
    Napi::Value ErrorDebugString(const Napi::CallbackInfo &info);
    Napi::Value IsCipherPreferenceSupported(const Napi::CallbackInfo &info);
    Napi::Value LiveClientCount(const Napi::CallbackInfo &info);
    Napi::Value WakeDelay(const Napi::CallbackInfo &info);
    Napi::Value DefaultThreadCount(const Napi::CallbackInfo &info);
    Napi::Value IsAlpnAvailable(const Napi::CallbackInfo &info);
    Napi::Value EnableLogging(const Napi::CallbackInfo &info);
    static void Cleanup(Addon *addon);
};

}  // namespace mqtt5crt
