#include "request_response.h"

#include <aws/mqtt/request-response/request_response_client.h>

#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "client.h"
#include "connect_options.h"
#include "convert.h"
#include "mqtt311_connection.h"
#include "operations.h"

namespace mqtt5crt {
namespace {

// A response or a stream's message (topic and payload), or a stream's subscription status.
struct RrInfo final : OwnedPacket {
    bool has_publish = false;
    std::string topic;
    std::vector<uint8_t> payload;
    int status = -1;
    Napi::Object ToJs(Napi::Env env, KeyCache &) const override {
        Napi::Object o = Napi::Object::New(env);
        if (has_publish) {
            o.Set("topic", Napi::String::New(env, topic));
            o.Set("payload", Napi::Buffer<uint8_t>::Copy(env, payload.data(), payload.size()));
        }
        if (status >= 0) o.Set("status", Napi::Number::New(env, status));
        return o;
    }
};

std::unique_ptr<OwnedPacket> CopyPublish(const aws_mqtt_rr_incoming_publish_event *e) {
    auto info = std::make_unique<RrInfo>();
    if (!e) return info;
    info->has_publish = true;
    info->topic.assign(reinterpret_cast<const char *>(e->topic.ptr), e->topic.len);
    info->payload.assign(e->payload.ptr, e->payload.ptr + e->payload.len);
    return info;
}

// A streaming operation's callbacks carry its id; the context keeps the core alive until the CRT
// says the operation terminated.
struct StreamContext {
    RrCore *core;
    double id;
};

void Push(EventQueue &events, EventType type, double id, int error_code, std::unique_ptr<OwnedPacket> packet) {
    Event ev;
    ev.type = type;
    ev.id = id;
    ev.error_code = error_code;
    ev.packet = std::move(packet);
    events.Push(std::move(ev));
}

void OnRequestComplete(const aws_mqtt_rr_incoming_publish_event *publish, int error_code, void *ctx) {
    auto *op = static_cast<OpContext *>(ctx);
    Push(*op->events, EventType::RrRequestComplete, op->id, error_code, error_code ? nullptr : CopyPublish(publish));
    DeleteOpContext(op);
}

void OnStreamStatus(aws_rr_streaming_subscription_event_type status, int error_code, void *ud) {
    auto *s = static_cast<StreamContext *>(ud);
    auto info = std::make_unique<RrInfo>();
    info->status = static_cast<int>(status);
    Push(s->core->events(), EventType::RrStreamStatus, s->id, error_code, std::move(info));
}

void OnStreamPublish(const aws_mqtt_rr_incoming_publish_event *publish, void *ud) {
    auto *s = static_cast<StreamContext *>(ud);
    Push(s->core->events(), EventType::RrStreamPublish, s->id, 0, CopyPublish(publish));
}

void OnStreamTerminated(void *ud) {
    auto *s = static_cast<StreamContext *>(ud);
    s->core->Unref();
    delete s;
}

std::string Utf8At(const Napi::Object &o, const char *key, const std::string &path, bool required) {
    Napi::Value v = SafeGet(o, key, path + "." + key);
    if (!Present(v)) {
        if (required) throw Napi::TypeError::New(o.Env(), path + "." + key + " is required");
        return {};
    }
    if (!v.IsString()) throw Napi::TypeError::New(o.Env(), path + "." + key + " must be a string");
    return v.As<Napi::String>().Utf8Value();
}

Napi::Array ArrayAt(const Napi::Object &o, const char *key, const std::string &path) {
    Napi::Value v = SafeGet(o, key, path + "." + key);
    if (!v.IsArray()) throw Napi::TypeError::New(o.Env(), path + "." + key + " must be an array");
    return v.As<Napi::Array>();
}

}  // namespace

RrCore *RrCore::Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client *client5,
                       aws_mqtt_client_connection *client311, aws_event_loop_group *group,
                       aws_mqtt_request_response_client_options &options) {
    auto *core = new RrCore();
    core->loop_.SetGroup(group);
    core->InitDelivery(env, addon, sink);
    options.terminated_callback = OnTerminated;
    options.user_data = core;
    aws_allocator *alloc = Crt::Get().allocator;
    core->client_ = client5 ? aws_mqtt_request_response_client_new_from_mqtt5_client(alloc, client5, &options)
                            : aws_mqtt_request_response_client_new_from_mqtt311_client(alloc, client311, &options);
    if (!core->client_) core->AbandonCreation(env, addon, aws_last_error());
    return core;
}

