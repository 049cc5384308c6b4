// NativeMqtt5Client: the only JS-visible MQTT5 native class. Thin: check the receiver, convert
// through the tables, call aws_mqtt5_client_*, return an operation id. Completions arrive later
// as events through the core's queue.
#pragma once

#include <napi.h>

#include "client_core.h"
#include "client_wrapper.h"

namespace mqtt5crt {

struct Table;

class NativeMqtt5Client : public ClientWrapper<NativeMqtt5Client, ClientCore> {
public:
    static const NativeKind kKind;
    static Napi::Function Define(Napi::Env env);
    explicit NativeMqtt5Client(const Napi::CallbackInfo &info);
    // The CRT client behind a JS value that must be a NativeMqtt5Client (type-tag checked: a
    // TypeError naming `field` otherwise); null once the client was closed. `group`, if given,
    // receives the event loop group the client runs on.
    static aws_mqtt5_client *From(const Napi::Value &value, const char *field, aws_event_loop_group **group = nullptr);

private:
    Napi::Value Start(const Napi::CallbackInfo &info);
    Napi::Value Stop(const Napi::CallbackInfo &info);
    Napi::Value Publish(const Napi::CallbackInfo &info);
    Napi::Value PublishFast(const Napi::CallbackInfo &info);
    Napi::Value FlushPublishes(const Napi::CallbackInfo &info);
    Napi::Value Subscribe(const Napi::CallbackInfo &info);
    Napi::Value Unsubscribe(const Napi::CallbackInfo &info);
    Napi::Value Withdraw(const Napi::CallbackInfo &info);
    Napi::Value GetOperationalStatistics(const Napi::CallbackInfo &info);
    Napi::Value Acknowledge(const Napi::CallbackInfo &info);

    template <class View, class Options, class Callback>
    Napi::Value SubmitPacket(const Napi::CallbackInfo &info, const char *what, const Table &table,
                             int (*submit)(aws_mqtt5_client *, const View *, const Options *), Callback callback);
};

}  // namespace mqtt5crt
