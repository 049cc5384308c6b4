#include "credentials.h"

#include <aws/auth/credentials.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "addon.h"
#include "convert.h"
#include "options.h"
#include "packets.h"

namespace mqtt5crt {
namespace {

aws_byte_cursor Cur(const std::string &s) { return aws_byte_cursor_from_array(s.data(), s.size()); }

// ---- the delegate provider: credentials come from a JS function ---------------------------------
//
// The CRT asks on one of its threads; the request travels to JS through a thread-safe function,
// the JS function's result (an object or a promise of one) comes back through `settle`, and the
// CRT callback is invoked from the JS thread (the CRT accepts that). A thread-safe function here,
// where client events use a libuv async handle: each request is rare, stands alone and carries its
// own callback, which is what a TSFN queues; client events are many, already queued in order, and
// need only a coalescing "look" (waker.h says more).

struct DelegateRequest {
    aws_on_get_credentials_callback_fn *callback;
    void *user_data;
};

struct Delegate;
void CallDelegate(Napi::Env env, Napi::Function fn, Delegate *d, DelegateRequest *req);
using DelegateTsfn = Napi::TypedThreadSafeFunction<Delegate, DelegateRequest, CallDelegate>;

// Freed when both the TSFN finalizer (JS side) and the provider's shutdown (CRT side) are done.
struct Delegate {
    DelegateTsfn tsfn;
    std::mutex mu;
    bool open = true;  // guarded by mu: the TSFN may be used
    std::atomic<int> refs{2};
    void Unref() {
        if (refs.fetch_sub(1) == 1) delete this;
    }
};

void Settle(DelegateRequest *req, Napi::Value result, int error) {
    aws_credentials *creds = nullptr;
    // Reading the result runs the caller's code (getters, proxies): any throw means "no credentials".
    try {
        if (!error && result.IsObject()) {
            Napi::Object o = result.As<Napi::Object>();
            Napi::Value ak = o.Get("aws_access_key_id"), sk = o.Get("aws_secret_access_key"), st = o.Get("aws_session_token");
            if (ak.IsUndefined()) ak = o.Get("accessKeyId");
            if (sk.IsUndefined()) sk = o.Get("secretAccessKey");
            if (st.IsUndefined()) st = o.Get("sessionToken");
            if (ak.IsString() && sk.IsString()) {
                std::string a = ak.As<Napi::String>(), s = sk.As<Napi::String>(),
                            t = st.IsString() ? st.As<Napi::String>().Utf8Value() : "";
                creds = aws_credentials_new(Crt::Get().allocator, Cur(a), Cur(s), Cur(t), UINT64_MAX);
            }
        }
    } catch (const Napi::Error &) {
        creds = nullptr;
        error = AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE;
    }
    if (!creds && !error) error = AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE;
    req->callback(creds, error, req->user_data);
    if (creds) aws_credentials_release(creds);
    delete req;
}

void CallDelegate(Napi::Env env, Napi::Function fn, Delegate *, DelegateRequest *req) {
    if (env == nullptr) {  // torn down: fail the request so the CRT does not wait forever
        req->callback(nullptr, AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE, req->user_data);
        delete req;
        return;
    }
    Napi::Value result;
    try {
        result = fn.Call({});
    } catch (const Napi::Error &) {
        Settle(req, env.Undefined(), AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE);
        return;
    }
    if (result.IsPromise()) {
        Napi::Object p = result.As<Napi::Object>();
        // Whichever of the two settles first answers the CRT; the request is shared by both.
        auto shared = std::make_shared<DelegateRequest *>(req);
        Napi::Function onOk = Napi::Function::New(env, [shared](const Napi::CallbackInfo &info) {
            if (*shared) Settle(*shared, info[0], 0);
            *shared = nullptr;
        });
        Napi::Function onErr = Napi::Function::New(env, [shared](const Napi::CallbackInfo &info) {
            if (*shared) Settle(*shared, info.Env().Undefined(), AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE);
            *shared = nullptr;
        });
        p.Get("then").As<Napi::Function>().Call(p, {onOk, onErr});
        return;
    }
    Settle(req, result, 0);
}

int DelegateGet(void *user_data, aws_on_get_credentials_callback_fn callback, void *callback_user_data) {
    auto *d = static_cast<Delegate *>(user_data);
    std::lock_guard<std::mutex> lock(d->mu);
    if (!d->open) return aws_raise_error(AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE);
    if (d->tsfn.NonBlockingCall(new DelegateRequest{callback, callback_user_data}) != napi_ok) {
        return aws_raise_error(AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE);
    }
    return AWS_OP_SUCCESS;
}

void DelegateShutdown(void *user_data) {
    auto *d = static_cast<Delegate *>(user_data);
    {
        std::lock_guard<std::mutex> lock(d->mu);
        if (d->open) {
            d->open = false;
            d->tsfn.Release();
        }
    }
    d->Unref();
}

// A provider that asks `get` on the JS thread (through the thread-safe function), or null.
aws_credentials_provider *NewDelegate(Napi::Env env, Napi::Function get) {
    auto *d = new Delegate();
    d->tsfn = DelegateTsfn::New(env, get, "mqtt5-crt-credentials", 0, 1, d, [](Napi::Env, void *, Delegate *dd) {
        {
            std::lock_guard<std::mutex> lock(dd->mu);
            dd->open = false;
        }
        dd->Unref();
    });
    d->tsfn.Unref(env);  // asking for credentials must not keep the process alive by itself
    aws_credentials_provider_delegate_options dopt{};
    dopt.get_credentials = DelegateGet;
    dopt.delegate_user_data = d;
    dopt.shutdown_options.shutdown_callback = DelegateShutdown;
    dopt.shutdown_options.shutdown_user_data = d;
    aws_credentials_provider *provider = aws_credentials_provider_new_delegate(Crt::Get().allocator, &dopt);
    if (!provider) DelegateShutdown(d);
    return provider;
}

// The providers whose options say which bootstrap to resolve and connect with.
template <class Options, class = void>
struct HasBootstrap : std::false_type {};
template <class Options>
struct HasBootstrap<Options, std::void_t<decltype(Options::bootstrap)>> : std::true_type {};

// A provider made by `make` from options read through `table` (none: all defaults) as
// "credentials.<key>"; null when the CRT could not make it (aws_last_error()).
template <class Options>
aws_credentials_provider *MakeProvider(const Napi::Object &o, const Table *table,
                                       aws_credentials_provider *(*make)(aws_allocator *, const Options *)) {
    Arena arena;
    Options options{};
    if (table) ReadView(o, *table, &options, arena, "credentials");
    if constexpr (HasBootstrap<Options>::value) options.bootstrap = Crt::Get().bootstrap;
    return make(Crt::Get().allocator, &options);
}

aws_credentials_provider *NewProvider(Napi::Env env, const std::string &kind, const Napi::Object &o) {
    if (kind == "static") return MakeProvider(o, &tables::kStaticCredentials, aws_credentials_provider_new_static);
    if (kind == "environment") return MakeProvider(o, nullptr, aws_credentials_provider_new_environment);
    if (kind == "profile") return MakeProvider(o, &tables::kProfileCredentials, aws_credentials_provider_new_profile);
    if (kind == "defaultChain")
        return MakeProvider(o, &tables::kDefaultChainCredentials, aws_credentials_provider_new_chain_default);
    if (kind == "cached") return MakeProvider(o, &tables::kCachedCredentials, aws_credentials_provider_new_cached);
    if (kind == "delegate") {
        Arena arena;
        DelegateConfig dc{};
        ReadView(o, tables::kDelegateCredentials, &dc, arena, "credentials");
        return NewDelegate(env, Napi::Function(env, dc.get));
    }
    throw Napi::RangeError::New(env,
                                "credentials provider kind must be one of static, environment, profile, "
                                "defaultChain, cached, delegate (got '" +
                                    kind + "')");
}

}  // namespace

const NativeKind NativeCredentialsProvider::kKind = {{0x6d717474352d6372ULL, 0x742d6372656473ULL},
                                                     "an auth.AwsCredentialsProvider"};

Napi::Function NativeCredentialsProvider::Define(Napi::Env env) {
    return DefineClass(env, "NativeCredentialsProvider",
                       {InstanceMethod<&NativeCredentialsProvider::GetCredentials>("getCredentials")});
}

NativeCredentialsProvider::NativeCredentialsProvider(const Napi::CallbackInfo &info) : NativeHandle(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "credentials provider kind must be a string");
    std::string kind = info[0].As<Napi::String>().Utf8Value();
    Napi::Object o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
    handle_.Reset(NewProvider(env, kind, o));
    if (!handle_) env.GetInstanceData<Addon>()->ThrowCrtError(env, aws_last_error());
}

