#include "client.h"

#include <aws/http/proxy.h>
#include <aws/io/socket.h>
#include <aws/io/tls_channel_handler.h>
#include <aws/mqtt/v5/mqtt5_client.h>

#include "addon.h"
#include "client_core.h"
#include "connect_options.h"
#include "credentials.h"
#include "operations.h"
#include "options.h"
#include "packets.h"
#include "tls_context.h"

namespace mqtt5crt {

namespace {
// Socket defaults: TCP, 10 s connect timeout, no TCP keep-alive (aws-crt's), and TCP_NODELAY on
// unless asked otherwise: MQTT packets are small and latency-sensitive. (The domain is taken from
// each resolved address by the bootstrap.)
void UseSocketDefaults(aws_mqtt5_client_options &options, aws_socket_options &socket) {
    if (options.socket_options) {
        socket = *options.socket_options;
    } else {
        socket.type = AWS_SOCKET_STREAM;
        socket.domain = AWS_SOCKET_IPV4;
        socket.connect_timeout_ms = 10000;
    }
    if (socket.tcp_nodelay == AWS_SOCKET_TCP_NODELAY_DEFAULT) socket.tcp_nodelay = AWS_SOCKET_TCP_NODELAY_ON;
    options.socket_options = &socket;
}

// Messages waiting for JS before `slowConsumer` is emitted, unless the config says otherwise.
constexpr uint32_t kDefaultSlowConsumerThreshold = 10000;
const napi_type_tag kMqtt5ClientTag = {0x6d717474352d6372ULL, 0x742d6d7174743563ULL};

// Submits one operation: a completion context carrying a fresh id, the CRT call, and on a
// synchronous failure the context freed and a CrtError thrown. Returns the id as a JS number.
template <class View, class Options, class Callback>
Napi::Value Submit(Napi::Env env, Addon *addon, ClientCore &core,
                   int (*submit)(aws_mqtt5_client *, const View *, const Options *), const View &view, Callback callback) {
    core.FlushPublishes();  // queued publishes go first
    double id = core.NextId();
    OpContext *op = NewOpContext(core.events(), id);
    Options done{};
    done.completion_callback = callback;
    done.completion_user_data = op;
    if (submit(core.client(), &view, &done) != AWS_OP_SUCCESS) {
        int error = aws_last_error();
        DeleteOpContext(op);
        addon->ThrowCrtError(env, error);
    }
    return Napi::Number::New(env, id);
}

Napi::Object RequireObject(const Napi::CallbackInfo &info, size_t i, const char *what) {
    if (info.Length() <= i || !info[i].IsObject()) {
        throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an object");
    }
    return info[i].As<Napi::Object>();
}
}  // namespace

// The methods are defined with the class's signature, so V8 itself refuses any other receiver
// ("Illegal invocation", a TypeError: plain objects, Object.create(prototype), the addon's other
// classes), and node-addon-api hands each method its unwrapped `this`. (A type-tag check and a
// second unwrap per call, as before, cost ~100 ns of a ~420 ns publish() call.)
Napi::Function NativeMqtt5Client::Define(Napi::Env env) {
    return DefineClass(env, "NativeMqtt5Client",
                       {
                           InstanceMethod<&NativeMqtt5Client::Start>("start"),
                           InstanceMethod<&NativeMqtt5Client::Stop>("stop"),
                           InstanceMethod<&NativeMqtt5Client::Publish>("publish"),
                           InstanceMethod<&NativeMqtt5Client::PublishFast>("publishFast"),
                           InstanceMethod<&NativeMqtt5Client::FlushPublishes>("flushPublishes"),
                           InstanceMethod<&NativeMqtt5Client::Subscribe>("subscribe"),
                           InstanceMethod<&NativeMqtt5Client::Unsubscribe>("unsubscribe"),
                           InstanceMethod<&NativeMqtt5Client::GetOperationalStatistics>("getOperationalStatistics"),
                           InstanceMethod<&NativeMqtt5Client::Acknowledge>("acknowledge"),
                           InstanceMethod<&NativeMqtt5Client::CompleteWebsocketTransform>("completeWebsocketTransform"),
                           InstanceMethod<&NativeMqtt5Client::Close>("close"),
                       });
}

// new NativeMqtt5Client(config, sink)
NativeMqtt5Client::NativeMqtt5Client(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativeMqtt5Client>(info) {
    Napi::Env env = info.Env();
    addon_ = env.GetInstanceData<Addon>();
    Napi::Object js_config = RequireObject(info, 0, "config");
    if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "sink must be a function");
    info.This().As<Napi::Object>().TypeTag(&kMqtt5ClientTag);

    Arena arena;
    ClientConfig config{};
    ReadView(js_config, tables::kClientOptions, &config, arena, "config");
    aws_mqtt5_client_options &options = config.options;
    // The CRT requires CONNECT options; an absent connectProperties means all defaults.
    if (!options.connect_options) {
        options.connect_options =
            static_cast<aws_mqtt5_packet_connect_view *>(arena.Alloc(sizeof(aws_mqtt5_packet_connect_view)));
    }
    aws_socket_options socket{};
    UseSocketDefaults(options, socket);
    TlsOptions tls;  // TLS to the broker (also wss://)
    if (config.tls_ctx) {
        tls.Init(env, addon_, config.tls_ctx, options.host_name, socket.connect_timeout_ms);
        options.tls_options = &tls.options;
    }
    aws_http_proxy_options proxy{};
    TlsOptions proxy_tls;
    if (config.proxy) {
        UseProxy(env, addon_, *config.proxy, proxy, proxy_tls, socket.connect_timeout_ms);
        options.http_proxy_options = &proxy;
    }
    core_ = ClientCore::Create(env, addon_, info[1].As<Napi::Function>(), options, Websocket(env, config.websocket));
    // The inbound backlog policy (lib: config.slowConsumer).
    const SlowConsumerConfig *slow = config.slow_consumer;
    core_->events().SetBacklogPolicy(slow && slow->threshold_messages ? *slow->threshold_messages : kDefaultSlowConsumerThreshold,
                                     slow && slow->drop_qos0 && *slow->drop_qos0);
}

NativeMqtt5Client::~NativeMqtt5Client() {
    if (core_) {
        try {
            core_->Shutdown();
        } catch (...) {
            // A destructor must not throw; Shutdown only fails if the environment is gone.
        }
        core_->Unref();
        core_ = nullptr;
    }
}

aws_mqtt5_client *NativeMqtt5Client::From(const Napi::Value &value, const char *field) {
    if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kMqtt5ClientTag)) {
        throw Napi::TypeError::New(value.Env(), std::string(field) + " must be an mqtt5.Mqtt5Client");
    }
    NativeMqtt5Client *self = Unwrap(value.As<Napi::Object>());
    return self && self->core_ ? self->core_->client() : nullptr;
}

