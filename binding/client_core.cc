#include "client_core.h"

#ifdef __linux__
#include <sys/timerfd.h>
#include <unistd.h>
#endif
#include <chrono>

#include <aws/auth/credentials.h>
#include <aws/auth/signable.h>
#include <aws/auth/signing.h>
#include <aws/auth/signing_config.h>
#include <aws/auth/signing_result.h>
#include <aws/http/request_response.h>
#include <aws/io/channel_bootstrap.h>
#include <aws/io/event_loop.h>
#include <aws/mqtt/v5/mqtt5_client.h>
#include <aws/mqtt/v5/mqtt5_packet_storage.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "addon.h"
#include "packets.h"

namespace mqtt5crt {
namespace {

// At most this many events reach JS per wake-up; the rest wait for the next turn of the loop, so
// a message flood cannot starve timers and I/O.
constexpr size_t kMaxBatch = 1024;

// Received payloads at least this large are handed to JS as external Buffers of their own (no
// copy on the JS thread); smaller ones share their segment's arena.
constexpr size_t kExternalPayloadMin = 4096;

// Where external memory is not allowed (Electron's V8 sandbox) payloads are copied into V8's
// memory instead. MQTT5_CRT_NO_EXTERNAL_BUFFERS=1 takes that path anywhere (tests use it).
bool ExternalBuffersOff() {
    static const bool off = [] {
        const char *v = std::getenv("MQTT5_CRT_NO_EXTERNAL_BUFFERS");
        return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
    }();
    return off;
}

// Wake-up moderation (Linux). Under a dense stream of events each wake-up of the JS thread
// carried a few events, and the fixed cost of the wake-ups (the eventfd write, both threads
// going to sleep and being woken, the callback scope) was a third of the client's CPU at QoS 0.
// So when the JS thread's previous batch had at least kDenseBatch events and was taken less than
// one delay ago, the next wake-up comes one delay later, by a timer, and carries what arrived
// meanwhile too. Sparse events (a request and its response, a message every few hundred
// microseconds) are delivered at once, as before. A delay of 100 us against 50 and 200 us, and
// a batch of 4 (see bench/RESULTS.md): QoS 0 CPU -19% at the same msg/s, p99 latency at 2,000
// msg/s unchanged. MQTT5_CRT_WAKE_DELAY_US sets the delay (0 turns moderation off; at most 1 s).
constexpr uint32_t kDenseBatch = 4;

uint64_t WakeDelayNs() {
    static const uint64_t ns = [] {
        uint64_t us = 100;
        const char *v = std::getenv("MQTT5_CRT_WAKE_DELAY_US");
        if (v != nullptr && *v != '\0' && std::strlen(v) <= 7 && std::strspn(v, "0123456789") == std::strlen(v)) {
            us = std::min<uint64_t>(std::strtoull(v, nullptr, 10), 1000000);
        }
        return us * 1000;
    }();
    return ns;
}

uint64_t NowNs() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

// A segment closes at this many events or arena bytes.
constexpr size_t kSegmentEvents = 1024;
constexpr size_t kSegmentBytes = 64 * 1024;

// PUBACKs handed to the CRT per turn of ClientCore::OnAcks. 16 to 128 measured alike in fan-in
// (85-92k msg/s, broker-bound); a whole batch at once (up to 1,024) 73-78k, one task per PUBACK
// from the JS thread 43k.
constexpr size_t kAckChunk = 64;

// Nothing but topic, payload, QoS and retain: the common message, carried compactly.
bool IsPlain(const aws_mqtt5_packet_publish_view *p) {
    return !p->payload_format && !p->message_expiry_interval_seconds && !p->topic_alias && !p->response_topic &&
           !p->correlation_data && p->subscription_identifier_count == 0 && !p->content_type && p->user_property_count == 0 &&
           p->topic.len <= UINT32_MAX;
}

// An owned copy of a packet view, held in the CRT's own storage struct for that packet type.
template <class Storage, class View, int (*Init)(Storage *, aws_allocator *, const View *), void (*CleanUp)(Storage *),
          const Table &kTable>
struct Stored final : OwnedPacket {
    explicit Stored(const View *view) { ok = Init(&storage, Crt::Get().allocator, view) == AWS_OP_SUCCESS; }
    ~Stored() override {
        if (ok) CleanUp(&storage);
    }
    Napi::Object ToJs(Napi::Env env, KeyCache &keys) const override {
        return ok ? ViewToJs(env, keys, kTable, &storage.storage_view) : Napi::Object::New(env);
    }
    Storage storage;
    bool ok;
};

using StoredPublish = Stored<aws_mqtt5_packet_publish_storage, aws_mqtt5_packet_publish_view,
                             aws_mqtt5_packet_publish_storage_init, aws_mqtt5_packet_publish_storage_clean_up, tables::kPublish>;
using StoredPuback = Stored<aws_mqtt5_packet_puback_storage, aws_mqtt5_packet_puback_view, aws_mqtt5_packet_puback_storage_init,
                            aws_mqtt5_packet_puback_storage_clean_up, tables::kPuback>;
using StoredSuback = Stored<aws_mqtt5_packet_suback_storage, aws_mqtt5_packet_suback_view, aws_mqtt5_packet_suback_storage_init,
                            aws_mqtt5_packet_suback_storage_clean_up, tables::kSuback>;
using StoredUnsuback =
    Stored<aws_mqtt5_packet_unsuback_storage, aws_mqtt5_packet_unsuback_view, aws_mqtt5_packet_unsuback_storage_init,
           aws_mqtt5_packet_unsuback_storage_clean_up, tables::kUnsuback>;
using StoredConnack = Stored<aws_mqtt5_packet_connack_storage, aws_mqtt5_packet_connack_view,
                             aws_mqtt5_packet_connack_storage_init, aws_mqtt5_packet_connack_storage_clean_up, tables::kConnack>;
using StoredDisconnect =
    Stored<aws_mqtt5_packet_disconnect_storage, aws_mqtt5_packet_disconnect_view, aws_mqtt5_packet_disconnect_storage_init,
           aws_mqtt5_packet_disconnect_storage_clean_up, tables::kDisconnect>;

struct StoredSettings final : OwnedPacket {
    explicit StoredSettings(const aws_mqtt5_negotiated_settings *src) {
        aws_byte_cursor empty{0, nullptr};
        ok = aws_mqtt5_negotiated_settings_init(Crt::Get().allocator, &settings, &empty) == AWS_OP_SUCCESS &&
             aws_mqtt5_negotiated_settings_copy(src, &settings) == AWS_OP_SUCCESS;
    }
    ~StoredSettings() override { aws_mqtt5_negotiated_settings_clean_up(&settings); }
    Napi::Object ToJs(Napi::Env env, KeyCache &keys) const override {
        return ok ? ViewToJs(env, keys, tables::kSettings, &settings) : Napi::Object::New(env);
    }
    aws_mqtt5_negotiated_settings settings{};
    bool ok;
};

// A copy of a websocket handshake request, for the JS transform callback.
struct RequestSnapshot final : OwnedPacket {
    explicit RequestSnapshot(const aws_http_message *request) {
        aws_byte_cursor c{};
        if (aws_http_message_get_request_method(request, &c) == AWS_OP_SUCCESS)
            method.assign(reinterpret_cast<const char *>(c.ptr), c.len);
        if (aws_http_message_get_request_path(request, &c) == AWS_OP_SUCCESS)
            path.assign(reinterpret_cast<const char *>(c.ptr), c.len);
        for (size_t i = 0, n = aws_http_message_get_header_count(request); i < n; ++i) {
            aws_http_header h{};
            if (aws_http_message_get_header(request, &h, i) == AWS_OP_SUCCESS) {
                headers.emplace_back(std::string(reinterpret_cast<const char *>(h.name.ptr), h.name.len),
                                     std::string(reinterpret_cast<const char *>(h.value.ptr), h.value.len));
            }
        }
    }
    Napi::Object ToJs(Napi::Env env, KeyCache &) const override {
        Napi::Object o = Napi::Object::New(env);
        o.Set("method", method);
        o.Set("path", path);
        Napi::Array a = Napi::Array::New(env, headers.size());
        for (size_t i = 0; i < headers.size(); ++i) {
            Napi::Array pair = Napi::Array::New(env, 2);
            pair.Set(0u, headers[i].first);
            pair.Set(1u, headers[i].second);
            a.Set(static_cast<uint32_t>(i), pair);
        }
        o.Set("headers", a);
        return o;
    }
    std::string method, path;
    std::vector<std::pair<std::string, std::string>> headers;
};

// SigV4 query-parameter presigning of the websocket handshake (AWS IoT's scheme), on CRT threads.
struct SignContext {
    aws_http_message *request;
    void (*complete)(aws_http_message *, int, void *);
    void *complete_ctx;
    aws_signable *signable;
};

void OnSigned(aws_signing_result *result, int error_code, void *user_data) {
    auto *sc = static_cast<SignContext *>(user_data);
    if (error_code == 0 &&
        aws_apply_signing_result_to_http_request(sc->request, Crt::Get().allocator, result) != AWS_OP_SUCCESS) {
        error_code = aws_last_error();
    }
    aws_signable_destroy(sc->signable);
    sc->complete(sc->request, error_code, sc->complete_ctx);
    delete sc;
}

void SignHandshake(const WebsocketSetup &ws, aws_http_message *request, void (*complete)(aws_http_message *, int, void *),
                   void *complete_ctx) {
    aws_allocator *alloc = Crt::Get().allocator;
    aws_signing_config_aws config{};
    config.config_type = AWS_SIGNING_CONFIG_AWS;
    config.algorithm = AWS_SIGNING_ALGORITHM_V4;
    config.signature_type = AWS_ST_HTTP_REQUEST_QUERY_PARAMS;
    config.region = aws_byte_cursor_from_array(ws.sigv4_region.data(), ws.sigv4_region.size());
    config.service = aws_byte_cursor_from_array(ws.sigv4_service.data(), ws.sigv4_service.size());
    aws_date_time_init_now(&config.date);
    config.flags.use_double_uri_encode = true;
    config.flags.should_normalize_uri_path = true;
    // AWS IoT expects the session token appended after signing, not signed.
    config.flags.omit_session_token = true;
    config.signed_body_header = AWS_SBHT_NONE;
    config.credentials_provider = ws.sigv4_provider;
    auto *sc = new SignContext{request, complete, complete_ctx, aws_signable_new_http_request(alloc, request)};
    if (!sc->signable || aws_sign_request_aws(alloc, sc->signable, reinterpret_cast<aws_signing_config_base *>(&config), OnSigned,
                                              sc) != AWS_OP_SUCCESS) {
        int error = aws_last_error();
        if (sc->signable) aws_signable_destroy(sc->signable);
        delete sc;
        complete(request, error, complete_ctx);
    }
}

// ---- CRT-thread callbacks: copy, enqueue, never throw, never touch N-API ------------------------

void OnLifecycle(const aws_mqtt5_client_lifecycle_event *e) {
    auto *core = static_cast<ClientCore *>(e->user_data);
    Event ev;
    switch (e->event_type) {
        case AWS_MQTT5_CLET_ATTEMPTING_CONNECT:
            ev.type = EventType::AttemptingConnect;
            break;
        case AWS_MQTT5_CLET_CONNECTION_SUCCESS:
            ev.type = EventType::ConnectionSuccess;
            break;
        case AWS_MQTT5_CLET_CONNECTION_FAILURE:
            ev.type = EventType::ConnectionFailure;
            break;
        case AWS_MQTT5_CLET_DISCONNECTION:
            ev.type = EventType::Disconnection;
            break;
        case AWS_MQTT5_CLET_STOPPED:
            ev.type = EventType::Stopped;
            break;
        default:
            return;
    }
    ev.error_code = e->error_code;
    if (e->connack_data) ev.packet = std::make_unique<StoredConnack>(e->connack_data);
    if (e->disconnect_data) ev.packet = std::make_unique<StoredDisconnect>(e->disconnect_data);
    if (e->settings) ev.settings = std::make_unique<StoredSettings>(e->settings);
    core->Push(std::move(ev));
}

void OnPublishReceived(const aws_mqtt5_packet_publish_view *publish, void *user_data) {
    auto *core = static_cast<ClientCore *>(user_data);
    double ack_id = 0;
    // The PUBACK is taken under our control here, where the CRT requires it (synchronously in
    // this callback); JS sends it after the listeners ran, or later through an acquired handle.
    if (publish->qos == AWS_MQTT5_QOS_AT_LEAST_ONCE) {
        ack_id = static_cast<double>(aws_mqtt5_client_acquire_publish_acknowledgement(core->crt_client(), publish));
    }
    core->PushMessage(publish, ack_id);
}

}  // namespace

// The per-operation completion context: which core, which operation id. Queued publishes take
// theirs from a block shared by up to OpBlock::kSize of them (one allocation per turn of JS
// instead of one per publish, made on the JS thread and freed on the CRT's).
struct OpContext {
    ClientCore *core;
    double id;
    OpBlock *block;  // null: allocated alone
};

struct OpBlock {
    static constexpr uint32_t kSize = 32;
    // One per context handed out and not yet released, plus one while the JS thread may hand out more.
    std::atomic<uint32_t> refs{1};
    uint32_t used = 0;  // JS thread
    OpContext ctx[kSize];
};

namespace {
void ReleaseBlock(OpBlock *block) {
    if (block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete block;
}
}  // namespace

void *NewOpContext(ClientCore *core, double id) { return new OpContext{core, id, nullptr}; }
void DeleteOpContext(void *ctx) {
    auto *op = static_cast<OpContext *>(ctx);
    if (op->block)
        ReleaseBlock(op->block);
    else
        delete op;
}

namespace {
void Complete(void *ctx, EventType type, int error_code, std::unique_ptr<OwnedPacket> packet, Simple simple = Simple::No) {
    auto *op = static_cast<OpContext *>(ctx);
    Event ev;
    ev.type = type;
    ev.simple = simple;
    ev.error_code = error_code;
    ev.id = op->id;
    ev.packet = std::move(packet);
    op->core->Push(std::move(ev));
    DeleteOpContext(op);
}
}  // namespace

void OnPublishComplete(enum aws_mqtt5_packet_type type, const void *packet, int error_code, void *ctx) {
    // The common outcomes need no copy and no JS object from here: a bare number says it all.
    if (error_code == 0 && (type != AWS_MQTT5_PT_PUBACK || !packet)) {
        return Complete(ctx, EventType::PublishComplete, 0, nullptr, Simple::Done);
    }
    std::unique_ptr<OwnedPacket> p;
    if (type == AWS_MQTT5_PT_PUBACK && packet) {
        const auto *puback = static_cast<const aws_mqtt5_packet_puback_view *>(packet);
        if (error_code == 0 && puback->reason_code == AWS_MQTT5_PARC_SUCCESS && !puback->reason_string &&
            puback->user_property_count == 0) {
            return Complete(ctx, EventType::PublishComplete, 0, nullptr, Simple::PlainPuback);
        }
        p = std::make_unique<StoredPuback>(puback);
    }
    Complete(ctx, EventType::PublishComplete, error_code, std::move(p));
}

void OnSubscribeComplete(const aws_mqtt5_packet_suback_view *suback, int error_code, void *ctx) {
    Complete(ctx, EventType::SubscribeComplete, error_code, suback ? std::make_unique<StoredSuback>(suback) : nullptr);
}

void OnUnsubscribeComplete(const aws_mqtt5_packet_unsuback_view *unsuback, int error_code, void *ctx) {
    Complete(ctx, EventType::UnsubscribeComplete, error_code, unsuback ? std::make_unique<StoredUnsuback>(unsuback) : nullptr);
}

// ---- ClientCore --------------------------------------------------------------------------------

bool ClientCore::QueuePublish(const aws_mqtt5_packet_publish_view &view, double id) {
    aws_event_loop *loop = loop_.load(std::memory_order_relaxed);
    if (!loop || !client_ || view.topic.len > UINT32_MAX) return false;
    if (!op_block_ || op_block_->used == OpBlock::kSize) {
        SealOpBlock();
        op_block_ = new (std::nothrow) OpBlock();
        if (!op_block_) return false;
    }
    size_t need = view.topic.len + view.payload.len;
    std::lock_guard<std::mutex> lock(pub_mu_);
    if (!open_batch_) {
        open_batch_ = new (std::nothrow) PublishBatch();
        if (!open_batch_) return false;
        open_batch_->core = this;
    }
    PublishQueue &pq = open_batch_->queue;
    if (pq.len + need > pq.cap) {
        size_t cap = pq.cap ? pq.cap : 4096;
        while (cap < pq.len + need) cap *= 2;
        auto *grown = static_cast<uint8_t *>(std::realloc(pq.buf.get(), cap));
        if (!grown) return false;
        pq.buf.release();
        pq.buf.reset(grown);
        pq.cap = cap;
    }
    QueuedPublish q;
    q.off = pq.len;
    q.topic_len = static_cast<uint32_t>(view.topic.len);
    q.payload_len = view.payload.len;
    q.qos = view.qos;
    q.retain = view.retain;
    if (view.topic.len) std::memcpy(pq.buf.get() + pq.len, view.topic.ptr, view.topic.len);
    if (view.payload.len) std::memcpy(pq.buf.get() + pq.len + view.topic.len, view.payload.ptr, view.payload.len);
    OpContext &op = op_block_->ctx[op_block_->used++];
    op = OpContext{this, id, op_block_};
    op_block_->refs.fetch_add(1, std::memory_order_relaxed);
    q.op = &op;
    pq.items.push_back(q);
    pq.len += need;
    return true;
}

void ClientCore::SealOpBlock() {
    if (op_block_) ReleaseBlock(op_block_);
    op_block_ = nullptr;
}

void ClientCore::SchedulePublishes() {
    SealOpBlock();  // an idle client keeps none
    aws_event_loop *loop = loop_.load(std::memory_order_relaxed);
    PublishBatch *batch = nullptr;
    {
        std::lock_guard<std::mutex> lock(pub_mu_);
        if (!open_batch_ || open_batch_->scheduled || !client_ || !loop) return;
        batch = open_batch_;
        batch->scheduled = true;
        batch->client = aws_mqtt5_client_acquire(client_);
    }
    refs_.fetch_add(1, std::memory_order_relaxed);  // the task holds the core
    aws_task_init(&batch->task, OnPublishBatch, batch, "mqtt5-crt-publish-batch");
    aws_event_loop_schedule_task_now(loop, &batch->task);
}

void ClientCore::SubmitQueued(aws_mqtt5_client *client, const uint8_t *buf, const QueuedPublish &q) {
    aws_mqtt5_packet_publish_view view{};
    view.topic = aws_byte_cursor_from_array(buf + q.off, q.topic_len);
    view.payload = aws_byte_cursor_from_array(buf + q.off + q.topic_len, q.payload_len);
    view.qos = static_cast<aws_mqtt5_qos>(q.qos);
    view.retain = q.retain;
    aws_mqtt5_publish_completion_options done{};
    done.completion_callback = OnPublishComplete;
    done.completion_user_data = q.op;
    if (aws_mqtt5_client_publish(client, &view, &done) != AWS_OP_SUCCESS) {
        // What the caller would have been thrown arrives as the operation's rejection.
        OnPublishComplete(AWS_MQTT5_PT_NONE, nullptr, aws_last_error(), q.op);
    }
}

void ClientCore::OnPublishBatch(aws_task *, void *arg, aws_task_status status) {
    auto *batch = static_cast<PublishBatch *>(arg);
    ClientCore *core = batch->core;
    bool run;
    {
        std::lock_guard<std::mutex> lock(core->pub_mu_);
        if (core->open_batch_ == batch) core->open_batch_ = nullptr;
        run = !batch->stolen;
        if (run) core->draining_ = true;
    }
    if (run) {
        for (const QueuedPublish &q : batch->queue.items) {
            if (status == AWS_TASK_STATUS_RUN_READY)
                SubmitQueued(batch->client, batch->queue.buf.get(), q);
            else
                OnPublishComplete(AWS_MQTT5_PT_NONE, nullptr, AWS_ERROR_MQTT5_CLIENT_TERMINATED, q.op);
        }
        {
            std::lock_guard<std::mutex> lock(core->pub_mu_);
            core->draining_ = false;
        }
        core->pub_cv_.notify_all();
    }
    aws_mqtt5_client_release(batch->client);
    delete batch;
    core->Unref();
}

void ClientCore::Acknowledge(const uint64_t *ids, size_t count) {
    aws_event_loop *loop = loop_.load(std::memory_order_relaxed);
    if (count == 0 || !client_) return;
    if (!loop) {  // not seen yet (cannot happen for ids from received messages): one task each
        for (size_t i = 0; i < count; ++i) aws_mqtt5_client_invoke_publish_acknowledgement(client_, ids[i], nullptr);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(ack_mu_);
        acks_.insert(acks_.end(), ids, ids + count);
        if (acks_scheduled_) return;
        acks_scheduled_ = true;
        ack_client_ = aws_mqtt5_client_acquire(client_);
    }
    refs_.fetch_add(1, std::memory_order_relaxed);  // the task holds the core
    aws_task_init(&ack_task_, OnAcks, this, "mqtt5-crt-acks");
    aws_event_loop_schedule_task_now(loop, &ack_task_);
}

void ClientCore::OnAcks(aws_task *task, void *arg, aws_task_status status) {
    auto *core = static_cast<ClientCore *>(arg);
    aws_mqtt5_client *client = core->ack_client_;  // ours until acks_scheduled_ is cleared
    uint64_t chunk[kAckChunk];
    size_t n = 0;
    bool again;
    {
        std::lock_guard<std::mutex> lock(core->ack_mu_);
        if (status != AWS_TASK_STATUS_RUN_READY) {  // the loop is going away; the CRT cancels its PUBACK tasks too
            core->acks_.clear();
            core->acks_pos_ = 0;
            core->acks_rest_ = false;
        } else if (core->acks_rest_) {
            core->acks_rest_ = false;
        } else {
            n = std::min(kAckChunk, core->acks_.size() - core->acks_pos_);
            std::copy_n(core->acks_.begin() + static_cast<std::ptrdiff_t>(core->acks_pos_), n, chunk);
            core->acks_pos_ += n;
            if (core->acks_pos_ == core->acks_.size()) {
                core->acks_.clear();
                core->acks_pos_ = 0;
            }
        }
        again = !core->acks_.empty();
        if (again) {
            core->acks_rest_ = n > 0;
        } else {
            core->acks_rest_ = false;
            core->acks_scheduled_ = false;
            core->ack_client_ = nullptr;
        }
    }
    for (size_t i = 0; i < n; ++i) aws_mqtt5_client_invoke_publish_acknowledgement(client, chunk[i], nullptr);
    if (again) {
        aws_task_init(task, OnAcks, core, "mqtt5-crt-acks");
        aws_event_loop_schedule_task_now(core->loop_.load(std::memory_order_relaxed), task);
        return;
    }
    aws_mqtt5_client_release(client);
    core->Unref();
}

void ClientCore::FlushPublishes() {
    PublishQueue stolen;
    {
        std::unique_lock<std::mutex> lock(pub_mu_);
        if (open_batch_) {
            std::swap(stolen, open_batch_->queue);
            if (open_batch_->scheduled)
                open_batch_->stolen = true;  // its task frees it
            else
                delete open_batch_;
            open_batch_ = nullptr;
        }
        // A batch the loop is submitting right now goes first: its operations enter the CRT's
        // task queue before anything scheduled from here afterwards.
        pub_cv_.wait(lock, [this] { return !draining_; });
    }
    for (const QueuedPublish &q : stolen.items) {
        if (client_)
            SubmitQueued(client_, stolen.buf.get(), q);
        else
            OnPublishComplete(AWS_MQTT5_PT_NONE, nullptr, AWS_ERROR_MQTT5_CLIENT_TERMINATED, q.op);
    }
}

ClientCore *ClientCore::Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client_options &options,
                               WebsocketSetup websocket) {
    auto *core = new ClientCore();
    core->async_ = static_cast<uv_async_t *>(std::calloc(1, uv_handle_size(kUvAsync)));
    if (!core->async_) {
        delete core;
        addon->ThrowCrtError(env, AWS_ERROR_OOM);
    }
    core->addon_ = addon;
    core->websocket_ = std::move(websocket);
    if (core->websocket_.sigv4_provider) aws_credentials_provider_acquire(core->websocket_.sigv4_provider);
    if (core->websocket_.enabled) {
        options.websocket_handshake_transform = OnWebsocketTransform;
        options.websocket_handshake_transform_user_data = core;
    }
    core->env_ = env;
    napi_create_reference(env, sink, 0, &core->sink_);
    napi_value resource_name = nullptr;
    napi_create_string_utf8(env, "mqtt5-crt", NAPI_AUTO_LENGTH, &resource_name);
    napi_async_init(env, nullptr, resource_name, &core->async_context_);
    // The wake-up: uv_async_send is lock-free, unlike a thread-safe function's queue.
    uv_loop_t *loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    uv_async_init(loop, core->async_, OnAsync);  // fails only for a loop that is not one
    uv_handle_set_data(AsHandle(core->async_), core);
    uv_unref(AsHandle(core->async_));  // a client keeps the process alive only while started
    // At environment teardown (process exit, worker termination) the handle is closed; node
    // waits for the close to complete.
    napi_add_async_cleanup_hook(env, OnEnvTeardown, core, &core->teardown_hook_);

    options.bootstrap = Crt::Get().bootstrap;
    options.lifecycle_event_handler = OnLifecycle;
    options.lifecycle_event_handler_user_data = core;
    options.publish_received_handler = OnPublishReceived;
    options.publish_received_handler_user_data = core;
    options.client_termination_handler = OnTerminated;
    options.client_termination_handler_user_data = core;

    core->client_ = aws_mqtt5_client_new(Crt::Get().allocator, &options);
    core->crt_client_ = core->client_;
    if (!core->client_) {
        int error = aws_last_error();
        // No CRT client: its termination reference will never be dropped by a callback.
        core->Close();
        core->Unref();  // CRT
        core->Unref();  // wrapper
        addon->ThrowCrtError(env, error);
    }
    addon->live_cores.insert(core);
    return core;
}

ClientCore::~ClientCore() {
    if (websocket_.sigv4_provider) aws_credentials_provider_release(websocket_.sigv4_provider);
    // Shutdown() hands queued publishes over; a batch can only be left if the process stopped
    // running JS between a publish and its turn's end. (A scheduled batch holds the core.)
    if (open_batch_ && !open_batch_->scheduled) {
        for (const QueuedPublish &q : open_batch_->queue.items) DeleteOpContext(q.op);
        delete open_batch_;
    }
    SealOpBlock();
}

void ClientCore::OnWebsocketTransform(aws_http_message *request, void *user_data,
                                      void (*complete)(aws_http_message *, int, void *), void *complete_ctx) {
    auto *core = static_cast<ClientCore *>(user_data);
    if (!core->websocket_.sigv4_region.empty()) {
        SignHandshake(core->websocket_, request, complete, complete_ctx);
        return;
    }
    if (!core->websocket_.js_transform) {
        complete(request, AWS_ERROR_SUCCESS, complete_ctx);
        return;
    }
    Event ev;
    ev.type = EventType::WebsocketTransform;
    ev.packet = std::make_unique<RequestSnapshot>(request);
    {
        std::lock_guard<std::mutex> lock(core->mu_);
        if (!core->open_) {
            complete(request, AWS_ERROR_MQTT5_CLIENT_TERMINATED, complete_ctx);
            return;
        }
        ev.id = ++core->next_transform_id_;
        core->transforms_[ev.id] = PendingTransform{request, complete, complete_ctx};
    }
    core->Push(std::move(ev));
}

bool ClientCore::CompleteTransform(double id, int error, const std::string *path,
                                   const std::vector<std::pair<std::string, std::string>> *headers) {
    PendingTransform t{};
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = transforms_.find(id);
        if (it == transforms_.end()) return false;
        t = it->second;
        transforms_.erase(it);
    }
    if (!error && path) {
        if (aws_http_message_set_request_path(t.request, aws_byte_cursor_from_array(path->data(), path->size())) !=
            AWS_OP_SUCCESS) {
            error = aws_last_error();
        }
    }
    if (!error && headers) {
        while (aws_http_message_get_header_count(t.request) > 0) aws_http_message_erase_header(t.request, 0);
        for (const auto &h : *headers) {
            aws_http_header hdr{};
            hdr.name = aws_byte_cursor_from_array(h.first.data(), h.first.size());
            hdr.value = aws_byte_cursor_from_array(h.second.data(), h.second.size());
            if (aws_http_message_add_header(t.request, hdr) != AWS_OP_SUCCESS) {
                error = aws_last_error();
                break;
            }
        }
    }
    t.complete(t.request, error, t.complete_ctx);
    return true;
}