// getCredentials(): Promise<{accessKeyId, secretAccessKey, sessionToken?}>
Napi::Value NativeCredentialsProvider::GetCredentials(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    struct Pending {
        Napi::Promise::Deferred deferred;
        Napi::ThreadSafeFunction tsfn;
        std::string ak, sk, st;
        int error = 0;
    };
    auto *p = new Pending{Napi::Promise::Deferred::New(env), {}, {}, {}, {}, 0};
    p->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo &) {}),
                                            "mqtt5-crt-get-credentials", 0, 1);
    Napi::Promise promise = p->deferred.Promise();
    auto done = [](aws_credentials *creds, int error, void *ud) {
        auto *pp = static_cast<Pending *>(ud);
        if (creds) {
            aws_byte_cursor a = aws_credentials_get_access_key_id(creds), s = aws_credentials_get_secret_access_key(creds),
                            t = aws_credentials_get_session_token(creds);
            pp->ak.assign(reinterpret_cast<const char *>(a.ptr), a.len);
            pp->sk.assign(reinterpret_cast<const char *>(s.ptr), s.len);
            pp->st.assign(reinterpret_cast<const char *>(t.ptr), t.len);
        } else {
            pp->error = error ? error : AWS_AUTH_CREDENTIALS_PROVIDER_DELEGATE_FAILURE;
        }
        pp->tsfn.BlockingCall([pp](Napi::Env e, Napi::Function) {
            if (pp->error) {
                Addon *addon = e.GetInstanceData<Addon>();
                try {
                    addon->ThrowCrtError(e, pp->error);
                } catch (const Napi::Error &err) {
                    pp->deferred.Reject(err.Value());
                }
            } else {
                Napi::Object o = Napi::Object::New(e);
                o.Set("accessKeyId", pp->ak);
                o.Set("secretAccessKey", pp->sk);
                if (!pp->st.empty()) o.Set("sessionToken", pp->st);
                pp->deferred.Resolve(o);
            }
            pp->tsfn.Release();
            delete pp;
        });
    };
    if (aws_credentials_provider_get_credentials(handle_.get(), done, p) != AWS_OP_SUCCESS) {
        int error = aws_last_error();
        p->tsfn.Release();
        delete p;
        env.GetInstanceData<Addon>()->ThrowCrtError(env, error);
    }
    return promise;
}

}  // namespace mqtt5crt
