#include "event_queue.h"

#include <aws/io/event_loop.h>
#include <aws/mqtt/v5/mqtt5_client.h>

#include <cstring>

#include "client_loop.h"
#include "ref_counted.h"
#include "stored_packets.h"
#include "waker.h"

namespace mqtt5crt {
namespace {

// A segment closes at this many events or arena bytes.
constexpr size_t kSegmentEvents = 1024;
constexpr size_t kSegmentBytes = 64 * 1024;

// Received payloads at least this large are handed to JS as external Buffers of their own (no
// copy on the JS thread); smaller ones share their segment's arena.
constexpr size_t kExternalPayloadMin = 4096;

// Nothing but topic, payload, QoS and retain: the common message, carried compactly.
bool IsPlain(const aws_mqtt5_packet_publish_view *p) {
    return !p->payload_format && !p->message_expiry_interval_seconds && !p->topic_alias && !p->response_topic &&
           !p->correlation_data && p->subscription_identifier_count == 0 && !p->content_type && p->user_property_count == 0 &&
           p->topic.len <= UINT32_MAX;
}

// Writes a plain message's topic (unless it repeats the segment's previous one) and, unless it
// travels on its own, its payload into the segment's arena. False: out of memory.
bool StoreInArena(Segment &seg, Event &ev, const aws_mqtt5_packet_publish_view *publish, bool external) {
    const size_t topic_len = publish->topic.len, payload_len = publish->payload.len;
    const bool same_topic =
        seg.has_topic && seg.last_topic_len == topic_len &&
        (topic_len == 0 || std::memcmp(seg.arena.get() + seg.last_topic_off, publish->topic.ptr, topic_len) == 0);
    if (!seg.Reserve((same_topic ? 0 : topic_len) + (external ? 0 : payload_len))) return false;
    ev.simple = Simple::Message;
    ev.bits = (publish->qos & 3) | (publish->retain ? MessageBits::Retain : 0) | (external ? MessageBits::External : 0) |
              (publish->duplicate ? MessageBits::Dup : 0);
    if (!same_topic) {
        ev.bits |= MessageBits::NewTopic;
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
    return true;
}

}  // namespace

bool Segment::Reserve(size_t more) { return Grow(arena, capacity, size + more); }

Segment &EventQueue::OpenSegment() {
    if (queue_.empty() || queue_.back()->events.size() >= kSegmentEvents || queue_.back()->size >= kSegmentBytes) {
        queue_.push_back(std::make_unique<Segment>());
    }
    return *queue_.back();
}

void EventQueue::Push(Event &&event) {
    bool wake;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!open_) return;  // the environment is gone; drop it
        OpenSegment().events.push_back(std::move(event));
        wake = Signal();
    }
    if (wake) waker_.Wake();
}

namespace {
// The SlowConsumer event's payload.
struct SlowConsumerInfo : OwnedPacket {
    double queued, dropped;
    SlowConsumerInfo(double q, double d) : queued(q), dropped(d) {}
    Napi::Object ToJs(Napi::Env env, KeyCache &) const override {
        Napi::Object o = Napi::Object::New(env);
        o.Set("queuedMessages", Napi::Number::New(env, queued));
        o.Set("droppedMessages", Napi::Number::New(env, dropped));
        return o;
    }
};
}  // namespace

void EventQueue::PushMessage(const aws_mqtt5_packet_publish_view *publish, double ack_id, aws_mqtt5_client *receiver) {
    // A backlog past the threshold: a QoS 0 message is dropped before anything is copied.
    if (drop_qos0_ && threshold_ && publish->qos == AWS_MQTT5_QOS_AT_MOST_ONCE) {
        std::lock_guard<std::mutex> lock(mu_);
        if (queued_messages_ >= threshold_) {
            dropped_++;
            return;
        }
    }
    Event ev;
    ev.type = EventType::MessageReceived;
    ev.ack_id = ack_id;
    const bool plain = IsPlain(publish);
    const size_t payload_len = publish->payload.len;
    const bool external = plain && payload_len >= kExternalPayloadMin;
    aws_byte_buf decoded;
    if (external && receiver && aws_mqtt5_client_take_publish_buffer(receiver, publish, &decoded) == AWS_OP_SUCCESS) {
        // A packet that arrived in fragments was assembled in a buffer of its size, which the CRT
        // hands over (the decoder makes a new one for the next): the Buffer takes it, payload
        // where it lies, no copy.
        ev.decoded.Adopt(decoded);
        ev.payload_off = static_cast<size_t>(publish->payload.ptr - decoded.buffer);
    } else if (external) {
        // Copied outside the lock; the Buffer will own this block.
        ev.payload.reset(static_cast<uint8_t *>(std::malloc(payload_len)));
        if (ev.payload) std::memcpy(ev.payload.get(), publish->payload.ptr, payload_len);
    }
    if (!plain || (external && !ev.payload && !ev.decoded.data())) ev.packet = CopyPacket(publish);

    bool wake;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!open_) return;
        Segment &seg = OpenSegment();
        if (!ev.packet && !StoreInArena(seg, ev, publish, external)) {
            ev.packet = CopyPacket(publish);  // out of memory for the arena: the slow way
            ev.payload.reset();
            ev.decoded.Reset();  // after the copy: the view may point into it
        }
        seg.events.push_back(std::move(ev));
        seg.messages++;
        if (++queued_messages_ >= threshold_ && threshold_ && !slow_) {
            slow_ = true;
            Event slow;
            slow.type = EventType::SlowConsumer;
            slow.packet = std::make_unique<SlowConsumerInfo>(static_cast<double>(queued_messages_), dropped_);
            seg.events.push_back(std::move(slow));
        }
        wake = Signal();
    }
    if (wake) waker_.Wake();
}

// mu_ held. On the client's event-loop thread the wake-up waits for a task that runs once the
// loop has handled the current I/O (everything one socket read produced goes to JS as one
// batch); from any other thread the caller wakes JS at once.
bool EventQueue::Signal() {
    if (signaled_ || flush_scheduled_) return false;
    if (loop_.IfCurrent()) {
        flush_scheduled_ = true;
        owner_.Ref();  // the task holds the client
        aws_task_init(&flush_task_, OnFlush, this, "mqtt5-crt-flush");
        loop_.ScheduleNow(&flush_task_);
        return false;
    }
    signaled_ = true;
    return true;
}

void EventQueue::OnFlush(aws_task *, void *arg, aws_task_status) {
    auto *self = static_cast<EventQueue *>(arg);
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->flush_scheduled_ = false;
        if (!self->signaled_ && self->open_ && !self->queue_.empty()) wake = self->signaled_ = true;
    }
    if (wake) self->waker_.Wake(true);
    self->owner_.Unref();
}

void EventQueue::End() {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
}

EventBatch EventQueue::Take(size_t max_events) {
    EventBatch batch;
    bool more;
    {
        std::lock_guard<std::mutex> lock(mu_);
        size_t taken = 0;
        while (taken < queue_.size() && (taken == 0 || batch.events + queue_[taken]->events.size() <= max_events)) {
            batch.events += queue_[taken]->events.size();
            batch.segments.push_back(std::move(queue_[taken++]));
        }
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
        for (auto &seg : batch.segments) queued_messages_ -= seg->messages;
        if (slow_ && queued_messages_ < threshold_ / 2) slow_ = false;
        more = !queue_.empty();
        signaled_ = more;
    }
    if (more) waker_.Wake();
    return batch;
}

bool EventQueue::Finished() {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_ && queue_.empty();
}

void EventQueue::Shut() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
}

bool EventQueue::IsOpen() {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
}

}  // namespace mqtt5crt