// Transforms still waiting for JS when the client goes away: the CRT must not wait forever.
void ClientCore::FailPendingTransforms(int error) {
    std::map<double, PendingTransform> pending;
    {
        std::lock_guard<std::mutex> lock(mu_);
        pending.swap(transforms_);
    }
    for (auto &entry : pending) entry.second.complete(entry.second.request, error, entry.second.complete_ctx);
}

void ClientCore::OnTerminated(void *user_data) {
    auto *core = static_cast<ClientCore *>(user_data);
    {
        std::lock_guard<std::mutex> lock(core->mu_);
        core->terminated_ = true;  // JS closes the handle once it has taken the last events
    }
    core->Wake();
    core->Unref();
}

void ClientCore::Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

bool ClientCore::Segment::Reserve(size_t more) {
    if (size + more <= capacity) return true;
    size_t want = capacity ? capacity : 4096;
    while (want < size + more) want *= 2;
    auto *grown = static_cast<uint8_t *>(std::realloc(arena.get(), want));
    if (!grown) return false;
    arena.release();
    arena.reset(grown);
    capacity = want;
    return true;
}

ClientCore::Segment &ClientCore::OpenSegment() {
    if (queue_.empty() || queue_.back()->events.size() >= kSegmentEvents || queue_.back()->size >= kSegmentBytes) {
        queue_.push_back(std::make_unique<Segment>());
    }
    return *queue_.back();
}