ClientCore &NativeMqtt5Client::Core(const Napi::CallbackInfo &info) {
    if (!core_) {
        addon_->ThrowCrtError(info.Env(), AWS_ERROR_MQTT5_CLIENT_TERMINATED);
    }
    return *core_;
}

Napi::Value NativeMqtt5Client::Start(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    ClientCore &core = self.Core(info);
    if (aws_mqtt5_client_start(core.client()) != AWS_OP_SUCCESS) self.addon_->ThrowCrtError(info.Env(), aws_last_error());
    core.SetRunning(true);
    return info.Env().Undefined();
}

// stop(disconnect?)
Napi::Value NativeMqtt5Client::Stop(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    self.Core(info);
    Arena arena;
    aws_mqtt5_packet_disconnect_view disconnect{};
    const aws_mqtt5_packet_disconnect_view *view = nullptr;
    if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) {
        ReadView(RequireObject(info, 0, "disconnect"), tables::kDisconnect, &disconnect, arena, "disconnect");
        view = &disconnect;
    }
    ClientCore &core = self.Core(info);  // getters may have closed it
    core.FlushPublishes();               // publishes made before stop() reach the CRT before it
    if (aws_mqtt5_client_stop(core.client(), view, nullptr) != AWS_OP_SUCCESS) {
        self.addon_->ThrowCrtError(info.Env(), aws_last_error());
    }
    // A handshake transform still waiting for JS would hold the stop up: fail it, after the stop
    // request (the CRT runs both in order): failed first, the attempt's failure could schedule a
    // reconnect that starts before the stop arrives, with a new transform nobody fails.
    core.handshake().FailPending(AWS_ERROR_MQTT5_USER_REQUESTED_STOP);
    core.SetRunning(false);
    return info.Env().Undefined();
}

