#include "client.h"

#include <aws/io/socket.h>
#include <aws/mqtt/v5/mqtt5_client.h>

#include "addon.h"
#include "client_core.h"
#include "packets.h"

namespace mqtt5crt {

// Defined in client_core.cc: the completion callbacks and their per-operation context.
void *NewOpContext(ClientCore *core, double id);
void DeleteOpContext(void *ctx);
void OnPublishComplete(enum aws_mqtt5_packet_type type, const void *packet, int error_code, void *ctx);
void OnSubscribeComplete(const aws_mqtt5_packet_suback_view *suback, int error_code, void *ctx);
void OnUnsubscribeComplete(const aws_mqtt5_packet_unsuback_view *unsuback, int error_code, void *ctx);

namespace {
// Receivers are tagged so `NativeMqtt5Client.prototype.start.call(otherObject)` throws instead of
// reinterpreting some other native object.
const napi_type_tag kClientTag = {0x6d717474352d6372ULL, 0x742d636c69656e74ULL};

Napi::Object RequireObject(const Napi::CallbackInfo &info, size_t i, const char *what) {
    if (info.Length() <= i || !info[i].IsObject()) {
        throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an object");
    }
    return info[i].As<Napi::Object>();
}
}  // namespace

Napi::Function NativeMqtt5Client::Define(Napi::Env env) {
    return DefineClass(env, "NativeMqtt5Client",
                       {
                           InstanceMethod<&NativeMqtt5Client::Start>("start"),
                           InstanceMethod<&NativeMqtt5Client::Stop>("stop"),
                           InstanceMethod<&NativeMqtt5Client::Publish>("publish"),
                           InstanceMethod<&NativeMqtt5Client::Subscribe>("subscribe"),
                           InstanceMethod<&NativeMqtt5Client::Unsubscribe>("unsubscribe"),
                           InstanceMethod<&NativeMqtt5Client::GetOperationalStatistics>("getOperationalStatistics"),
                           InstanceMethod<&NativeMqtt5Client::Acknowledge>("acknowledge"),
                           InstanceMethod<&NativeMqtt5Client::Close>("close"),
                       });
}

// new NativeMqtt5Client(config, sink)
NativeMqtt5Client::NativeMqtt5Client(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativeMqtt5Client>(info) {
    Napi::Env env = info.Env();
    addon_ = env.GetInstanceData<Addon>();
    Napi::Object config = RequireObject(info, 0, "config");
    if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "sink must be a function");

    Arena arena;
    aws_mqtt5_client_options options{};
    ReadView(config, tables::kClientOptions, &options, arena, "config");
    if (options.port > 65535) throw Napi::RangeError::New(env, "config.port must be an integer from 0 to 65535");

    // The CRT requires CONNECT options; an absent connectProperties means all defaults.
    if (!options.connect_options) {
        options.connect_options = static_cast<aws_mqtt5_packet_connect_view *>(arena.Alloc(sizeof(aws_mqtt5_packet_connect_view)));
    }
    // Socket defaults: TCP, 10 s connect timeout, no TCP keep-alive (aws-crt's), and TCP_NODELAY
    // on unless asked otherwise: MQTT packets are small and latency-sensitive. (The domain is
    // taken from each resolved address by the bootstrap.)
    aws_socket_options socket{};
    if (options.socket_options) socket = *options.socket_options;
    else {
        socket.type = AWS_SOCKET_STREAM;
        socket.domain = AWS_SOCKET_IPV4;
        socket.connect_timeout_ms = 10000;
    }
    if (socket.tcp_nodelay == AWS_SOCKET_TCP_NODELAY_DEFAULT) socket.tcp_nodelay = AWS_SOCKET_TCP_NODELAY_ON;
    options.socket_options = &socket;

    core_ = ClientCore::Create(env, addon_, info[1].As<Napi::Function>(), options);
    info.This().As<Napi::Object>().TypeTag(&kClientTag);
}

NativeMqtt5Client::~NativeMqtt5Client() {
    if (core_) {
        try {
            core_->Shutdown(Env());
        } catch (...) {
            // A destructor must not throw; Shutdown only fails if the environment is gone.
        }
        core_->Unref();
        core_ = nullptr;
    }
}

NativeMqtt5Client &NativeMqtt5Client::Self(const Napi::CallbackInfo &info) {
    Napi::Value self = info.This();
    if (!self.IsObject() || !self.As<Napi::Object>().CheckTypeTag(&kClientTag)) {
        throw Napi::TypeError::New(info.Env(), "receiver is not a NativeMqtt5Client");
    }
    return *Unwrap(self.As<Napi::Object>());
}

ClientCore &NativeMqtt5Client::Core(const Napi::CallbackInfo &info) {
    if (!core_) {
        addon_->ThrowCrtError(info.Env(), AWS_ERROR_MQTT5_CLIENT_TERMINATED);
    }
    return *core_;
}

Napi::Value NativeMqtt5Client::Start(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    ClientCore &core = self.Core(info);
    if (aws_mqtt5_client_start(core.client()) != AWS_OP_SUCCESS) self.addon_->ThrowCrtError(info.Env(), aws_last_error());
    core.SetRunning(info.Env(), true);
    return info.Env().Undefined();
}

// stop(disconnect?)
Napi::Value NativeMqtt5Client::Stop(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    ClientCore &core = self.Core(info);
    Arena arena;
    aws_mqtt5_packet_disconnect_view disconnect{};
    const aws_mqtt5_packet_disconnect_view *view = nullptr;
    if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) {
        ReadView(RequireObject(info, 0, "disconnect"), tables::kDisconnect, &disconnect, arena, "disconnect");
        view = &disconnect;
    }
    if (aws_mqtt5_client_stop(core.client(), view, nullptr) != AWS_OP_SUCCESS) {
        self.addon_->ThrowCrtError(info.Env(), aws_last_error());
    }
    core.SetRunning(info.Env(), false);
    return info.Env().Undefined();
}