void ClientCore::Push(Event &&event) {
    bool wake;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!open_) return;  // the environment is gone; drop it
        OpenSegment().events.push_back(std::move(event));
        wake = Signal();
    }
    if (wake) Wake();
}

void ClientCore::PushMessage(const aws_mqtt5_packet_publish_view *publish, double ack_id) {
    Event ev;
    ev.type = EventType::MessageReceived;
    ev.ack_id = ack_id;
    const bool plain = IsPlain(publish);
    const size_t topic_len = publish->topic.len, payload_len = publish->payload.len;
    const bool external = plain && payload_len >= kExternalPayloadMin;
    if (external) {
        // Copied outside the lock; the Buffer will own this block.
        ev.payload.reset(static_cast<uint8_t *>(std::malloc(payload_len)));
        if (ev.payload) std::memcpy(ev.payload.get(), publish->payload.ptr, payload_len);
    }
    if (!plain || (external && !ev.payload)) ev.packet = std::make_unique<StoredPublish>(publish);

    bool wake;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!open_) return;
        Segment &seg = OpenSegment();
        if (!ev.packet) {
            const bool same_topic =
                seg.has_topic && seg.last_topic_len == topic_len &&
                (topic_len == 0 || std::memcmp(seg.arena.get() + seg.last_topic_off, publish->topic.ptr, topic_len) == 0);
            const size_t need = (same_topic ? 0 : topic_len) + (external ? 0 : payload_len);
            if (seg.Reserve(need)) {
                ev.simple = Simple::Message;
                ev.bits = (publish->qos & 3) | (publish->retain ? kMsgRetain : 0) | (external ? kMsgExternal : 0);
                if (!same_topic) {
                    ev.bits |= kMsgNewTopic;
                    ev.topic_off = seg.size;
                    ev.topic_len = static_cast<uint32_t>(topic_len);
                    if (topic_len) std::memcpy(seg.arena.get() + seg.size, publish->topic.ptr, topic_len);
                    seg.size += topic_len;
                    seg.last_topic_off = ev.topic_off;
                    seg.last_topic_len = ev.topic_len;
                    seg.has_topic = true;
                }
                ev.payload_len = payload_len;
                if (!external) {
                    ev.payload_off = seg.size;
                    if (payload_len) std::memcpy(seg.arena.get() + seg.size, publish->payload.ptr, payload_len);
                    seg.size += payload_len;
                }
            } else {
                ev.payload.reset();
                ev.packet = std::make_unique<StoredPublish>(publish);  // out of memory for the arena: the slow way
            }
        }
        seg.events.push_back(std::move(ev));
        wake = Signal();
    }
    if (wake) Wake();
}

