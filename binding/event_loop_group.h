// NativeEventLoopGroup (io.EventLoopGroup): a group of CRT event loop threads with its own host
// resolver and client bootstrap, for clients that should not share the process-wide group.
#pragma once

#include <aws/io/channel_bootstrap.h>
#include <napi.h>

#include <cstdint>

#include "native_class.h"

namespace mqtt5crt {

// A new event loop group of `threads` loops (0: the CRT default, half the logical processors) with a host resolver and a
// bootstrap over them; the bootstrap holds the group and the resolver. Null on failure.
aws_client_bootstrap *NewBootstrap(aws_allocator *allocator, uint16_t threads);

// The size of the process-wide group: MQTT5_CRT_EVENT_LOOP_THREADS when it is a whole number from
// 1 to 256, else 0 (the CRT default: half the logical processors, at least one).
uint16_t DefaultEventLoopThreads();

// The number of loops in a bootstrap's group.
size_t LoopCount(aws_client_bootstrap *bootstrap);

// The threads stop once every client made with the group is gone too (each holds the bootstrap,
// which From() gives them to take their own reference to).
class NativeEventLoopGroup : public NativeHandle<NativeEventLoopGroup, aws_client_bootstrap, aws_client_bootstrap_release> {
public:
    static const NativeKind kKind;
    static Napi::Function Define(Napi::Env env);
    explicit NativeEventLoopGroup(const Napi::CallbackInfo &info);

private:
    Napi::Value ThreadCount(const Napi::CallbackInfo &info);
};

}  // namespace mqtt5crt
