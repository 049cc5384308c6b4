// The part of a client that must outlive its JS wrapper: the aws_mqtt5_client, the event queue
// and the libuv async handle that wakes the JS thread to take queued events in batches.
//
// Lifetime: three references, dropped by (1) the wrapper (GC or close), (2) the async handle's
// close callback (after the CRT client terminated, or at environment teardown), (3) the CRT's
// termination callback, which fires after every operation has completed. The core is deleted
// when the last one goes, so a CRT callback can never see freed memory.
#pragma once

#include <aws/common/task_scheduler.h>
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "events.h"
#include "uv_min.h"

struct aws_mqtt5_client;
struct aws_mqtt5_client_options;
struct aws_mqtt5_packet_publish_view;
struct aws_mqtt5_client_operation_statistics;
struct aws_http_message;
struct aws_credentials_provider;
struct aws_event_loop;

namespace mqtt5crt {

class Addon;
struct OpContext;
struct OpBlock;

// How the websocket handshake is prepared, when the client uses websockets.
struct WebsocketSetup {
    bool enabled = false;
    bool js_transform = false;                // hand the request to the JS transform callback
    std::string sigv4_region, sigv4_service;  // sign it (query parameters) when region is set
    aws_credentials_provider *sigv4_provider = nullptr;
};

class ClientCore {
public:
    // Creates the CRT client; on failure throws CrtError and the core is gone.
    static ClientCore *Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client_options &options,
                              WebsocketSetup websocket);

    // JS thread: the JS transform finished (error 0 = go on) and may have rewritten the request.
    bool CompleteTransform(double id, int error, const std::string *path,
                           const std::vector<std::pair<std::string, std::string>> *headers);
    // Fails every handshake transform still waiting for JS (stop, close, teardown).
    void FailPendingTransforms(int error);

    // JS thread.
    aws_mqtt5_client *client() const { return client_; }
    aws_mqtt5_client *crt_client() const { return crt_client_; }
    double NextId() { return ++next_id_; }
    void SetRunning(Napi::Env env, bool running);
    void Shutdown(Napi::Env env);        // releases the CRT client; idempotent
    void Unref();                        // drop one of the three references
    void Detach() { addon_ = nullptr; }  // the environment's addon state is going away

    // JS thread. Publishes without properties, once the client's event loop is known, are not
    // submitted one by one (each a cross-thread task, a lock and often a wake-up of the loop) but
    // queued here and submitted together by one task on the loop. QueuePublish copies the packet
    // and returns false when it cannot queue (submit directly then). FlushPublishes keeps the
    // order for everything else: it submits what is queued before the caller submits its own
    // operation, or waits for the loop to finish submitting it.
    // JS schedules the batch once per turn (a microtask), so a burst of publishes costs one task.
    bool QueuePublish(const aws_mqtt5_packet_publish_view &view, double id);
    void SchedulePublishes();
    void FlushPublishes();

    // JS thread: sends the PUBACKs held back for these control ids, in order. Two things in the
    // CRT make the obvious way (one aws_mqtt5_client_invoke_publish_acknowledgement per id, each a
    // task of its own) slow when a whole delivery batch is acknowledged at once:
    //  - each PUBACK is queued behind every PUBACK not yet written, by a walk from the front, so
    //    queueing n of them before the client writes any costs time quadratic in n;
    //  - each one reschedules the client's service task (the one that writes) to "now", cancelling
    //    it if it was due; PUBACK tasks in every loop iteration keep it from ever running.
    // So OnAcks, one task of ours on the client's loop, hands the CRT kAckChunk of them, then
    // rests one iteration in which the CRT queues them and the service task runs and writes them.
    void Acknowledge(const uint64_t *ids, size_t count);

    // Any thread.
    void Push(Event &&event);
    // CRT thread: a received PUBLISH (ack_id: its manual PUBACK control id at QoS 1, else 0).
    void PushMessage(const aws_mqtt5_packet_publish_view *publish, double ack_id);

private:
    ClientCore() = default;
    ~ClientCore();
    // Events queue in segments. A segment's plain messages keep their topics and small payloads
    // in the segment's arena, which becomes one ArrayBuffer in JS (each payload a Buffer view of
    // it); a segment is delivered whole, in one wake-up, and is closed at a bounded size so that a
    // payload kept by the application keeps little else alive.
    struct Segment {
        std::vector<Event> events;
        Bytes arena;
        const uint8_t *handed = nullptr;  // JS thread: the arena, once an ArrayBuffer owns it
        size_t size = 0, capacity = 0;
        size_t last_topic_off = 0;
        uint32_t last_topic_len = 0;
        bool has_topic = false;
        bool Reserve(size_t more);
    };
    Segment &OpenSegment();  // mu_ held
    bool Signal();           // mu_ held: true when the caller must Wake() (after unlocking)
    // Any thread, mu_ not held: uv_async_send unless closed. `moderated` (the CRT thread's
    // wake-up once a loop iteration queued events): while events come close together, the JS
    // thread is woken a moment later instead, by the core's timer, and takes them all at once.
    void Wake(bool moderated = false);
    void StartTimer();  // JS thread: the moderation timer, made once the core runs hot
    static void OnTimer(uv_poll_t *handle, int status, int events);
    void Close();  // JS thread: close the async handle (once)
    static void OnAsync(uv_async_t *handle);
    static void OnClosed(uv_handle_t *handle);
    static void OnEnvTeardown(napi_async_cleanup_hook_handle handle, void *arg);