// mu_ held. On the client's event-loop thread the wake-up waits for a task that runs once the
// loop has handled the current I/O (everything one socket read produced goes to JS as one
// batch); from any other thread the caller wakes JS at once.
bool ClientCore::Signal() {
    if (signaled_ || flush_scheduled_) return false;
    aws_event_loop *loop = loop_.load(std::memory_order_relaxed);
    if (!loop) {
        aws_event_loop_group *elg = Crt::Get().bootstrap->event_loop_group;
        for (size_t i = 0, n = aws_event_loop_group_get_loop_count(elg); i < n && !loop; ++i) {
            aws_event_loop *candidate = aws_event_loop_group_get_loop_at(elg, i);
            if (aws_event_loop_thread_is_callers_thread(candidate)) loop = candidate;
        }
        // A client stays on one loop for its life: remember the first one seen.
        if (loop) loop_.store(loop, std::memory_order_relaxed);
    }
    if (loop && aws_event_loop_thread_is_callers_thread(loop)) {
        flush_scheduled_ = true;
        refs_.fetch_add(1, std::memory_order_relaxed);  // the task holds the core
        aws_task_init(&flush_task_, OnFlush, this, "mqtt5-crt-flush");
        aws_event_loop_schedule_task_now(loop, &flush_task_);
        return false;
    }
    signaled_ = true;
    return true;
}

