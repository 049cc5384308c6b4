// NativeEventLoopGroup (io.EventLoopGroup): a group of CRT event loop threads with its own host
// resolver and client bootstrap, for clients that should not share the process-wide group.
#pragma once

#include <napi.h>

#include <cstdint>

struct aws_allocator;
struct aws_client_bootstrap;

namespace mqtt5crt {

// A new event loop group of `threads` loops (0: the CRT default, half the logical processors) with a host resolver and a
// bootstrap over them; the bootstrap holds the group and the resolver. Null on failure.
aws_client_bootstrap *NewBootstrap(aws_allocator *allocator, uint16_t threads);

// The size of the process-wide group: MQTT5_CRT_EVENT_LOOP_THREADS when it is a whole number from
// 1 to 256, else 0 (the CRT default: half the logical processors, at least one).
uint16_t DefaultEventLoopThreads();

// The number of loops in a bootstrap's group.
size_t LoopCount(aws_client_bootstrap *bootstrap);

class NativeEventLoopGroup : public Napi::ObjectWrap<NativeEventLoopGroup> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit NativeEventLoopGroup(const Napi::CallbackInfo &info);
    ~NativeEventLoopGroup() override;

    // The bootstrap behind a JS value that must be a NativeEventLoopGroup (type-tag checked), or
    // throws a TypeError naming `field`. Clients take their own reference to it.
    static aws_client_bootstrap *From(const Napi::Value &value, const char *field);

private:
    Napi::Value ThreadCount(const Napi::CallbackInfo &info);
    aws_client_bootstrap *bootstrap_ = nullptr;
};

}  // namespace mqtt5crt
