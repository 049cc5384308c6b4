// The few libuv 1.x functions the addon uses, declared against opaque types. node exports them
// and napi_get_uv_event_loop() gives the loop. Their ABI is stable across libuv 1.x, and handle
// memory is sized with uv_handle_size(), so no struct layout is assumed. (The Node-API headers
// the addon builds against do not include uv.h.)
#pragma once

#include <cstddef>

extern "C" {
struct uv_loop_s;
typedef struct uv_loop_s uv_loop_t;
typedef struct uv_handle_s uv_handle_t;
typedef struct uv_async_s uv_async_t;
typedef struct uv_poll_s uv_poll_t;
typedef void (*uv_async_cb)(uv_async_t *handle);
typedef void (*uv_poll_cb)(uv_poll_t *handle, int status, int events);
typedef void (*uv_close_cb)(uv_handle_t *handle);

size_t uv_handle_size(int type);  // takes uv_handle_type
int uv_async_init(uv_loop_t *loop, uv_async_t *async, uv_async_cb async_cb);
int uv_async_send(uv_async_t *async);
int uv_poll_init(uv_loop_t *loop, uv_poll_t *handle, int fd);
int uv_poll_start(uv_poll_t *handle, int events, uv_poll_cb cb);
void uv_close(uv_handle_t *handle, uv_close_cb close_cb);
void uv_ref(uv_handle_t *handle);
void uv_unref(uv_handle_t *handle);
void *uv_handle_get_data(const uv_handle_t *handle);
void uv_handle_set_data(uv_handle_t *handle, void *data);
}

namespace mqtt5crt {
constexpr int kUvAsync = 1;     // UV_ASYNC in uv_handle_type (first in UV_HANDLE_TYPE_MAP since libuv 1.0)
constexpr int kUvPoll = 8;      // UV_POLL (eighth in UV_HANDLE_TYPE_MAP since libuv 1.0)
constexpr int kUvReadable = 1;  // UV_READABLE in uv_poll_event
inline uv_handle_t *AsHandle(uv_async_t *a) { return reinterpret_cast<uv_handle_t *>(a); }
inline uv_handle_t *AsHandle(uv_poll_t *p) { return reinterpret_cast<uv_handle_t *>(p); }
}  // namespace mqtt5crt