void ClientCore::OnFlush(aws_task *, void *arg, aws_task_status) {
    auto *core = static_cast<ClientCore *>(arg);
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(core->mu_);
        core->flush_scheduled_ = false;
        if (!core->signaled_ && core->open_ && !core->queue_.empty()) wake = core->signaled_ = true;
    }
    if (wake) core->Wake(true);
    core->Unref();
}

// Outside mu_, so that the JS thread, woken, does not find the queue locked.
void ClientCore::Wake(bool moderated) {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (!wake_open_) return;
#ifdef __linux__
    if (moderated && timer_fd_ >= 0 && drained_events_.load(std::memory_order_relaxed) >= kDenseBatch &&
        NowNs() - drained_ns_.load(std::memory_order_relaxed) < WakeDelayNs()) {
        itimerspec at{};
        at.it_value.tv_sec = static_cast<time_t>(WakeDelayNs() / 1000000000);
        at.it_value.tv_nsec = static_cast<long>(WakeDelayNs() % 1000000000);
        if (timerfd_settime(timer_fd_, 0, &at, nullptr) == 0) return;
    }
#endif
    uv_async_send(async_);
}

void ClientCore::StartTimer() {
#ifdef __linux__
    if (timer_poll_ || closing_ || WakeDelayNs() == 0) return;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) return;
    auto *poll = static_cast<uv_poll_t *>(std::calloc(1, uv_handle_size(kUvPoll)));
    uv_loop_t *loop = nullptr;
    napi_get_uv_event_loop(env_, &loop);
    if (!poll || !loop || uv_poll_init(loop, poll, fd) != 0) {
        std::free(poll);
        ::close(fd);
        return;
    }
    uv_handle_set_data(AsHandle(poll), this);
    uv_unref(AsHandle(poll));  // the async handle alone decides whether the client keeps the process alive
    uv_poll_start(poll, kUvReadable, OnTimer);
    timer_poll_ = poll;
    std::lock_guard<std::mutex> lock(wake_mu_);
    timer_fd_ = fd;
