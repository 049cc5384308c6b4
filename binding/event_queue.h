// A client's events on their way from CRT threads to JS: pushed by CRT callbacks (copied, never
// touching N-API), taken by the JS thread in batches and encoded for the sink (event_encoder.cc).
//
// Events queue in segments. A segment's plain messages keep their topics and small payloads in the
// segment's arena, which becomes one ArrayBuffer in JS (each payload a Buffer view of it); a
// segment is delivered whole, in one wake-up, and is closed at a bounded size so that a payload
// kept by the application keeps little else alive.
#pragma once

#include <aws/common/task_scheduler.h>
#include <napi.h>

#include <memory>
#include <mutex>
#include <vector>

#include "events.h"

struct aws_mqtt5_client;
struct aws_mqtt5_packet_publish_view;

namespace mqtt5crt {

class ClientLoop;
class RefCounted;
class Waker;

struct Segment {
    std::vector<Event> events;
    size_t messages = 0;  // how many of the events are received messages
    Bytes arena;
    const uint8_t *handed = nullptr;  // JS thread: the arena, once an ArrayBuffer owns it
    size_t size = 0, capacity = 0;
    size_t last_topic_off = 0;
    uint32_t last_topic_len = 0;
    bool has_topic = false;
    bool Reserve(size_t more);
};

// What the JS thread takes in one wake-up: whole segments.
struct EventBatch {
    std::vector<std::unique_ptr<Segment>> segments;
    size_t events = 0;
};

class EventQueue {
public:
    // `owner` is held by the task that defers a wake-up to the end of a loop iteration.
    EventQueue(RefCounted &owner, ClientLoop &loop, Waker &waker) : owner_(owner), loop_(loop), waker_(waker) {}

    // Any thread: queues the event and wakes JS (see Signal). Dropped once the queue is shut.
    void Push(Event &&event);
    // CRT thread: a received PUBLISH (ack_id: its manual PUBACK control id at QoS 1, else 0).
    // `receiver`: the MQTT 5 client whose publish-received callback this is, which may hand over
    // the buffer a large payload was decoded in; null for a view the caller made.
    void PushMessage(const aws_mqtt5_packet_publish_view *publish, double ack_id, aws_mqtt5_client *receiver);
    // CRT thread: the client terminated; nothing more will be pushed.
    void End();

    // Before the client starts: the inbound backlog policy. When `threshold` messages wait for
    // JS, a SlowConsumer event reports it (again after the backlog fell below half of it); with
    // `drop_qos0`, QoS 0 messages arriving while that many wait are dropped (and counted). QoS 1
    // is never dropped: the server's Receive Maximum already bounds it. 0: no threshold.
    void SetBacklogPolicy(size_t threshold, bool drop_qos0) {
        threshold_ = threshold;
        drop_qos0_ = drop_qos0;
    }

    // JS thread: whole segments, at least one, up to `max_events` events; wakes JS again when
    // more is left.
    EventBatch Take(size_t max_events);
    // JS thread: End() was called and every event was taken.
    bool Finished();
    // JS thread: drops whatever is pushed from now on (the client's handles are closing).
    void Shut();
    // Any thread: not shut.
    bool IsOpen();

private:
    Segment &OpenSegment();  // mu_ held
    bool Signal();           // mu_ held: true when the caller must wake JS (after unlocking)
    static void OnFlush(aws_task *task, void *arg, aws_task_status status);

    RefCounted &owner_;
    ClientLoop &loop_;
    Waker &waker_;
    std::mutex mu_;
    // A vector, not a deque: an idle client's empty deque would still hold its first 512-byte block.
    std::vector<std::unique_ptr<Segment>> queue_;  // guarded by mu_
    bool signaled_ = false;                        // guarded by mu_: a wake-up is pending
    bool flush_scheduled_ = false;                 // guarded by mu_: OnFlush is scheduled on the loop
    aws_task flush_task_{};                        // guarded by mu_
    bool open_ = true;                             // guarded by mu_
    bool ended_ = false;                           // guarded by mu_
    size_t threshold_ = 0;                         // set before start: see SetBacklogPolicy
    bool drop_qos0_ = false;                       // set before start
    size_t queued_messages_ = 0;                   // guarded by mu_: messages pushed and not taken
    double dropped_ = 0;                           // guarded by mu_: QoS 0 messages dropped so far
    bool slow_ = false;                            // guarded by mu_: reported; re-armed below half
};

// JS thread: writes the batch as numeric records (into `records`, room for EncodedSize numbers)
// and the objects they refer to (appended to `objects`), as lib/native.ts reads them. Returns the
// number of records written; `stopped` tells whether a Stopped event was among them.
size_t EncodedSize(const EventBatch &batch);
size_t EncodeBatch(napi_env env, KeyCache &keys, EventBatch &batch, double *records, napi_value objects, bool *stopped);

}  // namespace mqtt5crt