void RrCore::OnTerminated(void *core) { static_cast<RrCore *>(core)->Terminated(); }

void RrCore::Shutdown() {
    for (auto &entry : streams) aws_mqtt_rr_client_operation_release(entry.second);
    streams.clear();
    SetRunning(false);
    if (client_) aws_mqtt_request_response_client_release(client_);
    client_ = nullptr;
}

const NativeKind NativeRequestResponseClient::kKind = {{0x6d717474352d6372ULL, 0x742d727263ULL},
                                                       "an mqtt_request_response.RequestResponseClient"};

Napi::Function NativeRequestResponseClient::Define(Napi::Env env) {
    return DefineClass(env, "NativeRequestResponseClient",
                       {
                           InstanceMethod<&NativeRequestResponseClient::SubmitRequest>("submitRequest"),
                           InstanceMethod<&NativeRequestResponseClient::CreateStream>("createStream"),
                           InstanceMethod<&NativeRequestResponseClient::OpenStream>("openStream"),
                           InstanceMethod<&NativeRequestResponseClient::CloseStream>("closeStream"),
                           InstanceMethod("setRunning", &NativeRequestResponseClient::SetRunning),
                           InstanceMethod("close", &NativeRequestResponseClient::Close),
                       });
}

// new NativeRequestResponseClient(kind: 5 | 311, protocolClient, {maxRequestResponseSubscriptions,
// maxStreamingSubscriptions, operationTimeoutInSeconds}, sink)
NativeRequestResponseClient::NativeRequestResponseClient(const Napi::CallbackInfo &info) : ClientWrapper(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[2].IsObject() || !info[3].IsFunction()) {
        throw Napi::TypeError::New(env, "NativeRequestResponseClient(kind, protocolClient, options, sink)");
    }
    int kind = info[0].As<Napi::Number>().Int32Value();
    Napi::Object o = info[2].As<Napi::Object>();
    aws_mqtt_request_response_client_options options{};
    options.max_request_response_subscriptions = OptU32(o, "maxRequestResponseSubscriptions", "options", 65535, 0);
    options.max_streaming_subscriptions = OptU32(o, "maxStreamingSubscriptions", "options", 65535, 0);
    options.operation_timeout_seconds = OptU32(o, "operationTimeoutInSeconds", "options", UINT32_MAX, 0);
    aws_mqtt5_client *client5 = nullptr;
    aws_mqtt_client_connection *client311 = nullptr;
    aws_event_loop_group *group = nullptr;
    if (kind == 5)
        client5 = NativeMqtt5Client::From(info[1], "protocolClient", &group);
    else
        client311 = NativeMqtt311Connection::From(info[1], "protocolClient", &group);
    if (!client5 && !client311) addon_->ThrowCrtError(env, AWS_ERROR_INVALID_STATE);  // the protocol client is closed
    core_ = RrCore::Create(env, addon_, info[3].As<Napi::Function>(), client5, client311, group, options);
}