#endif
}

void ClientCore::OnTimer(uv_poll_t *handle, int, int) {
#ifdef __linux__
    auto *core = static_cast<ClientCore *>(uv_handle_get_data(AsHandle(handle)));
    uint64_t expirations = 0;
    {
        std::lock_guard<std::mutex> lock(core->wake_mu_);
        // Clears its readiness (level-triggered). A failure can only be EAGAIN: nothing expired.
        if (core->timer_fd_ >= 0) (void)!::read(core->timer_fd_, &expirations, sizeof expirations);
    }
    OnAsync(core->async_);
#endif
}

void ClientCore::Close() {
    if (closing_) return;
    closing_ = true;
    int timer_fd = -1;
    {
        std::lock_guard<std::mutex> lock(wake_mu_);
        wake_open_ = false;
        std::swap(timer_fd, timer_fd_);
    }
    if (timer_poll_) {
        // Its close callback needs nothing of the core: the fd travels in the handle's data.
        uv_handle_set_data(AsHandle(timer_poll_), reinterpret_cast<void *>(static_cast<intptr_t>(timer_fd)));
        uv_close(AsHandle(timer_poll_), [](uv_handle_t *h) {
#ifdef __linux__
            ::close(static_cast<int>(reinterpret_cast<intptr_t>(uv_handle_get_data(h))));
#endif
            std::free(h);
        });
        timer_poll_ = nullptr;
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        open_ = false;
    }
    uv_close(AsHandle(async_), OnClosed);
}