// publish/subscribe/unsubscribe(packet): the packet read through its table, then submitted.
template <class View, class Options, class Callback>
Napi::Value NativeMqtt5Client::SubmitPacket(const Napi::CallbackInfo &info, const char *what, const Table &table,
                                            int (*submit)(aws_mqtt5_client *, const View *, const Options *), Callback callback) {
    Core(info);  // closed clients throw before anything is read
    Arena arena;
    View view{};
    ReadView(RequireObject(info, 0, what), table, &view, arena, what);
    // Reading ran caller code (getters), which may have closed the client: look again.
    return Submit(info.Env(), addon_, Core(info), submit, view, callback);
}

// publish(packet) -> operation id
Napi::Value NativeMqtt5Client::Publish(const Napi::CallbackInfo &info) {
    return SubmitPacket(info, "publish", tables::kPublish, aws_mqtt5_client_publish, OnPublishComplete);
}

// publishFast(topic: string, payload: string | ArrayBufferView | ArrayBuffer | undefined, qos: 0|1,
// retain: boolean) -> operation id. The hot path: no property reads, no heap allocation for
// topics up to 256 bytes; the payload is borrowed (the CRT copies the packet on submit).
Napi::Value NativeMqtt5Client::PublishFast(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    ClientCore &core = self.Core(info);
    napi_env env = info.Env();
    if (info.Length() < 4 || !info[0].IsString() || !info[2].IsNumber() || !info[3].IsBoolean()) {
        throw Napi::TypeError::New(env, "publishFast(topic: string, payload, qos: number, retain: boolean)");
    }
    aws_mqtt5_packet_publish_view view{};
    char topic_stack[257];
    std::string topic_heap;
    size_t topic_len = 0;
    napi_get_value_string_utf8(env, info[0], topic_stack, sizeof topic_stack, &topic_len);
    if (topic_len + 1 >= sizeof topic_stack) {  // maybe truncated: take the whole string
        topic_heap = info[0].As<Napi::String>().Utf8Value();
        view.topic = aws_byte_cursor_from_array(topic_heap.data(), topic_heap.size());
    } else {
        view.topic = aws_byte_cursor_from_array(topic_stack, topic_len);
    }
    Arena arena;  // used only for a string payload
    Napi::Value payload = info[1];
    if (!payload.IsUndefined() && !payload.IsNull()) {
        aws_byte_cursor_like b = ReadBytes(payload, arena, "publish.payload");
        view.payload = aws_byte_cursor_from_array(b.ptr, b.len);
    }
    double qos = info[2].As<Napi::Number>().DoubleValue();
    if (qos != 0 && qos != 1) throw Napi::RangeError::New(env, "publish.qos must be 0 or 1");
    view.qos = static_cast<aws_mqtt5_qos>(static_cast<int>(qos));
    view.retain = info[3].As<Napi::Boolean>().Value();

    double id = core.NextId();
    if (core.QueuePublish(view, id)) return Napi::Number::New(env, id);
    return Submit(info.Env(), self.addon_, core, aws_mqtt5_client_publish, view, OnPublishComplete);
}

// flushPublishes(): the publishes publishFast() queued in this turn go to the CRT's loop as one task.
Napi::Value NativeMqtt5Client::FlushPublishes(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    if (self.core_) self.core_->SchedulePublishes();
    return info.Env().Undefined();
}

Napi::Value NativeMqtt5Client::Subscribe(const Napi::CallbackInfo &info) {
    return SubmitPacket(info, "subscribe", tables::kSubscribe, aws_mqtt5_client_subscribe, OnSubscribeComplete);
}

