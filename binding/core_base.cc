#include "core_base.h"

#include <aws/common/error.h>

#include "addon.h"

namespace mqtt5crt {

void CoreBase::InitDelivery(Napi::Env env, Addon *addon, Napi::Function sink) {
    if (delivery_.Init(env, sink, OnHandlesClosed, this)) return;
    delete this;  // no handles, no CRT object: nobody else holds it yet
    addon->ThrowCrtError(env, AWS_ERROR_OOM);
}

void CoreBase::FailSubmission(Napi::Env env, Addon *addon, OpContext *op) {
    int error = aws_last_error();
    DeleteOpContext(op);
    addon->ThrowCrtError(env, error);
}

void CoreBase::AbandonCreation(Napi::Env env, Addon *addon, int error) {
    delivery_.Close();  // the handles' reference goes when they closed
    Unref();            // the CRT's
    Unref();            // the wrapper's
    addon->ThrowCrtError(env, error);
}

}  // namespace mqtt5crt