void ClientCore::OnClosed(uv_handle_t *handle) {
    auto *core = static_cast<ClientCore *>(uv_handle_get_data(handle));
    std::free(core->async_);
    core->async_ = nullptr;
    core->refd_ = false;
    core->FailPendingTransforms(AWS_ERROR_MQTT5_CLIENT_TERMINATED);
    if (core->sink_) napi_delete_reference(core->env_, core->sink_);
    core->sink_ = nullptr;
    if (core->async_context_) napi_async_destroy(core->env_, core->async_context_);
    core->async_context_ = nullptr;
    if (core->teardown_hook_) napi_remove_async_cleanup_hook(core->teardown_hook_);
    core->teardown_hook_ = nullptr;
    core->Unref();
}

void ClientCore::OnEnvTeardown(napi_async_cleanup_hook_handle, void *arg) {
    static_cast<ClientCore *>(arg)->Close();  // OnClosed tells node the cleanup is done
}

// The N-API calls on these paths also run from finalizers and at environment teardown, where
// they may fail harmlessly; they use the C API and ignore the status instead of throwing.
void ClientCore::SetStrong(bool strong) {
    if (strong == refd_ || closing_) return;
    refd_ = strong;
    uint32_t count = 0;
    if (strong) {
        uv_ref(AsHandle(async_));
        if (sink_) napi_reference_ref(env_, sink_, &count);
    } else {
        uv_unref(AsHandle(async_));
        if (sink_) napi_reference_unref(env_, sink_, &count);
    }
}

void ClientCore::SetRunning(Napi::Env env, bool running) {
    running_ = running;
    if (running) SetStrong(true);
}

void ClientCore::Shutdown(Napi::Env env) {
    FlushPublishes();  // submitted before the client is released, as if each had gone at once
    SealOpBlock();
    running_ = false;
    SetStrong(false);
    if (addon_) addon_->live_cores.erase(this);
    FailPendingTransforms(AWS_ERROR_MQTT5_CLIENT_TERMINATED);
    if (client_) {
        aws_mqtt5_client *c = client_;
        client_ = nullptr;
        aws_mqtt5_client_release(c);
    }
}

void ClientCore::OnAsync(uv_async_t *handle) {
    auto *core = static_cast<ClientCore *>(uv_handle_get_data(AsHandle(handle)));
    if (core->closing_) return;
    // The first time the events come densely, the core gets its timer (see Wake).
    if (!core->timer_poll_ && core->drained_events_.load(std::memory_order_relaxed) >= kDenseBatch &&
        NowNs() - core->drained_ns_.load(std::memory_order_relaxed) < WakeDelayNs()) {
        core->StartTimer();
    }
    try {
        core->Deliver(Napi::Env(core->env_));
    } catch (const Napi::Error &) {
        // Converting failed (the environment is going away, or out of memory): the rest of this
        // batch is dropped; a JS exception, if any, stays pending and is reported as uncaught.
    }
    bool done;
    {
        std::lock_guard<std::mutex> lock(core->mu_);
        done = core->terminated_ && core->queue_.empty();
    }
    // The CRT client is gone and every event it sent has been delivered: nothing can wake us.
    if (done) core->Close();
}

// Record kinds in the numeric array, part of the contract with lib/mqtt5.ts (#onEvents).
enum Record : int { kRecDone = 1, kRecPuback = 2, kRecMessage = 3, kRecArena = 4, kRecEvent = 5 };

