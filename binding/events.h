// Owned, N-API-free records that carry what a CRT callback saw to the JS thread.
#pragma once

#include <aws/common/byte_buf.h>
#include <napi.h>

#include "contract.h"
#include "convert.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace mqtt5crt {

// An owned deep copy of a packet (or of the negotiated settings) made on a CRT thread and turned
// into a JS object on the JS thread.
struct OwnedPacket {
    virtual ~OwnedPacket() = default;
    virtual Napi::Object ToJs(Napi::Env env, KeyCache &keys) const = 0;
};

// How an event travels when it needs no object: as a bare record of the batch (event_encoder.cc).
enum class Simple : uint8_t {
    No = 0,
    Done = 1,          // Record::Done: completed, no packet (a QoS 0 publish written)
    PlainPuback = 2,   // Record::Puback: a PUBACK with reason Success and no properties
    Message = 3,       // Record::Message: a received PUBLISH with only topic, payload, QoS and retain
    PubackReason = 4,  // Record::PubackReason: a PUBACK with another reason code (reason_code) and no properties
};

struct FreeBytes {
    void operator()(uint8_t *p) const { std::free(p); }
};
using Bytes = std::unique_ptr<uint8_t[], FreeBytes>;

// Grows `block` (doubling, from 4 KiB) until it holds `needed` bytes: one allocation for many small
// copies. False: out of memory (the block is unchanged).
inline bool Grow(Bytes &block, size_t &capacity, size_t needed) {
    if (needed <= capacity) return true;
    size_t want = capacity ? capacity : 4096;
    while (want < needed) want *= 2;
    auto *grown = static_cast<uint8_t *>(std::realloc(block.get(), want));
    if (!grown) return false;
    block.release();
    block.reset(grown);
    capacity = want;
    return true;
}

// The buffer a large received PUBLISH was decoded in, taken over from the CRT
// (aws_mqtt5_client_take_publish_buffer, patches/aws-c-mqtt/0012): released with the allocator it
// came from unless handed on. Two pointers, as every event carries one.
class DecodedBuffer {
public:
    DecodedBuffer() = default;
    DecodedBuffer(const DecodedBuffer &) = delete;
    DecodedBuffer &operator=(const DecodedBuffer &) = delete;
    DecodedBuffer(DecodedBuffer &&other) noexcept : block_(other.block_), allocator_(other.allocator_) { other.block_ = nullptr; }
    DecodedBuffer &operator=(DecodedBuffer &&other) noexcept {
        if (this != &other) {
            Reset();
            block_ = other.block_;
            allocator_ = other.allocator_;
            other.block_ = nullptr;
        }
        return *this;
    }
    ~DecodedBuffer() { Reset(); }

    void Adopt(const aws_byte_buf &buf) {
        Reset();
        block_ = buf.buffer;
        allocator_ = buf.allocator;
    }
    uint8_t *data() const { return block_; }
    // The block's start, no longer owned here (the caller releases it with the CRT's allocator).
    uint8_t *Release() {
        uint8_t *block = block_;
        block_ = nullptr;
        return block;
    }
    void Reset() {
        if (block_) aws_mem_release(allocator_, block_);
        block_ = nullptr;
    }

private:
    uint8_t *block_ = nullptr;
    aws_allocator *allocator_ = nullptr;
};

struct Event {
    EventType type;
    Simple simple = Simple::No;
    uint8_t reason_code = 0;  // Simple::PubackReason
    int error_code = 0;
    double id = 0;      // operation id for completions
    double ack_id = 0;  // received QoS 1 PUBLISH: the manual PUBACK control id
    std::unique_ptr<OwnedPacket> packet;
    std::unique_ptr<OwnedPacket> settings;
    // Simple::Message: topic and payload live in the segment's arena (see ClientCore), or the
    // payload alone, when it is large enough to be handed over as an external Buffer, in `payload`
    // (a copy) or at `payload_off` in `decoded` (the CRT's buffer, taken over).
    uint32_t bits = 0;  // qos | MessageBits
    uint32_t topic_len = 0;
    size_t topic_off = 0, payload_off = 0, payload_len = 0;
    Bytes payload;
    DecodedBuffer decoded;
};

}  // namespace mqtt5crt
