// Encoding a batch of events for the JS sink (see lib/native.ts, NativeRecord): numbers go into a
// Float64Array the JS side reads (no N-API call per number); strings, Buffers and objects go into
// an array alongside, in the order the records refer to them.
#include <cstdlib>
#include <cstring>

#include <aws/common/allocator.h>

#include "addon.h"
#include "event_queue.h"

namespace mqtt5crt {
namespace {

// A record kind (binding/contract.h) as the number written.
constexpr double Kind(Record r) { return static_cast<double>(r); }

// Where external memory is not allowed (Electron's V8 sandbox) payloads are copied into V8's
// memory instead. MQTT5_CRT_NO_EXTERNAL_BUFFERS=1 takes that path anywhere (tests use it).
bool ExternalBuffersOff() {
    static const bool off = [] {
        const char *v = std::getenv("MQTT5_CRT_NO_EXTERNAL_BUFFERS");
        return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
    }();
    return off;
}

void FreeBlock(napi_env, void *data, void *) { std::free(data); }

// A decoder buffer taken over from the CRT (`block`; the Buffer's data lies inside it): released
// with the allocator every client of this addon is made with (ClientCore::Create).
void ReleaseDecodedBlock(napi_env, void *, void *block) { aws_mem_release(Crt::Get().allocator, block); }

class Encoder {
public:
    Encoder(napi_env env, KeyCache &keys, double *records, napi_value objects)
        : env_(env), keys_(keys), rec_(records), objects_(objects) {}

    void Segment(mqtt5crt::Segment &seg) {
        if (UsesArena(seg)) Arena(seg);
        const uint8_t *arena = seg.handed ? seg.handed : seg.arena.get();
        for (Event &ev : seg.events) {
            if (ev.simple == Simple::Message)
                Message(ev, arena);
            else if (ev.simple != Simple::No)
                Completion(ev);
            else
                Full(ev);
            if (ev.type == EventType::Stopped) stopped_ = true;
        }
    }
    size_t count() const { return n_; }
    bool stopped() const { return stopped_; }

private:
    void Object(napi_value v) { napi_set_element(env_, objects_, k_++, v); }

    static bool UsesArena(const mqtt5crt::Segment &seg) {
        for (const Event &ev : seg.events) {
            if (ev.simple == Simple::Message && !(ev.bits & MessageBits::External)) return true;
        }
        return false;
    }

    // The arena becomes the ArrayBuffer small payloads are views of; its topics are read from it
    // afterwards, while it is still alive.
    void Arena(mqtt5crt::Segment &seg) {
        if (seg.capacity > seg.size + seg.size / 4 && seg.size > 0) {
            // Give back what the doubling over-reserved before JS holds on to it.
            if (auto *fit = static_cast<uint8_t *>(std::realloc(seg.arena.get(), seg.size))) {
                seg.arena.release();
                seg.arena.reset(fit);
                seg.capacity = seg.size;
            }
        }
        napi_value ab = nullptr;
        void *data = seg.arena.get();
        if (!data || ExternalBuffersOff() ||
            napi_create_external_arraybuffer(env_, data, seg.size, FreeBlock, nullptr, &ab) != napi_ok) {
            // No external memory here (Electron's V8 sandbox): copy it.
            void *copy = nullptr;
            napi_create_arraybuffer(env_, seg.size, &copy, &ab);
            if (copy && seg.size) std::memcpy(copy, data, seg.size);
            data = nullptr;
        }
        rec_[n_++] = Kind(Record::Arena);
        Object(ab);
        // The ArrayBuffer owns the block now.
        if (data) seg.handed = seg.arena.release();
    }

