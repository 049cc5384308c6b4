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

// Submits one operation (after the queued publishes, which go first) with the CRT's completion
// callback. Returns the operation id as a JS number.
template <class View, class Options, class Callback>
Napi::Value Submit(Napi::Env env, Addon *addon, ClientCore &core,
                   int (*submit)(aws_mqtt5_client *, const View *, const Options *), const View &view, Callback callback) {
    core.FlushPublishes();
    double id = core.SubmitOperation(env, addon, [&](OpContext *op) {
        Options done{};
        done.completion_callback = callback;
        done.completion_user_data = op;
        return submit(core.client(), &view, &done) == AWS_OP_SUCCESS;
    });
    return Napi::Number::New(env, id);
}
}  // namespace

const NativeKind NativeMqtt5Client::kKind = {{0x6d717474352d6372ULL, 0x742d6d7174743563ULL}, "an mqtt5.Mqtt5Client"};

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
                           InstanceMethod<&NativeMqtt5Client::Withdraw>("withdraw"),
                           InstanceMethod<&NativeMqtt5Client::GetOperationalStatistics>("getOperationalStatistics"),
                           InstanceMethod<&NativeMqtt5Client::Acknowledge>("acknowledge"),
                           InstanceMethod("completeWebsocketTransform", &NativeMqtt5Client::CompleteWebsocketTransform),
                           InstanceMethod("close", &NativeMqtt5Client::Close),
                       });
}

// new NativeMqtt5Client(config, sink)
NativeMqtt5Client::NativeMqtt5Client(const Napi::CallbackInfo &info) : ClientWrapper(info) {
    Napi::Env env = info.Env();
    Napi::Object js_config = RequireObject(info, 0, "config");
    if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "sink must be a function");

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
    }
    aws_http_proxy_options proxy{};
    TlsOptions proxy_tls;
    if (config.proxy) {
        UseProxy(env, addon_, *config.proxy, proxy, proxy_tls, socket.connect_timeout_ms);
        options.http_proxy_options = &proxy;
    }
    core_ = ClientCore::Create(env, addon_, info[1].As<Napi::Function>(), options, config.tls_ctx ? &tls.options : nullptr,
                               Websocket(env, config.websocket));
    // The inbound backlog policy (lib: config.slowConsumer).
    const SlowConsumerConfig *slow = config.slow_consumer;
    core_->events().SetBacklogPolicy(slow && slow->threshold_messages ? *slow->threshold_messages : kDefaultSlowConsumerThreshold,
                                     slow && slow->drop_qos0 && *slow->drop_qos0);
}

aws_mqtt5_client *NativeMqtt5Client::From(const Napi::Value &value, const char *field, aws_event_loop_group **group) {
    ClientCore *core = CoreOf(value, field);
    if (core && group) *group = core->group();
    return core ? core->client() : nullptr;
}

Napi::Value NativeMqtt5Client::Start(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    ClientCore &core = self.Open(info);
    if (aws_mqtt5_client_start(core.client()) != AWS_OP_SUCCESS) self.addon_->ThrowCrtError(info.Env(), aws_last_error());
    core.SetRunning(true);
    return info.Env().Undefined();
}

// stop(disconnect?)
Napi::Value NativeMqtt5Client::Stop(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    self.Open(info);
    Arena arena;
    aws_mqtt5_packet_disconnect_view disconnect{};
    const aws_mqtt5_packet_disconnect_view *view = nullptr;
    if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) {
        ReadView(RequireObject(info, 0, "disconnect"), tables::kDisconnect, &disconnect, arena, "disconnect");
        view = &disconnect;
    }
    ClientCore &core = self.Open(info);  // getters may have closed it
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
    Open(info);  // closed clients throw before anything is read
    Arena arena;
    View view{};
    ReadView(RequireObject(info, 0, what), table, &view, arena, what);
    // Reading ran caller code (getters), which may have closed the client: look again.
    return Submit(info.Env(), addon_, Open(info), submit, view, callback);
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
    ClientCore &core = self.Open(info);
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

// withdraw(id): withdraws operation `id` (a publish, subscribe or unsubscribe) if it has not been
// written yet (in the CRT: patches/aws-c-mqtt/0013): it then completes with
// AWS_ERROR_IO_OPERATION_CANCELLED, as a completion event like any other; else nothing happens.
// Only aborts come here, so the plain operations pay nothing for it.
Napi::Value NativeMqtt5Client::Withdraw(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "withdraw(id: number)");
    double id = info[0].As<Napi::Number>().DoubleValue();
    // Closed: close() failed every operation already.
    if (!self.core_ || !self.core_->client() || !(id >= 1)) return env.Undefined();
    ClientCore &core = *self.core_;
    // A publish of this turn still in the addon's batch never reaches the CRT; otherwise the
    // batch goes first, so the CRT's queue holds the operation when the withdrawal looks.
    if (core.WithdrawQueuedPublish(id, AWS_ERROR_IO_OPERATION_CANCELLED)) return env.Undefined();
    core.FlushPublishes();
    aws_mqtt5_withdraw_operation_options options{};
    options.publish_completion_callback = OnPublishComplete;
    options.subscribe_completion_callback = OnSubscribeComplete;
    options.unsubscribe_completion_callback = OnUnsubscribeComplete;
    options.matches = IsOperation;
    options.match_token = static_cast<uint64_t>(id);
    if (aws_mqtt5_client_withdraw_operation(core.client(), &options) != AWS_OP_SUCCESS) {
        self.addon_->ThrowCrtError(env, aws_last_error());
    }
    return env.Undefined();
}

Napi::Value NativeMqtt5Client::GetOperationalStatistics(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    ClientCore &core = self.Open(info);
    core.FlushPublishes();
    aws_mqtt5_client_operation_statistics stats{};
    aws_mqtt5_client_get_stats(core.client(), &stats);
    return OperationalStatisticsToJs(info.Env(), stats);
}

// acknowledge(controlIds: number[]): sends the PUBACKs held back for these received messages, in
// order (ClientCore::Acknowledge). Ids that are unknown or already used are ignored by the CRT (it
// reports them to a callback we do not install), so a double acknowledgement is harmless.
Napi::Value NativeMqtt5Client::Acknowledge(const Napi::CallbackInfo &info) {
    NativeMqtt5Client &self = *this;
    ClientCore &core = self.Open(info);
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

}  // namespace mqtt5crt
