#include "event_loop_group.h"

#include <aws/common/error.h>
#include <aws/io/channel_bootstrap.h>
#include <aws/io/event_loop.h>
#include <aws/io/host_resolver.h>

#include <cstdlib>
#include <string>

#include "addon.h"

namespace mqtt5crt {
aws_client_bootstrap *NewBootstrap(aws_allocator *allocator, uint16_t threads) {
    aws_event_loop_group_options elg_options{};
    elg_options.loop_count = threads;
    aws_event_loop_group *elg = aws_event_loop_group_new(allocator, &elg_options);
    if (!elg) return nullptr;
    aws_host_resolver_default_options resolver_options{};
    resolver_options.max_entries = 16;
    resolver_options.el_group = elg;
    aws_host_resolver *resolver = aws_host_resolver_new_default(allocator, &resolver_options);
    aws_client_bootstrap *bootstrap = nullptr;
    if (resolver) {
        aws_client_bootstrap_options bootstrap_options{};
        bootstrap_options.event_loop_group = elg;
        bootstrap_options.host_resolver = resolver;
        bootstrap = aws_client_bootstrap_new(allocator, &bootstrap_options);
    }
    // The bootstrap holds its own references to both; it alone keeps them from here on.
    aws_host_resolver_release(resolver);
    aws_event_loop_group_release(elg);
    return bootstrap;
}

uint16_t DefaultEventLoopThreads() {
    const char *text = std::getenv("MQTT5_CRT_EVENT_LOOP_THREADS");
    if (!text || !*text) return 0;
    char *end = nullptr;
    long n = std::strtol(text, &end, 10);
    return *end == '\0' && n >= 1 && n <= 256 ? static_cast<uint16_t>(n) : 0;
}

size_t LoopCount(aws_client_bootstrap *bootstrap) { return aws_event_loop_group_get_loop_count(bootstrap->event_loop_group); }

const NativeKind NativeEventLoopGroup::kKind = {{0x6d717474356372ULL, 0x656c6731ULL}, "an io.EventLoopGroup"};

Napi::Function NativeEventLoopGroup::Define(Napi::Env env) {
    return DefineClass(env, "NativeEventLoopGroup", {InstanceMethod<&NativeEventLoopGroup::ThreadCount>("threadCount")});
}

// new NativeEventLoopGroup(threads): 0 for the CRT default (half the logical processors).
NativeEventLoopGroup::NativeEventLoopGroup(const Napi::CallbackInfo &info) : NativeHandle(info) {
    Napi::Env env = info.Env();
    double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
    if (!(n >= 0 && n <= 256) || n != static_cast<double>(static_cast<uint16_t>(n))) {
        throw Napi::RangeError::New(env, "the event loop thread count must be an integer from 0 to 256");
    }
    handle_.Reset(NewBootstrap(Crt::Get().allocator, static_cast<uint16_t>(n)));
    if (!handle_) env.GetInstanceData<Addon>()->ThrowCrtError(env, aws_last_error());
}

Napi::Value NativeEventLoopGroup::ThreadCount(const Napi::CallbackInfo &info) {
    return Napi::Number::New(info.Env(), static_cast<double>(LoopCount(handle_.get())));
}

}  // namespace mqtt5crt