    void Message(Event &ev, const uint8_t *arena) {
        rec_[n_++] = Kind(Record::Message);
        rec_[n_++] = ev.bits;
        rec_[n_++] = ev.ack_id;
        rec_[n_++] = static_cast<double>(ev.payload_off);
        rec_[n_++] = static_cast<double>(ev.payload_len);
        if (ev.bits & MessageBits::NewTopic) {
            napi_value topic = nullptr;
            const char *chars = ev.topic_len ? reinterpret_cast<const char *>(arena + ev.topic_off) : "";
            napi_create_string_utf8(env_, chars, ev.topic_len, &topic);
            Object(topic);
        }
        if (ev.bits & MessageBits::External) Object(ExternalPayload(ev));
    }

    // A payload of its own block, or of the CRT's decoder buffer, as a Buffer over it (which owns
    // the block from then on); copied where external memory is not allowed.
    napi_value ExternalPayload(Event &ev) {
        napi_value payload = nullptr;
        uint8_t *block = ev.decoded.data() ? ev.decoded.data() : ev.payload.get();
        uint8_t *data = ev.decoded.data() ? block + ev.payload_off : block;
        napi_finalize release = ev.decoded.data() ? ReleaseDecodedBlock : FreeBlock;
        if (!ExternalBuffersOff() &&
            napi_create_external_buffer(env_, ev.payload_len, data, release, block, &payload) == napi_ok) {
            if (ev.decoded.data())
                ev.decoded.Release();
            else
                ev.payload.release();
        } else {
            napi_create_buffer_copy(env_, ev.payload_len, data, nullptr, &payload);
        }
        return payload;
    }

    // Completions with nothing to say but numbers: done, or a PUBACK with no properties.
    void Completion(const Event &ev) {
        if (ev.simple == Simple::PubackReason) {
            rec_[n_++] = Kind(Record::PubackReason);
            rec_[n_++] = ev.id;
            rec_[n_++] = ev.reason_code;
            return;
        }
        rec_[n_++] = ev.simple == Simple::Done ? Kind(Record::Done) : Kind(Record::Puback);
        rec_[n_++] = ev.id;
    }

    void Full(const Event &ev) {
        static const int kEvent = KeyId("event"), kError = KeyId("errorCode"), kId = KeyId("id"), kAck = KeyId("ackId"),
                         kPacket = KeyId("packet"), kSettings = KeyId("settings");
        Napi::Env env(env_);
        KeyCache &keys = keys_;
        napi_value item = nullptr, v = nullptr;
        napi_create_object(env_, &item);
        napi_create_int32(env_, static_cast<int>(ev.type), &v);
        SetKey(env_, item, keys.Get(kEvent), v);
        if (ev.error_code) {
            napi_create_int32(env_, ev.error_code, &v);
            SetKey(env_, item, keys.Get(kError), v);
        }
        if (ev.id) {
            napi_create_double(env_, ev.id, &v);
            SetKey(env_, item, keys.Get(kId), v);
        }
        if (ev.ack_id) {
            napi_create_double(env_, ev.ack_id, &v);
            SetKey(env_, item, keys.Get(kAck), v);
        }
        if (ev.packet) SetKey(env_, item, keys.Get(kPacket), ev.packet->ToJs(env, keys));
        if (ev.settings) SetKey(env_, item, keys.Get(kSettings), ev.settings->ToJs(env, keys));
        rec_[n_++] = Kind(Record::Event);
        Object(item);
    }

    napi_env env_;
    KeyCache &keys_;
    double *rec_;
    napi_value objects_;
    size_t n_ = 0;
    uint32_t k_ = 0;
    bool stopped_ = false;
};

}  // namespace

// At most 5 numbers per event, and one arena record per segment.
size_t EncodedSize(const EventBatch &batch) { return batch.events * 5 + batch.segments.size(); }

size_t EncodeBatch(napi_env env, KeyCache &keys, EventBatch &batch, double *records, napi_value objects, bool *stopped) {
    Encoder encoder(env, keys, records, objects);
    for (auto &seg : batch.segments) encoder.Segment(*seg);
    *stopped = encoder.stopped();
    return encoder.count();
}

}  // namespace mqtt5crt