// submitRequest({subscriptionTopicFilters, responsePaths: [{topic, correlationTokenJsonPath?}],
// publishTopic, payload, correlationToken?}) -> operation id
Napi::Value NativeRequestResponseClient::SubmitRequest(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    Open(info);
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "requestOptions must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    const std::string path = "requestOptions";
    Arena arena;
    std::vector<std::string> strings;  // owns every string the cursors point at
    Napi::Array filters = ArrayAt(o, "subscriptionTopicFilters", path);
    Napi::Array paths = ArrayAt(o, "responsePaths", path);
    uint32_t nf = CheckedLength(filters, 1024, path + ".subscriptionTopicFilters");
    uint32_t np = CheckedLength(paths, 1024, path + ".responsePaths");
    strings.reserve(nf + 2 * np + 2);
    std::vector<aws_byte_cursor> filter_cursors;
    for (uint32_t i = 0; i < nf; ++i) {
        const std::string p = path + ".subscriptionTopicFilters[" + std::to_string(i) + "]";
        Napi::Value v = SafeGet(filters, i, p);
        if (!v.IsString()) throw Napi::TypeError::New(env, p + " must be a string");
        strings.push_back(v.As<Napi::String>().Utf8Value());
        filter_cursors.push_back(aws_byte_cursor_from_array(strings.back().data(), strings.back().size()));
    }
    std::vector<aws_mqtt_request_operation_response_path> response_paths;
    for (uint32_t i = 0; i < np; ++i) {
        const std::string p = path + ".responsePaths[" + std::to_string(i) + "]";
        Napi::Value v = SafeGet(paths, i, p);
        if (!v.IsObject()) throw Napi::TypeError::New(env, p + " must be an object");
        aws_mqtt_request_operation_response_path rp{};
        strings.push_back(Utf8At(v.As<Napi::Object>(), "topic", p, true));
        rp.topic = aws_byte_cursor_from_array(strings.back().data(), strings.back().size());
        strings.push_back(Utf8At(v.As<Napi::Object>(), "correlationTokenJsonPath", p, false));
        rp.correlation_token_json_path = aws_byte_cursor_from_array(strings.back().data(), strings.back().size());
        response_paths.push_back(rp);
    }
    strings.push_back(Utf8At(o, "publishTopic", path, true));
    aws_byte_cursor publish_topic = aws_byte_cursor_from_array(strings.back().data(), strings.back().size());
    strings.push_back(Utf8At(o, "correlationToken", path, false));
    aws_byte_cursor token = aws_byte_cursor_from_array(strings.back().data(), strings.back().size());
    Napi::Value payload_v = SafeGet(o, "payload", path + ".payload");
    aws_byte_cursor_like payload = ReadBytes(payload_v, arena, path + ".payload");

    // Reading ran caller code (getters), which may have closed the client: look again.
    RrCore &core = Open(info);
    aws_mqtt_request_operation_options request{};
    request.subscription_topic_filters = filter_cursors.data();
    request.subscription_topic_filter_count = filter_cursors.size();
    request.response_paths = response_paths.data();
    request.response_path_count = response_paths.size();
    request.publish_topic = publish_topic;
    request.serialized_request = aws_byte_cursor_from_array(payload.ptr, payload.len);
    request.correlation_token = token;
    double id = core.SubmitOperation(env, addon_, [&](OpContext *op) {
        request.completion_callback = OnRequestComplete;
        request.user_data = op;
        // The CRT copies what it keeps before this returns.
        return aws_mqtt_request_response_client_submit_request(core.client(), &request) == AWS_OP_SUCCESS;
    });
    return Napi::Number::New(env, id);
}

// createStream(topicFilter) -> stream id (not subscribed until openStream)
Napi::Value NativeRequestResponseClient::CreateStream(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    RrCore &core = Open(info);
    if (info.Length() < 1 || !info[0].IsString())
        throw Napi::TypeError::New(env, "streamOptions.subscriptionTopicFilter must be a string");
    std::string filter = info[0].As<Napi::String>().Utf8Value();
    double id = core.NextId();
    auto *ctx = new StreamContext{&core, id};
    core.Ref();  // released by OnStreamTerminated
    aws_mqtt_streaming_operation_options options{};
    options.topic_filter = aws_byte_cursor_from_array(filter.data(), filter.size());
    options.subscription_status_callback = OnStreamStatus;
    options.incoming_publish_callback = OnStreamPublish;
    options.terminated_callback = OnStreamTerminated;
    options.user_data = ctx;
    aws_mqtt_rr_client_operation *op = aws_mqtt_request_response_client_create_streaming_operation(core.client(), &options);
    if (!op) {
        int error = aws_last_error();
        core.Unref();
        delete ctx;
        addon_->ThrowCrtError(env, error);
    }
    core.streams[id] = op;
    return Napi::Number::New(env, id);
}

Napi::Value NativeRequestResponseClient::OpenStream(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    RrCore &core = Open(info);
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "stream id must be a number");
    auto it = core.streams.find(info[0].As<Napi::Number>().DoubleValue());
    if (it == core.streams.end()) addon_->ThrowCrtError(env, AWS_ERROR_INVALID_STATE);
    if (aws_mqtt_rr_client_operation_activate(it->second) != AWS_OP_SUCCESS) addon_->ThrowCrtError(env, aws_last_error());
    return env.Undefined();
}

// closeStream(id): releases the streaming operation (unsubscribes when it was the last user).
Napi::Value NativeRequestResponseClient::CloseStream(const Napi::CallbackInfo &info) {
    if (core_ && info.Length() > 0 && info[0].IsNumber()) {
        auto it = core_->streams.find(info[0].As<Napi::Number>().DoubleValue());
        if (it != core_->streams.end()) {
            aws_mqtt_rr_client_operation_release(it->second);
            core_->streams.erase(it);
        }
    }
    return info.Env().Undefined();
}

}  // namespace mqtt5crt