void ClientCore::Deliver(Napi::Env env) {
    // Whole segments, at least one, up to kMaxBatch events per wake-up.
    std::vector<std::unique_ptr<Segment>> batch;
    size_t events = 0;
    bool more;
    {
        std::lock_guard<std::mutex> lock(mu_);
        size_t taken = 0;
        while (taken < queue_.size() && (taken == 0 || events + queue_[taken]->events.size() <= kMaxBatch)) {
            events += queue_[taken]->events.size();
            batch.push_back(std::move(queue_[taken++]));
        }
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
        more = !queue_.empty();
        signaled_ = more;
    }
    if (more) Wake();
    if (events == 0) return;  // a wake-up whose events an earlier one took: not a batch
    drained_ns_.store(NowNs(), std::memory_order_relaxed);
    drained_events_.store(static_cast<uint32_t>(events), std::memory_order_relaxed);

    bool stopped = false;
    Napi::HandleScope scope(env);
    static const int kEvent = KeyId("event"), kError = KeyId("errorCode"), kId = KeyId("id"), kAck = KeyId("ackId"),
                     kPacket = KeyId("packet"), kSettings = KeyId("settings");
    KeyCache &keys = env.GetInstanceData<Addon>()->Keys();
    // Numbers go into a Float64Array the JS side reads (no N-API call per number); strings,
    // Buffers and objects go into an array alongside.
    napi_value records_array = nullptr;
    double *rec = env.GetInstanceData<Addon>()->Records(env, events * 5 + batch.size(), &records_array);
    if (!rec) return;
    size_t n = 0;
    napi_value objects = nullptr;
    napi_create_array(env, &objects);
    uint32_t k = 0;
    auto push_object = [&](napi_value v) { napi_set_element(env, objects, k++, v); };

    for (auto &seg : batch) {
        {
            bool arena_used = false;
            for (const Event &ev : seg->events)
                arena_used = arena_used || (ev.simple == Simple::Message && !(ev.bits & kMsgExternal));
            // The arena becomes the ArrayBuffer small payloads are views of; its topics are read
            // from it here first.
            if (arena_used) {
                napi_value ab = nullptr;
                if (seg->capacity > seg->size + seg->size / 4 && seg->size > 0) {
                    // Give back what the doubling over-reserved before JS holds on to it.
                    if (auto *fit = static_cast<uint8_t *>(std::realloc(seg->arena.get(), seg->size))) {
                        seg->arena.release();
                        seg->arena.reset(fit);
                        seg->capacity = seg->size;
                    }
                }
                void *data = seg->arena.get();
                if (!data || ExternalBuffersOff() ||
                    napi_create_external_arraybuffer(
                        env, data, seg->size, [](napi_env, void *d, void *) { std::free(d); }, nullptr, &ab) != napi_ok) {
                    // No external memory here (Electron's V8 sandbox): copy it.
                    void *copy = nullptr;
                    napi_create_arraybuffer(env, seg->size, &copy, &ab);
                    if (copy && seg->size) std::memcpy(copy, data, seg->size);
                    data = nullptr;
                }
                rec[n++] = kRecArena;
                push_object(ab);
                // The ArrayBuffer owns the block now; it outlives this scope, where the topics
                // are still read from the block.
                if (data) seg->handed = seg->arena.release();
            }
        }
        const uint8_t *arena = seg->handed ? seg->handed : seg->arena.get();
        for (Event &ev : seg->events) {
            if (ev.simple == Simple::Message) {
                rec[n++] = kRecMessage;
                rec[n++] = ev.bits;
                rec[n++] = ev.ack_id;
                rec[n++] = static_cast<double>(ev.payload_off);
                rec[n++] = static_cast<double>(ev.payload_len);
                if (ev.bits & kMsgNewTopic) {
                    napi_value topic = nullptr;
                    napi_create_string_utf8(env, ev.topic_len ? reinterpret_cast<const char *>(arena + ev.topic_off) : "",
                                            ev.topic_len, &topic);
                    push_object(topic);
                }
                if (ev.bits & kMsgExternal) {
                    napi_value payload = nullptr;
                    uint8_t *data = ev.payload.get();
                    if (!ExternalBuffersOff() && napi_create_external_buffer(
                                                     env, ev.payload_len, data, [](napi_env, void *d, void *) { std::free(d); },
                                                     nullptr, &payload) == napi_ok) {
                        ev.payload.release();  // the Buffer owns it now
                    } else {
                        napi_create_buffer_copy(env, ev.payload_len, data, nullptr, &payload);
                    }
                    push_object(payload);
                }
            } else if (ev.simple != Simple::No) {
                // Completions with nothing to say: done, or a PUBACK with reason Success and no properties.
                rec[n++] = ev.simple == Simple::Done ? kRecDone : kRecPuback;
                rec[n++] = ev.id;
            } else {
                napi_value item = nullptr;
                napi_create_object(env, &item);
                napi_value v = nullptr;
                napi_create_int32(env, static_cast<int>(ev.type), &v);
                SetKey(env, item, keys.Get(kEvent), v);
                if (ev.error_code) {
                    napi_create_int32(env, ev.error_code, &v);
                    SetKey(env, item, keys.Get(kError), v);
                }
                if (ev.id) {
                    napi_create_double(env, ev.id, &v);
                    SetKey(env, item, keys.Get(kId), v);
                }
                if (ev.ack_id) {
                    napi_create_double(env, ev.ack_id, &v);
                    SetKey(env, item, keys.Get(kAck), v);
                }
                if (ev.packet) SetKey(env, item, keys.Get(kPacket), ev.packet->ToJs(env, keys));
                if (ev.settings) SetKey(env, item, keys.Get(kSettings), ev.settings->ToJs(env, keys));
                rec[n++] = kRecEvent;
                push_object(item);
            }
            if (ev.type == EventType::Stopped) stopped = true;
        }
    }
    batch.clear();

    napi_value fn = nullptr;
    if (sink_ && napi_get_reference_value(env, sink_, &fn) == napi_ok && fn != nullptr) {
        // The raw call: an exception thrown by the sink stays pending and Node reports it as
        // uncaught when this callback returns (the sink already isolates listener errors).
        napi_value receiver = nullptr;
        napi_value argv[3] = {objects, records_array, nullptr};
        napi_create_uint32(env, static_cast<uint32_t>(n), &argv[2]);
        napi_get_global(env, &receiver);  // make_callback needs an object receiver; the sink ignores it
        // make_callback: microtasks and nextTicks run when it returns, as after any I/O callback.
        if (napi_make_callback(env, async_context_, receiver, fn, 3, argv, nullptr) == napi_pending_exception) {
            // Node would only warn (DEP0168) about an exception left pending here: report it as
            // uncaught instead, as for any callback.
            napi_value error = nullptr;
            if (napi_get_and_clear_last_exception(env, &error) == napi_ok && error != nullptr) {
                napi_fatal_exception(env, error);
            }
        }
    }
    // A stopped client no longer keeps the process alive, unless start() was called again.
    if (stopped && !running_) SetStrong(false);
}

}  // namespace mqtt5crt