Napi::Value NativeMqtt5Client::Unsubscribe(const Napi::CallbackInfo &info) {
    return SubmitPacket(info, "unsubscribe", tables::kUnsubscribe, aws_mqtt5_client_unsubscribe, OnUnsubscribeComplete);
}

Napi::Value NativeMqtt5Client::GetOperationalStatistics(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    ClientCore &core = self.Core(info);
    core.FlushPublishes();
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

// acknowledge(controlIds: number[]): sends the PUBACKs held back for these received messages, in
// order (ClientCore::Acknowledge). Ids that are unknown or already used are ignored by the CRT (it
// reports them to a callback we do not install), so a double acknowledgement is harmless.
Napi::Value NativeMqtt5Client::Acknowledge(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    ClientCore &core = self.Core(info);
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "controlIds must be an array");
    Napi::Array ids = info[0].As<Napi::Array>();
    uint32_t n = ids.Length();
    std::vector<uint64_t> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
        napi_value v;
        double id;
        if (napi_get_element(env, ids, i, &v) != napi_ok || napi_get_value_double(env, v, &id) != napi_ok) {
            if (env.IsExceptionPending()) throw env.GetAndClearPendingException();
            throw Napi::TypeError::New(env, "controlIds[" + std::to_string(i) + "] must be a number");
        }
        if (id >= 1) out.push_back(static_cast<uint64_t>(id));
    }
    core.Acknowledge(out.data(), out.size());
    return env.Undefined();
}

// completeWebsocketTransform(id, errorCode, request?: {path, headers: [name, value][]})
Napi::Value NativeMqtt5Client::CompleteWebsocketTransform(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    Napi::Env env = info.Env();
    if (!self.core_) return env.Undefined();  // closed: the transform was failed already
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
        throw Napi::TypeError::New(env, "completeWebsocketTransform(id, errorCode, request?)");
    }
    double id = info[0].As<Napi::Number>().DoubleValue();
    int error = info[1].As<Napi::Number>().Int32Value();
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    bool has_request = info.Length() > 2 && info[2].IsObject();
    if (has_request) {
        Napi::Object r = info[2].As<Napi::Object>();
        Napi::Value pv = r.Get("path");  // lib/ builds this object itself, from checked values
        if (pv.IsString())
            path = pv.As<Napi::String>().Utf8Value();
        else if (!pv.IsUndefined() && !pv.IsNull())
            throw Napi::TypeError::New(env, "request.path must be a string");
        Napi::Value hv = r.Get("headers");
        if (!hv.IsArray()) throw Napi::TypeError::New(env, "request.headers must be an array of [name, value]");
        Napi::Array ha = hv.As<Napi::Array>();
        for (uint32_t i = 0; i < ha.Length(); ++i) {
            Napi::Value pair = ha.Get(i);
            if (!pair.IsArray() || pair.As<Napi::Array>().Length() != 2) {
                throw Napi::TypeError::New(env, "request.headers[" + std::to_string(i) + "] must be [name, value]");
            }
            Napi::Value n = pair.As<Napi::Array>().Get(0u), v = pair.As<Napi::Array>().Get(1u);
            if (!n.IsString() || !v.IsString()) {
                throw Napi::TypeError::New(env, "request.headers[" + std::to_string(i) + "] must hold two strings");
            }
            headers.emplace_back(n.As<Napi::String>().Utf8Value(), v.As<Napi::String>().Utf8Value());
        }
    }
    self.core_->handshake().Complete(id, error, has_request ? &path : nullptr, has_request ? &headers : nullptr);
    return env.Undefined();
}

// close(): releases the CRT client now; idempotent. Operations still in flight complete (with
// AWS_ERROR_MQTT5_CLIENT_TERMINATED or similar) but the JS layer has already rejected them.
Napi::Value NativeMqtt5Client::Close(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    if (self.core_) {
        self.core_->Shutdown();
        self.core_->Unref();
        self.core_ = nullptr;
    }
    return info.Env().Undefined();
}

}  // namespace mqtt5crt