    // A queued publish: its topic and payload are at `off` in its batch's buffer.
    struct QueuedPublish {
        size_t off;
        size_t payload_len;
        uint32_t topic_len;
        int qos;
        bool retain;
        OpContext *op;
    };
    // One turn's publishes: one buffer for all their bytes (one allocation, not one per publish).
    struct PublishQueue {
        std::vector<QueuedPublish> items;
        Bytes buf;
        size_t len = 0, cap = 0;
    };
    struct PublishBatch {
        aws_task task;
        ClientCore *core;
        aws_mqtt5_client *client;  // a reference held until the task ran
        PublishQueue queue;
        bool scheduled = false;  // guarded by pub_mu_: the task is scheduled (and holds the references)
        bool stolen = false;     // guarded by pub_mu_: JS submitted the items itself
    };
    static void OnPublishBatch(aws_task *task, void *arg, aws_task_status status);
    static void SubmitQueued(aws_mqtt5_client *client, const uint8_t *buf, const QueuedPublish &q);
    void SealOpBlock();  // JS thread
    static void OnFlush(aws_task *task, void *arg, aws_task_status status);
    static void OnAcks(aws_task *task, void *arg, aws_task_status status);
    void Deliver(Napi::Env env);

    void SetStrong(bool strong);  // async handle ref + strong sink, or neither
    static void OnTerminated(void *user_data);
    static void OnWebsocketTransform(aws_http_message *request, void *user_data,
                                     void (*complete)(aws_http_message *, int, void *), void *complete_ctx);

    struct PendingTransform {
        aws_http_message *request;
        void (*complete)(aws_http_message *, int, void *);
        void *complete_ctx;
    };
    WebsocketSetup websocket_;
    std::map<double, PendingTransform> transforms_;  // guarded by mu_
    double next_transform_id_ = 0;                   // guarded by mu_

    Addon *addon_ = nullptr;
    aws_mqtt5_client *client_ = nullptr;      // JS thread; null once released
    aws_mqtt5_client *crt_client_ = nullptr;  // set once; valid in CRT callbacks until termination
    napi_env env_ = nullptr;
    napi_ref sink_ = nullptr;  // weak while stopped, strong while started
    napi_async_context async_context_ = nullptr;
    napi_async_cleanup_hook_handle teardown_hook_ = nullptr;
    uv_async_t *async_ = nullptr;  // uv_handle_size(UV_ASYNC) bytes, freed once closed
    bool running_ = false;         // JS thread: start() was called and stop()/close() was not
    bool refd_ = false;            // JS thread: the async handle and the sink are strong
    bool closing_ = false;         // JS thread: the async handle is closed or closing
    double next_id_ = 0;

    std::mutex mu_;
    // A vector, not a deque: an idle client's empty deque would still hold its first 512-byte block.
    std::vector<std::unique_ptr<Segment>> queue_;  // guarded by mu_
    bool signaled_ = false;                        // guarded by mu_: a wake-up is pending
    bool flush_scheduled_ = false;                 // guarded by mu_: OnFlush is scheduled on the loop
    aws_task flush_task_{};                        // guarded by mu_
    std::atomic<aws_event_loop *> loop_{nullptr};  // the client's event loop, once seen

    std::mutex pub_mu_;
    std::condition_variable pub_cv_;
    PublishBatch *open_batch_ = nullptr;  // guarded by pub_mu_: not started, still accepting
    OpBlock *op_block_ = nullptr;         // JS thread: the completion contexts of queued publishes come from here
    bool draining_ = false;               // guarded by pub_mu_: OnPublishBatch is submitting
    bool open_ = true;                    // guarded by mu_: false once the CRT client terminated or the environment went
    bool terminated_ = false;             // guarded by mu_: the CRT client terminated (close once the queue is empty)
    std::mutex ack_mu_;
    std::vector<uint64_t> acks_;              // guarded by ack_mu_: control ids, handed to the CRT up to acks_pos_
    size_t acks_pos_ = 0;                     // guarded by ack_mu_
    bool acks_scheduled_ = false;             // guarded by ack_mu_: OnAcks is scheduled (holds the core and ack_client_)
    bool acks_rest_ = false;                  // guarded by ack_mu_: OnAcks lets the next iteration pass
    aws_mqtt5_client *ack_client_ = nullptr;  // a reference held while OnAcks is scheduled
    aws_task ack_task_{};
    std::mutex wake_mu_;
    bool wake_open_ = true;                    // guarded by wake_mu_: async_ may be sent to
    int timer_fd_ = -1;                        // guarded by wake_mu_: the moderation timer (Linux timerfd), once made
    uv_poll_t *timer_poll_ = nullptr;          // JS thread: watches timer_fd_
    std::atomic<uint64_t> drained_ns_{0};      // when JS last took the queue (steady clock)
    std::atomic<uint32_t> drained_events_{0};  // how many events it took then
    std::atomic<int> refs_{3};
};

}  // namespace mqtt5crt