// publish(packet) -> operation id
Napi::Value NativeMqtt5Client::Publish(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    ClientCore &core = self.Core(info);
    Arena arena;
    aws_mqtt5_packet_publish_view view{};
    ReadView(RequireObject(info, 0, "publish"), tables::kPublish, &view, arena, "publish");
    double id = core.NextId();
    aws_mqtt5_publish_completion_options done{};
    done.completion_callback = OnPublishComplete;
    done.completion_user_data = NewOpContext(&core, id);
    if (aws_mqtt5_client_publish(core.client(), &view, &done) != AWS_OP_SUCCESS) {
        int error = aws_last_error();
        DeleteOpContext(done.completion_user_data);
        self.addon_->ThrowCrtError(info.Env(), error);
    }
    return Napi::Number::New(info.Env(), id);
}

Napi::Value NativeMqtt5Client::Subscribe(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    ClientCore &core = self.Core(info);
    Arena arena;
    aws_mqtt5_packet_subscribe_view view{};
    ReadView(RequireObject(info, 0, "subscribe"), tables::kSubscribe, &view, arena, "subscribe");
    double id = core.NextId();
    aws_mqtt5_subscribe_completion_options done{};
    done.completion_callback = OnSubscribeComplete;
    done.completion_user_data = NewOpContext(&core, id);
    if (aws_mqtt5_client_subscribe(core.client(), &view, &done) != AWS_OP_SUCCESS) {
        int error = aws_last_error();
        DeleteOpContext(done.completion_user_data);
        self.addon_->ThrowCrtError(info.Env(), error);
    }
    return Napi::Number::New(info.Env(), id);
}

Napi::Value NativeMqtt5Client::Unsubscribe(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    ClientCore &core = self.Core(info);
    Arena arena;
    aws_mqtt5_packet_unsubscribe_view view{};
    ReadView(RequireObject(info, 0, "unsubscribe"), tables::kUnsubscribe, &view, arena, "unsubscribe");
    double id = core.NextId();
    aws_mqtt5_unsubscribe_completion_options done{};
    done.completion_callback = OnUnsubscribeComplete;
    done.completion_user_data = NewOpContext(&core, id);
    if (aws_mqtt5_client_unsubscribe(core.client(), &view, &done) != AWS_OP_SUCCESS) {
        int error = aws_last_error();
        DeleteOpContext(done.completion_user_data);
        self.addon_->ThrowCrtError(info.Env(), error);
    }
    return Napi::Number::New(info.Env(), id);
}

Napi::Value NativeMqtt5Client::GetOperationalStatistics(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    ClientCore &core = self.Core(info);
    aws_mqtt5_client_operation_statistics stats{};
    aws_mqtt5_client_get_stats(core.client(), &stats);
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("incompleteOperationCount", Napi::Number::New(env, static_cast<double>(stats.incomplete_operation_count)));
    o.Set("incompleteOperationSize", Napi::Number::New(env, static_cast<double>(stats.incomplete_operation_size)));
    o.Set("unackedOperationCount", Napi::Number::New(env, static_cast<double>(stats.unacked_operation_count)));
    o.Set("unackedOperationSize", Napi::Number::New(env, static_cast<double>(stats.unacked_operation_size)));
    return o;
}

// acknowledge(controlIds: number[]): sends the PUBACKs held back for these received messages.
// Ids that are unknown or already used are ignored by the CRT (it reports them to a callback we
// do not install), so a double acknowledgement is harmless.
Napi::Value NativeMqtt5Client::Acknowledge(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    ClientCore &core = self.Core(info);
    if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(info.Env(), "controlIds must be an array");
    Napi::Array ids = info[0].As<Napi::Array>();
    for (uint32_t i = 0, n = ids.Length(); i < n; ++i) {
        Napi::Value v = ids.Get(i);
        if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "controlIds must hold numbers");
        double id = v.As<Napi::Number>().DoubleValue();
        if (id >= 1) aws_mqtt5_client_invoke_publish_acknowledgement(core.client(), static_cast<uint64_t>(id), nullptr);
    }
    return info.Env().Undefined();
}

// close(): releases the CRT client now; idempotent. Operations still in flight complete (with
// AWS_ERROR_MQTT5_CLIENT_TERMINATED or similar) but the JS layer has already rejected them.
Napi::Value NativeMqtt5Client::Close(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = Self(info);
    if (self.core_) {
        self.core_->Shutdown(info.Env());
        self.core_->Unref();
        self.core_ = nullptr;
    }
    return info.Env().Undefined();
}

}  // namespace mqtt5crt
