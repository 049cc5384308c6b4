// What the core of every client kind is (ClientCore for MQTT 5, Mqtt311Core, RrCore): the part that
// must outlive the JS wrapper, with three owners — (1) the wrapper (GC or close), (2) the Delivery's
// handles (dropped once they closed: after the CRT object terminated and its last events were
// delivered, or at environment teardown), (3) the CRT object's termination callback. A task on the
// CRT's loop holds one more while scheduled. The last owner deletes it, so a CRT callback never sees
// freed memory. It composes the CRT loop the client runs on and the Delivery of its events to JS.
#pragma once

#include <napi.h>

#include "client_loop.h"
#include "delivery.h"
#include "operations.h"
#include "ref_counted.h"

namespace mqtt5crt {

class Addon;

class CoreBase : public RefCounted {
public:
    double NextId() { return ++next_id_; }  // JS thread: the id of a new operation
    EventQueue &events() { return delivery_.events(); }
    // The event loop group the client's loop is one of (a request-response client over it runs there too).
    aws_event_loop_group *group() const { return loop_.group(); }

    // JS thread: a running client keeps the process alive; a stopped one lets it exit at once. (The
    // MQTT 5 client lets go once its Stopped event was delivered instead: ClientCore::SetRunning.)
    void SetRunning(bool running) {
        delivery_.SetRunning(running);
        if (!running) delivery_.KeepAlive(false);
    }

    // JS thread: submits one operation under a new id, which it returns. `submit(op)` calls the CRT
    // with the operation's completion context and says whether the CRT took it; if not, the
    // context is freed and CrtError thrown.
    template <class Submit>
    double SubmitOperation(Napi::Env env, Addon *addon, Submit submit) {
        double id = NextId();
        OpContext *op = NewOpContext(events(), id);
        if (!submit(op)) FailSubmission(env, addon, op);
        return id;
    }

protected:
    CoreBase() : RefCounted(3), delivery_(*this, loop_) {}
    ~CoreBase() override = default;

    // JS thread, creating the core: the Delivery's handles, sending batches to `sink`. If they
    // cannot be made (out of memory) the core is deleted and a CrtError thrown.
    void InitDelivery(Napi::Env env, Addon *addon, Napi::Function sink);
    // JS thread, creating the CRT object failed after InitDelivery: no CRT callback will come.
    // Closes the handles (their owner goes once they closed), drops the CRT's and the wrapper's
    // references and throws CrtError(error).
    [[noreturn]] void AbandonCreation(Napi::Env env, Addon *addon, int error);
    // CRT thread: the CRT object terminated; the handles close once its last events were delivered.
    void Terminated() {
        delivery_.End();
        Unref();
    }
    // JS thread: the Delivery's handles closed. Kinds with work of their own to end override it
    // and call this last (it may delete the core).
    virtual void HandlesClosed() { Unref(); }

    ClientLoop loop_;
    Delivery delivery_;

private:
    [[noreturn]] static void FailSubmission(Napi::Env env, Addon *addon, OpContext *op);
    static void OnHandlesClosed(void *core) { static_cast<CoreBase *>(core)->HandlesClosed(); }
    double next_id_ = 0;
};

}  // namespace mqtt5crt
