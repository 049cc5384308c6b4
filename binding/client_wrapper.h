// ClientWrapper<Self, Core>: the JS object of a client kind whose CRT object lives in a core that
// outlives it (NativeMqtt5Client -> ClientCore, NativeMqtt311Connection -> Mqtt311Core,
// NativeRequestResponseClient -> RrCore; core_base.h). The wrapper holds one of the core's
// references until close() or garbage collection, and checks on every call that the client is open.
//
// A Core provides Shutdown() (JS thread: release the CRT object, idempotent), Released() and
// kClosedError (the CRT error a call on a closed client throws); the methods below that a kind
// registers need SetRunning(bool) and handshake() too.
#pragma once

#include <napi.h>

#include <string>
#include <utility>
#include <vector>

#include "addon.h"
#include "connect_options.h"
#include "convert.h"
#include "handshake.h"
#include "native_class.h"

namespace mqtt5crt {

template <class Self, class Core>
class ClientWrapper : public NativeClass<Self> {
protected:
    explicit ClientWrapper(const Napi::CallbackInfo &info)
        : NativeClass<Self>(info), addon_(info.Env().GetInstanceData<Addon>()) {}
    ~ClientWrapper() override { Release(); }

    // The core of an open client; on a closed one, throws CrtError(Core::kClosedError).
    Core &Open(const Napi::CallbackInfo &info) {
        if (!core_ || core_->Released()) addon_->ThrowCrtError(info.Env(), Core::kClosedError);
        return *core_;
    }
    // The core behind a JS value that must be a Self (a TypeError naming `field` otherwise); null
    // once that client was closed.
    static Core *CoreOf(const Napi::Value &value, const char *field) {
        Self *self = NativeClass<Self>::Checked(value, field);
        return self && self->core_ && !self->core_->Released() ? self->core_ : nullptr;
    }
    // JS thread: releases the CRT object now and drops the wrapper's reference; idempotent.
    void Release() {
        if (!core_) return;
        try {
            core_->Shutdown();
        } catch (...) {
            // Called from the destructor, which must not throw; Shutdown only fails if the
            // environment is gone.
        }
        core_->Unref();
        core_ = nullptr;
    }

    // close(): releases the CRT object now; idempotent. Operations still in flight complete with
    // the CRT's error, but the JS layer has already rejected them.
    Napi::Value Close(const Napi::CallbackInfo &info) {
        Release();
        return info.Env().Undefined();
    }
    // setRunning(running): lib/ says when the client stopped by itself; it then no longer keeps
    // the process alive.
    Napi::Value SetRunning(const Napi::CallbackInfo &info) {
        if (core_) core_->SetRunning(info.Length() > 0 && info[0].ToBoolean().Value());
        return info.Env().Undefined();
    }
    // completeWebsocketTransform(id, errorCode, request?: {path, headers: [name, value][]})
    Napi::Value CompleteWebsocketTransform(const Napi::CallbackInfo &info) {
        if (!core_) return info.Env().Undefined();  // closed: the transform was failed already
        CompleteTransform(info, core_->handshake());
        return info.Env().Undefined();
    }

    Addon *addon_;
    Core *core_ = nullptr;
};

// getOperationalStatistics(): the CRT's statistics of either MQTT client (the same four fields).
template <class Stats>
Napi::Object OperationalStatisticsToJs(Napi::Env env, const Stats &stats) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("incompleteOperationCount", Napi::Number::New(env, static_cast<double>(stats.incomplete_operation_count)));
    o.Set("incompleteOperationSize", Napi::Number::New(env, static_cast<double>(stats.incomplete_operation_size)));
    o.Set("unackedOperationCount", Napi::Number::New(env, static_cast<double>(stats.unacked_operation_count)));
    o.Set("unackedOperationSize", Napi::Number::New(env, static_cast<double>(stats.unacked_operation_size)));
    return o;
}

}  // namespace mqtt5crt
